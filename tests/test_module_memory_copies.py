"""Shallow copies of module-level lists and dicts, in every spelling (``copy.copy(DEF)``,
``DEF | {}``, ``{} | DEF``, ``p |= DEF``, ``LST + []``, ``LST * 1``, ``[e for e in LST]``), share the
module's arrays: an update in place of an entry changes the module's array in Python, the
derivative code would make a new one (breaker round 25: value, gradient and module state
silently wrong).  Refused, in both modes; arithmetic on module-level arrays keeps working."""

import numpy as np
import pytest

import tangent_lite as tl

HEADER = """import copy

import numpy as np

DEF = {'w': np.array([1.0, 2.0, 3.0])}
LST = [np.array([1.0, 2.0, 3.0])]
G = np.array([1.0, 2.0, 3.0])

"""

COPIES = {
    "copy_copy": ("p = copy.copy(DEF)", "p['w'] *= 2.0", "DEF['w']"),
    "or_empty": ("p = DEF | {}", "p['w'] *= 2.0", "DEF['w']"),
    "empty_or": ("p = {} | DEF", "p['w'] += x", "DEF['w']"),
    "ior": ("p = {}\n    p |= DEF", "p['w'] *= 2.0", "DEF['w']"),
    "plus_empty": ("q = LST + []", "q[0] *= 2.0", "LST[0]"),
    "times_one": ("q = LST * 1", "q[0] -= x", "LST[0]"),
    "comprehension": ("q = [e for e in LST]", "q[0] *= 2.0", "LST[0]"),
    "copy_copy_list": ("q = copy.copy(LST)", "q[0] += x", "LST[0]"),
}


def _load(tmp_path, monkeypatch, name, body):
    path = tmp_path / f"mm_{name}.py"
    path.write_text(HEADER + body)
    monkeypatch.syspath_prepend(str(tmp_path))
    return __import__(path.stem)


@pytest.mark.parametrize("name", sorted(COPIES))
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_updates_through_shallow_copies_are_refused(tmp_path, monkeypatch, name, mode):
    make, update, read = COPIES[name]
    mod = _load(tmp_path, monkeypatch, f"{name}_{mode}",
                f"def f(x):\n    {make}\n    {update}\n    return np.sum({read} * x)\n")
    x = np.array([0.5, -1.0, 2.0])
    with pytest.raises(tl.errors.UnsupportedConstructError) as info:
        if mode == "grad":
            tl.grad(mod.f)(x)
        else:
            tl.jvp(mod.f, (x,), (np.ones(3),))
    assert "in place" in str(info.value) and f"mm_{name}_{mode}.py" in str(info.value)
    np.testing.assert_array_equal(mod.DEF["w"], [1.0, 2.0, 3.0])  # (refused before anything ran)


WORKING = {
    "arithmetic": "v = G + 1.0\n    v *= 2.0\n    return np.sum(v * x)",
    "new_entry": "q = LST + [x * 1.0]\n    q[1] = q[1] * 2.0\n    return np.sum(q[1] * LST[0])",
    "copied_entries": "q = [e.copy() for e in LST]\n    q[0] *= 2.0\n    return np.sum(q[0] * x)",
}


# (DEF | {'w': DEF['w'].copy()} then p['w'] *= 2.0 is refused too, over-cautiously: which entries the
# merge replaced is not followed)
@pytest.mark.parametrize("name", sorted(WORKING))
def test_new_arrays_made_from_module_memory_work(tmp_path, monkeypatch, name):
    mod = _load(tmp_path, monkeypatch, f"ok_{name}", "def f(x):\n    " + WORKING[name] + "\n")
    x = np.array([0.5, -1.0, 2.0])
    g = tl.grad(mod.f)(x)
    eps = 1e-6
    fd = np.array([(mod.f(x + eps * e) - mod.f(x - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(mod.DEF["w"], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(mod.LST[0], [1.0, 2.0, 3.0])
