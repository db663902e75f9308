"""Before/after tests of contract.contract_summed_products and runtime.unbroadcast_product."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import api, runtime
from tangent_lite.passes.contract import contract_summed_products
from tangent_lite.syntax import parse_module, to_source


def _parse(text):
    return parse_module(textwrap.dedent(text)).body[0]


def test_contract_summed_products_before_after():
    fdef = _parse("""
        def f(diff, sq_bar, _t0, _t1):
            diff_bar = diff * (2.0 * sq_bar[:, :, None])
            _t0_bar = _tl.unbroadcast(diff_bar, _t0)
            _t1_bar = -_tl.unbroadcast(diff_bar, _t1)
            return _t0_bar, _t1_bar
        """)
    assert contract_summed_products(fdef, {"diff", "sq_bar", "_t0", "_t1"}, "_tl")
    assert to_source(fdef).strip() == textwrap.dedent("""\
        def f(diff, sq_bar, _t0, _t1):
            diff_bar_factor = 2.0 * sq_bar[:, :, None]
            _t0_bar = _tl.unbroadcast_product(diff, diff_bar_factor, _t0)
            _t1_bar = -_tl.unbroadcast_product(diff, diff_bar_factor, _t1)
            return _t0_bar, _t1_bar""")


@pytest.mark.parametrize("use", [
    "y = diff_bar + 1.0",  # read otherwise than summed
    "diff = diff * 2.0",  # the first factor changes before the sums
    "diff_bar = diff * g",  # (replaces the product:) nothing says the factor broadcasts
])
def test_contract_leaves_products_read_otherwise(use):
    fdef = parse_module("\n".join([
        "def f(diff, g, x):",
        "    diff_bar = diff * g[:, None]" if use != "diff_bar = diff * g" else "    diff_bar = diff * g",
        "    " + (use if use != "diff_bar = diff * g" else "pass"),
        "    a = _tl.unbroadcast(diff_bar, x)",
        "    return a",
    ])).body[0]
    before = to_source(fdef)
    assert not contract_summed_products(fdef, {"diff", "g", "x"}, "_tl")
    assert to_source(fdef) == before


@pytest.mark.parametrize("a_shape, b_shape, x_shape", [
    ((300, 300, 2), (300, 300, 1), (300, 1, 2)), ((300, 300, 2), (300, 300, 1), (1, 300, 2)),
    ((300, 300, 2), (300, 300, 1), ()), ((300, 300), (300,), (300,)), ((300, 1), (1, 300), (300, 1)),
    ((400, 200), (400, 200), (400, 200)), ((2, 3), (3,), (3,)),  # nothing summed; small: the product
])
def test_unbroadcast_product_matches_the_product(a_shape, b_shape, x_shape):
    rng = np.random.default_rng(0)
    a, b, x = rng.normal(size=a_shape), rng.normal(size=b_shape), np.zeros(x_shape)
    got = runtime.unbroadcast_product(a, b, x)
    want = runtime.unbroadcast(a * b, x)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


def sq_dist(W, D):
    diff = W[:, None, :] - W[None, :, :]
    sq = np.sum(diff * diff, axis=2)
    r = sq - D
    return np.sum(r * r)


def test_mds_gradient_contracts_instead_of_building_the_product():
    rng = np.random.default_rng(1)
    W, Z = rng.normal(size=(120, 2)), rng.normal(size=(120, 2))
    D = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=2)
    code = api.generate(sq_dist, "vjp", ["W"], spec=api._spec([W, D]), options=api._GRAD_ONLY).text
    assert code.count("_tl.unbroadcast_product(diff, diff_bar_factor, ") == 2
    assert "unbroadcast_product(r," not in code  # r * (2.0 * _t4_bar): summed once, nothing broadcast
    g = tl.grad(sq_dist)(W, D)
    diff = W[:, None, :] - W[None, :, :]
    S = np.sum(diff * diff, axis=2) - D
    S = S + S.T
    np.testing.assert_allclose(g, 4.0 * (S.sum(axis=1)[:, None] * W - S @ W), rtol=1e-10)
    tl.check_grads(sq_dist, (W[:6], D[:6, :6]), order=2)
