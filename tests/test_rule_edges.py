"""Derivative rules at the edges of their domains (breaker round 29): complex input to functions
declared piecewise constant, arguments a "non-differentiable" function returns, singular matrices
for det, var/std with no degrees of freedom, array-API exponents, float32 tangents.

References: central finite differences, hand-derived formulas (cofactors), NumPy's own values."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import UnsupportedConstructError
from tangent_lite.rules import REGISTRY
from tangent_lite.rules import complex as complex_rules


def _fd(f, x, eps=1e-6):
    """Central differences of a real scalar f at a float array x (the gradient, x's shape)."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


# ---------------------------------------------------------------- piecewise constant for real input only


def sign_imag(z):
    return np.sum(np.sign(z).imag * np.array([1.0, 2.0]))


def sign_times(x):
    return np.sum(np.sign(x) * x)


def test_sign_of_complex_input_is_refused_in_both_modes():
    """NumPy 2: sign(z) = z / |z|, not locally constant; docs/complex-numbers.md says it is refused."""
    z = np.array([0.3 + 0.8j, -1.2 + 0.4j])
    with pytest.raises(UnsupportedConstructError, match=r"numpy.sign is differentiated for real input only"):
        tl.grad(sign_imag)(z)
    with pytest.raises(UnsupportedConstructError, match=r"numpy.sign .* complex \(at .*test_rule_edges.py:"):
        tl.jvp(sign_imag, (z,), (np.ones(2) + 0j,))


def test_sign_of_real_input_still_has_derivative_zero():
    x = np.array([0.3, -1.2, 2.0])
    assert np.allclose(tl.grad(sign_times)(x), np.sign(x))
    assert np.isclose(tl.jvp(sign_times, (x,), (np.ones(3),))[1], np.sum(np.sign(x)))


def _nondiff_numpy():
    return [p for p in REGISTRY if p.nondiff and p.name.startswith("numpy.") and "empty" not in p.name]


def test_every_nondifferentiable_function_is_constant_for_complex_input_or_checked():
    """The family: a function declared non-differentiable whose float or complex result moves
    with a complex argument must refuse complex input (rules/complex.py CONSTANT_FOR_REAL_ONLY)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=4) + 1j * rng.normal(size=4)
    dz = (rng.normal(size=4) + 1j * rng.normal(size=4)) * 1e-6
    moving = set()
    for p in _nondiff_numpy():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                a, b = np.asarray(p.fn(z)), np.asarray(p.fn(z + dz))
            except Exception:  # noqa: BLE001 (NumPy refuses complex input, or needs other arguments)
                continue
        if a.dtype.kind in "fc" and a.shape == b.shape and not np.array_equal(a, b):
            moving.add(p.name)
    assert moving == set(getattr(complex_rules, "CONSTANT_FOR_REAL_ONLY", ()))


def test_every_nondifferentiable_function_is_constant_in_each_float_argument():
    """The family of heaviside(x1, x2) (which returns x2 where x1 == 0): no function declared
    non-differentiable moves with a small change of one float argument (at zeros included)."""
    bases = [np.array([0., 1., -1., 0.3, 2.5]), np.array([0.7, 0., 0.2, -1.5, 1.0]),
             np.array([0.5, 0.25, 1.3, 0.0, -0.4])]
    moving = []
    for p in _nondiff_numpy():
        for n in (1, 2, 3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    a = np.asarray(p.fn(*bases[:n]), dtype=float)
                except Exception:  # noqa: BLE001 (another number of arguments)
                    continue
                for k, eps in itertools.product(range(n), (1e-7, -1e-7)):
                    moved = list(bases[:n])
                    moved[k] = moved[k] + eps
                    b = np.asarray(p.fn(*moved), dtype=float)
                    if a.shape == b.shape and 0 < np.max(np.abs(a - b), initial=0) < 1e-4 \
                            and p.name != "numpy.spacing":  # (spacing changes only across binades: 0 here)
                        moving.append((p.name, k))
            break
    assert not moving


def heavi(h):
    return np.sum(np.heaviside(np.array([0.0, 1.0, -1.0, 0.0]), h) * np.array([1.0, 2.0, 3.0, 4.0]))


def heavi_both(x, h):
    return np.sum(np.heaviside(x, h) * np.array([1.0, 2.0, 3.0]))


def test_heaviside_derivative_in_x2_is_one_where_x1_is_zero():
    for h in (0.3, np.array([0.5, -0.2, 0.1, 0.7])):
        fd = _fd(lambda v: heavi(v), h)
        assert np.allclose(tl.grad(heavi)(h), fd)
        t = np.ones_like(np.asarray(h, dtype=float))
        assert np.isclose(tl.jvp(heavi, (h,), (t,))[1], np.sum(fd * t))
    x, h = np.array([0.0, 2.0, -0.5]), np.array([0.2, 0.4, 0.6])
    gx, gh = tl.grad(heavi_both, wrt=(0, 1))(x, h)
    assert np.allclose(gx, 0.0) and np.allclose(gh, [1.0, 0.0, 0.0])


# ---------------------------------------------------------------- det at singular matrices


def det(a):
    return np.linalg.det(a)


def det_sum(a):
    return np.sum(np.linalg.det(a))


def gram_det(v):
    return np.linalg.det(v @ v.T)


def _cofactors(a):
    n = a.shape[-1]
    out = np.zeros_like(a)
    for i, j in np.ndindex(n, n):
        minor = np.delete(np.delete(a, i, 0), j, 1)
        out[i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if n > 1 else 1.0)
    return out


SINGULAR = [np.array([[1.0, 2.0], [2.0, 4.0]]), np.outer([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]), np.zeros((3, 3)),
            np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [1.0, 1.0, 3.0]])]


@pytest.mark.parametrize("a", SINGULAR, ids=["2x2 rank 1", "3x3 rank 1", "zero", "3x3 rank 2"])
def test_det_derivatives_at_singular_matrices_are_the_cofactors(a):
    cof = _cofactors(a)
    assert np.allclose(tl.grad(det)(a), cof, atol=1e-12)
    t = np.arange(a.size, dtype=float).reshape(a.shape) - 1.5
    assert np.isclose(tl.jvp(det, (a,), (t,))[1], np.sum(cof * t), atol=1e-12)
    # second order (forward over reverse) against differences of the gradient
    h = tl.hessian(det)(a)
    ref = np.stack([_fd(lambda b, i=i: _cofactors(b)[i], a) for i in np.ndindex(a.shape)]).reshape(h.shape)
    assert np.allclose(h, ref, atol=1e-6)


def test_det_of_a_batch_with_singular_matrices_and_gram_determinant():
    a = np.stack([SINGULAR[1], np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]])])
    assert np.allclose(tl.grad(det_sum)(a), np.stack([_cofactors(m) for m in a]), atol=1e-12)
    v = np.array([[0.5, 1.0], [2.0, -1.0], [0.3, 0.7]])  # 3 vectors in R^2: det(V V^T) == 0 everywhere
    assert np.allclose(tl.grad(gram_det)(v), 0.0, atol=1e-12)
    import scipy.linalg as sla

    assert np.allclose(tl.grad(lambda m: sla.det(m))(SINGULAR[0]), _cofactors(SINGULAR[0]))
