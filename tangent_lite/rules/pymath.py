"""Rules for the ``math`` module and Python builtins (scalars only).

Where a local partial derivative can be infinite at a finite input (``log``/``log1p``/
``sqrt``/``pow`` at 0, ``asin``/``acos`` at +-1) the seed multiplies it through
``_tl.strong_div`` / ``_tl.strong_mul`` / ``_tl.pow_base_bar``: a zero seed contributes
exactly 0, and a nonzero one gives +-inf where Python's float arithmetic would raise
ZeroDivisionError (docs/custom-rules.md, "Conventions at non-smooth points").
"""

# ruff: noqa: F821
import builtins
import math

import numpy as np  # noqa: F401

from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp, nondifferentiable


@defjvp(math.sin)
def sin_jvp(x_dot, ans, x):
    return x_dot * math.cos(x)


@defvjp(math.sin)
def sin_vjp(g, ans, x):
    return g * math.cos(x)


@defjvp(math.cos)
def cos_jvp(x_dot, ans, x):
    return -x_dot * math.sin(x)


@defvjp(math.cos)
def cos_vjp(g, ans, x):
    return -g * math.sin(x)


@defjvp(math.tan)
def tan_jvp(x_dot, ans, x):
    return x_dot * (1.0 + ans * ans)


@defvjp(math.tan)
def tan_vjp(g, ans, x):
    return g * (1.0 + ans * ans)


@defjvp(math.exp)
def exp_jvp(x_dot, ans, x):
    return x_dot * ans


@defvjp(math.exp)
def exp_vjp(g, ans, x):
    return g * ans


@defjvp(math.expm1)
def expm1_jvp(x_dot, ans, x):
    return x_dot * (ans + 1.0)


@defvjp(math.expm1)
def expm1_vjp(g, ans, x):
    return g * (ans + 1.0)


@defjvp(math.log)
def log_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, x)


@defvjp(math.log)
def log_vjp(g, ans, x):
    return _tl.strong_div(g, x)


@defjvp(math.log1p)
def log1p_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, 1.0 + x)


@defvjp(math.log1p)
def log1p_vjp(g, ans, x):
    return _tl.strong_div(g, 1.0 + x)


@defjvp(math.sqrt)
def sqrt_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot * 0.5, ans)  # inf at 0, as NumPy's sqrt rule (Python would raise)


@defvjp(math.sqrt)
def sqrt_vjp(g, ans, x):
    return _tl.strong_div(g * 0.5, ans)


@defjvp(math.tanh)
def tanh_jvp(x_dot, ans, x):
    return x_dot * (1.0 - ans * ans)


@defvjp(math.tanh)
def tanh_vjp(g, ans, x):
    return g * (1.0 - ans * ans)


@defjvp(math.sinh)
def sinh_jvp(x_dot, ans, x):
    return x_dot * math.cosh(x)


@defvjp(math.sinh)
def sinh_vjp(g, ans, x):
    return g * math.cosh(x)


@defjvp(math.cosh)
def cosh_jvp(x_dot, ans, x):
    return x_dot * math.sinh(x)


@defvjp(math.cosh)
def cosh_vjp(g, ans, x):
    return g * math.sinh(x)


@defjvp(math.atan)
def atan_jvp(x_dot, ans, x):
    return x_dot / (1.0 + x * x)


@defvjp(math.atan)
def atan_vjp(g, ans, x):
    return g / (1.0 + x * x)


@defjvp(math.asin)
def asin_jvp(x_dot, ans, x):
    return _tl.strong_div(x_dot, math.sqrt(1.0 - x * x))


@defvjp(math.asin)
def asin_vjp(g, ans, x):
    return _tl.strong_div(g, math.sqrt(1.0 - x * x))


@defjvp(math.acos)
def acos_jvp(x_dot, ans, x):
    return _tl.strong_div(-x_dot, math.sqrt(1.0 - x * x))


@defvjp(math.acos)
def acos_vjp(g, ans, x):
    return _tl.strong_div(-g, math.sqrt(1.0 - x * x))


@defjvp(math.pow, argnum=0)
def pow_jvp_x(x_dot, ans, x, y):
    return _tl.pow_base_bar(x_dot, x, y)


@defjvp(math.pow, argnum=1)
def pow_jvp_y(y_dot, ans, x, y):
    return _tl.strong_mul(y_dot, _tl.pow_exponent_bar(ans, 1.0, x))


@defvjp(math.pow, argnum=0)
def pow_vjp_x(g, ans, x, y):
    return _tl.pow_base_bar(g, x, y)


@defvjp(math.pow, argnum=1)
def pow_vjp_y(g, ans, x, y):
    return _tl.strong_mul(g, _tl.pow_exponent_bar(ans, 1.0, x))


@defjvp(math.fabs)
def fabs_jvp(x_dot, ans, x):
    return _tl.strong_mul(x_dot, _tl.abs_grad(x))


@defvjp(math.fabs)
def fabs_vjp(g, ans, x):
    return _tl.strong_mul(g, _tl.abs_grad(x))


# ---------------------------------------------------------------- builtins


@defjvp(builtins.pow, argnum=0)
def builtin_pow_jvp_base(x_dot, ans, base, exp, mod=None):
    return _tl.pow_base_bar(x_dot, base, exp)


@defjvp(builtins.pow, argnum=1)
def builtin_pow_jvp_exp(y_dot, ans, base, exp, mod=None):
    return _tl.strong_mul(y_dot, _tl.pow_exponent_bar(ans, 1.0, base))


@defvjp(builtins.pow, argnum=0)
def builtin_pow_vjp_base(g, ans, base, exp, mod=None):
    return _tl.unbroadcast(_tl.pow_base_bar(g, base, exp), base)


@defvjp(builtins.pow, argnum=1)
def builtin_pow_vjp_exp(g, ans, base, exp, mod=None):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.pow_exponent_bar(ans, 1.0, base)), exp)


constant_params(builtins.pow, "mod")  # pow(base, exp, mod) is integer arithmetic


@defjvp(builtins.abs)
def abs_jvp(x_dot, ans, x):
    return np.real(_tl.strong_mul(x_dot, _tl.abs_grad(x)))


@defvjp(builtins.abs)
def abs_vjp(g, ans, x):
    return _tl.strong_mul(np.real(g), _tl.abs_grad(x))


@defjvp(builtins.float)
def float_jvp(x_dot, ans, x):
    return x_dot


@defvjp(builtins.float)
def float_vjp(g, ans, x):
    return g


@defjvp(builtins.max, argnum=0)
def max_jvp_a(a_dot, ans, a, b=None):
    return _tl.builtin_extremum_dot(a_dot, ans, a, b, 0)


@defjvp(builtins.max, argnum=1)
def max_jvp_b(b_dot, ans, a, b=None):
    return _tl.builtin_extremum_dot(b_dot, ans, b, a, 1)


@defvjp(builtins.max, argnum=0)
def max_vjp_a(g, ans, a, b=None):
    return _tl.builtin_extremum_bar(g, ans, a, b)


@defvjp(builtins.max, argnum=1)
def max_vjp_b(g, ans, a, b=None):
    return _tl.builtin_extremum_bar(g, ans, b, a)


@defjvp(builtins.min, argnum=0)
def min_jvp_a(a_dot, ans, a, b=None):
    return _tl.builtin_extremum_dot(a_dot, ans, a, b, 0)


@defjvp(builtins.min, argnum=1)
def min_jvp_b(b_dot, ans, a, b=None):
    return _tl.builtin_extremum_dot(b_dot, ans, b, a, 1)


@defvjp(builtins.min, argnum=0)
def min_vjp_a(g, ans, a, b=None):
    return _tl.builtin_extremum_bar(g, ans, a, b)


@defvjp(builtins.min, argnum=1)
def min_vjp_b(g, ans, a, b=None):
    return _tl.builtin_extremum_bar(g, ans, b, a)


nondifferentiable(
    builtins.len, builtins.range, builtins.int, builtins.bool, builtins.print, builtins.isinstance,
    builtins.str, builtins.round, builtins.type, builtins.slice, builtins.id, builtins.hash, builtins.repr,
    builtins.format, builtins.callable,
    math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite, math.factorial,
    math.isclose,
)
