"""Binding call sites: call-site atoms to the parameters of a primitive's rules (:func:`bind`)
or of a user function tangent_lite transforms itself (:func:`is_user_function`, :func:`bind_user`)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import os
import sysconfig
from typing import Any, Dict, Iterator, List, Tuple

from .. import syntax as S
from ..errors import NoRuleError, TangentLiteError, UnsupportedConstructError
from ..frontend.anf import is_tangent_lite_own
from ..rules.registry import Primitive


def bind(prim: Primitive, args: List[Any], keywords: List[Any], stmt: Any) -> Dict[str, Any]:
    """Match call-site atoms to the primitive's parameter names."""
    if len(args) > len(prim.params):
        raise NoRuleError(
            f"the rules for {prim.name} take at most {len(prim.params)} positional arguments "
            f"({', '.join(prim.params)}), this call passes {len(args)}",
            hint="compute without the extra arguments (e.g. sum(xs) + start for the builtin sum), or register "
                 "rules whose signature has them",
        )
    bound = dict(zip(prim.params, args))
    for kw in keywords:
        if kw.arg not in prim.params:
            raise NoRuleError(
                f"the rules for {prim.name} do not accept the keyword '{kw.arg}' "
                f"(parameters: {', '.join(prim.params)})",
                hint="drop the keyword, or register rules whose signature includes it",
            )
        bound[kw.arg] = kw.value
    return bound


# the file of the function being transformed now, when it is part of an installed library
# (tl.grad(scipy.special.logsumexp)): the functions of that same file are followed through their
# source too (its private helpers), those of other files of the library need rules
_LIBRARY_FILE: contextvars.ContextVar[str] = contextvars.ContextVar("tl_library_file", default="")


@contextlib.contextmanager
def transforming(filename: str) -> Iterator[None]:
    """While a function of ``filename`` (for generated code: the file of the code it was made from) is
    transformed: calls of functions of that file are followed when it is library code."""
    filename = os.path.abspath(filename) if filename else ""
    token = _LIBRARY_FILE.set(filename if _in_library(filename) else "")
    try:
        yield
    finally:
        _LIBRARY_FILE.reset(token)


def is_user_function(obj: Any) -> bool:
    """A Python function tangent_lite transforms itself: not registered, and not part of
    an installed library or the standard library (those need rules), except the functions of
    the library file whose function is being transformed (see :func:`transforming`)."""
    fn = user_function(obj)
    if not inspect.isfunction(fn):
        return False
    if is_tangent_lite_own(fn):
        return False  # tangent_lite's own functions (what tl.grad returns): not the user's code
    filename = os.path.abspath(fn.__code__.co_filename)
    return not _in_library(filename) or filename == _LIBRARY_FILE.get()


def _in_library(filename: str) -> bool:
    return any(filename.startswith(root) for root in _library_roots())


def is_user_class(obj: Any) -> bool:
    """A class of the user's code: one of its methods (from its own class up) is a user function."""
    if not inspect.isclass(obj):
        return False
    for owner in obj.__mro__[:-1]:
        for value in vars(owner).values():
            fn = getattr(value, "__func__", value)
            if inspect.isfunction(fn):
                return is_user_function(fn)
    return False


@functools.cache
def _library_roots() -> Tuple[str, ...]:
    """The install locations of the standard library and of packages (computed once: asking
    ``sysconfig`` costs a fraction of a millisecond, once per call of every callee)."""
    paths = sysconfig.get_paths()
    roots = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    return tuple(sorted(os.path.abspath(r) + os.sep for r in roots if r))


def user_function(obj: Any) -> Any:
    return getattr(obj, "__tl_function__", obj)


def bind_user(fn: Any, args: List[Any], keywords: List[Any]) -> Dict[str, Any]:
    """Call-site atoms for every parameter of a user function, defaults filled in."""
    sig = inspect.signature(fn)
    try:
        bound = sig.bind(*args, **{k.arg: k.value for k in keywords})
    except TypeError as exc:
        raise TangentLiteError(f"bad call to '{fn.__qualname__}': {exc}") from None
    out: Dict[str, Any] = {}
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise UnsupportedConstructError(
                f"'{fn.__qualname__}' takes *args or **kwargs", hint="give it explicit parameters")
        if name in bound.arguments:
            out[name] = bound.arguments[name]
        elif p.default is None or type(p.default) in (bool, int, float, str):  # (not np.float64: its repr needs np)
            out[name] = S.const(p.default)
        else:
            raise UnsupportedConstructError(
                f"the default value of '{name}' in '{fn.__qualname__}' is not a literal",
                hint=f"pass '{name}' explicitly at this call")
    return out
