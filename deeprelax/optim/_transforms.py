"""Gradient transformations in optax's shape: an ``(init, update)`` pair per transform.

``init(x) -> state`` and ``update(g, state, x) -> (u, state)``; the parameters move
by ``x ← x + u``. Transforms are pure (they return new arrays and states) and
elementwise, so they work unchanged on a flat vector ``(d,)`` or on replicas
``(n, d)``, in any array-API namespace. States are NamedTuples; randomness is
``(seed, count)`` in the state.

Symbols: g the incoming gradient (shape of x), u the outgoing update, t the count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .._core import bad_parameter, check_nonnegative
from ._random import standard_normal
from ._schedules import Schedule, as_schedule, checked

__all__ = [
    "GradientTransformation",
    "chain",
    "identity",
    "scale",
    "scale_by_learning_rate",
    "trace",
    "add_decayed_weights",
    "scale_by_adam",
    "add_langevin_noise",
]


class GradientTransformation(NamedTuple):
    """An ``(init, update)`` pair: ``init(x) -> state``, ``update(g, state, x) -> (u, state)``."""

    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple[Any, Any]]


class EmptyState(NamedTuple):
    """State of a stateless transform."""


class CountState(NamedTuple):
    """The step count t."""

    count: int


class TraceState(NamedTuple):
    """Momentum buffer v (shape of x)."""

    trace: Any


class AdamState(NamedTuple):
    """Adam's moments m, v (shape of x) and the count t."""

    count: int
    mu: Any
    nu: Any


class NoiseState(NamedTuple):
    """(seed, count) of the Langevin noise stream."""

    seed: int
    count: int


def identity() -> GradientTransformation:
    """u = g."""
    return GradientTransformation(lambda x: EmptyState(), lambda g, s, x: (g, s))


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` in order; the state is the tuple of their states."""
    for i, t in enumerate(transforms):
        if not isinstance(t, GradientTransformation):
            raise bad_parameter(f"transforms[{i}]", "a GradientTransformation", type(t).__name__)

    def init(x: Any) -> tuple:
        return tuple(t.init(x) for t in transforms)

    def update(g: Any, state: tuple, x: Any) -> tuple[Any, tuple]:
        new = []
        for t, s in zip(transforms, state):
            g, s = t.update(g, s, x)
            new.append(s)
        return g, tuple(new)

    return GradientTransformation(init, update)


def scale(c: float) -> GradientTransformation:
    """u = c · g."""
    c = float(c)
    return GradientTransformation(lambda x: EmptyState(), lambda g, s, x: (c * g, s))


def scale_by_learning_rate(lr: float | Schedule) -> GradientTransformation:
    """u = −η_t g, with η_t a float or a schedule of the count t."""
    sched = as_schedule("lr", lr)

    def update(g: Any, s: CountState, x: Any) -> tuple[Any, CountState]:
        return (-checked("lr", sched, s.count)) * g, CountState(s.count + 1)

    return GradientTransformation(lambda x: CountState(0), update)


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Heavy-ball / Nesterov momentum (PyTorch convention).

    v ← m v + g;  u = v (heavy ball) or u = g + m v (Nesterov), m = ``decay`` ∈ [0, 1).
    """
    m = check_nonnegative("momentum", decay)
    if m >= 1:
        raise bad_parameter("momentum", "in [0, 1)", decay, "pass momentum < 1, e.g. 0.9")

    def init(x: Any) -> TraceState:
        return TraceState(0.0 * x)

    def update(g: Any, s: TraceState, x: Any) -> tuple[Any, TraceState]:
        v = m * s.trace + g
        return (g + m * v if nesterov else v), TraceState(v)

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """u = g + λ x (L2 weight decay λ = ``weight_decay``)."""
    wd = check_nonnegative("weight_decay", weight_decay)
    return GradientTransformation(lambda x: EmptyState(), lambda g, s, x: (g + wd * x, s))


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    """Adam's direction u = m̂ / (√v̂ + ε) (Kingma & Ba 2015, arXiv:1412.6980).

    m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
    """
    for name, b in (("b1", b1), ("b2", b2)):
        if not 0 <= b < 1:
            raise bad_parameter(name, "in [0, 1)", b)
    if not eps > 0:
        raise bad_parameter("eps", "a positive number", eps)

    def init(x: Any) -> AdamState:
        return AdamState(0, 0.0 * x, 0.0 * x)

    def update(g: Any, s: AdamState, x: Any) -> tuple[Any, AdamState]:
        from .._core import array_namespace

        xp = array_namespace(g)
        t = s.count + 1
        mu = b1 * s.mu + (1 - b1) * g
        nu = b2 * s.nu + (1 - b2) * (g * g)
        mhat = mu / (1 - b1**t)
        vhat = nu / (1 - b2**t)
        return mhat / (xp.sqrt(vhat) + eps), AdamState(t, mu, nu)

    return GradientTransformation(init, update)


def add_langevin_noise(lr: float | Schedule, temperature: float, seed: int = 0
                       ) -> GradientTransformation:
    """u ← u + √(2 η_t T) ξ, ξ ~ N(0, I) from the stream (seed, t): the SGLD noise.

    Placed after :func:`scale_by_learning_rate` it makes
    x ← x − η∇f + √(2ηT) ξ, Euler–Maruyama for dx = −∇f dt + √(2T) dW.
    """
    sched = as_schedule("lr", lr)
    T = check_nonnegative("temperature", temperature)
    if int(seed) != seed:
        raise bad_parameter("seed", "an integer", seed)

    def update(u: Any, s: NoiseState, x: Any) -> tuple[Any, NoiseState]:
        if T == 0:
            return u, NoiseState(s.seed, s.count + 1)
        rng = np.random.default_rng([s.seed, s.count])
        amp = float(np.sqrt(2.0 * checked("lr", sched, s.count) * T))
        return u + amp * standard_normal(rng, tuple(u.shape), u), NoiseState(s.seed, s.count + 1)

    return GradientTransformation(lambda x: NoiseState(int(seed), 0), update)
