"""tangent_lite differentiates Python source.  autograd's tests often hand a NumPy/SciPy
function itself to ``grad`` (``grad(np.sum)``, ``check_grads(np.tanh)``): for those, this
module writes the one-line Python function a tangent_lite user would write,
``def sum_(x0, axis, keepdims): return _target(x0, axis=axis, keepdims=keepdims)``, to a
file (so its source can be read) and returns it.  The derivative still comes entirely from
tangent_lite's rule for the NumPy function."""

import functools
import importlib.util
import inspect
import keyword
import os
import re
import tempfile

from tangent_lite.rules import REGISTRY

_DIR = tempfile.mkdtemp(prefix="tl_autograd_adapter_")
_made = {}


def has_source(fun):
    """A Python function, lambda, bound method or partial of one (what tangent_lite reads); not one
    with tangent_lite rules (``scipy.stats.norm.pdf``, ``scipy.special.polygamma``), which a user
    calls from a function of their own so that its rules differentiate it."""
    if REGISTRY.get(fun) is not None:
        return False
    if isinstance(fun, functools.partial):
        return has_source(fun.func)
    if inspect.ismethod(fun):
        return inspect.isfunction(fun.__func__)
    return inspect.isfunction(fun)


def source_function(fun, n_positional, kw_names):
    """``fun`` itself if tangent_lite can read it, else a written wrapper taking
    ``n_positional`` positional parameters and the keyword parameters ``kw_names``."""
    if has_source(fun):
        return fun
    key = (id(fun), n_positional, tuple(kw_names))
    if key in _made and _made[key][0] is fun:
        return _made[key][1]
    base = re.sub(r"\W", "_", getattr(fun, "__name__", "fn")) or "fn"
    name = base + "_" if keyword.iskeyword(base) or base.startswith("_") else base
    params = [f"x{i}" for i in range(n_positional)] + list(kw_names)
    call = [f"x{i}" for i in range(n_positional)] + [f"{k}={k}" for k in kw_names]
    module_name = f"tl_autograd_wrapper_{len(_made)}"
    path = os.path.join(_DIR, module_name + ".py")
    with open(path, "w") as fh:
        fh.write(f"_target = None\n\n\ndef {name}({', '.join(params)}):\n    return _target({', '.join(call)})\n")
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._target = fun
    wrapper = getattr(module, name)
    _made[key] = (fun, wrapper)
    return wrapper


def for_call(fun, args, kwargs):
    return source_function(fun, len(args), sorted(kwargs))
