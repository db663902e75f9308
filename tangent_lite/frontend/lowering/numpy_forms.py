"""NumPy call forms written out as the calls that have rules (rules/numpy_missing.py)::

    np.add.reduce(x, axis=1)            ->  np.sum(x, axis=1)
    np.multiply.reduce(x)               ->  np.prod(x, axis=0)         (a ufunc reduces axis 0 by default)
    np.maximum.reduce(x, initial=c)     ->  np.maximum(np.max(x, axis=0), c)
    np.add.reduce(x, where=m)           ->  np.sum(np.where(m, x, 0), axis=0)
    np.add.accumulate(x)                ->  np.cumsum(x, axis=0)
    np.power.outer(a, b)                ->  np.power(np.reshape(a, _tl.outer_shape(a, b)), b)
    np.einsum(a, [0, 1], b, [1, 2], [0, 2])  ->  np.einsum('AB,BC->AC', a, b)
    np.gradient(f, dx, axis=0)          ->  _tl.gradient(f, (dx,), 0, 1)
    x.item(i, j)                        ->  _tl.item(x, (i, j))

A form these do not cover (``out=``, another ufunc's reduce, sublists known only when the code
runs) is left as written: a call with derivatives through it is refused by name.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from ... import runtime
from ... import syntax as S
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from .common import _MISSING, RUNTIME_METHODS
from .state import Part

REDUCE = {np.add: "sum", np.multiply: "prod", np.maximum: "max", np.minimum: "min"}
ACCUMULATE = {np.add: "cumsum", np.multiply: "cumprod"}
IDENTITY = {np.add: 0, np.multiply: 1}  # what where=False entries count as
REDUCE_PARAMS = ("array", "axis", "dtype", "out", "keepdims", "initial", "where")
ACCUMULATE_PARAMS = ("array", "axis", "dtype", "out")
GRADIENT_KEYWORDS = ("axis", "edge_order")


def _is_none(node: Any) -> bool:
    return isinstance(node, gast.Constant) and node.value is None


def _bound(args: List[Any], keywords: List[Any], params: tuple) -> Optional[Dict[str, Any]]:
    """The arguments of a call by parameter name (None when they do not fit ``params``)."""
    if len(args) > len(params) or any(k.arg is None or k.arg not in params for k in keywords):
        return None
    out = dict(zip(params, args))
    for k in keywords:
        if k.arg in out:
            return None
        out[k.arg] = k.value
    return out


def _constant_sublist(node: Any) -> Optional[list]:
    if not isinstance(node, (gast.List, gast.Tuple)):
        return None
    items = [e.value if isinstance(e, gast.Constant) else None for e in node.elts]
    if any(not (v is Ellipsis or (isinstance(v, int) and not isinstance(v, bool))) for v in items):
        return None
    return items


class NumpyForms(Part):
    """``ufunc.reduce/accumulate/outer``, ``np.einsum``'s sublists and ``np.gradient``."""

    def call(self, obj: Any, callee: Any, node: Any) -> Optional[Any]:
        """The lowered value of ``node`` (a call of ``obj``) when it is one of the forms above."""
        if any(isinstance(a, gast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return None
        ufunc = getattr(obj, "__self__", None) if type(obj).__name__ == "builtin_function_or_method" else None
        # (np.add.reduce as written, or held in a name, RED = np.add.reduce, when it is NumPy's own ufunc's)
        if isinstance(ufunc, np.ufunc) and (isinstance(callee, gast.Attribute) or getattr(np, ufunc.__name__, None)
                                            is ufunc):
            method = getattr(obj, "__name__", "")
            if method == "reduce" and ufunc in REDUCE:
                return self.reduce(ufunc, node)
            if method == "accumulate" and ufunc in ACCUMULATE:
                return self.accumulate(ufunc, node)
            if method == "outer" and ufunc.nin == 2 and len(node.args) == 2 and not node.keywords:
                return self.outer(ufunc, callee.value if isinstance(callee, gast.Attribute) else None, node)
            return None
        if obj is np.einsum and len(node.args) >= 2 and isinstance(node.args[1], (gast.List, gast.Tuple)):
            return self.einsum(node)
        if obj is np.gradient and node.args and all(k.arg in GRADIENT_KEYWORDS for k in node.keywords):
            return self.gradient(node)
        return None

    def method(self, receiver: Any, attr: str, args: List[Any]) -> Any:
        """``x.item(i, j)`` -> ``_tl.item(x, (i, j))``: an array method with no NumPy function."""
        fname, pack = RUNTIME_METHODS[attr]
        if pack and len(args) > 1:
            args = [self._bind(gast.Tuple(elts=args, ctx=gast.Load()))]
        self.exprs._array_method_check(receiver, f"{attr}(...)", f"NumPy's {{receiver}}.{attr}(...)")
        return self.exprs._tl_call(fname, [receiver] + args)

    def astype(self, receiver: Any, dtype: Any) -> Any:
        """``x.astype(float)`` is ``np.array(x, dtype=float)`` (a copy, as astype makes: derivatives
        pass through); to an integer or boolean type it is that of ``tl.stop_gradient(x)`` (none).  None when
        the type is not known here (a variable: the method call is kept, and refused if active)."""
        static = get_anno(dtype, Key.CALLEE, _MISSING) if not isinstance(dtype, gast.Constant) else dtype.value
        try:
            kind = np.dtype(static).kind
        except TypeError:
            return None
        if kind not in "fbiu":
            return None
        self.exprs._array_method_check(receiver, "astype(...)", "NumPy's np.array({receiver}, dtype=...)")
        if kind != "f":
            tl = self.cx.aliases["_tl"]
            stop = gast.Call(func=S.attribute(S.name(tl), "stop_gradient"), args=[receiver], keywords=[])
            set_anno(stop.func, Key.CALLEE, runtime.stop_gradient)
            set_anno(stop, Key.CALLEE, runtime.stop_gradient)
            self.cx.env.setdefault(tl, runtime)
            t = self.names.temp()
            self.cx.emit(S.assign(t, stop))
            receiver = S.name(t)
        return self.exprs._np_call("array", [receiver], [gast.keyword(arg="dtype", value=dtype)])

    def scipy_operand(self, written: Any, atom: Any) -> Any:
        """An argument of a SciPy function with rules, as SciPy reads it: ``np.asarray(atom)`` bound to a
        temporary for a list written there; else ``atom`` (a variable that may hold a list is read as
        ``_tl.listed_array(atom)``: frontend/array_operands.py)."""
        if isinstance(written, (gast.List, gast.Tuple)):
            return self._bind(self.exprs._np_call("asarray", [atom], []))
        return atom

    # -- helpers -------------------------------------------------------------------------------
    def _bind(self, value: Any) -> Any:
        """``value`` (a lowered expression) in a fresh temporary."""
        t = self.names.temp()
        self.cx.emit(S.assign(t, value))
        return S.name(t)

    def _np(self, fname: str, args: List[Any], **keywords: Any) -> Any:
        return self._bind(self.exprs._np_call(fname, args, [gast.keyword(arg=k, value=v)
                                                            for k, v in keywords.items()]))

    def _ufunc(self, ufunc: Any, written: Any, args: List[Any]) -> Any:
        """``ufunc(*args)``, spelled as NumPy's ``np.<name>`` when it is one, else as written."""
        if getattr(np, ufunc.__name__, None) is ufunc:
            return self.exprs._np_call(ufunc.__name__, args, [])
        func = S.deepcopy(written)
        set_anno(func, Key.CALLEE, ufunc)
        out = gast.Call(func=func, args=args, keywords=[])
        set_anno(out, Key.CALLEE, ufunc)
        return out

    def _operand(self, bound: Dict[str, Any]) -> Any:
        x = self.exprs.atom(bound["array"])
        if "dtype" in bound and not _is_none(bound["dtype"]):
            x = self._np("asarray", [x], dtype=self.exprs.atom(bound["dtype"]))
        return x

    # -- the forms -----------------------------------------------------------------------------
    def reduce(self, ufunc: Any, node: Any) -> Optional[Any]:
        bound = _bound(node.args, node.keywords, REDUCE_PARAMS)
        if bound is None or "array" not in bound or ("out" in bound and not _is_none(bound["out"])):
            return None
        where = bound.get("where")
        if where is not None and not (isinstance(where, gast.Constant) and where.value is True):
            if ufunc not in IDENTITY and "initial" not in bound:
                return None  # NumPy asks for an initial value: its own error when the code runs
        x = self._operand(bound)
        if where is not None and not (isinstance(where, gast.Constant) and where.value is True):
            fill = S.const(IDENTITY[ufunc]) if ufunc in IDENTITY else self.exprs.atom(bound["initial"])
            x = self._np("where", [self.exprs.atom(where), x, fill])
        keywords = {"axis": self.exprs.atom(bound["axis"]) if "axis" in bound else S.const(0)}
        if "keepdims" in bound:
            keywords["keepdims"] = self.exprs.atom(bound["keepdims"])
        out = self.exprs._np_call(REDUCE[ufunc], [x], [gast.keyword(arg=k, value=v) for k, v in keywords.items()])
        if "initial" in bound and not _is_none(bound["initial"]):
            out = self._ufunc(ufunc, None, [self._bind(out), self.exprs.atom(bound["initial"])])
        return out

    def accumulate(self, ufunc: Any, node: Any) -> Optional[Any]:
        bound = _bound(node.args, node.keywords, ACCUMULATE_PARAMS)
        if bound is None or "array" not in bound or ("out" in bound and not _is_none(bound["out"])):
            return None
        x = self._operand(bound)
        axis = self.exprs.atom(bound["axis"]) if "axis" in bound else S.const(0)
        return self.exprs._np_call(ACCUMULATE[ufunc], [x], [gast.keyword(arg="axis", value=axis)])

    def outer(self, ufunc: Any, written: Any, node: Any) -> Any:
        a, b = (self.exprs.atom(arg) for arg in node.args)
        shape = self._bind(self.exprs._tl_call("outer_shape", [a, b]))
        return self._ufunc(ufunc, written, [self._np("reshape", [a, shape]), b])

    def einsum(self, node: Any) -> Any:
        """``np.einsum(op0, sub0, op1, sub1, ..., [out])``: the subscripts string, made here when
        the sublists are written as constants, else by ``_tl.einsum_subscripts`` when the code runs."""
        args = list(node.args)
        output = args.pop() if len(args) % 2 else None
        operands, sublists = args[0::2], args[1::2]
        constants = [_constant_sublist(s) for s in sublists + ([output] if output is not None else [])]
        if all(c is not None for c in constants):
            subs = S.const(runtime.einsum_subscripts(constants[:len(sublists)],
                                                     constants[-1] if output is not None else None))
        else:
            listed = gast.Tuple(elts=[self.exprs.atom(s) for s in sublists], ctx=gast.Load())
            out_atom = self.exprs.atom(output) if output is not None else S.const(None)
            subs = self._bind(self.exprs._tl_call("einsum_subscripts", [self._bind(listed), out_atom]))
        ops = [self.exprs.atom(op) for op in operands]
        keywords = self.unpack.spread_keywords(node.keywords)
        return self.exprs._np_call("einsum", [subs] + ops, keywords)

    def gradient(self, node: Any) -> Any:
        f = self.exprs.atom(node.args[0])
        spacing = self._bind(gast.Tuple(elts=[self.exprs.atom(a) for a in node.args[1:]], ctx=gast.Load()))
        kw = {k.arg: self.exprs.atom(k.value) for k in node.keywords}
        return self.exprs._tl_call("gradient", [f, spacing, kw.get("axis", S.const(None)),
                                                kw.get("edge_order", S.const(1))])
