"""Baseline optimizers as recipes of transforms: SGD (momentum, Nesterov, weight decay), Adam, SGLD.

The SGD and Adam recipes also declare what they are (:class:`FusedSGD`,
:class:`FusedAdam`): the registered accelerators of :mod:`._accel` read those records
to run the whole chain as one fused pass on host float64 arrays, bitwise equal to the
chain of generic transforms (``tests/optim/test_accel.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._core import bad_parameter, check_bool, check_int, check_nonnegative
from ._accel import Accelerator, adam_kernel, flat, host_float64, register, sgd_kernel
from ._base import GradientOptimizer
from ._schedules import Schedule, as_schedule, checked
from ._transforms import (
    AdamState,
    CountState,
    GradientTransformation,
    add_decayed_weights,
    add_langevin_noise,
    chain,
    check_momentum,
    scale_by_adam,
    scale_by_learning_rate,
    trace,
)

__all__ = ["sgd", "sgd_transform", "adam", "adam_transform", "sgld", "FusedSGD", "FusedAdam"]


@dataclass(frozen=True)
class FusedSGD:
    """What :func:`sgd_transform` built, for its accelerator: the scalars and the state layout.

    The chain's state is ``(EmptyState?, TraceState?, CountState)``: ``trace_at`` and
    ``count_at`` are the positions of the momentum trace and of the step count.
    """

    lr: Schedule
    momentum: float
    nesterov: bool
    weight_decay: float
    trace_at: int | None
    count_at: int
    rule: str = "sgd"


@dataclass(frozen=True)
class FusedAdam:
    """What :func:`adam_transform` built: scalars and layout ``(EmptyState?, AdamState, CountState)``."""

    lr: Schedule
    b1: float
    b2: float
    eps: float
    weight_decay: float
    adam_at: int
    count_at: int
    rule: str = "adam"


def _with(state: tuple, at: int, value: Any) -> tuple:
    return state[:at] + (value,) + state[at + 1:]


def _sgd_fused(spec: FusedSGD, g: Any, state: tuple, x: Any) -> tuple[Any, tuple]:
    """The SGD chain as one pass (:func:`~._accel.sgd_kernel`); same contract as ``apply_update``."""
    count = state[spec.count_at].count
    lr = checked("lr", spec.lr, count)
    v = None if spec.trace_at is None else state[spec.trace_at].trace
    sgd_kernel(flat(x), flat(g), flat(v), lr, spec.momentum, spec.nesterov, spec.weight_decay)
    return x, _with(state, spec.count_at, CountState(count + 1))


def _adam_fused(spec: FusedAdam, g: Any, state: tuple, x: Any) -> tuple[Any, tuple]:
    """The Adam chain as one pass (:func:`~._accel.adam_kernel`); same contract as ``apply_update``."""
    count = state[spec.count_at].count
    lr = checked("lr", spec.lr, count)
    s = state[spec.adam_at]
    t = s.count + 1
    adam_kernel(flat(x), flat(g), flat(s.mu), flat(s.nu), lr, spec.b1, spec.b2,
                spec.eps, 1 - spec.b1**t, 1 - spec.b2**t, spec.weight_decay)
    state = _with(state, spec.adam_at, AdamState(t, s.mu, s.nu))
    return x, _with(state, spec.count_at, CountState(count + 1))


_CONDITION = "x and g numpy float64 C-contiguous arrays of one size, Numba JIT enabled"
register(Accelerator("sgd", "fused_sgd", _CONDITION, "bitwise", host_float64, _sgd_fused))
register(Accelerator("adam", "fused_adam", _CONDITION, "bitwise", host_float64, _adam_fused))


def sgd_transform(lr: float | Schedule, momentum: float = 0.0, nesterov: bool = False,
                  weight_decay: float = 0.0) -> GradientTransformation:
    """The transform of :func:`sgd`: ``chain(add_decayed_weights, trace, scale_by_learning_rate)``.

    Reused as the outer loop of Entropy-SGD, Elastic-SGD and Parle.
    """
    as_schedule("lr", lr)
    momentum = check_momentum("momentum", momentum)
    nesterov = check_bool("nesterov", nesterov)
    weight_decay = check_nonnegative("weight_decay", weight_decay)
    if nesterov and momentum == 0:
        raise bad_parameter("momentum", "> 0 when nesterov=True", momentum, "pass momentum=0.9")
    parts = []
    if weight_decay:
        parts.append(add_decayed_weights(weight_decay))
    trace_at = None
    if momentum:
        trace_at = len(parts)
        parts.append(trace(momentum, nesterov))
    parts.append(scale_by_learning_rate(lr))
    tx = chain(*parts)
    spec = FusedSGD(as_schedule("lr", lr), momentum, nesterov, weight_decay, trace_at, len(parts) - 1)
    return GradientTransformation(tx.init, tx.update, spec)


def sgd(lr: float | Schedule, momentum: float = 0.0, nesterov: bool = False,
        weight_decay: float = 0.0) -> GradientOptimizer:
    """Stochastic gradient descent with optional momentum and weight decay.

    g ← ĝ(x) + λx;  v ← m v + g;  x ← x − η_t (v, or g + m v with Nesterov).

    Parameters
    ----------
    lr : float or schedule
        η_t > 0 (a schedule is a callable of the step count t).
    momentum : float, default 0
        m ∈ [0, 1) (PyTorch convention, no dampening).
    nesterov : bool, default False
        Nesterov's look-ahead form g + m v.
    weight_decay : float, default 0
        λ ≥ 0 (L2, added to the gradient).

    Returns
    -------
    GradientOptimizer

    Notes
    -----
    On host float64 arrays the step runs as one fused pass (:mod:`._accel`, bitwise
    equal to the chain of transforms).

    Examples
    --------
    >>> opt = sgd(0.1, momentum=0.9, nesterov=True)
    """
    return GradientOptimizer(sgd_transform(lr, momentum, nesterov, weight_decay), "sgd")


def adam_transform(lr: float | Schedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                   weight_decay: float = 0.0) -> GradientTransformation:
    """The transform of :func:`adam` (reused as Entropy-Adam's outer loop)."""
    as_schedule("lr", lr)
    weight_decay = check_nonnegative("weight_decay", weight_decay)
    parts = [add_decayed_weights(weight_decay)] if weight_decay else []
    adam_at = len(parts)
    parts += [scale_by_adam(b1, b2, eps), scale_by_learning_rate(lr)]
    tx = chain(*parts)
    spec = FusedAdam(as_schedule("lr", lr), float(b1), float(b2), float(eps), weight_decay, adam_at,
                     adam_at + 1)
    return GradientTransformation(tx.init, tx.update, spec)


def adam(lr: float | Schedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
         weight_decay: float = 0.0) -> GradientOptimizer:
    """Adam: x ← x − η_t m̂/(√v̂ + ε), with L2 decay λ added to the gradient.

    m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).

    Parameters
    ----------
    lr : float or schedule
        η_t > 0.
    b1, b2 : float
        β₁, β₂ ∈ [0, 1).
    eps : float
        ε > 0, added outside the square root (as in the paper and PyTorch).
    weight_decay : float
        λ ≥ 0 (L2 in the gradient, PyTorch's ``Adam(weight_decay=...)``, not AdamW).

    References
    ----------
    D. P. Kingma, J. Ba, "Adam: a method for stochastic optimization", ICLR 2015,
    arXiv:1412.6980, Alg. 1.

    Examples
    --------
    >>> opt = adam(1e-3)
    """
    return GradientOptimizer(adam_transform(lr, b1, b2, eps, weight_decay), "adam")


def sgld(lr: float | Schedule, temperature: float = 1.0, seed: int = 0) -> GradientOptimizer:
    """Stochastic-gradient Langevin dynamics: x ← x − η_t ĝ(x) + √(2η_t T) ξ.

    Euler–Maruyama for dx = −∇f dt + √(2T) dW, whose stationary law is ∝ exp(−f/T)
    (up to O(η) and the minibatch noise). ξ comes from the stream (``seed``, t).

    Parameters
    ----------
    lr : float or schedule
        η_t > 0.
    temperature : float
        T ≥ 0.
    seed : int
        Non-negative seed of the noise stream.

    References
    ----------
    Welling & Teh, ICML 2011; Chaudhari et al., arXiv:1611.01838, App. A, eq. (12).
    """
    as_schedule("lr", lr)
    check_nonnegative("temperature", temperature)
    check_int("seed", seed, low=0, fix="pass a non-negative integer seed")
    return GradientOptimizer(chain(scale_by_learning_rate(lr),
                                   add_langevin_noise(lr, temperature, seed)), "sgld")
