"""Guards: a generated derivative is reused only while the names it resolved mean the same.

Each test changes what a name means between two calls (rebinding, closures, reloading,
registering rules, redefining in a "notebook cell") and compares the derivative with the
hand-derived one for the *current* meaning.  Also: threads making the first call at once,
memory held by closures made per step, and the self-check mode.
"""

import gc
import importlib
import subprocess
import sys
import textwrap
import threading
import weakref

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite.backends import cache

X = 0.5


def sine(x):
    return np.sin(x)


def cube(x):
    return x ** 3


helper = sine


def uses_helper(x):
    return helper(x) * 2.0


def test_rebound_helper_is_followed():
    global helper
    g = tl.grad(uses_helper)
    try:
        helper = sine
        assert g(X) == pytest.approx(2 * np.cos(X))
        helper = cube
        assert g(X) == pytest.approx(6 * X ** 2)
        assert tl.value_and_grad(uses_helper)(X) == pytest.approx((2 * X ** 3, 6 * X ** 2))
        out, tangent = tl.jvp(uses_helper, (X,), (1.0,))
        assert (out, tangent) == pytest.approx((2 * X ** 3, 6 * X ** 2))
        helper = sine
        assert g(X) == pytest.approx(2 * np.cos(X))
    finally:
        helper = sine


act = np.sin


def uses_act(x):
    return np.sum(act(x))


@pytest.mark.parametrize("name, derivative", [
    ("sin", np.cos), ("tanh", lambda x: 1 - np.tanh(x) ** 2), ("exp", np.exp), ("sin", np.cos)])
def test_module_attribute_chosen_at_run_time(name, derivative):
    global act
    act = getattr(np, name)
    try:
        x = np.array([X, -0.3])
        np.testing.assert_allclose(tl.grad(uses_act)(x), derivative(x))
    finally:
        act = np.sin


def make(fn):
    def inner(x):
        return np.sum(fn(x) * x)
    return inner


def test_closures_of_one_code_over_different_functions():
    x = np.array([X, 1.3])
    s, t = make(np.sin), make(np.tanh)
    np.testing.assert_allclose(tl.grad(s)(x), np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(tl.grad(t)(x), (1 - np.tanh(x) ** 2) * x + np.tanh(x))
    np.testing.assert_allclose(tl.grad(s)(x), np.cos(x) * x + np.sin(x))


def square(x):
    return x * x


def uses_square(x):
    return square(x) + 1.0


def square_vjp(g, ans, x):
    return g * 100.0


def square_jvp(t, ans, x):
    return t * 100.0


def test_rule_registered_after_the_first_call():
    assert tl.grad(uses_square)(X) == pytest.approx(2 * X)
    tl.defvjp(square)(square_vjp)
    tl.defjvp(square)(square_jvp)
    assert tl.grad(uses_square)(X) == pytest.approx(100.0)
    assert tl.jvp(uses_square, (X,), (1.0,))[1] == pytest.approx(100.0)


def constant_later(x):
    return x * 3.0


def uses_constant_later(x):
    return constant_later(x) * x


def test_nondifferentiable_after_the_first_call():
    assert tl.grad(uses_constant_later)(X) == pytest.approx(6 * X)
    tl.nondifferentiable(constant_later)
    assert tl.grad(uses_constant_later)(X) == pytest.approx(3 * X)


def _module(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    return path


def test_reloaded_helper_module_is_followed(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    helpers_path = _module(tmp_path, "tl_guard_helpers", """
        import numpy as np
        def g(x):
            return np.sin(x)
    """)
    _module(tmp_path, "tl_guard_user", """
        import tl_guard_helpers as helpers
        def f(x):
            return helpers.g(x) * 1.0
    """)
    user = importlib.import_module("tl_guard_user")
    assert tl.grad(user.f)(X) == pytest.approx(np.cos(X))
    helpers_path.write_text("def g(x):\n    return x ** 4\n")
    importlib.reload(sys.modules["tl_guard_helpers"])
    assert tl.grad(user.f)(X) == pytest.approx(4 * X ** 3)


def test_function_redefined_like_a_notebook_cell(tmp_path, monkeypatch):
    """Executing a new definition of a helper into the module (a later Jupyter cell)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    _module(tmp_path, "tl_guard_cells", """
        import numpy as np
        def helper(x):
            return np.sin(x)
        def loss(x):
            return helper(x) * 2.0
    """)
    mod = importlib.import_module("tl_guard_cells")
    assert tl.grad(mod.loss)(X) == pytest.approx(2 * np.cos(X))
    cell = tmp_path / "cell2.py"
    cell.write_text("def helper(x):\n    return x * x * x\n")
    exec(compile(cell.read_text(), str(cell), "exec"), mod.__dict__)  # noqa: S102 - a notebook cell
    assert tl.grad(mod.loss)(X) == pytest.approx(6 * X ** 2)


def test_helper_passed_as_an_argument_and_inlined(tmp_path, monkeypatch):
    """rk4-style: a user function receiving a function is inlined; its module's names are guarded."""
    monkeypatch.syspath_prepend(str(tmp_path))
    _module(tmp_path, "tl_guard_stepper", """
        import numpy as np
        scale = np.sin
        def step(f, y):
            return scale(f(y))
    """)
    _module(tmp_path, "tl_guard_model", """
        import numpy as np
        import tl_guard_stepper as stepper
        def rhs(y):
            return y * 2.0
        def model(y):
            return stepper.step(rhs, y)
    """)
    model = importlib.import_module("tl_guard_model")
    stepper = sys.modules["tl_guard_stepper"]
    assert tl.grad(model.model)(X) == pytest.approx(2 * np.cos(2 * X))
    stepper.scale = np.tanh
    assert tl.grad(model.model)(X) == pytest.approx(2 * (1 - np.tanh(2 * X) ** 2))


_CHILD = """
import sys
import numpy as np
import tangent_lite as tl
act = getattr(np, sys.argv[1])
def f(x):
    return np.sum(act(x))
print(repr(float(tl.grad(f)(np.array([0.5]))[0])))
"""


def test_disk_entries_for_other_bindings_are_not_loaded(tmp_path):
    script = tmp_path / "tl_guard_child.py"
    script.write_text(_CHILD)
    env = {"TANGENT_LITE_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": ":".join(sys.path)}
    got = {}
    for name in ("sin", "tanh", "exp", "sin"):
        out = subprocess.run([sys.executable, str(script), name], capture_output=True, text=True, env=env,
                             timeout=120, check=True)
        got.setdefault(name, []).append(float(out.stdout.strip()))
    assert got["sin"] == pytest.approx([np.cos(0.5)] * 2)
    assert got["tanh"] == pytest.approx([1 - np.tanh(0.5) ** 2])
    assert got["exp"] == pytest.approx([np.exp(0.5)])


# ------------------------------------------------------------------ threads


def threaded_loss(x, y):
    s = 0.0
    for _ in range(3):
        s = s + np.sin(x * y) * x + x ** 2
    return s


def _first_calls_at_once(grad, args, n=8, calls=10):
    """Results and errors of ``n`` threads each calling ``grad(*args)`` ``calls`` times, started together."""
    results, errors = [], []
    barrier = threading.Barrier(n)

    def work():
        barrier.wait()
        try:
            for _ in range(calls):
                results.append(grad(*args))
        except Exception as exc:  # noqa: BLE001 - collected and reported
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_eight_threads_make_the_first_call_at_once():
    expected = tl.grad(threaded_loss, wrt=(0, 1))(0.3, 0.7)
    for _ in range(3):
        cache.clear_memory()
        results, errors = _first_calls_at_once(tl.grad(threaded_loss, wrt=(0, 1)), (0.3, 0.7))
        assert errors == []
        assert len(results) == 80
        for r in results:
            assert isinstance(r, tuple) and len(r) == 2 and np.allclose(r, expected)


def test_threads_with_closures_of_one_code():
    x = np.array([0.2, 0.4])
    fns = [make(np.sin), make(np.tanh)] * 4
    expected = [tl.grad(f)(x) for f in fns[:2]]
    cache.clear_memory()
    out = [None] * 8
    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        out[i] = [tl.grad(fns[i])(x) for _ in range(5)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, results in enumerate(out):
        for r in results:
            np.testing.assert_allclose(r, expected[i % 2])


# ------------------------------------------------------------------ memory


def make_loss(Xb, yb):
    def loss(w):
        r = Xb @ w - yb
        return np.sum(r * r)
    return loss


def test_closures_made_per_step_are_not_kept_alive():
    rng = np.random.default_rng(0)
    refs = []
    w = np.zeros(10)
    for _ in range(20):
        loss = make_loss(rng.normal(size=(50, 10)), rng.normal(size=50))
        refs.append(weakref.ref(loss))
        w = w - 1e-3 * tl.grad(loss)(w)
        del loss
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_memory_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 8)
    cache.clear_memory()
    keep = [make(np.sin) for _ in range(30)]
    for f in keep:
        tl.grad(f)(np.array([0.1]))
    assert cache.memory_size() <= 8


# ------------------------------------------------------------------ self-check mode


def doubled(x):
    return x * 2.0


def uses_doubled(x):
    return np.sum(doubled(x) * x)


def doubled_jvp(t, ans, x):
    return t * 2.0


def doubled_vjp_wrong(g, ans, x):
    return g * 3.0  # wrong on purpose: disagrees with the JVP rule


def test_self_check_passes_for_right_derivatives_and_names_the_function_otherwise():
    x = np.array([0.3, -0.2])
    with tl.config(check=True):
        np.testing.assert_allclose(tl.grad(uses_act)(x), np.cos(x))
        tl.vjp(make(np.tanh), x)
        tl.jvp(make(np.sin), (x,), (np.ones(2),))
    tl.defjvp(doubled)(doubled_jvp)
    tl.defvjp(doubled)(doubled_vjp_wrong)
    with tl.config(check=True), pytest.raises(tl.SelfCheckError, match="uses_doubled"):
        tl.grad(uses_doubled)(x)
    tl.grad(uses_doubled)(x)  # without the check: no error (the rule is the user's)


# ------------------------------------------------------------------ array types


@pytest.mark.parametrize("value, what", [
    (np.matrix([[1.0, 2.0], [3.0, 4.0]]), "numpy.matrix"),
    (np.ma.masked_array([1.0, 2.0], mask=[0, 1]), "masked array"),
])
def test_array_types_with_other_arithmetic_are_refused(value, what):
    def f(x):
        return np.sum(x * x)
    for call in (lambda: tl.grad(f)(value), lambda: tl.vjp(f, value), lambda: tl.jvp(f, (value,), (value,))):
        with pytest.raises(tl.ArgumentError, match=what):
            call()
