"""``adgen --mode hessian`` (and hvp) files run without tangent_lite (breaker round 27): the
derivatives of runtime helpers that second order differentiates read runtime functions
(``as_array``, ``namespace``, ``unbroadcast``, ...); the file took them with
``from tangent_lite.runtime.blocks import ...``.  They now come from the inlined helpers."""

import re

import numpy as np
import pytest
from test_cli import run_adgen, run_standalone

import tangent_lite as tl

MODEL = '''import numpy as np


def f_solve(A):
    x = np.linalg.solve(A + 0.5 * np.eye(2), np.ones(2))
    return np.sum(x ** 2)


def f_inv(A):
    return np.sum(np.linalg.inv(A) ** 2)


def f_det(A):
    return np.linalg.det(A)


def f_slogdet(A):
    return np.linalg.slogdet(A)[1]


def f_chol(A):
    L = np.linalg.cholesky(A @ A.T + np.eye(2))
    return np.sum(L ** 2)


def f_eigh(A):
    w, V = np.linalg.eigh(A + A.T)
    return np.sum(w ** 3)


def f_pinv(A):
    return np.sum(np.linalg.pinv(A))


def f_svd(A):
    return np.sum(np.linalg.svd(A, compute_uv=False))


def f_qr(A):
    Q, R = np.linalg.qr(A)
    return np.sum(R ** 2)


def f_lstsq(A):
    return np.sum(np.linalg.lstsq(A, np.ones(2), rcond=None)[0] ** 2)
'''

NAMES = re.findall(r"^def (\w+)", MODEL, re.M)
A = np.array([[2.0, 0.3], [0.1, 1.5]])


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("adgen2")
    (d / "la2.py").write_text(MODEL)
    return d / "la2.py"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mode", ["hessian", "hvp"])
def test_second_order_files_run_without_tangent_lite(model, tmp_path, monkeypatch, name, mode):
    out = tmp_path / f"{name}_{mode}.py"
    proc = run_adgen(f"{model}:{name}", "--mode", mode, "-o", out)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert not re.search(r"^\s*(import|from)\s+tangent_lite", text, re.M)
    monkeypatch.syspath_prepend(str(model.parent))
    mod = __import__(model.stem)
    if mode == "hessian":
        got = run_standalone(out, f"{name}_hessian", [A], [], cwd=tmp_path)
        np.testing.assert_allclose(got, tl.hessian(getattr(mod, name))(A), rtol=1e-10, atol=1e-12)
    else:
        v = np.array([[0.3, -0.2], [0.5, 1.0]])
        got = run_standalone(out, f"{name}_hvp", [A, v], [], cwd=tmp_path)
        np.testing.assert_allclose(got, tl.hvp(getattr(mod, name), A, v), rtol=1e-10, atol=1e-12)
