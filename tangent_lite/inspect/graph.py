"""The computational graph of your function, as Graphviz DOT.

    >>> g = tl.graph(f, mode="reverse")
    >>> print(g.dot())                  # always available: paste it into any Graphviz viewer
    >>> g.render("f.svg")               # needs Graphviz's `dot` program

One node per input (``v_-1 x1``) and per statement of the Wengert form (``v_2 = v_-1 * v_0``),
numbered as ``tl.trace`` numbers them; an edge for every value a statement reads.  Statements
in loops and branches sit in boxes (clusters) labelled with the loop or the test.  With
``mode="reverse"`` each edge ``v_i -> v_j`` carries the local partial derivative
d v_j / d v_i (the forward-mode rule of the operation with a unit tangent: ``v_0`` for
``v_-1 * v_0``, ``math.cos(v_0)`` for ``math.sin(v_0)``; ``·`` stands for the incoming
derivative when the operation is linear but not a multiplication, as in ``· @ v_0``), drawn
pointing backwards, the way adjoints flow.  Edges into non-differentiable operations
(comparisons, ``int``, ``np.floor``, ...) are dashed: no derivative passes there.
"""

from __future__ import annotations

import ast
import copy
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set

from .. import api
from ..errors import ArgumentError, TangentLiteError
from ..frontend import anf
from ..rules.template import inline
from ..syntax import gast
from . import svg
from .explain import Statement, _passes_derivative, display_order, input_labels, statements, v_form

FORMATS = ("svg", "png", "pdf")


@dataclass
class Node:
    id: str  # "v_1"
    label: str
    kind: str  # "input", "op", "nondiff" or "loop"
    output: bool = False
    cluster: Optional[int] = None


@dataclass
class Edge:
    src: str
    dst: str
    label: str = ""
    cut: bool = False  # into a non-differentiable operation


@dataclass
class Cluster:
    label: str
    parent: Optional[int]


@dataclass
class Graph:
    """``dot()``: Graphviz text; ``render(path)``: an SVG/PNG/PDF file (needs Graphviz)."""

    name: str
    mode: str
    nodes: List[Node] = field(default_factory=list)
    edges: List[Edge] = field(default_factory=list)
    clusters: List[Cluster] = field(default_factory=list)

    def dot(self) -> str:
        """The graph in the DOT language."""
        back = ", dir=back" if self.mode == "reverse" else ""
        lines = [f"digraph {_q(self.name)} {{", '  rankdir=LR; fontname="Helvetica"; fontsize=11;',
                 '  node [fontname="Helvetica", fontsize=11];', f'  edge [fontname="Helvetica", fontsize=10{back}];']
        lines += self._members(None, "  ")
        for e in self.edges:
            attrs = [f"label={_q(e.label)}"] if e.label else []
            attrs += ["style=dashed", "color=gray50"] if e.cut else []
            lines.append(f"  {_q(e.src)} -> {_q(e.dst)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
        return "\n".join(lines + ["}"]) + "\n"

    def _members(self, cluster: Optional[int], indent: str) -> List[str]:
        out = []
        for n in self.nodes:
            if n.cluster == cluster:
                attrs = [f"label={_q(n.label)}"]
                attrs += {"input": ["shape=box"], "loop": ["shape=cds"], "nondiff": ["style=dashed"]}.get(n.kind, [])
                attrs += ["peripheries=2"] if n.output else []
                out.append(f"{indent}{_q(n.id)} [{', '.join(attrs)}];")
        for i, c in enumerate(self.clusters):
            if c.parent == cluster:
                out.append(f"{indent}subgraph {_q(f'cluster_{i}')} {{")
                out.append(f"{indent}  label={_q(c.label)}; style=rounded; color=gray60;")
                out += self._members(i, indent + "  ")
                out.append(f"{indent}}}")
        return out

    def render(self, path: str, format: Optional[str] = None) -> str:
        """Write the graph drawn by Graphviz to ``path`` (format from its extension, or ``format``)."""
        fmt = format or (path.rsplit(".", 1)[-1].lower() if "." in path else "svg")
        if fmt not in FORMATS:
            raise ArgumentError(f"cannot render the graph as '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
        exe = shutil.which("dot")
        if exe is None:
            raise TangentLiteError(
                "rendering a graph needs Graphviz's `dot` program, which is not installed",
                hint="install Graphviz (apt-get install graphviz, brew install graphviz, or conda install "
                     "graphviz), or paste the text of graph.dot() into any Graphviz viewer")
        done = subprocess.run([exe, f"-T{fmt}", "-o", path], input=self.dot().encode(), capture_output=True)
        if done.returncode != 0:
            raise TangentLiteError(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()}")
        return path

    def _repr_svg_(self) -> str:  # Jupyter: drawn by Graphviz when it is installed, else by svg.py
        exe = shutil.which("dot")
        if exe is not None:
            done = subprocess.run([exe, "-Tsvg"], input=self.dot().encode(), capture_output=True)
            if done.returncode == 0:
                return done.stdout.decode()
        return svg.svg(self)

    def __str__(self) -> str:
        return self.dot()


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def graph(f: Callable, mode: str = "forward", order: str = "levels") -> Graph:
    """The computational graph of ``f`` (nothing is run).

    ``mode="reverse"`` labels each edge with its local partial derivative and draws it the
    way adjoints flow; ``order`` numbers the nodes as in :func:`tangent_lite.trace`.

    >>> print(tl.graph(f, mode="reverse").dot())       # doctest: +SKIP
    digraph "f" {
      ...
      "v_-1" -> "v_2" [label="v_0"];
    """
    if mode not in ("forward", "reverse"):
        raise ArgumentError(f"unknown mode '{mode}'", hint="use 'forward' or 'reverse'")
    fn = api._unwrap(f)
    w = anf.lower(fn)
    stmts = statements(w)
    labels = input_labels(w.params)
    number = {st.index: f"v_{i + 1}" for i, st in enumerate(display_order(w, stmts, order))}
    g = Graph(fn.__qualname__, mode)
    for p in w.params:
        g.nodes.append(Node(labels[p], f"{labels[p]}\n{p}", "input"))
    builder = _Builder(w, stmts, number, labels, g)
    builder.block(w.fdef.body, None)
    outs = builder.reaching_at_return
    for n in g.nodes:
        n.output = n.id in outs
    return g


class _Builder:
    """Walks the Wengert form once, following which definitions reach each use."""

    def __init__(self, w: anf.Wengert, stmts: List[Statement], number: Dict[int, str], labels: Dict[str, str],
                 g: Graph):
        self.w, self.g, self.number = w, g, number
        self.by_node = {id(st.node): st for st in stmts}
        self.state: Dict[str, Set[str]] = {p: {labels[p]} for p in w.params}  # name -> node ids defining it
        self.uses: Dict[int, Dict[str, Set[str]]] = {}  # statement -> name -> reaching definitions
        self.reaching_at_return: Set[str] = set()
        self.namer = copy.deepcopy(w.namer)
        self.loops = 0

    def block(self, body: List[Any], cluster: Optional[int]) -> None:
        for stmt in body:
            if id(stmt) in self.by_node:
                self.assign(self.by_node[id(stmt)], cluster)
            elif isinstance(stmt, gast.If):
                test = self._v(_names(stmt.test))
                before = _copy(self.state)
                self.block(stmt.body, self._cluster(f"if {test}", cluster))
                after_body, self.state = self.state, before
                if stmt.orelse:
                    self.block(stmt.orelse, self._cluster(f"else (not {test})", cluster))
                self.state = _merge(after_body, self.state)
            elif isinstance(stmt, (gast.For, gast.While)):
                self.loop(stmt, cluster)
            elif isinstance(stmt, gast.Return):
                for name in _names(stmt.value):
                    self.reaching_at_return |= self.state.get(name, set())

    def loop(self, stmt: Any, cluster: Optional[int]) -> None:
        if isinstance(stmt, gast.For):
            inner = self._cluster(f"for {stmt.target.id} in {self._v(_names(stmt.iter))}", cluster)
            node = f"loop_{self.loops}"
            self.loops += 1
            self.g.nodes.append(Node(node, f"{stmt.target.id}\nloop index", "loop", cluster=inner))
            for src in sorted({d for n in _names(stmt.iter) for d in self.state.get(n, set())}):
                self.g.edges.append(Edge(src, node, "0" if self.g.mode == "reverse" else "", cut=True))
            self.state[stmt.target.id] = {node}
        else:
            inner = self._cluster(f"while {self._v(_names(stmt.test))}", cluster)
        entry = _copy(self.state)
        mark = (len(self.g.edges), len(self.g.nodes), len(self.g.clusters), self.loops)
        while True:  # definitions from later iterations reach the top of the body: to a fixpoint
            del self.g.edges[mark[0]:], self.g.nodes[mark[1]:], self.g.clusters[mark[2]:]
            self.loops = mark[3]
            self.state = _copy(entry)
            self.block(stmt.body, inner)
            merged = _merge(entry, self.state)
            if merged == entry:
                break
            entry = merged
        self.state = entry  # the body may run zero times

    def assign(self, st: Statement, cluster: Optional[int]) -> None:
        v = self.number[st.index]
        reach = {u: set(self.state.get(u, set())) for u in st.uses}
        cut = st.info.kind in ("nondiff", "const")
        label = f"{v} = {v_form(st, {u: _only(d, u) for u, d in reach.items()})}\n{', '.join(st.targets)}"
        self.g.nodes.append(Node(v, label, "nondiff" if cut and st.uses else "op", cluster=cluster))
        partials = self._partials(st, reach, v) if self.g.mode == "reverse" else {}
        for u in st.uses:
            through = _passes_derivative(st, u)
            for src in sorted(reach[u]):
                for text in partials.get(u, [""]) if through else ["0" if self.g.mode == "reverse" else ""]:
                    self.g.edges.append(Edge(src, v, text, cut=not through))
        for t in st.targets:
            self.state[t] = {v}

    def _cluster(self, label: str, parent: Optional[int]) -> int:
        self.g.clusters.append(Cluster(label, parent))
        return len(self.g.clusters) - 1

    def _v(self, names: List[str]) -> str:
        return ", ".join(_only(self.state.get(n, set()), n) for n in names)

    def _partials(self, st: Statement, reach: Dict[str, Set[str]], v: str) -> Dict[str, List[str]]:
        """Input name -> the local partial d target / d input (one entry per argument slot)."""
        info = st.info
        out: Dict[str, List[str]] = {}
        rename = {u: _only(reach[u], u) for u in st.uses}
        if info.kind == "copy":
            return {u: ["1"] for u in st.uses}
        if info.kind == "getitem":
            index = ast.unparse(_to_ast(info.value.slice))
            return {info.value.value.id: [f"·[{index}]"]}
        if info.kind != "prim":
            return {u: [f"∂{v}/∂{rename[u]}"] for u in st.uses}
        for slot, atom in info.inputs:
            rule = info.prim.jvps.get(info.prim.params.index(slot))
            names = sorted({n.id for n in gast.walk(atom) if isinstance(n, gast.Name)} & set(st.uses))
            if rule is None:
                text = None
            else:
                bindings = dict(info.bound)
                bindings[rule.template.params[0]] = gast.Name(id="__seed__", ctx=gast.Load(), annotation=None,
                                                              type_comment=None)
                bindings[rule.template.params[1]] = gast.Name(id=st.targets[0], ctx=gast.Load(), annotation=None,
                                                              type_comment=None)
                pre, expr = inline(rule.template, bindings, self.namer, self.w.aliases, self.w.env)
                text = _partial_text(pre, expr, dict(rename, **{st.targets[0]: v}))
            for name in names:
                out.setdefault(name, []).append(text or f"∂{v}/∂{rename[name]}")
        return out


def _partial_text(pre: List[Any], expr: Any, rename: Dict[str, str]) -> str:
    """The rule's expression with the tangent set to 1, simplified, in v-names."""
    tree = _to_ast(expr)
    for stmt in reversed(pre):  # the rule's local variables, substituted back
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            tree = _Substitute(stmt.targets[0].id, _to_ast(stmt.value)).visit(tree)
    tree = _UnitSeed().visit(_PlainHelpers().visit(tree))
    if isinstance(tree, ast.Name) and tree.id == "__seed__":
        return "1"
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id in rename:
            n.id = rename[n.id]
    return ast.unparse(tree).replace("__seed__", "·")


class _Substitute(ast.NodeTransformer):
    def __init__(self, name: str, value: Any):
        self.name, self.value = name, value

    def visit_Name(self, node: Any) -> Any:
        return copy.deepcopy(self.value) if node.id == self.name else node


class _PlainHelpers(ast.NodeTransformer):
    """The strong-zero helpers of the rules at singular points, shown as the arithmetic they
    compute: ``_tl.strong_div(a, b)`` -> ``a / b``, ``_tl.strong_mul(a, b)`` -> ``a * b``,
    ``_tl.pow_base_bar(g, x, y)`` -> ``g * y * x ** (y - 1)``."""

    def visit_Call(self, node: Any) -> Any:
        self.generic_visit(node)
        f, args = node.func, node.args
        if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id.startswith("_tl")) \
                or node.keywords:
            return node
        if f.attr == "strong_div" and len(args) == 2:
            return ast.BinOp(left=args[0], op=ast.Div(), right=args[1])
        if f.attr == "strong_mul" and len(args) == 2:
            return ast.BinOp(left=args[0], op=ast.Mult(), right=args[1])
        if f.attr == "pow_base_bar" and len(args) == 3:
            exponent = ast.BinOp(left=copy.deepcopy(args[2]), op=ast.Sub(), right=ast.Constant(value=1))
            return ast.BinOp(left=ast.BinOp(left=args[0], op=ast.Mult(), right=args[2]), op=ast.Mult(),
                             right=ast.BinOp(left=args[1], op=ast.Pow(), right=exponent))
        return node


class _UnitSeed(ast.NodeTransformer):
    """``seed * e`` -> ``e``, ``seed / e`` -> ``1 / e``, ``-seed`` -> ``-1``."""

    def visit_BinOp(self, node: Any) -> Any:
        self.generic_visit(node)
        left, right = _is_seed(node.left), _is_seed(node.right)
        if isinstance(node.op, ast.Mult) and (left or right):
            return node.right if left else node.left
        if isinstance(node.op, ast.Div) and left:
            return ast.BinOp(left=ast.Constant(value=1), op=ast.Div(), right=node.right)
        return node

    def visit_UnaryOp(self, node: Any) -> Any:
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and _is_seed(node.operand):
            return ast.Constant(value=-1)
        return node


def _is_seed(node: Any) -> bool:
    return isinstance(node, ast.Name) and node.id == "__seed__"


def _to_ast(node: Any) -> Any:
    return gast.gast_to_ast(copy.deepcopy(node))


def _only(defs: Set[str], name: str) -> str:
    """The node a name refers to, or the name itself when several definitions reach (loops, branches)
    or it is a loop index."""
    return next(iter(defs)) if len(defs) == 1 and not next(iter(defs)).startswith("loop_") else name


def _names(node: Any) -> List[str]:
    return [n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]


def _copy(state: Dict[str, Set[str]]) -> Dict[str, Set[str]]:
    return {k: set(v) for k, v in state.items()}


def _merge(a: Dict[str, Set[str]], b: Dict[str, Set[str]]) -> Dict[str, Set[str]]:
    return {k: a.get(k, set()) | b.get(k, set()) for k in set(a) | set(b)}


__all__ = ["graph", "Graph", "Node", "Edge", "Cluster", "FORMATS"]
