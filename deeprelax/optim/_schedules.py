"""Schedules: learning rates, scopes γ_t and couplings ρ_t as functions of the step t.

A schedule is any callable ``t -> float`` of the optimizer's own step counter
``t = 0, 1, 2, ...`` (outer steps for Entropy-SGD and Parle). Floats are promoted
to :func:`constant`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .._core import ParameterError, bad_parameter

__all__ = [
    "Schedule",
    "constant",
    "step_drops",
    "piecewise_constant",
    "epoch_table",
    "exponential_growth",
    "as_schedule",
]

Schedule = Callable[[int], float]

#: Largest exponent t·log(1 + rate) evaluated before growth counts as +inf (exp overflows at ~709).
_MAX_EXPONENT = 700.0


def _finite(name: str, v: float, positive: bool = True) -> float:
    v = float(v)
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        what = "a positive finite number" if positive else "a non-negative finite number"
        raise bad_parameter(name, what, v, f"pass {name} {'>' if positive else '>='} 0")
    return v


@dataclass(frozen=True)
class constant:
    """η_t = value."""

    value: float

    def __call__(self, t: int) -> float:
        return self.value


@dataclass(frozen=True)
class step_drops:
    """η_t = value · factor^⌊t / every⌋ (e.g. "divide by 5 every 60 epochs")."""

    value: float
    every: int
    factor: float

    def __post_init__(self) -> None:
        if int(self.every) != self.every or self.every < 1:
            raise bad_parameter("every", "a positive integer number of steps", self.every)

    def __call__(self, t: int) -> float:
        return self.value * self.factor ** (t // self.every)


@dataclass(frozen=True)
class piecewise_constant:
    """η_t = values[i] for boundaries[i−1] ≤ t < boundaries[i] (len(values) = len(boundaries) + 1)."""

    boundaries: Sequence[int]
    values: Sequence[float]

    def __post_init__(self) -> None:
        b = list(self.boundaries)
        if len(self.values) != len(b) + 1:
            raise ParameterError(
                f"`values` must have len(boundaries) + 1 = {len(b) + 1} entries, "
                f"got {len(self.values)}")
        if any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
            raise bad_parameter("boundaries", "strictly increasing", b)

    def __call__(self, t: int) -> float:
        for i, b in enumerate(self.boundaries):
            if t < b:
                return float(self.values[i])
        return float(self.values[-1])


def epoch_table(table: Sequence[Sequence[float]], steps_per_epoch: int) -> piecewise_constant:
    """A per-epoch table ``[[epoch_end, value], ...]`` as in the authors' code.

    ``[[3, 1], [6, 0.2], [16, 0.01]]`` is 1 for epochs 0–2, 0.2 for epochs 3–5 and
    0.01 from epoch 6 on (the last value is kept after the table ends). An epoch is
    ``steps_per_epoch`` steps (N/b outer steps for Entropy-SGD).
    """
    if int(steps_per_epoch) != steps_per_epoch or steps_per_epoch < 1:
        raise bad_parameter("steps_per_epoch", "a positive integer", steps_per_epoch)
    rows = [tuple(r) for r in table]
    if not rows or any(len(r) != 2 for r in rows):
        raise bad_parameter("table", "a non-empty list of [epoch_end, value] pairs", table)
    bounds = [int(r[0]) * int(steps_per_epoch) for r in rows[:-1]]
    return piecewise_constant(bounds, [float(r[1]) for r in rows])


@dataclass(frozen=True)
class exponential_growth:
    """γ_t = min(value · (1 + rate)^t, cap): Entropy-SGD scoping γ₀(1 + γ₁)^t (§4.3).

    Parle's batch-size-free form "rate r per epoch" is ``rate = r / steps_per_epoch``.
    """

    value: float
    rate: float
    cap: float | None = None

    def __post_init__(self) -> None:
        _finite("gamma0", self.value)
        _finite("rate", self.rate, positive=False)
        if self.cap is not None:
            _finite("cap", self.cap)

    def __call__(self, t: int) -> float:
        expo = t * math.log1p(self.rate)
        v = self.value * math.exp(expo) if expo < _MAX_EXPONENT else math.inf
        return v if self.cap is None else min(v, self.cap)


def as_schedule(name: str, value: float | Schedule, positive: bool = True) -> Schedule:
    """``value`` as a schedule; a float is checked (> 0, or ≥ 0) and made :class:`constant`."""
    if callable(value):
        return value
    return constant(_finite(name, value, positive))


def checked(name: str, schedule: Schedule, t: int, positive: bool = True) -> float:
    """``schedule(t)``, raising with the step when it is negative or non-finite."""
    v = float(schedule(t))
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        rel = ">" if positive else ">="
        raise ParameterError(f"`{name}` schedule must give {rel} 0 finite values, got {v!r} at step {t}")
    return v
