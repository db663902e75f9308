"""scipy.special.logsumexp and scipy.optimize.rosen on array-api-strict arrays (issue 15's acceptance
test): with SCIPY_ARRAY_API=1 set before SciPy is imported, SciPy computes with the arrays' own
namespace, and tangent_lite's gradients and tangents stay array-api-strict arrays of the input's dtype,
equal to the softmax (and exp(a) / sum(b exp(a)) for the weights) and to rosen_der.  Both ways in:
logsumexp differentiated through its source (tl.grad(logsumexp)) and its rule (called from the user's
function).  SciPy reads the variable once, at import: the checks run in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")
pytest.importorskip("scipy.special")

CHILD = r'''
import json
import sys

import array_api_strict as xps
import numpy as np
import scipy.optimize as so
import scipy.special as sp
from array_api_compat import array_namespace

import tangent_lite as tl


def lse_rows(x):
    xp = array_namespace(x)
    return xp.sum(sp.logsumexp(x, axis=1) ** 2)


def lse_cols_keep(x):
    xp = array_namespace(x)
    return xp.sum(sp.logsumexp(x, axis=0, keepdims=True))


def lse_weighted(x, w):
    return sp.logsumexp(x, b=w)


def softmax(x, axis=None, b=None):
    lse = sp.logsumexp(x, axis=axis, b=b, keepdims=True)
    return (1.0 if b is None else b) * np.exp(x - lse)


out = {}
a = np.array([[0.3, -0.7, 1.1], [0.2, 2.0, -1.0]])
v = np.cos(np.arange(6.0)).reshape(2, 3)
bw = np.array([[0.5, 1.5, 2.0], [1.0, 0.3, 0.7]])
lse_a = sp.logsumexp(a, axis=1, keepdims=True)
want = {
    "whole": (softmax(a), np.sum(softmax(a) * v)),
    "rows": (2 * lse_a * softmax(a, axis=1), np.sum(2 * lse_a * softmax(a, axis=1) * v)),
    "cols": (softmax(a, axis=0), np.sum(softmax(a, axis=0) * v)),
    "weighted": (softmax(a, b=bw), np.sum(softmax(a, b=bw) * v)),
}
checks = []
for dt, rtol in (("float64", 1e-12), ("float32", 1e-5)):
    A, V, B = (xps.asarray(z.astype(dt)) for z in (a, v, bw))
    for name, f, args in (("whole", sp.logsumexp, (A,)), ("rows", lse_rows, (A,)), ("cols", lse_cols_keep, (A,)),
                          ("weighted", lse_weighted, (A, B))):
        g = tl.grad(f)(*args)
        value, t = tl.jvp(f, args, (V,))
        ok = (type(g) is type(A) and g.dtype == A.dtype and type(t) is type(A) and t.dtype == A.dtype
              and np.allclose(np.asarray(g), want[name][0], rtol=rtol, atol=rtol)
              and np.allclose(float(t), want[name][1], rtol=rtol, atol=rtol)
              and np.allclose(float(value), float(np.asarray(f(*args))), rtol=rtol))
        checks.append([dt, name, bool(ok), str(type(g)), str(g.dtype)])
    # the weights' own gradient: exp(a) / sum(b exp(a))
    gb = tl.grad(lse_weighted, wrt=1)(A, B)
    checks.append([dt, "weights", bool(type(gb) is type(A) and np.allclose(
        np.asarray(gb), np.exp(a) / np.sum(bw * np.exp(a)), rtol=rtol, atol=rtol)), str(type(gb)), str(gb.dtype)])
# scipy.optimize.rosen through its source, as the docs claim
x = np.array([0.3, -1.2, 0.8, 1.5, 0.1])
X = xps.asarray(x)
g = tl.grad(so.rosen)(X)
_, t = tl.jvp(so.rosen, (X,), (xps.asarray(np.ones(5)),))
checks.append(["float64", "rosen", bool(type(g) is type(X) and np.allclose(np.asarray(g), so.rosen_der(x), rtol=1e-12)
                                        and np.allclose(float(t), so.rosen_der(x).sum(), rtol=1e-12)),
               str(type(g)), str(g.dtype)])
print(json.dumps(checks))
'''


def test_logsumexp_and_rosen_on_array_api_strict_in_both_modes(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, SCIPY_ARRAY_API="1", TANGENT_LITE_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600,
                          cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    checks = json.loads(done.stdout.strip().splitlines()[-1])
    failed = [c for c in checks if not c[2]]
    assert not failed, failed
    assert len(checks) == 11
