"""tl.trace: the forward/reverse tables of AD courses, read from the generated code as it runs."""

import sys

import numpy as np
import pytest
import trace_fixtures as F

import tangent_lite as tl
from tangent_lite.errors import ArgumentError
from tangent_lite.inspect.trace import ZERO, _plan, format_value, trace, trace_cli

# Baydin et al. (JMLR 2018), tables 2 and 3; Griewank & Walther: f = ln(x1) + x1*x2 - sin(x2) at (2, 5)
PUBLISHED_VALUE = {"v_-1": 2.0, "v_0": 5.0, "v_1": 0.693, "v_2": 10.0, "v_3": -0.959, "v_4": 10.693, "v_5": 11.652}
PUBLISHED_TANGENT = {"v_-1": 1.0, "v_0": 0.0, "v_1": 0.5, "v_2": 5.0, "v_3": 0.0, "v_4": 5.5, "v_5": 5.5}
PUBLISHED_ADJOINT = {"v_5": 1.0, "v_4": 1.0, "v_3": -1.0, "v_2": 1.0, "v_1": 1.0, "v_0": 1.716, "v_-1": 5.5}


def agree(ours, published):
    return abs(ours - published) <= 5e-4  # the published tables give 3 decimals


def test_classic_forward_table_reproduces_the_published_one():
    t = trace(F.classic, 2.0, 5.0, mode="forward")
    assert [r.v for r in t.rows] == ["v_-1", "v_0", "v_1", "v_2", "v_3", "v_4", "v_5"]
    for v, value in PUBLISHED_VALUE.items():
        assert agree(t[v].value, value), v
        assert agree(t[v].tangent, PUBLISHED_TANGENT[v]), v
    assert [t[v].operation for v in ("v_1", "v_2", "v_3", "v_4", "v_5")] == [
        "math.log(v_-1)", "v_-1 * v_0", "math.sin(v_0)", "v_1 + v_2", "v_4 - v_3"]
    assert t["v_3"].name == "_t3" and t["v_3"].statement == "_t3 = math.sin(x2)"
    assert t["v_-1"].name == "x1" and t["v_-1"].statement == "(input)"


def test_classic_reverse_table_reproduces_the_published_one():
    t = trace(F.classic, 2.0, 5.0, mode="reverse")
    assert [r.v for r in t.rows] == ["v_5", "v_4", "v_3", "v_2", "v_1", "v_0", "v_-1"]  # the reverse sweep's order
    for v, adjoint in PUBLISHED_ADJOINT.items():
        assert agree(t[v].adjoint, adjoint), v
        assert agree(t[v].value, PUBLISHED_VALUE[v]), v
    assert t["v_-1"].adjoint == pytest.approx(5.5, abs=1e-12)  # x1_bar
    assert t["v_0"].adjoint == pytest.approx(2 + 5 * 0 - 0.28366, abs=5e-4)  # x2_bar = x1 + cos(x2) (* -1)


def test_the_tables_are_the_numbers_the_api_returns():
    fwd = trace(F.classic, 2.0, 5.0)
    out, dot = tl.jvp(F.classic, (2.0, 5.0), (1.0, 0.0))
    assert fwd.result == (out, dot)
    rev = trace(F.classic, 2.0, 5.0, mode="reverse")
    value, grads = tl.value_and_grad(F.classic, wrt=(0, 1))(2.0, 5.0)
    assert rev.result == (value, grads)


def test_program_order_numbers_statements_as_they_are_evaluated():
    t = trace(F.classic, 2.0, 5.0, order="program")
    assert agree(t["v_3"].value, 10.693) and agree(t["v_4"].value, -0.959)  # v1 + v2 before sin v0


def test_text_markdown_and_html_renderings():
    t = trace(F.classic, 2.0, 5.0)
    text = str(t)
    assert text.splitlines()[0] == "forward mode trace of classic(x1=2, x2=5), seed x1_dot = 1, x2_dot = 0"
    assert text.splitlines()[1].split() == ["v", "line", "name", "statement", "operation", "value", "tangent"]
    assert "v_3   11    _t3   _t3 = math.sin(x2)  math.sin(v_0)   -0.958924  0" in text
    assert text.splitlines()[-1] == "output v_5 = 11.6521, tangent 5.5"
    md = t.markdown().splitlines()
    assert md[0] == "| v | line | name | statement | operation | value | tangent |"
    assert md[6] == "| `v_3` | 11 | `_t3` | `_t3 = math.sin(x2)` | `math.sin(v_0)` | -0.958924 | 0 |"
    html = t._repr_html_()
    assert html.count("<tr>") == 8 and "<code>math.sin(v_0)</code>" in html


def test_for_loop_rows_repeat_with_the_iteration_number():
    t = trace(F.for_loop, 1.5, 3)
    rows = t.named("_t1")  # _t1 = x * i
    assert [r.iteration for r in rows] == [(1,), (2,), (3,)]
    assert [r.value for r in rows] == [0.0, 1.5, 3.0]
    assert [r.tangent for r in rows] == [0.0, 1.0, 2.0]
    assert [r.value for r in t.named("s")] == [0.0, 0.0, 0.0, 1.5, 3.0, 6.0, 12.0]
    assert t["v_0"].tangent is None and t["v_2"].value == range(3)  # n and range(n) carry no tangent
    assert "iter" in str(t).splitlines()[1]
    rev = trace(F.for_loop, 1.5, 3, mode="reverse")
    assert [r.adjoint for r in rev.named("y")] == [8.0, 4.0, 2.0]  # y is doubled once, then twice more
    assert rev["v_-1"].adjoint == tl.grad(F.for_loop)(1.5, 3) == 8.0


def test_while_loop_and_its_reverse_sweep():
    t = trace(F.while_loop, 1.5)
    assert [(r.iteration, r.value, r.tangent) for r in t.named("x")] == [((), 1.5, 1.0), ((1,), 3.0, 2.0),
                                                                           ((2,), 6.0, 4.0), ((3,), 12.0, 8.0)]
    assert [r.value for r in t.named("_cond")] == [True, True, True, False]
    rev = trace(F.while_loop, 1.5, mode="reverse")
    assert [r.adjoint for r in rev.named("x")] == [8.0, 4.0, 2.0, 1.0]
    assert [r.adjoint for r in rev.named("_t0")] == [4.0, 2.0, 1.0]  # read through the optimizer's copy x_bar


def test_nested_loops_number_iterations_outer_dot_inner():
    t = trace(F.nested, 1.1, 2, mode="reverse")
    assert [".".join(map(str, r.iteration)) for r in t.named("_t2")] == ["1.1", "1.2", "2.1", "2.2"]
    assert t["v_-1"].adjoint == pytest.approx(tl.grad(F.nested)(1.1, 2))
    assert t["v_1"].adjoint == pytest.approx(1.1 ** 4)  # d s_final / d s_0


@pytest.mark.parametrize("x", [2.0, -2.0])
def test_branches_show_the_statements_that_ran(x):
    for mode in ("forward", "reverse"):
        t = trace(F.branch, x, 3.0, mode=mode)
        assert [r.statement for r in t.named("z")] == (["z = x * y"] if x > 0 else ["z = -x"])
        assert t.named("w")[0].derivative == (3.0 if mode == "reverse" else (3.0 if x > 0 else -1.0))


def test_arrays_show_shape_and_a_short_summary():
    W, x = np.arange(6.0).reshape(2, 3) / 10, np.array([1.0, 2.0, 3.0])
    t = trace(F.arrays, W, x)
    assert format_value(x) == "array(3,) [1, 2, 3]"
    assert format_value(W) == "array(2, 3) [0, 0.1, 0.2, ...]"
    assert "array(2,) [0.664, 0.989]" in str(t)
    e0 = np.zeros_like(W)
    e0[0, 0] = 1.0
    _, dot = tl.jvp(F.arrays, (W, x), (e0, np.zeros(3)))
    assert t.result[1] == pytest.approx(dot)
    rev = trace(F.arrays, W, x, mode="reverse")
    gW, gx = tl.grad(F.arrays, wrt=(0, 1))(W, x)
    assert np.allclose(rev["v_-1"].adjoint, gW) and np.allclose(rev["v_0"].adjoint, gx)
    assert rev.named("h")[0].adjoint == pytest.approx(2 * np.tanh(W @ x))


def test_in_place_updates_are_captured_as_they_happen():
    t = trace(F.setitem, 1.5)
    assert [r.value.tolist() for r in t.named("z")] == [[0, 0, 0], [1.5, 0, 0], [1.5, 3, 0]]
    rev = trace(F.setitem, 1.5, mode="reverse")
    assert [r.adjoint for r in rev.named("z")][1:] == [pytest.approx([3, 0, 0]), pytest.approx([3, 6, 0])]
    assert rev.result[1] == tl.grad(F.setitem)(1.5) == 15.0


def test_calls_copies_and_multiple_outputs():
    t = trace(F.calls, 0.5, 2.0, mode="reverse")
    assert t.named("u")[0].operation == "helper(v_-1, v_0)"
    assert t.named("u")[0].adjoint == pytest.approx(np.cos(2.0))
    u = trace(F.unpack, 1.5, mode="reverse")
    assert [u.named(n)[0].adjoint for n in ("a", "b", "_t0")] == [3.0, 1.5, 1.5]
    two = trace(F.two_outputs, 1.0, 2.0, mode="reverse")
    assert two["v_-1"].adjoint == pytest.approx(2.0 + np.cos(1.0))  # both outputs seeded with 1
    assert trace(F.two_outputs, 1.0, 2.0, mode="reverse", seed=(0.0, 1.0))["v_-1"].adjoint == pytest.approx(np.cos(1))


def test_break_and_structural_zeros():
    t = trace(F.loop_break, 1.2, mode="reverse")
    assert t.result[1] == pytest.approx(1.5 ** 4)
    cut = trace(F.cut_int, 3.7, 2.0)
    assert cut.named("n")[0].tangent is ZERO and str(cut).count("—") == 0  # zero, shown blank for an int
    assert trace(F.cut_floor, 2.5, 3.0, wrt="y")["v_1"].tangent is ZERO  # floor(x) does not vary with y
    assert trace(F.cut_int, 3.7, 2.0, mode="reverse")["v_-1"].adjoint == 0.0


ALL = [(F.classic, (2.0, 5.0)), (F.lecture, (2.0, 3.0)), (F.for_loop, (1.5, 3)), (F.while_loop, (1.5,)),
       (F.branch, (2.0, 3.0)), (F.branch, (-1.0, 3.0)), (F.nested, (1.1, 2)), (F.calls, (0.5, 2.0)),
       (F.setitem, (1.5,)), (F.unpack, (1.5,)), (F.loop_break, (1.2,)), (F.cut_int, (3.7, 2.0)),
       (F.arrays, (np.ones((2, 3)) / 4, np.array([1.0, -2.0, 0.5])))]


@pytest.mark.parametrize("fn,args", ALL, ids=lambda a: getattr(a, "__name__", ""))
def test_every_generated_line_is_accounted_for_and_results_do_not_change(fn, args):
    floats = tuple(i for i, a in enumerate(args) if isinstance(a, (float, np.ndarray)))
    for mode, gen in (("forward", "jvp"), ("reverse", "vjp")):
        t = trace(fn, *args, mode=mode)
        names = tuple(fn.__code__.co_varnames[i] for i in floats)
        module = tl.api.compiled(fn, gen, names)
        assert _plan(fn, gen, names, module, module.__tl_meta__["functions"][0]).unmatched == 0
        if mode == "reverse":
            grads = tl.grad(fn, wrt=floats)(*args)
            for i, g in zip(floats, grads if len(floats) > 1 else (grads,)):
                assert np.allclose(t[f"v_{i + 1 - len(args)}"].adjoint, g)
        else:
            seeds = [np.zeros_like(args[i]) if isinstance(args[i], np.ndarray) else 0.0 for i in floats]
            seeds[0] = t["v_" + str(floats[0] + 1 - len(args))].tangent
            assert np.allclose(t.result[1], tl.jvp(fn, args, seeds, wrt=floats)[1])


def test_the_trace_leaves_an_active_tracer_in_place():
    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        trace(F.classic, 2.0, 5.0)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_seeds_wrt_and_errors():
    t = trace(F.classic, 2.0, 5.0, seed={"x2": 1.0})
    assert t["v_5"].tangent == pytest.approx(1.716, abs=5e-4)
    assert trace(F.classic, 2, 5, wrt=("x1", "x2"))["v_5"].value == pytest.approx(11.652, abs=5e-4)  # ints -> floats
    only = trace(F.classic, 2.0, 5.0, wrt="x1", mode="reverse")
    assert only["v_-1"].adjoint == 5.5 and only["v_0"].adjoint is None and "—" in str(only)
    with pytest.raises(ArgumentError, match="no float argument"):
        trace(F.classic, 2, 5)
    with pytest.raises(ArgumentError, match="unknown mode"):
        trace(F.classic, 2.0, 5.0, mode="sideways")
    with pytest.raises(ArgumentError, match="seed"):
        trace(F.classic, 2.0, 5.0, seed={"y": 1.0})
    with pytest.raises(ArgumentError, match="1 seed tangents for 2"):
        trace(F.classic, 2.0, 5.0, seed=(1.0,))


def test_trace_cli_parses_literals():
    text = trace_cli(F.classic, ["2.0", "5.0"], mode="jvp")
    assert "v_5" in text and "tangent 5.5" in text
    assert trace_cli(F.classic, ["2.0", "5.0"]).startswith("reverse mode trace")  # adgen's default --mode vjp
    text = trace_cli(F.classic, ["2", "5"], mode="vjp", wrt="x1,x2")
    assert "gradient: x1_bar = 5.5, x2_bar = 1.71634" in text
    arrays = trace_cli(F.arrays, ["[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]", "[1, 2, 3]"], mode="vjp")
    assert "array(2, 3) [0.1, 0.2, 0.3, ...]" in arrays
    with pytest.raises(ArgumentError, match="cannot read"):
        trace_cli(F.classic, ["two", "5.0"])


def test_exported_at_the_top_level():
    from tangent_lite.inspect.explain import explain
    from tangent_lite.inspect.graph import graph

    assert (tl.trace, tl.graph, tl.explain) == (trace, graph, explain)
    assert {"trace", "graph", "explain"} <= set(tl.__all__)
