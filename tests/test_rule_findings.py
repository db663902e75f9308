"""Breaker 24 findings on rules: #12 (results that read an argument's shape only), #17
(``np.real_if_close`` of complex input).  Checked from the outside: central finite differences,
the dot-product identity between ``tl.jvp`` and ``tl.vjp``, hand-derived formulas, and second
order (``tl.hessian`` against finite differences of the gradient)."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_complex import directional, fd_grad

import tangent_lite as tl

EPS = 1e-6


def fd(f: Callable, x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[i] = EPS
        out[i] = (f(x + e) - f(x - e)) / (2 * EPS)
    return out


def check_both_modes(f: Callable, x: np.ndarray, v: np.ndarray) -> None:
    ref = fd(f, x)
    np.testing.assert_allclose(tl.grad(f)(x), ref, rtol=1e-6, atol=1e-6)
    _, tangent = tl.jvp(f, (x,), (v,))
    np.testing.assert_allclose(tangent, np.sum(ref * v), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- #12: shape-only arguments


def full_like_fill(x):
    return np.sum(np.full_like(x, x[0] * 2.0) * x)


def full_like_keywords(x):
    return np.sum(np.full_like(x, fill_value=np.sin(x[1]), dtype=x.dtype) * x ** 2)


def full_like_shape(x):
    return np.sum(np.full_like(x, x[1] * x[2], shape=(2, 3)) ** 2)


def full_like_array_fill(x):
    return np.sum(np.full_like(np.outer(x, x), x) * np.cos(x))


def full_like_constant_fill(x):
    return np.sum(np.full_like(x, 3.0) * x ** 2)


def full_of_shape(x):
    return np.sum(np.full(x.shape, x[0] ** 2) * x)


def full_np_shape(x):
    return np.sum(np.full(np.shape(x), np.exp(x[2])) * np.sin(x))


def full_array_fill(x):
    return np.sum(np.full((2, x.size), x) ** 2 * x[0])


def shape_family(x):
    """Every function of the family reads ``x`` (active) for its shape or dtype only."""
    z = np.zeros_like(x) + np.ones_like(x, dtype=x.dtype) * np.empty_like(x).shape[0]
    n = np.shape(x)[0] + np.ndim(x) + np.size(x) + x.shape[0] + x.ndim + x.size + len(x)
    dt = np.result_type(x, 1.0)
    grid = np.zeros(x.shape, dtype=dt) + np.ones(np.shape(x)) + np.broadcast_to(x[0], np.broadcast_shapes(x.shape))
    return np.sum((z + grid) * x ** 2) * n


SHAPE_ONLY = [full_like_fill, full_like_keywords, full_like_shape, full_like_array_fill, full_like_constant_fill,
              full_of_shape, full_np_shape, full_array_fill, shape_family]


@pytest.mark.parametrize("f", SHAPE_ONLY, ids=lambda f: f.__name__)
def test_shape_only_arguments_carry_no_derivative(f):
    x = np.array([0.5, -1.0, 2.0])
    check_both_modes(f, x, np.array([0.3, -0.2, 0.7]))


@pytest.mark.parametrize("f", SHAPE_ONLY, ids=lambda f: f.__name__)
def test_shape_only_arguments_second_order(f):
    x = np.array([0.4, -0.7, 1.3])
    hess = tl.hessian(f)(x)
    grad = tl.grad(f)
    ref = np.stack([(grad(x + e) - grad(x - e)) / (2 * EPS) for e in np.eye(3) * EPS])
    np.testing.assert_allclose(hess, ref, rtol=1e-5, atol=1e-5)


def test_full_like_by_hand():
    """d/dx sum(full_like(x, 2 x0) * x) = 2 x0 + 2 sum(x) e0."""
    x = np.array([0.5, -1.0, 2.0])
    expected = np.full(3, 2.0 * x[0]) + np.array([2.0 * np.sum(x), 0.0, 0.0])
    np.testing.assert_allclose(tl.grad(full_like_fill)(x), expected, rtol=1e-12)


def full_like_vector(x):
    return np.full_like(np.outer(x, x), x * x[0]) * np.cos(x)


def full_vector(x):
    return np.full((2, x.size), np.sin(x)) * x[1]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-3.0, 3.0), min_size=3, max_size=3),
       st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_full_and_full_like_dot_product_identity(xs, vs):
    x, v = np.array(xs), np.array(vs)
    for f in (full_like_vector, full_vector):
        y, jv = tl.jvp(f, (x,), (v,))
        w = np.linspace(-1.0, 1.0, np.size(y)).reshape(np.shape(y))
        _, pullback = tl.vjp(f, x)
        np.testing.assert_allclose(np.sum(jv * w), np.sum(v * pullback(w)), rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------- #17: real_if_close of complex input


def ric_sum(z):
    w = np.real_if_close(z * z)
    return np.sum(w * np.array([1.0, -2.0, 0.5]))


def ric_reference(z):
    """ric_sum on the branch where the result is real: Re(z * z)."""
    return np.sum(np.real(z * z) * np.array([1.0, -2.0, 0.5]))


def ric_complex_out(z):
    w = np.real_if_close(np.exp(z))
    return np.real(np.sum(w * np.array([1.0 - 0.5j, 2.0, 0.3j])))


def test_real_if_close_real_result_of_complex_input():
    """Imaginary parts within tol: the result is Re(a), the derivative Re of the tangent."""
    z = np.array([1.0 + 1e-16j, -2.0 - 1e-16j, 0.5 + 0.0j])
    assert not np.iscomplexobj(np.real_if_close(z * z))
    np.testing.assert_allclose(tl.grad(ric_sum)(z), fd_grad(ric_reference, z), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tl.grad(ric_sum)(z), 2 * np.conj(z) * np.array([1.0, -2.0, 0.5]), rtol=1e-9)
    t = np.array([0.3 - 0.4j, 1.0 + 2.0j, -0.5j])
    _, tangent = tl.jvp(ric_sum, (z,), (t,))
    np.testing.assert_allclose(tangent, directional(ric_reference, z, t), rtol=1e-6, atol=1e-6)


def test_real_if_close_complex_result_is_identity():
    z = np.array([0.3 + 0.7j, -1.0 + 0.2j, 0.5 - 1.1j])
    np.testing.assert_allclose(tl.grad(ric_complex_out)(z), fd_grad(ric_complex_out, z), rtol=1e-6, atol=1e-6)
    t = np.array([0.3 - 0.4j, 1.0 + 2.0j, -0.5j])
    _, tangent = tl.jvp(ric_complex_out, (z,), (t,))
    np.testing.assert_allclose(tangent, directional(ric_complex_out, z, t), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("imag", [1e-16, 0.3])
def test_real_if_close_dot_product_identity(imag):
    """<J t, w> == Re <t, J^T w> on both branches (real and complex result)."""
    z = np.array([1.0 + imag * 1j, -2.0 - imag * 1j, 0.5 + 0.0j])
    t = np.array([0.3 - 0.4j, 1.0 + 2.0j, -0.5j])

    def g(z):
        return np.real_if_close(z * z)

    y, jt = tl.jvp(g, (z,), (t,))
    w = np.array([0.7, -1.3, 2.0]) + (0.0 if not np.iscomplexobj(y) else np.array([0.2j, -0.1j, 0.4j]))
    _, pullback = tl.vjp(g, z)
    np.testing.assert_allclose(np.real(np.sum(jt * w)), np.real(np.sum(t * pullback(w))), rtol=1e-9)


def test_real_if_close_second_order():
    z = np.array([1.0 + 1e-16j, -2.0, 0.5])

    def f(x):
        return np.sum(np.real_if_close(np.sin(x) + 0j) ** 3)

    x = np.real(z)
    hess = tl.hessian(f)(x)
    np.testing.assert_allclose(hess, np.diag(6 * np.sin(x) * np.cos(x) ** 2 - 3 * np.sin(x) ** 3), rtol=1e-9,
                               atol=1e-12)


def test_real_if_close_is_listed_as_complex_verified():
    from tangent_lite.rules.complex import COMPLEX_VERIFIED

    assert "numpy.real_if_close" in COMPLEX_VERIFIED

