"""Complex numbers, in the convention of docs/complex-numbers.md (JAX's and autograd's).

For a real-valued ``f`` of ``z = x + iy``, ``tl.grad(f)(z) == df/dx - 1j * df/dy``; for a function
with a complex result, ``tl.grad`` differentiates its real part, which for a holomorphic ``f`` is
the complex derivative ``f'(z)``.  ``tl.jvp`` gives the derivative along a complex tangent ``t``
(``f'(z) * t`` when holomorphic), and ``tl.vjp``'s pullback is its transpose for the pairing
``<a, b> = Re(sum(a * b))`` (no conjugation): ``<w, J t> == <J^T w, t>``.

References, all independent of tangent_lite: central finite differences that perturb the real and
the imaginary part of each input separately, derivatives derived by hand, and the dot-product
identity between forward and reverse mode; hypothesis draws the complex points.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl

EPS = 1e-6


# ---------------------------------------------------------------- references


def pairing(a: Any, b: Any) -> float:
    """The pairing of a cotangent with a tangent: Re(sum(a * b)) (docs/complex-numbers.md)."""
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def directional(f: Callable, z: Any, t: Any, eps: float = EPS) -> Any:
    """Central difference of ``f`` at ``z`` along ``t`` (complex directions move both parts)."""
    return (np.asarray(f(z + eps * t)) - np.asarray(f(z - eps * t))) / (2 * eps)


def fd_grad(f: Callable, z: Any) -> Any:
    """``d Re(f)/dx - 1j * d Re(f)/dy`` entry by entry: the documented gradient, from finite
    differences of the real and the imaginary part of each entry separately (the real part only
    for a real ``z``: some functions take real input only)."""
    real = not np.iscomplexobj(z)
    z = np.asarray(z, dtype=float if real else complex)
    out = np.zeros(z.shape, dtype=complex)
    for i in np.ndindex(*z.shape):
        e = np.zeros(z.shape, dtype=z.dtype)
        e[i] = 1.0
        dx = np.real(directional(f, z, e))
        dy = 0.0 if real else np.real(directional(f, z, 1j * e))
        out[i] = dx - 1j * dy
    return out if z.shape else complex(out)


def rng_complex(rng: np.random.Generator, shape: Any, lo: float = 0.4, hi: float = 1.5) -> Any:
    """Complex values with modulus in [lo, hi] and phase away from the branch cut of angle."""
    return rng.uniform(lo, hi, size=shape) * np.exp(1j * rng.uniform(-2.8, 2.8, size=shape))


# ---------------------------------------------------------------- functions differentiated


def square(z):
    return z ** 2


def exp_fn(z):
    return np.exp(z)


def sin_fn(z):
    return np.sin(z)


def product(z):
    return z * np.sin(z) * np.exp(z)


def polynomial(z):
    return 3.0 * z ** 3 - 2j * z + np.cos(z) / (z + 2.0)


def log_sqrt(z):
    return np.log(z) + np.sqrt(z) * np.tanh(z)


HOLOMORPHIC = [  # (f, f', f'')
    (square, lambda z: 2 * z, lambda z: 2.0 + 0 * z),
    (exp_fn, np.exp, np.exp),
    (sin_fn, np.cos, lambda z: -np.sin(z)),
    (product, lambda z: np.exp(z) * (np.sin(z) + z * np.cos(z) + z * np.sin(z)),
     lambda z: np.exp(z) * (2 * np.cos(z) + 2 * np.sin(z) + 2 * z * np.cos(z))),
    (polynomial, lambda z: 9.0 * z ** 2 - 2j - np.sin(z) / (z + 2.0) - np.cos(z) / (z + 2.0) ** 2, None),
    (log_sqrt, lambda z: 1 / z + 0.5 / np.sqrt(z) * np.tanh(z) + np.sqrt(z) * (1 - np.tanh(z) ** 2), None),
]


def sum_abs_squared(z):
    return np.sum(np.abs(z) ** 2)


def real_z_conj_z(z):
    return np.sum(np.real(z * np.conj(z)))


def uses_parts(z):
    return np.sum(np.real(z) ** 2 * np.imag(z) + np.angle(z) * np.abs(z))


def uses_conjugate(z):
    w = np.conjugate(z) * np.exp(z)
    return np.sum(w.real - 0.5 * w.imag + abs(z[0]))


def uses_attributes(z):
    return np.sum(z.real * z.imag + np.abs(z.conj() - 1j) ** 3)


def uses_vdot(z):
    return np.real(np.vdot(z, 2.0 * z + 1j)) + np.real(np.dot(z, np.conj(z)))


REAL_VALUED = [sum_abs_squared, real_z_conj_z, uses_parts, uses_conjugate, uses_attributes, uses_vdot]


def real_through_complex(x):
    return np.sum(np.abs(np.fft.fft(x)))


def real_times_i(x):
    w = 1j * x + np.exp(x * 0.5j)
    return np.sum(np.abs(w) ** 2 + np.angle(w + 2.0))


def real_with_imag_part(x):
    return np.sum(x.imag + x * x + np.imag(x * (1.0 + 2j)))


def matmul_mixed(x):
    a = np.array([[1.0 + 2j, 0.5], [-1j, 2.0]])
    return np.sum(np.abs(a @ x) ** 2) + np.real(np.sum(x @ a))


def mixed_array(x):
    v = np.array([x[0], x[1] * 1j])
    return np.abs(v[0] + v[1]) + np.sum(np.abs(np.exp(1j * x)[[0, 0, 1]] + x[2]))


def loop_over_entries(x):
    s = 0.0
    for i in range(2):
        s = s + np.abs(x[i] * 1j + x[i + 1])
    return s


REAL_THROUGH_COMPLEX = [real_through_complex, real_times_i, real_with_imag_part, matmul_mixed, mixed_array,
                        loop_over_entries]


# ---------------------------------------------------------------- holomorphic functions


@pytest.mark.parametrize("f, df, _", HOLOMORPHIC, ids=[h[0].__name__ for h in HOLOMORPHIC])
def test_grad_of_a_holomorphic_function_is_its_complex_derivative(f, df, _):
    z = 0.7 - 0.4j
    np.testing.assert_allclose(tl.grad(f)(z), df(z), rtol=1e-10)
    np.testing.assert_allclose(tl.grad(f)(z), fd_grad(f, z), rtol=1e-6)


@pytest.mark.parametrize("f, df, _", HOLOMORPHIC, ids=[h[0].__name__ for h in HOLOMORPHIC])
def test_jvp_of_a_holomorphic_function_is_the_derivative_times_the_tangent(f, df, _):
    z, t = np.array([0.7 - 0.4j, -0.3 + 1.1j]), np.array([0.2 + 0.9j, -1.0 + 0.1j])
    value, tangent = tl.jvp(f, (z,), (t,))
    np.testing.assert_allclose(value, f(z))
    np.testing.assert_allclose(tangent, df(z) * t, rtol=1e-10)
    np.testing.assert_allclose(tangent, directional(f, z, t), rtol=1e-6)


@pytest.mark.parametrize("f, df, _", HOLOMORPHIC, ids=[h[0].__name__ for h in HOLOMORPHIC])
def test_vjp_is_the_transpose_of_jvp_for_the_pairing_re_sum_a_b(f, df, _):
    rng = np.random.default_rng(1)
    z, t, w = rng_complex(rng, 3), rng_complex(rng, 3), rng_complex(rng, 3)
    _, pullback = tl.vjp(f, z)
    ct = pullback(w)
    np.testing.assert_allclose(ct, w * df(z), rtol=1e-10)  # the VJP of holomorphic f: g * f'(z)
    _, jt = tl.jvp(f, (z,), (t,))
    assert abs(pairing(w, jt) - pairing(ct, t)) <= 1e-10 * (1 + abs(pairing(w, jt)))


@pytest.mark.parametrize("f, df, d2f", [h for h in HOLOMORPHIC if h[2] is not None],
                         ids=[h[0].__name__ for h in HOLOMORPHIC if h[2] is not None])
def test_second_derivative_of_a_holomorphic_function(f, df, d2f):
    z = 0.6 + 0.3j
    np.testing.assert_allclose(tl.grad(tl.grad(f))(z), d2f(z), rtol=1e-9)
    # forward over reverse: the derivative of the gradient along t is f''(z) * t
    t = 0.4 - 0.8j
    _, second = tl.jvp(tl.grad(f), (z,), (t,))
    np.testing.assert_allclose(second, d2f(z) * t, rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(re=st.floats(-1.5, 1.5), im=st.floats(-1.5, 1.5), tre=st.floats(-2, 2), tim=st.floats(-2, 2),
       which=st.integers(0, len(HOLOMORPHIC) - 1))
def test_hypothesis_holomorphic_gradient_and_jvp(re, im, tre, tim, which):
    f, df, _ = HOLOMORPHIC[which]
    z, t = complex(re, im), complex(tre, tim)
    if abs(z) < 0.2 or abs(z + 2.0) < 0.2 or (f is log_sqrt and (re < 0 and abs(im) < 0.2)):
        return  # poles and branch cuts
    np.testing.assert_allclose(tl.grad(f)(z), df(z), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tl.jvp(f, (z,), (t,))[1], df(z) * t, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- real-valued functions of complex input


def test_gradient_of_abs_squared_is_twice_the_conjugate():
    z = np.array([3.0 + 4.0j, -1.0 + 0.5j])
    np.testing.assert_allclose(tl.grad(sum_abs_squared)(z), 2 * np.conj(z))
    np.testing.assert_allclose(tl.grad(real_z_conj_z)(3.0 + 4.0j), 6.0 - 8.0j)
    # a gradient step follows the conjugate of the gradient downhill
    step = z - 0.1 * np.conj(tl.grad(sum_abs_squared)(z))
    assert sum_abs_squared(step) < sum_abs_squared(z)


@pytest.mark.parametrize("f", REAL_VALUED, ids=lambda f: f.__name__)
def test_real_valued_gradient_matches_finite_differences(f):
    z = rng_complex(np.random.default_rng(2), 3)
    g = tl.grad(f)(z)
    assert np.iscomplexobj(g) and g.shape == z.shape
    np.testing.assert_allclose(g, fd_grad(f, z), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", REAL_VALUED, ids=lambda f: f.__name__)
def test_real_valued_jvp_and_dot_product_identity(f):
    rng = np.random.default_rng(3)
    z, t = rng_complex(rng, 3), rng_complex(rng, 3)
    value, tangent = tl.jvp(f, (z,), (t,))
    np.testing.assert_allclose(tangent, directional(f, z, t), rtol=1e-6, atol=1e-8)
    assert abs(np.imag(tangent)) == 0  # the tangent of a real value is real
    _, pullback = tl.vjp(f, z)
    assert abs(pairing(1.5, tangent) - pairing(pullback(1.5), t)) <= 1e-10 * (1 + abs(tangent))


@pytest.mark.parametrize("f", REAL_VALUED, ids=lambda f: f.__name__)
def test_real_valued_second_order(f):
    """The derivative of the gradient map along t (forward over reverse, and reverse over
    reverse through the pairing) against finite differences of the gradient."""
    rng = np.random.default_rng(4)
    z, t = rng_complex(rng, 3), rng_complex(rng, 3)
    grad_f = tl.grad(f)
    expected = directional(grad_f, z, t)
    np.testing.assert_allclose(tl.jvp(grad_f, (z,), (t,))[1], expected, rtol=1e-5, atol=1e-7)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), min_size=1, max_size=4))
def test_hypothesis_real_valued_gradient(parts):
    z = np.array([complex(a, b) for a, b in parts])
    if np.any(np.abs(z) < 0.1) or np.any(np.abs(z - 1j) < 0.1):
        return  # the kinks of abs
    for f in (sum_abs_squared, uses_attributes):
        np.testing.assert_allclose(tl.grad(f)(z), fd_grad(f, z), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- complex intermediates of real functions


@pytest.mark.parametrize("f", REAL_THROUGH_COMPLEX, ids=lambda f: f.__name__)
def test_real_function_with_complex_intermediates_has_a_real_gradient(f):
    x = np.random.default_rng(5).uniform(0.3, 1.5, size=2 if f is matmul_mixed else 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: real values get real cotangents
        g = tl.grad(f)(x)
    assert g.dtype == np.float64 and g.shape == x.shape
    np.testing.assert_allclose(g, np.real(fd_grad(f, x)), rtol=1e-6, atol=1e-8)
    v = np.random.default_rng(6).normal(size=x.shape)
    value, tangent = tl.jvp(f, (x,), (v,))
    np.testing.assert_allclose(tangent, directional(f, x, v), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.hvp(f, x, v), directional(tl.grad(f), x, v), rtol=1e-5, atol=1e-6)


def complex_builder(a, b):
    return np.abs(a + 1j * b) ** 2 + np.angle(a + b * 1j)


def from_parts(a, b):
    z = complex(a, b)
    return np.abs(z * z + 1.0) + np.real(np.exp(complex(b, 2.0 * a)))


def test_complex_builtin_in_both_modes_and_second_order():
    a, b = 0.7, -0.4
    f = from_parts
    grads = tl.grad(f, wrt=(0, 1))(a, b)
    fd = [(f(a + EPS, b) - f(a - EPS, b)) / (2 * EPS), (f(a, b + EPS) - f(a, b - EPS)) / (2 * EPS)]
    np.testing.assert_allclose(grads, fd, rtol=1e-6)
    np.testing.assert_allclose(tl.jvp(f, (a, b), (0.3, -1.2))[1], 0.3 * fd[0] - 1.2 * fd[1], rtol=1e-6)
    d2 = tl.hessian(f, wrt=0)(a, b)
    ga = tl.grad(f, wrt=0)
    np.testing.assert_allclose(d2, (ga(a + EPS, b) - ga(a - EPS, b)) / (2 * EPS), rtol=1e-5)


def test_gradients_with_respect_to_real_and_imaginary_parts():
    a, b = 0.8, -0.6
    ga, gb = tl.grad(complex_builder, wrt=(0, 1))(a, b)
    assert isinstance(ga, float) and isinstance(gb, float)
    np.testing.assert_allclose([ga, gb], [2 * a - b / (a * a + b * b), 2 * b + a / (a * a + b * b)])


# ---------------------------------------------------------------- functions whose rules need complex care


def test_abs_of_complex_matches_its_formula_in_both_modes():
    z = np.array([0.6 + 0.8j, -2.0 + 0.0j, 1j])
    np.testing.assert_allclose(tl.grad(lambda z: np.sum(np.abs(z)))(z), np.conj(z) / np.abs(z))
    t = np.array([1.0 + 1.0j, 2.0 - 1.0j, 0.5j])
    np.testing.assert_allclose(tl.jvp(lambda z: np.abs(z), (z,), (t,))[1], np.real(np.conj(z) * t) / np.abs(z))


def test_angle_real_imag_conj_against_their_formulas():
    z = 0.6 + 0.8j  # |z| = 1
    np.testing.assert_allclose(tl.grad(lambda z: np.angle(z))(z), -1j / z)
    np.testing.assert_allclose(tl.grad(lambda z: np.angle(z, deg=True))(z), -1j / z * 180.0 / np.pi)
    np.testing.assert_allclose(tl.jvp(lambda z: np.angle(z), (z,), (0.3 + 0.2j,))[1], np.imag((0.3 + 0.2j) / z))
    np.testing.assert_allclose(tl.grad(lambda z: np.real(z))(z), 1.0)
    np.testing.assert_allclose(tl.grad(lambda z: np.imag(z))(z), -1j)
    # conj is not holomorphic: the gradient of Re(conj(z)) is 1, its tangent conj(t)
    np.testing.assert_allclose(tl.grad(lambda z: np.conj(z))(z), 1.0)
    np.testing.assert_allclose(tl.jvp(lambda z: np.conjugate(z), (z,), (0.3 + 0.2j,))[1], 0.3 - 0.2j)


def test_a_complex_tangent_or_cotangent_for_a_real_value_is_refused():
    x = np.array([0.5, 1.0])
    with pytest.raises(tl.ArgumentError, match="complex, but the value it pairs with is real"):
        tl.jvp(real_times_i, (x,), (np.array([1j, 0.0]),))
    _, pullback = tl.vjp(real_times_i, x)
    with pytest.raises(tl.ArgumentError, match="complex, but the value it pairs with is real"):
        pullback(1.0 + 1j)


def einsum_complex(z, w):
    return np.sum(np.abs(np.einsum("ij,j->i", z, w)) ** 2)


def test_einsum_with_complex_operands():
    rng = np.random.default_rng(12)
    z, w = rng_complex(rng, (2, 3)), rng.normal(size=3)
    gz, gw = tl.grad(einsum_complex, wrt=(0, 1))(z, w)
    np.testing.assert_allclose(gz, fd_grad(lambda v: einsum_complex(v, w), z), rtol=1e-6)
    assert gw.dtype == np.float64
    np.testing.assert_allclose(gw, np.real(fd_grad(lambda v: einsum_complex(z, v), w)), rtol=1e-6)


# ---------------------------------------------------------------- breaker round 16


def times_abs(z):
    return np.real(np.sum(z * np.abs(z)))


def over_abs(z):
    return np.real(np.sum(z / np.abs(z)))


def sum_real_times_abs(z):
    return np.sum(np.real(z * np.abs(z)))


def exp_abs(z):
    return np.real(np.sum(z * np.exp(np.abs(z))))


@pytest.mark.parametrize("f", [times_abs, over_abs, sum_real_times_abs, exp_abs])
def test_complex_contribution_into_a_real_adjoint_buffer(f):
    """The adjoint of a complex array whose first contribution is real takes a complex one
    (was: UFuncTypeError from an in-place add inside the generated code)."""
    z = np.array([1.0 + 2j, -0.5 + 0.3j, 0.7 - 1.1j])
    np.testing.assert_allclose(tl.grad(f)(z), fd_grad(f, z), rtol=1e-6, atol=1e-8)
    t = np.array([0.3 - 0.2j, 1j, -0.4])
    np.testing.assert_allclose(tl.jvp(f, (z,), (t,))[1], directional(f, z, t), rtol=1e-6, atol=1e-8)


def slogdet_fn(A):
    return np.linalg.slogdet(A)[1]


def vecdot_fn(a):
    return np.real(np.linalg.vecdot(a, np.array([2.0 - 1j, 1j])))


def diag_fn(A):
    return np.abs(np.sum(np.diag(A)))


def median_fn(A):
    return np.abs(np.median(A))


def pad_fn(z):
    return np.abs(np.sum(np.pad(z, 1) * np.arange(4)))


def pinv_fn(A):
    return np.real(np.sum(np.linalg.pinv(A)))


@pytest.mark.parametrize("f, name, z", [
    (slogdet_fn, "numpy.linalg.slogdet", np.array([[2.0 + 1j, 0.5], [1j, 1.0 - 1j]])),
    (vecdot_fn, "numpy.linalg.vecdot", np.array([1.0 + 2j, 0.5 - 1j])),
    (diag_fn, "numpy.diag", np.array([[1j, 5.0], [2.0, 1.0]])),
    (median_fn, "numpy.median", np.array([1.0 + 2j, 0.5 - 1j])),
    (pad_fn, "numpy.pad", np.array([1.0 + 2j, -0.5 + 0.3j])),
    (pinv_fn, "numpy.linalg.pinv", np.arange(6.0).reshape(3, 2) * (1 + 0.5j) + np.eye(3, 2)),
])
def test_rules_not_verified_for_complex_input_refuse_it(f, name, z):
    """Breaker 16 findings 1, 2, 5, 8 (and pinv of a non-square matrix): a primitive outside
    COMPLEX_VERIFIED given a complex argument is refused, naming it and the user's line; a real
    argument is still differentiated."""
    for run in (lambda: tl.grad(f)(z), lambda: tl.jvp(f, (z,), (np.ones_like(z),))):
        with pytest.raises(tl.errors.UnsupportedConstructError) as info:
            run()
        text = str(info.value)
        assert name in text and "real input only" in text and __file__ in text
        assert "docs/complex-numbers.md" in text
    if f is not vecdot_fn:
        x = np.real(z) + 0.1
        np.testing.assert_allclose(tl.grad(f)(x), np.real(fd_grad(f, x)), rtol=1e-5, atol=1e-7)
