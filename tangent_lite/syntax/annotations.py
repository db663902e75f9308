"""Annotations carried on AST nodes, under documented keys.

Passes attach facts to nodes instead of keeping side tables:

    >>> from tangent_lite.source import name
    >>> n = name("x")
    >>> set_anno(n, Key.ORIGIN, 12)
    >>> get_anno(n, Key.ORIGIN)
    12

Annotations survive ``copy.deepcopy`` (they are plain attributes).
"""

from __future__ import annotations

import enum
from typing import Any

_ATTR = "_tl_anno"


class Key(enum.Enum):
    ORIGIN = "origin"  # int: the user's line number a lowered statement comes from
    CALLEE = "callee"  # object: the resolved callable of a Call node
    PRIMITIVE = "primitive"  # rules.registry.Primitive of a Call / BinOp / UnaryOp
    USER_CALL = "user_call"  # object: a user function called here (transformed, not a rule)
    LOOP_KIND = "loop_kind"  # str: "range" or "while" for lowered loops
    BOOKKEEPING = "bookkeeping"  # bool: statement added by lowering (trip counters, flags)
    CHECKPOINT = "checkpoint"  # atom: snapshots of a loop marked with tl.checkpointed
    FENCED = "fenced"  # bool: a construct fence.py reported (the lowering skips it, see fence.problems)
    TAPES = "tapes"  # set of str, on a generated FunctionDef: the names of its tapes (never a user's list)
    BUILTINS = "builtins"  # dict, on a generated FunctionDef: builtin name -> the name it goes by there
    SEQUENCE_OP = "sequence_op"  # runtime.seq_concat / seq_repeat: a BinOp + or * that may join lists or tuples
    IN_PLACE = "in_place"  # str: ``v op= e`` lowered to ``v_1 = v op e``: the name whose object Python changes in place
    KEEP = "keep"  # bool: a statement that runs for its effect too (it may raise in a try body, or warn or raise
    #                 under a with context): no pass drops, merges or moves it (see :func:`must_run`)

    # members are singletons compared by identity: hash them by identity too (Enum's own hash
    # hashes the name in Python code, and the passes look annotations up thousands of times)
    __hash__ = object.__hash__


def set_anno(node: Any, key: Key, value: Any) -> None:
    annos = getattr(node, _ATTR, None)
    if annos is None:
        annos = {}
        setattr(node, _ATTR, annos)
    annos[key] = value


def _annotations(node: Any) -> Any:
    """``node``'s annotation dict, or None (read from the instance dict: no failed attribute lookup)."""
    fields = getattr(node, "__dict__", None)
    if fields is None:
        return getattr(node, _ATTR, None)
    return fields.get(_ATTR)


def is_tape(name: str, fdef: Any) -> bool:
    """Is ``name`` a tape of the generated function ``fdef`` (its ``Key.TAPES``; for a
    function without that annotation, a name starting with ``_tape``)?"""
    tapes = get_anno(fdef, Key.TAPES)
    return name in tapes if tapes is not None else name.startswith("_tape")


def must_run(stmt: Any) -> bool:
    """Must ``stmt`` run although nothing reads what it assigns?  Statements of a ``try`` body
    and of a ``with`` block (marked ``Key.KEEP`` by the lowering): whether they raise or warn
    decides the path the function takes, so every pass keeps them where they are."""
    annos = _annotations(stmt)
    return annos is not None and annos.get(Key.KEEP, False)


def get_anno(node: Any, key: Key, default: Any = None) -> Any:
    annos = _annotations(node)
    return default if annos is None else annos.get(key, default)


def has_anno(node: Any, key: Key) -> bool:
    annos = _annotations(node)
    return annos is not None and key in annos
