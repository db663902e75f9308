"""autograd.test_util for the adapter: ``check_grads`` checks tangent_lite's derivatives
against central finite differences, with the same tolerances, the same random directions
and the same checks as autograd's (forward mode against differences; reverse mode through
<w, J v> == <J^T w, v>; ``order=2``: both modes of the derivative functions again, which
are tangent_lite's generated derivative code, differentiated by tangent_lite)."""

import itertools

import numpy as np

import tangent_lite as tl

from . import _calls
from . import _values as vs
from .wrap_util import get_name, unary_to_nary

TOL = 1e-6
RTOL = 1e-6
EPS = 1e-6


def scalar_close(a, b):
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


class _Target:
    """A function of one value ``x`` (an argument, or a tuple of them) with its value, its
    tangent along ``v`` and its cotangent for ``w`` computed by tangent_lite."""

    def __init__(self, name, value, jvp, vjp):
        self.name, self.value, self.jvp, self.vjp = name, value, jvp, vjp

    def numeric_jvp(self, x, v):
        plus = self.value(vs.add(x, vs.scale(v, EPS / 2)))
        minus = self.value(vs.add(x, vs.scale(v, -EPS / 2)))
        return vs.scale(vs.add(plus, vs.scale(minus, -1.0)), 1.0 / EPS)


def _replace(args, argnum, x):
    args = list(args)
    if isinstance(argnum, (list, tuple)):
        for i, xi in zip(argnum, x):
            args[i] = xi
    else:
        args[argnum] = x
    return args


def _user_target(fun, args, kwargs, argnum):
    return _Target(
        get_name(fun),
        lambda x: fun(*_replace(args, argnum, x), **kwargs),
        lambda x, v: _calls.jvp(fun, _replace(args, argnum, x), kwargs, argnum, v)[1],
        lambda x, w: _calls.vjp(fun, _replace(args, argnum, x), kwargs, argnum)[1](w),
    )


def _generated_target(fun, args, kwargs, argnum, mode):
    """The derivative of ``fun`` as tangent_lite generates it, as a function of (x, v):
    mode "fwd": the JVP along v (tl.tangent_function); "rev": the VJP of cotangent v
    (tl.gradient_function), each differentiated again by tangent_lite."""
    f, full = _calls.full_args(fun, args, kwargs)
    idx = tuple(argnum) if isinstance(argnum, (list, tuple)) else (argnum,)
    several = isinstance(argnum, (list, tuple))
    if mode == "fwd":
        gen, _ = tl.tangent_function(f, wrt=idx)
        n_extra = len(idx)
    else:
        gen, _ = tl.gradient_function(f, wrt=idx)
        n_extra = 1
    positions = idx + tuple(len(full) + j for j in range(n_extra))

    def params(x2):
        x, v = x2
        call = _replace(full, argnum, x)
        extra = list(v) if mode == "fwd" and several else [v]
        return call + extra

    def flat(d2):
        dx, dv = d2
        return (tuple(dx) if several else (dx,)) + (tuple(dv) if mode == "fwd" and several else (dv,))

    def unflat(cots):
        k = len(idx)
        dx = tuple(cots[:k]) if several else cots[0]
        dv = tuple(cots[k:]) if mode == "fwd" and several else cots[k]
        return (dx, dv)

    def value(x2):
        return gen(*params(x2))[1]

    def jvp(x2, d2):
        return tl.jvp(gen, tuple(params(x2)), flat(d2), wrt=positions)[1][1]

    def vjp(x2, w):
        out, pullback = tl.vjp(gen, *params(x2), wrt=positions)
        return unflat(pullback((vs.zeros_like(out[0]), w)))

    return _Target(f"{mode}_derivative_of_{get_name(fun)}", value, jvp, vjp)


def _check_jvp(t, x):
    v = vs.randn_like(x)
    exact = t.jvp(x, v)
    numeric = t.numeric_jvp(x, v)
    check_equivalent(exact, numeric, what=f"forward mode (JVP) of {t.name} vs finite differences, at {x!r}")


def _check_vjp(t, x):
    y = t.value(x)
    x_v, y_v = vs.randn_like(x), vs.randn_like(y)
    vjp_y = vs.covector(t.vjp(x, vs.covector(y_v)))
    assert vs.shape_signature(vjp_y) == vs.shape_signature(x), (
        f"wrong type/shape: VJP of {t.name}: {vs.shape_signature(vjp_y)} for an argument {vs.shape_signature(x)}")
    exact = vs.inner(x_v, vjp_y)
    numeric = vs.inner(y_v, t.numeric_jvp(x, x_v))
    assert scalar_close(numeric, exact), (
        f"wrong number: reverse mode (VJP) of {t.name} vs finite differences, at {x!r}:\n"
        f"analytic: {exact}\nnumeric:  {numeric}")


def check_equivalent(x, y, what="values"):
    assert vs.shape_signature(x) == vs.shape_signature(y), (
        f"wrong type/shape: {what}:\nx: {vs.shape_signature(x)}\ny: {vs.shape_signature(y)}")
    v = vs.randn_like(x)
    assert scalar_close(vs.inner(x, v), vs.inner(y, v)), f"wrong number: {what}:\nx: {x}\ny: {y}"


def _check(fun, args, kwargs, argnum, modes, order):
    x = _calls.selected(args, argnum)
    target = _user_target(fun, args, kwargs, argnum)
    for mode in ("fwd", "rev"):
        if mode not in modes:
            continue
        (_check_jvp if mode == "fwd" else _check_vjp)(target, x)
        if order > 1:
            second = _generated_target(fun, args, kwargs, argnum, mode)
            v = vs.randn_like(x) if mode == "fwd" else vs.randn_like(target.value(x))
            for mode2 in modes:
                (_check_jvp if mode2 == "fwd" else _check_vjp)(second, (x, v))


def check_grads(f, argnum=0, modes=None, order=2):
    """``check_grads(f, argnum, modes, order)(*args, **kwargs)``, as autograd's."""
    modes = ["fwd", "rev"] if modes is None else list(modes)
    assert all(m in ("fwd", "rev") for m in modes)
    if order > 2:
        raise NotImplementedError("check_grads order > 2: this adapter checks up to second order")

    def checker(*args, **kwargs):
        _check(f, args, kwargs, argnum, modes, order)
    return checker


def combo_check(fun, *args, **kwargs):
    """check_grads on every combination of the given argument and keyword values."""
    def combos(*arg_lists, **kwarg_lists):
        kw_items = [[(k, v) for v in values] for k, values in kwarg_lists.items()]
        for call_args in itertools.product(*arg_lists):
            for call_kwargs in itertools.product(*kw_items):
                check_grads(fun, *args, **kwargs)(*call_args, **dict(call_kwargs))
    return combos


def check_vjp(f, x):
    _check_vjp(_user_target(f, (x,), {}, 0), x)


def check_jvp(f, x):
    _check_jvp(_user_target(f, (x,), {}, 0), x)


__all__ = ["check_grads", "combo_check", "scalar_close", "check_equivalent", "check_vjp", "check_jvp",
           "unary_to_nary", "np"]
