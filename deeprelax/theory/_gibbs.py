"""Gibbs densities and the local entropy of Entropy-SGD by direct quadrature / closed form.

These are references for tests: 1-D quadrature on a fine grid with a log-sum-exp
(no PDE solver, no sampler), and the closed form for quadratics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import logsumexp

from .._core import ParameterError, ShapeError, as_float_array, check_finite, check_positive


def _finite(name: str, value: Any, ndim: int | None = None) -> np.ndarray:
    return check_finite(name, as_float_array(name, value, ndim=ndim))


def _uniform_nodes(name: str, value: Any) -> np.ndarray:
    """1-D, at least 3, finite, strictly increasing and evenly spaced quadrature nodes."""
    y = _finite(name, value, ndim=1)
    if y.size < 3:
        raise ShapeError(f"`{name}` must hold at least 3 quadrature nodes, got {y.size}")
    h = np.diff(y)
    # The trapezoid weights below assume one spacing h. np.linspace spacings differ only by
    # round-off (~1e-16 relative), far inside the 1e-8 tolerance.
    if not np.all(h > 0) or np.max(np.abs(h - h[0])) > 1e-8 * abs(h[0]) + 1e-300:
        raise ParameterError(f"`{name}` must be evenly spaced and increasing (e.g. np.linspace), got spacings "
                             f"from {h.min():.3g} to {h.max():.3g}")
    return y

__all__ = [
    "gibbs_density",
    "local_entropy_quadrature",
    "local_entropy_quadratic",
    "local_entropy_hessian_quadratic",
    "hopf_lax_brute",
    "cole_hopf_brute",
]


def gibbs_density(f_values: Any, cell_volume: float, beta: float = 1.0) -> np.ndarray:
    """ρ ∝ exp(−βf) on grid values, normalised so Σ ρ · cell_volume = 1 (log-sum-exp stable)."""
    f = _finite("f_values", f_values)
    if f.size == 0:
        raise ShapeError("`f_values` must not be empty")
    cell_volume = check_positive("cell_volume", cell_volume)
    beta = check_positive("beta", beta)
    logw = -beta * f
    # Normalise in log space: exp(−βf) under- or overflows once |βf| exceeds ~709. After
    # the log-sum-exp shift the weights sum to 1; dividing by the cell volume turns
    # probabilities per cell into a density.
    return np.exp(logw - logsumexp(logw) - np.log(cell_volume))


def local_entropy_quadrature(
    f: Callable[[np.ndarray], np.ndarray], x: Any, gamma: float, y: Any, beta: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """F(x, γ) = β⁻¹ log ∫ exp(−βf(y) − βγ|x − y|²/2) dy and ⟨y⟩_x, in 1-D by the trapezoid rule.

    Entropy-SGD eq. (4) uses β = 1. Returns ``(F, mean)`` of the shape of ``x``. The
    quadrature nodes ``y`` (1-D, uniform) must cover the Gibbs measure.
    Then −∇F(x) = γ(x − ⟨y⟩_x) (eq. 7).

    References
    ----------
    Chaudhari et al., arXiv:1611.01838, eqs. (4), (7).
    """
    gamma = check_positive("gamma", gamma)
    beta = check_positive("beta", beta)
    if not callable(f):
        raise ParameterError(f"`f` must be a callable f(y) -> values, got {type(f).__name__}")
    y = _uniform_nodes("y", y)
    h = float(y[1] - y[0])
    x = _finite("x", x)
    fy = as_float_array("f", f(y))
    if fy.shape != y.shape:
        raise ShapeError(f"`f` must return one value per node: f(y) has shape {fy.shape}, y has {y.shape}")
    w = np.full(y.size, h)
    w[0] = w[-1] = h / 2
    # The trapezoid weights enter the exponent as log w, so the whole quadrature is one
    # log-sum-exp per anchor and exp(−βf) is never formed (it leaves the double range once
    # |βf| exceeds ~709).
    logw = np.log(w)
    xs = x.reshape(-1, 1)
    a = -beta * fy[None, :] - beta * gamma * (xs - y[None, :]) ** 2 / 2 + logw[None, :]
    lz = logsumexp(a, axis=1)
    # ⟨y⟩_x is a ratio of two quadratures with the same weights: the normalised weights
    # exp(a − log Z) already carry them.
    mean = np.sum(np.exp(a - lz[:, None]) * y[None, :], axis=1)
    return (lz / beta).reshape(x.shape), mean.reshape(x.shape)


def local_entropy_quadratic(H: Any, x: Any, gamma: float, beta: float = 1.0) -> np.ndarray:
    """Closed-form F(x, γ) for f = ½xᵀHx (H + γI ≻ 0), up to its x-independent constant.

    −F(x, γ) = ½ xᵀ γH(H + γI)⁻¹ x + const: the curvature of −F is H(I + γ⁻¹H)⁻¹
    (Entropy-SGD Lemma 2 is exact for quadratics).
    """
    A = local_entropy_hessian_quadratic(H, gamma)
    beta = check_positive("beta", beta)
    x = _finite("x", x)
    if x.ndim == 0 or x.shape[-1] != A.shape[0]:
        raise ShapeError(f"`x` must have a last axis of length {A.shape[0]}, got shape {x.shape}")
    return 0.5 * np.einsum("...i,ij,...j->...", x, A, x)


def local_entropy_hessian_quadratic(H: Any, gamma: float) -> np.ndarray:
    """The Hessian of F(x, γ) for f = ½xᵀHx: ∇²F = −H(I + γ⁻¹H)⁻¹."""
    H = check_finite("H", np.atleast_2d(as_float_array("H", H)))
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.size == 0:
        raise ShapeError(f"`H` must be a non-empty square matrix, got shape {H.shape}")
    gamma = check_positive("gamma", gamma)
    M = H + gamma * np.eye(H.shape[0])
    if np.min(np.linalg.eigvalsh(0.5 * (M + M.T))) <= 0:
        raise ParameterError("`H + gamma I` must be positive definite for the local entropy to exist")
    return -gamma * H @ np.linalg.inv(M)


def hopf_lax_brute(f_values: Any, x: Any, t: float) -> tuple[np.ndarray, np.ndarray]:
    """O(n²) Hopf–Lax on a 1-D grid: u(x) = min_y f(y) + (x − y)²/2t and the argmin (test oracle)."""
    t = check_positive("t", t)
    f = _finite("f_values", f_values)
    x = _finite("x", x, ndim=1)
    if f.shape != x.shape or x.size == 0:
        raise ShapeError(f"`f_values` and `x` must agree in shape, got {f.shape} and {x.shape}")
    cost = f[None, :] + (x[:, None] - x[None, :]) ** 2 / (2 * t)
    # The minimum over the grid nodes only (no sub-grid refinement); ties go to the leftmost
    # node (np.argmin returns the first minimiser).
    k = np.argmin(cost, axis=1)
    return cost[np.arange(x.size), k], x[k]


def cole_hopf_brute(f_values: Any, x: Any, t: float, beta: float) -> np.ndarray:
    """O(n²) Cole–Hopf on a 1-D grid, u = −β⁻¹ log ∫ G_{β⁻¹t}(x − y) e^{−βf(y)} dy (test oracle).

    Trapezoid-free Riemann sum with cell width h (the grid is uniform).
    """
    t = check_positive("t", t)
    beta = check_positive("beta", beta)
    f = _finite("f_values", f_values)
    x = _uniform_nodes("x", x)
    if f.shape != x.shape:
        raise ShapeError(f"`f_values` and `x` must agree in shape, got {f.shape} and {x.shape}")
    h = float(x[1] - x[0])
    # v = e^{−βu} solves v_t = (β⁻¹/2)Δv, so the heat kernel has variance σ = t/β
    # (PAPERS.md, Deep Relaxation facts, Cole–Hopf). The Riemann weight h and the kernel's
    # normalisation 1/√(2πσ) enter the exponent, so the sum is one log-sum-exp.
    var = t / beta
    a = -beta * f[None, :] - (x[:, None] - x[None, :]) ** 2 / (2 * var) + np.log(h / np.sqrt(2 * np.pi * var))
    return -logsumexp(a, axis=1) / beta
