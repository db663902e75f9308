"""The random draws of a function run more than once by one call of the API.

Some derivatives run the user's function once per direction: ``tl.jvp(batched=True)`` of a
function using an operation without a batched rule (one direction at a time), ``tl.hessian``
(one Hessian-vector product per row), ``tl.jacobian`` in ``auto`` mode when it picks forward
mode (the reverse pass that measured the output, then the forward pass).  A function drawing
random numbers would see new draws at each run, and the rows or columns would belong to
different functions.  Every run sees the draws of the first instead::

    draws = Draws(f, args)      # the states of the generators f (and its arguments) may draw from, now
    out0 = run(direction0)
    draws.restore()             # the same states again: the same draws
    out1 = run(direction1)
    same_values(f, [out0, out1], "...")   # a source that could not be reset: refused

The generators reset are NumPy's global one (``np.random.randn``) and the ``random`` module's
(``random.random()``) when the function names them, and every ``np.random.Generator``,
``RandomState``, ``BitGenerator`` and ``random.Random`` reachable from the function and its
arguments: its globals, closure cells, defaults, the arguments (those a ``functools.partial``
holds, a bound method's object), and the functions it calls, through lists, tuples, dicts and
objects' attributes (the walk of ``runtime/generators.py``, which checkpointed loops use too).
After the last run the states are those one run leaves.  Other side effects (appending to a
global list, printing) happen once per run; draws from a source that cannot be reset are
caught by comparing the runs' values (:func:`same_values`).
"""

from __future__ import annotations

from typing import Any, Callable, List, Sequence

from .errors import ArgumentError
from .runtime.generators import generator_states, random_generators, same_value, set_generator_states


class Draws:
    """The states, taken now, of the random generators ``fn`` may draw from (and its arguments ``values``)."""

    def __init__(self, fn: Callable, values: Sequence[Any] = ()) -> None:
        self.sources = random_generators((fn, *values))
        self.states = self.snapshot()

    def snapshot(self) -> List[Any]:
        return generator_states(self.sources)

    def restore(self, states: Sequence[Any] = ()) -> None:
        """Puts the generators back to the states taken first (or to ``states``)."""
        set_generator_states(self.sources, states or self.states)


def same_values(fn: Callable, values: Sequence[Any], how: str) -> None:
    """Refuses values of ``fn`` that differ between its runs at one point (``how`` says which runs):
    it draws from a source tangent_lite cannot reset, or it depends on state its runs change."""
    for v in values[1:]:
        if not same_value(values[0], v):
            name = getattr(fn, "__qualname__", repr(fn))
            raise ArgumentError(
                f"'{name}' returned different values at the same point when run again ({how}), so the "
                "derivatives of those runs belong to different functions: it draws random numbers from a source "
                "tangent_lite cannot reset (an unseeded np.random.default_rng() made inside it, random.SystemRandom, "
                "os.urandom, the time) or depends on state its runs change",
                hint="draw the random numbers outside the function and pass them in as an argument, or draw them "
                     "from a generator held in a global, a closure or an argument (tangent_lite resets those "
                     "between runs); or use tl.vjp / tl.jacobian(mode='reverse'), which run the function once")


def replayed(states: Draws, run: Callable[[], Any]) -> Any:
    """``run()`` with the generators at the states ``states`` took (it sees the draws of the run
    they were taken before), then back at their current states: the caller's draws go on."""
    now = states.snapshot()
    states.restore()
    try:
        return run()
    finally:
        states.restore(now)
