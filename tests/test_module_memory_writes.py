# ruff: noqa: B009, B010, F841 (the routes written as users write them are what is tested)
"""Writes into module-level memory (breaker round 20, findings 5 and 9).

Values WITHOUT derivatives (a counter, ``tl.stop_gradient(v)`` in a log or an array) may be
stored into module-level memory, in a helper or in the differentiated function: the
derivatives are those of central differences in both modes, and the store still happens once
per call (the derivative code runs the primal computation).  Values WITH derivatives stored
there, by any route (an alias returned by a helper, getattr/vars/globals, setattr,
operator.setitem, a lambda's default argument, a local list holding the array), are refused
with the line of the write named."""

import inspect
import operator

import numpy as np
import pytest
from numpy import reshape as np_reshape

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError

X, Y = 1.3, 0.9


class Box:
    pass


LOG = []
HIST = np.zeros(3)
STATS = {"n": 0}
G = np.zeros(3)
C = []
B = Box()
B.v = 0.0
B.arr = np.zeros(2)
B.n = 0
SCALAR = 0.0
C2 = [np.zeros(3)]
STATS2 = {"w": np.zeros(3)}
G2 = np.zeros((2, 3))


def _reset():
    LOG.clear()
    C.clear()
    HIST[:] = 0.0
    G[:] = 0.0
    STATS["n"] = 0
    B.v, B.n = 0.0, 0
    B.arr[:] = 0.0
    globals()["SCALAR"] = 0.0
    C2[0][:] = 0.0
    STATS2["w"][:] = 0.0
    G2[:] = 0.0


# ---------------------------------------------------------------- values without derivatives: fine

def log_it(v):
    LOG.append(tl.stop_gradient(v))
    STATS["n"] = STATS["n"] + 1  # a counter
    return v


def rec(v):
    HIST[0] = tl.stop_gradient(v)
    return v


def count_aug(v):
    STATS["n"] += 1
    HIST[1] += tl.stop_gradient(v)
    return v * v


def count_attr(v):
    B.arr[0] = tl.stop_gradient(v)
    STATS["n"] = STATS["n"] + 1
    return np.sin(v)


def f7_log(x, y):
    return log_it(x * y) * x


def f7_rec(x, y):
    return rec(x * y) * x


def direct_counter(x, y):
    STATS["n"] = STATS["n"] + 1
    HIST[1] = tl.stop_gradient(x * y)
    return x * x * y


def direct_loop(x, y):
    z = x
    for i in range(3):
        STATS["n"] = STATS["n"] + 1
        HIST[i] = tl.stop_gradient(z)
        z = z * y
    return z * x


def helper_aug(x, y):
    return count_aug(x * y) + y * x


def helper_attr(x, y):
    return count_attr(x) * y


def direct_aug(x, y):
    STATS["n"] += 1
    G[0] += tl.stop_gradient(x)
    return np.exp(x * y)


def store_then_read(x, y):  # the reverse sweep reads G as the function left it: the store is kept
    G[0] = 2.0
    B.arr[1] = 3.0
    a = G
    a[2] = 4.0
    LOG.append(tl.stop_gradient(x * y))
    return np.sum(G * x) + np.sum(B.arr * y) + np.sum(a * y)


def loop_attr(x, y):
    z = x
    for _ in range(3):
        z = count_attr(z) * y
        B.arr[1] = tl.stop_gradient(z)
    return z


FINE = [  # (function, calls of the counter per call of the function)
    (f7_log, 1), (f7_rec, 0), (direct_counter, 1), (direct_loop, 3), (helper_aug, 1), (helper_attr, 1),
    (direct_aug, 1), (store_then_read, 0), (loop_attr, 3),
]


def _central(f, args, i, eps=1e-6):
    up, down = list(args), list(args)
    up[i] += eps
    down[i] -= eps
    _reset()
    hi = f(*up)
    _reset()
    lo = f(*down)
    return (hi - lo) / (2 * eps)


@pytest.mark.parametrize("fn,count", FINE, ids=[f.__name__ for f, _ in FINE])
def test_stores_without_derivatives_are_differentiated(fn, count):
    args = (X, Y)
    expected = [_central(fn, args, i) for i in range(2)]
    _reset()
    primal = fn(*args)
    state = _state()
    assert STATS["n"] == count
    for wrt in (0, 1):
        _reset()
        g = tl.grad(fn, wrt=wrt)(*args)
        assert np.allclose(g, expected[wrt], rtol=1e-6, atol=1e-8)
        assert _state() == state  # the primal computation runs once, with its side effects (not undone)
        _reset()
        seed = [0.0, 0.0]
        seed[wrt] = 1.0
        value, tangent = tl.jvp(fn, args, tuple(seed))
        assert np.allclose(value, primal) and np.allclose(tangent, expected[wrt], rtol=1e-6, atol=1e-8)
        assert _state() == state
    _reset()
    value, pullback = tl.vjp(fn, *args, wrt=(0, 1))
    grads = pullback(1.0)
    assert np.allclose(value, primal) and np.allclose(grads, expected, rtol=1e-6, atol=1e-8)
    assert _state() == state
    _reset()
    value, g = tl.value_and_grad(fn, wrt=(0, 1))(*args)
    assert np.allclose(value, primal) and np.allclose(g, expected, rtol=1e-6, atol=1e-8)
    assert _state() == state


def _state():
    return (STATS["n"], tuple(HIST), tuple(G), tuple(B.arr), tuple(float(v) for v in LOG))


# ---------------------------------------------------------------- values with derivatives: refused

def get_g():
    return G


def ident(a):
    return a


class Holder:
    def __init__(self):
        self.arr = np.zeros(2)

    def get_arr(self):
        return self.arr


H = Holder()


def s_alias_fn(v):
    arr = get_g()
    arr[0] = v  # WRITE
    return 0.0


def s_alias_ident(v):
    a = ident(G)
    a[1] = v  # WRITE
    return 0.0


def s_alias_method(v):
    a = H.get_arr()
    a[0] = v  # WRITE
    return 0.0


def s_call_subscript(v):
    get_g()[0] = v  # WRITE
    return 0.0


def s_getattr(v):
    getattr(B, "arr")[0] = v  # WRITE
    return 0.0


def s_getattr_alias(v):
    a = getattr(B, "arr")
    a[1] = v  # WRITE
    return 0.0


def s_vars(v):
    vars(B)["v"] = v  # WRITE
    return 0.0


def s_setattr(v):
    _ = setattr(B, "v", v)  # WRITE
    return 0.0


def s_setattr_discarded(v):
    setattr(B, "v", v)  # WRITE
    return 0.0


def s_globals(v):
    globals()["SCALAR"] = v  # WRITE
    return 0.0


def s_globals_item(v):
    globals()["G"][0] = v  # WRITE
    return 0.0


def s_operator_setitem(v):
    t = operator.setitem(G, 0, v)  # WRITE
    return 0.0


def s_lambda_default(v):
    st = lambda w, acc=C: acc.append(w)  # WRITE # noqa: E731
    t = st(v)
    return 0.0


def s_def_default(v):
    def st(w, acc=G):
        acc[0] = w  # WRITE
    st(v)
    return 0.0


def s_list_holding(v):
    s = [G]
    s[0][0] = v  # WRITE
    return 0.0


def s_dict_holding(v):
    d = {"k": G}
    e = d
    e["k"][1] = v  # WRITE
    return 0.0


def s_list_collecting(v):
    s = []
    s.append(G)
    s[0][1] = v  # WRITE
    return 0.0


def s_dict_collecting(v):
    d = {}
    d["k"] = B.arr
    d["k"][0] = v  # WRITE
    return 0.0


def s_loop_over_holding(v):
    for a in [G]:
        a[0] = v  # WRITE
    return 0.0


def s_dunder(v):
    t = np.ndarray.__setitem__(G, 0, v)  # WRITE
    return 0.0


def s_operator_discarded(v):
    operator.setitem(G, 1, v)  # WRITE
    return 0.0


def s_store(v):
    G[0] = v  # WRITE
    return 0.0


def reads(x, y, helper):
    t = helper(x * y)
    return G[0] * x + G[1] + B.arr[0] * x + B.v * x + SCALAR * x + (C[-1] if C else 0.0) + t


HELPERS = [s_alias_fn, s_alias_ident, s_alias_method, s_call_subscript, s_getattr, s_getattr_alias, s_vars,
           s_setattr, s_setattr_discarded, s_globals, s_globals_item, s_operator_setitem, s_lambda_default,
           s_def_default, s_list_holding, s_dict_holding, s_list_collecting, s_dict_collecting,
           s_loop_over_holding, s_dunder, s_operator_discarded,
           s_store]


def _write_line(fn):
    lines, first = inspect.getsourcelines(fn)
    return next(first + i for i, line in enumerate(lines) if "# WRITE" in line)


def _refused(fn, line):
    _reset()
    for run in (lambda: tl.grad(fn)(X, Y), lambda: tl.jvp(fn, (X, Y), (1.0, 0.0))):
        with pytest.raises(TangentLiteError) as info:
            run()
        message = str(info.value)
        assert f"{__file__}:{line}" in message or f"test_module_memory_writes.py:{line}" in message, message
        assert "derivatives" in message or "in place" in message


@pytest.mark.parametrize("helper", HELPERS, ids=[h.__name__ for h in HELPERS])
def test_helper_storing_values_with_derivatives_is_refused(helper):
    def f(x, y):
        t = helper(x * y)
        return G[0] * x + G[1] + B.arr[0] * x + B.v * x + SCALAR * x + t
    f.__globals__["helper"] = helper  # (f reads 'helper' as a module-level name)
    _refused(f, _write_line(helper))


# the same routes written in the differentiated function itself

def d_alias_fn(x, y):
    arr = get_g()
    arr[0] = x * y  # WRITE
    return G[0] * x


def d_getattr(x, y):
    getattr(B, "arr")[0] = x * y  # WRITE
    return B.arr[0] * x


def d_setattr(x, y):
    _ = setattr(B, "v", x * y)  # WRITE
    return B.v * x


def d_globals(x, y):
    globals()["G"][0] = x * y  # WRITE
    return G[0] * x


def d_operator_setitem(x, y):
    t = operator.setitem(G, 0, x * y)  # WRITE
    return G[0] * x


def d_list_holding(x, y):
    s = [G]
    s[0][0] = x * y  # WRITE
    return G[0] * x


def d_lambda_default(x, y):
    st = lambda v, acc=C: acc.append(v)  # WRITE # noqa: E731
    t = st(x * y)
    return C[-1] * x


def d_operator_discarded(x, y):
    operator.setitem(G, 0, x * y)  # WRITE
    return G[0] * x


def d_store(x, y):
    G[0] = x * y  # WRITE
    return G[0] * x


def d_augmented(x, y):
    G[0] += x * y  # WRITE
    return G[0] * x


def d_attr_item(x, y):
    B.arr[0] = x * y  # WRITE
    return B.arr[0] * x


# local containers made to hold module-level memory by any builder (breaker round 21)

def d_extend(x, y):
    s = []
    s.extend([G])
    s[0][0] = x * y  # WRITE
    return G[0] * x


def d_extend_rows(x, y):
    s = []
    s.extend(C2)
    s[0][0] = x * y  # WRITE
    return C2[0][0] * x


def d_iadd_list(x, y):
    s = [np.ones(3)]
    s += [G]
    s[1][0] = x * y  # WRITE
    return G[0] * x


def d_dict_call(x, y):
    d = dict(k=G)
    d["k"][0] = x * y  # WRITE
    return G[0] * x


def d_dict_update(x, y):
    d = {}
    d.update(k=G)
    d["k"][0] = x * y  # WRITE
    return G[0] * x


def d_dict_update_display(x, y):
    d = {}
    d.update({"k": G})
    d["k"][0] = x * y  # WRITE
    return G[0] * x


def d_merged_display(x, y):
    e = {"a": 1.0}
    d = {**e, "k": G}
    d["k"][0] = x * y  # WRITE
    return G[0] * x


def d_list_call(x, y):
    s = list([G])
    s[0][0] = x * y  # WRITE
    return G[0] * x


def d_list_of_rows(x, y):
    s = list(G2)
    s[0][0] = x * y  # WRITE
    return G2[0, 0] * x


def d_concatenated(x, y):
    s = [np.ones(3)] + [G]
    s[1][0] = x * y  # WRITE
    return G[0] * x


def d_holder_of_holder(x, y):
    s = [G]
    t = list(s)
    t[0][0] = x * y  # WRITE
    return G[0] * x


# views of module-level memory, or the array itself, through calls of any spelling (breaker round 22)

def d_asarray(x, y):
    v = np.asarray(G)
    v[0] = x * y  # WRITE
    return G[0] * x


def d_atleast(x, y):
    v = np.atleast_1d(G)
    v += x * y  # WRITE
    return G[0] * x


def d_conj_method(x, y):
    v = G.conj()
    v += x * y  # WRITE
    return G[0] * x


def d_flip(x, y):
    v = np.flip(G)
    v[0] = x * y  # WRITE
    return G[2] * x


def d_split_item(x, y):
    v = np.split(G, 3)[0]
    v += x * y  # WRITE
    return G[0] * x


def d_rows_of_list(x, y):
    v = list(G2)[0]
    v += x * y  # WRITE
    return G2[0, 0] * x


def d_keyword(x, y):
    v = np.ravel(a=G)
    v += x * y  # WRITE
    return G[0] * x


def d_imported(x, y):
    v = np_reshape(G, (3,))
    v += x * y  # WRITE
    return G[0] * x


def d_conditional(x, y):
    v = (G if x > -100.0 else C2[0]).reshape(3)
    v += x * y  # WRITE
    return G[0] * x


def d_display_item(x, y):
    v = [G, 1.0][0]
    v += x * y  # WRITE
    return G[0] * x


def d_matrix_power(x, y):
    v = np.linalg.matrix_power(G2[:, :2], 1)
    v += x * y  # WRITE
    return G2[0, 0] * x


def d_alias_update_without_derivatives(x, y):
    s = G
    s *= 2.0  # WRITE
    return G[0] * x * y


def d_walrus(x, y):
    if (v := G) is not None:
        v += x * y  # WRITE
    return G[0] * x


def d_dict_copy(x, y):
    p = STATS2.copy()
    p["w"] += x * y  # WRITE
    return STATS2["w"][0] * x


DIRECT = [d_alias_update_without_derivatives, d_walrus, d_asarray, d_atleast, d_conj_method, d_flip, d_split_item,
          d_rows_of_list, d_keyword, d_imported, d_conditional, d_display_item, d_matrix_power, d_dict_copy,
          d_alias_fn, d_getattr, d_setattr, d_globals, d_operator_setitem, d_operator_discarded, d_list_holding,
          d_lambda_default, d_store, d_augmented, d_attr_item, d_extend, d_extend_rows, d_iadd_list, d_dict_call,
          d_dict_update, d_dict_update_display, d_merged_display, d_list_call, d_list_of_rows, d_concatenated,
          d_holder_of_holder]


@pytest.mark.parametrize("fn", DIRECT, ids=[f.__name__ for f in DIRECT])
def test_function_storing_values_with_derivatives_is_refused(fn):
    _refused(fn, _write_line(fn))


# a store without derivatives after a computation whose derivative reads that memory: the
# reverse sweep would read the new value (refused in reverse mode; forward mode is right)

def read_then_store(x, y):
    t = np.sum(G * x)
    G[2] = 5.0  # WRITE
    return t * y


def read_then_store_attr(x, y):
    t = np.sum(B.arr * x)
    B.arr[0] = tl.stop_gradient(y)  # WRITE
    return t * y


def read_then_store_alias(x, y):
    t = np.sum(G * x)
    a = G
    a[1] = 5.0  # WRITE
    return t * y


def read_then_store_loop(x, y):
    z = x
    for i in range(3):
        z = z + np.sum(HIST * y)
        HIST[i] = 2.0 * i  # WRITE
    return z


AFTER_READ = [read_then_store, read_then_store_attr, read_then_store_alias, read_then_store_loop]


def _ones():
    _reset()
    G[:] = 1.0
    B.arr[:] = 1.0
    HIST[:] = 1.0


@pytest.mark.parametrize("fn", AFTER_READ, ids=[f.__name__ for f in AFTER_READ])
def test_store_after_a_read_the_reverse_sweep_repeats_is_refused_in_reverse_mode(fn):
    line = _write_line(fn)
    _ones()
    with pytest.raises(TangentLiteError, match=f"test_module_memory_writes.py:{line}"):
        tl.grad(fn, wrt=(0, 1))(X, Y)
    eps = 1e-6
    _ones()
    hi = fn(X + eps, Y)
    _ones()
    lo = fn(X - eps, Y)
    _ones()
    value, tangent = tl.jvp(fn, (X, Y), (1.0, 0.0))
    assert np.allclose(tangent, (hi - lo) / (2 * eps), rtol=1e-6)


# ---------------------------------------------------------------- local containers stay fine

def local_list_holding(x, y):
    s = [G]
    s[0] = x * y  # replaces the item of the local list: G is left alone
    return s[0] * x


def local_copy(x, y):
    a = np.array(get_g())
    a[0] = x * y
    return a[0] * x


def local_getattr_copy(x, y):
    a = getattr(B, "arr").copy()
    a[1] = x * y
    return a[1] * x + a[0]


def local_accumulator(x, y):
    acc = np.zeros(3)
    acc += G  # adds G's values: acc holds no module-level memory
    acc[0] = x * y
    return acc[0] * x + acc[1]


def local_extend_of_new_arrays(x, y):
    acc = G * 0.0
    acc[1] = x * y  # a new array, not G
    s = [acc] + [np.ones(3) * x]
    t = list(s)
    return t[1][0] * y + t[0][1]


RATE = 0.5


def local_number_alias_updated(x, y):
    r = RATE
    r *= 0.9  # a number: a new one, as in Python
    return r * x * y


def local_dict_copy_rebound(x, y):
    p = STATS2.copy()
    p["w"] = p["w"] + x * y  # re-binds an entry of the copy: STATS2 is left alone
    p["extra"] = x * 2.0
    return p["w"][0] * x + p["extra"]


def local_array_copy_updated(x, y):
    w = G.copy()
    w += x * y
    w[1] = x * 3.0
    return np.sum(w * y)


def local_mean_updated(x, y):
    m = G.mean()
    m *= 2.0
    return m * x + G.sum() * y


LOCAL = [local_number_alias_updated, local_dict_copy_rebound, local_array_copy_updated, local_mean_updated,
         local_list_holding, local_copy, local_getattr_copy, local_accumulator, local_extend_of_new_arrays]


@pytest.mark.parametrize("fn", LOCAL, ids=[f.__name__ for f in LOCAL])
def test_local_containers_are_differentiated(fn):
    args = (X, Y)
    expected = [_central(fn, args, i) for i in range(2)]
    _reset()
    assert np.allclose(tl.grad(fn, wrt=(0, 1))(*args), expected, rtol=1e-6)
    _reset()
    assert np.allclose(tl.jvp(fn, args, (1.0, 0.0))[1], expected[0], rtol=1e-6)
    assert not G.any() and not B.arr.any()


# ---------------------------------------------------------------- second order, and the cache

SECOND = [f7_log, direct_counter, helper_aug, direct_loop, loop_attr]


@pytest.mark.parametrize("fn", SECOND, ids=[f.__name__ for f in SECOND])
def test_second_order_with_counters_and_logs(fn):
    eps = 1e-5
    _reset()
    hi = tl.grad(fn)(X + eps, Y)
    _reset()
    lo = tl.grad(fn)(X - eps, Y)
    expected = (hi - lo) / (2 * eps)
    for second in (tl.hessian(fn), tl.grad(tl.grad(fn))):
        _reset()
        assert np.allclose(second(X, Y), expected, rtol=1e-5, atol=1e-7)
        assert STATS["n"] == dict(FINE)[fn]  # the function runs once per call, also differentiated twice


def test_a_method_of_a_module_level_list_does_not_make_the_derivative_again_at_every_call(monkeypatch):
    from tangent_lite import api

    made = []
    generate = api.generate
    monkeypatch.setattr(api, "generate", lambda *a, **k: made.append(a[0]) or generate(*a, **k))
    g = tl.grad(f7_log)
    _reset()
    g(X, Y)
    first = len(made)
    for _ in range(3):
        g(X, Y)
    assert len(made) == first and len(LOG) == 4 and STATS["n"] == 4


def _closure_counter():
    calls = {"n": 0}

    def f(x, y):
        calls["n"] = calls["n"] + 1
        return np.sin(x) * y

    return f, calls


def test_a_counter_in_a_closure_cell_counts_every_call():
    f, calls = _closure_counter()
    assert np.isclose(tl.grad(f)(X, Y), np.cos(X) * Y)
    assert np.isclose(tl.jvp(f, (X, Y), (1.0, 0.0))[1], np.cos(X) * Y)
    assert np.isclose(tl.grad(f, wrt=1)(X, Y), np.sin(X))
    assert calls["n"] == 3


IDX = np.array([0, 2])


def local_fancy_index_copy(x, y):
    a = G[IDX]  # an integer-array index: a copy of G's entries, G is left alone
    a += x * y
    b = G2[[0, 1]]
    b *= x
    return np.sum(a) * y + np.sum(b)


def test_an_integer_array_index_of_module_memory_is_a_copy():
    args = (X, Y)
    expected = [_central(local_fancy_index_copy, args, i) for i in range(2)]
    _reset()
    got = tl.grad(local_fancy_index_copy, wrt=(0, 1))(*args)
    assert np.allclose(got, expected, rtol=1e-6)
    assert not G.any() and not G2.any()
