"""Copy first in loops, flow-sensitively (breaker round 28, F7 and F7b).

``s = G`` then, in a loop, ``s = s.copy(); s[i] = ...`` never writes into the argument ``G``: ``s`` is
made again on every path from ``s = G`` to the write.  The alias analysis (analysis/shared_writes.py,
analysis/program_order.py) refused it when ``G`` was read after the loop, also in a
``tl.checkpointed`` loop (whose step carried the temporaries of a branch, as if shared) and in a
called function (``written_parameters``: the caller was told the callee changes ``G``).

Every case runs as Python first: whether the write reaches ``G`` is seen on the array itself.
A case that leaves ``G`` alone must be accepted, with derivatives equal to central finite
differences; one whose write reaches ``G`` must be refused at the write's line, or be right.
"""

from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import cli
from tangent_lite.errors import MultipleErrors, UnsupportedConstructError

G0 = np.array([1.0, -2.0, 0.5, 1.5])
X0 = np.array([0.7, -1.3, 2.0])
DG = np.array([0.3, -0.2, 0.9, 0.4])
DX = np.array([-0.6, 0.8, 0.25])
_COUNTER = itertools.count()


def _load(tmp_path, monkeypatch, body, header="import numpy as np\n\nimport tangent_lite as tl\n\n\n"):
    """The module of ``def f(G, x):`` + ``body``, and the line of the write marked ``# W``."""
    name = f"copy_first_loops_{next(_COUNTER)}"
    text = header + "def f(G, x):\n" + body.strip("\n") + "\n"
    (tmp_path / f"{name}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    marked = [i for i, line in enumerate(text.split("\n"), 1) if line.endswith("# W")]
    return importlib.import_module(name), f"{name}.py:{marked[0]}" if marked else None


def _fd_grads(f, eps=1e-6):
    out = []
    for k in range(2):
        g = np.zeros_like((G0, X0)[k])
        for j in range(g.size):
            plus, minus = [G0.copy(), X0.copy()], [G0.copy(), X0.copy()]
            plus[k][j] += eps
            minus[k][j] -= eps
            g[j] = (f(*plus) - f(*minus)) / (2 * eps)
        out.append(g)
    return out


def _reaches_G(f) -> bool:
    G = G0.copy()
    f(G, X0.copy())
    return not np.array_equal(G, G0)


def _check(mod, where, modes=("vjp", "jvp")) -> bool:
    """Derivatives of ``mod.f`` in ``modes`` against finite differences; a refusal must name the
    write's line ``where``.  Returns whether every mode was accepted."""
    fd_G, fd_x = _fd_grads(mod.f)
    accepted = True
    for mode in modes:
        try:
            if mode == "vjp":
                gG, gx = tl.grad(mod.f, wrt=("G", "x"))(G0.copy(), X0.copy())
                np.testing.assert_allclose(gG, fd_G, rtol=1e-6, atol=1e-8)
                np.testing.assert_allclose(gx, fd_x, rtol=1e-6, atol=1e-8)
            else:
                _, tangent = tl.jvp(mod.f, (G0.copy(), X0.copy()), (DG, DX))
                np.testing.assert_allclose(tangent, fd_G @ DG + fd_x @ DX, rtol=1e-6, atol=1e-8)
        except (UnsupportedConstructError, MultipleErrors) as e:  # (several writes: each named)
            assert where is not None and where in str(e), str(e)
            accepted = False
    return accepted


# --------------------------------------------------------------- the grid: copy x loop x read of G

COPIES = {
    "copy_first": ["s = s.copy()", "WRITE"],
    "np_array_first": ["s = np.array(s)", "WRITE"],
    "arithmetic_first": ["s = s * 1.0", "WRITE"],
    "both_branches": ["if i % 2 == 1:", "    s = s.copy()", "else:", "    s = s + 0.0", "WRITE"],
    "one_branch": ["if i % 2 == 1:", "    s = s.copy()", "WRITE"],
    "after_the_write": ["WRITE", "s = s.copy()"],
    "no_copy": ["WRITE"],
    "in_a_loop_that_may_not_run": ["for j in range(i):", "    s = s.copy()", "WRITE"],
}
LOOPS = {  # (lines before the body, the body's depth, lines after it at that depth)
    "for": (["for i in range(3):"], 1, []),
    "while": (["i = 0", "while i < 3:"], 1, ["i += 1"]),
    "checkpointed": (["for i in tl.checkpointed(range(3), snapshots=2):"], 1, []),
    "nested": (["for k in range(2):", "    for i in range(3):"], 2, []),
}
READS = {  # (before the loop, in the write, returned)
    "after": ([], "", "np.sum(s * s) + np.sum(G)"),
    "in": ([], " + G[3] * x[0]", "np.sum(s * s)"),
    "before": (["c = np.sum(G * G)"], "", "np.sum(s * s) * c"),
}


def _grid_body(copy: str, loop: str, read: str) -> str:
    head, depth, tail = LOOPS[loop]
    before, extra, ret = READS[read]
    write = f"s[i] = s[i] * x[i]{extra}  # W"
    lines = before + ["s = G"] + head
    lines += ["    " * depth + (write if line == "WRITE" else line) for line in COPIES[copy] + tail]
    return "\n".join("    " + line for line in lines + [f"return {ret}"])


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("loop", sorted(LOOPS))
@pytest.mark.parametrize("copy", sorted(COPIES))
def test_accepted_exactly_when_the_write_never_reaches_G(tmp_path, monkeypatch, copy, loop, read):
    mod, where = _load(tmp_path, monkeypatch, _grid_body(copy, loop, read))
    reaches = _reaches_G(mod.f)
    assert reaches == (copy in ("one_branch", "after_the_write", "no_copy", "in_a_loop_that_may_not_run"))
    accepted = _check(mod, where)
    if not reaches:
        assert accepted
    elif read != "before":  # G read after the write (or by it): the shared change is refused
        assert not accepted


# --------------------------------------------------------------- more shapes, more modes

ACCEPTED = {
    "zeros_filled_then_bound": """
    s = G
    for i in range(3):
        t = np.zeros(4)
        t[:] = s
        s = t
        s[i] = s[i] * x[i] + G[i]
    return np.sum(s ** 2) + G[0]""",
    "copy_in_the_outer_loop": """
    s = G
    for k in range(2):
        s = s.copy()
        for i in range(3):
            s[i] = s[i] * x[i] + k
    return np.sum(s * G)""",
    "augmented_after_a_new_array": """
    s = G
    for i in range(3):
        s = s * 1.0
        s[i] *= x[i]
    return np.sum(s * G)""",
    "bound_back_to_G_at_the_end": """
    s = x[0] * G
    for i in range(3):
        s = s.copy()
        s[i] = s[i] * x[i]
        s = G
    return np.sum(s * x[0]) + np.sum(G)""",
    "tuple_rebinding": """
    s = G
    for i in range(3):
        s, c = np.array(s), x[i]
        s[i] = s[i] * c
    return np.sum(s * s) + np.sum(G)""",
}

REFUSED = {  # the write reaches G, read afterwards
    "alias_taken_before_the_copy": """
    s = G
    for i in range(3):
        t = s
        s = s.copy()
        t[i] = t[i] * x[i]  # W
    return np.sum(s * s) + np.sum(G)""",
    "copy_of_another_name": """
    s = G
    for i in range(3):
        u = s.copy()
        s[i] = s[i] * x[i] + u[i]  # W
    return np.sum(s * s) + np.sum(G)""",
    "view_taken_before_the_loop": """
    s = G
    v = s[1:]
    for i in range(3):
        s = s.copy()
        v[i] = v[i] * x[i]  # W
    return np.sum(s * s) + np.sum(G)""",
    "write_before_the_copy_then_continue": """
    s = G
    for i in range(3):
        if i == 0:
            s[0] = s[0] * x[0]  # W
            continue
        s = s.copy()
        s[i] = s[i] * x[i]
    return np.sum(s * s) + np.sum(G)""",
    "write_in_the_outer_loop_copy_in_the_inner": """
    s = G
    for k in range(2):
        s[k] = s[k] * x[k]  # W
        for i in range(3):
            s = s.copy()
    return np.sum(s * s) + np.sum(G)""",
    "augmented_is_not_a_copy": """
    s = G
    for i in range(3):
        s += 0.5 * x[i]  # W
        s[i] = s[i] * x[i]
    return np.sum(s * s) + np.sum(G)""",
    "bound_to_G_at_the_end_without_copy": """
    s = x[0] * G
    for i in range(3):
        s[i] = s[i] * x[i]  # W
        s = G
    return np.sum(s) + np.sum(G)""",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_copy_first_shapes_work_in_every_mode(tmp_path, monkeypatch, name):
    mod, _ = _load(tmp_path, monkeypatch, ACCEPTED[name])
    assert not _reaches_G(mod.f)
    assert _check(mod, None)
    fd_x = _fd_grads(mod.f)[1]
    np.testing.assert_allclose(tl.jacobian(mod.f, wrt="x")(G0, X0), fd_x, rtol=1e-6, atol=1e-8)
    hess = tl.hessian(mod.f, wrt="x")(G0, X0)

    def grad_x(x):
        return tl.grad(mod.f, wrt="x")(G0, x)

    fd_hess = np.array([(grad_x(X0 + 1e-5 * e) - grad_x(X0 - 1e-5 * e)) / 2e-5 for e in np.eye(3)])
    np.testing.assert_allclose(hess, fd_hess, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_writes_that_reach_G_stay_refused_at_their_line(tmp_path, monkeypatch, name):
    mod, where = _load(tmp_path, monkeypatch, REFUSED[name])
    assert _reaches_G(mod.f)
    for mode in ("vjp", "jvp"):
        assert not _check(mod, where, modes=(mode,))  # (refused at the line of the write)


@pytest.mark.parametrize("mode", ["vjp", "jvp"])
def test_adgen_files_of_copy_first_loops(tmp_path, monkeypatch, mode):
    mod, _ = _load(tmp_path, monkeypatch, _grid_body("both_branches", "nested", "after"))
    out = tmp_path / f"{mod.__name__}_{mode}.py"
    assert cli.main([f"{mod.__file__}:f", "--mode", mode, "--wrt", "G,x", "-o", str(out)]) == 0
    spec = importlib.util.spec_from_file_location(out.stem, out)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    fd_G, fd_x = _fd_grads(mod.f)
    G = G0.copy()
    if mode == "vjp":
        value, (gG, gx) = generated.f_vjp(G, X0.copy())
        np.testing.assert_allclose(gG, fd_G, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gx, fd_x, rtol=1e-6, atol=1e-8)
    else:
        value, tangent = generated.f_jvp(G, X0.copy(), DG, DX)
        np.testing.assert_allclose(tangent, fd_G @ DG + fd_x @ DX, rtol=1e-6, atol=1e-8)
    assert value == pytest.approx(mod.f(G0.copy(), X0.copy()))
    np.testing.assert_array_equal(G, G0)


CALLEE = """
def copies_first(G, x):
    s = G
    for i in range(3):
        s = s.copy()
        s[i] = s[i] * x[i]
    return s


def copies_after(G, x):
    s = G
    for i in range(3):
        s[i] = s[i] * x[i]
        s = s.copy()
    return s


def f(G, x):
    y = {callee}(G, x)  # W
    return np.sum(y * y) + np.sum(G)
"""


@pytest.mark.parametrize("callee", ["copies_first", "copies_after"])
def test_a_called_function_that_copies_first_leaves_its_argument(tmp_path, monkeypatch, callee):
    name = f"copy_first_callee_{next(_COUNTER)}"
    text = "import numpy as np\n" + CALLEE.format(callee=callee)
    (tmp_path / f"{name}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module(name)
    line = next(i for i, t in enumerate(text.split("\n"), 1) if t.endswith("# W"))
    if callee == "copies_first":
        assert not _reaches_G(mod.f)
        assert _check(mod, None)
    else:
        assert _reaches_G(mod.f)
        with pytest.raises(UnsupportedConstructError, match="changes its argument 'G' in place") as info:
            tl.grad(mod.f, wrt="x")(G0.copy(), X0.copy())
        assert f"{name}.py:{line}" in str(info.value)
