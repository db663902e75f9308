"""The rule registry: which callables are primitives and how to differentiate them.

Rules are registered per argument, as small executable functions::

    @defjvp(np.sin)
    def sin_jvp(x_dot, ans, x):
        return x_dot * np.cos(x)

    @defvjp(np.multiply, argnum=1)
    def multiply_vjp_y(g, ans, x, y):
        return _tl.unbroadcast(g * x, y)

The parameters after the seed (``x_dot`` / ``g``) and ``ans`` are the primal
callable's parameters, with its defaults; call sites are bound to them by name.
A JVP rule whose result may have a smaller shape than ``ans`` (``x_dot`` itself
for ``x + y``) is registered with ``broadcast=True`` so the compiler broadcasts it
when it is the only contribution.
"""

from __future__ import annotations

import hashlib
import inspect
import numbers
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Union

from ..errors import RuleError
from .template import Template, parse_template

ArgRef = Union[int, str]


@dataclass
class Rule:
    fn: Callable  # the rule function
    argnum: int
    broadcast: bool = False
    _template: Optional[Template] = None

    @property
    def template(self) -> Template:
        """The parsed rule (built-in tables are parsed on first use, to keep imports fast)."""
        if self._template is None:
            self._template = parse_template(self.fn)
        return self._template

    @property
    def builtin(self) -> bool:
        return str(getattr(self.fn, "__module__", "")).startswith("tangent_lite.")


@dataclass
class Primitive:
    """A callable with derivative rules (or declared non-differentiable)."""

    fn: Any
    name: str
    params: List[str] = field(default_factory=list)  # primal parameter names, in order
    jvps: Dict[int, Rule] = field(default_factory=dict)
    vjps: Dict[int, Rule] = field(default_factory=dict)
    nondiff: bool = False
    constant_params: Set[str] = field(default_factory=set)  # read for their shape/value only
    linear: bool = False  # jointly linear: the tangent is the function of the tangents (see Registry.linear)

    def argnum(self, ref: ArgRef) -> int:
        if isinstance(ref, int):
            return ref
        if ref not in self.params:
            raise RuleError(f"{self.name} has no parameter '{ref}' (parameters: {self.params})")
        return self.params.index(ref)


def _check_argnum(who: str, fn: Any, argnum: Any, seeds: str) -> None:
    """``argnum`` is an index or a parameter name; autograd's ``defvjp(fun, vjp_fun)`` (a rule
    where the argument goes) is refused, not taken for an argument and ignored."""
    if isinstance(argnum, (str, numbers.Integral)) and not isinstance(argnum, bool):
        return
    name = getattr(fn, "__name__", "fn")
    try:
        params = ", ".join(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        params = "x"
    if callable(argnum):
        raise TypeError(
            f"tl.{who}({name}, {getattr(argnum, '__name__', 'rule')}): the second argument is the argument "
            f"the rule is for (an index or a parameter name), not the rule (autograd's spelling); tangent_lite "
            f"spells it as a decorator, one rule per argument:\n    @tl.{who}({name}, argnum=0)\n"
            f"    def {name}_{who[3:]}_0({seeds}, {params}): ...")
    raise TypeError(f"tl.{who}(..., argnum={argnum!r}): argnum is an argument's index (an int) or a parameter "
                    f"name (a str), not a {type(argnum).__name__}; register one rule per argument")


def _object_first(fn: Any, params: List[str], rule_fn: Callable, kind: str) -> None:
    """A rule for a method (``Model.loss``, called as ``model.loss(x)``) takes the object too: refuse
    one written without it, whose arguments would not match the call's."""
    try:
        own = list(inspect.signature(fn).parameters) if inspect.isfunction(fn) else []
    except (TypeError, ValueError):  # pragma: no cover - a Python function has a signature
        return
    if own[:1] in (["self"], ["cls"]) and params == own[1:]:
        seed = "g" if kind == "vjp" else f"{params[0] if params else 'x'}_dot"
        raise RuleError(f"rule '{rule_fn.__name__}' for the method '{fn.__qualname__}' leaves out its first parameter "
                        f"'{own[0]}': a rule takes all the parameters of the function, the object first "
                        f"(def {rule_fn.__name__}({seed}, ans, {', '.join(own)}))")


class Registry:
    """Maps callables (by identity) to their :class:`Primitive`."""

    def __init__(self) -> None:
        self._prims: Dict[int, Primitive] = {}
        # methods bound to an object (scipy.stats.norm.pdf): a new object at every access, found
        # by (the object, the function) instead
        self._methods: Dict[Any, Primitive] = {}
        self._keep: List[Any] = []  # keep registered objects alive so ids stay unique
        self._fingerprint: Optional[str] = None
        # bumped by every registration: generated code made before a change is checked again
        self.generation = 0

    # -- lookup ------------------------------------------------------------------
    def get(self, fn: Any) -> Optional[Primitive]:
        prim = self._prims.get(id(fn))
        if prim is None and isinstance(fn, types.MethodType):
            return self._methods.get(_method_key(fn))
        return prim

    def __contains__(self, fn: Any) -> bool:
        return self.get(fn) is not None

    def __iter__(self) -> Iterator[Primitive]:
        return iter(sorted(self._prims.values(), key=lambda p: p.name))

    # -- registration ------------------------------------------------------------
    def _prim(self, fn: Any, name: Optional[str] = None) -> Primitive:
        prim = self.get(fn)
        if prim is None:
            prim = Primitive(fn, name or qualified_name(fn))
            self._prims[id(fn)] = prim
            self._keep.append(fn)
            if isinstance(fn, types.MethodType):
                self._methods[_method_key(fn)] = prim
        self._fingerprint = None
        self.generation += 1
        return prim

    def _add(self, fn: Any, argnum: ArgRef, rule_fn: Callable, kind: str, broadcast: bool,
             name: Optional[str]) -> Callable:
        rule = Rule(rule_fn, 0, broadcast)
        if not rule.builtin:
            rule.template  # noqa: B018  (a user's rule is checked when it is registered)
        all_params = [p.name for p in inspect.signature(rule_fn).parameters.values()]
        if len(all_params) < 2:
            raise RuleError(f"rule '{rule_fn.__name__}' must take (seed, ans, *primal_args)")
        prim = self._prim(fn, name)
        params = all_params[2:]
        if not rule.builtin:
            _object_first(fn, params, rule_fn, kind)
        if prim.params and prim.params != params:
            raise RuleError(
                f"rule '{rule_fn.__name__}' for {prim.name} has primal parameters {params}, "
                f"but earlier rules used {prim.params}"
            )
        prim.params = params
        index = prim.argnum(argnum)
        if index >= len(params):
            raise RuleError(f"rule '{rule_fn.__name__}': argnum {argnum} out of range for {params}")
        prim.nondiff = False
        table = prim.jvps if kind == "jvp" else prim.vjps
        if rule.builtin and index in table and table[index].builtin:
            raise RuleError(f"{prim.name} has two built-in {kind} rules for argument {params[index]!r}: "
                            f"'{table[index].fn.__name__}' and '{rule_fn.__name__}'")
        rule.argnum = index
        table[index] = rule
        return rule_fn

    def defjvp(self, fn: Any, argnum: ArgRef = 0, *, broadcast: bool = False,
               name: Optional[str] = None) -> Callable[[Callable], Callable]:
        """Register a forward-mode (JVP) rule for one argument of ``fn``, as a decorator.

        The rule takes the argument's tangent, the output ``ans`` and ``fn``'s parameters by
        name, and returns that argument's contribution to the output tangent
        (docs/custom-rules.md has the conventions).

        Args:
            fn: The function (primitive) the rule is for.
            argnum: The argument: an index or a parameter name.
            broadcast: The returned tangent may be smaller than ``ans`` (it broadcasts).
            name: The primitive's name in messages (default: its qualified name).

        Returns:
            The decorator, which registers the rule and returns it unchanged.

        Example:
            ```python
            @tl.defjvp(math.atan2, argnum="y")
            def atan2_jvp_y(y_dot, ans, y, x):
                return y_dot * x / (x * x + y * y)
            ```
        """
        _check_argnum("defjvp", fn, argnum, "x_dot, ans")
        def register(rule_fn: Callable) -> Callable:
            return self._add(fn, argnum, rule_fn, "jvp", broadcast, name)
        return register

    def defvjp(self, fn: Any, argnum: ArgRef = 0, *, name: Optional[str] = None) -> Callable[[Callable], Callable]:
        """Register a reverse-mode (VJP) rule for one argument of ``fn``, as a decorator.

        The rule takes the output's cotangent ``g``, the output ``ans`` and ``fn``'s
        parameters by name, and returns the cotangent of that argument, shaped like it
        (docs/custom-rules.md has the conventions).

        Args:
            fn: The function (primitive) the rule is for.
            argnum: The argument: an index or a parameter name.
            name: The primitive's name in messages (default: its qualified name).

        Returns:
            The decorator, which registers the rule and returns it unchanged.

        Example:
            ```python
            @tl.defvjp(math.atan2, argnum="y")
            def atan2_vjp_y(g, ans, y, x):
                return g * x / (x * x + y * y)
            ```
        """
        _check_argnum("defvjp", fn, argnum, "g, ans")
        def register(rule_fn: Callable) -> Callable:
            return self._add(fn, argnum, rule_fn, "vjp", False, name)
        return register

    def nondifferentiable(self, *fns: Any, name: Optional[str] = None) -> None:
        """Declare functions whose results carry no derivative (their rules, if any, go):
        ``tl.nondifferentiable(np.argmax)``.

        Args:
            *fns: The functions.
            name: The name in messages, for a single function (default: its qualified name).
        """
        for fn in fns:
            prim = self._prim(fn, name)
            prim.nondiff = True
            prim.jvps.clear()
            prim.vjps.clear()

    def constant_params(self, fn: Any, *params: str) -> None:
        """Declare parameters of ``fn`` that carry no derivative (shapes, axes, masks):
        derivatives never flow through them, so they need no rules."""
        self._prim(fn).constant_params.update(params)

    def linear(self, *fns: Any) -> None:
        """Declare functions jointly linear in their differentiable arguments, such as
        ``append(lst, item)``: with several arguments active, forward mode writes one call on the
        tangents (``append(lst_dot, item_dot)``) instead of adding one term per argument, each
        padded with zeros the size of the others. Their per-argument rules are still needed."""
        for fn in fns:
            self._prim(fn).linear = True

    def same_rules(self, fn: Any, like: Any) -> None:
        """Give ``fn`` the rules of ``like``, a primitive with the same parameters and the same
        derivatives (e.g. two spellings of one write that differ only in the dtype of the result)."""
        source = self.get(like)
        if source is None or not (source.jvps or source.vjps):
            raise RuleError(f"{qualified_name(like)} has no rules to share with {qualified_name(fn)}")
        prim = self._prim(fn)
        prim.params = list(source.params)
        prim.jvps.update(source.jvps)
        prim.vjps.update(source.vjps)
        prim.constant_params.update(source.constant_params)
        prim.nondiff = False

    def fingerprint(self) -> str:
        """A hash of every rule's source: part of every cache key."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            for prim in self:
                h.update(prim.name.encode())
                h.update(b"nondiff" if prim.nondiff else b"")
                h.update(",".join(sorted(prim.constant_params)).encode())
                for kind, table in (("jvp", prim.jvps), ("vjp", prim.vjps)):
                    for argnum in sorted(table):
                        rule = table[argnum]
                        h.update(f"{kind}{argnum}{rule.broadcast}{rule.fn.__module__}.{rule.fn.__qualname__}".encode())
                        if not rule.builtin:  # built-in tables are covered by the code fingerprint
                            h.update(rule.template.text.encode())
            self._fingerprint = h.hexdigest()[:16]
        return self._fingerprint


def _method_key(method: Any) -> Any:
    """What a bound method is registered under: its object and its function (both kept alive); for one of
    SciPy's named distributions, its class (a frozen ``st.norm(0, 1)`` holds a new ``norm_gen``; not
    ``rv_histogram`` or ``rv_discrete(values=...)``, whose objects of one class differ)."""
    owner = method.__self__
    named = is_distribution(owner) and type(owner).__name__.endswith("_gen")
    return (id(type(owner) if named else owner), id(method.__func__))


def is_distribution(obj: Any) -> bool:
    """A ``scipy.stats`` distribution object (``st.norm``, ``st.multivariate_normal``, a frozen one)."""
    return type(obj).__module__.startswith("scipy.stats.") and hasattr(obj, "rvs")


def qualified_name(fn: Any) -> str:
    mod = getattr(fn, "__module__", None) or ""
    if isinstance(fn, type(inspect)):  # a module
        return fn.__name__
    qual = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    if mod in ("builtins", "_operator"):
        mod = "builtins" if mod == "builtins" else "operator"
    if type(fn).__name__ == "ufunc":
        mod = "numpy"
    if mod.startswith("numpy"):
        mod = next((sub for sub in ("numpy.linalg", "numpy.fft") if mod.startswith(sub)), "numpy")
    return f"{mod}.{qual}" if mod else qual


REGISTRY = Registry()
defjvp = REGISTRY.defjvp
defvjp = REGISTRY.defvjp
nondifferentiable = REGISTRY.nondifferentiable
constant_params = REGISTRY.constant_params
same_rules = REGISTRY.same_rules
linear = REGISTRY.linear
