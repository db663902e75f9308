"""Rebinding an entry of a dict or list argument that holds a global array (breaker 30 #12).

``W0`` is a module-level array (a prior mean, also the initial parameters); ``def loss(p):
p["w"] = p["w"] * 0.9; ...`` called as ``tl.grad(loss)({"w": W0})`` was refused as "argument 1,
which 'loss' changes in place, and the global 'W0' ... share memory: the read sees the change":
rebinding ``p["w"]`` changes the dict, never ``W0``'s memory, so the read does not see it.  Now a
parameter whose only writes are ``p[k] = v`` on the parameter itself counts, for a dict or list
argument, as a change of that container only (checked against central finite differences in both
modes).  Writes that do reach the array stay refused: ``p["w"] -= v``, ``p["w"][0] = v``, through
another name, through a method, ``out=``, or a function that changes what it is passed.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import ArgumentError

W0 = np.array([0.5, 1.5, -0.3])


def loss(p):
    p["w"] = p["w"] * 0.9
    return np.sum((p["w"] - W0) ** 2) + np.sum(p["w"] ** 2)


def loss_list(p):
    p[0] = p[0] * 0.9
    return np.sum((p[0] - W0) ** 2) + np.sum(p[0] ** 2)


def _fd(f, w, wrap, h=1e-6):
    return np.array([(f(wrap(w + h * e)) - f(wrap(w - h * e))) / (2 * h) for e in np.eye(w.size)])


@pytest.mark.parametrize("f, wrap, get", [(loss, lambda w: {"w": w}, lambda g: g["w"]),
                                          (loss_list, lambda w: [w], lambda g: g[0])])
def test_rebinding_an_entry_holding_the_global_differentiates(f, wrap, get):
    expected = _fd(f, W0.copy(), wrap)
    np.testing.assert_allclose(expected, 1.8 * (0.9 * W0 - W0) + 1.62 * W0, rtol=1e-6)
    np.testing.assert_allclose(get(tl.grad(f)(wrap(W0))), expected, rtol=1e-6, atol=1e-8)
    _, pullback = tl.vjp(f, wrap(W0))
    np.testing.assert_allclose(get(pullback(1.0)), expected, rtol=1e-6, atol=1e-8)
    for k, e in enumerate(np.eye(3)):
        _, tangent = tl.jvp(f, (wrap(W0),), (wrap(e),))
        np.testing.assert_allclose(tangent, expected[k], rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(W0, [0.5, 1.5, -0.3])


def aug(p):
    p["w"] -= 0.1 * p["w"]
    return np.sum((p["w"] - W0) ** 2)


def item(p):
    p["w"][0] = p["w"][1] * 2.0
    return np.sum(p["w"] * W0)


def through_a_name(p):
    q = p
    q["w"] = q["w"] * 0.9
    v = q["w"]
    v[0] = 1.0
    return np.sum(p["w"] * W0)


def rebinds_and_writes(p):
    p["w"] = p["w"]
    p["w"][0] = 2.0
    return np.sum(p["w"] * W0)


def method(p):
    p["w"] = p["w"]
    p["w"].fill(2.0)
    return np.sum(p["w"] * W0)


def out(p):
    p["v"] = p["w"] * 1.0
    np.multiply(p["w"], 2.0, out=p["w"])
    return np.sum(p["w"] * W0)


def _halve(a):
    a *= 0.5


def passed_to_a_writer(p):
    p["v"] = p["w"] * 1.0
    _halve(p["w"])
    return np.sum(p["w"] * W0)


@pytest.mark.parametrize("f", [aug, item, through_a_name, rebinds_and_writes, method, out, passed_to_a_writer])
def test_writes_into_the_array_stay_refused(f):
    for call in (lambda: tl.grad(f)({"w": W0}), lambda: tl.jvp(f, ({"w": W0},), ({"w": np.ones(3)},))):
        try:
            call()
        except ArgumentError as e:
            assert "the global 'W0'" in str(e) and "share memory" in str(e)
        except tl.errors.TangentLiteError:
            pass  # refused for another reason (a write the derivative cannot follow): not wrong either
        else:
            raise AssertionError(f"{f.__name__}: not refused")
    np.testing.assert_array_equal(W0, [0.5, 1.5, -0.3])


def test_only_plain_rebinding_counts_as_a_change_of_the_container():
    from tangent_lite.analysis.mutations import entry_rebinds

    assert entry_rebinds(loss) == {"p"} and entry_rebinds(loss_list) == {"p"}
    for f in (aug, item, through_a_name, rebinds_and_writes, method, out, passed_to_a_writer):
        assert entry_rebinds(f) == set(), f.__name__
