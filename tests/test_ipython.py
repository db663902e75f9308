"""Functions defined in IPython / Jupyter cells: differentiated from the cell's text, and a
function redefined in a later cell is picked up (the guards of the trust issue), with no
cache folder left in the current directory (cell code caches in the per-user directory)."""
import os

import numpy as np
import pytest

IPython = pytest.importorskip("IPython")


@pytest.fixture
def shell(tmp_path, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TANGENT_LITE_CACHE_DIR", raising=False)
    sh = InteractiveShell.instance()
    sh.run_cell("import numpy as np\nimport tangent_lite as tl", store_history=True)

    def run(code):
        result = sh.run_cell(code, store_history=True)
        if result.error_before_exec or result.error_in_exec:
            raise result.error_before_exec or result.error_in_exec
        return result.result

    yield run
    InteractiveShell.clear_instance()


def test_cells_differentiate_and_redefinitions_are_seen(shell, tmp_path):
    x = np.array([0.3, -1.2, 2.0])
    shell("def f(x):\n    return np.sum(np.sin(x) * x)\n")
    shell(f"x = np.array({x.tolist()})")
    np.testing.assert_allclose(shell("tl.grad(f)(x)"), np.cos(x) * x + np.sin(x), rtol=1e-12)
    shell("def f(x):\n    return np.sum(np.cos(x) * x)\n")  # a later cell redefines f
    np.testing.assert_allclose(shell("tl.grad(f)(x)"), -np.sin(x) * x + np.cos(x), rtol=1e-12)
    shell("scale = 3.0\ndef g(x):\n    return scale * np.sum(x ** 2)\n")
    np.testing.assert_allclose(shell("tl.grad(g)(x)"), 6.0 * x, rtol=1e-12)
    shell("scale = -1.0")  # a global rebound in another cell
    np.testing.assert_allclose(shell("tl.grad(g)(x)"), -2.0 * x, rtol=1e-12)
    np.testing.assert_allclose(shell("tl.grad(lambda v: np.sum(v ** 3))(x)"), 3 * x ** 2, rtol=1e-12)
    assert "ipython-input" in shell("tl.source(f)") or "<cell" in shell("tl.source(f)")
    assert not os.path.exists(tmp_path / "__tangent_lite__")


def test_a_cell_with_an_unsupported_construct_names_its_line(shell):
    shell("def h(x):\n    y = 0.0\n    class Box:\n        y = x\n    return y\n")
    with pytest.raises(Exception) as info:
        shell("tl.grad(h)(1.0)")
    assert ":3:" in str(info.value) and "class" in str(info.value)
