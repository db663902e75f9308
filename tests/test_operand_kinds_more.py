"""Operands whose operators are not those of numbers and arrays, found by breaker round 26:
a class registered as a ``numbers.Real`` with its own ``*`` (module level, closure, attribute),
and arrays of Python objects (``dtype=object``: their elements' operators).  Refused, never a
wrong number; plain numbers of the standard library keep working."""

import fractions
import numbers

import numpy as np
import pytest

import tangent_lite as tl


class Squaring:
    """A 'number' whose product squares the other operand."""

    def __init__(self, k):
        self.k = k

    def __mul__(self, other):
        return self.k * other ** 2

    __rmul__ = __mul__


numbers.Real.register(Squaring)
K = Squaring(2.0)


class Holder:
    k = Squaring(2.0)


def module_level(x):
    return np.sum(K * x)


def attribute(x):
    return np.sum(Holder.k * x)


def closure_of(k):
    def f(x):
        return np.sum(k * x)
    return f


OBJECTS = np.array([Squaring(1.0), Squaring(3.0)], dtype=object)


def object_array_module(x):
    return np.sum(OBJECTS * x)


def object_array_argument(x, a):
    return np.sum(a * x)


@pytest.mark.parametrize("f", [module_level, attribute, closure_of(Squaring(2.0)), object_array_module],
                         ids=["module_level", "attribute", "closure", "object_array_module"])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_operands_with_their_own_operators_are_refused(f, mode):
    x = np.array([0.3, -0.6])
    with pytest.raises(tl.errors.TangentLiteError):
        if mode == "grad":
            tl.grad(f)(x)
        else:
            tl.jvp(f, (x,), (np.ones(2),))


def test_an_object_array_argument_is_refused():
    with pytest.raises(tl.ArgumentError, match="dtype=object"):
        tl.grad(object_array_argument)(np.array([0.3, -0.6]), OBJECTS)


HALF = fractions.Fraction(1, 2)
SCALE = np.float32(3.0)


def standard_numbers(x):
    return np.sum(HALF * x * SCALE)


def test_numbers_of_the_standard_library_and_numpy_work():
    x = np.array([0.3, -0.6])
    np.testing.assert_allclose(tl.grad(standard_numbers)(x), [1.5, 1.5])
