"""The SDE spec contract read by the Fokker–Planck solver, and the public surface."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import landscapes
from deeprelax import sde as S

from .conftest import MU, SIGMA, gbm, general

PUBLIC = {
    "sdeint", "SDESolution", "SUCCESS", "NONFINITE", "SCHEMES", "Scheme", "get_scheme",
    "brownian_increments", "coarsen_increments", "SDE", "NOISE_CLASSES", "CALCULI", "langevin",
    "from_sgd", "ornstein_uhlenbeck", "from_kernels", "factor_covariance",
    "GradientNoise", "gradient_noise", "isotropic_noise", "sgd_surrogate", "ensemble", "EnsembleResult",
}


def test_public_surface():
    assert set(S.__all__) == PUBLIC


def test_langevin_contract(rng):
    f = landscapes.double_well(2, barrier=0.5, kappa=2.0)
    D = np.array([[2.0, 0.5], [0.5, 1.0]])
    s = S.langevin(f, 4.0, D)
    x = rng.normal(size=(3, 5, 2))
    assert (s.dim, s.calculus, s.noise, s.beta, s.landscape, s.field) == (2, "ito", "additive", 4.0,
                                                                         f, None)
    np.testing.assert_allclose(s.drift_values(x), -f.grad(x))
    np.testing.assert_allclose(s.diffusion_tensor(x), np.broadcast_to(D / 4.0, (3, 5, 2, 2)))
    np.testing.assert_allclose(s.ito_drift_values(x), s.drift_values(x))


def test_field_drift_and_linear_fast_path(rng):
    fld = landscapes.example19(0.5)
    s = S.langevin(fld)
    x = rng.normal(size=(7, 2))
    assert s.field is fld and s.landscape is None
    np.testing.assert_allclose(s.drift_values(x), fld(x))
    H = np.array([[2.0, 0.3], [0.3, 1.0]])
    q = S.langevin(landscapes.quadratic(H, [0.1, -0.2]), 1.0)
    assert q.linear
    np.testing.assert_allclose(q.drift_values(x), -landscapes.quadratic(H, [0.1, -0.2]).grad(x))
    A = np.array([[1.0, 2.0], [-1.0, 1.0]])
    ou = S.ornstein_uhlenbeck(A, np.eye(2), 2.0)
    np.testing.assert_allclose(ou.drift_values(x), -x @ A.T)


def test_from_sgd_temperature_and_rank_deficient_noise():
    f = landscapes.quadratic(np.eye(3))
    v = np.array([1.0, 2.0, -1.0])
    D = np.outer(v, v)  # rank 1
    s = S.from_sgd(f, 0.1, 8, D)
    assert s.beta == pytest.approx(2 * 8 / 0.1) and s.noise_dim == 1
    np.testing.assert_allclose(s.diffusion_tensor(np.zeros(3)), D / s.beta, atol=1e-14)
    w = S.from_sgd(f, 0.1, 8, D, n_samples=32)
    assert 1.0 / w.beta == pytest.approx(0.1 / 16 * (1 - 8 / 32))


def test_state_dependent_covariance(rng):
    from .conftest import general_field

    f = landscapes.double_well(2)
    s = S.langevin(f, 2.0, general_field, D_params=[1.0, 0.4])
    x = rng.normal(size=(6, 2))
    D = np.empty((6, 2, 2))
    for i in range(6):
        general_field(x[i], np.array([1.0, 0.4]), D[i])
    np.testing.assert_allclose(s.diffusion_tensor(x), D / 2.0)
    g = s.diffusion_factor(x)
    np.testing.assert_allclose(0.5 * np.einsum("nik,njk->nij", g, g), D / 2.0, atol=1e-13)


def test_stratonovich_noise_induced_drift(rng):
    """GBM: b_Itô = μx + ½σ²x (diagonal); general noise against ½ Σ gₖⱼ ∂ₖgᵢⱼ by hand."""
    x = rng.uniform(0.5, 1.5, size=(4, 2))
    s = gbm("stratonovich", 2)
    np.testing.assert_allclose(s.ito_drift_values(x), (MU + 0.5 * SIGMA**2) * x, rtol=1e-8)
    g = general("stratonovich")
    # g = σ [[1 + x₀², ρ], [ρ, 1 + ½ sin²x₁]]: only ∂₀g₀₀ = 2σx₀ and ∂₁g₁₁ = σ sin x₁ cos x₁
    G = g.diffusion_factor(x)
    corr = np.zeros_like(x)
    corr[:, 0] = 0.5 * (G[:, 0, 0] * 2 * SIGMA * x[:, 0])
    corr[:, 1] = 0.5 * (G[:, 1, 1] * SIGMA * np.sin(x[:, 1]) * np.cos(x[:, 1]))
    np.testing.assert_allclose(g.ito_drift_values(x) - g.drift_values(x), corr, rtol=1e-6)


def test_scheme_metadata_declares_orders():
    em = S.get_scheme("euler_maruyama")
    assert em.strong_order["additive"] == 1.0 and em.strong_order["general"] == 0.5
    assert S.SCHEMES["sra1"].strong_order == {"additive": 1.5}
    assert "general" not in S.SCHEMES["milstein"].strong_order


def test_langevin_integrates_the_new_hessian_after_with_params():
    """One source of truth: the linear drift reads the landscape's params, not meta."""
    from deeprelax import landscapes

    old = landscapes.quadratic([[1.0, 0.0], [0.0, 1.0]])
    H_new = np.array([[5.0, 1.0], [1.0, 3.0]])
    c_new = np.array([0.5, -1.0])
    new = old.with_params(np.concatenate([H_new.ravel(), c_new]))
    s = S.langevin(new, beta=4.0)
    x = np.array([[1.0, 2.0], [-0.5, 0.3]])
    np.testing.assert_allclose(s.drift_values(x), -(x - c_new) @ H_new.T)
    # and the integrator: same run as on the freshly built landscape (bitwise)
    fresh = S.langevin(landscapes.quadratic(H_new, c_new), beta=4.0)
    kw = dict(x0=np.zeros(2), t_span=(0.0, 0.5), dt=0.01, n_paths=8, seed=3)
    a, b = S.sdeint(s, **kw), S.sdeint(fresh, **kw)
    assert np.array_equal(a.x, b.x)
    # negative control: the old landscape's SDE differs
    assert not np.array_equal(S.sdeint(S.langevin(old, beta=4.0), **kw).x, a.x)


def test_non_symmetric_hessian_through_with_params_still_drifts_down_the_gradient():
    """with_params can put a non-symmetric H into a quadratic; the drift must stay −∇f."""
    q = landscapes.quadratic(np.eye(2))
    H_bad = np.array([[2.0, 1.0], [0.0, 1.0]])
    f = q.with_params(np.concatenate([H_bad.ravel(), np.zeros(2)]))
    s = S.langevin(f, beta=1.0)
    assert not s.linear                      # the linear accelerator does not apply
    x = np.array([[1.0, 2.0], [-0.5, 0.3]])
    np.testing.assert_allclose(s.drift_values(x), -f.grad(x))
    # negative control: the raw linear drift −Hx is not −∇f for this H
    assert not np.allclose(-x @ H_bad.T, -f.grad(x))


def test_linear_flag_needs_the_linear_parameter_layout():
    from deeprelax._core import ParameterError
    from deeprelax.sde._spec import linear_drift

    with pytest.raises(ParameterError, match="linear"):
        S.SDE(dim=2, drift_kernel=linear_drift, drift_params=np.zeros(4), diffusion_matrix=np.eye(2),
              linear=True)
