"""Custom primitives with right and deliberately wrong rules (tests/test_check_grads.py)."""

import numpy as np

import tangent_lite as tl


def good_sin(x):
    return np.sin(x)


def flat_sin(x):  # first derivative right, second derivative wrong (its rule stops the gradient)
    return np.sin(x)


def wrong_sin(x):  # first derivative wrong
    return np.sin(x)


@tl.defjvp(good_sin)
def good_sin_jvp(x_dot, ans, x):
    return x_dot * np.cos(x)


@tl.defvjp(good_sin)
def good_sin_vjp(g, ans, x):
    return g * np.cos(x)


@tl.defjvp(flat_sin)
def flat_sin_jvp(x_dot, ans, x):
    return x_dot * _tl.stop_gradient(np.cos(x))  # noqa: F821  (_tl is the generated module's runtime)


@tl.defvjp(flat_sin)
def flat_sin_vjp(g, ans, x):
    return g * _tl.stop_gradient(np.cos(x))  # noqa: F821


@tl.defjvp(wrong_sin)
def wrong_sin_jvp(x_dot, ans, x):
    return x_dot * np.cos(x)


@tl.defvjp(wrong_sin)
def wrong_sin_vjp(g, ans, x):
    return g * np.cos(x) * 1.01


def uses_good(x):
    return np.sum(good_sin(x) * x)


def uses_flat(x):
    return np.sum(flat_sin(x) * x)


def uses_wrong(x):
    return np.sum(wrong_sin(x) * x)
