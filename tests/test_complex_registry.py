"""Every differentiable primitive given complex input: right, or refused (docs/complex-numbers.md).

For each primitive with rule cases (tests/rule_cases*.py), its differentiable float arguments are
made complex, one at a time, in a small function ``Re(sum(W * prim(...)))``.  The primal must be
refused by NumPy itself, or ``tl.grad`` and ``tl.jvp`` must agree with finite differences that
perturb the real and the imaginary parts (and the primitive must be in the table of
rules/complex.py, COMPLEX_VERIFIED), or both must be refused with the clear message naming the
function: never a wrong value, never a crash from inside the generated code.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import numpy as np
import pytest
from rule_cases import CASES as BASE_CASES
from rule_cases_more import CASES as MORE_CASES
from rule_cases_scipy import CASES as SCIPY_CASES
from test_complex import directional, fd_grad

import tangent_lite as tl
from tangent_lite.errors import UnsupportedConstructError
from tangent_lite.rules import REGISTRY
from tangent_lite.rules.complex import COMPLEX_VERIFIED

CASES = {**BASE_CASES, **MORE_CASES, **SCIPY_CASES}
PRIMS = {p.name: p for p in REGISTRY if not p.nondiff and p.vjps and not p.name.startswith("tangent_lite.")}
from tangent_lite.rules import numpy_more  # noqa: E402

# functions this NumPy version lacks are registered under stand-ins (numpy_more._Absent): not tested
NAMES = sorted(n for n in CASES if n in PRIMS and not isinstance(PRIMS[n].fn, numpy_more._Absent))

# Outputs with a free phase (the singular vectors of a complex matrix: each pair (u_i, v_i) only up
# to exp(1j * phi)) have a derivative only in functions that do not depend on that phase; the
# program reads the phase-free output instead (tests/test_complex_more_rules.py checks |U|, |Vh|).
OUTPUT_INDEX = {"numpy.linalg.svd": 1}

MODULE = '''
import numpy as np
from {consts} import ARGS, KW, PRIM, W


def f(z):
    out = PRIM({call}){first}
    return np.real(np.sum(W * out))
'''


def _complex_like(v, rng):
    return v * np.exp(1j * rng.uniform(0.4, 1.2, size=np.shape(v))) if np.ndim(v) else complex(v) * np.exp(0.7j)


def _program(tmp_path, name, prim, args, kwargs, slot, w, first, index=0):
    """A module ``f(z)`` calling ``prim`` with ``z`` as argument ``slot`` (the others constants)."""
    tag = "m_" + name.replace(".", "_") + f"_{slot}"
    consts = sys.modules.setdefault(tag + "_c", type(sys)(tag + "_c"))
    consts.ARGS, consts.KW, consts.PRIM, consts.W = args, kwargs, prim.fn, w
    call = ", ".join("z" if i == slot else f"ARGS[{i}]" for i in range(len(args)))
    call += "".join(f", {k}=KW[{k!r}]" for k in kwargs)
    text = MODULE.format(consts=tag + "_c", call=call, first=f"[{index}]" if first else "")
    (tmp_path / f"{tag}.py").write_text(text)
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(tag)
    finally:
        sys.path.remove(str(tmp_path))


@pytest.mark.parametrize("name", NAMES)
def test_complex_input_is_right_or_refused(tmp_path, name):
    prim = PRIMS[name]
    rng = np.random.default_rng(0)
    args, kwargs = CASES[name][0](rng)
    args = list(args)
    slots = [i for i in range(len(args)) if i in prim.vjps and i in prim.jvps
             and isinstance(args[i], (float, np.ndarray)) and np.asarray(args[i]).dtype.kind == "f"]
    if not slots:
        pytest.skip("no float argument to make complex")
    for slot in slots:
        z = _complex_like(args[slot], rng)
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            try:
                out = prim.fn(*[z if i == slot else a for i, a in enumerate(args)], **kwargs)
            except (TypeError, ValueError, np.exceptions.ComplexWarning, np.linalg.LinAlgError):
                continue  # NumPy refuses complex input itself
        first = isinstance(out, (tuple, list))
        index = OUTPUT_INDEX.get(name, 0)
        out = out[index] if first else out
        mod = _program(tmp_path, name, prim, tuple(args), kwargs, slot, _complex_like(np.ones(np.shape(out)), rng),
                       first, index)
        t = _complex_like(np.ones(np.shape(z)), rng) if np.ndim(z) else 0.3 - 0.8j
        try:
            g = tl.grad(mod.f)(z)
            _, jt = tl.jvp(mod.f, (z,), (t,))
        except UnsupportedConstructError as exc:
            assert name not in COMPLEX_VERIFIED, f"{name} is in COMPLEX_VERIFIED but refused: {exc}"
            assert "real input only" in str(exc) and name in str(exc) and mod.__file__ in str(exc)
            continue
        assert name in COMPLEX_VERIFIED, f"{name} differentiated complex input without being verified"
        np.testing.assert_allclose(g, fd_grad(mod.f, z), rtol=1e-5, atol=1e-6, err_msg=f"{name} grad, slot {slot}")
        np.testing.assert_allclose(jt, directional(mod.f, z, t), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name} jvp, slot {slot}")


def test_the_docs_list_exactly_the_verified_functions():
    """docs/complex-numbers.md names every primitive of COMPLEX_VERIFIED (by its NumPy spelling)."""
    import pathlib
    import re

    text = (pathlib.Path(__file__).parent.parent / "docs" / "complex-numbers.md").read_text()
    section = text[text.index("## What has a complex rule"):text.index("## Every other function")]
    spelled = set(re.findall(r"`([\w.]+)", section))
    operators = {"operator.add": "+", "operator.sub": "-", "operator.mul": "*", "operator.truediv": "/",
                 "operator.pow": "**", "operator.matmul": "@", "operator.neg": "-", "operator.pos": "+"}
    missing = []
    for name in sorted(COMPLEX_VERIFIED):
        if name in operators:
            assert operators[name] in section
            continue
        short = name.replace("numpy.", "np.", 1).replace("builtins.", "", 1)
        if name == "numpy.conjugate":
            short = "np.conj"
        if name == "numpy.absolute":
            short = "np.abs"
        if short not in spelled and not (name.startswith("numpy.fft.") and short.split(".")[-1] in spelled):
            missing.append(name)
    assert not missing, f"not named in docs/complex-numbers.md: {missing}"
