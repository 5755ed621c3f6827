"""Lanczos and SLQ on the exact HVP operator of a small network against dense eigh."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import nn
from deeprelax._core import ParameterError
from deeprelax.analysis._spectra import hessian_eigvalsh, lanczos_extremes, slq_density


@pytest.fixture(scope="module")
def small_net():
    rng = np.random.default_rng(3)
    model = nn.mlp((12,), (10,), 4)  # 174 parameters
    x = model.init(0)
    X = rng.standard_normal((200, 12))
    y = rng.integers(0, 4, 200)
    return model, x, X, y


def test_lanczos_and_slq_on_a_network_hessian(small_net):
    model, x, X, y = small_net
    H = nn.hessian(model, x, X, y)
    spec = hessian_eigvalsh(H)
    lam = spec.eigenvalues
    assert lam[0] < 0 < lam[-1]  # a random point: the Hessian is indefinite
    op = nn.hvp_operator(model, x, X, y)
    lz = lanczos_extremes(op, k=4, tol=1e-10)
    np.testing.assert_allclose(lz.largest, lam[::-1][:4], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(lz.smallest, lam[:4], rtol=1e-7, atol=1e-10)
    # SLQ: 48 probes x 30 steps; first two moments are exact per probe (degree <= 59), so
    # the error is the probe error only: assert within 4 SE, negative control at 1.2 x.
    dens = slq_density(op, n_probes=48, n_steps=30, seed=0)
    np.testing.assert_allclose(dens.weights.sum(axis=1), 1.0, atol=1e-12)
    for k in (1, 2):
        est, se = dens.expectation(lambda z, k=k: z**k)
        assert abs(est - np.mean(lam**k)) < 4 * se
    est, se = dens.expectation(lambda z: z**2)
    assert abs(est - np.mean((1.2 * lam) ** 2)) > 4 * se


def test_paper_presets_have_the_papers_parameter_counts():
    """SGD-VI small-fc (3,978) and small-lenet (13,338), Entropy-SGD small-LeNet (47,658)."""
    assert nn.small_fc().dim == 3978
    assert nn.small_lenet().dim == 13338
    assert nn.esgd_small_lenet().dim == 47658
    assert nn.esgd_small_lenet(n_classes=5).dim == 47658 - 5 * 129


def test_esgd_small_lenet_validates_sizes():
    with pytest.raises(ParameterError, match="`n_classes` must be an integer"):
        nn.esgd_small_lenet(n_classes=2.5)
    with pytest.raises(ParameterError, match="`input_shape` must be"):
        nn.esgd_small_lenet(input_shape=(1, 8, 8))
