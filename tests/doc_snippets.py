"""Extract the fenced code blocks of README.md and docs/*.md and run them (tests/test_doc_snippets.py).

Every block is one of (the marker is an HTML comment on the line before the fence; it renders
invisibly):

* a ```python block: run, in order, in one namespace per page;
* a ```sh block: runs as one bash script (adgen, python, sed, ...);
* ``<!-- file: NAME -->``: the block is written as the file NAME (a module the next blocks import);
* ``<!-- output -->``: the block shows what the last python/sh block above it prints (stdout and
  stderr; an exception ends the block and shows as ``ExceptionName: message``);
* ``<!-- not run: REASON -->``: not run (``pip install``, ``make demo``, ...), and counted.

Run as a script (``python doc_snippets.py BLOCKS.json RESULTS.json``), this module is the driver
that executes one page's blocks in a fresh interpreter, in the current directory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import types
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional

_OPEN = re.compile(r"^```(\S*)\s*$")
_CLOSE = re.compile(r"^```\s*$")
_MARKER = re.compile(r"^<!--\s*(file|output|not run)\s*(?::\s*(.*?))?\s*-->\s*$")
RUN_LANGS = {"python": "python", "py": "python", "sh": "sh", "console": "sh", "bash": "sh", "shell": "sh"}


@dataclass
class Block:
    page: str           # relative path, e.g. "docs/cli.md"
    line: int           # line of the opening fence
    lang: str           # the info string ("" for none)
    code: str
    kind: str           # "python", "sh", "file", "output", "not run" or "unmarked"
    arg: str = ""       # file name, or the reason it is not run
    output_line: Optional[int] = None   # for a run block: the line of its output block, if any
    expected: Optional[str] = None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def parse(path: str, page: str) -> List[Block]:
    """The fenced blocks of one page; output blocks are attached to the run block before them."""
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    blocks: List[Block] = []
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and not _CLOSE.match(lines[j]):
            j += 1
        code = "\n".join(lines[start + 1:j]) + "\n"
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = _MARKER.match(lines[k]) if k >= 0 else None
        if marker:
            kind, arg = marker.group(1), marker.group(2) or ""
        elif lang in RUN_LANGS:
            kind, arg = RUN_LANGS[lang], ""
        else:
            kind, arg = "unmarked", ""
        blocks.append(Block(page, start + 1, lang, code, kind, arg))
        i = j + 1
    return blocks


def attach_outputs(blocks: List[Block]) -> List[str]:
    """Give each output block to the run block above it; return the problems found."""
    problems, last = [], None
    for b in blocks:
        if b.kind in ("python", "sh"):
            last = b
        elif b.kind == "output":
            if last is None or last.output_line is not None:
                problems.append(f"{b.where}: an output block with no python/sh block of its own above it")
            else:
                last.output_line, last.expected = b.line, b.code
        elif b.kind == "unmarked":
            problems.append(f"{b.where}: a ```{b.lang} block that is neither run nor marked "
                            f"(<!-- output -->, <!-- file: NAME -->, <!-- not run: REASON -->)")
        elif b.kind == "file" and not b.arg:
            problems.append(f"{b.where}: <!-- file --> needs a name")
        elif b.kind == "not run" and not b.arg:
            problems.append(f"{b.where}: <!-- not run --> needs a reason")
    return problems


# ---------------------------------------------------------------------------------------- driver


def _run_python(block: dict, module: types.ModuleType, out: io.StringIO) -> Optional[str]:
    # Each block is a file of its own, so that tangent_lite can read the source of what it defines.
    path = os.path.abspath(f"snippet_{block['line']}.py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(block["code"])
    module.__file__ = path
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            exec(compile(block["code"], path, "exec"), module.__dict__)
        except BaseException as exc:  # noqa: BLE001 -- shown as the last line of a traceback
            message = str(exc)
            print(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)
            return f"{type(exc).__name__}: {message}"
    return None


def _run_sh(block: dict, out: io.StringIO) -> Optional[str]:
    # One bash script per block, so that `echo $?` sees the command before it; without an output
    # block, the first failing command fails the block (set -e).
    script = block["code"] if block["output_line"] else "set -e\n" + block["code"]
    proc = subprocess.run(["bash", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=300)
    out.write(proc.stdout)
    return f"the block exited with status {proc.returncode}" if proc.returncode else None


def main(blocks_json: str, results_json: str) -> None:
    with open(blocks_json, encoding="utf-8") as fh:
        blocks = json.load(fh)
    sys.path.insert(0, os.getcwd())
    module = types.ModuleType("snippets")
    sys.modules["snippets"] = module
    results: Dict[int, dict] = {}
    for block in blocks:
        if block["kind"] == "file":
            with open(block["arg"], "w", encoding="utf-8") as fh:
                fh.write(block["code"])
            continue
        out = io.StringIO()
        if block["kind"] == "python":
            failure = _run_python(block, module, out)
        else:
            failure = _run_sh(block, out)
        results[block["line"]] = {"output": out.getvalue(), "failure": failure}
    with open(results_json, "w", encoding="utf-8") as fh:
        json.dump(results, fh)


def to_json(blocks: List[Block]) -> str:
    return json.dumps([asdict(b) for b in blocks if b.kind in ("python", "sh", "file")])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
