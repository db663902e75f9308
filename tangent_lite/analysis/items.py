"""The ranks of the items of list, tuple and dict arguments, part of the specialisation key.

A training loop reads its weights from a dict or a list argument::

    def loss(params, x):
        h = np.tanh(params["W"] @ x + params["b"])      # _t0 = params['W']; _t1 = _t0 @ x; ...

When the key records the rank of each item (``Items(kind='dict', keys=('W', 'b'), ranks=(2, 1))``,
computed once per call from the values, :func:`items_of`), ``_t0`` has rank 2 like an array
argument: the derivative needs no run-time check that it is an array (:mod:`receivers`) and
its broadcasts are undone only where they can happen (:mod:`shapes`).

The ranks hold for the items the call received, so they are used only for an argument the
function never changes or hands on (:func:`unchanged`): its items are only read (``p[k]``,
``a, b = p``, ``len(p)``, ``for v in p``); anything else (``p[k] = v``, ``p.append(v)``,
``q = p``, ``g(p)``) drops them, and its items are then of unknown rank (checked when the code
runs, if used as operands).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, NamedTuple, Optional, Set, Tuple

from numpy import ndarray

from .. import runtime
from ..frontend.anf import Wengert
from ..syntax import gast, walk
from ..syntax.annotations import Key, get_anno
from .statements import is_local

Rank = Optional[int]
MAX_ITEMS = 64  # longer containers: no item ranks (the key is computed at every call)


class Items(NamedTuple):
    """The item ranks of a list, tuple or dict argument (``keys``: the dict's keys, in order;
    None for a list or tuple, whose item ``i`` has ``ranks[i]``)."""

    kind: str
    keys: Optional[Tuple[Any, ...]]
    ranks: Tuple[Rank, ...]


def items_of(value: Any, rank: Callable[[Any], Rank]) -> Optional[Items]:
    """The ``Items`` of a list, tuple or dict whose keys are strings or ints (``rank``: of one
    item, :func:`shapes.arg_rank`), or None (another value, too long, no item of known rank).
    (Computed at every call: the common items, arrays and floats, take the short way.)"""
    kind = type(value)
    if kind is dict:
        keys: Optional[Tuple[Any, ...]] = tuple(value)
        if len(keys) > MAX_ITEMS:
            return None
        for k in keys:
            if type(k) is not str and type(k) is not int:
                return None
        values: Any = value.values()
    elif kind is list or kind is tuple:
        keys, values = None, value
        if len(value) > MAX_ITEMS:
            return None
    else:
        return None
    ranks = tuple([(v.ndim or None) if type(v) is ndarray else 0 if type(v) is float else rank(v) for v in values])
    if ranks.count(None) == len(ranks):
        return None
    return _new(Items, (kind.__name__, keys, ranks))


_new = tuple.__new__  # (Items(...) without its keyword handling: this runs at every call)


def unchanged(w: Wengert, given: Dict[str, Items]) -> Dict[str, Items]:
    """Those of ``given`` (parameters of ``w``) whose items the function only reads."""
    if not given:
        return {}
    allowed: Set[int] = set()  # the Name nodes of the reads
    for node in walk(w.fdef):
        if isinstance(node, gast.Assign) and len(node.targets) == 1:
            value, target = node.value, node.targets[0]
            if isinstance(value, gast.Subscript) and is_local(value.value) and _atom(value.slice):
                allowed.add(id(value.value))  # t = p[k]
            elif isinstance(target, gast.Tuple) and is_local(value):
                allowed.add(id(value))  # a, b = p
            elif isinstance(value, gast.Call) and get_anno(value, Key.CALLEE) is len and len(value.args) == 1:
                allowed.add(id(value.args[0]))
        elif isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) \
                and get_anno(node.value, Key.CALLEE) is runtime.not_a_dict:
            allowed.add(id(node.value.args[0]))  # (for v in p: the check that p is no dict)
    out = dict(given)
    for node in (n for stmt in w.fdef.body for n in walk(stmt)):
        if isinstance(node, gast.Name) and node.id in out and (
                id(node) not in allowed or not isinstance(node.ctx, gast.Load)):
            del out[node.id]
    return out


def _atom(index: Any) -> bool:
    return isinstance(index, gast.Constant) or is_local(index)


def item_rank(value: Any, containers: Dict[str, Items], rank: Callable[[Any], Rank]) -> Tuple[bool, Rank]:
    """(is ``value`` an item ``p[k]`` of one of ``containers``, its rank if known)."""
    if not (isinstance(value, gast.Subscript) and is_local(value.value) and value.value.id in containers):
        return False, None
    it, index = containers[value.value.id], value.slice
    if isinstance(index, gast.Constant):
        if it.keys is not None:
            return True, it.ranks[it.keys.index(index.value)] if index.value in it.keys else None
        n = len(it.ranks)
        ok = type(index.value) is int and -n <= index.value < n
        return True, it.ranks[index.value] if ok else None
    if it.keys is None and rank(index) != 0:  # (a list's item needs an int index; a slice gives a list)
        return True, None
    return True, _common(it.ranks)


def unpacked_ranks(value: Any, containers: Dict[str, Items], n: int) -> Optional[Tuple[Rank, ...]]:
    """The ranks ``a, b = p`` binds for a list or tuple ``p`` of ``containers`` of length ``n``."""
    it = containers.get(value.id) if is_local(value) else None
    return it.ranks if it is not None and it.keys is None and len(it.ranks) == n else None


def _common(ranks: Tuple[Rank, ...]) -> Rank:
    return ranks[0] if ranks and all(r == ranks[0] for r in ranks) else None
