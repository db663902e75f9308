"""What statements of the two sweeps read, write and change in place, and small tree
utilities of the reverse pass (pure functions of the syntax, no pass state).

The restore placeholders (``__tl_restore__(id, x)`` and ``__tl_restore_item__(id, x, index)``)
are calls the reverse sweep holds until the to-be-recorded analysis knows which values are
pushed on the tape (:mod:`.tape` resolves them); they write their variable, they do not read it.
"""

from __future__ import annotations

from typing import Any, List, Set, Tuple

from ... import runtime
from ... import syntax as S
from ...analysis.statements import assignments, is_local
from ...passes.arith import simplified
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno

_NONE: frozenset = frozenset()
_RESTORE = "__tl_restore__"  # placeholder call in the reverse sweep: resolved once TBR is known
_RESTORE_ITEM = "__tl_restore_item__"  # the same for the slice an ``x[idx] = v`` overwrote


def _target(stmt: Any) -> str:
    return stmt.targets[0].id if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) else ""


def at(nodes: List[Any], like: Any) -> List[Any]:
    """``nodes`` placed at ``like``'s line and origin (in place); returns ``nodes``."""
    for n in nodes:
        n.lineno = getattr(like, "lineno", None)
        set_anno(n, Key.ORIGIN, get_anno(like, Key.ORIGIN))
    return nodes


def _dict_vars(body: List[Any]) -> Set[str]:
    """Variables assigned a dict display or ``dict(...)``, and copies of them."""
    return _vars_built_as(body, gast.Dict, dict)


def _list_vars(body: List[Any]) -> Set[str]:
    """Variables assigned a list display or ``list(...)``, and copies of them."""
    return _vars_built_as(body, gast.List, list)


def _vars_built_as(body: List[Any], display: Any, builtin: Any) -> Set[str]:
    """Variables assigned a ``display`` (or comprehension, or ``builtin(...)`` call), the sum of
    one with anything (lists concatenate), and copies of them."""
    comprehension = gast.ListComp if display is gast.List else gast.DictComp
    out: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for st in assignments(body):
            if not isinstance(st, gast.Assign) or not isinstance(st.targets[0], gast.Name) or st.targets[0].id in out:
                continue
            v = st.value
            if isinstance(v, gast.Call) and get_anno(v, Key.CALLEE) is runtime.copy_value and v.args:
                v = v.args[0]  # x.copy() of one: one
            if isinstance(v, gast.BinOp) and isinstance(v.op, gast.BitOr) and display is gast.Dict:
                v = gast.Dict(keys=[], values=[])  # d | e: a dict (with derivatives; else integers')
            if isinstance(v, gast.BinOp) and isinstance(v.op, gast.Add) and display is gast.List:
                v = v.left if is_local(v.left) and v.left.id in out or isinstance(v.left, display) else v.right
            built = isinstance(v, (display, comprehension)) or (isinstance(v, gast.Call)
                                                                 and get_anno(v, Key.CALLEE) is builtin)
            if built or (is_local(v) and v.id in out):
                out.add(st.targets[0].id)
                changed = True
    return out


def _drop_empty(stmts: List[Any]) -> List[Any]:
    out = []
    for s in stmts:
        if isinstance(s, (gast.If, gast.For)):
            s.body = _drop_empty(s.body)
            if isinstance(s, gast.If):
                s.orelse = _drop_empty(s.orelse)
            if all(isinstance(b, gast.Pass) for b in s.body) and not getattr(s, "orelse", []):
                continue
            if not s.body:
                s.body = [gast.Pass()]
        if isinstance(s, gast.Pass):
            continue
        out.append(s)
    return out


def _targets(stmt: Any) -> List[str]:
    if not isinstance(stmt, gast.Assign):
        return []
    tgt = stmt.targets[0]
    if isinstance(tgt, gast.Tuple):
        return [e.id for e in tgt.elts]
    return [tgt.id] if isinstance(tgt, gast.Name) else []


def _loaded(stmts: List[Any]) -> Set[str]:
    """Names read by ``stmts`` (restore placeholders write, they do not read)."""
    return _loaded_stored(stmts)[0]


def _loaded_stored(stmts: List[Any]) -> Tuple[Set[str], Set[str]]:
    """(:func:`_loaded`, :func:`_stored`) of ``stmts``, from one walk."""
    out: Set[str] = set()
    stored: Set[str] = set()
    skipped: Set[int] = set()  # ids of a placeholder's own names (walk meets a call before its arguments)
    for s in stmts:
        for n in S.walk(s):
            if isinstance(n, gast.Name):
                if isinstance(n.ctx, gast.Load):
                    if id(n) not in skipped:
                        out.add(n.id)
                elif isinstance(n.ctx, gast.Store):
                    stored.add(n.id)
            elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name) \
                    and n.func.id in (_RESTORE, _RESTORE_ITEM):
                # (placeholder id, variable[, index]): writes the variable, an item's index is read
                skipped.update(id(a) for a in [n.func] + n.args[:2])
    return out, stored


def _free(stmts: List[Any]) -> Set[str]:
    """Names ``stmts`` may read before writing them (a loop's target counts as written)."""
    free: Set[str] = set()

    def walk(body: List[Any], defined: Set[str]) -> Set[str]:
        for s in body:
            if isinstance(s, gast.If):
                free.update(_loaded([s.test]) - defined)
                defined = walk(s.body, set(defined)) & walk(s.orelse, set(defined))
            elif isinstance(s, gast.For):
                free.update(_loaded([s.iter]) - defined)
                walk(s.body, defined | _stored([s.target]))
            else:
                loaded, stored = _loaded_stored([s])
                free.update(loaded - defined)
                defined = defined | stored
        return defined

    walk(stmts, set())
    return free


def _definite(stmts: List[Any], defined: Set[str]) -> Set[str]:
    """Names certainly assigned after ``stmts`` run (loops may not run; branches intersect)."""
    for s in stmts:
        if isinstance(s, gast.If):
            defined = _definite(s.body, set(defined)) & _definite(s.orelse, set(defined))
        elif isinstance(s, (gast.For, gast.While)):
            continue
        else:
            defined = defined | _stored([s])
    return defined


def _stored(stmts: List[Any]) -> Set[str]:
    out: Set[str] = set()
    for s in stmts:
        for n in S.walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                out.add(n.id)
    return out


def _has_break(body: List[Any]) -> bool:
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, gast.Break):
            return True
        if isinstance(n, gast.If):
            todo.extend(n.body + n.orelse)
    return False


def _index_syntax(value: Any, slice_name: str) -> Any:
    """Back from ``slice(a, b, None)`` (see ``index_value``) to subscript syntax ``a:b``."""
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and value.func.id == slice_name:
        lower, upper, step = (None if isinstance(a, gast.Constant) and a.value is None else a for a in value.args)
        return gast.Slice(lower=lower, upper=upper, step=step)
    if isinstance(value, gast.Tuple):
        return gast.Tuple(elts=[_index_syntax(e, slice_name) for e in value.elts], ctx=gast.Load())
    return value


def _read_before_written(body: List[Any]) -> Set[str]:
    """Names a statement of ``body`` may read before ``body`` has surely assigned them (the
    statements in order; an ``if`` assigns what both of its branches assign, a loop or another
    compound statement counts as maybe not assigning)."""
    exposed: Set[str] = set()

    def walk(stmts: List[Any], written: Set[str]) -> Set[str]:
        for st in stmts:
            if isinstance(st, gast.If):  # (_t3 = np.array(s); s = _t3 in a branch reads what it wrote)
                exposed.update(_loaded([st.test]) - written)
                written = walk(st.body, set(written)) & walk(st.orelse, set(written))
                continue
            exposed.update(_loaded([st]) - written)
            if isinstance(st, (gast.Assign, gast.AugAssign)):
                written = written | _stored([st])
        return written

    walk(body, set())
    return exposed


def _simplifies_to_a_reference(value: Any) -> bool:
    """Does the optimiser's algebra turn ``value`` into a bare name or item (``g * 1.0``,
    ``-(-g)``, ``strong_mul(g, 1.0)``), no new array any more?"""
    return isinstance(simplified(value), (gast.Name, gast.Subscript, gast.Attribute))


def _mutated_in(stmts: List[Any]) -> Set[str]:
    """Names whose objects ``stmts`` change in place: ``x[i] = ...``, ``L.pop()``, ``L.append(v)``."""
    out: Set[str] = set()
    for s in stmts:
        for n in S.walk(s):
            if isinstance(n, (gast.Assign, gast.AugAssign)):
                targets = n.targets if isinstance(n, gast.Assign) else [n.target]
                for t in targets:
                    if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
                        out.add(t.value.id)
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr in ("pop", "append") \
                    and isinstance(n.func.value, gast.Name):
                out.add(n.func.value.id)
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr == "restore_item" \
                    and n.args and isinstance(n.args[0], gast.Name):  # _tl.restore_item(x, index, old)
                out.add(n.args[0].id)
    return out
