"""Rank inference, for specialising derivatives to the kinds of arguments they get.

Given the ranks of the arguments (0 for Python and NumPy scalars, ``ndim`` for arrays,
None when unknown), find the rank of every variable of the Wengert form where it is
determined by ranks alone.  The derivative passes use it for one thing: where an
operation's input and output are both scalars, broadcasting needs no undoing, so

    x_bar = _tl.unbroadcast(_t1_bar * 0.5, x)     becomes     x_bar = _t1_bar * 0.5

and the values ``unbroadcast`` would have read for their shape need not be saved.
Only facts that cannot depend on values are used (no shapes, just ranks; ``None``
whenever in doubt), so a specialisation is valid for every call with the same ranks.
"""

from __future__ import annotations

import math
import operator
import types
import weakref
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from ..frontend.anf import Wengert
from ..syntax import gast, walk
from ..syntax.annotations import Key, get_anno
from .built_arrays import built_rank, fixed_lists
from .items import Items, item_rank, unchanged, unpacked_ranks
from .statements import assignments, is_local, is_pop

Rank = Optional[int]

_ELEMENTWISE_OPS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                    operator.neg, operator.pos, operator.mod, operator.floordiv}
_SCALAR_FUNCS = {len, int, float, bool}  # (abs(a), round(a): a's rank)
_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.std, np.var}


class Facts(NamedTuple):
    """What the optimizer may rely on about a generated function's names (vjp.py hands it
    over: ``passes.marks.FACTS``; used by uniform.py)."""

    ranks: Dict[str, Rank]  # primal variables and their adjoints
    classes: Dict[str, Any]  # shape classes of primal variables (infer_shape_classes)
    tl: str  # the runtime module's alias
    np: str = "np"  # NumPy's alias


def arg_rank(value: Any) -> Rank:
    """The rank a value contributes to a specialisation key.  Rank 0 means a number, which
    nothing changes in place: a 0-d array has no rank here (``a = x; a += y`` changes it)."""
    if isinstance(value, (bool, int, float, np.generic)):
        return 0
    if isinstance(value, np.ndarray):
        return value.ndim or None
    return None


def infer_ranks(w: Wengert, arg_ranks: Dict[str, Rank]) -> Dict[str, Rank]:
    """Rank of each local variable (missing or None: unknown).

    Tuples are followed element by element (``k1, k2 = t`` where ``t = (a, b)``), and so
    are the results of user functions, whose bodies are analysed with the ranks of the
    call's arguments::

        def f(u, v): return u * v, u - v      # u, v scalars: returns (0, 0)
        k1, k2 = f(x, y)                      # x, y scalars: k1 and k2 are scalars

    What the callees' bodies assumed about their own names (a module-level number ``B`` that
    makes ``z * B`` a scalar) becomes a guard of ``w`` too, reached through the callee
    (``helper`` -> its global ``B``): when it changes, the caller's code is made again.
    """
    containers = unchanged(w, {p: r for p, r in arg_ranks.items() if isinstance(r, Items)})  # items.py
    arg_ranks = {p: None if isinstance(r, Items) else r for p, r in arg_ranks.items()}
    _ASSUMED.append((w.fn, {}))
    try:
        ranks = _infer(w, arg_ranks, containers)[0]
    finally:
        assumed = _ASSUMED.pop()[1]
    if w.guards is not None:
        w.guards.update(assumed)
    return ranks


def _infer(w: Wengert, arg_ranks: Dict[str, Rank], containers: Optional[Dict[str, Items]] = None) -> Tuple[
        Dict[str, Rank], Dict[str, Tuple[Rank, ...]]]:
    """(ranks of the variables, element ranks of the variables holding tuples); ``containers``: the
    item ranks of list, tuple and dict parameters (:mod:`items`)."""
    ranks: Dict[str, Rank] = dict(arg_ranks)
    tuples: Dict[str, Tuple[Rank, ...]] = {}
    _TUPLES[id(ranks)] = tuples  # so that _rank_of sees t[0] of a tuple t
    _CONTAINERS[id(ranks)] = containers or {}  # and p[k] of such a parameter p
    _LISTS[id(ranks)] = fixed_lists(w.fdef)  # and np.array(_t0) of _t0 = [a, b] (built_arrays.py)
    try:
        return _fixpoint(w, ranks, tuples)
    finally:
        del _TUPLES[id(ranks)], _CONTAINERS[id(ranks)], _LISTS[id(ranks)]


_TUPLES: Dict[int, Dict[str, Tuple[Rank, ...]]] = {}
_CONTAINERS: Dict[int, Dict[str, Items]] = {}
_LISTS: Dict[int, Dict[str, Any]] = {}


def _fixpoint(w: Wengert, ranks: Dict[str, Rank], tuples: Dict[str, Tuple[Rank, ...]]) -> Tuple[
        Dict[str, Rank], Dict[str, Tuple[Rank, ...]]]:
    conflicting = set()
    stmts = list(assignments(w.fdef.body))
    loops = [n for n in walk(w.fdef) if isinstance(n, gast.For)]
    for _ in range(20):  # flow-insensitive fixpoint; ranks only ever become unknown
        changed = False

        def set_rank(var: str, r: Rank) -> None:
            nonlocal changed
            if var in conflicting:
                return
            if var not in ranks:
                ranks[var] = r
                changed = True
            elif ranks[var] != r:
                ranks[var] = None
                conflicting.add(var)
                changed = True

        for loop in loops:  # range loops bind ints
            set_rank(loop.target.id, 0)
        def set_tuple(var: str, elts: Optional[Tuple[Rank, ...]]) -> None:
            nonlocal changed
            if var in conflicting:
                return
            if elts is None:
                if tuples.pop(var, None) is not None:
                    changed = True
                conflicting.add(var)  # not a tuple of known ranks: not a rank either
                ranks[var] = None
                return
            if var not in tuples and var not in ranks:
                tuples[var] = elts
                ranks[var] = None
                changed = True
            elif tuples.get(var) != elts:
                tuples.pop(var, None)
                ranks[var] = None
                conflicting.add(var)
                changed = True

        for stmt in stmts:
            if not isinstance(stmt, gast.Assign):
                continue
            tgt, value = stmt.targets[0], stmt.value
            if isinstance(tgt, gast.Name):
                elts = _tuple_ranks(value, ranks, tuples)
                if elts is not None:
                    set_tuple(tgt.id, elts)
                elif tgt.id in tuples:
                    set_tuple(tgt.id, None)
                else:
                    set_rank(tgt.id, _rank_of(value, ranks))
            elif isinstance(tgt, gast.Tuple):
                elts = tuples.get(value.id) if is_local(value) and value.id not in conflicting else None
                elts = elts or unpacked_ranks(value, _CONTAINERS[id(ranks)], len(tgt.elts))
                for i, e in enumerate(tgt.elts):
                    set_rank(e.id, elts[i] if elts is not None and len(elts) == len(tgt.elts) else None)
        if not changed:
            break
    return ({k: v for k, v in ranks.items() if k not in conflicting},
            {k: v for k, v in tuples.items() if k not in conflicting})


# function -> (its code, argument ranks) -> (rank or tuple of ranks of its result, the guards that
# result assumed, relative to the function) (weak: no function kept alive)
_CALLEES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ANALYSING: List[Any] = []
# one frame per analysis in progress: (its function, guards (where, name, path) -> object assumed)
_ASSUMED: List[Tuple[Any, Dict[Tuple[str, str, Tuple[str, ...]], Any]]] = []


def _tuple_ranks(value: Any, ranks: Dict[str, Rank], tuples: Dict[str, Tuple[Rank, ...]]) -> Optional[
        Tuple[Rank, ...]]:
    """Element ranks of a tuple built here or returned by a user function (None: not known to be one)."""
    if isinstance(value, gast.Tuple):
        return tuple(_atom_rank(e, ranks) for e in value.elts)
    if isinstance(value, gast.Attribute) and value.attr == "shape" and is_local(value.value) \
            and ranks.get(value.value.id) is not None:
        return (0,) * ranks[value.value.id]  # x.shape: ints
    if is_local(value) and value.id in tuples:
        return tuples[value.id]
    if isinstance(value, gast.Call):
        result = _user_result(value, ranks)
        return result if isinstance(result, tuple) else None
    return None


def _user_result(value: Any, ranks: Dict[str, Rank]) -> Any:
    """The rank (or tuple of ranks) a call of a user function returns, from its own body."""
    from ..rules.registry import REGISTRY
    from .callees import bind_user, is_user_function, user_function

    callee = get_anno(value, Key.CALLEE)
    if callee is None or isinstance(callee, tuple) or REGISTRY.get(callee) is not None \
            or not is_user_function(callee):
        return None
    fn = user_function(callee)
    try:
        bound = bind_user(fn, list(value.args), list(value.keywords))
    except Exception:  # noqa: BLE001 - a bad call is reported by the derivative passes
        return None
    key = (fn.__code__, tuple(_atom_rank(a, ranks) for a in bound.values()))
    known = _CALLEES.setdefault(fn, {})
    if key in known and _still(known[key][1], fn):
        _assume(value.func, known[key][1])
        return known[key][0]
    if fn in _ANALYSING or len(_ANALYSING) > 8:  # recursion: unknown
        return None
    from ..frontend import anf

    _ANALYSING.append(fn)
    _ASSUMED.append((fn, {}))
    assumed: Dict[Tuple[str, str, Tuple[str, ...]], Any] = {}
    try:
        cw = anf.lower(fn)
        cranks, ctuples = _infer(cw, dict(zip(cw.params, key[1])))
        assumed = dict(_ASSUMED[-1][1], **(cw.guards or {}))
        ret = cw.fdef.body[-1]
        out: Any = None
        if isinstance(ret, gast.Return) and ret.value is not None:
            rv = ret.value
            if isinstance(rv, gast.Tuple):
                out = tuple(_atom_rank(e, cranks) for e in rv.elts)
            elif is_local(rv) and rv.id in ctuples:
                out = ctuples[rv.id]
            else:
                out = _atom_rank(rv, cranks)
    except Exception:  # noqa: BLE001 - lowering errors are reported when the callee is differentiated
        out = None
    finally:
        _ASSUMED.pop()
        _ANALYSING.pop()
    if len(known) > 64:
        known.clear()
    known[key] = (out, assumed)
    _assume(value.func, assumed)
    return out


def _still(assumed: Dict[Tuple[str, str, Tuple[str, ...]], Any], fn: Any) -> bool:
    """Do the names a callee's analysis assumed still mean what they meant (see guards.py)?"""
    from ..frontend import guards

    for (where, name, path), obj in assumed.items():
        how = guards.how_of(obj)
        now = guards.resolve(guards.Guard(where, name, path, how, ""), fn)
        if guards.identity(now, how) != guards.identity(obj, how):
            return False
    return True


def _assume(func: Any, assumed: Dict[Tuple[str, str, Tuple[str, ...]], Any]) -> None:
    """Record, in the analysis in progress, the callee's assumptions as guards reached through
    the name the call uses (``helper`` or ``module.helper``), relative to the caller."""
    if not _ASSUMED or not assumed:
        return
    attrs: List[str] = []
    while isinstance(func, gast.Attribute):
        attrs.insert(0, func.attr)
        func = func.value
    if not isinstance(func, gast.Name) or is_local(func):
        return  # (reached through a local value: the callee's module-level guards still hold)
    caller, frame = _ASSUMED[-1]
    code = getattr(caller, "__code__", None)
    reach = "cell" if code is not None and func.id in code.co_freevars else "global"
    for (where, name, path), obj in assumed.items():
        frame[(reach, func.id, tuple(attrs) + (f"<{where}>{name}",) + tuple(path))] = obj


def _atom_rank(atom: Any, ranks: Dict[str, Rank]) -> Rank:
    if isinstance(atom, gast.Constant):
        return 0 if isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool) else None
    if is_local(atom):
        return ranks.get(atom.id)
    obj = get_anno(atom, Key.CALLEE)
    if isinstance(obj, (float, int)) and not isinstance(obj, bool) and isinstance(atom, (gast.Attribute, gast.Name)):
        return 0  # np.pi, math.e, a module-level number (its type is guarded: guards.py)
    return None


def _rank_of(value: Any, ranks: Dict[str, Rank]) -> Rank:
    if isinstance(value, (gast.Name, gast.Constant)) or (isinstance(value, gast.Attribute)
                                                        and get_anno(value, Key.CALLEE) is not None):
        return _atom_rank(value, ranks)
    callee = get_anno(value, Key.CALLEE)
    if isinstance(value, gast.BinOp):
        args = [value.left, value.right]
        if callee is operator.matmul:
            return _matmul_rank(*[_atom_rank(a, ranks) for a in args])
        return _max_rank([_atom_rank(a, ranks) for a in args]) if callee in _ELEMENTWISE_OPS else None
    if isinstance(value, gast.UnaryOp):
        return _atom_rank(value.operand, ranks) if callee in _ELEMENTWISE_OPS else None
    if isinstance(value, gast.Compare):
        return _max_rank([_atom_rank(value.left, ranks), _atom_rank(value.comparators[0], ranks)])
    if isinstance(value, gast.Subscript):
        if is_local(value.value) and value.value.id in _TUPLES.get(id(ranks), {}) \
                and isinstance(value.slice, gast.Constant) and type(value.slice.value) is int:
            elts = _TUPLES[id(ranks)][value.value.id]
            return elts[value.slice.value] if -len(elts) <= value.slice.value < len(elts) else None
        found, r = item_rank(value, _CONTAINERS.get(id(ranks), {}), lambda a: _atom_rank(a, ranks))
        return r if found else _subscript_rank(value, ranks)
    if isinstance(value, gast.Attribute) and value.attr in ("ndim", "size") and is_local(value.value) \
            and ranks.get(value.value.id) is not None:
        return 0
    if isinstance(value, gast.Call) and not is_pop(value):
        args = value.args
        if callee in _REDUCTIONS and args:
            return _reduction_rank(value, ranks)
        built, r = built_rank(value, callee, lambda a: _atom_rank(a, ranks), lambda s: _shape_rank(s, ranks),
                              _TUPLES.get(id(ranks), {}), _LISTS.get(id(ranks), {}))
        if built:
            return r
        if value.keywords:
            return None
        if isinstance(callee, types.BuiltinFunctionType) and getattr(callee, "__module__", "") == "math":
            return 0
        if callee in _SCALAR_FUNCS:
            return 0
        if callee in (max, min) and len(args) == 2:
            return _max_rank([_atom_rank(a, ranks) for a in args])
        if isinstance(callee, np.ufunc):
            return _max_rank([_atom_rank(a, ranks) for a in args])
        if callee in _REDUCTIONS and len(args) == 1:
            return 0
        if callee in (np.dot, np.matmul) and len(args) == 2:
            return _matmul_rank(*[_atom_rank(a, ranks) for a in args])
        if (callee is np.transpose or callee is abs or callee is round) and len(args) == 1:
            return _atom_rank(args[0], ranks)
        result = _user_result(value, ranks)
        return result if isinstance(result, int) else None
    return None


def _reduction_rank(call: Any, ranks: Dict[str, Rank]) -> Rank:
    """``np.sum(x)``: 0; ``np.sum(x, axis=k)`` / ``np.sum(x, k)``: one axis fewer (``keepdims=True``:
    as many); a tuple of axes: that many fewer.  Axes and keepdims must be constants."""
    options = dict(zip(("axis",), call.args[1:]))
    if len(call.args) > 2:
        return None
    for kw in call.keywords:
        if kw.arg not in ("axis", "keepdims") or kw.arg in options:
            return None
        options[kw.arg] = kw.value
    axis, keep = options.get("axis"), options.get("keepdims")
    if keep is not None and not (isinstance(keep, gast.Constant) and type(keep.value) is bool):
        return None
    keepdims = keep is not None and keep.value
    base = _atom_rank(call.args[0], ranks)
    if axis is None or (isinstance(axis, gast.Constant) and axis.value is None):
        return base if keepdims else 0
    if isinstance(axis, gast.Constant) and type(axis.value) is int:
        n = 1
    elif isinstance(axis, gast.Tuple) and all(isinstance(e, gast.Constant) and type(e.value) is int
                                               for e in axis.elts):
        n = len(axis.elts)
    else:
        return None
    if base is None or base < n:
        return None
    return base if keepdims else base - n


def _shape_rank(shape: Any, ranks: Dict[str, Rank]) -> Rank:
    """The rank of an array made with this shape argument (an int, or a tuple of ints)."""
    if _atom_rank(shape, ranks) == 0:
        return 1
    # (shape (): a 0-d array, which an in-place update changes, not a number: no rank, see arg_rank)
    if isinstance(shape, gast.Constant) and isinstance(shape.value, tuple):
        return len(shape.value) or None
    elts = _TUPLES.get(id(ranks), {}).get(shape.id) if is_local(shape) else None
    if elts is not None and all(r == 0 for r in elts):  # _t = 3, 4; np.ones(_t)
        return len(elts) or None
    return None


def _max_rank(rs: Any) -> Rank:
    rs = list(rs)
    return None if any(r is None for r in rs) else max(rs)


def _matmul_rank(a: Rank, b: Rank) -> Rank:
    if a is None or b is None:
        return None
    if a == 0 or b == 0:
        return max(a, b)
    return {(1, 1): 0, (2, 1): 1, (1, 2): 1, (2, 2): 2}.get((a, b))


def _subscript_rank(value: Any, ranks: Dict[str, Rank]) -> Rank:
    base = _atom_rank(value.value, ranks)
    if base is None:
        return None
    parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
    dropped = added = 0
    for p in parts:
        if isinstance(p, gast.Slice):
            continue
        if isinstance(p, gast.Constant) and p.value is None:  # np.newaxis
            added += 1
            continue
        if _atom_rank(p, ranks) == 0 and not (isinstance(p, gast.Constant) and type(p.value) is not int):
            dropped += 1
            continue
        return None  # arrays, Ellipsis, booleans: leave it unknown
    return base - dropped + added if len(parts) - added <= base else None


def infer_shape_classes(w: Wengert, ranks: Dict[str, Rank]) -> Dict[str, Any]:
    """Which array variables certainly have the same shape, whatever the arguments' shapes.

    A class is a symbolic shape: ``("arg", x)`` for an array argument, ``("trim", c, (k,))``
    for a slice ``x[a:-b]`` of class ``c`` (length ``n - a - b`` for every ``n``), and
    elementwise operations keep the class of their array operands when those agree::

        _t0 = x[1:]            ("trim", ("arg", "x"), (1,))
        _t1 = x[:-1]           ("trim", ("arg", "x"), (1,))     the same class
        _t2 = _t1 ** 2         the same class
        _t3 = _t0 - _t2        the same class: unbroadcast(g, _t0) is g

    Variables missing from the result have no known class."""
    classes: Dict[str, Any] = {p: ("arg", p) for p in w.params if (ranks.get(p) or 0) >= 1}
    conflicting = set(p for p in w.params if p not in classes)
    stmts = [st for st in assignments(w.fdef.body) if isinstance(st, gast.Assign)]
    loop_vars = [n.id for loop in walk(w.fdef) if isinstance(loop, gast.For)
                 for n in walk(loop.target) if isinstance(n, gast.Name)]
    for _ in range(20):
        changed = False
        for stmt in stmts:
            tgt = stmt.targets[0]
            names = [tgt.id] if isinstance(tgt, gast.Name) else [
                e.id for e in tgt.elts if isinstance(e, gast.Name)] if isinstance(tgt, gast.Tuple) else []
            c = _class_of(stmt.value, ranks, classes) if isinstance(tgt, gast.Name) else None
            for name in names:
                if name in conflicting:
                    continue
                if c is None or (name in classes and classes[name] != c):
                    classes.pop(name, None)
                    conflicting.add(name)
                    changed = True
                elif name not in classes:
                    classes[name] = c
                    changed = True
        for name in loop_vars:
            if name not in conflicting:
                classes.pop(name, None)
                conflicting.add(name)
        if not changed:
            break
    return classes


def _class_of(value: Any, ranks: Dict[str, Rank], classes: Dict[str, Any]) -> Any:
    def of(atom: Any) -> Any:
        return classes.get(atom.id) if is_local(atom) else None

    if is_local(value):
        return of(value)
    callee = get_anno(value, Key.CALLEE)
    if isinstance(value, gast.Subscript) and is_local(value.value):
        base, rank = of(value.value), ranks.get(value.value.id)
        parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
        if base is None or rank is None or len(parts) > rank:
            return None
        trims = []
        for p in parts:
            if not isinstance(p, gast.Slice) or p.step is not None:
                return None
            lo = 0 if p.lower is None else p.lower.value if isinstance(p.lower, gast.Constant) \
                and type(p.lower.value) is int and p.lower.value >= 0 else None
            hi = 0 if p.upper is None else -p.upper.value if isinstance(p.upper, gast.Constant) \
                and type(p.upper.value) is int and p.upper.value < 0 else None
            if lo is None or hi is None:
                return None
            trims.append(lo + hi)
        trims += [0] * (rank - len(trims))
        if base[0] == "trim":
            base, trims = base[1], [a + b for a, b in zip(base[2], trims)]
        return base if not any(trims) else ("trim", base, tuple(trims))
    if isinstance(value, gast.UnaryOp):
        return of(value.operand) if callee in _ELEMENTWISE_OPS else None
    if isinstance(value, gast.BinOp):
        args = [value.left, value.right]
        if callee not in _ELEMENTWISE_OPS:
            return None
    elif isinstance(value, gast.Call) and isinstance(callee, np.ufunc) and not value.keywords \
            and len(value.args) == callee.nin and callee.nout == 1:
        args = list(value.args)
    else:
        return None
    arrays = [a for a in args if _atom_rank(a, ranks) != 0]
    found = [of(a) for a in arrays]
    if not found or any(c is None for c in found) or len(set(found)) != 1:
        return None
    return found[0]


def _calls_helper(expr: Any, tl_alias: str, helpers: Tuple[str, ...]) -> bool:
    """Does ``expr`` call ``_tl.h`` for some ``h`` in ``helpers``?  (Most rule results call
    none: the rewrites below then need not visit them.)"""
    for n in walk(expr):
        if n.__class__ is gast.Call:
            f = n.func
            if isinstance(f, gast.Attribute) and f.attr in helpers and isinstance(f.value, gast.Name) \
                    and f.value.id == tl_alias:
                return True
    return False


def _strip_helper_calls(expr: Any, tl_alias: str, helpers: Tuple[str, ...], needless: Callable[[Any], bool]) -> Any:
    """Replace ``_tl.h(e, x)`` (``h`` in ``helpers``) by ``e`` wherever ``needless(x)``."""
    if not _calls_helper(expr, tl_alias, helpers):
        return expr

    def strip(node: Any) -> Any:
        f = node.func
        if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == tl_alias \
                and f.attr in helpers and len(node.args) == 2 and needless(node.args[1]):
            return node.args[0]
        return node

    return _map_calls(expr, strip)


def _map_calls(node: Any, rewrite: Callable[[Any], Any]) -> Any:
    """``node`` with each call ``c`` under it replaced by ``rewrite(c)``, innermost first, in
    place: what an ``ast.NodeTransformer`` with only ``visit_Call`` does, without its
    dispatch (rule results are rewritten this way thousands of times)."""
    for field in node._fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            value[:] = [_map_calls(item, rewrite) if isinstance(item, gast.AST) else item for item in value]
        elif field != "ctx" and isinstance(value, gast.AST):
            setattr(node, field, _map_calls(value, rewrite))
    return rewrite(node) if node.__class__ is gast.Call else node


def strip_same_shape(expr: Any, classes: Dict[str, Any], target: str, tl_alias: str) -> Any:
    """Drop ``_tl.unbroadcast(e, x)`` where ``x`` has the shape of ``target`` (whose adjoint
    ``e`` is): nothing was broadcast, so there is nothing to sum."""
    cls = classes.get(target)
    if cls is None:
        return expr
    return _strip_helper_calls(expr, tl_alias, ("unbroadcast",),
                               lambda x: is_local(x) and classes.get(x.id) == cls)


def scalar(ranks: Optional[Dict[str, Rank]], atom: Any) -> bool:
    """Is ``atom`` known to be a scalar under this specialisation?"""
    if ranks is None:
        return False
    return _atom_rank(atom, ranks) == 0


def strip_scalar_broadcasts(expr: Any, ranks: Optional[Dict[str, Rank]], target: str, tl_alias: str) -> Any:
    """Drop ``_tl.unbroadcast(e, x)`` and ``_tl.bcast(e, y)`` where everything is scalar."""
    if ranks is None or ranks.get(target) != 0:
        return expr
    return _strip_helper_calls(expr, tl_alias, ("unbroadcast", "bcast"), lambda x: scalar(ranks, x))


def matrix_products(expr: Any, ranks: Optional[Dict[str, Rank]], tl_alias: str) -> Any:
    """``_tl.matmul_bar_a(g, a, b)`` -> ``g @ b.T`` and ``_tl.matmul_bar_b(g, a, b)`` -> ``a.T @ g``
    where ``a`` and ``b`` are known matrices (rank 2): the helper's own first case, without the
    call and its checks."""
    if ranks is None or not _calls_helper(expr, tl_alias, ("matmul_bar_a", "matmul_bar_b")):
        return expr

    def matrix(atom: Any) -> bool:
        return _atom_rank(atom, ranks) == 2

    def rewrite(node: Any) -> Any:
        f = node.func
        if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == tl_alias
                and f.attr in ("matmul_bar_a", "matmul_bar_b") and len(node.args) == 3 and not node.keywords):
            return node
        g, a, b = node.args
        if not (matrix(a) and matrix(b)):
            return node
        if f.attr == "matmul_bar_a":
            left, right = g, gast.Attribute(value=b, attr="T", ctx=gast.Load())
        else:
            left, right = gast.Attribute(value=a, attr="T", ctx=gast.Load()), g
        return gast.BinOp(left=left, op=gast.MatMult(), right=right)

    return _map_calls(expr, rewrite)


__all__ = ["Facts", "matrix_products", "arg_rank", "infer_ranks", "infer_shape_classes", "scalar", "strip_same_shape",
           "strip_scalar_broadcasts", "math"]
