"""Gradients out of core: least squares and logistic regression on Dask data larger than the memory allowed.

    .venv/bin/python benchmarks/out_of_core.py            # 0.125 GB .. 8 GB (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/out_of_core.py --quick    # 16 and 64 MB, a smoke run (writes to $TMPDIR)
    .venv/bin/python benchmarks/out_of_core.py --sizes 0.5,2 --numpy-up-to 1 --steps 2

The models are written with plain ``np.*``; nothing in them knows about Dask::

    def logistic(w, X, y):
        return np.mean(np.logaddexp(0, -y * (X @ w)))

For each size the data ``X`` (``n x 100`` float64) and the targets are generated lazily by
``dask.array.random`` in chunks of 64 MB (a fixed seed, so every pass sees the same numbers),
and never stored: each pass over the data regenerates its chunks on the workers.  A
``dask.distributed.LocalCluster`` of 2 worker processes, 1 thread and ``--memory-limit`` (1 GiB)
each runs full-batch gradient descent: each step is ::

    v, g = tl.value_and_grad(model)(w, X, y)     # lazy Dask value and gradient (w is NumPy)
    v, g = dask.compute(v, g)                    # one pass over the data
    w = w - lr * g

Measured per size:

- ``data pass``: one pass that only generates the data and sums it (what reading the data
  costs here; the gradient's own cost is the difference);
- each model's time per gradient step on the cluster (median of ``--steps``; the first call,
  which generates the derivative, is timed apart as ``first_call_s``);
- each worker's peak resident memory during the model's steps: a thread in each worker process
  samples the process's RSS (``psutil``) every 2 ms and keeps the largest, reset before each
  model; each worker also reports the kernel's ``ru_maxrss`` (the exact peak RSS since the worker
  started, over every size so far: a check on the sampler) and the bytes it spilled to disk
  (``SpillBuffer.spilled_total``, since it started);
- for sizes up to ``--numpy-up-to`` GB, the same data computed into NumPy arrays in this
  process, and the in-memory baselines side by side: ``tl.value_and_grad`` on the NumPy arrays
  and a hand-written NumPy value and gradient; the NumPy iterates must equal the Dask ones
  (asserted, relative 1e-9: chunked sums add in another order).

Writes ``benchmarks/out_of_core_results.json`` (``--out``) and ``docs/arrays-out-of-core.png``
(``--png``; needs matplotlib, the ``examples`` extra).  Needs the ``dask`` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

import tangent_lite as tl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FEATURES = 100
CHUNK_BYTES = 64 * 10**6
GB = 10**9


# ---- the models, as a user writes them (plain np.*) and their gradients by hand --------------------

def least_squares(w, X, y):
    r = X @ w - y
    return np.mean(r * r)


def logistic(w, X, y):
    return np.mean(np.logaddexp(0, -y * (X @ w)))


def least_squares_by_hand(w, X, y):
    r = X @ w - y
    return np.mean(r * r), X.T @ r * (2.0 / X.shape[0])


def logistic_by_hand(w, X, y):
    margin = -y * (X @ w)
    sigma = 0.5 * (1.0 + np.tanh(0.5 * margin))     # 1 / (1 + exp(-margin)), without overflow
    return np.mean(np.logaddexp(0, margin)), X.T @ (-y * sigma) / X.shape[0]


# name: (model, hand-written value and gradient, learning rate, which target it fits)
MODELS: Dict[str, Tuple[Callable, Callable, float, str]] = {
    "least_squares": (least_squares, least_squares_by_hand, 0.25, "y_real"),
    "logistic": (logistic, logistic_by_hand, 1.0, "y_sign"),
}


# ---- data -------------------------------------------------------------------------------------------

def make_data(n_rows: int, seed: int = 0, features: int = FEATURES, chunk_rows: Optional[int] = None) -> Dict[str, Any]:
    """Lazy Dask data: X (n_rows x features), a real target and a +-1 label from a hidden linear model."""
    import dask.array as da

    if chunk_rows is None:
        chunk_rows = max(1, CHUNK_BYTES // (8 * features))
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((n_rows, features), chunks=(chunk_rows, features))
    noise = rng.standard_normal(n_rows, chunks=chunk_rows)
    w_true = np.random.default_rng(seed + 1).standard_normal(features) / np.sqrt(features)
    y_real = X @ w_true + 0.5 * noise
    return {"X": X, "y_real": y_real, "y_sign": np.sign(y_real)}


def rows_for(size_gb: float, features: int = FEATURES) -> int:
    """Rows such that X and one target together take size_gb * 10**9 bytes."""
    return int(size_gb * GB // (8 * (features + 1)))


# ---- gradient descent ---------------------------------------------------------------------------------

def gradient_descent(model: Callable, w0: np.ndarray, X, y, steps: int, lr: float,
                     value_and_grad: Optional[Callable] = None) -> Dict[str, Any]:
    """`steps` full-batch steps; each evaluates value and gradient together in one pass over the data."""
    import dask

    vg = value_and_grad or tl.value_and_grad(model)
    w = np.array(w0, dtype=float)
    iterates, values, seconds, kinds = [w], [], [], []
    for _ in range(steps):
        start = time.perf_counter()
        v, g = vg(w, X, y)
        kinds.append((type(v).__module__.split(".")[0], type(g).__module__.split(".")[0]))
        v, g = dask.compute(v, g)
        seconds.append(time.perf_counter() - start)
        values.append(float(v))
        w = w - lr * np.asarray(g)
        iterates.append(w)
    return {"iterates": iterates, "values": values, "seconds": seconds, "kinds": kinds}


# ---- the cluster and its memory ------------------------------------------------------------------------

def start_cluster(workers: int, memory_limit: str, processes: bool = True):
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, memory_limit=memory_limit,
                           processes=processes, dashboard_address=":0", silence_logs=40)
    return cluster, Client(cluster)


class PeakSampler:
    """A thread in a worker process that samples the process's resident memory every 2 ms and keeps the largest."""

    def __init__(self, interval: float = 0.002):
        import psutil

        self.process, self.interval, self.peak = psutil.Process(), interval, 0
        thread = threading.Thread(target=self._run, daemon=True, name="peak-rss-sampler")
        thread.start()

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def reset(self) -> None:
        self.peak = self.process.memory_info().rss


def _start_sampler(dask_worker) -> None:
    if not hasattr(dask_worker, "_peak_sampler"):
        dask_worker._peak_sampler = PeakSampler()


def _reset_sampler(dask_worker) -> None:
    dask_worker._peak_sampler.reset()


def _worker_memory(dask_worker) -> Dict[str, int]:
    spilled = getattr(dask_worker.data, "spilled_total", None)
    return {"peak_rss": dask_worker._peak_sampler.peak,
            "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "spilled_to_disk": int(spilled.disk) if spilled is not None else 0,
            "memory_limit": int(dask_worker.memory_manager.memory_limit or 0)}


def reset_peaks(client) -> None:
    client.run(_start_sampler)
    client.run(_reset_sampler)


def worker_memory(client) -> List[Dict[str, int]]:
    """Per worker: sampled peak RSS since the last reset_peaks, the kernel's ru_maxrss since it started,
    bytes spilled to disk since it started, and its memory limit."""
    client.run(_start_sampler)
    return [v for _, v in sorted(client.run(_worker_memory).items())]


# ---- one size ------------------------------------------------------------------------------------------

def median(xs: List[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def run_size(client, size_gb: float, steps: int, numpy_baseline: bool, seed: int,
             chunk_rows: Optional[int] = None) -> Dict[str, Any]:
    """Gradient descent with each model on size_gb of lazy data; with numpy_baseline, the same in memory."""
    import dask

    n = rows_for(size_gb)
    data = make_data(n, seed, chunk_rows=chunk_rows)
    X = data["X"]
    row: Dict[str, Any] = {"size_gb": size_gb, "rows": n, "features": FEATURES,
                           "bytes": int(X.nbytes + data["y_real"].nbytes),
                           "chunks": X.numblocks[0], "chunk_bytes": int(X.chunks[0][0] * FEATURES * 8), "models": {}}
    start = time.perf_counter()
    dask.compute(X.sum(axis=0), data["y_real"].sum(), data["y_sign"].sum())
    row["data_pass_s"] = time.perf_counter() - start
    local = None
    if numpy_baseline:
        start = time.perf_counter()
        local = dict(zip(("X", "y_real", "y_sign"),
                         dask.compute(X, data["y_real"], data["y_sign"], scheduler="threads")))
        row["numpy_materialise_s"] = time.perf_counter() - start
    w0 = np.zeros(FEATURES)
    for name, (model, by_hand, lr, target) in MODELS.items():
        reset_peaks(client)
        vg = tl.value_and_grad(model)
        start = time.perf_counter()
        first = gradient_descent(model, w0, X, data[target], 1, lr, vg)
        first_call = time.perf_counter() - start
        run = gradient_descent(model, w0, X, data[target], steps, lr, vg)
        memory = worker_memory(client)
        result = {"first_call_s": first_call, "dask_step_s": run["seconds"], "dask_median_s": median(run["seconds"]),
                  "values": run["values"], "lazy": all(k == ("dask", "dask") for k in run["kinds"]),
                  "returned": sorted(set("/".join(k) for k in run["kinds"])), "workers": memory}
        assert np.allclose(first["iterates"][1], run["iterates"][1], rtol=1e-12, atol=0)
        if local is not None:
            in_memory = gradient_descent(model, w0, local["X"], local[target], steps, lr, vg)
            by_hand_run = gradient_descent(model, w0, local["X"], local[target], steps, lr, by_hand)
            for a, b, c in zip(run["iterates"], in_memory["iterates"], by_hand_run["iterates"]):
                assert np.allclose(a, b, rtol=1e-9, atol=1e-12), (name, size_gb, np.max(np.abs(a - b)))
                assert np.allclose(b, c, rtol=1e-9, atol=1e-12), (name, size_gb, np.max(np.abs(b - c)))
            result.update(numpy_tl_median_s=median(in_memory["seconds"]),
                          numpy_by_hand_median_s=median(by_hand_run["seconds"]))
        row["models"][name] = result
        print(f"  {name:14s} dask {result['dask_median_s']:7.2f} s/step (lazy: {result['lazy']})"
              + (f"  numpy tl {result['numpy_tl_median_s']:.3f} s  by hand {result['numpy_by_hand_median_s']:.3f} s"
                 if local is not None else "")
              + "  peak RSS per worker " + ", ".join(f"{m['peak_rss'] / 2**20:.0f} MiB" for m in memory)
              + "  spilled " + ", ".join(f"{m['spilled_to_disk'] / 2**20:.0f} MiB" for m in memory), flush=True)
    del local
    return row


# ---- table and picture ---------------------------------------------------------------------------------

def _secs(m: Dict[str, Any], key: str) -> str:
    return f"{m[key]:.3f} s" if key in m else "—"


def markdown_table(rows: List[Dict[str, Any]], limit_bytes: int) -> str:
    lines = ["| data | rows | data pass | model | NumPy by hand | NumPy `tl` | Dask `tl` (per step) "
             "| peak RSS per worker | spilled |",
             "|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        for name, m in row["models"].items():
            peak = " / ".join(f"{w['peak_rss'] / 2**20:.0f}" for w in m["workers"]) + " MiB"
            spilled = sum(w["spilled_to_disk"] for w in m["workers"])
            lines.append(f"| {row['bytes'] / GB:.3g} GB | {row['rows']:,} | {row['data_pass_s']:.2f} s | {name} "
                         f"| {_secs(m, 'numpy_by_hand_median_s')} | {_secs(m, 'numpy_tl_median_s')} "
                         f"| {m['dask_median_s']:.2f} s "
                         f"| {peak} | {spilled / 2**20:.0f} MiB |")
    return "\n".join(lines) + f"\n\nmemory limit per worker: {limit_bytes / 2**30:.3g} GiB"


MARKS = (("least_squares", "o", "C0"), ("logistic", "s", "C1"))


def plot(rows: List[Dict[str, Any]], limit_bytes: int, path: str, note: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["bytes"] / GB for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(sizes, [r["data_pass_s"] for r in rows], "k:", marker=".", label="Dask: data pass alone")
    for name, style, color in MARKS:
        left.plot(sizes, [r["models"][name]["dask_median_s"] for r in rows], marker=style, color=color,
                  label=f"Dask, tl: {name}")
        np_rows = [r for r in rows if "numpy_tl_median_s" in r["models"][name]]
        if np_rows:
            xs = [r["bytes"] / GB for r in np_rows]
            left.plot(xs, [r["models"][name]["numpy_tl_median_s"] for r in np_rows], marker=style, color=color,
                      linestyle="--", label=f"NumPy in memory, tl: {name}")
            left.plot(xs, [r["models"][name]["numpy_by_hand_median_s"] for r in np_rows], marker=style,
                      color=color, linestyle=":", alpha=0.6, label=f"NumPy in memory, by hand: {name}")
    total_limit = limit_bytes * len(rows[0]["models"]["logistic"]["workers"]) / GB
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xticks(sizes, [f"{x:.3g}" for x in sizes])
        ax.minorticks_off()
        ax.set_xlabel("data size (GB, X and y)")
        ax.axvline(total_limit, color="grey", linewidth=0.8, label="memory limit of all workers together")
    left.set_yscale("log")
    left.set_ylabel("seconds per gradient step")
    left.set_title("time per gradient (value and gradient, one pass)")
    left.legend(fontsize=6.5, loc="upper left")
    for name, style, color in MARKS:
        peaks = [max(w["peak_rss"] for w in r["models"][name]["workers"]) / 2**20 for r in rows]
        right.plot(sizes, peaks, marker=style, color=color, label=f"largest worker's peak RSS: {name}")
    right.axhline(limit_bytes / 2**20, color="red", linestyle="--", label="memory limit per worker")
    right.set_ylim(0, limit_bytes / 2**20 * 1.15)
    right.set_ylabel("MiB")
    right.set_title("peak resident memory per worker")
    right.legend(fontsize=7, loc="lower right")
    fig.suptitle(note, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# ---- main ----------------------------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="16 MB and 64 MB only, 2 steps")
    parser.add_argument("--sizes", default="0.125,0.25,0.5,1,2,4,8", help="data sizes in GB (10**9 bytes)")
    parser.add_argument("--numpy-up-to", type=float, default=2.0, help="NumPy baselines for sizes up to this (GB)")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GiB", help="per worker")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="default benchmarks/out_of_core_results.json (with --quick: in the temp folder)")
    parser.add_argument("--png", help="default docs/arrays-out-of-core.png (with --quick: in the temp folder)")
    parser.add_argument("--replot", metavar="JSON", help="measure nothing: the table and picture of a results file")
    args = parser.parse_args(argv)
    folders = (tempfile.gettempdir(),) * 2 if args.quick else (HERE, os.path.join(ROOT, "docs"))
    args.out = args.out or os.path.join(folders[0], "out_of_core_results.json")
    args.png = args.png or os.path.join(folders[1], "arrays-out-of-core.png")
    sizes = [0.016, 0.064] if args.quick else [float(s) for s in args.sizes.split(",")]
    steps = 2 if args.quick else args.steps

    if args.replot:
        with open(args.replot) as fh:
            saved = json.load(fh)
        limit, machine = saved["settings"]["memory_limit_bytes"], saved["machine"]
        print(markdown_table(saved["sizes"], limit))
        plot(saved["sizes"], limit, args.png, f"{saved['settings']['workers']} workers x {limit / 2**30:.3g} GiB, "
             f"1 thread each; {machine['cpus']} CPUs; load average {machine['load_average_before'][0]:.1f} before, "
             f"{machine['load_average_after'][0]:.1f} after; dask {machine['dask']}")
        print(f"wrote {args.png}")
        return 0

    import dask
    import distributed

    load_before = os.getloadavg()
    rows: List[Dict[str, Any]] = []
    limit = 0

    def result() -> Dict[str, Any]:
        machine = {"python": platform.python_version(), "numpy": np.__version__, "dask": dask.__version__,
                   "distributed": distributed.__version__, "platform": platform.platform(), "cpus": os.cpu_count(),
                   "memory_total_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
                   "load_average_before": load_before, "load_average_after": os.getloadavg()}
        return {"settings": {"workers": args.workers, "threads_per_worker": 1, "memory_limit_bytes": limit,
                             "steps": steps, "features": FEATURES, "chunk_bytes": CHUNK_BYTES, "seed": args.seed,
                             "numpy_up_to_gb": args.numpy_up_to, "quick": args.quick},
                "machine": machine, "sizes": rows}

    cluster, client = start_cluster(args.workers, args.memory_limit)
    try:
        limit = worker_memory(client)[0]["memory_limit"]
        client.submit(sum, [1, 2]).result()     # the workers are up and have run a task
        print(f"{args.workers} workers x {limit / 2**30:.3g} GiB, 1 thread each; load average {load_before}",
              flush=True)
        for size in sizes:
            print(f"{size} GB", flush=True)
            rows.append(run_size(client, size, steps, size <= args.numpy_up_to, args.seed))
            with open(args.out, "w") as fh:     # after each size: a cut-off run keeps what it measured
                json.dump(result(), fh, indent=1)
    finally:
        client.close()
        cluster.close()
    load_after = os.getloadavg()
    table = markdown_table(rows, limit)
    print(table)
    print(f"wrote {args.out}")
    if args.png:
        note = (f"{args.workers} workers x {limit / 2**30:.3g} GiB, 1 thread each; {os.cpu_count()} CPUs; "
                f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; dask {dask.__version__}")
        try:
            plot(rows, limit, args.png, note)
            print(f"wrote {args.png}")
        except ImportError:
            print("matplotlib is not installed (pip install -e '.[examples]'): no picture", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
