"""Rules for NumPy functions: one small function per primitive and argument.

Non-smooth points follow one convention, stated here and tested: the derivative
at a kink is the average of the one-sided derivatives where that is natural
(``abs`` at 0 -> 0, ``maximum``/``minimum`` on ties -> 1/2 to each argument,
``max``/``min`` reductions share ``g`` equally among tied entries, ``arctan2`` at
(0, 0) -> 0), and ``sqrt`` at 0 -> ``inf`` (the true limit), as NumPy computes it.

Singular points: a zero seed (cotangent or tangent) times an infinite or NaN local
partial derivative contributes exactly 0.  The rules whose partial can be infinite
or NaN at a finite input (``sqrt``, ``log``, ``log1p``, ``divide``, ``reciprocal``,
``arcsin``/``arccos``, ``power``, ``arctan2`` at the origin, and ``exp``/``expm1``/
``sinh``/``cosh`` where they overflow) multiply through ``_tl.strong_mul`` /
``_tl.strong_div`` / ``_tl.pow_base_bar``, so the branch ``np.where`` selects away
gets an exact 0 instead of ``0 * inf = NaN``.
"""

# ruff: noqa: F821
import numpy as np

from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable

# ---------------------------------------------------------------- elementwise, one argument


@defjvp(np.sin)
def sin_jvp(x_dot, ans, x):
    return x_dot * np.cos(x)


@defvjp(np.sin)
def sin_vjp(g, ans, x):
    return g * np.cos(x)


@defjvp(np.cos)
def cos_jvp(x_dot, ans, x):
    return -x_dot * np.sin(x)


@defvjp(np.cos)
def cos_vjp(g, ans, x):
    return -g * np.sin(x)


@defjvp(np.tan)
def tan_jvp(x_dot, ans, x):
    return x_dot * (1.0 + ans * ans)


@defvjp(np.tan)
def tan_vjp(g, ans, x):
    return g * (1.0 + ans * ans)


@defjvp(np.exp)
def exp_jvp(x_dot, ans, x):
    return _tl.strong_mul(x_dot, ans)


@defvjp(np.exp)
def exp_vjp(g, ans, x):
    return _tl.strong_mul(g, ans)


@defjvp(np.expm1)
def expm1_jvp(x_dot, ans, x):
    return _tl.strong_mul(x_dot, ans + 1.0)


@defvjp(np.expm1)
def expm1_vjp(g, ans, x):
    return _tl.strong_mul(g, ans + 1.0)


@defjvp(np.log)
def log_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, x)


@defvjp(np.log)
def log_vjp(g, ans, x):
    return _tl.strong_div(g, x)


@defjvp(np.log1p)
def log1p_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, 1.0 + x)


@defvjp(np.log1p)
def log1p_vjp(g, ans, x):
    return _tl.strong_div(g, 1.0 + x)


@defjvp(np.sqrt)
def sqrt_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot * 0.5, ans)


@defvjp(np.sqrt)
def sqrt_vjp(g, ans, x):
    return _tl.strong_div(g * 0.5, ans)


@defjvp(np.tanh)
def tanh_jvp(x_dot, ans, x):
    return x_dot * (1.0 - ans * ans)


@defvjp(np.tanh)
def tanh_vjp(g, ans, x):
    return g * (1.0 - ans * ans)


@defjvp(np.sinh)
def sinh_jvp(x_dot, ans, x):
    return _tl.strong_mul(x_dot, np.cosh(x))


@defvjp(np.sinh)
def sinh_vjp(g, ans, x):
    return _tl.strong_mul(g, np.cosh(x))


@defjvp(np.cosh)
def cosh_jvp(x_dot, ans, x):
    return _tl.strong_mul(x_dot, np.sinh(x))


@defvjp(np.cosh)
def cosh_vjp(g, ans, x):
    return _tl.strong_mul(g, np.sinh(x))


@defjvp(np.arctan)
def arctan_jvp(x_dot, ans, x):
    return x_dot / (1.0 + x * x)


@defvjp(np.arctan)
def arctan_vjp(g, ans, x):
    return g / (1.0 + x * x)


@defjvp(np.arcsin)
def arcsin_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, np.sqrt(1.0 - x * x))


@defvjp(np.arcsin)
def arcsin_vjp(g, ans, x):
    return _tl.strong_div(g, np.sqrt(1.0 - x * x))


@defjvp(np.arccos)
def arccos_jvp(x_dot, ans, x):
    return _tl.strong_div(-x_dot, np.sqrt(1.0 - x * x))


@defvjp(np.arccos)
def arccos_vjp(g, ans, x):
    return _tl.strong_div(-g, np.sqrt(1.0 - x * x))


@defjvp(np.abs)
def abs_jvp(x_dot, ans, x):
    return np.real(x_dot * _tl.abs_grad(x))


@defvjp(np.abs)
def abs_vjp(g, ans, x):
    return np.real(g) * _tl.abs_grad(x)


@defjvp(np.square)
def square_jvp(x_dot, ans, x):
    return 2.0 * x * x_dot


@defvjp(np.square)
def square_vjp(g, ans, x):
    return 2.0 * x * g


@defjvp(np.reciprocal)
def reciprocal_jvp(x_dot, ans, x):
    return _tl.strong_mul(-x_dot, ans * ans)


@defvjp(np.reciprocal)
def reciprocal_vjp(g, ans, x):
    return _tl.strong_mul(-g, ans * ans)


@defjvp(np.negative)
def negative_jvp(x_dot, ans, x):
    return -x_dot


@defvjp(np.negative)
def negative_vjp(g, ans, x):
    return -g


# ---------------------------------------------------------------- elementwise, two arguments


@defjvp(np.add, argnum=0, broadcast=True)
def np_add_jvp_x(x_dot, ans, x, y):
    return x_dot


@defjvp(np.add, argnum=1, broadcast=True)
def np_add_jvp_y(y_dot, ans, x, y):
    return y_dot


@defvjp(np.add, argnum=0)
def np_add_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g, x)


@defvjp(np.add, argnum=1)
def np_add_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(g, y)


@defjvp(np.subtract, argnum=0, broadcast=True)
def np_subtract_jvp_x(x_dot, ans, x, y):
    return x_dot


@defjvp(np.subtract, argnum=1, broadcast=True)
def np_subtract_jvp_y(y_dot, ans, x, y):
    return -y_dot


@defvjp(np.subtract, argnum=0)
def np_subtract_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g, x)


@defvjp(np.subtract, argnum=1)
def np_subtract_vjp_y(g, ans, x, y):
    return -_tl.unbroadcast(g, y)


@defjvp(np.multiply, argnum=0)
def np_multiply_jvp_x(x_dot, ans, x, y):
    return x_dot * y


@defjvp(np.multiply, argnum=1)
def np_multiply_jvp_y(y_dot, ans, x, y):
    return x * y_dot


@defvjp(np.multiply, argnum=0)
def np_multiply_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g * y, x)


@defvjp(np.multiply, argnum=1)
def np_multiply_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(x * g, y)


@defjvp(np.divide, argnum=0)
def np_divide_jvp_x(x_dot, ans, x, y):
    return _tl.strong_div(x_dot, y)


@defjvp(np.divide, argnum=1)
def np_divide_jvp_y(y_dot, ans, x, y):
    return _tl.strong_mul(-y_dot, ans / y)


@defvjp(np.divide, argnum=0)
def np_divide_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_div(g, y), x)


@defvjp(np.divide, argnum=1)
def np_divide_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(-g, ans / y), y)


@defjvp(np.power, argnum=0)
def power_jvp_x(x_dot, ans, x, y):
    return _tl.pow_base_bar(x_dot, x, y)


@defjvp(np.power, argnum=1)
def power_jvp_y(y_dot, ans, x, y):
    return _tl.strong_mul(y_dot, _tl.pow_exponent_bar(ans, 1.0, x))


@defvjp(np.power, argnum=0)
def power_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(_tl.pow_base_bar(g, x, y), x)


@defvjp(np.power, argnum=1)
def power_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.pow_exponent_bar(ans, 1.0, x)), y)


@defjvp(np.maximum, argnum=0)
def maximum_jvp_x(x_dot, ans, x, y):
    return _tl.strong_mul(x_dot, _tl.balanced_eq(x, ans, y))


@defjvp(np.maximum, argnum=1)
def maximum_jvp_y(y_dot, ans, x, y):
    return _tl.strong_mul(y_dot, _tl.balanced_eq(y, ans, x))


@defvjp(np.maximum, argnum=0)
def maximum_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.balanced_eq(x, ans, y)), x)


@defvjp(np.maximum, argnum=1)
def maximum_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.balanced_eq(y, ans, x)), y)


@defjvp(np.minimum, argnum=0)
def minimum_jvp_x(x_dot, ans, x, y):
    return _tl.strong_mul(x_dot, _tl.balanced_eq(x, ans, y))


@defjvp(np.minimum, argnum=1)
def minimum_jvp_y(y_dot, ans, x, y):
    return _tl.strong_mul(y_dot, _tl.balanced_eq(y, ans, x))


@defvjp(np.minimum, argnum=0)
def minimum_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.balanced_eq(x, ans, y)), x)


@defvjp(np.minimum, argnum=1)
def minimum_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.balanced_eq(y, ans, x)), y)


@defjvp(np.arctan2, argnum=0)
def arctan2_jvp_y(y_dot, ans, y, x):
    return _tl.strong_div(y_dot * x, x * x + y * y)


@defjvp(np.arctan2, argnum=1)
def arctan2_jvp_x(x_dot, ans, y, x):
    return _tl.strong_div(-x_dot * y, x * x + y * y)


@defvjp(np.arctan2, argnum=0)
def arctan2_vjp_y(g, ans, y, x):
    return _tl.unbroadcast(_tl.strong_div(g * x, x * x + y * y), y)


@defvjp(np.arctan2, argnum=1)
def arctan2_vjp_x(g, ans, y, x):
    return _tl.unbroadcast(_tl.strong_div(-g * y, x * x + y * y), x)


@defjvp(np.where, argnum=1)
def where_jvp_x(x_dot, ans, condition, x, y):
    return np.where(condition, x_dot, _tl.zeros_like(ans))


@defjvp(np.where, argnum=2)
def where_jvp_y(y_dot, ans, condition, x, y):
    return np.where(condition, _tl.zeros_like(ans), y_dot)


@defvjp(np.where, argnum=1)
def where_vjp_x(g, ans, condition, x, y):
    return _tl.unbroadcast(np.where(condition, g, 0.0), x)


@defvjp(np.where, argnum=2)
def where_vjp_y(g, ans, condition, x, y):
    return _tl.unbroadcast(np.where(condition, 0.0, g), y)


constant_params(np.where, "condition")  # a mask: no derivative flows through it


# ---------------------------------------------------------------- reductions


@defjvp(np.sum)
def sum_jvp(x_dot, ans, a, axis=None, keepdims=False, dtype=None):
    return np.sum(x_dot, axis=axis, keepdims=keepdims)  # (in x_dot's dtype, which is a's)


@defvjp(np.sum)
def sum_vjp(g, ans, a, axis=None, keepdims=False, dtype=None):
    return _tl.sum_bar(g, a, axis, keepdims)


constant_params(np.sum, "dtype")  # (the array API's xp.sum(x, dtype=x.dtype), SciPy's rosen)


@defjvp(np.mean)
def mean_jvp(x_dot, ans, a, axis=None, keepdims=False, dtype=None):
    return np.mean(x_dot, axis=axis, keepdims=keepdims)


@defvjp(np.mean)
def mean_vjp(g, ans, a, axis=None, keepdims=False, dtype=None):
    return _tl.mean_bar(g, a, axis, keepdims)


@defjvp(np.prod)
def prod_jvp(x_dot, ans, a, axis=None, keepdims=False, dtype=None):
    return np.sum(_tl.prod_bar(1.0, ans, a, axis, keepdims) * x_dot, axis=axis, keepdims=keepdims)


@defvjp(np.prod)
def prod_vjp(g, ans, a, axis=None, keepdims=False, dtype=None):
    return _tl.prod_bar(g, ans, a, axis, keepdims)


constant_params(np.mean, "dtype")  # (as np.sum's: an integer dtype= casts, docs/limitations.md)
constant_params(np.prod, "dtype")


@defjvp(np.max)
def max_jvp(x_dot, ans, a, axis=None, keepdims=False):
    return np.sum(_tl.extremum_bar(1.0, ans, a, axis, keepdims) * x_dot, axis=axis, keepdims=keepdims)


@defvjp(np.max)
def max_vjp(g, ans, a, axis=None, keepdims=False):
    return _tl.extremum_bar(g, ans, a, axis, keepdims)


@defjvp(np.min)
def min_jvp(x_dot, ans, a, axis=None, keepdims=False):
    return np.sum(_tl.extremum_bar(1.0, ans, a, axis, keepdims) * x_dot, axis=axis, keepdims=keepdims)


@defvjp(np.min)
def min_vjp(g, ans, a, axis=None, keepdims=False):
    return _tl.extremum_bar(g, ans, a, axis, keepdims)


# ---------------------------------------------------------------- products


@defjvp(np.dot, argnum=0)
def dot_jvp_a(a_dot, ans, a, b):
    return np.dot(a_dot, b)


@defjvp(np.dot, argnum=1)
def dot_jvp_b(b_dot, ans, a, b):
    return np.dot(a, b_dot)


@defvjp(np.dot, argnum=0)
def dot_vjp_a(g, ans, a, b):
    return _tl.dot_bar_a(g, a, b)


@defvjp(np.dot, argnum=1)
def dot_vjp_b(g, ans, a, b):
    return _tl.dot_bar_b(g, a, b)


@defjvp(np.matmul, argnum=0)
def np_matmul_jvp_a(a_dot, ans, a, b):
    return np.matmul(a_dot, b)


@defjvp(np.matmul, argnum=1)
def np_matmul_jvp_b(b_dot, ans, a, b):
    return np.matmul(a, b_dot)


@defvjp(np.matmul, argnum=0)
def np_matmul_vjp_a(g, ans, a, b):
    return _tl.matmul_bar_a(g, a, b)


@defvjp(np.matmul, argnum=1)
def np_matmul_vjp_b(g, ans, a, b):
    return _tl.matmul_bar_b(g, a, b)


@defjvp(np.outer, argnum=0)
def outer_jvp_a(a_dot, ans, a, b):
    return np.outer(a_dot, b)


@defjvp(np.outer, argnum=1)
def outer_jvp_b(b_dot, ans, a, b):
    return np.outer(a, b_dot)


@defvjp(np.outer, argnum=0)
def outer_vjp_a(g, ans, a, b):
    return np.reshape(np.dot(g, np.ravel(b)), np.shape(a))


@defvjp(np.outer, argnum=1)
def outer_vjp_b(g, ans, a, b):
    return np.reshape(np.dot(np.ravel(a), g), np.shape(b))


# ---------------------------------------------------------------- shapes


@defjvp(np.reshape)
def reshape_jvp(x_dot, ans, a, shape):
    return np.reshape(x_dot, np.shape(ans))


@defvjp(np.reshape)
def reshape_vjp(g, ans, a, shape):
    return np.reshape(g, np.shape(a))


@defjvp(np.transpose)
def transpose_jvp(x_dot, ans, a, axes=None):
    return np.transpose(x_dot, axes)


@defvjp(np.transpose)
def transpose_vjp(g, ans, a, axes=None):
    return _tl.transpose_bar(g, axes)


@defjvp(np.ravel)
def ravel_jvp(x_dot, ans, a):
    return np.ravel(x_dot)


@defvjp(np.ravel)
def ravel_vjp(g, ans, a):
    return np.reshape(g, np.shape(a))


@defjvp(np.copy)
def copy_jvp(x_dot, ans, a):
    return x_dot


@defvjp(np.copy)
def copy_vjp(g, ans, a):
    return g


@defjvp(np.array)
def array_jvp(x_dot, ans, object, dtype=None):
    return _tl.array_tangent(x_dot, ans)


@defvjp(np.array)
def array_vjp(g, ans, object, dtype=None):
    return _tl.array_bar(g, object)


@defjvp(np.asarray)
def asarray_jvp(x_dot, ans, a, dtype=None):
    return _tl.array_tangent(x_dot, ans)


@defvjp(np.asarray)
def asarray_vjp(g, ans, a, dtype=None):
    return _tl.array_bar(g, a)


nondifferentiable(
    np.shape, np.ndim, np.size, np.floor, np.ceil, np.round, np.rint, np.trunc, np.sign,
    np.argmax, np.argmin, np.argsort, np.zeros, np.ones, np.zeros_like, np.ones_like,
    np.empty, np.empty_like, np.eye, np.identity,
    np.isnan, np.isinf, np.isfinite, np.all, np.any, np.nonzero, np.equal, np.not_equal,
    np.less, np.less_equal, np.greater, np.greater_equal, np.logical_and, np.logical_or,
    np.logical_not, np.floor_divide, np.count_nonzero, np.allclose, np.isclose, np.array_equal,
)
