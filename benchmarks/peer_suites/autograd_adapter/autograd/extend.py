"""autograd.extend for the adapter."""

from .core import defjvp, defvjp, primitive, vspace  # noqa: F401


def defvjp_argnum(*args, **kwargs):
    primitive(None)


def defjvp_argnum(*args, **kwargs):
    primitive(None)
