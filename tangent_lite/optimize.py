"""Clean-up passes on generated functions; each says whether it changed anything.

    fold_constants:   x ** (2 - 1)        ->  x
                      _t2_dot + -_t3_dot  ->  _t2_dot - _t3_dot
                      g * 1.0             ->  g
    propagate_copies: _t6_bar = s_bar          ->  s_bar = _tl.unbroadcast(s_bar, s)
                      s_bar = _tl.unbroadcast(_t6_bar, s)
    remove_dead:      derivative variables that nothing reads are not computed

Only names the derivative passes introduced (``protected`` is everything the user's
code assigns) are ever removed or renamed, and a ``.pop()`` is never removed.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Dict, List, Set

from . import source as S
from .source import gast

_FOLD: Dict[type, Callable[[Any, Any], Any]] = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul, gast.Pow: operator.pow,
}


def _num(node: Any) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def _is(node: Any, value: float) -> bool:
    return _num(node) and node.value == value


class _Fold(gast.NodeTransformer):
    def __init__(self) -> None:
        self.changed = False

    def visit_BinOp(self, node: Any) -> Any:
        self.generic_visit(node)
        left, right, op = node.left, node.right, node.op
        if _num(left) and _num(right) and type(op) in _FOLD:
            try:
                value = _FOLD[type(op)](left.value, right.value)
            except (OverflowError, ZeroDivisionError, ValueError):  # pragma: no cover
                return node
            if type(value) in (int, float) and abs(value) < 1e15:
                self.changed = True
                return S.const(value)
        simplified = self._algebra(node, left, right, op)
        if simplified is not node:
            self.changed = True
        return simplified

    @staticmethod
    def _algebra(node: Any, left: Any, right: Any, op: Any) -> Any:
        if isinstance(op, gast.Pow) and _is(right, 1):
            return left
        if isinstance(op, gast.Mult) and _is(right, 1) and not isinstance(left, gast.Constant):
            return left
        if isinstance(op, gast.Mult) and _is(left, 1) and not isinstance(right, gast.Constant):
            return right
        if isinstance(op, gast.Add) and isinstance(right, gast.UnaryOp) and isinstance(right.op, gast.USub):
            return gast.BinOp(left=left, op=gast.Sub(), right=right.operand)
        if isinstance(op, gast.Sub) and isinstance(right, gast.UnaryOp) and isinstance(right.op, gast.USub):
            return gast.BinOp(left=left, op=gast.Add(), right=right.operand)
        return node

    def visit_UnaryOp(self, node: Any) -> Any:
        self.generic_visit(node)
        inner = node.operand
        if isinstance(node.op, gast.USub) and isinstance(inner, gast.UnaryOp) and isinstance(inner.op, gast.USub):
            self.changed = True
            return inner.operand
        return node


def fold_constants(fdef: Any, protected: Set[str] = frozenset()) -> bool:
    """Fold the derivative statements (never the user's own: ``y = x * 1.0`` copies x)."""
    folder = _Fold()

    def visit(body: List[Any]) -> None:
        for stmt in body:
            if isinstance(stmt, (gast.If, gast.For, gast.While)):
                visit(stmt.body)
                visit(stmt.orelse)
            elif isinstance(stmt, gast.Assign) and not (set(_stores(stmt)) & set(protected)):
                stmt.value = folder.visit(stmt.value)
            elif isinstance(stmt, gast.AugAssign):
                stmt.value = folder.visit(stmt.value)

    visit(fdef.body)
    return folder.changed


def _stores(node: Any) -> List[str]:
    return [n.id for n in S.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]


def _loads(node: Any) -> List[str]:
    return [n.id for n in S.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]


def propagate_copies(fdef: Any, protected: Set[str]) -> bool:
    """Replace ``a`` by ``b`` after ``a = b`` (a: a derivative temporary assigned once,
    read only later in the same block, before ``b`` changes), and drop the copy."""
    stores: Dict[str, int] = {}
    loads: Dict[str, int] = {}
    for n in S.walk(fdef):  # one walk for both counts
        if isinstance(n, gast.Name):
            counts = stores if isinstance(n.ctx, gast.Store) else loads if isinstance(n.ctx, gast.Load) else None
            if counts is not None:
                counts[n.id] = counts.get(n.id, 0) + 1
    changed = False

    def visit(body: List[Any]) -> List[Any]:
        nonlocal changed
        out: List[Any] = []
        i = 0
        while i < len(body):
            stmt = body[i]
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list) and not isinstance(stmt, gast.FunctionDef):
                    setattr(stmt, field, visit(getattr(stmt, field)) or ([gast.Pass()] if field == "body" else []))
            if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Name) and stmt.targets[0].id not in protected
                    and stores.get(stmt.targets[0].id) == 1):
                a, b = stmt.targets[0].id, stmt.value.id
                rest = body[i + 1:]
                uses, j = 0, 0
                for j, later in enumerate(rest):  # noqa: B007 (j is used after the loop)
                    if isinstance(later, (gast.If, gast.For, gast.While)):
                        break
                    uses += _loads(later).count(a)
                    if b in _stores(later) or a in _stores(later):
                        break
                else:
                    j = len(rest)
                if uses and uses == loads.get(a, 0) and (j == len(rest) or a not in _loads_after(rest, j)):
                    for later in rest[: j + 1]:
                        _rename_loads(later, a, b)
                    changed = True
                    i += 1
                    continue
            out.append(stmt)
            i += 1
        return out

    fdef.body = visit(fdef.body)
    return changed


def _loads_after(rest: List[Any], j: int) -> List[str]:
    names: List[str] = []
    for s in rest[j + 1:]:
        names.extend(_loads(s))
    return names


def _rename_loads(node: Any, old: str, new: str) -> None:
    for n in S.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id == old:
            n.id = new


def remove_dead(fdef: Any, protected: Set[str]) -> bool:
    """Drop assignments to derivative names nobody reads (never a tape pop)."""
    loads = set(_loads(fdef))
    changed = False

    def dead(stmt: Any) -> bool:
        if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name):
            return False
        name = stmt.targets[0].id
        if name in protected or name in loads:
            return False
        return not any(isinstance(n, gast.Attribute) and n.attr == "pop" for n in S.walk(stmt.value))

    def visit(body: List[Any]) -> List[Any]:
        nonlocal changed
        out = []
        for stmt in body:
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list) and not isinstance(stmt, gast.FunctionDef):
                    setattr(stmt, field, visit(getattr(stmt, field)))
            if dead(stmt):
                changed = True
                continue
            if isinstance(stmt, (gast.If, gast.For, gast.While)) and not stmt.body and not getattr(stmt, "orelse", []):
                changed = True
                continue
            if isinstance(stmt, (gast.If, gast.For, gast.While)) and not stmt.body:
                stmt.body = [gast.Pass()]
            out.append(stmt)
        return out

    fdef.body = visit(fdef.body)
    return changed


def optimize(fdef: Any, protected: Set[str]) -> Any:
    """Run the passes to a fixpoint (bounded)."""
    for _ in range(10):
        changed = fold_constants(fdef, protected)
        changed |= propagate_copies(fdef, protected)
        changed |= remove_dead(fdef, protected)
        if not changed:
            break
    return fdef
