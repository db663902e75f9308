"""tangent_lite benchmarks: gradient cost against hand-written gradients and other AD tools.

    .venv/bin/python benchmarks/run.py               # full run (`make bench`), a few minutes
    .venv/bin/python benchmarks/run.py --quick       # smoke run: short samples, one transformation pair
    .venv/bin/python benchmarks/run.py --peers none  # tangent_lite and the hand-written gradients only
    .venv/bin/python benchmarks/run.py --only rk4 --slow-jit   # also JIT-compile the unrolled RK4 (minutes)

For every workload in ``workloads.py`` it

1. checks that ``tl.grad`` agrees with the hand-written gradient (``np.allclose``), on the
   benchmark inputs and, where given, on smaller inputs whose gradient is far from zero; the
   run stops if it does not.  Each installed peer (autograd, JAX eager, JAX jit, PyTorch
   eager; see ``peers.py``: they run the same source with ``np`` re-bound) is checked the
   same way, and left out of the timings with a note if it disagrees;
2. times, interleaved in one run, the function, tangent_lite's gradient (``tl.grad(f, wrt)``
   called as a user would, API overhead included), the generated gradient function called
   directly (no API layer), the hand-written gradient and the peers' gradients.  Each sample
   is a ``timeit`` loop of at least ``--min-time`` seconds (garbage collection off); the
   reported number is the median over ``--repeats`` samples, per call; a callable whose
   samples have taken ``--max-seconds`` in total stops after 3 samples;
3. JAX jit's first call from empty caches (trace + lower, XLA compile, first run);
4. tangent_lite's transformation: in this process after ``tangent_lite.backends.cache.clear_memory()``
   with a fresh, empty cache directory (cold: lower, differentiate, write, load, first call),
   then again after ``clear_memory()`` with that directory warm (disk hit); and in a fresh
   Python process (subprocess), the time to import tangent_lite and get the first gradient
   with a cold and with a warm disk cache;
5. for the RNN and RK4: what tangent_lite's reverse sweep stores (``tl.memory_report``) and
   the peak traced memory (``tracemalloc``) of one gradient call, against the hand-written one.

Everything runs single-threaded (``OMP_NUM_THREADS`` etc. default to 1, set before NumPy is
imported; export them to override): on a 2-core machine the thread pools of NumPy's BLAS,
PyTorch and XLA otherwise spin against each other and slow each other down by 10x or more.

Markdown tables go to stdout, everything to ``benchmarks/results/latest.json``.  Generated
files go to a temporary ``TANGENT_LITE_CACHE_DIR``, never into the repository.
"""

from __future__ import annotations

import os

THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
for _k, _v in THREAD_ENV.items():  # before NumPy, JAX or PyTorch are imported
    os.environ.setdefault(_k, _v)

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
from typing import Any, Callable, Dict, List, Optional, Sequence  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import peers  # noqa: E402
from measure import traced_peak  # noqa: E402
from workloads import WORKLOADS, Workload  # noqa: E402

import tangent_lite as tl  # noqa: E402
from tangent_lite import api  # noqa: E402
from tangent_lite.backends import cache  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "results", "latest.json")

# Workloads whose JAX jit compile is left out unless --slow-jit: jax.jit unrolls Python loops,
# and XLA takes minutes on the gradient of 200 unrolled RK4 steps (docs/benchmarks.md).
SLOW_JIT = {"rk4": "the unrolled 200-step loop takes XLA minutes to compile (--slow-jit to include it)"}
MEMORY_WORKLOADS = ("rnn", "rk4")
ORDER = ["function", "tangent_lite", "generated_only", "numba", "hand_written", *peers.PEERS]
# Workloads timed with tangent_lite's Numba backend too (backend="numba"; docs/numba.md): the scalar loops
NUMBA_WORKLOADS = ("scalar_loop", "logistic_map", "rosenbrock_loop", "rk4")

# A fresh interpreter: import, build the inputs, take the first gradient (cache dir from the env).
CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
import tangent_lite as tl
from tangent_lite import _version, cache
t2 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import workloads
w = workloads.BY_NAME[sys.argv[2]]
args = w.make_args(np.random.default_rng(0))
grad = tl.grad(w.fn, wrt=w.wrt)
t3 = time.perf_counter()
grad(*args)
t4 = time.perf_counter()
grad(*args)
t5 = time.perf_counter()
print(json.dumps({"import_numpy": t1 - t0, "import_tangent_lite": t2 - t1, "first_grad": t4 - t3,
                  "second_grad": t5 - t4, "stats": dict(cache.STATS),
                  "compiler_fingerprint": _version.code_fingerprint()}))
"""


# ------------------------------------------------------------------ correctness


def compare(ours: Any, hand: Any, label: str) -> Dict[str, float]:
    """Max abs error of a gradient tuple against the hand-written one; AssertionError if not allclose."""
    ours = tuple(ours)
    assert len(ours) == len(hand), f"{label}: {len(ours)} gradients, expected {len(hand)}"
    errors = []
    for a, b in zip(ours, hand):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        assert a.shape == b.shape, f"{label}: shape {a.shape} != {b.shape}"
        assert np.allclose(a, b, rtol=1e-7, atol=1e-12), \
            f"{label}: gradient differs from the hand-written one, max error {np.max(np.abs(a - b)):.3g}"
        errors.append(float(np.max(np.abs(a - b))) if a.size else 0.0)
    return {"max_abs_error": max(errors), "max_abs_gradient": max(float(np.max(np.abs(np.asarray(b)))) for b in hand)}


def input_sets(w: Workload) -> List[tuple]:
    return [("benchmark inputs", w.make_args)] + ([("check inputs", w.check_args)] if w.check_args else [])


def check(w: Workload) -> List[Dict[str, Any]]:
    """tl.grad vs the hand-written gradient; raises AssertionError on disagreement."""
    report = []
    for label, make in input_sets(w):
        args = make(np.random.default_rng(0))
        ours = tl.grad(w.fn, wrt=w.wrt)(*args)  # wrt is a tuple: a tuple comes back
        assert isinstance(ours, tuple) and len(ours) == len(w.wrt), type(ours)
        report.append(dict(compare(ours, w.grad(*args), f"{w.name} ({label}), tangent_lite"), inputs=label))
    return report


def check_peer(name: str, w: Workload) -> Dict[str, Any]:
    """Build the peer on every input set and compare it with the hand-written gradient.

    Returns {'ok': bool, 'checks': [...], 'error': str, 'peer': the Peer built on the benchmark
    inputs (already called once, so warm), 'first_call': JAX jit's cold first call}.  For JAX
    jit, the checked result on the benchmark inputs is the one of the timed cold first call
    (trace + lower, compile, run from empty caches), so the program is compiled once for both."""
    out: Dict[str, Any] = {"ok": True, "checks": []}
    for label, make in input_sets(w):
        args = make(np.random.default_rng(0))
        try:
            peer = peers.build(name, w.fn, w.wrt, args)
            if peer.first_call is not None and label == "benchmark inputs":
                out["first_call"], result = peer.first_call()
            else:
                result = peer.call()
            got = peer.to_numpy(result)
            out["checks"].append(dict(compare(got, w.grad(*args), f"{w.name} ({label}), {name}"), inputs=label))
        except Exception as exc:  # noqa: BLE001 - a failing peer is reported, not fatal
            out["ok"] = False
            out["error"] = f"{label}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            return out
        if label == "benchmark inputs":
            out["peer"] = peer
    return out


# ------------------------------------------------------------------ timing


def generated_only(w: Workload, args: tuple) -> Optional[Callable[[], Any]]:
    """The generated ``<f>_vjp`` called directly, as ``tl.grad`` calls it, minus the API layer.

    Uses tangent_lite internals (``api.compiled``, ``api._spec``); None if they changed shape."""
    try:
        names, _ = api.resolve_wrt(w.fn, w.wrt)
        values = api.bind_args(w.fn, args, {})
        module = api.compiled(w.fn, "vjp", names, api._spec(values))
        fn = getattr(module, module.__tl_meta__["functions"][0])
        seeds = [1.0] * module.__tl_meta__["outputs"]
        fn(*values, *seeds)
    except Exception as exc:  # noqa: BLE001 - an optional column
        print(f"  ({w.name}: cannot call the generated function directly: {type(exc).__name__}: {exc})")
        return None
    return lambda: fn(*values, *seeds)


def calibrate(fn: Callable[[], Any], min_time: float) -> tuple:
    """(loop count whose timing lasts >= min_time, that timing per call)."""
    timer = timeit.Timer(fn)
    number = 1
    while True:
        t = timer.timeit(number)
        if t >= min_time:
            return number, t / number
        number *= 2 if number < 8 else 4


def median_times(callables: Dict[str, Callable[[], Any]], repeats: int, min_time: float,
                 max_seconds: float, warm: Sequence[str] = ()) -> Dict[str, Dict[str, float]]:
    """Median seconds per call of each callable, samples interleaved (one of each per round).

    A callable stops being sampled once it has 3 samples (or ``repeats``, if fewer) and its
    samples took ``max_seconds`` in total: the slow peers would otherwise dominate the run."""
    numbers, samples, spent = {}, {}, {}
    for k, fn in callables.items():
        if k not in warm:
            fn()  # warm up (JAX eager compiles each primitive on first use)
        numbers[k], first = calibrate(fn, min_time)
        samples[k] = [first] if numbers[k] == 1 else []  # a single-call calibration is a sample already
        spent[k] = first * numbers[k]
    timers = {k: timeit.Timer(fn) for k, fn in callables.items()}
    keys = list(callables)
    floor = min(3, repeats)
    for r in range(repeats):
        for k in keys[r % len(keys):] + keys[: r % len(keys)]:  # rotate the order each round
            if len(samples[k]) >= repeats or (len(samples[k]) >= floor and spent[k] >= max_seconds):
                continue
            t = timers[k].timeit(numbers[k])
            spent[k] += t
            samples[k].append(t / numbers[k])
    return {k: {"median": statistics.median(v), "samples": len(v), "loops_per_sample": numbers[k],
                "min": min(v), "max": max(v)} for k, v in samples.items()}


# ------------------------------------------------------------------ the Numba backend


def numba_import_time() -> Optional[float]:
    """Seconds to import numba and tangent_lite's Numba helpers (once per process), None if absent."""
    from tangent_lite.backends import numba_backend

    t0 = time.perf_counter()
    ok, _why = numba_backend.available()
    if not ok:
        return None
    import tangent_lite.backends.numba_runtime  # noqa: F401

    return time.perf_counter() - t0


def numba_variant(w: Workload, args: tuple, root: str, notes: List[str]) -> Optional[Dict[str, Any]]:
    """tl.grad(backend="numba"): checked against the hand-written gradient; its first call with an
    empty cache directory (generate, rewrite, Numba compile, run) and again after clear_memory()
    with that directory warm (Numba loads the machine code from its disk cache).  numba is
    imported before (numba_import_time).  None, with a note, if it falls back to Python."""
    import warnings

    from tangent_lite.errors import BackendFallbackWarning

    saved = os.environ.get("TANGENT_LITE_CACHE_DIR")
    os.environ["TANGENT_LITE_CACHE_DIR"] = tempfile.mkdtemp(prefix=f"numba-{w.name}-", dir=root)
    try:
        firsts = {}
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always", BackendFallbackWarning)
            for state in ("cold", "warm_disk"):
                cache.clear_memory()
                grad = tl.grad(w.fn, wrt=w.wrt, backend="numba")
                t0 = time.perf_counter()
                result = grad(*args)
                firsts[state] = time.perf_counter() - t0
        fell_back = [r for r in rec if issubclass(r.category, BackendFallbackWarning)]
        if fell_back:
            why = str(fell_back[0].message).splitlines()[0]
            notes.append(f"{w.name}, tangent_lite numba: fell back to Python: {why}")
            return None
        checks = [dict(compare(result, w.grad(*args), f"{w.name}, tangent_lite numba"), inputs="benchmark inputs")]
        grad(*args)  # the module stays in memory: later calls are steady
        return {"call": lambda: grad(*args), "cold_first_call": firsts["cold"],
                "warm_disk_first_call": firsts["warm_disk"], "check": checks}
    finally:
        if saved is None:
            os.environ.pop("TANGENT_LITE_CACHE_DIR", None)
        else:
            os.environ["TANGENT_LITE_CACHE_DIR"] = saved


# ------------------------------------------------------------------ transformation


def in_process_transformation(w: Workload, args: tuple, repeats: int, root: str) -> Dict[str, float]:
    """Cold (empty cache dir, memory cleared) and warm-disk (memory cleared) first calls."""
    cold, warm, gen = [], [], []
    names, _ = api.resolve_wrt(w.fn, w.wrt)
    for _ in range(repeats):
        directory = tempfile.mkdtemp(prefix=f"cold-{w.name}-", dir=root)
        os.environ["TANGENT_LITE_CACHE_DIR"] = directory
        cache.clear_memory()
        before = cache.STATS["generated"]
        t0 = time.perf_counter()
        tl.grad(w.fn, wrt=w.wrt)(*args)
        cold.append(time.perf_counter() - t0)
        assert cache.STATS["generated"] > before, "the cold call did not generate code"
        cache.clear_memory()
        before = dict(cache.STATS)
        t0 = time.perf_counter()
        tl.grad(w.fn, wrt=w.wrt)(*args)
        warm.append(time.perf_counter() - t0)
        assert cache.STATS["disk_hits"] > before["disk_hits"] and cache.STATS["generated"] == before["generated"], \
            "the warm call did not load from disk"
        t0 = time.perf_counter()
        tl.generate(w.fn, "vjp", list(names), spec=api._spec(api.bind_args(w.fn, args, {})))
        gen.append(time.perf_counter() - t0)
    return {"cold_first_call": statistics.median(cold), "warm_disk_first_call": statistics.median(warm),
            "generate_only": statistics.median(gen)}


def fresh_process(w: Workload, repeats: int, root: str) -> Dict[str, Any]:
    """Import + first gradient in a new interpreter, with a cold then a warm disk cache."""
    out: Dict[str, Any] = {"cold": [], "warm": []}
    retries = 0
    while len(out["warm"]) < repeats:
        directory = tempfile.mkdtemp(prefix=f"proc-{w.name}-", dir=root)
        env = dict(os.environ, TANGENT_LITE_CACHE_DIR=directory, TANGENT_LITE_CACHE="1")
        pair = {}
        for state in ("cold", "warm"):  # the cold run fills the directory the warm run reads
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", CHILD, HERE, w.name], env=env, capture_output=True,
                                  text=True, check=False)
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                raise RuntimeError(f"fresh-process run of {w.name} failed:\n{proc.stderr}")
            pair[state] = json.loads(proc.stdout.strip().splitlines()[-1])
            pair[state]["wall"] = wall
        cold, warm = pair["cold"], pair["warm"]
        if cold["compiler_fingerprint"] != warm["compiler_fingerprint"] and retries < 3:
            # tangent_lite's own source changed between the two runs (it is part of the cache key)
            retries += 1
            continue
        assert cold["stats"]["generated"] >= 1, f"{w.name} cold run: cache stats {cold['stats']}"
        assert warm["stats"]["disk_hits"] >= 1 and warm["stats"]["generated"] == 0, \
            f"{w.name} warm run did not load from the disk cache: stats {warm['stats']}"
        out["cold"].append(cold)
        out["warm"].append(warm)
    summary: Dict[str, Any] = {"retries_because_compiler_changed": retries}
    for state in ("cold", "warm"):
        for field in ("import_numpy", "import_tangent_lite", "first_grad", "second_grad", "wall"):
            summary[f"{state}_{field}"] = statistics.median(r[field] for r in out[state])
    summary["runs"] = out
    return summary


# ------------------------------------------------------------------ memory


def memory(w: Workload, args: tuple) -> Dict[str, Any]:
    report = tl.memory_report(w.fn, *args, wrt=w.wrt)
    save_all = tl.memory_report(w.fn, *args, wrt=w.wrt, save_all=True)
    grad = tl.grad(w.fn, wrt=w.wrt)
    grad(*args)
    return {"tape_entries": report.tape_entries, "tape_bytes": report.tape_bytes,
            "residual_bytes": report.residual_bytes, "save_all_tape_entries": save_all.tape_entries,
            "save_all_tape_bytes": save_all.tape_bytes,
            "sites": [{"line": s.user_line, "variable": s.variable, "pushes": s.count, "bytes": s.nbytes}
                      for s in report.sites],
            "peak_traced_tangent_lite": traced_peak(lambda: grad(*args)),
            "peak_traced_hand_written": traced_peak(lambda: w.grad(*args)),
            "peak_traced_function": traced_peak(lambda: w.fn(*args)),
            "report": str(report)}


# ------------------------------------------------------------------ formatting


def fmt_us(seconds: Optional[float]) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "—"
    us = seconds * 1e6
    return f"{us:,.0f}" if us >= 100 else f"{us:.1f}"


def fmt_ms(seconds: Optional[float]) -> str:
    return "—" if seconds is None else f"{seconds * 1e3:,.1f}"


def fmt_ratio(x: Optional[float]) -> str:
    if x is None or math.isnan(x):
        return "—"
    return f"{x:,.0f}" if x >= 1000 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_bytes(n: int) -> str:
    return f"{n / 1024:,.1f} KiB" if n < 1024 ** 2 else f"{n / 1024 ** 2:,.2f} MiB"


COLUMNS = ["hand_written", "tangent_lite", "numba", "autograd", "jax_eager", "jax_jit", "jax_jit_first", "torch"]
HEADERS = {"hand_written": "hand-written", "tangent_lite": "tangent_lite", "numba": "tangent_lite numba",
           "autograd": "autograd",
           "jax_eager": "JAX eager", "jax_jit": "JAX jit (steady)", "jax_jit_first": "JAX jit first call",
           "torch": "torch eager", "generated_only": "tangent_lite generated code only"}


def print_tables(results: Dict[str, Any], transform_repeats: int) -> None:
    print("\n### Gradient time / function time (medians, measured side by side)\n")
    print("| workload | function (us) | " + " | ".join(HEADERS[c] for c in COLUMNS) + " |")
    print("|---|---:|" + "---:|" * len(COLUMNS))
    for name, r in results.items():
        q = r["ratios"]
        print(f"| {name} | {fmt_us(r['times']['function'])} | "
              + " | ".join(fmt_ratio(q.get(c)) for c in COLUMNS) + " |")

    cols = ["function", "hand_written", "tangent_lite", "generated_only", "numba", "autograd", "jax_eager", "jax_jit",
            "torch"]
    print("\n### Median time per gradient call (us)\n")
    print("| workload | " + " | ".join(HEADERS.get(c, c) for c in cols) + " | tangent_lite / hand-written |")
    print("|---|" + "---:|" * (len(cols) + 1))
    for name, r in results.items():
        t = r["times"]
        over = t["tangent_lite"] / t["hand_written"]
        print(f"| {name} | " + " | ".join(fmt_us(t.get(c)) for c in cols) + f" | {over:.2f} |")

    print_numba(results)

    jit = {n: r["jax_jit_first"] for n, r in results.items() if r.get("jax_jit_first")}
    if jit:
        print("\n### JAX jit first call from empty caches (ms)\n")
        print("| workload | jaxpr equations | trace + lower | XLA compile | first run | total | total / steady call |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, j in jit.items():
            steady = results[name]["times"].get("jax_jit")
            print(f"| {name} | {j['jaxpr_equations']:,} | {fmt_ms(j['lower'])} | {fmt_ms(j['compile'])} | "
                  f"{fmt_ms(j['run'])} | {fmt_ms(j['total'])} | "
                  f"{fmt_ratio(j['total'] / steady) if steady else '—'} |")

    if not any(r["transformation"] for r in results.values()):
        print_memory(results)
        return
    print("\n### tangent_lite transformation cost (ms)\n")
    print("| workload | in-process cold: generate + write + load + 1st grad | in-process warm disk: load + 1st grad "
          "| generate only (same specialisation) | fresh process cold: 1st grad | fresh process warm: 1st grad | "
          "fresh process: import tangent_lite | fresh process wall, cold / warm |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        tr, fp = r["transformation"], r["fresh_process"]
        if not tr:
            continue
        print(f"| {name} | {fmt_ms(tr['cold_first_call'])} | {fmt_ms(tr['warm_disk_first_call'])} "
              f"| {fmt_ms(tr['generate_only'])} | {fmt_ms(fp['cold_first_grad'])} | {fmt_ms(fp['warm_first_grad'])} "
              f"| {fmt_ms(fp['cold_import_tangent_lite'])} | {fmt_ms(fp['cold_wall'])} / {fmt_ms(fp['warm_wall'])} |")
    print("\n'1st grad' includes the gradient evaluation itself; 'generate only' is tl.generate (lower, "
          "differentiate, optimise, print).\nFresh-process numbers are medians of "
          f"{transform_repeats} run(s); 'wall' is the whole subprocess, interpreter start-up included.")

    print_memory(results)


def print_numba(results: Dict[str, Any]) -> None:
    nb = {n: r for n, r in results.items() if r.get("numba")}
    if not nb:
        return
    imp = next(iter(nb.values()))["numba"].get("import_seconds")
    print("\n### tangent_lite's Numba backend (backend=\"numba\") beside JAX jit\n")
    print("| workload | numba steady (ratio) | JAX jit steady (ratio) | numba first call, cold: generate + compile "
          "+ run (ms) | numba first call, Numba disk cache warm (ms) | JAX jit first call (ms) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in nb.items():
        q, first = r["ratios"], r.get("jax_jit_first")
        print(f"| {name} | {fmt_ratio(q.get('numba'))} | {fmt_ratio(q.get('jax_jit'))} | "
              f"{fmt_ms(r['numba']['cold_first_call'])} | {fmt_ms(r['numba']['warm_disk_first_call'])} | "
              f"{fmt_ms(first['total']) if first else '—'} |")
    print(f"\nImporting numba and tangent_lite's Numba helpers, once per process, is not in the first calls: "
          f"{fmt_ms(imp)} ms here.")


def print_memory(results: Dict[str, Any]) -> None:
    mem = {n: r["memory"] for n, r in results.items() if r.get("memory")}
    if mem:
        print("\n### Reverse-sweep memory (tl.memory_report; tracemalloc peak of one call)\n")
        print("| workload | tape pushes | tape | tape if every overwritten value were saved | other residuals "
              "| peak, tl.grad | peak, hand-written | peak, function |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, m in mem.items():
            print(f"| {name} | {m['tape_entries']:,} | {fmt_bytes(m['tape_bytes'])} | "
                  f"{fmt_bytes(m['save_all_tape_bytes'])} ({m['save_all_tape_entries']:,} pushes) | "
                  f"{fmt_bytes(m['residual_bytes'])} | {fmt_bytes(m['peak_traced_tangent_lite'])} | "
                  f"{fmt_bytes(m['peak_traced_hand_written'])} | {fmt_bytes(m['peak_traced_function'])} |")


# ------------------------------------------------------------------ main


def main(argv: List[str] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run: few repeats, short samples")
    p.add_argument("--repeats", type=int, default=None, help="timing samples per callable (default 9, quick 3)")
    p.add_argument("--min-time", type=float, default=None,
                   help="seconds per timing sample (default 0.05, quick 0.005)")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="a callable stops after 3 samples once they took this long (default 2, quick 0.3)")
    p.add_argument("--only", default=None, help="comma-separated workload names")
    p.add_argument("--peers", default=",".join(peers.PEERS),
                   help=f"comma-separated peers, or 'none' (default: {','.join(peers.PEERS)})")
    p.add_argument("--slow-jit", action="store_true", help=f"also jit {', '.join(SLOW_JIT)} (minutes)")
    p.add_argument("--no-transform", action="store_true", help="skip the transformation and fresh-process timings")
    p.add_argument("--no-numba", action="store_true", help="skip tangent_lite's Numba backend (also skipped if "
                                                           "numba is not installed)")
    p.add_argument("--out", default=DEFAULT_OUT, help="results JSON (default benchmarks/results/latest.json)")
    opts = p.parse_args(argv)
    repeats = opts.repeats or (3 if opts.quick else 9)
    min_time = opts.min_time or (0.005 if opts.quick else 0.05)
    max_seconds = opts.max_seconds or (0.3 if opts.quick else 2.0)
    transform_repeats = 1 if opts.quick else 3
    only = opts.only.split(",") if opts.only else None
    unknown = [n for n in only or [] if n not in {w.name for w in WORKLOADS}]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; known: {', '.join(w.name for w in WORKLOADS)}")
    selected = [w for w in WORKLOADS if not only or w.name in only]
    wanted = [] if opts.peers == "none" else [x for x in opts.peers.split(",") if x]
    bad = [x for x in wanted if x not in peers.PEERS]
    if bad:
        p.error(f"unknown peer(s) {bad}; known: {', '.join(peers.PEERS)}")
    notes: List[str] = []
    active = []
    for name in wanted:
        ok, info = peers.available(name)
        if ok:
            active.append(name)
        else:
            notes.append(f"{peers.LABELS[name]}: not installed, skipped ({info})")
    if "torch" in active:
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

    started = time.perf_counter()
    root = tempfile.mkdtemp(prefix="tangent_lite-bench-")
    saved_env = os.environ.get("TANGENT_LITE_CACHE_DIR")
    os.environ["TANGENT_LITE_CACHE_DIR"] = os.path.join(root, "main")
    tl.set_cache_enabled(True)
    results: Dict[str, Any] = {}
    try:
        versions = ", ".join(f"{k} {v}" for k, v in peers.versions().items())
        print(f"tangent_lite {tl.__version__}, Python {platform.python_version()}, NumPy {np.__version__}"
              f"{', ' + versions if versions else ''}; {platform.machine()}, {os.cpu_count()} cores, "
              f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}; {'quick' if opts.quick else 'full'} run: "
              f"median of {repeats} samples of >= {min_time * 1e3:g} ms each\n", flush=True)
        numba_import = None
        if not opts.no_numba and any(w.name in NUMBA_WORKLOADS for w in selected):
            numba_import = numba_import_time()
            if numba_import is None:
                notes.append("tangent_lite numba: numba is not installed, skipped (pip install -e '.[numba]')")
        for w in selected:
            t_workload = time.perf_counter()
            args = w.make_args(np.random.default_rng(0))
            checks = check(w)
            numba = None
            if w.name in NUMBA_WORKLOADS and numba_import is not None:  # first: it clears the memory cache
                numba = numba_variant(w, args, root, notes)
            grad = tl.grad(w.fn, wrt=w.wrt)
            grad(*args)  # generated and cached before timing
            callables: Dict[str, Callable[[], Any]] = {
                "function": lambda w=w, args=args: w.fn(*args),
                "tangent_lite": lambda grad=grad, args=args: grad(*args),
                "generated_only": generated_only(w, args),
                "hand_written": lambda w=w, args=args: w.grad(*args),
            }
            peer_checks: Dict[str, Any] = {}
            jit_first = None
            # JAX jit first: its cold first call clears JAX's caches, which JAX eager's warm-up then refills
            for name in sorted(active, key=lambda n: n != "jax_jit"):
                if name == "jax_jit" and w.name in SLOW_JIT and not opts.slow_jit:
                    notes.append(f"{w.name}, JAX jit: not run: {SLOW_JIT[w.name]}")
                    continue
                peer_checks[name] = check_peer(name, w)
                if not peer_checks[name]["ok"]:
                    notes.append(f"{w.name}, {peers.LABELS[name]}: left out: {peer_checks[name]['error']}")
                    continue
                callables[name] = peer_checks[name].pop("peer").call
                jit_first = peer_checks[name].pop("first_call", jit_first)
            if numba is not None:
                callables["numba"] = numba.pop("call")
                numba["import_seconds"] = numba_import
            callables = {k: v for k, v in callables.items() if v is not None}
            callables = dict(sorted(callables.items(), key=lambda kv: ORDER.index(kv[0])))
            timing = median_times(callables, repeats, min_time, max_seconds,
                                  warm=["tangent_lite", "generated_only", "numba"]
                                  + [k for k in peer_checks if k != "jax_jit"])
            times = {k: v["median"] for k, v in timing.items()}
            times.setdefault("generated_only", float("nan"))
            f_time = times["function"]
            ratios = {k: v / f_time for k, v in times.items() if k != "function"}
            if jit_first is not None:
                ratios["jax_jit_first"] = jit_first["total"] / f_time
            transform, process = {}, {}
            if not opts.no_transform:
                os.environ["TANGENT_LITE_CACHE_DIR"] = os.path.join(root, "main")
                transform = in_process_transformation(w, args, transform_repeats, root)
                process = fresh_process(w, transform_repeats, root)
                os.environ["TANGENT_LITE_CACHE_DIR"] = os.path.join(root, "main")
            mem = memory(w, args) if w.name in MEMORY_WORKLOADS else None
            results[w.name] = {"description": w.description, "check": checks, "peer_checks": peer_checks,
                               "times": times, "timing": timing, "ratios": ratios, "jax_jit_first": jit_first,
                               "transformation": transform, "fresh_process": process, "memory": mem, "numba": numba,
                               "seconds": time.perf_counter() - t_workload}
            checked = "; ".join(f"{c['inputs']}: max abs error {c['max_abs_error']:.2g} (max |grad| "
                                f"{c['max_abs_gradient']:.3g})" for c in checks)
            agreed = [peers.LABELS[k] for k, v in peer_checks.items() if v["ok"]]
            print(f"  {w.name}: tl.grad == hand-written ({checked}); "
                  f"{', '.join(agreed) if agreed else 'no peer'} agree too; "
                  f"{results[w.name]['seconds']:.1f} s", flush=True)
    finally:
        if saved_env is None:
            os.environ.pop("TANGENT_LITE_CACHE_DIR", None)
        else:
            os.environ["TANGENT_LITE_CACHE_DIR"] = saved_env
        shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - started

    print_tables(results, transform_repeats)
    if notes:
        print("\nNotes:\n" + "\n".join(f"- {n}" for n in notes))

    payload = {
        "tangent_lite": tl.__version__, "python": platform.python_version(), "numpy": np.__version__,
        "peers": peers.versions(), "peers_missing": peers.missing(), "notes": notes,
        "thread_env": {k: os.environ.get(k) for k in THREAD_ENV},
        "platform": platform.platform(), "machine": platform.machine(), "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None, "quick": opts.quick,
        "repeats": repeats, "min_time": min_time, "max_seconds": max_seconds, "transform_repeats": transform_repeats,
        "elapsed_seconds": elapsed, "workloads": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(opts.out)), exist_ok=True)
    with open(opts.out, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"\nresults: {os.path.relpath(opts.out)}  (total {elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
