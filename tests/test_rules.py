"""Registry-driven checks of every derivative rule, plus end-to-end checks of compiled derivatives.

The promise: every rule in ``tangent_lite.rules.REGISTRY`` is checked numerically,
and a differentiable primitive without test cases in ``rule_cases.CASES`` is a
test failure -- except the primitives whose rules are defined in
``tangent_lite/rules/numpy_more.py``: ``tests/test_numpy_more.py`` checks those with the
cases of ``tests/rule_cases_more.py`` (this file only checks that every one of them has
cases there).  The rules of the runtime helpers that generated code calls
(``tangent_lite/rules/runtime_rules.py``: ``unbroadcast``, ``sum_bar``, ``getitem_bar``,
``setitem``, ...) are checked like any other; their shape-only parameters
(``constant_params``) have no rules and are never differentiated.  Cotangents may be
structures: lists, tuples, NamedTuples, dicts and dataclasses.

For each (primitive, case, argument with a rule that the case passes positionally --
``max(iterable)`` passes no ``b``):

* JVP: the rule, called directly as ``rule(v, ans, *args, **kwargs)``, against
  central finite differences of the primal function along a random direction
  ``v``.  A rule registered with ``broadcast=True`` may return a smaller shape
  than ``ans`` and is broadcast first; any other rule must return ``ans``'s shape.
* VJP: the rule against the JVP rule through ``<J v, w> == <v, J^T w>`` for random
  ``v`` and ``w`` (``w`` shaped like ``ans``); the cotangent must have exactly the
  argument's shape (broadcast dimensions summed away).

End to end, small user functions (``rule_cases.END_TO_END``) go through
``tangent_lite.check_grads`` (forward vs finite differences, reverse vs forward)
and ``tangent_lite.grad`` is compared with coordinatewise finite differences.

Non-smooth points (the convention of ``tangent_lite/rules/numpy.py``, pinned by
the ``test_convention_*`` tests): the derivative at a kink is the average of
the one-sided derivatives where that is natural --

* ``abs`` at 0 -> 0 (``np.abs``, ``math.fabs`` and builtin ``abs`` alike);
* ``np.maximum``/``np.minimum`` on ties -> 1/2 to each argument;
* ``np.max``/``np.min`` reductions share ``g`` equally among the tied entries;
* ``np.sqrt`` at 0 -> ``inf`` (the true limit), as NumPy computes it;
* ``x ** y`` with respect to ``y`` at ``x == 0`` -> 0 (the limit for ``y > 0``).

Case arguments are sampled away from these points (and from the jumps of ``%``),
so finite differences are a valid reference there.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import importlib
import operator
import zlib
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest
from rule_cases import CASES, END_TO_END, EndToEnd
from rule_cases_scipy import CASES as SCIPY_CASES

import tangent_lite as tl
from tangent_lite.rules import REGISTRY, Primitive
from tangent_lite.rules.numpy_more import _Absent

EPS = 1e-6
FD_RTOL = 1e-5
FD_ATOL = 1e-6  # scaled by max(1, |expected|)
ADJOINT_RTOL = 1e-9  # <J v, w> vs <v, J^T w>: both sides are exact up to rounding

CASES = {**CASES, **SCIPY_CASES}  # the SciPy tables' cases (empty without SciPy)
PRIMS: Dict[str, Primitive] = {p.name: p for p in REGISTRY}
MORE_MODULE = "tangent_lite.rules.numpy_more"  # covered by tests/test_numpy_more.py + tests/rule_cases_more.py


def _rule_modules(prim: Primitive) -> set:
    return {rule.template.fn.__module__ for rule in list(prim.jvps.values()) + list(prim.vjps.values())}


def _builtin(prim: Primitive) -> bool:
    """Rules shipped with tangent_lite (other test modules register rules of their own)."""
    return all(m.startswith("tangent_lite.") for m in _rule_modules(prim))


# the primitives whose rules are defined in numpy_more.py are another table's business
NUMPY_MORE = [p for p in REGISTRY if not p.nondiff and MORE_MODULE in _rule_modules(p)]
# (functions this NumPy version lacks are registered under stand-ins, numpy_more._Absent: not tested)
DIFFERENTIABLE = [p for p in REGISTRY if not p.nondiff and MORE_MODULE not in _rule_modules(p) and _builtin(p)
                  and not isinstance(p.fn, _Absent)]


# ------------------------------------------------------------------ helpers (pytrees of floats/arrays)
# Structures: lists, tuples, NamedTuples, dicts and dataclass instances (what the runtime
# helpers' cotangents can be); everything else is a leaf.


def _rng(*key: Any) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("-".join(map(str, key)).encode()))


def _children(v: Any) -> Any:
    """The entries of a structure, in order, or None for a leaf."""
    if isinstance(v, (list, tuple)):
        return list(v)
    if isinstance(v, dict):
        return list(v.values())
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return [getattr(v, f.name) for f in dataclasses.fields(v)]
    return None


def _rebuild(like: Any, kids: List[Any]) -> Any:
    if isinstance(like, tuple) and hasattr(like, "_fields"):
        return type(like)(*kids)
    if isinstance(like, (list, tuple)):
        return type(like)(kids)
    if isinstance(like, dict):
        return dict(zip(like, kids))
    return dataclasses.replace(like, **{f.name: k for f, k in zip(dataclasses.fields(like), kids)})


def _num(x: Any) -> np.ndarray:
    """``x`` as a float array, or a complex one (complex leaves: docs/complex-numbers.md)."""
    a = np.asarray(x)
    return a if a.dtype.kind == "c" else np.asarray(a, dtype=float)


def _rand_like(v: Any, rng: np.random.Generator) -> Any:
    kids = _children(v)
    if kids is not None:
        return _rebuild(v, [_rand_like(e, rng) for e in kids])
    if np.iscomplexobj(v):
        return np.asarray(rng.normal(size=np.shape(v)) + 1j * rng.normal(size=np.shape(v)))
    if _discrete(v):  # a flag or indices inside a structure (cho_factor's lower, lu_factor's piv)
        return np.zeros(np.shape(v))
    if isinstance(v, float):  # includes np.float64
        return float(rng.normal())
    return np.asarray(rng.normal(size=np.shape(v)))


def _axpy(x: Any, alpha: float, v: Any) -> Any:
    kids = _children(x)
    if kids is not None:
        return _rebuild(x, [_axpy(a, alpha, b) for a, b in zip(kids, _children(v))])
    if isinstance(x, float) and not isinstance(x, np.floating):
        return x + alpha * float(v)
    if _discrete(x):  # carries no derivative: left as it is
        return x
    return x + alpha * np.asarray(v)


def _discrete(v: Any) -> bool:
    """A bool or integer leaf (Python or NumPy, scalar or array)."""
    return isinstance(v, (bool, int, np.ndarray, np.generic)) and np.asarray(v).dtype.kind in "biu"


def _vdot(a: Any, b: Any) -> float:
    ka, kb = _children(a), _children(b)
    if ka is not None:
        assert kb is not None and len(ka) == len(kb), f"structure mismatch: {a!r} vs {b!r}"
        return sum(_vdot(x, y) for x, y in zip(ka, kb))
    return float(np.real(np.sum(_num(a) * _num(b))))  # complex leaves pair as Re(sum(a * b))


def _abs_vdot(a: Any, b: Any) -> float:
    ka = _children(a)
    if ka is not None:
        return sum(_abs_vdot(x, y) for x, y in zip(ka, _children(b)))
    return float(np.sum(np.abs(_num(a) * _num(b))))


def _shapes(v: Any) -> Any:
    kids = _children(v)
    if kids is not None:
        return [_shapes(e) for e in kids]
    return np.shape(v)


def _tree_map(f: Any, *trees: Any) -> Any:
    kids = [_children(t) for t in trees]
    if kids[0] is not None:
        assert all(k is not None and len(k) == len(kids[0]) for k in kids), (
            f"structure mismatch: {[_shapes(t) for t in trees]}")
        return [_tree_map(f, *leaves) for leaves in zip(*kids)]
    return f(*trees)


def _finite_difference(fn: Any, args: tuple, kwargs: dict, argnum: int, v: Any, eps: float = EPS) -> Any:
    def at(alpha: float) -> Any:
        a = list(args)
        a[argnum] = _axpy(a[argnum], alpha, v)
        return fn(*a, **kwargs)

    return _tree_map(lambda p, m: (_num(p) - _num(m)) / (2 * eps), at(eps),
                     at(-eps))


def _assert_close(what: str, actual: Any, expected: Any, rtol: float = FD_RTOL, atol: float = FD_ATOL) -> None:
    kids_e, kids_a = _children(expected), _children(actual)
    if kids_e is not None:
        assert kids_a is not None and len(kids_a) == len(kids_e), (
            f"{what}: structure {_shapes(actual)} != expected {_shapes(expected)}")
        for i, (a, e) in enumerate(zip(kids_a, kids_e)):
            _assert_close(f"{what} [entry {i}]", a, e, rtol, atol)
        return
    a = _num(actual)
    e = _num(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    if not np.allclose(a, e, rtol=rtol, atol=atol * scale):
        err = float(np.max(np.abs(a - e)))
        raise AssertionError(f"{what}: max abs error {err:.3g}\n  got      {a!r}\n  expected {e!r}")


def _describe(name: str, ci: int, args: tuple, kwargs: dict) -> str:
    label = CASES[name][ci].label
    shapes = [_shapes(a) if not isinstance(a, (int, tuple)) or isinstance(a, bool) else a for a in args]
    return f"{name} case{ci} [{label}] args {shapes} kwargs {kwargs}"


def _call_case(name: str, ci: int, tag: str) -> Tuple[Primitive, tuple, dict, Any, np.random.Generator]:
    prim = PRIMS[name]
    rng = _rng(name, ci, tag)
    args, kwargs = CASES[name][ci](rng)
    ans = prim.fn(*args, **kwargs)
    return prim, args, kwargs, ans, rng


def _direction(name: str, ci: int, argnum: int, v: Any) -> Any:
    """``v``, or the direction the case perturbs along instead (``Case.along``)."""
    along = getattr(CASES[name][ci], "along", None)  # (rule_cases_more.py has cases of its own kind)
    return v if along is None else along(argnum, v)


def _jvp_by_rule(prim: Primitive, argnum: int, v: Any, ans: Any, args: tuple, kwargs: dict, where: str) -> Any:
    rule = prim.jvps[argnum]
    t = rule.template.fn(v, ans, *args, **kwargs)
    if rule.broadcast:
        try:
            t = _tree_map(lambda leaf, like: np.broadcast_to(leaf, np.shape(like)), t, ans)
        except ValueError:
            raise AssertionError(f"{where}: broadcast JVP rule returned shape {_shapes(t)}, "
                                 f"not broadcastable to ans {_shapes(ans)}") from None
    else:
        assert _shapes(t) == _shapes(ans), (
            f"{where}: JVP rule '{rule.template.fn.__name__}' returned shape {_shapes(t)}, ans has {_shapes(ans)} "
            f"(only rules registered with broadcast=True may return a smaller shape)")
    return t


def _present_argnums(prim: Primitive, args: tuple) -> List[int]:
    """The arguments with rules that a case passes (positionally, not None, not a Python int): a case
    of ``max(iterable)`` has no ``b``, so only the rule for ``a`` applies to it; ``L * 3`` (seq_repeat's
    ``n`` has rules for ``x * L``, an array) none for its int."""
    table = set(prim.jvps) | set(prim.vjps)
    return sorted(a for a in table if a < len(args) and args[a] is not None and type(args[a]) is not int)


def _params(kind: str) -> Tuple[List[Any], Dict[Tuple[str, int], int]]:
    """(pytest params, how many cases exercise each (primitive, argnum))."""
    out, used = [], {}
    for prim in DIFFERENTIABLE:
        table = prim.jvps if kind == "jvp" else prim.vjps
        for ci, case in enumerate(CASES.get(prim.name, [])):
            args, _ = case(_rng(prim.name, ci, "collect"))
            for argnum in _present_argnums(prim, args):
                if argnum in table:
                    used[(prim.name, argnum)] = used.get((prim.name, argnum), 0) + 1
                    out.append(pytest.param(prim.name, ci, argnum, id=f"{prim.name}-case{ci}-arg{argnum}"))
    return out, used


JVP_PARAMS, JVP_USED = _params("jvp")
VJP_PARAMS, VJP_USED = _params("vjp")


# ------------------------------------------------------------------ coverage of the registry


def test_every_differentiable_primitive_has_cases():
    missing = sorted(p.name for p in DIFFERENTIABLE if not CASES.get(p.name))
    assert not missing, f"differentiable primitives without test cases in tests/rule_cases.py: {missing}"


def test_every_rule_is_exercised_by_some_case():
    for kind, used in (("jvp", JVP_USED), ("vjp", VJP_USED)):
        missing = sorted(f"{p.name}[{p.params[a]}]" for p in DIFFERENTIABLE
                         for a in (p.jvps if kind == "jvp" else p.vjps) if (p.name, a) not in used)
        assert not missing, f"{kind.upper()} rules that no case in tests/rule_cases.py differentiates: {missing}"


def test_case_table_names_registered_differentiable_primitives():
    unknown = sorted(n for n in CASES if n not in PRIMS)
    nondiff = sorted(n for n in CASES if n in PRIMS and PRIMS[n].nondiff)
    more = sorted(n for n in CASES if n in {p.name for p in NUMPY_MORE})
    assert not unknown, f"rule_cases.CASES names primitives that are not registered: {unknown}"
    assert not nondiff, f"rule_cases.CASES names non-differentiable primitives: {nondiff}"
    assert not more, f"rule_cases.CASES names primitives of numpy_more.py (rule_cases_more.py covers them): {more}"


def test_numpy_more_primitives_have_cases_in_rule_cases_more():
    """The primitives this file skips (rules in tangent_lite/rules/numpy_more.py) must be covered
    by the case table of tests/rule_cases_more.py (checked numerically by tests/test_numpy_more.py)."""
    try:
        more = importlib.import_module("rule_cases_more")
    except ModuleNotFoundError as exc:
        if exc.name != "rule_cases_more":
            raise
        pytest.skip("tests/rule_cases_more.py does not exist yet: cannot check the coverage of numpy_more.py rules")
    table = getattr(more, "CASES", None)
    assert isinstance(table, dict), "tests/rule_cases_more.py has no CASES dict (primitive name -> list of cases)"
    assert NUMPY_MORE, f"no primitive has rules in {MORE_MODULE}"
    missing = sorted(p.name for p in NUMPY_MORE if not table.get(p.name))
    assert not missing, f"primitives with rules in numpy_more.py but no cases in tests/rule_cases_more.py: {missing}"


def test_every_rule_has_both_modes():
    lopsided = {p.name: (sorted(p.jvps), sorted(p.vjps)) for p in DIFFERENTIABLE if set(p.jvps) != set(p.vjps)}
    assert not lopsided, f"primitives whose JVP and VJP rules cover different arguments (jvp, vjp): {lopsided}"


def _check_finite(leaf: Any, where: str) -> None:
    assert np.all(np.isfinite(_num(leaf))), f"{where}: primal output is not finite"


@pytest.mark.parametrize("name", sorted(CASES))
def test_cases_build_valid_arguments(name):
    prim = PRIMS.get(name)
    if prim is None:
        pytest.fail(f"{name} is not registered")
    for ci in range(len(CASES[name])):
        _, args, kwargs, ans, _ = _call_case(name, ci, "build")
        where = _describe(name, ci, args, kwargs)
        assert _present_argnums(prim, args), (
            f"{where}: no argument with a rule is passed positionally (rules for {sorted(prim.jvps)})")
        _tree_map(lambda leaf, where=where: _check_finite(leaf, where), ans)


# ------------------------------------------------------------------ every rule, numerically


@pytest.mark.parametrize("name,ci,argnum", JVP_PARAMS)
def test_jvp_rule_matches_finite_differences(name, ci, argnum):
    prim, args, kwargs, ans, rng = _call_case(name, ci, "jvp")
    where = f"{_describe(name, ci, args, kwargs)} arg{argnum}"
    v = _direction(name, ci, argnum, _rand_like(args[argnum], rng))
    t = _jvp_by_rule(prim, argnum, v, ans, args, kwargs, where)
    fd = _finite_difference(prim.fn, args, kwargs, argnum, v)
    _assert_close(f"{where}: JVP rule vs central differences", t, fd)


@pytest.mark.parametrize("name,ci,argnum", VJP_PARAMS)
def test_vjp_rule_is_adjoint_of_jvp_rule(name, ci, argnum):
    prim, args, kwargs, ans, rng = _call_case(name, ci, "vjp")
    where = f"{_describe(name, ci, args, kwargs)} arg{argnum}"
    v = _direction(name, ci, argnum, _rand_like(args[argnum], rng))
    reference, rtol = "JVP rule", ADJOINT_RTOL
    try:
        t = _jvp_by_rule(prim, argnum, v, ans, args, kwargs, where)
    except Exception:  # no usable JVP rule (its own test reports why): compare with finite differences instead
        t = _finite_difference(prim.fn, args, kwargs, argnum, v)
        reference, rtol = "finite differences (the JVP rule failed)", FD_RTOL
    w = _rand_like(ans, rng)
    ct = prim.vjps[argnum].template.fn(w, ans, *args, **kwargs)
    assert _shapes(ct) == _shapes(args[argnum]), (
        f"{where}: VJP rule '{prim.vjps[argnum].template.fn.__name__}' returned shape {_shapes(ct)}, "
        f"the argument has {_shapes(args[argnum])}")
    lhs, rhs = _vdot(t, w), _vdot(v, ct)
    scale = max(1.0, _abs_vdot(t, w), _abs_vdot(v, ct))
    assert abs(lhs - rhs) <= rtol * scale, (
        f"{where}: <J v, w> = {lhs!r} (J v by {reference}) but <v, J^T w> = {rhs!r}")


# ------------------------------------------------------------------ end to end: compiled derivatives


def _e2e_id(e: EndToEnd) -> str:
    return e.fn.__name__


def _e2e_args(e: EndToEnd) -> tuple:
    return e.make(_rng("e2e", e.fn.__name__))


@pytest.mark.parametrize("e", END_TO_END, ids=_e2e_id)
def test_end_to_end_check_grads(e):
    tl.check_grads(e.fn, _e2e_args(e))


@pytest.mark.parametrize("e", END_TO_END, ids=_e2e_id)
def test_end_to_end_grad_matches_finite_differences(e):
    args = _e2e_args(e)
    idx = tuple(i for i, a in enumerate(args) if isinstance(a, float) or isinstance(a, np.ndarray))
    grads = tl.grad(e.fn, wrt=idx)(*args)
    for i, g in zip(idx, grads):
        x = args[i]
        assert np.shape(g) == np.shape(x), f"{e.fn.__name__}: gradient of arg{i} has shape {np.shape(g)}"
        expected = np.zeros(np.shape(x))
        for j in np.ndindex(*np.shape(x)):
            unit = np.zeros(np.shape(x))
            unit[j] = 1.0
            v = float(unit) if isinstance(x, float) else unit
            expected[j] = _finite_difference(e.fn, args, {}, i, v)
        _assert_close(f"{e.fn.__name__}: tl.grad for arg{i} vs finite differences", g, expected)


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.Mod: operator.mod}
_UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _resolve(node: ast.AST, env: dict) -> Any:
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else getattr(builtins, node.id, None)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, env)
        return getattr(base, node.attr, None) if base is not None else None
    return None


def primitives_used(fn: Any) -> set:
    """Names of the registered primitives ``fn`` calls, read from its Wengert form."""
    names = set()
    for node in ast.walk(ast.parse(tl.wengert(fn))):
        obj = None
        if isinstance(node, ast.Call):
            obj = _resolve(node.func, fn.__globals__)
        elif isinstance(node, ast.BinOp):
            obj = _BINOPS.get(type(node.op))
        elif isinstance(node, ast.UnaryOp):
            obj = _UNARYOPS.get(type(node.op))
        prim = REGISTRY.get(obj) if obj is not None else None
        if prim is not None and not prim.nondiff:
            names.add(prim.name)
    return names


def _e2e_covered() -> set:
    covered = set()
    for e in END_TO_END:
        covered |= primitives_used(e.fn)
    return covered


def test_end_to_end_covers_a_representative_subset():
    covered = _e2e_covered()
    assert len(covered) >= 25, f"end-to-end functions cover only {sorted(covered)}"
    for group in (
        {"numpy.sin", "numpy.exp", "numpy.log", "numpy.tanh", "numpy.sqrt"},  # elementwise unary
        {"operator.mul", "operator.sub", "operator.truediv", "numpy.add", "numpy.maximum"},  # binary, broadcasting
        {"numpy.sum", "numpy.mean", "numpy.prod", "numpy.max", "numpy.min"},  # reductions
        {"numpy.dot", "numpy.matmul", "operator.matmul", "numpy.outer"},  # products
        {"numpy.reshape", "numpy.transpose", "numpy.ravel"},  # shapes
        {"math.sin", "math.exp", "math.log", "math.pow", "builtins.abs"},  # scalars
    ):
        assert group <= covered, f"end-to-end functions miss {sorted(group - covered)}"


# ------------------------------------------------------------------ non-smooth conventions


def _rule(name: str, kind: str, argnum: int = 0) -> Any:
    prim = PRIMS[name]
    return (prim.jvps if kind == "jvp" else prim.vjps)[argnum].template.fn


def test_convention_abs_derivative_at_zero_is_zero():
    x = np.array([-1.5, 0.0, 2.0, -0.0])
    ans = np.abs(x)
    np.testing.assert_array_equal(_rule("numpy.absolute", "jvp")(np.ones(4), ans, x), [-1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(_rule("numpy.absolute", "vjp")(np.full(4, 3.0), ans, x), [-3.0, 0.0, 3.0, 0.0])
    for name in ("math.fabs", "builtins.abs"):
        for kind in ("jvp", "vjp"):
            assert float(_rule(name, kind)(1.0, 0.0, 0.0)) == 0.0, f"{name} {kind} at 0"
            assert float(_rule(name, kind)(1.0, 0.5, -0.5)) == -1.0, f"{name} {kind} at -0.5"
    g = tl.grad(END_TO_END_BY_NAME["use_abs"].fn)(np.array([0.0, -2.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, -1.0, 1.0])


@pytest.mark.parametrize("name", ["numpy.maximum", "numpy.minimum"])
def test_convention_maximum_minimum_ties_split_evenly(name):
    fn = PRIMS[name].fn
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 5.0, 0.0])  # tie at index 0
    ans = fn(x, y)
    g = np.array([4.0, 4.0, 4.0])
    gx, gy = _rule(name, "vjp", 0)(g, ans, x, y), _rule(name, "vjp", 1)(g, ans, x, y)
    big = name == "numpy.maximum"
    np.testing.assert_array_equal(gx, [2.0, 0.0 if big else 4.0, 4.0 if big else 0.0])
    np.testing.assert_array_equal(gy, [2.0, 4.0 if big else 0.0, 0.0 if big else 4.0])
    np.testing.assert_array_equal(gx + gy, g)
    tx = _rule(name, "jvp", 0)(np.ones(3), ans, x, y)
    ty = _rule(name, "jvp", 1)(np.ones(3), ans, x, y)
    np.testing.assert_array_equal(tx + ty, np.ones(3))  # d/dt f(x + t, y + t) = 1 even at the tie
    assert tx[0] == ty[0] == 0.5
    # broadcasting ties: x (2, 1) against y (3,), equal at (0, 1) and (1, 2)
    xb, yb = np.array([[1.0], [2.0]]), np.array([0.0, 1.0, 2.0])
    ansb = fn(xb, yb)
    gb = np.ones((2, 3))
    gxb, gyb = _rule(name, "vjp", 0)(gb, ansb, xb, yb), _rule(name, "vjp", 1)(gb, ansb, xb, yb)
    assert gxb.shape == (2, 1) and gyb.shape == (3,)
    assert float(np.sum(gxb) + np.sum(gyb)) == 6.0


def _tied(name: str) -> Tuple[Any, np.ndarray, np.ndarray]:
    sign = 1.0 if name == "numpy.max" else -1.0
    a = sign * np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])  # each row has a two-way tie
    b = sign * np.array([1.0, 4.0, 4.0, 0.0, 4.0])  # a three-way tie
    return PRIMS[name].fn, a, b


@pytest.mark.parametrize("name", ["numpy.max", "numpy.min"])
def test_convention_max_min_reduction_ties_share_g_equally(name):
    fn, a, b = _tied(name)
    vjp = _rule(name, "vjp")
    np.testing.assert_allclose(vjp(np.array([1.0, 4.0]), fn(a, axis=1), a, axis=1), [[0, 0.5, 0.5], [2.0, 2.0, 0]])
    np.testing.assert_allclose(vjp(np.array([[1.0], [4.0]]), fn(a, axis=1, keepdims=True), a, axis=1, keepdims=True),
                               [[0, 0.5, 0.5], [2.0, 2.0, 0]])
    np.testing.assert_allclose(vjp(3.0, fn(b), b), [0.0, 1.0, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(vjp(np.array([[6.0]]), fn(a, keepdims=True), a, keepdims=True),
                               [[0, 3.0, 3.0], [0, 0, 0]])


@pytest.mark.parametrize("name", ["numpy.max", "numpy.min"])
def test_convention_max_min_reduction_jvp_averages_tied_tangents(name):
    fn, a, b = _tied(name)
    jvp = _rule(name, "jvp")
    np.testing.assert_allclose(jvp(np.array([0.0, 3.0, 6.0, 0.0, 0.0]), fn(b), b), 3.0)
    t = np.array([[9.0, 1.0, 3.0], [5.0, -1.0, 7.0]])
    np.testing.assert_allclose(jvp(t, fn(a, axis=1, keepdims=True), a, axis=1, keepdims=True), [[2.0], [2.0]])
    np.testing.assert_allclose(jvp(t, fn(a, axis=1), a, axis=1), [2.0, 2.0])


def test_convention_sqrt_at_zero_is_inf():
    with np.errstate(divide="ignore"):
        x = np.array([0.0, 4.0])
        ans = np.sqrt(x)
        np.testing.assert_array_equal(_rule("numpy.sqrt", "jvp")(np.ones(2), ans, x), [np.inf, 0.25])
        np.testing.assert_array_equal(_rule("numpy.sqrt", "vjp")(np.ones(2), ans, x), [np.inf, 0.25])


@pytest.mark.parametrize("name", ["numpy.power", "operator.pow"])
def test_convention_power_exponent_derivative_at_zero_base(name):
    x, y = np.array([0.0, 2.0]), np.array([1.5, 3.0])
    ans = PRIMS[name].fn(x, y)
    np.testing.assert_allclose(_rule(name, "vjp", 1)(np.ones(2), ans, x, y), [0.0, 8.0 * np.log(2.0)])
    np.testing.assert_allclose(_rule(name, "jvp", 1)(np.ones(2), ans, x, y), [0.0, 8.0 * np.log(2.0)])


@pytest.mark.parametrize("name", ["builtins.max", "builtins.min"])
def test_convention_builtin_max_min_ties(name):
    """Two-argument form: 1/2 to each on a tie; one iterable: ``g`` shared by the tied entries
    (the JVP averages their tangents)."""
    fn = PRIMS[name].fn
    assert _rule(name, "vjp", 0)(4.0, 1.5, 1.5, 1.5) == _rule(name, "vjp", 1)(4.0, 1.5, 1.5, 1.5) == 2.0
    assert _rule(name, "jvp", 0)(1.0, 1.5, 1.5, 1.5) + _rule(name, "jvp", 1)(1.0, 1.5, 1.5, 1.5) == 1.0
    sign = 1.0 if name == "builtins.max" else -1.0
    xs = [sign * v for v in (1.0, 3.0, 0.0, 3.0)]
    ans = fn(xs)
    assert _rule(name, "vjp")(6.0, ans, xs) == [0.0, 3.0, 0.0, 3.0]
    assert _rule(name, "jvp")([5.0, 1.0, 7.0, 2.0], ans, xs) == 1.5
    arr = np.array(xs)
    np.testing.assert_array_equal(_rule(name, "vjp")(6.0, fn(arr), arr), [0.0, 3.0, 0.0, 3.0])


END_TO_END_BY_NAME = {e.fn.__name__: e for e in END_TO_END}


# ------------------------------------------------------------------ summary


def test_zz_print_coverage_summary(capsys):
    jvp_prims = {p[0] for p in (param.values for param in JVP_PARAMS)}
    vjp_prims = {p[0] for p in (param.values for param in VJP_PARAMS)}
    n_cases = sum(len(v) for v in CASES.values())
    covered = _e2e_covered()
    with capsys.disabled():
        print(
            f"\n[tangent_lite rule coverage] {len(DIFFERENTIABLE)} differentiable primitives, {n_cases} cases; "
            f"JVP rules: {len(jvp_prims)} primitives / {len(JVP_PARAMS)} checks; "
            f"VJP rules: {len(vjp_prims)} primitives / {len(VJP_PARAMS)} checks; "
            f"end to end: {len(END_TO_END)} functions covering {len(covered)} primitives (forward and reverse)"
        )
    assert jvp_prims == vjp_prims == {p.name for p in DIFFERENTIABLE}
