"""Found by tests/test_fuzz.py (against analysis.aliasing_errors, the aliasing check).

``z[0] = np.sum((z if c else y) * y)``: the conditional's temporary may share ``z``'s
array, but it is consumed (``* y`` makes a new array) before the write, so nothing can
be observed through it.  The check refuses the write anyway, and its message says that
``z`` "shares its array or list with 'y'": the union-find merges both arms of the
conditional with its temporary, so ``z`` and ``y`` end up in one group although they
never share memory.  The check should only consider aliases that are still read after
the write, and keep the arms of a conditional apart.  The third case (minimized from
the derandomized CI fuzz run) is refused with "writing into 'z', which shares its array
or list with 'x'": ``a = x`` and ``a if c else z`` put ``x`` and ``z`` in one group.
"""

import numpy as np

import tangent_lite as tl


def temp_alias_dead_before_write(y):
    z = np.zeros(2)
    z[0] = np.sum((z if y[0] > 5.0 else y) * y)
    return np.sum(z * y)


def temp_alias_dead_before_write_in_loop(y):
    z = np.zeros(2)
    for i in range(2):
        z[i] = np.sum((z if y[0] > 5.0 else y) * y) + y[i]
    return np.sum(z * y)


def copy_then_loop_write_then_conditional(x):
    z = np.zeros(3)
    a = x
    for k in range(2):
        z[k] = x[k] * 2.0
    return a if x[0] > 5.0 else z


Y = np.array([0.5, 0.25])


def test_conditional_temporary_consumed_before_the_write():
    tl.check_grads(temp_alias_dead_before_write, (Y,))


def test_conditional_temporary_consumed_before_the_write_in_a_loop():
    tl.check_grads(temp_alias_dead_before_write_in_loop, (Y,))


def test_conditional_of_two_unrelated_arrays_after_a_loop_write():
    tl.check_grads(copy_then_loop_write_then_conditional, (np.array([0.5, 0.25, 2.0]),))
