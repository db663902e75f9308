"""Checking what the user hands to tangent_lite: the function, ``wrt``, argument values,
tangents and cotangents.

One job: turn a bad request into an :class:`~tangent_lite.errors.ArgumentError` that names
the argument or value and says what to do, before any code is generated or run::

    tl.grad(loss, wrt="z")(W, x)
    # ArgumentError: wrt='z' is not an argument of 'loss' (its arguments: W, x)
    # To fix: name one of its arguments (wrt='W' or wrt=0) ...

A ``functools.partial`` of a Python function is a *target* too: its bound arguments are
held constant, ``wrt`` counts only the arguments the caller still passes, and the values
are bound as calling the partial would bind them.
"""

from __future__ import annotations

import collections.abc
import difflib
import functools
import inspect
import types
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from . import syntax as S
from .analysis import items, shapes
from .analysis.mutations import entry_rebound_positions
from .callables import (
    _function_of,
    _per_function,
    _short,
    _what,
    call_text,
    describe,
    free_params,
    param_tuple,
    params,
    plain_positional,
    signature,
)
from .errors import ArgumentError, Location, SourceUnavailableError
from .runtime import library
from .runtime.generators import function_reads, reachable
from .runtime.markers import own_behaviour

Wrt = Union[None, int, str, Sequence[Union[int, str]]]

# ------------------------------------------------------------------ wrt


def resolve_wrt(target: Any, wrt: Wrt) -> Tuple[Tuple[str, ...], bool]:
    """Parameter names to differentiate, and whether the user asked for a single one.

    ``target`` is a function, or a partial of one (then indices count the arguments the
    caller still passes, and a bound argument cannot be differentiated)."""
    fn = _function_of(target)
    who = describe(target)
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in signature(fn).parameters.values()):
        from .frontend.fence import signature_error  # the error at the def line, naming *args / **kwargs

        raise signature_error(fn)
    free, fixed = free_params(target)
    if not free:
        raise ArgumentError(f"{who} takes no arguments: nothing to differentiate",
                            hint="differentiate a function of the values you want derivatives for")
    single = wrt is None or isinstance(wrt, (int, str))
    if not single and not isinstance(wrt, (tuple, list)):
        raise ArgumentError(f"wrt must be an argument index, a name, or a tuple of them; got {_what(wrt)}",
                            hint=_wrt_example(free))
    items = [0] if wrt is None else [wrt] if single else list(wrt)
    names = []
    for item in items:
        names.append(_wrt_name(who, item, free, fixed))
    for name in names:
        if names.count(name) > 1:
            once = list(dict.fromkeys(names))
            example = f"'{once[0]}'" if len(once) == 1 else f"({', '.join(repr(n) for n in once)})"
            raise ArgumentError(f"wrt={_short(wrt)} names the argument '{name}' twice",
                                hint=f"list each argument once: wrt={example}")
    return tuple(names), single


def _wrt_name(who: str, item: Any, free: List[str], fixed: Dict[str, str]) -> str:
    listing = ", ".join(free)
    if isinstance(item, bool) or not isinstance(item, (int, str, np.integer)):
        raise ArgumentError(
            f"wrt entries must be argument indices (int) or names (str), got {_what(item)}",
            hint=_wrt_example(free))
    if isinstance(item, str):
        if item in fixed:
            raise ArgumentError(
                f"wrt='{item}': {who} fixes '{item}' {fixed[item]}, so it is a constant",
                hint=f"differentiate the function itself and pass '{item}' as an argument (arguments left to "
                     f"the partial: {listing})")
        if item not in free:
            close = difflib.get_close_matches(item, free, n=1)
            did = f"did you mean wrt='{close[0]}'? " if close else ""
            raise ArgumentError(f"wrt='{item}' is not an argument of {who} (its arguments: {listing})",
                                hint=f"{did}{_wrt_example(free)}")
        return item
    index = int(item)
    if not -len(free) <= index < len(free):
        raise ArgumentError(
            f"wrt={index} is out of range: {who} has {len(free)} argument{'s' if len(free) != 1 else ''} "
            f"({listing})",
            hint=f"use an index from 0 to {len(free) - 1} (or from -{len(free)} to -1), or a name: "
                 f"wrt='{free[0]}'")
    return free[index]


def _wrt_example(free: List[str]) -> str:
    if len(free) == 1:
        return f"give an argument index or name, e.g. wrt=0 or wrt='{free[0]}'"
    return (f"give an argument index or name, or a tuple of them, e.g. wrt=0, wrt='{free[0]}' or "
            f"wrt=({', '.join(repr(n) for n in free[:2])})")


# ------------------------------------------------------------------ argument values


def bind_args(target: Any, args: Sequence[Any], kwargs: Dict[str, Any]) -> List[Any]:
    """The values of the function's parameters (in order) for a call ``target(*args, **kwargs)``."""
    if isinstance(target, functools.partial):
        return bind_args(target.func, tuple(target.args) + tuple(args), {**target.keywords, **kwargs})
    fn = target
    if not kwargs and len(args) == len(param_tuple(fn)) and plain_positional(fn):
        return list(args)  # the common case, without inspect's binding machinery
    sig = signature(fn)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        keyword_only = [p.name for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY]
        note = f"; {', '.join(keyword_only)} must be passed by name" if keyword_only else ""
        raise ArgumentError(f"bad arguments for '{fn.__qualname__}': {exc}",
                            hint=f"call it as {call_text(fn)}{note}") from None
    bound.apply_defaults()
    return [bound.arguments[p] for p in params(fn)]


def check_float(fn: Callable, wrt: Sequence[str], values: List[Any]) -> None:
    """Each argument in ``wrt`` must hold floats (a float, a float array, or a container of them)."""
    names = params(fn)
    for name in wrt:
        v = values[names.index(name)]
        problem = _not_float(v)
        if problem is None:
            continue
        what, fix = problem
        shown = "" if v is None else f" ({_short(v, 60)})"
        raise ArgumentError(f"cannot differentiate with respect to '{name}': it is {what}{shown}",
                            hint=fix.format(name=name))


def _not_float(v: Any) -> Optional[Tuple[str, str]]:
    """(what the value is, how to fix it) when ``v`` cannot carry a derivative."""
    if v is None:
        return "None", "pass a float or a float array for '{name}', or leave '{name}' out of wrt"
    if isinstance(v, (str, bytes)):
        return (f"a {type(v).__name__}, not a number",
                "pass a float or a float array for '{name}', or leave '{name}' out of wrt")
    if isinstance(v, (bool, np.bool_)) or (isinstance(v, np.ndarray) and v.dtype == bool):
        return ("a bool value", "pass floats (e.g. {name}.astype(float)), or leave '{name}' out of wrt")
    if isinstance(v, (int, np.integer)) or (isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.integer)):
        return ("an integer value",
                "pass a float (e.g. float({name}) or {name}.astype(float)), or leave '{name}' out of wrt")
    if isinstance(v, np.ndarray) and not np.issubdtype(v.dtype, np.inexact):
        return (f"an array of dtype {v.dtype}", "pass a float array (e.g. {name}.astype(float))")
    if library.is_foreign(v) and not library.is_inexact(v):
        # another library's array (Dask, PyTorch, JAX, array-api-strict): the same refusal as NumPy's
        if library.is_bool(v):
            return ("a bool value", "pass floats (e.g. {name}.astype(float)), or leave '{name}' out of wrt")
        return ("an integer value",
                "pass a float array (e.g. {name}.astype(float), or xp.astype({name}, xp.float64) "
                "for an array-API array), or leave '{name}' out of wrt")
    return None


# array types whose operators do not mean what NumPy's rules assume: refused, never guessed
_REFUSED_ARRAYS = (
    (np.matrix, "a numpy.matrix, whose * and ** are matrix products",
     "pass np.asarray({name}) (and write @ for matrix products)"),
    (np.ma.MaskedArray, "a masked array: its masked entries would still get derivatives",
     "pass {name}.filled(value) or the data and the mask as separate arrays, e.g. np.where(mask, 0.0, expr)"),
)


def _owners(x: Any, out: Set[int]) -> None:
    """Add the ids of the owners of the arrays in ``x`` (nested lists, tuples, dicts) to ``out``."""
    t = type(x)
    if t is float or t is int:
        return
    if isinstance(x, np.ndarray):
        out.add(id(_owner(x)))
    elif isinstance(x, (list, tuple)):
        for v in x:
            _owners(v, out)
    elif isinstance(x, dict):
        for v in x.values():
            _owners(v, out)


def _owner(a: np.ndarray) -> Any:
    """The object that owns ``a``'s memory (NumPy points every view at it): arrays share
    memory exactly when their owners are the same object."""
    base = a.base
    return a if base is None else base


def structure_copy(x: Any, memo: Optional[Dict[int, Any]] = None) -> Any:
    """``x`` with its lists, dicts and (plain) tuples rebuilt and its arrays copied: what a
    caller may keep and change while a pullback still needs the original.  What ``x`` holds
    twice (a list a helper returned and its residuals keep) is one copy, held twice."""
    memo = {} if memo is None else memo
    if isinstance(x, (np.ndarray, list, tuple, dict)) and id(x) in memo:
        return memo[id(x)]
    if isinstance(x, np.ndarray):
        out: Any = x.copy()
    elif isinstance(x, list):
        out = memo[id(x)] = []  # (before its items: a list that holds itself)
        out.extend(structure_copy(v, memo) for v in x)
    elif isinstance(x, tuple) and not hasattr(x, "_fields"):
        out = tuple(structure_copy(v, memo) for v in x)
    elif isinstance(x, dict):
        out = memo[id(x)] = {}
        out.update((k, structure_copy(v, memo)) for k, v in x.items())
    else:
        return x
    memo[id(x)] = out
    return out


def detached(result: Any, *sources: Any) -> Any:
    """``result`` with every array that may share memory with an array of ``sources`` (the
    caller's arguments, cotangents or tangents, what a pullback keeps) replaced by a copy: a
    derivative never aliases the caller's arrays nor what a later call reads."""
    if type(result) is float:
        return result
    owners: Set[int] = set()
    _owners(sources, owners)
    if not owners:
        return result

    # what the result holds twice stays one object, held twice (a module-level function, not a
    # recursive closure: that is a reference cycle, which kept every gradient alive until the
    # garbage collector ran; the next calls then allocated fresh memory and page-faulted)
    return _detach(result, owners, {})


def _detach(v: Any, owners: Set[int], memo: Dict[int, Any]) -> Any:
    if isinstance(v, np.ndarray):
        if id(_owner(v)) not in owners:
            return v
    elif not isinstance(v, (list, dict)) and not (isinstance(v, tuple) and not hasattr(v, "_fields")):
        return v
    if id(v) in memo:
        return memo[id(v)]
    if isinstance(v, np.ndarray):
        out: Any = v.copy()
    elif isinstance(v, list):
        out = memo[id(v)] = []
        out.extend(_detach(e, owners, memo) for e in v)
    elif isinstance(v, dict):
        out = memo[id(v)] = {}
        out.update((k, _detach(e, owners, memo)) for k, e in v.items())
    else:
        out = tuple(_detach(e, owners, memo) for e in v)
    memo[id(v)] = out
    return out


def written_arguments(fn: Callable) -> Set[int]:
    """Positions of the parameters ``fn`` changes in place (``x[0] = ...``, ``x += ...``,
    through aliases too): the derivative functions work on copies of those arguments, so that
    a call leaves the caller's arrays as they were (and repeated calls see the same point)."""
    from .analysis.mutations import _writes_to_parameters

    writes = _writes_to_parameters(fn)
    if "*" in writes:
        return set()
    names = params(fn)
    return {names.index(p) for p in writes if p in names}


def protected(values: Sequence[Any], positions: Sequence[int], fn: Optional[Callable] = None) -> List[Any]:
    """``values`` with copies of the arguments at ``positions`` (those the function changes in
    place, see written_arguments; the generated module's ``writes``).  Those may share memory
    neither with another argument nor with what the function ``fn`` reads (its globals, closure
    cells and defaults, and those of the functions it calls: ``tl.grad(f)(G)`` of an ``f`` that
    reads the global ``G``)."""
    _refuse_shared(values, positions or (), fn)
    if not positions:
        return list(values)
    return [structure_copy(v) if i in positions else v for i, v in enumerate(values)]


def _refuse_shared(values: Sequence[Any], positions: Sequence[int], fn: Optional[Callable]) -> None:
    """Refuse an argument at ``positions`` sharing memory with another or with what ``fn`` reads.
    Generated code (a gradient differentiated again: tl.hessian, tl.jacobian(tl.grad(f))) takes
    the arguments of the user's function it was made for first: those are checked on that
    function, so that a refusal names it and its line, not the cache file (and also when the
    generated code itself writes nothing in place: ``x += 1.0`` is ``x = x + 1.0`` there)."""
    made = getattr(fn, "__globals__", {}).get("__tl_user_function__") \
        if str(getattr(fn, "__module__", "")).startswith("tangent_lite_generated.") else None
    origin = made() if made is not None else getattr(fn, "__tl_origin__", None)  # (compose.wrapper)
    if origin is not None and origin is not fn:
        _refuse_shared(values, sorted(written_arguments(origin)), origin)
    if not positions:
        return
    read = reachable([fn], _SHARABLE) if fn is not None else []
    rebound = entry_rebound_positions(fn, positions) if fn is not None else set()
    for i in positions:  # the function changes argument i in place: in Python what shares its memory sees
        if i >= len(values):  # the change, the derivative code (given a copy) does not
            continue
        # (p[k] = v on a dict or list argument changes that container, not the arrays it holds)
        mine = [values[i]] if i in rebound and type(values[i]) in (dict, list) else _arrays_in(values[i])
        for j, other in enumerate(values):
            theirs = mine if j == i else _arrays_in(other)
            if any(_share(a, b) for k, a in enumerate(mine) for m, b in enumerate(theirs) if j != i or m > k):
                which = f"argument {i + 1}, which the function changes in place,"
                where = f"two entries of {which}" if j == i else f"{which} and argument {j + 1}"
                raise ArgumentError(
                    f"{where} share memory (the same "
                    "array or list, or views of one): the function's values depend on that sharing, which "
                    "derivatives do not follow",
                    hint="pass separate copies (x.copy()), or change the function to build a new value instead of "
                    "updating its argument in place")
        if any(_share(a, b) for a in mine for b in read):
            what, readers = _shared_read(fn, mine, _READ_DEPTH) or ("an array", [fn])
            names = [getattr(r, "__qualname__", "the function") for r in readers]
            calls = "" if len(names) == 1 else f" (called as {' -> '.join(names)})"
            raise ArgumentError(
                f"argument {i + 1}, which '{names[0]}' changes in place, and {what}, which '{names[-1]}' reads"
                f"{calls}, share memory (the same array or list, or views of one): the read sees the change too, "
                "which derivatives do not follow (they take what is read as a constant)",
                _def_location(readers[-1]),
                hint="pass a copy (f(G.copy()) for a global G the function reads), or change the function to "
                "build a new value instead of updating its argument in place")


_SHARABLE = (np.ndarray, list, dict)  # what an argument changed in place may share with a value the function reads
_READ_DEPTH = 4


def _shared_read(fn: Callable, mine: List[Any], depth: int) -> Optional[Tuple[str, List[Callable]]]:
    """(which value ``fn`` reads shares memory with an array or list of ``mine``, the chain of
    functions from ``fn`` to the one reading it), or None."""
    for name, value in function_reads(fn):
        if not any(_share(a, b) for a in mine for b in reachable([value], _SHARABLE)):
            continue
        if isinstance(value, types.FunctionType) and depth > 0:
            inner = _shared_read(value, mine, depth - 1)
            if inner is not None:
                return inner[0], [fn, *inner[1]]
        what = "a default value" if name == "a default" else f"the variable '{name}' of an enclosing function" \
            if name in fn.__code__.co_freevars else f"the global '{name}'"
        held = any(_share(a, b) for a in mine for b in _arrays_in(value))
        return (what if held else f"an array held by {what}"), [fn]
    return None


def _arrays_in(value: Any, limit: int = 256) -> List[Any]:
    """The arrays and lists ``value`` is or holds (in its lists, tuples and dicts), at most ``limit``."""
    out: List[Any] = []
    todo = [value]
    while todo and len(out) < limit:
        v = todo.pop()
        if isinstance(v, (np.ndarray, list, dict)):
            out.append(v)
        if isinstance(v, (list, tuple)):
            todo.extend(v)
        elif isinstance(v, dict):
            todo.extend(v.values())
    return out


def _share(a: Any, b: Any) -> bool:
    """May ``a`` and ``b`` be, or hold, the same memory (arrays: overlapping buffers)?"""
    if a is b and isinstance(a, (np.ndarray, list, dict)):
        return True
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        try:
            return bool(np.shares_memory(a, b, max_work=1000))
        except np.exceptions.TooHardError:
            return True
    return False


def _container_like(v: Any) -> bool:
    """A mapping or sequence that is no dict, list or tuple (``collections.UserDict``): its indexing is its own."""
    return isinstance(v, (collections.abc.Mapping, collections.abc.Sequence)) \
        and not isinstance(v, (dict, list, tuple, str, bytes, range))


def refuse_array_subclasses(fn: Callable, values: Sequence[Any]) -> None:
    """No argument may be an array type whose arithmetic is not NumPy's elementwise one (np.matrix...)."""
    for name, v in zip(params(fn), values):
        for cls, what, fix in _REFUSED_ARRAYS:
            if isinstance(v, cls):
                raise ArgumentError(f"cannot differentiate '{getattr(fn, '__qualname__', fn)}' with '{name}' being "
                                    f"{what}", hint=fix.format(name=name))
        leaves = list(v.values()) if isinstance(v, dict) else list(v) if isinstance(v, (list, tuple)) else []
        for leaf in [v] + leaves:
            method = own_behaviour(type(leaf)) or ("__getitem__" if _container_like(leaf) else "") or (
                "elements' operators (dtype=object)" if getattr(getattr(leaf, "dtype", 0), "kind", "") == "O" else "")
            if method:
                raise ArgumentError(
                    f"cannot differentiate '{getattr(fn, '__qualname__', fn)}' with '{name}' holding a "
                    f"{type(leaf).__qualname__} (a number, array, list or dict type with its own {method}): its "
                    "operators and indexing are not those derivatives follow",
                    hint=f"pass plain values (np.asarray(..., dtype=float), float(...), dict(...)) for '{name}'")
    _refuse_dict_iteration(fn, [n for n, v in zip(params(fn), values) if isinstance(v, dict)])


def _refuse_dict_iteration(fn: Callable, dict_params: List[str]) -> None:
    """``for k in d`` (also inside enumerate, zip, reversed) over a parameter that is a dict:
    not supported yet (derivative code iterates sequences by index), refused at the loop."""
    if not dict_params:
        return
    from .errors import UnsupportedConstructError

    try:
        src = S.load_function(fn)
    except Exception:  # noqa: BLE001 - the pipeline reports unreadable source itself
        return
    for node in S.walk(src.node):
        if not isinstance(node, (S.gast.For, S.gast.comprehension)):
            continue
        it = node.iter
        while isinstance(it, S.gast.Call) and isinstance(it.func, S.gast.Name) and it.args \
                and it.func.id in ("enumerate", "reversed", "zip", "sorted", "list", "tuple"):
            if it.func.id in ("list", "sorted", "tuple"):
                break  # list(d): its keys, iterated as a list
            it = it.args[0]
        if isinstance(it, S.gast.Name) and it.id in dict_params:
            raise UnsupportedConstructError(
                f"iterating the dict '{it.id}' ('for k in {it.id}') is not supported yet",
                src.location(node) if hasattr(node, "lineno") else src.location(src.node),
                f"iterate its keys as a list: 'for k in list({it.id}):'")


def check_shape(what: str, value: Any, like: Any) -> None:
    """``value`` (a tangent or cotangent) must have the structure and shapes of ``like``."""
    if isinstance(like, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(like):
            got = f"a {type(value).__name__} of {len(value)} entries" if isinstance(value, (tuple, list)) \
                else _what(value)
            raise ArgumentError(f"{what} must be a {type(like).__name__} of {len(like)} entries like the value "
                                f"it pairs with, got {got}",
                                hint=f"pass a {type(like).__name__} with one entry per element, each shaped like it")
        for v, lk in zip(value, like):
            check_shape(what, v, lk)
        return
    if isinstance(like, dict):
        if not isinstance(value, dict) or set(value) != set(like):
            got = f"the keys {', '.join(sorted(map(repr, value)))}" if isinstance(value, dict) else _what(value)
            raise ArgumentError(f"{what} must be a dict with the keys {', '.join(sorted(map(repr, like)))} of the "
                                f"value it pairs with, got {got}",
                                hint="pass a dict with the same keys, each value shaped like the entry it pairs with")
        for k in like:
            check_shape(what, value[k], like[k])
        return
    if like is None:
        return
    if np.shape(value) != np.shape(like):
        raise ArgumentError(f"{what} has shape {np.shape(value)}, expected {np.shape(like)}",
                            hint=f"pass an array of shape {np.shape(like)} (the shape of the value it pairs with)")
    if np.iscomplexobj(value) and not np.iscomplexobj(like):
        raise ArgumentError(f"{what} is complex, but the value it pairs with is real",
                            hint="a real value has real tangents and cotangents (docs/complex-numbers.md): "
                                 "pass np.real of it, or make the value complex")


def check_cotangent(cotangent: Any, n_out: int) -> None:
    """A function with ``n_out > 1`` outputs (a tuple) needs a tuple of ``n_out`` cotangents."""
    if n_out <= 1:
        return
    if not isinstance(cotangent, (tuple, list)):
        raise ArgumentError(
            f"the function returns a tuple of {n_out} outputs, so the cotangent must be a tuple of {n_out} "
            f"entries, got {_what(cotangent)}",
            hint=f"pass one cotangent per output: pullback(({', '.join(f'c{i}' for i in range(n_out))}))")
    if len(cotangent) != n_out:
        raise ArgumentError(
            f"the cotangent has {len(cotangent)} entries, but the function returns a tuple of {n_out} outputs",
            hint=f"pass exactly {n_out} cotangents, one per output (zeros for an output you do not need)")


def jvp_sequences(primals: Any, tangents: Any) -> Tuple[Tuple[Any, ...], Tuple[Any, ...]]:
    """``tl.jvp(f, primals, tangents)`` takes a tuple (or list) of arguments and a tuple of
    tangents, as JAX's ``jvp`` does.  A bare value in either place (``tl.jvp(f, (x,), v)``)
    would otherwise be split into its elements: refused, saying what to write."""
    for what, seq, example in (("primals", primals, "(x,)"), ("tangents", tangents, "(v,)")):
        if not isinstance(seq, (tuple, list)):
            shape = f" of shape {np.shape(seq)}" if hasattr(seq, "shape") else ""
            raise ArgumentError(
                f"tl.jvp takes the {what} as a tuple with one entry per argument, got one value "
                f"({type(seq).__name__}{shape})",
                hint=f"wrap it in a tuple: tl.jvp(f, (x,), (v,)) for one argument, tl.jvp(f, (x, y), (v, w)) "
                     f"for two; here: {example}")
    # (a list's tangent is the code's own copy: the derivative appends to it as the function to its list)
    return tuple(primals), tuple(structure_copy(t) if isinstance(t, (list, dict)) else t for t in tangents)


def jvp_names(target: Any, tangents: Sequence[Any], wrt: Wrt) -> Tuple[str, ...]:
    """The arguments the tangents pair with: ``wrt``, or the first ``len(tangents)`` arguments."""
    if wrt is None:
        free, _ = free_params(target)
        if not tangents or len(tangents) > len(free):
            needs = "exactly 1 tangent" if len(free) == 1 else f"between 1 and {len(free)} tangents"
            raise ArgumentError(
                f"jvp needs {needs} for {describe(target)} ({', '.join(free)}), got {len(tangents)}",
                hint="pass one tangent for each of the first k arguments, or choose the arguments with wrt=")
        return tuple(free[:len(tangents)])
    names, _ = resolve_wrt(target, wrt)
    if len(names) != len(tangents):
        raise ArgumentError(
            f"{len(tangents)} tangent{'s' if len(tangents) != 1 else ''} for {len(names)} wrt argument"
            f"{'s' if len(names) != 1 else ''} ({', '.join(names)})",
            hint="pass exactly one tangent per wrt argument, in the order of wrt")
    return names


def pick(grads: Any, single: bool, n: int) -> Any:
    """One gradient for a single ``wrt``, else a tuple of them."""
    if n == 1:
        return grads if single else (grads,)
    return tuple(grads)


# ------------------------------------------------------------------ outputs


def check_has_return(fn: Callable) -> None:
    """A function without a ``return`` returns None: there is nothing to differentiate."""
    place = _missing_return(fn)
    if place is not None:
        raise ArgumentError(
            f"'{fn.__qualname__}' has no return statement, so it returns None: there is no output to "
            f"differentiate", location=place,
            hint="return the value to differentiate (e.g. return np.sum(y))")


@_per_function
def _missing_return(fn: Callable) -> Optional[Location]:
    """The place of ``fn``'s def line if its body has no ``return`` (nested defs not counted)."""
    code = getattr(fn, "__code__", None)
    if code is None or fn.__name__ == "<lambda>" or code.co_flags & (
            inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        return None  # not a plain def: other checks say what is wrong
    try:
        src = S.load_function(fn)
    except SourceUnavailableError:
        return None  # reported when the function is lowered
    todo = list(src.node.body)
    while todo:
        node = todo.pop()
        if isinstance(node, S.gast.Return):
            return None
        if not isinstance(node, (S.gast.FunctionDef, S.gast.AsyncFunctionDef, S.gast.Lambda, S.gast.ClassDef)):
            todo.extend(S.gast.iter_child_nodes(node))
    return src.location(src.node)


def def_location(fn: Callable) -> str:
    """Where ``fn`` is defined (``file:line``), or "" when it has no Python source."""
    where = _def_location(fn)
    return "" if where is None else f"{where.filename}:{where.lineno}"


def _def_location(fn: Callable) -> Optional[Location]:
    try:
        src = S.load_function(fn)
    except SourceUnavailableError:
        return None
    return src.location(src.node)


# ------------------------------------------------------------------ specialisation keys


def spec(values: Sequence[Any]) -> Tuple[Any, ...]:
    """The specialisation key of a call: the argument ranks (see :mod:`shapes`; a 0-d array has none),
    or the ranks of the items of a list, tuple or dict argument (:mod:`analysis.items`).  Never None
    (the general code, tl.source's): code that runs checks the operands of unknown rank (receivers.py)."""
    return tuple([0 if type(v) is float else (v.ndim or None) if type(v) is np.ndarray
                  else items.items_of(v, shapes.arg_rank) if type(v) in CONTAINER_TYPES else shapes.arg_rank(v)
                  for v in values])


CONTAINER_TYPES = (list, tuple, dict)


def running_spec(fn: Callable) -> Tuple[None, ...]:
    """The key of code that runs on arguments of ranks not known in advance (what tl.gradient_function
    returns, what compose.py calls): no ranks, yet the operands of unknown type are checked
    (receivers.py), unlike tl.source's general code (key None)."""
    return (None,) * len(signature(fn).parameters)
