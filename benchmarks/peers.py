"""Peer automatic-differentiation tools, run on the very same workload source.

Each workload function in ``workloads.py`` is re-bound with its module's globals
``np`` and ``math`` (and every other function of that module it calls) pointing at
the peer's namespace: ``autograd.numpy``, ``jax.numpy`` or ``torch``, and a ``math``
stand-in whose ``sin``/``cos``/``exp``/``tanh``/``log`` are the peer's.  So the peer
versions mirror the NumPy functions line for line: the same loops, the same
indexing, the same operations, only the array library differs.

``build(peer, workload, args)`` returns a ``Peer`` with a ``call()`` that computes
the gradient (waiting for the result: ``block_until_ready`` for JAX) and a
``to_numpy(result)`` used to check it against the hand-written gradient.  A peer
that is not installed gives ``None`` and a note (``available()``).

Settings: JAX runs with ``jax_enable_x64`` (float64 like NumPy) on the CPU;
PyTorch in float64, eager, its default thread count.  Arguments are converted to
the peer's arrays once, outside the timed call; Python ints (loop counts) stay
ints, and are static arguments for ``jax.jit``.
"""

from __future__ import annotations

import importlib
import time
import types
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

PEERS = ("autograd", "jax_eager", "jax_jit", "torch")
LABELS = {"autograd": "autograd", "jax_eager": "JAX eager", "jax_jit": "JAX jit (steady)", "torch": "torch eager"}
_MODULES = {"autograd": "autograd", "jax_eager": "jax", "jax_jit": "jax", "torch": "torch"}
_versions: Dict[str, str] = {}
_missing: Dict[str, str] = {}


def _import(name: str) -> Optional[types.ModuleType]:
    if name in _missing:
        return None
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - a missing or broken peer is skipped with a note
        _missing[name] = f"{type(exc).__name__}: {exc}"
        return None
    if name == "jax":
        module.config.update("jax_enable_x64", True)
        module.config.update("jax_platforms", "cpu")
    if name == "autograd":
        from importlib.metadata import version

        _versions[name] = version("autograd")
    else:
        _versions[name] = getattr(module, "__version__", "?")
    return module


def available(peer: str) -> Tuple[bool, str]:
    """(installed, version or the import error)."""
    name = _MODULES[peer]
    ok = _import(name) is not None
    return ok, _versions[name] if ok else _missing[name]


def versions() -> Dict[str, str]:
    return dict(_versions)


def missing() -> Dict[str, str]:
    return dict(_missing)


def _math_shim(xp: Any) -> types.SimpleNamespace:
    return types.SimpleNamespace(**{k: getattr(xp, k) for k in ("sin", "cos", "exp", "tanh", "log", "sqrt")},
                                 pi=np.pi)


def rebind(fn: Callable, xp: Any) -> Callable:
    """``fn`` with ``np`` -> ``xp`` and ``math`` -> the peer's elementwise functions, in
    a copy of its module's globals in which the module's other functions are re-bound too."""
    module = importlib.import_module(fn.__module__)
    g: Dict[str, Any] = dict(vars(module))
    g["np"], g["math"] = xp, _math_shim(xp)
    for name, obj in list(g.items()):
        if isinstance(obj, types.FunctionType) and obj.__module__ == fn.__module__:
            g[name] = types.FunctionType(obj.__code__, g, obj.__name__, obj.__defaults__, obj.__closure__)
    return g[fn.__name__]


@dataclass
class Peer:
    name: str
    call: Callable[[], Any]  # the gradient, computed to completion
    to_numpy: Callable[[Any], List[np.ndarray]]
    first_call: Optional[Callable[[], Tuple[Dict[str, float], Any]]] = None  # jit: cold first call


def build(peer: str, fn: Callable, wrt: Tuple[int, ...], args: Tuple[Any, ...]) -> Optional[Peer]:
    if peer == "autograd":
        return _autograd(fn, wrt, args)
    if peer in ("jax_eager", "jax_jit"):
        return _jax(fn, wrt, args, jit=peer == "jax_jit")
    if peer == "torch":
        return _torch(fn, wrt, args)
    raise ValueError(peer)


def _autograd(fn: Callable, wrt: Tuple[int, ...], args: Tuple[Any, ...]) -> Optional[Peer]:
    autograd = _import("autograd")
    if autograd is None:
        return None
    anp = importlib.import_module("autograd.numpy")
    g = autograd.grad(rebind(fn, anp), argnum=tuple(wrt))
    return Peer("autograd", lambda: g(*args), lambda out: [np.asarray(o, dtype=float) for o in out])


def _jax(fn: Callable, wrt: Tuple[int, ...], args: Tuple[Any, ...], jit: bool) -> Optional[Peer]:
    jax = _import("jax")
    if jax is None:
        return None
    jnp = importlib.import_module("jax.numpy")
    f = rebind(fn, jnp)
    jargs = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    static = tuple(i for i, a in enumerate(args) if isinstance(a, int))

    def make() -> Callable:
        g = jax.grad(f, argnums=tuple(wrt))
        return jax.jit(g, static_argnums=static) if jit else g

    g = make()

    def first_call() -> Tuple[Dict[str, float], Any]:
        """A first call from empty caches, split as jax.jit does it: trace + lower, compile, run.
        Returns the timings and the gradient."""
        jax.clear_caches()
        fresh = make()
        dynamic = tuple(a for i, a in enumerate(jargs) if i not in static)
        t0 = time.perf_counter()
        lowered = fresh.lower(*jargs)
        t1 = time.perf_counter()
        compiled = lowered.compile()
        t2 = time.perf_counter()
        result = jax.block_until_ready(compiled(*dynamic))
        t3 = time.perf_counter()
        eqns = len(jax.make_jaxpr(jax.grad(f, argnums=tuple(wrt)), static_argnums=static)(*jargs).eqns)
        return {"lower": t1 - t0, "compile": t2 - t1, "run": t3 - t2, "total": t3 - t0, "jaxpr_equations": eqns}, result

    return Peer("jax_jit" if jit else "jax_eager", lambda: jax.block_until_ready(g(*jargs)),
                lambda out: [np.asarray(o, dtype=float) for o in out], first_call if jit else None)


def _torch(fn: Callable, wrt: Tuple[int, ...], args: Tuple[Any, ...]) -> Optional[Peer]:
    torch = _import("torch")
    if torch is None:
        return None
    f = rebind(fn, torch)
    targs: List[Any] = []
    leaves = []
    for i, a in enumerate(args):
        if i in wrt:
            t = torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=True)
            leaves.append(t)
            targs.append(t)
        elif isinstance(a, np.ndarray):
            targs.append(torch.from_numpy(a))
        else:
            targs.append(a)

    def call() -> Any:
        return torch.autograd.grad(f(*targs), leaves)

    return Peer("torch", call, lambda out: [o.detach().numpy().astype(float) for o in out])
