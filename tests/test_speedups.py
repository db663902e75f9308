"""Before/after tests of the speed optimisations of the generated derivatives.

Each test shows a construct the generated code used to contain, checks that the
generated source no longer contains it, and checks that the derivative is still right
(finite differences, or the pass's own before/after text).  No timing assertions: the
speed itself is measured by ``benchmarks/run.py``.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

import tangent_lite as tl
from tangent_lite import api, runtime
from tangent_lite.analysis import shapes
from tangent_lite.frontend import anf
from tangent_lite.inspect.testing import check_grads
from tangent_lite.modes.vjp import hoist_invariants
from tangent_lite.passes import copies, dead, fold, hoist, release, saves, seeds, tuples, uniform, unused_forward
from tangent_lite.syntax import parse_module, to_source


def _vjp_source(fn, wrt, args):
    """The generated module of ``fn``'s gradient, specialised to the ranks of ``args`` as
    ``tl.grad`` specialises it at its first call."""
    return api.generate(fn, "vjp", list(wrt), spec=api._spec(list(args))).text


def _function(text, name):
    """The text of one generated function of a module."""
    start = text.index(f"def {name}(")
    end = text.find("\ndef ", start + 1)
    return text[start:end if end > 0 else None]


def _numeric_grad(f, args, i, eps=1e-6):
    args = list(args)
    x = args[i]
    if np.ndim(x) == 0:
        up, down = list(args), list(args)
        up[i], down[i] = x + eps, x - eps
        return (f(*up) - f(*down)) / (2 * eps)
    g = np.zeros_like(x, dtype=float)
    for k in np.ndindex(np.shape(x)):
        up, down = np.array(x, dtype=float), np.array(x, dtype=float)
        up[k] += eps
        down[k] -= eps
        g[k] = (f(*args[:i], up, *args[i + 1:]) - f(*args[:i], down, *args[i + 1:])) / (2 * eps)
    return g


def _assert_grad_fd(f, args, wrt):
    grads = tl.grad(f, wrt=wrt)(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for g, i in zip(grads, wrt):
        np.testing.assert_allclose(g, _numeric_grad(f, args, i), rtol=1e-5, atol=1e-6)


def _parse(text):
    return parse_module(textwrap.dedent(text)).body[0]


def _text(fdef):
    return to_source(fdef).strip()


def _code(text):
    """``text`` without its comment lines (they quote the user's source)."""
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


# ---------------------------------------------------------------- user functions returning tuples


def rhs(u, v, a, b):
    return a * u - b * u * v, u * v - b * v


def integrate(a, b, u, v, n):
    dt = 0.1
    loss = 0.0
    for _ in range(n):
        k1u, k1v = rhs(u, v, a, b)
        k2u, k2v = rhs(u + 0.5 * dt * k1u, v + 0.5 * dt * k1v, a, b)
        u = u + dt * k2u
        v = v + dt * k2v
        loss = loss + (u - 1.0) ** 2 + v * v
    return loss


def test_ranks_follow_tuples_returned_by_user_functions():
    # before: k1u, k1v = rhs(...) gave k1u, k1v (and then u, v) an unknown rank
    w = anf.lower(integrate)
    ranks = shapes.infer_ranks(w, {"a": 0, "b": 0, "u": 0, "v": 0, "n": 0})
    for name in ("k1u", "k1v", "k2u", "k2v", "u", "v", "loss"):
        assert ranks.get(name) == 0, name
    arrays = shapes.infer_ranks(w, {"a": 0, "b": 0, "u": 1, "v": 1, "n": 0})
    assert arrays.get("k1u") == 1 and arrays.get("u") == 1


def test_scalar_callee_code_has_no_broadcast_helpers():
    args = (1.0, 0.6, 1.5, 1.0, 4)
    text = _vjp_source(integrate, ("a", "b"), args)
    fused = _function(text, "integrate_vjp")
    # before: every adjoint went through _tl.unbroadcast, the state adjoints through zeros_like
    assert "unbroadcast" not in fused and "zeros_like" not in fused
    # before: the callee's adjoints came back as a tuple indexed entry by entry
    assert "_bar[0]" not in fused and "[2]" not in fused
    _assert_grad_fd(integrate, args, (0, 1))
    check_grads(integrate, args, wrt=(0, 1))


def test_callers_call_the_adjoints_without_as_grad():
    spec = (0, 0, 0, 0)
    text = api.generate(rhs, "vjp", ["u", "v", "a", "b"], spec=spec).text
    inner = _function(text, "rhs_adjoints")
    assert "as_grad" not in inner  # before: _tl.as_grad per argument and call
    assert "as_grad" in _function(text, "rhs_bwd")  # what users call keeps its guarantees
    assert '"adjoints": "rhs_adjoints"' in text
    caller = _vjp_source(integrate, ("a", "b"), (1.0, 0.6, 1.5, 1.0, 4))
    assert '"rhs_bwd": "rhs_adjoints"' in caller  # the caller's local name is bound to the adjoints
    assert "rhs_bwd(" in _function(caller, "integrate_vjp")
    # the user-facing pullback still returns Python floats for float inputs
    _, pullback = tl.vjp(rhs, 1.5, 1.0, 0.6, 0.4, wrt=(0, 1, 2, 3))
    grads = pullback((1.0, 2.0))
    assert all(type(g) is float for g in grads)
    expected = (1.0 * (0.6 - 0.4 * 1.0) + 2.0 * 1.0, -1.0 * 0.4 * 1.5 + 2.0 * (1.5 - 0.4), 1.5, -1.5 * 1.0 - 2.0)
    np.testing.assert_allclose(grads, expected)


def test_unspecialised_callees_keep_one_pullback():
    text = api.generate(rhs, "vjp", ["u", "v", "a", "b"]).text  # no ranks: as_grad stays needed
    assert "rhs_adjoints" not in text and '"adjoints"' not in text


# ---------------------------------------------------------------- loop-invariant hoisting


def stepper(x, dt, n):
    for _ in range(n):
        x = x + 0.5 * dt * math.sin(x) + dt / 4.0 * x
    return x


def test_hoist_invariants_before_after():
    w = anf.lower(stepper)
    before = w.text()
    assert "for _ in _t0:\n        _t1 = 0.5 * dt" in before
    assert hoist_invariants(w.fdef, shapes.infer_ranks(w, {"x": 0, "dt": 0, "n": 0}))
    after = w.text()
    head, loop = after.split("for _ in")
    assert "0.5 * dt" in head and "dt / 4.0" in head  # computed once, before the loop
    assert "0.5 * dt" not in loop and "dt / 4.0" not in loop
    assert "math.sin(x)" in loop  # reads the loop-carried x: stays


def test_hoisted_constants_are_not_taped():
    args = (0.3, 0.1, 20)
    fused = _function(_vjp_source(stepper, ("x", "dt"), args), "stepper_vjp")
    # before: _tape.append(_t1); _t1 = 0.5 * dt in every iteration, popped in reverse
    head, loop = _code(fused).split("for _ in _t0:")[:2]
    assert "0.5 * dt" in head and "0.5 * dt" not in loop
    assert fused.count("_tape.append") == 2  # x and math.sin's input are what the loop saves
    _assert_grad_fd(stepper, args, (0, 1))
    _assert_grad_fd(stepper, (0.3, 0.1, 0), (0, 1))  # the loop may not run


def divide_in_loop(x, y, n):
    for _ in range(n):
        x = x * 0.5 + x / y
    return x


def test_division_by_a_variable_is_not_hoisted():
    w = anf.lower(divide_in_loop)
    hoist_invariants(w.fdef, shapes.infer_ranks(w, {"x": 0, "y": 0, "n": 0}))
    assert "/ y" in w.text().split("for _ in")[1]
    assert tl.grad(divide_in_loop)(1.0, 0.0, 0) == 1.0  # y = 0, loop not run: no ZeroDivisionError


# ---------------------------------------------------------------- shapes known equal


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def shifted(x, y):
    return np.sum(x[1:] * y + np.tanh(x[:-1]))


def test_no_unbroadcast_between_slices_of_the_same_length():
    x = np.random.default_rng(0).uniform(-2, 2, size=7)
    fused = _function(_vjp_source(rosen, ("x",), (x,)), "rosen_vjp")
    # before: _t5_bar = _tl.unbroadcast(_t9_bar, _t5), ... eleven times
    assert "unbroadcast" not in fused
    _assert_grad_fd(rosen, (x,), (0,))


def test_unbroadcast_stays_where_shapes_may_differ():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=6), rng.normal(size=1)  # y broadcast against x[1:]
    fused = _function(_vjp_source(shifted, ("x", "y"), (x, y)), "shifted_vjp")
    assert "_tl.unbroadcast(" in fused and ", y)" in fused
    _assert_grad_fd(shifted, (x, y), (0, 1))
    _assert_grad_fd(shifted, (x, rng.normal(size=5)), (0, 1))


def test_shape_classes():
    w = anf.lower(rosen)
    classes = shapes.infer_shape_classes(w, shapes.infer_ranks(w, {"x": 1}))
    assert classes["_t0"] == classes["_t1"] == classes["_t3"] == classes["_t9"] == ("trim", ("arg", "x"), (1,))
    w2 = anf.lower(shifted)
    classes2 = shapes.infer_shape_classes(w2, shapes.infer_ranks(w2, {"x": 1, "y": 1}))
    assert "y" in classes2 and classes2.get("_t1") is None  # x[1:] * y: unknown


def axes_and_newaxes(W, D):
    a = W[:, None, :]
    b = np.sum(a * a, axis=2)
    c = np.sum(b, 0, keepdims=True)
    d = np.sum(W[None], axis=(0, 1))
    e = np.mean(b, axis=k_axis)
    return np.sum(c * D) + np.sum(d) + np.sum(e)


k_axis = 1


def test_ranks_through_newaxis_and_reductions_over_axes():
    w = anf.lower(axes_and_newaxes)
    ranks = shapes.infer_ranks(w, {"W": 2, "D": 2})
    assert ranks["a"] == 3 and ranks["b"] == 2 and ranks["c"] == 2 and ranks["_t1"] == 3  # _t1 = W[None]
    assert ranks["d"] is None  # the axes tuple is a variable of the lowered code: not a constant
    assert ranks["e"] is None  # an axis held in a global
    # the generated gradient now releases the arrays it no longer needs (they had no rank before)
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(4, 2)), rng.normal(size=(1, 4)))
    assert "b = None" in _code(api.generate(axes_and_newaxes, "vjp", ["W"], spec=api._spec(list(args)),
                                            options=api._GRAD_ONLY).text)
    _assert_grad_fd(axes_and_newaxes, args, (0,))


# ---------------------------------------------------------------- releasing dead arrays


def test_release_dead_before_after():
    fdef = _parse("""
        def f(x, s_bar):
            a = x * 2.0
            b = a + 1.0
            s = np.sum(b)
            b_bar = s_bar * b
            c = b_bar * 3.0
            return s, c
        """)
    assert release.release_dead(fdef, {"a", "b", "b_bar", "c"})
    # nothing is released just before the return (the frame goes anyway), nor what it returns
    assert _text(fdef) == textwrap.dedent("""\
        def f(x, s_bar):
            a = x * 2.0
            b = a + 1.0
            a = None
            s = np.sum(b)
            b_bar = s_bar * b
            b = None
            c = b_bar * 3.0
            return s, c""")


def test_generated_code_releases_arrays_not_scalars():
    x = np.random.default_rng(0).uniform(-2, 2, size=9)
    fused = _function(_vjp_source(rosen, ("x",), (x,)), "rosen_vjp")
    # before: every temporary array lived until the function returned
    assert "_t9 = None" in fused and "_t1_bar = None" in fused
    assert "_t10 = None" not in fused  # the scalar sum
    _assert_grad_fd(rosen, (x,), (0,))
    check_grads(rosen, (x,), order=2)  # the released code is itself differentiated (HVP)


# ---------------------------------------------------------------- algebraic clean-ups


def test_fold_zero_before_after():
    fdef = _parse("""
        def f(x_bar, g):
            a_bar = 0.0 + g
            b_bar = g - 0.0
            c_bar = 0.0 - g
            d_bar = g * 1.0
            return a_bar, b_bar, c_bar, d_bar
        """)
    assert fold.fold_constants(fdef)
    assert _text(fdef) == textwrap.dedent("""\
        def f(x_bar, g):
            a_bar = g
            b_bar = g
            c_bar = -g
            d_bar = g
            return a_bar, b_bar, c_bar, d_bar""")


def test_forward_tuples_before_after():
    fdef = _parse("""
        def f(res, a_bar, b_bar):
            _t20_bar = a_bar, b_bar
            _t1, _t2 = g_bwd(res, _t20_bar[0], _t20_bar[1])
            return _t1, _t2
        """)
    assert tuples.forward_tuples(fdef, {"res", "a_bar", "b_bar"})
    dead.remove_dead(fdef, {"res", "a_bar", "b_bar"})
    assert _text(fdef) == textwrap.dedent("""\
        def f(res, a_bar, b_bar):
            _t1, _t2 = g_bwd(res, a_bar, b_bar)
            return _t1, _t2""")


def test_forward_tuples_stops_where_an_element_changes():
    fdef = _parse("""
        def f(a_bar, b_bar):
            t = a_bar, b_bar
            a_bar = a_bar * 2.0
            c = t[0] + a_bar
            return c
        """)
    assert not tuples.forward_tuples(fdef, {"a_bar", "b_bar", "c"})
    assert "t[0]" in _text(fdef)


def activations(x):
    h = np.tanh(x)
    e = np.exp(h)
    return np.sum(e * 3.0)


def test_tanh_and_exp_derivatives_reuse_their_results():
    x = np.linspace(-1.0, 1.0, 5)
    fused = _function(_vjp_source(activations, ("x",), (x,)), "activations_vjp")
    rev = _code(fused.split("# reverse sweep")[1])
    assert "np.tanh" not in rev and "np.exp" not in rev  # the primal h and e are read instead
    assert "* 1.0" not in fused and "1.0 *" not in fused and "0.0 +" not in fused
    _assert_grad_fd(activations, (x,), (0,))


# ---------------------------------------------------------------- runtime fast paths


@pytest.mark.parametrize("shape", [(1, 64), (3,), (200, 300)])
def test_sum_bar_fills_small_arrays(shape):
    x = np.ones(shape)
    out = runtime.sum_bar(2.5, x, None, False)
    assert out.shape == shape and np.all(out == 2.5)
    if x.size <= 4096:
        assert out.flags.writeable and out.strides[-1] != 0  # np.full, not a stride-0 view
    else:
        assert out.strides[-1] == 0
    np.testing.assert_array_equal(runtime.sum_bar(np.float64(2.5), x, None, False), out)


def test_matmul_bar_matrix_path_matches_general_path():
    rng = np.random.default_rng(0)
    a, b, g = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    np.testing.assert_allclose(runtime.matmul_bar_a(g, a, b), g @ b.T)
    np.testing.assert_allclose(runtime.matmul_bar_b(g, a, b), a.T @ g)
    a3 = rng.normal(size=(2, 3, 4))  # batched: still the general path
    g3 = rng.normal(size=(2, 3, 5))
    np.testing.assert_allclose(runtime.matmul_bar_b(g3, a3, b), np.einsum("kij,kil->jl", a3, g3))


# ---------------------------------------------------------------- sums' adjoints not spread out


def test_fuse_sum_seeds_before_after():
    fdef = _parse("""
        def f(h, g):
            _t8 = h * h
            _t8_bar = _tl.sum_bar(g, _t8, None, False)
            h_bar = 2.0 * h * _t8_bar
            return h_bar
        """)
    assert seeds.fuse_sum_seeds(fdef, {"h", "g", "h_bar", "_t8"})  # _t8: the user's (protected)
    dead.remove_dead(fdef, {"h", "g", "h_bar", "_t8"})
    assert _text(fdef) == textwrap.dedent("""\
        def f(h, g):
            _t8 = h * h
            h_bar = h * (2.0 * g)
            return h_bar""")


def test_fuse_sum_seeds_needs_the_shape_of_the_summed_array():
    fdef = _parse("""
        def f(h, y, g):
            _t8 = h * y
            _t8_bar = _tl.sum_bar(g, _t8, None, False)
            h_bar = 2.0 * h * _t8_bar
            return h_bar
        """)  # h * y may broadcast h: its shape is not _t8's
    assert not seeds.fuse_sum_seeds(fdef, {"h", "y", "g", "h_bar"})


def sq_dist(W, D):
    diff = W[:, None, :] - W[None, :, :]
    sq = np.sum(diff * diff, axis=2)
    r = sq - D
    return np.sum(r * r)


def rnn_like(W, h0, xs):
    h = h0
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h)
        loss = loss + np.sum(h * h)
    return loss


def test_sum_adjoints_are_not_broadcast_where_a_product_broadcasts_them():
    rng = np.random.default_rng(0)
    W, Z = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    D = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=2)
    fused = _code(_function(_vjp_source(sq_dist, ("W",), (W, D)), "sq_dist_vjp"))
    # before: _t3_bar = _tl.sum_bar(_t4_bar, _t3, None, False); r_bar = 2.0 * r * _t3_bar
    assert "sum_bar" not in fused
    assert "r * (2.0 * _t4_bar)" in fused and "diff_bar_factor = 2.0 * sq_bar[:, :, None]" in fused
    # (the product with diff is only summed: contracted, contract.py)
    _assert_grad_fd(sq_dist, (W, D), (0,))
    args = (rng.normal(scale=0.3, size=(3, 4)), np.zeros((1, 4)), rng.normal(size=(5, 1, 3)))
    loop = _code(_function(_vjp_source(rnn_like, ("W",), args), "rnn_like_vjp"))
    assert "sum_bar" not in loop and "h * (2.0 * " in loop
    _assert_grad_fd(rnn_like, args, (0,))


@pytest.mark.parametrize("g_shape, x_shape", [((40, 60, 2), (40, 1, 2)), ((40, 60, 2), (40, 60, 1)),
                                             ((3, 70, 50), (3, 1, 50)), ((2, 3, 40, 30), (2, 1, 40, 30))])
def test_unbroadcast_inner_axis_as_a_product(g_shape, x_shape):
    g = np.random.default_rng(0).normal(size=g_shape)
    axes = tuple(i for i, (a, b) in enumerate(zip(x_shape, g_shape)) if a == 1 and b != 1)
    out = runtime.unbroadcast(g, np.zeros(x_shape))
    assert out.shape == x_shape
    np.testing.assert_allclose(out, g.sum(axis=axes, keepdims=True), rtol=1e-12, atol=1e-12)


def column_energy(x):
    return np.sum(np.sum(x * x, axis=0)) + np.sum(np.sum(np.tanh(x) * 2.0, axis=0))


def test_sum_over_axis_zero_is_left_alone():
    x = np.linspace(-1.0, 1.0, 6)
    _assert_grad_fd(column_energy, (x,), (0,))
    _assert_grad_fd(column_energy, (x.reshape(2, 3),), (0,))


# ---------------------------------------------------------------- in-place accumulation


def two_views(W, xs):
    s = 0.0
    V = W
    for t in range(xs.shape[0]):
        s = s + np.sum(np.tanh(xs[t] @ W) * (xs[t] @ V))
    return s


def test_owned_adjoints_accumulate_in_place():
    args = (np.random.default_rng(0).normal(scale=0.3, size=(3, 4)), np.zeros((1, 4)),
            np.random.default_rng(1).normal(size=(5, 1, 3)))
    loop = _code(_function(_vjp_source(rnn_like, ("W",), args), "rnn_like_vjp"))
    # before: W_bar = W_bar + _tl.matmul_bar_b(...), a new array every step (and the helper
    # call: matrices by rank, shapes.matrix_products)
    # (in place through _tl.add_into, which makes a new array only where a complex contribution
    # meets a real one)
    assert "W_bar = _tl.add_into(W_bar, _t3.T @ _t4_bar)" in loop
    _assert_grad_fd(rnn_like, args, (0,))
    rng = np.random.default_rng(2)
    _assert_grad_fd(two_views, (rng.normal(size=(3, 4)), rng.normal(size=(4, 2, 3))), (0,))  # W_bar, V_bar alias


def test_drop_unread_saves_before_after():
    fdef = _parse("""
        def f(h, n, s_bar):
            _t8 = None
            _tape = []
            for t in range(n):
                _tape.append(_t8)
                _t8 = h * h
                _tape.append(h)
                h = np.tanh(_t8)
            for t in reversed(range(n)):
                h = _tape.pop()
                s_bar = s_bar * h
                _t8 = _tape.pop()
            return s_bar
        """)
    assert saves.drop_unread_saves(fdef)
    text = _text(fdef)
    assert "_tape.append(_t8)" not in text and "_t8 = _tape.pop()" not in text
    assert "_tape.append(h)" in text and "h = _tape.pop()" in text  # h is read: kept


def test_rnn_does_not_save_what_it_no_longer_reads():
    args = (np.random.default_rng(0).normal(scale=0.3, size=(3, 4)), np.zeros((1, 4)),
            np.random.default_rng(1).normal(size=(5, 1, 3)))
    text = _vjp_source(rnn_like, ("W",), args)
    fused = _function(text, "rnn_like_vjp")
    # before: h * h was pushed every step so that sum_bar could read its shape, and xs[t]
    # (now recomputed in the reverse loop, remat.py)
    assert fused.count("_tape.append") == 2 and fused.count("_tape.pop()") == 2
    assert fused.split("# reverse sweep")[1].count("_t3 = xs[t]") == 1
    assert _function(text, "rnn_like_fwd").count("_tape.append") == 3  # the split pair still pushes h * h
    _assert_grad_fd(rnn_like, args, (0,))
    _, pullback = tl.vjp(rnn_like, *args, wrt=(0,))
    np.testing.assert_allclose(pullback(1.0)[0], tl.grad(rnn_like)(*args), rtol=1e-12)


# ---------------------------------------------------------------- sums' adjoints kept as scalars


def _uniform_facts(ranks, classes):
    return shapes.Facts(ranks, classes, "_tl")


def test_keep_uniform_seeds_before_after():
    fdef = _parse("""
        def f(x, _t10_bar):
            _t9_bar = _tl.sum_bar(_t10_bar, _t9, None, False)
            _t8_bar = _tl.unbroadcast(_t9_bar, _t8)
            _t7_bar = _t8_bar * 2 * _t7
            _t4_bar = 100.0 * _t9_bar
            _t3_bar = 2 * _t3 * _t4_bar
            x_bar[1:] += _t4_bar
            return _tl.as_grad(_t3_bar, x)
        """)
    cls = ("trim", ("arg", "x"), (1,))
    facts = _uniform_facts({"_t10_bar": 0, "_t9": 1, "_t8": 1, "_t7": 1, "_t3": 1, "x": 1},
                           {"_t9": cls, "_t8": cls, "_t7": cls, "_t3": cls, "x": ("arg", "x")})
    assert uniform.keep_uniform_seeds(fdef, {"x", "_t9", "_t8", "_t7", "_t3"}, facts)
    assert _text(fdef) == textwrap.dedent("""\
        def f(x, _t10_bar):
            _t9_bar = _t10_bar
            _t8_bar = _t9_bar
            _t7_bar = _t8_bar * 2 * _t7
            _t4_bar = 100.0 * _t9_bar
            _t3_bar = 2 * _t4_bar * _t3
            x_bar[1:] += _t4_bar
            return _tl.as_grad(_t3_bar, x)""")


@pytest.mark.parametrize("use", [
    "y_bar = _t9_bar * z",  # z: shape unknown, it may be smaller than _t9
    "y_bar = _t9_bar * w",  # w: another shape class
    "return _t9_bar",  # the adjoint itself leaves the function
    "y_bar = g(_t9_bar)",  # a call that may need its shape
    "y_bar = _t9_bar[0]",
])
def test_keep_uniform_seeds_leaves_reads_that_need_the_shape(use):
    fdef = _parse(f"""
        def f(x, _t10_bar, z, w):
            _t9_bar = _tl.sum_bar(_t10_bar, _t9, None, False)
            {use}
            return y_bar
        """)
    facts = _uniform_facts({"_t10_bar": 0}, {"_t9": ("arg", "x"), "x": ("arg", "x"), "w": ("arg", "w")})
    before = _text(fdef)
    assert not uniform.keep_uniform_seeds(fdef, {"x", "_t9"}, facts)
    assert _text(fdef) == before


def test_keep_uniform_seeds_over_an_axis():
    fdef = _parse("""
        def f(d, g):
            _t2_bar = _tl.sum_bar(g, _t2, 2, False)
            d_bar = 2.0 * d * _t2_bar
            return d_bar
        """)
    facts = _uniform_facts({"g": 2, "_t2": 3, "d": 3}, {"_t2": ("arg", "d"), "d": ("arg", "d")})
    assert uniform.keep_uniform_seeds(fdef, {"d", "_t2"}, facts)
    assert "_t2_bar = g[:, :, None]" in _text(fdef)


def rosen_vec(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def test_rosenbrock_gradient_keeps_the_seed_scalar_and_skips_the_value():
    x = np.random.default_rng(3).normal(size=9)
    text = api.generate(rosen_vec, "vjp", ["x"], spec=api._spec([x]), options=api._GRAD_ONLY).text
    code = _code(text)
    assert "sum_bar" not in code and "np.sum" not in code  # no seed array, no value
    assert "return _tl.as_grad(x_bar, x)" in code
    assert "** 2" in code.split("# reverse sweep")[0] or "_t1 ** 2" in code  # the forward terms the gradient reads
    _assert_grad_fd(rosen_vec, (x,), (0,))
    value, g = tl.value_and_grad(rosen_vec)(x)
    assert value == rosen_vec(x)
    np.testing.assert_allclose(g, tl.grad(rosen_vec)(x), rtol=1e-15)


# ---------------------------------------------------------------- tl.grad: no value, no code for it


def accumulate(x, n):
    c = 0.0
    for i in range(n):
        c = c + math.cos(0.5 * i)  # no derivative: only the value reads c (and c itself)
    return np.sum(x * x) + c


def test_drop_unused_forward_before_after():
    fdef = _parse("""
        def f(x, y_bar, js):
            t = 0.0
            for i in range(3):
                t = t + x
                print(t)
            u = x * 2.0
            s = u + 1.0
            v = x * 3.0
            for j in js:
                v = v + 1.0
            x_bar = y_bar * 2.0
            return x_bar
        """)
    assert unused_forward.drop_unused_forward(fdef)
    assert _text(fdef) == textwrap.dedent("""\
        def f(x, y_bar, js):
            t = 0.0
            for i in range(3):
                t = t + x
                print(t)
            x_bar = y_bar * 2.0
            return x_bar""")  # print(t) needs t; u, s, v and the loop over j go


def test_drop_unused_forward_keeps_calls_that_may_do_something():
    fdef = _parse("""
        def f(x, y_bar):
            r = np.random.normal(size=3)
            h = helper(x)
            x_bar = y_bar * 2.0
            return x_bar
        """)
    before = _text(fdef)
    assert not unused_forward.drop_unused_forward(fdef)  # no callee annotations: nothing known pure
    assert _text(fdef) == before


def test_grad_only_module_returns_the_gradient_alone():
    x = np.random.default_rng(4).normal(size=5)
    fused = _code(api.generate(accumulate, "vjp", ["x"], spec=api._spec([x, 3]), options=api._GRAD_ONLY).text)
    assert "cos" not in fused and "for i in" not in fused  # the loop only fed the value
    value_code = _code(api.generate(accumulate, "vjp", ["x"], spec=api._spec([x, 3]), options=api._FUSED).text)
    assert "math.cos" in value_code
    np.testing.assert_allclose(tl.grad(accumulate)(x, 3), 2 * x, rtol=1e-12)
    value, g = tl.value_and_grad(accumulate)(x, 3)
    assert value == accumulate(x, 3)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-12)


def item_or_row(x, k):
    return x[k]  # a scalar for a vector x, a row for a matrix


def test_grad_only_needs_a_known_scalar_output():
    x = np.arange(3.0)
    text = api.generate(item_or_row, "vjp", ["x"], spec=api._spec([x, 1]), options=api._GRAD_ONLY).text
    assert '"returns_value": false' in text  # x[1] of a vector: a scalar
    np.testing.assert_allclose(tl.grad(item_or_row)(x, 1), [0.0, 1.0, 0.0])
    m = np.ones((2, 3))
    text = api.generate(item_or_row, "vjp", ["x"], spec=api._spec([m, 1]), options=api._GRAD_ONLY).text
    assert '"returns_value"' not in text  # a row: the value is returned, and grad refuses it
    with pytest.raises(tl.errors.NonScalarOutputError):
        tl.grad(item_or_row)(m, 1)


# ---------------------------------------------------------------- recomputed, not taped (remat.py)


def rosen_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def logistic(r, x, n):
    for _ in range(n):
        x = r * x * (1.0 - x)
    return x


def _grad_code(fn, args):
    names = api.resolve_wrt(fn, None)[0] if len(args) == 1 else tuple(
        p for p, a in zip(api._params(fn), args) if isinstance(a, (float, np.ndarray)))
    return _code(api.generate(fn, "vjp", list(names), spec=api._spec(list(args)), options=api._GRAD_ONLY).text)


def test_loop_temporaries_are_recomputed_and_the_forward_loop_goes():
    x = np.random.default_rng(5).normal(size=7)
    code = _grad_code(rosen_loop, (x,))
    # before: every temporary pushed in a forward loop, popped in the reverse one
    assert "_tape" not in code and code.count("for i in") == 1 and "for i in reversed(" in code
    assert "_t8 = _t5 - _t7" in code.split("for i in reversed(")[1]
    _assert_grad_fd(rosen_loop, (x,), (0,))
    check_grads(rosen_loop, (x,), order=2)


def test_recomputation_after_the_restore_it_reads():
    split = _code(api.generate(logistic, "vjp", ["r", "x"], spec=api._spec([3.7, 0.3, 20])).text)
    bwd = _function(split, "logistic_bwd")
    # before: _t1 = r * x and _t2 = 1.0 - x pushed too
    assert _function(split, "logistic_fwd").count("_tape.append(") == 1 and bwd.count("_tape.pop()") == 1
    rev = bwd.split("for _ in reversed(")[1]
    assert rev.index("x = _tape.pop()") < rev.index("_t2 = 1.0 - x") < rev.index("_t1_bar = x_bar * _t2")
    # tl.grad's own function walks that one-loop tape backwards instead of popping it (hoist.iterate_tape)
    code = _grad_code(logistic, (3.7, 0.3, 20))
    assert "for x in reversed(_tape):" in code and "_tape.pop()" not in code
    check_grads(logistic, (2.5, 0.3, 10), wrt=(0, 1), order=2)
    np.testing.assert_allclose(tl.grad(logistic, wrt=(0, 1))(3.7, 0.3, 20),
                               tl.value_and_grad(logistic, wrt=(0, 1))(3.7, 0.3, 20)[1], rtol=1e-15)


def carried(x, n):
    t = 0.0
    s = 0.0
    for i in range(n):
        s = s + t * x  # reads the previous iteration's t: t cannot be recomputed from x alone
        t = x * i
    return s


def read_after(x, n):
    t = 0.0
    for i in range(n):
        t = x * i
    return t * x  # t is read after the loop


def with_break(x, n):
    s = 0.0
    for i in range(n):
        t = x * i
        if i > 3:
            break
        s = s + t * t
    return s


def reassigned_operand(x, n):
    s = 0.0
    y = x
    for i in range(n):
        y = y * 0.9
        t = y * i  # y changes before t: its value at t is not what the restore gives
        s = s + t * t
    return s


@pytest.mark.parametrize("fn", [carried, read_after, with_break, reassigned_operand])
def test_recomputation_only_where_the_values_are_the_same(fn):
    check_grads(fn, (0.7, 6), wrt=(0,), order=2)
    _assert_grad_fd(fn, (0.7, 6), (0,))
    code = _grad_code(fn, (0.7, 6))
    assert "reversed(" in code and "t = x * i" not in code.split("reversed(")[1]  # t is taped, not recomputed


# ---------------------------------------------------------------- repeated subexpressions, loop clean-ups


def test_repeated_indexing_is_computed_once():
    w = anf.lower(rosen_loop)
    before = to_source(w.fdef).count("x[i]")
    assert before == 2
    from tangent_lite.passes import cse
    assert cse.eliminate(w)
    assert to_source(w.fdef).count("x[i]") == 1
    x = np.random.default_rng(8).normal(size=6)
    code = _grad_code(rosen_loop, (x,))
    assert code.count("x_bar[i] +=") == 1  # one accumulation for both uses
    _assert_grad_fd(rosen_loop, (x,), (0,))


def overwritten_between(x, n):
    s = 0.0
    for i in range(n):
        a = x[i] * 2.0
        x[i] = a + 1.0  # x changes: the next x[i] is another value
        s = s + x[i] * a
    return s


def user_named(x):
    a = x[0] * 3.0
    b = x[0] * 3.0  # the user's own names are kept, both of them
    return a * b


def test_cse_leaves_what_may_differ_and_the_users_names():
    from tangent_lite.passes import cse
    w = anf.lower(overwritten_between)
    text = to_source(w.fdef)
    cse.eliminate(w)
    assert to_source(w.fdef).count("x[i]") == text.count("x[i]")
    w2 = anf.lower(user_named)
    cse.eliminate(w2)
    assert "b = " in to_source(w2.fdef)
    x = np.random.default_rng(9).normal(size=4)
    numeric = np.zeros_like(x)  # (the function writes into x: each evaluation gets a fresh copy)
    for k in range(x.size):
        up, down = x.copy(), x.copy()
        up[k] += 1e-6
        down[k] -= 1e-6
        numeric[k] = (overwritten_between(up, 3) - overwritten_between(down, 3)) / 2e-6
    np.testing.assert_allclose(tl.grad(overwritten_between)(x.copy(), 3), numeric, rtol=1e-6, atol=1e-8)
    check_grads(user_named, (x,), order=2)


def test_round_trips_and_loop_invariants_before_after():
    fdef = _parse("""
        def f(x, s_bar, n):
            for i in n:
                _t11_bar = s_bar
                _t13_bar = s_bar * 2 * x[i]
                s_bar = _t11_bar
                _t9_bar = 100.0 * _t11_bar
                x_bar[i] += _t9_bar * _t13_bar
            return x_bar
        """)
    assert hoist.drop_round_trips(fdef, set())
    assert "s_bar = _t11_bar" not in _text(fdef)
    assert copies.propagate_copies(fdef, {"x", "s_bar", "n"})
    assert hoist.hoist_loop_invariants(fdef, {"x", "s_bar", "n"})
    assert _text(fdef) == textwrap.dedent("""\
        def f(x, s_bar, n):
            _t9_bar = 100.0 * s_bar
            for i in n:
                _t13_bar = s_bar * 2 * x[i]
                x_bar[i] += _t9_bar * _t13_bar
            return x_bar""")


@pytest.mark.parametrize("body", [
    "t = a * 2.0\n    a = t",  # a changes in the loop
    "t = 1.0 / a",  # a division may raise where the loop would not have run
    "y = t\n    t = a * 2.0",  # read before its assignment: the previous iteration's value
    "t = a * 2.0\n    g(a)",  # a call may change a
    "t = a * 2.0\n    a[0] += 1.0",
])
def test_loop_invariants_stay_when_they_may_not_be(body):
    lines = ["def f(a, n):", "  for i in n:"] + ["    " + b.strip() for b in body.split("\n")] + ["  return t"]
    fdef = parse_module("\n".join(lines)).body[0]
    before = _text(fdef)
    assert not hoist.hoist_loop_invariants(fdef, set())
    assert _text(fdef) == before


def mlp_like(W1, W2, X, v):
    h = np.tanh(X @ W1)
    return np.sum((h @ W2) * v) + np.sum(X @ v[:3])  # a matrix-vector product keeps the helper


def test_matrix_products_without_the_helper():
    rng = np.random.default_rng(10)
    args = (rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=(2, 3)), rng.normal(size=5))
    code = _code(api.generate(mlp_like, "vjp", ["W1", "W2", "v"], spec=api._spec(list(args)),
                              options=api._GRAD_ONLY).text)
    assert "@ W2.T" in code and "h.T @ " in code and "X.T @ " in code  # matrices: the products themselves
    assert "_tl.matmul_bar_b(" in code  # X @ v[:3]: a vector, the helper's general case
    _assert_grad_fd(mlp_like, args, (0, 1, 3))
    unspecialised = _code(api.generate(mlp_like, "vjp", ["W1"]).text)
    assert "_tl.matmul_bar_a(" in unspecialised  # ranks unknown: the helper decides at run time


def test_iterate_tape_before_after():
    fdef = _parse("""
        def f(x, n, x_bar):
            _tape = []
            _t0 = range(n)
            for i in _t0:
                _tape.append(x)
                x = x * i
            for i in reversed(_t0):
                x = _tape.pop()
                x_bar = x_bar * i
            return x_bar
        """)
    assert hoist.iterate_tape(fdef)
    text = _text(fdef)
    assert "for i, x in zip(reversed(_t0), reversed(_tape)):" in text and "pop" not in text


_SECOND_PUSH = """
    def f(x, n, x_bar):
        _tape = []
        _t0 = range(n)
        for i in _t0:
            _tape.append(x)
            x = x * 2.0
        _tape.append(n)
        for i in reversed(_t0):
            x = _tape.pop()
            x_bar = x_bar * x
        return x_bar
    """
_BREAK = """
    def f(x, n, x_bar):
        _tape = []
        _t0 = range(n)
        for i in _t0:
            if x > 9.0:
                break
            _tape.append(x)
            x = x * 2.0
        for i in reversed(_t0):
            x = _tape.pop()
            x_bar = x_bar * x
        return x_bar
    """


@pytest.mark.parametrize("src", [_SECOND_PUSH, _BREAK])  # more on the tape; an iteration may push nothing
def test_iterate_tape_leaves_other_tapes_alone(src):
    fdef = _parse(src)
    before = _text(fdef)
    assert "return x_bar" in before
    assert not hoist.iterate_tape(fdef)
    assert _text(fdef) == before
