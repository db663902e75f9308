"""Methods whose meaning depends on the receiver's type, specialised to the arguments' ranks.

The lowering cannot see types: ``v.copy()`` becomes ``_tl.copy_value(v)`` (a list's, a dict's
or an array's copy, decided when it runs) and ``v.dot(w)`` becomes ``np.dot(v, w)`` after a check
``_tl.array_method(v, message)`` that refuses a ``v`` that is no array (a user object with a
``dot`` method).  Where the ranks of the arguments show ``v`` is an array (or a number), the
generated code needs neither::

    _tl.array_method(v, '...')     ->    (dropped)
    _t0 = np.dot(v, w)                   _t0 = np.dot(v, w)
    a = _tl.copy_value(x)          ->    a = np.copy(x)          (x of rank >= 1)

The operands of operators and NumPy functions are checked the same way in the code that runs
(:func:`operator_checks`): ``k * x`` where ``k`` may be an object of the user's class (``k = m``,
``L[0]``, ``b.m``, ``for k in L``) gets ``_tl.array_method(k, message, True)`` before it, unless
``k`` certainly holds an array or a number (:func:`plain_values`)::

    k = m                                        k = m
    _t0 = k * x                          ->      _tl.array_method(k, "...: the '*' operator of 'k' ...", True)
                                                 _t0 = k * x
"""

from __future__ import annotations

import inspect
import numbers
import operator
import types
from typing import Any, Dict, List, Optional, Set, Tuple

import numpy as np

from .. import runtime
from .. import syntax as S
from ..errors import TangentLiteError, UnsupportedConstructError
from ..frontend.anf import Wengert
from ..frontend.sequences import sequence_vars
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno
from .callees import is_user_function
from .statements import assignments, is_local


def specialise(w: Wengert, ranks: Dict[str, Optional[int]], spec: Optional[Tuple[Any, ...]] = None) -> None:
    """Drop the receiver checks and turn ``_tl.copy_value`` into ``np.copy`` where ``ranks`` (of the
    variables of ``w``, see :mod:`shapes`) show the receiver is an array or a number; drop the
    checks of ``v.copy()`` where ``v`` holds a list or dict the function builds.  ``spec``: the
    arguments' ranks the code is specialised to (None: the general code, ``tl.source``'s), kept
    as ``w.specialised`` for :func:`operator_checks`."""
    w.specialised = spec is not None
    _specialise_body(w, w.fdef.body, ranks, _built_containers(w.fdef.body))


def _known(atom: Any, ranks: Dict[str, Optional[int]]) -> bool:
    return is_local(atom) and isinstance(ranks.get(atom.id), int)


def _built_containers(body: List[Any]) -> Set[str]:
    """Variables holding a list or a dict the function builds: displays, comprehensions, list
    concatenations (``sequence_vars``), dict merges ``d | e``, and copies of those."""
    out = set(sequence_vars(body))
    changed = True
    while changed:
        changed = False
        for stmt in assignments(body):
            if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name) \
                    or stmt.targets[0].id in out:
                continue
            value = stmt.value
            if isinstance(value, gast.Call) and get_anno(value, Key.CALLEE) is runtime.copy_value and value.args:
                value = value.args[0]
            if isinstance(value, gast.Dict) or get_anno(value, Key.SEQUENCE_OP) is runtime.merge_or \
                    or (is_local(value) and value.id in out):
                out.add(stmt.targets[0].id)
                changed = True
    return out


def _specialise_body(w: Wengert, body: List[Any], ranks: Dict[str, Optional[int]], built: Set[str]) -> None:
    keep = []
    for stmt in body:
        value = getattr(stmt, "value", None)
        callee = get_anno(value, Key.CALLEE) if isinstance(value, gast.Call) else None
        if isinstance(stmt, gast.Expr) and callee is runtime.array_method and (_known(value.args[0], ranks) or (
                len(value.args) == 3 and is_local(value.args[0]) and value.args[0].id in built)):
            continue
        if isinstance(stmt, gast.Assign) and callee is runtime.copy_value and _known(value.args[0], ranks) \
                and ranks[value.args[0].id] >= 1:
            func = S.attribute(S.name(w.aliases["np"]), "copy")
            set_anno(func, Key.CALLEE, np.copy)
            stmt.value = gast.Call(func=func, args=value.args, keywords=[])
            set_anno(stmt.value, Key.CALLEE, np.copy)
            w.env.setdefault(w.aliases["np"], np)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, gast.FunctionDef):
                _specialise_body(w, inner, ranks, built)
        keep.append(stmt)
    body[:] = keep


# ------------------------------------------------------------------ operators of objects of the user's classes

_OPERATORS = {operator.add: ("+", "add"), operator.sub: ("-", "sub"), operator.mul: ("*", "mul"),
              operator.truediv: ("/", "truediv"), operator.floordiv: ("//", "floordiv"), operator.mod: ("%", "mod"),
              operator.pow: ("**", "pow"), operator.matmul: ("@", "matmul"), operator.neg: ("-", "neg"),
              operator.pos: ("+", "pos"), pow: ("pow", "pow")}


def _plain_value(obj: Any) -> bool:
    """A value whose operators are those of numbers, arrays or Python's containers (their rules'),
    or no value at all (a module, a function, a class)."""
    t = type(obj)
    if runtime.own_behaviour(t):  # (an array subclass with operators of its own: np.matrix, a user's)
        return False
    return isinstance(obj, (numbers.Number, np.ndarray, np.generic, list, tuple, dict, set, str, bytes, type,
                            types.ModuleType, np.ufunc)) or inspect.isroutine(obj) or obj is None \
        or t.__module__ == "builtins" or hasattr(t, "__array_function__") \
        or (hasattr(obj, "shape") and hasattr(obj, "dtype"))


def _user_class(callee: Any) -> bool:
    """A class of the user's whose instances may have operators of their own."""
    if not isinstance(callee, type) or issubclass(callee, (numbers.Number, np.ndarray, np.generic, list, tuple,
                                                           dict, set, str, bytes, BaseException)):
        return False
    module = getattr(callee, "__module__", "") or ""
    return module != "builtins" and not module.startswith(("numpy", "tangent_lite"))


def operator_checks(w: Wengert, stmt: Any, info: Any, plain: Set[str],
                    constructed: Set[str]) -> Tuple[List[TangentLiteError], List[Tuple[str, str]]]:
    """An arithmetic operator (``a @ v``, ``a * x``) or a NumPy function (``np.dot(a, v)``) with
    derivatives whose operand may be an object of the user's class, whose operator is its own Python
    method (which NumPy's functions call too), not the rule's arithmetic: (refusals, for a
    module-level object; (variable, message) run-time checks ``_tl.array_method``).  In code that runs
    (``w.specialised``), every local operand not in ``plain`` (:func:`plain_values`) is checked,
    whatever it came from (``k = m``, ``L[0]``, ``b.m``, ``for m in L``); the general code,
    tl.source's, checks only the objects the function constructs."""
    if info.kind != "prim" or not _hashable(info.callee):
        return [], []
    value = info.value
    if info.callee in _OPERATORS:
        symbol, dunder = _OPERATORS[info.callee]
        if isinstance(value, gast.UnaryOp):
            operands = [(value.operand, "")]
        elif isinstance(value, gast.BinOp):
            operands = [(value.left, ""), (value.right, "r")]
        else:  # operator.mul(a, b) called by name
            operands = list(zip(getattr(value, "args", [])[:2], ("", "r")))
        texts = [(f"the '{symbol}' operator of '{{name}}' is differentiated as that of numbers and arrays, but "
                  "'{name}' is a {type}",
                  "call the method as a function of the object, {type}."
                  + (f"__{side}{dunder}__" if side or len(operands) == 2 else f"__{dunder}__")
                  + "({name}, ...), which is differentiated like any Python function") for _, side in operands]
    elif _numpy_function(info.callee) and isinstance(value, gast.Call):
        operands = [(a, "") for a in value.args]  # (not its keywords: options such as dtype=x.dtype)
        spelled = f"np.{getattr(info.callee, '__name__', 'function')}"
        texts = [(f"{spelled} is differentiated as NumPy's function of numbers and arrays, but its argument "
                  "'{name}' is a {type} (NumPy would call the {type}'s own methods)",
                  f"pass an array or a number to {spelled}, or call the {{type}}'s own method as a function "
                  "({type}.<method>({name}, ...)), which is differentiated like any Python function")] * len(operands)
    else:
        return [], []
    where = w.src.location(stmt)
    errors: List[TangentLiteError] = []
    checks: List[Tuple[str, str]] = []
    for (atom, _), (what, fix) in zip(operands, texts):
        obj = get_anno(atom, Key.CALLEE, _NO) if isinstance(atom, (gast.Name, gast.Attribute)) else _NO
        if obj is not _NO and not _plain_value(obj):  # (module-level: K, or module.K)
            name, tname = S.dotted_name(atom) or "the module-level object", type(obj).__qualname__
            errors.append(UnsupportedConstructError(  # (np.matrix, masked arrays: NumPy's own fix)
                what.format(name=name, type=tname), where,
                runtime.own_array_fix(type(obj), name) or fix.format(name=name, type=tname)))
        elif is_local(atom) and (atom.id not in plain if w.specialised else atom.id in constructed):
            shown = getattr(w, "display_names", {}).get(atom.id, atom.id)
            # ('{type}' is left for _tl.array_method to fill in with the type it finds)
            checks.append((atom.id, f"{where}: {what.format(name=shown, type='{type}')}\nTo fix: "
                                    f"{fix.format(name=shown, type='{type}')}"))
    return errors, checks


def _numpy_function(callee: Any) -> bool:
    return isinstance(callee, np.ufunc) or (inspect.isroutine(callee) and str(
        getattr(callee, "__module__", "") or "").startswith("numpy"))


_SURE_NUMBERS = {len, float, int, bool}  # (Python makes their results numbers, whatever the argument)
# NumPy's functions that return tuples or lists (of arrays), not an array
_NUMPY_CONTAINERS = {"shape", "split", "array_split", "hsplit", "vsplit", "dsplit", "meshgrid", "broadcast_arrays",
                     "atleast_1d", "atleast_2d", "atleast_3d", "nonzero", "where", "gradient", "unique", "histogram",
                     "histogram2d", "histogramdd", "ix_", "eig", "eigh", "svd", "qr", "slogdet", "lstsq", "divmod",
                     "modf", "frexp", "unravel_index", "indices", "tril_indices", "triu_indices", "diag_indices"}


def plain_values(w: Wengert, ranks: Dict[str, Optional[int]], active: Set[str] = frozenset()) -> Set[str]:
    """The local variables that certainly hold arrays or numbers, whatever the arguments are:
    parameters whose rank the code is specialised to, items of list, tuple and dict parameters of
    known rank (:mod:`items`), loop counters, and what NumPy's functions, operators, indexing,
    ``len``/``float``/... make from those, constants and module-level arrays and numbers::

        y = x.reshape(-1)      (x of rank 1: y is an array, though of unknown rank)     plain
        W = params["W"]        (params a dict argument whose 'W' is a matrix)           plain
        k = m                  (m a parameter of unknown rank: maybe a user object)      not plain
        s = np.sum(m)          (np.sum calls m.sum(): its rank, 0, proves nothing)       not plain
        y = np.tanh(k * x)     (x active: k is checked before '*', so the product is an array)  plain

    (``active``: the variables with derivatives, whose operators' and NumPy functions' operands are
    checked (:func:`operator_checks`): what those make is an array or a number.)
    """
    made: Dict[str, List[Any]] = {}
    targets = set()
    params = set(w.params)
    for stmt in assignments(w.fdef.body):
        target, value = (stmt.targets[0], stmt.value) if isinstance(stmt, gast.Assign) else (None, None)
        if isinstance(target, gast.Name):
            made.setdefault(target.id, []).append(value)
            targets.add(id(target))
        elif isinstance(target, gast.Tuple) and is_local(value):  # a, b = p: p[0], p[1]
            for i, name in enumerate(target.elts):
                if isinstance(name, gast.Name):
                    made.setdefault(name.id, []).append(gast.Subscript(value=value, slice=gast.Constant(
                        value=i, kind=None), ctx=gast.Load()))
                    targets.add(id(name))
    counters = {n.target.id for st in w.fdef.body for n in S.walk(st)
                if isinstance(n, gast.For) and isinstance(n.target, gast.Name)}  # (range loops: ints)
    other = {n.id for st in w.fdef.body for n in S.walk(st) if isinstance(n, gast.Name)
             and not isinstance(n.ctx, gast.Load) and id(n) not in targets} - counters
    given = {p for p in params if isinstance(ranks.get(p), int)}  # (from the arguments' values)
    plain = (set(made) | given | counters) - other - (params - given)
    changed = True
    while changed:
        changed = False
        for var in sorted(plain - counters):
            ranked = isinstance(ranks.get(var), int)
            checked = active if var in active else None
            if not all(_makes_plain(v, plain, params, ranked, made, checked) for v in made.get(var, ())):
                plain.discard(var)
                changed = True
    return plain


def _makes_plain(value: Any, plain: Set[str], params: Set[str], ranked: bool, made: Dict[str, List[Any]],
                 checked: Optional[Set[str]] = None) -> bool:
    """(``checked``: the active variables, if ``value``'s target is one: an operator or a NumPy
    function with an active operand has its operands checked, so it makes an array or a number.)"""
    def atom(a: Any) -> bool:
        if isinstance(a, gast.Constant):
            return True
        if is_local(a):
            return a.id in plain
        if isinstance(a, (gast.Tuple, gast.List)):  # (an argument: np.reshape(x, (2, 3)))
            return all(atom(e) for e in a.elts)
        obj = get_anno(a, Key.CALLEE, _NO)  # (module-level: a number, an array, a type, a function, ...)
        return obj is not _NO and _plain_value(obj) and not isinstance(obj, (list, tuple, dict, set))

    def helper_result(v: Any) -> bool:  # (what a user function returns, given arrays and numbers)
        return isinstance(v, gast.Call) and is_user_function(get_anno(v, Key.CALLEE)) \
            and all(atom(a) for a in v.args) and all(atom(k.value) for k in v.keywords)

    if ranked and isinstance(value, gast.Subscript) and is_local(value.value) and (
            value.value.id in params or made.get(value.value.id) and all(map(helper_result, made[value.value.id]))):
        return True  # an item of a parameter, whose rank the arguments' values gave (items.py), or of a
    if ranked and helper_result(value):  # helper's result: its rank from its body given arrays and numbers
        return True
    callee = get_anno(value, Key.CALLEE)
    if isinstance(value, gast.Call):
        if _hashable(callee) and callee in _SURE_NUMBERS or getattr(callee, "__module__", None) == "math":
            return True  # (Python's int, float, len and math's functions return numbers, or raise)
        array = _numpy_function(callee) and getattr(callee, "__name__", "") not in _NUMPY_CONTAINERS \
            and not str(getattr(callee, "__module__", "") or "").startswith("numpy.ma") \
            or callee is abs or callee is round or callee is max or callee is min  # (of arrays and numbers)
        operands = list(value.args) + [k.value for k in value.keywords]
        return array and (all(map(atom, operands)) or _any_active(value.args, checked))
    if isinstance(value, (gast.BinOp, gast.UnaryOp)) and _hashable(callee) and callee in _OPERATORS \
            and _any_active([getattr(value, f, None) for f in ("left", "right", "operand")], checked):
        return True  # (its operands are checked: operator_checks)
    if isinstance(value, gast.BinOp):
        return callee in _OPERATORS and atom(value.left) and atom(value.right)
    if isinstance(value, gast.UnaryOp):
        return callee in _OPERATORS and atom(value.operand)
    if isinstance(value, gast.Compare):
        return atom(value.left) and all(atom(c) for c in value.comparators)
    if isinstance(value, gast.Subscript) or isinstance(value, gast.Attribute) and is_local(value.value):
        return atom(value.value)  # a part of an array (whatever the index), its .shape, .size, .T, .real
    return not isinstance(value, (gast.Tuple, gast.List)) and atom(value)


def _any_active(atoms: List[Any], active: Optional[Set[str]]) -> bool:
    return active is not None and any(is_local(a) and a.id in active for a in atoms if a is not None)


def constructed_objects(body: List[Any]) -> Set[str]:
    """Variables assigned an instance of a class of the user's (``o = Lin(w)``), and the items of
    lists and dicts the function builds (``L = [Lin(w)]; L[0] @ x``), which may be such objects."""
    built = _built_containers(body)
    return {stmt.targets[0].id for stmt in assignments(body)
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and (
                isinstance(stmt.value, gast.Call) and _user_class(get_anno(stmt.value, Key.CALLEE))
                or isinstance(stmt.value, gast.Subscript) and is_local(stmt.value.value)
                and stmt.value.value.id in built)}


def insert_check(w: Wengert, stmt: Any, name: str, message: str) -> None:
    """Put ``_tl.array_method(name, message, True, shown_name)`` before ``stmt`` in ``w`` (unless a check of
    ``name`` is there already: ``v.dot(u)``'s, or the other operand's of ``m * m``)."""
    func = S.attribute(S.name(w.aliases["_tl"]), "array_method")
    set_anno(func, Key.CALLEE, runtime.array_method)
    shown = getattr(w, "display_names", {}).get(name, name)
    call = S.call(func, [S.name(name), S.const(message), S.const(True), S.const(shown)])
    set_anno(call, Key.CALLEE, runtime.array_method)
    check = gast.Expr(value=call)
    check.lineno = getattr(stmt, "lineno", None)
    set_anno(check, Key.ORIGIN, get_anno(stmt, Key.ORIGIN))
    w.env.setdefault(w.aliases["_tl"], runtime)
    body = _enclosing(w.fdef.body, stmt)
    at = next(i for i, st in enumerate(body) if st is stmt)
    before = body[at - 1].value if at and isinstance(body[at - 1], gast.Expr) else None
    if isinstance(before, gast.Call) and get_anno(before, Key.CALLEE) is runtime.array_method \
            and isinstance(before.args[0], gast.Name) and before.args[0].id == name:
        return
    body.insert(at, check)


def _enclosing(body: List[Any], stmt: Any) -> List[Any]:
    for st in body:
        if st is stmt:
            return body
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(st, field, None)
            if isinstance(inner, list) and not isinstance(st, gast.FunctionDef):
                found = _enclosing(inner, stmt)
                if found is not None:
                    return found
    return None  # type: ignore[return-value]


def _hashable(obj: Any) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True


_NO = object()
