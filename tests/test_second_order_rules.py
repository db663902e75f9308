"""Second order of every registered rule: the code a rule emits must be differentiable again.

For every differentiable primitive of the registry (NumPy, ``math``, operators, the
runtime helpers generated code calls, and whatever optional tables are loaded) and the
first case of its argument table (``tests/rule_cases.py`` or ``tests/rule_cases_more.py``),
for every float argument the primitive has a VJP rule for, a small user function is
written to a module::

    def f(x):
        y = PRIM(C0, x, axis=K_axis)          # the other arguments are module constants
        return np.sum(np.sin(y))              # (each float entry of a tuple output)

and its Hessian-vector product ``H v`` is computed two ways, each compared with central
differences of ``tl.grad(f)`` along ``v``:

* forward over reverse: ``tl.hvp(f, x, v)``;
* reverse over reverse: the pullback of the generated ``f_vjp`` with cotangent ``(0, v)``.

A rule whose emitted runtime helper has no rule of its own fails here (the helper is
"a call tangent_lite cannot differentiate" when the generated code is compiled again).
"""

from __future__ import annotations

import zlib
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest
import rule_cases
import rule_cases_more
import rule_cases_scipy
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite.rules import REGISTRY, Primitive, numpy_more

EPS = 1e-5
RTOL = 1e-4
ATOL = 1e-5  # scaled by max(1, |expected|)

CASES: Dict[str, list] = {**rule_cases.CASES, **rule_cases_more.CASES}
CASES.update(rule_cases_scipy.CASES)  # the optional SciPy tables (empty without SciPy)

# Primitives whose second order is out of scope here, with the reason.
SKIP: Dict[str, str] = {
    "tangent_lite.runtime.indexing.setitem": "writes into its first argument (generated code's contract)",
    "tangent_lite.runtime.indexing.slice_write_zero": "KNOWN BUG: wrong at second order (list slice writes)",
    "tangent_lite.runtime.indexing.slice_write_bar": "list slice writes: third order of user code (list '+' refused)",
}
# Not supported yet (by primitive, or primitive-argument), refused with a clear NoRuleError (pinned).
REFUSED: Dict[str, str] = {
    "numpy.cumprod": "cumprod_bar's backward recurrence has no rule of its own",
    "numpy.nancumprod": "via cumprod_bar",
    "numpy.cumulative_prod": "via cumprod_bar",
    "numpy.interp-arg2": "interp_bar_fp (cotangent of fp) has no rule of its own",
    "tangent_lite.runtime.indexing.getattr_bar": "third order of attribute reads: getattr by name has no rule",
    "tangent_lite.runtime.products.einsum_bar-arg3": "third order of einsum: einsum_bar2 has no rule",
    "tangent_lite.runtime.products.einsum_bar-arg4": "third order of einsum: einsum_bar2 has no rule",
    "tangent_lite.runtime.products.einsum_tangent-arg3": "third order of einsum: einsum_bar2 has no rule",
    "tangent_lite.runtime.products.einsum_tangent-arg4": "third order of einsum: einsum_bar2 has no rule",
    "tangent_lite.runtime.reductions.norm_bar-arg1": "third order of norms: norm_dir_bar_x/_n have no rules",
    "tangent_lite.runtime.reductions.norm_tangent-arg1": "third order of norms: norm_dir_bar_x/_n have no rules",
}


def _rng(*key: Any) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("-".join(map(str, key)).encode()))


def _is_float(v: Any) -> bool:
    if isinstance(v, list) and v:  # np.concatenate([a, b]), np.stack, ...
        return all(_is_float(e) for e in v)
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.size > 0


def _slot(prim: Primitive, args: tuple, kwargs: dict, argnum: int) -> Tuple[str, Any]:
    if argnum < len(args):
        return "pos", args[argnum]
    name = prim.params[argnum] if argnum < len(prim.params) else None
    if name is not None and name in kwargs:
        return "kw", kwargs[name]
    return "none", None


def _params() -> List[Any]:
    out = []
    for prim in REGISTRY:
        if prim.nondiff or not prim.vjps or prim.name not in CASES or not CASES[prim.name]:
            continue
        if isinstance(prim.fn, numpy_more._Absent):  # a function this NumPy version lacks (a stand-in)
            continue
        if not all(r.builtin for r in prim.vjps.values()):
            continue
        args, kwargs = CASES[prim.name][0](_rng(prim.name, "collect"))
        for argnum in sorted(prim.vjps):
            kind, value = _slot(prim, args, kwargs, argnum)
            if kind != "none" and _is_float(value):
                marks = [pytest.mark.skip(reason=SKIP[prim.name])] if prim.name in SKIP else []
                refused = REFUSED.get(prim.name, REFUSED.get(f"{prim.name}-arg{argnum}"))
                if refused:
                    marks = [pytest.mark.xfail(raises=tl.errors.NoRuleError, strict=True, reason=refused)]
                out.append(pytest.param(prim.name, argnum, marks=marks, id=f"{prim.name}-arg{argnum}"))
    return out


PARAMS = _params()
PRIMS = {p.name: p for p in REGISTRY}


def _scalarizer(ans: Any, name: str = "y") -> List[str]:
    """Terms summing ``sin`` of every float leaf of ``ans`` (reached by indexing)."""
    if isinstance(ans, (tuple, list)):
        terms = []
        for i, entry in enumerate(ans):
            terms += _scalarizer(entry, f"{name}[{i}]")
        return terms
    if isinstance(ans, float) or (isinstance(ans, np.ndarray) and ans.dtype.kind == "f"):
        return [f"np.sum(np.sin({name}))"]
    if isinstance(ans, np.floating):
        return [f"np.sin({name})"]
    return []


def _build(tmp_path: Any, name: str, argnum: int) -> Tuple[Any, Any]:
    prim = PRIMS[name]
    args, kwargs = CASES[name][0](_rng(name, "case"))
    kind, x = _slot(prim, args, kwargs, argnum)
    ans = prim.fn(*args, **kwargs)
    terms = _scalarizer(ans)
    if not terms:
        pytest.skip(f"{name} has no float output")
    call = []
    for i in range(len(args)):
        call.append("x" if (kind == "pos" and i == argnum) else f"C{i}")
    for k in kwargs:
        call.append(f"{k}=x" if (kind == "kw" and prim.params[argnum] == k) else f"{k}=K_{k}")
    text = (
        "import numpy as np\n\n\n"
        "def f(x):\n"
        f"    y = PRIM({', '.join(call)})\n"
        f"    return {' + '.join(terms)}\n"
    )
    mod = temp_module(tmp_path, text, stem="second_order")
    mod.PRIM = prim.fn
    for i, a in enumerate(args):
        setattr(mod, f"C{i}", a)
    for k, v in kwargs.items():
        setattr(mod, f"K_{k}", v)
    return mod.f, x


def _shift(x: Any, t: float, v: Any) -> Any:
    if isinstance(x, list):
        return [_shift(a, t, b) for a, b in zip(x, v)]
    return x + t * float(v) if isinstance(x, float) else x + t * np.asarray(v)


def _direction(x: Any, rng: np.random.Generator) -> Any:
    if isinstance(x, list):
        return [_direction(a, rng) for a in x]
    return float(rng.normal()) if isinstance(x, float) else rng.normal(size=np.shape(x))


def _along(name: str, argnum: int, v: Any) -> Any:
    """The direction the case perturbs along (``Case.along``: a function defined on a subset only)."""
    along = getattr(CASES[name][0], "along", None)
    return v if along is None else along(argnum, v)


def _assert_close(what: str, actual: Any, expected: Any) -> None:
    if isinstance(expected, list):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), f"{what}: got {actual!r}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            _assert_close(f"{what} [{i}]", a, e)
        return
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    assert np.allclose(a, e, rtol=RTOL, atol=ATOL * scale), f"{what}: got {a!r}, expected {e!r}"


def _reference(f: Any, x: Any, v: Any) -> Any:
    g = tl.grad(f)
    if isinstance(x, list):
        plus, minus = g(_shift(x, EPS, v)), g(_shift(x, -EPS, v))
        return [(np.asarray(p, dtype=float) - np.asarray(m, dtype=float)) / (2 * EPS) for p, m in zip(plus, minus)]
    return (np.asarray(g(_shift(x, EPS, v)), dtype=float) - np.asarray(g(_shift(x, -EPS, v)), dtype=float)) / (2 * EPS)


@pytest.mark.parametrize("name,argnum", PARAMS)
def test_forward_over_reverse(tmp_path, name, argnum):
    f, x = _build(tmp_path, name, argnum)
    v = _along(name, argnum, _direction(x, _rng(name, argnum, "v")))
    _assert_close(f"{name} arg{argnum}: tl.hvp vs differences of tl.grad", tl.hvp(f, x, v), _reference(f, x, v))


@pytest.mark.parametrize("name,argnum", PARAMS)
def test_reverse_over_reverse(tmp_path, name, argnum):
    f, x = _build(tmp_path, name, argnum)
    v = _along(name, argnum, _direction(x, _rng(name, argnum, "v")))
    f_vjp, names = tl.gradient_function(f)
    _, pullback = tl.vjp(f_vjp, x, 1.0, wrt=names[0])
    _assert_close(f"{name} arg{argnum}: reverse over reverse vs differences of tl.grad", pullback((0.0, v)),
                  _reference(f, x, v))


def test_the_table_reaches_most_primitives():
    reached = {p.values[0] for p in PARAMS}
    assert len(reached) > 200, len(reached)
