"""autograd.scipy for the adapter: SciPy itself (tangent_lite differentiates SciPy calls it
has rules for)."""

import sys
import types

import scipy.integrate as integrate
import scipy.linalg as linalg
import scipy.special as special
import scipy.stats as stats

for _name, _module in (("integrate", integrate), ("linalg", linalg), ("special", special), ("stats", stats)):
    sys.modules[__name__ + "." + _name] = _module
for _name in ("multivariate_normal", "norm", "t", "beta", "gamma", "dirichlet", "poisson", "chi2"):
    sys.modules[__name__ + ".stats." + _name] = getattr(stats, _name)


def _convolve(*args, **kwargs):
    raise NotImplementedError("autograd.scipy.signal.convolve(A, B, axes=, dot_axes=) is autograd's own function; "
                              "scipy.signal.convolve has other parameters and no tangent_lite rule")


signal = types.ModuleType(__name__ + ".signal")
signal.convolve = _convolve
sys.modules[signal.__name__] = signal
