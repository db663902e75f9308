"""SciPy's overwrite options (scipy.linalg may write its work into the argument: the derivative
code reads it again) are refused; eigenvalues and singular values at a repeated value have a
derivative when the eigenvectors are unused (breaker round 26: NaN in reverse mode)."""

import numpy as np
import pytest

import tangent_lite as tl

sl = pytest.importorskip("scipy.linalg")

A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 5.0]])
B = np.array([1.0, -2.0, 0.5])


def det_overwrite(a):
    return sl.det(a * 1.0, overwrite_a=True)


def solve_overwrite(a):
    return np.sum(sl.solve(a, B, overwrite_a=True))


def solve_overwrite_b(a):
    return np.sum(sl.solve(a, B * 1.0, overwrite_b=True))


def lu_overwrite(a):
    lu, piv = sl.lu_factor(a * 1.0, overwrite_a=True)
    return np.sum(lu)


def cholesky_overwrite(a):
    return np.sum(sl.cholesky(a, overwrite_a=True))


def eigh_overwrite(a):
    return np.sum(sl.eigh(a, overwrite_a=True, eigvals_only=True))


OVERWRITING = [det_overwrite, solve_overwrite, solve_overwrite_b, lu_overwrite, cholesky_overwrite, eigh_overwrite]


@pytest.mark.parametrize("f", OVERWRITING, ids=[f.__name__ for f in OVERWRITING])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_overwrite_options_are_refused(f, mode):
    a = A.copy()
    with pytest.raises(tl.errors.UnsupportedConstructError, match="overwrite option"):
        if mode == "grad":
            tl.grad(f)(a)
        else:
            tl.jvp(f, (a,), (np.eye(3),))
    np.testing.assert_array_equal(a, A)


def det_no_overwrite(a):
    return sl.det(a, overwrite_a=False)


def test_overwrite_false_works():
    g = tl.grad(det_no_overwrite)(A)
    np.testing.assert_allclose(g, np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-10)


D = np.diag([1.0, 1.0, 3.0])   # a repeated eigenvalue (and singular value)
WEIGHTS = np.array([1.0, 2.0, 3.0])


def scipy_eigh_values(a):
    w, v = sl.eigh(a)
    return np.sum(w * WEIGHTS)


def numpy_eigh_values(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * WEIGHTS)


def numpy_svd_values(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(s * WEIGHTS[::-1])


@pytest.mark.parametrize("f", [scipy_eigh_values, numpy_eigh_values, numpy_svd_values])
def test_values_at_a_repeated_value_have_a_finite_gradient(f):
    g = tl.grad(f)(D)
    assert np.all(np.isfinite(g)), g
    # (a weighted sum over a repeated pair is differentiable only along directions that keep the
    # pair equal: along those, the gradient agrees with central differences)
    eps = 1e-6
    for d in (np.diag([0.7, 0.7, -1.3]), np.diag([1.0, 1.0, 0.0]) + 0.5 * np.eye(3)):
        fd = (f(D + eps * d) - f(D - eps * d)) / (2 * eps)
        np.testing.assert_allclose(np.sum(g * d), fd, rtol=1e-6, atol=1e-8)
