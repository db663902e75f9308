"""Shared test setup: generated files go to a per-session directory, not the repo."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
# no progress lines from generations slowed down by a loaded machine: tests compare outputs
# (tests/test_progress.py sets the variable itself); subprocesses inherit this
os.environ.setdefault("TANGENT_LITE_PROGRESS", "off")


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("tl_cache")
    old = os.environ.get("TANGENT_LITE_CACHE_DIR")
    os.environ["TANGENT_LITE_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("TANGENT_LITE_CACHE_DIR", None)
    else:
        os.environ["TANGENT_LITE_CACHE_DIR"] = old
