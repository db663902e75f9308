"""The alias model tells entries, rows and slices apart where they are written as constants.

An in-place update is refused when something that shares its memory is read afterwards
(analysis/aliases.py).  Which entry of a dict or list, which slice or row of an array, an
update reaches is known when the key is a constant (analysis/alias_keys.py): ``p['b'] -= v``
does not reach what ``p`` holds under ``'W'``, ``t[:2]`` and ``t[2:]`` do not overlap,
``a.flatten()`` and ``a[[0, 1]]`` are copies.  Each accepted program is checked against
central differences in reverse mode, forward mode and at second order; each near miss that
does share memory (the same key, overlapping slices, a reordered list, a view) stays refused.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangent_lite as tl
import tangent_lite.runtime as tl_runtime
from tangent_lite.errors import TangentLiteError

# -------------------------------------------------------------- accepted: no memory is shared


def dict_other_key_after_rebinding(x):  # breaker 23 D1
    p = {"W": x.reshape(2, 2), "b": x[:2] * 1.0}
    p["b"] -= 0.1 * x[2:]
    p["W"] = p["W"] * 2.0
    p["b"] -= 0.1 * x[2:]
    return np.sum(p["b"] ** 2) + np.sum(p["W"] * x.reshape(2, 2))


def list_other_index(x):  # breaker 23 D1
    L = [x, np.ones(4)]
    L[1] *= 2.0
    L[1] += x * x
    return np.sum(L[1] * x)


def dict_fresh_entry_in_loop(x):
    state = {"pos": x, "vel": np.zeros(4)}
    for _ in range(3):
        state["vel"] *= 0.9
        state["vel"] += 0.1 * np.sin(state["pos"])
    return np.sum(state["vel"] * state["pos"])


def flatten_is_a_copy(x):  # breaker 22 D4
    M = np.outer(x, x)
    b = M.flatten()
    b *= 2.0
    b += x[0]
    return np.sum(M) + np.sum(b * np.tile(x, 4))


def flatten_in_a_list(x):  # breaker 22 D4
    a = x * 1.0
    L = [a, a.flatten()]
    L[0] += x
    return np.sum(L[1] * x) + np.sum(L[0] ** 2)


def flatten_written_into(x):  # the copy's item written: the array flattened is unchanged
    M = np.outer(x, x)
    b = M.flatten()
    b[0] = 5.0
    return np.sum(M * M) + np.sum(b * np.tile(x, 4))


def disjoint_slices_in_variables(x):  # breaker 22 D3
    t = x * 1.0
    W = t[:2]
    b = t[2:]
    W *= 2.0
    return np.sum(W ** 2) + np.sum(b ** 3)


def disjoint_rows(x):
    m = x.reshape(2, 2) * 1.0
    r0 = m[0]
    r1 = m[1]
    r0 *= x[2:]
    return np.sum(r0 ** 2) + np.sum(r1 ** 3)


def disjoint_columns(x):
    m = x.reshape(2, 2) * 1.0
    c0 = m[:, 0]
    c1 = m[:, 1]
    c0 += x[:2]
    return np.sum(c0 * c1) + np.sum(c1 ** 2)


def fancy_index_through_a_temporary(x):  # breaker 22 D4 (the list is a temporary of the lowering)
    a = x * 1.0
    b = a[[0, 1]]
    b += x[:2]
    return np.sum(a * x) + np.sum(b ** 2)


def fancy_index_then_the_array_written(x):  # b is a copy: a's change does not reach it
    a = x * 1.0
    idx = [0, 1]
    b = a[idx]
    a += x
    return np.sum(b * x[2:]) + np.sum(a ** 2)


ACCEPTED = [dict_other_key_after_rebinding, list_other_index, dict_fresh_entry_in_loop,
            flatten_is_a_copy, flatten_in_a_list, flatten_written_into, disjoint_slices_in_variables, disjoint_rows,
            disjoint_columns, fancy_index_through_a_temporary, fancy_index_then_the_array_written]

X = np.array([0.3, -0.7, 1.1, 0.4])
V = np.array([0.5, 1.2, -0.3, 0.8])


def _fd_grad(f, x, h=1e-6):
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


@pytest.mark.parametrize("f", ACCEPTED, ids=lambda f: f.__name__)
def test_reverse_mode_matches_central_differences(f):
    np.testing.assert_allclose(tl.grad(f)(X.copy()), _fd_grad(f, X), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", ACCEPTED, ids=lambda f: f.__name__)
def test_forward_mode_matches_central_differences_and_reverse_mode(f):
    value, tangent = tl.jvp(f, (X.copy(),), (V,))
    h = 1e-6
    assert np.isclose(value, f(X.copy()))
    assert np.isclose(tangent, (f(X + h * V) - f(X - h * V)) / (2 * h), rtol=1e-6, atol=1e-7)
    assert np.isclose(tangent, np.dot(tl.grad(f)(X.copy()), V))  # <J v, 1> == <v, J^T 1>


@pytest.mark.parametrize("f", ACCEPTED, ids=lambda f: f.__name__)
def test_second_order_matches_central_differences_of_the_gradient(f):
    hess = tl.hessian(f)(X.copy())
    grad = tl.grad(f)
    expected = np.stack([_fd_grad(lambda x, i=i: grad(x)[i], X) for i in range(X.size)])
    np.testing.assert_allclose(hess, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hess, hess.T, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------- refused: the update does reach shared memory


def same_key(x):
    a = x * 1.0
    p = {"W": a, "b": np.ones(4)}
    p["W"] *= 2.0
    return np.sum(a * x)


def same_key_view(x):
    a = x * 1.0
    p = {"W": np.ones(2), "b": a[:2]}
    p["b"] -= x[:2]
    return np.sum(a * x)


def key_not_constant(x, flag):
    a = x * 1.0
    p = {"W": a, "b": np.ones(4)}
    k = "W" if flag else "b"
    p[k] *= 2.0
    return np.sum(a * x) + np.sum(p["b"])


def same_index(x):
    a = x * 1.0
    L = [np.ones(4), a]
    L[1] *= 2.0
    return np.sum(a * x)


def negative_index(x):
    a = x * 1.0
    L = [np.ones(4), a]
    L[-1] *= 2.0
    return np.sum(a * x)


def index_after_reverse(x):
    a = x * 1.0
    L = [a, np.ones(4)]
    L.reverse()
    L[1] *= 2.0
    return np.sum(a * x)


def index_after_insert(x):
    a = x * 1.0
    L = [a, np.ones(4)]
    L.insert(0, np.zeros(4))
    L[1] *= 2.0
    return np.sum(a * x)


def entry_rebound_to_the_shared_array(x):
    a = x * 1.0
    L = [a, np.ones(4)]
    L[1] = a
    L[1] *= 2.0
    return np.sum(a * x)


def shallow_copy_same_key(x):
    a = x * 1.0
    p = {"W": np.ones(4), "b": a}
    q = dict(p)
    q["b"] *= 2.0
    return np.sum(a * x)


def nested_same_key(x):
    a = x * 1.0
    outer = {"p": {"W": a, "b": np.ones(4)}}
    outer["p"]["W"] *= 2.0
    return np.sum(a * x)


def overlapping_slices(x):
    t = x * 1.0
    u = t[:3]
    w = t[2:]
    u += x[:3]
    return np.sum(w * x[2:])


def negative_slice(x):
    t = x * 1.0
    u = t[-2:]
    w = t[:3]
    u *= 2.0
    return np.sum(w * x[:3])


def row_and_column(x):
    m = x.reshape(2, 2) * 1.0
    r = m[0]
    c = m[:, 0]
    r *= 2.0
    return np.sum(c * x[:2])


def ravel_is_a_view(x):
    a = np.outer(x, x)
    b = a.ravel()
    b += np.tile(x, 4)
    return np.sum(a * a)


def basic_index_is_a_view(x):
    a = x * 1.0
    idx = slice(0, 2)
    b = a[idx]
    b += x[:2]
    return np.sum(a * x)


def swapped_entries(x):
    a = x * 1.0
    d = {"p": a, "q": np.ones(4)}
    d["p"], d["q"] = d["q"], d["p"]
    d["q"] *= 2.0
    return np.sum(a * x)


def other_key_given_the_shared_entry(x):  # refused when it runs: two entries hold one array
    a = x * 1.0
    d = {"p": a, "q": np.ones(4)}
    d["q"] = d["p"]
    d["q"] *= 2.0
    return np.sum(a * x) + np.sum(d["p"])


def key_from_an_unpacked_dict(x):
    a = x * 1.0
    e = {"q": a}
    d = {"p": np.ones(4), **e}
    d["q"] *= 2.0
    return np.sum(a * x)


REFUSED = [same_key, same_key_view, key_not_constant, same_index, negative_index, index_after_reverse,
           index_after_insert, entry_rebound_to_the_shared_array, shallow_copy_same_key, nested_same_key,
           overlapping_slices, negative_slice, row_and_column, ravel_is_a_view, basic_index_is_a_view, swapped_entries,
           other_key_given_the_shared_entry, key_from_an_unpacked_dict]


def _args(f):
    return (X.copy(), True) if f is key_not_constant else (X.copy(),)


@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_true_sharing_is_refused_in_both_modes(f):
    f(*_args(f))  # (the program itself runs)
    with pytest.raises(TangentLiteError, match="shares|in place"):
        tl.grad(f)(*_args(f))
    with pytest.raises(TangentLiteError, match="shares|in place"):
        tl.jvp(f, _args(f), (V,))


# ------------------------------------- the run-time check of L[i] op= v on long lists (breaker 22 P1)
# _tl.held_once keeps a record of the last long list it checked and brings it up to date for the
# entries changed since (runtime/markers.py): the record must never hide a sharing made in between.

LONG = 200


def _refuses(container, item):
    try:
        tl_runtime.held_once(container, item, "shared entry\nTo fix: copy")
    except TangentLiteError:
        return True
    return False


def test_record_sees_an_entry_made_to_share_after_it_was_kept():
    L = [np.ones(3) * i for i in range(LONG)]
    for i in range(LONG // 2):  # the loop of updates: each check finds one entry changed
        assert not _refuses(L, L[i])
        L[i] = L[i] + 1.0
    L[LONG - 1] = L[3]  # now two entries hold one array
    assert _refuses(L, L[3])
    assert _refuses(L, L[LONG - 1])
    L[LONG - 1] = L[3][::-1]  # a view of it
    assert _refuses(L, L[3])
    L[LONG - 1] = L[3].copy()
    assert not _refuses(L, L[3])


def test_record_of_another_list_or_of_a_changed_length_is_not_used():
    a = np.arange(4.0)
    L = [np.ones(3) * i for i in range(LONG)]
    assert not _refuses(L, L[0])
    M = list(L)
    M[7] = M[0]  # another list (a copy of the first) with a shared entry
    assert _refuses(M, M[0])
    L.append(L[5])  # the list kept grows by a shared entry
    assert _refuses(L, L[5])
    L.pop()
    assert not _refuses(L, L[5])
    L[9] = [a, a]  # a nested list: the record does not count inside it, the whole look does
    L[10] = a
    assert _refuses(L, a)


def test_long_list_of_disjoint_views_of_one_array_passes_and_overlapping_ones_are_refused():
    m = np.arange(2.0 * LONG).reshape(LONG, 2)
    L = [m[i] for i in range(LONG)]
    assert not _refuses(L, L[0])
    assert not _refuses(L, L[LONG - 1])
    L[1] = m[0, :1]
    assert _refuses(L, L[0])


def test_loop_of_updates_over_a_long_list_is_differentiated():
    def f(x):
        L = [x * float(i) for i in range(LONG)]
        for i in range(LONG):
            L[i] += x * x
        return np.sum(L[LONG - 1] * x) + np.sum(L[0])

    np.testing.assert_allclose(tl.grad(f)(X.copy()), _fd_grad(f, X), rtol=1e-6, atol=1e-6)
    assert np.isclose(tl.jvp(f, (X.copy(),), (V,))[1], np.dot(_fd_grad(f, X), V), rtol=1e-6)


def test_loop_that_makes_two_entries_share_is_refused_when_it_runs():
    def f(x):
        L = [x * float(i) for i in range(LONG)]
        for i in range(LONG):
            if i == LONG // 2:
                L[LONG - 1] = L[0]
            L[i] += x
        return np.sum(L[0] * x)

    f(X.copy())
    with pytest.raises(TangentLiteError, match="another entry"):
        tl.grad(f)(X.copy())
    with pytest.raises(TangentLiteError, match="another entry"):
        tl.jvp(f, (X.copy(),), (V,))


# ------------------------- an entry reset to a constant, then sliced or reshaped (breaker 22 C2)


def entry_reset_then_sliced(x):
    d = {"a": x * 1.0}
    d["a"] = np.ones(4)
    return np.sum(d["a"][1:] * x[1:] ** 2)


def entry_reset_then_reshaped(x):
    L = [x * 1.0, x * 2.0]
    L[1] = np.ones(4)
    L[1] = L[1].reshape(2, 2)
    return np.sum(L[1] * x.reshape(2, 2) ** 2) + np.sum(L[0] ** 2)


@pytest.mark.parametrize("f", [entry_reset_then_sliced, entry_reset_then_reshaped], ids=lambda f: f.__name__)
def test_entry_reset_to_a_constant_in_every_mode(f):
    expected = _fd_grad(f, X)
    np.testing.assert_allclose(tl.grad(f)(X.copy()), expected, rtol=1e-6, atol=1e-7)
    assert np.isclose(tl.jvp(f, (X.copy(),), (V,))[1], np.dot(expected, V), rtol=1e-6)
    grad = tl.grad(f)
    hess = np.stack([_fd_grad(lambda x, i=i: grad(x)[i], X) for i in range(X.size)])
    np.testing.assert_allclose(tl.hessian(f)(X.copy()), hess, rtol=1e-5, atol=1e-6)


def test_record_keeps_no_array_alive():
    import gc
    import weakref

    L = [np.ones(3) * i for i in range(LONG)]
    assert not _refuses(L, L[0])
    watched = weakref.ref(L[7])
    del L
    gc.collect()
    assert watched() is None
