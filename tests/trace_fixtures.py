"""Functions for the trace / graph / explain tests (their line numbers are asserted on: append only)."""

import math

import numpy as np

import tangent_lite as tl


def classic(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


def lecture(w1, w2):
    v1 = math.log(w1)
    v2 = w2 * v1
    v3 = math.sqrt(v2)
    return v2 + v3


def for_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
        y = s
        s = y * 2.0
    return s


def while_loop(x):
    k = 0
    while x < 10.0:
        x = x * 2.0
        k += 1
    return x + k


def branch(x, y):
    if x > 0:
        z = x * y
    else:
        z = -x
    w = z
    return w * 3.0


def nested(x, n):
    s = x
    for _i in range(n):
        for j in range(2):
            s = s * x + j
    return s


def arrays(W, x):
    h = np.tanh(W @ x)
    return np.sum(h * h)


def helper(a, b):
    return a * b + 1.0


def calls(x, y):
    u = helper(x, y)
    return math.sin(u)


def setitem(x):
    z = np.zeros(3)
    z[0] = x
    z[1] = x * 2.0
    return np.sum(z * z)


def unpack(x):
    a, b = (x, x * 2.0)
    return a * b


def cut_floor(x, y):
    k = np.floor(x)
    return k * y


def cut_stop(x, y):
    s = tl.stop_gradient(x)
    return s * y


def cut_compare(x, y):
    if x > 0:
        r = 1.0
    else:
        r = 2.0
    return r * y


def cut_int(x, y):
    n = int(x)
    s = 0.0
    for _ in range(n):
        s = s + y
    return s


def cut_shape(x, y):
    n = len(x.shape)
    return n * y


def no_path(x, y):
    return y * 2.0


def partly_cut(x):
    return x * np.sign(x)


def two_outputs(x, y):
    return x * y, np.sin(x)


def loop_break(x):
    s = x
    for _i in range(10):
        s = s * 1.5
        if s > 5.0:
            break
    return s


def floors(a, b):
    return np.floor(a) * b


def cut_in_callee(x, y):
    return floors(x, y) + y
