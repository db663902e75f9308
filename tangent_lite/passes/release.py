"""The finishing pass ``release_dead``: arrays are let go of as soon as nothing reads them::

    _t9 = _t5 + _t8                  _t9 = _t5 + _t8
    _t10 = np.sum(_t9)         ->    _t5 = None
                                     _t8 = None
                                     _t10 = np.sum(_t9)
"""

from __future__ import annotations

from typing import Any, List, Optional, Set

from .. import syntax as S
from ..syntax import gast
from .index import StmtNames, _NameMemo


def release_dead(fdef: Any, names: Set[str], index: Optional[StmtNames] = None) -> bool:
    """Let go of arrays as soon as nothing reads them any more (``name = None`` after the
    last top-level statement that uses them), so NumPy reuses their memory for the next
    temporaries instead of the process asking the OS for fresh pages on every call::

        _t9 = _t5 + _t8                  _t9 = _t5 + _t8
        _t10 = np.sum(_t9)         ->    _t5 = None
        ...                              _t8 = None
                                         _t10 = np.sum(_t9)
                                         _t9 = None

    ``names``: the candidates (arrays of known rank >= 1, never parameters); ``index``:
    the :class:`StmtNames` of ``fdef`` if known."""
    body = fdef.body
    if not body or not names:
        return False
    live: Set[str] = set()
    released: Set[str] = set()
    out: List[Any] = []
    work_after = False  # releasing just before the return would gain nothing
    memo = _NameMemo(index)
    for stmt in reversed(body):
        reads = set(memo.loads(stmt))
        dead = sorted(((reads | set(memo.stores(stmt))) & names) - live - released)
        if dead and work_after:
            out.extend(S.assign(n, S.const(None)) for n in reversed(dead))
        released |= set(dead)
        out.append(stmt)
        live |= reads
        work_after = work_after or not isinstance(stmt, (gast.Return, gast.Expr))
    fdef.body = list(reversed(out))
    return len(out) > len(body)
