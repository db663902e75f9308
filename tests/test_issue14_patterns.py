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
from tangent_lite.errors import UnsupportedConstructError

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

