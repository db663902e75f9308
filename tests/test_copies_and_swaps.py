"""Copies of lists, tuples and dicts (``L.copy()``, ``list(L)``, ``L[:]``, ``L[1:]``, ``L[::-1]``,
``d.copy()``, ``dict(d)``, ``{**d}``, ``dict(d, k=v)``) and swaps of their entries
(``L[0], L[1] = L[1], L[0]``) change no array: re-binding an entry of the copy or of the original,
adding an entry, swapping entries (in a loop too) is differentiated in both modes and to second
order, against central differences of the program itself.  A shallow copy shares its entries'
arrays: changing one of them in place (``L[0] += x``) and reading it through the other container
is refused; an array's slice is a view, never a copy.

The programs are generated: copy forms x container kinds x what happens after the copy."""

from __future__ import annotations

import itertools
from typing import Dict, List, Tuple

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl

X = np.array([1.5, -0.7, 2.0])
V = np.array([0.3, -1.1, 0.8])

# container kind -> (how the function builds it, copy forms (text, the original's key of the copy's
# first two entries), the copy's first two keys)
BUILD = {
    "list": "O = [x * 1.0, x * 2.0, np.sin(x)]",
    "tuple": "O = (x * 1.0, x * 2.0, np.sin(x))",
    "dict": "O = {'a': x * 1.0, 'b': x * 2.0, 'c': np.sin(x)}",
}
COPIES: Dict[str, List[Tuple[str, str, Tuple[str, str], Tuple[str, str]]]] = {
    # (name, copy expression, the copy's keys K0 K1, the original's keys of those entries)
    "list": [("method", "O.copy()", ("0", "1"), ("0", "1")), ("list", "list(O)", ("0", "1"), ("0", "1")),
             ("slice", "O[:]", ("0", "1"), ("0", "1")), ("slice_from0", "O[0:]", ("0", "1"), ("0", "1")),
             ("step1", "O[::1]", ("0", "1"), ("0", "1")), ("reversed", "O[::-1]", ("0", "1"), ("2", "1")),
             ("tail", "O[1:]", ("0", "1"), ("1", "2"))],
    "tuple": [("list", "list(O)", ("0", "1"), ("0", "1")), ("list_of_slice", "list(O[:])", ("0", "1"), ("0", "1")),
              ("list_of_reversed", "list(O[::-1])", ("0", "1"), ("2", "1")),
              ("list_of_tail", "list(O[1:])", ("0", "1"), ("1", "2"))],
    "dict": [("method", "O.copy()", ("'a'", "'b'"), ("'a'", "'b'")),
             ("dict", "dict(O)", ("'a'", "'b'"), ("'a'", "'b'")),
             ("merge", "{**O}", ("'a'", "'b'"), ("'a'", "'b'")),
             ("dict_kw", "dict(O, e=x * 3.0)", ("'a'", "'e'"), ("'a'", "'b'"))],
}
# what happens after the copy (C) -> statements; {k0} {k1}: the copy's keys, {o0} {o1}: the original's
AFTER = {
    "rebind_copy": ["C[{k0}] = C[{k0}] * x"],
    "rebind_original": ["O[{o0}] = O[{o0}] * x"],
    "add_entry": ["C[{new}] = x * 3.0"],
    "swap_copy": ["C[{k0}], C[{k1}] = C[{k1}], C[{k0}]"],
    "swap_original": ["O[{o0}], O[{o1}] = O[{o1}], O[{o0}]"],
    "swap_in_a_loop": ["for i in range(3):", "    C[{k0}], C[{k1}] = C[{k1}] * x, C[{k0}]"],
}
# changes of an array both containers hold: refused
SHARED = {
    "in_place_on_original": ["O[{o0}] += x"],
    "in_place_on_copy": ["C[{k0}] += x"],
}


def _applies(kind: str, after: str) -> bool:
    return not (kind == "tuple" and after.endswith("original"))  # (a tuple cannot be changed)


def _program(name: str, kind: str, copy: str, keys: Tuple[str, str], orig: Tuple[str, str], after: List[str],
             ) -> str:
    new = "'new'" if kind == "dict" else None
    body = [BUILD[kind], f"C = {copy}"]
    if new is None and any("{new}" in line for line in after):
        body.append("C.append(x * 3.0)")
        extra = "C[-1]"
    else:
        body += [line.format(k0=keys[0], k1=keys[1], o0=orig[0], o1=orig[1], new=new) for line in after]
        extra = f"C[{new}]" if any("{new}" in line for line in after) else "x"
    body.append(f"return np.sum(C[{keys[0]}] * O[{orig[0]}]) + np.sum(C[{keys[1]}] * x) "
                f"+ np.sum(O[{orig[1]}] * {extra})")
    return f"def {name}(x):\n" + "".join(f"    {line}\n" for line in body)


def _cases(table: Dict[str, List[str]]) -> List[Tuple[str, str]]:
    out = []
    for kind, forms in COPIES.items():
        for (form, copy, keys, orig), (after, lines) in itertools.product(forms, table.items()):
            if _applies(kind, after):
                name = f"{kind}_{form}_{after}"
                out.append((name, _program(name, kind, copy, keys, orig, lines)))
    return out


WORKING = _cases(AFTER)
REFUSED = [(n, p) for n, p in _cases(SHARED) if not (n.startswith("tuple") and "original" in n)]


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    text = "import numpy as np\n\n\n" + "\n\n".join(p for _, p in WORKING + REFUSED)
    return temp_module(tmp_path_factory.mktemp("copies"), text, "copies_and_swaps")


def _fd_grad(f, x, eps=1e-6):
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        out[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


def _fd_hessian(g, x, eps=1e-5):
    return np.stack([(g(x + e) - g(x - e)) / (2 * eps) for e in np.eye(x.size) * eps], axis=1)


def test_the_generator_makes_every_combination():
    assert len(WORKING) == 7 * 6 + 4 * 4 + 4 * 6 and len(REFUSED) == 7 * 2 + 4 + 4 * 2
    assert "C = O[::-1]" in dict(WORKING)["list_reversed_swap_copy"]


@pytest.mark.parametrize("name", [n for n, _ in WORKING])
def test_copies_and_swaps_are_differentiated(programs, name):
    f = getattr(programs, name)
    expected = _fd_grad(f, X.copy())
    np.testing.assert_allclose(tl.grad(f)(X.copy()), expected, rtol=1e-6, atol=1e-6)
    value, tangent = tl.jvp(f, (X.copy(),), (V,))
    np.testing.assert_allclose(value, f(X.copy()), rtol=1e-12)
    np.testing.assert_allclose(tangent, expected @ V, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", [n for n, _ in WORKING if "_rebind_" in n or "_swap_" in n or "_add_" in n])
def test_copies_and_swaps_second_order(programs, name):
    f = getattr(programs, name)
    g = tl.grad(f)
    expected = _fd_hessian(g, X.copy())
    np.testing.assert_allclose(tl.hessian(f)(X.copy()), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tl.jvp(g, (X.copy(),), (V,))[1], expected @ V, rtol=1e-5, atol=1e-5)
    # reverse over reverse: the gradient of <grad f, v> (refused, as documented, where the reverse
    # sweep puts back an item it wrote into a list or dict)
    try:
        second = tl.grad(lambda x: np.sum(g(x) * V))(X.copy())
    except tl.UnsupportedConstructError as exc:
        assert "reverse mode over reverse mode of a function that writes into an item" in str(exc)
    else:
        np.testing.assert_allclose(second, expected.T @ V, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", [n for n, _ in REFUSED])
def test_a_shallow_copy_shares_its_entries_arrays(programs, name):
    f = getattr(programs, name)
    for derive in (lambda: tl.grad(f)(X.copy()), lambda: tl.jvp(f, (X.copy(),), (V,))):
        with pytest.raises(tl.UnsupportedConstructError, match="in place") as info:
            derive()
        assert "_t" not in str(info.value).split("\n")[0].replace("_tl", "")


# ------------------------------------------------------------------ an array's slice is a view


ARRAYS = """
import numpy as np


def slice_then_add_in_place(x):
    a = x * 1.0
    b = a[:]
    a += x
    return np.sum(b * x)


def tail_then_write(x):
    a = x * 1.0
    b = a[1:]
    a[1] = 5.0
    return np.sum(b * x)


def reversed_view_written(x):
    a = x * 1.0
    b = a[::-1]
    b[0] = b[0] * x[0]
    return np.sum(a * x)


def slice_of_a_matrix_argument(x, A):
    b = A[:]
    A[0] = A[0] * x
    return np.sum(b * x)


def rows_swapped(x, A):
    A[0], A[1] = A[1], A[0]
    return np.sum(A[0] * x)


def slice_of_an_item(x, L):
    A = L[0]
    M = A[:]
    M[0] = M[0] * x
    return np.sum(A[0] * M[0])


def slice_of_an_argument(x, L):
    M = L[:]
    M[0] = M[0] * x
    return np.sum(L[0] * M[0]) + np.sum(M[1] * x)


def swap_in_an_argument(x, L):
    L[0], L[1] = L[1], L[0] * x
    return np.sum(L[0] * L[1] * x)


def swap_in_a_dict_argument(x, d):
    d["a"], d["b"] = d["b"] * x, d["a"]
    return np.sum(d["a"] * d["b"])
"""


@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    return temp_module(tmp_path_factory.mktemp("views"), ARRAYS, "copies_views")


@pytest.mark.parametrize("name", ["slice_then_add_in_place", "tail_then_write", "reversed_view_written"])
def test_an_array_slice_stays_a_view(arrays, name):
    f = getattr(arrays, name)
    for derive in (lambda: tl.grad(f)(X.copy()), lambda: tl.jvp(f, (X.copy(),), (V,))):
        with pytest.raises(tl.UnsupportedConstructError, match="shares its array"):
            derive()


def test_a_slice_of_a_matrix_argument_is_a_view(arrays):
    A = np.arange(6.0).reshape(2, 3)
    with pytest.raises(tl.UnsupportedConstructError, match="writing into 'A', which shares its array or list with 'b'"):
        tl.grad(arrays.slice_of_a_matrix_argument)(X.copy(), A.copy())
    # rows of a matrix are views: the swap copies row 1 into both (as NumPy does), refused where A has derivatives
    with pytest.raises(tl.UnsupportedConstructError, match="writing into 'A', which shares its array or list with "
                                                            r"'A\[0\]'"):
        tl.grad(arrays.rows_swapped, wrt=(0, 1))(X.copy(), A.copy())
    np.testing.assert_allclose(tl.grad(arrays.rows_swapped)(X.copy(), A.copy()), A[1])


def _fd_wrt_list(f, x, L, i, eps=1e-6):
    out = np.zeros_like(L[i])
    for j in range(L[i].size):
        e = np.zeros_like(L[i])
        e[j] = eps
        plus = [v + e if k == i else v.copy() for k, v in enumerate(L)]
        minus = [v - e if k == i else v.copy() for k, v in enumerate(L)]
        out[j] = (f(x.copy(), plus) - f(x.copy(), minus)) / (2 * eps)
    return out


@pytest.mark.parametrize("name", ["slice_of_an_argument", "swap_in_an_argument"])
def test_a_list_argument_sliced_or_swapped(arrays, name):
    """A list argument's type is known only when the code runs: its slice is a copy and a store
    into it re-binds an entry (checked when it runs: an array there is refused)."""
    f = getattr(arrays, name)
    L = [X * 0.5, np.cos(X)]
    gx, gL = tl.grad(f, wrt=(0, 1))(X.copy(), [v.copy() for v in L])
    np.testing.assert_allclose(gx, _fd_grad(lambda x: f(x, [v.copy() for v in L]), X.copy()), rtol=1e-6, atol=1e-6)
    for i in range(2):
        np.testing.assert_allclose(gL[i], _fd_wrt_list(f, X, L, i), rtol=1e-6, atol=1e-6)
    _, tangent = tl.jvp(f, (X.copy(), [v.copy() for v in L]), (V, [V * 0.0, V * 2.0]), wrt=(0, 1))
    expected = _fd_grad(lambda x: f(x, [v.copy() for v in L]), X.copy()) @ V + _fd_wrt_list(f, X, L, 1) @ (V * 2.0)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-6)
    g = lambda x: tl.grad(f)(x, [v.copy() for v in L])  # noqa: E731
    np.testing.assert_allclose(tl.hessian(f)(X.copy(), [v.copy() for v in L]), _fd_hessian(g, X.copy()),
                               rtol=1e-5, atol=1e-5)


def test_a_dict_argument_swapped(arrays):
    d = {"a": X * 0.5, "b": np.cos(X)}
    f = arrays.swap_in_a_dict_argument
    gx, gd = tl.grad(f, wrt=(0, 1))(X.copy(), dict(d))
    np.testing.assert_allclose(gx, _fd_grad(lambda x: f(x, dict(d)), X.copy()), rtol=1e-6, atol=1e-6)
    as_list = lambda x, L: f(x, {"a": L[0], "b": L[1]})  # noqa: E731
    for i, k in enumerate("ab"):
        np.testing.assert_allclose(gd[k], _fd_wrt_list(as_list, X, [d["a"], d["b"]], i), rtol=1e-6, atol=1e-6)


def test_an_array_where_a_list_was_sliced_is_refused_when_it_runs(arrays):
    f = arrays.slice_of_an_item
    L = [[X * 0.5, np.cos(X)]]  # a list inside the list: its slice is a copy
    np.testing.assert_allclose(tl.grad(f)(X.copy(), L), _fd_grad(lambda x: f(x, [list(L[0])]), X.copy()),
                               rtol=1e-6, atol=1e-6)
    A = np.stack([X * 0.5, np.cos(X)])  # an array there: its slice is a view, which the write changes
    for derive in (lambda: tl.grad(f)(X.copy(), [A.copy()]), lambda: tl.jvp(f, (X.copy(), [A.copy()]), (V, [A * 0]))):
        with pytest.raises(tl.UnsupportedConstructError, match="writing into 'M', which shares its array or list "
                                                                "with 'A'"):
            derive()
    assert "container_only" in tl.source(f)  # the general code checks it as it runs


def test_dict_of_pairs_with_derivatives_is_refused_when_it_runs(tmp_path):
    m = temp_module(tmp_path, """
        import numpy as np

        def f(x):
            d = dict([("a", x * 2.0)])
            return np.sum(d["a"] * x)

        def g(x):
            d = dict([("a", 2.0)])
            return np.sum(d["a"] * x)
        """)
    with pytest.raises(tl.UnsupportedConstructError, match=r"dict\(\.\.\.\) of a list that carries derivatives"):
        tl.grad(m.f)(X.copy())
    np.testing.assert_allclose(tl.grad(m.g)(X.copy()), np.full(3, 2.0))


def test_dicts_made_by_calls_of_dict(tmp_path):
    """``dict(a=x, b=y)``, ``dict(d)`` and ``dict(d, k=v)`` (the keywords win), then entries
    re-bound and added: both modes and second order against central differences."""
    m = temp_module(tmp_path, """
        import numpy as np

        def f(x):
            d = dict(a=x * 1.0, b=np.sin(x))
            e = dict(d, b=x * x, c=np.cos(x))
            e["a"] = e["a"] * e["b"]
            g = dict(e)
            g["d"] = g["c"] * d["b"]
            return np.sum(d["a"] * g["a"]) + np.sum(g["d"]) + np.sum(e["b"] * d["b"])
        """)
    expected = _fd_grad(m.f, X.copy())
    np.testing.assert_allclose(tl.grad(m.f)(X.copy()), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tl.jvp(m.f, (X.copy(),), (V,))[1], expected @ V, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tl.hessian(m.f)(X.copy()), _fd_hessian(tl.grad(m.f), X.copy()), rtol=1e-5, atol=1e-5)


def test_a_new_key_in_a_dict_reached_through_an_item(tmp_path):
    """``d['inner']['k'] = v`` adds a key to the inner dict: the reverse sweep remembers it had
    none (it read the missing entry before: KeyError)."""
    m = temp_module(tmp_path, """
        import numpy as np

        def f(x):
            d = {"inner": {"a": x * 1.0}}
            e = d["inner"]
            d["inner"]["k"] = x * x
            return np.sum(e["k"] * x) + np.sum(e["a"] * e["k"])
        """)
    expected = _fd_grad(m.f, X.copy())
    np.testing.assert_allclose(tl.grad(m.f)(X.copy()), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tl.jvp(m.f, (X.copy(),), (V,))[1], expected @ V, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tl.hessian(m.f)(X.copy()), _fd_hessian(tl.grad(m.f), X.copy()), rtol=1e-5, atol=1e-5)
