"""Higher-order derivatives and Jacobians, by differentiating generated code again.

    tl.hvp(f, x, v)            # forward-over-reverse: the JVP of the generated gradient
    tl.hessian(f)(x)           # rows are HVPs with basis vectors (no finite differences)
    tl.jacobian(f)(x)          # forward (columns) or reverse (rows), picked by shape

The generated derivative functions are ordinary Python in real files, so tangent_lite
transforms them like user code: ``hvp`` is the JVP of ``f_vjp``, third derivatives
are derivatives of those, and so on.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Sequence, Tuple

import numpy as np

from . import api, callables, compose, draws, gradients, outputs, runtime, varargs
from .errors import ArgumentError, NoRuleError


def gradient_function(f: Callable, wrt: api.Wrt = None) -> Tuple[Callable, Tuple[str, ...]]:
    """The generated fused ``f_vjp(*args, seed=1.0) -> (value, gradient)`` and the wrt names
    (``wrt`` counts the arguments ``f`` takes: for a ``functools.partial``, those it still takes)."""
    fn, target = api._target(f)
    names, _ = api.resolve_wrt(target, wrt)
    module = api.compiled(fn, "vjp", names, api.running_spec(fn))
    return getattr(module, module.__tl_meta__["functions"][0]), names


def tangent_function(f: Callable, wrt: api.Wrt = None) -> Tuple[Callable, Tuple[str, ...]]:
    """The generated ``f_jvp(*args, *tangents) -> (value, tangent)`` and the wrt names."""
    fn, target = api._target(f)
    names, _ = api.resolve_wrt(target, wrt)
    module = api.compiled(fn, "jvp", names, api.running_spec(fn))
    return getattr(module, module.__tl_meta__["functions"][0]), names


def _single_wrt(f: Callable, wrt: api.Wrt, what: str) -> str:
    names, single = api.resolve_wrt(api._target(f)[1], wrt)
    if not single and len(names) != 1:
        raise ArgumentError(f"{what} takes a single wrt argument, got {names}",
                            hint="call it once per argument (wrt=0, then wrt=1, ...)")
    return names[0]


def _scalar_gradient(fn: Callable, name: str, what: str, values: Sequence[Any] = ()) -> Callable:
    """The generated gradient of ``fn`` for a second derivative, specialised to the ranks of the
    argument ``values`` when given, as ``tl.grad`` is (so it accepts what ``tl.grad`` accepts: ``p = sq(a[0])``
    is a number, not an alias of ``a``), refused clearly when ``fn`` returns several outputs (a
    ``(value, aux)`` pair: the Hessian of a sum of outputs is not what was asked for)."""
    module = api.compiled(fn, "vjp", (name,), api._spec(values))
    outputs = module.__tl_meta__["outputs"]
    if outputs > 1:
        raise ArgumentError(
            f"{what} needs '{fn.__qualname__}' to return a scalar; it returns a tuple of {outputs}",
            hint=f"{what} has no has_aux: if the rest is auxiliary data, pass a function that returns the value "
                 f"alone ({_first_output(what, fn, name)}), or use tl.jacobian(tl.grad({_shown(fn)}, has_aux=True"
                 f"{_wrt(fn, name)}), has_aux=True{_wrt(fn, name)}), which returns (Hessian, aux)")
    return getattr(module, module.__tl_meta__["functions"][0])


def hvp(f: Callable, x: Any, v: Any, *args: Any, wrt: api.Wrt = 0, **options: Any) -> Any:
    """The Hessian-vector product ``H(x) v`` of a scalar ``f(x, *args)``.

    Forward mode over the generated gradient: about the cost of one gradient, and no
    Hessian is formed.

    Args:
        f: The function; it must return a scalar. A ``functools.partial`` or a bound method
            is accepted (what it holds is constant).
        x: The point: the argument ``wrt`` names.
        v: The vector, shaped like ``x``.
        *args: The other arguments, held constant.
        wrt: The one argument (index or name) ``x`` stands for (default: the first).
        **options: None are taken (``TypeError``).

    Returns:
        ``H(x) v``, shaped like ``x``: the derivative of ``tl.grad(f)`` along ``v`` (for a
        complex ``x``, ``f''(x) v`` when ``f`` is holomorphic; docs/complex-numbers.md).
    """
    callables.no_other_options("tl.hvp", options)
    f = varargs.as_called(f, (x,) + tuple(args), {})  # def f(*xs): the function of these arguments
    name = _single_wrt(f, wrt, "tl.hvp")
    fn, target = api._target(f)
    # every parameter, defaults filled in: the seed is the generated gradient's next parameter
    primals = tuple(api.bind_args(target, (x,) + tuple(args), {}))
    fv = _scalar_gradient(fn, name, "tl.hvp", primals)
    (value, _), (_, hv) = api.jvp(fv, primals + (1.0,), (v,), wrt=(name,))
    outputs.check_scalar_output(fn, value)  # (never the Hessian of a sum of outputs)
    return hv


def hessian(f: Callable, wrt: api.Wrt = 0, **options: Any) -> Callable:
    """The Hessian of a scalar function with respect to one argument, as a function:
    ``tl.hessian(f)(*args)``.

    Built from Hessian-vector products (``tl.hvp``) with the basis vectors.

    Args:
        f: The function; it must return a scalar.
        wrt: The one argument (index or name) to differentiate twice (default: the first);
            a float or a float array.
        **options: None are taken (``TypeError``).

    Returns:
        A function of ``f``'s arguments giving the Hessian, shaped ``x.shape + x.shape``. For a
        complex ``z``: ``f''(z)`` when the gradient is holomorphic, refused otherwise
        (docs/complex-numbers.md).
    """
    callables.no_other_options("tl.hessian", options)
    made = varargs.lazy(hessian, f, wrt)  # def f(*xs): per call, as called
    if made is not None:
        return made
    name = _single_wrt(f, wrt, "tl.hessian")
    fn0 = api._target(f)[0]  # (checked now: a bad f is refused when the transformation is made)

    @functools.wraps(fn0)
    def run(*args: Any, **kwargs: Any) -> Any:
        fn, target = api._target(f)  # at every call: f may be what tl.grad returned (compose.py), made again
        values = api.bind_args(target, args, kwargs)
        index = api._params(fn).index(name)
        x = values[index]
        if runtime.namespace(x) is not np:  # (Dask and CuPy arrays: NumPy dispatches to them)
            raise ArgumentError(
                f"tl.hessian builds the Hessian with NumPy; '{name}' is a {type(x).__module__}.{type(x).__name__}",
                hint=f"pass NumPy arrays (np.asarray({name})), or use tl.hvp (Hessian-vector products), which "
                     "keeps the array's library")
        dtype = getattr(x, "dtype", None)
        numeric = isinstance(x, (float, int, complex, np.inexact))
        if not (numeric or (isinstance(dtype, np.dtype) and dtype.kind in "fc")):
            integers = isinstance(dtype, np.dtype) and dtype.kind in "iub"
            raise ArgumentError(
                f"tl.hessian differentiates with respect to a float or a float array; '{name}' is a "
                + (f"{x.dtype} array" if integers else type(x).__name__),
                hint=f"pass floats: {name}.astype(float) (or np.array([...], dtype=float))" if integers else
                _structured_hint(fn, name, x))
        fv = _scalar_gradient(fn, name, "tl.hessian", values)
        shape = np.shape(x)
        n = int(np.prod(shape))
        directions = (1.0, 1j) if np.iscomplexobj(x) else (1.0,)  # d/dx and d/dy of the gradient, for z = x + iy
        parts, states, seen = [], draws.Draws(fn, values), []  # every row sees the random draws of the first
        for unit in directions:
            rows = []
            for i in range(n):
                e = np.zeros(n, dtype=complex if unit == 1j else float)
                e[i] = unit
                v = e.reshape(shape) if shape else unit
                if seen:
                    states.restore()
                (value, _), (_, hv) = api.jvp(fv, tuple(values) + (1.0,), (v,), wrt=(name,))
                outputs.check_scalar_output(fn, value)  # (never the Hessian of a sum of outputs)
                seen.append(value)
                rows.append(np.ravel(hv))
            parts.append(np.stack(rows) if rows else _empty_hessian(fv, fn, values, name, x))
        draws.same_values(fn, seen, "by tl.hessian, once per row")
        # the Jacobian of the gradient: for complex z, the gradient must be holomorphic (f is, and f'' is returned)
        hess = parts[0] if len(parts) == 1 else _complex_rows(fn, "tl.hessian", parts[0], parts[1], True) + 0j
        return np.reshape(hess, shape + shape) if shape else hess.ravel()[0].item()

    # transformed again: the Jacobian of the gradient (compose.py)
    run.__tl_recipe__ = compose.Recipe("jacobian", gradients.grad(f, name), name)
    return run


def _structured_hint(fn: Callable, name: str, x: Any) -> str:
    """What to write instead of the Hessian with respect to ``x``, a dict, list or other value that is not a
    float array: Hessian-vector products keep its structure (code that runs where the call was written)."""
    flat = f"pass the parameters of '{name}' as one flat array (np.concatenate)"
    if isinstance(x, dict):
        v = f"{{k: np.ones_like(a) for k, a in {name}.items()}}"
    elif isinstance(x, (list, tuple)):
        v = f"{type(x).__name__}(np.ones_like(a) for a in {name})"
    else:
        return flat
    params = api._params(fn)  # (tl.hvp(f, x, v, *rest): the arguments in order, v after the first)
    args = ", ".join(params[:1] + ["v"] + params[1:])
    return (f"{flat}, or take Hessian-vector products, which keep its structure (one per direction v shaped "
            f"like '{name}'), e.g.\n    v = {v}\n    Hv = tl.hvp({_shown(fn)}, {args}{_wrt(fn, name)})")


def _empty_hessian(fv: Callable, fn: Callable, values: Sequence[Any], name: str, x: Any) -> Any:
    """The (0, 0) Hessian of an argument with no entries; ``fn``'s output is still checked to be a scalar."""
    (value, _), _ = api.jvp(fv, tuple(values) + (1.0,), (np.zeros_like(x),), wrt=(name,))
    outputs.check_scalar_output(fn, value)
    return np.zeros((0, 0), dtype=np.result_type(x, float))


def jacobian(f: Callable, wrt: api.Wrt = 0, mode: str = "auto", *, has_aux: bool = False, **options: Any) -> Callable:
    """The Jacobian of ``f`` with respect to one argument, as a function:
    ``tl.jacobian(f)(*args)``.

    Args:
        f: The function.
        wrt: The one argument (index or name) to differentiate with respect to (default:
            the first).
        mode: ``"forward"`` builds the Jacobian with one batched forward pass (all input
            directions at once; JVP rules only), ``"reverse"`` from VJPs (one per output entry;
            VJP rules only), ``"auto"`` picks forward when the input is smaller than the output
            (measured by the reverse pass), or the mode whose rules exist. Runs of ``f`` beyond
            the first see its random draws (docs/limitations.md).
        has_aux: ``f`` returns ``(out, aux)``; the result is ``(jacobian of out, aux)``, aux
            returned as it is.
        **options: None are taken (``TypeError``).

    Returns:
        A function of ``f``'s arguments giving the Jacobian, shaped ``out.shape + x.shape``.
        Complex numbers (docs/complex-numbers.md): for a real ``x`` and a complex result, the
        complex ``dF/dx``; for a complex ``z`` and a real result, rows ``dF/dx - 1j dF/dy``
        (``tl.grad`` of each entry); for a complex result of a complex ``z``, ``F'(z)`` when ``F``
        is holomorphic at the point, refused (``ArgumentError``) otherwise.
    """
    callables.no_other_options("tl.jacobian", options)
    if mode not in ("auto", "forward", "reverse"):
        raise ArgumentError(f"unknown jacobian mode '{mode}'", hint="use 'auto', 'forward' or 'reverse'")
    made = varargs.lazy(jacobian, f, wrt, mode, has_aux=has_aux)  # def f(*xs): per call, as called
    if made is not None:
        return made
    name = _single_wrt(f, wrt, "tl.jacobian")
    fn0 = api._target(f)[0]  # (checked now: a bad f is refused when the transformation is made)

    @functools.wraps(fn0)
    def run(*args: Any, **kwargs: Any) -> Any:
        fn, target = api._target(f)  # at every call: f may be what tl.grad returned (compose.py), made again
        values = api.bind_args(target, args, kwargs)
        x = values[api._params(fn).index(name)]
        if runtime.namespace(x) is not np:  # (Dask and CuPy arrays: NumPy dispatches to them)
            raise ArgumentError(
                f"tl.jacobian builds the Jacobian with NumPy; '{name}' is a {type(x).__module__}.{type(x).__name__}",
                hint=f"pass NumPy arrays (np.asarray({name})), or build it from tl.vjp / tl.jvp, which keep "
                "the array's library")
        runtime.array_only(x, name, "tl.jacobian")
        in_shape = np.shape(x)
        n = int(np.prod(in_shape))
        states = draws.Draws(fn, values)  # every run of fn below sees the random draws of the first
        held, given = _keyword_only_held(fn, values, name, "tl.jacobian")
        forward = functools.partial(_forward_pass, held, given, name, x, n)
        pullback = None
        if mode == "forward" and n:  # the JVP rules alone: fn runs once, all directions at once
            out, t = forward()
        else:
            try:
                out, pullback = api.vjp(held, *given, wrt=name)
            except NoRuleError:  # (auto: an operation with a JVP rule only)
                if mode == "reverse" or not n:
                    raise
                out, t = forward()
        value = _single_output(fn, f, name, outputs.split_aux(fn, out)[0] if has_aux else out)
        m = int(np.prod(np.shape(value)))
        if pullback is not None and mode != "reverse" and 0 < n < m:  # auto: forward mode is cheaper
            after = states.snapshot()
            states.restore()
            try:
                again, t = forward()
            except NoRuleError:  # an operation with a VJP rule only: from the VJPs after all
                states.restore(after)
            else:
                draws.same_values(fn, [out, again], "by tl.jacobian's reverse pass, then by its forward pass")
                pullback = None
        aux = None
        if has_aux:
            out, aux = outputs.split_aux(fn, out)
            if pullback is not None:
                out, pullback, aux = outputs.with_aux(fn, (out, aux), pullback)
        outputs.check_float_output(fn, out)
        out_shape = np.shape(out)
        complex_in, complex_out = np.iscomplexobj(x), np.iscomplexobj(out)
        if n == 0 or m == 0:  # no entry: no direction to push forward nor pull back
            dtype = np.result_type(runtime._float_dtype(np.asarray(x)), runtime._float_dtype(np.asarray(out)))
            jac = np.zeros(out_shape + in_shape, dtype)
            return (jac, aux) if has_aux else jac
        if pullback is None:  # the columns: the tangents of the n basis directions (and of i times them)
            t = t[0] if has_aux else t
            columns = np.reshape(np.asarray(t), (len(t), m)).T
            jac = columns if not complex_in else _complex_rows(fn, "tl.jacobian", columns[:, :n], columns[:, n:],
                                                               complex_out)
        else:  # one VJP per output entry (two for a complex output: its real and imaginary parts)
            seeds = (1.0, -1j) if complex_out else (1.0,)
            parts = []
            for seed in seeds:
                rows = []
                for j in range(m):
                    e = np.zeros(m, dtype=runtime._float_dtype(np.asarray(out)))
                    e[j] = seed
                    rows.append(np.ravel(pullback(e.reshape(out_shape) if out_shape else seed)))
                parts.append(np.array(rows))
            if not complex_out:
                jac = parts[0]
            elif not complex_in:  # rows of Re(dF/dx) and of Im(dF/dx)
                jac = parts[0] + 1j * parts[1]
            else:  # rows of Re(dF/dx) - i Re(dF/dy) and Im(dF/dx) - i Im(dF/dy)
                jac = _complex_rows(fn, "tl.jacobian", parts[0], 1j * parts[1], True, reverse=True)
        jac = jac.reshape(out_shape + in_shape)
        return (jac, aux) if has_aux else jac

    if not has_aux:  # transformed again: a plain function, column by column (compose.py)
        run.__tl_recipe__ = compose.Recipe("jacobian", f, name)
    return run


def _keyword_only_held(fn: Callable, values: Sequence[Any], name: str, what: str) -> Tuple[Callable, Sequence[Any]]:
    """``fn`` and its positional ``values``, or for a function with keyword-only parameters (``def
    f(x, *, k)``, and what varargs.py makes of ``def f(x, **kw)``) a ``functools.partial`` holding
    them (constants, passed by name) and the values of the others."""
    params = list(callables.signature(fn).parameters.values())
    keywords = {p.name: v for p, v in zip(params, values) if p.kind == p.KEYWORD_ONLY}
    if not keywords:
        return fn, values
    if name in keywords:
        raise ArgumentError(f"{what} with respect to the keyword-only parameter '{name}' of "
                            f"'{fn.__qualname__}' is not supported yet",
                            hint=f"make '{name}' a positional parameter, or use tl.grad / tl.vjp (which take it "
                            "by name)")
    return functools.partial(fn, **keywords), [v for p, v in zip(params, values) if p.kind != p.KEYWORD_ONLY]


def _forward_pass(fn: Callable, values: Sequence[Any], name: str, x: Any, n: int) -> Tuple[Any, Any]:
    """``(out, tangents)`` of one batched forward pass of ``fn`` along the ``n`` basis directions of
    ``x`` (and ``i`` times them, for a complex ``x``: d/dx then d/dy of ``z = x + iy``); an operation
    without a batched rule: ``tl.jvp`` runs one direction at a time, with the same random draws."""
    basis = np.eye(n, dtype=_real_dtype(x)).reshape((n,) + np.shape(x))  # (float32 stays)
    if np.iscomplexobj(x):
        basis = np.concatenate([basis, 1j * basis])
    return api.jvp(fn, values, (basis,), wrt=(name,), batched=True)


def _single_output(fn: Callable, f: Callable, name: str, out: Any) -> Any:
    """``out``, refused when it is a tuple, list or dict (tl.jacobian takes one array or scalar)."""
    if isinstance(out, (tuple, list, dict)):
        raise ArgumentError(
            f"tl.jacobian needs '{fn.__qualname__}' to return one array or scalar; it returns a "
            f"{type(out).__name__}" + (f" of {len(out)}" if isinstance(out, (tuple, list)) else ""),
            hint=_many_outputs_hint(f, fn, name, out))
    return out


def _real_dtype(x: Any) -> Any:
    """The real dtype of ``x``'s entries (float32 for complex64), float64 for integers."""
    return np.empty(0, runtime._float_dtype(np.asarray(x))).real.dtype


def _complex_rows(fn: Callable, what: str, jx: Any, jy: Any, complex_out: bool, reverse: bool = False) -> Any:
    """The derivative of ``fn`` with respect to a complex argument ``z = x + iy``, under the convention
    of docs/complex-numbers.md, from its two real-direction parts.

    Forward mode passes ``jx = dF/dx`` and ``jy = dF/dy``.  For a real output the result is
    ``dF/dx - i dF/dy`` (each row is ``tl.grad`` of that entry); for a complex output, ``F`` must be
    holomorphic at the point (Cauchy-Riemann: ``dF/dy == i dF/dx``) and the result is ``F'(z) = dF/dx``.
    Reverse mode (``reverse=True``) passes the pullbacks of the real and of the imaginary part of
    each output entry (the second times ``i``): for a holomorphic ``F`` both are ``F'(z)``.
    """
    if not complex_out:
        return jx - 1j * jy
    scale = max(1.0, float(np.max(np.abs(jx), initial=0.0)))
    tol = np.sqrt(np.finfo(np.asarray(jx).real.dtype).eps) * scale
    if not np.allclose(jy, jx if reverse else 1j * jx, rtol=0, atol=tol):
        name = getattr(fn, "__qualname__", repr(fn))
        subject, hint = _NOT_HOLOMORPHIC[what]
        raise ArgumentError(
            f"{what}: {subject.format(name=name)} is not holomorphic (complex-differentiable) at this point, so "
            "it has no complex derivative: its derivatives along the real and the imaginary part of the input "
            "differ by more than the factor i (Cauchy-Riemann)", hint=hint)
    return jx


_NOT_HOLOMORPHIC = {  # what is refused, and what to do instead (docs/complex-numbers.md)
    "tl.jacobian": ("'{name}' returns complex values but", "differentiate a real part: wrap the output in np.real "
                    "(or np.imag, np.abs): each row of the result is then tl.grad of that entry, d/dx - 1j d/dy; or "
                    "pass the real and imaginary parts of the input as separate real arguments"),
    "tl.hessian": ("the gradient of '{name}' (d/dx - 1j d/dy of its real part)", "tl.hessian of a function of "
                   "complex z is f''(z), for a holomorphic f; for a real-valued f, np.conj(tl.hvp(f, z, v)) is its "
                   "Hessian over (Re z, Im z) applied to (Re v, Im v), or pass the real and imaginary parts as "
                   "separate real arguments"),
}


def _many_outputs_hint(f: Callable, fn: Callable, name: str, out: Any = None) -> str:
    recipe = getattr(f, "__tl_recipe__", None)
    if recipe is not None and recipe.kind == "value_and_grad":
        return ("tl.value_and_grad returns (value, gradient): tl.jacobian(tl.grad(f)) is the Hessian, and "
                "tl.grad(f) the Jacobian of the value")
    if isinstance(out, dict):  # (a dict's entries by key: [0] is a KeyError)
        return f"take the Jacobian of one entry ({_first_output('tl.jacobian', fn, name, repr(next(iter(out), 0)))})"
    return (f"take the Jacobian of one output ({_first_output('tl.jacobian', fn, name)}), or pass has_aux=True "
            f"when {_shown(fn)} returns (out, aux) with aux not to be differentiated")


def _shown(fn: Callable) -> str:
    return fn.__name__ if fn.__name__.isidentifier() else "f"


def _wrt(fn: Callable, name: str) -> str:
    return "" if api._params(fn)[:1] == [name] else f", wrt={name!r}"


def _first_output(what: str, fn: Callable, name: str, key: str = "0") -> str:
    """``tl.jacobian(lambda x, y: f(x, y)[0])``: ``what`` of ``fn``'s first output (``key``: of a
    dict's), as code that runs (a lambda taking ``fn``'s parameters: a variable number of
    arguments is refused)."""
    params = ", ".join(api._params(fn))
    return f"{what}(lambda {params}: {_shown(fn)}({params})[{key}]{_wrt(fn, name)})"


def derivatives(f: Callable, x: float, order: int, *args: Any) -> Sequence[Any]:
    """``[f(x), f'(x), ..., f^(order)(x)]`` for a function of one scalar ``x`` (extra
    ``args`` are constants), by nesting forward mode over generated code: the k-th
    derivative is the JVP of the (k-1)-th generated function, all seeds 1."""
    f = varargs.as_called(f, (x,) + tuple(args), {})  # def f(*xs): the function of these arguments
    fn, target = api._target(f)
    if not isinstance(x, (float, int, np.floating)) or isinstance(x, bool):
        raise ArgumentError(f"tl.derivatives takes a scalar x (a float), got {type(x).__name__}",
                            hint="for an array x, differentiate along a direction: "
                                 "tl.derivatives(lambda t: f(x0 + t * v), 0.0, order)")
    values = tuple(api.bind_args(target, (x,) + tuple(args), {}))  # defaults filled in (seeds come after)
    states = draws.Draws(fn, values)  # every order's run sees the random draws of the first
    name = callables.free_params(target)[0][0]
    held, given = _keyword_only_held(fn, values, name, "tl.derivatives")
    out = [held(*given)]  # (the generated functions take every parameter by position)
    current = fn
    for k in range(1, order + 1):
        current, _ = tangent_function(current, name)
        states.restore()
        value = current(*values, *([1.0] * k))
        for _ in range(k):
            value = value[1]
        out.append(value)
    return out


hessian.__tl_inside__ = gradients.inside(hessian, "hessian")  # type: ignore[attr-defined]
jacobian.__tl_inside__ = gradients.inside(jacobian, "jacobian")  # type: ignore[attr-defined]


_HVP_INSIDE: Dict[Tuple[int, str], Tuple[Any, Callable, Callable]] = {}


def _hvp_inside(f: Callable, wrt: api.Wrt = 0) -> Callable:
    """``tl.hvp.__tl_inside__``: for ``tl.hvp(f, x, v, *rest)`` called inside a function being
    differentiated, the plain function ``f_hvp(x, v, *rest)`` calling the JVP of ``f``'s
    generated gradient (compose.py)."""
    name = _single_wrt(f, wrt, "tl.hvp")
    fn, target = api._target(f)
    module = api.compiled(_scalar_gradient(fn, name, "tl.hvp"), "jvp", (name,))
    derivative = getattr(module, module.__tl_meta__["functions"][0])
    made = _HVP_INSIDE.get((id(f), name))
    if made is None or made[0] is not f or made[1] is not derivative:
        held = () if target is fn else tuple(
            callables.signature(fn).bind_partial(*target.args, **target.keywords).arguments.items())
        plain = compose.wrapper("hvp", fn, (name,), True, held, derivative)
        plain.__tl_current__ = module.__tl_runner__
        made = _HVP_INSIDE[(id(f), name)] = (f, derivative, plain)
    return made[2]


hvp.__tl_inside__ = _hvp_inside  # type: ignore[attr-defined]
