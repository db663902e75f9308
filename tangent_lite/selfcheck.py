"""Self-check mode: ``TANGENT_LITE_CHECK=1`` or ``with tl.config(check=True):``.

Every call of ``tl.grad`` / ``value_and_grad`` / ``vjp`` / ``jvp`` then also

* runs the original function and compares its value with the value the generated code
  computed (the generated forward sweep is a copy of your code: they must agree);
* samples the JVP/VJP dot-product identity ``<J v, w> == <v, J^T w>`` with random ``v`` and
  ``w`` (forward and reverse mode are generated independently: they must agree);

and raises :class:`SelfCheckError`, naming the function, when either fails.  It costs a
run of the function, a forward and a reverse pass per call: a mode for tests and
debugging sessions, not for production loops.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import callables
from .config import config
from .errors import TangentLiteError

RTOL = 1e-9  # the generated forward sweep runs the same operations: values agree to rounding
IDENTITY_RTOL = 1e-6


class SelfCheckError(TangentLiteError):
    """The generated code disagrees with the original function, or forward mode with reverse."""


def call_original(fn: Callable, values: Sequence[Any]) -> Any:
    """``fn`` called with ``values``, one per parameter in order (as the generated code takes them)."""
    args, kwargs = [], {}
    for p, v in zip(inspect.signature(fn).parameters.values(), values):
        if p.kind == p.KEYWORD_ONLY:
            kwargs[p.name] = v
        else:
            args.append(v)
    return fn(*args, **kwargs)


def check(fn: Callable, values: Sequence[Any], names: Sequence[str], value: Any = None,
          has_value: bool = False, seed: Optional[int] = None, *, jvp: Callable[..., Any],
          vjp: Callable[..., Any]) -> None:
    """Compare the generated ``value`` (when ``has_value``) with ``fn``'s, and sample the
    dot-product identity for ``names``; raise :class:`SelfCheckError` on a mismatch.
    ``jvp``, ``vjp``: the forward and reverse mode to compare (``tl.jvp``, ``tl.vjp``: api.py passes them)."""
    label = getattr(fn, "__qualname__", repr(fn))
    with config(check=False):  # the checks' own calls are not checked again
        expected = call_original(fn, values)
        if has_value and not _close(value, expected, RTOL, 1e-12):
            raise SelfCheckError(
                f"self-check failed for '{label}': the generated code computed the value {_short(value)}, "
                f"the function itself {_short(expected)}",
                hint="please report this with the function's source; meanwhile tl.config(optimize=False) may "
                     "avoid it, and TANGENT_LITE_CACHE=0 rules out a stale cache")
        rng = np.random.default_rng(seed)
        params = callables.params(fn)
        primal = [values[params.index(n)] for n in names]
        vs = [_random_like(p, rng) for p in primal]
        out, tangent = jvp(fn, list(values), vs, wrt=tuple(names))
        w = _random_like(out, rng)
        _, pullback = vjp(fn, *values, wrt=tuple(names))
        cot = pullback(w)
        cots = list(cot) if len(names) > 1 else [cot]
        lhs, rhs = _vdot(tangent, w), sum(_vdot(v, c) for v, c in zip(vs, cots))
        if not np.isclose(lhs, rhs, rtol=IDENTITY_RTOL, atol=1e-9 * (1 + abs(lhs))):
            raise SelfCheckError(
                f"self-check failed for '{label}': forward and reverse mode disagree: <J v, w> = {lhs!r} "
                f"but <v, J^T w> = {rhs!r} (wrt {', '.join(names)})",
                hint="if the function calls something with rules you registered (tl.defvjp / tl.defjvp), check "
                     "that its JVP and VJP rules agree; otherwise please report this with the function's source, "
                     "and meanwhile check the derivative with tl.check_grads(f, args)")


def _leaves(x: Any) -> list:
    if isinstance(x, dict):
        return [leaf for k in sorted(x, key=repr) for leaf in _leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _leaves(v)]
    if hasattr(x, "__dataclass_fields__") or (hasattr(x, "__dict__") and not isinstance(x, np.ndarray)):
        return [leaf for v in vars(x).values() for leaf in _leaves(v)]
    return [x]


def _random_like(x: Any, rng: np.random.Generator) -> Any:
    from . import runtime

    zeros = runtime.zeros_like(x)

    def fill(z: Any) -> Any:
        if isinstance(z, np.ndarray):
            return rng.standard_normal(z.shape).astype(z.dtype) if z.dtype.kind in "fc" else z
        if isinstance(z, (float, np.floating)):
            return type(z)(rng.standard_normal())
        return z

    return _map(fill, zeros)


def _map(fn: Callable[[Any], Any], x: Any) -> Any:
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_map(fn, v) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    if isinstance(x, (np.ndarray, float, int, np.generic)) or x is None:
        return fn(x)
    from . import runtime

    return runtime._map_struct(lambda v: _map(fn, v), x)


def _vdot(a: Any, b: Any) -> float:
    return float(sum(np.vdot(np.asarray(u, dtype=float), np.asarray(v, dtype=float))
                     for u, v in zip(_leaves(a), _leaves(b)) if u is not None and v is not None))


def _close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    la, lb = _leaves(a), _leaves(b)
    if len(la) != len(lb):
        return False
    for u, v in zip(la, lb):
        try:
            if not np.allclose(np.asarray(u, dtype=float), np.asarray(v, dtype=float), rtol=rtol, atol=atol,
                               equal_nan=True):
                return False
        except (TypeError, ValueError):
            if u != v:
                return False
    return True


def _short(x: Any) -> str:
    text = np.array2string(x, threshold=6) if isinstance(x, np.ndarray) else repr(x)
    return text if len(text) < 120 else text[:117] + "..."
