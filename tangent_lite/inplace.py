"""Reuse the memory of arrays nothing reads any more.

A gradient makes about twice as many arrays as the function.  Each is fresh memory, and
for large arrays fresh memory is fresh pages from the operating system, zeroed and mapped
on first touch: for arrays of a few hundred kilobytes that can cost more than the
arithmetic.  When an operation's operand is an array this function made, that nothing else
refers to, that nothing reads afterwards (``optimize.release_dead`` has just put
``a = None`` after its last reader) and whose shape the result has, the result is written
into it::

    diff_bar = diff * (2.0 * sq_bar[:, :, None])     diff_bar = np.multiply(diff, 2.0 * sq_bar[:, :, None], out=diff)
    diff = None                                 ->   diff = None

Conditions, all checked on the generated code:

* the operand is a float array of the function's own (an active variable or an adjoint of
  known rank >= 1, never a parameter: ``shapes.Facts.floats``), assigned once, by arithmetic
  (a fresh array), and every other read of it is an operand of arithmetic or of a NumPy
  ufunc or reduction (nothing holds a view or a reference to it);
* the result has the operand's shape: every other factor is a scalar or has the operand's
  shape class (``shapes.infer_shape_classes``), or the pass that built the expression said
  so (``KEEPS_SHAPE``, e.g. ``h * (2.0 * g[:, :, None])`` from ``fuse_sum_seeds``).

For a product of several factors the reused operand is taken out of the product:
``c * 2 * a`` becomes ``np.multiply(a, c * 2, out=a)``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

import numpy as np

from . import source as S
from .annotations import Key, get_anno, set_anno
from .shapes import Facts
from .source import gast

_UFUNCS = {gast.Add: "add", gast.Sub: "subtract", gast.Mult: "multiply", gast.Div: "divide"}
_REDUCTIONS = {"sum", "mean", "prod", "max", "min", "dot", "matmul", "tensordot", "einsum"}
KEEPS_SHAPE = Key.KEEPS_SHAPE  # annotation of a BinOp: names of operands whose shape the result has


def _is_none(stmt: Any) -> Optional[str]:
    """``v`` of a release statement ``v = None``."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name) \
            and isinstance(stmt.value, gast.Constant) and stmt.value.value is None:
        return stmt.targets[0].id
    return None


def _mult_leaves(node: Any) -> List[Any]:
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
        return _mult_leaves(node.left) + _mult_leaves(node.right)
    return [node]


class _Reuse:
    def __init__(self, fdef: Any, facts: Facts) -> None:
        self.facts = facts
        self.defs: Dict[str, List[Any]] = {}
        self.bad_reads: Set[str] = set()  # names read other than as an operand of arithmetic/ufuncs
        for st in _all_statements(fdef.body):
            if _is_none(st) is not None:  # a release: not a value
                continue
            for n in S.walk(st) if not isinstance(st, (gast.If, gast.For, gast.While)) else _own(st):
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                    self.defs.setdefault(n.id, []).append(st)
        self._scan_reads(fdef)

    def _scan_reads(self, fdef: Any) -> None:
        ok: Set[int] = set()  # ids of Name nodes read as operands
        for n in S.walk(fdef):
            if isinstance(n, gast.BinOp):
                ok.update(id(c) for c in (n.left, n.right))
            elif isinstance(n, gast.UnaryOp):
                ok.add(id(n.operand))
            elif isinstance(n, gast.Compare):
                ok.update(id(c) for c in [n.left] + n.comparators)
            elif isinstance(n, gast.Call) and self._numpy_fresh(n.func):
                ok.update(id(a) for a in n.args)
        for n in S.walk(fdef):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and id(n) not in ok:
                self.bad_reads.add(n.id)

    def _numpy_fresh(self, func: Any) -> bool:
        """``np.f`` for a ufunc or a reduction: a new array, never a view of an argument."""
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)
                and func.value.id == self.facts.np):
            return False
        return isinstance(getattr(np, func.attr, None), np.ufunc) or func.attr in _REDUCTIONS

    def cls(self, name: str) -> Any:
        """The shape class of a variable, or of the variable an adjoint (of known rank) is of."""
        if name in self.facts.classes:
            return self.facts.classes[name]
        primal = self.facts.primal_of.get(name)
        if primal is not None and (self.facts.ranks.get(name) or 0) >= 1:
            return self.facts.classes.get(primal)
        return None

    def scalar(self, name: str, seen: Optional[Set[str]] = None) -> bool:
        """Known to be a scalar: rank 0, or assigned once from scalars and numbers (a sum's
        adjoint kept as a scalar by uniform.py, and what is computed from it)."""
        rank = self.facts.ranks.get(name)
        if rank is not None:
            return rank == 0
        seen = seen if seen is not None else set()
        defs = self.defs.get(name, [])
        if name in seen or len(defs) != 1 or not isinstance(defs[0], gast.Assign) \
                or not isinstance(defs[0].value, (gast.BinOp, gast.UnaryOp, gast.Name, gast.Constant)):
            return False
        seen.add(name)
        for n in S.walk(defs[0].value):
            if isinstance(n, gast.Name) and not self.scalar(n.id, seen):
                return False
            if isinstance(n, gast.Constant) and type(n.value) not in (int, float):
                return False
        return True

    def owned(self, a: str) -> bool:
        if a not in self.facts.floats or (self.facts.ranks.get(a) or 0) < 1 or a in self.bad_reads:
            return False
        defs = self.defs.get(a, [])
        if len(defs) != 1 or not isinstance(defs[0], gast.Assign):
            return False
        value = defs[0].value
        return isinstance(value, (gast.BinOp, gast.UnaryOp)) or (
            isinstance(value, gast.Call) and self._numpy_fresh(value.func) and any(
                k.arg == "out" for k in value.keywords))

    def fits(self, a: str, others: List[Any], value: Any) -> bool:
        """Does the result have ``a``'s shape, the other factors ``others`` broadcasting into it?"""
        if a in (get_anno(value, KEEPS_SHAPE) or ()):
            return True
        cls = self.cls(a)
        for node in others:
            for n in S.walk(node):
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                    if self.scalar(n.id) or (cls is not None and self.cls(n.id) == cls):
                        continue
                    if n.id in (self.facts.np, self.facts.tl):
                        continue
                    return False
                if isinstance(n, gast.Subscript):
                    return False  # an index may change the shape
        return True

    def rewrite(self, stmt: Any, dead: Set[str]) -> bool:
        value = stmt.value
        ufunc: Optional[str] = None
        if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub) and isinstance(value.operand, gast.Name):
            a = value.operand.id
            if a in dead and self.owned(a):
                stmt.value = self._call("negative", [value.operand], a)
                return True
            return False
        if not isinstance(value, gast.BinOp) or type(value.op) not in _UFUNCS:
            return False
        if isinstance(value.op, gast.Mult):
            leaves = _mult_leaves(value)
            for i, leaf in enumerate(leaves):
                if isinstance(leaf, gast.Name) and leaf.id in dead and self.owned(leaf.id) \
                        and sum(isinstance(x, gast.Name) and x.id == leaf.id for x in leaves) == 1:
                    others = leaves[:i] + leaves[i + 1:]
                    if not self.fits(leaf.id, others, value):
                        continue
                    rest = others[0]
                    for x in others[1:]:
                        rest = gast.BinOp(left=rest, op=gast.Mult(), right=x)
                    stmt.value = self._call("multiply", [leaf, rest], leaf.id)
                    return True
            return False
        ufunc = _UFUNCS[type(value.op)]
        for side, other in ((value.left, value.right), (value.right, value.left)):
            if isinstance(side, gast.Name) and side.id in dead and self.owned(side.id) \
                    and not (isinstance(other, gast.Name) and other.id == side.id) \
                    and self.fits(side.id, [other], value):
                stmt.value = self._call(ufunc, [value.left, value.right], side.id)
                return True
        return False

    def _call(self, ufunc: str, args: List[Any], out: str) -> Any:
        func = gast.Attribute(value=S.name(self.facts.np), attr=ufunc, ctx=gast.Load())
        call = gast.Call(func=func, args=args, keywords=[gast.keyword(arg="out", value=S.name(out))])
        set_anno(call, KEEPS_SHAPE, (out,))
        return call


def _own(stmt: Any) -> List[Any]:
    if isinstance(stmt, (gast.If, gast.While)):
        return list(S.walk(stmt.test))
    if isinstance(stmt, gast.For):
        return list(S.walk(stmt.target)) + list(S.walk(stmt.iter))
    return list(S.walk(stmt))


def _all_statements(body: List[Any]) -> List[Any]:
    out = list(body)
    for st in out:
        for fname in ("body", "orelse"):
            inner = getattr(st, fname, None)
            if isinstance(inner, list):
                out.extend(inner)
    return out


# calls that can reach the function's variables without naming them (a debugger, frames)
_FRAME_CALLS = {"breakpoint", "locals", "vars", "globals", "eval", "exec", "set_trace", "_getframe",
                "currentframe", "stack", "settrace", "post_mortem"}


def _sees_frames(fdef: Any) -> bool:
    for n in S.walk(fdef):
        if isinstance(n, gast.Call):
            f = n.func
            name = f.id if isinstance(f, gast.Name) else f.attr if isinstance(f, gast.Attribute) else None
            if name in _FRAME_CALLS:
                return True
    return False


def reuse_dead_arrays(fdef: Any, facts: Facts) -> bool:
    """Write results into operands released right after (top-level statements only); never in
    a function that stops in a debugger or looks at frames (who may hold on to any array)."""
    body = fdef.body
    if not facts.floats or _sees_frames(fdef):
        return False
    reuse = _Reuse(fdef, facts)
    changed = False
    for k, stmt in enumerate(body):
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)):
            continue
        dead: Set[str] = set()
        for after in body[k + 1:]:
            name = _is_none(after)
            if name is None:
                break
            dead.add(name)
        if dead and reuse.rewrite(stmt, dead):
            changed = True
    return changed
