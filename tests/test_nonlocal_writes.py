"""Changes to memory that is not local to the call (module-level arrays and lists, attributes of
module-level objects, closure cells, default arguments), made by the differentiated function or
by any user function it calls, storing values that carry derivatives: refused in every mode
(the container would be read back as a constant: silently wrong derivatives).  Storing values
without derivatives (counters, strings, tl.stop_gradient(...) in a log) keeps working and is
checked against central differences in both modes (breaker round 18, finding 4)."""

import re

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.backends import cache
from tangent_lite.errors import MultipleErrors, TangentLiteError, UnsupportedConstructError

HERE = __file__.rstrip("c")
X = np.array([1.1, 0.7, 1.3])

G = np.zeros(3)
CACHE = []
D = {}
LOG = []
CALLS = [0]
NOTES = []
T = 0.0


class Box:
    def __init__(self):
        self.arr = np.zeros(3)

    def setv(self, v):
        self.arr[0] = v
        return 0.0


B = Box()


def _line(fn, text):
    """The line of ``text`` in this file inside ``fn``'s source."""
    import inspect

    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


# ------------------------------------------------------------------ the breaker's programs


def fill(x):
    G[0] = x[0] ** 2
    return 0.0


def m(x):
    fill(x)
    return np.sum(G * x)


def remember(v):
    CACHE.append(v)


def n(x):
    CACHE.clear()
    remember(x[1] * 2.0)
    return CACHE[0] * x[0]


def setb(x):
    B.arr[0] = x[0] ** 2


def o1(x):
    setb(x)
    return np.sum(B.arr * x)


def mk():
    buf = [0.0]

    def put(v):
        buf[0] = v

    def f(x):
        put(x[2] * 3.0)
        return buf[0] * x[0]

    return f


o3 = mk()

# ------------------------------------------------------------------ the family


def inner_write(v):
    G[1] = v


def outer_write(v):
    inner_write(v * 2.0)
    return 0.0


def transitive(x):  # a helper of a helper
    outer_write(x[0])
    return np.sum(G * x)


def method_result_used(x):  # a method of a module-level object, its result kept
    t = B.setv(x[0] * 2.0)  # noqa: F841
    return np.sum(B.arr * x)


def alias_then_write(x):  # in the function itself, through a local alias of the global
    a = G
    a[0] = x[0] ** 2
    return np.sum(G * x)


def view_then_augment(x):
    a = G[:2]
    a += x[:2]
    return np.sum(G * x)


def helper_alias(v):
    a = B.arr
    a[2] = v


def calls_helper_alias(x):
    helper_alias(x[2] * x[0])
    return np.sum(B.arr)


def rebind_global(v):
    global T
    T = v * 3.0


def calls_rebind(x):
    rebind_global(x[0])
    return T * x[1]


def copyto_helper(v):
    np.copyto(G, v)


def ufunc_at_helper(v):
    np.add.at(G, [0, 0], v)


def out_helper(v):
    np.multiply(v, 2.0, out=G)


def fill_helper(v):
    G.fill(v)


def update_helper(v):
    D.update({"k": v})


def extend_helper(v):
    CACHE.extend([v])


def insert_helper(v):
    CACHE.insert(0, v)


def augment_item_helper(v):
    G[:] += v


def _calls(helper, arg):
    def f(x):
        helper(x * arg)
        return np.sum(G * x)
    return f


def default_store(v, store={}):  # noqa: B006 - the shared default is the point
    store["last"] = v
    return 0.0


def calls_default_store(x):
    t = default_store(x[0])  # noqa: F841
    return np.sum(x)


def put_global(v):
    G[2] = v


def apply(g, v):
    g(v)


def passes_a_function(x):  # the writer is reached through a parameter of apply
    apply(put_global, x[1] * x[1])
    return np.sum(G * x)


class Recorder:
    def __init__(self, v):
        LOG.append(v)


def constructs(x):
    r = Recorder(x[0] * 2.0)  # noqa: F841
    return np.sum(x * x)


def calls_setter_on_global(x):
    t = tl_set_first(G, x[0])
    return np.sum(G * x) + t


def tl_set_first(y, v):
    y[0] = v
    return 0.0


def sibling_closures():
    state = {"v": 0.0}

    def store(v):
        state["v"] = v

    def f(x):
        store(x[0] * x[1])
        return state["v"] + x[2]

    return f


closure_dict = sibling_closures()

ROWS = [np.zeros(2), np.zeros(2)]


def kw_helper(scale, v=None):
    G[1] = v * scale


def by_keyword(x):
    kw_helper(2.0, v=x[1])
    return np.sum(G * x)


def nested_writer(v):
    def inner():
        G[2] = v
    inner()


def calls_nested_writer(x):
    nested_writer(x[2])
    return np.sum(G * x)


def setdefault_writer(v):
    D.setdefault("k", []).append(v)


def calls_setdefault_writer(x):
    setdefault_writer(x[0])
    return D["k"][-1] * x[0]


def row_writer(v):
    for r in ROWS:
        r[0] = v


def calls_row_writer(x):
    row_writer(x[0])
    return ROWS[0][0] * x[0]


REFUSED = [
    # (function, helper named, the helper's line of the write, kind of memory)
    (m, "fill", (fill, "G[0] = x[0] ** 2"), "module-level 'G'"),
    (n, "remember", (remember, "CACHE.append(v)"), "module-level 'CACHE'"),
    (o1, "setb", (setb, "B.arr[0] = x[0] ** 2"), "module-level 'B.arr'"),
    (o3, "put", (mk, "buf[0] = v"), "'buf', a variable of an enclosing function"),
    (transitive, "inner_write", (inner_write, "G[1] = v"), "module-level 'G'"),
    (method_result_used, "Box.setv", (Box.setv, "self.arr[0] = v"), "module-level 'B.arr'"),
    (calls_helper_alias, "helper_alias", (helper_alias, "a[2] = v"), "module-level 'B.arr'"),
    (calls_rebind, "rebind_global", (rebind_global, "T = v * 3.0"), "module-level 'T'"),
    (_calls(copyto_helper, 1.0), "copyto_helper", (copyto_helper, "np.copyto"), "module-level 'G'"),
    (_calls(ufunc_at_helper, 1.0), "ufunc_at_helper", (ufunc_at_helper, "np.add.at"), "module-level 'G'"),
    (_calls(out_helper, 1.0), "out_helper", (out_helper, "out=G"), "module-level 'G'"),
    (_calls(fill_helper, 1.0), "fill_helper", (fill_helper, "G.fill"), "module-level 'G'"),
    (_calls(update_helper, 1.0), "update_helper", (update_helper, "D.update"), "module-level 'D'"),
    (_calls(extend_helper, 1.0), "extend_helper", (extend_helper, "CACHE.extend"), "module-level 'CACHE'"),
    (_calls(insert_helper, 1.0), "insert_helper", (insert_helper, "CACHE.insert"), "module-level 'CACHE'"),
    (_calls(augment_item_helper, 1.0), "augment_item_helper", (augment_item_helper, "G[:] += v"),
     "module-level 'G'"),
    (calls_default_store, "default_store", (default_store, 'store["last"] = v'), "default value"),
    (passes_a_function, "put_global", (put_global, "G[2] = v"), "module-level 'G'"),
    (constructs, "Recorder.__init__", (Recorder.__init__, "LOG.append(v)"), "module-level 'LOG'"),
    (closure_dict, "store", (sibling_closures, 'state["v"] = v'), "'state', a variable of an enclosing"),
    (by_keyword, "kw_helper", (kw_helper, "G[1] = v * scale"), "module-level 'G'"),
    (calls_nested_writer, "nested_writer", (nested_writer, "G[2] = v"), "module-level 'G'"),
    (calls_setdefault_writer, "setdefault_writer", (setdefault_writer, "D.setdefault"), "module-level 'D"),
    (calls_row_writer, "row_writer", (row_writer, "r[0] = v"), "module-level 'ROWS'"),
]


def alias_in_a_branch(x):  # 'a' is G when x[0] <= 0
    a = G
    if x[0] > 0:
        a = a * 1.0
    a[0] = x[0] ** 2
    return np.sum(a * x)


def alias_written_by_a_nested_def(x):
    a = G

    def put(v):
        a[1] = v

    put(x[1] * 2.0)
    return np.sum(G * x)


DIRECT = [(alias_then_write, "a[0] = x[0] ** 2"), (view_then_augment, "a += x[:2]"),
          (alias_in_a_branch, "a[0] = x[0] ** 2"), (alias_written_by_a_nested_def, "a[1] = v")]


def _reset():
    G[:] = 0.0
    B.arr[:] = 0.0
    CACHE.clear()
    LOG.clear()
    D.clear()


def _modes(f):
    """Every way of asking for derivatives: reverse, forward, second order."""
    e0 = np.array([1.0, 0.0, 0.0])
    return {
        "grad": lambda: tl.grad(f)(X),
        "vjp": lambda: tl.vjp(f, X)[1](1.0),
        "jvp": lambda: tl.jvp(f, (X,), (e0,)),
        "hessian": lambda: tl.hessian(f)(X),
        "hvp": lambda: tl.hvp(f, X, e0),
    }


@pytest.mark.parametrize("mode", ["grad", "vjp", "jvp", "hessian", "hvp"])
@pytest.mark.parametrize("f, helper, written, memory", REFUSED, ids=lambda v: getattr(v, "__name__", None))
def test_a_helper_storing_derivatives_outside_is_refused(f, helper, written, memory, mode):
    _reset()
    with pytest.raises(TangentLiteError) as info:
        _modes(f)[mode]()
    found = info.value.errors if isinstance(info.value, MultipleErrors) else [info.value]
    # (a default value that is not a literal is also refused, as before, when the call's result is kept)
    text = next(str(e) for e in found if isinstance(e, UnsupportedConstructError) and "carries derivatives" in str(e))
    owner, code = written
    assert f"'{helper}'" in text
    assert memory in text
    assert f"{HERE}:{_line(owner, code)}" in text  # the line of the write, in the helper's file
    caller = re.match(r"(.*?):(\d+): ", text)
    assert caller is not None and caller.group(1) == HERE  # located at the caller's line
    assert "return the value" in text and "tl.stop_gradient" in text


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian"])
@pytest.mark.parametrize("f, code", DIRECT, ids=lambda v: getattr(v, "__name__", None))
def test_writing_through_a_local_alias_of_a_global_is_refused(f, code, mode):
    _reset()
    with pytest.raises(UnsupportedConstructError, match="module-level 'G") as info:
        _modes(f)[mode]()
    assert f"{HERE}:{_line(f, code)}" in str(info.value)


def test_the_message_names_every_call_of_a_chain():
    with pytest.raises(UnsupportedConstructError) as info:
        tl.grad(transitive)(X)
    text = str(info.value)
    assert text.startswith(f"{HERE}:{_line(transitive, 'outer_write(x[0])')}: 'outer_write' (called here)")
    assert f"which calls 'inner_write' at {HERE}:{_line(outer_write, 'inner_write(v * 2.0)')}" in text


# ------------------------------------------------------------------ what keeps working


def log_value(v):
    LOG.append(tl.stop_gradient(v))


def count_call():
    CALLS[0] += 1


def note(v):
    NOTES.append(f"value {v}")
    NOTES.append(v.shape)
    NOTES.append(len(v))
    NOTES.append(int(v[0] > 0))


def local_copy(v):
    a = np.array(G)
    a[0] = v
    return np.sum(a * a)


def logs_and_computes(x):
    log_value(np.sum(x * x))
    count_call()
    note(x)
    s = local_copy(x[0] * x[1])
    return s + np.sum(x * x)


def local_closure(x):
    buf = [0.0]

    def put(v):
        buf[0] = v

    put(x[0] * 2.0)
    return buf[0] * x[1] + np.sum(np.sin(x))


def rebound_alias(v):
    y = G
    y = y + v  # a new array: writing into it leaves G alone
    y[0] = v[0] ** 2
    return 0.0


def no_longer_an_alias(x):
    rebound_alias(x * 2.0)
    y = G
    y = y * x
    y[1] = x[1] ** 3
    return np.sum(y * x)


class Model:
    def __init__(self):
        self.scale = 3.0

    def update(self, v):  # a method named like list.update that changes nothing
        return v * self.scale


MODEL = Model()


def calls_a_pure_method(x):  # MODEL.update(v) is followed, not taken for dict.update
    t = MODEL.update(x)  # noqa: F841
    return np.sum(np.sin(x) * x)


def _central(f, x, h=1e-6):
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


@pytest.mark.parametrize("f", [logs_and_computes, local_closure, no_longer_an_alias, calls_a_pure_method])
def test_values_without_derivatives_may_be_stored(f):
    _check_against_central_differences(f)


def _check_against_central_differences(f):
    _reset()
    expected = _central(f, X)
    np.testing.assert_allclose(tl.grad(f)(X), expected, rtol=1e-6, atol=1e-8)
    for i in range(3):
        e = np.eye(3)[i]
        np.testing.assert_allclose(tl.jvp(f, (X,), (e,))[1], expected[i], rtol=1e-6, atol=1e-8)
    v = np.array([0.3, -1.0, 0.5])
    np.testing.assert_allclose(tl.hvp(f, X, v), _central(lambda y: tl.grad(f)(y) @ v, X), rtol=1e-5, atol=1e-6)


def test_the_log_records_values():
    _reset()
    NOTES.clear()
    tl.grad(logs_and_computes)(X)
    assert LOG and NOTES


# ------------------------------------------------------------------ caching after an edit


def kept_inner(v):
    LOG.append(tl.stop_gradient(v))


def _bad_inner(v):
    G[0] = v


def kept_outer(v):
    kept_inner(v)
    return 0.0


def cached(x):
    kept_outer(x[0] * x[1])
    return np.sum(G * x)


@pytest.mark.parametrize("drop_memory", [False, True])
def test_an_edit_of_a_helper_of_a_helper_is_seen_by_cached_derivatives(drop_memory):
    _reset()
    good = kept_inner.__code__
    g = tl.grad(cached)
    np.testing.assert_allclose(g(X), np.zeros(3))
    tl.jvp(cached, (X,), (X,))
    try:
        kept_inner.__code__ = _bad_inner.__code__  # what an editor's reload does
        if drop_memory:
            cache.clear_memory()  # (a new process: the entry comes from disk)
        for ask in (lambda: g(X), lambda: tl.grad(cached)(X), lambda: tl.jvp(cached, (X,), (X,))):
            with pytest.raises(UnsupportedConstructError, match="'kept_inner'"):
                ask()
    finally:
        kept_inner.__code__ = good
    np.testing.assert_allclose(tl.grad(cached)(X), np.zeros(3))
