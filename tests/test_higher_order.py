"""Higher-order derivatives: tangent_lite differentiating the code it generated.

For every function of ``HESSIAN_CASES`` (tests/higher_fixtures.py: scalar and array
inputs, loops, branches, while loops, ``x[i] = ...`` writes, helper calls,
comprehensions) the Hessian is computed five ways and each is compared with an
independent reference -- central differences of the (first-order) ``tl.grad``:

* ``tl.hessian(f)(x)`` (forward-over-reverse, HVPs with basis vectors), also symmetric;
* forward-over-forward: ``H_ij`` is the JVP, along ``e_j``, of the generated
  ``f_jvp(x, ..., x_dot = e_i)`` with respect to ``x``;
* ``tl.hvp(f, x, v)`` against ``H_fd @ v``;
* reverse-over-reverse: the pullback of the fused ``f_vjp(x, ..., seed) -> (value, grad)``
  with cotangent ``(0, v)`` is ``H v``;
* reverse-over-forward: the pullback of ``f_jvp(x, ..., x_dot = v) -> (value, g . v)``
  with cotangent ``(0, 1)`` is ``H v``.

Also: ``tl.jacobian`` in all three modes for wide, tall, matrix-input and scalar-input
functions (shape ``out.shape + in.shape``) against finite differences; third (and
fourth) derivatives of scalar functions by ``tl.derivatives`` against closed forms;
third-order tensor-vector products (forward over forward over reverse) against
finite differences of ``tl.hvp``.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, List, Tuple

import higher_fixtures as hf
import numpy as np
import pytest

import tangent_lite as tl

EPS = 1e-5
RTOL = 1e-5
ATOL = 1e-6  # scaled by max(1, max |expected|)


@dataclass(frozen=True)
class HCase:
    fn: Callable
    point: Tuple[Any, ...]  # the first argument is differentiated; the rest are constants

    @property
    def args(self) -> Tuple[Any, ...]:
        """Fresh copies of the arguments (a derivative that wrote into its inputs must not
        change the point the other tests use)."""
        return copy.deepcopy(self.point)

    @property
    def x(self) -> Any:
        return self.args[0]

    @property
    def rest(self) -> Tuple[Any, ...]:
        return self.args[1:]


def _a(*v: float) -> np.ndarray:
    return np.array(v, dtype=float)


HESSIAN_CASES: List[HCase] = [
    # scalar inputs
    HCase(hf.s_poly, (0.7,)),
    HCase(hf.s_math, (0.4,)),
    HCase(hf.s_rational, (-0.8,)),
    HCase(hf.s_loop_branch, (0.6,)),
    # arrays, straight-line code
    HCase(hf.quadratic_form, (_a(0.3, -1.2, 0.8), hf.N3)),
    HCase(hf.rosenbrock, (_a(0.8, 1.1, -0.4, 0.5),)),
    HCase(hf.logsumexp, (_a(0.2, -0.7, 1.3, 0.5),)),
    HCase(hf.tanh_layer, (_a(0.5, -0.3, 0.9, 0.1), hf.W34)),
    HCase(hf.matrix_input, (np.array([[0.3, -0.7, 1.1], [0.9, 0.4, -0.5]]),)),
    HCase(hf.power_self, (_a(0.6, 1.3, 0.9),)),
    HCase(hf.reductions_mix, (np.array([[0.3, -0.7, 1.1], [0.9, 0.4, -0.5]]),)),
    HCase(hf.max_over_rows, (np.array([[0.3, -0.7, 1.1], [0.9, 0.4, -0.5]]),)),
    HCase(hf.product, (_a(0.7, -1.2, 0.5),)),
    HCase(hf.broadcasting, (_a(0.4, -0.9, 0.7),)),
    HCase(hf.products_mix, (_a(0.4, -0.9, 0.7),)),
    HCase(hf.maximum_where, (_a(0.8, -0.6, 0.1, 1.4),)),
    # control flow
    HCase(hf.for_loop_index, (_a(0.3, -0.8, 1.2, 0.5),)),
    HCase(hf.for_loop_carry, (_a(0.4, -0.9, 0.7),)),
    HCase(hf.while_fixed_count, (_a(0.4, -0.9, 0.7),)),
    HCase(hf.while_value_condition, (_a(0.5, -0.4, 0.8),)),
    HCase(hf.branch_on_value, (_a(0.8, -0.3, 0.6),)),
    HCase(hf.branch_in_loop, (_a(0.7, -0.5, -0.9, 0.4),)),
    HCase(hf.subscript_writes, (_a(0.7, -0.5, 1.1),)),
    HCase(hf.subscript_overwrite, (_a(0.7, -0.5, 1.1, 0.3),)),
    HCase(hf.helper_calls, (_a(0.7, -0.5, 1.1),)),
    HCase(hf.comprehensions, (_a(0.7, -0.5, 1.1),)),
    HCase(hf.list_building, (_a(0.7, -0.5, 1.1),)),
]

IDS = [c.fn.__name__ for c in HESSIAN_CASES]


# ---------------------------------------------------------------- helpers


def assert_close(what: str, actual: Any, expected: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    if not np.allclose(a, e, rtol=rtol, atol=atol * scale):
        err = float(np.max(np.abs(a - e)))
        raise AssertionError(f"{what}: max abs error {err:.3g}\n  got      {a!r}\n  expected {e!r}")


def basis(x: Any) -> List[Any]:
    """Unit vectors shaped like ``x`` (``1.0`` for a Python float)."""
    if isinstance(x, float):
        return [1.0]
    out = []
    for i in range(np.size(x)):
        e = np.zeros(np.size(x))
        e[i] = 1.0
        out.append(e.reshape(np.shape(x)))
    return out


def shift(x: Any, t: float, v: Any) -> Any:
    return x + t * float(v) if isinstance(x, float) else x + t * np.asarray(v)


def direction(x: Any, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    return float(rng.normal()) if isinstance(x, float) else rng.normal(size=np.shape(x))


def fd_grad_of_f(case: HCase) -> np.ndarray:
    """Central differences of ``f`` itself (a check of the first-order reference)."""
    cols = []
    for e in basis(case.x):
        plus = case.fn(shift(case.x, EPS, e), *case.rest)
        minus = case.fn(shift(case.x, -EPS, e), *case.rest)
        cols.append((plus - minus) / (2 * EPS))
    return np.array(cols).reshape(np.shape(case.x))


@functools.cache
def fd_hessian(index: int) -> np.ndarray:
    """``x.shape + x.shape``: central differences of ``tl.grad(f)``, column by column."""
    case = HESSIAN_CASES[index]
    g = tl.grad(case.fn)
    cols = []
    for e in basis(case.x):
        gp = np.asarray(g(shift(case.x, EPS, e), *case.rest), dtype=float)
        gm = np.asarray(g(shift(case.x, -EPS, e), *case.rest), dtype=float)
        cols.append(np.ravel((gp - gm) / (2 * EPS)))
    shape = np.shape(case.x)
    return np.array(cols).T.reshape(shape + shape)


def matvec(H: np.ndarray, v: Any, x: Any) -> Any:
    n = int(np.size(x))
    return (np.reshape(H, (n, n)) @ np.ravel(v)).reshape(np.shape(x))


CASE_PARAMS = [pytest.param(i, id=c.fn.__name__) for i, c in enumerate(HESSIAN_CASES)]


# ---------------------------------------------------------------- the table itself


def test_table_covers_the_promised_constructs():
    assert len(HESSIAN_CASES) >= 20
    assert any(isinstance(c.x, float) for c in HESSIAN_CASES) and any(np.ndim(c.x) == 2 for c in HESSIAN_CASES)
    import inspect

    text = "\n".join(inspect.getsource(c.fn) for c in HESSIAN_CASES)
    for construct in ("for ", "while ", "if ", "elif ", "] = ", " for xi in x]", "softplus(", ".append("):
        assert construct in text, f"no Hessian function uses {construct!r}"


@pytest.mark.parametrize("index", CASE_PARAMS)
def test_first_order_reference_is_sound(index):
    case = HESSIAN_CASES[index]
    g = tl.grad(case.fn)(*case.args)
    assert_close(f"{case.fn.__name__}: tl.grad vs central differences of f", g, fd_grad_of_f(case), rtol=1e-5,
                 atol=1e-5)


# ---------------------------------------------------------------- Hessians, five ways


@pytest.mark.parametrize("index", CASE_PARAMS)
def test_hessian_matches_finite_differences_of_grad(index):
    case = HESSIAN_CASES[index]
    H = tl.hessian(case.fn)(*case.args)
    expected = fd_hessian(index)
    assert np.shape(H) == np.shape(case.x) * 2, f"Hessian shape {np.shape(H)} for x of shape {np.shape(case.x)}"
    if isinstance(case.x, float):
        assert isinstance(H, float), f"the Hessian of a function of a float is a float, got {type(H).__name__}"
    assert_close(f"{case.fn.__name__}: tl.hessian vs central differences of tl.grad", H, expected)
    n = int(np.size(case.x))
    Hm = np.reshape(H, (n, n))
    assert_close(f"{case.fn.__name__}: tl.hessian is symmetric", Hm, Hm.T, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("index", CASE_PARAMS)
def test_forward_over_forward(index):
    case = HESSIAN_CASES[index]
    f_jvp, names = tl.tangent_function(case.fn)
    assert names == (tl.api._params(case.fn)[0],)
    es = basis(case.x)
    H = np.zeros((len(es), len(es)))
    for i, ei in enumerate(es):
        for j, ej in enumerate(es):
            (value, tangent), (_, second) = tl.jvp(f_jvp, (case.x, *case.rest, ei), (ej,), wrt=names)
            H[i, j] = float(second)
        assert_close(f"{case.fn.__name__}: f_jvp's tangent along e_{i} vs tl.grad",
                     tangent, np.ravel(tl.grad(case.fn)(*case.args))[i], rtol=1e-10, atol=1e-10)
    expected = fd_hessian(index)
    assert_close(f"{case.fn.__name__}: forward-over-forward Hessian vs finite differences",
                 H.reshape(np.shape(expected)), expected)


@pytest.mark.parametrize("index", CASE_PARAMS)
def test_hvp_matches_hessian_times_vector(index):
    case = HESSIAN_CASES[index]
    for seed in (0, 1):
        v = direction(case.x, seed)
        hv = tl.hvp(case.fn, case.x, v, *case.rest)
        assert np.shape(hv) == np.shape(case.x)
        assert_close(f"{case.fn.__name__}: tl.hvp vs H_fd @ v", hv, matvec(fd_hessian(index), v, case.x))


@pytest.mark.parametrize("index", CASE_PARAMS)
def test_reverse_over_reverse(index):
    case = HESSIAN_CASES[index]
    f_vjp, names = tl.gradient_function(case.fn)
    (value, grad), pullback = tl.vjp(f_vjp, *case.args, 1.0, wrt=names[0])
    assert_close(f"{case.fn.__name__}: value of f_vjp", value, case.fn(*case.args), rtol=1e-12, atol=1e-12)
    assert_close(f"{case.fn.__name__}: gradient of f_vjp", grad, tl.grad(case.fn)(*case.args), rtol=1e-12,
                 atol=1e-12)
    for seed in (0, 1):
        v = direction(case.x, seed)
        hv = pullback((0.0, v))
        assert_close(f"{case.fn.__name__}: reverse-over-reverse H v vs H_fd @ v", hv,
                     matvec(fd_hessian(index), v, case.x))


@pytest.mark.parametrize("index", CASE_PARAMS)
def test_reverse_over_forward(index):
    case = HESSIAN_CASES[index]
    f_jvp, names = tl.tangent_function(case.fn)
    for seed in (0, 1):
        v = direction(case.x, seed)
        (_, gv), pullback = tl.vjp(f_jvp, *case.args, v, wrt=names[0])
        hv = pullback((0.0, 1.0))
        assert_close(f"{case.fn.__name__}: reverse-over-forward H v vs H_fd @ v", hv,
                     matvec(fd_hessian(index), v, case.x))


@pytest.mark.parametrize("index", CASE_PARAMS)
def test_derivatives_leave_the_arguments_unchanged(index):
    """Generated code may write into arrays the user's function copied (``y = x * 1.0``,
    then ``y[0] = ...``), never into the caller's arguments."""
    case = HESSIAN_CASES[index]
    runs = [
        ("tl.jvp", lambda a: tl.jvp(case.fn, a, (direction(a[0], 5),))),
        ("tl.vjp (forward pass, no pullback)", lambda a: tl.vjp(case.fn, *a)),
        ("tl.grad", lambda a: tl.grad(case.fn)(*a)),
        ("tl.hvp", lambda a: tl.hvp(case.fn, a[0], direction(a[0], 5), *a[1:])),
    ]
    changed = []
    for what, run in runs:
        args = case.args
        try:
            run(args)
        except Exception as exc:  # noqa: BLE001 - reported by the other tests; here only mutation matters
            changed.append(f"{what} raised {type(exc).__name__}")
            continue
        for i, (before, after) in enumerate(zip(case.point, args)):
            if not np.array_equal(np.asarray(before), np.asarray(after)):
                changed.append(f"{what} changed argument {i}: {before!r} -> {after!r}")
    assert not [c for c in changed if "changed" in c], f"{case.fn.__name__}: " + "; ".join(changed)


def test_quadratic_form_hessian_is_exact():
    x = _a(0.3, -1.2, 0.8)
    H = tl.hessian(hf.quadratic_form)(x, hf.N3)
    np.testing.assert_allclose(H, 0.5 * (hf.N3 + hf.N3.T), rtol=1e-13, atol=1e-13)
    H_A = tl.hessian(hf.quadratic_form)(x, hf.A3)
    np.testing.assert_allclose(H_A, hf.A3, rtol=1e-13, atol=1e-13)


# ---------------------------------------------------------------- third order on arrays


THIRD_ORDER = ["rosenbrock", "tanh_layer", "for_loop_index", "subscript_writes", "while_fixed_count", "s_math"]


@pytest.mark.parametrize("name", THIRD_ORDER)
def test_third_order_forward_over_forward_over_reverse(name):
    """``d/dt H(x + t w) u`` by a JVP of the JVP of the generated gradient, against central
    differences of ``tl.hvp``."""
    index = IDS.index(name)
    case = HESSIAN_CASES[index]
    f_vjp, names = tl.gradient_function(case.fn)
    f_vjp_jvp, names2 = tl.tangent_function(f_vjp, names)
    assert names2 == names
    u, w = direction(case.x, 3), direction(case.x, 4)
    _, (_, (_, t3)) = tl.jvp(f_vjp_jvp, (case.x, *case.rest, 1.0, u), (w,), wrt=names)
    plus = tl.hvp(case.fn, shift(case.x, EPS, w), u, *case.rest)
    minus = tl.hvp(case.fn, shift(case.x, -EPS, w), u, *case.rest)
    assert_close(f"{name}: third-order D^3 f [u, w] vs central differences of tl.hvp", t3,
                 (np.asarray(plus) - np.asarray(minus)) / (2 * EPS))


# ---------------------------------------------------------------- Jacobians


JACOBIAN_CASES = [
    pytest.param(hf.wide, (_a(0.3, -0.8, 1.2, 0.5, -0.2, 0.9),), id="wide"),
    pytest.param(hf.tall, (_a(0.4, -1.1),), id="tall"),
    pytest.param(hf.matrix_to_vector, (np.array([[0.3, -0.7, 1.1], [0.9, 0.4, -0.5]]),), id="matrix_to_vector"),
    pytest.param(hf.scalar_to_matrix, (0.6,), id="scalar_to_matrix"),
    pytest.param(hf.tanh_layer, (_a(0.5, -0.3, 0.9, 0.1), hf.W34), id="scalar_output"),
]


def fd_jacobian(fn: Callable, args: tuple) -> np.ndarray:
    x, rest = args[0], args[1:]
    out_shape = np.shape(fn(*args))
    cols = []
    for e in basis(x):
        cols.append(np.ravel((np.asarray(fn(shift(x, EPS, e), *rest)) - np.asarray(fn(shift(x, -EPS, e), *rest)))
                             / (2 * EPS)))
    return np.array(cols).T.reshape(out_shape + np.shape(x))


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("fn,args", JACOBIAN_CASES)
def test_jacobian_matches_finite_differences(fn, args, mode):
    J = tl.jacobian(fn, mode=mode)(*args)
    expected = fd_jacobian(fn, args)
    assert np.shape(J) == np.shape(fn(*args)) + np.shape(args[0])
    assert_close(f"{fn.__name__}: tl.jacobian(mode={mode!r}) vs central differences", J, expected)


# ---------------------------------------------------------------- derivatives of scalar functions, closed forms


def _exp2x_sin(x):
    e, s, c = math.exp(2 * x), math.sin(x), math.cos(x)
    return [e * s, e * (2 * s + c), e * (3 * s + 4 * c), e * (2 * s + 11 * c)]


def _fifth(x):
    return [x ** 5, 5 * x ** 4, 20 * x ** 3, 60 * x ** 2]


def _log1p2(x):
    q = 1.0 + x * x
    return [math.log(q), 2 * x / q, (2 - 2 * x * x) / q ** 2, (4 * x ** 3 - 12 * x) / q ** 3]


def _tanh(x):
    t = math.tanh(x)
    return [t, 1 - t * t, -2 * t * (1 - t * t), (1 - t * t) * (6 * t * t - 2)]


def _series(x):
    return [x + x ** 2 / 2 + x ** 3 / 3 + x ** 4 / 4, 1 + x + x ** 2 + x ** 3, 1 + 2 * x + 3 * x ** 2, 2 + 6 * x]


def _branchy(x):
    if x > 0:
        return [x ** 4 - math.sin(x), 4 * x ** 3 - math.cos(x), 12 * x ** 2 + math.sin(x), 24 * x + math.cos(x)]
    return [-(x ** 3), -3 * x ** 2, -6 * x, -6.0]


CLOSED_FORMS = [
    pytest.param(hf.exp2x_sin, _exp2x_sin, id="exp2x_sin"),
    pytest.param(hf.fifth_power, _fifth, id="fifth_power"),
    pytest.param(hf.log_one_plus_square, _log1p2, id="log_one_plus_square"),
    pytest.param(hf.tanh_fn, _tanh, id="tanh"),
    pytest.param(hf.series_loop, _series, id="series_loop"),
    pytest.param(hf.branchy, _branchy, id="branchy"),
]


@pytest.mark.parametrize("x", [-0.7, 0.4, 1.3])
@pytest.mark.parametrize("fn,closed", CLOSED_FORMS)
def test_third_derivatives_closed_form(fn, closed, x):
    got = tl.derivatives(fn, x, 3)
    assert len(got) == 4
    for k, (g, e) in enumerate(zip(got, closed(x))):
        assert_close(f"{fn.__name__}: derivative {k} at x={x}", g, e, rtol=1e-10, atol=1e-10)


def test_fourth_and_fifth_derivatives():
    got = tl.derivatives(hf.fifth_power, 0.9, 5)
    expected = [0.9 ** 5, 5 * 0.9 ** 4, 20 * 0.9 ** 3, 60 * 0.9 ** 2, 120 * 0.9, 120.0]
    np.testing.assert_allclose(np.array(got, dtype=float), expected, rtol=1e-12)
    got = tl.derivatives(hf.tanh_fn, 0.3, 4)
    t = math.tanh(0.3)
    d4 = -8 * t * (1 - t * t) * (3 * t * t - 2)  # d/dx (1 - t^2)(6 t^2 - 2)
    np.testing.assert_allclose(float(got[4]), d4, rtol=1e-10)
