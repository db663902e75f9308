"""Where a line of generated code came from: refusals met while differentiating a derivative
again (second order) are reported at the user's line, not in the cache file or the runtime.

Generated code says where each user line starts with a comment (``# model.py:12: y = ...``).
A refusal located in the generated file moves to the user line before it; one located inside
tangent_lite's runtime (a helper such as ``_tl.checkpoint_forward`` that has no rules, read
as Python) becomes one error at the user line whose derivative code calls that helper.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from typing import Any, Callable, List, Optional

from . import varargs
from .backends import codegen
from .errors import PACKAGE_DIR, Location, MultipleErrors, NoRuleError, TangentLiteError

_COMMENT = re.compile(r"\s*# (\S+?):(\d+): (.*)$")
_AGAIN = " (in the derivative code generated for this line, differentiated again)"


def at_users_lines(exc: TangentLiteError, fn: Callable) -> TangentLiteError:
    """``exc``, raised while differentiating ``fn``, at the user's lines: through generated code
    (:func:`relocated`) and out of the function varargs.py made for a call of a ``*args`` /
    ``**kwargs`` function (what is inlined from the user's function is located at its call)."""
    if str(getattr(fn, "__module__", "")).startswith("tangent_lite_generated."):
        exc = relocated(exc, fn)
    errors, moved = _flat(exc), False
    for err in errors:
        where = varargs.users_location(err.location, err.message) if err.location is not None else None
        if where is not None:
            err.location, moved = where, True
            Exception.__init__(err, err._format())
    return MultipleErrors(errors) if moved and len(errors) > 1 else exc


def relocated(exc: TangentLiteError, fn: Callable) -> TangentLiteError:
    """``exc``, raised while differentiating ``fn`` (generated code), pointed at the user's lines."""
    errors = _flat(exc)
    generated = getattr(getattr(fn, "__code__", None), "co_filename", None)
    text = _lines(generated)
    # (a runtime helper's own derivative code is generated inside the package too: its errors first move to
    # the helper's lines, below, and the caller's relocation then names the helper at the user's line)
    inside = [e for e in errors if e.location is not None and _in_package(e.location.filename)
              and e.location.filename != generated]
    if inside:  # a runtime helper read as Python: say which, at the user's line that uses it
        helper = _helper_at(inside[0].location) or "a runtime helper"
        call = next((i + 1 for i, line in enumerate(text) if f".{helper}(" in line), None)
        return NoRuleError(
            f"derivatives of the derivative code through '_tl.{helper}' are not supported yet" + _AGAIN,
            _user_location(fn, text, call),
            "use first-order derivatives here, or forward mode over forward mode (tl.derivatives)")
    for err in errors:
        if err.location is not None and err.location.filename == generated:
            where = _user_location(fn, text, err.location.lineno)
            if where is not None:
                err.location = where
                err.message += _AGAIN
            Exception.__init__(err, err._format())
    return errors[0] if len(errors) == 1 else MultipleErrors(errors)


def _flat(exc: TangentLiteError) -> List[TangentLiteError]:
    """The single errors ``exc`` holds, however deeply gathered."""
    inner = getattr(exc, "errors", None)
    return [e for sub in inner for e in _flat(sub)] if inner else [exc]


def _lines(path: Optional[str]) -> List[str]:
    try:
        with open(path or "", encoding="utf-8") as fh:
            return fh.read().splitlines()
    except OSError:
        return []


def _in_package(filename: str) -> bool:
    return os.path.abspath(filename).startswith(PACKAGE_DIR)


def _helper_at(loc: Location) -> Optional[str]:
    """The runtime function whose source holds ``loc``."""
    from . import runtime

    for name, obj in vars(runtime).items():
        fn = inspect.unwrap(obj) if callable(obj) else None
        if not inspect.isfunction(fn) or os.path.abspath(fn.__code__.co_filename) != os.path.abspath(loc.filename):
            continue
        lines, first = inspect.getsourcelines(fn)
        if first <= loc.lineno < first + len(lines):
            return name
    return None


def _user_location(fn: Callable, text: List[str], lineno: Optional[int],
                   module: Optional[str] = None) -> Optional[Location]:
    """The user line the generated line ``lineno`` belongs to (the comment before it); through
    generated code that was differentiated again, down to the user's line."""
    if lineno is None:
        return None
    for line in reversed(text[:lineno]):
        found = _COMMENT.match(line)
        if found:
            deeper = _generated_module(found.group(1))
            if deeper is not None:  # a line of generated code (the gradient a Hessian differentiates): its line
                where = _user_location(fn, _lines(deeper.__file__), int(found.group(2)),
                                       vars(deeper).get("__tl_user_module__"))
                if where is not None:
                    return where
            from .backends.codegen import _user_module

            path = getattr(sys.modules.get(module or _user_module(fn)), "__file__", None) or found.group(1)
            if os.path.basename(path) != os.path.basename(found.group(1)):
                path = found.group(1)  # (not the module fn was made from: as the comment says it)
            return Location(path, int(found.group(2)), found.group(3))
    return None


def _generated_module(name: str) -> Any:
    """The loaded generated module whose file the comments of generated code name ``name``."""
    for module in list(codegen.LOADED.values()):
        path = getattr(module, "__file__", None) or ""
        if path and name in (path, os.path.basename(path)):
            return module
    return None


__all__: List[Any] = ["relocated", "source_file"]


def source_file(fn: Callable) -> str:
    """The file ``fn`` was written in; for generated code, that of the module it was made from."""
    module = str(getattr(fn, "__module__", "") or "")
    if module.startswith("tangent_lite_generated."):
        made = codegen.LOADED.get(module)
        source = sys.modules.get(getattr(made, "__tl_user_module__", None) or "")
        return getattr(source, "__file__", None) or ""
    code = getattr(getattr(fn, "__tl_function__", fn), "__code__", None)
    return code.co_filename if code is not None else ""
