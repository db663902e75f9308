"""What generated code keeps for its reverse sweep: values put on the tape before they are
overwritten in place (and put back), copies of what a pullback changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .library import is_foreign, namespace
from .markers import user_error


def saved(v: Any) -> Any:
    """A value to put on the tape before it is overwritten in place (arrays are copied; so is
    another library's array: Dask's ``x[:]`` is ``x`` itself, which ``x[:] = v`` then changes)."""
    if isinstance(v, np.ndarray):
        return np.copy(v)
    if is_foreign(v):
        if any(n != n for n in v.shape):  # (nan: a Dask selection by a lazy mask)
            library = type(v).__module__.partition(".")[0]
            raise user_error(
                "UnsupportedConstructError",
                f"the entries an in-place write 'x[mask] = ...' overwrites in a {library} array are put back "
                "by the reverse sweep, and their number is not known until computed (the mask is lazy): "
                f"{library} cannot write them back",
                "write the update as a new array, x = np.where(mask, new_values, x), or compute the mask first")
        return v.copy() if hasattr(v, "copy") else namespace(v).asarray(v, copy=True)
    return v


def copied(v: Any) -> Any:
    """A copy of a list, dict or array a pullback (or a checkpointed loop's step) changes in place,
    so that it can be called again: a new container holding the same items."""
    if isinstance(v, list):
        return list(v)
    if isinstance(v, dict):
        return dict(v)
    if isinstance(v, np.ndarray):
        return v.copy()
    return v


class _NoItem:
    """What :func:`saved_item` keeps for a dict entry that did not exist yet."""

    def __repr__(self) -> str:
        return "<no item>"


NO_ITEM = _NoItem()


class _WholeList:
    """What :func:`saved_item` keeps of a list before a slice write, which may change its length."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = list(items)


def saved_item(x: Any, index: Any) -> Any:
    """``x[index]`` before ``x[index] = v`` overwrites it (arrays copied), NO_ITEM when ``x``
    is a dict without that key yet (the write adds it), or the whole list before ``L[a:b] = V``."""
    if isinstance(x, dict) and index not in x:
        return NO_ITEM
    if isinstance(x, list) and isinstance(index, slice):
        return _WholeList(x)
    return saved(x[index])


def restore_item(x: Any, index: Any, old: Any) -> None:
    """Undo ``x[index] = v``: put back what :func:`saved_item` kept (or remove the key it added)."""
    if old is NO_ITEM:
        del x[index]
    elif type(old) is _WholeList:
        x[:] = old.items
    else:
        x[index] = old
