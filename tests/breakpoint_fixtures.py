"""A function with a breakpoint() (tests/test_breakpoint.py)."""

import numpy as np


def with_breakpoint(x):
    y = np.sin(x) * 2.0
    breakpoint()
    return np.sum(y * y)
