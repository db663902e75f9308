"""Every code block of README.md and docs/*.md runs as written and prints what the page shows.

The blocks of a page run in order, like a reader pasting them one after another: in a fresh
interpreter (one subprocess per page, so rules registered by one page do not leak into the next),
in a fresh temporary directory, with ``python`` blocks sharing one namespace. How a page marks its
blocks (see ``tests/doc_snippets.py``): ```python and ```sh blocks run; an HTML comment on the line
before a fence says what else a block is: ``<!-- file: model.py -->`` (written as that file before
the blocks after it run), ``<!-- output -->`` (what the last python/sh block above it prints:
stdout and stderr together, and an exception as ``ExceptionName: message``, the last line of its
traceback), ``<!-- not run: REASON -->`` (counted, and listed by ``test_not_run_blocks_are_few``).
A block with none of these fails the test, so nothing on a page goes unchecked.

``sh`` blocks run as one ``bash`` script each, in the same directory, with this checkout first on
``PYTHONPATH`` and the running interpreter's ``bin/`` first on ``PATH`` (``adgen``, ``python``);
``examples/`` and ``.venv`` are linked into the directory, as in a checkout. A block without an
output block must not raise / exit non-zero.

The printed output is compared with the page after normalising exactly this, in both:

* the temporary directory (``/tmp/pytest-.../``) is removed from paths, so ``bad.py:9`` on the page
  matches ``/tmp/.../bad.py:9``;
* memory addresses ``0x7f...`` become ``0x?``;
* argparse's heading ``optional arguments:`` (before Python 3.10) reads ``options:``, and its
  ``-o OUTPUT, --output OUTPUT`` line (before 3.13) reads ``-o, --output OUTPUT`` as 3.13 prints it;
* cache keys, key prefixes and checksums (runs of 12 or more hex digits with a letter, and the
  12-digit key of a cache file name ``<module>.<function>.<mode>.<key>.py``) become ``<hex>``;
* timings (a number followed by ``ns``, ``us``, ``µs``, ``ms`` or ``s``) become ``<time>``;
* ``np.float64(2.5)`` becomes ``2.5`` (NumPy 2 repr vs NumPy 1, both supported);
* trailing spaces of lines and trailing blank lines are dropped;
* numbers are compared with a relative tolerance of 1e-9 (last-digit differences of BLAS and
  summation order between machines); everything else must match exactly.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from typing import List

import pytest
from doc_snippets import Block, attach_outputs, parse, to_json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVER = os.path.join(ROOT, "tests", "doc_snippets.py")
PAGES = ["README.md"] + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))


def page_blocks(page: str) -> List[Block]:
    return parse(os.path.join(ROOT, page), page)


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def normalise(text: str, tmpdirs: List[str] = ()) -> str:
    for d in tmpdirs:
        text = text.replace(d.rstrip("/") + "/", "").replace(d.rstrip("/"), ".")
    text = re.sub(r"0x[0-9a-fA-F]{4,}", "0x?", text)
    text = text.replace("\noptional arguments:\n", "\noptions:\n")  # argparse's heading before Python 3.10
    # argparse before 3.13 repeats the metavar of a short option: "-o OUTPUT, --output OUTPUT"
    text = re.sub(r"\n  -(\w) (\w+), --([\w-]+) \2\n +",
                  lambda m: "\n" + f"  -{m.group(1)}, --{m.group(3)} {m.group(2)}".ljust(24), text)
    # keys and hashes where the text says they are, even when all their digits happen to be 0-9
    text = re.sub(r"\.[0-9a-f]{12}\.py\b", ".<hex>.py", text)  # a cache file's key
    text = re.sub(r'((?:key|checksum): |"hash": "|"(?:function|code) \S+ )[0-9a-f]{12,24}\b', r"\1<hex>", text)
    text = re.sub(r"\b(?=[0-9a-f]*[a-f])[0-9a-f]{12,64}\b", "<hex>", text)
    text = re.sub(r"\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s)\b", "<time>", text)
    text = re.sub(r"np\.float64\(([^()]*)\)", r"\1", text)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _numbers_close(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def same_output(got: str, expected: str) -> bool:
    if got == expected:
        return True
    if _NUMBER.sub("0", got) != _NUMBER.sub("0", expected):
        return False
    return all(_numbers_close(a, b) for a, b in zip(_NUMBER.findall(got), _NUMBER.findall(expected)))


def _first_difference(got: str, expected: str) -> str:
    g, e = got.split("\n"), expected.split("\n")
    for i in range(max(len(g), len(e))):
        a = g[i] if i < len(g) else "<missing>"
        b = e[i] if i < len(e) else "<missing>"
        if not same_output(a, b):
            return f"output line {i + 1}:\n      page: {b!r}\n      real: {a!r}"
    return "?"


def start_page(page: str, tmp_path):
    """Start running one page's blocks in a subprocess; ``finish_page`` collects the problems."""
    blocks = page_blocks(page)
    problems = attach_outputs(blocks)
    runnable = [b for b in blocks if b.kind in ("python", "sh", "file")]
    if not any(b.kind in ("python", "sh") for b in runnable):
        return blocks, problems, None
    work = tmp_path / "page"
    work.mkdir()
    (work / "examples").symlink_to(os.path.join(ROOT, "examples"))
    (work / ".venv").symlink_to(sys.prefix)
    (tmp_path / "blocks.json").write_text(to_json(runnable), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANGENT_LITE_")}
    env["TANGENT_LITE_PROGRESS"] = "off"  # 17 pages at once are slow: no progress lines in the outputs
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    env["TMPDIR"] = str(tmp_path)
    env["PYTHONHASHSEED"] = "0"
    env["COLUMNS"] = "100"
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # 17 pages run at once
        env[var] = "1"
    proc = subprocess.Popen([sys.executable, DRIVER, str(tmp_path / "blocks.json"), str(tmp_path / "results.json")],
                            cwd=str(work), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return blocks, problems, proc


def finish_page(page: str, tmp_path, started) -> List[str]:
    """The problems of one page, one per failing block, with page and line."""
    blocks, problems, proc = started
    if proc is None:
        return problems
    stdout, _ = proc.communicate(timeout=300)
    if proc.returncode:
        return problems + [f"{page}: the snippet driver failed:\n{stdout}"]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    work = tmp_path / "page"
    tmpdirs = [str(work), os.path.realpath(work), str(tmp_path), os.path.realpath(tmp_path)]
    for b in blocks:
        if b.kind not in ("python", "sh"):
            continue
        r = results[str(b.line)]
        if b.expected is None:
            if r["failure"]:
                problems.append(f"{b.where}: {r['failure']}\n    output:\n"
                                + "\n".join("      " + s for s in r["output"].splitlines()[-15:]))
            continue
        got, expected = normalise(r["output"], tmpdirs), normalise(b.expected, tmpdirs)
        if not same_output(got, expected):
            problems.append(f"{b.where}: prints something else than its output block "
                            f"({b.page}:{b.output_line}); first difference at {_first_difference(got, expected)}"
                            f"\n    real output:\n" + "\n".join("      " + s for s in got.splitlines()[:40]))
    return problems


def run_page(page: str, tmp_path) -> List[str]:
    return finish_page(page, tmp_path, start_page(page, tmp_path))


@pytest.fixture(scope="module")
def page_runs(tmp_path_factory):
    """All pages run at once (one subprocess each): the test takes as long as the slowest page."""
    runs = {}
    for page in PAGES:
        if missing_libraries(page):
            continue
        tmp = tmp_path_factory.mktemp(re.sub(r"\W", "_", page))
        runs[page] = (tmp, start_page(page, tmp))
    yield runs
    for _, (_, (_, _, proc)) in runs.items():
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.communicate()


# Pages whose blocks may fail for a stated reason (strict xfail: a page that passes must leave
# this dict).  Empty: every page runs as written.
PENDING: dict = {}


# Pages whose blocks need optional libraries (the test extra installs them, on Python >= 3.10):
# skipped, with the names, where one is not installed.
REQUIRES = {
    "docs/arrays-beyond-numpy.md": ("dask", "distributed", "array_api_compat", "array_api_strict"),
}


def missing_libraries(page: str) -> List[str]:
    return [m for m in REQUIRES.get(page, ()) if importlib.util.find_spec(m) is None]


@pytest.mark.parametrize("page", [pytest.param(p, marks=pytest.mark.xfail(reason=PENDING[p], strict=True))
                                  if p in PENDING else p for p in PAGES])
def test_page_snippets_run_and_print_what_the_page_shows(page, page_runs):
    if missing_libraries(page):
        pytest.skip(f"{page} needs {', '.join(missing_libraries(page))} (the test extra, Python >= 3.10)")
    tmp, started = page_runs[page]
    problems = finish_page(page, tmp, started)
    assert not problems, f"{len(problems)} failing block(s) in {page}:\n" + "\n".join(problems)


def test_not_run_blocks_are_few():
    """The blocks that do not run, and why: this list should stay short."""
    not_run = [(b.where, b.arg) for page in PAGES for b in page_blocks(page) if b.kind == "not run"]
    assert len(not_run) <= 12, "too many blocks marked not run:\n" + "\n".join(f"{w}: {r}" for w, r in not_run)


def test_the_extractor_sees_the_blocks():
    """Guard against a parser that silently finds nothing."""
    blocks = [b for page in PAGES for b in page_blocks(page)]
    kinds = {k: sum(b.kind == k for b in blocks) for k in ("python", "sh", "output", "file", "not run")}
    assert kinds["python"] >= 60 and kinds["output"] >= 40 and kinds["file"] >= 20 and kinds["sh"] >= 10, kinds
    assert normalise("at 0x7f3a2b1c key: 724e3131e001 took 3.2 ms np.float64(2.5)") == \
        "at 0x? key: <hex> took <time> 2.5"
    assert normalise("__tangent_lite__/model.gram.vjp.763168763909.py") == "__tangent_lite__/model.gram.vjp.<hex>.py"
    assert normalise('# key: 123456789012345678901234  checksum: 1234567890123456 "code add 4508099266209491"') \
        == '# key: <hex>  checksum: <hex> "code add <hex>"'
    assert normalise("1.7551651237807455") == "1.7551651237807455"  # digits of a number stay
    assert same_output("1.0000000000001 [2.]", "1.0 [2.]") and not same_output("1.001", "1.0")
