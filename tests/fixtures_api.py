"""User functions differentiated by test_api.py, test_errors.py and test_cli.py.

tangent_lite reads function source from files, so these live in a real module.
Tests locate lines in this file by their text (see ``line_of`` in the tests), so
the exact line numbers do not matter, but each probed line must stay unique.
"""

# ruff: noqa: F841
import math

import numpy
import numpy as np
from numpy import sin

import tangent_lite as tl

COUNTER = 0.0


# ---------------------------------------------------------------- simple scalars / arrays


def sin_times(x):
    return np.sum(np.sin(x) * x)


def scalar_poly(x, y):
    return x ** 3 * y + y


def two_args_sum(x, y):
    return np.sum(x * y + np.exp(y))


def three_args(a, b, c):
    return a * b * b + np.sin(c) * a


def with_defaults(x, y=2.0, *, scale=3.0):
    return scale * x * y + y * y


def ignores_y(x, y):
    return np.sum(x * x)


def times_int(x, n):
    return x * n


@tl.differentiate
def decorated(x, y=0.5):
    z = np.sin(x) * y
    return np.sum(z * z)


@tl.differentiate(wrt="y")
def decorated_wrt_y(x, y):
    return np.sum(x * np.exp(y))


# ---------------------------------------------------------------- broadcasting


def bcast_add_sq(x, y):
    return np.sum((x + y) ** 2)


def scalar_times(a, v):
    return np.sum(a * v * v)


def bcast_mul(x, y):
    return np.sum(np.sin(x * y))


# ---------------------------------------------------------------- outputs


def two_outputs(x, y):
    return x * y, np.sin(x) + y


def vector_out(x):
    return np.sin(x) * 2.0


def tuple_out_arrays(x, y):
    u = x * y
    return np.sum(u), np.cos(x) * y


# ---------------------------------------------------------------- operators and syntax


def all_ops(x, y):
    a = x + y
    b = x - 2.0 * y
    c = a * b / (1.0 + y * y)
    d = -c ** 2
    d += x
    d -= 0.5 * y
    d *= 1.5
    d /= 2.0
    p, q = d, x * y
    r = (y * y + 1.0) ** x
    return (p @ q) + np.sum(x ** 3) + np.sum(r)


def matmul_fn(A, B):
    return np.sum(np.tanh(A @ B))


def aliases_fn(x):
    return np.sum(numpy.cos(x) * sin(x) + np.exp(-x))


def math_fn(x, y):
    a = math.log(x) + math.sqrt(y) * math.exp(x)
    b = math.tanh(x * y) + math.atan(y) + math.pow(x, y)
    return a - b + math.sin(x) * math.cos(y)


def numpy_elementwise(x):
    return np.sum(np.tanh(x) + np.log1p(x * x) + np.sqrt(x * x + 1.0) + np.arctan(x) + np.cosh(x) / 3.0)


def tuple_swap(x, y):
    a, b = x, y
    a, b = b * 2.0, a + b
    return np.sum(a * b)


def looped(x, n=3):
    s = np.zeros_like(x)
    for _i in range(n):
        s = s + np.sin(x * s + 0.5)
    return np.sum(s * s)


def branchy(x, y):
    if np.sum(x) > 0:
        z = x * y
    elif np.sum(y) > 0:
        z = np.exp(x) - y
    else:
        z = -x
    return np.sum(z * z)


# ---------------------------------------------------------------- no derivative rule (errors)


# np.i0 (Bessel), math.fsum and np.frexp: C callables that have no rule (test_errors checks that they still don't)
def uses_i0(x):
    y_i0 = np.i0(x)
    return np.sum(y_i0)


def uses_fsum(x):
    total_fsum = math.fsum(x)
    return total_fsum * 2.0


def uses_frexp(x):
    mant, expo = np.frexp(x)
    return np.sum(mant)


def two_norules(x):
    a_two = np.i0(x)
    b_two = math.fsum(x)
    return np.sum(a_two) + b_two


# ---------------------------------------------------------------- unsupported syntax (errors)


def uses_try(x):
    try:
        a = x * 2.0
        y = np.log(a)
    except ValueError:
        y = x
    return y + a


def uses_yield(x):
    yield x * 2.0


def uses_global(x):
    global COUNTER
    COUNTER = 1.0
    return x * 2.0


def uses_with(x):
    with np.errstate(all="ignore"):
        y = np.log(x)
    return np.sum(y)


def defines_class(x):
    class Box:
        pass

    return x * 2.0


def many_problems(x):
    global COUNTER
    COUNTER = 1.0
    try:
        a = x * 2.0
        y = np.log(a)
    except ValueError:
        y = x

    class Box:
        pass

    return y + a
