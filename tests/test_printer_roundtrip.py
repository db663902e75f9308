"""Printed text parses back to the tree it was printed from (tangent_lite.syntax.roundtrip_problem).

The compiler builds trees no parse produces (``Constant(-2.0)``: negations folded into numbers,
infinities, NaN, huge ints) and prints them; the printers must parenthesize by Python's precedence
rules for every such tree.  ``(-2.0) ** 2 * x`` printed as ``-2.0 ** 2 * x`` is ``-(2.0 ** 2) * x``:
a wrong derivative, silently.  Here: random expression and statement trees (hypothesis) through
both printers, explicit regressions end to end, the package's own sources and the generated
derivatives of the benchmark workloads, and the ``TANGENT_LITE_CHECK_PRINT`` switch.
"""

import glob
import math
import os
import subprocess
import sys

import gast
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tangent_lite as tl
from tangent_lite import api
from tangent_lite.backends import codegen
from tangent_lite.syntax import precedence, printing
from tangent_lite.syntax.build import _extra_fdef_fields
from tangent_lite.syntax.printer import _Printer, _Unprintable

S = sys.modules["tangent_lite.syntax"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def direct(node):
    return _Printer().text(node)


def statement_text(node):
    """The text of an expression as a statement (on its own it is printed in parentheses)."""
    return S.to_source(gast.Expr(value=node))


def check_both(node):
    """The tree roundtrips through astor, through the direct printer where it prints the node
    (then with the same text as astor) and through to_source."""
    problem = S.roundtrip_problem(node, S.astor_source)
    assert problem is None, problem
    try:
        text = direct(node)
    except _Unprintable:
        text = None
    if text is not None:
        assert text == S.astor_source(node), gast.dump(node)
        problem = S.roundtrip_problem(node, direct)
        assert problem is None, problem
    problem = S.roundtrip_problem(node)
    assert problem is None, problem
    return text is not None


# ---------------------------------------------------------------------------- trees


def C(value, kind=None):
    return gast.Constant(value=value, kind=kind)


def load(id_):
    return gast.Name(id=id_, ctx=gast.Load(), annotation=None, type_comment=None)


def store(id_):
    return gast.Name(id=id_, ctx=gast.Store(), annotation=None, type_comment=None)


def param(id_, annotation=None):
    return gast.Name(id=id_, ctx=gast.Param(), annotation=annotation, type_comment=None)


BINOPS = [gast.Add, gast.Sub, gast.Mult, gast.MatMult, gast.Div, gast.Mod, gast.Pow, gast.LShift, gast.RShift,
          gast.BitOr, gast.BitXor, gast.BitAnd, gast.FloorDiv]
UNARYOPS = [gast.Invert, gast.Not, gast.UAdd, gast.USub]
CMPOPS = [gast.Eq, gast.NotEq, gast.Lt, gast.LtE, gast.Gt, gast.GtE, gast.Is, gast.IsNot, gast.In, gast.NotIn]
NAMES = st.sampled_from(["a", "b", "x", "y", "np"]).map(load)
ATTRS = st.sampled_from(["real", "T", "hex", "shape"])

EDGE_INTS = [0, 1, -1, -2, 2 ** 64, -(2 ** 63)]
# ints of 401 and 5001 digits (made by a map: hypothesis cannot show an int of more than 4300 digits)
HUGE_INTS = st.sampled_from([(1, 400), (-1, 400), (1, 5000), (-1, 5000)]).map(lambda p: p[0] * 10 ** p[1])
EDGE_FLOATS = [0.0, -0.0, -1.0, -2.0, -0.5, 1e16, -1e-300, 5e-324, -5e-324, math.inf, -math.inf, math.nan,
               -math.nan, 1.7976931348623157e308]
EDGE_COMPLEX = [2j, -2j, complex(0, -0.0), complex(-1, 0), complex(1, -2), complex(-1.5, 2.5), complex(math.inf, 1),
                complex(0, -math.inf), complex(math.nan, 0), complex(0, math.nan), complex(1, math.nan),
                complex(-math.inf, -math.inf)]
INTS = st.one_of(st.integers(-10 ** 6, 10 ** 6), st.sampled_from(EDGE_INTS), HUGE_INTS)
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(EDGE_FLOATS))
COMPLEXES = st.one_of(st.complex_numbers(allow_nan=True, allow_infinity=True), st.sampled_from(EDGE_COMPLEX))
NUMBERS = st.one_of(INTS, FLOATS, COMPLEXES, st.booleans())
TEXT = st.text(st.sampled_from(list("ab'\"\\\n\t{}#: \x00é\u2028\U0001f600")), max_size=6)
OTHER = st.one_of(TEXT, st.binary(max_size=4), st.sampled_from([None, Ellipsis]))
CONSTANTS = st.one_of(NUMBERS, NUMBERS, OTHER).map(C)
LEAVES = st.one_of(CONSTANTS, CONSTANTS, NAMES)
# f-string fields: no strings (before Python 3.12 a field cannot hold a backslash; tested apart)
FIELD_LEAVES = st.one_of(NUMBERS.map(C), NAMES)
SPECS = st.text(st.sampled_from(list(">.3f10+ x\n")), max_size=4)


def lists(children, lo=0, hi=3):
    return st.lists(children, min_size=lo, max_size=hi)


def starred(children):
    return children.map(lambda v: gast.Starred(value=v, ctx=gast.Load()))


def arguments(children, annotated=False):
    """Parameters a, b, *c, d=..., **e in random subsets (positional-only ones go to astor)."""
    def build(flags, defaults, kw_default, ann):
        names = [n for n, f in zip(["p", "q", "r"], flags[:3]) if f]
        posonly = [param(n) for n in names[:1]] if flags[3] and names else []
        args = [param(n, ann if annotated else None) for n in names[len(posonly):]]
        count = min(len(defaults), len(posonly) + len(args))
        return gast.arguments(
            posonlyargs=posonly, args=args, defaults=defaults[:count],
            vararg=param("c") if flags[4] else None,
            kwonlyargs=[param("d")] if flags[5] else [], kw_defaults=[kw_default] if flags[5] else [],
            kwarg=param("e") if flags[6] else None)
    return st.builds(build, st.lists(st.booleans(), min_size=7, max_size=7), lists(children, 0, 2),
                     st.one_of(st.none(), children), children)


def joined_str(fields):
    def build(parts):
        values = []
        for kind, text, value, conversion, spec in parts:
            if kind:
                values.append(C(text))
            else:
                spec_node = None
                if spec is not None:
                    spec_node = gast.JoinedStr(values=[C(spec)] if spec else [
                        gast.FormattedValue(value=value, conversion=-1, format_spec=None)])
                values.append(gast.FormattedValue(value=value, conversion=conversion, format_spec=spec_node))
        return gast.JoinedStr(values=values)
    part = st.tuples(st.booleans(), TEXT, fields, st.sampled_from([-1, ord("r"), ord("s"), ord("a")]),
                     st.one_of(st.none(), SPECS))
    return lists(part, 0, 3).map(build)


def subscript_slice(children):
    slice_ = st.builds(lambda lo, up, step: gast.Slice(lower=lo, upper=up, step=step),
                       st.one_of(st.none(), children), st.one_of(st.none(), children), st.one_of(st.none(), children))
    items = st.one_of(children, slice_)
    return st.one_of(
        children, slice_,
        lists(items, 0, 3).map(lambda e: gast.Tuple(elts=e, ctx=gast.Load())),
        st.tuples(starred(children), lists(children, 0, 2)).map(
            lambda p: gast.Tuple(elts=[p[0], *p[1]], ctx=gast.Load())))


def comprehension(children):
    return st.builds(lambda t, it, ifs: gast.comprehension(target=t, iter=it, ifs=ifs, is_async=0),
                     st.sampled_from(["i", "j"]).map(store), children, lists(children, 0, 1))


def extend(children):
    return st.deferred(lambda: extended(children))  # deferred: see EXPRESSIONS


def extended(children):
    items = st.one_of(children, children, starred(children))
    keywords = st.lists(st.tuples(st.sampled_from(["k", "m", None]), children), max_size=2,
                        unique_by=lambda kv: kv[0] or object()).map(
        lambda kvs: [gast.keyword(arg=k, value=v) for k, v in kvs])
    return st.one_of(
        st.builds(lambda le, op, r: gast.BinOp(left=le, op=op(), right=r), children, st.sampled_from(BINOPS), children),
        st.builds(lambda op, v: gast.UnaryOp(op=op(), operand=v), st.sampled_from(UNARYOPS), children),
        st.builds(lambda op, vs: gast.BoolOp(op=op(), values=vs), st.sampled_from([gast.And, gast.Or]),
                  lists(children, 2, 3)),
        st.builds(lambda left, pairs: gast.Compare(left=left, ops=[op() for op, _ in pairs],
                                                   comparators=[c for _, c in pairs]),
                  children, lists(st.tuples(st.sampled_from(CMPOPS), children), 1, 3)),
        st.builds(lambda b, t, o: gast.IfExp(test=t, body=b, orelse=o), children, children, children),
        st.builds(lambda a, b: gast.Lambda(args=a, body=b), arguments(children), children),
        st.builds(lambda v, a: gast.Attribute(value=v, attr=a, ctx=gast.Load()), children, ATTRS),
        st.builds(lambda f, a, k: gast.Call(func=f, args=a, keywords=k), children, lists(items), keywords),
        st.builds(lambda v, s: gast.Subscript(value=v, slice=s, ctx=gast.Load()), children, subscript_slice(children)),
        lists(items).map(lambda e: gast.Tuple(elts=e, ctx=gast.Load())),
        lists(items).map(lambda e: gast.List(elts=e, ctx=gast.Load())),
        lists(items).map(lambda e: gast.Set(elts=e)),
        lists(st.tuples(st.one_of(st.none(), children), children)).map(
            lambda kv: gast.Dict(keys=[k for k, _ in kv], values=[v for _, v in kv])),
        st.builds(lambda t, v: gast.NamedExpr(target=t, value=v), st.sampled_from(["w", "z"]).map(store), children),
        children.map(lambda v: gast.Await(value=v)),
        st.one_of(st.none(), children).map(lambda v: gast.Yield(value=v)),
        children.map(lambda v: gast.YieldFrom(value=v)),
        joined_str(FIELDS),
        st.builds(lambda e, g: gast.ListComp(elt=e, generators=[g]), children, comprehension(children)),
        st.builds(lambda e, g: gast.GeneratorExp(elt=e, generators=[g]), children, comprehension(children)),
    )


def extend_fields(children):
    """Expressions for f-string fields: operators, lambdas, containers (no strings inside)."""
    return st.one_of(
        st.builds(lambda le, op, r: gast.BinOp(left=le, op=op(), right=r), children, st.sampled_from(BINOPS), children),
        st.builds(lambda op, v: gast.UnaryOp(op=op(), operand=v), st.sampled_from(UNARYOPS), children),
        st.builds(lambda b, t, o: gast.IfExp(test=t, body=b, orelse=o), children, children, children),
        children.map(lambda b: gast.Lambda(args=gast.arguments(
            posonlyargs=[], args=[], defaults=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None), body=b)),
        lists(children, 0, 2).map(lambda e: gast.Tuple(elts=e, ctx=gast.Load())),
        lists(children, 0, 2).map(lambda e: gast.Set(elts=e)),
        lists(children, 1, 2).map(lambda e: gast.Dict(keys=e, values=e)),
        st.builds(lambda t, v: gast.NamedExpr(target=t, value=v), st.just("w").map(store), children),
        st.builds(lambda v: gast.Subscript(value=load("x"), slice=gast.Slice(lower=v, upper=None, step=None),
                                           ctx=gast.Load()), children),
    )


# deferred: a strategy's repr (which hypothesis builds) would otherwise hold every level of the recursion
FIELDS = st.deferred(lambda: st.recursive(FIELD_LEAVES, extend_fields, max_leaves=3))
EXPRESSIONS = st.deferred(lambda: st.recursive(LEAVES, extend, max_leaves=10))


# targets of assignments, for loops, with, del
def target(children, star=True):
    def attribute(v, a):
        return gast.Attribute(value=v, attr=a, ctx=gast.Store())

    def subscript(v, s):
        return gast.Subscript(value=v, slice=s, ctx=gast.Store())

    single = st.one_of(st.sampled_from(["t", "u"]).map(store), st.builds(attribute, children, ATTRS),
                       st.builds(subscript, children, subscript_slice(children)))

    def sequence(kind, elts, star):
        elts = list(elts)
        if star is not None and elts:
            elts[star % len(elts)] = gast.Starred(value=store("s"), ctx=gast.Store())
        return kind(elts=elts, ctx=gast.Store())

    stars = st.one_of(st.none(), st.integers(0, 2)) if star else st.none()
    return st.one_of(single, single, st.builds(sequence, st.sampled_from([gast.Tuple, gast.List]),
                                               lists(single, 1, 3), stars))


def body(statements):
    """1-3 statements, with comment lines among them (sometimes only comments: printed with a pass)."""
    comment = TEXT.map(lambda t: S.comment_line("file.py:1: " + t))
    return st.one_of(lists(statements, 1, 3), lists(st.one_of(statements, comment), 1, 3), lists(comment, 1, 2))


def extend_statements(children):
    return st.deferred(lambda: extended_statements(children))  # deferred: see EXPRESSIONS


def extended_statements(children):
    e = EXPRESSIONS
    blocks = body(children)
    handler = st.builds(lambda t, n, b: gast.ExceptHandler(type=t, name=store(n) if n and t else None, body=b),
                        st.one_of(st.none(), e), st.sampled_from([None, "err"]), blocks)

    def try_(b, handlers, orelse, final):
        if not handlers:
            orelse = []
            final = final or [gast.Pass()]
        return gast.Try(body=b, handlers=handlers, orelse=orelse, finalbody=final)

    return st.one_of(
        st.builds(lambda t, b, o: gast.If(test=t, body=b, orelse=o), e, blocks, st.one_of(st.just([]), blocks)),
        st.builds(lambda t, b, o: gast.While(test=t, body=b, orelse=o), e, blocks, st.one_of(st.just([]), blocks)),
        st.builds(lambda t, i, b, o: gast.For(target=t, iter=i, body=b, orelse=o, type_comment=None),
                  target(e), e, blocks, st.one_of(st.just([]), blocks)),
        st.builds(lambda items, b: gast.With(items=items, body=b, type_comment=None),
                  lists(st.builds(lambda c, v: gast.withitem(context_expr=c, optional_vars=v), e,
                                  st.one_of(st.none(), target(e))), 1, 2), blocks),
        st.builds(try_, blocks, lists(handler, 0, 2), st.one_of(st.just([]), blocks), st.one_of(st.just([]), blocks)),
        st.builds(lambda a, b, d, r, asyn: (gast.AsyncFunctionDef if asyn else gast.FunctionDef)(
            name="g", args=a, body=b, decorator_list=d, returns=r, type_comment=None, **_extra_fdef_fields()),
            arguments(e, annotated=True), blocks, lists(e, 0, 1), st.one_of(st.none(), e), st.booleans()),
    )


SIMPLE_STATEMENTS = st.deferred(lambda: st.one_of(
    st.builds(lambda ts, v: gast.Assign(targets=ts, value=v, type_comment=None), lists(target(EXPRESSIONS), 1, 2),
              EXPRESSIONS),
    st.builds(lambda t, op, v: gast.AugAssign(target=t, op=op(), value=v),
              st.sampled_from(["t", "u"]).map(store), st.sampled_from(BINOPS), EXPRESSIONS),
    EXPRESSIONS.filter(lambda v: not isinstance(v, gast.Starred)).map(lambda v: gast.Expr(value=v)),
    st.one_of(st.none(), EXPRESSIONS).map(lambda v: gast.Return(value=v)),
    lists(target(EXPRESSIONS, star=False), 1, 2).map(lambda ts: gast.Delete(targets=ts)),
    st.builds(lambda t, m: gast.Assert(test=t, msg=m), EXPRESSIONS, st.one_of(st.none(), EXPRESSIONS)),
    st.builds(lambda x, c: gast.Raise(exc=x, cause=c if x is not None else None),
              st.one_of(st.none(), EXPRESSIONS), st.one_of(st.none(), EXPRESSIONS)),
    st.sampled_from([gast.Pass, gast.Break, gast.Continue]).map(lambda k: k()),
    st.just(gast.Global(names=["g", "h"])),
))
STATEMENTS = st.deferred(lambda: st.recursive(SIMPLE_STATEMENTS, extend_statements, max_leaves=6))


# hypothesis shows the strategy when a draw outgrows max_leaves: a long text, not a problem
quiet = pytest.mark.filterwarnings("ignore:Generating overly large repr")


@quiet
@settings(max_examples=600, **SETTINGS)
@given(EXPRESSIONS)
def test_random_expressions_roundtrip_through_both_printers(tree):
    check_both(tree)


@quiet
@settings(max_examples=250, **SETTINGS)
@given(STATEMENTS)
def test_random_statements_roundtrip_through_both_printers(tree):
    check_both(tree)
    check_both(gast.Module(body=[tree], type_ignores=[]))


OPERANDS = [C(v) for v in [-2.0, -2, -1, -0.0, -1.5, -math.inf, -math.nan, math.nan, -2j, complex(0, -0.0),
                           -(10 ** 5000), complex(-1, 2), 1e1000]]


@pytest.mark.parametrize("operand", OPERANDS, ids=lambda c: precedence._number(c.value)[:20])
def test_negative_constants_in_every_position(operand):
    """A number printed with a minus sign binds as a unary minus: as the base of a power, the
    receiver of an attribute or call, a subscripted value, the operand of a unary operator."""
    def u(op, v):
        return gast.UnaryOp(op=op(), operand=v)

    def b(left, op, right):
        return gast.BinOp(left=left, op=op(), right=right)

    x = load("x")
    forms = [
        b(operand, gast.Pow, C(2)), b(b(operand, gast.Pow, C(2)), gast.Mult, x), b(x, gast.Pow, operand),
        b(x, gast.Pow, b(operand, gast.Pow, x)), b(b(x, gast.Pow, operand), gast.Pow, x),
        gast.Attribute(value=operand, attr="real", ctx=gast.Load()),
        gast.Call(func=gast.Attribute(value=operand, attr="hex", ctx=gast.Load()), args=[], keywords=[]),
        gast.Subscript(value=operand, slice=C(0), ctx=gast.Load()), gast.Call(func=operand, args=[], keywords=[]),
        u(gast.USub, operand), u(gast.Invert, operand), u(gast.Not, operand), u(gast.UAdd, operand),
        u(gast.USub, b(operand, gast.Pow, C(2))), gast.Await(value=operand), b(operand, gast.Mult, x),
        b(x, gast.Sub, operand), gast.Subscript(value=x, slice=gast.Slice(lower=operand, upper=operand, step=operand),
                                                ctx=gast.Load()),
    ]
    for form in forms:
        check_both(form)
        check_both(gast.Assign(targets=[store("y")], value=form, type_comment=None))


def test_numbers_evaluate_to_themselves_without_names():
    """inf, -inf, NaN (either sign), -0.0, huge ints: the text evaluates to the number in a module
    with no globals and no builtins, also as the base of a power."""
    empty = {"__builtins__": {}}
    for value in [math.inf, -math.inf, math.nan, -math.nan, -0.0, 0.0, -2.0, 10 ** 5000, -(10 ** 5000), -7,
                  complex(1, -2), -2j, complex(math.inf, -1)]:
        text = S.to_source(C(value))
        got = eval(text, empty)
        assert type(got) is type(value), text
        if isinstance(value, float):
            assert (math.isnan(got) and math.isnan(value)) or got == value, text
            assert math.copysign(1, got) == math.copysign(1, value), text
        else:
            assert got == value or (got != got and value != value)
        if not isinstance(value, complex) and abs(value) < 1e300:
            square = S.to_source(gast.BinOp(left=C(value), op=gast.Pow(), right=C(2)))
            assert eval(square, empty) == value ** 2, square
    assert statement_text(C(10 ** 5000)).startswith("0x")  # decimal text of more than 4300 digits is refused


def test_printed_forms():
    """The texts themselves (byte-identical for the direct printer and astor)."""
    cases = {
        "(-2.0) ** 2 * x": gast.BinOp(left=gast.BinOp(left=C(-2.0), op=gast.Pow(), right=C(2)), op=gast.Mult(),
                                      right=load("x")),
        "x ** -2": gast.BinOp(left=load("x"), op=gast.Pow(), right=C(-2)),
        "(-1).real": gast.Attribute(value=C(-1), attr="real", ctx=gast.Load()),
        "(-1.5).hex()": gast.Call(func=gast.Attribute(value=C(-1.5), attr="hex", ctx=gast.Load()), args=[],
                                  keywords=[]),
        "--2": gast.UnaryOp(op=gast.USub(), operand=C(-2)),
        "~-1": gast.UnaryOp(op=gast.Invert(), operand=C(-1)),
        "(-1e1000) ** 2": gast.BinOp(left=C(-math.inf), op=gast.Pow(), right=C(2)),
        "(-0.0) ** 2": gast.BinOp(left=C(-0.0), op=gast.Pow(), right=C(2)),
        "(-2.0j) ** 2": gast.BinOp(left=C(-2j), op=gast.Pow(), right=C(2)),
        "x[(a, b):c]": S.parse_expr("x[(a, b):c]"),
        "{**(a or b)}": S.parse_expr("{**(a or b)}"),
        "x[(*a, b)]": gast.Subscript(value=load("x"), slice=gast.Tuple(elts=[
            gast.Starred(value=load("a"), ctx=gast.Load()), load("b")], ctx=gast.Load()), ctx=gast.Load()),
    }
    for text, node in cases.items():
        assert statement_text(node) == text
        assert S.astor_source(gast.Expr(value=node)) == text
    assert S.to_source(S.parse_stmts("if (a, b):\n    pass")[0]) == "if (a, b):\n    pass"
    assert S.to_source(S.parse_stmts("while (a, b):\n    pass")[0]) == "while (a, b):\n    pass"


def test_fstrings():
    for code in ["f'{(lambda: 1)()}'", "f'{ {1: 2} }'", "f'{(lambda: 1)}'", "f'{a, b}'", "f\"{d['k']}\"",
                 "f'{x!r:>{w}} {{x}} {y!s}'", "f'a\\nb{x:\\n}'", "f'{x}' \"'\"", "f'{(yield)}'",
                 "f'''{\"a\" + 'b'}'''", "f'{x:{y}.{z}}'", "f'{-2 ** 2}{(-2) ** 2}'", "f'{ {*a} }'"]:
        tree = gast.parse(code)
        check_both(tree)
        value = tree.body[0].value
        assert S.roundtrip_problem(value) is None
    # built: a field holding a negative constant as the base of a power
    node = gast.JoinedStr(values=[gast.FormattedValue(value=gast.BinOp(left=C(-2.0), op=gast.Pow(), right=C(2)),
                                                      conversion=-1, format_spec=None)])
    assert statement_text(node) == "f'{(-2.0) ** 2}'"
    if sys.version_info < (3, 12):  # a field that needs a backslash: no f-string before Python 3.12
        node = gast.JoinedStr(values=[gast.FormattedValue(value=C("\n"), conversion=-1, format_spec=None)])
        assert "backslash" in S.roundtrip_problem(node)


def test_comments_escape_line_breaks_and_blocks_get_a_statement():
    fdef = S.parse_stmts("def f(x):\n    if x:\n        pass\n    return x")[0]
    fdef.body[0].body = [S.comment_line("a\nb = 1\r\x00")]  # the if's block: only a comment
    for text in (S.to_source(fdef), S.astor_source(fdef)):
        assert text == "def f(x):\n    if x:\n        # a\\nb = 1\\r\\x00\n        pass\n    return x"
    check_both(fdef)
    empty = gast.While(test=load("x"), body=[], orelse=[])
    assert S.to_source(empty) == S.astor_source(empty) == "while x:\n    pass"


def test_roundtrip_problem_describes_the_difference():
    tree = gast.BinOp(left=gast.BinOp(left=C(-2.0), op=gast.Pow(), right=C(2)), op=gast.Mult(), right=load("x"))
    assert S.roundtrip_problem(tree) is None
    old = S.roundtrip_problem(tree, printer=lambda node: "-2.0 ** 2 * x")  # what the printer wrote before
    assert old is not None and "BinOp.left" in old and "-2.0 ** 2 * x" in old
    assert "does not parse" in S.roundtrip_problem(tree, printer=lambda node: "(-2.0 **")
    assert "failed" in S.roundtrip_problem(C(np.float64(0.5)), printer=lambda node: 1 / 0)
    # representations that stand for the same value are alike
    assert S.roundtrip_problem(C(-2.0), printer=lambda node: "-2.0") is None
    assert S.roundtrip_problem(C(-0.0), printer=lambda node: "0.0") is not None  # the sign of zero counts
    assert S.roundtrip_problem(gast.Set(elts=[])) is None
    assert S.roundtrip_problem(C((1, -2.0))) is None
    assert S.roundtrip_problem(C(np.float64(0.5))) is not None  # printed as a call of np.float64
    # nodes that are no statement or expression on their own are not checked
    assert S.roundtrip_problem(gast.keyword(arg="a", value=C(1))) is None


def test_check_print_switch(monkeypatch):
    monkeypatch.setattr(printing, "CHECK_PRINT", True)
    assert statement_text(gast.BinOp(left=C(-2.0), op=gast.Pow(), right=C(2))) == "(-2.0) ** 2"
    with pytest.raises(AssertionError, match="np.float64"):
        S.to_source(gast.Assign(targets=[store("y")], value=C(np.float64(0.5)), type_comment=None))
    monkeypatch.setattr(printing, "CHECK_PRINT", False)
    assert statement_text(C(np.float64(0.5))) == repr(np.float64(0.5))
    code = "import sys, tangent_lite; print(sys.modules['tangent_lite.syntax.printing'].CHECK_PRINT)"
    for value, expected in [("1", "True"), ("0", "False"), ("", "False")]:
        env = dict(os.environ, TANGENT_LITE_CHECK_PRINT=value, PYTHONPATH=ROOT)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


# ---------------------------------------------------------------------------- end to end


def neg_square(x):
    return (-2.0) ** 2 * x


def int_cube(x):
    return (-2) ** 3 * x


def half_square(x):
    return (-0.5) ** 2.0 * x


def times_square(x):
    return x * (-3.0) ** 2


def alternating(x):
    s = 0.0
    for n in range(7):
        s = s + (-1.0) ** n * x ** n
    return s


@pytest.mark.parametrize("fn, slope", [(neg_square, 4.0), (int_cube, -8.0), (half_square, 0.25),
                                       (times_square, 9.0)])
def test_negative_bases_end_to_end(monkeypatch, fn, slope):
    monkeypatch.setattr(printing, "CHECK_PRINT", True)  # every text the compiler prints is checked
    for x in (1.0, -0.7):
        value, grad = tl.value_and_grad(fn)(x)
        assert value == pytest.approx(fn(x)) and value == pytest.approx(slope * x)
        assert grad == pytest.approx(slope)
        out, tangent = tl.jvp(fn, (x,), (1.0,))
        assert out == pytest.approx(slope * x) and tangent == pytest.approx(slope)


def test_alternating_series_end_to_end(monkeypatch):
    monkeypatch.setattr(printing, "CHECK_PRINT", True)
    for x in (0.3, -0.8, 1.7):
        value, grad = tl.value_and_grad(alternating)(x)
        assert value == pytest.approx(alternating(x))
        assert grad == pytest.approx(sum(n * (-1.0) ** n * x ** (n - 1) for n in range(1, 7)))
        out, tangent = tl.jvp(alternating, (x,), (1.0,))
        assert out == pytest.approx(alternating(x)) and tangent == pytest.approx(grad)
    assert "-2.0 ** 2" not in tl.source(neg_square)


# ---------------------------------------------------------------------------- real code


def test_every_statement_of_the_package_sources():
    """Each module whole (every statement in its place; the direct printer leaves modules with a
    docstring to astor), and each statement of a module, class or function body on its own (deeper
    ones are in their parent's text)."""
    files = sorted(glob.glob(os.path.join(ROOT, "tangent_lite", "**", "*.py"), recursive=True))
    assert files
    checked = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            tree = gast.parse(f.read())
        problem = S.roundtrip_problem(tree)
        assert problem is None, (path, problem)
        todo = list(tree.body)
        for node in todo:
            if isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
                todo.extend(node.body)
            problem = S.roundtrip_problem(node)
            assert problem is None, (path, problem)
            checked += 1
    assert checked > 3000


@pytest.mark.parametrize("options", [("fused",), ()])
def test_generated_derivatives_roundtrip(options):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        import workloads
    finally:
        sys.path.remove(os.path.join(ROOT, "benchmarks"))
    for w in workloads.WORKLOADS:
        args = w.make_args(np.random.default_rng(0))
        names, _ = api.resolve_wrt(w.fn, w.wrt)
        _, d, _, _ = api.derive(w.fn, "vjp", list(names), api._spec(api.bind_args(w.fn, args, {})), options)
        for fdef in d.functions:
            annotated = codegen._with_line_comments(fdef, d.w.src)
            for node in (fdef, annotated):
                for printer in (None, S.astor_source, direct):
                    problem = S.roundtrip_problem(node, printer)
                    assert problem is None, (w.fn.__name__, problem)
