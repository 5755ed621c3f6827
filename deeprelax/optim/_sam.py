"""SAM and ASAM as wrappers around any base optimizer.

The wrapper replaces the objective seen by the base optimizer: every minibatch
gradient ĝ(x) becomes ĝ(x + e(x)), the gradient at the adversarial point, on the
*same* minibatch (the generator is replayed, which the objective protocol allows):

- SAM:  e = ρ ĝ/‖ĝ‖                      (Foret et al. 2021, arXiv:2010.01412)
- ASAM: e = ρ T²ĝ/‖Tĝ‖, T = |x| + η_a    (Kwon et al. 2021, arXiv:2102.11600)

So SAM wraps SGD, Adam, Entropy-SGD (SAM inner steps) or Parle alike; each wrapped
gradient costs two evaluations.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import array_namespace, bad_parameter, check_nonnegative
from ._base import StepInfo, check_optimizer, norm

__all__ = ["SAM", "sam", "asam"]


class _SharpnessObjective:
    """An objective whose gradient is taken at x + e(x) on the same minibatch."""

    def __init__(self, objective: Any, rho: float, adaptive: float | None) -> None:
        self.objective = objective
        self.rho = rho
        self.adaptive = adaptive
        self.dim = objective.dim
        self.batch_size = objective.batch_size
        self.n_samples = objective.n_samples

    def loss_and_grad(self, x: Any, rng: np.random.Generator) -> tuple[float, Any]:
        # a copy of the generator replays the same minibatch at x + e: the objective
        # protocol draws everything from rng, so the two gradients see one sample
        replay = copy.deepcopy(rng)
        loss, g = self.objective.loss_and_grad(x, rng)
        xp = array_namespace(g)
        if self.adaptive is None:
            gn = norm(g)
            # ĝ = 0 has no ascent direction: e = 0 (0·g keeps g's shape and namespace)
            e = (self.rho / gn) * g if gn > 0 else 0.0 * g
        else:
            T = xp.abs(x) + self.adaptive   # ASAM's T_x = |x| + η: sharpness in scale-free units
            tg = T * g
            gn = norm(tg)
            e = (self.rho / gn) * (T * tg) if gn > 0 else 0.0 * g
        _, g_adv = self.objective.loss_and_grad(x + e, replay)
        return loss, g_adv

    def full_loss(self, x: Any) -> float:
        return self.objective.full_loss(x)


@dataclass(frozen=True)
class SAM:
    """A base optimizer fed sharpness-aware gradients; build it with :func:`sam`/:func:`asam`."""

    base: Any
    rho: float
    adaptive: float | None = None
    name: str = "sam"

    def __post_init__(self) -> None:
        check_optimizer("base", self.base)
        object.__setattr__(self, "rho", check_nonnegative("rho", self.rho))
        if self.adaptive is not None:
            object.__setattr__(self, "adaptive", check_nonnegative("adaptive", self.adaptive))
        if not isinstance(self.name, str):
            raise bad_parameter("name", "a string", self.name)

    def init(self, x0: Any) -> Any:
        return self.base.init(x0)

    def step(self, state: Any, objective: Any, rng: np.random.Generator) -> tuple[Any, StepInfo]:
        state, info = self.base.step(state, _SharpnessObjective(objective, self.rho, self.adaptive),
                                     rng)
        return state, info._replace(n_grad_evals=2 * info.n_grad_evals)

    def params(self, state: Any) -> Any:
        return self.base.params(state)


def sam(base: Any, rho: float = 0.05) -> SAM:
    """Sharpness-aware minimisation around ``base``: its gradients taken at x + ρĝ/‖ĝ‖.

    With ρ = 0 the trajectory is exactly the base optimizer's (same minibatches).

    References
    ----------
    P. Foret, A. Kleiner, H. Mobahi, B. Neyshabur, "Sharpness-aware minimization for
    efficiently improving generalization", ICLR 2021, arXiv:2010.01412.

    Examples
    --------
    >>> from deeprelax.optim import sgd
    >>> opt = sam(sgd(0.1, momentum=0.9), rho=0.05)
    """
    return SAM(check_optimizer("base", base), check_nonnegative("rho", rho))


def asam(base: Any, rho: float = 0.5, eta: float = 0.01) -> SAM:
    """Adaptive SAM: e = ρT²ĝ/‖Tĝ‖ with T = |x| + η (scale-invariant sharpness).

    References
    ----------
    J. Kwon, J. Kim, H. Park, I. K. Choi, "ASAM", ICML 2021, arXiv:2102.11600.
    """
    return SAM(check_optimizer("base", base), check_nonnegative("rho", rho), check_nonnegative("eta", eta),
               "asam")
