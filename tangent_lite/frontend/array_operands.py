"""Lists and tuples that NumPy reads as arrays: a variable that may hold one (``sequences.sequence_vars``:
a display, ``list(x)``, a comprehension, a concatenation...) met as an operand of an array operator
(``x * L``, ``[a, b] * x``, ``list(x) + x``, ``x @ L``, ``x ** L``) or as an argument of a NumPy or SciPy
function with rules (``np.add(list(x), x)``, ``np.dot(losses, w)``, ``np.maximum(L, 0.0)``,
``sp.logsumexp(L)``) is read through ``_tl.listed_array`` (``np.asarray`` of a list, whose derivative
gives the list its entries back), before ``sequences.mark_sequence_ops`` marks what stays Python's
concatenation and repetition (``L + M`` of two lists, ``L * 3``, ``L * len(x)``).  A pass over the
Wengert form."""

from __future__ import annotations

import inspect
from typing import Any, List, Set, Tuple

import numpy as np

from .. import runtime
from .. import syntax as S
from ..rules.registry import REGISTRY
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from .sequences import _SEQUENCE_MAKERS, _assignments, _hashable, _locals_in, every_binding

_NO = object()
_ARITHMETIC = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.FloorDiv, gast.Mod, gast.Pow, gast.MatMult)
# NumPy functions (beyond the ufuncs) that read every array argument as np.asarray does
_READ_AS_ARRAYS = {np.dot, np.vdot, np.inner, np.outer, np.einsum, np.clip, np.where, np.linalg.solve, np.cross,
                   np.tensordot, np.kron, np.convolve, np.trace, np.diag, np.interp, np.polyval}
_INT_MAKERS = (len, int, round)


def read_as_arrays(w: Any) -> None:
    """Rewrite ``w``'s statements in place (see the module's docstring)."""
    ints = _surely_ints(w.fdef.body, w.params)
    sequences, results = _maybe_lists(w.fdef.body, ints)
    _bodies(w, w.fdef.body, (sequences, sequences | results), ints)


def _maybe_lists(body: List[Any], ints: Set[str]) -> Tuple[Set[str], Set[str]]:
    """``sequences.sequence_vars`` as it will be once the pass has run (``L + M`` of two lists and
    ``L * n`` of an integer make lists, ``x * L`` of an array an array); and the variables bound to
    what a function of the user's returns (maybe a list: read as an array by NumPy's functions)."""
    out: Set[str] = set()
    results: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for stmt in _assignments(body):
            if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name) \
                    or stmt.targets[0].id in out:
                continue
            value = stmt.value
            callee = get_anno(value, Key.CALLEE, None) if isinstance(value, gast.Call) else None
            if isinstance(value, gast.BinOp):
                sides = [isinstance(a, gast.Name) and a.id in out for a in (value.left, value.right)]
                other = value.right if sides[0] else value.left
                # (L * n of a name n: a list when n is an integer, decided when the code runs)
                made = all(sides) or any(sides) and (_python_operand(value.op, other, ints) or isinstance(
                    value.op, gast.Mult) and isinstance(other, gast.Name))
            elif isinstance(value, gast.Name):
                made = value.id in out
            else:
                made = isinstance(value, (gast.List, gast.Tuple)) or _hashable(callee) and (
                    callee in _SEQUENCE_MAKERS or callee is runtime.append or (
                        callee is runtime.copy_value and set(_locals_in(value)) & out))
                if not made and _users_function(callee):
                    results.add(stmt.targets[0].id)
            if made:
                out.add(stmt.targets[0].id)
                changed = True
    return out, results


def _users_function(obj: Any) -> bool:
    """A Python function without rules, not tangent_lite's (a helper of the user's: its result may be a list)."""
    return inspect.isfunction(obj) and REGISTRY.get(obj) is None \
        and not str(getattr(obj, "__module__", "") or "").startswith("tangent_lite")


def _bodies(w: Any, body: List[Any], sequences: Tuple[Set[str], Set[str]], ints: Set[str]) -> None:
    i = 0
    while i < len(body):
        stmt = body[i]
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, (gast.FunctionDef, gast.Lambda)):
                _bodies(w, inner, sequences, ints)
        for handler in getattr(stmt, "handlers", None) or []:
            _bodies(w, handler.body, sequences, ints)
        added = _statement(w, stmt, sequences, ints)
        body[i:i] = added
        i += len(added) + 1


def _statement(w: Any, stmt: Any, sequences: Tuple[Set[str], Set[str]], ints: Set[str]) -> List[Any]:
    value = getattr(stmt, "value", None) if isinstance(stmt, (gast.Assign, gast.Expr)) else None
    added: List[Any] = []

    def listed(atom: Any, like: Any = None) -> Any:
        t = w.namer.temp()
        w.display_names[t] = w.display_names.get(atom.id, atom.id)  # (messages say the user's name)
        args = [atom] if like is None else [atom, like]
        added.append(_at(S.assign(t, _tl_call(w, args)), stmt))
        return S.name(t)

    def maybe_list(atom: Any, among: Set[str]) -> bool:
        return isinstance(atom, gast.Name) and atom.id in among and get_anno(atom, Key.CALLEE, _NO) is _NO

    operands, arguments = sequences
    if isinstance(value, gast.BinOp) and isinstance(value.op, _ARITHMETIC):
        left, right = value.left, value.right
        if maybe_list(left, operands) != maybe_list(right, operands):
            seq, other = (left, right) if maybe_list(left, operands) else (right, left)
            if not _python_operand(value.op, other, ints):
                converted = listed(seq, other)
                if isinstance(value.op, gast.Mult) and isinstance(other, gast.Name):
                    # L * n repeats L for an integer n, multiplies entrywise for an array (decided when it
                    # runs): runtime.seq_repeat, whose rules are those of both, with the sequence first
                    value.left, value.right = converted, other
                    set_anno(value, Key.SEQUENCE_OP, runtime.seq_repeat)
                elif seq is left:
                    value.left = converted
                else:
                    value.right = converted
    elif isinstance(value, gast.Call) and reads_arrays(get_anno(value, Key.CALLEE, _NO), value):
        callee = get_anno(value, Key.CALLEE)
        if not isinstance(callee, np.ufunc) and callee not in _READ_AS_ARRAYS:
            arguments = arguments | set(w.params)  # (SciPy's: a list argument too; NumPy's: _tl.operand refuses it)
        value.args = [listed(a) if maybe_list(a, arguments) else a for a in value.args]
        for k in value.keywords:
            if k.arg not in ("out", "axis", "axes", "dtype") and maybe_list(k.value, arguments):
                k.value = listed(k.value)
    return added


def _python_operand(op: Any, other: Any, ints: Set[str]) -> bool:
    """Does Python itself compute ``L op other`` (or ``other op L``) for a list ``L``: repetition by
    an integer, or a TypeError for a number (``L + 1.0``)?  An array (any other name) hands it to NumPy."""
    if isinstance(other, gast.Constant):
        return True
    return isinstance(op, (gast.Mult, gast.Add)) and isinstance(other, gast.Name) and other.id in ints


def reads_arrays(obj: Any, call: Any) -> bool:
    """Does the function ``obj`` called by ``call`` read each argument as ``np.asarray`` does (a list
    as an array), where its rules do not?"""
    if obj is _NO or not _hashable(obj):
        return False
    if obj is np.einsum:  # the subscripts' string form only (the sublist form's lists are subscripts)
        return bool(call.args) and isinstance(call.args[0], gast.Constant)
    if isinstance(obj, np.ufunc) or obj in _READ_AS_ARRAYS:
        return True
    prim = REGISTRY.get(obj)
    return prim is not None and prim.name.startswith(("scipy.special.", "scipy.stats."))


def _surely_ints(body: List[Any], params: Any) -> Set[str]:
    """Variables that hold a Python integer wherever they are read (``n = len(x)``, ``k = 3``,
    ``m = 2 * n``): ``L * n`` repeats a list by them."""

    def made(value: Any, sure: Set[str]) -> bool:
        if isinstance(value, gast.Constant):
            return type(value.value) is int
        if isinstance(value, gast.Name):
            return value.id in sure
        if isinstance(value, gast.Call):
            callee = get_anno(value, Key.CALLEE, None)
            return _hashable(callee) and callee in _INT_MAKERS
        if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub, gast.Mult, gast.FloorDiv)):
            return made(value.left, sure) and made(value.right, sure)
        return False

    return every_binding(body, made, params)


def _tl_call(w: Any, args: List[Any]) -> Any:
    tl = w.aliases["_tl"]
    func = S.attribute(S.name(tl), "listed_array")
    set_anno(func, Key.CALLEE, runtime.listed_array)
    w.env.setdefault(tl, runtime)
    out = gast.Call(func=func, args=args, keywords=[])
    set_anno(out, Key.CALLEE, runtime.listed_array)
    return out


def _at(node: Any, like: Any) -> Any:
    node.lineno = getattr(like, "lineno", None)
    set_anno(node, Key.ORIGIN, get_anno(like, Key.ORIGIN))
    return node
