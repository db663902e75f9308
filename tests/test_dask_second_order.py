"""Second-order derivatives (``tl.hvp``, and ``tl.grad`` / ``tl.jvp`` before them) of the registered
NumPy rules on Dask arrays stay lazy: the helpers that derivative code of derivative code calls
(``runtime/``) compute with the array's own library, never by converting it to NumPy.

The cases come from the rule tables (``tests/rule_cases.py``, ``tests/rule_cases_more.py``): for
each NumPy primitive whose first argument is a float array, ``f(x) = sum(w * prim(x, ...))`` is
differentiated with ``x`` a Dask array, under a scheduler that refuses to compute; the results are
lazy and equal NumPy's.  Primitives whose own value is not lazy on Dask (the primal computes,
or fails) are not counted; breaker 23 P1 found ``np.linalg.norm`` and ``np.prod``."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from rule_cases import CASES
from rule_cases_more import CASES as MORE_CASES

import tangent_lite as tl
from tangent_lite.rules.registry import REGISTRY

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


class Computed(AssertionError):
    pass


def _no_compute(dsk, keys, **kwargs):
    raise Computed("a Dask graph was computed while the derivative was built")


def _lazily(call, *args):
    with dask.config.set(scheduler=_no_compute):
        return call(*args)


def _user_function(tmp_path, fn, rest, kwargs, weight):
    """A user function calling the primitive ``fn`` on its argument (``rest``, ``kwargs``: the
    case's other arguments, module-level constants), written to a module file: tangent_lite
    reads its source."""
    names = [f"r{i}" for i in range(len(rest))] + [f"{k}={'k_' + k}" for k in kwargs]
    path = tmp_path / "lazy_case.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n"
                    f"    return np.sum(fn(x{''.join(', ' + n for n in names)}) * weight)\n")
    spec = importlib.util.spec_from_file_location(f"lazy_case_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.fn, module.weight = fn, weight
    for i, r in enumerate(rest):
        setattr(module, f"r{i}", r)
    for k, v in kwargs.items():
        setattr(module, "k_" + k, v)
    return module.f


PRIMS = {p.name: p for p in REGISTRY}
SKIP = {  # (name: why its derivatives are not expected to be lazy on Dask); none left (np.median was)
}


def _candidates():
    out = []
    for name, cases in sorted({**CASES, **MORE_CASES}.items()):
        prim = PRIMS.get(name)
        if prim is None or prim.nondiff or 0 not in prim.jvps or 0 not in prim.vjps:
            continue
        if not name.startswith("numpy.") or name in SKIP:
            continue
        for ci in range(min(3, len(cases))):
            out.append(pytest.param(name, ci, id=f"{name}-case{ci}"))
    return out


def _lazy_primal(prim, x, xd, rest, kwargs):
    """The primitive's value on Dask, if it is lazy (and a float array like NumPy's), else None."""
    try:
        want = prim.fn(x, *rest, **kwargs)
        got = _lazily(lambda: prim.fn(xd, *rest, **kwargs))
    except Exception:  # noqa: BLE001 - the primal itself is not lazy on Dask (computes, or fails)
        return None
    want = np.asarray(want) if isinstance(want, (np.ndarray, np.floating)) else None
    if not isinstance(got, da.Array) or want is None or want.dtype.kind != "f" \
            or any(n != n for n in got.shape):
        return None
    if not np.allclose(got.compute(), want, rtol=1e-10, atol=1e-12, equal_nan=True):
        return None  # (Dask's own function differs from NumPy's here: e.g. cholesky of a non-symmetric matrix)
    return want


@pytest.mark.parametrize("name, ci", _candidates())
def test_hvp_of_a_rule_on_dask_is_lazy(name, ci, tmp_path):
    prim = PRIMS[name]
    rng = np.random.default_rng(ci + 11)
    args, kwargs = {**CASES, **MORE_CASES}[name][ci](rng)
    x = args[0] if args else None
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.ndim >= 1):
        pytest.skip("the first argument is not a float array")
    rest = args[1:]
    xd = da.from_array(x, chunks=tuple(max(1, n // 2) for n in x.shape))
    want = _lazy_primal(prim, x, xd, rest, kwargs)
    if want is None:
        pytest.skip("the primitive's own value is not lazy on Dask, or not NumPy's")
    f = _user_function(tmp_path, prim.fn, rest, kwargs, rng.normal(size=want.shape))
    v = rng.normal(size=x.shape)
    try:
        expected = tl.hvp(f, x, v)
    except (tl.TangentLiteError, NotImplementedError) as exc:
        pytest.skip(f"no second order on NumPy either: {type(exc).__name__}")
    g = _lazily(tl.grad(f), xd)
    assert isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(), tl.grad(f)(x), rtol=1e-9, atol=1e-10)
    t = _lazily(tl.jvp, f, (xd,), (da.from_array(v, chunks=xd.chunks),))[1]
    np.testing.assert_allclose(np.asarray(t), tl.jvp(f, (x,), (v,))[1], rtol=1e-9, atol=1e-10)
    hv = _lazily(tl.hvp, f, xd, v)
    assert isinstance(hv, da.Array), type(hv)
    np.testing.assert_allclose(hv.compute(), expected, rtol=1e-8, atol=1e-9)


def test_breaker_norm_and_prod_hessians_are_lazy():
    """Breaker 23 P1: the 2-norm, the Frobenius norm and np.prod, wrt NumPy parameters over Dask data."""
    def f_norm(w, X):
        return np.linalg.norm(X @ w)

    def f_fro(w, X):
        return np.linalg.norm(X * w)

    def f_prod(w, X):
        return np.prod(X[:3] @ w)

    rng = np.random.RandomState(0)
    X = rng.randn(6, 3)
    Xd = da.from_array(X, chunks=(3, 3))
    w, v = rng.randn(3), np.array([0.3, -0.2, 0.5])
    for f in (f_norm, f_fro, f_prod):
        H = _lazily(tl.hessian(f), w, Xd)
        hv = _lazily(tl.hvp, f, w, v, Xd)
        assert isinstance(H, da.Array) and isinstance(hv, da.Array)
        np.testing.assert_allclose(H.compute(), tl.hessian(f)(w, X), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(hv.compute(), tl.hvp(f, w, v, X), rtol=1e-10, atol=1e-12)
