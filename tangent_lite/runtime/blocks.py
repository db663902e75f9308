"""Small building blocks the array helpers share: axes, reduced shapes, safe division,
containers of pieces, matrix transposes.
"""

from __future__ import annotations

from typing import Any, List

import numpy as np

from .library import as_array, inexact, namespace, reshaped, zeros_of


def axes_of(axis: Any, ndim: int) -> tuple:
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(int(a) % ndim for a in axis))


def expand_reduced(g: Any, shape: tuple, axes: tuple, keepdims: bool) -> Any:
    """Reshape a reduction's output (or its cotangent) so it broadcasts against ``shape``."""
    g = as_array(g)
    if keepdims:
        return g
    if g.ndim == 0:
        return reshaped(g, (1,) * len(shape))
    return reshaped(g, [1 if i in axes else n for i, n in enumerate(shape)])


def safe_div(a: Any, b: Any) -> Any:
    """``a / b``, taken as 0 where ``b == 0`` (the convention at kinks such as ``|x|`` at 0)."""
    b = as_array(b)
    zero = b == 0
    return np.where(zero, 0.0, np.divide(a, np.where(zero, 1.0, b)))


def seq_like(pieces: List[Any], like: Any) -> Any:
    """``pieces`` in the container type of ``like`` (list, tuple, or an array of rows)."""
    if isinstance(like, tuple):
        return tuple(pieces)
    if isinstance(like, np.ndarray):
        return np.reshape(inexact(pieces), like.shape)
    return list(pieces)


def entry_or_zero(g: Any, i: int, like: Any) -> Any:
    """Entry ``i`` of a tuple/list cotangent, with None (or a missing container) read as zeros."""
    if g is None or g[i] is None:
        return zeros_of(np.shape(like), like)
    return inexact(g[i])


def matrix_t(x: Any) -> Any:
    """Transpose of (a stack of) matrices."""
    return np.swapaxes(x, -1, -2) if namespace(x) is np else x.mT


def sym_part(x: Any) -> Any:
    return 0.5 * (x + matrix_t(x))
