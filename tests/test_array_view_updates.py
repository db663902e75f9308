"""``y[:, 0] *= 3`` and other augmented updates of views that cross an array's rows (breaker round 27):
the general derivative code (batched jvp, forward jacobian, grad of grad, check_grads, adgen files)
checked the array as if it were a list whose entries may hold the same array, and refused it; the
specialised code tl.grad and tl.jvp run did not check.  Every entry point must give the derivative."""

import numpy as np
import pytest

import tangent_lite as tl

UPDATES = {
    "column": "y[:, 0] *= 3.0",
    "ellipsis": "y[..., 0] *= 3.0",
    "columns_from_1": "y[:, 1:] *= 2.0",
    "every_other_column": "y[:, ::2] -= x[:, 1:2]",
    "tuple_index": "idx = (slice(None), 0)\n    y[idx] *= 3.0",
    "column_plus": "y[..., 0] += x[..., 1] * x[..., 2]",
    "rows_and_column": "y[1:, 0] += x[:-1, 2]",
}


def _load(tmp_path, monkeypatch, name, tag=""):
    path = tmp_path / f"vu_{name}{tag}.py"
    path.write_text("import numpy as np\n\n\ndef lay(x):\n    y = x * x\n    " + UPDATES[name]
                    + "\n    return y\n\n\ndef f(x):\n    return np.sum(np.sin(lay(x)))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return __import__(path.stem)


def _fd_jacobian(g, x, eps=1e-6):
    cols = []
    for e in np.eye(x.size):
        e = e.reshape(x.shape)
        cols.append((np.asarray(g(x + eps * e)) - np.asarray(g(x - eps * e))) / (2 * eps))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(g(x)) + x.shape)


@pytest.mark.parametrize("name", sorted(UPDATES))
@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 3)])
def test_view_updates_in_every_entry_point(tmp_path, monkeypatch, name, shape):
    mod = _load(tmp_path, monkeypatch, name, f"_{len(shape)}")
    x = np.linspace(0.3, 1.7, int(np.prod(shape))).reshape(shape)
    grad = _fd_jacobian(mod.f, x)
    np.testing.assert_allclose(tl.grad(mod.f)(x), grad, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.jacobian(mod.lay, mode="forward")(x), _fd_jacobian(mod.lay, x),
                               rtol=1e-6, atol=1e-8)
    vs = np.stack([np.cos(np.arange(x.size)).reshape(shape), np.ones(shape)])
    np.testing.assert_allclose(tl.jvp(mod.f, (x,), (vs,), batched=True)[1],
                               [np.sum(grad * v) for v in vs], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.hessian(mod.f)(x).reshape(x.size, x.size),
                               _fd_jacobian(tl.grad(mod.f), x).reshape(x.size, x.size), rtol=1e-5, atol=1e-6)
    gsum = tl.grad(lambda z: np.sum(tl.grad(mod.f)(z) ** 2))(x)
    np.testing.assert_allclose(gsum, _fd_jacobian(lambda z: np.sum(tl.grad(mod.f)(z) ** 2), x),
                               rtol=1e-5, atol=1e-6)
    tl.check_grads(mod.f, (x,), order=2)


def test_adgen_files_take_view_updates(tmp_path, monkeypatch):
    from tangent_lite import cli

    mod = _load(tmp_path, monkeypatch, "column")
    out = tmp_path / "vu_column_vjp.py"
    monkeypatch.chdir(tmp_path)
    assert cli.main([f"{mod.__file__}:f", "-o", str(out)]) in (0, None)
    gen = __import__("vu_column_vjp")
    x = np.linspace(0.3, 1.7, 6).reshape(2, 3)
    np.testing.assert_allclose(gen.f_vjp(x)[1], _fd_jacobian(mod.f, x), rtol=1e-6, atol=1e-8)


def test_lists_holding_one_array_twice_stay_refused():
    def f(x):
        a = x * 1.0
        L = [a, a]
        L[0] *= 2.0
        return np.sum(L[1])

    with pytest.raises(tl.errors.UnsupportedConstructError, match="another entry"):
        tl.jvp(f, (np.ones(3),), (np.ones((2, 3)),), batched=True)
