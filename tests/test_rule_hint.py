"""The missing-rule hint prints registration code that works when pasted.

Each case differentiates a function calling a library function without rules, takes the code
the refusal prints, fills in the two ``return ...`` bodies the simplest way (as a user would),
writes it to a module with the function, and runs that module in a fresh interpreter (rules
registered there do not leak into this test session): ``tl.grad`` and ``tl.jvp`` must then
agree with the closed-form derivative.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.analysis import rule_hint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _hint_code(message: str) -> str:
    start = message.index("e.g.\n") + len("e.g.\n")
    end = message.index("\nor mark it constant")
    return textwrap.dedent(message[start:end])


def _refusal(fn, x) -> str:
    with pytest.raises(tl.errors.NoRuleError) as info:
        tl.grad(fn)(x)
    return str(info.value)


def _run(tmp_path, program: str) -> str:
    path = tmp_path / "pasted.py"
    path.write_text(program, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TANGENT_LITE_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, cwd=str(tmp_path),
                          timeout=300)
    assert done.returncode == 0, f"the pasted code failed:\n{program}\n--- stderr:\n{done.stderr}"
    return done.stdout


def percentile_user(x):
    return np.percentile(x, 50) * 2.0 + np.sum(x)


PERCENTILE_USER = '''
def percentile_user(x):
    return np.percentile(x, 50) * 2.0 + np.sum(x)


x = np.array([0.3, 2.0, 1.1, -0.4, 0.9])
expected = 2.0 * (x == np.median(x)) + 1.0
np.testing.assert_allclose(tl.grad(percentile_user)(x), expected, rtol=1e-12)
v = np.array([0.5, -1.0, 2.0, 0.25, 3.0])
_, tangent = tl.jvp(percentile_user, (x,), (v,))
np.testing.assert_allclose(tangent, expected @ v, rtol=1e-12)
print("ok")
'''


def test_hint_has_defaults_and_imports():
    code = rule_hint.registration_code(np.percentile, "np.percentile", {"np": np})
    assert "import numpy as np" in code and "import tangent_lite as tl" in code
    assert "axis=None" in code and "out=None" in code and "keepdims=False" in code
    compile(code, "<hint>", "exec")  # valid Python as printed


def test_pasted_hint_differentiates_a_numpy_function(tmp_path):
    message = _refusal(percentile_user, np.array([0.3, 2.0, 1.1, -0.4, 0.9]))
    code = _hint_code(message)
    assert "def percentile_vjp(g, ans, a, q, axis=None, out=None" in code, code
    filled = code.replace("return ...  # the cotangent of a (shaped like a)",
                          "return g * (a == ans) / np.sum(a == ans)")
    filled = filled.replace("return ...  # the tangent of the output (shaped like ans)",
                            "return np.sum(a_dot * (a == ans)) / np.sum(a == ans)")
    assert "return ..." not in filled
    assert _run(tmp_path, filled + "\n" + PERCENTILE_USER).strip() == "ok"


def test_hint_spells_an_aliased_module_by_its_path():
    special = pytest.importorskip("scipy.special")
    spelled, line = rule_hint.spelling(special.erfcx, "sp.erfcx", {"sp": special})
    assert (spelled, line) == ("scipy.special.erfcx", "import scipy.special")


ERFCX_USER = '''
import scipy.special as sp


def erfcx_user(x):
    return sp.erfcx(x) * x


x = 0.7
d = 2.0 * x * sp.erfcx(x) - 2.0 / np.sqrt(np.pi)  # d erfcx / dx
np.testing.assert_allclose(tl.grad(erfcx_user)(x), d * x + sp.erfcx(x), rtol=1e-12)
print("ok")
'''


def test_pasted_hint_differentiates_an_aliased_scipy_ufunc(tmp_path):
    pytest.importorskip("scipy.special")
    path = tmp_path / "erfcx_mod.py"
    path.write_text("import numpy as np\n" + ERFCX_USER.split("\n\nx = ")[0], encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        mod = __import__("erfcx_mod")
        message = _refusal(mod.erfcx_user, 0.7)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("erfcx_mod", None)
    code = _hint_code(message)
    assert "@tl.defvjp(scipy.special.erfcx, argnum=0)" in code, code
    first = code.split("def erfcx_vjp(g, ans, ")[1].split(")")[0].split(",")[0].split("=")[0]
    filled = code.replace(f"return ...  # the cotangent of {first} (shaped like {first})",
                          f"return g * (2.0 * {first} * ans - 2.0 / np.sqrt(np.pi))")
    filled = filled.replace("return ...  # the tangent of the output (shaped like ans)",
                            f"return {first}_dot * (2.0 * {first} * ans - 2.0 / np.sqrt(np.pi))")
    assert "return ..." not in filled
    assert _run(tmp_path, "import numpy as np\n" + filled + "\n" + ERFCX_USER).strip() == "ok"
