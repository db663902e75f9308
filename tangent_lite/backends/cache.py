"""Caches of generated derivatives: in memory, and as files on disk.

Disk entries live in ``__tangent_lite__/`` next to the module that defines the
function (or in ``$TANGENT_LITE_CACHE_DIR``; or, when that directory cannot be used,
in the per-user cache directory, where reads look too).  A cache directory holds code
this process executes, so directories and entries are used only if they are owned by
this user (or root) and writable by nobody else, entries are never read through a
symlink, and an entry is used only if its checksum (over every byte but itself) matches
and its header key matches the key computed now (source, qualname, mode, wrt, options,
version, rules fingerprint); the sources of the user functions it calls are re-hashed
and compared too.  The verified text is what runs (``codegen.load_text``, from memory).
Files are written atomically (a temporary file in the same directory, then
``os.replace``) so a racing reader never sees a partial file; when nothing can be
written the derivative is kept in memory, with one warning.  ``TANGENT_LITE_CACHE=0`` or
``set_cache_enabled(False)`` disables the disk cache.
"""

from __future__ import annotations

import collections
import errno
import hashlib
import linecache
import os
import re
import stat
import sysconfig
import tempfile
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .. import syntax as S
from .._version import __version__, code_fingerprint
from ..errors import TangentLiteWarning, warn_at_user
from ..frontend.guards import code_digest
from . import codegen

_STATE = {"enabled": os.environ.get("TANGENT_LITE_CACHE", "1") not in ("0", "false", "no", "off")}
STATS = {"generated": 0, "disk_hits": 0, "memory_hits": 0, "code_hits": 0}
_LOCK = threading.Lock()
# function -> memory key -> its generated modules, most recent first (variants made under
# different bindings: each checks its own guards).  Weak: a function that goes away takes
# its modules along (which hold no strong reference to it)
_MEMORY: weakref.WeakKeyDictionary[Any, Dict[Tuple, List[Any]]] = weakref.WeakKeyDictionary()
_STRONG: Dict[Tuple, List[Any]] = {}  # for callables that cannot be weak-referenced
_ORDER: collections.OrderedDict = collections.OrderedDict()  # (id(fn), key) -> (weak) fn: least recent first
_CODE: collections.OrderedDict = collections.OrderedDict()  # disk key -> (text, code object, meta, path)
MAX_ENTRIES = int(os.environ.get("TANGENT_LITE_MEMORY_ENTRIES", "512"))  # (function, key) pairs kept
MAX_VARIANTS = 8  # modules kept per (function, key): bindings a name switches between
MAX_CODE = 256  # compiled texts kept (a new closure of the same code reuses one)


def set_cache_enabled(enabled: bool) -> None:
    """Turn the disk cache on or off for this process (the memory cache always works)."""
    _STATE["enabled"] = bool(enabled)


def cache_enabled() -> bool:
    return _STATE["enabled"]


# bumped whenever the in-memory cache loses or changes an entry: callers that keep what they
# got from it (api's per-specialisation fast path) look again only when it moved
GENERATION = [0]


def clear_memory() -> None:
    with _LOCK:
        GENERATION[0] += 1
        _MEMORY.clear()
        _STRONG.clear()
        _ORDER.clear()
        _CODE.clear()
    S.clear_source_memo()


# ------------------------------------------------------------------ memory


def memory_get(fn: Any, key: Tuple) -> List[Any]:
    """The modules generated for ``fn`` and ``key``, most recent first (each is valid only
    while its guards hold: ``module.__tl_runner__()``)."""
    try:
        table = _MEMORY.get(fn)
    except TypeError:
        return _STRONG.get((id(fn),) + key, [])
    hit = table.get(key) if table else None
    if not hit:
        return []
    STATS["memory_hits"] += 1
    return hit


def memory_put(fn: Any, key: Tuple, value: Any) -> None:
    """Remember ``value`` first among the modules of ``fn`` and ``key``; forget the least
    recently added (function, key) pairs beyond :data:`MAX_ENTRIES`."""
    with _LOCK:
        GENERATION[0] += 1
        try:
            variants = _MEMORY.setdefault(fn, {}).setdefault(key, [])
            ref: Any = weakref.ref(fn)
        except TypeError:
            variants = _STRONG.setdefault((id(fn),) + key, [])
            ref = lambda: fn  # noqa: E731 - (a strong one, bounded like the others)
        variants.insert(0, value)
        del variants[MAX_VARIANTS:]
        order = (id(fn), key)
        _ORDER.pop(order, None)
        _ORDER[order] = ref
        while len(_ORDER) > MAX_ENTRIES:
            (fid, old_key), old_ref = _ORDER.popitem(last=False)
            owner = old_ref()
            try:
                table = _MEMORY.get(owner) if owner is not None else None
            except TypeError:  # not weak-referenceable: kept in _STRONG
                table = None
            if table is not None:
                table.pop(old_key, None)
            _STRONG.pop((fid,) + old_key, None)


def code_get(key: str) -> Optional[Tuple[str, Any, Dict[str, Any], str]]:
    """(text, compiled code, meta, file name) of a generated module loaded before, by disk key."""
    return _CODE.get(key)


def code_put(key: str, value: Tuple[str, Any, Dict[str, Any], str]) -> None:
    with _LOCK:
        _CODE[key] = value
        _CODE.move_to_end(key)
        while len(_CODE) > MAX_CODE:
            _CODE.popitem(last=False)


def memory_size() -> int:
    """How many (function, key) pairs the memory cache holds now."""
    return sum(len(t) for t in list(_MEMORY.values())) + len(_STRONG)


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


def source_hash(fn: Callable) -> str:
    return hashlib.sha256((source_text(fn) + "\0" + code_digest(fn)).encode()).hexdigest()[:16]


def make_key(fn: Callable, mode: str, wrt: Tuple, options: Tuple, rules_fingerprint: str,
             bindings: str = "") -> str:
    """The disk key of a generated module; ``bindings``: what ``fn``'s free names resolve to
    (``guards.prekey``), so that different bindings of the same source never share an entry."""
    h = hashlib.sha256()
    for part in (__version__, code_fingerprint(), rules_fingerprint, mode, repr(wrt), repr(options),
                 getattr(fn, "__module__", "") or "", fn.__qualname__, source_text(fn), code_digest(fn), bindings):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


# ------------------------------------------------------------------ disk
#
# A cache directory holds code this process executes, as ``__pycache__`` does: whoever can write
# it can run code as you.  So a directory is used only if it is owned by you (or root) and
# writable by nobody else, an entry only if it is such a regular file (never through a symlink),
# whose checksum covers every other byte of it and whose key is the key asked for; and what runs
# is the text that was checked, from memory (codegen.load_text), never the file.  Trouble
# (no safe directory, a full disk, a read-only directory, a file-size limit) degrades to
# in-memory use with one TangentLiteWarning, never to an exception.

_MAX_ENTRY_BYTES = 32 * 1024 * 1024  # a larger "entry" is not one of ours: a miss, not read whole
_MAX_PART = 64  # characters of a module name or qualname kept in a file name
_NAME_MAX = 255  # bytes in a file name on common file systems
_WINDOWS_RESERVED = frozenset(["con", "prn", "aux", "nul"] + [f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)])
_WARNED: Set[Tuple[str, str]] = set()
_WARN_LOCK = threading.Lock()


class Entry(Tuple[str, Dict[str, Any]]):
    """What :func:`read` returns: the pair ``(text, meta)`` of a verified entry (``text`` is what
    to execute), with ``path``, the file it was read from."""

    path: str

    def __new__(cls, text: str, meta: Dict[str, Any], path: str) -> Entry:
        entry = super().__new__(cls, (text, meta))  # type: ignore[call-arg]
        entry.path = path
        return entry


def _warn_once(kind: str, subject: str, message: str) -> None:
    """Warn (a :class:`TangentLiteWarning` pointing at the user's call) once per process for
    each ``(kind, subject)``."""
    with _WARN_LOCK:
        if (kind, subject) in _WARNED:
            return
        _WARNED.add((kind, subject))
    warn_at_user(TangentLiteWarning(message))


def _current_uid() -> Optional[int]:
    """The user this process creates files as (None where there are no owners: Windows)."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid is not None else None


def _trusted_owner(uid: int) -> bool:
    """May files owned by ``uid`` hold code this process runs?  Its own user, and root (who can
    run code as anyone already; a root-owned, read-only cache prepared by an administrator is
    usable)."""
    me = _current_uid()
    return me is None or uid == me or uid == 0


def _distrust(st: os.stat_result) -> str:
    """Why a file or directory with status ``st`` must not hold code this process runs ("": it may)."""
    if _current_uid() is None:  # no POSIX owners or modes (Windows ACLs are not checked)
        return ""
    if not _trusted_owner(st.st_uid):
        return f"it is owned by another user (uid {st.st_uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        who = " and ".join(w for w, bit in (("its group", stat.S_IWGRP), ("other users", stat.S_IWOTH))
                           if st.st_mode & bit)
        return f"{who} can write it (mode {stat.S_IMODE(st.st_mode):o})"
    return ""


def _refuse(directory: str, what: str, why: str) -> None:
    """Warn, once per ``directory``, that ``what`` (a directory or an entry in it) is not used."""
    if what.startswith("entry"):
        fix = ("it is ignored, and replaced by a regenerated entry if the directory can be written. "
               "To fix: remove it")
    else:
        fix = (f"derivatives are cached elsewhere or kept in memory. To fix: make it yours and "
               f"writable only by you (chmod go-w {directory}), or set TANGENT_LITE_CACHE_DIR to a "
               f"private directory")
    _warn_once("unsafe", directory, (
        f"tangent_lite does not use the cache {what} {why}: whoever can write there could run "
        f"code as you; {fix}."))


def _make_private_dir(path: str) -> None:
    """Create directory ``path`` with mode 0700 (its missing parents with the default mode)."""
    parent = os.path.dirname(path)
    if parent and not os.path.isdir(parent):
        os.makedirs(parent, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:  # made meanwhile (another process), or a file: checked by the caller
        return
    try:
        os.chmod(path, 0o700)  # exactly 0700, whatever the umask
    except OSError:
        pass


def _usable_dir(path: str, create: bool = True) -> Tuple[bool, str]:
    """(may ``path`` hold cache entries, why not if it must not: "" when it is just missing or
    cannot be made, a reason worth a warning when it exists but is unsafe).  ``create``: make
    it, mode 0700, if it is missing."""
    if not path or not os.path.isabs(path):
        return False, ""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if not create:
            return False, ""
        try:
            _make_private_dir(path)
            st = os.stat(path)
        except (OSError, ValueError):
            return False, ""
    except (OSError, ValueError):
        return False, ""
    if not stat.S_ISDIR(st.st_mode):
        return False, ""
    why = _distrust(st)
    return not why, why


def _user_cache_dir() -> str:
    """The per-user cache directory: ``$XDG_CACHE_HOME/tangent_lite`` or ``~/.cache/tangent_lite``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative (the XDG spec says: ignore it)
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.abspath(os.path.join(base, "tangent_lite"))


def _writable_dir(path: str) -> bool:
    """Is ``path`` a safe cache directory (made, mode 0700, if missing) this process can write?"""
    return _usable_dir(path)[0] and os.access(path, os.W_OK | os.X_OK)


def _installed(filename: str) -> bool:
    """Is ``filename`` part of an installation (site-packages, dist-packages, the standard
    library) rather than the user's own tree?  Its entries go to the per-user cache directory,
    so that ``pip uninstall`` leaves nothing of ours behind in the installation."""
    path = os.path.realpath(filename)
    parts = set(path.split(os.sep))
    if parts & {"site-packages", "dist-packages"}:
        return True
    paths = sysconfig.get_paths()
    roots = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(k)}
    return any(path.startswith(root + os.sep) for root in roots)


def directory_for(filename: str) -> Optional[str]:
    """Where cache entries of functions defined in ``filename`` go, and are looked for first:
    ``$TANGENT_LITE_CACHE_DIR``, else ``__tangent_lite__`` next to ``filename`` (made with
    mode 0700) when ``filename`` is a file of the user's own tree, else (an installed package,
    ``python -c``, a notebook cell) the per-user cache directory; if the first choice is missing
    and cannot be made, or is unsafe (not yours, or writable by
    others: warned once), the per-user cache directory.  None when no safe directory exists:
    memory only (warned once).  A safe directory that is not writable is still returned: its
    entries are read, and :func:`write` puts new ones in the per-user directory (where
    :func:`read` looks too)."""
    override = os.environ.get("TANGENT_LITE_CACHE_DIR")
    user = _user_cache_dir()
    if override:
        first = os.path.abspath(os.path.expanduser(override))
    elif not os.path.isfile(filename) or _installed(filename):
        first = user  # `python -c`, a notebook cell, or an installed package: nothing next to it
    else:
        first = os.path.join(os.path.dirname(os.path.abspath(filename)), "__tangent_lite__")
    for directory in dict.fromkeys((first, user)):
        usable, why = _usable_dir(directory)
        if usable:
            if override and directory != first and not _usable_dir(first, create=False)[1]:
                _warn_once("override", first, (
                    f"TANGENT_LITE_CACHE_DIR={override!r} is not a directory tangent_lite can use (not "
                    f"a directory, or missing and cannot be created): derivatives are cached in {user}."))
            return directory
        if why:
            _refuse(directory, f"directory {directory}", f"because {why}")
    _warn_once("memory", "", (
        f"tangent_lite found no safe cache directory (tried {first} and {user}): generated derivatives "
        f"are kept in memory only, and generated again in every process. Set TANGENT_LITE_CACHE_DIR "
        f"to a directory of yours, or TANGENT_LITE_CACHE=0 to turn the disk cache off."))
    return None


def file_part(text: Any, limit: int = _MAX_PART) -> str:
    """``text`` as one safe piece of a file name: ASCII letters, digits and ``_`` only, at most
    ``limit`` characters, never empty nor a reserved device name."""
    part = re.sub(r"[^A-Za-z0-9_]+", "_", text if isinstance(text, str) else "")[:limit] or "_"
    return "_" + part if part.lower() in _WINDOWS_RESERVED else part


def _plain_name(name: str) -> bool:
    """Is ``name`` one plain file name (no directory part, no NUL, not hidden, not too long)?"""
    return (bool(name) and name == os.path.basename(name) and "/" not in name and "\\" not in name
            and "\0" not in name and not name.startswith(".") and len(name.encode("utf-8", "replace")) <= _NAME_MAX)


def file_name(fn: Callable, mode: str, key: str) -> str:
    """The file name of ``fn``'s entry: ``<module>.<qualname>.<mode>.<key[:12]>.py``, every part
    reduced to ``[A-Za-z0-9_]`` and bounded, so the name always stays inside the cache directory
    whatever ``fn.__module__`` and ``fn.__qualname__`` hold."""
    module = getattr(fn, "__module__", None)
    module = file_part(module.split(".")[-1] if isinstance(module, str) and module else "module", _MAX_PART)
    if module.startswith("test"):  # test_x.f.vjp.<key>.py would be collected by pytest as a test file
        module = "tl_" + module
    qual = file_part(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None), _MAX_PART)
    name = f"{module}.{qual}.{file_part(mode, 16)}.{file_part(key[:12], 12)}.py"
    if not _plain_name(name):  # cannot happen: every part is [A-Za-z0-9_]+
        raise AssertionError(f"unsafe cache file name {name!r}")
    return name


def _locations(path: str) -> List[str]:
    """Where the entry ``path`` may be: there, and under its name in the per-user cache directory
    (where :func:`write` puts it when ``path``'s directory cannot take it)."""
    directory, name = os.path.split(path)
    if not _plain_name(name):
        return []
    user = _user_cache_dir()
    return [path] if directory == user else [path, os.path.join(user, name)]


def _read_private(path: str) -> Optional[str]:
    """The text of ``path`` if it is a regular file (not a symlink, device, FIFO or directory)
    that is yours and writable only by you, of reasonable size and UTF-8; else None."""
    directory = os.path.dirname(path)
    flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not hasattr(os, "O_NOFOLLOW") and os.path.islink(path):
            raise OSError(errno.ELOOP, "symbolic link")
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        if getattr(exc, "errno", None) in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            _refuse(directory, f"entry {path}", "because it is a symbolic link")
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_ENTRY_BYTES:
            return None
        why = _distrust(st)
        if why:
            _refuse(directory, f"entry {path}", f"because {why}")
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(_MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > _MAX_ENTRY_BYTES:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read(path: str, key: str, deps_ok: Callable[[Dict[str, Any]], bool]) -> Optional[Entry]:
    """The verified ``(text, meta)`` of the entry for ``key`` (an :class:`Entry`; its ``path``
    says where it was found), looked for at ``path`` and then under the same name in the
    per-user cache directory; None if there is none that is safe, complete, for ``key`` and
    whose callees are unchanged (``deps_ok(meta)``).  Never raises for what is on disk.  Run
    the returned text (:func:`codegen.load_text`), never the file: it may change meanwhile."""
    for candidate in _locations(path):
        directory = os.path.dirname(candidate)
        usable, why = _usable_dir(directory, create=False)
        if not usable:
            if why:
                _refuse(directory, f"directory {directory}", f"because {why}")
            continue
        text = _read_private(candidate)
        if text is None:
            continue
        try:
            file_key, meta = codegen.verify(text)
        except ValueError:
            continue
        if file_key != key:
            continue
        try:
            current = deps_ok(meta)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            current = False
        if current:
            _touch(candidate)
            return Entry(text, meta, candidate)
    return None


def _write_atomic(target: str, text: str) -> None:
    """Write ``text`` (UTF-8) to a new private file (mode 0600) beside ``target``, then rename it
    over ``target`` (which, if a symlink, is replaced, not followed): readers see the old entry or
    the whole new one.  Raises OSError (the temporary file is removed)."""
    data = text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".py", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write(path: str, text: str) -> Optional[str]:
    """Atomically write ``text`` as the entry ``path``; if its directory cannot take it (unsafe,
    read-only, full, a file-size limit...), as the same name in the per-user cache directory.
    Returns the path written, or None if nothing could be written: the derivative then lives
    in memory only, and one :class:`TangentLiteWarning` per process says so.  Never raises."""
    tried: List[str] = []
    for target in _locations(path):
        directory = os.path.dirname(target)
        usable, why = _usable_dir(directory)
        if not usable:
            if why:
                _refuse(directory, f"directory {directory}", f"because {why}")
            tried.append(f"{directory}: {why or 'missing and cannot be created'}")
            continue
        try:
            _write_atomic(target, text)
            _DIRECTORIES.add(directory)
            prune(directory, keep=target)
            return target
        except (OSError, ValueError) as exc:
            tried.append(f"{directory}: {getattr(exc, 'strerror', None) or exc}")
    _warn_once("memory", "", (
        f"tangent_lite could not write its disk cache ({'; '.join(tried) or f'bad entry name {path!r}'}): "
        f"generated derivatives are kept in memory only (this process will not warn again). "
        f"Free some space or make the directory writable, set TANGENT_LITE_CACHE_DIR to another "
        f"directory, or TANGENT_LITE_CACHE=0 to turn the disk cache off."))
    return None


# ------------------------------------------------------------------ size bound, info, clearing

# entries per cache directory and their total size: beyond either, the least recently used go
MAX_DISK_ENTRIES = int(os.environ.get("TANGENT_LITE_CACHE_ENTRIES", "500"))
MAX_DISK_BYTES = int(float(os.environ.get("TANGENT_LITE_CACHE_MB", "50")) * 2 ** 20)
_DIRECTORIES: Set[str] = set()  # the cache directories this process wrote to or read from
# <module>.<qualname>.<mode>.<key[:12]>.py, and the Numba back end's <...>_numba.py beside it
_ENTRY = re.compile(r"[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]{1,12}(_numba)?\.py")
_HEADERS = (b"# Generated by tangent_lite", b"# rewritten for Numba")


def _touch(path: str) -> None:
    """Mark the entry ``path`` as used now (its modification time: least recently used pruning)."""
    _DIRECTORIES.add(os.path.dirname(path))
    try:
        os.utime(path)
    except OSError:
        pass


def entries(directory: str) -> List[Tuple[float, int, str]]:
    """``(last used, bytes, path)`` of the cache entries in ``directory``: regular files of
    yours named like entries and starting with tangent_lite's header, least recently used first."""
    found = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        if not _ENTRY.fullmatch(name):
            continue
        path = os.path.join(directory, name)
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or _distrust(st):
                continue
            with open(path, "rb") as fh:
                if not fh.read(32).startswith(_HEADERS):
                    continue
        except OSError:
            continue
        found.append((st.st_mtime, st.st_size, path))
    return sorted(found)


def prune(directory: str, keep: Optional[str] = None, max_entries: Optional[int] = None,
          max_bytes: Optional[int] = None) -> int:
    """Remove the least recently used entries of ``directory`` until at most ``max_entries``
    (:data:`MAX_DISK_ENTRIES`) remain, taking at most ``max_bytes`` (:data:`MAX_DISK_BYTES`);
    never ``keep`` (the entry just written).  Returns how many were removed.  Never raises."""
    max_entries = MAX_DISK_ENTRIES if max_entries is None else max_entries
    max_bytes = MAX_DISK_BYTES if max_bytes is None else max_bytes
    found = entries(directory)
    count, size, removed = len(found), sum(e[1] for e in found), 0
    for _used, nbytes, path in found:
        if count <= max_entries and size <= max_bytes:
            break
        if path == keep:
            continue
        try:
            os.unlink(path)
        except OSError:
            continue
        count, size, removed = count - 1, size - nbytes, removed + 1
    return removed
