"""Crashes and unhelpful refusals found by breaker round 28 (each fixed with its family)."""

import os
import subprocess
import sys

import numpy as np
import pytest

import tangent_lite as tl

X = np.array([0.5, 1.5, -0.3])
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(tl.__file__)))


def _fd_vjp(f, x, c, eps=1e-6):
    """Central differences of <c, f(x)> (f returning a 1-tuple)."""
    return np.array([(np.sum(c * f(x + eps * e)[0]) - np.sum(c * f(x - eps * e)[0])) / (2 * eps)
                     for e in np.eye(x.size)])


# ------------------------------------------------------------------ 6. a function returning a 1-tuple (y,)

def one_tuple(x):
    return (np.sin(x) * x,)


def one_tuple_scalar(x):
    return (np.sum(np.exp(x)),)


def returns_one_tuple(x):
    return (x * x,)


def unpacks_a_helpers_one_tuple(x):
    a, = returns_one_tuple(x)
    return (a * x,)


@pytest.mark.parametrize("f", [one_tuple, one_tuple_scalar, unpacks_a_helpers_one_tuple])
def test_the_pullback_of_a_one_tuple_takes_a_one_tuple(f):
    """The pullback of ``return (y,)`` crashed inside np.broadcast_to: the generated code's seed was
    y's while the pullback (rightly) asked for a 1-tuple, like the value."""
    out, pullback = tl.vjp(f, X)
    assert isinstance(out, tuple) and len(out) == 1
    c = np.linspace(0.5, 2.0, np.size(out[0])).reshape(np.shape(out[0]))
    g = pullback((c,))
    np.testing.assert_allclose(g, _fd_vjp(f, X, c), rtol=1e-7, atol=1e-8)
    v = np.array([0.3, -1.0, 0.7])
    value, (tangent,) = tl.jvp(f, (X,), (v,))
    np.testing.assert_allclose(np.sum(c * tangent), g @ v, rtol=1e-12)  # <J v, c> == <v, J^T c>
    with pytest.raises(tl.ArgumentError, match="tuple of 1"):
        pullback(c)  # (the bare array is refused, naming the tuple it pairs with)


# ------------------------------------------------------------------ 3. a ufunc's method held in a name

RED = np.multiply.reduce
ADD = np.add.reduce
MAX = np.maximum.reduce
CUMSUM = np.add.accumulate
CUMPROD = np.multiply.accumulate
OUTER = np.add.outer
TIMES = np.multiply.outer


def held_reduce(x):
    return RED(x)


def held_reduce_axis(x):
    return np.sum(ADD(x.reshape(1, 3) * x.reshape(3, 1), axis=1) ** 2) + MAX(x)


def held_accumulate(x):
    return np.sum(CUMSUM(x) ** 2) + np.sum(CUMPROD(x))


def held_outer(x):
    return np.sum(OUTER(x, x) ** 2) + np.sum(np.sin(TIMES(x, 2.0 * x)))


def _fd_grad(f, x, eps=1e-6):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


@pytest.mark.parametrize("f", [held_reduce, held_reduce_axis, held_accumulate, held_outer])
def test_ufunc_methods_held_in_names_are_differentiated(f):
    """``RED = np.multiply.reduce`` then ``RED(x)``: refused as 'no derivative rule' (the written
    np.multiply.reduce(x) was differentiated); now read as the form it names, in both modes."""
    g = tl.grad(f)(X)
    np.testing.assert_allclose(g, _fd_grad(f, X), rtol=1e-6, atol=1e-8)
    v = np.array([0.3, -1.0, 0.7])
    np.testing.assert_allclose(tl.jvp(f, (X,), (v,))[1], g @ v, rtol=1e-12)


RUNNING_MAX = np.maximum.accumulate


def held_running_max(x):
    return np.sum(RUNNING_MAX(x))


def default_reduce(x, r=np.multiply.reduce):
    return r(x)


def test_a_ufunc_method_without_rule_gets_a_hint_that_runs(tmp_path):
    """np.maximum.accumulate has no rule: the hint's registration code, printed as ``ufunc.accumulate``
    (a NameError when pasted), now spells ``np.maximum.accumulate``, and runs."""
    with pytest.raises(tl.NoRuleError) as info:
        tl.grad(held_running_max)(X)
    assert f"test_breaker28_messages.py:{held_running_max.__code__.co_firstlineno + 1}" in str(info.value)
    assert "np.maximum.accumulate" in info.value.hint and "ufunc." not in info.value.hint
    run_printed_code(info.value.hint, tmp_path)


def test_a_function_default_is_refused_naming_the_function_to_call():
    with pytest.raises(tl.UnsupportedConstructError) as info:
        tl.grad(default_reduce)(X)
    assert f"test_breaker28_messages.py:{default_reduce.__code__.co_firstlineno + 1}" in str(info.value)
    assert "calling the local value 'r'" in str(info.value)
    assert "default is np.multiply.reduce" in info.value.hint and "R = np.multiply.reduce" in info.value.hint


def printed_code(hint):
    """The indented code block a hint prints (after 'e.g.' or a colon line), dedented."""
    import textwrap
    lines = hint.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("    ") and lines[i].strip()),
               len(lines))
    return textwrap.dedent("\n".join(lines[start:end]))


def run_printed_code(hint, tmp_path, prelude=""):
    """Run the code a hint prints, as pasted into a file of its own (after ``prelude``: the user's
    definitions it refers to), in a fresh interpreter (a rule it registers stays there)."""
    path = tmp_path / "pasted.py"
    path.write_text(prelude + "\n" + printed_code(hint) + "\nprint('ran')\n")
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get(
                              "PYTHONPATH", "")) if p)))
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ran"), (path.read_text(), proc.stderr)
    return proc.stdout


# ------------------------------------------------------------------ 2. hints that print code print code that runs

def printed_call(hint, start):
    """The call expression the hint prints from ``start`` (its text), parentheses balanced."""
    i = hint.index(start)
    depth = 0
    for j in range(i, len(hint)):
        depth += {"(": 1, ")": -1}.get(hint[j], 0)
        if hint[j] == ")" and depth == 0:
            return hint[i:j + 1]
    raise AssertionError(f"no complete call from {start!r} in {hint!r}")


def of_dict(d):
    return np.sum(d["a"] ** 2 * d["b"]) + np.sin(d["a"][0] * d["b"][1])


def of_list_second(y, L):
    return np.sum(L[0] ** 3 * y) + np.sum(L[0] * L[1] ** 2)


D = {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}
Y = np.array([0.5, -1.0])


def _fd_hvp(f, args, index, v, eps=1e-6):
    """Central differences of tl.grad along v (v: a flat direction over the flattened structure)."""
    def flat_grad(t):
        moved = list(args)
        moved[index] = _unflatten(_flatten(args[index]) + t * v, args[index])
        return _flatten(tl.grad(f, wrt=index)(*moved))
    return (flat_grad(eps) - flat_grad(-eps)) / (2 * eps)


def _flatten(s):
    return np.concatenate([np.ravel(a) for a in (s.values() if isinstance(s, dict) else s)])


def _unflatten(flat, like):
    parts = np.split(flat, np.cumsum([np.size(a) for a in (like.values() if isinstance(like, dict) else like)])[:-1])
    return dict(zip(like, parts)) if isinstance(like, dict) else type(like)(parts)


@pytest.mark.parametrize("f, args, index", [(of_dict, (D,), 0), (of_list_second, (Y, [D["a"], D["b"]]), 1)])
def test_the_hessian_hint_for_structured_parameters_runs(f, args, index):
    """tl.hessian of a function of a dict suggested tl.jacobian(tl.gradient_function(...)), which does not
    run (gradient_function returns a pair, jacobian refuses dicts); the hint now prints tl.hvp code that
    runs where the call was written, and gives H v."""
    with pytest.raises(tl.ArgumentError) as info:
        tl.hessian(f, wrt=index)(*args)
    assert "gradient_function" not in info.value.hint
    scope = {"np": np, "tl": tl, f.__name__: f, **dict(zip(f.__code__.co_varnames, args))}
    exec(printed_code(info.value.hint), scope)
    assert type(scope["Hv"]) is type(args[index])
    np.testing.assert_allclose(_flatten(scope["Hv"]), _fd_hvp(f, args, index, _flatten(scope["v"])),
                               rtol=1e-6, atol=1e-7)


def two_outputs(x, c):
    return np.sum(np.sin(x) * c), x * c


def test_first_output_hints_run(tmp_path):
    """``tl.hessian(lambda *a: f(*a)[0])`` was refused when pasted (a lambda taking *a); now the lambda
    takes the function's parameters, and ``wrt`` when it is not the first."""
    x, c = np.array([0.4, 1.2]), 1.5
    calls = []
    for what, wrt in (("tl.hessian", 0), ("tl.jacobian", 0), ("tl.jacobian", 1)):
        with pytest.raises(tl.ArgumentError) as info:
            getattr(tl, what[3:])(two_outputs, wrt=wrt)(x, c)
        calls.append(printed_call(info.value.hint, f"{what}(lambda"))
    with pytest.raises(tl.ArgumentError) as info:
        tl.hessian(two_outputs)(x, c)
    calls.append(printed_call(info.value.hint, "tl.jacobian(tl.grad("))
    got = pasted(tmp_path, "from test_breaker28_messages import two_outputs\n"
                 + "".join(f"r{i} = {call}\n" for i, call in enumerate(calls)))
    np.testing.assert_allclose(got.r0(x, c), np.diag(-np.sin(x) * c), rtol=1e-12)
    np.testing.assert_allclose(got.r1(x, c), np.cos(x) * c, rtol=1e-12)
    np.testing.assert_allclose(got.r2(x, c), np.sum(np.sin(x)), rtol=1e-12)
    hessian, aux = got.r3(x, c)
    np.testing.assert_allclose(hessian, np.diag(-np.sin(x) * c), rtol=1e-12)


def pasted(tmp_path, code):
    """The module of a file holding ``code`` (lambdas need a file for their source)."""
    import importlib.util
    path = tmp_path / f"pasted_{abs(hash(code))}.py"
    path.write_text("import numpy as np\n\nimport tangent_lite as tl\n" + code)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ------------------------------------------------------------------ 5. lists held in variables passed to SciPy

sp = pytest.importorskip("scipy.special")
st = pytest.importorskip("scipy.stats")
P = np.array([0.2, 0.8])


def lse_of_a_list_variable(x):
    L = [x[0], x[1] * 2.0]
    return sp.logsumexp(L)


def dirichlet_of_a_list_variable(x):
    alpha = [x[0] + 1.0, x[1]]
    return st.dirichlet.logpdf(P, alpha)


def list_built_by_append(x):
    L = []
    for i in range(2):
        L.append(x[i] ** 2)
    return sp.logsumexp(L) + np.sum(sp.gammaln(L))


def tuple_through_a_name(x):
    T = (x[0], x[1])
    M = T
    return np.sum(st.norm.logpdf(M, loc=x[0], scale=[1.0, 2.0])) + sp.logsumexp(x)


@pytest.mark.parametrize("f", [lse_of_a_list_variable, dirichlet_of_a_list_variable, list_built_by_append,
                               tuple_through_a_name])
def test_lists_held_in_variables_reach_scipy_as_arrays(f):
    """``L = [a, b]; sp.logsumexp(L)`` crashed (IndexError in the rule: it read the list as a scalar);
    a list literal in the call worked.  Now the variable is read as SciPy reads it, an array, in both
    modes and at second order."""
    x = np.array([0.5, 1.5])
    g = tl.grad(f)(x)
    np.testing.assert_allclose(g, _fd_grad(f, x), rtol=1e-6, atol=1e-8)
    v = np.array([0.3, -1.0])
    np.testing.assert_allclose(tl.jvp(f, (x,), (v,))[1], g @ v, rtol=1e-10)
    H = tl.hessian(f)(x)
    eps = 1e-5
    fd = np.array([(tl.grad(f)(x + eps * e) - tl.grad(f)(x - eps * e)) / (2 * eps) for e in np.eye(2)])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------ 1. values NumPy reads through __array__

class OnlyArray:
    """Implements __array__ alone: NumPy's functions read it as np.asarray(obj)."""

    def __init__(self, a):
        self.a = np.asarray(a)

    def __array__(self, dtype=None, copy=None):
        return self.a


class WithPriority(OnlyArray):
    __array_priority__ = 100.0  # (what PyTorch tensors have besides __array__)


M = np.array([[1.0, 2.0, 0.5], [3.0, 4.0, -1.0]])
CONSTANTS = {"OnlyArray": OnlyArray(M), "WithPriority": WithPriority(M)}
try:
    import torch
    CONSTANTS["Tensor"] = torch.tensor(M, dtype=torch.float64)
except ImportError:  # pragma: no cover
    pass
K = None  # the module-level constant under test (bound by the test)


def dot_of_constant(x):
    return np.sum(np.dot(K, x) ** 2)


def dot_of_argument(x, T):
    return np.sum(np.dot(T, x) ** 2)


def dot_of_asarray(x, T):
    return np.sum(np.dot(np.asarray(T), x) ** 2)


@pytest.mark.parametrize("kind", sorted(CONSTANTS))
def test_a_value_numpy_reads_through_its_array_method_is_refused_clearly(kind, monkeypatch):
    """A PyTorch tensor T (module-level) in np.dot(T, x) crashed inside as_grad (the rule computed
    with the Tensor); a class with __array__ alone was refused as if NumPy called its own methods.
    Now both are refused, constant or argument, in both modes, naming the call, the user's line and
    the fix, np.asarray(T), which is differentiated right."""
    T = CONSTANTS[kind]
    monkeypatch.setattr(sys.modules[__name__], "K", T)
    x = np.array([0.5, 1.5, -0.4])
    name = type(T).__qualname__
    for f, args, line, shown in ((dot_of_constant, (x,), dot_of_constant, "K"),
                                 (dot_of_argument, (x, T), dot_of_argument, "T")):
        where = f"test_breaker28_messages.py:{line.__code__.co_firstlineno + 1}"
        for run in (lambda f=f, args=args: tl.grad(f)(*args), lambda f=f, args=args: tl.jvp(f, args, (x,))):
            with pytest.raises(tl.UnsupportedConstructError) as info:
                run()
            assert where in str(info.value)
            assert f"np.dot reads its argument '{shown}', a {name}, as a NumPy array" in str(info.value)
            assert f"pass np.asarray({shown}) to np.dot" in info.value.hint
    g = tl.grad(dot_of_asarray)(x, T)
    np.testing.assert_allclose(g, 2 * M.T @ (M @ x), rtol=1e-12)  # by hand: d/dx |M x|^2
    np.testing.assert_allclose(g, _fd_grad(lambda z: dot_of_asarray(z, T), x), rtol=1e-6)


# ------------------------------------------------------------------ 7. None is zero in adjoint sums

def first_of_lse_gradient(x):
    return tl.grad(sp.logsumexp)(x)[0]


def test_reverse_over_reverse_through_scipys_logsumexp_source():
    """The gradient of tl.grad(sp.logsumexp) ran _tl.add(0.0, None): the cotangent of logsumexp's
    b=None argument (None, a zero) added to a float by add's fast path.  By hand: d p0 / dx = p0 (e0 - p)."""
    x = np.array([0.5, 1.5, -0.2])
    p = np.exp(x - sp.logsumexp(x))
    np.testing.assert_allclose(tl.grad(first_of_lse_gradient)(x), p[0] * (np.eye(3)[0] - p), rtol=1e-10)


def test_add_reads_none_as_zero():
    from tangent_lite import runtime
    a = np.array([1.0, 2.0])
    assert runtime.add(0.5, None) == 0.5
    np.testing.assert_array_equal(runtime.add(a.copy(), None), a)
