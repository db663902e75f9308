"""Arrays built by NumPy's constructors have known ranks (analysis/built_arrays.py; breaker round 29,
#1 related): ``v = np.array([a, b])`` of numbers is 1-D, so ``v[1]`` is a number, not a view, and
``v[0], v[1] = v[0] * 0.5 + v[1], v[1]`` in a loop is differentiated (it was refused as writing into an
array shared with ``v[1]``).  Both modes against central finite differences; subscripts that are views
(a row of a 2-D array) stay refused."""

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import UnsupportedConstructError


def from_list(a, b):
    v = np.array([a, b])
    for _ in range(3):
        v[0], v[1] = v[0] * 0.5 + v[1], v[1]
    return v[0] * v[1]


def from_list_dtype(a, b):
    v = np.array([a * 2.0, b], dtype=float)
    for _ in range(3):
        v[0], v[1] = v[0] * 0.5 + v[1], v[1]
    return v[0] * v[1]


def from_tuple(a, b):
    v = np.asarray((a, b))
    for _ in range(3):
        v[0], v[1] = v[0] * 0.5 + v[1], v[1]
    return v[0] * v[1]


def from_stack(a, b):
    v = np.stack([a, np.sin(b)])
    for _ in range(3):
        v[0], v[1] = v[0] * 0.5 + v[1], v[1]
    return v[0] * v[1]


def from_zeros(a, b):
    v = np.zeros(2)
    v[0] = a
    v[1] = b
    for _ in range(3):
        v[0], v[1] = v[0] * 0.5 + v[1], v[1]
    return v[0] * v[1]


def from_zeros_dtype(a, b):
    v = np.zeros(3, dtype=float)
    v[0] = a
    v[1] = b
    for _ in range(3):
        v[0], v[1] = v[0] * 0.5 + v[1], v[1]
    return v[0] * v[1]


def from_full(a, b):
    v = np.full(2, a)
    v[1] = b
    for _ in range(3):
        v[0], v[1] = v[0] * 0.5 + v[1], v[1]
    return v[0] * v[1]


def from_concatenate(a, b):
    v = np.concatenate([np.array([a]), np.array([b, a])])
    for _ in range(3):
        v[0], v[2] = v[0] * 0.5 + v[1], v[2]
    return v[0] * v[1] + v[2]


def from_nested(a, b):
    m = np.array([[a, b], [b * a, 1.0]])
    for _ in range(3):
        m[0, 0], m[1, 1] = m[0, 0] * 0.5 + m[1, 1], m[1, 1] * m[0, 1]
    return m[0, 0] * m[1, 1] + m[1, 0]


def from_user_list(a, b):
    parts = [a, b * 3.0]
    v = np.array(parts)
    for _ in range(2):
        v[1], v[0] = v[1] * v[0], v[0]
    return v[0] + v[1]


CASES = [from_list, from_list_dtype, from_tuple, from_stack, from_zeros, from_zeros_dtype, from_full,
         from_concatenate, from_nested, from_user_list]


def _fd(f, x, h=1e-6):
    return np.array([(f(*(x + h * e)) - f(*(x - h * e))) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_built_array_item_writes_both_modes(f):
    x = np.array([0.6, -0.4])
    want = _fd(f, x)
    np.testing.assert_allclose(tl.grad(f, wrt=(0, 1))(*x), want, rtol=1e-6, atol=1e-9)
    v = np.array([0.3, -0.7])
    assert tl.jvp(f, tuple(x), tuple(v))[1] == pytest.approx(want @ v, rel=1e-6, abs=1e-9)


def test_relax_repro_value():
    # breaker round 29: f = x y / 8 + 7 y^2 / 4 at (0.6, -0.4): [-0.05, -1.325] (hand)
    np.testing.assert_allclose(tl.grad(from_list, wrt=(0, 1))(0.6, -0.4), [-0.05, -1.325], rtol=1e-12)


def rows_of_built_matrix(a, b):
    m = np.array([[a, b], [b, a]])
    for _ in range(3):
        m[0], m[1] = m[0] * 0.5 + m[1], m[1]     # m[1] of a 2-D array is a view of m
    return np.sum(m[0] * m[1])


def row_view_then_write(a, b):
    m = np.stack([np.array([a, b]), np.array([b, a])])
    r = m[1]
    m[1, 0] = a * 3.0                             # changes r too
    return np.sum(r * m[0])


def vector_of_vectors(x):
    v = np.array([x, x * 2.0])                    # x of rank 1: v is 2-D, v[1] a view
    r = v[1]
    v[1, 0] = x[0] * 3.0
    return np.sum(r * v[0])


@pytest.mark.parametrize("f,args", [(rows_of_built_matrix, (0.6, -0.4)), (row_view_then_write, (0.6, -0.4)),
                                    (vector_of_vectors, (np.array([0.6, -0.4]),))],
                         ids=["rows", "row-view", "vector-of-vectors"])
def test_views_of_built_arrays_stay_refused(f, args):
    with pytest.raises(UnsupportedConstructError, match="shares its array"):
        tl.grad(f, wrt=tuple(range(len(args))))(*args)


def appended_list(a, b):
    parts = [a, b]
    parts.append(a * b)                           # read twice: its element ranks are not assumed
    v = np.array(parts)
    v[0] = v[1] * v[2]
    return np.sum(v * v)


def test_list_changed_before_the_constructor_is_still_right():
    x = np.array([0.6, -0.4])
    np.testing.assert_allclose(tl.grad(appended_list, wrt=(0, 1))(*x), _fd(appended_list, x), rtol=1e-6)
