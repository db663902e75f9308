"""Functions used as values where their calls can be written out: ``map``, ``sorted`` (with or without ``key=``)
and ``functools.reduce`` of a lambda, a nested def or a module-level function, and tuples or
lists of lambdas called by a constant index::

    ys = list(map(lambda z: z * z, xs))      ->  ys = [(lambda z: z * z)(v) for v in xs]
    ys = sorted(xs, key=lambda z: -z)        ->  _items = list(xs)
                                                 _keys = [-v for v in _items]
                                                 _order = _tl.sorted_positions(_keys)
                                                 ys = [_items[i] for i in _order]
    ys = sorted(xs)                          ->  the same with _keys = _items
    p = functools.reduce(lambda a, b: a * b, xs)   ->  _acc = xs[0]
                                                       for v in xs[1:]: _acc = _acc * v
    fs = [lambda z: z * z, lambda z: 2.0 * z]; fs[1](x)   ->  the second lambda, inlined

(each lambda call is then inlined by :mod:`.inlining`; the loops are lowered as loops).
"""

from __future__ import annotations

import functools
from typing import Any, List, Optional

from ... import syntax as S
from ...errors import UnsupportedConstructError
from ...syntax import gast
from .common import _lambda_def, _opaque, ast_copy_lines
from .state import Part


class FunctionValues(Part):
    """``map``, ``sorted(key=...)``, ``functools.reduce`` of functions, and tables of lambdas."""

    def call(self, obj: Any, node: Any) -> Optional[Any]:
        """The lowered value of the call ``node`` to ``obj`` when it is one of the calls above
        (None when it is not: the call is lowered as any other)."""
        args, kw = node.args, {k.arg: k.value for k in node.keywords}
        if any(isinstance(a, gast.Starred) for a in args) or None in kw:
            return None
        if obj is map and len(args) >= 2 and not kw and self.inline.is_function_value(args[0]):
            return self.map(args[0], args[1:])
        if obj is sorted and len(args) == 1 and set(kw) <= {"key", "reverse"}:
            key = kw.get("key")
            if key is None or (isinstance(key, gast.Constant) and key.value is None):
                return self.sorted(args[0], None, kw.get("reverse"), node)
            if self.inline.is_function_value(key):
                return self.sorted(args[0], key, kw.get("reverse"), node)
        if obj is functools.reduce and len(args) in (2, 3) and not kw and self.inline.is_function_value(args[0]):
            return self.reduce(args[0], args[1], args[2] if len(args) == 3 else None)
        return None

    def map(self, fn: Any, seqs: List[Any]) -> Any:
        names = [self.cx.namer.fresh("_item") for _ in seqs]
        if len(seqs) == 1:
            target, it = S.name(names[0], store=True), seqs[0]
        else:
            target = gast.Tuple(elts=[S.name(n, store=True) for n in names], ctx=gast.Store())
            it = gast.Call(func=S.name(self.cx.aliases.get("zip", "zip")), args=list(seqs), keywords=[])
        elt = gast.Call(func=S.deepcopy(fn), args=[S.name(n) for n in names], keywords=[])
        comp = gast.ListComp(elt=elt, generators=[gast.comprehension(target=target, iter=it, ifs=[], is_async=0)])
        ast_copy_lines(comp, self.cx.lineno)
        return self.exprs.comprehension(comp)

    def sorted(self, seq: Any, key: Optional[Any], reverse: Any, node: Any) -> Any:
        """``sorted(seq, key=f)`` (or without a key): a list of the items in the order of
        ``_tl.sorted_positions`` (Python's own comparisons, stable) of their keys."""
        if reverse is not None and not (isinstance(reverse, gast.Constant) and isinstance(reverse.value, bool)):
            self.cx.error(UnsupportedConstructError, "sorted(..., key=...) with a 'reverse' that is not True or False",
                          node, "write reverse=True or reverse=False, or reverse the sorted list ([::-1])")
            return _opaque()
        items = self.exprs.atom(gast.Call(func=S.name(self.cx.aliases.get("list", "list")), args=[seq], keywords=[]))
        if reverse is not None and reverse.value:  # stable, as Python's: the reversed list, sorted, reversed
            items = self.exprs.atom(gast.Subscript(value=items, slice=gast.Slice(
                lower=None, upper=None, step=S.const(-1)), ctx=gast.Load()))
        keys = items if key is None else self.map(key, [items])
        order = self.exprs.atom(self.exprs._tl_call("sorted_positions", [keys]))
        index = self.cx.namer.fresh("_i")
        comp = gast.ListComp(elt=gast.Subscript(value=items, slice=S.name(index), ctx=gast.Load()),
                             generators=[gast.comprehension(target=S.name(index, store=True), iter=order,
                                                            ifs=[], is_async=0)])
        ast_copy_lines(comp, self.cx.lineno)
        out = self.exprs.comprehension(comp)
        if reverse is not None and reverse.value:
            return gast.Subscript(value=out, slice=gast.Slice(lower=None, upper=None, step=S.const(-1)),
                                  ctx=gast.Load())
        return out

    def reduce(self, fn: Any, seq: Any, initial: Optional[Any]) -> Any:
        items = self.exprs.atom(seq)
        acc, item = self.cx.namer.fresh("_acc"), self.cx.namer.fresh("_item")
        self.cx.locals |= {acc, item}
        self.cx.nonssa |= {acc, item}
        if initial is None:
            first = gast.Subscript(value=items, slice=S.const(0), ctx=gast.Load())
            rest = gast.Subscript(value=S.deepcopy(items), slice=gast.Slice(lower=S.const(1), upper=None, step=None),
                                  ctx=gast.Load())
        else:
            first, rest = initial, items
        step = gast.Assign(targets=[S.name(acc, store=True)], value=gast.Call(
            func=S.deepcopy(fn), args=[S.name(acc), S.name(item)], keywords=[]), type_comment=None)
        stmts = [gast.Assign(targets=[S.name(acc, store=True)], value=first, type_comment=None),
                 gast.For(target=S.name(item, store=True), iter=rest, body=[step], orelse=[], type_comment=None)]
        for stmt in stmts:
            ast_copy_lines(stmt, self.cx.lineno)
            self.stmts.stmt(stmt)
        return self.names.read(S.name(acc))

    def table(self, name: str, literal: Any) -> None:
        """``fs = [lambda ..., lambda ...]``: remember the lambdas (called as ``fs[k](...)``)."""
        defs = [_lambda_def(lam, f"{name}_{k}") for k, lam in enumerate(literal.elts)]
        for fdef in defs:
            self.inline.freeze_defaults(fdef)
        self.cx.tables[name] = defs

    def table_call(self, node: Any) -> Optional[Any]:
        """``fs[k](...)`` of a table of lambdas with a constant ``k``: that lambda, inlined."""
        func = node.func
        if not (isinstance(func, gast.Subscript) and isinstance(func.value, gast.Name)
                and func.value.id in self.cx.tables):
            return None
        defs = self.cx.tables[func.value.id]
        k = func.slice.value if isinstance(func.slice, gast.Constant) else None
        if isinstance(func.slice, gast.UnaryOp) and isinstance(func.slice.op, gast.USub) \
                and isinstance(func.slice.operand, gast.Constant) and isinstance(func.slice.operand.value, int):
            k = -func.slice.operand.value  # fs[-1]
        if not isinstance(k, int) or not -len(defs) <= k < len(defs):
            self.cx.error(UnsupportedConstructError,
                          f"calling a lambda of '{func.value.id}' chosen by a value known only when the code runs",
                          node, f"index '{func.value.id}' with a number ({func.value.id}[0](...)), or choose with "
                          "if/else between calls")
            return _opaque()
        return self.inline.inline_local(defs[k], node)
