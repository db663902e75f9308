"""The arithmetic rewrites of one expression, which :mod:`.fold` applies to derivative
statements (and :mod:`..modes.vjp` through :func:`simplified`)::

    x ** (2 - 1)                 ->  x                       (constants folded, then x ** 1)
    _t2_dot + -_t3_dot           ->  _t2_dot - _t3_dot
    g * 1.0                      ->  g
    0.0 + c                      ->  c                       (an adjoint's first contribution)
    -(-c)                        ->  c
    _tl.strong_div(g, 2.0)       ->  g / 2.0                 (strong-zero helpers with a literal argument)
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Dict

from .. import syntax as S
from ..syntax import gast

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
        if isinstance(op, gast.Add) and _is(left, 0) and not isinstance(right, gast.Constant):
            return right  # 0.0 + c: an adjoint's first contribution
        if isinstance(op, (gast.Add, gast.Sub)) and _is(right, 0) and not isinstance(left, gast.Constant):
            return left
        if isinstance(op, gast.Sub) and _is(left, 0) and not isinstance(right, gast.Constant):
            return gast.UnaryOp(op=gast.USub(), operand=right)
        if isinstance(op, gast.Add) and isinstance(right, gast.UnaryOp) and isinstance(right.op, gast.USub):
            return gast.BinOp(left=left, op=gast.Sub(), right=right.operand)
        if isinstance(op, gast.Sub) and isinstance(right, gast.UnaryOp) and isinstance(right.op, gast.USub):
            return gast.BinOp(left=left, op=gast.Add(), right=right.operand)
        return node

    def visit_Call(self, node: Any) -> Any:
        self.generic_visit(node)
        plain = _plain_helper(node)
        if plain is not None:
            self.changed = True
            return plain
        return node

    def visit_UnaryOp(self, node: Any) -> Any:
        self.generic_visit(node)
        inner = node.operand
        if isinstance(node.op, gast.USub) and isinstance(inner, gast.UnaryOp) and isinstance(inner.op, gast.USub):
            self.changed = True
            return inner.operand
        return node


def simplified(expr: Any) -> Any:
    """``expr`` (a copy) after the constant folding and algebra of :class:`_Fold`."""
    return _Fold().visit(S.deepcopy(expr))


def _plain_helper(node: Any) -> Any:
    """A strong-zero helper call (runtime/singular.py) whose literal argument makes the partial
    derivative finite everywhere, as the plain arithmetic it then equals, else None::

        _tl.pow_base_bar(g, x, 2)   ->  g * 2 * x ** (2 - 1)     (y a literal integer >= 1)
        _tl.strong_div(g, 2.0)      ->  g / 2.0                  (a nonzero literal)
        _tl.strong_mul(g, 0.5)      ->  g * 0.5                  (a finite literal)
    """
    f = node.func
    if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id.startswith("_tl")
            and f.attr in ("pow_base_bar", "strong_div", "strong_mul")) or node.keywords:
        return None
    args = node.args
    if f.attr == "pow_base_bar" and len(args) == 3 and _num(args[2]) and float(args[2].value).is_integer() \
            and args[2].value >= 1:
        y = args[2]
        return gast.BinOp(left=gast.BinOp(left=args[0], op=gast.Mult(), right=S.const(y.value)), op=gast.Mult(),
                          right=gast.BinOp(left=args[1], op=gast.Pow(), right=S.const(y.value - 1)))
    if f.attr == "strong_div" and len(args) == 2 and _num(args[1]) and args[1].value != 0:
        return gast.BinOp(left=args[0], op=gast.Div(), right=args[1])
    if f.attr == "strong_mul" and len(args) == 2 and _num(args[1]) and abs(args[1].value) < float("inf"):
        return gast.BinOp(left=args[0], op=gast.Mult(), right=args[1])
    return None
