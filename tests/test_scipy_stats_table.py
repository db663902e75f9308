"""scipy.stats rules made from one table (rules/scipy_stats.py): the distributions and methods it adds
(laplace, expon, logistic, cauchy, lognorm; sf, logcdf and logsf of t, chi2, gamma and beta) against
central finite differences in both modes and to second order; a distribution without rules refused once,
by name, with registration code that works when pasted; frozen distributions (st.norm(m, s).logpdf(x),
a frozen distribution held in a global) differentiated by the same rules."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.rules import REGISTRY
from tangent_lite.rules.registry import _method_key

st = pytest.importorskip("scipy.stats")

X = np.array([0.35, 0.8, 1.7, 2.6])


def _fd(f, p, h=1e-6):
    p = np.asarray(p, dtype=float)
    out = np.zeros_like(p)
    for i in range(p.size):
        e = np.zeros_like(p)
        e.flat[i] = h
        out.flat[i] = (f(p + e) - f(p - e)) / (2 * h)
    return out


def _agree(f, p, rtol=1e-5, atol=1e-7):
    want = _fd(f, p)
    np.testing.assert_allclose(tl.grad(f)(p), want, rtol=rtol, atol=atol)
    v = np.linspace(0.3, 1.1, p.size)
    np.testing.assert_allclose(tl.jvp(f, (p,), (v,))[1], np.dot(want, v), rtol=rtol, atol=atol)


# (distribution, shape parameters): x is loc + scale * X, inside every support here
NEW = [("laplace", ()), ("expon", ()), ("logistic", ()), ("cauchy", ()), ("lognorm", (0.7,)),
       ("t", (3.5,)), ("chi2", (2.5,)), ("gamma", (1.8,)), ("beta", (2.0, 3.0))]
METHODS = ("logpdf", "pdf", "cdf", "sf", "logcdf", "logsf")


def _in_x_loc_scale(fn, shapes, xs):
    """p = (x scale factor, loc, scale) -> sum of fn at x = xs p[0] + p[1] (shapes written out: no '*')."""
    if not shapes:
        return lambda p: np.sum(fn(xs * p[0] + p[1], loc=p[1] - 0.05, scale=p[2]))
    if len(shapes) == 1:
        s0 = shapes[0]
        return lambda p: np.sum(fn(xs * p[0] + p[1], s0, loc=p[1] - 0.05, scale=p[2]))
    s0, s1 = shapes
    return lambda p: np.sum(fn(xs * p[0] + p[1], s0, s1, loc=p[1] - 0.05, scale=p[2]))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name,shapes", NEW, ids=[n for n, _ in NEW])
def test_every_method_in_x_loc_scale_matches_finite_differences(name, shapes, method):
    fn = getattr(getattr(st, name), method)
    _agree(_in_x_loc_scale(fn, shapes, X / 3.0 if name == "beta" else X), np.array([1.05, 0.1, 1.3]))


@pytest.mark.parametrize("name,shapes", [c for c in NEW if c[1]], ids=[n for n, s in NEW if s])
@pytest.mark.parametrize("method", ("logpdf", "pdf"))
def test_shape_parameters_match_finite_differences(name, shapes, method):
    fn = getattr(getattr(st, name), method)
    xs = X / 3.0 if name == "beta" else X
    if len(shapes) == 1:
        _agree(lambda p: np.sum(fn(xs, p[0], loc=0.0, scale=1.0)), np.array(shapes))
    else:
        _agree(lambda p: np.sum(fn(xs, p[0], p[1], loc=0.0, scale=1.0)), np.array(shapes))


@pytest.mark.parametrize("name", ["laplace", "logistic", "cauchy", "lognorm"])
def test_second_order_of_a_log_likelihood(name):
    fn = getattr(st, name).logpdf
    if name == "lognorm":
        def f(p):
            return np.sum(fn(X, 0.7, loc=p[0] - 0.2, scale=p[1]))
    else:
        def f(p):
            return np.sum(fn(X, loc=p[0] - 0.2, scale=p[1]))
    p = np.array([0.1, 1.4])
    want = np.array([_fd(lambda q, i=i: tl.grad(f)(q)[i], p) for i in range(2)])
    np.testing.assert_allclose(tl.hessian(f)(p), want, rtol=1e-5, atol=1e-6)


def test_outside_the_support_of_the_new_distributions_the_slope_is_zero():
    def f(p):
        return (np.sum(st.expon.pdf(np.array([-1.0, 0.5]), scale=p[0]))
                + np.sum(st.lognorm.cdf(np.array([-1.0, 0.5]), 0.8, scale=p[0])))
    p = np.array([1.3])
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(tl.grad(f)(p), _fd(f, p), rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------- a distribution without rules

def test_a_distribution_without_rules_is_one_refusal_naming_the_call_and_those_with_rules():
    def f(x):
        return np.sum(st.weibull_min.logpdf(x, 1.5))
    with pytest.raises(tl.errors.NoRuleError) as info:
        tl.grad(f)(X)
    text = str(info.value)
    assert "6 problems" not in text and "_parse_args" not in text and "_argcheck" not in text
    assert re.search(r"test_scipy_stats_table\.py:\d+: cannot differentiate a call to 'st\.weibull_min\.logpdf'", text)
    assert "norm (cdf, logcdf, logpdf, logsf, pdf, sf)" in text and "laplace (" in text
    assert "def weibull_min_logpdf_vjp(g, ans, x, c, loc=0.0, scale=1.0):" in text


@pytest.fixture
def gumbel_rules():
    yield
    for method in (st.gumbel_r.logpdf,):  # the rules the test registered: gone again for the other tests
        prim = REGISTRY.get(method)
        if prim is not None:
            REGISTRY._prims.pop(id(prim.fn), None)
            REGISTRY._methods.pop(_method_key(prim.fn), None)
            REGISTRY._fingerprint = None
            REGISTRY.generation += 1


def test_the_printed_registration_code_works_when_pasted(gumbel_rules, tmp_path):
    def f(x):
        return np.sum(st.gumbel_r.logpdf(x, 0.2, 1.5))
    with pytest.raises(tl.errors.NoRuleError) as info:
        tl.grad(f)(X)
    code = str(info.value).split("e.g.\n", 1)[1].split("\nor mark it constant", 1)[0]
    code = "\n".join(line[4:] for line in code.splitlines())
    # log f = -z - exp(-z), z = (x - loc) / scale: d/dx = (exp(-z) - 1) / scale
    body = "    return {seed} * (np.exp(-(x - loc) / scale) - 1.0) / scale"
    code = code.replace("    return ...  # the cotangent of x (shaped like x)", body.format(seed="g"))
    code = code.replace("    return ...  # the tangent of the output (shaped like ans)", body.format(seed="x_dot"))
    path = tmp_path / "pasted_rules.py"  # pasted into a file of the user's, and imported
    path.write_text("import numpy as np\n" + code + "\n")
    spec = importlib.util.spec_from_file_location("pasted_rules", path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    _agree(f, X)


# ---------------------------------------------------------------- frozen distributions

DATA = np.array([0.3, -1.2, 2.1, 0.8])
FROZEN = st.norm(0.5, scale=2.0)
FROZEN_T = st.t(4.0, loc=0.2)


def _reference(p):
    return np.sum(st.norm.logpdf(DATA, p[0], p[1])) + np.sum(st.gamma.cdf(np.abs(DATA) + 0.1, 2.0, scale=p[1]))


FROZEN_FORMS = [
    ("positional", lambda p: np.sum(st.norm(p[0], p[1]).logpdf(DATA))
     + np.sum(st.gamma(2.0, scale=p[1]).cdf(np.abs(DATA) + 0.1))),
    ("keywords", lambda p: np.sum(st.norm(loc=p[0], scale=p[1]).logpdf(DATA))
     + np.sum(st.gamma(a=2.0, scale=p[1]).cdf(np.abs(DATA) + 0.1))),
]


@pytest.mark.parametrize("name,f", FROZEN_FORMS, ids=[n for n, _ in FROZEN_FORMS])
def test_a_distribution_frozen_where_its_method_is_called_has_its_rules(name, f):
    p = np.array([0.4, 1.6])
    np.testing.assert_allclose(f(p), _reference(p))
    np.testing.assert_allclose(tl.grad(f)(p), tl.grad(_reference)(p), rtol=1e-12)
    np.testing.assert_allclose(tl.grad(f)(p), _fd(f, p), rtol=1e-6)
    v = np.array([0.7, -0.3])
    np.testing.assert_allclose(tl.jvp(f, (p,), (v,))[1], np.dot(_fd(f, p), v), rtol=1e-6)
    np.testing.assert_allclose(tl.hessian(f)(p), tl.hessian(_reference)(p), rtol=1e-10)


def test_a_frozen_distribution_in_a_global_differentiates_in_x():
    def f(x):
        return np.sum(FROZEN.logpdf(x)) + np.sum(FROZEN_T.cdf(x))

    def ref(x):
        return np.sum(st.norm.logpdf(x, 0.5, scale=2.0)) + np.sum(st.t.cdf(x, 4.0, loc=0.2))
    np.testing.assert_allclose(tl.grad(f)(DATA), tl.grad(ref)(DATA), rtol=1e-12)
    _agree(f, DATA)
    np.testing.assert_allclose(tl.hessian(f)(DATA), tl.hessian(ref)(DATA), rtol=1e-10, atol=1e-12)


def test_a_frozen_multivariate_normal_where_it_is_called():
    cov = np.array([[2.0, 0.3], [0.3, 1.0]])
    pts = np.array([[0.2, -0.4], [1.0, 0.5]])

    def f(mean):
        return np.sum(st.multivariate_normal(mean, cov).logpdf(pts))
    _agree(f, np.array([0.1, -0.2]))


def test_a_distribution_frozen_in_a_local_variable_has_its_rules():
    def f(p):
        d = st.norm(loc=p[0], scale=p[1])
        p = p * 3.0  # rebinding a name the frozen distribution read: it keeps the values it was made with
        return np.sum(d.logpdf(DATA)) + np.sum(d.cdf(DATA))

    def ref(p):
        return np.sum(st.norm.logpdf(DATA, loc=p[0], scale=p[1])) + np.sum(st.norm.cdf(DATA, loc=p[0], scale=p[1]))
    p = np.array([0.4, 1.6])
    np.testing.assert_allclose(tl.grad(f)(p), tl.grad(ref)(p), rtol=1e-12)
    _agree(f, p)
    np.testing.assert_allclose(tl.hessian(f)(p), tl.hessian(ref)(p), rtol=1e-10)


def test_a_distribution_frozen_in_a_loop_body():
    def f(m):
        total = 0.0
        for i in range(3):
            d = st.norm(m * i, 1.0)
            total = total + np.sum(d.logpdf(DATA))
        return total
    assert tl.grad(f)(0.4) == pytest.approx(_fd(lambda q: f(q[0]), np.array([0.4]))[0], rel=1e-7)


def test_a_local_frozen_distribution_used_otherwise_is_refused_with_what_to_write():
    def f(m):
        d = st.norm(loc=m, scale=2.0)
        return np.sum(d.logpdf(DATA)) + d.mean()
    with pytest.raises(tl.errors.TangentLiteError) as info:
        tl.grad(f)(0.3)
    text = str(info.value)
    assert "freezes a scipy.stats distribution" in text
    assert "st.norm.logpdf(x, loc=m, scale=s)" in text and "test_scipy_stats_table.py:" in text


# ---------------------------------------------------------------- binom and bernoulli, in p

K = np.array([0.0, 1.0, 3.0, 5.0])


@pytest.mark.parametrize("method", ("logpmf", "pmf", "cdf"))
def test_binom_and_bernoulli_in_p_match_finite_differences(method):
    binom, bernoulli = getattr(st.binom, method), getattr(st.bernoulli, method)

    def f(p):
        return np.sum(binom(K, 5, p[0])) + np.sum(binom(K + 1.0, 6, p[1], loc=1)) + np.sum(bernoulli(K[:2], p[:2]))
    _agree(f, np.array([0.3, 0.65]))
    want = np.array([_fd(lambda q, i=i: tl.grad(f)(q)[i], np.array([0.3, 0.65])) for i in range(2)])
    np.testing.assert_allclose(tl.hessian(f)(np.array([0.3, 0.65])), want, rtol=1e-5, atol=1e-6)


EDGES = [("binom.pmf k=0 p=0", lambda p: st.binom.pmf(0, 5, p), 0.0, -5.0),
         ("binom.pmf k=1 p=0", lambda p: st.binom.pmf(1, 5, p), 0.0, 5.0),
         ("binom.pmf k=5 p=1", lambda p: st.binom.pmf(5, 5, p), 1.0, 5.0),
         ("binom.logpmf k=0 p=0", lambda p: st.binom.logpmf(0, 5, p), 0.0, -5.0),
         ("binom.cdf k=0 p=0", lambda p: st.binom.cdf(0, 5, p), 0.0, -5.0),
         ("binom.cdf k=5 p=0.4", lambda p: st.binom.cdf(5, 5, p), 0.4, 0.0),
         ("bernoulli.pmf k=1", lambda p: st.bernoulli.pmf(1, p), 0.0, 1.0),
         ("bernoulli.logpmf k=0 p=0", lambda p: st.bernoulli.logpmf(0, p), 0.0, -1.0)]


@pytest.mark.parametrize("name,f,p,want", EDGES, ids=[c[0] for c in EDGES])
def test_binom_at_the_ends_of_p_has_the_one_sided_slope(name, f, p, want):
    with np.errstate(all="ignore"):
        assert float(tl.grad(f)(p)) == pytest.approx(want, abs=1e-12)
        assert float(tl.jvp(f, (p,), (1.0,))[1]) == pytest.approx(want, abs=1e-12)


def test_distribution_objects_of_one_class_with_different_values_do_not_share_rules():
    # rv_discrete(values=...) objects are all of one class: a rule registered on one is not another's
    a = st.rv_discrete(values=([0, 1], [0.5, 0.5]))
    b = st.rv_discrete(values=([0, 1], [0.2, 0.8]))
    assert _method_key(a.pmf) != _method_key(b.pmf)
    assert _method_key(st.norm.logpdf) == _method_key(st.norm(0.0, 2.0).dist.logpdf)


MVN = st.multivariate_normal(np.zeros(2), np.eye(2))


def test_a_frozen_multivariate_normal_in_a_global_is_refused_with_what_to_write():
    with pytest.raises(tl.errors.NoRuleError, match=r"test_scipy_stats_table\.py:\d+: cannot differentiate a call to "
                                                    r"'MVN\.logpdf': a frozen multivariate_normal") as info:
        tl.grad(lambda x: np.sum(MVN.logpdf(x)))(np.array([0.3, 1.0]))
    assert "st.multivariate_normal.logpdf(x, mean, cov)" in str(info.value)
