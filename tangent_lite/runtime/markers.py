"""Helpers that compute nothing: the markers user code writes (``stop_gradient``,
``grad_hook``) and the checks generated code runs before constructs whose derivatives
cannot be followed (``not_a_dict``, ``number_only``, ``held_once``, ``scalar_only``, ``real_only``).
"""

from __future__ import annotations

import operator
import sys
import threading
import weakref
from typing import Any, Dict, Iterator

import numpy as np

from .library import _is_complex, converted_by_numpy, converted_message, own_protocol


def user_error(kind: str, message: str, hint: str) -> Exception:
    """The exception a check in generated code raises about the user's input: tangent_lite's
    own class (``errors.<kind>``), or a ValueError where tangent_lite is not installed (a
    standalone module adgen wrote, which carries this function)."""
    try:
        from .. import errors  # (relative: a standalone module names no tangent_lite)
    except ImportError:  # pragma: no cover - a standalone module without tangent_lite
        error: Exception = ValueError(f"tangent_lite: {message}\nTo fix: {hint}")
    else:
        error = getattr(errors, kind)(message, hint=hint)
    error.tl_refusal = True  # type: ignore[attr-defined]  # (no except clause of the user's catches it)
    return error


def reraise_refusal() -> None:
    """The first statement of every except clause of derivative code: the exception being handled,
    if it is a refusal the derivative code raised while it ran (:func:`user_error`), is not one the
    user's ``except`` clause may catch (the function itself never raised it): raise it again."""
    caught = sys.exc_info()[1]
    if getattr(caught, "tl_refusal", False):
        raise caught

STRUCTURED_HINT = ("pass the parameters of '{name}' as one flat array (np.concatenate) and rebuild them inside the "
                   "function, or use tl.grad / tl.vjp, whose gradients keep the structure")


def _numeric(v: Any) -> bool:
    """A number, an array, or a list or tuple NumPy reads as an array of numbers."""
    if isinstance(v, (list, tuple)):
        try:
            return np.asarray(v).dtype.kind in "fiuc"
        except ValueError:  # (ragged)
            return False
    return isinstance(v, (int, float, complex, np.ndarray, np.generic)) and not isinstance(v, bool)


def array_only(v: Any, name: str, what: str) -> None:
    """Check that ``v``, the argument ``what`` (``tl.jacobian``) differentiates with respect to,
    is a number or an array: its result is shaped ``out.shape + x.shape``, which a dict or an
    object has not."""
    if not _numeric(v):
        raise user_error("ArgumentError", f"{what} differentiates with respect to a number or an array (its result "
                         f"is shaped out.shape + x.shape); '{name}' is a {type(v).__name__}",
                         STRUCTURED_HINT.format(name=name))


def stop_gradient(x: Any) -> Any:
    """The identity, for values that must be treated as constants when differentiating."""
    return x


def grad_hook(x: Any, hook: Any) -> Any:
    """Identity on ``x``; in reverse mode, ``x``'s cotangent is replaced by ``hook(cotangent)``.

    The reverse sweep calls ``hook``, a module-level function (``x = tl.grad_hook(x, clip)`` with
    ``def clip(g): return np.clip(g, -1.0, 1.0)``), where it computes the adjoint (Tangent's ``insert_grad_of``)."""
    return x


def not_a_dict(v: Any, message: str) -> None:
    """Check that ``v``, which a loop iterates by index, is no dict (Python iterates its keys)."""
    if isinstance(v, dict):
        raise ValueError(f"tangent_lite: {message}")


def hashable_only(message: str, *args: Any) -> None:
    """Check, before a call of the function behind a ``functools.lru_cache`` (which the
    derivative calls itself), what the cache would: that every argument is hashable."""
    for a in args:
        try:
            hash(a)
        except TypeError as exc:
            raise TypeError(f"{message}: {exc}") from None


def same_keys(keywords: Any, keys: Any, message: str) -> None:
    """Check that the keywords a ``functools.partial`` binds (its ``.keywords`` dict, which can be
    written in place) are still those the derivative was made for (their values are read at every call)."""
    if tuple(keywords) != keys:
        raise user_error("TangentLiteError", f"{message} bound the keywords {list(keys)} when its derivative was "
                         f"made, and binds {list(keywords)} now (its .keywords dict was changed in place)",
                         "bind a new functools.partial to the name instead of changing the keywords of this one")


def verified_only(message: str, *arrays: Any) -> None:
    """Check, before ``xp.<name>(...)`` of a function whose derivative is not verified outside
    NumPy (``xnp.VERIFIED``), that no argument is an array of an array-API library (array-api-strict,
    PyTorch, JAX): NumPy and the libraries NumPy dispatches to (Dask, CuPy) pass."""
    for a in arrays:
        if type(a) is list or type(a) is tuple:
            verified_only(message, *a)
            continue
        t = type(a)
        if isinstance(a, (np.ndarray, np.generic, float, int, complex, type)) or hasattr(t, "__array_function__") \
                or not (hasattr(a, "shape") and hasattr(a, "dtype")):
            continue
        raise user_error("UnsupportedConstructError", f"{message} on an array of type {t.__module__}.{t.__name__}: "
                         "its derivative is not verified outside NumPy (the verified functions are listed in "
                         "docs/arrays-beyond-numpy.md)",
                         "convert the arrays to NumPy (np.asarray, or torch's .numpy()) for this function, or "
                         "write it with the verified functions")


def namespace_only(xp: Any, message: str) -> None:
    """Check that a parameter read as the namespace of the arrays (``xp.exp(a)`` differentiated
    as ``np.exp``) holds one: a module, an object of the array API (``__array_api_version__``) or None."""
    if xp is None or isinstance(xp, type(np)) or hasattr(xp, "__array_api_version__"):
        return
    raise user_error("UnsupportedConstructError", f"{message} is read as the namespace of the arrays (xp.f(...) as "
                     f"NumPy's f), but it is a {type(xp).__module__}.{type(xp).__name__}",
                     "pass the array namespace (array_namespace(x)), or give the parameter another name than 'xp'")


def container_only(v: Any, message: str) -> None:
    """Check that ``v`` holds a list, tuple or dict before a slice of it or a store into it by
    index that derivatives follow as a list's or dict's (a copy; re-binding an item): an array's
    slice is a view and a store into an array changes it in place, under an alias."""
    if not isinstance(v, (list, tuple, dict)):
        what, _, hint = message.partition("\nTo fix: ")
        raise user_error("UnsupportedConstructError", what, hint)


def number_only(v: Any, message: str) -> None:
    """Check that ``v`` holds a number before ``v op= e`` (which then makes a new object):
    an array or a list would be changed in place, under an alias derivatives cannot follow."""
    if isinstance(v, (np.ndarray, list, dict)):
        what, _, hint = message.partition("\nTo fix: ")
        raise user_error("UnsupportedConstructError", what, hint)


def held_once(container: Any, item: Any, message: str) -> None:
    """Check, before ``L[i] op= v`` changes the array ``item`` (``L[i]``) in place, that no other
    entry of ``container`` (nested lists, tuples and dicts included) is that array or shares its
    memory (``L = [a, a]``, ``[a, a.T]``): the derivative code makes a new array for ``L[i]``
    and would not follow the change into the other entry.  ``container`` may be an array where the
    code that checks does not know its kind (``y[:, 0] *= 3``): an array's entries are no objects of
    their own, so there is nothing to check."""
    if not isinstance(container, (list, tuple, dict)):
        return
    if isinstance(item, (list, dict)):  # (L[i] += [v], d[k] |= e: the list or dict itself changes)
        if sum(1 for e in _entries(container, 0, True) if e is item or e is _entries) > 1:
            what, _, hint = message.partition("\nTo fix: ")
            raise user_error("UnsupportedConstructError", what, hint)
        return
    if not isinstance(item, np.ndarray):
        return  # (a number: op= makes a new one; other arrays: op= as NumPy's is not assumed)
    owner = _owner(item)  # (arrays of other owners cannot share its memory: one attribute read per entry)
    if type(container) is list and len(container) >= _LONG and _owned_once(container, owner):
        return
    holding = [e for e in _entries(container, 0) if e is item or e is _entries or type(e) is np.ndarray
               and (e if e.base is None else _owner(e)) is owner and np.shares_memory(e, item)]
    if len(holding) > 1:
        what, _, hint = message.partition("\nTo fix: ")
        raise user_error("UnsupportedConstructError", what, hint)


_LONG = 64  # shorter lists are looked through whole at each check (cheaper than keeping a record)
_last = threading.local()  # .record: what _record returns, for the last long list checked in this thread


def _owned_once(container: list, owner: Any) -> bool:
    """Does at most one entry of the long list of arrays ``container`` hold an array whose memory
    ``owner`` owns?  False when that is not known (an entry that is no NumPy array: a nested list,
    a number).  A loop of updates ``L[i] op= v`` checks the same list again and again, each time
    with one entry changed (the new array the update put there): the counts of the previous check,
    kept with weak references to the entries they counted, are brought up to date for the changed
    entries only, found by identity (in C), so n checks of an n-entry list cost about n * n pointer
    comparisons instead of n * n Python steps.  The record keeps no array alive (an entry that died
    reads as changed)."""
    record = getattr(_last, "record", None)
    if record is None or record[0] != id(container) or len(record[1]) != len(container):
        record = _record(container)
        if record is None:
            return False
    _, before, keys, counts = record
    same = list(map(operator.is_, map(_DEREF, before), container))
    at = -1
    while True:
        try:
            at = same.index(False, at + 1)
        except ValueError:
            break
        new = container[at]
        if type(new) is not np.ndarray:
            _last.record = None
            return False
        old_key, new_key = keys[at], id(_owner(new))
        counts[old_key] -= 1
        if not counts[old_key]:
            del counts[old_key]
        counts[new_key] = counts.get(new_key, 0) + 1
        before[at], keys[at] = weakref.ref(new), new_key
    _last.record = record
    return counts.get(id(owner), 0) <= 1


def _record(container: list) -> Any:
    """(id of ``container``, weak references to its entries, the id of the owner of each entry's
    memory, owner id -> how many entries hold arrays of its memory), or None when an entry is no
    NumPy array."""
    counts: Dict[int, int] = {}
    keys = []
    for entry in container:
        if type(entry) is not np.ndarray:
            return None
        key = id(_owner(entry))
        counts[key] = counts.get(key, 0) + 1
        keys.append(key)
    return id(container), [weakref.ref(e) for e in container], keys, counts


_DEREF = weakref.ref.__call__  # (what a weak reference refers to, None once it died: called in C)


def _owner(a: np.ndarray) -> Any:
    """The object owning ``a``'s memory (NumPy points a view's ``base`` at the owner)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a if a.base is None else a.base


def _entries(container: Any, depth: int, nested: bool = False) -> Iterator[Any]:
    """The entries of a list, tuple or dict, and of those nested in it (``nested``: the nested lists,
    tuples and dicts themselves too); past a depth of 50 (or a list holding itself) ``_entries``
    itself, which :func:`held_once` counts as a shared entry."""
    for entry in container.values() if isinstance(container, dict) else container:
        if isinstance(entry, (list, tuple, dict)):
            if nested:
                yield entry
            yield from _entries(entry, depth + 1, nested) if depth < 50 else (_entries, _entries)
        else:
            yield entry


def scalar_only(v: Any, message: str) -> None:
    """Check that ``v`` is a scalar (a number or a 0-d array) where a gradient needs one: the
    value of ``f`` inside ``tl.grad(f)`` transformed again (see compose.py)."""
    if isinstance(v, (tuple, list, dict)) or np.ndim(v) != 0:
        got = f"a {type(v).__name__}" if isinstance(v, (tuple, list, dict)) else \
            f"a {type(v).__name__} of shape {np.shape(v)}"
        raise user_error("NonScalarOutputError", f"{message}; it returned {got}",
                         "reduce it to a scalar (np.sum, a loss), or use tl.jacobian for non-scalar outputs "
                         "(tl.jacobian(tl.jacobian(f)) for a vector-valued f)")


def _complex_in(v: Any) -> bool:
    """Does ``v`` (an array, a number, or a list or tuple of them, of any shapes) hold a complex value?"""
    if isinstance(v, (list, tuple)):
        return any(_complex_in(e) for e in v)
    return _is_complex(v) or isinstance(v, complex)


def real_only(v: Any, message: str) -> None:
    """Check that ``v`` holds no complex numbers before a function whose derivative rule is
    written for real input only (rules/complex.py, ``COMPLEX_VERIFIED``): refuse rather than
    give a silently wrong derivative.  About 100 ns for an array (one look at ``dtype.kind``)."""
    if _complex_in(v):
        raise user_error("UnsupportedConstructError", message,
                         "differentiate it for real input (write the real and imaginary parts, or np.abs, "
                         "explicitly); docs/complex-numbers.md lists the functions verified for complex input")



class _NoSwallow:
    """A context manager around ``cm`` that behaves like it, except that where ``cm.__exit__``
    swallows an exception (``contextlib.suppress``, an ``__exit__`` that returns True) it raises
    UnsupportedConstructError instead: the statements of the with block after the one that
    raised did not run, and the derivative code would follow them (see :func:`no_swallow`)."""

    def __init__(self, cm: Any, where: str, label: str) -> None:
        self.cm, self.where, self.label = cm, where, label

    def __enter__(self) -> Any:
        return self.cm.__enter__()

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        if self.cm.__exit__(kind, exc, tb) and kind is not None:
            raise user_error(
                "UnsupportedConstructError",
                f"{self.where}: the with block of '{self.label}' stopped half-way: {kind.__name__} ({exc}) was raised "
                "in it and the context swallowed it, so the statements after the one that raised did not run; "
                "derivatives do not follow a with block that stops half-way",
                "let the exception propagate (a context whose __exit__ returns False, no contextlib.suppress), or "
                "catch it with try/except around the statement that raises, which derivatives follow") from exc
        return False


def no_swallow(cm: Any, where: str, label: str) -> Any:
    """``cm``, the context of the with statement ``label`` at ``where`` (file:line) in derivative
    code, checked at run time: an exception its ``__exit__`` swallows, which stopped the with block
    half-way, raises UnsupportedConstructError instead of letting the derivative count the
    statements that did not run.  A context that lets every exception through behaves as it
    does without this check."""
    return _NoSwallow(cm, where, label)


_BEHAVIOUR = frozenset(f"__{n}__" for n in (
    "add radd iadd sub rsub isub mul rmul imul truediv rtruediv itruediv floordiv rfloordiv mod rmod pow rpow "
    "ipow matmul rmatmul imatmul neg pos abs getitem setitem array_ufunc array_function").split())


# NumPy's own array types whose operators are not the elementwise arithmetic of their entries the
# rules follow, and what to write instead ({name}: the value's name in the user's code)
NUMPY_OWN_ARRAYS = (
    (np.matrix, "make '{name}' an array, np.asarray({name}), and write its matrix product with '@'"),
    (np.ma.MaskedArray, "pass {name}.filled(value) (the value its masked entries stand for), or the data and the "
                        "mask separately, e.g. np.where(mask, 0.0, expr) with {name}.data and {name}.mask"),
)


def own_array_fix(t: type, name: str) -> str:
    """What to write instead of a value named ``name`` of one of :data:`NUMPY_OWN_ARRAYS`, or of a type
    implementing NumPy's functions itself (:func:`own_protocol`); '' for any other ``t``."""
    fix = next((fix.format(name=name) for cls, fix in NUMPY_OWN_ARRAYS if issubclass(t, cls)), "")
    if fix or not own_protocol(t):
        return fix
    return (f"where NumPy's function of its values is meant, pass them as a NumPy array (np.asarray({name})); "
            f"NumPy's functions on a {t.__qualname__} run its own {own_protocol(t)}, whose derivatives tangent_lite "
            "does not know (of the arrays of other libraries, Dask's and CuPy's are followed: "
            "docs/arrays-beyond-numpy.md)")


def own_behaviour(t: type) -> str:
    """The first operator, indexing or NumPy-protocol method a subclass of an array, number, list,
    tuple or dict type defined outside Python and NumPy gives itself ('' if none): a
    ``class Sq(np.ndarray)`` with its own ``__mul__`` is not differentiated as an array; nor are
    NumPy's own ``np.matrix``, whose ``*`` is a matrix product and ``**`` a matrix power, and masked
    arrays, whose operators skip the masked entries the derivatives would still count."""
    if any(issubclass(t, cls) for cls, _ in NUMPY_OWN_ARRAYS):
        return "__mul__"
    if t.__module__ == "builtins" or t.__module__.startswith(("numpy", "tangent_lite")) \
            or not issubclass(t, (np.ndarray, np.generic, int, float, complex, list, tuple, dict)):
        return ""
    for cls in t.__mro__:
        if cls.__module__ == "builtins" or cls.__module__.startswith("numpy"):
            break
        found = next((m for m in sorted(_BEHAVIOUR) if m in vars(cls)), "")
        if found:
            return found
    return ""


def operand(v: Any, where: str, op: str, shown: str, method: str = "") -> None:
    """Check, before an operator (``op`` its symbol, ``method`` the Python method it calls on ``v``:
    ``'*'``, ``'__rmul__'``) or a NumPy / ``math`` function (``op``: ``'np.dot'``, ``method`` empty, or
    the keyword ``v`` is passed as, ``'weights='``: only a type with a protocol of its own is refused) whose
    operand ``v`` (written ``shown`` at ``where``, the user's file:line) carries or meets derivatives,
    that ``v`` is an array, a number or a value of Python's or NumPy's own types: an object of the
    user's class would run its own method, not the rule's arithmetic (:func:`array_method`)."""
    t = type(v)
    if t is np.ndarray or t is float or t is int:
        return
    if not method and (t is list or t is tuple) and listed_operand(op):
        raise user_error("UnsupportedConstructError",
                         f"{where}: {op} reads the {t.__name__} '{shown}' as an array, which its derivative does not "
                         "follow for a list or tuple that comes from outside the function",
                         f"pass np.array({shown}) to {op} (or make the argument an array)")
    if not method and (t is list or t is tuple):  # (NumPy reads the entries as arrays: np.concatenate([x, V]))
        for i, entry in enumerate(v):
            operand(entry, where, op, f"{shown}[{i}]")
        return
    if not method and op.startswith("np.") and converted_by_numpy(t):  # (a PyTorch tensor to np.dot, not xp.dot)
        what, fix = converted_message(op, shown, t)
        raise user_error("UnsupportedConstructError", f"{where}: {what}", fix)
    own = own_behaviour(t) or own_protocol(t)
    if own:
        what, fix = operand_message(op, shown, method.rstrip("="), t.__qualname__, own)
        raise user_error("UnsupportedConstructError", f"{where}: {what}", own_array_fix(t, shown) or fix)
    if method.endswith("="):  # (a keyword argument, weights=w: any other value is an option, dtype=x.dtype)
        return
    what, fix = operand_message(op, shown, method, "{type}")
    array_method(v, f"{where}: {what}\nTo fix: {fix}", True)


def listed_operand(op: str) -> bool:
    """Is ``op`` (spelled ``np.name``) a NumPy function that reads a list argument as an array, whose
    derivative does not when the list comes from outside the function (:func:`operand`): a ufunc of
    two or more operands, np.square, np.clip, np.where, np.einsum, np.solve (np.sum, np.exp, np.dot,
    np.linalg.norm, np.stack of a list argument are differentiated)."""
    name = op[3:] if op.startswith("np.") else ""
    obj = getattr(np, name, None)
    return name in ("square", "clip", "where", "einsum", "solve") or isinstance(obj, np.ufunc) and obj.nin >= 2


def operand_message(op: str, shown: str, method: str, tname: str, own: str = "") -> Any:
    """(what, fix) of the refusal of an operand ``shown`` of type ``tname`` (:func:`operand`), whose
    type has its own ``own`` (an operator's or NumPy's protocol method: :func:`own_behaviour`,
    :func:`own_protocol`; '' when not known)."""
    has = f", which has its own {own}" if own else ""
    if method:
        return (f"the '{op}' operator of '{shown}' is differentiated as that of numbers and arrays, but '{shown}' "
                f"is a {tname}{has}",
                f"call the method as a function of the object, {tname}.{method}({shown}, ...), which is "
                "differentiated like any Python function")
    owner = "math" if op.startswith("math.") else "NumPy"
    return (f"{op} is differentiated as {owner}'s function of numbers and arrays, but its argument '{shown}' is a "
            f"{tname}{has} ({owner} would call the {tname}'s own methods)",
            f"pass an array or a number to {op}, or call the {tname}'s own method as a function "
            f"({tname}.<method>({shown}, ...)), which is differentiated like any Python function")


def _fix_operand(hint: str) -> str:
    """The operand a fix of :func:`receivers.operator_checks` names: ``{type}.__mul__(k, ...)`` -> ``k``."""
    end = hint.find(", ...)")
    return hint[hint.rfind("(", 0, end) + 1:end] if end > 0 else "x"


def array_method(v: Any, message: str, containers: bool = False) -> None:
    """Check, before ``np.<f>(v, ...)`` written as the method call ``v.<f>(...)`` (or the attribute
    ``v.T``) on a value whose type the generated code was not specialised to, that ``v`` is an
    array or a number: another object's method of that name (a user class's ``.dot``, a list's)
    is not NumPy's function.  ``containers``: lists, tuples, dicts, sets, any number, and any other
    value of Python's or NumPy's own types pass too (``v.copy()``; the operands of ``+``, ``*``, ...;
    the options NumPy's functions take positionally: None, strings, dtypes).  A type with operators or
    NumPy protocol methods of its own (:func:`own_behaviour`, :func:`own_protocol`: a user's duck array,
    not Dask's or CuPy's) is refused whatever ``containers`` says.  A NumPy array type of
    :data:`NUMPY_OWN_ARRAYS` gets its own fix, naming ``v`` as the message's fix does: ``(name, ...)``."""
    t = type(v)
    own = "" if t is np.ndarray or t is float or t is int else own_behaviour(t) or own_protocol(t)
    if own:
        what, _, hint = message.partition("\nTo fix: ")
        shown = f"{t.__qualname__} (with its own {own})"  # (once: the message may name the type again)
        what = what.replace("{type}", shown, 1).replace("{type}", t.__qualname__)
        raise user_error("UnsupportedConstructError", what,
                         own_array_fix(t, _fix_operand(hint)) or hint.replace("{type}", t.__qualname__))
    if t is np.ndarray or t is float or t is int or t is complex or isinstance(v, (np.ndarray, np.generic)) \
            or hasattr(t, "__array_function__") or (hasattr(v, "shape") and hasattr(v, "dtype")) \
            or (containers and (isinstance(v, (list, tuple, dict, set, int, float, complex))
                                or t.__module__ == "builtins" or t.__module__.startswith("numpy"))):
        return
    what, _, hint = message.partition("\nTo fix: ")
    name = t.__qualname__
    raise user_error("UnsupportedConstructError", what.replace("{type}", name), hint.replace("{type}", name))
