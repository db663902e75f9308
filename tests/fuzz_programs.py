"""Random well-formed Python/NumPy programs for fuzzing tangent_lite.

``programs()`` is a hypothesis strategy of :class:`Program`: the SOURCE TEXT of a
module defining ``def prog(x, y): ...`` and the module-level helpers it calls.
The programs use what tangent_lite claims to support (README, "What is supported"):

- straight-line arithmetic ``+ - * /``, ``**`` with small integer exponents, unary ``-``;
- elementwise ``np.sin``, ``np.cos``, ``np.tanh``, ``np.exp`` of a squashed argument,
  ``np.log`` of ``np.exp(..)`` or of ``1 + e * e``, ``np.sqrt(1 + e * e)``, ``math`` on scalars;
- ``np.sum`` / ``np.mean`` (with and without ``axis``), ``.sum()``, ``np.dot``, ``@``;
- ``if``/``elif``/``else`` and conditional expressions on comparisons of active scalars
  (some joined by ``and``/``or``, some chained), early ``return`` from a top-level ``if``;
- ``for`` over ``range(k)``, over the rows of an array and over ``enumerate``; ``while``
  with a counter bound (sometimes also a test on active values); ``break`` / ``continue``
  inside those loops;
- subscript reads (``x[i]``, ``x[1:3]``, ``m[i, j]``, ``m[:, j]``) and subscript writes
  (``z[i] = ..``, ``z[i] += ..``, ``z[1:3] = ..``) into local arrays made by ``np.zeros``;
- calls to module-level helpers emitted in the same source (some return tuples that
  the caller unpacks); tuple outputs of ``prog`` now and then.

Values stay bounded (inputs in [-1.5, 1.5], exponentials and powers of squashed
values, denominators bounded away from zero) so central finite differences are
meaningful.  Every array that is written into is a fresh ``np.zeros`` local that is
never rebound or aliased (``w = z.copy()``, never ``w = z`` or ``w = z if c else v``,
and never passed to a helper, which may return its argument), so the programs never
mutate their inputs and never write through an alias (a known limitation: see the
aliasing cases of test_catalogue.py).

:func:`instrument` rewrites a program so that it records the outcome of every
comparison it evaluates (its *branch trace*); the fuzz test compares traces at
nearby points to skip points where the program is not smooth.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

Shape = Tuple[int, ...]
N = 4  # vector length
R = 3  # matrix rows
SCALAR: Shape = ()
VEC: Shape = (N,)
COL: Shape = (R,)
PAIR: Shape = (2,)
MAT: Shape = (R, N)
PARAM_SHAPES = {"x": (VEC, MAT), "y": (SCALAR, VEC)}
INPUT_BOUND = 1.5


@dataclass
class Program:
    """A generated module: its text, the entry point's parameter shapes, its outputs."""

    source: str
    param_shapes: Dict[str, Shape]
    outputs: List[Shape]  # one entry: a single output; two: a tuple
    features: List[str] = field(default_factory=list)

    @property
    def params(self) -> List[str]:
        return list(self.param_shapes)

    def __repr__(self) -> str:  # hypothesis prints this for falsifying examples
        return f"Program(shapes={self.param_shapes}, outputs={self.outputs}, source=\n{self.source})"


@dataclass
class _Var:
    shape: Shape
    mutable: bool = False  # an np.zeros array that subscript writes go into
    readonly: bool = False  # loop variables, counters


@dataclass
class _Helper:
    name: str
    params: List[Tuple[str, Shape]]
    returns: List[Shape]


_SQUASH = ["np.tanh({})", "np.sin({})", "np.cos({})"]
_UNARY = [
    "np.sin({})", "np.cos({})", "np.tanh({})", "np.exp({sq})", "np.log(np.exp({sq}))",
    "np.log(1.0 + {e} * {e})", "np.sqrt(1.0 + {e} * {e})", "(-{e})",
]
_MATH_UNARY = ["math.sin({})", "math.cos({})", "math.tanh({})", "math.exp({sq})", "math.sqrt(1.0 + {e} * {e})"]
_CONSTS = ["0.5", "1.25", "-0.75", "2.0", "0.3", "-1.5"]
_THRESHOLDS = ["0.0", "0.25", "-0.3", "0.6", "-1.0"]


def _ones(shape: Shape) -> str:
    return f"np.ones({shape[0]})" if len(shape) == 1 else f"np.ones({shape})"


class _Gen:
    """One program's generator; every random choice is a hypothesis draw (so it shrinks)."""

    def __init__(self, draw: Callable[[Any], Any]):
        self.draw = draw
        self.counter = 0
        self.helpers: List[_Helper] = []
        self.indices: List[Tuple[str, int]] = []  # (index expression, exclusive upper bound)
        self.loop_depth = 0
        self.features: set = set()

    # -- choices (index 0 / False is the simplest: hypothesis shrinks towards it) --------
    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[self.draw(st.integers(0, len(seq) - 1))]

    def coin(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) >= 100 - int(100 * p)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- expressions -------------------------------------------------------------
    def vars_of(self, env: Dict[str, _Var], shape: Shape, writable_ok: bool = True) -> List[str]:
        return sorted(n for n, v in env.items() if v.shape == shape and (writable_ok or not v.mutable))

    def index(self, dim: int) -> str:
        options = [str(i) for i in range(dim)] + ["-1"]
        options += [expr for expr, bound in self.indices if bound <= dim]
        if self.indices and self.coin(0.5):
            loop = [expr for expr, bound in self.indices if bound <= dim]
            if loop:
                return self.pick(loop)
        return self.pick(options)

    def scalar_const(self) -> str:
        return self.pick(_CONSTS)

    def leaf(self, env: Dict[str, _Var], shape: Shape) -> str:
        names = self.vars_of(env, shape)
        if names and not self.coin(0.25):
            return self.pick(names)
        return self.derive(env, shape)

    def derive(self, env: Dict[str, _Var], shape: Shape) -> str:
        """An expression of ``shape`` built from a variable of another shape."""
        options: List[Callable[[], str]] = []
        if shape == SCALAR:
            options.append(self.scalar_const)
            for n in self.vars_of(env, VEC) + self.vars_of(env, COL) + self.vars_of(env, PAIR):
                dim = env[n].shape[0]
                options.append(lambda n=n, dim=dim: f"{n}[{self.index(dim)}]")
                options.append(lambda n=n: f"{self.pick(['np.sum', 'np.mean'])}({n})")
            for n in self.vars_of(env, MAT):
                options.append(lambda n=n: f"{n}[{self.index(R)}, {self.index(N)}]")
                options.append(lambda n=n: f"np.mean({n})")
        elif shape == VEC:
            for n in self.vars_of(env, MAT):
                options.append(lambda n=n: f"{n}[{self.index(R)}]")
                options.append(lambda n=n: f"{self.pick(['np.sum', 'np.mean'])}({n}, axis=0)")
        elif shape == COL:
            for n in self.vars_of(env, MAT, writable_ok=False):
                options.append(lambda n=n: f"{n}[:, {self.index(N)}]")
                options.append(lambda n=n: f"{self.pick(['np.sum', 'np.mean'])}({n}, axis=1)")
            for n in self.vars_of(env, VEC, writable_ok=False):
                options.append(lambda n=n: f"{n}[{self.pick([':3', '1:'])}]")
        elif shape == PAIR:
            for n in self.vars_of(env, VEC, writable_ok=False):
                options.append(lambda n=n: f"{n}[{self.pick(['1:3', ':2', '2:', '::2'])}]")
            for n in self.vars_of(env, MAT, writable_ok=False):
                options.append(lambda n=n: f"{n}[{self.index(R)}, 1:3]")
        elif shape == MAT:
            for n in self.vars_of(env, VEC):
                options.append(lambda n=n: f"np.outer(np.ones({R}), {n})")
        if shape != SCALAR:
            options.append(lambda: f"({self.leaf(env, SCALAR)} * {_ones(shape)})")
        return self.pick(options)()

    def expr(self, env: Dict[str, _Var], shape: Shape, depth: int) -> str:
        if depth <= 0 or not self.coin(0.75):
            return self.leaf(env, shape)
        kinds = ["binop", "unary", "div", "pow", "reduce"]
        if shape == SCALAR:
            kinds += ["math", "dot"]
        if shape == COL:
            kinds.append("matvec")
        if self.helpers_returning(shape):
            kinds.append("helper")
        kinds.append("ifexp")
        kind = self.pick(kinds)
        sub = depth - 1
        if kind == "binop":
            op = self.pick(["+", "*", "-"])
            other = shape
            if shape == MAT:
                other = self.pick([MAT, VEC, SCALAR])
            elif shape != SCALAR:
                other = self.pick([shape, SCALAR])
            a, b = self.expr(env, shape, sub), self.expr(env, other, sub)
            if self.coin(0.5):
                a, b = b, a
            return f"({a} {op} {b})"
        if kind == "unary":
            return self.unary(_UNARY, env, shape, sub)
        if kind == "math":
            self.features.add("math")
            return self.unary(_MATH_UNARY, env, shape, sub)
        if kind == "div":
            num = self.expr(env, shape, sub)
            den_shape = shape if self.coin(0.5) else SCALAR
            den = self.expr(env, den_shape, sub)
            form = self.pick(["2.0", "(2.0 + np.sin({d}))", "(1.0 + {d} * {d})", "(1.5 + np.tanh({d}))"])
            return f"({num} / {form.format(d=den)})"
        if kind == "pow":
            k = self.pick(["2", "3", "-1", "-2"])
            base = self.expr(env, shape, min(sub, 1))
            if k.startswith("-"):
                return f"((1.0 + {base} * {base}) ** {k})"
            return f"({self.pick(_SQUASH).format(base)} ** {k})" if self.coin(0.5) else f"({base} ** {k})"
        if kind == "reduce":
            if shape == SCALAR:
                src = self.pick([VEC, MAT, COL, PAIR])
                inner = self.expr(env, src, sub)
                form = self.pick(["np.sum({})", "np.mean({})", "({}).sum()", "np.sum({}, axis=0)"])
                if src == MAT and form == "np.sum({}, axis=0)":
                    form = "np.sum({})"
                self.features.add("reduce")
                return form.format(inner)
            if shape == VEC:
                self.features.add("axis")
                return f"{self.pick(['np.sum', 'np.mean'])}({self.expr(env, MAT, sub)}, axis=0)"
            if shape == COL:
                self.features.add("axis")
                return f"{self.pick(['np.sum', 'np.mean'])}({self.expr(env, MAT, sub)}, axis=1)"
            return self.leaf(env, shape)
        if kind == "dot":
            a, b = self.expr(env, VEC, sub), self.expr(env, VEC, sub)
            return self.pick([f"np.dot({a}, {b})", f"({a} @ {b})"])
        if kind == "matvec":
            return f"({self.expr(env, MAT, sub)} @ {self.expr(env, VEC, sub)})"
        if kind == "helper":
            return self.helper_call(env, shape, sub)
        # ifexp
        self.features.add("ifexp")
        return f"({self.expr(env, shape, sub)} if {self.cond(env)} else {self.expr(env, shape, sub)})"

    def unary(self, forms: List[str], env: Dict[str, _Var], shape: Shape, depth: int) -> str:
        form = self.pick(forms)
        e = self.expr(env, shape, depth)
        if "{sq}" in form:
            return form.format(sq=self.pick(_SQUASH).format(e))
        if "{e}" in form:
            return form.format(e=e)
        return form.format(e)

    def cond(self, env: Dict[str, _Var]) -> str:
        """A comparison of active scalars (derived from the inputs), sometimes two joined
        by ``and``/``or``, sometimes a chained comparison."""
        self.features.add("branch")
        test = self.compare(env)
        if self.coin(0.15):
            self.features.add("and/or")
            test = f"{test} {self.pick(['and', 'or'])} {self.compare(env)}"
        return test

    def compare(self, env: Dict[str, _Var]) -> str:
        left = self.expr(env, SCALAR, 1)
        if self.coin(0.1):
            self.features.add("chained comparison")
            return f"-0.5 < {left} < 0.8"
        right = self.scalar_const() if self.coin(0.3) else self.pick(_THRESHOLDS)
        if self.coin(0.3):
            right = self.expr(env, SCALAR, 1)
        return f"{left} {self.pick(['>', '<', '>=', '<='])} {right}"

    def helpers_returning(self, shape: Shape) -> List[_Helper]:
        return [h for h in self.helpers if h.returns == [shape]]

    def helper_args(self, env: Dict[str, _Var], helper: _Helper, depth: int) -> str:
        # a helper may return its parameter itself: never pass it an array that is written into
        args = [self.unaliased(env, self.expr(env, s, depth)) for _, s in helper.params]
        if len(args) > 1 and self.coin(0.3):  # the last one by keyword
            args[-1] = f"{helper.params[-1][0]}={args[-1]}"
        return ", ".join(args)

    def helper_call(self, env: Dict[str, _Var], shape: Shape, depth: int) -> str:
        helper = self.pick(self.helpers_returning(shape))
        self.features.add("helper")
        return f"{helper.name}({self.helper_args(env, helper, depth)})"

    # -- statements ----------------------------------------------------------------
    def block(self, env: Dict[str, _Var], n: int, nest: int, lines: List[str], indent: str,
              outputs: Optional[List[Shape]] = None) -> None:
        for _ in range(n):
            self.stmt(env, nest, lines, indent, outputs)

    def targets(self, env: Dict[str, _Var]) -> List[str]:
        return sorted(n for n, v in env.items() if not v.mutable and not v.readonly)

    def assign(self, env: Dict[str, _Var], lines: List[str], indent: str, new_ok: bool = True) -> None:
        existing = self.targets(env)
        if existing and (not new_ok or self.coin(0.4)):
            name = self.pick(existing)
            shape = env[name].shape
        else:
            name = self.fresh("a")
            shape = self.pick([SCALAR, VEC, SCALAR, COL, MAT, PAIR])
        value = self.unaliased(env, self.expr(env, shape, self.draw(st.integers(1, 3))))
        lines.append(f"{indent}{name} = {value}")
        env[name] = _Var(shape)

    def stmt(self, env: Dict[str, _Var], nest: int, lines: List[str], indent: str,
             outputs: Optional[List[Shape]]) -> None:
        kinds = ["assign", "assign", "augassign"]
        mutables = sorted(n for n, v in env.items() if v.mutable)
        if mutables:
            kinds += ["setitem", "setitem"]
        if nest > 0:
            kinds += ["if", "for", "while", "for_rows"]
        if self.loop_depth > 0:
            kinds += ["jump"]
        if outputs is not None and nest > 0 and self.loop_depth == 0:
            kinds.append("early_return")
        if any(len(h.returns) == 2 for h in self.helpers):
            kinds.append("unpack")
        kind = self.pick(kinds)
        if kind == "assign":
            self.assign(env, lines, indent)
        elif kind == "augassign":
            scalars = [n for n in self.targets(env) if env[n].shape == SCALAR]
            if not scalars:
                self.assign(env, lines, indent)
                return
            op = self.pick(["+=", "-=", "*="])
            value = self.expr(env, SCALAR, 2)
            if op == "*=":
                value = self.pick(_SQUASH).format(value)
            lines.append(f"{indent}{self.pick(scalars)} {op} {value}")
        elif kind == "setitem":
            self.features.add("setitem")
            z = self.pick(mutables)
            dim = env[z].shape[0]
            form = self.pick(["=", "+=", "slice"])
            if form == "slice":
                lines.append(f"{indent}{z}[1:3] = {self.expr(env, PAIR, 2)}")
            else:
                lines.append(f"{indent}{z}[{self.index(dim)}] {form} {self.expr(env, SCALAR, 2)}")
        elif kind == "if":
            self.if_stmt(env, nest, lines, indent, outputs)
        elif kind in ("for", "while", "for_rows"):
            self.loop(kind, env, nest, lines, indent)
        elif kind == "jump":
            self.features.add("break/continue")
            jump = self.pick(["break", "continue"])
            lines.append(f"{indent}if {self.cond(env)}:")
            lines.append(f"{indent}    {jump}")
        elif kind == "early_return":
            self.features.add("early return")
            lines.append(f"{indent}if {self.cond(env)}:")
            lines.append(f"{indent}    return {self.output(env, outputs)}")
        elif kind == "unpack":
            helper = self.pick([h for h in self.helpers if len(h.returns) == 2])
            a, b = self.fresh("a"), self.fresh("a")
            lines.append(f"{indent}{a}, {b} = {helper.name}({self.helper_args(env, helper, 1)})")
            env[a], env[b] = _Var(helper.returns[0]), _Var(helper.returns[1])
            self.features.add("helper")

    def if_stmt(self, env: Dict[str, _Var], nest: int, lines: List[str], indent: str,
                outputs: Optional[List[Shape]]) -> None:
        # a variable both branches assign is defined after the if (a phi node)
        joined = self.fresh("a") if self.coin(0.5) else None
        joined_shape = self.pick([SCALAR, VEC]) if joined else None
        arms = [f"if {self.cond(env)}:"]
        if self.coin(0.3):
            arms.append(f"elif {self.cond(env)}:")
        if self.coin(0.7):
            arms.append("else:")
        for arm in arms:
            lines.append(f"{indent}{arm}")
            inner = dict(env)
            self.block(inner, self.draw(st.integers(1, 2)), nest - 1, lines, indent + "    ", outputs)
            if joined:
                lines.append(f"{indent}    {joined} = {self.unaliased(inner, self.expr(inner, joined_shape, 2))}")
            _keep_shapes(env, inner)
        if joined and arms[-1] == "else:":
            env[joined] = _Var(joined_shape)

    def loop(self, kind: str, env: Dict[str, _Var], nest: int, lines: List[str], indent: str) -> None:
        inner = dict(env)
        body = indent + "    "
        if kind == "for":
            self.features.add("for")
            k, bound = self.fresh("k"), self.draw(st.integers(1, 3))
            lines.append(f"{indent}for {k} in range({bound}):")
            index = (k, bound)  # an int: used as an index only
        elif kind == "while":
            self.features.add("while")
            c, bound = self.fresh("c"), self.draw(st.integers(1, 3))
            lines.append(f"{indent}{c} = 0")
            test = f"{c} < {bound}"
            if self.coin(0.3):  # a data-dependent trip count (still bounded by the counter)
                self.features.add("while on active values")
                test = f"{test} and {self.compare(env)}"
            lines.append(f"{indent}while {test}:")
            lines.append(f"{body}{c} = {c} + 1")
            index = (f"{c} - 1", bound)
        else:
            arrays = sorted(n for n, v in env.items() if v.shape and not v.mutable)
            if not arrays:
                self.assign(env, lines, indent)
                return
            seq = self.pick(arrays)
            shape = env[seq].shape
            r = self.fresh("r")
            if self.coin(0.5):
                self.features.add("for enumerate")
                k = self.fresh("k")
                lines.append(f"{indent}for {k}, {r} in enumerate({seq}):")
                index = (k, shape[0])
            else:
                self.features.add("for rows")
                lines.append(f"{indent}for {r} in {seq}:")
                index = None
            inner[r] = _Var(shape[1:], readonly=True)
            # rebinding the iterated array in the body: a known bug
            # (tests/regressions/test_fuzz_for_over_rebound_array.py)
            inner[seq] = _Var(shape, readonly=True)
        if index is not None:
            self.indices.append(index)
        self.loop_depth += 1
        self.block(inner, self.draw(st.integers(1, 3)), nest - 1, lines, body, None)
        self.loop_depth -= 1
        if index is not None:
            self.indices.pop()
        _keep_shapes(env, inner)

    def output(self, env: Dict[str, _Var], outputs: List[Shape]) -> str:
        return ", ".join(self.unaliased(env, self.expr(env, shape, 2)) for shape in outputs)

    def unaliased(self, env: Dict[str, _Var], value: str) -> str:
        """``value``, copied if it could be the very array object of a variable that is
        written into later (``w = z`` or ``w = z if c else v``): the programs never write
        through an alias."""
        if not _may_alias(value, {n for n, v in env.items() if v.mutable}):
            return value
        if value in env:
            return self.pick([f"{value}.copy()", f"np.copy({value})", f"({value} * 1.0)"])
        return f"({value} * 1.0)"

    # -- helpers and the program ----------------------------------------------------
    def helper(self) -> List[str]:
        name = f"helper{len(self.helpers)}"
        n_params = self.draw(st.integers(1, 2))
        params = [(f"p{i}", self.pick([SCALAR, VEC, SCALAR, PAIR])) for i in range(n_params)]
        returns = [self.pick([SCALAR, VEC, SCALAR])]
        if self.coin(0.25):
            returns.append(self.pick([SCALAR, VEC]))
        env = {p: _Var(s) for p, s in params}
        defaults = ""
        if params[-1][1] == SCALAR and self.coin(0.3):
            defaults = f"={self.scalar_const()}"
        sig = ", ".join(p for p, _ in params) + defaults
        lines = [f"def {name}({sig}):"]
        saved, self.indices = self.indices, []
        self.block(env, self.draw(st.integers(0, 2)), 1, lines, "    ", None)
        lines.append(f"    return {self.output(env, returns)}")
        self.indices = saved
        self.helpers.append(_Helper(name, params, returns))
        return lines

    def program(self) -> Program:
        shapes = {p: self.pick(options) for p, options in PARAM_SHAPES.items()}
        text = ["# generated by tests/fuzz_programs.py", "import math", "", "import numpy as np", "", ""]
        for _ in range(self.draw(st.integers(0, 2))):
            text += self.helper() + ["", ""]
        outputs = [self.pick([SCALAR, SCALAR, VEC])]
        if self.coin(0.2):
            outputs.append(self.pick([SCALAR, VEC]))
            self.features.add("tuple output")
        env = {p: _Var(s) for p, s in shapes.items()}
        lines = [f"def prog({', '.join(shapes)}):"]
        if self.coin(0.4):
            z = self.fresh("z")
            lines.append(f"    {z} = np.zeros({N})")
            env[z] = _Var(VEC, mutable=True)
        self.block(env, self.draw(st.integers(1, 5)), 2, lines, "    ", outputs)
        lines.append(f"    return {self.output(env, outputs)}")
        text += lines
        return Program("\n".join(text) + "\n", shapes, outputs, sorted(self.features))


def _may_alias(value: str, mutables: set) -> bool:
    """Could the expression ``value`` evaluate to the array object of one of ``mutables``?"""

    def alias(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in mutables
        if isinstance(node, ast.IfExp):
            return alias(node.body) or alias(node.orelse)
        return False

    return alias(ast.parse(value, mode="eval").body)


def _keep_shapes(outer: Dict[str, _Var], inner: Dict[str, _Var]) -> None:
    """After a nested block, only the outer variables stay (reassignments keep their shape)."""
    for name, var in inner.items():
        if name in outer:
            assert outer[name].shape == var.shape, name


@st.composite
def programs(draw: Callable[[Any], Any]) -> Program:
    """A hypothesis strategy of :class:`Program`."""
    return _Gen(draw).program()


def inputs(shapes: Dict[str, Shape]) -> st.SearchStrategy:
    """Input points for a program: floats (Python float for scalars) in [-1.5, 1.5]."""
    elements = st.floats(-INPUT_BOUND, INPUT_BOUND, allow_nan=False, allow_infinity=False, width=64)
    parts = []
    for shape in shapes.values():
        if shape == SCALAR:
            parts.append(elements)
        else:
            parts.append(hnp.arrays(np.float64, shape, elements=elements))
    return st.tuples(*parts)


# ------------------------------------------------------------------ branch traces


class _Tracer(ast.NodeTransformer):
    """``a < b`` -> ``__trace__(a < b)``: records every comparison outcome."""

    def visit_Compare(self, node: ast.Compare) -> Any:
        self.generic_visit(node)
        call = ast.Call(func=ast.Name(id="__trace__", ctx=ast.Load()), args=[node], keywords=[])
        return ast.copy_location(call, node)


def instrument(source: str) -> Callable[..., Tuple[Any, Tuple[bool, ...]]]:
    """``traced(*args) -> (output, branch trace)`` for the program in ``source``."""
    tree = _Tracer().visit(ast.parse(source))
    ast.fix_missing_locations(tree)
    record: List[bool] = []

    def trace(value: Any) -> Any:
        record.append(bool(value))
        return value

    namespace: Dict[str, Any] = {"__trace__": trace, "__name__": "traced_program"}
    exec(compile(tree, "<traced program>", "exec"), namespace)

    def traced(*args: Any) -> Tuple[Any, Tuple[bool, ...]]:
        record.clear()
        out = namespace["prog"](*args)
        return out, tuple(record)

    return traced


# ------------------------------------------------------------------ minimizing a failing program


def _stmt_slots(tree: ast.AST) -> List[Tuple[ast.AST, str, int]]:
    slots = []
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            seq = getattr(node, name, None)
            if isinstance(seq, list):
                slots.extend((node, name, i) for i in range(len(seq)))
    return slots


def _expr_slots(tree: ast.AST) -> List[Tuple[ast.AST, str, Optional[int], ast.expr]]:
    slots = []
    for node in ast.walk(tree):
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                slots.append((node, name, None, value))
            elif isinstance(value, list):
                slots.extend((node, name, i, v) for i, v in enumerate(value) if isinstance(v, ast.expr))
    return slots


def _reductions(source: str) -> List[str]:
    """Smaller variants of ``source``: one statement deleted or unwrapped, or one
    expression replaced by one of its operands (or a comparison by a constant)."""
    tree = ast.parse(source)
    out: List[str] = []

    def variant(edit: Callable[[ast.AST], bool]) -> None:
        copy = ast.parse(source)
        if edit(copy):
            try:
                out.append(ast.unparse(ast.fix_missing_locations(copy)) + "\n")
            except Exception:  # noqa: BLE001 - an edit that does not print is just skipped
                pass

    for k, (_, _, _) in enumerate(_stmt_slots(tree)):
        def delete(t: ast.AST, k: int = k) -> bool:
            node, name, i = _stmt_slots(t)[k]
            seq = getattr(node, name)
            if isinstance(seq[i], (ast.Import, ast.ImportFrom)):
                return False
            seq.pop(i)
            if not seq and name == "body":
                seq.append(ast.Pass())
            return True

        def unwrap(t: ast.AST, k: int = k, part: str = "body") -> bool:
            node, name, i = _stmt_slots(t)[k]
            seq = getattr(node, name)
            stmt = seq[i]
            if not isinstance(stmt, (ast.If, ast.For, ast.While)) or not getattr(stmt, part):
                return False
            seq[i:i + 1] = getattr(stmt, part)
            return True

        variant(delete)
        variant(unwrap)
        variant(functools.partial(unwrap, part="orelse"))
    for k, (_, _, _, expr) in enumerate(_expr_slots(tree)):
        children = [c for c in ast.iter_child_nodes(expr) if isinstance(c, ast.expr)]
        replacements: List[Any] = list(range(len(children)))
        if isinstance(expr, ast.Compare):
            replacements += [True, False]
        for r in replacements:
            def replace(t: ast.AST, k: int = k, r: Any = r) -> bool:
                node, name, i, e = _expr_slots(t)[k]
                if isinstance(r, bool):
                    new: ast.expr = ast.Constant(value=r)
                else:
                    new = [c for c in ast.iter_child_nodes(e) if isinstance(c, ast.expr)][r]
                    if isinstance(getattr(new, "ctx", None), ast.Store):
                        return False
                if i is None:
                    setattr(node, name, new)
                else:
                    getattr(node, name)[i] = new
                return True

            variant(replace)
    return out


def minimize(source: str, still_fails: Callable[[str], bool], max_tries: int = 5000) -> str:
    """Greedily shrink ``source`` while ``still_fails(smaller)`` holds (a program-level
    complement to hypothesis's shrinking, which is slow when every try compiles)."""
    tries, start = 0, 0
    changed = True
    while changed and tries < max_tries:
        changed = False
        candidates = _reductions(source)
        # resume near the last accepted reduction; earlier ones were just tried
        for k in list(range(start, len(candidates))) + list(range(min(start, len(candidates)))):
            smaller = candidates[k]
            if len(smaller) >= len(source):
                continue
            tries += 1
            if still_fails(smaller):
                source, changed, start = smaller, True, k
                break
    return source
