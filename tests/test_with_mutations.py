"""A with statement runs the methods of its context: ``__init__`` when the context is made,
``__enter__`` and ``__exit__`` around the block.  A context of the user's code made from an array
with derivatives may change that array in place there (``self.arr *= 2.0`` in ``__exit__``), which
derivatives cannot follow (breaker round 21, finding 4: the gradient was silently wrong).

Every context class below changes the array it is made from, in one place (``__init__`` through
its parameter or its attribute, ``__enter__``, ``__exit__``, a method or a helper function they
call, an inherited ``__exit__``) and in one way (``op=``, an item, a view, ``out=``, an in-place
method); every function uses it in one way (inline, made first then entered, nested in another
with statement, one of two items).  Each derivative, in both modes, is refused naming the method
and the user's line, or equals central differences.  Contexts that leave what they are given alone
(reading it, copying it, ``np.errstate``, ``contextlib.nullcontext``, a constant context whose value
is changed in place in the block) give the derivatives of the function, at first and second order."""

from __future__ import annotations

import itertools
import os
import textwrap

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl

X0 = np.array([1.5, -0.7, 2.0])
V0 = np.array([0.3, 1.1, -0.4])

# how the array is changed; {X} is the expression that holds it
CHANGES = {
    "augmented": ["{X} *= 2.0"],
    "item": ["{X}[0] = 0.0"],
    "view": ["part = {X}[1:]", "part *= 2.0"],
    "out": ["np.multiply({X}, 2.0, out={X})"],
    "method": ["{X}.sort()"],
}
# where the change is made: the method the refusal names ({C}: the class)
PLACES = {
    "init_param": "{C}.__init__",
    "init_attr": "{C}.__init__",
    "enter": "{C}.__enter__",
    "exit": "{C}.__exit__",
    "method": "{C}._apply",
    "helper": "{C}.__enter__",
    "inherited": "{C}Base.__exit__",
}
# how the function uses the context ('# WITH': the with statement; '# MAKE': where it is made)
MAKINGS = {
    "inline": """
        def {fn}(x):
            y = x * 1.0
            with {C}(y):  # WITH # MAKE
                s = np.sum(y * x)
            return s + np.sum(y * x * x)
    """,
    "named": """
        def {fn}(x):
            y = x * 1.0
            c = {C}(y)  # MAKE
            with c:  # WITH
                s = np.sum(y * x)
            return s + np.sum(y * x * x)
    """,
    "nested": """
        def {fn}(x):
            y = x * 1.0
            with Reader(y):
                with {C}(y):  # WITH # MAKE
                    s = np.sum(y * x)
            return s + np.sum(y * x * x)
    """,
    "two_items": """
        def {fn}(x):
            y = x * 1.0
            with Reader(y), {C}(y):  # WITH # MAKE
                s = np.sum(y * x)
            return s + np.sum(y * x * x)
    """,
}

HEADER = '''
import contextlib

import numpy as np


class Reader:
    """Reads the array it is given, keeps a count and a list: changes nothing it was given."""
    def __init__(self, arr):
        self.arr = arr
        self.n = 0
        self.items = [arr]

    def __enter__(self):
        self.total = float(np.sum(self.arr))
        self.n += 1
        self.items.append(self.total)
        return None

    def __exit__(self, *exc):
        self.arr = self.arr * 2.0  # a new array in the attribute: the caller's is left alone
        self.items[0] = None
        return False


class Copier:
    """Changes its own copies of the array it is given."""
    def __init__(self, arr):
        self.arr = arr.copy()
        self.other = list(arr)

    def __enter__(self):
        self.arr *= 2.0
        self.arr[0] = 0.0
        self.other[1] = 5.0
        return None

    def __exit__(self, kind, exc, tb):
        self.arr.sort()
        np.multiply(self.arr, 2.0, out=self.arr)
        return False


class Holder:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        return self.arr

    def __exit__(self, *exc):
        return False


class Doubling:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        self.arr *= 2.0
        return False


@contextlib.contextmanager
def watching(a):
    total = np.sum(a)
    yield
    total = total + np.sum(a)


@contextlib.contextmanager
def doubling(a):
    yield
    a *= 2.0


def make(a):
    return Doubling(a)
'''


def _body(change: str, x: str, indent: int) -> str:
    return "\n".join(" " * indent + line.format(X=x) for line in CHANGES[change])


def _class(name: str, place: str, change: str) -> str:
    """A context class that changes the array it is made from at ``place`` by ``change``."""
    init = _body(change, "arr", 8) if place == "init_param" else _body(change, "self.arr", 8) \
        if place == "init_attr" else ""
    enter = _body(change, "self.arr", 8) if place == "enter" else \
        f"        _helper_{change}(self.arr)" if place == "helper" else ""
    exit_ = _body(change, "self.arr", 8) if place == "exit" else "        self._apply()" if place == "method" else ""
    base = "" if place != "inherited" else f"""
class {name}Base:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        return None

    def __exit__(self, *exc):
{_body(change, "self.arr", 8)}
        return False

"""
    if place == "inherited":
        return base + f"""
class {name}({name}Base):
    def __init__(self, arr, k=1.0):
        super().__init__(arr)
        self.k = k
"""
    return f"""
class {name}:
    def __init__(self, arr):
        self.arr = arr
{init}

    def __enter__(self):
{enter}
        return None

    def __exit__(self, *exc):
{exit_}
        return False

    def _apply(self):
{_body(change, "self.arr", 8)}
"""


CASES = list(itertools.product(sorted(PLACES), sorted(CHANGES), sorted(MAKINGS)))


def _name(place: str, change: str) -> str:
    return f"C_{place}_{change}"


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    parts = [HEADER]
    parts += [f"\ndef _helper_{change}(a):\n{_body(change, 'a', 4)}\n" for change in CHANGES]
    parts += [_class(_name(p, c), p, c) for p in PLACES for c in CHANGES]
    parts += [textwrap.dedent(MAKINGS[m]).format(fn=f"f_{p}_{c}_{m}", C=_name(p, c)) for p, c, m in CASES]
    parts.append(POSITIVE)
    return temp_module(tmp_path_factory.mktemp("with_mutations"), "\n".join(parts), "tl_with_mutations")


def _line(module, fn, mark: str) -> str:
    """file:line of the line marked ``mark`` in the function ``fn`` of ``module``."""
    import inspect

    lines, start = inspect.getsourcelines(fn)
    offset = next(i for i, line in enumerate(lines) if mark in line)
    return f"{os.path.basename(module.__file__)}:{start + offset}:"


def _f_of(f):
    return lambda x: f(np.array(x, dtype=float))


def _central_grad(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def _central_jvp(f, x, v, h=1e-6):
    return (f(x + h * v) - f(x - h * v)) / (2 * h)


def _derivative(mode: str, f):
    if mode == "grad":
        return tl.grad(f)(X0.copy()), _central_grad(f, X0.copy())
    if mode == "jvp":
        return tl.jvp(f, (X0.copy(),), (V0,))[1], _central_jvp(f, X0.copy(), V0)
    hessian = tl.hessian(f)(X0.copy())
    g = tl.grad(f)
    return hessian, _central_grad(lambda x: g(np.array(x)), X0.copy(), h=1e-5)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
@pytest.mark.parametrize("place,change,making", CASES)
def test_a_context_changing_its_argument_is_refused_or_right(module, place, change, making, mode):
    f = getattr(module, f"f_{place}_{change}_{making}")
    try:
        got, expected = _derivative(mode, f)
    except tl.errors.TangentLiteError as exc:
        text = str(exc)
        method = PLACES[place].format(C=_name(place, change))
        assert f"'{method}'" in text, text
        assert "changes" in text and "in place" in text, text
        # the user's line: where the context is made (its __init__ runs there), else the with statement
        mark = "# MAKE" if place.startswith("init") else "# WITH"
        assert _line(module, f, mark) in text, text
        return
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


POSITIVE = '''

def p_reader(x):
    y = x * 1.0
    with Reader(y):
        s = np.sum(np.sin(y) * x)
    return s + np.sum(y * y * x)


def p_reader_named(x):
    y = x * 1.0
    c = Reader(y)
    with c:
        s = np.sum(np.sin(y) * x)
    with c:
        s = s + np.sum(y * y * x)
    return s


def p_copier(x):
    y = x * 1.0
    with Copier(y):
        s = np.sum(np.sin(y) * x)
    return s + np.sum(y * y * x)


def p_errstate(x):
    y = x * 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sum(np.log(y * y) * x)
    return s + np.sum(y * x * x)


def p_nullcontext(x):
    y = x * 1.0
    with contextlib.nullcontext(y):
        s = np.sum(y * y * x)
    return s


def p_watching(x):
    y = x * 1.0
    with watching(y):
        s = np.sum(np.cos(y) * x)
    return s


def p_holder_scaled(x):
    with Holder(np.ones(3)) as h:  # a constant context whose value is changed in place
        h *= 2.0
        y = h * x
    return np.sum(y * y)


def p_holder_item(x):
    with Holder(np.ones(3)) as h:
        h[0] = 3.0
    return np.sum(h * x * x)


def p_constant_doubled(x):
    a = np.ones(3)
    with Doubling(a):  # doubles a constant before anything reads it
        pass
    return np.sum(a * x * x)


def p_two_items(x):
    y = x * 1.0
    with Reader(y), Copier(y):
        s = np.sum(np.sin(y) * x)
    return s + np.sum(y * y * x)


def p_nested(x):
    y = x * 1.0
    with Reader(y):
        with np.errstate(over="ignore"):
            with Copier(y):
                s = np.sum(np.exp(y) * x)
    return s


def p_plain_scaled(x):
    h = np.ones(3)
    h *= 2.0
    y = h * x
    return np.sum(y * y)
'''

POSITIVES = ["p_reader", "p_reader_named", "p_copier", "p_errstate", "p_nullcontext", "p_watching",
             "p_holder_scaled", "p_holder_item", "p_constant_doubled", "p_two_items", "p_nested"]


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian"])
@pytest.mark.parametrize("name", POSITIVES)
def test_contexts_that_leave_their_argument_alone_are_differentiated(module, name, mode):
    got, expected = _derivative(mode, getattr(module, name))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_a_constant_context_value_changed_in_place_is_the_plain_code(module):
    """Breaker round 21, finding 5: refused ('shares its array ... with another expression')."""
    for name in ("p_holder_scaled", "p_plain_scaled"):
        np.testing.assert_allclose(tl.grad(getattr(module, name))(X0.copy()), 8.0 * X0)


def test_nullcontext_of_a_value_with_derivatives_bound_by_as_is_one_refusal(tmp_path):
    """Breaker round 21, finding 6: four problems, three of them about code the user did not write."""
    module = temp_module(tmp_path, '''
        import contextlib

        import numpy as np


        def f_null(x):
            with contextlib.nullcontext(x * 2.0) as v:
                y = v * x
            return np.sum(y)
    ''', "tl_with_null")
    for run in (lambda: tl.grad(module.f_null)(X0.copy()), lambda: tl.jvp(module.f_null, (X0.copy(),), (V0,))):
        with pytest.raises(tl.UnsupportedConstructError) as info:
            run()
        text = str(info.value)
        assert "the value this with statement binds" in text
        assert "problems found" not in text, text
        for wrong in ("__exit__", "cannot differentiate a call to", "'.__enter__(...)'"):
            assert wrong not in text, text


MESSAGES = '''
import contextlib

import numpy as np


class Init:
    def __init__(self, arr):
        arr *= 2.0


class Pair:
    def __init__(self, a, b):
        self.a = a
        self.b = b


class Doubling:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        self.arr *= 2.0
        return False


@contextlib.contextmanager
def doubling(a):
    yield
    a *= 2.0


def make(a):
    return Doubling(a)


def made_unused(x):
    y = x * 1.0
    o = Init(y)
    return np.sum(y * x)


def made_used(x):
    y = x * 1.0
    o = Pair(y, 2.0)
    return np.sum(o.a * x)


def generator_context(x):
    y = x * 1.0
    with doubling(y):
        s = np.sum(y * x)
    return s + np.sum(y * x)


def made_by_a_function(x):
    y = x * 1.0
    with make(y):
        s = np.sum(y * x)
    return s + np.sum(y * x)


def constant_made_by_a_function(x):
    a = np.ones(3)
    with make(a):
        pass
    return np.sum(a * x * x)


class Counter:
    def __init__(self, arr):
        self.arr = arr
        self.n = 0

    def double(self):
        self._scale(2.0)

    def _scale(self, k):
        self.arr *= k

    def bump(self):
        self.n += 1
        self.last = float(np.sum(self.arr))


def method_after_read(x):
    a = np.ones(3)
    s = np.sum(a * x * x)
    o = Counter(a)
    o.double()
    return s + np.sum(a * x * x)


def method_on_derivatives(x):
    y = x * 1.0
    o = Counter(y)
    o.double()
    return np.sum(y * x)


def harmless_method(x):
    a = np.ones(3)
    s = np.sum(a * x * x)
    o = Counter(a)
    o.bump()
    o.bump()
    return s + np.sum(a * np.sin(x))


def changed_after_read(x):
    a = np.ones(3)
    s = np.sum(a * x * x)
    with Doubling(a):
        pass
    return s + np.sum(a * x * x)
'''


@pytest.fixture(scope="module")
def messages(tmp_path_factory):
    return temp_module(tmp_path_factory.mktemp("with_messages"), MESSAGES, "tl_with_messages")


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_class_that_changes_its_argument_outside_a_with_is_named(messages, mode):
    """``o = Init(y)`` where ``Init.__init__`` doubles ``y``: the gradient was silently wrong when ``o``
    was not used, and refused with 'no derivative rule and no Python source' when it was."""
    with pytest.raises(tl.UnsupportedConstructError) as info:
        _derivative(mode, messages.made_unused)
    text = str(info.value)
    assert "'Init.__init__' changes its argument 'arr' (y here) in place" in text, text
    assert _line(messages, messages.made_unused, "Init(y)") in text


def test_an_object_made_from_values_with_derivatives_says_so(messages):
    with pytest.raises(tl.errors.NoRuleError) as info:
        tl.grad(messages.made_used)(X0.copy())
    text = str(info.value)
    assert "the object 'Pair(...)' makes from values that carry derivatives" in text, text
    assert "no Python source" not in text


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_generator_context_changing_its_argument_is_refused(messages, mode):
    with pytest.raises(tl.UnsupportedConstructError) as info:
        _derivative(mode, messages.generator_context)
    assert "the generator 'doubling' (run by this with statement) changes 'y' in place" in str(info.value)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_context_of_unknown_kind_made_from_values_with_derivatives_is_refused(messages, mode):
    with pytest.raises(tl.UnsupportedConstructError, match="cannot tell whether the context 'make"):
        _derivative(mode, messages.made_by_a_function)


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian"])
def test_a_context_of_unknown_kind_made_from_constants_is_differentiated(messages, mode):
    got, expected = _derivative(mode, messages.constant_made_by_a_function)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_a_constant_changed_by_a_context_after_it_was_read(messages):
    """Reverse mode reads ``a`` again after the with statement doubled it: refused; forward mode
    computes along and is right."""
    with pytest.raises(tl.UnsupportedConstructError, match="after it was read above"):
        tl.grad(messages.changed_after_read)(X0.copy())
    got, expected = _derivative("jvp", messages.changed_after_read)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


SHAPES = '''
import contextlib
import dataclasses

import numpy as np


def fill_first(d):
    d["a"][0] = 1.0


class Init:
    def __init__(self, arr):
        arr *= 2.0


class DictAug:
    def __init__(self, arr):
        self.d = {"a": arr}

    def __enter__(self):
        self.d["a"] *= 2.0

    def __exit__(self, *exc):
        return False


class DictHelper:
    def __init__(self, arr):
        self.d = {"a": arr}

    def __enter__(self):
        fill_first(self.d)

    def __exit__(self, *exc):
        return False


@dataclasses.dataclass
class Fields:
    arr: np.ndarray
    k: float = 1.0

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        self.arr *= 2.0
        return False


@dataclasses.dataclass
class FieldsRead:
    arr: np.ndarray

    def __enter__(self):
        self.total = float(np.sum(self.arr))

    def __exit__(self, *exc):
        self.arr = self.arr * 2.0
        return False


@contextlib.contextmanager
def through_a_view(a):
    v = a[:2]
    yield
    v *= 2.0


class Static:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        self._double(self.arr)

    def __exit__(self, *exc):
        return False

    @staticmethod
    def _double(a):
        a[1] = 2.0 * a[1]


class Items:
    def __init__(self, arr):
        self.items = [arr]
        self.items.append(np.zeros(3))

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        for a in self.items:
            a *= 2.0
        return False


class Star:
    def __init__(self, *arrs):
        self.arrs = arrs

    def __enter__(self):
        for a in self.arrs:
            a[0] = 0.0

    def __exit__(self, *exc):
        return False


class MakesAnother:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        Init(self.arr)

    def __exit__(self, *exc):
        return False


class Base:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        self.arr *= 2.0
        return False


class ThroughSuper(Base):
    def __exit__(self, *exc):
        return super().__exit__(*exc)


class KeepsItsOwn:
    def __init__(self, arr):
        self.arr = np.array(arr)
        self.view = self.arr[1:]
        self.items = [arr]

    def __enter__(self):
        self.view *= 2.0
        self.items.clear()

    def __exit__(self, *exc):
        self.arr.sort()
        return False


class BoundMethod:
    def __init__(self, arr):
        self.sort_it = arr.sort
        self.total = np.sum

    def __enter__(self):
        self.total(np.ones(2))

    def __exit__(self, *exc):
        self.sort_it()
        return False


class LocalBound:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        fill = self.arr.fill
        fill(0.5)

    def __exit__(self, *exc):
        return False


def use_bound_method(x):
    y = x * 1.0
    with BoundMethod(y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_local_bound(x):
    y = x * 1.0
    with LocalBound(y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_dict_aug(x):
    y = x * 1.0
    with DictAug(y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_dict_helper(x):
    y = x * 1.0
    with DictHelper(y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_fields(x):
    y = x * 1.0
    with Fields(y, k=2.0):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_through_a_view(x):
    y = x * 1.0
    with through_a_view(y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_static(x):
    y = x * 1.0
    with Static(y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_items(x):
    y = x * 1.0
    with Items(y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_star(x):
    y = x * 1.0
    z = x * 2.0
    with Star(z, y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * z * x)


def use_makes_another(x):
    y = x * 1.0
    with MakesAnother(arr=y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_through_super(x):
    y = x * 1.0
    with ThroughSuper(y):  # WITH
        s = np.sum(y * x)
    return s + np.sum(y * x * x)


def use_in_a_loop(x):
    y = x * 1.0
    s = 0.0
    for i in range(2):
        with Base(y):  # WITH
            s = s + np.sum(y * x)
    return s


def use_fields_read(x):
    y = x * 1.0
    with FieldsRead(y):
        s = np.sum(np.sin(y) * x)
    return s + np.sum(y * x * x)


def use_keeps_its_own(x):
    y = x * 1.0
    with KeepsItsOwn(y):
        s = np.sum(np.sin(y) * x)
    return s + np.sum(y * x * x)
'''

# function -> the method (or generator) the refusal names
SHAPE_REFUSALS = {
    "use_dict_aug": "'DictAug.__enter__'",
    "use_dict_helper": "'DictHelper.__enter__'",
    "use_fields": "'Fields.__exit__'",
    "use_through_a_view": "the generator 'through_a_view'",
    "use_static": "'Static._double'",
    "use_items": "'Items.__exit__'",
    "use_star": "'Star.__enter__'",
    "use_makes_another": "'MakesAnother.__enter__'",
    "use_through_super": "'Base.__exit__'",
    "use_in_a_loop": "'Base.__exit__'",
    "use_bound_method": "'BoundMethod.__exit__'",
    "use_local_bound": "'LocalBound.__enter__'",
}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return temp_module(tmp_path_factory.mktemp("with_shapes"), SHAPES, "tl_with_shapes")


@pytest.mark.parametrize("mode", ["grad", "jvp"])
@pytest.mark.parametrize("name", sorted(SHAPE_REFUSALS))
def test_more_shapes_of_contexts_changing_their_argument_are_refused(shapes, name, mode):
    """Items of a dict or list attribute, a dataclass, a generator through a view, a static method,
    ``*args``, another class made in ``__enter__``, ``super().__exit__``, a with statement in a loop,
    a bound method of the array kept in an attribute or a local name and called."""
    f = getattr(shapes, name)
    with pytest.raises(tl.errors.TangentLiteError) as info:
        _derivative(mode, f)
    text = str(info.value)
    assert SHAPE_REFUSALS[name] in text and "in place" in text, text
    assert _line(shapes, f, "# WITH") in text, text


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian"])
@pytest.mark.parametrize("name", ["use_fields_read", "use_keeps_its_own"])
def test_more_shapes_of_contexts_that_leave_their_argument_alone(shapes, name, mode):
    got, expected = _derivative(mode, getattr(shapes, name))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


EDITED = '''
import numpy as np


class Doubling:
    def __init__(self, arr):
        self.arr = arr

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def f(x):
    y = x * 1.0
    with Doubling(y):
        pass
    return np.sum(y * x)
'''


def test_an_edit_of_the_context_class_makes_the_derivative_again(tmp_path):
    """The derivative of ``f`` depends on what ``Doubling``'s methods do, which ``f``'s source does not
    show: replacing ``__exit__`` by one that doubles the array must not reuse the derivative."""
    module = temp_module(tmp_path, EDITED, "tl_with_edited")
    np.testing.assert_allclose(tl.grad(module.f)(X0.copy()), 2.0 * X0)
    other = temp_module(tmp_path, '''
        def doubling_exit(self, *exc):
            self.arr *= 2.0
            return False
    ''', "tl_with_edit")
    module.Doubling.__exit__ = other.doubling_exit
    with pytest.raises(tl.UnsupportedConstructError, match="'doubling_exit' .run by this with statement. changes 'y'"):
        tl.grad(module.f)(X0.copy())


def test_an_edit_of_a_helper_the_context_calls_makes_the_derivative_again(tmp_path):
    module = temp_module(tmp_path, '''
        import numpy as np


        def look(a):
            return None


        class Looking:
            def __init__(self, arr):
                self.arr = arr

            def __enter__(self):
                look(self.arr)

            def __exit__(self, *exc):
                return False


        def f(x):
            y = x * 1.0
            with Looking(y):
                pass
            return np.sum(y * x)
    ''', "tl_with_helper_edited")
    np.testing.assert_allclose(tl.grad(module.f)(X0.copy()), 2.0 * X0)
    other = temp_module(tmp_path, '''
        def look(a):
            a *= 2.0
    ''', "tl_with_helper_edit")
    module.look = other.look
    with pytest.raises(tl.UnsupportedConstructError, match="'Looking.__enter__' .run by this with statement. changes"):
        tl.grad(module.f)(X0.copy())


def test_an_edit_of_the_context_class_in_its_file_is_not_read_from_disk(tmp_path):
    """The derivative kept on disk (another process) is not reused after the file's class is edited
    (the gradient was [3, -1.4, 4] for the doubled [6, -2.8, 8])."""
    import subprocess
    import sys

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    (tmp_path / "prog_edited.py").write_text(textwrap.dedent(EDITED))
    code = ("import numpy as np, tangent_lite as tl, prog_edited\n"
            "try:\n"
            "    print(tl.grad(prog_edited.f)(np.array([1.5, -0.7, 2.0])).tolist())\n"
            "except tl.UnsupportedConstructError as exc:\n"
            "    print('refused:', exc)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([repo, str(tmp_path)]),
               TANGENT_LITE_CACHE_DIR=str(tmp_path / "cache"))

    def run():
        proc = subprocess.run([sys.executable, "-B", "-c", code], capture_output=True, text=True, env=env,
                              cwd=str(tmp_path), timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    assert run() == str([3.0, -1.4, 4.0])
    assert any((tmp_path / "cache").rglob("*.py"))  # (kept on disk: the next process would read it)
    edited = textwrap.dedent(EDITED).replace("    def __exit__(self, *exc):\n        return False",
                                             "    def __exit__(self, *exc):\n        self.arr *= 2.0\n"
                                             "        return False")
    (tmp_path / "prog_edited.py").write_text(edited)
    out = run()
    assert out.startswith("refused:") and "'Doubling.__exit__'" in out, out


def test_a_method_that_changes_what_its_object_was_made_from(messages):
    """``o = Counter(a); o.double()``: in reverse mode, after ``a`` was read, the gradient was silently
    wrong ([10.5, -4.9, 14] for [9, -4.2, 12]); with derivatives it is refused naming the method."""
    with pytest.raises(tl.UnsupportedConstructError, match="'Counter._scale' changes 'a' in place.*after it was read"):
        tl.grad(messages.method_after_read)(X0.copy())
    got, expected = _derivative("jvp", messages.method_after_read)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for mode in ("grad", "jvp"):
        with pytest.raises(tl.UnsupportedConstructError, match="'Counter._scale' changes 'y' in place"):
            _derivative(mode, messages.method_on_derivatives)


@pytest.mark.parametrize("mode", ["grad", "jvp", "hessian"])
def test_a_method_that_leaves_what_its_object_was_made_from_alone(messages, mode):
    got, expected = _derivative(mode, messages.harmless_method)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
