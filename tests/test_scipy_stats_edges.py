"""Derivatives of scipy.special / scipy.stats at the edges of their domains (breaker round 28):
checked against central finite differences and hand-derived values, in both modes."""

import numpy as np
import pytest

sp = pytest.importorskip("scipy.special")
st = pytest.importorskip("scipy.stats")

import tangent_lite as tl  # noqa: E402


def _fd(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        out.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def _rgamma_sum(x):
    return np.sum(sp.rgamma(x))


def test_rgamma_slope_at_poles_of_gamma():
    x = np.array([0.0, -1.0, -2.0, -3.0, 0.5, -0.5, 2.5])
    want = _fd(_rgamma_sum, x)
    np.testing.assert_allclose(want[:4], [1.0, -1.0, 2.0, -6.0], atol=1e-6)
    np.testing.assert_allclose(tl.grad(_rgamma_sum)(x), want, rtol=1e-6, atol=1e-6)
    v = np.linspace(0.3, 1.0, x.size)
    np.testing.assert_allclose(tl.jvp(_rgamma_sum, (x,), (v,))[1], want @ v, rtol=1e-6)


def test_rgamma_second_order_at_poles():
    x = np.array([0.0, -1.0, 0.7, 3.0])
    grad = tl.grad(_rgamma_sum)
    want = np.diag([_fd(lambda t, i=i: grad(t)[i], x)[i] for i in range(x.size)])
    np.testing.assert_allclose(tl.hessian(_rgamma_sum)(x), want, rtol=1e-5, atol=1e-5)
    # 1/Gamma(x) = x + euler_gamma x^2 + ...: second derivative 2 * euler_gamma at 0
    np.testing.assert_allclose(tl.hessian(_rgamma_sum)(x)[0, 0], 2 * np.euler_gamma, rtol=1e-10)


# ---------------------------------------------------------------- data outside the support: constant, slope 0

XS = np.array([-0.5, 0.6, 1.4])     # one point left of [0, inf) and [0, 1], one right of [0, 1]

SUPPORT_CASES = [
    ("gamma.pdf a", lambda p: np.sum(st.gamma.pdf(XS, p[0]))),
    ("gamma.logpdf a", lambda p: np.sum(st.gamma.logpdf(XS[1:], p[0]))),
    ("gamma.pdf x", lambda p: np.sum(st.gamma.pdf(XS * p[0], 2.5))),
    ("gamma.cdf loc", lambda p: np.sum(st.gamma.cdf(XS, 2.0, loc=p[0]))),
    ("gamma.cdf scale", lambda p: np.sum(st.gamma.cdf(XS, 2.0, scale=p[0]))),
    ("gamma.pdf scale", lambda p: np.sum(st.gamma.pdf(XS, 2.0, scale=p[0]))),
    ("chi2.cdf scale", lambda p: np.sum(st.chi2.cdf(XS, 3.0, scale=p[0]))),
    ("chi2.pdf df", lambda p: np.sum(st.chi2.pdf(XS, p[0]))),
    ("chi2.cdf x", lambda p: np.sum(st.chi2.cdf(XS * p[0], 3.0))),
    ("beta.pdf a", lambda p: np.sum(st.beta.pdf(XS, p[0], 3.0))),
    ("beta.pdf b", lambda p: np.sum(st.beta.pdf(XS, 2.5, p[0]))),
    ("beta.cdf loc", lambda p: np.sum(st.beta.cdf(XS, 2.0, 3.0, loc=p[0]))),
    ("beta.cdf x", lambda p: np.sum(st.beta.cdf(XS * p[0], 2.0, 3.0))),
    ("beta.logpdf x", lambda p: np.sum(np.maximum(st.beta.logpdf(XS * p[0], 2.0, 3.0), -50.0))),
]


@pytest.mark.parametrize("name,f", SUPPORT_CASES, ids=[c[0] for c in SUPPORT_CASES])
def test_outside_support_is_finite_and_matches_fd(name, f):
    p = np.array([1.1])
    want = _fd(f, p)
    assert np.all(np.isfinite(want))
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(tl.grad(f)(p), want, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(tl.jvp(f, (p,), (np.ones(1),))[1], want[0], rtol=1e-5, atol=1e-7)


def test_outside_support_slope_in_x_is_zero_both_modes():
    def f(x, a):
        return np.sum(st.gamma.pdf(x, a)) + np.sum(st.beta.pdf(x, a, 1.8))
    x = np.array([-0.5, 1.5])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(tl.grad(f)(x, 2.5), [0.0, 0.0])
        assert tl.jvp(f, (x, 2.5), (np.array([1.0, 1.0]), 0.0))[1] == 0.0


def test_exponential_density_at_zero_python_floats():
    # gamma(a=1) at x = loc is the exponential density 1/s: d/ds = -1/s^2, no ZeroDivisionError
    def f(s):
        return st.gamma.pdf(0.0, 1.0, scale=s)
    assert tl.grad(f)(1.5) == pytest.approx(-1 / 1.5 ** 2)
    assert tl.jvp(f, (1.5,), (1.0,))[1] == pytest.approx(-1 / 1.5 ** 2)


def test_second_order_outside_support():
    def f(a):
        return np.sum(st.gamma.pdf(XS, a))
    h = 1e-5
    want = (tl.grad(f)(2.5 + h) - tl.grad(f)(2.5 - h)) / (2 * h)
    with np.errstate(all="ignore"):
        assert tl.grad(tl.grad(f))(2.5) == pytest.approx(want, rel=1e-5)


# ---------------------------------------------------------------- on the edge of the support (Python floats)
# where the density there is finite and nonzero, the one-sided slope SciPy's values have

EDGE_CASES = [
    ("chi2.cdf df=2 x=0", lambda x: st.chi2.cdf(x, 2.0), 0.0, 0.5),
    ("gamma.cdf a=1 x=0", lambda x: st.gamma.cdf(x, 1.0), 0.0, 1.0),
    ("gamma.cdf a=1 scale", lambda s: st.gamma.cdf(0.0, 1.0, scale=s), 2.0, 0.0),
    ("beta.cdf a=1 x=0", lambda x: st.beta.cdf(x, 1.0, 2.0), 0.0, 2.0),
    ("beta.cdf b=1 x=1", lambda x: st.beta.cdf(x, 2.0, 1.0), 1.0, 2.0),
    ("beta.pdf a=1 x=0", lambda x: st.beta.pdf(x, 1.0, 2.0), 0.0, -2.0),
    ("beta.logpdf a=1 x=0", lambda x: st.beta.logpdf(x, 1.0, 2.0), 0.0, -1.0),
    ("gamma.pdf a=1 x=0", lambda x: st.gamma.pdf(x, 1.0), 0.0, -1.0),
    ("gamma.logpdf a=1 x=0", lambda x: st.gamma.logpdf(x, 1.0), 0.0, -1.0),
    ("gamma.logpdf a=1 scale", lambda s: st.gamma.logpdf(0.0, 1.0, scale=s), 2.0, -0.5),
    ("chi2.pdf df=2 x=0", lambda x: st.chi2.pdf(x, 2.0), 0.0, -0.25),
    ("chi2.pdf df=2 scale", lambda s: st.chi2.pdf(0.0, 2.0, scale=s), 2.0, -0.125),
    ("poisson.pmf k=0 mu=0", lambda m: st.poisson.pmf(0, m), 0.0, -1.0),
    ("poisson.pmf k=1 mu=0", lambda m: st.poisson.pmf(1, m), 0.0, 1.0),
    ("poisson.pmf k=2 mu=0", lambda m: st.poisson.pmf(2, m), 0.0, 0.0),
    ("poisson.logpmf k=0 mu=0", lambda m: st.poisson.logpmf(0, m), 0.0, -1.0),
    ("poisson.cdf k=0 mu=0", lambda m: st.poisson.cdf(0, m), 0.0, -1.0),
]


@pytest.mark.parametrize("name,f,x,want", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_edge_of_support(name, f, x, want):
    with np.errstate(all="ignore"):
        assert float(tl.grad(f)(x)) == pytest.approx(want, abs=1e-12)
        assert float(tl.jvp(f, (x,), (1.0,))[1]) == pytest.approx(want, abs=1e-12)


def test_poisson_pmf_slope_is_pmf_difference():
    k = np.array([0, 1, 2, 5])

    def f(mu):
        return np.sum(st.poisson.pmf(k, mu) * np.array([1.0, 2.0, 3.0, 4.0]))
    for mu in (0.3, 2.0, 7.5):
        want = _fd(lambda p: f(p[0]), np.array([mu]))[0]
        assert float(tl.grad(f)(mu)) == pytest.approx(want, rel=1e-6)
        h = 1e-5
        want2 = (tl.grad(f)(mu + h) - tl.grad(f)(mu - h)) / (2 * h)
        assert float(tl.grad(tl.grad(f))(mu)) == pytest.approx(want2, rel=1e-5)


# ---------------------------------------------------------------- dirichlet: x of K - 1 components (SciPy completes it)

AL3 = np.array([1.5, 2.0, 3.0])


@pytest.mark.parametrize("method", ["logpdf", "pdf"])
@pytest.mark.parametrize("x", [np.array([0.3, 0.2]), np.array([[0.3, 0.1], [0.2, 0.6]])], ids=["(2,)", "(2, 2)"])
def test_dirichlet_short_x_matches_fd(method, x):
    fn = getattr(st.dirichlet, method)

    def f(x, al):
        return np.sum(fn(x, al) * np.arange(1.0, 1.0 + np.size(fn(x, al))))
    for wrt, arg in ((0, x), (1, AL3)):
        want = _fd(lambda v, wrt=wrt: f(v, AL3) if wrt == 0 else f(x, v), arg)
        np.testing.assert_allclose(tl.grad(f, wrt=wrt)(x, AL3), want, rtol=1e-6)
        v = np.linspace(0.2, 0.9, arg.size).reshape(arg.shape)
        dirs = (v, np.zeros_like(AL3)) if wrt == 0 else (np.zeros_like(x), v)
        assert tl.jvp(f, (x, AL3), dirs)[1] == pytest.approx(np.sum(want * v), rel=1e-6)


def test_dirichlet_k2_alpha_gradient_uses_completed_x():
    def g(a):
        return st.dirichlet.logpdf(np.array([0.3]), a)
    al = np.array([1.5, 2.0])
    np.testing.assert_allclose(tl.grad(g)(al), _fd(g, al), rtol=1e-6)
    h = 1e-5
    want = np.array([(tl.grad(g)(al + h * e) - tl.grad(g)(al - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(tl.hessian(g)(al), want, rtol=1e-5)


def test_dirichlet_short_x_second_order_in_x():
    def f(x):
        return st.dirichlet.logpdf(x, AL3)
    x = np.array([0.3, 0.2])
    h = 1e-5
    want = np.array([(tl.grad(f)(x + h * e) - tl.grad(f)(x - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(tl.hessian(f)(x), want, rtol=1e-5)


def test_dirichlet_wrong_number_of_components_is_refused():
    def f(a):
        return st.dirichlet.logpdf(np.array([0.3, 0.2, 0.1, 0.4]), a)
    with pytest.raises(ValueError, match="one entry fewer"):   # SciPy's own refusal, from the primal call
        tl.grad(f)(AL3)
    with pytest.raises(ValueError, match="3 .or 2. components"):
        tl.runtime.dirichlet_x(np.array([0.3, 0.2, 0.1, 0.4]), AL3)


# ---------------------------------------------------------------- multivariate_normal: SciPy's shapes of x

DATA1 = np.array([0.3, -0.2, 1.0])
C2 = np.array([[2.0, 0.3], [0.3, 1.0]])
X3 = np.linspace(-1.0, 1.2, 12).reshape(2, 3, 2)


def _mvn_1d(m, c):
    return -np.sum(st.multivariate_normal.logpdf(DATA1 * m[0], m, c))


def _mvn_3d(x, m):
    return np.sum(st.multivariate_normal.pdf(x, m, C2))


def test_mvn_one_dimensional_x_is_n_points():
    m, c = np.array([0.1]), np.array([[2.0]])
    assert _mvn_1d(m, c) == pytest.approx(-np.sum(st.norm.logpdf(DATA1 * 0.1, 0.1, np.sqrt(2.0))))
    for wrt, arg in ((0, m), (1, c)):
        want = _fd(lambda v, wrt=wrt: _mvn_1d(v, c) if wrt == 0 else _mvn_1d(m, v), arg)
        np.testing.assert_allclose(tl.grad(_mvn_1d, wrt=wrt)(m, c), want, rtol=1e-6)
        dirs = (np.ones(1), np.zeros((1, 1))) if wrt == 0 else (np.zeros(1), np.ones((1, 1)))
        assert tl.jvp(_mvn_1d, (m, c), dirs)[1] == pytest.approx(np.sum(want), rel=1e-6)
    h = 1e-5
    want2 = (tl.grad(_mvn_1d)(m + h, c) - tl.grad(_mvn_1d)(m - h, c)) / (2 * h)
    np.testing.assert_allclose(tl.hessian(_mvn_1d)(m, c).reshape(1), want2, rtol=1e-5)


def test_mvn_x_with_two_leading_axes():
    m = np.array([0.1, -0.2])
    for wrt, arg in ((0, X3), (1, m)):
        want = _fd(lambda v, wrt=wrt: _mvn_3d(v, m) if wrt == 0 else _mvn_3d(X3, v), arg)
        np.testing.assert_allclose(tl.grad(_mvn_3d, wrt=wrt)(X3, m), want, rtol=1e-6, atol=1e-10)
        v = np.linspace(0.1, 0.9, arg.size).reshape(arg.shape)
        dirs = (v, np.zeros(2)) if wrt == 0 else (np.zeros_like(X3), v)
        assert tl.jvp(_mvn_3d, (X3, m), dirs)[1] == pytest.approx(np.sum(want * v), rel=1e-6)


# ---------------------------------------------------------------- Python lists as arguments (read as arrays)

def _list_x(mu):
    return np.sum(st.norm.logpdf([0.3, 0.8], mu, 1.5))


def _list_traced(x):
    return np.sum(sp.jv(1.5, [x[0] + 1.0, x[1] + 1.0])) + np.sum(sp.erf([x[0], 2.0 * x[1]]))


def _list_mvn(x):
    return st.multivariate_normal.logpdf([x[0], x[1]], [0.1, 0.2], cov=[[x[0] + 2.0, 0.3], [0.3, 1.0]])


def _list_poisson(x):
    return (np.sum(st.poisson.logpmf([0, 2], [x[0] + 1.0, x[1] + 1.0]))
            + np.sum(st.gamma.logpdf([1.3, 0.8], [x[0] + 2, 2.5])))


@pytest.mark.parametrize("f", [_list_traced, _list_mvn, _list_poisson])
def test_list_arguments_both_modes_and_second_order(f):
    x = np.array([0.4, 0.7])
    want = _fd(f, x)
    np.testing.assert_allclose(tl.grad(f)(x), want, rtol=1e-6)
    assert tl.jvp(f, (x,), (np.array([1.0, -2.0]),))[1] == pytest.approx(want @ [1.0, -2.0], rel=1e-6)
    grad = tl.grad(f)
    h = 1e-5
    want2 = np.array([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(tl.hessian(f)(x), want2, rtol=1e-4, atol=1e-7)


def test_list_data_argument():
    want = _fd(lambda p: _list_x(p[0]), np.array([0.2]))[0]
    assert tl.grad(_list_x)(0.2) == pytest.approx(want, rel=1e-6)
    assert tl.jvp(_list_x, (0.2,), (1.0,))[1] == pytest.approx(want, rel=1e-6)


# ---------------------------------------------------------------- a rebound scipy.special name leaves other rules alone

def _gammaln_of(x):
    return sp.gammaln(x) + st.gamma.logpdf(1.3, x)


def _j0_of(x):
    return sp.j0(x)


def test_patching_digamma_does_not_change_other_derivatives(monkeypatch):
    x = 0.35
    want = _fd(lambda p: _gammaln_of(p[0]), np.array([x]))[0]
    original = sp.digamma
    for patch in (lambda v: original(v) + 1.0, sp.j0):
        monkeypatch.setattr(sp, "digamma", patch)
        assert tl.grad(_gammaln_of)(x) == pytest.approx(want, rel=1e-6)
        assert tl.jvp(_gammaln_of, (x,), (1.0,))[1] == pytest.approx(want, rel=1e-6)


def test_a_name_rebound_to_another_ufunc_is_differentiated_as_that_ufunc(monkeypatch):
    monkeypatch.setattr(sp, "j0", sp.j1)   # _j0_of now computes j1: its derivative is j1's
    want = _fd(lambda p: _j0_of(p[0]), np.array([0.35]))[0]
    assert tl.grad(_j0_of)(0.35) == pytest.approx(want, rel=1e-6)
