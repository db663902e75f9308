"""The disk cache is executable code: what tangent_lite checks before running an entry, and how
cache trouble degrades (tangent_lite.backends.cache, tangent_lite.backends.codegen; see docs/reliability.md).

1. The checksum covers the whole file (header with key and meta, and code), not only the code.
2. The text that was verified is the text that runs, from memory: no file read after the check,
   no ``.pyc``; tracebacks and ``inspect`` still show the generated code.
3. File names stay inside the cache directory whatever ``__module__``/``__qualname__`` hold.
4. Directories and entries not owned by you (or root) or writable by others are refused, with a
   warning once per directory; new directories are private (0700); symlinked entries are not
   followed.
5. Full disks, file-size limits and read-only directories degrade to memory with one warning;
   reads look where writes go.
6. Damaged entries of every kind are misses: regenerated and overwritten, never an exception.

"Another user" is simulated with chown when the tests run as root, else through the owner check
(``cache._distrust`` / ``cache._trusted_owner``), and with group/other write bits.
"""

import contextlib
import errno
import hashlib
import importlib
import importlib.util
import inspect
import io
import itertools
import json
import linecache
import marshal
import os
import pdb
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import traceback
import warnings

import numpy as np
import pytest

import tangent_lite as tl
import tangent_lite.api as api
import tangent_lite.backends.cache as cache
import tangent_lite.backends.codegen as codegen
import tangent_lite.backends.scratch as scratch
from tangent_lite.errors import TangentLiteWarning

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_COUNTER = itertools.count()
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
POSIX = os.name == "posix"
posix_only = pytest.mark.skipif(not POSIX, reason="POSIX owners, modes and symlinks")

MODULE = """\
import numpy as np


def f(x):
    return np.sum(x ** 2)


def g(x):
    return np.sum(np.sin(x) * x)
"""

MODULE_V2 = MODULE.replace("x ** 2", "x ** 3")
X = np.array([0.5, -1.0, 2.0])
X2 = np.array([1.0, 2.0])


def dg(x):
    return np.sin(x) + x * np.cos(x)


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A private cache directory and a private per-user fallback, an empty memory cache, the
    disk cache on, and the once-per-process warnings forgotten."""
    cache_path, user_base = tmp_path / "cache", tmp_path / "xdg"
    monkeypatch.setenv("TANGENT_LITE_CACHE_DIR", str(cache_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_base))
    monkeypatch.delenv("TANGENT_LITE_CACHE", raising=False)
    monkeypatch.setitem(cache._STATE, "enabled", True)
    monkeypatch.setattr(cache, "_WARNED", set(), raising=False)
    cache.clear_memory()

    class Env:
        cache = cache_path
        user = user_base / "tangent_lite"
        tmp = tmp_path
        names = []

        def load(self, text=MODULE, directory=None, name=None):
            name = name or f"tl_safety_mod_{os.getpid()}_{next(_COUNTER)}"
            directory = directory or tmp_path / "src"
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"{name}.py").write_text(text)
            monkeypatch.syspath_prepend(str(directory))
            importlib.invalidate_caches()
            self.names.append(name)
            sys.modules.pop(name, None)
            return importlib.import_module(name)

    e = Env()
    yield e
    for name in e.names:
        sys.modules.pop(name, None)
    cache.clear_memory()


def entries(directory, pattern="*.py"):
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def only_entry(directory):
    files = entries(directory)
    assert len(files) == 1, files
    return files[0]


def stats():
    return dict(cache.STATS)


def delta(before):
    return {k: cache.STATS[k] - before[k] for k in before}


def unsigned(text):
    """``text`` with the checksum value left out (independent of codegen's own code)."""
    lines = text.split("\n", 4)
    key = lines[2][len("# key: "):].partition("  checksum: ")[0]
    lines[2] = f"# key: {key}  checksum: "
    return "\n".join(lines)


def reseal(text):
    """``text`` with a correct checksum over all of it: what someone who edits an entry on purpose
    (rather than a disk error) writes."""
    body = unsigned(text)
    lines = body.split("\n", 4)
    lines[2] += hashlib.sha256(body.encode()).hexdigest()[:16]
    return "\n".join(lines)


def marker_code(marker):
    return f"\nopen({str(marker)!r}, 'w').close()\n"


def evil(text, marker):
    """A valid entry (right key, right checksum) that also creates ``marker`` when executed."""
    return codegen.seal(text + marker_code(marker))


@contextlib.contextmanager
def recorded():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def tl_warnings(caught):
    return [w for w in caught if issubclass(w.category, TangentLiteWarning)]


def make_foreign(path, monkeypatch):
    """Make ``path`` look owned by another user: chown as root, else through the owner check."""
    if IS_ROOT:
        os.chown(path, 4242, 4242, follow_symlinks=False)
        return
    st = os.lstat(path)
    original = cache._distrust

    def distrust(s):
        if (s.st_dev, s.st_ino) == (st.st_dev, st.st_ino):
            return "it is owned by another user (uid 4242)"
        return original(s)

    monkeypatch.setattr(cache, "_distrust", distrust)


def run_child(code, env, prefix=()):
    proc = subprocess.run([*prefix, sys.executable, "-B", "-c", code], capture_output=True, text=True,
                          env=env, timeout=300)
    return proc


# ---------------------------------------------------------------- 1. the checksum covers the whole file


def test_checksum_covers_every_byte_but_itself(env):
    mod = env.load()
    tl.grad(mod.f)(X)
    text = only_entry(env.cache).read_text()
    key, meta = codegen.verify(text)
    assert meta["qualname"] == "f"
    header_end = len("\n".join(text.split("\n", 4)[:4]))
    checksum_at = text.index("  checksum: ") + len("  checksum: ")
    for i in range(len(text)):
        if checksum_at <= i < checksum_at + 16:
            continue
        if i > header_end + 200 and i % 7:  # every header byte, a sample of the code
            continue
        changed = text[:i] + ("Z" if text[i] != "Z" else "Y") + text[i + 1:]
        with pytest.raises(ValueError):
            codegen.verify(changed)
    assert codegen.verify(reseal(text)) == (key, meta)
    assert codegen.seal(text) == reseal(text) == text


@pytest.mark.parametrize("edit", ["returns_value", "outputs"])
def test_edited_meta_line_is_refused(edit, env):
    """Editing the meta line (checksum left alone) made the entry return the wrong thing."""
    mod = env.load()
    if edit == "returns_value":  # tl.grad's entry: the gradient alone
        np.testing.assert_allclose(tl.grad(mod.f)(X2), 2 * X2)
        path = only_entry(env.cache)
        good = path.read_text()
        assert '"returns_value": false' in good
        path.write_text(good.replace('"returns_value": false', '"returns_value": true'))
    else:  # tl.vjp's entry: forward and backward functions
        _, pullback = tl.vjp(mod.f, X2)
        np.testing.assert_allclose(pullback(1.0), 2 * X2)
        path = only_entry(env.cache)
        good = path.read_text()
        assert '"outputs": 1' in good
        path.write_text(good.replace('"outputs": 1', '"outputs": 2'))
    cache.clear_memory()
    before = stats()
    if edit == "returns_value":
        np.testing.assert_allclose(tl.grad(mod.f)(X2), 2 * X2)
    else:
        _, pullback = tl.vjp(mod.f, X2)
        np.testing.assert_allclose(pullback(1.0), 2 * X2)
    assert delta(before)["generated"] == 1 and delta(before)["disk_hits"] == 0
    assert path.read_text() == good  # overwritten with the right entry


def test_edited_key_is_refused(env):
    """An entry for f's first version, its header key changed to the second version's key (the
    checksum covered only the code, so it still matched): it must not serve the second version."""
    src = env.tmp / "src"
    mod = env.load()
    tl.grad(mod.f)(X)
    v1_path = only_entry(env.cache)
    v1_text = v1_path.read_text()
    mod_name = mod.__name__
    (src / f"{mod_name}.py").write_text(MODULE_V2)
    mod = importlib.reload(mod)
    np.testing.assert_allclose(tl.grad(mod.f)(X), 3 * X ** 2)
    v2_path = [p for p in entries(env.cache) if p != v1_path][0]
    v2_key = codegen.verify(v2_path.read_text())[0]
    v1_key = codegen.verify(v1_text)[0]
    v2_path.write_text(v1_text.replace(v1_key, v2_key, 1))  # checksum untouched
    cache.clear_memory()
    before = stats()
    np.testing.assert_allclose(tl.grad(mod.f)(X), 3 * X ** 2)
    assert delta(before)["generated"] == 1


# ---------------------------------------------------------------- 2. the verified text is what runs


def test_pyc_beside_the_entry_is_never_run(env):
    mod = env.load()
    tl.grad(mod.f)(X)
    path = only_entry(env.cache)
    marker = env.tmp / "pyc.marker"
    planted = path.read_text() + marker_code(marker)
    code = compile(planted, str(path), "exec")
    source = path.read_bytes()
    # an "unchecked hash" .pyc: an import system loading the .py would run it without looking at the source
    pyc = importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little") + importlib.util.source_hash(source) \
        + marshal.dumps(code)
    pyc_path = importlib.util.cache_from_source(str(path))
    os.makedirs(os.path.dirname(pyc_path), exist_ok=True)
    with open(pyc_path, "wb") as fh:
        fh.write(pyc)
    cache.clear_memory()
    before = stats()
    np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert delta(before)["disk_hits"] == 1
    assert not marker.exists(), "a .pyc beside the cache entry was executed"


def test_no_pyc_is_written_for_generated_modules(env, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    mod = env.load()
    tl.grad(mod.f)(X)
    cache.clear_memory()
    tl.grad(mod.f)(X)  # from disk
    assert not (env.cache / "__pycache__").exists()


def test_file_replaced_after_verification_is_not_run(env, monkeypatch):
    mod = env.load()
    tl.grad(mod.f)(X)
    path = only_entry(env.cache)
    marker = env.tmp / "swap.marker"
    swapped = path.read_text().replace("2 * ", "7 * ") + marker_code(marker)
    real_verify = codegen.verify

    def verify_then_swap(text):
        result = real_verify(text)
        path.write_text(swapped)  # another process replaces the file right after the check
        return result

    monkeypatch.setattr(codegen, "verify", verify_then_swap)
    cache.clear_memory()
    before = stats()
    np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert delta(before)["disk_hits"] == 1
    assert not marker.exists(), "the file on disk was executed instead of the verified text"


def test_scratch_copy_is_never_run(env, monkeypatch):
    """With the disk cache off the module still runs from memory: its private copy on disk
    (kept for what reads __file__, like tl.source) is not what runs."""
    monkeypatch.setitem(cache._STATE, "enabled", False)
    marker = env.tmp / "scratch.marker"
    real = scratch.write_scratch

    def write_tampered(name, text):
        return real(name, text + marker_code(marker))

    monkeypatch.setattr(scratch, "write_scratch", write_tampered)
    mod = env.load()
    np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert not marker.exists()
    assert entries(env.cache, "*") == []


def _generated(fn, mode="vjp"):
    module = api.compiled(fn, mode, ("x",))
    return module, getattr(module, module.__tl_meta__["functions"][0])


@pytest.mark.parametrize("where", ["cache", "scratch", "nowhere"])
def test_tracebacks_and_getsource_show_the_generated_code(where, env, monkeypatch):
    if where != "cache":
        monkeypatch.setitem(cache._STATE, "enabled", False)
    if where == "nowhere":
        monkeypatch.setattr(scratch, "write_scratch", lambda name, text: None)
    mod = env.load()
    module, fn = _generated(mod.f)
    filename = module.__file__
    if where == "cache":
        assert filename == str(only_entry(env.cache))
    elif where == "scratch":
        assert os.path.dirname(filename) == scratch.scratch_dir()
    else:
        assert filename.startswith("<tangent_lite ") and not os.path.exists(filename)
    assert fn.__code__.co_filename == filename
    if os.path.exists(filename):
        os.remove(filename)  # what is shown comes from memory, not from the file
    linecache.checkcache(filename)
    linecache.checkcache()
    text = getattr(module, "__tl_text__", None)
    assert text is not None and text.startswith("# Generated by tangent_lite")
    src = inspect.getsource(fn)
    assert src.startswith(f"def {fn.__name__}(")
    lines = linecache.getlines(filename)
    assert lines and lines[0].startswith("# Generated by tangent_lite")
    assert "".join(lines) == text
    with pytest.raises(Exception) as info:
        fn("not an array", 1.0)
    shown = "".join(traceback.format_exception(info.type, info.value, info.tb))
    assert filename in shown
    frames = [fr for fr in traceback.extract_tb(info.tb) if fr.filename == filename]
    assert frames and all(fr.line for fr in frames)  # each generated frame shows its line of code


def test_pdb_lists_the_generated_code_without_its_file(env):
    mod = env.load()
    module, fn = _generated(mod.f)
    os.remove(module.__file__)
    out = io.StringIO()
    debugger = pdb.Pdb(stdin=io.StringIO("list\ncontinue\n"), stdout=out)
    debugger.runcall(fn, X)
    shown = out.getvalue()
    assert module.__file__ in shown and f"def {fn.__name__}(" in shown and "x ** 2" in shown


def test_linecache_entry_survives_checkcache_after_the_file_changes(env):
    mod = env.load()
    module, fn = _generated(mod.f)
    path = module.__file__
    good = linecache.getlines(path)
    with open(path, "a") as fh:
        fh.write("# appended later\n")
    linecache.checkcache(path)
    assert linecache.getlines(path) == good


# ---------------------------------------------------------------- 3. file names stay inside the cache directory


EVIL_NAMES = ["../../escape", "/abs/olute", "a/b\\c", "x\x00y", "m" * 1000, "", "..", ".hidden", "con",
              "caf\u00e9", "tests.test_model", "a\nb", "\u202etxt.py"]


@pytest.mark.parametrize("module_name", EVIL_NAMES + [None])
@pytest.mark.parametrize("qualname", ["f", "a/../../b", "x\x00y", "q" * 1000, "outer.<locals>.g", ".."])
def test_file_name_is_always_a_plain_name(module_name, qualname, tmp_path):
    def f(x):
        return x

    f.__module__ = module_name
    f.__qualname__ = qualname
    name = cache.file_name(f, "vjp", "0123456789abcdef0123")
    assert name == os.path.basename(name) and "/" not in name and "\\" not in name and "\0" not in name
    assert not name.startswith(".") and name.endswith(".vjp.0123456789ab.py")
    assert len(name.encode()) <= 255 and name.isascii() and name.isprintable()
    directory = str(tmp_path)
    assert os.path.dirname(os.path.abspath(os.path.join(directory, name))) == directory
    assert name.split(".")[0].lower() not in ("con", "prn", "aux", "nul")


def test_plain_names_are_kept():
    def f(x):
        return x

    f.__module__, f.__qualname__ = "pkg.model", "Outer.<locals>.f"
    assert cache.file_name(f, "vjp", "0123456789abcdef") == "model.Outer_locals_f.vjp.0123456789ab.py"


@pytest.mark.parametrize("module_name", ["../../escape_tl_{pid}", "x\x00y", "m" * 400])
def test_hostile_module_names_stay_inside_the_cache_directory(module_name, env):
    module_name = module_name.format(pid=os.getpid())
    mod = env.load()
    mod.f.__module__ = module_name
    try:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
        files = entries(env.cache)
        assert len(files) == 1 and files[0].parent == env.cache
        assert not os.path.exists(f"/{module_name.rsplit('/', 1)[-1]}.f.vjp")
        cache.clear_memory()
        before = stats()
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
        assert delta(before)["disk_hits"] == 1
    finally:  # the old file_name wrote to /escape_tl_<pid>.f.vjp.<key>.py: clean up after it
        if "escape" in module_name:
            for leak in (f"/escape_tl_{os.getpid()}",):
                for p in [p for p in os.listdir("/") if p.startswith(leak[1:])]:
                    os.remove(os.path.join("/", p))


# ---------------------------------------------------------------- 4. owners and permissions


def _entry_for(env, mod, attr="f"):
    """(entry file name, its good text) for ``mod.<attr>``, made in a private place first."""
    with tempfile.TemporaryDirectory() as private:
        old = os.environ["TANGENT_LITE_CACHE_DIR"]
        os.environ["TANGENT_LITE_CACHE_DIR"] = private
        try:
            tl.grad(getattr(mod, attr))(X)
            files = os.listdir(private)
            assert len(files) == 1, files
            with open(os.path.join(private, files[0])) as fh:
                text = fh.read()
        finally:
            os.environ["TANGENT_LITE_CACHE_DIR"] = old
            cache.clear_memory()
    return files[0], text


@posix_only
@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777, 0o1777])
def test_cache_directory_writable_by_others_is_refused(mode, env):
    mod = env.load()
    name, good = _entry_for(env, mod)
    env.cache.mkdir()
    marker = env.tmp / "planted.marker"
    (env.cache / name).write_text(evil(good, marker))  # planted by someone who can write there
    os.chmod(env.cache, mode)
    with recorded() as caught:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
        np.testing.assert_allclose(tl.grad(mod.g)(X), dg(X))
        tl.jvp(mod.f, (X,), (np.ones(3),))
    assert not marker.exists(), "an entry in a directory others can write was executed"
    found = tl_warnings(caught)
    assert len(found) == 1, [str(w.message) for w in found]
    assert str(env.cache) in str(found[0].message) and "can write" in str(found[0].message)
    assert found[0].filename == __file__  # points at the user's call
    assert [p.name for p in entries(env.cache)] == [name]  # nothing written there
    assert len(entries(env.user)) == 3  # the per-user directory took them
    cache.clear_memory()
    before = stats()
    np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert delta(before)["disk_hits"] == 1 and not marker.exists()


@posix_only
def test_cache_directory_owned_by_another_user_is_refused(env, monkeypatch):
    mod = env.load()
    name, good = _entry_for(env, mod)
    env.cache.mkdir(mode=0o755)
    marker = env.tmp / "planted.marker"
    (env.cache / name).write_text(evil(good, marker))
    make_foreign(env.cache / name, monkeypatch)
    make_foreign(env.cache, monkeypatch)
    with recorded() as caught:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
        np.testing.assert_allclose(tl.grad(mod.g)(X), dg(X))
    assert not marker.exists()
    found = tl_warnings(caught)
    assert len(found) == 1 and "owned by another user" in str(found[0].message)
    assert len(entries(env.user)) == 2


@posix_only
@pytest.mark.parametrize("how", ["foreign_owner", "group_writable", "world_writable"])
def test_unsafe_entry_in_a_private_directory_is_refused_and_replaced(how, env, monkeypatch):
    mod = env.load()
    name, good = _entry_for(env, mod)
    env.cache.mkdir(mode=0o700)
    path = env.cache / name
    marker = env.tmp / "planted.marker"
    path.write_text(evil(good, marker))
    if how == "foreign_owner":
        make_foreign(path, monkeypatch)
    else:
        os.chmod(path, 0o620 if how == "group_writable" else 0o602)
    with recorded() as caught:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert not marker.exists()
    found = tl_warnings(caught)
    assert len(found) == 1 and str(path) in str(found[0].message)
    st = os.lstat(path)
    assert path.read_text() == good  # overwritten atomically with the regenerated entry
    assert stat.S_IMODE(st.st_mode) == 0o600 and (not IS_ROOT or st.st_uid == os.geteuid())


@posix_only
def test_symlinked_entry_is_not_followed(env):
    mod = env.load()
    name, good = _entry_for(env, mod)
    env.cache.mkdir(mode=0o700)
    elsewhere = env.tmp / "elsewhere.py"
    marker = env.tmp / "symlink.marker"
    elsewhere.write_text(evil(good, marker))
    os.chmod(elsewhere, 0o600)  # yours, private, valid: only the link is wrong
    os.symlink(elsewhere, env.cache / name)
    with recorded() as caught:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert not marker.exists(), "a symlinked entry was followed and executed"
    assert len(tl_warnings(caught)) == 1
    assert not (env.cache / name).is_symlink() and (env.cache / name).read_text() == good
    assert elsewhere.read_text() == evil(good, marker)  # the link's target is left alone


@posix_only
def test_new_cache_directories_are_private(env, monkeypatch):
    old_umask = os.umask(0)  # the modes must not depend on the umask
    try:
        nested = env.tmp / "a" / "b" / "cache"
        monkeypatch.setenv("TANGENT_LITE_CACHE_DIR", str(nested))
        mod = env.load()
        tl.grad(mod.f)(X)
        assert stat.S_IMODE(os.stat(nested).st_mode) == 0o700
        monkeypatch.delenv("TANGENT_LITE_CACHE_DIR")
        cache.clear_memory()
        src = env.tmp / "project"
        mod = env.load(directory=src)
        tl.grad(mod.f)(X)
        assert stat.S_IMODE(os.stat(src / "__tangent_lite__").st_mode) == 0o700
        assert stat.S_IMODE(os.stat(only_entry(src / "__tangent_lite__")).st_mode) == 0o600
        blocked = env.tmp / "project2"  # no __tangent_lite__ possible there: the per-user directory
        mod = env.load(directory=blocked)
        (blocked / "__tangent_lite__").write_text("blocked")
        tl.grad(mod.f)(X)
        assert len(entries(env.user)) == 1
        assert stat.S_IMODE(os.stat(env.user).st_mode) == 0o700
    finally:
        os.umask(old_umask)


@posix_only
def test_shared_directory_next_to_the_module_is_refused(env, monkeypatch):
    """Like /tmp/__tangent_lite__ made by someone else: world-writable (sticky) or not yours."""
    monkeypatch.delenv("TANGENT_LITE_CACHE_DIR")
    src = env.tmp / "shared"
    mod = env.load(directory=src)
    (src / "__tangent_lite__").mkdir()
    os.chmod(src / "__tangent_lite__", 0o1777)
    with recorded() as caught:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert len(tl_warnings(caught)) == 1
    assert entries(src / "__tangent_lite__") == [] and len(entries(env.user)) == 1


def test_owner_check_uses_the_effective_user(monkeypatch, tmp_path):
    """The owner check itself, without real users: files of this user and root pass, others not."""
    if not POSIX:
        pytest.skip("no POSIX owners")
    st = os.stat(tmp_path)
    monkeypatch.setattr(os, "geteuid", lambda: st.st_uid)
    assert cache._trusted_owner(st.st_uid) and cache._trusted_owner(0)
    assert not cache._trusted_owner(st.st_uid + 4242)
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    assert cache._trusted_owner(4242) and not cache._trusted_owner(4243)
    os.chmod(tmp_path, 0o700)
    monkeypatch.setattr(os, "geteuid", lambda: st.st_uid)
    assert cache._distrust(os.stat(tmp_path)) == ""
    os.chmod(tmp_path, 0o720)
    assert "its group can write it" in cache._distrust(os.stat(tmp_path))
    os.chmod(tmp_path, 0o702)
    assert "other users can write it" in cache._distrust(os.stat(tmp_path))
    os.chmod(tmp_path, 0o700)
    monkeypatch.setattr(cache, "_trusted_owner", lambda uid: False)
    assert "owned by another user" in cache._distrust(os.stat(tmp_path))


def test_nothing_trusted_means_memory_only_with_one_warning_per_directory(env, monkeypatch):
    monkeypatch.setattr(cache, "_trusted_owner", lambda uid: False)  # as if every directory were another user's
    if not POSIX:
        pytest.skip("no POSIX owners")
    mod = env.load()
    with recorded() as caught:
        for _ in range(2):
            np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
            np.testing.assert_allclose(tl.grad(mod.g)(X), dg(X))
            cache.clear_memory()
    messages = [str(w.message) for w in tl_warnings(caught)]
    assert sum(f"does not use the cache directory {env.cache} " in m for m in messages) == 1
    assert sum("memory only" in m for m in messages) == 1
    assert len(messages) <= 3, messages
    assert entries(env.cache) == [] and entries(env.user) == []


# ---------------------------------------------------------------- 5. faults: full disk, size limits, read-only


def _fail_on_write(err):
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        f = real(fd, mode, *args, **kwargs)
        if "w" in mode:
            def write(data):
                raise OSError(err, os.strerror(err))
            f.write = write
        return f

    return fdopen


FAULTS = {
    "replace_ENOSPC": ("replace", errno.ENOSPC),
    "replace_EFBIG": ("replace", errno.EFBIG),
    "mkstemp_ENOSPC": ("mkstemp", errno.ENOSPC),
    "write_EFBIG": ("write", errno.EFBIG),
    "write_ENOSPC": ("write", errno.ENOSPC),
    "replace_EROFS": ("replace", errno.EROFS),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_write_faults_degrade_to_memory_with_one_warning(fault, env, monkeypatch):
    where, err = FAULTS[fault]
    mod = env.load()

    def raiser(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    with monkeypatch.context() as m:
        if where == "replace":
            m.setattr(os, "replace", raiser)
        elif where == "mkstemp":
            m.setattr(tempfile, "mkstemp", raiser)
        else:
            m.setattr(os, "fdopen", _fail_on_write(err))
        with recorded() as caught:
            for _ in range(2):
                np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
                np.testing.assert_allclose(tl.grad(mod.g)(X), dg(X))
                _, t = tl.jvp(mod.g, (X,), (np.ones(3),))
                assert t == pytest.approx(np.sum(dg(X)))
                cache.clear_memory()
    found = tl_warnings(caught)
    assert len(found) == 1, [str(w.message) for w in found]
    assert os.strerror(err) in str(found[0].message) and "memory only" in str(found[0].message)
    for directory in (env.cache, env.user):
        assert entries(directory, "*") == []  # no entry, no temporary file left behind
    # the trouble is over: the cache works again, and says nothing
    with recorded() as caught:
        tl.grad(mod.f)(X)
    assert tl_warnings(caught) == [] and len(entries(env.cache)) == 1


def test_write_returns_none_and_never_raises(env, monkeypatch):
    monkeypatch.setattr(os, "replace", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with recorded() as caught:
        assert cache.write(str(env.cache / "m.f.vjp.0123.py"), "x = 1\n") is None
        assert cache.write(str(env.cache / "m.g.vjp.0123.py"), "x = 2\n") is None
    assert len(tl_warnings(caught)) == 1
    monkeypatch.undo()
    assert cache.write(str(env.cache / "m.f.vjp.0123.py"), "x = 1\n") == str(env.cache / "m.f.vjp.0123.py")


def test_reads_look_where_writes_go(env, monkeypatch):
    """The cache directory cannot take the entry (here: its name is taken by a directory), so it
    goes to the per-user directory: the next process must find it there, not generate again."""
    mod = env.load()
    name, _good = _entry_for(env, mod)
    (env.cache / name).mkdir(parents=True)
    with recorded() as caught:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert tl_warnings(caught) == []
    assert [p.name for p in entries(env.user)] == [name]
    cache.clear_memory()
    before = stats()
    np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    moved = delta(before)
    assert (moved["generated"], moved["disk_hits"], moved["code_hits"]) == (0, 1, 0)
    module, _ = _generated(mod.f)
    assert os.path.dirname(module.__file__) in (str(env.user), str(env.cache))


def test_second_process_finds_the_fallback_entry(env, monkeypatch):
    src = env.tmp / "src"
    mod = env.load()
    child = textwrap.dedent(f"""
        import json, os, sys
        sys.path.insert(0, {str(src)!r})
        import numpy as np
        import tangent_lite as tl
        from tangent_lite.backends import cache
        import {mod.__name__} as m
        g = tl.grad(m.f)(np.array([0.5, -1.0, 2.0]))
        print(json.dumps({{"stats": cache.STATS, "grad": g.tolist()}}))
    """)
    (env.cache / "blocker").mkdir(parents=True)
    child_env = dict(os.environ, PYTHONPATH=REPO, TANGENT_LITE_CACHE_DIR=str(env.cache / "blocker" / "x"),
                     XDG_CACHE_HOME=str(env.tmp / "xdg"))
    os.chmod(env.cache / "blocker", 0o500)
    if IS_ROOT:  # root writes anywhere: make the override a file instead
        os.chmod(env.cache / "blocker", 0o700)
        (env.cache / "blocker" / "x").write_text("not a directory")
    try:
        runs = []
        for _ in range(2):
            proc = run_child(child, child_env)
            assert proc.returncode == 0, proc.stderr
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    finally:
        os.chmod(env.cache / "blocker", 0o700)
    assert runs[0]["stats"]["generated"] == 1
    assert runs[1]["stats"]["generated"] == 0 and runs[1]["stats"]["disk_hits"] == 1
    assert len(entries(env.user)) == 1


@contextlib.contextmanager
def read_only(path):
    """Make directory ``path`` really read-only: mode 0555, or as root (who ignores modes) the
    immutable attribute; skip the test if neither works."""
    if not IS_ROOT:
        os.chmod(path, 0o555)
        try:
            yield
        finally:
            os.chmod(path, 0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a directory read-only for root here (no chattr +i)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], capture_output=True)


@posix_only
@pytest.mark.parametrize("fallback", ["writable", "read_only"])
def test_real_read_only_directory(fallback, env, monkeypatch):
    mod = env.load()
    env.cache.mkdir(mode=0o755)
    name, good = _entry_for(env, mod, "g")
    (env.cache / name).write_text(good)  # a ready-made entry: read-only caches are still read
    os.chmod(env.cache / name, 0o644)
    if fallback == "read_only":
        monkeypatch.setenv("XDG_CACHE_HOME", str(env.cache / "xdg"))
    with read_only(env.cache):
        probe = env.cache / "probe"
        with pytest.raises(OSError):
            probe.write_text("x")
        with recorded() as caught:
            for _ in range(2):
                np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
                before = stats()
                np.testing.assert_allclose(tl.grad(mod.g)(X), dg(X))
                tl.jvp(mod.f, (X,), (np.ones(3),))
                assert delta(before)["disk_hits"] >= 1  # g's entry was read from the read-only directory
                cache.clear_memory()
        found = tl_warnings(caught)
        if fallback == "writable":
            assert found == [] and len(entries(env.user)) == 2
            before = stats()
            tl.grad(mod.f)(X)  # written to the per-user directory, and found there
            tl.grad(mod.g)(X)  # found in the read-only directory
            assert delta(before)["generated"] == 0 and delta(before)["disk_hits"] == 2
        else:
            assert len(found) == 1 and "memory only" in str(found[0].message)


_FAULT_CHILD = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    import tangent_lite as tl
    from tangent_lite.backends import cache
    import {name} as m
    {limit}
    x = np.array([0.5, -1.0, 2.0])
    out = {{}}
    for rep in range(2):
        cache.clear_memory()
        out["f"] = tl.grad(m.f)(x).tolist()
        out["g"] = tl.grad(m.g)(x).tolist()
        out["src"] = "def f_vjp(" in tl.source(m.f) if {source} else True
    out["stats"] = dict(cache.STATS)
    print(json.dumps(out))
""")


def _check_fault_child(proc, cache_path):
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.count("TangentLiteWarning") == 1, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(out["f"], 2 * X)
    np.testing.assert_allclose(out["g"], dg(X))
    assert out["src"]
    assert out["stats"]["generated"] == 4 and out["stats"]["disk_hits"] == 0  # memory only
    return out


@posix_only
def test_file_size_limit_degrades_to_memory_in_a_real_process(env):
    """``ulimit -f``: writes past the limit fail with EFBIG (Python ignores SIGXFSZ)."""
    pytest.importorskip("resource")
    mod = env.load()
    limit = ("import resource; "
             "resource.setrlimit(resource.RLIMIT_FSIZE, (256, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))")
    code = _FAULT_CHILD.format(name=mod.__name__, limit=limit, source=False)
    child_env = dict(os.environ, PYTHONPATH=REPO, TANGENT_LITE_CACHE_DIR=str(env.cache),
                     XDG_CACHE_HOME=str(env.tmp / "xdg"))
    child_env.pop("TANGENT_LITE_CACHE", None)
    proc = subprocess.run([sys.executable, "-B", "-c", code, str(env.tmp / "src")], capture_output=True,
                          text=True, env=child_env, timeout=300)
    _check_fault_child(proc, env.cache)
    assert "File too large" in proc.stderr
    assert [p for p in entries(env.cache, "*") if p.is_file()] == []


@posix_only
def test_full_disk_degrades_to_memory_in_a_real_process(env):
    """A real full file system: a 4 KiB tmpfs, filled, in a private mount namespace."""
    unshare = shutil.which("unshare")
    if not IS_ROOT or unshare is None:
        pytest.skip("needs root and unshare to mount a small tmpfs")
    mount_point = env.tmp / "small"
    mount_point.mkdir()
    probe = subprocess.run([unshare, "-m", "sh", "-c", f"mount -t tmpfs -o size=4k tmpfs {mount_point}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    mod = env.load()
    code = _FAULT_CHILD.format(name=mod.__name__, limit="", source=False)
    script = ('mount -t tmpfs -o size=4k,mode=0700 tmpfs "$1" && '
              '(dd if=/dev/zero of="$1/fill" bs=1k count=64 2>/dev/null; true) && '
              'shift && exec "$@"')
    child_env = dict(os.environ, PYTHONPATH=REPO, TANGENT_LITE_CACHE_DIR=str(mount_point / "cache"),
                     XDG_CACHE_HOME=str(mount_point / "xdg"), TMPDIR=str(mount_point))
    child_env.pop("TANGENT_LITE_CACHE", None)
    proc = subprocess.run([unshare, "-m", "sh", "-c", script, "sh", str(mount_point), sys.executable, "-B",
                           "-c", code, str(env.tmp / "src")], capture_output=True, text=True, env=child_env,
                          timeout=300)
    _check_fault_child(proc, mount_point)
    assert "No space left on device" in proc.stderr


# ---------------------------------------------------------------- TANGENT_LITE_CACHE=0


def test_disabled_cache_writes_only_a_private_atomic_copy(env, monkeypatch):
    monkeypatch.setitem(cache._STATE, "enabled", False)
    calls = []
    real = cache._write_atomic

    def spy(target, text):
        calls.append(target)
        return real(target, text)

    monkeypatch.setattr(cache, "_write_atomic", spy)
    mod = env.load()
    with recorded() as caught:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
        assert "def f_vjp(" in tl.source(mod.f)
    assert tl_warnings(caught) == []
    directory = scratch.scratch_dir()
    assert calls and all(os.path.dirname(c) == directory for c in calls)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700 or not POSIX
    assert not [n for n in os.listdir(directory) if n.startswith(".tmp-")]
    assert entries(env.cache, "*") == [] and entries(env.user, "*") == []


# ---------------------------------------------------------------- 6. damaged entries are misses


def _deep_meta(text):
    lines = text.split("\n", 4)
    lines[3] = "# meta: " + "[" * 100000 + "]" * 100000
    return reseal("\n".join(lines))


DAMAGE = {
    "non_utf8": lambda text: text.encode().replace(b"return", b"ret\xffrn", 1),
    "non_utf8_header": lambda text: text.encode().replace(b"Generated", b"Gen\xe9rated", 1),
    "empty": lambda text: b"",
    "nul_bytes": lambda text: text.encode().replace(b"\n", b"\0\n", 3),
    "truncated": lambda text: text.encode()[: len(text) // 3],
    "header_only": lambda text: "\n".join(text.split("\n")[:4]).encode(),
    "meta_not_a_dict": lambda text: reseal(text.replace(text.split("\n")[3], "# meta: []")).encode(),
    "meta_bindings_not_a_list": lambda text: reseal(text.replace('"bindings": []', '"bindings": 3')).encode(),
    "meta_deeply_nested": lambda text: _deep_meta(text).encode(),
    "two_checksums": lambda text: reseal(text).replace("  checksum: ", "  checksum:   checksum: ", 1).encode(),
    "other_key_resealed": lambda text: reseal(text.replace(codegen.verify(text)[0], "f" * 24, 1)).encode(),
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damaged_entry_is_a_miss_and_is_overwritten(kind, env):
    mod = env.load()
    tl.grad(mod.f)(X)
    path = only_entry(env.cache)
    good = path.read_text()
    path.write_bytes(DAMAGE[kind](good))
    cache.clear_memory()
    before = stats()
    with recorded() as caught:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    assert tl_warnings(caught) == []
    assert delta(before)["generated"] == 1 and delta(before)["disk_hits"] == 0
    assert path.read_text() == good


@posix_only
@pytest.mark.parametrize("kind", ["directory", "fifo", "dangling_symlink"])
def test_entry_that_is_not_a_file_is_a_miss(kind, env):
    mod = env.load()
    tl.grad(mod.f)(X)
    path = only_entry(env.cache)
    good = path.read_text()
    path.unlink()
    if kind == "directory":
        path.mkdir()
        (path / "inside.py").write_text("x = 1\n")
    elif kind == "fifo":
        os.mkfifo(path, 0o600)
    else:
        os.symlink(env.tmp / "missing", path)
    cache.clear_memory()

    class Blocked(BaseException):  # not an OSError: nothing may swallow it
        pass

    def timeout(*_):
        raise Blocked("reading the entry blocked")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(60)  # a FIFO opened for reading without a writer blocks forever
    try:
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
        cache.clear_memory()
        before = stats()
        np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert delta(before)["disk_hits"] == 1  # the regenerated entry is found again
    if kind == "directory":
        assert (path / "inside.py").read_text() == "x = 1\n"  # nobody's directory is deleted
        assert [p.read_text() for p in entries(env.user)] == [good]
    else:
        assert path.is_file() and not path.is_symlink() and path.read_text() == good


def test_read_never_raises_and_returns_the_verified_text(env):
    mod = env.load()
    tl.grad(mod.f)(X)
    path = only_entry(env.cache)
    text = path.read_text()
    key = codegen.verify(text)[0]
    entry = cache.read(str(path), key, lambda meta: True)
    assert entry is not None
    got_text, meta = entry
    assert got_text == text and meta == codegen.verify(text)[1] and entry.path == str(path)
    assert cache.read(str(path), "0" * 24, lambda meta: True) is None
    assert cache.read(str(path), key, lambda meta: False) is None
    assert cache.read(str(path), key, lambda meta: meta["missing"]) is None  # deps_ok failing = stale
    for bad in (str(env.cache / "nothing.py"), str(env.cache / "x\0y.py"), str(env.cache) + "/",
                "relative.py", str(env.cache / ("n" * 600 + ".py"))):
        assert cache.read(bad, key, lambda meta: True) is None


def test_directory_for_returns_none_when_nothing_is_safe(env, monkeypatch):
    blocker = env.tmp / "a_file"
    blocker.write_text("x")
    monkeypatch.setenv("TANGENT_LITE_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "xdg"))
    with recorded() as caught:
        assert cache.directory_for(__file__) is None
        assert cache.directory_for(__file__) is None
    assert len(tl_warnings(caught)) == 1
    mod = env.load()
    np.testing.assert_allclose(tl.grad(mod.f)(X), 2 * X)
