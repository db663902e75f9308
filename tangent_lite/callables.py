"""The function handed to tangent_lite: what can be differentiated (a function, a
``functools.partial`` of one, a ``@tl.differentiate`` wrapper), its signature and parameters,
read once per function and remembered.

A ``functools.partial`` of a Python function is a *target*: its bound arguments are held
constant, and ``wrt`` counts only the arguments the caller still passes.
"""

from __future__ import annotations

import functools
import inspect
import os
import weakref
from typing import Any, Callable, Dict, List, Tuple

from .errors import PACKAGE_DIR, ArgumentError, SourceUnavailableError
from .rules import REGISTRY

_SUPPORTS_PARTIAL = ("the transformations (tl.grad, tl.value_and_grad, tl.vjp, tl.jvp, tl.jacobian, tl.hessian, "
                     "tl.hvp, tl.derivatives, tl.source)")


def check_function(fn: Any) -> Callable:
    """``fn`` if it can be differentiated as it is; else a clear error."""
    if inspect.ismethod(fn) and REGISTRY.get(fn) is not None:  # scipy.stats.norm.pdf: its rules, not its source
        name = REGISTRY.get(fn).name
        raise SourceUnavailableError(
            f"'{name}' is a primitive (a function with derivative rules): tangent_lite differentiates Python "
            "functions, which may call it",
            hint=f"differentiate a Python function that calls it: lambda x: {name}(x), or a def")
    if inspect.isbuiltin(fn) or type(fn).__name__ == "ufunc":  # np.sin, math.exp: no source to read
        name = getattr(fn, "__name__", type(fn).__name__)
        module = "np" if type(fn).__name__ == "ufunc" else (getattr(fn, "__module__", None) or "module")
        raise SourceUnavailableError(
            f"'{name}' has no Python source (it is a builtin or C extension function): tangent_lite differentiates "
            "Python functions, which may call it",
            hint=f"differentiate a Python function that calls it: lambda x: {module}.{name}(x), or a def")
    if isinstance(fn, functools.partial) and hasattr(fn, "_subject") and fn.args:  # decorator._BoundMethod
        inner = getattr(fn.func, "__qualname__", type(fn.func).__name__)
        raise ArgumentError(
            f"'{inner}' (a @tl.differentiate method, reached through an object) cannot be differentiated here",
            hint=f"{_SUPPORTS_PARTIAL} accept it; elsewhere pass the function and the object: "
                 f"'{inner}' with the object as its first argument")
    if isinstance(fn, functools.partial):
        inner = getattr(fn.func, "__qualname__", type(fn.func).__name__)
        raise SourceUnavailableError(
            f"a functools.partial of '{inner}' cannot be differentiated here: a partial object has no source",
            hint=f"{_SUPPORTS_PARTIAL} accept a partial; elsewhere pass '{inner}' itself with all its arguments")
    if inspect.ismethod(fn):
        owner = fn.__self__
        if isinstance(owner, type):  # a classmethod: __self__ is the class
            hint = (f"differentiate the function and pass the class: tl.grad({owner.__name__}.{fn.__name__}.__func__, "
                    f"wrt=1)({owner.__name__}, ...)")
        else:
            hint = (f"differentiate the function and pass the object: tl.grad({type(owner).__name__}."
                    f"{fn.__name__}, wrt=1)(obj, ...)")
        raise ArgumentError(f"'{fn.__qualname__}' is a bound method", hint=hint)
    if _made_by_tangent_lite(fn):
        shown = getattr(fn, '__qualname__', fn)
        raise ArgumentError(
            (f"'{shown}' here is not the function '{shown}' but what a tangent_lite transformation returned for it"
             if hasattr(fn, "__wrapped__") else f"'{shown}' here is a function tangent_lite made") +
            ", which cannot be transformed again (what tl.jacobian(..., has_aux=True) returns, a pullback, ...): "
            "what tl.grad, tl.value_and_grad, tl.jacobian and tl.hessian return can",
            hint="transform tl.grad(f) or tl.jacobian(f) instead (tl.jacobian(tl.grad(f)) is the Hessian), or write "
                 "the derivative you need as a function of its own")
    if not callable(fn):
        raise ArgumentError(f"expected a function to differentiate, got {_what(fn)}",
                            hint="pass the function itself, e.g. tl.grad(loss), not its value loss(x)")
    if inspect.isclass(fn):
        raise ArgumentError(f"expected a function to differentiate, got the class '{fn.__qualname__}'",
                            hint="differentiate a function (a def) that builds and uses the object")
    if not inspect.isroutine(fn) and not hasattr(fn, "__tl_function__") and _python_call(type(fn)):
        cls = type(fn).__qualname__
        raise ArgumentError(
            f"expected a function to differentiate, got a callable '{cls}' object",
            hint=f"differentiate the method and pass the object: tl.grad({cls}.__call__, wrt=1)(obj, ...)")
    return fn


_RUNTIME = os.path.join(PACKAGE_DIR, "runtime") + os.sep


def _made_by_tangent_lite(fn: Any) -> bool:
    """Is ``fn`` a closure of tangent_lite's own API (``functools.wraps`` gives it the user's
    name, not its code)?  The runtime helpers are not: derivative code differentiated again
    calls them."""
    filename = getattr(getattr(fn, "__code__", None), "co_filename", "") or ""
    return filename.startswith(PACKAGE_DIR) and not filename.startswith(_RUNTIME)


def _python_call(cls: type) -> bool:
    """Does ``cls`` define ``__call__`` in Python (a callable object, not a C callable)?"""
    return any(inspect.isfunction(vars(c).get("__call__")) for c in cls.__mro__)


def as_partial(f: Any) -> Any:
    """Callables that hold their first argument become a ``functools.partial`` of a function,
    which holds it constant: a bound method ``model.loss`` (``self``), a classmethod
    ``Model.build`` (the class), an object with a Python ``__call__`` (the object).  A function
    behind ``functools.lru_cache`` / ``functools.cache`` is the function (caching does not
    change values), and so is one behind a ``functools.wraps`` wrapper that only forwards
    (``return fn(*args, **kwargs)``).  Anything else is returned as it is."""
    for _ in range(8):  # (wrappers of wrappers)
        if inspect.ismethod(f) and REGISTRY.get(f) is not None:
            return f  # a method with rules (scipy.stats.norm.pdf): not its source (check_function says what to write)
        if inspect.ismethod(f) and f.__name__ == "__call__" and hasattr(f.__self__, "__tl_function__"):
            return f.__self__  # a @tl.differentiate function used as a method (its __get__)
        if inspect.ismethod(f) and inspect.isfunction(f.__func__):
            return functools.partial(f.__func__, f.__self__)
        if inspect.ismethod(f) and _cached(f.__func__):  # an lru_cache'd method: its function, the object first
            return functools.partial(f.__func__.__wrapped__, f.__self__)
        if _cached(f):
            f = f.__wrapped__  # functools.lru_cache / cache: a C wrapper around the function
            continue
        if inspect.isfunction(f) and hasattr(f, "__wrapped__") and _only_forwards(f):
            f = f.__wrapped__
            continue
        if not inspect.isroutine(f) and not inspect.isclass(f) and not hasattr(f, "__tl_function__") \
                and not isinstance(f, functools.partial) and _python_call(type(f)):
            return functools.partial(type(f).__call__, f)
        return f
    return f


def _cached(f: Any) -> bool:
    """``functools.lru_cache`` / ``functools.cache`` of a function (a C wrapper around it)."""
    return hasattr(f, "cache_info") and hasattr(f, "__wrapped__") and not inspect.isfunction(f)


def resolved_late(f: Any) -> bool:
    """Does the function behind ``f`` depend on more than ``f`` itself (a callable object's class
    may rebind ``__call__``, a wrapper's cell its target)?  Then it is looked up at every call."""
    return hasattr(f, "__wrapped__") or (not inspect.isroutine(f) and not isinstance(f, functools.partial)
                                         and not hasattr(f, "__tl_function__") and _python_call(type(f)))


def _only_forwards(wrapper: Callable) -> bool:
    """Is ``wrapper`` (made with ``functools.wraps``) just ``return fn(*args, **kwargs)`` of the
    function it wraps (looked at now: the cell may have been rebound)?  A wrapper that does more
    is differentiated itself."""
    name = _forwarded_name(wrapper.__code__)
    cells = dict(zip(wrapper.__code__.co_freevars, wrapper.__closure__ or ()))
    try:
        return name is not None and name in cells and cells[name].cell_contents is wrapper.__wrapped__
    except ValueError:  # an empty cell
        return False


@functools.lru_cache(maxsize=256)
def _forwarded_name(code: Any) -> Any:
    """The free variable a wrapper's code forwards all its arguments to
    (``def w(*args, **kwargs): return fn(*args, **kwargs)``: ``"fn"``), else None."""
    import ast
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(code)))  # (the wrapper's own text)
    except (OSError, TypeError, SyntaxError):
        return None
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    body = [s for s in fdef.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return None
    call, a = body[0].value, fdef.args
    forwards = (a.vararg is not None and a.kwarg is not None and not a.args and not a.kwonlyargs
                and len(call.args) == 1 and isinstance(call.args[0], ast.Starred)
                and isinstance(call.args[0].value, ast.Name) and call.args[0].value.id == a.vararg.arg
                and len(call.keywords) == 1 and call.keywords[0].arg is None
                and isinstance(call.keywords[0].value, ast.Name) and call.keywords[0].value.id == a.kwarg.arg)
    if not forwards or not isinstance(call.func, ast.Name):
        return None
    return call.func.id


def self_in_wrt(f: Any, wrt: Any) -> Any:
    """For a bound method ``obj.loss`` and a ``wrt`` that names its first parameter
    (``wrt="self"``): ``(the function, obj)``, to differentiate with respect to the object too
    (its gradient is an object of the same type); else None (the object is held constant)."""
    if not inspect.ismethod(f) or not inspect.isfunction(f.__func__) or isinstance(f.__self__, type):
        return None
    first = next(iter(signature(f.__func__).parameters), None)
    names = [wrt] if isinstance(wrt, str) else list(wrt) if isinstance(wrt, (tuple, list)) else []
    return (f.__func__, f.__self__) if first is not None and first in names else None


def split_partial(f: Any, unwrap: Callable[[Any], Callable]) -> Tuple[Callable, Any]:
    """(the Python function to differentiate, the target arguments are bound against).

    The target is the function itself, or for ``functools.partial(g, ...)`` a partial of
    the function (``unwrap`` turns ``g`` into it, e.g. a ``@differentiate`` wrapper).
    Bound methods and callable objects are partials of their function (:func:`as_partial`)."""
    f = as_partial(f)
    if isinstance(f, functools.partial):
        inner = as_partial(f.func)
        if isinstance(inner, functools.partial):  # partial(model.loss, ...): self first, then the rest
            f = functools.partial(inner.func, *inner.args, *f.args, **{**inner.keywords, **f.keywords})
        elif inner is not f.func:  # partial(cached_fn, ...): of the function behind the cache
            f = functools.partial(inner, *f.args, **f.keywords)
        fn = unwrap(f.func)
        return fn, functools.partial(fn, *f.args, **f.keywords)
    fn = unwrap(f)
    return fn, fn


def _function_of(target: Any) -> Callable:
    return target.func if isinstance(target, functools.partial) else target


def describe(target: Any) -> str:
    """How messages name the target: ``'loss'`` or ``functools.partial of 'loss'``."""
    name = f"'{getattr(_function_of(target), '__qualname__', _short(target))}'"
    return f"the functools.partial of {name}" if isinstance(target, functools.partial) else name


def _per_function(compute: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``compute(fn)`` remembered for as long as ``fn`` lives (weakly: no function is kept
    alive by being asked about, as an ``lru_cache`` would keep thousands of closures)."""
    memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @functools.wraps(compute)
    def remembered(fn: Any) -> Any:
        try:
            return memo[fn]
        except KeyError:
            value = memo[fn] = compute(fn)
            return value
        except TypeError:  # not weak-referenceable
            return compute(fn)

    remembered.forget = memo.pop  # type: ignore[attr-defined]
    return remembered


def _signature_memo_clear(fn: Any) -> None:
    try:
        _signature.forget(fn, None)  # type: ignore[attr-defined]
    except TypeError:
        pass


def signature(fn: Callable) -> inspect.Signature:
    """``inspect.signature(fn)``, remembered while ``fn``'s default values stay the same objects
    (``fn.__defaults__ = ...`` changes what a call binds, and so does ``fn.__kwdefaults__["p"] = ...``:
    a dict edited in place)."""
    sig, seen = _signature(fn)
    if not same_defaults(seen, defaults_state(fn)):
        _signature_memo_clear(fn)
        sig, seen = _signature(fn)
    return sig


def defaults_state(fn: Any) -> Tuple[Any, Any]:
    """What a call of ``fn`` binds to omitted parameters: its ``__defaults__`` tuple and the items
    of its ``__kwdefaults__`` dict (a dict can be edited in place, so its items, not the dict)."""
    kw = getattr(fn, "__kwdefaults__", None)
    return getattr(fn, "__defaults__", None), (None if kw is None else tuple(kw.items()))


def same_defaults(a: Tuple[Any, Any], b: Tuple[Any, Any]) -> bool:
    """Do two :func:`defaults_state` name the same objects (compared by identity)?"""
    if a[0] is not b[0] or (a[1] is None) != (b[1] is None):
        return False
    return a[1] is None or (len(a[1]) == len(b[1]) and all(
        ka == kb and va is vb for (ka, va), (kb, vb) in zip(a[1], b[1])))


@_per_function
def _signature(fn: Callable) -> Tuple[inspect.Signature, Tuple[Any, Any]]:
    return _read_signature(fn), defaults_state(fn)


def _read_signature(fn: Callable) -> inspect.Signature:
    try:  # the function's own parameters: not those of a function a functools.wraps wrapper names
        return inspect.signature(fn, follow_wrapped=False)
    except (TypeError, ValueError):
        if getattr(fn, "__code__", None) is None:  # a builtin or a ufunc (whose signature Python < 3.10 cannot read)
            raise SourceUnavailableError(
                f"'{getattr(fn, '__qualname__', getattr(fn, '__name__', fn))}' has no Python source (it is a builtin "
                "or C extension function)",
                hint="register a derivative rule for it with tl.defvjp / tl.defjvp") from None
        raise SourceUnavailableError(
            f"cannot read the signature of {fn!r}",
            hint="differentiate a Python function (a def in a .py file), or register a rule for this one "
                 "with tl.defvjp / tl.defjvp") from None


@_per_function
def param_tuple(fn: Callable) -> Tuple[str, ...]:
    return tuple(p.name for p in signature(fn).parameters.values()
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))


def params(fn: Callable) -> List[str]:
    return list(param_tuple(fn))


@_per_function
def plain_positional(fn: Callable) -> bool:
    return all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in signature(fn).parameters.values())


def free_params(target: Any) -> Tuple[List[str], Dict[str, str]]:
    """The arguments the caller passes (in order), and those a partial fixes (name -> how)."""
    fn = _function_of(target)
    names = params(fn)
    fixed: Dict[str, str] = {}
    if isinstance(target, functools.partial):
        positional = [p.name for p in signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        for name in positional[:len(target.args)]:
            fixed[name] = "positionally"
        for name in target.keywords:
            fixed.setdefault(name, f"as {name}={_short(target.keywords[name])}")
    return [n for n in names if n not in fixed], fixed


def call_text(fn: Callable) -> str:
    """``loss(W, x, *, scale=2.0)``: how the function is called."""
    try:
        return f"{fn.__name__}{signature(fn)}"
    except (SourceUnavailableError, AttributeError):
        return repr(fn)


def _what(value: Any) -> str:
    """``1.5 (float)``, ``None``: a value as messages show it."""
    return "None" if value is None else f"{_short(value)} ({type(value).__name__})"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def no_other_options(who: str, options: Dict[str, Any]) -> None:
    """Keyword arguments a transformation does not take: ``argnums=`` (JAX) and ``argnum=``
    (autograd) are spelled ``wrt=`` here; anything else is Python's usual TypeError."""
    for name, value in options.items():
        if name in ("argnums", "argnum"):
            raise TypeError(f"{who}() got an unexpected keyword argument '{name}': tangent_lite spells it wrt= "
                            f"(argument indices or names), e.g. {who}(f, wrt={value!r})")
        raise TypeError(f"{who}() got an unexpected keyword argument '{name}'")
