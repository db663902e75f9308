"""One array held by two entries of one list or dict, one entry changed in place.

``L = [a, a]; L[0] += x`` changes ``a``, hence ``L[1]``: Python's semantics, which the derivative
must follow or refuse (tangent_lite refuses it when the code runs, naming the entry and line).
The programs are generated: ways to fill a container with one array twice (or with views of
one array) x in-place updates x reads, in reverse and forward mode; the same with distinct
arrays must give the right derivative (finite differences), also at second order.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError

X = np.array([1.5, -0.7, 2.0])
V = np.array([0.3, 1.1, -0.4])

# (fill, first key, second key): the container C holds a (or views of it) in both entries
SHARED = [
    ("C = [a, a]", "0", "1"),
    ("C = [a] * 2", "0", "1"),
    ("C = []\n    C.append(a)\n    C.append(a)", "0", "1"),
    ("C = [a]\n    C.append(C[0])", "0", "1"),
    ("C = [a, a[::-1]]", "0", "1"),
    ("C = [a, 3.0, a]", "0", "2"),
    ("C = [a for _ in range(2)]", "0", "1"),
    ("C = [a] + [a]", "0", "1"),
    ("b = a\n    C = [a, b]", "1", "0"),
    ("C = [[a], a]", "1", "0][0"),
    ("C = {'p': a, 'q': a}", "'p'", "'q'"),
    ("C = {'p': a}\n    C['q'] = C['p']", "'p'", "'q'"),
    ("C = {}\n    C['p'] = a\n    C['q'] = a", "'q'", "'p'"),
    ("m = np.outer(a, a)\n    C = [m[0], m[:, 0]]", "0", "1"),
]
# the same shapes with distinct arrays (or views that do not overlap)
DISTINCT = [
    ("C = [a, a.copy()]", "0", "1"),
    ("C = [a, a * 2.0]", "0", "1"),
    ("C = [a.copy() for _ in range(2)]", "0", "1"),
    ("C = [a, np.flip(a) + 0.0]", "1", "0"),
    ("C = {'p': a, 'q': np.copy(a)}", "'p'", "'q'"),
    ("C = {'p': a}\n    C['q'] = C['p'] * 1.0", "'p'", "'q'"),
    ("m = np.concatenate([a, a]) * 1.0\n    C = [m[:3], m[3:]]", "0", "1"),
]
UPDATES = ["+= x", "*= x", "-= x * x", "**= 2.0", "/= 2.0"]
READS = ["np.sum(C[{k1}] * x)", "np.sum(C[{k0}] * C[{k1}])", "np.sum(C[{k1}]) + np.sum(C[{k0}] * x)"]


def _program(fill, k0, k1, update, read):
    return f"""
import numpy as np

def f(x):
    a = x * 1.0
    {fill}
    C[{k0}] {update}
    return {read.format(k0=k0, k1=k1)}
"""


def _fd(f, x, eps=1e-6):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


def _cases(fills):
    return [(fill, k0, k1, up, rd) for (fill, k0, k1), up, rd in itertools.product(fills, UPDATES, READS)]


@pytest.mark.parametrize("fill,k0,k1,update,read", _cases(SHARED))
def test_shared_entry_changed_in_place_is_refused(tmp_path, fill, k0, k1, update, read):
    f = temp_module(tmp_path, _program(fill, k0, k1, update, read), "shared_entries").f
    expected = _fd(f, X.copy())
    for name, run, want in (("grad", lambda: tl.grad(f)(X.copy()), expected),
                            ("jvp", lambda: tl.jvp(f, (X.copy(),), (V,))[1], expected @ V)):
        try:
            got = run()
        except TangentLiteError as e:
            text = str(e)
            assert "another entry" in text and f"C[{k0}]" in text, text
            assert ".py:" in text  # the user's file and line
            continue
        # (the change reaches no other entry that is read: then the derivative must be right)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("fill,k0,k1,update,read", _cases(SHARED)[::5])
def test_shared_entries_are_refused_not_right_by_luck(tmp_path, fill, k0, k1, update, read):
    """The shared forms do change the other entry (else the test above could not fail): the
    primal function's value differs from the same program with a copy."""
    f = temp_module(tmp_path, _program(fill, k0, k1, update, read), "shared_luck").f
    with pytest.raises(TangentLiteError, match="another entry"):
        tl.grad(f)(X.copy())


@pytest.mark.parametrize("fill,k0,k1,update,read", _cases(DISTINCT))
def test_distinct_entries_changed_in_place(tmp_path, fill, k0, k1, update, read):
    f = temp_module(tmp_path, _program(fill, k0, k1, update, read), "distinct_entries").f
    expected = _fd(f, X.copy())
    np.testing.assert_allclose(tl.grad(f)(X.copy()), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tl.jvp(f, (X.copy(),), (V,))[1], expected @ V, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fill,k0,k1,update,read", _cases(DISTINCT)[::7])
def test_distinct_entries_second_order(tmp_path, fill, k0, k1, update, read):
    f = temp_module(tmp_path, _program(fill, k0, k1, update, read), "distinct_second").f
    g = tl.grad(f)
    expected = np.array([(g(X + 1e-5 * e) - g(X - 1e-5 * e)) / 2e-5 for e in np.eye(3)])
    np.testing.assert_allclose(tl.hessian(f)(X.copy()), expected, rtol=1e-4, atol=1e-5)


def test_loop_over_entries_of_a_shared_list(tmp_path):
    src = """
import numpy as np

def f(x):
    a = x * 1.0
    C = [a, a]
    for i in range(2):
        C[i] += x
    return np.sum(C[0] * x)
"""
    f = temp_module(tmp_path, src, "shared_loop").f
    with pytest.raises(TangentLiteError, match="another entry"):
        tl.grad(f)(X.copy())


def test_argument_entry_put_twice_in_a_local_list(tmp_path):
    src = """
import numpy as np

def f(x, L):
    M = [L[0], L[0]]
    M[0] += x
    return np.sum(M[1] * x)
"""
    f = temp_module(tmp_path, src, "shared_arg_entry").f
    with pytest.raises(TangentLiteError, match="another entry"):
        tl.grad(f)(X.copy(), [np.array([1.0, 2.0, 3.0])])
    with pytest.raises(TangentLiteError, match="another entry"):
        tl.jvp(f, (X.copy(), [np.array([1.0, 2.0, 3.0])]), (V, [np.zeros(3)]))


def test_params_dict_training_loop_is_untouched(tmp_path):
    src = """
import numpy as np

def f(x, p):
    for _ in range(3):
        p["w"] -= 0.1 * p["w"] * x
        p["b"] += np.sum(p["w"] ** 2)
    return np.sum(p["w"] * x) + p["b"]
"""
    f = temp_module(tmp_path, src, "params_loop").f
    p = {"w": np.array([0.5, -1.0, 2.0]), "b": 0.25}
    expected = _fd(lambda x: f(x, {"w": p["w"].copy(), "b": p["b"]}), X.copy())
    got = tl.grad(f)(X.copy(), {"w": p["w"].copy(), "b": p["b"]})
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- everyday programs (breaker round 22)

def sgd_dict(x):
    params = {"w": x[:2] * 1.0, "b": x[2:] * 1.0}
    for _ in range(3):
        g = params["w"] * 2.0          # read the entry, then update it in place
        params["w"] -= 0.1 * g
        params["b"] -= 0.1 * np.cos(params["b"])
    return np.sum(params["w"] ** 2) + np.sum(np.sin(params["b"]))


def sgd_over_keys(x):
    params = {"w": x[:2] * 1.0, "b": x[2:] * 1.0}
    for _ in range(3):
        grads = {"w": 2.0 * params["w"], "b": np.cos(params["b"])}
        for k in list(params):          # the iteration docs/limitations.md recommends
            params[k] -= 0.1 * grads[k]
    return np.sum(params["w"] ** 2) + np.sum(np.sin(params["b"]))


def particles(x):
    pos = [x[0:2] * 1.0, x[2:4] * 1.0]
    vel = [np.zeros(2), np.zeros(2)]
    for _ in range(3):
        for i in range(2):
            acc = -pos[i] - 0.1 * vel[i]
            vel[i] += acc * 0.1
            pos[i] += vel[i] * 0.1
    return np.sum(pos[0] * pos[1]) + np.sum(vel[0] ** 2)


def newton(x):
    z = [x * 1.0 + 2.0]
    for _ in range(3):
        fz = z[0] ** 3 - 2.0
        z[0] -= fz / (3.0 * z[0] ** 2)
    return np.sum(z[0] * x)


def kalman(x):
    s = {"m": x[:2] * 1.0, "P": np.eye(2)}
    for _ in range(2):
        s["P"] += 0.1 * np.eye(2)
        K = s["P"] @ np.linalg.inv(s["P"] + np.eye(2))
        s["m"] += K @ (x[2:] - s["m"])
        s["P"] -= K @ s["P"]
    return np.sum(s["m"] ** 2) + np.trace(s["P"])


@pytest.mark.parametrize("f", [sgd_dict, sgd_over_keys, particles, newton, kalman], ids=lambda f: f.__name__)
def test_everyday_programs_updating_entries_in_place(f):
    x = np.array([0.3, -0.7, 1.1, 0.4])
    v = np.array([0.3, 1.1, -0.4, 0.2])
    expected = _fd(f, x.copy())
    np.testing.assert_allclose(tl.grad(f)(x.copy()), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tl.jvp(f, (x.copy(),), (v,))[1], expected @ v, rtol=1e-5, atol=1e-6)
    g = tl.grad(f)
    fd2 = np.array([(g(x + 1e-5 * e) - g(x - 1e-5 * e)) / 2e-5 for e in np.eye(4)])
    np.testing.assert_allclose(tl.hessian(f)(x.copy()), fd2, rtol=1e-4, atol=1e-5)


_A = np.array([[1.0, 0.5], [0.2, -1.0], [0.3, 0.3], [2.0, 0.1]])


def entry_transposed(x):
    L = [x.reshape(4, 1) * 2.0]
    L[0] = L[0].T                  # an entry rebound to a value of another shape
    return np.sum(L[0] ** 2 * np.arange(1.0, 5.0))


def unflatten(x):
    p = {"W": x * 1.0, "b": x[:2] * 0.5}
    p["W"] = p["W"].reshape(2, 2)
    return np.sum(np.tanh(p["W"] @ np.array([0.5, -1.0]) + p["b"]))


def width_change(x):
    s = {"h": x * 1.0}
    s["h"] = np.tanh(s["h"] @ _A)  # width 4 -> 2
    return np.sum(s["h"] ** 2)


@pytest.mark.parametrize("f", [entry_transposed, unflatten, width_change], ids=lambda f: f.__name__)
def test_entries_rebound_to_another_shape(f):
    """The reverse sweep zeroed a rebound entry's adjoint in the new value's shape, then added the
    old value's adjoint to it: broadcast into a wrong gradient, or a crash (breaker 22 W7)."""
    x = np.array([0.3, -0.7, 1.1, 0.4])
    v = np.array([0.3, 1.1, -0.4, 0.2])
    expected = _fd(f, x.copy())
    np.testing.assert_allclose(tl.grad(f)(x.copy()), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tl.jvp(f, (x.copy(),), (v,))[1], expected @ v, rtol=1e-5, atol=1e-6)
    g = tl.grad(f)
    fd2 = np.array([(g(x + 1e-5 * e) - g(x - 1e-5 * e)) / 2e-5 for e in np.eye(4)])
    np.testing.assert_allclose(tl.hessian(f)(x.copy()), fd2, rtol=1e-4, atol=1e-5)


def entry_reset_then_sliced(x):
    d = {"a": x * 1.0}
    d["a"] = np.ones(4)               # the entry becomes a constant
    return np.sum(d["a"][1:] * x[1:])


def entry_reset_then_reshaped(x):
    L = [x * 1.0, x * 2.0]
    L[1] = np.ones(4)
    L[1] = L[1].reshape(2, 2)
    return np.sum(L[1] * x.reshape(2, 2)) + np.sum(L[0] ** 2)


@pytest.mark.parametrize("f", [entry_reset_then_sliced, entry_reset_then_reshaped], ids=lambda f: f.__name__)
def test_entries_reset_to_constants(f):
    """Forward mode kept a constant entry's tangent as the number 0.0, which the entry's slice or
    reshape could not take (breaker 22 C2)."""
    x = np.array([0.3, -0.7, 1.1, 0.4])
    v = np.array([0.3, 1.1, -0.4, 0.2])
    expected = _fd(f, x.copy())
    np.testing.assert_allclose(tl.grad(f)(x.copy()), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tl.jvp(f, (x.copy(),), (v,))[1], expected @ v, rtol=1e-5, atol=1e-6)
    g = tl.grad(f)
    fd2 = np.array([(g(x + 1e-5 * e) - g(x - 1e-5 * e)) / 2e-5 for e in np.eye(4)])
    np.testing.assert_allclose(tl.hessian(f)(x.copy()), fd2, rtol=1e-4, atol=1e-5)
    tl.check_grads(f, (x.copy(),))


def shared_sub_dict(x):
    sub = {"w": x * 1.0}
    d = {"p": sub, "q": sub}          # two entries hold the same dict
    d["p"] |= {"w": x * 3.0}          # an in-place merge: d["q"] sees it
    return np.sum(d["q"]["w"] * x)


def shared_sub_list(x):
    inner = [x * 1.0]
    L = [inner, inner]
    L[0] += [x * 2.0]                 # list += extends in place: L[1] sees it
    return np.sum(L[1][-1] * x)


@pytest.mark.parametrize("f", [shared_sub_dict, shared_sub_list], ids=lambda f: f.__name__)
def test_two_entries_holding_one_list_or_dict_changed_in_place(f):
    x = np.array([1.0, 2.0, 3.0])
    expected = _fd(f, x.copy())
    for run, want in ((lambda: tl.grad(f)(x.copy()), expected),
                      (lambda: tl.jvp(f, (x.copy(),), (np.ones(3),))[1], expected @ np.ones(3))):
        try:
            np.testing.assert_allclose(run(), want, rtol=1e-6)
        except TangentLiteError as e:
            assert "another entry" in str(e), str(e)
