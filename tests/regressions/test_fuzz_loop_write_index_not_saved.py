"""Found by tests/test_fuzz.py: ``z[c - 1] = ...`` in a loop, then the VJP (minimized).

The write's index is a temporary (``_t2 = c - 1``) that the forward sweep does not save
per iteration, so the reverse sweep restores every iteration's write at the *last*
index (``z[_t2] = _tape.pop()``): ``z[0]`` keeps the value written in the loop, and
anything that reads ``z`` before the loop gets a wrong adjoint.  Here ``f(y) = sum(y * z)``
with ``z == 0`` at that point, so the gradient is 0; the VJP returns ``[1, 0, 0]``
(forward mode is right).  The fuzz failure this came from had ``z1[c6 - 1] += a2`` in a
``while`` loop.
"""

import numpy as np

import tangent_lite as tl


def write_in_while(y):
    z = np.zeros(3)
    a = np.sum(y * z)
    c = 0
    while c < 2:
        c = c + 1
        z[c - 1] = 1.0
    return a


def write_in_for_through_temporary(y):
    z = np.zeros(3)
    a = np.sum(y * z)
    for c in range(2):
        k = c + 0
        z[k] = 1.0
        a = a + y[2]
    return a


Y = np.array([0.5, 0.25, 2.0])


def test_while_loop_write_is_undone_at_its_own_index():
    np.testing.assert_allclose(tl.grad(write_in_while)(Y), np.zeros(3))


def test_for_loop_write_through_a_temporary_index():
    np.testing.assert_allclose(tl.grad(write_in_for_through_temporary)(Y), [0.0, 0.0, 2.0])
    tl.check_grads(write_in_for_through_temporary, (Y,))
