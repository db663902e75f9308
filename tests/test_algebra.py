"""Before/after tests of algebra.fold_negations (a negation moved into a product's number)."""

from __future__ import annotations

import textwrap

import numpy as np

import tangent_lite as tl
from tangent_lite import api
from tangent_lite.passes import copies, dead
from tangent_lite.passes.algebra import fold_negations
from tangent_lite.syntax import parse_module, to_source


def _parse(text):
    return parse_module(textwrap.dedent(text)).body[0]


def test_fold_negations_before_after():
    fdef = _parse("""
        def f(x, s, _t1, _t3):
            _t7_bar = s * 2 * x
            _t1_bar = -_t7_bar
            _t3_bar = s * 100.0 * _t3
            _t2_bar = -_t3_bar
            _t1_bar += _t2_bar * 2 * _t1
            return _t1_bar, _t3_bar
        """)
    assert fold_negations(fdef, {"x", "s", "_t1", "_t3"})
    copies.propagate_copies(fdef, {"x", "s", "_t1", "_t3"})
    dead.remove_dead(fdef, {"x", "s", "_t1", "_t3"})
    assert to_source(fdef).strip() == textwrap.dedent("""\
        def f(x, s, _t1, _t3):
            _t7_bar = s * -2 * x
            _t1_bar = _t7_bar
            _t3_bar = s * 100.0 * _t3
            _t1_bar += _t3_bar * -2 * _t1
            return _t1_bar, _t3_bar""")  # (a copy costs nothing: no pass over the array)


def test_fold_negations_leaves_what_it_cannot_fold():
    fdef = _parse("""
        def f(x, y, s):
            a = s * x
            b = -a
            c = s * 2 * x
            d = -c
            e = c * 3
            return b, d, e
        """)  # a: no number to take the sign; c: read twice
    before = to_source(fdef)
    assert not fold_negations(fdef, {"x", "y", "s"})
    assert to_source(fdef) == before
    user = _parse("""
        def f(x, s):
            t = s * 2 * x
            u = -t
            return u
        """)
    assert not fold_negations(user, {"x", "s", "t", "u"})  # the user's own names


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def test_rosenbrock_gradient_has_no_negation_passes():
    x = np.random.default_rng(0).normal(size=9)
    code = api.generate(rosen, "vjp", ["x"], spec=api._spec([x]), options=api._GRAD_ONLY).text
    body = code.split("# reverse sweep")[1]
    assert " = -_t" not in body  # before: _t1_bar = -_t7_bar and _t2_bar = -_t3_bar, a pass each
    eps = 1e-6
    numeric = np.array([(rosen(x + eps * e) - rosen(x - eps * e)) / (2 * eps) for e in np.eye(9)])
    np.testing.assert_allclose(tl.grad(rosen)(x), numeric, rtol=1e-6, atol=1e-6)
    tl.check_grads(rosen, (x,), order=2)
