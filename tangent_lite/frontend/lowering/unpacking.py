"""``*xs`` and ``**kw`` in calls and literals: spread item by item when what they hold is known
(a tuple, list or dict built in the function), kept otherwise."""

from __future__ import annotations

import operator
from typing import Any, List, Optional

from ... import syntax as S
from ...syntax import gast
from ...syntax.annotations import Key, set_anno
from .state import Part


class Unpacking(Part):
    """What each name holds when it can be spread, and the spreading of ``*``/``**`` items."""

    def note_packed(self, target: str, value: Any, var: Optional[str] = None) -> None:
        """Remember what ``target = value`` holds when a later ``*target`` / ``**target`` can be
        spread item by item: a tuple or list literal (its length), a dict literal with string keys.
        A list or dict bound to a name ``var`` is remembered only when the function never changes
        it or hands it on (``append``, ``kw[k] = v``, passed to a call, aliased: common._touched_names):
        then its length and keys are those of the literal wherever it is unpacked."""
        if target in self.cx.nonssa:
            return
        mutable = isinstance(value, (gast.List, gast.Dict)) or (
            isinstance(value, gast.Name) and value.id in self.cx.mutable)
        if mutable and var is not None and var in self.cx.touched:
            return
        if isinstance(value, (gast.Tuple, gast.List)) and not any(isinstance(e, gast.Starred) for e in value.elts):
            self.cx.packed[target] = len(value.elts)
        elif isinstance(value, gast.Dict) and all(isinstance(k, gast.Constant) and isinstance(k.value, str)
                                                  for k in value.keys):
            self.cx.packed[target] = [k.value for k in value.keys]
        elif isinstance(value, gast.Name) and value.id in self.cx.packed:
            self.cx.packed[target] = self.cx.packed[value.id]
        else:
            return
        if mutable:
            self.cx.mutable.add(target)

    def why_unknown(self, node: Any) -> str:
        """Why ``*name`` / ``**name`` in the call ``node`` is not spread, when it names a list or
        dict the function changes or hands on (for the refusal)."""
        for value in [a.value for a in node.args if isinstance(a, gast.Starred)] + \
                [k.value for k in node.keywords if k.arg is None]:
            if isinstance(value, gast.Name) and value.id in self.cx.touched:
                name = self.cx.display_names.get(value.id, value.id)
                return (f" ('{name}' may be changed after it is built: it is used on line "
                        f"{self.cx.touched[value.id]} other than by '*'/'**' or reading an item)")
        return ""

    def spread(self, nodes: List[Any]) -> List[Any]:
        """Lower the items of a call's arguments or of a literal: ``*xs`` becomes ``xs[0], xs[1]``
        when the length of ``xs`` is known here; otherwise it stays ``*xs`` (a call or literal
        that carries derivatives through it is refused when the derivative is generated)."""
        out: List[Any] = []
        for node in nodes:
            if not isinstance(node, gast.Starred):
                out.append(self.exprs.atom(node))
                continue
            if isinstance(node.value, (gast.Tuple, gast.List)):
                out.extend(self.spread(node.value.elts))
                continue
            part = _constant_slice(node.value)  # *xs[1:] of a tuple of known length: its items
            base = self.exprs.atom(node.value.value) if part is not None else None
            n = self.cx.packed.get(base.id) if isinstance(base, gast.Name) else None
            if isinstance(n, int):
                out.extend(self._item(base, S.const(k)) for k in range(n)[part])
                continue
            value = self.exprs.atom(node.value) if base is None else self.exprs.atom(
                gast.Subscript(value=base, slice=node.value.slice, ctx=gast.Load()))
            n = self.cx.packed.get(value.id) if isinstance(value, gast.Name) else None
            if isinstance(n, int):
                out.extend(self._item(value, S.const(k)) for k in range(n))
            else:
                out.append(gast.Starred(value=value, ctx=gast.Load()))
        return out

    def spread_keywords(self, keywords: List[Any]) -> List[Any]:
        """Keyword arguments; ``**kw`` becomes ``a=kw['a'], ...`` when the keys of ``kw`` are known."""
        out: List[Any] = []
        for k in keywords:
            if k.arg is not None:
                out.append(gast.keyword(arg=k.arg, value=self.exprs.atom(k.value)))
                continue
            if isinstance(k.value, gast.Dict) and all(isinstance(key, gast.Constant) for key in k.value.keys):
                out.extend(self.spread_keywords([gast.keyword(arg=key.value, value=v)
                                                 for key, v in zip(k.value.keys, k.value.values)]))
                continue
            value = self.exprs.atom(k.value)
            keys = self.cx.packed.get(value.id) if isinstance(value, gast.Name) else None
            if isinstance(keys, list):
                out.extend(gast.keyword(arg=key, value=self._item(value, S.const(key))) for key in keys)
            else:
                out.append(gast.keyword(arg=None, value=value))
        return out

    def get(self, receiver: Any, args: List[Any], keywords: List[Any]) -> Any:
        """``d.get('k')`` / ``d.get('k', default)`` on a dict whose keys are known here (a dict
        literal or ``**kwargs`` the function does not change): ``d['k']`` when the key is there,
        else the default. None when the keys or the key are not known."""
        keys = self.cx.packed.get(receiver.id) if isinstance(receiver, gast.Name) else None
        if not isinstance(keys, list) or keywords or not 1 <= len(args) <= 2 \
                or not isinstance(args[0], gast.Constant) or not isinstance(args[0].value, str):
            return None
        if args[0].value in keys:
            return self._item(receiver, S.const(args[0].value))
        return args[1] if len(args) == 2 else S.const(None)

    def _item(self, value: Any, index: Any) -> Any:
        item = gast.Subscript(value=S.deepcopy(value), slice=index, ctx=gast.Load())
        set_anno(item, Key.CALLEE, operator.getitem)
        t = self.names.temp()
        self.cx.emit(S.assign(t, item))
        return S.name(t)


def _constant_slice(node: Any) -> Optional[slice]:
    """``xs[a:b:c]`` with constant (or omitted) integer bounds: the slice; else None."""
    if not isinstance(node, gast.Subscript) or not isinstance(node.slice, gast.Slice):
        return None
    bounds = []
    for part in (node.slice.lower, node.slice.upper, node.slice.step):
        if part is None:
            bounds.append(None)
        elif isinstance(part, gast.Constant) and type(part.value) is int:
            bounds.append(part.value)
        elif isinstance(part, gast.UnaryOp) and isinstance(part.op, gast.USub) and \
                isinstance(part.operand, gast.Constant) and type(part.operand.value) is int:
            bounds.append(-part.operand.value)
        else:
            return None
    if bounds[2] == 0:
        return None
    return slice(*bounds)
