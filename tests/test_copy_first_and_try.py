"""Two over-cautious refusals found by breaker round 26, and their limits.

* "Copy first" inside a loop: ``s = G`` then, in the loop, ``s = s.copy(); s[i] = ...`` never changes
  the module-level ``G`` (the copy comes first in every iteration), yet it was refused as changing
  ``G``.  Within an iteration statements run in order; what is aliased after the loop is still
  what may be.  Writes that can reach ``G`` stay refused (copy in a branch, write before the copy,
  a rebinding to ``G`` at the end of the body).
* ``try`` blocks: the refusal of "assigned before an exception stops the block" named the
  internal ``_retval`` and counted names assigned by the block's last statement that can raise;
  an except clause that returns makes what follows the try unreachable after an exception."""

import numpy as np
import pytest

import tangent_lite as tl

HEADER = "import numpy as np\n\nG = np.array([1.0, 2.0, 3.0])\n\n"

WORKS = {
    "copy_first": "s = G\n    for i in range(3):\n        s = s.copy()\n        s[i] = s[i] * x[i]\n"
                  "    return np.sum(s * x)",
    "while_copy_first": "s = G\n    i = 0\n    while i < 3:\n        s = np.array(s)\n        s[i] += x[i] ** 2\n"
                        "        i += 1\n    return np.sum(np.sin(s))",
    "new_array_first": "s = G\n    for i in range(3):\n        s = s * 1.0\n        s[i] *= x[i]\n"
                       "    return np.sum(s) * x[0]",
    "nested_loops": "s = G\n    for k in range(2):\n        for i in range(3):\n            s = s.copy()\n"
                    "            s[i] = s[i] * x[i] + k\n    return np.sum(s ** 2)",
}

REFUSED = {
    "copy_in_branch": "s = G\n    for i in range(3):\n        if x[0] > 0:\n            s = s.copy()\n"
                      "        s[i] = s[i] * x[i]\n    return np.sum(s)",
    "write_before_copy": "s = G\n    for i in range(3):\n        s[i] = s[i] * x[i]\n        s = s.copy()\n"
                         "    return np.sum(s)",
    "rebound_at_end": "s = x * 1.0\n    for i in range(3):\n        s[i] = s[i] * x[i]\n        s = G\n"
                      "    return np.sum(s)",
    "copy_after_loop_skipped": "s = G\n    for i in range(3):\n        s = s.copy()\n    s[0] = x[0] * 2.0\n"
                               "    return np.sum(s)",
}


def _load(tmp_path, monkeypatch, name, body):
    path = tmp_path / f"cf_{name}.py"
    path.write_text(HEADER + "def f(x):\n    " + body + "\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return __import__(path.stem)


def _fd(f, x, v, eps=1e-6):
    return (f(x + eps * v) - f(x - eps * v)) / (2 * eps)


@pytest.mark.parametrize("name", sorted(WORKS))
def test_copy_first_in_a_loop_works_in_both_modes(tmp_path, monkeypatch, name):
    mod = _load(tmp_path, monkeypatch, name, WORKS[name])
    x = np.array([0.5, -1.2, 2.0])
    fd = np.array([_fd(mod.f, x, e) for e in np.eye(3)])
    np.testing.assert_allclose(tl.grad(mod.f)(x), fd, rtol=1e-6, atol=1e-8)
    v = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(tl.jvp(mod.f, (x,), (v,))[1], fd @ v, rtol=1e-6, atol=1e-8)
    h = tl.hessian(mod.f)(x)
    fdh = np.array([_fd(tl.grad(mod.f), x, e) for e in np.eye(3)])
    np.testing.assert_allclose(h, fdh, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(mod.G, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_writes_that_may_reach_module_memory_stay_refused(tmp_path, monkeypatch, name, mode):
    mod = _load(tmp_path, monkeypatch, f"{name}_{mode}", REFUSED[name])
    x = np.array([0.5, -1.2, 2.0])
    with pytest.raises(tl.errors.UnsupportedConstructError) as info:
        if mode == "grad":
            tl.grad(mod.f)(x)
        else:
            tl.jvp(mod.f, (x,), (np.ones(3),))
    assert "changes the module-level 'G' in place" in str(info.value)
    np.testing.assert_array_equal(mod.G, [1.0, 2.0, 3.0])


TRY_WORKS = {
    # the last statement of the block assigns s; the return that follows cannot raise
    "return_after_last_assignment": ("s = x[0]\n    try:\n        s = s * x[1]\n        return s\n"
                                     "    except Exception:\n        pass\n    return s", ("grad", "jvp")),
    # every except clause returns: y is never read after a failed block
    "handlers_return": ("try:\n        y = np.sin(x)\n        z = y * x\n    except ZeroDivisionError:\n"
                        "        return 0.0\n    return np.sum(y * z)", ("grad", "jvp")),
    # (reverse mode refuses a return inside the block followed by code that may raise: jvp only)
    "return_in_block_and_handler": ("try:\n        if x[0] > 0:\n            return np.sum(x ** 2)\n"
                                    "        y = np.sin(x)\n    except ZeroDivisionError:\n        return 0.0\n"
                                    "    return np.sum(y)", ("jvp",)),
}

TRY_REFUSED = {
    "read_after": ("s = x[0]\n    try:\n        s = s * x[1]\n        t = np.log(s)\n"
                   "    except Exception:\n        t = 0.0\n    return s + t", "'s'"),
    "read_in_finally": ("try:\n        y = np.sin(x)\n        z = np.log(y)\n    except ValueError:\n"
                        "        return 0.0\n    finally:\n        w = np.sum(y)\n    return w", "'y'"),
    "handler_without_return": ("try:\n        y = np.sin(x)\n        z = np.log(y)\n    except ValueError:\n"
                               "        z = 0.0\n    return np.sum(y) + np.sum(z)", "'y'"),
}


@pytest.mark.parametrize("name", sorted(TRY_WORKS))
def test_try_blocks_that_cannot_lose_a_derivative_work(tmp_path, monkeypatch, name):
    body, modes = TRY_WORKS[name]
    mod = _load(tmp_path, monkeypatch, f"try_{name}", body)
    for x in (np.array([0.5, 1.2, 2.0]), np.array([-0.5, 1.2, 2.0])):
        fd = np.array([_fd(mod.f, x, e) for e in np.eye(3)])
        if "grad" in modes:
            np.testing.assert_allclose(tl.grad(mod.f)(x), fd, rtol=1e-6, atol=1e-8)
        v = np.array([0.3, -0.7, 1.1])
        np.testing.assert_allclose(tl.jvp(mod.f, (x,), (v,))[1], fd @ v, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(TRY_REFUSED))
def test_try_blocks_that_may_lose_a_derivative_are_refused_by_user_names(tmp_path, monkeypatch, name):
    body, names = TRY_REFUSED[name]
    mod = _load(tmp_path, monkeypatch, f"tryno_{name}", body)
    with pytest.raises(tl.errors.UnsupportedConstructError) as info:
        tl.jvp(mod.f, (np.array([0.5, 1.2, 2.0]),), (np.ones(3),))
    message = str(info.value)
    assert f"{names} may be assigned in the try block" in message, message
    assert "'_ret" not in message and "'_brk" not in message
