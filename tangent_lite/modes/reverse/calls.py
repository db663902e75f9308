"""Calls the reverse pass turns into calls of generated code: user functions (their
``g_fwd``/``g_bwd`` pair) and ``tl.checkpointed`` loops (step functions the runtime's
binomial schedule calls)."""

from __future__ import annotations

import copy
from typing import Any, Callable, List, Set

from ... import syntax as S
from ...analysis.statements import assignments, describe_once, is_local
from ...errors import UnsupportedConstructError
from ...frontend.anf import Wengert
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from ..callees import _call_spec
from ..common import Derivative
from .adjoints import Adjoints, Ownership
from .names import _loaded, _mutated_in, _read_before_written, _stored, at
from .state import PassState


class UserCalls:
    """Calls of user functions with active arguments: ``y = g(a, b)`` becomes
    ``y, y_res = g_fwd(a, b)`` in the forward sweep and a ``g_bwd`` call in the reverse one."""

    def __init__(self, ps: PassState, adjoints: Adjoints):
        self.ps, self.adjoints = ps, adjoints

    def rewrite(self, body: List[Any]) -> None:
        """``y = g(a, b)`` with active inputs -> ``y, y_res = g_fwd(a, b)`` (in place)."""
        for stmt in list(assignments(body)):
            info = describe_once(stmt, self.ps.registry, self.ps.described)
            if info.kind != "user" or info.targets[0] not in self.ps.active:
                continue
            wrt = tuple(p for p, a in info.bound.items() if is_local(a) and a.id in self.ps.active)
            if not wrt:
                continue
            spelling = S.dotted_name(info.value.func) or info.callee.__name__
            # the callee's parameters that may receive an infinite or NaN value: its adjoints give
            # strong zeros in them (a helper computing under a np.where that selects it away)
            nonfinite = sorted(p for p, a in info.bound.items() if is_local(a) and a.id in self.ps.nonfinite)
            names = self.ps.resolve(info.callee, "vjp", wrt, spelling, _call_spec(info, self.ps.ranks), nonfinite)
            target = info.targets[0]
            res = self.ps.namer.fresh(f"{target}_res")
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
        seeds: List[Any] = [S.name(self.adjoints.bar(target))]
        if names["outputs"] > 1:  # one seed per output of the callee
            seeds = [gast.Subscript(value=S.name(self.adjoints.bar(target)), slice=S.const(i), ctx=gast.Load())
                     for i in range(names["outputs"])]
        pieces = [self.ps.namer.temp() for _ in call["wrt"]]  # unpacked: no indexing of a tuple
        value = S.call(S.name(names["bwd"]), [S.name(call["res"])] + seeds)
        if len(pieces) == 1:
            out.append(S.assign(pieces[0], value))
        else:
            out.append(gast.Assign(targets=[S.tuple_([S.name(t, store=True) for t in pieces], store=True)],
                                   value=value, type_comment=None))
        for t, p in zip(pieces, call["wrt"]):
            self.adjoints.accumulate(call["bound"][p].id, S.name(t), state, out)
        return out


class Checkpoints:
    """``tl.checkpointed`` loops: their step functions, and the runtime calls that replace the
    loop in the forward sweep (``_tl.checkpoint_forward``) and in the reverse one."""

    def __init__(self, ps: PassState, adjoints: Adjoints, ownership: Ownership):
        self.ps, self.adjoints, self.ownership = ps, adjoints, ownership

    def extract(self, body: List[Any], wrt: List[str], differentiate: Callable[..., Derivative]) -> None:
        """Turn each ``tl.checkpointed`` loop's body into step functions of its own
        (``f_loop1_step``, and their ``_fwd``/``_bwd`` derivative) that the runtime's
        binomial schedule calls; the loop state is what the body carries across iterations.
        ``differentiate``: reverse mode itself (:func:`modes.vjp.vjp`), for the step."""
        for index, stmt in enumerate(body):
            snaps = get_anno(stmt, Key.CHECKPOINT) if isinstance(stmt, gast.For) else None
            if snaps is None:
                continue
            before = set(self.ps.w.params) | _stored(body[:index])
            after = _loaded(body[index + 1:] + [self.ps.w.fdef.body[-1]])
            if stmt.target.id in after:
                raise UnsupportedConstructError(
                    f"the variable '{stmt.target.id}' of a checkpointed loop is read after the loop",
                    self.ps.w.src.location(stmt),
                    f"compute its last value after the loop instead (e.g. {stmt.target.id} = n - 1), or do not "
                    "checkpoint this loop")
            changed = _mutated_in(stmt.body) - {stmt.target.id}  # arrays and lists changed in place
            assigned = (_stored(stmt.body) | changed) - {stmt.target.id}
            # the loop state: what the body changes and code before or after it has, or that one
            # iteration leaves for the next (read in the body before the body assigns it)
            exposed = _read_before_written(stmt.body)
            carried = sorted(v for v in assigned if v in before or v in after or v in exposed)
            free = sorted((_loaded(stmt.body) - assigned - {stmt.target.id}) & (before | set(self.ps.w.params)))
            carried_active = [v in self.ps.active for v in carried]
            free_active = [v for v in free if v in self.ps.active]
            if not any(carried_active) and not free_active:
                continue  # nothing to differentiate through: an ordinary loop
            k = len(self.ps.checkpointed) + 1
            base = self.ps.w.function_name(f"loop{k}")
            # a step changes its own copy of what it changes in place (the schedule's snapshots stay
            # intact): such a variable comes in under another name and is copied first
            incoming = {v: (self.ps.namer.fresh(f"{v}_in") if v in changed else v) for v in carried}
            params = [stmt.target.id] + [incoming[v] for v in carried] + free
            ret = gast.Return(value=S.tuple_([S.name(v) for v in carried]))
            copies = [S.assign(v, self.ps.runtime_call("copied", [S.name(incoming[v])])) for v in carried
                      if incoming[v] != v]
            step_def = S.function_def(f"{base}_step", params, copies + S.deepcopy(stmt.body) + [ret])
            sub = Wengert(self.ps.w.fn, self.ps.w.src, S.deepcopy(step_def), params, self.ps.w.env, self.ps.w.aliases,
                          copy.deepcopy(self.ps.namer), set(self.ps.w.nonssa))
            sub_wrt = [incoming[v] for v, a in zip(carried, carried_active) if a] + free_active
            d = differentiate(sub, sub_wrt, self.ps.registry, self.ps.resolve, self.ps.ranks, self.ps.save_all)
            _fused, fwd_fn, bwd_fn = d.functions[:3]
            fwd_fn.name, bwd_fn.name = f"{base}_fwd", f"{base}_bwd"
            self.ps.extra_functions += [step_def, fwd_fn, bwd_fn] + [
                f for f in d.functions[3:] if f.name != d.adjoints]  # type: ignore[attr-defined]
            self.ps.checkpointed[id(stmt)] = {
                "base": base, "carried": carried, "carried_active": carried_active, "free": free,
                "free_active": free_active, "snapshots": snaps, "record": self.ps.namer.fresh(f"_{base}"),
                "undefined": [v for v in carried if v not in before],  # None until an iteration sets it
            }

    def fwd(self, stmt: Any) -> List[Any]:
        info = self.ps.checkpointed[id(stmt)]
        rec = info["record"]
        out: List[Any] = [S.assign(v, S.const(None)) for v in info.get("undefined", [])]
        call = self.ps.call("checkpoint_forward", [
            S.name(f"{info['base']}_step"), S.deepcopy(stmt.iter), S.tuple_([S.name(v) for v in info["carried"]]),
            S.tuple_([S.name(v) for v in info["free"]]), S.deepcopy(info["snapshots"])])
        out.append(S.assign(rec, call))
        if info["carried"]:
            targets = S.tuple_([S.name(v, store=True) for v in info["carried"]], store=True)
            out.append(gast.Assign(targets=[targets], value=S.attribute(S.name(rec), "final"), type_comment=None))
        return out

    def rev(self, stmt: Any, state: Set[str]) -> List[Any]:
        info = self.ps.checkpointed[id(stmt)]
        rec, base = info["record"], info["base"]
        seeds = [S.name(self.adjoints.bar(v)) if v in state else self.ps.call("zeros_like", [S.name(v)])
                 for v in info["carried"]]
        result = self.ps.namer.temp()
        call = self.ps.call("checkpoint_reverse", [
            S.name(rec), S.name(f"{base}_step"), S.name(f"{base}_fwd"), S.name(f"{base}_bwd"), S.tuple_(seeds),
            S.tuple_([S.const(a) for a in info["carried_active"]]), S.const(len(info["free_active"]))])
        out: List[Any] = [S.assign(result, call)]
        for i, (v, active) in enumerate(zip(info["carried"], info["carried_active"])):
            state.discard(v)
            if active:
                piece = gast.Subscript(value=gast.Subscript(value=S.name(result), slice=S.const(0), ctx=gast.Load()),
                                       slice=S.const(i), ctx=gast.Load())
                self.adjoints.accumulate(v, piece, state, out)
        for j, v in enumerate(info["free_active"]):
            piece = gast.Subscript(value=gast.Subscript(value=S.name(result), slice=S.const(1), ctx=gast.Load()),
                                   slice=S.const(j), ctx=gast.Load())
            self.adjoints.accumulate(v, piece, state, out)
        if info["carried"]:  # the loop state as it was before the loop
            targets = S.tuple_([S.name(v, store=True) for v in info["carried"]], store=True)
            out.append(gast.Assign(targets=[targets], value=S.attribute(S.name(rec), "initial"), type_comment=None))
        self.ownership.track(out)
        return at(out, stmt)
