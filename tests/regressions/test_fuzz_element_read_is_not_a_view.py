"""Found by tests/test_fuzz.py (against the aliasing check being added to analysis.py).

``z[0] = z[0] * y[0]`` and ``z[1] += y[0]`` are refused with "writing into 'z', which
shares its array or list with '_t0' (an alias or a view)": analysis.aliasing_errors
treats every subscript read ``_t0 = z[0]`` as a view of ``z``.  Reading one element
(an integer index on every axis) gives a scalar copy, not a view; only slices (and
``None``/``...``, or fewer indices than dimensions) give views.  Every fuzz program
that updates an element of an array from its old value fails this way.
"""

import numpy as np

import tangent_lite as tl


def read_then_write(y):
    z = np.zeros(3)
    z[0] = 1.0
    z[0] = z[0] * y[0]
    return np.sum(z * y)


def augmented_element_write(y):
    z = np.zeros(3)
    z[1] += y[0]
    return np.sum(z * y)


Y = np.array([0.5, 0.25, 2.0])


def test_element_read_then_write():
    tl.check_grads(read_then_write, (Y,))


def test_augmented_element_write():
    tl.check_grads(augmented_element_write, (Y,))
