"""Rules for the distributions of ``scipy.stats`` (registered only when SciPy is importable), as a table.

``st.norm.pdf(x, 0., 1.)`` calls a method bound to the distribution object ``st.norm`` (a new
bound method at every access): the registry finds it by the object and the function
(``Registry.get``), and the call stays as the user wrote it.  Parameters are SciPy's, by position
or by name (``loc=``, ``scale=``, the shape parameters ``df``, ``a``, ``b``, ``s``, ``mu``, ``alpha``).

With ``z = (x - loc) / scale`` every continuous density here is ``f(z) / scale``, so with
``h = d log f / dz``::

    d logpdf / dx = h / scale      d logpdf / dloc = -h / scale      d logpdf / dscale = -(z h + 1) / scale

``pdf``'s derivatives are ``pdf`` times ``logpdf``'s; ``cdf``'s are the density times
``(1, -1, -z)``, ``sf``'s minus those; ``logcdf``'s and ``logsf``'s divide by ``cdf`` / ``sf``
(``exp(logpdf - ans)``).  So a continuous distribution is its table row: ``h`` (``SCORE``), the log
density (``DENSITY``), the scores of its shape parameters (for ``pdf`` and ``logpdf``) and its
support (outside it every derivative is 0).  Each (distribution, method, argument) becomes one JVP and
one VJP rule, written out as source text (``_rule``) and parsed like any rule.  Every formula is NumPy
and ``scipy.special`` code with rules, so derivatives of derivatives work.  A parameter without a rule
(``t.cdf``'s ``df``: no closed form) is refused when it is differentiated.

Limits SciPy evaluates keep its values' slopes: at ``x = +-inf`` (and infinite shapes: ``gamma(a=inf)``'s pdf
is 0 everywhere) every partial is 0; ``t`` with ``df = inf`` is the normal distribution (its rows read ``df``
only where it is finite, and the density uses ``betaln``, exact to the last digits at ``df = 1e20``).
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

import numpy as np  # noqa: F401  (the rules' names: they are executed in this module's namespace)
import scipy.stats as stats

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp

Lines = Tuple[str, ...]

# ================================================================ continuous, located and scaled
# (signature, support (bounded: 0 outside), SCORE lines (define h and d_<shape>), DENSITY lines (define logpdf), shapes)
# A distribution with a support reads z only inside it (z = 0.5 elsewhere, where the mask gives 0).

_ON_HALF_LINE = ("z_raw = (x - loc) / scale", "inside = z_raw > 0.0", "support = z_raw >= 0.0",
                 "z = np.where(inside, z_raw, 0.5)")
_CLOSED_HALF_LINE = ("z_raw = (x - loc) / scale", "support = z_raw >= 0.0", "z_closed = np.where(support, z_raw, 0.5)")
_ON_UNIT = ("z_raw = (x - loc) / scale", "support = (z_raw >= 0.0) & (z_raw <= 1.0)",
            "z = np.where(z_raw > 0.0, z_raw, 0.5)", "z_hi = np.where(z_raw < 1.0, z_raw, 0.5)")
_Z = ("z = (x - loc) / scale",)
_T_DF = ("df_finite = df < np.inf", "nu = np.where(df_finite, df, 1.0)")
# 1 / (sqrt(df) B(df/2, 1/2)) is gamma((df+1)/2) / (gamma(df/2) sqrt(df pi)) without the cancellation of two
# gammaln's (which loses every digit of the density at df = 1e20)
_T_LOG_DENSITY = ("logpdf = np.where(df_finite, -0.5 * np.log(nu) - _tl.special.betaln(0.5 * nu, 0.5) "
                  "- 0.5 * (nu + 1.0) * np.log1p(z * z / nu), -0.5 * z * z - 0.5 * np.log(2.0 * np.pi)) "
                  "- np.log(scale)")
_ALL = ("logpdf", "pdf", "cdf", "sf", "logcdf", "logsf")

LOCATED: Dict[str, dict] = {
    # log f = -z^2/2 - log(2 pi)/2
    "norm": dict(sig="x, loc=0.0, scale=1.0", support=False, shapes=(),
                 score=_Z + ("h = -z",),
                 density=_Z + ("logpdf = -0.5 * z * z - np.log(scale * np.sqrt(2.0 * np.pi))",)),
    # log f = gammaln((df+1)/2) - gammaln(df/2) - log(df pi)/2 - (df+1)/2 log(1 + z^2/df)
    # (df = inf is the normal distribution, as in SciPy: h = -z, d_df = 0; the rules read df only where it is finite)
    "t": dict(sig="x, df, loc=0.0, scale=1.0", support=False, shapes=("df",), finite=("x",),
              score=_Z + _T_DF + (
                  "h = np.where(df_finite, -(nu + 1.0) * z / (nu + z * z), -z)",
                  "d_df = np.where(df_finite, 0.5 * (_tl.special.digamma(0.5 * (nu + 1.0)) "
                  "- _tl.special.digamma(0.5 * nu) - 1.0 / nu - np.log1p(z * z / nu) "
                  "+ (nu + 1.0) * z * z / (nu * (nu + z * z))), 0.0)"),
              density=_Z + _T_DF + (_T_LOG_DENSITY,)),
    # log f = (df/2 - 1) log(z) - z/2 - df/2 log(2) - gammaln(df/2) on z >= 0
    "chi2": dict(sig="x, df, loc=0.0, scale=1.0", support=True, shapes=("df",),
                 score=_ON_HALF_LINE + ("h = (0.5 * df - 1.0) / z - 0.5",
                                        "d_df = 0.5 * (np.log(0.5 * z) - _tl.special.digamma(0.5 * df))"),
                 density=_CLOSED_HALF_LINE + (
                     "logpdf = (_tl.special.xlogy(0.5 * df - 1.0, z_closed) - 0.5 * z_raw - 0.5 * df * np.log(2.0) "
                     "- _tl.special.gammaln(0.5 * df) - np.log(scale))",)),
    # log f = (a - 1) log(z) - z - gammaln(a) on z >= 0
    "gamma": dict(sig="x, a, loc=0.0, scale=1.0", support=True, shapes=("a",),
                  score=_ON_HALF_LINE + ("h = (a - 1.0) / z - 1.0", "d_a = np.log(z) - _tl.special.digamma(a)"),
                  density=_CLOSED_HALF_LINE + (
                      "logpdf = (_tl.special.xlogy(a - 1.0, z_closed) - z_raw - _tl.special.gammaln(a) "
                      "- np.log(scale))",)),
    # log f = (a - 1) log(z) + (b - 1) log(1 - z) - betaln(a, b) on 0 <= z <= 1
    "beta": dict(sig="x, a, b, loc=0.0, scale=1.0", support=True, shapes=("a", "b"),
                 score=_ON_UNIT + ("h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)",
                                   "d_a = np.log(z) - _tl.special.digamma(a) + _tl.special.digamma(a + b)",
                                   "d_b = np.log1p(-z_hi) - _tl.special.digamma(b) + _tl.special.digamma(a + b)"),
                 density=("z_raw = (x - loc) / scale", "support = (z_raw >= 0.0) & (z_raw <= 1.0)",
                          "z_closed = np.where(support, z_raw, 0.5)",
                          "logpdf = (_tl.special.xlogy(a - 1.0, z_closed) + _tl.special.xlog1py(b - 1.0, -z_closed) "
                          "- _tl.special.betaln(a, b) - np.log(scale))")),
    # log f = -z on z >= 0
    "expon": dict(sig="x, loc=0.0, scale=1.0", support=True, shapes=(),
                  score=("z_raw = (x - loc) / scale", "support = z_raw >= 0.0", "h = -1.0"),
                  density=("z_raw = (x - loc) / scale", "support = z_raw >= 0.0", "logpdf = -z_raw - np.log(scale)")),
    # log f = -|z| - log(2) (at z = 0 the slope sign(0) = 0: the mean of the two one-sided ones)
    "laplace": dict(sig="x, loc=0.0, scale=1.0", support=False, shapes=(),
                    score=_Z + ("h = -np.sign(z)",),
                    density=_Z + ("logpdf = -np.abs(z) - np.log(2.0 * scale)",)),
    # log f = -z - 2 log(1 + exp(-z))
    "logistic": dict(sig="x, loc=0.0, scale=1.0", support=False, shapes=(),
                     score=_Z + ("h = -np.tanh(0.5 * z)",),
                     density=_Z + ("logpdf = -np.abs(z) - 2.0 * np.log1p(np.exp(-np.abs(z))) - np.log(scale)",)),
    # log f = -log(pi) - log(1 + z^2)
    "cauchy": dict(sig="x, loc=0.0, scale=1.0", support=False, shapes=(),
                   score=_Z + ("h = -2.0 * z / (1.0 + z * z)",),
                   density=_Z + ("logpdf = -np.log(np.pi * scale) - np.log1p(z * z)",)),
    # log f = -log(s z sqrt(2 pi)) - log(z)^2 / (2 s^2) on z > 0
    "lognorm": dict(sig="x, s, loc=0.0, scale=1.0", support=True, shapes=("s",),
                    score=("z_raw = (x - loc) / scale", "support = z_raw > 0.0", "z = np.where(support, z_raw, 1.0)",
                           "h = -(1.0 + np.log(z) / (s * s)) / z", "d_s = (np.log(z) ** 2 / (s * s) - 1.0) / s"),
                    density=("z_raw = (x - loc) / scale", "support = z_raw > 0.0", "z = np.where(support, z_raw, 1.0)",
                             "logpdf = (-np.log(s * z * scale * np.sqrt(2.0 * np.pi)) "
                             "- np.log(z) ** 2 / (2.0 * s * s))")),
}

# d cdf and d sf / d (x, loc, scale) in the density p = exp(logpdf) (logcdf's, logsf's: p / ans = exp(logpdf - ans))
_TAILS = {"cdf": ("{p}", "-{p}", "-{z} * {p}"), "sf": ("-{p}", "{p}", "{z} * {p}")}


def _located_partials(row: dict) -> Dict[str, Dict[str, Tuple[Lines, str]]]:
    """method -> argument -> (lines, partial derivative) of one LOCATED row."""
    z = "z_raw" if row["support"] else "z"
    score = {"x": "h / scale", "loc": "-h / scale", "scale": f"-({z} * h + 1.0) / scale",
             **{s: f"d_{s}" for s in row["shapes"]}}
    out: Dict[str, Dict[str, Tuple[Lines, str]]] = {
        "logpdf": {a: (row["score"], f) for a, f in score.items()},
        "pdf": {a: (row["score"], f"ans * ({f})") for a, f in score.items()}}
    for method, density in (("cdf", "np.exp(logpdf)"), ("sf", "np.exp(logpdf)"),
                            ("logcdf", "np.exp(logpdf - ans)"), ("logsf", "np.exp(logpdf - ans)")):
        out[method] = {a: (row["density"], f.format(z=z, p=density))
                       for a, f in zip(("x", "loc", "scale"), _TAILS[method.replace("log", "")])}
    return out


# ================================================================ discrete, in their parameter
# poisson (k, mu, loc=0): logpmf = (k - loc) log(mu) - mu - gammaln(k - loc + 1); cdf = sum of pmf(j) for
# j <= k - loc, whose derivative telescopes to -pmf(floor(k - loc)).  pmf's derivative is pmf(k - 1) - pmf(k)
# (finite at mu = 0, where k / mu * pmf(k) is 0 / 0); logpmf's reads mu only where k - loc != 0 (slope -1 at
# k = 0, mu = 0).  Where k - loc is not a count (below 0, above n, not an integer, infinite) logpmf is -inf and
# pmf 0 for every parameter: slope 0, as for the continuous supports (cdf is a step function of k there)
_POISSON_PREV = ("m = k - loc", "counted = (m >= 1.0) & (m == np.floor(m)) & (m < np.inf)",
                 "m_prev = np.where(counted, m - 1.0, 0.0)",
                 "pmf_prev = np.where(counted, np.exp(_tl.special.xlogy(m_prev, mu) - mu "
                 "- _tl.special.gammaln(m_prev + 1.0)), 0.0)")
# binom (k, n, p, loc=0): logpmf = log C(n, m) + m log(p) + (n - m) log(1 - p), m = k - loc; its p-score reads p
# only where m > 0 and 1 - p only where m < n (finite at p = 0 and 1).  pmf's derivative is n (b(m - 1) - b(m)),
# cdf's -n b(floor(m)), with b(j) the pmf of binom(n - 1, p) at j (0 outside 0 <= j <= n - 1).  bernoulli is n = 1.
_B_PREV = "b_prev = np.where(prev, np.exp(_tl.special.gammaln(n) - _tl.special.gammaln(j_prev + 1.0) " \
          "- _tl.special.gammaln(n - j_prev) + _tl.special.xlogy(j_prev, p) " \
          "+ _tl.special.xlog1py(n - 1.0 - j_prev, -p)), 0.0)"
_B_HERE = "b_here = np.where(here, np.exp(_tl.special.gammaln(n) - _tl.special.gammaln(j + 1.0) " \
          "- _tl.special.gammaln(n - j) + _tl.special.xlogy(j, p) + _tl.special.xlog1py(n - 1.0 - j, -p)), 0.0)"
_BINOM_PMF = ("m = k - loc", "prev = (m >= 1.0) & (m <= n) & (m == np.floor(m))",
              "j_prev = np.where(prev, m - 1.0, 0.0)", _B_PREV,
              "here = (m >= 0.0) & (m <= n - 1.0) & (m == np.floor(m))", "j = np.where(here, m, 0.0)", _B_HERE)
_BINOM_CDF = ("m = np.floor(k - loc)", "here = (m >= 0.0) & (m <= n - 1.0)", "j = np.where(here, m, 0.0)", _B_HERE)
# logpmf is -inf (slope 0) unless m = k - loc is a count in [lo, hi] ({n}: binom's n or bernoulli's 1)
_COUNTED = "counted = (m >= {lo}) & (m <= {hi}) & (m == np.floor(m)) & (m < np.inf)"
_SCORE_P = ("m = k - loc", _COUNTED.format(lo="0.0", hi="{n}"), "p_lo = np.where(m == 0.0, 1.0, p)",
            "p_hi = np.where(m == {n}, 0.0, p)")
DISCRETE: Dict[str, Tuple[str, Dict[str, Dict[str, Tuple[Lines, str]]]]] = {
    "poisson": ("k, mu, loc=0", {
        "logpmf": {"mu": (("m = k - loc", _COUNTED.format(lo="0.0", hi="np.inf"),
                           "mu_read = np.where(m == 0.0, 1.0, mu)"),
                          "np.where(counted, m / mu_read - 1.0, 0.0)")},
        "pmf": {"mu": (_POISSON_PREV, "pmf_prev - ans")},
        "cdf": {"mu": (("m = np.floor(k - loc)", "counted = (m >= 0.0) & (m < np.inf)",
                        "j = np.where(counted, m, 0.0)"),
                       "np.where(counted, -np.exp(_tl.special.xlogy(j, mu) - mu "
                       "- _tl.special.gammaln(j + 1.0)), 0.0)")}}),
    "binom": ("k, n, p, loc=0", {
        "logpmf": {"p": (tuple(line.format(n="n") for line in _SCORE_P),
                         "np.where(counted, m / p_lo - (n - m) / (1.0 - p_hi), 0.0)")},
        "pmf": {"p": (_BINOM_PMF, "n * (b_prev - b_here)")},
        "cdf": {"p": (_BINOM_CDF, "-n * b_here")}}),
    "bernoulli": ("k, p, loc=0", {
        "logpmf": {"p": (tuple(line.format(n="1.0") for line in _SCORE_P),
                         "np.where(counted, m / p_lo - (1.0 - m) / (1.0 - p_hi), 0.0)")},
        "pmf": {"p": (("m = k - loc",), "np.where(m == 1.0, 1.0, 0.0) - np.where(m == 0.0, 1.0, 0.0)")},
        "cdf": {"p": (("m = k - loc",), "np.where((m >= 0.0) & (m < 1.0), -1.0, 0.0)")}}),
}

# ================================================================ multivariate: (lines, jvp, vjp) of logpdf
# (pdf's are ans times logpdf's: its vjp is logpdf's with the cotangent {g} = g * ans)
#
# dirichlet (x, alpha): logpdf = sum((alpha - 1) log x) + gammaln(sum(alpha)) - sum(gammaln(alpha)); x holds
# the components along its first axis ((K,) or (K, N) for N points), so transpose(x) lines them up with
# alpha: the score d logpdf / d alpha is (K,) or (N, K).  In x the density is defined on the simplex only
# (SciPy refuses other points): (alpha - 1) / x is its derivative along the simplex (directions summing to
# 0), what a function of x / sum(x) needs.  SciPy also takes x with K - 1 components and completes the last
# one as 1 - sum(x): the rules read that completed x (runtime/scipy_stats.py: dirichlet_x, affine in x) and
# map tangents and cotangents through it (dirichlet_x_dot / dirichlet_x_bar)
#
# multivariate_normal (x, mean, cov): logpdf = -(k log(2 pi) + log det C + r^T C^-1 r) / 2 with r = x - mean,
# for x of shape (k,) or (n, k) (n points) and C the symmetric matrix SciPy reads from cov (runtime/
# scipy_stats.py: its lower triangle); with p = C^+ r (one row per point, pinv: allow_singular=True too; x of
# any leading axes, and for a (1, 1) C a 1-D x is n points, as SciPy reads it: runtime mvn_x):
#     d/dx = -p      d/dmean = p      d/dC = (p p^T - C^+) / 2 (summed over the points)
_X_FULL = ("x_full = _tl.dirichlet_x(x, alpha)",)
_SCORE = _X_FULL + ("score = np.log(np.transpose(x_full)) - _tl.special.digamma(alpha) "
                    "+ _tl.special.digamma(np.sum(alpha))",)
_P = ("c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))", "p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)")
_P_ROWS = ("c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))",
           "p = np.reshape(np.dot(_tl.mvn_x(x, cov) - mean, c_inv), (-1, np.shape(c_inv)[0]))",
           "gp = np.reshape({g}, (-1, 1)) * p")
MULTIVARIATE: Dict[str, Tuple[str, str, Dict[str, Tuple[Lines, str, Lines, str]]]] = {
    "dirichlet": ("dirichlet", "x, alpha", {
        "x": (_X_FULL + ("x_full_dot = _tl.dirichlet_x_dot(x_dot, np.shape(alpha)[-1])",),
              "np.sum((alpha - 1.0) / np.transpose(x_full) * np.transpose(x_full_dot), axis=-1)",
              _X_FULL + ("x_full_bar = np.transpose(np.expand_dims({g}, -1) * (alpha - 1.0) / np.transpose(x_full))",),
              "_tl.dirichlet_x_bar(x_full_bar, np.shape(x)[0])"),
        "alpha": (_SCORE, "np.dot(score, alpha_dot)", _SCORE, "np.dot({g}, score)")}),
    "multivariate_normal": ("mvn", "x, mean=None, cov=1, allow_singular=False", {
        "x": (_P, "np.reshape(-np.sum(p * _tl.mvn_x(x_dot, cov), axis=-1), np.shape(ans))",
              _P, "np.reshape(_tl.unbroadcast(-np.expand_dims({g}, -1) * p, _tl.mvn_x(x, cov)), np.shape(x))"),
        "mean": (_P, "np.reshape(np.sum(p * mean_dot, axis=-1), np.shape(ans))",
                 _P, "_tl.unbroadcast(np.expand_dims({g}, -1) * p, mean)"),
        "cov": (_P + ("c_dot = _tl.mvn_cov(cov_dot)",),
                "np.reshape(0.5 * (np.sum(np.dot(p, c_dot) * p, axis=-1) - np.sum(c_inv * c_dot)), np.shape(ans))",
                _P_ROWS, "_tl.mvn_cov_bar(0.5 * (np.dot(np.transpose(gp), p) - np.sum({g}) * c_inv))")}),
}

# ================================================================ the runtime helpers those rules call
# (all linear in their first argument): helper -> (signature, jvp, vjp, constant parameters)
HELPERS = {
    runtime.dirichlet_x: ("x, alpha", "_tl.dirichlet_x_dot(x_dot, np.shape(alpha)[-1])",
                          "_tl.dirichlet_x_bar(g, np.shape(x)[0])", ("alpha",)),
    runtime.dirichlet_x_dot: ("x_dot, k", "_tl.dirichlet_x_dot(x_dot_dot, k)",
                              "_tl.dirichlet_x_bar(g, np.shape(x_dot)[0])", ("k",)),
    runtime.dirichlet_x_bar: ("g, given", "_tl.dirichlet_x_bar(g_dot, given)",
                              "_tl.dirichlet_x_dot(h, np.shape(g)[0])", ("given",)),
    runtime.mvn_cov: ("cov, mean=0.0", "_tl.mvn_cov(cov_dot)", "_tl.mvn_cov_bar(g)", ("mean",)),
    runtime.mvn_cov_bar: ("g", "_tl.mvn_cov_bar(g_dot)", "_tl.mvn_cov(h)", ()),
    runtime.mvn_x: ("x, cov", "_tl.mvn_x(x_dot, cov)", "np.reshape(g, np.shape(x))", ("cov",)),
}


# ================================================================ registration

def _used(lines: Lines, result: str) -> List[str]:
    """The lines the result needs (each line assigns one name), in order."""
    kept: List[str] = []
    needed = result
    for line in reversed(lines):
        target = line.split(" = ", 1)[0]
        if re.search(rf"\b{target}\b", needed):
            kept.insert(0, line)
            needed += " " + line.split(" = ", 1)[1]
    return kept


def _rule(name: str, seed: str, sig: str, lines: Lines, result: str):
    """The rule ``def name(seed, ans, sig): lines; return result``, from its source text (kept for the
    template parser as ``__tl_source__``)."""
    body = _used(lines, result) + [f"return {result}"]
    source = f"def {name}({seed}, ans, {sig}):\n" + "".join(f"    {line}\n" for line in body)
    namespace: dict = {}
    exec(compile(source, f"<scipy.stats rule {name}>", "exec"), globals(), namespace)  # noqa: S102
    fn = namespace[name]
    fn.__tl_source__ = source
    return fn


def _register(dist: str, short: str, method: str, arg: str, sig: str, jvp: Tuple[Lines, str],
              vjp: Tuple[Lines, str], broadcast: bool) -> None:
    fn, name = getattr(getattr(stats, dist), method), f"scipy.stats.{dist}.{method}"
    defjvp(fn, argnum=arg, broadcast=broadcast, name=name)(
        _rule(f"{short}_{method}_jvp_{arg}", f"{arg}_dot", sig, *jvp))
    defvjp(fn, argnum=arg, name=name)(_rule(f"{short}_{method}_vjp_{arg}", "g", sig, *vjp))


def _elementwise(dist: str, sig: str, table: Dict[str, Dict[str, Tuple[Lines, str]]], mask: str) -> None:
    """Register each partial of ``table``; where ``mask`` (an expression) is false, the partial is 0."""
    for method, partials in table.items():
        for arg, (lines, partial) in partials.items():
            if mask:
                partial = f"np.where({mask}, {partial}, 0.0)"
            elif not partial.isidentifier():
                partial = f"({partial})"
            _register(dist, dist, method, arg, sig, (lines, f"{arg}_dot * {partial}"),
                      (lines, f"_tl.unbroadcast(g * {partial}, {arg})"), broadcast=True)


def _located_mask(row: dict) -> str:
    """Where a LOCATED row's partials are not 0: inside its support, at a finite x (x = +-inf: pdf 0, cdf 0
    or 1, logpdf -inf whatever the parameters) and at finite shapes (SciPy's gamma(a = inf).pdf is 0 for
    every x) unless the row says which must be finite (t: df = inf is the normal distribution)."""
    finite = [f"np.isfinite({a})" for a in row.get("finite", ("x",) + row["shapes"])]
    return " & ".join((["support"] if row["support"] else []) + finite)


for _dist, _row in LOCATED.items():
    _elementwise(_dist, _row["sig"], _located_partials(_row), _located_mask(_row))
for _dist, (_sig, _table) in DISCRETE.items():
    _elementwise(_dist, _sig, _table, "")
for _dist, (_short, _sig, _args) in MULTIVARIATE.items():
    for _arg, (_jlines, _jvp, _vlines, _vjp) in _args.items():
        for _method, _times, _g in (("logpdf", "{}", "g"), ("pdf", "ans * {}", "g * ans")):
            _register(_dist, _short, _method, _arg, _sig, (_jlines, _times.format(_jvp)),
                      (tuple(line.format(g=_g) for line in _vlines), _vjp.format(g=_g)), broadcast=False)
for _helper, (_sig, _jvp, _vjp, _constant) in HELPERS.items():
    _first = _sig.split(",")[0]
    _bar = "h" if _first == "g" else "g"
    defjvp(_helper)(_rule(f"{_helper.__name__}_jvp", f"{_first}_dot", _sig, (), _jvp))
    defvjp(_helper)(_rule(f"{_helper.__name__}_vjp", _bar, _sig, (), _vjp))
    if _constant:
        constant_params(_helper, *_constant)
