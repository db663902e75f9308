"""The pass ``fuse_sum_seeds``: a sum's adjoint is not spread over the summed array when its
only use multiplies it by an array of that shape anyway::

    _t8_bar = _tl.sum_bar(g, _t8, None, False)     ->    h_bar = h * (2.0 * g)
    h_bar = 2.0 * h * _t8_bar
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

from .. import syntax as S
from ..syntax import gast
from ..syntax.annotations import is_tape
from .arith import _num
from .index import Counts, StmtNames, _statements, name_counts

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
