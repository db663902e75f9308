"""More NumPy rules: elementwise functions, reductions, cumulative ops, products,
shape manipulation, selection and linear algebra.

Each rule is a short ``return <expression>``; anything longer lives in a runtime
helper (``tangent_lite/runtime/``, called as ``_tl.<name>``).  The
parameters after ``(seed, ans)`` follow NumPy's spelling and positional order, so
call sites bind to them by position and keyword.  Cotangents of tuple/list
outputs (``np.split``, ``np.linalg.slogdet``/``eigh``/``svd``/``qr``) are tuples or
lists whose entries may be ``None`` (zero); tangents of such outputs are tuples or
lists too.  Arguments that are sequences of arrays (``np.concatenate``,
``np.stack``, ``np.linalg.multi_dot``, the choices of ``np.select``) have
list/tuple tangents and cotangents.

Conventions at non-smooth points (the same as in ``rules/numpy.py``): the
derivative at a kink is the average of the one-sided derivatives --

* ties of ``fmax``/``fmin``, ``clip`` at a bound: 1/2 to each side;
* ``fabs``/``copysign`` at 0, ``hypot`` at (0, 0), ``std``/``nanstd`` of constant
  data, the 2-norm (and any p-norm) at 0: 0;
* ties in ``sort``/``median``: the tied positions share the mean of the tied
  entries' tangents; ties of ``ptp``, ``nanmax``/``nanmin``, ``amax``/``amin`` and of
  the inf/1-norms: shared evenly among the tied entries;
* ``interp`` at a knot: the average of the two adjacent slopes;
* ``cbrt`` at 0: ``inf`` (the true limit, like ``sqrt``).

Singular points (as in ``rules/numpy.py``): a zero seed times an infinite or NaN local
partial derivative contributes exactly 0 -- ``log2``/``log10`` at 0, ``cbrt`` at 0,
``arctanh`` at +-1, ``arccosh`` at 1, ``float_power`` (also 0 for an exponent of 0, for
every base), ``fmod``/``remainder`` by 0, ``exp2`` where it overflows: the seed multiplies
the partial through ``_tl.strong_mul`` / ``_tl.strong_div``.

NaN handling: ``nan*`` reductions give NaN entries a zero derivative, ``nan_to_num``
passes the derivative only where its input is finite.

Linear algebra (real matrices, stacks over leading axes; formulas as in Giles 2008,
"Collected matrix derivative results", and Townsend 2016 for the SVD): ``inv`` and
``det``/``slogdet`` need an invertible matrix, ``eigh``/``svd`` distinct (and, for
the SVD vectors, nonzero) eigen/singular values, ``qr`` full column rank with
rows >= columns, ``pinv`` constant (full) rank.  ``cholesky`` and ``eigh``/``eigvalsh``
read one triangle of their input (NumPy/LAPACK ignore the other), so their
derivatives are those of the functions NumPy computes: the cotangent lands on the
lower (``UPLO='L'``, ``upper=False``) or upper triangle.  With
``full_matrices=True`` and a non-square matrix, the extra columns of ``U`` (rows of
``Vh``) are an arbitrary basis: their derivative is undefined and comes out NaN.
Unsupported options (``svd(hermitian=True)``, ``pinv(hermitian=True)``,
``average(returned=True)``, ``interp(period=...)``, ``qr(mode='raw')``, non-copying
``pad`` modes) raise ``NotImplementedError`` when differentiated.
"""

# ruff: noqa: F821
import functools

import numpy as np

from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable


class _Absent:
    """Stands for a NumPy function this NumPy version does not have (its rules never match)."""

    def __init__(self, name: str) -> None:
        self.__name__ = self.__qualname__ = name
        self.__module__ = "numpy"

    def __call__(self, *args, **kwargs):  # pragma: no cover - never called by user code
        raise AttributeError(f"numpy.{self.__name__} does not exist in NumPy {np.__version__}")


def _distinct(name: str, other):
    """``np.<name>`` unless it is the same function as ``other`` (``np.amax is np.max`` on
    NumPy 1.x), whose rules are registered already."""
    fn = _np(name)
    return _Absent(name) if fn is other else fn


@functools.cache  # one stand-in per missing name
def _np(name: str):
    """``np.<name>`` (dotted for submodules), or an :class:`_Absent` stand-in on older NumPy."""
    obj = np
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return _Absent(name)
    return obj

# ---------------------------------------------------------------- elementwise, one argument


@defjvp(np.fabs)
def fabs_jvp(x_dot, ans, x):
    return x_dot * np.sign(x)


@defvjp(np.fabs)
def fabs_vjp(g, ans, x):
    return g * np.sign(x)


@defjvp(np.log2)
def log2_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, x * float(np.log(2.0)))


@defvjp(np.log2)
def log2_vjp(g, ans, x):
    return _tl.strong_div(g, x * float(np.log(2.0)))


@defjvp(np.log10)
def log10_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, x * float(np.log(10.0)))


@defvjp(np.log10)
def log10_vjp(g, ans, x):
    return _tl.strong_div(g, x * float(np.log(10.0)))


@defjvp(np.exp2)
def exp2_jvp(x_dot, ans, x):
    return _tl.strong_mul(x_dot, ans * float(np.log(2.0)))


@defvjp(np.exp2)
def exp2_vjp(g, ans, x):
    return _tl.strong_mul(g, ans * float(np.log(2.0)))


@defjvp(np.cbrt)
def cbrt_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, 3.0 * ans * ans)


@defvjp(np.cbrt)
def cbrt_vjp(g, ans, x):
    return _tl.strong_div(g, 3.0 * ans * ans)


@defjvp(np.sinc)
def sinc_jvp(x_dot, ans, x):
    return x_dot * _tl.sinc_grad(x)


@defvjp(np.sinc)
def sinc_vjp(g, ans, x):
    return g * _tl.sinc_grad(x)


@defjvp(np.deg2rad)
def deg2rad_jvp(x_dot, ans, x):
    return x_dot * (np.pi / 180.0)


@defvjp(np.deg2rad)
def deg2rad_vjp(g, ans, x):
    return g * (np.pi / 180.0)


@defjvp(np.radians)
def radians_jvp(x_dot, ans, x):
    return x_dot * (np.pi / 180.0)


@defvjp(np.radians)
def radians_vjp(g, ans, x):
    return g * (np.pi / 180.0)


@defjvp(np.rad2deg)
def rad2deg_jvp(x_dot, ans, x):
    return x_dot * (180.0 / np.pi)


@defvjp(np.rad2deg)
def rad2deg_vjp(g, ans, x):
    return g * (180.0 / np.pi)


@defjvp(np.degrees)
def degrees_jvp(x_dot, ans, x):
    return x_dot * (180.0 / np.pi)


@defvjp(np.degrees)
def degrees_vjp(g, ans, x):
    return g * (180.0 / np.pi)


@defjvp(np.arctanh)
def arctanh_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, 1.0 - x * x)


@defvjp(np.arctanh)
def arctanh_vjp(g, ans, x):
    return _tl.strong_div(g, 1.0 - x * x)


@defjvp(np.arcsinh)
def arcsinh_jvp(x_dot, ans, x):
    return x_dot / np.sqrt(x * x + 1.0)


@defvjp(np.arcsinh)
def arcsinh_vjp(g, ans, x):
    return g / np.sqrt(x * x + 1.0)


@defjvp(np.arccosh)
def arccosh_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, np.sqrt(x * x - 1.0))


@defvjp(np.arccosh)
def arccosh_vjp(g, ans, x):
    return _tl.strong_div(g, np.sqrt(x * x - 1.0))


@defjvp(np.positive)
def positive_jvp(x_dot, ans, x):
    return x_dot


@defvjp(np.positive)
def positive_vjp(g, ans, x):
    return g


@defjvp(np.conjugate)
def conjugate_jvp(x_dot, ans, x):
    return np.conjugate(x_dot)


@defvjp(np.conjugate)
def conjugate_vjp(g, ans, x):
    return np.conjugate(g)


@defjvp(np.real)
def real_jvp(x_dot, ans, val):
    return np.real(x_dot)


@defvjp(np.real)
def real_vjp(g, ans, val):
    return np.real(g)


# (``np.imag`` and ``np.angle``: rules/complex.py)


@defjvp(np.nan_to_num)
def nan_to_num_jvp(x_dot, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return _tl.finite_zero(x_dot, x)


@defvjp(np.nan_to_num)
def nan_to_num_vjp(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return g * np.isfinite(x)


# ---------------------------------------------------------------- elementwise, two arguments (broadcasting)


@defjvp(np.logaddexp, argnum=0)
def logaddexp_jvp_x1(x_dot, ans, x1, x2):
    return x_dot * np.exp(x1 - ans)


@defjvp(np.logaddexp, argnum=1)
def logaddexp_jvp_x2(y_dot, ans, x1, x2):
    return y_dot * np.exp(x2 - ans)


@defvjp(np.logaddexp, argnum=0)
def logaddexp_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(g * np.exp(x1 - ans), x1)


@defvjp(np.logaddexp, argnum=1)
def logaddexp_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(g * np.exp(x2 - ans), x2)


@defjvp(np.logaddexp2, argnum=0)
def logaddexp2_jvp_x1(x_dot, ans, x1, x2):
    return x_dot * np.exp2(x1 - ans)


@defjvp(np.logaddexp2, argnum=1)
def logaddexp2_jvp_x2(y_dot, ans, x1, x2):
    return y_dot * np.exp2(x2 - ans)


@defvjp(np.logaddexp2, argnum=0)
def logaddexp2_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(g * np.exp2(x1 - ans), x1)


@defvjp(np.logaddexp2, argnum=1)
def logaddexp2_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(g * np.exp2(x2 - ans), x2)


@defjvp(np.hypot, argnum=0)
def hypot_jvp_x1(x_dot, ans, x1, x2):
    return x_dot * _tl.safe_div(x1, ans)


@defjvp(np.hypot, argnum=1)
def hypot_jvp_x2(y_dot, ans, x1, x2):
    return y_dot * _tl.safe_div(x2, ans)


@defvjp(np.hypot, argnum=0)
def hypot_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(g * _tl.safe_div(x1, ans), x1)


@defvjp(np.hypot, argnum=1)
def hypot_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(g * _tl.safe_div(x2, ans), x2)


@defjvp(np.fmax, argnum=0)
def fmax_jvp_x1(x_dot, ans, x1, x2):
    return _tl.strong_mul(x_dot, _tl.balanced_eq(x1, ans, x2))


@defjvp(np.fmax, argnum=1)
def fmax_jvp_x2(y_dot, ans, x1, x2):
    return _tl.strong_mul(y_dot, _tl.balanced_eq(x2, ans, x1))


@defvjp(np.fmax, argnum=0)
def fmax_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.balanced_eq(x1, ans, x2)), x1)


@defvjp(np.fmax, argnum=1)
def fmax_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.balanced_eq(x2, ans, x1)), x2)


@defjvp(np.fmin, argnum=0)
def fmin_jvp_x1(x_dot, ans, x1, x2):
    return _tl.strong_mul(x_dot, _tl.balanced_eq(x1, ans, x2))


@defjvp(np.fmin, argnum=1)
def fmin_jvp_x2(y_dot, ans, x1, x2):
    return _tl.strong_mul(y_dot, _tl.balanced_eq(x2, ans, x1))


@defvjp(np.fmin, argnum=0)
def fmin_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.balanced_eq(x1, ans, x2)), x1)


@defvjp(np.fmin, argnum=1)
def fmin_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.balanced_eq(x2, ans, x1)), x2)


@defjvp(np.copysign, argnum=0)
def copysign_jvp_x1(x_dot, ans, x1, x2):
    return x_dot * np.sign(x1) * np.copysign(1.0, x2)


@defjvp(np.copysign, argnum=1)
def copysign_jvp_x2(y_dot, ans, x1, x2):
    return _tl.zeros_like(ans)


@defvjp(np.copysign, argnum=0)
def copysign_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(g * np.sign(x1) * np.copysign(1.0, x2), x1)


@defvjp(np.copysign, argnum=1)
def copysign_vjp_x2(g, ans, x1, x2):
    return _tl.zeros_like(x2)


# heaviside(x1, x2) is 0 for x1 < 0, 1 for x1 > 0 and x2 where x1 == 0: piecewise constant in x1,
# the identity in x2 where x1 == 0


@defjvp(np.heaviside, argnum=1)
def heaviside_jvp_x2(x2_dot, ans, x1, x2):
    return x2_dot * np.equal(x1, 0)


@defvjp(np.heaviside, argnum=1)
def heaviside_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(g * np.equal(x1, 0), x2)


constant_params(np.heaviside, "x1")


@defjvp(np.fmod, argnum=0, broadcast=True)
def fmod_jvp_x1(x_dot, ans, x1, x2):
    return x_dot


@defjvp(np.fmod, argnum=1)
def fmod_jvp_x2(y_dot, ans, x1, x2):
    return _tl.strong_mul(-y_dot, np.trunc(np.divide(x1, x2)))


@defvjp(np.fmod, argnum=0)
def fmod_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(g, x1)


@defvjp(np.fmod, argnum=1)
def fmod_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(_tl.strong_mul(-g, np.trunc(np.divide(x1, x2))), x2)


@defjvp(np.remainder, argnum=0, broadcast=True)
def remainder_jvp_x1(x_dot, ans, x1, x2):
    return x_dot


@defjvp(np.remainder, argnum=1)
def remainder_jvp_x2(y_dot, ans, x1, x2):
    return _tl.strong_mul(-y_dot, np.floor_divide(x1, x2))


@defvjp(np.remainder, argnum=0)
def remainder_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(g, x1)


@defvjp(np.remainder, argnum=1)
def remainder_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(_tl.strong_mul(-g, np.floor_divide(x1, x2)), x2)


@defjvp(np.float_power, argnum=0)
def float_power_jvp_x1(x_dot, ans, x1, x2):
    return _tl.strong_mul(x_dot * x2, np.float_power(x1, np.subtract(x2, 1.0)))


@defjvp(np.float_power, argnum=1)
def float_power_jvp_x2(y_dot, ans, x1, x2):
    return _tl.strong_mul(y_dot, _tl.pow_exponent_bar(ans, 1.0, x1))


@defvjp(np.float_power, argnum=0)
def float_power_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(_tl.strong_mul(g * x2, np.float_power(x1, np.subtract(x2, 1.0))), x1)


@defvjp(np.float_power, argnum=1)
def float_power_vjp_x2(g, ans, x1, x2):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.pow_exponent_bar(ans, 1.0, x1)), x2)


@defjvp(np.ldexp, argnum=0)
def ldexp_jvp_x1(x_dot, ans, x1, x2):
    return np.ldexp(x_dot, x2)


@defvjp(np.ldexp, argnum=0)
def ldexp_vjp_x1(g, ans, x1, x2):
    return _tl.unbroadcast(np.ldexp(g, x2), x1)


# ---------------------------------------------------------------- clip (ties split evenly)


@defjvp(np.clip, argnum=0)
def clip_jvp_a(a_dot, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.strong_mul(a_dot, _tl.clip_weight(0, a, a_min, a_max, min, max))


@defjvp(np.clip, argnum=1)
def clip_jvp_a_min(lo_dot, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.strong_mul(lo_dot, _tl.clip_weight(1, a, a_min, a_max, min, max))


@defjvp(np.clip, argnum=2)
def clip_jvp_a_max(hi_dot, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.strong_mul(hi_dot, _tl.clip_weight(2, a, a_min, a_max, min, max))


@defjvp(np.clip, argnum=4)
def clip_jvp_min(lo_dot, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.strong_mul(lo_dot, _tl.clip_weight(1, a, a_min, a_max, min, max))


@defjvp(np.clip, argnum=5)
def clip_jvp_max(hi_dot, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.strong_mul(hi_dot, _tl.clip_weight(2, a, a_min, a_max, min, max))


@defvjp(np.clip, argnum=0)
def clip_vjp_a(g, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.clip_weight(0, a, a_min, a_max, min, max)), a)


@defvjp(np.clip, argnum=1)
def clip_vjp_a_min(g, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.clip_weight(1, a, a_min, a_max, min, max)), a_min)


@defvjp(np.clip, argnum=2)
def clip_vjp_a_max(g, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.clip_weight(2, a, a_min, a_max, min, max)), a_max)


@defvjp(np.clip, argnum=4)
def clip_vjp_min(g, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.clip_weight(1, a, a_min, a_max, min, max)), min)


@defvjp(np.clip, argnum=5)
def clip_vjp_max(g, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.clip_weight(2, a, a_min, a_max, min, max)), max)


# ---------------------------------------------------------------- reductions


@defjvp(_distinct("amax", np.max))
def amax_jvp(x_dot, ans, a, axis=None, out=None, keepdims=False):
    return np.sum(_tl.extremum_bar(1.0, ans, a, axis, keepdims) * x_dot, axis=axis, keepdims=keepdims)


@defvjp(_distinct("amax", np.max))
def amax_vjp(g, ans, a, axis=None, out=None, keepdims=False):
    return _tl.extremum_bar(g, ans, a, axis, keepdims)


@defjvp(_distinct("amin", np.min))
def amin_jvp(x_dot, ans, a, axis=None, out=None, keepdims=False):
    return np.sum(_tl.extremum_bar(1.0, ans, a, axis, keepdims) * x_dot, axis=axis, keepdims=keepdims)


@defvjp(_distinct("amin", np.min))
def amin_vjp(g, ans, a, axis=None, out=None, keepdims=False):
    return _tl.extremum_bar(g, ans, a, axis, keepdims)


@defjvp(np.nanmax)
def nanmax_jvp(x_dot, ans, a, axis=None, out=None, keepdims=False):
    return np.sum(_tl.extremum_bar(1.0, ans, a, axis, keepdims) * _tl.nan_zero(x_dot, a), axis=axis, keepdims=keepdims)


@defvjp(np.nanmax)
def nanmax_vjp(g, ans, a, axis=None, out=None, keepdims=False):
    return _tl.extremum_bar(g, ans, a, axis, keepdims)


@defjvp(np.nanmin)
def nanmin_jvp(x_dot, ans, a, axis=None, out=None, keepdims=False):
    return np.sum(_tl.extremum_bar(1.0, ans, a, axis, keepdims) * _tl.nan_zero(x_dot, a), axis=axis, keepdims=keepdims)


@defvjp(np.nanmin)
def nanmin_vjp(g, ans, a, axis=None, out=None, keepdims=False):
    return _tl.extremum_bar(g, ans, a, axis, keepdims)


@defjvp(np.ptp)
def ptp_jvp(x_dot, ans, a, axis=None, out=None, keepdims=False):
    return np.sum(_tl.ptp_bar(1.0, a, axis, keepdims) * x_dot, axis=axis, keepdims=keepdims)


@defvjp(np.ptp)
def ptp_vjp(g, ans, a, axis=None, out=None, keepdims=False):
    return _tl.ptp_bar(g, a, axis, keepdims)


@defjvp(np.nansum)
def nansum_jvp(x_dot, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(_tl.nan_zero(x_dot, a), axis=axis, keepdims=keepdims)


@defvjp(np.nansum)
def nansum_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return _tl.sum_bar(g, a, axis, keepdims) * _tl.nan_mask(a)


@defjvp(np.nanmean)
def nanmean_jvp(x_dot, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(_tl.nanmean_bar(1.0, a, axis, keepdims) * _tl.nan_zero(x_dot, a), axis=axis, keepdims=keepdims)


@defvjp(np.nanmean)
def nanmean_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return _tl.nanmean_bar(g, a, axis, keepdims)


@defjvp(np.nanprod)
def nanprod_jvp(x_dot, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return np.sum(_tl.nanprod_bar(1.0, a, axis, keepdims) * _tl.nan_zero(x_dot, a), axis=axis, keepdims=keepdims)


@defvjp(np.nanprod)
def nanprod_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return _tl.nanprod_bar(g, a, axis, keepdims)


@defjvp(np.var)
def var_jvp(x_dot, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _tl.var_tangent(x_dot, a, axis, ddof, keepdims)


@defvjp(np.var)
def var_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _tl.var_bar(g, a, axis, ddof, keepdims)


@defjvp(np.std)
def std_jvp(x_dot, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _tl.std_tangent(x_dot, ans, a, axis, ddof, keepdims)


@defvjp(np.std)
def std_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _tl.std_bar(g, ans, a, axis, ddof, keepdims)


@defjvp(np.nanvar)
def nanvar_jvp(x_dot, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _tl.nanvar_tangent(_tl.nan_zero(x_dot, a), a, axis, ddof, keepdims)


@defvjp(np.nanvar)
def nanvar_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _tl.nanvar_bar(g, a, axis, ddof, keepdims)


@defjvp(np.nanstd)
def nanstd_jvp(x_dot, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _tl.nanstd_tangent(_tl.nan_zero(x_dot, a), ans, a, axis, ddof, keepdims)


@defvjp(np.nanstd)
def nanstd_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return _tl.nanstd_bar(g, ans, a, axis, ddof, keepdims)


@defjvp(np.average, argnum=0)
def average_jvp_a(a_dot, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return np.sum(_tl.average_bar_a(1.0, a, axis, weights, returned, keepdims) * a_dot, axis=axis, keepdims=keepdims)


@defjvp(np.average, argnum=2)
def average_jvp_weights(w_dot, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return _tl.average_tangent_w(w_dot, ans, a, axis, weights, returned, keepdims)


@defvjp(np.average, argnum=0)
def average_vjp_a(g, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return _tl.average_bar_a(g, a, axis, weights, returned, keepdims)


@defvjp(np.average, argnum=2)
def average_vjp_weights(g, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return _tl.average_bar_w(g, ans, a, axis, weights, returned, keepdims)


@defjvp(np.median)
def median_jvp(x_dot, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return np.sum(_tl.median_weights(a, axis) * x_dot, axis=axis, keepdims=keepdims)


@defvjp(np.median)
def median_vjp(g, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _tl.median_bar(g, a, axis, keepdims)


@defjvp(_np("trapezoid"), argnum=0)
def trapezoid_jvp_y(y_dot, ans, y, x=None, dx=1.0, axis=-1):
    return np.trapezoid(y_dot, x, dx, axis)


@defjvp(_np("trapezoid"), argnum=1)
def trapezoid_jvp_x(x_dot, ans, y, x=None, dx=1.0, axis=-1):
    return _tl.trapezoid_tangent_x(x_dot, y, x, dx, axis)


@defvjp(_np("trapezoid"), argnum=0)
def trapezoid_vjp_y(g, ans, y, x=None, dx=1.0, axis=-1):
    return _tl.trapezoid_bar_y(g, y, x, dx, axis)


@defvjp(_np("trapezoid"), argnum=1)
def trapezoid_vjp_x(g, ans, y, x=None, dx=1.0, axis=-1):
    return _tl.trapezoid_bar_x(g, y, x, dx, axis)


# ---------------------------------------------------------------- norms


@defjvp(np.linalg.norm)
def norm_jvp(x_dot, ans, x, ord=None, axis=None, keepdims=False):
    return _tl.norm_tangent(x_dot, ans, x, ord, axis, keepdims)


@defvjp(np.linalg.norm)
def norm_vjp(g, ans, x, ord=None, axis=None, keepdims=False):
    return _tl.norm_bar(g, ans, x, ord, axis, keepdims)


@defjvp(_np("linalg.vector_norm"))
def vector_norm_jvp(x_dot, ans, x, axis=None, keepdims=False, ord=2):
    return _tl.norm_tangent(x_dot, ans, x, ord, axis, keepdims, "vector")


@defvjp(_np("linalg.vector_norm"))
def vector_norm_vjp(g, ans, x, axis=None, keepdims=False, ord=2):
    return _tl.norm_bar(g, ans, x, ord, axis, keepdims, "vector")


@defjvp(_np("linalg.matrix_norm"))
def matrix_norm_jvp(x_dot, ans, x, keepdims=False, ord="fro"):
    return _tl.norm_tangent(x_dot, ans, x, ord, None, keepdims, "matrix")


@defvjp(_np("linalg.matrix_norm"))
def matrix_norm_vjp(g, ans, x, keepdims=False, ord="fro"):
    return _tl.norm_bar(g, ans, x, ord, None, keepdims, "matrix")


# ---------------------------------------------------------------- cumulative ops and differences


@defjvp(np.cumsum)
def cumsum_jvp(x_dot, ans, a, axis=None, dtype=None):
    return np.cumsum(x_dot, axis=axis)


@defvjp(np.cumsum)
def cumsum_vjp(g, ans, a, axis=None, dtype=None):
    return _tl.cumsum_bar(g, a, axis)


@defjvp(np.nancumsum)
def nancumsum_jvp(x_dot, ans, a, axis=None, dtype=None):
    return np.cumsum(_tl.nan_zero(x_dot, a), axis=axis)


@defvjp(np.nancumsum)
def nancumsum_vjp(g, ans, a, axis=None, dtype=None):
    return _tl.cumsum_bar(g, a, axis) * _tl.nan_mask(a)


@defjvp(np.cumprod)
def cumprod_jvp(x_dot, ans, a, axis=None, dtype=None):
    return _tl.cumprod_tangent(x_dot, a, axis)


@defvjp(np.cumprod)
def cumprod_vjp(g, ans, a, axis=None, dtype=None):
    return _tl.cumprod_bar(g, a, axis)


@defjvp(np.nancumprod)
def nancumprod_jvp(x_dot, ans, a, axis=None, dtype=None):
    return _tl.nancumprod_tangent(_tl.nan_zero(x_dot, a), a, axis)


@defvjp(np.nancumprod)
def nancumprod_vjp(g, ans, a, axis=None, dtype=None):
    return _tl.nancumprod_bar(g, a, axis)


@defjvp(_np("cumulative_sum"))
def cumulative_sum_jvp(x_dot, ans, x, axis=None, dtype=None, include_initial=False):
    return np.cumulative_sum(x_dot, axis=axis, include_initial=include_initial)


@defvjp(_np("cumulative_sum"))
def cumulative_sum_vjp(g, ans, x, axis=None, dtype=None, include_initial=False):
    return _tl.cumulative_sum_bar(g, x, axis, include_initial)


@defjvp(_np("cumulative_prod"))
def cumulative_prod_jvp(x_dot, ans, x, axis=None, dtype=None, include_initial=False):
    return _tl.cumulative_prod_tangent(x_dot, x, axis, include_initial)


@defvjp(_np("cumulative_prod"))
def cumulative_prod_vjp(g, ans, x, axis=None, dtype=None, include_initial=False):
    return _tl.cumulative_prod_bar(g, x, axis, include_initial)


@defjvp(np.diff, argnum=0)
def diff_jvp_a(a_dot, ans, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_tangent(a_dot, 0, a, n, axis, prepend, append)


@defjvp(np.diff, argnum=3)
def diff_jvp_prepend(p_dot, ans, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_tangent(p_dot, 1, a, n, axis, prepend, append)


@defjvp(np.diff, argnum=4)
def diff_jvp_append(p_dot, ans, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_tangent(p_dot, 2, a, n, axis, prepend, append)


@defvjp(np.diff, argnum=0)
def diff_vjp_a(g, ans, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_bar(g, 0, a, n, axis, prepend, append)


@defvjp(np.diff, argnum=3)
def diff_vjp_prepend(g, ans, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_bar(g, 1, a, n, axis, prepend, append)


@defvjp(np.diff, argnum=4)
def diff_vjp_append(g, ans, a, n=1, axis=-1, prepend=None, append=None):
    return _tl.diff_bar(g, 2, a, n, axis, prepend, append)


# ---------------------------------------------------------------- sorting


@defjvp(np.sort)
def sort_jvp(x_dot, ans, a, axis=-1, kind=None, order=None, stable=None):
    return _tl.sort_tangent(x_dot, a, axis)


@defvjp(np.sort)
def sort_vjp(g, ans, a, axis=-1, kind=None, order=None, stable=None):
    return _tl.sort_bar(g, a, axis)


# ---------------------------------------------------------------- products


@defjvp(np.vdot, argnum=0)
def vdot_jvp_a(a_dot, ans, a, b):
    return np.vdot(a_dot, b)


@defjvp(np.vdot, argnum=1)
def vdot_jvp_b(b_dot, ans, a, b):
    return np.vdot(a, b_dot)


@defvjp(np.vdot, argnum=0)
def vdot_vjp_a(g, ans, a, b):
    return np.conjugate(g * np.reshape(b, np.shape(a)))  # vdot conjugates a (docs/complex-numbers.md)


@defvjp(np.vdot, argnum=1)
def vdot_vjp_b(g, ans, a, b):
    return g * np.conjugate(np.reshape(a, np.shape(b)))


@defjvp(np.inner, argnum=0)
def inner_jvp_a(a_dot, ans, a, b):
    return np.inner(a_dot, b)


@defjvp(np.inner, argnum=1)
def inner_jvp_b(b_dot, ans, a, b):
    return np.inner(a, b_dot)


@defvjp(np.inner, argnum=0)
def inner_vjp_a(g, ans, a, b):
    return _tl.inner_bar_a(g, a, b)


@defvjp(np.inner, argnum=1)
def inner_vjp_b(g, ans, a, b):
    return _tl.inner_bar_b(g, a, b)


@defjvp(_np("vecdot"), argnum=0)
def vecdot_jvp_x1(x_dot, ans, x1, x2, axis=-1):
    return np.vecdot(x_dot, x2, axis=axis)


@defjvp(_np("vecdot"), argnum=1)
def vecdot_jvp_x2(y_dot, ans, x1, x2, axis=-1):
    return np.vecdot(x1, y_dot, axis=axis)


@defvjp(_np("vecdot"), argnum=0)
def vecdot_vjp_x1(g, ans, x1, x2, axis=-1):
    return _tl.vecdot_bar(g, x1, x2, axis)


@defvjp(_np("vecdot"), argnum=1)
def vecdot_vjp_x2(g, ans, x1, x2, axis=-1):
    return _tl.vecdot_bar(g, x2, x1, axis)


@defjvp(_np("linalg.vecdot"), argnum=0)
def linalg_vecdot_jvp_x1(x_dot, ans, x1, x2, axis=-1):
    return np.linalg.vecdot(x_dot, x2, axis=axis)


@defjvp(_np("linalg.vecdot"), argnum=1)
def linalg_vecdot_jvp_x2(y_dot, ans, x1, x2, axis=-1):
    return np.linalg.vecdot(x1, y_dot, axis=axis)


@defvjp(_np("linalg.vecdot"), argnum=0)
def linalg_vecdot_vjp_x1(g, ans, x1, x2, axis=-1):
    return _tl.vecdot_bar(g, x1, x2, axis)


@defvjp(_np("linalg.vecdot"), argnum=1)
def linalg_vecdot_vjp_x2(g, ans, x1, x2, axis=-1):
    return _tl.vecdot_bar(g, x2, x1, axis)


@defjvp(_np("linalg.outer"), argnum=0)
def linalg_outer_jvp_x1(x_dot, ans, x1, x2):
    return np.linalg.outer(x_dot, x2)


@defjvp(_np("linalg.outer"), argnum=1)
def linalg_outer_jvp_x2(y_dot, ans, x1, x2):
    return np.linalg.outer(x1, y_dot)


@defvjp(_np("linalg.outer"), argnum=0)
def linalg_outer_vjp_x1(g, ans, x1, x2):
    return np.dot(g, x2)


@defvjp(_np("linalg.outer"), argnum=1)
def linalg_outer_vjp_x2(g, ans, x1, x2):
    return np.dot(x1, g)


@defjvp(_np("linalg.matmul"), argnum=0)
def linalg_matmul_jvp_x1(x_dot, ans, x1, x2):
    return np.matmul(x_dot, x2)


@defjvp(_np("linalg.matmul"), argnum=1)
def linalg_matmul_jvp_x2(y_dot, ans, x1, x2):
    return np.matmul(x1, y_dot)


@defvjp(_np("linalg.matmul"), argnum=0)
def linalg_matmul_vjp_x1(g, ans, x1, x2):
    return _tl.matmul_bar_a(g, x1, x2)


@defvjp(_np("linalg.matmul"), argnum=1)
def linalg_matmul_vjp_x2(g, ans, x1, x2):
    return _tl.matmul_bar_b(g, x1, x2)


@defjvp(np.tensordot, argnum=0)
def tensordot_jvp_a(a_dot, ans, a, b, axes=2):
    return np.tensordot(a_dot, b, axes)


@defjvp(np.tensordot, argnum=1)
def tensordot_jvp_b(b_dot, ans, a, b, axes=2):
    return np.tensordot(a, b_dot, axes)


@defvjp(np.tensordot, argnum=0)
def tensordot_vjp_a(g, ans, a, b, axes=2):
    return _tl.tensordot_bar_a(g, a, b, axes)


@defvjp(np.tensordot, argnum=1)
def tensordot_vjp_b(g, ans, a, b, axes=2):
    return _tl.tensordot_bar_b(g, a, b, axes)


@defjvp(_np("linalg.tensordot"), argnum=0)
def linalg_tensordot_jvp_x1(x_dot, ans, x1, x2, axes=2):
    return np.tensordot(x_dot, x2, axes)


@defjvp(_np("linalg.tensordot"), argnum=1)
def linalg_tensordot_jvp_x2(y_dot, ans, x1, x2, axes=2):
    return np.tensordot(x1, y_dot, axes)


@defvjp(_np("linalg.tensordot"), argnum=0)
def linalg_tensordot_vjp_x1(g, ans, x1, x2, axes=2):
    return _tl.tensordot_bar_a(g, x1, x2, axes)


@defvjp(_np("linalg.tensordot"), argnum=1)
def linalg_tensordot_vjp_x2(g, ans, x1, x2, axes=2):
    return _tl.tensordot_bar_b(g, x1, x2, axes)


@defjvp(np.kron, argnum=0)
def kron_jvp_a(a_dot, ans, a, b):
    return np.kron(a_dot, b)


@defjvp(np.kron, argnum=1)
def kron_jvp_b(b_dot, ans, a, b):
    return np.kron(a, b_dot)


@defvjp(np.kron, argnum=0)
def kron_vjp_a(g, ans, a, b):
    return _tl.kron_bar(g, a, b, 0)


@defvjp(np.kron, argnum=1)
def kron_vjp_b(g, ans, a, b):
    return _tl.kron_bar(g, a, b, 1)


@defjvp(np.cross, argnum=0)
def cross_jvp_a(a_dot, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.cross(a_dot, b, axisa, axisb, axisc, axis)


@defjvp(np.cross, argnum=1)
def cross_jvp_b(b_dot, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.cross(a, b_dot, axisa, axisb, axisc, axis)


@defvjp(np.cross, argnum=0)
def cross_vjp_a(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return _tl.cross_bar(g, 0, a, b, axisa, axisb, axisc, axis)


@defvjp(np.cross, argnum=1)
def cross_vjp_b(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return _tl.cross_bar(g, 1, a, b, axisa, axisb, axisc, axis)


@defjvp(_np("linalg.cross"), argnum=0)
def linalg_cross_jvp_x1(x_dot, ans, x1, x2, axis=-1):
    return np.linalg.cross(x_dot, x2, axis=axis)


@defjvp(_np("linalg.cross"), argnum=1)
def linalg_cross_jvp_x2(y_dot, ans, x1, x2, axis=-1):
    return np.linalg.cross(x1, y_dot, axis=axis)


@defvjp(_np("linalg.cross"), argnum=0)
def linalg_cross_vjp_x1(g, ans, x1, x2, axis=-1):
    return _tl.cross_bar(g, 0, x1, x2, axis, axis, axis)


@defvjp(_np("linalg.cross"), argnum=1)
def linalg_cross_vjp_x2(g, ans, x1, x2, axis=-1):
    return _tl.cross_bar(g, 1, x1, x2, axis, axis, axis)


@defjvp(np.linalg.multi_dot)
def multi_dot_jvp(t, ans, arrays):
    return _tl.multi_dot_tangent(t, arrays)


@defvjp(np.linalg.multi_dot)
def multi_dot_vjp(g, ans, arrays):
    return _tl.multi_dot_bar(g, arrays)


@defjvp(np.linalg.matrix_power)
def matrix_power_jvp(a_dot, ans, a, n):
    return _tl.matrix_power_tangent(a_dot, a, n)


@defvjp(np.linalg.matrix_power)
def matrix_power_vjp(g, ans, a, n):
    return _tl.matrix_power_bar(g, a, n)


@defjvp(np.convolve, argnum=0)
def convolve_jvp_a(a_dot, ans, a, v, mode="full"):
    return np.convolve(a_dot, v, mode)


@defjvp(np.convolve, argnum=1)
def convolve_jvp_v(v_dot, ans, a, v, mode="full"):
    return np.convolve(a, v_dot, mode)


@defvjp(np.convolve, argnum=0)
def convolve_vjp_a(g, ans, a, v, mode="full"):
    return _tl.conv_bar(g, 0, a, v, mode, False)


@defvjp(np.convolve, argnum=1)
def convolve_vjp_v(g, ans, a, v, mode="full"):
    return _tl.conv_bar(g, 1, a, v, mode, False)


@defjvp(np.correlate, argnum=0)
def correlate_jvp_a(a_dot, ans, a, v, mode="valid"):
    return np.correlate(a_dot, v, mode)


@defjvp(np.correlate, argnum=1)
def correlate_jvp_v(v_dot, ans, a, v, mode="valid"):
    return np.correlate(a, v_dot, mode)


@defvjp(np.correlate, argnum=0)
def correlate_vjp_a(g, ans, a, v, mode="valid"):
    return _tl.conv_bar(g, 0, a, v, mode, True)


@defvjp(np.correlate, argnum=1)
def correlate_vjp_v(g, ans, a, v, mode="valid"):
    return _tl.conv_bar(g, 1, a, v, mode, True)


@defjvp(np.polyval, argnum=0)
def polyval_jvp_p(p_dot, ans, p, x):
    return np.polyval(p_dot, x)


@defjvp(np.polyval, argnum=1)
def polyval_jvp_x(x_dot, ans, p, x):
    return x_dot * _tl.polyval_dx(p, x)


@defvjp(np.polyval, argnum=0)
def polyval_vjp_p(g, ans, p, x):
    return _tl.polyval_bar_p(g, p, x)


@defvjp(np.polyval, argnum=1)
def polyval_vjp_x(g, ans, p, x):
    return g * _tl.polyval_dx(p, x)


@defjvp(np.interp, argnum=0)
def interp_jvp_x(x_dot, ans, x, xp, fp, left=None, right=None, period=None):
    return x_dot * _tl.interp_dx(x, xp, fp, left, right, period)


@defjvp(np.interp, argnum=2)
def interp_jvp_fp(fp_dot, ans, x, xp, fp, left=None, right=None, period=None):
    return np.interp(x, xp, fp_dot, 0.0 if left is not None else None, 0.0 if right is not None else None,
                     period)


@defvjp(np.interp, argnum=0)
def interp_vjp_x(g, ans, x, xp, fp, left=None, right=None, period=None):
    return g * _tl.interp_dx(x, xp, fp, left, right, period)


@defvjp(np.interp, argnum=2)
def interp_vjp_fp(g, ans, x, xp, fp, left=None, right=None, period=None):
    return _tl.interp_bar_fp(g, x, xp, fp, left, right, period)


# einsum: up to six operands (``np.einsum(subscripts, *operands)``; the interleaved
# operand/sublist form is not supported)


@defjvp(np.einsum, argnum=1)
def einsum_jvp_0(t, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_tangent(t, 0, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(np.einsum, argnum=2)
def einsum_jvp_1(t, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_tangent(t, 1, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(np.einsum, argnum=3)
def einsum_jvp_2(t, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_tangent(t, 2, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(np.einsum, argnum=4)
def einsum_jvp_3(t, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_tangent(t, 3, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(np.einsum, argnum=5)
def einsum_jvp_4(t, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_tangent(t, 4, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defjvp(np.einsum, argnum=6)
def einsum_jvp_5(t, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_tangent(t, 5, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(np.einsum, argnum=1)
def einsum_vjp_0(g, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_bar(g, 0, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(np.einsum, argnum=2)
def einsum_vjp_1(g, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_bar(g, 1, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(np.einsum, argnum=3)
def einsum_vjp_2(g, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_bar(g, 2, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(np.einsum, argnum=4)
def einsum_vjp_3(g, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_bar(g, 3, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(np.einsum, argnum=5)
def einsum_vjp_4(g, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_bar(g, 4, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


@defvjp(np.einsum, argnum=6)
def einsum_vjp_5(g, ans, subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, optimize=False):
    return _tl.einsum_bar(g, 5, subscripts, op0, op1, op2, op3, op4, op5, optimize=optimize)


# ---------------------------------------------------------------- axes and shapes


@defjvp(np.swapaxes)
def swapaxes_jvp(x_dot, ans, a, axis1, axis2):
    return np.swapaxes(x_dot, axis1, axis2)


@defvjp(np.swapaxes)
def swapaxes_vjp(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@defjvp(np.moveaxis)
def moveaxis_jvp(x_dot, ans, a, source, destination):
    return np.moveaxis(x_dot, source, destination)


@defvjp(np.moveaxis)
def moveaxis_vjp(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


@defjvp(np.rollaxis)
def rollaxis_jvp(x_dot, ans, a, axis, start=0):
    return np.rollaxis(x_dot, axis, start)


@defvjp(np.rollaxis)
def rollaxis_vjp(g, ans, a, axis, start=0):
    return _tl.rollaxis_bar(g, a, axis, start)


@defjvp(_np("matrix_transpose"))
def matrix_transpose_jvp(x_dot, ans, x):
    return np.matrix_transpose(x_dot)


@defvjp(_np("matrix_transpose"))
def matrix_transpose_vjp(g, ans, x):
    return np.matrix_transpose(g)


@defjvp(_np("linalg.matrix_transpose"))
def linalg_matrix_transpose_jvp(x_dot, ans, x):
    return np.matrix_transpose(x_dot)


@defvjp(_np("linalg.matrix_transpose"))
def linalg_matrix_transpose_vjp(g, ans, x):
    return np.matrix_transpose(g)


@defjvp(np.expand_dims)
def expand_dims_jvp(x_dot, ans, a, axis):
    return np.reshape(x_dot, np.shape(ans))


@defvjp(np.expand_dims)
def expand_dims_vjp(g, ans, a, axis):
    return np.reshape(g, np.shape(a))


@defjvp(np.squeeze)
def squeeze_jvp(x_dot, ans, a, axis=None):
    return np.reshape(x_dot, np.shape(ans))


@defvjp(np.squeeze)
def squeeze_vjp(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@defjvp(np.atleast_1d)
def atleast_1d_jvp(x_dot, ans, a):
    return np.reshape(x_dot, np.shape(ans))


@defvjp(np.atleast_1d)
def atleast_1d_vjp(g, ans, a):
    return np.reshape(g, np.shape(a))


@defjvp(np.atleast_2d)
def atleast_2d_jvp(x_dot, ans, a):
    return np.reshape(x_dot, np.shape(ans))


@defvjp(np.atleast_2d)
def atleast_2d_vjp(g, ans, a):
    return np.reshape(g, np.shape(a))


@defjvp(np.atleast_3d)
def atleast_3d_jvp(x_dot, ans, a):
    return np.reshape(x_dot, np.shape(ans))


@defvjp(np.atleast_3d)
def atleast_3d_vjp(g, ans, a):
    return np.reshape(g, np.shape(a))


@defjvp(np.broadcast_to)
def broadcast_to_jvp(x_dot, ans, array, shape, subok=False):
    return np.broadcast_to(x_dot, shape)


@defvjp(np.broadcast_to)
def broadcast_to_vjp(g, ans, array, shape, subok=False):
    return _tl.unbroadcast(g, array)


@defjvp(np.ascontiguousarray)
def ascontiguousarray_jvp(x_dot, ans, a, dtype=None):
    return _tl.array_tangent(x_dot, ans)


@defvjp(np.ascontiguousarray)
def ascontiguousarray_vjp(g, ans, a, dtype=None):
    return _tl.array_bar(g, a)


@defjvp(np.asfortranarray)
def asfortranarray_jvp(x_dot, ans, a, dtype=None):
    return _tl.array_tangent(x_dot, ans)


@defvjp(np.asfortranarray)
def asfortranarray_vjp(g, ans, a, dtype=None):
    return _tl.array_bar(g, a)


@defjvp(np.asanyarray)
def asanyarray_jvp(x_dot, ans, a, dtype=None):
    return _tl.array_tangent(x_dot, ans)


@defvjp(np.asanyarray)
def asanyarray_vjp(g, ans, a, dtype=None):
    return _tl.array_bar(g, a)


@defjvp(np.flip)
def flip_jvp(x_dot, ans, m, axis=None):
    return np.flip(x_dot, axis)


@defvjp(np.flip)
def flip_vjp(g, ans, m, axis=None):
    return np.flip(g, axis)


@defjvp(np.fliplr)
def fliplr_jvp(x_dot, ans, m):
    return np.fliplr(x_dot)


@defvjp(np.fliplr)
def fliplr_vjp(g, ans, m):
    return np.fliplr(g)


@defjvp(np.flipud)
def flipud_jvp(x_dot, ans, m):
    return np.flipud(x_dot)


@defvjp(np.flipud)
def flipud_vjp(g, ans, m):
    return np.flipud(g)


@defjvp(np.roll)
def roll_jvp(x_dot, ans, a, shift, axis=None):
    return np.roll(x_dot, shift, axis)


@defvjp(np.roll)
def roll_vjp(g, ans, a, shift, axis=None):
    return _tl.roll_bar(g, shift, axis)


@defjvp(_tl.roll_bar)
def roll_bar_jvp(g_dot, ans, g, shift, axis=None):
    return _tl.roll_bar(g_dot, shift, axis)


@defvjp(_tl.roll_bar)
def roll_bar_vjp(h, ans, g, shift, axis=None):
    return np.roll(h, shift, axis)


constant_params(_tl.roll_bar, "shift", "axis")


@defjvp(np.rot90)
def rot90_jvp(x_dot, ans, m, k=1, axes=(0, 1)):
    return np.rot90(x_dot, k, axes)


@defvjp(np.rot90)
def rot90_vjp(g, ans, m, k=1, axes=(0, 1)):
    return np.rot90(g, -k, axes)


@defjvp(np.tile)
def tile_jvp(x_dot, ans, A, reps):
    return np.tile(x_dot, reps)


@defvjp(np.tile)
def tile_vjp(g, ans, A, reps):
    return _tl.tile_bar(g, A, reps)


@defjvp(np.repeat)
def repeat_jvp(x_dot, ans, a, repeats, axis=None):
    return np.repeat(x_dot, repeats, axis)


@defvjp(np.repeat)
def repeat_vjp(g, ans, a, repeats, axis=None):
    return _tl.repeat_bar(g, a, repeats, axis)


@defjvp(np.pad)
def pad_jvp(x_dot, ans, array, pad_width, mode="constant", constant_values=0):
    return _tl.pad_tangent(x_dot, pad_width, mode)


@defvjp(np.pad)
def pad_vjp(g, ans, array, pad_width, mode="constant", constant_values=0):
    return _tl.pad_bar(g, array, pad_width, mode)


# ---------------------------------------------------------------- joining and splitting


@defjvp(np.concatenate)
def concatenate_jvp(t, ans, arrays, axis=0):
    return np.concatenate(t, axis=axis)


@defvjp(np.concatenate)
def concatenate_vjp(g, ans, arrays, axis=0):
    return _tl.concatenate_bar(g, arrays, axis)


@defjvp(np.stack)
def stack_jvp(t, ans, arrays, axis=0):
    return np.stack(t, axis=axis)


@defvjp(np.stack)
def stack_vjp(g, ans, arrays, axis=0):
    return _tl.stack_bar(g, arrays, axis)


@defjvp(np.hstack)
def hstack_jvp(t, ans, tup):
    return np.hstack(t)


@defvjp(np.hstack)
def hstack_vjp(g, ans, tup):
    return _tl.joined_bar(g, tup, "hstack")


@defjvp(np.vstack)
def vstack_jvp(t, ans, tup):
    return np.vstack(t)


@defvjp(np.vstack)
def vstack_vjp(g, ans, tup):
    return _tl.joined_bar(g, tup, "vstack")


@defjvp(np.dstack)
def dstack_jvp(t, ans, tup):
    return np.dstack(t)


@defvjp(np.dstack)
def dstack_vjp(g, ans, tup):
    return _tl.joined_bar(g, tup, "dstack")


@defjvp(np.column_stack)
def column_stack_jvp(t, ans, tup):
    return np.column_stack(t)


@defvjp(np.column_stack)
def column_stack_vjp(g, ans, tup):
    return _tl.joined_bar(g, tup, "column_stack")


@defjvp(np.append, argnum=0)
def np_append_jvp_arr(t, ans, arr, values, axis=None):
    return np.append(t, np.zeros(np.shape(values)), axis)


@defjvp(np.append, argnum=1)
def np_append_jvp_values(t, ans, arr, values, axis=None):
    return np.append(np.zeros(np.shape(arr)), t, axis)


@defvjp(np.append, argnum=0)
def np_append_vjp_arr(g, ans, arr, values, axis=None):
    return _tl.np_append_bar(g, 0, arr, values, axis)


@defvjp(np.append, argnum=1)
def np_append_vjp_values(g, ans, arr, values, axis=None):
    return _tl.np_append_bar(g, 1, arr, values, axis)


@defjvp(np.split)
def split_jvp(x_dot, ans, ary, indices_or_sections, axis=0):
    return np.split(x_dot, indices_or_sections, axis)


@defvjp(np.split)
def split_vjp(g, ans, ary, indices_or_sections, axis=0):
    return _tl.split_bar(g, ans, axis)


@defjvp(np.array_split)
def array_split_jvp(x_dot, ans, ary, indices_or_sections, axis=0):
    return np.array_split(x_dot, indices_or_sections, axis)


@defvjp(np.array_split)
def array_split_vjp(g, ans, ary, indices_or_sections, axis=0):
    return _tl.split_bar(g, ans, axis)


@defjvp(np.hsplit)
def hsplit_jvp(x_dot, ans, ary, indices_or_sections):
    return np.hsplit(x_dot, indices_or_sections)


@defvjp(np.hsplit)
def hsplit_vjp(g, ans, ary, indices_or_sections):
    return _tl.split_bar(g, ans, 1 if np.ndim(ary) > 1 else 0)


@defjvp(np.vsplit)
def vsplit_jvp(x_dot, ans, ary, indices_or_sections):
    return np.vsplit(x_dot, indices_or_sections)


@defvjp(np.vsplit)
def vsplit_vjp(g, ans, ary, indices_or_sections):
    return _tl.split_bar(g, ans, 0)


@defjvp(np.dsplit)
def dsplit_jvp(x_dot, ans, ary, indices_or_sections):
    return np.dsplit(x_dot, indices_or_sections)


@defvjp(np.dsplit)
def dsplit_vjp(g, ans, ary, indices_or_sections):
    return _tl.split_bar(g, ans, 2)


@defjvp(_np("unstack"))
def unstack_jvp(x_dot, ans, x, axis=0):
    return np.unstack(x_dot, axis=axis)


@defvjp(_np("unstack"))
def unstack_vjp(g, ans, x, axis=0):
    return _tl.unstack_bar(g, ans, axis)


# ---------------------------------------------------------------- diagonals and triangles


@defjvp(np.diagonal)
def diagonal_jvp(x_dot, ans, a, offset=0, axis1=0, axis2=1):
    return np.diagonal(x_dot, offset, axis1, axis2)


@defvjp(np.diagonal)
def diagonal_vjp(g, ans, a, offset=0, axis1=0, axis2=1):
    return _tl.diagonal_bar(g, a, offset, axis1, axis2)


@defjvp(_np("linalg.diagonal"))
def linalg_diagonal_jvp(x_dot, ans, x, offset=0):
    return np.diagonal(x_dot, offset, -2, -1)


@defvjp(_np("linalg.diagonal"))
def linalg_diagonal_vjp(g, ans, x, offset=0):
    return _tl.diagonal_bar(g, x, offset, -2, -1)


@defjvp(np.trace)
def trace_jvp(x_dot, ans, a, offset=0, axis1=0, axis2=1, dtype=None):
    return np.trace(x_dot, offset, axis1, axis2)


@defvjp(np.trace)
def trace_vjp(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None):
    return _tl.trace_bar(g, a, offset, axis1, axis2)


@defjvp(_np("linalg.trace"))
def linalg_trace_jvp(x_dot, ans, x, offset=0, dtype=None):
    return np.trace(x_dot, offset, -2, -1)


@defvjp(_np("linalg.trace"))
def linalg_trace_vjp(g, ans, x, offset=0, dtype=None):
    return _tl.trace_bar(g, x, offset, -2, -1)


@defjvp(np.diag)
def diag_jvp(x_dot, ans, v, k=0):
    return np.diag(x_dot, k)


@defvjp(np.diag)
def diag_vjp(g, ans, v, k=0):
    return _tl.diag_bar(g, v, k)


@defjvp(np.diagflat)
def diagflat_jvp(x_dot, ans, v, k=0):
    return np.diagflat(x_dot, k)


@defvjp(np.diagflat)
def diagflat_vjp(g, ans, v, k=0):
    return np.reshape(np.diag(g, k), np.shape(v))


@defjvp(np.triu)
def triu_jvp(x_dot, ans, m, k=0):
    return np.triu(x_dot, k)


@defvjp(np.triu)
def triu_vjp(g, ans, m, k=0):
    return _tl.tri_bar(g, m, k, False)


@defjvp(np.tril)
def tril_jvp(x_dot, ans, m, k=0):
    return np.tril(x_dot, k)


@defvjp(np.tril)
def tril_vjp(g, ans, m, k=0):
    return _tl.tri_bar(g, m, k, True)


# ---------------------------------------------------------------- selection


@defjvp(np.take)
def take_jvp(x_dot, ans, a, indices, axis=None, out=None, mode="raise"):
    return _tl.taken(x_dot, indices, axis, mode)


@defvjp(np.take)
def take_vjp(g, ans, a, indices, axis=None, out=None, mode="raise"):
    return _tl.take_bar(g, a, indices, axis, mode)


@defjvp(np.take_along_axis)
def take_along_axis_jvp(x_dot, ans, arr, indices, axis=-1):
    return np.take_along_axis(x_dot, indices, axis)


@defvjp(np.take_along_axis)
def take_along_axis_vjp(g, ans, arr, indices, axis=-1):
    return _tl.take_along_axis_bar(g, arr, indices, axis)


@defjvp(np.bincount, argnum="weights")
def bincount_jvp(weights_dot, ans, x, weights=None, minlength=0):
    return np.bincount(x, weights=weights_dot, minlength=minlength)


@defvjp(np.bincount, argnum="weights")
def bincount_vjp(g, ans, x, weights=None, minlength=0):
    return g[np.asarray(x)]


@defjvp(np.delete)
def delete_jvp(x_dot, ans, arr, obj, axis=None):
    return np.delete(x_dot, obj, axis)


@defvjp(np.delete)
def delete_vjp(g, ans, arr, obj, axis=None):
    return _tl.delete_bar(g, arr, obj, axis)


@defjvp(np.compress, argnum=1)
def compress_jvp(x_dot, ans, condition, a, axis=None):
    return np.compress(condition, x_dot, axis)


@defvjp(np.compress, argnum=1)
def compress_vjp(g, ans, condition, a, axis=None):
    return _tl.compress_bar(g, condition, a, axis)


@defjvp(np.extract, argnum=1)
def extract_jvp(x_dot, ans, condition, arr):
    return np.extract(condition, x_dot)


@defvjp(np.extract, argnum=1)
def extract_vjp(g, ans, condition, arr):
    return _tl.extract_bar(g, condition, arr)


@defjvp(np.select, argnum=1)
def select_jvp_choicelist(t, ans, condlist, choicelist, default=0):
    return _tl.select_tangent(t, 0, condlist, choicelist, default, ans)


@defjvp(np.select, argnum=2)
def select_jvp_default(t, ans, condlist, choicelist, default=0):
    return _tl.select_tangent(t, 1, condlist, choicelist, default, ans)


@defvjp(np.select, argnum=1)
def select_vjp_choicelist(g, ans, condlist, choicelist, default=0):
    return _tl.select_bar(g, 0, condlist, choicelist, default)


@defvjp(np.select, argnum=2)
def select_vjp_default(g, ans, condlist, choicelist, default=0):
    return _tl.select_bar(g, 1, condlist, choicelist, default)


# ---------------------------------------------------------------- linear algebra


@defjvp(np.linalg.solve, argnum=0)
def solve_jvp_a(a_dot, ans, a, b):
    return _tl.solve_tangent_a(a_dot, ans, a, b)


@defjvp(np.linalg.solve, argnum=1)
def solve_jvp_b(b_dot, ans, a, b):
    return np.linalg.solve(a, b_dot)


@defvjp(np.linalg.solve, argnum=0)
def solve_vjp_a(g, ans, a, b):
    return _tl.solve_bar_a(g, ans, a, b)


@defvjp(np.linalg.solve, argnum=1)
def solve_vjp_b(g, ans, a, b):
    return _tl.solve_bar_b(g, ans, a, b)


@defjvp(np.linalg.inv)
def inv_jvp(a_dot, ans, a):
    return -np.matmul(np.matmul(ans, a_dot), ans)


@defvjp(np.linalg.inv)
def inv_vjp(g, ans, a):
    return -np.matmul(np.matmul(_tl.matrix_t(ans), g), _tl.matrix_t(ans))


@defjvp(np.linalg.det)
def det_jvp(a_dot, ans, a):
    return _tl.det_tangent(a_dot, a)


@defvjp(np.linalg.det)
def det_vjp(g, ans, a):
    return _tl.det_bar(g, ans, a)


@defjvp(np.linalg.slogdet)
def slogdet_jvp(a_dot, ans, a):
    return _tl.slogdet_tangent(a_dot, ans, a)


@defvjp(np.linalg.slogdet)
def slogdet_vjp(g, ans, a):
    return _tl.slogdet_bar(g, ans, a)


@defjvp(np.linalg.cholesky)
def cholesky_jvp(a_dot, ans, a, upper=False):
    return _tl.cholesky_tangent(a_dot, ans, a, upper)


@defvjp(np.linalg.cholesky)
def cholesky_vjp(g, ans, a, upper=False):
    return _tl.cholesky_bar(g, ans, a, upper)


@defjvp(np.linalg.eigh)
def eigh_jvp(a_dot, ans, a, UPLO="L"):
    return _tl.eigh_tangent(a_dot, ans, a, UPLO)


@defvjp(np.linalg.eigh)
def eigh_vjp(g, ans, a, UPLO="L"):
    return _tl.eigh_bar(g, ans, a, UPLO)


@defjvp(np.linalg.eigvalsh)
def eigvalsh_jvp(a_dot, ans, a, UPLO="L"):
    return _tl.eigvalsh_tangent(a_dot, a, UPLO)


@defvjp(np.linalg.eigvalsh)
def eigvalsh_vjp(g, ans, a, UPLO="L"):
    return _tl.eigvalsh_bar(g, a, UPLO)


@defjvp(np.linalg.svd)
def svd_jvp(a_dot, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return _tl.svd_tangent(a_dot, ans, a, full_matrices, compute_uv, hermitian)


@defvjp(np.linalg.svd)
def svd_vjp(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return _tl.svd_bar(g, ans, a, full_matrices, compute_uv, hermitian)


@defjvp(_np("linalg.svdvals"))
def svdvals_jvp(x_dot, ans, x):
    return _tl.svdvals_tangent(x_dot, x)


@defvjp(_np("linalg.svdvals"))
def svdvals_vjp(g, ans, x):
    return _tl.svdvals_bar(g, x)


@defjvp(np.linalg.qr)
def qr_jvp(a_dot, ans, a, mode="reduced"):
    return _tl.qr_tangent(a_dot, ans, a, mode)


@defvjp(np.linalg.qr)
def qr_vjp(g, ans, a, mode="reduced"):
    return _tl.qr_bar(g, ans, a, mode)


@defjvp(np.linalg.pinv)
def pinv_jvp(a_dot, ans, a, rcond=None, hermitian=False):
    return _tl.pinv_tangent(a_dot, ans, a, rcond, hermitian)


@defvjp(np.linalg.pinv)
def pinv_vjp(g, ans, a, rcond=None, hermitian=False):
    return _tl.pinv_bar(g, ans, a, rcond, hermitian)


# ---------------------------------------------------------------- no useful derivative

# Integer-valued, boolean or index results, and piecewise-constant functions whose
# derivative is zero wherever it exists.  (``np.unique`` is deliberately absent: its
# values do depend on the input, so it must not silently get a zero derivative.)
NONDIFFERENTIABLE = (
    np.argpartition, np.searchsorted, np.digitize, np.lexsort, np.nanargmax, np.nanargmin,
    np.argwhere, np.flatnonzero, np.tri, np.tril_indices, np.triu_indices, np.tril_indices_from,
    np.triu_indices_from, np.diag_indices, np.diag_indices_from, np.mask_indices, np.indices,
    np.unravel_index, np.ravel_multi_index, np.fix, np.around, np.signbit, np.spacing,
    np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj, np.isscalar, np.isposinf,
    np.isneginf, np.isin, np.logical_xor, np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert,
    np.left_shift, np.right_shift, np.gcd, np.lcm, np.array_equiv, np.broadcast_shapes, np.result_type,
    np.linalg.matrix_rank,
)
nondifferentiable(*NONDIFFERENTIABLE)
