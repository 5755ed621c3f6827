"""The OU closed forms checked against each other and against independent constructions."""

import numpy as np
import pytest

from deeprelax import theory as T
from deeprelax._core import NotPSDError, ParameterError, ShapeError

H_NC = np.array([[2.0, 0.5], [0.5, 1.0]])
D_NC = np.diag([1.0, 0.2])  # does not commute with H_NC


def _random_pair(rng, d, commuting):
    Qm, _ = np.linalg.qr(rng.normal(size=(d, d)))
    H = Qm @ np.diag(rng.uniform(0.5, 3, d)) @ Qm.T
    if commuting:
        D = Qm @ np.diag(rng.uniform(0.2, 2, d)) @ Qm.T
    else:
        A = rng.normal(size=(d, d))
        D = A @ A.T + 0.1 * np.eye(d)
    return H, D


@pytest.mark.parametrize("beta", [0.5, 1.0, 7.0])
def test_lyapunov_residual_and_relations(beta, rng):
    H, D = _random_pair(rng, 4, commuting=False)
    S = T.ou_stationary_cov(H, D, beta)
    np.testing.assert_allclose(H @ S + S @ H, 2 / beta * D, atol=1e-12)
    U = T.ou_potential_matrix(H, D, beta)
    Q = T.ou_Q(H, D, beta)
    np.testing.assert_allclose(Q, -Q.T, atol=1e-12)
    np.testing.assert_allclose(H @ np.linalg.inv(U), D + Q, atol=1e-11)  # H U⁻¹ = D + Q
    x = rng.normal(size=(5, 4))
    # −Hx = −DUx + j(x) with j = −QUx
    np.testing.assert_allclose(-x @ H.T, -x @ (D @ U).T + T.ou_current(H, D, x, beta), atol=1e-11)


def test_lemma6_example():
    # PAPERS.md claim 13: D = diag(2, 0.5), F = diag(1, 4) gives U = diag(0.5, 8) (β = 1)
    np.testing.assert_allclose(T.ou_potential_matrix(np.diag([1.0, 4.0]), np.diag([2.0, 0.5])),
                               np.diag([0.5, 8.0]), atol=1e-12)
    # U ∝ H when D ∝ I
    H = np.array([[2.0, 0.3], [0.3, 1.0]])
    U = T.ou_potential_matrix(H, 0.7 * np.eye(2))
    np.testing.assert_allclose(U / U[0, 0], H / H[0, 0], atol=1e-12)


def test_angular_momentum_is_2Q_over_beta():
    beta = 2.0
    L = T.ou_angular_momentum(H_NC, D_NC, beta)
    assert L == pytest.approx(2 * T.ou_Q(H_NC, D_NC, beta)[0, 1] / beta, rel=1e-12)
    assert abs(L) > 1e-3


@pytest.mark.parametrize("commuting", [True, False], ids=["commuting", "non-commuting"])
def test_detailed_balance_iff_commuting(commuting, rng):
    H, D = _random_pair(rng, 3, commuting)
    Q = T.ou_Q(H, D)
    assert T.detailed_balance(H, D) is commuting
    assert bool(np.max(np.abs(Q)) < 1e-10) == commuting


def test_em_recursions(rng):
    H, D = H_NC, D_NC
    dt, beta = 0.05, 1.5
    m = T.em_mean(H, [1.0, -1.0], dt, 3)
    np.testing.assert_allclose(m[3], np.linalg.matrix_power(np.eye(2) - dt * H, 3) @ [1.0, -1.0])
    S = T.em_cov(H, D, np.zeros((2, 2)), dt, 4000, beta)
    Sd = T.em_stationary_cov(H, D, dt, beta)
    np.testing.assert_allclose(S[-1], Sd, atol=1e-12)  # the recursion converges to its fixed point
    # scalar closed form Σ_Δt = β⁻¹D / (h(1 − hΔt/2))
    h, d = 2.0, 0.7
    assert T.em_stationary_cov([[h]], [[d]], dt, beta)[0, 0] == pytest.approx(d / beta / (h * (1 - h * dt / 2)))


def test_em_stationary_cov_is_first_order_in_dt():
    S = T.ou_stationary_cov(H_NC, D_NC)
    dts = np.array([0.08, 0.04, 0.02, 0.01])
    err = [np.max(np.abs(T.em_stationary_cov(H_NC, D_NC, dt) - S)) for dt in dts]
    slope = np.polyfit(np.log(dts), np.log(err), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.05)


def test_bad_input():
    with pytest.raises(NotPSDError):
        T.ou_stationary_cov(np.eye(2), np.diag([1.0, -1.0]))
    with pytest.raises(ShapeError, match="one shape"):
        T.ou_stationary_cov(np.eye(2), np.eye(3))
    with pytest.raises(ParameterError, match="positive real part"):
        T.ou_stationary_cov(-np.eye(2), np.eye(2))
    with pytest.raises(ParameterError, match="unstable"):
        T.em_stationary_cov(np.eye(2), np.eye(2), dt=2.5)


def test_angular_momentum_of_a_non_symmetric_drift_matrix():
    """E[xᵢdxⱼ − xⱼdxᵢ]/dt = (HΣ − ΣHᵀ)ᵢⱼ = 2Qᵢⱼ/β for any stable H (not only a Hessian)."""
    H = np.array([[1.0, 2.0], [-0.5, 1.5]])      # eigenvalues 1.25 ± 0.97i: stable, not symmetric
    D = np.array([[1.0, 0.3], [0.3, 0.5]])
    beta = 2.0
    S = T.ou_stationary_cov(H, D, beta)
    # the definition, term by term: E[xᵢ(−Hx)ⱼ] = −(ΣHᵀ)ᵢⱼ
    direct = -(S @ H.T)[0, 1] + (S @ H.T)[1, 0]
    assert T.ou_angular_momentum(H, D, beta) == pytest.approx(direct, rel=1e-12)
    assert T.ou_angular_momentum(H, D, beta) == pytest.approx(2 * T.ou_Q(H, D, beta)[0, 1] / beta, rel=1e-12)
    # negative control: the symmetric-H shortcut HΣ − ΣH is wrong here
    assert abs((H @ S - S @ H)[0, 1] - direct) > 0.1
