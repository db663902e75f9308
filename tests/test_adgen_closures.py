"""Standalone files ``adgen`` writes for functions that call closures, wrappers and containers.

Breaker 29 #4, #11, #17: a file read a module-level closure's variable (``g = make(2.0)``: the cell
``c``) as the module global ``model.c`` (wrong numbers when such a global exists, AttributeError
when not), its checks could not read a ``functools.wraps`` wrapper's cell (the first call was
refused), and ``--mode hessian`` crashed inside the file for a dict or a list.  Now the file reads a
closure's variables through the function when it runs (``c = _tl.closure_value(model.g, 'c')``)
and checks them first: rebinding ``g`` to a closure of the same code with other values is followed
(as ``tl.grad`` follows it), a value of another kind is refused with the command that writes the
file again; ``f_hessian`` refuses what ``tl.hessian`` refuses, naming ``f_hvp``.  The family:
closures, closures of closures, partials of closures, lambdas, bound methods, wrappers (forwarding
or not, of closures too), class attributes, in every mode, against central finite differences and
tangent_lite's own derivatives.  Every model has module globals spelled like the closure variables.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import cli
from tangent_lite.errors import ArgumentError, TangentLiteError

MODEL = textwrap.dedent('''
    import functools

    import numpy as np

    c = 100.0  # module globals spelled like the closure variables below
    k = 100.0
    s = 100.0
    fn = None


    def make(c):
        def g(x):
            return c * np.sin(x)
        return g


    g = make(2.0)


    def make2(c):
        def inner(x):
            return c * x ** 2

        def outer(x):
            return inner(x) + k * x
        k = 0.5
        return outer


    gg = make2(3.0)


    def make3(c):
        def h(x, a):
            return c * a * x ** 2
        return h


    p = functools.partial(make3(3.0), a=2.0)
    lam = (lambda c: (lambda x: c * np.exp(x)))(1.5)
    k2 = 0.25
    lam_plain = lambda x: k2 * np.cos(x)  # noqa: E731


    class Model:
        def __init__(self, w):
            self.w = w

        def loss(self, x):
            return self.w * np.tanh(x)


    mdl = Model(1.7)
    bound = mdl.loss


    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*a, **kw):
            return fn(*a, **kw)
        return wrapper


    @deco
    def wrapped(x):
        return np.exp(x)


    wrapped_closure = deco(make(4.0))


    def scale(s):
        def deco2(fn):
            @functools.wraps(fn)
            def wrapper(x):
                return s * fn(x)
            return wrapper
        return deco2


    @scale(2.5)
    def scaled(x):
        return np.cos(x)


    def scale_all(s):
        def deco3(fn):
            @functools.wraps(fn)
            def wrapper(*a, **kw):
                return s * fn(*a, **kw)
            return wrapper
        return deco3


    @scale_all(1.5)
    def scaled_all(x):
        return np.sin(x) * x


    class Holder:
        g = staticmethod(make(0.5))


    def apply(fn, x):
        return fn(x) * 2.0


    def f_closure(x):
        return g(x) * 3.0


    def f_nested(x):
        return gg(x) * 2.0


    def f_partial(x):
        return p(x)


    def f_lambda(x):
        return lam(x) + lam_plain(x)


    def f_bound(x):
        return bound(x) + mdl.loss(x)


    def f_wraps(x):
        return wrapped(x) * 2.0


    def f_wraps_closure(x):
        return wrapped_closure(x)


    def f_wrapper_cell(x):
        return scaled(x)


    def f_inlined_wrapper_cell(x):
        return scaled_all(x)


    def f_class_attribute(x):
        return Holder.g(x)


    def f_passed(x):
        return apply(g, x)
''')

CASES = ["f_closure", "f_nested", "f_partial", "f_lambda", "f_bound", "f_wraps", "f_wraps_closure",
         "f_wrapper_cell", "f_inlined_wrapper_cell", "f_class_attribute", "f_passed", "g", "gg", "Holder.g"]
MODES = ["vjp", "jvp", "hessian", "hvp", "any"]
X, V = 0.7, -1.3
_COUNTER = itertools.count()


def _model(tmp_path):
    name = f"closure_model_{next(_COUNTER)}"
    (tmp_path / f"{name}.py").write_text(MODEL)
    return tmp_path / f"{name}.py"


def _write(path, target, mode, user=None):
    """(the user's module, the file adgen wrote for ``target`` in ``mode`` ("any": vjp, --arrays any))."""
    out = path.parent / f"{path.stem}_{target.replace('.', '_')}_{mode}.py"
    args = ["--arrays", "any"] if mode == "any" else ["--mode", mode]
    assert cli.main([f"{path}:{target}", *args, "-o", str(out)]) == 0
    spec = importlib.util.spec_from_file_location(out.stem, out)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    return sys.modules[path.stem], generated


def _function(user, target):
    return functools.reduce(getattr, target.split("."), user)


def _fd(fn, x, h=1e-6):
    return (fn(x + h) - fn(x - h)) / (2 * h)


def _check(user, generated, target, mode):
    """The file's derivative of ``target`` at X agrees with finite differences and tangent_lite's."""
    fn = _function(user, target)
    name = fn.__name__
    if mode in ("vjp", "any"):
        value, grad = getattr(generated, f"{name}_vjp")(X)
        assert value == pytest.approx(fn(X), rel=1e-12)
        assert grad == pytest.approx(_fd(fn, X), rel=1e-6)
        assert grad == pytest.approx(tl.grad(fn)(X), rel=1e-12)
    elif mode == "jvp":
        value, tangent = getattr(generated, f"{name}_jvp")(X, V)
        assert tangent == pytest.approx(V * _fd(fn, X), rel=1e-6)
        assert tangent == pytest.approx(tl.jvp(fn, (X,), (V,))[1], rel=1e-12)
    else:
        hv = getattr(generated, f"{name}_hvp")(X, V)
        assert hv == pytest.approx(V * _fd(tl.grad(fn), X), rel=1e-5)
        assert hv == pytest.approx(tl.hvp(fn, X, V), rel=1e-12)
        if mode == "hessian":
            assert getattr(generated, f"{name}_hessian")(X) * V == pytest.approx(hv, rel=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("target", CASES)
def test_the_file_reads_the_closure_not_a_module_global(tmp_path, target, mode):
    user, generated = _write(_model(tmp_path), target, mode)
    _check(user, generated, target, mode)


def test_the_file_binds_the_cell_when_a_function_runs(tmp_path):
    user, generated = _write(_model(tmp_path), "f_closure", "vjp")
    text = open(generated.__file__).read()
    body = text.split("\ndef g_vjp(", 1)[1].split("\n")
    assert [line.strip() for line in body[1:3]] == ["_tl_reads.check()",
                                                    f"c = _tl.closure_value({user.__name__}.g, 'c')"]
    assert f"{user.__name__}.c" not in text
    assert f"({user.__name__}, 'g', ('<cell>c',), 'type', 'a value of type float')," in text


# (the module-level name rebound, to what: a closure of the same code with other cell values)
REBINDINGS = [
    ("g", lambda u: u.make(5.0), ["f_closure", "g", "f_passed"]),
    ("gg", lambda u: u.make2(-1.0), ["f_nested"]),
    ("p", lambda u: functools.partial(u.make3(-2.0), a=0.5), ["f_partial"]),
    ("wrapped_closure", lambda u: u.deco(u.make(-3.0)), ["f_wraps_closure"]),
    ("scaled", lambda u: u.scale(-0.5)(u.scaled.__wrapped__), ["f_wrapper_cell"]),
    ("scaled_all", lambda u: u.scale_all(4.0)(u.scaled_all.__wrapped__), ["f_inlined_wrapper_cell"]),
]


@pytest.mark.parametrize("mode", ["vjp", "jvp", "hessian"])
@pytest.mark.parametrize("name, value, targets", REBINDINGS, ids=[r[0] for r in REBINDINGS])
def test_a_closure_rebound_with_other_values_is_followed(tmp_path, mode, name, value, targets):
    path = _model(tmp_path)
    for target in targets:
        user, generated = _write(path, target, mode)
        _check(user, generated, target, mode)
        before = getattr(user, name)
        setattr(user, name, value(user))
        _check(user, generated, target, mode)  # (tl.grad follows it too: _check compares with it)
        setattr(user, name, before)


class F(float):
    """A float with a multiplication of its own (not the one the derivative code was made for)."""

    def __mul__(self, o):
        return float(self) * o * o

    __rmul__ = __mul__


@pytest.mark.parametrize("mode", ["vjp", "jvp", "hessian"])
def test_a_cell_of_another_kind_is_refused_with_the_command_to_run(tmp_path, mode):
    user, generated = _write(_model(tmp_path), "f_closure", mode)
    call = {"vjp": lambda: generated.f_closure_vjp(X), "jvp": lambda: generated.f_closure_jvp(X, V),
            "hessian": lambda: generated.f_closure_hessian(X)}[mode]
    call()
    user.g = user.make(F(2.0))
    with pytest.raises(ValueError) as info:
        call()
    command = f"adgen {user.__file__}:f_closure" + (f" --mode {mode}" if mode != "vjp" else "") \
        + f" -o {generated.__file__}"
    shown = f"the closure variable 'c' of {user.__name__}.g"
    assert str(info.value) == (
        f"tangent_lite: {shown} is a value of type {__name__}.F now, but {generated.__name__} was written by adgen "
        "when it was a value of type float: its derivative code holds only for that\n"
        f"To fix: write the file again ({command}), or bind {shown} to what it was")
    user.g = user.make(2.0)
    _check(user, generated, "f_closure", mode)


def test_a_closure_the_file_cannot_find_is_refused_when_written(tmp_path):
    user, _ = _write(_model(tmp_path), "f_closure", "vjp")
    with pytest.raises(TangentLiteError, match=r"'c' is a variable of the closure of 'make.<locals>.g', which a file "
                                               r"adgen writes cannot find again when it runs"):
        cli.standalone_text(user.make(7.0), "vjp", ["x"])


def test_a_wraps_wrapper_file_runs_from_its_first_call(tmp_path):
    """Breaker 29 #11: the first call was refused ('model.wrapped.<cell>fn' is missing now)."""
    user, generated = _write(_model(tmp_path), "f_wraps", "vjp")
    assert generated.f_wraps_vjp(X)[1] == pytest.approx(2 * np.exp(X), rel=1e-12)
    user.fn = "an unrelated global spelled like the wrapper's cell"  # (not checked: not read)
    assert generated.f_wraps_vjp(X)[1] == pytest.approx(2 * np.exp(X), rel=1e-12)


HESSIAN_MODEL = textwrap.dedent('''
    import numpy as np


    def dicty(d):
        return d["a"] * d["b"] ** 2


    def listy(L):
        return L[0] * L[1] ** 2 + np.sum(L[2])
''')


@pytest.mark.parametrize("target, value, direction, kind", [
    ("dicty", {"a": 0.5, "b": 1.5}, {"a": 1.0, "b": -1.0}, "dict"),
    ("listy", [0.5, 1.5, np.array([1.0, 2.0])], [1.0, -1.0, np.array([0.5, 0.5])], "list"),
    ("listy", [0.5, 1.5, 2.0], [1.0, -1.0, 0.5], "list")])
def test_a_hessian_file_refuses_what_tl_hessian_refuses(tmp_path, target, value, direction, kind):
    path = tmp_path / f"hessian_model_{next(_COUNTER)}.py"
    path.write_text(HESSIAN_MODEL)
    user, generated = _write(path, target, "hessian")
    parameter = "d" if target == "dicty" else "L"
    with pytest.raises(ValueError) as info:
        getattr(generated, f"{target}_hessian")(value)
    assert str(info.value) == (
        f"tangent_lite: {target}_hessian differentiates with respect to a float or a float array; '{parameter}' is a "
        f"{kind}\nTo fix: pass the parameters of '{parameter}' as one flat array (np.concatenate), or use "
        f"{target}_hvp for structured parameters")
    with pytest.raises(ArgumentError, match=f"'{parameter}' is a {kind}"):
        tl.hessian(getattr(user, target))(value)
    hv = getattr(generated, f"{target}_hvp")(value, direction)  # (the HVP takes structured values)
    expected = tl.hvp(getattr(user, target), value, direction)
    for got, want in zip(hv.values() if isinstance(hv, dict) else hv,
                         expected.values() if isinstance(expected, dict) else expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_hessian_file_refuses_an_integer_array(tmp_path):
    path = tmp_path / f"hessian_model_{next(_COUNTER)}.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(x ** 3)\n")
    _, generated = _write(path, "f", "hessian")
    with pytest.raises(ValueError, match=r"f_hessian differentiates with respect to a float or a float array; 'x' is "
                                         r"a int64 array\nTo fix: pass floats: x.astype\(float\)"):
        generated.f_hessian(np.array([1, 2], dtype=np.int64))
    np.testing.assert_allclose(generated.f_hessian(np.array([1.0, 2.0])), np.diag([6.0, 12.0]), rtol=1e-12)
