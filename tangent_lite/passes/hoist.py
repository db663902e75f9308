"""Two clean-ups of the loops of generated code.

``drop_round_trips``: a copy that comes straight back does nothing.  The adjoint of
``s = s + t`` in a loop copies ``s_bar`` out and back in, which leaves ``s_bar`` unchanged
and, once gone, lets copy propagation see that ``s_bar`` is constant in the loop::

    _t11_bar = s_bar                    _t11_bar = s_bar
    ...                          ->     ...
    s_bar = _t11_bar

``hoist_loop_invariants``: a derivative statement in a loop whose operands the loop never
changes is computed once, before the loop::

    for i in reversed(_t3):             _t9_bar = 100.0 * s_bar
        _t9_bar = 100.0 * s_bar   ->    for i in reversed(_t3):
        ...                                 ...

Only additions, subtractions and products (which cannot raise where the loop would not have
run) of names and numbers, assigned once, not read in the loop before the assignment; never
a statement of the user's (``protected``).
"""

from __future__ import annotations

import collections
from typing import Any, Callable, Dict, List, Optional, Set

from .. import syntax as S
from ..syntax import gast
from ..syntax import loaded_names as _loads
from ..syntax import stored_names as _stores
from ..syntax.annotations import Key, get_anno, is_tape

_HOISTABLE = (gast.Add, gast.Sub, gast.Mult)


def _copy(st: Any) -> Any:
    """(target, source) of ``a = b``, else None."""
    if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name) \
            and isinstance(st.value, gast.Name):
        return st.targets[0].id, st.value.id
    return None


def _changed_in(loop: Any) -> Set[str]:
    """Names a loop may change: assigned, written into (``x[i] = v``, ``x[i] += v``), or handed
    to a call (which may change them in place)."""
    out = _stores(loop)
    for n in S.walk(loop):
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store) \
                and isinstance(n.value, gast.Name):
            out.add(n.value.id)
        elif isinstance(n, gast.Call):
            out |= {a.id for a in n.args if isinstance(a, gast.Name)}
            out |= {k.value.id for k in n.keywords if isinstance(k.value, gast.Name)}
            if isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name):
                out.add(n.func.value.id)
    return out


def drop_round_trips(fdef: Any, protected: Set[str]) -> bool:
    """Remove ``v = t`` where an earlier ``t = v`` of the same block left both unchanged."""
    changed = False

    def block(body: List[Any]) -> None:
        nonlocal changed
        drop: Set[int] = set()
        for k, st in enumerate(body):
            for inner in S.inner_blocks(st):
                block(inner)
            pair = _copy(st)  # (a no-op whoever wrote it: the user's own names included)
            if pair is None:
                continue
            v, t = pair
            for j in range(k - 1, -1, -1):
                earlier = body[j]
                if _copy(earlier) == (t, v) and id(earlier) not in drop:
                    drop.add(id(st))
                    changed = True
                    break
                if {t, v} & _stores(earlier):
                    break
        if drop:
            body[:] = [st for st in body if id(st) not in drop]

    block(fdef.body)
    return changed


def hoist_loop_invariants(fdef: Any, protected: Set[str],
                          store_counts: Optional[Callable[[], Dict[str, int]]] = None) -> bool:
    """Move invariant derivative arithmetic out of for loops (innermost first).
    ``store_counts``: gives how often each name is assigned in ``fdef``, if known."""
    counted: Dict[str, int] = {}  # how often each name is assigned in fdef, counted when first needed

    def stores(name: str) -> int:
        if not counted:
            counted.update(store_counts() if store_counts is not None else collections.Counter(
                n.id for n in S.walk(fdef) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)))
        return counted.get(name, 0)

    changed = False

    def invariant(st: Any, k: int, loop: Any, changing: Set[str]) -> bool:
        if not (isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)):
            return False
        t, value = st.targets[0].id, st.value
        if t in protected or not isinstance(value, gast.BinOp) or not isinstance(value.op, _HOISTABLE) \
                or stores(t) != 1:
            return False
        if not all(isinstance(a, gast.Constant) or (isinstance(a, gast.Name) and a.id not in changing)
                   for a in (value.left, value.right)):
            return False
        return first_read(loop).get(t, k) >= k

    reads: Dict[int, Dict[str, int]] = {}  # id(loop) -> {name: the first statement of its body that reads it}

    def first_read(loop: Any) -> Dict[str, int]:
        if id(loop) not in reads:
            at = reads[id(loop)] = {}
            for k, b in enumerate(loop.body):
                for name in _loads(b):
                    at.setdefault(name, k)
        return reads[id(loop)]

    def block(body: List[Any]) -> None:
        nonlocal changed
        out: List[Any] = []
        for st in body:
            for inner in S.inner_blocks(st):
                block(inner)
            if isinstance(st, gast.For):
                changing = _changed_in(st)
                moved = [b for k, b in enumerate(st.body) if invariant(b, k, st, changing)]
                reads.pop(id(st), None)  # its body changes now
                if moved and len(moved) < len(st.body):
                    ids = {id(b) for b in moved}
                    st.body = [b for b in st.body if id(b) not in ids]
                    out.extend(moved)
                    changed = True
            out.append(st)
        body[:] = out

    block(fdef.body)
    return changed


def _push_target(st: Any, fdef: Any) -> Any:
    """(tape, v) of ``_tape.append(v)``, else None."""
    if isinstance(st, gast.Expr) and isinstance(st.value, gast.Call) and isinstance(st.value.func, gast.Attribute) \
            and st.value.func.attr == "append" and isinstance(st.value.func.value, gast.Name) \
            and is_tape(st.value.func.value.id, fdef) and len(st.value.args) == 1 \
            and isinstance(st.value.args[0], gast.Name):
        return st.value.func.value.id, st.value.args[0].id
    return None


def _pop_target(st: Any, fdef: Any) -> Any:
    """(tape, v) of ``v = _tape.pop()``, else None."""
    if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name) \
            and isinstance(st.value, gast.Call) and isinstance(st.value.func, gast.Attribute) \
            and st.value.func.attr == "pop" and not st.value.args and isinstance(st.value.func.value, gast.Name) \
            and is_tape(st.value.func.value.id, fdef):
        return st.value.func.value.id, st.targets[0].id
    return None


def iterate_tape(fdef: Any) -> bool:
    """A tape that only one loop pushes to, once per iteration, and only its reverse loop pops
    from, is walked instead of popped::

        for _ in _t0:                        for _ in _t0:
            _tape.append(x)                      _tape.append(x)
            ...                                  ...
        for _ in reversed(_t0):      ->      for x in reversed(_tape):
            x = _tape.pop()                      ...
            ...

    (``for i, x in zip(reversed(_t0), reversed(_tape))`` when the body reads the loop
    variable.)  Only top-level loops without ``break``/``continue``, the push and the pop at
    the top level of their bodies, nothing before the pop touching its variable."""
    body = fdef.body
    pushes = [(st, loop) for loop in body if isinstance(loop, gast.For) for st in loop.body if _push_target(st, fdef)]
    pops = [(st, loop) for loop in body if isinstance(loop, gast.For) for st in loop.body if _pop_target(st, fdef)]
    if len(pushes) != 1 or len(pops) != 1:
        return False
    all_pushes = [n for n in S.walk(fdef) if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
                  and n.func.attr in ("append", "pop") and isinstance(n.func.value, gast.Name)
                  and is_tape(n.func.value.id, fdef)]
    if len(pushes) != 1 or len(pops) != 1 or len(all_pushes) != 2:
        return False
    (push, fwd), (pop, rev) = pushes[0], pops[0]
    tape, v = _pop_target(pop, fdef)
    if _push_target(push, fdef)[0] != tape or fwd.orelse or rev.orelse or any(
            isinstance(n, (gast.Break, gast.Continue, gast.Return)) for n in S.walk(fwd)):
        return False
    it = rev.iter
    names = get_anno(fdef, Key.BUILTINS) or {}
    reversed_name, zip_name = names.get("reversed", "reversed"), names.get("zip", "zip")
    if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == reversed_name
            and len(it.args) == 1 and gast.dump(it.args[0]) == gast.dump(fwd.iter)):
        return False
    k = rev.body.index(pop)
    if any(v in _loads(b) | _stores(b) for b in rev.body[:k]):
        return False
    if any(isinstance(n, gast.Name) and n.id == tape and isinstance(n.ctx, gast.Load)
           and not _tape_use_ok(n, fdef) for n in S.walk(fdef)):
        return False
    walk_tape = S.call(S.name(reversed_name), [S.name(tape)])
    target_read = isinstance(rev.target, gast.Name) and any(rev.target.id in _loads(b) for b in rev.body)
    if target_read:
        rev.target = gast.Tuple(elts=[rev.target, S.name(v, store=True)], ctx=gast.Store())
        rev.iter = S.call(S.name(zip_name), [it, walk_tape])
    else:
        rev.target = S.name(v, store=True)
        rev.iter = walk_tape
    rev.body.remove(pop)
    if not rev.body:
        rev.body.append(gast.Pass())
    return True


def _tape_use_ok(name_node: Any, fdef: Any) -> bool:
    """Is this read of the tape its push, its pop, or the pullback's copy (``_tl.copied``)?"""
    for n in S.walk(fdef):
        if isinstance(n, gast.Call) and (
                (isinstance(n.func, gast.Attribute) and n.func.value is name_node)
                or (isinstance(n.func, gast.Attribute) and n.func.attr == "copied" and name_node in n.args)):
            return True
    return False
