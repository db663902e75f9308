"""This process's private scratch directory: copies of generated modules that have no cache
entry (disk cache off, or cache trouble), for code that reads a module's ``__file__``."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any, Dict, Optional

from . import cache

_SCRATCH: Dict[str, Any] = {"dir": None, "pid": None}


def scratch_dir() -> str:
    """This process's private directory (mode 0700) for copies of generated modules that have
    no cache entry (disk cache disabled, or cache trouble); it is removed when the interpreter
    exits.  Raises OSError if it cannot be made."""
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
    """The path of file ``name`` (a plain file name) in the scratch directory."""
    if not cache._plain_name(name):
        raise ValueError(f"not a plain file name: {name!r}")
    return os.path.join(scratch_dir(), name)


def write_scratch(name: str, text: str) -> Optional[str]:
    """Atomically write ``text`` as ``name`` in the scratch directory, for code that reads a
    generated module's ``__file__`` (``tl.source``, ...): the module itself runs from the text in
    memory, never from this copy.  The path, or None if it cannot be written.  Never raises."""
    try:
        path = scratch_path(name)
        cache._write_atomic(path, text)
    except (OSError, ValueError):
        return None
    return path


def module_file(name: str, text: str) -> str:
    """The ``__file__`` of a generated module that has no cache file (disk cache off, or cache
    trouble): a private copy in this process's scratch directory, for what reads ``__file__``
    (``tl.source``, ...); the module runs from the text in memory, never from it.  If even that
    copy cannot be written, a ``<tangent_lite ...>`` name (linecache still holds the text)."""
    return write_scratch(name, text) or f"<tangent_lite {name}>"
