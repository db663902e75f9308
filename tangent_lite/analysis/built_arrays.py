"""Ranks of arrays built by NumPy's constructors, for :mod:`shapes`.

``v = np.array([a, b])`` of two numbers is a 1-D array, so ``v[1]`` is a number (a copy), not a view
of ``v``: the alias analysis needs that rank to accept ``v[0], v[1] = v[0] * 0.5 + v[1], v[1]``.  In
Wengert form the list is a temporary (``_t0 = [a, b]; v = np.array(_t0)``); its element ranks are
known when it is bound once to a list display and read once, by the constructor (a list that is
appended to, written or passed on might hold anything by then).  Tuples are immutable: their element
ranks (:mod:`shapes`' ``tuples``) always hold.  Element ranks must all be equal (a ragged list has no
rank: unknown)::

    np.array([a, b]), np.asarray((a, b)), np.stack([a, b])      a, b numbers: 1; a, b of rank k: k + 1
    np.array([[a, b], [b, a]])                                  2 (nested list displays)
    np.concatenate([u, w])                                      u, w of rank k >= 1: k (axis=None: 1)
    np.zeros(n), np.ones((n, m)), np.full(n, c), np.empty(n)    the rank of the shape (dtype= allowed)
    np.zeros_like(u), np.copy(u), np.array(u)                   u's rank (if >= 1: a 0-d array is no number)
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import numpy as np

from .. import runtime
from ..syntax import gast, walk
from .statements import is_local

Rank = Optional[int]

# callee -> (how its rank follows from its first argument, the keywords that leave the rank alone)
_FROM_SEQUENCE = {np.array: ("array", ("dtype", "copy", "order")), np.asarray: ("array", ("dtype", "order")),
                  np.stack: ("stack", ("axis", "dtype")), np.concatenate: ("concatenate", ("axis", "dtype"))}
_FROM_SHAPE = {np.zeros: ("dtype", "order"), np.ones: ("dtype", "order"), np.empty: ("dtype", "order"),
               np.full: ("dtype", "order")}
_LIKE = {np.zeros_like, np.ones_like, np.empty_like, np.copy, runtime.copy_value}


def fixed_lists(fdef: Any) -> Dict[str, Any]:
    """Local names bound once, to a list display, and read once: name -> the display."""
    displays: Dict[str, Any] = {}
    bound: Dict[str, int] = {}
    read: Dict[str, int] = {}
    for node in walk(fdef):
        if isinstance(node, gast.Name):
            counts = read if isinstance(node.ctx, gast.Load) else bound
            counts[node.id] = counts.get(node.id, 0) + 1
        if isinstance(node, gast.Assign) and len(node.targets) == 1 and is_local(node.targets[0]) \
                and isinstance(node.value, gast.List):
            displays[node.targets[0].id] = node.value
    return {name: d for name, d in displays.items() if bound.get(name) == 1 and read.get(name) == 1}


def _elements_rank(atom: Any, atom_rank: Callable[[Any], Rank], tuples: Mapping[str, Tuple[Rank, ...]],
                   lists: Mapping[str, Any]) -> Tuple[bool, Rank]:
    """(is ``atom`` a sequence of known elements, the common rank of its elements as arrays)."""
    if not is_local(atom) or (atom.id not in lists and atom.id not in tuples):
        return False, None
    if atom.id in tuples:
        elts = list(tuples[atom.id])
    else:
        elts = [_array_rank(e, atom_rank, tuples, lists) for e in lists[atom.id].elts]
    if not elts or any(r is None for r in elts) or len(set(elts)) != 1:
        return True, None
    return True, elts[0]


def _array_rank(atom: Any, atom_rank: Callable[[Any], Rank], tuples: Mapping[str, Tuple[Rank, ...]],
                lists: Mapping[str, Any]) -> Rank:
    """The rank of ``np.array(atom)`` (0: a number)."""
    sequence, element = _elements_rank(atom, atom_rank, tuples, lists)
    if sequence:
        return None if element is None else element + 1
    return atom_rank(atom)


def built_rank(call: Any, callee: Any, atom_rank: Callable[[Any], Rank], shape_rank: Callable[[Any], Rank],
               tuples: Mapping[str, Tuple[Rank, ...]], lists: Mapping[str, Any]) -> Tuple[bool, Rank]:
    """(is ``call`` one of the constructors above, the rank of its result or None)."""
    try:
        kind, allowed = _FROM_SEQUENCE.get(callee) or (("shape", _FROM_SHAPE[callee]) if callee in _FROM_SHAPE
                                                       else ("like", ("dtype",)) if callee in _LIKE else (None, ()))
    except TypeError:  # an unhashable callee
        return False, None
    if kind is None:
        return False, None
    keywords = {k.arg: k.value for k in call.keywords}
    positional = {"array": 1, "stack": 1, "concatenate": 1, "like": 1, "shape": 2 if callee is np.full else 1}[kind]
    if len(call.args) != positional or any(k not in allowed for k in keywords):
        return True, None
    first = call.args[0]
    if kind == "shape":
        return True, shape_rank(first)
    if kind in ("array", "like"):
        r = _array_rank(first, atom_rank, tuples, lists) if kind == "array" else atom_rank(first)
        return True, r if r is not None and r >= 1 else None
    sequence, element = _elements_rank(first, atom_rank, tuples, lists)
    if not sequence or element is None:
        return True, None
    if kind == "stack":
        return True, element + 1
    axis = keywords.get("axis")
    if isinstance(axis, gast.Constant) and axis.value is None:
        return True, 1
    if axis is not None and not (isinstance(axis, gast.Constant) and type(axis.value) is int):
        return True, None  # (a name might hold None at run time)
    return True, element if element >= 1 else None
