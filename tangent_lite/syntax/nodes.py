"""Looking at and copying gast trees: walking them (nodes, statement blocks, names), measuring
their depth (and making room on the stack for it), shifting their line numbers, deep copies."""

from __future__ import annotations

import ast
import contextlib
import copy
import sys
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import gast

from .annotations import _ATTR as _ANNO_ATTR

_new_node = ast.AST.__new__  # an empty node of a class, its fields to be filled in


# fields that never hold a node (names, strings, constants), left out of walk's look at children;
# ``ctx`` holds a Load/Store/Del marker, which no pass looks at (they read ``n.ctx``)
_LEAF_FIELDS = {"id", "attr", "arg", "kind", "type_comment", "ctx"}
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}  # node class -> the fields walk looks into


def _child_fields(cls: type) -> Tuple[str, ...]:
    fields = _CHILD_FIELDS[cls] = tuple(
        f for f in cls._fields if f not in _LEAF_FIELDS and not (f == "value" and cls.__name__ == "Constant"))
    return fields


def inner_blocks(stmt: Any) -> List[List[Any]]:
    """The statement lists nested in ``stmt``: its ``body``, ``orelse``, ``finalbody`` and the
    bodies of its ``except`` handlers (none for a nested ``def``: those are another function's)."""
    if stmt.__class__ is gast.FunctionDef:
        return []
    out = [getattr(stmt, f) for f in ("body", "orelse", "finalbody") if isinstance(getattr(stmt, f, None), list)]
    out.extend(h.body for h in getattr(stmt, "handlers", None) or ())
    return out


def blocks(body: List[Any]) -> List[List[Any]]:
    """``body`` and every statement list nested in it, outer first."""
    out = [body]
    for block in out:  # grows while it is read
        for st in block:
            out.extend(inner_blocks(st))
    return out


def statements(body: List[Any]) -> List[Any]:
    """The statements of ``body`` and of the blocks nested in them (not their expressions)."""
    return [st for block in blocks(body) for st in block]


def stored_names(node: Any) -> set:
    """The names assigned under ``node``."""
    return {n.id for n in walk(node) if n.__class__ is gast.Name and isinstance(n.ctx, gast.Store)}


def loaded_names(node: Any) -> set:
    """The names read under ``node``."""
    return {n.id for n in walk(node) if n.__class__ is gast.Name and isinstance(n.ctx, gast.Load)}


def walk(node: Any) -> Iterable[Any]:
    """Every node under ``node`` (itself included), breadth first: :func:`ast.walk`'s order
    without the expression-context markers (``Load``, ``Store``, ``Del``: a third of all nodes),
    at about three times its speed (the passes walk statements many thousands of times)."""
    todo = [node]
    push, node_type, child_fields, name_type = todo.append, ast.AST, _CHILD_FIELDS, gast.Name
    for current in todo:  # todo grows while it is read: breadth first
        yield current
        cls = current.__class__
        if cls is name_type:  # the commonest node: its one child field is a parameter's annotation
            annotation = current.__dict__.get("annotation")
            if annotation is not None:
                push(annotation)
            continue
        try:
            fields = child_fields[cls]
        except KeyError:
            fields = _child_fields(cls)
        get = current.__dict__.get
        for name in fields:
            value = get(name)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif value is not None and isinstance(value, node_type):
                push(value)


_LEAVES = (str, int, float, complex, bool, bytes, type(None), type(Ellipsis))
_LEAF_TYPES = frozenset(_LEAVES)
# the expression-context markers: fieldless and never changed in place, so copies share them
_CONTEXT_TYPES = frozenset({gast.Load, gast.Store, gast.Del, gast.Param})


def deepcopy(node: Any) -> Any:
    """A deep copy of an AST (node or list of nodes), with its annotations.

    Made for the compiler's hot path (the passes copy templates and statements thousands of
    times): nodes and lists are copied, constants and the ``Load``/``Store`` markers shared;
    annotation values that are nodes are copied, the other annotation values (callees,
    primitives, ints) shared. Anything else falls back to :func:`copy.deepcopy`."""
    cls = node.__class__
    if cls is list:
        return [deepcopy(item) for item in node]
    if cls in _LEAF_TYPES or cls in _CONTEXT_TYPES:
        return node
    if isinstance(node, ast.AST):
        new = cls.__new__(cls)
        fields = new.__dict__
        for key, value in node.__dict__.items():
            vcls = value.__class__
            if vcls in _LEAF_TYPES or vcls in _CONTEXT_TYPES:
                fields[key] = value
            elif key == _ANNO_ATTR:
                fields[key] = {k: deepcopy(v) if isinstance(v, (ast.AST, list)) else v for k, v in value.items()}
            else:
                fields[key] = deepcopy(value)
        return new
    if isinstance(node, list):
        return [deepcopy(item) for item in node]
    if isinstance(node, _LEAVES):
        return node
    return copy.deepcopy(node)


def dotted_name(node: Any) -> Optional[str]:
    """``np.linalg.solve`` -> 'np.linalg.solve'; None if not a plain dotted name."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, gast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def whole_index(index: Any) -> bool:
    """Is the subscript ``index`` one that names the whole value, ``()`` or ``...`` alone (which
    a 0-d array takes and a number does not)?"""
    elts = index.elts if isinstance(index, gast.Tuple) else [index]
    return all(isinstance(e, gast.Constant) and e.value is Ellipsis for e in elts) and len(elts) <= 1


def tree_depth(tree: Any) -> int:
    """The nesting depth of a syntax tree, counting every child :func:`ast.iter_child_nodes`
    gives (computed level by level, without recursion)."""
    depth, level, node_type = 0, [tree], ast.AST
    while level:
        depth += 1
        below: List[Any] = []
        push = below.append
        for node in level:
            for field in node._fields:
                value = getattr(node, field, None)
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, node_type):
                            push(item)
                elif isinstance(value, node_type):
                    push(value)
        level = below
    return depth


@contextlib.contextmanager
def recursion_room(depth: int) -> Iterator[None]:
    """Raise Python's recursion limit while a recursive pass walks a tree ``depth`` deep.

    gast's converters, :func:`deepcopy` and the lowering visit expressions recursively,
    a few frames per level: a valid 400-term sum would otherwise exceed the default limit."""
    old = sys.getrecursionlimit()
    frames, f = 0, sys._getframe()
    while f is not None:
        frames, f = frames + 1, f.f_back
    need = frames + 12 * depth + 300
    if need > old:
        sys.setrecursionlimit(need)
    try:
        yield
    finally:
        if need > old:
            sys.setrecursionlimit(old)


def shift_lines(tree: Any, n: int) -> None:
    """:func:`ast.increment_lineno` that skips nodes without a line (gast gives Python 3.9's
    ``alias`` nodes ``lineno=None``)."""
    for node in walk(tree):
        for attr in ("lineno", "end_lineno"):
            value = getattr(node, attr, None)
            if isinstance(value, int):
                setattr(node, attr, value + n)
