"""Expression lowering: an expression becomes one primitive over atoms, the
sub-expressions it needs emitted as assignments to temporaries before it (calls resolved to the
objects they call, methods of arrays to NumPy functions, ``and``/``or``/``x if c else y`` to ifs,
comprehensions to loops)."""

from __future__ import annotations

import difflib
import itertools
import operator
import os
import sysconfig
from typing import Any, Dict, List, Optional

import numpy as np

from ... import runtime
from ... import syntax as S
from ...errors import PACKAGE_DIR, TangentLiteError, UnsupportedConstructError
from ...rules.registry import REGISTRY
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from . import defaults, forwarders, inside
from .common import (
    _MISSING,
    ARRAY_ONLY_ATTRS,
    ATTR_CALLS,
    BINOPS,
    METHODS,
    NESTED_DERIVATIVE,
    RUNTIME_METHODS,
    UNARYOPS,
    _is_python_function,
    _lambda_def,
    _mangle,
    _opaque,
    _Rename,
    ast_copy_lines,
    is_atom,
    is_tangent_lite_own,
)
from .state import Part


class Expressions(Part):
    """Expression lowering: an expression becomes one primitive over atoms, the
    sub-expressions it needs emitted as assignments to temporaries before it (calls resolved to the
    objects they call, methods of arrays to NumPy functions, ``and``/``or``/``x if c else y`` to ifs,
    comprehensions to loops)."""

    def atom(self, node: Any) -> Any:
        value = self.expr(node)
        if is_atom(value):
            return value
        t = self.names.temp()
        self.cx.emit(S.assign(t, value))
        self.unpack.note_packed(t, value)
        shown = _as_written(node)  # messages name the user's 'L[0]', 'b.m', 'd["k"]', not '_t0'
        if shown is not None:
            self.cx.display_names.setdefault(t, shown)
        return S.name(t)

    def expr(self, node: Any) -> Any:
        """Lower ``node`` to a primitive expression over atoms (emitting what it needs)."""
        if get_anno(node, Key.FENCED):  # refused by fence (reported there)
            return _opaque()
        if isinstance(node, gast.Constant):
            return node
        if isinstance(node, gast.Name):
            if node.id in self.cx.lambdas and node.id in self.cx.local_fns:
                self.cx.error(UnsupportedConstructError,
                              f"the lambda '{node.id}' is used as a value (on line {getattr(node, 'lineno', '?')}), "
                              "not called", self.cx.lambdas[node.id],
                              f"only call '{node.id}(...)': passing or returning a function is not differentiated; "
                              "use a def and call it")
                return _opaque()
            if node.id in self.cx.tables:
                self.cx.error(UnsupportedConstructError, f"the list of lambdas '{node.id}' used as a value", node,
                              f"call its lambdas by a constant index ({node.id}[0](...)), or write them as defs")
                return _opaque()
            if node.id in self.cx.local_fns or node.id in self.cx.def_variants:
                self.cx.error(UnsupportedConstructError, f"the nested function '{node.id}' used as a value", node,
                              "call it where it is defined, or make it a module-level function")
                return _opaque()
            return self.names.read(node)
        if isinstance(node, gast.Attribute):
            return self.attribute(node)
        if isinstance(node, gast.BinOp):
            left, right = self.atom(node.left), self.atom(node.right)
            out = gast.BinOp(left=left, op=node.op, right=right)
            set_anno(out, Key.CALLEE, BINOPS[type(node.op)])
            return out
        if isinstance(node, gast.UnaryOp):
            if isinstance(node.op, (gast.USub, gast.UAdd)) and isinstance(node.operand, gast.Constant) \
                    and isinstance(node.operand.value, (int, float)):
                v = node.operand.value
                return S.const(-v if isinstance(node.op, gast.USub) else v)
            out = gast.UnaryOp(op=node.op, operand=self.atom(node.operand))
            set_anno(out, Key.CALLEE, UNARYOPS[type(node.op)])
            return out
        if isinstance(node, gast.Call):
            return self.call(node)
        if isinstance(node, gast.Compare):
            return self.compare(node)
        if isinstance(node, gast.BoolOp):
            return self.boolop(node)
        if isinstance(node, gast.IfExp):
            return self.ifexp(node)
        if isinstance(node, gast.Subscript):
            value = self.atom(node.value)
            out = gast.Subscript(value=value, slice=self.index(node.slice), ctx=gast.Load())
            set_anno(out, Key.CALLEE, operator.getitem)
            return out
        if isinstance(node, (gast.Tuple, gast.List)):
            return type(node)(elts=self.unpack.spread(node.elts), ctx=gast.Load())
        if isinstance(node, gast.Dict):
            if any(k is None for k in node.keys):  # {**a, 'k': v}: merges, the later key wins
                return self.expr(_as_merges(node))
            keys = [self.atom(k) for k in node.keys]
            return gast.Dict(keys=keys, values=[self.atom(v) for v in node.values])
        if isinstance(node, gast.JoinedStr):
            for v in node.values:
                if isinstance(v, gast.FormattedValue):
                    v.value = self.atom(v.value)
            return node
        if isinstance(node, (gast.ListComp, gast.GeneratorExp)):
            return self.comprehension(node)
        if isinstance(node, gast.NamedExpr):  # (y := e): assign y, and the value is y
            assign = gast.Assign(targets=[node.target], value=node.value, type_comment=None)
            ast_copy_lines(assign, self.cx.lineno)
            self.stmts.stmt(assign)
            return self.names.read(gast.Name(id=node.target.id, ctx=gast.Load(), annotation=None,
                                             type_comment=None))
        if isinstance(node, gast.Lambda):
            self.cx.error(UnsupportedConstructError, "a lambda used as a value", node,
                          "assign it to a name and call it, or use a def")
            return _opaque()
        self.cx.error(UnsupportedConstructError, f"{type(node).__name__} expressions are not supported yet",
                      node, "rewrite the expression with plain statements")
        return _opaque()

    def comprehension(self, node: Any, into: Optional[str] = None) -> Any:
        """``[e for x in xs if c]`` -> a loop appending to a fresh list (``acc.append(e)``, whose
        reverse pops the adjoint list: linear in the length, as a loop of ``L.append`` is).  Inside a
        compound statement (a loop, another comprehension, a branch) it appends functionally
        (``acc = _tl.append(acc, e)``: quadratic in reverse mode): a fresh list filled in place in
        each iteration and put into another list (``M.append(row)``) is taken for a write into what
        that list holds by the analysis of aliases, which would refuse it.  ``into``: the variable
        to fill (``L = [...]``), else a temporary."""
        acc = into or self.names.temp()
        self.cx.nonssa.add(acc)
        self.cx.emit(S.assign(acc, gast.List(elts=[], ctx=gast.Load())))
        rename: Dict[str, str] = {}
        for gen in node.generators:
            for n in S.walk(gen.target):
                if isinstance(n, gast.Name):
                    rename.setdefault(n.id, self.cx.namer.fresh(n.id))
        tree = S.deepcopy(gast.Module(body=[gast.Expr(value=node.elt)] + [gast.Expr(value=g) for g in node.generators],
                                      type_ignores=[]))
        _Rename(rename).visit(tree)
        elt = tree.body[0].value
        gens = [e.value for e in tree.body[1:]]
        self.cx.locals |= set(rename.values())
        self.cx.nonssa |= set(rename.values())
        if self.cx.depth > 0:
            append = S.call(S.parse_expr(f"{self.cx.aliases['_tl']}.append"), [S.name(acc), elt])
            inner: List[Any] = [gast.Assign(targets=[S.name(acc, store=True)], value=append, type_comment=None)]
        else:
            inner = [gast.Expr(value=S.call(S.attribute(S.name(acc), "append"), [elt]))]
        for gen in reversed(gens):
            for cond in reversed(gen.ifs):
                inner = [gast.If(test=cond, body=inner, orelse=[])]
            inner = [gast.For(target=gen.target, iter=gen.iter, body=inner, orelse=[], type_comment=None)]
        for stmt in inner:
            ast_copy_lines(stmt, self.cx.lineno)
            self.stmts.stmt(stmt)
        return S.name(acc)

    def index(self, node: Any) -> Any:
        if isinstance(node, gast.Slice):
            return gast.Slice(
                lower=self.atom(node.lower) if node.lower is not None else None,
                upper=self.atom(node.upper) if node.upper is not None else None,
                step=self.atom(node.step) if node.step is not None else None,
            )
        if isinstance(node, gast.Tuple):
            return gast.Tuple(elts=[self.index(e) for e in node.elts], ctx=gast.Load())
        return self.atom(node)

    def attribute(self, node: Any) -> Any:
        dotted = S.dotted_name(node)
        root = dotted.split(".")[0] if dotted else None
        if root is not None and root in self.cx.opaque:
            return _opaque()
        if root is not None and root not in self.cx.locals:
            obj = self.names.resolve_free(root)
            if obj is _MISSING:
                self.cx.error(TangentLiteError, f"name '{root}' is not defined", node, self.names.undefined_hint(root))
                return _opaque()
            self.cx.env[root] = root_obj = obj
            parts = dotted.split(".")
            for k, part in enumerate(parts[1:], 1):
                try:
                    obj = getattr(obj, part)
                except AttributeError:
                    owner = ".".join(parts[:k])
                    kind = f"the module '{obj.__name__}'" if isinstance(obj, type(np)) else f"'{owner}'"
                    close = difflib.get_close_matches(part, [a for a in dir(obj) if not a.startswith("_")], n=1)
                    hint = f"did you mean '{owner}.{close[0]}'?" if close else \
                        f"check the spelling of '{part}' ({kind} has no such attribute)"
                    self.cx.error(TangentLiteError, f"'{dotted}' does not exist: {kind} has no attribute '{part}'",
                                  node, hint)
                    return _opaque()
            path = self.names.path_of(dotted)
            if path is not None and len(parts) > 1:
                self.names.guarded(path, obj)
            out = S.parse_expr(dotted)
            set_anno(out, Key.CALLEE, obj)
            root_node = out
            while isinstance(root_node, gast.Attribute):
                root_node = root_node.value
            if root_node is not out:  # the module-level root is not a local variable (is_local)
                set_anno(root_node, Key.CALLEE, root_obj)
            return out
        value = self.atom(node.value)
        if node.attr in ATTR_CALLS or node.attr in ("real", "imag", "mT"):  # (a user object's field: refused)
            self._array_method_check(value, node.attr, {"T": "np.transpose", "mT": "np.swapaxes"}.get(
                node.attr, f"np.{node.attr}"))
        if node.attr in ATTR_CALLS:
            fname = ATTR_CALLS[node.attr]
            return self._np_call(fname, [value], [])
        if node.attr in ("real", "imag"):  # x.real -> np.real(x): rules, not a field read
            return self._np_call(node.attr, [value], [])
        if node.attr == "mT":  # the matrix transpose of a stack of matrices
            return self._np_call("swapaxes", [value, S.const(-1), S.const(-2)], [])
        if node.attr in ARRAY_ONLY_ATTRS:
            self.cx.error(UnsupportedConstructError, f"the array attribute '.{node.attr}' is not supported", node,
                          hint=ARRAY_ONLY_ATTRS[node.attr])
        attr = _mangle(node.attr, self.cx.fn)  # self.__x in a method of A is self._A__x
        return gast.Attribute(value=value, attr=attr, ctx=gast.Load())  # a field of a local value

    def _tl_call(self, fname: str, args: List[Any]) -> Any:
        """``_tl.<fname>(*args)``: a runtime helper (the values' types decide what it does)."""
        tl = self.cx.aliases["_tl"]
        func = S.attribute(S.name(tl), fname)
        set_anno(func, Key.CALLEE, getattr(runtime, fname))
        self.cx.env.setdefault(tl, runtime)
        out = gast.Call(func=func, args=args, keywords=[])
        set_anno(out, Key.CALLEE, getattr(runtime, fname))
        return out

    def _array_method_check(self, receiver: Any, written: str, numpy: str, copy: bool = False) -> None:
        """``_tl.array_method(v, message)`` before ``v.f(...)`` (or ``v.T``) read as ``np.f(v, ...)``:
        when ``v`` is no array (a user object with a method of that name, a list), it refuses
        instead of NumPy's function running on it.  (The derivative passes drop the check where
        the arguments' ranks show ``v`` is an array or a number: ``receivers.drop_known``.)"""
        if not isinstance(receiver, gast.Name) or get_anno(receiver, Key.CALLEE, _MISSING) is not _MISSING:
            return
        shown = self.cx.display_names.get(receiver.id, receiver.id)
        where = f"{self.cx.src.filename}:{self.cx.lineno}" if self.cx.lineno else self.cx.src.filename
        message = _array_method_message(where, shown, written, numpy)
        args = [S.deepcopy(receiver), S.const(message)] + ([S.const(True)] if copy else [])
        check = self._tl_call("array_method", args)
        self.cx.emit(gast.Expr(value=check))

    def _np_call(self, fname: str, args: List[Any], keywords: List[Any]) -> Any:
        func = S.attribute(S.name(self.cx.aliases["np"]), fname)
        obj = getattr(np, fname)
        set_anno(func, Key.CALLEE, obj)
        self.cx.env.setdefault(self.cx.aliases["np"], np)
        out = gast.Call(func=func, args=args, keywords=keywords)
        set_anno(out, Key.CALLEE, obj)
        return out

    def call(self, node: Any) -> Any:
        func = node.func
        if self.namespaces.is_call(func):  # xp.tanh(x) for xp = array_namespace(x)
            return self.namespaces.lower_call(node)
        # xpx.at(x, idx).set(v); st.norm(m, s).logpdf(x) as st.norm.logpdf(x, m, s) (forwarders.py)
        at_write = self.namespaces.at_call(node) or forwarders.frozen_call(self, node)
        if at_write is not None:
            return at_write
        # method call on a local value: x.sum(axis=0) -> np.sum(x, axis=0)
        if isinstance(func, gast.Attribute) and not self.is_static(func):
            receiver = self.atom(func.value)
            args = self.unpack.spread(node.args)
            keywords = self.unpack.spread_keywords(node.keywords)
            if any(get_anno(a, Key.FENCED) for a in [receiver] + args + [k.value for k in keywords]):
                return _opaque()
            if func.attr == "astype" and len(args) + len(keywords) == 1:
                cast = self.numpy_forms.astype(receiver, (args or [k.value for k in keywords])[0])
                if cast is not None:
                    return cast
            item = self.unpack.get(receiver, args, keywords) if func.attr == "get" else None
            if item is not None:  # d.get('k', default) of a dict whose keys are known
                return item
            if func.attr == "copy" and not args and not keywords:  # a list's, a dict's or an array's
                self._array_method_check(receiver, "copy()", "the copy of an array, a list or a dict", copy=True)
                return self._tl_call("copy_value", [receiver])
            if func.attr in RUNTIME_METHODS and not keywords:  # x.item(i, j) -> _tl.item(x, (i, j))
                return self.numpy_forms.method(receiver, func.attr, args)
            if func.attr in METHODS:
                fname, pack = METHODS[func.attr]
                if pack and len(args) > 1:
                    args = [gast.Tuple(elts=args, ctx=gast.Load())]
                    args = [self.atom(args[0])]
                self._array_method_check(receiver, f"{func.attr}(...)", f"NumPy's np.{fname}({{receiver}}, ...)")
                if func.attr == "flatten":  # a copy (np.ravel may be a view): x.flatten() -> np.copy(np.ravel(x))
                    return self._np_call("copy", [self.numpy_forms._bind(self._np_call(fname, [receiver] + args,
                                                                                       keywords))], [])
                return self._np_call(fname, [receiver] + args, keywords)
            out = gast.Call(func=gast.Attribute(value=receiver, attr=func.attr, ctx=gast.Load()),
                            args=args, keywords=keywords)
            lookup = func.attr == "__array_namespace__"  # x.__array_namespace__(): a namespace, no derivative
            set_anno(out, Key.CALLEE, runtime.namespace if lookup else ("method", func.attr))
            return out
        root = S.dotted_name(func)
        if root is not None and root.split(".")[0] in self.cx.opaque:
            return _opaque()
        if isinstance(func, gast.Name) and func.id in self.cx.local_fns:
            return self.inline.inline_local(self.cx.local_fns[func.id], node)
        if isinstance(func, gast.Name) and len(self.cx.def_variants.get(func.id, ())) > 1 \
                or isinstance(func, gast.Name) and func.id in self.cx.def_variants and func.id not in self.cx.local_fns:
            return self.inline.call_variant(func.id, node)
        if isinstance(func, gast.Lambda):
            return self.inline.inline_local(_lambda_def(func, "_lambda"), node)
        table_call = self.functional.table_call(node)
        if table_call is not None:
            return table_call
        if isinstance(func, gast.Name) and func.id in self.cx.locals:
            shown = self.cx.display_names.get(func.id, func.id)
            self.cx.error(UnsupportedConstructError, f"calling the local value '{shown}'", node,
                          _default_function_fix(self.cx.fn, func.id) or
                          "call a def, a lambda or a module-level function by name; a function received as an "
                          "argument is inlined where a caller passes it by name: differentiate that caller, e.g. "
                          "tl.grad(lambda x: apply(np.sin, x)) for def apply(f, x)")
            return _opaque()
        if isinstance(func, gast.Call):  # tl.grad(f)(x) (inside.py)
            inner = inside.transformation_call(self, node)
            if inner is not None:
                return inner
        through = forwarders.forwarded(self, node)  # m.loss(x), cached(x), partial(x): what they call
        if through is not None:
            return self.call(through)
        # a computed callee (fs[0](x), type(x)(v)) is a local value: no resolved object (not getitem)
        callee = self.expr(func) if isinstance(func, (gast.Name, gast.Attribute)) else self.atom(func)
        obj = get_anno(callee, Key.CALLEE, _MISSING)
        if inside.inside_of(obj) is not None:  # f.grad(x), tl.jvp(f, (x,), (v,)) (inside.py)
            inner = inside.transformation_call(self, node, obj)
            if inner is not None:
                return inner
        if callable(obj) and is_tangent_lite_own(obj):
            self.cx.error(UnsupportedConstructError, NESTED_DERIVATIVE[0], node, NESTED_DERIVATIVE[1])
            return _opaque()
        numpy_form = self.numpy_forms.call(obj, callee, node) if obj is not _MISSING else None
        if numpy_form is not None:  # ufunc.reduce/outer, einsum sublists, np.gradient (numpy_forms.py)
            return numpy_form
        node = defaults.filled(self, obj, node)  # helper(x) of def helper(x, act=np.tanh): act passed
        if obj is not _MISSING and _is_python_function(obj) and REGISTRY.get(obj) is None and (any(
                self.inline.is_function_value(a) for a in list(node.args) + [k.value for k in node.keywords])
                or _takes_packs(getattr(obj, "__tl_function__", obj))
                or (_users(getattr(obj, "__tl_function__", obj)) and defaults.omits_optional_callable(obj, node))):
            node = defaults.filled(self, obj, node, every=True)  # (inlined: Python's bound defaults, not their source)
            return self.inline.inline_global(getattr(obj, "__tl_function__", obj), node, defaults.owner(obj, node))
        written_out = self.functional.call(obj, node) if obj is not _MISSING else None
        if written_out is not None:
            return written_out
        literal = _dict_call(node) if obj is dict else None
        if literal is not None:
            return self.expr(literal)
        args = self.unpack.spread(node.args)
        keywords = self.unpack.spread_keywords(node.keywords)
        if any(get_anno(a, Key.FENCED) for a in [callee] + args + [k.value for k in keywords]):
            return _opaque()  # calls something refused (and reported), or with it: not checked further
        if _takes_arrays(obj) and not any(isinstance(a, gast.Starred) for a in node.args) \
                and all(k.arg is not None for k in node.keywords):
            # st.norm.logpdf([0.3, x], ...): SciPy reads a list as an array, and so do its rules
            args = [self.numpy_forms.scipy_operand(n, a) for n, a in zip(node.args, args)]
            for k, n in zip(keywords, node.keywords):
                k.value = self.numpy_forms.scipy_operand(n.value, k.value)
        out = gast.Call(func=callee, args=args, keywords=keywords)
        if obj is not _MISSING:
            set_anno(out, Key.CALLEE, obj)
            return self.namespaces.annotate(out, obj, node)
        return out

    def is_static(self, func: Any) -> bool:
        dotted = S.dotted_name(func)
        return dotted is not None and dotted.split(".")[0] not in self.cx.locals

    def compare(self, node: Any) -> Any:
        if len(node.ops) == 1:
            out = gast.Compare(left=self.atom(node.left), ops=node.ops,
                               comparators=[self.atom(node.comparators[0])])
            set_anno(out, Key.CALLEE, ("compare", type(node.ops[0]).__name__))
            return out
        # a < b < c  ->  (a < b) and (b < c), b evaluated once
        left = self.atom(node.left)
        parts = []
        for op, right in zip(node.ops, node.comparators):
            right_atom = self.atom(right)
            parts.append(gast.Compare(left=left, ops=[op], comparators=[right_atom]))
            left = right_atom
        return self.boolop(gast.BoolOp(op=gast.And(), values=parts))

    def boolop(self, node: Any) -> Any:
        """``a and b``: short-circuit kept with ifs.  ``x or y`` is the value of an operand, not
        a boolean: the branches carry its derivatives."""
        t = self.names.temp()
        self.cx.nonssa.add(t)
        self.cx.emit(S.assign(t, self.expr(node.values[0])))
        rest = node.values[1:]
        if not rest:
            return S.name(t)
        inner = gast.BoolOp(op=node.op, values=rest) if len(rest) > 1 else rest[0]
        saved, self.cx.out = self.cx.out, []
        self.cx.emit(S.assign(t, self.expr(inner)))
        body, self.cx.out = self.cx.out, saved
        # the branch test gets its own name: the branch overwrites t, and the reverse
        # sweep must replay the choice that was made
        c = self.names.temp()
        if isinstance(node.op, gast.Or):
            test = gast.UnaryOp(op=gast.Not(), operand=S.name(t))
            set_anno(test, Key.CALLEE, operator.not_)
            self.cx.emit(S.assign(c, test))
        else:
            self.cx.emit(S.assign(c, S.name(t)))
        self.cx.emit(gast.If(test=S.name(c), body=body, orelse=[]))
        return S.name(t)

    def ifexp(self, node: Any) -> Any:
        test = self.atom(node.test)
        t = self.names.temp()
        self.cx.nonssa.add(t)
        saved, self.cx.out = self.cx.out, []
        self.cx.emit(S.assign(t, self.expr(node.body)))
        body, self.cx.out = self.cx.out, []
        self.cx.emit(S.assign(t, self.expr(node.orelse)))
        orelse, self.cx.out = self.cx.out, saved
        self.cx.emit(gast.If(test=test, body=body, orelse=orelse))
        return S.name(t)


def _takes_arrays(obj: Any) -> bool:
    """A scipy.special / scipy.stats function with rules (their rules read arguments as arrays)."""
    prim = REGISTRY.get(obj) if obj is not _MISSING else None
    return prim is not None and prim.name.startswith(("scipy.special.", "scipy.stats."))


def _dict_call(node: Any) -> Any:
    """``dict(a=x, b=y)`` as the literal ``{'a': x, 'b': y}`` (``dict({...}, a=x)`` too), and
    ``dict(d, a=x)`` as the copy ``dict(d)`` merged with ``{'a': x}`` (the keywords win); None
    for the other calls of ``dict`` (``dict(d)``: a call with rules, ``dict(**kw)``)."""
    if not all(k.arg is not None for k in node.keywords):
        return None
    keys, values = [S.const(k.arg) for k in node.keywords], [k.value for k in node.keywords]
    if not node.args or len(node.args) == 1 and isinstance(node.args[0], gast.Dict):
        literal = node.args[0] if node.args else gast.Dict(keys=[], values=[])
        return gast.Dict(keys=literal.keys + keys, values=literal.values + values)
    if node.keywords and len(node.args) == 1 and not isinstance(node.args[0], gast.Starred):
        copy = gast.Call(func=node.func, args=node.args, keywords=[])
        return gast.BinOp(left=copy, op=gast.BitOr(), right=gast.Dict(keys=keys, values=values))
    return None


def _as_merges(node: Any) -> Any:
    """``{**a, 'k': v, **b}`` as ``a | {'k': v} | b`` (``{**a}`` alone: ``a | {}``, a new dict): the
    dict merges whose derivatives ``runtime.merge_or`` has."""
    parts: List[Any] = []
    for key, value in zip(node.keys, node.values):
        if key is None:
            parts.append(value)
        elif parts and isinstance(parts[-1], gast.Dict) and not get_anno(parts[-1], Key.FENCED):
            parts[-1].keys.append(key)
            parts[-1].values.append(value)
        else:
            parts.append(gast.Dict(keys=[key], values=[value]))
    if len(parts) == 1:
        parts.append(gast.Dict(keys=[], values=[]))
    out = parts[0]
    for part in parts[1:]:
        out = gast.BinOp(left=out, op=gast.BitOr(), right=part)
    return out


_OWN = os.path.join(os.path.realpath(PACKAGE_DIR), "")  # tangent_lite's own files


def _takes_packs(fn: Any) -> bool:
    """Does the function take ``*args`` or ``**kwargs`` (it is inlined where it is called)?  Not
    tangent_lite's own helpers: derivatives through them need their rules (refused without)."""
    return _users(fn) and bool(fn.__code__.co_flags & (0x04 | 0x08))  # CO_VARARGS | CO_VARKEYWORDS


def _users(fn: Any) -> bool:
    """Is ``fn`` the user's code (not a library's, not tangent_lite's own)?"""
    code = getattr(fn, "__code__", None)
    return not (code is None or str(getattr(fn, "__module__", "")).startswith("tangent_lite")
                or _library(code.co_filename) or os.path.realpath(code.co_filename).startswith(_OWN))


def _library(filename: str) -> bool:
    """Is ``filename`` in the standard library or an installed package (not the user's code: a call
    of it is differentiated only when derivatives go through it, never inlined beforehand)?"""
    paths = sysconfig.get_paths()
    roots = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    real = os.path.realpath(filename)
    return any(real.startswith(root + os.sep) for root in roots)


def _as_written(node: Any) -> Optional[str]:
    """The user's text of the value a temporary holds (``L[0]``, ``b.m``, ``d["k"]``, ``(-a)``,
    ``np.sum(m)``, ``[y]``, ``(y, 1.0)``, ``{"k": y}``), for messages; None for longer or made-up expressions."""
    if not isinstance(node, (gast.Subscript, gast.Attribute, gast.UnaryOp, gast.BinOp, gast.Call, gast.List,
                             gast.Tuple, gast.Dict, gast.Set)):
        return None
    parts = list(itertools.islice(S.walk(node), 41))  # (at most 40 characters: a few nodes; never a long walk)
    if len(parts) > 40 or any(getattr(n, "lineno", None) is None for n in parts if isinstance(n, gast.Name)):
        return None
    shown = S.to_source(node)
    shown = f"({shown})" if isinstance(node, gast.Tuple) and not shown.startswith("(") else shown
    shown = shown.replace("'", '"') if '"' not in shown else shown
    return shown if len(shown) <= 40 and "\n" not in shown else None


def _array_method_message(where: str, shown: str, written: str, numpy: str) -> str:
    """The refusal ``_tl.array_method`` raises when ``shown.written`` (read as NumPy's ``numpy``)
    meets a value that is no array; ``{type}`` is filled in with its type when the code runs."""
    if written.endswith(")"):  # a method
        name, what = written.split("(")[0], numpy.replace("{receiver}", shown)
        call = f"{{type}}.{name}({shown}{', ...' if written != name + '()' else ''})"
        return (f"{where}: '{shown}.{written}' is read as {what} (the type of '{shown}' is not known when the "
                f"code is generated), but '{shown}' is a {{type}}\nTo fix: call the method as a function of "
                f"the object, {call}, which is differentiated like any Python function")
    # an attribute of arrays (.T, .real, .imag, .mT)
    return (f"{where}: '{shown}.{written}' is read as NumPy's {numpy}({shown}) (tangent_lite reads this "
            f"attribute of values whose type it does not know as NumPy's), but '{shown}' is a {{type}}"
            f"\nTo fix: give the field or property another name than '{written}'")


def _default_function_fix(fn: Any, name: str) -> str:
    """The fix for calling the parameter ``name`` of ``fn`` whose default is a function (``r=np.add.reduce``):
    call that function by its name; '' when ``name`` has no such default."""
    import inspect

    try:
        default = inspect.signature(fn).parameters[name].default
    except (KeyError, TypeError, ValueError):
        return ""
    if default is inspect.Parameter.empty or not callable(default):
        return ""
    owner, attr = getattr(default, "__self__", None), getattr(default, "__name__", "f")
    if isinstance(owner, np.ufunc) and getattr(np, owner.__name__, None) is owner:
        spelled = f"np.{owner.__name__}.{attr}"  # (np.add.reduce)
    elif getattr(np, attr, None) is default:
        spelled = f"np.{attr}"
    else:
        module = getattr(default, "__module__", None)
        spelled = ".".join(p for p in (module if module != "builtins" else "", attr) if p)
    return (f"'{name}' is a parameter whose default is {spelled}: a function is followed when it is called by its "
            f"name, not through a parameter (whose value a caller may change); call {spelled}(...) there, or a "
            f"module-level name bound to it ({name.upper()} = {spelled} beside the def, then {name.upper()}(...))")
