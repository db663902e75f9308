"""Rule functions as templates: parsed once, inlined hygienically.

A rule is an ordinary Python function::

    def multiply_vjp_x(g, ans, x, y):
        return _tl.unbroadcast(g * y, x)

Inlining it at ``z = a * b`` with ``g`` bound to ``z_bar`` gives the expression
``_tl.unbroadcast(z_bar * b, a)``: parameters become the call site's atoms, locals
become fresh temporaries, and the module names a rule may use (``np``, ``math``,
``_tl``) become the aliases of the generated module.  A user's rule may also name any
module its own module imported (``scipy.linalg``, ``import helpers``): the generated
module imports it by its name, so it must be importable by that name.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
import textwrap
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, MutableMapping, Optional, Tuple

from .. import syntax as S
from ..errors import RuleError
from ..syntax import gast
from ..syntax.annotations import _ATTR as _ANNO_ATTR
from ..syntax.naming import Namer

# Module names a rule body may refer to; the generated module binds each of them.
TEMPLATE_MODULES = ("np", "math", "_tl")


@dataclass
class Template:
    """A parsed rule function."""

    fn: Callable
    params: List[str]
    body: List[Any]  # statements; the last one is ``return <expr>``
    text: str
    signature: inspect.Signature  # of ``fn`` (inlining reads the defaults)
    assigned: Tuple[str, ...]  # the body's locals, sorted (inlining renames them)
    modules: Dict[str, types.ModuleType] = field(default_factory=dict)  # other modules the body names

    @property
    def is_expression(self) -> bool:
        return len(self.body) == 1


def parse_template(fn: Callable) -> Template:
    """Parse a rule function; check it only uses its parameters, locals and rule modules."""
    try:  # a rule made from a table (rules/scipy_stats.py) carries its source text
        text = getattr(fn, "__tl_source__", None) or textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as exc:
        raise RuleError(f"rule {fn!r} has no readable source: {exc}") from None
    fdef = gast.parse(text).body[0]
    if isinstance(fdef, gast.Expr) or not isinstance(fdef, gast.FunctionDef):
        raise RuleError(f"rule {fn!r} must be a def")
    fdef.decorator_list = []
    body = [s for s in fdef.body if not _is_docstring(s)]
    if not body or not isinstance(body[-1], gast.Return) or body[-1].value is None:
        raise RuleError(f"rule '{fn.__name__}' must end with 'return <expression>'")
    params = [a.id for a in fdef.args.args] + [a.id for a in fdef.args.kwonlyargs]
    assigned = _assigned_names(body)
    modules: Dict[str, types.ModuleType] = {}
    for node in S.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            n = node.id
            if n in params or n in assigned or n in TEMPLATE_MODULES or hasattr(builtins, n):
                continue
            module = _importable_module(fn, n)
            if module is not None:
                modules[n] = module
                continue
            raise RuleError(
                f"rule '{fn.__name__}' refers to '{n}'; rule bodies may use only their "
                f"parameters, locals, builtins, the modules {', '.join(TEMPLATE_MODULES)} and modules the "
                "rule's own module imported",
                hint=f"put '{n}' in a module of its own (my_helpers.py), import that module where the rule is "
                     f"defined and call it as my_helpers.{n}(...) in the rule",
            )
        if isinstance(node, (gast.Return,)) and node is not body[-1]:
            raise RuleError(f"rule '{fn.__name__}' may only return at its end")
    return Template(fn, params, body, text, inspect.signature(fn), tuple(sorted(assigned)), modules)


def _importable_module(fn: Callable, name: str) -> Optional[types.ModuleType]:
    """The module global ``name`` of the rule ``fn`` names, when generated code can import it by
    its name (``import scipy.linalg as name``); None for anything else.  A module that cannot be
    imported by its name (``__main__``, one made at run time) is refused: generated code loaded
    from the disk cache in another process could not bind it."""
    module = getattr(fn, "__globals__", {}).get(name)
    if not isinstance(module, types.ModuleType):
        return None
    if module.__name__ == "__main__" or sys.modules.get(module.__name__) is not module:
        raise RuleError(f"rule '{fn.__name__}' refers to the module '{name}' ({module.__name__}), which cannot be "
                        "imported by its name in generated code",
                        hint="import the module from a file on the path (import my_helpers) and refer to it by that "
                             "name in the rule")
    return module


def _is_docstring(stmt: Any) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant) and isinstance(
        stmt.value.value, str
    )


def _assigned_names(body: List[Any]) -> set:
    out = set()
    for node in S.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            out.add(node.id)
    return out


def _instantiate(node: Any, bindings: Mapping[str, Any], renames: Mapping[str, str]) -> Any:
    """A copy of template code ``node`` in which the parameters read become copies of their
    atoms and the other names in ``renames`` are renamed.  One pass that copies and substitutes
    (the inserted atoms are copied from ``bindings``, so they are never renamed); annotations
    are copied as :func:`source.deepcopy` copies them."""
    cls = node.__class__
    if cls is list:
        return [_instantiate(item, bindings, renames) for item in node]
    if cls is gast.Name and node.id in bindings and isinstance(node.ctx, gast.Load):
        return S.deepcopy(bindings[node.id])
    if cls in S._CONTEXT_TYPES or not isinstance(node, ast.AST):
        return S.deepcopy(node)
    new = cls.__new__(cls)
    fields = new.__dict__
    children = cls._fields
    leaves, markers = S._LEAF_TYPES, S._CONTEXT_TYPES
    for key, value in node.__dict__.items():
        vcls = value.__class__
        if vcls in leaves or vcls in markers:  # names, numbers, line numbers; Load/Store shared
            fields[key] = value
        elif key in children:
            fields[key] = _instantiate(value, bindings, renames)
        elif key == _ANNO_ATTR:
            fields[key] = {k: S.deepcopy(v) if isinstance(v, (ast.AST, list)) else v for k, v in value.items()}
        else:
            fields[key] = S.deepcopy(value)
    if cls is gast.Name and new.id in renames:
        new.id = renames[new.id]
    if cls is gast.Compare or cls is gast.IfExp:
        return _folded(new)
    return new


_SINGLETONS = (None, True, False, Ellipsis)


def _folded(node: Any) -> Any:
    """``-1 is None`` (a default or a literal argument substituted into ``axis is None``) as the
    constant it is, and ``a if False else b`` as ``b``: the generated code never compares a literal
    by identity (Python warns), and keeps only the branch that runs."""
    if node.__class__ is gast.IfExp:
        test = node.test
        return (node.body if test.value else node.orelse) if test.__class__ is gast.Constant else node
    if len(node.ops) != 1:
        return node
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if isinstance(op, (gast.Is, gast.IsNot)) and left.__class__ is gast.Constant and right.__class__ is gast.Constant \
            and (any(left.value is v for v in _SINGLETONS) or any(right.value is v for v in _SINGLETONS)):
        same = left.value is right.value
        return S.const(same if isinstance(op, gast.Is) else not same)
    return node


def inline(
    template: Template,
    bindings: Mapping[str, Any],
    namer: Namer,
    aliases: Mapping[str, str],
    env: Optional[MutableMapping[str, Any]] = None,
) -> Tuple[List[Any], Any]:
    """Instantiate ``template``: returns (statements, result expression).

    ``bindings`` maps parameter names to atoms (Name or Constant nodes); parameters
    without a binding keep their default value from the rule's signature.  The other modules
    the rule names are bound in ``env`` (the generated module's globals, which imports them).
    """
    sig = template.signature
    full: Dict[str, Any] = {}
    for p in sig.parameters.values():
        if p.name in bindings:
            full[p.name] = bindings[p.name]
        elif p.default is not inspect.Parameter.empty:
            full[p.name] = S.const(p.default) if _is_literal(p.default) else _literal_error(template, p)
        else:
            raise RuleError(f"rule '{template.fn.__name__}' needs argument '{p.name}'")
    renames: Dict[str, str] = {m: aliases.get(m, m) for m in TEMPLATE_MODULES}
    for name, module in template.modules.items():
        renames[name] = _module_alias(name, module, namer, env, template)
    for local in template.assigned:
        renames[local] = namer.temp()
    body = [_instantiate(s, full, renames) for s in template.body]
    return body[:-1], body[-1].value


def _module_alias(name: str, module: types.ModuleType, namer: Namer, env: Optional[MutableMapping[str, Any]],
                  template: Template) -> str:
    """The name generated code reads ``module`` by: one it already binds, else a fresh one."""
    if env is None:
        raise RuleError(f"rule '{template.fn.__name__}' names the module '{name}', which cannot be bound here")
    bound = sorted(k for k, v in env.items() if v is module)
    if bound:
        return name if name in bound else bound[0]
    alias = namer.fresh(name if name not in env else "_" + name)
    env[alias] = module
    return alias


def _is_literal(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_is_literal(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


def _literal_error(template: Template, p: inspect.Parameter) -> Any:
    raise RuleError(f"rule '{template.fn.__name__}': default of '{p.name}' must be a literal")
