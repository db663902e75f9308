"""NumPy's own operator-overriding class ``np.matrix`` (``*`` is its matrix product, ``**`` its matrix
power) is not differentiated as an array: refused by name, with the user's line and a way out
(breaker 23 C2, where reverse mode crashed in ``as_grad``); and a ``collections.UserDict``
argument is refused by name (breaker 23 C3, a crash in ``getitem_bar`` before)."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import tangent_lite as tl

with warnings.catch_warnings():
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    M = np.matrix([[1.0, 2.0], [0.5, -1.0]])


def matrix_product(x):
    return np.sum(np.asarray(M * x.reshape(2, 1)))


def matrix_argument(m, x):
    return np.sum(np.asarray(m * x.reshape(2, 1)))


def as_array_instead(x):
    return np.sum(np.asarray(M) @ x)


def test_a_module_level_matrix_operand_is_refused_in_both_modes():
    x = np.array([0.3, -0.7])
    for call in (lambda: tl.grad(matrix_product)(x), lambda: tl.jvp(matrix_product, (x,), (np.ones(2),))):
        with pytest.raises(tl.errors.UnsupportedConstructError, match=r"'M' is a matrix") as info:
            call()
        message = str(info.value)
        assert "test_numpy_matrix_refused.py:" in message and "np.asarray(M)" in message and "'@'" in message


def test_a_matrix_argument_is_refused():
    with pytest.raises(tl.TangentLiteError, match="matrix"):
        tl.grad(matrix_argument, wrt=1)(M, np.array([0.3, -0.7]))


def test_the_way_out_is_differentiated():
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose(tl.grad(as_array_instead)(x), [1.5, 1.0], rtol=1e-14)  # column sums of M
    np.testing.assert_allclose(tl.jvp(as_array_instead, (x,), (np.array([1.0, 0.0]),))[1], 1.5, rtol=1e-14)


def sum_of_squares(p):
    return np.sum(p["w"] ** 2)


def test_a_user_dict_argument_is_refused_by_name():
    w = np.array([0.3, -0.7])
    with pytest.raises(tl.errors.ArgumentError, match="UserDict"):
        tl.grad(sum_of_squares)(collections.UserDict(w=w))
    np.testing.assert_allclose(tl.grad(sum_of_squares)(dict(w=w))["w"], 2 * w, rtol=1e-14)  # the way out
