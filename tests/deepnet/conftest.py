"""Fixtures of the deep-net analysis tests: random symmetric matrices and a tiny trained-ish net."""

from __future__ import annotations

import numpy as np
import pytest


def random_orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A Haar-random orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def with_spectrum(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """Q diag(lam) Qᵀ with a random orthogonal Q: a symmetric matrix with known eigenvalues."""
    Q = random_orthogonal(rng, lam.size)
    A = (Q * lam) @ Q.T
    return 0.5 * (A + A.T)


@pytest.fixture
def wishart(rng: np.random.Generator) -> np.ndarray:
    """A 150 x 150 Wishart matrix W = Z Zᵀ / 300 (SPD, Marchenko–Pastur bulk)."""
    Z = rng.standard_normal((150, 300))
    return Z @ Z.T / 300


@pytest.fixture
def hessian_like(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """An indefinite 200 x 200 matrix shaped like a network Hessian: a big zero bulk,
    a long positive tail and a short negative tail; returns (A, eigenvalues)."""
    lam = np.concatenate([np.zeros(150), rng.uniform(-0.5, -0.01, 10), rng.uniform(0.01, 40.0, 40)])
    lam = np.sort(lam)
    return with_spectrum(rng, lam), lam
