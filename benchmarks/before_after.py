"""Gradient time of two tangent_lite trees, measured side by side in one run (NumPy inputs).

    .venv/bin/python benchmarks/before_after.py --before /tmp/old_tree --after .
    git worktree add /tmp/tl_before <commit>   # any commit as the "before" tree
    .venv/bin/python benchmarks/before_after.py --before /tmp/tl_before --rounds 8 --only mlp,rnn

Each round runs one fresh subprocess per tree (``PYTHONPATH`` set to that tree, so it imports
that tree's ``tangent_lite``), alternating the order (A, B, then B, A, ...). A child times
``tl.grad(f, wrt)(*args)`` for every workload of ``benchmarks/workloads.py`` (this file's
copy, the same functions and inputs for both trees), after a first call that generates the
derivative; each time is the median of ``--repeats`` ``timeit`` samples of at least
``--min-time`` seconds (garbage collection off), the function itself timed alongside. The
gradient is checked against the hand-written one in each child.

The machine may be shared: interleaving the trees makes their ratio fair even when the load
changes during the run (both see the same load, round by round), and the load average is
recorded before every child. Each callable is timed by the wall clock and by the process's CPU
time (``time.process_time``: the time waiting for a shared CPU is not counted); the table uses the
smallest of a child's CPU-time samples (the least disturbed). Reported per workload: the median
over rounds of each tree's time, and the median over rounds of the paired ratio after/before
(< 1: faster after), by CPU time and by the wall clock, and the minor page faults per gradient
call. ``--keep-memory`` runs the children with glibc's malloc keeping freed memory
(``benchmarks/page_faults.py``): then the heap's state, which differs between two trees for
reasons that have nothing to do with the gradient's code, cannot make one tree pay for fresh pages.
Results go to ``benchmarks/results/before_after.json`` (``--out``).
"""

from __future__ import annotations

import os

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")  # single-threaded, as run.py

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any, Dict, List  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "before_after.json")
# glibc's malloc keeps freed memory (page_faults.py): no call pays for fresh pages, whatever the heap's state
KEEP_MEMORY = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(1 << 25)}


def child(only: List[str], repeats: int, min_time: float) -> Dict[str, Any]:
    """In a subprocess: the median seconds per call of tl.grad and of the function, per workload."""
    import resource
    import timeit

    import numpy as np

    sys.path.insert(0, HERE)
    import workloads

    import tangent_lite as tl

    out: Dict[str, Any] = {"tangent_lite": os.path.dirname(tl.__file__), "workloads": {}}
    for w in workloads.WORKLOADS:
        if only and w.name not in only:
            continue
        args = w.make_args(np.random.default_rng(0))
        grad = tl.grad(w.fn, wrt=w.wrt)
        ours = grad(*args)
        ours = ours if isinstance(ours, tuple) else (ours,)
        hand = w.grad(*args)
        ok = all(np.allclose(a, b, rtol=1e-7, atol=0) for a, b in zip(ours, hand))
        times = {}
        for label, fn in (("grad", functools.partial(grad, *args)), ("function", functools.partial(w.fn, *args))):
            for clock, timer in (("", timeit.Timer(fn)), ("_cpu", timeit.Timer(fn, timer=time.process_time))):
                number = 1
                while timer.timeit(number) < min_time:
                    number *= 2 if number < 8 else 4
                samples = [timer.timeit(number) / number for _ in range(repeats)]
                times[label + clock] = statistics.median(samples)
                times[label + clock + "_min"] = min(samples)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(20):
            grad(*args)
        faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
        out["workloads"][w.name] = {"ok": bool(ok), "grad_page_faults": faults, **times}
    return out


def run_child(tree: str, args: argparse.Namespace, cache_dir: str) -> Dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(tree), TANGENT_LITE_CACHE_DIR=cache_dir,
               **(KEEP_MEMORY if args.keep_memory else {}))
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--repeats", str(args.repeats),
           "--min-time", str(args.min_time)] + (["--only", args.only] if args.only else [])
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode:
        raise SystemExit(f"the child for {tree} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def git_head(tree: str) -> str:
    try:
        return subprocess.run(["git", "-C", tree, "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True, check=True).stdout.strip()[:100]
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv: List[str] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", help="the tree measured as 'before' (a git worktree of the old commit)")
    p.add_argument("--after", default=os.path.dirname(HERE), help="the tree measured as 'after' (default: this one)")
    p.add_argument("--rounds", type=int, default=6, help="subprocess pairs (default 6)")
    p.add_argument("--repeats", type=int, default=5, help="timing samples per callable in a child (default 5)")
    p.add_argument("--min-time", type=float, default=0.05, help="seconds per timing sample (default 0.05)")
    p.add_argument("--only", default=None, help="comma-separated workload names")
    p.add_argument("--keep-memory", action="store_true",
                   help="children keep freed memory (glibc MALLOC_*_THRESHOLD_): no page faults from the heap's state")
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    only = [s for s in (a.only or "").split(",") if s]
    if a.child:
        print(json.dumps(child(only, a.repeats, a.min_time)))
        return 0
    if not a.before:
        p.error("--before is required")
    trees = {"before": a.before, "after": a.after}
    caches = {k: tempfile.mkdtemp(prefix=f"tl_bench_{k}_") for k in trees}
    runs: Dict[str, List[Dict[str, Any]]] = {k: [] for k in trees}
    loads = []
    try:
        for r in range(a.rounds):
            for k in (("before", "after") if r % 2 == 0 else ("after", "before")):
                load = os.getloadavg()
                loads.append(load)
                result = run_child(trees[k], a, caches[k])
                result["loadavg"] = load
                runs[k].append(result)
                print(f"round {r + 1}/{a.rounds} {k:6s} load {load[0]:.1f}", file=sys.stderr)
    finally:
        for d in caches.values():
            shutil.rmtree(d, ignore_errors=True)
    rows = {}
    for name in runs["after"][0]["workloads"]:
        per = {k: [run["workloads"][name] for run in runs[k]] for k in trees}
        if not all(x["ok"] for k in trees for x in per[k]):
            raise SystemExit(f"{name}: a gradient disagrees with the hand-written one")
        grad = {k: statistics.median(x["grad_cpu_min"] for x in per[k]) for k in trees}
        fn = {k: statistics.median(x["function_cpu_min"] for x in per[k]) for k in trees}
        paired = [b["grad_cpu_min"] / a_["grad_cpu_min"] for a_, b in zip(per["before"], per["after"])]
        faults = {k: statistics.median(x["grad_page_faults"] for x in per[k]) for k in trees}
        wall = [b["grad"] / a_["grad"] for a_, b in zip(per["before"], per["after"])]
        rows[name] = {"grad_before": grad["before"], "grad_after": grad["after"],
                      "function_before": fn["before"], "function_after": fn["after"],
                      "ratio_after_before": statistics.median(paired), "paired_ratios": paired,
                      "wall_ratio_after_before": statistics.median(wall),
                      "page_faults_before": faults["before"], "page_faults_after": faults["after"]}
    result = {"before": {"tree": a.before, "commit": git_head(a.before)},
              "after": {"tree": a.after, "commit": git_head(a.after)},
              "settings": {"rounds": a.rounds, "repeats": a.repeats, "min_time": a.min_time,
                           "keep_memory": a.keep_memory},
              "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "loadavg_min": min(x[0] for x in loads), "loadavg_max": max(x[0] for x in loads)},
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "workloads": rows, "runs": runs}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"before: {result['before']['commit']}\nafter:  {result['after']['commit']}")
    print(f"load average (1 min) during the run: {result['machine']['loadavg_min']:.1f} to "
          f"{result['machine']['loadavg_max']:.1f} on {os.cpu_count()} CPUs\n")
    print("| workload | tl.grad before (CPU) | tl.grad after (CPU) | after / before | range over rounds | "
          "after / before (wall clock) | page faults per gradient (before, after) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, row in rows.items():
        print(f"| `{name}` | {row['grad_before'] * 1e3:.3f} ms | {row['grad_after'] * 1e3:.3f} ms | "
              f"{row['ratio_after_before']:.2f} | {min(row['paired_ratios']):.2f} to {max(row['paired_ratios']):.2f} | "
              f"{row['wall_ratio_after_before']:.2f} | "
              f"{row['page_faults_before']:.0f}, {row['page_faults_after']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
