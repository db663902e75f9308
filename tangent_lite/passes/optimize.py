"""Clean-up passes on generated functions; each says whether it changed anything.

    fold_constants:   x ** (2 - 1)        ->  x
                      _t2_dot + -_t3_dot  ->  _t2_dot - _t3_dot
                      g * 1.0             ->  g
                      0.0 + c             ->  c
    propagate_copies: _t6_bar = s_bar          ->  s_bar = _tl.unbroadcast(s_bar, s)
                      s_bar = _tl.unbroadcast(_t6_bar, s)
    forward_tuples:   _t20_bar = a_bar, b_bar; f(_t20_bar[0])  ->  f(a_bar)
    fuse_sum_seeds:   _t8_bar = _tl.sum_bar(g, _t8, None, False); 2.0 * h * _t8_bar  ->  h * (2.0 * g)
    drop_unread_saves: _tape.append(_t8) ... _t8 = _tape.pop() with _t8 no longer read  ->  neither
    remove_dead:      derivative variables that nothing reads are not computed
    keep_uniform_seeds (uniform.py): a sum's adjoint stays the scalar it spreads
    drop_round_trips, hoist_loop_invariants (hoist.py): in loops, copies that come back
                      go, invariant derivative arithmetic moves before the loop;
    iterate_tape (hoist.py): a one-loop tape is walked backwards instead of popped
    fold_negations (algebra.py): -(c * 2 * x) -> c * -2 * x, no pass for the negation
    contract_summed_products (contract.py): a product only summed is contracted, never built
    drop_unused_forward: (tl.grad, value not returned) the forward statements only the value needed

Only names the derivative passes introduced (``protected`` is everything the user's
code assigns) are ever removed or renamed, and a ``.pop()`` is never removed.
"""

from __future__ import annotations

import collections
import operator
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .. import syntax as S
from ..rules import purity
from ..rules.registry import REGISTRY
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, is_tape
from .algebra import fold_negations
from .contract import contract_summed_products
from .hoist import drop_round_trips, hoist_loop_invariants, iterate_tape
from .uniform import keep_uniform_seeds

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


def propagate_copies(fdef: Any, protected: Set[str], counts: Optional[Counts] = None,
                     names: Optional[StmtNames] = None, dirty: Optional[Set[int]] = None) -> bool:
    """Replace ``a`` by ``b`` after ``a = b`` (a: a derivative temporary assigned once,
    read only later in the same block, before ``b`` changes), and drop the copy.
    ``counts``: :func:`name_counts` of ``fdef`` if known; ``names``: its :class:`StmtNames`;
    ``dirty``: collects the ids of the statements changed in place."""
    stores, loads = counts or name_counts(fdef)
    changed = False
    memo = _NameMemo(names)

    def visit(body: List[Any]) -> List[Any]:
        nonlocal changed
        out: List[Any] = []
        i = 0
        while i < len(body):
            stmt = body[i]
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list) and not isinstance(stmt, gast.FunctionDef):
                    before = changed
                    setattr(stmt, field, visit(getattr(stmt, field)) or ([gast.Pass()] if field == "body" else []))
                    if changed is not before:  # something in it went or was renamed
                        memo.forget(stmt)
            if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Name) and stmt.targets[0].id not in protected
                    and stores.get(stmt.targets[0].id) == 1 and loads.get(stmt.targets[0].id)):
                a, b = stmt.targets[0].id, stmt.value.id
                rest = body[i + 1:]
                uses, j = 0, 0
                for j, later in enumerate(rest):  # noqa: B007 (j is used after the loop)
                    if isinstance(later, (gast.If, gast.For, gast.While)):
                        break
                    uses += memo.loads(later).count(a)
                    if b in memo.stores(later) or a in memo.stores(later):
                        break
                else:
                    j = len(rest)
                if uses and uses == loads.get(a, 0) and (
                        j == len(rest) or not any(a in memo.loads(s) for s in rest[j + 1:])):
                    for later in rest[: j + 1]:
                        if a in memo.loads(later):
                            _rename_loads(later, a, b)
                            memo.forget(later)
                            if dirty is not None:
                                dirty.update(id(st) for st in _statements([later]))
                    changed = True
                    i += 1
                    continue
            out.append(stmt)
            i += 1
        return out

    fdef.body = visit(fdef.body)
    return changed


def _rename_loads(node: Any, old: str, new: str) -> None:
    for n in S.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id == old:
            n.id = new


def forward_tuples(fdef: Any, protected: Set[str], counts: Optional[Counts] = None) -> bool:
    """Read the elements of a tuple built just before directly (``t`` a derivative
    temporary assigned once, read only as ``t[k]`` before its elements change)::

        _t20_bar = k4u_bar, k4v_bar          ->    g = f_bwd(res, k4u_bar, k4v_bar)
        g = f_bwd(res, _t20_bar[0], _t20_bar[1])

    (``remove_dead`` then drops the unused tuple.)  ``counts``: :func:`name_counts` of
    ``fdef`` if known."""
    stores, loads = counts or name_counts(fdef)
    loads = dict(loads)  # updated below as tuples go
    changed = False

    def items(node: Any, t: str) -> List[Any]:
        return [n for n in S.walk(node) if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name)
                and n.value.id == t and isinstance(n.slice, gast.Constant) and type(n.slice.value) is int]

    def visit(body: List[Any]) -> None:
        nonlocal changed
        for i, stmt in enumerate(body):
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list) and not isinstance(stmt, gast.FunctionDef):
                    visit(getattr(stmt, field))
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Tuple) and stmt.targets[0].id not in protected
                    and stores.get(stmt.targets[0].id) == 1
                    and all(isinstance(e, (gast.Name, gast.Constant)) for e in stmt.value.elts)):
                continue
            t, elts = stmt.targets[0].id, stmt.value.elts
            names = {e.id for e in elts if isinstance(e, gast.Name)} | {t}
            window: List[Any] = []
            for later in body[i + 1:]:
                if isinstance(later, (gast.If, gast.For, gast.While)):
                    break
                window.append(later)
                if names & set(_stores(later)):
                    break
            found = [n for later in window for n in items(later, t)]
            if not found or len(found) != loads.get(t, 0) or any(n.slice.value >= len(elts) for n in found):
                continue
            for later in window:
                _replace_items(later, t, elts)
            changed = True
            loads[t] = 0

    visit(fdef.body)
    return changed


def _replace_items(node: Any, t: str, elts: List[Any]) -> None:
    class Replace(gast.NodeTransformer):
        def visit_Subscript(self, n: Any) -> Any:
            self.generic_visit(n)
            if isinstance(n.value, gast.Name) and n.value.id == t and isinstance(n.slice, gast.Constant):
                return S.deepcopy(elts[n.slice.value])
            return n

    Replace().visit(node)


def remove_dead(fdef: Any, protected: Set[str], counts: Optional[Counts] = None) -> bool:
    """Drop assignments to derivative names nobody reads (never a tape pop; ``v += c`` reads
    ``v``: ``v = zeros`` before it stays).  ``counts``: :func:`name_counts` of ``fdef`` if known."""
    loads = set((counts or name_counts(fdef))[1]) | {
        st.target.id for st in _statements(fdef.body) if isinstance(st, gast.AugAssign)
        and isinstance(st.target, gast.Name)}
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


_SAME_SHAPE_UFUNCS = {"tanh", "exp", "sin", "cos", "log", "sqrt", "square", "abs", "negative", "sinh", "cosh",
                      "arctan", "log1p", "expm1"}


def _keeps_shape_of(value: Any, y: str) -> bool:
    """Is ``value`` (a forward statement's right-hand side) elementwise in ``y`` alone, so
    it has ``y``'s shape: ``y * y``, ``y ** 2``, ``-y``, ``np.tanh(y)``?"""
    def is_y(n: Any) -> bool:
        return isinstance(n, gast.Name) and n.id == y

    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Mult):
        return is_y(value.left) and is_y(value.right)
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Pow):
        return is_y(value.left) and _num(value.right)
    if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub):
        return is_y(value.operand)
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and value.func.attr in _SAME_SHAPE_UFUNCS and len(value.args) == 1 and not value.keywords:
        return is_y(value.args[0])
    return False


def _restores(value: Any, fdef: Any) -> bool:
    """``x = _tape.pop()`` (an earlier value of ``x`` put back) or ``x = None`` (before any)."""
    if isinstance(value, gast.Constant) and value.value is None:
        return True
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and value.func.attr == "pop" \
        and not value.args and isinstance(value.func.value, gast.Name) and is_tape(value.func.value.id, fdef)


def _mult_leaves(node: Any) -> List[Any]:
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
        return _mult_leaves(node.left) + _mult_leaves(node.right)
    return [node]


def fuse_sum_seeds(fdef: Any, protected: Set[str], counts: Optional[Counts] = None,
                   names: Optional[StmtNames] = None, dirty: Optional[Set[int]] = None) -> bool:
    """Do not spread a sum's adjoint over the summed array when its only use multiplies it
    by an array of that shape anyway (``_t8 = h * h``: ``_t8``'s shape is ``h``'s)::

        _t8_bar = _tl.sum_bar(_t10_bar, _t8, None, False)   ->   h_bar = h * (2.0 * _t10_bar)
        h_bar = 2.0 * h * _t8_bar
        (axis k >= 1: the reduced axis is put back as a length-1 axis, g[:, :, None] for k = 2;
        never axis 0, whose sum may be a float that cannot be indexed)

    The scalars multiply first; the product with ``h`` broadcasts to the full shape once.
    ``counts``: :func:`name_counts` of ``fdef`` if known; ``names``: its :class:`StmtNames`;
    ``dirty``: collects the ids of the statements changed in place."""
    loads = (counts or name_counts(fdef))[1]
    defs: Dict[str, List[Any]] = {}
    candidates: List[Any] = []  # v = _tl.sum_bar(g, x, axis, keep)
    for n in _statements(fdef.body):  # definitions are statements
        if isinstance(n, gast.Assign):
            if isinstance(n.value, gast.Call) and isinstance(n.value.func, gast.Attribute) \
                    and n.value.func.attr == "sum_bar":
                candidates.append(n)
            for t in n.targets:
                if isinstance(t, gast.Name):
                    defs.setdefault(t.id, []).append(n.value)
                elif isinstance(t, gast.Tuple):
                    for e in t.elts:
                        if isinstance(e, gast.Name):
                            defs.setdefault(e.id, []).append(None)
        elif isinstance(n, (gast.AugAssign, gast.For)):
            for e in S.walk(n.target):
                if isinstance(e, gast.Name):
                    defs.setdefault(e.id, []).append(None)
    seeds: Dict[str, Any] = {}  # v -> (its assignment, g, x, axis)
    for n in candidates:
        if isinstance(n.targets[0], gast.Name) and n.targets[0].id not in protected \
                and len(n.value.args) == 4 and not n.value.keywords:
            g, x, axis, keep = n.value.args
            v = n.targets[0].id
            if len(defs.get(v, [])) == 1 and loads.get(v) == 1 and isinstance(x, gast.Name) \
                    and isinstance(keep, gast.Constant) and keep.value is False and isinstance(axis, gast.Constant) \
                    and (axis.value is None or (type(axis.value) is int and axis.value >= 1)) \
                    and isinstance(g, (gast.Name, gast.Constant)):
                seeds[v] = (n, g, x.id, axis.value)
    if not seeds:
        return False
    changed = False

    class Fuse(gast.NodeTransformer):
        def visit_BinOp(self, node: Any) -> Any:
            nonlocal changed
            if not isinstance(node.op, gast.Mult):
                return self.generic_visit(node)
            leaves = _mult_leaves(node)
            names = [leaf.id for leaf in leaves if isinstance(leaf, gast.Name)]
            hits = [v for v in names if v in seeds]
            simple = all(isinstance(leaf, gast.Name) or _num(leaf) for leaf in leaves)
            if len(hits) != 1 or len(names) != 2 or not simple:
                return self.generic_visit(node)
            v = hits[0]
            y = next(name for name in names if name != v)
            assign, g, x, axis = seeds[v]
            if y == v or not defs.get(x) or not all(d is not None and (_keeps_shape_of(d, y) or _restores(d, fdef))
                                                    for d in defs[x]) or not any(
                    d is not None and _keeps_shape_of(d, y) for d in defs[x]):
                return self.generic_visit(node)
            small: Any = S.deepcopy(g)
            if axis is not None:
                index = gast.Tuple(elts=[gast.Slice(lower=None, upper=None, step=None)] * axis
                                   + [gast.Constant(value=None, kind=None)], ctx=gast.Load())
                small = gast.Subscript(value=small, slice=index, ctx=gast.Load())
            for leaf in leaves:
                if _num(leaf):
                    small = gast.BinOp(left=S.deepcopy(leaf), op=gast.Mult(), right=small)
            seeds.pop(v)
            assign.value = S.const(None)  # now dead: remove_dead drops it
            if dirty is not None:
                dirty.add(id(assign))
            changed = True
            product = gast.BinOp(left=gast.Name(id=y, ctx=gast.Load(), annotation=None, type_comment=None),
                                 op=gast.Mult(), right=small)
            return product

    fuse = Fuse()

    def reads_seed(node: Any) -> bool:
        return any(isinstance(n, gast.Name) and n.id in seeds for n in S.walk(node))

    def may_read_seed(stmt: Any) -> bool:
        """Could ``stmt``'s own expressions read a seed?  (The names as ``names`` knows them:
        the fusions so far only took reads away from statements not visited yet.)"""
        if names is None:
            return True
        loads, stores, other = names.own(stmt)
        return any(n in seeds for n in loads) or any(n in seeds for n in stores) or any(n in seeds for n in other)

    def visit(body: List[Any]) -> None:  # only what reads a seed (nothing else can change)
        for stmt in body:
            if isinstance(stmt, (gast.If, gast.For, gast.While)):
                if may_read_seed(stmt):
                    for fname in stmt._fields:  # the test, target and iterable, then the bodies
                        value = getattr(stmt, fname, None)
                        if isinstance(value, gast.AST) and reads_seed(value):
                            setattr(stmt, fname, fuse.visit(value))
                            if dirty is not None:
                                dirty.add(id(stmt))
                visit(stmt.body)
                visit(stmt.orelse)
            elif may_read_seed(stmt) and reads_seed(stmt):
                fuse.visit(stmt)
                if dirty is not None:
                    dirty.update(id(st) for st in _statements([stmt]))

    visit(fdef.body)
    return changed


def _push_of(stmt: Any, fdef: Any) -> Any:
    """``v`` of ``_tape.append(v)`` (a tape push of a plain name), else None."""
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
            and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "append" \
            and isinstance(stmt.value.func.value, gast.Name) and is_tape(stmt.value.func.value.id, fdef) \
            and len(stmt.value.args) == 1 and isinstance(stmt.value.args[0], gast.Name):
        return stmt.value.args[0].id
    return None


def _pop_into(stmt: Any, fdef: Any) -> Any:
    """``v`` of ``v = _tape.pop()``, else None."""
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and _restores(stmt.value, fdef) \
            and isinstance(stmt.value, gast.Call):
        return stmt.targets[0].id
    return None


def drop_unread_saves(fdef: Any) -> bool:
    """Remove a tape push and its pop when the other passes removed every reverse-sweep read
    of the value (``fuse_sum_seeds`` no longer reads ``_t8`` for its shape)::

        for t in _t2:                         for t in _t2:
            _tape.append(_t8)                     _t8 = h * h
            _t8 = h * h              ->           ...
        ...                                   for t in reversed(_t2):
        for t in reversed(_t2):                   h_bar = h_bar + h * (2.0 * loss_bar)
            h_bar = h_bar + h * (2.0 * loss_bar)
            _t8 = _tape.pop()

    Only a name pushed once and popped once in this function, where nothing from the loop
    holding the pop on reads it (the tape's other entries keep their order)."""
    pushes: Dict[str, List[Any]] = {}
    pops: Dict[str, List[Any]] = {}
    for n in _statements(fdef.body):  # pushes and pops are statements: expressions need no look
        if _push_of(n, fdef) is not None:
            pushes.setdefault(_push_of(n, fdef), []).append(n)
        if _pop_into(n, fdef) is not None:
            pops.setdefault(_pop_into(n, fdef), []).append(n)
    changed = False
    candidates = [v for v in sorted(set(pushes) & set(pops)) if len(pushes[v]) == 1 and len(pops[v]) == 1]
    if not candidates:
        return False
    memo = _NameMemo()
    top: Dict[int, int] = {}  # id(statement) -> index of the top-level statement holding it

    def index_top() -> None:
        top.clear()
        for i, st in enumerate(fdef.body):
            for n in _statements([st]):
                top[id(n)] = i

    index_top()
    for v in candidates:
        push, pop = pushes[v][0], pops[v][0]
        at, before = top.get(id(pop)), top.get(id(push))
        if at is None or before is None or before >= at or not isinstance(fdef.body[at], (gast.For, gast.While)):
            continue
        if any(v in memo.loads(st) for st in fdef.body[at:]):
            continue
        holders = (fdef.body[before], fdef.body[at])
        _remove_stmts(fdef.body, {id(push), id(pop)})
        for holder in holders:
            memo.forget(holder)
        if holders[0] is push:  # a top-level statement went: the ones after it moved up
            index_top()
        changed = True
    return changed


_statements = S.statements


def _remove_stmts(body: List[Any], ids: Set[int]) -> None:
    body[:] = [st for st in body if id(st) not in ids]
    for st in body:
        for fname in ("body", "orelse"):
            inner = getattr(st, fname, None)
            if isinstance(inner, list) and not isinstance(st, gast.FunctionDef):
                _remove_stmts(inner, ids)
                if fname == "body" and not inner:
                    inner.append(gast.Pass())


DROP_PURE = "_tl_drop_pure"  # attribute of a generated FunctionDef: its value is not returned (drop_unused_forward)
KEEP_POPS = "_tl_keep_pops"  # attribute of a generated FunctionDef: no iterate_tape (numba_backend pops tapes)
FACTS = "_tl_facts"  # attribute of a generated FunctionDef: uniform.Facts of its names

_PURE_BUILTINS = (range, len, float, int, abs, min, max, bool)
_PURE_METHODS = {"copy", "tolist", "item", "astype", "sum", "mean", "any", "all", "max", "min"}
_MISSING = object()


def _pure_callee(callee: Any) -> bool:
    if isinstance(callee, tuple):  # ("method", name)
        return len(callee) == 2 and callee[0] == "method" and callee[1] in _PURE_METHODS
    try:
        if callee in _PURE_BUILTINS:
            return True
    except TypeError:  # unhashable
        return False
    return REGISTRY.get(callee) is not None and purity.is_pure(callee, True)


def _pure(value: Any) -> bool:
    """Can ``value`` be left uncomputed when nothing reads it?  Arithmetic, comparisons,
    subscripts, attributes, displays and calls of primitives (functions with derivative rules
    do not change their arguments or draw random numbers) or of a few builtins and methods;
    never a call of anything else."""
    for n in S.walk(value):
        if isinstance(n, gast.Call):
            if not _pure_callee(get_anno(n, Key.CALLEE, _MISSING)):
                return False
        elif isinstance(n, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom, gast.Await)):
            return False
    return True


def drop_unused_forward(fdef: Any) -> bool:
    """When the generated function does not return the value (``tl.grad``), drop the
    assignments, the user's included, whose value nothing reads before it is assigned again
    (backward liveness over the structured code; loops to a fixpoint), then the for loops left
    with nothing to do::

        for i in _t3:                          (gone: the reverse loop recomputes _t8
            _t8 = _t5 - _t7                     before reading it, nothing reads s)
            s = _t11 + _t14

    Only assignments of one name with a :func:`_pure` value are dropped; every other
    statement keeps what it reads alive."""
    dead: Set[int] = set()
    live_after: Dict[int, Set[str]] = {}  # id(loop) -> names live after it
    memo = _NameMemo()

    def kills(st: Any) -> Set[str]:
        if isinstance(st, gast.Assign) and all(isinstance(t, (gast.Name, gast.Tuple)) for t in st.targets):
            return set(memo.stores(st))
        return set()

    def removable(st: Any) -> bool:
        return isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name) \
            and _pure(st.value)

    def block(body: List[Any], live: Set[str], record: bool) -> Set[str]:
        """Names live before ``body`` given ``live`` after it; ``record``: mark dead assignments."""
        for st in reversed(body):
            if isinstance(st, gast.If):
                live = block(st.body, set(live), record) | block(st.orelse, set(live), record) | set(
                    memo.loads(st.test))
            elif isinstance(st, (gast.For, gast.While)):
                head = set(live)  # live at the loop's head: after it, or another iteration
                while True:
                    inner = block(st.body, set(head), False)
                    if isinstance(st, gast.For):
                        inner = (inner - set(_stores(st.target))) | set(memo.loads(st.iter))
                    else:
                        inner |= set(memo.loads(st.test))
                    inner |= block(st.orelse, set(live), False)
                    if inner <= head:
                        break
                    head |= inner
                if record:
                    block(st.body, set(head), True)
                    block(st.orelse, set(live), True)
                    live_after[id(st)] = set(live)
                live = head
            elif removable(st) and st.targets[0].id not in live:
                if record:
                    dead.add(id(st))
            else:
                live = (live - kills(st)) | set(memo.loads(st))
        return live

    block(fdef.body, set(), True)
    # and loops left with nothing to do, whose variable nothing reads afterwards
    for st in _statements(fdef.body):
        if isinstance(st, gast.For) and not st.orelse and _pure(st.iter) and id(st) in live_after \
                and all(id(b) in dead or isinstance(b, gast.Pass) for b in st.body) \
                and not (set(_stores(st.target)) & live_after[id(st)]):
            dead.add(id(st))
    if not dead:
        return False
    _remove_stmts(fdef.body, dead)
    return True


RELEASE = "_tl_release"  # attribute of a generated FunctionDef: the array variables release_dead may free


def release_dead(fdef: Any, names: Set[str], index: Optional[StmtNames] = None) -> bool:
    """Let go of arrays as soon as nothing reads them any more (``name = None`` after the
    last top-level statement that uses them), so NumPy reuses their memory for the next
    temporaries instead of the process asking the OS for fresh pages on every call::

        _t9 = _t5 + _t8                  _t9 = _t5 + _t8
        _t10 = np.sum(_t9)         ->    _t5 = None
        ...                              _t8 = None
                                         _t10 = np.sum(_t9)
                                         _t9 = None

    ``names``: the candidates (arrays of known rank >= 1, never parameters); ``index``:
    the :class:`StmtNames` of ``fdef`` if known."""
    body = fdef.body
    if not body or not names:
        return False
    live: Set[str] = set()
    released: Set[str] = set()
    out: List[Any] = []
    work_after = False  # releasing just before the return would gain nothing
    memo = _NameMemo(index)
    for stmt in reversed(body):
        reads = set(memo.loads(stmt))
        dead = sorted(((reads | set(memo.stores(stmt))) & names) - live - released)
        if dead and work_after:
            out.extend(S.assign(n, S.const(None)) for n in reversed(dead))
        released |= set(dead)
        out.append(stmt)
        live |= reads
        work_after = work_after or not isinstance(stmt, (gast.Return, gast.Expr))
    fdef.body = list(reversed(out))
    return len(out) > len(body)


def optimize(fdef: Any, protected: Set[str]) -> Any:
    """Run the passes to a fixpoint (bounded)."""
    counts: Optional[Counts] = None  # name_counts(fdef) while no pass has changed fdef since
    names: Optional[StmtNames] = None  # likewise, the names of its statements
    earlier: Optional[StmtNames] = None  # the last names built, while the passes say what they change
    dirty: Set[int] = set()  # the statements changed in place since ``earlier`` was built

    def indexed() -> StmtNames:
        nonlocal names, earlier
        if names is None:
            names = earlier = StmtNames(fdef, earlier, dirty)
            dirty.clear()
        return names

    def counted() -> Counts:
        nonlocal counts
        if counts is None:
            counts = indexed().counts(fdef)
        return counts

    facts = getattr(fdef, FACTS, None)
    # each pass, and whether it tells what it changes in place (into ``dirty``; the passes
    # that only remove, add or move statements change none): the others' changes mean
    # building ``names`` anew
    passes: List[Tuple[Callable[[], bool], bool]] = [
        (lambda: fold_constants(fdef, protected, indexed(), dirty), True),
        (lambda: facts is not None and keep_uniform_seeds(fdef, protected, facts, indexed), False),
        (lambda: propagate_copies(fdef, protected, counted(), indexed(), dirty), True),
        (lambda: forward_tuples(fdef, protected, counted()), False),
        (lambda: fuse_sum_seeds(fdef, protected, counted(), indexed(), dirty), True),
        (lambda: drop_unread_saves(fdef), True),
        (lambda: not getattr(fdef, KEEP_POPS, False) and iterate_tape(fdef), False),
        (lambda: fold_negations(fdef, protected, counted()), False),
        (lambda: facts is not None and contract_summed_products(fdef, protected, facts.tl), False),
        (lambda: drop_round_trips(fdef, protected), True),
        (lambda: hoist_loop_invariants(fdef, protected, lambda: counted()[0]), True),
        (lambda: remove_dead(fdef, protected, counted()), True),
        (lambda: getattr(fdef, DROP_PURE, False) and drop_unused_forward(fdef), True),
    ]
    # Rounds of every pass in order, at most 10.  Stop as soon as the last len(passes) runs
    # changed nothing: fdef is then a fixpoint of every pass, and the rest of the round and
    # a full confirming round (which is where a round-based loop would stop) change nothing.
    quiet = 0  # runs in a row that changed nothing
    for run, tells in passes * 10:
        if run():
            quiet = 0
            counts = names = None
            if not tells:
                earlier = None
                dirty.clear()
        else:
            quiet += 1
            if quiet == len(passes):
                break
    return finish(fdef, names)


def finish(fdef: Any, names: Optional[StmtNames] = None) -> Any:
    """What runs once after the passes' fixpoint: in-place updates only of arrays made here
    (:func:`own_what_is_updated`), then dead arrays released (:func:`release_dead`)."""
    if own_what_is_updated(fdef):
        names = None
    release_dead(fdef, getattr(fdef, RELEASE, set()), names)
    return fdef


# runtime helpers that return new arrays
_ALLOCATING = ("zeros_like", "getitem_bar", "setitem", "zero_index", "strong_mul", "strong_div", "pow_base_bar")


def own_what_is_updated(fdef: Any) -> bool:
    """``v += c`` changes ``v``'s array in place: the derivative passes write it only where
    every assignment to ``v`` makes a new array, but a pass may since have turned one into a
    plain reference (``v = g * 1.0`` folded to ``v = g``, where ``g`` is the caller's
    cotangent).  Where some assignment to ``v`` no longer allocates, ``v += c`` goes back to
    ``v = v + c``::

        x_bar = _t2_bar                 x_bar = _t2_bar
        x_bar += c           ->         x_bar = x_bar + c"""
    updated = {st.target.id for st in _statements(fdef.body)
               if isinstance(st, gast.AugAssign) and isinstance(st.target, gast.Name)}
    if not updated:
        return False
    facts = getattr(fdef, FACTS, None)
    tl = facts.tl if facts is not None else (get_anno(fdef, Key.BUILTINS) or {}).get("_tl", "_tl")

    def allocates(value: Any) -> bool:
        if isinstance(value, (gast.BinOp, gast.UnaryOp)):
            return True
        return isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and isinstance(value.func.value, gast.Name) and value.func.value.id == tl \
            and value.func.attr in _ALLOCATING

    params = {a.arg if hasattr(a, "arg") else a.id for a in fdef.args.args}
    values: Dict[str, List[Any]] = {}
    for st in _statements(fdef.body):
        if isinstance(st, gast.Assign):
            for t in st.targets:
                if isinstance(t, gast.Name):
                    values.setdefault(t.id, []).append(st.value)
    loads = collections.Counter(n.id for n in S.walk(fdef) if isinstance(n, gast.Name)
                                and isinstance(n.ctx, gast.Load))

    def ours(name: str, seen: Set[str]) -> bool:
        """Does every assignment of ``name`` make a new array (or take over one nothing else reads)?"""
        if name in params or name in seen or name not in values:
            return False
        seen.add(name)
        return all(allocates(v) or (isinstance(v, gast.Name) and loads[v.id] == 1 and ours(v.id, seen))
                   for v in values[name])

    shared = {name for name in updated if not ours(name, set())}
    if not shared:
        return False

    def visit(body: List[Any]) -> None:
        for i, st in enumerate(body):
            if isinstance(st, gast.AugAssign) and isinstance(st.target, gast.Name) and st.target.id in shared:
                new = S.assign(st.target.id, gast.BinOp(left=S.name(st.target.id), op=st.op, right=st.value))
                new.lineno = getattr(st, "lineno", None)
                body[i] = new
            for fname in ("body", "orelse"):
                inner = getattr(st, fname, None)
                if isinstance(inner, list) and not isinstance(st, gast.FunctionDef):
                    visit(inner)

    visit(fdef.body)
    return True
