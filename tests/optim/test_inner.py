"""The Entropy-SGD inner loop: the averaging burn-in (``avg_burn_in``) and the coupling diagnostic.

The reference loop here is written independently, on x′ (Alg. 1 as printed) instead of
the package's δ = x′ − x form, so agreement is to round-off, not bitwise.
"""

import numpy as np
import pytest

from deeprelax._core import ParameterError
from deeprelax.optim import InnerLoop, entropy_adam, entropy_sgd, minimize, parle, sgd
from deeprelax.theory import local_entropy_quadrature

from ._landscapes import double_well_1d


def _reference(grad, x, gamma, L, lr, sigma, alpha, k, xis):
    """Alg. 1 lines 3–6 on x′ with μ_k = x′_k (x′_0 = x); returns μ and the coupling mean."""
    xp_, mu, ratios = x.copy(), x.copy(), []
    for step in range(1, L + 1):
        g = grad(xp_)
        ratios.append(np.linalg.norm(gamma * (xp_ - x)) / np.linalg.norm(g))
        xp_ = xp_ - lr * (g + gamma * (xp_ - x)) + sigma * xis[step - 1]
        if step == k:
            mu = xp_.copy()
        elif step > k:
            mu = (1 - alpha) * mu + alpha * xp_
    return mu, float(np.mean(ratios))


def _run(loop, grad, x, gamma, xis):
    it = iter(xis)
    return loop.run(x, gamma, lambda xp_: (0.0, grad(xp_)), lambda shape, like: next(it))


def _grad(y):
    return np.sin(2 * y) + y**3 - 0.5


@pytest.mark.parametrize("alpha,k", [(0.75, 0), (0.25, 0), (0.25, 3), (0.5, 9), (1.0, 4), (0.3, 10)],
                         ids=["paper", "code", "k3", "k9", "alpha1_k4", "k=L"])
def test_inner_loop_matches_algorithm_1_written_on_x_prime(alpha, k):
    rng = np.random.default_rng(0)
    x, gamma, L, lr, eps = rng.standard_normal(5), 0.8, 10, 0.05, 0.3
    xis = rng.standard_normal((L, 5))
    loop = InnerLoop(L, lr, noise=eps, alpha=alpha, avg_burn_in=k)     # paper noise: σ = √η′ ε
    res = _run(loop, _grad, x, gamma, xis)
    mu, coupling = _reference(_grad, x, gamma, L, lr, np.sqrt(lr) * eps, alpha, k, xis)
    np.testing.assert_allclose(x + res.mu_offset, mu, rtol=1e-12, atol=1e-13)
    assert res.coupling == pytest.approx(coupling, rel=1e-12)
    # negative control: the average without the burn-in is a different point
    if 0 < k < L and alpha < 1:
        mu0, _ = _reference(_grad, x, gamma, L, lr, np.sqrt(lr) * eps, alpha, 0, xis)
        assert np.max(np.abs(mu0 - mu)) > 1e-3


def test_burn_in_limits_are_exact():
    rng = np.random.default_rng(1)
    x, L = rng.standard_normal(7), 12
    xis = rng.standard_normal((L, 7))
    base = _run(InnerLoop(L, 0.05, 0.2, 0.25), _grad, x, 0.5, xis)
    k0 = _run(InnerLoop(L, 0.05, 0.2, 0.25, avg_burn_in=0), _grad, x, 0.5, xis)
    kL = _run(InnerLoop(L, 0.05, 0.2, 0.25, avg_burn_in=L), _grad, x, 0.5, xis)
    last = _run(InnerLoop(L, 0.05, 0.2, 1.0), _grad, x, 0.5, xis)
    np.testing.assert_array_equal(k0.mu_offset, base.mu_offset)    # k = 0 is the default
    np.testing.assert_array_equal(kL.mu_offset, last.mu_offset)    # k = L is the last iterate
    np.testing.assert_array_equal(kL.mu_offset, kL.delta)


@pytest.mark.parametrize("bad,match", [(13, r"`avg_burn_in` must be an integer <= 12"),
                                       (-1, r"`avg_burn_in` must be an integer >= 0"),
                                       (2.5, r"`avg_burn_in` must be an integer, got 2.5"),
                                       ("3", r"`avg_burn_in` must be an integer, got '3'")])
def test_burn_in_is_validated(bad, match):
    with pytest.raises(ParameterError, match=match):
        entropy_sgd(0.1, n_inner=12, avg_burn_in=bad)


def test_factories_pass_the_burn_in_through():
    assert entropy_sgd(0.1, n_inner=8, avg_burn_in=4).inner.avg_burn_in == 4
    assert entropy_adam(0.1, n_inner=8, avg_burn_in=2).inner.avg_burn_in == 2
    assert parle(0.1, n_inner=8, avg_burn_in=3).inner.avg_burn_in == 3


def test_burn_in_removes_the_bias_floor():
    # Claim 2 of PAPERS.md §5 "without the floor" (issue 12). 1-D double well
    # h(y² − 1)², h = 0.5, anchor x = 0.6, γ = 2, inner temperature T = 0.25 (paper noise,
    # ε = √(2T)), L = 800, η′ = 0.01, α = 2/L: with avg_burn_in = 0 the start μ₀ = x keeps
    # the weight (1 − α)^L ≈ e⁻² = 0.135, a bias of about −0.135·γ(⟨x′⟩ − x) that no
    # larger L removes while α ∝ 1/L. Monte Carlo budget: 2000 independent chains per
    # setting (≈ 1 s each); SE of the mean ≈ 0.006 (burn-in) and 0.0035 (no burn-in).
    # Measured: z = +0.0 with k = L/2, z = −12 without. Margins: |z| < 4 with the burn-in
    # (two-sided, false-fail ≈ 6e-5 without discretisation bias; the O(η′) Euler–Maruyama
    # bias measured < 0.5 SE here), z < −8 for the floor (the negative control).
    h, T, gamma, x = 0.5, 0.25, 2.0, np.array([0.6])
    value, grad = double_well_1d(h)
    y = np.linspace(-5, 5, 4001)
    exact = gamma * (local_entropy_quadrature(lambda v: value(v[:, None]), x, gamma, y,
                                              beta=1 / T)[1][0] - x[0])
    L, lr, n = 800, 0.01, 2000

    def z_score(k, seed):
        loop = InnerLoop(L, lr, noise=np.sqrt(2 * T), alpha=2.0 / L, avg_burn_in=k)
        rng = np.random.default_rng(seed)
        res = loop.run(np.tile(x, (n, 1)), gamma, lambda X: (0.0, grad(X)),
                       lambda shape, like: rng.standard_normal(shape))
        est = gamma * res.mu_offset[:, 0]
        return (est.mean() - exact) / (est.std() / np.sqrt(n)), est.mean()

    z_burn, _ = z_score(L // 2, seed=1)
    z_floor, mean_floor = z_score(0, seed=2)
    assert abs(z_burn) < 4.0, z_burn
    assert z_floor < -8.0, z_floor                       # negative control: the floor is there
    floor = (1 - 2.0 / L) ** L * exact                  # predicted size of the floor, ≈ 0.043
    assert abs((exact - mean_floor) - floor) < 0.35 * floor, (exact - mean_floor, floor)


def test_coupling_in_history_and_step_info(noisy_parabola, x0_parabola):
    res = minimize(entropy_sgd(0.5, 0.5, n_inner=4, noise=1e-3), noisy_parabola, x0_parabola,
                   n_steps=6, seed=1)
    c = res.history.coupling
    assert c.shape == (6,) and np.all(np.isfinite(c)) and np.all(c > 0)
    # negative control: optimizers without an inner loop record NaN
    assert np.all(np.isnan(minimize(sgd(0.1), noisy_parabola, x0_parabola, n_steps=3).history.coupling))


def test_coupling_is_linear_in_gamma_for_weak_coupling():
    # f = y²/2, η′ = 0.01, L = 20, ε = 0: δ_ℓ ≈ −η′ℓ x and ĝ ≈ x, so the mean over the
    # L evaluations of γ|δ|/|ĝ| ≈ γη′(L − 1)/2 (to O(η′L) = 20 %), exactly linear in γ ≪ 1
    from deeprelax.optim import FunctionObjective

    obj = FunctionObjective(lambda x: float(0.5 * x @ x), lambda x: 1.0 * x, dim=1)
    c = {g: minimize(entropy_sgd(0.1, g, n_inner=20, inner_lr=0.01, noise=0.0), obj, np.ones(1),
                     n_steps=1).history.coupling[0] for g in (1e-3, 1e-2)}
    assert c[1e-2] / c[1e-3] == pytest.approx(10.0, rel=2e-3)
    assert c[1e-3] == pytest.approx(1e-3 * 0.01 * 19 / 2, rel=0.2)


def test_replica_coupling_is_the_ratio_of_rms_norms():
    # replicas (n, d): γ‖δ‖/‖ĝ‖ with norms over all entries (the ratio of RMS norms over
    # replicas, StepInfo.grad_norm's convention), against the x′-form reference
    rng = np.random.default_rng(4)
    X, gamma, L, lr = rng.standard_normal((3, 5)), 0.8, 6, 0.05
    res = _run(InnerLoop(L, lr, alpha=0.5), _grad, X, gamma, np.zeros((L, 3, 5)))
    xp_, ratios = X.copy(), []
    for _ in range(L):
        g = _grad(xp_)
        ratios.append(np.linalg.norm(gamma * (xp_ - X)) / np.linalg.norm(g))
        xp_ = xp_ - lr * (g + gamma * (xp_ - X))
    assert res.coupling == pytest.approx(np.mean(ratios), rel=1e-12)


def test_parle_with_one_replica_has_entropy_sgd_coupling(noisy_parabola, x0_parabola):
    # n = 1: Parle is Entropy-SGD driven by the child generator (test_limits.py)
    from deeprelax.optim import replica_seeds

    kw = dict(n_inner=4, inner_lr=0.1, noise=1e-2, alpha=0.25, outer_step="scoped")
    res = minimize(parle(0.5, 0.3, 2.0, n_replicas=1, gamma_max=None, **kw), noisy_parabola,
                   x0_parabola, n_steps=4, seed=5)
    opt = entropy_sgd(0.5, 0.3, **kw)
    state, rng, expect = opt.init(x0_parabola.copy()), np.random.default_rng(5), []
    for _ in range(4):
        state, info = opt.step(state, noisy_parabola, np.random.default_rng(int(replica_seeds(rng, 1)[0])))
        expect.append(info.coupling)
    np.testing.assert_allclose(res.history.coupling, expect, rtol=1e-12)
