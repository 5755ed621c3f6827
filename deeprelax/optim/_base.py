"""The optimizer protocol and the optimizer built from a gradient transformation.

An *optimizer* has ``init(x0) -> state``, ``step(state, objective, rng) -> (state,
StepInfo)`` and ``params(state) -> x`` (the point where the loss is evaluated: the
replica mean for Elastic-SGD/Parle). It owns the gradient evaluations of one step
(one for SGD, L for Entropy-SGD, two for SAM); :func:`~deeprelax.optim.minimize`
owns the loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from .._core import ShapeError, array_namespace, bad_parameter
from ._transforms import GradientTransformation

__all__ = ["Optimizer", "StepInfo", "GradientOptimizer", "GradientState", "norm"]


class StepInfo(NamedTuple):
    """What one optimizer step reports.

    ``loss``: minibatch loss at the current point (mean over replicas);
    ``grad_norm``: ‖direction fed to the outer update‖ (the minibatch gradient for
    SGD, γ(x − μ) for Entropy-SGD; root-mean-square over replicas);
    ``n_grad_evals``: minibatch gradient evaluations spent (all replicas);
    ``gamma``, ``rho``: scope and coupling used (NaN when not applicable).
    """

    loss: float
    grad_norm: float
    n_grad_evals: int
    gamma: float = math.nan
    rho: float = math.nan


class Optimizer(Protocol):
    """The optimizer protocol (see the module docstring)."""

    name: str

    def init(self, x0: Any) -> Any: ...

    def step(self, state: Any, objective: Any, rng: np.random.Generator) -> tuple[Any, StepInfo]:
        ...

    def params(self, state: Any) -> Any: ...


def norm(v: Any) -> float:
    """Euclidean norm ‖v‖ of a flat vector, or RMS over rows of the row norms for ``(n, d)``."""
    xp = array_namespace(v)
    if v.ndim == 1:
        return float(xp.linalg.vector_norm(v))
    return float(xp.sqrt(xp.sum(v * v) / v.shape[0]))


def check_x0(x0: Any, dim: int, replicas: bool = False) -> Any:
    """``x0`` as a float64 array of shape ``(d,)`` (or ``(n, d)`` when ``replicas``)."""
    if not hasattr(x0, "__array_namespace__") and not isinstance(x0, np.ndarray):
        x0 = np.asarray(x0, dtype=np.float64)
    xp = array_namespace(x0)
    ok = x0.ndim == 1 and x0.shape[0] == dim
    ok = ok or (replicas and x0.ndim == 2 and x0.shape[1] == dim)
    if not ok:
        want = f"({dim},)" + (f" or (n_replicas, {dim})" if replicas else "")
        raise bad_parameter("x0", f"an array of shape {want} (objective.dim = {dim})",
                            f"shape {tuple(x0.shape)}", "flatten the parameters to one vector",
                            cls=ShapeError)
    return xp.astype(x0, xp.float64, copy=True)


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

    def init(self, x0: Any) -> GradientState:
        return GradientState(x0, self.transform.init(x0))

    def step(self, state: GradientState, objective: Any, rng: np.random.Generator
             ) -> tuple[GradientState, StepInfo]:
        loss, g = objective.loss_and_grad(state.x, rng)
        u, inner = self.transform.update(g, state.inner, state.x)
        return GradientState(state.x + u, inner), StepInfo(float(loss), norm(g), 1)

    def params(self, state: GradientState) -> Any:
        return state.x
