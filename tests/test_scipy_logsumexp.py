"""scipy.special.logsumexp differentiated THROUGH ITS SOURCE (SciPy's array-API code: xp_promote of
several arrays, array_api_extra's atleast_nd and at(...).set, helpers of its own file taking the
namespace as 'xp'), checked against the softmax formula, central differences and the dot-product
identity between jvp and vjp; and the constructs that code uses, in small functions of our own."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl

special = pytest.importorskip("scipy.special")
xpx = pytest.importorskip("scipy._lib.array_api_extra")
_array_api = pytest.importorskip("scipy._lib._array_api")
array_namespace = _array_api.array_namespace
xp_promote = getattr(_array_api, "xp_promote", None)  # (SciPy 1.16 and later)
xp_broadcast_promote = getattr(_array_api, "xp_broadcast_promote", None)  # (SciPy 1.15)
logsumexp = special.logsumexp
# SciPy 1.16+ writes logsumexp functionally (xpx.at(a, i).set(v)); SciPy 1.15's _logsumexp writes into
# its argument in place (refused: a called function changing the caller's array), older ones are NumPy code
FUNCTIONAL = "xpx.at(" in inspect.getsource(inspect.getmodule(logsumexp))
needs_functional = pytest.mark.skipif(not FUNCTIONAL, reason="this SciPy's logsumexp is not functional array-API code")
needs_promote = pytest.mark.skipif(xp_promote is None, reason="this SciPy has no xp_promote")
needs_at = pytest.mark.skipif(not hasattr(xpx, "at"), reason="this SciPy's array_api_extra has no at")

EPS = 1e-6


def _fd(f, x):
    """Central differences of a scalar or array f at x: shape f(x).shape + x.shape."""
    cols = []
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = EPS
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * EPS))
    out = np.stack(cols, axis=-1)
    return out.reshape(np.shape(f(x)) + x.shape)


def _softmax_grad(x, axis=None, b=None):
    """d logsumexp(x, axis, b) summed over the outputs, by hand: b exp(x - lse) (lse kept as axes)."""
    lse = logsumexp(x, axis=axis, b=b, keepdims=True)
    return (1.0 if b is None else b) * np.exp(x - lse)


def _first(cotangents):
    """The cotangent of the one argument a pullback was made for."""
    return cotangents[0] if isinstance(cotangents, tuple) else cotangents


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@needs_functional
def test_grad_is_softmax_1d(rng):
    x = rng.normal(size=5)
    np.testing.assert_allclose(tl.grad(logsumexp)(x), special.softmax(x), rtol=1e-12)
    value, g = tl.value_and_grad(logsumexp)(x)
    np.testing.assert_allclose(value, logsumexp(x), rtol=1e-14)
    np.testing.assert_allclose(g, special.softmax(x), rtol=1e-12)


@needs_functional
def test_jvp_and_hessian_1d(rng):
    x, v = rng.normal(size=5), rng.normal(size=5)
    out, t = tl.jvp(logsumexp, (x,), (v,))
    p = special.softmax(x)
    np.testing.assert_allclose(out, logsumexp(x), rtol=1e-14)
    np.testing.assert_allclose(t, p @ v, rtol=1e-12)
    np.testing.assert_allclose(tl.hessian(logsumexp)(x), np.diag(p) - np.outer(p, p), atol=1e-12)


@needs_functional
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_axes_2d_jvp_vjp(rng, axis, keepdims):
    x, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))

    out, pullback = tl.vjp(logsumexp, x, axis, wrt=0, keepdims=keepdims)
    np.testing.assert_allclose(out, logsumexp(x, axis=axis, keepdims=keepdims), rtol=1e-14)
    w = rng.normal(size=np.shape(out))
    gx = _first(pullback(w))
    # against the formula: w, its reduced axes put back, times the softmax weights along them
    kept_shape = np.shape(logsumexp(x, axis=axis, keepdims=True))
    np.testing.assert_allclose(gx, np.reshape(w, kept_shape) * _softmax_grad(x, axis), rtol=1e-10, atol=1e-12)
    _, t = tl.jvp(lambda a: logsumexp(a, axis=axis, keepdims=keepdims), (x,), (v,))
    np.testing.assert_allclose(np.sum(t * w), np.sum(v * gx), rtol=1e-10)  # <J v, w> == <v, J^T w>
    fd = _fd(lambda a: logsumexp(a, axis=axis, keepdims=keepdims), x)
    np.testing.assert_allclose(t, np.tensordot(fd, v, axes=v.ndim), rtol=1e-6, atol=1e-8)


@needs_functional
def test_weights_b_derivatives_wrt_a_and_b(rng):
    a, b = rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))
    ga, gb = tl.grad(logsumexp, wrt=(0, 2))(a, None, b)
    np.testing.assert_allclose(ga, _softmax_grad(a, b=b), rtol=1e-10)
    np.testing.assert_allclose(gb, np.exp(a - logsumexp(a, b=b)), rtol=1e-10)
    np.testing.assert_allclose(gb, _fd(lambda bb: logsumexp(a, b=bb), b), rtol=1e-6)
    va, vb = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    _, t = tl.jvp(logsumexp, (a, None, b), (va, vb), wrt=(0, 2))
    np.testing.assert_allclose(t, np.sum(ga * va) + np.sum(gb * vb), rtol=1e-10)


@needs_functional
def test_weights_broadcast_along_an_axis(rng):
    a, b = rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(4,))
    gb = tl.grad(logsumexp, wrt=2)(a, None, b)  # b is broadcast by xp_promote: its cotangent is summed back
    assert gb.shape == (4,)
    np.testing.assert_allclose(gb, _fd(lambda bb: logsumexp(a, b=bb), b), rtol=1e-6)


@needs_functional
def test_return_sign_first_output(rng):
    a, b = rng.normal(size=5), np.array([1.0, -0.5, 2.0, 0.3, -0.1])

    def f(a):
        return logsumexp(a, b=b, return_sign=True)[0]

    sign = logsumexp(a, b=b, return_sign=True)[1]
    out, pullback = tl.vjp(logsumexp, a, None, b, False, True, wrt=0)
    np.testing.assert_allclose(out[0], f(a), rtol=1e-14)
    ga = _first(pullback((1.0, 0.0)))
    s = np.sum(b * np.exp(a))
    np.testing.assert_allclose(ga, b * np.exp(a) / s, rtol=1e-10)  # d log|s| / da
    np.testing.assert_allclose(ga, _fd(f, a), rtol=1e-6, atol=1e-9)
    assert sign == np.sign(s)


@needs_functional
def test_inside_a_user_function(rng):
    x, W = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))

    def f(x):
        return logsumexp(x @ W, axis=1).sum()

    p = special.softmax(x @ W, axis=1)
    np.testing.assert_allclose(tl.grad(f)(x), p @ W.T, rtol=1e-10)
    v = rng.normal(size=(3, 4))
    np.testing.assert_allclose(tl.jvp(f, (x,), (v,))[1], np.sum((p @ W.T) * v), rtol=1e-10)
    np.testing.assert_allclose(tl.hvp(f, x, v), np.tensordot(_fd(tl.grad(f), x), v, axes=2), rtol=1e-5, atol=1e-8)


@needs_functional
def test_second_order_with_weights(rng):
    a, b = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)
    H = tl.hessian(logsumexp)(a, None, b)
    p = _softmax_grad(a, b=b)
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p), atol=1e-10)


# ---------------------------------------------------------------- the constructs, in our own functions


def _promote_pair(a, b):
    xp = array_namespace(a, b)
    a, b = xp_promote(a, b, broadcast=True, force_floating=True, xp=xp)
    return xp.sum(a * b * b)


def _promote_none(a, b=None):
    xp = array_namespace(a)
    a, b = xp_promote(a, b, force_floating=True, xp=xp)
    return xp.sum(xp.exp(a)) if b is None else xp.sum(a * b)


def _helper(a, *, xp):  # the namespace as a parameter, as SciPy's helpers take it
    return xp.where(a > 0, a * a, xp.sin(a))


def _uses_helper(a):
    xp = array_namespace(a)
    a = xpx.atleast_nd(a, ndim=2, xp=xp)
    return xp.sum(_helper(a, xp=xp) * xp.astype(a > 0.5, a.dtype))


def _at_writes(a):
    xp = array_namespace(a)
    b = xpx.at(a, a < 0).set(0.0, copy=True)
    c = xpx.at(b)[1:3].multiply(a[1:3])
    d = xpx.at(c, 0).add(2.0 * a[0])
    return xp.sum(d * d)


def _max_initial(a):
    xp = array_namespace(a)
    return xp.max(a * a, initial=0.5) + xp.min(a, axis=0, initial=-0.25)


def _copy_then_masked_write(a):
    xp = array_namespace(a)
    y = xp.asarray(a, copy=True)
    y[y > 0.3] = 0.0  # (y is a new array: a is not changed)
    return xp.sum(y * a) + xp.sum(a)


def _finfo_full_where(a):
    xp = array_namespace(a)
    tiny = xp.finfo(a.dtype).eps
    z = xp.full(a.shape, 2.0, dtype=a.dtype)
    m = a > 0.0
    return xp.sum(xp.where(m, xp.sqrt(xp.abs(a) + tiny), z * a))


def _dtypes_and_correction(a):
    xp = array_namespace(a)
    b = xp.astype(a, xp.result_type(a.dtype, xp.float32)) * xp.asarray(2, dtype=a.dtype)
    return xp.std(b, correction=1) + xp.var(xp.reshape(a, (2, 3)), axis=0, correction=0.5)[1]


@pytest.mark.parametrize("f, shape", [
    pytest.param(_promote_none, (4,), marks=needs_promote), (_uses_helper, (5,)),
    pytest.param(_at_writes, (5,), marks=needs_at), (_max_initial, (5,)), (_copy_then_masked_write, (5,)),
    (_finfo_full_where, (5,)), (_dtypes_and_correction, (6,))])
def test_constructs_both_modes_and_second_order(rng, f, shape):
    x, v = rng.normal(size=shape), rng.normal(size=shape)
    g = tl.grad(f)(x)
    np.testing.assert_allclose(g, _fd(f, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.jvp(f, (x,), (v,))[1], g @ v, rtol=1e-10)
    np.testing.assert_allclose(tl.hvp(f, x, v), _fd(tl.grad(f), x) @ v, rtol=1e-5, atol=1e-7)


@needs_promote
def test_promote_pair_broadcast_both_arguments(rng):
    a, b = rng.normal(size=(3, 1)), rng.normal(size=(4,))
    ga, gb = tl.grad(_promote_pair, wrt=(0, 1))(a, b)
    assert ga.shape == (3, 1) and gb.shape == (4,)
    np.testing.assert_allclose(ga, _fd(lambda t: _promote_pair(t, b), a), rtol=1e-6)
    np.testing.assert_allclose(gb, _fd(lambda t: _promote_pair(a, t), b), rtol=1e-6)
    np.testing.assert_allclose(tl.grad(_promote_pair)(a.astype(np.float64), np.arange(4)),
                               np.sum(np.arange(4.0) ** 2) * np.ones((3, 1)), rtol=1e-12)


def _broadcast_promote_pair(a, b):
    xp = array_namespace(a, b)
    a, b = xp_broadcast_promote(a, b, ensure_writeable=True, force_floating=True, xp=xp)
    return xp.sum(a * b * b)


@pytest.mark.skipif(xp_broadcast_promote is None, reason="this SciPy has no xp_broadcast_promote")
def test_broadcast_promote_pair(rng):
    a, b = rng.normal(size=(3, 1)), rng.normal(size=(4,))
    ga, gb = tl.grad(_broadcast_promote_pair, wrt=(0, 1))(a, b)
    np.testing.assert_allclose(ga, _fd(lambda t: _broadcast_promote_pair(t, b), a), rtol=1e-6)
    np.testing.assert_allclose(gb, _fd(lambda t: _broadcast_promote_pair(a, t), b), rtol=1e-6)


def test_xp_parameter_that_is_not_a_namespace_is_refused():
    def f(a, xp=None):
        return xp.sum(a * a) if xp is not None else a.sum()

    with pytest.raises(tl.errors.UnsupportedConstructError, match="namespace of the arrays"):
        tl.grad(f)(np.ones(3), 3)


def test_a_write_into_what_atleast_nd_returned_is_refused():
    def f(a):  # atleast_nd(a) is a itself when a has enough axes: the write changes a
        xp = array_namespace(a)
        y = xpx.atleast_nd(a, ndim=1, xp=xp)
        y[0] = 0.0
        return xp.sum(a * a)

    with pytest.raises(tl.errors.UnsupportedConstructError, match="shares its array"):
        tl.grad(f)(np.ones(3))


@needs_functional
@settings(max_examples=20, deadline=None)
@given(rows=st.integers(1, 4), cols=st.integers(1, 4), axis=st.sampled_from([None, 0, 1, -1, (0, 1)]),
       keepdims=st.booleans(), weighted=st.booleans(), seed=st.integers(0, 2**16))
def test_random_shapes_against_the_formula(rows, cols, axis, keepdims, weighted, seed):
    r = np.random.default_rng(seed)
    x = r.normal(size=(rows, cols)) * 3.0
    b = r.uniform(0.1, 2.0, size=(rows, cols)) if weighted else None
    out, pullback = tl.vjp(logsumexp, x, axis, b, keepdims, wrt=0)
    w = r.normal(size=np.shape(out))
    kept_shape = np.shape(logsumexp(x, axis=axis, b=b, keepdims=True))
    expected = np.reshape(w, kept_shape) * _softmax_grad(x, axis, b)
    np.testing.assert_allclose(_first(pullback(w)), expected, rtol=1e-9, atol=1e-12)
    v = r.normal(size=x.shape)
    _, t = tl.jvp(logsumexp, (x, axis, b, keepdims), (v,), wrt=0)
    np.testing.assert_allclose(np.sum(t * w), np.sum(v * expected), rtol=1e-9, atol=1e-12)


def test_a_parameter_xp_used_as_a_number_is_not_a_namespace(rng):
    def f(x, xp):
        return (xp * x * x).sum()

    x = rng.normal(size=3)
    np.testing.assert_allclose(tl.grad(f)(x, 3.0), 6.0 * x, rtol=1e-12)


# ---------------------------------------------------------------- the registered rule (a call in a user's function)
# b= (weights, negative ones with return_sign=True: log|sum(b exp(a))|), return_sign=True (the value
# differentiable, the sign piecewise constant), axis, keepdims and broadcasting between a and b,
# derivatives wrt a and b, both modes and second order, against central differences


def _lse_user_fn(axis, keepdims, return_sign, w):
    """A user function calling logsumexp with these options; w: a constant weighting the value."""
    if return_sign:
        def f(a, b):
            value, sign = special.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
            return np.sum(np.sin(value) * w) + np.sum(sign * value)
    else:
        def f(a, b):
            return np.sum(np.sin(special.logsumexp(a, axis=axis, b=b, keepdims=keepdims)) * w)
    return f


LSE_CASES = [  # a's shape, b's shape (None: no b), axis, keepdims, return_sign, signed weights
    ((5,), None, None, False, False, False),
    ((3, 4), None, 1, False, False, False),
    ((3, 4), None, 0, True, True, False),
    ((3, 4), (3, 4), None, False, False, False),
    ((3, 4), (3, 4), 1, False, True, True),
    ((3, 4), (4,), 0, False, True, True),
    ((3, 4), (4,), (0, 1), True, False, False),
    ((4,), (3, 4), -1, False, True, True),
    ((3, 1), (1, 4), 1, True, True, True),
    ((2, 3, 4), (3, 4), (0, 2), False, True, True),
]


def _lse_inputs(seed, a_shape, b_shape, signed):
    r = np.random.default_rng(seed)
    a = r.normal(size=a_shape)
    if b_shape is None:
        return r, a, None
    b = r.uniform(0.5, 2.0, size=b_shape)
    if signed:  # mixed signs, one weight dominating each sum so that it stays away from 0
        b = b * np.where(r.uniform(size=b_shape) < 0.4, -0.2, 1.0)
    return r, a, b


@pytest.mark.parametrize("a_shape, b_shape, axis, keepdims, return_sign, signed", LSE_CASES)
def test_rule_in_a_user_function_wrt_a_and_b(a_shape, b_shape, axis, keepdims, return_sign, signed):
    r, a, b = _lse_inputs(3, a_shape, b_shape, signed)
    out_shape = np.shape(logsumexp(a, axis=axis, b=b, keepdims=keepdims))
    f = _lse_user_fn(axis, keepdims, return_sign, r.normal(size=out_shape))
    assert np.all(np.isfinite(f(a, b)))
    wrt = (0,) if b is None else (0, 1)
    grads = tl.grad(f, wrt=wrt)(a, b)
    grads = grads if isinstance(grads, tuple) else (grads,)
    np.testing.assert_allclose(grads[0], _fd(lambda t: f(t, b), a), rtol=1e-6, atol=1e-8)
    if b is not None:
        assert grads[1].shape == b.shape
        np.testing.assert_allclose(grads[1], _fd(lambda t: f(a, t), b), rtol=1e-6, atol=1e-8)
    tangents = tuple(r.normal(size=np.shape(x)) for x in (a, b)[:len(wrt)])
    value, t = tl.jvp(f, (a, b), tangents, wrt=wrt)
    np.testing.assert_allclose(value, f(a, b), rtol=1e-14)
    np.testing.assert_allclose(t, sum(np.sum(g * v) for g, v in zip(grads, tangents)), rtol=1e-9)  # <Jv, 1>
    hv = tl.hvp(f, a, tangents[0], b)
    np.testing.assert_allclose(hv, np.tensordot(_fd(lambda t: tl.grad(f)(t, b), a), tangents[0], axes=a.ndim),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("a_shape, b_shape, axis, keepdims, return_sign, signed",
                         [c for c in LSE_CASES if c[1] is not None])
def test_rule_hessian_wrt_the_weights(a_shape, b_shape, axis, keepdims, return_sign, signed):
    r, a, b = _lse_inputs(5, a_shape, b_shape, signed)
    f = _lse_user_fn(axis, keepdims, return_sign, r.normal(size=np.shape(logsumexp(a, axis=axis, b=b,
                                                                                 keepdims=keepdims))))
    H = tl.hessian(f, wrt=1)(a, b)
    np.testing.assert_allclose(H, _fd(lambda t: tl.grad(f, wrt=1)(a, t), b), rtol=1e-5, atol=1e-7)
    # reverse over reverse, mixed: d/da of df/db
    mixed = _fd(lambda t: tl.grad(f, wrt=1)(t, b), a)
    np.testing.assert_allclose(tl.jacobian(tl.grad(f, wrt=1))(a, b), mixed, rtol=1e-5, atol=1e-7)


def test_rule_vjp_of_both_outputs_and_the_breaker_case():
    """The (value, sign) pair's cotangent: the sign's part carries nothing (breaker 23 C1)."""
    a, b = np.array([0.3, -0.7, 1.1, 0.4]), np.array([1.0, -2.0, 0.5, 3.0])

    def f(a):
        val, sign = special.logsumexp(a, b=b, return_sign=True)
        return val

    s = np.sum(b * np.exp(a))
    np.testing.assert_allclose(tl.grad(f)(a), b * np.exp(a) / s, rtol=1e-12)  # d log|s| / da by hand
    out, pullback = tl.vjp(lambda a: special.logsumexp(a, b=b, return_sign=True), a)
    assert out[1] == np.sign(s)
    np.testing.assert_allclose(_first(pullback((2.0, 5.0))), 2.0 * b * np.exp(a) / s, rtol=1e-12)
    np.testing.assert_allclose(_first(pullback((None, 1.0))), np.zeros(4), atol=0)
    _, (t_value, t_sign) = tl.jvp(lambda a: special.logsumexp(a, b=b, return_sign=True), (a,), (np.ones(4),))
    np.testing.assert_allclose(t_value, np.sum(b * np.exp(a)) / s, rtol=1e-12)
    assert t_sign == 0.0


def test_array_api_arrays_through_scipy_are_refused_clearly_in_every_mode():
    """Breaker 23 D3: without SCIPY_ARRAY_API=1, SciPy converts array-API arrays to NumPy: the
    gradient, jvp and hvp all say so (jvp and hvp crashed inside array-api-strict before); with it,
    logsumexp differentiates on those arrays (tests/test_scipy_array_api.py)."""
    xps = pytest.importorskip("array_api_strict")
    x, v = xps.asarray([0.3, -0.7, 1.1]), xps.ones(3, dtype=xps.float64)
    if getattr(_array_api, "SCIPY_ARRAY_API", False):
        pytest.skip("SCIPY_ARRAY_API=1: SciPy keeps the arrays (tests/test_scipy_array_api.py)")
    expected = (TypeError, "SCIPY_ARRAY_API=1")
    for call in (lambda: tl.grad(logsumexp)(x), lambda: tl.jvp(logsumexp, (x,), (v,)),
                 lambda: tl.hvp(logsumexp, x, v)):
        with pytest.raises(expected[0], match=expected[1]):
            call()
