"""Negations folded into the constant factor of a product.

Reverse sweeps negate a lot: the adjoint of ``a - b`` is ``-g`` for ``b``.  On arrays each
negation is a full pass over memory.  When the negated value is a product with a number in it,
the sign can go into the number instead::

    _t7_bar = _t10_bar * 2 * _t7               _t7_bar = _t10_bar * -2 * _t7
    _t1_bar = -_t7_bar                   ->    _t1_bar = _t7_bar            (copy propagation)

    _t2_bar = -_t3_bar                         _t1_bar = _t3_bar * -2 * _t1
    _t1_bar = _t2_bar * 2 * _t1          ->

Only derivative temporaries (never the user's names) assigned once and read once, and a
product of plain factors (names, numbers) with exactly one number to take the sign.
"""

from __future__ import annotations

import collections
from typing import Any, Dict, List, Optional, Set, Tuple

from ..syntax import blocks, gast, statements, stored_names, walk
from ..syntax import name as name_node


def _leaves(node: Any) -> List[Any]:
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
        return _leaves(node.left) + _leaves(node.right)
    return [node]


def _number_leaf(product: Any) -> Optional[Any]:
    """The one numeric constant factor of a product of names and numbers, else None."""
    leaves = _leaves(product)
    if len(leaves) < 2 or not all(isinstance(x, (gast.Name, gast.Constant)) for x in leaves):
        return None
    numbers = [x for x in leaves if isinstance(x, gast.Constant) and type(x.value) in (int, float)]
    return numbers[0] if len(numbers) == 1 and len(numbers) == sum(isinstance(x, gast.Constant) for x in leaves) \
        else None


def _negated_name(value: Any) -> Optional[str]:
    if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub) and isinstance(value.operand, gast.Name):
        return value.operand.id
    return None


def _assign_to(st: Any) -> Optional[str]:
    if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name):
        return st.targets[0].id
    return None


def fold_negations(fdef: Any, protected: Set[str], counts: Optional[Tuple[Dict[str, int], Dict[str, int]]] = None
                   ) -> bool:
    """Move negations of single-use products into their numeric factor (see the module).
    ``counts``: how often each name is (assigned, read) in ``fdef``, if known."""
    if not any(_negated_name(st.value) for st in statements(fdef.body) if _assign_to(st) is not None):
        return False  # both forms need a statement y = -t: none, nothing to walk
    if counts is not None:
        stores, loads = collections.Counter(counts[0]), collections.Counter(counts[1])
    else:
        stores, loads = collections.Counter(), collections.Counter()
        for n in walk(fdef):
            if isinstance(n, gast.Name):
                (stores if isinstance(n.ctx, gast.Store) else loads)[n.id] += 1
    defs: Dict[str, Any] = {}
    for st in statements(fdef.body):
        name = _assign_to(st)
        if name is not None and stores[name] == 1:
            defs[name] = st

    def ours(name: str) -> bool:
        return name not in protected and stores[name] == 1 and loads[name] == 1 and name in defs

    changed = False
    for body in blocks(fdef.body):
        for k, st in enumerate(body):
            # y = -t, t a product with a number: the number takes the sign
            t = _negated_name(st.value) if _assign_to(st) is not None else None
            if t is not None and ours(t):
                number = _number_leaf(defs[t].value)
                if number is not None:
                    number.value = -number.value
                    st.value = name_node(t)
                    changed = True
                    continue
            # ... u ... * 2, u = -v read only here (same block, v unchanged since): v, and -2
            if isinstance(st, (gast.Assign, gast.AugAssign)) and isinstance(st.value, gast.BinOp):
                number = _number_leaf(st.value)
                if number is None:
                    continue
                for leaf in _leaves(st.value):
                    if not (isinstance(leaf, gast.Name) and ours(leaf.id)):
                        continue
                    v = _negated_name(defs[leaf.id].value)
                    if v is None or defs[leaf.id] not in body[:k] or any(
                            v in stored_names(b) for b in body[body.index(defs[leaf.id]) + 1:k]):
                        continue
                    loads[leaf.id] -= 1  # u's assignment is dead now (remove_dead drops it)
                    loads[v] += 1
                    leaf.id = v
                    number.value = -number.value
                    changed = True
                    break
    return changed
