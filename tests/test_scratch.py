"""The per-process scratch directory (tangent_lite.backends.scratch.scratch_dir): where generated modules
go when no cache directory is writable or the disk cache is off, removed at interpreter exit."""

import os
import subprocess
import sys
import textwrap

import tangent_lite.backends.scratch as scratch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# a child process with its own temporary directory and nothing writable for the cache
CHILD = textwrap.dedent("""
    import os, shutil, sys
    import tangent_lite.backends.scratch as scratch

    blocked = os.path.join(sys.argv[1], "a_file", "cache")
    paths = [scratch.write_scratch(f"m.f.vjp.{i}.py", "x = %d\\n" % i) for i in range(3)]
    paths.append(scratch.scratch_path("n.py"))
    directory = scratch.scratch_dir()
    assert all(os.path.dirname(p) == directory for p in paths), (paths, directory)
    assert [open(p).read() for p in paths[:3]] == ["x = 0\\n", "x = 1\\n", "x = 2\\n"]
    if sys.argv[2] == "remove-first":  # someone else already removed it: exit must not fail
        shutil.rmtree(directory)
    print(directory)
""")


def run_child(tmp_path, how):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (tmp_path / "a_file").write_text("blocks the cache directories below it")
    env = dict(os.environ, TMPDIR=str(tmp), XDG_CACHE_HOME=str(tmp_path / "a_file" / "xdg"),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("TANGENT_LITE_CACHE_DIR", None)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path), how], env=env,
                          capture_output=True, text=True, timeout=120)
    return proc, tmp


def test_fallback_files_share_one_directory_removed_at_exit(tmp_path):
    proc, tmp = run_child(tmp_path, "keep")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    directory = proc.stdout.strip()
    assert os.path.dirname(directory) == str(tmp)
    assert not os.path.exists(directory)
    assert os.listdir(tmp) == []  # no tangent_lite-*.py left behind in the temporary directory


def test_exit_does_not_fail_when_the_directory_is_already_gone(tmp_path):
    proc, tmp = run_child(tmp_path, "remove-first")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no "Exception ignored in atexit callback"
    assert os.listdir(tmp) == []


def test_scratch_directory_is_made_again_if_removed(tmp_path, monkeypatch):
    first = scratch.scratch_dir()
    assert os.path.isdir(first) and scratch.scratch_dir() == first  # one directory per process
    monkeypatch.setitem(scratch._SCRATCH, "dir", str(tmp_path / "removed"))  # as if deleted meanwhile
    again = scratch.scratch_dir()
    assert os.path.isdir(again) and again not in (first, str(tmp_path / "removed"))
    assert scratch.scratch_path("m.py") == os.path.join(again, "m.py")


def test_cleanup_leaves_another_process_directory_alone(tmp_path):
    """A forked child inherits the parent's exit handler: it must not remove the parent's directory."""
    directory = tmp_path / "scratch"
    directory.mkdir()
    (directory / "m.py").write_text("x = 1\n")
    scratch._remove_scratch(str(directory), os.getpid() + 1)
    assert (directory / "m.py").exists()
    scratch._remove_scratch(str(directory), os.getpid())
    assert not directory.exists()
    scratch._remove_scratch(str(directory), os.getpid())  # already gone: no error
