"""Differentiability checks: every active statement must have rules for its active
inputs (:func:`check_differentiable`, with the messages for calls without rules), and the
problems of a function the front end already refuses (:func:`rule_problems`)."""

from __future__ import annotations

import inspect
import types
from typing import Any, Dict, List, Optional, Sequence, Set

from .. import syntax as S
from ..errors import MultipleErrors, NoRuleError, TangentLiteError, UnsupportedConstructError, raise_all
from ..frontend.anf import NESTED_DERIVATIVE, Wengert, is_tangent_lite_own
from ..rules.complex import CONSTANT_FOR_REAL_ONLY, complex_verified
from ..rules.distributions import POINT_METHODS, is_distribution_method, name_of, with_rules
from ..rules.registry import REGISTRY, Registry, is_distribution
from ..syntax import gast
from . import contexts, guessed_containers, receivers, rule_hint, run_time_checks
from .activity import activity, varied_vars
from .callees import is_user_class
from .mutations import mutation_errors
from .outside_stores import store_after_read_errors
from .outside_writes import outside_write_errors
from .statements import Described, StmtInfo, assignments, describe_once, local_names

# the fix for a method on a value that carries derivatives, when it is a container's
_METHOD_FIXES = {
    "get": "read the item: d[key], or d[key] if key in d else default (d.get(key, default) is read so only "
           "when the keys of 'd' are known where it is called: a dict literal or **kwargs, with a constant key, "
           "that the function does not change)",
    **{method: f"a scipy.stats distribution frozen in a local variable (d = st.norm(loc=m, scale=s)) is followed "
               f"when the variable is assigned once and read only as d.{method}(x) ({', '.join(POINT_METHODS)}); "
               f"otherwise call the method with the parameters: st.norm.{method}(x, loc=m, scale=s)"
       for method in POINT_METHODS},
}


def check_differentiable(w: Wengert, active: Set[str], registry: Registry = REGISTRY,
                         mode: str = "vjp", wrt: Sequence[str] = (), varied: Optional[Set[str]] = None,
                         memo: Optional[Described] = None, ranks: Optional[Dict[str, Any]] = None) -> None:
    """Every active statement must have rules for its active inputs; report all that don't;
    and no in-place change may go unseen by derivatives through an alias (:mod:`aliases`).
    ``varied``: :func:`varied_vars` of ``wrt`` when the caller has it already; ``memo``: see
    :func:`describe_once`; ``ranks``: the variables' ranks when known (sharper alias model)."""
    errors: List[TangentLiteError] = []
    refused: Set[int] = set()
    own_code = str(getattr(w.fn, "__module__", "")).startswith("tangent_lite_generated")
    if not own_code:
        # (generated code undoes its writes in the reverse sweep, so its views stay consistent)
        if varied is None:
            varied = varied_vars(w, set(wrt), registry)
        changes, making, methods = contexts.hidden_changes(w)  # what contexts and user objects change
        entered, skip = contexts.entered_value_errors(w, varied)
        refused |= skip
        hidden = ({k: [c for c in v if k not in skip or c.how != "unknown"] for k, v in changes.items()}, making,
                  methods)
        errors += guessed_containers.sharing_errors(w, active, varied, ranks,
                                                    frozenset(contexts.quiet_exits(w, hidden[0])))
        checks: List[Any] = []  # a helper's p op= v on an argument of unknown rank: checked when it runs
        for stmt, err in mutation_errors(w, varied, registry, ranks, checks, reverse=mode == "vjp", hidden=hidden):
            errors.append(err)
            refused.add(id(stmt))
        for stmt, name, err in checks:
            run_time_checks.insert_number_check(w, stmt, name, err)
            for st, base in run_time_checks.made_in_place(w, name, ranks):  # a 0-d array kept by 'v op= e'
                run_time_checks.insert_number_check(w, st, base, err)
        if mode == "vjp":  # a store into module-level memory after the reverse sweep's reads of it
            for stmt, err in store_after_read_errors(w, active, varied):
                errors.append(err)
                refused.add(id(stmt))
        # a helper (or the function, through an alias) storing such values into module-level memory
        errors += outside_write_errors(w, wrt, {e.location.lineno for e in errors if e.location is not None})
        errors += entered
    complex_checks: List[Any] = []
    operand_checks: List[Any] = []  # (statement, variable, (where, op, shown, method)): receivers.operator_checks
    # (the operands of operators and functions with derivatives are checked: what they make is plain)
    checked = active | (varied or set())
    plain = receivers.plain_values(w, ranks or {}, checked) if not own_code else set()
    entries = receivers.sequence_entries(w) if not own_code else {}
    for stmt in assignments(w.fdef.body):
        if id(stmt) in refused:
            continue
        try:
            info = describe_once(stmt, registry, memo)
        except TangentLiteError as exc:
            exc.location = w.src.location(stmt)
            errors.append(_relocate(exc, w, stmt))
            continue
        if not own_code and isinstance(stmt, gast.Assign) and local_names(stmt.value) & checked:
            # (whatever the activity of the result: a user's __floordiv__ is no piecewise constant)
            refusals, checks = receivers.operator_checks(w, stmt, plain, entries)
            errors += refusals
            operand_checks += [(stmt, name, message) for name, message in checks]
        if info.prim is not None and info.prim.name in CONSTANT_FOR_REAL_ONLY and not own_code:
            # (its result carries no derivative, so its argument need only be varied to be checked)
            complex_checks.append((stmt, info, _ufunc_inputs(stmt.value, checked), checked))
        if not set(info.targets) & active:
            continue
        active_inputs = [(slot, a) for slot, a in info.inputs if local_names(a) & active]
        if not active_inputs:
            continue
        if info.kind in ("nocall", "method"):
            errors.append(_no_rule(w, stmt, info, active))
        elif info.kind == "prim":
            table = info.prim.vjps if mode == "vjp" else info.prim.jvps
            if not own_code and not complex_verified(info.prim):
                complex_checks.append((stmt, info, active_inputs, active))
            for slot, _ in active_inputs:
                if info.prim.params.index(slot) not in table:
                    errors.append(NoRuleError(
                        f"no {mode.upper()} rule for argument '{slot}' of {info.prim.name}",
                        w.src.location(stmt),
                        f"register one with @tl.def{mode}({_spelling(info.callee)}, argnum='{slot}'), "
                        f"or wrap the argument in tl.stop_gradient(...) if it needs no derivative",
                    ))
    raise_all(errors)
    for stmt, name, (where, op, shown, method) in operand_checks:
        options = (op, shown, method) if method else (op, shown)
        run_time_checks.insert_run_time_check(w, stmt, "operand", [name], where, *options)
    for stmt, info, active_inputs, names in complex_checks:
        _insert_real_checks(w, stmt, info, active_inputs, names)


def _insert_real_checks(w: Wengert, stmt: Any, info: StmtInfo, active_inputs: List[Any], active: Set[str]) -> None:
    """Put ``_tl.real_only(v, message)`` before ``stmt`` for each active input ``v`` of a primitive
    whose rules are not verified for complex input (rules/complex.py): a complex ``v`` is refused
    at run time, naming the function and the user's line, instead of a wrong derivative."""
    where = w.src.location(stmt)
    message = (f"{info.prim.name} is differentiated for real input only, but its argument "
               f"{{arg}} is complex" + (f" (at {where})" if where else ""))
    for slot, arg in active_inputs:
        for name in sorted(local_names(arg) & active):
            run_time_checks.insert_run_time_check(w, stmt, "real_only", [name], message.format(arg=repr(slot)))


def _ufunc_inputs(call: Any, names: Set[str]) -> List[Any]:
    """The positional arguments of a call of a NumPy ufunc that read one of ``names``, under the
    names NumPy gives them (``x``, or ``x1``, ``x2``)."""
    args = list(getattr(call, "args", []))
    return [("x" if len(args) == 1 else f"x{i + 1}", a) for i, a in enumerate(args) if local_names(a) & names]


def _relocate(exc: TangentLiteError, w: Wengert, stmt: Any) -> TangentLiteError:
    return type(exc)(exc.message, w.src.location(stmt), exc.hint)


def _spelling(callee: Any) -> str:
    prim = REGISTRY.get(callee)
    if prim is not None and prim.name.startswith("scipy."):  # scipy.special.gammainc, scipy.stats.t.cdf
        return prim.name
    mod = getattr(callee, "__module__", None)
    name = getattr(callee, "__name__", None) or repr(callee)
    if isinstance(callee, types.ModuleType):
        return callee.__name__
    if type(callee).__name__ == "ufunc" or (mod or "").startswith("numpy"):
        return f"np.{name}"
    return f"{mod}.{name}" if mod and mod != "builtins" else name


def _first_active_argument(callee: Any, call: Any, active: Set[str]) -> Optional[str]:
    """The callee's parameter that the first argument carrying derivatives is passed as (None:
    not known): the argument the missing-rule hint writes the rule for."""
    if not isinstance(call, gast.Call):
        return None
    names = [p.split("=")[0] for p in rule_hint.parameters(callee)]
    passed = [(names[i] if i < len(names) else None, a) for i, a in enumerate(call.args)]
    passed += [(k.arg, k.value) for k in call.keywords]
    return next((name for name, atom in passed if local_names(atom) & active), None)


def _item_called(w: Wengert, stmt: Any) -> Optional[str]:
    """``'ACTS["tanh"]'`` when ``stmt`` calls a function read by a subscript of a module-level
    container (``_t0 = ACTS['tanh']; _t1 = _t0(x)`` in the lowered form), else None."""
    call = getattr(stmt, "value", None)
    func = call.func if isinstance(call, gast.Call) else None
    if not isinstance(func, gast.Name):
        return None
    for node in S.walk(w.fdef):
        if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) \
                and node.targets[0].id == func.id and isinstance(node.value, gast.Subscript):
            base = node.value.value
            if isinstance(base, (gast.Name, gast.Attribute)) and not local_names(base):
                return S.to_source(node.value).strip().replace("'", '"')
    return None


def _no_rule(w: Wengert, stmt: Any, info: StmtInfo, active: Set[str] = frozenset()) -> TangentLiteError:
    callee = info.callee
    if isinstance(info.value, gast.Subscript):
        spelled = S.dotted_name(info.value.value) or "a module-level object"
        return NoRuleError(
            f"cannot differentiate indexing '{spelled}[...]' with values that carry derivatives: "
            "what it computes from them is unknown",
            w.src.location(stmt),
            "build the array with a function that has rules (np.concatenate, np.stack, np.column_stack) "
            "instead of np.r_ / np.c_, or index a local copy",
        )
    if isinstance(callee, tuple) and callee[0] == "star":
        return NoRuleError(
            "cannot differentiate through '*' or '**' unpacking of a value whose length (or keys) is not known "
            "when the code is generated", w.src.location(stmt),
            "unpack a tuple, list or dict built in the function (xs = (a, b); f(*xs)), or pass the items "
            "explicitly (f(xs[0], xs[1]))")
    if isinstance(callee, tuple) and callee[0] == "method" and callee[1] in ("items", "values", "keys"):
        func = info.value.func if isinstance(info.value, gast.Call) else None
        d = S.dotted_name(func.value) if isinstance(func, gast.Attribute) else None
        d = d or "d"
        return UnsupportedConstructError(  # (docs/limitations.md, "iterating a dict")
            f"iterating the dict '{d}' ('{d}.{callee[1]}()') is not supported yet", w.src.location(stmt),
            f"iterate its keys as a list: 'for k in list({d}):' and read '{d}[k]' (for an object of your own "
            f"class, call the method as a function of the object: YourClass.{callee[1]}({d}))")
    if isinstance(callee, tuple):
        what = f"the method '.{callee[1]}(...)'" if callee[0] == "method" else f"the attribute '.{callee[1]}'"
        hint = "use the NumPy function form (np.f(x, ...)), or register a rule for it"
        if callee[0] == "method" and callee[1] in _METHOD_FIXES:
            hint = _METHOD_FIXES[callee[1]]
        elif callee[0] == "method":  # (a method of a local object: its class is not known when the code is made)
            hint += (f"; for a method of an object of your own class, call it as a function of the object: "
                     f"YourClass.{callee[1]}(obj, ...), which is differentiated like any Python function")
        return NoRuleError(f"cannot differentiate {what} on a differentiable value", w.src.location(stmt), hint)
    if callee is None:
        item = _item_called(w, stmt)
        if item is not None:  # ACTS["tanh"](x): a function read from a module-level dict or list
            return NoRuleError(
                f"cannot differentiate a call of an item of a container ('{item}(...)'): which function it is "
                "is not known when the derivative code is made", w.src.location(stmt),
                f"bind the function to a name at module level ('act = {item}' next to where "
                f"'{item.split('[')[0]}' is made) and call 'act(...)', or call the function itself by its name")
        return NoRuleError("cannot differentiate a call to a local value", w.src.location(stmt),
                           "call a module-level function instead")
    module = str(getattr(callee, "__module__", "") or "")
    if module.startswith("tangent_lite.runtime"):
        helper = getattr(callee, "__name__", "a helper")
        return NoRuleError(
            f"derivatives of the derivative code through '_tl.{helper}' are not supported yet: this runtime helper "
            "of a first-order rule has no rule of its own",
            w.src.location(stmt),
            "use first-order derivatives here (tl.grad, tl.jvp, tl.vjp), or register rules for "
            f"tangent_lite.runtime.{helper} with tl.defjvp / tl.defvjp")
    if is_tangent_lite_own(callee):  # tl.grad(inner)(w), inner.grad(w), tl.jvp(...) inside the function
        return UnsupportedConstructError(NESTED_DERIVATIVE[0], w.src.location(stmt), NESTED_DERIVATIVE[1])
    if is_distribution(callee):  # d = st.norm(loc=m, scale=s), d used later
        written = S.dotted_name(info.value.func) if isinstance(info.value, gast.Call) else None
        return UnsupportedConstructError(
            f"'{written or 'st.norm'}(...)' freezes a scipy.stats distribution in a value that carries derivatives; "
            "tangent_lite follows a frozen distribution only through the methods of one point called on it",
            w.src.location(stmt), _METHOD_FIXES["logpdf"].replace("st.norm", written or "st.norm"))
    call = next((vars(c)["__call__"] for c in type(callee).__mro__ if "__call__" in vars(c)), None)
    if not inspect.isroutine(callee) and not inspect.isclass(callee) and inspect.isfunction(call):
        name = type(callee).__qualname__
        written = S.dotted_name(info.value.func) if isinstance(info.value, gast.Call) else None
        return UnsupportedConstructError(
            f"calling the callable object '{written or name}' (a {name}, whose __call__ is Python) inside a "
            "function being differentiated is not supported yet",
            w.src.location(stmt),
            f"call its method as a function with the object as an argument: {name}.__call__({written or 'obj'}, ...),"
            " or write the computation as a function")
    spelled = _spelling(callee)
    written = S.dotted_name(info.value.func) if isinstance(info.value, gast.Call) else None
    if is_user_class(callee) and REGISTRY.get(callee) is None:  # (not: "no Python source")
        return NoRuleError(
            f"cannot differentiate through the object '{written or callee.__name__}(...)' makes from values that "
            "carry derivatives: derivatives do not follow values into the attributes of an object of a class",
            w.src.location(stmt),
            "pass the arrays themselves to functions (not an object that holds them); if the object needs no "
            f"derivative, make it from tl.stop_gradient(...) of the values, or mark the class constant with "
            f"tl.nondifferentiable({rule_hint.spelling(callee, written, w.env)[0]})")
    head, dot, rest = (written or "").partition(".")
    source = w.foreign.get(head)
    if source is not None and str(source[1]).isidentifier():  # a name of an inlined helper, renamed: as it wrote it
        spelled = source[1] + dot + rest
    elif written is not None:
        spelled = written  # as the user spelled it: 'functools.reduce', not '_functools.reduce'
        for through in (".__func__", ".__wrapped__"):  # nd.pdf(x), read as nd.pdf.__func__(nd, x): 'nd.pdf'
            spelled = spelled[:-len(through)] if spelled.endswith(through) else spelled
    code = rule_hint.registration_code(callee, written, w.env, _first_active_argument(callee, info.value, active))
    missing = "it has no derivative rule" + (" and no Python source" if not hasattr(callee, "__code__") else "")
    if is_distribution_method(callee):  # st.laplace.logpdf without rules: not followed into SciPy's code
        dist = f"scipy.stats.{name_of(callee.__self__)}.{callee.__name__}"
        missing = (f"tangent_lite has no rules for {dist} (SciPy's code is not differentiated through); "
                   f"scipy.stats methods with rules: {with_rules()}")
        if "frozen" in type(callee.__self__).__name__:  # (a frozen multivariate distribution in a global)
            return NoRuleError(f"cannot differentiate a call to '{spelled}': a frozen {name_of(callee.__self__)} "
                               "(tangent_lite follows the frozen distributions of SciPy's rv_continuous and "
                               "rv_discrete only)",
                               w.src.location(stmt), f"call the distribution's method with its parameters: {dist}(x, "
                               "...), e.g. st.multivariate_normal.logpdf(x, mean, cov)")
    return NoRuleError(
        f"cannot differentiate a call to '{spelled}': {missing}",
        w.src.location(stmt),
        "To fix: register rules (this code runs when pasted; fill in the two bodies), e.g.\n"
        + "\n".join("    " + line if line else "" for line in code.splitlines())
        + f"\nor mark it constant with tl.nondifferentiable({rule_hint.spelling(callee, written, w.env)[0]}).",
    )


def rule_problems(w: Wengert, wrt: Sequence[str]) -> List[TangentLiteError]:
    """Calls without derivative rules (and other problems the derivative passes would
    refuse) in a function that already has other problems: reported together with them
    (``anf.lower`` calls this for its caller, :func:`api.derive`)."""
    try:
        active = activity(w, set(wrt))
        check_differentiable(w, active, wrt=wrt)
    except TangentLiteError as exc:
        return exc.errors if isinstance(exc, MultipleErrors) else [exc]
    except Exception:  # noqa: BLE001 - best effort on a function that is already refused
        return []
    return []
