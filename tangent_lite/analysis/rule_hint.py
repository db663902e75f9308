"""The registration code a missing-rule refusal prints: code that works when pasted.

For ``np.percentile`` called on a value that carries derivatives::

    import numpy as np
    import tangent_lite as tl

    @tl.defvjp(np.percentile, argnum=0)
    def percentile_vjp(g, ans, a, q, axis=None, out=None, overwrite_input=False, method='linear',
                       keepdims=False, weights=None, interpolation=None):
        return ...  # the cotangent of a (shaped like a)

    @tl.defjvp(np.percentile, argnum=0)
    def percentile_jvp(a_dot, ans, a, q, axis=None, ...):
        return ...  # the tangent of the output (shaped like ans)

The callee is spelled so that the import line above it names it (``np.percentile``,
``scipy.special.erf`` even when the user wrote ``sp.erf``); the rule's parameters are the
callee's own, with its defaults (defaults that cannot be written as a literal become ``None``,
keyword-only parameters become ordinary ones with defaults, ``*args``/``**kwargs`` are left out).
"""

from __future__ import annotations

import ast
import inspect
import types
from typing import Any, Dict, List, Optional, Tuple

from ..rules import distributions


def spelling(callee: Any, written: Optional[str], env: Dict[str, Any]) -> Tuple[str, str]:
    """``(name to write, import line)`` for ``callee``, preferring the module path of what the
    user wrote (``sp.erf`` with ``import scipy.special as sp`` -> ``scipy.special.erf``)."""
    if written and "." in written:
        root, *rest = written.split(".")
        module = env.get(root)
        while len(rest) > 1 and isinstance(getattr(module, rest[0], None), types.ModuleType):
            module, rest = getattr(module, rest[0]), rest[1:]  # scipy.linalg.schur: import scipy.linalg
        if isinstance(module, types.ModuleType):
            return _module_spelling(module.__name__, ".".join(rest))
    if isinstance(callee, types.ModuleType):
        return _module_spelling(callee.__name__, "")
    owner = getattr(callee, "__self__", None)
    if type(owner).__name__ == "ufunc":  # a ufunc's method held in a name (ACC = np.maximum.accumulate)
        spelled, import_line = spelling(owner, None, env)
        return f"{spelled}.{callee.__name__}", import_line
    mod = str(getattr(callee, "__module__", None) or "")
    name = getattr(callee, "__qualname__", None) or getattr(callee, "__name__", None) or "f"
    if type(callee).__name__ == "ufunc" or mod.startswith("numpy"):
        public = "numpy.linalg" if mod.startswith("numpy.linalg") else "numpy"
        return _module_spelling(public, getattr(callee, "__name__", name))
    if mod and mod != "builtins":
        return _module_spelling(mod, name)
    return name, ""


def _module_spelling(module: str, rest: str) -> Tuple[str, str]:
    if module == "numpy" or module.startswith("numpy."):
        tail = module[len("numpy"):].lstrip(".")
        return ".".join(p for p in ("np", tail, rest) if p), "import numpy as np"
    return ".".join(p for p in (module, rest) if p), f"import {module}"


def _default(value: Any) -> str:
    text = repr(value)
    try:
        if bool(ast.literal_eval(text) == value):
            return text
    except Exception:  # noqa: BLE001 - not a literal (a dtype, np._NoValue, an object): None
        pass
    return "None"


def parameters(callee: Any) -> List[str]:
    """The callee's parameters as a rule declares them: ``a``, ``axis=None``, ... (for a method of a
    ``scipy.stats`` distribution, SciPy's: ``x, c, loc=0.0, scale=1.0``)"""
    if distributions.is_distribution_method(callee) and distributions.rule_parameters(callee):
        return distributions.rule_parameters(callee)
    try:
        sig = inspect.signature(callee)
    except (TypeError, ValueError):  # (a ufunc of an older NumPy: its inputs are x1, x2, ...)
        nin = getattr(callee, "nin", 1)
        return [f"x{i + 1}" for i in range(nin)] if isinstance(nin, int) and nin > 1 else ["x"]
    out, defaulted = [], False
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is not p.empty:
            out.append(f"{p.name}={_default(p.default)}")
            defaulted = True
        elif defaulted or p.kind is p.KEYWORD_ONLY:
            out.append(f"{p.name}=None")
        else:
            out.append(p.name)
    return out or ["x"]


def registration_code(callee: Any, written: Optional[str], env: Dict[str, Any], arg: Optional[str] = None) -> str:
    """Pasteable rules for the argument ``arg`` of ``callee`` (default: the first), bodies left to
    the user.  A body may call functions of any module the rules' module imports."""
    spelled, import_line = spelling(callee, written, env)
    params = parameters(callee)
    names = [p.split("=")[0] for p in params]
    argnum = names.index(arg) if arg in names else 0
    first = names[argnum]
    ident = spelled.split(".")[-1].replace("<", "").replace(">", "") or "f"
    if distributions.is_distribution_method(callee):  # weibull_min_logpdf_vjp
        ident = f"{distributions.name_of(callee.__self__)}_{ident}"
    seed = "g" if "g" not in params else "g_"
    plist = ", ".join(params)
    lines = [line for line in (import_line, "import tangent_lite as tl") if line]
    lines += [
        "",
        f"@tl.defvjp({spelled}, argnum={argnum})",
        f"def {ident}_vjp({seed}, ans, {plist}):",
        f"    return ...  # the cotangent of {first} (shaped like {first})",
        "",
        f"@tl.defjvp({spelled}, argnum={argnum})",
        f"def {ident}_jvp({first}_dot, ans, {plist}):",
        "    return ...  # the tangent of the output (shaped like ans)",
    ]
    return "\n".join(lines)
