"""The runtime helpers ``adgen`` inlines, partially evaluated for a NumPy-only file.

The helpers of ``tangent_lite.runtime`` run on the arrays of any library (Dask, CuPy, the array
API): they ask :func:`~tangent_lite.runtime.library.is_foreign` and
:func:`~tangent_lite.runtime.library.namespace` which library an array belongs to.  In a file
whose arrays are all NumPy's (numbers, lists and tuples of them too) the answers are known
before it runs: :data:`NUMPY_ONLY` lists them.  :func:`specialised` replaces those calls by
their answers and folds what follows (``if False:`` removed, ``x if True else y``, ``not
False``, ``a or False``, ``np is np``, statements after a ``return``, a local bound once to a
constant); the dependency closure is then computed on the result (runtime/sources.py), so
helpers only the other libraries need drop out.  Nothing here knows a particular helper.

:func:`printed` writes a specialised helper back as text: statements the folding left alone
keep their original text and comments; only changed lines are printed from the tree.
"""

from __future__ import annotations

import ast
import copy
import io
import operator
import tokenize
from typing import Any, Dict, List, Optional, Tuple

# what is known in a file whose arrays are all NumPy arrays, NumPy scalars, numbers, lists and
# tuples: a call of the left-hand side (``...``: with any arguments) evaluates to the right-hand side
NUMPY_ONLY: Dict[str, str] = {
    "is_foreign(...)": "False",  # no array belongs to another library
    "namespace(...)": "np",      # so NumPy's functions compute on all of them
    "_foreign_among(...)": "None",  # and none of the values is another library's array
}

_COMPARE = {ast.Is: operator.is_, ast.IsNot: operator.is_not, ast.Eq: operator.eq, ast.NotEq: operator.ne}
_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _facts(table: Dict[str, str]) -> List[Tuple[ast.Call, ast.expr]]:
    out = []
    for call, value in table.items():
        pattern = ast.parse(call, mode="eval").body
        assert isinstance(pattern, ast.Call), call
        out.append((pattern, ast.parse(value, mode="eval").body))
    return out


def _any_arguments(call: ast.Call) -> bool:
    return len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and call.args[0].value is Ellipsis \
        and not call.keywords


def _pure(e: ast.expr) -> bool:
    """Is evaluating ``e`` free of effects (so a call it is an argument of may be dropped)?"""
    if isinstance(e, (ast.Name, ast.Constant)):
        return True
    if isinstance(e, ast.Attribute):
        return _pure(e.value)
    if isinstance(e, (ast.Tuple, ast.List)):
        return all(_pure(x) for x in e.elts)
    if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "isinstance" and not e.keywords:
        return all(_pure(x) for x in e.args)
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        return _pure(e.operand)
    return False


def _const(e: ast.expr) -> Tuple[bool, Any]:
    """(is ``e`` a constant, its value)."""
    return (True, e.value) if isinstance(e, ast.Constant) else (False, None)


def _located(new: ast.expr, old: ast.AST) -> ast.expr:
    return ast.copy_location(new, old)


class _Folder(ast.NodeTransformer):
    def __init__(self, facts: List[Tuple[ast.Call, ast.expr]]) -> None:
        self.facts = facts

    # ---------------------------------------------------------------- expressions
    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        for pattern, value in self.facts:
            if ast.dump(node.func) != ast.dump(pattern.func):
                continue
            if _any_arguments(pattern):
                if all(_pure(a) for a in node.args) and all(_pure(k.value) for k in node.keywords):
                    return _located(copy.deepcopy(value), node)
            elif ast.dump(node) == ast.dump(pattern, annotate_fields=True) or \
                    [ast.dump(a) for a in node.args] == [ast.dump(a) for a in pattern.args] and not node.keywords:
                return _located(copy.deepcopy(value), node)
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        self.generic_visit(node)
        known, value = _const(node.operand)
        if known and isinstance(node.op, ast.Not):
            return _located(ast.Constant(value=not value), node)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        self.generic_visit(node)
        stop = isinstance(node.op, ast.Or)  # the truth that ends an ``or`` (``and``: falsehood)
        kept: List[ast.expr] = []
        for i, v in enumerate(node.values):
            known, value = _const(v)
            if known and bool(value) == stop:  # it is the result, and nothing after it runs
                kept.append(v)
                break
            if known and i < len(node.values) - 1:  # (not the result unless last: dropped)
                continue
            kept.append(v)
        if len(kept) == 1:
            return kept[0]
        node.values = kept
        return node

    def visit_Compare(self, node: ast.Compare) -> Any:
        self.generic_visit(node)
        if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
            return node
        left, right = node.left, node.comparators[0]
        (lk, lv), (rk, rv) = _const(left), _const(right)
        same_name = isinstance(left, ast.Name) and isinstance(right, ast.Name) and left.id == right.id
        identity = isinstance(node.ops[0], (ast.Is, ast.IsNot))
        if lk and rk and (not identity or all(v is None or v is True or v is False for v in (lv, rv))):
            return _located(ast.Constant(value=_COMPARE[type(node.ops[0])](lv, rv)), node)
        if same_name and identity:  # one object is itself
            return _located(ast.Constant(value=isinstance(node.ops[0], ast.Is)), node)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        self.generic_visit(node)
        node.test = _truth(node.test)
        known, value = _const(node.test)
        if known:
            return node.body if value else node.orelse
        if _pure(node.test) and isinstance(node.body, ast.Constant) and isinstance(node.orelse, ast.Constant) \
                and node.body.value is node.orelse.value:  # (x if c else x)
            return node.body
        return node

    # ---------------------------------------------------------------- statements
    def visit_If(self, node: ast.If) -> Any:
        self.generic_visit(node)
        node.test = _truth(node.test)
        known, value = _const(node.test)
        if known:
            return (node.body if value else node.orelse) or None
        node.body = _block(node.body)
        node.orelse = _block(node.orelse, empty_ok=True)
        if not node.orelse and all(isinstance(s, ast.Pass) for s in node.body) and _pure(node.test):
            return None
        return node

    def visit_While(self, node: ast.While) -> Any:
        self.generic_visit(node)
        node.test = _truth(node.test)
        known, value = _const(node.test)
        if known and not value:
            return node.orelse or None
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and (not block and field == "body" or block and isinstance(block[0], ast.stmt)):
                setattr(node, field, _block(block, empty_ok=field != "body"))
        return node


def _unparse(node: ast.AST) -> str:
    """``ast.unparse``, with the strings in double quotes as the runtime's source writes them."""
    text = ast.unparse(node)
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        s = tok.string
        if tok.type == tokenize.STRING and s[:1] == "'" and s[:3] != "'" * 3 and '"' not in s and "\\" not in s:
            out.append((tok.start, tok.end, '"' + s[1:-1] + '"'))
    lines = text.splitlines(keepends=True)
    for (r0, c0), (_, c1), new in reversed(out):  # (such a string never spans lines)
        lines[r0 - 1] = lines[r0 - 1][:c0] + new + lines[r0 - 1][c1:]
    return "".join(lines)


def _truth(test: ast.expr) -> ast.expr:
    """``test`` where only its truth counts: a constant that ends an ``or`` / ``and`` as its last
    operand (``a or False``) does not change whether it is true."""
    if isinstance(test, ast.BoolOp) and len(test.values) > 1:
        known, value = _const(test.values[-1])
        if known and bool(value) == isinstance(test.op, ast.And):
            rest = test.values[:-1]
            return _truth(rest[0] if len(rest) == 1 else ast.copy_location(ast.BoolOp(op=test.op, values=rest), test))
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        known, value = _const(test.operand)
        if known:
            return ast.copy_location(ast.Constant(value=not value), test)
    return test


def _block(stmts: List[ast.stmt], empty_ok: bool = False) -> List[ast.stmt]:
    """``stmts`` without what follows a ``return`` (``raise``, ...); ``pass`` if nothing is left."""
    out: List[ast.stmt] = []
    for s in stmts:
        out.append(s)
        if isinstance(s, _EXITS):
            break
    if not out and not empty_ok:
        out = [ast.Pass()]
    if len(out) > 1:
        out = [s for s in out if not isinstance(s, ast.Pass)] or out[:1]
    return out


def _bindings(fdef: ast.AST) -> Dict[str, int]:
    """How many times each name is bound anywhere in ``fdef`` (parameters, targets, nested defs)."""
    count: Dict[str, int] = {}
    for n in ast.walk(fdef):
        names: List[str] = []
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            names = [n.id]
        elif isinstance(n, ast.arg):
            names = [n.arg]
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n is not fdef:
            names = [n.name]
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names = [(a.asname or a.name).split(".")[0] for a in n.names]
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            names = [f"{x}" for x in n.names] * 2  # never propagated
        for name in names:
            count[name] = count.get(name, 0) + 1
    return count


def _blocks(node: ast.AST) -> List[List[ast.stmt]]:
    return [b for n in ast.walk(node) for f in ("body", "orelse", "finalbody")
            for b in [getattr(n, f, None)] if isinstance(b, list) and b and isinstance(b[0], ast.stmt)]


def _propagated(fdef: ast.FunctionDef, constants: set) -> bool:
    """Replace the reads of a local bound once in ``fdef`` to a constant or to one of the module
    names ``constants`` (``xp = np``) by that value, in the statements after the binding in its
    block; drop the binding when nothing reads it any more.  Whether anything changed."""
    bound = _bindings(fdef)
    for block in _blocks(fdef):
        for i, s in enumerate(block):
            if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)):
                continue
            name, value = s.targets[0].id, s.value
            if bound.get(name) != 1 or not (isinstance(value, ast.Constant) or isinstance(value, ast.Name)
                                            and value.id in constants and value.id not in bound):
                continue
            changed = False
            for later in block[i + 1:]:
                for n in ast.walk(later):
                    for field, child in ast.iter_fields(n):
                        if _reads(child, name):
                            setattr(n, field, _located(copy.deepcopy(value), child))
                            changed = True
                        elif isinstance(child, list) and any(_reads(c, name) for c in child):
                            child[:] = [_located(copy.deepcopy(value), c) if _reads(c, name) else c for c in child]
                            changed = True
            if not any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(fdef) if n is not s.targets[0]):
                del block[i]
                if not block:
                    block.append(ast.Pass())
                changed = True
            if changed:
                return True
    return False


def _reads(node: Any, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)


def specialised(node: ast.stmt, table: Dict[str, str] = NUMPY_ONLY) -> ast.stmt:
    """A copy of the top-level definition ``node`` with the facts of ``table`` applied and folded."""
    facts = _facts(table)
    constants = {v.id for _, v in facts if isinstance(v, ast.Name)}
    folder = _Folder(facts)
    before = None
    while before != ast.dump(node):
        before = ast.dump(node)
        node = folder.visit(node)
        for f in ast.walk(node):
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                while _propagated(f, constants):
                    pass
    return node


def originals(node: ast.AST) -> Dict[int, Tuple[ast.AST, str, Optional[int], str]]:
    """What :func:`printed` compares with: each statement of ``node`` (kept alive, so that no new
    node gets its id) with its dump, the first line of its original body and the dump of its
    header (the statement without its blocks)."""
    out = {}
    for n in ast.walk(node):
        if isinstance(n, ast.stmt):
            body = getattr(n, "body", None)
            out[id(n)] = (n, ast.dump(n), body[0].lineno if body else None, _header(n))
    return out


def _header(s: ast.stmt) -> str:
    clone = copy.copy(s)
    for field in ("body", "orelse", "handlers", "finalbody"):
        if hasattr(clone, field):
            setattr(clone, field, [])
    return ast.dump(clone)


def printed(node: ast.stmt, before: Dict[int, Tuple[ast.AST, str, Optional[int], str]], text: str,
            first: int) -> str:
    """The source of the specialised definition ``node``; ``text``: the original source of the
    definition, whose first line is line ``first`` of its file; ``before``: :func:`originals`."""
    lines = text.splitlines()
    return "\n".join(_Printer(before, lines, first).statement(node, 0))


class _Printer:
    def __init__(self, before: Dict[int, Tuple[ast.AST, str, Optional[int], str]], lines: List[str],
                 first: int) -> None:
        self.before, self.lines, self.first = before, lines, first

    def _line(self, lineno: int) -> str:
        return self.lines[lineno - self.first]

    def _old(self, s: ast.stmt) -> Optional[Tuple[ast.AST, str, Optional[int], str]]:
        old = self.before.get(id(s))
        return old if old is not None and old[0] is s else None

    def _copied(self, start: int, end: int, col: int, indent: int) -> List[str]:
        out = []
        for k in range(start, end + 1):
            line = self._line(k)
            cut = min(col, len(line) - len(line.lstrip()))
            out.append(" " * indent + line[cut:] if line.strip() else "")
        return out

    def _comments_above(self, s: ast.stmt, indent: int) -> List[str]:
        k = min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])]) - 1
        out: List[str] = []
        while k >= self.first and self._line(k).strip().startswith("#"):
            out.insert(0, " " * indent + self._line(k).strip())
            k -= 1
        return out

    def block(self, stmts: List[ast.stmt], indent: int) -> List[str]:
        out: List[str] = []
        for s in stmts:
            out += self.statement(s, indent)
        return out

    def statement(self, s: ast.stmt, indent: int) -> List[str]:
        old = self._old(s)
        if old is None:  # a statement the folding made: printed from the tree
            return [(" " * indent + t) if t.strip() else "" for t in _unparse(s).splitlines()]
        out = self._comments_above(s, indent)
        top = min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])])
        elif_ = isinstance(s, ast.If) and self._line(s.lineno)[s.col_offset:].startswith("elif")
        if old[1] == ast.dump(s) and not elif_:
            return out + self._copied(top, s.end_lineno, s.col_offset, indent)
        if isinstance(s, ast.If):
            return out + self._if(s, indent, "if")
        if old[3] == _header(s) and not getattr(s, "orelse", None) and not getattr(s, "handlers", None) \
                and not getattr(s, "finalbody", None):
            return out + self._head(s, top, indent) + self.block(s.body, indent + 4)
        return out + [(" " * indent + t) if t.strip() else "" for t in _unparse(s).splitlines()]

    def _head(self, s: ast.stmt, top: int, indent: int) -> List[str]:
        """The original lines of ``s`` before its body (its header: ``def f(x):``, ``for ...:``)."""
        header = self._copied(top, self.before[id(s)][2] - 1, s.col_offset, indent)
        while header and header[-1].strip().startswith("#"):
            header.pop()
        return header

    def _if(self, s: ast.If, indent: int, keyword: str) -> List[str]:
        old = self._old(s)
        if old is not None and old[3] == _header(s):  # the test as written (its comments, its line breaks)
            out = self._head(s, s.lineno, indent)
            first = out[0].lstrip()
            out[0] = " " * indent + keyword + first[first.index(" "):]
        else:
            out = [" " * indent + f"{keyword} {_unparse(s.test)}:"]
        out += self.block(s.body, indent + 4)
        if len(s.orelse) == 1 and isinstance(s.orelse[0], ast.If):
            out += self._if(s.orelse[0], indent, "elif")
        elif s.orelse:
            out += [" " * indent + "else:"] + self.block(s.orelse, indent + 4)
        return out


def numpy_only(node: ast.stmt, text: str, first: int) -> Tuple[ast.stmt, str]:
    """``node`` (a top-level definition of a runtime module; ``text``, its source from line
    ``first``) specialised to NumPy-only files: the ``rewrite`` of ``runtime.helper_sources``."""
    before = originals(node)
    new = specialised(node)
    if ast.dump(new) == before[id(node)][1]:
        return node, text
    return new, printed(new, before, text, first)
