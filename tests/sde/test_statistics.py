"""Monte Carlo checks against deeprelax.theory, each with a negative control that must fail.

Budgets and margins are stated per test; "SE" is the standard error over independent
paths (per-path averages), and a check passes within 4 SE (plus the known O(Δt) bias
where stated), while the negative control is rejected by more than 10 SE.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

from deeprelax import analysis, landscapes, theory
from deeprelax import sde as S
from deeprelax.theory import example19_angular_momentum, example19_bin_probabilities

from .conftest import BETA_OU, D_COMMUTING, D_NONCOMMUTING, H_OU

Z_OK, Z_REJECT = 4.0, 10.0


@pytest.fixture(scope="module")
def ou_paths(ou_noncommuting, ou_commuting):
    """500 paths × 4000 steps (Δt = 0.005) of each OU after a burn-in of 5 time units."""
    out = {}
    for name, sde in (("non", ou_noncommuting), ("com", ou_commuting)):
        burn = S.sdeint(sde, np.zeros(2), (0.0, 5.0), 0.005, n_paths=500, seed=1, save_every=1000)
        out[name] = S.sdeint(sde, burn.x[-1], (0.0, 20.0), 0.005, seed=1, rng_state=burn.rng_state)
    return out


def test_ou_covariance_matches_lyapunov(ou_paths):
    m = analysis.moments(ou_paths["non"].x[::20])
    lyap = theory.ou_stationary_cov(H_OU, D_NONCOMMUTING, BETA_OU)
    em = theory.em_stationary_cov(H_OU, D_NONCOMMUTING, 0.005, BETA_OU)
    z = np.abs(m.cov - em) / m.cov_se
    assert np.all(z < Z_OK), z
    assert np.all(np.abs(m.cov - lyap) < Z_OK * m.cov_se + np.abs(em - lyap))
    # negative control: the isotropic-noise covariance (D → tr(D)/2 · I) is rejected
    iso = theory.ou_stationary_cov(H_OU, np.trace(D_NONCOMMUTING) / 2 * np.eye(2), BETA_OU)
    assert np.max(np.abs(m.cov - iso) / m.cov_se) > Z_REJECT


def test_ou_angular_momentum_and_detailed_balance(ou_paths):
    """E[x₁dx₂ − x₂dx₁]/dt = (HΣ − ΣH)₁₂ (exact for EM with Σ_Δt); 0 iff HD = DH."""
    dt = 0.005
    non = analysis.angular_momentum(ou_paths["non"].x, dt)
    com = analysis.angular_momentum(ou_paths["com"].x, dt)
    Sd = theory.em_stationary_cov(H_OU, D_NONCOMMUTING, dt, BETA_OU)
    expected = float((H_OU @ Sd - Sd @ H_OU)[0, 1])
    assert abs(expected - theory.ou_angular_momentum(H_OU, D_NONCOMMUTING, BETA_OU)) < 2e-3
    assert abs(non.z(expected)) < Z_OK
    assert abs(non.z(0.0)) > Z_REJECT  # the current is non-zero...
    assert abs(com.z(0.0)) < Z_OK  # ...and vanishes under detailed balance
    assert abs(com.z(expected)) > Z_REJECT  # negative control: the wrong model is rejected
    assert theory.detailed_balance(H_OU, D_COMMUTING)
    assert not theory.detailed_balance(H_OU, D_NONCOMMUTING)


def test_ou_current_field(ou_paths):
    """Binned midpoint current vs J = ρ j with j(x) = −QUx (non-commuting), ≈ 0 (commuting)."""
    dt, rng_ = 0.005, [(-1.0, 1.0), (-0.3, 0.3)]
    cur = analysis.probability_current(ou_paths["non"].x, dt, bins=8, range=rng_)
    com = analysis.probability_current(ou_paths["com"].x, dt, bins=8, range=rng_)
    X, Y = np.meshgrid(*cur.centers, indexing="ij")
    pts = np.stack([X, Y], axis=-1)
    Sig = theory.ou_stationary_cov(H_OU, D_NONCOMMUTING, BETA_OU)
    rho = st.multivariate_normal(np.zeros(2), Sig).pdf(pts)
    J_th = theory.ou_current(H_OU, D_NONCOMMUTING, pts, BETA_OU) * rho[..., None]
    c = np.corrcoef(cur.J.ravel(), J_th.ravel())[0, 1]
    assert c > 0.8, c
    assert np.abs(com.J).max() < 0.35 * np.abs(cur.J).max()


def test_ou_entropy_production(ou_paths):
    """e_p = β tr((QU)ᵀD⁻¹QUΣ) vs the binned cross estimator (16² bins over ±3σ)."""
    from deeprelax.theory import ou_entropy_production

    dt = 0.005
    rng_ = [(-1.3, 1.3), (-0.4, 0.4)]
    e_non = analysis.entropy_production_rate(ou_paths["non"].x, dt, D_NONCOMMUTING / BETA_OU, 16, rng_)
    e_com = analysis.entropy_production_rate(ou_paths["com"].x, dt, D_COMMUTING / BETA_OU, 16, rng_)
    ep = ou_entropy_production(H_OU, D_NONCOMMUTING, BETA_OU)
    # binning and the truncated range bias the estimate low by ≈ 5 %: 20 % margin
    assert 0.8 * ep < e_non.value < 1.2 * ep, (e_non, ep)
    assert abs(e_com.z(0.0)) < Z_OK
    assert e_non.z(0.0) > Z_REJECT


def _example19_samples(n, rng):
    """Exact draws from ρ = e^{−Φ}/Z: x₂ ~ N(0, 1), x₁ by inverse CDF on a fine grid."""
    g = np.linspace(-4, 4, 20001)
    w = np.exp(-0.25 * (g**2 - 1) ** 2)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (w[1:] + w[:-1]) * np.diff(g))])
    x1 = np.interp(rng.uniform(0, cdf[-1], n), cdf, g)
    return np.stack([x1, rng.normal(size=n)], axis=1)


EDGES = (np.linspace(-2.2, 2.2, 12), np.linspace(-2.5, 2.5, 11))


def _chi2_pvalue(x):
    counts, *_ = np.histogram2d(x[:, 0], x[:, 1], bins=EDGES)
    p = example19_bin_probabilities(*EDGES)
    n = x.shape[0]
    # one extra cell collects the mass outside the grid
    obs = np.append(counts.ravel(), n - counts.sum())
    exp = np.append(p.ravel(), 1 - p.sum()) * n
    return st.chisquare(obs, exp).pvalue


@pytest.fixture(scope="module")
def example19_runs():
    """20 000 paths from the exact ρ for T = 3 (Heun, Δt = 0.005), then 2 000 paths × 400
    recorded steps for the circulation; per λ ∈ {0, 0.5, 1.5}."""
    out = {}
    rng = np.random.default_rng(19)
    x0 = _example19_samples(20_000, rng)
    for lam in (0.0, 0.5, 1.5):
        sde = S.langevin(landscapes.example19(lam))
        a = S.sdeint(sde, x0, (0.0, 3.0), 0.005, scheme="heun", seed=5, save_every=600)
        b = S.sdeint(sde, a.x[-1, :2000], (0.0, 2.0), 0.005, scheme="heun",
                     rng_state=a.rng_state[:2000])
        out[lam] = (a.x[-1], b.x)
    return out


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.5])
def test_example19_stationary_density_is_exp_minus_phi(example19_runs, lam):
    """χ² over 110 cells + 1 outside, 20 000 independent end points: p > 1e-3."""
    assert _chi2_pvalue(example19_runs[lam][0]) > 1e-3


def test_example19_wrong_temperature_is_rejected():
    """Negative control: with √1 instead of √2 (β = 2) the histogram is not e^{−Φ}."""
    rng = np.random.default_rng(20)
    x0 = _example19_samples(20_000, rng)
    sde = S.langevin(landscapes.example19(1.5), beta=2.0)
    a = S.sdeint(sde, x0, (0.0, 3.0), 0.005, scheme="heun", seed=5, save_every=600)
    assert _chi2_pvalue(a.x[-1]) < 1e-6


def test_example19_circulation_grows_with_lambda(example19_runs):
    L = {lam: analysis.angular_momentum(run[1], 0.005) for lam, run in example19_runs.items()}
    for lam, est in L.items():
        # O(Δt) bias of the discrete estimator is ≈ 1e-3 here, well under 4 SE ≈ 0.1
        assert abs(est.z(example19_angular_momentum(lam))) < Z_OK, (lam, est)
    assert abs(L[0.0].z(0.0)) < Z_OK
    assert L[0.5].value + Z_OK * L[0.5].stderr < L[1.5].value - Z_OK * L[1.5].stderr
    assert L[1.5].z(0.0) > Z_REJECT


def test_sgd_stationary_covariance_matches_its_sde():
    """Discrete SGD, η = 0.01, b = 8: Cov = Lyapunov(β⁻¹ = η/2b) + O(η).

    4 000 chains, 1 500 burn-in steps, 30 samples 100 steps apart. The O(η) term is
    known exactly (the EM recursion), so the check is Cov ≈ Σ_η within 4 SE and
    |Σ_η − Σ| ≤ η‖H‖ ‖Σ‖; negative control: the temperature η/b (a factor 2) is rejected.
    """
    lr, b = 0.01, 8
    noise_cov = np.array([[3.0, 1.2], [1.2, 1.0]])
    f = landscapes.quadratic(H_OU)
    sgd = S.from_sgd(f, lr, b, noise_cov)
    assert sgd.beta == pytest.approx(2 * b / lr)
    burn = S.sdeint(sgd, np.zeros(2), (0, 1500 * lr), lr, n_paths=4000, scheme="sgd", seed=2,
                    save_every=1500)
    sol = S.sdeint(sgd, burn.x[-1], (0, 3000 * lr), lr, scheme="sgd", rng_state=burn.rng_state,
                   save_every=100)
    m = analysis.moments(sol.x[1:])
    lyap = theory.ou_stationary_cov(H_OU, noise_cov, sgd.beta)
    em = theory.em_stationary_cov(H_OU, noise_cov, lr, sgd.beta)
    assert np.all(np.abs(m.cov - em) < Z_OK * m.cov_se)
    assert np.linalg.norm(em - lyap) <= lr * np.linalg.norm(H_OU, 2) * np.linalg.norm(lyap)
    assert np.max(np.abs(m.cov - 2 * lyap) / m.cov_se) > Z_REJECT
