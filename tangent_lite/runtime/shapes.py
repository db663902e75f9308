"""Adjoints of shape changes and selections: transpose, concatenate/stack/split, tile,
repeat, pad, diagonals and triangles, append/delete, take, compress, select, roll.
"""

from __future__ import annotations

import math
from typing import Any, List, Sequence

import numpy as np

from .blocks import entry_or_zero, seq_like
from .broadcast import unbroadcast
from .indexing import summed_rows
from .library import inexact, is_foreign, namespace, reshaped


def transpose_bar(g: Any, axes: Any = None) -> Any:
    if namespace(g) is not np:  # an array-API array: permute_dims
        nd = g.ndim
        order = tuple(range(nd))[::-1] if axes is None else tuple(int(i) for i in np.argsort([a % nd for a in axes]))
        return namespace(g).permute_dims(g, order)
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, tuple(int(i) for i in np.argsort([a % np.ndim(g) for a in axes])))  # (Dask: a tuple)


def rollaxis_bar(g: Any, a: Any, axis: int, start: int = 0) -> Any:
    nd = np.ndim(a)
    ax = axis % nd
    st = start + nd if start < 0 else start
    dest = st - 1 if st > ax else st
    return np.moveaxis(g, dest, ax)


def _pieces(g: Any, sizes: Sequence[int], ax: int) -> List[Any]:
    """``g`` cut along axis ``ax`` into pieces of ``sizes``: slices (what ``np.split`` gives, in any
    array library: Dask has no ``split`` and would compute the array to split it)."""
    ends = np.cumsum(sizes).tolist()
    lead = (slice(None),) * ax
    return [g[lead + (slice(a, b), Ellipsis)] for a, b in zip([0] + ends[:-1], ends)]


def concatenate_bar(g: Any, arrays: Sequence[Any], axis: Any = 0) -> Any:
    shapes = [np.shape(x) for x in arrays]
    if axis is None:
        parts = _pieces(reshaped(g, (-1,)), [int(np.prod(s, dtype=int)) for s in shapes], 0)
        return seq_like([reshaped(p, s) for p, s in zip(parts, shapes)], arrays)
    ax = axis % np.ndim(g)
    return seq_like(_pieces(g, [s[ax] for s in shapes], ax), arrays)


def stack_bar(g: Any, arrays: Sequence[Any], axis: Any = 0) -> Any:
    moved = np.moveaxis(g, axis, 0)
    return seq_like([np.reshape(moved[i], np.shape(x)) for i, x in enumerate(arrays)], arrays)


def promoted_shape(shape: tuple, kind: str) -> tuple:
    """The shape ``hstack``/``vstack``/``dstack``/``column_stack`` give one input before joining."""
    view = np.broadcast_to(0.0, shape)
    if kind == "hstack":
        return np.atleast_1d(view).shape
    if kind == "vstack":
        return np.atleast_2d(view).shape
    if kind == "dstack":
        return np.atleast_3d(view).shape
    return shape + (1,) if len(shape) == 1 else np.atleast_2d(view).shape if len(shape) == 0 else shape


def joined_axis(shapes: Sequence[tuple], kind: str) -> int:
    if kind == "hstack":
        return 0 if len(shapes[0]) == 1 else 1
    return {"vstack": 0, "dstack": 2, "column_stack": 1}[kind]


def joined_bar(g: Any, tup: Sequence[Any], kind: str) -> Any:
    """Cotangent of the sequence in ``np.hstack``/``vstack``/``dstack``/``column_stack``."""
    shapes = [promoted_shape(np.shape(x), kind) for x in tup]
    ax = joined_axis(shapes, kind)
    parts = _pieces(g, [s[ax] for s in shapes], ax)
    return seq_like([np.reshape(p, np.shape(x)) for p, x in zip(parts, tup)], tup)


def split_bar(g: Any, ans: Sequence[Any], axis: int) -> Any:
    """Cotangent of the array split into ``ans``: join the pieces' cotangents (None is zero)."""
    return np.concatenate([entry_or_zero(g, i, piece) for i, piece in enumerate(ans)], axis=axis)


def unstack_bar(g: Any, ans: Sequence[Any], axis: int = 0) -> Any:
    """Cotangent of ``x`` in ``np.unstack(x, axis)``: stack the pieces' cotangents (None is zero)."""
    return np.stack([entry_or_zero(g, i, piece) for i, piece in enumerate(ans)], axis=axis)


def tile_bar(g: Any, A: Any, reps: Any) -> Any:
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = max(np.ndim(A), len(reps))
    shape = (1,) * (nd - np.ndim(A)) + np.shape(A)
    reps = (1,) * (nd - len(reps)) + reps
    folded = np.reshape(g, [n for pair in zip(reps, shape) for n in pair])
    return np.reshape(np.sum(folded, axis=tuple(range(0, 2 * nd, 2))), np.shape(A))


def repeat_bar(g: Any, a: Any, repeats: Any, axis: Any = None) -> Any:
    if axis is None:
        size = math.prod(np.shape(a))
        idx = np.repeat(np.arange(size), repeats)
        return np.reshape(summed_rows(idx, np.ravel(g), size), np.shape(a))
    ax = axis % np.ndim(a)
    n = np.shape(a)[ax]
    moved = np.moveaxis(inexact(g), ax, 0)
    return np.moveaxis(summed_rows(np.repeat(np.arange(n), repeats), moved, n), 0, ax)


def pad_check(mode: Any) -> None:
    modes = ("constant", "edge", "reflect", "symmetric", "wrap")
    if mode not in modes:
        raise NotImplementedError(f"tangent_lite: np.pad(mode={mode!r}) has no derivative rule "
                                  f"(supported modes: {', '.join(modes)})")


def pad_tangent(t: Any, pad_width: Any, mode: Any = "constant") -> Any:
    pad_check(mode)
    return np.pad(inexact(t), pad_width, mode=mode)


def pad_bar(g: Any, array: Any, pad_width: Any, mode: Any = "constant") -> Any:
    """Adjoint of a padding that copies entries: pad an index map, then scatter-add ``g``."""
    pad_check(mode)
    size = math.prod(np.shape(array))
    index = np.arange(size).reshape(np.shape(array))
    if mode == "constant":
        source = np.pad(index, pad_width, mode="constant", constant_values=-1).ravel()
    else:
        source = np.pad(index, pad_width, mode=mode).ravel()
    keep = source >= 0
    return np.reshape(summed_rows(source[keep], np.ravel(g)[keep], size), np.shape(array))


def diag_positions(n: int, m: int, offset: int) -> tuple:
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    rows = np.arange(length) + max(-offset, 0)
    return rows, rows - max(-offset, 0) + max(offset, 0)


def diagonal_bar(g: Any, a: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Any:
    """Cotangent of ``np.diagonal``: ``g`` placed back on the diagonal."""
    nd = np.ndim(a)
    a1, a2 = axis1 % nd, axis2 % nd
    shape = np.shape(a)
    n, m = shape[a1], shape[a2]
    rows, _ = diag_positions(n, m, offset)
    if len(rows) == 0:  # an offset past the matrix: an empty diagonal
        return np.zeros(shape)
    # entry (r, c) is g[..., r - first row] on the diagonal, 0 elsewhere (no writes: Dask's g stays lazy)
    r = np.arange(n)[:, None]
    on_diagonal = np.arange(m)[None, :] - r == offset
    along = np.take(inexact(g), np.clip(r[:, 0] - max(-offset, 0), 0, len(rows) - 1), axis=-1)
    out = np.where(on_diagonal, np.expand_dims(along, -1), 0.0)
    return np.moveaxis(out, (-2, -1), (a1, a2))


def trace_bar(g: Any, a: Any, offset: Any = 0, axis1: Any = 0, axis2: Any = 1) -> Any:
    n = np.shape(a)[axis1]
    m = np.shape(a)[axis2]
    rows, _ = diag_positions(n, m, offset)
    return diagonal_bar(np.repeat(np.expand_dims(g, -1), len(rows), axis=-1), a, offset, axis1, axis2)


def diag_bar(g: Any, v: Any, k: Any = 0) -> Any:
    if np.ndim(v) == 1:
        return np.diag(g, k)
    return diagonal_bar(g, v, k, 0, 1)


def tri_bar(g: Any, m: Any, k: Any, lower: bool) -> Any:
    """Cotangent of ``np.tril``/``np.triu`` (a 1-D ``m`` is repeated down the rows)."""
    masked = np.tril(g, k) if lower else np.triu(g, k)
    return np.sum(masked, axis=0) if np.ndim(m) == 1 else masked


def np_append_bar(g: Any, which: int, arr: Any, values: Any, axis: Any = None) -> Any:
    """Cotangent of ``arr`` (which=0) or ``values`` (which=1) in ``np.append``."""
    like = arr if which == 0 else values
    if axis is None:
        flat = np.ravel(g)
        n = math.prod(np.shape(arr))
        return np.reshape(flat[:n] if which == 0 else flat[n:], np.shape(like))
    ax = axis % np.ndim(g)
    n = np.shape(arr)[ax]
    piece = np.take(g, np.arange(n) if which == 0 else np.arange(n, np.shape(g)[ax]), axis=ax)
    return np.reshape(piece, np.shape(like))


def delete_bar(g: Any, arr: Any, obj: Any, axis: Any = None) -> Any:
    """Cotangent of ``np.delete``: ``g`` back at the kept positions, 0 at the deleted ones (read
    from ``g`` by position, no writes: Dask's ``g`` stays lazy)."""
    if axis is None:
        return np.reshape(delete_bar(np.ravel(g), np.ravel(arr), obj, 0), np.shape(arr))
    ax = axis % np.ndim(arr)
    n = np.shape(arr)[ax]
    keep = np.delete(np.arange(n), obj)
    if len(keep) == 0:
        return np.zeros(np.shape(arr))
    kept = np.isin(np.arange(n), keep)
    along = np.take(inexact(g), np.minimum(np.searchsorted(keep, np.arange(n)), len(keep) - 1), axis=ax)
    return np.where(np.reshape(kept, [n if i == ax else 1 for i in range(np.ndim(arr))]), along, 0.0)


def taken(x: Any, indices: Any, axis: Any = None, mode: Any = "raise") -> Any:
    """``np.take(x, indices, axis, mode=mode)`` in ``x``'s own library: Dask's ``take`` has no
    ``mode`` and no ``axis=None``, so another library's array is indexed (indices mapped by
    ``mode`` first, in NumPy: they are constants)."""
    if not is_foreign(x):
        return np.take(x, indices, axis, None, mode)
    if axis is None:
        x, ax = np.reshape(x, (-1,)), 0
    else:
        ax = axis % len(np.shape(x))
    idx = np.take(np.arange(np.shape(x)[ax]), indices, mode=mode) if mode != "raise" else np.asarray(indices)
    return x[(slice(None),) * ax + (int(idx) if idx.ndim == 0 else idx,)]  # (Dask: a 0-d index as an int)


def take_bar(g: Any, a: Any, indices: Any, axis: Any = None, mode: Any = "raise") -> Any:
    """Cotangent of ``np.take`` (repeated indices accumulate; 'wrap'/'clip' map indices first)."""
    if axis is None:
        size = math.prod(np.shape(a))
        idx = np.take(np.arange(size), indices, mode=mode)
        return np.reshape(summed_rows(idx, np.ravel(g), size), np.shape(a))
    shape = np.shape(a)
    ax = axis % len(shape)
    idx = np.take(np.arange(shape[ax]), indices, mode=mode)
    # (g's axes: shape[:ax], idx's axes, shape[ax + 1:]: idx's axes first, one row per entry of idx)
    k = np.ndim(idx)
    moved = np.moveaxis(inexact(g), list(range(ax, ax + k)), list(range(k)))
    rows = np.reshape(moved, (int(np.size(idx)),) + tuple(shape[:ax]) + tuple(shape[ax + 1:]))
    return np.moveaxis(summed_rows(idx, rows, shape[ax]), 0, ax)


def take_along_axis_bar(g: Any, arr: Any, indices: Any, axis: Any = -1) -> Any:
    if axis is None:
        size = math.prod(np.shape(arr))
        idx = np.ravel(indices) % size
        return np.reshape(np.bincount(idx, weights=np.ravel(g), minlength=size), np.shape(arr))
    shape = np.shape(arr)
    ax = axis % len(shape)
    g = inexact(g)
    grids = np.indices(g.shape, sparse=True)
    index = tuple(np.broadcast_to(indices, g.shape) % shape[ax] if d == ax else
                  (grids[d] if shape[d] != 1 else np.zeros_like(grids[d])) for d in range(len(shape)))
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return out


def compress_bar(g: Any, condition: Any, a: Any, axis: Any = None) -> Any:
    keep = np.flatnonzero(np.asarray(condition, dtype=bool))
    if axis is None:
        out = np.zeros(math.prod(np.shape(a)))
        out[keep] = g
        return np.reshape(out, np.shape(a))
    ax = axis % np.ndim(a)
    out = np.zeros(np.shape(a))
    out[(slice(None),) * ax + (keep,)] = g
    return out


def extract_bar(g: Any, condition: Any, arr: Any) -> Any:
    out = np.zeros(math.prod(np.shape(arr)))
    out[np.flatnonzero(np.ravel(condition))] = g
    return np.reshape(out, np.shape(arr))


def select_masks(condlist: Sequence[Any], shape: tuple) -> tuple:
    """For ``np.select``: where each choice is taken (the first true condition wins), and where
    any condition holds."""
    taken = np.zeros(shape, dtype=bool)
    masks = []
    for c in condlist:
        c = np.broadcast_to(np.asarray(c, dtype=bool), shape)
        masks.append(c & ~taken)
        taken = taken | c
    return masks, taken


def select_tangent(t: Any, which: int, condlist: Sequence[Any], choicelist: Sequence[Any], default: Any,
                   ans: Any) -> Any:
    """Tangent of ``np.select`` along the choices (which=0, a sequence) or ``default`` (which=1)."""
    masks, taken = select_masks(condlist, np.shape(ans))
    if which == 0:
        out = np.zeros(np.shape(ans))
        for m, ti in zip(masks, t):
            out = np.where(m, ti, out)
        return out
    return np.where(taken, 0.0, np.broadcast_to(t, np.shape(ans)))


def select_bar(g: Any, which: int, condlist: Sequence[Any], choicelist: Sequence[Any], default: Any) -> Any:
    masks, taken = select_masks(condlist, np.shape(g))
    if which == 0:
        return seq_like([unbroadcast(np.where(m, g, 0.0), c) for m, c in zip(masks, choicelist)], choicelist)
    return unbroadcast(np.where(taken, 0.0, g), default)


def roll_bar(g: Any, shift: Any, axis: Any = None) -> Any:
    return np.roll(g, np.negative(shift), axis)
