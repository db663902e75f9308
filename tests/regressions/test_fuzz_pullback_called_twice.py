"""Found by tests/test_fuzz.py: a pullback gives a different answer the second time (minimized).

The backward function restores arrays written in place (``z[0] = x[0]``) by writing
the saved values back into the residual arrays themselves (``z[...] = _tape.pop()``),
so the residuals a pullback closes over are changed by calling it: the second call
(a Jacobian row by row, or value_and_grad after vjp) sees the restored ``z`` and
returns 0.
"""

import numpy as np

import tangent_lite as tl


def write_then_square(x):
    z = np.zeros(2)
    z[0] = x[0]
    return np.sum(z * z)


def test_pullback_can_be_called_twice():
    x = np.array([0.7, 2.0])
    _, pullback = tl.vjp(write_then_square, x)
    first = pullback(1.0)
    second = pullback(1.0)
    np.testing.assert_allclose(first, [1.4, 0.0])
    np.testing.assert_allclose(second, first)
