"""Found by tests/test_fuzz.py: ``x = x`` inside a loop or an if (minimized).

In compound statements ``x`` keeps its name (no SSA version), so the statement is a
copy from ``x`` to itself.  vjp.adjoint emits the copy's adjoint as
``x_bar = x_bar + x_bar`` and then zeroes ``x_bar`` because ``x`` was overwritten, so the
gradient with respect to ``x`` is 0 (forward mode is right).
"""

import numpy as np

import tangent_lite as tl


def self_assign_in_loop(x, y):
    for _k in range(2):
        x = x
    return y * x


def self_assign_in_if(x, y):
    if y > 0.0:
        x = x
    return np.sum(y * x)


X = np.array([0.6, -0.59, 0.948, -0.59])


def test_self_assignment_in_loop():
    tl.check_grads(self_assign_in_loop, (X, 0.5))


def test_self_assignment_in_if():
    np.testing.assert_allclose(tl.grad(self_assign_in_if)(X, 0.5), np.full(4, 0.5))
