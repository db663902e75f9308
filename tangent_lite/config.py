"""Settings that change how derivatives are generated or checked, per context.

    with tl.config(check=True):      # every call compares the generated primal with the
        tl.grad(f)(x)                # original and samples the JVP/VJP identity
    with tl.config(optimize=False):  # derivatives as the passes build them, unoptimised
        tl.grad(f)(x)

Process-wide defaults come from the environment: ``TANGENT_LITE_CHECK=1`` and
``TANGENT_LITE_OPTIMIZE=0``.  A ``with tl.config(...)`` block overrides them for the code
it runs (in this thread or asyncio task only: the settings live in a ``contextvars``
variable, so other threads keep theirs).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from typing import Iterator, NamedTuple, Optional


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


class Settings(NamedTuple):
    optimize: bool  # run the optimizer's passes on generated code
    check: bool  # self-check mode: compare primal values, sample the dot-product identity

    @property
    def options(self) -> tuple:
        """What these settings add to a generated module's options (and so to its cache key)."""
        return () if self.optimize else ("unoptimized",)


DEFAULT = Settings(optimize=_env_flag("TANGENT_LITE_OPTIMIZE", True), check=_env_flag("TANGENT_LITE_CHECK", False))
_CURRENT: contextvars.ContextVar[Settings] = contextvars.ContextVar("tangent_lite_settings", default=DEFAULT)


def current() -> Settings:
    """The settings in force here and now."""
    return _CURRENT.get()


@contextlib.contextmanager
def config(optimize: Optional[bool] = None, check: Optional[bool] = None) -> Iterator[Settings]:
    """``with tl.config(optimize=False, check=True): ...``: settings for the calls made inside
    the block (arguments left as None keep their current value).  Yields the settings in force."""
    now = _CURRENT.get()
    new = Settings(optimize=now.optimize if optimize is None else bool(optimize),
                   check=now.check if check is None else bool(check))
    token = _CURRENT.set(new)
    try:
        yield new
    finally:
        _CURRENT.reset(token)
