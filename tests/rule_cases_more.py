"""Test inputs for the rules of ``tangent_lite/rules/numpy_more.py``, and user functions
for end-to-end checks through the compiler.

``CASES`` maps a primitive's registry name (``numpy.einsum``, ``numpy.linalg.svd``,
...) to a list of :class:`Case`.  A case builds the primal's positional arguments
and keyword arguments from a :class:`numpy.random.Generator`, inside the function's
domain and away from kinks, ties and discontinuities, so that central finite
differences are a valid reference.  Every float (or float-array, or list of
float arrays) argument a rule exists for is differentiated, whether it is passed
positionally or by keyword; integers, booleans, strings and index arrays are
constants.

``END_TO_END`` lists module-level user functions (they need readable source) with
an argument builder each; the tests run them through ``tangent_lite.check_grads``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np


def _cross_2d_supported() -> bool:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.cross(np.ones(2), np.ones(2))
        return True
    except ValueError:
        return False


_CROSS_2D = _cross_2d_supported()

F = "float"  # shape marker: a Python float

Args = Tuple[tuple, Dict[str, Any]]
Maker = Callable[[np.random.Generator], Args]


@dataclass(frozen=True)
class Case:
    """One set of primal arguments for a primitive."""

    make: Maker
    label: str = ""

    def __call__(self, rng: np.random.Generator) -> Args:
        return self.make(rng)


def case(label: str, make: Callable[[np.random.Generator], Any], **kwargs: Any) -> Case:
    """A case whose ``make(rng)`` returns the positional arguments (a tuple); ``kwargs`` are fixed
    keyword arguments, or callables of ``rng`` for sampled ones."""

    def full(rng: np.random.Generator) -> Args:
        args = make(rng)
        kw = {k: (v(rng) if callable(v) else v) for k, v in kwargs.items()}
        return tuple(args), kw

    return Case(full, label + (f" {kwargs}" if kwargs else ""))


# ------------------------------------------------------------------ sampling helpers


def u(rng: np.random.Generator, shape: Any, lo: float = -2.0, hi: float = 2.0) -> Any:
    """Uniform values in [lo, hi]: a Python float for ``F``, else a float array."""
    if shape == F:
        return float(rng.uniform(lo, hi))
    return np.asarray(rng.uniform(lo, hi, size=shape), dtype=float)


def signed(rng: np.random.Generator, shape: Any, lo: float = 0.2, hi: float = 2.0) -> Any:
    """Values with magnitude in [lo, hi] and random signs (away from 0)."""
    mag = u(rng, shape, lo, hi)
    sign = rng.choice([-1.0, 1.0], size=() if shape == F else shape)
    return float(mag * sign) if shape == F else mag * sign


def well(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Well-conditioned square matrices (a stack of them): random + 3 I."""
    n = shape[-1]
    return rng.normal(size=shape) + 3.0 * np.eye(n)


def spd(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Symmetric positive definite matrices X X^T + n I."""
    x = rng.normal(size=shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def sym(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Symmetric matrices with well-separated eigenvalues."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.normal(size=shape))
    w = np.arange(n) * 1.5 - n / 2.0 + rng.uniform(-0.3, 0.3, size=shape[:-1])
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def separated_sv(rng: np.random.Generator, m: int, n: int, *batch: int) -> np.ndarray:
    """m x n matrices with distinct singular values in [1, 1 + 1.5 k]."""
    k = min(m, n)
    u_, _ = np.linalg.qr(rng.normal(size=batch + (m, k)))
    v_, _ = np.linalg.qr(rng.normal(size=batch + (n, k)))
    s = 1.0 + 1.5 * np.arange(k)[::-1] + rng.uniform(0, 0.3, size=batch + (k,))
    return (u_ * s[..., None, :]) @ np.swapaxes(v_, -1, -2)


def with_nan(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Random values with NaN at one entry per row, on a diagonal (never filling a whole slice)."""
    x = u(rng, shape)
    flat = x.reshape(-1, shape[-1])
    rows = np.arange(flat.shape[0])
    flat[rows, rows % shape[-1]] = np.nan
    return flat.reshape(shape)


def _shape_label(shape: Any) -> str:
    return "float" if shape == F else str(tuple(shape))


UNARY_SHAPES: Tuple[Any, ...] = (F, (), (5,), (3, 4), (2, 3, 2))
BINARY_PAIRS: Tuple[Tuple[Any, Any], ...] = (
    ((3, 4), (3, 4)),
    ((3, 1), (4,)),
    ((2, 3, 4), (3, 1)),
    ((), (3,)),
    (F, (2, 3)),
    ((2, 3), F),
    (F, F),
)


def unary(lo: float = -2.0, hi: float = 2.0, sign: bool = False) -> List[Case]:
    draw = signed if sign else u
    return [case(_shape_label(s), lambda rng, s=s: (draw(rng, s, lo, hi),)) for s in UNARY_SHAPES]


def binary(xdom: Tuple[float, float, bool] = (-2.0, 2.0, False), ydom: Tuple[float, float, bool] = (-2.0, 2.0, False),
           ok: Callable[[Any, Any], bool] = lambda x, y: True,
           pairs: Sequence[Tuple[Any, Any]] = BINARY_PAIRS) -> List[Case]:
    def make(sx: Any, sy: Any) -> Callable[[np.random.Generator], tuple]:
        def draw(rng: np.random.Generator) -> tuple:
            for _ in range(500):
                x = (signed if xdom[2] else u)(rng, sx, xdom[0], xdom[1])
                y = (signed if ydom[2] else u)(rng, sy, ydom[0], ydom[1])
                if ok(x, y):
                    return x, y
            raise RuntimeError("rule_cases_more: could not sample valid arguments")

        return draw

    return [case(f"{_shape_label(sx)} with {_shape_label(sy)}", make(sx, sy)) for sx, sy in pairs]


def _apart(x: Any, y: Any, gap: float = 0.05) -> bool:
    return bool(np.all(np.abs(np.subtract(x, y)) > gap))


def _frac_ok(x: Any, y: Any, margin: float = 0.05) -> bool:
    q = np.divide(x, y)
    frac = q - np.floor(q)
    return bool(np.all((frac > margin) & (frac < 1.0 - margin)))


def _clip_args(rng: np.random.Generator, shape: tuple, lo: Any, hi: Any) -> np.ndarray:
    for _ in range(500):
        a = u(rng, shape, -1.5, 1.5)
        if (lo is None or _apart(a, lo, 0.02)) and (hi is None or _apart(a, hi, 0.02)):
            return a
    raise RuntimeError("rule_cases_more: could not sample clip arguments")


def _clip_case(rng: np.random.Generator, shape: tuple, lo: Any, hi: Any) -> tuple:
    return _clip_args(rng, shape, lo, hi), lo, hi


def _interp_x(rng: np.random.Generator, shape: Any, xp: np.ndarray, lo: float, hi: float) -> Any:
    for _ in range(500):
        x = u(rng, shape, lo, hi)
        if np.all(np.min(np.abs(np.subtract.outer(np.atleast_1d(x), xp)), axis=-1) > 1e-2):
            return x
    raise RuntimeError("rule_cases_more: could not sample interp arguments")


XP = np.array([0.0, 0.3, 0.5, 0.9, 1.4])


def _interp(rng: np.random.Generator, shape: Any, lo: float, hi: float, extra: tuple = ()) -> tuple:
    return (_interp_x(rng, shape, XP, lo, hi), XP, u(rng, (5,))) + extra


def _interp_periodic(rng: np.random.Generator, shape: Any) -> tuple:
    """x anywhere (several periods), knots of one period given out of order: np.interp(..., period=2)."""
    xp = np.array([1.4, 0.3, 0.9, 0.1, 1.8])
    knots = np.concatenate([np.sort(xp) - 2.0, np.sort(xp), np.sort(xp) + 2.0])
    for _ in range(500):
        x = u(rng, shape, -3.0, 5.0)
        if np.all(np.min(np.abs(np.subtract.outer(np.atleast_1d(np.mod(x, 2.0)), knots)), axis=-1) > 1e-2):
            return (x, xp, u(rng, (5,)), None, None, 2.0)
    raise RuntimeError("rule_cases_more: could not sample periodic interp arguments")


def _choose_clip_bounds(rng: np.random.Generator) -> tuple:
    lo = u(rng, (4,), -1.0, -0.2)
    hi = u(rng, (3, 1), 0.2, 1.0)
    return _clip_args(rng, (3, 4), lo, hi), lo, hi


def _clip_kw(rng: np.random.Generator) -> tuple:
    return (_clip_args(rng, (3, 4), np.full(4, -0.4), 0.5),)


def _select(rng: np.random.Generator, default_shape: Any) -> tuple:
    x = u(rng, (3, 4))
    conds = [x > 0.5, x < -0.5]
    return conds, [u(rng, (3, 4)), u(rng, (4,))], u(rng, default_shape)


def _cond(rng: np.random.Generator, n: int) -> np.ndarray:
    c = rng.uniform(size=n) > 0.5
    c[0] = True
    return c


# ------------------------------------------------------------------ the table

CASES: Dict[str, List[Case]] = {
    # elementwise, one argument
    "numpy.fabs": unary(0.2, 2.0, sign=True),
    "numpy.log2": unary(0.2, 3.0),
    "numpy.log10": unary(0.2, 3.0),
    "numpy.exp2": unary(),
    "numpy.cbrt": unary(0.2, 2.0, sign=True),
    "numpy.sinc": unary(0.05, 1.9, sign=True),
    "numpy.deg2rad": unary(-90.0, 90.0),
    "numpy.radians": unary(-90.0, 90.0),
    "numpy.rad2deg": unary(),
    "numpy.degrees": unary(),
    "numpy.arctanh": unary(-0.9, 0.9),
    "numpy.arcsinh": unary(-3.0, 3.0),
    "numpy.arccosh": unary(1.2, 3.0),
    "numpy.positive": unary(),
    "numpy.conjugate": unary(),
    "numpy.real": unary(),
    "numpy.nan_to_num": unary() + [
        case("with nan and inf", lambda rng: (np.array([1.0, np.nan, -0.5, np.inf, -np.inf, 2.0]),)),
        case("with nan, posinf given", lambda rng: (np.array([[np.nan, 0.3], [1.2, np.inf]]),), posinf=5.0),
    ],
    # elementwise, two arguments (broadcasting)
    "numpy.logaddexp": binary(),
    "numpy.logaddexp2": binary(),
    "numpy.hypot": binary((0.2, 2.0, True), (0.2, 2.0, True)),
    "numpy.fmax": binary(ok=_apart) + [
        case("nan in x2", lambda rng: (u(rng, (4,)), np.array([np.nan, 0.3, np.nan, -1.9]))),
    ],
    "numpy.fmin": binary(ok=_apart) + [
        case("nan in x1", lambda rng: (np.array([np.nan, 0.3, 1.0]), u(rng, (2, 3)))),
    ],
    "numpy.copysign": binary((0.2, 2.0, True), (0.2, 2.0, True)),
    "numpy.fmod": binary((-3.0, 3.0, False), (0.3, 1.5, True), ok=_frac_ok),
    "numpy.remainder": binary((-3.0, 3.0, False), (0.3, 1.5, True), ok=_frac_ok),
    "numpy.float_power": binary((0.3, 2.0, False), (-2.0, 2.0, False)),
    "numpy.heaviside": [  # x1 (with exact zeros, where the result is x2) is a constant
        case("(5,) with (5,)", lambda rng: (np.array([0.0, 1.3, -0.4, 0.0, 2.0]), u(rng, (5,)))),
        case("(2, 3) with float", lambda rng: (np.array([[0.0, -1.0, 0.5], [0.0, 0.0, -2.0]]), u(rng, F))),
        case("float with (3,)", lambda rng: (0.0, u(rng, (3,)))),
        case("(3, 1) with (4,)", lambda rng: (np.array([[0.0], [1.0], [-1.0]]), u(rng, (4,)))),
    ],
    "numpy.ldexp": [
        case("(3, 4) with int (4,)", lambda rng: (u(rng, (3, 4)), np.array([-1, 0, 2, 3]))),
        case("float with int", lambda rng: (u(rng, F), 3)),
        case("(2,) with int (3, 1)", lambda rng: (u(rng, (2,)), np.array([[1], [-2], [0]]))),
    ],
    "numpy.clip": [
        case("scalar bounds", lambda rng: _clip_case(rng, (3, 4), -0.5, 0.5)),
        case("broadcast array bounds", _choose_clip_bounds),
        case("upper bound only", lambda rng: _clip_case(rng, (5,), None, 0.3)),
        case("lower bound only, float a", lambda rng: (_clip_args(rng, F, -0.2, None), -0.2, None)),
    ] + ([case("min/max keywords", _clip_kw, min=lambda rng: np.full(4, -0.4), max=0.5)]
         if tuple(int(v) for v in np.__version__.split(".")[:2]) >= (2, 1) else []),  # keywords since 2.1
    # reductions
    "numpy.amax": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(3, 4) axis 1", lambda rng: (u(rng, (3, 4)), 1)),
        case("(2, 3, 4) axes (0, 2) keepdims", lambda rng: (u(rng, (2, 3, 4)), (0, 2)), keepdims=True),
    ],
    "numpy.amin": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(3, 4) axis 0", lambda rng: (u(rng, (3, 4)), 0)),
        case("(2, 3, 4) axis -1 keepdims", lambda rng: (u(rng, (2, 3, 4)), -1), keepdims=True),
    ],
    "numpy.nanmax": [
        case("(3, 4) with nan", lambda rng: (with_nan(rng, (3, 4)),)),
        case("(3, 4) with nan, axis 1", lambda rng: (with_nan(rng, (3, 4)), 1)),
        case("(2, 3, 4) axis 0 keepdims", lambda rng: (u(rng, (2, 3, 4)), 0), keepdims=True),
    ],
    "numpy.nanmin": [
        case("(3, 4) with nan", lambda rng: (with_nan(rng, (3, 4)),)),
        case("(3, 4) with nan, axis 1 keepdims", lambda rng: (with_nan(rng, (3, 4)), 1), keepdims=True),
    ],
    "numpy.ptp": [
        case("(6,)", lambda rng: (u(rng, (6,)),)),
        case("(3, 4) axis 1", lambda rng: (u(rng, (3, 4)), 1)),
        case("(2, 3, 4) axes (0, 1) keepdims", lambda rng: (u(rng, (2, 3, 4)), (0, 1)), keepdims=True),
    ],
    "numpy.nansum": [
        case("(3, 4) with nan", lambda rng: (with_nan(rng, (3, 4)),)),
        case("(3, 4) with nan, axis 1", lambda rng: (with_nan(rng, (3, 4)), 1)),
        case("(2, 3, 4) axis (0, 2) keepdims", lambda rng: (with_nan(rng, (2, 3, 4)), (0, 2)), keepdims=True),
    ],
    "numpy.nanmean": [
        case("(3, 4) with nan", lambda rng: (with_nan(rng, (3, 4)),)),
        case("(3, 4) with nan, axis 1 keepdims", lambda rng: (with_nan(rng, (3, 4)), 1), keepdims=True),
        case("(2, 3, 4) axis 0", lambda rng: (with_nan(rng, (2, 3, 4)), 0)),
    ],
    "numpy.nanprod": [
        case("(3, 4) with nan", lambda rng: (with_nan(rng, (3, 4)),)),
        case("(3, 4) with nan, axis 1", lambda rng: (with_nan(rng, (3, 4)), 1)),
        case("(2, 3) with a zero, axis 0 keepdims",
             lambda rng: (np.array([[0.0, 1.5, -0.7], [2.0, np.nan, 1.1]]), 0), keepdims=True),
    ],
    "numpy.var": [
        case("(6,)", lambda rng: (u(rng, (6,)),)),
        case("(3, 4) axis 1", lambda rng: (u(rng, (3, 4)), 1)),
        case("(3, 4) axis 0 ddof 1 keepdims", lambda rng: (u(rng, (3, 4)), 0), ddof=1, keepdims=True),
        case("(2, 3, 4) axes (0, 2)", lambda rng: (u(rng, (2, 3, 4)), (0, 2))),
    ],
    "numpy.std": [
        case("(6,)", lambda rng: (u(rng, (6,)),)),
        case("(3, 4) axis 1 ddof 1", lambda rng: (u(rng, (3, 4)), 1), ddof=1),
        case("(2, 3, 4) axes (1, 2) keepdims", lambda rng: (u(rng, (2, 3, 4)), (1, 2)), keepdims=True),
    ],
    "numpy.nanvar": [
        case("(3, 5) with nan", lambda rng: (with_nan(rng, (3, 5)),)),
        case("(3, 5) with nan, axis 1, ddof 1", lambda rng: (with_nan(rng, (3, 5)), 1), ddof=1),
        case("(2, 3, 4) axis 0 keepdims", lambda rng: (u(rng, (2, 3, 4)), 0), keepdims=True),
    ],
    "numpy.nanstd": [
        case("(3, 5) with nan", lambda rng: (with_nan(rng, (3, 5)),)),
        case("(3, 5) with nan, axis 1 keepdims", lambda rng: (with_nan(rng, (3, 5)), 1), keepdims=True),
    ],
    "numpy.average": [
        case("(3, 4) unweighted", lambda rng: (u(rng, (3, 4)),)),
        case("(3, 4) axis 1, 1-D weights", lambda rng: (u(rng, (3, 4)), 1, u(rng, (4,), 0.5, 2.0))),
        case("(3, 4) full weights", lambda rng: (u(rng, (3, 4)), None, u(rng, (3, 4), 0.5, 2.0))),
        case("(2, 3, 4) axis 0 weights keepdims", lambda rng: (u(rng, (2, 3, 4)), 0, u(rng, (2,), 0.5, 2.0)),
             keepdims=True),
        case("(2, 3) axis (0, 1) full weights", lambda rng: (u(rng, (2, 3)), (0, 1), u(rng, (2, 3), 0.5, 2.0))),
    ],
    "numpy.median": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(6,)", lambda rng: (u(rng, (6,)),)),
        case("(4, 3) axis 0", lambda rng: (u(rng, (4, 3)), 0)),
        case("(2, 3, 4) axes (0, 2) keepdims", lambda rng: (u(rng, (2, 3, 4)), (0, 2)), keepdims=True),
    ],
    "numpy.trapezoid": [
        case("(6,)", lambda rng: (u(rng, (6,)),)),
        case("(6,) dx", lambda rng: (u(rng, (6,)), None, 0.3)),
        case("(3, 5) with x (5,)", lambda rng: (u(rng, (3, 5)), np.sort(u(rng, (5,))))),
        case("(4, 3) with x (4, 3), axis 0", lambda rng: (u(rng, (4, 3)), u(rng, (4, 3)), 1.0, 0)),
    ],
    # norms
    "numpy.linalg.norm": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(5,) ord 1", lambda rng: (signed(rng, (5,)), 1)),
        case("(5,) ord inf", lambda rng: (u(rng, (5,)), np.inf)),
        case("(5,) ord -inf", lambda rng: (signed(rng, (5,)), -np.inf)),
        case("(5,) ord 3", lambda rng: (signed(rng, (5,)), 3)),
        case("(5,) ord 0.5", lambda rng: (signed(rng, (5,)), 0.5)),
        case("(5,) ord 0", lambda rng: (signed(rng, (5,)), 0)),
        case("(3, 4) frobenius", lambda rng: (u(rng, (3, 4)),)),
        case("(3, 4) fro", lambda rng: (u(rng, (3, 4)), "fro")),
        case("(3, 4) nuc", lambda rng: (separated_sv(rng, 3, 4), "nuc")),
        case("(4, 3) ord 2", lambda rng: (separated_sv(rng, 4, 3), 2)),
        case("(4, 3) ord -2", lambda rng: (separated_sv(rng, 4, 3), -2)),
        case("(3, 4) ord 1", lambda rng: (signed(rng, (3, 4)), 1)),
        case("(3, 4) ord -1", lambda rng: (signed(rng, (3, 4)), -1)),
        case("(3, 4) ord inf", lambda rng: (signed(rng, (3, 4)), np.inf)),
        case("(3, 4) ord -inf", lambda rng: (signed(rng, (3, 4)), -np.inf)),
        case("(3, 4) axis 1", lambda rng: (u(rng, (3, 4)), None, 1)),
        case("(3, 4) ord 1 axis 0 keepdims", lambda rng: (signed(rng, (3, 4)), 1, 0, True)),
        case("(2, 3, 4) matrix axes (0, 2) keepdims", lambda rng: (u(rng, (2, 3, 4)), "fro", (0, 2), True)),
        case("(2, 3, 4) nuc axes (2, 1)", lambda rng: (separated_sv(rng, 4, 3, 2).transpose(0, 2, 1), "nuc", (2, 1))),
    ],
    "numpy.linalg.vector_norm": [
        case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
        case("(2, 3, 4) axes (0, 2)", lambda rng: (u(rng, (2, 3, 4)),), axis=(0, 2)),
        case("(3, 4) ord 1 axis 1 keepdims", lambda rng: (signed(rng, (3, 4)),), axis=1, ord=1, keepdims=True),
        case("(6,) ord inf", lambda rng: (u(rng, (6,)),), ord=np.inf),
    ],
    "numpy.linalg.matrix_norm": [
        case("(2, 3, 4) fro", lambda rng: (u(rng, (2, 3, 4)),)),
        case("(2, 3, 4) nuc keepdims", lambda rng: (separated_sv(rng, 3, 4, 2),), ord="nuc", keepdims=True),
        case("(3, 4) ord 2", lambda rng: (separated_sv(rng, 3, 4),), ord=2),
        case("(2, 3, 4) ord inf", lambda rng: (signed(rng, (2, 3, 4)),), ord=np.inf),
    ],
    # cumulative ops and differences
    "numpy.cumsum": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(3, 4) flattened", lambda rng: (u(rng, (3, 4)),)),
        case("(3, 4) axis 1", lambda rng: (u(rng, (3, 4)), 1)),
        case("(2, 3, 4) axis 0", lambda rng: (u(rng, (2, 3, 4)), 0)),
    ],
    "numpy.nancumsum": [
        case("(3, 4) with nan", lambda rng: (with_nan(rng, (3, 4)),)),
        case("(3, 4) with nan, axis 1", lambda rng: (with_nan(rng, (3, 4)), 1)),
    ],
    "numpy.cumprod": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(4,) with a zero", lambda rng: (np.array([1.3, 0.0, -0.8, 2.0]),)),
        case("(3, 4) flattened", lambda rng: (u(rng, (3, 4)),)),
        case("(3, 4) axis 0", lambda rng: (u(rng, (3, 4)), 0)),
        case("(2, 3, 4) axis 2", lambda rng: (u(rng, (2, 3, 4)), 2)),
    ],
    "numpy.nancumprod": [
        case("(3, 4) with nan, axis 1", lambda rng: (with_nan(rng, (3, 4)), 1)),
        case("(3, 4) with nan", lambda rng: (with_nan(rng, (3, 4)),)),
    ],
    "numpy.cumulative_sum": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(3, 4) axis 1", lambda rng: (u(rng, (3, 4)),), axis=1),
        case("(3, 4) axis 0 include_initial", lambda rng: (u(rng, (3, 4)),), axis=0, include_initial=True),
    ],
    "numpy.cumulative_prod": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(3, 4) axis 1", lambda rng: (u(rng, (3, 4)),), axis=1),
        case("(3, 4) axis 0 include_initial", lambda rng: (u(rng, (3, 4)),), axis=0, include_initial=True),
    ],
    "numpy.diff": [
        case("(6,)", lambda rng: (u(rng, (6,)),)),
        case("(4, 5) n 2 axis 0", lambda rng: (u(rng, (4, 5)), 2, 0)),
        case("(3, 4) prepend scalar, append (3, 2)", lambda rng: (u(rng, (3, 4)), 1, -1, u(rng, F), u(rng, (3, 2)))),
        case("(5, 3) n 2 axis 0, prepend (1, 3)", lambda rng: (u(rng, (5, 3)), 2, 0, u(rng, (1, 3)))),
    ],
    # sorting
    "numpy.sort": [
        case("(6,)", lambda rng: (u(rng, (6,)),)),
        case("(3, 4) axis 0", lambda rng: (u(rng, (3, 4)), 0)),
        case("(3, 4) flattened", lambda rng: (u(rng, (3, 4)), None)),
        case("(2, 3, 4) last axis, stable", lambda rng: (u(rng, (2, 3, 4)),), stable=True),
    ],
    # products
    "numpy.vdot": [
        case("(4,) . (4,)", lambda rng: (u(rng, (4,)), u(rng, (4,)))),
        case("(3, 4) . (3, 4)", lambda rng: (u(rng, (3, 4)), u(rng, (3, 4)))),
        case("(12,) . (3, 4)", lambda rng: (u(rng, (12,)), u(rng, (3, 4)))),
    ],
    "numpy.inner": [
        case("(4,) (4,)", lambda rng: (u(rng, (4,)), u(rng, (4,)))),
        case("(3, 4) (4,)", lambda rng: (u(rng, (3, 4)), u(rng, (4,)))),
        case("(2, 4) (3, 4)", lambda rng: (u(rng, (2, 4)), u(rng, (3, 4)))),
        case("(2, 3, 4) (5, 4)", lambda rng: (u(rng, (2, 3, 4)), u(rng, (5, 4)))),
        case("() (3,)", lambda rng: (u(rng, ()), u(rng, (3,)))),
        case("(2, 3) ()", lambda rng: (u(rng, (2, 3)), u(rng, ()))),
    ],
    "numpy.vecdot": [
        case("(3, 4) (3, 4)", lambda rng: (u(rng, (3, 4)), u(rng, (3, 4)))),
        case("(3, 4) (4,)", lambda rng: (u(rng, (3, 4)), u(rng, (4,)))),
        case("(2, 1, 4) (3, 4)", lambda rng: (u(rng, (2, 1, 4)), u(rng, (3, 4)))),
        case("(4, 3) (4, 3) axis 0", lambda rng: (u(rng, (4, 3)), u(rng, (4, 3))), axis=0),
    ],
    "numpy.linalg.vecdot": [
        case("(3, 4) (3, 4)", lambda rng: (u(rng, (3, 4)), u(rng, (3, 4)))),
        case("(3, 4) (4,)", lambda rng: (u(rng, (3, 4)), u(rng, (4,)))),
        case("(4, 3) (4, 3) axis 0", lambda rng: (u(rng, (4, 3)), u(rng, (4, 3))), axis=0),
    ],
    "numpy.linalg.outer": [
        case("(3,) (4,)", lambda rng: (u(rng, (3,)), u(rng, (4,)))),
    ],
    "numpy.linalg.matmul": [
        case("(3, 4) (4, 2)", lambda rng: (u(rng, (3, 4)), u(rng, (4, 2)))),
        case("(2, 3, 4) (4,)", lambda rng: (u(rng, (2, 3, 4)), u(rng, (4,)))),
        case("(4,) (2, 4, 3)", lambda rng: (u(rng, (4,)), u(rng, (2, 4, 3)))),
    ],
    "numpy.tensordot": [
        case("(3, 4) (4, 5) axes 1", lambda rng: (u(rng, (3, 4)), u(rng, (4, 5)), 1)),
        case("(2, 3, 4) (3, 4, 5) axes 2", lambda rng: (u(rng, (2, 3, 4)), u(rng, (3, 4, 5)))),
        case("(3, 4, 2) (4, 3, 5) axes ([1, 0], [0, 1])",
             lambda rng: (u(rng, (3, 4, 2)), u(rng, (4, 3, 5)), ([1, 0], [0, 1]))),
        case("(3,) (4,) axes 0", lambda rng: (u(rng, (3,)), u(rng, (4,)), 0)),
        case("(2, 3) (3, 2) axes ([0, 1], [1, 0])", lambda rng: (u(rng, (2, 3)), u(rng, (3, 2)), ([0, 1], [1, 0]))),
        case("(2, 3, 4) (4, 2) axes (-1, 0)", lambda rng: (u(rng, (2, 3, 4)), u(rng, (4, 2)), (-1, 0))),
    ],
    "numpy.linalg.tensordot": [
        case("(3, 4) (4, 5) axes 1", lambda rng: (u(rng, (3, 4)), u(rng, (4, 5))), axes=1),
        case("(2, 3, 4) (3, 4, 5)", lambda rng: (u(rng, (2, 3, 4)), u(rng, (3, 4, 5)))),
    ],
    "numpy.kron": [
        case("(2, 3) (3, 2)", lambda rng: (u(rng, (2, 3)), u(rng, (3, 2)))),
        case("(3,) (2, 2)", lambda rng: (u(rng, (3,)), u(rng, (2, 2)))),
        case("(2,) (3,)", lambda rng: (u(rng, (2,)), u(rng, (3,)))),
        case("(2, 2, 2) (2, 3)", lambda rng: (u(rng, (2, 2, 2)), u(rng, (2, 3)))),
    ],
    "numpy.cross": [
        case("(3,) (3,)", lambda rng: (u(rng, (3,)), u(rng, (3,)))),
        case("(4, 3) (3,)", lambda rng: (u(rng, (4, 3)), u(rng, (3,)))),
    ] + ([  # 2-vectors: deprecated in NumPy 2.0, an error since 2.5
        case("(2,) (2,)", lambda rng: (u(rng, (2,)), u(rng, (2,)))),
        case("(4, 2) (4, 3)", lambda rng: (u(rng, (4, 2)), u(rng, (4, 3)))),
    ] if _CROSS_2D else []) + [
        case("(3, 4) (3, 4) axis 0", lambda rng: (u(rng, (3, 4)), u(rng, (3, 4))), axis=0),
        case("(3, 5) (5, 3) axisa 0 axisc 0", lambda rng: (u(rng, (3, 5)), u(rng, (5, 3)), 0, -1, 0)),
    ],
    "numpy.linalg.cross": [
        case("(3,) (3,)", lambda rng: (u(rng, (3,)), u(rng, (3,)))),
        case("(4, 3) (4, 3)", lambda rng: (u(rng, (4, 3)), u(rng, (4, 3)))),
        case("(3, 4) (3, 4) axis 0", lambda rng: (u(rng, (3, 4)), u(rng, (3, 4))), axis=0),
    ],
    "numpy.linalg.multi_dot": [
        case("[(2, 3), (3, 4), (4, 2)]", lambda rng: ([u(rng, (2, 3)), u(rng, (3, 4)), u(rng, (4, 2))],)),
        case("[(3,), (3, 4), (4,)]", lambda rng: ([u(rng, (3,)), u(rng, (3, 4)), u(rng, (4,))],)),
        case("[(3, 3), (3, 3)]", lambda rng: ([u(rng, (3, 3)), u(rng, (3, 3))],)),
        case("((2, 3), (3,)) tuple", lambda rng: ((u(rng, (2, 3)), u(rng, (3,))),)),
    ],
    "numpy.linalg.matrix_power": [
        case("(3, 3) n 3", lambda rng: (u(rng, (3, 3)), 3)),
        case("(3, 3) n 1", lambda rng: (u(rng, (3, 3)), 1)),
        case("(3, 3) n 0", lambda rng: (u(rng, (3, 3)), 0)),
        case("(3, 3) n -2", lambda rng: (well(rng, 3, 3), -2)),
        case("(2, 3, 3) n 2", lambda rng: (u(rng, (2, 3, 3)), 2)),
    ],
    "numpy.convolve": [
        case(f"({n},) ({m},) {mode}", lambda rng, n=n, m=m, mode=mode: (u(rng, (n,)), u(rng, (m,)), mode))
        for n, m in ((5, 3), (3, 5), (4, 4), (2, 5)) for mode in ("full", "same", "valid")
    ],
    "numpy.correlate": [
        case(f"({n},) ({m},) {mode}", lambda rng, n=n, m=m, mode=mode: (u(rng, (n,)), u(rng, (m,)), mode))
        for n, m in ((5, 3), (3, 5), (4, 4), (2, 5), (4, 6)) for mode in ("full", "same", "valid")
    ],
    "numpy.polyval": [
        case("(4,) at (5,)", lambda rng: (u(rng, (4,)), u(rng, (5,)))),
        case("(3,) at float", lambda rng: (u(rng, (3,)), u(rng, F))),
        case("(1,) at (3,)", lambda rng: (u(rng, (1,)), u(rng, (3,)))),
        case("(4,) at (2, 3)", lambda rng: (u(rng, (4,)), u(rng, (2, 3)))),
    ],
    "numpy.interp": [
        case("(6,) inside", lambda rng: _interp(rng, (6,), 0.0, 1.4)),
        case("(2, 4) outside, default ends", lambda rng: _interp(rng, (2, 4), -0.5, 2.0)),
        case("(6,) outside, left/right given", lambda rng: _interp(rng, (6,), -0.5, 2.0, (-3.0, 4.0))),
        case("float", lambda rng: _interp(rng, F, 0.0, 1.4)),
        case("(6,) periodic, knots out of order", lambda rng: _interp_periodic(rng, (6,))),
    ],
    "numpy.einsum": [
        case("ij,jk->ik", lambda rng: ("ij,jk->ik", u(rng, (2, 3)), u(rng, (3, 4)))),
        case("ij,jk (implicit)", lambda rng: ("ij,jk", u(rng, (2, 3)), u(rng, (3, 4)))),
        case("ij->ji", lambda rng: ("ij->ji", u(rng, (2, 3)))),
        case("ij->", lambda rng: ("ij->", u(rng, (2, 3)))),
        case("ij->j", lambda rng: ("ij->j", u(rng, (2, 3)))),
        case("ii (trace, implicit)", lambda rng: ("ii", u(rng, (3, 3)))),
        case("ii->i (diagonal)", lambda rng: ("ii->i", u(rng, (3, 3)))),
        case("iij,jk->ik", lambda rng: ("iij,jk->ik", u(rng, (3, 3, 2)), u(rng, (2, 4)))),
        case("i,i->", lambda rng: ("i,i->", u(rng, (4,)), u(rng, (4,)))),
        case("i,j->ij", lambda rng: ("i,j->ij", u(rng, (3,)), u(rng, (4,)))),
        case("ij,j->i", lambda rng: ("ij,j->i", u(rng, (3, 4)), u(rng, (4,)))),
        case("bij,bjk->bik", lambda rng: ("bij,bjk->bik", u(rng, (2, 3, 4)), u(rng, (2, 4, 2)))),
        case("...ij,...jk->...ik broadcasting",
             lambda rng: ("...ij,...jk->...ik", u(rng, (2, 3, 4)), u(rng, (4, 5)))),
        case("...i,...i->... size-1 broadcasting", lambda rng: ("...i,...i->...", u(rng, (2, 1, 3)), u(rng, (4, 3)))),
        case("ij,jk,kl->il", lambda rng: ("ij,jk,kl->il", u(rng, (2, 3)), u(rng, (3, 4)), u(rng, (4, 2)))),
        case("i,ij,j (implicit)", lambda rng: ("i,ij,j", u(rng, (3,)), u(rng, (3, 4)), u(rng, (4,)))),
        case("a,b,c,d,e,f->abcdef", lambda rng: ("a,b,c,d,e,f->abcdef",) + tuple(u(rng, (2,)) for _ in range(6))),
        case("ij,jk->ik optimize", lambda rng: ("ij,jk->ik", u(rng, (2, 3)), u(rng, (3, 4))), optimize=True),
        case("ij,,jk->ki (scalar operand)", lambda rng: ("ij,,jk->ki", u(rng, (2, 3)), u(rng, ()), u(rng, (3, 2)))),
    ],
    # axes and shapes
    "numpy.swapaxes": [
        case("(2, 3, 4) 0 2", lambda rng: (u(rng, (2, 3, 4)), 0, 2)),
        case("(3, 4) -1 0", lambda rng: (u(rng, (3, 4)), -1, 0)),
    ],
    "numpy.moveaxis": [
        case("(2, 3, 4) 0 -1", lambda rng: (u(rng, (2, 3, 4)), 0, -1)),
        case("(2, 3, 4, 5) (0, 1) (3, 0)", lambda rng: (u(rng, (2, 3, 4, 5)), (0, 1), (3, 0))),
    ],
    "numpy.rollaxis": [
        case("(2, 3, 4) axis 2", lambda rng: (u(rng, (2, 3, 4)), 2)),
        case("(2, 3, 4, 5) axis 1 start 3", lambda rng: (u(rng, (2, 3, 4, 5)), 1, 3)),
        case("(2, 3, 4) axis -1 start 1", lambda rng: (u(rng, (2, 3, 4)), -1, 1)),
    ],
    "numpy.matrix_transpose": [
        case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
        case("(2, 3, 4)", lambda rng: (u(rng, (2, 3, 4)),)),
    ],
    "numpy.linalg.matrix_transpose": [
        case("(2, 3, 4)", lambda rng: (u(rng, (2, 3, 4)),)),
    ],
    "numpy.expand_dims": [
        case("(3, 4) axis 1", lambda rng: (u(rng, (3, 4)), 1)),
        case("(3,) axes (0, 2)", lambda rng: (u(rng, (3,)), (0, 2))),
        case("float axis 0", lambda rng: (u(rng, F), 0)),
    ],
    "numpy.squeeze": [
        case("(1, 3, 1)", lambda rng: (u(rng, (1, 3, 1)),)),
        case("(1, 3, 1) axis 2", lambda rng: (u(rng, (1, 3, 1)), 2)),
    ],
    "numpy.atleast_1d": [case(_shape_label(s), lambda rng, s=s: (u(rng, s),)) for s in (F, (), (3,), (2, 3))],
    "numpy.atleast_2d": [case(_shape_label(s), lambda rng, s=s: (u(rng, s),)) for s in (F, (), (3,), (2, 3))],
    "numpy.atleast_3d": [case(_shape_label(s), lambda rng, s=s: (u(rng, s),)) for s in ((), (3,), (2, 3), (2, 3, 2))],
    "numpy.broadcast_to": [
        case("(3,) -> (2, 3)", lambda rng: (u(rng, (3,)), (2, 3))),
        case("(3, 1) -> (2, 3, 4)", lambda rng: (u(rng, (3, 1)), (2, 3, 4))),
        case("float -> (2, 2)", lambda rng: (u(rng, F), (2, 2))),
    ],
    "numpy.ascontiguousarray": [case("(3, 4)", lambda rng: (u(rng, (3, 4)).T,)),
                                case("list", lambda rng: ([u(rng, F), u(rng, F)],))],
    "numpy.asfortranarray": [case("(3, 4)", lambda rng: (u(rng, (3, 4)),))],
    "numpy.asanyarray": [case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
                         case("list of arrays", lambda rng: ([u(rng, (2,)), u(rng, (2,))],))],
    "numpy.flip": [
        case("(5,)", lambda rng: (u(rng, (5,)),)),
        case("(2, 3, 4) axis 1", lambda rng: (u(rng, (2, 3, 4)), 1)),
        case("(2, 3, 4) axes (0, 2)", lambda rng: (u(rng, (2, 3, 4)), (0, 2))),
    ],
    "numpy.fliplr": [case("(3, 4)", lambda rng: (u(rng, (3, 4)),))],
    "numpy.flipud": [case("(3, 4)", lambda rng: (u(rng, (3, 4)),)), case("(5,)", lambda rng: (u(rng, (5,)),))],
    "numpy.roll": [
        case("(3, 4) shift 2 flattened", lambda rng: (u(rng, (3, 4)), 2)),
        case("(3, 4) shift -1 axis 1", lambda rng: (u(rng, (3, 4)), -1, 1)),
        case("(2, 3, 4) shifts (1, 2) axes (0, 2)", lambda rng: (u(rng, (2, 3, 4)), (1, 2), (0, 2))),
    ],
    "tangent_lite.runtime.shapes.roll_bar": [
        case("g (3, 4) shift 2 flattened", lambda rng: (u(rng, (3, 4)), 2)),
        case("g (2, 3, 4) shifts (1, -2) axes (0, 2)", lambda rng: (u(rng, (2, 3, 4)), (1, -2), (0, 2))),
    ],
    "numpy.rot90": [
        case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
        case("(3, 4) k 2", lambda rng: (u(rng, (3, 4)), 2)),
        case("(2, 3, 4) k -1 axes (1, 2)", lambda rng: (u(rng, (2, 3, 4)), -1, (1, 2))),
    ],
    "numpy.tile": [
        case("(3,) reps 2", lambda rng: (u(rng, (3,)), 2)),
        case("(2, 3) reps (2, 1, 2)", lambda rng: (u(rng, (2, 3)), (2, 1, 2))),
        case("(2, 3, 2) reps (3,)", lambda rng: (u(rng, (2, 3, 2)), (3,))),
    ],
    "numpy.repeat": [
        case("(2, 3) 2 flattened", lambda rng: (u(rng, (2, 3)), 2)),
        case("(2, 3) [1, 0, 3] axis 1", lambda rng: (u(rng, (2, 3)), [1, 0, 3], 1)),
        case("(4,) [2, 1, 0, 1]", lambda rng: (u(rng, (4,)), np.array([2, 1, 0, 1]))),
    ],
    "numpy.pad": [
        case("(3, 4) width 1", lambda rng: (u(rng, (3, 4)), 1)),
        case("(3, 4) ((1, 2), (0, 1)) constant 2", lambda rng: (u(rng, (3, 4)), ((1, 2), (0, 1))), constant_values=2.0),
        case("(4,) edge", lambda rng: (u(rng, (4,)), (2, 3), "edge")),
        case("(3, 4) reflect", lambda rng: (u(rng, (3, 4)), 2, "reflect")),
        case("(3, 4) symmetric", lambda rng: (u(rng, (3, 4)), ((1, 2), (3, 1)), "symmetric")),
        case("(3, 3) wrap", lambda rng: (u(rng, (3, 3)), 2, "wrap")),
    ],
    # joining and splitting
    "numpy.concatenate": [
        case("[(2, 3), (1, 3), (3, 3)]", lambda rng: ([u(rng, (2, 3)), u(rng, (1, 3)), u(rng, (3, 3))],)),
        case("((2, 3), (2, 1)) axis 1", lambda rng: ((u(rng, (2, 3)), u(rng, (2, 1))), 1)),
        case("[(2, 3), (4,)] axis None", lambda rng: ([u(rng, (2, 3)), u(rng, (4,))], None)),
        case("array (3, 2, 4) axis -1", lambda rng: (u(rng, (3, 2, 4)), -1)),
    ],
    "numpy.stack": [
        case("[(3,), (3,)]", lambda rng: ([u(rng, (3,)), u(rng, (3,))],)),
        case("[(2, 3)] * 3 axis -1", lambda rng: ([u(rng, (2, 3)) for _ in range(3)], -1)),
        case("[float, float]", lambda rng: ([u(rng, F), u(rng, F)],)),
    ],
    "numpy.hstack": [
        case("[(3,), (2,)]", lambda rng: ([u(rng, (3,)), u(rng, (2,))],)),
        case("[(2, 3), (2, 1)]", lambda rng: ([u(rng, (2, 3)), u(rng, (2, 1))],)),
        case("[float, (2,)]", lambda rng: ([u(rng, F), u(rng, (2,))],)),
    ],
    "numpy.vstack": [
        case("[(3,), (2, 3)]", lambda rng: ([u(rng, (3,)), u(rng, (2, 3))],)),
        case("((1, 2), (3, 2))", lambda rng: ((u(rng, (1, 2)), u(rng, (3, 2))),)),
    ],
    "numpy.dstack": [
        case("[(3,), (3,)]", lambda rng: ([u(rng, (3,)), u(rng, (3,))],)),
        case("[(2, 3), (2, 3, 2)]", lambda rng: ([u(rng, (2, 3)), u(rng, (2, 3, 2))],)),
    ],
    "numpy.column_stack": [
        case("[(3,), (3, 2)]", lambda rng: ([u(rng, (3,)), u(rng, (3, 2))],)),
        case("[(4,), (4,)]", lambda rng: ([u(rng, (4,)), u(rng, (4,))],)),
    ],
    "numpy.append": [
        case("(2, 3) (4,) flattened", lambda rng: (u(rng, (2, 3)), u(rng, (4,)))),
        case("(2, 3) (1, 3) axis 0", lambda rng: (u(rng, (2, 3)), u(rng, (1, 3)), 0)),
        case("(3,) float", lambda rng: (u(rng, (3,)), u(rng, F))),
    ],
    "numpy.split": [
        case("(6,) 2", lambda rng: (u(rng, (6,)), 2)),
        case("(3, 5) [1, 3] axis 1", lambda rng: (u(rng, (3, 5)), [1, 3], 1)),
    ],
    "numpy.array_split": [
        case("(7,) 3", lambda rng: (u(rng, (7,)), 3)),
        case("(5, 2) 2 axis 0", lambda rng: (u(rng, (5, 2)), 2, 0)),
    ],
    "numpy.hsplit": [
        case("(2, 4) 2", lambda rng: (u(rng, (2, 4)), 2)),
        case("(6,) [2]", lambda rng: (u(rng, (6,)), [2])),
    ],
    "numpy.vsplit": [case("(4, 3) 2", lambda rng: (u(rng, (4, 3)), 2))],
    "numpy.dsplit": [case("(2, 2, 4) [1, 3]", lambda rng: (u(rng, (2, 2, 4)), [1, 3]))],
    "numpy.unstack": [
        case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
        case("(2, 3, 4) axis 2", lambda rng: (u(rng, (2, 3, 4)),), axis=2),
    ],
    # diagonals and triangles
    "numpy.diagonal": [
        case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
        case("(3, 4) offset 1", lambda rng: (u(rng, (3, 4)), 1)),
        case("(4, 3) offset -2", lambda rng: (u(rng, (4, 3)), -2)),
        case("(2, 3, 4) offset 1 axes (2, 0)", lambda rng: (u(rng, (2, 3, 4)), 1, 2, 0)),
    ],
    "numpy.linalg.diagonal": [
        case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
        case("(2, 3, 3) offset -1", lambda rng: (u(rng, (2, 3, 3)),), offset=-1),
    ],
    "numpy.trace": [
        case("(3, 3)", lambda rng: (u(rng, (3, 3)),)),
        case("(3, 4) offset 1", lambda rng: (u(rng, (3, 4)), 1)),
        case("(2, 3, 4) offset -1 axes (1, 2)", lambda rng: (u(rng, (2, 3, 4)), -1, 1, 2)),
    ],
    "numpy.linalg.trace": [
        case("(3, 3)", lambda rng: (u(rng, (3, 3)),)),
        case("(2, 3, 4) offset 1", lambda rng: (u(rng, (2, 3, 4)),), offset=1),
    ],
    "numpy.diag": [
        case("(3,)", lambda rng: (u(rng, (3,)),)),
        case("(3,) k 1", lambda rng: (u(rng, (3,)), 1)),
        case("(3, 4) k -1", lambda rng: (u(rng, (3, 4)), -1)),
        case("(4, 4)", lambda rng: (u(rng, (4, 4)),)),
    ],
    "numpy.diagflat": [
        case("(2, 2)", lambda rng: (u(rng, (2, 2)),)),
        case("(3,) k -1", lambda rng: (u(rng, (3,)), -1)),
    ],
    "numpy.triu": [
        case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
        case("(2, 3, 3) k 1", lambda rng: (u(rng, (2, 3, 3)), 1)),
        case("(4,) k -1", lambda rng: (u(rng, (4,)), -1)),
    ],
    "numpy.tril": [
        case("(3, 4)", lambda rng: (u(rng, (3, 4)),)),
        case("(2, 3, 3) k -1", lambda rng: (u(rng, (2, 3, 3)), -1)),
        case("(4,)", lambda rng: (u(rng, (4,)),)),
    ],
    # selection
    "numpy.take": [
        case("(3, 4) flat [0, 5, 5, -1]", lambda rng: (u(rng, (3, 4)), [0, 5, 5, -1])),
        case("(3, 4) [[0, 3], [3, 3]] axis 1", lambda rng: (u(rng, (3, 4)), np.array([[0, 3], [3, 3]]), 1)),
        case("(5,) scalar index", lambda rng: (u(rng, (5,)), 2)),
        case("(3, 4) wrap", lambda rng: (u(rng, (3, 4)), [5, -7], 1), mode="wrap"),
        case("(3, 4) clip", lambda rng: (u(rng, (3, 4)), [9, -3, 1], 0), mode="clip"),
    ],
    "numpy.take_along_axis": [
        case("(3, 4) argsort axis 1", lambda rng: (u(rng, (3, 4)), np.argsort(rng.normal(size=(3, 4)), axis=1), 1)),
        case("(3, 4) repeated indices axis 0",
             lambda rng: (u(rng, (3, 4)), np.array([[0, 2, 2, 1], [0, 0, 1, 1]]), 0)),
        case("(6,) flattened", lambda rng: (u(rng, (6,)), np.array([5, 0, 0, 3]), None)),
        case("(1, 4) with broadcast indices (3, 1), axis 1",
             lambda rng: (u(rng, (1, 4)), np.array([[0], [3], [3]]), 1)),
    ],
    "numpy.bincount": [
        case("[0, 0, 1, 3] weights", lambda rng: (np.array([0, 0, 1, 3]), u(rng, (4,)))),
        case("[2, 0, 2] weights minlength 5", lambda rng: (np.array([2, 0, 2]), u(rng, (3,))), minlength=5),
    ],
    "numpy.delete": [
        case("(2, 4) flat [1, 5]", lambda rng: (u(rng, (2, 4)), [1, 5])),
        case("(3, 4) 1 axis 1", lambda rng: (u(rng, (3, 4)), 1, 1)),
        case("(4, 3) slice axis 0", lambda rng: (u(rng, (4, 3)), slice(0, 3, 2), 0)),
    ],
    "numpy.compress": [
        case("(3, 4) flattened", lambda rng: (_cond(rng, 12), u(rng, (3, 4)))),
        case("(4, 3) axis 0, short condition", lambda rng: (np.array([True, False, True]), u(rng, (4, 3)), 0)),
    ],
    "numpy.extract": [
        case("(3, 4)", lambda rng: (_cond(rng, 12).reshape(3, 4), u(rng, (3, 4)))),
    ],
    "numpy.select": [
        case("arrays, default (3, 1)", lambda rng: _select(rng, (3, 1))),
        case("arrays, float default", lambda rng: _select(rng, F)),
    ],
    # linear algebra
    "numpy.linalg.solve": [
        case("(3, 3) (3,)", lambda rng: (well(rng, 3, 3), u(rng, (3,)))),
        case("(3, 3) (3, 2)", lambda rng: (well(rng, 3, 3), u(rng, (3, 2)))),
        case("(2, 3, 3) (3,)", lambda rng: (well(rng, 2, 3, 3), u(rng, (3,)))),
        case("(3, 3) (2, 3, 2)", lambda rng: (well(rng, 3, 3), u(rng, (2, 3, 2)))),
    ],
    "numpy.linalg.inv": [
        case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
        case("(2, 3, 3)", lambda rng: (well(rng, 2, 3, 3),)),
    ],
    "numpy.linalg.det": [
        case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
        case("(2, 2, 2)", lambda rng: (well(rng, 2, 2, 2),)),
        # a polynomial: its derivative (the cofactors) is defined at singular matrices too
        case("(3, 3) rank 1", lambda rng: (np.outer(u(rng, (3,)), u(rng, (3,))),)),
        case("(2, 4, 4) rank 2 and 4", lambda rng: (np.stack([u(rng, (4, 2)) @ u(rng, (2, 4)), well(rng, 4, 4)]),)),
        case("(1, 1)", lambda rng: (u(rng, (1, 1)),)),
    ],
    "tangent_lite.runtime.linalg.inv_or_nan": [  # (slogdet's helper, with np.linalg.inv's rules)
        case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
        case("(2, 3, 3)", lambda rng: (well(rng, 2, 3, 3),)),
    ],
    "numpy.linalg.slogdet": [
        case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
        case("(3, 3) negative determinant", lambda rng: (-well(rng, 3, 3),)),
        case("(2, 3, 3)", lambda rng: (well(rng, 2, 3, 3),)),
    ],
    "numpy.linalg.cholesky": [
        case("(3, 3)", lambda rng: (spd(rng, 3, 3),)),
        case("(3, 3) upper", lambda rng: (spd(rng, 3, 3),), upper=True),
        case("(2, 4, 4)", lambda rng: (spd(rng, 2, 4, 4),)),
    ],
    "numpy.linalg.eigh": [
        case("(3, 3)", lambda rng: (sym(rng, 3, 3),)),
        case("(4, 4) UPLO U", lambda rng: (sym(rng, 4, 4), "U")),
        case("(2, 3, 3)", lambda rng: (sym(rng, 2, 3, 3),)),
    ],
    "numpy.linalg.eigvalsh": [
        case("(3, 3)", lambda rng: (sym(rng, 3, 3),)),
        case("(2, 3, 3) UPLO U", lambda rng: (sym(rng, 2, 3, 3), "U")),
    ],
    "numpy.linalg.svd": [
        case("(3, 3)", lambda rng: (separated_sv(rng, 3, 3),)),
        case("(4, 3) reduced", lambda rng: (separated_sv(rng, 4, 3), False)),
        case("(3, 5) reduced", lambda rng: (separated_sv(rng, 3, 5), False)),
        case("(2, 4, 3) reduced", lambda rng: (separated_sv(rng, 4, 3, 2),), full_matrices=False),
        case("(4, 3) values only", lambda rng: (separated_sv(rng, 4, 3), True, False)),
    ],
    "numpy.linalg.svdvals": [
        case("(3, 4)", lambda rng: (separated_sv(rng, 3, 4),)),
        case("(2, 4, 3)", lambda rng: (separated_sv(rng, 4, 3, 2),)),
    ],
    "numpy.linalg.qr": [
        case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
        case("(5, 3)", lambda rng: (u(rng, (5, 3)),)),
        case("(5, 3) mode r", lambda rng: (u(rng, (5, 3)), "r")),
        case("(3, 3) complete", lambda rng: (well(rng, 3, 3), "complete")),
        case("(2, 4, 3)", lambda rng: (u(rng, (2, 4, 3)),)),
    ],
    "numpy.linalg.pinv": [
        case("(4, 3)", lambda rng: (separated_sv(rng, 4, 3),)),
        case("(2, 4)", lambda rng: (separated_sv(rng, 2, 4),)),
        case("(3, 3)", lambda rng: (well(rng, 3, 3),)),
        case("(2, 3, 2)", lambda rng: (separated_sv(rng, 3, 2, 2),)),
    ],
}


# ------------------------------------------------------------------ end to end: user functions


def use_einsum(a, b):
    return np.sum(np.einsum("ij,jk->ik", a, b) ** 2)


def use_einsum_nary(a, b, c):
    return np.sum(np.tanh(np.einsum("ij,jk,kl", a, b, c))) + np.einsum("ii", np.einsum("ij,kj->ik", a, a))


def use_einsum_ellipsis(x, y):
    return np.sum(np.sin(np.einsum("...ij,...j->...i", x, y)))


def use_tensordot_kron(a, b):
    t = np.tensordot(a, b, axes=([1, 2], [0, 1]))
    return np.sum(np.sin(t)) + np.sum(np.kron(t, a[0]) ** 2)


def use_concat_stack(x, y):
    z = np.concatenate([x, y * 2.0], axis=0)
    s = np.stack([x, np.cos(y)], axis=1)
    h = np.hstack([np.ravel(x), np.ravel(y)])
    return np.sum(z ** 2) + np.sum(np.sin(s)) + np.sum(h * h * h)


def use_split(x):
    a, b = np.split(x, 2)
    parts = np.array_split(x, 3)
    rows = np.unstack(np.reshape(x, (2, 3)))
    return np.sum(a * b) + np.sum(parts[1] ** 2) + np.sum(np.hsplit(x, 3)[2] ** 3) + np.sum(rows[1] * rows[0])


def use_clip_where(x, lo):
    return np.sum(np.clip(x, lo, 1.0) ** 2) + np.sum(np.fmax(x, 0.1) * np.fmin(x, lo))


def use_cumulative(x):
    return np.sum(np.cumsum(x, axis=1) * np.cumprod(x, axis=0)) + np.sum(np.diff(x, axis=0) ** 2)


def use_sort_median(x):
    s = np.sort(x)
    return np.sum(s * np.linspace(0.0, 1.0, 6)) + np.median(x) + np.ptp(x)


def use_var_std(x):
    return np.sum(np.var(x, axis=0, ddof=1)) + np.std(x) + np.sum(np.average(x, axis=1, weights=x[0] ** 2))


def use_norms(x, m):
    return np.linalg.norm(x) + np.linalg.norm(m, "nuc") + np.sum(np.linalg.norm(m, ord=1, axis=1))


def use_solve(a, b):
    return np.sum(np.linalg.solve(a, b) ** 2)


def use_inv_det(a):
    return np.sum(np.linalg.inv(a)) + np.linalg.det(a)


def use_slogdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign * logdet


def use_cholesky(x):
    a = x @ x.T + 3.0 * np.eye(3)
    low = np.linalg.cholesky(a)
    return np.sum(low ** 2) + np.sum(np.log(np.diag(low)))


def use_eigh(x):
    w, v = np.linalg.eigh(x + x.T)
    return np.sum(w ** 3) + np.sum(v[:, 0] ** 4) + np.sum(np.linalg.eigvalsh(x @ x.T))


def use_svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(s ** 2) + np.sum((u @ vh) ** 3)


def use_svd_values(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(np.sqrt(s)) + np.sum(np.linalg.svd(a, compute_uv=False))


def use_qr(a):
    q, r = np.linalg.qr(a)
    return np.sum(r ** 2 * 0.5) + np.sum(np.tanh(q))


def use_pinv(a):
    return np.sum(np.linalg.pinv(a) ** 2)


def use_pad_roll(x, w):
    return np.sum(np.roll(np.pad(x, 1), 2, axis=0) * w) + np.sum(np.flip(np.tile(x, 2), 1) ** 2)


def use_take(x, w):
    idx = np.argsort(x[0])
    return np.sum(np.take(x, [0, 2, 2], axis=1) * w) + np.sum(np.take_along_axis(x, idx[None, :], axis=1) ** 2)


def use_elementwise_more(x, y):
    return np.sum(np.logaddexp(x, y) + np.hypot(x, y) + np.log2(np.exp2(x) + 1.0) + np.arcsinh(y) * np.cbrt(x))


def use_products(a, b, c):
    return np.sum(np.linalg.multi_dot([a, b, c])) + np.sum(np.cross(a[:, :3], c[:2, :3]) ** 2) + np.inner(a[0], a[1])


def use_matrix_power(a):
    return np.sum(np.linalg.matrix_power(a, 3)) + np.sum(np.linalg.matrix_power(a, -1))


def use_trace_diag(a):
    return np.trace(a) + np.sum(np.diag(np.diag(a)) @ a) + np.sum(np.triu(a, 1) ** 2) + np.sum(np.tril(a) * a)


def use_nondiff_mix(x):
    order = np.argsort(x)
    rank = np.searchsorted(np.sort(x), x)
    return np.sum(np.take(x, order) * rank) + np.sum(np.fix(x) * x)


def use_convolve_interp(x, v):
    c = np.convolve(x, v, "same")
    return np.sum(c ** 2) + np.sum(np.interp(x, np.array([-3.0, 0.0, 3.0]), np.array([1.0, -1.0, 2.0])))


def use_nan_reductions(x):
    return 2.0 * np.nansum(x) + np.nanmean(x) + np.nanmax(x) + np.nanstd(x) + np.nanvar(x, axis=1)[0]


def use_shape_ops(x):
    y = np.swapaxes(np.expand_dims(x, 0), 0, 2)
    z = np.moveaxis(y, 1, 0)
    return np.sum(np.squeeze(z) ** 2 * np.arange(3.0)[:, None]) + np.sum(np.broadcast_to(x[:, :1], (3, 4)) ** 3)


def use_methods(x):
    """ndarray methods lower to the NumPy functions (``x.std(...)`` is ``np.std(x, ...)``)."""
    total = x.std(ddof=1) + np.sum(x.var(axis=0)) + np.sum(x.cumsum(axis=1) * x) + np.sum(x.clip(-0.5, 0.5) ** 2)
    return total + x.swapaxes(0, 1).trace() + np.sum(x.diagonal(1)) + np.sum(x.T.repeat(2, axis=0) ** 3) \
        + np.sum(x.take([0, 2], axis=1) ** 2) + np.sum(x.squeeze() * x.conj())


def use_keywords(x, a):
    """Keyword-only NumPy parameters bind to the rules' parameters by name."""
    c = np.sum(np.clip(x, min=-0.5, max=0.5) ** 2) + np.sum(np.linalg.vector_norm(x, axis=1, ord=3))
    low = np.linalg.cholesky(a @ a.T + 3.0 * np.eye(3), upper=True)
    return c + np.sum(np.cumulative_sum(x, axis=0, include_initial=True) ** 2) + np.sum(low ** 2)


def use_indexed_tuple_outputs(a):
    """Tuple outputs read by index: the cotangent of the unused entries is zero."""
    s = a @ a.T
    return np.linalg.slogdet(a)[1] + np.sum(np.linalg.eigh(s)[0] ** 2) + np.sum(np.linalg.qr(a)[1] ** 2)


def cu(rng: np.random.Generator, shape: tuple, lo: float = 0.3, hi: float = 2.0) -> np.ndarray:
    """Complex values with modulus in [lo, hi] and random phases (away from 0, the kink of |z|)."""
    return rng.uniform(lo, hi, size=shape) * np.exp(1j * rng.uniform(-3.0, 3.0, size=shape))


def csep_sv(rng: np.random.Generator, m: int, n: int, *batch: int) -> np.ndarray:
    """Complex m x n matrices with distinct singular values in [1, 1 + 1.5 k]."""
    k = min(m, n)
    u_, _ = np.linalg.qr(rng.normal(size=batch + (m, k)) + 1j * rng.normal(size=batch + (m, k)))
    v_, _ = np.linalg.qr(rng.normal(size=batch + (n, k)) + 1j * rng.normal(size=batch + (n, k)))
    s = 1.0 + 1.5 * np.arange(k)[::-1] + rng.uniform(0, 0.3, size=batch + (k,))
    return (u_ * s[..., None, :]) @ np.conj(np.swapaxes(v_, -1, -2))


def cherm(rng: np.random.Generator, n: int) -> np.ndarray:
    """A complex Hermitian n x n matrix with well-separated eigenvalues."""
    q, _ = np.linalg.qr(rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)))
    w = np.arange(n) * 1.5 - n / 2.0 + rng.uniform(-0.3, 0.3, size=n)
    return (q * w) @ np.conj(q.T)


# complex input to real-valued functions (dF/dRe - 1j dF/dIm, docs/complex-numbers.md) and to
# NumPy's lexicographic max/min: checked by tests/test_rules.py with complex directions
COMPLEX_CASES: Dict[str, List[Case]] = {
    "numpy.amax": [case("complex (3, 4) axis 1", lambda rng: (cu(rng, (3, 4)), 1))],
    "numpy.amin": [case("complex (2, 3, 4) axes (0, 2) keepdims", lambda rng: (cu(rng, (2, 3, 4)), (0, 2)),
                        keepdims=True)],
    "numpy.var": [case("complex (6,)", lambda rng: (cu(rng, (6,)),)),
                  case("complex (3, 4) axis 0 ddof 1 keepdims", lambda rng: (cu(rng, (3, 4)), 0), ddof=1,
                       keepdims=True)],
    "numpy.std": [case("complex (6,)", lambda rng: (cu(rng, (6,)),)),
                  case("complex (2, 3, 4) axes (1, 2) ddof 1", lambda rng: (cu(rng, (2, 3, 4)), (1, 2)), ddof=1)],
    "numpy.linalg.norm": [
        case("complex (5,)", lambda rng: (cu(rng, (5,)),)),
        case("complex (5,) ord 1", lambda rng: (cu(rng, (5,)), 1)),
        case("complex (5,) ord 3", lambda rng: (cu(rng, (5,)), 3)),
        case("complex (5,) ord inf", lambda rng: (cu(rng, (5,)), np.inf)),
        case("complex (5,) ord -inf", lambda rng: (cu(rng, (5,)), -np.inf)),
        case("complex (5,) ord 0", lambda rng: (cu(rng, (5,)), 0)),
        case("complex (3, 4) fro", lambda rng: (cu(rng, (3, 4)), "fro")),
        case("complex (3, 4) nuc", lambda rng: (csep_sv(rng, 3, 4), "nuc")),
        case("complex (4, 3) ord 2", lambda rng: (csep_sv(rng, 4, 3), 2)),
        case("complex (4, 3) ord -2", lambda rng: (csep_sv(rng, 4, 3), -2)),
        case("complex (3, 4) ord 1", lambda rng: (cu(rng, (3, 4)), 1)),
        case("complex (3, 4) ord -inf", lambda rng: (cu(rng, (3, 4)), -np.inf)),
        case("complex (3, 4) ord 1 axis 0 keepdims", lambda rng: (cu(rng, (3, 4)), 1, 0, True)),
        case("complex (2, 3, 4) fro axes (0, 2)", lambda rng: (cu(rng, (2, 3, 4)), "fro", (0, 2))),
        case("complex (2, 3, 4) nuc axes (2, 1)", lambda rng: (csep_sv(rng, 4, 3, 2).transpose(0, 2, 1), "nuc",
                                                               (2, 1))),
    ],
    # (eigh and svd with vectors: only phase-invariant functions of the vectors have a derivative,
    # finite differences of the vectors do not; tests/test_complex_more_rules.py checks those)
    "numpy.linalg.eigvalsh": [case("complex Hermitian (3, 3)", lambda rng: (cherm(rng, 3),)),
                              case("complex (2, 3, 3) UPLO U, not Hermitian", lambda rng: (cu(rng, (2, 3, 3)), "U"))],
    "numpy.linalg.svd": [case("complex (4, 3) values only", lambda rng: (csep_sv(rng, 4, 3), True, False))],
    "numpy.linalg.svdvals": [case("complex (2, 3, 4)", lambda rng: (csep_sv(rng, 3, 4, 2),))],
    "numpy.diagonal": [case("complex (3, 4) offset 1", lambda rng: (cu(rng, (3, 4)), 1))],
    "numpy.trace": [case("complex (2, 3, 3) axes 1, 2", lambda rng: (cu(rng, (2, 3, 3)), 0, 1, 2))],
    "numpy.linalg.vector_norm": [case("complex (3, 4) ord 3 axis 1", lambda rng: (cu(rng, (3, 4)),), axis=1, ord=3)],
    "numpy.linalg.matrix_norm": [case("complex (2, 3, 4) nuc", lambda rng: (csep_sv(rng, 3, 4, 2),), ord="nuc"),
                                 case("complex (3, 4) ord inf", lambda rng: (cu(rng, (3, 4)),), ord=np.inf)],
}
for _name, _extra in COMPLEX_CASES.items():
    if _name in CASES:  # (amax/amin and the array-API norms only where NumPy has them as distinct functions)
        CASES[_name] = CASES[_name] + _extra


@dataclass(frozen=True)
class EndToEnd:
    fn: Callable
    make: Callable[[np.random.Generator], tuple]


def _sep(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.sort(rng.uniform(-2, 2, size=n)) + np.arange(n) * 0.1


END_TO_END: List[EndToEnd] = [
    EndToEnd(use_einsum, lambda rng: (u(rng, (2, 3)), u(rng, (3, 4)))),
    EndToEnd(use_einsum_nary, lambda rng: (u(rng, (3, 3)), u(rng, (3, 4)), u(rng, (4, 2)))),
    EndToEnd(use_einsum_ellipsis, lambda rng: (u(rng, (2, 3, 4)), u(rng, (4,)))),
    EndToEnd(use_tensordot_kron, lambda rng: (u(rng, (2, 3, 4)), u(rng, (3, 4, 2)))),
    EndToEnd(use_concat_stack, lambda rng: (u(rng, (2, 3)), u(rng, (2, 3)))),
    EndToEnd(use_split, lambda rng: (u(rng, (6,)),)),
    EndToEnd(use_clip_where, lambda rng: (_clip_args(rng, (3, 4), -0.3, 1.0) * 1.0, -0.3)),
    EndToEnd(use_cumulative, lambda rng: (u(rng, (3, 4)),)),
    EndToEnd(use_sort_median, lambda rng: (u(rng, (6,)),)),
    EndToEnd(use_var_std, lambda rng: (u(rng, (3, 4), 0.2, 2.0),)),
    EndToEnd(use_norms, lambda rng: (u(rng, (5,)), separated_sv(rng, 3, 4) + 0.0)),
    EndToEnd(use_solve, lambda rng: (well(rng, 3, 3), u(rng, (3,)))),
    EndToEnd(use_inv_det, lambda rng: (well(rng, 3, 3),)),
    EndToEnd(use_slogdet, lambda rng: (-well(rng, 3, 3),)),
    EndToEnd(use_cholesky, lambda rng: (u(rng, (3, 3)),)),
    EndToEnd(use_eigh, lambda rng: (sym(rng, 3, 3) / 2.0 + 0.01 * rng.normal(size=(3, 3)),)),
    EndToEnd(use_svd, lambda rng: (separated_sv(rng, 4, 3),)),
    EndToEnd(use_svd_values, lambda rng: (separated_sv(rng, 4, 3),)),
    EndToEnd(use_qr, lambda rng: (u(rng, (4, 3)),)),
    EndToEnd(use_pinv, lambda rng: (separated_sv(rng, 4, 3),)),
    EndToEnd(use_pad_roll, lambda rng: (u(rng, (2, 3)), u(rng, (4, 5)))),
    EndToEnd(use_take, lambda rng: (u(rng, (3, 4)), u(rng, (3, 3)))),
    EndToEnd(use_elementwise_more, lambda rng: (u(rng, (3, 4), 0.2, 2.0), u(rng, (4,)))),
    EndToEnd(use_products, lambda rng: (u(rng, (2, 4)), u(rng, (4, 3)), u(rng, (3, 4)))),
    EndToEnd(use_matrix_power, lambda rng: (well(rng, 3, 3) / 3.0,)),
    EndToEnd(use_trace_diag, lambda rng: (u(rng, (3, 3)),)),
    EndToEnd(use_nondiff_mix, lambda rng: (_sep(rng, 5) + 0.3,)),
    EndToEnd(use_convolve_interp, lambda rng: (_sep(rng, 6) + 0.05, u(rng, (3,)))),
    EndToEnd(use_nan_reductions, lambda rng: (with_nan(rng, (3, 4)),)),
    EndToEnd(use_shape_ops, lambda rng: (u(rng, (3, 4)),)),
    EndToEnd(use_methods, lambda rng: (_clip_args(rng, (3, 4), -0.5, 0.5) * 1.0,)),
    EndToEnd(use_keywords, lambda rng: (_clip_args(rng, (3, 4), -0.5, 0.5) * 1.0, u(rng, (3, 3)))),
    EndToEnd(use_indexed_tuple_outputs, lambda rng: (well(rng, 3, 3),)),
]
