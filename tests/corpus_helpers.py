"""Helper functions called from tests/corpus_control.py.

A module of its own, with its own globals and import aliases, so that the corpus
exercises calls into another module (``import corpus_helpers as ch`` and
``from corpus_helpers import softplus``).  Plain Python/NumPy, no tangent_lite.
"""

import math
from math import exp as mexp

import numpy as onp

SCALE = 0.75          # read by scaled_sin: a global of *this* module
OFFSETS = (0.5, -0.25, 1.0)


def softplus(x):
    """log(1 + e^x), numerically stable, with a branch on the sign."""
    if x > 0:
        return x + math.log1p(mexp(-x))
    return math.log1p(mexp(x))


def smooth_relu(x, beta=4.0):
    """Array-valued softplus with a temperature (default argument)."""
    return onp.log1p(onp.exp(beta * x)) / beta


def scaled_sin(x):
    return SCALE * onp.sin(x)


def scaled_tanh(x, scale=2.0, shift=0.0):
    return scale * onp.tanh(x / scale) + shift


def polar(x, y):
    """Returns a tuple (r, theta)."""
    r = onp.sqrt(x * x + y * y)
    theta = onp.arctan2(y, x)
    return r, theta


def normalize(v):
    """v / ||v||, array in, array out."""
    n = onp.sqrt(onp.sum(v * v))
    return v / n


def clipped_step(x, g, lr=0.1, max_step=0.5):
    """A gradient step whose size is clipped: a branch inside a helper."""
    step = lr * g
    if step > max_step:
        step = max_step
    elif step < -max_step:
        step = -max_step
    return x - step


def horner(coeffs, x):
    """Polynomial evaluation with a loop inside a helper."""
    acc = 0.0
    for c in coeffs:
        acc = acc * x + c
    return acc


def shifted_sum(x):
    """Loops over a module-level tuple of constants."""
    s = 0.0
    for off in OFFSETS:
        s = s + onp.cos(x + off)
    return s


def logistic_step(r, x):
    return r * x * (1.0 - x)


def sigmoid(z):
    return 1.0 / (1.0 + onp.exp(-z))


def chained(x):
    """A helper calling another helper of this module."""
    return 2.0 * sigmoid(scaled_sin(x)) - 1.0


def power_down(x, depth):
    """Recursive, with an integer depth argument."""
    if depth == 0:
        return x
    return power_down(onp.sin(x) + 0.5 * x, depth - 1)


def rk4_step(f, y, h):
    """Higher-order helper: calls the function it is given."""
    k1 = f(y)
    k2 = f(y + 0.5 * h * k1)
    k3 = f(y + 0.5 * h * k2)
    k4 = f(y + h * k3)
    return y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def decay(y):
    return -0.8 * y + 0.2 * onp.sin(y)


def apply_n(f, x, n):
    for _ in range(n):
        x = f(x)
    return x
