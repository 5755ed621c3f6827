"""The optimizer protocol and the optimizer built from a gradient transformation.

An *optimizer* has ``init(x0) -> state``, ``step(state, objective, rng) -> (state,
StepInfo)`` and ``params(state) -> x`` (the point where the loss is evaluated: the
replica mean for Elastic-SGD/Parle). It owns the gradient evaluations of one step
(one for SGD, L for Entropy-SGD, two for SAM); :func:`~deeprelax.optim.minimize`
owns the loop.

Step contract (what :func:`~deeprelax.optim.minimize` relies on to stop at the last
finite point after a divergence):

- a step whose minibatch loss or step direction is non-finite returns the state it was
  given, untouched, with that non-finite value in its :class:`StepInfo`;
- otherwise it may update the arrays of the state in place (x, momentum, moments: one
  pass over memory per step, as ``torch.optim``) and returns the new state;
- ``init`` copies ``x0``, so the caller's array is never written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import array_api_compat
import numpy as np

from .._core import ShapeError, array_namespace, as_float_array, bad_parameter, check_finite, to_numpy
from ._transforms import GradientTransformation, apply_update

__all__ = ["Optimizer", "StepInfo", "GradientOptimizer", "GradientState", "norm", "check_optimizer"]


class StepInfo(NamedTuple):
    """What one optimizer step reports.

    ``loss``: minibatch loss at the current point (mean over replicas);
    ``grad_norm``: ‖direction fed to the outer update‖ (the minibatch gradient for
    SGD, γ(x − μ) for Entropy-SGD; root-mean-square over replicas);
    ``n_grad_evals``: minibatch gradient evaluations spent (all replicas);
    ``gamma``, ``rho``: scope and coupling used (NaN when not applicable);
    ``coupling``: Entropy-SGD's inner-loop coupling diagnostic, the mean over the L
    inner gradient evaluations of ‖γ(x′ − x)‖ / ‖ĝ(x′)‖ (NaN for other optimizers;
    see :class:`~deeprelax.optim.InnerLoop`).
    """

    loss: float
    grad_norm: float
    n_grad_evals: int
    gamma: float = math.nan
    rho: float = math.nan
    coupling: float = math.nan

    @property
    def finite(self) -> bool:
        """Loss and direction norm both finite (the step was applied)."""
        return math.isfinite(self.loss) and math.isfinite(self.grad_norm)


class Optimizer(Protocol):
    """The optimizer protocol (see the module docstring for the step contract)."""

    name: str

    def init(self, x0: Any) -> Any: ...

    def step(self, state: Any, objective: Any, rng: np.random.Generator) -> tuple[Any, StepInfo]:
        ...

    def params(self, state: Any) -> Any: ...


def check_optimizer(name: str, opt: Any) -> Any:
    """Raise a clear error unless ``opt`` has ``init``, ``step`` and ``params``; return it."""
    missing = [a for a in ("init", "step", "params") if not callable(getattr(opt, a, None))]
    if missing:
        raise bad_parameter(name, "an optimizer with init(x0), step(state, objective, rng), params(state)",
                            f"{type(opt).__name__} lacking {missing}",
                            "build one with deeprelax.optim.sgd, adam, entropy_sgd, ...")
    return opt


def norm(v: Any) -> float:
    """Euclidean norm ‖v‖ of a flat vector, or RMS over rows of the row norms for ``(n, d)``.

    √(v·v) by ``vecdot`` (one BLAS-speed pass on numpy); it overflows to inf for
    ‖v‖ > 1e154, which the callers treat as a non-finite direction.
    """
    xp = array_namespace(v)
    with np.errstate(over="ignore", invalid="ignore"):  # inf/NaN are the answer, not a warning
        if v.ndim == 1:
            return math.sqrt(float(xp.vecdot(v, v)))
        return math.sqrt(float(xp.sum(xp.vecdot(v, v))) / v.shape[0])


def copy_array(x: Any) -> Any:
    """A new array equal to ``x`` (any namespace)."""
    return array_namespace(x).asarray(x, copy=True)


def check_x0(x0: Any, dim: int, replicas: bool = False, name: str = "x0") -> Any:
    """``x0`` as a finite float64 array of shape ``(d,)`` (or ``(n, d)`` when ``replicas``), copied.

    ``name`` is the caller's parameter. Arrays of any array-API namespace keep it.
    """
    if isinstance(x0, np.ndarray) or not array_api_compat.is_array_api_obj(x0):
        x0 = as_float_array(name, x0)
    else:
        xp = array_namespace(x0)
        if not (xp.isdtype(x0.dtype, "real floating") or xp.isdtype(x0.dtype, "integral")):
            raise bad_parameter(name, "an array of real numbers", f"an array of dtype {x0.dtype}")
    xp = array_namespace(x0)
    ok = x0.ndim == 1 and x0.shape[0] == dim
    ok = ok or (replicas and x0.ndim == 2 and x0.shape[1] == dim and x0.shape[0] >= 1)
    if not ok:
        want = f"({dim},)" + (f" or (n_replicas, {dim})" if replicas else "")
        raise bad_parameter(name, f"an array of shape {want} (objective.dim = {dim})",
                            f"shape {tuple(x0.shape)}", "flatten the parameters to one vector",
                            cls=ShapeError)
    x0 = xp.astype(x0, xp.float64, copy=True)
    check_finite(name, to_numpy(x0))
    return x0


class GradientState(NamedTuple):
    """x and the transform's state."""

    x: Any
    inner: Any


@dataclass(frozen=True)
class GradientOptimizer:
    """One minibatch gradient per step, then a transform: x ← x + u(ĝ(x)).

    Parameters
    ----------
    transform : GradientTransformation
        E.g. ``chain(trace(0.9), scale_by_learning_rate(0.1))``.
    name : str
        A label for reports.
    """

    transform: GradientTransformation
    name: str = "gradient"

    def __post_init__(self) -> None:
        if not isinstance(self.transform, GradientTransformation):
            raise bad_parameter("transform", "a GradientTransformation", type(self.transform).__name__,
                                "build it with deeprelax.optim.chain(...) or sgd_transform(...)")
        if not isinstance(self.name, str):
            raise bad_parameter("name", "a string", self.name)

    def init(self, x0: Any) -> GradientState:
        x = copy_array(x0)
        return GradientState(x, self.transform.init(x))

    def step(self, state: GradientState, objective: Any, rng: np.random.Generator
             ) -> tuple[GradientState, StepInfo]:
        loss, g = objective.loss_and_grad(state.x, rng)
        info = StepInfo(float(loss), norm(g), 1)
        if not info.finite:  # the step contract: nothing moves on a non-finite evaluation
            return state, info
        x, inner = apply_update(self.transform, g, state.inner, state.x)
        return GradientState(x, inner), info

    def params(self, state: GradientState) -> Any:
        return state.x
