"""Reverse mode: a forward sweep, then the adjoint statements in reverse order.

    def f(x1, x2):                 def f_vjp(x1, x2, _t4_bar=1.0):
        _t0 = math.log(x1)             _t0 = math.log(x1)          # forward sweep
        _t1 = x1 * x2                  ...
        _t2 = _t0 + _t1       ==>      _t3_bar = -_t4_bar          # reverse sweep
        _t3 = math.sin(x2)             x2_bar = _t3_bar * math.cos(x2)
        _t4 = _t2 - _t3                _t0_bar = _t4_bar
        return _t4                     ...
                                       return x1_bar, x2_bar

Straight-line SSA code needs no tape: every value stays in its own name.  Values
that get overwritten (variables assigned in loops and branches) are pushed on
``_tape`` before the overwrite *only if the reverse sweep reads them*, and popped
back after the overwriting statement's adjoint; loop trip counts and branch
choices are read back the same way.  Adjoints are tracked symbolically: the first
contribution assigns ``x_bar = c``, later ones ``x_bar = x_bar + c``, and zeros are
materialised (``_tl.zeros_like``) only where control flow merges.

Three functions come out of one pass: ``f_vjp`` (fused, for ``grad``), and the
``f_fwd``/``f_bwd`` pair (for ``vjp``), whose residuals are exactly the names the
reverse sweep reads.
"""

from __future__ import annotations

import copy
import operator
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from .. import syntax as S
from ..analysis import aliases
from ..analysis.dataflow import (
    Described,
    StmtInfo,
    activity_and_varied,
    assignments,
    check_differentiable,
    container_vars,
    describe,
    describe_once,
    index_value,
    is_local,
    is_pop,
    is_push,
    local_names,
)
from ..analysis.shapes import (
    Facts,
    infer_shape_classes,
    matrix_products,
    scalar,
    strip_same_shape,
    strip_scalar_broadcasts,
)
from ..errors import UnsupportedConstructError
from ..frontend.anf import Wengert
from ..passes import remat
from ..passes.optimize import DROP_PURE, FACTS, RELEASE, simplified
from ..rules.registry import REGISTRY, Registry
from ..rules.template import inline
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from ..syntax.naming import Namer
from .jvp import Derivative, Resolver, _no_callees

_NONE: frozenset = frozenset()
_RESTORE = "__tl_restore__"  # placeholder call in the reverse sweep: resolved once TBR is known
_RESTORE_ITEM = "__tl_restore_item__"  # the same for the slice an ``x[idx] = v`` overwrote


@dataclass
class _Loop:
    counter: Optional[str]  # trip counter name (while loops, loops with break)
    nested: bool  # inside another loop: bookkeeping goes through the tape


@dataclass
class _Ctx:
    loops: List[_Loop] = field(default_factory=list)
    in_branch: int = 0


def vjp(w: Wengert, wrt: Sequence[str], registry: Registry = REGISTRY, resolve: Resolver = _no_callees,
        ranks: Optional[Dict[str, Any]] = None, save_all: bool = False,
        fused_only: Callable[[], bool] = lambda: False, grad_only: bool = False,
        nonfinite_params: Sequence[str] = ()) -> Derivative:
    """``save_all``: push every overwritten value (no to-be-recorded analysis), for comparison.
    ``fused_only()`` (asked once the callees are resolved: a recursive function calls its own
    split pair): build only ``f_vjp``, what ``tl.grad`` calls, without ``f_fwd``/``f_bwd``.
    ``grad_only`` (with ``fused_only``): when the output is known to be a scalar, ``f_vjp``
    returns the gradient alone, and the optimizer may drop forward statements only the value
    needed (``d.returns_value`` says which was built).  ``nonfinite_params``: the parameters a
    caller may pass an infinite or NaN value (see :func:`maybe_nonfinite`)."""
    if ranks is not None:
        hoist_invariants(w.fdef, ranks)
    described: Described = {}  # what each statement does, asked about by each step below
    active, varied = activity_and_varied(w, set(wrt), registry, described)
    check_differentiable(w, active, registry, mode="vjp", wrt=wrt, varied=varied, memo=described, ranks=ranks)
    _refuse_restores_of_active_items(w, active)
    gen = _Reverse(w, active, w.namer.copy(), registry)
    gen.described = described
    gen.resolve = resolve
    gen.ranks = ranks
    gen.shape_classes = infer_shape_classes(w, ranks) if ranks is not None else {}
    gen.save_all = save_all
    gen.fused_only = fused_only
    gen.grad_only = grad_only
    gen.nonfinite = maybe_nonfinite(w, registry, described, set(nonfinite_params))
    return gen.run(list(wrt))


def _refuse_restores_of_active_items(w: Wengert, active: Set[str]) -> None:
    """Generated code (a gradient, differentiated again in reverse mode) whose reverse sweep
    puts back an item of a dict or list it wrote (``_tl.restore_item``): the outer reverse sweep
    cannot follow that undoing (nor the keys it removes), so it is refused, not computed wrong."""
    from .. import runtime
    from ..frontend.anf import call_site

    for n in S.walk(w.fdef):
        if isinstance(n, gast.Call) and get_anno(n, Key.CALLEE) is runtime.restore_item and n.args \
                and is_local(n.args[0]) and n.args[0].id in active:
            raise UnsupportedConstructError(
                "reverse mode over reverse mode of a function that writes into an item of a dict or a list "
                "(its derivative code puts the item back) is not supported",
                call_site(w, runtime.restore_item),
                hint="compute second derivatives forward over reverse: tl.hessian, tl.hvp, or tl.jvp of "
                     "tl.gradient_function(f)")


def _products() -> Set[Any]:
    import operator

    import numpy as np

    return {operator.mul, np.multiply, np.square}


_PRODUCTS = _products()


def _nonfinite_sources() -> Set[Any]:
    """Functions whose value may be infinite or NaN at a finite input (poles, domains, overflow)."""
    import builtins
    import math
    import operator

    import numpy as np

    names_np = ("log", "log2", "log10", "log1p", "sqrt", "divide", "true_divide", "reciprocal", "power",
                "float_power", "arcsin", "arccos", "arctanh", "arccosh", "exp", "exp2", "expm1", "sinh", "cosh",
                "tan", "floor_divide", "remainder", "fmod", "mod", "arctan2")
    names_math = ("log", "log2", "log10", "log1p", "sqrt", "pow", "asin", "acos", "atanh", "acosh", "exp",
                  "expm1", "sinh", "cosh", "tan", "fmod")
    return ({getattr(np, n) for n in names_np if hasattr(np, n)} | {getattr(math, n) for n in names_math}
            | {operator.truediv, operator.pow, operator.floordiv, operator.mod, builtins.pow})


_NONFINITE_SOURCES = _nonfinite_sources()


def _dict_vars(body: List[Any]) -> Set[str]:
    """Variables assigned a dict display or ``dict(...)``, and copies of them."""
    return _vars_built_as(body, gast.Dict, dict)


def _list_vars(body: List[Any]) -> Set[str]:
    """Variables assigned a list display or ``list(...)``, and copies of them."""
    return _vars_built_as(body, gast.List, list)


def _vars_built_as(body: List[Any], display: Any, builtin: Any) -> Set[str]:
    """Variables assigned a ``display`` (or comprehension, or ``builtin(...)`` call), the sum of
    one with anything (lists concatenate), and copies of them."""
    comprehension = gast.ListComp if display is gast.List else gast.DictComp
    out: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for st in assignments(body):
            if not isinstance(st, gast.Assign) or not isinstance(st.targets[0], gast.Name) or st.targets[0].id in out:
                continue
            v = st.value
            if isinstance(v, gast.BinOp) and isinstance(v.op, gast.Add) and display is gast.List:
                v = v.left if is_local(v.left) and v.left.id in out or isinstance(v.left, display) else v.right
            built = isinstance(v, (display, comprehension)) or (isinstance(v, gast.Call)
                                                                 and get_anno(v, Key.CALLEE) is builtin)
            if built or (is_local(v) and v.id in out):
                out.add(st.targets[0].id)
                changed = True
    return out


_NONFINITE_INSIDE: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _may_be_nonfinite_inside(fn: Any) -> bool:
    """May user function ``fn`` return inf or NaN for finite arguments: does its source divide by
    anything but a nonzero number, raise to anything but a non-negative integer, or call a
    function of ``_NONFINITE_SOURCES`` (by name), itself or in a function it calls?"""
    try:
        return _NONFINITE_INSIDE[fn]
    except (KeyError, TypeError):
        pass
    _NONFINITE_INSIDE[fn] = True  # (recursion: assume the worst while looking)
    found = _scan_nonfinite(fn)
    _NONFINITE_INSIDE[fn] = found
    return found


def _scan_nonfinite(fn: Any) -> bool:
    from ..analysis.dataflow import is_user_function, user_function
    from ..errors import TangentLiteError

    try:
        node = S.load_function(fn).node
    except TangentLiteError:
        return True
    names = {getattr(f, "__name__", "") for f in _NONFINITE_SOURCES}
    for n in S.walk(node):
        if isinstance(n, gast.BinOp) and isinstance(n.op, (gast.Div, gast.FloorDiv, gast.Mod)):
            if not (isinstance(n.right, gast.Constant) and type(n.right.value) in (int, float) and n.right.value != 0):
                return True
        elif isinstance(n, gast.BinOp) and isinstance(n.op, gast.Pow):
            c = n.right.value if isinstance(n.right, gast.Constant) else None
            if not (type(c) in (int, float) and float(c).is_integer() and c >= 0):
                return True
        elif isinstance(n, gast.Call):
            called = n.func.attr if isinstance(n.func, gast.Attribute) else getattr(n.func, "id", "")
            if called in names:
                return True
            target = getattr(fn, "__globals__", {}).get(called)
            if target is not None and is_user_function(target) and _may_be_nonfinite_inside(user_function(target)):
                return True
    return False


def _finite_for_constants(info: StmtInfo) -> bool:
    """A division by a nonzero number, a remainder of one, a power with a non-negative integer
    exponent: finite for finite inputs (``dt / 6.0``, ``x ** 2``)."""
    atoms = [info.value.left, info.value.right] if isinstance(info.value, gast.BinOp) else \
        list(info.value.args) if isinstance(info.value, gast.Call) else []
    if len(atoms) != 2 or not isinstance(atoms[1], gast.Constant):
        return False
    c = atoms[1].value
    if type(c) not in (int, float):
        return False
    name = getattr(info.callee, "__name__", "")
    if name in ("truediv", "floordiv", "mod", "divide", "true_divide", "floor_divide", "remainder", "fmod"):
        return c != 0
    if name in ("pow", "power"):
        return float(c).is_integer() and c >= 0
    return False


def maybe_nonfinite(w: Wengert, registry: Registry, memo: Optional[Described] = None,
                    params: Optional[Set[str]] = None) -> Set[str]:
    """The variables whose value may be infinite or NaN although the inputs are finite: results
    of the functions in ``_NONFINITE_SOURCES``, the ``params`` a caller passes such values, and
    everything computed from them (comparisons excepted), to a fixpoint.  Flow-insensitive."""
    from .. import runtime

    sources = _NONFINITE_SOURCES | {getattr(runtime, n) for n in ("strong_div", "power") if hasattr(runtime, n)}
    out: Set[str] = set(params or ())
    infos = [describe_once(st, registry, memo) for st in assignments(w.fdef.body)
             if isinstance(st, gast.Assign)]
    changed = True
    while changed:
        changed = False
        for info in infos:
            if info.kind in ("nondiff", "const") or not info.targets or set(info.targets) <= out:
                continue
            callee = info.callee
            try:
                source = callee in sources and not _finite_for_constants(info)
            except TypeError:  # unhashable
                source = False
            reads = set().union(*(local_names(a) for _, a in info.inputs)) if info.inputs else set()
            if info.kind == "user":
                source = source or _may_be_nonfinite_inside(info.callee)
            if source or reads & out or info.kind in ("nocall", "method"):
                out |= set(info.targets)
                changed = True
    return out


_HOISTABLE = (gast.Add, gast.Sub, gast.Mult)


def hoist_invariants(fdef: Any, ranks: Dict[str, Any]) -> bool:
    """Move scalar arithmetic that does not change from one iteration to the next out of
    its loop, so it is computed once and never saved on the tape::

        for _ in range(n):                 _t2 = 0.5 * dt
            _t2 = 0.5 * dt          ->     for _ in range(n):
            _t3 = _t2 * k1u                    _t3 = _t2 * k1u

    Only temporaries assigned once in the function, computed by ``+ - *`` (or a division
    by a non-zero constant, or a negation) from constants and scalars the loop never
    assigns: nothing that could raise, or cost more, when the loop runs no iteration."""
    counts: Dict[str, int] = {}
    for n in S.walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1

    def operand_ok(atom: Any, assigned: Set[str]) -> bool:
        if isinstance(atom, gast.Constant):
            return type(atom.value) in (int, float)
        return is_local(atom) and atom.id not in assigned and ranks.get(atom.id) == 0

    def invariant(stmt: Any, assigned: Set[str]) -> bool:
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
            return False
        target, value = stmt.targets[0].id, stmt.value
        if counts.get(target) != 1 or ranks.get(target) != 0 or get_anno(stmt, Key.BOOKKEEPING):
            return False
        if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub):
            return operand_ok(value.operand, assigned)
        if not isinstance(value, gast.BinOp):
            return False
        if isinstance(value.op, gast.Div):
            ok_op = isinstance(value.right, gast.Constant) and type(value.right.value) in (int, float) \
                and value.right.value != 0
        else:
            ok_op = isinstance(value.op, _HOISTABLE)
        return ok_op and operand_ok(value.left, assigned) and operand_ok(value.right, assigned)

    changed = False

    def visit(body: List[Any]) -> List[Any]:
        nonlocal changed
        out: List[Any] = []
        for stmt in body:
            for fname in ("body", "orelse"):
                if isinstance(stmt, (gast.If, gast.For, gast.While)) and getattr(stmt, fname, None):
                    setattr(stmt, fname, visit(getattr(stmt, fname)))
            if isinstance(stmt, (gast.For, gast.While)) and get_anno(stmt, Key.CHECKPOINT) is None:
                while True:  # a hoisted temporary may make the next one invariant
                    assigned = _stored(stmt.body) | _stored([stmt.target] if isinstance(stmt, gast.For) else [])
                    assigned |= _mutated_in(stmt.body)
                    moved = [st for st in stmt.body if invariant(st, assigned - {_target(st)})]
                    if not moved:
                        break
                    stmt.body = [st for st in stmt.body if not any(st is m for m in moved)] or [gast.Pass()]
                    out.extend(moved)
                    changed = True
            out.append(stmt)
        return out

    fdef.body = visit(fdef.body)
    return changed


def _target(stmt: Any) -> str:
    return stmt.targets[0].id if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) else ""


class _Reverse:
    def __init__(self, w: Wengert, active: Set[str], namer: Namer, registry: Registry):
        self.w, self.active, self.namer, self.registry = w, active, namer, registry
        self.tl = w.aliases["_tl"]
        self.tape = self.namer.fresh("_tape")
        self.containers = container_vars(w.fdef.body)
        self.overwritten: Dict[int, List[str]] = {}  # id(assignment) -> the variables it may overwrite
        self.resolve: Resolver = _no_callees
        self.ranks: Optional[Dict[str, Any]] = None  # variable ranks, when specialised
        self.shape_classes: Dict[str, Any] = {}  # variables known to share a shape (shapes.py)
        self.owned: Set[str] = set()  # adjoints holding arrays allocated here and referenced once
        self.save_all = False
        self.fused_only: Callable[[], bool] = lambda: False
        self.grad_only = False
        self.checkpointed: Dict[int, Dict[str, Any]] = {}  # id(loop) -> its step functions and state
        self.extra_functions: List[Any] = []  # step functions of checkpointed loops
        self.needs_init: Set[str] = set()  # first assigned inside a loop
        self.mutated: List[str] = []  # variables changed in place (x[i] = v, L.append)
        self.item_writes: Dict[int, str] = {}  # id(x[i] = v) -> x
        self.loops: Dict[int, _Loop] = {}
        self.rev_headers: Dict[int, Any] = {}  # id(forward loop) -> its reverse for loop (remat.py)
        self.described: Described = {}  # analysis.describe_once's memo
        self.nonfinite: Set[str] = set()  # variables that may be inf/NaN at finite inputs (maybe_nonfinite)
        self._dicts: Optional[Set[str]] = None  # variables holding a dict the function builds (_array)
        self._lists: Optional[Set[str]] = None  # ... a list it builds (_list_slice_write)
        self._inverse: Tuple[Any, int, Dict[str, str]] = (None, 0, {})  # _adjoint_of's (namer, size, mapping)

    # ------------------------------------------------------------------ driver
    def run(self, wrt: List[str]) -> Derivative:
        w = self.w
        ret = w.fdef.body[-1]
        outs = list(ret.value.elts) if isinstance(ret.value, gast.Tuple) else [ret.value]
        # seeds: one parameter per output, named after the returned variable
        seeds: List[str] = []
        state: Set[str] = set()
        seed_stmts: List[Any] = []
        for atom in outs:
            if self.is_active(atom) and atom.id not in state:
                name = self.namer.adjoint(atom.id)
                state.add(atom.id)
            else:
                name = self.namer.fresh("out_bar" if len(outs) == 1 else f"out{len(seeds)}_bar")
                if self.is_active(atom):  # the same variable returned twice
                    bar = self.namer.adjoint(atom.id)
                    seed_stmts.append(S.assign(bar, self.add(S.name(bar), S.name(name), atom.id)))
            seeds.append(name)
        # (a checkpointed loop's step is differentiated on its own, from the calls as written)
        self._extract_checkpointed_loops(w.fdef.body[:-1], list(wrt))
        self._rewrite_user_calls(w.fdef.body[:-1])
        self._scan(w.fdef.body[:-1], [], set(w.params))
        self.reassigned = {v for vs in self.overwritten.values() for v in vs} | set(self.mutated) | {
            v for info in self.checkpointed.values() for v in info["carried"]}
        fwd_body = w.fdef.body[:-1]
        rev, state = self.rev_block(fwd_body, state, _Ctx())
        rev = seed_stmts + rev
        grads = []
        for p in wrt:
            if p in state:
                grads.append(self.call("as_grad", [S.name(self.namer.adjoint(p)), S.name(p)]))
            else:
                grads.append(self.call("zeros_like", [S.name(p)]))
        # to-be-recorded: a restore is kept only if the reverse sweep reads the variable;
        # keeping one can make a branch non-empty, whose test is then read: iterate.
        needed: Set[str] = set()
        shared = aliases.groups(w.fdef.body, self.ranks)  # views and aliases (aliases.py)
        reads_memo: Dict[int, Set[str]] = {}  # rev does not change in this loop
        while True:
            kept = {(i, v) for i, vs in self.overwritten.items() for v in vs if v in needed}
            # x[k] = ... is undone when the reverse sweep reads x or anything sharing its memory
            kept |= {(i, v) for i, v in self.item_writes.items() if v in needed or shared.get(v, _NONE) & needed}
            now = self._loaded_after_restores(rev, kept, reads_memo)
            if self.save_all:  # what a tape-everything AD tool stores
                now |= {v for vs in self.overwritten.values() for v in vs} | set(self.mutated)
            if now <= needed:
                break
            needed |= now
        if not self.save_all:  # cheap loop temporaries: recomputed in the reverse loop, not taped
            needed = needed - remat.plan(w.fdef.body, list(w.params), aliases.closure(set(self.mutated), shared),
                                         needed,
                                         lambda v: scalar(self.ranks, S.name(v)), self.rev_headers,
                                         self._placeholder, is_local)
        fwd, pushes = self.fwd_block(fwd_body, needed, _Ctx())
        rev = self._resolve_restores(rev, pushes)
        if pushes or self.tape in _loaded(fwd):
            fwd.insert(0, S.assign(self.tape, gast.List(elts=[], ctx=gast.Load())))
        grad_value = grads[0] if len(grads) == 1 else S.tuple_(grads)
        residuals = sorted((_free(rev + [gast.Return(value=grad_value)]) - set(seeds)) & (set(w.params) | _stored(fwd)))
        pushed = {v for _, v in pushes}
        inits = sorted((pushed & self.needs_init) | (set(residuals) - _definite(fwd, set(w.params))))
        fwd = [S.assign(v, S.const(None)) for v in inits] + fwd
        seed_defaults = [S.const(1.0)] if len(seeds) == 1 else []
        name = w.name
        # the value is taken before the reverse sweep restores overwritten variables
        value: Any = S.deepcopy(ret.value)
        keep: List[Any] = []
        if rev and not all(isinstance(a, gast.Constant) or (is_local(a) and a.id not in self.reassigned)
                           for a in outs):
            value_name = self.namer.fresh("_value")
            keep = [S.assign(value_name, value)]
            value = S.name(value_name)
        # tl.grad of a function known to return a scalar: no value to return, nor to compute
        returns_value = not (self.grad_only and self.fused_only() and len(outs) == 1
                             and (isinstance(outs[0], gast.Constant) or scalar(self.ranks, outs[0])))
        if not returns_value:
            keep = []
        fused_ret = S.tuple_([value, grad_value]) if returns_value else grad_value
        fused = S.function_def(w.function_name("vjp"), list(w.params) + seeds,
                               self._sweeps(fwd + keep, rev) + [gast.Return(value=fused_ret)], seed_defaults)
        if not returns_value:  # the forward statements only the value read are dead code now
            setattr(fused, DROP_PURE, True)
        # the pullback may be called many times: it pops from a copy of the tape.  Arrays and
        # lists whose in-place changes the reverse sweep undoes cannot be copied (views of them
        # must see the undoing), so a pullback of such a function re-runs f_fwd when called again
        changed = aliases.closure(_mutated_in(rev), shared) & set(residuals)
        self.rerun_forward = bool(changed - {self.tape})
        inner = None
        if self.fused_only():  # tl.grad: no f_fwd/f_bwd pair to build, optimize and print
            split: List[Any] = []
        else:
            split, inner = self._split_functions(fwd, rev, ret, wrt, grads, grad_value, state, seeds, residuals,
                                                 self.tape in changed)
        functions = [fused] + split[:2] + self.extra_functions + split[2:]
        for fn in [fused] + split:  # what the optimizer may take for a tape, or a builtin (hygiene)
            set_anno(fn, Key.TAPES, {self.tape})
            set_anno(fn, Key.BUILTINS, dict(w.aliases))
        if self.ranks is not None:  # arrays the optimizer may release once dead (optimize.release_dead)
            arrays = {v for v, r in self.ranks.items() if r is not None and r >= 1}
            big = (arrays - set(w.params)) | {b for v, b in self.namer._adjoints.items() if v in arrays}
            for fn in [fused] + split:
                setattr(fn, RELEASE, big)
            # what the optimizer may rely on (uniform.py): ranks and shape classes of the
            # primal variables, ranks of their adjoints
            bar_ranks = {b: self.ranks[v] for v, b in self.namer._adjoints.items() if v in self.ranks}
            facts = Facts({**self.ranks, **bar_ranks}, dict(self.shape_classes), self.tl, w.aliases.get("np", "np"))
            for fn in [fused] + split:  # each its own ranks: uniform.py forgets those it changes
                setattr(fn, FACTS, facts._replace(ranks=dict(facts.ranks)))
        d = Derivative(functions, w, "vjp", list(wrt))
        d.returns_value = returns_value  # type: ignore[attr-defined]
        d.adjoints = inner.name if inner is not None else None  # type: ignore[attr-defined]
        d.seeds = seeds  # type: ignore[attr-defined]
        d.rerun_forward = self.rerun_forward  # type: ignore[attr-defined]
        d.residuals = residuals  # type: ignore[attr-defined]
        return d

    def _split_functions(self, fwd: List[Any], rev: List[Any], ret: Any, wrt: List[str], grads: List[Any],
                         grad_value: Any,
                         state: Set[str], seeds: List[str], residuals: List[str],
                         copy_tape: bool) -> Tuple[List[Any], Any]:
        """``[f_fwd, f_bwd]`` (+ ``f_adjoints``) and the adjoints function or None: the split pair
        passes as residuals what the reverse sweep reads from the forward one."""
        w = self.w
        residuals_param = self.namer.fresh("_residuals")
        res_tuple = S.tuple_([S.name(r) for r in residuals])
        fwd_fn = S.function_def(w.function_name("fwd"), list(w.params),
                                S.deepcopy(fwd) + [gast.Return(value=S.tuple_([S.deepcopy(ret.value), res_tuple]))])
        unpack = gast.Assign(targets=[S.tuple_([S.name(r, store=True) for r in residuals], store=True)],
                             value=S.name(residuals_param), type_comment=None)
        copies = [S.assign(self.tape, self.call("copied", [S.name(self.tape)]))] if copy_tape else []
        bwd_body = ([unpack] if residuals else []) + copies + S.deepcopy(rev) + [
            gast.Return(value=S.deepcopy(grad_value))]
        functions = [fwd_fn, S.function_def(w.function_name("bwd"), [residuals_param] + seeds, bwd_body)]
        # what generated callers call: the adjoints as they are, to add to their own (no
        # _tl.as_grad per argument and call: the caller's own result gets that once)
        raw = [S.name(self.bar(p)) if p in state and self.ranks is not None and self.ranks.get(p) is not None
               else S.deepcopy(g) for p, g in zip(wrt, grads)]
        inner = None
        if any(isinstance(r, gast.Name) for r in raw):
            inner_body = bwd_body[:-1] + [gast.Return(value=raw[0] if len(raw) == 1 else S.tuple_(raw))]
            inner = S.function_def(w.function_name("adjoints"), [residuals_param] + seeds, S.deepcopy(inner_body))
            functions.append(inner)
        return functions, inner

    def _sweeps(self, fwd: List[Any], rev: List[Any]) -> List[Any]:
        out = list(fwd)
        if rev:
            out.append(S.comment_line("reverse sweep"))
        return out + list(rev)

    # ------------------------------------------------------------------ helpers
    def is_active(self, atom: Any) -> bool:
        return is_local(atom) and atom.id in self.active

    def index(self, index: Any) -> Any:
        """The runtime value of a subscript's index (:func:`analysis.index_value`)."""
        return index_value(index, self.w.aliases["slice"])

    def _array(self, var: str) -> bool:
        """Is ``var`` not one of the function's dicts (whose keys may come and go)?  Those get
        ``_tl.saved_item`` / ``_tl.restore_item``; the rest plain ``x[i]`` saves and restores."""
        if self._dicts is None:
            self._dicts = _dict_vars(self.w.fdef.body)
        return var not in self._dicts

    def _list_slice_write(self, stmt: Any) -> bool:
        """``L[a:b] = V`` into a variable that may be a list (its rank is not known; without the
        arguments' ranks, one the function builds as a list): the write may change the list's
        length, so the reverse sweep restores the list first and then finds the written span
        from it (``_tl.slice_write_bar`` / ``_tl.slice_write_zero``).  Arrays keep plain
        ``x[a:b]`` saves and restores, which code differentiated again (reverse over reverse)
        follows."""
        tgt = stmt.targets[0] if isinstance(stmt, gast.Assign) else None
        return isinstance(tgt, gast.Subscript) and isinstance(tgt.slice, gast.Slice) \
            and isinstance(tgt.value, gast.Name) and self._maybe_list(tgt.value.id)

    def _maybe_list(self, var: str) -> bool:
        """May ``var``, which a slice is written into, hold a list (see :meth:`_list_slice_write`)?"""
        ranks = self.ranks or {}
        if ranks.get(var) is not None:
            return False
        if any(ranks.get(p) is not None for p in self.w.params):
            return True  # the arguments' ranks are known, and this is no array computed from them
        if self._lists is None:
            self._lists = _list_vars(self.w.fdef.body)
        return var in self._lists or var in self.w.params

    def bar(self, var: str) -> str:
        return self.namer.adjoint(var)

    def call(self, helper: str, args: List[Any]) -> Any:
        return S.call(S.attribute(S.name(self.tl), helper), args)

    def _runtime_call(self, helper: str, args: List[Any]) -> Any:
        """``_tl.<helper>(args)`` resolved, as the lowering resolves calls (for code that is
        differentiated again: a checkpointed loop's step)."""
        from .. import runtime

        call = self.call(helper, args)
        set_anno(call, Key.CALLEE, getattr(runtime, helper))
        set_anno(call.func, Key.CALLEE, getattr(runtime, helper))
        return call

    def add(self, left: Any, right: Any, var: str) -> Any:
        """``left + right`` for adjoints of numbers and arrays; ``_tl.add`` (entrywise) where the
        variable may hold a list, tuple or record (``+`` would concatenate)."""
        if var in self.containers or not isinstance((self.ranks or {}).get(var), int):
            return self.call("add", [left, right])
        return gast.BinOp(left=left, op=gast.Add(), right=right)

    def accumulate(self, var: str, contrib: Any, state: Set[str], out: List[Any]) -> None:
        bar = self.bar(var)
        if var in state and var in self.owned and var not in self.containers and self.ranks is not None \
                and (self.ranks.get(var) or 0) >= 1:
            # an array allocated here that nothing else references: add in place (no new array)
            out.append(gast.AugAssign(target=S.name(bar, store=True), op=gast.Add(), value=contrib))
        elif var in state:
            out.append(S.assign(bar, self.add(S.name(bar), contrib, var)))
        else:
            out.append(S.assign(bar, contrib))
            state.add(var)

    def zero(self, var: str) -> Any:
        if scalar(self.ranks, S.name(var)):
            return S.assign(self.bar(var), S.const(0.0))
        return S.assign(self.bar(var), self.call("zeros_like", [S.name(var)]))

    def at(self, nodes: List[Any], like: Any) -> List[Any]:
        for n in nodes:
            n.lineno = getattr(like, "lineno", None)
            set_anno(n, Key.ORIGIN, get_anno(like, Key.ORIGIN))
        return nodes

    # ------------------------------------------------------------------ user functions
    def _rewrite_user_calls(self, body: List[Any]) -> None:
        """``y = g(a, b)`` with active inputs -> ``y, y_res = g_fwd(a, b)`` (in place)."""
        for stmt in list(assignments(body)):
            info = describe_once(stmt, self.registry, self.described)
            if info.kind != "user" or info.targets[0] not in self.active:
                continue
            wrt = tuple(p for p, a in info.bound.items() if is_local(a) and a.id in self.active)
            if not wrt:
                continue
            spelling = S.dotted_name(info.value.func) or info.callee.__name__
            # the callee's parameters that may receive an infinite or NaN value: its adjoints give
            # strong zeros in them (a helper computing under a np.where that selects it away)
            nonfinite = sorted(p for p, a in info.bound.items() if is_local(a) and a.id in self.nonfinite)
            names = self.resolve(info.callee, "vjp", wrt, spelling, _call_spec(info, self.ranks), nonfinite)
            target = info.targets[0]
            res = self.namer.fresh(f"{target}_res")
            args = [S.deepcopy(a) for a in info.bound.values()]
            stmt.targets = [S.tuple_([S.name(target, store=True), S.name(res, store=True)], store=True)]
            stmt.value = S.call(S.name(names["fwd"]), args)
            set_anno(stmt, Key.USER_CALL, {"wrt": wrt, "bound": info.bound, "names": names, "res": res,
                                           "target": target})

    def user_adjoint(self, stmt: Any, state: Set[str]) -> List[Any]:
        call = get_anno(stmt, Key.USER_CALL)
        target, names = call["target"], call["names"]
        out: List[Any] = []
        if target not in state:
            return out
        seeds: List[Any] = [S.name(self.bar(target))]
        if names["outputs"] > 1:  # one seed per output of the callee
            seeds = [gast.Subscript(value=S.name(self.bar(target)), slice=S.const(i), ctx=gast.Load())
                     for i in range(names["outputs"])]
        pieces = [self.namer.temp() for _ in call["wrt"]]  # unpacked: no indexing of a tuple
        value = S.call(S.name(names["bwd"]), [S.name(call["res"])] + seeds)
        if len(pieces) == 1:
            out.append(S.assign(pieces[0], value))
        else:
            out.append(gast.Assign(targets=[S.tuple_([S.name(t, store=True) for t in pieces], store=True)],
                                   value=value, type_comment=None))
        for t, p in zip(pieces, call["wrt"]):
            self.accumulate(call["bound"][p].id, S.name(t), state, out)
        return out

    # ------------------------------------------------------------------ checkpointed loops
    def _extract_checkpointed_loops(self, body: List[Any], wrt: List[str]) -> None:
        """Turn each ``tl.checkpointed`` loop's body into step functions of its own
        (``f_loop1_step``, and their ``_fwd``/``_bwd`` derivative) that the runtime's
        binomial schedule calls; the loop state is what the body carries across iterations."""
        from ..frontend.anf import Wengert

        for index, stmt in enumerate(body):
            snaps = get_anno(stmt, Key.CHECKPOINT) if isinstance(stmt, gast.For) else None
            if snaps is None:
                continue
            before = set(self.w.params) | _stored(body[:index])
            after = _loaded(body[index + 1:] + [self.w.fdef.body[-1]])
            if stmt.target.id in after:
                raise UnsupportedConstructError(
                    f"the variable '{stmt.target.id}' of a checkpointed loop is read after the loop",
                    self.w.src.location(stmt),
                    f"compute its last value after the loop instead (e.g. {stmt.target.id} = n - 1), or do not "
                    "checkpoint this loop")
            changed = _mutated_in(stmt.body) - {stmt.target.id}  # arrays and lists changed in place
            assigned = (_stored(stmt.body) | changed) - {stmt.target.id}
            # the loop state: what the body changes and code before or after it has, or that one
            # iteration leaves for the next (read in the body before the body assigns it)
            exposed = _read_before_written(stmt.body)
            carried = sorted(v for v in assigned if v in before or v in after or v in exposed)
            free = sorted((_loaded(stmt.body) - assigned - {stmt.target.id}) & (before | set(self.w.params)))
            carried_active = [v in self.active for v in carried]
            free_active = [v for v in free if v in self.active]
            if not any(carried_active) and not free_active:
                continue  # nothing to differentiate through: an ordinary loop
            k = len(self.checkpointed) + 1
            base = self.w.function_name(f"loop{k}")
            # a step changes its own copy of what it changes in place (the schedule's snapshots stay
            # intact): such a variable comes in under another name and is copied first
            incoming = {v: (self.namer.fresh(f"{v}_in") if v in changed else v) for v in carried}
            params = [stmt.target.id] + [incoming[v] for v in carried] + free
            ret = gast.Return(value=S.tuple_([S.name(v) for v in carried]))
            copies = [S.assign(v, self._runtime_call("copied", [S.name(incoming[v])])) for v in carried
                      if incoming[v] != v]
            step_def = S.function_def(f"{base}_step", params, copies + S.deepcopy(stmt.body) + [ret])
            sub = Wengert(self.w.fn, self.w.src, S.deepcopy(step_def), params, self.w.env, self.w.aliases,
                          copy.deepcopy(self.namer), set(self.w.nonssa))
            sub_wrt = [incoming[v] for v, a in zip(carried, carried_active) if a] + free_active
            d = vjp(sub, sub_wrt, self.registry, self.resolve, self.ranks, self.save_all)
            _fused, fwd_fn, bwd_fn = d.functions[:3]
            fwd_fn.name, bwd_fn.name = f"{base}_fwd", f"{base}_bwd"
            self.extra_functions += [step_def, fwd_fn, bwd_fn] + [
                f for f in d.functions[3:] if f.name != d.adjoints]  # type: ignore[attr-defined]
            self.checkpointed[id(stmt)] = {
                "base": base, "carried": carried, "carried_active": carried_active, "free": free,
                "free_active": free_active, "snapshots": snaps, "record": self.namer.fresh(f"_{base}"),
                "undefined": [v for v in carried if v not in before],  # None until an iteration sets it
            }

    def fwd_checkpointed(self, stmt: Any) -> List[Any]:
        info = self.checkpointed[id(stmt)]
        rec = info["record"]
        out: List[Any] = [S.assign(v, S.const(None)) for v in info.get("undefined", [])]
        call = self.call("checkpoint_forward", [
            S.name(f"{info['base']}_step"), S.deepcopy(stmt.iter), S.tuple_([S.name(v) for v in info["carried"]]),
            S.tuple_([S.name(v) for v in info["free"]]), S.deepcopy(info["snapshots"])])
        out.append(S.assign(rec, call))
        if info["carried"]:
            targets = S.tuple_([S.name(v, store=True) for v in info["carried"]], store=True)
            out.append(gast.Assign(targets=[targets], value=S.attribute(S.name(rec), "final"), type_comment=None))
        return out

    def rev_checkpointed(self, stmt: Any, state: Set[str]) -> List[Any]:
        info = self.checkpointed[id(stmt)]
        rec, base = info["record"], info["base"]
        seeds = [S.name(self.bar(v)) if v in state else self.call("zeros_like", [S.name(v)])
                 for v in info["carried"]]
        result = self.namer.temp()
        call = self.call("checkpoint_reverse", [
            S.name(rec), S.name(f"{base}_step"), S.name(f"{base}_fwd"), S.name(f"{base}_bwd"), S.tuple_(seeds),
            S.tuple_([S.const(a) for a in info["carried_active"]]), S.const(len(info["free_active"]))])
        out: List[Any] = [S.assign(result, call)]
        for i, (v, active) in enumerate(zip(info["carried"], info["carried_active"])):
            state.discard(v)
            if active:
                piece = gast.Subscript(value=gast.Subscript(value=S.name(result), slice=S.const(0), ctx=gast.Load()),
                                       slice=S.const(i), ctx=gast.Load())
                self.accumulate(v, piece, state, out)
        for j, v in enumerate(info["free_active"]):
            piece = gast.Subscript(value=gast.Subscript(value=S.name(result), slice=S.const(1), ctx=gast.Load()),
                                   slice=S.const(j), ctx=gast.Load())
            self.accumulate(v, piece, state, out)
        if info["carried"]:  # the loop state as it was before the loop
            targets = S.tuple_([S.name(v, store=True) for v in info["carried"]], store=True)
            out.append(gast.Assign(targets=[targets], value=S.attribute(S.name(rec), "initial"), type_comment=None))
        self.track_ownership(out)
        return self.at(out, stmt)

    # ------------------------------------------------------------------ scan: what may be overwritten
    def _scan(self, body: List[Any], loops: List[_Loop], defined: Set[str]) -> Set[str]:
        """Find assignments that may overwrite a value (in a loop, or a redefinition),
        variables first assigned inside a loop (initialised to None so they can be
        pushed), and each loop's bookkeeping.  Returns the names defined after ``body``."""
        for stmt in body:
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
                self.mutated.append(stmt.targets[0].value.id)
                self.item_writes[id(stmt)] = stmt.targets[0].value.id
            if is_push(stmt) or (isinstance(stmt, gast.Expr) and is_pop(stmt.value)):
                self.mutated.append(stmt.value.func.value.id)
            if isinstance(stmt, gast.Assign):
                for var in _targets(stmt):
                    if loops or var in defined:
                        self.overwritten.setdefault(id(stmt), []).append(var)
                    if loops and var not in defined:
                        self.needs_init.add(var)
                    defined = defined | {var}
            elif isinstance(stmt, gast.If):
                defined = self._scan(stmt.body, loops, set(defined)) | self._scan(stmt.orelse, loops, set(defined))
            elif isinstance(stmt, gast.For) and id(stmt) in self.checkpointed:
                info = self.checkpointed[id(stmt)]
                info["undefined"] = [v for v in info["carried"] if v not in defined]
                defined = defined | set(info["carried"]) | {stmt.target.id}
            elif isinstance(stmt, (gast.For, gast.While)):
                counter = None
                if isinstance(stmt, gast.While) or _has_break(stmt.body):
                    counter = self.namer.fresh("_n")
                loop = _Loop(counter, bool(loops))
                self.loops[id(stmt)] = loop
                if isinstance(stmt, gast.For):
                    defined = defined | {stmt.target.id}
                defined = defined | self._scan(stmt.body, loops + [loop], set(defined))
        return defined

    # ------------------------------------------------------------------ reverse sweep
    def rev_block(self, stmts: List[Any], state: Set[str], ctx: _Ctx) -> Tuple[List[Any], Set[str]]:
        out: List[Any] = []
        for stmt in reversed(stmts):
            if isinstance(stmt, gast.Assign) or is_push(stmt) or (isinstance(stmt, gast.Expr) and is_pop(stmt.value)):
                out.extend(self.rev_assign(stmt, state))
            elif isinstance(stmt, gast.If):
                out.extend(self.rev_if(stmt, state, ctx))
            elif isinstance(stmt, gast.For) and id(stmt) in self.checkpointed:
                out.extend(self.rev_checkpointed(stmt, state))
            elif isinstance(stmt, gast.For):
                out.extend(self.rev_loop(stmt, state, ctx))
            elif isinstance(stmt, gast.While):
                out.extend(self.rev_loop(stmt, state, ctx))
            # Expr (print), Assert, Break, Pass: nothing to undo
        return out, state

    def rev_assign(self, stmt: Any, state: Set[str]) -> List[Any]:
        out: List[Any] = []
        if get_anno(stmt, Key.USER_CALL) is not None:
            out.extend(self.user_adjoint(stmt, state))
            targets = _targets(stmt)
        elif isinstance(stmt, gast.Expr) or (info := describe_once(stmt, self.registry, self.described)).kind == "pop":
            out.extend(self.list_adjoint(stmt, state))
            targets = _targets(stmt) if isinstance(stmt, gast.Assign) else []
        elif info.kind == "setitem" and self._list_slice_write(stmt):
            tgt = stmt.targets[0]
            out.append(gast.Expr(value=S.call(_RESTORE_ITEM, [S.const(id(stmt)), S.name(tgt.value.id),
                                                              self.index(tgt.slice)])))
            if tgt.value.id in state and tgt.value.id in self.active:
                g, lst, index = S.name(self.bar(tgt.value.id)), S.name(tgt.value.id), self.index(tgt.slice)
                if self.is_active(info.value):
                    self.accumulate(info.value.id, self.call("slice_write_bar", [g, lst, index, S.name(info.value.id)]),
                                    state, out)
                out.append(S.assign(self.bar(tgt.value.id), self.call(
                    "slice_write_zero", [S.deepcopy(g), S.deepcopy(lst), S.deepcopy(index), S.name(info.value.id)])))
            targets = []
        else:
            live = [t for t in info.targets if t in state and t in self.active]
            if live:
                out.extend(self.adjoint(info, state))
            targets = [] if info.kind == "setitem" else info.targets
            if info.kind == "setitem":
                tgt = stmt.targets[0]
                out.append(gast.Expr(value=S.call(_RESTORE_ITEM, [S.const(id(stmt)), S.name(tgt.value.id),
                                                                  self.index(tgt.slice)])))
        for t in targets:
            state.discard(t)
        for var in reversed(self.overwritten.get(id(stmt), [])):
            out.append(gast.Expr(value=S.call(_RESTORE, [S.const(id(stmt)), S.name(var)])))
        self.track_ownership(out)
        return self.at(out, stmt)

    def list_adjoint(self, stmt: Any, state: Set[str]) -> List[Any]:
        """Reverse of ``L.append(x)`` / ``x = L.pop()``: the adjoint list ``L_bar`` is a
        stack mirroring ``L``; the primal list is put back as it was (undo)."""
        info = describe(stmt, self.registry)
        lst = info.inputs[0][1].id
        out: List[Any] = []
        if info.kind == "push":
            if lst in state and lst in self.active:
                popped = S.call(S.attribute(S.name(self.bar(lst)), "pop"), [])
                if self.is_active(info.value):
                    t = self.namer.temp()
                    out.append(S.assign(t, popped))
                    self.accumulate(info.value.id, S.name(t), state, out)
                else:
                    out.append(gast.Expr(value=popped))
            out.append(gast.Expr(value=S.call(S.attribute(S.name(lst), "pop"), [])))
            return out
        target = info.targets[0] if info.targets else None
        if lst in self.active:
            if lst not in state:
                out.append(self.zero(lst))
                state.add(lst)
            item = S.name(self.bar(target)) if target in state else self.call("zeros_like", [S.name(target)]) \
                if target else S.const(0.0)
            out.append(gast.Expr(value=S.call(S.attribute(S.name(self.bar(lst)), "append"), [item])))
        if target is not None:
            out.append(gast.Expr(value=S.call(S.attribute(S.name(lst), "append"), [S.name(target)])))
        return out

    def adjoint(self, info: StmtInfo, state: Set[str]) -> List[Any]:
        out: List[Any] = []
        active_inputs = [(slot, a) for slot, a in info.inputs if local_names(a) & self.active]
        if not active_inputs:
            return out
        if info.kind == "unpack":
            parts = [S.name(self.bar(t)) if t in state else self.call("zeros_like", [S.name(t)])
                     for t in info.targets]
            self.accumulate(info.value.id, S.tuple_(parts), state, out)
            return out
        target = info.targets[0]
        g = S.name(self.bar(target))
        if info.kind == "setitem":
            tgt = info.node.targets[0]
            if self.is_active(info.value):
                if self._basic_index(tgt.slice):
                    piece = gast.Subscript(value=S.name(self.bar(target)), slice=S.deepcopy(tgt.slice),
                                           ctx=gast.Load())
                    contrib = self.call("unbroadcast", [piece, S.name(info.value.id)])
                else:  # an index array may name a position twice: only the write NumPy kept counts
                    contrib = self.call("setitem_bar", [S.name(self.bar(target)), self.index(tgt.slice),
                                                        S.name(info.value.id)])
                self.accumulate(info.value.id, contrib, state, out)
            zeroed = self.call("zero_index", [S.name(self.bar(target)), self.index(tgt.slice)])
            out.append(S.assign(self.bar(target), zeroed))
            return out
        if info.kind == "copy":
            self.accumulate(info.value.id, g, state, out)
        elif info.kind == "getitem":
            src = info.value.value
            if src.id in state and src.id in self.owned and self._basic_index(info.value.slice) \
                    and self.ranks is not None and (self.ranks.get(src.id) or 0) >= 1:
                # our own adjoint array: add in place (x_bar[i] += g), no zeros the size of x
                store = gast.Subscript(value=S.name(self.bar(src.id)), slice=S.deepcopy(info.value.slice),
                                       ctx=gast.Store())
                out.append(gast.AugAssign(target=store, op=gast.Add(), value=g))
            elif src.id in state and src.id in self.owned and src.id in self.containers \
                    and self._item_index(info.value.slice):
                # our own adjoint list (a fresh one nothing else holds): add into its item, not a new
                # list of n entries per read (a loop over L[i] would cost n^2)
                out.append(S.assign(self.bar(src.id), self.call("add_item", [
                    S.name(self.bar(src.id)), self.index(info.value.slice), g])))
            else:
                contrib = self.call("getitem_bar", [g, S.name(src.id), self.index(info.value.slice)])
                self.accumulate(src.id, contrib, state, out)
        elif info.kind == "getattr":
            src = info.value.value
            contrib = self.call("getattr_bar", [g, S.name(src.id), S.const(info.value.attr)])
            self.accumulate(src.id, contrib, state, out)
        elif info.kind in ("build", "dict"):
            elts = info.value.elts if info.kind == "build" else info.value.values
            keys = None if info.kind == "build" else info.value.keys
            for i, e in enumerate(elts):
                if self.is_active(e):
                    index = S.const(i) if keys is None else S.deepcopy(keys[i])
                    sub = gast.Subscript(value=S.name(self.bar(target)), slice=index, ctx=gast.Load())
                    self.accumulate(e.id, sub, state, out)
        elif info.kind == "prim":
            info, active_inputs = self._strong_product(info, active_inputs)
            for slot, atom in active_inputs:
                rule = info.prim.vjps[info.prim.params.index(slot)]
                bindings = dict(info.bound)
                bindings[rule.template.params[0]] = g
                bindings[rule.template.params[1]] = S.name(target)
                pre, expr = inline(rule.template, bindings, self.namer, self.w.aliases)
                out.extend(pre)
                if scalar(self.ranks, atom):
                    expr = strip_scalar_broadcasts(expr, self.ranks, target, self.tl)
                elif self.shape_classes:
                    expr = strip_same_shape(expr, self.shape_classes, target, self.tl)
                expr = matrix_products(expr, self.ranks, self.tl)
                if self._elementwise_at_nonfinite(info, rule):
                    expr = self.call("strong_zero", [expr, S.deepcopy(g)])
                self.accumulate(atom.id, expr, state, out)
        else:  # pragma: no cover - check_differentiable rejected it
            raise AssertionError(info.kind)
        return out

    def _elementwise_at_nonfinite(self, info: StmtInfo, rule: Any) -> bool:
        """Does an elementwise function (a ufunc, ``**``) read a value that may be infinite or NaN
        at a finite input, through a rule that does not give strong zeros itself?  Its adjoint
        then gets exact zeros where the seed is 0 (docs: "Conventions at non-smooth points")."""
        if not (isinstance(info.callee, np.ufunc) or info.callee is operator.pow):
            return False
        if not any(is_local(a) and a.id in self.nonfinite for _, a in info.inputs):
            return False
        # (pow_base_bar is strong, but becomes plain arithmetic for a literal exponent: optimize.py)
        text = rule.template.text
        return "pow_base_bar" in text or not ("strong_mul" in text or "strong_div" in text)

    def _strong_product(self, info: StmtInfo, active_inputs: List[Any]) -> Tuple[StmtInfo, List[Any]]:
        return strong_product(info, active_inputs, self.active, self.nonfinite, self.registry, "reverse")

    def _materialize(self, want: Set[str], have: Set[str]) -> List[Any]:
        out = [self.zero(v) for v in sorted(want - have)]
        self.track_ownership(out)
        return out

    # ------------------------------------------------------------------ ownership of adjoint arrays
    def _item_index(self, index: Any) -> bool:
        """An index naming one item: an int constant, a variable known to be a scalar, or a
        string/number key."""
        if isinstance(index, gast.Constant):
            return isinstance(index.value, (int, str)) and not isinstance(index.value, bool)
        return is_local(index) and self.ranks is not None and self.ranks.get(index.id) == 0

    def _basic_index(self, index: Any) -> bool:
        """An index that cannot repeat an entry: ints (known scalars), slices, constants."""
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        for p in parts:
            if isinstance(p, gast.Slice) or (isinstance(p, gast.Constant) and isinstance(p.value, int)):
                continue
            if is_local(p) and self.ranks is not None and self.ranks.get(p.id) == 0:
                continue
            return False
        return True

    _FRESH = ("zeros_like", "getitem_bar", "setitem", "zero_index", "strong_mul", "strong_div", "pow_base_bar",
              "add_item", "slice_write_bar", "slice_write_zero")

    def _adjoint_of(self) -> Dict[str, str]:
        """adjoint name -> its variable, of the names handed out so far (the namer only ever
        adds adjoints: the mapping is made again only when it has more)."""
        namer = self.namer
        if self._inverse[0] is not namer or self._inverse[1] != len(namer._adjoints):
            self._inverse = (namer, len(namer._adjoints), {bar: var for var, bar in namer._adjoints.items()})
        return self._inverse[2]

    def track_ownership(self, stmts: List[Any]) -> None:
        """Which adjoint arrays were allocated here and are referenced by nothing else (so
        ``x_bar[i] += g`` may update them in place): fresh results of arithmetic and of the
        allocating helpers are; an adjoint read into another one is not any more."""
        adjoint_of = self._adjoint_of()
        for st in stmts:
            target = st.targets[0].id if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) \
                else None
            value = st.value if isinstance(st, (gast.Assign, gast.Expr)) else None
            if isinstance(st, gast.AugAssign):
                continue  # x_bar[i] += g: reads g by value, x_bar stays ours
            if self.owned:  # (else there is nothing to give up)
                func = value.func if isinstance(value, gast.Call) else None
                popped = func.value.id if isinstance(func, gast.Attribute) and func.attr == "pop" \
                    and isinstance(func.value, gast.Name) else None
                for name in _loaded([value] if value is not None else [st]):
                    if name in adjoint_of and name != target and name != popped:  # (L_bar.pop(): an item out)
                        self.owned.discard(adjoint_of[name])
            if target in adjoint_of:
                var = adjoint_of[target]
                fresh = isinstance(value, (gast.BinOp, gast.UnaryOp)) or (
                    isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
                    and isinstance(value.func.value, gast.Name) and value.func.value.id == self.tl
                    and value.func.attr in self._FRESH)
                if fresh and _simplifies_to_a_reference(value):
                    fresh = False  # g * 1.0 or -(-g) becomes g itself: it may be the caller's seed
                if fresh:
                    self.owned.add(var)
                else:
                    self.owned.discard(var)

    def rev_if(self, stmt: Any, state: Set[str], ctx: _Ctx) -> List[Any]:
        ctx.in_branch += 1
        owned = set(self.owned)
        body, s1 = self.rev_block(stmt.body, set(state), ctx)
        o1 = self.owned
        self.owned = set(owned)
        orelse, s2 = self.rev_block(stmt.orelse, set(state), ctx)
        o2 = self.owned
        ctx.in_branch -= 1
        merged = s1 | s2
        self.owned = o1
        body += self._materialize(merged, s1)
        o1 = self.owned
        self.owned = o2
        orelse += self._materialize(merged, s2)
        self.owned = o1 & self.owned
        state.clear()
        state.update(merged)
        if not body and not orelse:
            return []
        test = S.deepcopy(stmt.test)
        return self.at([gast.If(test=test, body=body or [gast.Pass()], orelse=orelse)], stmt)

    def rev_loop(self, stmt: Any, state: Set[str], ctx: _Ctx) -> List[Any]:
        loop = self.loops[id(stmt)]
        ctx.loops.append(loop)
        # fixpoint: the adjoints live at the start of an iteration's reverse
        entry = set(state)
        namer_backup = self.namer.copy()
        owned_before = set(self.owned)
        while True:
            self.owned = set()
            _, end = self.rev_block(stmt.body, set(entry), ctx)
            if end <= entry:
                break
            entry |= end
        self.owned = owned_before
        pre = self._materialize(entry, state)
        # the adjoint arrays we own at the start of every iteration (a fixpoint too); each try
        # starts from the names as they were, so the last one is the loop's reverse
        owned_entry = set(self.owned)
        while True:
            self.namer = namer_backup.copy()
            self.owned = set(owned_entry)
            body, end = self.rev_block(stmt.body, set(entry), ctx)
            body += self._materialize(entry, end)
            if owned_entry <= self.owned:
                break
            owned_entry &= self.owned
        ctx.loops.pop()
        self.owned = owned_entry & self.owned
        state.update(entry)
        if not body:
            return self.at(pre, stmt)
        header = self._reverse_header(stmt, loop)
        header.body = body
        self.rev_headers[id(stmt)] = header
        return self.at(pre + self._pop_counter(loop) + [header], stmt)

    # ------------------------------------------------------------------ loop bookkeeping
    def _reverse_header(self, stmt: Any, loop: _Loop) -> Any:
        if isinstance(stmt, gast.While):
            it = S.call(S.name(self.w.aliases["range"]), [S.name(loop.counter)])
            return gast.For(target=S.name(self.namer.fresh("_"), store=True), iter=it, body=[], orelse=[],
                            type_comment=None)
        seq: Any = S.deepcopy(stmt.iter)
        if loop.counter:
            seq = gast.Subscript(value=seq, slice=gast.Slice(lower=None, upper=S.name(loop.counter), step=None),
                                 ctx=gast.Load())
        it = S.call(S.name(self.w.aliases["reversed"]), [seq])
        return gast.For(target=S.deepcopy(stmt.target), iter=it, body=[], orelse=[], type_comment=None)

    def _pop_counter(self, loop: _Loop) -> List[Any]:
        if loop.counter and loop.nested:
            return [S.assign(loop.counter, S.call(S.attribute(S.name(self.tape), "pop"), []))]
        return []

    # ------------------------------------------------------------------ forward sweep
    def fwd_block(self, stmts: List[Any], needed: Set[str], ctx: _Ctx) -> Tuple[List[Any], Set[Tuple[int, str]]]:
        out: List[Any] = []
        pushes: Set[Tuple[int, str]] = set()
        for stmt in stmts:
            if isinstance(stmt, gast.Assign):
                tgt = stmt.targets[0]
                if isinstance(tgt, gast.Subscript) and tgt.value.id in needed:
                    if self._array(tgt.value.id) and not self._list_slice_write(stmt):
                        old = self.call("saved", [gast.Subscript(value=S.name(tgt.value.id),
                                                                 slice=S.deepcopy(tgt.slice), ctx=gast.Load())])
                    else:  # may be a dict that gets a new key: saved_item remembers it had none
                        old = self.call("saved_item", [S.name(tgt.value.id), self.index(tgt.slice)])
                    push = S.call(S.attribute(S.name(self.tape), "append"), [old])
                    out.append(self.at([gast.Expr(value=push)], stmt)[0])
                    pushes.add((id(stmt), tgt.value.id))
                for var in self.overwritten.get(id(stmt), []):
                    if var in needed:
                        push = S.call(S.attribute(S.name(self.tape), "append"), [S.name(var)])
                        out.append(self.at([gast.Expr(value=push)], stmt)[0])
                        pushes.add((id(stmt), var))
                out.append(stmt)
            elif isinstance(stmt, gast.If):
                ctx.in_branch += 1
                body, p1 = self.fwd_block(stmt.body, needed, ctx)
                orelse, p2 = self.fwd_block(stmt.orelse, needed, ctx)
                ctx.in_branch -= 1
                pushes |= p1 | p2
                stmt.body, stmt.orelse = body or [gast.Pass()], orelse
                out.append(stmt)
            elif isinstance(stmt, gast.For) and id(stmt) in self.checkpointed:
                out.extend(self.at(self.fwd_checkpointed(stmt), stmt))
            elif isinstance(stmt, (gast.For, gast.While)):
                loop = self.loops[id(stmt)]
                ctx.loops.append(loop)
                body, p = self.fwd_block(stmt.body, needed, ctx)
                ctx.loops.pop()
                pushes |= p
                if loop.counter:
                    out.append(self.at([S.assign(loop.counter, S.const(0))], stmt)[0])
                    body.insert(0, S.assign(loop.counter, gast.BinOp(left=S.name(loop.counter), op=gast.Add(),
                                                                     right=S.const(1))))
                stmt.body = body or [gast.Pass()]
                out.append(stmt)
                if loop.counter and loop.nested:
                    push = S.call(S.attribute(S.name(self.tape), "append"), [S.name(loop.counter)])
                    out.append(self.at([gast.Expr(value=push)], stmt)[0])
            else:
                out.append(stmt)
        return out, pushes

    @staticmethod
    def _placeholder(node: Any) -> Optional[Tuple[int, str]]:
        """(id of the assignment, variable) of a restore placeholder statement, else None."""
        v = node.value if isinstance(node, gast.Expr) else None
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id == _RESTORE:
            return v.args[0].value, v.args[1].id
        return None

    def _restored(self, node: Any, pushes: Set[Tuple[int, str]]) -> Any:
        """A restore placeholder statement resolved: a tape pop if its value was pushed, else
        None (dropped); any other expression statement is returned as it is.  Builds new
        nodes around the placeholder's arguments and changes nothing."""
        v = node.value
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id == _RESTORE_ITEM:
            if (v.args[0].value, v.args[1].id) in pushes:
                pop = S.call(S.attribute(S.name(self.tape), "pop"), [])
                if not self._array(v.args[1].id) or isinstance(v.args[2], gast.Call) and \
                        isinstance(v.args[2].func, gast.Name) and v.args[2].func.id == self.w.aliases["slice"] \
                        and self._maybe_list(v.args[1].id):  # (see fwd_block)
                    new = gast.Expr(value=self.call("restore_item", [v.args[1], v.args[2], pop]))
                else:
                    store = gast.Subscript(value=v.args[1], slice=_index_syntax(v.args[2], self.w.aliases["slice"]),
                                           ctx=gast.Store())
                    new = gast.Assign(targets=[store], value=pop, type_comment=None)
                new.lineno = getattr(node, "lineno", None)
                return new
            return None
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id == _RESTORE:
            if (v.args[0].value, v.args[1].id) in pushes:
                pop = S.call(S.attribute(S.name(self.tape), "pop"), [])
                new = S.assign(v.args[1].id, pop)
                new.lineno = getattr(node, "lineno", None)
                return new
            return None
        return node

    def _loaded_after_restores(self, rev: List[Any], pushes: Set[Tuple[int, str]],
                               memo: Dict[int, Set[str]]) -> Set[str]:
        """``_loaded(self._resolve_restores(S.deepcopy(rev), pushes))`` without copying or
        changing ``rev`` (the to-be-recorded fixpoint asks this once per round; ``memo``
        keeps what each statement, test and iterable reads from one round to the next).

        Mirrors what resolving drops: unpushed placeholders, and (through ``_drop_empty``,
        which walks the bodies of ifs and for loops from the top) an ``if`` or ``for`` left
        with nothing to do, whose test or iterable is then not read."""
        out: Set[str] = set()

        def reads(owner: Any, nodes: List[Any]) -> None:  # what ``nodes`` (parts of ``owner``) read
            if id(owner) not in memo:
                memo[id(owner)] = _loaded(nodes)
            out.update(memo[id(owner)])

        def visit(body: List[Any], droppable: bool) -> bool:
            """Add the reads of ``body``'s statements that stay; does any statement stay?"""
            alive = False
            for s in body:
                if isinstance(s, gast.Expr):
                    resolved = self._restored(s, pushes)
                    if resolved is s:
                        reads(s, [s])
                        alive = True
                    elif resolved is not None:  # a tape pop: built anew each round
                        out.update(_loaded([resolved]))
                        alive = True
                elif isinstance(s, gast.Pass):
                    alive = alive or not droppable  # _drop_empty removes it
                elif isinstance(s, gast.If):
                    kept = visit(s.body, droppable)
                    kept = visit(s.orelse, droppable) or kept
                    if kept or not droppable:
                        reads(s, [s.test])
                        alive = True
                elif isinstance(s, gast.For):
                    kept = visit(s.body, droppable)
                    kept = visit(s.orelse, False) or kept  # _drop_empty leaves a for's else as it is
                    if kept or not droppable:
                        reads(s, [s.target, s.iter])
                        alive = True
                else:  # a while loop (_drop_empty keeps it, bodies and all), any other statement
                    bodies = [getattr(s, f) for f in ("body", "orelse") if isinstance(getattr(s, f, None), list)]
                    for inner in bodies:
                        visit(inner, False)
                    inside = {id(b) for inner in bodies for b in inner}
                    reads(s, [c for c in gast.iter_child_nodes(s) if id(c) not in inside])
                    alive = True
            return alive

        visit(rev, True)
        return out

    def _resolve_restores(self, rev: List[Any], pushes: Set[Tuple[int, str]]) -> List[Any]:
        """Turn the restore placeholders of ``rev`` (in place) into tape pops where their value
        was pushed, drop the others, then the ifs and for loops left with nothing to do.
        Placeholders are expression statements: only statement lists are looked at (the
        reverse sweep holds assignments, expressions and if/for/while blocks)."""
        def resolve(body: List[Any]) -> None:
            out = []
            for st in body:
                if isinstance(st, gast.Expr):
                    st = self._restored(st, pushes)
                    if st is None:
                        continue
                else:
                    for fname in ("body", "orelse"):
                        inner = getattr(st, fname, None)
                        if isinstance(inner, list):
                            resolve(inner)
                    if isinstance(getattr(st, "body", None), list) and not st.body:
                        st.body = [gast.Pass()]
                out.append(st)
            body[:] = out

        resolve(rev)
        return _drop_empty(rev)


def _drop_empty(stmts: List[Any]) -> List[Any]:
    out = []
    for s in stmts:
        if isinstance(s, (gast.If, gast.For)):
            s.body = _drop_empty(s.body)
            if isinstance(s, gast.If):
                s.orelse = _drop_empty(s.orelse)
            if all(isinstance(b, gast.Pass) for b in s.body) and not getattr(s, "orelse", []):
                continue
            if not s.body:
                s.body = [gast.Pass()]
        if isinstance(s, gast.Pass):
            continue
        out.append(s)
    return out


def _targets(stmt: Any) -> List[str]:
    if not isinstance(stmt, gast.Assign):
        return []
    tgt = stmt.targets[0]
    if isinstance(tgt, gast.Tuple):
        return [e.id for e in tgt.elts]
    return [tgt.id] if isinstance(tgt, gast.Name) else []


def _loaded(stmts: List[Any]) -> Set[str]:
    """Names read by ``stmts`` (restore placeholders write, they do not read)."""
    return _loaded_stored(stmts)[0]


def _loaded_stored(stmts: List[Any]) -> Tuple[Set[str], Set[str]]:
    """(:func:`_loaded`, :func:`_stored`) of ``stmts``, from one walk."""
    out: Set[str] = set()
    stored: Set[str] = set()
    skipped: Set[int] = set()  # ids of a placeholder's own names (walk meets a call before its arguments)
    for s in stmts:
        for n in S.walk(s):
            if isinstance(n, gast.Name):
                if isinstance(n.ctx, gast.Load):
                    if id(n) not in skipped:
                        out.add(n.id)
                elif isinstance(n.ctx, gast.Store):
                    stored.add(n.id)
            elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name) \
                    and n.func.id in (_RESTORE, _RESTORE_ITEM):
                # (placeholder id, variable[, index]): writes the variable, an item's index is read
                skipped.update(id(a) for a in [n.func] + n.args[:2])
    return out, stored


def _free(stmts: List[Any]) -> Set[str]:
    """Names ``stmts`` may read before writing them (a loop's target counts as written)."""
    free: Set[str] = set()

    def walk(body: List[Any], defined: Set[str]) -> Set[str]:
        for s in body:
            if isinstance(s, gast.If):
                free.update(_loaded([s.test]) - defined)
                defined = walk(s.body, set(defined)) & walk(s.orelse, set(defined))
            elif isinstance(s, gast.For):
                free.update(_loaded([s.iter]) - defined)
                walk(s.body, defined | _stored([s.target]))
            else:
                loaded, stored = _loaded_stored([s])
                free.update(loaded - defined)
                defined = defined | stored
        return defined

    walk(stmts, set())
    return free


def _definite(stmts: List[Any], defined: Set[str]) -> Set[str]:
    """Names certainly assigned after ``stmts`` run (loops may not run; branches intersect)."""
    for s in stmts:
        if isinstance(s, gast.If):
            defined = _definite(s.body, set(defined)) & _definite(s.orelse, set(defined))
        elif isinstance(s, (gast.For, gast.While)):
            continue
        else:
            defined = defined | _stored([s])
    return defined


def _stored(stmts: List[Any]) -> Set[str]:
    out: Set[str] = set()
    for s in stmts:
        for n in S.walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                out.add(n.id)
    return out


def _has_break(body: List[Any]) -> bool:
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, gast.Break):
            return True
        if isinstance(n, gast.If):
            todo.extend(n.body + n.orelse)
    return False


def _index_syntax(value: Any, slice_name: str) -> Any:
    """Back from ``slice(a, b, None)`` (see ``index_value``) to subscript syntax ``a:b``."""
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and value.func.id == slice_name:
        lower, upper, step = (None if isinstance(a, gast.Constant) and a.value is None else a for a in value.args)
        return gast.Slice(lower=lower, upper=upper, step=step)
    if isinstance(value, gast.Tuple):
        return gast.Tuple(elts=[_index_syntax(e, slice_name) for e in value.elts], ctx=gast.Load())
    return value


def strong_product(info: StmtInfo, active_inputs: List[Any], active: Set[str], nonfinite: Set[str],
                   registry: Registry, mode: str) -> Tuple[StmtInfo, List[Any]]:
    """``a * b`` where a factor may be infinite or NaN at a finite input (it comes from a log,
    a sqrt, a division...), differentiated as ``_tl.strong_mul(a, b)``: exactly 0 where the other
    operand is 0 (docs: "Conventions at non-smooth points"), not 0 * inf = NaN.  In reverse mode
    an adjoint multiplies the seed by the *other* factor: strong where that one may be infinite
    (the branch np.where selects away); in forward mode a tangent term multiplies a factor's
    *tangent* (infinite where the factor came from sqrt at 0, say) by the other factor's value."""
    if info.callee not in _PRODUCTS:
        return info, active_inputs
    atoms = [info.value.left, info.value.right] if isinstance(info.value, gast.BinOp) else list(info.value.args[:2])
    if len(atoms) == 1:  # x * x differentiated as np.square(x)
        atoms = atoms * 2
    if len(atoms) != 2:
        return info, active_inputs
    differentiated = [k for k, a in enumerate(atoms) if is_local(a) and local_names(a) & active]
    watched = [atoms[1 - k] for k in differentiated] if mode == "reverse" else [atoms[k] for k in differentiated]
    if not any(is_local(b) and b.id in nonfinite for b in watched):
        return info, active_inputs
    from .. import runtime

    strong = registry.get(runtime.strong_mul)
    if strong is None:  # pragma: no cover - registered by rules/singular.py
        return info, active_inputs
    bound = dict(zip(strong.params, atoms))
    inputs = [(p, a) for p, a in bound.items() if is_local(a) and local_names(a) & active]
    return StmtInfo("prim", info.targets, info.node, info.value, prim=strong, bound=bound, inputs=inputs,
                    callee=runtime.strong_mul), inputs


def _read_before_written(body: List[Any]) -> Set[str]:
    """Names a statement of ``body`` may read before ``body`` has surely assigned them (the
    statements in order; what a branch or a loop assigns counts as maybe not assigned)."""
    written: Set[str] = set()
    exposed: Set[str] = set()
    for st in body:
        exposed |= _loaded([st]) - written
        if isinstance(st, (gast.Assign, gast.AugAssign)):
            written |= _stored([st])
    return exposed


def _simplifies_to_a_reference(value: Any) -> bool:
    """Does the optimiser's algebra turn ``value`` into a bare name or item (``g * 1.0``,
    ``-(-g)``, ``strong_mul(g, 1.0)``), no new array any more?"""
    return isinstance(simplified(value), (gast.Name, gast.Subscript, gast.Attribute))


def _mutated_in(stmts: List[Any]) -> Set[str]:
    """Names whose objects ``stmts`` change in place: ``x[i] = ...``, ``L.pop()``, ``L.append(v)``."""
    out: Set[str] = set()
    for s in stmts:
        for n in S.walk(s):
            if isinstance(n, (gast.Assign, gast.AugAssign)):
                targets = n.targets if isinstance(n, gast.Assign) else [n.target]
                for t in targets:
                    if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
                        out.add(t.value.id)
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr in ("pop", "append") \
                    and isinstance(n.func.value, gast.Name):
                out.add(n.func.value.id)
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr == "restore_item" \
                    and n.args and isinstance(n.args[0], gast.Name):  # _tl.restore_item(x, index, old)
                out.add(n.args[0].id)
    return out


def _call_spec(info: StmtInfo, ranks: Optional[Dict[str, Any]]) -> Optional[Tuple[Any, ...]]:
    """The ranks of a user call's arguments (its callee is specialised to them)."""
    if ranks is None:
        return None
    from ..analysis.shapes import _atom_rank

    return tuple(_atom_rank(a, ranks) for a in info.bound.values())

