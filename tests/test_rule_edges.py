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


# ---------------------------------------------------------------- var/std with no degrees of freedom


def var_one(x):
    return np.var(x, ddof=1)


def std_empty_axis(x):
    return np.sum(np.std(x, axis=0))


def std_too_few(x):
    return np.std(x, ddof=3)


def nanvar_one(x):
    return np.nanvar(x, ddof=1)


def cov_too_few(x):
    return np.sum(np.cov(x, ddof=2))


@pytest.mark.parametrize("f,x", [(var_one, np.array([0.7])), (std_empty_axis, np.zeros((0, 3))),
                                 (std_too_few, np.array([0.7, 0.2])), (nanvar_one, np.array([0.7, np.nan])),
                                 (cov_too_few, np.array([0.7, 0.2]))],
                         ids=["var ddof=1 one sample", "std empty axis", "std ddof > n", "nanvar one number",
                              "cov ddof = n"])
def test_var_and_std_with_no_degrees_of_freedom_give_nan_like_numpy(f, x):
    """NumPy returns nan (or inf) with a RuntimeWarning where N - ddof <= 0: so do the derivatives."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = f(x)
        g = tl.grad(f)(x)
        t = tl.jvp(f, (x,), (np.ones_like(x),))[1]
    assert not np.isfinite(value)
    assert g.shape == x.shape and np.all(np.isnan(g))
    assert np.isnan(t)


def test_var_with_degrees_of_freedom_left_is_unchanged():
    x = np.array([0.5, 0.25, 1.0])
    assert np.allclose(tl.grad(var_one)(x), 2 * (x - x.mean()) / 2)
    assert np.allclose(tl.hessian(var_one)(x), (np.eye(3) - 1 / 3))


# ---------------------------------------------------------------- array-API arrays: helpers in the arrays' namespace


def xp_pow_exponent(w, p):
    xp = w.__array_namespace__()
    return xp.sum(xp.pow(xp.abs(w) + 1.0, p[0])) + xp.sum((xp.abs(w) + 1.0) ** p[1])


def xp_number_base(w, p):
    xp = w.__array_namespace__()
    return xp.sum(2.0 ** w * p[0])


def xp_zero_exponent(w, p):
    xp = w.__array_namespace__()
    return xp.sum(xp.pow(w, 0.0) * p[0] + w)


def xp_concat_flat(w, p):
    xp = w.__array_namespace__()
    return xp.sum(xp.concat([w, p], axis=None) ** 2.0)


def xp_abs_square(w, p):
    xp = w.__array_namespace__()
    return xp.sum(xp.pow(xp.abs(w - 0.4) + 1.0, 2.0) * p[0])


@pytest.mark.parametrize("f", [xp_pow_exponent, xp_number_base, xp_zero_exponent, xp_concat_flat, xp_abs_square])
def test_array_api_arrays_get_the_numpy_derivatives(f):
    """Helpers the rules call compute in the arrays' own namespace (np.log, np.zeros, np.ravel,
    np.conjugate on an array-api-strict array were TypeErrors from inside tangent_lite)."""
    xps = pytest.importorskip("array_api_strict")
    wn, pn = np.array([[0.3, -0.5], [1.1, 0.2]]), np.array([0.6, -0.3])
    w, p = xps.asarray(wn), xps.asarray(pn)
    ref = tl.grad(f, wrt=(0, 1))(wn, pn)
    got = tl.grad(f, wrt=(0, 1))(w, p)
    for a, b in zip(got, ref):
        assert type(a) is type(w) and np.allclose(np.asarray(a), b)
    ones = (xps.ones((2, 2), dtype=xps.float64), xps.ones(2, dtype=xps.float64))
    assert np.isclose(float(tl.jvp(f, (w, p), ones)[1]), tl.jvp(f, (wn, pn), (np.ones((2, 2)), np.ones(2)))[1])
    v = xps.asarray(np.array([[1.0, -0.5], [0.25, 2.0]]))
    assert np.allclose(np.asarray(tl.hvp(f, w, v, p)), tl.hvp(f, wn, np.asarray(v), pn))


# ---------------------------------------------------------------- float32 in, float32 tangent out


def _f32_functions():
    import scipy.special as sp

    return {
        "max": lambda x: np.max(x) * 2.0, "clip": lambda x: np.sum(np.clip(x, -0.5, 0.5)),
        "erf": lambda x: np.sum(sp.erf(x)), "maximum": lambda x: np.sum(np.maximum(x, 0.1)),
        "median": lambda x: np.median(x), "sort": lambda x: np.sort(x) * 2.0, "log2": lambda x: np.log2(x * x),
        "norm": lambda x: np.linalg.norm(x), "nanmean": lambda x: np.nanmean(x),
        "digamma": lambda x: sp.digamma(x + 2.0),
        "ndtr": lambda x: sp.ndtr(x), "std": lambda x: np.std(x, ddof=1),
        "dict": lambda x: {"a": np.max(x), "b": [np.clip(x, -0.5, 0.5)]},
    }


@pytest.mark.parametrize("name", sorted(_f32_functions()))
def test_float32_input_gives_a_float32_tangent(name):
    """docs/arrays-beyond-numpy.md: dtypes are kept.  The value is float32, so is the gradient; the
    tangent of tl.jvp was float64 wherever a rule built a float64 constant or mask."""
    f = _f32_functions()[name]
    x = np.array([0.3, -0.7, 1.2], dtype=np.float32)
    t = np.array([1.0, 0.5, -2.0], dtype=np.float32)
    out, tangent = tl.jvp(f, (x,), (t,))
    _, ref = tl.jvp(f, (x.astype(float),), (t.astype(float),))
    for o, d, r in zip(*(tl_leaves(v) for v in (out, tangent, ref))):
        assert o.dtype == np.float32 and d.dtype == np.float32, (o.dtype, d.dtype)
        assert np.allclose(d, r, rtol=1e-4, atol=1e-5)


def tl_leaves(v):
    if isinstance(v, dict):
        return [leaf for k in sorted(v) for leaf in tl_leaves(v[k])]
    if isinstance(v, (list, tuple)):
        return [leaf for e in v for leaf in tl_leaves(e)]
    return [np.asarray(v) if not isinstance(v, np.generic) else v]


def logabsdet(a):
    return np.sum(np.linalg.slogdet(a)[1])


def test_slogdet_derivatives_at_a_singular_matrix_are_nan_not_linalgerror():
    """log|det| is -inf at a singular matrix: its derivative is NaN there (was LinAlgError), and
    exact for the invertible matrices of the same stack; second order unchanged."""
    a = np.stack([SINGULAR[0], np.array([[2.0, 1.0], [0.5, 3.0]])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = tl.grad(logabsdet)(a)
        t = tl.jvp(logabsdet, (SINGULAR[0],), (np.eye(2),))[1]
    assert np.all(np.isnan(g[0])) and np.allclose(g[1], np.linalg.inv(a[1]).T)
    assert np.isnan(t)
    c = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]])
    ref = np.stack([_fd(lambda b, i=i: np.linalg.inv(b).T[i], c) for i in np.ndindex(3, 3)]).reshape(3, 3, 3, 3)
    assert np.allclose(tl.hessian(logabsdet)(c), ref, atol=1e-6)
