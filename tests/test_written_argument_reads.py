"""An argument the function changes in place that is (or shares memory with) a value it reads.

Breaker 29 #6: ``def f(x): x[0] = x[1] * 2.0; return np.sum(x * G)`` with ``G`` a module-level
array, and ``tl.grad(f)(G)``: the write changes ``G`` too, so ``f(G)`` is ``5 G1^2 + G2^2``, but the
derivative code works on a copy of the argument and takes ``G`` as a constant (``[0, 2.5, -0.3]``
instead of ``[0, 15, -0.6]``, silent).  Two arguments sharing memory that way were refused at call
time; now an argument the function changes in place is refused, the same way, when it shares
memory with a global the function reads, a closure variable, a default, or what a function it
calls reads (through containers and objects too).  The message names the value, the reader (and
the chain of calls to it) and the reader's def line.  Copies, and arguments the function does not
change, still differentiate (central finite differences).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import ArgumentError

G = np.array([0.5, 1.5, -0.3])
L = [0.5, 1.5, -0.3]
CFG = {"weights": np.array([1.0, -2.0, 0.5])}


def f_global(x):
    x[0] = x[1] * 2.0
    return np.sum(x * G)


def f_global_list(x):
    x[0] = x[1] * 2.0
    return x[0] * L[0] + x[1] * L[1]


def f_in_a_dict(x):
    x[0] = x[1] * 2.0
    return np.sum(x * CFG["weights"])


class Box:
    def __init__(self, w):
        self.w = w


BOX = Box(np.array([3.0, 0.5, -1.0]))


def f_in_an_object(x):
    x[0] = x[1] * 2.0
    return np.sum(x * BOX.w)


def scale():
    return np.sum(G * G)


def f_helper(x):
    x[0] = x[1] * 2.0
    return np.sum(x) * scale()


def middle(x):
    return np.sum(x) * scale()


def f_helper_of_helper(x):
    x += 1.0
    return middle(x)


def _make_closure():
    A = np.array([2.0, -1.0, 0.25])

    def f_closure(x):
        x[0] = x[1] * 2.0
        return np.sum(x * A)

    return f_closure, A


f_closure, A = _make_closure()


def f_reads_only(x):
    return np.sum(x * G) + np.sum(G * x * x)


# name -> (function, the argument it is called with, what the message names, the reader, its def line)
CASES = {
    "global": (f_global, lambda: G, "the global 'G', which 'f_global' reads", "f_global"),
    "view_of_a_global": (f_global, lambda: G[::-1], "the global 'G', which 'f_global' reads", "f_global"),
    "global_list": (f_global_list, lambda: L, "the global 'L', which 'f_global_list' reads", "f_global_list"),
    "in_a_dict": (f_in_a_dict, lambda: CFG["weights"], "the global 'CFG', which 'f_in_a_dict' reads", "f_in_a_dict"),
    "in_an_object": (f_in_an_object, lambda: BOX.w, "an array held by the global 'BOX'", "f_in_an_object"),
    "helper": (f_helper, lambda: G, "the global 'G', which 'scale' reads (called as f_helper -> scale)", "scale"),
    "helper_of_helper": (f_helper_of_helper, lambda: G,
                         "the global 'G', which 'scale' reads (called as f_helper_of_helper -> middle -> scale)",
                         "scale"),
    "closure": (f_closure, lambda: A, "the variable 'A' of an enclosing function, which "
                "'_make_closure.<locals>.f_closure' reads", "f_closure"),
}


def _entry_points(f, x):
    yield "grad", lambda: tl.grad(f)(x)
    yield "value_and_grad", lambda: tl.value_and_grad(f)(x)
    yield "vjp", lambda: tl.vjp(f, x)
    yield "jvp", lambda: tl.jvp(f, (x,), ([1.0] * len(x) if isinstance(x, list) else np.ones(len(x)),))


def _line_of(name):
    import inspect

    return inspect.getsourcelines(globals()[name])[1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_argument_written_in_place_that_the_function_reads_is_refused(case):
    f, arg, named, reader = CASES[case]
    x = arg()
    before = list(np.array(x, dtype=float))
    for how, call in _entry_points(f, x):
        with pytest.raises(ArgumentError, match="argument 1, which '.*' changes in place") as info:
            call()
        text = str(info.value)
        assert "share memory" in text and "To fix: pass a copy" in text, how
        assert named in text, (how, text)
        assert re.search(rf"test_written_argument_reads\.py:{_line_of(reader)}:", text), text
        assert list(np.array(x, dtype=float)) == before  # refused before anything ran


def _fd_grad(fn, x, h=1e-6):
    return np.array([(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("f", [f_global, f_in_a_dict, f_in_an_object, f_helper, f_helper_of_helper, f_closure])
def test_a_copy_differentiates(f):
    x = np.array([0.7, -1.1, 0.4])
    expected = _fd_grad(lambda z: f(z.copy()), x)
    np.testing.assert_allclose(tl.grad(f)(x.copy()), expected, rtol=1e-6, atol=1e-8)
    _, pullback = tl.vjp(f, x.copy())
    np.testing.assert_allclose(pullback(1.0), expected, rtol=1e-6, atol=1e-8)


def test_an_argument_the_function_only_reads_may_be_the_global():
    """No write: ``G`` is a constant of ``f`` and its argument both (the partial derivative)."""
    expected = _fd_grad(lambda z: np.sum(z * G) + np.sum(G * z * z), G.copy())
    np.testing.assert_allclose(tl.grad(f_reads_only)(G), expected, rtol=1e-6, atol=1e-8)


def test_the_breaker_repro_is_refused_not_wrong():
    with pytest.raises(ArgumentError, match="the global 'G', which 'f_global' reads"):
        tl.grad(f_global)(G)
    np.testing.assert_array_equal(G, [0.5, 1.5, -0.3])


def _second_order(f, x):
    v = [1.0] * len(x) if isinstance(x, list) else np.ones(len(x))
    yield "hessian", lambda: tl.hessian(f)(x)
    yield "hvp", lambda: tl.hvp(f, x, v)
    yield "jacobian(grad)", lambda: tl.jacobian(tl.grad(f))(x)


@pytest.mark.parametrize("case", sorted(set(CASES) - {"global_list"}))  # (a list: no Hessian)
def test_second_order_refusals_name_the_users_function_and_line(case):
    """Breaker 30 #10: tl.hessian / tl.hvp / tl.jacobian(tl.grad(f)) located the refusal in the cache
    file and named the generated 'f_vjp' and 'helper_fwd'; now as tl.grad does.  ``x += 1.0``
    (helper_of_helper) was not refused at all at second order (the gradient code does not write in
    place): a Hessian of 0 where the global changes with the argument."""
    f, arg, named, reader = CASES[case]
    x = arg()
    before = list(np.array(x, dtype=float))
    for how, call in _second_order(f, x):
        with pytest.raises(ArgumentError) as info:
            call()
        text = str(info.value)
        assert named in text and "__tangent_lite__" not in text and "_vjp" not in text, (how, text)
        assert re.search(rf"test_written_argument_reads\.py:{_line_of(reader)}:", text), (how, text)
        assert list(np.array(x, dtype=float)) == before
