"""What the reverse sweep stores: ``tl.memory_report(f, *args)``.

The list of tape pushes is read from the generated forward sweep (``f_fwd``): which
variable, at which of your lines, inside which loop.  Their sizes for the given
inputs are measured by running that forward sweep alone (the primal computation
plus the pushes; no reverse sweep), so the report comes before any gradient::

    line  variable   loop        pushes      bytes
    15    x          for (14)      1000      8,000
    ...
    tape total                     1000      8,000
    other residuals                  3        352
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from .. import api


@dataclass
class PushSite:
    line: int  # line in the generated file
    variable: str
    user_line: str  # "file.py:12"
    loop: str  # "for (file.py:11)" or "-" outside loops
    count: int = 0
    nbytes: int = 0


@dataclass
class MemoryReport:
    function: str
    sites: List[PushSite] = field(default_factory=list)
    residual_bytes: int = 0
    residual_count: int = 0

    @property
    def tape_bytes(self) -> int:
        return sum(s.nbytes for s in self.sites)

    @property
    def tape_entries(self) -> int:
        return sum(s.count for s in self.sites)

    def __str__(self) -> str:
        rows = [("user line", "variable", "loop", "pushes", "bytes")]
        for s in self.sites:
            rows.append((s.user_line, s.variable, s.loop, f"{s.count:,}", f"{s.nbytes:,}"))
        rows.append(("tape total", "", "", f"{self.tape_entries:,}", f"{self.tape_bytes:,}"))
        rows.append(("other residuals", "", "", f"{self.residual_count:,}", f"{self.residual_bytes:,}"))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = [f"memory of the reverse sweep of {self.function}:"]
        for i, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) if j < 3 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))))
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)


def nbytes(value: Any, _seen: Optional[set] = None) -> int:
    """Bytes of data held by a value: array buffers (a view counts the buffer it keeps alive, its
    base's, once: a broadcast view of a number is 8 bytes, a slice of a counted array nothing),
    8 per number (16 per complex), 8 per reference a container or an object holds.
    Object headers are left out: their sizes change between Python and NumPy versions, and the
    same computation then reports the same bytes everywhere."""
    seen = _seen if _seen is not None else set()
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        owner = value
        while isinstance(owner.base, np.ndarray):
            owner = owner.base
        if owner is value:
            return int(value.nbytes)
        if id(owner) in seen:
            return 0
        seen.add(id(owner))
        return int(owner.nbytes)
    if isinstance(value, np.generic):
        return int(value.nbytes)
    if value is None:
        return 0
    if isinstance(value, (bool, int, float)):
        return 8
    if isinstance(value, complex):
        return 16
    if isinstance(value, (list, tuple)):
        return 8 * len(value) + sum(nbytes(v, seen) for v in value)
    if isinstance(value, dict):
        return 16 * len(value) + sum(nbytes(v, seen) for v in value.values())
    if hasattr(value, "__dict__") and not callable(value):  # e.g. a checkpointed loop's snapshots
        return nbytes(vars(value), seen)
    return sys.getsizeof(value)


def memory_report(f: Callable, *args: Any, wrt: api.Wrt = None, save_all: bool = False,
                  **kwargs: Any) -> MemoryReport:
    """Report what the reverse sweep of ``f`` stores for these inputs (see module doc).
    ``save_all=True`` reports a variant that saves every overwritten value instead of only
    those the reverse sweep reads (what tape-everything tools do), for comparison."""
    fn = api._unwrap(f)
    names, _ = api.resolve_wrt(fn, wrt)
    values = api.bind_args(fn, args, kwargs)
    module = api.compiled(fn, "vjp", names, api._spec(values), ("save_all",) if save_all else ())
    fwd_name = module.__tl_meta__["functions"][1]
    fwd = getattr(module, fwd_name)
    text = module.__tl_text__
    sites, tape_name = _push_sites(text, fwd_name)
    by_line = {s.line: s for s in sites}
    state: Dict[str, Any] = {"pending": None}
    code = fwd.__code__

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not code:
            return None
        if event in ("line", "return"):
            pending = state["pending"]
            if pending is not None:
                tape = frame.f_locals.get(tape_name)
                if tape:
                    pending.count += 1
                    pending.nbytes += nbytes(tape[-1])
                state["pending"] = None
            if event == "line" and frame.f_lineno in by_line:
                state["pending"] = by_line[frame.f_lineno]
        return tracer

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        _, residuals = fwd(*values)
    finally:
        sys.settrace(old)
    report = MemoryReport(fn.__qualname__, [s for s in sites if s.count])
    res_names = _residual_names(text, fwd_name)
    for name, value in zip(res_names, residuals):
        if name != tape_name and name not in api._params(fn):
            report.residual_count += 1
            report.residual_bytes += nbytes(value)
    return report


def _push_sites(text: str, fwd_name: str) -> Tuple[List[PushSite], str]:
    """Push statements of ``fwd_name`` with their user line and enclosing loop."""
    tree = ast.parse(text)
    fdef = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fwd_name)
    lines = text.splitlines()
    sites: List[PushSite] = []
    tape_name = "_tape"

    def user_line(lineno: int) -> str:
        for i in range(lineno - 1, fdef.lineno - 1, -1):
            stripped = lines[i - 1].strip() if i >= 1 else ""
            if stripped.startswith("# ") and ".py:" in stripped:
                return stripped[2:].split(": ", 1)[0]
        return "-"

    def visit(body: List[ast.stmt], loop: str) -> None:
        nonlocal tape_name
        for stmt in body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                if isinstance(call.func, ast.Attribute) and call.func.attr == "append" \
                        and isinstance(call.func.value, ast.Name) and call.func.value.id.startswith("_tape"):
                    tape_name = call.func.value.id
                    var = ast.unparse(call.args[0]) if hasattr(ast, "unparse") else "?"
                    sites.append(PushSite(stmt.lineno, var, user_line(stmt.lineno), loop))
            if isinstance(stmt, (ast.For, ast.While)):
                kind = "for" if isinstance(stmt, ast.For) else "while"
                visit(stmt.body, f"{kind} ({user_line(stmt.lineno)})")
            elif isinstance(stmt, ast.If):
                visit(stmt.body, loop)
                visit(stmt.orelse, loop)

    visit(fdef.body, "-")
    return sites, tape_name


def _residual_names(text: str, fwd_name: str) -> List[str]:
    tree = ast.parse(text)
    fdef = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fwd_name)
    ret = fdef.body[-1]
    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple) and len(ret.value.elts) == 2:
        res = ret.value.elts[1]
        if isinstance(res, ast.Tuple):
            return [e.id for e in res.elts if isinstance(e, ast.Name)]
    return []
