"""Run autograd's own test suite against tangent_lite, through a thin adapter.

    .venv/bin/python benchmarks/peer_suites/autograd_suite.py --autograd-src PATH [--report FILE]

PATH is a local autograd checkout (a work tree, or a bare git directory: its HEAD is read).
The tests are copied to a temporary directory (nothing of autograd is kept here) and run by
pytest with ``autograd_adapter/`` first on sys.path, so ``import autograd`` imports the adapter:
autograd.numpy is NumPy, autograd.scipy is SciPy, and autograd's differential operators and
``test_util.check_grads`` are tangent_lite's API (see autograd_adapter/autograd/__init__.py and
benchmarks/README.md).  Prints passed / failed / errored and the failures by category; with
``--report`` writes them as Markdown.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ADAPTER = HERE / "autograd_adapter"

# (category, pattern in the failure's message), first match wins
CATEGORIES: List[Tuple[str, str]] = [
    ("timeout", r"TimeoutError: test took longer"),
    ("adapter limit (autograd API with no tangent_lite equivalent)", r"NotImplementedError"),
    ("wrong number (check_grads / check_equivalent: derivative vs finite differences)", r"wrong number"),
    ("wrong type/shape of a derivative (check_grads)", r"wrong type/shape"),
    ("missing SciPy rule (tangent_lite reads SciPy's own source and refuses it)",
     r"(NoRuleError|UnsupportedConstructError|MultipleErrors)[^\n]*(\n[^\n]*){0,3}site-packages/scipy/"),
    ("missing NumPy/SciPy rule",
     r"NoRuleError: .*(no derivative rule|no JVP rule|no VJP rule|do not accept the keyword)"),
    ("refused construct: *args / ** unpacking",
     r"variable number of arguments|'\*' or '\*\*' unpacking"),
    ("refused construct: complex input to a real-only rule", r"is differentiated for real input only"),
    ("refused construct", r"UnsupportedConstructError|MultipleErrors|NoRuleError"),
    ("tangent_lite argument / output error", r"ArgumentError|NonScalarOutputError|SelfCheckError"),
    ("other tangent_lite error", r"tangent_lite\.errors\.|TangentLiteError"),
    ("API difference: autograd raises, tangent_lite computes", r"DID NOT RAISE"),
    ("API difference: autograd-only NumPy extras / signatures", r"has no attribute|positional-only arguments"),
    ("assertion in the test itself (triaged by hand in the report)", r"AssertionError|assert "),
]


def extract_tests(src: Path, dest: Path) -> str:
    """Copy autograd's tests/ to ``dest``; returns a description of what was read."""
    dest.mkdir(parents=True)
    if (src / "tests").is_dir():
        for f in (src / "tests").iterdir():
            if f.suffix == ".py":
                (dest / f.name).write_text(f.read_text())
        return f"{src} (work tree)"
    git = ["git", f"--git-dir={src}"]
    names = subprocess.run(git + ["ls-tree", "--name-only", "HEAD", "tests/"], check=True, capture_output=True,
                           text=True).stdout.split()
    for name in names:
        if name.endswith(".py"):
            text = subprocess.run(git + ["show", f"HEAD:{name}"], check=True, capture_output=True, text=True).stdout
            (dest / Path(name).name).write_text(text)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    return f"{src} (git, HEAD {commit[:12]})"


def categorise(message: str) -> str:
    for name, pattern in CATEGORIES:
        if re.search(pattern, message):
            return name
    return "other error"


def parse(junit: Path) -> List[Dict[str, str]]:
    cases = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = {"failure": "failed", "error": "errored", "skipped": "skipped"}[tag]
                message = (node.get("message") or "") + "\n" + (node.text or "")
                break
        cases.append({"id": f"{case.get('classname')}::{case.get('name')}", "outcome": outcome, "message": message,
                      "headline": _headline(message)})
    return cases


def _headline(message: str) -> str:
    """The error line (E ...) of the failure, shortened."""
    lines = [ln[1:].strip() for ln in message.splitlines() if ln.startswith("E ")]
    text = " / ".join(ln for ln in lines[:3] if ln) or message.strip().splitlines()[0] if message.strip() else ""
    return text[:300]


def report(cases: List[Dict[str, str]], source: str) -> str:
    counts = collections.Counter(c["outcome"] for c in cases)
    total = len(cases)
    out = [f"autograd test suite through the tangent_lite adapter ({source})", "",
           f"total {total}: passed {counts['passed']}, failed {counts['failed']}, errored {counts['errored']}, "
           f"skipped {counts['skipped']}", ""]
    bad = [c for c in cases if c["outcome"] in ("failed", "errored")]
    groups: Dict[str, List[Dict[str, str]]] = collections.defaultdict(list)
    for c in bad:
        groups[categorise(c["message"])].append(c)
    out += ["| category | count | example | message |", "|---|---|---|---|"]
    for name, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        ex = members[0]
        out.append(f"| {name} | {len(members)} | `{ex['id']}` | {ex['headline'].replace('|', '/')} |")
    for name, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        out += ["", f"### {name} ({len(members)})", ""]
        out += [f"- `{c['id']}`: {c['headline'].replace('|', '/')}" for c in members]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--autograd-src", required=True, type=Path, help="autograd checkout (work tree or git dir)")
    parser.add_argument("--report", type=Path, help="write the Markdown report here")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per test (default 120)")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression (a subset of the tests)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="autograd_suite_"))
    tests = tmp / "tests"
    source = extract_tests(opts.autograd_src.resolve(), tests)
    junit = tmp / "junit.xml"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ADAPTER), str(HERE), str(tests), str(REPO), env.get("PYTHONPATH", "")])
    env["TANGENT_LITE_CACHE_DIR"] = str(tmp / "cache")
    env["TMPDIR"] = str(tmp)  # (the adapter writes its wrapper modules there: removed with it)
    env["PEER_SUITE_TIMEOUT"] = str(opts.timeout)
    cmd = [sys.executable, "-m", "pytest", str(tests), "-q", "-p", "no:cacheprovider", "-p", "_timeout_plugin",
           "-p", "no:warnings", f"--junitxml={junit}", "--rootdir", str(tmp), "-o", "junit_family=xunit1"]
    if opts.keyword:
        cmd += ["-k", opts.keyword]
    subprocess.run(cmd, cwd=tests, env=env)
    text = report(parse(junit), source)
    print(text)
    if opts.report:
        opts.report.write_text(text)
    if opts.keep:
        print(f"kept {tmp}")
    else:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
