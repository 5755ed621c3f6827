"""Numpy twins of a few landscapes for the optimizer tests (no Numba in the hot loop).

Each is a vectorised objective with ``loss_and_grad_batch``; the twins of catalogue
landscapes are checked against the catalogue kernels in ``test_objective.py``.
"""

from __future__ import annotations

import numpy as np

from deeprelax.landscapes import sharp_wide


class NumpyObjective:
    """value(X) -> (n,), grad(X) -> (n, d) on numpy rows, plus N(0, σ²I/b) gradient noise."""

    def __init__(self, value, grad, dim, noise_std=0.0, batch_size=1, n_samples=None):
        self.value, self.grad, self.dim = value, grad, dim
        self.noise_std, self.batch_size, self.n_samples = noise_std, batch_size, n_samples

    def _noise(self, shape, rng):
        if self.noise_std == 0:
            return 0.0
        return self.noise_std / np.sqrt(self.batch_size) * rng.standard_normal(shape)

    def loss_and_grad(self, x, rng):
        g = self.grad(x[None, :])[0] + self._noise(x.shape, rng)
        return float(self.value(x[None, :])[0]), g

    def loss_and_grad_batch(self, X, rng):
        return self.value(X), self.grad(X) + self._noise(X.shape, rng)

    def full_loss(self, x):
        return float(self.value(np.asarray(x)[None, :])[0])


def double_well_1d(h=0.5):
    """f = h (y² − 1)²."""
    return (lambda Y: h * (Y[:, 0] ** 2 - 1) ** 2,
            lambda Y: 4 * h * Y * (Y**2 - 1))


def banana_2d(h=0.5, kappa=2.0, c=0.5):
    """f = h (y₁² − 1)² + κ/2 (y₂ − c y₁²)²: a curved, non-separable double well."""
    def value(Y):
        return h * (Y[:, 0] ** 2 - 1) ** 2 + 0.5 * kappa * (Y[:, 1] - c * Y[:, 0] ** 2) ** 2

    def grad(Y):
        r = Y[:, 1] - c * Y[:, 0] ** 2
        g0 = 4 * h * Y[:, 0] * (Y[:, 0] ** 2 - 1) - 2 * kappa * c * Y[:, 0] * r
        return np.stack([g0, kappa * r], axis=1)

    return value, grad


def sharp_wide_numpy(landscape=None):
    """Numpy twin of :func:`deeprelax.landscapes.sharp_wide` from its parameter vector."""
    p = (landscape or sharp_wide()).params

    def parts(Y):
        y = Y[:, 0]
        gs = np.exp(-0.5 * ((y - p[1]) / p[2]) ** 2)
        gw = np.exp(-0.5 * ((y - p[4]) / p[5]) ** 2)
        return y, gs, gw

    def value(Y):
        y, gs, gw = parts(Y)
        return -p[0] * gs - p[3] * gw + p[6] * y**4

    def grad(Y):
        y, gs, gw = parts(Y)
        g = p[0] * gs * (y - p[1]) / p[2] ** 2 + p[3] * gw * (y - p[4]) / p[5] ** 2 \
            + 4 * p[6] * y**3
        return g[:, None]

    return value, grad
