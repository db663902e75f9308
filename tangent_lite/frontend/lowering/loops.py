"""``for`` loop lowering: every loop iterates a ``range`` (sequences, ``enumerate``,
``zip``, ``reversed`` through an index), checkpointed loops, and the builtin calls the loops
need (``len``, ``list``, ``min``) under the names the generated code gives them."""

from __future__ import annotations

import builtins
import operator
from typing import Any, Callable, List, Optional, Set, Tuple

import numpy as np

from ... import runtime
from ... import syntax as S
from ...errors import UnsupportedConstructError
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from .common import _stored_names
from .state import Part


class Loops(Part):
    """``for`` loop lowering: every loop iterates a ``range`` (sequences, ``enumerate``,
    ``zip``, ``reversed`` through an index), checkpointed loops, and the builtin calls the loops
    need (``len``, ``list``, ``min``) under the names the generated code gives them."""

    def stmt_For(self, node: Any) -> None:
        """Every for loop iterates a range: ``for i in range(...)`` as written; anything
        else through an index (``for row in X`` -> ``for _i0 in range(len(X)): row = X[_i0]``),
        with ``enumerate``, ``zip`` and ``reversed`` (nested in any way) taken apart."""
        it = node.iter
        if isinstance(it, gast.Call) and get_anno(self.expr_callee(it.func), Key.CALLEE) is runtime.checkpointed:
            self.checkpointed_for(node)
            return
        if self._static_call(it, range):
            range_obj = self._builtin_atom("range", [self.exprs.atom(a) for a in it.args])
            loop = self._emit_for(node, node.target, range_obj, None)
            snapshots = getattr(self.cx.fn, "__tl_checkpoint__", None)  # @differentiate(checkpoint=k)
            if loop is not None and snapshots is not None and self.cx.depth == 0 \
                    and isinstance(node.target, gast.Name) \
                    and not any(isinstance(n, (gast.Break, gast.Return)) for st in node.body for n in S.walk(st)):
                set_anno(loop, Key.CHECKPOINT, S.const(snapshots))
            return
        if self._static_call(it, reversed) and len(it.args) == 1 and self._static_call(it.args[0], range):
            forward = self.exprs.atom(it.args[0])  # reversed(range(...)) is the range [::-1]
            step = gast.Slice(lower=None, upper=None, step=S.const(-1))
            self._emit_for(node, node.target, self.exprs.atom(self._subscript(forward, step)), None)
            return
        grown = _grown_while_iterated(node)
        if grown is not None:
            name, how, line = grown
            self.cx.error(UnsupportedConstructError,
                          f"'for ... in {name}' while the loop changes '{name}' in place ('{how}' at line {line}): "
                          "Python's loop sees the change (entries added, removed or changed), the derivative code "
                          "would iterate what the loop started with", node,
                          f"iterate a copy (for ... in list({name})) if the loop should see only the entries it "
                          f"started with, or loop on an index (while i < len({name}): ...)")
            return
        length, element = self._iteration(it, _stored_names(node.body) | _stored_names([node.target]))
        range_obj = self._builtin_atom("range", [length])
        self._emit_for(node, node.target, range_obj, element)

    def expr_callee(self, func: Any) -> Any:
        """The lowered callee of a static dotted name (``tl.checkpointed``), else the node."""
        if self.exprs.is_static(func) if isinstance(func, gast.Attribute) else (
                isinstance(func, gast.Name) and func.id not in self.cx.locals):
            return self.exprs.expr(S.deepcopy(func))
        return func

    def checkpointed_for(self, node: Any) -> None:
        """``for i in tl.checkpointed(range(...), snapshots=k)``: a range loop marked for
        binomial checkpointing in reverse mode (``vjp`` extracts its body into step functions)."""
        call = node.iter
        snaps: Any = S.const(10)
        if len(call.args) > 1:
            snaps = call.args[1]
        for kw in call.keywords:
            if kw.arg == "snapshots":
                snaps = kw.value
        inner = call.args[0] if call.args else None
        if inner is None or not self._static_call(inner, range) or not isinstance(node.target, gast.Name) \
                or self.cx.depth > 0 or any(isinstance(n, (gast.Break, gast.Return)) for s in node.body
                                            for n in S.walk(s)):
            self.cx.error(UnsupportedConstructError, "this checkpointed loop (a checkpointed loop must be a top-level "
                          "'for' over range(...) without break or return inside)", node,
                          "checkpoint a top-level 'for i in tl.checkpointed(range(...), snapshots=k)' loop "
                          "without break or return inside")
            return
        snaps_atom = self.exprs.atom(snaps)
        range_obj = self._builtin_atom("range", [self.exprs.atom(a) for a in inner.args])
        loop = self._emit_for(node, node.target, range_obj, None)
        if loop is not None:
            set_anno(loop, Key.CHECKPOINT, snaps_atom)

    def _static_call(self, node: Any, obj: Any) -> bool:
        return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id not in self.cx.locals \
            and not node.keywords and self.names.resolve_free(node.func.id) is obj

    def _iteration(self, it: Any, rebound: Set[str] = frozenset()) -> Tuple[Any, Callable[[Any], Any]]:
        """(length atom, index atom -> element expression) for iterating ``it``.  A sequence the
        loop body rebinds is read through a copy: Python iterates what the loop started with."""
        if self._static_call(it, enumerate) and len(it.args) == 1:
            n, inner = self._iteration(it.args[0], rebound)
            return n, lambda i: gast.Tuple(elts=[i, inner(i)], ctx=gast.Load())
        start = self._enumerate_start(it)
        if start is not None:  # enumerate(xs, start=k) or enumerate(xs, k): the count is i + k
            n, inner = self._iteration(it.args[0], rebound)
            k = self.exprs.atom(start)
            return n, lambda i: gast.Tuple(elts=[gast.BinOp(left=i, op=gast.Add(), right=S.deepcopy(k)), inner(i)],
                                           ctx=gast.Load())
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) and not it.keywords \
                and get_anno(self.expr_callee(it.func), Key.CALLEE) is np.ndindex:
            # the index tuples of a shape: an iterator without len(), read as a list of them
            seq = self._builtin_atom("list", [self.exprs.atom(it)])
            return self._len_call(seq), lambda i: self._subscript(seq, i)
        if self._static_call(it, zip) and it.args:
            parts = [self._iteration(a, rebound) for a in it.args]
            n = parts[0][0]
            for other, _ in parts[1:]:
                n = self._builtin_atom("min", [n, other])
            return n, lambda i: gast.Tuple(elts=[el(i) for _, el in parts], ctx=gast.Load())
        if self._static_call(it, reversed) and len(it.args) == 1:
            n, inner = self._iteration(it.args[0], rebound)
            last = self.exprs.atom(gast.BinOp(left=n, op=gast.Sub(), right=S.const(1)))
            return n, lambda i: inner(gast.BinOp(left=last, op=gast.Sub(), right=i))
        if self._static_call(it, range):
            seq = self.exprs.atom(it)
            return self._len_call(seq), lambda i: self._subscript(seq, i)
        seq = self._sequence(it)
        if isinstance(it, gast.Name) and (it.id in self.cx.params or it.id in _bound_to_dicts(self.cx.fdef)):
            self._not_a_dict_check(seq, it.id)  # an argument, or a local bound to a dict somewhere
        if isinstance(seq, gast.Name) and seq.id in rebound:
            copy_ = self.names.temp()
            self.cx.emit(S.assign(copy_, seq))
            seq = S.name(copy_)
        return self._len_call(seq), lambda i: self._subscript(seq, i)

    def _not_a_dict_check(self, seq: Any, name: str) -> None:
        """``_tl.not_a_dict(p, message)`` before iterating parameter ``p`` by index: a dict would
        give its values where Python gives its keys (dicts are not iterated yet)."""
        where = f"{self.cx.src.filename}:{self.cx.lineno}" if self.cx.lineno else self.cx.src.filename
        message = (f"{where}: iterating the dict '{name}' ('for k in {name}') is not supported yet; "
                   f"iterate its keys as a list: 'for k in list({name}):'")
        func = S.attribute(S.name(self.cx.aliases["_tl"]), "not_a_dict")
        call = gast.Call(func=func, args=[S.deepcopy(seq), S.const(message)], keywords=[])
        set_anno(call, Key.CALLEE, runtime.not_a_dict)
        self.cx.env.setdefault(self.cx.aliases["_tl"], runtime)
        self.cx.emit(gast.Expr(value=call))

    def _enumerate_start(self, it: Any) -> Any:
        """The ``start`` of ``enumerate(xs, start)`` / ``enumerate(xs, start=k)``, else None."""
        if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id not in self.cx.locals
                and self.names.resolve_free(it.func.id) is enumerate and len(it.args) in (1, 2)):
            return None
        if len(it.args) == 2 and not it.keywords:
            return it.args[1]
        if len(it.args) == 1 and len(it.keywords) == 1 and it.keywords[0].arg == "start":
            return it.keywords[0].value
        return None

    def _emit_for(self, node: Any, target: Any, range_obj: Any, element: Optional[Callable[[Any], Any]]) -> Any:
        if element is not None:  # iterate an index, bind the user's target from it
            index = self.cx.namer.temp("_i")
            self.cx.locals.add(index)
            loop_target, user_target = S.name(index, store=True), target
        elif isinstance(target, gast.Name) and self.cx.store_counts.get(target.id, 0) <= 1:
            loop_target, user_target = target, None  # the variable only this loop assigns: it is the index
        elif isinstance(target, gast.Name):
            # assigned elsewhere too (before the loop, in its body): a fresh index, and the variable
            # bound from it at the start of each iteration, so the reverse sweep undoes each binding
            index = self.cx.namer.temp("_i")
            self.cx.locals.add(index)
            loop_target, user_target = S.name(index, store=True), target
            element = lambda i: S.name(i.id)  # noqa: E731
        else:  # for a, b in range(...) cannot happen; a tuple over a range object
            index = self.cx.namer.temp("_i")
            self.cx.locals.add(index)
            loop_target, user_target = S.name(index, store=True), target
            element = lambda i: S.name(i.id)  # noqa: E731
        self.cx.nonssa.add(loop_target.id)
        self.cx.locals.add(loop_target.id)
        loop_var = self.names.target(loop_target.id)
        saved, self.cx.out = self.cx.out, []
        if user_target is not None:
            self.assign.bind_target(user_target, element(S.name(loop_var)), node)
        line = self.cx.lineno
        self.cx.out.extend(self.stmts.block(node.body))
        self.cx.lineno = line
        body, self.cx.out = self.cx.out, saved
        loop = gast.For(target=S.name(loop_var, store=True), iter=range_obj, body=body or [gast.Pass()],
                        orelse=[], type_comment=None)
        set_anno(loop, Key.LOOP_KIND, "range")
        self.cx.emit(loop)
        return loop

    def _is_range_call(self, node: Any) -> bool:
        return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id not in self.cx.locals and self.names.resolve_free(node.func.id) is range

    def _sequence(self, node: Any) -> Any:
        """An indexable atom for an iterable: arrays, lists and tuples as they are,
        anything a call returns (``d.items()``, a generator) through ``list``."""
        value = self.exprs.atom(node)
        if isinstance(node, gast.Call) and not self._returns_sequence(node):
            return self._builtin_atom("list", [value])
        return value

    def _returns_sequence(self, node: Any) -> bool:
        dotted = S.dotted_name(node.func)
        if dotted is None or dotted.split(".")[0] in self.cx.locals:
            return False
        obj = self.names.resolve_free(dotted.split(".")[0])
        for part in dotted.split(".")[1:]:
            obj = getattr(obj, part, None)
        return obj in (list, tuple) or str(getattr(obj, "__module__", None) or "").startswith("numpy")

    def _len_call(self, seq: Any) -> Any:
        return self._builtin_atom("len", [seq])

    def _builtin_atom(self, fname: str, args: List[Any]) -> Any:
        """``_t = <builtin>(args)`` emitted as it is (the call is not lowered again: its name is
        not looked up in the user's namespace, where a module-level ``len`` may be another
        function); returns the temporary."""
        t = self.names.temp()
        self.cx.emit(S.assign(t, self._builtin_call(fname, args)))
        return S.name(t)

    def _builtin_call(self, fname: str, args: List[Any]) -> Any:
        obj = getattr(builtins, fname)
        alias = self.cx.aliases[fname]  # fname itself unless the user's code shadows it
        self.cx.env[alias] = obj
        func = S.name(alias)
        set_anno(func, Key.CALLEE, obj)
        out = S.call(func, args)
        set_anno(out, Key.CALLEE, obj)
        return out

    def _subscript(self, seq: Any, index: Any) -> Any:
        out = gast.Subscript(value=seq, slice=index, ctx=gast.Load())
        set_anno(out, Key.CALLEE, operator.getitem)
        return out


_RESIZING = frozenset({"append", "extend", "insert", "pop", "remove", "clear"})


def _bound_to_dicts(fdef: Any) -> Set[str]:
    """Local names the function binds to a dict somewhere (a display, a comprehension, ``dict(...)``,
    a merge ``d | e``): ``for k in d`` over one must be refused (its loop would read values, not keys)."""
    out: Set[str] = set()
    for node in S.walk(fdef):
        targets = node.targets if isinstance(node, gast.Assign) else [node.target] \
            if isinstance(node, (gast.AnnAssign, gast.NamedExpr)) else []
        value = getattr(node, "value", None)
        dictish = isinstance(value, (gast.Dict, gast.DictComp)) \
            or isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and value.func.id == "dict" \
            or isinstance(value, gast.BinOp) and isinstance(value.op, gast.BitOr) \
            and isinstance(value.left, (gast.Dict, gast.Name))
        out.update(t.id for t in targets if dictish and isinstance(t, gast.Name))
    return out


def _grown_while_iterated(node: Any) -> Optional[Tuple[str, str, int]]:
    """(name, what, line) when ``for ... in L`` (or ``enumerate(L)``, ``zip(L, ...)``) runs a body that
    changes ``L`` in place as a whole: ``L.append(v)``, ``L += [...]`` (an array's ``+=`` too), ``del L[i]``,
    ``L[i:j] = ...``.  (``L[i] = v`` is read as it happens: the loop reads ``L[i]`` each time.)"""
    names = [a.id for a in (node.iter.args if isinstance(node.iter, gast.Call) and isinstance(node.iter.func, gast.Name)
                            and node.iter.func.id in ("enumerate", "zip") else [node.iter])
             if isinstance(a, gast.Name)]
    for st in node.body:
        for n in S.walk(st):
            what = None
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr in _RESIZING \
                    and isinstance(n.func.value, gast.Name) and n.func.value.id in names:
                what, name = f"{n.func.value.id}.{n.func.attr}(...)", n.func.value.id
            elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name) and n.target.id in names \
                    and isinstance(n.op, (gast.Add, gast.Mult)):
                what, name = f"{n.target.id} {'+' if isinstance(n.op, gast.Add) else '*'}= ...", n.target.id
            elif isinstance(n, gast.Delete):
                hit = [t.value.id for t in n.targets if isinstance(t, gast.Subscript)
                       and isinstance(t.value, gast.Name) and t.value.id in names]
                if hit:
                    what, name = f"del {hit[0]}[...]", hit[0]
            elif isinstance(n, gast.Assign):
                hit = [t.value.id for t in n.targets if isinstance(t, gast.Subscript)
                       and isinstance(t.slice, gast.Slice) and isinstance(t.value, gast.Name) and t.value.id in names]
                if hit:
                    what, name = f"{hit[0]}[...:...] = ...", hit[0]
            if what is not None:
                return name, what, getattr(n, "lineno", None) or getattr(st, "lineno", 0)
    return None
