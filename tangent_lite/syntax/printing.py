"""The printing entry points: :func:`to_source` (the direct printer, astor for what it leaves, and
the optional round-trip check) and :func:`roundtrip_problem`."""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

import gast

from .astor_printer import astor_source
from .printer import _Printer, _Unprintable
from .roundtrip import _brief, _checkable, _text_problem


def _check_print_default() -> bool:
    return os.environ.get("TANGENT_LITE_CHECK_PRINT", "").strip().lower() not in ("", "0", "false", "no", "off")


# TANGENT_LITE_CHECK_PRINT=1 (read at import; tests may set the flag, here in syntax.printing: the package does not
# re-export it): every text to_source returns is parsed back and compared with the tree it was printed from
# (roundtrip_problem); a difference raises
CHECK_PRINT = _check_print_default()


def to_source(node: Any) -> str:
    """Print a gast node (module, statement, expression or list of statements).

    The forms the compiler generates are printed directly from gast (:class:`_Printer`); anything
    else goes through astor (:func:`astor_source`).  Both give the same text, byte for byte
    (tests/test_printer.py), and both parenthesize by the same precedence rules, so that the text
    parses back to the tree it was printed from (tests/test_printer_roundtrip.py).  With
    :data:`CHECK_PRINT` set (``TANGENT_LITE_CHECK_PRINT=1``) every text is parsed back and compared
    with the tree (:func:`roundtrip_problem`): a difference raises AssertionError."""
    text = _print(node)
    if CHECK_PRINT:
        problem = _text_problem(node, text)
        if problem is not None:
            raise AssertionError(f"to_source printed text that does not parse back to its tree: {problem}")
    return text


def _print(node: Any) -> str:
    """:func:`to_source` without the check."""
    if isinstance(node, list):
        return "".join(_print(n) + ("\n" if not isinstance(n, gast.expr) else "") for n in node)
    try:
        return _Printer().text(node)
    except _Unprintable:
        return astor_source(node)


def roundtrip_problem(node: Any, printer: Optional[Callable[[Any], str]] = None) -> Optional[str]:
    """Print ``node`` and parse the text back: None if the text stands for the same tree, else a
    description of the first difference (where in the tree, what each side has there, the text).

    ``node`` is a gast module, statement, expression or list of statements (other nodes, such as
    ``arguments``, ``keyword`` or a parameter on their own, are not checked: None).  ``printer`` prints it
    (default: :func:`to_source` without its own check; the tests pass :func:`astor_source` and the
    direct printer).  The trees are compared field by field, ignoring expression contexts,
    positions, ``kind`` and type comments, the compiler's annotations and its comment lines, and
    ``pass`` statements; representations that stand for the same value are made alike first:
    ``Constant(-2.0)`` and ``UnaryOp(USub, Constant(2.0))``, the forms :func:`_number` prints
    (``1e1000``, ``(1e1000-1e1000)``, ``(1.0-2j)``), ``{1}.__class__()`` for an empty set, a
    constant tuple and a tuple of constants, adjacent pieces of an f-string's text.  Floats compare
    with the sign of zero and of NaN, the parts of complex numbers without."""
    if not _checkable(node):
        return None
    try:
        text = (printer or _print)(node)
    except _Unprintable:
        raise
    except Exception as exc:  # noqa: BLE001 - the description is the result
        return f"printing {_brief(node)} failed: {type(exc).__name__}: {exc}"
    return _text_problem(node, text)
