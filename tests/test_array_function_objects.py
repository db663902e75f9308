"""Objects that implement NumPy's functions themselves (NEP 18 ``__array_function__``, NEP 13
``__array_ufunc__``) but are no arrays of a library tangent_lite follows (breaker round 26, #1).

``np.dot(M, x)`` on such an object runs the object's own code, not NumPy's function: the rules'
derivatives were wrong (``[6, 8]`` for ``[4, 6]``) or the runtime helpers crashed (``tensordot_bar_b``,
``einsum_bar``, ``matrix_t``).  Wherever the object meets a value with derivatives (an argument,
an entry of a dict or list argument, an attribute, a closure cell, a module-level value, an entry of
a list the function builds, a keyword, an index) it is refused, naming the function, the operand,
the class and the user's file:line, in tl.grad, tl.jvp, tl.hessian and adgen's standalone modules.
Arrays of the libraries NumPy dispatches to that tangent_lite follows (Dask) and array-API arrays
(array-api-strict) keep working.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import cli

MODEL = textwrap.dedent('''
    import numpy as np


    def _plain(a):
        if isinstance(a, (list, tuple)):
            return type(a)(_plain(e) for e in a)
        return a.v if isinstance(a, (AF, AU, AFU)) else a


    class AF:
        """NEP 18: every NumPy function of it is doubled."""

        def __init__(self, v):
            self.v = np.asarray(v)

        def __array__(self, dtype=None, copy=None):
            return self.v

        def __array_function__(self, func, types, args, kwargs):
            return func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()}) * 2.0


    class AU:
        """NEP 13: every ufunc of it is doubled."""

        def __init__(self, v):
            self.v = np.asarray(v)

        def __array__(self, dtype=None, copy=None):
            return self.v

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            out = getattr(ufunc, method)(*_plain(inputs), **kwargs)
            return None if out is None else out * 2.0


    class AFU(AF):
        """Both protocols (a typical duck array)."""

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            out = getattr(ufunc, method)(*_plain(inputs), **kwargs)
            return None if out is None else out * 2.0


    class Box:
        def __init__(self, m, v, i):
            self.m, self.v, self.i = m, v, i


    CLASSES = {"AF": AF, "AU": AU, "AFU": AFU}
    MAT = np.array([[2.0, 1.0, 0.5], [0.3, 3.0, 0.2], [0.1, 0.7, 4.0]])
    VEC = np.array([1.5, -0.5, 2.0])
    IDX = np.array([2, 0, 1])
    M, V, I = AF(MAT), AF(VEC), AF(IDX)   # (module-level objects: made AU / AFU by the tests, see `model`)
    HOLDER = Box(M, V, I)
''')

# NumPy function families: the expression, with {m} a matrix-like, {v} a vector-like, {i} an index-like
FAMILIES = {
    "ufunc": ("np.sum(np.multiply({v}, x) * x)", "np.multiply"),
    "operator": ("np.sum(np.sin(x) * {v})", "'*' operator"),
    "reduction": ("np.average(x * x, weights={v})", "np.average"),
    "dot": ("np.sum(np.dot({m}, x) ** 2)", "np.dot"),
    "dot_1d": ("np.dot({v}, x) ** 2", "np.dot"),
    "matmul": ("np.sum(np.matmul({m}, x) ** 2)", "np.matmul"),
    "tensordot": ("np.sum(np.tensordot({m}, x, axes=1) ** 2)", "np.tensordot"),
    "einsum": ("np.sum(np.einsum('ij,j->i', {m}, x) ** 2)", "np.einsum"),
    "linalg": ("np.sum(np.linalg.solve({m}, x) ** 2)", "np.solve"),
    "concatenate": ("np.sum(np.concatenate([x, {v}]) ** 2)", "np.concatenate"),
    "take": ("np.sum(np.take(x, {i}) * x)", "np.take"),
    "indexing": ("np.sum(x[{i}] ** 2 * x)", "indexing x[...]"),
}
# where the object is: (how the function's text reaches it, what the message names, extra parameters)
POSITIONS = {
    "module": ({"m": "M", "v": "V", "i": "I"}, ""),
    "argument": ({"m": "m", "v": "w", "i": "i"}, ", m, w, i"),  # (not 'v': adgen's hvp names its direction v)
    "dict": ({"m": "d['m']", "v": "d['v']", "i": "d['i']"}, ", d"),
    "list": ({"m": "L[0]", "v": "L[1]", "i": "L[2]"}, ", L"),
    "attribute": ({"m": "b.m", "v": "b.v", "i": "b.i"}, ", b"),
    "module_attribute": ({"m": "HOLDER.m", "v": "HOLDER.v", "i": "HOLDER.i"}, ""),
    "local_alias": ({"m": "mm", "v": "vv", "i": "ii"}, ", m, w, i"),
}


def _function_text(family, position):
    expr, _ = FAMILIES[family]
    names, params = POSITIONS[position]
    body = expr.format(**names)
    head = f"def {family}__{position}(x{params}):\n"
    if position == "local_alias":
        return head + f"    mm, vv, ii = m, w, i\n    return {body}\n"
    return head + f"    return {body}\n"


MODEL += "\n\n" + "\n\n".join(_function_text(f, p) for f in FAMILIES for p in POSITIONS)
MODEL += textwrap.dedent('''


    def closure_of(m, v, i):
        def inner(x):
            return np.sum(np.dot(m, x) ** 2) + np.dot(v, x) + np.sum(x[i] * x)
        return inner


    def constant_use(x, m):
        c = np.dot(m, np.ones(3))   # the object's own product of constants: a constant
        return np.sum(c * x)


    def built_list(x, v):
        parts = [x]
        parts.append(v)
        return np.sum(np.stack(parts) ** 2)
''')

X = np.array([0.3, -0.7, 1.1])
MAT = np.array([[2.0, 1.0, 0.5], [0.3, 3.0, 0.2], [0.1, 0.7, 4.0]])
VEC = np.array([1.5, -0.5, 2.0])
IDX = np.array([2, 0, 1])


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("arrfunc")
    path = folder / "arrfunc_model.py"
    path.write_text(MODEL)
    spec = importlib.util.spec_from_file_location("arrfunc_model", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["arrfunc_model"] = module
    spec.loader.exec_module(module)
    yield module, path
    sys.modules.pop("arrfunc_model", None)


def _line(family, position):
    """The line of the function's return (local_alias: the line after its alias assignment)."""
    text = MODEL.splitlines()
    start = next(i for i, line in enumerate(text, 1) if line.startswith(f"def {family}__{position}("))
    return start + (2 if position == "local_alias" else 1)


def _objects(module, cls):
    c = module.CLASSES[cls]
    return c(MAT), c(VEC), c(IDX)


def _extra(module, position, cls):
    m, v, i = _objects(module, cls)
    return {"argument": (m, v, i), "local_alias": (m, v, i), "dict": ({"m": m, "v": v, "i": i},),
            "list": ([m, v, i],), "attribute": (module.Box(m, v, i),)}.get(position, ())


def _set_module_objects(module, cls):
    module.M, module.V, module.I = _objects(module, cls)
    module.HOLDER = module.Box(module.M, module.V, module.I)


def _run(mode, f, extra):
    x = X.copy()
    if mode == "grad":
        return tl.grad(f)(x, *extra)
    if mode == "jvp":
        return tl.jvp(f, (x,) + tuple(extra), (np.ones(3),))[1]
    return tl.hessian(f)(x, *extra)


def _shown(family, position):
    names, _ = POSITIONS[position]
    key = "i" if family in ("take", "indexing") else "m" if "{m}" in FAMILIES[family][0] else "v"
    shown = names[key].replace("'", '"')  # (messages spell d['m'] as d["m"])
    if family == "concatenate" and position not in ("module", "module_attribute"):  # (checked when it runs)
        return f"[x, {shown}][1]"
    return shown


PROTOCOL = {"AF": "__array_function__", "AU": "__array_ufunc__", "AFU": "__array_function__"}
MODES = ("grad", "jvp", "hessian")
CLASS_NAMES = tuple(PROTOCOL)
# every family x every position x every mode; the protocol classes rotate (all three for np.dot)
CASES = sorted({(f, p, m, CLASS_NAMES[(i + j + k) % 3]) for i, f in enumerate(FAMILIES)
                for j, p in enumerate(POSITIONS) for k, m in enumerate(MODES)}
               | {("dot", p, m, c) for p in POSITIONS for m in MODES for c in CLASS_NAMES})


def _assert_refusal(error, path, family, position, cls):
    text = str(error)
    spelled = FAMILIES[family][1]
    assert f"{path.name}:{_line(family, position)}:" in text, text  # the user's file and line
    assert spelled in text, text  # the function (or operator, or indexing)
    assert f"'{_shown(family, position)}'" in text, text  # the operand as the user wrote it
    assert f"is a {cls}, which has its own {PROTOCOL[cls]}" in text, text  # the class and its protocol
    assert "To fix" in text, text
    assert "(with its own" not in text and "'s own methods)'s" not in text, text  # (breaker 26 #7: garbled)


@pytest.mark.parametrize("family, position, mode, cls", CASES)
def test_objects_with_their_own_numpy_protocol_are_refused(model, family, position, mode, cls):
    module, path = model
    _set_module_objects(module, cls)
    f = getattr(module, f"{family}__{position}")
    with pytest.raises(tl.UnsupportedConstructError) as info:
        _run(mode, f, _extra(module, position, cls))
    _assert_refusal(info.value, path, family, position, cls)


@pytest.mark.parametrize("cls", CLASS_NAMES)
@pytest.mark.parametrize("mode", MODES)
def test_closure_cells_and_built_lists_are_refused(model, cls, mode):
    module, path = model
    m, v, i = _objects(module, cls)
    with pytest.raises(tl.errors.TangentLiteError, match=f"is a {cls}, which has its own {PROTOCOL[cls]}"):
        _run(mode, module.closure_of(m, v, i), ())
    with pytest.raises(tl.UnsupportedConstructError, match=r"np\.stack .*'parts\[1\]' is a " + cls):
        _run(mode, module.built_list, (v,))


def _fd_grad(f, x, extra):
    h = 1e-6
    return np.array([(f(x + h * e, *extra) - f(x - h * e, *extra)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("position", ["argument", "dict", "list", "attribute", "local_alias"])
def test_the_same_functions_of_plain_arrays_are_right(model, family, position):
    """The checks refuse the objects, not the functions: NumPy arrays in their place give the
    derivatives of central finite differences (gradient, jvp) and the gradient's differences (hessian)."""
    module, _ = model
    f = getattr(module, f"{family}__{position}")
    m, v, i = MAT, VEC, IDX
    extra = {"argument": (m, v, i), "local_alias": (m, v, i), "dict": ({"m": m, "v": v, "i": i},),
             "list": ([m, v, i],), "attribute": (module.Box(m, v, i),)}[position]
    expected = _fd_grad(f, X, extra)
    np.testing.assert_allclose(tl.grad(f)(X.copy(), *extra), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tl.jvp(f, (X.copy(),) + extra, (np.ones(3),))[1], expected.sum(), rtol=1e-5, atol=1e-6)
    hessian = tl.hessian(f)(X.copy(), *extra)
    h = 1e-4
    columns = [(tl.grad(f)(X + h * e, *extra) - tl.grad(f)(X - h * e, *extra)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(hessian, np.array(columns).T, rtol=1e-4, atol=1e-5)


def test_a_constant_computed_by_the_object_itself_is_no_operand(model):
    """``np.dot(m, np.ones(3))`` of constants is whatever the object computes (AF doubles it): a
    constant the derivative multiplies by, as Python does: nothing refused, the right gradient."""
    module, _ = model
    for cls in CLASS_NAMES:
        m = module.CLASSES[cls](MAT)
        expected = _fd_grad(module.constant_use, X, (m,))
        np.testing.assert_allclose(tl.grad(module.constant_use)(X.copy(), m), expected, rtol=1e-6)
        np.testing.assert_allclose(tl.jvp(module.constant_use, (X.copy(), m), (np.ones(3),))[1], expected.sum(),
                                   rtol=1e-6)


# ---------------------------------------------------------------------------------------------- adgen standalone

ADGEN_CASES = [("dot", "argument"), ("tensordot", "dict"), ("einsum", "list"), ("indexing", "argument"),
               ("concatenate", "attribute"), ("reduction", "local_alias"), ("operator", "list")]


def _written(model, name, mode, arrays):
    _, path = model
    out = path.parent / f"{name}_{mode}_{arrays}.py"
    if not out.exists():
        assert cli.main([f"{path}:{name}", "--mode", mode, "--arrays", arrays, "-o", str(out)]) == 0
    spec = importlib.util.spec_from_file_location(f"arrfunc_{name}_{mode}_{arrays}", out)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    return generated


@pytest.mark.parametrize("mode", ["vjp", "jvp", "hvp"])
@pytest.mark.parametrize("family, position", ADGEN_CASES)
def test_adgen_standalone_modules_refuse_them(model, family, position, mode):
    module, path = model
    name = f"{family}__{position}"
    cls = CLASS_NAMES[len(name) % 3]
    generated = _written(model, name, mode, "numpy" if len(name) % 2 else "any")
    extra = _extra(module, position, cls)
    call = {"vjp": lambda: getattr(generated, f"{name}_vjp")(X.copy(), *extra),
            "jvp": lambda: getattr(generated, f"{name}_jvp")(X.copy(), *extra, np.ones(3)),
            "hvp": lambda: getattr(generated, f"{name}_hvp")(X.copy(), *extra, np.ones(3))}[mode]
    with pytest.raises((tl.UnsupportedConstructError, ValueError)) as info:
        call()
    text = str(info.value)
    assert f"{path.name}:{_line(family, position)}:" in text, text
    assert f"is a {cls}, which has its own {PROTOCOL[cls]}" in text, text


def test_adgen_refuses_a_module_level_object_when_it_writes_the_module(model, tmp_path, capsys):
    _, path = model
    out = tmp_path / "dot_module.py"
    assert cli.main([f"{path}:dot__module", "-o", str(out)]) != 0
    err = capsys.readouterr().err
    assert f"{path.name}:{_line('dot', 'module')}:" in err and "its argument 'M' is a AF" in err, err
    assert not out.exists()


# ---------------------------------------------------------------------------------------------- still followed

def test_dask_arrays_keep_working_in_every_position():
    da = pytest.importorskip("dask.array")
    import dask

    X_data = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [0.7, 0.1, -0.4], [1.2, 0.6, 0.9]])

    def f(w, D, parts):
        y = np.dot(D, w)
        z = np.concatenate([y, parts[0]])
        return np.sum(np.tanh(z) ** 2) + np.average(w * w, weights=parts[1])

    w = np.array([0.2, -0.4, 0.3])
    lazy = (da.from_array(X_data, chunks=(2, 3)), [da.from_array(np.array([0.5, -0.5]), chunks=1),
                                                   da.from_array(np.array([1.0, 2.0, 3.0]), chunks=3)])
    eager = (X_data, [np.array([0.5, -0.5]), np.array([1.0, 2.0, 3.0])])
    with dask.config.set(scheduler="synchronous"):
        g = tl.grad(f)(w, *lazy)
        assert type(g).__module__.startswith("dask")
        np.testing.assert_allclose(g.compute(), tl.grad(f)(w, *eager), rtol=1e-12)
        np.testing.assert_allclose(np.asarray(tl.jvp(f, (w,) + lazy, (np.ones(3),))[1]),
                                   tl.jvp(f, (w,) + eager, (np.ones(3),))[1], rtol=1e-12)
        np.testing.assert_allclose(_fd_grad(lambda v, *a: float(f(v, *a)), w, eager), tl.grad(f)(w, *eager),
                                   rtol=1e-6)


DASK_MATRIX = None


def test_a_module_level_dask_array_is_followed():
    da = pytest.importorskip("dask.array")
    global DASK_MATRIX
    DASK_MATRIX = da.from_array(MAT, chunks=(3, 3))

    def f(x):
        return np.sum(np.dot(DASK_MATRIX, x) ** 2) + np.sum(np.take(x, IDX) * x)

    def g(x):
        return np.sum(np.dot(MAT, x) ** 2) + np.sum(np.take(x, IDX) * x)

    np.testing.assert_allclose(np.asarray(tl.grad(f)(X.copy())), tl.grad(g)(X.copy()), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(tl.jvp(f, (X.copy(),), (np.ones(3),))[1]),
                               tl.jvp(g, (X.copy(),), (np.ones(3),))[1], rtol=1e-12)


def test_array_api_strict_arrays_keep_working():
    xps = pytest.importorskip("array_api_strict")
    compat = pytest.importorskip("array_api_compat")

    def f(x, a):
        xp = compat.array_namespace(x)
        return xp.sum(xp.tanh(a @ x) ** 2)

    a = xps.asarray(MAT)
    x = xps.asarray(X)
    g = tl.grad(f)(x, a)
    assert type(g).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(np.asarray(g), tl.grad(f)(X.copy(), MAT), rtol=1e-12)
