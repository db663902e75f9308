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
objects' attributes.  After the last run the states are those one run leaves.  Other side
effects (appending to a global list, printing) happen once per run; draws from a source that
cannot be reset are caught by comparing the runs' values (:func:`same_values`).
"""

from __future__ import annotations

import functools
import random
import types
from typing import Any, Callable, Dict, List, Sequence

import numpy as np

from .errors import ArgumentError

_SOURCES = (np.random.Generator, np.random.RandomState, np.random.BitGenerator, random.Random)
_DEPTH = 5  # functions called by functions called ..., objects' attributes, nested containers
_WIDTH = 256  # entries of one container looked at
_GLOBAL_SOURCES = [s for s in (getattr(np.random.mtrand, "_rand", None), getattr(random, "_inst", None)) if s]
_GLOBAL_MODULES = ("numpy.random", "numpy.random.mtrand", "random")  # (the global generators behind their functions)
_BUDGET = 4096  # objects looked at in all (a large data structure is not walked to its end)


class Draws:
    """The states, taken now, of the random generators ``fn`` may draw from (and its arguments ``values``)."""

    def __init__(self, fn: Callable, values: Sequence[Any] = ()) -> None:
        found: Dict[int, Any] = {}
        seen: set = set()
        for root in (fn, *values):
            _visit(root, _DEPTH, found, seen)
        self.sources = [s for s in found.values() if _get(s) is not None]  # (SystemRandom: no state)
        self.states = self.snapshot()

    def snapshot(self) -> List[Any]:
        return [_get(s) for s in self.sources]

    def restore(self, states: Sequence[Any] = ()) -> None:
        """Puts the generators back to the states taken first (or to ``states``)."""
        for s, state in zip(self.sources, states or self.states):
            _set(s, state)


def _get(source: Any) -> Any:
    """The state of ``source``: a new object each time (NumPy's getters copy), never changed after."""
    try:
        if isinstance(source, np.random.Generator):
            return source.bit_generator.state
        if isinstance(source, np.random.BitGenerator):
            return source.state
        if isinstance(source, np.random.RandomState):
            return source.get_state()
        return source.getstate()
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None


def _set(source: Any, state: Any) -> None:  # (the setters copy the state in: it can be set again)
    if isinstance(source, np.random.Generator):
        source.bit_generator.state = state
    elif isinstance(source, np.random.BitGenerator):
        source.state = state
    elif isinstance(source, np.random.RandomState):
        source.set_state(state)
    else:
        source.setstate(state)


def _names(code: Any) -> List[str]:
    """The global and attribute names a code object (and the code nested in it) reads."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_names(const))
    return names


def _visit(obj: Any, depth: int, found: Dict[int, Any], seen: set) -> None:
    if isinstance(obj, (np.ndarray, str, bytes, int, float, complex, type(None))) or id(obj) in seen \
            or len(seen) > _BUDGET:
        return
    seen.add(id(obj))
    if isinstance(obj, _SOURCES):
        found[id(obj)] = obj
        return
    if depth <= 0 or isinstance(obj, (types.ModuleType, type)):
        return
    try:
        items = _items(obj)
    except Exception:  # (an object whose attributes raise: not looked into; the runs' values are still compared)
        return
    for item in items:
        _visit(item, depth - 1, found, seen)


def _items(obj: Any) -> List[Any]:
    """What ``obj`` holds that may be, or hold, a random generator (never through ``__getattr__``)."""
    if isinstance(obj, functools.partial):
        return [obj.func, *obj.args, *obj.keywords.values()]
    if isinstance(obj, types.MethodType):
        return [obj.__func__, obj.__self__]
    if isinstance(obj, types.FunctionType):
        if str(getattr(obj, "__module__", "")).startswith(("numpy", "scipy", "tangent_lite.")):
            return []
        items: List[Any] = []
        names = _names(obj.__code__)
        for name in names:
            value = obj.__globals__.get(name)
            items.append(value)
            if name == "random" or isinstance(value, types.ModuleType) and value.__name__ in _GLOBAL_MODULES:
                items += _GLOBAL_SOURCES  # np.random.randn, random.random, npr.randn
            elif isinstance(value, types.ModuleType) and not value.__name__.startswith(("numpy", "scipy")):
                items.extend(vars(value).get(attr) for attr in names)  # mod.rng
        items += [c.cell_contents for c in obj.__closure__ or () if _filled(c)]
        return items + list(obj.__defaults__ or ()) + list((obj.__kwdefaults__ or {}).values())
    if isinstance(obj, types.BuiltinMethodType):  # normal = rng.normal
        return [getattr(obj, "__self__", None)]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)[:_WIDTH]
    if isinstance(obj, dict):
        return list(obj.values())[:_WIDTH]
    held = getattr(obj, "__dict__", None)
    if isinstance(held, dict) and not hasattr(type(obj), "__array__"):  # (an array library's array: no)
        return list(held.values())[:_WIDTH]
    return []


def _filled(cell: Any) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:  # (an empty cell: a name the function assigns later)
        return False
    return True


def same_values(fn: Callable, values: Sequence[Any], how: str) -> None:
    """Refuses values of ``fn`` that differ between its runs at one point (``how`` says which runs):
    it draws from a source tangent_lite cannot reset, or it depends on state its runs change."""
    for v in values[1:]:
        if not _same(values[0], v):
            name = getattr(fn, "__qualname__", repr(fn))
            raise ArgumentError(
                f"'{name}' returned different values at the same point when run again ({how}), so the "
                "derivatives of those runs belong to different functions: it draws random numbers from a source "
                "tangent_lite cannot reset (an unseeded np.random.default_rng() made inside it, random.SystemRandom, "
                "os.urandom, the time) or depends on state its runs change",
                hint="draw the random numbers outside the function and pass them in as an argument, or draw them "
                     "from a generator held in a global, a closure or an argument (tangent_lite resets those "
                     "between runs); or use tl.vjp / tl.jacobian(mode='reverse'), which run the function once")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if not all(isinstance(v, (np.ndarray, np.generic, int, float, complex)) for v in (a, b)):
        return True  # (a lazy array, Dask's: comparing would compute it)
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind not in "fc":
        return bool(np.all(a == b))
    scale = float(np.max(np.abs(a), initial=0.0)) if np.all(np.isfinite(a)) else 0.0
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-9 * scale, equal_nan=True))  # (rounding: other code ran)


def replayed(states: Draws, run: Callable[[], Any]) -> Any:
    """``run()`` with the generators at the states ``states`` took (it sees the draws of the run
    they were taken before), then back at their current states: the caller's draws go on."""
    now = states.snapshot()
    states.restore()
    try:
        return run()
    finally:
        states.restore(now)
