"""The user-facing API: ``differentiate``, ``grad``, ``value_and_grad``, ``vjp``, ``jvp``.

Thin by design: bind arguments, find (or build) the generated module through the
caches, call it, check shapes.  The pipeline itself is :func:`generate`.
"""

from __future__ import annotations

import functools
import importlib
import os
import types
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import anf, arguments, cache, codegen, cse, numba_backend, optimize, shapes
from . import config as settings
from . import jvp as jvp_pass
from . import source as S
from . import vjp as vjp_pass
from .errors import ArgumentError, UnsupportedConstructError
from .rules import REGISTRY

Wrt = Union[None, int, str, Sequence[Union[int, str]]]
MODES = ("vjp", "jvp")


# ------------------------------------------------------------------ pipeline


_COMPILING: List[Tuple[Any, ...]] = []  # the stack of derivatives being generated


def generate(fn: Callable, mode: str, wrt: Sequence[str], key: str = "", standalone: bool = False,
             spec: Optional[Tuple[Any, ...]] = None, options: Tuple[str, ...] = ()) -> codegen.Generated:
    """Run the whole pipeline for ``fn``: lower, differentiate, optimize, print."""
    w, d, _raw, extra = derive(fn, mode, wrt, spec, options)
    return codegen.module_text([d], key, standalone=standalone, extra_meta=extra)


def derive(fn: Callable, mode: str, wrt: Sequence[str], spec: Optional[Tuple[Any, ...]] = None,
           options: Tuple[str, ...] = (), prepare: Optional[Callable[[anf.Wengert], None]] = None,
           keep_raw: bool = False) -> Tuple[anf.Wengert, Any, List[Any], Dict[str, Any]]:
    """Lower ``fn``, differentiate it and optimize the result: (Wengert form, derivative,
    its functions before optimization if ``keep_raw``, else [], metadata).  ``spec`` (the ranks of the arguments,
    see :mod:`shapes`) specialises the code; ``prepare`` may annotate the Wengert form first
    (``trace`` tags statements with it)."""
    w = anf.lower(fn, wrt=wrt)
    if prepare is not None:
        prepare(w)
    else:  # (tl.trace shows every statement of the Wengert form, repeated ones included)
        cse.eliminate(w)
    # the user's own variables: the optimizer never rewrites or removes their statements
    protected = set(w.params) | {n.id for n in anf.S.walk(w.fdef)
                                 if isinstance(n, anf.gast.Name) and isinstance(n.ctx, anf.gast.Store)}
    ranks = shapes.infer_ranks(w, dict(zip(w.params, spec if spec is not None else [None] * len(w.params))))
    records: List[Dict[str, Any]] = []

    def resolve(callee: Any, cmode: str, cwrt: Tuple[str, ...], spelling: str,
                cspec: Optional[Tuple[Any, ...]] = None) -> Dict[str, Any]:
        if cmode == "jvp_batched" or not any(r is not None for r in (cspec or ())):
            cspec = None  # the callee's code for the ranks of this call site's arguments
        if callee is fn and cmode == mode and tuple(cwrt) == tuple(wrt) and cspec == spec:  # direct recursion
            recursive.append(True)
            roles = {"jvp": w.function_name(mode)} if mode.startswith("jvp") else {
                "fwd": w.function_name("fwd"), "bwd": w.function_name("bwd")}
            return dict(roles, outputs=_count_outputs(w))
        if (callee, cmode, tuple(cwrt), cspec) in _COMPILING:
            raise UnsupportedConstructError(
                f"'{callee.__qualname__}' is mutually recursive with '{fn.__qualname__}'", anf.call_site(w, callee),
                hint="only direct recursion (a function calling itself) is supported: merge them into one function")
        module = compiled(callee, cmode, tuple(cwrt), cspec)
        meta = module.__tl_meta__
        remote = meta["functions"]
        roles = {"jvp": remote[0]} if cmode.startswith("jvp") else {
            "fwd": remote[1], "bwd": meta.get("adjoints") or remote[2]}  # adjoints: no as_grad (vjp.py)
        local = {role: w.namer.fresh(f"{callee.__name__}_{role}") for role in roles}
        records.append({"spelling": spelling, "mode": cmode, "wrt": list(cwrt), "hash": cache.source_hash(callee),
                        "spec": list(cspec) if cspec is not None else None,
                        "bind": {local[r]: roles[r] for r in roles}})
        return dict(local, outputs=meta["outputs"])

    recursive: List[bool] = []  # the function calls its own fwd/bwd
    _COMPILING.append((fn, mode, tuple(wrt), spec))
    try:
        if mode == "vjp":
            d = vjp_pass.vjp(w, wrt, REGISTRY, resolve, ranks, save_all="save_all" in options,
                             fused_only=lambda: "fused" in options and not recursive,
                             grad_only="grad_only" in options)
            extra: Dict[str, Any] = {"outputs": len(d.seeds), "rerun_forward": d.rerun_forward}
            if not d.returns_value:
                extra["returns_value"] = False
        elif mode in ("jvp", "jvp_batched"):
            d = jvp_pass.jvp(w, wrt, REGISTRY, resolve, ranks, batched=mode == "jvp_batched")
            extra = {"outputs": _count_outputs(w)}
        else:
            raise ArgumentError(f"unknown mode '{mode}'", hint=f"use one of {', '.join(MODES)}")
    finally:
        _COMPILING.pop()
    extra["callees"] = records
    raw = [S.deepcopy(fdef) for fdef in d.functions] if keep_raw else []
    for fdef in d.functions:
        if "numba" in options:
            setattr(fdef, optimize.KEEP_POPS, True)
        if "unoptimized" not in options:
            optimize.optimize(fdef, protected | {a.id for a in fdef.args.args})
    return w, d, raw, extra


def _count_outputs(w: anf.Wengert) -> int:
    ret = w.fdef.body[-1].value
    return len(ret.elts) if isinstance(ret, anf.gast.Tuple) else 1


_signature = arguments.signature  # argument helpers live in arguments.py; these names stay for callers
_params = arguments.params
_param_tuple = arguments.param_tuple


def _bindings(fn: Callable, names: Sequence[str]) -> Dict[str, Any]:
    import builtins

    closure = {}
    if getattr(fn, "__closure__", None):
        for n, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                closure[n] = cell.cell_contents
            except ValueError:
                pass
    out = {}
    for n in names:
        if n in closure:
            out[n] = closure[n]
        elif n in fn.__globals__:
            out[n] = fn.__globals__[n]
        elif hasattr(builtins, n):
            out[n] = getattr(builtins, n)
    return out


_FUSED = ("fused",)  # option: the module holds only f_vjp (what tl.grad calls), not f_fwd/f_bwd


def _memory_key(fn: Callable, mode: str, wrt: Tuple[str, ...], spec: Optional[Tuple[Any, ...]],
                options: Tuple[str, ...]) -> Tuple[Any, ...]:
    """The in-memory cache key of :func:`compiled` (its options gain ``@differentiate(checkpoint=k)``)."""
    snapshots = getattr(fn, "__tl_checkpoint__", None)
    extra = (f"checkpoint={snapshots}",) if snapshots is not None else ()
    return (mode, wrt, spec, tuple(options) + extra + settings.current().options)


def compiled(fn: Callable, mode: str, wrt: Tuple[str, ...], spec: Optional[Tuple[Any, ...]] = None,
             options: Tuple[str, ...] = ()) -> types.ModuleType:
    """The loaded generated module of ``fn`` for ``mode``/``wrt`` (cached)."""
    fn = _unwrap(fn)
    mkey = _memory_key(fn, mode, wrt, spec, options)
    options = mkey[3]
    module = cache.memory_get(fn, mkey)
    if module is not None:
        return module
    key = cache.make_key(fn, mode, wrt, (spec, options), REGISTRY.fingerprint())
    name = cache.file_name(fn, mode, key)
    filename = fn.__code__.co_filename if hasattr(fn, "__code__") else "<unknown>"
    directory = cache.directory_for(filename) if cache.cache_enabled() else None  # None: memory only
    path = os.path.join(directory, name) if directory else None
    entry = cache.read(path, key, lambda m: _callees_current(fn, m)) if path else None
    if entry is not None:  # the verified text: it is what runs (from memory, never the file)
        cache.STATS["disk_hits"] += 1
        (text, meta), path = entry, entry.path
    else:
        text = generate(fn, mode, list(wrt), key, spec=spec, options=options).text
        cache.STATS["generated"] += 1
        meta = codegen.verify(text)[1]
        path = (cache.write(path, text) if path else None) or _scratch(name, text)
    bindings = _bindings(fn, meta["bindings"])
    for alias, (module_name, attr) in meta.get("foreign", {}).items():  # names of inlined helpers
        bindings[alias] = getattr(importlib.import_module(module_name), attr)
    for rec in meta.get("callees", []):
        callee_module = compiled(_lookup(fn, rec["spelling"]), rec["mode"], tuple(rec["wrt"]), _rec_spec(rec))
        for local, remote in rec["bind"].items():
            bindings[local] = getattr(callee_module, remote)
    module = codegen.load_text(text, path, bindings, "tangent_lite_generated." + name[:-3])
    module.__tl_meta__ = meta
    # the user's globals and closure cells are read again before every call (see _refresh)
    module.__tl_refresh__ = [(module, fn, tuple(meta["bindings"]))] + [
        item for rec in meta.get("callees", [])
        for item in compiled(_lookup(fn, rec["spelling"]), rec["mode"], tuple(rec["wrt"]),
                             _rec_spec(rec)).__tl_refresh__]
    cache.memory_put(fn, mkey, module)
    return module


def _rec_spec(rec: Dict[str, Any]) -> Optional[Tuple[Any, ...]]:
    spec = rec.get("spec")
    return tuple(spec) if spec is not None else None


def _lookup(fn: Callable, spelling: str) -> Any:
    """The object ``spelling`` (``g`` or ``helpers.g``) names in ``fn``'s namespace."""
    root, *rest = spelling.split(".")
    obj = _bindings(fn, [root]).get(root)
    for part in rest:
        obj = getattr(obj, part, None)
    return getattr(obj, "__tl_function__", obj)


def _callees_current(fn: Callable, meta: Dict[str, Any]) -> bool:
    """Were the user functions a cached derivative calls left unedited?"""
    for rec in meta.get("callees", []):
        callee = _lookup(fn, rec["spelling"])
        if callee is None or cache.source_hash(callee) != rec["hash"]:
            return False
    return True


_NO_SPEC = object()


def _spec(values: Sequence[Any]) -> Optional[Tuple[Any, ...]]:
    """The specialisation key of a call: the argument ranks (see :mod:`shapes`)."""
    ranks = tuple(0 if type(v) is float else v.ndim if type(v) is np.ndarray else shapes.arg_rank(v)
                  for v in values)
    return ranks if any(r is not None for r in ranks) else None


def _refresh(module: types.ModuleType) -> types.ModuleType:
    """Re-read the user's globals and closure cells into the generated module(s), so a
    derivative sees the current value of a global array, as the function itself does."""
    for mod, fn, names in module.__tl_refresh__:
        if names:
            mod.__dict__.update(_bindings(fn, names))
    return module


def _scratch(name: str, text: str) -> str:
    """The ``__file__`` of a generated module that has no cache file (disk cache off, or cache
    trouble): a private copy in this process's scratch directory, for what reads ``__file__``
    (``tl.source``, ...); the module runs from the text in memory, never from it.  If even that
    copy cannot be written, a ``<tangent_lite ...>`` name (linecache still holds the text)."""
    return cache.write_scratch(name, text) or f"<tangent_lite {name}>"


def _unwrap(fn: Callable) -> Callable:
    """The Python function behind ``fn`` (a ``@differentiate`` wrapper or the function), checked."""
    if isinstance(fn, Differentiable):
        return fn.fn
    return arguments.check_function(fn)


def _target(f: Callable) -> Tuple[Callable, Any]:
    """(the function to differentiate, what arguments bind against: it, or a functools.partial of it)."""
    return arguments.split_partial(f, _unwrap)


# ------------------------------------------------------------------ arguments


resolve_wrt = arguments.resolve_wrt
bind_args = arguments.bind_args
_plain_positional = arguments.plain_positional
_check_float = arguments.check_float
_check_shape = arguments.check_shape
_pick = arguments.pick


# ------------------------------------------------------------------ functional API


def value_and_grad(f: Callable, wrt: Wrt = None, backend: str = "python") -> Callable:
    """``value_and_grad(f)(*args) -> (f(*args), gradient)``; ``f`` must return a scalar.
    ``f`` may be a ``functools.partial``: its bound arguments are held constant.
    ``backend="numba"`` compiles the generated gradient with Numba (docs/numba.md)."""
    return _gradient_function(f, wrt, backend, with_value=True)


_GRAD_ONLY = ("fused", "grad_only")  # options: f_vjp returns the gradient alone when f is known scalar
_FOR_NUMBA = ("fused", "numba")  # options: code numba_backend rewrites (tapes popped, not walked)


def _gradient_function(f: Callable, wrt: Wrt, backend: str, with_value: bool) -> Callable:
    """What :func:`value_and_grad` (``with_value``) and :func:`grad` return.  ``grad`` asks
    for a module that need not compute the value (``_GRAD_ONLY``: the generated function
    returns the gradient alone when the output is known to be a scalar, see
    ``vjp.vjp(grad_only=...)``); Numba compiles the value-returning function."""
    numba_backend.check_backend(backend)
    fn, target = _target(f)
    names, single = resolve_wrt(target, wrt)
    arguments.check_has_return(fn)
    options = _FOR_NUMBA if backend == "numba" else _FUSED if with_value else _GRAD_ONLY

    fast: Dict[Any, Any] = {}  # specialisation key -> (generated function, seeds, modules to refresh, ...)
    positions = [_params(fn).index(n) for n in names]
    n_params = len(_params(fn))
    plain = target is fn and _plain_positional(fn)  # positional calls need no binding
    spec_of_kinds: Dict[Tuple[type, ...], Any] = {}

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        values = list(args) if plain and not kwargs and len(args) == n_params else bind_args(target, args, kwargs)
        for i in positions:  # the common case of float arguments skips the full check
            if type(values[i]) is not float and not (type(values[i]) is np.ndarray and values[i].dtype.kind == "f"):
                _check_float(fn, names, values)
                break
        kinds = tuple(map(type, values))
        spec = spec_of_kinds.get(kinds, _NO_SPEC)  # without arrays, the types decide the ranks
        if spec is _NO_SPEC:
            spec = _spec(values)
            if not any(issubclass(k, np.ndarray) for k in kinds):
                spec_of_kinds[kinds] = spec
        if settings.current() is not settings.DEFAULT:
            spec_key: Any = (spec, settings.current())
        else:
            spec_key = spec
        entry = fast.get(spec_key)
        if entry is None or entry[5] != cache.GENERATION[0]:  # new, or the memory cache changed since
            if entry is None or cache.memory_get(fn, _memory_key(fn, "vjp", names, spec, options)) is not entry[3]:
                module = compiled(fn, "vjp", names, spec, options)
                refresh = [(m, f, n) for m, f, n in module.__tl_refresh__ if n]
                entry = (numba_backend.with_backend(getattr(module, module.__tl_meta__["functions"][0]), backend),
                         _unit_seeds(module), refresh, module, module.__tl_meta__.get("returns_value", True), 0)
            entry = fast[spec_key] = entry[:5] + (cache.GENERATION[0],)
        generated, seeds, refresh, _module, returns_value, _generation = entry
        for mod, source_fn, bound in refresh:  # the user's globals, as they are now
            mod.__dict__.update(_bindings(source_fn, bound))
        try:
            result = generated(*values, *seeds)
        except Exception as exc:  # noqa: BLE001 - a container output cannot take the scalar seed
            failure: Optional[Exception] = exc
        else:
            failure = None
        if failure is not None:  # what did the function return? (outside the handler: no chained error)
            split = compiled(fn, "vjp", names, spec)
            fwd = getattr(split, split.__tl_meta__["functions"][1])
            arguments.check_scalar_output(fn, _forward_output(fwd, values))
            raise failure
        if not returns_value:  # the output is a scalar by construction
            return _pick(result, single, len(names))
        out, grads = result
        arguments.check_scalar_output(fn, out)
        grads = _pick(grads, single, len(names))
        return (out, grads) if with_value else grads

    return run


def _forward_output(fwd: Callable, values: List[Any]) -> Any:
    """The output of the generated forward pass, or 0.0 (a scalar) if it fails too."""
    try:
        return fwd(*values)[0]
    except Exception:  # noqa: BLE001 - the caller re-raises the original error
        return 0.0


def _unit_seeds(module: types.ModuleType) -> List[float]:
    return [1.0] * module.__tl_meta__["outputs"]


def grad(f: Callable, wrt: Wrt = None, backend: str = "python") -> Callable:
    """``grad(f, wrt)(*args)``: the gradient of scalar ``f`` with respect to ``wrt``
    (argument indices or names; default the first argument); ``backend="numba"``: compiled."""
    return _gradient_function(f, wrt, backend, with_value=False)


def vjp(f: Callable, *args: Any, wrt: Wrt = None, **kwargs: Any) -> Tuple[Any, Callable]:
    """``out, pullback = vjp(f, *args)``; ``pullback(cotangent)`` gives the cotangent of ``wrt``.
    ``f`` may be a ``functools.partial``: its bound arguments are held constant."""
    fn, target = _target(f)
    names, single = resolve_wrt(target, wrt)
    arguments.check_has_return(fn)
    values = bind_args(target, args, kwargs)
    _check_float(fn, names, values)
    module = _refresh(compiled(fn, "vjp", names, _spec(values)))
    fwd, bwd = module.__tl_meta__["functions"][1:3]
    out, residuals = getattr(module, fwd)(*values)
    n_out = module.__tl_meta__["outputs"]
    calls = [0]

    def pullback(cotangent: Any) -> Any:
        nonlocal residuals
        if calls[0] and module.__tl_meta__.get("rerun_forward"):
            # the last reverse sweep undid in-place changes the residuals share: redo the forward
            residuals = getattr(module, fwd)(*values)[1]
        calls[0] += 1
        arguments.check_cotangent(cotangent, n_out)
        seeds = list(cotangent) if n_out > 1 else [cotangent]
        outs = list(out) if n_out > 1 else [out]
        seeds = [np.asarray(c, dtype=float) if isinstance(o, np.ndarray) and isinstance(c, (list, tuple)) else c
                 for c, o in zip(seeds, outs)]
        _check_shape("the cotangent", seeds if n_out > 1 else seeds[0], list(out) if n_out > 1 else out)
        return _pick(getattr(module, bwd)(residuals, *seeds), single, len(names))

    return out, pullback


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any], wrt: Wrt = None,
        batched: bool = False) -> Tuple[Any, Any]:
    """``out, out_tangent = jvp(f, primals, tangents)``: forward mode.

    ``tangents`` pairs with the first ``len(tangents)`` primals, or with ``wrt``.
    ``batched=True``: each tangent has an extra leading axis of ``k`` directions, and so
    does the output tangent; one generated pass computes all ``k``.
    ``f`` may be a ``functools.partial``: ``primals`` are the arguments it still takes."""
    fn, target = _target(f)
    primals, tangents = tuple(primals), tuple(tangents)
    names = arguments.jvp_names(target, tangents, wrt)
    arguments.check_has_return(fn)
    values = bind_args(target, primals, {})
    _check_float(fn, names, values)
    params = _params(fn)
    likes = [values[params.index(n)] for n in names]
    if batched:
        arguments.check_batched_tangents(names, tangents, likes)
    else:
        for n, t, like in zip(names, tangents, likes):
            _check_shape(f"the tangent of '{n}'", t, like)
    mode = "jvp_batched" if batched else "jvp"
    module = _refresh(compiled(fn, mode, names, None if batched else _spec(values)))
    return getattr(module, module.__tl_meta__["functions"][0])(*values, *tangents)


def source(f: Callable, mode: str = "vjp", wrt: Wrt = None) -> str:
    """The generated source of ``f``'s derivative (the text that is executed)."""
    fn, target = _target(f)
    if mode not in MODES + ("hvp",):
        raise ArgumentError(f"unknown mode '{mode}'", hint=f"use one of {', '.join(MODES + ('hvp',))}")
    names, _ = resolve_wrt(target, wrt)
    if mode == "hvp":  # the forward mode of the generated gradient
        grad_module = compiled(fn, "vjp", names)
        fn = getattr(grad_module, grad_module.__tl_meta__["functions"][0])
        mode = "jvp"
    return compiled(fn, mode, names).__tl_text__


def wengert(f: Callable) -> str:
    """The lowered (Wengert / SSA) form of ``f``, one primitive per line."""
    return anf.lower(_unwrap(f)).text()


# ------------------------------------------------------------------ decorator


class Differentiable:
    """A function with derivative methods; calling it calls the original."""

    def __init__(self, fn: Callable, wrt: Wrt = None, checkpoint: Optional[int] = None, backend: str = "python"):
        numba_backend.check_backend(backend)
        self.backend = backend  # of grad and value_and_grad
        if checkpoint is not None:
            if isinstance(checkpoint, bool) or not isinstance(checkpoint, int) or checkpoint < 0:
                raise ArgumentError(f"checkpoint must be a number of snapshots (an int >= 0), got {checkpoint!r}")
            fn.__tl_checkpoint__ = checkpoint  # read by anf.lower: top-level loops are checkpointed
        self.fn = fn
        self.__tl_function__ = fn
        self.default_wrt = wrt
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:  # methods stay plain functions
        return self if obj is None else functools.partial(self.__call__, obj)

    def _wrt(self, wrt: Wrt) -> Wrt:
        return self.default_wrt if wrt is None else wrt

    def grad(self, *args: Any, wrt: Wrt = None, **kwargs: Any) -> Any:
        return grad(self.fn, self._wrt(wrt), self.backend)(*args, **kwargs)

    def value_and_grad(self, *args: Any, wrt: Wrt = None, **kwargs: Any) -> Tuple[Any, Any]:
        return value_and_grad(self.fn, self._wrt(wrt), self.backend)(*args, **kwargs)

    def vjp(self, *args: Any, wrt: Wrt = None, **kwargs: Any) -> Tuple[Any, Callable]:
        return vjp(self.fn, *args, wrt=self._wrt(wrt), **kwargs)

    def jvp(self, primals: Sequence[Any], tangents: Sequence[Any], wrt: Wrt = None) -> Tuple[Any, Any]:
        return jvp(self.fn, primals, tangents, wrt=self._wrt(wrt))

    def source(self, mode: str = "vjp", wrt: Wrt = None) -> str:
        return source(self.fn, mode, self._wrt(wrt))

    def wengert(self) -> str:
        return wengert(self.fn)

    def __repr__(self) -> str:
        return f"<differentiable {self.fn.__qualname__}>"


def differentiate(fn: Optional[Callable] = None, *, wrt: Wrt = None, checkpoint: Optional[int] = None,
                  backend: str = "python") -> Any:
    """Decorator: ``@differentiate``, ``@differentiate(wrt="W")``; ``checkpoint=k`` makes
    reverse mode checkpoint every top-level ``for ... in range(...)`` loop with ``k``
    snapshots (as ``tl.checkpointed`` does for one loop); ``backend="numba"`` compiles
    ``.grad`` / ``.value_and_grad`` with Numba (docs/numba.md)."""
    if fn is None:
        return lambda f: Differentiable(f, wrt, checkpoint, backend)
    return Differentiable(fn, wrt, checkpoint, backend)
