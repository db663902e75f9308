"""The optional Numba backend (tangent_lite/backends/numba_backend.py, docs/numba.md).

Gradients compiled by Numba must equal the Python backend's to rounding; what Numba cannot
compile (or a missing numba) falls back to the Python backend with a warning.  The rewrite
of the generated text is tested without numba; everything that compiles is skipped when
numba is not installed.  Compilation is the cost here (about 0.1-2 s per function), so the
corpus sample is small.
"""

import importlib.util
import math
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.backends import numba_backend
from tangent_lite.errors import ArgumentError, BackendFallbackWarning, TangentLiteWarning

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(os.path.dirname(HERE), "benchmarks")
if BENCH not in sys.path:
    sys.path.insert(0, BENCH)

import corpus_control as cc  # noqa: E402
import workloads  # noqa: E402

needs_numba = pytest.mark.skipif(not numba_backend.available()[0], reason="numba is not installed")


def same(a, b):
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
        return
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


def compiled_grads(fn, args, wrt=None):
    """(Python backend's gradient, Numba backend's); fails if Numba fell back."""
    ref = tl.grad(fn, wrt=wrt)(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BackendFallbackWarning)
        got = tl.grad(fn, wrt=wrt, backend="numba")(*args)
    return ref, got


# ------------------------------------------------------------------ the rewrite (no numba needed)


GENERATED = '''\
import math
import tangent_lite.runtime as _tl


def f_vjp(r, x, n, x_bar=1.0):
    _t1 = None
    _tape = []
    _t0 = range(n)
    for _ in _t0:
        _tape.append(_t1)
        _t1 = r * x
        _tape.append(x)
        x = _t1 * math.sin(x)
    _value = x
    r_bar = 0.0
    for _ in reversed(_t0):
        x = _tape.pop()
        r_bar = r_bar + x_bar * _t1
        _t1 = _tape.pop()
    return _value, _tl.as_grad(r_bar, r)


def f_fwd(r, x, n):
    _tape = []
    _t0 = range(n)
    for _ in _t0:
        _tape.append(x)
        x = r * math.sin(x)
    return x, (_t0, _tape, r)


def f_bwd(_residuals, x_bar):
    _t0, _tape, r = _residuals
    _tape = _tl.copied(_tape)
    for _ in reversed(_t0):
        x = _tape.pop()
    return _tl.unbroadcast(x_bar, r)
'''


def test_rewrite_splits_the_tape_and_unrolls_reversed():
    text, names, used = numba_backend.rewrite(GENERATED, {"as_grad", "copied", "unbroadcast", "seq_item"})
    assert names == ["f_vjp", "f_fwd", "f_bwd"]
    assert used == {"as_grad", "copied", "unbroadcast", "seq_item", "tape_new"}
    assert "_tape." not in text.split("def f_fwd")[0] and "reversed" not in text and "_tl." not in text
    assert "tangent_lite" not in text
    vjp, fwd = text.split("def f_fwd")[0], text.split("def f_fwd")[1].split("def f_bwd")[0]
    # a top-level `for` over a range: the tapes are arrays indexed by the iteration, made at the first push
    assert "_nb_n0 = len(_t0)\n    _nb_i0 = 0\n    for _ in _t0:" in vjp
    assert "if _nb_i0 == 0:\n            _tape__x = _tl_tape_new(_nb_n0, x)\n        _tape__x[_nb_i0] = x" in vjp
    assert "_nb_i0 = _nb_i0 + 1" in vjp and "x = _tape__x[_nb_k1]" in vjp
    assert "_tape__x = []" not in vjp and ".append(" not in vjp and ".pop()" not in vjp
    # reversed(range(n)): the index is the item, no range is indexed
    assert "for _nb_k1 in range(len(_t0) - 1, -1, -1):\n        _ = _nb_k1" in vjp and "_tl_seq_item" not in vjp
    # a name first bound in the loop is saved after its assignment, and restored from the previous entry
    assert "_t1 = None" not in text
    assert vjp.index("_t1 = r * x") < vjp.index("_tape___t1[_nb_i0] = _t1")
    assert "if _nb_k1 > 0:\n            _t1 = _tape___t1[_nb_k1 - 1]" in vjp
    # tapes that leave the function in the residuals stay lists, one per saved name
    assert "_tape__x = []" in fwd and "_tape__x.append(x)" in fwd and "x = _tape__x.pop()" in text
    assert "return (x, (_t0, _tape__x, r))" in text
    assert re.search(r"\(?_t0, _tape__x, r\)? = _residuals", text)  # Python 3.9 prints the parentheses
    assert "_tape__x = _tl_copied(_tape__x)" in text
    # a range that comes from the residuals is indexed by the helper
    assert "for _nb_k0 in range(len(_nb_seq0) - 1, -1, -1):\n        _ = _tl_seq_item(_nb_seq0, _nb_k0)" in text


GENERATED_LISTS = '''\
def g_vjp(x, n, x_bar=1.0):
    _t1 = None
    _tape = []
    _t0 = range(2, n, 3)
    for i in _t0:
        _tape.append(_t1)
        _t1 = x * i
        while _t1 > 1.0:
            _tape.append(_t1)
            _t1 = _t1 * 0.5
        _tape.append(x)
        x = _t1 ** 2
    for i in reversed(_t0):
        x = _tape.pop()
        x_bar = x_bar * i
        _t1 = _tape.pop()
    return x_bar
'''


def test_rewrite_keeps_lists_where_pushes_are_not_one_per_iteration():
    """A name pushed twice (here in an inner while loop too) keeps its list; a name pushed once
    per iteration of the same loop still gets an array; range(start, stop, step) items are
    computed from copies of start and step; ``x ** 2`` becomes ``x * x``."""
    text, _names, used = numba_backend.rewrite(GENERATED_LISTS, set())
    assert "_tape___t1 = []" in text and "_tape___t1.append(_t1)" in text
    assert "_tape___t1.pop()\n        if len(_tape___t1) > 0:\n            _t1 = _tape___t1[-1]" in text
    assert "_tape__x[_nb_i0] = x" in text and "x = _tape__x[_nb_k1]" in text and "_tape__x = []" not in text
    assert "_t0__nb_step = 3" not in text  # constants are used as they are
    assert "i = 2 + _nb_k1 * 3" in text and "x = _t1 * _t1" in text and "**" not in text
    assert used == {"tape_new"}


def test_rewrite_runs_as_python_with_the_same_result():
    """The rewritten vjp, run by Python with Python stand-ins for the helpers, matches the original."""
    from tangent_lite import runtime

    text, _names, _used = numba_backend.rewrite(GENERATED, {"as_grad", "copied", "unbroadcast", "seq_item"})
    original, rewritten = {"_tl": runtime}, {"_tl_as_grad": runtime.as_grad, "_tl_copied": runtime.copied,
                                             "_tl_unbroadcast": runtime.unbroadcast,
                                             "_tl_seq_item": lambda s, k: s[k],
                                             "_tl_tape_new": lambda n, v: [v] * n}
    exec(compile(GENERATED, "<generated>", "exec"), original)  # noqa: S102 - test of generated text
    exec(compile(text, "<rewritten>", "exec"), rewritten)  # noqa: S102
    for n in (0, 1, 5):
        assert original["f_vjp"](0.7, 0.3, n) == rewritten["f_vjp"](0.7, 0.3, n)
        out, res = rewritten["f_fwd"](0.7, 0.3, n)
        assert out == original["f_fwd"](0.7, 0.3, n)[0]
        assert rewritten["f_bwd"](res, 1.0) == rewritten["f_bwd"](res, 1.0)  # the pullback can be called twice
    lists = {"_tl_tape_new": lambda n, v: [v] * n}
    exec(compile(GENERATED_LISTS, "<generated>", "exec"), original)  # noqa: S102
    exec(compile(numba_backend.rewrite(GENERATED_LISTS, set())[0], "<rewritten>", "exec"), lists)  # noqa: S102
    for x, n in ((0.3, 0), (0.3, 3), (0.9, 6), (2.5, 12), (0.1, 30)):
        assert original["g_vjp"](x, n) == lists["g_vjp"](x, n)


def test_rewrite_names_what_it_cannot_rewrite():
    with pytest.raises(numba_backend.Unsupported, match="_tl.extremum_bar"):
        numba_backend.rewrite("import tangent_lite.runtime as _tl\ndef f_vjp(x):\n    return _tl.extremum_bar(x)\n",
                              {"as_grad"})
    with pytest.raises(numba_backend.Unsupported, match="tape push"):
        numba_backend.rewrite("def f_vjp(x):\n    _tape = []\n    _tape.append(x + 1)\n    return x\n", set())


def test_unknown_backend_is_an_argument_error():
    with pytest.raises(ArgumentError, match="unknown backend 'jax'"):
        tl.grad(cc.branch_if_else, backend="jax")
    with pytest.raises(ArgumentError, match="To fix"):
        tl.differentiate(cc.branch_if_else, backend="numbaa")
    assert issubclass(BackendFallbackWarning, TangentLiteWarning) and issubclass(TangentLiteWarning, UserWarning)


def _not_installed_fn(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * x * i
    return s


def test_missing_numba_falls_back_with_a_warning(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    assert numba_backend.available()[0] is False
    with pytest.warns(BackendFallbackWarning, match="numba cannot be imported") as rec:
        got = tl.grad(_not_installed_fn, backend="numba")(1.5, 4)
    assert "To fix: pip install numba" in str(rec[0].message)
    assert got == tl.grad(_not_installed_fn)(1.5, 4) == 2 * 1.5 * 6
    with warnings.catch_warnings():  # warned once: later calls run the Python code quietly
        warnings.simplefilter("error")
        assert tl.grad(_not_installed_fn, backend="numba")(1.5, 4) == got


# ------------------------------------------------------------------ compiled


@needs_numba
@pytest.mark.parametrize("name", ["scalar_loop", "logistic_map", "rosenbrock_loop", "rk4"])
def test_benchmark_workloads_match_the_python_backend(name):
    w = workloads.BY_NAME[name]
    args = w.make_args(np.random.default_rng(0))
    ref, got = compiled_grads(w.fn, args, w.wrt)  # no fallback warning: it ran compiled
    same(ref, got)
    for ours, hand in zip(got, w.grad(*args)):
        np.testing.assert_allclose(ours, hand, rtol=1e-7, atol=1e-12)
    vg = tl.value_and_grad(w.fn, wrt=w.wrt, backend="numba")
    value, grads = vg(*args)
    assert value == pytest.approx(w.fn(*args), rel=1e-12)
    same(ref, grads)


CORPUS_SAMPLE = ["branch_if_else", "huber_loop", "while_true_break", "early_return_in_loop", "newton_sqrt",
                 "reversed_array_horner", "call_in_loop", "running_max", "for_else"]


@needs_numba
@pytest.mark.parametrize("name", CORPUS_SAMPLE)
def test_corpus_functions_match_the_python_backend(name):
    entry = next(e for e in cc.CORPUS if e[0].__name__ == name)
    fn, points, wrt = entry
    for args in points:
        ref, got = compiled_grads(fn, args, tuple(wrt) if wrt else None)
        same(ref, got)


def _tape_loop(x, n):
    for i in range(n):
        x = x * 0.9 + math.sin(x) * i
    return x


def _strided_loop(x, n):
    s = 0.0
    for i in range(2, n, 3):
        s = s + x ** 2 * i
        x = x * 0.5 + 0.1 * i
    for j in range(n, 0, -2):
        s = s * 0.9 + math.cos(x * j)
    return s


def _nested_loops(x, n, m):
    for i in range(n):
        x = math.sin(x) + 0.1 * i
        for j in range(m):
            x = x * 0.8 + math.cos(x) * j
    return x


def _int_and_bool_saved(x, n):
    s = 0.0
    for i in range(n):
        k = i * 2 + 1
        big = x > 0.5
        if big:
            s = s + x * k
        else:
            s = s - x * x
        x = x * 0.7 + 0.3
    return s


def _breaks_out(x, n):
    for i in range(n):
        x = math.sin(x) * 1.3 + 0.01 * i
        if x > 0.95:
            break
    return x


def _array_state(w, n):
    v = w * 1.0
    for _ in range(n):
        v = np.sin(v) * w
    return np.sum(v)


@pytest.fixture
def rewritten(monkeypatch, tmp_path):
    """Record the rewritten text of each module compiled (a fresh cache directory, so nothing is reused)."""
    texts = []
    real = numba_backend.rewrite

    def recording(text, helpers):
        out = real(text, helpers)
        texts.append(out[0])
        return out

    monkeypatch.setattr(numba_backend, "rewrite", recording)
    monkeypatch.setenv("TANGENT_LITE_CACHE_DIR", str(tmp_path))
    tl.backends.cache.clear_memory()
    yield texts
    tl.backends.cache.clear_memory()


@needs_numba
@pytest.mark.parametrize("fn, points, arrays", [
    (_tape_loop, [(0.3, 0), (0.3, 1), (0.3, 2), (0.7, 25)], True),
    (_strided_loop, [(0.4, 0), (0.4, 1), (0.4, 3), (0.4, 5), (1.3, 17)], True),
    (_nested_loops, [(0.3, 0, 3), (0.3, 1, 1), (0.3, 3, 4), (0.3, 2, 0), (0.9, 5, 6)], True),
    (_int_and_bool_saved, [(0.3, 0), (0.3, 1), (0.9, 4), (0.2, 9)], True),
    (cc.newton_sqrt, [(2.0,), (9.0,), (0.5,)], False),  # a while loop: lists
    (_breaks_out, [(0.5, 0), (0.5, 3), (0.9, 12)], False),  # a loop that may break: lists
])
def test_array_tapes_match_the_python_backend(rewritten, fn, points, arrays):
    """Tapes as arrays indexed by the iteration (for loops with no break, over a range), for loops
    that run 0, 1 and many times, nested loops (the inner loop's tapes stay lists), saved ints
    and bools; while loops and loops that may break keep the lists."""
    for args in points:
        ref, got = compiled_grads(fn, args)
        same(ref, got)
    text = "".join(rewritten)
    assert ("_tl_tape_new(" in text) is arrays
    if fn is _nested_loops:
        assert ".append(" in text and ".pop()" in text  # the inner loop
    if fn is _strided_loop:
        assert "**" not in text and "_tl_seq_item" not in text
    if not arrays:
        assert ".append(" in text


@needs_numba
def test_array_tape_of_arrays_is_a_list_of_them(rewritten):
    w = np.array([0.3, -1.2, 0.8])
    for n in (0, 1, 4):
        ref, got = compiled_grads(_array_state, (w, n))
        same(ref, got)


@needs_numba
def test_helpers_use_numbas_disk_cache_unless_turned_off():
    """The helpers' implementations and kernels are compiled with Numba's disk cache (a later
    process loads them); TANGENT_LITE_CACHE=0 turns that off."""
    code = ("from tangent_lite.backends import numba_runtime as R\n"
            "print(R._jit_options(), type(R._zeros._cache).__name__, type(R._empty_f8._cache).__name__)\n")
    for cache_env, expect in (("0", "{} NullCache NullCache"), ("1", "{'cache': True} FunctionCache FunctionCache")):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                              env=dict(os.environ, TANGENT_LITE_CACHE=cache_env))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == expect


@needs_numba
def test_helpers_compile_without_a_cache_location(monkeypatch):
    """Where Numba finds no writable cache location, the helpers are compiled in each process, quietly."""
    import numba

    from tangent_lite.backends import numba_runtime

    real = numba.njit

    def no_location(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function '_jit_options': no locator available for file")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba_runtime.numba, "njit", no_location)
    assert numba_runtime._jit_options() == {}

    def twice(n):
        return numba_runtime.np.arange(n) * 2

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kernel = numba_runtime._kernel(twice)
        assert list(kernel(3)) == [0, 2, 4]
    assert type(kernel._cache).__name__ == "NullCache"


@needs_numba
def test_decorator_backend_option():
    @tl.differentiate(backend="numba", wrt=(0, 1))
    def horner(x, c):
        s = 0.0
        for i in range(c.shape[0]):
            s = s * x + c[i]
        return s

    c = np.array([0.5, -1.0, 2.0, 0.25])
    with warnings.catch_warnings():
        warnings.simplefilter("error", BackendFallbackWarning)
        gx, gc = horner.grad(0.7, c)
        value, (gx2, gc2) = horner.value_and_grad(0.7, c)
    assert value == horner(0.7, c)
    same(tl.grad(horner.fn, wrt=(0, 1))(0.7, c), (gx, gc))
    assert gx2 == gx and np.array_equal(gc2, gc)


def _uses_a_list_comprehension(x):
    ys = [x * k for k in range(3)]
    return ys[0] + ys[1] * ys[2]


def _takes_a_dict(x, opts):
    s = 0.0
    for _ in range(3):
        s = s + x * opts["scale"]
    return s


@needs_numba
def test_unsupported_helper_falls_back_with_a_warning():
    with pytest.warns(BackendFallbackWarning, match=r"_tl\.\w+.*Numba backend does not support") as rec:
        got = tl.grad(_uses_a_list_comprehension, backend="numba")(1.5)
    assert "_uses_a_list_comprehension" in str(rec[0].message) and "To fix" in str(rec[0].message)
    assert got == tl.grad(_uses_a_list_comprehension)(1.5)


@needs_numba
def test_numba_typing_error_falls_back_with_a_warning():
    with pytest.warns(BackendFallbackWarning, match="Numba cannot compile it"):
        got = tl.grad(_takes_a_dict, backend="numba")(1.5, {"scale": 2.0})
    assert got == tl.grad(_takes_a_dict)(1.5, {"scale": 2.0}) == 6.0


def _raises_inside(x, n):
    s = 0.0
    for i in range(n):
        s = s + x / (i - 2)
    return s


@needs_numba
def test_runtime_errors_of_compiled_code_are_raised_not_hidden():
    g = tl.grad(_raises_inside, backend="numba")
    assert g(1.0, 2) == tl.grad(_raises_inside)(1.0, 2)  # compiles, runs
    with warnings.catch_warnings():
        warnings.simplefilter("error", BackendFallbackWarning)
        with pytest.raises(ZeroDivisionError):
            g(1.0, 4)


@needs_numba
def test_adgen_backend_numba_writes_a_compiled_module(tmp_path):
    out = tmp_path / "rk4_grad.py"
    target = os.path.join(BENCH, "workloads.py") + ":rk4_loss"
    proc = subprocess.run([sys.executable, "-m", "tangent_lite.cli", target, "--wrt", "a,b", "--backend", "numba",
                           "-o", str(out)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "@numba.njit" in text and "import tangent_lite" not in text and "_tape." not in text
    spec = importlib.util.spec_from_file_location("rk4_grad", str(out))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    args = (1.1, 0.4, 0.3, 0.9, 1.2, 0.8, 30)
    value, grads = mod.rk4_loss_vjp(*args)
    assert type(mod.rk4_loss_vjp).__name__ == "CPUDispatcher"
    assert value == pytest.approx(workloads.rk4_loss(*args), rel=1e-12)
    same(tl.grad(workloads.rk4_loss, wrt=(0, 1))(*args), tuple(grads))


@needs_numba
def test_adgen_backend_numba_refuses_what_it_cannot_rewrite(tmp_path):
    model = tmp_path / "listy.py"
    model.write_text("def f(x):\n    ys = [x * k for k in range(3)]\n    return ys[0] + ys[1] * ys[2]\n")
    proc = subprocess.run([sys.executable, "-m", "tangent_lite.cli", f"{model}:f", "--backend", "numba"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "--backend numba" in proc.stderr and "the runtime helper _tl." in proc.stderr
    assert "--backend python" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "tangent_lite.cli", f"{model}:f", "--backend", "numba",
                           "--mode", "hessian"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "not hessian" in proc.stderr


# ------------------------------------------------------------------ module-level values are never frozen

SCALE = 2.0
WEIGHTS = np.array([1.0, 2.0])


def _scaled_square(z):
    return SCALE * z * z


def _scale_times(n):
    return SCALE * n


def reads_a_module_number(x, n):
    s = 0.0
    for i in range(n):
        s = s + SCALE * math.sin(x * i)
    return s


def reads_a_module_array(x, n):
    s = 0.0
    for i in range(n):
        s = s + WEIGHTS[i % 2] * x * x
    return s


def callee_reads_a_module_number(x, n):
    s = 0.0
    for _ in range(n):
        s = s + _scaled_square(x)
    return s


def constant_helper_reads_a_module_number(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * _scale_times(i)
    return s


@needs_numba
@pytest.mark.parametrize("f", [reads_a_module_number, reads_a_module_array,
                               callee_reads_a_module_number, constant_helper_reads_a_module_number])
def test_module_level_values_are_read_at_every_call(f):
    global SCALE, WEIGHTS
    try:
        for change in (lambda: None, lambda: globals().update(SCALE=3.0),
                       lambda: WEIGHTS.__setitem__(0, 10.0), lambda: globals().update(WEIGHTS=np.array([5.0, 5.0]))):
            change()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", BackendFallbackWarning)
                got = tl.value_and_grad(f, backend="numba")(0.7, 4)
            same(tl.value_and_grad(f)(0.7, 4), got)
    finally:
        SCALE, WEIGHTS = 2.0, np.array([1.0, 2.0])
