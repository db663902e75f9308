"""How much of a large-array gradient's time is the operating system handing out memory.

    .venv/bin/python benchmarks/page_faults.py            # rosenbrock and mds, about 30 s

For the workloads with arrays of hundreds of kilobytes, glibc's malloc returns freed memory at
the top of the heap to the operating system once more than its trim threshold is free, and the
next call gets fresh pages, each zeroed and mapped on first touch (a "minor page fault").
Whether a given call pattern trips that depends on the heap's state, which the other code
running in the process shapes.  Each workload is timed here in a fresh process, the function,
the hand-written gradient and ``tl.grad``, twice: with glibc's defaults, and with
``MALLOC_TRIM_THRESHOLD_`` / ``MALLOC_MMAP_THRESHOLD_`` set so that freed memory stays with
the process (then no call faults, and what is left is the arithmetic).  Prints a Markdown
table: microseconds per call and minor page faults per call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KEEP_MEMORY = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(1 << 25)}
WORKLOADS = ("rosenbrock", "mds")

_CHILD = r"""
import json, os, resource, sys, timeit
sys.path.insert(0, {here!r})
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import workloads as W
import tangent_lite as tl
w = [w for w in W.WORKLOADS if w.name == {name!r}][0]
args = w.make_args(np.random.default_rng(0))
g = tl.grad(w.fn, w.wrt)
out = {{}}
for label, fn in (("function", lambda: w.fn(*args)), ("hand-written", lambda: w.grad(*args)),
                  ("tangent_lite", lambda: g(*args))):
    fn()
    t = min(timeit.repeat(fn, number=20, repeat=9)) / 20
    r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        fn()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0) / 50
    out[label] = (t * 1e6, faults)
print(json.dumps(out))
"""


def measure(name: str, keep_memory: bool) -> dict:
    env = dict(os.environ, **(KEEP_MEMORY if keep_memory else {}))
    env.setdefault("TANGENT_LITE_CACHE_DIR", os.path.join(HERE, "results", "page_faults_cache"))
    code = _CHILD.format(here=HERE, name=name)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    print("| workload | malloc | function (us, faults) | hand-written (us, faults) | tangent_lite (us, faults) "
          "| tangent_lite / hand-written |")
    print("|---|---|---:|---:|---:|---:|")
    for name in WORKLOADS:
        for keep in (False, True):
            r = measure(name, keep)
            cells = " | ".join(f"{r[k][0]:,.0f} ({r[k][1]:,.0f})" for k in ("function", "hand-written", "tangent_lite"))
            ratio = r["tangent_lite"][0] / r["hand-written"][0]
            print(f"| {name} | {'memory kept' if keep else 'default'} | {cells} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
