"""What a function may read, found by walking it: the random generators it may draw from (and
their states), the arrays it may read.

A walk starts at functions and values and follows a function's globals (and the attributes it
reads of modules), closure cells, defaults and the functions it calls, a ``functools.partial``'s
function and arguments, a bound method's object, lists, tuples, dicts and objects' attributes:
:func:`reachable`.  Users: checkpointed loops (checkpoint.py: each snapshot keeps the generators'
states, so that a step recomputed in the reverse sweep sees the draws it saw in the forward one),
and API-side ``tangent_lite.draws`` (runs of a function beyond the first see the draws of the
first) and ``tangent_lite.arguments`` (an argument changed in place that is an array the function reads).
"""

from __future__ import annotations

import functools
import random
import types
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

RANDOM_SOURCES = (np.random.Generator, np.random.RandomState, np.random.BitGenerator, random.Random)
_REACH_DEPTH = 5  # functions called by functions called ..., objects' attributes, nested containers
_REACH_WIDTH = 256  # entries of one container looked at
_REACH_BUDGET = 4096  # objects looked at in all (a large data structure is not walked to its end)
_REACH_ATOMS = (str, bytes, int, float, complex, type(None))
_REACH_ENDS = (np.ndarray, types.ModuleType, type) + RANDOM_SOURCES  # (not looked into)
# the global generators behind np.random.randn and random.random, and the modules of their functions
_GLOBAL_GENERATORS = [s for s in (getattr(np.random.mtrand, "_rand", None), getattr(random, "_inst", None)) if s]
_GLOBAL_RANDOM_MODULES = ("numpy.random", "numpy.random.mtrand", "random")


def reachable(roots: Sequence[Any], kinds: Any) -> List[Any]:
    """The objects of the types ``kinds`` that ``roots`` are or reach (see the module's doc)."""
    found: Dict[int, Any] = {}
    seen: set = set()
    for root in roots:
        _reach(root, kinds, _REACH_DEPTH, found, seen)
    return list(found.values())


def _reach(obj: Any, kinds: Any, depth: int, found: Dict[int, Any], seen: set) -> None:
    if isinstance(obj, _REACH_ATOMS) or id(obj) in seen or len(seen) > _REACH_BUDGET:
        return
    seen.add(id(obj))
    if isinstance(obj, kinds):
        found[id(obj)] = obj
    if depth <= 0 or isinstance(obj, _REACH_ENDS):
        return
    try:
        items = held_values(obj)
    except Exception:  # (an object whose attributes raise: not looked into)
        return
    for item in items:
        _reach(item, kinds, depth - 1, found, seen)


def held_values(obj: Any) -> List[Any]:
    """What ``obj`` holds or reads that may be, or hold, what a walk looks for (never through ``__getattr__``)."""
    if isinstance(obj, functools.partial):
        return [obj.func, *obj.args, *obj.keywords.values()]
    if isinstance(obj, types.MethodType):
        return [obj.__func__, obj.__self__]
    if isinstance(obj, types.FunctionType):
        return [value for _, value in function_reads(obj)]
    if isinstance(obj, types.BuiltinMethodType):  # normal = rng.normal
        return [getattr(obj, "__self__", None)]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)[:_REACH_WIDTH]
    if isinstance(obj, dict):
        return list(obj.values())[:_REACH_WIDTH]
    held = getattr(obj, "__dict__", None)
    if isinstance(held, dict) and not hasattr(type(obj), "__array__"):  # (an array library's array: no)
        return list(held.values())[:_REACH_WIDTH]
    return []


def function_reads(fn: Any) -> List[Tuple[str, Any]]:
    """``(name, value)`` of what the function ``fn`` reads: its globals (``mod.attr`` of a module's
    attributes; the global generators for ``np.random.*`` and ``random.*``), closure cells and defaults."""
    if str(getattr(fn, "__module__", "")).startswith(("numpy", "scipy", "tangent_lite.")) or pasted_helper(fn):
        return []
    names = list(dict.fromkeys(code_names(fn.__code__)))
    out: List[Tuple[str, Any]] = []
    for name in names:
        value = fn.__globals__.get(name)
        out.append((name, value))
        if name == "random" or isinstance(value, types.ModuleType) and value.__name__ in _GLOBAL_RANDOM_MODULES:
            out += [(name, source) for source in _GLOBAL_GENERATORS]  # np.random.randn, random.random, npr.randn
        elif isinstance(value, types.ModuleType) and not value.__name__.startswith(("numpy", "scipy")):
            out += [(f"{name}.{attr}", vars(value)[attr]) for attr in names if attr in vars(value)]  # mod.rng
    cells = zip(fn.__code__.co_freevars, fn.__closure__ or ())
    out += [(name, cell.cell_contents) for name, cell in cells if cell_filled(cell)]
    out += [("a default", v) for v in list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values())]
    return out


def pasted_helper(fn: Any) -> bool:
    """Is ``fn`` a runtime helper pasted into an ``adgen`` file (defined, as this one is there, in its
    helpers' factory): the walk does not look into the helpers (and the generated code's ``_tl``)."""
    factory, _, _ = function_reads.__qualname__.rpartition(".<locals>.")
    return bool(factory) and fn.__qualname__.startswith(factory + ".<locals>.") \
        and fn.__code__.co_filename == function_reads.__code__.co_filename


def code_names(code: Any) -> List[str]:
    """The global and attribute names a code object (and the code nested in it) reads."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(code_names(const))
    return names


def cell_filled(cell: Any) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:  # (an empty cell: a name the function assigns later)
        return False
    return True


def random_generators(roots: Sequence[Any]) -> List[Any]:
    """The random generators (with a state: not ``SystemRandom``) ``roots`` reach."""
    return [s for s in reachable(roots, RANDOM_SOURCES) if generator_state(s) is not None]


def generator_state(source: Any) -> Any:
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


def generator_states(sources: Sequence[Any]) -> List[Any]:
    return [generator_state(s) for s in sources]


def set_generator_states(sources: Sequence[Any], states: Sequence[Any]) -> None:
    """Puts each generator of ``sources`` in its state of ``states`` (the setters copy it in: it can be set again)."""
    for source, state in zip(sources, states):
        if isinstance(source, np.random.Generator):
            source.bit_generator.state = state
        elif isinstance(source, np.random.BitGenerator):
            source.state = state
        elif isinstance(source, np.random.RandomState):
            source.set_state(state)
        else:
            source.setstate(state)


def same_value(a: Any, b: Any) -> bool:
    """Are ``a`` and ``b`` (numbers, arrays, in lists, tuples and dicts) equal up to rounding: the values of
    two runs of code that draws the same numbers (not compared: other objects, a lazy array)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if not all(isinstance(v, (np.ndarray, np.generic, int, float, complex)) for v in (a, b)):
        return True  # (a lazy array, Dask's: comparing would compute it)
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind not in "fc" or np.array_equal(a, b):
        return bool(np.array_equal(a, b))
    scale = float(np.max(np.abs(a), initial=0.0)) if np.all(np.isfinite(a)) else 0.0
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-9 * scale, equal_nan=True))  # (rounding: other code ran)
