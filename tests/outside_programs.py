"""An independent random-program generator for tangent_lite, written from the outside.

Everything here was written from README.md, docs/*.md and the public API only (plus the
list of generated-name patterns in tangent_lite/syntax/naming.py): the programs are the kind of
ordinary Python/NumPy a researcher writes, not the kind the compiler's own fuzzer emits.

    programs(family)        a hypothesis strategy of ``Program`` (module source + point)
    Program.load(dirpath)   writes the module, imports it, returns (module, function)
    Program.instrumented()  the same function with every comparison and kink recorded
                            (plain Python only: used to find points where finite
                            differences are meaningful)

Families (each snippet is placed in straight-line code, in for/while loops and in if/else
branches, mixed with ordinary arithmetic and NumPy calls):

    arith       ordinary arithmetic and NumPy calls only (the baseline)
    swap        tuple swaps and rotations, targets reassigned elsewhere in loops
    alias       aliases and views followed by in-place writes, then reads of all of them
    fancy       fancy-index writes with duplicate indices, boolean masks, np.add.at
    containers  lists/tuples/dicts through user helpers, tuple-vs-list branches,
                np.split/stack/vstack/hstack/column_stack results
    negconst    negative constants: (-2.0) ** 2, (-1.0) ** k series, x ** -1, -x ** 2
    names       user names colliding with generated names and shadowed builtins
    where       x ** 0.0, np.power(x, 0.0) at 0, np.where(x > 0, np.sqrt(x), 0.0)

Run ``python tests/outside_programs.py show FAMILY [N]`` to print a few programs, and
``python tests/outside_programs.py worker`` is the subprocess used by the printed-code
round-trip oracle (TANGENT_LITE_CHECK_PRINT=1).
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import itertools
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from hypothesis import strategies as st

FAMILIES = ("arith", "swap", "alias", "fancy", "containers", "negconst", "names", "where")
CONTEXTS = ("straight", "for", "while", "if")

SCALAR = "s"
LOOPINT = "i"

# the names tangent_lite's generated code invents (tangent_lite/syntax/naming.py and the docs)
GENERATED_NAME_PATTERNS = (
    "{v}_dot", "{v}_bar", "_t{n}", "_t{n}_bar", "_t{n}_dot", "{v}_{n}",
    "_tape", "_residuals", "_tl", "_value", "_n", "_cond", "_brk", "_ret", "_retval",
    "{f}_vjp", "{f}_fwd", "{f}_bwd", "{f}_jvp", "{f}_{param}",
)
SHADOWABLE_BUILTINS = ("range", "reversed", "len", "list", "zip", "enumerate", "float", "sum", "abs",
                       "tuple", "isinstance", "max", "min", "iter", "next", "print", "int", "type")


# --------------------------------------------------------------------------------------
# the program record
# --------------------------------------------------------------------------------------

def _encode(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return {"array": v.tolist(), "shape": list(v.shape)}
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, np.integer)):
        return {"int": int(v)}
    if isinstance(v, (float, np.floating)):
        return float(v)
    raise TypeError(type(v))


def _decode(v: Any) -> Any:
    if isinstance(v, dict) and "array" in v:
        return np.array(v["array"], dtype=float).reshape(v["shape"])
    if isinstance(v, dict) and "int" in v:
        return int(v["int"])
    return float(v)


def literal(v: Any) -> str:
    """Python source that rebuilds an argument exactly."""
    if isinstance(v, np.ndarray):
        return f"np.array({[float(t) for t in v.ravel()]!r}).reshape({tuple(v.shape)!r})"
    return repr(v)


_SERIAL = itertools.count()


@dataclass
class Program:
    family: str
    source: str
    fname: str
    args: Tuple[Any, ...]
    wrt: Tuple[int, ...]
    output: str                 # "scalar", "array" or "tuple"
    expect_finite: bool = False  # derivatives must be finite where the value is (np.where convention)
    contexts: Tuple[str, ...] = ()
    extra_files: Dict[str, str] = field(default_factory=dict)

    # ---- serialisation (replay files) ----
    def to_json(self) -> str:
        return json.dumps({"family": self.family, "source": self.source, "fname": self.fname,
                           "args": [_encode(a) for a in self.args], "wrt": list(self.wrt),
                           "output": self.output, "expect_finite": self.expect_finite,
                           "contexts": list(self.contexts), "extra_files": self.extra_files}, indent=1)

    @staticmethod
    def from_json(text: str) -> Program:
        d = json.loads(text)
        return Program(d["family"], d["source"], d["fname"], tuple(_decode(a) for a in d["args"]),
                       tuple(d["wrt"]), d["output"], d.get("expect_finite", False),
                       tuple(d.get("contexts", ())), d.get("extra_files", {}))

    def fresh_args(self) -> Tuple[Any, ...]:
        return tuple(np.array(a, dtype=float) if isinstance(a, np.ndarray) else a for a in self.args)

    def digest(self) -> str:
        return hashlib.sha1(self.to_json().encode()).hexdigest()[:12]

    def describe(self) -> str:
        argtxt = ", ".join(literal(a) for a in self.args)
        return (f"# family: {self.family}  contexts: {','.join(self.contexts)}  output: {self.output}\n"
                f"{self.source}\n# point: {self.fname}({argtxt})\n# wrt: {self.wrt}")

    # ---- loading ----
    def load(self, dirpath: str) -> Tuple[Any, Any]:
        """Write the module (fresh name, so every load is a new function) and import it."""
        name = f"tlo_{self.digest()}_{next(_SERIAL)}"
        for fname, text in self.extra_files.items():
            with open(os.path.join(dirpath, fname), "w") as fh:
                fh.write(text)
        path = os.path.join(dirpath, name + ".py")
        with open(path, "w") as fh:
            fh.write(self.source)
        if dirpath not in sys.path:
            sys.path.insert(0, dirpath)
        importlib.invalidate_caches()
        mod = importlib.import_module(name)
        return mod, getattr(mod, self.fname)

    def instrumented(self) -> Tuple[Any, Probe]:
        """The function compiled with every comparison and kink recorded (plain Python)."""
        tree = ast.parse(self.source)
        tree = _Instrument().visit(tree)
        ast.fix_missing_locations(tree)
        probe = Probe()
        namespace: Dict[str, Any] = {"__name__": "tlo_instrumented", "__tlprobe__": probe}
        exec(compile(tree, "<instrumented>", "exec"), namespace)
        return namespace[self.fname], probe


def unload(mod: Any) -> None:
    sys.modules.pop(getattr(mod, "__name__", ""), None)


# --------------------------------------------------------------------------------------
# instrumentation: record the outcome of every comparison and kink
# --------------------------------------------------------------------------------------

KINKS = {"abs", "fabs", "absolute", "maximum", "minimum", "fmax", "fmin", "max", "min", "amax", "amin",
         "clip", "sign", "floor", "ceil", "round", "rint", "trunc", "sort", "argsort", "argmax", "argmin"}


class Probe:
    """Collects the discrete outcomes of one evaluation (its 'path') and their margins."""

    def __init__(self) -> None:
        self.trace: List[Any] = []
        self.margin = math.inf

    def reset(self) -> None:
        self.trace, self.margin = [], math.inf

    def _note(self, outcome: Any, margin: float) -> None:
        self.trace.append(outcome)
        if margin == margin:  # not nan
            self.margin = min(self.margin, float(margin))

    def cmp(self, a: Any, b: Any, op: str) -> Any:
        import operator
        fn = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
              "!=": operator.ne, "is": operator.is_, "is not": operator.is_not, "in": lambda x, y: x in y,
              "not in": lambda x, y: x not in y}[op]
        result = fn(a, b)
        if op in ("<", "<=", ">", ">=", "==", "!="):
            try:
                diff = np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
                margin = float(np.min(diff)) if diff.size else math.inf
            except (TypeError, ValueError):
                margin = math.inf
        else:
            margin = math.inf
        out = np.asarray(result)
        self._note(("cmp", op, out.tobytes() if out.dtype == bool else repr(result)), margin)
        return result

    def kink(self, name: str, fn: Any, *args: Any) -> Any:
        try:
            arr = [np.asarray(a, dtype=float) for a in args]
        except (TypeError, ValueError):
            return fn(*args)
        margin, outcome = math.inf, None
        if name in ("abs", "fabs", "absolute", "sign"):
            outcome, margin = np.sign(arr[0]).tobytes(), np.min(np.abs(arr[0]), initial=math.inf)
        elif name in ("maximum", "minimum", "fmax", "fmin") or (name in ("max", "min") and len(arr) == 2):
            d = arr[0] - arr[1]
            outcome, margin = np.sign(d).tobytes(), np.min(np.abs(d), initial=math.inf)
        elif name in ("max", "min", "amax", "amin", "sort", "argsort", "argmax", "argmin") and len(arr) >= 1:
            flat = np.sort(arr[0].ravel())
            outcome = np.argsort(arr[0].ravel(), kind="stable").tobytes()
            margin = float(np.min(np.diff(flat))) if flat.size > 1 else math.inf
        elif name == "clip" and len(arr) == 3:
            x, lo, hi = arr
            outcome = (np.sign(x - lo).tobytes(), np.sign(x - hi).tobytes())
            margin = min(np.min(np.abs(x - lo), initial=math.inf), np.min(np.abs(x - hi), initial=math.inf))
        elif name in ("floor", "ceil", "round", "rint", "trunc"):
            x = arr[0]
            outcome = np.floor(x * 2.0).tobytes()
            margin = np.min(np.abs(x * 2.0 - np.round(x * 2.0)), initial=math.inf) / 2.0
        self._note(("kink", name, outcome), margin)
        return fn(*args)


_OPNAMES = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
            ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}


class _Instrument(ast.NodeTransformer):
    def _probe(self, method: str, args: List[ast.expr]) -> ast.Call:
        func = ast.Attribute(value=ast.Name(id="__tlprobe__", ctx=ast.Load()), attr=method, ctx=ast.Load())
        return ast.Call(func=func, args=args, keywords=[])

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        parts = []
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            parts.append(self._probe("cmp", [left, right, ast.Constant(_OPNAMES[type(op)])]))
            left = right
        return parts[0] if len(parts) == 1 else ast.BoolOp(op=ast.And(), values=parts)

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name in KINKS and node.args and not node.keywords and not any(
                isinstance(a, ast.Starred) for a in node.args):
            return self._probe("kink", [ast.Constant(name), func, *node.args])
        return node


# --------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------

@dataclass
class Var:
    kind: Any            # "s", "i", a shape tuple, ("seq", kinds) or ("dict", ((key, kind), ...))
    owned: bool = True   # an array that does not share memory with a parameter (in-place writes allowed)


def is_array(kind: Any) -> bool:
    return isinstance(kind, tuple) and all(isinstance(d, int) for d in kind)


class Env:
    def __init__(self) -> None:
        self.vars: Dict[str, Var] = {}

    def copy(self) -> Env:
        e = Env()
        e.vars = {k: Var(v.kind, v.owned) for k, v in self.vars.items()}
        return e

    def of_kind(self, kind: Any) -> List[str]:
        return [n for n, v in self.vars.items() if v.kind == kind]

    def arrays(self, owned: Optional[bool] = None) -> List[str]:
        return [n for n, v in self.vars.items() if is_array(v.kind) and (owned is None or v.owned == owned)]

    def scalars(self) -> List[str]:
        return self.of_kind(SCALAR)

    def set(self, name: str, kind: Any, owned: bool = True) -> None:
        self.vars[name] = Var(kind, owned)


def merge(a: Env, b: Env) -> Env:
    out = Env()
    for name, va in a.vars.items():
        vb = b.vars.get(name)
        if vb is not None and vb.kind == va.kind:
            out.vars[name] = Var(va.kind, va.owned and vb.owned)
    return out


def _strip_parens(text: str) -> str:
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def rhs_owned(env: Env, rhs: str, np_: str = "np") -> bool:
    """Whether an array expression gives memory of its own (or a view of a local's memory)."""
    text = _strip_parens(rhs.strip())
    for prefix in (f"{np_}.flip(", f"{np_}.asarray(", f"{np_}.squeeze(", f"{np_}.transpose("):
        if text.startswith(prefix) and text.endswith(")"):
            inner = text[len(prefix):-1].split(",")[0]
            return rhs_owned(env, inner, np_)
    base = _view_base(text)
    if base is not None:
        var = env.vars.get(base)
        return var.owned if var is not None else True
    return True


def _matching_open(text: str, close: int) -> int:
    pairs = {")": "(", "]": "["}
    want, depth = pairs[text[close]], 0
    for i in range(close, -1, -1):
        if text[i] in ")]":
            depth += 1
        elif text[i] in "([":
            depth -= 1
            if depth == 0:
                return i if text[i] == want else -1
    return -1


def _view_base(text: str) -> Optional[str]:
    """The variable an expression is a view of (x, x.T, x[1:], (x).reshape(2, 3), ...), or None."""
    while True:
        text = _strip_parens(text.strip())
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
            return text
        if text.endswith(".T"):
            text = text[:-2]
            continue
        if text.endswith("]"):
            i = _matching_open(text, len(text) - 1)
            if i <= 0:
                return None
            inner = text[i + 1:-1]
            if inner.startswith("[") or ">" in inner or "<" in inner or "idx" in inner:
                return None  # fancy or boolean indexing copies
            text = text[:i]
            continue
        if text.endswith(")"):
            i = _matching_open(text, len(text) - 1)
            head = text[:i]
            for method in (".reshape", ".ravel", ".view"):
                if i > 0 and head.endswith(method):
                    text = head[: -len(method)]
                    break
            else:
                return None
            continue
        return None


def indent(lines: List[str], n: int = 1) -> List[str]:
    return ["    " * n + line for line in lines]


CONSTS = (0.5, 1.5, -0.5, 0.25, -1.25, 0.75, 2.0, -2.0, 0.3, -0.7, 1.1)
UNARY_NP = ("sin", "cos", "tanh", "arctan")


def fmt(c: float) -> str:
    return f"({c!r})" if c < 0 else repr(c)


class G:
    """One program under construction: draws choices and keeps the module's pieces."""

    def __init__(self, draw: Any, family: str) -> None:
        self.draw = draw
        self.family = family
        self.np = "np"
        self.math = "math"
        self.banned: set = set()          # builtins shadowed somewhere in the function
        self.names = itertools.count()
        self.helpers: Dict[str, str] = {}  # module-level function sources
        self.globals_: Dict[str, str] = {}  # module-level assignments
        self.imports = ["import math", "import numpy as np"]
        self.taken: set = set()
        self.n = 4
        self.depth = 0                    # loop/branch nesting depth
        self.contexts: List[str] = []
        self.fname = "f"
        self.expect_finite = False
        self.in_loop = 0
        self.extra_files: Dict[str, str] = {}
        self.name_pool: List[str] = []    # names family: colliding names to use first
        self.params: List[str] = []       # float parameters (never written in place)
        self.params_int: List[str] = []   # integer parameters (loop counts)
        self.global_reads: List[str] = []  # module constants the function reads
        self.global_calls: List[str] = []  # module functions the function calls
        self.local_builtins: List[str] = []  # builtins the function shadows with locals
        self.outputs: Tuple[str, ...] = ("scalar", "array", "tuple")  # the kinds of return value allowed

    # ---- drawing helpers ----
    def choice(self, seq: Any) -> Any:
        seq = list(seq)
        return seq[self.draw(st.integers(0, len(seq) - 1))]

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) >= 100 - int(p * 100)

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def const(self) -> float:
        return self.choice(CONSTS)

    def fresh(self, base: str = "v") -> str:
        if self.name_pool and self.chance(0.7):
            name = self.name_pool.pop(0)
            if name not in self.taken:
                self.taken.add(name)
                return name
        while True:
            name = f"{base}{next(self.names)}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def builtin(self, name: str) -> bool:
        return name not in self.banned

    # ---- expressions ----
    def scalar_leaf(self, env: Env) -> str:
        opts = []
        sc = env.scalars()
        if sc:
            opts += [lambda: self.choice(sc)] * 3
        ints = env.of_kind(LOOPINT)
        if ints:
            opts.append(lambda: f"(0.25 * {self.choice(ints)})")
        arrs = [a for a in env.arrays() if env.vars[a].kind != ()]
        if arrs:
            opts.append(lambda: self.reduce(env, self.choice(arrs)))
            opts.append(lambda: self.index1(env, self.choice(arrs)))
        opts.append(lambda: fmt(self.const()))
        return self.choice(opts)()

    def index1(self, env: Env, a: str) -> str:
        shape = env.vars[a].kind
        idx = ", ".join(str(self.integer(-d, d - 1)) for d in shape)
        return f"{a}[{idx}]"

    def reduce(self, env: Env, a: str) -> str:
        np_ = self.np
        kind = env.vars[a].kind
        same = [b for b in env.arrays() if env.vars[b].kind == kind and len(kind) == 1]
        opts = [f"{np_}.sum({a})", f"{np_}.mean({a})", f"{a}.sum()", f"{np_}.sum({a} * {a})"]
        if same:
            b = self.choice(same)
            opts += [f"{np_}.dot({a}, {b})", f"({a} @ {b})"]
        opts += [f"{np_}.max({a})", f"{np_}.linalg.norm({a} + 2.0)", f"{np_}.prod({np_}.cos({a}))"]
        return self.choice(opts)

    def sexpr(self, env: Env, depth: int = 2) -> str:
        if depth <= 0 or self.chance(0.25):
            return self.scalar_leaf(env)
        np_, m = self.np, self.math
        k = self.integer(0, 8)
        a = self.sexpr(env, depth - 1)
        if k == 0:
            return f"{np_}.{self.choice(UNARY_NP)}({a})"
        if k == 1:
            return f"{m}.{self.choice(('sin', 'cos', 'tanh', 'atan'))}({a})"
        if k in (2, 3, 4):
            b = self.sexpr(env, depth - 1)
            return f"({a} {self.choice('+-*')} {b})"
        if k == 5:
            b = self.sexpr(env, depth - 1)
            return f"({a} / (1.5 + {b} * {b}))"
        if k == 6:
            return f"({fmt(self.const())} * {a})"
        if k == 7:
            return self.choice([f"{np_}.sqrt(1.0 + {a} * {a})", f"{np_}.log(2.0 + {np_}.sin({a}))",
                                f"{np_}.exp(-0.5 * {a} * {a})", f"({a}) ** 2",
                                f"{np_}.maximum({a}, 0.1)",
                                f"abs({a})" if self.builtin("abs") else f"{np_}.abs({a})"])
        return f"({a} + {fmt(self.const())})"

    def aexpr(self, env: Env, shape: Tuple[int, ...], depth: int = 2) -> str:
        """An array expression of this shape (always a fresh array when depth >= 1)."""
        np_ = self.np
        same = [a for a in env.arrays() if env.vars[a].kind == shape]
        if depth <= 0 or self.chance(0.2):
            return self.array_leaf(env, shape, same)
        k = self.integer(0, 7)
        a = self.aexpr(env, shape, depth - 1)
        if k == 0:
            return f"{np_}.{self.choice(UNARY_NP)}({a})"
        if k in (1, 2):
            b = self.aexpr(env, shape, depth - 1)
            return f"({a} {self.choice('+-*')} {b})"
        if k == 3:
            s = self.sexpr(env, depth - 1)
            return self.choice([f"({s} * {a})", f"({a} + {s})", f"({a} - {s})"])
        if k == 4:
            return f"({fmt(self.const())} * {a})"
        if k == 5:
            b = self.aexpr(env, shape, depth - 1)
            return f"({a} / (1.5 + {b} * {b}))"
        if k == 6 and len(shape) == 1:
            return self.choice([f"{np_}.cumsum({a})", f"{np_}.roll({a}, 1)", f"({a})[::-1]",
                                f"{np_}.concatenate([({a})[1:], ({a})[:1]])", f"{np_}.flip({a})"])
        if k == 6:
            return self.choice([f"{np_}.flip({a}, axis=0)", f"({a} - {np_}.mean({a}, axis=0))"])
        return self.choice([f"{np_}.sqrt(1.0 + {a} * {a})", f"{np_}.exp(-0.5 * {a} * {a})", f"({a}) ** 2",
                            f"{np_}.maximum({a}, -0.2)", f"{np_}.clip({a}, -1.0, 1.0)"])

    def array_leaf(self, env: Env, shape: Tuple[int, ...], same: List[str]) -> str:
        np_ = self.np
        opts = []
        if same:
            opts += [lambda: self.choice(same)] * 4
        size = int(np.prod(shape))
        other = [a for a in env.arrays() if a not in same and env.vars[a].kind != ()
                 and int(np.prod(env.vars[a].kind)) == size]
        if other:
            o = self.choice(other)
            if len(env.vars[o].kind) == 2 and tuple(reversed(env.vars[o].kind)) == shape:
                opts.append(lambda: f"{o}.T")
            opts.append(lambda: f"{o}.reshape({shape!r})" if len(shape) > 1 else f"{o}.ravel()")
        longer = [a for a in env.arrays() if len(env.vars[a].kind) == 1 and len(shape) == 1
                  and env.vars[a].kind[0] > shape[0]]
        if longer:
            o = self.choice(longer)
            start = self.integer(0, env.vars[o].kind[0] - shape[0])
            opts.append(lambda: f"{o}[{start}:{start + shape[0]}]")
        if env.scalars():
            opts.append(lambda: f"({self.choice(env.scalars())} * {np_}.ones({shape!r}))")
        vals = [self.const() for _ in range(size)]
        opts.append(lambda: f"{np_}.array({vals!r})" if len(shape) == 1
                    else f"{np_}.array({vals!r}).reshape({shape!r})")
        opts.append(lambda: f"({np_}.arange({size}.0).reshape({shape!r}) * 0.3 - 0.5)")
        return self.choice(opts)()

    def expr(self, env: Env, kind: Any, depth: int = 2) -> str:
        if kind == SCALAR:
            return self.sexpr(env, depth)
        return self.aexpr(env, kind, max(depth, 1))

    def cond(self, env: Env) -> str:
        """A comparison on values (the path depends on the point)."""
        k = self.integer(0, 4)
        op = self.choice(("<", ">", "<=", ">="))
        if k <= 2 or not env.arrays():
            return f"{self.sexpr(env, 1)} {op} {fmt(self.const())}"
        a = self.choice(env.arrays())
        if k == 3:
            return f"{self.np}.sum({a}) {op} {fmt(self.const())}"
        return f"{self.sexpr(env, 1)} {op} {self.sexpr(env, 1)}"

    # ---- statements ----
    def new_kind(self, env: Env) -> Any:
        kinds = [SCALAR, SCALAR, (self.n,)] + [v.kind for v in env.vars.values() if is_array(v.kind)]
        return self.choice(kinds)

    def generic_stmt(self, env: Env) -> List[str]:
        """Ordinary arithmetic: a new variable, a reassignment or an augmented assignment."""
        k = self.integer(0, 3)
        locals_ = [n for n, v in env.vars.items() if (v.kind == SCALAR or (is_array(v.kind) and v.owned))
                   and n not in self.params]
        if k == 0 or not locals_:
            kind = self.new_kind(env)
            name = self.fresh("s" if kind == SCALAR else "a")
            text = self.expr(env, kind)
            env.set(name, kind, owned=rhs_owned(env, text, self.np))
            return [f"{name} = {text}"]
        name = self.choice(locals_)
        kind = env.vars[name].kind
        if k == 1:
            rhs = self.choice(['0.5 * ' + name + ' + ', '']) + self.expr(env, kind)
            env.vars[name].owned = rhs_owned(env, rhs, self.np)
            return [f"{name} = {rhs}"]
        if k == 2:
            op = self.choice(("+=", "-=", "*="))
            rhs = self.expr(env, self.choice([SCALAR, kind]) if kind != SCALAR else SCALAR, 1)
            if op == "*=":
                rhs = f"{self.np}.tanh({rhs})"
            return [f"{name} {op} {rhs}"]
        # rebind an array to a new value (the old object is left alone)
        rhs = self.expr(env, kind)
        env.vars[name].owned = rhs_owned(env, rhs, self.np)
        return [f"{name} = {rhs}"]

    # ---- blocks and contexts ----
    def stmts(self, env: Env, fam: Any, count: int) -> List[str]:
        out: List[str] = []
        for _ in range(count):
            if self.chance(0.65):
                out += fam.snippet(self, env)
            else:
                out += self.generic_stmt(env)
        return out

    def block(self, env: Env, fam: Any) -> Tuple[List[str], Env]:
        ctx = self.choice(CONTEXTS if self.depth < 2 else ("straight", "straight", "if"))
        self.contexts.append(ctx)
        self.depth += 1
        try:
            if ctx == "straight":
                return self.stmts(env, fam, self.integer(1, 3)), env
            if ctx == "for":
                return self.for_block(env, fam)
            if ctx == "while":
                return self.while_block(env, fam)
            return self.if_block(env, fam)
        finally:
            self.depth -= 1

    def body(self, env: Env, fam: Any) -> Tuple[List[str], Env]:
        lines = self.stmts(env, fam, self.integer(1, 2))
        if self.depth < 2 and self.chance(0.3):
            inner, env = self.block(env, fam)
            lines += inner
        return lines, env

    def for_block(self, env: Env, fam: Any) -> Tuple[List[str], Env]:
        if not self.builtin("range"):
            return self.while_block(env, fam)
        inner = env.copy()
        k = self.integer(0, 3)
        arrs = [a for a in env.arrays() if len(env.vars[a].kind) in (1, 2)]
        if k == 0 and arrs:
            a = self.choice(arrs)
            e = self.fresh("e")
            shape = env.vars[a].kind
            inner.set(e, SCALAR if len(shape) == 1 else shape[1:], owned=env.vars[a].owned)
            if self.builtin("enumerate") and self.chance(0.5):
                i = self.fresh("i")
                inner.set(i, LOOPINT)
                head = f"for {i}, {e} in enumerate({a}):"
            else:
                head = f"for {e} in {a}:"
        elif k == 1 and self.builtin("zip") and len([a for a in arrs if len(env.vars[a].kind) == 1]) >= 1:
            vecs = [a for a in arrs if len(env.vars[a].kind) == 1]
            a = self.choice(vecs)
            b = self.choice([v for v in vecs if env.vars[v].kind == env.vars[a].kind])
            e1, e2 = self.fresh("p"), self.fresh("q")
            inner.set(e1, SCALAR)
            inner.set(e2, SCALAR)
            head = f"for {e1}, {e2} in zip({a}, {b}):"
        else:
            i = self.fresh("i")
            inner.set(i, LOOPINT)
            if self.params_int and self.chance(0.4):
                head = f"for {i} in range({self.params_int[0]}):"
            else:
                head = f"for {i} in range({self.integer(1, 4)}):"
        self.in_loop += 1
        lines, inner = self.body(inner, fam)
        self.in_loop -= 1
        # range(K >= 1) and the arrays iterated over are never empty: new names survive the loop
        for name in list(inner.vars):
            if inner.vars[name].kind == LOOPINT:
                del inner.vars[name]
        return [head] + indent(lines or ["pass"]), inner

    def while_block(self, env: Env, fam: Any) -> Tuple[List[str], Env]:
        k = self.fresh("k")
        limit = self.integer(1, 4)
        inner = env.copy()
        inner.set(k, LOOPINT)
        value_cond = self.chance(0.5)
        test = f"{k} < {limit}"
        if value_cond:
            test += f" and {self.cond(env)}"
        self.in_loop += 1
        lines, inner = self.body(inner, fam)
        self.in_loop -= 1
        tail = [f"{k} += 1"]
        if self.chance(0.25):
            tail = [f"if {self.cond(inner)}:", "    " + f"{k} += 1", "    break", f"{k} += 1"]
        pre: List[str] = []
        if value_cond:
            # the loop may run zero times: names it creates are initialised before it
            env = env.copy()
            for name, v in inner.vars.items():
                if name not in env.vars and v.kind != LOOPINT and (v.kind == SCALAR or is_array(v.kind)):
                    rhs = self.expr(env, v.kind, 1)
                    pre.append(f"{name} = {rhs}")
                    env.set(name, v.kind, owned=rhs_owned(env, rhs, self.np))
        out = pre + [f"{k} = 0", f"while {test}:"] + indent(lines + tail)
        result = merge(env, inner) if value_cond else inner
        result.vars.pop(k, None)
        return out, result

    def if_block(self, env: Env, fam: Any) -> Tuple[List[str], Env]:
        test = self.cond(env)
        then_lines, then_env = self.body(env.copy(), fam)
        if self.chance(0.7):
            else_lines, else_env = self.body(env.copy(), fam)
        else:
            else_lines, else_env = [], env.copy()
        # names created in only one branch are given a value in the other one too
        for src, dst, dst_lines in ((then_env, else_env, else_lines), (else_env, then_env, then_lines)):
            for name, v in list(src.vars.items()):
                if name in env.vars or v.kind == LOOPINT or not (v.kind == SCALAR or is_array(v.kind)):
                    continue
                if name not in dst.vars:
                    rhs = self.expr(dst, v.kind, 1)
                    dst_lines.append(f"{name} = {rhs}")
                    dst.set(name, v.kind, owned=rhs_owned(dst, rhs, self.np))
        out = [f"if {test}:"] + indent(then_lines or ["pass"])
        if else_lines:
            out += ["else:"] + indent(else_lines)
        return out, merge(then_env, else_env)

    # ---- the function ----
    def make_params(self, param_names: List[str]) -> List[Tuple[str, Any, Any]]:
        params: List[Tuple[str, Any, Any]] = []
        nparams = self.integer(1, 3)
        for j in range(nparams):
            name = param_names[j]
            kind = self.choice([SCALAR, (self.n,), (self.n,), (2, self.n // 2)])
            params.append((name, kind, self.value(kind)))
        if self.chance(0.2):
            params.append(("n", LOOPINT, self.integer(1, 3)))
        return params

    def value(self, kind: Any) -> Any:
        if self.family == "where":
            elem = st.one_of(st.sampled_from([0.0, 0.0, -0.6, -1.1, 0.45, 1.3]),
                             st.floats(-1.5, 1.5).map(lambda t: round(t, 3)))
        else:
            elem = st.floats(-1.5, 1.5, allow_nan=False).map(lambda t: round(t, 3))
        if kind == SCALAR:
            return float(self.draw(elem))
        size = int(np.prod(kind))
        vals = self.draw(st.lists(elem, min_size=size, max_size=size))
        return np.array(vals, dtype=float).reshape(kind)

    def return_stmt(self, env: Env) -> Tuple[List[str], str]:
        np_ = self.np
        live = [(n, v) for n, v in env.vars.items() if (v.kind == SCALAR or is_array(v.kind))
                and n not in self.params]
        live = live[-8:]
        # a random subset is read at the end: a view or alias written in place and then never
        # read again is a different case for the compiler from one that is read
        live = [lv for lv in live if self.chance(0.8)] or live[-1:]
        live += [(n, env.vars[n]) for n in self.params if n in env.vars][:2]
        terms = []
        coefs = itertools.cycle((0.7, -0.3, 1.3, 0.45, -1.1, 0.9, 0.6))
        for name, v in live:
            c = next(coefs)
            if v.kind == SCALAR:
                terms.append(f"{fmt(c)} * {name}")
            else:
                terms.append(self.choice([f"{fmt(c)} * {np_}.sum({name})",
                                          f"{fmt(c)} * {np_}.sum({np_}.sin({name}) * {name})",
                                          f"{fmt(c)} * {np_}.sum({name} * {name})"]))
        total = " + ".join(terms) if terms else "0.0"
        out = self.choice([o for o in ["scalar"] * 6 + ["array", "tuple"] if o in self.outputs])
        arrs = [n for n, v in live if is_array(v.kind) and v.kind != ()]
        if out == "scalar" or not arrs:
            return [f"return {total}"], "scalar"
        a = self.choice(arrs)
        if out == "array":
            return [f"return {np_}.sin({a}) * ({total})"], "array"
        return [f"return {total}, {a} * 1.0"], "tuple"

    def module(self, params: List[Tuple[str, Any, Any]], body: List[str], ret: List[str]) -> str:
        parts = ["\n".join(self.imports)]
        if self.globals_:
            parts.append("\n".join(self.globals_.values()))
        for src in self.helpers.values():
            parts.append(src.strip("\n"))
        sig = ", ".join(p[0] for p in params)
        fn = [f"def {self.fname}({sig}):"] + indent(body + ret)
        parts.append("\n".join(fn))
        return "\n\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------
# families
# --------------------------------------------------------------------------------------

def owned_array(g: G, env: Env, shape: Optional[Tuple[int, ...]] = None) -> Tuple[List[str], str]:
    """An owned local array (made by copying when there is none): safe to write in place."""
    ok = [shape] if shape is not None else [(g.n,), (2, g.n // 2)]
    cands = [a for a in env.arrays(owned=True) if a not in g.params and env.vars[a].kind in ok]
    if cands and g.chance(0.8):
        return [], g.choice(cands)
    shape = shape or g.choice([(g.n,), (g.n,), (2, g.n // 2)])
    name = g.fresh("b")
    src = [a for a in env.arrays() if env.vars[a].kind == shape]
    if src:
        s = g.choice(src)
        rhs = g.choice([f"{s} * 1.0", f"{g.np}.array({s})", f"{s}.copy()", f"{s} + 0.0", f"{g.np}.copy({s})"])
    else:
        rhs = g.aexpr(env, shape, 1)
        rhs = f"({rhs}) * 1.0"
    env.set(name, shape, owned=True)
    return [f"{name} = {rhs}"], name


class Arith:
    @staticmethod
    def setup(g: G) -> None:
        pass

    @staticmethod
    def snippet(g: G, env: Env) -> List[str]:
        np_ = g.np
        k = g.integer(0, 4)
        arrs = [a for a in env.arrays() if len(env.vars[a].kind) == 1]
        mats = [a for a in env.arrays() if len(env.vars[a].kind) == 2]
        if k == 0 and mats:
            m = g.choice(mats)
            r, c = env.vars[m].kind
            name = g.fresh("mv")
            rhs = g.aexpr(env, (c,), 1)
            env.set(name, (r,))
            return [f"{name} = {np_}.tanh({m} @ {rhs})"]
        if k == 1 and arrs:
            a = g.choice(arrs)
            name = g.fresh("o")
            n = env.vars[a].kind[0]
            env.set(name, (n, n))
            return [f"{name} = {np_}.outer({a}, {np_}.cos({a}))"]
        if k == 2:
            name = g.fresh("s")
            line = f"{name} = {g.sexpr(env, 3)}"
            env.set(name, SCALAR)
            return [line]
        return g.generic_stmt(env)


class Swap:
    @staticmethod
    def setup(g: G) -> None:
        pass

    @staticmethod
    def snippet(g: G, env: Env) -> List[str]:
        lines: List[str] = []
        sc = [n for n in env.scalars() if n not in g.params]
        while len(sc) < 3:
            name = g.fresh("s")
            lines.append(f"{name} = {g.sexpr(env, 1)}")
            env.set(name, SCALAR)
            sc.append(name)
        a, b, c = g.choice(list(itertools.permutations(sc, 3)))
        k = g.integer(0, 13)
        if k == 0:
            lines.append(f"{a}, {b} = {b}, {a}")
        elif k == 1:
            lines.append(f"{a}, {b}, {c} = {c}, {a}, {b} * 1.5")
        elif k == 2:
            lines.append(f"{a}, {b} = {b}, {a} + {b}")
        elif k == 3:
            lines.append(f"{a}, {b} = {b} * 0.5, {g.np}.sin({a})")
        elif k == 4:
            lines.append(f"({a}, {b}), {c} = ({c}, {a}), {b}")
        elif k == 5:
            t = g.fresh("t")
            lines += [f"{t} = ({a}, {b})", f"{b}, {a} = {t}"]
        elif k == 6:
            owned = [x for x in env.arrays(owned=True) if x not in g.params and len(env.vars[x].kind) == 1]
            if owned:
                x = g.choice(owned)
                n = env.vars[x].kind[0]
                i, j = g.integer(0, n - 1), g.integer(0, n - 1)
                lines.append(f"{x}[{i}], {x}[{j}] = {x}[{j}], {x}[{i}] * 1.5")
            else:
                lines.append(f"{a}, {b} = {b}, {a}")
        elif k == 7:
            arrs = [x for x in env.arrays() if x not in g.params]
            same = [(x, y) for x in arrs for y in arrs if x != y and env.vars[x].kind == env.vars[y].kind]
            if same:
                x, y = g.choice(same)
                lines.append(f"{x}, {y} = {y}, {x}")
                vx, vy = env.vars[x], env.vars[y]
                env.vars[x], env.vars[y] = vy, vx
            else:
                lines.append(f"{a}, {c} = {c}, {a}")
        elif k == 8:
            lines.append(f"{a}, {b}, {c} = {b}, {c}, {a}")
            lines.append(f"{a} = {a} * 0.9 + {fmt(g.const())}")
        elif k == 9:
            lines.append(f"{a}, {b} = {b}, {a}")
            lines.append(f"{b} = {g.np}.tanh({b} + {a})")
        elif k == 10:  # a target keeps its own name: "x, y = x * 0.5 + y, y" (breaker 29 W4)
            lines.append(f"{a}, {b} = {a} * 0.5 + {b}, {b}")
        elif k == 11:
            lines.append(f"{a}, {c} = {a}, {b}")
        elif k == 12:
            lines.append(f"({a}, ({b}, {c})) = ({a}, ({c}, {b} * 1.5))")
        else:
            lines.append(f"[{a}, {b}] = [{a}, {b}]")
            lines.append(f"{a} = {a} * {b} + {fmt(g.const())}")
        return lines


class Alias:
    @staticmethod
    def setup(g: G) -> None:
        pass

    @staticmethod
    def snippet(g: G, env: Env) -> List[str]:
        np_ = g.np
        mat = g.chance(0.3)
        lines, b = owned_array(g, env, (2, g.n // 2) if mat else None)
        shape = env.vars[b].kind
        k = g.integer(0, 11)
        s = g.sexpr(env, 1)
        if len(shape) == 1:
            n = shape[0]
            if k == 0:
                r = g.fresh("r")
                env.set(r, shape)
                lines += [f"{r} = {b}", f"{r}[{g.integer(0, n - 1)}] = {s}"]
            elif k == 1:
                lines += [f"{b}[1:] *= {b}[:-1]"]
            elif k == 2:
                other = [a for a in env.arrays() if env.vars[a].kind == shape and a != b]
                src = g.choice(other) if other else b
                lines += [f"{b}[1:] *= {np_}.tanh({src}[:-1])"]
            elif k == 3:
                v = g.fresh("v")
                sl = g.choice(["1:", ":-1", "::2", "1::2", "-2:"])
                size = len(range(n)[slice(*[int(t) if t else None for t in sl.split(":")])])
                env.set(v, (size,))
                lines += [f"{v} = {b}[{sl}]", f"{v} += {s}"]
            elif k == 4:
                v = g.fresh("v")
                env.set(v, (1, n))
                lines += [f"{v} = {b}[None]", f"{v}[0, {g.integer(0, n - 1)}] = {s}"]
            elif k == 5:
                v = g.fresh("v")
                env.set(v, shape)
                lines += [f"{v} = {b}[...]", f"{v} *= {np_}.cos({s})"]
            elif k == 6:
                v = g.fresh("v")
                env.set(v, (2, n // 2))
                lines += [f"{v} = {b}.reshape(2, {n // 2})", f"{v}[1] = {v}[0] * {s}"]
            elif k == 7:
                r = g.fresh("r")
                env.set(r, shape)
                lines += [f"{r} = {b}", f"{r} += {g.aexpr(env, shape, 1)}", f"{b} = {b} * 2.0"]
            elif k == 8:
                v = g.fresh("v")
                env.set(v, (n - 1,))
                lines += [f"{v} = {b}[1:]", f"{b}[0] = {s}", f"{b}[1] = {v}[0] * 0.5 + {b}[0]"]
            elif k == 9:
                v = g.fresh("v")
                env.set(v, (n - 1,))
                lines += [f"{v} = {b}[:-1]", f"{v}[:] = {np_}.sin({v}) + {s}"]
            elif k == 10:
                r = g.fresh("r")
                env.set(r, shape)
                lines += [f"{r} = {b}", f"{b} += {s}", f"{r}[0] = {r}[0] * {r}[-1]"]
            else:
                v = g.fresh("v")
                env.set(v, shape)
                lines += [f"{v} = {b}.ravel()", f"{v}[{g.integer(0, n - 1)}] += {s}"]
        else:
            r_, c_ = shape
            v = g.fresh("v")
            if k % 4 == 0:
                env.set(v, (c_, r_))
                lines += [f"{v} = {b}.T", f"{v}[0] = {v}[-1] * {s}"]
            elif k % 4 == 1:
                env.set(v, (r_ * c_,))
                lines += [f"{v} = {b}.ravel()", f"{v} *= {np_}.tanh({s})"]
            elif k % 4 == 2:
                env.set(v, (r_ * c_,))
                lines += [f"{v} = {b}.reshape(-1)", f"{b}[0, 0] = {s}", f"{v}[-1] = {v}[0] + {s}"]
            else:
                env.set(v, (c_,))
                lines += [f"{v} = {b}[1]", f"{v} += {b}[0]"]
        return lines


class Fancy:
    @staticmethod
    def setup(g: G) -> None:
        pass

    @staticmethod
    def snippet(g: G, env: Env) -> List[str]:
        np_ = g.np
        lines, b = owned_array(g, env, (g.n,))
        n = g.n
        k = g.integer(0, 10)
        s = g.sexpr(env, 1)
        idx3 = [g.integer(0, 1), g.integer(0, 1), g.integer(0, n - 1)]
        v3 = g.aexpr(env, (3,), 1)
        if k == 0:
            lines.append(f"{b}[{idx3!r}] += {v3}")
        elif k == 1:
            src = g.aexpr(env, (n,), 1)
            lines.append(f"{b}[[0, 0]] = ({src})[:2]")
        elif k == 2:
            lines.append(f"{b}[{idx3!r}] = {v3}")
        elif k == 3:
            lines.append(f"{b}[{b} > {fmt(g.const())}] = {s}")
        elif k == 4:
            mask = [g.chance(0.5) for _ in range(n)]
            m = g.fresh("m")
            lines += [f"{m} = {np_}.array({mask!r})", f"{b}[{m}] *= {np_}.tanh({s})"]
        elif k == 5:
            lines.append(f"{np_}.add.at({b}, {idx3!r}, {v3})")
        elif k == 6:
            c = g.fresh("c")
            env.set(c, (3,))
            lines.append(f"{c} = {b}[{idx3!r}]")
        elif k == 7:
            idx = g.fresh("idx")
            lines += [f"{idx} = {np_}.array({idx3!r})", f"{b}[{idx}] -= {v3}"]
        elif k == 8:
            lines.append(f"{b}[[0, -1]] = {b}[[-1, 0]]")
        elif k == 9:
            cond = g.aexpr(env, (n,), 1)
            lines.append(f"{b}[{cond} < {fmt(g.const())}] += {s}")
        else:
            lines.append(f"{b}[[-1, 0, -1]] += {v3}")
        return lines


CONTAINER_HELPERS = {
    "entry": "def entry(g, i):\n    return g[i]\n",
    "pack": "def pack(a, b, as_tuple):\n    if as_tuple:\n        return (a, b)\n    return [a, b]\n",
    "total": "def total(seq):\n    s = 0.0\n    for item in seq:\n        s = s + np.sum(item)\n    return s\n",
    "swap_pair": "def swap_pair(p):\n    return p[1], p[0]\n",
    "get": "def get(d, key):\n    return d[key]\n",
    "scaled": "def scaled(d, c):\n    return {\"u\": d[\"u\"] * c, \"v\": d[\"v\"] + c}\n",
    "first_two": "def first_two(seq):\n    return seq[0] + seq[1]\n",
}


class Containers:
    @staticmethod
    def setup(g: G) -> None:
        pass

    @staticmethod
    def snippet(g: G, env: Env) -> List[str]:
        np_ = g.np
        kind = g.choice([SCALAR, (g.n,)])
        a = g.expr(env, kind, 1)
        b = g.expr(env, kind, 1)
        out = g.fresh("c")
        k = g.integer(0, 16)
        lines: List[str] = []

        def use(*names: str) -> None:
            for nm in names:
                g.helpers[nm] = CONTAINER_HELPERS[nm]

        if k == 0:
            use("pack", "entry")
            p = g.fresh("p")
            lines += [f"{p} = pack({a}, {b}, {g.cond(env)})", f"{out} = entry({p}, 0) * entry({p}, 1)"]
        elif k == 1:
            use("entry")
            t = g.fresh("t")
            lines += [f"{t} = ({a}, {b}) if {g.cond(env)} else [{b}, {a}]", f"{out} = entry({t}, 1) - {t}[0]"]
        elif k == 2 and g.builtin("list"):
            use("entry")
            lst = g.fresh("L")
            lines += [f"{lst} = list(({a}, {a}))", f"{out} = entry({lst}, 0) + {lst}[1] * 0.5"]
        elif k == 3:
            use("total")
            lst = g.fresh("L")
            kind = SCALAR
            lines += [f"{lst} = [{a}, {b}]", f"{lst}.append({np_}.sin({a}))", f"{out} = total({lst})"]
        elif k == 4:
            use("get", "scaled")
            d = g.fresh("d")
            lines += [f"{d} = {{\"u\": {a}, \"v\": {b}}}", f"{out} = get({d}, \"u\") * get(scaled({d}, 0.5), \"v\")"]
        elif k == 5:
            use("entry")
            vec = g.aexpr(env, (g.n,), 1)
            parts = g.fresh("parts")
            kind = (g.n // 2,)
            lines += [f"{parts} = {np_}.split({vec}, 2)", f"{out} = entry({parts}, 1) * {parts}[0]"]
        elif k == 6:
            use("entry")
            st_ = g.fresh("S")
            b2 = g.aexpr(env, (g.n,), 1)
            a2 = g.aexpr(env, (g.n,), 1)
            fn = g.choice(["stack", "vstack"])
            kind = (g.n,)
            lines += [f"{st_} = {np_}.{fn}([{a2}, {b2}])", f"{out} = entry({st_}, 0) - {st_}[1] * {st_}[0, 0]"]
        elif k == 7:
            st_ = g.fresh("C")
            b2 = g.aexpr(env, (g.n,), 1)
            a2 = g.aexpr(env, (g.n,), 1)
            kind = (g.n,)
            lines += [f"{st_} = {np_}.column_stack([{a2}, {b2}])", f"{out} = {st_}[:, 1] * {st_}[:, 0]"]
        elif k == 8:
            st_ = g.fresh("H")
            b2 = g.aexpr(env, (g.n,), 1)
            a2 = g.aexpr(env, (g.n,), 1)
            kind = (g.n,)
            lines += [f"{st_} = {np_}.hstack([{a2}, {b2}])", f"{out} = {st_}[:{g.n}] + {st_}[{g.n}:] * 2.0"]
        elif k == 9:
            use("swap_pair")
            p, q = g.fresh("p"), g.fresh("q")
            env.set(p, kind, owned=kind == SCALAR)
            env.set(q, kind, owned=kind == SCALAR)
            lines += [f"{p}, {q} = swap_pair(({a}, {b}))", f"{out} = {p} - 0.5 * {q}"]
        elif k == 10:
            use("entry", "first_two")
            nest = g.fresh("N")
            lines += [f"{nest} = [({a}, {b}), [{b}, {a}]]",
                      f"{out} = entry(entry({nest}, 1), 0) * first_two(entry({nest}, 0))"]
        elif k == 11:
            use("entry")
            lst = g.fresh("L")
            lines += [f"{lst} = [{a}, {b}]", f"{lst}[0] = {lst}[1] * 2.0", f"{out} = entry({lst}, 0) + {lst}[1]"]
        elif k == 13:
            # a dict whose keys change: read-and-overwrite, then a new key (and the other order)
            d = g.fresh("d")
            steps = [f"{d}[\"s\"] = {d}[\"s\"] * ({b})", f"{d}[\"t\"] = ({b}) * 2.0"]
            if g.chance(0.3):
                steps.reverse()
            read = g.choice([f"{d}[\"s\"] + {d}[\"t\"]", f"{d}[\"s\"] * 1.5", f"{d}[\"t\"] - {d}[\"s\"]"])
            lines += [f"{d} = {{\"s\": {a}}}", *steps, f"{out} = {read}"]
        elif k == 14:
            # a dict held in a list, replaced by a dict with more keys
            lst = g.fresh("L")
            lines += [f"{lst} = [{{\"s\": {a}}}]", f"{lst}[0] = {{\"s\": {lst}[0][\"s\"] * ({b}), \"t\": {b}}}",
                      f"{out} = {lst}[0][\"s\"] + {lst}[0][\"t\"]"]
        elif k in (15, 16):
            # slice assignment into a list that changes its length (shrink, grow)
            lst = g.fresh("L")
            part = f"[({b}) * 7.0]" if k == 15 else f"[{a}, ({b}) * 0.5]"
            where = g.choice(["0:2", "1:3"]) if k == 15 else g.choice(["1:1", "0:1", "2:"])
            lines += [f"{lst} = [{a}, ({b}) * 2.0, ({a}) * 3.0]", f"{lst}[{where}] = {part}",
                      f"{out} = {lst}[0] * ({a}) + {lst}[1] + {lst}[-1] * 0.5"]
        else:
            use("pack", "entry")
            p = g.fresh("p")
            cond = g.cond(env)
            lines += [f"if {cond}:", f"    {p} = pack({a}, {b}, True)", "else:",
                      f"    {p} = [{b} * 2.0, {a}]", f"{out} = entry({p}, 0) + entry({p}, 1) * 0.5"]
        env.set(out, kind)
        return lines


class NegConst:
    @staticmethod
    def setup(g: G) -> None:
        pass

    @staticmethod
    def snippet(g: G, env: Env) -> List[str]:
        np_, m = g.np, g.math
        kind = g.choice([SCALAR, SCALAR, (g.n,)])
        e = g.expr(env, kind, 1)
        pos = f"(1.5 + {g.expr(env, kind, 1)} ** 2)"
        name = g.fresh("s" if kind == SCALAR else "a")
        templates = [
            f"(-2.0) ** 2 * {e}", f"-{e} ** 2", f"(-{e}) ** 2", f"{pos} ** -1", f"{pos} ** -2",
            f"{pos} ** -1.0", f"{pos} ** (-0.5)", f"{np_}.power({pos}, -1.0)", f"{e} * -3.0", f"{e} - -2.0",
            f"-(-{e})", f"- -{e}", f"-1 * {e}", f"{e} / -2.0", f"2.0 ** -{e}", f"(-1.0) ** 2 * {e}",
            f"(-1) ** 3 * {e}", f"(-0.5) ** 3 + {e}", f"{pos} ** -1 ** 2", f"{np_}.exp(-{e} ** 2)",
            f"({e}) ** 3", f"-{np_}.sin(-{e})", f"(-{pos}) ** -1", f"{e} ** 2.0", f"-{e} ** 3 * -1.0",
            f"{np_}.power(-{e}, 2)", f"-(1.0 - {e}) ** 2",
        ]
        if kind == SCALAR:
            templates += [f"{m}.pow(-2.0, 2) * {e}", f"{m}.pow({pos}, -1.0)"]
        k = g.integer(0, 3)
        if k == 0 and g.builtin("range") and kind == SCALAR:
            kk = g.fresh("k")
            x = g.fresh("x")
            start = g.choice(["0.0", "-1.0", "(-0.5) ** 2"])
            env.set(name, SCALAR)
            return [f"{x} = {np_}.tanh({e})", f"{name} = {start}",
                    f"for {kk} in range({g.integer(1, 5)}):",
                    f"    {name} = {name} + (-1.0) ** {kk} * {x} ** ({kk} + 1) / ({kk} + 1.0)"]
        env.set(name, kind)
        return [f"{name} = {g.choice(templates)}"]


NAME_POOL = ["x_dot", "x_bar", "_t0", "_t1", "_t2", "_t0_bar", "_tape", "_residuals", "_value", "_n", "_cond",
             "_brk", "_ret", "_retval", "h", "h_1", "h_2", "_", "g", "ans", "_t1_dot", "y_bar", "s_1"]


class Names:
    @staticmethod
    def setup(g: G) -> None:
        # module aliases: numpy may not be 'np', and 'np' may be something else
        k = g.integer(0, 4)
        if k == 1:
            g.np = "xp"
            g.imports = ["import math", "import numpy as xp"]
            g.globals_["np"] = "np = 0.25"
        elif k == 2:
            g.np = "numpy"
            g.math = "m"
            g.imports = ["import math as m", "import numpy", "import numpy as np"]
        elif k == 3:
            g.np, g.math = "onp", "pymath"
            g.imports = ["import math as pymath", "import numpy as onp"]
            g.globals_["math"] = "math = 2.0"
            g.globals_["np"] = "np = 0.5"
        # globals named like generated names, read by the function
        for name in g.draw(st.lists(st.sampled_from(["x_bar", "_t0", "_tl", "f_vjp", "f_fwd", "_tape", "y_dot",
                                                     "reversed", "range", "len", "zip", "float", "list", "sum",
                                                     "isinstance", "_residuals", "tuple"]),
                                    max_size=3, unique=True)):
            g.globals_[name] = f"{name} = {g.const()!r}"
            g.global_reads.append(name)
            if name in SHADOWABLE_BUILTINS:
                g.banned.add(name)
        # builtins shadowed by locals (the function may then not call them)
        for name in g.draw(st.lists(st.sampled_from(SHADOWABLE_BUILTINS), max_size=2, unique=True)):
            if name in g.global_reads:  # (read as a global above: a local of that name would be unbound there)
                continue
            g.banned.add(name)
            g.local_builtins.append(name)
        g.name_pool = list(g.draw(st.permutations(NAME_POOL)))[: g.integer(2, 8)]
        # helpers whose names collide with the generated f_fwd/f_bwd/f_jvp/f_vjp
        if g.chance(0.5):
            g.helpers["sq"] = "def sq(z):\n    return z * z\n"
            g.helpers["sq_fwd"] = "def sq_fwd(z):\n    return 0.5 * z\n"
            g.helpers["sq_bwd"] = "def sq_bwd(z):\n    return z + 1.0\n"
            g.helpers["sq_vjp"] = "def sq_vjp(z):\n    return z * 3.0\n"
            g.global_calls += ["sq", "sq_fwd", "sq_bwd", "sq_vjp"]
        if g.chance(0.3):
            g.helpers["f_vjp"] = f"def {g.fname}_vjp(z):\n    return {g.np}.sin(z)\n"
            g.helpers["f_jvp"] = f"def {g.fname}_jvp(z):\n    return z * 2.0\n"
            g.global_calls += [f"{g.fname}_vjp", f"{g.fname}_jvp"]
            g.globals_.pop("f_vjp", None)
            if "f_vjp" in g.global_reads:
                g.global_reads.remove("f_vjp")

    @staticmethod
    def snippet(g: G, env: Env) -> List[str]:
        np_ = g.np
        kind = g.choice([SCALAR, SCALAR, (g.n,)])
        k = g.integer(0, 7)
        if k == 0 and g.local_builtins:
            name = g.local_builtins.pop(0)
            g.taken.add(name)
            rhs = g.expr(env, kind, 1)
            env.set(name, kind, owned=rhs_owned(env, rhs, g.np))
            return [f"{name} = {rhs}"]
        if k == 1 and g.global_reads:
            name = g.choice(g.global_reads)
            out = g.fresh("s")
            rhs = g.expr(env, kind, 1)
            env.set(out, kind)
            return [f"{out} = {rhs} * {name}"]
        if k == 2 and g.global_calls:
            fn = g.choice(g.global_calls)
            out = g.fresh("s")
            rhs = g.expr(env, kind, 1)
            env.set(out, kind)
            return [f"{out} = {fn}({rhs})"]
        if k == 3:
            # SSA-looking names: h, h_1, h_2 all live at once
            lines = []
            for nm in ("h", "h_1", "h", "h_2", "h_1"):
                rhs = g.expr(env, kind, 1)
                if nm in env.vars and env.vars[nm].kind == kind:
                    rhs = f"{nm} * 0.5 + {rhs}"
                elif nm in env.vars or nm in g.params:
                    continue
                lines.append(f"{nm} = {rhs}")
                g.taken.add(nm)
                env.set(nm, kind, owned=rhs_owned(env, rhs, g.np))
            return lines or g.generic_stmt(env)
        if k == 4:
            # a nested def whose inlined parameter name collides with a local
            inner = g.fresh("inner")
            z = g.choice(["z", "x", "_t0", "g"])
            coll = f"{inner}_{z}"
            w = g.sexpr(env, 1)
            out = g.fresh("s")
            g.taken.add(coll)
            rhs = g.expr(env, kind, 1)
            env.set(coll, kind, owned=rhs_owned(env, rhs, g.np))
            env.set(out, kind)
            return [f"{coll} = {rhs}", f"def {inner}({z}):",
                    f"    return {np_}.tanh({z}) * {w}", f"{out} = {inner}({coll}) + {coll} * 0.5"]
        if k == 5:
            lst = g.fresh("_tape") if "_tape" in g.taken else "_tape"
            if lst in env.vars or lst in g.params:
                return g.generic_stmt(env)
            g.taken.add(lst)
            out = g.fresh("s")
            e1, e2 = g.expr(env, kind, 1), g.expr(env, kind, 1)
            env.set(out, kind)
            return [f"{lst} = []", f"{lst}.append({e1})", f"{lst}.append({e2})", f"{out} = {lst}[0] * {lst}[-1]"]
        if k == 6:
            # module-level values that are not numbers: None, flags, axes (OPT = None is common)
            name = f"OPT{len(g.globals_)}"
            out = g.fresh("s")
            a, b = g.expr(env, kind, 1), g.expr(env, kind, 1)
            env.set(out, kind)
            if kind == SCALAR or g.chance(0.4):
                value = g.choice(["None", "True", "False", "0", "'fast'"])
                g.globals_[name] = f"{name} = {value}"
                test = g.choice([f"{name} is None", f"{name}", f"not {name}", f"{name} == 'fast'"])
                return [f"if {test}:", f"    {out} = {a}", "else:", f"    {out} = {b}"]
            if g.chance(0.5):  # None as np.newaxis
                g.globals_[name] = f"{name} = None"
                return [f"{out} = {np_}.sum(({a})[{name}, :] * ({b})[:, {name}], axis=0)"]
            value = g.choice(["None", "0", "(0,)", "-1"])
            g.globals_[name] = f"{name} = {value}"
            return [f"{out} = ({a}) * {np_}.sum({b}, axis={name})"]
        return Arith.snippet(g, env)


class Where:
    @staticmethod
    def setup(g: G) -> None:
        g.expect_finite = True

    @staticmethod
    def snippet(g: G, env: Env) -> List[str]:
        np_ = g.np
        kind = g.choice([SCALAR, (g.n,), (g.n,)])
        params = [p for p in g.params if env.vars.get(p) is not None and env.vars[p].kind == kind]
        base = g.choice(params) if params and g.chance(0.8) else g.expr(env, kind, 1)
        x = base if params and base in params else f"({base})"
        name = g.fresh("w")
        templates = [
            f"{x} ** 0.0", f"{x} ** 0", f"{np_}.power({x}, 0.0)", f"{np_}.power({x}, 0)", f"{x} ** 1.0",
            f"{x} ** 2.0", f"{np_}.where({x} > 0, {np_}.sqrt({x}), 0.0)",
            f"{np_}.where({x} > 0, {np_}.log({x}), {x})",
            f"{np_}.where({x} >= 0.0, {x}, 0.0)", f"{np_}.where({x} < 0, -{x}, {x} * {x})",
            f"{np_}.where({x} > 0.0, {x} * {np_}.log({x}), 0.0)",
            f"{np_}.where({x} > 0, {x} ** 0.5, -{x})", f"{np_}.where({x} <= 0, 0.0, {np_}.sqrt({x}) * {x})",
            f"{np_}.power({x}, 0.0) * {np_}.sin({x})", f"{np_}.where({x} > 0, {np_}.arcsin({x} - 1.0), 0.5 * {x})",
        ]
        # an infinite or NaN value the where selects away, computed further: through a power, an
        # elementwise function, a user helper's product, an elementwise einsum or prod
        g.helpers["times"] = "def times(a, b):\n    return a * b\n"
        g.helpers["squashed"] = f"def squashed(a):\n    return {np_}.tanh(a) * a\n"
        log = f"{np_}.log({x})"
        templates += [
            f"{np_}.where({x} > 0, {log} ** 2, 0.0)", f"{np_}.where({x} > 0, {np_}.power({log}, 3), 0.0)",
            f"{np_}.where({x} > 0, {np_}.sin({log}), 0.0)", f"{np_}.where({x} > 0, {np_}.exp(-{log}), 0.0)",
            f"{np_}.where({x} > 0, times({x}, {log}), 0.0)", f"{np_}.where({x} > 0, squashed({log}), 0.0)",
            f"{np_}.where({x} > 0, {np_}.sqrt({np_}.sqrt({x})), 0.0)",
        ]
        if kind != SCALAR:  # (not einsum, dot or @: contractions do not keep strong zeros, docs/limitations.md)
            templates += [f"{np_}.where({x} > 0, {np_}.prod({np_}.stack([{x}, {log}]), axis=0), 0.0)"]
        if kind == SCALAR:  # (1.0 / x would raise ZeroDivisionError for a Python float 0.0)
            templates += [f"{g.math}.pow({x}, 0.0)", f"({np_}.sqrt({x}) if {x} > 0 else 0.0)"]
        else:
            templates.append(f"{np_}.where({x} != 0, 1.0 / {x}, 0.0)")
        env.set(name, kind)
        return [f"{name} = {g.choice(templates)}"]


FAMILY_IMPL = {"arith": Arith, "swap": Swap, "alias": Alias, "fancy": Fancy, "containers": Containers,
               "negconst": NegConst, "names": Names, "where": Where}

PARAM_NAMES = ["x", "y", "z", "u"]
NAMES_PARAMS = ["x", "x_bar", "x_dot", "_t0", "_tape", "_t1_bar", "g", "ans", "h_1", "_tl", "_value", "y_bar",
                "_residuals"]


@st.composite
def programs(draw: Any, family: str, outputs: Tuple[str, ...] = ("scalar", "array", "tuple")) -> Program:
    """A random program of one family; ``outputs`` limits what its function may return."""
    g = G(draw, family)
    g.outputs = outputs
    g.n = g.choice([4, 6])
    if family == "names":
        g.fname = g.choice(["f", "f", "loss", "_t0", "x_bar", "step_vjp"])
    else:
        g.fname = g.choice(["f", "loss", "model", "objective"])
    fam = FAMILY_IMPL[family]
    fam.setup(g)
    if family == "names":
        pnames = [p for p in draw(st.permutations(NAMES_PARAMS))
                  if p not in g.globals_ and p not in g.helpers and p != g.fname]
    else:
        pnames = list(PARAM_NAMES)
    params = g.make_params(pnames)
    env = Env()
    for name, kind, _ in params:
        g.taken.add(name)
        if kind == LOOPINT:
            g.params_int.append(name)
        else:
            g.params.append(name)
            env.set(name, kind, owned=False)
    g.taken.add(g.fname)
    g.taken.update(g.helpers)
    g.taken.update(g.globals_)
    g.taken.update({"np", "math", "xp", "m", "onp", "pymath", "numpy"})
    body: List[str] = []
    for _ in range(g.integer(1, 3)):
        lines, env = g.block(env, fam)
        body += lines
    # local shadows of builtins not placed yet are placed now (they must exist somewhere)
    for name in g.local_builtins:
        body.append(f"{name} = {g.sexpr(env, 1)}")
        env.set(name, SCALAR)
    ret, output = g.return_stmt(env)
    source = g.module(params, body, ret)
    float_idx = [i for i, (_, kind, _) in enumerate(params) if kind != LOOPINT]
    if len(float_idx) > 1 and g.chance(0.4):
        wrt = tuple(sorted(draw(st.lists(st.sampled_from(float_idx), min_size=1, max_size=len(float_idx),
                                         unique=True))))
    else:
        wrt = tuple(float_idx)
    return Program(family, source, g.fname, tuple(p[2] for p in params), wrt, output, g.expect_finite,
                   tuple(g.contexts), dict(g.extra_files))


# --------------------------------------------------------------------------------------
# flattening helpers shared with the oracles
# --------------------------------------------------------------------------------------

def flat(v: Any) -> np.ndarray:
    if isinstance(v, (tuple, list)):
        parts = [flat(t) for t in v]
        return np.concatenate(parts) if parts else np.zeros(0)
    if isinstance(v, dict):
        return flat([v[k] for k in sorted(v)])
    return np.ravel(np.asarray(v, dtype=float))


def structure(v: Any) -> Any:
    if isinstance(v, (tuple, list)):
        return (type(v).__name__, tuple(structure(t) for t in v))
    if isinstance(v, dict):
        return ("dict", tuple((k, structure(v[k])) for k in sorted(v)))
    if isinstance(v, np.ndarray) and v.ndim > 0:
        return ("array", v.shape)
    return "scalar"


def like(v: Any, rng: np.random.Generator) -> Any:
    """A random value of the same structure (a cotangent or tangent)."""
    if isinstance(v, tuple):
        return tuple(like(t, rng) for t in v)
    if isinstance(v, list):
        return [like(t, rng) for t in v]
    if isinstance(v, np.ndarray) and v.ndim > 0:
        return rng.normal(size=v.shape)
    return float(rng.normal())


# --------------------------------------------------------------------------------------
# the printed-code round-trip worker (run as a subprocess with TANGENT_LITE_CHECK_PRINT=1)
# --------------------------------------------------------------------------------------

def worker_main() -> None:  # pragma: no cover - runs in a subprocess
    import tempfile
    import traceback
    import warnings

    import tangent_lite as tl
    warnings.simplefilter("ignore")
    tmp = tempfile.mkdtemp(prefix="tlo_worker_")
    for line in sys.stdin:
        req = json.loads(line)
        prog = Program.from_json(req["program"])
        resp: Dict[str, Any] = {}
        try:
            mod, fn = prog.load(tmp)
            args = prog.fresh_args()
            wrt = prog.wrt
            v = tuple(_decode(t) for t in req["v"])
            w = req["w"]
            with np.errstate(all="ignore"):
                out, pb = tl.vjp(fn, *args, wrt=wrt)
                resp["vjp_out"] = flat(out).tolist()
                ct = pb(_rebuild(w, out))
                resp["vjp"] = flat(ct).tolist()
                out2, tan = tl.jvp(fn, args, v, wrt=wrt)
                resp["jvp_out"] = flat(out2).tolist()
                resp["jvp"] = flat(tan).tolist()
                if prog.output == "scalar":
                    val, gr = tl.value_and_grad(fn, wrt=wrt)(*args)
                    resp["vg"] = [float(val)] + flat(gr).tolist()
            unload(mod)
        except Exception as exc:  # reported to the parent as text
            resp = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


def _rebuild(w: Any, out: Any) -> Any:
    """Cotangent of the output's structure from the flat list w."""
    vals = iter(w)

    def build(o: Any) -> Any:
        if isinstance(o, tuple):
            return tuple(build(t) for t in o)
        if isinstance(o, list):
            return [build(t) for t in o]
        if isinstance(o, np.ndarray) and o.ndim > 0:
            return np.array([next(vals) for _ in range(o.size)]).reshape(o.shape)
        return float(next(vals))

    return build(out)


def _show(family: str, count: int) -> None:
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=count, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(programs(family))
    def show(p: Program) -> None:
        print(p.describe())
        print("-" * 70)

    show()


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "worker":
        worker_main()
    elif len(sys.argv) >= 3 and sys.argv[1] == "show":
        _show(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
    else:
        print(__doc__)
