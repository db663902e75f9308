"""Findings from autograd's own test suite run through tangent_lite (benchmarks/peer_suites/autograd_suite.py).

- R1: size-0 dimensions (an empty '...' batch, an empty contracted or free axis, an empty
  diagonal) in the product rules (einsum, tensordot, matmul, dot, inner, kron, multi_dot), trace
  and diagonal, and batched linear algebra, in both modes and at second order (tl.hessian of an
  argument with no entries).
- R6: a bool or integer output (np.allclose, comparisons, np.argmax, len, int(...)) has no
  derivative: grad, value_and_grad, vjp, jacobian, hessian and hvp refuse it instead of
  returning zeros.
- R2/R3: the gradient (cotangent) of a complex input is complex, of the input's kind (a Python
  complex, a NumPy complex scalar, a 0-d array), also when the function only reads its real
  part, and at second order through the generated JVP (docs/complex-numbers.md).

Every derivative is checked against central finite differences.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tangent_lite as tl
from tangent_lite.errors import ArgumentError

EPS = 1e-6
RNG = np.random.default_rng(7)


def _randn(*shape):
    return RNG.standard_normal(shape)


def _fd_along(f, args, directions):
    """Central difference of f at args along directions (one per argument)."""
    plus = f(*[a + EPS * d for a, d in zip(args, directions)])
    minus = f(*[a - EPS * d for a, d in zip(args, directions)])
    return (np.asarray(plus) - np.asarray(minus)) / (2 * EPS)


def _check_both_modes(f, args):
    """tl.jvp against finite differences, and tl.vjp's pullback by <w, J v> == <J^T w, v>;
    every cotangent has its argument's shape."""
    out = f(*args)
    directions = [_randn(*np.shape(a)) for a in args]
    reference = _fd_along(f, args, directions)
    value, tangent = tl.jvp(f, tuple(args), tuple(directions))
    assert np.shape(tangent) == np.shape(out)
    np.testing.assert_allclose(value, out)
    np.testing.assert_allclose(tangent, reference, atol=1e-6)
    value, pullback = tl.vjp(f, *args, wrt=tuple(range(len(args))))
    w = _randn(*np.shape(out))
    bars = pullback(w)
    assert [np.shape(b) for b in bars] == [np.shape(a) for a in args]
    lhs = sum(np.sum(b * d) for b, d in zip(bars, directions))
    assert lhs == pytest.approx(np.sum(w * reference), abs=1e-6)


def _spd(*batch, n):
    a = _randn(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# ---------------------------------------------------------------- R1: size-0 dimensions

EINSUM_SPECS = [
    "...ij,...jk->...ik",  # autograd's test_einsum_matmult_broadcast_leadzero
    "ij,jk->ik",
    "ij,jk",  # implicit output
    "i,j->i",  # a letter summed within one operand
    "ij,k->k",
    "ii->i",  # a repeated letter: the cotangent lives on the diagonal
    "...i,ij,...j->...",
    "bij,bj->bi",
]


def _letters(spec):
    return sorted(set(spec.replace("->", "").replace(",", "").replace(".", "")))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(EINSUM_SPECS), st.data())
def test_einsum_with_size_zero_and_broadcast_dimensions(spec, data):
    """Any letter may have size 0 (and the '...' batch 0 or 1, broadcast against 0): both modes
    agree with finite differences and the cotangents have the operands' shapes."""
    sizes = {c: data.draw(st.sampled_from([0, 1, 2, 3]), label=c) for c in _letters(spec)}
    batch = data.draw(st.lists(st.sampled_from([0, 2]), max_size=2), label="batch")
    lhs = spec.split("->")[0].split(",")
    shapes = []
    for term in lhs:
        own = [sizes[c] for c in term.replace("...", "")]
        if "..." in term:
            # one operand may broadcast the batch with size-1 entries
            ones = data.draw(st.booleans(), label="broadcast")
            shapes.append(tuple(1 if ones and len(shapes) else n for n in batch) + tuple(own))
        else:
            shapes.append(tuple(own))
    args = [_randn(*s) for s in shapes]
    if len(args) == 1:
        _check_both_modes(lambda a: np.einsum(spec, a), args)
    elif len(args) == 2:
        _check_both_modes(lambda a, b: np.einsum(spec, a, b), args)
    else:
        _check_both_modes(lambda a, b, c: np.einsum(spec, a, b, c), args)


PRODUCT_CASES = {
    "einsum_empty_batch": (lambda a, b: np.einsum("...ij,...jk->...ik", a, b), ((0, 2, 3), (0, 3, 4))),
    "tensordot_empty_contraction": (lambda a, b: np.tensordot(a, b, axes=1), ((2, 0), (0, 3))),
    "tensordot_empty_free": (lambda a, b: np.tensordot(a, b, axes=([1], [0])), ((0, 3), (3, 4))),
    "tensordot_outer_empty": (lambda a, b: np.tensordot(a, b, axes=0), ((2, 0), (3,))),
    "matmul_empty_inner": (lambda a, b: a @ b, ((2, 0), (0, 3))),
    "matmul_empty_batch": (lambda a, b: a @ b, ((0, 2, 3), (0, 3, 4))),
    "matmul_empty_batch_broadcast": (lambda a, b: a @ b, ((0, 2, 3), (3, 4))),
    "matmul_empty_vectors": (lambda a, b: a @ b, ((0,), (0,))),
    "matmul_batch_vector": (lambda a, b: np.matmul(a, b), ((0, 2, 3), (3,))),
    "dot_empty_inner": (lambda a, b: np.dot(a, b), ((2, 0), (0, 3))),
    "dot_nd_empty": (lambda a, b: np.dot(a, b), ((2, 3), (0, 3, 4))),
    "inner_empty": (lambda a, b: np.inner(a, b), ((2, 0), (3, 0))),
    "outer_empty": (lambda a, b: np.outer(a, b), ((0,), (3,))),
    "kron_empty": (lambda a, b: np.kron(a, b), ((0, 2), (2, 3))),
    "multi_dot_empty": (lambda a, b, c: np.linalg.multi_dot([a, b, c]), ((2, 0), (0, 3), (3, 2))),
}


@pytest.mark.parametrize("offset", [-6, -5, 5, 6, 7])
@pytest.mark.parametrize("axes", [(0, 1), (3, 2), (1, 3)])
def test_trace_and_diagonal_with_an_empty_diagonal(offset, axes):
    """autograd's test_trace_extradims draws the offset at random: past the matrix the diagonal is
    empty, and its cotangent (zeros) came back with the two axes moved last (a broadcast error)."""
    a1, a2 = axes
    _check_both_modes(lambda x: np.trace(x, offset=offset, axis1=a1, axis2=a2), [_randn(5, 6, 4, 3)])
    _check_both_modes(lambda x: np.diagonal(x, offset, a1, a2), [_randn(5, 6, 4, 3)])


@pytest.mark.parametrize("name", sorted(PRODUCT_CASES))
def test_products_with_size_zero_dimensions(name):
    f, shapes = PRODUCT_CASES[name]
    _check_both_modes(f, [_randn(*s) for s in shapes])


LINALG_CASES = {
    "inv": (lambda a: np.linalg.inv(a), lambda: (_spd(0, n=3),)),
    "inv_0x0": (lambda a: np.linalg.inv(a), lambda: (np.zeros((0, 0)),)),
    "solve": (lambda a, b: np.linalg.solve(a, b), lambda: (_spd(0, n=3), _randn(0, 3, 2))),
    "solve_no_columns": (lambda a, b: np.linalg.solve(a, b), lambda: (_spd(n=3), _randn(3, 0))),
    "det": (lambda a: np.linalg.det(a), lambda: (_spd(0, n=3),)),
    "slogdet": (lambda a: np.linalg.slogdet(a)[1], lambda: (_spd(0, n=3),)),
    "cholesky": (lambda a: np.linalg.cholesky(a), lambda: (_spd(0, n=3),)),
    "eigh": (lambda a: np.linalg.eigh(a)[0], lambda: (_spd(0, n=3),)),
    "eigvals": (lambda a: np.real(np.linalg.eigvals(a)), lambda: (_spd(0, n=3),)),  # (was a crash)
    "eig_vectors": (lambda a: np.real(np.linalg.eig(a)[1]), lambda: (_spd(0, n=3),)),
    "svd": (lambda a: np.linalg.svd(a)[1], lambda: (_randn(0, 3, 2),)),
    "qr": (lambda a: np.linalg.qr(a)[1], lambda: (_randn(0, 3, 2),)),
    "pinv": (lambda a: np.linalg.pinv(a), lambda: (_randn(0, 3, 2),)),
    "matrix_power": (lambda a: np.linalg.matrix_power(a, 3), lambda: (_randn(0, 3, 3),)),
    "norm": (lambda a: np.linalg.norm(a, axis=(-2, -1)), lambda: (_randn(0, 2, 3),)),
}


@pytest.mark.parametrize("name", sorted(LINALG_CASES))
def test_batched_linalg_with_an_empty_batch(name):
    f, make = LINALG_CASES[name]
    _check_both_modes(f, list(make()))


def einsum_loss(a, b):
    return np.sum(np.sin(np.einsum("...ij,...jk->...ik", a, b)))


def outer_loss(a, b):
    return np.sum(np.sin(np.einsum("i,j->i", a, b))) + np.sum(a ** 2)


def matmul_loss(a, b):
    return np.sum(np.sin(a @ b))


def eig_loss(a):
    return np.sum(np.sin(np.real(np.linalg.eigvals(a))))


@pytest.mark.parametrize("loss, shapes", [(einsum_loss, ((0, 2, 3), (0, 3, 4))),
                                          (einsum_loss, ((2, 0), (0, 3))),
                                          (matmul_loss, ((0, 2, 3), (0, 3, 4))),
                                          (outer_loss, ((3,), (0,)))])
def test_second_order_with_size_zero_dimensions(loss, shapes):
    """tl.hessian of an argument with no entries is its (0, 0)-shaped Hessian (it stacked no rows: a
    crash); hvp and the VJP of the gradient have the arguments' shapes; a non-empty Hessian is the
    finite difference of the gradient."""
    a, b = (_randn(*s) for s in shapes)
    h = tl.hessian(loss, wrt=0)(a, b)
    assert h.shape == a.shape + a.shape
    grad_a = tl.grad(loss, wrt=0)
    if a.size:
        columns = [_fd_along(lambda x: grad_a(x, b), [a], [e.reshape(a.shape)]) for e in np.eye(a.size)]
        np.testing.assert_allclose(h.reshape(a.size, a.size), np.array(columns).reshape(a.size, a.size), atol=1e-5)
    assert tl.hvp(loss, a, np.ones_like(a), b).shape == a.shape
    assert tl.hessian(loss, wrt=1)(a, b).shape == b.shape + b.shape
    _, pullback = tl.vjp(tl.grad(loss, wrt=(0, 1)), a, b, wrt=(0, 1))
    assert [np.shape(c) for c in pullback((np.ones_like(a), np.ones_like(b)))] == [a.shape, b.shape]


def test_hessian_of_an_empty_argument_still_needs_a_scalar_output():
    with pytest.raises(tl.errors.NonScalarOutputError):
        tl.hessian(lambda x: x * 2.0)(np.zeros(0))
    assert tl.hessian(eig_loss)(np.zeros((0, 3, 3))).shape == (0, 3, 3, 0, 3, 3)


# ---------------------------------------------------------------- R6: bool and integer outputs

def allclose_of(x):
    return np.allclose(x, (x * 3.0) / 3.0)  # autograd's test_logic::test_nograd


def isclose_all(x):
    return np.isclose(x, x * 1.0).all()


def compares(x):
    return x[0] > 0.5


def counts(x):
    return np.count_nonzero(x > 1.0)


def sums_bools(x):
    return np.sum(x > 1.0)


def argmax_of(x):
    return np.argmax(x)


def length(x):
    return len(x)


def truncates(x):
    return int(np.sum(x))


def int_where(x):
    return np.where(x[0] > 0, 1, 0)


def zero_on_a_branch(x):
    if np.sum(x) > 100.0:
        return np.sum(x ** 2)
    return 0


NOT_FLOAT = [allclose_of, isclose_all, compares, counts, sums_bools, argmax_of, length, truncates, int_where,
             zero_on_a_branch]
X = np.array([1.0, 2.0, 3.0])


def _transformations():
    return {
        "grad": lambda f: tl.grad(f)(X),
        "value_and_grad": lambda f: tl.value_and_grad(f)(X),
        "vjp": lambda f: tl.vjp(f, X),
        "jacobian_reverse": lambda f: tl.jacobian(f, mode="reverse")(X),
        "jacobian_forward": lambda f: tl.jacobian(f, mode="forward")(X),
        "hessian": lambda f: tl.hessian(f)(X),
        "hvp": lambda f: tl.hvp(f, X, np.ones(3)),
        "grad_has_aux": lambda f: tl.grad(lambda x: (f(x), 1.0), has_aux=True)(X),
    }


@pytest.mark.parametrize("how", sorted(_transformations()))
@pytest.mark.parametrize("f", NOT_FLOAT, ids=lambda f: f.__name__)
def test_bool_and_integer_outputs_are_refused(f, how):
    with pytest.raises(ArgumentError, match=r"returned (a bool|an integer|an array of (bool|int))") as info:
        _transformations()[how](f)
    message = str(info.value)
    assert "not a float" in message and "has no derivative" in message
    assert "test_autograd_findings.py" in message  # the user's function is named by its place


def test_bool_array_output_of_vjp_and_jacobian_is_refused():
    with pytest.raises(ArgumentError, match="an array of bool of shape"):
        tl.vjp(lambda x: x > 1.0, X)
    with pytest.raises(ArgumentError, match="an array of bool of shape"):
        tl.jacobian(lambda x: x > 1.0)(X)


def test_float_outputs_next_to_bools_and_integers_still_work():
    # a float converted on purpose: its zero derivative is asked for
    assert np.all(tl.grad(lambda x: float(np.allclose(x, x * 1.0)))(X) == 0.0)
    # a constant float (no derivative flows): zeros, as before
    assert np.all(tl.grad(lambda x: 2.0)(X) == 0.0)
    # the branch that returns a float
    np.testing.assert_allclose(tl.grad(zero_on_a_branch)(X * 100.0), 2 * X * 100.0)
    # a bool as aux, an integer next to a float output
    g, aux = tl.grad(lambda x: (np.sum(x ** 2), np.allclose(x, x)), has_aux=True)(X)
    np.testing.assert_allclose(g, 2 * X)
    assert aux is True
    out, pullback = tl.vjp(lambda x: (np.sum(x ** 2), len(x)), X)
    assert out == (14.0, 3)
    np.testing.assert_allclose(pullback((1.0, 0)), 2 * X)


def test_forward_mode_keeps_the_zero_tangent_of_a_bool_output():
    """tl.jvp of a comparison: its tangent is zero (JAX's float0 zeros); only the transformations
    that seed the output's cotangent need a float output."""
    assert tl.jvp(compares, (X,), (np.ones(3),))[1] == 0.0


# ---------------------------------------------------------------- R2/R3: complex inputs get complex gradients

def _fd_complex_grad(u, z):
    """du/dx - 1j du/dy of a real-valued u at z = x + iy, by central differences (entry by entry)."""
    z = np.asarray(z, dtype=complex)
    out = np.zeros(z.shape, dtype=complex)
    for i in np.ndindex(z.shape):
        e = np.zeros(z.shape, dtype=complex)
        e[i] = 1.0
        dx = (u(z + EPS * e) - u(z - EPS * e)) / (2 * EPS)
        dy = (u(z + 1j * EPS * e) - u(z - 1j * EPS * e)) / (2 * EPS)
        out[i] = dx - 1j * dy
    return out


def reads_real(z):
    return np.sum(np.real(z))  # autograd's test_complex::test_real_type


def reads_real_attribute(z):
    return np.sum(z.real)


def reads_imag(z):
    return np.sum(np.imag(z))


def real_if_close(z):
    return np.sum(np.real_if_close(z))  # autograd's test_real_if_close_type


def squared_modulus(z):
    return np.sum(np.abs(z) ** 2)


def phase(z):
    return np.sum(np.angle(z))


def squared_real_part(z):
    return np.sum(np.real(z) ** 2)


def constant(z):
    return 2.0


COMPLEX_FUNCTIONS = [reads_real, reads_real_attribute, reads_imag, real_if_close, squared_modulus, phase,
                     squared_real_part, constant]
COMPLEX_INPUTS = {
    "python": lambda: 0.7 + 0.4j,
    "complex128": lambda: np.complex128(0.7 + 0.4j),
    "complex64": lambda: np.complex64(0.7 + 0.4j),
    "0-d": lambda: np.array(0.7 + 0.4j),
    "array": lambda: np.array([0.7 + 0.4j, -1.2 + 0.3j]),
    "array64": lambda: np.array([0.7 + 0.4j, -1.2 + 0.3j], dtype=np.complex64),
}


def _same_kind(g, z):
    if isinstance(z, np.ndarray):
        return type(g) is np.ndarray and g.dtype == z.dtype and g.shape == z.shape
    return type(g) is type(z)


@pytest.mark.parametrize("kind", sorted(COMPLEX_INPUTS))
@pytest.mark.parametrize("f", COMPLEX_FUNCTIONS, ids=lambda f: f.__name__)
def test_a_complex_input_gets_a_complex_gradient_of_its_kind(f, kind):
    z = COMPLEX_INPUTS[kind]()
    reference = _fd_complex_grad(lambda v: np.real(f(v)), z)
    tol = 1e-3 if np.asarray(z).dtype == np.complex64 else 1e-6
    for g in (tl.grad(f)(z), tl.value_and_grad(f)(z)[1], tl.vjp(f, z)[1](1.0)):
        assert _same_kind(g, z), (type(g), getattr(g, "dtype", None))
        np.testing.assert_allclose(np.asarray(g).reshape(np.shape(z)), reference, atol=tol)


@pytest.mark.parametrize("kind", ["python", "complex128", "0-d", "array"])
@pytest.mark.parametrize("f", [reads_real, squared_real_part, squared_modulus, constant], ids=lambda f: f.__name__)
def test_real_inputs_keep_real_gradients_of_their_kind(f, kind):
    z = COMPLEX_INPUTS[kind]()
    x = np.real(z) if isinstance(z, np.ndarray) else (float(np.real(z)) if kind == "python" else np.float64(z.real))
    g = tl.grad(f)(x)
    if isinstance(x, np.ndarray):
        assert type(g) is np.ndarray and g.dtype == np.float64 and g.shape == x.shape
    else:
        assert type(g) is float
    if kind == "array":
        np.testing.assert_allclose(g, [_fd_along(f, [x], [e])[()] for e in np.eye(x.size)], atol=1e-6)


def real_part(x):
    return np.real(x)


def modulus(x):
    return np.abs(x)


def squares(x):
    return x * x


@pytest.mark.parametrize("kind", ["python", "complex128", "0-d", "array"])
@pytest.mark.parametrize("f", [real_part, modulus, squares], ids=lambda f: f.__name__)
def test_second_order_through_the_generated_jvp_keeps_complex_cotangents(f, kind):
    """autograd's test_systematic::test_real: the VJP of the generated JVP (x, t) -> f'(x) t with
    respect to the complex x and t is complex (it was real for np.real), and is the gradient of
    Re(<w, f'(x) t>) by finite differences in the real and imaginary parts of x and of t."""
    z = COMPLEX_INPUTS[kind]()
    t = z * (0.5 - 1.5j) + 0.25j
    fj, _ = tl.tangent_function(f, wrt=(0,))  # fj(x, t) = (f(x), f'(x) t)
    out, pullback = tl.vjp(fj, z, t, wrt=(0, 1))
    w = tuple(np.ones(np.shape(o)) * (1.0 if np.isrealobj(o) else 0.3 - 0.8j) for o in out)
    bars = pullback(w)
    for bar, arg in zip(bars, (z, t)):
        assert _same_kind(bar, arg), (type(bar), getattr(bar, "dtype", None))

    def u(zv, tv):
        value, tangent = fj(zv, tv)
        return np.real(np.sum(w[0] * value) + np.sum(w[1] * tangent))

    np.testing.assert_allclose(np.asarray(bars[0]).reshape(np.shape(z)),
                               _fd_complex_grad(lambda v: u(v, t), z), atol=1e-5)
    np.testing.assert_allclose(np.asarray(bars[1]).reshape(np.shape(z)),
                               _fd_complex_grad(lambda v: u(z, v), t), atol=1e-5)


def test_complex_output_gradient_is_that_of_its_real_part():
    """R7 (autograd refuses a complex output in grad): tangent_lite follows its documented
    convention, tl.grad differentiates the real part of a complex result (docs/complex-numbers.md)."""
    assert tl.grad(lambda x: x * (1.0 + 0.2j))(1.0) == 1.0
    assert tl.grad(lambda x: np.real(x * (1.0 + 0.2j)))(1.0) == 1.0
