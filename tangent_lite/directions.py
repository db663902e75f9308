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
