"""Facts about Wengert statements, and the dataflow analyses over them.

:func:`describe` classifies one statement (what primitive, which inputs carry
derivatives); :func:`activity` finds the *active* variables: those that depend on
a ``wrt`` input (varied) and influence the output (useful).  Both derivative
passes generate code only for active variables::

    def f(x, n):          wrt = {x}: active = {x, _t0, _t1}
        _t0 = x * n       (n is an integer: not varied; _t2 = len(...) is not useful)
        _t1 = np.sin(_t0)
        return _t1

Variables are tracked by name, flow-insensitively, so loops need no special
handling: iterate to a fixpoint.
"""

from __future__ import annotations

import functools
import inspect
import operator
import os
import re
import sysconfig
import types
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import numpy as np

from .. import runtime
from .. import syntax as S
from ..errors import NoRuleError, TangentLiteError, UnsupportedConstructError, raise_all
from ..frontend.anf import NESTED_DERIVATIVE, NONDIFF_ATTRS, Wengert, is_atom, is_tangent_lite_own
from ..rules import purity
from ..rules.registry import REGISTRY, Primitive, Registry
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from . import aliases


@dataclass
class StmtInfo:
    """What a Wengert assignment does, for the derivative passes."""

    # copy | prim | user | getitem | getattr | setitem | push | pop | build | dict | unpack
    # | nondiff | nocall | method | const
    kind: str
    targets: List[str]
    node: Any  # the statement
    value: Any  # its right-hand side
    prim: Optional[Primitive] = None
    bound: Dict[str, Any] = field(default_factory=dict)  # primal parameter -> atom
    inputs: List[Tuple[Any, Any]] = field(default_factory=list)  # (slot, atom) pairs carrying derivatives
    callee: Any = None


def local_names(atom: Any) -> Set[str]:
    return {n.id for n in S.walk(atom) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
            and get_anno(n, Key.CALLEE, _NO) is _NO}


_NO = object()


def is_local(atom: Any) -> bool:
    """A Name of a function-local variable (not a resolved global)."""
    return isinstance(atom, gast.Name) and get_anno(atom, Key.CALLEE, _NO) is _NO


def describe(stmt: Any, registry: Registry = REGISTRY) -> StmtInfo:
    """Classify an assignment of the Wengert form."""
    if isinstance(stmt, gast.Expr):  # L.append(x) / L.pop(): list mutations
        lst = stmt.value.func.value
        if is_push(stmt):
            item = stmt.value.args[0]
            inputs = [(None, lst)] + ([("value", item)] if is_local(item) else [])
            return StmtInfo("push", [lst.id], stmt, item, inputs=inputs)
        return StmtInfo("pop", [], stmt, stmt.value, inputs=[(None, lst)])
    tgt = stmt.targets[0]
    value = stmt.value
    if isinstance(tgt, gast.Name) and is_pop(value):
        return StmtInfo("pop", [tgt.id], stmt, value, inputs=[(None, value.func.value)])
    if isinstance(tgt, gast.Subscript):  # x[idx] = v (in place)
        inputs = [(None, tgt.value)] + ([("value", value)] if is_local(value) else [])
        return StmtInfo("setitem", [tgt.value.id], stmt, value, inputs=inputs)
    if isinstance(tgt, gast.Tuple):
        names = [e.id for e in tgt.elts]
        return StmtInfo("unpack", names, stmt, value, inputs=[(None, value)] if is_local(value) else [])
    target = [tgt.id]
    if isinstance(value, gast.Attribute) and is_local(value.value):
        if value.attr in NONDIFF_ATTRS:  # (x.real / x.imag are lowered to np.real / np.imag calls)
            return StmtInfo("nondiff", target, stmt, value)
        return StmtInfo("getattr", target, stmt, value, callee=("attr", value.attr), inputs=[(None, value.value)])
    if is_atom(value):
        if is_local(value):
            return StmtInfo("copy", target, stmt, value, inputs=[(None, value)])
        return StmtInfo("const", target, stmt, value)
    if isinstance(value, (gast.Tuple, gast.List)):
        return StmtInfo("build", target, stmt, value, inputs=[(i, e) for i, e in enumerate(value.elts) if is_local(e)])
    if isinstance(value, gast.Dict):
        return StmtInfo("dict", target, stmt, value,
                        inputs=[(i, v) for i, v in enumerate(value.values) if is_local(v)])
    if isinstance(value, gast.Subscript):
        if not is_local(value.value) and local_names(value.slice):
            # a module-level object indexed by local values (np.r_[x, y], TABLE[i]): what it
            # computes from them is unknown, so derivatives through it are refused, never zero
            return StmtInfo("nocall", target, stmt, value, callee=get_anno(value.value, Key.CALLEE),
                            inputs=[(None, S.name(n)) for n in sorted(local_names(value.slice))])
        return StmtInfo("getitem", target, stmt, value, inputs=[(None, value.value)] if is_local(value.value) else [])
    if isinstance(value, (gast.Compare, gast.BoolOp, gast.JoinedStr)):
        return StmtInfo("nondiff", target, stmt, value)
    callee = get_anno(value, Key.CALLEE)
    if isinstance(value, gast.Attribute):
        if value.attr in NONDIFF_ATTRS:
            return StmtInfo("nondiff", target, stmt, value)
        return StmtInfo("getattr", target, stmt, value, callee=("attr", value.attr),
                        inputs=[(None, value.value)] if is_local(value.value) else [])
    if isinstance(value, gast.BinOp):
        args, keywords = [value.left, value.right], []
        sequence_op = get_anno(value, Key.SEQUENCE_OP)
        if sequence_op is not None:  # L + M, L * 3 on lists or tuples (anf marks them): their own rules
            callee = sequence_op
            if callee is runtime.seq_repeat and isinstance(value.left, gast.Constant):
                args = [value.right, value.left]  # 3 * L is L * 3
        elif callee is operator.mul and is_local(value.left) and is_local(value.right) \
                and value.left.id == value.right.id and registry.get(np.square) is not None:
            # x * x is differentiated as np.square(x): one term (2 x g) instead of two
            square = registry.get(np.square)
            bound = {square.params[0]: value.left}
            return StmtInfo("prim", target, stmt, value, prim=square, bound=bound,
                            inputs=[(square.params[0], value.left)], callee=np.square)
    elif isinstance(value, gast.UnaryOp):
        args, keywords = [value.operand], []
    elif isinstance(value, gast.Call):
        args, keywords = value.args, value.keywords
        if isinstance(callee, tuple) and callee[0] == "method":
            recv = value.func.value
            atoms = [recv] + list(args) + [k.value for k in keywords]
            return StmtInfo("method", target, stmt, value, callee=callee,
                            inputs=[(None, a) for a in atoms if is_local(a)])
        if callee is None:  # calling a local value
            atoms = [value.func] + list(args) + [k.value for k in keywords]
            return StmtInfo("nocall", target, stmt, value, inputs=[(None, a) for a in atoms if is_local(a)])
    else:  # pragma: no cover - anf only produces the forms above
        raise TangentLiteError(f"unexpected Wengert statement: {S.to_source(stmt)}")
    prim = registry.get(callee)
    atoms = list(args) + [k.value for k in keywords]
    if prim is None and is_user_function(callee):
        fn = user_function(callee)
        bound = bind_user(fn, args, keywords)
        return StmtInfo("user", target, stmt, value, bound=bound, callee=fn,
                        inputs=[(p, a) for p, a in bound.items() if is_local(a)])
    if prim is None:
        if isinstance(callee, type) and issubclass(callee, BaseException):
            return StmtInfo("nondiff", target, stmt, value, callee=callee)
        return StmtInfo("nocall", target, stmt, value, callee=callee,
                        inputs=[(None, a) for a in atoms if is_local(a)])
    if prim.nondiff:
        return StmtInfo("nondiff", target, stmt, value, prim=prim, callee=callee)
    bound = bind(prim, args, keywords, stmt)
    inputs = [(p, a) for p, a in bound.items() if is_local(a) and p not in prim.constant_params]
    return StmtInfo("prim", target, stmt, value, prim=prim, bound=bound, inputs=inputs, callee=callee)


Described = Dict[int, Tuple[Any, Any, Any, StmtInfo]]  # id(stmt) -> (stmt, its targets, its value, its StmtInfo)


def describe_once(stmt: Any, registry: Registry, memo: Optional[Described]) -> StmtInfo:
    """:func:`describe`, remembered in ``memo`` (when given) for as long as ``stmt`` keeps its
    targets and value: the analyses and the derivative pass of one function ask about every
    statement several times, and a statement they rewrite gets new targets and a new value."""
    if memo is None:
        return describe(stmt, registry)
    targets, value = getattr(stmt, "targets", None), stmt.value
    hit = memo.get(id(stmt))
    if hit is not None and hit[0] is stmt and hit[1] is targets and hit[2] is value:
        return hit[3]
    info = describe(stmt, registry)
    memo[id(stmt)] = (stmt, targets, value, info)
    return info


def bind(prim: Primitive, args: List[Any], keywords: List[Any], stmt: Any) -> Dict[str, Any]:
    """Match call-site atoms to the primitive's parameter names."""
    if len(args) > len(prim.params):
        raise NoRuleError(
            f"the rules for {prim.name} take at most {len(prim.params)} positional arguments "
            f"({', '.join(prim.params)}), this call passes {len(args)}",
            hint="compute without the extra arguments (e.g. sum(xs) + start for the builtin sum), or register "
                 "rules whose signature has them",
        )
    bound = dict(zip(prim.params, args))
    for kw in keywords:
        if kw.arg not in prim.params:
            raise NoRuleError(
                f"the rules for {prim.name} do not accept the keyword '{kw.arg}' "
                f"(parameters: {', '.join(prim.params)})",
                hint="drop the keyword, or register rules whose signature includes it",
            )
        bound[kw.arg] = kw.value
    return bound


def is_user_function(obj: Any) -> bool:
    """A Python function tangent_lite transforms itself: not registered, and not part of
    an installed library or the standard library (those need rules)."""
    fn = user_function(obj)
    if not inspect.isfunction(fn):
        return False
    if is_tangent_lite_own(fn):
        return False  # tangent_lite's own functions (what tl.grad returns): not the user's code
    filename = os.path.abspath(fn.__code__.co_filename)
    return not any(filename.startswith(root) for root in _library_roots())


@functools.cache
def _library_roots() -> Tuple[str, ...]:
    """The install locations of the standard library and of packages (computed once: asking
    ``sysconfig`` costs a fraction of a millisecond, once per call of every callee)."""
    paths = sysconfig.get_paths()
    roots = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    return tuple(sorted(os.path.abspath(r) + os.sep for r in roots if r))


def user_function(obj: Any) -> Any:
    return getattr(obj, "__tl_function__", obj)


def bind_user(fn: Any, args: List[Any], keywords: List[Any]) -> Dict[str, Any]:
    """Call-site atoms for every parameter of a user function, defaults filled in."""
    sig = inspect.signature(fn)
    try:
        bound = sig.bind(*args, **{k.arg: k.value for k in keywords})
    except TypeError as exc:
        raise TangentLiteError(f"bad call to '{fn.__qualname__}': {exc}") from None
    out: Dict[str, Any] = {}
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise UnsupportedConstructError(
                f"'{fn.__qualname__}' takes *args or **kwargs", hint="give it explicit parameters")
        if name in bound.arguments:
            out[name] = bound.arguments[name]
        elif p.default is None or isinstance(p.default, (bool, int, float, str)):
            out[name] = S.const(p.default)
        else:
            raise UnsupportedConstructError(
                f"the default value of '{name}' in '{fn.__qualname__}' is not a literal",
                hint=f"pass '{name}' explicitly at this call")
    return out


def container_vars(body: List[Any]) -> Set[str]:
    """Variables holding tuples/lists/dicts built in the function: their derivatives
    add entrywise with ``_tl.add`` instead of ``+``."""
    from .. import runtime

    out: Set[str] = set()
    for stmt in assignments(body):
        if not isinstance(stmt, gast.Assign):  # a list push or pop
            out.add(stmt.value.func.value.id)
            continue
        tgt = stmt.targets[0]
        value = stmt.value
        if is_pop(value):
            out.add(value.func.value.id)
        if isinstance(tgt, gast.Name):
            if isinstance(value, (gast.Tuple, gast.List, gast.Dict)) or get_anno(value, Key.CALLEE) is runtime.append:
                out.add(tgt.id)
        elif isinstance(tgt, gast.Tuple) and isinstance(value, gast.Name):
            out.add(value.id)
        if isinstance(value, (gast.Subscript, gast.Attribute)) and isinstance(value.value, gast.Name):
            out.add(value.value.id)  # may be a list, dict or record: add leafwise
    changed = True
    while changed:  # copies of containers are containers
        changed = False
        for stmt in assignments(body):
            if not isinstance(stmt, gast.Assign):
                continue
            tgt = stmt.targets[0]
            if isinstance(tgt, gast.Name) and isinstance(stmt.value, gast.Name) and stmt.value.id in out \
                    and tgt.id not in out:
                out.add(tgt.id)
                changed = True
    return out


def is_push(stmt: Any) -> bool:
    """``L.append(x)`` on a local list (as generated code does with its tape)."""
    if not isinstance(stmt, gast.Expr) or not isinstance(stmt.value, gast.Call):
        return False
    func = stmt.value.func
    return (isinstance(func, gast.Attribute) and func.attr == "append" and is_local(func.value)
            and len(stmt.value.args) == 1 and not stmt.value.keywords)


def is_pop(value: Any) -> bool:
    """``L.pop()`` on a local list."""
    return (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and value.func.attr == "pop"
            and is_local(value.func.value) and not value.args and not value.keywords)


def assignments(body: List[Any]) -> Iterator[Any]:
    """Every Assign (and list push) of a (nested) Wengert body, in program order."""
    for stmt in body:
        if isinstance(stmt, gast.Assign) or is_push(stmt) or (isinstance(stmt, gast.Expr) and is_pop(stmt.value)):
            yield stmt
        elif isinstance(stmt, (gast.If, gast.For, gast.While)):
            yield from assignments(stmt.body)
            yield from assignments(stmt.orelse)


def return_atoms(w: Wengert) -> List[Any]:
    ret = w.fdef.body[-1]
    value = ret.value
    return list(value.elts) if isinstance(value, gast.Tuple) else [value]


def activity(w: Wengert, wrt: Set[str], registry: Registry = REGISTRY) -> Set[str]:
    """Active variables: varied (depend on ``wrt``) and useful (reach the output)."""
    varied, useful = _varied_useful(w, wrt, registry)
    return varied & useful


def activity_and_varied(w: Wengert, wrt: Set[str], registry: Registry = REGISTRY,
                        memo: Optional[Described] = None) -> Tuple[Set[str], Set[str]]:
    """(:func:`activity`, :func:`varied_vars`) from one analysis (``memo``: see :func:`describe_once`)."""
    varied, useful = _varied_useful(w, wrt, registry, memo)
    return varied & useful, varied


def varied_vars(w: Wengert, wrt: Set[str], registry: Registry = REGISTRY) -> Set[str]:
    """Variables that depend on ``wrt`` (whether or not they reach the output)."""
    return _varied_useful(w, wrt, registry)[0]


def _describe_any(stmt: Any, registry: Registry, memo: Optional[Described] = None) -> StmtInfo:
    """:func:`describe`, or for a call its rules cannot bind (``np.sin(x, out=z)``) an opaque
    call from all its atoms: activity flows through it and :func:`check_differentiable`
    reports it at the user's line."""
    try:
        return describe_once(stmt, registry, memo)
    except TangentLiteError:
        value = stmt.value
        atoms = list(value.args) + [k.value for k in value.keywords] if isinstance(value, gast.Call) else []
        return StmtInfo("nocall", [t.id for t in stmt.targets if isinstance(t, gast.Name)], stmt, value,
                        inputs=[(None, a) for a in atoms if is_local(a)])


def _varied_useful(w: Wengert, wrt: Set[str], registry: Registry,
                   memo: Optional[Described] = None) -> Tuple[Set[str], Set[str]]:
    infos = [_describe_any(s, registry, memo) for s in assignments(w.fdef.body)]
    # (targets, the variables read through the inputs) of each statement derivatives flow through
    flowing = [(set(i.targets), set().union(*(local_names(a) for _, a in i.inputs if a is not None)))
               for i in infos if i.kind not in ("nondiff", "const")]
    varied = _closure(flowing, set(wrt))  # forward: what the inputs reach
    useful = _closure([(reads, targets) for targets, reads in flowing],  # backward: what reaches the output
                      {atom.id for atom in return_atoms(w) if is_local(atom)})
    return varied, useful


def _closure(edges: List[Tuple[Set[str], Set[str]]], start: Set[str]) -> Set[str]:
    """The names reachable from ``start`` along ``(to, from)`` edges: ``to`` joins once any of
    ``from`` is in."""
    reached = set(start)
    changed = True
    while changed:
        changed = False
        for to, frm in edges:
            if frm & reached and not to <= reached:
                reached |= to
                changed = True
    return reached


def check_differentiable(w: Wengert, active: Set[str], registry: Registry = REGISTRY,
                         mode: str = "vjp", wrt: Sequence[str] = (), varied: Optional[Set[str]] = None,
                         memo: Optional[Described] = None, ranks: Optional[Dict[str, Any]] = None) -> None:
    """Every active statement must have rules for its active inputs; report all that don't;
    and no in-place change may go unseen by derivatives through an alias (:mod:`aliases`).
    ``varied``: :func:`varied_vars` of ``wrt`` when the caller has it already; ``memo``: see
    :func:`describe_once`; ``ranks``: the variables' ranks when known (sharper alias model)."""
    errors: List[TangentLiteError] = []
    refused: Set[int] = set()
    if not str(getattr(w.fn, "__module__", "")).startswith("tangent_lite_generated"):
        # (generated code undoes its writes in the reverse sweep, so its views stay consistent)
        if varied is None:
            varied = varied_vars(w, set(wrt), registry)
        errors += aliases.sharing_errors(w, active, varied, ranks)
        for stmt, err in mutation_errors(w, varied, registry, ranks):
            errors.append(err)
            refused.add(id(stmt))
    for stmt in assignments(w.fdef.body):
        if id(stmt) in refused:
            continue
        try:
            info = describe_once(stmt, registry, memo)
        except TangentLiteError as exc:
            exc.location = w.src.location(stmt)
            errors.append(_relocate(exc, w, stmt))
            continue
        if not set(info.targets) & active:
            continue
        active_inputs = [(slot, a) for slot, a in info.inputs if local_names(a) & active]
        if not active_inputs:
            continue
        if info.kind in ("nocall", "method"):
            errors.append(_no_rule(w, stmt, info))
        elif info.kind == "prim":
            table = info.prim.vjps if mode == "vjp" else info.prim.jvps
            for slot, _ in active_inputs:
                if info.prim.params.index(slot) not in table:
                    errors.append(NoRuleError(
                        f"no {mode.upper()} rule for argument '{slot}' of {info.prim.name}",
                        w.src.location(stmt),
                        f"register one with @tl.def{mode}({_spelling(info.callee)}, argnum='{slot}'), "
                        f"or wrap the argument in tl.stop_gradient(...) if it needs no derivative",
                    ))
    raise_all(errors)


def mutation_errors(w: Wengert, varied: Set[str], registry: Registry = REGISTRY,
                    ranks: Optional[Dict[str, Any]] = None) -> List[Tuple[Any, TangentLiteError]]:
    """Calls that change an argument in place, where a value that depends on ``wrt`` takes
    part: (statement, error) pairs.  Activity analysis follows assignments only, so the
    derivatives of such code would be silently wrong (see :mod:`rules.purity`)::

        x.sort()             # refused: x = np.sort(x)
        np.sin(x, out=z)     # refused: z = np.sin(x)
        print(x)             # fine: print leaves x alone
    """
    out: List[Tuple[Any, TangentLiteError]] = []
    todo = list(w.fdef.body)
    while todo:
        stmt = todo.pop(0)
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            todo[:0] = stmt.body + stmt.orelse
            continue
        call = getattr(stmt, "value", None)
        if not isinstance(stmt, (gast.Assign, gast.Expr)) or not isinstance(call, gast.Call) \
                or is_push(stmt) or is_pop(call):
            continue
        callee = get_anno(call, Key.CALLEE)
        method = isinstance(callee, tuple) and callee[0] == "method"
        atoms = ([call.func.value] if method else []) + list(call.args) + [k.value for k in call.keywords]
        if not any(is_local(a) and a.id in varied for a in atoms):
            continue
        location = w.src.location(stmt)
        problem = _mutation(call, callee, method, isinstance(stmt, gast.Expr), registry, location.text) \
            or _helper_mutation(call, callee, location.text, ranks)
        if problem is not None:
            what, fix = problem
            out.append((stmt, UnsupportedConstructError(what, location, fix)))
    return out


def _shown(atom: Any, line: str, otherwise: str) -> str:
    """How the user wrote an atom of the Wengert form: its name, without an SSA suffix,
    when that name is on the user's line (a temporary of the lowering is not)."""
    text = S.to_source(atom)
    for candidate in (text, re.sub(r"_\d+$", "", text)):
        if re.search(rf"(?<![\w.]){re.escape(candidate)}(?!\w)", line):
            return candidate
    return otherwise


def _mutation(call: Any, callee: Any, method: bool, discarded: bool, registry: Registry,
              line: str) -> Optional[Tuple[str, str]]:
    """(what is wrong, what to write instead) for a call that may change its arguments."""
    written = S.dotted_name(call.func) or "the call"
    first = _shown(call.args[0], line, "its first argument") if call.args else "its first argument"
    out_kw = [k for k in call.keywords if k.arg == "out" and not (isinstance(k.value, gast.Constant)
                                                                   and k.value.value is None)]
    if out_kw:
        target = _shown(out_kw[0].value, line, "out")
        return (f"the 'out=' argument of '{written}' writes into '{target}' in place",
                f"use the returned value instead: {target} = {written}(...) without out=")
    position = _out_position(callee)
    if position is not None and len(call.args) > position and not (
            isinstance(call.args[position], gast.Constant) and call.args[position].value is None):
        target = _shown(call.args[position], line, "out")
        return (f"'{written}' writes into '{target}' in place (its 'out' argument, given by position)",
                f"use the returned value instead: {target} = {written}(...) without the 'out' argument")
    if method:
        receiver = _shown(call.func.value, line, "x")
        fix = purity.method_fix(callee[1], receiver)
        if fix is not None:
            return (f"'{receiver}.{callee[1]}(...)' changes '{receiver}' in place", f"build a new value: {fix}")
        if discarded and callee[1] not in purity.PURE_METHODS:
            return (f"the result of '{receiver}.{callee[1]}(...)' is discarded: the call can only matter through "
                    f"what it does to '{receiver}' in place, which derivatives cannot follow",
                    "assign the result and use it, or call a function that returns a new value")
        return None
    ufunc = purity.ufunc_at(callee)
    if ufunc is not None:
        what, fix = purity.describe_ufunc_at(ufunc, first)
        return what, f"build the result as a new value: {fix}"
    fix = purity.in_place_function_fix(callee)
    if fix is not None:
        return f"'{written}' changes '{first}' in place", f"build a new value: {fix}"
    owner = getattr(callee, "__self__", None)
    if isinstance(owner, (list, dict, set, np.ndarray)) and "." in written:
        name = written.rsplit(".", 1)[0]
        return (f"'{written}(...)' changes the module-level '{name}': derivatives cannot follow changes to "
                "module-level state",
                f"build the values in a local list and return them, or pass tl.stop_gradient(...) of what you "
                f"store if '{name}' only records them")
    if discarded and not is_user_function(callee) and not purity.is_pure(callee, registry.get(callee) is not None):
        return (f"the result of '{written}(...)' is discarded: the call can only matter through what it does "
                "to its arguments in place, which derivatives cannot follow",
                "assign the result and use it (y = f(x)), or wrap the arguments in tl.stop_gradient(...) "
                "if the call needs no derivative")
    if discarded and is_user_function(callee) and _writes_to_parameters(user_function(callee)):
        return (f"'{written}' changes its arguments in place and its result is discarded: "
                "derivatives cannot follow the change",
                f"make '{written}' return the new value and assign it: x = {written}(x)")
    return None


@functools.lru_cache(maxsize=1024)
def _out_position_of(callee: Any) -> Optional[int]:
    if isinstance(callee, np.ufunc):
        return callee.nin
    try:
        params = list(inspect.signature(callee).parameters.values())
    except (TypeError, ValueError):
        return None
    for i, p in enumerate(params):
        if p.name == "out":
            return i if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) else None
    return None


def _out_position(callee: Any) -> Optional[int]:
    """Where a NumPy function takes its ``out`` argument by position (ufuncs: after their
    inputs; ``np.clip(a, lo, hi, out)``, ``np.cumsum(a, axis, dtype, out)``), or None."""
    module = str(getattr(callee, "__module__", "") or "")
    if not (isinstance(callee, np.ufunc) or module.startswith("numpy")):
        return None
    try:
        return _out_position_of(callee)
    except TypeError:  # unhashable
        return None


def _helper_mutation(call: Any, callee: Any, line: str, ranks: Optional[Dict[str, Any]]) -> Optional[Tuple[str, str]]:
    """A user function (transformed on its own) that changes an argument it is passed in
    place (``y[0] = v``, ``y += v`` on an array, ``lst.append(v)``): its derivative would not
    follow the change it makes to the caller's object."""
    if isinstance(callee, tuple) or not is_user_function(callee):
        return None
    fn = user_function(callee)
    writes = _writes_to_parameters(fn)
    if not writes:
        return None
    try:
        bound = bind_user(fn, list(call.args), list(call.keywords))
    except TangentLiteError:
        return None
    written = S.dotted_name(call.func) or fn.__name__
    for param, how in sorted(writes.items()):
        atom = bound.get(param)
        if isinstance(atom, gast.Name) and not is_local(atom) and \
                isinstance(get_anno(atom, Key.CALLEE), (np.ndarray, list, dict)):
            return (f"'{written}' changes its argument '{param}' in place, and the module-level '{atom.id}' is "
                    "passed for it: derivatives cannot follow changes to module-level state",
                    f"pass a copy ({atom.id}.copy()) and use what '{written}' returns")
        if not is_local(atom):
            continue
        if how == "augmented" and ranks is not None and ranks.get(atom.id) == 0:
            continue  # p += v on a number makes a new number
        shown = _shown(atom, line, param)
        passed = "" if shown == param else f" ({shown} here)"
        return (f"'{written}' changes its argument '{param}'{passed} in place: derivatives cannot follow "
                "a change a called function makes to the caller's array or list",
                f"make '{written}' return the new value and assign it ({shown} = {written}(...)), or copy "
                f"inside it ({param} = {param}.copy())")
    return None


_PARAMETER_WRITES: weakref.WeakKeyDictionary[Any, Tuple[Any, Dict[str, str]]] = weakref.WeakKeyDictionary()


def _writes_to_parameters(fn: Any) -> Dict[str, str]:
    """The parameters the user function ``fn`` changes in place: assigns into, calls a method
    of, passes as ``out=`` or to a function that changes it ("in place"), through any alias,
    view or item of them (the alias model on its lowered form), or updates with ``p op= v``
    ("augmented": in place for arrays and lists); all of them when its source cannot be read.
    Remembered per function (while its code is the same)."""
    try:
        code, known = _PARAMETER_WRITES[fn]
        if code is fn.__code__:
            return known
    except (KeyError, TypeError, AttributeError):
        pass
    found = _scan_parameter_writes(fn)
    try:
        _PARAMETER_WRITES[fn] = (fn.__code__, found)
    except (TypeError, AttributeError):
        pass
    return found


def _scan_parameter_writes(fn: Any) -> Dict[str, str]:
    from ..frontend.anf import lower

    try:
        src = S.load_function(fn)
    except TangentLiteError:
        return {"*": "in place"}  # cannot tell: assume the worst
    try:
        through_aliases = aliases.written_parameters(lower(fn, src))
    except Exception:  # noqa: BLE001 - a function the lowering refuses: its direct writes below
        through_aliases = {}
    args = src.node.args
    params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
    out: Dict[str, str] = {}
    for node in S.walk(src.node):
        target, how = None, "in place"
        if isinstance(node, (gast.Assign, gast.AugAssign)):
            for t in getattr(node, "targets", None) or [node.target]:
                if isinstance(t, (gast.Subscript, gast.Attribute)):
                    target = t.value
                elif isinstance(node, gast.AugAssign) and isinstance(t, gast.Name):
                    target, how = t, "augmented"
        elif isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) \
                and isinstance(node.value.func, gast.Attribute):
            target = node.value.func.value
        elif isinstance(node, gast.keyword) and node.arg == "out":
            target = node.value
        if isinstance(target, gast.Name) and target.id in params and out.get(target.id) != "in place":
            out[target.id] = how
        if isinstance(node, gast.Call):  # a parameter passed on to a function that changes it
            for param in _passed_to_a_writer(fn, node, params):
                out[param] = "in place"
    for param, how in through_aliases.items():
        if out.get(param) != "in place":
            out[param] = how
    return out


_WRITERS_SEEN: List[Any] = []


def _passed_to_a_writer(fn: Any, call: Any, params: Set[str]) -> List[str]:
    """The parameters of ``fn`` that ``call`` (in ``fn``'s body) passes to a user function
    changing that argument in place."""
    func = call.func
    target = getattr(fn, "__globals__", {}).get(func.id) if isinstance(func, gast.Name) else None
    if target is None or not is_user_function(target) or user_function(target) in _WRITERS_SEEN:
        return []
    callee = user_function(target)
    _WRITERS_SEEN.append(callee)
    try:
        writes = _writes_to_parameters(callee)
        names = [p for p in inspect.signature(callee).parameters]
    except (TypeError, ValueError):
        return []
    finally:
        _WRITERS_SEEN.pop()
    out = []
    for i, a in enumerate(call.args):
        if isinstance(a, gast.Name) and a.id in params and i < len(names) and writes.get(names[i]) == "in place":
            out.append(a.id)
    for k in call.keywords:
        if isinstance(k.value, gast.Name) and k.value.id in params and writes.get(k.arg) == "in place":
            out.append(k.value.id)
    return out


def _relocate(exc: TangentLiteError, w: Wengert, stmt: Any) -> TangentLiteError:
    return type(exc)(exc.message, w.src.location(stmt), exc.hint)


def _spelling(callee: Any) -> str:
    mod = getattr(callee, "__module__", None)
    name = getattr(callee, "__name__", None) or repr(callee)
    if isinstance(callee, types.ModuleType):
        return callee.__name__
    if type(callee).__name__ == "ufunc" or (mod or "").startswith("numpy"):
        return f"np.{name}"
    return f"{mod}.{name}" if mod and mod != "builtins" else name


def _no_rule(w: Wengert, stmt: Any, info: StmtInfo) -> TangentLiteError:
    callee = info.callee
    if isinstance(info.value, gast.Subscript):
        spelled = S.dotted_name(info.value.value) or "a module-level object"
        return NoRuleError(
            f"cannot differentiate indexing '{spelled}[...]' with values that carry derivatives: "
            "what it computes from them is unknown",
            w.src.location(stmt),
            "build the array with a function that has rules (np.concatenate, np.stack, np.column_stack) "
            "instead of np.r_ / np.c_, or index a local copy",
        )
    if isinstance(callee, tuple):
        what = f"the method '.{callee[1]}(...)'" if callee[0] == "method" else f"the attribute '.{callee[1]}'"
        return NoRuleError(
            f"cannot differentiate {what} on a differentiable value",
            w.src.location(stmt),
            "use the NumPy function form (np.f(x, ...)), or register a rule for it",
        )
    if callee is None:
        return NoRuleError("cannot differentiate a call to a local value", w.src.location(stmt),
                           "call a module-level function instead")
    module = str(getattr(callee, "__module__", "") or "")
    if module.startswith("tangent_lite.runtime"):
        helper = getattr(callee, "__name__", "a helper")
        return NoRuleError(
            f"derivatives of the derivative code through '_tl.{helper}' are not supported yet: this runtime helper "
            "of a first-order rule has no rule of its own",
            w.src.location(stmt),
            "use first-order derivatives here (tl.grad, tl.jvp, tl.vjp), or register rules for "
            f"tangent_lite.runtime.{helper} with tl.defjvp / tl.defvjp")
    if is_tangent_lite_own(callee):  # tl.grad(inner)(w), inner.grad(w), tl.jvp(...) inside the function
        return UnsupportedConstructError(NESTED_DERIVATIVE[0], w.src.location(stmt), NESTED_DERIVATIVE[1])
    spelled = _spelling(callee)
    written = S.dotted_name(info.value.func) if isinstance(info.value, gast.Call) else None
    if written is not None and written.split(".")[0] not in w.foreign:
        spelled = written  # as the user spelled it: 'functools.reduce', not '_functools.reduce'
    params = _param_list(callee)
    return NoRuleError(
        f"cannot differentiate a call to '{spelled}': it has no derivative rule"
        + (" and no Python source" if not hasattr(callee, "__code__") else ""),
        w.src.location(stmt),
        "To fix: register rules, e.g.\n"
        f"    @tl.defvjp({spelled}, argnum=0)\n"
        f"    def {_ident(spelled)}_vjp(g, ans, {params}):\n"
        "        return ...  # the cotangent of the first argument\n"
        f"    @tl.defjvp({spelled}, argnum=0)\n"
        f"    def {_ident(spelled)}_jvp(x_dot, ans, {params}):\n"
        "        return ...  # the tangent of the output\n"
        f"or mark it constant with tl.nondifferentiable({spelled}).",
    )


def _ident(spelled: str) -> str:
    return spelled.split(".")[-1].replace("<", "").replace(">", "")


def _param_list(callee: Any) -> str:
    try:
        sig = inspect.signature(callee)
        names = [p.name for p in sig.parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return ", ".join(names) or "x"
    except (TypeError, ValueError):
        return "x"


def index_value(index: Any, slice_name: str = "slice") -> Any:
    """The runtime value of a subscript's index (``1:n`` becomes ``slice(1, n, None)``;
    ``slice_name``: what the builtin is called in the generated code, see ``Wengert.aliases``)."""
    if isinstance(index, gast.Slice):
        parts = [S.deepcopy(p) if p is not None else S.const(None) for p in (index.lower, index.upper, index.step)]
        return S.call(S.name(slice_name), parts)
    if isinstance(index, gast.Tuple):
        return S.tuple_([index_value(e, slice_name) for e in index.elts])
    return S.deepcopy(index)
