"""scipy.stats distributions and scipy.special functions with rules (rules/scipy_stats.py,
rules/scipy_special.py), end to end: small models differentiated with tl.grad, tl.jvp and
tl.hessian, checked against hand-derived formulas and central differences; the call forms users
write (st.norm.pdf(x, 0., 1.), loc=/scale= keywords, `from scipy.stats import norm`); and the
refusals (a parameter with no closed-form derivative, a frozen distribution)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import tangent_lite as tl

stats = pytest.importorskip("scipy.stats")
special = pytest.importorskip("scipy.special")
norm = stats.norm

DATA = np.array([0.3, -1.2, 2.1, 0.8, -0.4])
EPS = 1e-6


def _fd(f, args, i):
    """Central difference of scalar f in its i-th (scalar) argument."""
    up, down = list(args), list(args)
    up[i], down[i] = args[i] + EPS, args[i] - EPS
    return (f(*up) - f(*down)) / (2 * EPS)


def _fd_hessian(f, args):
    n = len(args)
    grad = tl.grad(f, wrt=tuple(range(n)))
    return np.array([[_fd(lambda *a, i=i: grad(*a)[i], args, j) for j in range(n)] for i in range(n)])


def _hessian(f, args):
    """tl.hessian of f in all its scalar arguments (packed into one vector: tl.hessian takes one wrt)."""
    n = len(args)
    if n == 1:
        return np.atleast_2d(tl.hessian(f)(*args))
    packed = {1: lambda p: f(p[0]), 2: lambda p: f(p[0], p[1]), 3: lambda p: f(p[0], p[1], p[2])}[n]
    return tl.hessian(packed)(np.array(args, dtype=float))


# ------------------------------------------------------------------ a Gaussian log-likelihood


def gaussian_ll(mu, sigma):
    return np.sum(stats.norm.logpdf(DATA, mu, sigma))


def gaussian_ll_keywords(mu, sigma):
    return np.sum(norm.logpdf(DATA, loc=mu, scale=sigma))


def _ll_grad_by_hand(mu, sigma):
    r = DATA - mu
    return np.sum(r) / sigma**2, np.sum(r * r) / sigma**3 - len(DATA) / sigma


@pytest.mark.parametrize("f", [gaussian_ll, gaussian_ll_keywords])
@settings(max_examples=15, deadline=None)
@given(mu=hs.floats(-2.0, 2.0), sigma=hs.floats(0.4, 3.0))
def test_gaussian_log_likelihood_gradient_is_the_hand_formula(f, mu, sigma):
    got = tl.grad(f, wrt=(0, 1))(mu, sigma)
    np.testing.assert_allclose(got, _ll_grad_by_hand(mu, sigma), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", [gaussian_ll, gaussian_ll_keywords])
def test_gaussian_log_likelihood_jvp_and_hessian(f):
    mu, sigma = 0.4, 1.3
    value, tangent = tl.jvp(f, (mu, sigma), (0.7, -0.2))
    g_mu, g_sigma = _ll_grad_by_hand(mu, sigma)
    assert value == pytest.approx(f(mu, sigma))
    assert tangent == pytest.approx(0.7 * g_mu - 0.2 * g_sigma, rel=1e-10)
    r, n = DATA - mu, len(DATA)
    by_hand = np.array([[-n / sigma**2, -2 * np.sum(r) / sigma**3],
                        [-2 * np.sum(r) / sigma**3, -3 * np.sum(r * r) / sigma**4 + n / sigma**2]])
    np.testing.assert_allclose(_hessian(f, (mu, sigma)), by_hand, rtol=1e-9)


def test_gaussian_density_of_an_array_argument_gradient_and_hessian():
    def f(x):
        return np.sum(stats.norm.pdf(x, 0., 1.))

    x = np.array([0.3, -1.1, 0.0, 2.0])
    pdf = np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(tl.grad(f)(x), -x * pdf, rtol=1e-12)
    np.testing.assert_allclose(tl.hessian(f)(x), np.diag((x * x - 1.0) * pdf), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("method", ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"])
def test_every_norm_method_in_x_loc_scale_matches_finite_differences(method):
    fn = getattr(stats.norm, method)

    def f(x, loc, scale):
        return np.sum(fn(x, loc, scale) * np.array([1.0, 0.5, -0.3]))

    args = (np.array([0.2, -0.7, 1.4]), 0.3, 1.7)
    got = tl.grad(f, wrt=(1, 2))(*args)
    want = [_fd(f, args, 1), _fd(f, args, 2)]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    x_dot = np.array([0.5, -1.0, 2.0])
    _, t = tl.jvp(f, args, (x_dot, 0.0, 0.0))
    assert t == pytest.approx(np.dot(tl.grad(f)(*args), x_dot), rel=1e-10)
    second = tl.grad(lambda s: tl.grad(f, wrt=2)(args[0], args[1], s))(args[2])
    assert second == pytest.approx(_fd(lambda s: tl.grad(f, wrt=2)(args[0], args[1], s), [args[2]], 0), rel=1e-5)


# ------------------------------------------------------------------ shape parameters


def test_student_t_log_likelihood_in_df_loc_scale():
    def f(df, loc, scale):
        return np.sum(stats.t.logpdf(DATA, df, loc, scale))

    args = (3.5, 0.2, 1.1)
    np.testing.assert_allclose(tl.grad(f, wrt=(0, 1, 2))(*args), [_fd(f, args, i) for i in range(3)], rtol=1e-6)
    np.testing.assert_allclose(_hessian(f, args), _fd_hessian(f, args), rtol=1e-5, atol=1e-7)


def test_t_cdf_in_x_and_its_df_refused_by_name():
    x = np.array([0.2, -1.0])
    g = tl.grad(lambda x: np.sum(stats.t.cdf(x, 4.0)))(x)
    np.testing.assert_allclose(g, stats.t.pdf(x, 4.0), rtol=1e-12)
    with pytest.raises(tl.errors.NoRuleError, match=r"argument 'df' of scipy\.stats\.t\.cdf"):
        tl.grad(lambda df: np.sum(stats.t.cdf(x, df)))(4.0)


@pytest.mark.parametrize("dist,shape,data", [
    ("gamma", (2.5,), np.array([0.4, 1.3, 2.8])),
    ("chi2", (3.2,), np.array([0.4, 1.3, 2.8])),
    ("beta", (2.2, 3.4), np.array([0.15, 0.5, 0.8])),
])
def test_shape_parameters_of_gamma_chi2_beta_by_digamma(dist, shape, data):
    fn = getattr(stats, dist).logpdf

    n = len(shape)
    f = {1: lambda a: np.sum(fn(data, a)), 2: lambda a, b: np.sum(fn(data, a, b))}[n]
    np.testing.assert_allclose(np.atleast_1d(tl.grad(f, wrt=tuple(range(n)))(*shape)),
                               [_fd(f, shape, i) for i in range(n)], rtol=1e-6)
    np.testing.assert_allclose(_hessian(f, shape), _fd_hessian(f, shape), rtol=1e-5)
    if dist == "gamma":  # d/da sum(log pdf) = sum(log x) - n digamma(a)
        assert tl.grad(f)(*shape) == pytest.approx(np.sum(np.log(data)) - 3 * special.digamma(shape[0]))


def test_poisson_log_likelihood_in_mu():
    counts = np.array([0.0, 2.0, 3.0, 7.0])

    def f(mu):
        return np.sum(stats.poisson.logpmf(counts, mu))

    assert tl.grad(f)(2.5) == pytest.approx(np.sum(counts) / 2.5 - len(counts))
    assert tl.hessian(f)(2.5) == pytest.approx(-np.sum(counts) / 2.5**2)
    cdf = tl.grad(lambda mu: stats.poisson.cdf(3.0, mu))(2.5)
    assert cdf == pytest.approx(-stats.poisson.pmf(3.0, 2.5))


def test_dirichlet_log_density_in_alpha():
    x = np.array([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]])  # 2 points of the simplex, one per column

    def f(alpha):
        return np.sum(stats.dirichlet.logpdf(x, alpha))

    alpha = np.array([1.5, 2.0, 0.7])
    want = np.sum(np.log(x), axis=1) - 2 * (special.digamma(alpha) - special.digamma(np.sum(alpha)))
    np.testing.assert_allclose(tl.grad(f)(alpha), want, rtol=1e-10)
    h = tl.hessian(f)(alpha)
    by_hand = -2 * (np.diag(special.polygamma(1, alpha)) - special.polygamma(1, np.sum(alpha)))
    np.testing.assert_allclose(h, by_hand, rtol=1e-9)


def test_dirichlet_log_density_in_x_through_a_normalization():
    alpha = np.array([1.5, 2.0, 0.7])

    def f(w):
        return stats.dirichlet.logpdf(w / np.sum(w), alpha)

    w = np.array([0.5, 1.2, 0.8])
    fd = np.array([_fd(lambda t, i=i: f(w + t * np.eye(3)[i]), [0.0], 0) for i in range(3)])
    np.testing.assert_allclose(tl.grad(f)(w), fd, rtol=1e-6, atol=1e-8)
    _, t = tl.jvp(f, (w,), (np.array([1.0, -0.5, 0.2]),))
    assert t == pytest.approx(np.dot(fd, [1.0, -0.5, 0.2]), rel=1e-6)


# ------------------------------------------------------------------ scipy.special


@pytest.mark.parametrize("name,deriv", [
    ("j0", lambda x: -special.j1(x)),
    ("j1", lambda x: special.j0(x) - special.j1(x) / x),
    ("y0", lambda x: -special.y1(x)),
    ("y1", lambda x: special.y0(x) - special.y1(x) / x),
    ("rgamma", lambda x: -special.digamma(x) / special.gamma(x)),
])
def test_special_one_argument_against_identities(name, deriv):
    fn = getattr(special, name)
    x = np.array([0.7, 1.9, 3.3])
    np.testing.assert_allclose(tl.grad(lambda x: np.sum(fn(x)))(x), deriv(x), rtol=1e-10)
    hess = tl.hessian(lambda x: np.sum(fn(x)))(x)
    fd = (tl.grad(lambda x: np.sum(fn(x)))(x + EPS) - tl.grad(lambda x: np.sum(fn(x)))(x - EPS)) / (2 * EPS)
    np.testing.assert_allclose(np.diag(hess), fd, rtol=1e-5)


def test_bessel_integer_order_and_incomplete_gamma_beta_in_x():
    x = np.array([0.7, 1.9, 3.3])
    np.testing.assert_allclose(tl.grad(lambda x: np.sum(special.jn(2, x)))(x),
                               special.jn(1, x) - 2 * special.jn(2, x) / x, rtol=1e-10)
    np.testing.assert_allclose(tl.grad(lambda x: np.sum(special.yn(3, x)))(x),
                               special.yn(2, x) - 3 * special.yn(3, x) / x, rtol=1e-10)
    np.testing.assert_allclose(tl.grad(lambda x: np.sum(special.gammainc(2.5, x)))(x),
                               stats.gamma.pdf(x, 2.5), rtol=1e-10)
    np.testing.assert_allclose(tl.grad(lambda x: np.sum(special.gammaincc(2.5, x)))(x),
                               -stats.gamma.pdf(x, 2.5), rtol=1e-10)
    u = x / 4.0
    np.testing.assert_allclose(tl.grad(lambda u: np.sum(special.betainc(2.0, 3.0, u)))(u),
                               stats.beta.pdf(u, 2.0, 3.0), rtol=1e-10)


def test_special_refusals_and_gammasgn():
    with pytest.raises(tl.errors.NoRuleError, match=r"argument 'a' of scipy\.special\.gammainc"):
        tl.grad(lambda a: special.gammainc(a, 2.0))(1.5)
    x = np.array([-1.5, 0.5])
    np.testing.assert_array_equal(tl.grad(lambda x: np.sum(special.gammasgn(x) * x))(x), special.gammasgn(x))


def test_frozen_distribution_is_differentiated_by_the_same_rules():
    # (was refused: a distribution frozen where its method is called is that method, frozen arguments appended)
    got = tl.grad(lambda m: np.sum(stats.norm(m, 1.0).logpdf(DATA)))(0.3)
    assert got == pytest.approx(np.sum(DATA - 0.3))


# ------------------------------------------------------------------ multivariate_normal


POINTS = np.array([[0.3, -1.0, 0.5], [1.2, 0.4, -0.7], [-0.2, 0.9, 1.1], [0.0, 0.1, -0.3]])


def mvn_ll(mean, chol):
    cov = np.dot(chol, np.transpose(chol))  # a symmetric positive definite parametrization
    return np.sum(stats.multivariate_normal.logpdf(POINTS, mean, cov))


def test_multivariate_normal_log_likelihood_in_mean_and_cholesky_factor():
    mean = np.array([0.1, 0.2, -0.1])
    chol = np.array([[1.2, 0.0, 0.0], [0.3, 0.9, 0.0], [-0.4, 0.2, 1.1]])
    cov = chol @ chol.T
    g_mean, g_chol = tl.grad(mvn_ll, wrt=(0, 1))(mean, chol)
    np.testing.assert_allclose(g_mean, np.linalg.solve(cov, np.sum(POINTS - mean, axis=0)), rtol=1e-10)
    fd = np.zeros_like(chol)
    for i in np.ndindex(chol.shape):
        e = np.zeros_like(chol)
        e[i] = EPS
        fd[i] = (mvn_ll(mean, chol + e) - mvn_ll(mean, chol - e)) / (2 * EPS)
    np.testing.assert_allclose(g_chol, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.hessian(mvn_ll)(mean, chol), -len(POINTS) * np.linalg.inv(cov), rtol=1e-9)
    _, t = tl.jvp(mvn_ll, (mean, chol), (np.ones(3), np.eye(3)))
    assert t == pytest.approx(np.sum(g_mean) + np.trace(g_chol), rel=1e-9)


def test_multivariate_normal_density_in_x_and_its_cov_read_from_the_lower_triangle():
    cov = np.array([[2.0, 0.3, 0.0], [0.3, 1.5, 0.2], [0.0, 0.2, 1.0]])
    x, mean = np.array([0.4, -0.2, 0.9]), np.zeros(3)
    pdf = stats.multivariate_normal.pdf(x, mean, cov)
    got = tl.grad(lambda x: stats.multivariate_normal.pdf(x, mean, cov))(x)
    np.testing.assert_allclose(got, -pdf * np.linalg.solve(cov, x), rtol=1e-10)
    # SciPy reads the lower triangle: an upper-triangle entry carries no derivative
    g_cov = tl.grad(lambda c: stats.multivariate_normal.logpdf(x, mean, c))(cov)
    assert np.all(np.triu(g_cov, 1) == 0.0)
    p = np.linalg.solve(cov, x)
    sym = 0.5 * (np.outer(p, p) - np.linalg.inv(cov))
    np.testing.assert_allclose(g_cov, np.tril(sym) + np.tril(sym, -1), rtol=1e-10)


def test_multivariate_normal_needs_a_covariance_matrix_and_a_mean():
    x = np.array([0.4, -0.2])
    with pytest.raises(ValueError, match=r"\(k, k\) covariance matrix"):
        tl.grad(lambda m: stats.multivariate_normal.logpdf(x, m, 2.0))(np.zeros(2))
    with pytest.raises(ValueError, match="mean given"):
        tl.grad(lambda x: stats.multivariate_normal.logpdf(x, None, np.eye(2)))(x)


# ------------------------------------------------------------------ methods bound to an object, in the registry


def test_a_distribution_method_handed_to_grad_is_refused_with_what_to_write():
    with pytest.raises(tl.errors.SourceUnavailableError, match=r"lambda x: scipy\.stats\.norm\.logpdf\(x\)"):
        tl.grad(stats.norm.logpdf)(0.5)
    assert tl.grad(lambda x: stats.norm.logpdf(x))(0.5) == pytest.approx(-0.5)


class Scaled:
    def __init__(self, k):
        self.k = k

    def apply(self, x):
        return self.k * x


def test_rules_for_a_method_bound_to_one_object_are_found_at_every_access():
    first, second = Scaled(3.0), Scaled(5.0)

    @tl.defjvp(first.apply)
    def apply_jvp(x_dot, ans, x):
        return 3.0 * x_dot

    @tl.defvjp(first.apply)
    def apply_vjp(g, ans, x):
        return 3.0 * g

    registry = tl.rules.REGISTRY
    assert registry.get(first.apply) is registry.get(first.apply) is not None  # a new bound method each time
    assert registry.get(second.apply) is None  # the same function bound to another object: not this primitive
    assert tl.grad(lambda x: first.apply(x) * x)(2.0) == pytest.approx(12.0)
    assert tl.grad(lambda x: second.apply(x) * x)(2.0) == pytest.approx(20.0)  # differentiated through its source
