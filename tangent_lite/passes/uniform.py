"""Adjoints that are one value spread over an array, kept as that value.

The adjoint of ``s = np.sum(x)`` is the scalar ``g`` spread over ``x``'s shape,
``_tl.sum_bar(g, x, None, False)``: an array as large as ``x``.  When every statement that
reads it broadcasts it against an array of ``x``'s shape anyway, spreading it is wasted work
and memory, and it keeps ``x`` alive only for its shape.  Keep the scalar::

    _t9_bar = _tl.sum_bar(_t10_bar, _t9, None, False)         _t9_bar = _t10_bar
    _t7_bar = _t9_bar * 2 * _t7                         ->    _t7_bar = _t9_bar * 2 * _t7
    _t4_bar = 100.0 * _t9_bar                                 _t4_bar = 100.0 * _t9_bar    (a scalar too)
    _t3_bar = _t4_bar * 2 * _t3                               _t3_bar = _t4_bar * 2 * _t3

For ``np.sum(x, axis=k)`` (k >= 1) the kept value is ``g`` with the summed axis put back
with length 1 (``g[:, :, None]`` for k = 2).

Whether a read is safe is decided on the shape classes of :mod:`shapes` (variables known to
share a shape): the result of an elementwise expression keeps its shape when it also has an
operand of ``x``'s class; an expression of the kept value and scalars alone is another such
value (its target joins the set, and its own reads are checked); ``x_bar[i] += v``,
``_tl.getitem_bar(v, ...)``, ``_tl.as_grad(v, x)`` broadcast ``v`` themselves;
``_tl.unbroadcast(v, y)`` with ``y`` of the same class is ``v``.  Anything else (a return, a
call, an array of unknown shape) leaves the adjoint spread out as before.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .. import syntax as S
from ..analysis.shapes import Facts
from ..syntax import gast

Kind = Optional[Tuple[str, Any]]  # ("u", class) kept value, ("a", class) array, ("s", None) scalar, ("o", None)
_SCALAR: Kind = ("s", None)
_OTHER: Kind = ("o", None)
_ELEMENTWISE = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)
_BROADCASTING_HELPERS = ("getitem_bar", "as_grad")  # spread their first argument over their second's shape
# elementwise in every argument (their value has the arguments' broadcast shape): the strong-zero
# helpers of the rules at singular points (runtime/singular.py)
_ELEMENTWISE_HELPERS = ("strong_mul", "strong_div", "pow_base_bar")


def _own_parts(stmt: Any) -> List[Any]:
    """The expressions of ``stmt`` itself (not of the statements nested in it)."""
    if isinstance(stmt, (gast.If, gast.While)):
        return [stmt.test]
    if isinstance(stmt, gast.For):
        return [stmt.target, stmt.iter]
    return [stmt]


class _Uniform:
    def __init__(self, fdef: Any, protected: Set[str], facts: Facts, names: Any = None) -> None:
        self.fdef, self.protected = fdef, protected
        self.ranks, self.classes, self.tl = facts.ranks, facts.classes, facts.tl
        self.kept: Dict[str, Any] = {}  # name -> shape class of the array it stands for
        self.stores: Dict[str, int] = {}
        self.readers: Dict[str, List[Any]] = {}  # name -> statements whose own expressions read it
        if names is not None:  # the statements and the names of their own expressions, known
            self.stmts = names.stmts
            for st in self.stmts:
                loads, stores, other = names.own(st)
                for name in stores:
                    self.stores[name] = self.stores.get(name, 0) + 1
                for name in loads + other:
                    self.readers.setdefault(name, []).append(st)
        else:
            self.stmts = S.statements(fdef.body)
            for st in self.stmts:
                for part in _own_parts(st):
                    for n in S.walk(part):
                        if isinstance(n, gast.Name):
                            if isinstance(n.ctx, gast.Store):
                                self.stores[n.id] = self.stores.get(n.id, 0) + 1
                            else:
                                self.readers.setdefault(n.id, []).append(st)
        self.params = {a.id for a in fdef.args.args}

    # ------------------------------------------------------------------ expressions
    def _helper(self, node: Any) -> Optional[str]:
        f = node.func if isinstance(node, gast.Call) else None
        if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == self.tl:
            return f.attr
        return None

    def _reads_kept(self, node: Any, kept: Dict[str, Any]) -> bool:
        return any(isinstance(n, gast.Name) and n.id in kept for n in S.walk(node))

    def kind(self, node: Any, kept: Dict[str, Any]) -> Kind:
        """The kind of ``node``'s value if the names in ``kept`` hold their small values;
        None: ``node`` would change shape (or cannot be told)."""
        if isinstance(node, gast.Name):
            if node.id in kept:
                return ("u", kept[node.id])
            if self.ranks.get(node.id) == 0:
                return _SCALAR
            cls = self.classes.get(node.id)
            return ("a", cls) if cls is not None else _OTHER
        if isinstance(node, gast.Constant):
            return _SCALAR if type(node.value) in (int, float) else _OTHER
        if isinstance(node, gast.BinOp) and isinstance(node.op, _ELEMENTWISE):
            return self._combine(self.kind(node.left, kept), self.kind(node.right, kept))
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            return self.kind(node.operand, kept)
        helper = self._helper(node)
        if helper == "add" and len(node.args) == 2 and not node.keywords:
            return self._combine(self.kind(node.args[0], kept), self.kind(node.args[1], kept))
        if helper in _ELEMENTWISE_HELPERS and node.args and not node.keywords:
            k = self.kind(node.args[0], kept)
            for a in node.args[1:]:
                k = self._combine(k, self.kind(a, kept))
            return k
        if helper == "unbroadcast" and len(node.args) == 2 and not node.keywords:
            k, y = self.kind(node.args[0], kept), node.args[1]
            if k is not None and k[0] == "u":
                return k if isinstance(y, gast.Name) and self.classes.get(y.id) == k[1] else None
            return None if k is None or self._reads_kept(y, kept) else _OTHER
        if helper in _BROADCASTING_HELPERS and node.args and not node.keywords:
            if self.kind(node.args[0], kept) is None or any(self._reads_kept(a, kept) for a in node.args[1:]):
                return None
            return _OTHER
        return None if self._reads_kept(node, kept) else _OTHER

    @staticmethod
    def _combine(a: Kind, b: Kind) -> Kind:
        if a is None or b is None:
            return None
        if b[0] == "u":
            a, b = b, a
        if a[0] == "u":  # the kept value broadcasts with b: same shape as before only if b
            if b[0] == "s" or (b[0] in ("u", "a") and b[1] == a[1]):  # is scalar or of its class
                return ("a", a[1]) if b[0] == "a" else a
            return None
        if a[0] == "s" and b[0] == "s":
            return _SCALAR
        for x, y in ((a, b), (b, a)):
            if x[0] == "a" and (y[0] == "s" or y == x):
                return x
        return _OTHER

    # ------------------------------------------------------------------ statements
    def check(self, stmt: Any, kept: Dict[str, Any]) -> Optional[List[Tuple[str, Any]]]:
        """None if ``stmt`` cannot read the kept values as they are; else the names it makes
        kept values too, with their classes."""
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            k = self.kind(stmt.value, kept)
            if k is None:
                return None
            if isinstance(target, gast.Name):
                if k[0] != "u":
                    return []
                name = target.id
                if name in self.protected or name in self.params or self.stores.get(name) != 1 \
                        or kept.get(name, k[1]) != k[1]:
                    return None
                return [(name, k[1])]
            if isinstance(target, gast.Subscript) and not self._reads_kept(target, kept):
                return []  # stored into part of an array: it broadcasts
            return None
        if isinstance(stmt, gast.AugAssign) and isinstance(stmt.op, (gast.Add, gast.Sub)):
            k = self.kind(stmt.value, kept)
            if k is None or self._reads_kept(stmt.target, kept):
                return None
            if isinstance(stmt.target, gast.Subscript):
                return []
            if k[0] != "u":
                return []
            t = self.classes.get(stmt.target.id) if isinstance(stmt.target, gast.Name) else None
            return [] if t == k[1] else None
        if isinstance(stmt, gast.Return) and stmt.value is not None:
            parts = stmt.value.elts if isinstance(stmt.value, gast.Tuple) else [stmt.value]
            return [] if all(k is not None and k[0] != "u" for k in (self.kind(p, kept) for p in parts)) else None
        return None

    def closure(self, start: str, cls: Any) -> Optional[Dict[str, Any]]:
        kept = dict(self.kept)
        kept[start] = cls
        work = [start]
        while work:
            name = work.pop()
            for st in self.readers.get(name, []):
                made = self.check(st, kept)
                if made is None:
                    return None
                for new, c in made:
                    if new not in kept:
                        kept[new] = c
                        work.append(new)
        # a statement checked before a later name joined is checked again with all of them
        for name in kept:
            for st in self.readers.get(name, []):
                if self.check(st, kept) is None:
                    return None
        return kept


class _DropUnbroadcast(gast.NodeTransformer):
    def __init__(self, u: _Uniform) -> None:
        self.u = u

    def visit_Call(self, node: Any) -> Any:
        self.generic_visit(node)
        if self.u._helper(node) == "unbroadcast" and len(node.args) == 2:
            k = self.u.kind(node.args[0], self.u.kept)
            if k is not None and k[0] == "u":
                return node.args[0]
        return node


def _sum_bar_call(stmt: Any, tl: str) -> bool:
    """Is ``stmt`` ``v = <tl>.sum_bar(...)`` (what :func:`_sum_seed` starts from)?"""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)):
        return False
    f = stmt.value.func if isinstance(stmt.value, gast.Call) else None
    return isinstance(f, gast.Attribute) and f.attr == "sum_bar" and isinstance(f.value, gast.Name) \
        and f.value.id == tl


def _sum_seed(u: _Uniform, stmt: Any) -> Optional[Tuple[str, Any, Any]]:
    """(v, g, small) for ``v = _tl.sum_bar(g, x, axis, False)`` with axis None or a constant
    k >= 1, ``x`` of known class and ``v`` assigned once: ``small`` is what ``v`` can hold."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)):
        return None
    call = stmt.value
    if u._helper(call) != "sum_bar" or len(call.args) != 4 or call.keywords:
        return None
    g, x, axis, keep = call.args
    v = stmt.targets[0].id
    if v in u.protected or u.stores.get(v) != 1 or not isinstance(x, gast.Name) or x.id not in u.classes \
            or not (isinstance(keep, gast.Constant) and keep.value is False) \
            or not isinstance(g, (gast.Name, gast.Constant)) or not isinstance(axis, gast.Constant):
        return None
    if axis.value is None:
        return v, u.classes[x.id], S.deepcopy(g)
    if type(axis.value) is int and axis.value >= 1:
        index = gast.Tuple(elts=[gast.Slice(lower=None, upper=None, step=None) for _ in range(axis.value)]
                           + [gast.Constant(value=None, kind=None)], ctx=gast.Load())
        return v, u.classes[x.id], gast.Subscript(value=S.deepcopy(g), slice=index, ctx=gast.Load())
    return None


def _mult_leaves(node: Any) -> List[Any]:
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
        return _mult_leaves(node.left) + _mult_leaves(node.right)
    return [node]


def _scalars_first(u: _Uniform, value: Any) -> Any:
    """``2.0 * h * v`` -> ``2.0 * v * h``: the small factors multiply before the array one."""
    leaves = _mult_leaves(value)
    kinds = [u.kind(leaf, u.kept) for leaf in leaves]
    small = [i for i, k in enumerate(kinds) if k is not None and k[0] in ("u", "s")]
    if len(leaves) < 3 or not small or len(small) == len(leaves) or small == list(range(len(small))):
        return value
    order = small + [i for i in range(len(leaves)) if i not in small]
    out = leaves[order[0]]
    for i in order[1:]:
        out = gast.BinOp(left=out, op=gast.Mult(), right=leaves[i])
    return out


def keep_uniform_seeds(fdef: Any, protected: Set[str], facts: Facts,
                       names: Optional[Callable[[], Any]] = None) -> bool:
    """Replace sums' spread-out adjoints by the values they spread wherever every read allows.
    ``names``: gives the ``index.StmtNames`` of ``fdef``, if known."""
    if not any(_sum_bar_call(st, facts.tl) for st in S.statements(fdef.body)):
        return False  # no seed to keep (and no need to know every statement's names)
    u = _Uniform(fdef, protected, facts, names() if names is not None else None)
    changed = False
    for stmt in u.stmts:
        seed = _sum_seed(u, stmt)
        if seed is None:
            continue
        v, cls, small = seed
        kept = u.closure(v, cls)
        if kept is None:
            continue
        u.kept = kept
        stmt.value = small
        changed = True
    for name in u.kept:  # they hold scalars or small arrays now: nothing downstream may assume a rank
        u.ranks[name] = None
    if not changed:
        return False
    readers = {id(st): st for name in u.kept for st in u.readers.get(name, [])}
    for st in readers.values():
        _DropUnbroadcast(u).visit(st)
        if isinstance(st, (gast.Assign, gast.AugAssign)):
            st.value = _scalars_first(u, st.value)
    return True
