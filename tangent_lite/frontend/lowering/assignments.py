"""Assignment lowering: binding targets (new SSA versions, names rebound in place,
tuple unpacking) and writes into containers (``x[i] = v``, ``x[i] += v``)."""

from __future__ import annotations

import operator
from typing import Any, List, Set

from ... import syntax as S
from ...errors import UnsupportedConstructError
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from . import forwarders
from .common import _MISSING, _OP_SYMBOLS, _lambda_def, _loaded_names, is_atom
from .state import Part


class Assignments(Part):
    """Assignment lowering: binding targets (new SSA versions, names rebound in place,
    tuple unpacking) and writes into containers (``x[i] = v``, ``x[i] += v``)."""

    def stmt_Assign(self, node: Any) -> None:
        if len(node.targets) > 1:  # a = b = expr
            value = self.exprs.atom(node.value)
            for tgt in node.targets:
                self.assign_to(tgt, value, node)
            return
        tgt = node.targets[0]
        if isinstance(tgt, (gast.Tuple, gast.List)) and isinstance(node.value, (gast.Tuple, gast.List)) \
                and len(tgt.elts) == len(node.value.elts) and any(isinstance(v, gast.Lambda) for v in node.value.elts):
            for t, v in zip(tgt.elts, node.value.elts):  # f, g = lambda ..., lambda ...: one at a time
                self.stmt_Assign(gast.Assign(targets=[t], value=v, type_comment=None))
            return
        if isinstance(tgt, gast.Name) and isinstance(node.value, (gast.Tuple, gast.List)) and node.value.elts \
                and all(isinstance(v, gast.Lambda) for v in node.value.elts):
            self.functional.table(tgt.id, node.value)
            return
        if isinstance(tgt, (gast.Tuple, gast.List)) and isinstance(node.value, (gast.Tuple, gast.List)) \
                and len(tgt.elts) == len(node.value.elts):
            atoms = [self.exprs.atom(v) for v in node.value.elts]
            # Python evaluates the whole right side before binding any target: a name a
            # target rebinds in place (not a new SSA version) is read into a temporary first
            # (x, y = y, x in a loop: x = y; y = x would read the new x), the others stay atoms
            for k, a in enumerate(atoms):
                if isinstance(a, gast.Name) and get_anno(a, Key.CALLEE, _MISSING) is _MISSING \
                        and a.id in self._rebound_in_place(tgt.elts[:k]):
                    t = self.names.temp()
                    self.cx.emit(S.assign(t, a))
                    atoms[k] = S.name(t)
            for t, a in zip(tgt.elts, atoms):
                self.assign_to(t, a, node)
            return
        if isinstance(tgt, gast.Name) and isinstance(node.value, gast.Lambda):
            self.cx.local_fns[tgt.id] = _lambda_def(node.value, tgt.id)
            self.inline.freeze_defaults(self.cx.local_fns[tgt.id])
            self.cx.lambdas[tgt.id] = node
            return
        if isinstance(tgt, gast.Name) and forwarders.freeze_local(self, tgt.id, node.value):
            return  # d = st.norm(loc=m, scale=s): read as d.logpdf(x) only (forwarders.py)
        if isinstance(tgt, gast.Name):
            self.assign_expr(tgt.id, node.value)
            return
        self.assign_to(tgt, self.exprs.atom(node.value), node)

    def _rebound_in_place(self, targets: List[Any]) -> Set[str]:
        """The current names assignments to ``targets`` overwrite (variables outside SSA form
        keep their name; an SSA variable gets a new version, which overwrites nothing)."""
        out: Set[str] = set()
        for n in (n for t in targets for n in S.walk(t)):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id in self.cx.nonssa:
                out.add(self.cx.current.get(n.id, n.id))
        return out

    def assign_expr(self, var: str, node: Any) -> None:
        """``var = <node>``; through a temporary when ``var`` is overwritten in place
        (``x = np.sin(x)`` in a loop), so the reverse pass sees input and output apart."""
        if isinstance(node, gast.ListComp) and self.cx.depth <= 0 and var not in self.cx.current \
                and var not in self.cx.params and var not in {n.id for n in S.walk(node) if isinstance(n, gast.Name)}:
            # L = [e for ...] first binding L: the loop appends to L itself (no temporary that L would alias)
            self.exprs.comprehension(node, into=self.names.target(var))
            return
        value = self.exprs.expr(node)
        if isinstance(value, gast.Constant) and get_anno(value, Key.FENCED):  # refused (reported): uses of var too
            self.cx.opaque.add(var)
        if var in self.cx.nonssa and isinstance(value, gast.Name) and value.id == self.cx.current.get(var, var):
            return  # x = x: nothing happens
        if var in self.cx.nonssa and not is_atom(value) and var in _loaded_names(value):
            value = self.exprs.atom(value)
        target = self.names.target(var)
        self.cx.emit(S.assign(target, value))
        self.unpack.note_packed(target, value, var)

    def assign_to(self, tgt: Any, value: Any, node: Any) -> None:
        if isinstance(tgt, gast.Name):
            if tgt.id in self.cx.nonssa and isinstance(value, gast.Name) \
                    and value.id == self.cx.current.get(tgt.id, tgt.id):
                return  # x, y = x, f(y): x = x binds nothing (emitted, its reverse would double x's adjoint)
            self.cx.emit(S.assign(self.names.target(tgt.id), value))
        elif isinstance(tgt, (gast.Tuple, gast.List)):
            names = []
            nested = []
            for elt in tgt.elts:
                if isinstance(elt, gast.Name):
                    names.append(elt)
                else:
                    t = self.names.temp()
                    names.append(S.name(t, store=True))
                    nested.append((elt, t))
            stores = [S.name(self.names.target(n.id), store=True) if n.id not in {t for _, t in nested}
                      else n for n in names]
            unpack = gast.Assign(targets=[S.tuple_(stores, store=True)], value=value, type_comment=None)
            set_anno(unpack, Key.CALLEE, ("unpack", len(stores)))
            self.cx.emit(unpack)
            for elt, t in nested:
                self.assign_to(elt, S.name(t), node)
        elif isinstance(tgt, gast.Subscript):
            self.setitem(tgt, value if is_atom(value) else self.exprs.atom(value))
        elif isinstance(tgt, gast.Starred):
            pass  # a, *rest = x: fence.py reports it
        else:
            self.cx.error(UnsupportedConstructError,
                          f"assignment to an {type(tgt).__name__.lower()} is not supported", node,
                          "keep the value in a local variable (total = acc.total + ...) and return it, or pass "
                          "the parts as separate arguments")

    def setitem(self, tgt: Any, value: Any) -> None:
        """``x[idx] = v``: mutation in place, as the user wrote it (x keeps its name)."""
        base = self.exprs.atom(tgt.value)
        local = isinstance(base, gast.Name) and base.id in self.cx.locals
        if not local and not (isinstance(base, (gast.Name, gast.Attribute))
                              and get_anno(base, Key.CALLEE, _MISSING) is not _MISSING):
            self.cx.error(UnsupportedConstructError, "assignment into a global or constant container", tgt,
                          "copy it into a local variable first (x = np.array(G))")
            return
        if isinstance(base, gast.Attribute):  # B.arr[0] = v: the module-level object's array, named
            held = self.names.temp()
            self.cx.emit(S.assign(held, base))
            base = S.name(held)
        store = gast.Subscript(value=base, slice=self.exprs.index(tgt.slice), ctx=gast.Store())
        node = gast.Assign(targets=[store], value=value, type_comment=None)
        set_anno(node, Key.CALLEE, ("setitem",))
        if local:
            self.cx.nonssa.add(base.id)
        # (a store into module-level memory: kept as written, refused by the differentiability
        # checks when the value stored carries derivatives, analysis/outside_writes.py)
        self.cx.emit(node)

    def stmt_AugAssign(self, node: Any) -> None:
        if isinstance(node.target, gast.Subscript):  # x[i] += v  ->  _t = x[i]; x[i] = _t + v
            tgt = node.target
            base = self.exprs.atom(tgt.value)
            index = self.exprs.index(tgt.slice)
            load = gast.Subscript(value=base, slice=S.deepcopy(index), ctx=gast.Load())
            set_anno(load, Key.CALLEE, operator.getitem)
            old = self.names.temp()
            self.cx.emit(S.assign(old, load))
            mark = len(self.cx.out)
            new = self.exprs.atom(gast.BinOp(left=S.name(old), op=node.op, right=node.value))
            if len(self.cx.out) > mark and isinstance(base, gast.Name):
                # an array held by a list or a dict is changed in place (and put back): who else holds
                # it sees the change (aliases.py; the item of an array is a view, which the write covers)
                set_anno(self.cx.out[-1], Key.IN_PLACE, (old, _OP_SYMBOLS.get(type(node.op), "op"), base.id))
            self.setitem(gast.Subscript(value=base, slice=index, ctx=gast.Store()), new)
            return
        if not isinstance(node.target, gast.Name):
            self.cx.error(UnsupportedConstructError, "augmented assignment to an attribute", node,
                          "assign to a local variable instead")
            return
        load = S.name(node.target.id)
        old = self.cx.current.get(node.target.id, node.target.id)
        mark = len(self.cx.out)
        self.assign_expr(node.target.id, gast.BinOp(left=load, op=node.op, right=node.value))
        if len(self.cx.out) > mark:  # an array (or list) is changed in place: aliases.py checks who sees it
            set_anno(self.cx.out[-1], Key.IN_PLACE, (old, _OP_SYMBOLS.get(type(node.op), "op")))

    def stmt_AnnAssign(self, node: Any) -> None:
        if node.value is not None:
            self.stmt_Assign(gast.Assign(targets=[node.target], value=node.value, type_comment=None))

    def bind_target(self, target: Any, value: Any, node: Any) -> None:
        """``target = value`` where matching tuples are bound pairwise (no tuple built)."""
        if isinstance(target, (gast.Tuple, gast.List)) and isinstance(value, gast.Tuple) \
                and len(target.elts) == len(value.elts):
            for t, v in zip(target.elts, value.elts):
                self.bind_target(t, v, node)
            return
        if isinstance(target, gast.Name):
            self.cx.emit(S.assign(self.names.target(target.id), self.exprs.expr(value)))
        else:
            self.assign_to(target, self.exprs.atom(value), node)
