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


# ---------------------------------------------------------------- bodies that call SciPy or another user module


LEGENDRE_USER = '''
import scipy.special as sp


def legendre_user(x):
    return np.sum(sp.eval_legendre(3, x) * x)


x = np.array([0.3, -0.6, 0.8])
p3, dp3, ddp3 = (5 * x ** 3 - 3 * x) / 2, (15 * x ** 2 - 3) / 2, 15 * x
np.testing.assert_allclose(tl.grad(legendre_user)(x), dp3 * x + p3, rtol=1e-10)
v = np.array([0.5, -1.0, 2.0])
_, tangent = tl.jvp(legendre_user, (x,), (v,))
np.testing.assert_allclose(tangent, (dp3 * x + p3) @ v, rtol=1e-10)
np.testing.assert_allclose(tl.hessian(legendre_user)(x), np.diag(ddp3 * x + 2 * dp3), rtol=1e-9, atol=1e-12)
print("ok")
'''

LEGENDRE_SLOPES = '''
"""Derivatives of Legendre polynomials (the rules of the pasted hint call them)."""
import scipy.special


def legendre_slope(n, x, p):
    """d/dx P_n(x), from P_n(x) = p: n (x p - P_(n-1)(x)) / (x^2 - 1)."""
    return n * (x * p - scipy.special.eval_legendre(n - 1, x)) / (x * x - 1.0)
'''


def _legendre_hint(tmp_path) -> str:
    pytest.importorskip("scipy.special")
    path = tmp_path / "legendre_mod.py"
    path.write_text("import numpy as np\n" + LEGENDRE_USER.split("\n\nx = ")[0], encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        mod = __import__("legendre_mod")
        message = _refusal(mod.legendre_user, np.array([0.3, -0.6, 0.8]))
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("legendre_mod", None)
    code = _hint_code(message)
    # the rule is for the argument that carries derivatives (x, the second), spelled by its module
    assert "import scipy.special\n" in code and "@tl.defvjp(scipy.special.eval_legendre, argnum=1)" in code, code
    return code


def test_pasted_scipy_hint_works_with_a_body_calling_scipy(tmp_path):
    """The natural body calls the SciPy function itself (breaker 24 #14): the generated code
    imports the module, also at second order (the body is differentiated with these rules)."""
    code = _legendre_hint(tmp_path)
    slope = "x1 * (x2 * ans - scipy.special.eval_legendre(x1 - 1, x2)) / (x2 * x2 - 1.0)"
    filled = code.replace("return ...  # the cotangent of x2 (shaped like x2)", f"return g * {slope}")
    filled = filled.replace("return ...  # the tangent of the output (shaped like ans)", f"return x2_dot * {slope}")
    assert "return ..." not in filled
    assert _run(tmp_path, "import numpy as np\n" + filled + "\n" + LEGENDRE_USER).strip() == "ok"


def test_pasted_hint_works_with_a_body_calling_another_user_module(tmp_path):
    code = _legendre_hint(tmp_path)
    (tmp_path / "legendre_slopes.py").write_text(LEGENDRE_SLOPES, encoding="utf-8")
    filled = code.replace("return ...  # the cotangent of x2 (shaped like x2)",
                          "return g * legendre_slopes.legendre_slope(x1, x2, ans)")
    filled = filled.replace("return ...  # the tangent of the output (shaped like ans)",
                            "return x2_dot * legendre_slopes.legendre_slope(x1, x2, ans)")
    assert "return ..." not in filled
    program = "import numpy as np\nimport legendre_slopes\n" + filled + "\n" + LEGENDRE_USER
    assert _run(tmp_path, program).strip() == "ok"
    # again in a new process: the derivative code comes from the disk cache and imports the modules itself
    assert _run(tmp_path, program).strip() == "ok"


NOT_IMPORTABLE = type(sys)("made_at_run_time_not_importable")


def _helper_slope(x):
    return 1.0 - x * x


def test_rule_body_naming_a_module_that_cannot_be_imported_is_refused():
    def opaque(x):  # pragma: no cover - never called
        return x

    def bad_vjp(g, ans, x):
        return g * NOT_IMPORTABLE.slope(x)

    with pytest.raises(tl.errors.RuleError, match="'NOT_IMPORTABLE' .*cannot be imported by its name"):
        tl.defvjp(opaque)(bad_vjp)
    assert tl.REGISTRY.get(opaque) is None  # nothing registered


def test_rule_body_naming_a_plain_global_says_what_to_do():
    def opaque(x):  # pragma: no cover - never called
        return x

    def bad_vjp(g, ans, x):
        return g * _helper_slope(x)

    with pytest.raises(tl.errors.RuleError, match="refers to '_helper_slope'") as info:
        tl.defvjp(opaque)(bad_vjp)
    assert "call it as my_helpers._helper_slope(...) in the rule" in str(info.value)
    assert tl.REGISTRY.get(opaque) is None
