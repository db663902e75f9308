"""autograd.util for the adapter."""


def quick_grad_check(*args, **kwargs):
    raise NotImplementedError("autograd.util.quick_grad_check (deprecated in autograd): use tl.check_grads")
