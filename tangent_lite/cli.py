"""``adgen``: write derivatives of a function as a standalone Python module.

    adgen model.py:loss --mode vjp --wrt W -o loss_grad.py
    adgen mypkg.model:loss --mode jvp      (a module of a package, by its dotted name)
    adgen model.py:loss --emit wengert

The written module needs only NumPy: the runtime helpers it calls are inlined, specialised
to NumPy arrays (``--arrays any`` keeps them general: the module then also runs on Dask, CuPy
and array-API arrays, as tangent_lite's own derivatives do).
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
    """The function ``target`` names: ``path/to/file.py:func`` or ``package.module:func``
    (a dotted module name, imported as ``python -m`` would, from the current directory).
    A file inside a package (its folder has ``__init__.py``) is imported under its dotted
    name, from the folder above the package, so that its relative imports work."""
    if ":" not in target:
        raise CliError(f"expected PATH:FUNCTION or MODULE:FUNCTION, got '{target}'")
    where, _, qualname = target.rpartition(":")
    if os.path.isfile(where):
        module = _import_file(where)
    elif where.endswith(".py") or os.sep in where or "/" in where:
        raise CliError(f"no such file: {where}")
    else:
        module = _import_dotted(where)
    obj: Any = module
    for part in qualname.split("."):
        if not hasattr(obj, part):
            raise CliError(f"{where} has no function '{qualname}'")
        obj = getattr(obj, part)
    from .decorator import Differentiable

    if isinstance(obj, Differentiable):
        obj = obj.fn
    if not callable(obj):
        raise CliError(f"'{qualname}' in {where} is not a function")
    return obj


def _package_name(path: str) -> Tuple[str, str]:
    """(the dotted module name of the file at ``path``, the folder to import it from): the
    file's own name, prefixed by every enclosing folder that is a package."""
    directory, filename = os.path.split(os.path.abspath(path))
    parts = [os.path.splitext(filename)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts), directory


def _import_file(path: str) -> Any:
    name, root = _package_name(path)
    if "." in name:  # inside a package: import it as part of the package (relative imports work)
        return _import_dotted(name, root, shown=path)
    if root not in sys.path:
        sys.path.insert(0, root)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CliError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise CliError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    except ImportError as exc:
        if "relative import" in str(exc):
            raise CliError(f"importing {path} failed: it uses relative imports (from . import ...) but its "
                           "folder is not a package: add an __init__.py to the folder, or run adgen from the "
                           "package's parent folder with the module's dotted name, e.g. adgen pkg.module:func"
                           ) from None
        raise CliError(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # the user's module failed to import
        raise CliError(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    return module


def _import_dotted(name: str, root: Optional[str] = None, shown: Optional[str] = None) -> Any:
    """Import the module ``name`` (``pkg.module``) with ``root`` (default: the current
    directory, as ``python -m`` does) first on the path."""
    import importlib

    root = os.path.abspath(root or os.getcwd())
    if root not in sys.path:
        sys.path.insert(0, root)
    shown = shown or name
    try:
        return importlib.import_module(name)
    except SyntaxError as exc:
        raise CliError(f"{exc.filename or shown}:{exc.lineno}: syntax error: {exc.msg}") from None
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise CliError(f"no module named '{name}' (looked in {root} and on the Python path): give a file "
                           "path (model.py:func) or run adgen from the folder that contains the package"
                           ) from None
        raise CliError(f"importing {shown} failed: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # the user's module failed to import
        raise CliError(f"importing {shown} failed: {type(exc).__name__}: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="adgen", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", help="PATH:FUNCTION or MODULE:FUNCTION, e.g. model.py:loss or mypkg.model:loss")
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
    p.add_argument("--arrays", choices=("numpy", "any"), default="numpy",
                   help="numpy: the inlined runtime helpers specialised to NumPy arrays (short); any: the general "
                        "helpers, for the arrays of any library (Dask, CuPy, the array API) as well")
    p.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    p.add_argument("--clear-cache", action="store_true",
                   help="remove tangent_lite's cache entries (the __tangent_lite__ folders below the current "
                        "folder, or below the folders given as VALUES, and the per-user cache directory) and exit")
    p.add_argument("values", nargs="*", help="argument values as Python literals (for --emit trace / memory)")
    return p


def run(argv: Optional[List[str]] = None) -> str:
    args = build_parser().parse_intermixed_args(argv)
    if args.clear_cache:
        return _clear_cache([p for p in ([args.target] if args.target else []) + args.values])
    if not args.target:
        raise CliError("expected PATH:FUNCTION or MODULE:FUNCTION (e.g. model.py:loss), or --clear-cache")
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
    if args.backend == "numba" and args.arrays != "numpy":
        raise CliError("--backend numba writes NumPy-only modules: leave out --arrays any")
    at = tuple(args.target.rpartition(":")[2].split("."))  # (where the file finds fn: its closure)
    if args.mode in ("hvp", "hessian"):
        return _second_order(fn, names, args.mode, args.arrays, _command(args), at)
    text = standalone_text(fn, args.mode, list(names), args.arrays,
                           None if args.backend == "numba" else _command(args), at)
    if args.backend == "numba":
        from .backends import numba_backend

        try:
            return numba_backend.standalone(text)
        except numba_backend.Unsupported as exc:
            raise CliError(f"--backend numba: the generated code uses {exc}, which the Numba backend does not "
                           "support; write it with --backend python") from None
    return text


def _clear_cache(folders: List[str]) -> str:
    """``adgen --clear-cache [FOLDER ...]``: what was removed, where."""
    from .backends import cache, upkeep

    for folder in folders:
        if not os.path.isdir(folder):
            raise CliError(f"--clear-cache takes folders; no such folder: {folder}")
    user = cache._user_cache_dir()
    removed = upkeep.clear([*(folders or [os.getcwd()]), user], memory=False)
    where = ", ".join(folders or ["the current folder"])
    return f"adgen: removed {removed} cache entries (__tangent_lite__ folders below {where}, and {user})"


def _command(args: Any) -> str:
    """The ``adgen`` command that writes the file again (named by the file's refusals of values of
    other kinds than it was written for)."""
    parts = ["adgen", args.target] + ([f"--mode {args.mode}"] if args.mode != "vjp" else []) \
        + ([f"--wrt {args.wrt}"] if args.wrt else []) + (["--arrays any"] if args.arrays != "numpy" else []) \
        + ([f"-o {args.output}"] if args.output else [])
    return " ".join(parts)


def standalone_text(fn: Any, mode: str, wrt: List[str], arrays: str = "numpy",
                    command: Optional[str] = "adgen", at: Tuple[str, ...] = ()) -> str:
    """One module with the derivative of ``fn`` and of every user function it calls
    (``arrays``: ``"numpy"``, for NumPy arrays only; ``"any"``, for the arrays of any library).
    The values it reads from the user's modules are read at every call and checked first
    (their refusals name ``command``, the way to write the file again); with ``command`` None
    they are imported once (``from model import W``: the Numba backend).  ``at``: the attributes
    that reach ``fn`` from its module (``("Holder", "g")``), where the file reads its closure."""
    return _standalone(fn, mode, wrt, arrays, command, (), at)[0]


def _standalone(fn: Any, mode: str, wrt: List[str], arrays: str = "numpy",
                command: Optional[str] = "adgen", helpers: Tuple[str, ...] = (),
                at: Tuple[str, ...] = ()) -> Tuple[str, Dict[Any, str]]:
    """(the module text, the name each entity it refers to has in it: see standalone.py; the
    runtime helpers' as ``("runtime",)``, ``helpers`` among them for the code added after it)."""
    from . import api
    from .backends import codegen, standalone
    from .frontend import guards

    derivs: List[Any] = []
    assumed: List[List[Any]] = []  # each derivative's guards, and those of the generated code it differentiates
    calls: List[Dict[str, Tuple[int, str]]] = []
    index: Dict[Any, int] = {}
    first_extra = None

    def collect(f: Any, m: str, w: List[str], spec: Any, options: Tuple[str, ...] = ()) -> int:
        nonlocal first_extra
        key = (f, m, tuple(w), spec, options)
        if key in index:
            return index[key]
        i = index[key] = len(derivs)
        wengert, d, _raw, extra = api.derive(f, m, w, spec, options)
        derivs.append(d)
        assumed.append(list(extra.get("guards", [])) + list(getattr(f, "__globals__", {}).get(
            "__tl_meta__", {}).get("guards", [])))
        calls.append({})
        first_extra = first_extra or extra
        foreign = {alias: guards.foreign_value(f, module_name, attr, codegen.module_by_name)
                   for alias, (module_name, attr) in wengert.foreign.items()}
        for rec in extra["callees"]:
            j = collect(api._lookup(f, rec["spelling"], foreign), rec["mode"], rec["wrt"], api._rec_spec(rec),
                        tuple(rec.get("options", ())))
            calls[i].update((local, (j, remote)) for local, remote in rec["bind"].items())
        return i

    collect(fn, mode, wrt, None)
    module_of, user_of = codegen._user_module, codegen.user_function
    root = (module_of(user_of(fn)), at[0], at[1:]) if at else None  # (the module of the user's function)
    found = standalone.reaches(derivs, assumed, module_of, user_of, root)  # (the closures read: where they are)
    paths = [standalone.closure_paths(d, here, module_of, user_of) for d, here in zip(derivs, found)]
    rows = None if command is None else standalone.read_rows(derivs, assumed, module_of, found, user_of)
    derivs, named = standalone.unified(derivs, calls, module_of, rows, paths)
    _keep_literal_defaults(derivs[0].functions, fn)
    # (the command goes into the file only when a refusal names it: a value of the user's modules; the
    # refusal of a monkeypatched library function names none, and the text stays that of any spelling)
    command = command if any(not standalone._library(row[0]) for row in rows or ()) else None
    reads = None if not rows else (named[("reads",)], command, [
        ((named[("module", module)], module), *rest) for module, *rest in rows])
    named.setdefault(("runtime",), derivs[0].w.aliases["_tl"])
    return codegen.module_text(derivs, "adgen", standalone=True, extra_meta=first_extra, arrays=arrays,
                               reads=reads, helpers=helpers).text, named


def _second_order(fn: Any, names: Any, mode: str, arrays: str = "numpy", command: Optional[str] = "adgen",
                  at: Tuple[str, ...] = ()) -> str:
    """The forward mode of the generated gradient (an HVP), plus a Hessian loop."""
    from . import api
    from .errors import ArgumentError

    if len(names) != 1:
        raise ArgumentError(f"--mode {mode} needs a single --wrt argument")
    grad_module = api.compiled(fn, "vjp", names)
    fused = getattr(grad_module, grad_module.__tl_meta__["functions"][0])
    text, named = _standalone(fused, "jvp", list(names), arrays, command,
                              ("hessian_argument",) if mode == "hessian" else (), at)
    hvp_name = named[("def", 0, f"{fused.__name__}_jvp")]
    params = api._params(fn)
    hvp_fn, hessian_fn = f"{fn.__name__}_hvp", f"{fn.__name__}_hessian"
    taken = set(named.values())
    for wrapper in (hvp_fn, hessian_fn):
        if wrapper in taken:
            raise CliError(f"the file would define {wrapper}, a name {fn.__name__} already uses; rename it")
    if mode == "hessian" and {"range", "int"} & set(params):
        raise CliError(f"{fn.__name__}'s parameter {sorted({'range', 'int'} & set(params))[0]!r} would hide the "
                       f"builtin {hessian_fn} calls; rename it or use --mode hvp")
    # the wrappers' names for NumPy, the direction and their locals: never a parameter's name (hygiene)
    taken |= set(params) | {hvp_fn, hessian_fn}
    np_name = named.get(("module", "numpy"))
    if np_name is None or np_name in params:  # the wrappers below need NumPy, unshadowed
        np_name = "np" if "np" not in taken else _free_local("_np_hessian", taken)
        text += f"\nimport numpy as {np_name}\n"
    x = names[0]
    v = _free_local("v", taken)
    args = ", ".join(params)
    text += f"""

def {hvp_fn}({_signature(fn, params, x, v)}):
    \"\"\"Hessian-vector product of {fn.__name__} with respect to {x}: H {v} (forward over reverse).\"\"\"
    return {hvp_name}({args}, 1.0, {v})[1][1]
"""
    if mode == "hessian":
        # the wrapper's locals, not named like a parameter (the loop would overwrite it)
        taken_locals = taken | {np_name}
        shape, n, rows, i, e = (_free_local(local, taken_locals) for local in ("shape", "n", "rows", "i", "e"))
        # (a parameter named like the HVP wrapper hides it: the fused JVP it calls instead)
        call = f"{hvp_fn}({args}, {e}.reshape({shape}))" if hvp_fn not in params \
            else f"{hvp_name}({args}, 1.0, {e}.reshape({shape}))[1][1]"
        text += f"""

def {hessian_fn}({_signature(fn, params, None)}):
    \"\"\"Hessian of {fn.__name__} with respect to {x}, shaped {x}.shape + {x}.shape (one HVP per entry).\"\"\"
    {named[("runtime",)]}.hessian_argument({x}, {x!r}, '{fn.__name__}_hessian', '{fn.__name__}_hvp')
    {shape} = {np_name}.shape({x})
    {n} = int({np_name}.prod({shape}))
    {rows} = []
    for {i} in range({n}):
        {e} = {np_name}.zeros({n})
        {e}[{i}] = 1.0
        {rows}.append({np_name}.ravel({call}))
    return {np_name}.array({rows}).reshape({shape} + {shape})
"""
    return text


def _free_local(name: str, taken: set) -> str:
    while name in taken:
        name += "_"
    return name


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


def _signature(fn: Any, params: List[str], x: Optional[str], v: str = "v") -> str:
    """The parameters of ``fn`` (with the direction ``v`` after them for an HVP), keeping the defaults
    that are literals (a default computed from other values must be passed)."""
    if x is not None:  # v follows the parameters: no default may come before it
        return ", ".join(list(params) + [v])
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
