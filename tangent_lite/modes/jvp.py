"""Forward mode: tangent statements interleaved with the primal ones.

    def f(x1, x2):                    def f_jvp(x1, x2, x1_dot, x2_dot):
        _t0 = math.log(x1)                _t0 = math.log(x1)
        _t1 = x1 * x2          ==>        _t0_dot = x1_dot / x1
        ...                               _t1 = x1 * x2
                                          _t1_dot = x1_dot * x2 + x1 * x2_dot
                                          ...
                                          return _t4, _t4_dot

Inactive variables have symbolic zero tangents and get no code; an active
variable assigned an inactive value gets ``_tl.zeros_like``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set

from .. import syntax as S
from ..analysis.activity import activity
from ..analysis.differentiable import check_differentiable
from ..analysis.statements import (
    StmtInfo,
    casts,
    container_vars,
    describe,
    index_value,
    is_local,
    is_pop,
    is_push,
    local_names,
)
from ..errors import NoRuleError
from ..frontend.anf import Wengert
from ..frontend.sequences import container_vars as sequence_containers
from ..rules.batched import BATCHED, elementwise
from ..rules.registry import REGISTRY, Registry
from ..rules.template import inline
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from ..syntax.naming import Namer
from .callees import Resolver, _call_spec, _no_callees
from .common import Derivative
from .nonfinite import maybe_nonfinite, strong_product


def jvp(w: Wengert, wrt: Sequence[str], registry: Registry = REGISTRY, resolve: Resolver = _no_callees,
        ranks: Optional[Dict[str, Any]] = None, batched: bool = False) -> Derivative:
    """Forward mode.  ``batched``: every tangent carries a leading axis of directions
    (see :mod:`rules.batched`), so one pass computes a whole Jacobian."""
    active = activity(w, set(wrt), registry)
    check_differentiable(w, active, registry, mode="jvp", wrt=wrt, ranks=None if batched else ranks)
    gen = _Forward(w, active, w.namer.copy(), registry)
    gen.resolve = resolve
    gen.ranks = None if batched else ranks
    gen.batched = batched
    gen.nonfinite = maybe_nonfinite(w, registry)  # (products of such values: strong_product)
    body: List[Any] = []
    if batched and wrt:
        gen.k = gen.namer.fresh("_k")
        body.append(S.assign(gen.k, S.call(S.attribute(S.name(w.aliases["_tl"]), "batch_size"),
                                           [S.name(gen.tangent_name(wrt[0]))])))
    # parameters outside wrt that become active later (a loop-carried seed, say) start at zero
    body += [S.assign(gen.tangent_name(p), gen.zeros(S.name(p))) for p in w.params if p in active and p not in wrt]
    body += gen.block(w.fdef.body[:-1])
    ret = w.fdef.body[-1]
    outs = [ret.value] if not isinstance(ret.value, gast.Tuple) else list(ret.value.elts)
    tangents = [gen.tangent_or_zero(a) for a in outs]
    out_dot = tangents[0] if not isinstance(ret.value, gast.Tuple) else S.tuple_(tangents)
    body.append(gen.at(gast.Return(value=S.tuple_([ret.value, out_dot])), ret))
    params = list(w.params) + [gen.tangent_name(p) for p in wrt]
    fdef = S.function_def(w.function_name("jvp_batched" if batched else "jvp"), params, body)
    return Derivative([fdef], w, "jvp", list(wrt))


class _Forward:
    def __init__(self, w: Wengert, active: Set[str], namer: Namer, registry: Registry):
        self.w, self.active, self.namer, self.registry = w, active, namer, registry
        self.containers = container_vars(w.fdef.body)
        self._built: Optional[Set[str]] = None  # surely lists or dicts the function builds (own_tangent)
        self.resolve: Resolver = _no_callees
        self.ranks: Optional[Dict[str, Any]] = None
        self.batched = False
        self.nonfinite: Set[str] = set()  # values that may be infinite or NaN at finite inputs
        self.k = "_k"

    def index(self, index: Any) -> Any:
        """The runtime value of a subscript's index (:func:`analysis.index_value`)."""
        return index_value(index, self.w.aliases["slice"])

    def tangent_name(self, var: str) -> str:
        return self.namer.tangent(var)

    def is_active(self, atom: Any) -> bool:
        return is_local(atom) and atom.id in self.active

    def tangent_or_zero(self, atom: Any) -> Any:
        if self.is_active(atom):
            return S.name(self.tangent_name(atom.id))
        return self.zeros(atom)

    def own_tangent(self, atom: Any) -> bool:
        """Is ``atom`` (written into by item) surely a list or dict the function builds, whose
        tangent is a list or dict built alongside it (shared exactly where the value is, as
        ``M = L`` shares both), so the write can change the tangent in place as it changes the
        value?  Not for a parameter's (the caller's tangent) nor in batched mode."""
        if self.batched or not self.is_active(atom):
            return False
        return self.surely_built(atom.id)

    def surely_built(self, var: str) -> bool:
        """Does ``var`` surely hold a list or dict the function builds (never an array)?"""
        if self._built is None:
            self._built = sequence_containers(self.w.fdef.body, self.w.params)
        return var in self._built

    def zeros(self, atom: Any) -> Any:
        tl = S.name(self.w.aliases["_tl"])
        if self.batched:
            return S.call(S.attribute(tl, "batch_zeros"), [S.deepcopy(atom), S.name(self.k)])
        return S.call(S.attribute(tl, "zeros_like"), [S.deepcopy(atom)])

    def at(self, node: Any, like: Any) -> Any:
        node.lineno = getattr(like, "lineno", None)
        set_anno(node, Key.ORIGIN, get_anno(like, Key.ORIGIN))
        return node

    def block(self, stmts: List[Any]) -> List[Any]:
        out: List[Any] = []
        for stmt in stmts:
            if isinstance(stmt, gast.Assign):
                replaced = self.user_call(stmt)
                if replaced is not None:
                    out.append(self.at(replaced, stmt))
                    continue
                out.append(stmt)
                out.extend(self.at(s, stmt) for s in self.assign(stmt))
            elif isinstance(stmt, gast.Expr) and (is_push(stmt) or is_pop(stmt.value)):
                out.append(stmt)
                out.extend(self.at(s, stmt) for s in self.list_op(stmt))
            elif isinstance(stmt, gast.If):
                stmt.body = self.block(stmt.body) or [gast.Pass()]
                stmt.orelse = self.block(stmt.orelse)
                out.append(stmt)
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt.body = self.block(stmt.body) or [gast.Pass()]
                out.append(stmt)
            else:
                out.append(stmt)
        return out

    def _rule(self, info: StmtInfo, slot: str) -> Any:
        if self.batched:
            try:
                return _batched_rule(info, slot)
            except NoRuleError as exc:
                raise NoRuleError(exc.message, self.w.src.location(info.node), exc.hint) from None
        return info.prim.jvps[info.prim.params.index(slot)]

    def user_call(self, stmt: Any) -> Optional[Any]:
        """``y = g(a, b)`` with active inputs -> ``y, y_dot = g_jvp(a, b, a_dot)``."""
        info = describe(stmt, self.registry)
        if info.kind != "user" or info.targets[0] not in self.active:
            return None
        wrt = tuple(p for p, a in info.bound.items() if is_local(a) and a.id in self.active)
        if not wrt:
            return None
        mode = "jvp_batched" if self.batched else "jvp"
        names = self.resolve(info.callee, mode, wrt, S.dotted_name(info.value.func) or info.callee.__name__,
                             _call_spec(info, self.ranks))
        target = info.targets[0]
        args = [S.deepcopy(a) for a in info.bound.values()]
        args += [S.name(self.tangent_name(info.bound[p].id)) for p in wrt]
        stores = [S.name(target, store=True), S.name(self.tangent_name(target), store=True)]
        return gast.Assign(targets=[S.tuple_(stores, store=True)], value=S.call(S.name(names["jvp"]), args),
                           type_comment=None)

    def list_op(self, stmt: Any) -> List[Any]:
        """Mirror pushes and pops of an active list on its tangent list."""
        info = describe(stmt, self.registry)
        lst = info.inputs[0][1]
        if not self.is_active(lst):
            return []
        lst_dot = S.name(self.tangent_name(lst.id))
        if info.kind == "push":
            return [gast.Expr(value=S.call(S.attribute(lst_dot, "append"), [self.tangent_or_zero(info.value)]))]
        popped = S.call(S.attribute(lst_dot, "pop"), [])
        if info.targets and info.targets[0] in self.active:
            return [S.assign(self.tangent_name(info.targets[0]), popped)]
        return [gast.Expr(value=popped)]

    def assign(self, stmt: Any) -> List[Any]:
        info = describe(stmt, self.registry)
        if info.kind == "pop":
            return self.list_op(stmt)
        targets = [t for t in info.targets if t in self.active]
        if not targets:
            return []
        tl = self.w.aliases["_tl"]
        if info.kind == "unpack":
            if self.is_active(info.value):
                stores = [S.name(self.tangent_name(t), store=True) for t in info.targets]
                return [gast.Assign(targets=[S.tuple_(stores, store=True)],
                                    value=S.name(self.tangent_name(info.value.id)), type_comment=None)]
            return [S.assign(self.tangent_name(t), self.zeros(S.name(t))) for t in targets]  # a constant tuple
        target = targets[0]
        dot = self.tangent_name(target)
        active_inputs = [(slot, a) for slot, a in info.inputs if local_names(a) & self.active]
        if not active_inputs:
            return [S.assign(dot, self.zeros(S.name(target)))]
        if info.kind == "copy":
            return [S.assign(dot, S.name(self.tangent_name(info.value.id)))]
        if info.kind == "setitem":
            tgt = stmt.targets[0]
            base = self.tangent_or_zero(tgt.value)
            if self.is_active(info.value):
                v = S.name(self.tangent_name(info.value.id))
            elif self.ranks is None or not isinstance(self.ranks.get(tgt.value.id), int):
                # a list's or dict's entry: zeros shaped like the value (not the number 0.0, which a later
                # slice or reshape of the entry's tangent could not take); a list's slice may take a
                # sequence of another length
                v = self.zeros(info.value)
            else:
                v = S.const(0.0)
            if self.is_active(info.value) and not self.surely_built(tgt.value.id):  # (an array's dtype casts v)
                v = S.call(S.attribute(S.name(self.w.aliases["_tl"]), "write_cast"), [v, S.name(tgt.value.id)])
            if self.own_tangent(tgt.value):  # L_dot[i] = v_dot, as L[i] = v: no copy of n entries per write
                store = gast.Subscript(value=S.name(dot), slice=S.deepcopy(tgt.slice), ctx=gast.Store())
                return [gast.Assign(targets=[store], value=v, type_comment=None)]
            helper = "batch_setitem" if self.batched else "setitem"
            return [S.assign(dot, S.call(S.attribute(S.name(tl), helper), [base, self.index(tgt.slice), v]))]
        if info.kind == "getattr":
            return [S.assign(dot, S.attribute(S.name(self.tangent_name(info.value.value.id)), info.value.attr))]
        if info.kind == "getitem":
            src = S.name(self.tangent_name(info.value.value.id))
            if self.batched:
                return [S.assign(dot, S.call(S.attribute(S.name(tl), "batch_getitem"),
                                             [src, self.index(info.value.slice)]))]
            if S.whole_index(info.value.slice):  # x[()]: the tangent of a 0-d array may be a number
                return [S.assign(dot, S.call(S.attribute(S.name(tl), "index_of"), [src, self.index(info.value.slice)]))]
            return [S.assign(dot, gast.Subscript(value=src, slice=S.deepcopy(info.value.slice), ctx=gast.Load()))]
        if info.kind == "build":
            elts = [self.tangent_or_zero(e) for e in info.value.elts]
            return [S.assign(dot, type(info.value)(elts=elts, ctx=gast.Load()))]
        if info.kind == "dict":
            vals = [self.tangent_or_zero(v) for v in info.value.values]
            return [S.assign(dot, gast.Dict(keys=[S.deepcopy(k) for k in info.value.keys], values=vals))]
        if info.kind == "prim":
            return self.prim(info, target, dot, active_inputs)
        raise AssertionError(f"unhandled statement kind {info.kind}")  # pragma: no cover

    def prim(self, info: StmtInfo, target: str, dot: str, active_inputs: List[Any]) -> List[Any]:
        if self.nonfinite:
            info, active_inputs = strong_product(info, active_inputs, self.active, self.nonfinite, self.registry,
                                                 "forward")
        if info.prim.linear and len(active_inputs) > 1 and not self.batched:
            # one call on the tangents, not one zero-padded term per argument (append in a loop)
            args = [(slot, S.deepcopy(a) if slot in info.prim.constant_params else self.tangent_or_zero(a))
                    for slot, a in info.bound.items()]
            if isinstance(info.value, gast.BinOp):  # L + M of lists or tuples: seq_concat(L_dot, M_dot)
                tangents = dict(args)  # (a call of the primitive, not '+': derivative code is differentiated again)
                call = S.call(S.attribute(S.name(self.w.aliases["_tl"]), info.prim.fn.__name__),
                              [tangents[p] for p in info.prim.params])
            else:
                func = S.deepcopy(info.value.func)
                call = S.call(func, [a for _, a in args]) if [slot for slot, _ in args] == info.prim.params \
                    else S.call(func, keywords=args)
            return [S.assign(dot, self._cast(info, call, target))]
        stmts: List[Any] = []
        terms = []
        broadcast = False
        for slot, atom in active_inputs:
            rule = self._rule(info, slot)
            bindings = dict(info.bound)
            seed: Any = S.name(self.tangent_name(atom.id))
            if self.batched and rule is info.prim.jvps.get(info.prim.params.index(slot)):
                # an elementwise rule: give the tangent the output's rank after the batch axis
                seed = S.call(S.attribute(S.name(self.w.aliases["_tl"]), "batch_lift"), [seed, S.name(target)])
                lifted = self.namer.temp()
                stmts.append(S.assign(lifted, seed))
                seed = S.name(lifted)
            bindings[rule.template.params[0]] = seed
            bindings[rule.template.params[1]] = S.name(target)
            pre, expr = inline(rule.template, bindings, self.namer, self.w.aliases, self.w.env)
            stmts.extend(pre)
            terms.append(expr)
            broadcast = broadcast or rule.broadcast
        total = terms[0]
        for t in terms[1:]:
            if target in self.containers or _structured(info.prim):
                total = S.call(S.attribute(S.name(self.w.aliases["_tl"]), "add"), [total, t])
            else:
                total = gast.BinOp(left=total, op=gast.Add(), right=t)
        scalar_out = self.ranks is not None and self.ranks.get(target) == 0
        if broadcast and not scalar_out and \
                len(terms) < len([a for a in info.bound.values() if not isinstance(a, gast.Constant)]):
            helper = "batch_bcast" if self.batched else "bcast"
            total = S.call(S.attribute(S.name(self.w.aliases["_tl"]), helper), [total, S.name(target)])
        stmts.append(S.assign(dot, self._cast(info, total, target)))
        return stmts

    def _cast(self, info: StmtInfo, tangent: Any, target: str) -> Any:
        """A call with ``dtype=`` casts its tangent like its value: np.asarray(x, dtype=int) has no
        derivative, float32 stays float32 (batched: each direction zeroed or kept)."""
        if not casts(info):
            return tangent
        helper = "write_cast" if self.batched else "cast_like"
        return S.call(S.attribute(S.name(self.w.aliases["_tl"]), helper), [tangent, S.name(target)])


def _batched_rule(info: StmtInfo, slot: str) -> Any:
    index = info.prim.params.index(slot)
    special = BATCHED.get(info.prim.fn, {})
    if index in special:
        return special[index]
    if elementwise(info.prim.fn):
        return info.prim.jvps[index]
    raise NoRuleError(
        f"batched forward mode has no rule for {info.prim.name} (argument '{slot}')",
        hint="compute the Jacobian with mode='reverse', or call tl.jvp one direction at a time; "
             "or add a batched rule in tangent_lite/rules/batched.py")


def _structured(prim: Any) -> bool:
    """Runtime helpers may return containers: their tangent terms add with ``_tl.add``."""
    return str(getattr(prim.fn, "__module__", "")).startswith("tangent_lite")
