"""Rules for Python's operators (``a + b`` is ``operator.add(a, b)`` after lowering).

Conventions: ``g`` is the output cotangent, ``ans`` the output value; reverse
rules reduce broadcast dimensions with ``_tl.unbroadcast``.  Where a local partial
derivative can be infinite or NaN at a finite input (``/`` at ``y == 0``, ``**`` at
``x == 0`` or with ``y == 0``), the seed multiplies it through ``_tl.strong_mul`` /
``_tl.strong_div`` / ``_tl.pow_base_bar``: a zero seed then contributes exactly 0
(docs/custom-rules.md, "Conventions at non-smooth points").
"""

# ruff: noqa: F821  (np and _tl are the generated module's names, see template.py)
import operator

import numpy as np  # noqa: F401  (rule bodies refer to np)

from .. import runtime as _tl  # noqa: F401
from .registry import defjvp, defvjp, nondifferentiable

# ---------------------------------------------------------------- + - * / (elementwise)


@defjvp(operator.add, argnum=0, broadcast=True)
def add_jvp_x(x_dot, ans, x, y):
    return x_dot


@defjvp(operator.add, argnum=1, broadcast=True)
def add_jvp_y(y_dot, ans, x, y):
    return y_dot


@defvjp(operator.add, argnum=0)
def add_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g, x)


@defvjp(operator.add, argnum=1)
def add_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(g, y)


@defjvp(operator.sub, argnum=0, broadcast=True)
def sub_jvp_x(x_dot, ans, x, y):
    return x_dot


@defjvp(operator.sub, argnum=1, broadcast=True)
def sub_jvp_y(y_dot, ans, x, y):
    return -y_dot


@defvjp(operator.sub, argnum=0)
def sub_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g, x)


@defvjp(operator.sub, argnum=1)
def sub_vjp_y(g, ans, x, y):
    return -_tl.unbroadcast(g, y)


@defjvp(operator.mul, argnum=0)
def mul_jvp_x(x_dot, ans, x, y):
    return x_dot * y


@defjvp(operator.mul, argnum=1)
def mul_jvp_y(y_dot, ans, x, y):
    return x * y_dot


@defvjp(operator.mul, argnum=0)
def mul_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g * y, x)


@defvjp(operator.mul, argnum=1)
def mul_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(x * g, y)


@defjvp(operator.truediv, argnum=0)
def truediv_jvp_x(x_dot, ans, x, y):
    return _tl.strong_div(x_dot, y)


@defjvp(operator.truediv, argnum=1)
def truediv_jvp_y(y_dot, ans, x, y):
    return _tl.strong_mul(-y_dot, ans / y)


@defvjp(operator.truediv, argnum=0)
def truediv_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_div(g, y), x)


@defvjp(operator.truediv, argnum=1)
def truediv_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(-g, ans / y), y)


# ---------------------------------------------------------------- powers


@defjvp(operator.pow, argnum=0)
def pow_jvp_x(x_dot, ans, x, y):
    return _tl.pow_base_bar(x_dot, x, y)


@defjvp(operator.pow, argnum=1)
def pow_jvp_y(y_dot, ans, x, y):
    return _tl.strong_mul(y_dot, _tl.pow_exponent_bar(ans, 1.0, x))


@defvjp(operator.pow, argnum=0)
def pow_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(_tl.pow_base_bar(g, x, y), x)


@defvjp(operator.pow, argnum=1)
def pow_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(g, _tl.pow_exponent_bar(ans, 1.0, x)), y)


# ---------------------------------------------------------------- unary and matmul


@defjvp(operator.neg)
def neg_jvp(x_dot, ans, x):
    return -x_dot


@defvjp(operator.neg)
def neg_vjp(g, ans, x):
    return -g


@defjvp(operator.pos)
def pos_jvp(x_dot, ans, x):
    return x_dot


@defvjp(operator.pos)
def pos_vjp(g, ans, x):
    return g


@defjvp(operator.matmul, argnum=0)
def matmul_jvp_a(a_dot, ans, a, b):
    return a_dot @ b


@defjvp(operator.matmul, argnum=1)
def matmul_jvp_b(b_dot, ans, a, b):
    return a @ b_dot


@defvjp(operator.matmul, argnum=0)
def matmul_vjp_a(g, ans, a, b):
    return _tl.matmul_bar_a(g, a, b)


@defvjp(operator.matmul, argnum=1)
def matmul_vjp_b(g, ans, a, b):
    return _tl.matmul_bar_b(g, a, b)


# ---------------------------------------------------------------- modulo (piecewise linear)


@defjvp(operator.mod, argnum=0, broadcast=True)
def mod_jvp_x(x_dot, ans, x, y):
    return x_dot


@defjvp(operator.mod, argnum=1)
def mod_jvp_y(y_dot, ans, x, y):
    return _tl.strong_mul(-y_dot, np.floor_divide(x, y))


@defvjp(operator.mod, argnum=0)
def mod_vjp_x(g, ans, x, y):
    return _tl.unbroadcast(g, x)


@defvjp(operator.mod, argnum=1)
def mod_vjp_y(g, ans, x, y):
    return _tl.unbroadcast(_tl.strong_mul(-g, np.floor_divide(x, y)), y)


nondifferentiable(
    operator.floordiv, operator.not_, operator.invert, operator.and_, operator.or_,
    operator.xor, operator.lshift, operator.rshift,
)
