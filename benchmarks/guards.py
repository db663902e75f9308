"""What the guards cost per call (docs/how-it-works.md, "The caches and the guards").

Every use of a generated derivative first runs its module's guard runner: one check per
name the generation resolved (identity for code, type for data), the rules registry's
generation, and the copy of the user's current globals into the module.  Measured side by
side in one run, for functions with 0, 3 and 8 guards:

* the runner alone;
* ``tl.grad(f)(x)`` against calling the generated gradient function directly (what the
  whole per-call path of ``tl.grad`` adds: binding, checks, specialisation lookup, guards).

    .venv/bin/python benchmarks/guards.py        (about 20 s; part of make bench)
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import timeit

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import tangent_lite as tl  # noqa: E402
from tangent_lite import api  # noqa: E402

SCALE = 3.0
W = np.linspace(0.5, 1.5, 8)


def helper(x):
    return x * SCALE


def no_guards(x):
    return x * x + 3.0 * x


def three_guards(x):  # math, math.sin, SCALE
    return math.sin(x) * SCALE + x


def eight_guards(x):  # np, np.sum, np.tanh, np.exp, W, helper, SCALE, math (+ math.cos)
    return np.sum(np.tanh(W * x)) + helper(x) + np.exp(x) * SCALE + math.cos(x)


def best(fn, number: int, repeat: int = 7) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main() -> int:
    os.environ.setdefault("TANGENT_LITE_CACHE_DIR", tempfile.mkdtemp(prefix="tl-bench-guards-"))
    rows = []
    for f in (no_guards, three_guards, eight_guards):
        grad = tl.grad(f)
        x = 0.7
        grad(x)
        module = api.compiled(f, "vjp", ("x",), (0,), api._GRAD_ONLY)
        generated = getattr(module, module.__tl_meta__["functions"][0])
        runner = module.__tl_runner__
        n_guards = len(module.__tl_meta__.get("guards") or [])
        n = 200_000
        t_runner = best(runner, n)
        t_generated = best(lambda g=generated, x=x: g(x), n)
        t_grad = best(lambda g=grad, x=x: g(x), n)
        rows.append((f.__name__, n_guards, t_runner, t_generated, t_grad))
    print("| function | guards | runner alone (us) | generated gradient (us) | tl.grad(f)(x) (us) "
          "| per-call path (us) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, k, tr, tg, tt in rows:
        print(f"| `{name}` | {k} | {tr * 1e6:.2f} | {tg * 1e6:.2f} | {tt * 1e6:.2f} | {(tt - tg) * 1e6:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
