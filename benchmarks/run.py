"""tangent_lite benchmarks: gradient cost relative to the function, vs hand-written gradients.

    .venv/bin/python benchmarks/run.py            # full run (`make bench`), well under 2 minutes
    .venv/bin/python benchmarks/run.py --quick    # smoke run, a few seconds

For every workload in ``workloads.py`` it

1. checks that ``tl.grad`` agrees with the hand-written gradient (``np.allclose``), on the
   benchmark inputs and, where given, on smaller inputs whose gradient is far from zero;
2. times, interleaved in one run, the function, tangent_lite's gradient (``tl.grad(f, wrt)``
   called as a user would, API overhead included), the generated gradient function called
   directly (no API: the cost of the generated code alone), and the hand-written gradient.
   Each sample is a ``timeit`` loop of at least ``--min-time`` seconds; the reported number
   is the median over ``--repeats`` samples, per call;
3. times the transformation: in this process after ``tangent_lite.cache.clear_memory()``
   with a fresh, empty cache directory (cold: lower, differentiate, write, load, first call),
   then again after ``clear_memory()`` with that directory warm (disk hit); and in a fresh
   Python process (subprocess), the time to import tangent_lite and get the first gradient
   with a cold and with a warm disk cache.

Markdown tables go to stdout, everything to ``benchmarks/results/latest.json``.  Generated
files go to a temporary ``TANGENT_LITE_CACHE_DIR``, never into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any, Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
from workloads import WORKLOADS, Workload  # noqa: E402

import tangent_lite as tl  # noqa: E402
from tangent_lite import api, cache  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "results", "latest.json")

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


# ------------------------------------------------------------------ helpers


def check(w: Workload, rng: np.random.Generator) -> List[Dict[str, Any]]:
    """tl.grad vs the hand-written gradient; raises AssertionError on disagreement."""
    report = []
    makers = [("benchmark inputs", w.make_args)] + ([("check inputs", w.check_args)] if w.check_args else [])
    for label, make in makers:
        args = make(rng)
        ours = tl.grad(w.fn, wrt=w.wrt)(*args)  # wrt is a tuple: a tuple comes back
        assert isinstance(ours, tuple) and len(ours) == len(w.wrt), type(ours)
        hand = w.grad(*args)
        errors = []
        for a, b in zip(ours, hand):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            assert a.shape == b.shape, f"{w.name} ({label}): shape {a.shape} != {b.shape}"
            assert np.allclose(a, b, rtol=1e-7, atol=1e-12), \
                f"{w.name} ({label}): tl.grad differs from the hand-written gradient, max error " \
                f"{np.max(np.abs(a - b)):.3g}"
            errors.append(float(np.max(np.abs(a - b))) if a.size else 0.0)
        report.append({"inputs": label, "max_abs_error": max(errors),
                       "max_abs_gradient": max(float(np.max(np.abs(np.asarray(b)))) for b in hand)})
    return report


def generated_only(w: Workload, args: tuple) -> Optional[Callable[[], Any]]:
    """The generated ``<f>_vjp`` called directly, as ``tl.grad`` calls it, minus the API layer.

    Uses tangent_lite internals (``api.compiled``); None if they changed shape."""
    try:
        names, _ = api.resolve_wrt(w.fn, w.wrt)
        module = api.compiled(w.fn, "vjp", names)
        fn = getattr(module, module.__tl_meta__["functions"][0])
        seeds = [1.0] * module.__tl_meta__["outputs"]
        values = api.bind_args(w.fn, args, {})
        fn(*values, *seeds)
    except Exception as exc:  # noqa: BLE001 - an optional column
        print(f"  ({w.name}: cannot call the generated function directly: {type(exc).__name__}: {exc})")
        return None
    return lambda: fn(*values, *seeds)


def calibrate(fn: Callable[[], Any], min_time: float) -> int:
    timer = timeit.Timer(fn)
    number = 1
    while True:
        if timer.timeit(number) >= min_time:
            return number
        number *= 2 if number < 8 else 4


def median_times(callables: Dict[str, Callable[[], Any]], repeats: int, min_time: float) -> Dict[str, float]:
    """Median seconds per call of each callable, samples interleaved (one of each per round)."""
    numbers = {k: calibrate(fn, min_time) for k, fn in callables.items()}
    timers = {k: timeit.Timer(fn) for k, fn in callables.items()}
    samples: Dict[str, List[float]] = {k: [] for k in callables}
    keys = list(callables)
    for r in range(repeats):
        for k in keys[r % len(keys):] + keys[: r % len(keys)]:  # rotate the order each round
            samples[k].append(timers[k].timeit(numbers[k]) / numbers[k])
    return {k: statistics.median(v) for k, v in samples.items()}


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
        assert cache.STATS["generated"] == before + 1, "the cold call did not generate code"
        cache.clear_memory()
        before = cache.STATS["disk_hits"]
        t0 = time.perf_counter()
        tl.grad(w.fn, wrt=w.wrt)(*args)
        warm.append(time.perf_counter() - t0)
        assert cache.STATS["disk_hits"] == before + 1, "the warm call did not load from disk"
        t0 = time.perf_counter()
        tl.generate(w.fn, "vjp", list(names))
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
        assert cold["stats"]["generated"] == 1, f"{w.name} cold run: cache stats {cold['stats']}"
        assert warm["stats"]["disk_hits"] == 1 and warm["stats"]["generated"] == 0, \
            f"{w.name} warm run did not load from the disk cache: stats {warm['stats']}"
        out["cold"].append(cold)
        out["warm"].append(warm)
    summary: Dict[str, Any] = {"retries_because_compiler_changed": retries}
    for state in ("cold", "warm"):
        for field in ("import_numpy", "import_tangent_lite", "first_grad", "second_grad", "wall"):
            summary[f"{state}_{field}"] = statistics.median(r[field] for r in out[state])
    summary["runs"] = out
    return summary


def fmt_us(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:,.0f}" if us >= 100 else f"{us:.1f}"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}"


# ------------------------------------------------------------------ main


def main(argv: List[str] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run: few repeats, short samples")
    p.add_argument("--repeats", type=int, default=None, help="timing samples per callable (default 9, quick 3)")
    p.add_argument("--min-time", type=float, default=None,
                   help="seconds per timing sample (default 0.05, quick 0.005)")
    p.add_argument("--only", default=None, help="comma-separated workload names")
    p.add_argument("--out", default=DEFAULT_OUT, help="results JSON (default benchmarks/results/latest.json)")
    opts = p.parse_args(argv)
    repeats = opts.repeats or (3 if opts.quick else 9)
    min_time = opts.min_time or (0.005 if opts.quick else 0.05)
    transform_repeats = 1 if opts.quick else 3
    selected = [w for w in WORKLOADS if not opts.only or w.name in opts.only.split(",")]

    started = time.perf_counter()
    root = tempfile.mkdtemp(prefix="tangent_lite-bench-")
    saved_env = os.environ.get("TANGENT_LITE_CACHE_DIR")
    os.environ["TANGENT_LITE_CACHE_DIR"] = os.path.join(root, "main")
    tl.set_cache_enabled(True)
    results: Dict[str, Any] = {}
    try:
        print(f"tangent_lite {tl.__version__}, Python {platform.python_version()}, NumPy {np.__version__}, "
              f"{platform.machine()}; {'quick' if opts.quick else 'full'} run: median of {repeats} samples "
              f"of >= {min_time * 1e3:g} ms each\n")
        for w in selected:
            rng = np.random.default_rng(0)
            args = w.make_args(np.random.default_rng(0))
            checks = check(w, rng)
            grad = tl.grad(w.fn, wrt=w.wrt)
            grad(*args)  # generated and cached before timing
            callables = {
                "function": lambda w=w, args=args: w.fn(*args),
                "tangent_lite": lambda grad=grad, args=args: grad(*args),
                "generated_only": generated_only(w, args),
                "hand_written": lambda w=w, args=args: w.grad(*args),
            }
            callables = {k: v for k, v in callables.items() if v is not None}
            times = median_times(callables, repeats, min_time)
            times.setdefault("generated_only", float("nan"))
            os.environ["TANGENT_LITE_CACHE_DIR"] = os.path.join(root, "main")
            transform = in_process_transformation(w, args, transform_repeats, root)
            process = fresh_process(w, transform_repeats, root)
            os.environ["TANGENT_LITE_CACHE_DIR"] = os.path.join(root, "main")
            results[w.name] = {"description": w.description, "check": checks, "times": times,
                               "ratios": {"tangent_lite": times["tangent_lite"] / times["function"],
                                          "generated_only": times["generated_only"] / times["function"],
                                          "hand_written": times["hand_written"] / times["function"],
                                          "tangent_lite_over_hand": times["tangent_lite"] / times["hand_written"]},
                               "transformation": transform, "fresh_process": process}
            checked = "; ".join(f"{c['inputs']}: max abs error {c['max_abs_error']:.2g} (max |grad| "
                                f"{c['max_abs_gradient']:.3g})" for c in checks)
            print(f"  {w.name}: tl.grad == hand-written ({checked}); timed", flush=True)
    finally:
        if saved_env is None:
            os.environ.pop("TANGENT_LITE_CACHE_DIR", None)
        else:
            os.environ["TANGENT_LITE_CACHE_DIR"] = saved_env
        shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - started

    print("\n### Gradient cost (median time per call; ratio = gradient time / function time)\n")
    print("| workload | function (us) | tangent_lite grad (us) | generated code only (us) | hand-written (us) "
          "| tangent_lite / f | generated only / f | hand-written / f | tangent_lite / hand |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        t, q = r["times"], r["ratios"]
        print(f"| {name} | {fmt_us(t['function'])} | {fmt_us(t['tangent_lite'])} | {fmt_us(t['generated_only'])} "
              f"| {fmt_us(t['hand_written'])} | {q['tangent_lite']:.2f} | {q['generated_only']:.2f} "
              f"| {q['hand_written']:.2f} | {q['tangent_lite_over_hand']:.2f} |")
    print("\n### Transformation cost (ms)\n")
    print("| workload | in-process cold: generate + write + load + 1st grad | in-process warm disk: load + 1st grad "
          "| generate only | fresh process cold: 1st grad | fresh process warm: 1st grad | "
          "fresh process: import tangent_lite | fresh process wall, cold / warm |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        tr, fp = r["transformation"], r["fresh_process"]
        print(f"| {name} | {fmt_ms(tr['cold_first_call'])} | {fmt_ms(tr['warm_disk_first_call'])} "
              f"| {fmt_ms(tr['generate_only'])} | {fmt_ms(fp['cold_first_grad'])} | {fmt_ms(fp['warm_first_grad'])} "
              f"| {fmt_ms(fp['cold_import_tangent_lite'])} | {fmt_ms(fp['cold_wall'])} / {fmt_ms(fp['warm_wall'])} |")
    print("\n'1st grad' includes the gradient evaluation itself; 'generate only' is tl.generate (lower, "
          "differentiate, optimise, print).\nFresh-process numbers are medians of "
          f"{transform_repeats} run(s); 'wall' is the whole subprocess, interpreter start-up included.")

    payload = {
        "tangent_lite": tl.__version__, "python": platform.python_version(), "numpy": np.__version__,
        "platform": platform.platform(), "machine": platform.machine(), "quick": opts.quick,
        "repeats": repeats, "min_time": min_time, "transform_repeats": transform_repeats,
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
