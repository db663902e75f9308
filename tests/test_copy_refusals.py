"""``list(L)`` and ``tuple(L)`` make a new container of ``L``'s items: writing into
the new list is not a write into ``L`` (the alias model refused it, while its own message proposed
``list(...)`` as the fix -- breaker14 finding 6).  Writes into the items they share are still seen.
Checked against finite differences, both modes and second order."""

from __future__ import annotations

import numpy as np
import pytest
from test_maybe_unbound import check_all

import tangent_lite as tl


def list_copy(x):
    L = [x[0], x[1]]
    M = list(L)
    M[0] = x[2] * 5.0
    return L[0] * M[0] + M[1]


def list_copy_of_alias(x):
    L = [x[0], x[1]]
    M = L
    M = list(M)
    M[0] = x[2] * 5.0
    return L[0] * M[0] + M[1]


def tuple_copy(x):
    L = [x[0] * x[1], x[1]]
    t = tuple(L)
    M = list(t)
    M[1] = x[3] * 2.0
    return t[0] * M[1] + t[1] * L[0] + L[1] * M[0]


@pytest.mark.parametrize("f", [list_copy, list_copy_of_alias, tuple_copy], ids=lambda f: f.__name__)
def test_container_copies_are_not_aliases(f):
    check_all(f, np.array([0.31, 0.72, 0.43, 0.54]))


def shared_item_written(x):
    a = x * 1.0
    L = [a, x * 2.0]
    M = list(L)
    b = M[0]
    b[0] = x[1] * 3.0  # changes a (the same array is an item of L and of M)
    return np.sum(L[0] * a)


def original_written(x):
    L = [x[0], x[1]]
    M = list(L)
    L[0] = x[2] * 5.0  # re-binds an item of the list L: M still holds the old one
    return L[0] * M[0] + M[1] * x[3]


def test_an_item_of_the_original_rebound():
    check_all(original_written, np.array([0.31, 0.72, 0.43, 0.54]))


def rows_of_an_array_written(x):
    A = x.reshape((2, 2)) * 1.0
    M = list(A)
    A[0] = x[2:] * 5.0  # list(A) of an array holds views of its rows: M[0] sees the write
    return np.sum(M[0] * x[:2])


@pytest.mark.parametrize("f", [shared_item_written, rows_of_an_array_written], ids=lambda f: f.__name__)
def test_writes_seen_through_the_copy_are_refused(f):
    """A write into an item both containers hold is refused; so is a write into an array read
    through ``list(A)``, which holds views of its rows."""
    with pytest.raises(tl.UnsupportedConstructError, match="shares its array or list"):
        tl.grad(f)(np.array([0.31, 0.72, 0.43, 0.54]))
