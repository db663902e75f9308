"""Inlining of the functions the function calls that are not primitives: nested defs
and lambdas (also when a branch chooses between several defs), and module-level functions that
receive functions as arguments."""

from __future__ import annotations

import builtins
import types
from typing import Any, Callable, Dict, List

import numpy as np

from ... import syntax as S
from ...errors import TangentLiteError, UnsupportedConstructError
from ...syntax import gast
from ...syntax.annotations import Key, get_anno, set_anno
from ...syntax.reading import ForeignLine
from .. import fence, guards, jumps
from . import defaults
from .common import (
    _MISSING,
    _assigned_in_compound,
    _lookup_free,
    _opaque,
    _Rename,
    _stored_names,
    _Substitute,
    _touched_names,
)
from .state import Part

_MAX_NESTING = 16  # times a lambda or a helper taking functions may be inlined inside itself (then: recursion)


class Inliner(Part):
    """Inlining of the functions the function calls that are not primitives: nested defs
    and lambdas (also when a branch chooses between several defs), and module-level functions that
    receive functions as arguments."""

    def stmt_FunctionDef(self, node: Any) -> None:
        """A nested def is inlined where it is called (closures read the current values)."""
        if node.decorator_list:
            self.cx.error(UnsupportedConstructError, f"the decorated nested function '{_shown(node)}'", node,
                          "define the function at module level")
        self.freeze_defaults(node)
        variants = self.cx.def_variants.setdefault(node.name, [])
        if not variants and not self.cx.in_branch:
            self.cx.local_fns[node.name] = node  # one definition: inlined where it is called
            variants.append(node)
            return
        if node.name in self.cx.local_fns:
            self.cx.error(UnsupportedConstructError, f"the nested function '{_shown(node)}' is defined twice", node,
                          "give the second definition another name")
            return
        # defined in a branch: the name holds a tag saying which def ran
        variants.append(node)
        self.cx.local_fns.pop(node.name, None)
        self.cx.nonssa.add(node.name)
        self.cx.locals.add(node.name)
        self.cx.emit(S.assign(self.names.target(node.name), S.const(len(variants) - 1)))

    def call_variant(self, name: str, node: Any) -> Any:
        """A call to a nested def with several definitions: dispatch on the tag."""
        result = self.names.temp()
        self.cx.nonssa.add(result)
        tag = self.names.read(S.name(name))
        chain: List[Any] = []
        for k, fdef in reversed(list(enumerate(self.cx.def_variants[name]))):
            saved, self.cx.out = self.cx.out, []
            self.cx.emit(S.assign(result, self.inline_local(fdef, node)))
            body, self.cx.out = self.cx.out, saved
            if not chain:
                chain = body
                continue
            saved, self.cx.out = self.cx.out, []
            test = gast.Compare(left=S.deepcopy(tag), ops=[gast.Eq()], comparators=[S.const(k)])
            set_anno(test, Key.CALLEE, ("compare", "Eq"))
            c = S.name(self.names.temp())
            self.cx.emit(S.assign(c.id, test))
            self.cx.emit(gast.If(test=c, body=body, orelse=chain))
            chain, self.cx.out = self.cx.out, saved
        self.cx.out.extend(chain)
        return S.name(result)

    def is_function_value(self, node: Any) -> bool:
        """An argument that is a function: a lambda, a nested def, or a module-level function."""
        if isinstance(node, gast.Lambda):
            return True
        if isinstance(node, gast.Name) and node.id in self.cx.local_fns:
            return True
        dotted = S.dotted_name(node)
        if dotted is None or dotted.split(".")[0] in self.cx.locals:
            return False
        obj = self.names.resolve_free(dotted.split(".")[0])
        for part in dotted.split(".")[1:]:
            obj = getattr(obj, part, None)
        return callable(obj) and not isinstance(obj, type) and not isinstance(obj, type(np))

    def inline_global(self, fn: Callable, node: Any, reach: Any = None) -> Any:
        """Inline a module-level function that receives functions as arguments
        (``rk4_step(f, y, h)``): the function arguments are substituted into its body,
        its other names are resolved in its own module.  ``reach``: an expression reaching its ``__defaults__``."""
        try:
            src = S.load_function(fn)
            own = str(getattr(fn, "__module__", "")).startswith("tangent_lite")
            fence.check(src, inlined=not own, own=own)  # (own helpers, differentiated again, need rules)
        except TangentLiteError as exc:
            self.cx.errors.append(exc)
            return _opaque()
        fdef = S.deepcopy(src.node)
        fdef.name = fn.__name__
        fdef._tl_takes_functions = True  # (for the message if it is reached again while inlined)
        args = fdef.args
        params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
        values = dict(zip(params, node.args))
        values.update({k.arg: k.value for k in node.keywords})
        optional = defaults.optional_callables(fn)  # (def h(x, fn=None) called as h(x): inlined with None)
        function_args = {p: v for p, v in values.items()
                         if self.is_function_value(v) or (p in optional and defaults.is_none(v))}
        defaults.fold_known(fdef, {p: defaults.is_none(v) for p, v in function_args.items()})
        local = set(params) | _stored_names(fdef.body)
        foreign: Dict[str, str] = {}
        for n in S.walk(fdef):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id not in local \
                    and n.id not in foreign:
                theirs = _lookup_free(fn, n.id)
                # the caller's own name serves when it is the same binding: the same namespace,
                # a module (np) or a builtin (range); otherwise an alias bound to (and guarded in) the inlined
                # function's namespace, so that rebinding it there is seen (a helper's global
                # that the caller imported too: rebinding it in the helper's module)
                same_place = getattr(fn, "__globals__", None) is self.cx.fn.__globals__
                if theirs is _MISSING or (self.names.resolve_free(n.id, guard=False) is theirs
                                          and (same_place or isinstance(theirs, types.ModuleType)
                                               or theirs is getattr(builtins, n.id, _MISSING))):
                    foreign[n.id] = n.id
                else:
                    alias = self.cx.namer.fresh(f"{_prefix(fn.__name__)}_{n.id}")
                    self.cx.foreign[alias] = theirs
                    self.cx.foreign_sources[alias] = (fn.__module__, n.id)
                    foreign[n.id] = alias
                    reached = self.names.path_of(S.dotted_name(node.func) or "")
                    cell = n.id in fn.__code__.co_freevars
                    if reached is not None:  # the name, in the namespace of the function inlined
                        path = (reached[0], reached[1], reached[2] + (("<cell>" if cell else "<global>") + n.id,))
                        self.cx.foreign_paths[alias] = path
                        self.names.guarded(path, theirs)
                        if cell:  # (a decorator's wrapper calling fn): bound through the same path
                            self.cx.foreign_sources[alias] = guards.PATH_SOURCE, guards.path_source(path)
                    elif cell:
                        self.cx.error(UnsupportedConstructError,
                                      f"'{fn.__name__}' reads '{n.id}' from its closure and is not reached by a "
                                      "name the generated code can look up again", node,
                                      f"call '{fn.__name__}' through a module-level name")
                        return _opaque()
                    else:
                        self.cx.unguarded = True
        _Rename({k: v for k, v in foreign.items() if k != v}).visit(fdef)
        # a lambda passed in reads the caller's names: the helper's own names that a lambda
        # reads are renamed first, or the lambda would read the helper's variable instead
        captured = (_free_names(function_args.values()) & local) - set(function_args)
        own = {n: self.cx.namer.fresh(f"{_prefix(fn.__name__)}_{n}") for n in sorted(captured)}
        _Rename(own).visit(fdef)
        _Substitute(function_args).visit(fdef)
        positional = [a.id for a in args.posonlyargs + args.args]
        # the defaults Python bound (their source expressions were evaluated once, at the def)
        bound = defaults.bound_values(self, fn, reach, node) if reach is not None else {}
        pairs = zip(positional[len(positional) - len(args.defaults):], args.defaults)  # (aligned from the end)
        args.defaults = [bound.get(p, d) for p, d in pairs if p not in function_args]
        args.posonlyargs, args.args = [], [a for a in args.posonlyargs + args.args if a.id not in function_args]
        kept = [(a, bound.get(a.id, d) if d is not None else None) for a, d in zip(args.kwonlyargs, args.kw_defaults)
                if a.id not in function_args]
        args.kwonlyargs, args.kw_defaults = [a for a, _ in kept], [d for _, d in kept]
        rest = [a for i, a in enumerate(node.args) if not (
            positional[i] in function_args if i < len(positional) else self.is_function_value(a))]
        kw = [gast.keyword(arg=own.get(k.arg, k.arg), value=k.value) for k in node.keywords
              if k.arg not in function_args]
        src.inlined_at(fdef, getattr(node, "lineno", None) or self.cx.lineno)  # (errors name the helper's line)
        call = gast.Call(func=S.name(fdef.name), args=rest, keywords=kw)
        return self.inline_local(fdef, call)

    def freeze_defaults(self, fdef: Any) -> None:
        """Python evaluates a nested def's (or lambda's) default values where it is defined
        (``lambda z, k=k: z * k`` keeps the k of that moment): evaluate them here, into
        temporaries that a later rebinding of ``k`` does not change, for :meth:`inline_local`."""
        args = fdef.args
        params = [a.id for a in args.posonlyargs + args.args]
        exprs = list(zip(params[len(params) - len(args.defaults):], args.defaults))
        exprs += [(a.id, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        frozen: Dict[str, Any] = {}
        for p, expr in exprs:
            atom = self.exprs.atom(S.deepcopy(expr))
            if isinstance(atom, gast.Name) and get_anno(atom, Key.CALLEE, _MISSING) is _MISSING:
                t = self.names.temp()
                self.cx.emit(S.assign(t, atom))
                atom = S.name(t)
            frozen[p] = atom
        self.cx.frozen_defaults[id(fdef)] = frozen

    def bind_packed(self, fdef: Any, args: Any, node: Any) -> Any:
        """The lowered atoms the parameters of ``fdef`` take in the call ``node``: ``*args``
        gets a tuple of the extra positional arguments, ``**kwargs`` a dict of the extra
        keywords, and ``*xs`` / ``**kw`` in the call are spread when their items are known."""
        params = [a.id for a in args.posonlyargs + args.args]
        kwonly = [a.id for a in args.kwonlyargs]
        positional = self.unpack.spread(node.args)
        keywords = self.unpack.spread_keywords(node.keywords)
        if any(isinstance(a, gast.Starred) for a in positional) or any(k.arg is None for k in keywords):
            self.cx.error(UnsupportedConstructError,
                          f"the call to '{_shown(fdef)}' unpacks a value ('*' or '**') whose length or keys are not "
                          "known when the code is generated" + self.unpack.why_unknown(node), node,
                          "unpack a tuple, list or dict built in the function and not changed after, "
                          "or pass the items explicitly")
            return None
        values: Dict[str, Any] = dict(zip(params, positional))
        extra = positional[len(params):]
        named = [k for k in keywords if k.arg in params or k.arg in kwonly]
        others = [k for k in keywords if not (k.arg in params or k.arg in kwonly)]
        if (extra and args.vararg is None) or (others and args.kwarg is None):
            self.cx.error(TangentLiteError, f"'{_shown(fdef)}' does not take "
                          + _describe_call(_shown(fdef), len(positional), [k.arg for k in keywords]), node,
                          "check the call against the parameters of the function")
            return None
        values.update({k.arg: k.value for k in named})
        for pack, value in ((args.vararg, gast.Tuple(elts=extra, ctx=gast.Load())),
                            (args.kwarg, gast.Dict(keys=[S.const(k.arg) for k in others],
                                                   values=[k.value for k in others]))):
            if pack is not None:
                t = self.names.temp()
                self.cx.emit(S.assign(t, value))
                self.unpack.note_packed(t, value)
                values[pack.id] = S.name(t)
        return values

    def inline_local(self, fdef: Any, node: Any) -> Any:
        """Inline a call to a nested def or lambda; returns the atom of its result."""
        # a nested def reached again while inlined calls itself; a lambda or a helper taking functions may be
        # reached again without recursion (compose(f, g) passing a lambda calling g to apply(h, x)), up to a depth
        nesting = self.cx.inlining.count(fdef.name)
        if nesting and (nesting >= _MAX_NESTING or not (
                fdef.name == "_lambda" or getattr(fdef, "_tl_takes_functions", False))):
            if getattr(fdef, "_tl_takes_functions", False):  # a module-level function, inlined (inline_global)
                self.cx.error(
                    UnsupportedConstructError,
                    f"'{fdef.name}' takes a function argument, so it is inlined where it is called, and it is "
                    "reached again while inlined (it calls itself, or a function passed to it calls it)", node,
                    f"pass '{fdef.name}' a function that does not call '{fdef.name}', or give the function it "
                    "needs as a module-level name instead of an argument")
                return _opaque()
            self.cx.error(UnsupportedConstructError, f"the nested function '{_shown(fdef)}' is recursive", node,
                          "make it a module-level function (recursion is supported there)")
            return _opaque()
        fd = S.deepcopy(fdef)
        jumps.lower_jumps(fd, self.cx.namer)
        args = fd.args
        params = [a.id for a in args.posonlyargs + args.args]
        kwonly = [a.id for a in args.kwonlyargs]
        packs = [a.id for a in (args.vararg, args.kwarg) if a is not None]
        values: Dict[str, Any] = {}
        lowered = packs or any(isinstance(a, gast.Starred) for a in node.args) \
            or any(k.arg is None for k in node.keywords)
        if lowered:  # *args / **kwargs, or f(*xs) / f(**kw): bind the lowered items
            values = self.bind_packed(fdef, fd.args, node)
            if values is None:
                return _opaque()
        else:
            for p, a in zip(params, node.args):
                values[p] = a
            for k in node.keywords:
                values[k.arg] = k.value
        if id(fdef) in self.cx.frozen_defaults:  # a nested def: its defaults were evaluated where it was defined
            defaults = {p: S.deepcopy(a) for p, a in self.cx.frozen_defaults[id(fdef)].items()}
        else:  # (module-level functions: the expressions, in the caller's terms, before renaming)
            defaults = dict(zip(params[len(params) - len(args.defaults):], S.deepcopy(args.defaults)))
            defaults.update({k: S.deepcopy(d) for k, d in zip(kwonly, args.kw_defaults) if d is not None})
        # the nested defs in its body are local to each call, like its variables: renamed per inlining,
        # so that inlining the function twice does not define them twice
        defs = [n for n in S.walk(fd) if isinstance(n, gast.FunctionDef) and n is not fd]
        local = set(params) | set(kwonly) | set(packs) | _stored_names(fd.body) | {d.name for d in defs}
        rename = {n: self.cx.namer.fresh(f"{_prefix(fd.name)}_{n}") for n in sorted(local)}
        self.cx.display_names.update({new: f"{n}' in '{fd.name}" for n, new in rename.items()})
        _Rename(rename).visit(fd)
        for d in defs:
            d._tl_shown, d.name = _shown(d), rename[d.name]
        for n, line in _touched_names(fd.body).items():
            self.cx.touched.setdefault(n, line)
        self.cx.locals |= set(rename.values())
        self.cx.nonssa |= {n for n in _assigned_in_compound(fd.body)}
        bound = []
        for p in params + kwonly + packs:
            if p in values:
                bound.append((p, values[p] if lowered else self.exprs.atom(values[p])))
            elif p in defaults:
                bound.append((p, self.exprs.atom(defaults[p])))
            else:
                self.cx.error(TangentLiteError, f"missing argument '{p}' in the call to '{_shown(fdef)}'", node,
                              f"pass '{p}' in the call")
                return _opaque()
        for p, atom in bound:
            target = self.names.target(rename[p])
            self.cx.emit(S.assign(target, atom))
            self.unpack.note_packed(target, atom, rename[p])
        self.cx.inlining.append(fdef.name)
        caller_line = self.cx.lineno
        try:  # still on the stack while the return value is lowered: it may call the function again
            body = fd.body
            ret = body[-1] if body and isinstance(body[-1], gast.Return) else None
            self.cx.out.extend(self.stmts.same_depth_block(body[:-1] if ret is not None else body))
            if ret is None or ret.value is None:
                return S.const(None)
            if isinstance(getattr(ret, "lineno", None), ForeignLine):  # a helper's return: errors name its line
                self.cx.lineno = ret.lineno  # (a nested def's keeps the caller's: the generated code's comments)
            if isinstance(ret.value, gast.Tuple):
                return self.exprs.atom(gast.Tuple(elts=ret.value.elts, ctx=gast.Load()))
            return self.exprs.atom(ret.value)
        finally:
            self.cx.inlining.pop()
            self.cx.lineno = caller_line  # (the rest of the caller's statement is on the caller's line)


def _shown(fdef: Any) -> str:
    """How messages name a nested def (its name in the source, before inlining renamed it)."""
    return getattr(fdef, "_tl_shown", fdef.name)


def _prefix(name: str) -> str:
    """The prefix of the names an inlined function's variables get (a lambda is '<lambda>')."""
    return name if name.isidentifier() else "_lambda"


def _describe_call(name: str, positional: int, keywords: List[str]) -> str:
    return f"{positional} positional argument(s)" + (f" and the keywords {', '.join(keywords)}" if keywords else "")


def _free_names(exprs: Any) -> set:
    """The names the expressions read, lambda parameters excepted (what a lambda passed as an
    argument reads from the caller)."""
    out: set = set()
    for expr in exprs:
        bound = {a.id for lam in S.walk(expr) if isinstance(lam, gast.Lambda)
                 for a in lam.args.posonlyargs + lam.args.args + lam.args.kwonlyargs}
        out |= S.loaded_names(expr) - bound
    return out
