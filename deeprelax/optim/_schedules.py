"""Schedules: learning rates, scopes γ_t and couplings ρ_t as functions of the step t.

A schedule is any callable ``t -> float`` of the optimizer's own step counter
``t = 0, 1, 2, ...`` (outer steps for Entropy-SGD and Parle). Floats are promoted
to :func:`constant`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .._core import ParameterError, bad_parameter, check_float, check_int

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
    """``v`` as a finite float, > 0 (``positive``) or >= 0; the type is checked first."""
    fix = f"pass {name} {'>' if positive else '>='} 0"
    if positive:
        return check_float(name, v, low=0.0, low_inclusive=False, fix=fix)
    return check_float(name, v, low=0.0, fix=fix)


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)  # normalise a field of a frozen dataclass


def _sequence(name: str, v: object) -> list:
    """``v`` as a list when it is a sized iterable other than a string."""
    if isinstance(v, (str, bytes)) or not (hasattr(v, "__len__") and hasattr(v, "__iter__")):
        raise bad_parameter(name, "a list", v)
    return list(v)  # type: ignore[call-overload]


@dataclass(frozen=True)
class constant:
    """η_t = value (a finite number; 0 and negative values are refused where used)."""

    value: float

    def __post_init__(self) -> None:
        _set(self, "value", check_float("value", self.value))

    def __call__(self, t: int) -> float:
        return self.value


@dataclass(frozen=True)
class step_drops:
    """η_t = value · factor^⌊t / every⌋ (e.g. "divide by 5 every 60 epochs")."""

    value: float
    every: int
    factor: float

    def __post_init__(self) -> None:
        _set(self, "value", _finite("value", self.value))
        _set(self, "every", check_int("every", self.every, low=1, fix="pass a positive number of steps"))
        _set(self, "factor", _finite("factor", self.factor))

    def __call__(self, t: int) -> float:
        return self.value * self.factor ** (t // self.every)


@dataclass(frozen=True)
class piecewise_constant:
    """η_t = values[i] for boundaries[i−1] ≤ t < boundaries[i] (len(values) = len(boundaries) + 1)."""

    boundaries: Sequence[int]
    values: Sequence[float]

    def __post_init__(self) -> None:
        b = [check_int(f"boundaries[{i}]", v, low=0) for i, v in enumerate(_sequence("boundaries", self.boundaries))]
        vals = [check_float(f"values[{i}]", v) for i, v in enumerate(_sequence("values", self.values))]
        if len(vals) != len(b) + 1:
            raise ParameterError(
                f"`values` must have len(boundaries) + 1 = {len(b) + 1} entries, "
                f"got {len(vals)}; give one value per interval")
        if any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
            raise bad_parameter("boundaries", "strictly increasing", b)
        _set(self, "boundaries", tuple(b))
        _set(self, "values", tuple(vals))

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
    steps_per_epoch = check_int("steps_per_epoch", steps_per_epoch, low=1)
    rows = _sequence("table", table)
    if not rows or any(isinstance(r, (str, bytes)) or not hasattr(r, "__len__") or len(r) != 2 for r in rows):
        raise bad_parameter("table", "a non-empty list of [epoch_end, value] pairs", table)
    ends = [check_int(f"table[{i}][0]", r[0], low=0) for i, r in enumerate(rows)]
    vals = [check_float(f"table[{i}][1]", r[1]) for i, r in enumerate(rows)]
    if any(b <= a for a, b in zip(ends, ends[1:])):
        raise bad_parameter("table", "rows with strictly increasing epoch_end", ends)
    return piecewise_constant([e * steps_per_epoch for e in ends[:-1]], vals)


@dataclass(frozen=True)
class exponential_growth:
    """γ_t = min(value · (1 + rate)^t, cap): Entropy-SGD scoping γ₀(1 + γ₁)^t (§4.3).

    Parle's batch-size-free form "rate r per epoch" is ``rate = r / steps_per_epoch``.
    """

    value: float
    rate: float
    cap: float | None = None

    def __post_init__(self) -> None:
        _set(self, "value", _finite("value", self.value))
        _set(self, "rate", _finite("rate", self.rate, positive=False))
        if self.cap is not None:
            _set(self, "cap", _finite("cap", self.cap))

    def __call__(self, t: int) -> float:
        # exp(t·log1p(rate)) rather than (1 + rate)**t: the rounding of 1 + rate would be
        # raised to the power t (γ₁ = 10⁻³ over 10⁴ steps), log1p keeps the small rate exact
        expo = t * math.log1p(self.rate)
        v = self.value * math.exp(expo) if expo < _MAX_EXPONENT else math.inf
        return v if self.cap is None else min(v, self.cap)


def as_schedule(name: str, value: float | Schedule, positive: bool = True) -> Schedule:
    """``value`` as a schedule; a number is checked (> 0, or ≥ 0) and made :class:`constant`.

    ``name`` is the caller's parameter (``"lr"``, ``"gamma"``), named in errors.
    """
    if callable(value):
        return value
    return constant(_finite(name, value, positive))


def checked(name: str, schedule: Schedule, t: int, positive: bool = True) -> float:
    """``schedule(t)``, raising with the step when it is not a number, negative or non-finite."""
    raw = schedule(t)
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        raise ParameterError(f"`{name}` schedule must return real numbers, got {raw!r} at step {t}")
    v = float(raw)
    if not math.isfinite(v) or (v <= 0 if positive else v < 0):
        rel = ">" if positive else ">="
        raise ParameterError(f"`{name}` schedule must give {rel} 0 finite values, got {v!r} at step {t}")
    return v
