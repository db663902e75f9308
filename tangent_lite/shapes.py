"""Rank inference, for specialising derivatives to the kinds of arguments they get.

Given the ranks of the arguments (0 for Python and NumPy scalars, ``ndim`` for arrays,
None when unknown), find the rank of every variable of the Wengert form where it is
determined by ranks alone.  The derivative passes use it for one thing: where an
operation's input and output are both scalars, broadcasting needs no undoing, so

    x_bar = _tl.unbroadcast(_t1_bar * 0.5, x)     becomes     x_bar = _t1_bar * 0.5

and the values ``unbroadcast`` would have read for their shape need not be saved.
Only facts that cannot depend on values are used (no shapes, just ranks; ``None``
whenever in doubt), so a specialisation is valid for every call with the same ranks.
"""

from __future__ import annotations

import math
import operator
import types
from typing import Any, Dict, Optional

import numpy as np

from .analysis import assignments, is_local, is_pop
from .anf import Wengert
from .annotations import Key, get_anno
from .source import gast

Rank = Optional[int]

_ELEMENTWISE_OPS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                    operator.neg, operator.pos, operator.mod, operator.floordiv}
_SCALAR_FUNCS = {len, int, float, abs, round, bool}
_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.std, np.var}


def arg_rank(value: Any) -> Rank:
    """The rank a value contributes to a specialisation key."""
    if isinstance(value, (bool, int, float, np.generic)):
        return 0
    if isinstance(value, np.ndarray):
        return value.ndim
    return None


def infer_ranks(w: Wengert, arg_ranks: Dict[str, Rank]) -> Dict[str, Rank]:
    """Rank of each local variable (missing or None: unknown)."""
    ranks: Dict[str, Rank] = dict(arg_ranks)
    conflicting = set()
    stmts = list(assignments(w.fdef.body))
    loops = [n for n in gast.walk(w.fdef) if isinstance(n, gast.For)]
    for _ in range(20):  # flow-insensitive fixpoint; ranks only ever become unknown
        changed = False

        def set_rank(var: str, r: Rank) -> None:
            nonlocal changed
            if var in conflicting:
                return
            if var not in ranks:
                ranks[var] = r
                changed = True
            elif ranks[var] != r:
                ranks[var] = None
                conflicting.add(var)
                changed = True

        for loop in loops:  # range loops bind ints
            set_rank(loop.target.id, 0)
        for stmt in stmts:
            if not isinstance(stmt, gast.Assign):
                continue
            tgt = stmt.targets[0]
            if isinstance(tgt, gast.Name):
                set_rank(tgt.id, _rank_of(stmt.value, ranks))
            elif isinstance(tgt, gast.Tuple):
                for e in tgt.elts:
                    set_rank(e.id, None)
        if not changed:
            break
    return {k: v for k, v in ranks.items() if k not in conflicting}


def _atom_rank(atom: Any, ranks: Dict[str, Rank]) -> Rank:
    if isinstance(atom, gast.Constant):
        return 0 if isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool) else None
    if is_local(atom):
        return ranks.get(atom.id)
    obj = get_anno(atom, Key.CALLEE)
    if isinstance(atom, gast.Attribute) and isinstance(obj, float):  # np.pi, math.e
        return 0
    return None


def _rank_of(value: Any, ranks: Dict[str, Rank]) -> Rank:
    if isinstance(value, (gast.Name, gast.Constant)) or (isinstance(value, gast.Attribute)
                                                        and get_anno(value, Key.CALLEE) is not None):
        return _atom_rank(value, ranks)
    callee = get_anno(value, Key.CALLEE)
    if isinstance(value, gast.BinOp):
        args = [value.left, value.right]
        if callee is operator.matmul:
            return _matmul_rank(*[_atom_rank(a, ranks) for a in args])
        return _max_rank([_atom_rank(a, ranks) for a in args]) if callee in _ELEMENTWISE_OPS else None
    if isinstance(value, gast.UnaryOp):
        return _atom_rank(value.operand, ranks) if callee in _ELEMENTWISE_OPS else None
    if isinstance(value, gast.Compare):
        return _max_rank([_atom_rank(value.left, ranks), _atom_rank(value.comparators[0], ranks)])
    if isinstance(value, gast.Subscript):
        return _subscript_rank(value, ranks)
    if isinstance(value, gast.Call) and not is_pop(value):
        args = value.args
        if value.keywords:
            return None
        if isinstance(callee, types.BuiltinFunctionType) and getattr(callee, "__module__", "") == "math":
            return 0
        if callee in _SCALAR_FUNCS:
            return 0
        if callee in (max, min) and len(args) == 2:
            return _max_rank([_atom_rank(a, ranks) for a in args])
        if isinstance(callee, np.ufunc):
            return _max_rank([_atom_rank(a, ranks) for a in args])
        if callee in _REDUCTIONS and len(args) == 1:
            return 0
        if callee in (np.dot, np.matmul) and len(args) == 2:
            return _matmul_rank(*[_atom_rank(a, ranks) for a in args])
        if callee is np.transpose and len(args) == 1:
            return _atom_rank(args[0], ranks)
        if callee in (np.zeros, np.ones, np.empty) and len(args) == 1:
            return _shape_rank(args[0], ranks)
        if callee in (np.zeros_like, np.ones_like, np.empty_like, np.copy, np.array, np.asarray) and len(args) == 1:
            r = _atom_rank(args[0], ranks)
            return r if r is not None and r >= 1 else None
    return None


def _shape_rank(shape: Any, ranks: Dict[str, Rank]) -> Rank:
    """The rank of an array made with this shape argument (an int, or a tuple of ints)."""
    if _atom_rank(shape, ranks) == 0:
        return 1
    if isinstance(shape, gast.Constant) and isinstance(shape.value, tuple):
        return len(shape.value)
    return None


def _max_rank(rs: Any) -> Rank:
    rs = list(rs)
    return None if any(r is None for r in rs) else max(rs)


def _matmul_rank(a: Rank, b: Rank) -> Rank:
    if a is None or b is None:
        return None
    if a == 0 or b == 0:
        return max(a, b)
    return {(1, 1): 0, (2, 1): 1, (1, 2): 1, (2, 2): 2}.get((a, b))


def _subscript_rank(value: Any, ranks: Dict[str, Rank]) -> Rank:
    base = _atom_rank(value.value, ranks)
    if base is None:
        return None
    parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
    dropped = 0
    for p in parts:
        if isinstance(p, gast.Slice):
            continue
        if _atom_rank(p, ranks) == 0 and not (isinstance(p, gast.Constant) and not isinstance(p.value, int)):
            dropped += 1
            continue
        return None  # arrays, None, Ellipsis, booleans: leave it unknown
    return base - dropped if len(parts) <= base else None


def scalar(ranks: Optional[Dict[str, Rank]], atom: Any) -> bool:
    """Is ``atom`` known to be a scalar under this specialisation?"""
    if ranks is None:
        return False
    return _atom_rank(atom, ranks) == 0


def strip_scalar_broadcasts(expr: Any, ranks: Optional[Dict[str, Rank]], target: str, tl_alias: str) -> Any:
    """Drop ``_tl.unbroadcast(e, x)`` and ``_tl.bcast(e, y)`` where everything is scalar."""
    if ranks is None or ranks.get(target) != 0:
        return expr

    class Strip(gast.NodeTransformer):
        def visit_Call(self, node: Any) -> Any:
            self.generic_visit(node)
            f = node.func
            if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == tl_alias \
                    and f.attr in ("unbroadcast", "bcast") and len(node.args) == 2 \
                    and scalar(ranks, node.args[1]):
                return node.args[0]
            return node

    return Strip().visit(expr)


__all__ = ["arg_rank", "infer_ranks", "scalar", "strip_scalar_broadcasts", "math"]
