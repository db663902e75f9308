"""Lists and dicts whose type is known only when the code runs: a parameter (or any value of
unknown type) that the function slices or stores into by index.

The alias model (:mod:`aliases`) needs to know: a slice of a list is a new list, an array's is a
view of it; a store into a list or dict re-binds an item, one into an array changes its memory
(which every view and alias sees).  Where the function builds the list or dict itself
(``sequences.container_vars``), or stores under a string key, it is known.  Otherwise the
refusals are decided for lists and dicts, and where that decision differs from the one for
arrays, the generated code checks the value when it runs::

    def f(x, L):                                _tl.container_only(L, '...: writing into M ...')
        M = L[:]              ->                M = L[:]
        M[0] = M[0] * x                         ...

(an array ``L`` is refused there with the message of the array's case).
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional, Set

from ..frontend.sequences import _assignments, container_vars
from ..syntax import gast
from ..syntax.annotations import Key, get_anno
from . import run_time_checks, shared_writes

_NO = object()


def sharing_errors(w: Any, active: Set[str], varied: Set[str], ranks: Optional[Dict[str, Any]] = None,
                   unread: FrozenSet[int] = frozenset()) -> List[Any]:
    """The refusals of :func:`shared_writes.sharing_problems`, with the variables of unknown type that
    are sliced or stored into taken as lists or dicts; the run-time checks it asks for, and those
    of that assumption where it matters, are inserted into ``w`` (``unread``: see
    :func:`shared_writes.sharing_problems`)."""
    guessed = _guessed(w, ranks)
    errors, checks = shared_writes.sharing_problems(w, active, varied, ranks, frozenset(guessed), unread)
    if guessed:
        found = {str(e) for e in errors}
        strict = [e for e in shared_writes.sharing_problems(w, active, varied, ranks, unread=unread)[0]
                  if str(e) not in found]
        for error in strict:  # refused for arrays only: the variables whose type makes the difference
            needed = [n for n in sorted(guessed) if str(error) in {str(e) for e in shared_writes.sharing_problems(
                w, active, varied, ranks, frozenset(guessed) - {n}, unread)[0]}] or sorted(guessed)
            for name in needed:
                for stmt in guessed[name]:
                    run_time_checks.insert_number_check(w, stmt, name, error, "container_only")
    for stmt, helper, names, error in checks:
        run_time_checks.insert_run_time_check(w, stmt, helper, names, error)
    return errors


def _guessed(w: Any, ranks: Optional[Dict[str, Any]]) -> Dict[str, List[Any]]:
    """Variable -> the statements slicing it (``M = L[1:]``) or storing into it by an index that
    a list takes too (``L[i] = v``), where it may hold a list or dict but its type is not known:
    a parameter or an item of another value (``A = L[0]``), not a list or dict the function builds,
    no array or number of known rank (an array's ``.T``, arithmetic, NumPy's results are arrays)."""
    known = container_vars(w.fdef.body, w.params)
    maybe = _items_or_parameters(w)
    out: Dict[str, List[Any]] = {}
    for stmt in _assignments(w.fdef.body):
        if not isinstance(stmt, gast.Assign):
            continue
        tgt, value = stmt.targets[0], stmt.value
        if isinstance(tgt, gast.Subscript) and not isinstance(tgt.slice, gast.Tuple) \
                and not (isinstance(tgt.slice, gast.Constant) and not isinstance(tgt.slice.value, int)):
            subject = tgt.value
        elif isinstance(tgt, gast.Name) and isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice):
            subject = value.value
        else:
            continue
        if isinstance(subject, gast.Name) and get_anno(subject, Key.CALLEE, _NO) is _NO and subject.id in maybe \
                and subject.id not in known and not isinstance((ranks or {}).get(subject.id), int):
            out.setdefault(subject.id, []).append(stmt)
    return out


def _items_or_parameters(w: Any) -> Set[str]:
    """The parameters, and the variables every assignment of which takes an item or slice of one
    of these (``A = L[0]``, ``M = L[1:]``) or renames one: what may hold a list or dict."""
    values: Dict[str, List[Any]] = {}
    for stmt in _assignments(w.fdef.body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            values.setdefault(stmt.targets[0].id, []).append(stmt.value)
    out, changed = set(w.params), True
    while changed:
        changed = False
        for name, assigned in values.items():
            if name not in out and all(isinstance(v, gast.Name) and v.id in out or isinstance(v, gast.Subscript)
                                       and isinstance(v.value, gast.Name) and v.value.id in out for v in assigned):
                out.add(name)
                changed = True
    return out
