"""Changes, in place, to containers that are not local to the call: refused when the value
stored carries derivatives (:func:`outside_write_errors`).

Derivatives follow values through assignments and calls.  A module-level array, an attribute
of a module-level object, a closure cell's list or a helper's default argument is read by the
generated code as a constant; if the differentiated function, or any user function it calls
(helpers of helpers and methods too), stores a value that depends on the inputs into it, what
reads the container afterwards sees a constant, and derivatives would be silently wrong::

    G = np.zeros(3)
    def fill(x):
        G[0] = x[0] ** 2        # refused at the call of fill: return the value instead
    def f(x):
        fill(x)
        return np.sum(G * x)

Storing values without derivatives is fine (a counter, a string, ``tl.stop_gradient(v)`` in a
log; the reverse sweep keeps such stores: :mod:`.outside_stores`).  What an expression reaches
(``getattr(B, 'arr')``, ``arr = get_g()``, ``s = [G]; s[0]``, a lambda's default) is found by
:mod:`.reached_memory`.  The source of every function reached is read (its ``global``/``nonlocal`` declarations,
its nested scopes, local names that alias non-local memory), and its ``__code__`` is guarded
(a cached derivative is not reused after an edit of a helper it calls)."""

from __future__ import annotations

import inspect
import io
import tokenize
import types
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from .. import syntax as S
from ..errors import Location, TangentLiteError, UnsupportedConstructError
from ..frontend.anf import NONDIFF_ATTRS, Wengert
from ..frontend.lowering.common import _OP_SYMBOLS
from ..rules import purity
from ..rules.registry import REGISTRY
from ..syntax import gast
from .callees import is_user_function, user_function
from .mutations import _out_position, _writes_to_parameters
from .reached_memory import (
    MAX_FUNCTIONS,
    Bound,
    Path,
    Reach,
    constant_result,
    reached_object,
    registered,
    shared_default,
)
from .scopes import MISSING, NESTED, Scope, function_scopes, namespace_value, own_nodes, static_attr

_MISSING = MISSING

# methods that change their receiver in place (arrays, lists, dicts, sets, deques)
WRITING_METHODS = frozenset(purity.IN_PLACE_METHODS) | {
    "append", "appendleft", "extendleft", "pop", "add", "discard", "__setitem__", "__iadd__", "__imul__"}
_KINDS = {
    "module": "the module-level '{c}'",
    "closure": "'{c}', a variable of an enclosing function (a closure cell)",
    "default": "the default value of the parameter '{c}' (one object shared by every call)",
}


@dataclass
class Write:
    """A change to non-local memory of a value that carries derivatives."""

    where: Location
    what: str  # "changes the module-level 'G' in place" ...
    calls: List[Tuple[str, Location]]  # (function called, where), from the differentiated function down
    constant: str = ""  # a change without derivatives the derivative code would not make: the fix


def outside_write_errors(w: Wengert, wrt: Sequence[str], skip_lines: Set[int]) -> List[TangentLiteError]:
    """The changes the function of ``w`` and the user functions it calls (transitively) make
    to memory that is not local to the call, storing values that depend on ``wrt``; one
    error each, at the line of the differentiated function where it starts (a call, or the
    write itself), unless another refusal is already there (``skip_lines``)."""
    if not wrt:
        return []
    scanner = _Scanner(w.guards)
    bounds = {p: Bound(varied=p in wrt) for p in _Body.param_names(w.src.node)}
    writes = _Body(scanner, w.fn, w.src, bounds, None, top=True).run()
    out: List[TangentLiteError] = []
    seen: Set[Tuple[int, str, int]] = set()
    for write in writes:
        start = write.calls[0][1] if write.calls else write.where
        key = (start.lineno, write.where.filename, write.where.lineno)
        if start.lineno in skip_lines or key in seen:
            continue
        seen.add(key)
        out.append(_error(write, start))
    return out


def _code(line: str) -> str:
    """A source line without its comment."""
    try:
        comments = [t for t in tokenize.generate_tokens(io.StringIO(line.strip()).readline)
                    if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return line.strip()
    return line.strip()[:comments[0].start[1]].rstrip() if comments else line.strip()


def _error(write: Write, start: Location) -> TangentLiteError:
    at = f"at {write.where} ({_code(write.where.text)})"
    if write.constant:
        chain = "".join(f", in '{name}' called at {where}" for name, where in write.calls)
        return UnsupportedConstructError(f"'{_code(write.where.text)}'{chain and f' (at {write.where}'}"
                                         f"{chain}{chain and ')'} {write.what}", start, write.constant)
    if not write.calls:
        return UnsupportedConstructError(
            f"'{_code(write.where.text)}' {write.what} with a value that carries derivatives: derivatives cannot "
            "follow changes to memory outside the function (what reads it afterwards sees a constant)", start,
            "compute with a local copy (a = np.array(G)) and return what you need, or store tl.stop_gradient(...) "
            "of the value if the container only records values (a log)")
    helper = write.calls[-1][0]
    chain = "".join(f", which calls '{name}' at {where}" for name, where in write.calls[1:])
    subject = f"'{helper}'" if len(write.calls) == 1 else f"'{write.calls[0][0]}' (called here){chain}: '{helper}'"
    called = " (called here)" if len(write.calls) == 1 else ""
    return UnsupportedConstructError(
        f"{subject}{called} {write.what} {at}, storing a value that carries derivatives: derivatives cannot "
        "follow changes a called function makes to memory outside it (what reads it afterwards sees a constant)",
        start,
        f"make '{helper}' return the value instead of storing it, and use what it returns; or store "
        "tl.stop_gradient(...) of the value if the container only records values (a log)")


class _Scanner:
    """What is shared while the functions reached from one differentiated function are read:
    results per (function, binding of its parameters), the calls being followed, the guards."""

    def __init__(self, guards: Optional[Dict[Any, Any]]):
        self.guards = guards
        self.memo: Dict[Any, List[Write]] = {}
        self.returns: Dict[Any, Optional[Tuple[str, str]]] = {}  # what user functions return: _Body.returned
        self.read = 0

    def follow(self, fn: Any, bounds: Dict[str, Bound], path: Optional[Path]) -> List[Write]:
        if path is not None and self.guards is not None:  # an edit of fn makes the derivative again
            self.guards.setdefault((path[0], path[1], path[2] + ("__code__",)), fn.__code__)
        key = (fn.__code__, tuple(sorted((n, b.varied, b.outside, id(b.obj)) for n, b in bounds.items())))
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = []  # (recursion: a function being read reaches itself)
        self.read += 1
        if self.read > MAX_FUNCTIONS:
            return []
        try:
            src = S.load_function(fn)
        except TangentLiteError:
            return []  # no source to read: a call whose result is discarded is refused by mutations.py
        try:
            self.memo[key] = _Body(self, fn, src, bounds, path, top=False).run()
        except TangentLiteError:
            raise
        except Exception:  # noqa: BLE001 - source this reading does not handle: as without source
            self.memo[key] = []
        return self.memo[key]


class _Body(Reach):
    """One function's source read for writes to non-local memory: which names carry derivatives
    (flow-insensitive, through assignments, in-place changes and calls), which local names alias
    non-local memory, and the writes."""

    def __init__(self, scanner: _Scanner, fn: Any, src: Any, bounds: Dict[str, Bound], path: Optional[Path],
                 top: bool):
        self.scanner, self.fn, self.src, self.bounds, self.path, self.top = scanner, fn, src, bounds, path, top
        self.scopes = list(function_scopes(src.node).values())
        self.root = self.scopes[0]
        self.varied: Set[Tuple[int, str]] = {(id(self.root.node), p) for p, b in bounds.items() if b.varied}
        self.aliases: Dict[Tuple[int, str], Tuple[str, str]] = {}
        self.holders: Set[Tuple[int, str]] = set()  # aliases that are local containers holding such memory
        self.item_aliases: Set[Tuple[int, str]] = set()  # aliases bound to an item of it (for v in G, v, w = T)
        self.links: Set[Tuple[Tuple[int, str], Tuple[int, str]]] = set()
        self.freevars = set(getattr(getattr(fn, "__code__", None), "co_freevars", ()))

    @staticmethod
    def param_names(node: Any) -> List[str]:
        return Scope(node, None).params

    def run(self) -> List[Write]:
        with S.recursion_room(getattr(self.src, "depth", 0) * 3):  # (is_varied recurses on expressions)
            return self._run()

    def _run(self) -> List[Write]:
        escaped = self._escaped_defs()
        for child in self.scopes[1:]:  # a nested def's or lambda's default value (lambda v, acc=LOG: ...)
            self.default_aliases(child)
        for _ in range(50):  # to a fixed point
            before = len(self.varied)
            for scope in self.scopes:
                for node in scope.nodes:
                    self._flow(node, scope)
            for a, b in self.links:
                if a in self.varied or b in self.varied:
                    self.varied |= {a, b}
            for child in escaped:  # a nested def passed on: called with anything
                if self.varied:
                    self.varied |= {(id(child.node), p) for p in child.params}
            if len(self.varied) == before:
                break
        writes: List[Write] = []
        for scope in self.scopes:  # (enclosing scopes first: a nested def sees their aliases as they end)
            body = [scope.node.body] if isinstance(scope.node, gast.Lambda) else scope.node.body
            writes += self._in_order(body, scope, False)
        return writes

    def _in_order(self, stmts: List[Any], scope: Scope, nested: bool) -> List[Write]:
        """The writes of ``stmts`` in the order they run, knowing which local names alias non-local
        memory there (``a = G``: until ``a`` is given a new value in straight-line code; an alias
        made in a branch or a loop is kept after it)."""
        out: List[Write] = []
        for st in stmts:
            for node in own_nodes(st):
                out += self._writes(node, scope)
                self.collected(node, scope)
                if isinstance(node, gast.NamedExpr):  # (v := G): v aliases G from here on
                    self._alias(node.target, node.value, scope, True)
            if isinstance(st, (gast.Assign, gast.AnnAssign)) and st.value is not None:
                for t in getattr(st, "targets", None) or [st.target]:
                    self._alias(t, st.value, scope, nested)
            elif isinstance(st, (gast.For, gast.AsyncFor)):
                self._alias(st.target, st.iter, scope, True, items=True)
            if not isinstance(st, gast.stmt):  # a lambda's body (an IfExp has a body and an orelse too)
                continue
            blocks = [getattr(st, f, None) or [] for f in ("body", "orelse", "finalbody")]
            blocks += [h.body for h in getattr(st, "handlers", None) or []]
            if isinstance(st, NESTED):
                continue
            if isinstance(st, (gast.For, gast.AsyncFor, gast.While)):
                out += self._loop(blocks, scope, nested)
            else:
                for block in blocks:
                    out += self._in_order(block, scope, True)
        return out

    def _loop(self, blocks: List[List[Any]], scope: Scope, nested: bool) -> List[Write]:
        """A loop's blocks, twice (the second pass sees what the first left).  In an iteration its
        statements run in order (``s = s.copy()`` before ``s[i] = v`` ends the alias); after each
        pass the aliases from before come back (zero iterations, an early exit)."""
        out: List[Write] = []
        for _ in range(2):
            before = dict(self.aliases), set(self.holders), set(self.item_aliases)
            out += [w for block in blocks for w in self._in_order(block, scope, nested)]
            for key in before[0].keys() - self.aliases.keys():
                self.aliases[key] = before[0][key]
                self.holders |= {key} & before[1]
                self.item_aliases |= {key} & before[2]
        return out

    def _alias(self, target: Any, value: Any, scope: Scope, nested: bool, items: bool = False) -> None:
        if isinstance(target, (gast.Tuple, gast.List)):
            pairs = isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts)
            for i, elt in enumerate(target.elts):
                self._alias(elt, value.elts[i] if pairs else value, scope, nested, items or not pairs)
        elif isinstance(target, gast.Starred):
            self._alias(target.value, value, scope, nested, items)
        elif isinstance(target, gast.Name):
            key = self._key(target.id, scope)
            where, holder = self.aliased(value, scope, items)
            if key is not None and where is not None:
                self.aliases[key] = where
                (self.holders.add if holder else self.holders.discard)(key)
                item = items and self._holder_of(value, scope) is None  # (for v in [G]: v is G)
                (self.item_aliases.add if item else self.item_aliases.discard)(key)
            elif key is not None and not nested:
                self.aliases.pop(key, None)

    # ------------------------------------------------------------------ names

    def _key(self, name: str, scope: Scope) -> Optional[Tuple[int, str]]:
        owner = scope.owner(name)
        return None if owner is None else (id(owner.node), name)

    def _local_def(self, name: str, scope: Scope) -> Optional[Scope]:
        owner = scope.owner(name)
        if owner is None:
            return None
        return next((c for c in owner.children if getattr(c.node, "name", None) == name), None)

    def _escaped_defs(self) -> List[Scope]:
        called = {id(n.func) for s in self.scopes for n in s.nodes if isinstance(n, gast.Call)}
        out = []
        for scope in self.scopes:
            for n in scope.nodes:
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and id(n) not in called:
                    child = self._local_def(n.id, scope)
                    if child is not None:
                        out.append(child)
        return out + [s for s in self.scopes if isinstance(s.node, gast.Lambda)]

    def resolve(self, e: Any, scope: Scope) -> Tuple[Any, Optional[Path]]:
        """The object a name or attribute chain stands for when it is known without running the
        function (a free name, an attribute of one, a parameter bound to a known object)."""
        if isinstance(e, gast.Attribute):
            obj, path = self.resolve(e.value, scope)
            if obj is _MISSING:
                return _MISSING, None
            return static_attr(obj, e.attr), (None if path is None else (path[0], path[1], path[2] + (e.attr,)))
        if not isinstance(e, gast.Name):
            return _MISSING, None
        owner = scope.owner(e.id)
        if owner is not None:
            b = self.bounds.get(e.id) if owner is self.root else None
            return (b.obj, b.path) if b is not None else (_MISSING, None)
        where = "cell" if e.id in self.freevars else "global"
        obj = namespace_value(self.fn, where, e.id)
        if self.top:
            return obj, (where, e.id, ())
        return obj, None if self.path is None else (
            self.path[0], self.path[1], self.path[2] + (f"<{where}>{e.id}",))

    def is_varied(self, e: Any, scope: Scope) -> bool:
        """Does the value of ``e`` carry derivatives (depend on what is differentiated)?"""
        if isinstance(e, gast.Name):
            key = self._key(e.id, scope)
            return key is not None and key in self.varied
        if isinstance(e, (gast.Compare, gast.JoinedStr, gast.Constant, gast.Lambda)) or (
                isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.Not)):
            return False
        if isinstance(e, gast.Attribute):
            return e.attr not in NONDIFF_ATTRS and self.is_varied(e.value, scope)
        if isinstance(e, gast.Call):
            callee, _ = self.resolve(e.func, scope)
            if callee is not _MISSING and constant_result(callee):
                return False
            parts = [a.value if isinstance(a, gast.Starred) else a for a in e.args] + [k.value for k in e.keywords]
            return self.is_varied(e.func, scope) or any(self.is_varied(p, scope) for p in parts)
        return any(self.is_varied(c, scope) for c in gast.iter_child_nodes(e) if isinstance(c, gast.expr))

    def _markchain_root(self, e: Any, scope: Scope) -> None:
        root = self.root_of(e, scope)
        key = None if root is None else self._key(root.id, scope)
        if key is not None:
            self.varied.add(key)

    # ------------------------------------------------------------------ what flows where

    def _flow(self, node: Any, scope: Scope) -> None:
        if isinstance(node, gast.Assign):
            for t in node.targets:
                self._bind(t, node.value, scope)
        elif isinstance(node, (gast.AnnAssign, gast.NamedExpr)) and node.value is not None:
            self._bind(node.target, node.value, scope)
        elif isinstance(node, gast.AugAssign):
            if self.is_varied(node.value, scope):
                self._markchain_root(node.target, scope)
        elif isinstance(node, (gast.For, gast.AsyncFor, gast.comprehension)):
            self._bind(node.target, node.iter, scope)
        elif isinstance(node, gast.withitem) and node.optional_vars is not None:
            self._bind(node.optional_vars, node.context_expr, scope)
        elif isinstance(node, gast.Call):
            self._flow_call(node, scope)

    def _bind(self, target: Any, value: Any, scope: Scope) -> None:
        if isinstance(target, (gast.Tuple, gast.List)):
            pairs = isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts)
            for i, elt in enumerate(target.elts):
                self._bind(elt, value.elts[i] if pairs else value, scope)
        elif isinstance(target, gast.Starred):
            self._bind(target.value, value, scope)
        elif isinstance(target, (gast.Subscript, gast.Attribute)):
            if self.is_varied(value, scope):
                self._markchain_root(target.value, scope)
        elif isinstance(target, gast.Name):
            key = self._key(target.id, scope)
            if key is None:
                return
            if self.is_varied(value, scope):
                self.varied.add(key)
            root = self.root_of(value, scope)
            if root is not None:
                other = self._key(root.id, scope)
                if other is not None and other != key:
                    self.links.add((key, other))

    def _flow_call(self, call: Any, scope: Scope) -> None:
        child = self._local_def(call.func.id, scope) if isinstance(call.func, gast.Name) else None
        if child is not None:  # a nested def: its parameters take what is passed
            for i, a in enumerate(call.args):
                star = isinstance(a, gast.Starred)
                if self.is_varied(a.value if star else a, scope):
                    names = child.params if star else child.params[i:i + 1]
                    self.varied |= {(id(child.node), p) for p in names}
            for k in call.keywords:
                if self.is_varied(k.value, scope):
                    names = child.params if k.arg is None else [k.arg]
                    self.varied |= {(id(child.node), p) for p in names}
            return
        args = [a.value if isinstance(a, gast.Starred) else a for a in call.args] + [k.value for k in call.keywords]
        if not any(self.is_varied(a, scope) for a in args):
            return
        for target in self._written_by(call, scope):
            self._markchain_root(target, scope)
        callee, _ = self.resolve(call.func, scope)
        if callee is not _MISSING and is_user_function(callee) and REGISTRY.get(callee) is None:
            writes = _writes_to_parameters(user_function(callee))
            try:
                names = list(inspect.signature(user_function(callee)).parameters)
            except (TypeError, ValueError):
                return
            for i, a in enumerate(call.args):
                if i < len(names) and writes.get(names[i]) == "in place":
                    self._markchain_root(a, scope)

    def _written_by(self, call: Any, scope: Scope) -> List[Any]:
        """The expressions a call (not of a user function) changes in place: the receiver of a
        method that changes it, ``out=``, the first argument of np.copyto, np.add.at, ..."""
        out = [k.value for k in call.keywords if k.arg == "out" and not _is_none(k.value)]
        func = call.func
        callee, _ = self.resolve(func, scope)
        if isinstance(func, gast.Attribute) and func.attr in WRITING_METHODS \
                and not is_user_function(getattr(callee, "__func__", callee)):  # (a Python method: followed)
            receiver, _ = self.resolve(func.value, scope)
            if not isinstance(receiver, (types.ModuleType, type)):
                out.append(func.value)
        if callee is not _MISSING and call.args and (
                purity.in_place_function_fix(callee) is not None or purity.ufunc_at(callee) is not None):
            out.append(call.args[0])
        position = _out_position(callee) if callee is not _MISSING else None
        if position is not None and len(call.args) > position and not _is_none(call.args[position]):
            out.append(call.args[position])
        return out

    # ------------------------------------------------------------------ the writes

    def _writes(self, node: Any, scope: Scope) -> List[Write]:
        if isinstance(node, gast.Assign):
            return [w for t in node.targets for w in self._target(t, node.value, scope, node, False)]
        if isinstance(node, gast.AnnAssign) and node.value is not None:
            return self._target(node.target, node.value, scope, node, False)
        if isinstance(node, gast.AugAssign):
            return self._target(node.target, node.value, scope, node, True)
        if isinstance(node, gast.Call):
            return self._call(node, scope)
        return []

    def _write(self, node: Any, what: str) -> Write:
        return Write(self.src.location(node), what, [])

    def _target(self, t: Any, value: Any, scope: Scope, stmt: Any, augmented: bool) -> List[Write]:
        if isinstance(t, (gast.Tuple, gast.List)):
            pairs = isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(t.elts)
            return [w for i, elt in enumerate(t.elts)
                    for w in self._target(elt, value.elts[i] if pairs else value, scope, stmt, augmented)]
        if isinstance(t, gast.Starred):
            return self._target(t.value, value, scope, stmt, augmented)
        if not self.is_varied(value, scope):
            return _lowered_update(self, t, scope, stmt) if augmented else []
        if isinstance(t, (gast.Subscript, gast.Attribute)):
            # (p[k] op= v changes the item in place: p a local copy of a module-level dict holding it)
            where = self.outside(t.value, scope) or (self.entry(t, scope)[0] if augmented else None)
            if where is None:
                return []
            return [self._write(stmt, f"changes {_describe(where)} in place")]
        if isinstance(t, gast.Name):
            if scope.owner(t.id) is None and not self.top:
                kind = "closure" if t.id in scope.declared_nonlocal or t.id in self.freevars else "module"
                return [self._write(stmt, f"assigns to {_describe((t.id, kind))}")]
            where = self.outside(t, scope) if augmented else None
            if where is not None and self.changes_in_place(where, self._key(t.id, scope) in self.item_aliases, scope):
                return [self._write(stmt, f"changes {_describe(where)} in place (through '{t.id}')")]
        return []

    def _call(self, call: Any, scope: Scope) -> List[Write]:
        if isinstance(call.func, gast.Name) and self._local_def(call.func.id, scope) is not None:
            return []  # a nested def: its body is read with this function's
        args = [a.value if isinstance(a, gast.Starred) else a for a in call.args] + [k.value for k in call.keywords]
        out: List[Write] = []
        for target in self._written_by(call, scope):
            where = self.outside(target, scope)
            others = [a for a in args + [call.func] if a is not target]
            if where is not None and any(self.is_varied(a, scope) for a in others):
                spelled = S.dotted_name(call.func) or (
                    f".{call.func.attr}(...)" if isinstance(call.func, gast.Attribute) else "a call")
                out.append(self._write(call, f"changes {_describe(where)} in place ({spelled})"))
        if any(self.is_varied(a, scope) for a in args):
            out += self._follow(call, scope)
        return out

    def _follow(self, call: Any, scope: Scope) -> List[Write]:
        """The writes of a user function (a method, a class's __init__, a callable object's
        __call__) called with values that carry derivatives."""
        callee, path = self.resolve(call.func, scope)
        receiver: Optional[Bound] = None
        if isinstance(callee, types.MethodType) and not isinstance(callee.__self__, type):
            obj, opath = self.resolve(call.func.value, scope) if isinstance(call.func, gast.Attribute) else (
                _MISSING, None)
            receiver = Bound(False, self.outside(call.func.value, scope) if isinstance(call.func, gast.Attribute)
                             else None, callee.__self__, opath)
            callee = callee.__func__
        elif inspect.isclass(callee):
            init = static_attr(callee, "__init__")
            callee = getattr(init, "__func__", init)
            receiver, path = Bound(), None  # a new object: local to the call
        elif callee is not _MISSING and not inspect.isfunction(user_function(callee)) and callable(callee):
            call_fn = static_attr(type(callee), "__call__")
            receiver = Bound(False, self.outside(call.func, scope), callee, path)
            callee, path = call_fn, None if path is None else (path[0], path[1], path[2] + ("__call__",))
        if callee is _MISSING or not is_user_function(callee) or registered(callee):
            return []
        fn = user_function(callee)
        bounds = self._bind_call(fn, call, scope, receiver)
        if not any(b.varied for b in bounds.values()):
            return []
        name = str(getattr(fn, "__qualname__", fn.__name__)).rsplit("<locals>.", 1)[-1]
        here = (name, self.src.location(call))
        return [Write(w.where, w.what, [here] + w.calls, w.constant) for w in self.scanner.follow(fn, bounds, path)]

    def _bind_call(self, fn: Any, call: Any, scope: Scope, receiver: Optional[Bound]) -> Dict[str, Bound]:
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            return {}
        out: Dict[str, Bound] = {}
        if receiver is not None and params:
            out[params[0].name] = receiver
            params = params[1:]
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        rest = {p.kind: p.name for p in params if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        spread = False  # *args / **kwargs at the call: any parameter may get anything
        for i, a in enumerate(call.args):
            if isinstance(a, gast.Starred):
                spread = spread or self.is_varied(a.value, scope)
            elif i < len(positional):
                out[positional[i].name] = self._bound(a, scope)
            elif inspect.Parameter.VAR_POSITIONAL in rest:
                name = rest[inspect.Parameter.VAR_POSITIONAL]
                out[name] = Bound(out.get(name, Bound()).varied or self.is_varied(a, scope))
        names = {p.name for p in params}
        for k in call.keywords:
            if k.arg is None:
                spread = spread or self.is_varied(k.value, scope)
            elif k.arg in names:
                out[k.arg] = self._bound(k.value, scope)
            elif inspect.Parameter.VAR_KEYWORD in rest:
                name = rest[inspect.Parameter.VAR_KEYWORD]
                out[name] = Bound(out.get(name, Bound()).varied or self.is_varied(k.value, scope))
        for p in params:
            if p.name in out:
                continue
            if spread:
                out[p.name] = Bound(varied=True)
            elif p.default is not inspect.Parameter.empty and shared_default(p.default):
                out[p.name] = Bound(False, (p.name, "default"), p.default)
            else:
                out[p.name] = Bound()
        return out

    def _bound(self, e: Any, scope: Scope) -> Bound:
        obj, path = self.resolve(e, scope) if isinstance(e, (gast.Name, gast.Attribute)) else (_MISSING, None)
        return Bound(self.is_varied(e, scope), self.outside(e, scope), obj, path)


def _lowered_update(body: _Body, t: Any, scope: Scope, stmt: Any) -> List[Write]:
    """``v op= e`` or ``p[k] op= e`` without derivatives where ``v`` (``p[k]``) is non-local memory
    reached through a local alias or a local copy of a container (``s = SCALE``, ``v = G.view()``,
    ``for v in [G]``, ``p = dict(DEF)``): Python changes that array, list or dict in place, the
    derivative code (which lowers it to ``v = v op e``) would make a new value.  (Numbers are left
    alone: ``v op= e`` makes a new one in Python too.)"""
    def resolve(e: Any) -> Any:
        return body.resolve(e, scope)[0]

    container = body.outside(t.value, scope) if isinstance(t, gast.Subscript) else None
    if isinstance(t, gast.Name) and scope.owner(t.id) is not None:
        where, items = body.outside(t, scope), body._key(t.id, scope) in body.item_aliases
    elif isinstance(t, gast.Subscript) and container is None:
        where, items = body.entry(t, scope)  # p[k] of a local copy: an item of what it copies
    elif isinstance(t, gast.Subscript) and reached_object(container[0], resolve)[0] is MISSING:
        where, items = container, True  # (q = LST[:]: not known to be LST itself, a copy)
    else:
        return []  # (G op= e, DEF['w'] op= e by name: stores into it, as Python's change does)
    if where is None or where[1] == "default":
        return []
    if not body.changes_in_place(where, items, scope):
        return []
    spelled, op = S.to_source(t).strip(), _OP_SYMBOLS.get(type(stmt.op), "op")
    copy = f"{spelled} = {where[0]}.copy()" if isinstance(t, gast.Name) and not items else \
        f"{spelled} = {spelled}.copy()"
    return [Write(body.src.location(stmt), f"changes {_describe(where)} in place (through '{spelled}'): "
                  "Python changes that memory, the derivative code would make a new value instead (the "
                  "value, the derivatives and that memory after the call would differ)", [],
                  f"make a copy first: {copy} (then change the copy), or write {spelled} = {spelled} {op} ... to "
                  f"make a new value; to change that memory itself, store into it ({spelled}[...] = {spelled} {op} "
                  "... for an array)")]


def _is_none(e: Any) -> bool:
    return isinstance(e, gast.Constant) and e.value is None


def _describe(where: Tuple[str, str]) -> str:
    return _KINDS[where[1]].format(c=where[0])

