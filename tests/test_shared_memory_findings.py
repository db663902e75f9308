"""An array updated in place (``a += y``) while another name, a container's item or another
argument still holds it: Python shows the change through every name.  tangent_lite must give the
function's own value and derivatives, or refuse; never the value of a program without the sharing
(breaker round 19: an item read again after 'a = L[0]; a += y' was merged with the read before the
update; the same array passed as two arguments of a function that updates one of them)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl

SOURCE = textwrap.dedent('''
    import numpy as np


    from dataclasses import dataclass


    @dataclass
    class Box:
        w: object


    def from_list(x, y):
        L = [x * 1.0]
        a = L[0]
        a += y
        return np.sum(L[0] * a)


    def from_tuple(x, y):
        t = (x * 1.0, y)
        a = t[0]
        a += y
        return np.sum(t[0] * a)


    def from_dict(x, y):
        d = {"w": x * 1.0}
        a = d["w"]
        a *= y
        return np.sum(d["w"] + a)


    def from_attribute(p, y):
        a = p.w
        a += y
        return np.sum(p.w * a)


    def last_item(x, y):
        L = [y * 1.0, x * 2.0]
        a = L[-1]
        a -= y
        return np.sum(np.sin(L[-1]) * a)


    def read_twice_in_one_expression(x, y):
        L = [x * 1.0]
        b = L[0] * 2.0
        a = L[0]
        a += y
        return np.sum(L[0] * a + b)


    def item_of_a_copied_list_updated(x, y):
        L = [x * 1.0]
        M = L.copy()
        M[0] += y
        return np.sum(L[0] * x)


    def item_of_a_merged_dict_updated(x, y):
        d = {"a": x * 1.0}
        e = d | {}
        e["a"] *= y
        return np.sum(d["a"])


    def item_of_an_unpacked_dict_updated(x, y):
        d = {"a": x * 1.0}
        e = {**d}
        e["a"] *= y
        return np.sum(d["a"] * x)


    def item_updated_while_a_name_holds_it(x, y):
        a = x * 1.0
        L = [a]
        L[0] += y
        return np.sum(a * x)


    def copy_then_write_into_the_original(x, y):
        a = np.array([x[0], y[0]])
        b = a.copy()
        a[0] = y[1] * y[1]
        return b[0] * a[0]


    def list_of_numbers_item_updated(x, y):
        L = [x[0], y[0]]
        M = L.copy()
        M[0] += y[1]
        return M[0] * L[0]


    def updates_an_entry(P, x):
        P["w"] *= 2.0
        return np.sum(P["w"] * P["v"] * x)


    def updates_its_first_argument(a, b):
        a += 1.0
        return np.sum(a * b)
''')

PROGRAMS = ["from_list", "from_tuple", "from_dict", "last_item", "read_twice_in_one_expression",
            "item_of_a_copied_list_updated", "item_of_a_merged_dict_updated", "item_of_an_unpacked_dict_updated",
            "item_updated_while_a_name_holds_it"]
WORK = ["copy_then_write_into_the_original", "list_of_numbers_item_updated"]  # no sharing: never refused


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    return temp_module(tmp_path_factory.mktemp("shared_memory"), SOURCE, "tl_shared_memory")


def _args(ndim):
    x, y = np.array([1.3, 0.5, -0.4]), np.array([0.7, 0.2, 1.1])
    return (x, y) if ndim == 1 else (np.array(x[0]), np.array(y[0]))


@pytest.mark.parametrize("ndim", [0, 1])
@pytest.mark.parametrize("name", PROGRAMS + WORK)
def test_an_item_updated_in_place_is_followed_or_refused(mod, name, ndim):
    if name in WORK and ndim == 0:
        pytest.skip("these programs index their arguments")
    f = getattr(mod, name)
    x, y = _args(ndim)
    value = f(x.copy(), y.copy())
    v = np.ones_like(x)
    fd = (f(x + 1e-6 * v, y.copy()) - f(x - 1e-6 * v, y.copy())) / 2e-6
    try:
        got, g = tl.value_and_grad(f)(x.copy(), y.copy())
    except tl.UnsupportedConstructError as exc:
        assert name not in WORK, exc
        assert "in place" in str(exc) and f"{mod.__name__}.py:" in str(exc)
    else:
        assert got == pytest.approx(value, rel=1e-12) and np.sum(g * v) == pytest.approx(fd, rel=1e-6)
    try:
        out, t = tl.jvp(f, (x.copy(), y.copy()), (v,))
    except tl.UnsupportedConstructError as exc:
        assert name not in WORK, exc
        assert "in place" in str(exc)
    else:
        assert out == pytest.approx(value, rel=1e-12) and t == pytest.approx(fd, rel=1e-6)


def test_an_attribute_of_an_argument_updated_in_place_is_refused(mod):
    x, y = _args(1)
    for run in (lambda: tl.value_and_grad(mod.from_attribute)(mod.Box(x.copy()), y),
                lambda: tl.jvp(mod.from_attribute, (mod.Box(x.copy()), y), (mod.Box(np.ones(3)),))):
        with pytest.raises(tl.UnsupportedConstructError, match="in place"):
            run()


def test_one_array_passed_twice_to_a_function_that_updates_it_is_refused(mod):
    f = mod.updates_its_first_argument
    w = np.array([1.0, 2.0, 3.0])
    for other in (w, w[::-1], w[1:], np.broadcast_to(w, (2, 3))[0]):
        with pytest.raises(tl.ArgumentError, match="argument 2 share memory"):
            tl.value_and_grad(f)(w, other)
        with pytest.raises(tl.ArgumentError, match="argument 2 share memory"):
            tl.jvp(f, (w, other), (np.ones(3),))
    assert np.array_equal(w, [1.0, 2.0, 3.0])  # refused before anything ran


def test_disjoint_parts_of_one_array_are_fine(mod):
    f = mod.updates_its_first_argument
    w = np.array([1.0, 2.0, 3.0, 4.0])
    value, g = tl.value_and_grad(f)(w[:2], w[2:])
    assert value == pytest.approx(2 * 3 + 3 * 4) and np.allclose(g, [3.0, 4.0])
    assert np.array_equal(w, [1.0, 2.0, 3.0, 4.0])


def test_one_array_held_twice_by_an_argument_the_function_updates_is_refused(mod):
    f = mod.updates_an_entry
    v, x = np.array([1.0, 2.0]), np.array([0.5, -1.5])
    for params in ({"w": v, "v": v}, {"w": v, "v": v[::-1]}):
        with pytest.raises(tl.ArgumentError, match="two entries of argument 1, which the function changes in place, "
                                                   "share memory"):
            tl.grad(f)(params, x)
    g = tl.grad(f)({"w": v.copy(), "v": v.copy()}, x)  # separate arrays: the derivative
    np.testing.assert_allclose(g["w"], 2.0 * v * x)
    np.testing.assert_allclose(g["v"], 2.0 * v * x)
