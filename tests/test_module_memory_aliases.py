"""Module-level memory changed in place through an alias or a shallow copy (breaker 23 W4,
breaker 22 W6): ``v = G.view(); v *= 2.0`` changes G in Python, while the derivative code
lowers ``v *= 2.0`` to ``v = v * 2.0`` (a new array).  Every alias form x {update without
derivatives, update with derivatives} either runs faithfully (value, gradient, jvp, hessian
and the module-level memory after the call equal to running the function, checked against
central differences) or is refused naming the line, the memory and the fix.  Numbers bound at
module level are immutable: ``s = SCALE; s *= 2`` keeps working.

The functions are written into a module file (their source must be readable), one per case."""

import importlib.util
import re
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.errors import TangentLiteError

HEADER = '''
import numpy as np

G0 = np.array([1.0, 2.0, 3.0])
G = G0.copy()
T = (G,)
T2 = (G, np.zeros(3))
D = {"g": G}
DEF = {"w": G0.copy()}
LST = [G0.copy()]
SCALE = 0.5
TN = (0.5, 2.0)
RATES = [0.5, 2.0]
PARAMS = {"rate": 0.5, "w": np.ones(3)}


def reset():
    G[:] = G0
    DEF["w"] = G0.copy()
    LST[0] = G0.copy()


def state():
    return G.copy(), DEF["w"].copy(), LST[0].copy()
'''

# how the alias v of G is made (the second column: the statements, v in scope after them)
ALIASES = {
    "name": "v = G",
    "view": "v = G.view()",
    "ascontiguousarray": "v = np.ascontiguousarray(G)",
    "asanyarray": "v = np.asanyarray(G)",
    "ellipsis": "v = G[...]",
    "squeeze": "v = G.squeeze()",
    "real": "v = G.real",
    "tuple_item": "v = T[0]",
    "dict_item": "v = D['g']",
    "globals": "v = globals()['G']",
    "ravel_K": "v = G.ravel('K')",
    **({"reshape_keyword": "v = np.reshape(G, shape=(3,))"}  # (NumPy 2.1 named reshape's newshape 'shape')
       if "shape" in __import__("inspect").signature(np.reshape).parameters else {}),
    "dict_get": "v = D.get('g')",
    "unpacking": "v, w = T2",
    "walrus": "if (v := G) is None:\n    return 0.0",
    "for_loop": "for v in [G]:\n    pass",
    "asfortranarray": "v = np.asfortranarray(G)",
    "require": "v = np.require(G)",
    "astype_no_copy": "v = G.astype(float, copy=False)",
    "empty_index": "v = G[()]",
    "unbound_view": "v = np.ndarray.view(G)",
    "dunder_array": "v = G.__array__()",
    "next_iter": "v = next(iter(D.values()))",
    "display_item": "v = (G,)[0]",
    "conditional": "v = G if x[0] > -10.0 else None",
    "transpose": "v = G.T",
    "atleast_1d": "v = np.atleast_1d(G)",
    "list_holder": "s = [G]\nv = s[0]",
}
# updates without derivatives: the derivative code lowers 'v op= e' to a new value (refused);
# stores into v are kept as written (faithful)
REFUSED_CONSTANT = {"augmented": "v *= 2.0"}
FAITHFUL_CONSTANT = {"item": "v[1] = 7.0", "slice": "v[1:] = [4.0, 6.0]", "doubling": "v[:] = v * 2.0"}
ACTIVE = {"augmented_active": "v += np.sin(x)", "item_active": "v[0] = x[0] ** 2"}

# shallow copies of module-level containers: their entries are the module's arrays
COPIES = {"dict_call": ("p = dict(DEF)", "p['w']", "DEF['w']"),
          "dict_display": ("p = {**DEF}", "p['w']", "DEF['w']"),
          "dict_copy": ("p = DEF.copy()", "p['w']", "DEF['w']"),
          "list_slice": ("p = LST[:]", "p[0]", "LST[0]")}

# numbers reached through module-level names, containers and loops: v op= e makes a new number
NUMBERS = {
    "scale": ("s = SCALE\ns *= 2.0", "s"),
    "tuple_item": ("s = TN[0]\ns *= 2.0", "s"),
    "dict_item": ("s = PARAMS['rate']\ns *= 2.0", "s"),
    "unpacking": ("s, b = TN\ns *= b", "s"),
    "dict_get_active": ("s = PARAMS.get('rate')\ns += x[0]", "s"),
    "scale_active": ("s = SCALE\ns += x[1]", "s"),
    "loop": ("s = 0.0\nfor r in RATES:\n    r *= 2.0\n    s = s + r", "s"),
    "copy_entry": ("p = dict(PARAMS)\np['rate'] *= 2.0", "p['rate']"),
    "copy_entry_active": ("p = PARAMS.copy()\np['rate'] += x[0]", "p['rate']"),
}


def _cases():
    out = {}
    for a, bind in ALIASES.items():
        for kind, table in (("refused", REFUSED_CONSTANT), ("faithful", FAITHFUL_CONSTANT), ("refused", ACTIVE)):
            for u, update in table.items():
                out[f"{a}__{u}"] = (kind, f"{bind}\n{update}", "np.sum(G * np.sin(x))", update)
    for c, (bind, entry, read) in COPIES.items():
        out[f"{c}__augmented"] = ("refused", f"{bind}\n{entry} *= 2.0", f"np.sum({read} * np.sin(x))",
                                  f"{entry} *= 2.0")
        out[f"{c}__augmented_active"] = ("refused", f"{bind}\n{entry} += np.sin(x)",
                                         f"np.sum({read} * np.sin(x))", f"{entry} += np.sin(x)")
        out[f"{c}__item"] = ("faithful", f"{bind}\n{entry}[1] = 7.0", f"np.sum({read} * np.sin(x))", None)
    for n, (body, name) in NUMBERS.items():
        out[f"number_{n}"] = ("faithful", body, f"np.sum({name} * np.sin(x))", None)
    return out


CASES = _cases()


def _module():
    src = [textwrap.dedent(HEADER)]
    for name, (_, body, ret, _) in CASES.items():
        src.append(f"\n\ndef {name}(x):\n{textwrap.indent(body, '    ')}\n    return {ret}\n")
    path = Path(tempfile.mkdtemp(prefix="tl_modmem_")) / "modmem_cases.py"
    path.write_text("".join(src))
    spec = importlib.util.spec_from_file_location("modmem_cases", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["modmem_cases"] = mod
    spec.loader.exec_module(mod)
    return mod


M = _module()
X = np.array([0.3, -0.7, 1.1])
DX = np.array([1.0, 0.5, -0.2])


def _run(f, x):
    """f(x) from the module's initial state: (value, module state afterwards)."""
    M.reset()
    value = f(x)
    return value, M.state()


def _fd_grad(f, x, eps=1e-6):
    return np.array([(_run(f, x + eps * e)[0] - _run(f, x - eps * e)[0]) / (2 * eps) for e in np.eye(len(x))])


def _fd_hessian(f, x, eps=1e-4):
    return np.array([(_fd_grad(f, x + eps * e) - _fd_grad(f, x - eps * e)) / (2 * eps) for e in np.eye(len(x))])


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[0] == "faithful"])
def test_faithful(name):
    f = getattr(M, name)
    value, after = _run(f, X)
    grad = _fd_grad(f, X)
    M.reset()
    v, g = tl.value_and_grad(f)(X)
    assert np.allclose(v, value) and np.allclose(g, grad, atol=1e-6)
    for a, b in zip(M.state(), after):  # the module-level memory as running f leaves it
        np.testing.assert_allclose(a, b)
    M.reset()
    np.testing.assert_allclose(tl.grad(f)(X), grad, atol=1e-6)
    M.reset()
    out, tangent = tl.jvp(f, (X,), (DX,))
    assert np.allclose(out, value) and np.allclose(tangent, grad @ DX, atol=1e-6)
    for a, b in zip(M.state(), after):
        np.testing.assert_allclose(a, b)
    if not name.endswith("doubling"):  # (tl.hessian runs f once per column: G doubled each time, as in Python)
        M.reset()
        np.testing.assert_allclose(tl.hessian(f)(X), _fd_hessian(f, X), atol=1e-4)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[0] == "refused"])
@pytest.mark.parametrize("how", ["grad", "jvp"])
def test_refused(name, how):
    f = getattr(M, name)
    update = CASES[name][3]
    M.reset()
    with pytest.raises(TangentLiteError) as info:
        if how == "grad":
            tl.value_and_grad(f)(X)
        else:
            tl.jvp(f, (X,), (DX,))
    message = str(info.value)
    assert "modmem_cases.py:" in message and update in message  # the user's file, line and code
    assert re.search(r"module-level '.{0,30}?\b(G|T2?|D|DEF|LST)\b", message)  # the memory, as the user reaches it
    if "active" not in name:
        assert "make a copy first" in message and ".copy()" in message
    for a, b in zip(M.state(), _run(lambda x: 0.0, X)[1]):  # (refused before anything ran)
        np.testing.assert_allclose(a, b)


def test_case_counts():
    """(the matrix is what the docstring says: no empty parametrisation)"""
    kinds = [c[0] for c in CASES.values()]
    assert kinds.count("faithful") >= 3 * len(ALIASES) + len(NUMBERS)
    assert kinds.count("refused") >= 3 * len(ALIASES) + 2 * len(COPIES)


# ---------------------------------------------------------------- M1: builtins passed to a call are no memory

def fromkeys_then_store(x):
    d = dict.fromkeys(["p", "q"], 0.0)  # 'dict' is a class passed on, not module-level memory
    d["p"] = x * 2.0
    return np.sum(d["p"] * x)


def astype_no_copy(x):
    z = np.zeros(3).astype(float, copy=False)  # 'float' likewise
    z += x
    return np.sum(z * np.sin(x))


@pytest.mark.parametrize("f", [fromkeys_then_store, astype_no_copy], ids=lambda f: f.__name__)
def test_builtin_argument_is_not_module_memory(f):
    grad = np.array([(f(X + 1e-6 * e) - f(X - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
    v, g = tl.value_and_grad(f)(X)
    assert np.isclose(v, f(X)) and np.allclose(g, grad, atol=1e-6)
    assert np.isclose(tl.jvp(f, (X,), (DX,))[1], grad @ DX, atol=1e-6)


# ---------------------------------------------------------------- in a helper

HELPERS = textwrap.dedent('''
    import numpy as np

    H = np.array([1.0, 2.0, 3.0])


    def scale_h():
        v = H.view()
        v *= 2.0


    def scale_h_passing(x):
        v = H.view()
        v *= 2.0
        return x


    def calls_without_derivatives(x):
        scale_h()  # not differentiated: runs as written
        return np.sum(H * np.sin(x))


    def calls_with_derivatives(x):
        y = scale_h_passing(x)
        return np.sum(H * np.sin(y))
''')


def _helpers():
    path = Path(tempfile.mkdtemp(prefix="tl_modmem_")) / "modmem_helpers.py"
    path.write_text(HELPERS)
    spec = importlib.util.spec_from_file_location("modmem_helpers", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["modmem_helpers"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_helper_alias_update():
    h = _helpers()
    h.H[:] = [1.0, 2.0, 3.0]
    v, g = tl.value_and_grad(h.calls_without_derivatives)(X)
    np.testing.assert_allclose(h.H, [2.0, 4.0, 6.0])  # changed once, as by the call
    assert np.isclose(v, np.sum(h.H * np.sin(X))) and np.allclose(g, h.H * np.cos(X))
    for how in (lambda f: tl.grad(f)(X), lambda f: tl.jvp(f, (X,), (DX,))):
        with pytest.raises(TangentLiteError, match=r"(?s)v \*= 2\.0.*in 'scale_h_passing' called at .*modmem_"
                                                   r"helpers\.py.*module-level 'H\.view\(\)'.*make a copy first"):
            how(h.calls_with_derivatives)


# ---------------------------------------------------------------- a closure cell's memory

def _make_closures():
    cell = np.array([1.0, 2.0, 3.0])
    rate = 0.5

    def doubled_through_view(x):
        v = cell.view()
        v *= 2.0
        return np.sum(cell * x)

    def stored_through_view(x):
        v = cell.view()
        v[1] = 7.0
        return np.sum(cell * np.sin(x))

    def number_cell(x):
        r = rate
        r *= 2.0
        return np.sum(r * cell * x)

    return cell, doubled_through_view, stored_through_view, number_cell


def test_closure_cell_alias_update():
    cell, doubled, stored, number = _make_closures()
    with pytest.raises(TangentLiteError, match=r"(?s)'v \*= 2\.0' changes 'cell\.view\(\)', a variable of an "
                                               r"enclosing function.*make a copy first"):
        tl.grad(doubled)(X)
    np.testing.assert_allclose(cell, [1.0, 2.0, 3.0])
    v, g = tl.value_and_grad(stored)(X)
    np.testing.assert_allclose(cell, [1.0, 7.0, 3.0])
    assert np.isclose(v, stored(X)) and np.allclose(g, cell * np.cos(X))
    assert np.allclose(tl.jvp(stored, (X,), (DX,))[1], np.sum(cell * np.cos(X) * DX))
    np.testing.assert_allclose(tl.grad(number)(X), cell)  # (r a new number: the cell keeps 0.5)
