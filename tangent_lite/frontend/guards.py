"""Guards: the assumptions generated code was made under, checked before every reuse.

Generating a derivative resolves names: ``np`` is NumPy, ``np.tanh`` is the ufunc whose
rules are inlined, ``helper`` is a user function whose derivative is called, ``act`` in a
closure cell is ``np.sin``.  The generated text bakes in what each name meant then.  A
:class:`Guard` records one such resolution, as a path from the differentiated function's
namespace::

    Guard("global", "np", ("tanh",), "is", "ufunc numpy.tanh")   # fn.__globals__["np"].tanh
    Guard("cell", "act", (), "is", "ufunc numpy.sin")            # the closure cell 'act'
    Guard("global", "W", (), "type", "type numpy.ndarray")       # data: its type, not its value
    Guard("global", "step", ("<global>h",), "is", ...)           # a name in an inlined helper's module

Functions, modules, classes and other callables are checked by identity; data (arrays,
numbers, containers) by type, since the generated code reads their current value at
every call; data the generated code bakes in (an option of a transformation called inside,
``tl.grad(f, wrt=WRT)``: :class:`Pinned`) by value.  Each guard also has a stable
*identity* string (the same in every process:
``module numpy``, ``function pkg.mod.helper <code digest>``, ``type numpy.ndarray``) that
disk entries record, so an entry made under other bindings is never loaded.

:func:`runner` compiles the checks of one generated module, bound to one function
object, into a small Python function that also copies the current values of the user's
globals and closure cells into the module (what ``_refresh`` did): one call per use, a
few tens of nanoseconds per guard.
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import inspect
import json
import sys
import types
import weakref
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from ..errors import Location, UnsupportedConstructError

_MISSING = object()
_BUILTINS = builtins.__dict__


class Guard(NamedTuple):
    where: str  # "global" (the function's globals, then builtins) or "cell" (its closure cell)
    name: str
    path: Tuple[str, ...]  # attribute names; "<global>n" / "<cell>n": a name in the namespace of the function reached
    how: str  # "is" (identity), "type", or "value" (type and ==: an option baked in, Pinned)
    identity: str  # stable description of the expected object ("" when it has none)

    def as_json(self) -> List[Any]:
        return [self.where, self.name, list(self.path), self.how, self.identity]

    @classmethod
    def from_json(cls, item: Sequence[Any]) -> Guard:
        where, name, path, how, ident = item
        return cls(str(where), str(name), tuple(str(p) for p in path), str(how), str(ident))


# attributes whose value generated code bakes in (a callee's default values): checked by identity
IDENTITY_ATTRS = (("__defaults__",), ("__kwdefaults__",), ("__code__",))


class Pinned:
    """A data value the generated code bakes in (an option of a transformation called inside,
    ``tl.grad(f, wrt=WRT)``): checked by value (type and ``==``), not only by type."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Pinned({self.value!r})"


def how_of(obj: Any, path: Tuple[str, ...] = ()) -> str:
    """How a guard on ``obj`` (reached through ``path``) is checked: "is", "type" or "value"."""
    if isinstance(obj, Pinned):
        return "value"
    return "is" if checked_by_identity(obj) or path[-1:] in IDENTITY_ATTRS else "type"


def checked_by_identity(obj: Any) -> bool:
    """Does the generated code depend on *which* object this is (functions, modules, classes,
    callables), rather than only on its type (data: read again at every call)?  A method of a
    list, dict, set or array (``LOG.append``) is a new object at every access: the guard on its
    owner's type decides which method it is."""
    if isinstance(obj, types.BuiltinMethodType) and isinstance(getattr(obj, "__self__", None), _DATA):
        return False
    return callable(obj) or isinstance(obj, types.ModuleType)


_DATA = (list, dict, set, bytearray, np.ndarray)


def ufunc_method(obj: Any) -> bool:
    """``np.add.reduce``, ``np.multiply.outer``: a method of a ufunc, a new object at every
    access (compared with ``==``: the same ufunc's method of that name)."""
    return isinstance(obj, types.BuiltinMethodType) and isinstance(getattr(obj, "__self__", None), np.ufunc)


_BOUND = (types.MethodType, types.BuiltinMethodType, types.MethodWrapperType)


def bound_method(obj: Any) -> bool:
    """A method bound to an object (``log.debug``, ``model.loss``, ``np.add.reduce``): a new object
    at every access, so it is compared with ``==`` (the same function bound to the same object),
    never by identity, which would fail at every call.  (A module's builtin function, ``math.sin``,
    has the module as its ``__self__`` and is one object: compared by identity.)"""
    return isinstance(obj, _BOUND) and getattr(obj, "__self__", None) is not None \
        and not isinstance(obj.__self__, types.ModuleType)


def _update_code(h: Any, code: Any) -> None:
    """Feed what a code object computes into ``h``, the same in every process (no addresses,
    sets in sorted order)."""
    h.update(code.co_code)
    h.update(" ".join(code.co_names).encode())
    for const in code.co_consts:
        if inspect.iscode(const):
            _update_code(h, const)
        elif isinstance(const, frozenset):
            h.update(repr(sorted(const, key=repr)).encode())
        else:
            h.update(repr(const).encode())
        h.update(b"\0")


def code_digest(fn: Callable) -> str:
    """A digest of the code that actually runs: a cache entry made for the text now in the file
    is not used for a function imported before the file was edited."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    h = hashlib.sha256()
    _update_code(h, code)
    return h.hexdigest()[:16]


def _code_digest(code: Any) -> str:
    return code_digest(types.SimpleNamespace(__code__=code))


def identity(obj: Any, how: str) -> str:
    """A description of ``obj`` that is the same in every process, or "" if it has none
    (then the entry is kept in memory only)."""
    if isinstance(obj, Pinned):
        obj = obj.value
    if how == "value":
        return f"value {type(obj).__qualname__} {obj!r}" if _constant(obj) else ""
    if how == "type":
        t = type(obj)
        return f"type {t.__module__}.{t.__qualname__}"
    if isinstance(obj, types.ModuleType):
        return f"module {obj.__name__}"
    if isinstance(obj, types.FunctionType):
        fn = getattr(obj, "__tl_function__", obj)
        code = getattr(fn, "__code__", None)
        defaults = (getattr(fn, "__defaults__", None), getattr(fn, "__kwdefaults__", None))
        shown = repr(defaults) if _constant(defaults) else repr(tuple(
            type(v).__name__ for part in defaults if part for v in (part.values() if isinstance(part, dict) else part)))
        return f"function {fn.__module__}.{fn.__qualname__} {_code_digest(code) if code else ''} {shown}"
    if isinstance(obj, types.MethodType):
        return ""  # bound to an instance: no stable name
    if ufunc_method(obj):  # np.add.reduce: a new object at every access, equal to the others
        ufunc = obj.__self__
        return f"ufunc method numpy.{ufunc.__name__}.{obj.__name__}" if getattr(np, ufunc.__name__, None) is ufunc \
            else ""
    if isinstance(obj, types.CodeType):
        return f"code {obj.co_name} {_code_digest(obj)}"
    if isinstance(obj, np.ufunc):  # (NumPy < 2.1 gives ufuncs no __module__)
        return f"ufunc numpy.{obj.__name__}" if getattr(np, obj.__name__, None) is obj else ""
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if isinstance(module, str) and isinstance(name, str) and _resolves_to(module, name, obj):
        return f"{type(obj).__name__} {module}.{name}"
    if _constant(obj):
        return f"constant {obj!r}"
    return ""


def _constant(obj: Any) -> bool:
    """A value whose repr is the same in every process (numbers, strings, None, and tuples or
    dicts of those: default values)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return True
    if isinstance(obj, tuple):
        return all(_constant(v) for v in obj)
    if isinstance(obj, dict):
        return all(isinstance(k, str) and _constant(v) for k, v in obj.items())
    return False


def _resolves_to(module: str, qualname: str, obj: Any) -> bool:
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, _MISSING)
    if found is obj:
        return True
    # NumPy's ufuncs and friends say module 'numpy' for objects reached as numpy.<name>
    top = sys.modules.get(module.split(".")[0])
    return getattr(top, qualname, _MISSING) is obj


def resolve(guard: Guard, fn: Any) -> Any:
    """What ``guard``'s path names now, from ``fn``'s namespace (``_MISSING`` if nothing)."""
    obj = _namespace_value(fn, guard.where, guard.name)
    for part in guard.path:
        if obj is _MISSING:
            return _MISSING
        if part.startswith("<global>") or part.startswith("<cell>"):
            where, name = ("global", part[8:]) if part.startswith("<global>") else ("cell", part[6:])
            obj = _namespace_value(getattr(obj, "__tl_function__", obj), where, name)
        else:
            obj = getattr(obj, part, _MISSING)
    return obj


PATH_SOURCE = "<path>"  # the 'module' of a foreign binding found by a guard path (a closure cell)


def path_source(path: Tuple[str, str, Tuple[str, ...]]) -> str:
    """How a generated module's metadata names a value bound through ``path`` (where, name, path)."""
    return json.dumps([path[0], path[1], list(path[2])])


def foreign_value(fn: Any, module_name: str, attr: str, module_by_name: Callable[[str], Any]) -> Any:
    """A name of a helper inlined from elsewhere (generated metadata's "foreign"): a module's
    global, or (a decorator's closure cell, ``module_name`` :data:`PATH_SOURCE`) the value the
    guard path :func:`path_source` wrote reaches from ``fn`` now (its guard checks it by identity)."""
    if module_name != PATH_SOURCE:
        return vars(module_by_name(module_name))[attr]
    where, name, path = json.loads(attr)
    return resolve(Guard(where, name, tuple(path), "is", ""), fn)


def _namespace_value(fn: Any, where: str, name: str) -> Any:
    if where == "cell":
        code = getattr(fn, "__code__", None)
        if code is None or name not in code.co_freevars:
            return _MISSING
        try:
            return fn.__closure__[code.co_freevars.index(name)].cell_contents
        except ValueError:  # an empty cell
            return _MISSING
    namespace = getattr(fn, "__globals__", None)
    if namespace is None:
        return _MISSING
    value = namespace.get(name, _MISSING)
    return _BUILTINS.get(name, _MISSING) if value is _MISSING else value


def holds(guards: Iterable[Guard], fn: Any) -> bool:
    """Do ``guards`` (recorded with their identities) hold for ``fn`` now?  (Slow path: used
    when an entry comes from disk or from the code cache.)"""
    for g in guards:
        obj = resolve(g, fn)
        if obj is _MISSING or identity(obj, g.how) != g.identity or not g.identity:
            return False
    return True


def prekey(fn: Any) -> Optional[str]:
    """A digest of what ``fn``'s free names resolve to now (globals, closure cells, builtins,
    through nested code too), known before generating: part of the disk key, so different
    bindings never share an entry.  None when some binding has no stable identity."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    names = set(code.co_freevars)
    todo = [code]
    while todo:
        c = todo.pop()
        names.update(c.co_names)
        todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    parts = []
    for name in sorted(names):
        where = "cell" if name in code.co_freevars else "global"
        obj = _namespace_value(fn, where, name)
        if obj is _MISSING:
            continue  # an attribute name, or a name defined later
        how = "is" if checked_by_identity(obj) else "type"
        ident = identity(obj, how)
        if not ident:
            return None
        parts.append(f"{where}:{name}={ident}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# ------------------------------------------------------------------ compiled checks


def same_items(current: Dict[str, Any], items: Tuple[Tuple[str, Any], ...]) -> bool:
    """Does the dict ``current`` hold the same objects under the same keys as ``items`` did?"""
    return len(current) == len(items) and all(current.get(k, _MISSING) is v for k, v in items)


def runner(fn: Any, guards: Sequence[Guard], expected: Sequence[Any], refresh: Sequence[Tuple[Dict[str, Any], Any,
           Sequence[str]]], then: Sequence[Callable[[], bool]], registry: Any,
           foreign: Sequence[Tuple[Dict[str, Any], str, Dict[str, Any], str]] = ()) -> Callable[[], bool]:
    """A function of no arguments that returns True when every guard holds for ``fn``
    (``expected``: the objects, one per guard), the rules registry has not changed since, and
    every function of ``then`` (the runners of the callees' modules) returns True; before
    returning True it copies the current values of the names in ``refresh`` ((module dict,
    function, names) triples) from the functions' namespaces into the modules, and those of
    ``foreign`` ((module dict, alias, namespace, name): a name of a helper inlined from another
    module, read in that module's namespace)."""
    env: Dict[str, Any] = {"_M": _MISSING, "_B": _BUILTINS, "_R": registry, "_GEN": registry.generation}
    lines = ["def _run():", "    try:", "        if _R.generation != _GEN: return False"]
    code = getattr(fn, "__code__", None)
    if code is not None:  # the function's own code (fn.__code__ can be replaced): weakly, fn is not kept alive
        env["_F"], env["_C"] = weakref.ref(fn), code
        lines.append("        _f = _F()")
        lines.append("        if _f is None or _f.__code__ is not _C: return False")
    counter = [0]

    def bind(value: Any) -> str:
        counter[0] += 1
        name = f"_v{counter[0]}"
        env[name] = value
        return name

    def namespace_expr(owner: Any, where: str, name: str) -> Optional[str]:
        """An expression for ``name`` in ``owner``'s namespace (None: it cannot have one)."""
        if where == "cell":
            code = getattr(owner, "__code__", None)
            if code is None or name not in code.co_freevars or owner.__closure__ is None:
                return None
            return f"{bind(owner.__closure__[code.co_freevars.index(name)])}.cell_contents"
        g = getattr(owner, "__globals__", None)
        if g is None:
            return None
        return f"{bind(g)}.get({name!r}, _B.get({name!r}, _M))"

    for guard, obj in zip(guards, expected):
        expr = namespace_expr(fn, guard.where, guard.name)
        owner = _namespace_value(fn, guard.where, guard.name)
        ok = expr is not None
        for part in guard.path:
            if not ok:
                break
            if part.startswith("<global>") or part.startswith("<cell>"):
                where, name = ("global", part[8:]) if part.startswith("<global>") else ("cell", part[6:])
                inner = getattr(owner, "__tl_function__", owner)
                # the function reached is itself guarded (by identity, above): its namespace is bound now
                expr = namespace_expr(inner, where, name)
                ok = expr is not None
                owner = _namespace_value(inner, where, name)
            else:
                expr = f"getattr({expr}, {part!r}, _M)"
                owner = getattr(owner, part, _MISSING)
        if not ok:
            return lambda: False
        if isinstance(obj, Pinned):
            obj = obj.value
        if guard.how == "value":
            test = f"type({expr}) is not {bind(type(obj))} or {expr} != {bind(obj)}"
        elif guard.how == "is" and guard.path[-1:] == ("__kwdefaults__",) and isinstance(obj, dict):
            # a dict a call binds from, editable in place (f.__kwdefaults__["p"] = 5.0): its items too
            test = f"{expr} is not {bind(obj)} or not {bind(same_items)}({expr}, {bind(tuple(obj.items()))})"
        elif guard.how == "is":
            test = f"{expr} {'!=' if bound_method(obj) else 'is not'} {bind(obj)}"
        else:
            test = f"type({expr}) is not {bind(type(obj))}"
        lines.append(f"        if {test}: return False")
    for module_dict, source_fn, names in refresh:
        target = bind(module_dict)
        for name in names:
            code = getattr(source_fn, "__code__", None)
            where = "cell" if code is not None and name in code.co_freevars else "global"
            expr = namespace_expr(source_fn, where, name)
            if expr is None:
                return lambda: False
            lines.append(f"        _x = {expr}")
            lines.append("        if _x is _M: return False")  # gone: generated again, which says so
            lines.append(f"        {target}[{name!r}] = _x")
    for module_dict, alias, source_dict, name in foreign:  # names of helpers inlined from other modules
        lines.append(f"        _x = {bind(source_dict)}.get({name!r}, _M)")
        lines.append("        if _x is _M: return False")
        lines.append(f"        {bind(module_dict)}[{alias!r}] = _x")
    for check in then:
        lines.append(f"        if not {bind(check)}(): return False")
    lines += ["    except (ValueError, AttributeError, KeyError):", "        return False", "    return True"]
    exec(compile("\n".join(lines), "<tangent_lite guards>", "exec"), env)  # noqa: S102 - our own text
    return env["_run"]


# ------------------------------------------------------------------ one consistent reading


def bindings(fn: Any, names: Sequence[str]) -> Dict[str, Any]:
    """The current values of ``names`` in ``fn``'s namespace (closure cells, globals, builtins)."""
    code = getattr(fn, "__code__", None)
    out = {}
    for n in names:
        value = _namespace_value(fn, "cell" if code is not None and n in code.co_freevars else "global", n)
        if value is not _MISSING:
            out[n] = value
    return out


def consistent(guards: Sequence[Guard], expected: Sequence[Any]) -> bool:
    """Do the objects ``expected`` (one reading of what ``guards`` name now) match what the text
    was made under (the identities recorded then)?  A name another thread rebound since, so that
    the text and the objects it would be bound to disagree, makes this False."""
    for g, obj in zip(guards, expected):  # (a name resolved elsewhere, _tl: missing then and now)
        if obj is not _MISSING and g.identity and identity(obj, g.how) != g.identity:
            return False
    return True


def snapshot_value(guards: Sequence[Guard], expected: Sequence[Any], spelling: str) -> Any:
    """The object a dotted name (``helper``, ``helpers.g``) named in the reading ``expected`` of
    ``guards`` (None: no guard names it)."""
    root, *rest = spelling.split(".")
    for g, obj in zip(guards, expected):
        if g.name == root and g.path == tuple(rest):
            return getattr(obj, "__tl_function__", obj)
    return None


# ------------------------------------------------------------------ library functions called by name


# modules whose functions generated code calls by name (rule templates: np.cos, math.exp, ...)
LIBRARIES = ("numpy", "numpy.linalg", "numpy.fft", "math", "scipy.special")
_ORIGINALS: Dict[str, Dict[str, Any]] = {}


def _originals(module_name: str) -> Optional[Dict[str, Any]]:
    """The callables of a library module as they were when first seen (at import of tangent_lite,
    or, for a library imported later, when first used): what its names mean unpatched."""
    if module_name not in _ORIGINALS:
        module = sys.modules.get(module_name)
        if module is None:
            return None
        _ORIGINALS[module_name] = {k: v for k, v in vars(module).items() if callable(v)}
    return _ORIGINALS[module_name]


for _library in LIBRARIES:
    _originals(_library)


@functools.lru_cache(maxsize=256)
def library_names(text: str) -> Tuple[Tuple[str, str], ...]:
    """The (library module, attribute) pairs a generated module's text reads (``np.sin``, through
    its imports' aliases)."""
    tree = ast.parse(text)
    aliases: Dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def dotted(node: Any) -> Optional[str]:
        if isinstance(node, ast.Name):
            return aliases.get(node.id)
        inner = dotted(node.value) if isinstance(node, ast.Attribute) else None
        return None if inner is None else f"{inner}.{node.attr}"

    return tuple(sorted({(d, node.attr) for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                         for d in [dotted(node.value)] if d in LIBRARIES}))


def library_check(fn: Any, text: str) -> Callable[[], bool]:
    """Refuse when a library function the generated ``text`` calls by name has been rebound
    (``np.sin = np.cos``: the rule chosen for the new object would call the name, now something
    else); otherwise a check, for the guards runner, that none has been rebound since."""
    pairs = [(sys.modules[m], m, a, originals[a]) for m, a in library_names(text)
             for originals in [_originals(m)] if originals and a in originals]
    patched = [f"{m}.{a}" for module, m, a, original in pairs if getattr(module, a, _MISSING) is not original]
    if patched:
        now = getattr(sys.modules[patched[0].rsplit(".", 1)[0]], patched[0].rsplit(".", 1)[1], None)
        shown = identity(now, "is") or repr(now)
        code = getattr(fn, "__code__", None)
        where = Location(code.co_filename, code.co_firstlineno) if code is not None else None
        raise UnsupportedConstructError(
            f"'{patched[0]}' is not the library's own function now (it is {shown}: rebound, a monkeypatch?); "
            f"derivative code calls library functions by name, so it would call the replacement"
            + (f" (also rebound: {', '.join(patched[1:])})" if patched[1:] else ""), where,
            f"restore the original ({patched[0]} = the function saved before patching) while "
            "differentiating, and call the function you mean by its own name")

    def check() -> bool:
        return all(getattr(module, a, _MISSING) is original for module, _m, a, original in pairs)
    return check
