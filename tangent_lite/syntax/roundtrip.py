"""Does a printed text parse back to the tree it was printed from?  The two trees are compared field
by field, after the representations that stand for the same value are made alike; the answer is a
description of the first difference (see :func:`~tangent_lite.syntax.printing.roundtrip_problem`)."""

from __future__ import annotations

import ast
import copy
import math
import warnings
from typing import Any, List, Optional, Tuple

import gast

from .build import ast_to_gast, const, is_comment
from .nodes import _new_node, recursion_room, tree_depth
from .precedence import _number


def _checkable(node: Any) -> bool:
    """Is ``node`` something whose text parses on its own (see :func:`_parse_back`)?"""
    if isinstance(node, list):
        return all(isinstance(n, gast.stmt) for n in node)
    if isinstance(node, (gast.Module, gast.stmt)):
        return True
    return isinstance(node, gast.expr) and not isinstance(node, gast.FormattedValue) \
        and not isinstance(getattr(node, "ctx", None), gast.Param)  # a parameter is checked with its function


_UNCHECKED = object()


def _text_problem(node: Any, text: str) -> Optional[str]:
    """:func:`roundtrip_problem` for a text already printed from ``node``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = _parse_back(node, text)
    except SyntaxError as exc:
        return f"the text printed for {_brief(node)} does not parse ({exc.msg}, line {exc.lineno}): {_clip(text)}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"the text printed for {_brief(node)} does not parse ({type(exc).__name__}: {exc}): {_clip(text)}"
    if found is _UNCHECKED:
        return None
    original, parsed, depth = found
    with recursion_room(depth + 2):  # the trees agree down to where they differ
        found = _difference(original, parsed, "statements" if isinstance(node, list) else type(node).__name__)
    if found is None:
        return None
    return f"{found}; printed: {_clip(text)}"


def _parse_back(node: Any, text: str) -> Any:
    """(what of ``node`` to compare, the gast tree ``text`` parses to, its depth), or _UNCHECKED."""
    if not _checkable(node):
        return _UNCHECKED
    if isinstance(node, list):
        tree, depth = _parse(text)
        return list(node), tree.body, depth
    if isinstance(node, gast.Module):
        return (node, *_parse(text))
    if isinstance(node, gast.stmt):
        tree, depth = _parse(text)
        return [node], tree.body, depth
    if isinstance(node, gast.Starred):
        tree, depth = _parse(f"({text},)", "eval")
        return node, tree.body.elts[0], depth
    if isinstance(node, gast.Slice) or (isinstance(node, gast.Tuple)
                                        and any(isinstance(e, gast.Slice) for e in node.elts)):
        try:
            tree, depth = _parse(f"_[{text}]", "eval")
        except SyntaxError:  # a tuple of slices printed on its own has parentheses
            if not (text.startswith("(") and text.endswith(")")):
                raise
            tree, depth = _parse(f"_[{text[1:-1]}]", "eval")
        return node, tree.body.slice, depth
    tree, depth = _parse(text, "eval")
    return node, tree.body, depth


def _parse(text: str, mode: str = "exec") -> Tuple[Any, int]:
    tree = ast.parse(text, mode=mode)
    depth = tree_depth(tree)
    with recursion_room(depth):
        return ast_to_gast(tree), depth


# fields no printed text keeps: expression contexts, string prefixes, type comments
_UNCOMPARED = frozenset({"ctx", "kind", "type_comment"})
_NUMBERS = (int, float, complex)


def _statements(items: List[Any]) -> List[Any]:
    """A list of nodes without the comment lines and ``pass`` statements."""
    return [n for n in items if not (isinstance(n, gast.stmt) and (n.__class__ is gast.Pass or is_comment(n)))]


def _number_constant(node: Any) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in _NUMBERS


def _alike(node: Any) -> Any:
    """``node``, or the one representation of the forms that stand for the same value (a new node;
    the tree is not changed)."""
    cls = node.__class__
    if cls is gast.UnaryOp:
        if isinstance(node.op, gast.USub):
            operand = _alike(node.operand)
            if _number_constant(operand):
                return const(-operand.value)
    elif cls is gast.BinOp:
        if isinstance(node.op, (gast.Add, gast.Sub)):
            left, right = _alike(node.left), _alike(node.right)
            if _number_constant(left) and _number_constant(right):
                a, b = left.value, right.value
                both_inf = type(a) is float and type(b) is float and math.isinf(a) and math.isinf(b)
                if type(a) is complex or type(b) is complex or both_inf:  # 1.0-2j, 1e1000-1e1000: one number
                    try:
                        return const(a + b if isinstance(node.op, gast.Add) else a - b)
                    except OverflowError:  # an int no float holds: no number printed so
                        pass
    elif cls is gast.Call:
        func = node.func
        if isinstance(func, gast.Attribute) and func.attr == "__class__" and isinstance(func.value, gast.Set) \
                and not node.args and not node.keywords and len(func.value.elts) == 1 \
                and _number_constant(func.value.elts[0]) and func.value.elts[0].value == 1:
            empty = _new_node(gast.Set)
            empty.elts = []
            return empty  # {1}.__class__(): the empty set
    elif cls is gast.Constant:
        if type(node.value) is tuple:
            out = _new_node(gast.Tuple)
            out.elts = [const(v) for v in node.value]
            return out
    elif cls is gast.JoinedStr:
        values: List[Any] = []
        for v in node.values:
            if isinstance(v, gast.Constant) and isinstance(v.value, str):
                if not v.value:
                    continue
                if values and isinstance(values[-1], gast.Constant) and isinstance(values[-1].value, str):
                    values[-1] = const(values[-1].value + v.value)
                    continue
            values.append(v)
        out = _new_node(gast.JoinedStr)
        out.values = values
        return out
    elif cls is gast.FormattedValue:
        if isinstance(node.format_spec, gast.JoinedStr) and not _alike(node.format_spec).values:
            out = copy.copy(node)
            out.format_spec = None
            return out
    elif cls is gast.Slice:
        if isinstance(node.step, gast.Name) and node.step.id == "None":
            out = copy.copy(node)
            out.step = None
            return out
    return node


def _same_float(x: float, y: float, signed: bool) -> bool:
    if math.isnan(x) or math.isnan(y):
        same = math.isnan(x) and math.isnan(y)
    else:
        same = x == y
    return same and (not signed or math.copysign(1.0, x) == math.copysign(1.0, y))


def _same_constant(x: Any, y: Any) -> bool:
    if type(x) is not type(y):
        return False
    if type(x) is float:
        return _same_float(x, y, True)
    if type(x) is complex:
        return _same_float(x.real, y.real, False) and _same_float(x.imag, y.imag, False)
    try:
        return bool(x == y)
    except Exception:  # noqa: BLE001 - a constant no text stands for
        return False


def _difference(a: Any, b: Any, path: str) -> Optional[str]:
    """Where ``a`` (the tree printed) and ``b`` (the tree parsed back) first differ, or None
    (compared as :func:`roundtrip_problem` says)."""
    if isinstance(a, list) or isinstance(b, list):
        a, b = a or [], b or []  # a field left out of a hand-built node is no item
        if not (isinstance(a, list) and isinstance(b, list)):
            return f"at {path}: the tree has {_brief(a)}, the text has {_brief(b)}"
        a, b = _statements(a), _statements(b)
        for i, (x, y) in enumerate(zip(a, b)):
            found = _difference(x, y, f"{path}[{i}]")
            if found is not None:
                return found
        if len(a) != len(b):
            extra = a[len(b)] if len(a) > len(b) else b[len(a)]
            return (f"at {path}: the tree has {len(a)} items, the text {len(b)} "
                    f"(the first item only in the {'tree' if len(a) > len(b) else 'text'}: {_brief(extra)})")
        return None
    if isinstance(a, gast.AST) or isinstance(b, gast.AST):
        if isinstance(a, gast.AST):
            a = _alike(a)
        if isinstance(b, gast.AST):
            b = _alike(b)
        cls = a.__class__
        if cls is not b.__class__:
            return f"at {path}: the tree has {_brief(a)}, the text parses as {_brief(b)}"
        if cls is gast.Constant:
            if not _same_constant(a.value, b.value):
                return f"at {path}: the tree has {_brief(a)}, the text parses as {_brief(b)}"
            return None
        for field in cls._fields:
            if field not in _UNCOMPARED:
                found = _difference(getattr(a, field, None), getattr(b, field, None), f"{path}.{field}")
                if found is not None:
                    return found
        return None
    if a.__class__ is not b.__class__ or a != b:
        return f"at {path}: the tree has {a!r}, the text has {b!r}"
    return None


def _brief(node: Any) -> str:
    if isinstance(node, gast.Constant):
        value = node.value
        shown = _number(value) if type(value) is int else repr(value)  # repr refuses ints over 4300 digits
        return f"Constant({_clip(shown, 60)[1:-1]} of type {type(value).__name__})"
    if isinstance(node, gast.AST):
        try:
            return _clip(gast.dump(node), 160)
        except Exception:  # noqa: BLE001 - a node dump cannot show
            return node.__class__.__name__
    if isinstance(node, list):
        return f"a list of {len(node)}"
    return repr(node)


def _clip(text: str, size: int = 400) -> str:
    return repr(text) if len(text) <= size else repr(text[:size]) + f"... ({len(text)} characters)"
