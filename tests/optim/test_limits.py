"""Documented limiting cases of the optimizers, checked exactly (bitwise or to round-off)."""

import numpy as np
import pytest

from deeprelax.optim import (
    adam,
    asam,
    elastic_sgd,
    entropy_sgd,
    minimize,
    parle,
    replica_seeds,
    sam,
    sgd,
)

#: Round-off allowance for identities that reorder a product of scalars (ulps of |x| ~ 1).
ROUNDOFF = 1e-13


def _run(opt, obj, x0, n, seed=3):
    return minimize(opt, obj, x0, n_steps=n, seed=seed)


@pytest.mark.parametrize("outer_step,rate", [("gamma", lambda lr, g, ilr: lr * g * ilr),
                                             ("scoped", lambda lr, g, ilr: lr * ilr)],
                         ids=["alg1", "scoped"])
def test_entropy_sgd_one_inner_step_is_sgd(noisy_parabola, x0_parabola, outer_step, rate):
    # L = 1, ε = 0, α = 1 (μ = last iterate): x ← x − η γ η′ ĝ(x) (Alg. 1) or − η η′ ĝ (scoped)
    lr, gamma, ilr = 0.7, 2.0, 0.3
    esgd = entropy_sgd(lr, gamma, n_inner=1, inner_lr=ilr, noise=0.0, alpha=1.0,
                       outer_step=outer_step)
    a = _run(esgd, noisy_parabola, x0_parabola, 50)
    b = _run(sgd(rate(lr, gamma, ilr)), noisy_parabola, x0_parabola, 50)
    np.testing.assert_allclose(a.x, b.x, rtol=0, atol=ROUNDOFF)
    np.testing.assert_allclose(a.history.loss, b.history.loss, rtol=1e-12)
    assert a.n_grad_evals == b.n_grad_evals == 50


def test_entropy_sgd_limit_is_not_sgd_with_the_wrong_rate(noisy_parabola, x0_parabola):
    # negative control: the same comparison with the rate missing γ must fail
    esgd = entropy_sgd(0.7, 2.0, n_inner=1, inner_lr=0.3, noise=0.0, alpha=1.0)
    a = _run(esgd, noisy_parabola, x0_parabola, 50)
    b = _run(sgd(0.7 * 0.3), noisy_parabola, x0_parabola, 50)
    assert np.max(np.abs(a.x - b.x)) > 1e-3


def test_elastic_rho0_is_independent_sgd(noisy_parabola, x0_parabola):
    # ρ = 0: replica a is SGD driven by the child generator default_rng(seeds[a]) of each step
    n, steps, seed = 4, 30, 11
    starts = x0_parabola[None, :] + np.arange(n)[:, None]
    res = _run(elastic_sgd(0.1, 0.0, n_replicas=n, momentum=0.9), noisy_parabola, starts, steps,
               seed)
    opt = sgd(0.1, momentum=0.9)
    states = [opt.init(starts[a].copy()) for a in range(n)]
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        seeds = replica_seeds(rng, n)
        states = [opt.step(states[a], noisy_parabola, np.random.default_rng(int(seeds[a])))[0]
                  for a in range(n)]
    np.testing.assert_array_equal(res.state.X, np.stack([s.x for s in states]))
    np.testing.assert_array_equal(res.x, np.mean(res.state.X, axis=0))


def test_elastic_rho_positive_is_not_independent(noisy_parabola, x0_parabola):
    # negative control: coupling changes the replicas
    starts = x0_parabola[None, :] + np.arange(3)[:, None]
    a = _run(elastic_sgd(0.1, 0.0, n_replicas=3), noisy_parabola, starts, 20)
    b = _run(elastic_sgd(0.1, 0.5, n_replicas=3), noisy_parabola, starts, 20)
    assert np.max(np.abs(a.state.X - b.state.X)) > 1e-3


def test_parle_rho0_is_independent_entropy_sgd(noisy_parabola, x0_parabola):
    n, steps, seed = 3, 10, 5
    kw = dict(n_inner=4, inner_lr=0.1, noise=1e-2, alpha=0.25, outer_step="scoped")
    res = _run(parle(0.5, 0.3, 0.0, n_replicas=n, gamma_max=None, **kw), noisy_parabola,
               x0_parabola, steps, seed)
    opt = entropy_sgd(0.5, 0.3, **kw)
    states = [opt.init(x0_parabola.copy()) for _ in range(n)]
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        seeds = replica_seeds(rng, n)
        states = [opt.step(states[a], noisy_parabola, np.random.default_rng(int(seeds[a])))[0]
                  for a in range(n)]
    np.testing.assert_array_equal(res.state.X, np.stack([s.x for s in states]))
    assert res.n_grad_evals == n * 4 * steps


def test_parle_one_replica_ignores_rho(noisy_parabola, x0_parabola):
    # n = 1: x̄ = X, so the coupling vanishes for any ρ
    kw = dict(n_replicas=1, n_inner=3, inner_lr=0.1, noise=1e-2, gamma_max=None, rho_max=None)
    a = _run(parle(0.5, 0.3, 0.0, **kw), noisy_parabola, x0_parabola, 10)
    b = _run(parle(0.5, 0.3, 5.0, **kw), noisy_parabola, x0_parabola, 10)
    np.testing.assert_array_equal(a.state.X, b.state.X)


def test_parle_single_inner_step_is_elastic_sgd(noisy_parabola, x0_parabola):
    # L = 1, ε = 0, α = 1: X − μ = η′ĝ, so Parle(η, ρ) = Elastic-SGD(ηη′, ρ/η′)
    lr, ilr, rho, n = 0.5, 0.2, 0.3, 3
    starts = x0_parabola[None, :] * np.array([[1.0], [0.5], [-1.0]])
    a = _run(parle(lr, 1.0, rho, n_replicas=n, n_inner=1, inner_lr=ilr, alpha=1.0),
             noisy_parabola, starts, 20)
    b = _run(elastic_sgd(lr * ilr, rho / ilr, n_replicas=n), noisy_parabola, starts, 20)
    np.testing.assert_allclose(a.state.X, b.state.X, rtol=0, atol=ROUNDOFF)


@pytest.mark.parametrize("base", [sgd(0.1, momentum=0.9), adam(0.05),
                                  entropy_sgd(0.5, 0.5, n_inner=3, noise=1e-2)],
                         ids=["sgd", "adam", "entropy_sgd"])
@pytest.mark.parametrize("wrap", [sam, asam], ids=["sam", "asam"])
def test_sam_rho0_is_its_base(noisy_parabola, x0_parabola, base, wrap):
    a = _run(wrap(base, rho=0.0), noisy_parabola, x0_parabola, 25)
    b = _run(base, noisy_parabola, x0_parabola, 25)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.n_grad_evals == 2 * b.n_grad_evals


def test_sam_rho_positive_differs(noisy_parabola, x0_parabola):
    a = _run(sam(sgd(0.1), rho=0.1), noisy_parabola, x0_parabola, 25)
    b = _run(sgd(0.1), noisy_parabola, x0_parabola, 25)
    assert np.max(np.abs(a.x - b.x)) > 1e-3


def test_sam_perturbed_gradient_on_a_parabola(parabola):
    # exact SAM step on f = ½xᵀHx: g = Hx, e = ρg/|g|, x ← x − η H(x + e)
    x = np.array([1.0, -1.0, 2.0])
    H = np.array([1.0, 4.0, 2.0])
    res = minimize(sam(sgd(0.1), rho=0.2), parabola, x, n_steps=1)
    g = H * x
    np.testing.assert_allclose(res.x, x - 0.1 * H * (x + 0.2 * g / np.linalg.norm(g)),
                               rtol=1e-14)


@pytest.mark.parametrize("k", [1, 7, 40])
def test_gamma_scoping_after_k_steps(parabola, k):
    g0, g1 = 1e-2, 0.05
    opt = entropy_sgd(0.5, g0, scoping=g1, n_inner=2, noise=0.0)
    res = minimize(opt, parabola, np.ones(3), n_steps=k)
    assert res.state.t == k
    assert opt.current_gamma(res.state) == pytest.approx(g0 * (1 + g1) ** k, rel=1e-13)
    np.testing.assert_allclose(res.history.gamma, g0 * (1 + g1) ** np.arange(k), rtol=1e-13)


def test_parle_scoping_caps(parabola):
    opt = parle(0.1, 0.5, 2.0, n_replicas=2, n_inner=2, scoping=0.5, gamma_max=1.0, rho_max=4.0)
    res = minimize(opt, parabola, np.ones(3), n_steps=6)
    t = np.arange(6)
    np.testing.assert_allclose(res.history.gamma, np.minimum(0.5 * 1.5**t, 1.0), rtol=1e-13)
    np.testing.assert_allclose(res.history.rho, np.minimum(2.0 * 1.5**t, 4.0), rtol=1e-13)
