"""Rules for the distributions of ``scipy.stats`` (registered only when SciPy is importable).

``st.norm.pdf(x, 0., 1.)`` calls a method bound to the distribution object ``st.norm`` (a new
bound method at every access): the registry finds it by the object and the function
(``Registry.get``), and the call stays as the user wrote it.  Parameters are SciPy's, by position
or by name (``loc=``, ``scale=``, the shape parameters ``df``, ``a``, ``b``, ``mu``, ``alpha``).

With ``z = (x - loc) / scale`` every continuous density here is ``f(z) / scale``, so with
``h = d log f / dz``::

    d logpdf / dx = h / scale      d logpdf / dloc = -h / scale      d logpdf / dscale = -(z h + 1) / scale

``pdf``'s derivatives are ``pdf`` times ``logpdf``'s; ``cdf``'s are the density times
``(1, -1, -z)``; ``logcdf``'s and ``logsf``'s divide by ``cdf`` / ``sf`` (``exp(logpdf - ans)``).
Every formula is NumPy and ``scipy.special`` code with rules, so derivatives of derivatives work.
A parameter without a rule here (``t.cdf``'s ``df``: no closed form) is refused when it is
differentiated.
"""

# ruff: noqa: F821
import numpy as np  # noqa: F401
import scipy.stats as stats

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp


def _name(fn: str) -> str:
    return f"scipy.stats.{fn}"


# ================================================================ norm (x, loc=0, scale=1)
# logpdf = -z^2/2 - log(scale) - log(2 pi)/2


@defjvp(stats.norm.logpdf, argnum="x", broadcast=True, name=_name("norm.logpdf"))
def norm_logpdf_jvp_x(x_dot, ans, x, loc=0.0, scale=1.0):
    return x_dot * ((loc - x) / (scale * scale))


@defjvp(stats.norm.logpdf, argnum="loc", broadcast=True, name=_name("norm.logpdf"))
def norm_logpdf_jvp_loc(loc_dot, ans, x, loc=0.0, scale=1.0):
    return loc_dot * ((x - loc) / (scale * scale))


@defjvp(stats.norm.logpdf, argnum="scale", broadcast=True, name=_name("norm.logpdf"))
def norm_logpdf_jvp_scale(scale_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return scale_dot * ((z * z - 1.0) / scale)


@defvjp(stats.norm.logpdf, argnum="x", name=_name("norm.logpdf"))
def norm_logpdf_vjp_x(g, ans, x, loc=0.0, scale=1.0):
    return _tl.unbroadcast(g * ((loc - x) / (scale * scale)), x)


@defvjp(stats.norm.logpdf, argnum="loc", name=_name("norm.logpdf"))
def norm_logpdf_vjp_loc(g, ans, x, loc=0.0, scale=1.0):
    return _tl.unbroadcast(g * ((x - loc) / (scale * scale)), loc)


@defvjp(stats.norm.logpdf, argnum="scale", name=_name("norm.logpdf"))
def norm_logpdf_vjp_scale(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * ((z * z - 1.0) / scale), scale)


@defjvp(stats.norm.pdf, argnum="x", broadcast=True, name=_name("norm.pdf"))
def norm_pdf_jvp_x(x_dot, ans, x, loc=0.0, scale=1.0):
    return x_dot * (ans * (loc - x) / (scale * scale))


@defjvp(stats.norm.pdf, argnum="loc", broadcast=True, name=_name("norm.pdf"))
def norm_pdf_jvp_loc(loc_dot, ans, x, loc=0.0, scale=1.0):
    return loc_dot * (ans * (x - loc) / (scale * scale))


@defjvp(stats.norm.pdf, argnum="scale", broadcast=True, name=_name("norm.pdf"))
def norm_pdf_jvp_scale(scale_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return scale_dot * (ans * (z * z - 1.0) / scale)


@defvjp(stats.norm.pdf, argnum="x", name=_name("norm.pdf"))
def norm_pdf_vjp_x(g, ans, x, loc=0.0, scale=1.0):
    return _tl.unbroadcast(g * (ans * (loc - x) / (scale * scale)), x)


@defvjp(stats.norm.pdf, argnum="loc", name=_name("norm.pdf"))
def norm_pdf_vjp_loc(g, ans, x, loc=0.0, scale=1.0):
    return _tl.unbroadcast(g * (ans * (x - loc) / (scale * scale)), loc)


@defvjp(stats.norm.pdf, argnum="scale", name=_name("norm.pdf"))
def norm_pdf_vjp_scale(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (ans * (z * z - 1.0) / scale), scale)


# cdf = ndtr(z): the density exp(-z^2/2) / (scale sqrt(2 pi)) times (1, -1, -z)


@defjvp(stats.norm.cdf, argnum="x", broadcast=True, name=_name("norm.cdf"))
def norm_cdf_jvp_x(x_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return x_dot * (np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi)))


@defjvp(stats.norm.cdf, argnum="loc", broadcast=True, name=_name("norm.cdf"))
def norm_cdf_jvp_loc(loc_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return loc_dot * (-np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi)))


@defjvp(stats.norm.cdf, argnum="scale", broadcast=True, name=_name("norm.cdf"))
def norm_cdf_jvp_scale(scale_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return scale_dot * (-z * np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi)))


@defvjp(stats.norm.cdf, argnum="x", name=_name("norm.cdf"))
def norm_cdf_vjp_x(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi))), x)


@defvjp(stats.norm.cdf, argnum="loc", name=_name("norm.cdf"))
def norm_cdf_vjp_loc(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (-np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi))), loc)


@defvjp(stats.norm.cdf, argnum="scale", name=_name("norm.cdf"))
def norm_cdf_vjp_scale(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (-z * np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi))), scale)


# sf = 1 - cdf: the density times (-1, 1, z)


@defjvp(stats.norm.sf, argnum="x", broadcast=True, name=_name("norm.sf"))
def norm_sf_jvp_x(x_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return x_dot * (-np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi)))


@defjvp(stats.norm.sf, argnum="loc", broadcast=True, name=_name("norm.sf"))
def norm_sf_jvp_loc(loc_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return loc_dot * (np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi)))


@defjvp(stats.norm.sf, argnum="scale", broadcast=True, name=_name("norm.sf"))
def norm_sf_jvp_scale(scale_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return scale_dot * (z * np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi)))


@defvjp(stats.norm.sf, argnum="x", name=_name("norm.sf"))
def norm_sf_vjp_x(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (-np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi))), x)


@defvjp(stats.norm.sf, argnum="loc", name=_name("norm.sf"))
def norm_sf_vjp_loc(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi))), loc)


@defvjp(stats.norm.sf, argnum="scale", name=_name("norm.sf"))
def norm_sf_vjp_scale(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (z * np.exp(-0.5 * z * z) / (scale * np.sqrt(2.0 * np.pi))), scale)


# logcdf = log_ndtr(z), logsf = log_ndtr(-z): the density over cdf (sf) is exp(logpdf - ans)


@defjvp(stats.norm.logcdf, argnum="x", broadcast=True, name=_name("norm.logcdf"))
def norm_logcdf_jvp_x(x_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return x_dot * (np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi)))


@defjvp(stats.norm.logcdf, argnum="loc", broadcast=True, name=_name("norm.logcdf"))
def norm_logcdf_jvp_loc(loc_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return loc_dot * (-np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi)))


@defjvp(stats.norm.logcdf, argnum="scale", broadcast=True, name=_name("norm.logcdf"))
def norm_logcdf_jvp_scale(scale_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return scale_dot * (-z * np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi)))


@defvjp(stats.norm.logcdf, argnum="x", name=_name("norm.logcdf"))
def norm_logcdf_vjp_x(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi))), x)


@defvjp(stats.norm.logcdf, argnum="loc", name=_name("norm.logcdf"))
def norm_logcdf_vjp_loc(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (-np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi))), loc)


@defvjp(stats.norm.logcdf, argnum="scale", name=_name("norm.logcdf"))
def norm_logcdf_vjp_scale(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (-z * np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi))), scale)


@defjvp(stats.norm.logsf, argnum="x", broadcast=True, name=_name("norm.logsf"))
def norm_logsf_jvp_x(x_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return x_dot * (-np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi)))


@defjvp(stats.norm.logsf, argnum="loc", broadcast=True, name=_name("norm.logsf"))
def norm_logsf_jvp_loc(loc_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return loc_dot * (np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi)))


@defjvp(stats.norm.logsf, argnum="scale", broadcast=True, name=_name("norm.logsf"))
def norm_logsf_jvp_scale(scale_dot, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return scale_dot * (z * np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi)))


@defvjp(stats.norm.logsf, argnum="x", name=_name("norm.logsf"))
def norm_logsf_vjp_x(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (-np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi))), x)


@defvjp(stats.norm.logsf, argnum="loc", name=_name("norm.logsf"))
def norm_logsf_vjp_loc(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi))), loc)


@defvjp(stats.norm.logsf, argnum="scale", name=_name("norm.logsf"))
def norm_logsf_vjp_scale(g, ans, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return _tl.unbroadcast(g * (z * np.exp(-0.5 * z * z - ans) / (scale * np.sqrt(2.0 * np.pi))), scale)


# ================================================================ t (x, df, loc=0, scale=1)
# log f(z) = gammaln((df+1)/2) - gammaln(df/2) - log(df pi)/2 - (df+1)/2 log(1 + z^2/df)


@defjvp(stats.t.logpdf, argnum="x", broadcast=True, name=_name("t.logpdf"))
def t_logpdf_jvp_x(x_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return x_dot * (h / scale)


@defvjp(stats.t.logpdf, argnum="x", name=_name("t.logpdf"))
def t_logpdf_vjp_x(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return _tl.unbroadcast(g * (h / scale), x)


@defjvp(stats.t.logpdf, argnum="df", broadcast=True, name=_name("t.logpdf"))
def t_logpdf_jvp_df(df_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d_df = 0.5 * (_tl.special.digamma(0.5 * (df + 1.0)) - _tl.special.digamma(0.5 * df) - 1.0 / df
                 - np.log1p(z * z / df) + (df + 1.0) * z * z / (df * (df + z * z)))
    return df_dot * d_df


@defvjp(stats.t.logpdf, argnum="df", name=_name("t.logpdf"))
def t_logpdf_vjp_df(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d_df = 0.5 * (_tl.special.digamma(0.5 * (df + 1.0)) - _tl.special.digamma(0.5 * df) - 1.0 / df
                 - np.log1p(z * z / df) + (df + 1.0) * z * z / (df * (df + z * z)))
    return _tl.unbroadcast(g * d_df, df)


@defjvp(stats.t.logpdf, argnum="loc", broadcast=True, name=_name("t.logpdf"))
def t_logpdf_jvp_loc(loc_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return loc_dot * (-h / scale)


@defvjp(stats.t.logpdf, argnum="loc", name=_name("t.logpdf"))
def t_logpdf_vjp_loc(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return _tl.unbroadcast(g * (-h / scale), loc)


@defjvp(stats.t.logpdf, argnum="scale", broadcast=True, name=_name("t.logpdf"))
def t_logpdf_jvp_scale(scale_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return scale_dot * (-(z * h + 1.0) / scale)


@defvjp(stats.t.logpdf, argnum="scale", name=_name("t.logpdf"))
def t_logpdf_vjp_scale(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return _tl.unbroadcast(g * (-(z * h + 1.0) / scale), scale)


@defjvp(stats.t.pdf, argnum="x", broadcast=True, name=_name("t.pdf"))
def t_pdf_jvp_x(x_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return x_dot * (ans * (h / scale))


@defvjp(stats.t.pdf, argnum="x", name=_name("t.pdf"))
def t_pdf_vjp_x(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return _tl.unbroadcast(g * (ans * (h / scale)), x)


@defjvp(stats.t.pdf, argnum="df", broadcast=True, name=_name("t.pdf"))
def t_pdf_jvp_df(df_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d_df = 0.5 * (_tl.special.digamma(0.5 * (df + 1.0)) - _tl.special.digamma(0.5 * df) - 1.0 / df
                 - np.log1p(z * z / df) + (df + 1.0) * z * z / (df * (df + z * z)))
    return df_dot * (ans * d_df)


@defvjp(stats.t.pdf, argnum="df", name=_name("t.pdf"))
def t_pdf_vjp_df(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d_df = 0.5 * (_tl.special.digamma(0.5 * (df + 1.0)) - _tl.special.digamma(0.5 * df) - 1.0 / df
                 - np.log1p(z * z / df) + (df + 1.0) * z * z / (df * (df + z * z)))
    return _tl.unbroadcast(g * (ans * d_df), df)


@defjvp(stats.t.pdf, argnum="loc", broadcast=True, name=_name("t.pdf"))
def t_pdf_jvp_loc(loc_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return loc_dot * (ans * (-h / scale))


@defvjp(stats.t.pdf, argnum="loc", name=_name("t.pdf"))
def t_pdf_vjp_loc(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return _tl.unbroadcast(g * (ans * (-h / scale)), loc)


@defjvp(stats.t.pdf, argnum="scale", broadcast=True, name=_name("t.pdf"))
def t_pdf_jvp_scale(scale_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return scale_dot * (ans * (-(z * h + 1.0) / scale))


@defvjp(stats.t.pdf, argnum="scale", name=_name("t.pdf"))
def t_pdf_vjp_scale(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    h = -(df + 1.0) * z / (df + z * z)
    return _tl.unbroadcast(g * (ans * (-(z * h + 1.0) / scale)), scale)


@defjvp(stats.t.cdf, argnum="x", broadcast=True, name=_name("t.cdf"))
def t_cdf_jvp_x(x_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return x_dot * np.exp(logpdf)


@defvjp(stats.t.cdf, argnum="x", name=_name("t.cdf"))
def t_cdf_vjp_x(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return _tl.unbroadcast(g * np.exp(logpdf), x)


@defjvp(stats.t.cdf, argnum="loc", broadcast=True, name=_name("t.cdf"))
def t_cdf_jvp_loc(loc_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return loc_dot * (-np.exp(logpdf))


@defvjp(stats.t.cdf, argnum="loc", name=_name("t.cdf"))
def t_cdf_vjp_loc(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return _tl.unbroadcast(g * (-np.exp(logpdf)), loc)


@defjvp(stats.t.cdf, argnum="scale", broadcast=True, name=_name("t.cdf"))
def t_cdf_jvp_scale(scale_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return scale_dot * (-z * np.exp(logpdf))


@defvjp(stats.t.cdf, argnum="scale", name=_name("t.cdf"))
def t_cdf_vjp_scale(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return _tl.unbroadcast(g * (-z * np.exp(logpdf)), scale)


@defjvp(stats.t.logcdf, argnum="x", broadcast=True, name=_name("t.logcdf"))
def t_logcdf_jvp_x(x_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return x_dot * (np.exp(logpdf - ans))


@defvjp(stats.t.logcdf, argnum="x", name=_name("t.logcdf"))
def t_logcdf_vjp_x(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return _tl.unbroadcast(g * (np.exp(logpdf - ans)), x)


@defjvp(stats.t.logcdf, argnum="loc", broadcast=True, name=_name("t.logcdf"))
def t_logcdf_jvp_loc(loc_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return loc_dot * (-np.exp(logpdf - ans))


@defvjp(stats.t.logcdf, argnum="loc", name=_name("t.logcdf"))
def t_logcdf_vjp_loc(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return _tl.unbroadcast(g * (-np.exp(logpdf - ans)), loc)


@defjvp(stats.t.logcdf, argnum="scale", broadcast=True, name=_name("t.logcdf"))
def t_logcdf_jvp_scale(scale_dot, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return scale_dot * (-z * np.exp(logpdf - ans))


@defvjp(stats.t.logcdf, argnum="scale", name=_name("t.logcdf"))
def t_logcdf_vjp_scale(g, ans, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    logpdf = (_tl.special.gammaln(0.5 * (df + 1.0)) - _tl.special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)
               - np.log(scale) - 0.5 * (df + 1.0) * np.log1p(z * z / df))
    return _tl.unbroadcast(g * (-z * np.exp(logpdf - ans)), scale)


# ================================================================ chi2 (x, df, loc=0, scale=1)
# log f(z) = (df/2 - 1) log(z) - z/2 - df/2 log(2) - gammaln(df/2)


@defjvp(stats.chi2.logpdf, argnum="x", broadcast=True, name=_name("chi2.logpdf"))
def chi2_logpdf_jvp_x(x_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return x_dot * np.where(support, (h / scale), 0.0)


@defvjp(stats.chi2.logpdf, argnum="x", name=_name("chi2.logpdf"))
def chi2_logpdf_vjp_x(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return _tl.unbroadcast(g * np.where(support, (h / scale), 0.0), x)


@defjvp(stats.chi2.logpdf, argnum="df", broadcast=True, name=_name("chi2.logpdf"))
def chi2_logpdf_jvp_df(df_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    d_df = 0.5 * (np.log(0.5 * z) - _tl.special.digamma(0.5 * df))
    return df_dot * np.where(support, d_df, 0.0)


@defvjp(stats.chi2.logpdf, argnum="df", name=_name("chi2.logpdf"))
def chi2_logpdf_vjp_df(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    d_df = 0.5 * (np.log(0.5 * z) - _tl.special.digamma(0.5 * df))
    return _tl.unbroadcast(g * np.where(support, d_df, 0.0), df)


@defjvp(stats.chi2.logpdf, argnum="loc", broadcast=True, name=_name("chi2.logpdf"))
def chi2_logpdf_jvp_loc(loc_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return loc_dot * np.where(support, (-h / scale), 0.0)


@defvjp(stats.chi2.logpdf, argnum="loc", name=_name("chi2.logpdf"))
def chi2_logpdf_vjp_loc(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return _tl.unbroadcast(g * np.where(support, (-h / scale), 0.0), loc)


@defjvp(stats.chi2.logpdf, argnum="scale", broadcast=True, name=_name("chi2.logpdf"))
def chi2_logpdf_jvp_scale(scale_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return scale_dot * np.where(support, (-(z_raw * h + 1.0) / scale), 0.0)


@defvjp(stats.chi2.logpdf, argnum="scale", name=_name("chi2.logpdf"))
def chi2_logpdf_vjp_scale(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return _tl.unbroadcast(g * np.where(support, (-(z_raw * h + 1.0) / scale), 0.0), scale)


@defjvp(stats.chi2.pdf, argnum="x", broadcast=True, name=_name("chi2.pdf"))
def chi2_pdf_jvp_x(x_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return x_dot * (ans * (h / scale))


@defvjp(stats.chi2.pdf, argnum="x", name=_name("chi2.pdf"))
def chi2_pdf_vjp_x(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return _tl.unbroadcast(g * (ans * (h / scale)), x)


@defjvp(stats.chi2.pdf, argnum="df", broadcast=True, name=_name("chi2.pdf"))
def chi2_pdf_jvp_df(df_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    d_df = 0.5 * (np.log(0.5 * z) - _tl.special.digamma(0.5 * df))
    return df_dot * (ans * d_df)


@defvjp(stats.chi2.pdf, argnum="df", name=_name("chi2.pdf"))
def chi2_pdf_vjp_df(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    d_df = 0.5 * (np.log(0.5 * z) - _tl.special.digamma(0.5 * df))
    return _tl.unbroadcast(g * (ans * d_df), df)


@defjvp(stats.chi2.pdf, argnum="loc", broadcast=True, name=_name("chi2.pdf"))
def chi2_pdf_jvp_loc(loc_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return loc_dot * (ans * (-h / scale))


@defvjp(stats.chi2.pdf, argnum="loc", name=_name("chi2.pdf"))
def chi2_pdf_vjp_loc(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return _tl.unbroadcast(g * (ans * (-h / scale)), loc)


@defjvp(stats.chi2.pdf, argnum="scale", broadcast=True, name=_name("chi2.pdf"))
def chi2_pdf_jvp_scale(scale_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return scale_dot * (ans * (-(z_raw * h + 1.0) / scale))


@defvjp(stats.chi2.pdf, argnum="scale", name=_name("chi2.pdf"))
def chi2_pdf_vjp_scale(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (0.5 * df - 1.0) / z - 0.5
    return _tl.unbroadcast(g * (ans * (-(z_raw * h + 1.0) / scale)), scale)


@defjvp(stats.chi2.cdf, argnum="x", broadcast=True, name=_name("chi2.cdf"))
def chi2_cdf_jvp_x(x_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(0.5 * df - 1.0, z_closed) - 0.5 * z_raw - 0.5 * df * np.log(2.0)
              - _tl.special.gammaln(0.5 * df) - np.log(scale))
    return x_dot * np.where(support, np.exp(logpdf), 0.0)


@defvjp(stats.chi2.cdf, argnum="x", name=_name("chi2.cdf"))
def chi2_cdf_vjp_x(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(0.5 * df - 1.0, z_closed) - 0.5 * z_raw - 0.5 * df * np.log(2.0)
              - _tl.special.gammaln(0.5 * df) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, np.exp(logpdf), 0.0), x)


@defjvp(stats.chi2.cdf, argnum="loc", broadcast=True, name=_name("chi2.cdf"))
def chi2_cdf_jvp_loc(loc_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(0.5 * df - 1.0, z_closed) - 0.5 * z_raw - 0.5 * df * np.log(2.0)
              - _tl.special.gammaln(0.5 * df) - np.log(scale))
    return loc_dot * np.where(support, (-np.exp(logpdf)), 0.0)


@defvjp(stats.chi2.cdf, argnum="loc", name=_name("chi2.cdf"))
def chi2_cdf_vjp_loc(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(0.5 * df - 1.0, z_closed) - 0.5 * z_raw - 0.5 * df * np.log(2.0)
              - _tl.special.gammaln(0.5 * df) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, (-np.exp(logpdf)), 0.0), loc)


@defjvp(stats.chi2.cdf, argnum="scale", broadcast=True, name=_name("chi2.cdf"))
def chi2_cdf_jvp_scale(scale_dot, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(0.5 * df - 1.0, z_closed) - 0.5 * z_raw - 0.5 * df * np.log(2.0)
              - _tl.special.gammaln(0.5 * df) - np.log(scale))
    return scale_dot * np.where(support, (-z_raw * np.exp(logpdf)), 0.0)


@defvjp(stats.chi2.cdf, argnum="scale", name=_name("chi2.cdf"))
def chi2_cdf_vjp_scale(g, ans, x, df, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(0.5 * df - 1.0, z_closed) - 0.5 * z_raw - 0.5 * df * np.log(2.0)
              - _tl.special.gammaln(0.5 * df) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, (-z_raw * np.exp(logpdf)), 0.0), scale)


# ================================================================ gamma (x, a, loc=0, scale=1)
# log f(z) = (a - 1) log(z) - z - gammaln(a)


@defjvp(stats.gamma.logpdf, argnum="x", broadcast=True, name=_name("gamma.logpdf"))
def gamma_logpdf_jvp_x(x_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return x_dot * np.where(support, (h / scale), 0.0)


@defvjp(stats.gamma.logpdf, argnum="x", name=_name("gamma.logpdf"))
def gamma_logpdf_vjp_x(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return _tl.unbroadcast(g * np.where(support, (h / scale), 0.0), x)


@defjvp(stats.gamma.logpdf, argnum="a", broadcast=True, name=_name("gamma.logpdf"))
def gamma_logpdf_jvp_a(a_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    d_a = np.log(z) - _tl.special.digamma(a)
    return a_dot * np.where(support, d_a, 0.0)


@defvjp(stats.gamma.logpdf, argnum="a", name=_name("gamma.logpdf"))
def gamma_logpdf_vjp_a(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    d_a = np.log(z) - _tl.special.digamma(a)
    return _tl.unbroadcast(g * np.where(support, d_a, 0.0), a)


@defjvp(stats.gamma.logpdf, argnum="loc", broadcast=True, name=_name("gamma.logpdf"))
def gamma_logpdf_jvp_loc(loc_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return loc_dot * np.where(support, (-h / scale), 0.0)


@defvjp(stats.gamma.logpdf, argnum="loc", name=_name("gamma.logpdf"))
def gamma_logpdf_vjp_loc(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return _tl.unbroadcast(g * np.where(support, (-h / scale), 0.0), loc)


@defjvp(stats.gamma.logpdf, argnum="scale", broadcast=True, name=_name("gamma.logpdf"))
def gamma_logpdf_jvp_scale(scale_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return scale_dot * np.where(support, (-(z_raw * h + 1.0) / scale), 0.0)


@defvjp(stats.gamma.logpdf, argnum="scale", name=_name("gamma.logpdf"))
def gamma_logpdf_vjp_scale(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    support = z_raw >= 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return _tl.unbroadcast(g * np.where(support, (-(z_raw * h + 1.0) / scale), 0.0), scale)


@defjvp(stats.gamma.pdf, argnum="x", broadcast=True, name=_name("gamma.pdf"))
def gamma_pdf_jvp_x(x_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return x_dot * (ans * (h / scale))


@defvjp(stats.gamma.pdf, argnum="x", name=_name("gamma.pdf"))
def gamma_pdf_vjp_x(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return _tl.unbroadcast(g * (ans * (h / scale)), x)


@defjvp(stats.gamma.pdf, argnum="a", broadcast=True, name=_name("gamma.pdf"))
def gamma_pdf_jvp_a(a_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    d_a = np.log(z) - _tl.special.digamma(a)
    return a_dot * (ans * d_a)


@defvjp(stats.gamma.pdf, argnum="a", name=_name("gamma.pdf"))
def gamma_pdf_vjp_a(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    d_a = np.log(z) - _tl.special.digamma(a)
    return _tl.unbroadcast(g * (ans * d_a), a)


@defjvp(stats.gamma.pdf, argnum="loc", broadcast=True, name=_name("gamma.pdf"))
def gamma_pdf_jvp_loc(loc_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return loc_dot * (ans * (-h / scale))


@defvjp(stats.gamma.pdf, argnum="loc", name=_name("gamma.pdf"))
def gamma_pdf_vjp_loc(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return _tl.unbroadcast(g * (ans * (-h / scale)), loc)


@defjvp(stats.gamma.pdf, argnum="scale", broadcast=True, name=_name("gamma.pdf"))
def gamma_pdf_jvp_scale(scale_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return scale_dot * (ans * (-(z_raw * h + 1.0) / scale))


@defvjp(stats.gamma.pdf, argnum="scale", name=_name("gamma.pdf"))
def gamma_pdf_vjp_scale(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    inside = z_raw > 0.0
    z = np.where(inside, z_raw, 0.5)
    h = (a - 1.0) / z - 1.0
    return _tl.unbroadcast(g * (ans * (-(z_raw * h + 1.0) / scale)), scale)


@defjvp(stats.gamma.cdf, argnum="x", broadcast=True, name=_name("gamma.cdf"))
def gamma_cdf_jvp_x(x_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) - z_raw - _tl.special.gammaln(a) - np.log(scale))
    return x_dot * np.where(support, np.exp(logpdf), 0.0)


@defvjp(stats.gamma.cdf, argnum="x", name=_name("gamma.cdf"))
def gamma_cdf_vjp_x(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) - z_raw - _tl.special.gammaln(a) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, np.exp(logpdf), 0.0), x)


@defjvp(stats.gamma.cdf, argnum="loc", broadcast=True, name=_name("gamma.cdf"))
def gamma_cdf_jvp_loc(loc_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) - z_raw - _tl.special.gammaln(a) - np.log(scale))
    return loc_dot * np.where(support, (-np.exp(logpdf)), 0.0)


@defvjp(stats.gamma.cdf, argnum="loc", name=_name("gamma.cdf"))
def gamma_cdf_vjp_loc(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) - z_raw - _tl.special.gammaln(a) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, (-np.exp(logpdf)), 0.0), loc)


@defjvp(stats.gamma.cdf, argnum="scale", broadcast=True, name=_name("gamma.cdf"))
def gamma_cdf_jvp_scale(scale_dot, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) - z_raw - _tl.special.gammaln(a) - np.log(scale))
    return scale_dot * np.where(support, (-z_raw * np.exp(logpdf)), 0.0)


@defvjp(stats.gamma.cdf, argnum="scale", name=_name("gamma.cdf"))
def gamma_cdf_vjp_scale(g, ans, x, a, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = z_raw >= 0.0
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) - z_raw - _tl.special.gammaln(a) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, (-z_raw * np.exp(logpdf)), 0.0), scale)


# ================================================================ beta (x, a, b, loc=0, scale=1)
# log f(z) = (a - 1) log(z) + (b - 1) log(1 - z) - betaln(a, b)


@defjvp(stats.beta.logpdf, argnum="x", broadcast=True, name=_name("beta.logpdf"))
def beta_logpdf_jvp_x(x_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return x_dot * np.where(support, (h / scale), 0.0)


@defvjp(stats.beta.logpdf, argnum="x", name=_name("beta.logpdf"))
def beta_logpdf_vjp_x(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return _tl.unbroadcast(g * np.where(support, (h / scale), 0.0), x)


@defjvp(stats.beta.logpdf, argnum="a", broadcast=True, name=_name("beta.logpdf"))
def beta_logpdf_jvp_a(a_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    d_a = np.log(z) - _tl.special.digamma(a) + _tl.special.digamma(a + b)
    return a_dot * np.where(support, d_a, 0.0)


@defvjp(stats.beta.logpdf, argnum="a", name=_name("beta.logpdf"))
def beta_logpdf_vjp_a(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    d_a = np.log(z) - _tl.special.digamma(a) + _tl.special.digamma(a + b)
    return _tl.unbroadcast(g * np.where(support, d_a, 0.0), a)


@defjvp(stats.beta.logpdf, argnum="b", broadcast=True, name=_name("beta.logpdf"))
def beta_logpdf_jvp_b(b_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    d_b = np.log1p(-z_hi) - _tl.special.digamma(b) + _tl.special.digamma(a + b)
    return b_dot * np.where(support, d_b, 0.0)


@defvjp(stats.beta.logpdf, argnum="b", name=_name("beta.logpdf"))
def beta_logpdf_vjp_b(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    d_b = np.log1p(-z_hi) - _tl.special.digamma(b) + _tl.special.digamma(a + b)
    return _tl.unbroadcast(g * np.where(support, d_b, 0.0), b)


@defjvp(stats.beta.logpdf, argnum="loc", broadcast=True, name=_name("beta.logpdf"))
def beta_logpdf_jvp_loc(loc_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return loc_dot * np.where(support, (-h / scale), 0.0)


@defvjp(stats.beta.logpdf, argnum="loc", name=_name("beta.logpdf"))
def beta_logpdf_vjp_loc(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return _tl.unbroadcast(g * np.where(support, (-h / scale), 0.0), loc)


@defjvp(stats.beta.logpdf, argnum="scale", broadcast=True, name=_name("beta.logpdf"))
def beta_logpdf_jvp_scale(scale_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return scale_dot * np.where(support, (-(z_raw * h + 1.0) / scale), 0.0)


@defvjp(stats.beta.logpdf, argnum="scale", name=_name("beta.logpdf"))
def beta_logpdf_vjp_scale(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return _tl.unbroadcast(g * np.where(support, (-(z_raw * h + 1.0) / scale), 0.0), scale)


@defjvp(stats.beta.pdf, argnum="x", broadcast=True, name=_name("beta.pdf"))
def beta_pdf_jvp_x(x_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return x_dot * np.where(support, (ans * (h / scale)), 0.0)


@defvjp(stats.beta.pdf, argnum="x", name=_name("beta.pdf"))
def beta_pdf_vjp_x(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return _tl.unbroadcast(g * np.where(support, (ans * (h / scale)), 0.0), x)


@defjvp(stats.beta.pdf, argnum="a", broadcast=True, name=_name("beta.pdf"))
def beta_pdf_jvp_a(a_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    d_a = np.log(z) - _tl.special.digamma(a) + _tl.special.digamma(a + b)
    return a_dot * np.where(support, (ans * d_a), 0.0)


@defvjp(stats.beta.pdf, argnum="a", name=_name("beta.pdf"))
def beta_pdf_vjp_a(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    d_a = np.log(z) - _tl.special.digamma(a) + _tl.special.digamma(a + b)
    return _tl.unbroadcast(g * np.where(support, (ans * d_a), 0.0), a)


@defjvp(stats.beta.pdf, argnum="b", broadcast=True, name=_name("beta.pdf"))
def beta_pdf_jvp_b(b_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    d_b = np.log1p(-z_hi) - _tl.special.digamma(b) + _tl.special.digamma(a + b)
    return b_dot * np.where(support, (ans * d_b), 0.0)


@defvjp(stats.beta.pdf, argnum="b", name=_name("beta.pdf"))
def beta_pdf_vjp_b(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    d_b = np.log1p(-z_hi) - _tl.special.digamma(b) + _tl.special.digamma(a + b)
    return _tl.unbroadcast(g * np.where(support, (ans * d_b), 0.0), b)


@defjvp(stats.beta.pdf, argnum="loc", broadcast=True, name=_name("beta.pdf"))
def beta_pdf_jvp_loc(loc_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return loc_dot * np.where(support, (ans * (-h / scale)), 0.0)


@defvjp(stats.beta.pdf, argnum="loc", name=_name("beta.pdf"))
def beta_pdf_vjp_loc(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return _tl.unbroadcast(g * np.where(support, (ans * (-h / scale)), 0.0), loc)


@defjvp(stats.beta.pdf, argnum="scale", broadcast=True, name=_name("beta.pdf"))
def beta_pdf_jvp_scale(scale_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return scale_dot * np.where(support, (ans * (-(z_raw * h + 1.0) / scale)), 0.0)


@defvjp(stats.beta.pdf, argnum="scale", name=_name("beta.pdf"))
def beta_pdf_vjp_scale(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z = np.where(z_raw > 0.0, z_raw, 0.5)
    z_hi = np.where(z_raw < 1.0, z_raw, 0.5)
    h = (a - 1.0) / z - (b - 1.0) / (1.0 - z_hi)
    return _tl.unbroadcast(g * np.where(support, (ans * (-(z_raw * h + 1.0) / scale)), 0.0), scale)


@defjvp(stats.beta.cdf, argnum="x", broadcast=True, name=_name("beta.cdf"))
def beta_cdf_jvp_x(x_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) + _tl.special.xlog1py(b - 1.0, -z_closed)
              - _tl.special.betaln(a, b) - np.log(scale))
    return x_dot * np.where(support, np.exp(logpdf), 0.0)


@defvjp(stats.beta.cdf, argnum="x", name=_name("beta.cdf"))
def beta_cdf_vjp_x(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) + _tl.special.xlog1py(b - 1.0, -z_closed)
              - _tl.special.betaln(a, b) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, np.exp(logpdf), 0.0), x)


@defjvp(stats.beta.cdf, argnum="loc", broadcast=True, name=_name("beta.cdf"))
def beta_cdf_jvp_loc(loc_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) + _tl.special.xlog1py(b - 1.0, -z_closed)
              - _tl.special.betaln(a, b) - np.log(scale))
    return loc_dot * np.where(support, (-np.exp(logpdf)), 0.0)


@defvjp(stats.beta.cdf, argnum="loc", name=_name("beta.cdf"))
def beta_cdf_vjp_loc(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) + _tl.special.xlog1py(b - 1.0, -z_closed)
              - _tl.special.betaln(a, b) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, (-np.exp(logpdf)), 0.0), loc)


@defjvp(stats.beta.cdf, argnum="scale", broadcast=True, name=_name("beta.cdf"))
def beta_cdf_jvp_scale(scale_dot, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) + _tl.special.xlog1py(b - 1.0, -z_closed)
              - _tl.special.betaln(a, b) - np.log(scale))
    return scale_dot * np.where(support, (-z_raw * np.exp(logpdf)), 0.0)


@defvjp(stats.beta.cdf, argnum="scale", name=_name("beta.cdf"))
def beta_cdf_vjp_scale(g, ans, x, a, b, loc=0.0, scale=1.0):
    z_raw = (x - loc) / scale
    support = (z_raw >= 0.0) & (z_raw <= 1.0)
    z_closed = np.where(support, z_raw, 0.5)
    logpdf = (_tl.special.xlogy(a - 1.0, z_closed) + _tl.special.xlog1py(b - 1.0, -z_closed)
              - _tl.special.betaln(a, b) - np.log(scale))
    return _tl.unbroadcast(g * np.where(support, (-z_raw * np.exp(logpdf)), 0.0), scale)



# ================================================================ poisson (k, mu, loc=0): derivatives in mu
# logpmf = (k - loc) log(mu) - mu - gammaln(k - loc + 1); cdf = sum of pmf(j) for j <= k - loc, whose
# derivative telescopes to -pmf(floor(k - loc)).  pmf's derivative is pmf(k - 1) - pmf(k) (finite at mu = 0,
# where k / mu * pmf(k) is 0 / 0); logpmf's reads mu only where k - loc != 0 (slope -1 at k = 0, mu = 0)


@defjvp(stats.poisson.logpmf, argnum="mu", broadcast=True, name=_name("poisson.logpmf"))
def poisson_logpmf_jvp_mu(mu_dot, ans, k, mu, loc=0):
    m = k - loc
    mu_read = np.where(m == 0.0, 1.0, mu)
    return mu_dot * (m / mu_read - 1.0)


@defvjp(stats.poisson.logpmf, argnum="mu", name=_name("poisson.logpmf"))
def poisson_logpmf_vjp_mu(g, ans, k, mu, loc=0):
    m = k - loc
    mu_read = np.where(m == 0.0, 1.0, mu)
    return _tl.unbroadcast(g * (m / mu_read - 1.0), mu)


@defjvp(stats.poisson.pmf, argnum="mu", broadcast=True, name=_name("poisson.pmf"))
def poisson_pmf_jvp_mu(mu_dot, ans, k, mu, loc=0):
    m = k - loc
    counted = (m >= 1.0) & (m == np.floor(m))
    m_prev = np.where(counted, m - 1.0, 0.0)
    pmf_prev = np.where(counted, np.exp(_tl.special.xlogy(m_prev, mu) - mu - _tl.special.gammaln(m_prev + 1.0)), 0.0)
    return mu_dot * (pmf_prev - ans)


@defvjp(stats.poisson.pmf, argnum="mu", name=_name("poisson.pmf"))
def poisson_pmf_vjp_mu(g, ans, k, mu, loc=0):
    m = k - loc
    counted = (m >= 1.0) & (m == np.floor(m))
    m_prev = np.where(counted, m - 1.0, 0.0)
    pmf_prev = np.where(counted, np.exp(_tl.special.xlogy(m_prev, mu) - mu - _tl.special.gammaln(m_prev + 1.0)), 0.0)
    return _tl.unbroadcast(g * (pmf_prev - ans), mu)


@defjvp(stats.poisson.cdf, argnum="mu", broadcast=True, name=_name("poisson.cdf"))
def poisson_cdf_jvp_mu(mu_dot, ans, k, mu, loc=0):
    m = np.floor(k - loc)
    return mu_dot * (-np.exp(_tl.special.xlogy(m, mu) - mu - _tl.special.gammaln(m + 1.0)))


@defvjp(stats.poisson.cdf, argnum="mu", name=_name("poisson.cdf"))
def poisson_cdf_vjp_mu(g, ans, k, mu, loc=0):
    m = np.floor(k - loc)
    return _tl.unbroadcast(g * (-np.exp(_tl.special.xlogy(m, mu) - mu - _tl.special.gammaln(m + 1.0))), mu)


# ================================================================ dirichlet (x, alpha)
# logpdf = sum((alpha - 1) log x) + gammaln(sum(alpha)) - sum(gammaln(alpha)); x holds the components
# along its first axis ((K,) or (K, N) for N points), so transpose(x) lines them up with alpha: the
# score d logpdf / d alpha is (K,) or (N, K).  In x the density is defined on the simplex only (SciPy
# refuses other points): (alpha - 1) / x is its derivative along the simplex (directions summing to 0),
# what a function of x / sum(x) needs.  SciPy also takes x with K - 1 components and completes the last
# one as 1 - sum(x): the rules read that completed x (runtime/scipy_stats.py: dirichlet_x, affine in x)
# and map tangents and cotangents through it (dirichlet_x_dot / dirichlet_x_bar)


@defjvp(runtime.dirichlet_x)
def dirichlet_x_jvp(x_dot, ans, x, alpha):
    return _tl.dirichlet_x_dot(x_dot, np.shape(alpha)[-1])


@defvjp(runtime.dirichlet_x)
def dirichlet_x_vjp(g, ans, x, alpha):
    return _tl.dirichlet_x_bar(g, np.shape(x)[0])


@defjvp(runtime.dirichlet_x_dot)
def dirichlet_x_dot_jvp(x_dot_dot, ans, x_dot, k):
    return _tl.dirichlet_x_dot(x_dot_dot, k)


@defvjp(runtime.dirichlet_x_dot)
def dirichlet_x_dot_vjp(g, ans, x_dot, k):
    return _tl.dirichlet_x_bar(g, np.shape(x_dot)[0])


@defjvp(runtime.dirichlet_x_bar)
def dirichlet_x_bar_jvp(g_dot, ans, g, given):
    return _tl.dirichlet_x_bar(g_dot, given)


@defvjp(runtime.dirichlet_x_bar)
def dirichlet_x_bar_vjp(h, ans, g, given):
    return _tl.dirichlet_x_dot(h, np.shape(g)[0])


constant_params(runtime.dirichlet_x, "alpha")
constant_params(runtime.dirichlet_x_dot, "k")
constant_params(runtime.dirichlet_x_bar, "given")


@defjvp(stats.dirichlet.logpdf, argnum="x", name=_name("dirichlet.logpdf"))
def dirichlet_logpdf_jvp_x(x_dot, ans, x, alpha):
    x_full = _tl.dirichlet_x(x, alpha)
    x_full_dot = _tl.dirichlet_x_dot(x_dot, np.shape(alpha)[-1])
    return np.sum((alpha - 1.0) / np.transpose(x_full) * np.transpose(x_full_dot), axis=-1)


@defvjp(stats.dirichlet.logpdf, argnum="x", name=_name("dirichlet.logpdf"))
def dirichlet_logpdf_vjp_x(g, ans, x, alpha):
    x_full = _tl.dirichlet_x(x, alpha)
    x_full_bar = np.transpose(np.expand_dims(g, -1) * (alpha - 1.0) / np.transpose(x_full))
    return _tl.dirichlet_x_bar(x_full_bar, np.shape(x)[0])


@defjvp(stats.dirichlet.pdf, argnum="x", name=_name("dirichlet.pdf"))
def dirichlet_pdf_jvp_x(x_dot, ans, x, alpha):
    x_full = _tl.dirichlet_x(x, alpha)
    x_full_dot = _tl.dirichlet_x_dot(x_dot, np.shape(alpha)[-1])
    return ans * np.sum((alpha - 1.0) / np.transpose(x_full) * np.transpose(x_full_dot), axis=-1)


@defvjp(stats.dirichlet.pdf, argnum="x", name=_name("dirichlet.pdf"))
def dirichlet_pdf_vjp_x(g, ans, x, alpha):
    x_full = _tl.dirichlet_x(x, alpha)
    x_full_bar = np.transpose(np.expand_dims(g * ans, -1) * (alpha - 1.0) / np.transpose(x_full))
    return _tl.dirichlet_x_bar(x_full_bar, np.shape(x)[0])


@defjvp(stats.dirichlet.logpdf, argnum="alpha", name=_name("dirichlet.logpdf"))
def dirichlet_logpdf_jvp_alpha(alpha_dot, ans, x, alpha):
    x_full = _tl.dirichlet_x(x, alpha)
    score = np.log(np.transpose(x_full)) - _tl.special.digamma(alpha) + _tl.special.digamma(np.sum(alpha))
    return np.dot(score, alpha_dot)


@defvjp(stats.dirichlet.logpdf, argnum="alpha", name=_name("dirichlet.logpdf"))
def dirichlet_logpdf_vjp_alpha(g, ans, x, alpha):
    x_full = _tl.dirichlet_x(x, alpha)
    score = np.log(np.transpose(x_full)) - _tl.special.digamma(alpha) + _tl.special.digamma(np.sum(alpha))
    return np.dot(g, score)


@defjvp(stats.dirichlet.pdf, argnum="alpha", name=_name("dirichlet.pdf"))
def dirichlet_pdf_jvp_alpha(alpha_dot, ans, x, alpha):
    x_full = _tl.dirichlet_x(x, alpha)
    score = np.log(np.transpose(x_full)) - _tl.special.digamma(alpha) + _tl.special.digamma(np.sum(alpha))
    return ans * np.dot(score, alpha_dot)


@defvjp(stats.dirichlet.pdf, argnum="alpha", name=_name("dirichlet.pdf"))
def dirichlet_pdf_vjp_alpha(g, ans, x, alpha):
    x_full = _tl.dirichlet_x(x, alpha)
    score = np.log(np.transpose(x_full)) - _tl.special.digamma(alpha) + _tl.special.digamma(np.sum(alpha))
    return np.dot(g * ans, score)


# ================================================================ multivariate_normal (x, mean, cov)
# logpdf = -(k log(2 pi) + log det C + r^T C^-1 r) / 2 with r = x - mean, for x of shape (k,) or
# (n, k) (n points) and C the symmetric matrix SciPy reads from cov (runtime/scipy_stats.py: its lower
# triangle); with p = C^+ r (one row per point, pinv: allow_singular=True too; x of any leading axes, and
# for a (1, 1) C a 1-D x is n points, as SciPy reads it: runtime mvn_x):
#     d/dx = -p      d/dmean = p      d/dC = (p p^T - C^+) / 2 (summed over the points)


@defjvp(runtime.mvn_cov)
def mvn_cov_jvp(cov_dot, ans, cov, mean=0.0):
    return _tl.mvn_cov(cov_dot)


@defvjp(runtime.mvn_cov)
def mvn_cov_vjp(g, ans, cov, mean=0.0):
    return _tl.mvn_cov_bar(g)


@defjvp(runtime.mvn_cov_bar)
def mvn_cov_bar_jvp(g_dot, ans, g):
    return _tl.mvn_cov_bar(g_dot)


@defvjp(runtime.mvn_cov_bar)
def mvn_cov_bar_vjp(h, ans, g):
    return _tl.mvn_cov(h)


constant_params(runtime.mvn_cov, "mean")


@defjvp(runtime.mvn_x)
def mvn_x_jvp(x_dot, ans, x, cov):
    return _tl.mvn_x(x_dot, cov)


@defvjp(runtime.mvn_x)
def mvn_x_vjp(g, ans, x, cov):
    return np.reshape(g, np.shape(x))


constant_params(runtime.mvn_x, "cov")


@defjvp(stats.multivariate_normal.logpdf, argnum="x", name=_name("multivariate_normal.logpdf"))
def mvn_logpdf_jvp_x(x_dot, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    return np.reshape(-np.sum(p * _tl.mvn_x(x_dot, cov), axis=-1), np.shape(ans))


@defjvp(stats.multivariate_normal.logpdf, argnum="mean", name=_name("multivariate_normal.logpdf"))
def mvn_logpdf_jvp_mean(mean_dot, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    return np.reshape(np.sum(p * mean_dot, axis=-1), np.shape(ans))


@defjvp(stats.multivariate_normal.logpdf, argnum="cov", name=_name("multivariate_normal.logpdf"))
def mvn_logpdf_jvp_cov(cov_dot, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    c_dot = _tl.mvn_cov(cov_dot)
    return np.reshape(0.5 * (np.sum(np.dot(p, c_dot) * p, axis=-1) - np.sum(c_inv * c_dot)), np.shape(ans))


@defvjp(stats.multivariate_normal.logpdf, argnum="x", name=_name("multivariate_normal.logpdf"))
def mvn_logpdf_vjp_x(g, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    return np.reshape(_tl.unbroadcast(-np.expand_dims(g, -1) * p, _tl.mvn_x(x, cov)), np.shape(x))


@defvjp(stats.multivariate_normal.logpdf, argnum="mean", name=_name("multivariate_normal.logpdf"))
def mvn_logpdf_vjp_mean(g, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    return _tl.unbroadcast(np.expand_dims(g, -1) * p, mean)


@defvjp(stats.multivariate_normal.logpdf, argnum="cov", name=_name("multivariate_normal.logpdf"))
def mvn_logpdf_vjp_cov(g, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.reshape(np.dot(_tl.mvn_x(x, cov) - mean, c_inv), (-1, np.shape(c_inv)[0]))
    gp = np.reshape(g, (-1, 1)) * p
    return _tl.mvn_cov_bar(0.5 * (np.dot(np.transpose(gp), p) - np.sum(g) * c_inv))


@defjvp(stats.multivariate_normal.pdf, argnum="x", name=_name("multivariate_normal.pdf"))
def mvn_pdf_jvp_x(x_dot, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    return np.reshape(-ans * np.sum(p * _tl.mvn_x(x_dot, cov), axis=-1), np.shape(ans))


@defjvp(stats.multivariate_normal.pdf, argnum="mean", name=_name("multivariate_normal.pdf"))
def mvn_pdf_jvp_mean(mean_dot, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    return np.reshape(ans * np.sum(p * mean_dot, axis=-1), np.shape(ans))


@defjvp(stats.multivariate_normal.pdf, argnum="cov", name=_name("multivariate_normal.pdf"))
def mvn_pdf_jvp_cov(cov_dot, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    c_dot = _tl.mvn_cov(cov_dot)
    return np.reshape(ans * (0.5 * (np.sum(np.dot(p, c_dot) * p, axis=-1) - np.sum(c_inv * c_dot))), np.shape(ans))


@defvjp(stats.multivariate_normal.pdf, argnum="x", name=_name("multivariate_normal.pdf"))
def mvn_pdf_vjp_x(g, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    return np.reshape(_tl.unbroadcast(-np.expand_dims(g * ans, -1) * p, _tl.mvn_x(x, cov)), np.shape(x))


@defvjp(stats.multivariate_normal.pdf, argnum="mean", name=_name("multivariate_normal.pdf"))
def mvn_pdf_vjp_mean(g, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.dot(_tl.mvn_x(x, cov) - mean, c_inv)
    return _tl.unbroadcast(np.expand_dims(g * ans, -1) * p, mean)


@defvjp(stats.multivariate_normal.pdf, argnum="cov", name=_name("multivariate_normal.pdf"))
def mvn_pdf_vjp_cov(g, ans, x, mean=None, cov=1, allow_singular=False):
    c_inv = np.linalg.pinv(_tl.mvn_cov(cov, mean))
    p = np.reshape(np.dot(_tl.mvn_x(x, cov) - mean, c_inv), (-1, np.shape(c_inv)[0]))
    gp = np.reshape(g * ans, (-1, 1)) * p
    return _tl.mvn_cov_bar(0.5 * (np.dot(np.transpose(gp), p) - np.sum(g * ans) * c_inv))
