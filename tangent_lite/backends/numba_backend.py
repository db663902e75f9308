"""The optional Numba backend: generated gradients compiled with ``numba.njit``.

``tl.grad(f, backend="numba")``, ``@tl.differentiate(backend="numba")`` and
``adgen --backend numba`` run the code the Python backend generates, rewritten so that
Numba's nopython mode accepts it, then compiled per argument types on the first call.

The rewrite works on the generated module's text, after the pipeline (rank specialisation
has already removed the helpers scalars do not need), one function at a time::

    _tape = []                         _tape__x = []
    _tape.append(x)             ->     _tape__x.append(x)          one typed list per saved name
    x = _tape.pop()                    x = _tape__x.pop()
    for i in reversed(_t0):            for _nb_k0 in range(len(_t0) - 1, -1, -1):
                                           i = _tl_seq_item(_t0, _nb_k0)
    _tl.unbroadcast(g, x)              _tl_unbroadcast(g, x)       (tangent_lite.numba_runtime)

One tape per name keeps every list homogeneous (Numba types a list by its items); the pops
of one name come back in the reverse order of its pushes, as on the shared tape.  Where a
name is pushed once per iteration of an outer ``for`` loop and popped once per iteration of
its reverse loop, its tape is an array indexed by the iteration instead (:func:`array_tapes`),
and ``reversed(range(...))`` yields ``start + k * step`` (:func:`range_loops`): both are much
cheaper for Numba to compile than lists and range objects, and run at least as fast.  The
generated functions of user callees (``g_fwd`` / ``g_bwd``) are compiled the same way and
bound in place of the Python ones.

The rewritten module is written next to the generated one (``<name>_numba.py``) and
compiled with ``cache=True`` when it reads no user globals, so a later process loads the
machine code instead of compiling it again.  What cannot be rewritten (an unsupported
runtime helper, a tape used another way) or compiled (a Numba typing error) falls back to
the Python backend with a :class:`~tangent_lite.errors.BackendFallbackWarning`, as does
a missing ``numba``.  Results equal the Python backend's to rounding.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import os
import re
import sys
import types
import warnings
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ..errors import BackendFallbackWarning
from . import cache

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # the package root
STATE = "__tl_numba__"  # the per-module record, in the generated module's namespace
INSTALL_HINT = "To fix: pip install numba (or tangent_lite[numba]), or use the default backend='python'"


class Unsupported(Exception):
    """The generated code uses something the Numba backend does not rewrite."""


# ------------------------------------------------------------------ availability


def _import_numba() -> Any:
    import numba  # noqa: PLC0415 - optional dependency, imported on first use

    return numba


def available() -> Tuple[bool, str]:
    """(whether numba imports, why not)."""
    try:
        _import_numba()
    except Exception as exc:  # noqa: BLE001 - ImportError, or a numba/numpy mismatch at import
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


# ------------------------------------------------------------------ the rewrite


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


class _Rewrite(ast.NodeTransformer):
    """Split the tape per saved name, unroll ``reversed``, rename ``_tl.<helper>``; tapes of
    :func:`array_tapes` become indexed arrays, ranges of :func:`range_loops` are not indexed."""

    def __init__(self, keys: Dict[str, List[str]], helpers: Set[str], after: Set[str] = frozenset(),
                 arrays: Optional[Tuple[Dict[Tuple[str, str], str], Set[int]]] = None,
                 ranges: Optional[Dict[str, Tuple[Any, Any]]] = None):
        self.keys = keys
        self.after = after
        self.helpers = helpers
        self.arrays, self.forward_loops = arrays or ({}, set())
        self.ranges = ranges or {}
        self.used: Set[str] = set()
        self.count = 0
        self.loop_index: Dict[str, Tuple[str, str]] = {}  # SEQ -> (length, index) names of its forward loop
        self.in_forward: List[str] = []  # SEQ of the enclosing forward loops with array tapes
        self.rev_index: List[Tuple[str, str]] = []  # (SEQ, index name) of the enclosing reversed loops

    def split(self, tape: str, key: str) -> str:
        return f"{tape}__{key}"

    def visit_Expr(self, node: ast.Expr) -> Any:
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "not_a_dict" \
                and isinstance(call.func.value, ast.Name):
            return ast.copy_location(ast.Pass(), node)  # _tl.not_a_dict(x, ...): compiled code gets arrays, numbers
        tape = _tape_call(node.value, "append")
        if tape:
            arg = self.visit(node.value.args[0])
            key = _push_key(node.value.args[0])
            seq = self.arrays.get((tape, key))
            if seq is not None and self.in_forward and self.in_forward[-1] == seq:
                return [ast.copy_location(s, node) for s in self.array_push(self.split(tape, key), seq, arg)]
            call = ast.Call(func=ast.Attribute(value=_name(self.split(tape, key)), attr="append", ctx=ast.Load()),
                            args=[arg], keywords=[])
            return ast.copy_location(ast.Expr(value=call), node)
        return self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> Any:
        value = node.value
        if len(node.targets) == 1:
            target = node.targets[0]
            tape = _tape_call(value, "pop")
            if tape and not value.args:
                key = _pop_key(target)
                split = self.split(tape, key)
                seq = self.arrays.get((tape, key))
                if seq is not None and self.rev_index and self.rev_index[-1][0] == seq:
                    k = _name(self.rev_index[-1][1])
                    if key in self.after:  # X's own value is at k; the previous one at k - 1 (if any)
                        prev = ast.BinOp(left=k, op=ast.Sub(), right=ast.Constant(1))
                        restore = ast.If(test=ast.Compare(left=_name(k.id), ops=[ast.Gt()],
                                                          comparators=[ast.Constant(0)]),
                                         body=[ast.Assign(targets=[self.visit(target)],
                                                          value=ast.Subscript(value=_name(split), slice=prev,
                                                                              ctx=ast.Load()))],
                                         orelse=[])
                        return ast.copy_location(restore, node)
                    return ast.copy_location(ast.Assign(targets=[self.visit(target)],
                                                        value=ast.Subscript(value=_name(split), slice=k,
                                                                            ctx=ast.Load())), node)
                pop = ast.Call(func=ast.Attribute(value=_name(split), attr="pop", ctx=ast.Load()),
                               args=[], keywords=[])
                if key in self.after:  # drop X's own value; the previous one is the new top (if any)
                    top = ast.Subscript(value=_name(split), slice=ast.Constant(-1), ctx=ast.Load())
                    size = ast.Compare(left=_call("len", [_name(split)]), ops=[ast.Gt()],
                                       comparators=[ast.Constant(0)])
                    restore = ast.If(test=size, body=[ast.Assign(targets=[self.visit(target)], value=top)],
                                     orelse=[])
                    return [ast.copy_location(ast.Expr(value=pop), node), ast.copy_location(restore, node)]
                return ast.copy_location(ast.Assign(targets=[self.visit(target)], value=pop), node)
            if isinstance(target, ast.Name) and target.id in self.ranges and isinstance(value, ast.Call) \
                    and isinstance(value.func, ast.Name) and value.func.id == "range":  # copy start and step
                args = value.args
                copies = [ast.Assign(targets=[_name(f"{target.id}__nb_{what}", True)], value=arg)
                          for what, arg in (("start", args[0] if len(args) > 1 else None),
                                            ("step", args[2] if len(args) > 2 else None))
                          if isinstance(arg, ast.Name)]
                return [ast.copy_location(c, node) for c in copies] + [self.generic_visit(node)]
            if isinstance(target, ast.Name) and target.id in self.keys:
                tape = target.id
                if isinstance(value, ast.List) and not value.elts:  # _tape = [] (arrays: made at the first push)
                    return [ast.copy_location(ast.Assign(targets=[_name(self.split(tape, k), True)],
                                                         value=ast.List(elts=[], ctx=ast.Load())), node)
                            for k in self.keys[tape] if (tape, k) not in self.arrays]
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr == "copied":  # _tape = _tl.copied(_tape)
                    self.used.add("copied")
                    return [ast.copy_location(ast.Assign(targets=[_name(self.split(tape, k), True)],
                                                         value=_call("_tl_copied", [_name(self.split(tape, k))])),
                                              node) for k in self.keys[tape]]
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        """``x ** 2`` -> ``x * x``: the value Numba computes for it anyway, without compiling its
        integer-power routine (about 0.25 s, once per process)."""
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and isinstance(node.left, ast.Name) and isinstance(node.right, ast.Constant) \
                and type(node.right.value) is int and node.right.value == 2:
            return ast.copy_location(ast.BinOp(left=node.left, op=ast.Mult(), right=_name(node.left.id)), node)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        elts = []
        for e in node.elts:
            if isinstance(e, ast.Name) and e.id in self.keys:  # residuals carry every split tape
                elts.extend(_name(self.split(e.id, k), isinstance(node.ctx, ast.Store)) for k in self.keys[e.id])
            else:
                elts.append(self.visit(e))
        node.elts = elts
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id.startswith("_tape") and node.id in self.keys or node.id == "reversed":
            raise Unsupported(f"'{node.id}' used outside a push, pop or residual tuple")
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if isinstance(node.value, ast.Name) and node.value.id == "_tl":
            if node.attr not in self.helpers:
                raise Unsupported(f"the runtime helper _tl.{node.attr}")
            self.used.add(node.attr)
            return ast.copy_location(_name(f"_tl_{node.attr}"), node)
        return self.generic_visit(node)

    def array_push(self, split: str, seq: str, arg: Any) -> List[Any]:
        """``split[i] = arg`` in the forward loop over ``seq``, the tape made at ``i == 0``."""
        n, i = self.loop_index[seq]
        out: List[Any] = []
        if not isinstance(arg, (ast.Name, ast.Constant)):  # evaluate it once
            v = f"_nb_v{self.count}"
            self.count += 1
            out.append(ast.Assign(targets=[_name(v, True)], value=arg))
            arg = _name(v)
        self.used.add("tape_new")
        make = ast.Assign(targets=[_name(split, True)], value=_call("_tl_tape_new", [_name(n), arg]))
        out.append(ast.If(test=ast.Compare(left=_name(i), ops=[ast.Eq()], comparators=[ast.Constant(0)]),
                          body=[make], orelse=[]))
        out.append(ast.Assign(targets=[ast.Subscript(value=_name(split), slice=_name(i), ctx=ast.Store())],
                              value=arg))
        return out

    def visit_For(self, node: ast.For) -> Any:
        it = node.iter
        if id(node) in self.forward_loops:  # the forward loop of array tapes
            n, i = f"_nb_n{self.count}", f"_nb_i{self.count}"
            self.count += 1
            self.loop_index[it.id] = (n, i)
            self.in_forward.append(it.id)
            try:
                body = [out for b in node.body for out in _as_list(self.visit(b))]
            finally:
                self.in_forward.pop()
            body.append(ast.Assign(targets=[_name(i, True)],
                                   value=ast.BinOp(left=_name(i), op=ast.Add(), right=ast.Constant(1))))
            node.body = body
            node.orelse = [out for b in node.orelse for out in _as_list(self.visit(b))]
            head = [ast.Assign(targets=[_name(n, True)], value=_call("len", [_name(it.id)])),
                    ast.Assign(targets=[_name(i, True)], value=ast.Constant(0))]
            return [ast.copy_location(s, node) for s in head] + [node]
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed"
                and len(it.args) == 1):
            self.in_forward.append("")  # a push in a nested loop is not indexed by the outer loop
            try:
                return self.generic_visit(node)
            finally:
                self.in_forward.pop()
        seq, limit = it.args[0], None
        if isinstance(seq, ast.Subscript) and isinstance(seq.slice, ast.Slice) and seq.slice.lower is None \
                and seq.slice.step is None and seq.slice.upper is not None:  # reversed(seq[:count])
            seq, limit = seq.value, seq.slice.upper
        k, s = f"_nb_k{self.count}", f"_nb_seq{self.count}"
        self.count += 1
        rng = self.ranges.get(seq.id) if isinstance(seq, ast.Name) else None
        head: List[Any] = []
        if rng is None:
            self.used.add("seq_item")
            head.append(ast.Assign(targets=[_name(s, True)], value=self.visit(seq)))
            value: Any = _call("_tl_seq_item", [_name(s), _name(k)])
        else:  # range(start, stop, step)[k] == start + k * step
            s = seq.id
            start, step = rng
            value = _name(k)
            if not (isinstance(step, ast.Constant) and step.value == 1):
                value = ast.BinOp(left=value, op=ast.Mult(), right=step)
            if not (isinstance(start, ast.Constant) and start.value == 0):
                value = ast.BinOp(left=start, op=ast.Add(), right=value)
        size: Any = _call("len", [_name(s)])
        if limit is not None:
            size = _call("min", [self.visit(limit), size])
        first = ast.BinOp(left=size, op=ast.Sub(), right=ast.Constant(1))
        item = ast.Assign(targets=[node.target], value=value)
        self.rev_index.append((seq.id if isinstance(seq, ast.Name) and limit is None else "", k))
        try:
            body = [item] + [out for b in node.body for out in _as_list(self.visit(b))]
        finally:
            self.rev_index.pop()
        loop = ast.For(target=_name(k, True), iter=_call("range", [first, ast.Constant(-1), ast.Constant(-1)]),
                       body=body, orelse=[out for b in node.orelse for out in _as_list(self.visit(b))])
        return [ast.copy_location(h, node) for h in head] + [ast.copy_location(loop, node)]

    def visit_While(self, node: ast.While) -> Any:
        self.in_forward.append("")  # pushes in a while loop stay on lists
        self.rev_index.append(("", ""))
        try:
            return self.generic_visit(node)
        finally:
            self.in_forward.pop()
            self.rev_index.pop()


def rewrite(text: str, helpers: Set[str]) -> Tuple[str, List[str], Set[str]]:
    """Rewrite generated module text for Numba: (text, function names, runtime helpers used).

    Raises :class:`Unsupported` naming the first construct it cannot rewrite."""
    tree = ast.parse(text)
    fdefs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    by_name = {f.name: f for f in fdefs}
    used: Set[str] = set()
    after = {f.name: push_after(f) for f in fdefs}
    pushes = {f.name: pushed_keys(f) for f in fdefs}
    for fdef in fdefs:
        keys, moved = pushes[fdef.name], after[fdef.name]
        fwd = fdef.name.rsplit("_", 1)[0] + "_fwd"  # f_bwd, f_adjoints: the tapes f_fwd packed
        if fdef.args.args and fdef.args.args[0].arg == "_residuals" and fwd in by_name:
            keys, moved = pushes[fwd], after[fwd]
        for node in ast.walk(fdef):
            tape = _tape_call(node, "pop")
            if tape and tape not in keys:
                raise Unsupported(f"a pop from '{tape}' in '{fdef.name}' with no matching push")
        arrays = array_tapes(fdef) if keys is pushes[fdef.name] else None  # not for tapes from residuals
        rw = _Rewrite(keys, helpers, moved, arrays, range_loops(fdef))
        fdef.body = [out for stmt in fdef.body for out in _as_list(rw.visit(stmt))]
        used |= rw.used
    body = []
    for stmt in tree.body:  # the Python runtime is replaced by the Numba helpers
        if isinstance(stmt, ast.Import) and any(a.name == "tangent_lite.runtime" for a in stmt.names):
            continue
        body.append(stmt)
    tree.body = body
    for node in ast.walk(tree):  # positions of the statements made here
        if "lineno" in node._attributes and getattr(node, "lineno", None) is None:
            node.lineno = node.end_lineno = 1
            node.col_offset = node.end_col_offset = 0
    return ast.unparse(tree) + "\n", [f.name for f in fdefs], used


def _as_list(x: Any) -> List[Any]:
    return x if isinstance(x, list) else [x]


# ------------------------------------------------------------------ compiling loaded modules


def _generated_function(value: Any) -> bool:
    g = getattr(value, "__globals__", None)
    return isinstance(value, types.FunctionType) and isinstance(g, dict) and "__tl_meta__" in g


def _compile_module(g: Dict[str, Any]) -> Dict[str, Any]:
    """The Numba dispatchers of every function of the generated module whose namespace is ``g``."""
    state = g.get(STATE)
    if state is not None:
        if isinstance(state, Unsupported):
            raise state
        return state
    numba = _import_numba()
    from . import numba_runtime

    # while this module is being prepared, a callee that leads back to it cannot be compiled
    g[STATE] = Unsupported("a generated module reached again through the functions it calls")
    with open(g["__file__"], encoding="utf-8") as fh:
        generated = fh.read()
    path = g["__file__"][:-3] + "_numba.py"
    # the header names what the text was rewritten from and by: a file with the same header is reused
    header = (f"# rewritten for Numba {numba.__version__} by tangent_lite {_fingerprint()} from "
              f"{hashlib.sha256(generated.encode()).hexdigest()[:16]}\n")
    text = _read(path)
    if text is not None and text.startswith(header):
        names = re.findall(r"^def (\w+)\(", text, re.M)
        used = set(re.findall(r"\b_tl_(\w+)\(", text)) & set(numba_runtime.HELPERS)
    else:
        try:
            text, names, used = rewrite(generated, set(numba_runtime.HELPERS))
        except Unsupported as exc:
            g[STATE] = exc
            raise
        text = header + text
        path = cache.write(path, text)  # atomic; elsewhere if this directory is not writable
    # a flat, importable name: Numba's disk cache imports the module back by name
    mod_name = "_tl_numba_" + "".join(c if c.isalnum() else "_" for c in os.path.basename(path)[:-3])
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    cacheable = True
    for key, value in list(g.items()):
        if key.startswith("__") or key == "_tl" or key in module.__dict__:
            continue
        if _generated_function(value):  # a user callee's generated function: compiled too
            value = _compile_module(value.__globals__)[value.__name__]
        elif not isinstance(value, types.ModuleType):
            cacheable = False  # a user global: Numba freezes its value into the machine code
            if isinstance(value, types.FunctionType):  # a user function called on constants: compiled as is
                value = numba.njit(value)
        module.__dict__[key] = value
    for helper in used:
        module.__dict__[f"_tl_{helper}"] = getattr(numba_runtime, helper)
    state = {}
    for name in names:
        py = module.__dict__[name]
        try:
            disp = numba.njit(cache=cacheable)(py)
        except Exception:  # noqa: BLE001 - no writable cache location: compile every process
            disp = numba.njit(py)
        state[name] = module.__dict__[name] = disp
    g[STATE] = state
    return state


@functools.lru_cache(maxsize=1)
def _fingerprint() -> str:
    """Hash of the rewrite and the helpers: part of the rewritten text, so a change to either
    changes the file and invalidates Numba's disk cache of it (Numba tracks no dependencies)."""
    from . import numba_runtime

    h = hashlib.sha256()
    for mod in (numba_runtime, sys.modules[__name__]):
        with open(mod.__file__, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None


def _fallback(fn: Callable, why: str, hint: str) -> None:
    where = ""
    meta = getattr(fn, "__globals__", {}).get("__tl_meta__") or {}
    if meta.get("qualname"):
        where = f" of '{meta['qualname']}'"
    frame, level = sys._getframe(0), 1  # point the warning at the user's call, outside tangent_lite
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(BackendFallbackWarning(
        f"backend='numba': the gradient{where} ({fn.__name__}) runs on the Python backend: {why}\n{hint}"),
        stacklevel=level)


def _compiled_for(disp: Any, args: Tuple[Any, ...]) -> bool:
    """Has ``disp`` machine code for these argument types (so an error came from running it)?"""
    try:
        return tuple(disp.typeof_pyval(a) for a in args) in disp.overloads
    except Exception:  # noqa: BLE001 - an argument Numba cannot type: it did not compile
        return False


class Jitted:
    """A generated function run by Numba, or by Python after a warning if that fails."""

    def __init__(self, py: Callable):
        self.py = py
        self.run: Callable = self._first
        self.__name__ = py.__name__
        self.__wrapped__ = py

    def _first(self, *args: Any) -> Any:
        try:
            _import_numba()
        except Exception as exc:  # noqa: BLE001
            _fallback(self.py, f"numba cannot be imported ({type(exc).__name__}: {exc})", INSTALL_HINT)
            self.run = self.py
            return self.py(*args)
        frozen = _data_globals(self.py.__globals__)
        if frozen:  # Numba would bake their values in at compilation: later changes would be missed
            _fallback(self.py, f"it reads the module-level value{'s' if len(frozen) > 1 else ''} "
                      f"{', '.join(repr(n) for n in frozen)}, which Numba would freeze when it compiles",
                      "To fix: nothing is needed (the Python backend reads them at every call); to compile it, "
                      "pass them as arguments")
            self.run = self.py
            return self.py(*args)
        try:
            disp = _compile_module(self.py.__globals__)[self.py.__name__]
        except Unsupported as exc:
            _fallback(self.py, f"the generated code uses {exc}, which the Numba backend does not support",
                      "To fix: nothing is needed (results are the same); to compile it, avoid that construct "
                      "in the loop-heavy code, or report it")
            self.run = self.py
            return self.py(*args)
        except Exception as exc:  # noqa: BLE001 - a broken numba install, an unwritable directory, ...
            _fallback(self.py, f"preparing it for Numba failed ({type(exc).__name__}: {exc})", INSTALL_HINT)
            self.run = self.py
            return self.py(*args)
        self.run = self._compiled(disp)
        return self.run(*args)

    def _compiled(self, disp: Any) -> Callable:
        from numba.core.errors import NumbaError

        def run(*args: Any) -> Any:
            try:
                return disp(*args)
            except Exception as exc:  # noqa: BLE001 - typing fails before anything runs: Python is a safe fallback
                if not isinstance(exc, NumbaError) and _compiled_for(disp, args):
                    raise  # compiled, then failed while running: the user's error, as Python would raise it
                lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
                why = " ".join(ln for ln in lines if not ln.startswith("Failed in"))[:300] or type(exc).__name__
                _fallback(self.py, f"Numba cannot compile it ({why})",
                          "To fix: nothing is needed (results are the same); to compile it, keep the "
                          "differentiated code to numbers, NumPy arrays and loops (see docs/numba.md)")
                self.run = self.py
                return self.py(*args)

        return run

    def __call__(self, *args: Any) -> Any:
        return self.run(*args)


def _data_globals(namespace: Dict[str, Any]) -> List[str]:
    """The user's module-level values (not functions or modules) that a generated module, or the
    generated modules of the user functions it calls, read: Numba would freeze them."""
    found: List[str] = []
    seen: set = set()
    todo = [namespace]
    while todo:
        g = todo.pop()
        if id(g) in seen:
            continue
        seen.add(id(g))
        meta = g.get("__tl_meta__") or {}
        for n in meta.get("bindings", []):
            if n not in g or isinstance(g[n], types.ModuleType):
                continue
            value = g[n]
            if _generated_function(value):
                todo.append(value.__globals__)
            elif isinstance(value, types.FunctionType):  # a user function compiled as is
                own = value.__globals__
                found.extend(f"{value.__name__}: {m}" for m in value.__code__.co_names
                             if m in own and not callable(own[m])
                             and not isinstance(own[m], types.ModuleType)
                             and f"{value.__name__}: {m}" not in found)
            elif not callable(value) and n not in found:
                found.append(n)
        todo.extend(v.__globals__ for k, v in g.items() if not k.startswith("__") and _generated_function(v))
    return sorted(found)


def jit(py: Callable) -> Jitted:
    """The Numba-compiled form of a loaded generated function (one per function)."""
    cache: Dict[str, Jitted] = py.__globals__.setdefault("__tl_numba_jitted__", {})
    if py.__name__ not in cache:
        cache[py.__name__] = Jitted(py)
    return cache[py.__name__]


# ------------------------------------------------------------------ adgen


def standalone(text: str) -> str:
    """A standalone generated module (``adgen``) rewritten for Numba: every generated
    function decorated with ``numba.njit`` and the Numba helpers pasted in."""
    from .. import runtime
    from ..runtime import arrays as runtime_numpy
    from . import numba_runtime

    tree = ast.parse(text)
    helper_names: Set[str] = set()
    body = []
    for stmt in tree.body:
        # the inlined Python helpers and their `_tl` namespace give way to the Numba ones
        if isinstance(stmt, ast.FunctionDef) and (hasattr(runtime, stmt.name) or hasattr(runtime_numpy, stmt.name)):
            continue
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_tl" for t in stmt.targets):
            continue
        body.append(stmt)
    tree.body = body
    new, names, used = rewrite(ast.unparse(tree), set(numba_runtime.HELPERS))
    helper_names |= used
    tree = ast.parse(new)
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name in names:
            stmt.decorator_list = [ast.Attribute(value=_name("numba"), attr="njit", ctx=ast.Load())]
    head = [ln for ln in text.splitlines() if ln.startswith("#")][:4]
    aliases = "".join(f"_tl_{h} = {h}\n" for h in sorted(helper_names))
    helpers = numba_runtime.helper_sources(sorted(helper_names))
    prelude = ("# Numba backend (adgen --backend numba): needs numpy and numba\n"
               "import math\nimport os\nimport numba\nimport numpy as np\nfrom numba import types as nbtypes\n"
               "from numba.extending import overload\n\n\n")
    return "\n".join(head) + "\n" + prelude + helpers + "\n\n" + aliases + "\n\n" + ast.unparse(tree) + "\n"


# ------------------------------------------------------------------ the api's hook


BACKENDS = ("python", "numba")


def check_backend(backend: Any) -> None:
    if backend not in BACKENDS:
        from ..errors import ArgumentError

        raise ArgumentError(f"unknown backend {backend!r}",
                            hint=f"use one of {', '.join(repr(b) for b in BACKENDS)} (numba: docs/numba.md)")


def with_backend(generated: Callable, backend: str) -> Callable:
    """``generated`` as ``backend`` runs it: itself, or its :class:`Jitted` form."""
    return generated if backend == "python" else jit(generated)
