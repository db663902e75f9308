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

from typing import Any, Optional, Set

import numpy as np

from ... import runtime, xnp
from ... import syntax as S
from ...errors import UnsupportedConstructError
from ...syntax import gast
from ...syntax.annotations import Key, set_anno
from .common import _MISSING
from .state import Part

# (module prefix, function name) of the functions that return the array namespace of their arguments
NAMESPACE_FUNCTIONS = (
    ("array_api_compat", "array_namespace"),
    ("array_api_compat", "get_namespace"),
    ("scipy._lib", "array_namespace"),  # (scipy._lib._array_api_override in SciPy 1.17)
    ("sklearn.utils._array_api", "get_namespace"),
)
# (module prefix, function name) of helpers that return one array argument in a promoted dtype
PROMOTION_FUNCTIONS = (
    ("scipy._lib", "xp_promote"),
)


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
            stored_elsewhere = {n.id for n in S.walk(self.cx.fdef) if isinstance(n, gast.Name)
                                and isinstance(n.ctx, gast.Store)}
            self._found = {n for n in found if n not in self.cx.params and stored_elsewhere >= {n}}
        return self._found

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

    def annotate(self, call: Any, obj: Any, node: Any) -> None:
        """The callee the analyses see for ``call`` of ``obj`` (the user's call ``node`` is kept)."""
        if _is_one_of(obj, NAMESPACE_FUNCTIONS):
            set_anno(call, Key.CALLEE, runtime.namespace)
        elif _is_one_of(obj, PROMOTION_FUNCTIONS):
            if len(call.args) != 1:
                self.cx.error(UnsupportedConstructError,
                              f"'{getattr(obj, '__name__', obj)}' of {len(call.args)} arrays is not supported "
                              "(its derivative is known for one array: the identity)", node,
                              "promote each array on its own, or convert them with xp.astype")
            set_anno(call, Key.CALLEE, runtime.promoted)
        elif getattr(obj, "__tl_numpy__", None) is not None:  # derivative code calling xnp.<f>: f's rules
            set_anno(call, Key.CALLEE, obj.__tl_numpy__)

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
        if path[-1] not in xnp.VERIFIED:
            self._verified_only(spelled, [a for a in args + [k.value for k in keywords] if isinstance(a, gast.Name)])
        out = gast.Call(func=callee, args=args, keywords=keywords)
        if obj is not _MISSING:
            set_anno(out, Key.CALLEE, obj)
        return out

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
