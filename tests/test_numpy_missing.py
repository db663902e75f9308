"""The NumPy forms that were refused before (issue 14): ``x.item(...)``, ``np.einsum``'s sublist
form, ``ufunc.reduce``/``accumulate``/``outer``, ``np.gradient``, ``np.linalg.lstsq`` and the
eigenvectors of ``np.linalg.eig``.

Every function below is checked from the outside, in both modes and at second order:

* reverse mode (``tl.grad``) against central finite differences, entry by entry;
* forward mode (``tl.jvp``) against central differences along a random direction, and against
  ``tl.vjp`` through the dot-product identity ``<J v, w> == <v, J^T w>``;
* second order: ``tl.hvp`` (forward over the generated reverse code) and the pullback of the
  generated ``f_vjp`` (reverse over reverse) against differences of ``tl.grad``.
"""

from __future__ import annotations

import zlib
from typing import Any, Callable, List, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-6


def _rng(*key: Any) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("-".join(map(str, key)).encode()))


# ---------------------------------------------------------------- constants the functions read

B = _rng("B").normal(size=(4, 2))
C = _rng("C").normal(size=(4, 3))
W23 = _rng("W23").normal(size=(2, 3))
W33 = _rng("W33").normal(size=(3, 3))
W35 = _rng("W35").normal(size=(3, 5))
W45 = _rng("W45").normal(size=(4, 5))
A_TALL = _rng("A").normal(size=(5, 3))
B_TALL = _rng("b").normal(size=(5,))
B_TALL2 = _rng("b2").normal(size=(5, 2))
XS = np.cumsum(_rng("xs").uniform(0.3, 1.0, size=6))  # coordinates, unevenly spaced
YS = np.cumsum(_rng("ys").uniform(0.3, 1.0, size=5))


# ---------------------------------------------------------------- x.item(...)

def item_flat(x):
    return x.item(2) * np.sum(x ** 2) + x.item(-1)


def item_nd(x):
    return x.item(1, 2) ** 3 + x.item((0, 1)) * np.sin(x.item(5))


def item_single(x):
    return (x[1:2] * 3.0).item() ** 2 + np.sum(x)


# ---------------------------------------------------------------- einsum sublists

def einsum_explicit(x):
    return np.sum(np.sin(np.einsum(x, [0, 1], B, [1, 2], [0, 2])))


def einsum_implicit(x):
    return np.einsum(x, [0, 1], x, [1, 0]) + np.sum(np.einsum(x, [1, 0]) * W33)


def einsum_ellipsis(x):
    return np.sum(np.einsum(x, [Ellipsis, 0], C, [0, 1], [Ellipsis, 1]) ** 2)


def einsum_computed(x):
    i = 0
    return np.sum(np.cos(np.einsum(x, [i, 1], B, [1, 2 + i])))


def einsum_labels(x):
    return np.sum(np.einsum(x, [30, 1]) * W33 ** 2) + np.sum(np.einsum(x, [0, 30], [0]) ** 2)


# ---------------------------------------------------------------- ufunc methods

def reduce_add(x):
    return np.sum(np.add.reduce(x) ** 2) + np.sum(np.add.reduce(x, axis=1, keepdims=True) * x)


def reduce_add_options(x):
    return np.add.reduce(x, axis=None) ** 2 + np.sum(np.add.reduce(x, 1, initial=2.0) ** 3) \
        + np.sum(np.sin(np.add.reduce(x, axis=0, where=W35 > 0, dtype=float)))


def reduce_multiply(x):
    return np.sum(np.multiply.reduce(x, axis=1)) + np.sum(np.multiply.reduce(x, initial=1.5))


def reduce_extrema(x):
    return np.sum(np.maximum.reduce(x, axis=1) ** 2) + np.sum(np.minimum.reduce(x) * 3.0) \
        + np.sum(np.maximum.reduce(x, axis=0, initial=0.0))


def accumulate_add(x):
    return np.sum(np.sin(np.add.accumulate(x)) * W35) + np.sum(np.add.accumulate(x, axis=1) ** 2)


def accumulate_multiply(x):
    return np.sum(np.multiply.accumulate(x, axis=1) * W35)


def outer_products(x):
    y = x[:3] + 3.0
    return np.sum(np.sin(np.add.outer(x, y)) * np.multiply.outer(y, x).T) + np.sum(np.subtract.outer(x, y) ** 3)


def outer_quotients(x):
    y = x[:3] + 3.0
    return np.sum(np.divide.outer(x, y) ** 2) + np.sum(np.power.outer(y, x / 4.0)) + np.sum(np.multiply.outer(W23, x))


# ---------------------------------------------------------------- np.gradient

def gradient_1d(x):
    return np.sum(np.sin(np.gradient(x)) * x) + np.sum(np.gradient(x, 0.5, edge_order=2) ** 2)


def gradient_coordinates(x):
    return np.sum(np.gradient(x, XS) ** 3) + np.sum(np.exp(np.gradient(x, XS, edge_order=2)))


def gradient_2d(x):
    gy, gx = np.gradient(x)
    return np.sum(gy * gx) + np.sum(np.sin(np.gradient(x, 0.5, YS, edge_order=2)[1]))


def gradient_axis(x):
    return np.sum(np.gradient(x, YS, axis=1) ** 2) + np.sum(np.cos(np.gradient(x, 2.0, axis=0, edge_order=2)))


# ---------------------------------------------------------------- np.linalg.lstsq

def lstsq_a(x):
    sol, res, rank, s = np.linalg.lstsq(x, B_TALL, rcond=None)
    return np.sum(sol ** 3) + np.sum(res) * 0.5 + np.sum(np.sin(s))


def lstsq_b(x):
    sol, res, rank, s = np.linalg.lstsq(A_TALL, x, rcond=None)
    return np.sum(np.sin(sol)) + np.sum(res ** 2)


def lstsq_both(x):
    sol, res, _, _ = np.linalg.lstsq(x, x[:, :2] * B_TALL2 + 1.0, rcond=None)
    return np.sum(sol * sol) + np.sum(np.sqrt(res))


def lstsq_square(x):
    return np.sum(np.linalg.lstsq(x, W33[0], rcond=None)[0] ** 2)


# ---------------------------------------------------------------- np.linalg.eig (phase-invariant uses)

def eig_real(x):
    w, v = np.linalg.eig(x)
    return np.sum(w ** 3) + np.sum(v ** 2 * W33)


def eig_complex_pairs(x):
    """A real matrix whose eigenvalues are complex: |v|^2 entries and the real part of w."""
    w, v = np.linalg.eig(x)
    return np.sum(np.abs(v) ** 2 * W33) + np.sum(np.real(w) ** 2) + np.sum(np.imag(w) ** 2)


def eig_projector(x):
    """A projection v v^H onto one eigenvector: phase-invariant."""
    w, v = np.linalg.eig(x)
    p = np.outer(v[:, 1], np.conj(v[:, 1]))
    return np.sum(np.real(p) * W33) + np.sum(np.imag(p) * W33.T)


def eigvals_complex_pairs(x):
    """np.linalg.eigvals of a real matrix with complex eigenvalues (refused before eig had rules)."""
    w = np.linalg.eigvals(x)
    return np.sum(np.real(w) ** 2) + np.sum(np.imag(w) ** 3) + np.sum(np.abs(w))


def _distinct_real_eig(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=(3, 3)) + 2.0 * np.eye(3)
    return v @ np.diag([-1.0, 0.4, 1.7]) @ np.linalg.inv(v)


def _complex_eig(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=(3, 3)) + 2.0 * np.eye(3)
    block = np.array([[0.5, 1.2, 0.0], [-1.2, 0.5, 0.0], [0.0, 0.0, -0.8]])
    return v @ block @ np.linalg.inv(v)


def _normal(shape: tuple) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.normal(size=shape)


def _positive(shape: tuple) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.uniform(0.5, 2.0, size=shape)


CASES: List[Tuple[Callable, Callable[[np.random.Generator], np.ndarray]]] = [
    (item_flat, _normal((5,))),
    (item_nd, _normal((2, 3))),
    (item_single, _normal((3,))),
    (einsum_explicit, _normal((3, 4))),
    (einsum_implicit, _normal((3, 3))),
    (einsum_ellipsis, _normal((2, 3, 4))),
    (einsum_computed, _normal((3, 4))),
    (einsum_labels, _normal((3, 3))),
    (reduce_add, _normal((3, 5))),
    (reduce_add_options, _normal((3, 5))),
    (reduce_multiply, _positive((3, 5))),
    (reduce_extrema, _normal((3, 5))),
    (accumulate_add, _normal((3, 5))),
    (accumulate_multiply, _positive((3, 5))),
    (outer_products, _normal((4,))),
    (outer_quotients, _positive((4,))),
    (gradient_1d, _normal((6,))),
    (gradient_coordinates, _normal((6,))),
    (gradient_2d, _normal((4, 5))),
    (gradient_axis, _normal((4, 5))),
    (lstsq_a, lambda rng: A_TALL + 0.1 * rng.normal(size=(5, 3))),
    (lstsq_b, _normal((5,))),
    (lstsq_both, lambda rng: A_TALL + 0.1 * rng.normal(size=(5, 3))),
    (lstsq_square, lambda rng: W33 + 3.0 * np.eye(3) + 0.1 * rng.normal(size=(3, 3))),
    (eig_real, _distinct_real_eig),
    (eig_complex_pairs, _complex_eig),
    (eig_projector, _complex_eig),
    (eigvals_complex_pairs, _complex_eig),
]
IDS = [f.__name__ for f, _ in CASES]
# second order not supported yet (pinned: refused with a clear error)
NO_SECOND_ORDER = {"accumulate_multiply": "np.cumprod's cotangent helper cumprod_bar has no rule of its own"}


def _fd_grad(f: Callable, x: np.ndarray) -> np.ndarray:
    out = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = EPS
        out[i] = (f(x + e) - f(x - e)) / (2 * EPS)
    return out


def _close(actual: Any, expected: Any, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
    assert np.allclose(a, e, rtol=rtol, atol=atol * scale), f"{what}: got {a!r}, expected {e!r}"


@pytest.mark.parametrize("f,make", CASES, ids=IDS)
def test_reverse_mode_against_differences(f, make):
    x = make(_rng(f.__name__, "x"))
    _close(tl.grad(f)(x), _fd_grad(f, x), f"{f.__name__}: tl.grad")


@pytest.mark.parametrize("f,make", CASES, ids=IDS)
def test_forward_mode_against_differences_and_reverse(f, make):
    x = make(_rng(f.__name__, "x"))
    v = _rng(f.__name__, "v").normal(size=x.shape)
    value, tangent = tl.jvp(f, (x,), (v,))
    _close(value, f(x), f"{f.__name__}: value")
    _close(tangent, (f(x + EPS * v) - f(x - EPS * v)) / (2 * EPS), f"{f.__name__}: tl.jvp")
    _, pullback = tl.vjp(f, x)
    _close(tangent, np.sum(pullback(1.0) * v), f"{f.__name__}: <J v, 1> == <v, J^T 1>", rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("f,make", CASES, ids=IDS)
def test_second_order(f, make):
    x = make(_rng(f.__name__, "x"))
    v = _rng(f.__name__, "v2").normal(size=x.shape)
    if f.__name__ in NO_SECOND_ORDER:
        with pytest.raises(tl.errors.NoRuleError):
            tl.hvp(f, x, v)
        return
    g = tl.grad(f)
    step = 1e-5
    expected = (g(x + step * v) - g(x - step * v)) / (2 * step)
    _close(tl.hvp(f, x, v), expected, f"{f.__name__}: forward over reverse", rtol=1e-4, atol=1e-5)
    f_vjp, names = tl.gradient_function(f)
    _, pullback = tl.vjp(f_vjp, x, 1.0, wrt=names[0])
    _close(pullback((0.0, v)), expected, f"{f.__name__}: reverse over reverse", rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- vector outputs: <J v, w> == <v, J^T w>

def gradient_field(x):
    return np.gradient(x, XS, edge_order=2)


def gradient_pair(x):
    return np.gradient(x, 0.5, YS)


def outer_field(x):
    return np.sum(np.power.outer(x, np.array([0.5, 2.0])), axis=1) + np.sum(np.subtract.outer(W23, x), axis=(0, 1))


def reduce_field(x):
    return np.maximum.reduce(x, axis=1) * np.multiply.reduce(x, axis=0, keepdims=True).T


def einsum_field(x):
    return np.einsum(x, [Ellipsis, 0, 1], x, [Ellipsis, 1, 2])


VECTOR_CASES = [
    (gradient_field, _normal((6,))),
    (gradient_pair, _normal((4, 5))),
    (outer_field, _positive((3,))),
    (reduce_field, _positive((3, 5))),
    (einsum_field, _normal((2, 3, 3))),
]


def _pairing(a: Any, b: Any) -> float:
    if isinstance(a, (tuple, list)):
        return sum(_pairing(p, q) for p, q in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def _like(value: Any, rng: np.random.Generator) -> Any:
    if isinstance(value, (tuple, list)):
        return tuple(_like(v, rng) for v in value)
    return rng.normal(size=np.shape(value))


@pytest.mark.parametrize("f,make", VECTOR_CASES, ids=[f.__name__ for f, _ in VECTOR_CASES])
def test_dot_product_identity_of_vector_outputs(f, make):
    x = make(_rng(f.__name__, "x"))
    rng = _rng(f.__name__, "vw")
    v = rng.normal(size=x.shape)
    out, tangent = tl.jvp(f, (x,), (v,))
    fd = f(x + EPS * v)
    fd = (np.asarray(fd) - np.asarray(f(x - EPS * v))) / (2 * EPS) if not isinstance(fd, tuple) else \
        tuple((p - m) / (2 * EPS) for p, m in zip(fd, f(x - EPS * v)))
    _close(np.asarray(tangent), np.asarray(fd), f"{f.__name__}: tl.jvp vs differences")
    w = _like(out, rng)
    _, pullback = tl.vjp(f, x)
    assert np.isclose(_pairing(tangent, w), _pairing(v, pullback(w)), rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------- np.gradient: the transpose, against the matrix


def _dense_gradient_matrix(n: int, h: Any, edge_order: int) -> np.ndarray:
    """The matrix of np.gradient along one axis, column by column (an independent reference)."""
    return np.stack([np.gradient(e, h, edge_order=edge_order) for e in np.eye(n)], axis=1)


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("spacing", ["default", "scalar", "coordinates"])
@pytest.mark.parametrize("shape,axis", [((6,), None), ((3,), None), ((4, 5), None), ((4, 5), 1), ((4, 5), 0),
                                        ((2, 3, 4), (0, 2))])
def test_gradient_transpose(edge_order, spacing, shape, axis):
    from tangent_lite import runtime

    rng = _rng("gradient", edge_order, spacing, shape, axis)
    axes = tuple(range(len(shape))) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    if spacing == "default":
        steps, per_axis = (), [1.0] * len(axes)
    elif spacing == "scalar":
        steps, per_axis = (0.7,), [0.7] * len(axes)
    else:
        per_axis = [np.cumsum(rng.uniform(0.2, 1.0, size=shape[a])) for a in axes]
        steps = tuple(per_axis)
    if edge_order == 2 and min(shape[a] for a in axes) < 3:
        pytest.skip("edge_order=2 needs 3 points")
    f = rng.normal(size=shape)
    out = runtime.gradient(f, steps, axis, edge_order)
    outs = (out,) if len(axes) == 1 else tuple(out)
    g = tuple(rng.normal(size=shape) for _ in axes)
    bar = runtime.gradient_bar(g[0] if len(axes) == 1 else g, f, steps, axis, edge_order)
    # the dot-product identity against the forward map
    v = rng.normal(size=shape)
    forward = runtime.gradient(v, steps, axis, edge_order)
    forward = (forward,) if len(axes) == 1 else tuple(forward)
    assert np.isclose(_pairing(forward, g), _pairing(v, bar), rtol=1e-12, atol=1e-12)
    # and against the explicit matrix, axis by axis
    expected = np.zeros(shape)
    for k, (a, h) in enumerate(zip(axes, per_axis)):
        d = _dense_gradient_matrix(shape[a], h, edge_order)
        expected = expected + np.moveaxis(np.tensordot(d.T, np.moveaxis(g[k], a, 0), axes=1), 0, a)
    _close(bar, expected, "gradient_bar vs the transposed matrix", rtol=1e-12, atol=1e-12)
    assert len(outs) == len(axes)


# ---------------------------------------------------------------- eig of complex matrices (convention Re(sum(g t)))


def eig_of_complex(z):
    w, v = np.linalg.eig(z)
    p = np.outer(v[:, 0], np.conj(v[:, 0]))
    return np.sum(np.abs(v) ** 2 * W33) + np.sum(np.real(p) * W33.T) + np.real(np.sum(w ** 2)) + np.sum(np.abs(w)) \
        + np.sum(np.imag(np.linalg.eigvals(z)) ** 3)


def test_eig_of_a_complex_matrix_in_both_modes():
    rng = _rng("complex eig")
    z = _complex_eig(rng) + 0.3j * rng.normal(size=(3, 3))
    dz = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    fd = (eig_of_complex(z + EPS * dz) - eig_of_complex(z - EPS * dz)) / (2 * EPS)
    grad = tl.grad(eig_of_complex)(z)
    assert np.iscomplexobj(grad)
    _close(np.real(np.sum(grad * dz)), fd, "tl.grad of a complex matrix: Re(sum(g dz))")
    _, tangent = tl.jvp(eig_of_complex, (z,), (dz,))
    _close(tangent, fd, "tl.jvp along a complex direction")


# ---------------------------------------------------------------- refusals


def lstsq_deficient(x):
    return np.sum(np.linalg.lstsq(x, B_TALL, rcond=None)[0])


def eig_repeated(x):
    return np.sum(np.linalg.eig(x)[1] ** 2)


def gradient_active_spacing(x):
    return np.sum(np.gradient(np.sin(x), x))


def reduce_other_ufunc(x):
    return np.sum(np.logaddexp.reduce(x))


def reduce_into(x):
    y = np.zeros(3)
    np.add.reduce(x, out=y)
    return np.sum(y)


def test_rank_deficient_lstsq_is_refused_when_it_runs():
    a = np.ones((5, 3))
    with pytest.raises(ValueError, match="full column rank; this one has rank 1 < 3"):
        tl.grad(lstsq_deficient)(a)
    with pytest.raises(ValueError, match="full column rank"):
        tl.jvp(lstsq_deficient, (a,), (a,))


def test_repeated_eigenvalues_are_refused_when_it_runs():
    with pytest.raises(ValueError, match="need distinct eigenvalues"):
        tl.grad(eig_repeated)(np.eye(3))


@pytest.mark.parametrize("f,match", [
    (gradient_active_spacing, "argument 'spacing'"),
    (reduce_other_ufunc, "np.logaddexp.reduce"),
    (reduce_into, "'out=' argument of 'np.add.reduce' writes into 'y'"),
])
def test_forms_not_covered_are_refused_by_name(f, match):
    with pytest.raises(tl.errors.TangentLiteError, match=match):
        tl.grad(f)(np.arange(1.0, 7.0).reshape(2, 3) if f is reduce_into else np.arange(1.0, 4.0))


def test_generated_code_reads_as_the_primitives():
    text = tl.source(reduce_add) + tl.source(outer_products) + tl.source(einsum_explicit) + tl.source(item_nd)
    assert "np.sum(x, axis=0)" in text
    assert "_tl.outer_shape(" in text and "np.reshape(" in text
    assert "np.einsum('AB,BC->AC', x, B)" in text
    assert "_tl.item(x, " in text


# ---------------------------------------------------------------- forward over forward, and tl.hessian

HESSIAN_CASES = [(f, make) for f, make in CASES if f.__name__ in {
    "item_nd", "einsum_ellipsis", "reduce_extrema", "outer_quotients", "gradient_2d", "lstsq_both", "eig_real",
    "eig_projector"}]


@pytest.mark.parametrize("f,make", HESSIAN_CASES, ids=[f.__name__ for f, _ in HESSIAN_CASES])
def test_forward_over_forward_and_hessian(f, make):
    x = make(_rng(f.__name__, "x"))
    rng = _rng(f.__name__, "uv")
    u, v = rng.normal(size=x.shape), rng.normal(size=x.shape)
    f_jvp, names = tl.tangent_function(f)
    _, second = tl.jvp(lambda y: f_jvp(y, v)[1], (x,), (u,))
    hvp = tl.hvp(f, x, v)
    _close(second, np.sum(u * hvp), f"{f.__name__}: u^T H v, forward over forward vs forward over reverse",
           rtol=1e-7, atol=1e-8)
    hessian = np.reshape(tl.hessian(f)(x), (x.size, x.size))
    _close(hessian @ np.ravel(v), np.ravel(hvp), f"{f.__name__}: tl.hessian", rtol=1e-7, atol=1e-8)
    _close(hessian, hessian.T, f"{f.__name__}: tl.hessian is symmetric", rtol=1e-6, atol=1e-7)


def eigh_uses(x):
    w, v = np.linalg.eigh(x @ x.T)
    return np.sum(w ** 2) + np.sum(v ** 4)


def slogdet_uses(x):
    sign, logdet = np.linalg.slogdet(x)
    return logdet ** 2 * sign


@pytest.mark.parametrize("f", [eigh_uses, slogdet_uses, eig_real])
def test_forward_over_forward_through_named_results(f):
    """The tangents of eig/eigh/slogdet are NumPy's named results (``_tl.named_like``): the
    forward-mode code differentiated again in forward mode (refused before it had rules)."""
    rng = _rng(f.__name__, "named")
    x = _distinct_real_eig(rng) if f is eig_real else rng.normal(size=(3, 3)) + 3.0 * np.eye(3)
    u, v = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    f_jvp, _ = tl.tangent_function(f)
    _, second = tl.jvp(lambda y: f_jvp(y, v)[1], (x,), (u,))
    step = 1e-5
    expected = (f_jvp(x + step * u, v)[1] - f_jvp(x - step * u, v)[1]) / (2 * step)
    _close(second, expected, f"{f.__name__}: forward over forward vs differences of tl.jvp", rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- properties over varied inputs (hypothesis)

@st.composite
def _sublist_einsums(draw):
    """Two operands with sublists drawn from labels 0..51 (and maybe an Ellipsis), with or without
    an output sublist: the cases where the labels' spelling decides the implicit output's order."""
    labels = draw(st.lists(st.integers(0, 51), min_size=2, max_size=4, unique=True))
    sizes = {k: draw(st.integers(1, 3)) for k in labels}
    subs = [draw(st.lists(st.sampled_from(labels), min_size=1, max_size=3, unique=True)) for _ in range(2)]
    ellipsis = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    ops = [rng.normal(size=((2,) if ellipsis else ()) + tuple(sizes[k] for k in s)) for s in subs]
    if ellipsis:
        subs = [[Ellipsis] + s for s in subs]
    used = sorted({k for s in subs for k in s if k is not Ellipsis})
    output = draw(st.none() | st.permutations(used).map(lambda p: list(p[:len(p) - 1])))
    if output is not None and ellipsis:
        output = [Ellipsis] + output
    return ops, subs, output


@settings(max_examples=60, deadline=None)
@given(_sublist_einsums())
def test_sublists_spell_the_same_einsum(case):
    from tangent_lite import runtime

    ops, subs, output = case
    interleaved = [ops[0], subs[0], ops[1], subs[1]] + ([output] if output is not None else [])
    expected = np.einsum(*interleaved)
    actual = np.einsum(runtime.einsum_subscripts(subs, output), *ops)
    assert np.shape(actual) == np.shape(expected)
    assert np.allclose(actual, expected)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 9), edge_order=st.sampled_from([1, 2]), uneven=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_gradient_transpose_property(n, edge_order, uneven, seed):
    from tangent_lite import runtime

    if edge_order == 2 and n < 3:
        return
    rng = np.random.default_rng(seed)
    h = np.cumsum(rng.uniform(0.1, 2.0, size=n)) if uneven else float(rng.uniform(0.1, 2.0))
    v, w = rng.normal(size=n), rng.normal(size=n)
    lhs = np.dot(runtime.gradient(v, (h,), None, edge_order), w)
    rhs = np.dot(v, runtime.gradient_bar(w, v, (h,), None, edge_order))
    assert np.isclose(lhs, rhs, rtol=1e-10, atol=1e-10 * max(1.0, abs(lhs)))


def test_ufunc_methods_do_not_make_the_derivative_again_at_every_call(monkeypatch):
    """``np.add.reduce`` is a new object at every access: its guard compares it with ``==`` (and
    its identity names it), so the generated code is reused, from memory and from disk."""
    from tangent_lite import api
    from tangent_lite.frontend import guards

    assert guards.identity(np.add.reduce, "is") == "ufunc method numpy.add.reduce"
    made = []
    derive = api.derive
    monkeypatch.setattr(api, "derive", lambda fn, *a, **k: made.append(fn.__name__) or derive(fn, *a, **k))
    x = _rng("again").normal(size=(3, 5))
    g = tl.grad(outer_products)
    for _ in range(3):
        g(x[0, :4])
        tl.grad(reduce_add)(x)
    assert made.count("outer_products") <= 1 and made.count("reduce_add") <= 1, made
