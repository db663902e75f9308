"""Cost of the run-time check of ``L[i] op= v`` (``_tl.held_once``) in a loop over a long list.

Breaker 22 P1: each update compared the entry with every entry of the list, so n updates of an
n-entry list were quadratic.  Run: ``python benchmarks/held_once_updates.py`` (prints seconds).

On the shared 2-core machine (2026-12-07, load average 15-17, so noisy), n checks of an n-entry
list alone: before the record of the last long list (runtime/markers.py ``_owned_once``) 0.45s / 1.84s /
7.0s for n = 800 / 1600 / 3200, after 0.18s / 0.71s / 2.6s (1.1s at n = 3200 with less load): what
remains is one identity comparison per entry per check, in C (still n * n, with a small constant).
End to end, tl.grad and tl.jvp of ``f`` and ``g`` are dominated by other costs that grow as n * n
and are not the check's: the tangent of ``L.append`` in a comprehension (``_tl.zeros_like`` of the
whole list per append) and the adjoint of ``L[i]`` (``getitem_bar`` makes a list of zeros per read)."""

import time

import numpy as np

import tangent_lite as tl
import tangent_lite.runtime as _tl


def f(x, n):
    L = [x * float(i) for i in range(n)]
    for i in range(n):
        L[i] += x  # each update checks that no other entry of L holds the array L[i] holds
    return np.sum(L[n - 1] * x)


def g(x, n):
    L = [x * float(i) for i in range(n)]
    for i in range(n):
        L[i] = L[i] + x  # no check: a new array
    return np.sum(L[n - 1] * x)


def checks_alone(n):
    """n checks of an n-entry list, each followed by the update's put-back, as in f's generated code."""
    L = [np.ones(2) * i for i in range(n)]
    t = time.perf_counter()
    for i in range(n):
        _tl.held_once(L, L[i], "refused")
        L[i] = L[i] + 1.0
    return time.perf_counter() - t


def timed(call):
    t = time.perf_counter()
    call()
    return time.perf_counter() - t


if __name__ == "__main__":
    x = np.array([0.3, 0.5])
    tl.jvp(f, (x, 10), (np.ones(2),))
    tl.jvp(g, (x, 10), (np.ones(2),))
    for n in (400, 800, 1600, 3200):
        alone = checks_alone(n)
        if n > 1600:  # (the jvp of the list comprehension is itself quadratic: see the note above)
            print(f"n={n}: {n} checks alone {alone:.3f}s")
            continue
        with_check = timed(lambda n=n: tl.jvp(f, (x, n), (np.ones(2),)))
        without = timed(lambda n=n: tl.jvp(g, (x, n), (np.ones(2),)))
        print(f"n={n}: {n} checks alone {alone:.3f}s | jvp with 'L[i] += x' {with_check:.2f}s, "
              f"with 'L[i] = L[i] + x' (no check) {without:.2f}s")
