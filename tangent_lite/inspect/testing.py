"""Checking derivatives: ``check_grads`` for your own tests (and ours).

    tl.check_grads(f, (x, y))        # raises AssertionError with details if wrong

It compares, for every floating argument in ``wrt`` (default: all floating ones):
forward mode against central finite differences along random directions, reverse
mode against forward mode through the identity ``<J v, w> == <v, J^T w>``, and
(``order=2``) second derivatives obtained by differentiating the generated code again.

Complex arguments and results follow docs/complex-numbers.md: a complex argument gets a
complex direction (the finite differences perturb its real and imaginary parts together),
a complex result is compared as complex, and the identity is ``Re(sum(w * J v)) ==
Re(sum(J^T w * v))`` (no conjugation: tangents and cotangents pair through the real part).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from .. import api, runtime, varargs
from ..errors import UnsupportedConstructError


def _structured(v: Any) -> bool:
    """A list, tuple, dict, NamedTuple or dataclass (checked leaf by leaf)."""
    return isinstance(v, (tuple, list, dict)) or runtime._is_record(v)


def _floating_leaf(v: Any) -> bool:
    """A real or complex floating-point number or array."""
    if isinstance(v, bool):
        return False
    if isinstance(v, (float, complex, np.inexact)):
        return True
    return isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.inexact)


def _floating(v: Any) -> bool:
    """A float, a float array, or a structure holding one."""
    if _structured(v):
        return any(_floating(leaf) for leaf in _children(v))
    return _floating_leaf(v)


def _has_complex(v: Any) -> bool:
    if _structured(v):
        return any(_has_complex(leaf) for leaf in _children(v))
    return np.iscomplexobj(v)


def _children(v: Any) -> List[Any]:
    if isinstance(v, dict):
        return [v[k] for k in v]
    if isinstance(v, (tuple, list)):
        return list(v)
    return [getattr(v, f) for f in runtime._fields(v)]


def _rand_like(v: Any, rng: np.random.Generator) -> Any:
    if _structured(v):  # a direction in every float leaf, zero in the others (ints, strings)
        return runtime._map_struct(lambda leaf: _rand_like(leaf, rng) if _floating(leaf) else runtime.zeros_like(leaf),
                                   v)
    if np.iscomplexobj(v):  # a complex direction: the real and the imaginary part move
        return complex(rng.normal(), rng.normal()) if np.ndim(v) == 0 else \
            rng.normal(size=np.shape(v)) + 1j * rng.normal(size=np.shape(v))
    if isinstance(v, float) or np.ndim(v) == 0:
        return float(rng.normal())
    return rng.normal(size=np.shape(v))


def _vdot(a: Any, b: Any) -> float:
    if _structured(a):
        if isinstance(a, dict):
            return sum(_vdot(a[k], b[k]) for k in a)
        if isinstance(a, (tuple, list)):
            return sum(_vdot(x, y) for x, y in zip(a, b))
        return sum(_vdot(getattr(a, f), getattr(b, f)) for f in runtime._fields(a) if _floating(getattr(a, f)))
    if not _floating_leaf(a) and not isinstance(a, (int, np.ndarray, np.generic)):
        return 0.0  # (a string or None field: no direction)
    return float(np.real(np.sum(_inexact(a) * _inexact(b))))  # (complex: Re(sum(a * b)), the pairing of the convention)


def _inexact(v: Any) -> np.ndarray:
    """``v`` as a float array, or a complex one when it is complex."""
    return np.asarray(v, dtype=complex if np.iscomplexobj(v) else float)


def _axpy(alpha: float, v: Any, x: Any) -> Any:
    if _structured(x):
        return runtime._map_struct(lambda xl, vl: _axpy(alpha, vl, xl) if _floating(xl) else xl, x, v)
    if isinstance(x, (float, complex)):
        return x + alpha * v
    return x + alpha * np.asarray(v)


def _numeric_jvp(f: Callable, args: Sequence[Any], idx: Sequence[int], vs: Sequence[Any], eps: float) -> Any:
    def shifted(alpha: float) -> Any:
        a = list(args)
        for i, v in zip(idx, vs):
            a[i] = _axpy(alpha, v, a[i])
        return f(*a)

    plus, minus = shifted(eps), shifted(-eps)
    return _sub_scaled(plus, minus, 2 * eps)


def check_grads(f: Callable, args: Sequence[Any], wrt: Optional[Sequence[int]] = None, order: int = 1,
                modes: Tuple[str, ...] = ("forward", "reverse"), eps: float = 1e-6, rtol: float = 1e-5,
                atol: float = 1e-6, seed: int = 0, trials: int = 2) -> None:
    """Assert that tangent_lite's derivatives of ``f`` at ``args`` are right.

    ``wrt``: argument indices (default: every float/float-array argument, real or complex).
    ``modes``: which of "forward" (JVP vs finite differences) and "reverse"
    (VJP vs JVP, or vs finite differences if "forward" is not checked) to test.
    ``order=2`` also checks second derivatives: forward over forward against finite
    differences of the JVP, and for scalar outputs forward over reverse (``hvp``) and
    reverse over reverse.
    Complex arguments and results: see the module docstring (docs/complex-numbers.md).
    """
    args = list(args)
    idx = list(wrt) if wrt is not None else [i for i, a in enumerate(args) if _floating(a)]
    if not idx:
        raise ValueError("check_grads: no floating-point argument to differentiate")
    fn, args, idx = _held_first(f, args, idx)
    if order not in (1, 2):
        raise ValueError("check_grads: order must be 1 or 2")
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        vs = [_rand_like(args[i], rng) for i in idx]
        numeric = _numeric_jvp(fn, args, idx, vs, eps)
        if "forward" in modes:
            out, tangent = api.jvp(fn, args, vs, wrt=tuple(idx))
        else:
            out, tangent = fn(*args), None
        if tangent is not None:
            _close("forward mode (JVP) vs central differences", tangent, numeric, rtol, atol)
        if "reverse" in modes:
            ws = tuple(_rand_like(o, rng) for o in out) if isinstance(out, tuple) else _rand_like(out, rng)
            _, pullback = api.vjp(fn, *args, wrt=tuple(idx))
            cot = pullback(ws)
            lhs = _vdot(numeric if tangent is None else tangent, ws)
            rhs = _vdot(vs, cot)
            pairing = " with <a, b> = Re(sum(a * b)) (complex values)" if _has_complex((vs, ws)) else ""
            _close("reverse mode: <J v, w> vs <v, J^T w>" + pairing, np.array(rhs), np.array(lhs), rtol, atol)
    if order == 2:
        structured = [params_i for params_i in idx if _structured(args[params_i])]
        if structured:
            raise ValueError(f"check_grads: order=2 checks float and float-array arguments; argument {structured[0]} "
                             "is a container: check its second derivatives with tl.hessian on a function of its "
                             "entries")
        for i in idx:
            _check_second_order(fn, args, i, modes, rng, rtol, atol)


def _held_first(f: Callable, args: List[Any], idx: List[int]) -> Tuple[Callable, List[Any], List[int]]:
    """A bound method, classmethod, callable object, ``functools.partial`` or ``@tl.differentiate``
    method is checked as its function with what it holds passed first (held constant: not in
    ``wrt``), as the transformations see it; a plain function as it is."""
    fn, target = api._target(varargs.as_called(f, args, {}))
    if not isinstance(target, functools.partial):
        return fn, args, idx
    try:
        bound = inspect.signature(fn).bind(*target.args, *args, **target.keywords)
    except TypeError:
        bound = None
    if bound is None or bound.kwargs:  # (keyword-only arguments held by a partial: the transformations take it)
        raise ValueError("check_grads: a functools.partial holding keyword-only arguments is not supported here: "
                         "check a function that calls it")
    k = len(target.args)
    return fn, list(bound.args), [i + k for i in idx]


def _check_second_order(fn: Callable, args: List[Any], i: int, modes: Tuple[str, ...], rng: np.random.Generator,
                        rtol: float, atol: float) -> None:
    """Second derivatives by differentiating generated code again, against finite differences
    of the first derivatives: forward over forward always; for a scalar output also forward
    over reverse (``hvp``) and reverse over reverse (the symmetry of the Hessian)."""
    from .. import higher

    name = api._params(fn)[i]
    u, v = _rand_like(args[i], rng), _rand_like(args[i], rng)
    eps = 1e-4
    full = list(api.bind_args(fn, tuple(args), {}))  # defaults filled in: generated code's seeds come after them

    def jvp_along(a: Any) -> Any:  # d/dt f(a + t v)
        call = list(args)
        call[i] = a
        return api.jvp(fn, call, (v,), wrt=(name,))[1]

    plus, minus = jvp_along(_axpy(eps, u, args[i])), jvp_along(_axpy(-eps, u, args[i]))
    numeric = _sub_scaled(plus, minus, 2 * eps)
    if "forward" in modes:
        f_jvp, _ = higher.tangent_function(fn, name)
        _, second = api.jvp(f_jvp, full + [v], (u,), wrt=(name,))
        _close("forward over forward vs finite differences of the JVP", second[1], numeric, rtol * 10, atol * 10)
    out = fn(*args)
    if isinstance(out, tuple) or np.ndim(out) != 0:
        return
    f_vjp, _ = higher.gradient_function(fn, name)
    _, (_, hv) = api.jvp(f_vjp, full + [1.0], (v,), wrt=(name,))  # forward over reverse: H v
    numeric = np.real(numeric)  # (the gradient of a complex result is that of its real part)
    _close("forward over reverse (hvp) vs finite differences", np.array(_vdot(hv, u)), np.array(numeric),
           rtol * 10, atol * 10)
    if "reverse" in modes:
        try:
            _, pullback = api.vjp(f_vjp, *full, 1.0, wrt=name)
        except UnsupportedConstructError as exc:  # (a refusal of reverse over reverse only: say so)
            if "reverse mode over reverse mode" not in exc.message:
                raise
            warnings.warn(f"check_grads: reverse over reverse not checked: {exc.message}", stacklevel=3)
            return
        hu = pullback((0.0, u))  # reverse over reverse: H u
        _close("reverse over reverse: <H u, v> vs finite differences", np.array(_vdot(hu, v)), np.array(numeric),
               rtol * 10, atol * 10)


def _sub_scaled(a: Any, b: Any, h: float) -> Any:
    if isinstance(a, tuple):
        return tuple(_sub_scaled(x, y, h) for x, y in zip(a, b))
    return (_inexact(a) - _inexact(b)) / h


def _close(what: str, actual: Any, expected: Any, rtol: float, atol: float) -> None:
    if isinstance(expected, tuple):
        for a, e in zip(actual, expected):
            _close(what, a, e, rtol, atol)
        return
    a = _inexact(actual)
    e = _inexact(expected)
    scale = max(1.0, float(np.max(np.abs(e))) if e.size else 1.0)
    if a.shape != e.shape and a.size != e.size:
        raise AssertionError(f"{what}: shape {a.shape} != {e.shape}")
    if not np.allclose(a.reshape(e.shape), e, rtol=rtol, atol=atol * scale):
        err = float(np.max(np.abs(a.reshape(e.shape) - e)))
        raise AssertionError(f"{what}: max abs error {err:.3g}\n  got      {a}\n  expected {e}")
