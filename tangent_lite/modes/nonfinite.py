"""Strong zeros: which values may be infinite or NaN at finite inputs
(:func:`maybe_nonfinite`), and products with such a factor differentiated as
``_tl.strong_mul`` (:func:`strong_product`), so that a zero seed or tangent gives an exact
zero, not 0 * inf = NaN (docs: "Conventions at non-smooth points").  Both modes use them."""

from __future__ import annotations

import builtins
import math
import operator
import weakref
from typing import Any, List, Optional, Set, Tuple

import numpy as np

from .. import runtime
from .. import syntax as S
from ..analysis.callees import is_user_function, user_function
from ..analysis.statements import Described, StmtInfo, assignments, describe_once, is_local, local_names
from ..errors import TangentLiteError
from ..frontend.anf import Wengert
from ..rules.registry import Registry
from ..syntax import gast


def _products() -> Set[Any]:
    return {operator.mul, np.multiply, np.square}


_PRODUCTS = _products()


def _nonfinite_sources() -> Set[Any]:
    """Functions whose value may be infinite or NaN at a finite input (poles, domains, overflow)."""
    names_np = ("log", "log2", "log10", "log1p", "sqrt", "divide", "true_divide", "reciprocal", "power",
                "float_power", "arcsin", "arccos", "arctanh", "arccosh", "exp", "exp2", "expm1", "sinh", "cosh",
                "tan", "floor_divide", "remainder", "fmod", "mod", "arctan2")
    names_math = ("log", "log2", "log10", "log1p", "sqrt", "pow", "asin", "acos", "atanh", "acosh", "exp",
                  "expm1", "sinh", "cosh", "tan", "fmod")
    return ({getattr(np, n) for n in names_np if hasattr(np, n)} | {getattr(math, n) for n in names_math}
            | {operator.truediv, operator.pow, operator.floordiv, operator.mod, builtins.pow})


_NONFINITE_SOURCES = _nonfinite_sources()


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
    strong = registry.get(runtime.strong_mul)
    if strong is None:  # pragma: no cover - registered by rules/singular.py
        return info, active_inputs
    bound = dict(zip(strong.params, atoms))
    inputs = [(p, a) for p, a in bound.items() if is_local(a) and local_names(a) & active]
    return StmtInfo("prim", info.targets, info.node, info.value, prim=strong, bound=bound, inputs=inputs,
                    callee=runtime.strong_mul), inputs
