"""Held-out check of issue 14's patterns ("the Python people actually write").

One small program per pattern the issue lists, written from the issue's text alone, each run in
reverse mode, forward mode and at second order against central finite differences
(tl.check_grads: JVP vs FD, the JVP/VJP dot-product identity, forward over forward vs FD of the
JVP, and for scalar results forward over reverse and reverse over reverse). Transformations of
transformations (grad of grad, jacobian of grad, ...) are checked against finite differences of
the inner transformation. Patterns Python 3.9 cannot parse (``match``) live in a string compiled
into a temporary module, skipped below 3.10.
"""
from __future__ import annotations

import functools
import logging
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError

sp = pytest.importorskip("scipy.special")
sla = pytest.importorskip("scipy.linalg")

MODES = ("reverse", "forward", "second")


def _check(f, args, mode, **kw):
    if mode == "reverse":
        tl.check_grads(f, args, modes=("reverse",), **kw)
    elif mode == "forward":
        tl.check_grads(f, args, modes=("forward",), **kw)
    else:
        tl.check_grads(f, args, order=2, **kw)


def _x(n=4, seed=0):
    return np.random.default_rng(seed).uniform(0.3, 0.9, size=n)


# --- statements and expressions of ordinary numerical code -----------------------------------

def p_raise(x):
    if np.any(x < 0):
        raise ValueError("x must be non-negative")
    return np.sum(x ** 3)


def p_with_errstate(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x) * x
    return np.sum(y * y)


def p_try_except_else_finally(x):
    total = 0.0
    try:
        y = np.sin(x)
    except ValueError:
        y = x
    else:
        total = total + np.sum(y * x)
    finally:
        total = total + 1.0
    return total + np.sum(y ** 2)


def p_try_except_ran(x):
    try:
        y = float(np.sum(x)) / 0.0
    except ZeroDivisionError:
        y = np.sum(np.cos(x))
    return y * y


def _star_inner(*args, **kwargs):
    s = 0.0
    for a in args:
        s = s + np.sum(a * a)
    return s * kwargs["scale"] + kwargs.get("shift", 0.0)


def p_star_args_kwargs(x):
    return _star_inner(x, np.sin(x), scale=2.0, shift=np.sum(x))


def p_star_call(x):
    xs = (x, x * x)
    kw = {"scale": 3.0}
    return _star_inner(*xs, **kw)


def p_randn_shape(x):
    np.random.seed(0)
    noise = np.random.randn(*x.shape)
    return np.sum((x + 0.1 * noise) ** 2)


def p_walrus(x):
    if (n := np.sum(x * x)) > 0.0:
        return n * np.sum(x)
    return n


def p_del(x):
    y = x * 2.0
    z = np.sin(y)
    del y
    return np.sum(z * x)


def p_dict_call(x):
    d = dict(a=x, b=np.cos(x))
    return np.sum(d["a"] * d["b"])


def p_astype(x):
    y = (x * 3.0).astype(float)
    z = y.astype(np.float64)
    return np.sum(z * x)


SCALE = 2.0


def p_global_read(x):
    return np.sum(x * x) * SCALE


def p_print_logging(x):
    y = np.sin(x)
    print("y =", y)
    logging.getLogger("issue14").debug("y = %s", y)
    return np.sum(y * x)


MATCH_SRC = '''
import numpy as np

def p_match(x, kind="square"):
    match kind:
        case "square":
            y = x * x
        case "sin":
            y = np.sin(x)
        case _:
            y = x
    return np.sum(y * x)
'''


# --- complex numbers ----------------------------------------------------------------------

def p_complex_intermediate(x):
    z = x * (1.0 + 2.0j)
    return np.sum(np.abs(z * z))


def p_abs_fft(x):
    return np.sum(np.abs(np.fft.fft(x)) ** 2)


def p_conj_real_imag(x):
    z = np.exp(1j * x) * x
    return np.sum(np.real(z * np.conj(z)) + np.imag(z) ** 2)


def p_angle(x):
    z = x + 1j * x * x
    return np.sum(np.angle(z))


def p_real_of_complex_input(z):
    return np.sum(np.abs(z) ** 2 + np.real(z))


def p_holomorphic(z):
    return np.sin(z) * z


# --- np.fft ----------------------------------------------------------------------------------

def p_fft(x):
    return np.sum(np.abs(np.fft.fft(x) + np.fft.ifft(x)) ** 2)


def p_rfft_irfft(x):
    return np.sum(np.fft.irfft(np.fft.rfft(x) * np.fft.rfft(x), n=x.shape[0]))


def p_fft2(x):
    a = x.reshape(2, 2)
    return np.sum(np.abs(np.fft.fft2(a)) ** 2 + np.real(np.fft.ifft2(a * a)))


def p_fftn(x):
    a = x.reshape(2, 2)
    return np.sum(np.abs(np.fft.fftn(a * a)) ** 2 + np.imag(np.fft.ifftn(a)) ** 2)


def p_fftshift(x):
    return np.sum(np.fft.fftshift(x) * np.arange(4.0) + np.fft.ifftshift(x * x) * np.arange(4.0))


# --- NumPy functions listed ------------------------------------------------------------------

def p_linspace_active(x):
    return np.sum(np.linspace(x[0], x[1], 5) ** 2)


def p_partition(x):
    return np.sum(np.partition(x, 1)[:2] ** 2)


def p_gradient(x):
    return np.sum(np.gradient(x * x) ** 2)


def p_row_stack(x):
    return np.sum(np.vstack([x, x * x]) ** 2)


def p_real_if_close(x):
    return np.sum(np.real_if_close(x + 0j) ** 2)


def p_eigvals(x):
    a = np.array([[x[0], x[1]], [x[2], x[3] + 2.0]])
    return np.sum(np.real(np.linalg.eigvals(a @ a.T)))


def p_eig(x):
    a = np.array([[x[0] + 2.0, x[1]], [x[1], x[3]]])
    w, v = np.linalg.eig(a)
    return np.sum(np.real(w) ** 2)


def p_einsum_sublist(x):
    a = x.reshape(2, 2)
    return np.einsum(a, [0, 1], a, [1, 2], [0, 2]).sum()


def p_full_like(x):
    return np.sum(np.full_like(x, x[0]) * x)


def p_cov(x):
    a = np.stack([x, x * x, np.sin(x)])
    return np.sum(np.cov(a) ** 2)


def p_corrcoef(x):
    a = np.stack([x, x * x + 1.0, np.sin(3.0 * x)])
    return np.sum(np.corrcoef(a) ** 2)


def p_lstsq(x):
    A = np.stack([np.ones(4), x]).T
    b = np.cos(x)
    return np.sum(np.linalg.lstsq(A, b, rcond=None)[0] ** 2)


def p_ufunc_reduce_outer(x):
    return np.add.reduce(x * x) + np.sum(np.multiply.outer(x, x) ** 2)


def p_item(x):
    return (np.sum(x * x)).item() * 1.0 + np.sum(x)


def p_einsum2(x):
    return np.einsum("i,i->", x, np.sin(x)) ** 2


def p_norm2(x):
    return np.linalg.norm(x) ** 3


def p_concatenate2(x):
    return np.sum(np.concatenate([x, x * x]) ** 3)


def p_repeat2(x):
    return np.sum(np.repeat(x, 2) ** 3)


def p_sort2(x):
    return np.sum(np.sort(x * np.arange(1.0, 5.0)) ** 3 * np.arange(4.0))


def p_diff2(x):
    return np.sum(np.diff(x * x) ** 3)


def p_pad2(x):
    return np.sum(np.pad(x, 1, mode="edge") ** 3)


# --- SciPy -----------------------------------------------------------------------------------

def p_sp_expit_logit(x):
    return np.sum(sp.expit(x) + sp.logit(x * 0.9))


def p_sp_logsumexp(x):
    return sp.logsumexp(x * x)


def p_sp_softmax(x):
    return np.sum(sp.softmax(x) * np.arange(4.0)) + np.sum(sp.log_softmax(x) * x)


def p_sp_gamma_family(x):
    return np.sum(sp.gammaln(x + 1.0) + sp.digamma(x + 1.0) + sp.polygamma(1, x + 1.0))


def p_sp_erf_family(x):
    return np.sum(sp.erf(x) + sp.erfc(x) * x + sp.erfinv(x * 0.9))


def p_sp_xlogy(x):
    return np.sum(sp.xlogy(x, x + 1.0) + sp.xlog1py(x, x))


def p_sp_bessel(x):
    return np.sum(sp.i0(x) * sp.i1(x))


def p_sp_ndtr(x):
    return np.sum(sp.ndtr(x) + sp.log_ndtr(x) * x)


def p_sp_betaln(x):
    return sp.betaln(x[0] + 1.0, x[1] + 2.0) * x[2]


def _spd(x):
    a = np.array([[x[0], x[1]], [x[2], x[3]]])
    return a @ a.T + 2.0 * np.eye(2)


def p_sla_solve_triangular(x):
    L = np.tril(_spd(x))
    return np.sum(sla.solve_triangular(L, x[:2], lower=True) ** 2)


def p_sla_cho(x):
    c = sla.cho_factor(_spd(x))
    return np.sum(sla.cho_solve(c, x[:2]) ** 2)


def p_sla_lu(x):
    lu = sla.lu_factor(_spd(x))
    return np.sum(sla.lu_solve(lu, x[:2]) ** 2)


def p_sla_expm(x):
    return np.sum(sla.expm(0.3 * _spd(x)))


def p_sla_sqrtm(x):
    return np.sum(sla.sqrtm(_spd(x)))


def p_sla_logm(x):
    return np.sum(sla.logm(_spd(x)))


def p_cov_y(x):
    return np.sum(np.cov(x * x, np.sin(x)) ** 2) + np.sum(np.cov(np.stack([x, x ** 3]), rowvar=False) ** 2)


def p_corrcoef_y(x):
    return np.sum(np.corrcoef(x * x, np.sin(3.0 * x)) ** 2) + np.sum(
        np.corrcoef(np.stack([x, x ** 3 + 1.0, np.cos(x)]).T, rowvar=False) ** 2)


PROGRAMS = {name[2:]: fn for name, fn in sorted(globals().items()) if name.startswith("p_") and callable(fn)}
ARGS = {
    "real_of_complex_input": lambda: (_x() + 1j * _x(seed=1),),
    "holomorphic": lambda: (np.complex128(0.4 + 0.3j),),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_pattern(name, mode):
    args = ARGS.get(name, lambda: (_x(),))()
    _check(PROGRAMS[name], args, mode)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["square", "sin", "other"])
def test_match(kind, mode, tmp_path, monkeypatch):
    (tmp_path / "issue14_match.py").write_text(textwrap.dedent(MATCH_SRC))
    monkeypatch.syspath_prepend(str(tmp_path))
    import issue14_match

    _check(issue14_match.p_match, (_x(), kind), mode)


@pytest.mark.parametrize("mode", MODES)
def test_global_read_that_changes(mode, monkeypatch):
    global SCALE
    for value in (2.0, -3.5):
        monkeypatch.setattr(sys.modules[__name__], "SCALE", value)
        _check(p_global_read, (_x(),), mode)
        assert np.allclose(tl.grad(p_global_read)(_x()), 2 * value * _x())



# --- transformations compose -----------------------------------------------------------------

def f_scalar(x):
    return np.sin(x) * x ** 3


def f_vec(x):
    return np.sum(np.tanh(x) * x ** 2)


def f_aux(x):
    loss = np.sum(np.sin(x) * x)
    return loss, {"norm": np.sum(x * x)}


COMPOSED = {  # a transformation of a transformation, itself checked in every mode and at second order
    "grad_grad": (lambda: tl.grad(tl.grad(f_scalar)), lambda: (0.7,)),
    "grad_grad_grad": (lambda: tl.grad(tl.grad(tl.grad(f_scalar))), lambda: (0.7,)),
    "jacobian_grad": (lambda: tl.jacobian(tl.grad(f_vec)), lambda: (_x(3),)),
    "hessian_of_scalar_grad": (lambda: tl.hessian(tl.grad(f_scalar)), lambda: (0.7,)),
    "grad_inside": (lambda: tl.grad(lambda x: tl.grad(f_vec)(x) @ x), lambda: (_x(3),)),
    "gradient_penalty": (lambda: (lambda x: f_vec(x) + np.sum(tl.grad(f_vec)(x) ** 2)), lambda: (_x(3),)),
    "value_and_grad_value": (lambda: (lambda x: tl.value_and_grad(f_vec)(x)[1] * 2.0), lambda: (_x(3),)),
    "grad_has_aux": (lambda: (lambda x: tl.grad(f_aux, has_aux=True)(x)[0]), lambda: (_x(3),)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_composed(name, mode):
    make, args = COMPOSED[name]
    _check(make(), args(), mode)


def test_composed_values():
    x = 0.7
    d1 = np.cos(x) * x ** 3 + 3 * np.sin(x) * x ** 2
    d2 = -np.sin(x) * x ** 3 + 6 * np.cos(x) * x ** 2 + 6 * np.sin(x) * x
    d3 = -np.cos(x) * x ** 3 - 9 * np.sin(x) * x ** 2 + 18 * np.cos(x) * x + 6 * np.sin(x)
    assert np.allclose(tl.grad(f_scalar)(x), d1)
    assert np.allclose(tl.grad(tl.grad(f_scalar))(x), d2)
    assert np.allclose(tl.grad(tl.grad(tl.grad(f_scalar)))(x), d3)
    v = _x(3)
    assert np.allclose(tl.jacobian(tl.grad(f_vec))(v), tl.hessian(f_vec)(v))


def test_has_aux_everywhere():
    x = _x(3)
    g = np.cos(x) * x + np.sin(x)
    grad, aux = tl.grad(f_aux, has_aux=True)(x)
    assert np.allclose(grad, g) and np.isclose(aux["norm"], np.sum(x * x))
    (value, aux), grad = tl.value_and_grad(f_aux, has_aux=True)(x)
    assert np.isclose(value, np.sum(np.sin(x) * x)) and np.allclose(grad, g)
    out, pullback, aux = tl.vjp(f_aux, x, has_aux=True)
    assert np.allclose(pullback(1.0)[0] if isinstance(pullback(1.0), tuple) else pullback(1.0), g)
    jac, aux = tl.jacobian(f_aux, has_aux=True)(x)
    assert np.allclose(jac, g) and np.isclose(aux["norm"], np.sum(x * x))


@pytest.mark.parametrize("kw", ["argnums", "argnum"])
def test_argnums_names_wrt(kw):
    with pytest.raises(TypeError, match="wrt="):
        tl.grad(f_vec, **{kw: 0})


# --- every kind of callable --------------------------------------------------------------------

class Model:
    scale = 1.5

    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return np.sum(np.tanh(self.w * x) ** 2)

    @classmethod
    def closs(cls, x):
        return np.sum(np.sin(x) * x) * cls.scale

    def __call__(self, x):
        return np.sum(self.w * x ** 3)

    @tl.differentiate
    def dloss(self, x):
        return np.sum(np.exp(self.w * x))


def _forwarding(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def _scaling(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


@_forwarding
def wrapped_forwarding(x):
    return np.sum(np.cos(x) * x)


@_scaling
def wrapped_scaling(x):
    return np.sum(np.cos(x) * x)


@functools.lru_cache(maxsize=128)
def cached(x):
    return np.sin(x) * x * x


def uses_cached(x):
    return cached(float(x[0])) * 0.0 + np.sum(x * x)  # (float(): a constant read: not differentiated)


TWO = (lambda x: np.sum(x * x)), (lambda x: np.sum(np.sin(x)))
TABLE = {
    "cube":
        lambda x: np.sum(x ** 3),
    "exp": lambda x: np.sum(np.exp(x)),
}


def p_map_lambda(x):
    return sum(map(lambda v: v * v, [x[0], x[1], x[2]]))


def p_sorted_key(x):
    ys = sorted([x[0], x[1], x[2]], key=lambda v: -v)
    return ys[0] * 2.0 + ys[1] * ys[2]


def p_reduce_lambda(x):
    return functools.reduce(lambda a, b: a * b + a, [x[0], x[1], x[2]])


M = Model(np.array([0.5, 0.1, -0.3]))
CALLABLES = {
    "bound_method": lambda: M.loss,
    "classmethod": lambda: Model.closs,
    "callable_object": lambda: M,
    "differentiate_as_method": lambda: M.dloss,
    "wraps_forwarding": lambda: wrapped_forwarding,
    "wraps_not_forwarding": lambda: wrapped_scaling,
    "lru_cache": lambda: cached,
    "two_lambdas_first": lambda: TWO[0],
    "two_lambdas_second": lambda: TWO[1],
    "lambda_in_multiline_literal": lambda: TABLE["cube"],
    "lambda_in_literal": lambda: TABLE["exp"],
    "map_lambda": lambda: p_map_lambda,
    "sorted_key_lambda": lambda: p_sorted_key,
    "reduce_lambda": lambda: p_reduce_lambda,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_callable(name, mode):
    args = (0.7,) if name == "lru_cache" else (_x(3),)
    _check(CALLABLES[name](), args, mode)


def test_method_wrt_self():
    x = _x(3)
    g = tl.grad(Model.loss, wrt="self")(M, x)
    assert type(g) is Model
    t = np.tanh(M.w * x)
    assert np.allclose(g.w, 2 * t * (1 - t * t) * x)
    assert np.allclose(tl.grad(wrapped_scaling)(x), 2.0 * tl.grad(wrapped_forwarding)(x))


# --- *args / **kwargs parameters of the function differentiated --------------------------------

def va_star(*xs):
    return np.sum(xs[0] * np.sin(xs[1]))


def va_named_and_star(x, *rest, scale=1.0):
    return np.sum(x * rest[0] ** 2) * scale + np.sum(rest[-1])


def va_kwargs(x, **opts):
    return np.sum(np.cos(x) * x) * opts["scale"] + opts.get("shift", 0.0)


def _sym(a):
    return 0.5 * (a + a.T)


def _tanh_form(a, b):
    return np.sum(np.tanh(a) @ b)


symmetrized = lambda *args: _tanh_form(_sym(args[0]), *args[1:])  # noqa: E731 (autograd's test_linalg)


def va_scaled(x, *rest, scale):
    return va_named_and_star(x, *rest, scale=scale)


def va_kwargs_called(x, scale, shift):
    return va_kwargs(x, scale=scale, shift=shift)


VARARGS = {
    "star": (va_star, lambda: (_x(3), _x(3, seed=1))),
    "named_and_star": (va_named_and_star, lambda: (_x(3), _x(3, seed=1), _x(3, seed=2))),
    "keyword_only_after_star": (lambda x, y, z: va_scaled(x, y, z, scale=3.0),
                                lambda: (_x(3), _x(3, seed=1), _x(3, seed=2))),
    "kwargs": (va_kwargs_called, lambda: (_x(3), 2.0, 1.0)),
    "lambda_star_slice": (symmetrized, lambda: (_x(9).reshape(3, 3), _x(3, seed=1))),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(VARARGS))
def test_varargs_parameters(name, mode):
    f, args = VARARGS[name]
    _check(f, args(), mode)


@pytest.mark.parametrize("mode", MODES)
def test_kwargs_parameter_called_with_keywords(mode):
    x = _x(3)
    if mode == "reverse":
        _, pullback = tl.vjp(va_kwargs, x, scale=2.0, shift=1.0)
        assert np.allclose(pullback(1.0), 2.0 * (np.cos(x) - x * np.sin(x)))
    elif mode == "forward":
        f = tl.grad(va_kwargs)
        assert np.allclose(f(x, scale=2.0, shift=1.0), 2.0 * (np.cos(x) - x * np.sin(x)))
        assert np.allclose(f(x, scale=3.0), 3.0 * (np.cos(x) - x * np.sin(x)))
    else:
        assert np.allclose(tl.hessian(va_kwargs)(x, scale=2.0), np.diag(2.0 * (-2 * np.sin(x) - x * np.cos(x))))


def test_varargs_every_transformation():
    x, y = _x(3), _x(3, seed=1)
    assert np.allclose(tl.grad(va_star)(x, y), np.sin(y))
    gx, gy = tl.grad(va_star, wrt=(0, 1))(x, y)
    assert np.allclose(gx, np.sin(y)) and np.allclose(gy, x * np.cos(y))
    assert np.allclose(tl.grad(va_star, wrt="xs_1")(x, y), x * np.cos(y))
    value, g = tl.value_and_grad(va_star, wrt=1)(x, y)
    assert np.isclose(value, va_star(x, y)) and np.allclose(g, x * np.cos(y))
    assert np.allclose(tl.jacobian(va_star, wrt=1)(x, y), x * np.cos(y))
    assert np.allclose(tl.hessian(va_star, wrt=1)(x, y), np.diag(-x * np.sin(y)))
    assert np.allclose(tl.hvp(va_star, y, x, x, wrt=1), -y * np.sin(x) * x)  # (xs_0 = y, xs_1 = x)
    assert np.isclose(tl.jvp(va_star, (x, y), (y,))[1], np.sum(y * np.sin(y)))
    assert np.allclose(tl.vjp(va_star, x, y, wrt=1)[1](2.0), 2 * x * np.cos(y))
    assert np.allclose(tl.grad(va_kwargs)(x, scale=2.0), 2.0 * (np.cos(x) - x * np.sin(x)))
    assert np.allclose(tl.grad(va_named_and_star, wrt=1)(x, y, scale=3.0), 6.0 * x * y + 1.0)
    assert np.allclose(tl.grad(va_star)(x, y, x), np.sin(y))  # (a third argument: another function)
    # transformations of transformations
    assert np.isclose(tl.grad(tl.grad(lambda *a: np.sin(a[0]) * a[1]), wrt=1)(0.3, 0.5), np.cos(0.3))
    assert np.allclose(tl.jacobian(tl.grad(va_star, wrt=1), wrt=1)(x, y), np.diag(-x * np.sin(y)))


def test_varargs_keyword_only_clash_refused():
    def f(*xs, **kw):
        return np.sum(xs[0]) * kw["xs_0"]

    with pytest.raises(TangentLiteError, match="variable number of arguments"):
        tl.grad(f)(_x(3), xs_0=2.0)
