"""Rules for the strong-zero helpers that the rules at singular points call, so that generated
code calling them can be differentiated again (Hessian-vector products, higher order).

The helpers (``tangent_lite/runtime/singular.py``) implement the convention of
docs/custom-rules.md ("Conventions at non-smooth points"): a zero seed times an infinite or
NaN local partial derivative contributes exactly 0.  Their rules keep it: every term that
multiplies a partial derivative goes through ``strong_mul`` / ``strong_div`` /
``pow_base_bar`` again, so a zero tangent of a second-order term is exactly 0 as well.

=============================  =====================================================
helper                         value
=============================  =====================================================
``strong_mul(a, b)``           ``a * b``; 0 where ``a == 0`` or ``b == 0``
``strong_div(a, b)``           ``a / b``; 0 where ``a == 0``, +-inf where only ``b == 0``
``power(x, p)``                ``x ** p`` with IEEE values for Python numbers
``pow_base_bar(g, x, y)``      ``g * y * x ** (y - 1)``; 0 where ``g == 0`` or ``y == 0``
``strong_zero(r, g)``          ``r``; 0 where ``g == 0`` (``r`` computed from the seed ``g``)
=============================  =====================================================
"""

# ruff: noqa: F821
import numpy as np  # noqa: F401  (rule bodies refer to np)

from .. import runtime
from .. import runtime as _tl  # noqa: F401
from .registry import constant_params, defjvp, defvjp

# ---------------------------------------------------------------- a * b, strong zeros


@defjvp(runtime.strong_mul, argnum=0)
def strong_mul_jvp_a(a_dot, ans, a, b):
    return _tl.strong_mul(a_dot, b)


@defjvp(runtime.strong_mul, argnum=1)
def strong_mul_jvp_b(b_dot, ans, a, b):
    return _tl.strong_mul(a, b_dot)


@defvjp(runtime.strong_mul, argnum=0)
def strong_mul_vjp_a(h, ans, a, b):
    return _tl.unbroadcast(_tl.strong_mul(h, b), a)


@defvjp(runtime.strong_mul, argnum=1)
def strong_mul_vjp_b(h, ans, a, b):
    return _tl.unbroadcast(_tl.strong_mul(a, h), b)


# ---------------------------------------------------------------- a / b, strong zero in a


@defjvp(runtime.strong_div, argnum=0)
def strong_div_jvp_a(a_dot, ans, a, b):
    return _tl.strong_div(a_dot, b)


@defjvp(runtime.strong_div, argnum=1)
def strong_div_jvp_b(b_dot, ans, a, b):
    return _tl.strong_mul(-b_dot, _tl.strong_div(ans, b))


@defvjp(runtime.strong_div, argnum=0)
def strong_div_vjp_a(h, ans, a, b):
    return _tl.unbroadcast(_tl.strong_div(h, b), a)


@defvjp(runtime.strong_div, argnum=1)
def strong_div_vjp_b(h, ans, a, b):
    return _tl.unbroadcast(_tl.strong_mul(-h, _tl.strong_div(ans, b)), b)


# ---------------------------------------------------------------- x ** p (IEEE for Python numbers)


@defjvp(runtime.power, argnum=0)
def power_jvp_x(x_dot, ans, x, p):
    return _tl.pow_base_bar(x_dot, x, p)


@defjvp(runtime.power, argnum=1)
def power_jvp_p(p_dot, ans, x, p):
    return _tl.strong_mul(p_dot, _tl.pow_exponent_bar(ans, 1.0, x))


@defvjp(runtime.power, argnum=0)
def power_vjp_x(h, ans, x, p):
    return _tl.unbroadcast(_tl.pow_base_bar(h, x, p), x)


@defvjp(runtime.power, argnum=1)
def power_vjp_p(h, ans, x, p):
    return _tl.unbroadcast(_tl.strong_mul(h, _tl.pow_exponent_bar(ans, 1.0, x)), p)


# ---------------------------------------------------------------- g * y * x ** (y - 1), strong zeros in g and y
# d/dg = y x^(y-1);  d/dx = g y (y-1) x^(y-2);  d/dy = g x^(y-1) (1 + y log x), with y x^(y-1) log x
# taken as 0 at x == 0 (pow_exponent_bar, the limit for y > 1)


@defjvp(runtime.pow_base_bar, argnum=0)
def pow_base_bar_jvp_g(g_dot, ans, g, x, y):
    return _tl.pow_base_bar(g_dot, x, y)


@defjvp(runtime.pow_base_bar, argnum=1)
def pow_base_bar_jvp_x(x_dot, ans, g, x, y):
    return _tl.pow_base_bar(g * y * x_dot, x, y - 1)


@defjvp(runtime.pow_base_bar, argnum=2)
def pow_base_bar_jvp_y(y_dot, ans, g, x, y):
    d = _tl.power(x, y - 1)
    return _tl.strong_mul(g * y_dot, d + _tl.pow_exponent_bar(y, d, x))


@defvjp(runtime.pow_base_bar, argnum=0)
def pow_base_bar_vjp_g(h, ans, g, x, y):
    return _tl.unbroadcast(_tl.pow_base_bar(h, x, y), g)


@defvjp(runtime.pow_base_bar, argnum=1)
def pow_base_bar_vjp_x(h, ans, g, x, y):
    return _tl.unbroadcast(_tl.pow_base_bar(h * g * y, x, y - 1), x)


@defvjp(runtime.pow_base_bar, argnum=2)
def pow_base_bar_vjp_y(h, ans, g, x, y):
    d = _tl.power(x, y - 1)
    return _tl.unbroadcast(_tl.strong_mul(h * g, d + _tl.pow_exponent_bar(y, d, x)), y)


# ---------------------------------------------------------------- r, 0 where the seed g is 0


@defjvp(runtime.strong_zero, argnum=0)
def strong_zero_jvp(r_dot, ans, r, g):
    return _tl.strong_zero(r_dot, g)


@defvjp(runtime.strong_zero, argnum=0)
def strong_zero_vjp(h, ans, r, g):
    return _tl.strong_zero(h, g)


constant_params(runtime.strong_zero, "g")  # piecewise constant in g: the mask only
