"""The forward/reverse tables of AD courses, for your own function.

    >>> import math, tangent_lite as tl
    >>> def f(x1, x2):
    ...     return math.log(x1) + x1 * x2 - math.sin(x2)
    >>> print(tl.trace(f, 2.0, 5.0, mode="forward"))        # doctest: +SKIP
    forward mode trace of f(x1=2, x2=5), seed x1_dot = 1, x2_dot = 0
    v     line  name  statement           operation       value      tangent
    v_-1  1     x1    (input)                             2          1
    v_0   1     x2    (input)                             5          0
    v_1   2     _t0   _t0 = math.log(x1)  math.log(v_-1)  0.693147   0.5
    ...

One row per executed statement of the Wengert form (``tl.wengert(f)``), numbered as in
Griewank & Walther: n inputs are v_{1-n} ... v_0, statements v_1, v_2, ...  Statements in a
loop give one row per iteration.  Every number is read from the *generated* derivative code
as it runs (``f_jvp`` for forward mode, ``f_vjp`` for reverse mode), with ``sys.settrace``
restricted to that one function: the value of a variable right after the line assigning it,
the tangent ``x_dot`` right after its line, the adjoint ``x_bar`` when the reverse sweep
reaches the statement (complete by then: every later use has contributed).

How the numbers are read from the running code is :mod:`.recorder`'s job; this module
makes the table: arguments and seeds, the rows, and their text, Markdown and HTML.
"""

from __future__ import annotations

import ast
import html
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .. import api
from ..analysis.statements import return_atoms
from ..backends.display import code_span_html
from ..errors import ArgumentError
from ..frontend import anf
from ..syntax import gast, to_source
from .explain import display_order, flow, input_labels, is_straight_line, useful, v_form
from .recorder import _Plan, _plan, _Recorder

MODES = {"forward": "jvp", "jvp": "jvp", "reverse": "vjp", "vjp": "vjp"}

# --------------------------------------------------------------------------- the table


@dataclass
class Row:
    """One row: an input, or one execution of a Wengert statement."""

    v: str  # "v_-1", "v_3"
    name: str  # the variable in the Wengert form ("_t0", "h")
    statement: str  # "_t0 = math.log(x1)", or "(input)"
    operation: str  # the statement in v-names: "math.log(v_-1)"
    line: Optional[int]  # the user's line
    iteration: Tuple[int, ...]  # loop iteration numbers (1-based), outermost first
    value: Any
    derivative: Any  # tangent (forward) or adjoint (reverse); None: not computed by the generated code

    @property
    def tangent(self) -> Any:
        return self.derivative

    adjoint = tangent


class Trace:
    """A derivative table: ``str()`` (aligned text), ``.markdown()``, ``_repr_html_()`` (Jupyter).

    ``rows`` are in table order (reverse mode: the order of the reverse sweep, output first);
    ``trace["v_3"]`` is a row by its number; ``result`` is what the generated function returned:
    ``(output, output tangent)`` or ``(output, gradient)``."""

    def __init__(self, function: str, mode: str, rows: List[Row], title: str, footer: str, result: Any):
        self.function, self.mode, self.rows = function, mode, rows
        self.title, self.footer, self.result = title, footer, result

    def __getitem__(self, v: str) -> Row:
        for row in self.rows:
            if row.v == v:
                return row
        raise KeyError(v)

    def named(self, name: str) -> List[Row]:
        """The rows of variable ``name``, in execution order."""
        rows = [r for r in self.rows if r.name == name]
        return rows[::-1] if self.mode == "reverse" else rows

    def columns(self) -> List[Tuple[str, Callable[[Row], str]]]:
        cols: List[Tuple[str, Callable[[Row], str]]] = [("v", lambda r: r.v)]
        if any(r.iteration for r in self.rows):
            cols.append(("iter", lambda r: ".".join(map(str, r.iteration))))
        cols += [
            ("line", lambda r: "" if r.line is None else str(r.line)),
            ("name", lambda r: r.name),
            ("statement", lambda r: r.statement),
            ("operation", lambda r: r.operation),
            ("value", lambda r: format_value(r.value)),
            ("tangent" if self.mode == "forward" else "adjoint", lambda r: _format_derivative(r)),
        ]
        return cols

    def __str__(self) -> str:
        cols = self.columns()
        cells = [[h for h, _ in cols]] + [[get(r) for _, get in cols] for r in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
        return "\n".join([self.title] + lines + [self.footer])

    __repr__ = __str__

    def markdown(self) -> str:
        """The table as GitHub Markdown (names and statements in code spans)."""
        cols = self.columns()
        code = {"name", "statement", "operation"}

        def cell(header: str, text: str) -> str:
            text = text.replace("|", "\\|")
            return f"`{text}`" if text and (header in code or header == "v") else text

        lines = ["| " + " | ".join(h for h, _ in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        lines += ["| " + " | ".join(cell(h, get(r)) for h, get in cols) + " |" for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # Jupyter: a table, the statements highlighted
        cols = self.columns()
        code = {"statement"}
        head = "".join(f"<th>{html.escape(h)}</th>" for h, _ in cols)
        body = "".join("<tr>" + "".join(
            f"<td>{code_span_html(get(r)) if h in code else '<code>' + html.escape(get(r)) + '</code>'}</td>"
            for h, get in cols) + "</tr>" for r in self.rows)
        return (f"<p>{html.escape(self.title)}</p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<p>{html.escape(self.footer)}</p>")


def format_value(v: Any) -> str:
    """A short text for a value: ``0.693147``, ``array(3,) [0.1, 0.2, 0.3]``, ``range(0, 3)``."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return format_value(v.item())
        flat = v.ravel()
        shown = ", ".join(f"{x:.4g}" if isinstance(x, (float, np.floating)) else str(x) for x in flat[:3].tolist())
        shape = "(" + ", ".join(map(str, v.shape)) + ("," if v.ndim == 1 else "") + ")"
        return f"array{shape} [{shown}{', ...' if flat.size > 3 else ''}]"
    if isinstance(v, (tuple, list)):
        inner = ", ".join(format_value(x) for x in v[:3]) + (", ..." if len(v) > 3 else "")
        return f"({inner}{',' if len(v) == 1 else ''})" if isinstance(v, tuple) else f"[{inner}]"
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


_NOT_COMPUTED = "—"


def _format_derivative(row: Row) -> str:
    if row.derivative is None:
        return "" if not _numeric(row.value) else _NOT_COMPUTED
    if isinstance(row.derivative, _Zero):
        return "0" if _numeric(row.value) else ""
    return format_value(row.derivative)


def _numeric(v: Any) -> bool:
    """Can ``v`` carry a derivative (float, float array, or a container of them)?"""
    if isinstance(v, (tuple, list)):
        return any(_numeric(x) for x in v)
    if isinstance(v, np.ndarray):
        return np.issubdtype(v.dtype, np.inexact)
    return isinstance(v, (float, np.floating, complex, np.complexfloating))


class _Zero(float):
    """A structurally zero derivative (the code computes none: it is zero for every input)."""


ZERO = _Zero(0.0)


# --------------------------------------------------------------------------- trace


def trace(f: Callable, *args: Any, mode: str = "forward", wrt: api.Wrt = None, seed: Any = None,
          order: str = "levels", **kwargs: Any) -> Trace:
    """Run ``f``'s generated derivative on ``args`` and tabulate every statement.

    ``mode``: ``"forward"`` (tangents, from ``f_jvp``) or ``"reverse"`` (adjoints, from ``f_vjp``).
    ``wrt``: the arguments to differentiate (names or indices; default: every float argument;
    integers named here are converted to floats).  ``seed``: forward mode, the input tangents
    (a sequence pairing with ``wrt``, or a dict by name; default: a unit tangent on the first
    ``wrt`` argument, ``e_0`` for an array); reverse mode, the output cotangent(s) (default 1).
    ``order``: ``"levels"`` numbers straight-line code level by level as textbooks do;
    ``"program"`` in evaluation order (code with branches or loops always is).

    >>> t = tl.trace(f, 2.0, 5.0, mode="reverse")
    >>> t["v_-1"].adjoint                                    # doctest: +SKIP
    5.5
    """
    fn = api._unwrap(f)
    gen_mode = MODES.get(mode)
    if gen_mode is None:
        raise ArgumentError(f"unknown mode '{mode}'", hint="use 'forward' or 'reverse'")
    values = api.bind_args(fn, args, kwargs)
    params = api._params(fn)
    names = _wrt_names(fn, params, values, wrt)
    api._check_float(fn, names, values)
    module = api.compiled(fn, gen_mode, names)
    # (compiled() copied the current values of the user's globals in)
    functions = module.__tl_meta__["functions"]
    plan = _plan(fn, gen_mode, names, module, functions[0])
    seeds, seed_text = _seeds(gen_mode, module, functions, names, params, values, seed)
    rec = _Recorder(plan, gen_mode)
    result = rec.run(getattr(module, functions[0]), values + seeds)
    return _table(fn, plan, rec, gen_mode, names, params, values, seeds, seed_text, result, order)


def parse_values(argv_values: List[str]) -> List[Any]:
    """Command-line argument values: Python literals, lists become float arrays."""
    values = []
    for text in argv_values:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ArgumentError(f"cannot read the argument value {text!r}",
                                hint="write Python literals: 2.0, -1.5, [1.0, 2.0], '[[1, 2], [3, 4]]'") from None
        values.append(np.array(value, dtype=float) if isinstance(value, list) else value)
    return values


def trace_cli(fn: Callable, argv_values: List[str], mode: str = "vjp", wrt: Optional[str] = None) -> str:
    """``adgen model.py:f --emit trace 2.0 5.0``: parse each value with ``ast.literal_eval``
    (lists become float arrays) and return the printed table.  ``mode`` is adgen's
    ``--mode`` (``vjp``, its default: reverse; ``jvp``: forward); ``wrt`` its ``--wrt`` text.

    >>> print(trace_cli(f, ["2.0", "5.0"], mode="jvp"))     # doctest: +SKIP
    forward mode trace of f(x1=2, x2=5), seed x1_dot = 1, x2_dot = 0
    ..."""
    values = parse_values(argv_values)
    names: Any = None
    if wrt:
        names = [int(w) if w.strip().lstrip("-").isdigit() else w.strip() for w in wrt.split(",")]
    return str(trace(fn, *values, mode=mode, wrt=names))


def _wrt_names(fn: Callable, params: List[str], values: List[Any], wrt: api.Wrt) -> Tuple[str, ...]:
    if wrt is not None:
        names, _ = api.resolve_wrt(fn, wrt)
        for n in names:
            i = params.index(n)
            if isinstance(values[i], (int, np.integer)) and not isinstance(values[i], (bool, np.bool_)):
                values[i] = float(values[i])
        return names
    names = tuple(p for p, v in zip(params, values) if _numeric(v) and not isinstance(v, (tuple, list)))
    if not names:
        raise ArgumentError(f"'{fn.__qualname__}' got no float argument to differentiate",
                            hint="pass floats (2.0, not 2) or name the arguments with wrt=...")
    return names


def _seeds(mode: str, module: Any, functions: List[str], names: Sequence[str], params: List[str],
           values: List[Any], seed: Any) -> Tuple[List[Any], str]:
    if mode == "jvp":
        if seed is not None and not isinstance(seed, dict) and len(seed) != len(names):
            raise ArgumentError(f"{len(seed)} seed tangents for {len(names)} differentiated arguments "
                                f"({', '.join(names)})", hint="pass one per argument, or a dict by name")
        given = dict(seed) if isinstance(seed, dict) else dict(zip(names, seed)) if seed is not None else {}
        unknown = set(given) - set(names)
        if unknown:
            raise ArgumentError(f"seed for {sorted(unknown)}, which is not differentiated (wrt: {', '.join(names)})")
        tangents = []
        for i, n in enumerate(names):
            like = values[params.index(n)]
            if n in given:
                t = given[n]
                api._check_shape(f"the seed of '{n}'", t, like)
            else:
                t = np.zeros_like(like, dtype=float) if isinstance(like, np.ndarray) else 0.0
                if i == 0 and seed is None:
                    t = 1.0 if not isinstance(like, np.ndarray) else _unit(like)
            tangents.append(t)
        return tangents, ", ".join(f"{n}_dot = {format_value(t)}" for n, t in zip(names, tangents))
    n_out = module.__tl_meta__["outputs"]
    if seed is None:
        out = getattr(module, functions[1])(*values)[0]
        outs = list(out) if n_out > 1 else [out]
        seeds = [np.ones_like(o, dtype=float) if isinstance(o, np.ndarray) else 1.0 for o in outs]
    else:
        seeds = list(seed) if n_out > 1 else [seed]
        if len(seeds) != n_out:
            raise ArgumentError(f"the seed must be a sequence of {n_out} cotangents, one per output")
    return seeds, "output adjoint = " + ", ".join(format_value(s) for s in seeds)


def _unit(like: np.ndarray) -> np.ndarray:
    e = np.zeros_like(like, dtype=float)
    e.flat[0] = 1.0
    return e


# --------------------------------------------------------------------------- the rows


def _table(fn: Callable, plan: _Plan, rec: _Recorder, mode: str, wrt: Sequence[str], params: List[str],
           values: List[Any], seeds: List[Any], seed_text: str, result: Any, order: str) -> Trace:
    stmts, w = plan.stmts, plan.w
    labels = input_labels(params)
    outs = {a.id for a in return_atoms(w) if isinstance(a, gast.Name)}
    reach = flow(stmts, set(wrt)) if mode == "jvp" else useful(stmts, outs)
    rank = {st.index: i for i, st in enumerate(display_order(w, stmts, order))}
    occs = sorted(rec.occurrences, key=lambda o: rank[o.stmt]) if is_straight_line(w) else rec.occurrences
    number = {id(o): f"v_{i + 1}" for i, o in enumerate(occs)}
    first_line = w.src.first_lineno
    grads = result[1] if mode == "vjp" and len(wrt) > 1 else (result[1],) if mode == "vjp" else ()
    rows: List[Row] = []
    for p, value in zip(params, values):
        if p in wrt:
            deriv: Any = seeds[list(wrt).index(p)] if mode == "jvp" else grads[list(wrt).index(p)]
        else:
            deriv = ZERO if mode == "jvp" and _numeric(value) else None
        rows.append(Row(labels[p], p, "(input)", "", first_line, (), value, deriv))
    current = dict(labels)  # variable -> its latest row, for the operation column
    by_exec: Dict[int, Row] = {}
    for occ in rec.occurrences:
        st = stmts[occ.stmt]
        derivs = [d if d is not None else ZERO if (t not in reach) else None for t, d in zip(st.targets, occ.derivs)]
        single = len(st.targets) == 1
        row = Row(number[id(occ)], ", ".join(st.targets), st.text, v_form(st, current), st.line,
                  occ.iteration, occ.values[0] if single else tuple(occ.values),
                  derivs[0] if single else (None if all(d is None for d in derivs) else tuple(derivs)))
        by_exec[id(occ)] = row
        for t in st.targets:
            current[t] = row.v
    rows += [by_exec[id(o)] for o in occs]
    if mode == "vjp":
        rows.reverse()
    call = ", ".join(f"{p}={format_value(v)}" for p, v in zip(params, values))
    title = f"{'forward' if mode == 'jvp' else 'reverse'} mode trace of {fn.__qualname__}({call}), seed {seed_text}"
    footer = _footer(w, mode, result, current, wrt)
    if any(r.derivative is None and _numeric(r.value) for r in rows):
        footer += f"\n{_NOT_COMPUTED}: not computed by the generated code (" + (
            "it does not reach the output)" if mode == "jvp" else "no derivative flows back through it)")
    return Trace(fn.__qualname__, "forward" if mode == "jvp" else "reverse", rows, title, footer, result)


def _footer(w: anf.Wengert, mode: str, result: Any, current: Dict[str, str], wrt: Sequence[str]) -> str:
    atoms = return_atoms(w)
    outs = ", ".join(current.get(a.id, a.id) if isinstance(a, gast.Name) else to_source(a) for a in atoms)
    out, deriv = result
    if mode == "jvp":
        return f"output {outs} = {format_value(out)}, tangent {format_value(deriv)}"
    grads = deriv if len(wrt) > 1 else (deriv,)
    shown = ", ".join(f"{n}_bar = {format_value(g)}" for n, g in zip(wrt, grads))
    return f"output {outs} = {format_value(out)}; gradient: {shown}"


__all__ = ["trace", "trace_cli", "Trace", "Row", "format_value", "ZERO"]
