"""Methods and operators whose meaning depends on the receiver's type (breaker round 18).

``d | e`` and ``d |= e`` merge dicts, ``{**d, 'k': v}`` too; ``L.copy()`` / ``d.copy()`` copy a
list or a dict (not ``np.copy``); a user object's ``.dot`` / ``.sum`` / ``.copy`` method is not
NumPy's function.  Each program is checked against central differences (or a hand formula) in
reverse mode (``tl.grad``, ``tl.vjp``) and forward mode (``tl.jvp``), and second order
(``tl.grad(tl.grad(f))``, ``tl.hessian``) where the input is a number; what is not
differentiated is refused with a message naming the line.
"""

from __future__ import annotations

import dataclasses
import textwrap

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError, UnsupportedConstructError

X = 1.3
H = 1e-6


def _fd(f, x, h=H):
    return (f(x + h) - f(x - h)) / (2 * h)


def _fd2(f, x, h=1e-4):
    return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h)


# ------------------------------------------------------------------ programs of one number


def merge_augmented(x):
    d = {'a': x}
    d |= {'c': x * x}
    return d['a'] * d['c']


def merge_rebound(x):
    d = {'a': x}
    d = d | {'c': x * x}
    return d['a'] * d['c']


def merge_overrides_constant(x):
    d = {'a': 1.0}
    d |= {'a': x}
    return d['a'] * 3.0


def merge_overrides_active(x):
    d = {'a': x, 'b': 2.0 * x}
    e = d | {'b': x ** 3}
    return e['a'] * e['b'] + d['b']


def merge_chain(x):
    d = {'a': x}
    e = {'b': np.sin(x)}
    f = {'a': x * x, 'c': 2.0}
    m = d | e | f
    return m['a'] * m['b'] + m['c'] * d['a']


def merge_in_loop(x):
    d = {'a': x, 'n': 0.0}
    for _i in range(3):
        d |= {'a': d['a'] * x + 0.5, 'n': d['n'] + x}
    return d['a'] + d['n'] * d['n']


def merge_in_branch(x):
    d = {'a': x}
    if x > 0:
        d = d | {'a': x * x, 'b': x}
    else:
        d = d | {'b': 1.0}
    return d['a'] * d['b']


def merge_nested(x):
    d = {'inner': {'a': x}, 'b': 2.0}
    e = d | {'b': x * x}
    f = e['inner'] | {'c': e['b'] * x}
    return f['a'] * f['c']


def merge_then_write(x):
    d = {'a': x}
    e = d | {'b': x * x}
    e['a'] = e['a'] * e['b']
    return e['a'] + d['a']


def display_spread(x):
    d = {'a': x}
    e = {**d, 'c': x * x}
    return e['a'] * e['c']


def display_spread_overridden(x):
    d = {'a': x, 'b': 2.0 * x}
    e = {'b': x * x, **d, 'c': 3.0}
    return e['a'] * e['b'] + e['c'] * x


def display_two_spreads(x):
    d = {'a': x, 'b': 1.0}
    e = {'b': np.exp(x)}
    m = {**d, **e}
    return m['a'] * m['b']


def display_spread_copy(x):
    d = {'a': x}
    e = {**d}
    e['a'] = e['a'] * x
    return e['a'] + d['a']


def list_copy_concat(x):
    L = [x, 2.0 * x]
    M = L.copy()
    N = M + [x]
    return sum(N)


def list_copy_len_repeat(x):
    L = [x, 2.0 * x]
    M = L.copy()
    return len(M) * M[1] + M[0] * 0.0 + (M * 2)[3]


def list_copy_repeat(x):
    L = [x, 2.0 * x]
    M = L.copy()
    R = M * 2
    return R[1] * 3.0


def list_copy_append(x):
    L = [x, 2.0 * x]
    M = L.copy()
    M.append(x * x)
    return M[2] * M[1]


def list_copy_write(x):
    L = [x, 2.0 * x]
    M = L.copy()
    M[0] = x * x * x
    return M[0] * L[0] + M[1]


def list_copy_extended(x):
    L = [np.sin(x)]
    M = L.copy()
    M = M + [x * x, x]
    return M[0] * M[1] + len(L) * M[2]


def dict_copy_write(x):
    d = {'a': x}
    e = d.copy()
    e['a'] = e['a'] * x
    return e['a'] + d['a']


def dict_copy_new_key(x):
    d = {'a': x}
    e = d.copy()
    e['b'] = np.cos(x)
    return e['a'] * e['b'] + len(d)


SCALAR_PROGRAMS = [
    merge_augmented, merge_rebound, merge_overrides_constant, merge_overrides_active, merge_chain,
    merge_in_loop, merge_in_branch, merge_nested, merge_then_write, display_spread, display_spread_overridden,
    display_two_spreads, display_spread_copy, list_copy_concat, list_copy_len_repeat, list_copy_repeat,
    list_copy_append, list_copy_write, list_copy_extended, dict_copy_write, dict_copy_new_key,
]


@pytest.mark.parametrize("f", SCALAR_PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [X, -0.7])
def test_first_order_both_modes(f, x):
    want = _fd(f, x)
    assert tl.grad(f)(x) == pytest.approx(want, rel=1e-6, abs=1e-8)
    assert tl.jvp(f, (x,), (1.0,))[1] == pytest.approx(want, rel=1e-6, abs=1e-8)
    value, pullback = tl.vjp(f, x)
    assert value == pytest.approx(f(x))
    assert pullback(1.0) == pytest.approx(want, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("f", SCALAR_PROGRAMS, ids=lambda f: f.__name__)
def test_second_order(f):
    want = _fd2(f, X)
    assert tl.hessian(f)(X) == pytest.approx(want, rel=1e-4, abs=1e-5)
    assert tl.jvp(tl.grad(f), (X,), (1.0,))[1] == pytest.approx(want, rel=1e-4, abs=1e-5)
    try:
        got = tl.grad(tl.grad(f))(X)
    except UnsupportedConstructError as exc:  # writes into a dict or list item: documented (limitations.md)
        assert "reverse mode over reverse mode of a function that writes into an item" in str(exc)
    else:
        assert got == pytest.approx(want, rel=1e-4, abs=1e-5)


def test_hand_formulas():
    """The breaker's expected values (F5, F7, F7b, F7c)."""
    assert tl.grad(merge_augmented)(X) == pytest.approx(3 * X * X)
    assert tl.grad(merge_overrides_constant)(X) == pytest.approx(3.0)
    assert tl.grad(list_copy_concat)(X) == pytest.approx(4.0)
    assert tl.grad(list_copy_len_repeat)(X) == pytest.approx(6.0)
    assert tl.grad(list_copy_repeat)(X) == pytest.approx(6.0)
    assert tl.jvp(list_copy_repeat, (X,), (1.0,))[1] == pytest.approx(6.0)
    assert tl.grad(dict_copy_write)(X) == pytest.approx(2 * X + 1)
    assert tl.grad(display_spread)(X) == pytest.approx(3 * X * X)


def test_primal_values_unchanged():
    """The generated code computes what the function does (a list stays a list: ``M * 2`` repeats)."""
    for f in SCALAR_PROGRAMS:
        value, _ = tl.vjp(f, X)
        assert value == pytest.approx(f(X)), f.__name__


# ------------------------------------------------------------------ dicts and lists of parameters


def loss_copy(params, x):
    p = params.copy()
    p["w"] = p["w"] * 2.0
    return np.sum(p["w"] * x) + params["b"]


def loss_merge(params, x):
    p = params | {"w": params["w"] * 2.0}
    return np.sum(p["w"] * x) + p["b"]


def loss_spread(params, x):
    p = {**params, "w": np.tanh(params["w"])}
    return np.sum(p["w"] * x) * p["b"]


def loss_merge_params(params, extra, x):
    p = params | extra
    return np.sum(p["w"] * x * p["b"])


def loss_list(params, x):
    q = params["ws"].copy()
    q.append(q[0] * 3.0)
    return np.sum(q[1] * x) + np.sum(q[0] ** 2)


def _leaves(tree):
    if isinstance(tree, dict):
        return [leaf for k in tree for leaf in _leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for v in tree for leaf in _leaves(v)]
    return [tree]


def _fd_tree(f, args, argnum):
    """Central differences of ``f`` with respect to every leaf of ``args[argnum]`` (a dict or list
    of numbers and arrays), as a flat list of arrays."""
    def rebuilt(tree, path_value):
        if isinstance(tree, dict):
            return {k: rebuilt(v, path_value) for k, v in tree.items()}
        if isinstance(tree, list):
            return [rebuilt(v, path_value) for v in tree]
        return path_value.get(id(tree), tree)

    out = []
    for leaf in _leaves(args[argnum]):
        arr = np.array(leaf, dtype=float)
        grad = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            vals = []
            for sign in (1, -1):
                moved = arr.copy()
                moved[i] += sign * H
                new = moved if np.ndim(leaf) else float(moved)
                call = list(args)
                call[argnum] = rebuilt(args[argnum], {id(leaf): new})
                vals.append(f(*call))
            grad[i] = (vals[0] - vals[1]) / (2 * H)
        out.append(grad)
    return out


def _tangent_like(tree, rng):
    if isinstance(tree, dict):
        return {k: _tangent_like(v, rng) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_tangent_like(v, rng) for v in tree]
    return rng.standard_normal(np.shape(tree)) if np.ndim(tree) else float(rng.standard_normal())


def _zeros_like(tree):
    if isinstance(tree, dict):
        return {k: _zeros_like(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_zeros_like(v) for v in tree]
    return np.zeros(np.shape(tree)) if np.ndim(tree) else 0.0


PARAMS = {"w": np.array([1.0, -2.0, 0.5]), "b": 0.7}
DATA = np.array([0.3, -0.7, 1.1])


@pytest.mark.parametrize("f, args", [
    (loss_copy, (PARAMS, DATA)),
    (loss_merge, (PARAMS, DATA)),
    (loss_spread, (PARAMS, DATA)),
    (loss_merge_params, ({"w": np.array([1.0, 2.0, 3.0]), "b": 1.5}, {"b": 0.25}, DATA)),
    (loss_merge_params, ({"w": np.array([1.0, 2.0, 3.0]), "b": 1.5}, {"w": np.array([0.5, 0.1, -1.0])}, DATA)),
    (loss_list, ({"ws": [np.array([1.0, 2.0, -1.0])]}, DATA)),
], ids=["copy", "merge", "spread", "merge_params_b", "merge_params_w", "list_copy"])
def test_dict_of_parameters(f, args):
    rng = np.random.default_rng(0)
    n_trees = sum(isinstance(a, dict) for a in args)
    for argnum in range(n_trees):
        want = _fd_tree(f, args, argnum)
        got = tl.grad(f, wrt=argnum)(*args)
        assert [np.asarray(g) for g in _leaves(got)] == [pytest.approx(w, rel=1e-5, abs=1e-7) for w in want]
        # forward mode: J v equals the central differences in the direction v
        v = _tangent_like(args[argnum], rng)
        tangents = tuple(v if i == argnum else _zeros_like(a) for i, a in enumerate(args))
        jv = tl.jvp(f, args, tangents)[1]
        directional = sum(float(np.sum(w * np.asarray(t))) for w, t in zip(want, _leaves(v)))
        assert jv == pytest.approx(directional, rel=1e-5, abs=1e-7)


def test_breaker_dict_of_parameters_values():
    """F9's expected gradients."""
    params = {"w": np.array([1.0, 2.0]), "b": 0.5}
    x = np.array([0.3, -0.7])
    for f in (loss_copy, loss_merge):
        g = tl.grad(f)(params, x)
        assert g["w"] == pytest.approx([0.6, -1.4]) and g["b"] == pytest.approx(1.0)
    g = tl.grad(lambda p, x: loss_list(p, x) - np.sum(p["ws"][0] ** 2))({"ws": [np.array([1.0, 2.0])]}, x)
    assert g["ws"][0] == pytest.approx([0.9, -2.1])


def test_copy_is_shallow_and_separate():
    """``M = L.copy()`` is a new list: writing into it leaves ``L`` (and ``L``'s derivative) alone."""
    def f(x):
        L = [x, x * x]
        M = L.copy()
        M[1] = 5.0
        return L[1] + M[1] * x
    assert tl.grad(f)(X) == pytest.approx(2 * X + 5.0)
    assert tl.jvp(f, (X,), (1.0,))[1] == pytest.approx(2 * X + 5.0)


def test_array_copy_still_numpy():
    def f(x):
        a = x.copy()
        a[0] = 0.5
        return np.sum(a * x) + x.sum() + np.sum(x.T * x)
    x = np.array([1.0, 2.0, 3.0])
    want = np.array([0.5, 4.0, 6.0]) + 1.0 + 2 * x
    assert tl.grad(f)(x) == pytest.approx(want)
    assert tl.jvp(f, (x,), (np.ones(3),))[1] == pytest.approx(want.sum())


def test_bitwise_or_of_masks_and_integers_unchanged():
    def f(x):
        m = (x > 0) | (x < -1)
        k = 3 | 4
        return np.sum(np.where(m, x, 0.0)) * k
    x = np.array([1.0, -0.5, -2.0])
    assert tl.grad(f)(x) == pytest.approx([7.0, 0.0, 7.0])
    assert tl.jvp(f, (x,), (np.ones(3),))[1] == pytest.approx(14.0)


# ------------------------------------------------------------------ user objects with NumPy-named methods


class W:
    def __init__(self, w):
        self.w = w

    def dot(self, v):
        return np.sum(self.w * v) * 2.0

    def sum(self):
        return np.sum(self.w)

    def copy(self):
        return W(self.w * 1.0)


WT = W(np.array([1.0, 2.0, 3.0]))
XV = np.array([1.1, 0.7, 1.3])


def method_of_argument(x, obj):
    return obj.dot(x * x)


def method_of_local(x):
    w = W(np.array([1.0, 2.0, 3.0]))
    return w.dot(x)


def sum_of_argument(x, obj):
    return obj.sum() * np.sum(x)


def copy_of_argument(x, obj):
    o = obj.copy()
    return np.sum(o.w * x)


@pytest.mark.parametrize("f, args, line_of", [
    (method_of_argument, (XV, WT), "obj.dot"),
    (method_of_local, (XV,), "w.dot"),
    (sum_of_argument, (XV, WT), "obj.sum"),
    (copy_of_argument, (XV, WT), "obj.copy"),
])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_user_method_named_like_numpy_is_refused(f, args, line_of, mode):
    """Not NumPy's function on the object: a clear refusal naming the file, the line and the
    method as a function of the object (``W.dot(obj, ...)``), never a TypeError from generated code."""
    with pytest.raises(UnsupportedConstructError) as info:
        if mode == "grad":
            tl.grad(f)(*args)
        else:
            tl.jvp(f, args, tuple(np.ones_like(a) if isinstance(a, np.ndarray) else a for a in args))
    text = str(info.value)
    assert "test_container_methods.py:" in text and f"'{line_of}(" in text and "is a W" in text
    assert f"W.{line_of.split('.')[1]}(" in text


def test_method_called_as_function_of_the_object():
    """The refusal's advice works: ``W.dot(obj, v)`` is differentiated like any function."""
    def f(x, obj):
        return W.dot(obj, x * x)

    def g(x):
        w = W(np.array([1.0, 2.0, 3.0]))
        return W.dot(w, x) * W.sum(w)

    assert tl.grad(f)(XV, WT) == pytest.approx(4.0 * WT.w * XV)
    assert tl.jvp(f, (XV, WT), (np.ones(3), W(np.zeros(3))))[1] == pytest.approx(np.sum(4.0 * WT.w * XV))
    assert tl.grad(g)(XV) == pytest.approx(2.0 * WT.w * 6.0)


@dataclasses.dataclass
class Record:
    T: float
    w: float


def test_field_named_like_an_array_attribute_is_refused():
    def f(p, x):
        return p.T * x + p.w
    with pytest.raises(UnsupportedConstructError, match=r"test_container_methods\.py:\d+: 'p\.T' is read as"):
        tl.grad(f, wrt=(0, 1))(Record(2.0, 3.0), 1.5)


def test_list_method_numpy_named_is_refused():
    """``L.sum()`` fails in Python (lists have no ``sum``): refused, not NumPy's sum of the list."""
    def f(x, L):
        return L.sum() * x
    with pytest.raises(TangentLiteError, match="is a list"):
        tl.grad(f)(1.0, [1.0, 2.0])


def test_spread_after_merge_is_not_silent():
    """``h(**d)`` after ``d |= {...}``: differentiated correctly, or refused clearly."""
    def h(a, c):
        return a * c

    def f(x):
        d = {'a': x}
        d |= {'c': x * x}
        return h(**d)
    try:
        got = tl.grad(f)(X)
    except TangentLiteError as exc:
        assert "test_container_methods.py:" in str(exc)
    else:
        assert got == pytest.approx(3 * X * X)


# ------------------------------------------------------------------ operators of objects of the user's classes


class Lin:
    """An object whose operators are its own Python methods (not arithmetic the rules know)."""

    def __init__(self, w):
        self.w = w

    def __matmul__(self, v):
        return np.sum(self.w * v) * 2.0

    def __mul__(self, v):
        return np.sum(self.w * v) * 3.0


LIN = Lin(np.array([1.0, 2.0, 3.0]))


def matmul_of_argument(x, a):
    return a @ (x * x)


def mul_of_argument(x, a):
    return a * x


def matmul_of_global(x):
    return LIN @ (x * x)


def mul_of_local(x):
    o = Lin(np.array([1.0, 2.0, 3.0]))
    return o * x


@pytest.mark.parametrize("f, args, method", [
    (matmul_of_argument, (XV, LIN), "Lin.__matmul__(a, ...)"),
    (mul_of_argument, (XV, LIN), "Lin.__mul__(a, ...)"),
    (matmul_of_global, (XV,), "Lin.__matmul__(LIN, ...)"),
    (mul_of_local, (XV,), "Lin.__mul__(o, ...)"),
])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_operator_of_user_object_is_refused(f, args, method, mode):
    """Was silently wrong in reverse mode (the rule of '*' applied to the object: [18, 18, 18] for
    [3, 6, 9]) or a crash; now refused naming the line and the method to call instead."""
    with pytest.raises(UnsupportedConstructError) as info:
        if mode == "grad":
            tl.grad(f)(*args)
        else:
            tl.jvp(f, args, tuple(np.ones_like(a) if isinstance(a, np.ndarray) else a for a in args))
    text = str(info.value)
    assert "test_container_methods.py:" in text and method in text


def test_operator_method_called_as_function():
    def f(x, a):
        return Lin.__matmul__(a, x * x) + Lin.__mul__(a, x)
    assert tl.grad(f)(XV, LIN) == pytest.approx(4.0 * LIN.w * XV + 3.0 * LIN.w)


def test_operators_of_numbers_lists_and_zero_d_arrays_unchanged():
    def f(x, n, flag, z):
        return x * n + flag * x + z * x
    assert tl.grad(f)(1.5, 3, True, np.array(2.0)) == pytest.approx(6.0)
    assert tl.jvp(lambda x: f(x, 3, True, np.array(2.0)), (1.5,), (1.0,))[1] == pytest.approx(6.0)


OBJECTS_IN_CONTAINERS = textwrap.dedent('''
    import numpy as np


    class Lin:
        def __init__(self, s):
            self.s = s

        def __matmul__(self, v):
            return self.s * np.sin(v)


    def from_a_dict(x):
        d = {"w": Lin(0.9)}
        return d["w"] @ x


    def from_a_list(x):
        L = [Lin(0.9)]
        return L[0] @ x


    def numbers_from_a_list(x):
        L = [x, 2.0 * x]
        return L[0] * L[1]
''')


def test_operators_of_user_objects_taken_from_built_containers_are_refused(tmp_path):
    """Breaker round 20: ``d["w"] @ x`` with a user object in a dict the function built was
    differentiated as matrix multiplication (jvp silently wrong, grad crashed)."""
    module = temp_module(tmp_path, OBJECTS_IN_CONTAINERS, "tl_objects_in_containers")
    for f in (module.from_a_dict, module.from_a_list):
        for run in (lambda f=f: tl.grad(f)(1.3), lambda f=f: tl.jvp(f, (1.3,), (1.0,))):
            with pytest.raises(tl.UnsupportedConstructError, match="Lin"):
                run()
    assert tl.grad(module.numbers_from_a_list)(1.3) == pytest.approx(4 * 1.3)
    assert tl.jvp(module.numbers_from_a_list, (1.3,), (1.0,))[1] == pytest.approx(4 * 1.3)
