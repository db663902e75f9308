"""Objects of the user's classes reached through arguments are refused by the generated code itself.

Breaker 23 W5 / W3: the check that an operand of an operator or a NumPy function is no object of
the user's class (whose ``__matmul__``, ``__floordiv__``, ... is its own Python method, not the
rule's arithmetic) is part of the derivative code in every mode, so every consumer of that code
refuses: ``adgen --mode vjp|jvp|hvp`` standalone modules (``--arrays numpy`` and ``any``),
``tl.source``'s text, ``tl.gradient_function``, ``tl.grad``.  The refusal names the user's file and
line.  The check runs whatever the activity of the result (``obj // x`` of numbers is piecewise
constant, a user's ``__floordiv__`` is not).  Plain arrays still give the right numbers (central
finite differences).
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import cli

MODEL = textwrap.dedent('''
    import numpy as np


    class Lin:
        """A linear map with operators of its own (twice NumPy's)."""

        def __init__(self, A):
            self.A = A

        def __matmul__(self, v):
            return 2.0 * (self.A @ v)

        def __pow__(self, p):
            return self.A ** (2.0 * p)

        def __floordiv__(self, v):
            return 5.0 * self.A * v

        def __mod__(self, v):
            return 3.0 * self.A * v

        def __gt__(self, v):
            return self.A > 2.0 * v

        def __array__(self, dtype=None, copy=None):
            return self.A

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            inputs = [2.0 * i.A if isinstance(i, Lin) else i for i in inputs]
            return getattr(ufunc, method)(*inputs, **kwargs)


    class Box:
        def __init__(self, m):
            self.m = m


    def f_matmul(x, L):
        return np.sum(np.tanh(L[0] @ x))


    def f_pow(x, d):
        return np.sum(pow(d["k"], x))


    def f_floordiv(x, L):
        return np.sum(L[0] // x)


    def f_mod(x, L):
        return np.sum(L[0] % x * x)


    def f_ufunc(x, L):
        return np.sum(np.multiply(L[0], x) * x)


    def f_attribute(x, b):
        return np.sum(np.sin(b.m % x))


    def f_where(x, L):
        return np.sum(np.where(L[0] > x, x * x, 2.0 * x))


    def f_loop(x, L):
        s = 0.0
        for k in L:
            s = s + np.sum(np.tanh(k @ x))
        return s
''')

A = np.array([[1.5, 0.4, -0.3], [0.2, 2.0, 0.5], [-0.6, 0.1, 0.5]])
X = np.array([0.3, -0.7, 1.1])
V = np.array([0.5, 0.25, -1.0])
REFUSED = {  # function: (the user-object argument, the plain-array argument)
    "f_matmul": (lambda m: [m.Lin(A)], lambda m: [A]),
    "f_pow": (lambda m: {"k": m.Lin(np.abs(A[0]) + 1.0)}, lambda m: {"k": np.abs(A[0]) + 1.0}),
    "f_floordiv": (lambda m: [m.Lin(A[0] + 0.05)], lambda m: [A[0] + 0.05]),  # (A / X: no integer)
    "f_mod": (lambda m: [m.Lin(np.abs(A[0]) + 2.0)], lambda m: [np.abs(A[0]) + 2.0]),
    "f_ufunc": (lambda m: [m.Lin(A[0])], lambda m: [A[0]]),
    "f_attribute": (lambda m: m.Box(m.Lin(np.abs(A[1]) + 2.0)), lambda m: m.Box(np.abs(A[1]) + 2.0)),
    "f_where": (lambda m: [m.Lin(A[0])], lambda m: [A[0]]),
    "f_loop": (lambda m: [A, m.Lin(A)], lambda m: [A, 0.5 * A]),  # (the second item: refused in the loop)
}
MODES = ("vjp", "jvp", "hvp")
ARRAYS = ("numpy", "any")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("adgenchk")
    path = folder / "adgenchk_model.py"
    path.write_text(MODEL)
    spec = importlib.util.spec_from_file_location("adgenchk_model", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["adgenchk_model"] = module
    spec.loader.exec_module(module)
    text = MODEL.splitlines()
    lines = {name: next(i for i, line in enumerate(text, 1) if line.startswith(f"def {name}(")) + 1 for name in REFUSED}
    lines["f_loop"] += 2  # (the '@' in the loop)
    yield module, path, lines
    sys.modules.pop("adgenchk_model", None)


def _written(model, name, mode, arrays):
    """The standalone module adgen writes for ``name`` (imported from its file)."""
    _, path, _ = model
    out = path.parent / f"{name}_{mode}_{arrays}.py"
    if not out.exists():
        assert cli.main([f"{path}:{name}", "--mode", mode, "--arrays", arrays, "-o", str(out)]) == 0
    spec = importlib.util.spec_from_file_location(f"adgenchk_{name}_{mode}_{arrays}", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _call(generated, name, mode, other):
    if mode == "hessian":
        return getattr(generated, f"{name}_hessian")(X.copy(), other) @ V
    if mode == "vjp":
        return getattr(generated, f"{name}_vjp")(X.copy(), other)[1]
    if mode == "jvp":
        return getattr(generated, f"{name}_jvp")(X.copy(), other, V)[1]
    return getattr(generated, f"{name}_hvp")(X.copy(), other, V)


def _assert_refusal(error, model, name):
    module, path, lines = model
    text = str(error)
    assert f"{path.name}:{lines[name]}:" in text, text  # the user's file and line (general code: its name)
    assert re.search(r"\b(Lin|Box)\b", text), text  # the class
    assert "To fix" in text, text


# every function x every mode, the two --arrays kinds alternating (all six for f_matmul)
ADGEN_CASES = sorted({(n, mode, ARRAYS[(i + j) % 2]) for i, n in enumerate(REFUSED) for j, mode in enumerate(MODES)}
                     | {("f_matmul", mode, arrays) for mode in MODES for arrays in ARRAYS}
                     | {("f_mod", "hessian", "numpy"), ("f_where", "hessian", "any")})


@pytest.mark.parametrize("name, mode, arrays", ADGEN_CASES)
def test_adgen_standalone_refuses_user_objects(model, name, mode, arrays):
    generated = _written(model, name, mode, arrays)
    with pytest.raises((tl.UnsupportedConstructError, ValueError)) as info:
        _call(generated, name, mode, REFUSED[name][0](model[0]))
    _assert_refusal(info.value, model, name)


def _finite_differences(f, other):
    h = 1e-6
    grad = np.zeros_like(X)
    for i in range(X.size):
        e = np.zeros_like(X)
        e[i] = h
        grad[i] = (f(X + e, other) - f(X - e, other)) / (2 * h)
    return grad


def _hvp_by_differences(f, other):
    h = 1e-4
    return (_grad_fd(f, X + h * V, other) - _grad_fd(f, X - h * V, other)) / (2 * h)


def _grad_fd(f, x, other):
    h = 1e-5
    return np.array([(f(x + h * e, other) - f(x - h * e, other)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("name, mode, arrays", ADGEN_CASES)
def test_adgen_standalone_still_right_for_arrays(model, name, mode, arrays):
    module = model[0]
    f, other = getattr(module, name), REFUSED[name][1](module)
    got = _call(_written(model, name, mode, arrays), name, mode, other)
    grad = _finite_differences(f, other)
    if mode == "vjp":
        np.testing.assert_allclose(got, grad, rtol=1e-6, atol=1e-6)
    elif mode == "jvp":
        np.testing.assert_allclose(got, grad @ V, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_allclose(got, _hvp_by_differences(f, other), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name, mode", list(itertools.product(sorted(REFUSED), ("vjp", "jvp"))))
def test_source_text_refuses_user_objects(model, name, mode):
    """tl.source's code (the general code, not specialised to the arguments) checks the operands."""
    module = model[0]
    text = tl.source(getattr(module, name), mode)
    assert "_tl.array_method(" in text
    namespace = dict(vars(module))
    exec(compile(text, f"<tl.source of {name}>", "exec"), namespace)
    derivative = namespace[f"{name}_{mode}"]
    with pytest.raises(tl.UnsupportedConstructError) as info:
        derivative(X.copy(), REFUSED[name][0](module), *((V,) if mode == "jvp" else ()))
    _assert_refusal(info.value, model, name)
    got = derivative(X.copy(), REFUSED[name][1](module), *((V,) if mode == "jvp" else ()))[1]
    grad = _finite_differences(getattr(module, name), REFUSED[name][1](module))
    np.testing.assert_allclose(got, grad @ V if mode == "jvp" else grad, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_gradient_function_and_grad_refuse_user_objects(model, name):
    module = model[0]
    f = getattr(module, name)
    fused, _ = tl.gradient_function(f)
    for call in (lambda o: fused(X.copy(), o)[1], lambda o: tl.grad(f)(X.copy(), o),
                 lambda o: tl.hessian(f)(X.copy(), o)):
        with pytest.raises(tl.UnsupportedConstructError) as info:
            call(REFUSED[name][0](module))
        _assert_refusal(info.value, model, name)
    np.testing.assert_allclose(fused(X.copy(), REFUSED[name][1](module))[1],
                               _finite_differences(f, REFUSED[name][1](module)), rtol=1e-6, atol=1e-6)


def test_one_check_per_operand_and_none_repeated(model):
    """A parameter used by several operators is checked once, before its first use."""
    module = model[0]
    text = tl.source(module.f_mod, "vjp")
    body = text.split("def f_mod_vjp")[1].split("\ndef ")[0]
    checked = re.findall(r"_tl\.array_method\((\w+),", body)
    assert sorted(checked) == sorted(set(checked)), body
    assert {"x"} <= set(checked), body


ROUNDED = textwrap.dedent('''
    class Scaled:
        def __init__(self, v):
            self.v = v

        def __round__(self, n=None):
            return 3.0 * self.v          # no integer: continuous in v


    def f_round(x):
        return round(Scaled(x)) * 1.0
''')


def test_builtin_calling_the_objects_own_method_is_refused_whatever_the_result(tmp_path):
    """round() is piecewise constant for numbers; a user's __round__ need not be: refused, not 0."""
    path = tmp_path / "adgenchk_rounded.py"
    path.write_text(ROUNDED)
    spec = importlib.util.spec_from_file_location("adgenchk_rounded", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["adgenchk_rounded"] = module
    try:
        spec.loader.exec_module(module)
        for call in (lambda: tl.grad(module.f_round)(0.7), lambda: tl.jvp(module.f_round, (0.7,), (1.0,))):
            with pytest.raises(tl.UnsupportedConstructError, match=r"'round' operator of .*Scaled"):
                call()
    finally:
        sys.modules.pop("adgenchk_rounded", None)
