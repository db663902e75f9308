"""What generated code keeps for its reverse sweep: values put on the tape before they are
overwritten in place (and put back), copies of what a pullback changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def saved(v: Any) -> Any:
    """A value to put on the tape before it is overwritten in place (arrays are copied)."""
    return np.copy(v) if isinstance(v, np.ndarray) else v


def copied(v: Any) -> Any:
    """A copy of a list or array a pullback changes in place (so it can be called again)."""
    if isinstance(v, list):
        return list(v)
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
