"""Progress of generations that take long: silent for fast ones.

    with progress.generation("vjp", fn):   # api.generate
        ...
        progress.lap("lowering")           # api._derive, at the end of each stage

Once a generation has run for longer than a threshold (2 s by default), each stage it
finishes is reported once, with its time: the first line names the function and the stages
so far, the last one the total.  Lines go to the ``tangent_lite`` logger (level INFO) when
logging is configured (any handler on it or its ancestors), to stderr otherwise.
``TANGENT_LITE_PROGRESS``: a number of seconds (the threshold), ``all`` (every generation)
or ``off`` / ``0`` (never).  A callee generated inside a generation reports on its own lines.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
import time
from typing import Any, Iterator, List, Optional, Tuple

LOGGER = logging.getLogger("tangent_lite")
DEFAULT_SECONDS = 2.0


def threshold() -> Optional[float]:
    """Seconds after which a generation reports its stages; None: never."""
    value = os.environ.get("TANGENT_LITE_PROGRESS", "").strip().lower()
    if value == "":
        return DEFAULT_SECONDS
    if value in ("off", "no", "false", "0"):
        return None
    if value in ("all", "on", "yes", "true"):
        return 0.0
    try:
        return max(float(value), 0.0)
    except ValueError:
        return DEFAULT_SECONDS


def emit(message: str) -> None:
    if LOGGER.hasHandlers():
        LOGGER.info(message)
    else:
        print(message, file=sys.stderr, flush=True)


class _Generation:
    def __init__(self, what: str, limit: float):
        self.what, self.limit = what, limit
        self.start = self.last = time.perf_counter()
        self.stages: List[Tuple[str, float]] = []
        self.reported = 0  # how many stages have been reported

    def finished(self, name: str, seconds: float) -> None:
        self.stages.append((name, seconds))
        if time.perf_counter() - self.start < self.limit:
            return
        if self.reported == 0:
            done = ", ".join(f"{n} {s:.2f} s" for n, s in self.stages)
            emit(f"tangent_lite: generating {self.what}: {done}")
        else:
            emit(f"tangent_lite: generating {self.what}: {name} {seconds:.2f} s")
        self.reported = len(self.stages)

    def done(self) -> None:
        if self.reported:
            emit(f"tangent_lite: generated {self.what} in {time.perf_counter() - self.start:.2f} s")


_CURRENT: contextvars.ContextVar[Optional[_Generation]] = contextvars.ContextVar("tl_generation", default=None)


def _describe(mode: str, fn: Any) -> str:
    code = getattr(fn, "__code__", None)
    where = f" ({os.path.basename(code.co_filename)}:{code.co_firstlineno})" if code is not None else ""
    return f"the {mode} of {getattr(fn, '__qualname__', repr(fn))}{where}"


@contextlib.contextmanager
def generation(mode: str, fn: Any) -> Iterator[None]:
    """Time the stages run inside (see :func:`lap`); report them if it takes long."""
    limit = threshold()
    current = _Generation(_describe(mode, fn), limit) if limit is not None else None
    token = _CURRENT.set(current)
    try:
        yield
        if current is not None:
            current.done()
    finally:
        _CURRENT.reset(token)


def lap(name: str, result: Any = None) -> Any:
    """Stage ``name`` of the current generation ended: it took the time since the previous
    stage ended (or the generation began).  Returns ``result``; nothing outside a generation."""
    current = _CURRENT.get()
    if current is not None:
        now = time.perf_counter()
        current.finished(name, now - current.last)
        current.last = now
    return result
