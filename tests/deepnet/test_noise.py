"""Gradient-noise covariance D: SVD path vs the explicit covariance, ranks, minibatch variance."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import nn
from deeprelax._core import ParameterError, ShapeError
from deeprelax.analysis._noise import (
    RANK_RULES,
    minibatch_noise_covariance,
    minibatch_variance_factor,
    noise_covariance,
    noise_rank,
    noise_spectrum,
    noise_spectrum_net,
)


def low_rank_gradients(rng: np.random.Generator, N: int, P: int, r: int) -> np.ndarray:
    """Per-sample gradients with a common drift and fluctuations in an r-dimensional subspace."""
    B = rng.standard_normal((r, P)) * np.geomspace(3.0, 0.1, r)[:, None]
    return 0.7 + rng.standard_normal((N, r)) @ B


@pytest.mark.parametrize("method", ["svd", "gram"])
@pytest.mark.parametrize("shape", [(30, 80), (120, 25)], ids=["N<P", "N>P"])
def test_spectrum_equals_explicit_covariance(rng, method, shape):
    N, P = shape
    G = rng.standard_normal(shape) * rng.uniform(0.1, 3.0, P) + rng.standard_normal(P)
    spec = noise_spectrum(G, n_components=4, method=method)
    exact = np.sort(np.linalg.eigvalsh(noise_covariance(G)))[::-1]
    lam = spec.all_eigenvalues()
    np.testing.assert_allclose(lam, exact, atol=1e-12 * exact[0])
    D = noise_covariance(G)
    V = spec.components.T
    np.testing.assert_allclose(D @ V, V * spec.eigenvalues[:4], atol=1e-10 * exact[0])
    assert spec.trace == pytest.approx(np.trace(D), rel=1e-12)
    assert spec.mean == pytest.approx(np.mean(exact), rel=1e-12)
    assert spec.std == pytest.approx(np.std(exact), rel=1e-9)


def test_factor_reproduces_low_rank_D(rng):
    G = low_rank_gradients(rng, 200, 60, 5)
    spec = noise_spectrum(G, n_components=5)
    L = spec.factor()
    np.testing.assert_allclose(L @ L.T, noise_covariance(G), atol=1e-10)
    Lb = spec.minibatch_factor(8, n_samples=200)
    np.testing.assert_allclose(Lb @ Lb.T, minibatch_noise_covariance(noise_covariance(G), 8, 200),
                               atol=1e-10)


def test_rank_rules_on_a_planted_spectrum():
    lam = np.concatenate([[10.0, 5.0, 1.0], [1e-7, 1e-9], [1e-26] * 5])
    P = 1000
    assert noise_rank(lam, P, "relative") == 3  # > 1e-6 * 10
    assert noise_rank(lam, P, "paper") == 3  # > 10 * 1000 * 1.19e-7 = 1.19e-3
    # numpy: > 10 * (1000 * 2.2e-16)^2 = 4.9e-25, the loosest rule; max(N, P) enters
    assert noise_rank(lam, P, "numpy", n_samples=50) == 5
    assert noise_rank(lam, P, "numpy", n_samples=10**12) == 3
    assert noise_rank(lam, P, "trace90") == 2  # 15 / 16 >= 0.9
    assert noise_rank(lam, P, "trace99") == 3
    with pytest.raises(ParameterError, match=r"`rule` must be one of \['numpy', 'paper'"):
        noise_rank(lam, P, "median")
    with pytest.raises(ParameterError, match="`n_samples` must be given for rank rule 'numpy'"):
        noise_rank(lam, P, "numpy")


def test_low_rank_gradients_have_small_rank(rng):
    G = low_rank_gradients(rng, 300, 150, 6)
    ranks = noise_spectrum(G).ranks()
    assert set(ranks) == set(RANK_RULES)
    assert ranks["paper"] == ranks["relative"] == 6
    assert ranks["trace99"] <= 6


def test_spectrum_input_errors(rng):
    with pytest.raises(ShapeError, match=r"`G` must be an \(N, P\) matrix"):
        noise_spectrum(np.ones(5))
    with pytest.raises(ParameterError, match=r"`n_components` must be an integer in 0..3"):
        noise_spectrum(rng.standard_normal((3, 8)), n_components=4)
    with pytest.raises(ParameterError, match=r"`method` must be one of \['gram', 'svd'\]"):
        noise_spectrum(rng.standard_normal((3, 8)), method="qr")
    with pytest.raises(ParameterError, match="has no eigenvectors"):
        noise_spectrum(rng.standard_normal((3, 8))).factor()


def test_minibatch_factor_errors():
    assert minibatch_variance_factor(8) == 1 / 8
    assert minibatch_variance_factor(8, 40) == pytest.approx(32 / (8 * 39))
    assert minibatch_variance_factor(40, 40) == 0.0  # full batch: no noise
    with pytest.raises(ParameterError, match=r"`n_samples` must be an integer >= max\(batch_size"):
        minibatch_variance_factor(8, 5)
    with pytest.raises(ParameterError, match="`batch_size` must be a positive integer"):
        minibatch_variance_factor(0)


def _minibatch_draws(rng, G, b, M, replace):
    N = G.shape[0]
    if replace:
        idx = rng.integers(0, N, size=(M, b))
    else:
        idx = np.argsort(rng.random((M, N)), axis=1)[:, :b]
    return G[idx].mean(axis=1)


@pytest.mark.parametrize("replace", [True, False], ids=["with", "without"])
def test_minibatch_variance_monte_carlo(rng, replace):
    # Budget: M = 40,000 minibatches of b = 8 from N = 40 synthetic gradients (P = 6).
    # Statistic s = |ĝ_b − ḡ|² (and (u·(ĝ_b − ḡ))² along D's top eigenvector u), whose
    # mean is c tr D (c uᵀDu) exactly; relative SE ~ 0.6 %, asserted within 4 SE. The two
    # factors 1/b and (N − b)/(b(N − 1)) differ by 18 %, ~30 SE: the negative control
    # (the other sampling scheme's factor) must be rejected.
    N, P, b, M = 40, 6, 8, 40_000
    G = rng.standard_normal((N, P)) * np.array([3.0, 2.0, 1.0, 0.5, 0.2, 0.1]) + 1.0
    gbar = G.mean(axis=0)
    D = noise_covariance(G)
    u = np.linalg.eigh(D)[1][:, -1]
    dev = _minibatch_draws(rng, G, b, M, replace) - gbar
    c_right = minibatch_variance_factor(b, None if replace else N)
    c_wrong = minibatch_variance_factor(b, N if replace else None)
    for s, target in ((np.sum(dev**2, axis=1), np.trace(D)), ((dev @ u) ** 2, u @ D @ u)):
        se = s.std(ddof=1) / np.sqrt(M)
        assert abs(s.mean() - c_right * target) < 4 * se
        assert abs(s.mean() - c_wrong * target) > 4 * se  # negative control
    emp = np.cov(dev.T, bias=True)
    cov = minibatch_noise_covariance(D, b, None if replace else N)
    assert np.max(np.abs(emp - cov)) < 0.05 * np.max(np.abs(cov))


def test_small_net_svd_path_equals_explicit_covariance(rng):
    model = nn.tiny_fc(batch_norm=False)
    x = model.init(0)
    X = rng.standard_normal((40, 1, 7, 7))
    y = rng.integers(0, 5, 40)
    G = nn.per_sample_grads(model, x, X, y)
    spec = noise_spectrum(G, n_components=2)
    exact = np.sort(np.linalg.eigvalsh(noise_covariance(G)))[::-1]
    np.testing.assert_allclose(spec.all_eigenvalues(), exact, atol=1e-12 * exact[0])
    assert spec.rank("relative") <= 39  # rank D <= N - 1
    # the full gradient is the mean of the per-sample gradients
    _, g = model.loss_and_grad(x, X, y, train=False)
    np.testing.assert_allclose(spec.mean_gradient, g, atol=1e-12)


# -- the network path: per-layer Gram / P x P covariance, no (N, P) matrix --------------
def _net_case(rng, model, N, seed=0):
    x = model.init(seed)
    X = rng.standard_normal((N, *model.input_shape))
    y = rng.integers(0, model.n_classes, N)
    return x, X, y


@pytest.mark.parametrize("make", [lambda: nn.small_fc(), lambda: nn.mlp((6,), (5, 4), 3),
                                  lambda: nn.small_lenet()],
                         ids=["small_fc-BN", "mlp-2-hidden", "small_lenet-conv"])
def test_net_spectrum_equals_dense_path(rng, make):
    """Layer Gram (and the P x P path when P is small) equal the explicit-G SVD to round-off."""
    model = make()
    N = 50 if model.dim > 5000 else 120
    x, X, y = _net_case(rng, model, N)
    stats = nn.batch_norm_stats(model, x, X)
    G = nn.per_sample_grads(model, x, X, y, stats=stats, weight_decay=1e-3)
    ref = noise_spectrum(G, n_components=3)
    methods = ["layer_gram"] + (["param_cov"] if model.dim < 5000 else [])
    for method in methods:
        spec = noise_spectrum_net(model, x, X, y, stats=stats, weight_decay=1e-3, n_components=3,
                                  method=method, chunk_size=37)  # several chunks
        assert spec.method == method
        np.testing.assert_allclose(spec.eigenvalues, ref.eigenvalues[: min(N, model.dim)], rtol=0,
                                   atol=1e-12 * ref.eigenvalues[0])
        np.testing.assert_allclose(spec.mean_gradient, ref.mean_gradient, atol=1e-13)
        # eigenvectors up to sign
        dots = np.abs(np.sum(spec.components * ref.components, axis=1))
        np.testing.assert_allclose(dots, 1.0, atol=1e-9)


def test_net_spectrum_auto_and_float32(rng):
    model = nn.tiny_fc(batch_norm=False)  # P = 885
    x, X, y = _net_case(rng, model, 60)
    ref = noise_spectrum(nn.per_sample_grads(model, x, X, y))
    assert noise_spectrum_net(model, x, X, y).method == "layer_gram"  # N <= P
    lam32 = noise_spectrum_net(model, x, X, y, dtype="float32").eigenvalues
    err = np.max(np.abs(lam32 - ref.eigenvalues)) / ref.eigenvalues[0]
    assert 1e-12 < err < 1e-5  # float32 round-off: visible, far below the paper threshold P·eps32
    assert err < model.dim * np.finfo(np.float32).eps * 1e-2
    x2, X2, y2 = _net_case(rng, model, 1000)
    assert noise_spectrum_net(model, x2, X2, y2).method == "param_cov"  # N > P


def test_net_spectrum_negative_control(rng):
    """Dropping the bias term of the Gram (the '+ 1') changes the eigenvalues: the test can fail."""
    import deeprelax.analysis._noise as mod

    model = nn.mlp((6,), (5,), 3)
    x, X, y = _net_case(rng, model, 40)
    ref = noise_spectrum(nn.per_sample_grads(model, x, X, y)).eigenvalues
    orig = mod._layer_gram

    def no_bias(dense, other, n, dtype):
        K = orig(dense, other, n, dtype)
        for _, D in dense.values():
            K -= D @ D.T
        return K

    mod._layer_gram = no_bias
    try:
        bad = noise_spectrum_net(model, x, X, y).eigenvalues
    finally:
        mod._layer_gram = orig
    assert np.max(np.abs(bad - ref)) > 1e-3 * ref[0]


def test_net_spectrum_input_errors(rng):
    model = nn.tiny_fc(batch_norm=False)
    x, X, y = _net_case(rng, model, 10)
    with pytest.raises(ParameterError, match="`n_components` must be an integer, got 2.7"):
        noise_spectrum_net(model, x, X, y, n_components=2.7)
    with pytest.raises(ParameterError, match="`method` must be one of"):
        noise_spectrum_net(model, x, X, y, method="svd")
    with pytest.raises(ParameterError, match="`dtype` must be one of"):
        noise_spectrum_net(model, x, X, y, dtype="float16")
    with pytest.raises(ShapeError, match="`X` must be at least 2 samples"):
        noise_spectrum_net(model, x, X[:1], y[:1])
    with pytest.raises(ParameterError, match="`n_components` must be an integer, got 2.7"):
        noise_spectrum(rng.standard_normal((4, 6)), n_components=2.7)
