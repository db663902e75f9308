"""Found by tests/test_fuzz.py: a name unpacked from a constant tuple, then made to depend on
the input by a loop (minimized).

``a1, a2 = helper(-1.5)`` does not depend on ``x``, but ``a2`` is varied: the loop below
reassigns it from ``x``.  Forward mode initialised its tangent as ``a2_dot = a2_dot``
(the tangent of the name itself instead of a zero), an UnboundLocalError when run.
"""

import numpy as np

import tangent_lite as tl


def helper(p):
    return p * np.ones(4), p * 2.0


def constant_tuple_then_loop(x):
    a1, a2 = helper(-1.5)
    for _k in range(3):
        a2 = a2 / 2.0 + np.dot(a1, x)
    return a2 * a2


def constant_literal_tuple_then_loop(x):
    a1, a2 = (np.ones(4), 3.0)
    for _k in range(3):
        a2 = a2 / 2.0 + np.dot(a1, x)
    return a2 * a2


X = np.array([0.1, 0.2, 0.3, 0.4])


def test_constant_tuple_then_loop():
    tl.check_grads(constant_tuple_then_loop, (X,), order=2)
    a2 = -3.0
    for _ in range(3):  # the closed form: d/dx of a2^2, a2 = a2/2 - 1.5 sum(x) three times
        a2 = a2 / 2.0 - 1.5 * np.sum(X)
    np.testing.assert_allclose(tl.grad(constant_tuple_then_loop)(X), 2 * a2 * -1.5 * (1 + 0.5 + 0.25) * np.ones(4))


def test_constant_literal_tuple_then_loop():
    tl.check_grads(constant_literal_tuple_then_loop, (X,))
