"""How long generating derivatives of big functions takes, as the function grows.

The function is a loop of two iterations over ``n`` terms, written two ways: one long
expression (``s = s + a * np.sin(x * 1.0) + np.cos(a * 2.0) * x + ...``) and ``n`` separate
statements (``s = s + a * np.sin(x * 1.0)`` ...).  For n = 50, 100, 250, 500 it reports the
seconds (process CPU time, the disk cache off) to generate the gradient (``tl.grad``), the
forward mode (``tl.jvp``) and the Hessian (``tl.hessian``: forward over reverse)::

    python benchmarks/generation.py            # every n, both styles, the three modes
    python benchmarks/generation.py 50 100     # only these n

Every measurement runs in a fresh process (nothing generated before is reused), one after
the other.  Time that grows like n (twice the terms, about twice the seconds) is what the
optimiser's passes are built for: tests/test_generation_scaling.py checks the same by counting
the nodes the compiler walks instead of timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import List

MODES = ("grad", "jvp", "hessian")
STYLES = ("expression", "statements")


def terms(n: int) -> List[str]:
    """The ``n`` terms: alternately ``a * np.sin(x * k)`` and ``np.cos(a * k) * x``."""
    return [f"a * np.sin(x * {k + 1}.0)" if k % 2 == 0 else f"np.cos(a * {k + 1}.0) * x" for k in range(n)]


def program(n: int, style: str) -> str:
    """The source of ``f(x, a)``: a two-iteration loop over ``n`` terms."""
    if style == "expression":
        body = "        s = s + " + " + ".join(terms(n)) + "\n"
    else:
        body = "".join(f"        s = s + {t}\n" for t in terms(n))
    return "import numpy as np\n\n\ndef f(x, a):\n    s = 0.0\n    for i in range(2):\n" + body + "    return s\n"


def _measure(path: str, mode: str) -> float:
    """(in the child process) seconds to generate and run ``mode`` of the function in ``path``."""
    import importlib.util

    import tangent_lite as tl

    spec = importlib.util.spec_from_file_location("generation_case", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    start = time.process_time()
    if mode == "grad":
        tl.grad(module.f, wrt=(0, 1))(1.0, 2.0)
    elif mode == "jvp":
        tl.jvp(module.f, (1.0, 2.0), (1.0, 0.0))
    else:
        tl.hessian(module.f, wrt=0)(1.0, 2.0)
    return time.process_time() - start


def measure(n: int, style: str, mode: str) -> float:
    """Seconds to generate ``mode`` for ``program(n, style)``, in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"generation_{style}_{n}.py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(program(n, style))
        env = dict(os.environ, TANGENT_LITE_CACHE="0")
        out = subprocess.run([sys.executable, __file__, "--child", path, mode], env=env, check=True,
                             capture_output=True, text=True).stdout
    return float(out.split()[-1])


def main(argv: List[str]) -> None:
    if argv[:1] == ["--child"]:
        print(f"{_measure(argv[1], argv[2]):.3f}")
        return
    sizes = [int(a) for a in argv] or [50, 100, 250, 500]
    print(f"{'style':<12}{'mode':<9}" + "".join(f"{'n=' + str(n):>10}" for n in sizes))
    for style in STYLES:
        for mode in MODES:
            row = [measure(n, style, mode) for n in sizes]
            print(f"{style:<12}{mode:<9}" + "".join(f"{s:>9.2f}s" for s in row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
