"""Generate docs/numpy-coverage.md from tangent_lite.REGISTRY, so the page cannot drift.

    python docs/gen_coverage.py           # rewrite docs/numpy-coverage.md
    python docs/gen_coverage.py --check   # exit 1 if the committed page is out of date

tests/test_docs.py compares the committed page with :func:`render` as well.  The page
lists every registered primitive (NumPy, ``math``, builtins, operators) with the
arguments its JVP and VJP rules differentiate, the ndarray methods and attributes the
compiler maps onto them, and, in a short separate section, the runtime helpers that
generated code calls (they have rules so that generated code can be differentiated again).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from typing import Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "numpy-coverage.md")

GROUPS = [  # (registry name prefix, section title), in page order
    ("numpy.", "NumPy"),
    ("numpy.linalg.", "NumPy: `numpy.linalg`"),
    ("numpy.fft.", "NumPy: `numpy.fft`"),
    ("math.", "`math`"),
    ("builtins.", "Builtins"),
    ("operator.", "Operators"),
    ("scipy.special.", "SciPy: `scipy.special` (registered only when SciPy is installed)"),
    ("scipy.linalg.", "SciPy: `scipy.linalg` (registered only when SciPy is installed)"),
    ("scipy.stats.", "SciPy: `scipy.stats` distributions (registered only when SciPy is installed)"),
]
RUNTIME = "tangent_lite."


def _group(name: str) -> str:
    for prefix, _ in sorted(GROUPS, key=lambda g: -len(g[0])):  # longest prefix first
        if name.startswith(prefix):
            return prefix
    return RUNTIME if name.startswith(RUNTIME) else "other"


def _syntax() -> Dict[str, str]:
    """operator.<name> -> the Python syntax the compiler lowers to it (``x + y``)."""
    from tangent_lite.frontend import anf

    out = {}
    x, y = ast.Name(id="x", ctx=ast.Load()), ast.Name(id="y", ctx=ast.Load())
    for op_cls, fn in anf.BINOPS.items():
        node = ast.BinOp(left=x, op=getattr(ast, op_cls.__name__)(), right=y)
        out[f"operator.{fn.__name__}"] = ast.unparse(node)
    for op_cls, fn in anf.UNARYOPS.items():
        node = ast.UnaryOp(op=getattr(ast, op_cls.__name__)(), operand=x)
        out[f"operator.{fn.__name__}"] = ast.unparse(node)
    return out


def _methods() -> Dict[str, List[str]]:
    """numpy.<name> -> the ndarray methods/attributes that lower to it."""
    from tangent_lite.frontend import anf

    out: Dict[str, List[str]] = {}
    for method, (fname, _pack) in anf.METHODS.items():
        out.setdefault(f"numpy.{fname}", []).append(f"`x.{method}(...)`")
    for attr, fname in anf.ATTR_CALLS.items():
        out.setdefault(f"numpy.{fname}", []).append(f"`x.{attr}`")
    return out


def _args(prim, table) -> str:
    if not table:
        return "—"
    return ", ".join(f"`{prim.params[i]}`" for i in sorted(table))


def _notes(prim, syntax: Dict[str, str], methods: Dict[str, List[str]]) -> str:
    notes = []
    if prim.name in syntax:
        code = syntax[prim.name]
        # a "|" would end the table cell on GitHub, even inside backticks
        notes.append(f"<code>{code.replace('|', '&#124;')}</code>" if "|" in code else f"`{code}`")
    if prim.name in methods:
        notes.append("also " + ", ".join(methods[prim.name]))
    if prim.nondiff:
        notes.append("non-differentiable (derivative zero)")
    else:
        ruled = set(prim.jvps) | set(prim.vjps)
        none = [p for i, p in enumerate(prim.params) if i not in ruled]
        if none:
            notes.append("no derivative through " + ", ".join(f"`{p}`" for p in none))
    return "; ".join(notes)


def _counts(prims) -> Tuple[int, int, int, int]:
    return (len(prims), sum(1 for p in prims if p.jvps), sum(1 for p in prims if p.vjps),
            sum(1 for p in prims if p.nondiff))


def shipped(prim) -> bool:
    """Rules that come with tangent_lite (a program may have registered rules of its own)."""
    rules = list(prim.jvps.values()) + list(prim.vjps.values())
    return all(str(getattr(r.fn, "__module__", "")).startswith("tangent_lite.") for r in rules)


def _merged(registry) -> list:
    """The registry's primitives, one per name.  On an older NumPy a function it lacks is
    registered once per rule under a stand-in object (the rules never match); merging by
    name makes the page the same for every supported NumPy version."""
    from tangent_lite.rules.registry import Primitive

    out: Dict[str, Primitive] = {}
    for p in registry:  # sorted by name
        if not shipped(p):
            continue
        m = out.get(p.name)
        if m is None:
            out[p.name] = Primitive(p.fn, p.name, list(p.params), dict(p.jvps), dict(p.vjps), p.nondiff,
                                    set(p.constant_params))
        else:
            m.jvps.update(p.jvps)
            m.vjps.update(p.vjps)
            m.params = m.params or list(p.params)
            m.constant_params |= p.constant_params
    return list(out.values())


def _helper_name(p) -> str:
    """``_tl.<helper>``: how generated code spells a runtime helper, whichever module of
    ``tangent_lite.runtime`` defines it."""
    return "_tl." + p.name.rpartition(".")[2]


def render() -> str:
    """The text of docs/numpy-coverage.md for the registry as it is now."""
    import tangent_lite as tl

    prims = _merged(tl.REGISTRY)
    syntax, methods = _syntax(), _methods()
    by_group: Dict[str, list] = {}
    for p in prims:
        by_group.setdefault(_group(p.name), []).append(p)
    user = [p for p in prims if _group(p.name) != RUNTIME]
    runtime = by_group.get(RUNTIME, [])

    lines = [
        "# NumPy, math and builtins coverage",
        "",
        "<!-- GENERATED by docs/gen_coverage.py from tangent_lite.REGISTRY: do not edit by hand.",
        "     Run `python docs/gen_coverage.py` after changing a rule; tests/test_docs.py fails if",
        "     this page and the registry disagree. -->",
        "",
        "Every function below is a *primitive*: tangent_lite differentiates a call to it with the",
        "rules registered in `tangent_lite/rules/` (one rule per argument and mode), inlined into",
        "the generated code. A call to anything else is either transformed from its Python source",
        "(your own functions) or refused with the registration code to write (see",
        "[Custom rules](custom-rules.md)). The tables are generated from `tangent_lite.REGISTRY`.",
        "",
        "- **JVP** / **VJP**: the arguments that forward-mode (JVP) and reverse-mode (VJP) rules",
        "  differentiate, by parameter name. Other arguments (`axis`, `shape`, `dtype`, masks) are",
        "  read but carry no derivative.",
        "- **non-differentiable**: the result is an integer, a boolean, an index or piecewise",
        "  constant (`np.floor`, `np.argmax`, comparisons), so its derivative is zero; calls are",
        "  allowed and no derivative flows through them.",
        "- Rules work for Python floats and float arrays of any shape; broadcasting is summed",
        "  back in reverse mode.",
        "",
        "## Counts",
        "",
        "| group | primitives | with JVP rules | with VJP rules | non-differentiable |",
        "|---|---:|---:|---:|---:|",
    ]
    for prefix, title in GROUPS:
        group = by_group.get(prefix, [])
        lines.append("| {} | {} | {} | {} | {} |".format(title, *_counts(group)))
    lines.append("| **total** | **{}** | **{}** | **{}** | **{}** |".format(*_counts(user)))
    lines += [
        "",
        f"Plus {len(runtime)} runtime helpers of generated code ([below](#runtime-helpers)).",
        "",
    ]
    for prefix, title in GROUPS:
        group = by_group.get(prefix, [])
        if not group:
            continue
        lines += [f"## {title}", "", "| function | JVP | VJP | notes |", "|---|---|---|---|"]
        for p in group:
            lines.append(f"| `{p.name}` | {_args(p, p.jvps)} | {_args(p, p.vjps)} | {_notes(p, syntax, methods)} |")
        lines.append("")

    from tangent_lite.frontend import anf

    lines += [
        "## Array methods and attributes",
        "",
        "Method calls on arrays are lowered to the NumPy function of the same table entry, so",
        "they have the same rules; the attributes below carry no derivative.",
        "",
        "| written | differentiated as |",
        "|---|---|",
    ]
    for method, (fname, _pack) in sorted(anf.METHODS.items()):
        lines.append(f"| `x.{method}(...)` | `numpy.{fname}` |")
    from tangent_lite.frontend.lowering import common, numpy_forms

    for method, (fname, _pack) in sorted(common.RUNTIME_METHODS.items()):
        lines.append(f"| `x.{method}(...)` | `_tl.{fname}` (below) |")
    for attr, fname in sorted(anf.ATTR_CALLS.items()):
        lines.append(f"| `x.{attr}` | `numpy.{fname}` |")
    lines.append(f"| {', '.join(f'`x.{a}`' for a in sorted(anf.NONDIFF_ATTRS))} | non-differentiable |")
    lines += [
        "",
        "## Call forms written out",
        "",
        "These calls are rewritten to calls of the primitives above before they are differentiated",
        "(`tangent_lite/frontend/lowering/numpy_forms.py`). `reduce` takes `axis` (0 by default, as",
        "NumPy's), `keepdims`, `dtype`, `initial` and `where`; `out=` is refused; another ufunc's",
        "`reduce`/`accumulate` is refused by name when derivatives flow through it. The spacing of",
        "`np.gradient` (a scalar or coordinates) carries no derivative (refused when it has one).",
        "",
        "| written | differentiated as |",
        "|---|---|",
    ]
    for table, method in ((numpy_forms.REDUCE, "reduce"), (numpy_forms.ACCUMULATE, "accumulate")):
        for ufunc, fname in table.items():
            lines.append(f"| `np.{ufunc.__name__}.{method}(x, axis=0, ...)` | `numpy.{fname}(x, axis=0, ...)` |")
    lines += [
        "| `ufunc.outer(a, b)`, any binary ufunc with rules | `ufunc(np.reshape(a, _tl.outer_shape(a, b)), b)` |",
        "| `np.einsum(a, [0, 1], b, [1, 2], [0, 2])` (sublists) | `numpy.einsum('AB,BC->AC', a, b)` |",
        "| `np.gradient(f, *spacing, axis=, edge_order=)` | `_tl.gradient(f, spacing, axis, edge_order)` (below) |",
    ]
    lines += [
        "",
        "## Runtime helpers",
        "",
        "Generated code calls helpers from `tangent_lite.runtime` (imported as `_tl`). They are",
        "primitives too, so that tangent_lite can differentiate the code it generated (see",
        "[Higher-order derivatives](higher-order.md)); you do not call them yourself, except",
        "`tl.stop_gradient` and `tl.grad_hook` ([Custom rules](custom-rules.md)).",
        "",
        "| helper | JVP | VJP | notes |",
        "|---|---|---|---|",
    ]
    for p in sorted(runtime, key=_helper_name):
        lines.append(f"| `{_helper_name(p)}` | {_args(p, p.jvps)} | "
                     f"{_args(p, p.vjps)} | {_notes(p, syntax, methods)} |")
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        with open(PAGE, encoding="utf-8") as f:
            current = f.read()
        if current != text:
            print(f"{os.path.relpath(PAGE)} is out of date: run python docs/gen_coverage.py", file=sys.stderr)
            return 1
        return 0
    with open(PAGE, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(PAGE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
