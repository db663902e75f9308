"""Statements that mean the same as simpler ones, rewritten before the lowering.

    match kind:                      _match0 = kind
        case "sin" | "s":            if _match0 == "sin" or _match0 == "s":
            y = np.sin(x)    ==>         y = np.sin(x)
        case other:                  else:
            y = other                    other = _match0
                                         y = other
    global SCALE                     (removed: SCALE is read as a module global)
    del y                            (removed: the generated code holds no reference it must drop)

:mod:`fence` refuses what cannot be rewritten this way (class, sequence and mapping patterns,
a ``global`` that is assigned, ``del`` of an item or an attribute), so this pass only sees
what it can rewrite.
"""

from __future__ import annotations

from typing import Any, List, Optional

from .. import syntax as S
from ..syntax import gast
from ..syntax.naming import Namer

MATCH = getattr(gast, "Match", None)  # Python >= 3.10


def desugar(fdef: Any, namer: Namer) -> Any:
    """Rewrite ``fdef``'s body in place (nested bodies too) and return ``fdef``."""
    fdef.body = _block(fdef.body, namer)
    return fdef


def _block(stmts: List[Any], namer: Namer) -> List[Any]:
    out: List[Any] = []
    for stmt in stmts:
        if isinstance(stmt, gast.Global) or (isinstance(stmt, gast.Delete)
                                             and all(isinstance(t, gast.Name) for t in stmt.targets)):
            continue
        if MATCH is not None and isinstance(stmt, MATCH):
            out.extend(_match(stmt, namer))
            continue
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _block(getattr(stmt, field), namer))
        for handler in getattr(stmt, "handlers", None) or []:
            handler.body = _block(handler.body, namer)
        out.append(stmt)
    return out


def _match(stmt: Any, namer: Namer) -> List[Any]:
    subject = namer.fresh("_match")
    first = _at(S.assign(subject, stmt.subject), stmt)
    chain: List[Any] = []
    for case in reversed(stmt.cases):
        test = pattern_test(case.pattern, S.name(subject))
        body = [_at(S.assign(name, S.name(subject)), stmt) for name in _captured(case.pattern)]
        body += _block(case.body, namer)
        binds: List[Any] = []
        if case.guard is not None:
            if test is None:  # case x if x > 0: x is bound before the guard runs, matched or not
                binds, body = body[:len(_captured(case.pattern))], body[len(_captured(case.pattern)):]
            test = case.guard if test is None else gast.BoolOp(op=gast.And(), values=[test, case.guard])
        if test is None:  # case _: / case name: always matches
            chain = body
        elif binds:
            chain = binds + [_at(gast.If(test=test, body=body or [gast.Pass()], orelse=chain), case.pattern)]
        else:
            chain = [_at(gast.If(test=test, body=body or [gast.Pass()], orelse=chain), case.pattern)]
    return [first] + chain


def pattern_test(pattern: Any, subject: Any) -> Optional[Any]:
    """The test a value pattern makes of ``subject``: None when it always matches."""
    if isinstance(pattern, gast.MatchValue):
        return gast.Compare(left=S.deepcopy(subject), ops=[gast.Eq()], comparators=[pattern.value])
    if isinstance(pattern, gast.MatchSingleton):
        return gast.Compare(left=S.deepcopy(subject), ops=[gast.Is()], comparators=[S.const(pattern.value)])
    if isinstance(pattern, gast.MatchOr):
        tests = [pattern_test(p, subject) for p in pattern.patterns]
        if any(t is None for t in tests):
            return None
        return gast.BoolOp(op=gast.Or(), values=tests)
    if isinstance(pattern, gast.MatchAs):
        return None if pattern.pattern is None else pattern_test(pattern.pattern, subject)
    raise AssertionError(type(pattern).__name__)  # pragma: no cover - fence refused it


def _captured(pattern: Any) -> List[str]:
    """The names a pattern binds (``case x:``, ``case 1 | 2 as x:``)."""
    if isinstance(pattern, gast.MatchAs):
        inner = _captured(pattern.pattern) if pattern.pattern is not None else []
        return inner + ([pattern.name] if pattern.name else [])
    if isinstance(pattern, gast.MatchOr):
        return _captured(pattern.patterns[0])
    return []


def unsupported_case(case: Any) -> Optional[Any]:
    """The pattern of ``case`` that :func:`desugar` cannot rewrite, if any: class, sequence,
    mapping and star patterns, and a guard after a pattern that both tests and binds."""
    bad = unsupported_pattern(case.pattern)
    if bad is None and case.guard is not None and _captured(case.pattern) \
            and pattern_test(case.pattern, S.name("_")) is not None:
        return case.pattern
    return bad


def unsupported_pattern(pattern: Any) -> Optional[Any]:
    """The first pattern :func:`desugar` cannot rewrite (class, sequence, mapping, star), if any."""
    if isinstance(pattern, (gast.MatchValue, gast.MatchSingleton)):
        return None
    if isinstance(pattern, gast.MatchAs):
        return None if pattern.pattern is None else unsupported_pattern(pattern.pattern)
    if isinstance(pattern, gast.MatchOr):
        if any(_captured(p) for p in pattern.patterns):
            return pattern
        for p in pattern.patterns:
            bad = unsupported_pattern(p)
            if bad is not None:
                return bad
        return None
    return pattern


def assigned_globals(fdef: Any) -> List[Any]:
    """The ``global`` statements of ``fdef`` whose names it assigns (those are refused)."""
    declared = {}
    for node in S.walk(fdef):
        if isinstance(node, gast.Global):
            for name in node.names:
                declared.setdefault(name, node)
    stored = {n.id for n in S.walk(fdef) if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del))}
    return [node for name, node in declared.items() if name in stored]


def _at(node: Any, like: Any) -> Any:
    node.lineno = getattr(like, "lineno", None)
    return node
