"""What the parts of the lowering share: the operator and method tables, what counts as an
atom, and small syntactic helpers (renaming, substitution, the names a body stores)."""

from __future__ import annotations

import builtins
import operator
from typing import Any, Callable, Dict, List, Optional, Set

from ... import syntax as S
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.MatMult: operator.matmul,
    gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
    gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor,
    gast.LShift: operator.lshift, gast.RShift: operator.rshift,
}

UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
            gast.Invert: operator.invert}

# ndarray methods -> (numpy function name, pack extra positional args into one tuple)
METHODS = {
    "sum": ("sum", False), "mean": ("mean", False), "prod": ("prod", False),
    "max": ("max", False), "min": ("min", False), "dot": ("dot", False),
    "reshape": ("reshape", True), "transpose": ("transpose", True), "clip": ("clip", False),
    "ravel": ("ravel", False), "flatten": ("ravel", False), "copy": ("copy", False),
    "std": ("std", False), "var": ("var", False), "cumsum": ("cumsum", False),
    "cumprod": ("cumprod", False), "squeeze": ("squeeze", False), "swapaxes": ("swapaxes", False),
    "argmax": ("argmax", False), "argmin": ("argmin", False), "trace": ("trace", False),
    "diagonal": ("diagonal", False), "round": ("round", False), "all": ("all", False),
    "any": ("any", False), "nonzero": ("nonzero", False), "argsort": ("argsort", False),
    "repeat": ("repeat", False), "take": ("take", False),
}

# ndarray methods -> (runtime helper, pack extra positional args into one tuple): no NumPy function
# (``a.conj()`` of a real array is ``a`` itself, where ``np.conj(a)`` is a new array: _tl.conj_method keeps that)
RUNTIME_METHODS = {"item": ("item", True), "conj": ("conj_method", False), "conjugate": ("conj_method", False)}

# attribute reads on values that lower to calls
ATTR_CALLS = {"T": "transpose"}

NONDIFF_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}

# attributes of arrays that are views or buffers, not values derivatives can follow: refused
ARRAY_ONLY_ATTRS = {
    "flat": "index the flattened array instead: np.ravel(x)[i], or loop over np.ravel(x)",
    "base": "use the array itself (derivatives follow values, not the memory they share)",
    "data": "use the array itself (derivatives follow values, not the memory they share)",
    "ctypes": "compute with NumPy functions on the array",
    "strides": "compute with NumPy functions on the array",
    "flags": "compute with NumPy functions on the array",
}


_ATOM_TYPES = (gast.Name, gast.Constant)


_OP_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**", gast.MatMult: "@",
               gast.FloorDiv: "//", gast.Mod: "%", gast.BitAnd: "&", gast.BitOr: "|", gast.BitXor: "^",
               gast.LShift: "<<", gast.RShift: ">>"}


# builtins the generated code calls itself (loops, indexing): Wengert.aliases gives the name
# each goes by, another one where the user's own names shadow it
COMPILER_BUILTINS = ("range", "len", "list", "min", "reversed", "zip", "slice")


# calling what tl.grad, f.grad, tl.jvp... return inside a function being differentiated: (message, hint)
NESTED_DERIVATIVE = (
    "calling this transformation (tl.vjp, a pullback, ...) inside a function that is being differentiated is "
    "not supported yet",
    "inside a differentiated function, call tl.grad(f)(x), tl.value_and_grad(f)(x), f.grad(x) of a "
    "@tl.differentiate function, tl.jvp(f, (x,), (v,)), tl.hvp(f, x, v), tl.hessian(f)(x) or tl.jacobian(f)(x)")


def is_tangent_lite_own(obj: Any) -> bool:
    """tangent_lite's own code (what tl.grad returns, the API): never the user's code to lower.
    The runtime helpers are not (derivative code differentiated again lowers them), nor
    ``xnp.<name>`` (NumPy's function in the arrays' library: its rules), nor a
    ``@tl.differentiate`` wrapper (it stands for the user's function)."""
    module = str(getattr(obj, "__module__", "") or "")
    return module.startswith("tangent_lite.") and not module.startswith("tangent_lite.runtime") \
        and not hasattr(obj, "__tl_function__") and not hasattr(obj, "__tl_numpy__")


def is_atom(node: Any) -> bool:
    return isinstance(node, _ATOM_TYPES) or (
        isinstance(node, gast.Attribute) and get_anno(node, Key.CALLEE, _MISSING) is not _MISSING
    )


_MISSING = object()


def _mangle(attr: str, fn: Callable) -> str:
    """Python's private-name mangling, which the generated module (outside the class) lacks."""
    if not attr.startswith("__") or attr.endswith("__"):
        return attr
    parents = getattr(fn, "__qualname__", "").split(".")[:-1]
    if not parents or parents[-1] == "<locals>" or not parents[-1].strip("_"):
        return attr
    return f"_{parents[-1].lstrip('_')}{attr}"


def _opaque() -> Any:
    """The value of a construct that was refused (and reported): a constant, so that the
    lowering can go on looking for other problems."""
    out = S.const(None)
    set_anno(out, Key.FENCED, True)
    return out


def _stored_names(body: List[Any]) -> Set[str]:
    out = set()
    for stmt in body:
        for n in S.walk(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                out.add(n.id)
    return out


def _touched_names(body: List[Any]) -> Dict[str, int]:
    """The names ``body`` may change in place or hand to other code, with the line of the first
    such use: every load except ``*name`` / ``**name`` in a call or a literal, an item read
    (``name[i]``, ``name.get(k)``), iteration (``for v in name``) and ``in`` tests. A list or dict literal bound
    to such a name may not keep its length or keys, so ``*name`` is not spread item by item."""
    safe: Set[int] = set()
    for n in (n for stmt in body for n in S.walk(stmt)):
        if isinstance(n, gast.Starred) or (isinstance(n, gast.keyword) and n.arg is None):
            safe.add(id(n.value))
        elif isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Load):
            safe.add(id(n.value))
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr == "get":
            safe.add(id(n.func.value))  # (d.get(k): an item read)
        elif isinstance(n, (gast.For, gast.comprehension)):
            safe.add(id(n.iter))
        elif isinstance(n, gast.Compare) and all(isinstance(op, (gast.In, gast.NotIn)) for op in n.ops):
            safe.update(id(c) for c in n.comparators)
    out: Dict[str, int] = {}
    for n in (n for stmt in body for n in S.walk(stmt)):
        if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            out.setdefault(n.target.id, getattr(n, "lineno", 0))
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and id(n) not in safe:
            out.setdefault(n.id, getattr(n, "lineno", 0))
    return out


class _Substitute(gast.NodeTransformer):
    """Replace loads of names by (copies of) expressions."""

    def __init__(self, mapping: Dict[str, Any]):
        self.mapping = mapping

    def visit_Name(self, node: Any) -> Any:
        if isinstance(node.ctx, gast.Load) and node.id in self.mapping:
            return S.deepcopy(self.mapping[node.id])
        return node


def _is_python_function(obj: Any) -> bool:
    import inspect

    return inspect.isfunction(getattr(obj, "__tl_function__", obj))


def _lookup_free(fn: Callable, name: str) -> Any:
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    if name in cells:
        try:
            return cells[name].cell_contents
        except ValueError:
            return _MISSING
    if name in fn.__globals__:
        return fn.__globals__[name]
    return getattr(builtins, name, _MISSING)


class _Rename(gast.NodeTransformer):
    def __init__(self, mapping: Dict[str, str]):
        self.mapping = mapping

    def visit_Name(self, node: Any) -> Any:
        if node.id in self.mapping:
            node.id = self.mapping[node.id]
        return node


def _lambda_def(lam: Any, name: str) -> Any:
    ret = gast.Return(value=lam.body)
    fdef = S.function_def(name, [], [ret])
    fdef.args = lam.args
    ast_copy_lines(fdef, getattr(lam, "lineno", None))
    return fdef


def ast_copy_lines(node: Any, lineno: Optional[int]) -> None:
    for n in S.walk(node):
        if getattr(n, "lineno", None) is None and lineno is not None and isinstance(n, (gast.stmt, gast.expr)):
            n.lineno = lineno


def _loaded_names(node: Any) -> Set[str]:
    return {n.id for n in S.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _assigned_in_compound(body: List[Any]) -> Set[str]:
    out: Set[str] = set()
    for stmt in body:
        if isinstance(stmt, (gast.If, gast.For, gast.While, gast.Try)):
            out |= _stored_names([stmt])
        elif isinstance(stmt, gast.With):  # (its body is straight-line code)
            out |= _assigned_in_compound(stmt.body)
    return out


def _closure_values(fn: Callable) -> Dict[str, Any]:
    code = fn.__code__
    cells = fn.__closure__ or ()
    out = {}
    for name, cell in zip(code.co_freevars, cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # empty cell (recursive def not yet bound)
            pass
    return out


def binds_plainly(stmt: Any) -> bool:
    """``name = name`` or ``name = constant``: a statement that cannot raise (what the flags of
    frontend.jumps are made of; the try-block checks of lowering and of modes.blocks use it)."""
    return isinstance(stmt, gast.Assign) and all(isinstance(t, gast.Name) for t in stmt.targets) \
        and isinstance(stmt.value, (gast.Name, gast.Constant))
