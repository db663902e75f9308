"""Test inputs for every registered derivative rule, and small user functions for end-to-end checks.

``CASES`` maps a primitive's registry name (``Primitive.name``: ``numpy.sin``,
``operator.add``, ``math.sin``, ``builtins.abs``, ...) to a list of :class:`Case`.
A case builds the primal positional arguments (and keyword arguments such as
``axis``/``keepdims``) from a :class:`numpy.random.Generator`, inside the
function's domain and away from its kinks, discontinuities and ties, so that
central finite differences are a valid reference.  Integer-only arguments
(``axis``, ``shape``, ``axes``), boolean conditions and ``dtype`` are never
differentiated: the tests differentiate only the arguments that have rules.

``END_TO_END`` lists module-level user functions (they must have readable
source for tangent_lite to compile them) with an argument builder each; the
tests run them through ``tangent_lite.check_grads`` and ``tangent_lite.grad``.

Shapes are spelled as tuples; ``F`` stands for a Python ``float`` (what the
``math`` module and the builtins take) and ``()`` for a 0-d array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

F = "float"  # shape marker: a Python float

Args = Tuple[tuple, Dict[str, Any]]
Maker = Callable[[np.random.Generator], Args]


@dataclass(frozen=True)
class Case:
    """One set of primal arguments for a primitive."""

    make: Maker
    label: str = ""  # human-readable description, shown in failure messages

    def __call__(self, rng: np.random.Generator) -> Args:
        return self.make(rng)


# ------------------------------------------------------------------ sampling helpers


def sample(rng: np.random.Generator, shape: Any, lo: float = -2.0, hi: float = 2.0, signed: bool = False) -> Any:
    """Uniform values in [lo, hi] (or +-[lo, hi] with ``signed``), as a float or float array."""
    size = () if shape == F else shape
    vals = rng.uniform(lo, hi, size=size)
    if signed:
        vals = vals * rng.choice([-1.0, 1.0], size=size)
    return float(vals) if shape == F else np.asarray(vals, dtype=float)


def _shape_label(shape: Any) -> str:
    return "float" if shape == F else str(tuple(shape))


def _separated(x: Any, y: Any, gap: float) -> bool:
    return bool(np.all(np.abs(np.subtract(x, y)) > gap))


def _frac_ok(x: Any, y: Any, margin: float) -> bool:
    """``x / y`` is at least ``margin`` away from an integer (``x % y`` is smooth there)."""
    q = np.divide(x, y)
    frac = q - np.floor(q)
    return bool(np.all((frac > margin) & (frac < 1.0 - margin)))


def _rejection(rng: np.random.Generator, draw: Callable[[], tuple], ok: Callable[..., bool], tries: int = 200) -> tuple:
    for _ in range(tries):
        args = draw()
        if ok(*args):
            return args
    raise RuntimeError("rule_cases: could not sample arguments satisfying the constraint")


UNARY_SHAPES: Tuple[Any, ...] = (F, (), (5,), (3, 4), (2, 3, 2))
SCALAR_SHAPES: Tuple[Any, ...] = (F, F)  # math/builtins: two independent draws
BINARY_PAIRS: Tuple[Tuple[Any, Any], ...] = (
    ((3, 4), (3, 4)),
    ((3, 1), (4,)),
    ((4,), (3, 1)),
    ((2, 3, 4), (3, 1)),
    ((), (3,)),
    (F, (2, 3)),
    ((2, 3), F),
    (F, F),
)


def unary(lo: float = -2.0, hi: float = 2.0, signed: bool = False, shapes: Sequence[Any] = UNARY_SHAPES) -> List[Case]:
    return [Case(lambda rng, s=s: ((sample(rng, s, lo, hi, signed),), {}), _shape_label(s)) for s in shapes]


def scalar(lo: float = -2.0, hi: float = 2.0, signed: bool = False) -> List[Case]:
    return unary(lo, hi, signed, SCALAR_SHAPES)


def binary(xdom: Tuple[float, float, bool] = (-2.0, 2.0, False), ydom: Tuple[float, float, bool] = (-2.0, 2.0, False),
           pairs: Sequence[Tuple[Any, Any]] = BINARY_PAIRS, separate: float = 0.0) -> List[Case]:
    """Cases for a binary elementwise function; ``separate`` keeps |x - y| above it (no ties)."""

    def maker(sx: Any, sy: Any) -> Maker:
        def make(rng: np.random.Generator) -> Args:
            def draw() -> tuple:
                return sample(rng, sx, *xdom), sample(rng, sy, *ydom)

            ok = (lambda x, y: _separated(x, y, separate)) if separate else (lambda x, y: True)
            return _rejection(rng, draw, ok), {}

        return make

    return [Case(maker(sx, sy), f"{_shape_label(sx)} with {_shape_label(sy)}") for sx, sy in pairs]


def mod_cases(pairs: Sequence[Tuple[Any, Any]] = BINARY_PAIRS) -> List[Case]:
    """``x % y`` away from its jumps (x / y close to an integer)."""

    def maker(sx: Any, sy: Any) -> Maker:
        def make(rng: np.random.Generator) -> Args:
            def draw() -> tuple:
                return sample(rng, sx, -5.0, 5.0), sample(rng, sy, 0.5, 2.0, signed=True)

            return _rejection(rng, draw, lambda x, y: _frac_ok(x, y, 0.05)), {}

        return make

    return [Case(maker(sx, sy), f"{_shape_label(sx)} % {_shape_label(sy)}") for sx, sy in pairs]


def with_args(label: str, make: Maker) -> Case:
    return Case(make, label)


def reductions(lo: float = -2.0, hi: float = 2.0, signed: bool = False) -> List[Case]:
    """A reduction ``f(a, axis=..., keepdims=...)`` over several shapes and axes."""
    specs = [
        ((5,), {}),
        ((3, 4), {}),
        ((3, 4), {"axis": 0}),
        ((3, 4), {"axis": 1, "keepdims": True}),
        ((3, 4), {"axis": -1}),
        ((3, 4), {"axis": None, "keepdims": True}),
        ((2, 3, 4), {"axis": (0, 2)}),
        ((2, 3, 4), {"axis": (0, -1), "keepdims": True}),
        ((2, 3, 4), {"axis": 1}),
    ]
    return [
        Case(lambda rng, s=s, kw=kw: ((sample(rng, s, lo, hi, signed),), dict(kw)), f"{s} {kw}")
        for s, kw in specs
    ]


def products(fn_pairs: Sequence[Tuple[Any, Any]]) -> List[Case]:
    return [
        Case(lambda rng, a=a, b=b: ((sample(rng, a), sample(rng, b)), {}), f"{_shape_label(a)} x {_shape_label(b)}")
        for a, b in fn_pairs
    ]


MATMUL_PAIRS = (
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 1, 2, 3), (4, 3, 2)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
)
DOT_PAIRS = (
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    (F, (2, 3)),
    ((2, 3), ()),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (5, 4, 6)),
    ((3, 4), (5, 4, 6)),
    ((2, 3, 4), (4,)),
    ((3,), (5, 3, 4)),
)
OUTER_PAIRS = (((3,), (4,)), ((2, 3), (4,)), ((3,), (2, 2)), ((1,), (5,)))


def _where_case(sc: Any, sx: Any, sy: Any) -> Case:
    def make(rng: np.random.Generator) -> Args:
        cond = rng.uniform(size=sc) > 0.5
        return (cond, sample(rng, sx), sample(rng, sy)), {}

    return Case(make, f"cond {sc}, x {_shape_label(sx)}, y {_shape_label(sy)}")


def _reshape_case(src: Tuple[int, ...], dst: Any) -> Case:
    return Case(lambda rng: ((sample(rng, src), dst), {}), f"{src} -> {dst}")


def _transpose_case(src: Tuple[int, ...], axes: Any) -> Case:
    return Case(lambda rng: ((sample(rng, src), axes) if axes is not None else (sample(rng, src),), {}),
                f"{src} axes={axes}")


def _prod_with_zeros(shape: Tuple[int, ...], zeros: Sequence[Tuple[int, ...]], kw: Dict[str, Any]) -> Case:
    def make(rng: np.random.Generator) -> Args:
        a = sample(rng, shape, 0.5, 1.5, signed=True)
        for z in zeros:
            a[z] = 0.0
        return (a,), dict(kw)

    return Case(make, f"{shape} zeros at {list(zeros)} {kw}")


def _array_cases() -> List[Case]:
    cases = [
        Case(lambda rng: ([sample(rng, F) for _ in range(3)],), "list of 3 floats"),
        Case(lambda rng: ([sample(rng, (3,)), sample(rng, (3,))],), "list of two (3,) arrays"),
        Case(lambda rng: (sample(rng, (2, 3)),), "(2, 3) array"),
    ]
    out = [Case(lambda rng, c=c: (c.make(rng), {}), c.label) for c in cases]
    out.append(Case(lambda rng: ((sample(rng, (4,)),), {"dtype": float}), "(4,) array, dtype=float"))
    return out


POSITIVE = (0.5, 3.0, False)
SIGNED_AWAY = (0.5, 2.0, True)  # |v| in [0.5, 2]: away from zero (denominators)
ANY = (-2.0, 2.0, False)

CASES: Dict[str, List[Case]] = {
    # ---- numpy, one argument
    "numpy.sin": unary(),
    "numpy.cos": unary(),
    "numpy.tan": unary(-1.2, 1.2),
    "numpy.exp": unary(),
    "numpy.expm1": unary(),
    "numpy.log": unary(0.2, 4.0),
    "numpy.log1p": unary(-0.7, 3.0),
    "numpy.sqrt": unary(0.2, 4.0),
    "numpy.tanh": unary(),
    "numpy.sinh": unary(),
    "numpy.cosh": unary(),
    "numpy.arctan": unary(-3.0, 3.0),
    "numpy.arcsin": unary(-0.9, 0.9),
    "numpy.arccos": unary(-0.9, 0.9),
    "numpy.absolute": unary(0.1, 2.0, signed=True),
    "numpy.square": unary(),
    "numpy.reciprocal": unary(0.5, 2.0, signed=True),
    "numpy.negative": unary(),
    # ---- numpy, two arguments
    "numpy.add": binary(),
    "numpy.subtract": binary(),
    "numpy.multiply": binary(),
    "numpy.divide": binary(ANY, SIGNED_AWAY),
    "numpy.power": binary(POSITIVE, ANY),
    "numpy.maximum": binary(separate=0.05),
    "numpy.minimum": binary(separate=0.05),
    "numpy.arctan2": binary(SIGNED_AWAY, SIGNED_AWAY),
    "numpy.where": [
        _where_case((3, 4), (3, 4), (3, 4)),
        _where_case((3, 1), (4,), F),
        _where_case((4,), (3, 1), (3, 4)),
        _where_case((2, 3), F, (2, 3)),
    ],
    # ---- numpy reductions
    "numpy.sum": reductions(),
    "numpy.mean": reductions(),
    "numpy.prod": reductions(0.5, 1.5, signed=True) + [
        _prod_with_zeros((3, 4), [(1, 2)], {"axis": 1}),
        _prod_with_zeros((3, 4), [(0, 0), (0, 3)], {"axis": -1, "keepdims": True}),
        _prod_with_zeros((5,), [(2,)], {}),
    ],
    "numpy.max": reductions(),
    "numpy.min": reductions(),
    # ---- products
    "numpy.dot": products(DOT_PAIRS),
    "numpy.matmul": products(MATMUL_PAIRS),
    "operator.matmul": products(MATMUL_PAIRS),
    "numpy.outer": products(OUTER_PAIRS),
    # ---- shapes and copies
    "numpy.reshape": [
        _reshape_case((3, 4), (4, 3)),
        _reshape_case((12,), (2, -1, 3)),
        _reshape_case((2, 3, 2), (12,)),
        _reshape_case((2, 3), (3, 2)),
    ],
    "numpy.transpose": [
        _transpose_case((3, 4), None),
        _transpose_case((2, 3, 4), None),
        _transpose_case((2, 3, 4), (1, 0, 2)),
        _transpose_case((2, 3, 4), (2, 0, 1)),
        _transpose_case((2, 3, 4), (-1, 0, 1)),
    ],
    "numpy.ravel": unary(shapes=((5,), (3, 4), (2, 3, 2))),
    "numpy.copy": unary(shapes=((), (5,), (3, 4))),
    "numpy.array": _array_cases(),
    "numpy.asarray": _array_cases(),
    # ---- operators
    "operator.add": binary(),
    "operator.sub": binary(),
    "operator.mul": binary(),
    "operator.truediv": binary(ANY, SIGNED_AWAY),
    "operator.pow": binary(POSITIVE, ANY),
    "operator.neg": unary(),
    "operator.pos": unary(),
    "operator.mod": mod_cases(),
    # ---- math module (Python floats)
    "math.sin": scalar(),
    "math.cos": scalar(),
    "math.tan": scalar(-1.2, 1.2),
    "math.exp": scalar(),
    "math.expm1": scalar(),
    "math.log": scalar(0.2, 4.0),
    "math.log1p": scalar(-0.7, 3.0),
    "math.sqrt": scalar(0.2, 4.0),
    "math.tanh": scalar(),
    "math.sinh": scalar(),
    "math.cosh": scalar(),
    "math.atan": scalar(-3.0, 3.0),
    "math.asin": scalar(-0.9, 0.9),
    "math.acos": scalar(-0.9, 0.9),
    "math.fabs": scalar(0.1, 2.0, signed=True),
    "math.pow": [
        Case(lambda rng: ((sample(rng, F, 0.5, 3.0), sample(rng, F)), {}), "float ** float"),
        Case(lambda rng: ((sample(rng, F, 0.5, 3.0), sample(rng, F)), {}), "float ** float (2)"),
        Case(lambda rng: ((sample(rng, F, 0.5, 3.0), 3.0), {}), "float ** 3.0"),
    ],
    # ---- builtins and containers
    "builtins.sum": [
        Case(lambda rng: (([sample(rng, F) for _ in range(3)],), {}), "list of 3 floats"),
        Case(lambda rng: (([sample(rng, (2, 3)) for _ in range(3)],), {}), "list of 3 (2, 3) arrays"),
        Case(lambda rng: (([sample(rng, (3, 1)), sample(rng, (4,)), sample(rng, F)],), {}),
             "list of (3, 1), (4,), float (broadcasting)"),
        Case(lambda rng: ((sample(rng, (5,)),), {}), "(5,) array"),
        Case(lambda rng: ((sample(rng, (3, 4)),), {}), "(3, 4) array (sums rows)"),
    ],
    "tangent_lite.runtime.append": [
        Case(lambda rng: (([sample(rng, F), sample(rng, F)], sample(rng, F)), {}), "2 floats + float"),
        Case(lambda rng: (([sample(rng, (3,)), sample(rng, (3,))], sample(rng, (3,))), {}), "2 (3,) arrays + (3,)"),
        Case(lambda rng: (([], sample(rng, (2, 2))), {}), "[] + (2, 2)"),
        Case(lambda rng: (([sample(rng, F), sample(rng, (3,))], sample(rng, F)), {}), "float, (3,) + float"),
    ],
    "builtins.abs": scalar(0.1, 2.0, signed=True) + unary(0.1, 2.0, signed=True, shapes=((3, 4),)),
    "builtins.float": [
        Case(lambda rng: ((sample(rng, F),), {}), "float"),
        Case(lambda rng: ((np.float64(sample(rng, F)),), {}), "numpy.float64"),
        Case(lambda rng: ((sample(rng, ()),), {}), "0-d array"),
    ],
}


# ------------------------------------------------------------------ end-to-end user functions
# Module-level so tangent_lite can read their source.


def use_sin(x):
    return np.sum(np.sin(x))


def use_exp_log(x):
    return np.sum(np.log(x) * np.exp(x))


def use_tanh_sqrt(x):
    return np.sum(np.tanh(x) + np.sqrt(x))


def use_inverse_trig(x):
    return np.sum(np.arcsin(x) * np.arctan(x) - np.arccos(x))


def use_hyperbolic(x):
    return np.sum(np.sinh(x) * np.cosh(x) + np.expm1(x) + np.log1p(x) + np.tan(x) - np.cos(x))


def use_abs_pow(x):
    return np.sum(np.abs(x) ** 2.5)


def use_abs(x):
    return np.sum(np.abs(x))


def use_reciprocal_square(x):
    return np.sum(np.reciprocal(x) + np.square(x) * np.negative(x))


def use_broadcast_mul(x, y):
    return np.sum(x * y)


def use_broadcast_sub_div(x, y):
    return np.sum((x - y) / (y * y + 1.0))


def use_np_arith(x, y):
    return np.sum(np.multiply(np.add(x, y), np.subtract(x, y)) + np.divide(x, y))


def use_maximum_minimum(x, y):
    return np.sum(np.maximum(x, y) + np.minimum(x, y) ** 2)


def use_power(x, y):
    return np.sum(np.power(x, y))


def use_arctan2(y, x):
    return np.sum(np.arctan2(y, x) ** 2)


def use_where(x, y):
    return np.sum(np.where(x > 0, x, y) ** 2)


def use_sum_axis(x):
    return np.sum(np.sum(x, axis=1) ** 2)


def use_mean_keepdims(x):
    return np.sum(x * np.mean(x, axis=0, keepdims=True))


def use_prod(x):
    return np.sum(np.prod(x, axis=-1)) + np.prod(x)


def use_max_min(x):
    return np.max(x) + np.sum(np.min(x, axis=0) * np.arange(4.0))


def use_dot(A, v):
    return np.sum(np.tanh(np.dot(A, v)))


def use_matmul_operator(A, B):
    return np.sum((A @ B) ** 2)


def use_np_matmul_batched(A, B):
    return np.sum(np.sin(np.matmul(A, B)))


def use_outer(a, b):
    return np.sum(np.sin(np.outer(a, b)))


def use_reshape(x):
    return np.sum(np.sin(np.reshape(x, (4, 3))) * np.cos(np.transpose(x)))


def use_transpose_axes(x):
    return np.sum(np.transpose(x, (2, 0, 1)) * np.reshape(np.arange(24.0), (4, 2, 3)))


def use_ravel_copy(x):
    return np.sum(np.ravel(np.copy(x)) * np.arange(12.0))


def use_array(x, y):
    return np.sum(np.array([x, y, x * y]) ** 2)


def use_asarray(x):
    return np.sum(np.asarray(x) ** 3)


def use_math(x, y):
    return math.sin(x) * math.cos(y) + math.exp(x) / math.sqrt(y) + math.log(y) * math.tanh(x)


def use_math_more(x, y):
    a = math.pow(y, x) + math.atan(x) + math.asin(x / 4.0) + math.acos(x / 5.0)
    b = math.fabs(x) * abs(y) + float(x) * math.log1p(y) + math.expm1(x) + math.sinh(x) * math.cosh(y)
    return a + b + math.tan(x / 3.0)


def use_operators(x, y):
    return np.sum(-x * (+y) + (x % 1.7) ** 2 - x / y)


def use_scalar_operators(x, y):
    return x * y - x / y + x ** 2.0 - (-y) + x % 0.9


def _pos(shape: Any, lo: float = 0.5, hi: float = 2.0) -> Callable[[np.random.Generator], Any]:
    return lambda rng: sample(rng, shape, lo, hi)


def _any(shape: Any) -> Callable[[np.random.Generator], Any]:
    return lambda rng: sample(rng, shape)


def _away(shape: Any) -> Callable[[np.random.Generator], Any]:
    return lambda rng: sample(rng, shape, 0.3, 2.0, signed=True)


def _separated_pair(sx: Any, sy: Any) -> Callable[[np.random.Generator], tuple]:
    def make(rng: np.random.Generator) -> tuple:
        return _rejection(rng, lambda: (sample(rng, sx), sample(rng, sy)), lambda x, y: _separated(x, y, 0.05))

    return make


def _mod_safe(shape: Any, y: float) -> Callable[[np.random.Generator], Any]:
    def make(rng: np.random.Generator) -> Any:
        return _rejection(rng, lambda: (sample(rng, shape, -3.0, 3.0),), lambda x: _frac_ok(x, y, 0.05))[0]

    return make


@dataclass(frozen=True)
class EndToEnd:
    fn: Callable
    args: Sequence[Callable[[np.random.Generator], Any]] = field(default_factory=tuple)
    joint: Optional[Callable[[np.random.Generator], tuple]] = None  # builds all args at once (constrained pairs)

    def make(self, rng: np.random.Generator) -> tuple:
        return tuple(self.joint(rng)) if self.joint is not None else tuple(a(rng) for a in self.args)


END_TO_END: List[EndToEnd] = [
    EndToEnd(use_sin, [_any((3, 4))]),
    EndToEnd(use_exp_log, [_pos((5,))]),
    EndToEnd(use_tanh_sqrt, [_pos((2, 3))]),
    EndToEnd(use_inverse_trig, [lambda rng: sample(rng, (6,), -0.9, 0.9)]),
    EndToEnd(use_hyperbolic, [lambda rng: sample(rng, (4,), -0.5, 1.0)]),
    EndToEnd(use_abs_pow, [_away((3, 4))]),
    EndToEnd(use_abs, [_away((5,))]),
    EndToEnd(use_reciprocal_square, [_away((3, 2))]),
    EndToEnd(use_broadcast_mul, [_any((3, 1)), _any((4,))]),
    EndToEnd(use_broadcast_sub_div, [_any((2, 3, 4)), _any((3, 1))]),
    EndToEnd(use_np_arith, [_any((3, 1)), _away((4,))]),
    EndToEnd(use_maximum_minimum, joint=_separated_pair((3, 1), (4,))),
    EndToEnd(use_power, [_pos((3, 1)), _any((4,))]),
    EndToEnd(use_arctan2, [_away((3, 4)), _away((4,))]),
    EndToEnd(use_where, [_away((3, 4)), _any((4,))]),
    EndToEnd(use_sum_axis, [_any((3, 4))]),
    EndToEnd(use_mean_keepdims, [_any((3, 4))]),
    EndToEnd(use_prod, [lambda rng: sample(rng, (3, 4), 0.5, 1.5, signed=True)]),
    EndToEnd(use_max_min, [_any((3, 4))]),
    EndToEnd(use_dot, [_any((3, 4)), _any((4,))]),
    EndToEnd(use_matmul_operator, [_any((2, 3)), _any((3, 4))]),
    EndToEnd(use_np_matmul_batched, [_any((5, 2, 3)), _any((3, 4))]),
    EndToEnd(use_outer, [_any((3,)), _any((4,))]),
    EndToEnd(use_reshape, [_any((3, 4))]),
    EndToEnd(use_transpose_axes, [_any((2, 3, 4))]),
    EndToEnd(use_ravel_copy, [_any((3, 4))]),
    EndToEnd(use_array, [_any(F), _any(F)]),
    EndToEnd(use_asarray, [_any((2, 3))]),
    EndToEnd(use_math, [_any(F), _pos(F)]),
    EndToEnd(use_math_more, [_away(F), _pos(F)]),
    EndToEnd(use_operators, [_mod_safe((3, 4), 1.7), _away((4,))]),
    EndToEnd(use_scalar_operators, [_mod_safe(F, 0.9), _away(F)]),
]
