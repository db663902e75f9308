"""Functions written against the array API standard (``xp = array_namespace(x)``) differentiated
on the arrays of other libraries.

``array_api_strict`` is the proof that nothing is converted to NumPy behind the user's back: it
implements the standard and nothing else (no NumPy functions accept its arrays as their own, no
``.sum()`` methods), and every derivative must come back as one of its arrays.  The references
are the same functions run on NumPy arrays, hand-derived gradients, and the dot-product identity
between forward and reverse mode.  PyTorch and JAX run through ``array_api_compat`` when they are
installed (skipped cleanly otherwise).
"""

from __future__ import annotations

import numpy as np
import pytest

import tangent_lite as tl

compat = pytest.importorskip("array_api_compat")
xps = pytest.importorskip("array_api_strict")
array_namespace = compat.array_namespace
StrictArray = type(xps.asarray(0.0))


def mlp(W, b, X):
    xp = array_namespace(W, X)
    h = xp.tanh(xp.linalg.matmul(X, W) + b)
    return xp.sum(xp.mean(h * h, axis=0))


def logistic(w, X, y):
    xp = array_namespace(X)
    p = 1.0 / (1.0 + xp.exp(-(X @ w)))
    return -xp.mean(y * xp.log(p) + (1.0 - y) * xp.log(1.0 - p))


def standard_names(x):
    """Names the standard spells otherwise than NumPy, a method for the namespace, ``.mT``."""
    xp = x.__array_namespace__()
    A = xp.reshape(x, (2, 3))
    s = xp.acos(x * 0.1) + xp.pow(x, 2.0) + xp.atan2(x, 2.0 + x * x)
    B = xp.permute_dims(A, (1, 0)) @ A.mT.mT
    return xp.sum(s) + xp.sum(xp.concat([xp.asinh(x), x], axis=0) ** 2) + xp.sum(B)


def rosen_like(x):
    xp = array_namespace(x)
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0, axis=0, dtype=x.dtype)


def _to(xp, *arrays):
    return tuple(xp.asarray(a) for a in arrays)


def _np(a):
    return np.asarray(a) if not isinstance(a, (tuple, list)) else type(a)(_np(v) for v in a)


def _assert_strict(value):
    for v in value if isinstance(value, (tuple, list)) else (value,):
        assert isinstance(v, StrictArray), type(v)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_gradients_stay_in_array_api_strict(rng):
    W, b, X = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(5, 3))
    for wrt in (0, (0, 1), (0, 1, 2)):
        got = tl.grad(mlp, wrt=wrt)(*_to(xps, W, b, X))
        _assert_strict(got)
        want = tl.grad(mlp, wrt=wrt)(W, b, X)
        for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            np.testing.assert_allclose(_np(g), w, rtol=1e-12)
    # by hand: d/dW sum(mean(tanh(XW + b)^2, 0)) = X^T (2 h (1 - h^2)) / n
    h = np.tanh(X @ W + b)
    np.testing.assert_allclose(_np(tl.grad(mlp)(*_to(xps, W, b, X))), X.T @ (2 * h * (1 - h * h)) / 5, rtol=1e-12)


def test_logistic_regression_both_modes(rng):
    w, X = rng.normal(size=3), rng.normal(size=(8, 3))
    y = (rng.random(8) > 0.5).astype(float)
    ws, Xs, ys = _to(xps, w, X, y)
    g = tl.grad(logistic)(ws, Xs, ys)
    _assert_strict(g)
    p = 1 / (1 + np.exp(-X @ w))
    np.testing.assert_allclose(_np(g), X.T @ (p - y) / 8, rtol=1e-12)
    v = rng.normal(size=3)
    value, tangent = tl.jvp(logistic, (ws, Xs, ys), (xps.asarray(v),))
    _assert_strict((value, tangent))
    np.testing.assert_allclose(float(tangent), float(np.dot(_np(g), v)), rtol=1e-12)  # <J v, 1> == <v, J^T 1>


def test_standard_names_resolve_to_numpys_rules(rng):
    x = rng.uniform(0.5, 1.5, size=6)
    g = tl.grad(standard_names)(xps.asarray(x))
    _assert_strict(g)
    np.testing.assert_allclose(_np(g), tl.grad(standard_names)(x), rtol=1e-12)
    eps = 1e-6  # central differences
    fd = [(standard_names(x + eps * e) - standard_names(x - eps * e)) / (2 * eps) for e in np.eye(6)]
    np.testing.assert_allclose(_np(g), fd, rtol=1e-6)
    v = rng.normal(size=6)
    _, t = tl.jvp(standard_names, (xps.asarray(x),), (xps.asarray(v),))
    _assert_strict(t)
    np.testing.assert_allclose(float(t), float(np.dot(_np(g), v)), rtol=1e-10)


def test_float32_stays_float32(rng):
    x = rng.normal(size=5).astype(np.float32)
    g = tl.grad(rosen_like)(xps.asarray(x))
    assert g.dtype == xps.float32
    np.testing.assert_allclose(_np(g), tl.grad(rosen_like)(x.astype(np.float64)), rtol=1e-4)


def test_second_order(rng):
    x, v = rng.normal(size=4), rng.normal(size=4)
    Hv = tl.hvp(rosen_like, xps.asarray(x), xps.asarray(v))
    _assert_strict(Hv)
    np.testing.assert_allclose(_np(Hv), tl.hessian(rosen_like)(x) @ v, rtol=1e-10)


def test_a_function_the_standard_lacks_is_refused(rng):
    def uses_cumprod(x):
        xp = array_namespace(x)
        return xp.sum(xp.no_such_function(x))

    with pytest.raises(tl.TangentLiteError, match="no_such_function"):
        tl.grad(uses_cumprod)(xps.asarray(rng.normal(size=3)))


@pytest.mark.parametrize("library", ["torch", "jax.numpy"])
def test_other_libraries_through_array_api_compat(library, rng):
    lib = pytest.importorskip(library)
    if library == "jax.numpy":
        import jax

        jax.config.update("jax_enable_x64", True)
    W, b, X = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(5, 3))
    args = tuple(lib.asarray(a) for a in (W, b, X))
    got = tl.grad(mlp, wrt=(0, 1))(*args)
    assert all(type(g) is type(args[0]) for g in got)
    for g, w in zip(got, tl.grad(mlp, wrt=(0, 1))(W, b, X)):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-10)
    _, t = tl.jvp(mlp, args, (lib.asarray(np.ones((3, 2))),))
    np.testing.assert_allclose(float(t), float(np.sum(np.asarray(got[0]))), rtol=1e-10)


def test_scipy_rosen_through_its_source(rng):
    """SciPy's own array-API code: ``rosen`` begins ``xp = array_namespace(x); x = xp_promote(x,
    force_floating=True, xp=xp)`` and sums with ``xp.sum(..., axis=0, dtype=x.dtype)``."""
    optimize = pytest.importorskip("scipy.optimize")
    for x in (rng.normal(size=6), np.array([0.3, -1.2, 0.8, 1.5, 0.1])):
        np.testing.assert_allclose(tl.grad(optimize.rosen)(x), optimize.rosen_der(x), rtol=1e-12, atol=1e-12)
        v = rng.normal(size=x.shape)
        value, tangent = tl.jvp(optimize.rosen, (x,), (v,))
        np.testing.assert_allclose(value, optimize.rosen(x), rtol=1e-14)
        np.testing.assert_allclose(tangent, optimize.rosen_der(x) @ v, rtol=1e-12)
        np.testing.assert_allclose(tl.hvp(optimize.rosen, x, v), optimize.rosen_hess(x) @ v, rtol=1e-10)


def _sum_scaled(x):
    xp = array_namespace(x)
    return xp.sum(x * 2.5)


@pytest.mark.parametrize("library", ["array_api_strict", "torch", "jax.numpy", "dask.array"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_integer_and_bool_inputs_are_refused_like_numpys(library, dtype):
    """A torch int64 tensor once got a truncated int64 gradient: every library's integer and bool
    arrays are refused as NumPy's are, in both modes."""
    lib = pytest.importorskip(library)
    values = [1, 2] if dtype == "int64" else [True, False]
    x = lib.from_array(np.array(values)) if library == "dask.array" else lib.asarray(values)
    what = "an integer value" if dtype == "int64" else "a bool value"
    with pytest.raises(tl.ArgumentError, match=f"cannot differentiate with respect to 'x': it is {what}"):
        tl.grad(_sum_scaled)(x)
    with pytest.raises(tl.ArgumentError, match=f"it is {what}"):
        tl.jvp(_sum_scaled, (x,), (x,))


def _verified_module(tmp_path_factory):
    """One function per entry of ``xnp.VERIFIED`` (a module on disk: tangent_lite reads source)."""
    from tangent_lite.xnp import VERIFIED
    lines = ["from array_api_compat import array_namespace", ""]
    for name, call in VERIFIED.items():
        lines += [f"def f_{name}(x):", "    xp = array_namespace(x)", f"    y = {call}",
                  "    return xp.sum(y * y * 0.5 + y)", ""]
    path = tmp_path_factory.mktemp("verified") / "verified_functions.py"
    path.write_text("\n".join(lines))
    import importlib.util
    spec = importlib.util.spec_from_file_location("verified_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    return _verified_module(tmp_path_factory)


def _library(name):
    if name == "array_api_strict":
        return xps
    return pytest.importorskip(name)


_VERIFIED_NAMES = sorted(__import__("tangent_lite.xnp", fromlist=["VERIFIED"]).VERIFIED)


@pytest.mark.parametrize("library", ["array_api_strict", "torch"])
@pytest.mark.parametrize("name", _VERIFIED_NAMES)
def test_verified_function(name, library, verified):
    """Every entry of the table of verified functions: gradient and tangent on the library's arrays
    equal those on NumPy arrays, the results stay in the library (float32 too)."""
    lib = _library(library)
    f = getattr(verified, f"f_{name}")
    x = np.array([[0.3, 0.9, 1.4], [1.1, 0.6, 2.0], [0.7, 1.3, 0.4], [1.8, 0.2, 1.2]])
    v = np.cos(np.arange(12.0)).reshape(4, 3)
    g_np = tl.grad(f)(x)
    _, t_np = tl.jvp(f, (x,), (v,))
    np.testing.assert_allclose(np.vdot(g_np, v), t_np, rtol=1e-10)  # <J v, 1> == <v, J^T 1>
    for dtype, rtol in (("float64", 1e-10), ("float32", 2e-5)):
        xl, vl = lib.asarray(x.astype(dtype)), lib.asarray(v.astype(dtype))
        g = tl.grad(f)(xl)
        assert type(g) is type(xl) and g.dtype == xl.dtype
        np.testing.assert_allclose(np.asarray(g), g_np, rtol=rtol, atol=rtol)
        _, t = tl.jvp(f, (xl,), (vl,))
        assert type(t) is type(xl) and t.dtype == xl.dtype
        np.testing.assert_allclose(float(t), t_np, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("library", ["array_api_strict", "torch", "jax.numpy"])
def test_an_unverified_function_is_refused_at_the_call(library):
    """``xp.<name>`` outside the table on an array-API array: refused naming the call and the user's
    line, in both modes, before anything is computed; on NumPy arrays it runs NumPy's rules."""
    lib = _library(library)

    def f(x):
        xp = array_namespace(x)
        return xp.sum(xp.cumulative_sum(x, axis=0) * x)

    x = np.array([0.5, 1.5, 2.0])
    np.testing.assert_allclose(tl.grad(f)(x), [4.5, 5.5, 6.0])  # 2 x_i + the others
    xl = lib.asarray(x)
    line = f.__code__.co_firstlineno + 2
    for run in (lambda: tl.grad(f)(xl), lambda: tl.jvp(f, (xl,), (xl,))):
        with pytest.raises(tl.UnsupportedConstructError, match=rf"test_array_api.py:{line}: 'xp.cumulative_sum"
                           r"\(\.\.\.\)' on an array of type .*not verified outside NumPy"):
            run()


@pytest.mark.parametrize("library", ["array_api_strict", "torch"])
def test_jacobian_refuses_array_api_arrays_clearly(library):
    lib = _library(library)

    def f(x):
        xp = array_namespace(x)
        return xp.exp(x) * x[0]

    np.testing.assert_allclose(tl.jacobian(f)(np.array([0.0, 1.0])), [[1.0, 0.0], [np.e, 0.0]])
    with pytest.raises(tl.ArgumentError, match="tl.jacobian builds the Jacobian with NumPy; 'x' is a"):
        tl.jacobian(f)(lib.asarray([0.0, 1.0]))


@pytest.mark.parametrize("library", ["array_api_strict", "torch"])
def test_hessian_refuses_array_api_arrays_clearly_and_hvp_keeps_the_library(library):
    lib = _library(library)

    def f(x):
        xp = array_namespace(x)
        return xp.sum(xp.tanh(x) ** 2) * x[0]

    x = np.array([0.3, -0.7, 1.1])
    H = tl.hessian(f)(x)
    with pytest.raises(tl.ArgumentError, match="(?s)tl.hessian builds the Hessian with NumPy; 'x' is a .*tl.hvp"):
        tl.hessian(f)(lib.asarray(x))
    for i, e in enumerate(np.eye(3)):
        hv = tl.hvp(f, lib.asarray(x), lib.asarray(e))
        assert type(hv) is type(lib.asarray(x))
        np.testing.assert_allclose(np.asarray(hv), H[i], rtol=1e-10)


def test_cupy_arrays_when_a_gpu_is_present(rng):
    """CuPy arrays take part in np.* calls by NumPy's dispatch protocols, as Dask's do; without CuPy
    or a GPU (these machines) this is skipped and the array-api-strict tests guarantee that no step
    needs NumPy."""
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no GPU")
    except Exception as exc:  # noqa: BLE001 - CuPy installed without a driver or device
        pytest.skip(f"no GPU: {exc}")
    W, b, X = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(5, 3))
    got = tl.grad(mlp, wrt=(0, 1))(*(cupy.asarray(a) for a in (W, b, X)))
    assert all(type(g) is cupy.ndarray for g in got)
    for g, w in zip(got, tl.grad(mlp, wrt=(0, 1))(W, b, X)):
        np.testing.assert_allclose(cupy.asnumpy(g), w, rtol=1e-10)
