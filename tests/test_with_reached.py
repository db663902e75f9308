"""A context (or any object of a class of the user's code) whose methods change in place what it
was made from, reached by the function other than by the name it was made into: an item of a list,
tuple or dict, an attribute of another object, a loop variable, an item stored or appended (also
through an alias), a helper's result, a conditional expression, two items of one with statement;
used as a ``with`` item, through explicit ``__enter__()`` / ``__exit__(...)`` calls, or through a
method (breaker round 23, W2: silently wrong gradients and jvps that disagreed).

Every such use is refused in both modes, naming the method and the user's line; objects that
leave what they are given alone (and ``np.errstate``) reached the same ways give the derivatives
of the function (central differences), at first and second order.  Also: a constant context
changed by ``__exit__`` inside a loop is differentiated in reverse mode (round 23, D2), and context
refusals name the user's expression, not a temporary of the lowering (round 23, M2)."""

from __future__ import annotations

import inspect
import itertools
import os
import textwrap

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl

X0 = np.array([1.5, -0.7, 2.0])
V0 = np.array([0.3, 1.1, -0.4])

HEADER = '''
import contextlib

import numpy as np


class Doubling:
    """Changes the array it was made from when left, and in its method 'double'."""
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        self.arr *= 2.0
        return False

    def double(self):
        self.arr[:] = self.arr * 2.0


class EnterDoubling:
    """Changes the array it was made from when entered."""
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        np.multiply(self.arr, 2.0, out=self.arr)
        return None

    def __exit__(self, *exc):
        return False

    def double(self):
        self.arr.sort()


@contextlib.contextmanager
def doubling(arr):
    yield None
    arr *= 2.0


class Reader:
    """Reads the array it was made from; changes only its own copy."""
    def __init__(self, arr):
        self.arr = arr
        self.own = arr.copy()

    def __enter__(self):
        self.total = float(np.sum(self.arr))
        return None

    def __exit__(self, *exc):
        self.own *= 2.0
        return False

    def double(self):
        self.own *= 2.0


class Box:
    def __init__(self, c):
        self.c = c


def pick(items):
    return items[0]
'''

# how the function reaches the object ({MAKE} makes it); the expression that reaches it; a loop around the use
ROUTES = {
    "list_item": (["objs = [{MAKE}]"], "objs[0]", None),
    "tuple_item": (["objs = ({MAKE}, 1.0)"], "objs[0]", None),
    "dict_item": (["objs = {{'c': {MAKE}}}"], "objs['c']", None),
    "attribute": (["h = Box({MAKE})"], "h.c", None),
    "stored_item": (["objs = [None]", "objs[0] = {MAKE}"], "objs[0]", None),
    "appended": (["objs = []", "objs.append({MAKE})"], "objs[0]", None),
    "appended_alias": (["objs = []", "other = objs", "other.append({MAKE})"], "objs[0]", None),
    "item_of_literal": (["o = [{MAKE}][0]"], "o", None),
    "unpacked": (["objs = [{MAKE}]", "o, = objs"], "o", None),
    "renamed_item": (["objs = [{MAKE}]", "o = objs[0]", "p = o"], "p", None),
    "helper_result": (["o = pick([{MAKE}])"], "o", None),
    "conditional": (["o = {MAKE} if np.sum(x) > -1e9 else None"], "o", None),
    "popped": (["objs = [{MAKE}]", "o = objs.pop()"], "o", None),
    "got": (["objs = {{'c': {MAKE}}}", "o = objs.get('c')"], "o", None),
    "next_of_iter": (["objs = [{MAKE}]", "o = next(iter(objs))"], "o", None),
    "getattr": (["h = Box({MAKE})", "o = getattr(h, 'c')"], "o", None),
    "nested": (["objs = [Box({MAKE})]"], "objs[0].c", None),
    "walrus": (["n = len(objs := [{MAKE}])"], "objs[0]", None),
    "loop_variable": ([], "o", "for o in [{MAKE}]:"),
    "loop_zip": ([], "o", "for o, k in zip([{MAKE}], [1]):"),
    "loop_values": (["objs = {{'c': {MAKE}}}"], "o", "for o in objs.values():"),
    "loop_keys": (["objs = {{'c': {MAKE}}}"], "objs[k]", "for k in list(objs):"),
    "loop_enumerate": (["objs = [{MAKE}]"], "o", "for i, o in enumerate(objs):"),
}
# how the function uses it ({O}: the expression that reaches it); '# USE' marks the lines a refusal may name
USES = {
    "with": ["with {O}:  # USE", "    s = np.sum(y * x)"],
    "enter_exit": ["{O}.__enter__()  # USE", "s = np.sum(y * x)", "{O}.__exit__(None, None, None)  # USE"],
    "method": ["r = {O}.double()  # USE", "s = np.sum(y * x)"],
}
# the objects: whether their methods change what they were made from, the method a refusal names
MAKERS = {
    "Doubling": ("Doubling(y)", "Doubling.__exit__", "Doubling.double"),
    "EnterDoubling": ("EnterDoubling(y)", "EnterDoubling.__enter__", "EnterDoubling.double"),
    "generator": ("doubling(y)", "doubling", None),
}
HARMLESS = {"Reader": "Reader(y)", "errstate": "np.errstate(all='ignore')"}


def _function(fn: str, route: str, use: str, make: str) -> str:
    setup, reach, loop = ROUTES[route]
    lines = ["y = x * 1.0", "s = 0.0"] + [s.format(MAKE=make) for s in setup]
    body = [u.format(O=reach) for u in USES[use]]
    if loop is not None:
        lines.append(loop.format(MAKE=make))
        body = ["    " + b for b in body]
    lines += body + ["return s + np.sum(y * x * x)"]
    return f"\ndef {fn}(x):\n" + "".join(f"    {line}\n" for line in lines)


CASES = [(r, u, m) for r, u, m in itertools.product(ROUTES, USES, MAKERS) if not (m == "generator" and u != "with")]
GOOD = [(r, u, m) for r, u, m in itertools.product(ROUTES, USES, HARMLESS)
        if not (m == "errstate" and u == "method") and r != "helper_result"]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    parts = [HEADER]
    parts += [_function(f"f_{r}_{u}_{m}", r, u, MAKERS[m][0]) for r, u, m in CASES]
    parts += [_function(f"g_{r}_{u}_{m}", r, u, HARMLESS[m]) for r, u, m in GOOD]
    parts += [_function(f"g_helper_result_with_{m}", "helper_result", "with", HARMLESS[m]) for m in HARMLESS]
    return temp_module(tmp_path_factory.mktemp("with_reached"), "\n".join(parts), "tl_with_reached")


def _lines(module, fn, mark: str):
    lines, start = inspect.getsourcelines(fn)
    name = os.path.basename(module.__file__)
    return [f"{name}:{start + i}:" for i, line in enumerate(lines) if mark in line]


def _central_grad(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def _derivative(mode: str, f):
    """(tangent_lite's, central differences') for the mode."""
    if mode == "grad":
        return tl.grad(f)(X0.copy()), _central_grad(f, X0.copy())
    if mode == "jvp":
        return tl.jvp(f, (X0.copy(),), (V0,))[1], (f(X0 + 1e-6 * V0) - f(X0 - 1e-6 * V0)) / 2e-6
    g = tl.grad(f)
    return tl.hessian(f)(X0.copy()), _central_grad(lambda x: g(np.array(x)), X0.copy(), h=1e-5)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
@pytest.mark.parametrize("route,use,maker", CASES)
def test_an_object_changing_what_it_was_made_from_is_refused_however_reached(module, route, use, maker, mode):
    f = getattr(module, f"f_{route}_{use}_{maker}")
    assert np.isfinite(f(X0.copy()))  # (the plain function runs)
    with pytest.raises((tl.UnsupportedConstructError, tl.errors.MultipleErrors)) as info:
        _derivative(mode, f)
    text = str(info.value)
    method = MAKERS[maker][2] if use == "method" else MAKERS[maker][1]
    assert f"'{method}'" in text, text
    assert "changes 'y' in place" in text, text
    assert any(line in text for line in _lines(module, f, "# USE")), text
    assert "'_t" not in text, text  # (the user's expressions, not the lowering's temporaries)
    assert ("run by this with statement" in text) == (use == "with"), text  # (o.__exit__(...) is a method call)


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian"])
@pytest.mark.parametrize("route,use,maker", GOOD)
def test_an_object_leaving_what_it_was_made_from_alone_is_differentiated_however_reached(
        module, route, use, maker, mode):
    f = getattr(module, f"g_{route}_{use}_{maker}")
    got, expected = _derivative(mode, f)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
@pytest.mark.parametrize("maker", sorted(HARMLESS))
def test_a_context_a_helper_returns_from_values_with_derivatives_is_refused(module, maker, mode):
    """The helper's result is not read: as for 'with helper(y):', what it returns may change 'y'."""
    f = getattr(module, f"g_helper_result_with_{maker}")
    if maker == "errstate":  # (made from no value with derivatives: nothing it may change)
        got, expected = _derivative(mode, f)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
        return
    with pytest.raises(tl.UnsupportedConstructError, match="cannot tell whether the context 'pick.*' changes"):
        _derivative(mode, f)


def test_the_refusal_says_how_the_object_was_reached(module):
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.grad(module.f_list_item_with_Doubling)(X0.copy())
    text = str(info.value)
    made = _lines(module, module.f_list_item_with_Doubling, "objs = [")[0].rsplit(":", 2)[1]
    assert f"'objs[0]' may be the object 'Doubling(...)' made at line {made}" in text, text


OTHERS = '''
import numpy as np


class Dbl:
    def __init__(self, a):
        self.a = a

    def __enter__(self):
        return self

    def __exit__(self, *e):
        self.a *= 2.0


class Acc:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self

    def __exit__(self, *e):
        self.items[0] *= 2.0


def constant_in_loop(x):
    c = np.ones(3)
    for i in range(2):
        with Dbl(c):
            pass
    return np.sum(c * x * x)


def constant_read_in_loop(x):
    c = np.ones(3)
    s = 0.0
    for i in range(2):
        s = s + np.sum(c * x)
        with Dbl(c):
            pass
    return s + np.sum(c * x)


def in_a_list(x):
    y = x * 1.0
    with Acc([y]):
        pass
    return np.sum(y * x)


def in_a_tuple(x):
    y = x * 1.0
    with Acc((y, 1.0)):
        pass
    return np.sum(y * x)


def in_a_dict(x):
    y = x * 1.0
    with Acc({"k": y}):
        pass
    return np.sum(y * x)


class Appender:
    def __init__(self, items):
        self.items = items

    def append(self, v):
        self.items.append(v)


def list_of_objects_appended_to(x):
    y = [np.ones(3)]
    objs = [Appender(y)]
    s = np.sum(y[0] * x * x)
    objs.append(2.0)  # the list's own append, not Appender.append (which would change 'y', read above)
    return s + objs[1] * np.sum(y[0] * x)


def two_items(x):
    y = x * 1.0
    cs = [Dbl(y), Dbl(y)]
    with cs[0], cs[1]:
        pass
    return np.sum(y * x)


def a_slice(x):
    y = x * 1.0
    with Dbl(y[1:]):
        pass
    return np.sum(y * x)
'''


@pytest.fixture(scope="module")
def others(tmp_path_factory):
    return temp_module(tmp_path_factory.mktemp("with_reached_others"), OTHERS, "tl_with_reached_others")


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian"])
def test_a_constant_context_changed_in_a_loop_is_differentiated(others, mode):
    """Round 23 D2: nothing with derivatives reads 'c' before the loop ends; reverse mode refused it."""
    got, expected = _derivative(mode, others.constant_in_loop)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    if mode == "grad":
        np.testing.assert_allclose(got, 8.0 * X0)  # c = 4 after the loop: d/dx sum(4 x^2)


def test_a_constant_context_changed_in_a_loop_after_a_read_is_refused_in_reverse_mode(others):
    """'c' is read with derivatives inside the loop before the context doubles it: the reverse sweep
    would read the doubled values; the forward mode follows the order of the code."""
    with pytest.raises(tl.UnsupportedConstructError, match="'Dbl.__exit__' .*changes 'c' in place.*after it was read"):
        tl.grad(others.constant_read_in_loop)(X0.copy())
    got, expected = _derivative("jvp", others.constant_read_in_loop)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize("fn,shown", [("in_a_list", "[y]"), ("in_a_tuple", "(y, 1.0)"), ("in_a_dict", '{"k": y}'),
                                      ("a_slice", "y[1:]")])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_context_refusal_names_the_users_expression(others, fn, shown, mode):
    with pytest.raises(tl.UnsupportedConstructError) as info:
        _derivative(mode, getattr(others, fn))
    text = str(info.value)
    assert f"changes '{shown}' in place" in text, text
    assert "'_t" not in text, text


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_two_items_of_one_with_statement_are_both_refused(others, mode):
    """Round 23: 'with cs[0], cs[1]:' gave 5x for 8x."""
    with pytest.raises(tl.errors.MultipleErrors) as info:
        _derivative(mode, others.two_items)
    text = str(info.value)
    assert "'cs[0]' may be the object 'Dbl(...)'" in text and "'cs[1]' may be the object 'Dbl(...)'" in text, text


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian"])
def test_a_method_of_a_list_holding_objects_is_the_lists(others, mode):
    """(Not a false refusal: 'objs' is a list; its items' method of the same name does not run.)"""
    got, expected = _derivative(mode, others.list_of_objects_appended_to)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_the_functions_are_what_they_say():
    """(The cases above are built from templates: one written out, to read.)"""
    assert _function("f", "loop_keys", "with", "Doubling(y)") == textwrap.dedent('''
        def f(x):
            y = x * 1.0
            s = 0.0
            objs = {'c': Doubling(y)}
            for k in list(objs):
                with objs[k]:  # USE
                    s = np.sum(y * x)
            return s + np.sum(y * x * x)
        ''')
