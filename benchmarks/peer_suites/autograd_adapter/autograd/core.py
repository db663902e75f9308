"""autograd.core for the adapter."""

from . import make_jvp as _make_jvp_nary
from . import make_vjp as _make_vjp_nary
from ._calls import vs  # noqa: F401

primitive_vjps = {}


def make_vjp(fun, x):
    """autograd.core.make_vjp(fun, x) -> (pullback, value), by tl.vjp."""
    return _make_vjp_nary(fun)(x)


def make_jvp(fun, x):
    """autograd.core.make_jvp(fun, x) -> (v -> (value, tangent)), by tl.jvp."""
    return _make_jvp_nary(fun)(x)


def vspace(value):
    raise NotImplementedError("autograd.core.vspace: autograd's vector-space objects have no tangent_lite equivalent")


def primitive(fun):
    raise NotImplementedError("autograd primitives with vjp makers: register a rule "
                              "with tl.defvjp(fn, argnum) "
                              "taking (g, ans, <fn's parameters>) instead")


primitive_with_deprecation_warnings = primitive
defvjp = primitive
defjvp = primitive
