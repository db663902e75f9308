"""How ``tl.trace`` (:mod:`.trace`) reads its numbers from the generated derivative code as it
runs: which generated line belongs to which Wengert statement (:func:`_plan`), and a recorder
that follows the generated function line by line (:class:`_Recorder`), keeping each statement's
value and tangent or adjoint per execution.

To know which generated line belongs to which Wengert statement, the derivative is
generated a second time with each statement's line number set to a tag
(the passes copy it onto every line they emit for that statement), and the two texts
are aligned statement by statement.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import numpy as np

from .. import api
from ..analysis import run_time_checks
from ..frontend import anf
from ..syntax import gast
from ..syntax.annotations import Key, set_anno
from .explain import Statement, statements

_TAG = 10_000_000  # tagged line numbers: _TAG + statement index


# --------------------------------------------------------------------------- which line is what


@dataclass
class _Line:
    tag: Optional[int]  # the Wengert statement this generated line belongs to
    primal: bool  # it computes the statement's value (forward sweep)
    reverse: bool  # it is part of the reverse sweep


@dataclass
class _Plan:
    stmts: List[Statement]
    w: anf.Wengert
    lines: Dict[int, _Line] = field(default_factory=dict)  # generated line number -> role
    loops: Dict[int, int] = field(default_factory=dict)  # loop header line -> last line of the loop
    first: Dict[int, int] = field(default_factory=dict)  # first body line -> its loop's header line
    enclosing: Dict[int, Tuple[int, ...]] = field(default_factory=dict)  # line -> loop headers, outermost first
    starts: Dict[int, int] = field(default_factory=dict)  # a later line of a statement -> its first line
    names: Dict[int, List[Optional[str]]] = field(default_factory=dict)  # statement -> derivative name per target
    capture: Dict[int, List[Tuple[int, int, str]]] = field(default_factory=dict)  # line -> (stmt, target, name)
    stored_once: Set[str] = field(default_factory=set)
    unmatched: int = 0  # generated statements the tagged regeneration did not reproduce (0 unless the pipeline drifted)


def _plan(fn: Callable, mode: str, wrt: Sequence[str], module: Any, fname: str) -> _Plan:
    w, stmts, raw, opt = _tagged(fn, mode, wrt)
    plan = _Plan(stmts, w)
    real = next(n for n in ast.parse(module.__tl_text__).body if isinstance(n, ast.FunctionDef) and n.name == fname)
    mine = list(_walk(gast.gast_to_ast(opt).body))
    theirs = [(node, False) for node, _ in _walk(real.body)]
    matcher = difflib.SequenceMatcher(None, [_key(n) for n, _ in mine], [_key(n) for n, _ in theirs], autojunk=False)
    plan.unmatched = len(theirs) - sum(size for _, _, size in matcher.get_matching_blocks())
    for i, j, size in matcher.get_matching_blocks():
        for (m, reverse), (r, _) in zip(mine[i:i + size], theirs[j:j + size]):
            tag = m.lineno - _TAG if getattr(m, "lineno", 0) >= _TAG else None
            if tag is not None and isinstance(r, (ast.Assign, ast.Expr)) and not _is_check(r, w):
                primal = not reverse and set(stmts[tag].targets) <= _written(r)
                plan.lines[r.lineno] = _Line(tag, primal, reverse)
    _loops(real.body, (), plan)
    for node in ast.walk(real):  # (a check's message spans lines: Python reports each of them)
        if isinstance(node, (ast.Assign, ast.Expr, ast.Return)) and (node.end_lineno or node.lineno) > node.lineno:
            plan.starts.update((n, node.lineno) for n in range(node.lineno + 1, node.end_lineno + 1))
    stores = [n.id for n in ast.walk(real) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    plan.stored_once = {n for n in stores if stores.count(n) == 1}
    _derivative_names(plan, raw, opt, mode, real)
    return plan


def _is_check(node: Any, w: anf.Wengert) -> bool:
    """A run-time check ``_tl.array_method(v, ...)`` (run_time_checks.CHECKS): it computes nothing."""
    call = node.value if isinstance(node, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
        and isinstance(call.func.value, ast.Name) and call.func.value.id == w.aliases.get("_tl") \
        and call.func.attr in run_time_checks.CHECKS


def _tagged(fn: Callable, mode: str, wrt: Sequence[str]) -> Tuple[anf.Wengert, List[Statement], Any, Any]:
    """The derivative of ``fn`` generated as ``api.generate`` does, with every line emitted for
    Wengert statement k carrying line number ``_TAG + k``: before (raw) and after optimization."""
    tagged: List[Statement] = []

    def tag(w: anf.Wengert) -> None:
        tagged.extend(statements(w))
        for st in tagged:
            st.node.lineno = _TAG + st.index
            set_anno(st.node, Key.ORIGIN, _TAG + st.index)

    w, d, raw_functions, _extra = api.derive(fn, mode, wrt, prepare=tag, keep_raw=True)
    stmts = tagged
    opt, raw = d.functions[0], raw_functions[0]
    return w, stmts, raw, opt


def _walk(body: List[Any], reverse: bool = False) -> Iterator[Tuple[Any, bool]]:
    """Statements in pre-order with 'in the reverse sweep' (``ast`` nodes; comment lines skipped)."""
    for s in body:
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
            reverse = reverse or s.value.value.endswith("reverse sweep")
            continue
        yield s, reverse
        for block in _blocks(s):
            yield from _walk(block, reverse)


def _blocks(s: Any) -> List[List[Any]]:
    """The statement lists nested in a statement: bodies, ``else``, ``except`` handlers,
    ``finally``, ``match`` cases."""
    blocks = [getattr(s, name, None) or [] for name in ("body", "orelse")]
    blocks += [h.body for h in getattr(s, "handlers", None) or []]
    blocks += [c.body for c in getattr(s, "cases", None) or []]
    return blocks + [getattr(s, "finalbody", None) or []]


def _key(node: Any) -> str:
    if getattr(node, "lineno", None) is None:  # lines the passes added without one
        node.lineno = 0
    if isinstance(node, (ast.If, ast.While)):
        return f"{type(node).__name__} {ast.unparse(node.test)}"
    if isinstance(node, ast.For):
        return f"for {ast.unparse(node.target)} in {ast.unparse(node.iter)}"
    if isinstance(node, ast.With):
        return f"with {', '.join(ast.unparse(item) for item in node.items)}"
    if any(_blocks(node)):  # try, match: their header (their blocks are walked on their own)
        return type(node).__name__
    call = node.value if isinstance(node, ast.Expr) else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in run_time_checks.CHECKS:
        return f"check {call.func.attr} {ast.unparse(call.args[0]) if call.args else ''}"  # (its message names a line)
    return ast.unparse(node)


def _written(node: Any) -> Set[str]:
    """Names a statement changes: assigned, ``x`` of ``x[i] = v``, ``L`` of ``L.append(v)``."""
    out = set()
    for tgt in getattr(node, "targets", []):
        for n in ast.walk(tgt):
            if isinstance(n, ast.Name) and (isinstance(n.ctx, ast.Store) or tgt is not n):
                out.add(n.id)
    call = getattr(node, "value", None) if isinstance(node, ast.Expr) else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        out.add(call.func.value.id)
    return out


def _loops(body: List[Any], outer: Tuple[int, ...], plan: _Plan) -> None:
    for s in body:
        plan.enclosing[s.lineno] = outer
        if isinstance(s, (ast.For, ast.While)):
            plan.loops[s.lineno] = s.end_lineno or s.lineno
            plan.first[s.body[0].lineno] = s.lineno
            _loops(s.body, outer + (s.lineno,), plan)
        else:
            _loops([t for block in _blocks(s) for t in block], outer, plan)


def _derivative_names(plan: _Plan, raw: Any, opt: Any, mode: str, real: Any) -> None:
    """Which variable holds each statement's tangent/adjoint, and when to read it.

    Forward: ``t_dot``, read after the line assigning it.  Reverse: the adjoint the reverse
    sweep of the statement reads (``t_bar``), read when that sweep starts.  The optimizer
    may have replaced ``a = b`` copies by ``b``: then ``b`` is read instead."""
    suffix = "_dot" if mode == "jvp" else "_bar"
    raw_nodes = list(_walk(gast.gast_to_ast(raw).body))
    alias = _aliases(raw_nodes, opt)
    real_lines = {r.lineno: r for r, _ in _walk(real.body)}
    for st in plan.stmts:
        lines = [n for n, reverse in raw_nodes if getattr(n, "lineno", 0) == _TAG + st.index
                 and (reverse or mode == "jvp")]
        found: List[Optional[str]] = []
        copied: List[bool] = []
        for t in st.targets:
            pattern = re.compile(re.escape(t) + suffix + r"(_\d+)?$")
            used = {n for line in lines for n in (_written(line) if mode == "jvp" else _consumed(line))}
            name = next((n for n in sorted(used) if pattern.match(n)), None)
            found.append(_resolve(alias, name))
            copied.append(name in alias)
        plan.names[st.index] = found
        if mode != "jvp":
            continue
        for j, name in enumerate(found):  # read after the line assigning it, or (a copy) after the primal line
            for lineno, role in plan.lines.items():
                if role.tag == st.index and name is not None and (
                        (role.primal and copied[j]) or name in _written(real_lines[lineno])):
                    plan.capture.setdefault(lineno, []).append((st.index, j, name))


def _aliases(raw_nodes: List[Tuple[Any, bool]], opt: Any) -> Dict[str, str]:
    """``a -> b`` for the copies ``a = b`` the optimizer removed (``a`` no longer exists)."""
    present = {n.id for n in gast.walk(opt) if isinstance(n, gast.Name)}
    return {n.targets[0].id: n.value.id for n, _ in raw_nodes
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) and isinstance(n.value, ast.Name)
            and n.targets[0].id not in present}


def _resolve(alias: Dict[str, str], name: Optional[str]) -> Optional[str]:
    seen = set()
    while name in alias and name not in seen:
        seen.add(name)
        name = alias[name]
    return name


def _consumed(node: Any) -> Set[str]:
    """Names a reverse-sweep line reads, except ``x_bar`` in its own accumulation
    ``x_bar = x_bar + ...`` / ``x_bar = _tl.add(x_bar, ...)``."""
    value = getattr(node, "value", node)
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        acc = node.targets[0].id
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) and _is_name(value.left, acc):
            value = value.right
        elif isinstance(value, ast.Call) and getattr(value.func, "attr", "") == "add" and value.args \
                and _is_name(value.args[0], acc):
            value = ast.Tuple(elts=value.args[1:], ctx=ast.Load())
    return {n.id for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _is_name(node: Any, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


# --------------------------------------------------------------------------- running it


@dataclass
class _Occurrence:
    stmt: int
    values: List[Any]
    iteration: Tuple[int, ...]
    derivs: List[Any]
    swept: bool = False  # its reverse sweep ran


class _Recorder:
    """Follows the generated function line by line (``sys.settrace`` on its frame only)."""

    def __init__(self, plan: _Plan, mode: str):
        self.plan, self.mode = plan, mode
        self.occurrences: List[_Occurrence] = []
        self.stacks: Dict[int, List[_Occurrence]] = {}
        self.last: Dict[int, _Occurrence] = {}
        self.counters: Dict[int, int] = {}
        self.prev: Optional[int] = None
        self.final: Dict[str, Any] = {}
        self.frame: Any = None

    def run(self, fn: Callable, args: List[Any]) -> Any:
        code = fn.__code__

        def local(frame: Any, event: str, arg: Any) -> Any:
            if frame is self.frame and event in ("line", "return"):
                self.step(frame, frame.f_lineno if event == "line" else None)
            return local

        def start(frame: Any, event: str, arg: Any) -> Any:
            if event == "call" and frame.f_code is code and self.frame is None:
                self.frame = frame
                return local
            return None

        previous = sys.gettrace()
        sys.settrace(start)
        try:
            return fn(*args)
        finally:
            sys.settrace(previous)

    def step(self, frame: Any, line: Optional[int]) -> None:
        prev, plan = self.prev, self.plan
        if line is not None:
            line = plan.starts.get(line, line)
            if line == prev:  # (the same statement, on another of its lines)
                return
        if prev is not None:
            self.after(prev, frame)
        if line is None:
            self.final = dict(frame.f_locals)
            self.fallback()
            return
        if line in plan.loops and (prev is None or not line <= prev <= plan.loops[line]):
            self.counters[line] = 0  # the loop starts (again)
        if line in plan.first:
            header = plan.first[line]
            self.counters[header] = self.counters.get(header, 0) + 1
        role = plan.lines.get(line)
        if role is not None and role.reverse:
            before = plan.lines.get(prev) if prev is not None else None
            if before is None or not before.reverse or before.tag != role.tag:
                self.sweep(role.tag, frame.f_locals)
        self.prev = line

    def after(self, line: int, frame: Any) -> None:
        role = self.plan.lines.get(line)
        if role is None:
            return
        loc = frame.f_locals
        if role.primal:
            st = self.plan.stmts[role.tag]
            iteration = tuple(self.counters.get(h, 0) for h in self.plan.enclosing.get(line, ()))
            occ = _Occurrence(role.tag, [_snap(loc.get(t)) for t in st.targets], iteration, [None] * len(st.targets))
            self.occurrences.append(occ)
            self.stacks.setdefault(role.tag, []).append(occ)
            self.last[role.tag] = occ
        for stmt, j, name in self.plan.capture.get(line, []):
            if stmt in self.last and name in loc:
                self.last[stmt].derivs[j] = _snap(loc[name])

    def sweep(self, tag: int, loc: Any) -> None:
        """The reverse sweep reaches (one execution of) statement ``tag``: its adjoints are complete."""
        stack = self.stacks.get(tag)
        if not stack:
            return
        occ = stack.pop()
        occ.swept = True
        for j, name in enumerate(self.plan.names[tag]):
            if name is not None and name in loc:
                occ.derivs[j] = _snap(loc[name])

    def fallback(self) -> None:
        """Reverse mode, a statement whose sweep the optimizer emptied (a copy): outside loops,
        its adjoint variable is assigned once, and its final value is the adjoint."""
        if self.mode != "vjp":
            return
        for occ in self.occurrences:
            st = self.plan.stmts[occ.stmt]
            if occ.swept or st.loops:
                continue
            for j, name in enumerate(self.plan.names[occ.stmt]):
                if name is not None and name in self.final and name in self.plan.stored_once:
                    occ.derivs[j] = _snap(self.final[name])


def _snap(v: Any) -> Any:
    """A copy of mutable values (arrays are updated in place by ``x[i] = v``)."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, list):
        return list(v)
    return v
