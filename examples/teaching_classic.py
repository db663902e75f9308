"""The classic forward/reverse table of AD courses, computed by tangent_lite's generated code.

    f(x1, x2) = ln(x1) + x1*x2 - sin(x2)    at (x1, x2) = (2, 5)

(Griewank & Walther, "Evaluating Derivatives"; Baydin et al., JMLR 2018, table 2 and 3.)

Run with `.venv/bin/python examples/teaching_classic.py`.  Every number in the tables is read
from code that tangent_lite wrote: the primal column from running the Wengert form that
`tl.wengert(f)` prints, the tangent column from running the generated forward mode `f_jvp`,
the adjoint column from running the generated reverse mode `f_vjp`.  We execute the very text
`f.source(...)` returns and record its local variables with `sys.settrace`, so each row is
the value of one named variable of the generated code (`_t0_dot`, `_t3_bar`, ...).
The textbook's names (v-1, v0, v1 ... v5) are matched to ours by the structure of the Wengert
statements, not by their values.  The script asserts that every row agrees with the
published value to 3 decimals, and that the tables agree with `tl.jvp` / `tl.vjp`.
"""

import ast
import math
import sys

import tangent_lite as tl


@tl.differentiate
def f(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


X1, X2 = 2.0, 5.0

# The textbook's Wengert list: name -> (operation, operands), and its published numbers.
TEXTBOOK = {
    "v1": ("log", ("v-1",)),
    "v2": ("*", ("v-1", "v0")),
    "v3": ("sin", ("v0",)),
    "v4": ("+", ("v1", "v2")),
    "v5": ("-", ("v4", "v3")),
}
TEXT = {"v-1": "x1", "v0": "x2", "v1": "ln v-1", "v2": "v-1 * v0", "v3": "sin v0",
        "v4": "v1 + v2", "v5": "v4 - v3"}
PUBLISHED_VALUE = {"v-1": 2.0, "v0": 5.0, "v1": 0.693, "v2": 10.0, "v3": -0.959, "v4": 10.693, "v5": 11.652}
PUBLISHED_TANGENT = {"v-1": 1.0, "v0": 0.0, "v1": 0.5, "v2": 5.0, "v3": 0.0, "v4": 5.5, "v5": 5.5}
PUBLISHED_ADJOINT = {"v5": 1.0, "v4": 1.0, "v3": -1.0, "v2": 1.0, "v1": 1.0, "v0": 1.716, "v-1": 5.5}
PUBLISHED_RESULT = {"f": 11.652, "df/dx1": 5.5, "df/dx2": 1.716}
FORWARD_ORDER = ["v-1", "v0", "v1", "v2", "v3", "v4", "v5"]
REVERSE_ORDER = ["v5", "v4", "v3", "v2", "v1", "v0", "v-1"]


def banner(text):
    print("\n" + "=" * 86 + "\n" + text + "\n" + "=" * 86)


def agree(ours, published):
    """Equal to 3 decimals (the precision of the published tables)."""
    return abs(ours - published) <= 5e-4


# ------------------------------------------------------------------ running generated code


def load(text, name):
    """Execute module text (as printed by tangent_lite) and return the function ``name``."""
    namespace = {"math": math}
    exec(compile(text, f"<generated {name}>", "exec"), namespace)
    return namespace[name]


def run_traced(fn, *args):
    """Call ``fn``; return its result and, for each line it executed, (line, locals after it)."""
    code = fn.__code__
    events = []

    def local(frame, event, arg):
        if event in ("line", "return"):
            events.append((frame.f_lineno, dict(frame.f_locals)))
        return local

    sys.settrace(lambda frame, event, arg: local if frame.f_code is code else None)
    try:
        result = fn(*args)
    finally:
        sys.settrace(None)
    # a 'line' event fires before its line runs: the line's effect is in the next snapshot
    steps = [(line, events[i + 1][1]) for i, (line, _) in enumerate(events[:-1])]
    return result, steps


def final_locals(fn, *args):
    result, steps = run_traced(fn, *args)
    return result, steps[-1][1]


# ------------------------------------------------------------------ our names -> textbook names


def signature(value, names):
    """(operation, operands) of a Wengert right-hand side, operands renamed by ``names``."""
    if isinstance(value, ast.Call):
        return value.func.attr, tuple(names[a.id] for a in value.args)
    ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
    return ops[type(value.op)], (names[value.left.id], names[value.right.id])


def textbook_names(wengert_text):
    """Map the Wengert form's variables to the textbook's v-1 ... v5, by structure."""
    fdef = ast.parse(wengert_text).body[0]
    names = {fdef.args.args[0].arg: "v-1", fdef.args.args[1].arg: "v0"}
    statements = {}
    for stmt in fdef.body:
        if isinstance(stmt, ast.Assign):
            sig = signature(stmt.value, names)
            match = [v for v, s in TEXTBOOK.items() if s == sig]
            assert match, f"no textbook statement matches {ast.unparse(stmt)}"
            names[stmt.targets[0].id] = match[0]
            statements[match[0]] = ast.unparse(stmt)
    assert sorted(statements) == sorted(TEXTBOOK), "the Wengert form is not the textbook's list"
    ours = {v: k for k, v in names.items()}
    statements["v-1"], statements["v0"] = ours["v-1"] + " (input)", ours["v0"] + " (input)"
    return ours, statements


# ------------------------------------------------------------------ the tables


def main():
    banner("The function")
    print("def f(x1, x2):\n    return math.log(x1) + x1 * x2 - math.sin(x2)")

    banner("tl.wengert(f): the lowered form, one primitive per statement")
    wengert = tl.wengert(f)
    print(wengert)
    ours, statements = textbook_names(wengert)
    print("\ntextbook name -> our variable: "
          + ", ".join(f"{v} = {ours[v]}" for v in FORWARD_ORDER))
    print("(tangent_lite computes v3 = sin v0 after v4 = v1 + v2: it lowers left to right, as Python "
          "evaluates; the order does not change any value)")

    # primal values: run the Wengert form itself
    _, values = final_locals(load(wengert, "f"), X1, X2)

    # tangents: run the generated forward mode with the seed x1_dot = 1, x2_dot = 0
    jvp_text = f.source("jvp", wrt=("x1", "x2"))
    jvp_fn = load(jvp_text, "f_jvp")
    (_, f_dot), jvp_locals = final_locals(jvp_fn, X1, X2, 1.0, 0.0)

    banner("Forward mode (generated f_jvp, seed x1_dot = 1, x2_dot = 0): one sweep gives df/dx1")
    print(f"{'row':4} {'textbook':10} {'our statement':20} {'value':>9} {'published':>9}   "
          f"{'tangent var':11} {'tangent':>8} {'published':>9}")
    for v in FORWARD_ORDER:
        name = ours[v]
        value, tangent = values[name], jvp_locals[name + "_dot"]
        ok = agree(value, PUBLISHED_VALUE[v]) and agree(tangent, PUBLISHED_TANGENT[v])
        print(f"{v:4} {TEXT[v]:10} {statements[v]:20} {value:9.3f} {PUBLISHED_VALUE[v]:9.3f}   "
              f"{name + '_dot':11} {tangent:8.3f} {PUBLISHED_TANGENT[v]:9.3f}  {'ok' if ok else 'MISMATCH'}")
        assert ok, v

    # adjoints: run the generated reverse mode with the seed v5_bar = 1
    vjp_text = f.source("vjp", wrt=("x1", "x2"))
    vjp_fn = load(vjp_text, "f_vjp")
    (f_value, (g1, g2)), steps = run_traced(vjp_fn, X1, X2)
    adjoints = steps[-1][1]

    banner("Reverse mode (generated f_vjp, seed v5_bar = 1): one sweep gives both partials")
    print(f"{'row':4} {'adjoint var':11} {'adjoint':>8} {'published':>9}")
    for v in REVERSE_ORDER:
        name = ours[v] + "_bar"
        print(f"{v:4} {name:11} {adjoints[name]:8.3f} {PUBLISHED_ADJOINT[v]:9.3f}  "
              f"{'ok' if agree(adjoints[name], PUBLISHED_ADJOINT[v]) else 'MISMATCH'}")
        assert agree(adjoints[name], PUBLISHED_ADJOINT[v]), v

    print("\nThe reverse sweep as it ran (each line of f_vjp after '# reverse sweep', and what it assigned):")
    lines = vjp_text.splitlines()
    start = lines.index("    # reverse sweep") + 1  # line numbers are 1-based
    for lineno, after in steps:
        text = lines[lineno - 1].strip()
        if lineno <= start or text.startswith("return"):
            continue
        target = text.split(" = ")[0]
        textbook = textbook_bar(target, ours)
        print(f"    {text:52} -> {target} = {after[target]:7.3f}   ({textbook})")
    print("x2_bar collects two contributions, v0_bar = v3_bar*cos(v0) + v2_bar*v-1 = -0.284 + 2 = 1.716;\n"
          "x1_bar collects two, v-1_bar = v2_bar*v0 + v1_bar/v-1 = 5 + 0.5 = 5.5.")

    banner("Whole function through the API, next to the published results")
    out_j, dot_j = tl.jvp(f, (X1, X2), (1.0, 0.0))
    out_v, pullback = tl.vjp(f, X1, X2, wrt=(0, 1))
    r1, r2 = pullback(1.0)
    value, (vg1, vg2) = tl.value_and_grad(f, wrt=(0, 1))(X1, X2)
    results = [
        ("f(2, 5)", "tl.jvp / tl.vjp / value_and_grad", [out_j, out_v, value], PUBLISHED_RESULT["f"]),
        ("df/dx1", "tl.jvp seed (1, 0) / pullback(1.0)[0] / grad", [dot_j, r1, vg1], PUBLISHED_RESULT["df/dx1"]),
        ("df/dx2", "pullback(1.0)[1] / grad", [r2, vg2], PUBLISHED_RESULT["df/dx2"]),
    ]
    for what, how, ours_values, published in results:
        shown = ", ".join(f"{x:.6f}" for x in ours_values)
        print(f"{what:8} ours = {shown:34} published = {published:<7}  via {how}")
        for x in ours_values:
            assert round(x, 3) == round(published, 3), (what, x, published)
    # the traced tables are the same numbers the API returns
    assert abs(f_dot - dot_j) < 1e-12 and abs(g1 - r1) < 1e-12 and abs(g2 - r2) < 1e-12
    assert abs(f_value - out_v) < 1e-12
    print("\nAll rows agree with the published tables to 3 decimals.")


def textbook_bar(target, ours):
    """The textbook name of an adjoint variable (``_t3_bar`` -> ``v3_bar``)."""
    base = target[: -len("_bar")] if target.endswith("_bar") else target
    for v, name in ours.items():
        if name == base:
            return f"{v}_bar"
    return "helper"


if __name__ == "__main__":
    main()
