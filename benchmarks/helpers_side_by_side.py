"""The runtime helpers the reverse sweep calls per step, two trees side by side in one process.

    .venv/bin/python benchmarks/helpers_side_by_side.py --before /tmp/tl_before [--after .]

Each tree's ``tangent_lite`` is loaded under its own package name, so both run in the same
process on the same arrays; each call is timed by ``timeit`` in many short samples, the two
trees alternating sample by sample, and the smallest sample is kept (the least disturbed on a
shared machine).  The arrays are the RNN benchmark's (batch 1, hidden 64).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import timeit

import numpy as np

CASES = [("add_into(h_bar, g), 1x64", "R.add_into(a, g)"), ("add_into(Wh_bar, gW), 64x64", "R.add_into(W, gW)"),
         ("unbroadcast(g, x), same shape 1x64", "R.unbroadcast(g, a)"),
         ("unbroadcast, (1,64) summed to (64,)", "R.unbroadcast(g, b)"),
         ("unbroadcast, (64,100) summed to (100,)", "R.unbroadcast(g2, b100)"),
         ("zeros_like, 64x64", "R.zeros_like(W)"),
         ("write_cast(t_bar, x) float array", "R.write_cast(b, b)")]


def load(name: str, root: str):
    pkg = os.path.join(os.path.abspath(root), "tangent_lite")
    spec = importlib.util.spec_from_file_location(name, os.path.join(pkg, "__init__.py"),
                                                  submodule_search_locations=[pkg])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.runtime


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", required=True)
    p.add_argument("--after", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p.add_argument("--samples", type=int, default=201)
    p.add_argument("--number", type=int, default=500)
    a = p.parse_args()
    trees = {"before": load("tl_before", a.before), "after": load("tl_after", a.after)}
    rng = np.random.default_rng(0)
    arrays = dict(a=np.zeros((1, 64)), g=rng.normal(size=(1, 64)), b=np.zeros(64), W=np.zeros((64, 64)),
                  gW=rng.normal(size=(64, 64)), g2=rng.normal(size=(64, 100)), b100=np.zeros(100))
    print("| helper call | before (ns) | after (ns) | after / before |\n|---|---:|---:|---:|")
    for label, stmt in CASES:
        best = {}
        for r in range(a.samples):
            for k in (("before", "after") if r % 2 else ("after", "before")):
                t = timeit.Timer(stmt, globals={"R": trees[k], **arrays}).timeit(a.number) / a.number
                best[k] = min(best.get(k, t), t)
        before, after = best["before"] * 1e9, best["after"] * 1e9
        print(f"| `{label}` | {before:.0f} | {after:.0f} | {after / before:.2f} |")


if __name__ == "__main__":
    main()
