"""The fast paths of tangent_lite.syntax give what the slow ones gave.

Reading a function's source (remembered per file version), the ast -> gast conversion, the tree
depth, walk, deepcopy and the running-code comparison are on the transformation's hot path; each
is checked here against the library function it replaces, on tangent_lite's own sources.
"""

import ast
import glob
import importlib
import inspect
import linecache
import os
import sys
import textwrap

import gast
import numpy as np
import pytest

import tangent_lite  # noqa: F401
from tangent_lite.syntax import freshness
from tangent_lite.syntax.annotations import Key, get_anno, has_anno, set_anno

S = sys.modules["tangent_lite.syntax"]
cache = sys.modules["tangent_lite.backends.cache"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = sorted(glob.glob(os.path.join(ROOT, "tangent_lite", "**", "*.py"), recursive=True))


def trees():
    for path in SOURCES:
        with open(path, encoding="utf-8") as f:
            yield path, ast.parse(f.read())


def same_tree(a, b, where="tree"):
    """Equal node classes, field and attribute values (in the same order), recursively."""
    assert type(a) is type(b), where
    if isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same_tree(x, y, f"{where}[{i}]")
    elif isinstance(a, ast.AST):
        assert list(vars(a)) == list(vars(b)), where
        for key in vars(a):
            same_tree(getattr(a, key), getattr(b, key), f"{where}.{key}")
    else:
        assert a == b or (a != a and b != b), where


def test_ast_to_gast_builds_gasts_own_tree():
    for path, tree in trees():
        same_tree(gast.ast_to_gast(tree), S.ast_to_gast(tree), os.path.basename(path))


def test_tree_depth_counts_as_iter_child_nodes():
    def reference(node):
        return 1 + max((reference(c) for c in ast.iter_child_nodes(node)), default=0)

    for _, tree in trees():
        for node in [tree] + tree.body:
            assert S.tree_depth(node) == reference(node)
        g = gast.ast_to_gast(tree)
        assert S.tree_depth(g) == reference(g)


def test_walk_is_ast_walk_without_context_markers():
    for _, tree in trees():
        g = S.ast_to_gast(tree)
        expected = [n for n in ast.walk(g) if not isinstance(n, ast.expr_context)]
        assert [id(n) for n in S.walk(g)] == [id(n) for n in expected]


def test_deepcopy_copies_nodes_and_annotations_and_shares_markers():
    fdef = S.parse_stmts("""
        def f(x, y=2.0):
            z = x[1:] * y
            return (z, [x])
    """)[0]
    inner = fdef.body[0].value
    set_anno(inner, Key.ORIGIN, 3)
    set_anno(inner, Key.CHECKPOINT, S.name("snapshots"))
    copy = S.deepcopy(fdef)
    assert S.to_source(copy) == S.to_source(fdef)
    old = list(S.walk(fdef))
    new = list(S.walk(copy))
    assert len(old) == len(new) and not {id(n) for n in old} & {id(n) for n in new}
    copied = copy.body[0].value
    assert get_anno(copied, Key.ORIGIN) == 3 and has_anno(copied, Key.CHECKPOINT)
    assert get_anno(copied, Key.CHECKPOINT) is not get_anno(inner, Key.CHECKPOINT)
    assert copied.left.ctx is inner.left.ctx  # Load markers are shared: they never change
    copied.left.value.id = "changed"
    assert inner.left.value.id == "x"
    assert get_anno(None, Key.ORIGIN, "default") == "default" and not has_anno(None, Key.ORIGIN)


def test_builders_make_the_nodes_gast_makes():
    pairs = [
        (S.name("a"), gast.Name(id="a", ctx=gast.Load(), annotation=None, type_comment=None)),
        (S.name("a", store=True), gast.Name(id="a", ctx=gast.Store(), annotation=None, type_comment=None)),
        (S.const(1.5), gast.Constant(value=1.5, kind=None)),
        (S.assign("a", S.const(1), lineno=7),
         gast.Assign(targets=[gast.Name(id="a", ctx=gast.Store(), annotation=None, type_comment=None)],
                     value=gast.Constant(value=1, kind=None), type_comment=None, lineno=7)),
        (S.tuple_([S.name("a")]), gast.Tuple(elts=[gast.Name(id="a", ctx=gast.Load(), annotation=None,
                                                             type_comment=None)], ctx=gast.Load())),
        (S.attribute(S.name("np"), "sum"),
         gast.Attribute(value=gast.Name(id="np", ctx=gast.Load(), annotation=None, type_comment=None),
                        attr="sum", ctx=gast.Load())),
    ]
    for built, reference in pairs:
        assert type(built) is type(reference) and list(vars(built)) == list(vars(reference))
        assert gast.dump(built) == gast.dump(reference)
    call = S.call("np.sum", [S.name("x")], [("axis", S.const(0))])
    assert S.to_source(call) == "np.sum(x, axis=0)"
    again = S.parse_expr("np.sum")
    assert again is not S.parse_expr("np.sum") and gast.dump(again) == gast.dump(gast.parse("np.sum").body[0].value)


MODULE = '''\
import numpy as np


def f(x):
    return np.sum(np.tanh(x) * x)
'''


@pytest.fixture
def module(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    name = f"tl_fast_paths_{os.getpid()}"
    path = tmp_path / f"{name}.py"
    path.write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    mod = importlib.import_module(name)
    yield mod, path
    sys.modules.pop(name, None)
    cache.clear_memory()


def test_source_lines_are_inspects_and_follow_edits(module):
    mod, path = module
    assert S.source_lines(mod.f) == inspect.getsourcelines(mod.f)
    assert S.source_lines(mod.f) == inspect.getsourcelines(mod.f)  # remembered: the same
    assert S.load_function(mod.f).text == textwrap.dedent("".join(inspect.getsourcelines(mod.f)[0]))
    # the file is edited after the import: the new text is read (and refused: it is not the code that runs)
    path.write_text(MODULE.replace("np.tanh(x) * x", "np.cos(x) + x * x * x"))
    os.utime(path, (1, 1))
    lines, _ = S.source_lines(mod.f)
    assert "np.cos(x)" in "".join(lines)
    with pytest.raises(tangent_lite.errors.SourceUnavailableError, match="was edited after"):
        S.load_function(mod.f)
    linecache.checkcache(str(path))


def test_running_code_check_compares_bytecode_directly(module):
    """np.f(x) compiles to the call form of an imported name (3.11+) when the compile context
    imports the module names the def reads; the code objects then compare as bytes."""
    mod, _ = module
    lines, first = S.source_lines(mod.f)
    text = textwrap.dedent("".join(lines))
    context = freshness._compile_context(mod.f, text, first)
    assert context.startswith("import np\n") and context.count("\n") == text.count("\n") + first - 1
    compiled = compile(context, mod.f.__code__.co_filename, "exec")
    code = [c for c in freshness._code_objects(compiled) if c.co_name == "f"][0]
    assert code.co_code == mod.f.__code__.co_code
    assert freshness._matches_running_code(mod.f, text, first)
    assert not freshness._matches_running_code(mod.f, text.replace("np.tanh(x) * x", "np.tanh(x) + x"), first)


NESTED = '''\
import numpy as np

k = 2.0


def outer():
    y = 3.0

    class C:
        def m(self, x):
            return np.sin(x) * y + (lambda t: t * k)(x) + super().__hash__() * 0

        def __private(self, x):
            return self.m(x) * x

    def f(x):
        h = lambda t: t ** 2 * y
        return h(x) + sum([v * y for v in [x]]) + (lambda: (lambda q: q * x))()(x)

    return C, f
'''


def test_nested_functions_read_from_their_file_are_the_code_that_runs(tmp_path, monkeypatch):
    """Functions defined inside functions and local classes (lambdas and comprehensions inside
    them; up to Python 3.10 their qualified names are constants of the code) match the code
    compiled from their text, and an edit to that text does not."""
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"tl_nested_fresh_{os.getpid()}"
    (tmp_path / f"{name}.py").write_text(NESTED)
    importlib.invalidate_caches()
    try:
        C, f = importlib.import_module(name).outer()
        for fn in (C.m, C._C__private, f):
            lines, first = S.source_lines(fn)
            text = textwrap.dedent("".join(lines))
            assert freshness._matches_running_code(fn, text, first), fn.__qualname__
            edited = text.replace("* x", "+ x").replace("* y", "+ y")
            assert edited != text and not freshness._matches_running_code(fn, edited, first), fn.__qualname__
        assert S.load_function(f).node.name == "f"
    finally:
        sys.modules.pop(name, None)


CLOSURES = '''\
import numpy as np


def factory(a, b=2.0):
    return lambda x: a - x * x + b


def swapped(a, b):
    return lambda z: np.sin(z) * a + np.cos(z) * b


TOP = lambda z: np.sin(z) * 1.5 + np.cos(z) * 0.7


def factory2(a):
    sq = lambda z: np.sin(a * z) - z
    def loss(x):
        return sq(x) + x
    return loss, sq
'''


def test_closure_lambdas_are_checked_against_the_code_that_runs(tmp_path, monkeypatch):
    """A lambda with closure variables is compiled with them as cells, as it was: unedited it is
    read (no false 'edited'), and an edit that keeps its names and constants (- to +) is refused."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    name = f"tl_closure_lambdas_{os.getpid()}"
    path = tmp_path / f"{name}.py"
    path.write_text(CLOSURES)
    importlib.invalidate_caches()
    try:
        mod = importlib.import_module(name)
        f = mod.factory(1.0)
        loss, sq = mod.factory2(1.5)
        edited_alike = [mod.swapped(1.5, 0.7), mod.TOP]  # the same names and constants, in another order
        for fn in [f, sq] + edited_alike:
            assert S.load_function(fn).node.name == "_lambda"
        assert tangent_lite.grad(f)(3.0) == pytest.approx(-6.0)
        assert tangent_lite.grad(loss)(0.4) == pytest.approx(1.5 * np.cos(0.6) - 1 + 1)
        path.write_text(CLOSURES.replace("a - x * x", "a + x * x").replace("np.sin(a * z) - z", "np.sin(a * z) + z")
                        .replace("np.sin(z) * a + np.cos(z) * b", "np.cos(z) * a + np.sin(z) * b")
                        .replace("np.sin(z) * 1.5 + np.cos(z) * 0.7", "np.cos(z) * 1.5 + np.sin(z) * 0.7"))
        os.utime(path, (1, 1))
        linecache.checkcache(str(path))
        for fn in [f, sq] + edited_alike:
            with pytest.raises(tangent_lite.errors.SourceUnavailableError, match="edited"):
                S.load_function(fn)
    finally:
        sys.modules.pop(name, None)
        linecache.checkcache(str(path))
        cache.clear_memory()
