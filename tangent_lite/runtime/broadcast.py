"""Broadcasting undone: cotangents summed back to an operand's shape, tangents spread to a result's.

``unbroadcast`` (and ``unbroadcast_product``, its fused form for ``g * d``) is what every
reverse-mode rule of a broadcasting operation ends with; ``bcast`` is its forward-mode
counterpart.  Lists and tuples must keep their length (``L + M`` and ``L * n`` concatenate).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .library import _is_complex, is_foreign, namespace, spread, summed
from .markers import user_error


def _shape(x: Any) -> tuple:
    return x.shape if hasattr(x, "shape") else ()


def real_cotangent(g: Any, x: Any) -> Any:
    """``g``, or its real part when ``g`` is complex and ``x`` is real: a real value's share of a
    complex cotangent (the convention of docs/complex-numbers.md), so real values keep real
    adjoints (which in-place accumulation relies on).  In ``g``'s own library."""
    tg = type(g)
    if tg is float or (tg is np.ndarray and g.dtype.kind != "c"):  # the common cases: nothing to check
        return g
    if _is_complex(g) and not (_is_complex(x) if is_foreign(x) else np.iscomplexobj(x)):
        xp = namespace(g)
        return np.real(g) if xp is np else xp.real(g)
    return g




def unbroadcast(g: Any, x: Any) -> Any:
    """Sum ``g`` over the axes NumPy broadcast ``x`` along, so it has ``x``'s shape (the real part
    of a complex ``g`` for a real ``x``)."""
    if type(g) is np.ndarray and type(x) is np.ndarray and g.shape == x.shape and g.dtype.kind != "c":
        return g  # the common case: nothing to sum, nothing complex
    if type(g) is np.ndarray and g.dtype.kind != "c":  # a real NumPy cotangent: no real part to take
        if type(x) is np.ndarray and g.ndim > x.ndim > 0 and g.size == x.size and g.dtype.kind == "f" \
                and g.shape[g.ndim - x.ndim:] == x.shape:
            return g.reshape(x.shape)  # only leading axes of length 1 to sum (a batch of one): the same numbers
        return _unbroadcast(g, x)
    return real_cotangent(_unbroadcast(g, x), x)


def _unbroadcast(g: Any, x: Any) -> Any:
    xs = x.shape if hasattr(x, "shape") else ()
    gs = g.shape if hasattr(g, "shape") else ()
    if gs == xs:
        if isinstance(x, (list, tuple)):
            _same_length(g, x)
        return g
    if not xs:
        return summed(g)
    lead = len(gs) - len(xs)
    if lead > 0:
        g = summed(g, axis=tuple(range(lead)))
    if lead < 0:  # g is smaller (a symbolic-zero scalar or a broadcast tangent)
        return spread(g, xs, x)
    axes = tuple(i for i, (a, b) in enumerate(zip(xs, g.shape)) if a == 1 and b != 1)
    if len(axes) == 1 and type(g) is np.ndarray and g.dtype == np.float64 and g.ndim >= 2 and g.size >= 4096:
        # one inner axis: as a product with ones (BLAS), where NumPy's reduction loops over
        # the short trailing axes one small block at a time (5 to 30 times slower)
        k = axes[0]
        ones = np.ones(g.shape[k])
        out = g @ ones if k == g.ndim - 1 else ones @ np.moveaxis(g, k, -2)
        return np.expand_dims(out, k)
    if axes:
        g = summed(g, axis=axes, keepdims=True)
    return g


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_CONTRACT_MIN_SIZE = 32768  # below this, np.einsum's planning costs more than the product saves


def unbroadcast_product(a: Any, b: Any, x: Any) -> Any:
    """``unbroadcast(a * b, x)``: the product summed to ``x``'s shape.  For large float arrays,
    one ``np.einsum`` contraction that never builds the full product (an N x N x 2 product summed
    over an axis reads its operands once and writes an N x 2 result); otherwise the product."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.size * b.size >= _CONTRACT_MIN_SIZE \
            and a.dtype == b.dtype and a.dtype.kind == "f":  # (a.size * b.size bounds the product's size)
        shape = np.broadcast_shapes(a.shape, b.shape)
        xs = _shape(x)
        nd = len(shape)
        if math.prod(shape) >= _CONTRACT_MIN_SIZE and nd <= len(_LETTERS) and len(xs) <= nd:
            lead = nd - len(xs)
            kept = [i for i in range(lead, nd) if not (xs[i - lead] == 1 and shape[i] != 1)]
            if len(kept) < nd:  # something is summed
                ops = []
                for o in (a, b):
                    off = nd - o.ndim
                    axes = [j for j in range(o.ndim) if o.shape[j] == shape[off + j]]
                    ops.append((o.reshape([o.shape[j] for j in axes]), "".join(_LETTERS[off + j] for j in axes)))
                spec = f"{ops[0][1]},{ops[1][1]}->{''.join(_LETTERS[i] for i in kept)}"
                out = np.einsum(spec, ops[0][0], ops[1][0], optimize=True)
                return out.reshape(xs) if xs else out[()]
    return unbroadcast(a * b, x)


def _same_length(d: Any, x: Any) -> None:
    """A derivative of the list or tuple ``x`` must have one entry per item: ``L + M`` and
    ``L * n`` concatenate, so the rules of number and array arithmetic do not apply to them."""
    if not isinstance(d, (list, tuple, np.ndarray)) or (isinstance(d, np.ndarray) and d.ndim == 0) \
            or len(d) != len(x):
        raise user_error("UnsupportedConstructError",
                         "'+' or '*' of lists or tuples that carry derivatives (L + M, L * n), where the type of the "
                         "operands is not known when the code is generated, is not differentiated",
                         "build the list from its items ([a, b, c]), or use arrays (np.concatenate, np.tile)")


def bcast(t: Any, ans: Any) -> Any:
    """Broadcast a tangent ``t`` to the shape of ``ans`` (no copy when equal)."""
    shape = ans.shape if hasattr(ans, "shape") else ()
    if (t.shape if hasattr(t, "shape") else ()) == shape:
        if isinstance(ans, (list, tuple)):
            _same_length(t, ans)
        return t
    return spread(t, shape, ans)
