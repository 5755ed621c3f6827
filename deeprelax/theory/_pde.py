"""Closed forms for the PDE room's checks: Example 19's stationary density and current.

Never computed by the code they check (no grid solver, no sampler): the normalising
constant is a 1-D quadrature of e^{−(x²−1)²/4} by scipy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.integrate import quad

__all__ = ["example19_partition", "example19_density", "example19_current", "example19_angular_momentum"]


def example19_partition() -> float:
    """Z = ∫ e^{−Φ} dx, Φ = (x₁² − 1)²/4 + x₂²/2: Z = √(2π) ∫ e^{−(s² − 1)²/4} ds."""
    val, _ = quad(lambda s: math.exp(-0.25 * (s * s - 1.0) ** 2), -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)
    return math.sqrt(2.0 * math.pi) * val


def example19_density(x: Any) -> np.ndarray:
    """ρˢˢ(x) = e^{−Φ(x)}/Z for every λ (Chaudhari & Soatto 2018, Example 19); x of shape (..., 2)."""
    x = np.asarray(x, dtype=np.float64)
    phi = 0.25 * (x[..., 0] ** 2 - 1.0) ** 2 + 0.5 * x[..., 1] ** 2
    return np.exp(-phi) / example19_partition()


def example19_current(x: Any, lam: float) -> np.ndarray:
    """J = j ρˢˢ = λ e^{−r⁴/4} (−x₂, x₁)/Z (divergence-free), x of shape (..., 2)."""
    x = np.asarray(x, dtype=np.float64)
    r2 = x[..., 0] ** 2 + x[..., 1] ** 2
    s = float(lam) * np.exp(-0.25 * r2 * r2) / example19_partition()
    return np.stack([-s * x[..., 1], s * x[..., 0]], axis=-1)


def example19_angular_momentum(lam: float) -> float:
    """∫ (x₁J₂ − x₂J₁) dx = λ/Z ∫ r² e^{−r⁴/4} dx = 2πλ/Z (linear in λ)."""
    return 2.0 * math.pi * float(lam) / example19_partition()
