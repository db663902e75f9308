"""Binomial checkpointing (Griewank & Walther's revolve) of loops marked with
``tl.checkpointed``: the schedule, and the forward and reverse sweeps that follow it.

A loop whose body draws random numbers (noise injection, dropout) must see, in each step the
reverse sweep recomputes, the draws that step saw in the forward sweep: every snapshot keeps the
states of the generators the step may draw from (those of generators.py's walk from the step
function and the loop's values), and a recomputation starts from them.  After the reverse sweep
the generators are as they were before it.  A recomputed step whose result differs from the
forward sweep's (draws from a source that cannot be reset) is refused.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Dict, List

import numpy as np

from .generators import generator_states, random_generators, same_value, set_generator_states
from .markers import user_error
from .values import add, zeros_like


def checkpointed(iterable: Any, snapshots: int = 10) -> Any:
    """Mark a loop for binomial checkpointing: ``for i in tl.checkpointed(range(n), snapshots=k)``.

    Calling the function runs the loop as written; its reverse mode stores only ``k``
    snapshots of the loop state and recomputes the rest (Griewank & Walther's revolve).

    Args:
        iterable: What the loop runs over (``range(n)``).
        snapshots: How many copies of the loop state the reverse sweep may keep.

    Returns:
        ``iterable`` itself: outside differentiation nothing changes.
    """
    return iterable


def _binomial(n: int, k: int) -> int:
    return math.comb(n, k)


@functools.lru_cache(maxsize=65536)
def checkpoint_cost(steps: int, snapshots: int) -> int:
    """The least number of step evaluations (without tape) needed to reverse ``steps``
    steps from the initial state with ``snapshots`` extra snapshots: ``r*l - beta(c+1, r-1)``
    with ``c = snapshots + 1`` and ``r`` the least repetition number with ``beta(c, r) >= l``."""
    if steps <= 1:
        return 0
    if snapshots <= 0:
        return steps * (steps - 1) // 2
    c, r = snapshots + 1, 0
    while _binomial(c + r, c) < steps:
        r += 1
    return r * steps - _binomial(c + r, c + 1)


@functools.lru_cache(maxsize=65536)
def binomial_split(steps: int, snapshots: int) -> int:
    """Where to place the next snapshot (an offset in ``1..steps-1``): the minimiser of
    ``d + cost(steps - d, snapshots - 1) + cost(d, snapshots)`` (convex in ``d``)."""

    def total(d: int) -> int:
        return d + checkpoint_cost(steps - d, snapshots - 1) + checkpoint_cost(d, snapshots)

    lo, hi = 1, steps - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if total(mid + 1) >= total(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


class CheckpointRecord:
    """What the forward sweep keeps of a checkpointed loop: its range, the initial and
    final state, the loop-invariant values, and the snapshots on the schedule's first path
    (with, for each, the states of the random generators ``generators``)."""

    def __init__(self, rng: Any, state: tuple, free: tuple, snapshots: int, generators: Any = ()):
        self.rng, self.initial, self.free, self.snapshots = rng, state, free, snapshots
        self.generators = list(generators)
        self.known: Dict[int, tuple] = {0: state}
        self.draws: Dict[int, list] = {0: generator_states(self.generators)}
        self.final = self.last = state
        self.advances = 0  # step evaluations without tape, forward sweep included
        self.taped = 0  # step evaluations with tape (one per step)
        self.peak_snapshots = 0


def state_copy(v: Any) -> Any:
    """``v`` with its arrays copied and its lists, dicts and tuples rebuilt (what a checkpointed
    loop's state is after the loop, which the code after it may change in place)."""
    if isinstance(v, np.ndarray):
        return np.copy(v)
    if isinstance(v, list):
        return [state_copy(e) for e in v]
    if isinstance(v, dict):
        return {k: state_copy(e) for k, e in v.items()}
    if type(v) is tuple:
        return tuple(state_copy(e) for e in v)
    return v


def checkpoint_forward(step: Any, rng: Any, state: tuple, free: tuple, snapshots: int) -> CheckpointRecord:
    """Run a checkpointed loop: ``state = step(i, *state, *free)`` for ``i`` in ``rng``,
    keeping the snapshots the binomial schedule places on its first (rightmost) path."""
    rec = CheckpointRecord(rng, tuple(state), tuple(free), snapshots, random_generators((step, *state, *free)))
    n, a, s = len(rng), 0, snapshots
    state = tuple(state)
    while n - a > 1 and s > 0:
        d = binomial_split(n - a, s)
        for j in range(a, a + d):
            state = step(rng[j], *state, *free)
        rec.advances += d
        a, s = a + d, s - 1
        rec.known[a] = state
        rec.draws[a] = generator_states(rec.generators)
    for j in range(a, n):  # the rest of the way, for the loop's result
        state = step(rng[j], *state, *free)
    rec.final = state
    rec.last = tuple(state_copy(v) for v in state)  # (code after may write final, or rebind its entries)
    rec.peak_snapshots = len(rec.known) - 1
    return rec


def checkpoint_reverse(rec: CheckpointRecord, step: Any, fwd: Any, bwd: Any, state_bar: tuple,
                       carried_active: tuple, n_free: int) -> tuple:
    """Reverse a checkpointed loop; returns (adjoints of the initial state, summed adjoints
    of the loop-invariant values).  ``fwd(i, *state, *free) -> (state, residuals)`` and
    ``bwd(residuals, *state_bar)`` are the generated derivative of one step; ``bwd`` returns
    adjoints for the active state entries followed by the active loop-invariant values.
    A point of the loop is ``(state, the generators' states)``: a step run from it sees its draws."""
    rng, free, generators = rec.rng, rec.free, rec.generators
    n_wrt = sum(carried_active) + n_free
    free_bar: List[Any] = [None] * n_free

    def advance(point: tuple, a: int, b: int) -> tuple:
        state, draws = point
        set_generator_states(generators, draws)
        for j in range(a, b):
            state = step(rng[j], *state, *free)
        rec.advances += b - a
        return state, generator_states(generators)

    def taped(j: int, point: tuple, bar: tuple, then: tuple) -> tuple:
        state, draws = point
        set_generator_states(generators, draws)
        again, res = fwd(rng[j], *state, *free)
        if not same_value(tuple(again), tuple(then)):
            raise user_error(
                "ArgumentError", f"the step {j} of the checkpointed loop ({getattr(step, '__name__', 'step')}) gave "
                "other values when the reverse sweep ran it again from the forward sweep's snapshot, so the gradient "
                "would belong to another loop: its body draws random numbers from a source tangent_lite cannot reset "
                "(an unseeded np.random.default_rng() made in it, random.SystemRandom, os.urandom, the time) or "
                "depends on state its runs change",
                "draw the random numbers from a generator held in a global, a closure or an argument (each snapshot "
                "keeps those generators' states), or draw them before the loop; or drop tl.checkpointed")
        rec.taped += 1
        grads = bwd(res, *bar) if len(bar) > 1 else bwd(res, bar[0])
        grads = tuple(grads) if n_wrt > 1 else (grads,)
        out, k = [], 0
        for i, active in enumerate(carried_active):
            if active:
                out.append(grads[k])
                k += 1
            else:
                out.append(zeros_like(state[i]))
        for i in range(n_free):
            free_bar[i] = add(free_bar[i], grads[k + i])
        return tuple(out)

    def reverse(a: int, b: int, s: int, point_a: tuple, bar: tuple, state_b: tuple) -> tuple:
        # (state_b: the state after step b - 1, which running that step again must give)
        if b - a == 1:
            return taped(a, point_a, bar, state_b)
        if s <= 0:
            for j in range(b - 1, a - 1, -1):
                point_j = advance(point_a, a, j)
                bar, state_b = taped(j, point_j, bar, state_b), point_j[0]
            return bar
        m = a + binomial_split(b - a, s)
        point_m = (rec.known.pop(m), rec.draws.pop(m)) if m in rec.known else advance(point_a, a, m)
        bar = reverse(m, b, s - 1, point_m, bar, state_b)
        return reverse(a, m, s, point_a, bar, point_m[0])

    bar = tuple(state_bar)
    if len(rng):
        now = generator_states(generators)  # (the caller's draws go on from here after the sweep)
        try:
            bar = reverse(0, len(rng), rec.snapshots, (rec.initial, rec.draws[0]), bar, rec.last)
        finally:
            set_generator_states(generators, now)
    return bar, tuple(zeros_like(v) if g is None else g for g, v in zip(free_bar, free))
