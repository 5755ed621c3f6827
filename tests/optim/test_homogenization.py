"""Optimizer ↔ PDE: the inner loop's γ(μ − x) converges to the exact ∇F (homogenization).

The inner loop with the paper's noise √η′ε samples at temperature T = ε²/2, so the
reference is local entropy at β = 1/T (quadrature, :mod:`deeprelax.theory`); the
β = 1 of eq. (4) and the code convention's T = ε² are the negative controls.
Gradients come from numpy twins (``_landscapes.py``) so that no Numba kernel runs in
the loop. Averaging weight α = 4/L so the average spans the last ~L/4 steps.
"""

import numpy as np
import pytest

from deeprelax.optim import InnerLoop, hj_proximal, hopf_lax_sgd, inner_temperature, minimize
from deeprelax.theory import local_entropy_quadrature, local_entropy_quadrature_2d, proximal_point_brute

from ._landscapes import NumpyObjective, banana_2d, double_well_1d

#: Temperature of the inner loop, ε = √(2T) with the paper's noise convention.
T = 0.25
#: (L, η′) pairs of the sweep: L grows as η′ shrinks.
SWEEP = ((50, 0.04), (200, 0.02), (800, 0.01), (3200, 0.005))
#: z-score bound on |bias| / SE at the finest setting (two-sided, ~6e-5 false-fail rate).
Z = 4.0


def _chains(grad, x, gamma, L, lr, n, seed):
    """n independent inner loops from anchor x (rows), γ(μ − x) for each."""
    loop = InnerLoop(L, lr, noise=np.sqrt(2 * T), alpha=min(1.0, 4.0 / L))
    rng = np.random.default_rng(seed)
    X = np.tile(x, (n, 1))
    res = loop.run(X, gamma, lambda Xp: (0.0, grad(Xp)),
                   lambda shape, like: rng.standard_normal(shape))
    return gamma * res.mu_offset


def test_inner_temperature_conventions():
    assert inner_temperature(0.1, "paper") == pytest.approx(0.005)
    assert inner_temperature(0.1, "code") == pytest.approx(0.01)


def test_homogenization_1d():
    # Monte Carlo budget: 1000 chains per (L, η′); SE of the mean ≈ sd/√1000 ≈ 0.005
    # at the finest setting; bias there must be within Z SEs of the quadrature ∇F.
    value, grad = double_well_1d(0.5)
    x, gamma = np.array([0.6]), 2.0
    y = np.linspace(-5, 5, 4001)
    exact = {b: gamma * (local_entropy_quadrature(lambda v: value(v[:, None]), x, gamma, y,
                                                  beta=b)[1][0] - x[0])
             for b in (1 / T, 1.0, 1 / (2 * T))}
    bias, sd = [], []
    for L, lr in SWEEP:
        est = _chains(grad, x, gamma, L, lr, 1000, seed=L)[:, 0]
        bias.append(est.mean() - exact[1 / T])
        sd.append(est.std())
    se = sd[-1] / np.sqrt(1000)
    assert abs(bias[-1]) < Z * se, (bias, se)
    assert sd[-1] < 0.6 * sd[0]            # the variance shrinks as the window grows
    est_mean = bias[-1] + exact[1 / T]
    # negative controls: β = 1 (eq. 4 as written) and T = ε² (code convention) are rejected
    assert abs(est_mean - exact[1.0]) > 10 * se
    assert abs(est_mean - exact[1 / (2 * T)]) > 10 * se


def test_homogenization_2d():
    # Monte Carlo budget: 600 chains, SE per coordinate ≈ 0.01-0.02 at L = 3200.
    value, grad = banana_2d()
    x, gamma = np.array([0.5, 0.8]), 2.0
    g1, g2 = np.linspace(-3, 3, 241), np.linspace(-3, 4, 281)
    ref = {b: gamma * (local_entropy_quadrature_2d(value, x, gamma, g1, g2, beta=b)[1] - x)
           for b in (1 / T, 1.0)}
    L, lr = SWEEP[-1]
    est = _chains(grad, x, gamma, L, lr, 600, seed=7)
    se = est.std(axis=0) / np.sqrt(600)
    z = np.abs(est.mean(axis=0) - ref[1 / T]) / se
    assert np.all(z < Z), (est.mean(axis=0), ref, se)
    assert np.max(np.abs(est.mean(axis=0) - ref[1.0]) / se) > 10    # negative control


@pytest.mark.parametrize("x", [-1.7, -0.4, 0.2, 1.3])
def test_proximal_variant_is_the_hopf_lax_minimiser(x):
    # noise-free inner loop, μ = last iterate: μ → argmin_y f(y) + γ|y − x|²/2 (t = 1/γ)
    value, grad = double_well_1d(0.5)
    gamma = 3.0          # > −min f'' = 2: the proximal problem is strictly convex
    obj = NumpyObjective(value, grad, 1)
    opt = hj_proximal(1.0, gamma, n_inner=400, inner_lr=0.05)   # η = 1, scoped: x ← μ
    res = minimize(opt, obj, np.array([x]), n_steps=1)
    y = np.linspace(-3, 3, 60001)
    ystar = proximal_point_brute(value(y[:, None]), y, x, gamma)
    assert abs(res.x[0] - ystar) < 2e-4          # grid spacing 1e-4
    # negative control: the plain gradient step from x is not the proximal point
    assert abs(x - 0.05 * grad(np.array([[x]]))[0, 0] - ystar) > 1e-2


def test_hopf_lax_fixed_point_gradient():
    # p → (x − y*)/t = ∇u(x, t) of the Moreau envelope; one outer step with η = t gives y*
    value, grad = double_well_1d(0.5)
    gamma, x = 4.0, 0.35
    obj = NumpyObjective(value, grad, 1)
    res = minimize(hopf_lax_sgd(1.0 / gamma, gamma, n_inner=200, beta1=0.5), obj,
                   np.array([x]), n_steps=1)
    y = np.linspace(-3, 3, 60001)
    ystar = proximal_point_brute(value(y[:, None]), y, x, gamma)
    assert abs(res.x[0] - ystar) < 2e-4
    assert res.n_grad_evals == 201
