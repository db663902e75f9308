"""Found by tests/test_fuzz.py: ``for r in x:`` whose body rebinds ``x`` (minimized).

Python iterates over the array ``x`` named when the loop starts; anf lowers the loop
to ``for i in range(len(x)): r = x[i]`` reading the *current* ``x``, so after
``x = x * 2.0`` the rows come from the new array: the generated code computes 17.0
where the function returns 6.0 (and the derivatives of that other function).
"""

import numpy as np

import tangent_lite as tl


def rebind_iterated(x):
    s = 0.0
    for r in x:
        x = x * 2.0
        s = s + r
    return s


def rebind_enumerated(x):
    s = 0.0
    for i, r in enumerate(x):
        x = x * 2.0
        s = s + r * i
    return s


X = np.array([1.0, 2.0, 3.0])


def test_rows_come_from_the_array_the_loop_started_with():
    out, tangent = tl.jvp(rebind_iterated, (X,), (np.ones(3),))
    assert out == rebind_iterated(X) == 6.0
    assert tangent == 3.0
    np.testing.assert_allclose(tl.grad(rebind_iterated)(X), np.ones(3))


def test_enumerate_too():
    value, grad = tl.value_and_grad(rebind_enumerated)(X)
    assert value == rebind_enumerated(X) == 8.0
    np.testing.assert_allclose(grad, [0.0, 1.0, 2.0])
