"""The pass ``fold_constants``: constant folding and the identities of :mod:`.arith` in the
derivative statements (never the user's own: ``y = x * 1.0`` copies x)::

    _t3 = x ** (2 - 1)           ->  _t3 = x
    _t4_dot = _t2_dot + -_t3_dot ->  _t4_dot = _t2_dot - _t3_dot
    x_bar = g * 1.0              ->  x_bar = g
    y_bar = 0.0 + c              ->  y_bar = c
"""

from __future__ import annotations

from typing import Any, List, Optional, Set

from .. import syntax as S
from ..syntax import gast
from .arith import _FOLD, _Fold, _num, _plain_helper
from .index import StmtNames, _stores


def fold_constants(fdef: Any, protected: Set[str] = frozenset(), names: Optional[StmtNames] = None,
                   dirty: Optional[Set[int]] = None) -> bool:
    """Fold the derivative statements (never the user's own: ``y = x * 1.0`` copies x).
    ``names``: the :class:`StmtNames` of ``fdef`` if known (it knows what may fold);
    ``dirty``: collects the ids of the statements changed in place."""
    folder = _Fold()

    def foldable(value: Any) -> bool:
        """Would the folder change ``value``?  Only if it changes some node whose operands are
        as they are now (it works bottom-up: walking to find one is cheaper than visiting)."""
        for n in S.walk(value):
            cls = n.__class__
            if cls is gast.BinOp:
                left, right, op = n.left, n.right, n.op
                if (_num(left) and _num(right) and type(op) in _FOLD) or _Fold._algebra(n, left, right, op) is not n:
                    return True
            elif cls is gast.UnaryOp and isinstance(n.op, gast.USub) and isinstance(n.operand, gast.UnaryOp) \
                    and isinstance(n.operand.op, gast.USub):
                return True
            elif cls is gast.Call and _plain_helper(n) is not None:
                return True
        return False

    def visit(body: List[Any]) -> None:
        for stmt in body:
            if isinstance(stmt, (gast.If, gast.For, gast.While)):
                visit(stmt.body)
                visit(stmt.orelse)
            elif names is not None and id(stmt) not in names.foldable:
                continue
            elif isinstance(stmt, gast.Assign) and foldable(stmt.value) and not (set(_stores(stmt)) & set(protected)):
                stmt.value = folder.visit(stmt.value)
                if dirty is not None:
                    dirty.add(id(stmt))
            elif isinstance(stmt, gast.AugAssign) and foldable(stmt.value):
                stmt.value = folder.visit(stmt.value)
                if dirty is not None:
                    dirty.add(id(stmt))

    visit(fdef.body)
    return folder.changed
