"""A graph drawn as SVG without Graphviz: what Jupyter shows when `dot` is not installed.

The layout is the simplest that reads left to right like Graphviz's ``rankdir=LR``: a node's
column is one more than the highest column of the nodes it reads (inputs in column 0), rows
in the order of the Wengert form; loops and branches are boxes around their members. Edges
that go back to an earlier statement (the previous iteration of a loop) are drawn curved.
Graphviz draws better (``tl.graph(f).render("f.svg")``); this one needs nothing.
"""

from __future__ import annotations

from html import escape
from typing import Any, Dict, List, Tuple

_CHAR, _LINE, _PAD, _XGAP, _YGAP, _MARGIN = 7.0, 15.0, 8.0, 70.0, 22.0, 12.0


def _size(label: str) -> Tuple[float, float]:
    lines = label.split("\n")
    return max(len(s) for s in lines) * _CHAR + 2 * _PAD, len(lines) * _LINE + _PAD


def layout(g: Any) -> Dict[str, Tuple[float, float, float, float]]:
    """Node id -> (x, y, width, height).  The nodes of each loop or branch box form a band of
    rows of their own (nodes outside any box first), so that boxes never cover other nodes."""
    order = {n.id: i for i, n in enumerate(g.nodes)}
    level = {n.id: 0 for n in g.nodes}
    for n in g.nodes:  # nodes come in the order of the Wengert form: one pass suffices
        ins = [level[e.src] + 1 for e in g.edges if e.dst == n.id and order.get(e.src, 1 << 30) < order[n.id]]
        level[n.id] = max(ins, default=0)

    def band(cluster: Any) -> Tuple[int, ...]:  # the boxes a node sits in, outermost first
        path: Tuple[int, ...] = ()
        while cluster is not None:
            path, cluster = (cluster,) + path, g.clusters[cluster].parent
        return path

    sizes = {n.id: _size(n.label) for n in g.nodes}
    cells: Dict[Tuple[Tuple[int, ...], int], List[str]] = {}
    for n in g.nodes:
        cells.setdefault((band(n.cluster), level[n.id]), []).append(n.id)
    bands, columns = sorted({b for b, _ in cells}), sorted({c for _, c in cells})
    widths = {c: max(sizes[i][0] for (_, col), ids in cells.items() if col == c for i in ids) for c in columns}
    xs, x = {}, _MARGIN
    for c in columns:
        xs[c], x = x, x + widths[c] + _XGAP
    boxes, y, previous = {}, _MARGIN + 8.0, 0
    for b in bands:  # in the order of the paths: a box's own nodes, then its inner boxes
        y += 36.0 * (max(previous, len(b)) if boxes else len(b))  # room for box edges and labels
        previous, bottom = len(b), y
        for c in columns:
            yy = y
            for i in cells.get((b, c), []):
                w, h = sizes[i]
                boxes[i] = (xs[c] + (widths[c] - w) / 2, yy, w, h)
                yy += h + _YGAP
            bottom = max(bottom, yy)
        y = bottom
    return boxes


def _cluster_box(g: Any, index: int, boxes: Dict[str, Tuple[float, float, float, float]]) -> Tuple[float, ...]:
    inside = [boxes[n.id] for n in g.nodes if n.cluster == index]
    inner = [_cluster_box(g, j, boxes) for j, c in enumerate(g.clusters) if c.parent == index]
    rects = inside + [r for r in inner if r[2] > 0]
    if not rects:
        return (0.0, 0.0, 0.0, 0.0)
    x0 = min(r[0] for r in rects) - 10
    y0 = min(r[1] for r in rects) - 22
    x1 = max(r[0] + r[2] for r in rects) + 10
    y1 = max(r[1] + r[3] for r in rects) + 10
    return (x0, y0, x1 - x0, y1 - y0)


def _text(x: float, y: float, label: str, size: int = 12, anchor: str = "middle", fill: str = "black") -> str:
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else _LINE}">{escape(s)}</tspan>'
                    for i, s in enumerate(label.split("\n")))
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-family="Helvetica, Arial, sans-serif" font-size="{size}" '
            f'text-anchor="{anchor}" fill="{fill}">{spans}</text>')


def svg(g: Any) -> str:
    """The SVG text of graph ``g`` (a :class:`tangent_lite.inspect.graph.Graph`)."""
    boxes = layout(g)
    order = {n.id: i for i, n in enumerate(g.nodes)}
    width = max((x + w for x, _, w, _ in boxes.values()), default=0) + _MARGIN
    height = max((y + h for _, y, _, h in boxes.values()), default=0) + _MARGIN
    parts = []
    for index, c in enumerate(g.clusters):
        x, y, w, h = _cluster_box(g, index, boxes)
        if w > 0:
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="8" fill="none" '
                         f'stroke="#999"/>' + _text(x + 6, y + 14, c.label, 11, "start", "#555"))
    marker = "marker-start" if g.mode == "reverse" else "marker-end"
    for e in g.edges:
        if e.src not in boxes or e.dst not in boxes:
            continue
        sx, sy, sw, sh = boxes[e.src]
        dx, dy, dw, dh = boxes[e.dst]
        style = 'stroke="#888" stroke-dasharray="5,4"' if e.cut else 'stroke="#333"'
        if order[e.src] < order[e.dst] and sx + sw < dx:
            x1, y1, x2, y2 = sx + sw, sy + sh / 2, dx, dy + dh / 2
            path, lx, ly = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}", (x1 + x2) / 2, (y1 + y2) / 2 - 4
        else:  # back to an earlier statement, or within one column: a curve below
            x1, y1, x2, y2 = sx + sw / 2, sy + sh, dx + dw / 2, dy + dh
            low = max(y1, y2) + 28
            path, lx, ly = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{low:.1f} {x2:.1f},{low:.1f} {x2:.1f},{y2:.1f}", \
                (x1 + x2) / 2, low - 4
            height = max(height, low + _MARGIN)
        parts.append(f'<path d="{path}" fill="none" {style} {marker}="url(#tl-arrow)"/>')
        if e.label:
            parts.append(_text(lx, ly, e.label, 10, "middle", "#444"))
    for n in g.nodes:
        x, y, w, h = boxes[n.id]
        rx = 0 if n.kind == "input" else 10
        dash = ' stroke-dasharray="5,4"' if n.kind == "nondiff" else ""
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" fill="white" '
                     f'stroke="black"{dash}/>')
        if n.output:
            parts.append(f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="{w + 6:.1f}" height="{h + 6:.1f}" '
                         f'rx="{rx}" fill="none" stroke="black"/>')
        parts.append(_text(x + w / 2, y + _PAD / 2 + 11, n.label))
    arrow = ('<defs><marker id="tl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}">{arrow}' + "".join(parts) + "</svg>")
