"""Batched forward mode: a batched tangent of a value of shape S has shape (k,) + S: k
directions at once.  These helpers apply the tangent rules to such tangents (the batch
axis in front, skipped by reductions and products).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .library import as_array, inexact
from .values import _float_dtype, _is_record, _map_struct


def batch_size(t: Any) -> int:
    """The number of directions ``k`` a batched tangent carries."""
    return len(t) if not isinstance(t, (dict,)) else len(next(iter(t.values())))


def batch_zeros(x: Any, k: int) -> Any:
    """A batched zero tangent for ``x``."""
    if isinstance(x, (tuple, list, dict)) or _is_record(x):
        return _map_struct(lambda v: batch_zeros(v, k), x)
    return np.zeros((k,) + np.shape(x), dtype=_float_dtype(x))


def batch_bcast(t: Any, ans: Any) -> Any:
    """Broadcast a batched tangent to ``(k,) + ans.shape``."""
    shape = np.shape(ans)
    t = as_array(t)
    if t.shape[1:] == shape:
        return t
    return np.broadcast_to(t.reshape(t.shape[:1] + (1,) * (len(shape) - t.ndim + 1) + t.shape[1:]),
                           t.shape[:1] + shape)


def batch_lift(t: Any, ans: Any) -> Any:
    """A batched tangent ``(k,) + S`` reshaped to ``(k,) + (1,) * (ndim(ans) - len(S)) + S`` so
    that elementwise rules broadcast it like its primal against the other operands."""
    if isinstance(t, (list, tuple, dict)):
        return t
    t = as_array(t)
    missing = np.ndim(ans) - (t.ndim - 1)
    if missing <= 0:
        return t
    return t.reshape(t.shape[:1] + (1,) * missing + t.shape[1:])


def _shift_axis(axis: Any, ndim: int) -> Any:
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, int):
        return axis % ndim + 1
    return tuple(a % ndim + 1 for a in axis)


def batch_reduce(reduce: Any, t: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``reduce(t, axis)`` over the batched tangent ``t`` of ``x``, skipping the batch axis."""
    return reduce(t, axis=_shift_axis(axis, np.ndim(x)), keepdims=keepdims)


def batch_matmul(a: Any, b: Any, which: int) -> Any:
    """``a @ b`` where operand ``which`` (0 or 1) carries the batch axis in front."""
    if which == 0:
        return np.matmul(a, b)  # the batch axis is a leading (broadcast) axis of a
    if np.ndim(b) == 2:  # b was a vector: (k, n)
        if np.ndim(a) == 1:
            return b @ a
        return np.einsum("...mn,kn->k...m", a, b)
    return np.matmul(a, b)


def batch_dot(a: Any, b: Any, which: int) -> Any:
    """``np.dot(a, b)`` with the batch axis (in front) on operand ``which``."""
    if which == 0:
        return np.multiply.outer(a, b) if np.ndim(b) == 0 else (
            a[(...,) + (None,) * np.ndim(b)] * b if np.ndim(a) == 1 else np.dot(a, b))
    if np.ndim(a) == 0:
        return a * b
    contracted = 1 if np.ndim(b) == 2 else np.ndim(b) - 2
    out = np.tensordot(a, b, axes=([-1], [contracted]))
    return np.moveaxis(out, np.ndim(a) - 1, 0)


def batch_outer(a: Any, b: Any, which: int) -> Any:
    if which == 0:
        return np.reshape(a, (len(a), -1))[:, :, None] * np.ravel(b)[None, None, :]
    return np.ravel(a)[None, :, None] * np.reshape(b, (len(b), -1))[:, None, :]


def batch_transpose(t: Any, axes: Any = None) -> Any:
    nd = np.ndim(t) - 1
    order = tuple(reversed(range(nd))) if axes is None else tuple(a % nd for a in axes)
    return np.transpose(t, (0,) + tuple(a + 1 for a in order))


def batch_stack(t: Any, ans: Any) -> Any:
    """Tangent of ``np.array(seq)``: the entries' batched tangents stacked after the batch axis."""
    if isinstance(t, (list, tuple)):
        parts = [batch_stack(v, None) for v in t]
        return np.stack(parts, axis=1)
    return inexact(t)


def batch_builtin_sum(t: Any, x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return sum(t)
    return np.sum(t, axis=1)


def batch_getitem(t: Any, index: Any) -> Any:
    """``t[index]`` on the entries of a batched tangent (containers are indexed directly)."""
    if isinstance(t, (list, tuple, dict)):
        return t[index]
    return t[(slice(None),) + (index if isinstance(index, tuple) else (index,))]


def batch_setitem(t: Any, index: Any, v: Any) -> Any:
    """A copy of the batched tangent ``t`` with ``t[index] = v`` on each direction's entries (a
    list's or dict's tangent holds one batched tangent per entry: the entry is replaced)."""
    if isinstance(t, (list, dict)):
        out_c = dict(t) if isinstance(t, dict) else list(t)
        out_c[index] = v
        return out_c
    out = np.array(t, dtype=float, copy=True)
    out[(slice(None),) + (index if isinstance(index, tuple) else (index,))] = \
        v if np.ndim(v) == 0 else as_array(v)
    return out
