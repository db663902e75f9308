"""Rule cases (merged into ``rule_cases.CASES``) for complex numbers and ``np.fft``.

Complex leaves are checked by tests/test_rules.py in the convention of docs/complex-numbers.md:
random complex directions, finite differences of complex outputs, and the pairing
``Re(sum(a * b))`` in the dot-product identity.  The transforms are sampled for every ``norm``,
odd and even lengths, and ``n``/``s`` that pad and that truncate.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, List

import numpy as np
from rule_cases import Case, sample

NORMS = (None, "backward", "ortho", "forward")


def csample(rng: np.random.Generator, shape: Any, lo: float = 0.3, hi: float = 2.0) -> np.ndarray:
    """Complex values with modulus in [lo, hi] (away from 0, where abs and angle have kinks)."""
    r = rng.uniform(lo, hi, size=shape)
    phi = rng.uniform(-3.0, 3.0, size=shape)  # away from the branch cut of angle at +-pi
    return np.asarray(r * np.exp(1j * phi))


def _case(label: str, make: Callable[[np.random.Generator], Any]) -> Case:
    return Case(make, label)


def _one_d(kind: str) -> List[Case]:
    """fft/ifft/rfft/irfft cases: odd and even lengths, n padding and truncating, every norm."""
    out = []
    for length, n, norm in itertools.product((5, 6), (None, 4, 7, 8), NORMS):
        if norm not in (None, "ortho") and n not in (None, 7):
            continue
        real = kind == "r"
        def make(rng, length=length, n=n, norm=norm, real=real):
            a = sample(rng, (3, length)) if real else csample(rng, (3, length))
            return (a, n, -1, norm), {}
        out.append(_case(f"{'real' if real else 'complex'} (3, {length}) n={n} norm={norm}", make))
    out.append(_case("axis=0 of a real (4, 3) array", lambda rng: ((sample(rng, (4, 3)),), {"axis": 0})))
    return out


def _n_d(two: bool) -> List[Case]:
    out = []
    for s, axes, norm in [(None, None, None), ((3, 4), None, "ortho"), ((5, 2), (0, 2), "forward"),
                          (None, (1, 0), "backward"), ((4,), None, None)]:
        if two and s is not None and len(s) != 2:  # fft2's default axes are two
            continue
        def make(rng, s=s, axes=axes, norm=norm):
            a = csample(rng, (4, 3, 3))
            kwargs = {"norm": norm}
            if s is not None:
                kwargs["s"] = s
            if axes is not None:
                kwargs["axes"] = axes
            return (a,), kwargs
        out.append(_case(f"(4, 3, 3) s={s} axes={axes} norm={norm}", make))
    return out


def _real_n_d(inverse: bool) -> List[Case]:
    out = []
    for shape, s, axes, norm in [((4, 6), None, None, None), ((3, 5), (4, 7), None, "ortho"),
                                 ((2, 3, 5), (3, 4), (0, 2), "forward"), ((3, 4, 5), None, (2, 1), "backward")]:
        def make(rng, shape=shape, s=s, axes=axes, norm=norm):
            a = csample(rng, shape) if inverse else sample(rng, shape)
            kwargs = {"norm": norm}
            if s is not None:
                kwargs["s"] = s
            if axes is not None:
                kwargs["axes"] = axes
            return (a,), kwargs
        out.append(_case(f"{shape} s={s} axes={axes} norm={norm}", make))
    return out


def _shift() -> List[Case]:
    return [_case("complex (5,)", lambda rng: ((csample(rng, (5,)),), {})),
            _case("real (4, 5) axes=1", lambda rng: ((sample(rng, (4, 5)),), {"axes": 1})),
            _case("real (3, 4) all axes", lambda rng: ((sample(rng, (3, 4)),), {}))]


def _fft_linear() -> List[Case]:
    """After (a VJP): ``v`` has the transform's sizes (3, 7), ``like`` the primal's shape (3, 5).
    Before (its transpose): ``v`` has the primal's shape, ``like`` the transform's."""
    out = []
    for inverse, before, real in itertools.product((False, True), (False, True), (False, True)):
        def make(rng, inverse=inverse, before=before, real=real):
            primal = sample(rng, (3, 5)) if real else csample(rng, (3, 5))
            spectrum = csample(rng, (3, 7))
            v, like = (primal, spectrum) if before else (spectrum, primal)
            return (v, like, 7, -1, "ortho", inverse, before), {}
        out.append(_case(f"inverse={inverse} before={before} real primal={real}", make))
    return out


def _bar(kind: str) -> List[Case]:
    """rfft_bar / irfft_bar / rfft_apply / irfft_apply with the seeds of their primal's shapes."""
    out = []
    for shape, s, axes, norm in [((3, 6), 7, -1, None), ((3, 5), None, -1, "ortho"), ((4, 5), (3, 4), None, "forward"),
                                 ((3, 4), 6, 0, "backward")]:
        def make(rng, shape=shape, s=s, axes=axes, norm=norm):
            if kind == "rfft_bar":
                x = sample(rng, shape)
                g = np.fft.rfftn(x, (s,) if isinstance(s, int) else s, (axes,) if isinstance(axes, int) else axes)
                return (csample(rng, g.shape), x, s, axes, norm), {}
            if kind == "irfft_bar":
                a = csample(rng, shape)
                y = np.fft.irfftn(a, (s,) if isinstance(s, int) else s, (axes,) if isinstance(axes, int) else axes)
                return (sample(rng, y.shape), a, s, axes, norm), {}
            if kind == "hfft_bar" and not isinstance(axes, tuple) and axes is not None:
                a = csample(rng, shape)
                return (sample(rng, np.fft.hfft(a, s, axes).shape), a, s, axes, norm), {}
            if kind == "ihfft_bar" and not isinstance(axes, tuple) and axes is not None:
                x = sample(rng, shape)
                return (csample(rng, np.fft.ihfft(x, s, axes).shape), x, s, axes, norm), {}
            if kind in ("hfft_bar", "ihfft_bar"):  # 1-D transforms only: the n-D case as its last axis
                x = csample(rng, shape) if kind == "hfft_bar" else sample(rng, shape)
                y = (np.fft.hfft if kind == "hfft_bar" else np.fft.ihfft)(x, None, -1)
                return ((sample if kind == "hfft_bar" else csample)(rng, y.shape), x, None, -1, norm), {}
            if kind == "rfft_apply":
                return (sample(rng, shape), s, axes, norm), {}
            return (csample(rng, shape), s, axes, norm), {}
        out.append(_case(f"{shape} s={s} axes={axes} norm={norm}", make))
    return out


CASES: Dict[str, List[Case]] = {
    "numpy.fft.fft": _one_d("c") + _one_d("r")[:4],
    "numpy.fft.ifft": _one_d("c"),
    "numpy.fft.rfft": _one_d("r"),
    "numpy.fft.irfft": _one_d("c"),
    "numpy.fft.fft2": _n_d(True),
    "numpy.fft.ifft2": _n_d(True),
    "numpy.fft.fftn": _n_d(False),
    "numpy.fft.ifftn": _n_d(False),
    "numpy.fft.rfft2": _real_n_d(False)[:2],
    "numpy.fft.irfft2": _real_n_d(True)[:2],
    "numpy.fft.rfftn": _real_n_d(False),
    "numpy.fft.irfftn": _real_n_d(True),
    "numpy.fft.hfft": _one_d("c"),
    "numpy.fft.ihfft": _one_d("r"),
    "numpy.fft.fftshift": _shift(),
    "numpy.fft.ifftshift": _shift(),
    "numpy.imag": [_case("complex (3, 2)", lambda rng: ((csample(rng, (3, 2)),), {})),
                   _case("real (4,)", lambda rng: ((sample(rng, (4,)),), {}))],
    "numpy.angle": [_case("complex (5,)", lambda rng: ((csample(rng, (5,)),), {})),
                    _case("complex (2, 2) deg=True", lambda rng: ((csample(rng, (2, 2)),), {"deg": True}))],
    "tangent_lite.runtime.elementwise.abs_grad": [
        _case("complex (2, 3)", lambda rng: ((csample(rng, (2, 3)),), {})),
        _case("real (4,)", lambda rng: ((sample(rng, (4,), 0.3, 2.0, signed=True),), {}))],
    "builtins.complex": [_case("floats", lambda rng: ((sample(rng, "float"), sample(rng, "float")), {}))],
    "tangent_lite.runtime.fft.hfft_bar": _bar("hfft_bar"),
    "tangent_lite.runtime.fft.ihfft_bar": _bar("ihfft_bar"),
    "tangent_lite.runtime.fft.fft_linear": _fft_linear(),
    "tangent_lite.runtime.fft.rfft_bar": _bar("rfft_bar"),
    "tangent_lite.runtime.fft.irfft_bar": _bar("irfft_bar"),
    "tangent_lite.runtime.fft.rfft_apply": _bar("rfft_apply"),
    "tangent_lite.runtime.fft.irfft_apply": _bar("irfft_apply"),
}

# complex inputs to rules written once for real and complex input (the holomorphic class and
# the non-holomorphic functions with their own rules): added to the cases of rule_cases.py
COMPLEX_EXTRA: Dict[str, List[Case]] = {
    name: [_case("complex (3,)", lambda rng: ((csample(rng, (3,)),), {}))]
    for name in ("numpy.sin", "numpy.cos", "numpy.tan", "numpy.exp", "numpy.log", "numpy.sqrt", "numpy.tanh",
                 "numpy.sinh", "numpy.cosh", "numpy.absolute", "numpy.square", "numpy.reciprocal", "numpy.negative",
                 "numpy.expm1", "numpy.log1p", "numpy.arctan", "builtins.abs")
}
for _name in ("numpy.multiply", "numpy.divide", "numpy.add", "numpy.subtract", "operator.mul", "operator.truediv",
              "operator.add", "operator.sub", "numpy.dot", "numpy.matmul", "operator.matmul", "numpy.outer"):
    COMPLEX_EXTRA[_name] = [
        _case("complex (3,) and complex (3,)", lambda rng: ((csample(rng, (3,)), csample(rng, (3,))), {})),
        _case("real (3,) and complex (3,)", lambda rng: ((sample(rng, (3,)), csample(rng, (3,))), {}))]
for _name in ("numpy.power", "operator.pow"):
    COMPLEX_EXTRA[_name] = [_case("complex (3,) ** 3.0", lambda rng: ((csample(rng, (3,)), 3.0), {}))]
COMPLEX_EXTRA["numpy.sum"] = [_case("complex (2, 3) axis=1", lambda rng: ((csample(rng, (2, 3)),), {"axis": 1}))]
COMPLEX_EXTRA["numpy.prod"] = [_case("complex (2, 3) axis=0", lambda rng: ((csample(rng, (2, 3)),), {"axis": 0}))]
for _name in ("numpy.max", "numpy.min"):  # NumPy's lexicographic order: the derivative selects the entry
    COMPLEX_EXTRA[_name] = [_case("complex (3, 4) axis 1", lambda rng: ((csample(rng, (3, 4)),), {"axis": 1})),
                            _case("complex (5,)", lambda rng: ((csample(rng, (5,)),), {}))]
COMPLEX_EXTRA["numpy.mean"] = [_case("complex (2, 3)", lambda rng: ((csample(rng, (2, 3)),), {}))]
