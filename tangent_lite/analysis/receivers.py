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
import os
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
    arguments' ranks the code is specialised to (None: the general code, ``tl.source``'s and
    ``adgen``'s, whose checks name the user's file as its comments do), kept as ``w.specialised``."""
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
        operand = callee is runtime.operand or callee is runtime.array_method and len(value.args) == 3
        # (a NumPy function's list operand is checked only when it may hold no array: operator_checks)
        of_list = operand and len(value.args) != 4 and is_local(value.args[0]) and value.args[0].id in built
        if isinstance(stmt, gast.Expr) and (operand or callee is runtime.array_method) and (
                _known(value.args[0], ranks) or of_list):
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

# what Python's operators and builtins call: the operand's own method (by its dunder name), as spelled in messages
_OPERATORS = {operator.add: ("+", "add"), operator.sub: ("-", "sub"), operator.mul: ("*", "mul"),
              operator.truediv: ("/", "truediv"), operator.floordiv: ("//", "floordiv"), operator.mod: ("%", "mod"),
              operator.pow: ("**", "pow"), operator.matmul: ("@", "matmul"), operator.neg: ("-", "neg"),
              operator.pos: ("+", "pos"), pow: ("pow", "pow"), abs: ("abs", "abs"), round: ("round", "round"),
              divmod: ("divmod", "divmod"), float: ("float", "float"), complex: ("complex", "complex"),
              operator.abs: ("abs", "abs"), operator.lt: ("<", "lt"), operator.le: ("<=", "le"),
              operator.gt: (">", "gt"), operator.ge: (">=", "ge"), operator.eq: ("==", "eq"), operator.ne: ("!=", "ne")}
_COMPARISONS = {gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt, gast.GtE: operator.ge,
                gast.Eq: operator.eq, gast.NotEq: operator.ne}


def _plain_value(obj: Any) -> bool:
    """A value whose operators are those of numbers, arrays or Python's containers (their rules'),
    or no value at all (a module, a function, a class)."""
    t = type(obj)
    if runtime.own_behaviour(t) or runtime.own_protocol(t):  # (np.matrix, a user's array subclass or duck array)
        return False
    if isinstance(obj, np.ndarray) and obj.dtype == object:  # (an array of objects: their own operators)
        return False
    if isinstance(obj, numbers.Number) and t.__module__ not in ("builtins", "numpy", "fractions", "decimal"):
        return False  # (a class of the user's registered as numbers.Real, with operators of its own)
    return isinstance(obj, (numbers.Number, np.ndarray, np.generic, list, tuple, dict, set, str, bytes, type,
                            types.ModuleType, np.ufunc)) or inspect.isroutine(obj) or obj is None \
        or t.__module__ == "builtins" or hasattr(t, "__array_function__") \
        or (hasattr(obj, "shape") and hasattr(obj, "dtype"))


def _operation(value: Any) -> Tuple[Any, List[Any]]:
    """(the operator or function ``value`` applies, its operands) for an operator, a comparison or a
    call; (None, []) for anything else."""
    if isinstance(value, gast.Compare) and value.ops and type(value.ops[0]) in _COMPARISONS:
        return _COMPARISONS[type(value.ops[0])], [value.left] + list(value.comparators)
    callee = get_anno(value, Key.CALLEE)
    if not _hashable(callee) or isinstance(value, gast.BinOp) and get_anno(value, Key.SEQUENCE_OP) is not None:
        return None, []  # (L + M on lists: their own rules)
    if isinstance(value, gast.BinOp):
        return callee, [value.left, value.right]
    if isinstance(value, gast.UnaryOp):
        return callee, [value.operand]
    return (callee, list(value.args)) if isinstance(value, gast.Call) else (None, [])


def sequence_entries(w: Wengert) -> Dict[str, List[Any]]:
    """The atoms each list or tuple the function builds may hold: the items of its displays
    (``L = [x, V]``), what ``.append``/``.insert``/``.extend`` and ``_tl.append`` add to it, and the
    entries of the sequences it copies or joins (``L + M``).  NumPy's functions read them as arrays
    (``np.concatenate([x, V])`` dispatches on ``V``): their operands too (:func:`operator_checks`)."""
    built = sequence_vars(w.fdef.body)
    out: Dict[str, List[Any]] = {name: [] for name in built}
    for stmt in assignments(w.fdef.body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and stmt.targets[0].id in built:
            value = stmt.value
            out[stmt.targets[0].id] += [e.value if isinstance(e, gast.Starred) else e for e in value.elts] \
                if isinstance(value, (gast.List, gast.Tuple)) else list(value.args) if isinstance(value, gast.Call) \
                else [value.left, value.right] if isinstance(value, gast.BinOp) else [value]
    for node in S.walk(w.fdef):  # (L.append(v), L.insert(i, v), L.extend(M) on a local list)
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and is_local(node.func.value) \
                and node.func.attr in ("append", "insert", "extend") and node.args and node.func.value.id in out:
            out[node.func.value.id].append(node.args[-1])
    return out


def _held(atom: Any, entries: Dict[str, List[Any]]) -> List[Any]:
    """The atoms the local sequence ``atom`` may hold, and those of the sequences among them."""
    out, seen, todo = [], {atom.id}, list(entries[atom.id])
    while todo:
        a = todo.pop()
        if is_local(a) and a.id in entries:
            if a.id not in seen:
                seen.add(a.id)
                todo.extend(entries[a.id])
        elif isinstance(a, (gast.Name, gast.Attribute)):
            out.append(a)
    return out


def operator_checks(w: Wengert, stmt: Any, plain: Set[str], entries: Optional[Dict[str, List[Any]]] = None) -> Tuple[
        List[TangentLiteError], List[Tuple[str, str]]]:
    """An operator (``a @ v``, ``a // x``, ``a < x``), a builtin that calls its argument's own method
    (``pow``, ``abs``, ``round``, ``divmod``, ``float``), a NumPy or ``math`` function (``np.dot(a, v)``)
    in a statement whose operands carry derivatives (whatever becomes of its result: ``a // x`` of
    numbers is piecewise constant, a user's ``__floordiv__`` need not be), where an operand may be
    an object of the user's class, whose operator is its own Python method (which NumPy's functions
    call too), not the rule's arithmetic: (refusals, for a module-level object; (variable, message)
    run-time checks ``_tl.array_method``, for every local operand not in ``plain``,
    :func:`plain_values`, whatever it came from: ``k = m``, ``L[0]``, ``b.m``, ``for m in L``, a parameter).
    A NumPy function's operands include its keywords' values and what its local list and tuple operands
    hold (``entries``: :func:`sequence_entries`)."""
    callee, atoms = _operation(stmt.value)
    if callee in _OPERATORS:
        symbol, dunder = _OPERATORS[callee]
        sides = [""] if len(atoms) == 1 else ["", "r"] if dunder not in ("lt", "le", "gt", "ge", "eq", "ne") \
            else ["", ""]
        operands = [(a, symbol, f"__{side}{dunder}__") for a, side in zip(atoms, sides)]
    elif _numpy_function(callee) or getattr(callee, "__module__", None) == "math" and callable(callee):
        prefix = "np" if _numpy_function(callee) else "math"
        spelled = f"{prefix}.{getattr(callee, '__name__', 'function')}"
        root = getattr(stmt.value, "func", None)
        while isinstance(root, gast.Attribute):
            root = root.value
        if is_local(root):  # (xp.sin of an array-API namespace: spelled as written, not a call of NumPy's)
            spelled = S.dotted_name(stmt.value.func) or spelled
        operands = [(a, spelled, "") for a in atoms]
        # (its keywords too, weights=V, where only a type of its own protocol is refused: dtype=x.dtype passes)
        operands += [(k.value, spelled, f"{k.arg}=") for k in getattr(stmt.value, "keywords", []) if k.arg]
    elif isinstance(stmt.value, gast.Subscript) and isinstance(stmt.value.ctx, gast.Load):
        # (an index NumPy reads as an array: the derivative's np.add.at(out, i, g) would run i's own protocol)
        index, base = stmt.value.slice, stmt.value.value
        base = getattr(w, "display_names", {}).get(base.id, base.id) if isinstance(base, gast.Name) else "an array"
        operands = [(a, f"indexing {base}[...]", "") for a in (index.elts if isinstance(index, gast.Tuple) else [index])
                    if isinstance(a, (gast.Name, gast.Attribute))]
    else:
        return [], []
    where = w.src.location(stmt)
    # (the general code names the file as its comments do: the same text wherever the file is)
    at = str(where) if w.specialised else f"{os.path.basename(where.filename)}:{where.lineno}"
    errors: List[TangentLiteError] = []
    checks: List[Tuple[str, Tuple[str, str, str, str]]] = []
    entries = entries or {}
    for atom, op, method in list(operands):
        if not method and is_local(atom) and atom.id in entries:  # (a list the function builds: what it holds)
            held = _held(atom, entries)
            operands += [(a, op, "") for a in held if not is_local(a)]  # (module-level: refused now)
            if all(not is_local(a) or a.id in plain for a in held):
                plain = plain | {atom.id}  # (no check of the list: _tl.operand would look into it)
    for atom, op, method in operands:
        obj = get_anno(atom, Key.CALLEE, _NO) if isinstance(atom, (gast.Name, gast.Attribute)) else _NO
        t = type(obj)
        own = "" if obj is _NO else runtime.own_behaviour(t) or runtime.own_protocol(t)
        if obj is not _NO and not method and op.startswith("np.") and runtime.converted_by_numpy(t):
            name = S.dotted_name(atom) or "the module-level object"  # (a PyTorch tensor T in np.dot(T, x))
            errors.append(UnsupportedConstructError(*runtime.converted_message(op, name, t)[:1], where,
                                                    runtime.converted_message(op, name, t)[1]))
        elif obj is not _NO and (own if method.endswith("=") else not _plain_value(obj)):  # (module-level: K, m.K)
            name = S.dotted_name(atom) or "the module-level object"
            what, fix = runtime.operand_message(op, name, method.rstrip("="), t.__qualname__, own)
            # (np.matrix, masked arrays: NumPy's own fix)
            errors.append(UnsupportedConstructError(what, where, runtime.own_array_fix(t, name) or fix))
        elif is_local(atom) and atom.id not in plain:
            # (the message is made by _tl.operand when the check fails, naming the type it finds)
            checks.append((atom.id, (at, op, getattr(w, "display_names", {}).get(atom.id, atom.id), method)))
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
    if isinstance(value, gast.Compare):  # (its operands are checked when one is active: operator_checks)
        operands = [value.left] + list(value.comparators)
        return all(map(atom, operands)) or _operation(value)[0] is not None and _any_active(operands, checked)
    if isinstance(value, gast.Subscript) or isinstance(value, gast.Attribute) and is_local(value.value):
        return atom(value.value)  # a part of an array (whatever the index), its .shape, .size, .T, .real
    return not isinstance(value, (gast.Tuple, gast.List)) and atom(value)


def _any_active(atoms: List[Any], active: Optional[Set[str]]) -> bool:
    return active is not None and any(is_local(a) and a.id in active for a in atoms if a is not None)


def _hashable(obj: Any) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True


_NO = object()
