"""Batched forward mode (``tl.jvp(..., batched=True)``, and ``tl.jacobian`` in forward or auto mode,
which uses it when the output is larger than the input) through lists, dicts and tuples the
function builds and writes: a write into a list's tangent turned the list into one array
(breaker round 25: crashes, and a silently wrong Jacobian for a list and its slice copy).
Checked against the reverse-mode Jacobian and central differences."""

import numpy as np
import pytest

import tangent_lite as tl


def entry_write(x):
    L = [x, x * 2.0]
    L[1] = L[1] * x
    return np.outer(L[1], x)


def slice_copy(x):
    L = [x, x * 2.0, x ** 2]
    M = L[:]
    L[0] = np.sin(L[0])
    M[0] = M[0] * 3.0
    return np.outer(L[0] * M[0] + M[1] * L[1], x)


def append_loop(x):
    L = []
    for i in range(4):
        L.append(x * (i + 1))
        if i > 0:
            L[-1] = L[-1] * L[-2]
    return np.outer(L[-1], x)


def dict_loop(x):
    d = {"a": x * 1.0, "b": x * 0.5}
    for _ in range(3):
        d["a"] = d["a"] * np.cos(d["b"])
        d["b"] = d["b"] + d["a"] * x
    return np.outer(d["a"], d["b"])


def slice_write(x):
    L = [x, x * 2.0, x * 3.0]
    L[1:3] = [np.tanh(x), x * x]
    return np.outer(L[0] * L[1] + L[2], L[1])


def nested_and_tuple(x):
    rows = [[x, x * 2.0], [np.sin(x), x]]
    rows[1] = [rows[1][0] * rows[0][1], rows[1][1]]   # (writing into rows[1][0] is refused)
    t = (rows[1][0], rows[0][0])
    return np.outer(t[0] + t[1], x)


def popped(x):
    L = [x, x * 2.0, x * x]
    last = L.pop()
    L[0] = L[0] + last
    return np.outer(L[0], L[1])


PROGRAMS = [entry_write, slice_copy, append_loop, dict_loop, slice_write, nested_and_tuple, popped]


def _fd_jacobian(f, x, eps=1e-6):
    return np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)], -1)


@pytest.mark.parametrize("f", PROGRAMS, ids=[f.__name__ for f in PROGRAMS])
@pytest.mark.parametrize("mode", ["auto", "forward"])
def test_forward_jacobians_through_containers(f, mode):
    x = np.array([0.3, -0.7, 1.1])
    J = tl.jacobian(f, mode=mode)(x)
    np.testing.assert_allclose(J, _fd_jacobian(f, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(J, tl.jacobian(f, mode="reverse")(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", PROGRAMS, ids=[f.__name__ for f in PROGRAMS])
def test_batched_jvp_equals_one_direction_at_a_time(f):
    x = np.array([0.3, -0.7, 1.1])
    V = np.array([[1.0, 0.5, -2.0], [0.0, 1.0, 3.0]])
    _, T = tl.jvp(f, (x,), (V,), batched=True)
    for k in range(len(V)):
        np.testing.assert_allclose(T[k], tl.jvp(f, (x,), (V[k],))[1], rtol=1e-12, atol=1e-12)
