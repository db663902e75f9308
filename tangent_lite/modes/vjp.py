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

This module drives the pass (:class:`_Reverse`); the work is done by the collaborators in
:mod:`.reverse`, which share one :class:`reverse.state.PassState`.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from .. import runtime
from .. import syntax as S
from ..analysis import aliases
from ..analysis.activity import activity_and_varied
from ..analysis.differentiable import check_differentiable
from ..analysis.outside_stores import outside_memory
from ..analysis.shapes import Facts, infer_shape_classes, scalar
from ..analysis.statements import Described, container_vars, is_local
from ..errors import UnsupportedConstructError
from ..frontend.anf import Wengert, call_site
from ..frontend.sequences import container_vars as surely_containers
from ..passes import remat
from ..passes.marks import DROP_PURE, FACTS, RELEASE
from ..rules.registry import REGISTRY, Registry
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from .callees import Resolver, _no_callees
from .common import Derivative
from .nonfinite import maybe_nonfinite
from .reverse.adjoints import Adjoints, Ownership
from .reverse.calls import Checkpoints, UserCalls
from .reverse.control import LoopScan, ReverseControl
from .reverse.invariants import hoist_invariants
from .reverse.names import _NONE, _definite, _free, _loaded, _mutated_in, _stored
from .reverse.state import Ctx, PassState
from .reverse.statements import StatementAdjoints
from .reverse.tape import ContainerKinds, ForwardSweep, Restores


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
    namer = w.namer.copy()
    tape = namer.fresh("_tape")
    containers = container_vars(w.fdef.body)
    shape_classes = infer_shape_classes(w, ranks) if ranks is not None else {}
    nonfinite = maybe_nonfinite(w, registry, described, set(nonfinite_params))
    lists = surely_containers(w.fdef.body, w.params, tuples=False)
    ps = PassState(w, active, namer, registry, tape, containers, resolve=resolve, ranks=ranks,
                   shape_classes=shape_classes, save_all=save_all, fused_only=fused_only, grad_only=grad_only,
                   described=described, nonfinite=nonfinite, lists=lists)
    return _Reverse(ps).run(list(wrt))


def _refuse_restores_of_active_items(w: Wengert, active: Set[str]) -> None:
    """Generated code (a gradient, differentiated again in reverse mode) whose reverse sweep
    puts back an item of a dict or list it wrote (``_tl.restore_item``): the outer reverse sweep
    cannot follow that undoing (nor the keys it removes), so it is refused, not computed wrong."""
    for n in S.walk(w.fdef):
        if isinstance(n, gast.Call) and get_anno(n, Key.CALLEE) is runtime.restore_item and n.args \
                and is_local(n.args[0]) and n.args[0].id in active:
            raise UnsupportedConstructError(
                "reverse mode over reverse mode of a function that writes into an item of a dict or a list "
                "(its derivative code puts the item back) is not supported",
                call_site(w, runtime.restore_item),
                hint="compute second derivatives forward over reverse: tl.hessian(f)(x) or tl.hvp(f, x, v)")


class _Reverse:
    """The driver of one reverse-mode pass: asks its collaborators (:mod:`.reverse`) for the
    reverse sweep, the values it reads (to-be-recorded), the forward sweep with its tape pushes,
    and assembles ``f_vjp`` and the ``f_fwd``/``f_bwd`` pair."""

    def __init__(self, ps: PassState):
        self.ps = ps
        self.ownership = Ownership(ps)
        self.adjoints = Adjoints(ps, self.ownership)
        self.kinds = ContainerKinds(ps)
        self.calls = UserCalls(ps, self.adjoints)
        self.checkpoints = Checkpoints(ps, self.adjoints, self.ownership)
        self.statements = StatementAdjoints(ps, self.adjoints, self.ownership, self.kinds, self.calls)
        self.scan = LoopScan(ps)
        self.control = ReverseControl(ps, self.adjoints, self.statements, self.checkpoints)
        self.forward = ForwardSweep(ps, self.kinds, self.checkpoints)
        self.restores = Restores(ps, self.kinds)

    # ------------------------------------------------------------------ driver
    def run(self, wrt: List[str]) -> Derivative:
        w = self.ps.w
        ret = w.fdef.body[-1]
        outs = list(ret.value.elts) if isinstance(ret.value, gast.Tuple) else [ret.value]
        # seeds: one parameter per output, named after the returned variable
        seeds: List[str] = []
        state: Set[str] = set()
        seed_stmts: List[Any] = []
        for atom in outs:
            if self.ps.is_active(atom) and atom.id not in state:
                name = self.ps.namer.adjoint(atom.id)
                state.add(atom.id)
            else:
                name = self.ps.namer.fresh("out_bar" if len(outs) == 1 else f"out{len(seeds)}_bar")
                if self.ps.is_active(atom):  # the same variable returned twice
                    bar = self.ps.namer.adjoint(atom.id)
                    seed_stmts.append(S.assign(bar, self.adjoints.add(S.name(bar), S.name(name), atom.id)))
            seeds.append(name)
        # (a checkpointed loop's step is differentiated on its own, from the calls as written)
        self.checkpoints.extract(w.fdef.body[:-1], list(wrt), vjp)
        self.calls.rewrite(w.fdef.body[:-1])
        self.scan.scan(w.fdef.body[:-1], [], set(w.params))
        reassigned = {v for vs in self.ps.overwritten.values() for v in vs} | set(self.ps.mutated) | {
            v for info in self.ps.checkpointed.values() for v in info["carried"]}
        fwd_body = w.fdef.body[:-1]
        rev, state = self.control.rev_block(fwd_body, state, Ctx())
        rev = seed_stmts + rev
        grads = []
        for p in wrt:
            if p in state:
                grads.append(self.ps.call("as_grad", [S.name(self.ps.namer.adjoint(p)), S.name(p)]))
            else:
                grads.append(self.ps.call("as_grad", [S.const(None), S.name(p)]))  # (zeros; held ints: their own)
        # to-be-recorded: a restore is kept only if the reverse sweep reads the variable;
        # keeping one can make a branch non-empty, whose test is then read: iterate.
        needed: Set[str] = set()
        shared = aliases.groups(w.fdef.body, self.ps.ranks)  # views and aliases (aliases.py)
        outside = outside_memory(w.fdef.body)
        reads_memo: Dict[int, Set[str]] = {}  # rev does not change in this loop
        while True:
            kept = {(i, v) for i, vs in self.ps.overwritten.items() for v in vs if v in needed}
            # x[k] = ... is undone when the reverse sweep reads x or anything sharing its memory
            # (not a store into module-level memory: the user's side effect, outside_stores.py)
            kept |= {(i, v) for i, v in self.ps.item_writes.items()
                     if (v in needed or shared.get(v, _NONE) & needed) and v not in outside}
            now = self.restores.loaded_after_restores(rev, kept, reads_memo)
            if self.ps.save_all:  # what a tape-everything AD tool stores
                now |= {v for vs in self.ps.overwritten.values() for v in vs} | set(self.ps.mutated)
            if now <= needed:
                break
            needed |= now
        if not self.ps.save_all:  # cheap loop temporaries: recomputed in the reverse loop, not taped
            needed = needed - remat.plan(w.fdef.body, list(w.params), aliases.closure(set(self.ps.mutated), shared),
                                         needed,
                                         lambda v: scalar(self.ps.ranks, S.name(v)), self.ps.rev_headers,
                                         self.restores.placeholder, is_local)
        fwd, pushes = self.forward.fwd_block(fwd_body, needed, Ctx(), outside)
        rev = self.restores.resolve_restores(rev, pushes)
        if pushes or self.ps.tape in _loaded(fwd):
            fwd.insert(0, S.assign(self.ps.tape, gast.List(elts=[], ctx=gast.Load())))
        grad_value = grads[0] if len(grads) == 1 else S.tuple_(grads)
        residuals = sorted((_free(rev + [gast.Return(value=grad_value)]) - set(seeds)) & (set(w.params) | _stored(fwd)))
        pushed = {v for _, v in pushes}
        inits = sorted((pushed & self.ps.needs_init) | (set(residuals) - _definite(fwd, set(w.params))))
        fwd = [S.assign(v, S.const(None)) for v in inits] + fwd
        seed_defaults = [S.const(1.0)] if len(seeds) == 1 else []
        name = w.name
        # the value is taken before the reverse sweep restores overwritten variables
        value: Any = S.deepcopy(ret.value)
        keep: List[Any] = []
        if rev and not all(isinstance(a, gast.Constant) or (is_local(a) and a.id not in reassigned)
                           for a in outs):
            value_name = self.ps.namer.fresh("_value")
            keep = [S.assign(value_name, value)]
            value = S.name(value_name)
        # tl.grad of a function known to return a float scalar: no value to return, nor to compute (an
        # output that carries no derivative may be a bool or an int: the entry point checks the value)
        returns_value = not (self.ps.grad_only and self.ps.fused_only() and len(outs) == 1
                             and (isinstance(outs[0], gast.Constant) and type(outs[0].value) is float
                                  or self.ps.is_active(outs[0]) and scalar(self.ps.ranks, outs[0])))
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
        rerun_forward = bool(changed - {self.ps.tape})
        inner = None
        if self.ps.fused_only():  # tl.grad: no f_fwd/f_bwd pair to build, optimize and print
            split: List[Any] = []
        else:
            split, inner = self._split_functions(fwd, rev, ret, wrt, grads, grad_value, state, seeds, residuals,
                                                 self.ps.tape in changed)
        functions = [fused] + split[:2] + self.ps.extra_functions + split[2:]
        for fn in [fused] + split:  # what the optimizer may take for a tape, or a builtin (hygiene)
            set_anno(fn, Key.TAPES, {self.ps.tape})
            set_anno(fn, Key.BUILTINS, dict(w.aliases))
        if self.ps.ranks is not None:  # arrays the optimizer may release once dead (optimize.release_dead)
            arrays = {v for v, r in self.ps.ranks.items() if r is not None and r >= 1}
            big = (arrays - set(w.params)) | {b for v, b in self.ps.namer._adjoints.items() if v in arrays}
            for fn in [fused] + split:
                setattr(fn, RELEASE, big)
            # what the optimizer may rely on (uniform.py): ranks and shape classes of the
            # primal variables, ranks of their adjoints
            bar_ranks = {b: self.ps.ranks[v] for v, b in self.ps.namer._adjoints.items() if v in self.ps.ranks}
            facts = Facts({**self.ps.ranks, **bar_ranks}, dict(self.ps.shape_classes), self.ps.tl,
                          w.aliases.get("np", "np"))
            for fn in [fused] + split:  # each its own ranks: uniform.py forgets those it changes
                setattr(fn, FACTS, facts._replace(ranks=dict(facts.ranks)))
        d = Derivative(functions, w, "vjp", list(wrt))
        d.returns_value = returns_value  # type: ignore[attr-defined]
        d.adjoints = inner.name if inner is not None else None  # type: ignore[attr-defined]
        d.seeds = seeds  # type: ignore[attr-defined]
        d.rerun_forward = rerun_forward  # type: ignore[attr-defined]
        d.residuals = residuals  # type: ignore[attr-defined]
        return d

    def _split_functions(self, fwd: List[Any], rev: List[Any], ret: Any, wrt: List[str], grads: List[Any],
                         grad_value: Any,
                         state: Set[str], seeds: List[str], residuals: List[str],
                         copy_tape: bool) -> Tuple[List[Any], Any]:
        """``[f_fwd, f_bwd]`` (+ ``f_adjoints``) and the adjoints function or None: the split pair
        passes as residuals what the reverse sweep reads from the forward one."""
        w = self.ps.w
        residuals_param = self.ps.namer.fresh("_residuals")
        res_tuple = S.tuple_([S.name(r) for r in residuals])
        fwd_fn = S.function_def(w.function_name("fwd"), list(w.params),
                                S.deepcopy(fwd) + [gast.Return(value=S.tuple_([S.deepcopy(ret.value), res_tuple]))])
        unpack = gast.Assign(targets=[S.tuple_([S.name(r, store=True) for r in residuals], store=True)],
                             value=S.name(residuals_param), type_comment=None)
        copies = [S.assign(self.ps.tape, self.ps.call("copied", [S.name(self.ps.tape)]))] if copy_tape else []
        bwd_body = ([unpack] if residuals else []) + copies + S.deepcopy(rev) + [
            gast.Return(value=S.deepcopy(grad_value))]
        functions = [fwd_fn, S.function_def(w.function_name("bwd"), [residuals_param] + seeds, bwd_body)]
        # what generated callers call: the adjoints as they are, to add to their own (no
        # _tl.as_grad per argument and call: the caller's own result gets that once)
        raw = [S.name(self.adjoints.bar(p))
               if p in state and self.ps.ranks is not None and self.ps.ranks.get(p) is not None
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
