"""Values cast by a write or a dtype argument (breaker round 29, W5).

``y[i] = v`` casts ``v`` to ``y``'s dtype: written into an integer or boolean array, a float is
truncated and carries no derivative (the function is piecewise constant in it); a complex value
written into a real array keeps its real part.  ``np.asarray(x, dtype=int)`` and other calls that
name their result's dtype cast the same way.  Both modes (and second order) are compared with
central finite differences at points away from the integers, where the truncation is constant.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tangent_lite as tl


def int_entry(x):
    y = np.array([1, 2, 3])
    y[0] = x[0]
    return np.sum(y * 1.5) + np.sum(x * x)


def int_slice(x):
    y = np.zeros(3, dtype=int)
    y[1:] = x[:2] * 2.0
    return np.sum(y) + np.sum(x)


def int_fancy(x):
    y = np.zeros(4, dtype=np.int32)
    y[np.array([0, 2])] = x[1:3] * 10.0
    return np.sum(y * x[0]) + np.sum(np.sin(x))


def int_loop(x):
    y = np.zeros(3, dtype=np.int64)
    for i in range(3):
        y[i] = x[i] * 3.0
    return np.sum(y * x)


def int_rows(x):
    y = np.zeros((2, 3), dtype=int)
    y[0, :] = x * 4.0
    y[1] = x * x
    return np.sum(y) * x[0] + np.sum(x)


def bool_entry(x):
    y = np.array([True, False, True])
    y[1] = x[1]
    return np.sum(y * x)


def uint_mask(x):
    y = np.ones(3, dtype=np.uint8)
    y[x > 0.5] = 7.0 * x[0]
    return np.sum(y * x)


def float_write(x):  # a float array keeps the derivative (the control case)
    y = np.zeros(3)
    y[1:] = x[:2] * 2.0
    return np.sum(y * y) + x[2]


def float32_write(x):
    y = np.zeros(3, dtype=np.float32)
    y[0] = x[0] * 2.0
    return np.sum(y) * 1.0 + np.sum(x * x)


def asarray_int(x):
    return np.sum(np.asarray(x, dtype=int) * x)


def array_int32(x):
    return np.sum(np.array(x * 3.0, dtype=np.int32) * x)


def sum_int(x):
    return np.sum(x * 10.0, dtype=int) * x[0] + np.sum(x)


def asarray_float(x):  # dtype=float: the derivative flows (the control case)
    return np.sum(np.asarray(x, dtype=float) ** 2)


FUNCTIONS = [int_entry, int_slice, int_fancy, int_loop, int_rows, bool_entry, uint_mask, float_write,
             asarray_int, array_int32, sum_int, asarray_float]
POINTS = [np.array([1.33, 0.817, 2.649]), np.array([0.31, 1.77, 0.62])]


def _fd(f, x, eps=1e-7):
    out = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = eps
        out[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", range(len(POINTS)))
def test_both_modes_match_finite_differences(f, k):
    x = POINTS[k]
    ref = _fd(f, x)
    np.testing.assert_allclose(tl.grad(f)(x), ref, rtol=1e-5, atol=1e-6)
    forward = np.array([tl.jvp(f, (x,), (e,))[1] for e in np.eye(x.size)])
    np.testing.assert_allclose(forward, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tl.jacobian(f)(x), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", [int_entry, int_loop, int_rows, asarray_int, sum_int], ids=lambda f: f.__name__)
def test_second_order_matches_finite_differences_of_the_gradient(f):
    x = POINTS[1]
    grad = tl.grad(f)
    ref = np.array([(grad(x + e) - grad(x - e)) / 2e-6 for e in 1e-6 * np.eye(x.size)])
    np.testing.assert_allclose(tl.hessian(f)(x), ref, rtol=1e-5, atol=1e-5)


def test_a_float32_array_keeps_the_derivative():
    # float32_write(x) = float32(2 x0) + sum(x * x): finite differences would see float32 rounding
    x = POINTS[0]
    expected = 2 * x + np.array([2.0, 0.0, 0.0])
    np.testing.assert_allclose(tl.grad(float32_write)(x), expected, rtol=1e-6)
    np.testing.assert_allclose([tl.jvp(float32_write, (x,), (e,))[1] for e in np.eye(3)], expected, rtol=1e-6)


def complex_into_real(x):
    y = np.zeros(2)
    y[0] = x[0] + 1j * x[1]  # NumPy keeps the real part (ComplexWarning)
    return np.sum(y ** 2) + x[1]


def test_complex_written_into_a_real_array_keeps_the_real_part():
    x = np.array([0.6, -0.4])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, tangent = tl.jvp(complex_into_real, (x,), (np.array([1.0, 0.3]),))
        grad = tl.grad(complex_into_real)(x)
    assert not np.iscomplexobj(tangent)
    assert tangent == pytest.approx(2 * 0.6 * 1.0 + 0.3)
    np.testing.assert_allclose(grad, [1.2, 1.0])


@pytest.mark.parametrize("f", [asarray_int, array_int32, sum_int, int_entry, int_loop], ids=lambda f: f.__name__)
def test_batched_forward_mode_casts_too(f):
    x = POINTS[0]
    _, tangents = tl.jvp(f, (x,), (np.eye(3),), batched=True)
    np.testing.assert_allclose(tangents, _fd(f, x), rtol=1e-5, atol=1e-6)
