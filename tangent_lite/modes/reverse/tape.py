"""The tape: what the forward sweep pushes before overwriting a value (and loop trip
counts), and the restore placeholders of the reverse sweep resolved into tape pops, or
dropped where the value was not pushed (to-be-recorded)."""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

from ... import syntax as S
from ...analysis import shared_writes
from ...frontend.sequences import dict_vars
from ...syntax import gast
from .calls import Checkpoints
from .names import _RESTORE, _RESTORE_ITEM, _dict_vars, _drop_empty, _index_syntax, _list_vars, _loaded, at
from .state import Ctx, PassState


class ContainerKinds:
    """What kind of object a variable written into by item may hold (an array, a dict whose
    keys may come and go, a list whose slices may change its length): it decides how the
    overwritten item is saved and restored."""

    def __init__(self, ps: PassState):
        self.ps = ps
        self._dicts: Optional[Set[str]] = None  # variables holding a dict the function builds (array)
        self._lists: Optional[Set[str]] = None  # ... a list it builds (list_slice_write)
        self._new_keys: Optional[Set[int]] = None  # writes into an argument's dict that may add a key
        self._seen: Optional[Set[str]] = None  # variables a change is seen through another name of (copied_alias)

    def item_saved(self, var: str, stmt_id: int) -> bool:
        """Is the entry the write ``stmt_id`` into ``var`` overwrites saved with ``_tl.saved_item``
        (which remembers a key the write adds) rather than plain ``x[i]``?  For the function's
        own dicts, and for writes into an argument's dict that may add a key (see
        :func:`_writes_adding_keys`); an argument's entry known to exist keeps a plain save, which
        reverse mode over reverse mode follows."""
        if not self.array(var):
            return True
        if self._new_keys is None:
            params = set(self.ps.w.params) & dict_vars(self.ps.w.fdef.body)
            self._new_keys = _writes_adding_keys(self.ps.w.fdef.body, params, frozenset())[1]
        return stmt_id in self._new_keys

    def array(self, var: str) -> bool:
        """Is ``var`` not one of the function's dicts (whose keys may come and go; one it builds,
        or a local indexed by a string, ``e = d['inner']; e['k'] = v``)?  Those get ``_tl.saved_item`` /
        ``_tl.restore_item``; the rest plain ``x[i]`` saves and restores."""
        if self._dicts is None:
            self._dicts = _dict_vars(self.ps.w.fdef.body) | (dict_vars(self.ps.w.fdef.body) - set(self.ps.w.params))
        return var not in self._dicts

    def list_slice_write(self, stmt: Any) -> bool:
        """``L[a:b] = V`` into a variable that may be a list (its rank is not known; without the
        arguments' ranks, one the function builds as a list): the write may change the list's
        length, so the reverse sweep restores the list first and then finds the written span
        from it (``_tl.slice_write_bar`` / ``_tl.slice_write_zero``).  Arrays keep plain
        ``x[a:b]`` saves and restores, which code differentiated again (reverse over reverse)
        follows."""
        tgt = stmt.targets[0] if isinstance(stmt, gast.Assign) else None
        return isinstance(tgt, gast.Subscript) and isinstance(tgt.slice, gast.Slice) \
            and isinstance(tgt.value, gast.Name) and self.maybe_list(tgt.value.id)

    def copied_alias(self, stmt: Any) -> bool:
        """Is ``stmt`` ``L = acc`` of a list or dict the function builds and changes in place
        (``acc.append``, ``L[i] = v``)?  Its forward sweep binds ``L`` to a copy
        (``_tl.copied(acc)``) and its reverse gives ``acc`` a copy of ``L``'s adjoint: the sweep
        undoes the changes of ``acc`` and of its adjoint in place, which ``L`` and ``L_bar`` would
        see through the alias, and code differentiated again (third order) cannot follow that.
        Only when the copy cannot change what the function computes: no change of ``acc``, ``L``
        or anything sharing them is read through another name afterwards
        (:func:`.shared_writes.seen_elsewhere`: ``other = objs; other.append(o)``, then ``objs[0]``
        read, keeps the sharing)."""
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                and isinstance(stmt.value, gast.Name)):
            return False
        src, target = stmt.value.id, stmt.targets[0].id
        if not (src in self.ps.lists and src not in self.ps.w.params and {src, target} & set(self.ps.mutated)):
            return False
        if self._seen is None:  # (asked first by the forward sweep, before it rewrites the alias)
            self._seen = shared_writes.seen_elsewhere(self.ps.w, self.ps.ranks)
        return not {src, target} & self._seen

    def maybe_list(self, var: str) -> bool:
        """May ``var``, which a slice is written into, hold a list (see :meth:`list_slice_write`)?"""
        ranks = self.ps.ranks or {}
        if ranks.get(var) is not None:
            return False
        if any(ranks.get(p) is not None for p in self.ps.w.params):
            return True  # the arguments' ranks are known, and this is no array computed from them
        if self._lists is None:
            self._lists = _list_vars(self.ps.w.fdef.body)
        return var in self._lists or var in self.ps.w.params


def _writes_adding_keys(body: List[Any], params: Set[str],
                        known: FrozenSet[Tuple[str, Any]]) -> Tuple[FrozenSet[Tuple[str, Any]], Set[int]]:
    """(keys of the argument dicts ``params`` known to exist after ``body``, ids of the writes
    ``p[k] = v`` in it that may add a key): a constant key exists once read or written on every
    path to the write (before it in the same block, or before the branch or loop holding it); a
    computed key (``d[i] = v``) may always be new."""
    adding: Set[int] = set()
    for stmt in body:
        if isinstance(stmt, gast.If):
            after_body, a1 = _writes_adding_keys(stmt.body, params, known)
            after_else, a2 = _writes_adding_keys(stmt.orelse, params, known)
            adding |= a1 | a2
            known = after_body & after_else
            continue
        if isinstance(stmt, (gast.For, gast.While)):
            adding |= _writes_adding_keys(stmt.body, params, known)[1] | \
                _writes_adding_keys(stmt.orelse, params, known)[1]
            continue
        seen = set(known)
        for node in S.walk(stmt):
            if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name) and node.value.id in params:
                key = node.slice.value if isinstance(node.slice, gast.Constant) else None
                if isinstance(node.ctx, gast.Store) and (key is None or (node.value.id, key) not in known):
                    adding.add(id(stmt))
                if key is not None:
                    seen.add((node.value.id, key))
        known = frozenset(seen)
    return known, adding


class ForwardSweep:
    """The forward sweep: the primal statements, with a tape push before each overwrite whose
    value the reverse sweep reads, and the trip counters of loops."""

    def __init__(self, ps: PassState, kinds: ContainerKinds, checkpoints: Checkpoints):
        self.ps, self.kinds, self.checkpoints = ps, kinds, checkpoints

    def fwd_block(self, stmts: List[Any], needed: Set[str], ctx: Ctx,
                  outside: Set[str] = frozenset()) -> Tuple[List[Any], Set[Tuple[int, str]]]:
        """The forward sweep of ``stmts``: the values of ``needed`` each statement overwrites are
        saved first; items written into memory not local to the call (``outside``: a module-level
        array the variable holds) are the user's side effect and are not (a variable that held
        such memory is still saved when it is re-bound)."""
        out: List[Any] = []
        pushes: Set[Tuple[int, str]] = set()
        for stmt in stmts:
            if isinstance(stmt, gast.Assign):
                tgt = stmt.targets[0]
                if isinstance(tgt, gast.Subscript) and tgt.value.id in needed and tgt.value.id not in outside:
                    if not self.kinds.item_saved(tgt.value.id, id(stmt)) and not self.kinds.list_slice_write(stmt):
                        old = self.ps.call("saved", [gast.Subscript(value=S.name(tgt.value.id),
                                                                 slice=S.deepcopy(tgt.slice), ctx=gast.Load())])
                    else:  # may be a dict that gets a new key: saved_item remembers it had none
                        old = self.ps.call("saved_item", [S.name(tgt.value.id), self.ps.index(tgt.slice)])
                    push = S.call(S.attribute(S.name(self.ps.tape), "append"), [old])
                    out.append(at([gast.Expr(value=push)], stmt)[0])
                    pushes.add((id(stmt), tgt.value.id))
                for var in self.ps.overwritten.get(id(stmt), []):
                    if var in needed:
                        push = S.call(S.attribute(S.name(self.ps.tape), "append"), [S.name(var)])
                        out.append(at([gast.Expr(value=push)], stmt)[0])
                        pushes.add((id(stmt), var))
                if self.kinds.copied_alias(stmt):
                    stmt.value = self.ps.call("copied", [stmt.value])
                out.append(stmt)
            elif isinstance(stmt, gast.If):
                ctx.in_branch += 1
                body, p1 = self.fwd_block(stmt.body, needed, ctx, outside)
                orelse, p2 = self.fwd_block(stmt.orelse, needed, ctx, outside)
                ctx.in_branch -= 1
                pushes |= p1 | p2
                stmt.body, stmt.orelse = body or [gast.Pass()], orelse
                out.append(stmt)
            elif isinstance(stmt, gast.For) and id(stmt) in self.ps.checkpointed:
                out.extend(at(self.checkpoints.fwd(stmt), stmt))
            elif isinstance(stmt, (gast.For, gast.While)):
                loop = self.ps.loops[id(stmt)]
                ctx.loops.append(loop)
                body, p = self.fwd_block(stmt.body, needed, ctx, outside)
                ctx.loops.pop()
                pushes |= p
                if loop.counter:
                    out.append(at([S.assign(loop.counter, S.const(0))], stmt)[0])
                    body.insert(0, S.assign(loop.counter, gast.BinOp(left=S.name(loop.counter), op=gast.Add(),
                                                                     right=S.const(1))))
                stmt.body = body or [gast.Pass()]
                out.append(stmt)
                if loop.counter and loop.nested:
                    push = S.call(S.attribute(S.name(self.ps.tape), "append"), [S.name(loop.counter)])
                    out.append(at([gast.Expr(value=push)], stmt)[0])
            else:
                out.append(stmt)
        return out, pushes


class Restores:
    """The restore placeholders of the reverse sweep: which values they read back, and their
    resolution into tape pops once the pushes are known."""

    def __init__(self, ps: PassState, kinds: ContainerKinds):
        self.ps, self.kinds = ps, kinds

    @staticmethod
    def placeholder(node: Any) -> Optional[Tuple[int, str]]:
        """(id of the assignment, variable) of a restore placeholder statement, else None."""
        v = node.value if isinstance(node, gast.Expr) else None
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id == _RESTORE:
            return v.args[0].value, v.args[1].id
        return None

    def _restored(self, node: Any, pushes: Set[Tuple[int, str]]) -> Any:
        """A restore placeholder statement resolved: a tape pop if its value was pushed, else
        None (dropped); any other expression statement is returned as it is.  Builds new
        nodes around the placeholder's arguments and changes nothing."""
        v = node.value
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id == _RESTORE_ITEM:
            if (v.args[0].value, v.args[1].id) in pushes:
                pop = S.call(S.attribute(S.name(self.ps.tape), "pop"), [])
                if self.kinds.item_saved(v.args[1].id, v.args[0].value) or isinstance(v.args[2], gast.Call) and \
                        isinstance(v.args[2].func, gast.Name) and v.args[2].func.id == self.ps.w.aliases["slice"] \
                        and self.kinds.maybe_list(v.args[1].id):  # (see fwd_block)
                    new = gast.Expr(value=self.ps.call("restore_item", [v.args[1], v.args[2], pop]))
                else:
                    store = gast.Subscript(value=v.args[1], slice=_index_syntax(v.args[2], self.ps.w.aliases["slice"]),
                                           ctx=gast.Store())
                    new = gast.Assign(targets=[store], value=pop, type_comment=None)
                new.lineno = getattr(node, "lineno", None)
                return new
            return None
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id == _RESTORE:
            if (v.args[0].value, v.args[1].id) in pushes:
                pop = S.call(S.attribute(S.name(self.ps.tape), "pop"), [])
                new = S.assign(v.args[1].id, pop)
                new.lineno = getattr(node, "lineno", None)
                return new
            return None
        return node

    def loaded_after_restores(self, rev: List[Any], pushes: Set[Tuple[int, str]],
                               memo: Dict[int, Set[str]]) -> Set[str]:
        """``_loaded(self.resolve_restores(S.deepcopy(rev), pushes))`` without copying or
        changing ``rev`` (the to-be-recorded fixpoint asks this once per round; ``memo``
        keeps what each statement, test and iterable reads from one round to the next).

        Mirrors what resolving drops: unpushed placeholders, and (through ``_drop_empty``,
        which walks the bodies of ifs and for loops from the top) an ``if`` or ``for`` left
        with nothing to do, whose test or iterable is then not read."""
        out: Set[str] = set()

        def reads(owner: Any, nodes: List[Any]) -> None:  # what ``nodes`` (parts of ``owner``) read
            if id(owner) not in memo:
                memo[id(owner)] = _loaded(nodes)
            out.update(memo[id(owner)])

        def visit(body: List[Any], droppable: bool) -> bool:
            """Add the reads of ``body``'s statements that stay; does any statement stay?"""
            alive = False
            for s in body:
                if isinstance(s, gast.Expr):
                    resolved = self._restored(s, pushes)
                    if resolved is s:
                        reads(s, [s])
                        alive = True
                    elif resolved is not None:  # a tape pop: built anew each round
                        out.update(_loaded([resolved]))
                        alive = True
                elif isinstance(s, gast.Pass):
                    alive = alive or not droppable  # _drop_empty removes it
                elif isinstance(s, gast.If):
                    kept = visit(s.body, droppable)
                    kept = visit(s.orelse, droppable) or kept
                    if kept or not droppable:
                        reads(s, [s.test])
                        alive = True
                elif isinstance(s, gast.For):
                    kept = visit(s.body, droppable)
                    kept = visit(s.orelse, False) or kept  # _drop_empty leaves a for's else as it is
                    if kept or not droppable:
                        reads(s, [s.target, s.iter])
                        alive = True
                else:  # a while loop (_drop_empty keeps it, bodies and all), any other statement
                    bodies = [getattr(s, f) for f in ("body", "orelse") if isinstance(getattr(s, f, None), list)]
                    for inner in bodies:
                        visit(inner, False)
                    inside = {id(b) for inner in bodies for b in inner}
                    reads(s, [c for c in gast.iter_child_nodes(s) if id(c) not in inside])
                    alive = True
            return alive

        visit(rev, True)
        return out

    def resolve_restores(self, rev: List[Any], pushes: Set[Tuple[int, str]]) -> List[Any]:
        """Turn the restore placeholders of ``rev`` (in place) into tape pops where their value
        was pushed, drop the others, then the ifs and for loops left with nothing to do.
        Placeholders are expression statements: only statement lists are looked at (the
        reverse sweep holds assignments, expressions and if/for/while blocks)."""
        def resolve(body: List[Any]) -> None:
            out = []
            for st in body:
                if isinstance(st, gast.Expr):
                    st = self._restored(st, pushes)
                    if st is None:
                        continue
                else:
                    for fname in ("body", "orelse"):
                        inner = getattr(st, fname, None)
                        if isinstance(inner, list):
                            resolve(inner)
                    if isinstance(getattr(st, "body", None), list) and not st.body:
                        st.body = [gast.Pass()]
                out.append(st)
            body[:] = out

        resolve(rev)
        return _drop_empty(rev)
