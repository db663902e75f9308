"""Looking at and clearing the caches: :func:`tangent_lite.cache_info`,
:func:`tangent_lite.clear_cache` and ``adgen --clear-cache`` (docs/reliability.md)."""

from __future__ import annotations

import os
from typing import Dict, List, NamedTuple, Optional, Tuple

from .cache import (
    _CODE,
    _DIRECTORIES,
    MAX_DISK_BYTES,
    MAX_DISK_ENTRIES,
    STATS,
    _user_cache_dir,
    cache_enabled,
    clear_memory,
    entries,
    memory_size,
)


class CacheInfo(NamedTuple):
    """What :func:`tangent_lite.cache_info` reports."""
    enabled: bool  # the disk cache (the memory cache always works)
    memory_entries: int  # (function, key) pairs held in memory
    compiled_texts: int  # compiled generated modules kept by disk key
    directories: Dict[str, Tuple[int, int]]  # cache directory -> (entries, bytes): those this process used
    max_entries: int  # per directory
    max_bytes: int  # per directory
    stats: Dict[str, int]  # generated / disk_hits / memory_hits / code_hits since the process started


def info() -> CacheInfo:
    """The caches as they are now: memory, and every disk directory this process used (and the
    per-user directory and ``$TANGENT_LITE_CACHE_DIR``, when they exist)."""
    dirs = set(_DIRECTORIES) | {d for d in _standard_directories() if os.path.isdir(d)}
    table = {}
    for d in sorted(dirs):
        found = entries(d)
        table[d] = (len(found), sum(e[1] for e in found))
    return CacheInfo(cache_enabled(), memory_size(), len(_CODE), table, MAX_DISK_ENTRIES, MAX_DISK_BYTES,
                     dict(STATS))


def _standard_directories() -> List[str]:
    out = [_user_cache_dir()]
    override = os.environ.get("TANGENT_LITE_CACHE_DIR")
    if override:
        out.append(os.path.abspath(os.path.expanduser(override)))
    return out


def clear(paths: Optional[List[str]] = None, memory: bool = True) -> int:
    """Remove cache entries: those of the directories this process used, the per-user one and
    ``$TANGENT_LITE_CACHE_DIR`` (``paths=None``), or of ``paths``: cache directories, or
    folders searched for ``__tangent_lite__`` directories below them.  Only files that are
    tangent_lite's entries are removed (and a cache directory left empty).  Also empties the
    memory cache when ``memory``.  Returns the number of files removed."""
    if memory:
        clear_memory()
    if paths is None:
        targets = set(_DIRECTORIES) | set(_standard_directories())
    else:
        targets = set()
        for p in paths:
            p = os.path.abspath(p)
            if os.path.basename(p) == "__tangent_lite__" or p in _standard_directories():
                targets.add(p)
                continue
            for folder, dirs, _files in os.walk(p):
                if "__tangent_lite__" in dirs:
                    targets.add(os.path.join(folder, "__tangent_lite__"))
                dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__tangent_lite__"]
    removed = 0
    for d in sorted(targets):
        for _used, _nbytes, path in entries(d):
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                pass
        if os.path.basename(d) == "__tangent_lite__":
            try:
                os.rmdir(d)  # only if nothing else is in it (Numba's __pycache__, a user's file)
            except OSError:
                pass
    return removed
