"""Operators and NumPy functions applied to objects of the user's classes, through any indirection.

Breaker round 21, finding 2: ``m * x`` with ``m`` an object of the user's class (with its own
``__mul__``) was refused only when ``m`` was literally a parameter or a module-level name; through
``k = m``, ``b.m``, ``L[0]``, ``d["m"]``, ``for m in L``, ``(-L[0])``, ``np.dot(L[0], x)``, ... it was
differentiated as the array operator (silently wrong) or crashed deep inside the runtime.

Written from the outside: a product of indirections x operators, in grad, jvp and second order,
must be refused naming the user's expression and line; the same indirections with arrays, numbers
and lists/dicts/tuples of arrays must give the derivatives of central finite differences.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from temp_modules import temp_module

import tangent_lite as tl

# ------------------------------------------------------------------ the programs

CLASSES = '''
import numpy as np


class Lin:
    """Operators that are not elementwise arithmetic: differentiating them as NumPy's is wrong."""

    def __init__(self, A):
        self.A = A

    def __add__(self, v):
        return v * 5.0

    __radd__ = __add__

    def __sub__(self, v):
        return v * 7.0

    def __mul__(self, v):
        return self.A[0, 0] * v + 1.0

    def __truediv__(self, v):
        return 11.0 / v

    def __matmul__(self, v):
        return self.A @ v * 2.0

    def __neg__(self):
        return Lin(self.A * 3.0)

    def __abs__(self):
        return Lin(self.A * 5.0)


class Box:
    def __init__(self, m):
        self.m = m
        self.items = [m]


K = None
LST = None
'''

# name -> (parameters after x, lines binding E, the expression E as the messages show it,
#          how the arguments after x are made from the operand value v)
INDIRECTIONS = {
    "alias": ("m", ["k = m"], "k", "k", lambda mod, v: (v,)),
    "conditional": ("m, n", ["k = m if x[0] > -100.0 else n"], "k", "k", lambda mod, v: (v, v)),
    "walrus": ("m", [], "(k := m)", "k", lambda mod, v: (v,)),
    "unpacking": ("t", ["a, b = t"], "a", "a", lambda mod, v: ((v, 1.0),)),
    "attribute": ("b", [], "b.m", "b.m", lambda mod, v: (mod.Box(v),)),
    "list_item": ("L", [], "L[0]", "L[0]", lambda mod, v: ([v],)),
    "dict_item": ("d", [], 'd["m"]', 'd["m"]', lambda mod, v: ({"m": v, "c": 2.0},)),
    "tuple_item": ("t", [], "t[0]", "t[0]", lambda mod, v: ((v, 1.0),)),
    "index_variable": ("L", ["i = 0"], "L[i]", "L[i]", lambda mod, v: ([v],)),
    "attribute_list": ("b", [], "b.items[0]", "b.items[0]", lambda mod, v: (mod.Box(v),)),
    "module_alias": ("", ["k = mod.K"], "k", "k", lambda mod, v: ()),
    "module_list_item": ("", [], "mod.LST[0]", "mod.LST[0]", lambda mod, v: ()),
    "module_attribute": ("", [], "mod.K", "mod.K", lambda mod, v: ()),
    "nested_item": ("P", [], 'P["layers"][0]', 'P["layers"][0]', lambda mod, v: ({"layers": [v]},)),
    "negation": ("L", [], "(-L[0])", "L[0]", lambda mod, v: ([v],)),
    "loop_variable": ("L", [], None, "m", lambda mod, v: ([v],)),
}

# name -> the operation on (E, x); unary minus is applied to E before '*' with x
OPERATORS = {
    "add": "{e} + x", "sub": "{e} - x", "mul": "{e} * x", "div": "{e} / x", "matmul": "{e} @ x",
    "neg": "-{e} * x", "dot": "np.dot({e}, x)", "np_matmul": "np.matmul({e}, x)",
    "np_multiply": "np.multiply({e}, x)",
}


def _program(ind: str, op: str) -> str:
    params, lines, e, _, _ = INDIRECTIONS[ind]
    head = f"def f_{ind}_{op}(x{', ' + params if params else ''}):"
    if ind == "loop_variable":
        body = ["y = x", "for m in L:", "    y = " + OPERATORS[op].format(e="m").replace(" x", " y")
                .replace("(m, x)", "(m, y)") + "  # op", "return np.sum(np.sin(y))"]
    else:
        body = lines + ["y = " + OPERATORS[op].format(e=e) + "  # op", "return np.sum(np.sin(y))"]
    return "\n".join([head] + ["    " + b for b in body]) + "\n"


CASES = list(itertools.product(INDIRECTIONS, OPERATORS))


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    """(module of the functions, {function name: line of its operation}); ``mod`` is the module itself."""
    parts = [CLASSES, "import sys\nmod = sys.modules[__name__]\n"] + [_program(i, o) for i, o in CASES]
    text = "\n\n".join(parts)
    module = temp_module(tmp_path_factory.mktemp("user_operators"), text, "tl_user_operators")
    lines = {}
    current = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("def f_"):
            current = line[4:line.index("(")]
        if line.endswith("# op"):
            lines[current] = n
    return module, lines


X = np.array([0.6, -0.4, 0.9])
V = np.array([0.3, 1.1, -0.4])
W = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 1.0], [0.0, 0.3, 2.0]])


def _arguments(module, ind, value):
    module.K = value
    module.LST = [value]
    return INDIRECTIONS[ind][4](module, value)


# ------------------------------------------------------------------ refused: user objects

MODES = ("grad", "jvp", "hessian", "jvp_of_grad")


def _run(mode, f, args):
    if mode == "grad":
        return tl.grad(f)(X.copy(), *args)
    if mode == "jvp":
        return tl.jvp(f, (X.copy(),) + tuple(args), (V,))
    if mode == "hessian":
        return tl.hessian(f)(X.copy(), *args)
    return tl.jvp(tl.grad(f), (X.copy(),) + tuple(args), (V,))


def _refused(module, lines, ind, op, mode):
    f = getattr(module, f"f_{ind}_{op}")
    args = _arguments(module, ind, module.Lin(W))
    shown = INDIRECTIONS[ind][3]
    with pytest.raises(tl.UnsupportedConstructError) as info:
        _run(mode, f, args)
    text = str(info.value)
    named = re.search(r"(?:of|argument) '([^']+)'", text)  # the user's expression: 'k', 'L[0]', '(-L[0])' (an unary
    assert named and shown in named.group(1) and "Lin" in text, text  # minus without derivatives runs as written)
    assert f"{module.__file__}:{lines[f.__name__]}:" in text, text
    assert "_t" not in re.sub(r"\w+_t\w*", "", text.split("To fix")[0]), text  # no internal names


@pytest.mark.parametrize("ind, op", CASES)
def test_user_object_operand_is_refused(programs, ind, op):
    """Every indirection x operator: refused in one mode (the modes rotate over the product)."""
    module, lines = programs
    _refused(module, lines, ind, op, MODES[CASES.index((ind, op)) % len(MODES)])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ind", ["alias", "dict_item", "loop_variable", "negation"])
def test_user_object_operand_is_refused_in_every_mode(programs, ind, mode):
    module, lines = programs
    _refused(module, lines, ind, "matmul", mode)
    _refused(module, lines, ind, "mul", mode)


# ------------------------------------------------------------------ differentiated: arrays and numbers


def _fd_grad(fun, x, eps=1e-6):
    return np.array([(fun(x + eps * e) - fun(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


def _fd_hessian(fun, x, eps=1e-4):
    n = x.size
    H = np.empty((n, n))
    for i, j in itertools.product(range(n), range(n)):
        ei, ej = eps * np.eye(n)[i], eps * np.eye(n)[j]
        H[i, j] = (fun(x + ei + ej) - fun(x + ei - ej) - fun(x - ei + ej) + fun(x - ei - ej)) / (4 * eps * eps)
    return H


def _values(op):
    """Operands that are arrays or numbers: a matrix for products, a matrix and a number otherwise."""
    return [W] if op in ("matmul", "dot", "np_matmul") else [W, 1.7]


@pytest.mark.parametrize("ind, op", CASES)
def test_array_operand_is_differentiated(programs, ind, op):
    """The same programs with arrays (and numbers) in the same places: grad and jvp equal central
    differences, in one mode of second order (the modes rotate)."""
    module, _ = programs
    f = getattr(module, f"f_{ind}_{op}")
    for value in _values(op):
        args = _arguments(module, ind, value)

        def fun(z, args=args):
            return f(z, *args)

        ref = _fd_grad(fun, X.copy())
        np.testing.assert_allclose(tl.grad(f)(X.copy(), *args), ref, rtol=1e-6, atol=1e-8)
        out, tangent = tl.jvp(f, (X.copy(),) + tuple(args), (V,))
        assert out == pytest.approx(fun(X.copy()))
        assert tangent == pytest.approx(ref @ V, rel=1e-6, abs=1e-8)
        if CASES.index((ind, op)) % 2 == 0:
            np.testing.assert_allclose(tl.hessian(f)(X.copy(), *args), _fd_hessian(fun, X.copy()),
                                       rtol=1e-4, atol=1e-5)
        else:
            _, hv = tl.jvp(tl.grad(f), (X.copy(),) + tuple(args), (V,))  # forward over reverse, composed
            np.testing.assert_allclose(hv, _fd_hessian(fun, X.copy()) @ V, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ training loops: params dicts, weight lists

TRAINING = '''
import numpy as np


def dict_loss(x, params):
    h = np.tanh(params["W"] @ x + params["b"])
    return np.sum(h * h) * params["scale"]


def list_loss(x, ws):
    h = x
    for w in ws:
        h = np.tanh(w @ h)
    return np.sum(h * h)


def tuple_loss(x, layer):
    W, b = layer
    return np.sum(np.sin(W @ x - b))


def steps(x, params):
    s = 0.0
    for _ in range(3):
        s = s + np.sum(np.cos(params["W"] @ x) * params["b"])
    return s
'''


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    return temp_module(tmp_path_factory.mktemp("user_operators_training"), TRAINING, "tl_user_operators_training")


PARAMS = {"W": W, "b": np.array([0.1, -0.2, 0.3]), "scale": 1.5}


@pytest.mark.parametrize("name, extra", [
    ("dict_loss", PARAMS), ("list_loss", [W, W.T * 0.5]), ("tuple_loss", (W, PARAMS["b"])), ("steps", PARAMS)])
def test_training_loops_over_containers_of_arrays(training, name, extra):
    f = getattr(training, name)

    def fun(z):
        return f(z, extra)

    ref = _fd_grad(fun, X.copy())
    np.testing.assert_allclose(tl.grad(f)(X.copy(), extra), ref, rtol=1e-6, atol=1e-8)
    assert tl.jvp(f, (X.copy(), extra), (V,))[1] == pytest.approx(ref @ V, rel=1e-6, abs=1e-8)
    np.testing.assert_allclose(tl.hessian(f)(X.copy(), extra), _fd_hessian(fun, X.copy()), rtol=1e-4, atol=1e-5)


def test_params_dict_items_need_no_run_time_check(training):
    """The ranks of the items of a dict argument are part of the specialisation key: the code that
    runs reads params["W"] as a matrix, without a check before each product (and a dict holding
    something else than arrays and numbers gets code with the checks)."""
    from tangent_lite import api

    def text(extra):
        spec = api._spec([X, extra])
        return api.compiled(training.dict_loss, "vjp", ("x",), spec).__tl_text__

    assert "_tl.operand" not in text(PARAMS)
    assert "_tl.operand" in text(dict(PARAMS, W=[W]))


def test_changed_containers_lose_their_item_ranks(tmp_path):
    """A list argument the function changes (or hands on) may hold other items than it was called
    with: its items are checked when the code runs."""
    module = temp_module(tmp_path, CLASSES + '''

def appended(x, L):
    L.append(Lin(L[0]))
    return np.sum(L[1] @ x)


def replaced(x, d):
    d["W"] = Lin(d["W"])
    return np.sum(d["W"] @ x)
''', "tl_user_operators_changed")
    for f, arg in ((module.appended, lambda: [W]), (module.replaced, lambda: {"W": W})):
        with pytest.raises(tl.UnsupportedConstructError, match="Lin"):
            tl.grad(f)(X.copy(), arg())


MORE = CLASSES + """

def ident(a):
    return a


def through_a_helper(x, m):
    k = ident(m)
    return np.sum(np.sin(k * x))


def absolute(x, m):
    return np.sum(np.sin(abs(m) * x))


def reduced_first(x, L):
    return np.sum(L[0]) * np.sum(np.sin(x))


def helper_reads_item(L, x):
    return np.sum(np.sin(L[0] @ x))


def item_in_helper(x, L):
    return helper_reads_item(L, x)
"""


@pytest.mark.parametrize("name, shown", [
    ("through_a_helper", "k"), ("absolute", "abs(m)"), ("reduced_first", "np.sum(L[0])"),
    ("item_in_helper", "L[0]")])
def test_results_of_calls_on_user_objects_are_checked(tmp_path, name, shown):
    """What a user function, abs() or np.sum returns for an object of the user's class is what its
    methods return (a rank of 0 proves nothing): checked too; with arrays, differentiated."""
    module = temp_module(tmp_path, MORE, "tl_user_operators_more")
    f = getattr(module, name)
    lin = module.Lin(W)
    arg = [lin] if name in ("reduced_first", "item_in_helper") else lin
    for run in (lambda: tl.grad(f)(X.copy(), arg), lambda: tl.jvp(f, (X.copy(), arg), (V,))):
        with pytest.raises(tl.UnsupportedConstructError, match=re.escape(f"'{shown}'") + ".*Lin"):
            run()
    array = [W] if name in ("reduced_first", "item_in_helper") else 1.7

    def fun(z):
        return f(z, array)

    ref = _fd_grad(fun, X.copy())
    np.testing.assert_allclose(tl.grad(f)(X.copy(), array), ref, rtol=1e-6, atol=1e-8)
    assert tl.jvp(f, (X.copy(), array), (V,))[1] == pytest.approx(ref @ V, rel=1e-6, abs=1e-8)


def test_abs_and_round_keep_the_rank_of_their_argument(tmp_path):
    """abs(x) of an array was taken for a number (a rank of 0): the gradient with respect to a
    number multiplying it was not summed (TypeError in as_grad)."""
    module = temp_module(tmp_path, """
import numpy as np


def f(x, c):
    return np.sum(abs(x) * c * x) + np.sum(round(c) * x)
""", "tl_user_operators_abs")
    c = 2.2
    fd = (module.f(X, c + 1e-6) - module.f(X, c - 1e-6)) / 2e-6
    assert tl.grad(module.f, wrt=1)(X.copy(), c) == pytest.approx(fd, rel=1e-6)
    np.testing.assert_allclose(tl.grad(module.f)(X.copy(), c), _fd_grad(lambda z: module.f(z, c), X.copy()),
                               rtol=1e-6)


def test_every_entry_point_runs_checked_code(programs):
    """tl.gradient_function, tl.tangent_function, tl.jacobian, tl.hvp and tl.jvp inside a function
    being differentiated run code made for arguments of any rank: it checks the operands too."""
    module, lines = programs
    f = module.f_list_item_mul
    lin = [module.Lin(W)]

    def outer(x, L):
        return tl.jvp(f, (x, L), (x,))[1]

    runs = [lambda: tl.gradient_function(f)[0](X.copy(), lin), lambda: tl.tangent_function(f)[0](X.copy(), lin, V),
            lambda: tl.jacobian(f)(X.copy(), lin), lambda: tl.hvp(f, X.copy(), V, lin),
            lambda: tl.grad(outer)(X.copy(), lin), lambda: tl.value_and_grad(f)(X.copy(), lin),
            lambda: tl.vjp(f, X.copy(), lin)[1](1.0),
            lambda: tl.jvp(outer, (X.copy(), lin), (np.eye(3),), batched=True)]
    for run in runs:
        with pytest.raises(tl.UnsupportedConstructError, match=r"'L\[0\]' is a Lin"):
            run()
    ref = _fd_grad(lambda z: f(z, [W]), X.copy())
    np.testing.assert_allclose(tl.gradient_function(f)[0](X.copy(), [W])[1], ref, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.jacobian(f)(X.copy(), [W]), ref, rtol=1e-6, atol=1e-8)
