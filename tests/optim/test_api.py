"""Public surface, the objective protocol, schedules, bad input and non-finite stops."""

import numpy as np
import pytest

import deeprelax.optim as optim
from deeprelax._core import NonFiniteError, ParameterError, ShapeError
from deeprelax.landscapes import quadratic, sharp_wide
from deeprelax.optim import (
    NONFINITE,
    SUCCESS,
    FunctionObjective,
    NoisyLandscape,
    Objective,
    elastic_sgd,
    entropy_sgd,
    epoch_table,
    exponential_growth,
    minimize,
    parle,
    sgd,
    step_drops,
)

from ._landscapes import sharp_wide_numpy

PUBLIC = {
    "minimize", "OptimizeResult", "History", "SUCCESS", "NONFINITE", "CALLBACK",
    "Objective", "NoisyLandscape", "FunctionObjective", "check_objective",
    "replica_loss_and_grad", "replica_seeds",
    "Optimizer", "StepInfo", "GradientOptimizer", "sgd", "adam", "sgld", "entropy_sgd",
    "entropy_adam", "hj_proximal", "hopf_lax_sgd", "elastic_sgd", "parle", "sam", "asam",
    "EntropySGD", "HopfLaxSGD", "InnerLoop", "ElasticSGD", "Parle", "SAM",
    "local_entropy_grad", "inner_temperature", "NOISE_CONVENTIONS", "OUTER_STEPS",
    "GradientTransformation", "chain", "identity", "scale", "scale_by_learning_rate", "trace",
    "add_decayed_weights", "scale_by_adam", "add_langevin_noise", "sgd_transform",
    "adam_transform", "Schedule", "as_schedule", "constant", "step_drops",
    "piecewise_constant", "epoch_table", "exponential_growth",
    "clip", "clip_by_global_norm",
}


def test_public_surface_is_pinned():
    assert set(optim.__all__) == PUBLIC
    assert len(optim.__all__) == len(PUBLIC)
    for name in PUBLIC:
        assert hasattr(optim, name)


def test_noisy_landscape_follows_the_protocol_and_noise_covariance():
    # Monte Carlo: 20000 draws; SE of a covariance entry ≈ √(2/20000)·D/b ≈ 0.01·D/b, margin 5 SE
    D = np.array([[2.0, 0.6], [0.6, 1.0]])
    obj = NoisyLandscape(quadratic(np.eye(2)), noise_cov=D, batch_size=4, n_samples=100)
    assert isinstance(obj, Objective)
    X = np.tile([0.5, -1.0], (20000, 1))
    _, G = obj.loss_and_grad_batch(X, np.random.default_rng(0))
    np.testing.assert_allclose(G.mean(axis=0), [0.5, -1.0], atol=5 * np.sqrt(2.0 / 4 / 20000))
    C = np.cov((G - [0.5, -1.0]).T)
    np.testing.assert_allclose(C, D / 4, atol=5 * 0.01 * 2.0 / 4)
    assert not np.allclose(C, D, atol=0.1)          # negative control: D, not D/b
    loss, g = obj.loss_and_grad(np.array([0.5, -1.0]), np.random.default_rng(1))
    assert loss == pytest.approx(0.625) and g.shape == (2,)


def test_numpy_twin_matches_the_catalogue_kernel():
    f = sharp_wide()
    value, grad = sharp_wide_numpy(f)
    Y = np.linspace(-2.5, 2.5, 11)[:, None]
    np.testing.assert_allclose(value(Y), f.value(Y), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(grad(Y), f.grad(Y), rtol=1e-13, atol=1e-15)


def test_same_seed_same_run_and_epoch_accounting(noisy_parabola, x0_parabola):
    opt = entropy_sgd(0.5, 0.5, n_inner=4, noise=1e-3)
    a = minimize(opt, noisy_parabola, x0_parabola, n_epochs=2.0, seed=9)
    b = minimize(opt, noisy_parabola, x0_parabola, n_epochs=2.0, seed=9)
    np.testing.assert_array_equal(a.x, b.x)
    # 2 epochs of N = 64 with b = 4 is 32 gradient evaluations = 8 outer steps of L = 4
    assert (a.n_steps, a.n_grad_evals, a.n_samples_touched) == (8, 32, 128)
    assert a.effective_epochs == 2.0
    np.testing.assert_array_equal(a.history.n_grad_evals, 4 * np.arange(1, 9))
    c = minimize(opt, noisy_parabola, x0_parabola, n_epochs=2.0, seed=10)
    assert not np.array_equal(a.x, c.x)


def test_schedules():
    assert [step_drops(1.0, 3, 0.5)(t) for t in (0, 2, 3, 7)] == [1.0, 1.0, 0.5, 0.25]
    tab = epoch_table([[3, 1.0], [6, 0.2], [16, 0.01]], steps_per_epoch=10)
    assert [tab(t) for t in (0, 29, 30, 59, 60, 1000)] == [1.0, 1.0, 0.2, 0.2, 0.01, 0.01]
    g = exponential_growth(1e-4, 1e-3, cap=1.5e-4)
    assert g(10) == pytest.approx(1e-4 * 1.001**10) and g(10**6) == 1.5e-4


def test_learning_rate_schedule_is_used(parabola):
    h = np.array([1.0, 4.0, 2.0])
    res = minimize(sgd(step_drops(0.1, 1, 0.5)), parabola, np.ones(3), n_steps=2)
    np.testing.assert_allclose(res.x, (1 - 0.1 * h) * (1 - 0.05 * h), rtol=1e-14)


@pytest.mark.parametrize("make,match", [
    (lambda: sgd(-0.1), r"`lr` must be a number > 0, got -0.1; pass lr > 0"),
    (lambda: sgd(0.1, momentum=1.2), r"`momentum` must be a number < 1, got 1.2; pass momentum in \[0, 1\)"),
    (lambda: entropy_sgd(0.1, n_inner=-1), r"`n_inner` must be an integer >= 1, got -1"),
    (lambda: entropy_sgd(0.1, n_inner=0), r"L = 0 is plain SGD"),
    (lambda: entropy_sgd(0.1, gamma=-1.0), r"`gamma` must be a number > 0, got -1.0"),
    (lambda: entropy_sgd(0.1, alpha=0.0), r"`alpha` must be a number > 0, got 0.0; 0.75 is the paper"),
    (lambda: entropy_sgd(0.1, noise_convention="torch"),
     r"`noise_convention` must be one of \['code', 'paper'\], got 'torch'"),
    (lambda: entropy_sgd(0.1, outer_step="x"), r"`outer_step` must be one of"),
    (lambda: parle(0.1, rho=-1.0), r"`rho` must be a number >= 0, got -1.0"),
    (lambda: elastic_sgd(0.1, n_replicas=0), r"`n_replicas` must be an integer >= 1"),
], ids=["lr", "momentum", "L<0", "L=0", "gamma", "alpha", "noise_conv", "outer", "rho", "n"])
def test_bad_parameters(make, match):
    with pytest.raises(ParameterError, match=match):
        make()


def test_bad_shapes_and_budgets(parabola):
    with pytest.raises(ShapeError, match=r"`x0` must be an array of shape \(3,\)"):
        minimize(sgd(0.1), parabola, np.ones(4), n_steps=1)
    with pytest.raises(ShapeError, match=r"`noise_cov` must be a matrix of shape \(2, 2\)"):
        NoisyLandscape(quadratic(np.eye(2)), noise_cov=np.eye(3))
    with pytest.raises(ParameterError, match="exactly one of `n_steps` and `n_epochs`"):
        minimize(sgd(0.1), parabola, np.ones(3))
    with pytest.raises(ParameterError, match="`n_epochs` must be used with an objective that has"):
        minimize(sgd(0.1), parabola, np.ones(3), n_epochs=1)
    with pytest.raises(NonFiniteError, match="`x0` must be finite"):
        minimize(sgd(0.1), parabola, np.array([1.0, np.nan, 0.0]), n_steps=1)
    with pytest.raises(ParameterError, match="`objective` must be an object with dim"):
        minimize(sgd(0.1), object(), np.ones(3), n_steps=1)
    with pytest.raises(ParameterError, match="`lr` schedule must give > 0 finite values, got "
                                             "-1.0 at step 0"):
        minimize(sgd(lambda t: -1.0), parabola, np.ones(3), n_steps=1)


@pytest.mark.parametrize("opt", [sgd(0.1), entropy_sgd(0.1, 1.0, n_inner=3, noise=0.0),
                                 elastic_sgd(0.1, 1.0, n_replicas=2)],
                         ids=["sgd", "entropy_sgd", "elastic"])
def test_nonfinite_gradient_stops_with_status_and_step(opt):
    calls = {"n": 0}

    def grad(x):
        calls["n"] += 1
        return x * np.nan if calls["n"] > 7 else 1.0 * x

    obj = FunctionObjective(lambda x: float(0.5 * x @ x), grad, dim=2)
    res = minimize(opt, obj, np.ones(2), n_steps=50)
    assert res.status == NONFINITE and not res.success
    k = res.n_steps
    assert f"in step {k + 1}, at the point after {k} steps" in res.message and k <= 7
    assert f"x is the point after {k} steps, where the run stopped (its coordinates are finite" \
        in res.message
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.full_loss)


def test_callback_stops(parabola):
    res = minimize(sgd(0.1), parabola, np.ones(3), n_steps=100, callback=lambda k, x, i: k == 5)
    assert res.status == SUCCESS and res.success and res.stopped_by_callback and res.n_steps == 5
    assert res.message.startswith("stopped by the callback after step 5")
    full = minimize(sgd(0.1), parabola, np.ones(3), n_steps=5)
    assert full.success and not full.stopped_by_callback          # negative control
    np.testing.assert_array_equal(res.x, full.x)
