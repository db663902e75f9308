"""autograd.wrap_util for the adapter: unary_to_nary and get_name (written for the adapter)."""

import functools


def get_name(f):
    return getattr(f, "__name__", "[unknown name]")


def unary_to_nary(unary_operator):
    """op(fun, x) -> op(fun, argnum=0)(*args, **kwargs), x being args[argnum] (a tuple of
    arguments for a tuple argnum)."""
    @functools.wraps(unary_operator)
    def nary_operator(fun, argnum=0, *op_args, **op_kwargs):
        def nary_f(*args, **kwargs):
            def unary_f(x):
                new = list(args)
                if isinstance(argnum, int):
                    new[argnum] = x
                else:
                    for i, xi in zip(argnum, x):
                        new[i] = xi
                return fun(*new, **kwargs)
            x = args[argnum] if isinstance(argnum, int) else tuple(args[i] for i in argnum)
            return unary_operator(unary_f, x, *op_args, **op_kwargs)
        return nary_f
    return nary_operator
