"""The disk cache keeps house: a size bound with least-recently-used pruning, entries of
installed packages and of code without a file in the per-user directory, tl.cache_info(),
tl.clear_cache() and `adgen --clear-cache` (docs/reliability.md, "The disk cache").

Each test runs Python in a subprocess with its own per-user cache directory
($XDG_CACHE_HOME) and no $TANGENT_LITE_CACHE_DIR, as a user's process would.
"""
import json
import math
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANGENT_LITE_")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), PYTHONPATH=ROOT, **extra)
    return env


def _python(code, cwd, env):
    r = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _model(folder, version):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.py").write_text(f"import numpy as np\n\n\ndef f(x):\n    return np.sum(np.sin(x) ** 2) + "
                                     f"{version} * np.sum(x)\n")


_GRAD = ("import sys, json, numpy as np, tangent_lite as tl; sys.path.insert(0, '.'); import model; "
         "g = tl.grad(model.f)(np.ones(2)); print(json.dumps([g.tolist(), tl.cache_info().stats]))")


def _entries(folder):
    d = folder / "__tangent_lite__"
    return sorted(p.name for p in d.iterdir() if p.suffix == ".py") if d.is_dir() else []


def test_edits_do_not_pile_up_entries(tmp_path):
    """Twelve edits of a function with a bound of 4 entries: 4 remain, the most recent ones,
    and each process still gets its own (right) derivative."""
    env = _env(tmp_path, TANGENT_LITE_CACHE_ENTRIES="4", PYTHONDONTWRITEBYTECODE="1")
    made = []  # the entry each version added
    for version in range(12):
        before = set(_entries(tmp_path / "proj"))
        _model(tmp_path / "proj", version)
        grad, stats = json.loads(_python(_GRAD, tmp_path / "proj", env))
        assert grad == pytest.approx([math.sin(2.0) + version] * 2)  # d/dx sin(x)^2 = sin(2x)
        assert stats["generated"] == 1
        now = _entries(tmp_path / "proj")
        assert len(now) <= 4
        (new,) = set(now) - before
        made.append(new)
    assert _entries(tmp_path / "proj") == sorted(made[-4:])


def test_the_least_recently_used_entry_goes_first(tmp_path):
    """An old entry that is read again is kept; the one nobody used since goes."""
    env = _env(tmp_path, TANGENT_LITE_CACHE_ENTRIES="2", PYTHONDONTWRITEBYTECODE="1")
    proj = tmp_path / "proj"
    _model(proj, 1)
    _python(_GRAD, proj, env)
    first = set(_entries(proj))
    _model(proj, 2)
    _python(_GRAD, proj, env)
    second = set(_entries(proj)) - first
    os.utime(proj / "__tangent_lite__" / next(iter(second)), (1, 1))  # entry 2: last used long ago
    _model(proj, 1)  # back to version 1: a disk hit, which marks entry 1 as used now
    _grad, stats = json.loads(_python(_GRAD, proj, env))
    assert stats["disk_hits"] == 1 and stats["generated"] == 0
    _model(proj, 3)
    _python(_GRAD, proj, env)
    left = set(_entries(proj))
    assert len(left) == 2 and first <= left and not (second & left)


def test_a_byte_bound_prunes_too(tmp_path):
    env = _env(tmp_path, TANGENT_LITE_CACHE_MB="0.001", PYTHONDONTWRITEBYTECODE="1")  # ~1 kB: one entry
    for version in range(3):
        _model(tmp_path / "proj", version)
        _python(_GRAD, tmp_path / "proj", env)
    assert len(_entries(tmp_path / "proj")) == 1  # the entry just written is never pruned


def test_installed_packages_cache_in_the_per_user_directory(tmp_path):
    """A module under site-packages gets no __tangent_lite__ folder (pip uninstall would leave it
    behind): its entries go to the per-user cache directory, where the next process finds them."""
    site = tmp_path / "lib" / "site-packages" / "somepkg"
    _model(site, 5)
    (site / "__init__.py").write_text("")
    code = ("import sys, json, numpy as np, tangent_lite as tl; sys.path.insert(0, sys.argv[1]); "
            "from somepkg import model; g = tl.grad(model.f)(np.ones(2)); print(json.dumps(tl.cache_info().stats))")
    env = _env(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    runs = [json.loads(subprocess.run([sys.executable, "-c", code, str(site.parent)], env=env, capture_output=True,
                                      text=True, timeout=120, check=True).stdout) for _ in range(2)]
    assert not (site / "__tangent_lite__").exists()
    user = tmp_path / "xdg" / "tangent_lite"
    assert [p.name for p in user.iterdir() if p.name.startswith("model.f.vjp.")]
    assert runs[0]["generated"] == 1 and runs[1]["disk_hits"] == 1


def test_code_without_a_file_leaves_nothing_in_the_current_folder(tmp_path):
    """`python -c`: a clear refusal where its source cannot be read (Python < 3.13), the right
    derivative where it can (3.13 keeps -c code in linecache); no __tangent_lite__/ either way."""
    code = ("import numpy as np, tangent_lite as tl\n"
            "def f(x):\n    return x * x\n"
            "try:\n    print(tl.grad(f)(1.5))\nexcept tl.SourceUnavailableError:\n    print('refused')\n")
    assert _python(code, tmp_path, _env(tmp_path)).strip() in ("refused", "3.0")
    assert not (tmp_path / "__tangent_lite__").exists()


def test_cache_info_and_clear_cache(tmp_path):
    env = _env(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    proj = tmp_path / "proj"
    _model(proj, 1)
    code = ("import sys, json, os, numpy as np, tangent_lite as tl; sys.path.insert(0, '.'); import model\n"
            "tl.grad(model.f)(np.ones(2))\n"
            "info = tl.cache_info()\n"
            "here = os.path.abspath('__tangent_lite__')\n"
            "before = (info.enabled, info.memory_entries, info.directories[here][0], info.max_entries)\n"
            "removed = tl.clear_cache()\n"
            "after = tl.cache_info()\n"
            "tl.grad(model.f)(np.ones(2))\n"
            "print(json.dumps([before, removed, after.memory_entries, after.directories[here][0],"
            " tl.cache_info().stats['generated']]))\n")
    before, removed, mem_after, disk_after, generated = json.loads(_python(code, proj, env))
    assert before == [True, 1, 1, 500]
    assert removed == 1 and mem_after == 0 and disk_after == 0
    assert generated == 2  # generated again after clearing


def test_adgen_clear_cache_removes_only_entries(tmp_path):
    env = _env(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    for sub in ("a", "b/c"):
        _model(tmp_path / "proj" / sub, 1)
        _python(_GRAD, tmp_path / "proj" / sub, env)
    (tmp_path / "proj" / "a" / "__tangent_lite__" / "notes.py").write_text("# mine\n")
    (tmp_path / "proj" / "keep.py").write_text("# Generated by tangent_lite (but not a cache entry's name)\n")
    r = subprocess.run([sys.executable, "-m", "tangent_lite.cli", "--clear-cache", str(tmp_path / "proj")],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "removed 2 cache entries" in r.stdout
    assert _entries(tmp_path / "proj" / "a") == ["notes.py"]  # a user's file stays, and so does its folder
    assert not (tmp_path / "proj" / "b" / "c" / "__tangent_lite__").exists()
    assert (tmp_path / "proj" / "keep.py").exists()
    r = subprocess.run([sys.executable, "-m", "tangent_lite.cli", "--clear-cache", str(tmp_path / "nope")],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no such folder" in r.stderr
