"""The text rewrite of the Numba backend: generated module text in, Numba-ready text out.

The rewrite works on the generated module's text, after the pipeline (rank specialisation
has already removed the helpers scalars do not need), one function at a time::

    _tape = []                         _tape__x = []
    _tape.append(x)             ->     _tape__x.append(x)          one typed list per saved name
    x = _tape.pop()                    x = _tape__x.pop()
    for i in reversed(_t0):            for _nb_k0 in range(len(_t0) - 1, -1, -1):
                                           i = _tl_seq_item(_t0, _nb_k0)
    _tl.unbroadcast(g, x)              _tl_unbroadcast(g, x)       (tangent_lite.numba_runtime)

One tape per name keeps every list homogeneous (Numba types a list by its items); the pops
of one name come back in the reverse order of its pushes, as on the shared tape.  Where a
name is pushed once per iteration of an outer ``for`` loop and popped once per iteration of
its reverse loop, its tape is an array indexed by the iteration instead (:func:`array_tapes`),
and ``reversed(range(...))`` yields ``start + k * step`` (:func:`range_loops`): both are much
cheaper for Numba to compile than lists and range objects, and run at least as fast.  What it
cannot rewrite raises :class:`Unsupported`.
"""

from __future__ import annotations

import ast
from typing import Any, Dict, List, Optional, Set, Tuple

from .numba_tapes import (
    Unsupported,
    _call,
    _name,
    _pop_key,
    _push_key,
    _tape_call,
    array_tapes,
    push_after,
    pushed_keys,
    range_loops,
)


class _Rewrite(ast.NodeTransformer):
    """Split the tape per saved name, unroll ``reversed``, rename ``_tl.<helper>``; tapes of
    :func:`array_tapes` become indexed arrays, ranges of :func:`range_loops` are not indexed."""

    def __init__(self, keys: Dict[str, List[str]], helpers: Set[str], after: Set[str] = frozenset(),
                 arrays: Optional[Tuple[Dict[Tuple[str, str], str], Set[int]]] = None,
                 ranges: Optional[Dict[str, Tuple[Any, Any]]] = None):
        self.keys = keys
        self.after = after
        self.helpers = helpers
        self.arrays, self.forward_loops = arrays or ({}, set())
        self.ranges = ranges or {}
        self.used: Set[str] = set()
        self.count = 0
        self.loop_index: Dict[str, Tuple[str, str]] = {}  # SEQ -> (length, index) names of its forward loop
        self.in_forward: List[str] = []  # SEQ of the enclosing forward loops with array tapes
        self.rev_index: List[Tuple[str, str]] = []  # (SEQ, index name) of the enclosing reversed loops

    def split(self, tape: str, key: str) -> str:
        return f"{tape}__{key}"

    def visit_Expr(self, node: ast.Expr) -> Any:
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "not_a_dict" \
                and isinstance(call.func.value, ast.Name):
            return ast.copy_location(ast.Pass(), node)  # _tl.not_a_dict(x, ...): compiled code gets arrays, numbers
        tape = _tape_call(node.value, "append")
        if tape:
            arg = self.visit(node.value.args[0])
            key = _push_key(node.value.args[0])
            seq = self.arrays.get((tape, key))
            if seq is not None and self.in_forward and self.in_forward[-1] == seq:
                return [ast.copy_location(s, node) for s in self.array_push(self.split(tape, key), seq, arg)]
            call = ast.Call(func=ast.Attribute(value=_name(self.split(tape, key)), attr="append", ctx=ast.Load()),
                            args=[arg], keywords=[])
            return ast.copy_location(ast.Expr(value=call), node)
        return self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> Any:
        value = node.value
        if len(node.targets) == 1:
            target = node.targets[0]
            if _tl_call(value, "add_into") and isinstance(target, ast.Name) and len(value.args) == 2 \
                    and isinstance(value.args[0], ast.Name) and value.args[0].id == target.id:
                # x_bar = _tl.add_into(x_bar, c) -> x_bar += c (compiled loops are real-valued)
                aug = ast.AugAssign(target=_name(target.id, True), op=ast.Add(), value=value.args[1])
                return self.generic_visit(ast.copy_location(aug, node))
            tape = _tape_call(value, "pop")
            if tape and not value.args:
                key = _pop_key(target)
                split = self.split(tape, key)
                seq = self.arrays.get((tape, key))
                if seq is not None and self.rev_index and self.rev_index[-1][0] == seq:
                    k = _name(self.rev_index[-1][1])
                    if key in self.after:  # X's own value is at k; the previous one at k - 1 (if any)
                        prev = ast.BinOp(left=k, op=ast.Sub(), right=ast.Constant(1))
                        restore = ast.If(test=ast.Compare(left=_name(k.id), ops=[ast.Gt()],
                                                          comparators=[ast.Constant(0)]),
                                         body=[ast.Assign(targets=[self.visit(target)],
                                                          value=ast.Subscript(value=_name(split), slice=prev,
                                                                              ctx=ast.Load()))],
                                         orelse=[])
                        return ast.copy_location(restore, node)
                    return ast.copy_location(ast.Assign(targets=[self.visit(target)],
                                                        value=ast.Subscript(value=_name(split), slice=k,
                                                                            ctx=ast.Load())), node)
                pop = ast.Call(func=ast.Attribute(value=_name(split), attr="pop", ctx=ast.Load()),
                               args=[], keywords=[])
                if key in self.after:  # drop X's own value; the previous one is the new top (if any)
                    top = ast.Subscript(value=_name(split), slice=ast.Constant(-1), ctx=ast.Load())
                    size = ast.Compare(left=_call("len", [_name(split)]), ops=[ast.Gt()],
                                       comparators=[ast.Constant(0)])
                    restore = ast.If(test=size, body=[ast.Assign(targets=[self.visit(target)], value=top)],
                                     orelse=[])
                    return [ast.copy_location(ast.Expr(value=pop), node), ast.copy_location(restore, node)]
                return ast.copy_location(ast.Assign(targets=[self.visit(target)], value=pop), node)
            if isinstance(target, ast.Name) and target.id in self.ranges and isinstance(value, ast.Call) \
                    and isinstance(value.func, ast.Name) and value.func.id == "range":  # copy start and step
                args = value.args
                copies = [ast.Assign(targets=[_name(f"{target.id}__nb_{what}", True)], value=arg)
                          for what, arg in (("start", args[0] if len(args) > 1 else None),
                                            ("step", args[2] if len(args) > 2 else None))
                          if isinstance(arg, ast.Name)]
                return [ast.copy_location(c, node) for c in copies] + [self.generic_visit(node)]
            if isinstance(target, ast.Name) and target.id in self.keys:
                tape = target.id
                if isinstance(value, ast.List) and not value.elts:  # _tape = [] (arrays: made at the first push)
                    return [ast.copy_location(ast.Assign(targets=[_name(self.split(tape, k), True)],
                                                         value=ast.List(elts=[], ctx=ast.Load())), node)
                            for k in self.keys[tape] if (tape, k) not in self.arrays]
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr == "copied":  # _tape = _tl.copied(_tape)
                    self.used.add("copied")
                    return [ast.copy_location(ast.Assign(targets=[_name(self.split(tape, k), True)],
                                                         value=_call("_tl_copied", [_name(self.split(tape, k))])),
                                              node) for k in self.keys[tape]]
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        """``x ** 2`` -> ``x * x``: the value Numba computes for it anyway, without compiling its
        integer-power routine (about 0.25 s, once per process)."""
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and isinstance(node.left, ast.Name) and isinstance(node.right, ast.Constant) \
                and type(node.right.value) is int and node.right.value == 2:
            return ast.copy_location(ast.BinOp(left=node.left, op=ast.Mult(), right=_name(node.left.id)), node)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        elts = []
        for e in node.elts:
            if isinstance(e, ast.Name) and e.id in self.keys:  # residuals carry every split tape
                elts.extend(_name(self.split(e.id, k), isinstance(node.ctx, ast.Store)) for k in self.keys[e.id])
            else:
                elts.append(self.visit(e))
        node.elts = elts
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id.startswith("_tape") and node.id in self.keys or node.id == "reversed":
            raise Unsupported(f"'{node.id}' used outside a push, pop or residual tuple")
        return node

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if isinstance(node.value, ast.Name) and node.value.id == "_tl":
            if node.attr not in self.helpers:
                raise Unsupported(f"the runtime helper _tl.{node.attr}")
            self.used.add(node.attr)
            return ast.copy_location(_name(f"_tl_{node.attr}"), node)
        return self.generic_visit(node)

    def array_push(self, split: str, seq: str, arg: Any) -> List[Any]:
        """``split[i] = arg`` in the forward loop over ``seq``, the tape made at ``i == 0``."""
        n, i = self.loop_index[seq]
        out: List[Any] = []
        if not isinstance(arg, (ast.Name, ast.Constant)):  # evaluate it once
            v = f"_nb_v{self.count}"
            self.count += 1
            out.append(ast.Assign(targets=[_name(v, True)], value=arg))
            arg = _name(v)
        self.used.add("tape_new")
        make = ast.Assign(targets=[_name(split, True)], value=_call("_tl_tape_new", [_name(n), arg]))
        out.append(ast.If(test=ast.Compare(left=_name(i), ops=[ast.Eq()], comparators=[ast.Constant(0)]),
                          body=[make], orelse=[]))
        out.append(ast.Assign(targets=[ast.Subscript(value=_name(split), slice=_name(i), ctx=ast.Store())],
                              value=arg))
        return out

    def visit_For(self, node: ast.For) -> Any:
        it = node.iter
        if id(node) in self.forward_loops:  # the forward loop of array tapes
            n, i = f"_nb_n{self.count}", f"_nb_i{self.count}"
            self.count += 1
            self.loop_index[it.id] = (n, i)
            self.in_forward.append(it.id)
            try:
                body = [out for b in node.body for out in _as_list(self.visit(b))]
            finally:
                self.in_forward.pop()
            body.append(ast.Assign(targets=[_name(i, True)],
                                   value=ast.BinOp(left=_name(i), op=ast.Add(), right=ast.Constant(1))))
            node.body = body
            node.orelse = [out for b in node.orelse for out in _as_list(self.visit(b))]
            head = [ast.Assign(targets=[_name(n, True)], value=_call("len", [_name(it.id)])),
                    ast.Assign(targets=[_name(i, True)], value=ast.Constant(0))]
            return [ast.copy_location(s, node) for s in head] + [node]
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed"
                and len(it.args) == 1):
            self.in_forward.append("")  # a push in a nested loop is not indexed by the outer loop
            try:
                return self.generic_visit(node)
            finally:
                self.in_forward.pop()
        seq, limit = it.args[0], None
        if isinstance(seq, ast.Subscript) and isinstance(seq.slice, ast.Slice) and seq.slice.lower is None \
                and seq.slice.step is None and seq.slice.upper is not None:  # reversed(seq[:count])
            seq, limit = seq.value, seq.slice.upper
        k, s = f"_nb_k{self.count}", f"_nb_seq{self.count}"
        self.count += 1
        rng = self.ranges.get(seq.id) if isinstance(seq, ast.Name) else None
        head: List[Any] = []
        if rng is None:
            self.used.add("seq_item")
            head.append(ast.Assign(targets=[_name(s, True)], value=self.visit(seq)))
            value: Any = _call("_tl_seq_item", [_name(s), _name(k)])
        else:  # range(start, stop, step)[k] == start + k * step
            s = seq.id
            start, step = rng
            value = _name(k)
            if not (isinstance(step, ast.Constant) and step.value == 1):
                value = ast.BinOp(left=value, op=ast.Mult(), right=step)
            if not (isinstance(start, ast.Constant) and start.value == 0):
                value = ast.BinOp(left=start, op=ast.Add(), right=value)
        size: Any = _call("len", [_name(s)])
        if limit is not None:
            size = _call("min", [self.visit(limit), size])
        first = ast.BinOp(left=size, op=ast.Sub(), right=ast.Constant(1))
        item = ast.Assign(targets=[node.target], value=value)
        self.rev_index.append((seq.id if isinstance(seq, ast.Name) and limit is None else "", k))
        try:
            body = [item] + [out for b in node.body for out in _as_list(self.visit(b))]
        finally:
            self.rev_index.pop()
        loop = ast.For(target=_name(k, True), iter=_call("range", [first, ast.Constant(-1), ast.Constant(-1)]),
                       body=body, orelse=[out for b in node.orelse for out in _as_list(self.visit(b))])
        return [ast.copy_location(h, node) for h in head] + [ast.copy_location(loop, node)]

    def visit_While(self, node: ast.While) -> Any:
        self.in_forward.append("")  # pushes in a while loop stay on lists
        self.rev_index.append(("", ""))
        try:
            return self.generic_visit(node)
        finally:
            self.in_forward.pop()
            self.rev_index.pop()


def rewrite(text: str, helpers: Set[str]) -> Tuple[str, List[str], Set[str]]:
    """Rewrite generated module text for Numba: (text, function names, runtime helpers used).

    Raises :class:`Unsupported` naming the first construct it cannot rewrite."""
    tree = ast.parse(text)
    fdefs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    by_name = {f.name: f for f in fdefs}
    used: Set[str] = set()
    after = {f.name: push_after(f) for f in fdefs}
    pushes = {f.name: pushed_keys(f) for f in fdefs}
    for fdef in fdefs:
        keys, moved = pushes[fdef.name], after[fdef.name]
        fwd = fdef.name.rsplit("_", 1)[0] + "_fwd"  # f_bwd, f_adjoints: the tapes f_fwd packed
        if fdef.args.args and fdef.args.args[0].arg == "_residuals" and fwd in by_name:
            keys, moved = pushes[fwd], after[fwd]
        for node in ast.walk(fdef):
            tape = _tape_call(node, "pop")
            if tape and tape not in keys:
                raise Unsupported(f"a pop from '{tape}' in '{fdef.name}' with no matching push")
        arrays = array_tapes(fdef) if keys is pushes[fdef.name] else None  # not for tapes from residuals
        rw = _Rewrite(keys, helpers, moved, arrays, range_loops(fdef))
        fdef.body = [out for stmt in fdef.body for out in _as_list(rw.visit(stmt))]
        used |= rw.used
    body = []
    for stmt in tree.body:  # the Python runtime is replaced by the Numba helpers
        if isinstance(stmt, ast.Import) and any(a.name == "tangent_lite.runtime" for a in stmt.names):
            continue
        body.append(stmt)
    tree.body = body
    for node in ast.walk(tree):  # positions of the statements made here
        if "lineno" in node._attributes and getattr(node, "lineno", None) is None:
            node.lineno = node.end_lineno = 1
            node.col_offset = node.end_col_offset = 0
    return ast.unparse(tree) + "\n", [f.name for f in fdefs], used


def _as_list(x: Any) -> List[Any]:
    return x if isinstance(x, list) else [x]


def _tl_call(value: Any, helper: str) -> bool:
    """Is ``value`` a call ``_tl.<helper>(...)``?"""
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == helper \
        and isinstance(value.func.value, ast.Name) and value.func.value.id == "_tl"
