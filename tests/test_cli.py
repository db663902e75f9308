"""``adgen``: standalone derivative modules, the Wengert form, and one-line errors."""

import importlib.util
import inspect
import itertools
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
import tangent_lite.cli as cli

_COUNTER = itertools.count()

MODEL = textwrap.dedent("""\
    import math

    import numpy as np
    import numpy as onp


    def loss(W, x):
        h = np.tanh(W @ x)
        return np.sum(h * h)


    def pair(x, y):
        return x * y, np.sin(x) + y


    def scal(a, b):
        return math.log(a) + a * b - math.sin(b)


    def looped(x, n=3):
        for i in range(n):
            x = np.sin(x) * 1.1
        return np.sum(x)


    def branchy(x, y):
        if np.sum(x) > 0:
            z = x * y
        else:
            z = np.exp(x) - y
        return np.sum(z)


    def bcast(x, y):
        return np.sum((x + y) ** 2)


    def aliased(x, y):
        return onp.sum((x + y) ** 2)


    def uses_try(x):
        try:
            a = x * 2.0
            y = np.log(a)
        except ValueError:
            y = x
        return y + a


    def uses_i0(x):
        return np.sum(np.i0(x))


    NOT_A_FUNCTION = 3
""")

RNG = np.random.default_rng(7)
INPUTS = {
    "loss": (RNG.normal(size=(3, 4)), RNG.normal(size=4)),
    "pair": (RNG.normal(size=3), RNG.normal(size=3)),
    "scal": (2.0, 5.0),
    "looped": (RNG.normal(size=3), 3),
    "branchy": (RNG.normal(size=3) + 1.0, RNG.normal(size=3)),
    "bcast": (RNG.normal(size=(3, 1)), RNG.normal(size=4)),
    "aliased": (RNG.normal(size=(3, 1)), RNG.normal(size=4)),
}
# wrt (by name) used when generating each function's module
WRT = {"loss": ("W", "x"), "pair": ("x", "y"), "scal": ("a", "b"), "looped": ("x",), "branchy": ("x", "y"),
       "bcast": ("x", "y"), "aliased": ("x", "y")}


@pytest.fixture
def model(tmp_path, monkeypatch):
    """A user model file with a unique module name, importable in-process."""
    name = f"adgen_model_{os.getpid()}_{next(_COUNTER)}"
    path = tmp_path / f"{name}.py"
    path.write_text(MODEL)
    # cli._load adds the file's directory to sys.path and the module to sys.modules: undo both
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield path
    sys.modules.pop(name, None)


def import_path(path):
    spec = importlib.util.spec_from_file_location(f"{path.stem}_inproc", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_adgen(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "tangent_lite.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or os.getcwd(), timeout=120)


def meta_of(text):
    line = text.split("\n")[3]
    assert line.startswith("# meta: ")
    return json.loads(line[len("# meta: "):])


def encode(value):
    if isinstance(value, np.ndarray):
        return {"array": value.tolist()}
    return value


# Runs a generated module where tangent_lite cannot be imported, and prints its results.
_STANDALONE = r"""
import json, sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "tangent_lite" or name.startswith("tangent_lite."):
            raise ImportError("tangent_lite is not importable here")
        return None
sys.meta_path.insert(0, _Block())
sys.modules["tangent_lite"] = None
import numpy as np
import importlib.util
import inspect
spec = importlib.util.spec_from_file_location("generated_standalone", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
loaded = [k for k, v in sys.modules.items() if k.startswith("tangent_lite") and v is not None]
assert not loaded, loaded

def decode(v):
    return np.array(v["array"]) if isinstance(v, dict) else v

def encode(v):
    if isinstance(v, (tuple, list)):
        return [encode(e) for e in v]
    return np.asarray(v, dtype=float).tolist()

args = [decode(a) for a in json.loads({args!r})]
extra = [decode(a) for a in json.loads({extra!r})]
print(json.dumps(encode(getattr(module, {func!r})(*args, *extra))))
"""


def run_standalone(path, func, args, extra, cwd):
    code = _STANDALONE.format(path=str(path), func=func, args=json.dumps([encode(a) for a in args]),
                              extra=json.dumps([encode(a) for a in extra]))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(cwd), timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def assert_tree_close(actual, expected):
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, list) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_tree_close(a, e)
        return
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=1e-12, atol=1e-12)
    assert np.shape(actual) == np.shape(expected)


# ---------------------------------------------------------------- standalone modules


@pytest.mark.parametrize("fname", sorted(INPUTS))
def test_vjp_module_runs_without_tangent_lite(fname, model, tmp_path):
    out = tmp_path / "out" / f"{fname}_grad.py"
    out.parent.mkdir()
    wrt = WRT[fname]
    proc = run_adgen(f"{model}:{fname}", "--mode", "vjp", "--wrt", ",".join(wrt), "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert not (model.parent / "__tangent_lite__").exists()  # adgen does not touch the cache
    text = out.read_text()
    assert text.startswith("# Generated by tangent_lite")
    assert not re.search(r"^\s*(import|from)\s+tangent_lite", text, re.M)
    meta = meta_of(text)
    assert meta["wrt"] == list(wrt)
    assert meta["bindings"] == []
    vjp_fn, fwd_fn, bwd_fn = meta["functions"][:3]

    mod = import_path(model)
    args = INPUTS[fname]
    ref_out, pullback = tl.vjp(getattr(mod, fname), *args, wrt=wrt)
    seeds = [1.0] * meta["outputs"]
    if meta["outputs"] > 1:
        seeds = [np.ones_like(o) for o in ref_out]
        ref_grads = pullback(tuple(seeds))
    else:
        ref_grads = pullback(1.0)
    assert isinstance(ref_grads, tuple)  # wrt is a tuple, so tl.vjp gives a tuple
    got_out, got_grads = run_standalone(out, vjp_fn, args, seeds, cwd=tmp_path / "out")
    assert_tree_close(got_out, ref_out)
    assert_tree_close(got_grads if len(wrt) > 1 else [got_grads], ref_grads)
    # the split forward/backward pair agree as well
    fwd = run_standalone(out, fwd_fn, args, [], cwd=tmp_path / "out")
    assert_tree_close(fwd[0], ref_out)
    assert bwd_fn.endswith("_bwd")


@pytest.mark.parametrize("fname", sorted(INPUTS))
def test_jvp_module_runs_without_tangent_lite(fname, model, tmp_path):
    out = tmp_path / "out" / f"{fname}_jvp.py"
    out.parent.mkdir()
    wrt = WRT[fname]
    proc = run_adgen(f"{model}:{fname}", "--mode", "jvp", "--wrt", ",".join(wrt), "-o", out)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert not re.search(r"^\s*(import|from)\s+tangent_lite", text, re.M)
    meta = meta_of(text)
    mod = import_path(model)
    args = INPUTS[fname]
    params = list(inspect.signature(getattr(mod, fname)).parameters)
    primals = [args[params.index(w)] for w in wrt]
    tangents = [np.full_like(p, 0.5) if isinstance(p, np.ndarray) else 0.5 for p in primals]
    ref = tl.jvp(getattr(mod, fname), args, tangents, wrt=wrt)
    got = run_standalone(out, meta["functions"][0], args, tangents, cwd=tmp_path / "out")
    assert_tree_close(got, ref)


def test_standalone_values_match_hand_formula(model, tmp_path):
    """The published values of the classic example, computed by the standalone module."""
    out = tmp_path / "scal_grad.py"
    assert run_adgen(f"{model}:scal", "--wrt", "a,b", "-o", out).returncode == 0
    value, (ga, gb) = run_standalone(out, "scal_vjp", (2.0, 5.0), [1.0], cwd=tmp_path)
    assert value == pytest.approx(np.log(2.0) + 10.0 - np.sin(5.0))
    assert ga == pytest.approx(1 / 2.0 + 5.0)
    assert gb == pytest.approx(2.0 - np.cos(5.0))


def test_wrt_indices_and_names_give_the_same_module(model, tmp_path):
    by_name = run_adgen(f"{model}:loss", "--wrt", "W,x")
    by_index = run_adgen(f"{model}:loss", "--wrt", "0,1")
    mixed = run_adgen(f"{model}:loss", "--wrt", "0,x")
    assert by_name.returncode == by_index.returncode == mixed.returncode == 0
    assert by_name.stdout == by_index.stdout == mixed.stdout
    assert meta_of(by_name.stdout)["wrt"] == ["W", "x"]


def test_default_wrt_and_mode(model):
    proc = run_adgen(f"{model}:loss")
    assert proc.returncode == 0, proc.stderr
    meta = meta_of(proc.stdout)
    assert meta["wrt"] == ["W"]
    assert meta["modes"] == ["vjp"]
    assert "with respect to W" in proc.stdout.split("\n")[0]


def test_without_output_prints_to_stdout(model, tmp_path):
    out = tmp_path / "o.py"
    to_file = run_adgen(f"{model}:pair", "--mode", "jvp", "--wrt", "x,y", "-o", out)
    to_stdout = run_adgen(f"{model}:pair", "--mode", "jvp", "--wrt", "x,y")
    assert to_file.returncode == to_stdout.returncode == 0
    assert to_file.stdout == ""
    assert to_stdout.stdout == out.read_text()
    assert to_stdout.stderr == ""
    compile(to_stdout.stdout, "<adgen>", "exec")


def test_emit_wengert(model):
    proc = run_adgen(f"{model}:loss", "--emit", "wengert")
    assert proc.returncode == 0, proc.stderr
    mod = import_path(model)
    assert proc.stdout == tl.wengert(mod.loss) + "\n"
    assert proc.stdout.startswith("def loss(W, x):")
    assert "np.tanh(_t0)" in proc.stdout or "np.tanh(" in proc.stdout


def test_in_process_main_matches_subprocess(model, tmp_path, capsys):
    out = tmp_path / "inproc.py"
    assert cli.main([f"{model}:loss", "--mode", "vjp", "--wrt", "W,x", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    sub = run_adgen(f"{model}:loss", "--mode", "vjp", "--wrt", "W,x")
    assert sub.returncode == 0
    assert out.read_text() == sub.stdout

    assert cli.main([f"{model}:loss", "--mode", "jvp"]) == 0
    captured = capsys.readouterr()
    assert captured.out == run_adgen(f"{model}:loss", "--mode", "jvp").stdout
    assert meta_of(captured.out)["modes"] == ["jvp"]

    assert cli.main([f"{model}:looped", "--emit", "wengert"]) == 0
    assert capsys.readouterr().out.startswith("def looped(x, n=3):")


def test_in_process_module_gives_same_values(model, tmp_path, capsys):
    """The -o module written in-process, imported here, agrees with tl.vjp."""
    out = tmp_path / "loss_standalone.py"
    assert cli.main([f"{model}:loss", "--wrt", "W", "-o", str(out)]) == 0
    gen = import_path(out)
    mod = import_path(model)
    W, x = INPUTS["loss"]
    value, gW = gen.loss_vjp(W, x, 1.0)
    ref_value, ref_g = tl.value_and_grad(mod.loss)(W, x)
    assert value == pytest.approx(ref_value, rel=1e-14)
    np.testing.assert_allclose(gW, ref_g, rtol=1e-14)
    # and a hand-derived gradient: d sum(tanh(Wx)^2)/dW = (2 h (1 - h^2)) x^T
    h = np.tanh(W @ x)
    np.testing.assert_allclose(gW, np.outer(2 * h * (1 - h * h), x), rtol=1e-12)


def test_console_script(model):
    script = os.path.join(os.path.dirname(sys.executable), "adgen")
    if not os.path.exists(script):
        pytest.skip("the adgen console script is not installed next to this interpreter")
    proc = subprocess.run([script, f"{model}:scal", "--wrt", "a"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == run_adgen(f"{model}:scal", "--wrt", "a").stdout


# ---------------------------------------------------------------- errors


SOURCE_LINE = re.compile(r"^\s+\d+ \| ")


def _error_cases(model, tmp_path):
    bad_syntax = tmp_path / "broken_syntax.py"
    bad_syntax.write_text("import numpy as np\n\n\nvalue = = 1\n\n\ndef f(x):\n    return x\n")
    raises = tmp_path / "raises_on_import.py"
    raises.write_text("raise RuntimeError('boom at import')\n\n\ndef f(x):\n    return x\n")
    return {
        "bad_path": ([f"{tmp_path / 'missing.py'}:f"], "missing.py"),
        "missing_function": ([f"{model}:nope"], "nope"),
        "not_a_function": ([f"{model}:NOT_A_FUNCTION"], "NOT_A_FUNCTION"),
        "no_colon": ([str(model)], "PATH:FUNCTION"),
        "syntax_error": ([f"{bad_syntax}:f"], "broken_syntax.py:4"),
        "import_fails": ([f"{raises}:f"], "boom at import"),
        "unsupported": ([f"{model}:uses_try", "--mode", "vjp"], f"{model.name}:"),
        "unsupported_jvp": ([f"{model}:uses_try", "--mode", "jvp"], f"{model.name}:"),
        "no_rule": ([f"{model}:uses_i0"], "np.i0"),
        "bad_wrt": ([f"{model}:loss", "--wrt", "nope"], "nope"),
    }


ERROR_CASES = ["bad_path", "missing_function", "not_a_function", "no_colon", "syntax_error", "import_fails",
               "unsupported", "unsupported_jvp", "no_rule", "bad_wrt"]
# these must be exactly one line
ONE_LINE = {"bad_path", "missing_function", "not_a_function", "no_colon", "syntax_error", "import_fails", "bad_wrt"}


def _check_error_output(case, err, expected):
    assert err.startswith("adgen: error: "), err
    assert "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert expected in lines[0], (expected, err)
    if case in ONE_LINE:
        assert len(lines) == 1, err


@pytest.mark.parametrize("case", ERROR_CASES)
def test_errors_subprocess(case, model, tmp_path):
    argv, expected = _error_cases(model, tmp_path)[case]
    out = tmp_path / "should_not_exist.py"
    proc = run_adgen(*argv, "-o", out)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert not out.exists()
    _check_error_output(case, proc.stderr, expected)


@pytest.mark.parametrize("case", ERROR_CASES)
def test_errors_in_process(case, model, tmp_path, capsys):
    argv, expected = _error_cases(model, tmp_path)[case]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    _check_error_output(case, captured.err, expected)


@pytest.mark.parametrize("case", ["unsupported", "unsupported_jvp"])
def test_compiler_errors_are_one_line_plus_source_line(case, model, tmp_path):
    """adgen's contract: one error line (plus, at most, the user's source line)."""
    argv, _ = _error_cases(model, tmp_path)[case]
    proc = run_adgen(*argv)
    assert proc.returncode == 2
    lines = proc.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("adgen: error: ")
    assert re.search(r":\d+: ", lines[0]), lines[0]  # file:line
    assert all(SOURCE_LINE.match(line) for line in lines[1:]), proc.stderr


def test_unsupported_error_names_file_and_line(model):
    proc = run_adgen(f"{model}:uses_try")
    line_no = MODEL.split("\n").index("    try:") + 1
    assert f"{model.name}:{line_no}:" in proc.stderr.split("\n")[0]
    assert "try" in proc.stderr.split("\n")[0]


def test_bad_mode_is_a_usage_error(model):
    proc = run_adgen(f"{model}:loss", "--mode", "no-such-mode")
    assert proc.returncode == 2
    assert "adgen: error:" in proc.stderr
    assert "Traceback" not in proc.stderr


def _free_names(text: str) -> set:
    """Global names the top-level functions and classes of ``text`` read and nothing in it binds."""
    import builtins
    import symtable

    top = symtable.symtable(text, "<helpers>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    free = {s.get_name() for s in top.get_symbols() if s.is_referenced() and not s.is_assigned()}
    todo = list(top.get_children())
    while todo:
        table = todo.pop()
        todo.extend(table.get_children())
        free |= {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    return free - bound - set(vars(builtins))


@pytest.mark.parametrize("name", sorted(set(tl.runtime.__all__)))
def test_inlined_runtime_helpers_bring_everything_they_use(name):
    """adgen copies runtime helpers into the files it writes: each must come with the helpers,
    decorated functions, classes and constants it uses (the factory imports the modules below)."""
    from tangent_lite.backends import codegen

    text = tl.runtime.helper_sources([name])
    assert re.search(rf"^(def|class) {name}\b|^{name}\s*=", text, re.M), f"{name} itself is missing"
    factory = codegen._inlined_runtime_imports()
    missing = _free_names(factory + "\n" + text)
    assert not missing, f"the inlined source of {name} reads {sorted(missing)}, which it does not define"


# ---------------------------------------------------------------- one namespace per standalone file

NAMESPACE_MODULES = {
    "helpers_a.py": """
import numpy as np
def softplus(z):
    return np.log1p(np.exp(z))
def sq(z):
    return z * z
""",
    # a user global called _tl, and a callee whose derivative uses the runtime helpers
    "uses_tl_name.py": """
import numpy as np
import helpers_a
_tl = 2.0
def f(x):
    return np.sum(helpers_a.softplus(x) * x) * _tl
""",
    # a user function with the name the callee's derivative gets
    "uses_sq_vjp.py": """
import numpy as np
import helpers_a
def sq_vjp(x):
    return x
def f(x):
    return np.sum(helpers_a.sq(x)) * sq_vjp(2.0)
""",
    # module-level data, a literal default and a callee, differentiated twice (--mode hessian)
    "second_order.py": """
import numpy as np
import helpers_a
A = np.array([[1.0, 0.5], [0.2, 2.0]])
def f(x, scale=2.0):
    return np.sum(helpers_a.softplus(A @ x) * x) * scale
""",
    # a checkpointed loop: the inlined runtime brings the helpers of the binomial schedule
    "checkpointed_loop.py": """
import numpy as np
import tangent_lite as tl
def f(x):
    for t in tl.checkpointed(range(7), snapshots=2):
        x = np.sin(x) * 1.1
    return np.sum(x)
""",
}

NAMESPACE_CHECK = """
import importlib, sys
import numpy as np
import tangent_lite as tl
user = importlib.import_module(sys.argv[1])
generated = importlib.import_module(sys.argv[2])
x = np.array([0.3, -0.8])
if sys.argv[3] == "vjp":
    value, grad = generated.f_vjp(x)
    np.testing.assert_allclose(value, user.f(x))
    np.testing.assert_allclose(grad, tl.grad(user.f)(x))
elif sys.argv[3] == "jvp":
    value, tangent = generated.f_jvp(x, np.array([1.0, -2.0]))
    np.testing.assert_allclose(tangent, tl.jvp(user.f, (x,), (np.array([1.0, -2.0]),))[1])
else:
    np.testing.assert_allclose(generated.f_hessian(x), tl.hessian(user.f)(x))
    np.testing.assert_allclose(generated.f_hvp(x, 2.0, np.array([1.0, 0.5])),
                               tl.hvp(user.f, x, np.array([1.0, 0.5])))
print("ok")
"""


@pytest.mark.parametrize("module,mode", [("uses_tl_name", "vjp"), ("uses_tl_name", "jvp"), ("uses_sq_vjp", "vjp"),
                                         ("uses_sq_vjp", "jvp"), ("second_order", "hessian"),
                                         ("checkpointed_loop", "vjp")])
def test_standalone_files_give_every_name_one_meaning(module, mode, tmp_path):
    for name, text in NAMESPACE_MODULES.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    out = tmp_path / f"d_{module}_{mode}.py"
    proc = run_adgen(f"{module}.py:f", "--mode", mode, "--wrt", "x", "-o", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not re.search(r"^\s*(import|from)\s+tangent_lite", out.read_text(), re.M)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    check = subprocess.run([sys.executable, "-c", NAMESPACE_CHECK, module, out.stem, mode], capture_output=True,
                           text=True, cwd=str(tmp_path), env=env, timeout=120)
    assert check.stdout.strip() == "ok", check.stderr


def test_standalone_vjp_and_fwd_keep_literal_defaults(tmp_path):
    (tmp_path / "with_defaults.py").write_text("import numpy as np\n\n\ndef f(x, s=1.5, k=None, n=2):\n"
                                               "    return np.sum(x ** n) * s\n")
    out = tmp_path / "d_with_defaults.py"
    proc = run_adgen("with_defaults.py:f", "--mode", "vjp", "--wrt", "x", "-o", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    module = import_path(out)
    x = np.array([0.3, 1.2])
    value, grad = module.f_vjp(x)
    np.testing.assert_allclose(value, 1.5 * np.sum(x ** 2))
    np.testing.assert_allclose(grad, 3.0 * x)
    np.testing.assert_allclose(module.f_fwd(x)[0], value)


# ---------------------------------------------------------------- modules of packages

_PKG_HELPERS = "import numpy as np\n\n\ndef squash(v):\n    return np.tanh(v) * SCALE\n\n\nSCALE = 1.5\n"
_PKG_MODEL = ("import numpy as np\n\nfrom .helpers import squash\nfrom . import helpers\n\n\n"
              "def loss(W, x):\n    h = squash(W @ x)\n    return np.sum(h * h) + helpers.SCALE * np.sum(W)\n")


def _package(root, name):
    pkg = root / name
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "helpers.py").write_text(_PKG_HELPERS)
    (pkg / "sub" / "model.py").write_text(_PKG_MODEL)
    return pkg


def _expected_grad(W, x):
    h = np.tanh(W @ x) * 1.5
    dh = 2 * h * 1.5 * (1 - np.tanh(W @ x) ** 2)
    return np.outer(dh, x) + 1.5


@pytest.mark.parametrize("spelling", ["dotted", "path"])
def test_a_module_of_a_package_with_relative_imports(tmp_path, spelling):
    """``adgen pkg.sub.model:loss`` (from the folder above the package) and
    ``adgen path/to/pkg/sub/model.py:loss`` (from anywhere) both import the module as part of
    its package, so ``from .helpers import squash`` works; the written module computes the
    hand-derived gradient where the package is importable."""
    name = f"adgen_pkg_{os.getpid()}_{next(_COUNTER)}"
    pkg = _package(tmp_path, name)
    target = f"{name}.sub.model:loss" if spelling == "dotted" else f"{pkg / 'sub' / 'model.py'}:loss"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "loss_grad.py"
    r = run_adgen(target, "--wrt", "W", "-o", out, cwd=tmp_path if spelling == "dotted" else elsewhere)
    assert r.returncode == 0, r.stderr
    rng = np.random.default_rng(3)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    code = (f"import sys, numpy as np; sys.path.insert(0, {str(tmp_path)!r}); import loss_grad; "
            f"W = np.array({W.tolist()}); x = np.array({x.tolist()}); print(loss_grad.loss_vjp(W, x)[1].tolist())")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert got.returncode == 0, got.stderr
    np.testing.assert_allclose(np.array(json.loads(got.stdout)), _expected_grad(W, x), rtol=1e-12)


def test_relative_imports_outside_a_package_say_what_to_do(tmp_path):
    (tmp_path / "helpers.py").write_text(_PKG_HELPERS)
    (tmp_path / "model.py").write_text(_PKG_MODEL)
    r = run_adgen(tmp_path / "model.py:loss", cwd=tmp_path)
    assert r.returncode == 2
    assert "relative imports" in r.stderr and "__init__.py" in r.stderr and "pkg.module:func" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("target, message", [
    ("no_such_pkg_xyz.model:loss", "no module named 'no_such_pkg_xyz.model'"),
    ("missing/model.py:loss", "no such file: missing/model.py"),
])
def test_unknown_modules_are_named(tmp_path, target, message):
    r = run_adgen(target, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
