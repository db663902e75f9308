"""Breaker 28 F0/F0b/F0c: adgen files refuse rebound ufuncs, bound methods, __kwdefaults__ edits
and monkeypatched library functions (they were silently stale), and follow the unchanged ones."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import textwrap

import numpy as np
import pytest

from tangent_lite import cli

sp = pytest.importorskip("scipy.special")
st = pytest.importorskip("scipy.stats")

USER = textwrap.dedent('''
    import numpy as np
    import scipy.special as sp
    import scipy.stats as st

    BES = sp.j0
    LP = st.norm.logpdf


    def helper(x, *, p=2.0):
        return x ** p


    def f(x):
        return np.sum(BES(x)) + np.sum(LP(x, 0.0, 1.0)) + np.sum(helper(x)) + np.sum(np.sin(x)) \
            + np.sum(sp.j0(2 * x))
''')
_COUNTER = itertools.count()
X = np.array([0.3, 0.8])


def _files(tmp_path):
    name = f"rebind_more_{next(_COUNTER)}"
    (tmp_path / f"{name}.py").write_text(USER)
    out = tmp_path / f"{name}_vjp.py"
    assert cli.main([f"{tmp_path / name}.py:f", "--wrt", "x", "-o", str(out)]) == 0
    spec = importlib.util.spec_from_file_location(out.stem, out)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    return sys.modules[name], generated


def _fd_grad(fn, x, h=1e-6):
    return np.array([(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def test_unchanged_values_agree_with_finite_differences(tmp_path):
    user, generated = _files(tmp_path)
    value, grad = generated.f_vjp(X)
    np.testing.assert_allclose(value, user.f(X), rtol=1e-12)
    np.testing.assert_allclose(grad, _fd_grad(user.f, X), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("change, message", [
    (lambda u: setattr(u, "BES", sp.j1), "'{m}.BES' is the ufunc scipy.special.j1 now, but .* when it was the ufunc "
                                         "scipy.special.j0"),
    (lambda u: setattr(u, "BES", np.sin), "'{m}.BES' is the ufunc numpy.sin now"),
    (lambda u: setattr(u, "LP", st.logistic.logpdf), "'{m}.LP' is .* bound to a value of type "
                                                     "scipy.stats._continuous_distns.logistic_gen now"),
    (lambda u: setattr(u.helper, "__kwdefaults__", {"p": 3.0}), r"'{m}.helper' is .*defaults \{{'p': 3.0\}}\) now"),
    (lambda u: u.helper.__kwdefaults__.update(p=3.0), r"'{m}.helper' is .*defaults \{{'p': 3.0\}}\) now"),
])
def test_a_rebinding_to_another_function_is_refused(tmp_path, change, message):
    user, generated = _files(tmp_path)
    generated.f_vjp(X)
    change(user)
    with pytest.raises(ValueError, match=message.format(m=user.__name__)):
        generated.f_vjp(X)


@pytest.mark.parametrize("module, attr, other", [(np, "sin", np.cos), (sp, "j0", sp.j1)])
def test_a_monkeypatched_library_function_is_refused(tmp_path, monkeypatch, module, attr, other):
    user, generated = _files(tmp_path)
    generated.f_vjp(X)
    monkeypatch.setattr(module, attr, other)
    with pytest.raises(ValueError, match=f"{attr}' is the ufunc .*{other.__name__} now"):
        generated.f_vjp(X)
