"""scipy.stats at limits SciPy evaluates (breaker round 29, #8): Student t with df = inf (SciPy's values
are the normal distribution's) or a huge finite df, data x = +-inf (constant pdf 0, cdf 0 or 1),
infinite shapes, and discrete data outside the support (below loc, above n, not an integer, infinite),
where logpmf is -inf for every parameter: slope 0, the convention of the other supports.  Checked
against central (or one-sided) finite differences and hand formulas, in both modes."""

import numpy as np
import pytest

st = pytest.importorskip("scipy.stats")

import tangent_lite as tl  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
METHODS = ("logpdf", "pdf", "cdf", "sf", "logcdf", "logsf")
BASE = {"loc": 0.2, "scale": 1.3, "df": 3.5, "a": 2.5, "b": 1.5, "s": 0.7}
SHAPES = {"t": ("df",), "chi2": ("df",), "gamma": ("a",), "beta": ("a", "b"), "lognorm": ("s",)}
DISTS = ("norm", "t", "chi2", "gamma", "beta", "expon", "laplace", "logistic", "cauchy", "lognorm")
PARAMS = ("loc", "scale", "a", "b")       # a, b: the distribution's shapes (unused if it has fewer)


def _fd(f, p, h=1e-6):
    up, down = f(p + h), f(p - h)
    if np.isfinite(up) and np.isfinite(down):
        return (up - down) / (2 * h)
    here = f(p)
    return (up - here) / h if np.isfinite(up) else (here - down) / h


def _both_modes(f, p, args=(), i=0):
    """d f / d (argument i) at args with p in place i, by tl.grad and tl.jvp (the others held)."""
    full = list(args) or [p]
    full[i] = p
    return (float(tl.grad(f, wrt=i)(*full)),
            float(tl.jvp(f, tuple(full), (1.0,), wrt=(f.__code__.co_varnames[i],))[1]))


def _dist_fn(dist, method, x):
    """f(loc, scale, a, b) = sum(dist.method(x, <shapes from a, b>, loc, scale))."""
    fn = getattr(getattr(st, dist), method)
    n = len(SHAPES.get(dist, ()))
    if n == 0:
        def f(loc, scale, a, b):
            return np.sum(fn(x, loc=loc, scale=scale))
    elif n == 1:
        def f(loc, scale, a, b):
            return np.sum(fn(x, a, loc=loc, scale=scale))
    else:
        def f(loc, scale, a, b):
            return np.sum(fn(x, a, b, loc=loc, scale=scale))
    return f


def _args(dist, **fixed):
    shapes = [BASE[s] for s in SHAPES.get(dist, ())] + [0.0, 0.0]
    args = [BASE["loc"], BASE["scale"], shapes[0], shapes[1]]
    for k, v in fixed.items():
        args[PARAMS.index(k)] = v
    return args


# ---------------------------------------------------------------- x = +-inf: a constant, whatever the parameters

INF_CASES = [(d, m, a) for d in DISTS for m in METHODS
             for a in ("loc", "scale") + (("a", "b")[:len(SHAPES.get(d, ()))] if m in ("logpdf", "pdf") else ())]


@pytest.mark.parametrize("dist,method,arg", INF_CASES, ids=["-".join(c) for c in INF_CASES])
def test_infinite_data_adds_slope_zero(dist, method, arg):
    args, i = _args(dist), PARAMS.index(arg)
    finite = _dist_fn(dist, method, np.array([0.7]))
    want = _fd(lambda p: finite(*args[:i], p, *args[i + 1:]), args[i])
    for got in _both_modes(_dist_fn(dist, method, np.array([-np.inf, 0.7, np.inf])), args[i], args, i):
        assert got == pytest.approx(want, rel=1e-5, abs=1e-8)
    assert _both_modes(_dist_fn(dist, method, np.array([-np.inf, np.inf])), args[i], args, i) == (0.0, 0.0)


# ---------------------------------------------------------------- Student t at df = inf (the normal) and huge df

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("df", [np.inf, 1e20, 1e12, 1e6])
@pytest.mark.parametrize("i", [0, 2, 3], ids=["x", "loc", "scale"])
def test_t_at_infinite_and_huge_df_is_the_normal(method, df, i):
    fn, normal = getattr(st.t, method), getattr(st.norm, method)

    def f(x, df, loc, scale):
        return fn(x, df, loc=loc, scale=scale)
    args = [0.3, df, BASE["loc"], BASE["scale"]]
    if df < 1e10:
        want = _fd(lambda p: f(*args[:i], p, *args[i + 1:]), args[i])
    else:           # SciPy's t is the normal there (to the last digit at df = 1e20)
        want = _fd(lambda p: normal(*[a for j, a in enumerate(args[:i] + [p] + args[i + 1:]) if j != 1]), args[i])
    for got in _both_modes(f, args[i], args, i):
        assert got == pytest.approx(want, rel=1e-5)


def test_t_logpdf_at_infinite_df_hand_formulas():
    # logpdf = -z^2/2 - log(scale sqrt(2 pi)), z = (x - loc) / scale; d/ddf = 0 (the limit of a slope ~ 1/df^2)
    x, loc, scale = 0.3, 0.2, 1.3
    z = (x - loc) / scale
    assert _both_modes(lambda x: st.t.logpdf(x, np.inf, loc, scale), x) == pytest.approx((-z / scale,) * 2)
    assert _both_modes(lambda s: st.t.logpdf(x, np.inf, loc, s), scale) == pytest.approx(((z * z - 1) / scale,) * 2)
    assert _both_modes(lambda df: st.t.logpdf(x, df, loc, scale), np.inf) == (0.0, 0.0)
    assert _both_modes(lambda df: st.t.pdf(x, df, loc, scale), np.inf) == (0.0, 0.0)
    assert float(tl.hessian(lambda x: st.t.logpdf(x, np.inf, loc, scale))(x)) == pytest.approx(-1 / scale ** 2)
    assert _both_modes(lambda x: st.t.cdf(x, np.inf), 0.3) == pytest.approx((float(st.norm.pdf(0.3)),) * 2)


@pytest.mark.parametrize("df", [0.8, 3.5, 40.0])
@pytest.mark.parametrize("method", ["logpdf", "pdf"])
def test_t_slope_in_df_matches_fd(method, df):
    fn = getattr(st.t, method)

    def f(d):
        return fn(np.array([-1.5, 0.3, 2.0]), d, 0.2, 1.3) @ np.array([1.0, 2.0, 3.0])
    want = _fd(f, df, h=1e-6 * df)
    for got in _both_modes(f, df):
        assert got == pytest.approx(want, rel=1e-5, abs=1e-12)


def test_t_slope_in_df_at_large_df_matches_mpmath():
    # finite differences of SciPy's logpdf lose the slope (~1e-8) at df = 1e4: an exact reference instead
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40

    def exact_logpdf(df, x):
        z = (mp.mpf(x) - mp.mpf("0.2")) / mp.mpf("1.3")
        return (mp.loggamma((df + 1) / 2) - mp.loggamma(df / 2) - mp.log(mp.sqrt(df * mp.pi) * mp.mpf("1.3"))
                - (df + 1) / 2 * mp.log(1 + z * z / df))
    xs, df = (-1.5, 0.3, 2.0), 1e4
    want = float(mp.diff(lambda d: sum(exact_logpdf(d, x) for x in xs), mp.mpf(df)))

    def f(d):
        return np.sum(st.t.logpdf(np.array(xs), d, 0.2, 1.3))
    for got in _both_modes(f, df):
        assert got == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("dist", ["chi2", "gamma", "lognorm"])
@pytest.mark.parametrize("method", METHODS)
def test_infinite_shape_is_a_constant(dist, method):
    # SciPy: gamma(a = inf).pdf is 0 and .cdf 0 for every x, lognorm(s = inf).cdf 0.5: slope 0 in loc, scale
    f, args = _dist_fn(dist, method, np.array([0.7, 2.0])), _args(dist, a=np.inf)
    for i in (0, 1):
        assert _both_modes(f, args[i], args, i) == (0.0, 0.0)


# ---------------------------------------------------------------- discrete: outside the support, slope 0

OUTSIDE = {  # (k, loc) with k - loc not a count of the distribution (n = 4 for binom)
    "poisson": [(0, 1), (-1, 0), (-np.inf, 0)],
    "binom": [(0, 1), (-1, 0), (5, 0), (6, 1), (np.inf, 0), (-np.inf, 0)],
    "bernoulli": [(0, 1), (-1, 0), (2, 0), (3, 1), (np.inf, 0), (-np.inf, 0)],
}
NOT_COUNTS = {"poisson": [(2.5, 0), (3.5, 1)], "binom": [(2.5, 0)], "bernoulli": [(0.5, 0)]}  # cdf: steps there
DISCRETE = {
    "poisson": (lambda m, k, p, loc: m(k, p, loc=loc), 1.5),
    "binom": (lambda m, k, p, loc: m(k, 4, p, loc=loc), 0.3),
    "bernoulli": (lambda m, k, p, loc: m(k, p, loc=loc), 0.3),
}
DISC_CASES = ([(d, m, k, loc) for d in OUTSIDE for m in ("logpmf", "pmf", "cdf") for k, loc in OUTSIDE[d]]
              + [(d, m, k, loc) for d in NOT_COUNTS for m in ("logpmf", "pmf") for k, loc in NOT_COUNTS[d]])


@pytest.mark.parametrize("dist,method,k,loc", DISC_CASES, ids=[f"{d}-{m}-{k}-{loc}" for d, m, k, loc in DISC_CASES])
def test_discrete_outside_support_slope_zero(dist, method, k, loc):
    call, p = DISCRETE[dist]
    fn = getattr(getattr(st, dist), method)

    def f(q):
        return call(fn, k, q, loc)
    assert _both_modes(f, p) == (0.0, 0.0)


@pytest.mark.parametrize("dist", list(DISCRETE))
@pytest.mark.parametrize("method", ["logpmf", "pmf", "cdf"])
def test_discrete_mixed_data_with_loc_matches_fd(dist, method):
    # counts inside the support with loc, next to points outside it (which add a constant)
    call, p = DISCRETE[dist]
    fn = getattr(getattr(st, dist), method)
    ks = {"poisson": [1.0, 3.0, 4.0], "binom": [1.0, 3.0, 5.0], "bernoulli": [1.0, 2.0, 1.0]}[dist]
    extra = [0.0, -2.0, 0.5] + ([9.0] if dist != "poisson" else []) + ([2.5] if method != "cdf" else [])

    def inside(q):
        return np.sum(call(fn, np.array(ks), q, 1.0) * np.array([1.0, 2.0, 3.0]))

    def mixed(q):
        vals = call(fn, np.array(ks + extra), q, 1.0) * np.array([1.0, 2.0, 3.0] + [1.0] * len(extra))
        return np.sum(np.where(np.isfinite(vals), vals, 0.0))
    want = _fd(inside, p)
    for got in _both_modes(mixed, p):
        assert got == pytest.approx(want, rel=1e-6)
