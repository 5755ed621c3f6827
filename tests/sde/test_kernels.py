"""Every (scheme, noise class) kernel against its numpy twin, on the same increments."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import sde as S
from deeprelax.sde._kernels import chol_psd
from deeprelax.sde._reference import integrate_numpy
from deeprelax.sde._spec import semidefinite_cholesky_numpy

from .conftest import all_sdes

SDES = all_sdes()
CASES = [
    (name, scheme)
    for name, s in SDES.items()
    for scheme, meta in S.SCHEMES.items()
    if scheme != "sgd" and s.noise in meta.strong_order
    and (s.noise == "additive" or meta.calculus in ("both", s.calculus))
]


@pytest.mark.parametrize(("name", "scheme"), CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_kernel_matches_numpy_twin(name, scheme):
    sde = SDES[name]
    n_steps, n_paths, dt = 40, 7, 0.01
    dW, dZ = S.brownian_increments(n_steps, n_paths, sde.noise_dim, dt, seed=5,
                                   area=S.SCHEMES[scheme].needs_area)
    x0 = np.random.default_rng(1).uniform(0.2, 1.0, (n_paths, sde.dim))
    sol = S.sdeint(sde, x0, (0.0, n_steps * dt), dt, scheme=scheme, dW=dW, dZ=dZ)
    ref = integrate_numpy(scheme, sde, x0, dt, dW, dZ)
    assert sol.success, sol.message
    np.testing.assert_allclose(sol.x, ref, rtol=1e-11, atol=1e-13)
    # the path actually moved, so the comparison is not vacuous
    assert np.max(np.abs(sol.x[-1] - x0)) > 1e-2


@pytest.mark.parametrize("scheme", ["euler_maruyama", "sra1"])
def test_streams_equal_pre_drawn_increments(scheme):
    """sdeint(seed=s) draws exactly the increments brownian_increments(seed=s) returns."""
    sde = SDES["additive-field"]
    dt, n_steps = 0.01, 30
    dW, dZ = S.brownian_increments(n_steps, 5, 2, dt, seed=11, area=S.SCHEMES[scheme].needs_area)
    a = S.sdeint(sde, [0.5, 0.0], (0, n_steps * dt), dt, n_paths=5, scheme=scheme, seed=11)
    b = S.sdeint(sde, [0.5, 0.0], (0, n_steps * dt), dt, n_paths=5, scheme=scheme, dW=dW, dZ=dZ)
    np.testing.assert_allclose(a.x, b.x, rtol=1e-12, atol=1e-14)


def test_chol_psd_matches_numpy_twin(rng):
    for rank in (3, 2, 1):
        A = rng.normal(size=(3, rank))
        C = A @ A.T
        L = np.empty((3, 3))
        chol_psd(C, L)
        np.testing.assert_allclose(L, semidefinite_cholesky_numpy(C), atol=1e-12)
        np.testing.assert_allclose(L @ L.T, C, atol=1e-10)
        assert np.allclose(L, np.tril(L))


def test_brownian_increment_moments():
    """ΔW ~ N(0, Δt), Var ΔZ = Δt³/3, Cov(ΔW, ΔZ) = Δt²/2 (2e5 samples: 5-sigma margins)."""
    dt = 0.1
    dW, dZ = S.brownian_increments(10, 20_000, 1, dt, seed=3, area=True)
    w, z = dW.ravel(), dZ.ravel()
    n = w.size
    assert abs(w.var() / dt - 1) < 5 * np.sqrt(2 / n)
    assert abs(z.var() / (dt**3 / 3) - 1) < 5 * np.sqrt(2 / n)
    corr = np.mean(w * z) / np.sqrt(dt * dt**3 / 3)
    assert abs(corr - np.sqrt(3) / 2) < 5 / np.sqrt(n)


def test_coarsen_increments_is_exact_on_a_linear_path():
    """For W_s = s the integrals are exact: ΔW = H and ΔZ = H²/2 over a coarse step H."""
    dt, k = 0.1, 4
    dW = np.full((8, 1, 1), dt)
    dZ = np.full((8, 1, 1), dt**2 / 2)
    dWc, dZc = S.coarsen_increments(dW, k, dt, dZ)
    np.testing.assert_allclose(dWc, k * dt)
    np.testing.assert_allclose(dZc, (k * dt) ** 2 / 2)
