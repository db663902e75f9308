"""Subclasses of arrays, numbers, lists and dicts that give themselves their own operators or
indexing (breaker round 23): their arithmetic is not NumPy's, so they are refused, never
differentiated as arrays; plain subclasses that add nothing of the kind still work."""

import collections

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError


class Sq(np.ndarray):
    def __mul__(self, other):  # not elementwise: squares first
        return np.asarray(self) ** 2 * other


class Int(int):
    def __mul__(self, other):
        return int(self) * other * 2


class Params(dict):
    def __getitem__(self, key):
        return dict.__getitem__(self, key) * 2.0


class Tagged(np.ndarray):  # a subclass that changes nothing arithmetic
    pass


A = np.array([1.5, 2.0])
X = np.array([0.3, -0.7])


def by_view(x):
    return np.sum(A.view(Sq) * x)


def by_int(x):
    return np.sum(Int(3) * x)


def by_argument(x, s):
    return np.sum(s * x)


def by_dict_argument(x, p):
    return np.sum(p["w"] ** 2 * x)


def by_userdict_argument(x, p):
    return np.sum(p["w"] * x)


@pytest.mark.parametrize("f,extra", [(by_view, ()), (by_int, ()), (by_argument, (A.view(Sq),)),
                                     (by_dict_argument, (Params(w=A),)),
                                     (by_userdict_argument, (collections.UserDict(w=A),))],
                         ids=["view", "int", "argument", "dict-argument", "userdict-argument"])
def test_own_operators_or_indexing_are_refused(f, extra):
    for run in (lambda: tl.grad(f)(X.copy(), *extra), lambda: tl.jvp(f, (X.copy(),) + extra,
                                                                         (np.ones(2),) + tuple(extra))):
        with pytest.raises(TangentLiteError, match="own __"):
            run()


def test_a_subclass_adding_no_arithmetic_is_an_array():
    def f(x, t):
        return np.sum(t * x ** 2)

    t = A.view(Tagged)
    np.testing.assert_allclose(tl.grad(f)(X.copy(), t), 2 * A * X)


class K:
    def __init__(self, A):
        self.A = A

    def __pow__(self, p):
        return self.A ** (2.0 * p)

    def __floordiv__(self, v):  # not NumPy's floor division: differentiable
        return 5.0 * self.A * v

    def __array__(self, dtype=None, copy=None):
        return self.A


def by_builtin_pow(x):
    return np.sum(pow(K(A), x))


@pytest.mark.parametrize("f", [by_builtin_pow], ids=lambda f: f.__name__)
def test_builtin_pow_of_a_user_object_is_refused(f):
    for run in (lambda: tl.grad(f)(X.copy()), lambda: tl.jvp(f, (X.copy(),), (np.ones(2),))):
        with pytest.raises(TangentLiteError, match="is a K"):
            run()
