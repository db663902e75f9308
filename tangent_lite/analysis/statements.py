"""Facts about Wengert statements: :func:`describe` classifies one statement (what
primitive, which inputs carry derivatives); walkers over (nested) Wengert bodies
(:func:`assignments`, :func:`container_vars`, :func:`return_atoms`)."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import numpy as np

from .. import runtime
from .. import syntax as S
from ..errors import TangentLiteError
from ..frontend.anf import NONDIFF_ATTRS, Wengert, is_atom
from ..rules.registry import REGISTRY, Primitive, Registry
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from .callees import bind, bind_user, is_user_function, user_function


@dataclass
class StmtInfo:
    """What a Wengert assignment does, for the derivative passes."""

    # copy | prim | user | getitem | getattr | setitem | push | pop | build | dict | unpack
    # | nondiff | nocall | method | const
    kind: str
    targets: List[str]
    node: Any  # the statement
    value: Any  # its right-hand side
    prim: Optional[Primitive] = None
    bound: Dict[str, Any] = field(default_factory=dict)  # primal parameter -> atom
    inputs: List[Tuple[Any, Any]] = field(default_factory=list)  # (slot, atom) pairs carrying derivatives
    callee: Any = None


def casts(info: StmtInfo) -> bool:
    """Does a primitive call name its result's dtype (``np.asarray(x, dtype=int)``,
    ``np.sum(x, dtype=np.float32)``)?  Its derivatives are then cast like the result (zero for an
    integer or boolean one, which carries none): ``_tl.cast_like``."""
    dtype = info.bound.get("dtype")
    return info.kind == "prim" and dtype is not None and not (isinstance(dtype, gast.Constant) and dtype.value is None)


def local_names(atom: Any) -> Set[str]:
    return {n.id for n in S.walk(atom) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
            and get_anno(n, Key.CALLEE, _NO) is _NO}


_NO = object()


def is_local(atom: Any) -> bool:
    """A Name of a function-local variable (not a resolved global)."""
    return isinstance(atom, gast.Name) and get_anno(atom, Key.CALLEE, _NO) is _NO


def describe(stmt: Any, registry: Registry = REGISTRY) -> StmtInfo:
    """Classify an assignment of the Wengert form."""
    if isinstance(stmt, gast.Expr):  # L.append(x) / L.pop(): list mutations
        lst = stmt.value.func.value
        if is_push(stmt):
            item = stmt.value.args[0]
            inputs = [(None, lst)] + ([("value", item)] if is_local(item) else [])
            return StmtInfo("push", [lst.id], stmt, item, inputs=inputs)
        return StmtInfo("pop", [], stmt, stmt.value, inputs=[(None, lst)])
    tgt = stmt.targets[0]
    value = stmt.value
    if isinstance(tgt, gast.Name) and is_pop(value):
        return StmtInfo("pop", [tgt.id], stmt, value, inputs=[(None, value.func.value)])
    if isinstance(tgt, gast.Subscript):  # x[idx] = v (in place)
        inputs = [(None, tgt.value)] + ([("value", value)] if is_local(value) else [])
        return StmtInfo("setitem", [tgt.value.id], stmt, value, inputs=inputs)
    if isinstance(tgt, gast.Tuple):
        names = [e.id for e in tgt.elts]
        return StmtInfo("unpack", names, stmt, value, inputs=[(None, value)] if is_local(value) else [])
    target = [tgt.id]
    if isinstance(value, gast.Attribute) and is_local(value.value):
        if value.attr in NONDIFF_ATTRS:  # (x.real / x.imag are lowered to np.real / np.imag calls)
            return StmtInfo("nondiff", target, stmt, value)
        return StmtInfo("getattr", target, stmt, value, callee=("attr", value.attr), inputs=[(None, value.value)])
    if is_atom(value):
        if is_local(value):
            return StmtInfo("copy", target, stmt, value, inputs=[(None, value)])
        return StmtInfo("const", target, stmt, value)
    if _spreads(value):  # f(*xs), (*xs, y), f(**kw) of a length or keys not known when lowered
        prim = registry.get(get_anno(value, Key.CALLEE))
        atoms = [n for n in S.walk(value) if isinstance(n, gast.Name) and is_local(n) and n is not value]
        if prim is not None and prim.nondiff:
            return StmtInfo("nondiff", target, stmt, value, prim=prim, callee=prim.fn)
        return StmtInfo("nocall", target, stmt, value, callee=("star", ""), inputs=[(None, a) for a in atoms])
    if isinstance(value, (gast.Tuple, gast.List)):
        return StmtInfo("build", target, stmt, value, inputs=[(i, e) for i, e in enumerate(value.elts) if is_local(e)])
    if isinstance(value, gast.Dict):
        return StmtInfo("dict", target, stmt, value,
                        inputs=[(i, v) for i, v in enumerate(value.values) if is_local(v)])
    if isinstance(value, gast.Subscript):
        if not is_local(value.value) and local_names(value.slice):
            # a module-level object indexed by local values (np.r_[x, y], TABLE[i]): what it
            # computes from them is unknown, so derivatives through it are refused, never zero
            return StmtInfo("nocall", target, stmt, value, callee=get_anno(value.value, Key.CALLEE),
                            inputs=[(None, S.name(n)) for n in sorted(local_names(value.slice))])
        return StmtInfo("getitem", target, stmt, value, inputs=[(None, value.value)] if is_local(value.value) else [])
    if isinstance(value, (gast.Compare, gast.BoolOp, gast.JoinedStr)):
        return StmtInfo("nondiff", target, stmt, value)
    callee = get_anno(value, Key.CALLEE)
    if isinstance(value, gast.Attribute):
        if value.attr in NONDIFF_ATTRS:
            return StmtInfo("nondiff", target, stmt, value)
        return StmtInfo("getattr", target, stmt, value, callee=("attr", value.attr),
                        inputs=[(None, value.value)] if is_local(value.value) else [])
    if isinstance(value, gast.BinOp):
        args, keywords = [value.left, value.right], []
        sequence_op = get_anno(value, Key.SEQUENCE_OP)
        if sequence_op is not None:  # L + M, L * 3 on lists or tuples (anf marks them): their own rules
            callee = sequence_op
            if callee is runtime.seq_repeat and isinstance(value.left, gast.Constant):
                args = [value.right, value.left]  # 3 * L is L * 3
        elif callee is operator.mul and is_local(value.left) and is_local(value.right) \
                and value.left.id == value.right.id and registry.get(np.square) is not None:
            # x * x is differentiated as np.square(x): one term (2 x g) instead of two
            square = registry.get(np.square)
            bound = {square.params[0]: value.left}
            return StmtInfo("prim", target, stmt, value, prim=square, bound=bound,
                            inputs=[(square.params[0], value.left)], callee=np.square)
    elif isinstance(value, gast.UnaryOp):
        args, keywords = [value.operand], []
    elif isinstance(value, gast.Call):
        args, keywords = value.args, value.keywords
        if isinstance(callee, tuple) and callee[0] == "method":
            recv = value.func.value
            atoms = [recv] + list(args) + [k.value for k in keywords]
            return StmtInfo("method", target, stmt, value, callee=callee,
                            inputs=[(None, a) for a in atoms if is_local(a)])
        if callee is None:  # calling a local value
            atoms = [value.func] + list(args) + [k.value for k in keywords]
            return StmtInfo("nocall", target, stmt, value, inputs=[(None, a) for a in atoms if is_local(a)])
    else:  # pragma: no cover - anf only produces the forms above
        raise TangentLiteError(f"unexpected Wengert statement: {S.to_source(stmt)}")
    prim = registry.get(callee)
    atoms = list(args) + [k.value for k in keywords]
    if prim is None and is_user_function(callee):
        fn = user_function(callee)
        bound = bind_user(fn, args, keywords)
        return StmtInfo("user", target, stmt, value, bound=bound, callee=fn,
                        inputs=[(p, a) for p, a in bound.items() if is_local(a)])
    if prim is None:
        if isinstance(callee, type) and issubclass(callee, BaseException):
            return StmtInfo("nondiff", target, stmt, value, callee=callee)
        return StmtInfo("nocall", target, stmt, value, callee=callee,
                        inputs=[(None, a) for a in atoms if is_local(a)])
    if prim.nondiff:
        return StmtInfo("nondiff", target, stmt, value, prim=prim, callee=callee)
    bound = bind(prim, args, keywords, stmt)
    inputs = [(p, a) for p, a in bound.items() if is_local(a) and p not in prim.constant_params]
    return StmtInfo("prim", target, stmt, value, prim=prim, bound=bound, inputs=inputs, callee=callee)


def _spreads(value: Any) -> bool:
    """Does ``value`` (a call or a literal) keep a ``*xs`` or ``**kw`` whose items were not known?"""
    if isinstance(value, (gast.Tuple, gast.List)):
        return any(isinstance(e, gast.Starred) for e in value.elts)
    if isinstance(value, gast.Call):
        return any(isinstance(a, gast.Starred) for a in value.args) or any(k.arg is None for k in value.keywords)
    return False


Described = Dict[int, Tuple[Any, Any, Any, StmtInfo]]  # id(stmt) -> (stmt, its targets, its value, its StmtInfo)


def describe_once(stmt: Any, registry: Registry, memo: Optional[Described]) -> StmtInfo:
    """:func:`describe`, remembered in ``memo`` (when given) for as long as ``stmt`` keeps its
    targets and value: the analyses and the derivative pass of one function ask about every
    statement several times, and a statement they rewrite gets new targets and a new value."""
    if memo is None:
        return describe(stmt, registry)
    targets, value = getattr(stmt, "targets", None), stmt.value
    hit = memo.get(id(stmt))
    if hit is not None and hit[0] is stmt and hit[1] is targets and hit[2] is value:
        return hit[3]
    info = describe(stmt, registry)
    memo[id(stmt)] = (stmt, targets, value, info)
    return info

def container_vars(body: List[Any]) -> Set[str]:
    """Variables holding tuples/lists/dicts built in the function: their derivatives
    add entrywise with ``_tl.add`` instead of ``+``."""
    from .. import runtime

    out: Set[str] = set()
    for stmt in assignments(body):
        if not isinstance(stmt, gast.Assign):  # a list push or pop
            out.add(stmt.value.func.value.id)
            continue
        tgt = stmt.targets[0]
        value = stmt.value
        if is_pop(value):
            out.add(value.func.value.id)
        if isinstance(tgt, gast.Name):
            if isinstance(value, (gast.Tuple, gast.List, gast.Dict)) or get_anno(value, Key.CALLEE) is runtime.append \
                    or get_anno(value, Key.SEQUENCE_OP) is runtime.merge_or:  # (d | e: dicts, with derivatives)
                out.add(tgt.id)
        elif isinstance(tgt, gast.Tuple) and isinstance(value, gast.Name):
            out.add(value.id)
        if isinstance(value, (gast.Subscript, gast.Attribute)) and isinstance(value.value, gast.Name):
            out.add(value.value.id)  # may be a list, dict or record: add leafwise
    changed = True
    while changed:  # copies of containers are containers
        changed = False
        for stmt in assignments(body):
            if not isinstance(stmt, gast.Assign):
                continue
            tgt, value = stmt.targets[0], stmt.value
            if isinstance(value, gast.Call) and get_anno(value, Key.CALLEE) is runtime.copy_value and value.args:
                value = value.args[0]  # x.copy() of a container: a container
            if isinstance(tgt, gast.Name) and isinstance(value, gast.Name) and value.id in out \
                    and tgt.id not in out:
                out.add(tgt.id)
                changed = True
    return out


def is_push(stmt: Any) -> bool:
    """``L.append(x)`` on a local list (as generated code does with its tape)."""
    if not isinstance(stmt, gast.Expr) or not isinstance(stmt.value, gast.Call):
        return False
    func = stmt.value.func
    return (isinstance(func, gast.Attribute) and func.attr == "append" and is_local(func.value)
            and len(stmt.value.args) == 1 and not stmt.value.keywords)


def is_pop(value: Any) -> bool:
    """``L.pop()`` on a local list."""
    return (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and value.func.attr == "pop"
            and is_local(value.func.value) and not value.args and not value.keywords)


def assignments(body: List[Any]) -> Iterator[Any]:
    """Every Assign (and list push) of a (nested) Wengert body, in program order."""
    for stmt in body:
        if isinstance(stmt, gast.Assign) or is_push(stmt) or (isinstance(stmt, gast.Expr) and is_pop(stmt.value)):
            yield stmt
        elif isinstance(stmt, (gast.If, gast.For, gast.While)):
            yield from assignments(stmt.body)
            yield from assignments(stmt.orelse)


def return_atoms(w: Wengert) -> List[Any]:
    ret = w.fdef.body[-1]
    value = ret.value
    return list(value.elts) if isinstance(value, gast.Tuple) else [value]

def index_value(index: Any, slice_name: str = "slice") -> Any:
    """The runtime value of a subscript's index (``1:n`` becomes ``slice(1, n, None)``;
    ``slice_name``: what the builtin is called in the generated code, see ``Wengert.aliases``)."""
    if isinstance(index, gast.Slice):
        parts = [S.deepcopy(p) if p is not None else S.const(None) for p in (index.lower, index.upper, index.step)]
        return S.call(S.name(slice_name), parts)
    if isinstance(index, gast.Tuple):
        return S.tuple_([index_value(e, slice_name) for e in index.elts])
    return S.deepcopy(index)
