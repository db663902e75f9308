"""Lists and tuples the function builds: which variables may hold one
(:func:`sequence_vars`, also the alias model's view of ``+`` and ``*``, see
``analysis.aliases``), and the ``L + M`` / ``L * 3`` of the lowered form that concatenate
and repeat them (:func:`mark_sequence_ops`).  Syntactic walks over the Wengert form."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, List, Set

from .. import runtime
from .. import syntax as S
from ..syntax import gast
from ..syntax.annotations import Key, get_anno, set_anno

_NO = object()


def _locals_in(node: Any) -> List[str]:
    return [n.id for n in S.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
            and get_anno(n, Key.CALLEE, _NO) is _NO]


_SEQUENCE_MAKERS = (list, tuple, sorted)


def sequence_vars(body: List[Any]) -> Set[str]:
    """Variables that may hold a list or tuple the function builds (displays, ``list(...)``,
    comprehensions, ``+``/``*`` of those, copies of those, ``.copy()`` of those, ``_tl.listed_array(L, n)``
    of those, which stays a list unless ``n`` is an array): arithmetic on anything else makes a new
    array or number."""
    from .. import runtime

    out: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for stmt in _assignments(body):
            if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name):
                continue
            value, name = stmt.value, stmt.targets[0].id
            if name in out:
                continue
            callee = get_anno(value, Key.CALLEE, None) if isinstance(value, gast.Call) else None
            if isinstance(value, (gast.List, gast.Tuple)) or (_hashable(callee) and (
                    callee in _SEQUENCE_MAKERS or callee is runtime.append)) \
                    or (callee is runtime.listed_array and len(value.args) == 2) \
                    or (isinstance(value, (gast.BinOp, gast.Name)) and set(_locals_in(value)) & out) \
                    or (callee is runtime.copy_value and set(_locals_in(value)) & out):
                out.add(name)
                changed = True
    return out


_CONTAINER_MAKERS = (list, tuple, dict, sorted)


def container_vars(body: List[Any], params: Iterable[str] = (), tuples: bool = True) -> Set[str]:
    """Variables that surely hold a list, tuple or dict the function builds, wherever they are
    read: every assignment to them is a display, ``list(...)``, ``tuple(...)``, ``dict(...)``,
    ``sorted(...)``, or a copy, slice (``L[1:]``), merge (``d | e``) or concatenation (``L + M``)
    of such variables (:func:`every_binding`).  (A slice of one is a new container; an item stored
    into one re-binds that item, it changes no array.)  Unlike :func:`sequence_vars` (which may hold
    one), a variable also bound to anything else, a parameter, a loop or unpacking target is not one.
    ``tuples=False``: only lists and dicts (whose items can be replaced in place)."""
    from .. import runtime

    displays = (gast.List, gast.Tuple, gast.Dict) if tuples else (gast.List, gast.Dict)
    makers = _CONTAINER_MAKERS if tuples else tuple(m for m in _CONTAINER_MAKERS if m is not tuple)

    def made(value: Any, out: Set[str]) -> bool:
        callee = get_anno(value, Key.CALLEE, None) if isinstance(value, gast.Call) else None
        if isinstance(value, displays) or _hashable(callee) and (callee in makers or callee is runtime.append):
            return True
        if isinstance(value, gast.Name):
            return value.id in out
        if callee is runtime.copy_value:
            return bool(value.args) and made(value.args[0], out)
        if isinstance(value, gast.Subscript):
            return isinstance(value.slice, gast.Slice) and made(value.value, out)
        if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.BitOr)):
            return made(value.left, out) and made(value.right, out)
        return False

    return every_binding(body, made, params)


def every_binding(body: List[Any], made: Callable[[Any, Set[str]], bool], params: Iterable[str] = ()) -> Set[str]:
    """The variables of ``body`` whose every binding is an ``=`` of a value ``made(value, sure)``
    accepts (``sure``: the variables kept so far, for copies ``b = a``): never one of ``params``, a
    loop variable, an unpacked name or a ``with ... as`` name.  The largest such set."""
    simple: Dict[str, List[Any]] = {}
    other: Set[str] = set(params)
    for stmt in _all_statements(body):
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name):
            simple.setdefault(stmt.targets[0].id, []).append(stmt.value)
            continue
        for field in ("targets", "target", "items", "args"):
            for n in S.walk(gast.Tuple(elts=_as_list(getattr(stmt, field, None)), ctx=gast.Load())):
                if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param)):
                    other.add(n.id)
    sure = set(simple) - other
    while True:
        kept = {v for v in sure if all(made(x, sure) for x in simple[v])}
        if kept == sure:
            return sure
        sure = kept


def surely_dicts(body: List[Any], params: Iterable[str] = ()) -> Set[str]:
    """The variables that hold a dict whenever they hold anything (:func:`every_binding`): a display,
    ``dict(...)``, a merge ``d | e`` or a copy of one (``list(d)`` of one is its keys)."""

    def a_dict(value: Any, sure: Set[str]) -> bool:
        callee = get_anno(value, Key.CALLEE, None) if isinstance(value, gast.Call) else None
        if callee is runtime.copy_value and value.args:
            value = value.args[0]
        return isinstance(value, gast.Dict) or callee is dict or isinstance(value, gast.Name) and value.id in sure \
            or isinstance(value, gast.BinOp) and isinstance(value.op, gast.BitOr)

    return every_binding(body, a_dict, params)


def dict_vars(body: List[Any]) -> Set[str]:
    """Variables that hold a dict somewhere (for messages): bound to a dict display, ``dict(...)``
    or a merge ``d | e``, or indexed by a string (``d['k']``)."""
    out: Set[str] = set()
    for stmt in _all_statements(body):
        for node in S.walk(stmt):
            if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name) \
                    and isinstance(node.slice, gast.Constant) and isinstance(node.slice.value, str):
                out.add(node.value.id)
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            value = stmt.value
            if isinstance(value, gast.Dict) or isinstance(value, gast.BinOp) and isinstance(value.op, gast.BitOr) \
                    or isinstance(value, gast.Call) and get_anno(value, Key.CALLEE, None) is dict:
                out.add(stmt.targets[0].id)
    return out


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [v for v in (getattr(v, "optional_vars", v) for v in items) if v is not None]


def _all_statements(body: List[Any]) -> Iterator[Any]:
    for stmt in body:
        yield stmt
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _all_statements(inner)


def _hashable(obj: Any) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True


def _assignments(body: List[Any]) -> Iterator[Any]:
    for stmt in body:
        if isinstance(stmt, (gast.Assign, gast.Expr)):
            yield stmt
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, gast.FunctionDef):
                yield from _assignments(inner)


def mark_sequence_ops(body: List[Any]) -> None:
    """``L + M`` and ``L * 3`` where an operand may hold a list or tuple the function builds
    (:func:`sequence_vars`) concatenate and repeat: marked for their own rules
    (``runtime.seq_concat`` / ``seq_repeat``, whose derivatives cut and sum pieces); every ``a | b``
    is marked ``runtime.merge_or``: with derivatives, its operands are dicts that merge."""
    sequences = sequence_vars(body)
    built = container_vars(body)  # (surely lists or tuples: L * n repeats them, whatever n's name)
    for stmt in _assignments(body):
        value = getattr(stmt, "value", None)
        if not isinstance(value, gast.BinOp) or not isinstance(stmt, gast.Assign):
            continue
        if isinstance(value.op, gast.BitOr):  # d | e merges dicts (integers' and booleans' have no derivative)
            set_anno(value, Key.SEQUENCE_OP, runtime.merge_or)
            continue
        names = {n.id for n in (value.left, value.right) if isinstance(n, gast.Name)}
        if not names & sequences:
            continue
        if isinstance(value.op, gast.Add):
            set_anno(value, Key.SEQUENCE_OP, runtime.seq_concat)
        elif isinstance(value.op, gast.Mult) and (names & built or any(
                isinstance(n, gast.Constant) and type(n.value) is int for n in (value.left, value.right))):
            set_anno(value, Key.SEQUENCE_OP, runtime.seq_repeat)
