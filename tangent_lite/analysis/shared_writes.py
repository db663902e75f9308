"""Writes through shared memory: the in-place changes of an object that another variable shares
and reads afterwards, which derivatives would not follow (:func:`sharing_problems`).

The sharing itself is :mod:`.aliases` (which statement may make which variable share which
other's object); this module places the writes and reads in program order: a variable re-bound
on every path between a write and a read no longer shares the written object there, and one
re-bound on every path between the statement that made it share and the write (``s = G``, then
in a loop ``s = s.copy(); s[i] = v``) is a new object when it is written.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from .. import syntax as S
from ..frontend.sequences import _locals_in, container_vars, dict_vars, sequence_vars, surely_dicts
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from .alias_keys import disjoint_from_all, list_locals, untrusted
from .alias_messages import _held_twice, _shared_write_fix, _spelled
from .aliases import COPY, HOLDS, ITEM, SAME, _local, _shares, _write_of, _written_objects, groups
from .program_order import ProgramOrder


def _writes_seen(w: Any, ranks: Optional[Dict[str, Any]] = None, assumed: FrozenSet[str] = frozenset(),
                 unread: FrozenSet[int] = frozenset()
                 ) -> Iterator[Tuple[Any, str, Set[str], Set[str], List[str], List[Any]]]:
    """Each in-place change (:func:`.aliases._write_of`) with what sees it: ``(statement, the
    variable written into, the variables it makes itself, the group of variables whose objects
    it changes, those of the group read afterwards by another name than the one written)``,
    derivatives aside (see :func:`sharing_problems` for the arguments)."""
    po = ProgramOrder(w.fdef.body)
    stmts, order, lists = po.stmts, po.order, po.lists
    writes = [wr for wr in (_write_of(st, ranks) for st in stmts) if wr is not None]
    if not writes:
        return  # (most functions: no need to know where each variable is read)
    sequences = sequence_vars(w.fdef.body)
    containers = frozenset(container_vars(w.fdef.body, w.params)) | assumed
    dicts = frozenset(surely_dicts(w.fdef.body, w.params))
    indices = list_locals(w.fdef, w.params)
    edges = [(order[id(st)], alias, source, kind, key) for st in stmts
             for alias, source, kind, key in _shares(st, ranks, sequences, containers, dicts, indices)
             if alias != source and (ranks is None or (ranks.get(alias) != 0 and ranks.get(source) != 0))]
    # (keys of the variables of a group where a list may be reordered, or an opaque function is called: unused)
    suspect = untrusted(w.fdef, groups(w.fdef.body, ranks))
    edges = [(pos, alias, source, kind, None if key is not None and {alias, source} & suspect else key)
             for pos, alias, source, kind, key in edges]
    read_at: Dict[str, List[Tuple[int, Any]]] = {}  # variable -> (position, statement) of its reads
    for st in stmts:
        for n in () if id(st) in unread else S.walk(st):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                read_at.setdefault(n.id, []).append((order[id(st)], st))
    ret = w.fdef.body[-1]
    for n in S.walk(ret):
        if isinstance(n, gast.Name):
            read_at.setdefault(n.id, []).append((len(order), ret))
    lists[id(ret)] = [w.fdef.body]
    surely_between = po.surely_between

    for stmt, base, itself in writes:
        at = order[id(stmt)]
        again = po.again(at)
        # (a link that made base share is gone when base is re-bound on every path from it to the write:
        # s = G, then in a loop s = s.copy(); s[i] = v writes into a new array, never into G)
        live = [edge[1:] for edge in po.reaching(edges, at, base)]
        # what sees the write: the objects base is (part of), up from views and items (and,
        # past base itself, from a container to what it holds: an item taken from a list may
        # be one of the objects put in it; the write into base re-fills base, not its items) ...
        # (``items``: the objects an item of which the write may change, which their copies share)
        roots, items, entries = _written_objects(base, live)
        # ... then their views and holders (and items, unless the write only re-fills a list or
        # dict), and the copies of those whose items it changes
        down = (SAME, HOLDS) if _refills(stmt, containers) else (SAME, HOLDS, ITEM)
        group, changed = set(roots), True
        while changed:
            changed = False
            for alias, source, kind, key in live:
                if source in group and alias not in group and (kind in down or kind == COPY and source in items) \
                        and not (kind == ITEM and source in entries and disjoint_from_all(key, entries[source])):
                    group.add(alias)
                    if kind in (HOLDS, COPY) or kind == SAME and source in items:
                        items.add(alias)
                    changed = True
        end = max(again) + 1 if again else at
        start = min(again) if again else at
        others = []
        # (L[i] op= v puts the array it changed back into L[i]: reading L afterwards is reading that;
        # another name, list or copy holding the array is what would not see the change)
        put_back = set((get_anno(stmt, Key.IN_PLACE) or ())[2:])
        # (with L[i] op= v, the old entry's own name is another holder when it is read afterwards:
        # a = L[i] merged with the load of the entry, Python changes what a holds)
        for v in sorted(group - ({base} if not put_back else set()) - itself - put_back):
            for r, reader in read_at.get(v, []):
                if reader is stmt:
                    continue
                if r > at and not surely_between(v, at, r, reader, stmt):
                    others.append(v)
                    break
                if r <= at and r in again and not surely_between(v, at, end, stmt, stmt) \
                        and not surely_between(v, start - 1, r, reader, reader):
                    others.append(v)  # read again in the next iteration
                    break
        yield stmt, base, itself, group, others, live


def sharing_problems(w: Any, active: Set[str], varied: Set[str], ranks: Optional[Dict[str, Any]] = None,
                     assumed: FrozenSet[str] = frozenset(), unread: FrozenSet[int] = frozenset()
                     ) -> Tuple[List[Any], List[Tuple[Any, str, List[str], Any]]]:
    """In-place changes (``x[i] = v``, ``v += e`` on an array, ``L.append(x)``) of an object
    that another variable shares (an alias ``r = b``, a view ``b[1:]``, ``m[0]``, ``.T``, an
    item of a list...) and that is read afterwards, where derivatives are involved: the
    primal code shares the change, the derivative code would not follow it, so it is refused.

    Positions are those of the statements in program order; in a loop the next iteration
    comes after the write too.  A variable made again (re-bound) on every path between the
    write and a read no longer shares the written object there.  ``assumed``: variables taken to
    hold lists, tuples or dicts (see ``guessed_containers``), as those the function surely builds.
    ``unread``: statements whose reading is not a read (the exit marker of a with statement whose
    context leaves what it holds alone: :func:`.contexts.quiet_exits`)."""
    from ..errors import UnsupportedConstructError

    errors: List[Any] = []
    checks: List[Tuple[Any, str, List[str], Any]] = []  # (statement, runtime helper, its arguments, error)
    for stmt, base, itself, group, others, live in _writes_seen(w, ranks, assumed, unread):
        put_back = set((get_anno(stmt, Key.IN_PLACE) or ())[2:])
        if put_back and (ranks or {}).get(base) != 0:
            # ... as long as no other entry of that container holds the array too (L = [a, a]): checked as it
            # runs (with or without derivatives: the lowered code makes a new array, Python changes the shared one)
            checks.extend((stmt, "held_once", [c, base], _held_twice(w, stmt, c)) for c in sorted(put_back))
        if not others:
            continue
        # a write into an array is as in the user's code, only its derivatives could go wrong; v op= e
        # is lowered to v = v op e, so an alias read later would see a different value
        if not itself and not _carries(stmt, group | itself, active, varied):
            continue
        line = w.src.location(stmt).text or ""
        named = [_spelled(v, line, w) for v in others]
        named = [v for v in named if v is not None]
        shared = f"'{named[0]}'" if named else "another expression (a slice, a view, an item or a conditional)"
        shown = _spelled(base, line, w)
        op = (get_anno(stmt, Key.IN_PLACE) or (None, "op"))[1]
        popped = bool(itself) and get_anno(stmt, Key.IN_PLACE) is None  # (v = L.pop(): no 'op=')
        plain = True
        if itself and put_back:  # L[i] op= v: the entry's array changes, whoever holds it
            entry = line.split(f"{op}=")[0].strip() if f"{op}=" in line else f"{sorted(put_back)[0]}[...]"
            how = f"'{entry} {op}= ...' changes the array '{entry}' holds in place"
            shown, plain = entry, False
            if named:
                shared = f"'{named[0]}'"
        elif popped:
            how = f"'{shown}.pop()' changes '{shown}' in place" if shown else "this pop changes a list in place"
        elif itself:
            how = f"'{shown} {op}= ...' changes '{shown}' in place" if shown else \
                f"this '{op}=' changes an array or list in place (the item it updates)"
        else:
            how = f"writing into '{shown}'" if shown else "this write (into an item or part of another variable)"
        plain = plain and shown is not None and "'" not in shown  # (not a name inside an inlined function)
        collections = (frozenset(container_vars(w.fdef.body, w.params)) - assumed) | sequence_vars(w.fdef.body) \
            | dict_vars(w.fdef.body)
        items_of_base = {source for alias, source, kind, _key in live if alias == base and kind == ITEM}
        holder = next((_spelled(v, line, w) for v in others if v in items_of_base and v in collections), None) \
            if not itself else None  # L[0][...] = v, then L read: what L holds changed
        if holder is not None:
            what = (f"{how}, an entry of '{holder}' that is read afterwards through '{holder}': derivatives would "
                    "not follow a change made inside an entry of a list or dict (another entry may hold the same "
                    "array or list, as in L = [a, a])")
            fix = f"put a new value into '{holder}' instead" + (f", e.g. '{shown} = <new value>'" if plain else "")
        else:
            what = (f"{how}, which shares its array or list with {shared} (an alias or a view) that is read "
                    "afterwards: derivatives would not follow the shared change")
            fix = _shared_write_fix(shown if plain else None, base, ranks, w, collections, op,
                                    bool(itself) and not popped, named)
        if itself and put_back:
            taken = f"'{named[0]} = {shown}.copy()'" if named else f"'{shown}.copy()'"
            fix = (f"copy the entry where you take it ({taken}), or write '{shown} = {shown} {op} ...' to make a "
                   "new array for the entry")
        error = UnsupportedConstructError(what, w.src.location(stmt), fix)
        if itself and not isinstance((ranks or {}).get(base), int):
            checks.append((stmt, "number_only", [base], error))  # a number, or an array? known when it runs
            # an earlier 'a op= e' that made a member of the group: lowered to a new value, it keeps a
            # 0-d array (or any array) the same object in Python: checked there too, as it runs
            writes = [wr for wr in (_write_of(st, ranks) for st in ProgramOrder(w.fdef.body).stmts) if wr is not None]
            checks.extend((st, "number_only", [b], error) for st, b, made in writes if st is not stmt and made & group
                          and get_anno(st, Key.IN_PLACE) and not isinstance((ranks or {}).get(b), int))
        else:
            errors.append(error)
    return errors, checks



def seen_elsewhere(w: Any, ranks: Optional[Dict[str, Any]] = None) -> Set[str]:
    """The variables whose objects an in-place change writes into while another variable sharing
    them reads them afterwards (``other = objs; other.append(v)``, then ``objs`` read), derivatives
    aside: giving one of them a copy of the other (``L = _tl.copied(acc)``) would change what the
    function computes."""
    out: Set[str] = set()
    for _stmt, base, itself, group, others, _live in _writes_seen(w, ranks):
        if others:
            out |= group | itself | {base}
    return out


def _carries(stmt: Any, involved: Set[str], active: Set[str], varied: Set[str]) -> bool:
    """Are derivatives involved in the write ``stmt`` into the objects of ``involved``?"""
    value = stmt.value if isinstance(stmt, gast.Assign) else None
    return bool(involved & active) or (value is not None and any(n in varied for n in _locals_in(value)))


def _refills(stmt: Any, containers: FrozenSet[str]) -> bool:
    """``L.append(x)``, ``L.pop()``, ``L.extend(xs)``, ``L[i] = v`` of a list (or dict) the
    function builds (``containers``), ``d['k'] = v``: the list or dict changes, not its items
    (an item taken from it before still holds what it held)."""
    call = stmt.value if isinstance(stmt, (gast.Expr, gast.Assign)) else None
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
        tgt = stmt.targets[0]
        key = tgt.slice
        return _local(tgt.value) and tgt.value.id in containers \
            or isinstance(key, gast.Constant) and isinstance(key.value, str)  # (no index of an array)
    return isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) \
        and call.func.attr in ("append", "pop", "extend")


def _renames_of(name: str, renamed: Dict[str, Set[str]]) -> Set[str]:
    """``name`` and the variables it may be another name for, through plain ``a = b`` only."""
    out, todo = {name}, [name]
    for v in todo:
        for source in renamed.get(v, ()):
            if source not in out:
                out.add(source)
                todo.append(source)
    return out


def written_parameters(w: Any, entries_only: Optional[Set[str]] = None) -> Dict[str, str]:
    """The parameters of the lowered function ``w`` whose objects its in-place writes may change
    (through any alias, view or item of them): ``"in place"``, or ``"augmented"`` for ``p op= e``
    on the parameter itself or on another name for it (``a = p; a += e``): in place only for
    arrays and lists, a number is replaced.  ``entries_only`` (when given) receives those every
    write of which is ``p[k] = v`` on the parameter itself (the lowered form: ``p[k] op= v`` on
    the source is that too, see mutations.entry_rebinds)."""
    params = set(w.params)
    po = ProgramOrder(w.fdef.body)
    sequences = sequence_vars(w.fdef.body)
    edges = [(po.order[id(st)], alias, source, kind, None) for st in po.stmts
             for alias, source, kind, _key in _shares(st, None, sequences) if alias != source]
    edges = [edge + (k,) for k, edge in enumerate(edges)]  # (numbered: the links that hold name a cache entry)
    renamed: Dict[str, Set[str]] = {}  # a = b: a is the object b is (a number if b is a number)
    for st in po.stmts:
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and _local(st.value):
            renamed.setdefault(st.targets[0].id, set()).add(st.value.id)
    reached: Dict[Tuple[str, Tuple[int, ...]], Set[str]] = {}  # (base, links) -> what a write into it may change
    out: Dict[str, str] = {}
    entries: Dict[str, bool] = {}  # parameter -> is every write into it p[k] = v on p itself
    for stmt in po.stmts:
        write = _write_of(stmt, None)
        if write is None:
            continue
        _, base, itself = write
        # (the links that hold at the write: s = G no longer does after s = s.copy() on every path)
        live = po.reaching(edges, po.order[id(stmt)], base)
        key = (base, tuple(edge[-1] for edge in live))
        if key not in reached:  # (a list written a thousand times is followed once)
            reached[key] = _written_objects(base, [edge[1:5] for edge in live])[0]
        roots = reached[key]
        names = _renames_of(base, renamed) if itself else set()
        rebinds = isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript) \
            and not any(edge[1] == base for edge in live)  # (p itself, not another name for an object)
        for p in sorted(roots & params):
            how = "augmented" if p in names else "in place"
            if out.get(p) != "in place":
                out[p] = how
            entries[p] = entries.get(p, True) and rebinds and base == p
    if entries_only is not None:
        entries_only.update(p for p, only in entries.items() if only)
    return out
