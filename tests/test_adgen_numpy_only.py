"""The runtime helpers ``adgen`` inlines for NumPy-only files (backends/partial_eval.py) behave
exactly like tangent_lite's own on NumPy inputs, and the files are small.

* Every rule of the registry, on every case of ``tests/rule_cases*.py``, is run twice: with
  ``_tl`` the library's helpers and with ``_tl`` the partially evaluated helpers (the inlined
  source of all of them, executed as ``adgen``'s factory executes it); the results must be
  identical (types, dtypes, shapes, values, writeability), and so must the errors.  The runtime
  helpers that are primitives themselves (``unbroadcast``, ``sum_bar``, ...) are compared as
  functions too.
* Standalone modules written by ``adgen`` (the default and ``--arrays any``) for the examples'
  and the golden tests' functions give ``tl.grad`` / ``tl.jvp`` / ``tl.hessian``'s values.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import json
import os
import sys
import types
import zlib
from typing import Any, Dict, List

import numpy as np
import pytest
import rule_cases
import rule_cases_complex
import rule_cases_more
import rule_cases_scipy

import tangent_lite as tl
from tangent_lite import runtime
from tangent_lite.backends import codegen, partial_eval
from tangent_lite.rules import REGISTRY
from tangent_lite.runtime import sources as runtime_sources

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _helpers(rewrite: Any) -> types.SimpleNamespace:
    """Every runtime helper, from its inlined source (as adgen's factory runs it)."""
    names = sorted({n for m in runtime_sources.MODULES for n in vars(m) if not n.startswith("__")})
    ns: Dict[str, Any] = {"__name__": "inlined_helpers"}
    exec(compile(codegen._inlined_runtime_imports() + runtime.helper_sources(names, rewrite), "<inlined>", "exec"), ns)
    return types.SimpleNamespace(**{n: ns[n] for n in names if n in ns})


SIMPLE = _helpers(partial_eval.numpy_only)
CASES: Dict[str, List[Any]] = {}
for table in (rule_cases.CASES, rule_cases_scipy.CASES, rule_cases_more.CASES, rule_cases_complex.CASES):
    for name, cases in table.items():
        CASES.setdefault(name, []).extend(cases)
PRIMS = {p.name: p for p in REGISTRY if not p.nondiff and p.name in CASES}


def _with_simple_helpers(fn: Any) -> Any:
    """``fn`` reading the partially evaluated helpers where it reads the library's."""
    if not isinstance(fn, types.FunctionType):
        return fn
    helpers = {id(getattr(runtime, n)): getattr(SIMPLE, n) for n in vars(SIMPLE) if hasattr(runtime, n)}
    g = dict(fn.__globals__)
    for k, v in fn.__globals__.items():
        if v is runtime:
            g[k] = SIMPLE
        elif id(v) in helpers and callable(v):
            g[k] = helpers[id(v)]
    out = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    out.__kwdefaults__ = fn.__kwdefaults__
    return out


def _rng(*key: Any) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("-".join(map(str, key)).encode()))


def _like(v: Any, rng: np.random.Generator) -> Any:
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return type(v)(*(_like(e, rng) for e in v))
    if isinstance(v, (list, tuple)):
        return type(v)(_like(e, rng) for e in v)
    if isinstance(v, dict):
        return {k: _like(e, rng) for k, e in v.items()}
    if isinstance(v, (float, np.floating)):
        return float(rng.normal())
    if isinstance(v, (complex, np.complexfloating)):
        return complex(rng.normal(), rng.normal())
    a = np.asarray(v)
    if a.dtype.kind == "c":
        return rng.normal(size=a.shape) + 1j * rng.normal(size=a.shape)
    if a.dtype.kind == "f":
        return rng.normal(size=a.shape).astype(a.dtype)
    return v


def _same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, np.ndarray):
        assert type(b) is np.ndarray, f"{where}: {type(b).__name__} instead of an ndarray"
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {b.dtype}{b.shape} != {a.dtype}{a.shape}"
        assert a.flags.writeable == b.flags.writeable, f"{where}: writeable {b.flags.writeable}"
        if a.dtype != object:
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), f"{where}: {b} != {a}"
        else:
            for i, (x, y) in enumerate(zip(a.ravel(), b.ravel())):
                _same(x, y, f"{where}[{i}]")
        return
    if isinstance(a, (list, tuple)):
        assert type(a).__name__ == type(b).__name__ and len(a) == len(b), f"{where}: {b!r} != {a!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
        return
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys {list(b)} != {list(a)}"
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
        return
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
        return
    if isinstance(a, (float, complex, np.generic)) and a != a:  # nan
        assert type(a) is type(b) and b != b, f"{where}: {b!r} != {a!r}"
        return
    if isinstance(a, (int, float, complex, np.generic, str, bool)) or a is None:
        assert type(a) is type(b) and a == b, f"{where}: {b!r} ({type(b).__name__}) != {a!r} ({type(a).__name__})"
        return
    assert type(a).__name__ == type(b).__name__, f"{where}: {type(b).__name__} != {type(a).__name__}"


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return ("value", fn(*args, **kwargs))
    except Exception as exc:  # the same error must come from both
        return ("error", type(exc).__name__)


def _compare(name: str, fn: Any, make: Any, where: str) -> None:
    expected = _outcome(fn, *make()[0], **make()[1])
    got = _outcome(_with_simple_helpers(fn), *make()[0], **make()[1])
    assert expected[0] == got[0], f"{where}: {got} where the library's helpers gave {expected}"
    if expected[0] == "error":
        assert expected[1] == got[1], f"{where}: {got[1]} where the library's helpers raised {expected[1]}"
    else:
        _same(expected[1], got[1], where)


@pytest.mark.parametrize("name", sorted(PRIMS))
def test_rules_give_the_same_results_with_the_inlined_numpy_only_helpers(name):
    prim = PRIMS[name]
    for ci, case in enumerate(CASES[name]):
        args, kwargs = case(_rng(name, ci))
        try:
            ans = prim.fn(*args, **kwargs)
        except Exception:
            continue  # (a case for another version of the library)
        if getattr(prim.fn, "__module__", "").startswith("tangent_lite.runtime"):
            simple = getattr(SIMPLE, prim.fn.__name__)
            expected = _outcome(prim.fn, *case(_rng(name, ci))[0], **case(_rng(name, ci))[1])
            got = _outcome(simple, *case(_rng(name, ci))[0], **case(_rng(name, ci))[1])
            assert expected[0] == got[0], f"{name} case{ci}: {got} vs {expected}"
            if expected[0] == "value":
                _same(expected[1], got[1], f"{name} case{ci} (the helper itself)")
        for kind, table in (("jvp", prim.jvps), ("vjp", prim.vjps)):
            for argnum, rule in table.items():
                if argnum >= len(args) or args[argnum] is None:
                    continue
                rng = _rng(name, ci, kind, argnum)
                seed = _like(args[argnum] if kind == "jvp" else ans, rng)

                def make(_c=case, _n=name, _i=ci, _s=seed, _ans=ans):
                    a, k = _c(_rng(_n, _i))
                    return (_s, _ans, *a), k

                _compare(name, rule.template.fn, make, f"{name} case{ci} {kind} rule of argument {argnum}")


def test_the_facts_leave_no_foreign_machinery():
    """What only other libraries' arrays run is gone from the NumPy-only helpers."""
    text = runtime.helper_sources(sorted(set(runtime.__all__)), partial_eval.numpy_only)
    general = runtime.helper_sources(sorted(set(runtime.__all__)))
    calls = {n.func.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not calls & {"is_foreign", "namespace"}, sorted(calls & {"is_foreign", "namespace"})
    for gone in ("def _foreign_grad", "def is_foreign", "def namespace", "array_api_compat"):
        assert gone in general and gone not in text, gone
    assert len(text.splitlines()) < len(general.splitlines())


def test_every_fact_names_a_runtime_helper():
    """A fact about a helper that no longer exists would silently stop applying."""
    for call in partial_eval.NUMPY_ONLY:
        name = ast.parse(call, mode="eval").body.func
        assert isinstance(name, ast.Name) and callable(getattr(runtime, name.id, None)), call


def test_folding():
    """The folds, on a made-up helper (nothing in partial_eval knows a particular helper)."""
    src = '''def h(x, y):
    """Doc."""
    xp = namespace(x)
    # a comment that stays
    a = x if is_foreign(y) else y  # kept comment
    if not is_foreign(x) or False:
        b = np.ones(3)
    else:
        b = xp.ones(3)
    if xp is not np and is_foreign(x):
        raise TypeError("never")
    elif xp is np:
        c = 1
    else:
        c = 2
    while is_foreign(x):
        pass
    return a + b + c, (xp is np) and x
'''
    node = ast.parse(src).body[0]
    new, text = partial_eval.numpy_only(node, src, 1)
    assert text == '''def h(x, y):
    """Doc."""
    # a comment that stays
    a = y
    b = np.ones(3)
    return (a + b + 1, x)'''
    ns = {"np": np}
    exec(text, ns)
    assert ns["h"](1.0, 2.0)[1] == 1.0


# ---------------------------------------------------------------- standalone files for a corpus


def _module(path: str) -> Any:
    """The module at ``path``, imported as ``corpus_<name>`` (the standalone files import from it)."""
    name = "corpus_" + os.path.splitext(os.path.basename(path))[0]
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _corpus() -> List[Any]:
    """(function, arguments): the golden tests' functions and the examples' scalar functions."""
    def fn(path: str, name: str) -> Any:
        f = getattr(_module(os.path.join(ROOT, path)), name)
        return getattr(f, "fn", f)  # (unwrap @tl.differentiate)

    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 3))
    return [
        (fn("tests/golden/golden_fixtures.py", "straight"), (0.7, 1.3)),
        (fn("tests/golden/golden_fixtures.py", "loop"), (0.4, 5)),
        (fn("tests/golden/golden_fixtures.py", "branch"), (0.9, 0.2)),
        (fn("tests/golden/golden_fixtures.py", "branch"), (0.1, 0.2)),
        (fn("examples/demo.py", "f"), (0.8, 1.7)),
        (fn("examples/demo.py", "loss"), (rng.normal(size=(2, 3)), rng.normal(size=3))),
        (fn("examples/teaching_lecture.py", "L"), (1.5, 2.5)),
        (fn("examples/newton_cg.py", "rosenbrock"), (rng.normal(size=5),)),
        (fn("examples/hutchinson.py", "logistic_loss"), (rng.normal(size=3), X, np.sign(rng.normal(size=6)))),
    ]


CORPUS = _corpus()


def _load(text: str, name: str) -> Dict[str, Any]:
    assert "tangent_lite" not in "\n".join(line for line in text.splitlines() if line.startswith(("import", "from")))
    ns: Dict[str, Any] = {"__name__": name}
    exec(compile(text, name, "exec"), ns)
    return ns


@pytest.mark.parametrize("arrays", ["numpy", "any"])
@pytest.mark.parametrize("i", range(len(CORPUS)))
def test_standalone_files_match_tangent_lite(i, arrays):
    from tangent_lite.cli import _second_order, standalone_text

    fn, args = CORPUS[i]
    first = list(tl.api._params(fn))[0]
    x = args[0]
    rng = np.random.default_rng(i)
    v = rng.normal(size=np.shape(x)) if np.ndim(x) else 0.6
    ns = _load(standalone_text(fn, "vjp", [first], arrays), f"vjp_{i}")
    value, g = ns[f"{fn.__name__}_vjp"](*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-13)
    np.testing.assert_allclose(g, tl.grad(fn)(*args), rtol=1e-12, atol=1e-14)
    ns = _load(standalone_text(fn, "jvp", [first], arrays), f"jvp_{i}")
    _, t = ns[f"{fn.__name__}_jvp"](*args, v)
    np.testing.assert_allclose(t, tl.jvp(fn, args, (v,), wrt=(0,))[1], rtol=1e-12, atol=1e-14)
    if not isinstance(x, int):
        text = _second_order(fn, (first,), "hessian", arrays)
        ns = _load(text, f"hessian_{i}")
        H = ns[f"{fn.__name__}_hessian"](*args)
        np.testing.assert_allclose(H, tl.hessian(fn)(*args), rtol=1e-10, atol=1e-12)


def test_default_file_is_smaller_and_says_what_it_runs_on(tmp_path):
    from tangent_lite.cli import standalone_text

    fn = CORPUS[0][0]
    small, general = standalone_text(fn, "vjp", ["x"]), standalone_text(fn, "vjp", ["x"], "any")
    assert len(small.splitlines()) < len(general.splitlines())
    assert "is_foreign" not in small and "is_foreign" in general
    meta = json.loads(small.splitlines()[3][len("# meta: "):])
    assert meta["functions"][0] == "straight_vjp"


def test_cli_arrays_option(tmp_path, monkeypatch):
    """``adgen --arrays any`` keeps the general helpers; ``--arrays numpy`` (the default) does not;
    the Numba backend refuses ``--arrays any``."""
    from tangent_lite import cli

    (tmp_path / "m.py").write_text("import numpy as np\n\n\ndef loss(W, x):\n    return np.sum(np.tanh(W @ x) ** 2)\n")
    monkeypatch.chdir(tmp_path)
    default = cli.run(["m.py:loss"])
    general = cli.run(["m.py:loss", "--arrays", "any"])
    assert default == cli.run(["m.py:loss", "--arrays", "numpy"])
    assert "def _foreign_grad" in general and "def _foreign_grad" not in default
    assert "namespace(" not in default and "is_foreign(" not in default
    with pytest.raises(cli.CliError, match="--arrays any"):
        cli.run(["m.py:loss", "--backend", "numba", "--arrays", "any"])
    W, x = np.arange(6.0).reshape(2, 3) / 10, np.array([1.0, -2.0, 0.5])
    for text in (default, general):
        ns = _load(text, "m_vjp")
        np.testing.assert_allclose(ns["loss_vjp"](W, x)[1], tl.grad(sys.modules["m"].loss)(W, x), rtol=1e-14)


def test_a_global_named_like_a_builtin_does_not_reach_the_helpers(tmp_path, monkeypatch):
    """The user's global ``tuple`` is read as ``shadow.tuple`` (the file binds no global of that
    name); the helpers (``as_grad`` tests ``isinstance(x, (tuple, list, dict))``) still read the
    builtin (a global of the file with a builtin's name is bound to the builtin in their factory:
    codegen._inlined_runtime)."""
    from tangent_lite import cli

    (tmp_path / "shadow.py").write_text("import numpy as np\n\ntuple = 2.0\n\n\n"
                                        "def f(x):\n    return np.sum(x * x) * tuple\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for arrays in ("numpy", "any"):
        text = cli.run(["shadow.py:f", "--arrays", arrays])
        assert "shadow.tuple" in text and "\ntuple = " not in text and "    tuple = builtins.tuple" not in text
        ns = _load(text, "shadow_vjp")
        x = np.array([1.0, -2.0])
        np.testing.assert_allclose(ns["f_vjp"](x)[1], 4.0 * x)


@pytest.mark.parametrize("expr,folded", [
    ("a or False", "a or False"),            # its value may be False rather than a falsy a: kept
    ("False or a", "a"),
    ("True and a", "a"),
    ("False and f(a)", "False"),             # f never runs
    ("a or True", "a or True"),
    ("not is_foreign(a)", "True"),
    ("namespace(a) is np", "True"),
    ("namespace(f(a))", "namespace(f(a))"),  # dropping the call would drop f(a)
    ("1 is 1", "1 is 1"),                    # identity of numbers: not decided here
    ("None is not None", "False"),
    ("b if isinstance(a, int) else b", "b if isinstance(a, int) else b"),
    ("None if isinstance(a, int) else None", "None"),
    ("np.real(g) if namespace(g) is np else xp.real(g)", "np.real(g)"),
])
def test_expression_folds(expr, folded):
    src = f"def h(a, b):\n    return {expr}\n"
    _, text = partial_eval.numpy_only(ast.parse(src).body[0], src, 1)
    assert text.splitlines()[-1].strip() == f"return {folded}"


def test_arrays_any_files_give_lazy_dask_gradients(tmp_path, monkeypatch):
    """``--arrays any``: the file runs on Dask arrays as tl.grad does (lazy, same numbers)."""
    da = pytest.importorskip("dask.array")
    from tangent_lite import cli

    (tmp_path / "logreg.py").write_text(
        "import numpy as np\n\n\ndef loss(w, X, y):\n"
        "    return np.mean(np.log1p(np.exp(-y * (X @ w)))) + 0.1 * np.sum(w * w)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    rng = np.random.default_rng(0)
    w = rng.normal(size=3)
    X, y = rng.normal(size=(40, 3)), np.sign(rng.normal(size=40))
    Xd, yd = da.from_array(X, chunks=(10, 3)), da.from_array(y, chunks=10)
    for mode in ("vjp", "jvp"):
        ns = _load(cli.run(["logreg.py:loss", "--arrays", "any", "--mode", mode, "--wrt", "X"]), f"lr_{mode}")
        seed = (1.0,) if mode == "vjp" else (da.from_array(rng.normal(size=(40, 3)), chunks=(10, 3)),)
        lazy = ns[f"loss_{mode}"](w, Xd, yd, *seed)[1]
        assert isinstance(lazy, da.Array), f"{mode}: {type(lazy).__name__}"
        eager = ns[f"loss_{mode}"](w, X, y, *(np.asarray(s) if not isinstance(s, float) else s for s in seed))[1]
        np.testing.assert_allclose(lazy.compute(), eager, rtol=1e-12)
        if mode == "vjp":
            np.testing.assert_allclose(eager, tl.grad(sys.modules["logreg"].loss, wrt=1)(w, X, y), rtol=1e-12)
