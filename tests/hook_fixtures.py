"""Functions using tl.grad_hook (tests/test_hooks.py)."""

import numpy as np

import tangent_lite as tl

SEEN = []


def clip(g):
    return np.clip(g, -1.0, 1.0)


def record(g):
    SEEN.append(np.copy(g))
    return g


def clipped(x):
    h = tl.grad_hook(np.sin(x) * 10.0, clip)
    h = tl.grad_hook(h, record)
    return np.sum(h * h)


def in_loop(x, n):
    for _ in range(n):
        x = tl.grad_hook(np.tanh(x) * 1.5, clip)
    return np.sum(x)
