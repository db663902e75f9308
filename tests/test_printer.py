"""The direct printer (tangent_lite.syntax.printer._Printer) prints exactly what astor prints.

Generated modules must be byte-identical whichever path printed them, so every node the
direct printer accepts is compared with the reference path (gast -> ast -> astor, with the
corrections of source._AstorGenerator): tricky hand-written forms, hand-built nodes that no
parse produces (negative constants as the base of a power, the receiver of an attribute, the
operand of a unary operator...; infinities, NaN, -0.0, huge ints, comments), every statement
and expression of tangent_lite's own sources, and the generated derivatives of the benchmark
workloads.  That the texts parse back to their trees: tests/test_printer_roundtrip.py.
"""

import glob
import math
import os
import sys

import gast
import numpy as np
import pytest

import tangent_lite  # noqa: F401  (source below is the module, not tl.source)
from tangent_lite import api
from tangent_lite.syntax import precedence, printer

S = sys.modules["tangent_lite.syntax"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TRICKY = """
def f(a, b=1, *args, c, d=-2.5, **kw) ->int:
    x = a + b * c - (a - b) - a - (b + c)
    y = (a + b) * c / (d // 2) % 3 @ m
    z = a ** b ** c, (a ** b) ** c, -a ** 2, (-a) ** 2, a ** -b
    x[1:2, ::3], x[:, None], x[a:b:c], x[::None], x[(1, 2)], x[()], x[1,]
    w = not a and b or c and not (d or e)
    v = a < b <= c != d is not e in f not in g
    u = a if b else c if d else e
    t = (a if b else c) if d else (lambda p, *q, r=1: p + r)
    s = f(*a, **b), f(a, *b, c=d, **e), f((a, b)), f(a for a in b), f(x=(1, 2))
    r = {a: b, **c, 1: 2}, [a, *b], {a, b}, (), (a,), [], {}
    q = ~a, +a, -a, -(-a), not not a, (a.b).c, (1).real, (1.5).hex(), a[b][c].d(e)(f)
    p = 'text', b'bytes', u'unicode', ..., None, True, False, 1j, 1 + 2j, 10 ** 400
    a += 1
    a -= b * c
    a **= 2
    a @= m
    a, b = b, a
    [a, b] = c
    (a, *b), c = d
    del a, b[0], c.d
    global g
    assert a, 'message'
    raise ValueError('x') from e
    raise
    for i in range(3):
        if i:
            continue
        elif i > 2:
            break
        else:
            pass
    else:
        pass
    while a < b:
        a = a + 1
    else:
        b = 0
    try:
        a = 1
    except (ValueError, TypeError) as e:
        a = 2
    except Exception:
        a = 3
    else:
        a = 4
    finally:
        a = 5
    with open(a) as f, (b if c else d) as (e, g):
        pass
    x = yield
    x = yield a, b
    y = yield from a
    z = (yield) + 1, f((yield a)), -(yield)
    x = x[(a, b):c, (1, 2)], x[(*a, b)], x[a:(b, c):], {**(a or b), **c, **d.e}, {**{}}
    if (a, b):
        pass
    elif (c, *d):
        pass
    while (a, b):
        pass
    x = (-2) ** 2, (-2.0) ** -2, -2 ** 2, 2 ** -(-2), (-1).real, (-1.5).hex(), (-1)[0], -(-2), ~(-1), not -1
    x = a ** b ** -c, (a ** b) ** c, a ** (-b) ** c, (-a ** b) ** c, (lambda: 1) ** 2, (a if b else c) ** 2
    x = a < b < c, (a < b) < c, a < (b < c), (a or b) and c, a or b and c, not (a and b), (not a) + b

    async def h2():
        return (await a) ** 2, await a ** 2, -(await a), (await a).b, await (-a), a ** await b

    def g(x, /, y):
        return x

    def h():
        return

    @dec
    @dec2(1)
    def k(*, a):
        nonlocal b
    return (a, b) if c else [a]
"""


def nodes_of(tree):
    return [n for n in S.walk(tree) if isinstance(n, (gast.stmt, gast.expr, gast.Module))]


def outcome(print_, node):
    """What ``print_`` gives for ``node``: its text, or the class of the error it raises."""
    try:
        return print_(node)
    except Exception as exc:  # noqa: BLE001 - astor cannot print some nodes on their own
        return type(exc)


def same(node):
    """The direct printer matches astor on ``node`` (or declines it); returns whether it printed."""
    reference = outcome(S.astor_source, node)
    try:
        text = printer._Printer().text(node)
    except printer._Unprintable:
        assert outcome(S.to_source, node) == reference
        return False
    assert text == reference, gast.dump(node)
    assert S.to_source(node) == text
    return True


def test_tricky_forms_print_as_astor_prints_them():
    tree = gast.parse(TRICKY)
    printed = [same(n) for n in nodes_of(tree)]
    assert sum(printed) > 0.9 * len(printed)  # the direct printer really was used
    assert S.to_source(tree) == S.astor_source(tree)


def num(value):
    return gast.Constant(value=value, kind=None)


BUILT = [
    num(-1.0), num(math.inf), num(-math.inf), num(math.nan), num(complex(0, -2)), num(complex(1, -2)),
    num(complex(-1, 0)), num(complex(math.inf, 1)), num(True), num(10 ** 400), num(np.float64(0.5)),
    num(frozenset({1})), num((1, 2)), num(-2), num(-0.0), num(-math.nan), num(-(10 ** 5000)), num(complex(0, -0.0)),
    num(complex(0, math.nan)), num(-2.5e-300),
]
LITERALS = (int, float, complex)  # values whose text is a literal: it parses back to the value


@pytest.mark.parametrize("value", BUILT, ids=lambda c: precedence._number(c.value)[:20] if isinstance(c.value, int)
                         else repr(c.value)[:20])
@pytest.mark.parametrize("where", ["{}", "x = {}", "x = {} ** 2", "x = 2 ** {}", "x = {}.real", "x = f({})",
                                   "x = f({}, y)", "x = -{}", "x = a[{}]", "x = ({}, 1)", "x = {{{}: 1}}",
                                   "x = {} ** 2 * y", "x = y * {} ** 2", "x = -{} ** 2", "x = a ** {} ** b",
                                   "x = ({} ** b) ** c", "x = a ** -{}", "x = {}[0]", "x = {}()", "x = ~{}",
                                   "x = not {}", "x = +{}", "x = a[{}:b:{}]", "x = {{**{}}}", "x = lambda: {}",
                                   "x = a if {} else b", "x = [*{}]", "if {}:\n    pass", "x = await {}",
                                   "x = f'{{{}}}'", "x = a < {} < b", "x = {} or a and b"])
def test_constants_no_parse_produces(value, where):
    """Folded constants (negative, infinite, complex, numpy) in every kind of position: both printers
    give the same text, and for numbers that text parses back to the tree."""
    tree = gast.parse(where.format(*["PLACEHOLDER"] * where.count("{}")))
    for node in S.walk(tree):
        for field, child in gast.iter_fields(node):
            if isinstance(child, gast.Name) and child.id == "PLACEHOLDER":
                setattr(node, field, value)
            elif isinstance(child, list):
                child[:] = [value if isinstance(c, gast.Name) and c.id == "PLACEHOLDER" else c for c in child]
    for node in nodes_of(tree):
        same(node)
    if type(value.value) in LITERALS or type(value.value) is bool:
        problem = S.roundtrip_problem(tree)
        assert problem is None, problem


def test_comments_and_strings():
    fdef = S.parse_stmts("""
        def f(x):
            y = 'a string'
            if x:
                z = f('it''s', "q\\"uote", u'u')
            return y
    """)[0]
    fdef.body.insert(0, S.comment_line("file.py:3: y = 'a string'  # with \\x00 and quotes \" '"))
    fdef.body[2].body.insert(0, S.comment_line("file.py:5: if x:"))
    assert same(fdef)
    text = S.to_source(fdef)
    assert "    # file.py:3: y = 'a string'  # with \\x00 and quotes \" '" in text.split("\n")
    assert "        # file.py:5: if x:" in text.split("\n")
    # forms astor may print as triple-quoted strings go to astor: the output is still astor's
    for code in ('"doc string"', "'s'.join(x)", "x = '''two\nlines'''", "f('a' 'b')"):
        for node in nodes_of(gast.parse(code)):
            same(node)
    assert not same(gast.parse('"a docstring"').body[0])


def test_every_node_of_the_package_sources():
    files = sorted(glob.glob(os.path.join(ROOT, "tangent_lite", "**", "*.py"), recursive=True))
    assert files
    printed = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            tree = gast.parse(f.read())
        for node in nodes_of(tree):
            printed += same(node)
    assert printed > 10000


@pytest.mark.parametrize("options", [("fused",), ()])
def test_generated_derivatives_are_printed_directly(options):
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
            assert same(fdef), w.fn.__name__
