"""What the Numba rewrite reads from a generated function before it rewrites it: which
names each tape saves (:func:`pushed_keys`), which pushes can move after the assignment they
precede (:func:`push_after`, the one pass here that changes the function), which tapes can be
arrays indexed by the iteration of the loop that fills them (:func:`array_tapes`), and which
``range`` objects need not exist in compiled code (:func:`range_loops`).  Also the exception
both modules raise when the code uses something they do not rewrite.
"""

from __future__ import annotations

import ast
from typing import Any, Dict, List, Optional, Set, Tuple


class Unsupported(Exception):
    """The generated code uses something the Numba backend does not rewrite."""


def _name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _call(fn: str, args: List[Any]) -> ast.Call:
    return ast.Call(func=_name(fn), args=args, keywords=[])


def _tape_call(node: Any, attr: str) -> Optional[str]:
    """The tape name of ``_tape.<attr>(...)``, else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr \
            and isinstance(node.func.value, ast.Name) and node.func.value.id.startswith("_tape"):
        return node.func.value.id
    return None


def _push_key(arg: Any) -> str:
    if isinstance(arg, ast.Name):
        return arg.id
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "saved" \
            and len(arg.args) == 1 and isinstance(arg.args[0], ast.Subscript) \
            and isinstance(arg.args[0].value, ast.Name):
        return arg.args[0].value.id + "__item"
    raise Unsupported(f"a tape push of '{ast.unparse(arg)}'")


def _pop_key(target: Any) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        return target.value.id + "__item"
    raise Unsupported(f"a tape pop into '{ast.unparse(target)}'")


def pushed_keys(fdef: ast.FunctionDef) -> Dict[str, List[str]]:
    """Tape name -> the sorted keys (saved names) ``fdef`` pushes."""
    keys: Dict[str, Set[str]] = {}
    for node in ast.walk(fdef):
        tape = _tape_call(node, "append")
        if tape:
            keys.setdefault(tape, set()).add(_push_key(node.args[0]))
    return {t: sorted(k) for t, k in keys.items()}


def _assigned(stmt: Any) -> Set[str]:
    """Names ``stmt`` itself binds (not in nested blocks); subscript stores count as ``<name>[]``."""
    out: Set[str] = set()

    def names(t: Any) -> None:
        if isinstance(t, ast.Name):
            out.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                names(e)
        elif isinstance(t, ast.Starred):
            names(t.value)
        elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
            out.add(t.value.id + "[]")

    if isinstance(stmt, ast.Assign):
        for t in stmt.targets:
            names(t)
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For)):
        names(stmt.target)
    return out


def push_after(fdef: ast.FunctionDef) -> Set[str]:
    """Save names first bound inside a loop (``X = None`` at the top) after each assignment.

    The Python backend pushes the old value before each overwrite, so the first push of such
    a name saves ``None``: Numba would type the name as optional, which it cannot index with.
    When every assignment of ``X`` directly follows a push of ``X`` in its block, the push
    moves after the assignment (the tape holds ``X_1 .. X_n`` instead of ``None, X_1 ..
    X_n-1``), the ``X = None`` goes, and the reverse sweep restores from the tape's new top
    (see :class:`_Rewrite`).  Before / after::

        _t1 = None                      for _ in _t0:
        for _ in _t0:                       _t1 = r * x
            _tape.append(_t1)               _tape.append(_t1)
            _t1 = r * x

    Returns the names so rewritten (``fdef`` is changed in place)."""
    inits = {s.targets[0].id: s for s in fdef.body if isinstance(s, ast.Assign) and len(s.targets) == 1
             and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Constant) and s.value.value is None}
    if not inits:
        return set()
    ok = set(inits)
    plans: Dict[str, List[Tuple[List[Any], Any, Any]]] = {x: [] for x in inits}
    planned: Set[int] = set()
    for node in ast.walk(fdef):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for i, stmt in enumerate(block):
                if not (isinstance(stmt, ast.Expr) and _tape_call(stmt.value, "append")
                        and isinstance(stmt.value.args[0], ast.Name) and stmt.value.args[0].id in inits):
                    continue
                x = stmt.value.args[0].id
                j = next((j for j in range(i + 1, len(block)) if x in _assigned(block[j])), None)
                if j is None or not isinstance(block[j], ast.Assign):
                    ok.discard(x)
                    continue
                plans[x].append((block, stmt, block[j]))
                planned.add(id(block[j]))
    for node in ast.walk(fdef):
        if isinstance(node, ast.Assign) and _tape_call(node.value, "pop"):
            continue  # the restores: rewritten to match (see _Rewrite.visit_Assign)
        bound = _assigned(node) if isinstance(node, ast.stmt) else set()
        for x in inits:
            if x + "[]" in bound or (x in bound and node is not inits[x] and id(node) not in planned):
                ok.discard(x)
    done = {x for x in ok if plans[x]}
    for x in done:
        fdef.body.remove(inits[x])
        for block, push, target in plans[x]:
            block.remove(push)
            block.insert(block.index(target) + 1, push)
    return done


def _leaves_early(stmts: List[Any], nested: bool = False) -> bool:
    """Can a ``return`` (or, outside a nested loop, ``break`` / ``continue``) in ``stmts`` end an
    iteration of the loop whose body they are before its last statement?"""
    for s in stmts:
        if isinstance(s, ast.Return) or (isinstance(s, (ast.Break, ast.Continue)) and not nested):
            return True
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(s, (ast.For, ast.While)):
            if _leaves_early(s.body, True) or _leaves_early(s.orelse, nested):
                return True
            continue
        blocks = [getattr(s, f, None) for f in ("body", "orelse", "finalbody")]
        blocks += [h.body for h in getattr(s, "handlers", None) or []]
        if any(isinstance(b, list) and _leaves_early(b, nested) for b in blocks):
            return True
    return False


def _outer_loops(stmts: List[Any]) -> List[ast.For]:
    """The ``for`` loops of ``stmts`` that no other loop encloses (each runs at most once per call)."""
    out: List[ast.For] = []
    for s in stmts:
        if isinstance(s, ast.For):
            out.append(s)
        elif not isinstance(s, (ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for f in ("body", "orelse", "finalbody"):
                if isinstance(getattr(s, f, None), list):
                    out += _outer_loops(getattr(s, f))
            for h in getattr(s, "handlers", None) or []:
                out += _outer_loops(h.body)
    return out


def _bindings(fdef: ast.FunctionDef) -> Dict[str, int]:
    """Name -> how many statements of ``fdef`` bind it."""
    count: Dict[str, int] = {}
    for node in ast.walk(fdef):
        if isinstance(node, ast.stmt):
            for x in _assigned(node):
                count[x] = count.get(x, 0) + 1
    return count


def _reversed_name(it: Any) -> Optional[str]:
    """``SEQ`` of ``reversed(SEQ)`` for a plain name, else None."""
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed" \
            and len(it.args) == 1 and not it.keywords and isinstance(it.args[0], ast.Name):
        return it.args[0].id
    return None


def array_tapes(fdef: ast.FunctionDef) -> Tuple[Dict[Tuple[str, str], str], Set[int]]:
    """The saved names whose tape can be an array indexed by the loop's iteration: ((tape, key) ->
    SEQ, ids of the forward loops that push them).

    A name qualifies when ``fdef`` pushes it exactly once, as a statement of the body of a loop
    ``for ... in SEQ`` that no other loop encloses, and pops it exactly once, as a statement of
    the body of ``for ... in reversed(SEQ)`` (also enclosed by no loop); neither loop may end an
    iteration early (``break``, ``continue``, ``return``), ``SEQ`` is bound once, by ``SEQ =
    range(...)`` (so the trip count is ``len(SEQ)``, known before the loop), and the tape is
    created in ``fdef`` and used only by pushes and pops (no residuals).  Then the i-th
    iteration pushes exactly one value and the reverse loop's i-th step pops that one, so::

        _tape = []                            _nb_n0 = len(_t0)
        for _ in _t0:                         _nb_i0 = 0
            _tape.append(x)          ->       for _ in _t0:
            x = f(x)                              if _nb_i0 == 0:
        ...                                           _tape__x = _tl_tape_new(_nb_n0, x)
        for _ in reversed(_t0):                   _tape__x[_nb_i0] = x
            x = _tape.pop()                       x = f(x)
                                                  _nb_i0 = _nb_i0 + 1
                                              ...
                                              for _nb_k0 in range(len(_t0) - 1, -1, -1):
                                                  x = _tape__x[_nb_k0]

    (the tape is made at the first push, once the type of what it holds is known: an array of
    floats, ints or bools, else a list of that length; see :func:`numba_runtime.tape_new`)."""
    uses: Dict[str, int] = {}
    inits: Set[str] = set()
    pushes: Dict[Tuple[str, str], int] = {}
    pops: Dict[Tuple[str, str], int] = {}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and node.id.startswith("_tape"):
            uses[node.id] = uses.get(node.id, 0) + 1
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.List) and not node.value.elts:
            inits.add(node.targets[0].id)
        tape = _tape_call(node, "append")
        if tape and len(node.args) == 1:
            k = (tape, _push_key(node.args[0]))
            pushes[k] = pushes.get(k, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            tape = _tape_call(node.value, "pop")
            if tape and not node.value.args:
                k = (tape, _pop_key(node.targets[0]))
                pops[k] = pops.get(k, 0) + 1
    # a tape used only by `_tape = []`, its pushes and its pops
    plain = {t for t in inits if uses.get(t, 0) == 1 + sum(n for (tt, _k), n in pushes.items() if tt == t)
             + sum(n for (tt, _k), n in pops.items() if tt == t)}
    bound = _bindings(fdef)
    ranges = range_loops(fdef)
    fwd: Dict[Tuple[str, str], str] = {}
    rev: Dict[Tuple[str, str], str] = {}
    loops: Dict[str, int] = {}
    for loop in _outer_loops(fdef.body):
        if _leaves_early(loop.body):
            continue
        seq = loop.iter.id if isinstance(loop.iter, ast.Name) and loop.iter.id in ranges else None
        if seq is None:
            rseq = _reversed_name(loop.iter)
            if rseq is None or bound.get(rseq, 0) > 1:
                continue
            for s in loop.body:
                tape = isinstance(s, ast.Assign) and len(s.targets) == 1 and _tape_call(s.value, "pop")
                if tape and not s.value.args:
                    k = (tape, _pop_key(s.targets[0]))
                    rev[k] = rseq if k not in rev else ""  # twice in one loop: not indexed by iteration
            continue
        for s in loop.body:
            tape = isinstance(s, ast.Expr) and _tape_call(s.value, "append")
            if tape and len(s.value.args) == 1:
                k = (tape, _push_key(s.value.args[0]))
                fwd[k] = seq if k not in fwd else ""
                if loops.setdefault(seq, id(loop)) != id(loop):  # two forward loops over SEQ: neither
                    loops[seq] = -1
    arrays = {k: seq for k, seq in fwd.items() if seq and k[0] in plain and rev.get(k) == seq
              and pushes.get(k) == 1 and pops.get(k) == 1 and loops.get(seq, -1) != -1}
    return arrays, {loops[seq] for seq in arrays.values()}


def range_loops(fdef: ast.FunctionDef) -> Dict[str, Tuple[Any, Any]]:
    """``SEQ`` -> (start, step) for each ``SEQ = range(...)`` that is the only binding of ``SEQ``,
    its start and step a constant or a name (``reversed(SEQ)``'s k-th item is then ``start +
    k * step``: no range object is indexed in compiled code).  A name is read again after the
    loop, when it may have changed: the rewrite copies it beside ``SEQ = range(...)`` into
    ``SEQ__nb_start`` / ``SEQ__nb_step``, the names returned here."""
    bound = _bindings(fdef)
    out: Dict[str, Tuple[Any, Any]] = {}
    for node in ast.walk(fdef):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "range" and not node.value.keywords and 1 <= len(node.value.args) <= 3
                and bound.get(node.targets[0].id) == 1):
            continue
        args = node.value.args
        if not all(isinstance(a, ast.Name) or _constant(a) for a in args):
            continue
        seq = node.targets[0].id
        start = args[0] if len(args) > 1 else ast.Constant(0)
        step = args[2] if len(args) > 2 else ast.Constant(1)
        out[seq] = (start if _constant(start) else _name(seq + "__nb_start"),
                    step if _constant(step) else _name(seq + "__nb_step"))
    return out


def _constant(node: Any) -> bool:
    """A number written in the code: ``3``, ``-2``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
