"""Which entry, row or slice an alias edge of :mod:`aliases` is about.

The alias model links ``_t1 = p['b']`` to ``p`` and ``p = {'W': u, 'b': v}`` to ``u`` and
``v``.  Without the keys a write into ``_t1`` reaches ``u`` too, and with it everything ``u``
shares memory with, although ``p['b']`` never holds ``u``.  Each edge therefore carries the
*key* it goes through, when it is written as constants::

    p = {'W': u, 'b': v}      # p holds u under ('W',), v under ('b',)
    L = [x, y]                # L holds x under (0,), y under (1,)
    _t1 = p['b']              # _t1 is the item ('b',) of p
    W = t[:2]                 # W is the part ((0, 2),) of t: rows 0 and 1
    b = t[2:]                 # b is the part ((2, None),): disjoint from W

A key is a tuple with one part per axis (a dict's key or a list's index is one part): a
non-negative int, a str, a ``(start, stop)`` pair of a slice with step 1 (``stop`` None: to the
end), or None for a part that is not known.  A key that is not known at all is None.  Keys
only narrow what an edge reaches; everything not understood keeps the whole object.

Indices of a list move when the list is reordered (``L.insert(0, v)``, ``del L[0]``, ``L.sort()``),
an opaque function may do anything to what it is given, and ``as_strided`` makes rows that share
memory: the variables of a group where any of that happens are *untrusted* (:func:`untrusted`),
and their keys are not used.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import numpy as np

from ..frontend.sequences import every_binding
from ..syntax import gast, walk
from ..syntax.annotations import Key, get_anno

Part = Any  # int, str, (start, stop) or None
EntryKey = Optional[Tuple[Part, ...]]
RENAME = ("=",)  # the key of ``a = b``: a is b's object itself (what holds which entry carries over)

# methods that leave the entries of a list or dict where they are
_KEEPING_METHODS = frozenset({"append", "extend", "copy", "count", "index", "keys", "values", "items", "get",
                              "clear"})
# NumPy functions whose result's rows or parts may share memory with each other
_OVERLAPPING = frozenset(f for f in (
    getattr(np.lib.stride_tricks, "as_strided", None), getattr(np.lib.stride_tricks, "sliding_window_view", None),
    np.broadcast_to, np.broadcast_arrays) if f is not None)


def _part(node: Any) -> Part:
    """The part of a key an index expression of one axis is, or None when it is not a constant."""
    if isinstance(node, gast.Constant):
        value = node.value
        if type(value) is int and value >= 0 or type(value) is str:
            return value
        return None
    if isinstance(node, gast.Slice):
        bounds = []
        for bound in (node.lower, node.upper):
            if bound is None or isinstance(bound, gast.Constant) and bound.value is None:
                bounds.append(None)
            elif isinstance(bound, gast.Constant) and type(bound.value) is int and bound.value >= 0:
                bounds.append(bound.value)
            else:
                return None
        step = node.step
        if step is not None and not (isinstance(step, gast.Constant) and step.value in (None, 1)):
            return None
        return (bounds[0] or 0, bounds[1])
    return None


def index_key(index: Any) -> EntryKey:
    """The key of ``s[index]`` (one part per axis), or None when no part is known."""
    parts = []
    for p in index.elts if isinstance(index, gast.Tuple) else [index]:
        part = _part(p)
        if part is None:  # (an array, ..., np.newaxis may take any number of axes: the rest is not known)
            break
        parts.append(part)
    return tuple(parts) or None


def display_keys(value: Any) -> List[Tuple[Any, EntryKey]]:
    """(element, key) of a list, tuple or dict display: its index or its constant key."""
    if isinstance(value, gast.Dict):
        return [(v, (k.value,) if isinstance(k, gast.Constant) and _part(k) is not None else None)
                for k, v in zip(value.keys, value.values)]
    if any(isinstance(e, gast.Starred) for e in value.elts):
        return [(e, None) for e in value.elts]
    return [(e, (i,)) for i, e in enumerate(value.elts)]


def _parts_disjoint(a: Part, b: Part) -> bool:
    if a is None or b is None:
        return False
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a[1] is not None and a[1] <= b[0] or b[1] is not None and b[1] <= a[0]
    if isinstance(a, tuple) or isinstance(b, tuple):
        span, at = (a, b) if isinstance(a, tuple) else (b, a)
        return isinstance(at, int) and (at < span[0] or span[1] is not None and at >= span[1])
    return type(a) is type(b) and a != b  # (a field name and a row of a structured array overlap)


def disjoint(a: EntryKey, b: EntryKey) -> bool:
    """Do the keys ``a`` and ``b`` surely reach different entries (memory of an array)?"""
    if a is None or b is None or a == RENAME or b == RENAME:
        return False
    return any(_parts_disjoint(p, q) for p, q in zip(a, b))


def disjoint_from_all(key: EntryKey, keys: Optional[FrozenSet[EntryKey]]) -> bool:
    return keys is not None and all(disjoint(key, k) for k in keys)


def untrusted(fdef: Any, alias_groups: Dict[str, FrozenSet[str]]) -> Set[str]:
    """The variables whose keys are not to be used: those of a group in which a list may be
    reordered, a value goes to or comes from an opaque function, or an array's rows may overlap."""
    suspects: Set[str] = set()
    made_by = {id(st.value): st.targets for st in walk(fdef) if isinstance(st, gast.Assign)}
    for node in walk(fdef):
        if isinstance(node, gast.Delete):
            suspects |= _names(node)
        elif isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Subscript) \
                and isinstance(node.targets[0].slice, gast.Slice):
            suspects |= _names(node.targets[0])
        elif isinstance(node, gast.Call):
            callee = get_anno(node, Key.CALLEE, None)
            func = node.func
            if isinstance(func, gast.Attribute) and _is_local(func.value) and not (
                    func.attr in _KEEPING_METHODS or func.attr == "pop" and not node.args):
                suspects.add(func.value.id)
            elif not _plain_callee(callee) or _hashable_in(callee, _OVERLAPPING):
                suspects |= _names(node)
                for target in made_by.get(id(node), ()):
                    suspects |= _names(target)
    out: Set[str] = set()
    for v in suspects:
        out |= alias_groups.get(v, frozenset({v}))
    return out


def _names(node: Any) -> Set[str]:
    return {n.id for n in walk(node) if _is_local(n)}


def _is_local(node: Any) -> bool:
    return isinstance(node, gast.Name) and get_anno(node, Key.CALLEE, _NO) is _NO


_NO = object()


def _hashable_in(obj: Any, names: FrozenSet[Any]) -> bool:
    try:
        return obj in names
    except TypeError:
        return False


def _plain_callee(callee: Any) -> bool:
    """A callee known not to reorder or keep what it is given: NumPy, math, a builtin, tangent_lite's
    own helpers, a comparison, a method of a list or dict that keeps its entries (see above)."""
    if isinstance(callee, tuple):
        return callee[0] == "compare" or len(callee) > 1 and callee[1] in _KEEPING_METHODS
    module = getattr(callee, "__module__", None) or ""
    if isinstance(callee, np.ufunc) or isinstance(callee, type) and module == "builtins":
        return True
    return callee is not None and (module in ("builtins", "math") or module.split(".")[0] in ("numpy", "tangent_lite"))


def list_locals(fdef: Any, params: Iterable[str]) -> FrozenSet[str]:
    """The local variables that surely hold a list display (``_t0 = [0, 1]``, every store of
    them): as an index (``a[_t0]``) they make NumPy copy."""
    return frozenset(every_binding(fdef.body, lambda value, _: isinstance(value, gast.List), params))
