"""The trajectory engine (nn.sgd_trajectory): compiled accelerator against the generic driver,
the generic driver against hand-computed steps on BN and conv networks, the noise recipes."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import nn, sde
from deeprelax._core import ParameterError, ShapeError, Status, path_states
from deeprelax.nn import NOISE_MODELS, mlp_arch, mlp_loss_grad, sgd_trajectory
from deeprelax.sde._network import draw_minibatch, perturb_gradient


@pytest.fixture(scope="module")
def net():
    rng = np.random.default_rng(7)
    model = nn.tiny_fc(batch_norm=False)
    X = rng.standard_normal((90, 1, 7, 7))
    y = rng.integers(0, 5, 90)
    return model, model.init(1), X, y


NOISE_KW = {"isotropic": {"noise_trace": 0.05},
            "gaussian": {"noise_factor": np.random.default_rng(0).standard_normal((885, 3)) * 0.02}}


def test_kernel_gradient_equals_nn(net):
    model, x, X, y = net
    f, g = mlp_loss_grad(model, x, X, y)
    f2, g2 = model.loss_and_grad(x, X, y, train=False)
    assert f == pytest.approx(f2, abs=1e-13)
    np.testing.assert_allclose(g, g2, atol=1e-14)
    assert mlp_arch(model).dim == model.dim == 885


@pytest.mark.parametrize("noise", NOISE_MODELS)
def test_compiled_equals_generic(net, noise):
    # The accelerator (one Numba kernel per chunk) and the generic driver (Python steps on
    # Sequential.loss_and_grad) draw the same stream; they differ only in summation order.
    model, x, X, y = net
    kw = dict(noise=noise, lr=0.05, momentum=0.5, batch_size=16, n_epochs=2, burn_in=1, seed=11,
              **NOISE_KW.get(noise, {}))
    tc = sgd_trajectory(model, X, y, x, engine="compiled", **kw)
    tg = sgd_trajectory(model, X, y, x, engine="generic", **kw)
    assert (tc.engine, tg.engine) == ("compiled", "generic")
    assert tc.status == tg.status == Status.SUCCESS
    np.testing.assert_allclose(tc.weights, tg.weights, atol=1e-12)
    np.testing.assert_allclose(tc.grad_norm, tg.grad_norm, atol=1e-13)
    np.testing.assert_allclose(tc.v_final, tg.v_final, atol=1e-11)
    spe = 6  # ceil(90 / 16)
    assert tc.n_steps == tg.n_steps == 3 * spe
    per_step = 16 if noise == "minibatch" else 90
    assert tc.n_grad_evals == tg.n_grad_evals == 3 * spe * per_step + 2 * 90


def test_weight_decay_both_drivers(net):
    # f + (λ/2)|x|²: both drivers agree, the recorded loss includes the penalty, and GD on
    # the decayed objective shrinks |x| relative to GD without decay (negative control).
    model, x, X, y = net
    kw = dict(noise="none", lr=0.05, momentum=0.5, batch_size=16, n_epochs=3, burn_in=0,
              weight_decay=0.1)
    tc = sgd_trajectory(model, X, y, x, engine="compiled", **kw)
    tg = sgd_trajectory(model, X, y, x, engine="generic", **kw)
    np.testing.assert_allclose(tc.weights, tg.weights, atol=1e-12)
    np.testing.assert_allclose(tc.loss, tg.loss, atol=1e-12)
    xf = tc.weights[-1]
    f, g = model.loss_and_grad(xf, X, y, train=False, weight_decay=0.1)
    assert tc.loss[-1] == pytest.approx(f, abs=1e-12)
    assert tc.grad_norm[-1] == pytest.approx(np.linalg.norm(g) / np.sqrt(885), abs=1e-12)
    plain = sgd_trajectory(model, X, y, x, **{**kw, "weight_decay": 0.0})
    assert np.linalg.norm(xf) < np.linalg.norm(plain.weights[-1]) - 1e-3


def test_thinned_full_gradient(net):
    # full_grad_every=k: the controls recompute the full gradient every k-th step only.
    model, x, X, y = net
    kw = dict(noise="isotropic", noise_trace=0.05, lr=0.05, batch_size=16, n_epochs=2, burn_in=0,
              seed=3, full_grad_every=4)
    tc = sgd_trajectory(model, X, y, x, engine="compiled", **kw)
    tg = sgd_trajectory(model, X, y, x, engine="generic", **kw)
    np.testing.assert_allclose(tc.weights, tg.weights, atol=1e-12)
    assert tc.n_grad_evals == 3 * 90 + 2 * 90  # steps 0, 4, 8 of 12, plus 2 diagnostics
    assert "full gradient every 4 steps" in tc.message
    exact = sgd_trajectory(model, X, y, x, **{**kw, "full_grad_every": 1})
    assert np.max(np.abs(exact.weights - tc.weights)) > 1e-8  # thinning changes the path


def test_generic_driver_on_batch_norm_is_one_sgd_step(rng):
    # tiny-fc WITH batch norm: one step per epoch (N = b); the recorded weights must be
    # x0 − η ∇f_B(x0), with B the indices of the stream and the train-mode (batch-statistics)
    # gradient of deeprelax.nn, i.e. what real SGD on a BN network does.
    model = nn.tiny_fc()
    X, y = rng.standard_normal((16, 1, 7, 7)), rng.integers(0, 5, 16)
    x0 = model.init(2)
    tr = sgd_trajectory(model, X, y, x0, lr=0.1, batch_size=16, n_epochs=1, burn_in=0, seed=5)
    assert tr.engine == "generic"
    state = path_states(5, 1)[0].copy()
    idx = np.empty(16, dtype=np.int64)
    draw_minibatch(state, 16, idx)
    _, g = model.loss_and_grad(x0, X[idx], y[idx], train=True)
    np.testing.assert_allclose(tr.weights[0], x0 - 0.1 * g, rtol=0, atol=1e-15)
    f_full, _ = model.loss_and_grad(tr.weights[0], X, y, train=True)
    assert tr.loss[0] == pytest.approx(f_full, abs=1e-14)
    # negative control: the eval-mode gradient (population statistics) is a different step
    _, g_eval = model.loss_and_grad(x0, X[idx], y[idx], train=False)
    assert np.max(np.abs(g_eval - g)) > 1e-6


def test_gd_on_bn_and_conv_networks_decreases_the_loss(rng):
    X, y = rng.standard_normal((40, 1, 7, 7)), rng.integers(0, 3, 40)
    conv = nn.Sequential([nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Dense(50, 3)],
                         input_shape=(1, 7, 7))
    for model in (nn.tiny_fc(n_classes=3), conv):
        tr = sgd_trajectory(model, X, y, model.init(0), noise="none", lr=0.05, batch_size=20,
                            n_epochs=15, burn_in=0, record=[0, 1])
        assert tr.engine == "generic"
        assert np.all(np.diff(tr.loss) < 0)


def test_zero_noise_controls_are_gradient_descent(net):
    # isotropic with trace 0 and the surrogate with a zero factor reduce to full-batch GD
    # exactly (the noise is added as σz = 0 and Lz = 0); minibatch SGD does not.
    model, x, X, y = net
    kw = dict(lr=0.05, batch_size=16, n_epochs=3, burn_in=0, seed=2)
    gd = sgd_trajectory(model, X, y, x, noise="none", **kw)
    iso = sgd_trajectory(model, X, y, x, noise="isotropic", noise_trace=0.0, **kw)
    sur = sgd_trajectory(model, X, y, x, noise=sde.sgd_surrogate(np.zeros((885, 2))), **kw)
    np.testing.assert_array_equal(gd.weights, iso.weights)
    np.testing.assert_array_equal(gd.weights, sur.weights)
    sgd = sgd_trajectory(model, X, y, x, **kw)
    assert np.max(np.abs(sgd.weights - gd.weights)) > 1e-4


def test_surrogate_noise_has_covariance_d_over_b():
    # perturb_gradient adds L z with L Lᵀ = D/b. MC: 40,000 draws in P = 3; the sample
    # covariance has entrywise SE ≤ sqrt(2/40000)·max|C| ≈ 0.007·0.5; assert within 0.02.
    # Negative control: matched-trace isotropic noise has the same trace, not the same C.
    D = np.array([[2.0, 0.8, 0.0], [0.8, 1.0, 0.3], [0.0, 0.3, 0.5]])
    b = 4
    noise = sde.sgd_surrogate(D=D, batch_size=b)
    np.testing.assert_allclose(noise.factor @ noise.factor.T, D / b, atol=1e-14)
    state = path_states(9, 1)[0].copy()
    n = 40_000
    out = np.empty((n, 3))
    zn = np.empty(noise.factor.shape[1])
    for k in range(n):
        g = np.zeros(3)
        perturb_gradient(g, noise.code, 0.0, noise.factor, state, zn)
        out[k] = g
    C = out.T @ out / n
    np.testing.assert_allclose(C, D / b, atol=0.02)
    iso = sde.isotropic_noise(3, np.trace(D) / b)
    for k in range(n):
        g = np.zeros(3)
        perturb_gradient(g, iso.code, iso.sigma, np.zeros((3, 1)), state, zn[:1])
        out[k] = g
    Ci = out.T @ out / n
    assert abs(np.trace(Ci) - np.trace(D) / b) < 0.03
    assert np.max(np.abs(Ci - D / b)) > 0.15


def test_runs_are_reproducible_and_seeded(net):
    model, x, X, y = net
    a = sgd_trajectory(model, X, y, x, batch_size=16, n_epochs=2, burn_in=0, seed=3)
    b = sgd_trajectory(model, X, y, x, batch_size=16, n_epochs=2, burn_in=0, seed=3)
    c = sgd_trajectory(model, X, y, x, batch_size=16, n_epochs=2, burn_in=0, seed=4)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert np.max(np.abs(a.weights - c.weights)) > 1e-6


def test_gd_decreases_the_loss_and_record_subset(net):
    model, x, X, y = net
    tr = sgd_trajectory(model, X, y, x, noise="none", lr=0.1, n_epochs=20, burn_in=0,
                        batch_size=16, record=[0, 5, 884])
    assert tr.weights.shape == (20, 3)
    assert np.all(np.diff(tr.loss) < 0)


def test_nonfinite_run_stops_with_status(net):
    model, x, X, y = net
    for engine in ("compiled", "generic"):
        tr = sgd_trajectory(model, X, y, x * 50, noise="none", lr=1e6, n_epochs=30, burn_in=0,
                            batch_size=16, engine=engine)
        assert tr.status == Status.NONFINITE
        assert "non-finite loss at epoch" in tr.message


def test_input_errors(net):
    model, x, X, y = net
    with pytest.raises(ParameterError, match="`noise_trace` must be given for noise='isotropic'"):
        sgd_trajectory(model, X, y, x, noise="isotropic", batch_size=16)
    with pytest.raises(ParameterError, match="`noise_factor` must be given"):
        sgd_trajectory(model, X, y, x, noise="gaussian", batch_size=16)
    with pytest.raises(ParameterError, match=r"`noise` must be one of"):
        sgd_trajectory(model, X, y, x, noise="langevin", batch_size=16)
    with pytest.raises(ParameterError, match=r"`batch_size` must be an integer in 1..90"):
        sgd_trajectory(model, X, y, x, batch_size=91)
    with pytest.raises(ParameterError, match=r"`momentum` must be a number in \[0, 1\)"):
        sgd_trajectory(model, X, y, x, momentum=1.0, batch_size=16)
    with pytest.raises(ShapeError, match=r"`x0` must be a vector of shape \(885,\)"):
        sgd_trajectory(model, X, y, x[:-1], batch_size=16)
    with pytest.raises(ParameterError, match=r"`full_grad_every` must be an integer >= 1"):
        sgd_trajectory(model, X, y, x, batch_size=16, full_grad_every=0)
    with pytest.raises(ParameterError, match=r"`model` must be a \[Flatten, Dense, ReLU, Dense\]"):
        mlp_arch(nn.tiny_fc())
    with pytest.raises(ParameterError, match=r"`model` must be a \[Flatten, Dense, ReLU, Dense\]"):
        sgd_trajectory(nn.tiny_fc(), X, y, nn.tiny_fc().init(0), engine="compiled")
    with pytest.raises(ParameterError, match=r"`model` must be a network without Dropout"):
        m = nn.mlp((1, 7, 7), (8,), 5, dropout=0.5)
        sgd_trajectory(m, X, y, m.init(0))


def test_record_takes_indices_not_a_mask(net):
    """Integer indices and integral floats record the same weights; a boolean mask (which
    np.asarray(mask, int64) would turn into indices 0 and 1) and fractional indices are refused."""
    model, x, X, y = net
    kw = dict(noise="none", lr=0.1, n_epochs=2, burn_in=0, batch_size=16)
    a = sgd_trajectory(model, X, y, x, record=[3, 7], **kw)
    b = sgd_trajectory(model, X, y, x, record=np.array([3.0, 7.0]), **kw)
    assert np.array_equal(a.weights, b.weights) and b.record.dtype == np.int64
    mask = np.zeros(model.dim, bool)
    mask[[3, 7]] = True
    with pytest.raises(ParameterError, match="`record` must be .*integer indices.*flatnonzero"):
        sgd_trajectory(model, X, y, x, record=mask, **kw)
    with pytest.raises(ParameterError, match="`record` must be"):
        sgd_trajectory(model, X, y, x, record=[0.5], **kw)
    assert np.array_equal(sgd_trajectory(model, X, y, x, record=np.flatnonzero(mask), **kw).weights, a.weights)
