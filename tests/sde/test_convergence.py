"""Strong orders from fitted slopes on nested grids driven by one Brownian path; weak orders
of the OU moments from the exact Euler–Maruyama recursion (no Monte Carlo noise).

The expected orders are read from the scheme registry (``SCHEMES[...].strong_order``).
Budget: 1000 paths per fit (the slope's standard error is ≈ 0.02); tolerance ±0.12
on the slope, which a scheme one half-order off fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import analysis, landscapes, theory
from deeprelax import sde as S

from .conftest import BETA_OU, D_NONCOMMUTING, H_OU, MU, SIGMA, gbm

N_PATHS = 1000
ORDER_TOL = 0.12
T = 1.0
LEVELS = (8, 16, 32, 64, 128)  # steps per unit time on the nested grids


def _errors_against_exact(sde, scheme, exact, fine=256, seed=7):
    dt_f = T / fine
    dW, _ = S.brownian_increments(fine, N_PATHS, sde.noise_dim, dt_f, seed=seed)
    WT = dW.sum(axis=0)[:, 0]
    errs, hs = [], []
    for n in LEVELS:
        dWc, _ = S.coarsen_increments(dW, fine // n, dt_f)
        sol = S.sdeint(sde, [1.0], (0.0, T), T / n, scheme=scheme, dW=dWc, save_every=n)
        errs.append(analysis.strong_error(sol.x[-1, :, 0], exact(WT))[0])
        hs.append(T / n)
    return analysis.fit_order(hs, errs)


GBM_CASES = [
    ("euler_maruyama", "ito"),
    ("milstein", "ito"),
    ("milstein", "stratonovich"),
    ("heun", "stratonovich"),
]


@pytest.mark.parametrize(("scheme", "calculus"), GBM_CASES, ids=[f"{s}-{c}" for s, c in GBM_CASES])
def test_strong_order_gbm_exact_solution(scheme, calculus):
    """GBM: X_T = exp((μ − σ²/2)T + σW_T) (Itô) or exp(μT + σW_T) (Stratonovich)."""
    shift = MU - 0.5 * SIGMA**2 if calculus == "ito" else MU
    fit = _errors_against_exact(gbm(calculus), scheme, lambda W: np.exp(shift * T + SIGMA * W))
    expected = S.SCHEMES[scheme].strong_order["diagonal"]
    assert abs(fit.order - expected) <= ORDER_TOL, (fit.order, fit.errors)


def test_strong_order_check_fails_for_the_wrong_calculus():
    """Negative control: Heun measured against the Itô solution does not converge."""
    exact_ito = lambda W: np.exp((MU - 0.5 * SIGMA**2) * T + SIGMA * W)
    fit = _errors_against_exact(gbm("stratonovich"), "heun", exact_ito)
    assert fit.order < 0.2


ADDITIVE = {
    # linear drift: the declared order is a lower bound (SRA1 reaches ≈ 2 on linear SDEs)
    "ou": (lambda: S.langevin(landscapes.quadratic(H_OU), 1.0, D_NONCOMMUTING), ">="),
    # the nonlinear Example 19 drift shows the declared orders themselves
    "example19": (lambda: S.langevin(landscapes.example19(1.0)), "=="),
}
ADDITIVE_CASES = [(k, s) for k in ADDITIVE for s in ("euler_maruyama", "heun", "sra1")]


@pytest.mark.parametrize(("name", "scheme"), ADDITIVE_CASES, ids=[f"{k}-{s}" for k, s in ADDITIVE_CASES])
def test_strong_order_additive_noise(name, scheme):
    """Additive noise against a 2¹²-step SRA1 reference driven by the same (ΔW, ΔZ) path."""
    make, relation = ADDITIVE[name]
    sde = make()
    fine = 4096
    dt_f = T / fine
    dW, dZ = S.brownian_increments(fine, N_PATHS, 2, dt_f, seed=3, area=True)
    x0 = [0.5, 0.5]
    ref = S.sdeint(sde, x0, (0, T), dt_f, n_paths=N_PATHS, scheme="sra1", dW=dW, dZ=dZ,
                   save_every=fine).x[-1]
    errs, hs = [], []
    for n in (16, 32, 64, 128, 256):
        dWc, dZc = S.coarsen_increments(dW, fine // n, dt_f, dZ)
        sol = S.sdeint(sde, x0, (0, T), T / n, n_paths=N_PATHS, scheme=scheme, dW=dWc, dZ=dZc,
                       save_every=n)
        errs.append(analysis.strong_error(sol.x[-1], ref)[0])
        hs.append(T / n)
    fit = analysis.fit_order(hs, errs)
    expected = S.SCHEMES[scheme].strong_order["additive"]
    if relation == ">=":
        assert fit.order >= expected - ORDER_TOL, (fit.order, fit.errors)
    else:
        assert abs(fit.order - expected) <= ORDER_TOL, (fit.order, fit.errors)


def _em_impulse_covariance(sde, dt, n_steps):
    """Exact Cov(X_n) of Euler–Maruyama from x0 = 0: the map is linear in the increments, so
    running one path per (step, component) impulse ΔW = √Δt eⱼ and summing the outer
    products of the end points gives Σ_n with no Monte Carlo noise."""
    m = sde.noise_dim
    n_paths = n_steps * m
    dW = np.zeros((n_steps, n_paths, m))
    p = np.arange(n_paths)
    dW[p // m, p, p % m] = np.sqrt(dt)
    sol = S.sdeint(sde, np.zeros(sde.dim), (0, n_steps * dt), dt, n_paths=n_paths, dW=dW,
                   save_every=n_steps)
    xe = sol.x[-1]
    return xe.T @ xe


def test_em_moments_equal_the_exact_recursion(ou_noncommuting):
    dt, n = 0.02, 60
    cov = _em_impulse_covariance(ou_noncommuting, dt, n)
    ref = theory.em_cov(H_OU, D_NONCOMMUTING, np.zeros((2, 2)), dt, n, BETA_OU)[-1]
    np.testing.assert_allclose(cov, ref, rtol=1e-10, atol=1e-15)
    m0 = np.array([1.0, -0.5])
    sol = S.sdeint(ou_noncommuting, m0, (0, n * dt), dt, dW=np.zeros((n, 1, 2)), save_every=1)
    np.testing.assert_allclose(sol.x[:, 0], theory.em_mean(H_OU, m0, dt, n), rtol=1e-12, atol=1e-15)


def test_em_stationary_covariance_approaches_lyapunov_at_weak_order(ou_noncommuting):
    """‖Σ_Δt − Σ‖ = O(Δt^p) with p the declared weak order; Σ_Δt from the exact EM recursion
    run by the kernel to (numerical) stationarity (T = 12, e^{−12} ≈ 6e-6 of the start)."""
    lyap = theory.ou_stationary_cov(H_OU, D_NONCOMMUTING, BETA_OU)
    hs = np.array([0.04, 0.02, 0.01, 0.005])
    errs = [np.linalg.norm(_em_impulse_covariance(ou_noncommuting, h, int(round(12 / h))) - lyap)
            for h in hs]
    fit = analysis.fit_order(hs, errs)
    assert abs(fit.order - S.SCHEMES["euler_maruyama"].weak_order["additive"]) <= 0.05
