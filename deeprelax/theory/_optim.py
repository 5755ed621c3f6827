"""Oracles for the optimizer room: local entropy in 2-D by tensor quadrature, proximal points.

Test references only: brute-force sums on grids (log-sum-exp), never a sampler or a
PDE solver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import logsumexp

from .._core import ParameterError, ShapeError, as_float_array, check_finite, check_positive
from ._gibbs import _finite, _uniform_nodes

__all__ = ["local_entropy_quadrature_2d", "proximal_point_brute"]


def local_entropy_quadrature_2d(f: Callable[[np.ndarray], np.ndarray], x: Any, gamma: float,
                                y1: Any, y2: Any, beta: float = 1.0
                                ) -> tuple[np.ndarray, np.ndarray]:
    """F(x, γ) = β⁻¹ log ∫∫ exp(−βf(y) − βγ|x − y|²/2) dy and ⟨y⟩_x in 2-D (trapezoid rule).

    Parameters
    ----------
    f : callable
        f on points of shape ``(m, 2)`` returning ``(m,)``.
    x : array_like, shape (k, 2) or (2,)
        Anchors.
    gamma, beta : float
        Scope γ > 0 and inverse temperature β > 0.
    y1, y2 : array_like, 1-D uniform
        Quadrature nodes per axis; they must cover the Gibbs measure.

    Returns
    -------
    F : ndarray, shape (k,) (or scalar)
    mean : ndarray, shape (k, 2) (or (2,))
        ⟨y⟩_x; −∇F = γ(x − ⟨y⟩_x) (Entropy-SGD eq. 7).

    References
    ----------
    Chaudhari et al., arXiv:1611.01838, eqs. (4), (7).
    """
    gamma = check_positive("gamma", gamma)
    beta = check_positive("beta", beta)
    if not callable(f):
        raise ParameterError(f"`f` must be a callable f(points) -> values, got {type(f).__name__}")
    y1 = _uniform_nodes("y1", y1)
    y2 = _uniform_nodes("y2", y2)
    x = _finite("x", x)
    single = x.ndim == 1
    xs = np.atleast_2d(x)
    if xs.ndim != 2 or xs.shape[1] != 2:
        raise ShapeError(f"`x` must have shape (k, 2) or (2,), got {x.shape}")
    Y1, Y2 = np.meshgrid(y1, y2, indexing="ij")
    Y = np.stack([Y1.ravel(), Y2.ravel()], axis=1)
    fy = as_float_array("f", f(Y))
    if fy.size != Y.shape[0]:
        raise ShapeError(f"`f` must return one value per point: got shape {fy.shape} for {Y.shape[0]} points")
    fy = fy.reshape(-1)

    def trap(y: np.ndarray) -> np.ndarray:
        w = np.full(y.size, y[1] - y[0])
        w[0] = w[-1] = w[0] / 2
        return w

    # Tensor-product trapezoid rule: the 2-D weight of node (i, j) is w1ᵢ·w2ⱼ; as in the 1-D
    # oracle it enters the exponent as log w, one log-sum-exp per anchor.
    logw = np.log(np.outer(trap(y1), trap(y2)).ravel())
    F = np.empty(xs.shape[0])
    mean = np.empty_like(xs)
    for i, xi in enumerate(xs):
        a = -beta * fy - beta * gamma * np.sum((Y - xi) ** 2, axis=1) / 2 + logw
        lz = logsumexp(a)
        F[i] = lz / beta
        mean[i] = np.exp(a - lz) @ Y
    return (F[0], mean[0]) if single else (F, mean)


def proximal_point_brute(f_values: Any, y: Any, x: Any, gamma: float) -> np.ndarray:
    """argmin_y f(y) + γ|x − y|²/2 over a 1-D grid ``y`` for each anchor in ``x`` (O(n·k)).

    The Hopf–Lax minimiser with t = 1/γ, at arbitrary anchors (unlike
    :func:`hopf_lax_brute`, whose anchors are the grid itself).
    """
    gamma = check_positive("gamma", gamma)
    fv = check_finite("f_values", as_float_array("f_values", f_values, ndim=1))
    y = check_finite("y", as_float_array("y", y, ndim=1))
    if fv.shape != y.shape or y.size == 0:
        raise ShapeError(f"`f_values` and `y` must agree in shape, got {fv.shape} and {y.shape}")
    x = _finite("x", x)
    cost = fv[None, :] + gamma * (x.reshape(-1, 1) - y[None, :]) ** 2 / 2
    # Ties (e.g. an anchor midway between two equal wells) go to the leftmost node.
    return y[np.argmin(cost, axis=1)].reshape(x.shape)
