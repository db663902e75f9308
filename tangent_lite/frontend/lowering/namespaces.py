"""Array-API code: ``xp = array_namespace(x)`` and the calls ``xp.<name>(...)`` it enables.

A local variable assigned only from a namespace lookup (:data:`NAMESPACE_FUNCTIONS`, or the
method ``x.__array_namespace__()``) is "the namespace of the arrays": ``xp.tanh(a)`` and
``xp.linalg.matmul(a, b)`` keep calling it in the generated code, with the rules of NumPy's
function of the standard's name (``xp.acos`` -> ``np.arccos``: ``xnp.STANDARD_NAMES``).  The
derivative rules of such a function compute through :mod:`tangent_lite.xnp` (bound as the
rules' ``np``), which sends each call to its arguments' library.  Promotion helpers of one
array (:data:`PROMOTION_FUNCTIONS`) are read as ``runtime.promoted``, the identity.
"""

from __future__ import annotations

import operator
from typing import Any, Optional, Set

import numpy as np

from ... import runtime, xnp
from ... import syntax as S
from ...errors import UnsupportedConstructError
from ...rules.registry import REGISTRY
from ...syntax import gast
from ...syntax.annotations import Key, set_anno
from .common import _MISSING, BINOPS
from .state import Part

# (module prefix, function name) of the functions that return the array namespace of their arguments
NAMESPACE_FUNCTIONS = (
    ("array_api_compat", "array_namespace"),
    ("array_api_compat", "get_namespace"),
    ("scipy._lib", "array_namespace"),  # (scipy._lib._array_api_override in SciPy 1.17)
    ("sklearn.utils._array_api", "get_namespace"),
)
# functions of the standard NumPy lacks (or lacks before some version): what ``xp.<name>`` is read as
# (and xp.asarray: runtime.asarray_copy with copy=True, a new array; runtime.asarray_view otherwise)
XP_STAND_INS = {"astype": runtime.astype}
# the parameter that array-API code receives the namespace of its arrays by (scipy, array_api_extra)
NAMESPACE_PARAM = "xp"
# (module prefix, function name) of helpers that return their array arguments in a promoted dtype
PROMOTION_FUNCTIONS = (
    ("scipy._lib", "xp_promote"),
    ("scipy._lib", "xp_broadcast_promote"),  # (SciPy 1.15: xp_promote(..., broadcast=True))
)
_EXTRA = ("array_api_extra", "scipy._lib.array_api_extra")
_COMPAT = ("array_api_compat", "scipy._lib.array_api_compat")
# helpers read as a stand-in with derivative rules (rules/array_api_extra.py): the call itself is kept
STAND_INS = tuple(((m, name), stand_in) for name, stand_in in (
    ("atleast_nd", runtime.atleast_nd), ("expand_dims", runtime.expand_dims)) for m in _EXTRA) + (
    (("scipy._lib._array_api", "xp_float_to_complex"), runtime.float_to_complex),
) + tuple(((m, name), runtime.no_derivative) for m in _COMPAT + _EXTRA + ("scipy._lib._array_api",) for name in (
    "size", "device", "default_dtype", "xp_size", "xp_device", "xp_result_type", "is_numpy_namespace",
    "is_array_api_strict_namespace", "is_jax_namespace", "is_torch_namespace", "is_cupy_namespace",
    "is_dask_namespace", "is_lazy_array", "is_numpy", "is_torch", "is_jax", "is_cupy", "is_array_api_strict",
    "is_marray"))
# array_api_extra's functional writes: at(x, idx).<method>(v) / at(x)[idx].<method>(v)
AT_CLASSES = tuple((m, "at") for m in _EXTRA)
AT_METHODS = {"set": None, "add": gast.Add, "subtract": gast.Sub, "multiply": gast.Mult, "divide": gast.Div,
              "power": gast.Pow, "min": "minimum", "max": "maximum"}


def _index_value(index: Any) -> Any:
    """An index as a value: ``a:b`` -> ``slice(a, b, None)``, tuples item by item."""
    if isinstance(index, gast.Slice):
        parts = [p if p is not None else S.const(None) for p in (index.lower, index.upper, index.step)]
        return gast.Call(func=gast.Name(id="slice", ctx=gast.Load(), annotation=None, type_comment=None),
                         args=parts, keywords=[])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[_index_value(e) for e in index.elts], ctx=gast.Load())
    return index


def _is_one_of(obj: Any, table: tuple) -> bool:
    module, name = str(getattr(obj, "__module__", "") or ""), getattr(obj, "__name__", None)
    return any(name == n and (module == m or module.startswith(m + ".")) for m, n in table)


class Namespaces(Part):
    """Which locals hold an array namespace, and calls through them."""

    _found: Optional[Set[str]] = None

    @property
    def locals(self) -> Set[str]:
        """The user's local names bound to an array namespace (assigned nothing else)."""
        if self._found is None:
            found: Set[str] = set()
            for node in S.walk(self.cx.fdef):
                if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) \
                        and self._is_lookup(node.value):
                    found.add(node.targets[0].id)
            stored = [n.id for n in S.walk(self.cx.fdef) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
            lookups = [n for n in S.walk(self.cx.fdef) if isinstance(n, gast.Assign) and len(n.targets) == 1
                       and isinstance(n.targets[0], gast.Name) and self._is_lookup(n.value)]
            self._found = {n for n in found if n not in self.cx.params}
            # the array API's convention: a parameter 'xp' is the namespace of the arrays (checked when the
            # function is called: _tl.namespace_only), assigned nothing but lookups ('if xp is None: xp = ...')
            if NAMESPACE_PARAM in self.cx.params and stored.count(NAMESPACE_PARAM) == sum(
                    1 for n in lookups if n.targets[0].id == NAMESPACE_PARAM) and self._used_as_namespace():
                self._found.add(NAMESPACE_PARAM)
        return self._found

    def _used_as_namespace(self) -> bool:
        """Is the parameter ``xp`` read only as a namespace is: ``xp.<name>``, passed on (``f(a, xp=xp)``),
        tested (``xp is None``)?  (Not in arithmetic, indexed, iterated: then it is some other value.)"""
        allowed = set()
        for node in S.walk(self.cx.fdef):
            if isinstance(node, gast.Attribute):
                allowed.add(id(node.value))
            elif isinstance(node, gast.Call):
                allowed.update(id(a) for a in node.args)
                allowed.update(id(k.value) for k in node.keywords)
            elif isinstance(node, gast.Compare) and all(isinstance(op, (gast.Is, gast.IsNot)) for op in node.ops):
                allowed.update(id(n) for n in [node.left] + node.comparators)
        uses = [n for n in S.walk(self.cx.fdef) if isinstance(n, gast.Name) and n.id == NAMESPACE_PARAM
                and isinstance(n.ctx, gast.Load)]
        return bool(uses) and all(id(n) in allowed for n in uses)

    def entry_checks(self) -> list:
        """``_tl.namespace_only(xp, message)``, first in the body, for a parameter ``xp`` read as a namespace."""
        if NAMESPACE_PARAM not in self.locals or NAMESPACE_PARAM not in self.cx.params:
            return []
        where = f"{self.cx.src.filename}:{getattr(self.cx.fdef, 'lineno', '?')}"
        tl = self.cx.aliases["_tl"]
        call = gast.Call(func=S.attribute(S.name(tl), "namespace_only"),
                         args=[S.name(NAMESPACE_PARAM), S.const(f"{where}: the parameter '{NAMESPACE_PARAM}'")],
                         keywords=[])
        set_anno(call, Key.CALLEE, runtime.namespace_only)
        self.cx.env.setdefault(tl, runtime)
        return [gast.Expr(value=call)]

    def _is_lookup(self, value: Any) -> bool:
        if not isinstance(value, gast.Call):
            return False
        func = value.func
        if isinstance(func, gast.Attribute) and func.attr == "__array_namespace__":
            return True
        dotted = S.dotted_name(func)
        if dotted is None or dotted.split(".")[0] in self.cx.locals:
            return False
        obj = self.names.resolve_free(dotted.split(".")[0])
        for part in dotted.split(".")[1:]:
            obj = getattr(obj, part, _MISSING)
        return _is_one_of(obj, NAMESPACE_FUNCTIONS)

    def rules_module(self) -> Any:
        """What the rules' ``np`` is bound to: ``xnp`` where the function uses a namespace."""
        return xnp if self.locals else np

    def annotate(self, call: Any, obj: Any, node: Any) -> Any:
        """The callee the analyses see for ``call`` of ``obj`` (the user's call ``node`` is kept);
        returns the expression to use for it (``call``, or what replaces it)."""
        if _is_one_of(obj, NAMESPACE_FUNCTIONS):
            set_anno(call, Key.CALLEE, runtime.namespace)
        elif _is_one_of(obj, PROMOTION_FUNCTIONS):
            if len(call.args) != 1:
                return self._promote_each(call, obj, node)
            set_anno(call, Key.CALLEE, runtime.promoted)
        elif getattr(obj, "__tl_numpy__", None) is not None:  # derivative code calling xnp.<f>: f's rules
            set_anno(call, Key.CALLEE, obj.__tl_numpy__)
        else:
            stand_in = next((s for (m, n), s in STAND_INS if _is_one_of(obj, ((m, n),))), None)
            if stand_in is not None:
                set_anno(call, Key.CALLEE, stand_in)
        return call

    def _promote_each(self, call: Any, obj: Any, node: Any) -> Any:
        """``xp_promote(a, b, ...)`` of several arrays: a tuple of ``_tl.promoted_among(a, (a, b), ...)``,
        one per array (each differentiated on its own; None stays None)."""
        allowed = {"force_floating", "xp", "broadcast", "ensure_writeable"}
        if any(isinstance(a, gast.Starred) for a in call.args) or any(k.arg not in allowed for k in call.keywords):
            self.cx.error(UnsupportedConstructError,
                          f"'{getattr(obj, '__name__', obj)}' with *arrays or keywords other than "
                          f"{', '.join(sorted(allowed))}", node, "pass the arrays one by one")
            return call
        among = self.exprs.atom(gast.Tuple(elts=[S.deepcopy(a) for a in call.args], ctx=gast.Load()))
        parts = []
        for arg in call.args:
            if isinstance(arg, gast.Constant) and arg.value is None:
                parts.append(S.const(None))
                continue
            one = self.exprs._tl_call("promoted_among", [arg, S.deepcopy(among)])
            one.keywords = [gast.keyword(arg=k.arg, value=S.deepcopy(k.value)) for k in call.keywords]
            if getattr(obj, "__name__", "") == "xp_broadcast_promote":
                one.keywords.append(gast.keyword(arg="broadcast", value=S.const(True)))
            t = self.names.temp()
            self.cx.emit(S.assign(t, one))
            parts.append(S.name(t))
        return gast.Tuple(elts=parts, ctx=gast.Load())

    def _resolved(self, func: Any) -> Any:
        """The object a dotted name of module-level values names (``_MISSING``: not one)."""
        dotted = S.dotted_name(func)
        if dotted is None or dotted.split(".")[0] in self.cx.locals:
            return _MISSING
        obj = self.names.resolve_free(dotted.split(".")[0])
        for part in dotted.split(".")[1:]:
            obj = getattr(obj, part, _MISSING)
        return obj

    def at_call(self, node: Any) -> Any:
        """``xpx.at(x, idx).set(v)``, ``xpx.at(x)[idx].add(v)``, ...: ``_tl.at_set(x, idx, new)``, a copy
        of ``x`` with ``new`` (``v``, or ``x[idx] + v``, ...) written at ``idx``.  None: not such a call."""
        func = node.func
        if not isinstance(func, gast.Attribute) or func.attr not in AT_METHODS:
            return None
        inner, index = func.value, None
        if isinstance(inner, gast.Subscript):
            inner, index = inner.value, inner.slice
        if not isinstance(inner, gast.Call) or not _is_one_of(self._resolved(inner.func), AT_CLASSES):
            return None
        if index is None and len(inner.args) == 2 and not inner.keywords:
            index = inner.args[1]
        elif index is None or len(inner.args) != 1 or inner.keywords:
            index = None
        copy = next((k.value for k in node.keywords if k.arg == "copy"), None)
        if index is None or len(node.args) != 1 or any(k.arg not in ("copy", "xp") for k in node.keywords) \
                or isinstance(copy, gast.Constant) and copy.value is False:
            self.cx.error(UnsupportedConstructError, f"this form of 'at(...).{func.attr}(...)'", node,
                          "write at(x, index).<method>(value) or at(x)[index].<method>(value), "
                          "without copy=False (tangent_lite computes the copy)")
            return None
        x = self.exprs.atom(inner.args[0])
        idx = self.exprs.atom(_index_value(index))
        value = self.exprs.atom(node.args[0])
        op = AT_METHODS[func.attr]
        if op is not None:
            piece = gast.Subscript(value=S.deepcopy(x), slice=S.deepcopy(idx), ctx=gast.Load())
            set_anno(piece, Key.CALLEE, operator.getitem)
            t = self.names.temp()
            self.cx.emit(S.assign(t, piece))
            if isinstance(op, str):
                new = self.exprs._np_call(op, [S.name(t), value], [])
            else:
                new = gast.BinOp(left=S.name(t), op=op(), right=value)
                set_anno(new, Key.CALLEE, BINOPS[op])
            value = S.name(self.names.temp())
            self.cx.emit(S.assign(value.id, new))
        return self.exprs._tl_call("at_set", [x, idx, value])

    def is_call(self, func: Any) -> bool:
        """Is ``func`` (a call's function) ``xp.<name>`` or ``xp.linalg.<name>`` for a namespace ``xp``?"""
        root = func
        while isinstance(root, gast.Attribute):
            root = root.value
        return isinstance(root, gast.Name) and root.id in self.locals and isinstance(func, gast.Attribute)

    def lower_call(self, node: Any) -> Any:
        """``xp.f(args)``: the same call, the callee NumPy's ``f`` (by the standard's name)."""
        func = node.func
        path = []
        while isinstance(func, gast.Attribute):
            path.append(func.attr)
            func = func.value
        path.reverse()
        module: Any = np
        for sub in path[:-1]:
            module = getattr(module, sub, None) if module is not None and sub in ("linalg", "fft") else None
        if len(path) == 1 and path[-1] in ("max", "min") and any(k.arg == "initial" for k in node.keywords):
            return self._with_initial(node, path[-1])
        obj = XP_STAND_INS.get(path[-1]) if len(path) == 1 else None
        if len(path) == 1 and path[-1] in ("std", "var") and any(k.arg == "correction" for k in node.keywords):
            obj = runtime.std_standard if path[-1] == "std" else runtime.var_standard
        if len(path) == 1 and path[-1] == "asarray":
            copy = next((k.value for k in node.keywords if k.arg == "copy"), None)
            obj = runtime.asarray_copy if isinstance(copy, gast.Constant) and copy.value is True \
                else runtime.asarray_view
        if obj is None:
            obj = xnp.numpy_function(path[-1], module) if module is not None else None
        spelled = ".".join([func.id] + path)
        if obj is None:
            self.cx.error(UnsupportedConstructError, f"'{spelled}(...)' is not a function tangent_lite knows in the "
                          "array API standard", node, "use a function of the standard that NumPy also has")
            obj = _MISSING
        callee = self.names.read(func)
        for part in path:
            callee = gast.Attribute(value=callee, attr=part, ctx=gast.Load())
        args = [self.exprs.atom(a) for a in node.args]
        keywords = [gast.keyword(arg=k.arg, value=self.exprs.atom(k.value)) for k in node.keywords]
        prim = REGISTRY.get(obj) if obj is not _MISSING else None
        if path[-1] not in xnp.VERIFIED and not (prim is not None and prim.nondiff):  # (nondiff: nothing to verify)
            self._verified_only(spelled, [a for a in args + [k.value for k in keywords] if isinstance(a, gast.Name)])
        out = gast.Call(func=callee, args=args, keywords=keywords)
        if obj is not _MISSING:
            set_anno(out, Key.CALLEE, obj)
        return out

    def _with_initial(self, node: Any, name: str) -> Any:
        """``xp.max(x, ..., initial=c)`` is ``xp.maximum(xp.max(x, ...), c)`` (``min`` likewise)."""
        initial = next(k.value for k in node.keywords if k.arg == "initial")
        inner = gast.Call(func=node.func, args=node.args, keywords=[k for k in node.keywords if k.arg != "initial"])
        pair = gast.Attribute(value=node.func.value, attr="maximum" if name == "max" else "minimum", ctx=gast.Load())
        return self.lower_call(gast.Call(func=pair, args=[inner, initial], keywords=[]))

    def _verified_only(self, spelled: str, arrays: list) -> None:
        """``_tl.verified_only(message, *arrays)`` before a call of a function not in
        ``xnp.VERIFIED``: refused at run time on arrays of an array-API library."""
        if not arrays:
            return
        where = f"{self.cx.src.filename}:{self.cx.lineno}" if self.cx.lineno else self.cx.src.filename
        tl = self.cx.aliases["_tl"]
        call = gast.Call(func=S.attribute(S.name(tl), "verified_only"),
                         args=[S.const(f"{where}: '{spelled}(...)'")] + [S.deepcopy(a) for a in arrays], keywords=[])
        set_anno(call, Key.CALLEE, runtime.verified_only)
        self.cx.env.setdefault(tl, runtime)
        self.cx.emit(gast.Expr(value=call))
