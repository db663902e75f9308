"""Control flow in the reverse pass: the scan for what loops and redefinitions overwrite,
and the reverse sweep through blocks, branches and loops."""

from __future__ import annotations

from typing import Any, List, Optional, Set, Tuple

from ... import syntax as S
from ...analysis.statements import is_pop, is_push
from ...syntax import gast
from .. import blocks
from .adjoints import Adjoints
from .calls import Checkpoints
from .names import _has_break, _targets, at
from .state import Ctx, Loop, PassState
from .statements import StatementAdjoints


class LoopScan:
    """Before the sweeps: what each assignment may overwrite, the variables first assigned in a
    loop, what is changed in place, and each loop's bookkeeping (``PassState``)."""

    def __init__(self, ps: PassState):
        self.ps = ps

    def scan(self, body: List[Any], loops: List[Loop], defined: Set[str],
             certain: Optional[Set[str]] = None) -> Tuple[Set[str], Set[str]]:
        """Find assignments that may overwrite a value (in a loop, or a redefinition), the
        variables that may be unbound where such a value is saved (first assigned inside a
        loop, or before only on some paths: initialised to None so they can be pushed), and
        each loop's bookkeeping.  ``defined`` are the names assigned on some path to ``body``,
        ``certain`` those assigned on every path; returns both after ``body``."""
        certain = set(defined) if certain is None else certain
        for stmt in body:
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
                self.ps.mutated.append(stmt.targets[0].value.id)
                self.ps.item_writes[id(stmt)] = stmt.targets[0].value.id
            if is_push(stmt) or (isinstance(stmt, gast.Expr) and is_pop(stmt.value)):
                self.ps.mutated.append(stmt.value.func.value.id)
            if blocks.marker(stmt) == blocks.ENTER:  # what made the context of a with block
                cm = blocks.context_of(stmt)
                self.ps.contexts.setdefault(cm, self.ps.contexts.get(("made", cm)))
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                    and isinstance(stmt.value, gast.Call):
                self.ps.contexts[("made", stmt.targets[0].id)] = stmt
            if isinstance(stmt, gast.Assign):
                for var in _targets(stmt):
                    if loops or var in defined:  # its old value may be saved here ...
                        self.ps.overwritten.setdefault(id(stmt), []).append(var)
                        if var not in certain:  # ... where some path leaves it unbound
                            self.ps.needs_init.add(var)
                    defined = defined | {var}
                    certain = certain | {var}
            elif isinstance(stmt, gast.If):
                body_defined, body_certain = self.scan(stmt.body, loops, set(defined), set(certain))
                else_defined, else_certain = self.scan(stmt.orelse, loops, set(defined), set(certain))
                defined, certain = body_defined | else_defined, body_certain & else_certain
            elif isinstance(stmt, gast.For) and id(stmt) in self.ps.checkpointed:
                info = self.ps.checkpointed[id(stmt)]
                info["undefined"] = [v for v in info["carried"] if v not in certain]
                defined = defined | set(info["carried"]) | {stmt.target.id}
            elif isinstance(stmt, (gast.For, gast.While)):
                counter = None
                if isinstance(stmt, gast.While) or _has_break(stmt.body):
                    counter = self.ps.namer.fresh("_n")
                loop = Loop(counter, bool(loops))
                self.ps.loops[id(stmt)] = loop
                inside = set(certain)  # the loop may not run: what it assigns stays uncertain after it
                if isinstance(stmt, gast.For):
                    defined = defined | {stmt.target.id}
                    inside.add(stmt.target.id)
                defined = defined | self.scan(stmt.body, loops + [loop], set(defined), inside)[0]
        return defined, certain


class ReverseControl:
    """The reverse sweep of a block: statements in reverse order, branches with the adjoints of
    both sides merged, loops run backwards to a fixpoint of the adjoints live at their start."""

    def __init__(self, ps: PassState, adjoints: Adjoints, statements: StatementAdjoints, checkpoints: Checkpoints):
        self.ps, self.adjoints, self.statements, self.checkpoints = ps, adjoints, statements, checkpoints

    def rev_block(self, stmts: List[Any], state: Set[str], ctx: Ctx) -> Tuple[List[Any], Set[str]]:
        out: List[Any] = []
        for stmt in reversed(stmts):
            if isinstance(stmt, gast.Assign) or is_push(stmt) or (isinstance(stmt, gast.Expr) and is_pop(stmt.value)):
                out.extend(self.statements.rev_assign(stmt, state))
            elif isinstance(stmt, gast.If):
                out.extend(self.rev_if(stmt, state, ctx))
            elif isinstance(stmt, gast.For) and id(stmt) in self.ps.checkpointed:
                out.extend(self.checkpoints.rev(stmt, state))
            elif isinstance(stmt, gast.For):
                out.extend(self.rev_loop(stmt, state, ctx))
            elif isinstance(stmt, gast.While):
                out.extend(self.rev_loop(stmt, state, ctx))
            elif blocks.marker(stmt) is not None:  # a with block: its adjoints run in a context like it
                out.extend(at(blocks.reverse_markers(stmt, self.ps.contexts, self.ps.namer.fresh), stmt))
            # Expr (print), Assert, Raise, Break, Pass: nothing to undo
        return out, state

    def rev_if(self, stmt: Any, state: Set[str], ctx: Ctx) -> List[Any]:
        ctx.in_branch += 1
        owned = set(self.ps.owned)
        body, s1 = self.rev_block(stmt.body, set(state), ctx)
        o1 = self.ps.owned
        self.ps.owned = set(owned)
        orelse, s2 = self.rev_block(stmt.orelse, set(state), ctx)
        o2 = self.ps.owned
        ctx.in_branch -= 1
        merged = s1 | s2
        self.ps.owned = o1
        body += self.adjoints.materialize(merged, s1)
        o1 = self.ps.owned
        self.ps.owned = o2
        orelse += self.adjoints.materialize(merged, s2)
        self.ps.owned = o1 & self.ps.owned
        state.clear()
        state.update(merged)
        if not body and not orelse:
            return []
        test = S.deepcopy(stmt.test)
        return at([gast.If(test=test, body=body or [gast.Pass()], orelse=orelse)], stmt)

    def rev_loop(self, stmt: Any, state: Set[str], ctx: Ctx) -> List[Any]:
        loop = self.ps.loops[id(stmt)]
        ctx.loops.append(loop)
        # fixpoint: the adjoints live at the start of an iteration's reverse
        entry = set(state)
        namer_backup = self.ps.namer.copy()
        owned_before = set(self.ps.owned)
        while True:
            self.ps.owned = set()
            _, end = self.rev_block(stmt.body, set(entry), ctx)
            if end <= entry:
                break
            entry |= end
        self.ps.owned = owned_before
        pre = self.adjoints.materialize(entry, state)
        # the adjoint arrays we own at the start of every iteration (a fixpoint too); each try
        # starts from the names as they were, so the last one is the loop's reverse
        owned_entry = set(self.ps.owned)
        while True:
            self.ps.namer = namer_backup.copy()
            self.ps.owned = set(owned_entry)
            body, end = self.rev_block(stmt.body, set(entry), ctx)
            body += self.adjoints.materialize(entry, end)
            if owned_entry <= self.ps.owned:
                break
            owned_entry &= self.ps.owned
        ctx.loops.pop()
        self.ps.owned = owned_entry & self.ps.owned
        state.update(entry)
        if not body:
            return at(pre, stmt)
        header = self._reverse_header(stmt, loop)
        header.body = body
        self.ps.rev_headers[id(stmt)] = header
        return at(pre + self._pop_counter(loop) + [header], stmt)

    # ------------------------------------------------------------------ loop bookkeeping
    def _reverse_header(self, stmt: Any, loop: Loop) -> Any:
        if isinstance(stmt, gast.While):
            it = S.call(S.name(self.ps.w.aliases["range"]), [S.name(loop.counter)])
            return gast.For(target=S.name(self.ps.namer.fresh("_"), store=True), iter=it, body=[], orelse=[],
                            type_comment=None)
        seq: Any = S.deepcopy(stmt.iter)
        if loop.counter:
            seq = gast.Subscript(value=seq, slice=gast.Slice(lower=None, upper=S.name(loop.counter), step=None),
                                 ctx=gast.Load())
        it = S.call(S.name(self.ps.w.aliases["reversed"]), [seq])
        return gast.For(target=S.deepcopy(stmt.target), iter=it, body=[], orelse=[], type_comment=None)

    def _pop_counter(self, loop: Loop) -> List[Any]:
        if loop.counter and loop.nested:
            return [S.assign(loop.counter, S.call(S.attribute(S.name(self.ps.tape), "pop"), []))]
        return []
