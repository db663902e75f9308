"""A catalogue of things users try that tangent_lite does not support (or that are wrong).

Every case must fail cleanly:

- a ``tangent_lite.TangentLiteError`` subclass is raised (the expected one);
- the message names the construct / value (``words``; callees as the user spelled them);
- when the problem has a place in the user's source, the message contains the
  user's file name and line number (``file.py:LINE:``) and the text of that line,
  and ``err.location`` points there;
- the message says what to do ("To fix: ..." or "did you mean ...");
- no internal traceback (no chained internal exception, no tangent_lite paths,
  no generated temporaries) and no wrong line number;
- several problems in one function are reported at once (``MultipleErrors``).

``adgen`` cases run ``python -m tangent_lite.cli`` and expect exit status 2 and a
one-line stderr starting with ``adgen: error:``.  A few cases are valid code that
must simply work (deep nesting) or must not crash (source edited after import).
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence

import catalogue_cases as cc
import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl
from tangent_lite.errors import MultipleErrors

CASES_FILE = os.path.basename(cc.__file__)
X = np.array([0.3, 1.2, -0.4])


@dataclass
class Case:
    name: str
    run: Callable[[Any], Any]  # run(tmp_path): triggers the problem
    words: Sequence[str]  # each must appear in the message (case-insensitive)
    error: type = tl.TangentLiteError  # expected exception class
    fn: Any = None  # the user function whose source holds the problem
    lines: Sequence[str] = ()  # stripped text of each offending line inside ``fn`` (several: MultipleErrors)
    kind: str = "error"  # "error", "adgen", "works", "no-crash", "recursion"
    note: str = ""
    file_fn: Optional[Callable[[Any], Any]] = field(default=None, repr=False)  # for cases in temp modules


def line_of(fn: Any, text: str) -> int:
    """The file line number of the unique line of ``fn`` whose stripped text is ``text``."""
    fn = inspect.unwrap(fn)
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, line in enumerate(lines) if line.strip() == text]
    assert len(hits) == 1, (fn.__name__, text, hits)
    return hits[0]


# ------------------------------------------------------------------ requests


def grad_of(f: Any, *args: Any, **kw: Any) -> Callable[[Any], Any]:
    return lambda tmp: tl.grad(f, **kw)(*(args or (X,)))


def vjp_of(f: Any, *args: Any) -> Callable[[Any], Any]:
    return lambda tmp: tl.vjp(f, *(args or (X,)))


def jvp_of(f: Any) -> Callable[[Any], Any]:
    return lambda tmp: tl.jvp(f, (X,), (np.ones(3),))


def pullback_with(f: Any, args: Sequence[Any], cotangent: Any) -> Callable[[Any], Any]:
    def run(tmp: Any) -> Any:
        _, pullback = tl.vjp(f, *args)
        return pullback(cotangent)

    return run


# ------------------------------------------------------------------ cases in temporary modules


def _partial_gradient(tmp: Any) -> Any:
    """d/dx sum(x * y + sin(x)) at y = 2 (bound by the partial) is 2 + cos(x)."""
    g = tl.grad(functools.partial(cc.two_args, y=2.0))(X)
    np.testing.assert_allclose(g, 2.0 + np.cos(X), rtol=1e-12)


def _reduce_gradient(tmp: Any) -> Any:
    np.testing.assert_allclose(tl.grad(cc.uses_reduce)(X), 2.0 * np.ones(3), rtol=1e-12)


def _two_lambdas_gradient(tmp: Any) -> Any:
    assert (tl.grad(cc.PAIR_OF_LAMBDAS[0])(1.0), tl.grad(cc.PAIR_OF_LAMBDAS[1])(1.0)) == (2.0, 3.0)


def _exec_defined(tmp: Any) -> Any:
    """A def typed at a REPL / built by exec: no source file."""
    namespace = {"np": np}
    exec(compile("def repl_fn(x):\n    return np.sum(x * x)\n", "<stdin>", "exec"), namespace)
    return tl.grad(namespace["repl_fn"])(X)


MATCH_SOURCE = """\
import numpy as np


class Box:
    v = 0.0


def uses_match(x, mode):
    match mode:
        case Box(v=0.0):
            return np.sum(x)
        case _:
            return np.mean(x)
"""


def _match_statement(tmp: Any) -> Any:
    if sys.version_info < (3, 10):
        pytest.skip("match needs Python 3.10+")
    mod = temp_module(tmp, MATCH_SOURCE, "cat_match")
    CASE_STATE["match_fn"] = mod.uses_match
    return tl.grad(mod.uses_match)(X, "sum")


def _long_chain(tmp: Any) -> Any:
    """A 400-term sum: a binary-operator tree 400 levels deep (valid Python)."""
    terms = " + ".join(f"np.sin(x * {1 + i / 400:.4f})" for i in range(400))
    mod = temp_module(tmp, f"import numpy as np\n\n\ndef long_chain(x):\n    return np.sum({terms})\n", "cat_chain")
    tl.check_grads(mod.long_chain, (X,))


def _deep(fn: Any, args: Sequence[Any]) -> Callable[[Any], Any]:
    return lambda tmp: tl.check_grads(fn, args)


SOURCE_V1 = """\
import numpy as np


def edited(x):
    return np.sum(np.sin(x))
"""

SOURCE_V2 = """\
import numpy as np

# edited after import: three new lines above the function,
# and a different body
OFFSET = 1.0


def edited(x):
    return np.sum(x ** 3) + OFFSET
"""


def _source_changed(tmp: Any) -> Any:
    """Edit the file after import: the result must be the derivative of the code that runs
    (the imported one), or a clean TangentLiteError - never the derivative of other code."""
    mod = temp_module(tmp, SOURCE_V1, "cat_edit")
    with open(mod.__file__, "w", encoding="utf-8") as f:
        f.write(SOURCE_V2)
    g = tl.grad(mod.edited)(X)
    np.testing.assert_allclose(g, np.cos(X), err_msg="differentiated the edited file, not the imported code")


def _source_body_changed(tmp: Any) -> Any:
    """Same line numbers, different body."""
    mod = temp_module(tmp, SOURCE_V1, "cat_body")
    with open(mod.__file__, "w", encoding="utf-8") as f:
        f.write(SOURCE_V1.replace("np.sum(np.sin(x))", "np.sum(x ** 3)"))
    g = tl.grad(mod.edited)(X)
    np.testing.assert_allclose(g, np.cos(X), err_msg="differentiated the edited file, not the imported code")


def _source_deleted(tmp: Any) -> Any:
    mod = temp_module(tmp, SOURCE_V1, "cat_gone")
    os.remove(mod.__file__)
    g = tl.grad(mod.edited)(X)
    np.testing.assert_allclose(g, np.cos(X))


def _source_changed_after_first_use(tmp: Any) -> Any:
    """Differentiate, edit the file, differentiate again (the in-memory function did not change)."""
    mod = temp_module(tmp, SOURCE_V1, "cat_edit2")
    np.testing.assert_allclose(tl.grad(mod.edited)(X), np.cos(X))
    with open(mod.__file__, "w", encoding="utf-8") as f:
        f.write(SOURCE_V2)
    g = tl.vjp(mod.edited, X)[1](1.0)
    np.testing.assert_allclose(g, np.cos(X), err_msg="differentiated the edited file, not the imported code")


CASE_STATE: dict = {}


# ------------------------------------------------------------------ adgen


ADGEN_MODEL = """\
import numpy as np

NOT_A_FUNCTION = 3


def loss(x):
    return np.sum(np.sin(x))


def uses_try(x):
    try:
        a = x * 2.0
        y = np.log(a)
    except ValueError:
        y = x
    return y + a
"""


def adgen(tmp: Any, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TANGENT_LITE_CACHE="0", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "tangent_lite.cli", *argv], cwd=str(tmp), env=env,
                          capture_output=True, text=True, timeout=60)


def _adgen_model(tmp: Any) -> str:
    (tmp / "model.py").write_text(ADGEN_MODEL, encoding="utf-8")
    return "model.py"


def _adgen_syntax_error(tmp: Any) -> Any:
    (tmp / "broken.py").write_text("import numpy as np\n\ndef loss(x)\n    return np.sum(x)\n", encoding="utf-8")
    return adgen(tmp, "broken.py:loss")


ADGEN_CASES = {
    "adgen_syntax_error": (_adgen_syntax_error, ["broken.py", "3", "syntax"]),
    "adgen_missing_file": (lambda tmp: adgen(tmp, "nowhere.py:loss"), ["nowhere.py"]),
    "adgen_missing_function": (lambda tmp: adgen(tmp, f"{_adgen_model(tmp)}:lost"), ["lost"]),
    "adgen_no_colon": (lambda tmp: adgen(tmp, _adgen_model(tmp)), ["model.py"]),
    "adgen_not_a_function": (lambda tmp: adgen(tmp, f"{_adgen_model(tmp)}:NOT_A_FUNCTION"), ["NOT_A_FUNCTION"]),
    "adgen_import_fails": (
        lambda tmp: ((tmp / "boom.py").write_text("raise RuntimeError('no GPU here')\n"), adgen(tmp, "boom.py:f"))[1],
        ["boom.py", "no GPU here"]),
    "adgen_bad_wrt": (lambda tmp: adgen(tmp, f"{_adgen_model(tmp)}:loss", "--wrt", "z"), ["z"]),
    "adgen_wrt_out_of_range": (lambda tmp: adgen(tmp, f"{_adgen_model(tmp)}:loss", "--wrt", "3"), ["3"]),
}


# ------------------------------------------------------------------ the catalogue

U, N, S, A = tl.UnsupportedConstructError, tl.NoRuleError, tl.SourceUnavailableError, tl.ArgumentError

CASES: List[Case] = [
    # generators, exceptions, scopes, dynamic code
    Case("yield", grad_of(cc.gen_yield), ["yield"], U, cc.gen_yield, ["yield y"]),
    Case("yield_from", grad_of(cc.gen_yield_from), ["yield from"], U, cc.gen_yield_from,
         ["yield from [x, x * 2.0]"]),
    Case("try_except", grad_of(cc.try_except), ["try"], U, cc.try_except, ["try:"]),
    Case("global_write", grad_of(cc.global_write), ["global"], U, cc.global_write, ["global COUNTER"]),
    Case("nonlocal_write", grad_of(cc.nonlocal_write), ["nonlocal"], U, cc.nonlocal_write, ["nonlocal acc"]),
    Case("exec", grad_of(cc.uses_exec), ["exec"], U, cc.uses_exec, ['exec("y = x * 2")']),
    Case("eval", grad_of(cc.uses_eval), ["eval"], U, cc.uses_eval, ['y = eval("x * 2.0")']),
    Case("async_def", grad_of(cc.async_fn), ["async"], U, cc.async_fn, ["async def async_fn(x):"]),
    Case("class_inside", grad_of(cc.class_inside), ["class"], U, cc.class_inside, ["class Box:"]),
    Case("del_item", grad_of(cc.uses_del), ["del", "item"], U, cc.uses_del, ["del y[0]"]),
    Case("import_inside", grad_of(cc.import_inside), ["import"], U, cc.import_inside, ["import math as m"]),
    Case("from_import_inside", grad_of(cc.from_import_inside), ["import"], U, cc.from_import_inside,
         ["from numpy import cos"]),
    # callables without a derivative rule (or without source)
    Case("functools_reduce", _reduce_gradient, [], kind="works",
         note="functools.reduce of a function is written out as a loop"),
    Case("itertools_accumulate", grad_of(cc.uses_accumulate), ["'itertools.accumulate'"], N, cc.uses_accumulate,
         ["parts = list(itertools.accumulate(x))"]),
    Case("heapq_nlargest_stdlib_source", grad_of(cc.uses_nlargest), ["'heapq.nlargest'"], N, cc.uses_nlargest,
         ["top = heapq.nlargest(2, x)"]),
    Case("statistics_fmean_stdlib_source", grad_of(cc.uses_fmean), ["'statistics.fmean'"], N, cc.uses_fmean,
         ["m = statistics.fmean(x)"]),
    Case("np_apply_along_axis_numpy_source", grad_of(cc.uses_apply_along_axis), ["'np.apply_along_axis'"], N,
         cc.uses_apply_along_axis, ["rows = np.apply_along_axis(np.sum, 0, x)"]),
    Case("np_fft_rfft", grad_of(cc.uses_fft), [], kind="works",
         note="np.fft has derivative rules, complex intermediates included (docs/complex-numbers.md)"),
    Case("method_without_rule", grad_of(cc.uses_tolist), ["tolist"], N, cc.uses_tolist, ["xs = x.tolist()"]),
    Case("out_keyword", grad_of(cc.uses_out_kwarg), ["out"], tl.TangentLiteError, cc.uses_out_kwarg,
         ["np.sin(x, out=z)"]),
    Case("in_place_sort_of_argument", grad_of(cc.sorts_in_place, X.copy()), ["sort"], tl.TangentLiteError,
         cc.sorts_in_place, ["x.sort()"]),
    Case("ufunc_at_in_place", grad_of(cc.add_at), ["at"], tl.TangentLiteError, cc.add_at,
         ["np.add.at(z, [0, 0, 1], x)"]),
    # the differentiated function itself has no (readable) source
    Case("c_function_math_sin", grad_of(math.sin, 0.5), ["sin"], S),
    Case("numpy_ufunc_np_sin", grad_of(np.sin), ["sin"], S),
    Case("builtin_sum", grad_of(sum), ["sum"], S),
    Case("functools_partial", _partial_gradient, [], kind="works",
         note="a partial is differentiated with its bound arguments held constant"),
    Case("repl_defined_function", _exec_defined, ["repl_fn", "source"], S),
    Case("two_lambdas_on_one_line", _two_lambdas_gradient, [], kind="works",
         note="lambdas sharing a line are told apart by their code"),
    Case("not_callable", lambda tmp: tl.grad(3)(X), ["int"], A),
    # syntax tangent_lite refuses
    Case("lambda_as_value", grad_of(cc.lambda_value), ["lambda"], U, cc.lambda_value,
         ["ys = list(filter(lambda t: t > 0.0, x))"]),
    Case("star_args", lambda tmp: np.testing.assert_allclose(tl.grad(cc.star_args)(X), 2.0 * np.ones_like(X)), [],
         kind="works", note="a function of *args is differentiated as called (tangent_lite/varargs.py)"),
    Case("star_kwargs", lambda tmp: np.testing.assert_allclose(tl.grad(cc.star_kwargs)(X), 2.0 * np.ones_like(X)), [],
         kind="works", note="a function of **kwargs is differentiated as called"),
    Case("star_unpacking_of_unknown_length", grad_of(cc.star_call), ["'*'", "length"], N, cc.star_call,
         ["return np.sum(np.add(*pair))"]),
    Case("set_literal", grad_of(cc.set_literal), ["set"], U, cc.set_literal, ["s = {1.0, 2.0}"]),
    Case("set_comprehension", grad_of(cc.set_comp), ["set"], U, cc.set_comp, ["s = {t for t in x}"]),
    Case("dict_comprehension", grad_of(cc.dict_comp), ["dict comprehension"], U, cc.dict_comp,
         ["d = {i: x[i] for i in range(3)}"]),
    Case("match_class_pattern", _match_statement, ["match", "class pattern"], U, None, ['case Box(v=0.0):'],
         file_fn=lambda tmp: CASE_STATE.get("match_fn")),
    Case("call_local_value", grad_of(cc.call_local_value), ["'g'"], tl.TangentLiteError, cc.call_local_value,
         ["return np.sum(g(x))"]),
    Case("undefined_name", grad_of(cc.undefined_name), ["undefined_scale"], tl.TangentLiteError,
         cc.undefined_name, ["return np.sum(x) * undefined_scale  # noqa: F821"]),
    Case("missing_attribute", grad_of(cc.missing_attribute), ["np.sine"], tl.TangentLiteError,
         cc.missing_attribute, ["return np.sum(np.sine(x))"]),
    Case("nested_recursive_def", grad_of(cc.nested_recursive), ["fact", "recursive"], U, cc.nested_recursive,
         ["return 1.0 if n <= 1 else n * fact(n - 1)"]),
    Case("nested_decorated_def", grad_of(cc.nested_decorated), ["scale", "decorated"], U, cc.nested_decorated,
         ["def scale(k):"]),
    # state and mutation
    Case("bound_method", lambda tmp: tl.grad(cc.Model().step)(X), ["assignment to an attribute", "self.h"], U,
         cc.Model.step, ["self.h = np.tanh(x)"]),
    Case("method_mutates_self", lambda tmp: tl.grad(cc.Model.step, wrt=1)(cc.Model(), X), ["attribute"], U,
         cc.Model.step, ["self.h = np.tanh(x)"]),
    Case("set_attribute_of_argument", grad_of(cc.set_attribute, X, cc.Box()), ["attribute"], U, cc.set_attribute,
         ["box.value = np.sum(x)"]),
    Case("augmented_attribute", grad_of(cc.aug_attribute, X, cc.Box()), ["attribute"], U, cc.aug_attribute,
         ["box.total += np.sum(x)"]),
    Case("write_into_global_array", grad_of(cc.write_global_array), ["module-level 'STATE'"], U, cc.write_global_array,
         ["STATE[0] = np.sum(x)"]),
    # recursion
    Case("infinite_recursion", grad_of(cc.forever, 1.0), ["forever", "recursion"], tl.TangentLiteError,
         cc.forever, kind="recursion",
         note="RecursionError at call time is accepted only if its message names the function and says "
              "it recursed too deeply"),
    Case("mutual_recursion", grad_of(cc.ping, 1.0), ["ping", "pong", "recursive"], U, cc.pong,
         ["return ping(x) + 1.0"]),
    Case("problem_in_callee", grad_of(cc.calls_bad_helper), ["try"], U, cc.helper_with_try, ["try:"]),
    # several problems in one function: all reported at once
    Case("several_fence_problems", grad_of(cc.many_fence_problems), ["global", "set", "exec", "del"],
         MultipleErrors, cc.many_fence_problems,
         ["global COUNTER", "s = {1.0, 2.0}", 'exec("z = 1")', "del y[0]"]),
    Case("several_mixed_problems", grad_of(cc.mixed_problems), ["try", "lambda", "fsum"], MultipleErrors,
         cc.mixed_problems, ["try:", "f = lambda t: t", "total = math.fsum(x)"]),
    Case("several_lowering_problems", grad_of(cc.two_lowering_problems, X, cc.Box()), ["attribute", "'g'"],
         MultipleErrors, cc.two_lowering_problems, ["box.value = np.sum(x)", "return g(x)"]),
    # wrt
    Case("wrt_missing_name", grad_of(cc.two_args, X, X, wrt="z"), ["wrt", "'z'"], A),
    Case("wrt_out_of_range", grad_of(cc.two_args, X, X, wrt=5), ["wrt", "5"], A),
    Case("wrt_negative_out_of_range", grad_of(cc.two_args, X, X, wrt=-3), ["wrt", "-3"], A),
    Case("wrt_float", grad_of(cc.two_args, X, X, wrt=1.5), ["wrt", "1.5"], A),
    Case("wrt_bool", grad_of(cc.two_args, X, X, wrt=True), ["wrt", "True"], A),
    Case("wrt_none_in_list", grad_of(cc.two_args, X, X, wrt=[0, None]), ["wrt", "None"], A),
    Case("wrt_duplicate", grad_of(cc.two_args, X, X, wrt=(0, "x")), ["wrt", "x"], A),
    # argument values
    Case("integer_argument", grad_of(cc.scalar_fn, 3), ["'x'", "integer"], A),
    Case("integer_array_argument", grad_of(cc.plain_sum, np.array([1, 2, 3])), ["'x'", "integer"], A),
    Case("boolean_array_argument", grad_of(cc.plain_sum, np.array([True, False, True])), ["'x'", "bool"], A),
    Case("complex_argument", grad_of(cc.scalar_fn, 1.0 + 2.0j), [], kind="works",
         note="complex numbers are differentiated (docs/complex-numbers.md)"),
    Case("complex_array_argument", grad_of(cc.plain_sum, X + 1j), [], kind="works",
         note="complex numbers are differentiated (docs/complex-numbers.md)"),
    Case("string_argument", grad_of(cc.scalar_fn, "abc"), ["'x'", "str"], A),
    Case("none_argument", grad_of(cc.scalar_fn, None), ["'x'", "None"], A),
    Case("missing_argument", grad_of(cc.two_args, X), ["'y'"], A),
    Case("keyword_only_passed_positionally", grad_of(cc.kwonly, X, 2.0), ["kwonly"], A),
    # outputs
    Case("non_scalar_output_to_grad", grad_of(cc.vector_output), ["scalar", "(3,)"], tl.NonScalarOutputError),
    Case("tuple_output_to_grad", grad_of(cc.tuple_output), ["scalar", "tuple"], tl.NonScalarOutputError),
    Case("no_return_statement", grad_of(cc.no_return), ["None"], tl.TangentLiteError, cc.no_return,
         ["def no_return(x):"]),
    Case("dict_output_to_grad", grad_of(cc.dict_output), ["scalar", "dict"], tl.NonScalarOutputError),
    # cotangents and tangents
    Case("cotangent_wrong_shape", pullback_with(cc.vector_output, (X,), np.ones(4)), ["cotangent", "(4,)"], A),
    Case("cotangent_not_a_tuple", pullback_with(cc.tuple_output, (X,), 1.0), ["cotangent", "tuple"], A),
    Case("cotangent_tuple_too_long", pullback_with(cc.tuple_output, (X,), (1.0, 1.0, 1.0)), ["cotangent", "2"], A),
    Case("too_many_tangents", lambda tmp: tl.jvp(cc.plain_sum, (X,), (X, X)), ["tangent", "2"], A),
    Case("no_tangents", lambda tmp: tl.jvp(cc.plain_sum, (X,), ()), ["tangent", "0"], A),
    Case("tangent_wrong_shape", lambda tmp: tl.jvp(cc.plain_sum, (X,), (np.ones(4),)), ["tangent", "(4,)"], A),
    Case("tangent_count_vs_wrt", lambda tmp: tl.jvp(cc.two_args, (X, X), (X,), wrt=(0, 1)), ["tangent", "2"], A),
    Case("unknown_mode", lambda tmp: tl.source(cc.plain_sum, "hessian"), ["hessian", "mode"], A),
    # valid code that must work / must not crash
    Case("deeply_nested_ifs", _deep(cc.deep_ifs, (X,)), [], kind="works"),
    Case("deeply_nested_loops", _deep(cc.deep_loops, (X,)), [], kind="works"),
    Case("deeply_nested_expression", _deep(cc.deep_expression, (X,)), [], kind="works"),
    Case("long_operator_chain", _long_chain, [], kind="works"),
    Case("real_attribute_of_real_array", _deep(cc.real_attribute, (X,)), ["real"], kind="no-crash"),
    Case("aliased_array_write", _deep(cc.aliased_array_write, (X,)), ["alias"], kind="no-crash"),
    Case("write_through_view", _deep(cc.write_through_view, (X,)), ["view"], kind="no-crash"),
    Case("aliased_list_write", _deep(cc.aliased_list_write, (X,)), ["alias"], kind="no-crash"),
    Case("source_body_edited_same_lines", _source_body_changed, ["edited"], S, kind="no-crash"),
    Case("source_edited_after_import", _source_changed, ["edited"], S, kind="no-crash"),
    Case("source_edited_after_first_use", _source_changed_after_first_use, ["edited"], S, kind="no-crash"),
    Case("source_file_deleted", _source_deleted, ["edited"], S, kind="no-crash"),
]

CASES += [Case(name, run, words, kind="adgen") for name, (run, words) in ADGEN_CASES.items()]

_INTERNAL = [
    (re.compile(r"Traceback \(most recent call last\)"), "an internal traceback"),
    (re.compile(r"tangent_lite[/\\]"), "a path inside tangent_lite"),
    (re.compile(r"__tangent_lite__"), "a generated file"),
    (re.compile(r"\b_t\d+\b|\b_tape\b|_bar\b"), "a generated temporary"),
    (re.compile(r"\bgast\b|\bastor\b|NoneType|object has no attribute"), "an internal error"),
]


# ------------------------------------------------------------------ checks


def _fail(case: Case, what: str, err: Optional[BaseException] = None) -> None:
    detail = ""
    if err is not None:
        detail = "\n--- raised:\n" + "".join(traceback.format_exception(type(err), err, err.__traceback__))
    pytest.fail(f"[{case.name}] {what}{detail}", pytrace=False)


def _expected_locations(case: Case, tmp: Any) -> List[tuple]:
    fn = case.file_fn(tmp) if case.file_fn else case.fn
    if fn is None or not case.lines:
        return []
    filename = os.path.basename(inspect.getsourcefile(inspect.unwrap(fn)))
    return [(filename, line_of(fn, text), text) for text in case.lines]


def _check_message(case: Case, err: BaseException, expected: List[tuple]) -> None:
    msg = str(err)
    low = msg.lower()
    for word in case.words:
        if word.lower() not in low:
            _fail(case, f"the message does not name {word!r}:\n{msg}", err)
    if "to fix" not in low and "did you mean" not in low:
        _fail(case, f"the message does not say what to do ('To fix: ...'):\n{msg}", err)
    for pattern, what in _INTERNAL:
        if pattern.search(msg):
            _fail(case, f"the message shows {what} ({pattern.pattern}):\n{msg}", err)
    if err.__cause__ is not None or (err.__context__ is not None and not err.__suppress_context__):
        inner = err.__cause__ or err.__context__
        _fail(case, f"the error chains an internal exception ({type(inner).__name__}: {inner})", err)
    # every "file.py:NN" the message mentions must be an expected place
    allowed = {(f, n) for f, n, _ in expected}
    fn = case.file_fn(None) if case.file_fn else case.fn
    if fn is not None and inspect.isfunction(inspect.unwrap(fn)):
        fn = inspect.unwrap(fn)
        allowed.add((os.path.basename(fn.__code__.co_filename), fn.__code__.co_firstlineno))
    for m in re.finditer(r"([\w.<>-]+\.py):(\d+)", msg) if case.kind != "no-crash" else ():
        place = (os.path.basename(m.group(1)), int(m.group(2)))
        if place not in allowed:
            _fail(case, f"the message points at {place[0]}:{place[1]}, expected one of {sorted(allowed)}:\n{msg}",
                  err)
    for filename, lineno, text in expected:
        if f"{filename}:{lineno}" not in msg:
            _fail(case, f"the message lacks the user's place {filename}:{lineno}:\n{msg}", err)
        if text not in msg:
            _fail(case, f"the message lacks the source line {text!r}:\n{msg}", err)


def _check_location(case: Case, err: Any, expected: List[tuple]) -> None:
    if isinstance(err, MultipleErrors):
        subs = err.errors
        if len(subs) != len(expected):
            _fail(case, f"expected {len(expected)} problems reported together, got {len(subs)}:\n{err}", err)
        got = sorted((os.path.basename(e.location.filename), e.location.lineno) for e in subs if e.location)
        if got != sorted((f, n) for f, n, _ in expected):
            _fail(case, f"the problems' locations are {got}, expected {sorted((f, n) for f, n, _ in expected)}", err)
        return
    if not expected:
        return
    filename, lineno, text = expected[0]
    loc = getattr(err, "location", None)
    if loc is None:
        _fail(case, f"err.location is None, expected {filename}:{lineno}:\n{err}", err)
    if (os.path.basename(loc.filename), loc.lineno) != (filename, lineno):
        _fail(case, f"err.location is {loc}, expected {filename}:{lineno}", err)
    if loc.text.strip() != text:
        _fail(case, f"err.location.text is {loc.text!r}, expected {text!r}", err)
    first = str(err).split("\n")[0]
    if not first.startswith(f"{loc.filename}:{lineno}: "):
        _fail(case, f"the first line does not start with the place: {first!r}", err)


def _check_error(case: Case, tmp: Any) -> None:
    try:
        case.run(tmp)
    except tl.TangentLiteError as err:
        expected = _expected_locations(case, tmp)
        if not isinstance(err, case.error):
            _fail(case, f"expected {case.error.__name__}, got {type(err).__name__}: {err}", err)
        if case.error is not MultipleErrors and isinstance(err, MultipleErrors):
            _fail(case, f"expected one problem, got {len(err.errors)}:\n{err}", err)
        _check_message(case, err, expected)
        _check_location(case, err, expected)
        if isinstance(err, MultipleErrors):
            for sub in err.errors:
                _check_message(Case(case.name + " (part)", case.run, [], fn=case.fn), sub,
                               [e for e in expected if (e[0], e[1]) == (os.path.basename(sub.location.filename),
                                                                         sub.location.lineno)]
                               if sub.location else [])
        return
    except Exception as err:  # noqa: BLE001 - anything else is a failure of the case
        _fail(case, f"expected {case.error.__name__}, got the non-tangent_lite {type(err).__name__}: {err}", err)
    _fail(case, f"no error raised, expected {case.error.__name__}")


def _check_recursion(case: Case, tmp: Any) -> None:
    """A clean TangentLiteError, or a RecursionError whose message names the function."""
    clean_error = False
    try:
        case.run(tmp)
    except tl.TangentLiteError:
        clean_error = True
    except RecursionError as err:
        msg = str(err)
        if not all(w.lower() in msg.lower() for w in case.words):
            _fail(case, f"RecursionError without a clear message (it should name {list(case.words)}): {msg!r}",
                  err)
        return
    except Exception as err:  # noqa: BLE001
        _fail(case, f"expected a TangentLiteError or a clear RecursionError, got {type(err).__name__}: {err}", err)
    else:
        _fail(case, "no error raised for a recursion that never terminates")
    if clean_error:  # check it again outside this handler (so it has no __context__ from here)
        _check_error(case, tmp)


def _check_adgen(case: Case, tmp: Any) -> None:
    proc = case.run(tmp)
    lines = proc.stderr.strip("\n").split("\n") if proc.stderr.strip() else []
    if proc.returncode != 2:
        _fail(case, f"exit status {proc.returncode}, expected 2; stderr:\n{proc.stderr}")
    if len(lines) != 1 or not lines[0].startswith("adgen: error:"):
        _fail(case, f"expected one stderr line starting with 'adgen: error:', got:\n{proc.stderr}")
    for word in case.words:
        if word.lower() not in lines[0].lower():
            _fail(case, f"stderr does not name {word!r}: {lines[0]}")
    if proc.stdout.strip():
        _fail(case, f"nothing should be written to stdout, got:\n{proc.stdout}")


def _check_works(case: Case, tmp: Any) -> None:
    try:
        case.run(tmp)
    except Exception as err:  # noqa: BLE001
        _fail(case, f"valid code failed: {type(err).__name__}: {err}", err)


def _check_no_crash(case: Case, tmp: Any) -> None:
    """The right derivative (of the code that runs), or a clean TangentLiteError."""
    try:
        case.run(tmp)
    except tl.TangentLiteError:
        pass  # checked again below, outside this handler (so it has no __context__ from here)
    except AssertionError as err:
        _fail(case, f"wrong result: {err}", err)
    except Exception as err:  # noqa: BLE001
        _fail(case, f"crashed with {type(err).__name__}: {err}", err)
    else:
        return
    _check_error(case, tmp)


CHECKS = {"error": _check_error, "adgen": _check_adgen, "works": _check_works, "no-crash": _check_no_crash,
          "recursion": _check_recursion}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue(case: Case, tmp_path: Any) -> None:
    CHECKS[case.kind](case, tmp_path)


def test_catalogue_size() -> None:
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
    by_kind = {k: sum(c.kind == k for c in CASES) for k in CHECKS}
    print(f"\ncatalogue: {len(CASES)} cases ({', '.join(f'{k} {v}' for k, v in by_kind.items())})")
    assert len(CASES) >= 45
