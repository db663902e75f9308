"""Generated names never clash with the user's parameters in adgen files (breaker round 28): a
function with a parameter ``v`` got ``def f_hvp(x, v, v)`` (a SyntaxError) from ``--mode hvp``; one
with a parameter ``np`` got a Hessian loop calling ``np.shape`` on it; one with a parameter named
like the HVP wrapper called that parameter.  Every mode, with parameters named like every name the
generator introduces, now writes a file that compiles and agrees with central finite differences."""

import importlib.util

import numpy as np
import pytest
from test_cli import meta_of, run_adgen

# the names adgen's files introduce: directions, seeds, tapes, the runtime, NumPy, the wrappers and their locals
GENERATED = ["v", "g", "t", "ans", "_tl", "e", "i", "n", "rows", "shape", "x_dot", "x_bar", "f_hvp", "f_hessian_",
             "f_vjp", "f_jvp", "f_fwd", "f_bwd", "f_vjp_jvp", "_t0", "_t1_bar", "_residuals", "_tape", "seed",
             "_np_hessian", "v_", "_tl_helpers"]
MODEL = f'''import numpy as np


def f(x, {", ".join(GENERATED)}):
    return np.sum(np.sin(x) * x) * ({" + ".join(GENERATED)})


def h(x, np, v):
    return x[0] * x[1] * x[1] * np * v
'''
X = np.array([0.4, -1.1, 0.7])
OTHER = {"f": [0.1 * (k + 1) for k in range(len(GENERATED))], "h": [1.5, 2.0]}


def _load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _value(name, x):
    import numpy
    if name == "h":
        return x[0] * x[1] * x[1] * OTHER["h"][0] * OTHER["h"][1]
    return numpy.sum(numpy.sin(x) * x) * sum(OTHER["f"])


def _gradient(name, x, eps=1e-6):
    return np.array([(_value(name, x + eps * e) - _value(name, x - eps * e)) / (2 * eps) for e in np.eye(3)])


def _hessian(name, x):
    """By hand: (x sin x)'' = 2 cos x - x sin x; (x0 x1^2)'s Hessian is [[0, 2 x1, 0], [2 x1, 2 x0, 0], 0]."""
    if name == "f":
        return np.diag(2 * np.cos(x) - x * np.sin(x)) * sum(OTHER["f"])
    H = np.zeros((3, 3))
    H[0, 1] = H[1, 0] = 2 * x[1]
    H[1, 1] = 2 * x[0]
    return H * OTHER["h"][0] * OTHER["h"][1]


def test_the_hand_hessians_agree_with_finite_differences():
    eps = 1e-5
    for name in ("f", "h"):
        fd = np.array([(_gradient(name, X + eps * e) - _gradient(name, X - eps * e)) / (2 * eps) for e in np.eye(3)])
        np.testing.assert_allclose(_hessian(name, X), fd, rtol=1e-4, atol=1e-3)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("names28")
    (d / "names28.py").write_text(MODEL)
    return d / "names28.py"


@pytest.mark.parametrize("name", ["f", "h"])
@pytest.mark.parametrize("mode", ["vjp", "jvp", "hvp", "hessian"])
def test_every_mode_compiles_and_agrees_with_finite_differences(model, tmp_path, name, mode):
    out = tmp_path / f"{name}_{mode}.py"
    proc = run_adgen(f"{model}:{name}", "--mode", mode, "-o", out)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    compile(text, str(out), "exec")  # (a duplicate parameter is a SyntaxError here)
    assert "import tangent_lite" not in text  # (a parameter _tl once left the runtime imported)
    mod = _load(out)
    main = getattr(mod, meta_of(text)["functions"][0])  # (f_vjp_1 when a parameter is called f_vjp)
    args = [X] + OTHER[name]
    d = np.array([0.3, -0.5, 0.9])
    if mode == "vjp":
        value, grad = main(*args)
        np.testing.assert_allclose(value, _value(name, X), rtol=1e-12)
        np.testing.assert_allclose(grad, _gradient(name, X), rtol=1e-7, atol=1e-8)
    elif mode == "jvp":
        value, tangent = main(*args, d)
        np.testing.assert_allclose(tangent, _gradient(name, X) @ d, rtol=1e-7, atol=1e-8)
    else:
        H = _hessian(name, X)
        np.testing.assert_allclose(getattr(mod, f"{name}_hvp")(*args, d), H @ d, rtol=1e-12, atol=1e-12)
        if mode == "hessian":
            np.testing.assert_allclose(getattr(mod, f"{name}_hessian")(*args), H, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ the check's header and command say what is true

LIBRARY_ONLY = "import numpy as np\n\n\ndef f(x):\n    return np.sum(np.sin(x))\n"
MIXED = "import numpy as np\n\nSCALE = 2.0\n\n\ndef f(x):\n    return SCALE * np.sum(np.sin(x))\n"


def _header(text):
    lines = text.split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith("# --- the values of"))
    j = next(j for j in range(i, len(lines)) if "ModuleValues(" in lines[j])
    return "\n".join(lines[i:j]), lines[j]


@pytest.mark.parametrize("source", [LIBRARY_ONLY, MIXED], ids=["numpy-only", "mixed"])
def test_the_checks_header_and_command_say_what_is_true(tmp_path, monkeypatch, source):
    """A file checking only NumPy's functions carried an empty command (ModuleValues(__name__, '', ...))
    and a header saying 'rebinding them is followed', which a monkeypatched np.sin is not (refused).
    Its text stays independent of how the command was spelled (-o, --wrt by name or index)."""
    user = tmp_path / "truth28.py"
    user.write_text(source)
    out = tmp_path / "truth28_vjp.py"
    proc = run_adgen(f"{user}:f", "-o", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    header, call = _header(out.read_text())
    if source == MIXED:  # (a refusal of SCALE's kind names the command that writes the file again)
        assert f"ModuleValues(__name__, 'adgen {user}:f -o {out}', [" in call
    else:  # (was ModuleValues(__name__, '', [...]): no refusal names a command, the file carries none)
        assert call.endswith("ModuleValues(__name__, rows=[")
    assert "a function or object rebound to another (a monkeypatched np.sin too) is refused" in header
    assert ("a data value rebound to another of its type is followed" in header) == (source == MIXED)
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = _load(out)
    x = np.array([0.3, -0.8])
    np.testing.assert_allclose(mod.f_vjp(x)[1], np.cos(x) * (2.0 if source == MIXED else 1.0), rtol=1e-12)
    if source == MIXED:  # a data value rebound: followed
        import truth28
        monkeypatch.setattr(truth28, "SCALE", 3.0)
        np.testing.assert_allclose(mod.f_vjp(x)[1], 3.0 * np.cos(x), rtol=1e-12)
    monkeypatch.setattr(np, "sin", np.cos)  # a library function monkeypatched: refused
    with pytest.raises(ValueError, match="'numpy.sin' is the ufunc numpy.cos now"):
        mod.f_vjp(x)
