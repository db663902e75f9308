"""Caches of generated derivatives: in memory, and as files on disk.

Disk entries live in ``__tangent_lite__/`` next to the module that defines the
function (or in ``$TANGENT_LITE_CACHE_DIR``; or, when that directory is not
writable, in the user cache directory).  A file is used only if its header key
matches the key computed now (source, qualname, mode, wrt, options, version, rules
fingerprint) and its checksum matches its text; the sources of the user functions
it calls are re-hashed and compared too.  Files are written atomically (a temporary
file in the same directory, then ``os.replace``) so a racing reader never sees a
partial file.  ``TANGENT_LITE_CACHE=0`` or ``set_cache_enabled(False)`` disables
the disk cache.
"""

from __future__ import annotations

import atexit
import hashlib
import inspect
import linecache
import os
import re
import shutil
import tempfile
import threading
import weakref
from typing import Any, Callable, Dict, Optional, Tuple

from . import codegen
from . import source as S
from ._version import __version__, code_fingerprint

_STATE = {"enabled": os.environ.get("TANGENT_LITE_CACHE", "1") not in ("0", "false", "no", "off")}
STATS = {"generated": 0, "disk_hits": 0, "memory_hits": 0}
_LOCK = threading.Lock()
_MEMORY: weakref.WeakKeyDictionary[Any, Dict[Tuple, Any]] = weakref.WeakKeyDictionary()
_STRONG: Dict[Tuple, Any] = {}  # for callables that cannot be weak-referenced


def set_cache_enabled(enabled: bool) -> None:
    """Turn the disk cache on or off for this process (the memory cache always works)."""
    _STATE["enabled"] = bool(enabled)


def cache_enabled() -> bool:
    return _STATE["enabled"]


# bumped whenever the in-memory cache loses or changes an entry: callers that keep what they
# got from it (api's per-specialisation fast path) look again only when it moved
GENERATION = [0]


def clear_memory() -> None:
    GENERATION[0] += 1
    _MEMORY.clear()
    _STRONG.clear()
    S.clear_source_memo()


# ------------------------------------------------------------------ memory


def memory_get(fn: Any, key: Tuple) -> Optional[Any]:
    try:
        table = _MEMORY.get(fn)
    except TypeError:
        return _STRONG.get((id(fn),) + key)
    hit = table.get(key) if table else None
    if hit is not None:
        STATS["memory_hits"] += 1
    return hit


def memory_put(fn: Any, key: Tuple, value: Any) -> None:
    GENERATION[0] += 1
    try:
        _MEMORY.setdefault(fn, {})[key] = value
    except TypeError:
        _STRONG[(id(fn),) + key] = value


# ------------------------------------------------------------------ keys


def source_text(fn: Callable) -> str:
    """The current source of ``fn`` (re-read if its file changed)."""
    code = getattr(fn, "__code__", None)
    if code is not None:
        linecache.checkcache(code.co_filename)
    try:
        return "".join(S.source_lines(fn)[0])
    except (OSError, TypeError):
        return ""


def _update_code(h: Any, code: Any) -> None:
    """Feed what a code object computes into ``h``, the same in every process (no addresses,
    sets in sorted order)."""
    h.update(code.co_code)
    h.update(" ".join(code.co_names).encode())
    for const in code.co_consts:
        if inspect.iscode(const):
            _update_code(h, const)
        elif isinstance(const, frozenset):
            h.update(repr(sorted(const, key=repr)).encode())
        else:
            h.update(repr(const).encode())
        h.update(b"\0")


def code_digest(fn: Callable) -> str:
    """A digest of the code that actually runs: a cache entry made for the text now in the file
    is not used for a function imported before the file was edited."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    h = hashlib.sha256()
    _update_code(h, code)
    return h.hexdigest()[:16]


def source_hash(fn: Callable) -> str:
    return hashlib.sha256((source_text(fn) + "\0" + code_digest(fn)).encode()).hexdigest()[:16]


def make_key(fn: Callable, mode: str, wrt: Tuple, options: Tuple, rules_fingerprint: str) -> str:
    h = hashlib.sha256()
    for part in (__version__, code_fingerprint(), rules_fingerprint, mode, repr(wrt), repr(options),
                 getattr(fn, "__module__", "") or "", fn.__qualname__, source_text(fn), code_digest(fn)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


# ------------------------------------------------------------------ disk


def _user_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tangent_lite")


def _writable_dir(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def directory_for(filename: str) -> str:
    """Where cache files for functions defined in ``filename`` go."""
    override = os.environ.get("TANGENT_LITE_CACHE_DIR")
    if override:
        return override
    here = os.path.join(os.path.dirname(os.path.abspath(filename)), "__tangent_lite__")
    if _writable_dir(here):
        return here
    return _user_cache_dir()


def file_name(fn: Callable, mode: str, key: str) -> str:
    module = (getattr(fn, "__module__", None) or "module").split(".")[-1]
    if module.startswith("test"):  # test_x.f.vjp.<key>.py would be collected by pytest as a test file
        module = "tl_" + module
    qual = re.sub(r"[^A-Za-z0-9_]+", "_", fn.__qualname__)
    return f"{module}.{qual}.{mode}.{key[:12]}.py"


def read(path: str, key: str, deps_ok: Callable[[Dict[str, Any]], bool]) -> Optional[Dict[str, Any]]:
    """The meta of a valid entry at ``path`` for ``key``, else None (missing, stale, corrupt)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    try:
        file_key, meta = codegen.verify(text)
    except (ValueError, KeyError):
        return None
    if file_key != key or not deps_ok(meta):
        return None
    return meta


def _write_atomic(target: str, text: str) -> None:
    """Write ``text`` to a temporary file beside ``target``, then rename it: readers see the
    old file or the whole new one.  Raises OSError (the temporary file is removed)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".py", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write(path: str, text: str) -> str:
    """Atomically write ``text`` to ``path``; falls back to the user cache dir, then to this
    process's scratch directory (see :func:`scratch_dir`). Returns the path used."""
    for target in (path, os.path.join(_user_cache_dir(), os.path.basename(path))):
        if not _writable_dir(os.path.dirname(target)):
            continue
        try:
            _write_atomic(target, text)
            return target
        except OSError:
            continue
    # nowhere writable: a file in the scratch directory still gives tracebacks a real file
    target = scratch_path(os.path.basename(path))
    _write_atomic(target, text)
    return target


_SCRATCH: Dict[str, Any] = {"dir": None, "pid": None}


def scratch_dir() -> str:
    """This process's private directory for generated modules that have no cache directory
    (disk cache disabled, or nothing writable); it is removed when the interpreter exits."""
    directory, pid = _SCRATCH["dir"], os.getpid()
    if directory is None or _SCRATCH["pid"] != pid or not os.path.isdir(directory):
        directory = tempfile.mkdtemp(prefix=f"tangent_lite-{pid}-")
        _SCRATCH.update(dir=directory, pid=pid)
        atexit.register(_remove_scratch, directory, pid)
    return directory


def _remove_scratch(directory: str, pid: int) -> None:
    """At exit: remove ``directory`` if this process made it (not in a forked child); never fails."""
    if os.getpid() == pid:
        shutil.rmtree(directory, ignore_errors=True)


def scratch_path(name: str) -> str:
    """A private file for a generated module when the disk cache is disabled."""
    return os.path.join(scratch_dir(), name)
