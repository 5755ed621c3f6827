"""The compiled trajectory kernel against its numpy twin and deeprelax.nn gradients."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import nn
from deeprelax._core import ParameterError, ShapeError
from deeprelax.analysis._deepnet import (
    NOISE_MODELS,
    mlp_arch,
    mlp_loss_grad,
    sgd_trajectory,
    trajectory_numpy,
)


@pytest.fixture(scope="module")
def net():
    rng = np.random.default_rng(7)
    model = nn.tiny_fc(batch_norm=False)
    X = rng.standard_normal((90, 1, 7, 7))
    y = rng.integers(0, 5, 90)
    return model, model.init(1), X, y


def test_kernel_gradient_equals_nn(net):
    model, x, X, y = net
    f, g = mlp_loss_grad(model, x, X, y)
    f2, g2 = model.loss_and_grad(x, X, y, train=False)
    assert f == pytest.approx(f2, abs=1e-13)
    np.testing.assert_allclose(g, g2, atol=1e-14)
    assert mlp_arch(model).dim == model.dim == 885


@pytest.mark.parametrize("noise", NOISE_MODELS)
def test_kernel_equals_numpy_twin(net, noise):
    model, x, X, y = net
    kw = {"isotropic": {"noise_trace": 0.05},
          "gaussian": {"noise_factor": np.random.default_rng(0).standard_normal((885, 3)) * 0.02}}
    kw = kw.get(noise, {})
    tr = sgd_trajectory(model, X, y, x, noise=noise, lr=0.05, momentum=0.5, batch_size=16,
                        n_epochs=2, burn_in=1, seed=11, **kw)
    W, gn = trajectory_numpy(model, X, y, x, noise=noise, lr=0.05, momentum=0.5, batch_size=16,
                             n_epochs=2, burn_in=1, seed=11, **kw)
    assert tr.status == "SUCCESS"
    np.testing.assert_allclose(tr.weights, W, atol=1e-12)
    np.testing.assert_allclose(tr.grad_norm, gn, atol=1e-13)
    spe = 6  # ceil(90 / 16)
    assert tr.n_steps == 3 * spe
    per_step = 16 if noise == "minibatch" else 90
    assert tr.n_grad_evals == 3 * spe * per_step + 2 * 90


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
    tr = sgd_trajectory(model, X, y, x * 50, noise="none", lr=1e6, n_epochs=30, burn_in=0,
                        batch_size=16)
    assert tr.status == "NONFINITE"
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
    with pytest.raises(ParameterError, match=r"`model` must be a \[Flatten, Dense, ReLU, Dense\]"):
        mlp_arch(nn.tiny_fc())
