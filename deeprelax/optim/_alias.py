"""Baseline optimizers as recipes of transforms: SGD (momentum, Nesterov, weight decay), Adam, SGLD."""

from __future__ import annotations

from .._core import bad_parameter
from ._base import GradientOptimizer
from ._schedules import Schedule, as_schedule
from ._transforms import (
    GradientTransformation,
    add_decayed_weights,
    add_langevin_noise,
    chain,
    scale_by_adam,
    scale_by_learning_rate,
    trace,
)

__all__ = ["sgd", "sgd_transform", "adam", "adam_transform", "sgld"]


def sgd_transform(lr: float | Schedule, momentum: float = 0.0, nesterov: bool = False,
                  weight_decay: float = 0.0) -> GradientTransformation:
    """The transform of :func:`sgd` (reused as the outer loop of Entropy-SGD and Parle)."""
    as_schedule("lr", lr)
    if nesterov and momentum == 0:
        raise bad_parameter("momentum", "> 0 when nesterov=True", momentum, "pass momentum=0.9")
    parts = []
    if weight_decay:
        parts.append(add_decayed_weights(weight_decay))
    if momentum:
        parts.append(trace(momentum, nesterov))
    parts.append(scale_by_learning_rate(lr))
    return chain(*parts)


def sgd(lr: float | Schedule, momentum: float = 0.0, nesterov: bool = False,
        weight_decay: float = 0.0) -> GradientOptimizer:
    """Stochastic gradient descent with optional momentum and weight decay.

    g ← ĝ(x) + λx;  v ← m v + g;  x ← x − η_t (v, or g + m v with Nesterov).

    Parameters
    ----------
    lr : float or schedule
        η_t > 0.
    momentum : float, default 0
        m ∈ [0, 1) (PyTorch convention, no dampening).
    nesterov : bool, default False
        Nesterov's look-ahead form g + m v.
    weight_decay : float, default 0
        λ ≥ 0 (L2, added to the gradient).

    Examples
    --------
    >>> opt = sgd(0.1, momentum=0.9, nesterov=True)
    """
    return GradientOptimizer(sgd_transform(lr, momentum, nesterov, weight_decay), "sgd")


def adam_transform(lr: float | Schedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                   weight_decay: float = 0.0) -> GradientTransformation:
    """The transform of :func:`adam` (reused as Entropy-Adam's outer loop)."""
    parts = [add_decayed_weights(weight_decay)] if weight_decay else []
    return chain(*parts, scale_by_adam(b1, b2, eps), scale_by_learning_rate(lr))


def adam(lr: float | Schedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
         weight_decay: float = 0.0) -> GradientOptimizer:
    """Adam: x ← x − η_t m̂/(√v̂ + ε) (Kingma & Ba 2015, arXiv:1412.6980); L2 decay λ in g."""
    return GradientOptimizer(adam_transform(lr, b1, b2, eps, weight_decay), "adam")


def sgld(lr: float | Schedule, temperature: float = 1.0, seed: int = 0) -> GradientOptimizer:
    """Stochastic-gradient Langevin dynamics: x ← x − η_t ĝ(x) + √(2η_t T) ξ.

    Euler–Maruyama for dx = −∇f dt + √(2T) dW, whose stationary law is ∝ exp(−f/T)
    (up to O(η) and the minibatch noise). ξ comes from the stream (``seed``, t).

    References
    ----------
    Welling & Teh, ICML 2011; Chaudhari et al., arXiv:1611.01838, App. A, eq. (12).
    """
    return GradientOptimizer(chain(scale_by_learning_rate(lr),
                                   add_langevin_noise(lr, temperature, seed)), "sgld")
