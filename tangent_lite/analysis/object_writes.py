"""In-place changes a class of the user's code makes, through its methods, to the objects its
constructor is given (:func:`class_writes`)::

    class Doubling:
        def __init__(self, arr):
            self.arr = arr          # the attribute 'arr' is the argument 'arr'
        def __exit__(self, *exc):
            self.arr *= 2.0         # so __exit__ changes the argument 'arr' in place

The methods that run when an object is made and used as a context (``__init__``, ``__enter__``,
``__exit__``, and the methods of ``self`` they call) are read together, flow-insensitively: what
each attribute of ``self`` and each local name may be of the constructor's arguments: the argument
itself (:data:`SAME`), a part, view or item of it (:data:`PART`), or a new container holding it or
its items (:data:`COPY`: ``[a]``, ``list(a)``, ``a.copy()``: writing into it leaves ``a`` alone,
writing into its items does not).  A write into such a value (an item or attribute
assignment, ``v op= e``, an in-place method, ``out=``, a helper or another class of the user's code
that changes its argument) is a change of that argument.  Setting an attribute of the object
itself (``self.total = ...``) changes nothing it was given.  A method whose source cannot be read
may change every argument (``"*"``)."""

from __future__ import annotations

import copy
import inspect
import weakref
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from .. import syntax as S
from ..errors import Location, TangentLiteError
from ..rules import purity
from ..rules.registry import REGISTRY
from ..syntax import gast
from .aliases import fresh_callee
from .callees import is_user_class, is_user_function, user_function
from .mutations import _out_position, _writes_to_parameters
from .outside_writes import WRITING_METHODS
from .scopes import MISSING, namespace_value, static_attr

SAME, PART, COPY = "same", "part", "copy"  # what a value may be of an argument (see the module doc)
_DANGER = {COPY: 0, SAME: 1, PART: 2}  # a value that may be either is the more dangerous
ENTRIES = ("__init__", "__enter__", "__exit__")  # the methods a with statement (or a call) runs
# methods that put their arguments into their receiver
_FILLING_METHODS = frozenset({"append", "appendleft", "extend", "extendleft", "insert", "add", "update",
                              "setdefault", "__setitem__"})
# methods of arrays and containers that return a new value holding nothing of the receiver
_FRESH_METHODS = (frozenset(purity.PURE_METHODS) - {"copy"}) | {
    "dot", "cumsum", "cumprod", "prod", "std", "var", "round", "clip", "conj", "conjugate", "argmax", "argmin",
    "argsort", "nonzero", "flatten", "trace", "count", "index", "ptp", "keys", "__len__", "__contains__"}
_FRESH_ATTRS = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides", "__class__"})
_COPIES = (list, tuple, dict, set, frozenset, copy.copy)  # a new container of the argument's items

Shares = Dict[str, str]  # constructor parameter -> SAME | PART | COPY


@dataclass(frozen=True)
class ObjectWrite:
    """One in-place change of a constructor argument by a method."""

    method: str  # the method whose code changes it ('Doubling.__exit__')
    entry: str  # the method the object's user runs for it to happen ('__init__', '__enter__', '__exit__')
    param: str  # the constructor's parameter whose object is changed ('*': cannot tell which)
    how: str  # "in place", or "augmented": 'v op= e' on the argument itself (a number is replaced)
    where: Optional[Location]  # the line of the change (None: the source could not be read)


_CACHE: weakref.WeakKeyDictionary[type, Tuple[Tuple[Any, ...], List[ObjectWrite]]] = weakref.WeakKeyDictionary()
_SCANNING: List[type] = []


def class_writes(cls: type) -> List[ObjectWrite]:
    """The in-place changes of its constructor's arguments that objects of the user's class ``cls``
    make when made (entry ``__init__``), when used as a context (``__enter__``, ``__exit__``) and
    when any other of their methods is called (its name).
    Remembered per class while the code of its methods (its bases', the functions they call) is the same."""
    codes = _codes(cls)
    known = _CACHE.get(cls)
    if known is not None and known[0] == codes:
        return known[1]
    if cls in _SCANNING:  # a class whose methods make objects of itself
        return []
    _SCANNING.append(cls)
    try:
        found = _ClassScan(cls).run()
    finally:
        _SCANNING.pop()
    _CACHE[cls] = (codes, found)
    return found


def _codes(cls: type) -> Tuple[Any, ...]:
    """The code of the methods of ``cls`` and its bases, and of the functions of their modules they call."""
    out: List[Any] = []
    for c in cls.__mro__[:-1]:
        for value in vars(c).values():
            fn = getattr(value, "__func__", value)
            code = getattr(fn, "__code__", None)
            if code is None:
                continue
            out.append(code)
            for name in code.co_names:
                out.append(getattr(getattr(fn, "__globals__", {}).get(name), "__code__", None))
    return tuple(out)


def function_writes(fn: Any, entry: str = "__exit__") -> List[ObjectWrite]:
    """The in-place changes the function ``fn`` (a ``@contextlib.contextmanager`` generator) makes
    to its arguments, as :func:`class_writes` finds them (through views, items and the helpers it
    calls); ``entry``: when they count as made."""
    scan = _ClassScan(type(None))
    m = _Method(fn, static=True)
    m.entries.add(entry)
    scan.methods[getattr(fn, "__code__", fn)] = m
    _seed(m, list(m.names))
    return scan.finish()


def _seed(m: _Method, params: List[str]) -> None:
    """The parameters of ``m`` are the arguments (``*args``, ``**kwargs``: new containers of them)."""
    star = set(_star_params(m.fn))
    for p in params:
        m.names[p] = {p: COPY if p in star else SAME}


def _made_by_dataclasses(cls: type, init: Any) -> bool:
    """Is ``init`` the ``__init__`` that ``@dataclass`` wrote for ``cls`` (no source to read)?"""
    import dataclasses

    code = getattr(getattr(init, "__func__", init), "__code__", None)
    return dataclasses.is_dataclass(cls) and code is not None and code.co_filename.startswith("<")


def constructor_params(cls: type) -> List[str]:
    """The parameters of ``cls.__init__`` after ``self`` (``*args`` and ``**kwargs`` included)."""
    init = static_attr(cls, "__init__")
    try:
        params = list(inspect.signature(getattr(init, "__func__", init)).parameters)
    except (TypeError, ValueError):
        return []
    return params[1:]


class _Method:
    """One function read: its source, its name for ``self``, what its local names may be."""

    def __init__(self, fn: Any, static: bool):
        self.fn = fn
        self.name = str(getattr(fn, "__qualname__", getattr(fn, "__name__", "?"))).rsplit("<locals>.", 1)[-1]
        try:
            self.src: Any = S.load_function(fn)
        except TangentLiteError:
            self.src = None
        try:
            params = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            params = []
        self.self_name = params[0] if params and not static else None
        self.names: Dict[str, Shares] = {p: {} for p in params if p != self.self_name}
        self.entries: Set[str] = set()
        self.nodes = list(S.walk(self.src.node))[1:] if self.src is not None else []


class _ClassScan:
    def __init__(self, cls: type):
        self.cls = cls
        self.attrs: Dict[str, Shares] = {}
        self.methods: Dict[Any, _Method] = {}
        self.changed = False

    def run(self) -> List[ObjectWrite]:
        found = static_attr(self.cls, "__init__")
        if _made_by_dataclasses(self.cls, found):  # its generated __init__ keeps each field's argument
            for p in constructor_params(self.cls):
                self.attrs[p] = {p: SAME}
            post = self._method(static_attr(self.cls, "__post_init__"))
            if post is not None:
                post.entries.add("__init__")
        elif self._method(found) is not None:
            _seed(self._method(found), constructor_params(self.cls))
        names = {a for c in self.cls.__mro__[:-1] for a in vars(c)} - {"__init__"}
        for entry in ["__init__"] + sorted(names):  # (a method called on an object made in the function)
            m = self._method(static_attr(self.cls, entry))
            if m is not None and not (entry == "__init__" and _made_by_dataclasses(self.cls, m.fn)):
                m.entries.add(entry)
        return self.finish()

    def finish(self) -> List[ObjectWrite]:
        """The writes of the methods read, once what their names and attributes may be is known."""
        for _ in range(50):  # to a fixed point (attributes set in one method are read in another)
            self.changed = False
            for m in list(self.methods.values()):
                for node in m.nodes:
                    self._flow(m, node)
            if not self.changed:
                break
        out: Set[ObjectWrite] = set()
        for m in self.methods.values():
            if m.src is None:
                out |= {ObjectWrite(m.name, e, "*", "in place", None) for e in m.entries}
                continue
            for node in m.nodes:
                out |= set(_Writes(self, m).of(node))
        return sorted(out, key=lambda w: (w.entry not in ENTRIES, w.entry, w.where.lineno if w.where else 0, w.param))

    def _method(self, found: Any) -> Optional[_Method]:
        """The method ``found`` (``static_attr`` of the class) when it is the user's code."""
        fn = getattr(found, "__func__", found)
        if not is_user_function(fn):
            return None
        key = getattr(fn, "__code__", fn)
        if key not in self.methods:
            static = isinstance(inspect.getattr_static(self.cls, fn.__name__, None), staticmethod)
            self.methods[key] = _Method(fn, static)
        return self.methods[key]

    # ------------------------------------------------------------------ what values may be

    def shares(self, m: _Method, e: Any) -> Shares:
        """What of the constructor's arguments the value of ``e`` (in method ``m``) may be."""
        if isinstance(e, gast.Name):
            if e.id == m.self_name:  # the object holds every attribute
                return _as(PART, *self.attrs.values())
            return m.names.get(e.id, {})
        if isinstance(e, gast.Attribute):
            if e.attr in _FRESH_ATTRS:
                return {}
            if self._is_self(m, e.value):
                return self.attrs.get(e.attr, {})
            return _as(PART, self.shares(m, e.value))
        if isinstance(e, gast.Subscript):
            return _as(PART, self.shares(m, e.value))
        if isinstance(e, gast.Call):
            return self._call_shares(m, e)
        if isinstance(e, (gast.IfExp, gast.BoolOp)):
            parts = [e.body, e.orelse] if isinstance(e, gast.IfExp) else e.values
            return _union(*(self.shares(m, p) for p in parts))
        if isinstance(e, (gast.Tuple, gast.List, gast.Set)):  # a new container holding them
            return _as(COPY, *(self.shares(m, x) for x in e.elts))
        if isinstance(e, gast.Dict):
            return _as(COPY, *(self.shares(m, x) for x in e.values if x is not None))
        if isinstance(e, (gast.ListComp, gast.SetComp, gast.GeneratorExp, gast.DictComp)):
            parts = [e.key, e.value] if isinstance(e, gast.DictComp) else [e.elt]
            return _as(COPY, *(self.shares(m, x) for x in parts))
        if isinstance(e, (gast.Starred, gast.NamedExpr)):
            return self.shares(m, e.value)
        return {}  # arithmetic, comparisons, constants: new values

    def _call_shares(self, m: _Method, call: Any) -> Shares:
        args = _union(*(self.shares(m, a) for a in _call_args(call)))
        func = call.func
        if isinstance(func, gast.Attribute) and not self._resolvable(m, func.value):
            receiver = self.shares(m, func.value)
            if self._is_self(m, func.value) or _is_super(func.value):
                return _as(PART, receiver, args)  # another method: it may return anything it holds
            if func.attr == "copy":
                return _as(COPY, receiver)
            if func.attr in _FRESH_METHODS:
                return {}
            return _as(PART, receiver, args)
        callee = self.resolve(m, func)
        if any(callee is c for c in _COPIES):
            return _as(COPY, args)
        if callee is copy.deepcopy:
            return {}
        if callee is not MISSING and not isinstance(callee, type) and fresh_callee(callee):
            return {}
        return _as(PART, args)

    def _is_self(self, m: _Method, e: Any) -> bool:
        return isinstance(e, gast.Name) and e.id == m.self_name

    def _resolvable(self, m: _Method, e: Any) -> bool:
        """Is ``e`` a free name (a module, a class) or an attribute of one, rather than a value?"""
        root = e
        while isinstance(root, gast.Attribute):
            root = root.value
        return isinstance(root, gast.Name) and root.id not in m.names and root.id != m.self_name \
            and self.resolve(m, e) is not MISSING

    def resolve(self, m: _Method, e: Any) -> Any:
        """The object a free name or a dotted attribute of one stands for in ``m``, else MISSING."""
        if isinstance(e, gast.Attribute):
            owner = self.resolve(m, e.value)
            return MISSING if owner is MISSING else static_attr(owner, e.attr)
        if not isinstance(e, gast.Name) or e.id in m.names or e.id == m.self_name:
            return MISSING
        where = "cell" if e.id in getattr(getattr(m.fn, "__code__", None), "co_freevars", ()) else "global"
        return namespace_value(m.fn, where, e.id)

    # ------------------------------------------------------------------ what flows where

    def _flow(self, m: _Method, node: Any) -> None:
        if isinstance(node, gast.Assign):
            for t in node.targets:
                self._bind(m, t, self.shares(m, node.value))
        elif isinstance(node, (gast.AnnAssign, gast.NamedExpr)) and node.value is not None:
            self._bind(m, node.target, self.shares(m, node.value))
        elif isinstance(node, gast.AugAssign):  # (L += M: L holds M's items)
            self._bind(m, node.target, _as(COPY, self.shares(m, node.value)))
        elif isinstance(node, (gast.For, gast.AsyncFor, gast.comprehension)):
            self._bind(m, node.target, _as(PART, self.shares(m, node.iter)))
        elif isinstance(node, gast.withitem) and node.optional_vars is not None:
            self._bind(m, node.optional_vars, _as(PART, self.shares(m, node.context_expr)))
        elif isinstance(node, gast.Call):
            self._flow_call(m, node)

    def _bind(self, m: _Method, target: Any, value: Shares) -> None:
        if isinstance(target, (gast.Tuple, gast.List)):
            for elt in target.elts:
                self._bind(m, elt, _as(PART, value))
        elif isinstance(target, gast.Starred):
            self._bind(m, target.value, value)
        elif isinstance(target, gast.Name):
            _merge(m.names.setdefault(target.id, {}), value, self)
        elif isinstance(target, gast.Attribute) and self._is_self(m, target.value):
            _merge(self.attrs.setdefault(target.attr, {}), value, self)
        elif isinstance(target, (gast.Attribute, gast.Subscript)):  # the container now holds the value
            self._hold(m, target.value, value)

    def _hold(self, m: _Method, holder: Any, value: Shares) -> None:
        """``holder`` (an attribute chain, an item) now holds ``value``: so does what it is part of."""
        while isinstance(holder, (gast.Attribute, gast.Subscript)) and not self._is_self(m, holder.value):
            holder = holder.value
        if isinstance(holder, gast.Attribute):
            _merge(self.attrs.setdefault(holder.attr, {}), _as(COPY, value), self)
        elif isinstance(holder, gast.Name) and holder.id != m.self_name:
            _merge(m.names.setdefault(holder.id, {}), _as(COPY, value), self)

    def _flow_call(self, m: _Method, call: Any) -> None:
        func = call.func
        if not isinstance(func, gast.Attribute):
            return
        if self._is_self(m, func.value) or _is_super(func.value):  # self.helper(...): read it too
            found = static_attr(self.cls, func.attr)
            if _is_super(func.value):
                found = _after(self.cls, m.fn, func.attr)
            callee = self._method(found)
            if callee is None:
                return
            before = set(callee.entries)
            callee.entries |= m.entries
            self.changed |= callee.entries != before
            for param, arg in _bind_args(callee.fn, call, skip_self=callee.self_name is not None):
                _merge(callee.names.setdefault(param, {}), _union(*(self.shares(m, a) for a in arg)), self)
        elif func.attr in _FILLING_METHODS and not self._resolvable(m, func.value):
            self._hold(m, func.value, _union(*(self.shares(m, a) for a in _call_args(call))))


class _Writes:
    """The in-place changes of constructor arguments that one node of a method makes."""

    def __init__(self, scan: _ClassScan, m: _Method):
        self.scan, self.m = scan, m

    def of(self, node: Any) -> Iterable[ObjectWrite]:
        scan, m = self.scan, self.m
        if isinstance(node, (gast.Assign, gast.AnnAssign, gast.Delete)):
            targets = getattr(node, "targets", None) or [node.target]
            for t in _flat(targets):
                if isinstance(t, (gast.Subscript, gast.Attribute)) and not scan._is_self(m, t.value):
                    yield from self._change(scan.shares(m, t.value), "in place", node)
        elif isinstance(node, gast.AugAssign):  # 'v op= e' changes v itself (an array, a list) in place ...
            t = node.target
            yield from self._change(scan.shares(m, t), "augmented", node)
            if isinstance(t, gast.Subscript) or isinstance(t, gast.Attribute) and not scan._is_self(m, t.value):
                yield from self._change(scan.shares(m, t.value), "in place", node)  # ... and puts it back
        elif isinstance(node, gast.Call):
            yield from self._call(node)

    def _call(self, call: Any) -> Iterable[ObjectWrite]:
        scan, m = self.scan, self.m
        func = call.func
        for k in call.keywords:
            if k.arg == "out" and not (isinstance(k.value, gast.Constant) and k.value.value is None):
                yield from self._change(scan.shares(m, k.value), "in place", call)
        if isinstance(func, gast.Attribute) and not scan._resolvable(m, func.value):
            if func.attr in WRITING_METHODS and not scan._is_self(m, func.value) and not _is_super(func.value):
                yield from self._change(scan.shares(m, func.value), "in place", call)
            elif scan._is_self(m, func.value) and scan._method(static_attr(scan.cls, func.attr)) is None:
                # an attribute called (self.f = arr.sort in __init__): what it is bound to may change
                yield from self._change(_as(PART, scan.attrs.get(func.attr, {})), "in place", call)
            return
        callee = scan.resolve(m, func)
        if callee is MISSING and not isinstance(func, gast.Attribute):  # a value called (g = arr.sort; g())
            yield from self._change(_as(PART, scan.shares(m, func)), "in place", call)
        if callee is MISSING or not call.args:
            return
        if any(callee is f for f in (setattr, delattr, object.__setattr__)) and scan._is_self(m, call.args[0]):
            return  # setattr(self, name, v): an attribute of the object itself
        first = scan.shares(m, call.args[0])
        if purity.in_place_function_fix(callee) is not None or purity.ufunc_at(callee) is not None:
            yield from self._change(first, "in place", call)
        position = _out_position(callee)
        if position is not None and len(call.args) > position:
            yield from self._change(scan.shares(m, call.args[position]), "in place", call)
        if is_user_class(callee):
            written = [(w.param, w.how) for w in class_writes(callee) if w.entry == "__init__"]
            init = getattr(static_attr(callee, "__init__"), "__func__", static_attr(callee, "__init__"))
            yield from self._passed(written, _bind_args(init, call, skip_self=True), call)
        elif is_user_function(callee) and REGISTRY.get(callee) is None:
            fn = user_function(callee)
            yield from self._passed(sorted(_writes_to_parameters(fn).items()), _bind_args(fn, call, False), call)

    def _passed(self, written: List[Tuple[str, str]], bound: List[Tuple[str, List[Any]]],
                call: Any) -> Iterable[ObjectWrite]:
        """The changes of what ``call`` passes for the parameters its callee changes (``written``)."""
        args = dict(bound)
        for param, how in written:
            for a in [a for v in args.values() for a in v] if param == "*" else args.get(param, []):
                # (a container passed on: the callee may write into what it holds)
                yield from self._change(_as(PART, self.scan.shares(self.m, a)), how, call)

    def _change(self, shares: Shares, how: str, node: Any) -> Iterable[ObjectWrite]:
        where = self.m.src.location(node)
        for param, kind in sorted(shares.items()):
            if kind == COPY:
                continue  # a new container: writing into it leaves the argument alone
            h = "augmented" if how == "augmented" and kind == SAME else "in place"
            for entry in sorted(self.m.entries):
                yield ObjectWrite(self.m.name, entry, param, h, where)


# ---------------------------------------------------------------------- small helpers

def _as(kind: str, *shares: Shares) -> Shares:
    """What a value made from ``shares`` may be of each argument: a part, view, item or holder of
    them (PART, whatever they were), or a new container of their items (COPY)."""
    return {p: kind for s in shares for p in s}


def _union(*shares: Shares) -> Shares:
    out: Shares = {}
    for s in shares:
        for p, k in s.items():
            if p not in out or _DANGER[k] > _DANGER[out[p]]:
                out[p] = k
    return out


def _merge(into: Shares, value: Shares, scan: _ClassScan) -> None:
    for p, k in value.items():
        if p not in into or _DANGER[k] > _DANGER[into[p]]:
            into[p] = k
            scan.changed = True


def _flat(targets: List[Any]) -> Iterable[Any]:
    for t in targets:
        if isinstance(t, (gast.Tuple, gast.List)):
            yield from _flat(t.elts)
        elif isinstance(t, gast.Starred):
            yield from _flat([t.value])
        else:
            yield t


def _call_args(call: Any) -> List[Any]:
    return [a.value if isinstance(a, gast.Starred) else a for a in call.args] + [k.value for k in call.keywords]


def _is_super(e: Any) -> bool:
    return isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == "super"


def _after(cls: type, fn: Any, name: str) -> Any:
    """``super().<name>`` in the method ``fn`` of ``cls``: the next definition along the MRO."""
    mro = cls.__mro__
    owner = next((i for i, c in enumerate(mro) if any(getattr(v, "__func__", v) is fn for v in vars(c).values())), 0)
    for c in mro[owner + 1:]:
        if name in vars(c):
            return static_attr(c, name)
    return MISSING


def _star_params(fn: Any) -> List[str]:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _bind_args(fn: Any, call: Any, skip_self: bool) -> List[Tuple[str, List[Any]]]:
    """(parameter, the expressions passed for it) at ``call`` of ``fn`` (its first parameter is the
    object when ``skip_self``); where the call cannot be matched (``*xs``), every parameter may get
    every argument."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []
    params = params[1:] if skip_self else params
    everything = _call_args(call)
    if any(isinstance(a, gast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return [(p.name, everything) for p in params]
    out: Dict[str, List[Any]] = {}
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    rest = {p.kind: p.name for p in params if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    for i, a in enumerate(call.args):
        name = positional[i].name if i < len(positional) else rest.get(inspect.Parameter.VAR_POSITIONAL)
        if name is not None:
            out.setdefault(name, []).append(a)
    names = {p.name for p in params}
    for k in call.keywords:
        name = k.arg if k.arg in names else rest.get(inspect.Parameter.VAR_KEYWORD)
        if name is not None:
            out.setdefault(name, []).append(k.value)
    return sorted(out.items())
