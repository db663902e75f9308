"""Batched tangents (``tl.jvp(batched=True)``): ``k`` directions stacked along a new first axis of
each tangent, or of each array of a tangent that is a list, tuple or dict (one entry per entry of
the value it pairs with).  A function using an operation without a batched rule is run one
direction at a time and the tangents stacked, as the batched pass would give them; every run sees
the random draws of the first (draws.py)."""

from __future__ import annotations

from typing import Any, Callable, Iterator, List, Sequence, Tuple

import numpy as np

from . import draws
from .errors import ArgumentError


def check(names: Sequence[str], tangents: Sequence[Any], likes: Sequence[Any]) -> Tuple[int, Tuple[Any, ...]]:
    """The number ``k`` of directions of batched ``tangents``, after checking each (each entry of
    a container tangent) has the shape ``(k,) + `` the shape of the value it pairs with, and the
    tangents, a list standing for an array's stack read as the array NumPy makes of it."""
    counts = set()
    for n, t, like in zip(names, tangents, likes):
        for where, leaf, shape in _leaves(t, like, n):
            leaf = np.asarray(leaf)
            if leaf.ndim < 1 or leaf.shape[1:] != shape:
                raise ArgumentError(
                    f"the batched tangent of '{where}' has shape {leaf.shape}, expected (k,) + {shape}",
                    hint="stack the k directions along a new first axis: np.stack([v1, v2, ...]); for a list, "
                         "tuple or dict, pass one of the same kind holding such a stack for each entry")
            counts.add(len(leaf))
    if len(counts) > 1:
        raise ArgumentError("batched tangents must all carry the same number of directions",
                            hint="give every tangent (every entry of a container tangent) the same leading axis "
                                 "length k")
    return counts.pop() if counts else 0, tuple(_arrays(t, like) for t, like in zip(tangents, likes))


def _arrays(t: Any, like: Any) -> Any:
    """``t`` with its lists that pair with an array (a stack of directions) read as arrays."""
    if _container(t, like):
        keys = like if isinstance(like, dict) else range(len(like))
        items = {k: _arrays(t[k], like[k]) for k in keys}
        return items if isinstance(t, dict) else type(t)(items[k] for k in keys) if not hasattr(t, "_fields") \
            else type(t)(*(items[k] for k in keys))
    return np.asarray(t) if isinstance(t, (list, tuple)) else t


def _container(t: Any, like: Any) -> bool:
    """Is ``t`` a container tangent (one stack per entry of ``like``), not one stacked array?"""
    return isinstance(like, (list, tuple, dict)) and isinstance(t, (list, tuple, dict))


def _leaves(t: Any, like: Any, where: str) -> Iterator[Tuple[str, Any, Tuple[int, ...]]]:
    if not _container(t, like):
        yield where, t, np.shape(like)
        return
    if isinstance(like, dict) != isinstance(t, dict) or len(t) != len(like) or (
            isinstance(like, dict) and set(t) != set(like)):
        raise ArgumentError(
            f"the batched tangent of '{where}' is a {type(t).__name__} of {len(t)}, which does not match the "
            f"{type(like).__name__} of {len(like)} it pairs with"
            + (f" (keys {sorted(map(str, t))}, expected {sorted(map(str, like))})" if isinstance(like, dict) and
               isinstance(t, dict) else ""),
            hint="pass a tangent of the same kind, with the same entries, each a stack of the k directions of "
                 "that entry (np.stack([v1, v2, ...]))")
    for key in (like if isinstance(like, dict) else range(len(like))):
        yield from _leaves(t[key], like[key], f"{where}[{key!r}]")


def split(tangents: Sequence[Any], likes: Sequence[Any], k: int) -> List[Tuple[Any, ...]]:
    """The ``k`` directions of batched ``tangents``, one tuple per direction, each tangent shaped
    like the value it pairs with."""
    return [tuple(_direction(t, like, j) for t, like in zip(tangents, likes)) for j in range(k)]


def _direction(t: Any, like: Any, j: int) -> Any:
    if _container(t, like):
        keys = like if isinstance(like, dict) else range(len(like))
        items = [_direction(t[key], like[key], j) for key in keys]
        if isinstance(like, dict):
            return type(like)(zip(keys, items))
        return type(like)(*items) if hasattr(like, "_fields") else type(like)(items)
    return shaped_like(np.asarray(t)[j], like)


def one_at_a_time(fn: Callable, values: Sequence[Any], run: Callable[[Tuple[Any, ...]], Tuple[Any, Any]],
                  tangents: Sequence[Any], likes: Sequence[Any], k: int) -> Tuple[Any, Any]:
    """``(out, out_tangents)`` of ``tl.jvp(batched=True)`` from ``run`` (the unbatched JVP) of each
    direction, every run seeing the random draws of the first (refused when they cannot)."""
    if not k:
        raise ArgumentError("batched tangents with no directions (a leading axis of length 0)",
                            hint="pass at least one direction, or call tl.jvp without batched=True")
    states = draws.Draws(fn, values)
    runs = []
    for j, one in enumerate(split(tangents, likes, k)):
        if j:
            states.restore()
        runs.append(run(one))
    draws.same_values(fn, [out for out, _ in runs], "once per direction: an operation without a batched rule")
    return runs[0][0], _stack([t for _, t in runs])


def _stack(trees: List[Any]) -> Any:
    first = trees[0]
    if first is None:
        return None
    if isinstance(first, dict):
        return type(first)((k, _stack([t[k] for t in trees])) for k in first)
    if isinstance(first, (tuple, list)):
        items = [_stack(list(column)) for column in zip(*trees)]
        return type(first)(*items) if hasattr(first, "_fields") else type(first)(items)
    return np.stack([np.asarray(t) for t in trees])


def shaped_like(e: Any, x: Any) -> Any:
    """The direction ``e`` (an array shaped like ``x``) as the tangent of ``x``: for a list or
    tuple of numbers (``tl.jacobian`` takes them), a list or tuple of its entries, nested alike."""
    if isinstance(x, (list, tuple)):
        items = [shaped_like(ei, xi) for ei, xi in zip(e, x)]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    return e
