"""Generated code as Jupyter shows it: highlighted HTML, plain text everywhere else.

    >>> text = tl.source(f)        # a Source: a str, printed and compared as one
    >>> text                       # in Jupyter: highlighted (Pygments, if installed)

Highlighting uses Pygments when it is installed (``pip install tangent_lite[notebook]``) with
inline styles, so that the HTML needs no style sheet; without it the code is an escaped
``<pre>`` block.  Nothing here changes what ``str()``, ``print`` or ``repr`` give.
"""

from __future__ import annotations

import html
from typing import Any, Optional


def _pygments() -> Optional[Any]:
    try:
        import pygments  # noqa: F401 -- an optional extra
        from pygments import formatters, lexers
    except ImportError:
        return None
    return pygments, lexers, formatters


def code_html(text: str) -> str:
    """``text`` (Python source) as an HTML block: highlighted by Pygments, or escaped."""
    found = _pygments()
    if found is None:
        return f'<pre class="tangent-lite-code"><code>{html.escape(text)}</code></pre>'
    pygments, lexers, formatters = found
    formatter = formatters.HtmlFormatter(noclasses=True, nobackground=True, cssclass="tangent-lite-code")
    return pygments.highlight(text, lexers.PythonLexer(), formatter)


def code_span_html(text: str) -> str:
    """A short piece of Python (a statement, an expression) as inline HTML ``<code>``."""
    found = _pygments()
    if found is None or not text:
        return f"<code>{html.escape(text)}</code>"
    pygments, lexers, formatters = found
    inner = pygments.highlight(text, lexers.PythonLexer(), formatters.HtmlFormatter(noclasses=True, nowrap=True))
    return f"<code>{inner.rstrip()}</code>"


class Source(str):
    """Generated source text.  A ``str`` in every respect (``print``, ``==``, slicing, ``repr``);
    Jupyter displays it highlighted (``_repr_html_``)."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return code_html(str(self))
