"""The adjoints of straight-line statements: assignments from the rule templates, copies,
items, attributes, displays, list pushes and pops, item and slice writes, each with the
restore placeholders of what it overwrote."""

from __future__ import annotations

import operator
from typing import Any, List, Set, Tuple

import numpy as np

from ... import syntax as S
from ...analysis.shapes import matrix_products, scalar, strip_same_shape, strip_scalar_broadcasts
from ...analysis.statements import StmtInfo, casts, describe, describe_once, is_local, local_names
from ...rules.template import inline
from ...syntax import gast
from ...syntax.annotations import Key, get_anno
from ..nonfinite import strong_product
from .adjoints import Adjoints, Ownership
from .calls import UserCalls
from .names import _RESTORE, _RESTORE_ITEM, _targets, at
from .state import PassState
from .tape import ContainerKinds


class StatementAdjoints:
    """The reverse of one straight-line statement: its adjoint statements, accumulated into the
    adjoints live after it (``state``), then the placeholders restoring what it overwrote."""

    def __init__(self, ps: PassState, adjoints: Adjoints, ownership: Ownership, kinds: ContainerKinds,
                 calls: UserCalls):
        self.ps, self.adjoints, self.ownership, self.kinds, self.calls = ps, adjoints, ownership, kinds, calls

    def rev_assign(self, stmt: Any, state: Set[str]) -> List[Any]:
        out: List[Any] = []
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Name) \
                and isinstance(stmt.targets[0], gast.Name) and stmt.targets[0].id == stmt.value.id:
            return out  # x = x binds nothing: x's adjoint is neither doubled nor dropped
        if get_anno(stmt, Key.USER_CALL) is not None:
            out.extend(self.calls.user_adjoint(stmt, state))
            targets = _targets(stmt)
        elif isinstance(stmt, gast.Expr) or \
                (info := describe_once(stmt, self.ps.registry, self.ps.described)).kind == "pop":
            out.extend(self.list_adjoint(stmt, state))
            targets = _targets(stmt) if isinstance(stmt, gast.Assign) else []
        elif info.kind == "setitem" and self.kinds.list_slice_write(stmt):
            tgt = stmt.targets[0]
            out.append(gast.Expr(value=S.call(_RESTORE_ITEM, [S.const(id(stmt)), S.name(tgt.value.id),
                                                              self.ps.index(tgt.slice)])))
            if tgt.value.id in state and tgt.value.id in self.ps.active:
                g, lst, index = S.name(self.adjoints.bar(tgt.value.id)), S.name(tgt.value.id), self.ps.index(tgt.slice)
                if self.ps.is_active(info.value):
                    self.adjoints.accumulate(info.value.id, self.ps.call("slice_write_bar",
                                                                         [g, lst, index, S.name(info.value.id)]),
                                             state, out)
                out.append(S.assign(self.adjoints.bar(tgt.value.id), self.ps.call(
                    "slice_write_zero", [S.deepcopy(g), S.deepcopy(lst), S.deepcopy(index), S.name(info.value.id)])))
            targets = []
        else:
            live = [t for t in info.targets if t in state and t in self.ps.active]
            if live:
                out.extend(self.adjoint(info, state))
            targets = [] if info.kind == "setitem" else info.targets
            if info.kind == "setitem":
                tgt = stmt.targets[0]
                out.append(gast.Expr(value=S.call(_RESTORE_ITEM, [S.const(id(stmt)), S.name(tgt.value.id),
                                                                  self.ps.index(tgt.slice)])))
                if live and not self._array(tgt.value.id):
                    # L[i] = v may change the entry's shape: its adjoint is zeros shaped like the entry before;
                    # into our own adjoint list, nothing else holds it, as the item write it is
                    # (L_bar[i] = _tl.zeros_like(L[i]), which this code differentiated again follows), not a
                    # copy of n entries per write; a dict's (a key the write added has no adjoint) is a copy
                    var = tgt.value.id
                    bar, index = self.adjoints.bar(var), self.ps.index(tgt.slice)
                    if var in self.ps.owned and var in self.ps.lists and self.kinds.array(var) \
                            and self._item_index(tgt.slice):
                        item = gast.Subscript(value=S.name(var), slice=S.deepcopy(index), ctx=gast.Load())
                        store = gast.Subscript(value=S.name(bar), slice=index, ctx=gast.Store())
                        out.append(gast.Assign(targets=[store], value=self.ps.call("zeros_like", [item]),
                                               type_comment=None))
                    else:
                        out.append(S.assign(bar, self.ps.call("zero_item", [S.name(bar), S.name(var), index])))
        for t in targets:
            state.discard(t)
        for var in reversed(self.ps.overwritten.get(id(stmt), [])):
            out.append(gast.Expr(value=S.call(_RESTORE, [S.const(id(stmt)), S.name(var)])))
        self.ownership.track(out)
        return at(out, stmt)

    def _array(self, var: str) -> bool:
        """Is ``var`` surely an array (its rank known), whose entries keep their shape when written?"""
        return self.ps.ranks is not None and isinstance(self.ps.ranks.get(var), int) and self.ps.ranks[var] >= 1

    def list_adjoint(self, stmt: Any, state: Set[str]) -> List[Any]:
        """Reverse of ``L.append(x)`` / ``x = L.pop()``: the adjoint list ``L_bar`` is a
        stack mirroring ``L``; the primal list is put back as it was (undo)."""
        info = describe(stmt, self.ps.registry)
        lst = info.inputs[0][1].id
        out: List[Any] = []
        if info.kind == "push":
            if lst in state and lst in self.ps.active:
                popped = S.call(S.attribute(S.name(self.adjoints.bar(lst)), "pop"), [])
                if self.ps.is_active(info.value):
                    t = self.ps.namer.temp()
                    out.append(S.assign(t, popped))
                    self.adjoints.accumulate(info.value.id, S.name(t), state, out)
                else:
                    out.append(gast.Expr(value=popped))
            out.append(gast.Expr(value=S.call(S.attribute(S.name(lst), "pop"), [])))
            return out
        target = info.targets[0] if info.targets else None
        if lst in self.ps.active:
            if lst not in state:
                out.append(self.adjoints.zero(lst))
                state.add(lst)
            item = S.name(self.adjoints.bar(target)) if target in state \
                else self.ps.call("zeros_like", [S.name(target)]) if target else S.const(0.0)
            out.append(gast.Expr(value=S.call(S.attribute(S.name(self.adjoints.bar(lst)), "append"), [item])))
        if target is not None:
            out.append(gast.Expr(value=S.call(S.attribute(S.name(lst), "append"), [S.name(target)])))
        return out

    def adjoint(self, info: StmtInfo, state: Set[str]) -> List[Any]:
        out: List[Any] = []
        active_inputs = [(slot, a) for slot, a in info.inputs if local_names(a) & self.ps.active]
        if not active_inputs:
            return out
        if info.kind == "unpack":
            parts = [S.name(self.adjoints.bar(t)) if t in state else self.ps.call("zeros_like", [S.name(t)])
                     for t in info.targets]
            # a list changed in place (L.append / L.pop / L[i] = v) has a list adjoint: its reverse pops it
            bar = gast.List(elts=parts, ctx=gast.Load()) if info.value.id in self.ps.mutated else S.tuple_(parts)
            self.adjoints.accumulate(info.value.id, bar, state, out)
            return out
        target = info.targets[0]
        g = S.name(self.adjoints.bar(target))
        if info.kind == "setitem":
            tgt = info.node.targets[0]
            if self.ps.is_active(info.value):
                bar: Any = S.name(self.adjoints.bar(target))
                if target not in self.ps.lists:  # an array's dtype casts v (int: no derivative)
                    written = self.ps.namer.temp()
                    out.append(S.assign(written, self.ps.call("write_cast", [bar, S.name(target)])))
                    bar = S.name(written)
                if S.whole_index(tgt.slice):  # x[()] = v: the adjoint of a 0-d array may be a number
                    piece = self.ps.call("index_of", [S.deepcopy(bar), self.ps.index(tgt.slice)])
                    contrib = self.ps.call("unbroadcast", [piece, S.name(info.value.id)])
                elif self._basic_index(tgt.slice):
                    piece = gast.Subscript(value=S.deepcopy(bar), slice=S.deepcopy(tgt.slice),
                                           ctx=gast.Load())
                    contrib = self.ps.call("unbroadcast", [piece, S.name(info.value.id)])
                else:  # an index array may name a position twice: only the write NumPy kept counts
                    contrib = self.ps.call("setitem_bar", [S.deepcopy(bar), self.ps.index(tgt.slice),
                                                        S.name(info.value.id)])
                self.adjoints.accumulate(info.value.id, contrib, state, out)
            if self._array(target):  # (a list's or dict's entry: zeroed after its old value is back, rev_assign)
                zeroed = self.ps.call("zero_index", [S.name(self.adjoints.bar(target)), self.ps.index(tgt.slice)])
                out.append(S.assign(self.adjoints.bar(target), zeroed))
            return out
        if info.kind == "copy":
            if self.kinds.copied_alias(info.node):  # (L = _tl.copied(acc) in the forward sweep)
                g = self.ps.call("copied", [g])
            self.adjoints.accumulate(info.value.id, g, state, out)
        elif info.kind == "getitem":
            src = info.value.value
            if src.id in state and src.id in self.ps.owned and self._basic_index(info.value.slice) \
                    and self.ps.ranks is not None and (self.ps.ranks.get(src.id) or 0) >= 1:
                # our own adjoint array: add in place (x_bar[i] += g), no zeros the size of x
                store = gast.Subscript(value=S.name(self.adjoints.bar(src.id)), slice=S.deepcopy(info.value.slice),
                                       ctx=gast.Store())
                out.append(gast.AugAssign(target=store, op=gast.Add(), value=g))
            elif src.id in state and src.id in self.ps.owned and src.id in self.ps.containers \
                    and self._item_index(info.value.slice):
                # our own adjoint list (a fresh one nothing else holds): add into its item, not a new
                # list of n entries per read (a loop over L[i] would cost n^2); of a list or dict, as the
                # item write it is (L_bar[i] = _tl.add(L_bar[i], g)), which this code differentiated
                # again follows (add_item changes its list in place, its rules see a new one)
                bar, index = self.adjoints.bar(src.id), info.value.slice
                if src.id in self.ps.lists:
                    item = gast.Subscript(value=S.name(bar), slice=self.ps.index(index), ctx=gast.Load())
                    store = gast.Subscript(value=S.name(bar), slice=self.ps.index(index), ctx=gast.Store())
                    out.append(gast.Assign(targets=[store], value=self.ps.call("add", [item, g])))
                else:
                    out.append(S.assign(bar, self.ps.call("add_item", [S.name(bar), self.ps.index(index), g])))
            else:
                contrib = self.ps.call("getitem_bar", [g, S.name(src.id), self.ps.index(info.value.slice)])
                self.adjoints.accumulate(src.id, contrib, state, out)
        elif info.kind == "getattr":
            src = info.value.value
            contrib = self.ps.call("getattr_bar", [g, S.name(src.id), S.const(info.value.attr)])
            self.adjoints.accumulate(src.id, contrib, state, out)
        elif info.kind in ("build", "dict"):
            elts = info.value.elts if info.kind == "build" else info.value.values
            keys = None if info.kind == "build" else info.value.keys
            for i, e in enumerate(elts):
                if self.ps.is_active(e):
                    index = S.const(i) if keys is None else S.deepcopy(keys[i])
                    sub = gast.Subscript(value=S.name(self.adjoints.bar(target)), slice=index, ctx=gast.Load())
                    self.adjoints.accumulate(e.id, sub, state, out)
        elif info.kind == "prim":
            info, active_inputs = self._strong_product(info, active_inputs)
            if casts(info):  # np.asarray(x, dtype=int): no derivative flows back (float32: in float32)
                cast = self.ps.namer.temp()
                out.append(S.assign(cast, self.ps.call("cast_like", [g, S.name(target)])))
                g = S.name(cast)
            for slot, atom in active_inputs:
                rule = info.prim.vjps[info.prim.params.index(slot)]
                bindings = dict(info.bound)
                bindings[rule.template.params[0]] = g
                bindings[rule.template.params[1]] = S.name(target)
                pre, expr = inline(rule.template, bindings, self.ps.namer, self.ps.w.aliases, self.ps.w.env)
                out.extend(pre)
                if scalar(self.ps.ranks, atom):
                    expr = strip_scalar_broadcasts(expr, self.ps.ranks, target, self.ps.tl)
                elif self.ps.shape_classes:
                    expr = strip_same_shape(expr, self.ps.shape_classes, target, self.ps.tl)
                expr = matrix_products(expr, self.ps.ranks, self.ps.tl)
                if self._elementwise_at_nonfinite(info, rule):
                    expr = self.ps.call("strong_zero", [expr, S.deepcopy(g)])
                self.adjoints.accumulate(atom.id, expr, state, out)
        else:  # pragma: no cover - check_differentiable rejected it
            raise AssertionError(info.kind)
        return out

    def _elementwise_at_nonfinite(self, info: StmtInfo, rule: Any) -> bool:
        """Does an elementwise function (a ufunc, ``**``) read a value that may be infinite or NaN
        at a finite input, through a rule that does not give strong zeros itself?  Its adjoint
        then gets exact zeros where the seed is 0 (docs: "Conventions at non-smooth points")."""
        if not (isinstance(info.callee, np.ufunc) or info.callee is operator.pow):
            return False
        if not any(is_local(a) and a.id in self.ps.nonfinite for _, a in info.inputs):
            return False
        # (pow_base_bar is strong, but becomes plain arithmetic for a literal exponent: optimize.py)
        text = rule.template.text
        return "pow_base_bar" in text or not ("strong_mul" in text or "strong_div" in text)

    def _strong_product(self, info: StmtInfo, active_inputs: List[Any]) -> Tuple[StmtInfo, List[Any]]:
        return strong_product(info, active_inputs, self.ps.active, self.ps.nonfinite, self.ps.registry, "reverse")

    # ------------------------------------------------------------------ indices (in-place updates of owned adjoints)
    def _item_index(self, index: Any) -> bool:
        """An index naming one item: an int constant, a variable known to be a scalar, or a
        string/number key."""
        if isinstance(index, gast.Constant):
            return isinstance(index.value, (int, str)) and not isinstance(index.value, bool)
        return is_local(index) and self.ps.ranks is not None and self.ps.ranks.get(index.id) == 0

    def _basic_index(self, index: Any) -> bool:
        """An index that cannot repeat an entry: ints (known scalars), slices, constants."""
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        for p in parts:
            if isinstance(p, gast.Slice) or (isinstance(p, gast.Constant) and isinstance(p.value, int)):
                continue
            if is_local(p) and self.ps.ranks is not None and self.ps.ranks.get(p.id) == 0:
                continue
            return False
        return True
