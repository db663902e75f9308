"""``@tl.differentiate``: a function with derivative methods (``f.grad``, ``f.vjp``,
``f.source``, ...); calling it calls the original."""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Sequence, Tuple

from .api import Wrt, jvp, source, vjp, wengert
from .backends import numba_backend
from .errors import ArgumentError
from .gradients import grad, value_and_grad


class _DerivativeMethods:
    """``f.grad``, ``f.value_and_grad``, ``f.vjp``, ``f.jvp`` and ``f.source`` of what
    ``self._subject()`` is, with ``self.default_wrt`` and ``self.backend``."""

    default_wrt: Wrt = None
    backend: str = "python"

    def _subject(self) -> Callable:
        raise NotImplementedError

    def _wrt(self, wrt: Wrt) -> Wrt:
        return self.default_wrt if wrt is None else wrt

    def grad(self, *args: Any, wrt: Wrt = None, **kwargs: Any) -> Any:
        return grad(self._subject(), self._wrt(wrt), self.backend)(*args, **kwargs)

    def value_and_grad(self, *args: Any, wrt: Wrt = None, **kwargs: Any) -> Tuple[Any, Any]:
        return value_and_grad(self._subject(), self._wrt(wrt), self.backend)(*args, **kwargs)

    def vjp(self, *args: Any, wrt: Wrt = None, **kwargs: Any) -> Tuple[Any, Callable]:
        return vjp(self._subject(), *args, wrt=self._wrt(wrt), **kwargs)

    def jvp(self, primals: Sequence[Any], tangents: Sequence[Any], wrt: Wrt = None) -> Tuple[Any, Any]:
        return jvp(self._subject(), primals, tangents, wrt=self._wrt(wrt))

    def source(self, mode: str = "vjp", wrt: Wrt = None) -> str:
        return source(self._subject(), mode, self._wrt(wrt))


def _method_inside(kind: str) -> Callable[..., Callable]:
    """``f.<kind>.__tl_inside__(f, wrt)``: ``f.grad(x)`` called inside a function being
    differentiated stands for ``tl.grad(f, wrt)(x)`` (frontend/lowering/inside.py)."""
    transformation = grad if kind == "grad" else value_and_grad

    def plain(owner: _DerivativeMethods, wrt: Wrt = None) -> Callable:
        return transformation.__tl_inside__(owner._subject(), owner._wrt(wrt), owner.backend)  # type: ignore

    return plain


_DerivativeMethods.grad.__tl_inside__ = _method_inside("grad")  # type: ignore[attr-defined]
_DerivativeMethods.value_and_grad.__tl_inside__ = _method_inside("value_and_grad")  # type: ignore[attr-defined]


class Differentiable(_DerivativeMethods):
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

    def _subject(self) -> Callable:
        return self.fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:  # obj.method: obj held first, as Python binds it
        return self if obj is None else _BoundMethod(self, obj)

    def wengert(self) -> str:
        return wengert(self.fn)

    def __repr__(self) -> str:
        return f"<differentiable {self.fn.__qualname__}>"


def differentiate(fn: Optional[Callable] = None, *, wrt: Wrt = None, checkpoint: Optional[int] = None,
                  backend: str = "python") -> Any:
    """Decorator: the function stays callable as written and gains derivative methods
    (``.grad``, ``.value_and_grad``, ``.vjp``, ``.jvp``, ``.source``, ``.wengert``, ...).

    ``@tl.differentiate`` or ``@tl.differentiate(wrt="W", checkpoint=k)``.

    Args:
        fn: The function (given when used without parentheses).
        wrt: The arguments the methods differentiate with respect to by default: indices
            or parameter names (default: the first argument).
        checkpoint: ``k``: reverse mode checkpoints every top-level ``for ... in range(...)``
            loop with ``k`` snapshots (as ``tl.checkpointed`` does for one loop).
        backend: ``"python"``, or ``"numba"`` to compile ``.grad`` / ``.value_and_grad``
            with Numba (docs/numba.md).

    Returns:
        A ``Differentiable`` wrapping ``fn`` (or, without ``fn``, the decorator that makes one).
    """
    if fn is None:
        return lambda f: Differentiable(f, wrt, checkpoint, backend)
    return Differentiable(fn, wrt, checkpoint, backend)


class _BoundMethod(functools.partial, _DerivativeMethods):
    """A ``@tl.differentiate`` function reached through an instance: ``obj.loss(x)`` calls it with
    ``obj`` first, and ``obj.loss.grad(x)`` differentiates it with ``obj`` held constant (as
    ``tl.grad(obj.loss)`` does), with the decorator's backend and its ``wrt`` when given by name."""

    def __new__(cls, owner: Differentiable, obj: Any) -> _BoundMethod:
        bound = super().__new__(cls, owner.fn, obj)
        wrt = owner.default_wrt
        bound.default_wrt = wrt if isinstance(wrt, str) or (  # (an index would count self)
            isinstance(wrt, (tuple, list)) and all(isinstance(w, str) for w in wrt)) else None
        bound.backend = owner.backend
        return bound

    def _subject(self) -> Callable:
        return self
