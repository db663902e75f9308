"""Errors raised by tangent_lite, each pointing at the user's source.

Every error the compiler raises on bad input is a :class:`TangentLiteError`
subclass.  When the problem has a place in the user's code the message reads::

    model.py:12: cannot differentiate a call to 'scipy.special.erf'
        12 |     y = erf(x)
    To fix: register a rule ...

Several problems found in one function are reported together.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from typing import Optional, Sequence

# the folder of tangent_lite's own code: frames, files and functions under it are not the user's
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


@dataclass(frozen=True)
class Location:
    """A place in the user's source: file, 1-based line and the line's text."""

    filename: str
    lineno: int
    text: str = ""

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


class TangentLiteError(Exception):
    """Base class of every error tangent_lite raises about user input."""

    def __init__(self, message: str, location: Optional[Location] = None, hint: str = ""):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(f"{self.location}: {self.message}")
            if self.location.text:
                parts.append(f"    {self.location.lineno} | {self.location.text.rstrip()}")
        else:
            parts.append(self.message)
        if self.hint:
            parts.append(self.hint if self.hint.startswith("To fix") else f"To fix: {self.hint}")
        return "\n".join(parts)


class UnsupportedConstructError(TangentLiteError):
    """The function uses Python syntax tangent_lite does not differentiate."""


class NoRuleError(TangentLiteError):
    """A call has neither a derivative rule nor Python source to transform."""


class SourceUnavailableError(TangentLiteError):
    """The function's source code cannot be read (REPL string, C extension, ...)."""


class ArgumentError(TangentLiteError, TypeError):
    """A derivative was requested with bad arguments (`wrt`, shapes, dtypes)."""


class NonScalarOutputError(ArgumentError):
    """`grad` was asked for a function whose output is not a scalar."""


class RuleError(TangentLiteError):
    """A derivative rule is malformed (raised when it is registered)."""


class MultipleErrors(TangentLiteError):
    """Several problems in one function, reported at once."""

    def __init__(self, errors: Sequence[TangentLiteError]):
        self.errors = list(errors)
        head = f"{len(self.errors)} problems found:"
        body = "\n\n".join(str(e) for e in self.errors)
        Exception.__init__(self, f"{head}\n\n{body}")
        self.message, self.location, self.hint = head, None, ""

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.args[0]


def raise_all(errors: Sequence[TangentLiteError]) -> None:
    """Raise nothing, the single error, or a :class:`MultipleErrors` (duplicates dropped)."""
    seen, unique = set(), []
    for e in errors:
        key = (type(e), e.message, e.location)
        if key not in seen:
            seen.add(key)
            unique.append(e)
    errors = unique
    if not errors:
        return
    if len(errors) == 1:
        raise errors[0]
    raise MultipleErrors(errors)


class TangentLiteWarning(UserWarning):
    """Base class of the warnings tangent_lite gives (filter them with this class)."""


def warn_at_user(warning: Warning) -> None:
    """Issue ``warning`` at the first frame outside tangent_lite: the user's call."""
    frame, level = sys._getframe(0), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(warning, stacklevel=level)


class BackendFallbackWarning(TangentLiteWarning):
    """A requested backend (``backend="numba"``) could not run a derivative: the Python
    backend ran it instead, with the same results."""


class InfiniteRecursionError(TangentLiteError):
    """A function calls itself on every path: its recursion can never end."""
