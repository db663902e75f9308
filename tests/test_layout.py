"""The house: tangent_lite's folders follow the pipeline (docs/how-it-works.md, "Where each
stage lives"), imports point one way, down the pipeline, and no room grows too large.

Every import inside the package counts, also those inside functions: a lazy import that goes
against the pipeline is still a dependency that goes against it.
"""
import ast
import os
from typing import Dict, List, Set, Tuple

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tangent_lite")

# stages in pipeline order: a module may import its own stage and earlier ones, never a later one
STAGES = [
    ("errors", "config", "_version"),
    ("syntax",),
    ("runtime", "xnp"),
    ("rules",),
    ("frontend",),
    ("analysis",),
    ("passes",),
    ("modes",),
    ("backends",),
    ("callables", "varargs", "compose", "api", "arguments", "outputs", "directions", "draws", "gradients",
     "decorator", "higher",
     "origin", "selfcheck"),
    ("inspect",),
    ("cli", "__init__"),
]
RANK = {name: i for i, names in enumerate(STAGES) for name in names}
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 400
TABLES = ("rules",)  # rule tables read like a maths table: one rule per primitive, any length


def _modules() -> Dict[str, str]:
    found = {}
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("__", ".")))
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, PACKAGE)[:-3].replace(os.sep, ".")
                found["tangent_lite" + ("" if rel == "__init__" else "." + rel.replace(".__init__", ""))] = path
    return found


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].endswith("__init__.py")


def _imports(module: str) -> Set[str]:
    """The modules of tangent_lite that ``module`` imports, anywhere in its text."""
    with open(MODULES[module], encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    here = module if _is_package(module) else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("tangent_lite")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = here.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if not base.startswith("tangent_lite"):
                continue
            for a in node.names:
                out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
    return {m for m in out if m in MODULES and m != module}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


GRAPH = {m: _imports(m) for m in MODULES}


def test_every_module_belongs_to_a_stage():
    assert sorted({_stage(m) for m in MODULES} - set(RANK)) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_pipeline(module):
    if module == "tangent_lite":
        return  # the package's public surface imports everything
    later = sorted(m for m in GRAPH[module] if RANK[_stage(m)] > RANK[_stage(module)]
                   and not (m == "tangent_lite" or _stage(m) == "__init__"))
    assert not later, f"{module} ({_stage(module)}/) imports later stages of the pipeline: {later}"


def _cycles() -> List[Tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on: Set[str] = set()
    out: List[Tuple[str, ...]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(GRAPH[v] - {"tangent_lite"}):
            # a package's __init__ re-exporting its own submodules is not a cycle with them
            if _is_package(w) and v.startswith(w + "."):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(tuple(sorted(comp)))

    for v in sorted(MODULES):
        if v != "tangent_lite" and v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles() == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _stage(m) not in TABLES))
def test_modules_stay_small(module):
    with open(MODULES[module], encoding="utf-8") as fh:
        lines = fh.read().count("\n")
    assert lines <= MAX_MODULE_LINES, f"{module}: {lines} lines (split it by job, at most {MAX_MODULE_LINES})"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_classes_stay_small(module):
    with open(MODULES[module], encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    big = [(n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(tree)
           if isinstance(n, ast.ClassDef) and n.end_lineno - n.lineno + 1 > MAX_CLASS_LINES]
    assert not big, f"{module}: classes over {MAX_CLASS_LINES} lines: {big} (give each job its own collaborator)"
