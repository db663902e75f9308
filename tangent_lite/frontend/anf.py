"""Name resolution and lowering to Wengert (A-normal / SSA) form.

    def f(W, x):                     def f(W, x):
        h = np.tanh(W @ x)   ==>         _t0 = W @ x
        return np.sum(h * h)             h = np.tanh(_t0)
                                         _t1 = h * h
                                         _t2 = np.sum(_t1)
                                         return _t2

Every statement applies one primitive to *atoms* (names, constants, or dotted
references to module-level objects such as ``np.pi``).  Variables assigned only
in straight-line code get SSA versions (``h``, ``h_1``); variables assigned inside
``if``/``for``/``while`` keep their name (the reverse pass saves what they overwrite).
Loops are canonicalised: ``for`` iterates a ``range`` (rows of arrays, ``enumerate``,
``zip`` and ``reversed`` become index loops) and ``while`` tests a fresh flag that is
recomputed at the end of the body.  Every call is resolved to the object it calls.
"""

from __future__ import annotations

import builtins
import collections
import difflib
import math
import operator
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from .. import runtime
from .. import syntax as S
from ..errors import (
    InfiniteRecursionError,
    Location,
    MultipleErrors,
    NoRuleError,
    TangentLiteError,
    UnsupportedConstructError,
    raise_all,
)
from ..rules.registry import REGISTRY
from ..syntax import FunctionSource, gast
from ..syntax.annotations import Key, get_anno, set_anno
from ..syntax.naming import Namer
from . import fence, jumps, sequences

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.MatMult: operator.matmul,
    gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
    gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor,
    gast.LShift: operator.lshift, gast.RShift: operator.rshift,
}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
            gast.Invert: operator.invert}

# ndarray methods -> (numpy function name, pack extra positional args into one tuple)
METHODS = {
    "sum": ("sum", False), "mean": ("mean", False), "prod": ("prod", False),
    "max": ("max", False), "min": ("min", False), "dot": ("dot", False),
    "reshape": ("reshape", True), "transpose": ("transpose", True), "clip": ("clip", False),
    "ravel": ("ravel", False), "flatten": ("ravel", False), "copy": ("copy", False),
    "std": ("std", False), "var": ("var", False), "cumsum": ("cumsum", False),
    "cumprod": ("cumprod", False), "squeeze": ("squeeze", False), "swapaxes": ("swapaxes", False),
    "argmax": ("argmax", False), "argmin": ("argmin", False), "trace": ("trace", False),
    "diagonal": ("diagonal", False), "round": ("round", False), "all": ("all", False),
    "any": ("any", False), "nonzero": ("nonzero", False), "argsort": ("argsort", False),
    "conj": ("conj", False), "repeat": ("repeat", False), "take": ("take", False),
}
# attribute reads on values that lower to calls
ATTR_CALLS = {"T": "transpose"}
NONDIFF_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}
# attributes of arrays that are views or buffers, not values derivatives can follow: refused
ARRAY_ONLY_ATTRS = {
    "flat": "index the flattened array instead: np.ravel(x)[i], or loop over np.ravel(x)",
    "base": "use the array itself (derivatives follow values, not the memory they share)",
    "data": "use the array itself (derivatives follow values, not the memory they share)",
    "ctypes": "compute with NumPy functions on the array",
    "strides": "compute with NumPy functions on the array",
    "flags": "compute with NumPy functions on the array",
}

_ATOM_TYPES = (gast.Name, gast.Constant)

_OP_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**", gast.MatMult: "@",
               gast.FloorDiv: "//", gast.Mod: "%", gast.BitAnd: "&", gast.BitOr: "|", gast.BitXor: "^",
               gast.LShift: "<<", gast.RShift: ">>"}

# builtins the generated code calls itself (loops, indexing): Wengert.aliases gives the name
# each goes by, another one where the user's own names shadow it
COMPILER_BUILTINS = ("range", "len", "list", "min", "reversed", "zip", "slice")


@dataclass
class Wengert:
    """The lowered function and what it refers to."""

    fn: Callable
    src: FunctionSource
    fdef: Any  # gast.FunctionDef in Wengert form
    params: List[str]
    env: Dict[str, Any]  # free names (globals, closure cells, builtins) -> objects
    aliases: Dict[str, str]  # template module name (np, math, _tl) -> name in generated code
    namer: Namer
    nonssa: Set[str] = field(default_factory=set)
    foreign: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # alias -> (module, name)
    # what the generation assumed: guard path -> the object it named (see guards.py); None: unknown
    guards: Optional[Dict[Tuple[str, str, Tuple[str, ...]], Any]] = field(default_factory=dict)
    display_names: Dict[str, str] = field(default_factory=dict)  # names inlining made -> how messages say them

    @property
    def name(self) -> str:
        return self.fn.__name__ if self.fn.__name__ != "<lambda>" else "_lambda"

    def text(self) -> str:
        return S.to_source(self.fdef)

    def function_name(self, role: str) -> str:
        """The name of the generated function for ``role`` (``vjp``, ``fwd``, ``bwd``, ``jvp``...):
        ``f_vjp``, or another name when the user's code already uses that one."""
        names = self.__dict__.setdefault("_function_names", {})
        if role not in names:
            names[role] = self.namer.fresh(f"{self.name}_{role}")
        return names[role]


# what the caller checks in a partial Wengert form that has problems already: (w, wrt) -> more problems
MoreProblems = Callable[[Wengert, Sequence[str]], List[TangentLiteError]]


def lower(fn: Callable, src: Optional[FunctionSource] = None, wrt: Optional[Sequence[str]] = None,
          more_problems: Optional[MoreProblems] = None) -> Wengert:
    """Parse, check and lower ``fn`` to Wengert form.

    Every problem is reported at once: the lowering goes on past what :mod:`fence` refuses
    (skipping those constructs), and when anything was found and ``wrt`` is known, the
    partial Wengert form is also checked for calls without derivative rules by
    ``more_problems`` (the caller's: ``analysis.differentiable.rule_problems``, which the
    front end does not import)."""
    src = src or S.load_function(fn)
    try:
        with S.recursion_room(src.depth):
            return _lower(fn, src, wrt, more_problems)
    except RecursionError:
        pass
    raise UnsupportedConstructError(  # outside the handler: no internal exception chained
        f"'{fn.__qualname__}' is nested too deeply to be transformed", src.location(src.node),
        "split the deepest expression into several statements")


def _lower(fn: Callable, src: FunctionSource, wrt: Optional[Sequence[str]],
           more_problems: Optional[MoreProblems]) -> Wengert:
    errors: List[TangentLiteError] = fence.problems(src)
    fdef = S.deepcopy(src.node)
    taken = {n.id for n in S.walk(fdef) if isinstance(n, gast.Name)}
    namer = Namer(taken | set(fn.__code__.co_names) | {"_tl", "np", "math"})
    w: Optional[Wengert] = None
    try:
        jumps.lower_jumps(fdef, namer)
        low = _Lowerer(fn, src, fdef, namer)
        low.run()
        w = Wengert(fn, src, low.fdef, low.params, low.env, low.aliases, namer, low.nonssa)
        w.foreign = dict(low.foreign_sources)
        w.guards = None if low.unguarded else dict(low.guards)
        w.display_names = dict(low.display_names)
        sequences.mark_sequence_ops(w.fdef.body)
        for role in ("vjp", "fwd", "bwd", "adjoints", "jvp", "jvp_batched"):  # taken before any other name
            w.function_name(role)
        errors += low.errors
        errors += _endless_recursion(w)
    except TangentLiteError as exc:
        errors += exc.errors if isinstance(exc, MultipleErrors) else [exc]
    except Exception:  # noqa: BLE001 - past a refused construct the lowering is best effort
        if not errors:
            raise
    if errors and w is not None and wrt is not None and more_problems is not None:
        errors += more_problems(w, wrt)
    if errors:
        raise_all(sorted(errors, key=lambda e: e.location.lineno if e.location else 0))
    assert w is not None
    return w


# calling what tl.grad, f.grad, tl.jvp... return inside a function being differentiated: (message, hint)
NESTED_DERIVATIVE = (
    "calling a derivative tangent_lite makes (tl.grad(...)(x), f.grad(x), tl.jvp, ...) inside a function that is "
    "being differentiated is not supported yet",
    "compute second derivatives with tl.hessian, tl.hvp or tl.jvp of tl.gradient_function(f), or write the inner "
    "derivative as a formula")


def is_tangent_lite_own(obj: Any) -> bool:
    """tangent_lite's own code (what tl.grad returns, the API): never the user's code to lower.
    The runtime helpers are not (derivative code differentiated again lowers them), nor a
    ``@tl.differentiate`` wrapper (it stands for the user's function)."""
    module = str(getattr(obj, "__module__", "") or "")
    return module.startswith("tangent_lite.") and not module.startswith("tangent_lite.runtime") \
        and not hasattr(obj, "__tl_function__")


def call_site(w: Wengert, callee: Any) -> Optional[Location]:
    """Where the user's code of ``w`` calls ``callee`` (the first such statement), if it does."""
    todo = list(w.fdef.body)
    while todo:
        stmt = todo.pop(0)
        value = getattr(stmt, "value", None)
        if isinstance(value, gast.Call) and getattr(get_anno(value, Key.CALLEE), "__tl_function__",
                                                    get_anno(value, Key.CALLEE)) is callee:
            return w.src.location(stmt)
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            todo[:0] = stmt.body + stmt.orelse
    return None


def _endless_recursion(w: Wengert) -> List[TangentLiteError]:
    """A function that calls itself on every path (not under an ``if``, a loop or a
    short-circuit) never returns: ``def f(x): return f(x / 2) + 1``."""
    for stmt in w.fdef.body:
        value = getattr(stmt, "value", None)
        callee = get_anno(value, Key.CALLEE) if isinstance(value, gast.Call) else None
        if callee is not None and getattr(callee, "__tl_function__", callee) is w.fn:
            name = w.fn.__qualname__
            line = get_anno(stmt, Key.ORIGIN) or getattr(stmt, "lineno", None)
            return [InfiniteRecursionError(
                f"'{name}' calls itself on every path (line {line}), so its recursion never ends "
                "(infinite recursion: Python would raise RecursionError)",
                w.src.location(w.src.node),
                f"give '{name}' a base case: return without calling itself when the input is small enough "
                f"(if ...: return ...)")]
    return []


def is_atom(node: Any) -> bool:
    return isinstance(node, _ATOM_TYPES) or (
        isinstance(node, gast.Attribute) and get_anno(node, Key.CALLEE, _MISSING) is not _MISSING
    )


_MISSING = object()


class _Lowerer:
    def __init__(self, fn: Callable, src: FunctionSource, fdef: Any, namer: Namer):
        self.fn, self.src, self.fdef, self.namer = fn, src, fdef, namer
        self.errors: List[TangentLiteError] = []
        self.params = [a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
        self.locals = set(self.params) | _stored_names(fdef.body)
        self.store_counts = collections.Counter(
            n.id for n in S.walk(fdef) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
        self.store_counts.update(self.params)
        self.nonssa = set(_assigned_in_compound(fdef.body))
        self.current: Dict[str, str] = {p: p for p in self.params}
        self.out: List[Any] = []
        self.lineno: Optional[int] = getattr(fdef, "lineno", None)
        self.env: Dict[str, Any] = {}
        self._closure = _closure_values(fn)
        self.foreign: Dict[str, Any] = {}  # free names of inlined functions from other namespaces
        self.foreign_sources: Dict[str, Tuple[str, str]] = {}  # alias -> (module, name) to bind it
        self.foreign_paths: Dict[str, Tuple[str, str, Tuple[str, ...]]] = {}  # alias -> its guard path
        self.guards: Dict[Tuple[str, str, Tuple[str, ...]], Any] = {}  # guard path -> what it named (guards.py)
        self.aliases: Dict[str, str] = {}
        self.aliases = self._choose_aliases()
        self.local_fns: Dict[str, Any] = {}
        self.def_variants: Dict[str, List[Any]] = {}
        self.in_branch = 0
        self.inlining: List[str] = []
        self.lambdas: Dict[str, Any] = {}  # nested function name -> the lambda it was assigned from
        self.opaque: Set[str] = set()  # names bound by refused statements (imports, classes): not checked further
        self.unguarded = False  # some resolution has no guard path: the result must not be reused
        self.frozen_defaults: Dict[int, Dict[str, Any]] = {}  # id(nested def) -> its default values (atoms)
        self.display_names: Dict[str, str] = {}  # a name inlining made -> how messages name it

    # -- driver ---------------------------------------------------------------
    def run(self) -> None:
        self.depth = -1  # the function body itself is depth 0
        body = self.block(self.fdef.body)
        if not body or not isinstance(body[-1], gast.Return):
            body.append(self._at(gast.Return(value=S.const(None))))
        self.fdef.body = body

    def error(self, cls: type, message: str, node: Any, hint: str = "") -> None:
        self.errors.append(cls(message, self.src.location(node) if node is not None else None, hint))

    # -- names ------------------------------------------------------------------
    def _choose_aliases(self) -> Dict[str, str]:
        aliases = {}
        for mod_name, module in (("np", np), ("math", math)):
            bound = [n for n in self._free_roots() if self.resolve_free(n) is module]
            if bound:
                aliases[mod_name] = sorted(bound, key=lambda n: (n != mod_name, n))[0]
            elif mod_name in self.locals or mod_name in self._free_roots():
                aliases[mod_name] = self.namer.fresh("_" + mod_name)
            else:
                aliases[mod_name] = mod_name
        taken = "_tl" in self.locals or ("_tl" in self._free_roots() and self.resolve_free("_tl") is not runtime)
        aliases["_tl"] = self.namer.fresh("_tl") if taken else "_tl"
        for name in COMPILER_BUILTINS:  # builtins generated code calls: under another name where the user's shadow them
            obj = getattr(builtins, name)
            if name in self.locals or (name in self._free_roots() and self.resolve_free(name) is not obj):
                alias = aliases[name] = self.namer.fresh("_" + name)
                self.foreign[alias] = self.env[alias] = obj
                self.foreign_sources[alias] = ("builtins", name)
            else:
                aliases[name] = name
        return aliases

    def _free_roots(self) -> Set[str]:
        if not hasattr(self, "_roots"):
            self._roots = {
                n.id for n in S.walk(self.fdef)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id not in self.locals
            }
        return self._roots

    def resolve_free(self, name: str) -> Any:
        if name in self.foreign:
            return self.foreign[name]
        if name in self._closure:
            return self.guarded(("cell", name, ()), self._closure[name])
        g = self.fn.__globals__
        if name in g:
            return self.guarded(("global", name, ()), g[name])
        if hasattr(builtins, name):
            return self.guarded(("global", name, ()), getattr(builtins, name))
        if name == self.aliases.get("_tl", "_tl"):
            return runtime
        return _MISSING

    def guarded(self, path: Tuple[str, str, Tuple[str, ...]], obj: Any) -> Any:
        """Record that the generated code assumes ``path`` names ``obj`` (see guards.py); for a
        Python function also its default values, which calls of it bind."""
        self.guards.setdefault(path, obj)
        if isinstance(obj, types.FunctionType):
            self.guards.setdefault((path[0], path[1], path[2] + ("__code__",)), obj.__code__)
            for attr in ("__defaults__", "__kwdefaults__"):
                if getattr(obj, attr, None) is not None:
                    self.guards.setdefault((path[0], path[1], path[2] + (attr,)), getattr(obj, attr))
        return obj

    def path_of(self, dotted: str) -> Optional[Tuple[str, str, Tuple[str, ...]]]:
        """The guard path of a dotted name as this function reads it (None: not one)."""
        root, *rest = dotted.split(".")
        if root in self.foreign_paths:
            where, name, path = self.foreign_paths[root]
            return where, name, path + tuple(rest)
        if root in self.foreign or root in self.locals:
            return None
        return ("cell" if root in self._closure else "global"), root, tuple(rest)

    def read(self, node: Any) -> Any:
        """A Name load: the current SSA name of a local, or a resolved free name."""
        if node.id in self.locals:
            return S.name(self.current.get(node.id, node.id))
        if node.id in self.opaque:
            return _opaque()
        obj = self.resolve_free(node.id)
        if obj is _MISSING:
            self.error(TangentLiteError, f"name '{node.id}' is not defined", node, self._undefined_hint(node.id))
            return _opaque()
        self.env[node.id] = obj
        out = S.name(node.id)
        set_anno(out, Key.CALLEE, obj)
        return out

    def _undefined_hint(self, name: str) -> str:
        known = ({n for n in self.locals if not n.startswith("_")} | set(self.fn.__globals__)
                 | set(self._closure) | set(dir(builtins))) - {self.fn.__name__}
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        if close:
            return f"did you mean '{close[0]}'? (or define '{name}' before the function uses it)"
        return f"define '{name}' before the function uses it: as an argument, a local variable, " \
            "or a module-level name"

    def target(self, var: str) -> str:
        """The name a new assignment to user variable ``var`` writes."""
        if var in self.nonssa:
            self.current[var] = var
            return var
        if var not in self.current and var not in self.params:
            self.namer.reserve(var)
            name = var
        else:
            name = self.namer.version(var)
        self.current[var] = name
        self.locals.add(name)
        self.current.setdefault(name, name)
        return name

    def temp(self) -> str:
        t = self.namer.temp()
        self.locals.add(t)
        self.current[t] = t
        return t

    # -- emission -------------------------------------------------------------
    def _at(self, node: Any) -> Any:
        node.lineno = self.lineno
        set_anno(node, Key.ORIGIN, self.lineno)
        return node

    def emit(self, node: Any) -> None:
        self.out.append(self._at(node))

    def block(self, stmts: List[Any]) -> List[Any]:
        """Lower ``stmts`` into a new list (compound statements call this for their bodies)."""
        self.depth += 1
        try:
            return self._block(stmts)
        finally:
            self.depth -= 1

    def _block(self, stmts: List[Any]) -> List[Any]:
        saved, self.out = self.out, []
        for stmt in stmts:
            line = getattr(stmt, "lineno", None)
            if line is not None:
                self.lineno = line
            self.stmt(stmt)
        result, self.out = self.out, saved
        return result

    # -- expressions ------------------------------------------------------------
    def atom(self, node: Any) -> Any:
        value = self.expr(node)
        if is_atom(value):
            return value
        t = self.temp()
        self.emit(S.assign(t, value))
        return S.name(t)

    def expr(self, node: Any) -> Any:
        """Lower ``node`` to a primitive expression over atoms (emitting what it needs)."""
        if get_anno(node, Key.FENCED):  # refused by fence (reported there)
            return _opaque()
        if isinstance(node, gast.Constant):
            if isinstance(node.value, complex):
                self.error(UnsupportedConstructError, "complex numbers are not supported", node,
                           "write the computation with real and imaginary parts as separate real values")
            return node
        if isinstance(node, gast.Name):
            if node.id in self.lambdas and node.id in self.local_fns:
                self.error(UnsupportedConstructError,
                           f"the lambda '{node.id}' is used as a value (on line {getattr(node, 'lineno', '?')}), "
                           "not called", self.lambdas[node.id],
                           f"only call '{node.id}(...)': passing or returning a function is not differentiated; "
                           "use a def and call it")
                return _opaque()
            if node.id in self.local_fns or node.id in self.def_variants:
                self.error(UnsupportedConstructError, f"the nested function '{node.id}' used as a value", node,
                           "call it where it is defined, or make it a module-level function")
                return _opaque()
            return self.read(node)
        if isinstance(node, gast.Attribute):
            return self.attribute(node)
        if isinstance(node, gast.BinOp):
            left, right = self.atom(node.left), self.atom(node.right)
            out = gast.BinOp(left=left, op=node.op, right=right)
            set_anno(out, Key.CALLEE, BINOPS[type(node.op)])
            return out
        if isinstance(node, gast.UnaryOp):
            if isinstance(node.op, (gast.USub, gast.UAdd)) and isinstance(node.operand, gast.Constant) \
                    and isinstance(node.operand.value, (int, float)):
                v = node.operand.value
                return S.const(-v if isinstance(node.op, gast.USub) else v)
            out = gast.UnaryOp(op=node.op, operand=self.atom(node.operand))
            set_anno(out, Key.CALLEE, UNARYOPS[type(node.op)])
            return out
        if isinstance(node, gast.Call):
            return self.call(node)
        if isinstance(node, gast.Compare):
            return self.compare(node)
        if isinstance(node, gast.BoolOp):
            return self.boolop(node)
        if isinstance(node, gast.IfExp):
            return self.ifexp(node)
        if isinstance(node, gast.Subscript):
            value = self.atom(node.value)
            out = gast.Subscript(value=value, slice=self.index(node.slice), ctx=gast.Load())
            set_anno(out, Key.CALLEE, operator.getitem)
            return out
        if isinstance(node, (gast.Tuple, gast.List)):
            elts = [self.atom(e) for e in node.elts]
            return type(node)(elts=elts, ctx=gast.Load())
        if isinstance(node, gast.Dict):
            keys = [self.atom(k) for k in node.keys]
            return gast.Dict(keys=keys, values=[self.atom(v) for v in node.values])
        if isinstance(node, gast.JoinedStr):
            for v in node.values:
                if isinstance(v, gast.FormattedValue):
                    v.value = self.atom(v.value)
            return node
        if isinstance(node, (gast.ListComp, gast.GeneratorExp)):
            return self.comprehension(node)
        if isinstance(node, gast.Lambda):
            self.error(UnsupportedConstructError, "a lambda used as a value", node,
                       "assign it to a name and call it, or use a def")
            return _opaque()
        self.error(UnsupportedConstructError, f"{type(node).__name__} expressions are not supported yet",
                   node, "rewrite the expression with plain statements")
        return _opaque()

    def comprehension(self, node: Any) -> Any:
        """``[e for x in xs if c]`` -> a loop appending to a fresh list (functionally)."""
        acc = self.temp()
        self.nonssa.add(acc)
        self.emit(S.assign(acc, gast.List(elts=[], ctx=gast.Load())))
        rename: Dict[str, str] = {}
        for gen in node.generators:
            for n in S.walk(gen.target):
                if isinstance(n, gast.Name):
                    rename.setdefault(n.id, self.namer.fresh(n.id))
        tree = S.deepcopy(gast.Module(body=[gast.Expr(value=node.elt)] + [gast.Expr(value=g) for g in node.generators],
                                      type_ignores=[]))
        _Rename(rename).visit(tree)
        elt = tree.body[0].value
        gens = [e.value for e in tree.body[1:]]
        self.locals |= set(rename.values())
        self.nonssa |= set(rename.values())
        append = S.call(S.parse_expr(f"{self.aliases['_tl']}.append"), [S.name(acc), elt])
        inner: List[Any] = [gast.Assign(targets=[S.name(acc, store=True)], value=append, type_comment=None)]
        for gen in reversed(gens):
            for cond in reversed(gen.ifs):
                inner = [gast.If(test=cond, body=inner, orelse=[])]
            inner = [gast.For(target=gen.target, iter=gen.iter, body=inner, orelse=[], type_comment=None)]
        for stmt in inner:
            ast_copy_lines(stmt, self.lineno)
            self.stmt(stmt)
        return S.name(acc)

    def index(self, node: Any) -> Any:
        if isinstance(node, gast.Slice):
            return gast.Slice(
                lower=self.atom(node.lower) if node.lower is not None else None,
                upper=self.atom(node.upper) if node.upper is not None else None,
                step=self.atom(node.step) if node.step is not None else None,
            )
        if isinstance(node, gast.Tuple):
            return gast.Tuple(elts=[self.index(e) for e in node.elts], ctx=gast.Load())
        return self.atom(node)

    def attribute(self, node: Any) -> Any:
        dotted = S.dotted_name(node)
        root = dotted.split(".")[0] if dotted else None
        if root is not None and root in self.opaque:
            return _opaque()
        if root is not None and root not in self.locals:
            obj = self.resolve_free(root)
            if obj is _MISSING:
                self.error(TangentLiteError, f"name '{root}' is not defined", node, self._undefined_hint(root))
                return _opaque()
            self.env[root] = root_obj = obj
            parts = dotted.split(".")
            for k, part in enumerate(parts[1:], 1):
                try:
                    obj = getattr(obj, part)
                except AttributeError:
                    owner = ".".join(parts[:k])
                    kind = f"the module '{obj.__name__}'" if isinstance(obj, type(np)) else f"'{owner}'"
                    close = difflib.get_close_matches(part, [a for a in dir(obj) if not a.startswith("_")], n=1)
                    hint = f"did you mean '{owner}.{close[0]}'?" if close else \
                        f"check the spelling of '{part}' ({kind} has no such attribute)"
                    self.error(TangentLiteError, f"'{dotted}' does not exist: {kind} has no attribute '{part}'",
                               node, hint)
                    return _opaque()
            path = self.path_of(dotted)
            if path is not None and len(parts) > 1:
                self.guarded(path, obj)
            out = S.parse_expr(dotted)
            set_anno(out, Key.CALLEE, obj)
            root_node = out
            while isinstance(root_node, gast.Attribute):
                root_node = root_node.value
            if root_node is not out:  # the module-level root is not a local variable (is_local)
                set_anno(root_node, Key.CALLEE, root_obj)
            return out
        value = self.atom(node.value)
        if node.attr in ATTR_CALLS:
            fname = ATTR_CALLS[node.attr]
            return self._np_call(fname, [value], [])
        if node.attr in ("real", "imag"):  # x.real -> np.real(x): rules, not a field read
            return self._np_call(node.attr, [value], [])
        if node.attr == "mT":  # the matrix transpose of a stack of matrices
            return self._np_call("swapaxes", [value, S.const(-1), S.const(-2)], [])
        if node.attr in ARRAY_ONLY_ATTRS:
            self.error(UnsupportedConstructError, f"the array attribute '.{node.attr}' is not supported", node,
                       hint=ARRAY_ONLY_ATTRS[node.attr])
        attr = _mangle(node.attr, self.fn)  # self.__x in a method of A is self._A__x
        return gast.Attribute(value=value, attr=attr, ctx=gast.Load())  # a field of a local value

    def _np_call(self, fname: str, args: List[Any], keywords: List[Any]) -> Any:
        func = S.attribute(S.name(self.aliases["np"]), fname)
        obj = getattr(np, fname)
        set_anno(func, Key.CALLEE, obj)
        self.env.setdefault(self.aliases["np"], np)
        out = gast.Call(func=func, args=args, keywords=keywords)
        set_anno(out, Key.CALLEE, obj)
        return out

    def call(self, node: Any) -> Any:
        func = node.func
        # method call on a local value: x.sum(axis=0) -> np.sum(x, axis=0)
        if isinstance(func, gast.Attribute) and not self._is_static(func):
            receiver = self.atom(func.value)
            args = [self.atom(a) for a in node.args]
            keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value)) for k in node.keywords]
            if any(get_anno(a, Key.FENCED) for a in [receiver] + args + [k.value for k in keywords]):
                return _opaque()
            if func.attr in METHODS:
                fname, pack = METHODS[func.attr]
                if pack and len(args) > 1:
                    args = [gast.Tuple(elts=args, ctx=gast.Load())]
                    args = [self.atom(args[0])]
                return self._np_call(fname, [receiver] + args, keywords)
            out = gast.Call(func=gast.Attribute(value=receiver, attr=func.attr, ctx=gast.Load()),
                            args=args, keywords=keywords)
            set_anno(out, Key.CALLEE, ("method", func.attr))
            return out
        root = S.dotted_name(func)
        if root is not None and root.split(".")[0] in self.opaque:
            return _opaque()
        if isinstance(func, gast.Name) and func.id in self.local_fns:
            return self.inline_local(self.local_fns[func.id], node)
        if isinstance(func, gast.Name) and len(self.def_variants.get(func.id, ())) > 1 \
                or isinstance(func, gast.Name) and func.id in self.def_variants and func.id not in self.local_fns:
            return self.call_variant(func.id, node)
        if isinstance(func, gast.Lambda):
            return self.inline_local(_lambda_def(func, "_lambda"), node)
        if isinstance(func, gast.Name) and func.id in self.locals:
            shown = self.display_names.get(func.id, func.id)
            self.error(UnsupportedConstructError, f"calling the local value '{shown}'", node,
                       "call a def, a lambda or a module-level function by name; a function received as an "
                       "argument is inlined where a caller passes it by name: differentiate that caller, e.g. "
                       "tl.grad(lambda x: apply(np.sin, x)) for def apply(f, x)")
            return _opaque()
        # a computed callee (fs[0](x), type(x)(v)) is a local value: no resolved object (not getitem)
        callee = self.expr(func) if isinstance(func, (gast.Name, gast.Attribute)) else self.atom(func)
        obj = get_anno(callee, Key.CALLEE, _MISSING)
        if callable(obj) and is_tangent_lite_own(obj):
            self.error(UnsupportedConstructError, NESTED_DERIVATIVE[0], node, NESTED_DERIVATIVE[1])
            return _opaque()
        if obj is not _MISSING and _is_python_function(obj) and REGISTRY.get(obj) is None and any(
                self._is_function_value(a) for a in list(node.args) + [k.value for k in node.keywords]):
            return self.inline_global(getattr(obj, "__tl_function__", obj), node)
        args = [self.atom(a) for a in node.args]
        keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value)) for k in node.keywords]
        if any(get_anno(a, Key.FENCED) for a in [callee] + args + [k.value for k in keywords]):
            return _opaque()  # calls something refused (and reported), or with it: not checked further
        out = gast.Call(func=callee, args=args, keywords=keywords)
        if obj is not _MISSING:
            set_anno(out, Key.CALLEE, obj)
        return out

    def _is_static(self, func: Any) -> bool:
        dotted = S.dotted_name(func)
        return dotted is not None and dotted.split(".")[0] not in self.locals

    def compare(self, node: Any) -> Any:
        if len(node.ops) == 1:
            out = gast.Compare(left=self.atom(node.left), ops=node.ops,
                               comparators=[self.atom(node.comparators[0])])
            set_anno(out, Key.CALLEE, ("compare", type(node.ops[0]).__name__))
            return out
        # a < b < c  ->  (a < b) and (b < c), b evaluated once
        left = self.atom(node.left)
        parts = []
        for op, right in zip(node.ops, node.comparators):
            right_atom = self.atom(right)
            parts.append(gast.Compare(left=left, ops=[op], comparators=[right_atom]))
            left = right_atom
        return self.boolop(gast.BoolOp(op=gast.And(), values=parts))

    def boolop(self, node: Any) -> Any:
        """``a and b``: short-circuit kept with ifs.  ``x or y`` is the value of an operand, not
        a boolean: the branches carry its derivatives."""
        t = self.temp()
        self.nonssa.add(t)
        self.emit(S.assign(t, self.expr(node.values[0])))
        rest = node.values[1:]
        if not rest:
            return S.name(t)
        inner = gast.BoolOp(op=node.op, values=rest) if len(rest) > 1 else rest[0]
        saved, self.out = self.out, []
        self.emit(S.assign(t, self.expr(inner)))
        body, self.out = self.out, saved
        # the branch test gets its own name: the branch overwrites t, and the reverse
        # sweep must replay the choice that was made
        c = self.temp()
        if isinstance(node.op, gast.Or):
            test = gast.UnaryOp(op=gast.Not(), operand=S.name(t))
            set_anno(test, Key.CALLEE, operator.not_)
            self.emit(S.assign(c, test))
        else:
            self.emit(S.assign(c, S.name(t)))
        self.emit(gast.If(test=S.name(c), body=body, orelse=[]))
        return S.name(t)

    def ifexp(self, node: Any) -> Any:
        test = self.atom(node.test)
        t = self.temp()
        self.nonssa.add(t)
        saved, self.out = self.out, []
        self.emit(S.assign(t, self.expr(node.body)))
        body, self.out = self.out, []
        self.emit(S.assign(t, self.expr(node.orelse)))
        orelse, self.out = self.out, saved
        self.emit(gast.If(test=test, body=body, orelse=orelse))
        return S.name(t)

    # -- statements ---------------------------------------------------------------
    def stmt(self, node: Any) -> None:
        if get_anno(node, Key.FENCED):
            self.fenced_stmt(node)
            return
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            self.error(UnsupportedConstructError, f"'{type(node).__name__}' statements are not supported",
                       node, "rewrite it with assignments, if, for and while")
            return
        method(node)

    def fenced_stmt(self, node: Any) -> None:
        """A statement fence.py refused (and reported): lower what it contains that runs
        like straight-line code (the body of a try or with block), so that other problems
        are found too; the names it binds (imports, classes) are not checked further."""
        if isinstance(node, (gast.Import, gast.ImportFrom)):
            self.opaque |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (gast.ClassDef, gast.AsyncFunctionDef)):
            self.opaque.add(node.name)
        elif isinstance(node, gast.Try):
            for stmt in node.body + node.finalbody:
                self.stmt(stmt)
        elif isinstance(node, gast.With):
            for stmt in node.body:
                self.stmt(stmt)

    def stmt_Assign(self, node: Any) -> None:
        if len(node.targets) > 1:  # a = b = expr
            value = self.atom(node.value)
            for tgt in node.targets:
                self.assign_to(tgt, value, node)
            return
        tgt = node.targets[0]
        if isinstance(tgt, (gast.Tuple, gast.List)) and isinstance(node.value, (gast.Tuple, gast.List)) \
                and len(tgt.elts) == len(node.value.elts):
            atoms = [self.atom(v) for v in node.value.elts]
            # Python evaluates the whole right side before binding any target: a name a
            # target rebinds in place (not a new SSA version) is read into a temporary first
            # (x, y = y, x in a loop: x = y; y = x would read the new x), the others stay atoms
            for k, a in enumerate(atoms):
                if isinstance(a, gast.Name) and get_anno(a, Key.CALLEE, _MISSING) is _MISSING \
                        and a.id in self._rebound_in_place(tgt.elts[:k]):
                    t = self.temp()
                    self.emit(S.assign(t, a))
                    atoms[k] = S.name(t)
            for t, a in zip(tgt.elts, atoms):
                self.assign_to(t, a, node)
            return
        if isinstance(tgt, gast.Name) and isinstance(node.value, gast.Lambda):
            self.local_fns[tgt.id] = _lambda_def(node.value, tgt.id)
            self.freeze_defaults(self.local_fns[tgt.id])
            self.lambdas[tgt.id] = node
            return
        if isinstance(tgt, gast.Name):
            self.assign_expr(tgt.id, node.value)
            return
        self.assign_to(tgt, self.atom(node.value), node)

    def _rebound_in_place(self, targets: List[Any]) -> Set[str]:
        """The current names assignments to ``targets`` overwrite (variables outside SSA form
        keep their name; an SSA variable gets a new version, which overwrites nothing)."""
        out: Set[str] = set()
        for n in (n for t in targets for n in S.walk(t)):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id in self.nonssa:
                out.add(self.current.get(n.id, n.id))
        return out

    def assign_expr(self, var: str, node: Any) -> None:
        """``var = <node>``; through a temporary when ``var`` is overwritten in place
        (``x = np.sin(x)`` in a loop), so the reverse pass sees input and output apart."""
        value = self.expr(node)
        if var in self.nonssa and isinstance(value, gast.Name) and value.id == self.current.get(var, var):
            return  # x = x: nothing happens
        if var in self.nonssa and not is_atom(value) and var in _loaded_names(value):
            value = self.atom(value)
        self.emit(S.assign(self.target(var), value))

    def assign_to(self, tgt: Any, value: Any, node: Any) -> None:
        if isinstance(tgt, gast.Name):
            self.emit(S.assign(self.target(tgt.id), value))
        elif isinstance(tgt, (gast.Tuple, gast.List)):
            names = []
            nested = []
            for elt in tgt.elts:
                if isinstance(elt, gast.Name):
                    names.append(elt)
                else:
                    t = self.temp()
                    names.append(S.name(t, store=True))
                    nested.append((elt, t))
            stores = [S.name(self.target(n.id), store=True) if n.id not in {t for _, t in nested}
                      else n for n in names]
            unpack = gast.Assign(targets=[S.tuple_(stores, store=True)], value=value, type_comment=None)
            set_anno(unpack, Key.CALLEE, ("unpack", len(stores)))
            self.emit(unpack)
            for elt, t in nested:
                self.assign_to(elt, S.name(t), node)
        elif isinstance(tgt, gast.Subscript):
            self.setitem(tgt, value if is_atom(value) else self.atom(value))
        elif isinstance(tgt, gast.Starred):
            pass  # a, *rest = x: fence.py reports it
        else:
            self.error(UnsupportedConstructError,
                       f"assignment to an {type(tgt).__name__.lower()} is not supported", node,
                       "keep the value in a local variable (total = acc.total + ...) and return it, or pass "
                       "the parts as separate arguments")

    def setitem(self, tgt: Any, value: Any) -> None:
        """``x[idx] = v``: mutation in place, as the user wrote it (x keeps its name)."""
        base = self.atom(tgt.value)
        if not (isinstance(base, gast.Name) and base.id in self.locals):
            self.error(UnsupportedConstructError, "assignment into a global or constant container", tgt,
                       "copy it into a local variable first (x = np.array(G))")
            return
        store = gast.Subscript(value=base, slice=self.index(tgt.slice), ctx=gast.Store())
        node = gast.Assign(targets=[store], value=value, type_comment=None)
        set_anno(node, Key.CALLEE, ("setitem",))
        self.nonssa.add(base.id)
        self.emit(node)

    def stmt_AugAssign(self, node: Any) -> None:
        if isinstance(node.target, gast.Subscript):  # x[i] += v  ->  _t = x[i]; x[i] = _t + v
            tgt = node.target
            base = self.atom(tgt.value)
            index = self.index(tgt.slice)
            load = gast.Subscript(value=base, slice=S.deepcopy(index), ctx=gast.Load())
            set_anno(load, Key.CALLEE, operator.getitem)
            old = self.temp()
            self.emit(S.assign(old, load))
            new = self.atom(gast.BinOp(left=S.name(old), op=node.op, right=node.value))
            self.setitem(gast.Subscript(value=base, slice=index, ctx=gast.Store()), new)
            return
        if not isinstance(node.target, gast.Name):
            self.error(UnsupportedConstructError, "augmented assignment to an attribute", node,
                       "assign to a local variable instead")
            return
        load = S.name(node.target.id)
        old = self.current.get(node.target.id, node.target.id)
        mark = len(self.out)
        self.assign_expr(node.target.id, gast.BinOp(left=load, op=node.op, right=node.value))
        if len(self.out) > mark:  # an array (or list) is changed in place: aliases.py checks who sees it
            set_anno(self.out[-1], Key.IN_PLACE, (old, _OP_SYMBOLS.get(type(node.op), "op")))

    def stmt_AnnAssign(self, node: Any) -> None:
        if node.value is not None:
            self.stmt_Assign(gast.Assign(targets=[node.target], value=node.value, type_comment=None))

    def stmt_Expr(self, node: Any) -> None:
        if isinstance(node.value, gast.Constant):
            return  # docstring or bare constant
        value = self.expr(node.value)
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and value.func.attr == "pop" \
                and not value.args and not value.keywords:
            self.emit(S.assign(self.temp(), value))  # keep what a bare L.pop() removes: reverse mode puts it back
        elif not is_atom(value):
            self.emit(gast.Expr(value=value))

    def stmt_Pass(self, node: Any) -> None:
        pass

    def stmt_Assert(self, node: Any) -> None:
        test = self.atom(node.test)
        msg = self.atom(node.msg) if node.msg is not None else None
        self.emit(gast.Assert(test=test, msg=msg))

    def stmt_Return(self, node: Any) -> None:
        if node.value is None:
            self.emit(gast.Return(value=S.const(None)))
        elif isinstance(node.value, gast.Tuple):
            self.emit(gast.Return(value=gast.Tuple(elts=[self.atom(e) for e in node.value.elts],
                                                   ctx=gast.Load())))
        else:
            self.emit(gast.Return(value=self.atom(node.value)))

    def stmt_If(self, node: Any) -> None:
        test = self.atom(node.test)
        if isinstance(test, gast.Name) and test.id in _stored_names(node.body + node.orelse):
            t = self.temp()
            self.emit(S.assign(t, test))
            test = S.name(t)
        line = self.lineno
        self.in_branch += 1
        body = self.block(node.body)
        orelse = self.block(node.orelse)
        self.in_branch -= 1
        self.lineno = line
        if not body and not orelse:
            return
        self.emit(gast.If(test=test, body=body or [gast.Pass()], orelse=orelse))

    def stmt_Break(self, node: Any) -> None:
        self.emit(gast.Break())

    def stmt_Continue(self, node: Any) -> None:  # pragma: no cover - removed by jumps
        self.error(UnsupportedConstructError, "'continue' outside a loop", node)

    def stmt_For(self, node: Any) -> None:
        """Every for loop iterates a range: ``for i in range(...)`` as written; anything
        else through an index (``for row in X`` -> ``for _i0 in range(len(X)): row = X[_i0]``),
        with ``enumerate``, ``zip`` and ``reversed`` (nested in any way) taken apart."""
        it = node.iter
        if isinstance(it, gast.Call) and get_anno(self.expr_callee(it.func), Key.CALLEE) is runtime.checkpointed:
            self.checkpointed_for(node)
            return
        if self._static_call(it, range):
            range_obj = self._builtin_atom("range", [self.atom(a) for a in it.args])
            loop = self._emit_for(node, node.target, range_obj, None)
            snapshots = getattr(self.fn, "__tl_checkpoint__", None)  # @differentiate(checkpoint=k)
            if loop is not None and snapshots is not None and self.depth == 0 and isinstance(node.target, gast.Name) \
                    and not any(isinstance(n, (gast.Break, gast.Return)) for st in node.body for n in S.walk(st)):
                set_anno(loop, Key.CHECKPOINT, S.const(snapshots))
            return
        if self._static_call(it, reversed) and len(it.args) == 1 and self._static_call(it.args[0], range):
            forward = self.atom(it.args[0])  # reversed(range(...)) is the range [::-1]
            step = gast.Slice(lower=None, upper=None, step=S.const(-1))
            self._emit_for(node, node.target, self.atom(self._subscript(forward, step)), None)
            return
        length, element = self._iteration(it, _stored_names(node.body) | _stored_names([node.target]))
        range_obj = self._builtin_atom("range", [length])
        self._emit_for(node, node.target, range_obj, element)

    def expr_callee(self, func: Any) -> Any:
        """The lowered callee of a static dotted name (``tl.checkpointed``), else the node."""
        if self._is_static(func) if isinstance(func, gast.Attribute) else (
                isinstance(func, gast.Name) and func.id not in self.locals):
            return self.expr(S.deepcopy(func))
        return func

    def checkpointed_for(self, node: Any) -> None:
        """``for i in tl.checkpointed(range(...), snapshots=k)``: a range loop marked for
        binomial checkpointing in reverse mode (``vjp`` extracts its body into step functions)."""
        call = node.iter
        snaps: Any = S.const(10)
        if len(call.args) > 1:
            snaps = call.args[1]
        for kw in call.keywords:
            if kw.arg == "snapshots":
                snaps = kw.value
        inner = call.args[0] if call.args else None
        if inner is None or not self._static_call(inner, range) or not isinstance(node.target, gast.Name) \
                or self.depth > 0 or any(isinstance(n, (gast.Break, gast.Return)) for s in node.body
                                         for n in S.walk(s)):
            self.error(UnsupportedConstructError, "this checkpointed loop (a checkpointed loop must be a top-level "
                       "'for' over range(...) without break or return inside)", node,
                       "checkpoint a top-level 'for i in tl.checkpointed(range(...), snapshots=k)' loop "
                       "without break or return inside")
            return
        snaps_atom = self.atom(snaps)
        range_obj = self._builtin_atom("range", [self.atom(a) for a in inner.args])
        loop = self._emit_for(node, node.target, range_obj, None)
        if loop is not None:
            set_anno(loop, Key.CHECKPOINT, snaps_atom)

    def _static_call(self, node: Any, obj: Any) -> bool:
        return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id not in self.locals \
            and not node.keywords and self.resolve_free(node.func.id) is obj

    def _iteration(self, it: Any, rebound: Set[str] = frozenset()) -> Tuple[Any, Callable[[Any], Any]]:
        """(length atom, index atom -> element expression) for iterating ``it``.  A sequence the
        loop body rebinds is read through a copy: Python iterates what the loop started with."""
        if self._static_call(it, enumerate) and len(it.args) == 1:
            n, inner = self._iteration(it.args[0], rebound)
            return n, lambda i: gast.Tuple(elts=[i, inner(i)], ctx=gast.Load())
        start = self._enumerate_start(it)
        if start is not None:  # enumerate(xs, start=k) or enumerate(xs, k): the count is i + k
            n, inner = self._iteration(it.args[0], rebound)
            k = self.atom(start)
            return n, lambda i: gast.Tuple(elts=[gast.BinOp(left=i, op=gast.Add(), right=S.deepcopy(k)), inner(i)],
                                           ctx=gast.Load())
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) and not it.keywords \
                and get_anno(self.expr_callee(it.func), Key.CALLEE) is np.ndindex:
            # the index tuples of a shape: an iterator without len(), read as a list of them
            seq = self._builtin_atom("list", [self.atom(it)])
            return self._len_call(seq), lambda i: self._subscript(seq, i)
        if self._static_call(it, zip) and it.args:
            parts = [self._iteration(a, rebound) for a in it.args]
            n = parts[0][0]
            for other, _ in parts[1:]:
                n = self._builtin_atom("min", [n, other])
            return n, lambda i: gast.Tuple(elts=[el(i) for _, el in parts], ctx=gast.Load())
        if self._static_call(it, reversed) and len(it.args) == 1:
            n, inner = self._iteration(it.args[0], rebound)
            last = self.atom(gast.BinOp(left=n, op=gast.Sub(), right=S.const(1)))
            return n, lambda i: inner(gast.BinOp(left=last, op=gast.Sub(), right=i))
        if self._static_call(it, range):
            seq = self.atom(it)
            return self._len_call(seq), lambda i: self._subscript(seq, i)
        seq = self._sequence(it)
        if isinstance(it, gast.Name) and it.id in self.params:  # an argument might be a dict
            self._not_a_dict_check(seq, it.id)
        if isinstance(seq, gast.Name) and seq.id in rebound:
            copy_ = self.temp()
            self.emit(S.assign(copy_, seq))
            seq = S.name(copy_)
        return self._len_call(seq), lambda i: self._subscript(seq, i)

    def _not_a_dict_check(self, seq: Any, name: str) -> None:
        """``_tl.not_a_dict(p, message)`` before iterating parameter ``p`` by index: a dict would
        give its values where Python gives its keys (dicts are not iterated yet)."""
        where = f"{self.src.filename}:{self.lineno}" if self.lineno else self.src.filename
        message = (f"{where}: iterating the dict '{name}' ('for k in {name}') is not supported yet; "
                   f"iterate its keys as a list: 'for k in list({name}):'")
        func = S.attribute(S.name(self.aliases["_tl"]), "not_a_dict")
        call = gast.Call(func=func, args=[S.deepcopy(seq), S.const(message)], keywords=[])
        set_anno(call, Key.CALLEE, runtime.not_a_dict)
        self.env.setdefault(self.aliases["_tl"], runtime)
        self.emit(gast.Expr(value=call))

    def _enumerate_start(self, it: Any) -> Any:
        """The ``start`` of ``enumerate(xs, start)`` / ``enumerate(xs, start=k)``, else None."""
        if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id not in self.locals
                and self.resolve_free(it.func.id) is enumerate and len(it.args) in (1, 2)):
            return None
        if len(it.args) == 2 and not it.keywords:
            return it.args[1]
        if len(it.args) == 1 and len(it.keywords) == 1 and it.keywords[0].arg == "start":
            return it.keywords[0].value
        return None

    def _emit_for(self, node: Any, target: Any, range_obj: Any, element: Optional[Callable[[Any], Any]]) -> Any:
        if element is not None:  # iterate an index, bind the user's target from it
            index = self.namer.temp("_i")
            self.locals.add(index)
            loop_target, user_target = S.name(index, store=True), target
        elif isinstance(target, gast.Name) and self.store_counts.get(target.id, 0) <= 1:
            loop_target, user_target = target, None  # the variable only this loop assigns: it is the index
        elif isinstance(target, gast.Name):
            # assigned elsewhere too (before the loop, in its body): a fresh index, and the variable
            # bound from it at the start of each iteration, so the reverse sweep undoes each binding
            index = self.namer.temp("_i")
            self.locals.add(index)
            loop_target, user_target = S.name(index, store=True), target
            element = lambda i: S.name(i.id)  # noqa: E731
        else:  # for a, b in range(...) cannot happen; a tuple over a range object
            index = self.namer.temp("_i")
            self.locals.add(index)
            loop_target, user_target = S.name(index, store=True), target
            element = lambda i: S.name(i.id)  # noqa: E731
        self.nonssa.add(loop_target.id)
        self.locals.add(loop_target.id)
        loop_var = self.target(loop_target.id)
        saved, self.out = self.out, []
        if user_target is not None:
            self.bind_target(user_target, element(S.name(loop_var)), node)
        line = self.lineno
        self.out.extend(self.block(node.body))
        self.lineno = line
        body, self.out = self.out, saved
        loop = gast.For(target=S.name(loop_var, store=True), iter=range_obj, body=body or [gast.Pass()],
                        orelse=[], type_comment=None)
        set_anno(loop, Key.LOOP_KIND, "range")
        self.emit(loop)
        return loop

    def bind_target(self, target: Any, value: Any, node: Any) -> None:
        """``target = value`` where matching tuples are bound pairwise (no tuple built)."""
        if isinstance(target, (gast.Tuple, gast.List)) and isinstance(value, gast.Tuple) \
                and len(target.elts) == len(value.elts):
            for t, v in zip(target.elts, value.elts):
                self.bind_target(t, v, node)
            return
        if isinstance(target, gast.Name):
            self.emit(S.assign(self.target(target.id), self.expr(value)))
        else:
            self.assign_to(target, self.atom(value), node)

    def _is_range_call(self, node: Any) -> bool:
        return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id not in self.locals and self.resolve_free(node.func.id) is range

    def _sequence(self, node: Any) -> Any:
        """An indexable atom for an iterable: arrays, lists and tuples as they are,
        anything a call returns (``d.items()``, a generator) through ``list``."""
        value = self.atom(node)
        if isinstance(node, gast.Call) and not self._returns_sequence(node):
            return self._builtin_atom("list", [value])
        return value

    def _returns_sequence(self, node: Any) -> bool:
        dotted = S.dotted_name(node.func)
        if dotted is None or dotted.split(".")[0] in self.locals:
            return False
        obj = self.resolve_free(dotted.split(".")[0])
        for part in dotted.split(".")[1:]:
            obj = getattr(obj, part, None)
        return obj in (list, tuple) or str(getattr(obj, "__module__", None) or "").startswith("numpy")

    def _len_call(self, seq: Any) -> Any:
        return self._builtin_atom("len", [seq])

    def _builtin_atom(self, fname: str, args: List[Any]) -> Any:
        """``_t = <builtin>(args)`` emitted as it is (the call is not lowered again: its name is
        not looked up in the user's namespace, where a module-level ``len`` may be another
        function); returns the temporary."""
        t = self.temp()
        self.emit(S.assign(t, self._builtin_call(fname, args)))
        return S.name(t)

    def _builtin_call(self, fname: str, args: List[Any]) -> Any:
        obj = getattr(builtins, fname)
        alias = self.aliases[fname]  # fname itself unless the user's code shadows it
        self.env[alias] = obj
        func = S.name(alias)
        set_anno(func, Key.CALLEE, obj)
        out = S.call(func, args)
        set_anno(out, Key.CALLEE, obj)
        return out

    def _subscript(self, seq: Any, index: Any) -> Any:
        out = gast.Subscript(value=seq, slice=index, ctx=gast.Load())
        set_anno(out, Key.CALLEE, operator.getitem)
        return out

    def stmt_While(self, node: Any) -> None:
        if node.orelse:  # pragma: no cover - jumps moves orelse out of loops
            self.error(UnsupportedConstructError, "while/else", node)
        flag = self.namer.fresh("_cond")
        self.nonssa.add(flag)
        line = self.lineno
        self.emit(S.assign(flag, self.expr(node.test)))
        body = self.block(node.body)
        self.lineno = line
        saved, self.out = self.out, body
        self.emit(S.assign(flag, self.expr(node.test)))
        self.out = saved
        loop = gast.While(test=S.name(flag), body=body, orelse=[])
        set_anno(loop, Key.LOOP_KIND, "while")
        self.emit(loop)

    def stmt_FunctionDef(self, node: Any) -> None:
        """A nested def is inlined where it is called (closures read the current values)."""
        if node.decorator_list:
            self.error(UnsupportedConstructError, f"the decorated nested function '{node.name}'", node,
                       "define the function at module level")
        self.freeze_defaults(node)
        variants = self.def_variants.setdefault(node.name, [])
        if not variants and not self.in_branch:
            self.local_fns[node.name] = node  # one definition: inlined where it is called
            variants.append(node)
            return
        if node.name in self.local_fns:
            self.error(UnsupportedConstructError, f"the nested function '{node.name}' is defined twice", node,
                       "give the second definition another name")
            return
        # defined in a branch: the name holds a tag saying which def ran
        variants.append(node)
        self.local_fns.pop(node.name, None)
        self.nonssa.add(node.name)
        self.locals.add(node.name)
        self.emit(S.assign(self.target(node.name), S.const(len(variants) - 1)))

    def call_variant(self, name: str, node: Any) -> Any:
        """A call to a nested def with several definitions: dispatch on the tag."""
        result = self.temp()
        self.nonssa.add(result)
        tag = self.read(S.name(name))
        chain: List[Any] = []
        for k, fdef in reversed(list(enumerate(self.def_variants[name]))):
            saved, self.out = self.out, []
            self.emit(S.assign(result, self.inline_local(fdef, node)))
            body, self.out = self.out, saved
            if not chain:
                chain = body
                continue
            saved, self.out = self.out, []
            test = gast.Compare(left=S.deepcopy(tag), ops=[gast.Eq()], comparators=[S.const(k)])
            set_anno(test, Key.CALLEE, ("compare", "Eq"))
            c = S.name(self.temp())
            self.emit(S.assign(c.id, test))
            self.emit(gast.If(test=c, body=body, orelse=chain))
            chain, self.out = self.out, saved
        self.out.extend(chain)
        return S.name(result)

    def _is_function_value(self, node: Any) -> bool:
        """An argument that is a function: a lambda, a nested def, or a module-level function."""
        if isinstance(node, gast.Lambda):
            return True
        if isinstance(node, gast.Name) and node.id in self.local_fns:
            return True
        dotted = S.dotted_name(node)
        if dotted is None or dotted.split(".")[0] in self.locals:
            return False
        obj = self.resolve_free(dotted.split(".")[0])
        for part in dotted.split(".")[1:]:
            obj = getattr(obj, part, None)
        return callable(obj) and not isinstance(obj, type) and not isinstance(obj, type(np))

    def inline_global(self, fn: Callable, node: Any) -> Any:
        """Inline a module-level function that receives functions as arguments
        (``rk4_step(f, y, h)``): the function arguments are substituted into its body,
        its other names are resolved in its own module."""
        try:
            src = S.load_function(fn)
            fence.check(src)
        except TangentLiteError as exc:
            self.errors.append(exc)
            return _opaque()
        fdef = S.deepcopy(src.node)
        fdef.name = fn.__name__
        args = fdef.args
        params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
        values = dict(zip(params, node.args))
        values.update({k.arg: k.value for k in node.keywords})
        function_args = {p: v for p, v in values.items() if self._is_function_value(v)}
        local = set(params) | _stored_names(fdef.body)
        foreign: Dict[str, str] = {}
        for n in S.walk(fdef):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id not in local \
                    and n.id not in foreign:
                theirs = _lookup_free(fn, n.id)
                if theirs is _MISSING or self.resolve_free(n.id) is theirs:
                    foreign[n.id] = n.id
                else:
                    alias = self.namer.fresh(f"{fn.__name__}_{n.id}")
                    self.foreign[alias] = theirs
                    self.foreign_sources[alias] = (fn.__module__, n.id)
                    foreign[n.id] = alias
                    reached = self.path_of(S.dotted_name(node.func) or "")
                    if reached is not None:  # the name, in the namespace of the function inlined
                        where = "<cell>" if n.id in fn.__code__.co_freevars else "<global>"
                        path = (reached[0], reached[1], reached[2] + (where + n.id,))
                        self.foreign_paths[alias] = path
                        self.guarded(path, theirs)
                    else:
                        self.unguarded = True
        _Rename({k: v for k, v in foreign.items() if k != v}).visit(fdef)
        _Substitute(function_args).visit(fdef)
        keep = [a for a in args.posonlyargs + args.args if a.id not in function_args]
        args.posonlyargs, args.args = [], keep
        defaults = args.defaults
        args.defaults = defaults[max(0, len(defaults) - len(keep)):] if defaults else []
        rest = [a for a in node.args if not self._is_function_value(a)]
        kw = [k for k in node.keywords if k.arg not in function_args]
        for n in S.walk(fdef):
            if hasattr(n, "lineno"):
                n.lineno = node.lineno if hasattr(node, "lineno") else self.lineno
        call = gast.Call(func=S.name(fdef.name), args=rest, keywords=kw)
        return self.inline_local(fdef, call)

    def freeze_defaults(self, fdef: Any) -> None:
        """Python evaluates a nested def's (or lambda's) default values where it is defined
        (``lambda z, k=k: z * k`` keeps the k of that moment): evaluate them here, into
        temporaries that a later rebinding of ``k`` does not change, for :meth:`inline_local`."""
        args = fdef.args
        params = [a.id for a in args.posonlyargs + args.args]
        exprs = list(zip(params[len(params) - len(args.defaults):], args.defaults))
        exprs += [(a.id, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        frozen: Dict[str, Any] = {}
        for p, expr in exprs:
            atom = self.atom(S.deepcopy(expr))
            if isinstance(atom, gast.Name) and get_anno(atom, Key.CALLEE, _MISSING) is _MISSING:
                t = self.temp()
                self.emit(S.assign(t, atom))
                atom = S.name(t)
            frozen[p] = atom
        self.frozen_defaults[id(fdef)] = frozen

    def inline_local(self, fdef: Any, node: Any) -> Any:
        """Inline a call to a nested def or lambda; returns the atom of its result."""
        if fdef.name in self.inlining:
            self.error(UnsupportedConstructError, f"the nested function '{fdef.name}' is recursive", node,
                       "make it a module-level function (recursion is supported there)")
            return _opaque()
        fd = S.deepcopy(fdef)
        jumps.lower_jumps(fd, self.namer)
        args = fd.args
        params = [a.id for a in args.posonlyargs + args.args]
        kwonly = [a.id for a in args.kwonlyargs]
        if args.vararg is not None or args.kwarg is not None:
            self.error(UnsupportedConstructError, f"'{fdef.name}' takes *args or **kwargs", node,
                       "give the function explicit parameters")
            return _opaque()
        values: Dict[str, Any] = {}
        for p, a in zip(params, node.args):
            values[p] = a
        for k in node.keywords:
            values[k.arg] = k.value
        if id(fdef) in self.frozen_defaults:  # a nested def: its defaults were evaluated where it was defined
            defaults = {p: S.deepcopy(a) for p, a in self.frozen_defaults[id(fdef)].items()}
        else:  # (module-level functions: the expressions, in the caller's terms, before renaming)
            defaults = dict(zip(params[len(params) - len(args.defaults):], S.deepcopy(args.defaults)))
            defaults.update({k: S.deepcopy(d) for k, d in zip(kwonly, args.kw_defaults) if d is not None})
        local = set(params) | set(kwonly) | _stored_names(fd.body)
        rename = {n: self.namer.fresh(f"{fd.name}_{n}") for n in sorted(local)}
        self.display_names.update({new: f"{n}' in '{fd.name}" for n, new in rename.items()})
        _Rename(rename).visit(fd)
        self.locals |= set(rename.values())
        self.nonssa |= {n for n in _assigned_in_compound(fd.body)}
        bound = []
        for p in params + kwonly:
            if p in values:
                bound.append((p, self.atom(values[p])))
            elif p in defaults:
                bound.append((p, self.atom(defaults[p])))
            else:
                self.error(TangentLiteError, f"missing argument '{p}' in the call to '{fdef.name}'", node,
                           f"pass '{p}' in the call")
                return _opaque()
        for p, atom in bound:
            self.emit(S.assign(self.target(rename[p]), atom))
        self.inlining.append(fdef.name)
        try:  # still on the stack while the return value is lowered: it may call the function again
            body = fd.body
            ret = body[-1] if body and isinstance(body[-1], gast.Return) else None
            self.out.extend(self._block(body[:-1] if ret is not None else body))
            if ret is None or ret.value is None:
                return S.const(None)
            if isinstance(ret.value, gast.Tuple):
                return self.atom(gast.Tuple(elts=ret.value.elts, ctx=gast.Load()))
            return self.atom(ret.value)
        finally:
            self.inlining.pop()


def _mangle(attr: str, fn: Callable) -> str:
    """Python's private-name mangling, which the generated module (outside the class) lacks."""
    if not attr.startswith("__") or attr.endswith("__"):
        return attr
    parents = getattr(fn, "__qualname__", "").split(".")[:-1]
    if not parents or parents[-1] == "<locals>" or not parents[-1].strip("_"):
        return attr
    return f"_{parents[-1].lstrip('_')}{attr}"


def _opaque() -> Any:
    """The value of a construct that was refused (and reported): a constant, so that the
    lowering can go on looking for other problems."""
    out = S.const(None)
    set_anno(out, Key.FENCED, True)
    return out


def _stored_names(body: List[Any]) -> Set[str]:
    out = set()
    for stmt in body:
        for n in S.walk(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                out.add(n.id)
    return out


class _Substitute(gast.NodeTransformer):
    """Replace loads of names by (copies of) expressions."""

    def __init__(self, mapping: Dict[str, Any]):
        self.mapping = mapping

    def visit_Name(self, node: Any) -> Any:
        if isinstance(node.ctx, gast.Load) and node.id in self.mapping:
            return S.deepcopy(self.mapping[node.id])
        return node


def _is_python_function(obj: Any) -> bool:
    import inspect

    return inspect.isfunction(getattr(obj, "__tl_function__", obj))


def _lookup_free(fn: Callable, name: str) -> Any:
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    if name in cells:
        try:
            return cells[name].cell_contents
        except ValueError:
            return _MISSING
    if name in fn.__globals__:
        return fn.__globals__[name]
    return getattr(builtins, name, _MISSING)


class _Rename(gast.NodeTransformer):
    def __init__(self, mapping: Dict[str, str]):
        self.mapping = mapping

    def visit_Name(self, node: Any) -> Any:
        if node.id in self.mapping:
            node.id = self.mapping[node.id]
        return node


def _lambda_def(lam: Any, name: str) -> Any:
    ret = gast.Return(value=lam.body)
    fdef = S.function_def(name, [], [ret])
    fdef.args = lam.args
    ast_copy_lines(fdef, getattr(lam, "lineno", None))
    return fdef


def ast_copy_lines(node: Any, lineno: Optional[int]) -> None:
    for n in S.walk(node):
        if getattr(n, "lineno", None) is None and lineno is not None and isinstance(n, (gast.stmt, gast.expr)):
            n.lineno = lineno


def _loaded_names(node: Any) -> Set[str]:
    return {n.id for n in S.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _assigned_in_compound(body: List[Any]) -> Set[str]:
    out: Set[str] = set()
    for stmt in body:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            out |= _stored_names([stmt])
    return out


def _closure_values(fn: Callable) -> Dict[str, Any]:
    code = fn.__code__
    cells = fn.__closure__ or ()
    out = {}
    for name, cell in zip(code.co_freevars, cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # empty cell (recursive def not yet bound)
            pass
    return out


__all__ = ["Wengert", "lower", "is_atom", "NoRuleError"]
