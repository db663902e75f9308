"""Products that are only summed, summed without being built.

The adjoint of a broadcast (``diff = W[:, None, :] - W[None, :, :]``) sums the incoming
adjoint over the broadcast axes.  When that adjoint is a product only those sums read, the
product need not exist: ``_tl.unbroadcast_product`` contracts the factors directly
(``np.einsum`` for large arrays: an N x N x 2 product summed to N x 2 is never written)::

    diff_bar = diff * (2.0 * sq_bar[:, :, None])     diff_bar_factor = 2.0 * sq_bar[:, :, None]
    _t0_bar = _tl.unbroadcast(diff_bar, _t0)   ->    _t0_bar = _tl.unbroadcast_product(diff, diff_bar_factor, _t0)
    _t1_bar = -_tl.unbroadcast(diff_bar, _t1)        _t1_bar = -_tl.unbroadcast_product(diff, diff_bar_factor, _t1)

Only a derivative temporary assigned once as a product of two factors, at the top level of
the function, read only as the first argument of ``_tl.unbroadcast`` by later top-level
statements, while nothing reassigns the first factor's name in between; and only where the
second factor is made to broadcast (``[:, :, None]``): then the sums do reduce, and the
product is as large as the first factor.
"""

from __future__ import annotations

import collections
from typing import Any, Dict, List, Set, Tuple

from ..syntax import gast, stored_names, walk


def _helper_calls(node: Any, tl: str, helper: str) -> List[Any]:
    return [n for n in walk(node) if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
            and n.func.attr == helper and isinstance(n.func.value, gast.Name) and n.func.value.id == tl]


def contract_summed_products(fdef: Any, protected: Set[str], tl: str) -> bool:
    body = fdef.body
    if not any(isinstance(st, gast.Assign) and isinstance(st.value, gast.BinOp) and isinstance(st.value.op, gast.Mult)
               and isinstance(st.value.left, gast.Name) and _expands(st.value.right) for st in body):
        return False  # no candidate product: nothing to count
    stores: Dict[str, int] = collections.Counter()
    loads: Dict[str, int] = collections.Counter()
    for n in walk(fdef):
        if isinstance(n, gast.Name):
            (stores if isinstance(n.ctx, gast.Store) else loads)[n.id] += 1
    changed = False
    for k, st in enumerate(body):
        if not (isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)
                and isinstance(st.value, gast.BinOp) and isinstance(st.value.op, gast.Mult)
                and isinstance(st.value.left, gast.Name)):
            continue
        t, first = st.targets[0].id, st.value.left.id
        if t in protected or stores[t] != 1 or first == t:
            continue
        uses: List[Tuple[Any, Any]] = []  # (statement, call) reading t as unbroadcast's first argument
        reads = 0
        for later in body[k + 1:]:
            if first in stored_names(later) and reads < loads[t]:
                break
            calls = [c for c in _helper_calls(later, tl, "unbroadcast") if len(c.args) == 2
                     and isinstance(c.args[0], gast.Name) and c.args[0].id == t]
            uses.extend((later, c) for c in calls)
            reads += sum(1 for n in walk(later) if isinstance(n, gast.Name) and n.id == t
                         and isinstance(n.ctx, gast.Load))
        if not uses or len(uses) != loads[t] or reads != loads[t]:
            continue
        if not _expands(st.value.right):
            continue  # a product that may not broadcast at all: the fallback would build it per sum
        factor = f"{t}_factor"
        if factor in stores or factor in loads:
            continue
        st.targets[0].id = factor  # the other factor, computed once
        st.value = st.value.right
        for _, call in uses:
            call.func.attr = "unbroadcast_product"
            call.args = [gast.Name(id=first, ctx=gast.Load(), annotation=None, type_comment=None),
                         gast.Name(id=factor, ctx=gast.Load(), annotation=None, type_comment=None), call.args[1]]
        changed = True
    return changed


def _expands(node: Any) -> bool:
    """Does ``node`` index with ``None`` (a new axis: a factor made to broadcast)?"""
    for n in walk(node):
        if isinstance(n, gast.Subscript):
            parts = n.slice.elts if isinstance(n.slice, gast.Tuple) else [n.slice]
            if any(isinstance(p, gast.Constant) and p.value is None for p in parts):
                return True
    return False
