"""Rules for ``scipy.special`` (registered only when SciPy is importable; SciPy is never a
hard dependency). Elementwise functions read like a table of derivatives; their rules reach SciPy
as ``_tl.special`` (``runtime/scipy_funcs.py``), so derivative code using them can be
differentiated again (``digamma``'s rule calls ``polygamma``, which has a rule too)."""

# ruff: noqa: F821
import numpy as np  # noqa: F401

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable

sc = runtime.special


def _name(fn: str) -> str:
    return f"scipy.special.{fn}"


# ---------------------------------------------------------------- one argument: f'(x)


@defjvp(sc.expit, name=_name("expit"))
def expit_jvp(x_dot, ans, x):
    return x_dot * (ans * (1.0 - ans))


@defvjp(sc.expit, name=_name("expit"))
def expit_vjp(g, ans, x):
    return g * (ans * (1.0 - ans))


@defjvp(sc.logit, name=_name("logit"))
def logit_jvp(x_dot, ans, x):
    return x_dot * (1.0 / (x * (1.0 - x)))


@defvjp(sc.logit, name=_name("logit"))
def logit_vjp(g, ans, x):
    return g * (1.0 / (x * (1.0 - x)))


@defjvp(sc.erf, name=_name("erf"))
def erf_jvp(x_dot, ans, x):
    return x_dot * (2.0 / np.pi ** 0.5 * np.exp(-x * x))


@defvjp(sc.erf, name=_name("erf"))
def erf_vjp(g, ans, x):
    return g * (2.0 / np.pi ** 0.5 * np.exp(-x * x))


@defjvp(sc.erfc, name=_name("erfc"))
def erfc_jvp(x_dot, ans, x):
    return x_dot * (-2.0 / np.pi ** 0.5 * np.exp(-x * x))


@defvjp(sc.erfc, name=_name("erfc"))
def erfc_vjp(g, ans, x):
    return g * (-2.0 / np.pi ** 0.5 * np.exp(-x * x))


@defjvp(sc.erfinv, name=_name("erfinv"))
def erfinv_jvp(x_dot, ans, x):
    return x_dot * (np.pi ** 0.5 / 2.0 * np.exp(ans * ans))


@defvjp(sc.erfinv, name=_name("erfinv"))
def erfinv_vjp(g, ans, x):
    return g * (np.pi ** 0.5 / 2.0 * np.exp(ans * ans))


@defjvp(sc.erfcinv, name=_name("erfcinv"))
def erfcinv_jvp(x_dot, ans, x):
    return x_dot * (-np.pi ** 0.5 / 2.0 * np.exp(ans * ans))


@defvjp(sc.erfcinv, name=_name("erfcinv"))
def erfcinv_vjp(g, ans, x):
    return g * (-np.pi ** 0.5 / 2.0 * np.exp(ans * ans))


@defjvp(sc.gammaln, name=_name("gammaln"))
def gammaln_jvp(x_dot, ans, x):
    return x_dot * (_tl.special.digamma(x))


@defvjp(sc.gammaln, name=_name("gammaln"))
def gammaln_vjp(g, ans, x):
    return g * (_tl.special.digamma(x))


@defjvp(sc.digamma, name=_name("digamma"))
def digamma_jvp(x_dot, ans, x):
    return x_dot * (_tl.special.polygamma(1, x))


@defvjp(sc.digamma, name=_name("digamma"))
def digamma_vjp(g, ans, x):
    return g * (_tl.special.polygamma(1, x))


@defjvp(sc.gamma, name=_name("gamma"))
def gamma_jvp(x_dot, ans, x):
    return x_dot * (ans * _tl.special.digamma(x))


@defvjp(sc.gamma, name=_name("gamma"))
def gamma_vjp(g, ans, x):
    return g * (ans * _tl.special.digamma(x))


@defjvp(sc.ndtr, name=_name("ndtr"))
def ndtr_jvp(x_dot, ans, x):
    return x_dot * (np.exp(-0.5 * x * x) / (2.0 * np.pi) ** 0.5)


@defvjp(sc.ndtr, name=_name("ndtr"))
def ndtr_vjp(g, ans, x):
    return g * (np.exp(-0.5 * x * x) / (2.0 * np.pi) ** 0.5)


@defjvp(sc.log_ndtr, name=_name("log_ndtr"))
def log_ndtr_jvp(x_dot, ans, x):
    return x_dot * (np.exp(-0.5 * x * x - ans) / (2.0 * np.pi) ** 0.5)


@defvjp(sc.log_ndtr, name=_name("log_ndtr"))
def log_ndtr_vjp(g, ans, x):
    return g * (np.exp(-0.5 * x * x - ans) / (2.0 * np.pi) ** 0.5)


@defjvp(sc.ndtri, name=_name("ndtri"))
def ndtri_jvp(x_dot, ans, x):
    return x_dot * ((2.0 * np.pi) ** 0.5 * np.exp(0.5 * ans * ans))


@defvjp(sc.ndtri, name=_name("ndtri"))
def ndtri_vjp(g, ans, x):
    return g * ((2.0 * np.pi) ** 0.5 * np.exp(0.5 * ans * ans))


@defjvp(sc.i0, name=_name("i0"))
def i0_jvp(x_dot, ans, x):
    return x_dot * (_tl.special.i1(x))


@defvjp(sc.i0, name=_name("i0"))
def i0_vjp(g, ans, x):
    return g * (_tl.special.i1(x))


@defjvp(sc.i1, name=_name("i1"))
def i1_jvp(x_dot, ans, x):
    return x_dot * (0.5 * (_tl.special.i0(x) + _tl.special.iv(2, x)))


@defvjp(sc.i1, name=_name("i1"))
def i1_vjp(g, ans, x):
    return g * (0.5 * (_tl.special.i0(x) + _tl.special.iv(2, x)))


@defjvp(sc.i0e, name=_name("i0e"))
def i0e_jvp(x_dot, ans, x):
    return x_dot * (_tl.special.i1e(x) - np.sign(x) * ans)


@defvjp(sc.i0e, name=_name("i0e"))
def i0e_vjp(g, ans, x):
    return g * (_tl.special.i1e(x) - np.sign(x) * ans)


@defjvp(sc.i1e, name=_name("i1e"))
def i1e_jvp(x_dot, ans, x):
    return x_dot * (0.5 * (_tl.special.i0e(x) + _tl.special.ive(2, x)) - np.sign(x) * ans)


@defvjp(sc.i1e, name=_name("i1e"))
def i1e_vjp(g, ans, x):
    return g * (0.5 * (_tl.special.i0e(x) + _tl.special.ive(2, x)) - np.sign(x) * ans)


@defjvp(sc.entr, name=_name("entr"))
def entr_jvp(x_dot, ans, x):
    return x_dot * (-np.log(x) - 1.0)


@defvjp(sc.entr, name=_name("entr"))
def entr_vjp(g, ans, x):
    return g * (-np.log(x) - 1.0)


# 1/Gamma is entire: -rgamma(x) digamma(x) is 0 * inf at 0, -1, -2, ..., so left of 1/2 the slope
# comes from the reflection 1/Gamma(x) = sin(pi x) Gamma(1 - x) / pi (finite there: 1, -1, 2, ...);
# each branch reads only inputs where it is finite, so np.where's unselected branch is never NaN.


@defjvp(sc.rgamma, name=_name("rgamma"))
def rgamma_jvp(x_dot, ans, x):
    left = x < 0.5
    x_left = np.where(left, x, 0.0)
    x_right = np.where(left, 1.0, x)
    reflected = _tl.special.gamma(1.0 - x_left) * (
        np.cos(np.pi * x_left) - np.sin(np.pi * x_left) * _tl.special.digamma(1.0 - x_left) / np.pi)
    direct = -_tl.special.rgamma(x_right) * _tl.special.digamma(x_right)
    slope = np.where(left, reflected, direct)
    return x_dot * slope


@defvjp(sc.rgamma, name=_name("rgamma"))
def rgamma_vjp(g, ans, x):
    left = x < 0.5
    x_left = np.where(left, x, 0.0)
    x_right = np.where(left, 1.0, x)
    reflected = _tl.special.gamma(1.0 - x_left) * (
        np.cos(np.pi * x_left) - np.sin(np.pi * x_left) * _tl.special.digamma(1.0 - x_left) / np.pi)
    direct = -_tl.special.rgamma(x_right) * _tl.special.digamma(x_right)
    slope = np.where(left, reflected, direct)
    return g * slope


# Bessel functions of integer order: J0' = -J1, J1' = (J0 - J2) / 2 (and the same for Y)


@defjvp(sc.j0, name=_name("j0"))
def j0_jvp(x_dot, ans, x):
    return x_dot * (-_tl.special.j1(x))


@defvjp(sc.j0, name=_name("j0"))
def j0_vjp(g, ans, x):
    return g * (-_tl.special.j1(x))


@defjvp(sc.j1, name=_name("j1"))
def j1_jvp(x_dot, ans, x):
    return x_dot * (0.5 * (_tl.special.j0(x) - _tl.special.jv(2, x)))


@defvjp(sc.j1, name=_name("j1"))
def j1_vjp(g, ans, x):
    return g * (0.5 * (_tl.special.j0(x) - _tl.special.jv(2, x)))


@defjvp(sc.y0, name=_name("y0"))
def y0_jvp(x_dot, ans, x):
    return x_dot * (-_tl.special.y1(x))


@defvjp(sc.y0, name=_name("y0"))
def y0_vjp(g, ans, x):
    return g * (-_tl.special.y1(x))


@defjvp(sc.y1, name=_name("y1"))
def y1_jvp(x_dot, ans, x):
    return x_dot * (0.5 * (_tl.special.y0(x) - _tl.special.yn(2, x)))


@defvjp(sc.y1, name=_name("y1"))
def y1_vjp(g, ans, x):
    return g * (0.5 * (_tl.special.y0(x) - _tl.special.yn(2, x)))


nondifferentiable(sc.gammasgn, name=_name("gammasgn"))  # the sign of gamma: piecewise constant


# ---------------------------------------------------------------- order-indexed families (derivative in x)


@defjvp(sc.polygamma, argnum=1, name=_name("polygamma"))
def polygamma_jvp(x_dot, ans, n, x):
    return x_dot * _tl.special.polygamma(n + 1, x)


@defvjp(sc.polygamma, argnum=1, name=_name("polygamma"))
def polygamma_vjp(g, ans, n, x):
    return _tl.unbroadcast(g * _tl.special.polygamma(n + 1, x), x)


@defjvp(sc.iv, argnum=1, name=_name("iv"))
def iv_jvp(x_dot, ans, v, z):
    return x_dot * 0.5 * (_tl.special.iv(v - 1, z) + _tl.special.iv(v + 1, z))


@defvjp(sc.iv, argnum=1, name=_name("iv"))
def iv_vjp(g, ans, v, z):
    return _tl.unbroadcast(g * 0.5 * (_tl.special.iv(v - 1, z) + _tl.special.iv(v + 1, z)), z)


@defjvp(sc.ive, argnum=1, name=_name("ive"))
def ive_jvp(x_dot, ans, v, z):
    return x_dot * (0.5 * (_tl.special.ive(v - 1, z) + _tl.special.ive(v + 1, z)) - np.sign(z) * ans)


@defvjp(sc.ive, argnum=1, name=_name("ive"))
def ive_vjp(g, ans, v, z):
    return _tl.unbroadcast(g * (0.5 * (_tl.special.ive(v - 1, z) + _tl.special.ive(v + 1, z)) - np.sign(z) * ans), z)


# jv(v, z) (scipy.special.jn is the same ufunc), yn(n, x): Z_v' = (Z_{v-1} - Z_{v+1}) / 2 (the order has
# no derivative)


@defjvp(sc.jv, argnum=1, name=_name("jv"))
def jv_jvp(x_dot, ans, v, z):
    return x_dot * (0.5 * (_tl.special.jv(v - 1, z) - _tl.special.jv(v + 1, z)))


@defvjp(sc.jv, argnum=1, name=_name("jv"))
def jv_vjp(g, ans, v, z):
    return _tl.unbroadcast(g * (0.5 * (_tl.special.jv(v - 1, z) - _tl.special.jv(v + 1, z))), z)


@defjvp(sc.yn, argnum=1, name=_name("yn"))
def yn_jvp(x_dot, ans, n, x):
    return x_dot * (0.5 * (_tl.special.yn(n - 1, x) - _tl.special.yn(n + 1, x)))


@defvjp(sc.yn, argnum=1, name=_name("yn"))
def yn_vjp(g, ans, n, x):
    return _tl.unbroadcast(g * (0.5 * (_tl.special.yn(n - 1, x) - _tl.special.yn(n + 1, x))), x)


# regularized incomplete gamma and beta functions, in x only (their derivatives in a and b are
# series with no closed form: differentiating them is refused, naming the argument):
# d gammainc(a, x) / dx = x^(a-1) exp(-x) / gamma(a);  d betainc(a, b, x) / dx = x^(a-1) (1-x)^(b-1) / B(a, b)


@defjvp(sc.gammainc, argnum=1, broadcast=True, name=_name("gammainc"))
def gammainc_jvp_x(x_dot, ans, a, x):
    return x_dot * np.exp(_tl.special.xlogy(a - 1.0, x) - x - _tl.special.gammaln(a))


@defvjp(sc.gammainc, argnum=1, name=_name("gammainc"))
def gammainc_vjp_x(g, ans, a, x):
    return _tl.unbroadcast(g * np.exp(_tl.special.xlogy(a - 1.0, x) - x - _tl.special.gammaln(a)), x)


@defjvp(sc.gammaincc, argnum=1, broadcast=True, name=_name("gammaincc"))
def gammaincc_jvp_x(x_dot, ans, a, x):
    return x_dot * (-np.exp(_tl.special.xlogy(a - 1.0, x) - x - _tl.special.gammaln(a)))


@defvjp(sc.gammaincc, argnum=1, name=_name("gammaincc"))
def gammaincc_vjp_x(g, ans, a, x):
    return _tl.unbroadcast(g * (-np.exp(_tl.special.xlogy(a - 1.0, x) - x - _tl.special.gammaln(a))), x)


@defjvp(sc.betainc, argnum=2, broadcast=True, name=_name("betainc"))
def betainc_jvp_x(x_dot, ans, a, b, x):
    return x_dot * np.exp(_tl.special.xlogy(a - 1.0, x) + _tl.special.xlog1py(b - 1.0, -x) - _tl.special.betaln(a, b))


@defvjp(sc.betainc, argnum=2, name=_name("betainc"))
def betainc_vjp_x(g, ans, a, b, x):
    return _tl.unbroadcast(g * np.exp(_tl.special.xlogy(a - 1.0, x) + _tl.special.xlog1py(b - 1.0, -x)
                                      - _tl.special.betaln(a, b)), x)


# ---------------------------------------------------------------- two arguments (broadcasting)


@defjvp(sc.xlog1py, argnum=0, broadcast=True, name=_name("xlog1py"))
def xlog1py_jvp_x(x_dot, ans, x, y):
    return _tl.special.xlog1py(x_dot, y)


@defjvp(sc.xlog1py, argnum=1, broadcast=True, name=_name("xlog1py"))
def xlog1py_jvp_y(y_dot, ans, x, y):
    return y_dot * (x / (1.0 + y))


@defvjp(sc.xlog1py, argnum=0, name=_name("xlog1py"))
def xlog1py_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(_tl.special.xlog1py(g, y), x)


@defvjp(sc.xlog1py, argnum=1, name=_name("xlog1py"))
def xlog1py_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(g * (x / (1.0 + y)), y)


@defjvp(sc.xlogy, argnum=0, broadcast=True, name=_name("xlogy"))
def xlogy_jvp_x(x_dot, ans, x, y):
    return _tl.special.xlogy(x_dot, y)


@defjvp(sc.xlogy, argnum=1, broadcast=True, name=_name("xlogy"))
def xlogy_jvp_y(y_dot, ans, x, y):
    return y_dot * (x / y)


@defvjp(sc.xlogy, argnum=0, name=_name("xlogy"))
def xlogy_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(_tl.special.xlogy(g, y), x)


@defvjp(sc.xlogy, argnum=1, name=_name("xlogy"))
def xlogy_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(g * (x / y), y)


@defjvp(sc.betaln, argnum=0, broadcast=True, name=_name("betaln"))
def betaln_jvp_a(a_dot, ans, a, b):
    return a_dot * (_tl.special.digamma(a) - _tl.special.digamma(a + b))


@defjvp(sc.betaln, argnum=1, broadcast=True, name=_name("betaln"))
def betaln_jvp_b(b_dot, ans, a, b):
    return b_dot * (_tl.special.digamma(b) - _tl.special.digamma(a + b))


@defvjp(sc.betaln, argnum=0, name=_name("betaln"))
def betaln_vjp_a(g, ans, a, b):
    return _tl.unbroadcast(g * (_tl.special.digamma(a) - _tl.special.digamma(a + b)), a)


@defvjp(sc.betaln, argnum=1, name=_name("betaln"))
def betaln_vjp_b(g, ans, a, b):
    return _tl.unbroadcast(g * (_tl.special.digamma(b) - _tl.special.digamma(a + b)), b)


@defjvp(sc.beta, argnum=0, broadcast=True, name=_name("beta"))
def beta_jvp_a(a_dot, ans, a, b):
    return a_dot * (ans * (_tl.special.digamma(a) - _tl.special.digamma(a + b)))


@defjvp(sc.beta, argnum=1, broadcast=True, name=_name("beta"))
def beta_jvp_b(b_dot, ans, a, b):
    return b_dot * (ans * (_tl.special.digamma(b) - _tl.special.digamma(a + b)))


@defvjp(sc.beta, argnum=0, name=_name("beta"))
def beta_vjp_a(g, ans, a, b):
    return _tl.unbroadcast(g * (ans * (_tl.special.digamma(a) - _tl.special.digamma(a + b))), a)


@defvjp(sc.beta, argnum=1, name=_name("beta"))
def beta_vjp_b(g, ans, a, b):
    return _tl.unbroadcast(g * (ans * (_tl.special.digamma(b) - _tl.special.digamma(a + b))), b)


@defjvp(sc.rel_entr, argnum=0, broadcast=True, name=_name("rel_entr"))
def rel_entr_jvp_x(x_dot, ans, x, y):
    return x_dot * (np.log(x / y) + 1.0)


@defjvp(sc.rel_entr, argnum=1, broadcast=True, name=_name("rel_entr"))
def rel_entr_jvp_y(y_dot, ans, x, y):
    return y_dot * (-x / y)


@defvjp(sc.rel_entr, argnum=0, name=_name("rel_entr"))
def rel_entr_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g * (np.log(x / y) + 1.0), x)


@defvjp(sc.rel_entr, argnum=1, name=_name("rel_entr"))
def rel_entr_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(g * (-x / y), y)


@defjvp(sc.kl_div, argnum=0, broadcast=True, name=_name("kl_div"))
def kl_div_jvp_x(x_dot, ans, x, y):
    return x_dot * (np.log(x / y))


@defjvp(sc.kl_div, argnum=1, broadcast=True, name=_name("kl_div"))
def kl_div_jvp_y(y_dot, ans, x, y):
    return y_dot * (1.0 - x / y)


@defvjp(sc.kl_div, argnum=0, name=_name("kl_div"))
def kl_div_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g * (np.log(x / y)), x)


@defvjp(sc.kl_div, argnum=1, name=_name("kl_div"))
def kl_div_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(g * (1.0 - x / y), y)


# ---------------------------------------------------------------- along an axis


@defjvp(sc.softmax, name=_name("softmax"))
def softmax_jvp(x_dot, ans, x, axis=None):
    return ans * (x_dot - np.sum(ans * x_dot, axis=axis, keepdims=True))


@defvjp(sc.softmax, name=_name("softmax"))
def softmax_vjp(g, ans, x, axis=None):
    return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))


@defjvp(sc.log_softmax, name=_name("log_softmax"))
def log_softmax_jvp(x_dot, ans, x, axis=None):
    return x_dot - np.sum(np.exp(ans) * x_dot, axis=axis, keepdims=True)


@defvjp(sc.log_softmax, name=_name("log_softmax"))
def log_softmax_vjp(g, ans, x, axis=None):
    return g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)


# logsumexp(a, axis, b, keepdims, return_sign) = log|sum(b exp(a))|: runtime/scipy_funcs.py has its
# partial derivatives (weights for a, scale for b) and puts the tangent or cotangent of the value in
# place (a tuple (value, sign) with return_sign=True, the sign piecewise constant)


@defjvp(sc.logsumexp, argnum=0, name=_name("logsumexp"))
def logsumexp_jvp_a(a_dot, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.logsumexp_tangent(_tl.logsumexp_weights(ans, a, axis, b, keepdims, return_sign) * a_dot,
                                 ans, a, axis, b, keepdims, return_sign)


@defjvp(sc.logsumexp, argnum=2, name=_name("logsumexp"))
def logsumexp_jvp_b(b_dot, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.logsumexp_tangent(_tl.logsumexp_scale(ans, a, axis, b, keepdims, return_sign) * b_dot,
                                 ans, a, axis, b, keepdims, return_sign)


@defvjp(sc.logsumexp, argnum=0, name=_name("logsumexp"))
def logsumexp_vjp_a(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.unbroadcast(_tl.logsumexp_spread(g, ans, a, axis, b, keepdims, return_sign) *
                           _tl.logsumexp_weights(ans, a, axis, b, keepdims, return_sign), a)


@defvjp(sc.logsumexp, argnum=2, name=_name("logsumexp"))
def logsumexp_vjp_b(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.unbroadcast(_tl.logsumexp_spread(g, ans, a, axis, b, keepdims, return_sign) *
                           _tl.logsumexp_scale(ans, a, axis, b, keepdims, return_sign), b)


# its helpers, so that derivative code calling them can be differentiated again: logsumexp_tangent (sum
# along the reduced axes) and logsumexp_spread (put back along them) are linear and each other's
# transpose; scale = sign exp(a - out) and weights = b scale depend on logsumexp's result `out`


@defjvp(runtime.logsumexp_tangent)
def logsumexp_tangent_jvp(t_dot, ans, t, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.logsumexp_tangent(t_dot, out, a, axis, b, keepdims, return_sign)


@defvjp(runtime.logsumexp_tangent)
def logsumexp_tangent_vjp(h, ans, t, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.bcast(_tl.logsumexp_spread(h, out, a, axis, b, keepdims, return_sign), t)


@defjvp(runtime.logsumexp_spread)
def logsumexp_spread_jvp(g_dot, ans, g, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.logsumexp_spread(g_dot, out, a, axis, b, keepdims, return_sign)


@defvjp(runtime.logsumexp_spread)
def logsumexp_spread_vjp(h, ans, g, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.logsumexp_tangent(_tl.bcast(h, ans), out, a, axis, b, keepdims, return_sign)


constant_params(runtime.logsumexp_tangent, "out", "a", "b")
constant_params(runtime.logsumexp_spread, "out", "a", "b")


@defjvp(runtime.logsumexp_scale, argnum="out")
def logsumexp_scale_jvp_out(out_dot, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return -ans * _tl.logsumexp_spread(out_dot, out, a, axis, b, keepdims, return_sign)


@defjvp(runtime.logsumexp_scale, argnum="a", broadcast=True)
def logsumexp_scale_jvp_a(a_dot, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return ans * a_dot


@defvjp(runtime.logsumexp_scale, argnum="out")
def logsumexp_scale_vjp_out(h, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.logsumexp_tangent(-h * ans, out, a, axis, b, keepdims, return_sign)


@defvjp(runtime.logsumexp_scale, argnum="a")
def logsumexp_scale_vjp_a(h, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.unbroadcast(h * ans, a)


constant_params(runtime.logsumexp_scale, "b")


@defjvp(runtime.logsumexp_weights, argnum="out")
def logsumexp_weights_jvp_out(out_dot, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return -ans * _tl.logsumexp_spread(out_dot, out, a, axis, b, keepdims, return_sign)


@defjvp(runtime.logsumexp_weights, argnum="a", broadcast=True)
def logsumexp_weights_jvp_a(a_dot, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return ans * a_dot


@defjvp(runtime.logsumexp_weights, argnum="b", broadcast=True)
def logsumexp_weights_jvp_b(b_dot, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.logsumexp_scale(out, a, axis, b, keepdims, return_sign) * b_dot


@defvjp(runtime.logsumexp_weights, argnum="out")
def logsumexp_weights_vjp_out(h, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.logsumexp_tangent(-h * ans, out, a, axis, b, keepdims, return_sign)


@defvjp(runtime.logsumexp_weights, argnum="a")
def logsumexp_weights_vjp_a(h, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.unbroadcast(h * ans, a)


@defvjp(runtime.logsumexp_weights, argnum="b")
def logsumexp_weights_vjp_b(h, ans, out, a, axis=None, b=None, keepdims=False, return_sign=False):
    return _tl.unbroadcast(h * _tl.logsumexp_scale(out, a, axis, b, keepdims, return_sign), b)
