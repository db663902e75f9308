"""A thin adapter presenting tangent_lite under autograd's API, so that autograd's own test
suite can be run against tangent_lite (benchmarks/peer_suites/autograd_suite.py).

autograd.numpy IS numpy (and autograd.scipy is scipy): tangent_lite differentiates plain NumPy
code.  The differential operators map to tangent_lite's API; an operator with no tangent_lite
equivalent raises NotImplementedError, so its tests count as failures.
"""

import builtins
import sys

import numpy
import numpy.fft
import numpy.linalg
import numpy.random

import tangent_lite as tl

from . import _calls
from . import _values as vs

for _name in ("random", "linalg", "fft"):
    sys.modules[__name__ + ".numpy." + _name] = getattr(numpy, _name)
sys.modules[__name__ + ".numpy"] = numpy

list = builtins.list  # autograd's container constructors: tangent_lite needs no boxes
tuple = builtins.tuple
dict = builtins.dict
isinstance = builtins.isinstance
type = builtins.type


def _no_equivalent(what, instead):
    raise NotImplementedError(f"autograd.{what} has no tangent_lite equivalent ({instead})")


def grad(fun, argnum=0):
    """tl.grad(fun, wrt=argnum)."""
    return _calls.composable(fun, lambda f: tl.grad(f, wrt=_calls.wrt_of(argnum)))


def value_and_grad(fun, argnum=0):
    """tl.value_and_grad(fun, wrt=argnum)."""
    return _calls.composable(fun, lambda f: tl.value_and_grad(f, wrt=_calls.wrt_of(argnum)))


def grad_and_aux(fun, argnum=0):
    """tl.grad(fun, wrt=argnum, has_aux=True): (gradient, aux), as in autograd."""
    return _calls.composable(fun, lambda f: tl.grad(f, wrt=_calls.wrt_of(argnum), has_aux=True))


def holomorphic_grad(fun, argnum=0):
    """tl.grad: it differentiates the real part of a complex result, which for a holomorphic
    function is f'(z) (docs/complex-numbers.md)."""
    return _calls.composable(fun, lambda f: tl.grad(f, wrt=_calls.wrt_of(argnum)))


def grad_named(fun, argname):
    """tl.grad(fun, wrt=argname)."""
    return _calls.composable(fun, lambda f: tl.grad(f, wrt=argname))


def jacobian(fun, argnum=0):
    """tl.jacobian(fun, wrt=argnum)."""
    return _calls.composable(fun, lambda f: tl.jacobian(f, wrt=_calls.wrt_of(argnum)))


def hessian(fun, argnum=0):
    """tl.hessian(fun, wrt=argnum)."""
    return _calls.composable(fun, lambda f: tl.hessian(f, wrt=_calls.wrt_of(argnum)))


def elementwise_grad(fun, argnum=0):
    """The pullback of a ones cotangent: tl.vjp(fun, ...)[1](ones)."""
    def ew_grad(*args, **kwargs):
        out, pullback = _calls.vjp(fun, args, kwargs, argnum)
        if vs.is_complex(out):
            raise TypeError("Elementwise_grad only applies to real-output functions.")
        return pullback(vs.ones_like(out))
    return ew_grad


def deriv(fun, argnum=0):
    """Forward mode along a ones tangent: tl.jvp(fun, args, (ones,))[1]."""
    def derivative(*args, **kwargs):
        x = _calls.selected(args, argnum)
        return _calls.jvp(fun, args, kwargs, argnum, vs.ones_like(x))[1]
    return derivative


def make_vjp(fun, argnum=0):
    """(pullback, value) from tl.vjp."""
    def vjp_maker(*args, **kwargs):
        out, pullback = _calls.vjp(fun, args, kwargs, argnum)
        return pullback, out
    return vjp_maker


def make_jvp(fun, argnum=0):
    """v -> (value, tangent) from tl.jvp."""
    def jvp_maker(*args, **kwargs):
        return lambda v: _calls.jvp(fun, args, kwargs, argnum, v)
    return jvp_maker


def make_hvp(fun, argnum=0):
    """(v -> H v, gradient): H v by forward over the generated gradient (as tl.hvp)."""
    def hvp_maker(*args, **kwargs):
        gradient = grad(fun, argnum)(*args, **kwargs)
        return (lambda v: _calls.hvp(fun, args, kwargs, argnum, v)), gradient
    return hvp_maker


def hessian_tensor_product(fun, argnum=0):
    """(*args, V) -> H V for V shaped like the argument, by forward over reverse (tl.hvp)."""
    def htp(*args, **kwargs):
        args, tensor = args[:-1], args[-1]
        if numpy.shape(tensor) != numpy.shape(args[argnum]):
            _no_equivalent("hessian_tensor_product with a tensor not shaped like the argument",
                           "tl.hvp takes one vector shaped like x")
        return _calls.hvp(fun, args, kwargs, argnum, tensor)
    return htp


hessian_vector_product = hessian_tensor_product


def tensor_jacobian_product(fun, argnum=0):
    """(*args, V) -> tensordot(V, J, V.ndim): tl.vjp's pullback of V; when V covers only the
    leading axes of the output, one pullback per entry of the remaining axes."""
    def tjp(*args, **kwargs):
        args, tensor = args[:-1], args[-1]
        out, pullback = _calls.vjp(fun, args, kwargs, argnum)
        rest = numpy.shape(out)[numpy.ndim(tensor):]
        if not rest:
            return pullback(tensor)
        rows = []
        for k in numpy.ndindex(*rest):
            unit = numpy.zeros(rest)
            unit[k] = 1.0
            rows.append(pullback(numpy.multiply.outer(tensor, unit)))
        return numpy.reshape(numpy.stack(rows), rest + numpy.shape(rows[0]))
    return tjp


vector_jacobian_product = tensor_jacobian_product


def _half_squared_norm(x):
    return 1.0 / 2 * numpy.sum(x**2, axis=-1)


def make_ggnvp(f, g=_half_squared_norm, f_argnum=0):
    """v -> J^T H_g J v: tl.jvp of f, forward-over-reverse H_g, tl.vjp of f."""
    def ggnvp_maker(*args, **kwargs):
        f_x, pullback = _calls.vjp(f, args, kwargs, f_argnum)

        def ggnvp(v):
            _, jv = _calls.jvp(f, args, kwargs, f_argnum, v)
            return pullback(_calls.hvp(g, (f_x,), {}, 0, jv))
        return ggnvp
    return ggnvp_maker


def checkpoint(fun):
    _no_equivalent("checkpoint", "tangent_lite checkpoints loops: for i in tl.checkpointed(range(n))")


def multigrad_dict(fun):
    _no_equivalent("multigrad_dict", "use tl.grad(fun, wrt=(names...))")


def _inside(transformation, **fixed):
    """``__tl_inside__`` for an operator mapped to a tangent_lite transformation, so that
    ``grad(f)(x)`` called inside a function being differentiated is tangent_lite's own
    ``tl.grad(f, wrt=argnum)(x)`` there too (frontend/lowering/inside.py)."""
    make = transformation.__tl_inside__

    def plain(fun, argnum=0):
        return make(fun, argnum if isinstance(argnum, str) else _calls.wrt_of(argnum), **fixed)

    plain.makes_function = True
    return plain


grad.__tl_inside__ = _inside(tl.grad)
value_and_grad.__tl_inside__ = _inside(tl.value_and_grad)
grad_and_aux.__tl_inside__ = _inside(tl.grad, has_aux=True)
holomorphic_grad.__tl_inside__ = _inside(tl.grad)
grad_named.__tl_inside__ = _inside(tl.grad)
jacobian.__tl_inside__ = _inside(tl.jacobian)
hessian.__tl_inside__ = _inside(tl.hessian)
