"""scipy.linalg's rules (tangent_lite/rules/scipy_linalg.py) from the outside: hand-derived
derivatives, NumPy references on the same mathematics, the dot-product identity between tl.jvp and
tl.vjp, central differences, second order (tl.hessian, tl.hvp, tl.grad(tl.grad)) of functions using
them, factor objects flowing from cho_factor/lu_factor to the solves, and the clear refusals.
(The registry-generated tests, tests/test_rules.py and tests/test_second_order_rules.py, run
every rule's cases of tests/rule_cases_scipy_linalg.py as well.)"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl

sla = pytest.importorskip("scipy.linalg")

EPS = 1e-6


def _fd_dir(f, x, v, eps=EPS):
    """Central difference of f at x along v."""
    return (np.asarray(f(x + eps * v)) - np.asarray(f(x - eps * v))) / (2 * eps)


def _spd(rng, n):
    x = rng.normal(size=(n, n))
    return x @ x.T + n * np.eye(n)


def _near_identity(rng, n):
    return _spd(rng, n) / n + 0.3 * rng.normal(size=(n, n))


def _jvp(f, x, v):
    return tl.jvp(f, (x,), (v,))[1]


def _vjp(f, x, w):
    ct = tl.vjp(f, x)[1](w)
    return ct[0] if isinstance(ct, tuple) else ct


def _close(a, b, rtol=1e-6, atol=1e-7):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(b))))
    assert np.allclose(a, b, rtol=rtol, atol=atol * scale), f"got {a!r}\nexpected {b!r}"


# ---------------------------------------------------------------- hand-derived checks

B3 = np.array([0.3, -1.2, 0.7])


def logdet_cho(a):
    c, low = sla.cho_factor(a, lower=True)
    return 2.0 * np.sum(np.log(np.diag(c)))


def logdet_cho_upper(a):
    c, low = sla.cho_factor(a)
    return 2.0 * np.sum(np.log(np.diag(c)))


@pytest.mark.parametrize("f,lower", [(logdet_cho, True), (logdet_cho_upper, False)])
def test_grad_of_log_det_via_cho_factor_is_inverse_on_the_triangle_read(f, lower):
    """d log det A = tr(A^-1 dA) = <A^-T, dA>: cho_factor reads one triangle, so the gradient
    is A^-1 folded onto it (2 A^-1 off the diagonal, A^-1 on it); along symmetric directions it
    pairs like A^-T."""
    rng = np.random.default_rng(0)
    a = _spd(rng, 4)
    inv = np.linalg.inv(a)
    g = tl.grad(f)(a)
    fold = np.tril(2 * inv) if lower else np.triu(2 * inv)
    _close(g, fold - np.diag(np.diag(inv)))
    s = rng.normal(size=(4, 4))
    s = s + s.T
    _close(np.sum(g * s), np.sum(inv.T * s))
    _close(_jvp(f, a, s), np.trace(inv @ s))


def _tri_ref(lower, unit, trans):
    def ref(a, b):
        t = np.tril(a, -1 if unit else 0) if lower else np.triu(a, 1 if unit else 0)
        if unit:
            t = t + np.eye(a.shape[0])
        return np.sum(np.sin(np.linalg.solve(t.T if trans else t, b)))
    return ref


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 4), lower=st.booleans(), unit=st.booleans(), trans=st.sampled_from([0, 1, "T", "N"]),
       matrix_rhs=st.booleans(), seed=st.integers(0, 2**16))
def test_solve_triangular_matches_numpy_solve_on_the_triangle(n, lower, unit, trans, matrix_rhs, seed):
    """solve_triangular(a, b, ...) differentiated equals np.linalg.solve on the triangle it reads
    (ones on the diagonal when unit_diagonal), in both arguments, both modes."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 3.0 * np.eye(n)
    b = rng.normal(size=(n, 2) if matrix_rhs else (n,))

    def f(a, b):
        return np.sum(np.sin(sla.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit)))

    ref = _tri_ref(lower, unit, trans in (1, "T"))
    ga, gb = tl.grad(f, wrt=(0, 1))(a, b)
    ra, rb = tl.grad(ref, wrt=(0, 1))(a, b)
    _close(ga, ra)
    _close(gb, rb)
    va, vb = rng.normal(size=a.shape), rng.normal(size=b.shape)
    _close(tl.jvp(f, (a, b), (va, vb))[1], np.sum(ra * va) + np.sum(rb * vb))


# ---------------------------------------------------------------- both modes agree (<J v, w> = <v, J^T w>)

def cho_pipeline(a):
    return sla.cho_solve(sla.cho_factor(a), B3)


def cho_pipeline_unpacked(a):
    c, low = sla.cho_factor(a, lower=True)
    return sla.cho_solve((c, low), np.outer(B3, B3[:2]))


def lu_pipeline(a):
    return sla.lu_solve(sla.lu_factor(a), B3)


def lu_pipeline_t(a):
    lu, piv = sla.lu_factor(a)
    return sla.lu_solve((lu, piv), np.outer(B3, B3[:2]), trans=1)


def solve_pos(a):
    return sla.solve(a, B3, assume_a="pos")


def solve_gen_t(a):
    return sla.solve(a, B3, transposed=True)


def inv_det(a):
    return sla.inv(a) * sla.det(a)


def chol_lower(a):
    return sla.cholesky(a, lower=True)


def eigvals(a):
    return sla.eigh(a, eigvals_only=True)


def eigh_sign_free(a):
    """The projectors v v^T do not depend on the eigenvectors' signs."""
    w, v = sla.eigh(a)
    return v[:, 0:1] * v[:, 0:1].T + w[2] * v[:, 2:3] * v[:, 2:3].T


def expm_(a):
    return sla.expm(0.4 * a)


def sqrtm_(a):
    return sla.sqrtm(a)


def logm_(a):
    return sla.logm(a)


def sylvester(a):
    return sla.solve_sylvester(a, a.T + np.eye(3), np.ones((3, 3)))


SPD_FUNCS = [cho_pipeline, cho_pipeline_unpacked, solve_pos, chol_lower, eigvals, eigh_sign_free, sqrtm_, logm_]
GENERAL_FUNCS = [lu_pipeline, lu_pipeline_t, solve_gen_t, inv_det, expm_, sylvester]


def _point(f, rng):
    if f in (sqrtm_, logm_):
        return _near_identity(rng, 3)
    if f in SPD_FUNCS:
        return _spd(rng, 3)
    a = rng.normal(size=(3, 3)) + 3.0 * np.eye(3)
    a[0, 0] = 0.1  # lu_factor pivots
    return a


@pytest.mark.parametrize("f", SPD_FUNCS + GENERAL_FUNCS, ids=lambda f: f.__name__)
def test_jvp_vjp_dot_product_identity_and_finite_differences(f):
    rng = np.random.default_rng(3)
    a = _point(f, rng)
    v = rng.normal(size=a.shape)
    if f in SPD_FUNCS:  # the functions read one triangle; differences along symmetric directions
        v = v + v.T
    jv = _jvp(f, a, v)
    w = rng.normal(size=np.shape(jv))
    _close(np.sum(jv * w), np.sum(v * _vjp(f, a, w)), rtol=1e-9)
    _close(jv, _fd_dir(f, a, v), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- second order


def quad_cho(a):
    """b^T A^-1 b through the factor; its Hessian in direction V is 2 b^T A^-1 V A^-1 V A^-1 b."""
    return B3 @ sla.cho_solve(sla.cho_factor(a), B3)


def quad_lu(a):
    return B3 @ sla.lu_solve(sla.lu_factor(a), B3)


def scalar_of(f):
    def g(a):
        return np.sum(np.sin(f(a)))
    g.__name__ = "sin_of_" + f.__name__
    return g


def test_hessian_of_quadratic_form_through_cho_factor_is_hand_derived():
    rng = np.random.default_rng(5)
    a = _spd(rng, 3)
    v = rng.normal(size=(3, 3))
    v = v + v.T
    x = np.linalg.solve(a, B3)
    by_hand = 2.0 * x @ v @ np.linalg.solve(a, v @ x)  # d2/dt2 of b^T (A + t V)^-1 b at t = 0
    h = tl.hessian(quad_cho)(a)
    _close(np.einsum("ij,ijkl,kl->", v, h, v), by_hand, rtol=1e-6)
    hv = tl.hvp(quad_cho, a, v)
    _close(np.sum(hv * v), by_hand, rtol=1e-6)


@pytest.mark.parametrize("f", [quad_lu] + [scalar_of(g) for g in (lu_pipeline, cho_pipeline, solve_pos, expm_,
                                                                    sqrtm_, logm_, sylvester, chol_lower)],
                         ids=lambda f: f.__name__)
def test_second_order_matches_differences_of_the_gradient(f):
    """tl.hvp (forward over reverse) and tl.grad(tl.grad(...)) (reverse over reverse, through a
    scalar) against central differences of tl.grad."""
    rng = np.random.default_rng(11)
    inner = getattr(f, "__name__", "")
    base = {"sin_of_" + g.__name__: g for g in SPD_FUNCS + GENERAL_FUNCS}.get(inner, lu_pipeline)
    a = _point(base, rng)
    v = rng.normal(size=a.shape)
    if base in SPD_FUNCS:
        v = v + v.T
    grad = tl.grad(f)
    expected = _fd_dir(grad, a, v, eps=1e-5)
    hv = tl.hvp(f, a, v)
    hv = hv[0] if isinstance(hv, tuple) else hv
    _close(hv, expected, rtol=1e-4, atol=1e-5)

    def along(a):
        return np.sum(tl.grad(f)(a) * v)

    _close(tl.grad(along)(a), expected, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- refusals


def test_complex_input_is_refused_clearly():
    a = np.eye(2) * (1.0 + 0.5j)

    def f(a):
        return np.real(np.sum(sla.expm(a)))

    with pytest.raises(tl.errors.TangentLiteError, match="expm"):
        tl.grad(f)(a)


def test_sqrtm_with_a_complex_result_is_refused():
    a = np.array([[-1.0, 0.2], [0.0, 2.0]])  # a negative eigenvalue: the square root is complex

    def f(a):
        return np.sum(np.real(sla.sqrtm(a)))

    with pytest.raises(tl.errors.UnsupportedConstructError, match="sqrtm"):
        tl.grad(f)(a)


def test_generalized_eigh_is_refused():
    rng = np.random.default_rng(2)
    a, b = _spd(rng, 3), _spd(rng, 3)

    def f(a):
        return np.sum(sla.eigh(a, b, eigvals_only=True))

    with pytest.raises(tl.errors.UnsupportedConstructError, match="generalized"):
        tl.grad(f)(a)


def test_unsupported_structure_of_solve_is_refused():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(3, 3)) + 3 * np.eye(3)

    def f(a):
        return np.sum(sla.solve(a, B3, assume_a="tridiagonal"))

    try:
        f(a)
    except ValueError:  # (SciPy before 1.15 has no assume_a="tridiagonal": nothing to refuse)
        pytest.skip("this SciPy does not know assume_a='tridiagonal'")
    with pytest.raises(tl.errors.UnsupportedConstructError, match="tridiagonal"):
        tl.grad(f)(a)


def test_pivots_carry_no_derivative():
    """lu_factor's pivots are indices: a function of them alone has a zero gradient (not an error
    deep inside the compiler), and the factor's own derivative is unaffected by reading them."""
    rng = np.random.default_rng(4)
    a = _point(lu_pipeline, rng)

    def f(a):
        lu, piv = sla.lu_factor(a)
        return np.sum(lu) + 0.0 * np.sum(piv)

    def g(a):
        return np.sum(sla.lu_factor(a)[0])

    _close(tl.grad(f)(a), tl.grad(g)(a))
    v = rng.normal(size=a.shape)
    _close(_jvp(g, a, v), _fd_dir(g, a, v), rtol=1e-5)


@pytest.mark.parametrize("ord_", [None, 1, "fro", 2, "nuc"])
def test_norm_matches_numpy_norm_in_both_modes(ord_):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(3, 4))
    v = rng.normal(size=x.shape)

    def f(x):
        return sla.norm(x, ord_) ** 2

    def ref(x):
        return np.linalg.norm(x, ord_) ** 2

    _close(tl.grad(f)(x), tl.grad(ref)(x))
    _close(_jvp(f, x, v), _fd_dir(ref, x, v), rtol=1e-5)
    if ord_ not in (2, "nuc"):  # (NumPy's rules refuse second order of the spectral norms)
        _close(tl.hvp(f, x, v), tl.hvp(ref, x, v))


@pytest.mark.skipif("assume_a" not in inspect.signature(sla.inv).parameters, reason="inv(assume_a=) is SciPy 1.17+")
def test_inv_diagonal_follows_what_scipy_reads_off_the_diagonal():
    """inv(a, assume_a='diagonal') inverts the diagonal; whatever this SciPy does with the other
    entries (1.17 and 1.18 copy them into the result), the derivatives follow it."""
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])

    def f(a):
        return np.sum(w * sla.inv(a, assume_a="diagonal"))

    a = np.array([[4.0, 1.0, 0.5], [0.3, 3.0, 0.2], [0.1, 0.7, 5.0]])
    expected = np.zeros_like(a)
    for i in range(3):
        for j in range(3):
            e = np.zeros_like(a)
            e[i, j] = 1e-6
            expected[i, j] = (f(a + e) - f(a - e)) / 2e-6
    _close(tl.grad(f)(a), expected)
    s = np.arange(9.0).reshape(3, 3) / 7
    _close(_jvp(f, a, s), np.sum(expected * s))
