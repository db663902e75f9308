"""Loop-invariant scalar arithmetic moved out of its loop before reverse mode, so that it is
computed once and never saved on the tape (:func:`hoist_invariants`)."""

from __future__ import annotations

from typing import Any, Dict, List, Set

from ... import syntax as S
from ...analysis.statements import is_local
from ...syntax import gast
from ...syntax.annotations import Key, get_anno
from .names import _mutated_in, _stored, _target

_HOISTABLE = (gast.Add, gast.Sub, gast.Mult)


def hoist_invariants(fdef: Any, ranks: Dict[str, Any]) -> bool:
    """Move scalar arithmetic that does not change from one iteration to the next out of
    its loop, so it is computed once and never saved on the tape::

        for _ in range(n):                 _t2 = 0.5 * dt
            _t2 = 0.5 * dt          ->     for _ in range(n):
            _t3 = _t2 * k1u                    _t3 = _t2 * k1u

    Only temporaries assigned once in the function, computed by ``+ - *`` (or a division
    by a non-zero constant, or a negation) from constants and scalars the loop never
    assigns: nothing that could raise, or cost more, when the loop runs no iteration."""
    counts: Dict[str, int] = {}
    for n in S.walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1

    def operand_ok(atom: Any, assigned: Set[str]) -> bool:
        if isinstance(atom, gast.Constant):
            return type(atom.value) in (int, float)
        return is_local(atom) and atom.id not in assigned and ranks.get(atom.id) == 0

    def invariant(stmt: Any, assigned: Set[str]) -> bool:
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
            return False
        target, value = stmt.targets[0].id, stmt.value
        if counts.get(target) != 1 or ranks.get(target) != 0 or get_anno(stmt, Key.BOOKKEEPING):
            return False
        if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub):
            return operand_ok(value.operand, assigned)
        if not isinstance(value, gast.BinOp):
            return False
        if isinstance(value.op, gast.Div):
            ok_op = isinstance(value.right, gast.Constant) and type(value.right.value) in (int, float) \
                and value.right.value != 0
        else:
            ok_op = isinstance(value.op, _HOISTABLE)
        return ok_op and operand_ok(value.left, assigned) and operand_ok(value.right, assigned)

    changed = False

    def visit(body: List[Any]) -> List[Any]:
        nonlocal changed
        out: List[Any] = []
        for stmt in body:
            for fname in ("body", "orelse"):
                if isinstance(stmt, (gast.If, gast.For, gast.While)) and getattr(stmt, fname, None):
                    setattr(stmt, fname, visit(getattr(stmt, fname)))
            if isinstance(stmt, (gast.For, gast.While)) and get_anno(stmt, Key.CHECKPOINT) is None:
                while True:  # a hoisted temporary may make the next one invariant
                    assigned = _stored(stmt.body) | _stored([stmt.target] if isinstance(stmt, gast.For) else [])
                    assigned |= _mutated_in(stmt.body)
                    moved = [st for st in stmt.body if invariant(st, assigned - {_target(st)})]
                    if not moved:
                        break
                    gone = {id(m) for m in moved}
                    stmt.body = [st for st in stmt.body if id(st) not in gone] or [gast.Pass()]
                    out.extend(moved)
                    changed = True
            out.append(stmt)
        return out

    fdef.body = visit(fdef.body)
    return changed
