"""``tl.jvp(batched=True)`` of a function using an operation without a batched rule: the
directions are run one at a time and their tangents stacked, as the batched pass would give them."""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

import numpy as np

from .errors import ArgumentError


def stacked(runs: Sequence[Tuple[Any, Any]]) -> Tuple[Any, Any]:
    """``(out, out_tangents)`` of ``tl.jvp(batched=True)`` from one ``(out, out_tangent)`` per
    direction (a function using an operation without a batched rule): the tangents stacked along
    a new first axis, through tuples, lists and dicts."""
    if not runs:
        raise ArgumentError("batched tangents with no directions (a leading axis of length 0)",
                            hint="pass at least one direction, or call tl.jvp without batched=True")
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


def split(tangents: Sequence[Any], likes: Sequence[Any]) -> List[Tuple[Any, ...]]:
    """The directions of batched ``tangents`` (each an array with a leading axis of ``k``
    directions), one tuple per direction, each tangent shaped like the value it pairs with."""
    arrays = [np.asarray(t) for t in tangents]
    return [tuple(shaped_like(a[j], like) for a, like in zip(arrays, likes)) for j in range(len(arrays[0]))]


def shaped_like(e: Any, x: Any) -> Any:
    """The direction ``e`` (an array shaped like ``x``) as the tangent of ``x``: for a list or
    tuple of numbers (``tl.jacobian`` takes them), a list or tuple of its entries, nested alike."""
    if isinstance(x, (list, tuple)):
        items = [shaped_like(ei, xi) for ei, xi in zip(e, x)]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    return e
