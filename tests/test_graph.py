"""tl.graph: the computational graph as Graphviz DOT, with local partials in reverse mode."""

import re
import shutil

import pytest
import trace_fixtures as F

from tangent_lite.errors import ArgumentError, TangentLiteError
from tangent_lite.inspect.graph import graph


def parse(dot):
    """(node id -> label, [(src, dst, attributes)]) of DOT text as graph() writes it."""
    nodes = dict(re.findall(r'^\s*"([^"]+)" \[label="([^"]*)"', dot, re.M))
    edges = re.findall(r'^\s*"([^"]+)" -> "([^"]+)"(?: \[(.*)\])?;', dot, re.M)
    return nodes, edges


def test_classic_graph_structure():
    nodes, edges = parse(graph(F.classic).dot())
    assert len(nodes) == 7 and len(edges) == 8
    assert nodes["v_-1"] == "v_-1\\nx1" and nodes["v_0"] == "v_0\\nx2"
    assert nodes["v_2"] == "v_2 = v_-1 * v_0\\n_t1"
    assert nodes["v_3"] == "v_3 = math.sin(v_0)\\n_t3"
    assert {(s, d) for s, d, _ in edges} == {("v_-1", "v_1"), ("v_-1", "v_2"), ("v_0", "v_2"), ("v_0", "v_3"),
                                              ("v_1", "v_4"), ("v_2", "v_4"), ("v_4", "v_5"), ("v_3", "v_5")}
    assert all(attrs == "" for _, _, attrs in edges)  # forward mode: plain edges


def test_reverse_mode_edges_carry_the_local_partials():
    dot = graph(F.classic, mode="reverse").dot()
    assert "dir=back" in dot  # drawn the way adjoints flow
    labels = {(s, d): re.search(r'label="([^"]*)"', a).group(1) for s, d, a in parse(dot)[1]}
    assert labels == {("v_-1", "v_1"): "1 / v_-1", ("v_-1", "v_2"): "v_0", ("v_0", "v_2"): "v_-1",
                      ("v_0", "v_3"): "math.cos(v_0)", ("v_1", "v_4"): "1", ("v_2", "v_4"): "1",
                      ("v_4", "v_5"): "1", ("v_3", "v_5"): "-1"}
    assert 'peripheries=2' in dot.split('"v_5" [')[1].split("\n")[0]  # the output


def test_linear_operations_show_where_the_incoming_derivative_goes():
    labels = {(s, d): a for s, d, a in parse(graph(F.arrays, mode="reverse").dot())[1]}
    assert labels[("v_-1", "v_1")] == 'label="· @ v_0"'
    assert labels[("v_1", "v_2")] == 'label="1.0 - v_2 * v_2"'  # tanh' in terms of its output


def test_loops_and_branches_are_clusters():
    dot = graph(F.for_loop, mode="reverse").dot()
    assert 'label="for i in v_2"' in dot and '"loop_0" [label="i\\nloop index", shape=cds]' in dot
    nodes, edges = parse(dot)
    assert ("v_7", "v_4") in {(s, d) for s, d, _ in edges}  # s from the previous iteration
    assert nodes["v_4"] == "v_4 = s + v_3\\n_t2"  # two definitions of s reach: named, not numbered
    dot = graph(F.branch).dot()
    assert 'label="if v_1"' in dot and 'label="else (not v_1)"' in dot
    assert {(s, d) for s, d, _ in parse(dot)[1]} >= {("v_2", "v_4"), ("v_3", "v_4")}  # both branches reach w


def test_non_differentiable_edges_are_dashed():
    dot = graph(F.cut_floor, mode="reverse").dot()
    assert '"v_-1" -> "v_1" [label="0", style=dashed, color=gray50];' in dot
    assert '"v_1" [label="v_1 = np.floor(v_-1)\\nk", style=dashed];' in dot


def test_render_without_graphviz_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(TangentLiteError, match="Graphviz") as err:
        graph(F.classic).render(str(tmp_path / "g.svg"))
    assert "apt-get install graphviz" in str(err.value)
    drawn = graph(F.classic)._repr_svg_()  # Jupyter still draws it, without Graphviz (svg.py)
    assert drawn.startswith("<svg") and "v_1 = math.log(v_-1)" in drawn
    with pytest.raises(ArgumentError, match="jpeg"):
        graph(F.classic).render(str(tmp_path / "g.jpeg"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_render_with_graphviz(tmp_path):
    path = graph(F.nested, mode="reverse").render(str(tmp_path / "g.svg"))
    assert "<svg" in open(path).read()
    png = graph(F.classic).render(str(tmp_path / "g"), format="png")
    assert open(png, "rb").read(4) == b"\x89PNG"
