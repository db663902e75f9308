"""Test inputs for every registered derivative rule, and small user functions for end-to-end checks.

``CASES`` maps a primitive's registry name (``Primitive.name``: ``numpy.sin``,
``operator.add``, ``math.sin``, ``builtins.abs``, ...) to a list of :class:`Case`.
A case builds the primal positional arguments (and keyword arguments such as
``axis``/``keepdims``) from a :class:`numpy.random.Generator`, inside the
function's domain and away from its kinks, discontinuities and ties, so that
central finite differences are a valid reference.  Integer-only arguments
(``axis``, ``shape``, ``axes``), boolean conditions and ``dtype`` are never
differentiated: the tests differentiate only the arguments that have rules.

``RUNTIME_CASES`` (merged into ``CASES``) covers the runtime helpers generated code
calls (``tangent_lite.runtime.sum_bar``, ``getitem_bar``, ``setitem``, ...), whose
rules make generated code differentiable again, and the builtin ``max``/``min``.
Each case follows the helper's contract (the seed ``g`` has the primal result's
shape: the reduced shape for ``sum_bar``, ``x[index]``'s shape for ``getitem_bar``;
``extremum_bar``'s ``ans`` is ``x.max(...)``/``x.min(...)``); shape-only arguments
(``constant_params``) are not differentiated.  Primitives whose rules live in
``tangent_lite/rules/numpy_more.py`` belong to ``tests/rule_cases_more.py`` instead.

``END_TO_END`` lists module-level user functions (they must have readable
source for tangent_lite to compile them) with an argument builder each; the
tests run them through ``tangent_lite.check_grads`` and ``tangent_lite.grad``.

Shapes are spelled as tuples; ``F`` stands for a Python ``float`` (what the
``math`` module and the builtins take) and ``()`` for a 0-d array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

F = "float"  # shape marker: a Python float

Args = Tuple[tuple, Dict[str, Any]]
Maker = Callable[[np.random.Generator], Args]


@dataclass(frozen=True)
class Case:
    """One set of primal arguments for a primitive."""

    make: Maker
    label: str = ""  # human-readable description, shown in failure messages
    # (argnum, direction) -> the direction to perturb along, for a function defined on a subset only
    # (scipy.stats.dirichlet's x: on the simplex; directions summing to zero); None: any direction
    along: Optional[Callable[[int, Any], Any]] = None

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


# ------------------------------------------------------------------ runtime helpers (generated code calls them)
# Their contracts (tangent_lite/runtime/__init__.py): a seed ``g`` shaped like the primal's result
# (the reduced shape for ``sum_bar``, ``x[index]``'s shape for ``getitem_bar``, ...) and
# shape-only arguments (``x``, ``like``, ``index``, ...) that carry no derivative.


class Pair(NamedTuple):
    a: Any
    b: Any


@dataclass
class Params:
    w: Any
    b: Any


def _like(rng: np.random.Generator, value: Any, lo: float = -2.0, hi: float = 2.0) -> Any:
    """A random seed shaped like ``value`` (a Python float for scalars)."""
    return sample(rng, F if np.ndim(value) == 0 else np.shape(value), lo, hi)


def _identity_hook(g: Any) -> Any:
    return g


def _seed_case(label: str, make: Callable[[np.random.Generator], tuple], **kwargs: Any) -> Case:
    return Case(lambda rng: (tuple(make(rng)), dict(kwargs)), label + (f" {kwargs}" if kwargs else ""))


def _shaped(shape: Any) -> Callable[[np.random.Generator], Any]:
    return lambda rng: sample(rng, shape)


def _unbroadcast_case(sg: Any, sx: Any) -> Case:
    return _seed_case(f"g {_shape_label(sg)} onto x {_shape_label(sx)}", lambda rng: (sample(rng, sg), sample(rng, sx)))


def _bcast_case(st: Any, slike: Any) -> Case:
    return _seed_case(f"t {_shape_label(st)} to {_shape_label(slike)}",
                      lambda rng: (sample(rng, st), sample(rng, slike)))


def _reduce_bar_cases(kind: str) -> List[Case]:
    """``sum_bar``/``mean_bar(g, x, axis, keepdims)``, or ``extremum_bar(g, ans, x, ...)`` with
    ``ans = x.max(...)`` / ``x.min(...)``: ``g`` has the reduced shape."""
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

    def maker(shape: Tuple[int, ...], kw: Dict[str, Any]) -> Maker:
        def make(rng: np.random.Generator) -> Args:
            x = sample(rng, shape)
            g = _like(rng, np.sum(x, **kw))
            if kind == "sum":
                return (g, x), dict(kw)
            red = np.max if kind == "max" else np.min
            return (g, red(x, **kw), x), dict(kw)

        return make

    cases = [Case(maker(s, kw), f"x {s} {kw}") for s, kw in specs]
    if kind in ("max", "min"):  # ties: g shared equally (linear in g all the same)
        sign = 1.0 if kind == "max" else -1.0
        tied = sign * np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
        red = np.max if kind == "max" else np.min
        cases.append(Case(lambda rng: ((sample(rng, (2,)), red(tied, axis=1), tied), {"axis": 1}), "ties, axis=1"))
        cases.append(Case(lambda rng: ((sample(rng, F), red(tied), tied), {}), "ties, all axes"))
    return cases


def _prod_bar_cases() -> List[Case]:
    def maker(shape: Tuple[int, ...], kw: Dict[str, Any], zero: Optional[Tuple[int, ...]] = None) -> Maker:
        def make(rng: np.random.Generator) -> Args:
            x = sample(rng, shape, 0.5, 1.5, signed=True)
            if zero is not None:
                x[zero] = 0.0
            return (_like(rng, np.prod(x, **kw)), np.prod(x, **kw), x), dict(kw)

        return make

    return [
        Case(maker((5,), {}), "x (5,)"),
        Case(maker((3, 4), {"axis": 1}), "x (3, 4) axis=1"),
        Case(maker((3, 4), {"axis": 0, "keepdims": True}), "x (3, 4) axis=0 keepdims"),
        Case(maker((2, 3, 4), {"axis": (0, 2)}), "x (2, 3, 4) axis=(0, 2)"),
        Case(maker((3, 4), {"axis": -1}, (1, 2)), "x (3, 4) axis=-1, a zero"),
    ]


def _product_bar_cases(pairs: Sequence[Tuple[Any, Any]], product: Callable[[Any, Any], Any]) -> List[Case]:
    """``*_bar_a/b(g, a, b)``: ``g`` shaped like ``product(a, b)``."""

    def maker(sa: Any, sb: Any) -> Maker:
        def make(rng: np.random.Generator) -> Args:
            a, b = sample(rng, sa), sample(rng, sb)
            return (_like(rng, product(a, b)), a, b), {}

        return make

    return [Case(maker(sa, sb), f"a {_shape_label(sa)}, b {_shape_label(sb)}") for sa, sb in pairs]


def _getitem_bar_case(label: str, make_x: Callable[[np.random.Generator], Any], index: Any) -> Case:
    def make(rng: np.random.Generator) -> Args:
        x = make_x(rng)
        part = x[index]
        g = [_like(rng, v) for v in part] if isinstance(part, list) else _like(rng, part)
        return (g, x, index), {}

    return Case(make, f"{label} [{index!r}]")


def _getattr_bar_case(label: str, make_x: Callable[[np.random.Generator], Any], name: str) -> Case:
    def make(rng: np.random.Generator) -> Args:
        x = make_x(rng)
        return (_like(rng, getattr(x, name)), x, name), {}

    return Case(make, f"{label} .{name}")


def _setitem_case(label: str, sx: Any, index: Any, sv: Any) -> Case:
    def make(rng: np.random.Generator) -> Args:
        x = [sample(rng, F) for _ in range(sx)] if isinstance(sx, int) else sample(rng, sx)
        return (x, index, sample(rng, sv)), {}

    return Case(make, f"{label}: x[{index!r}] = {_shape_label(sv)}")


def _setitem_bar_case(label: str, sg: Any, index: Any, sv: Any) -> Case:
    """``setitem_bar(g, index, v)``: the cotangent of ``v`` in ``x[index] = v`` (``x`` shaped like ``g``)."""
    def make(rng: np.random.Generator) -> Args:
        return (sample(rng, sg), index, sample(rng, sv)), {}

    return Case(make, f"{label}: g[{index!r}] -> {_shape_label(sv)}")


def _zero_index_case(label: str, make_g: Callable[[np.random.Generator], Any], index: Any) -> Case:
    return Case(lambda rng: ((make_g(rng), index), {}), f"{label} [{index!r}]")


def _slice_write_case(label: str, old_len: int, index: Any, v_len: Any) -> Case:
    """``slice_write_bar/zero(g, old, index, v)``: after ``old[index] = v`` the list (and its
    adjoint ``g``) may be longer or shorter than ``old``."""
    def make(rng: np.random.Generator) -> Args:
        old = [sample(rng, F) for _ in range(old_len)]
        v = [sample(rng, F) for _ in range(v_len)]
        after = list(old)
        after[index] = v
        return ([sample(rng, F) for _ in after], old, index, v), {}

    return Case(make, f"{label}: list of {old_len}[{index!r}] = {v_len} items")


SLICE_WRITE_CASES = [
    _slice_write_case("grows", 2, slice(1, 1), 2),
    _slice_write_case("shrinks", 3, slice(-2, None), 1),
    _slice_write_case("same length", 4, slice(0, 2), 2),
    _slice_write_case("extended slice", 4, slice(0, None, 2), 2),
]


def _builtin_sum_bar_case(label: str, make_x: Callable[[np.random.Generator], Any]) -> Case:
    def make(rng: np.random.Generator) -> Args:
        x = make_x(rng)
        return (_like(rng, sum(x)), x), {}

    return Case(make, label)


def _array_tangent_case(label: str, make_t: Callable[[np.random.Generator], Any]) -> Case:
    def make(rng: np.random.Generator) -> Args:
        t = make_t(rng)
        return (t, np.array(t)), {}  # like: np.array(obj), which has the tangent's structure

    return Case(make, label)


def _array_bar_case(label: str, make_obj: Callable[[np.random.Generator], Any]) -> Case:
    def make(rng: np.random.Generator) -> Args:
        obj = make_obj(rng)
        return (sample(rng, np.shape(np.array(obj))), obj), {}

    return Case(make, label)


def _pow_exponent_bar_case(sg: Any, sx: Any) -> Case:
    """``pow_exponent_bar(g, ans, x) = g * ans * log(x)`` with ``ans = x ** y``; ``g`` and ``ans``
    have the result's shape, ``x`` (positive) may be broadcast."""

    def make(rng: np.random.Generator) -> Args:
        x = sample(rng, sx, 0.5, 3.0)
        ans = np.power(x, sample(rng, sg)) if sg != F else float(x ** sample(rng, F))
        return (sample(rng, sg), ans, x), {}

    return Case(make, f"g, ans {_shape_label(sg)}, x {_shape_label(sx)}")


def _builtin_extremum_cases() -> List[Case]:
    """``max``/``min``: two floats (kept apart: no ties), or one iterable of distinct entries
    (``b`` is then absent, so only the rule for ``a`` applies)."""

    def pair(second: Callable[[Any], Any]) -> Maker:
        def make(rng: np.random.Generator) -> Args:
            a, b = _rejection(rng, lambda: (sample(rng, F), sample(rng, F)), lambda a, b: _separated(a, b, 0.05))
            return (a, second(b)), {}

        return make

    def iterable(kind: Callable[[list], Any], n: int) -> Maker:
        def make(rng: np.random.Generator) -> Args:
            vals = _rejection(rng, lambda: (sample(rng, (n,)),),
                              lambda v: bool(np.min(np.diff(np.sort(v))) > 0.05))[0]
            return (kind([float(v) for v in vals]),), {}

        return make

    return [
        Case(pair(float), "float, float"),
        Case(pair(np.float64), "float, numpy.float64"),
        Case(iterable(list, 4), "list of 4 floats"),
        Case(iterable(tuple, 3), "tuple of 3 floats"),
        Case(iterable(np.array, 5), "(5,) array"),
    ]


def _structured_pair(rng: np.random.Generator) -> Pair:
    return Pair(sample(rng, F), sample(rng, (3,)))


def _structured_params(rng: np.random.Generator) -> Params:
    return Params(sample(rng, (2, 2)), sample(rng, F))


def _nested(rng: np.random.Generator) -> list:
    return [sample(rng, F), sample(rng, (3,)), sample(rng, (2, 2))]


RUNTIME_CASES: Dict[str, List[Case]] = {
    "tangent_lite.runtime.broadcast.unbroadcast": [
        _unbroadcast_case((3, 4), (3, 4)),
        _unbroadcast_case((3, 4), (3, 1)),
        _unbroadcast_case((3, 4), (4,)),
        _unbroadcast_case((2, 3, 4), (3, 1)),
        _unbroadcast_case((2, 3), F),
        _unbroadcast_case((2, 3), ()),
        _unbroadcast_case((5, 1, 4), (1, 4)),
        _unbroadcast_case(F, F),
    ],
    "tangent_lite.runtime.broadcast.unbroadcast_product": [  # the last one large enough for np.einsum
        _seed_case(f"a {_shape_label(sa)} * b {_shape_label(sb)} onto x {_shape_label(sx)}",
                   lambda rng, sa=sa, sb=sb, sx=sx: (sample(rng, sa), sample(rng, sb), sample(rng, sx)))
        for sa, sb, sx in [((3, 4), (4,), (4,)), ((2, 3, 2), (2, 3, 1), (2, 1, 2)), ((3, 1), (1, 4), (3, 1)),
                           ((2, 3), (2, 3), (2, 3)), ((64, 64, 16), (64, 64, 1), (64, 1, 16))]
    ],
    "tangent_lite.runtime.broadcast.bcast": [
        _bcast_case((3, 4), (3, 4)),
        _bcast_case((4,), (3, 4)),
        _bcast_case((3, 1), (2, 3, 4)),
        _bcast_case(F, (2, 3)),
        _bcast_case((), (3,)),
        _bcast_case(F, F),
    ],
    # the library-neutral helpers (tangent_lite/runtime/library.py; rules in rules/array_api.py)
    "tangent_lite.runtime.library.inexact": [
        _seed_case("x (3,)", lambda rng: (sample(rng, (3,)),)),
        _seed_case("x float", lambda rng: (sample(rng, F),)),
    ],
    "tangent_lite.runtime.library.as_array": [
        _seed_case("x (2, 3)", lambda rng: (sample(rng, (2, 3)),)),
        _seed_case("x float", lambda rng: (sample(rng, F),)),
    ],
    "tangent_lite.runtime.library.promoted": [
        _seed_case("x (3,)", lambda rng: (sample(rng, (3,)),)),
        _seed_case("x (2, 2)", lambda rng: (sample(rng, (2, 2)),), force_floating=True),
    ],
    "tangent_lite.runtime.library.spread": [
        _seed_case("g (4,) to (3, 4)", lambda rng: (sample(rng, (4,)), (3, 4), sample(rng, (3, 4)))),
        _seed_case("g (3, 1) to (2, 3, 4)", lambda rng: (sample(rng, (3, 1)), (2, 3, 4), sample(rng, (2, 3, 4)))),
    ],
    "tangent_lite.runtime.library.summed": [
        _seed_case("g (3, 4)", lambda rng: (sample(rng, (3, 4)),)),
        _seed_case("g (3, 4) over axis 0", lambda rng: (sample(rng, (3, 4)), 0, True)),
        _seed_case("g (2, 3, 4) over axes (0, 2)", lambda rng: (sample(rng, (2, 3, 4)), (0, 2))),
    ],
    "tangent_lite.runtime.library.reshaped": [
        _seed_case("x (2, 3) to (3, 2)", lambda rng: (sample(rng, (2, 3)), (3, 2))),
        _seed_case("x (6,) to (1, 2, 3)", lambda rng: (sample(rng, (6,)), (1, 2, 3))),
    ],
    "tangent_lite.runtime.shapes.transpose_bar": [
        _seed_case("g (3, 4)", lambda rng: (sample(rng, (3, 4)),)),
        _seed_case("g (2, 3, 4) axes (1, 2, 0)", lambda rng: (sample(rng, (2, 3, 4)), (1, 2, 0))),
    ],
    "tangent_lite.runtime.values.as_grad": [
        _seed_case("g (3, 4) for x (3, 4)", lambda rng: (sample(rng, (3, 4)), sample(rng, (3, 4)))),
        _seed_case("g (4,) for x (3, 4) (broadcast)", lambda rng: (sample(rng, (4,)), sample(rng, (3, 4)))),
        _seed_case("g float for x (2, 3)", lambda rng: (sample(rng, F), sample(rng, (2, 3)))),
        _seed_case("g numpy.float64 for x float", lambda rng: (np.float64(sample(rng, F)), sample(rng, F))),
        _seed_case("g float for x 0-d array", lambda rng: (sample(rng, F), sample(rng, ()))),
        _seed_case("g 0-d array for x float", lambda rng: (sample(rng, ()), sample(rng, F))),
        _seed_case("list [float, (3,)]", lambda rng: ([sample(rng, F), sample(rng, (3,))],
                                                      [sample(rng, F), sample(rng, (3,))])),
        _seed_case("dict {a: float, b: (2, 2)}", lambda rng: ({"a": sample(rng, F), "b": sample(rng, (2, 2))},
                                                              {"a": sample(rng, F), "b": sample(rng, (2, 2))})),
        _seed_case("NamedTuple Pair(float, (3,))", lambda rng: (_structured_pair(rng), _structured_pair(rng))),
    ],
    "tangent_lite.runtime.reductions.sum_bar": _reduce_bar_cases("sum"),
    "tangent_lite.runtime.reductions.mean_bar": _reduce_bar_cases("sum"),
    "tangent_lite.runtime.reductions.extremum_bar": _reduce_bar_cases("max") + _reduce_bar_cases("min"),
    "tangent_lite.runtime.reductions.prod_bar": _prod_bar_cases(),
    "tangent_lite.runtime.products.matmul_bar_a": _product_bar_cases(MATMUL_PAIRS, np.matmul),
    "tangent_lite.runtime.products.matmul_bar_b": _product_bar_cases(MATMUL_PAIRS, np.matmul),
    "tangent_lite.runtime.products.dot_bar_a": _product_bar_cases(DOT_PAIRS, np.dot),
    "tangent_lite.runtime.products.dot_bar_b": _product_bar_cases(DOT_PAIRS, np.dot),
    "tangent_lite.runtime.indexing.getitem_bar": [
        _getitem_bar_case("x (4, 5)", _shaped((4, 5)), 2),
        _getitem_bar_case("x (4, 5)", _shaped((4, 5)), (slice(1, 3), None, 0)),
        _getitem_bar_case("x (4, 5)", _shaped((4, 5)), (Ellipsis, -1)),
        _getitem_bar_case("x (4, 5), repeated rows", _shaped((4, 5)), np.array([0, 2, 2])),
        _getitem_bar_case("x (3, 4), two index arrays", _shaped((3, 4)), (np.array([0, 2, 0]), np.array([1, 3, 1]))),
        _getitem_bar_case("x (3, 4), boolean mask", _shaped((3, 4)), np.arange(12).reshape(3, 4) % 3 == 0),
        _getitem_bar_case("list [float, (3,), (2, 2)]", _nested, 1),
        _getitem_bar_case("list of 4 floats", lambda rng: [sample(rng, F) for _ in range(4)], slice(1, 3)),
        _getitem_bar_case("tuple of (2,) arrays", lambda rng: (sample(rng, (2,)), sample(rng, (2,))), 0),
        _getitem_bar_case("NamedTuple Pair(float, (3,))", _structured_pair, 1),
        _getitem_bar_case("dict {a: float, b: (3,)}", lambda rng: {"a": sample(rng, F), "b": sample(rng, (3,))},
                          "b"),
    ],
    "tangent_lite.runtime.indexing.getattr_bar": [
        _getattr_bar_case("NamedTuple Pair(float, (3,))", _structured_pair, "b"),
        _getattr_bar_case("NamedTuple Pair(float, (3,))", _structured_pair, "a"),
        _getattr_bar_case("dataclass Params((2, 2), float)", _structured_params, "w"),
    ],
    "tangent_lite.runtime.indexing.setitem": [
        _setitem_case("x (5,)", (5,), 2, F),
        _setitem_case("x (3, 4)", (3, 4), 1, (4,)),
        _setitem_case("x (3, 4), column", (3, 4), (slice(None), 1), (3,)),
        _setitem_case("x (3, 4), broadcast v", (3, 4), (slice(0, 2), slice(1, 3)), (2, 1)),
        _setitem_case("x (3, 4), broadcast scalar", (3, 4), 0, F),
        _setitem_case("x (5, 2), index array", (5, 2), np.array([0, 3]), (2, 2)),
        _setitem_case("x (5, 2), index array with a repeat", (5, 2), np.array([0, 3, 0]), (3, 2)),
        _setitem_case("x (6,), repeats, broadcast scalar", (6,), np.array([1, 1, 4]), F),
        _setitem_case("list of 3 floats", 3, 1, F),
    ],
    "tangent_lite.runtime.indexing.setitem_bar": [
        _setitem_bar_case("g (5,)", (5,), 2, F),
        _setitem_bar_case("g (3, 4), column", (3, 4), (slice(None), 1), (3,)),
        _setitem_bar_case("g (6,), repeated index", (6,), np.array([0, 0, 1]), (3,)),
        _setitem_bar_case("g (6,), repeats, broadcast scalar", (6,), np.array([2, 5, 2]), F),
        _setitem_bar_case("g (4, 3), repeated rows", (4, 3), np.array([3, 1, 3, 3]), (4, 3)),
        _setitem_bar_case("g (4, 3), two index arrays", (4, 3), (np.array([0, 2, 0]), np.array([1, 1, 1])), (3,)),
    ],
    "tangent_lite.runtime.indexing.slice_write_bar": SLICE_WRITE_CASES,
    "tangent_lite.runtime.indexing.slice_write_zero": SLICE_WRITE_CASES,
    # (tuples: add_item changes lists, dicts and arrays in place, which repeated evaluation would see)
    "tangent_lite.runtime.indexing.add_item": [
        with_args("tuple of 3 floats, item 1", lambda rng: ((tuple(sample(rng, F) for _ in range(3)), 1,
                                                              sample(rng, F)), {})),
        with_args("tuple of (2,) arrays, item 0", lambda rng: (((sample(rng, (2,)), sample(rng, (2,))), 0,
                                                                sample(rng, (2,))), {})),
    ],
    "tangent_lite.runtime.indexing.zero_item": [
        _seed_case("list entry (4,) that was (2, 2)", lambda rng: ([sample(rng, (4,)), sample(rng, (3,))],
                                                                 [np.zeros((2, 2)), np.zeros(3)], 0)),
        _seed_case("dict entry", lambda rng: ({"a": sample(rng, (3,)), "b": sample(rng, F)},
                                              {"a": np.zeros(3), "b": 0.0}, "a")),
        _seed_case("array", lambda rng: (sample(rng, (3, 4)), np.zeros((3, 4)), (slice(None), 1))),
    ],
    # (the same cases: it changes g in place, to the same result each time it is evaluated)
    "tangent_lite.runtime.indexing.zero_index": [
        _zero_index_case("g (5,)", _shaped((5,)), 2),
        _zero_index_case("g (3, 4)", _shaped((3, 4)), (slice(None), 1)),
        _zero_index_case("g (3, 4)", _shaped((3, 4)), np.array([0, 2])),
        _zero_index_case("list of 3 floats", lambda rng: [sample(rng, F) for _ in range(3)], 0),
        _zero_index_case("list [float, (3,), (2, 2)]", _nested, 2),
    ],
    # the share of a (co)tangent a write into `into` keeps: all (float), none (int, bool), the real part
    "tangent_lite.runtime.indexing.write_cast": [
        with_args("t (3,) into float (3,)", lambda rng: ((sample(rng, (3,)), np.zeros(3)), {})),
        with_args("t (2, 2) into int (2, 2)", lambda rng: ((sample(rng, (2, 2)), np.zeros((2, 2), dtype=int)), {})),
        with_args("t float into bool (4,)", lambda rng: ((sample(rng, F), np.zeros(4, dtype=bool)), {})),
        with_args("t (3,) into list", lambda rng: ((sample(rng, (3,)), [0.0, 1.0, 2.0]), {})),
    ],
    "tangent_lite.runtime.tape.saved": unary(),
    "tangent_lite.runtime.tape.copied": unary(),
    # a hook that returns its argument: then the rule pair is consistent (other hooks change g on purpose)
    "tangent_lite.runtime.markers.grad_hook": [with_args(f"x {_shape_label(sh)}, identity hook",
                                                 lambda rng, sh=sh: ((sample(rng, sh), _identity_hook), {}))
                                       for sh in ((), (3,), (2, 3))],
    "tangent_lite.runtime.containers.seq_concat": [
        _seed_case("lists [float] + [(3,), float]",
                   lambda rng: ([sample(rng, F)], [sample(rng, (3,)), sample(rng, F)])),
        _seed_case("tuples (float, float) + (float,)", lambda rng: ((sample(rng, F), sample(rng, F)),
                                                                    (sample(rng, F),))),
        _seed_case("arrays (3,) + (3,) (a sum)", lambda rng: (sample(rng, (3,)), sample(rng, (3,)))),
    ],
    "tangent_lite.runtime.containers.seq_repeat": [
        _seed_case("list [float, (2,)] * 3", lambda rng: ([sample(rng, F), sample(rng, (2,))], 3)),
        _seed_case("tuple (float,) * 2", lambda rng: ((sample(rng, F),), 2)),
        _seed_case("(3,) array * (3,) array (x * L, L read as an array)",
                   lambda rng: (sample(rng, (3,)), sample(rng, (3,)))),
    ],
    "tangent_lite.runtime.containers.concat_part": [
        _seed_case("list of 3, first 1", lambda rng: ([sample(rng, F) for _ in range(3)], [0.0], [0.0, 0.0], 0)),
        _seed_case("list of 3, last 2", lambda rng: ([sample(rng, F) for _ in range(3)], [0.0], [0.0, 0.0], 1)),
    ],
    "tangent_lite.runtime.indexing.index_of": [
        _seed_case("0-d array [()]", lambda rng: (np.asarray(sample(rng, F)), ())),
        _seed_case("array (2, 3) [...]", lambda rng: (sample(rng, (2, 3)), Ellipsis)),
        _seed_case("array (3,) [1]", lambda rng: (sample(rng, (3,)), 1)),
    ],
    "tangent_lite.runtime.containers.copy_value": [
        _seed_case("list [float, (3,)]", lambda rng: ([sample(rng, F), sample(rng, (3,))],)),
        _seed_case("dict {a: (2,), b: float}", lambda rng: ({"a": sample(rng, (2,)), "b": sample(rng, F)},)),
        _seed_case("array (2, 3)", lambda rng: (sample(rng, (2, 3)),)),
    ],
    "tangent_lite.runtime.containers.merge_or": [
        _seed_case("dicts {a, b} | {b, c}", lambda rng: ({"a": sample(rng, (2,)), "b": sample(rng, F)},
                                                         {"b": sample(rng, F), "c": sample(rng, (3,))})),
        _seed_case("dicts {a} | {}", lambda rng: ({"a": sample(rng, F)}, {})),
    ],
    "tangent_lite.runtime.containers.merge_tangent": [
        _seed_case(f"tangent of the {side} of {{a, b}} | {{b, c}}",
                   lambda rng, which=which: (
                       {"a": sample(rng, (2,)), "b": sample(rng, F)} if which == 0 else
                       {"b": sample(rng, F), "c": sample(rng, (3,))},
                       {"a": np.zeros(2), "b": 0.0}, {"b": 0.0, "c": np.zeros(3)}, which))
        for which, side in ((0, "left"), (1, "right"))],
    "tangent_lite.runtime.containers.merge_bar": [
        _seed_case(f"cotangent of the {side} of {{a, b}} | {{b, c}}",
                   lambda rng, which=which: (
                       {"a": sample(rng, (2,)), "b": sample(rng, F), "c": sample(rng, (3,))},
                       {"a": np.zeros(2), "b": 0.0}, {"b": 0.0, "c": np.zeros(3)}, which))
        for which, side in ((0, "left"), (1, "right"))],
    "tangent_lite.runtime.containers.seq_repeat_bar": [
        _seed_case("list of 4 in 2 chunks", lambda rng: ([sample(rng, F) for _ in range(4)], [0.0, 0.0], 2)),
        _seed_case("(3,) arrays (x * L)", lambda rng: (sample(rng, (3,)), sample(rng, (3,)), sample(rng, (3,)))),
    ],
    "tangent_lite.runtime.values.add": binary(pairs=BINARY_PAIRS[:5] + ((F, F),)) + [
        _seed_case("lists [float, (3,)]", lambda rng: ([sample(rng, F), sample(rng, (3,))],
                                                       [sample(rng, F), sample(rng, (3,))])),
        _seed_case("NamedTuples Pair(float, (3,))", lambda rng: (_structured_pair(rng), _structured_pair(rng))),
        _seed_case("dicts {a: (2,), b: float}", lambda rng: ({"a": sample(rng, (2,)), "b": sample(rng, F)},
                                                             {"a": sample(rng, (2,)), "b": sample(rng, F)})),
    ],
    "tangent_lite.runtime.containers.builtin_sum_bar": [
        _builtin_sum_bar_case("list of 3 floats", lambda rng: [sample(rng, F) for _ in range(3)]),
        _builtin_sum_bar_case("list of 3 (2, 3) arrays", lambda rng: [sample(rng, (2, 3)) for _ in range(3)]),
        _builtin_sum_bar_case("list (3, 1), (4,), float (broadcasting)",
                              lambda rng: [sample(rng, (3, 1)), sample(rng, (4,)), sample(rng, F)]),
        _builtin_sum_bar_case("tuple of 2 floats", lambda rng: (sample(rng, F), sample(rng, F))),
        _builtin_sum_bar_case("(3, 4) array (sums rows)", _shaped((3, 4))),
        _builtin_sum_bar_case("(5,) array", _shaped((5,))),
    ],
    "tangent_lite.runtime.containers.array_tangent": [
        _array_tangent_case("list of 3 floats", lambda rng: [sample(rng, F) for _ in range(3)]),
        _array_tangent_case("list of two (3,) arrays", lambda rng: [sample(rng, (3,)), sample(rng, (3,))]),
        _array_tangent_case("nested lists 2 x 2 floats",
                            lambda rng: [[sample(rng, F), sample(rng, F)], [sample(rng, F), sample(rng, F)]]),
        _array_tangent_case("(2, 3) array", _shaped((2, 3))),
    ],
    "tangent_lite.runtime.containers.listed_array": _array_cases()[:3] + [
        Case(lambda rng: (((sample(rng, F), sample(rng, F)),), {}), "tuple of 2 floats"),
        Case(lambda rng: ((sample(rng, F),), {}), "float"),
        Case(lambda rng: (([sample(rng, F) for _ in range(3)], sample(rng, (3,))), {}),
             "list of 3 floats, like a (3,) array (x * L)"),
        Case(lambda rng: (([sample(rng, F), sample(rng, F)], 2), {}), "list of 2 floats, like an int (L * n)")],
    "tangent_lite.runtime.containers.array_bar": [
        _array_bar_case("list of 3 floats", lambda rng: [sample(rng, F) for _ in range(3)]),
        _array_bar_case("list of two (3,) arrays", lambda rng: [sample(rng, (3,)), sample(rng, (3,))]),
        _array_bar_case("tuple of 2 floats", lambda rng: (sample(rng, F), sample(rng, F))),
        _array_bar_case("nested lists 2 x 2 floats",
                        lambda rng: [[sample(rng, F), sample(rng, F)], [sample(rng, F), sample(rng, F)]]),
        _array_bar_case("(2, 3) array", _shaped((2, 3))),
    ],
    "builtins.list": [
        Case(lambda rng: ((tuple(sample(rng, F) for _ in range(3)),), {}), "tuple of 3 floats"),
        Case(lambda rng: (([sample(rng, F), sample(rng, (2,))],), {}), "list [float, (2,)]"),
        Case(lambda rng: (((sample(rng, (2,)), sample(rng, (3,))),), {}), "tuple of (2,), (3,) arrays"),
        Case(lambda rng: ((sample(rng, (4,)),), {}), "(4,) array (its entries)"),
        Case(lambda rng: ((sample(rng, (2, 3)),), {}), "(2, 3) array (its rows)"),
    ],
    "builtins.dict": [
        Case(lambda rng: (({"a": sample(rng, (2,)), "b": sample(rng, F)},), {}), "dict {a: (2,), b: float}"),
        Case(lambda rng: (({"w": sample(rng, (2, 3))},), {}), "dict {w: (2, 3)}"),
    ],
    "tangent_lite.runtime.containers.dict_like": [
        _seed_case("tangent of dict {a: (2,), b: float}",
                   lambda rng: ({"a": sample(rng, (2,)), "b": sample(rng, F)}, {"a": np.zeros(2), "b": 0.0})),
    ],
    "builtins.tuple": [
        Case(lambda rng: (([sample(rng, F) for _ in range(3)],), {}), "list of 3 floats"),
        Case(lambda rng: (((sample(rng, F), sample(rng, (2,))),), {}), "tuple (float, (2,))"),
        Case(lambda rng: ((sample(rng, (4,)),), {}), "(4,) array (its entries)"),
    ],
    "tangent_lite.runtime.elementwise.pow_exponent_bar": [
        _pow_exponent_bar_case((3, 4), (3, 4)),
        _pow_exponent_bar_case((3, 4), (3, 1)),
        _pow_exponent_bar_case((2, 3), F),
        _pow_exponent_bar_case(F, F),
    ],
    "builtins.max": _builtin_extremum_cases(),
    "builtins.min": _builtin_extremum_cases(),
    # strong zeros at singular points (tangent_lite/runtime/singular.py, rules/singular.py)
    "tangent_lite.runtime.singular.strong_mul": [
        _seed_case(f"a {_shape_label(sa)}, b {_shape_label(sb)}",
                   lambda rng, sa=sa, sb=sb: (sample(rng, sa), sample(rng, sb)))
        for sa, sb in [((3, 4), (3, 4)), ((3, 4), (4,)), (F, (2, 3)), ((2, 3), F), (F, F)]
    ],
    "tangent_lite.runtime.singular.strong_div": [
        _seed_case(f"a {_shape_label(sa)}, b {_shape_label(sb)} (away from 0)",
                   lambda rng, sa=sa, sb=sb: (sample(rng, sa), sample(rng, sb, 0.5, 2.0, signed=True)))
        for sa, sb in [((3, 4), (3, 4)), ((3, 4), (3, 1)), (F, (2, 3)), ((2, 3), F), (F, F)]
    ],
    "tangent_lite.runtime.singular.strong_zero": [
        _seed_case(f"r {_shape_label(sh)}, g {_shape_label(sh)}",
                   lambda rng, sh=sh: (sample(rng, sh), sample(rng, sh)))
        for sh in [(3, 4), (5,), F]
    ],
    "tangent_lite.runtime.singular.power": [
        _seed_case(f"x {_shape_label(sx)} (positive), p {_shape_label(sp)}",
                   lambda rng, sx=sx, sp=sp: (sample(rng, sx, 0.5, 3.0), sample(rng, sp)))
        for sx, sp in [((3, 4), (3, 4)), ((3, 4), F), ((4,), (3, 4)), (F, F)]
    ],
    "tangent_lite.runtime.singular.pow_base_bar": [
        _seed_case(f"g {_shape_label(sg)}, x {_shape_label(sx)} (positive), y {_shape_label(sy)}",
                   lambda rng, sg=sg, sx=sx, sy=sy: (sample(rng, sg), sample(rng, sx, 0.5, 3.0), sample(rng, sy)))
        for sg, sx, sy in [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), F), ((2, 3), (2, 3), F), (F, F, F)]
    ],
}


POSITIVE = (0.5, 3.0, False)
SIGNED_AWAY = (0.5, 2.0, True)  # |v| in [0.5, 2]: away from zero (denominators)
ANY = (-2.0, 2.0, False)

def _distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values with no ties (sorting and medians are smooth there)."""
    return rng.permutation(np.arange(int(np.prod(shape))) * 0.37 - 1.1).reshape(shape) + rng.uniform(0, 0.1)


_E6 = "ij,jk,k,k,k,k->i"


def _einsum6(rng: np.random.Generator) -> list:
    return [sample(rng, (2, 3)), sample(rng, (3, 4))] + [sample(rng, (4,)) for _ in range(4)]


# the helpers the NumPy rules emit, with the rules of rules/runtime_rules_more.py (second order)
def _sym(rng: np.random.Generator, n: int) -> np.ndarray:
    m = sample(rng, (n, n))
    return m + m.T + np.diag(np.arange(n) * 2.0)


HIGHER_RUNTIME_CASES: Dict[str, List[Case]] = {
    "tangent_lite.runtime.linalg.cofactor": [  # (the derivative of det; singular matrices included)
        _seed_case("(3, 3)", lambda rng: (sample(rng, (3, 3)),)),
        _seed_case("(3, 3) rank 1", lambda rng: (np.outer(sample(rng, (3,)), sample(rng, (3,))),)),
        _seed_case("(2, 4, 4) rank 2 and 3", lambda rng: (np.stack([sample(rng, (4, 2)) @ sample(rng, (2, 4)),
                                                                     sample(rng, (4, 3)) @ sample(rng, (3, 4))]),)),
        _seed_case("(1, 1)", lambda rng: (sample(rng, (1, 1)),)),
    ],
    "tangent_lite.runtime.linalg.named_like": [
        _seed_case("(w, V) as eigh's result", lambda rng: ((sample(rng, (3,)), sample(rng, (3, 3))),
                                                           np.linalg.eigh(_sym(rng, 3)))),
        _seed_case("a plain tuple", lambda rng: ((sample(rng, (2,)), sample(rng, F)), (np.zeros(2), 0.0))),
    ],
    "tangent_lite.runtime.along_axis.cumsum_bar": [
        _seed_case("g (3, 4) axis 1", lambda rng: (sample(rng, (3, 4)), sample(rng, (3, 4)), 1)),
        _seed_case("g (12,) axis None", lambda rng: (sample(rng, (12,)), sample(rng, (3, 4)), None)),
    ],
    "tangent_lite.runtime.along_axis.cumulative_sum_bar": [
        _seed_case("g (3, 5) axis 1 include_initial", lambda rng: (sample(rng, (3, 5)), sample(rng, (3, 4)), 1, True)),
        _seed_case("g (3, 4) axis 0", lambda rng: (sample(rng, (3, 4)), sample(rng, (3, 4)), 0)),
    ] if hasattr(np, "cumulative_sum") else [],
    "tangent_lite.runtime.along_axis.diff_bar": [
        _seed_case("a (3, 5) n 1", lambda rng: (sample(rng, (3, 4)), 0, sample(rng, (3, 5)), 1, -1)),
        _seed_case("prepend (3, 1)", lambda rng: (sample(rng, (3, 4)), 1, sample(rng, (3, 4)), 1, -1,
                                                  sample(rng, (3, 1)))),
    ],
    "tangent_lite.runtime.along_axis.diff_tangent": [
        _seed_case("a (3, 5) n 2", lambda rng: (sample(rng, (3, 5)), 0, sample(rng, (3, 5)), 2, -1)),
        _seed_case("append (1, 4) axis 0", lambda rng: (sample(rng, (1, 4)), 2, sample(rng, (3, 4)), 1, 0, None,
                                                        sample(rng, (1, 4)))),
    ],
    "tangent_lite.runtime.along_axis.median_bar": [
        _seed_case("a (3, 5) axis 1", lambda rng: (sample(rng, (3,)), _distinct(rng, (3, 5)), 1)),
        _seed_case("a (4,) even", lambda rng: (sample(rng, F), _distinct(rng, (4,)))),
    ],
    "tangent_lite.runtime.along_axis.sort_bar": [
        _seed_case("a (3, 4)", lambda rng: (sample(rng, (3, 4)), _distinct(rng, (3, 4)))),
        _seed_case("a (3, 4) axis 0", lambda rng: (sample(rng, (3, 4)), _distinct(rng, (3, 4)), 0)),
    ],
    "tangent_lite.runtime.along_axis.sort_tangent": [
        _seed_case("a (3, 4)", lambda rng: (sample(rng, (3, 4)), _distinct(rng, (3, 4)))),
        _seed_case("a (3, 4) axis 0", lambda rng: (sample(rng, (3, 4)), _distinct(rng, (3, 4)), 0)),
    ],
    "tangent_lite.runtime.products.einsum_bar": [
        _seed_case("ij,jk->ik k=0", lambda rng: (sample(rng, (2, 4)), 0, "ij,jk->ik", sample(rng, (2, 3)),
                                                 sample(rng, (3, 4)))),
        _seed_case("ii,i k=0 (diagonal)", lambda rng: (sample(rng, ()), 0, "ii,i", sample(rng, (3, 3)),
                                                       sample(rng, (3,)))),
    ] + [_seed_case(f"{_E6} k={k}", lambda rng, k=k: (sample(rng, (2,)), k, _E6, *_einsum6(rng))) for k in (1, 5)],
    "tangent_lite.runtime.products.einsum_tangent": [
        _seed_case("ij,jk->ik k=1", lambda rng: (sample(rng, (3, 4)), 1, "ij,jk->ik", sample(rng, (2, 3)),
                                                 sample(rng, (3, 4)))),
    ] + [_seed_case(f"{_E6} k={k}", lambda rng, k=k: (sample(rng, (4,) if k > 1 else (2, 3)), k, _E6,
                                                      *_einsum6(rng))) for k in (0, 4)],
    "tangent_lite.runtime.products.multi_dot_tangent": [
        _seed_case("(3,) (3, 4) (4, 2)", lambda rng: ([sample(rng, (3,)), sample(rng, (3, 4)), sample(rng, (4, 2))],
                                                     [sample(rng, (3,)), sample(rng, (3, 4)), sample(rng, (4, 2))])),
    ],
    "tangent_lite.runtime.products.multi_dot_bar": [
        _seed_case("(2, 3) (3, 4) (4,)", lambda rng: (sample(rng, (2,)), [sample(rng, (2, 3)), sample(rng, (3, 4)),
                                                                          sample(rng, (4,))])),
    ],
    "tangent_lite.runtime.reductions.norm_bar": [
        _seed_case("2-norm axis 1", lambda rng: _norm_args(rng, sample(rng, (3,)), None, 1)),
        _seed_case("3-norm axis 0", lambda rng: _norm_args(rng, sample(rng, (4,)), 3, 0)),
        _seed_case("fro", lambda rng: _norm_args(rng, sample(rng, F), "fro", None)),
    ],
    "tangent_lite.runtime.reductions.norm_tangent": [
        _seed_case("2-norm axis 1", lambda rng: _norm_args(rng, sample(rng, (3, 4)), None, 1)),
        _seed_case("3-norm axis 0", lambda rng: _norm_args(rng, sample(rng, (3, 4)), 3, 0)),
    ],
    "tangent_lite.runtime.shapes.concatenate_bar": [
        _seed_case("[(2, 3), (3, 3)] axis 0", lambda rng: (sample(rng, (5, 3)), [sample(rng, (2, 3)),
                                                                                   sample(rng, (3, 3))], 0)),
        _seed_case("[(2,), (2, 2)] axis None", lambda rng: (sample(rng, (6,)), [sample(rng, (2,)),
                                                                                 sample(rng, (2, 2))], None)),
    ],
    "tangent_lite.runtime.shapes.pad_bar": [
        _seed_case("(3, 4) pad 1", lambda rng: (sample(rng, (5, 6)), sample(rng, (3, 4)), 1)),
        _seed_case("(4,) reflect", lambda rng: (sample(rng, (8,)), sample(rng, (4,)), 2, "reflect")),
    ],
    "tangent_lite.runtime.shapes.pad_tangent": [
        _seed_case("(3, 4) pad ((1, 0), (2, 1))", lambda rng: (sample(rng, (3, 4)), ((1, 0), (2, 1)))),
        _seed_case("(4,) edge", lambda rng: (sample(rng, (4,)), 2, "edge")),
    ],
    "tangent_lite.runtime.shapes.repeat_bar": [
        _seed_case("(3, 4) x2 axis 1", lambda rng: (sample(rng, (3, 8)), sample(rng, (3, 4)), 2, 1)),
        _seed_case("(2, 2) [1, 3] axis None", lambda rng: (sample(rng, (8,)), sample(rng, (2, 2)), [1, 3, 2, 2])),
    ],
    "tangent_lite.runtime.shapes.take_along_axis_bar": [
        _seed_case("(3, 4) axis 1", lambda rng: (sample(rng, (3, 2)), sample(rng, (3, 4)),
                                                 np.array([[0, 3], [1, 1], [2, 0]]), 1)),
    ],
    "tangent_lite.runtime.shapes.taken": [
        _seed_case("(3, 4) axis 1", lambda rng: (sample(rng, (3, 4)), [0, 2, 2], 1)),
        _seed_case("(3, 4) flat wrap", lambda rng: (sample(rng, (3, 4)), [1, 5, 13], None, "wrap")),
    ],
    "tangent_lite.runtime.shapes.take_bar": [
        _seed_case("(3, 4) axis 1", lambda rng: (sample(rng, (3, 3)), sample(rng, (3, 4)), [0, 2, 2], 1)),
        _seed_case("(3, 4) flat", lambda rng: (sample(rng, (3,)), sample(rng, (3, 4)), [1, 5, 5])),
    ],
}
if not hasattr(np, "cumulative_sum"):  # NumPy < 2.1: the helper has no rules (rules/runtime_rules_more.py)
    del HIGHER_RUNTIME_CASES["tangent_lite.runtime.along_axis.cumulative_sum_bar"]


def _norm_args(rng: np.random.Generator, seed: Any, ord: Any, axis: Any) -> tuple:
    x = sample(rng, (3, 4), 0.3, 2.0, signed=True)
    ans = np.linalg.norm(x, ord, axis)
    return seed, ans, x, ord, axis


def _real_eig_matrix(rng: np.random.Generator, n: int) -> np.ndarray:
    """A non-symmetric real matrix with real, well-separated eigenvalues."""
    v = rng.normal(size=(n, n)) + 2.0 * np.eye(n)
    return v @ np.diag(np.arange(n) * 1.3 - 1.0 + rng.uniform(0, 0.2, size=n)) @ np.linalg.inv(v)


# NumPy functions of rules/numpy_extra.py
NUMPY_EXTRA_CASES: Dict[str, List[Case]] = {
    "numpy.linspace": [
        _seed_case("floats, 5 samples", lambda rng: (sample(rng, F), sample(rng, F), 5)),
        _seed_case("(3,) arrays, axis 1, no endpoint", lambda rng: (sample(rng, (3,)), sample(rng, (3,)), 4, False),
                   axis=1),
        _seed_case("float and (2,), retstep", lambda rng: (sample(rng, F), sample(rng, (2,)), 6), retstep=True),
    ],
    "numpy.full": [
        _seed_case("(2, 3) float fill", lambda rng: ((2, 3), sample(rng, F))),
        _seed_case("(2, 3) (3,) fill", lambda rng: ((2, 3), sample(rng, (3,)))),
    ],
    "numpy.full_like": [
        _seed_case("float fill", lambda rng: (sample(rng, (2, 3)), sample(rng, F))),
        _seed_case("(3,) fill", lambda rng: (sample(rng, (2, 3)), sample(rng, (3,)))),
    ],
    "numpy.partition": [
        _seed_case("(6,) kth 2", lambda rng: (_distinct(rng, (6,)), 2)),
        _seed_case("(3, 5) kth (1, 3) axis 0", lambda rng: (_distinct(rng, (4, 5)), (1, 3), 0)),
        _seed_case("(2, 3) axis None", lambda rng: (_distinct(rng, (2, 3)), 4, None)),
    ],
    "numpy.real_if_close": [
        _seed_case("(3, 4)", lambda rng: (sample(rng, (3, 4)),)),
    ],
    "numpy.cov": [
        _seed_case("(3, 5)", lambda rng: (sample(rng, (3, 5)),)),
        _seed_case("(6,) with y (6,), ddof 0", lambda rng: (sample(rng, (6,)), sample(rng, (6,))), ddof=0),
        _seed_case("(5, 2) rowvar False with y (5, 3), bias", lambda rng: (sample(rng, (5, 2)), sample(rng, (5, 3)),
                                                                           False, True)),
        _seed_case("(7,)", lambda rng: (sample(rng, (7,)),)),
    ],
    "numpy.corrcoef": [
        _seed_case("(3, 6)", lambda rng: (sample(rng, (3, 6)),)),
        _seed_case("(6,) with y (2, 6)", lambda rng: (sample(rng, (6,)), sample(rng, (2, 6)))),
        _seed_case("(6, 2) rowvar False", lambda rng: (sample(rng, (6, 2)), None, False)),
    ],
    "numpy.linalg.eigvals": [
        _seed_case("(3, 3) non-symmetric", lambda rng: (_real_eig_matrix(rng, 3),)),
        _seed_case("(2, 4, 4)", lambda rng: (np.stack([_real_eig_matrix(rng, 4) for _ in range(2)]),)),
    ],
}
_COORDS5 = np.array([0.0, 0.4, 1.1, 1.5, 2.3])  # unevenly spaced coordinates (np.gradient)
_COORDS6 = np.array([0.0, 0.7, 1.0, 1.8, 2.2, 3.1])


def _full_rank_tall(rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    return sample(rng, (m, n)) + np.eye(m, n) * 2.0


# rules/numpy_missing.py: x.item, np.gradient (as _tl.gradient), lstsq, eig
NUMPY_MISSING_CASES: Dict[str, List[Case]] = {
    "tangent_lite.runtime.numpy_missing.conj_method": [
        _seed_case("(3,) real", lambda rng: (sample(rng, (3,)),)),
        _seed_case("(2, 2) complex", lambda rng: (sample(rng, (2, 2)) + 1j * sample(rng, (2, 2)),)),
    ],
    "tangent_lite.runtime.numpy_missing.item": [
        _seed_case("(5,) flat index 3", lambda rng: (sample(rng, (5,)), 3)),
        _seed_case("(2, 3) index (1, 2)", lambda rng: (sample(rng, (2, 3)), (1, 2))),
        _seed_case("(1, 1) no index", lambda rng: (sample(rng, (1, 1)),)),
    ],
    "tangent_lite.runtime.numpy_missing.item_bar": [
        _seed_case("g float onto (2, 3) at (1, 0)", lambda rng: (sample(rng, F), sample(rng, (2, 3)), (1, 0))),
        _seed_case("g float onto (4,) at -1", lambda rng: (sample(rng, F), sample(rng, (4,)), -1)),
    ],
    "tangent_lite.runtime.numpy_missing.gradient": [
        _seed_case("(6,) unit spacing", lambda rng: (sample(rng, (6,)), ())),
        _seed_case("(6,) coordinates, edge order 2", lambda rng: (sample(rng, (6,)), (_COORDS6,), None, 2)),
        _seed_case("(4, 5) axis 1, coordinates", lambda rng: (sample(rng, (4, 5)), (_COORDS5,), 1)),
        _seed_case("(4, 5) both axes, spacing 0.5 and coordinates, edge order 2",
                   lambda rng: (sample(rng, (4, 5)), (0.5, _COORDS5), None, 2)),
    ],
    "tangent_lite.runtime.numpy_missing.gradient_bar": [
        _seed_case("(6,) onto (6,) spacing 0.5, edge order 2",
                   lambda rng: (sample(rng, (6,)), sample(rng, (6,)), (0.5,), None, 2)),
        _seed_case("(4, 5) axis 1 coordinates", lambda rng: (sample(rng, (4, 5)), sample(rng, (4, 5)), (_COORDS5,), 1)),
    ],
    "numpy.linalg.lstsq": [
        _seed_case("(5, 3) and (5,)", lambda rng: (_full_rank_tall(rng, 5, 3), sample(rng, (5,))), rcond=None),
        _seed_case("(4, 2) and (4, 3)", lambda rng: (_full_rank_tall(rng, 4, 2), sample(rng, (4, 3))), rcond=None),
        _seed_case("square (3, 3) and (3,)", lambda rng: (_full_rank_tall(rng, 3, 3), sample(rng, (3,))), rcond=None),
    ],
    "numpy.linalg.eig": [
        _seed_case("(3, 3) real, distinct real eigenvalues", lambda rng: (_real_eig_matrix(rng, 3),)),
        _seed_case("(2, 4, 4) stack", lambda rng: (np.stack([_real_eig_matrix(rng, 4) for _ in range(2)]),)),
    ],
}
if hasattr(np, "row_stack"):
    NUMPY_EXTRA_CASES["numpy.row_stack"] = [
        _seed_case("[(3,), (2, 3)]", lambda rng: ([sample(rng, (3,)), sample(rng, (2, 3))],)),
    ]


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
    "builtins.pow": binary(POSITIVE, ANY),
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
    "tangent_lite.runtime.containers.append": [
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
    **{name: [
        Case(lambda rng: ((sample(rng, F),), {}), "float"),
        Case(lambda rng: ((sample(rng, (3,)),), {}), "(3,) array"),
        Case(lambda rng: ((sample(rng, ()),), {}), "0-d array"),
    ] for name in ("numpy.float64",)},
    **RUNTIME_CASES,
    **HIGHER_RUNTIME_CASES,
    **NUMPY_EXTRA_CASES,
    **NUMPY_MISSING_CASES,
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


def use_linspace_full_like(a, b):
    """Active ends of np.linspace and an active fill value of np.full_like."""
    grid = np.linspace(a, b * 2.0, 5)
    return np.sum(np.sin(grid) * grid) + np.sum(np.full_like(np.ones((2, 3)), a * b) ** 2)


def use_partition(x):
    p = np.partition(x, 2)
    return p[2] * np.sum(p[:2] ** 2) + np.sum(np.real_if_close(x * x))


def use_cov_corrcoef(x):
    return np.sum(np.cov(x) ** 2) + np.sum(np.corrcoef(x, rowvar=False) ** 3)


def use_eigvals(a):
    w = np.linalg.eigvals(a)
    return np.sum(w ** 3)


END_TO_END: List[EndToEnd] = [
    EndToEnd(use_linspace_full_like, [_any(F), _any(F)]),
    EndToEnd(use_partition, [lambda rng: _distinct(rng, (6,))]),
    EndToEnd(use_cov_corrcoef, [_any((3, 5))]),
    EndToEnd(use_eigvals, [lambda rng: _real_eig_matrix(rng, 3)]),
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


# complex numbers and np.fft (tests/rule_cases_complex.py)
from rule_cases_complex import CASES as _COMPLEX_CASES  # noqa: E402
from rule_cases_complex import COMPLEX_EXTRA  # noqa: E402

CASES.update(_COMPLEX_CASES)
for _name, _extra in COMPLEX_EXTRA.items():
    CASES[_name] = CASES[_name] + _extra

# the stand-ins of the helpers of array-API code (tests/rule_cases_array_api_extra.py)
from rule_cases_array_api_extra import CASES as _ARRAY_API_EXTRA_CASES  # noqa: E402

CASES.update(_ARRAY_API_EXTRA_CASES)
