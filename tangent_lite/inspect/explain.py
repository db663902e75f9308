"""Why is my gradient zero?  A static answer, before anything runs.

    >>> import numpy as np, tangent_lite as tl
    >>> def f(x, y):
    ...     k = np.floor(x)
    ...     return k * y
    >>> print(tl.explain(f, wrt="x"))          # doctest: +SKIP
    explain f (example.py:1), output: return k * y (example.py:3)
      d/dx: structurally zero: the dependency is cut
          example.py:2: k = np.floor(x)
              np.floor(...) is piecewise constant: its derivative is zero almost everywhere

The analysis runs on the Wengert form (``tl.wengert(f)``): the *varied* set of an input
grows through every statement that passes derivatives (not through comparisons,
``int``, ``np.floor``, ``len``, ``.shape``, ``tl.stop_gradient``, ...).  If the output is
not varied, the derivative is zero for every input value, and the statements whose
inputs are varied but whose outputs are not are where the dependency is cut.

This module also holds the facts about Wengert statements that ``tl.trace`` and
``tl.graph`` share: :func:`statements`, :func:`display_order`, :func:`flow`.
"""

from __future__ import annotations

import ast
import html
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from .. import api, runtime
from ..analysis import run_time_checks
from ..analysis.callees import is_user_function, user_function
from ..analysis.statements import StmtInfo, assignments, describe, local_names, return_atoms
from ..errors import ArgumentError
from ..frontend import anf
from ..syntax import gast, to_source
from ..syntax.annotations import Key, get_anno

# --------------------------------------------------------------------------- Wengert statements


@dataclass
class Statement:
    """One assignment of the Wengert form, with what trace/graph/explain need to know."""

    index: int  # position in program order
    node: Any  # the gast Assign
    info: StmtInfo  # analysis.describe(node)
    targets: List[str]
    uses: List[str]  # local names read, in source order
    text: str  # "_t0 = math.log(x1)"
    line: int  # the user's line
    loops: Tuple[Any, ...] = ()  # enclosing loop nodes, outermost first
    controls: Tuple[str, ...] = ()  # names of enclosing branch tests / loop flags / loop sequences

    @property
    def value_text(self) -> str:
        return self.text.split(" = ", 1)[1] if " = " in self.text else self.text


def statements(w: anf.Wengert) -> List[Statement]:
    """Every assignment (and in-place list update, ``L.append(v)``) of ``w`` in program order:
    the rows of a trace, the nodes of a graph."""
    out: List[Statement] = []
    wanted = {id(s) for s in assignments(w.fdef.body)}

    def walk(body: List[Any], loops: Tuple[Any, ...], controls: Tuple[str, ...]) -> None:
        for stmt in body:
            if id(stmt) in wanted:
                info = describe(stmt)
                targets = list(info.targets) if isinstance(stmt, gast.Assign) else [stmt.value.func.value.id]
                line = get_anno(stmt, Key.ORIGIN) or getattr(stmt, "lineno", None) or w.src.first_lineno
                out.append(Statement(len(out), stmt, info, targets, _uses(stmt), to_source(stmt), line, loops,
                                     controls))
            elif isinstance(stmt, gast.If):
                inner = controls + tuple(_uses(stmt.test))
                walk(stmt.body, loops, inner)
                walk(stmt.orelse, loops, inner)
            elif isinstance(stmt, (gast.For, gast.While)):
                test = stmt.iter if isinstance(stmt, gast.For) else stmt.test
                walk(stmt.body, loops + (stmt,), controls + tuple(_uses(test)))

    walk(w.fdef.body, (), ())
    return out


def _uses(node: Any) -> List[str]:
    """Local names ``node`` reads, in source order, each once."""
    names = local_names(node)
    order: List[str] = []
    for n in _in_order(node):
        if isinstance(n, gast.Name) and n.id in names and n.id not in order:
            order.append(n.id)
    return order


def _in_order(node: Any) -> Iterator[Any]:
    yield node
    for child in gast.iter_child_nodes(node):
        yield from _in_order(child)


def is_straight_line(w: anf.Wengert) -> bool:
    """No branches, loops or in-place updates: any dependency order is a valid evaluation order."""
    simple = all(isinstance(s, (gast.Assign, gast.Return, gast.Pass)) or run_time_checks.is_check(s)
                 for s in w.fdef.body)  # (a run-time check computes nothing)
    return simple and not any(isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript)
                              for s in w.fdef.body)


def v_form(st: Statement, names: Dict[str, str]) -> str:
    """The statement with the variables it reads renamed by ``names``: ``math.log(v_-1)``
    (the right-hand side; in-place updates whole: ``v_1[0] = v_0``, ``v_1.append(v_3)``)."""
    node = ast.parse(st.text).body[0]
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in names and n.id in st.uses:
            n.id = names[n.id]
    whole = not isinstance(node, ast.Assign) or isinstance(node.targets[0], ast.Subscript)
    return ast.unparse(node if whole else node.value)


def display_order(w: anf.Wengert, stmts: List[Statement], order: str = "levels") -> List[Statement]:
    """The order rows/nodes are numbered v_1, v_2, ...

    ``"levels"``: straight-line code is listed level by level (a statement's level is one more
    than the highest level of its inputs; inputs are level 0), program order within a level,
    as in the tables of Baydin et al.; code with branches or loops keeps program order.
    ``"program"``: the order tangent_lite evaluates the statements (left to right, as Python)."""
    if order not in ("levels", "program"):
        raise ArgumentError(f"unknown order '{order}'", hint="use 'levels' or 'program'")
    if order == "program" or not is_straight_line(w):
        return list(stmts)
    level: Dict[str, int] = {p: 0 for p in w.params}
    levels = []
    for st in stmts:
        lv = 1 + max((level.get(u, 0) for u in st.uses), default=0)
        levels.append(lv)
        for t in st.targets:
            level[t] = lv
    return sorted(stmts, key=lambda st: (levels[st.index], st.index))


def input_labels(params: Sequence[str]) -> Dict[str, str]:
    """Griewank & Walther's numbering of n inputs: v_{1-n} ... v_0."""
    n = len(params)
    return {p: f"v_{i + 1 - n}" for i, p in enumerate(params)}


# --------------------------------------------------------------------------- dataflow


_NO_FLOW = ("nondiff", "const")


def flow(stmts: List[Statement], start: Set[str], through: Optional[Callable[[Statement, str], bool]] = None,
         control: bool = False) -> Set[str]:
    """Names reachable from ``start`` (forward, to a fixpoint: loops need nothing special).

    Only statements that pass derivatives are followed unless ``through`` says otherwise
    (``through(stmt, input_name)``); with ``control``, a varied branch test or loop bound
    makes everything assigned under it reachable too."""
    through = through or _passes_derivative
    reached = set(start)
    changed = True
    while changed:
        changed = False
        for st in stmts:
            hit = any(u in reached and through(st, u) for u in st.uses)
            hit = hit or (control and any(c in reached for c in st.controls))
            if hit and not set(st.targets) <= reached:
                reached |= set(st.targets)
                changed = True
    return reached


def useful(stmts: List[Statement], outputs: Set[str], control: bool = False) -> Set[str]:
    """Names that reach ``outputs`` (backward) through statements that pass derivatives
    (``control``: through any statement, and from an assignment to its branch tests)."""
    reached = set(outputs)
    changed = True
    while changed:
        changed = False
        for st in stmts:
            if not set(st.targets) & reached:
                continue
            new = {u for u in st.uses if control or _passes_derivative(st, u)}
            if control:
                new |= set(st.controls)
            if not new <= reached:
                reached |= new
                changed = True
    return reached


def _passes_derivative(st: Statement, name: str) -> bool:
    if st.info.kind in _NO_FLOW:
        return False
    if st.info.kind == "user":
        params = [p for p, a in st.info.bound.items() if name in local_names(a)]
        return any(_callee_flows(st.info.callee, p) for p in params)
    return True


_IN_PROGRESS: Set[Tuple[Any, str]] = set()


def _callee_flows(fn: Any, param: str) -> bool:
    """Does some output of the user function ``fn`` depend differentiably on ``param``?"""
    key = (fn, param)
    if key in _IN_PROGRESS:  # recursion: assume it does
        return True
    _IN_PROGRESS.add(key)
    try:
        w = anf.lower(fn)
        stmts = statements(w)
        varied = flow(stmts, {param})
        return any(isinstance(a, gast.Name) and a.id in varied for a in return_atoms(w))
    finally:
        _IN_PROGRESS.discard(key)


# --------------------------------------------------------------------------- explain


@dataclass
class Cut:
    """A statement where the dependency of the output on an input stops carrying a derivative."""

    location: str  # "model.py:12"
    source_line: str  # the user's line there
    statement: str  # the Wengert statement ("k = np.floor(x)")
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.statement}\n    {self.reason}"


@dataclass
class Finding:
    """The verdict for one (output, input) pair."""

    output: int  # the index of the returned value
    wrt: str
    status: str  # "nonzero" (may be nonzero), "cut" or "no path" (both: structurally zero)
    cuts: List[Cut] = field(default_factory=list)  # for "cut"; for "nonzero": parts that are cut
    path: List[str] = field(default_factory=list)  # for "nonzero": statements the derivative flows along

    @property
    def zero(self) -> bool:
        """Structurally zero: the derivative is 0 for every input value."""
        return self.status != "nonzero"


@dataclass
class Explanation:
    """The report of :func:`explain`; ``str()`` it, or read ``findings``."""

    function: str
    outputs: Dict[int, str]  # output index -> description
    findings: List[Finding]

    def finding(self, wrt: str, output: Optional[int] = None) -> Finding:
        """The verdict for input ``wrt`` (and output index ``output``; default: the first explained)."""
        for f in self.findings:
            if f.wrt == wrt and (output is None or f.output == output):
                return f
        raise KeyError(wrt)

    def __str__(self) -> str:
        lines = [f"explain {self.function}"]
        for index, description in self.outputs.items():
            lines.append(f"  {description}")
            for f in self.findings:
                if f.output == index:
                    lines.extend("    " + text for text in _finding_lines(f))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:  # Jupyter: the report, its verdicts coloured
        colours = {"structurally zero": "#b00020", "may be nonzero": "#1b7f3b"}
        out = []
        for line in str(self).split("\n"):
            text = html.escape(line)
            for verdict, colour in colours.items():
                text = text.replace(verdict, f'<b style="color:{colour}">{verdict}</b>', 1)
            out.append(text)
        return '<pre class="tangent-lite-explain">' + "\n".join(out) + "</pre>"


def _finding_lines(f: Finding) -> List[str]:
    d = f"d/d{f.wrt}"
    if f.status == "nonzero":
        out = [f"{d}: may be nonzero: the derivative flows along"]
        out += [f"    {p}" for p in f.path]
        if f.cuts:
            out.append("  (part of the dependency is cut, and contributes nothing:)")
            out += ["    " + line for c in f.cuts for line in str(c).split("\n")]
        return out
    if f.status == "no path":
        return [f"{d}: structurally zero: no path, the output does not depend on {f.wrt} at all"]
    out = [f"{d}: structurally zero: the dependency is cut"]
    return out + ["    " + line for c in f.cuts for line in str(c).split("\n")]


Wrt = Union[None, int, str, Sequence[Union[int, str]]]


def explain(f: Callable, wrt: Wrt = None, output: Optional[int] = None) -> Explanation:
    """Say, without running ``f``, whether d output / d input is structurally zero, and why.

    ``wrt``: argument names or indices (default: every argument); ``output``: the index of
    one returned value (default: all of them).  For each pair the verdict is one of

    - ``may be nonzero``, with the chain of statements the derivative flows along;
    - ``structurally zero: the dependency is cut``, naming each statement (file:line) where
      a varied value enters a non-differentiable operation (a comparison, ``int``,
      ``np.floor``, ``np.sign``, ``len``/``.shape``, ``tl.stop_gradient``, ...);
    - ``structurally zero: no path``: the output does not depend on the input at all.

    >>> print(tl.explain(f, wrt=("x", "n")))         # doctest: +SKIP
    """
    fn = api._unwrap(f)
    params = api._params(fn)
    names = list(params) if wrt is None else list(api.resolve_wrt(fn, wrt)[0])
    w = anf.lower(fn)
    stmts = statements(w)
    atoms = return_atoms(w)
    picks = list(range(len(atoms))) if output is None else [output]
    if not all(-len(atoms) <= i < len(atoms) for i in picks):
        raise ArgumentError(f"output={output} is out of range: '{fn.__qualname__}' returns {len(atoms)} value(s)")
    ret = w.fdef.body[-1]
    where = _location(w, ret)
    outputs: Dict[int, str] = {}
    findings = []
    for i in picks:
        index = i % len(atoms)
        label = "output" if len(atoms) == 1 else f"output {index}"
        outputs[index] = f"{label}: {where[1]} ({where[0]})"
        atom = atoms[i]
        out_names = {atom.id} if isinstance(atom, gast.Name) and atom.id in local_names(atom) else set()
        for p in names:
            findings.append(_explain_one(w, stmts, index, p, out_names))
    head = f"{fn.__qualname__} ({os.path.basename(w.src.filename)}:{w.src.first_lineno})"
    return Explanation(head, outputs, findings)


def _explain_one(w: anf.Wengert, stmts: List[Statement], index: int, p: str, outs: Set[str]) -> Finding:
    varied = flow(stmts, {p})
    depends = flow(stmts, {p}, through=lambda st, u: True, control=True)
    relevant = useful(stmts, outs, control=True)
    cuts = _cuts(w, stmts, varied, relevant)
    if outs & varied:
        return Finding(index, p, "nonzero", cuts, _path(stmts, p, outs, w))
    if outs & depends:
        return Finding(index, p, "cut", cuts)
    return Finding(index, p, "no path")


def _cuts(w: anf.Wengert, stmts: List[Statement], varied: Set[str], relevant: Set[str]) -> List[Cut]:
    """Statements reading a varied value that pass no derivative, on the way to the output."""
    out: List[Cut] = []
    seen: Set[Tuple[int, str]] = set()
    for st in stmts:
        hit = [u for u in st.uses if u in varied and not _passes_derivative(st, u)]
        if not hit or not set(st.targets) & relevant:
            continue
        key = (st.line, st.text)
        if key in seen:
            continue
        seen.add(key)
        loc, src = _location(w, st.node)
        reason = _reason(st, hit)
        controlled = [s for s in stmts if set(st.targets) & set(s.controls)]
        if controlled:
            reason += f"; the output depends on {', '.join(hit)} only through which branch/iteration runs"
        out.append(Cut(loc, src, st.text, reason))
    return out


def _location(w: anf.Wengert, node: Any) -> Tuple[str, str]:
    line = get_anno(node, Key.ORIGIN) or getattr(node, "lineno", None) or w.src.first_lineno
    return f"{os.path.basename(w.src.filename)}:{line}", w.src.line(line).strip()


_PIECEWISE = {np.floor, np.ceil, np.round, np.rint, np.trunc, np.sign, math.floor, math.ceil, math.trunc,
              round, int, bool, np.floor_divide}
_SHAPE = {len, np.shape, np.size, np.ndim}
_INDICES = {np.argmax, np.argmin, np.argsort, np.nonzero, np.count_nonzero}


def _reason(st: Statement, hit: List[str]) -> str:
    """Why ``st`` passes no derivative from ``hit``."""
    value, info = st.node.value, st.info
    callee = info.callee
    name = _callee_name(value, callee)
    if info.kind == "user":
        params = [p for p, a in info.bound.items() if set(hit) & local_names(a)]
        inner = [c for p in params for f in explain(info.callee, wrt=p).findings for c in f.cuts]
        where = "; inside: " + "; ".join(f"{c.location}: {c.statement}" for c in inner) if inner else ""
        return f"the call {name}(...) passes no derivative from {', '.join(hit)} to its result{where}"
    if isinstance(value, gast.Compare) or callee in (np.less, np.less_equal, np.greater, np.greater_equal,
                                                     np.equal, np.not_equal):
        return "a comparison: its result is a bool, with no derivative"
    if isinstance(value, (gast.BoolOp, gast.UnaryOp)):
        return "a boolean operation: its result has no derivative"
    if isinstance(value, gast.Attribute):
        return f"'.{value.attr}' depends on the array's shape or type, not on its values"
    if callee is runtime.stop_gradient:
        return "tl.stop_gradient(...) blocks the derivative on purpose"
    if callee in _PIECEWISE:
        return f"{name}(...) is piecewise constant: its derivative is zero almost everywhere"
    if callee in _SHAPE:
        return f"{name}(...) depends on the shape, not on the values"
    if callee in _INDICES:
        return f"{name}(...) returns indices (integers), which have no derivative"
    if is_user_function(callee):
        return f"{name} is not differentiated"
    return f"{name} is registered as non-differentiable (tl.nondifferentiable)"


def _callee_name(value: Any, callee: Any) -> str:
    if isinstance(value, gast.Call):
        return to_source(value.func)
    fn = user_function(callee)
    return getattr(fn, "__name__", None) or str(fn)


def _path(stmts: List[Statement], p: str, outs: Set[str], w: anf.Wengert) -> List[str]:
    """One chain of derivative-carrying statements from ``p`` to an output (breadth first)."""
    parent: Dict[str, Optional[Tuple[Statement, str]]] = {p: None}  # name -> (statement, the input it came from)
    frontier = [p]
    while frontier:
        nxt = []
        for st in stmts:
            for u in st.uses:
                if u in frontier and _passes_derivative(st, u):
                    for t in st.targets:
                        if t not in parent:
                            parent[t] = (st, u)
                            nxt.append(t)
        frontier = nxt
    hit = next((o for o in sorted(outs) if o in parent), None)
    chain: List[Statement] = []
    while hit is not None and parent.get(hit) is not None:
        st, hit = parent[hit]
        chain.append(st)
    lines = [f"{p} (argument)"]
    for st in reversed(chain):
        loc, _ = _location(w, st.node)
        lines.append(f"{loc}: {st.text}")
    if not chain:
        lines[0] = f"{p} (argument, returned as it is)"
    return lines


__all__ = ["explain", "Explanation", "Finding", "Cut", "Statement", "statements", "display_order", "flow",
           "useful", "input_labels"]
