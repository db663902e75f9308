"""What the passes know about the statements of a generated function: the names each one
reads and writes (:class:`StmtNames`, one walk shared by every pass until one changes the
function; :class:`_NameMemo`, one pass's memo), how often each name is assigned and read
(:func:`name_counts`), and removing statements from nested bodies (:func:`_remove_stmts`).
"""

from __future__ import annotations

import collections
from typing import Any, Dict, List, Optional, Set, Tuple

from .. import syntax as S
from ..syntax import gast
from .arith import _FOLD, _Fold, _num, _plain_helper

_statements = S.statements


def _names(node: Any) -> Tuple[List[str], List[str]]:
    """(names read, names assigned) under ``node``, each as often as it occurs (one walk)."""
    loads: List[str] = []
    stores: List[str] = []
    for n in S.walk(node):
        if isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Load):
                loads.append(n.id)
            elif isinstance(n.ctx, gast.Store):
                stores.append(n.id)
    return loads, stores


def _stores(node: Any) -> List[str]:
    return _names(node)[1]


Counts = Tuple[Dict[str, int], Dict[str, int]]  # how often each name is (stored, loaded)


def name_counts(fdef: Any) -> Counts:
    """How often each name is assigned and read in ``fdef`` (one walk: several passes need
    it, and :func:`optimize` hands it from one to the next while none changes ``fdef``)."""
    loads, stores = _names(fdef)
    return dict(collections.Counter(stores)), dict(collections.Counter(loads))


_NO_NAMES = frozenset({"id", "attr", "arg", "kind", "type_comment", "ctx", "op", "ops"})
_NAME_FIELDS: Dict[type, Tuple[str, ...]] = {}  # node class -> the fields that may hold names


def _collect_names(nodes: List[Any]) -> Tuple[List[str], List[str], List[str], bool]:
    """(read, written, otherwise used) names under ``nodes``, and could :class:`_Fold` change
    something there?  One look at every node (the hot loop of :class:`StmtNames`)."""
    loads: List[str] = []
    stores: List[str] = []
    other: List[str] = []
    foldable = False
    todo = list(nodes)
    push, node_type, fields_of = todo.append, gast.AST, _NAME_FIELDS
    name_type, binop_type, unary_type, load, store = gast.Name, gast.BinOp, gast.UnaryOp, gast.Load, gast.Store
    for node in todo:  # grows while it is read
        cls = node.__class__
        if cls is name_type:
            ctx = node.ctx.__class__
            (loads if ctx is load else stores if ctx is store else other).append(node.id)
            if node.annotation is not None:
                push(node.annotation)
            continue
        if not foldable:
            if cls is binop_type:
                left, right, op = node.left, node.right, node.op
                if _num(left) or _num(right) or right.__class__ is unary_type:  # (what every fold needs)
                    foldable = (_num(left) and _num(right) and type(op) in _FOLD) \
                        or _Fold._algebra(node, left, right, op) is not node
            elif cls is unary_type:
                foldable = isinstance(node.op, gast.USub) and isinstance(node.operand, gast.UnaryOp) \
                    and isinstance(node.operand.op, gast.USub)
            elif cls is gast.Call:
                foldable = _plain_helper(node) is not None
        fields = fields_of.get(cls)
        if fields is None:
            fields = fields_of[cls] = tuple(f for f in cls._fields if f not in _NO_NAMES
                                            and not (f == "value" and cls is gast.Constant))
        get = node.__dict__.get
        for name in fields:
            value = get(name)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif value is not None and isinstance(value, node_type):
                push(value)
    return loads, stores, other, foldable


class StmtNames:
    """The names every statement of ``fdef`` reads and writes, from one walk of it.

    :func:`optimize` builds one when a pass first needs it and hands it to every pass until
    one changes ``fdef`` (most runs of a pass change nothing: they all share one walk).
    ``stmts``: the statements, those of each body after the statements holding it (nested
    functions' own not included); :meth:`own`: (reads, writes, other uses, e.g. ``del``) of
    a statement's own expressions: the test of an ``if`` or ``while``, the target and
    iterable of a ``for``, all of any other statement; :meth:`full`: (reads, writes) of
    everything under a statement, as :func:`_names`."""

    def __init__(self, fdef: Any, earlier: Optional[StmtNames] = None, dirty: Set[int] = frozenset()) -> None:
        """``earlier``: the names of ``fdef`` before passes changed it, since when ``dirty``
        holds every statement they changed in place (statements added, removed or moved
        are found here): the others' own names are taken from ``earlier``."""
        self.stmts: List[Any] = list(fdef.body)
        self._own: Dict[int, Tuple[List[str], List[str], List[str]]] = {}
        self._full: Dict[int, Tuple[List[str], List[str]]] = {}
        self.foldable: Set[int] = set()  # ids of the assignments fold_constants may change
        # (``earlier`` holds on to its statements: no new statement can have the id of one of them)
        known = earlier._own if earlier is not None else {}
        for st in self.stmts:  # grows while it is read
            cls = st.__class__
            key = id(st)
            if key in known and key not in dirty:
                self._own[key] = known[key]
                if key in earlier.foldable:  # type: ignore[union-attr]
                    self.foldable.add(key)
            elif cls is gast.If or cls is gast.While:
                self._own[id(st)] = _collect_names([st.test])[:3]
            elif cls is gast.For:
                self._own[id(st)] = _collect_names([st.target, st.iter])[:3]
            else:
                loads, stores, other, foldable = _collect_names([st])
                self._own[id(st)] = (loads, stores, other)
                if foldable and (cls is gast.Assign or cls is gast.AugAssign):
                    self.foldable.add(id(st))
            if cls is not gast.FunctionDef:
                for fname in ("body", "orelse"):
                    inner = getattr(st, fname, None)
                    if isinstance(inner, list):
                        self.stmts.extend(inner)

    def own(self, stmt: Any) -> Tuple[List[str], List[str], List[str]]:
        return self._own[id(stmt)]

    def full(self, stmt: Any) -> Tuple[List[str], List[str]]:
        hit = self._full.get(id(stmt))
        if hit is None:
            loads, stores, _ = self._own[id(stmt)]
            if isinstance(stmt, (gast.If, gast.For, gast.While)):
                loads, stores = list(loads), list(stores)
                for inner in stmt.body + stmt.orelse:
                    inner_loads, inner_stores = self.full(inner)
                    loads.extend(inner_loads)
                    stores.extend(inner_stores)
            hit = self._full[id(stmt)] = (loads, stores)
        return hit

    def counts(self, fdef: Any) -> Counts:
        """:func:`name_counts` of ``fdef`` (whose statements these are)."""
        loads: List[str] = []
        stores: List[str] = []
        for st in fdef.body:
            inner_loads, inner_stores = self.full(st)
            loads.extend(inner_loads)
            stores.extend(inner_stores)
        return dict(collections.Counter(stores)), dict(collections.Counter(loads))


class _NameMemo:
    """The names each statement reads and writes, computed once per pass (statements are
    walked again only after a pass changes them: :meth:`forget`), or taken from ``names``
    (a :class:`StmtNames` of the function as the pass found it) until they change."""

    def __init__(self, names: Optional[StmtNames] = None) -> None:
        self._memo: Dict[int, Tuple[List[str], List[str]]] = {}
        self._names = names
        self._changed: Set[int] = set()  # statements changed since ``names`` was made

    def _get(self, stmt: Any) -> Tuple[List[str], List[str]]:
        hit = self._memo.get(id(stmt))
        if hit is None:
            if self._names is not None and id(stmt) not in self._changed:
                hit = self._names.full(stmt)
            else:
                hit = self._memo[id(stmt)] = _names(stmt)
        return hit

    def loads(self, stmt: Any) -> List[str]:
        return self._get(stmt)[0]

    def stores(self, stmt: Any) -> List[str]:
        return self._get(stmt)[1]

    def forget(self, stmt: Any) -> None:
        """``stmt`` changed (and so, perhaps, the statements nested in it)."""
        self._memo.pop(id(stmt), None)
        if self._names is not None:
            for st in _statements([stmt]):
                self._changed.add(id(st))
                self._memo.pop(id(st), None)


def _remove_stmts(body: List[Any], ids: Set[int]) -> None:
    body[:] = [st for st in body if id(st) not in ids]
    for st in body:
        for fname in ("body", "orelse"):
            inner = getattr(st, fname, None)
            if isinstance(inner, list) and not isinstance(st, gast.FunctionDef):
                _remove_stmts(inner, ids)
                if fname == "body" and not inner:
                    inner.append(gast.Pass())
