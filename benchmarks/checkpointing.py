"""Binomial checkpointing (``tl.checkpointed``): memory and time of a 1,000-step RNN gradient.

    .venv/bin/python benchmarks/checkpointing.py            # 1,000 steps, k = 10, 32, 100 (about a minute)
    .venv/bin/python benchmarks/checkpointing.py --quick    # 200 steps, fewer repeats
    .venv/bin/python benchmarks/checkpointing.py --steps 2000 --snapshots 5,20,50

The same tanh RNN is written twice: ``rnn_plain`` loops over ``range(n)``, ``rnn_checkpointed``
over ``tl.checkpointed(range(n), snapshots=k)``.  The plain reverse mode keeps every step's
intermediate values on its tape; the checkpointed one keeps ``k`` snapshots of the loop state
(here ``h`` and ``loss``) and recomputes the steps in between (Griewank and Walther's revolve
schedule).  For no checkpointing and each ``k`` this prints

- the peak memory of the gradient call alone (``tracemalloc``: started just before the
  ``tl.grad`` call, after the inputs exist and the derivative is generated and loaded);
- the gradient's time (median of ``--repeats`` calls, tracemalloc off);
- the number of step evaluations without tape (``record.advances``: the forward sweep's up to
  its last snapshot, and the reverse sweep's recomputations) against the optimum
  ``tangent_lite.runtime.checkpoint_cost(n, k)``, the taped
  step evaluations (``record.taped``, one per step) and the most snapshots held at once
  (``record.peak_snapshots``), read by wrapping ``tangent_lite.runtime.checkpoint_reverse``;
- the largest difference from the plain gradient, which must be rounding only (asserted).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List

import numpy as np
from measure import traced_peak

import tangent_lite as tl
from tangent_lite import runtime

HERE = os.path.dirname(os.path.abspath(__file__))


def rnn_plain(W, U, b, h0, xs, k):
    h = h0
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(h @ W + xs[t] @ U + b)
        loss = loss + np.sum(h * h)
    return loss


def rnn_checkpointed(W, U, b, h0, xs, k):
    h = h0
    loss = 0.0
    for t in tl.checkpointed(range(xs.shape[0]), snapshots=k):
        h = np.tanh(h @ W + xs[t] @ U + b)
        loss = loss + np.sum(h * h)
    return loss


WRT = (0, 1, 2)


def make_args(steps: int, hidden: int, batch: int, n_in: int, rng: np.random.Generator) -> tuple:
    return (rng.normal(scale=0.9 / np.sqrt(hidden), size=(hidden, hidden)),
            rng.normal(scale=0.5 / np.sqrt(n_in), size=(n_in, hidden)), rng.normal(scale=0.1, size=hidden),
            np.zeros((batch, hidden)), rng.normal(size=(steps, batch, n_in)))


class Spy:
    """Wraps runtime.checkpoint_reverse (which generated code calls as _tl.checkpoint_reverse)
    to keep the CheckpointRecord of each call."""

    def __init__(self) -> None:
        self.records: List[Any] = []
        self.original = runtime.checkpoint_reverse

    def __enter__(self) -> Spy:
        def spy(rec: Any, *args: Any) -> Any:
            out = self.original(rec, *args)
            self.records.append(rec)
            return out

        runtime.checkpoint_reverse = spy
        return self

    def __exit__(self, *exc: Any) -> None:
        runtime.checkpoint_reverse = self.original


def forward_tail(steps: int, k: int) -> int:
    """Steps the forward sweep runs past its last snapshot to reach the loop's result: not in
    record.advances nor in checkpoint_cost (as in runtime.checkpoint_forward)."""
    a, s = 0, k
    while steps - a > 1 and s > 0:
        a, s = a + runtime.binomial_split(steps - a, s), s - 1
    return steps - a


def median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fmt_mib(n: float) -> str:
    return f"{n / 2 ** 20:.2f}"


def main(argv: List[str] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=None, help="loop length (default 1000, quick 200)")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--inputs", type=int, default=16)
    p.add_argument("--snapshots", default="10,32,100", help="comma-separated k values")
    p.add_argument("--repeats", type=int, default=None, help="timed calls per variant (default 7, quick 3)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", default=os.path.join(HERE, "results", "checkpointing.json"))
    opts = p.parse_args(argv)
    steps = opts.steps or (200 if opts.quick else 1000)
    repeats = opts.repeats or (3 if opts.quick else 7)
    ks = [int(k) for k in opts.snapshots.split(",") if k]

    os.environ.setdefault("TANGENT_LITE_CACHE_DIR", tempfile.mkdtemp(prefix="tangent_lite-ckpt-"))
    args = make_args(steps, opts.hidden, opts.batch, opts.inputs, np.random.default_rng(0))
    W, U, b, h0, xs = args
    print(f"tanh RNN, {steps} steps, hidden {opts.hidden}, batch {opts.batch}, input {opts.inputs}; "
          f"gradient wrt W, U, b; state per step h: {h0.nbytes:,} bytes; Python {platform.python_version()}, "
          f"NumPy {np.__version__}, tangent_lite {tl.__version__}\n", flush=True)

    plain = tl.grad(rnn_plain, wrt=WRT)
    ref = plain(*args, 0)  # generate and load before measuring
    tape = tl.memory_report(rnn_plain, *args, 0, wrt=WRT)
    rows: List[Dict[str, Any]] = [{
        "variant": "no checkpointing (plain loop)", "k": None,
        "peak_bytes": traced_peak(lambda: plain(*args, 0)),
        "seconds": median_seconds(lambda: plain(*args, 0), repeats),
        "tape_bytes": tape.tape_bytes, "tape_entries": tape.tape_entries,
        "advances": 0, "optimum": 0, "taped": steps, "forward_tail": 0, "peak_snapshots": None,
        "max_rel_diff": 0.0}]
    ck = tl.grad(rnn_checkpointed, wrt=WRT)
    for k in ks:
        with Spy() as spy:
            got = ck(*args, k)
        (rec,) = spy.records
        diffs = [float(np.max(np.abs(g - r)) / np.max(np.abs(r))) for g, r in zip(got, ref)]
        assert max(diffs) < 1e-12, f"k={k}: checkpointed gradient differs from the plain one: {diffs}"
        optimum = runtime.checkpoint_cost(steps, k)
        assert rec.advances == optimum, (rec.advances, optimum)
        rows.append({"variant": "tl.checkpointed", "k": k, "peak_bytes": traced_peak(lambda k=k: ck(*args, k)),
                     "seconds": median_seconds(lambda k=k: ck(*args, k), repeats),
                     "advances": rec.advances, "optimum": optimum, "taped": rec.taped,
                     "forward_tail": forward_tail(steps, k),
                     "peak_snapshots": rec.peak_snapshots, "max_rel_diff": max(diffs)})
        print(f"  k = {k}: gradient equals the plain one (max relative difference {max(diffs):.1e})", flush=True)

    base = rows[0]
    print(f"\n| variant | snapshots k | peak memory of the gradient call (MiB) | vs plain | gradient time (ms) "
          f"| vs plain | step recomputations (record.advances) | optimum checkpoint_cost({steps}, k) "
          f"| recomputations / steps | taped steps | peak snapshots | max relative difference from plain |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        k = "—" if r["k"] is None else str(r["k"])
        snaps = "—" if r["peak_snapshots"] is None else str(r["peak_snapshots"])
        print(f"| {r['variant']} | {k} | {fmt_mib(r['peak_bytes'])} | {r['peak_bytes'] / base['peak_bytes']:.2f} "
              f"| {r['seconds'] * 1e3:.1f} | {r['seconds'] / base['seconds']:.2f} | {r['advances']:,} "
              f"| {r['optimum']:,} | {r['advances'] / steps:.2f} | {r['taped']:,} | {snaps} "
              f"| {r['max_rel_diff']:.1e} |")
    tails = ", ".join(f"{r['forward_tail']} for k = {r['k']}" for r in rows[1:])
    print(f"\nThe plain loop's tape (tl.memory_report): {tape.tape_entries:,} pushes, {fmt_mib(tape.tape_bytes)} MiB.\n"
          f"record.advances counts the step evaluations without tape that the schedule's cost model counts: the "
          f"forward sweep's steps up to its last snapshot and every recomputation in the reverse sweep.  The forward "
          f"sweep also runs the few steps past its last snapshot to compute the loop's result ({tails}), which "
          f"neither record.advances nor checkpoint_cost counts.  The plain loop evaluates each step once, with "
          f"tape.  Times are medians of {repeats} calls.")

    os.makedirs(os.path.dirname(os.path.abspath(opts.out)), exist_ok=True)
    with open(opts.out, "w", encoding="utf-8") as f:
        json.dump({"steps": steps, "hidden": opts.hidden, "batch": opts.batch, "inputs": opts.inputs,
                   "repeats": repeats, "rows": rows, "python": platform.python_version(),
                   "numpy": np.__version__, "tangent_lite": tl.__version__}, f, indent=2)
        f.write("\n")
    print(f"\nresults: {os.path.relpath(opts.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
