"""The documentation cannot drift: the generated coverage page, links, anchors and the nav.

* ``docs/numpy-coverage.md`` must equal what ``docs/gen_coverage.py`` generates from
  ``tangent_lite.REGISTRY`` now (run ``python docs/gen_coverage.py`` after changing a rule).
* Every relative link and image in ``docs/*.md`` and ``README.md`` must point to an existing
  file, and a ``#fragment`` to a heading of the target page (GitHub's or mkdocs' spelling).
* ``mkdocs.yml`` must list every page of ``docs/`` in its nav, and only existing pages.

Needs no mkdocs: ``make docs`` builds the site itself (``mkdocs build --strict``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import unicodedata
from typing import Dict, List, Set, Tuple

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
PAGES = sorted(f for f in os.listdir(DOCS) if f.endswith(".md"))
LINKED = [os.path.join(DOCS, f) for f in PAGES] + [os.path.join(ROOT, "README.md")]

_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_coverage", os.path.join(DOCS, "gen_coverage.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _prose_lines(path: str) -> List[Tuple[int, str]]:
    """(line number, text) of the lines outside fenced code blocks, inline code removed."""
    out, fenced = [], False
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if _FENCE.match(line):
                fenced = not fenced
                continue
            if not fenced:
                out.append((i, line.rstrip("\n")))
    return out


def _heading_text(raw: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", raw)  # [text](url) -> text
    return text.replace("`", "").replace("*", "")


def _slugs(text: str) -> Set[str]:
    """The anchor of a heading as Python-Markdown's toc (mkdocs) and as GitHub spell it."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    markdown = re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", ascii_text).strip().lower())
    github = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
    return {markdown, github}


def _anchors(path: str) -> Set[str]:
    anchors: Set[str] = set()
    for _, line in _prose_lines(path):
        m = _HEADING.match(line)
        if m:
            anchors |= _slugs(_heading_text(m.group(2)))
    return anchors


def _links(path: str) -> List[Tuple[int, str]]:
    out = []
    for lineno, line in _prose_lines(path):
        for target in _LINK.findall(_CODE_SPAN.sub("", line)):
            out.append((lineno, target))
    return out


def _is_external(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target))  # http:, https:, mailto:, ...


# ------------------------------------------------------------------ the generated coverage page


@pytest.mark.skipif(int(np.__version__.split(".")[0]) < 2,
                    reason="docs/numpy-coverage.md is generated with NumPy 2.x; NumPy 1.x names some "
                           "functions differently (np.max is np.amax, np.round is np.round_)")
def test_numpy_coverage_page_matches_the_registry():
    import numpy as np

    if not hasattr(np, "cumulative_sum"):  # the helpers of functions NumPy 2.0 lacks are not registered there
        pytest.skip(f"the page is generated with NumPy >= 2.1; this is NumPy {np.__version__}")
    generated = _load_generator().render()
    with open(os.path.join(DOCS, "numpy-coverage.md"), encoding="utf-8") as fh:
        committed = fh.read()
    if committed != generated:
        diff = [f"  line {i + 1}:\n    committed: {a!r}\n    generated: {b!r}"
                for i, (a, b) in enumerate(zip(committed.splitlines(), generated.splitlines())) if a != b][:5]
        pytest.fail("docs/numpy-coverage.md is out of date with tangent_lite.REGISTRY: run "
                    "`python docs/gen_coverage.py`\n" + "\n".join(diff)
                    + f"\n  ({len(committed.splitlines())} lines committed, {len(generated.splitlines())} generated)")


def test_numpy_coverage_page_lists_every_registered_primitive():
    import tangent_lite as tl

    gen = _load_generator()
    text = gen.render()
    shown = {p.name: gen._helper_name(p) if p.name.startswith("tangent_lite.runtime.") else p.name
             for p in tl.REGISTRY if gen.shipped(p)}
    missing = sorted(name for name, spelled in shown.items() if f"`{spelled}`" not in text)
    assert not missing, f"primitives missing from the generated coverage page: {missing}"


# ------------------------------------------------------------------ links


@pytest.mark.parametrize("path", LINKED, ids=[os.path.relpath(p, ROOT) for p in LINKED])
def test_relative_links_point_to_existing_files_and_headings(path):
    problems = []
    here = os.path.dirname(path)
    for lineno, target in _links(path):
        if _is_external(target):
            continue
        file_part, _, fragment = target.partition("#")
        dest = os.path.normpath(os.path.join(here, file_part)) if file_part else path
        where = f"{os.path.relpath(path, ROOT)}:{lineno}: {target}"
        if not os.path.exists(dest):
            problems.append(f"{where}: {os.path.relpath(dest, ROOT)} does not exist")
        elif fragment and dest.endswith(".md") and fragment not in _anchors(dest):
            problems.append(f"{where}: no heading with the anchor '#{fragment}' in {os.path.relpath(dest, ROOT)}")
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_link_checker_sees_links():
    """Guard against a regex that silently matches nothing."""
    assert len(_links(os.path.join(DOCS, "index.md"))) >= 10
    assert "#the-cache" in {t.partition("getting-started.md")[2] for _, t in _links(os.path.join(DOCS, "index.md"))}
    assert {"10-user-functions-f_fwdf_bwd-pairs", "comments-and-tracebacks"} <= _anchors(
        os.path.join(DOCS, "how-it-works.md"))


# ------------------------------------------------------------------ mkdocs.yml


def _nav_pages() -> Dict[str, str]:
    pages, in_nav = {}, False
    with open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8") as fh:
        for line in fh:
            if re.match(r"^nav\s*:", line):
                in_nav = True
                continue
            if in_nav and re.match(r"^\S", line):
                break
            m = re.match(r"^\s*-\s*(.+?)\s*:\s*(\S+\.md)\s*$", line)
            if in_nav and m:
                pages[m.group(2)] = m.group(1)
    return pages


def test_mkdocs_nav_lists_every_page_and_only_existing_ones():
    nav = _nav_pages()
    assert nav, "mkdocs.yml has no nav entries"
    missing_from_nav = sorted(set(PAGES) - set(nav))
    missing_files = sorted(p for p in nav if not os.path.exists(os.path.join(DOCS, p)))
    assert not missing_from_nav, f"pages in docs/ that mkdocs.yml's nav does not list: {missing_from_nav}"
    assert not missing_files, f"mkdocs.yml's nav lists pages that do not exist: {missing_files}"
