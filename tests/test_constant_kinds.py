"""Values of kinds derivatives do not follow (breaker 24 #4 and #13).

1. A masked array (``np.ma``) reached as an operand of an operator or an argument of a NumPy
   function -- module-level, an attribute of a module-level object, a closure cell, a default
   argument, an item of a module-level list, a local alias, or made inside the function by
   ``np.ma.*`` -- is refused in every mode with the user's line and the way out
   (``.filled(value)`` or the mask separately).  Before, reverse mode and the Hessian counted the
   masked entries while forward mode skipped them.
2. An int, bool, string or None leaf inside a list, tuple, dict or object argument that is
   differentiated is held constant: its gradient entry is a zero of its own kind (None for a
   string or None), never a made-up number; forward mode takes only a zero (or None) tangent
   for it; second order agrees.  (A top-level int argument stays an ArgumentError.)
"""

from __future__ import annotations

import collections
import dataclasses
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl

# ------------------------------------------------------------------ 1. masked arrays

MA = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
MA_LIST = [MA]


class Holder:
    pass


HOLDER = Holder()
HOLDER.s = MA


def module_level(x):
    return np.sum(MA * x ** 2)  # line: module_level


def attribute_of_module_object(x):
    return np.sum(HOLDER.s * x ** 2)  # line: attribute_of_module_object


def _closure():
    c = MA

    def closure_cell(x):
        return np.sum(c * x ** 2)  # line: closure_cell
    return closure_cell


closure_cell = _closure()


def made_inside(x):
    m = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    return np.sum(m * x ** 2)  # line: made_inside


def local_alias(x):
    k = MA
    return np.sum(k * x ** 2)  # line: local_alias


def list_item(x):
    k = MA_LIST[0]
    return np.sum(k * x ** 2)  # line: list_item


def numpy_multiply(x):
    return np.sum(np.multiply(MA, x ** 2))  # line: numpy_multiply


def numpy_dot(x):
    return np.dot(MA, x ** 2)  # line: numpy_dot


def reversed_operands(x):
    return np.sum(x ** 2 * MA)  # line: reversed_operands


def filled_instead(x):
    return np.sum(MA.filled(0.0) * x ** 2)


def default_argument(x, m=MA):
    return np.sum(m * x ** 2)


X3 = np.array([0.3, -0.5, 0.9])
MODES = {
    "grad": lambda f: tl.grad(f)(X3),
    "jvp": lambda f: tl.jvp(f, (X3,), (np.array([0.0, 1.0, 0.0]),)),
    "hessian": lambda f: tl.hessian(f)(X3),
    "vjp": lambda f: tl.vjp(f, X3)[1](1.0),
}
REFUSED = [module_level, attribute_of_module_object, closure_cell, made_inside, local_alias, list_item,
           numpy_multiply, numpy_dot, reversed_operands]


NAMED = {"module_level": "MA", "attribute_of_module_object": "HOLDER.s", "closure_cell": "c", "made_inside": "m",
         "local_alias": "k", "list_item": "k", "numpy_multiply": "MA", "numpy_dot": "MA", "reversed_operands": "MA"}


def _line(f):
    lines, start = inspect.getsourcelines(f)
    return start + next(i for i, text in enumerate(lines) if "# line:" in text)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_a_masked_array_operand_is_refused_in_every_mode(f, mode):
    with pytest.raises(tl.errors.UnsupportedConstructError) as info:
        MODES[mode](f)
    message = str(info.value)
    assert f"test_constant_kinds.py:{_line(f)}" in message, message
    assert "MaskedArray" in message and f"{NAMED[f.__name__]}.filled(value)" in message, message
    assert "mask separately" in message, message


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_masked_default_argument_is_refused(mode):
    with pytest.raises(tl.errors.ArgumentError, match=r"masked array") as info:
        MODES[mode](default_argument)
    assert "m.filled(value)" in str(info.value)


def test_a_masked_array_inside_a_dict_argument_is_refused():
    def f(p, x):
        return np.sum(p["m"] * x)

    with pytest.raises(tl.errors.ArgumentError, match=r"holding a MaskedArray"):
        tl.grad(f, wrt="x")({"m": MA}, X3)


def _fd_grad(f, x, eps=1e-6):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


def test_the_filled_array_is_differentiated_exactly():
    expected = np.array([2 * 0.3, 0.0, 2 * 3 * 0.9])  # the masked entry stands for 0
    np.testing.assert_allclose(tl.grad(filled_instead)(X3), expected, atol=1e-12)
    np.testing.assert_allclose(tl.grad(filled_instead)(X3), _fd_grad(filled_instead, X3), atol=1e-6)
    np.testing.assert_allclose(tl.jvp(filled_instead, (X3,), (np.eye(3)[1],))[1], 0.0, atol=1e-12)
    np.testing.assert_allclose(tl.hessian(filled_instead)(X3), np.diag([2.0, 0.0, 6.0]), atol=1e-12)


# ------------------------------------------------------------------ 2. ints, bools, strings, None inside arguments

X2 = np.array([0.3, -0.7])
W2 = np.array([1.0, 2.0])


def dict_model(p, x):
    return np.sum(p["w"] * x) * p["n"] + (1.0 if p["flag"] else 0.0) * np.sum(p["w"] ** 2)


def list_model(p, x):
    return np.sum(p[0] * x) * p[1]


@dataclasses.dataclass
class Params:
    w: np.ndarray
    n: int
    flag: bool
    name: str
    extra: object = None


Pair = collections.namedtuple("Pair", "w n")


def object_model(p, x):
    return np.sum(p.w * x) * p.n * (2.0 if p.flag else 1.0)


def pair_model(p, x):
    return np.sum(p.w ** 2 * x) * p.n


def _expected_dict_grad(w, x, n, flag):
    return n * x + (2.0 * w if flag else 0.0)


HELD = [(3, 0, int), (np.int64(3), np.int64(0), np.int64), (True, False, bool), (np.int32(2), np.int32(0), np.int32)]


@pytest.mark.parametrize("n, zero, kind", HELD, ids=lambda v: repr(v))
def test_an_int_leaf_of_a_dict_gets_a_zero_of_its_own_kind(n, zero, kind):
    p = {"w": W2, "n": n, "flag": True}
    g = tl.grad(dict_model)(p, X2)
    assert type(g["n"]) is kind and g["n"] == zero and type(g["flag"]) is bool and g["flag"] is False
    np.testing.assert_allclose(g["w"], _expected_dict_grad(W2, X2, int(n), True), atol=1e-12)
    np.testing.assert_allclose(g["w"], _fd_grad(lambda w: dict_model(dict(p, w=w), X2), W2), atol=1e-6)
    value, g2 = tl.value_and_grad(dict_model)(p, X2)
    assert value == pytest.approx(dict_model(p, X2)) and type(g2["n"]) is kind and g2["n"] == zero
    _, pullback = tl.vjp(dict_model, p, X2)
    g3 = pullback(1.0)
    assert type(g3["n"]) is kind and g3["n"] == zero
    np.testing.assert_allclose(g3["w"], g["w"], atol=1e-12)


def test_int_leaves_of_lists_tuples_objects_and_named_tuples():
    for p in ([W2, 3], (W2, 3)):
        g = tl.grad(list_model)(p, X2)
        assert type(g) is type(p) and type(g[1]) is int and g[1] == 0
        np.testing.assert_allclose(g[0], 3 * X2, atol=1e-12)
    p = Params(W2, 3, True, "label", None)
    g = tl.grad(object_model)(p, X2)
    assert g.n == 0 and type(g.n) is int and g.flag is False and g.name is None and g.extra is None
    np.testing.assert_allclose(g.w, 6 * X2, atol=1e-12)
    g = tl.grad(pair_model)(Pair(W2, 4), X2)
    assert isinstance(g, Pair) and type(g.n) is int and g.n == 0
    np.testing.assert_allclose(g.w, 8 * W2 * X2, atol=1e-12)


def test_an_integer_array_leaf_gets_integer_zeros():
    def f(p, x):
        return np.sum(p["w"] * x) * np.sum(p["k"])

    k = np.array([1, 2])
    g = tl.grad(f)({"w": W2, "k": k}, X2)
    assert g["k"].dtype == k.dtype and g["k"].shape == k.shape and not g["k"].any()
    np.testing.assert_allclose(g["w"], 3 * X2, atol=1e-12)


def test_an_unused_argument_with_an_int_leaf():
    def f(p, x):
        return np.sum(x ** 2)

    g = tl.grad(f)({"w": W2, "n": 3}, X2)
    assert type(g["n"]) is int and g["n"] == 0 and not g["w"].any()


def test_a_top_level_int_stays_refused():
    with pytest.raises(tl.errors.ArgumentError, match=r"it is an integer value \(3\)"):
        tl.grad(lambda n, x: np.sum(x) * n)(3, X2)


@pytest.mark.parametrize("zero", [0, 0.0, None, False])
def test_forward_mode_takes_a_zero_tangent_for_a_held_leaf(zero):
    p = {"w": W2, "n": 3, "flag": False}
    v = np.array([0.4, -1.3])
    out, tangent = tl.jvp(dict_model, (p, X2), ({"w": v, "n": zero, "flag": zero}, np.zeros(2)))
    assert out == pytest.approx(dict_model(p, X2))
    eps = 1e-6
    fd = (dict_model(dict(p, w=W2 + eps * v), X2) - dict_model(dict(p, w=W2 - eps * v), X2)) / (2 * eps)
    assert tangent == pytest.approx(fd, abs=1e-6)
    # the dot-product identity <J v, 1> == <v, J^T 1> with the reverse mode
    g = tl.grad(dict_model)(p, X2)
    assert tangent == pytest.approx(np.dot(v, g["w"]), abs=1e-12)


@pytest.mark.parametrize("bad", [1.0, 2, True, np.array(0.5)])
def test_forward_mode_refuses_a_non_zero_tangent_for_a_held_leaf(bad):
    p = {"w": W2, "n": 3, "flag": False}
    with pytest.raises(tl.errors.ArgumentError) as info:
        tl.jvp(dict_model, (p, X2), ({"w": np.ones(2), "n": bad, "flag": 0}, np.zeros(2)))
    message = str(info.value)
    assert "the tangent of p['n']" in message and "p['n'] is int 3" in message and "held constant" in message
    assert "pass 0 (or None)" in message


def test_forward_mode_refuses_a_tangent_for_an_object_attribute():
    p = Params(W2, 3, False, "label")
    with pytest.raises(tl.errors.ArgumentError, match=r"the tangent of p\.n is 1\.0"):
        tl.jvp(object_model, (p, X2), (Params(np.ones(2), 1.0, 0, None), np.zeros(2)))
    t = tl.jvp(object_model, (p, X2), (Params(np.ones(2), 0, 0, None), np.zeros(2)))[1]
    assert t == pytest.approx(3 * np.sum(X2), abs=1e-12)


def test_hvp_holds_the_int_leaf():
    p = {"w": W2, "n": 3, "flag": True}
    v = {"w": np.array([0.5, -1.0]), "n": 0, "flag": 0}
    hv = tl.hvp(dict_model, p, v, X2)
    assert type(hv["n"]) is int and hv["n"] == 0
    np.testing.assert_allclose(hv["w"], 2.0 * v["w"], atol=1e-12)  # d2/dw2 of flag * sum(w**2)
    eps = 1e-5
    fd = (tl.grad(dict_model)(dict(p, w=W2 + eps * v["w"]), X2)["w"]
          - tl.grad(dict_model)(dict(p, w=W2 - eps * v["w"]), X2)["w"]) / (2 * eps)
    np.testing.assert_allclose(hv["w"], fd, atol=1e-6)


def _grad_inside(w):
    g = tl.grad(dict_model)({"w": w, "n": 3, "flag": False}, X2)
    return np.sum(g["w"] * w) + g["n"]  # = 3 sum(x w) + 0: g["n"] holds no derivative


def test_second_order_through_a_gradient_with_an_int_leaf():
    expected = 3 * X2
    np.testing.assert_allclose(tl.grad(_grad_inside)(W2), expected, atol=1e-12)
    np.testing.assert_allclose(_fd_grad(_grad_inside, W2), expected, atol=1e-6)
    v = np.array([1.0, -0.5])
    assert tl.jvp(_grad_inside, (W2,), (v,))[1] == pytest.approx(np.dot(expected, v), abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=2, max_size=2), st.integers(-5, 5), st.booleans())
def test_held_leaves_never_get_a_number(ws, n, flag):
    w = np.array(ws)
    g = tl.grad(dict_model)({"w": w, "n": n, "flag": flag}, X2)
    assert type(g["n"]) is int and g["n"] == 0 and g["flag"] is False
    np.testing.assert_allclose(g["w"], _expected_dict_grad(w, X2, n, flag), atol=1e-12)
