"""Callables that only forward to a function, called inside a function being differentiated:
the call becomes a call of the function they forward to, spelled as a path from the name the
user wrote, so that its guard follows the object (rebinding the name, editing the method)::

    m.loss(x)    # a bound method of a module-level (or closure) object
                 # -> m.loss.__func__(m, x): the class's function, the object held as it is
    M.build(x)   # a classmethod -> M.build.__func__(M, x)
    cached(x)    # functools.lru_cache / functools.cache -> cached.__wrapped__(x)
    P(x)         # functools.partial(helper, 2.0, k=3.0) -> P.func(P.args[0], x, k=P.keywords["k"])

A cached function is called itself: its cache is neither read nor filled (for the pure functions
that are cached, the same values; a call with arrays would raise TypeError, unhashable, in Python
itself).  The bound arguments of a partial and the object of a method are read when the
derivative runs, as any module-level value is.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, List, Optional, Set, Tuple

from ... import syntax as S
from ...rules import distributions
from ...rules.registry import REGISTRY
from ...syntax import gast
from .common import _MISSING, is_tangent_lite_own


def forwarded(ex: Any, node: Any) -> Optional[Any]:
    """The call ``node`` (a call of a static dotted name) as a call of what its callee forwards to,
    not yet lowered; None when the callee is no such forwarder."""
    func = node.func
    if not isinstance(func, (gast.Name, gast.Attribute)) or not ex.is_static(func):
        return None
    dotted = S.dotted_name(func)
    if dotted is None or dotted.split(".")[0] in ex.cx.opaque or dotted.split(".")[0] in ex.cx.local_fns:
        return None
    obj = ex.namespaces._resolved(func)
    if REGISTRY.get(obj) is not None:  # rules registered on the wrapper itself: those
        return None
    step = _step(obj, func, ex.namespaces._resolved(func.value) if isinstance(func, gast.Attribute) else _MISSING)
    if step is None:
        return None
    new_func, lead, named, trail = step
    if _cache_wrapper(obj):
        node = _hashable_checked(ex, node, dotted)
    if isinstance(obj, functools.partial):  # its keywords dict can change in place: checked at every call
        where = f"{ex.cx.src.filename}:{ex.cx.lineno}" if ex.cx.lineno else ex.cx.src.filename
        keys = gast.Tuple(elts=[S.const(k) for k in obj.keywords], ctx=gast.Load())
        check = ex._tl_call("same_keys", [ex.atom(_attr(func, "keywords")), keys,
                                          S.const(f"{where}: the functools.partial '{dotted}'")])
        ex.cx.emit(gast.Expr(value=check))
    given = {k.arg for k in node.keywords if k.arg is not None}
    keywords = [gast.keyword(arg=k, value=v) for k, v in named if k not in given]
    out = gast.Call(func=new_func, args=lead + list(node.args) + trail, keywords=keywords + list(node.keywords))
    return gast.copy_location(out, node)


def frozen_call(ex: Any, node: Any) -> Optional[Any]:
    """``st.norm(m, s).logpdf(x)`` lowered as ``st.norm.logpdf(x, m, s)``: a distribution frozen where its
    method is called is that method with the frozen arguments appended (None: not such a call)."""
    func = node.func
    if not isinstance(func, gast.Attribute) or func.attr not in distributions.POINT_METHODS \
            or len(node.args) != 1 or isinstance(node.args[0], gast.Starred):
        return None
    if isinstance(func.value, gast.Name) and func.value.id in ex.cx.frozen_locals:  # d.logpdf(x), d frozen here
        maker, args, keywords = ex.cx.frozen_locals[func.value.id]
        method = gast.Attribute(value=S.deepcopy(maker), attr=func.attr, ctx=gast.Load())
        out = gast.Call(func=method, args=list(node.args) + [S.deepcopy(a) for a in args],
                        keywords=[gast.keyword(arg=k.arg, value=S.deepcopy(k.value)) for k in keywords]
                        + list(node.keywords))
        return ex.call(gast.copy_location(out, node))
    if not isinstance(func.value, gast.Call):
        return None
    maker = func.value
    if not isinstance(maker.func, (gast.Name, gast.Attribute)) or not ex.is_static(maker.func):
        return None
    dist = ex.namespaces._resolved(maker.func)
    if not distributions.is_distribution(dist) or distributions.is_frozen(dist):
        return None
    method = gast.Attribute(value=S.deepcopy(maker.func), attr=func.attr, ctx=gast.Load())
    out = gast.Call(func=method, args=list(node.args) + list(maker.args),
                    keywords=list(maker.keywords) + list(node.keywords))
    return ex.call(gast.copy_location(out, node))


def freeze_local(part: Any, name: str, value: Any) -> bool:
    """``d = st.norm(loc=m, scale=s)`` where ``d`` is assigned only there and read only as ``d.logpdf(x)``
    (and the other methods of one point): its arguments are copied into temporaries and ``d`` is not bound;
    :func:`frozen_call` lowers each ``d.logpdf(x)`` as ``st.norm.logpdf(x, loc=m_copy, scale=s_copy)``.
    False (nothing done) for any other assignment."""
    cx, ex = part.cx, part.exprs
    if cx.point_receivers is None:
        cx.point_receivers = _point_receivers(cx.fdef)
    if name not in cx.point_receivers or not isinstance(value, gast.Call) \
            or not isinstance(value.func, (gast.Name, gast.Attribute)) or not ex.is_static(value.func) \
            or cx.store_counts[name] != 1 or name in cx.params \
            or any(isinstance(a, gast.Starred) for a in value.args) or any(k.arg is None for k in value.keywords):
        return False
    dist = ex.namespaces._resolved(value.func)
    if not distributions.is_distribution(dist) or distributions.is_frozen(dist):
        return False

    def kept(atom: Any) -> Any:  # a copy: the name may be rebound before d.logpdf(x) reads it
        if isinstance(atom, gast.Constant):
            return atom
        t = part.names.temp()
        cx.emit(S.assign(t, atom))
        return S.name(t)
    args = [kept(ex.atom(a)) for a in value.args]
    keywords = [gast.keyword(arg=k.arg, value=kept(ex.atom(k.value))) for k in value.keywords]
    cx.frozen_locals[name] = (value.func, args, keywords)
    return True


def _point_receivers(fdef: Any) -> Set[str]:
    """The names ``fdef`` reads only as the receiver of a method of one point (``d`` in ``d.logpdf(x)``)."""
    receivers = {id(c.func.value) for c in S.walk(fdef) if isinstance(c, gast.Call)
                 and isinstance(c.func, gast.Attribute) and c.func.attr in distributions.POINT_METHODS
                 and len(c.args) == 1 and not isinstance(c.args[0], gast.Starred)}
    reads = [n for n in S.walk(fdef) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]
    return {n.id for n in reads if id(n) in receivers} - {n.id for n in reads if id(n) not in receivers}


def _hashable_checked(ex: Any, node: Any, dotted: str) -> Any:
    """``node`` with its arguments as atoms, after ``_tl.hashable_only(message, *arguments)``: the
    cache's own check (Python's TypeError for an array argument), which calling the function skips."""
    if any(isinstance(a, gast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return node
    args = [ex.atom(a) for a in node.args]
    keywords = [gast.keyword(arg=k.arg, value=ex.atom(k.value)) for k in node.keywords]
    where = f"{ex.cx.src.filename}:{ex.cx.lineno}" if ex.cx.lineno else ex.cx.src.filename
    message = f"{where}: '{dotted}' is cached with functools.lru_cache, whose arguments must be hashable"
    values = args + [k.value for k in keywords]
    check = ex._tl_call("hashable_only", [S.const(message)] + [S.deepcopy(a) for a in values])
    ex.cx.emit(gast.Expr(value=check))
    return gast.copy_location(gast.Call(func=node.func, args=args, keywords=keywords), node)


def _step(obj: Any, func: Any, owner: Any) -> Optional[Tuple[Any, List[Any], List[Tuple[str, Any]], List[Any]]]:
    """(the forwarded-to callee, the arguments it is given first, the keywords, the arguments it is given
    last) for one layer
    (``owner``: what the callee is an attribute of, if it is one)."""
    if obj is _MISSING:
        return None
    if inspect.ismethod(obj) and _forwards_to_python(obj.__func__) \
            and not distributions.is_distribution(obj.__self__):  # (st.laplace.logpdf: a primitive, by its rules)
        # the object: as written (m in m.loss) when it is the method's, else read from the method (Q.func.__self__)
        receiver = S.deepcopy(func.value) if owner is obj.__self__ else _attr(func, "__self__")
        return _attr(func, "__func__"), [receiver], [], []
    if inspect.ismethod(obj) and distributions.is_frozen(obj.__self__) and obj.__name__ in distributions.POINT_METHODS:
        # D.logpdf(x) for a frozen D = st.norm(0.0, 2.0): D.dist.logpdf(x, *D.args, **D.kwds)
        frozen = S.deepcopy(func.value) if owner is obj.__self__ else _attr(func, "__self__")
        args = [gast.Subscript(value=_attr(frozen, "args"), slice=S.const(i), ctx=gast.Load())
                for i in range(len(obj.__self__.args))]
        named = [(k, gast.Subscript(value=_attr(frozen, "kwds"), slice=S.const(k), ctx=gast.Load()))
                 for k in obj.__self__.kwds]
        return gast.Attribute(value=_attr(frozen, "dist"), attr=obj.__name__, ctx=gast.Load()), [], named, args
    if _cache_wrapper(obj):
        return _attr(func, "__wrapped__"), [], [], []
    if isinstance(obj, functools.partial) and not hasattr(obj, "_subject"):  # (not decorator._BoundMethod)
        args = [gast.Subscript(value=_attr(func, "args"), slice=S.const(i), ctx=gast.Load())
                for i in range(len(obj.args))]
        named = [(k, gast.Subscript(value=_attr(func, "keywords"), slice=S.const(k), ctx=gast.Load()))
                 for k in obj.keywords]
        return _attr(func, "func"), args, named, []
    return None


def _forwards_to_python(fn: Any) -> bool:
    """A method's function tangent_lite follows: a Python function of the user's (not one of
    tangent_lite's own, such as a ``@tl.differentiate`` wrapper's), or a cache of one."""
    if _cache_wrapper(fn):
        return True
    return inspect.isfunction(fn) and not is_tangent_lite_own(fn) and "__tl_inside__" not in vars(fn)


def _cache_wrapper(obj: Any) -> bool:
    """``functools.lru_cache`` / ``functools.cache`` of a Python function (a C wrapper)."""
    return hasattr(obj, "cache_info") and inspect.isfunction(getattr(obj, "__wrapped__", None)) \
        and not inspect.isfunction(obj)


def _attr(func: Any, name: str) -> Any:
    return gast.Attribute(value=S.deepcopy(func), attr=name, ctx=gast.Load())
