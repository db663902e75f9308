"""Found by tests/test_fuzz.py: ``a = z * 1.0`` followed by ``z[i] = ...`` (minimized).

optimize._Fold._algebra rewrites ``z * 1.0`` to ``z`` in the primal code too, so ``a``
becomes an alias of ``z`` and sees the later in-place write: the generated JVP/VJP
return a different primal value than the function (1.4 instead of 0.0 here) and
wrong derivatives.
"""

import numpy as np

import tangent_lite as tl


def copy_then_write(x):
    z = np.zeros(2)
    a = z * 1.0
    z[1] = x[0]
    return np.sum(a * x)


def power_one_then_write(x):
    z = np.zeros(2)
    a = z ** 1
    z[0] = x[1]
    return np.sum(a * x)


X = np.array([0.7, 2.0])


def test_mul_one_is_not_an_alias():
    assert copy_then_write(X) == 0.0
    out, tangent = tl.jvp(copy_then_write, (X,), (np.ones(2),))
    assert out == 0.0 and tangent == 0.0
    value, grad = tl.value_and_grad(copy_then_write)(X)
    assert value == 0.0
    np.testing.assert_allclose(grad, np.zeros(2))


def test_pow_one_is_not_an_alias():
    out, tangent = tl.jvp(power_one_then_write, (X,), (np.ones(2),))
    assert out == power_one_then_write(X) == 0.0
    np.testing.assert_allclose(tl.grad(power_one_then_write)(X), np.zeros(2))
