"""Refusals name what the user wrote: the expression (``L[0]``, ``y[::-1]``), never a temporary
of the lowering (``_t0``) or a placeholder that is another variable of the function (``x``), at
the user's line (breaker21 finding 6)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl

SOURCE = '''
import numpy as np


class W:
    def __init__(self, A):
        self.A = A

    def dot(self, v):
        return self.A.dot(v)


def method_of_an_item(x, L):
    return np.sum(L[0].dot(x))


def sort_of_a_view(x):
    y = x * 1.0
    y[::-1].sort()
    return np.sum(y * x)


def sort_through_type(x):
    y = x * 1.0
    type(y).sort(y)
    return np.sum(y * x)


def fill_through_class(x):
    y = x * 1.0
    y.__class__.fill(y, 0.0)
    return np.sum(y * x)


def iadd_of_a_slice(x):
    y = x * 1.0
    y[:2].__iadd__(1.0)
    return np.sum(y * x)


def ndarray_sort_of_a_view(x):
    y = x * 1.0
    np.ndarray.sort(y[::-1])
    return np.sum(y * x)


def entry_written(x):
    a = x * 1.0
    L = [a, a]
    L[0][...] = x * x
    return np.sum(L[1])


def dict_alias_written(x):
    d = {"a": x * 1.0}
    e = d
    d["b"] = x * 2.0
    return np.sum(e["a"] * x)


def list_alias_written(x):
    L = [x * 1.0]
    M = L
    L[0] = x * 2.0
    return np.sum(M[0] * x)


def array_view_written(x):
    a = x * 1.0
    b = a[1:]
    a[1] = 5.0
    return np.sum(b * x)
'''

X = np.array([1.5, -0.7, 2.0])


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    return temp_module(tmp_path_factory.mktemp("messages"), SOURCE, "messages_names")


def _line_of(m, text):
    with open(m.__file__, encoding="utf-8") as fh:
        return next(i for i, line in enumerate(fh, 1) if text in line)


def _refusal(call):
    with pytest.raises(tl.TangentLiteError) as info:
        call()
    message = str(info.value)
    assert not re.search(r"(?<![\w.])_t\d", message), message  # no temporary of the lowering
    return message


# (function, the line's text, what the message must say, what its fix must say)
CASES = [
    ("sort_of_a_view", "y[::-1].sort()", "'y[::-1].sort(...)' changes 'y[::-1]' in place", "np.sort(y[::-1])"),
    ("sort_through_type", "type(y).sort(y)", "'type(y).sort(y)' changes 'y' in place", "y = np.sort(y)"),
    ("fill_through_class", "y.__class__.fill(y, 0.0)", "'y.__class__.fill(y, ...)' changes 'y' in place",
     "y = np.full_like(y, value)"),
    ("iadd_of_a_slice", "y[:2].__iadd__(1.0)", "'y[:2].__iadd__(...)' changes 'y[:2]' in place", "y[:2] + value"),
    ("ndarray_sort_of_a_view", "np.ndarray.sort(y[::-1])", "changes 'y[::-1]' in place",
     "y[::-1] = np.sort(y[::-1])"),
    ("entry_written", "L[0][...] = x * x",
     "writing into 'L[0]', an entry of 'L' that is read afterwards through 'L'", "put a new value into 'L'"),
    ("dict_alias_written", 'd["b"] = x * 2.0', "writing into 'd', which shares its array or list with 'e'",
     "'d = d.copy()' or 'dict(d)'"),
    ("list_alias_written", "L[0] = x * 2.0", "writing into 'L', which shares its array or list with 'M'",
     "'L = L.copy()' or 'list(L)'"),
    ("array_view_written", "a[1] = 5.0", "writing into 'a', which shares its array or list with 'b'",
     "'a = a.copy()'"),
]


@pytest.mark.parametrize("name, line, what, fix", CASES, ids=[c[0] for c in CASES])
def test_refusals_name_the_users_expression(m, name, line, what, fix):
    f = getattr(m, name)
    for derive in (lambda: tl.grad(f)(X.copy()), lambda: tl.jvp(f, (X.copy(),), (X * 0.5,))):
        message = _refusal(derive)
        assert f"{m.__file__}:{_line_of(m, line)}: " in message
        assert what in message, message
        what_part, _, hint = message.partition("To fix:")
        assert fix in hint, message
        assert "'x" not in what_part.replace("'x * ", "")  # (x is another variable of these functions)


def test_a_method_of_an_item_names_the_item(m):
    message = _refusal(lambda: tl.grad(m.method_of_an_item)(X.copy(), [m.W(np.eye(3))]))
    assert f":{_line_of(m, 'L[0].dot(x)')}: 'L[0].dot(...)' is read as NumPy's np.dot(L[0], ...)" in message
    assert "W.dot(L[0], ...)" in message


def test_argument_sharing_message_reads_as_a_sentence():
    def f(x, y):
        x += y
        return np.sum(x * y)

    v = X.copy()
    with pytest.raises(tl.ArgumentError) as info:
        tl.grad(f)(v, v)
    assert str(info.value).startswith("argument 1, which the function changes in place, and argument 2 share "
                                      "memory"), str(info.value)
