"""Which calls change their arguments in place: the tables behind refusing them.

Activity analysis follows values through assignments.  A call that writes into an
argument instead (``np.sin(x, out=z)``, ``x.sort()``, ``np.add.at(z, idx, x)``) changes a
value without assigning it, which no derivative pass sees: differentiating through it
would silently give wrong derivatives.  ``analysis.mutation_errors`` refuses such calls
when a value that carries derivatives takes part, with the functional spelling to use.

A call whose result is thrown away (an expression statement, ``f(x)`` on its own line)
can only matter through what it does to its arguments, so it is refused too unless it is
known to leave them alone (``print``, ``logging``, ``warnings.warn``, NumPy functions
without ``out=``, anything with derivative rules...)::

    x.sort()                 ->  x = np.sort(x)
    np.sin(x, out=z)         ->  z = np.sin(x)
    np.add.at(z, idx, v)     ->  z = z + np.bincount(idx, weights=v, minlength=z.size)
    print(x)                 ->  fine: print does not change x
"""

from __future__ import annotations

import builtins
import logging
import operator
import random
import warnings
from typing import Any, List, Optional, Tuple

import numpy as np

from .. import runtime

# method name -> what to write instead (``{x}`` is the receiver as written)
IN_PLACE_METHODS = {
    # ndarray
    "sort": "{x} = np.sort({x})",
    "partition": "{x} = np.partition({x}, kth)",
    "fill": "{x} = np.full_like({x}, value)",
    "resize": "{x} = np.resize({x}, shape)",
    "itemset": "{x} = {x}.copy(); {x}[index] = value",
    "put": "{x} = {x}.copy(); {x}[indices] = values",
    "setfield": "build a new array",
    "byteswap": "{x} = {x}.byteswap()",
    # list
    "extend": "{x} = {x} + list(more)",
    "insert": "{x} = {x}[:i] + [value] + {x}[i:]",
    "remove": "build a new list without the item",
    "reverse": "{x} = {x}[::-1]",
    "clear": "{x} = []",
    # dict
    "update": "{x} = {{**{x}, **more}}",
    "setdefault": "{x} = {{**{x}, key: value}} when the key is missing",
    "popitem": "build a new dict",
    # the in-place operators and item writes, called by name
    "__iadd__": "{x} = {x} + value",
    "__isub__": "{x} = {x} - value",
    "__imul__": "{x} = {x} * value",
    "__itruediv__": "{x} = {x} / value",
    "__ifloordiv__": "{x} = {x} // value",
    "__ipow__": "{x} = {x} ** value",
    "__imatmul__": "{x} = {x} @ value",
    "__setitem__": "{x} = {x}.copy(); {x}[index] = value",
    "__delitem__": "build a new list or dict without the item",
}

# functions that write into their first argument -> what to write instead
IN_PLACE_FUNCTIONS = {
    np.copyto: "dst = np.broadcast_to(src, dst.shape).copy()",
    np.put: "a = a.copy(); a.flat[indices] = values (or np.where)",
    np.place: "a = np.where(mask, values, a)",
    np.putmask: "a = np.where(mask, values, a)",
    np.fill_diagonal: "a = a + np.diag(values - np.diag(a))",
    np.put_along_axis: "a = a.copy(); then index assignment",
    np.random.shuffle: "x = np.random.permutation(x)",
    random.shuffle: "x = random.sample(x, len(x))",
    operator.setitem: "a = a.copy(); a[index] = value",
    operator.__setitem__: "a = a.copy(); a[index] = value",
    operator.delitem: "build a new list or dict without the item",
    operator.__delitem__: "build a new list or dict without the item",
    setattr: "keep the value in a local variable and return it",
    delattr: "keep the values in local variables",
    object.__setattr__: "keep the value in a local variable and return it",
}
# operator.iadd(a, b) is 'a += b': in place on arrays and lists
IN_PLACE_FUNCTIONS.update({getattr(operator, f"{prefix}i{name}"): f"a = a {symbol} b"
                           for name, symbol in (("add", "+"), ("sub", "-"), ("mul", "*"), ("truediv", "/"),
                                                ("floordiv", "//"), ("mod", "%"), ("pow", "**"), ("matmul", "@"),
                                                ("and", "&"), ("or", "|"), ("xor", "^"), ("lshift", "<<"),
                                                ("rshift", ">>"), ("concat", "+"))
                           for prefix in ("", "__") if hasattr(operator, f"{prefix}i{name}")})

# the fix for ``np.<ufunc>.at(a, indices, b)`` (unbuffered in-place accumulation)
UFUNC_AT_FIX = {
    "add": "{a} = {a} + np.bincount(indices, weights=values, minlength={a}.size) (1-d), "
           "or a loop of index assignments {a}[i] = {a}[i] + v",
    "subtract": "{a} = {a} - np.bincount(indices, weights=values, minlength={a}.size)",
}

# called for what they print, log or check: they leave their arguments alone
PURE_BUILTINS = {builtins.print, builtins.len, builtins.repr, builtins.str, builtins.format, builtins.isinstance,
                 builtins.type, builtins.id, builtins.hash, builtins.callable, builtins.hasattr, warnings.warn}

# methods that return something new and leave the receiver alone (discarding the result is harmless)
PURE_METHODS = {"copy", "tolist", "item", "astype", "sum", "mean", "any", "all", "max", "min", "format",
                "debug", "info", "warning", "error", "critical", "log", "exception"}


def is_pure(callee: Any, registered: bool) -> bool:
    """Is a call to ``callee`` known to leave its arguments alone (without ``out=``)?"""
    if in_place_function_fix(callee) is not None or ufunc_at(callee) is not None:
        return False
    if registered or _member(callee, PURE_BUILTINS):
        return True
    if isinstance(getattr(callee, "__self__", None), (logging.Logger, logging.LoggerAdapter)):
        return True
    module = str(getattr(callee, "__module__", None) or "")
    return module.split(".")[0] in ("numpy", "math", "logging", "tangent_lite")


def ufunc_at(callee: Any) -> Optional[str]:
    """The ufunc name of ``np.<ufunc>.at`` (``'add'`` for ``np.add.at``), else None."""
    owner = getattr(callee, "__self__", None)
    if isinstance(owner, np.ufunc) and getattr(callee, "__name__", None) == "at":
        return owner.__name__
    return None


def in_place_function_fix(callee: Any, first: str = "x") -> Optional[str]:
    """What to write instead of a function that writes into its first argument (``np.copyto``;
    a method of arrays, lists or dicts called through its class, ``np.ndarray.sort(x)``, whose
    first argument the user wrote as ``first``)."""
    if getattr(callee, "__objclass__", None) in (np.ndarray, list, dict) and \
            getattr(callee, "__name__", None) in IN_PLACE_METHODS:
        return IN_PLACE_METHODS[callee.__name__].format(x=first)
    return IN_PLACE_FUNCTIONS.get(callee) if _member(callee, IN_PLACE_FUNCTIONS) else None


def _member(obj: Any, table: Any) -> bool:
    try:
        return obj in table
    except TypeError:  # unhashable
        return False


def method_fix(name: str, receiver: str) -> Optional[str]:
    fix = IN_PLACE_METHODS.get(name)
    return fix.format(x=receiver) if fix is not None else None


def describe_ufunc_at(name: str, first: str) -> Tuple[str, str]:
    fix = UFUNC_AT_FIX.get(name, "{a} = {a} + the contributions, built with np.bincount or a loop").format(a=first)
    return f"'np.{name}.at' accumulates into '{first}' in place", fix


# What the result of a helper of derivative code shares with its arguments, by position: "same"
# (it may be that argument), "holds" (a new list or dict that may hold it as an entry), "copy" (a
# new list with its entries).  The arguments not listed are read for their structure only
# (``getitem_bar(g, L, i)``: zeros shaped like L, g at i).  Differentiating derivative code again
# (higher order; tl.grad of a function calling tl.hvp) follows these, not "any argument".
RESULT_SHARES = {
    runtime.getitem_bar: ((0, "holds"),),
    runtime.add_item: ((0, "same"), (2, "holds")),  # bar[index] += g, in place: bar itself
    runtime.zero_item: ((0, "copy"),),
    runtime.unbroadcast: ((0, "same"),),
    runtime.bcast: ((0, "same"),),
    runtime.as_grad: ((0, "same"),),
    runtime.zeros_like: (),
    runtime.copied: ((0, "copy"),),  # a new list or dict of the same items, a new array
    runtime.concat_part: ((0, "same"),),  # (a list's part of g: a copy; a number's or array's: g may be it)
    runtime.seq_concat: ((0, "copy"), (1, "copy")),
    runtime.seq_repeat: ((0, "copy"),),
    runtime.seq_repeat_bar: ((0, "copy"),),
    # what array-API code is read as that makes a new array: xp.asarray(x, copy=True), xpx.at(x, i).set(v)
    runtime.asarray_copy: (),
    runtime.at_set: (),
}


def result_shares(callee: Any, call: Any) -> Optional[List[Tuple[Any, str]]]:
    """(argument, how the result shares it) for a call of a helper in :data:`RESULT_SHARES`
    passed its arguments by position; None for any other call."""
    try:
        shares = RESULT_SHARES.get(callee)
    except TypeError:  # unhashable
        return None
    if shares is None or call.keywords or any(type(a).__name__ == "Starred" for a in call.args):
        return None
    return [(call.args[i], kind) for i, kind in shares if i < len(call.args)]
