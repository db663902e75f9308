"""Source text of the runtime helpers, for the standalone files ``adgen`` writes.

Each helper is a top-level function (or class, or constant) of one of :data:`MODULES` that
uses only ``np``, the modules the inlined code imports (``codegen._inlined_runtime_imports``)
and other helpers: :func:`helper_sources` collects the ones a generated module calls and
everything they use, reading the modules' source.
"""

from __future__ import annotations

import ast
import inspect
from typing import Callable, Dict, Optional, Sequence, Tuple

from . import (
    along_axis,
    array_api_extra,
    batched,
    blocks,
    broadcast,
    checkpoint,
    containers,
    elementwise,
    fft,
    generators,
    higher_order,
    indexing,
    library,
    linalg,
    markers,
    module_values,
    numpy_extra,
    numpy_missing,
    products,
    reductions,
    scipy_funcs,
    scipy_linalg,
    scipy_stats,
    shapes,
    singular,
    tape,
    values,
)

# every module of helpers (all of tangent_lite.runtime but this one and the package), each
# after the modules it imports: the order in which the helpers of a standalone file appear
MODULES = (library, broadcast, values, blocks, singular, containers, elementwise, reductions, along_axis, products,
           shapes, linalg, higher_order, numpy_missing, numpy_extra, scipy_funcs, scipy_linalg, scipy_stats,
           indexing, tape, markers, module_values, batched, generators, checkpoint, fft, array_api_extra)

Rewrite = Callable[[ast.stmt, str, int], Tuple[ast.stmt, str]]


def helper_sources(names: Sequence[str], rewrite: Optional[Rewrite] = None) -> str:
    """Source text of the named helpers and of everything they use (functions, decorated ones,
    classes, module-level constants of this package's modules), for standalone files.

    ``rewrite(node, text, first_line)``: each definition's tree and text as the file should hold
    them (``adgen``'s NumPy-only partial evaluation, backends/partial_eval.py); what they use is
    read from the rewritten tree, so what the rewriting removed no longer brings helpers along."""
    found: Dict[str, Tuple[int, int, str, ast.stmt]] = {}  # name -> (module order, line, text, tree)
    for order, module in enumerate(MODULES):
        text = inspect.getsource(module)
        for node in ast.parse(text).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defined = [t.id for t in targets if isinstance(t, ast.Name)]
            else:
                continue
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            segment = "\n".join(text.splitlines()[first - 1:node.end_lineno])
            for name in defined:
                if name not in ("__all__", "helper_sources") and name not in found:
                    found[name] = (order, first, segment, node)
    done: Dict[int, Tuple[str, set]] = {}  # id(tree) -> (its text as written, the names it reads)

    def written(name: str) -> Tuple[str, set]:
        _, first, segment, node = found[name]
        if id(node) not in done:
            if rewrite is not None:
                node, segment = rewrite(node, segment, first)
            done[id(found[name][3])] = (segment, {n.id for n in ast.walk(node) if isinstance(n, ast.Name)})
        return done[id(found[name][3])]

    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in found:
            continue
        seen.add(name)
        todo.extend(written(name)[1])
    chosen = sorted({(found[n][0], found[n][1], written(n)[0]) for n in seen})
    return "\n\n\n".join(text.rstrip() for _, _, text in chosen) + "\n"
