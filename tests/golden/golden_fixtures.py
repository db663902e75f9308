"""Functions whose generated derivatives are kept as golden files (see tests/test_golden.py).

Editing this file changes the golden output (line numbers and line comments):
regenerate with TL_UPDATE_GOLDEN=1 and review the diff.
"""

import numpy as np


def straight(x, y):
    a = x * y
    b = np.sin(a) + x / y
    return np.exp(b) - a ** 2


def loop(x, n):
    s = 0.0
    for _i in range(n):
        s = s + np.cos(x * s) * x
    return s


def branch(x, y):
    if x > y:
        z = x * x * y
    else:
        z = np.tanh(x) - y
    return z
