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

This module is the entry point (:func:`lower`, :class:`Wengert`); the lowering itself is
done by the parts in :mod:`.lowering`, list and tuple arithmetic is marked by :mod:`.sequences`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

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
from ..syntax import FunctionSource, gast
from ..syntax.annotations import Key, get_anno
from ..syntax.naming import Namer
from . import array_operands, desugar, fence, jumps, lowering, sequences
from .lowering.common import (  # (what other modules, and docs/gen_coverage.py, read from here)
    ARRAY_ONLY_ATTRS,
    ATTR_CALLS,
    BINOPS,
    COMPILER_BUILTINS,
    METHODS,
    NESTED_DERIVATIVE,
    NONDIFF_ATTRS,
    UNARYOPS,
    is_atom,
    is_tangent_lite_own,
)


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
    specialised: bool = False  # the derivative code is specialised to the arguments' ranks (analysis.receivers)

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
        desugar.desugar(fdef, namer)
        jumps.lower_jumps(fdef, namer)
        low = lowering.lower_body(fn, src, fdef, namer)
        w = Wengert(fn, src, low.fdef, low.params, low.env, low.aliases, namer, low.nonssa)
        w.foreign = dict(low.foreign_sources)
        w.guards = None if low.unguarded else dict(low.guards)
        w.display_names = dict(low.display_names)
        array_operands.read_as_arrays(w)  # (x * L, np.add(L, x): L read as np.asarray(L))
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


__all__ = ["Wengert", "lower", "is_atom", "NoRuleError", "call_site", "is_tangent_lite_own", "NESTED_DERIVATIVE",
           "NONDIFF_ATTRS", "ARRAY_ONLY_ATTRS", "ATTR_CALLS", "BINOPS", "COMPILER_BUILTINS", "METHODS", "UNARYOPS"]
