"""Making gast trees: parsing text, converting ``ast`` trees, building nodes field by field,
and the comment pseudo-statements the printers write as ``# ...`` lines."""

from __future__ import annotations

import textwrap
from typing import Any, Dict, List, Optional, Sequence

import gast
import gast.ast3

from .nodes import _new_node, deepcopy

_MISSING = object()
_GAST_CLASSES: Dict[type, Any] = {}  # ast class -> the gast class of the same name (None: none)


class _AstToGast(gast.ast3.Ast3ToGAst):
    """gast's own ast -> gast converter (its version-specific cases untouched) with a cheaper
    dispatch and generic step: the same gast tree, node for node, in about two thirds of the time
    (tests/test_source_fast_paths.py compares the trees)."""

    _methods: Dict[type, Any] = {}  # ast class -> this converter's visit_<Class>, or None

    def visit(self, node: Any) -> Any:
        cls = node.__class__
        try:
            method = self._methods[cls]
        except KeyError:
            method = self._methods[cls] = getattr(type(self), "visit_" + cls.__name__, None)
        if method is None:
            return self.generic_visit(node)
        return method(self, node)

    def generic_visit(self, node: Any) -> Any:
        cls = node.__class__
        try:
            target = _GAST_CLASSES[cls]
        except KeyError:
            target = _GAST_CLASSES[cls] = getattr(gast, cls.__name__, None)
        if target is None:  # not part of gast's tree: dropped, as gast drops it
            return None
        new = _new_node(target)
        fields = new.__dict__
        convert = self._visit
        for field in node._fields:
            value = getattr(node, field, _MISSING)
            if value is not _MISSING:
                fields[field] = convert(value)
        for attr in node._attributes:
            value = getattr(node, attr, _MISSING)
            if value is not _MISSING:
                fields[attr] = value
        return new


def ast_to_gast(tree: Any) -> Any:
    """:func:`gast.ast_to_gast`, faster (see :class:`_AstToGast`)."""
    return _AstToGast().visit(tree)


# --------------------------------------------------------------------------- parsing


_EXPR_MEMO: Dict[str, Any] = {}  # text -> its parsed expression (the passes parse the same few names often)


def parse_expr(text: str) -> Any:
    """The expression ``text`` as a fresh gast tree (parsed once per text, then copied)."""
    tree = _EXPR_MEMO.get(text)
    if tree is None:
        tree = gast.parse(text).body[0].value
        if len(_EXPR_MEMO) >= 4096:
            _EXPR_MEMO.clear()
        _EXPR_MEMO[text] = tree
    return deepcopy(tree)


def parse_stmts(text: str) -> List[Any]:
    return gast.parse(textwrap.dedent(text)).body


def parse_module(text: str) -> Any:
    return gast.parse(text)


# --------------------------------------------------------------------------- builders


# The builders below fill the node's fields directly: what gast's constructors do, without their
# generic argument handling (the passes build nodes by the thousand).  The Load/Store markers are
# shared, as :func:`deepcopy` shares them.
_LOAD, _STORE = gast.Load(), gast.Store()


def name(id_: str, store: bool = False) -> Any:
    node = _new_node(gast.Name)
    fields = node.__dict__
    fields["id"] = id_
    fields["ctx"] = _STORE if store else _LOAD
    fields["annotation"] = None
    fields["type_comment"] = None
    return node


def const(value: Any) -> Any:
    node = _new_node(gast.Constant)
    fields = node.__dict__
    fields["value"] = value
    fields["kind"] = None
    return node


def assign(target: Any, value: Any, lineno: Optional[int] = None) -> Any:
    if isinstance(target, str):
        target = name(target, store=True)
    node = _new_node(gast.Assign)
    fields = node.__dict__
    fields["targets"] = [target]
    fields["value"] = value
    fields["type_comment"] = None
    if lineno is not None:
        fields["lineno"] = lineno
    return node


def call(func: Any, args: Sequence[Any] = (), keywords: Sequence[tuple] = ()) -> Any:
    if isinstance(func, str):
        func = parse_expr(func)
    node = _new_node(gast.Call)
    fields = node.__dict__
    fields["func"] = func
    fields["args"] = list(args)
    fields["keywords"] = [gast.keyword(arg=k, value=v) for k, v in keywords]
    return node


def tuple_(elts: Sequence[Any], store: bool = False) -> Any:
    node = _new_node(gast.Tuple)
    fields = node.__dict__
    fields["elts"] = list(elts)
    fields["ctx"] = _STORE if store else _LOAD
    return node


def attribute(value: Any, attr: str) -> Any:
    node = _new_node(gast.Attribute)
    fields = node.__dict__
    fields["value"] = value
    fields["attr"] = attr
    fields["ctx"] = _LOAD
    return node


def function_def(fname: str, params: Sequence[str], body: List[Any], defaults: Sequence[Any] = ()) -> Any:
    args = gast.arguments(
        args=[gast.Name(id=p, ctx=gast.Param(), annotation=None, type_comment=None) for p in params],
        posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
        defaults=list(defaults),
    )
    return gast.FunctionDef(
        name=fname, args=args, body=body or [gast.Pass()], decorator_list=[], returns=None,
        type_comment=None, **_extra_fdef_fields(),
    )


def _extra_fdef_fields() -> dict:
    fields = getattr(gast.FunctionDef, "_fields", ())
    return {"type_params": []} if "type_params" in fields else {}


COMMENT_PREFIX = "\x00tl#"


def comment_line(text: str) -> Any:
    """A pseudo-statement that :func:`to_source` prints as ``# text``."""
    return gast.Expr(value=gast.Constant(value=COMMENT_PREFIX + text, kind=None))


def is_comment(stmt: Any) -> bool:
    return (
        isinstance(stmt, gast.Expr)
        and isinstance(stmt.value, gast.Constant)
        and isinstance(stmt.value.value, str)
        and stmt.value.value.startswith(COMMENT_PREFIX)
    )
