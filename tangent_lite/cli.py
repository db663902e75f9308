"""``adgen``: write derivatives of a function as a standalone Python module.

    adgen model.py:loss --mode vjp --wrt W -o loss_grad.py
    adgen model.py:loss --emit wengert

The written module needs only NumPy: the runtime helpers it calls are inlined.
``--backend numba`` writes the same derivative decorated with ``numba.njit`` (needs
NumPy and Numba; see docs/numba.md).
Errors (bad path, missing function, syntax error, unsupported code) print one
line (plus the user's source line) and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Any, Dict, List, Optional, Tuple

from .errors import TangentLiteError

EXIT_USAGE = 2


class CliError(Exception):
    pass


def _load(target: str) -> Any:
    if ":" not in target:
        raise CliError(f"expected PATH:FUNCTION, got '{target}'")
    path, _, qualname = target.rpartition(":")
    if not os.path.isfile(path):
        raise CliError(f"no such file: {path}")
    name = os.path.splitext(os.path.basename(path))[0]
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CliError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise CliError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:  # the user's module failed to import
        raise CliError(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    obj: Any = module
    for part in qualname.split("."):
        if not hasattr(obj, part):
            raise CliError(f"{path} has no function '{qualname}'")
        obj = getattr(obj, part)
    from .api import Differentiable

    if isinstance(obj, Differentiable):
        obj = obj.fn
    if not callable(obj):
        raise CliError(f"'{qualname}' in {path} is not a function")
    return obj


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="adgen", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", help="PATH:FUNCTION, e.g. model.py:loss")
    p.add_argument("--mode", choices=("vjp", "jvp", "hvp", "hessian"), default="vjp",
                   help="reverse (vjp) or forward (jvp) mode; hvp / hessian: second order (forward over reverse)")
    p.add_argument("--wrt", default=None, help="comma-separated argument names or indices (default: the first)")
    p.add_argument("--emit", choices=("module", "wengert", "trace", "dot", "memory"), default="module",
                   help="module: the standalone derivative module; wengert: the lowered form; trace: the "
                        "evaluation table at VALUES (--mode jvp: forward, vjp: reverse); dot: the computational "
                        "graph as Graphviz DOT; memory: what the reverse sweep stores for VALUES")
    p.add_argument("--backend", choices=("python", "numba"), default="python",
                   help="numba: a module whose functions are numba.njit-compiled (needs numpy and numba; "
                        "--mode vjp or jvp)")
    p.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    p.add_argument("values", nargs="*", help="argument values as Python literals (for --emit trace / memory)")
    return p


def run(argv: Optional[List[str]] = None) -> str:
    args = build_parser().parse_intermixed_args(argv)
    fn = _load(args.target)
    from . import api

    if args.emit == "wengert":
        return api.wengert(fn)
    if args.emit == "trace":
        from .inspect.trace import trace_cli

        return trace_cli(fn, args.values, args.mode, args.wrt)
    if args.emit == "dot":
        from .inspect.graph import graph

        return graph(fn, mode="reverse" if args.mode == "vjp" else "forward").dot()
    if args.emit == "memory":
        from .inspect.memory import memory_report
        from .inspect.trace import parse_values

        return str(memory_report(fn, *parse_values(args.values), wrt=_parse_wrt(args.wrt)))
    names, _ = api.resolve_wrt(fn, _parse_wrt(args.wrt))
    if args.backend == "numba" and args.mode in ("hvp", "hessian"):
        raise CliError(f"--backend numba writes --mode vjp or jvp modules, not {args.mode}")
    if args.mode in ("hvp", "hessian"):
        return _second_order(fn, names, args.mode)
    text = standalone_text(fn, args.mode, list(names))
    if args.backend == "numba":
        from .backends import numba_backend

        try:
            return numba_backend.standalone(text)
        except numba_backend.Unsupported as exc:
            raise CliError(f"--backend numba: the generated code uses {exc}, which the Numba backend does not "
                           "support; write it with --backend python") from None
    return text


def standalone_text(fn: Any, mode: str, wrt: List[str]) -> str:
    """One module with the derivative of ``fn`` and of every user function it calls."""
    return _standalone(fn, mode, wrt)[0]


def _standalone(fn: Any, mode: str, wrt: List[str]) -> Tuple[str, Dict[Any, str]]:
    """(the module text, the name each entity it refers to has in it: see standalone.py)."""
    from . import api
    from .backends import codegen, standalone

    derivs: List[Any] = []
    calls: List[Dict[str, Tuple[int, str]]] = []
    index: Dict[Any, int] = {}
    first_extra = None

    def collect(f: Any, m: str, w: List[str], spec: Any, options: Tuple[str, ...] = ()) -> int:
        nonlocal first_extra
        key = (f, m, tuple(w), spec, options)
        if key in index:
            return index[key]
        i = index[key] = len(derivs)
        _wengert, d, _raw, extra = api.derive(f, m, w, spec, options)
        derivs.append(d)
        calls.append({})
        first_extra = first_extra or extra
        for rec in extra["callees"]:
            j = collect(api._lookup(f, rec["spelling"]), rec["mode"], rec["wrt"], api._rec_spec(rec),
                        tuple(rec.get("options", ())))
            calls[i].update((local, (j, remote)) for local, remote in rec["bind"].items())
        return i

    collect(fn, mode, wrt, None)
    derivs, named = standalone.unified(derivs, calls, codegen._user_module)
    _keep_literal_defaults(derivs[0].functions, fn)
    return codegen.module_text(derivs, "adgen", standalone=True, extra_meta=first_extra).text, named


def _second_order(fn: Any, names: Any, mode: str) -> str:
    """The forward mode of the generated gradient (an HVP), plus a Hessian loop."""
    from . import api
    from .errors import ArgumentError

    if len(names) != 1:
        raise ArgumentError(f"--mode {mode} needs a single --wrt argument")
    grad_module = api.compiled(fn, "vjp", names)
    fused = getattr(grad_module, grad_module.__tl_meta__["functions"][0])
    text, named = _standalone(fused, "jvp", list(names))
    hvp_name = named[("def", 0, f"{fused.__name__}_jvp")]
    np_name = named.get(("module", "numpy"))
    if np_name is None:  # the wrappers below need NumPy; the derivative did not
        np_name = "np" if "np" not in named.values() else "_np_hessian"
        text += f"\nimport numpy as {np_name}\n"
    params = api._params(fn)
    taken = set(named.values())
    for wrapper in (f"{fn.__name__}_hvp", f"{fn.__name__}_hessian"):
        if wrapper in taken:
            raise CliError(f"the file would define {wrapper}, a name {fn.__name__} already uses; rename it")
    x = names[0]
    args = ", ".join(params)
    text += f"""

def {fn.__name__}_hvp({_signature(fn, params, x)}):
    \"\"\"Hessian-vector product of {fn.__name__} with respect to {x}: H v (forward over reverse).\"\"\"
    return {hvp_name}({args}, 1.0, v)[1][1]
"""
    if mode == "hessian":
        text += f"""

def {fn.__name__}_hessian({_signature(fn, params, None)}):
    \"\"\"Hessian of {fn.__name__} with respect to {x}, shaped {x}.shape + {x}.shape (one HVP per entry).\"\"\"
    shape = {np_name}.shape({x})
    n = int({np_name}.prod(shape))
    rows = []
    for i in range(n):
        e = {np_name}.zeros(n)
        e[i] = 1.0
        rows.append({np_name}.ravel({fn.__name__}_hvp({args}, e.reshape(shape))))
    return {np_name}.array(rows).reshape(shape + shape)
"""
    return text


def _literal_defaults(fn: Any) -> Dict[str, Any]:
    """The defaults of ``fn``'s parameters that are literals (printable and read back equal)."""
    import ast
    import inspect

    out: Dict[str, Any] = {}
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return out
    for name, p in parameters.items():
        try:
            if p.default is not inspect.Parameter.empty and ast.literal_eval(repr(p.default)) == p.default:
                out[name] = p.default
        except (ValueError, SyntaxError):
            pass
    return out


def _keep_literal_defaults(functions: List[Any], fn: Any) -> None:
    """Give the main derivative functions (``f_vjp``, ``f_fwd``: the user's parameters first,
    then only parameters with defaults) the user's literal defaults, so ``f_vjp(x)`` works as
    ``f(x)`` does.  (``f_jvp`` takes its tangents after them: no defaults there.)"""
    import inspect

    from .syntax import gast

    defaults = _literal_defaults(fn)
    if not defaults:
        return
    params = list(inspect.signature(fn).parameters)
    for fdef in functions:
        names = [a.id for a in fdef.args.args]
        if names[:len(params)] != params:
            continue
        tail = names[len(params):]
        if len(fdef.args.defaults) != len(tail):
            continue  # (a parameter after the user's has no default: f_jvp's tangents)
        first = next((i for i, p in enumerate(params) if p in defaults and all(q in defaults for q in params[i:])),
                     len(params))
        fdef.args.defaults = [gast.Constant(value=defaults[p], kind=None) for p in params[first:]] \
            + list(fdef.args.defaults)


def _signature(fn: Any, params: List[str], x: Optional[str]) -> str:
    """The parameters of ``fn`` (with ``v`` after them for an HVP), keeping the defaults that
    are literals (a default computed from other values must be passed)."""
    if x is not None:  # v follows the parameters: no default may come before it
        return ", ".join(list(params) + ["v"])
    defaults = _literal_defaults(fn)
    return ", ".join(f"{name}={defaults[name]!r}" if name in defaults else name for name in params)


def _parse_wrt(text: Optional[str]) -> Any:
    if not text:
        return None
    return [int(w) if w.strip().lstrip("-").isdigit() else w.strip() for w in text.split(",")]


def main(argv: Optional[List[str]] = None) -> int:
    try:
        text = run(argv)
    except CliError as exc:
        print(f"adgen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TangentLiteError as exc:
        for err in getattr(exc, "errors", [exc]):  # several problems: one line each
            where = f"{err.location}: " if err.location is not None else ""
            print(f"adgen: error: {where}{err.message}", file=sys.stderr)
            if err.location is not None and err.location.text:
                print(f"    {err.location.lineno} | {err.location.text.strip()}", file=sys.stderr)
        return EXIT_USAGE
    args = build_parser().parse_intermixed_args(argv)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
