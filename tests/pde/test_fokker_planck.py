"""Fokker–Planck: Gibbs, OU (Lyapunov, current −QUx), Example 19, mass/positivity, Theorem 5, sdeint."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from deeprelax import landscapes, sde, theory
from deeprelax._core import NotPSDError, ParameterError, ShapeError, Status
from deeprelax.pde import Grid, fp_operator, solve_fp, stationary_fp
from deeprelax.pde._fokker_planck import bernoulli, force_split
from deeprelax.theory import example19_angular_momentum, example19_current, example19_density

H_OU = np.array([[1.0, 0.3], [0.3, 2.0]])
D_OU = np.array([[1.0, 0.4], [0.4, 0.5]])  # does not commute with H_OU: detailed balance fails


def test_bernoulli_is_stable():
    z = np.array([-800.0, -1.0, -1e-12, 0.0, 1e-12, 1.0, 800.0])
    b = bernoulli(z)
    assert np.all(np.isfinite(b)) and b[3] == 1.0
    np.testing.assert_allclose(b[[1, 5]], [-1 / np.expm1(-1.0), 1 / np.expm1(1.0)], rtol=1e-14)
    np.testing.assert_allclose(b - bernoulli(-z), -z, atol=1e-12)  # B(z) − B(−z) = −z


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_gradient_drift_isotropic_gives_gibbs_exactly(dim):
    g = Grid([(-2.5, 2.5)] * dim, {1: 200, 2: 40, 3: 14}[dim])
    f = landscapes.double_well(dim, barrier=1.5)
    r = stationary_fp(sde.langevin(f, beta=2.0), g)
    gibbs = theory.gibbs_density(f.value(g.points), g.cell_volume, 2.0)
    assert np.abs(r.rho - gibbs).max() < 1e-10 * gibbs.max()
    assert np.abs(r.current).max() < 1e-10 * gibbs.max()
    assert r.residual < 1e-12 and r.monotone and r.current_ratio < 1e-10


def test_ou_lyapunov_gaussian_and_current():
    beta = 1.0
    S = theory.ou_stationary_cov(H_OU, D_OU, beta)
    s = sde.langevin(landscapes.quadratic(H_OU), beta=beta, D=D_OU)
    errs = []
    for n in (40, 80):
        g = Grid([(-5.0, 5.0)] * 2, n)
        r = stationary_fp(s, g)
        X = g.points
        quad = np.einsum("...i,ij,...j", X, np.linalg.inv(S), X)
        dens = np.exp(-0.5 * quad) / (2 * np.pi * np.sqrt(np.linalg.det(S)))
        J = theory.ou_current(H_OU, D_OU, X.reshape(-1, 2), beta).reshape(X.shape) * dens[..., None]
        errs.append((np.abs(r.rho - dens).max() / dens.max(), np.abs(r.current - J).max() / np.abs(J).max()))
        assert np.abs(r.divergence).max() < 1e-12 * np.abs(r.current).max() / g.spacing[0]
    (e1, c1), (e2, c2) = errs
    assert e2 < 0.003 and c2 < 0.07  # measured 0.0019 and 0.051 on the 80² grid
    assert e1 / e2 > 3.5 and c1 / c2 > 3.5  # second order (measured 3.97 and 3.91)
    # negative control: the isotropic Gibbs guess exp(−βf) is far from the FP solution
    g = Grid([(-5.0, 5.0)] * 2, 80)
    wrong = theory.gibbs_density(landscapes.quadratic(H_OU).value(g.points), g.cell_volume, beta)
    assert np.abs(stationary_fp(s, g).rho - wrong).max() > 0.1 * wrong.max()


def test_force_split_matches_scheme_velocity():
    # j = −∇f + D∇Φ − β⁻¹∇·D from Φ (finite differences) and j = J/ρ from the fluxes, both −QUx
    S = theory.ou_stationary_cov(H_OU, D_OU, 1.0)
    s = sde.langevin(landscapes.quadratic(H_OU), beta=1.0, D=D_OU)
    errs = []
    for n in (40, 80):
        g = Grid([(-5.0, 5.0)] * 2, n)
        r = stationary_fp(s, g)
        X = g.points
        core = np.einsum("...i,ij,...j", X, np.linalg.inv(S), X) < 2 * np.log(20.0)  # ρ > ρ_max/20
        jt = theory.ou_current(H_OU, D_OU, X.reshape(-1, 2), 1.0).reshape(X.shape)
        split = force_split(s, g, r.phi)
        errs.append((np.abs(split.j - jt)[core].max(), np.abs(r.velocity - jt)[core].max()))
    assert errs[1][0] < 0.07 and errs[1][1] < 0.1  # measured 0.044, 0.068 (max |j| = 0.98)
    assert errs[0][0] / errs[1][0] > 3.5 and errs[0][1] / errs[1][1] > 3.5


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.5])
def test_example19_density_for_every_lambda_and_current_grows(lam):
    # the box holds e^{−Φ} to e^{−12}: Φ = x₂²/2 needs |x₂| ≤ 5
    g = Grid([(-3.0, 3.0), (-5.0, 5.0)], (90, 150))
    r = stationary_fp(sde.langevin(landscapes.example19(lam), beta=1.0), g)
    dens = example19_density(g.points)
    assert np.abs(r.rho - dens).max() < 1e-3 * dens.max()  # measured 3.2e-4 at λ = 1.5
    J = example19_current(g.points, lam)
    assert np.abs(r.current - J).max() < 3e-3 * dens.max()  # measured 1.1e-3 at λ = 1.5
    # angular momentum 2πλ/Z: linear in λ, zero without circulation
    assert r.angular_momentum == pytest.approx(example19_angular_momentum(lam), rel=2e-3, abs=1e-10)


def _random_sde(draw_vals):
    k1, k2, c, beta = draw_vals
    H = np.array([[k1, 0.2], [0.2, k2]])
    D = np.array([[1.0, c], [c, 1.0]])
    return sde.langevin(landscapes.quadratic(H), beta=beta, D=D)


@settings(max_examples=12, deadline=None)
@given(
    st.floats(0.3, 3.0), st.floats(0.3, 3.0), st.floats(-0.6, 0.6), st.floats(0.5, 4.0),
    st.integers(0, 2**31 - 1),
)
def test_mass_and_positivity_property(k1, k2, c, beta, seed):
    # diagonally dominant D, moderate Péclet: the operator is monotone, so implicit Euler keeps ρ ≥ 0
    g = Grid([(-3.0, 3.0)] * 2, 16)
    s = _random_sde((k1, k2, c, beta))
    op = fp_operator(s, g)
    p0 = np.random.default_rng(seed).random(g.shape)
    r = solve_fp(s, p0, g, 0.5, dt=0.05, t_eval=[0.1, 0.5], operator=op)
    np.testing.assert_allclose(r.mass, 1.0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(op.matrix.sum(axis=0)).ravel(), 0.0, atol=1e-9)
    if op.monotone:
        assert r.min_density.min() >= -1e-15
        assert np.all(np.diff(r.free_energy) <= 1e-13)


def test_free_energy_decreases_theorem5():
    g = Grid([(-3.0, 3.0)] * 2, 40)
    s = sde.langevin(landscapes.example19(1.5), beta=1.0)
    p0 = np.exp(-((g.coords[0] - 1.5) ** 2 + (g.coords[1] + 1.0) ** 2) / 0.1)
    r = solve_fp(s, p0, g, 4.0, t_eval=np.linspace(0.1, 4.0, 20))
    assert r.monotone and r.status is Status.SUCCESS and r.success
    assert np.all(np.diff(r.free_energy) < 0)
    assert r.free_energy[-1] < 1e-3 * r.free_energy[0]
    # F = E[Φ] − β⁻¹H
    np.testing.assert_allclose(r.free_energy, r.energy - r.entropy, atol=1e-12)
    r2 = solve_fp(s, p0, g, 4.0, t_eval=np.linspace(0.1, 4.0, 20), scheme="tr_bdf2")
    assert np.abs(r2.rho[-1] - r.rho[-1]).max() < 0.05 * r.rho[-1].max()


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                    reason="6e6 Euler-Maruyama steps: minutes in pure Python (and the SDE room's RNG kernels)")
def test_stationary_density_agrees_with_sdeint_histogram():
    # Example 19 at λ = 1.5 (non-equilibrium), Euler–Maruyama (weak order 1; bias ~dt = 1 %, below the
    # ~5 % per-bin Monte Carlo error).
    # Monte Carlo budget: 10,000 independent paths from the origin to T = 6 (relaxation time ≈ 1),
    # one sample per path; χ² over 10x10 bins of [−3, 3]², bins with expected count < 20 merged
    # into one. Margin: pass at p > 1e-3; the wrong model (β = 0.6) must give p < 1e-10.
    s = sde.langevin(landscapes.example19(1.5), beta=1.0)
    sol = sdeint(s, [0.0, 0.0], (0.0, 6.0), 0.01, n_paths=10000, scheme="euler_maruyama", seed=7,
                 save_every=600)
    x = sol.x[-1]
    g = Grid([(-3.0, 3.0)] * 2, 60)
    edges = np.linspace(-3.0, 3.0, 11)
    obs, _, _ = np.histogram2d(x[:, 0], x[:, 1], bins=[edges, edges])
    pvals = []
    for beta in (1.0, 0.6):
        r = stationary_fp(sde.langevin(landscapes.example19(1.5), beta=beta), g)
        # mass outside the box is the box's share of e^{−Φ} (0.27 %, from the x₂ tails)
        e = r.rho.reshape(10, 6, 10, 6).sum(axis=(1, 3)) * g.cell_volume * np.sum(obs)
        keep = e >= 20
        o, ee = np.r_[obs[keep], obs[~keep].sum()], np.r_[e[keep], e[~keep].sum()]
        pvals.append(chi2.sf(np.sum((o - ee) ** 2 / ee), o.size - 1))
    assert pvals[0] > 1e-3, pvals
    assert pvals[1] < 1e-10, pvals


def test_bad_input():
    g = Grid([(-2.0, 2.0)] * 2, 10)
    with pytest.raises(ShapeError, match="dimension 2"):
        stationary_fp(sde.langevin(landscapes.double_well(3)), g)
    with pytest.raises(NotPSDError, match="positive semi-definite"):
        stationary_fp(_NotPSD(), g)
    s = sde.langevin(landscapes.double_well(2))
    with pytest.raises(ParameterError, match="`method` must be one of"):
        stationary_fp(s, g, method="cg")
    with pytest.raises(ParameterError, match="`p0` must be a non-negative density"):
        solve_fp(s, -np.ones(g.shape), g, 1.0)
    with pytest.raises(ShapeError, match="grid's shape"):
        solve_fp(s, np.ones(5), g, 1.0)


def test_sde_must_be_a_spec_and_beta_is_never_defaulted():
    g = Grid([(-2.0, 2.0)] * 2, 10)
    f = landscapes.double_well(2)
    for bad in (f, None, "langevin"):
        with pytest.raises(ParameterError, match="`sde` must be a deeprelax.sde.SDE"):
            stationary_fp(bad, g)
    no_beta = _NotPSD()
    no_beta.beta = None
    no_beta.diffusion_tensor = lambda x: np.broadcast_to(np.eye(2), np.shape(x)[:-1] + (2, 2)).copy()
    # an SDE without β: Φ = −β⁻¹ log ρ is undefined, so it is refused rather than taken at β = 1
    with pytest.raises(ParameterError, match="`beta` must be given"):
        stationary_fp(no_beta, g)
    r = stationary_fp(no_beta, g, beta=2.0)
    assert r.beta == 2.0 and r.success
    # negative control: with β given the potential is −log(ρ)/β, not −log ρ
    np.testing.assert_allclose(r.phi, -np.log(r.rho / r.rho.max()) / 2.0, atol=1e-12)


def test_unbounded_transient_is_refused_with_the_step_count():
    g = Grid([(-2.0, 2.0)] * 2, 8)
    s = sde.langevin(landscapes.double_well(2))
    with pytest.raises(ParameterError, match=r"1e\+09 steps .*max_steps"):
        solve_fp(s, np.ones(g.shape), g, 1.0, dt=1e-9)
    r = solve_fp(s, np.ones(g.shape), g, 0.1, dt=0.01, max_steps=10, t_eval=[0.1])
    assert r.n_steps == 10 and r.success


class _NotPSD:
    """A spec whose diffusion tensor has a negative eigenvalue (not buildable through deeprelax.sde)."""

    dim = 2
    beta = 1.0
    landscape = None
    field = None

    def diffusion_tensor(self, x):
        x = np.asarray(x)
        return np.broadcast_to(np.array([[1.0, 2.0], [2.0, 1.0]]), x.shape[:-1] + (2, 2)).copy()

    def ito_drift_values(self, x):
        return -np.asarray(x, dtype=float)


sdeint = sde.sdeint
