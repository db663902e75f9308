"""Standalone modules ``adgen`` writes read the user's module-level values when they run.

Breaker 26 #4: a standalone module imported the values of the user's module once
(``from model import K, W``), so rebinding ``model.W`` later was not seen (stale numbers, while
``tl.grad`` follows it), and a value whose kind changed (a float rebound to a class of the user's
with its own operators) was not checked (wrong numbers, while ``tl.grad`` refuses).  Now the file
reads ``model.W`` at every call and first checks what the derivative code was made for (the
guards ``tl.grad`` checks): rebinding numbers, arrays, objects whose methods are called, partials
and helper functions (reloaded: the same source) is followed, in the vjp, jvp and hvp files alike,
as central finite differences and ``tl.grad`` / ``tl.jvp`` / ``tl.hvp`` confirm; a value of another
kind is refused with a message naming it and the ``adgen`` command that writes the file again.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import itertools
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import cli
from tangent_lite.runtime import described

MODEL = textwrap.dedent('''
    import functools

    import numpy as np

    K = 2.0
    W = np.array([1.0, 3.0])


    def helper(v):
        return np.sin(v) * K


    class M:
        def __init__(self, w):
            self.w = w

        def loss(self, x):
            return np.sum(np.tanh(self.w * x) ** 2)


    def h(a, x, b=1.0):
        return np.sum(a * x ** b)


    m = M(np.array([0.5, 0.1]))
    P = functools.partial(h, 2.0, b=3.0)


    def f(x):
        s = K
        for i in range(2):
            s = s * x[0]
        return np.sum(helper(x) * W * x) + s + m.loss(x) + P(x)
''')

_COUNTER = itertools.count()
X = np.array([0.7, 1.3])
V = np.array([1.0, -0.5])


class F(float):
    """A float with a multiplication of its own (not the one the derivative code was made for)."""

    def __mul__(self, o):
        return float(self) * o * o

    __rmul__ = __mul__


class N:
    """An object of another class than M, with M's method (only its type differs)."""

    def __init__(self, loss):
        self.w = np.array([1.0, 1.0])
        self.loss = functools.partial(loss, self)


def other(v):
    return np.cos(v) * 3.0


def other_h(a, x, b=1.0):
    return np.sum(a * np.cos(x) ** b)


def _files(tmp_path, mode):
    """(the user's module, the standalone module adgen wrote for --mode ``mode``)."""
    name = f"rebind_model_{next(_COUNTER)}"
    (tmp_path / f"{name}.py").write_text(MODEL)
    out = tmp_path / f"{name}_{mode}.py"
    assert cli.main([f"{tmp_path / name}.py:f", "--mode", mode, "--wrt", "x", "-o", str(out)]) == 0
    user = sys.modules[name]
    spec = importlib.util.spec_from_file_location(out.stem, out)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    return user, generated


def _fd(fn, x, v, h=1e-6):
    """Central finite difference of ``fn`` at ``x`` along ``v``."""
    return (fn(x + h * v) - fn(x - h * v)) / (2 * h)


def _fd_grad(fn, x):
    return np.array([_fd(fn, x, e) for e in np.eye(x.size)])


def _check(user, generated, mode):
    """The standalone module's derivative of user.f at X agrees with finite differences and tl."""
    if mode == "vjp":
        value, grad = generated.f_vjp(X)
        np.testing.assert_allclose(value, user.f(X), rtol=1e-12)
        np.testing.assert_allclose(grad, _fd_grad(user.f, X), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(grad, tl.grad(user.f)(X), rtol=1e-12)
    elif mode == "jvp":
        value, tangent = generated.f_jvp(X, V)
        np.testing.assert_allclose(value, user.f(X), rtol=1e-12)
        np.testing.assert_allclose(tangent, _fd(user.f, X, V), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(tangent, tl.jvp(user.f, (X,), (V,))[1], rtol=1e-12)
    else:
        hv = generated.f_hvp(X, V)
        np.testing.assert_allclose(hv, _fd(tl.grad(user.f), X, V), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(hv, tl.hvp(user.f, X, V), rtol=1e-12)
        np.testing.assert_allclose(generated.f_hessian(X) @ V, hv, rtol=1e-12)


def _rebind_number(user):
    user.K = -1.5


def _rebind_array(user):
    user.W = np.array([5.0, -1.0])


def _rebind_object(user):
    user.m = user.M(np.array([3.0, -1.0]))


def _rebind_partial(user):
    user.P = functools.partial(user.h, 5.0, b=2.0)


def _reload(user):
    """Every function and class of the module bound again (the same source), then W too."""
    importlib.reload(user)
    user.W = np.array([-2.0, 0.5])


REBINDINGS = [_rebind_number, _rebind_array, _rebind_object, _rebind_partial, _reload]


@pytest.mark.parametrize("mode", ["vjp", "jvp", "hessian"])
@pytest.mark.parametrize("rebind", REBINDINGS, ids=lambda r: r.__name__.lstrip("_"))
def test_rebinding_after_import_is_followed(tmp_path, mode, rebind):
    user, generated = _files(tmp_path, mode)
    _check(user, generated, mode)
    before = generated.f_vjp_jvp if mode == "hessian" else None
    rebind(user)
    _check(user, generated, mode)
    assert before is None or generated.f_vjp_jvp is before


@pytest.mark.parametrize("mode", ["vjp", "jvp", "hessian"])
def test_rebinding_before_import_is_followed(tmp_path, mode):
    """The values are read when the functions run, not when the file is imported."""
    user, generated = _files(tmp_path, mode)
    for rebind in REBINDINGS[:4]:
        rebind(user)
    _check(user, generated, mode)


def _call(generated, mode):
    if mode == "vjp":
        return generated.f_vjp(X)
    if mode == "jvp":
        return generated.f_jvp(X, V)
    return generated.f_hvp(X, V)


# (what to bind, the name the message gives, what it is now, what the file was written for)
CHANGED_KINDS = [
    ("K", lambda u: F(2.0), "K", f"a value of type {__name__}.F", "a value of type float"),
    ("W", lambda u: [5.0, -1.0], "W", "a value of type list", "a value of type numpy.ndarray"),
    ("m", lambda u: N(u.M.loss), "m", f"a value of type {__name__}.N", None),
    ("helper", lambda u: other, "helper", described(other, "is"), None),
    ("P", lambda u: functools.partial(other_h, 5.0, b=2.0), "P.func", described(other_h, "is"), None),
    ("P", lambda u: functools.partial(u.h, 5.0, 2.0), "P", "a functools.partial binding 2 positional arguments",
     "a functools.partial binding 1 positional argument"),
]


@pytest.mark.parametrize("mode", ["vjp", "jvp", "hessian"])
@pytest.mark.parametrize("name, value, shown, now, was", CHANGED_KINDS,
                         ids=["float-to-own-operators", "array-to-list", "object-of-another-class",
                              "helper-function", "partial-of-another-function", "partial-binding-more"])
def test_a_changed_kind_is_refused_with_the_command_to_run(tmp_path, mode, name, value, shown, now, was):
    user, generated = _files(tmp_path, mode)
    _call(generated, mode)
    was = was or {"m": f"a value of type {user.__name__}.M", "helper": described(user.helper, "is"),
                  "P": described(user.P.func, "is")}[name]
    setattr(user, name, value(user))
    with pytest.raises(ValueError) as info:
        _call(generated, mode)
    command = f"adgen {user.__file__}:f" + (f" --mode {mode}" if mode != "vjp" else "") \
        + f" --wrt x -o {user.__file__[:-3]}_{mode}.py"
    full = f"{user.__name__}.{shown}"
    assert str(info.value) == (
        f"tangent_lite: '{full}' is {now} now, but {generated.__name__} was written by adgen when it was {was}: "
        f"its derivative code holds only for that\n"
        f"To fix: write the file again ({command}), or bind {full} to what it was")


def test_a_method_replaced_in_its_class_is_refused(tmp_path):
    user, generated = _files(tmp_path, "vjp")
    user.M.loss = lambda self, x: np.sum(self.w * x)
    with pytest.raises(ValueError, match=rf"'{user.__name__}\.m\.loss\.__func__' is the function "
                                         rf"{__name__}\..*<lambda> .* when it was the function "
                                         rf"{user.__name__}\.M\.loss "):
        generated.f_vjp(X)


def test_bound_again_to_what_it_was_works_again(tmp_path):
    user, generated = _files(tmp_path, "vjp")
    user.K = F(2.0)
    with pytest.raises(ValueError, match="'.*K' is a value of type"):
        generated.f_vjp(X)
    user.K = 2.0
    _check(user, generated, "vjp")


def test_the_file_reads_the_module_and_checks_first(tmp_path):
    """What the file holds: ``import <module>``, ``<module>.W`` where W is read, and a first
    statement ``_tl_reads.check()`` in every function."""
    user, generated = _files(tmp_path, "vjp")
    text = open(generated.__file__).read()
    assert f"\nimport {user.__name__}\n" in text and f"from {user.__name__} import" not in text
    assert f"{user.__name__}.W" in text and f"{user.__name__}.P.args[0]" in text
    body = text.split("\ndef f_vjp(", 1)[1].split("\n")
    assert body[1].strip() == "_tl_reads.check()"


def test_the_numba_backend_keeps_importing_once(tmp_path):
    """--backend numba compiles the values in (Numba freezes globals): no checks there."""
    name = f"rebind_numba_{next(_COUNTER)}"
    (tmp_path / f"{name}.py").write_text("import numpy as np\nW = np.array([1.0, 2.0])\n\n\n"
                                         "def f(x):\n    return np.sum(W * x)\n")
    fn = cli._load(f"{tmp_path / name}.py:f")
    text = cli.standalone_text(fn, "vjp", ["x"], command=None)
    assert f"from {name} import W" in text and "_tl_reads" not in text
