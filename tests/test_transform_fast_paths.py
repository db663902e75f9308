"""The transformation's own shortcuts give what the long way gives.

``optimize`` stops as soon as every pass has run once without changing anything (not after
a whole confirming round) and hands the passes one index of the names each statement reads
and writes, kept up to date from what the passes say they changed; ``lower_jumps`` leaves
functions without jumps alone; the derivative passes remember what each statement does.
Each test compares with the long way on the same input.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from tangent_lite import api
from tangent_lite.analysis.statements import assignments, describe, describe_once
from tangent_lite.frontend import jumps
from tangent_lite.passes import index, manager, marks
from tangent_lite.passes.copies import _rename_loads
from tangent_lite.syntax import assign, const, deepcopy, gast, parse_expr, parse_module, to_source, walk
from tangent_lite.syntax.naming import Namer


def helper(a, b):
    return a * np.tanh(b) + b * b


def model(x, W, b, n):
    h = np.tanh(W @ x + b)
    s = np.sum(h * h)
    z = (h - np.mean(h)) / np.sqrt(np.var(h) + 1e-6)
    total = 0.0
    for i in range(n):
        w = z[i % z.shape[0]]
        if w > 0:
            total = total + w * w
        else:
            total = total - 0.5 * w
        total = total + math.sin(total) * 0.1
    acc = 0.0
    k = 0
    while k < 3:
        acc = acc + helper(total, s) / (k + 1)
        k += 1
    r = np.maximum(h, 0.0)
    return acc + np.sum(r ** 2) + 0.01 * np.sum(np.abs(W)) + np.sum(W * W) + s


def recurrence(x, a, n):
    s = 0.0
    for _ in range(n):
        x = a * x + np.sin(x)
        s = s + np.sum(x * x)
    return s


CASES = [
    (model, ("x", "W", "b"), lambda rng: (rng.normal(size=5), rng.normal(size=(5, 5)), rng.normal(size=5), 4)),
    (recurrence, ("x", "a"), lambda rng: (rng.normal(size=3), 0.5, 3)),
]


def _rounds(fdef, protected):
    """The optimizer's driver as it was: whole rounds of every pass of the manager's list
    until a round changes nothing (each pass counting names itself), then the releases."""
    context = manager.Context(fdef, protected, getattr(fdef, marks.FACTS, None))
    for _ in range(10):
        changed = False
        for p in manager.PASSES:
            if p.run(context):
                changed = True
        if not changed:
            break
    return manager.finish(fdef)


def _unoptimized(fn, wrt, args, options):
    """The functions of ``fn``'s derivative before optimization, and the names to protect."""
    w, _d, raw, _extra = api.derive(fn, "vjp", list(wrt), spec=api._spec(list(args)), options=options,
                                    keep_raw=True)
    user = set(w.params) | {n.id for n in walk(w.fdef) if isinstance(n, gast.Name)
                            and isinstance(n.ctx, gast.Store)}
    return raw, user


def test_optimize_stops_where_whole_rounds_stop():
    """Stopping once each pass ran without a change since the last change, with the shared
    index of names, gives the text whole rounds of self-counting passes give."""
    rng = np.random.default_rng(0)
    compared = 0
    for fn, wrt, make_args in CASES:
        for options in [("fused", "grad_only"), ("fused",), ()]:
            raw, user = _unoptimized(fn, wrt, make_args(rng), options)
            for fdef in raw:
                protected = user | {a.id for a in fdef.args.args}
                fast = manager.optimize(deepcopy(fdef), set(protected))
                slow = _rounds(deepcopy(fdef), set(protected))
                assert to_source(fast) == to_source(slow), fdef.name
                compared += 1
    assert compared >= 8


def _parse(text):
    return parse_module(textwrap.dedent(text)).body[0]


def _same(a, b):
    return sorted(a) == sorted(b)


def test_statement_names_built_again_from_the_changes():
    """An index rebuilt from an earlier one and the statements changed in place since knows
    what a fresh walk knows: the names of each statement, their counts, what may fold."""
    fdef = _parse("""
        def f(x, g):
            a = x * 1.0
            b = a + g
            for i in range(3):
                c = b * 2.0
                if c > 0:
                    d = c - b
                else:
                    d = -(-c)
            e = d + a
            return e
        """)
    first = index.StmtNames(fdef)
    assert first.counts(fdef) == index.name_counts(fdef)
    loop = fdef.body[2]
    inner = loop.body[1]
    # change statements in place (a renamed read, a folded value), drop one, add one
    _rename_loads(loop, "b", "g")
    fdef.body[1].value = parse_expr("a + x")
    del fdef.body[3]
    inner.orelse.append(assign("k", const(1.0)))
    dirty = {id(st) for st in index._statements([loop])} | {id(fdef.body[1])}
    again = index.StmtNames(fdef, first, dirty)
    fresh = index.StmtNames(fdef)
    assert [id(st) for st in again.stmts] == [id(st) for st in fresh.stmts]
    for st in fresh.stmts:
        assert again.own(st) == fresh.own(st)
        assert _same(again.full(st)[0], index._names(st)[0])
        assert _same(again.full(st)[1], index._names(st)[1])
    assert again.counts(fdef) == index.name_counts(fdef)
    assert again.foldable == fresh.foldable
    assert id(fdef.body[0]) in fresh.foldable  # x * 1.0
    assert id(inner.orelse[0]) in fresh.foldable  # -(-c)


def test_lower_jumps_leaves_functions_without_jumps_as_they_are():
    plain = _parse("""
        def f(x, n):
            s = 0.0
            for i in range(n):
                if x > 0:
                    s = s + x
                else:
                    s = s - x
            while s > 1.0:
                s = s / 2.0
            return s
        """)
    before = to_source(plain)
    body = list(plain.body)
    jumps.lower_jumps(plain, Namer({"x", "n", "s", "i"}))
    assert to_source(plain) == before and all(a is b for a, b in zip(plain.body, body))
    for source in ["""
        def f(x, n):
            s = 0.0
            for i in range(n):
                if s > x:
                    break
                s = s + x
            return s
        """, """
        def f(x, n):
            s = 0.0
            for i in range(n):
                s = s + x
            else:
                s = s * 2.0
            return s
        """, """
        def f(x):
            if x > 0:
                return x
            return -x
        """]:
        fdef = _parse(source)
        before = to_source(fdef)
        jumps.lower_jumps(fdef, Namer({"x", "n", "s", "i"}))
        assert to_source(fdef) != before  # the full pass ran


def test_describe_once_forgets_a_rewritten_statement():
    w, _d, _raw, _extra = api.derive(helper, "vjp", ["a", "b"])
    stmts = [st for st in assignments(w.fdef.body) if isinstance(st, gast.Assign)]
    memo = {}
    first = [describe_once(st, api.REGISTRY, memo) for st in stmts]
    assert all(describe_once(st, api.REGISTRY, memo) is info for st, info in zip(stmts, first))
    st = stmts[0]
    st.value = parse_expr("a - b")
    again = describe_once(st, api.REGISTRY, memo)
    assert again is not first[0] and again.value is st.value
    assert again.kind == describe(st, api.REGISTRY).kind


# ---------------------------------------------------------------- found by the random fuzzer


def _cos_tanh(p0, p1):
    a1 = p1 + p1 * np.ones((3, 4))
    return np.cos(np.tanh(a1[-1]) ** 2)


def _accumulated_in_place(x, y):
    z2 = np.zeros(4)
    c3 = 0
    while c3 < 1:
        c3 = c3 + 1
        y = z2 @ _cos_tanh(y, p1=np.sum(z2))
    z2[1:3] = x[1, 1:3] / (1.0 + (x[1, 1:3] / (2.0 + np.sin(y))) * (x[1, 1:3] / (2.0 + np.sin(y))))
    y += (-y) if np.dot(x[-1], z2) < -0.75 and np.dot(z2, x[0]) > 0.3 else y
    return y


def test_an_adjoint_added_to_in_place_keeps_its_first_value():
    """``z2_bar = zeros_like(z2)`` before a loop of ``z2_bar += ...`` (nothing reads z2_bar
    afterwards) was removed as dead, and the pullback raised UnboundLocalError."""
    from tangent_lite import vjp as tl_vjp  # (the function: tangent_lite.api.vjp)
    from tangent_lite.inspect.testing import check_grads

    x, y = np.random.default_rng(0).normal(size=(3, 4)), 1e-6
    _out, pullback = tl_vjp(_accumulated_in_place, x, y, wrt=(0, 1))
    gx, gy = pullback(1.0)
    assert np.shape(gx) == (3, 4) and np.ndim(gy) == 0
    check_grads(_accumulated_in_place, (x, 0.3), wrt=(0, 1))
