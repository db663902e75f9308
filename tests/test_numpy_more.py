"""Checks of every rule in ``tangent_lite/rules/numpy_more.py``, and end-to-end checks of
compiled derivatives that use them.

For each (primitive, case in ``rule_cases_more.CASES``, argument with a rule):

* JVP: the rule, called directly as ``rule(v, ans, *args, **kwargs)``, against central
  finite differences of the primal along a random direction ``v``.  Rules registered
  with ``broadcast=True`` may return a smaller shape; every other JVP rule must return
  ``ans``'s shape (tuple/list outputs: entrywise).
* VJP: against the JVP rule through ``<J v, w> == <v, J^T w>`` for random ``v`` and ``w``;
  the cotangent must have exactly the argument's shape (list arguments: entrywise).

Arguments are differentiated wherever they are passed (positionally or by keyword).
A primitive registered in ``numpy_more.py`` without cases, or a rule no case
exercises, is a test failure.  The tie/kink conventions stated in the module
docstring of ``numpy_more.py`` are pinned by the ``test_convention_*`` tests.
"""

from __future__ import annotations

import zlib
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest
from rule_cases_more import CASES, END_TO_END, EndToEnd

import tangent_lite as tl
from tangent_lite import runtime
from tangent_lite.rules import REGISTRY, Primitive, numpy_more
from tangent_lite.runtime import sources as runtime_sources

EPS = 1e-6
FD_RTOL = 1e-5
FD_ATOL = 1e-6  # scaled by max(1, |expected|)
ADJOINT_RTOL = 1e-9

MODULE = numpy_more.__name__

# np.cross of 2-vectors is deprecated in NumPy 2 but still supported (and tested)
pytestmark = pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")


def _rules_from(prim: Primitive) -> set:
    return {r.template.fn.__module__ for table in (prim.jvps, prim.vjps) for r in table.values()}


# functions this NumPy version lacks are registered under stand-ins (numpy_more._Absent): not tested
MORE: Dict[str, Primitive] = {p.name: p for p in REGISTRY if MODULE in _rules_from(p)
                              and not isinstance(p.fn, numpy_more._Absent)}
ABSENT = {p.name for p in REGISTRY if isinstance(p.fn, numpy_more._Absent)}
NEW_NUMPY = tuple(int(v) for v in np.__version__.split(".")[:2]) >= (2, 1)  # clip(min=, max=), unstack
NONDIFF = [REGISTRY.get(fn) for fn in numpy_more.NONDIFFERENTIABLE]


# ------------------------------------------------------------------ pytrees of floats / arrays


def _rng(*key: Any) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("-".join(map(str, key)).encode()))


def _is_float_leaf(v: Any) -> bool:
    """A float or complex leaf (complex leaves: the convention of docs/complex-numbers.md, random
    complex directions and the pairing ``Re(sum(a * b))``)."""
    if isinstance(v, bool):
        return False
    if isinstance(v, (float, complex)):
        return True
    return isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.inexact)


def _leaf(v: Any) -> np.ndarray:
    """``v`` as a float array, or a complex one."""
    return np.asarray(v, dtype=complex if np.iscomplexobj(v) else float)


def _differentiable(v: Any) -> bool:
    if isinstance(v, (list, tuple)):
        return len(v) > 0 and all(_is_float_leaf(e) for e in v)
    return _is_float_leaf(v)


def _plain(v: Any) -> Any:
    """Tuples (also named ones) and lists as lists, leaves as float (or complex) arrays."""
    if isinstance(v, (list, tuple)):
        return [_plain(e) for e in v]
    return _leaf(v)


def _rand_like(v: Any, rng: np.random.Generator) -> Any:
    if isinstance(v, tuple):
        return tuple(_rand_like(e, rng) for e in v)
    if isinstance(v, list):
        return [_rand_like(e, rng) for e in v]
    if isinstance(v, float):
        return float(rng.normal())
    if np.iscomplexobj(v):
        return np.asarray(rng.normal(size=np.shape(v)) + 1j * rng.normal(size=np.shape(v)))
    return np.asarray(rng.normal(size=np.shape(v)))


def _axpy(x: Any, alpha: float, v: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_axpy(a, alpha, b) for a, b in zip(x, v))
    if isinstance(x, float) and not isinstance(x, np.floating):
        return x + alpha * float(v)
    return x + alpha * np.asarray(v)


def _shapes(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_shapes(e) for e in v]
    return np.shape(v)


def _vdot(a: Any, b: Any) -> float:
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"structure mismatch: {_shapes(a)} vs {_shapes(b)}"
        return sum(_vdot(x, y) for x, y in zip(a, b))
    return float(np.real(np.sum(_leaf(a) * _leaf(b))))


def _abs_vdot(a: Any, b: Any) -> float:
    if isinstance(a, (list, tuple)):
        return sum(_abs_vdot(x, y) for x, y in zip(a, b))
    return float(np.sum(np.abs(_leaf(a) * _leaf(b))))


def _tree_map(f: Any, *trees: Any) -> Any:
    first = trees[0]
    if isinstance(first, (list, tuple)):
        return [_tree_map(f, *leaves) for leaves in zip(*trees)]
    return f(*trees)


def _assert_close(what: str, actual: Any, expected: Any, rtol: float = FD_RTOL, atol: float = FD_ATOL) -> None:
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), (
            f"{what}: structure {_shapes(actual)} != expected {_shapes(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _assert_close(f"{what} [entry {i}]", a, e, rtol, atol)
        return
    a = _leaf(actual)
    e = _leaf(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    if not np.allclose(a, e, rtol=rtol, atol=atol * scale):
        err = float(np.max(np.abs(a - e)))
        raise AssertionError(f"{what}: max abs error {err:.3g}\n  got      {a!r}\n  expected {e!r}")


# ------------------------------------------------------------------ calling rules


class Call:
    """One case of one primitive: arguments, the differentiated slot, and the primal output."""

    def __init__(self, name: str, ci: int, tag: str):
        self.prim = MORE[name]
        self.rng = _rng(name, ci, tag)
        self.args, self.kwargs = CASES[name][ci](self.rng)
        self.ans = self.prim.fn(*self.args, **self.kwargs)
        self.where = f"{name} case{ci} [{CASES[name][ci].label}]"

    def value(self, argnum: int) -> Any:
        return _slot_value(self.prim, self.args, self.kwargs, argnum)

    def primal_with(self, argnum: int, value: Any) -> Any:
        args, kwargs = list(self.args), dict(self.kwargs)
        if argnum < len(args):
            args[argnum] = value
        else:
            kwargs[self.prim.params[argnum]] = value
        return self.prim.fn(*args, **kwargs)

    def rule(self, kind: str, argnum: int, seed: Any) -> Any:
        table = self.prim.jvps if kind == "jvp" else self.prim.vjps
        return table[argnum].template.fn(seed, self.ans, *self.args, **self.kwargs)

    def finite_difference(self, argnum: int, v: Any) -> Any:
        x = self.value(argnum)
        plus, minus = self.primal_with(argnum, _axpy(x, EPS, v)), self.primal_with(argnum, _axpy(x, -EPS, v))
        return _tree_map(lambda p, m: (_leaf(p) - _leaf(m)) / (2 * EPS),
                         _plain(plus), _plain(minus))

    def jvp(self, argnum: int, v: Any) -> Any:
        t = self.rule("jvp", argnum, v)
        if self.prim.jvps[argnum].broadcast:
            return _tree_map(lambda leaf, like: np.broadcast_to(leaf, np.shape(like)), t, _plain(self.ans))
        assert _shapes(t) == _shapes(self.ans), (
            f"{self.where} arg{argnum}: JVP rule returned shape {_shapes(t)}, ans has {_shapes(self.ans)}")
        return t


_MISSING = object()


def _slot_value(prim: Primitive, args: tuple, kwargs: dict, argnum: int) -> Any:
    if argnum < len(args):
        return args[argnum]
    return kwargs.get(prim.params[argnum], _MISSING)


def _params(kind: str) -> Tuple[List[Any], Dict[Tuple[str, int], int]]:
    """(pytest params, how many cases exercise each (primitive, argnum))."""
    out, used = [], {}
    for name, prim in sorted(MORE.items()):
        table = prim.jvps if kind == "jvp" else prim.vjps
        for ci, c in enumerate(CASES.get(name, [])):
            args, kwargs = c(_rng(name, ci, "collect"))
            for argnum in sorted(table):
                if _differentiable(_slot_value(prim, args, kwargs, argnum)):
                    used[(name, argnum)] = used.get((name, argnum), 0) + 1
                    out.append(pytest.param(name, ci, argnum, id=f"{name}-case{ci}-arg{argnum}"))
    return out, used


JVP_PARAMS, JVP_USED = _params("jvp")
VJP_PARAMS, VJP_USED = _params("vjp")


# ------------------------------------------------------------------ coverage


def test_registers_well_over_150_numpy_functions():
    both = [p for p in REGISTRY if p.name.startswith("numpy") and p.jvps and p.vjps]
    assert len(both) >= 150, f"only {len(both)} NumPy functions have rules in both modes"
    assert len(MORE) >= 120, f"numpy_more.py registers rules for only {len(MORE)} primitives"


def test_every_primitive_in_numpy_more_has_cases():
    missing = sorted(n for n in MORE if not CASES.get(n))
    assert not missing, f"primitives with rules in numpy_more.py but no cases in tests/rule_cases_more.py: {missing}"


def test_case_table_names_primitives_of_numpy_more():
    unknown = sorted(n for n in CASES if n not in MORE and n not in ABSENT)
    assert not unknown, f"rule_cases_more.CASES names primitives without rules in numpy_more.py: {unknown}"


def test_every_rule_is_exercised_by_some_case():
    for kind, used, table_of in (("jvp", JVP_USED, lambda p: p.jvps), ("vjp", VJP_USED, lambda p: p.vjps)):
        missing = sorted(f"{n}[{p.params[a]}]" for n, p in MORE.items() for a in table_of(p) if (n, a) not in used
                         and (NEW_NUMPY or not (n == "numpy.clip" and p.params[a] in ("min", "max"))))
        assert not missing, f"{kind.upper()} rules no case differentiates: {missing}"


def test_every_rule_has_both_modes():
    lopsided = {n: (sorted(p.jvps), sorted(p.vjps)) for n, p in MORE.items() if set(p.jvps) != set(p.vjps)}
    assert not lopsided, f"primitives whose JVP and VJP rules cover different arguments: {lopsided}"


def test_numpy_more_does_not_touch_other_tables():
    mixed = sorted(n for n, p in MORE.items() if _rules_from(p) != {MODULE})
    assert not mixed, f"primitives with rules both in numpy_more.py and elsewhere: {mixed}"


def test_nondifferentiable_functions_are_registered():
    assert len(NONDIFF) >= 30
    bad = [p.name for p in NONDIFF if p is None or not p.nondiff or p.jvps or p.vjps]
    assert not bad, f"not registered as non-differentiable: {bad}"
    assert REGISTRY.get(np.unique) is None, "np.unique must not get a silent zero derivative"


def test_runtime_helpers_are_exported_without_clashes():
    """Every helper of every runtime module is reachable as ``_tl.<name>``, no two modules
    define the same name, and ``helper_sources`` reads them all (adgen inlines from them)."""
    import os

    here = os.path.dirname(runtime.__file__)
    files = {f[:-3] for f in os.listdir(here) if f.endswith(".py") and f not in ("__init__.py", "sources.py")}
    assert files == {m.__name__.rpartition(".")[2] for m in runtime_sources.MODULES}
    seen: Dict[str, str] = {}
    for module in runtime_sources.MODULES:
        defined = {n for n, v in vars(module).items()
                   if callable(v) and getattr(v, "__module__", None) == module.__name__}
        clashes = {n: seen[n] for n in defined if n in seen}
        assert not clashes, f"{module.__name__} defines names of other runtime modules: {clashes}"
        seen.update(dict.fromkeys(defined, module.__name__))
        for name in defined:
            assert getattr(runtime, name) is getattr(module, name), name
    assert set(runtime.__all__) <= set(seen)


@pytest.mark.parametrize("name", sorted(set(runtime.__all__)))
def test_helper_sources_are_self_contained(name):
    """``adgen`` pastes helpers into standalone files: everything they call must come along."""
    from tangent_lite.backends import codegen

    ns: Dict[str, Any] = {}
    header = codegen._inlined_runtime_imports()  # what adgen's standalone factory imports
    exec(compile(header + runtime.helper_sources([name]), name, "exec"), ns)
    assert callable(ns[name])


# ------------------------------------------------------------------ every rule, numerically


@pytest.mark.parametrize("name,ci,argnum", JVP_PARAMS)
def test_jvp_rule_matches_finite_differences(name, ci, argnum):
    c = Call(name, ci, "jvp")
    v = _rand_like(c.value(argnum), c.rng)
    t = c.jvp(argnum, v)
    _assert_close(f"{c.where} arg{argnum}: JVP rule vs central differences", _plain(t), c.finite_difference(argnum, v))


@pytest.mark.parametrize("name,ci,argnum", VJP_PARAMS)
def test_vjp_rule_is_adjoint_of_jvp_rule(name, ci, argnum):
    c = Call(name, ci, "vjp")
    x = c.value(argnum)
    v = _rand_like(x, c.rng)
    t = _plain(c.jvp(argnum, v))
    w = _rand_like(tuple(c.ans) if isinstance(c.ans, tuple) else c.ans, c.rng)
    ct = c.rule("vjp", argnum, w)
    assert _shapes(ct) == _shapes(x), (
        f"{c.where} arg{argnum}: VJP rule returned shape {_shapes(ct)}, the argument has {_shapes(x)}")
    lhs, rhs = _vdot(t, w), _vdot(v, ct)
    scale = max(1.0, _abs_vdot(t, w), _abs_vdot(v, ct))
    assert abs(lhs - rhs) <= ADJOINT_RTOL * scale, f"{c.where} arg{argnum}: <J v, w> = {lhs!r} but <v, J^T w> = {rhs!r}"


def test_tuple_output_cotangents_accept_none_entries():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    ans = np.linalg.eigh(a)
    only_w = numpy_more.eigh_vjp((np.ones(2), None), ans, a)
    np.testing.assert_allclose(only_w, numpy_more.eigh_vjp((np.ones(2), np.zeros((2, 2))), ans, a))
    np.testing.assert_allclose(only_w, np.tril(np.eye(2)), atol=1e-12)  # d trace / dA on the lower triangle
    sl = np.linalg.slogdet(a)
    np.testing.assert_allclose(numpy_more.slogdet_vjp((None, 1.0), sl, a), np.linalg.inv(a).T)
    pieces = np.split(np.arange(6.0), 3)
    np.testing.assert_array_equal(numpy_more.split_vjp([None, np.ones(2), None], pieces, np.arange(6.0), 3),
                                  [0, 0, 1, 1, 0, 0])


# ------------------------------------------------------------------ conventions at kinks and ties


def test_convention_clip_at_bounds_splits_evenly():
    a = np.array([-1.0, 0.0, 0.5, 2.0, 1.0])
    lo, hi = 0.0, 1.0
    ans = np.clip(a, lo, hi)
    g = np.ones(5)
    ga = numpy_more.clip_vjp_a(g, ans, a, lo, hi)
    np.testing.assert_array_equal(ga, [0.0, 0.5, 1.0, 0.0, 0.5])
    glo, ghi = numpy_more.clip_vjp_a_min(g, ans, a, lo, hi), numpy_more.clip_vjp_a_max(g, ans, a, lo, hi)
    assert float(glo) == 1.5 and float(ghi) == 1.5
    np.testing.assert_array_equal(ga + np.array([1.0, 0.5, 0, 0, 0]) + np.array([0, 0, 0, 1.0, 0.5]), g)
    np.testing.assert_array_equal(numpy_more.clip_jvp_a(np.ones(5), ans, a, lo, hi), ga)


def test_convention_fmax_fmin_ties_and_nans():
    x, y = np.array([1.0, 2.0, np.nan]), np.array([1.0, 0.0, 3.0])
    ans = np.fmax(x, y)
    np.testing.assert_array_equal(numpy_more.fmax_vjp_x1(np.ones(3), ans, x, y), [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(numpy_more.fmax_vjp_x2(np.ones(3), ans, x, y), [0.5, 0.0, 1.0])
    ans = np.fmin(x, y)
    np.testing.assert_array_equal(numpy_more.fmin_vjp_x1(np.ones(3), ans, x, y), [0.5, 0.0, 0.0])


def test_convention_sort_and_median_ties_share_the_tangent():
    a = np.array([3.0, 1.0, 3.0, 0.0])
    t = np.array([4.0, 1.0, 2.0, 5.0])
    np.testing.assert_array_equal(numpy_more.sort_jvp(t, np.sort(a), a), [5.0, 1.0, 3.0, 3.0])
    np.testing.assert_array_equal(numpy_more.sort_vjp(np.array([0.0, 0.0, 1.0, 0.0]), np.sort(a), a),
                                  [0.5, 0.0, 0.5, 0.0])
    b = np.array([1.0, 2.0, 2.0, 2.0, 5.0])
    np.testing.assert_allclose(numpy_more.median_vjp(1.0, np.median(b), b), [0, 1 / 3, 1 / 3, 1 / 3, 0])
    c = np.array([4.0, 1.0, 3.0, 2.0])
    np.testing.assert_allclose(numpy_more.median_vjp(1.0, np.median(c), c), [0, 0, 0.5, 0.5])


def test_convention_zero_derivative_at_the_kinks_of_norms_and_spreads():
    z = np.zeros(3)
    np.testing.assert_array_equal(numpy_more.norm_vjp(1.0, 0.0, z), z)
    np.testing.assert_array_equal(numpy_more.vector_norm_vjp(1.0, 0.0, z, ord=3), z)
    assert float(numpy_more.norm_jvp(np.ones(3), 0.0, z)) == 0.0
    c = np.full(4, 2.0)
    np.testing.assert_array_equal(numpy_more.std_vjp(1.0, np.std(c), c), np.zeros(4))
    assert float(numpy_more.std_jvp(np.arange(4.0), np.std(c), c)) == 0.0
    assert float(numpy_more.hypot_vjp_x1(1.0, 0.0, 0.0, 0.0)) == 0.0
    assert float(numpy_more.fabs_vjp(1.0, 0.0, 0.0)) == 0.0
    assert float(numpy_more.copysign_vjp_x1(1.0, 0.0, 0.0, -2.0)) == 0.0
    np.testing.assert_array_equal(numpy_more.sinc_vjp(np.ones(1), np.ones(1), np.zeros(1)), [0.0])


def test_convention_inf_norm_and_ptp_ties_share_evenly():
    x = np.array([1.0, -3.0, 3.0, 0.5])
    np.testing.assert_allclose(numpy_more.norm_vjp(1.0, 3.0, x, np.inf), [0, -0.5, 0.5, 0])
    y = np.array([2.0, 0.0, 2.0, 0.0, 1.0])
    np.testing.assert_allclose(numpy_more.ptp_vjp(1.0, np.ptp(y), y), [0.5, -0.5, 0.5, -0.5, 0])


def test_convention_interp_at_a_knot_averages_the_slopes():
    xp, fp = np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 3.0])
    x = np.array([1.0, 0.5, 0.0, 2.0, 3.0])
    d = numpy_more.interp_vjp_x(np.ones(5), np.interp(x, xp, fp), x, xp, fp)
    np.testing.assert_allclose(d, [1.5, 1.0, 0.5, 1.0, 0.0])


def test_cbrt_at_zero_is_inf_like_sqrt():
    with np.errstate(divide="ignore"):
        assert numpy_more.cbrt_vjp(1.0, np.cbrt(0.0), 0.0) == np.inf


# ------------------------------------------------------------------ unsupported options raise clearly


@pytest.mark.parametrize("call", [
    lambda: numpy_more.svd_vjp((None, np.ones(2), None), np.linalg.svd(np.eye(2)), np.eye(2), hermitian=True),
    lambda: numpy_more.pinv_vjp(np.ones((2, 2)), np.eye(2), np.eye(2), None, True),
    lambda: numpy_more.qr_vjp((np.ones((2, 3)), np.ones((2, 3))), np.linalg.qr(np.ones((2, 3))), np.ones((2, 3))),
    lambda: numpy_more.pad_vjp(np.ones(5), np.ones(5), np.ones(3), 1, "mean"),
    lambda: numpy_more.average_vjp_a(1.0, 1.0, np.ones(3), None, None, True),
])
def test_unsupported_options_raise_not_implemented(call):
    with pytest.raises(NotImplementedError, match="tangent_lite"):
        call()


def test_svd_complement_of_full_matrices_is_nan_only_when_used():
    a = np.arange(6.0).reshape(3, 2) + np.eye(3, 2)
    ans = np.linalg.svd(a)
    g_s = (np.zeros((3, 3)), np.ones(2), np.zeros((2, 2)))
    assert np.all(np.isfinite(numpy_more.svd_vjp(g_s, ans, a)))
    g_u = (np.ones((3, 3)), np.zeros(2), np.zeros((2, 2)))
    assert np.all(np.isnan(numpy_more.svd_vjp(g_u, ans, a)))
    du, ds, dvh = numpy_more.svd_jvp(np.ones((3, 2)), ans, a)
    assert np.all(np.isfinite(du[:, :2])) and np.all(np.isnan(du[:, 2])) and np.all(np.isfinite(ds))


# ------------------------------------------------------------------ end to end: compiled derivatives


def _e2e_args(e: EndToEnd) -> tuple:
    return e.make(_rng("e2e", e.fn.__name__))


@pytest.mark.parametrize("e", END_TO_END, ids=lambda e: e.fn.__name__)
def test_end_to_end_check_grads(e):
    if not NEW_NUMPY and e.fn.__name__ in ("use_split", "use_keywords"):
        pytest.skip("needs NumPy 2.1 (np.unstack, clip(min=, max=))")
    tl.check_grads(e.fn, _e2e_args(e))


def _primitives_used(fn: Any) -> set:
    import ast

    names = set()
    tree = ast.parse(tl.wengert(fn))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            obj: Optional[Any] = None
            parts = []
            f = node.func
            while isinstance(f, ast.Attribute):
                parts.append(f.attr)
                f = f.value
            if isinstance(f, ast.Name):
                obj = fn.__globals__.get(f.id)
                for p in reversed(parts):
                    obj = getattr(obj, p, None)
            prim = REGISTRY.get(obj) if obj is not None else None
            if prim is not None and prim.name in MORE:
                names.add(prim.name)
    return names


@pytest.mark.skipif(not NEW_NUMPY, reason="the subset includes NumPy 2.1 functions")
def test_end_to_end_covers_a_representative_subset():
    covered = set()
    for e in END_TO_END:
        covered |= _primitives_used(e.fn)
    assert len(covered) >= 50, f"end-to-end functions cover only {sorted(covered)}"
    linalg = {f"numpy.linalg.{n}" for n in ("solve", "inv", "det", "slogdet", "cholesky", "eigh", "svd", "qr",
                                            "pinv", "eigvalsh", "matrix_power", "multi_dot", "norm")}
    for group in (
        linalg,
        {"numpy.einsum", "numpy.tensordot", "numpy.kron", "numpy.cross", "numpy.inner"},
        {"numpy.concatenate", "numpy.stack", "numpy.hstack", "numpy.split", "numpy.array_split", "numpy.pad",
         "numpy.roll", "numpy.tile", "numpy.flip", "numpy.swapaxes", "numpy.moveaxis", "numpy.expand_dims",
         "numpy.squeeze", "numpy.broadcast_to"},
        {"numpy.clip", "numpy.fmax", "numpy.fmin", "numpy.take", "numpy.take_along_axis", "numpy.sort"},
        {"numpy.cumsum", "numpy.cumprod", "numpy.diff", "numpy.var", "numpy.std", "numpy.average", "numpy.median",
         "numpy.ptp", "numpy.nansum", "numpy.nanmean", "numpy.nanmax", "numpy.nanstd"},
        {"numpy.logaddexp", "numpy.hypot", "numpy.log2", "numpy.exp2", "numpy.arcsinh", "numpy.cbrt"},
        {"numpy.trace", "numpy.diag", "numpy.triu", "numpy.tril", "numpy.convolve", "numpy.interp"},
    ):
        assert group <= covered, f"end-to-end functions miss {sorted(group - covered)}"


def test_end_to_end_nondifferentiable_calls_pass_no_derivative():
    from rule_cases_more import use_nondiff_mix

    x = np.array([0.3, -1.2, 2.5, 0.9])
    g = tl.grad(use_nondiff_mix)(x)
    rank = np.searchsorted(np.sort(x), x)
    # d/dx sum(x[order] * rank) + sum(fix(x) * x): rank[j] where x[j] lands (order) and fix(x)
    expected = np.zeros(4)
    order = np.argsort(x)
    expected[order] += rank
    expected += np.fix(x)
    np.testing.assert_allclose(g, expected)


def test_end_to_end_einsum_generated_code_inlines_the_rule():
    from rule_cases_more import use_einsum

    text = tl.source(use_einsum, "vjp")
    assert "_tl.einsum_bar(" in text and "'ij,jk->ik'" in text
