"""Gradient transformations in optax's shape: an ``(init, update)`` pair per transform.

``init(x) -> state`` and ``update(g, state, x) -> (u, state)``; the parameters move
by ``x ← x + u`` (:func:`apply_update`). Transforms are elementwise, so they work
unchanged on a flat vector ``(d,)`` or on replicas ``(n, d)``, in any array-API
namespace. States are NamedTuples; randomness is ``(seed, count)`` in the state.

Buffers are updated in place: the momentum trace and Adam's moments are private
arrays of the state, overwritten by ``update`` (the array API allows in-place
operators on mutable arrays), so a step allocates only its output. ``g`` and ``x``
are never written to (an objective may hand out the same gradient buffer each call).
A transform built by :func:`~deeprelax.optim.sgd_transform` or
:func:`~deeprelax.optim.adam_transform` also declares what it is (``fused``), so that
:func:`apply_update` can run a registered fused kernel (:mod:`._accel`) on host arrays.

Symbols: g the incoming gradient (shape of x), u the outgoing update, t the count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import array_api_compat
import numpy as np

from .._core import array_namespace, bad_parameter, check_bool, check_float, check_int, check_nonnegative
from ._accel import find
from ._random import standard_normal
from ._schedules import Schedule, as_schedule, checked

__all__ = [
    "GradientTransformation",
    "apply_update",
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
    """An ``(init, update)`` pair: ``init(x) -> state``, ``update(g, state, x) -> (u, state)``.

    ``fused`` (optional) declares the rule for a registered accelerator (a record with a
    ``rule`` name, e.g. the SGD and Adam transforms); user transforms leave it ``None``.
    """

    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple[Any, Any]]
    fused: Any = None


def apply_update(tx: GradientTransformation, g: Any, state: Any, x: Any) -> tuple[Any, Any]:
    """x ← x + u in place, for the update u of ``tx``: the one place parameters move.

    Returns ``(x, state)``. When ``tx.fused`` declares a rule with a registered
    accelerator whose condition holds (numpy float64 arrays, see :mod:`._accel`), one
    fused kernel does the whole update (bitwise equal); otherwise the generic ``update``
    runs and ``x += u``. In place, as ``torch.optim``: an update is one read of x and g
    and one write of x (a separate output array would cost another write stream).
    """
    if tx.fused is not None:
        acc = find(tx.fused.rule, x, g)
        if acc is not None:
            return acc.run(tx.fused, g, state, x)
    u, state = tx.update(g, state, x)
    x += u
    return x, state


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


def _zeros_like(x: Any) -> Any:
    """A new zero buffer in the namespace, dtype and device of ``x``."""
    return array_namespace(x).zeros(x.shape, dtype=x.dtype, device=array_api_compat.device(x))


def identity() -> GradientTransformation:
    """u = g."""
    return GradientTransformation(lambda x: EmptyState(), lambda g, s, x: (g, s))


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` in order; the state is the tuple of their states."""
    for i, t in enumerate(transforms):
        if not isinstance(t, GradientTransformation):
            raise bad_parameter(f"transforms[{i}]", "a GradientTransformation", type(t).__name__,
                                "build it with deeprelax.optim.scale, trace, ...")

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
    c = check_float("c", c)
    return GradientTransformation(lambda x: EmptyState(), lambda g, s, x: (c * g, s))


def scale_by_learning_rate(lr: float | Schedule) -> GradientTransformation:
    """u = −η_t g, with η_t a float or a schedule of the count t."""
    sched = as_schedule("lr", lr)

    def update(g: Any, s: CountState, x: Any) -> tuple[Any, CountState]:
        # the count is this transform's own: a schedule sees the optimizer's step t
        # (outer steps for Entropy-SGD), and a bad value is reported with that step
        return (-checked("lr", sched, s.count)) * g, CountState(s.count + 1)

    return GradientTransformation(lambda x: CountState(0), update)


def check_momentum(name: str, value: Any) -> float:
    """A momentum coefficient m ∈ [0, 1)."""
    return check_float(name, value, low=0.0, high=1.0, high_inclusive=False,
                       fix=f"pass {name} in [0, 1), e.g. 0.9")


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Heavy-ball / Nesterov momentum (PyTorch convention, no dampening).

    v ← m v + g;  u = v (heavy ball) or u = g + m v (Nesterov), m = ``decay`` ∈ [0, 1).
    The trace v is updated in place.
    """
    m = check_momentum("decay", decay)
    nesterov = check_bool("nesterov", nesterov)

    def init(x: Any) -> TraceState:
        return TraceState(_zeros_like(x))

    def update(g: Any, s: TraceState, x: Any) -> tuple[Any, TraceState]:
        v = s.trace
        v *= m      # v ← m v + g, no dampening (PyTorch's SGD and optax's trace agree)
        v += g
        return (g + m * v if nesterov else v), s

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """u = g + λ x (L2 weight decay λ = ``weight_decay``)."""
    wd = check_nonnegative("weight_decay", weight_decay)
    return GradientTransformation(lambda x: EmptyState(), lambda g, s, x: (g + wd * x, s))


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    """Adam's direction u = m̂ / (√v̂ + ε) (Kingma & Ba 2015, arXiv:1412.6980, Alg. 1).

    m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ);
    ε outside the square root (the paper's and PyTorch's placement). m, v in place.
    """
    b1 = check_float("b1", b1, low=0.0, high=1.0, high_inclusive=False, fix="pass b1 in [0, 1), e.g. 0.9")
    b2 = check_float("b2", b2, low=0.0, high=1.0, high_inclusive=False, fix="pass b2 in [0, 1), e.g. 0.999")
    eps = check_float("eps", eps, low=0.0, low_inclusive=False, fix="pass eps > 0, e.g. 1e-8")

    def init(x: Any) -> AdamState:
        return AdamState(0, _zeros_like(x), _zeros_like(x))

    def update(g: Any, s: AdamState, x: Any) -> tuple[Any, AdamState]:
        xp = array_namespace(g)
        t = s.count + 1
        mu, nu = s.mu, s.nu
        # the moments are the state's own buffers: updated in place, no temporaries kept
        mu *= b1
        mu += (1 - b1) * g
        nu *= b2
        nu += (1 - b2) * (g * g)
        mhat = mu / (1 - b1**t)   # bias corrections of Alg. 1
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
    seed = check_int("seed", seed, low=0, fix="pass a non-negative integer seed")

    def update(u: Any, s: NoiseState, x: Any) -> tuple[Any, NoiseState]:
        if T == 0:
            return u, NoiseState(s.seed, s.count + 1)
        # a stream of its own per (seed, step): the noise does not depend on how many
        # minibatch draws the objective made, and a step is reproducible alone
        rng = np.random.default_rng([s.seed, s.count])
        amp = float(np.sqrt(2.0 * checked("lr", sched, s.count) * T))
        return u + amp * standard_normal(rng, tuple(u.shape), u), NoiseState(s.seed, s.count + 1)

    return GradientTransformation(lambda x: NoiseState(seed, 0), update)
