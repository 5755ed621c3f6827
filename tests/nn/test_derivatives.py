"""Gradients, per-sample gradients, HVPs and Hessians against finite differences (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import nn

from .conftest import fd_grad, fd_jvp

#: Relative tolerance of analytic vs central-difference derivatives (FD error ~1e-9 here).
FD_RTOL = 1e-6


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_gradient_matches_finite_differences(case, train):
    model, x, X, y = case
    stats = None if train else nn.batch_norm_stats(model, x, X)

    def f(z):  # fixed minibatch, fixed statistics in eval mode
        return model.loss_and_grad(z, X, y, train=train, stats=stats, weight_decay=0.01)[0]

    _, g = model.loss_and_grad(x, X, y, train=train, stats=stats, weight_decay=0.01)
    idx = np.random.default_rng(0).choice(model.dim, size=min(model.dim, 60), replace=False)
    assert _rel(g[idx], fd_grad(f, x, idx)) < FD_RTOL


def test_gradient_with_dropout_matches_finite_differences():
    model = nn.mlp((6,), (8,), 3, dropout=0.4, input_dropout=0.2)
    rng = np.random.default_rng(3)
    x, X, y = model.init(1), rng.standard_normal((9, 6)), rng.integers(0, 3, 9)

    def f(z):  # the same masks every call: a fresh generator with one seed
        return model.loss_and_grad(z, X, y, rng=np.random.default_rng(11))[0]

    _, g = model.loss_and_grad(x, X, y, rng=np.random.default_rng(11))
    idx = np.arange(model.dim)
    assert _rel(g, fd_grad(f, x, idx)) < FD_RTOL


def test_finite_difference_check_rejects_a_wrong_gradient(case):
    # Negative control: the same check must fail for a slightly wrong gradient.
    model, x, X, y = case
    _, g = model.loss_and_grad(x, X, y, train=True)
    f = lambda z: model.loss_and_grad(z, X, y, train=True)[0]
    idx = np.arange(min(model.dim, 40))
    assert _rel(1.01 * g[idx], fd_grad(f, x, idx)) > FD_RTOL


def test_per_sample_grads_average_to_batch_gradient(case):
    model, x, X, y = case
    G = nn.per_sample_grads(model, x, X, y, weight_decay=0.01)
    _, g = model.loss_and_grad(x, X, y, train=False, weight_decay=0.01)
    assert G.shape == (X.shape[0], model.dim)
    np.testing.assert_allclose(G.mean(axis=0), g, rtol=0, atol=1e-13 * max(1.0, np.abs(g).max()))


def test_per_sample_grad_row_is_the_single_sample_gradient(case):
    model, x, X, y = case
    stats = nn.batch_norm_stats(model, x, X)
    G = nn.per_sample_grads(model, x, X, y, stats=stats, chunk_size=3)
    for i in (0, 4, 6):
        _, gi = model.loss_and_grad(x, X[i:i + 1], y[i:i + 1], train=False, stats=stats)
        np.testing.assert_allclose(G[i], gi, rtol=1e-12, atol=1e-14)


def test_hvp_matches_finite_differences_of_gradients(case):
    model, x, X, y = case
    stats = nn.batch_norm_stats(model, x, X)  # held fixed: the eval-mode loss
    v = np.random.default_rng(5).standard_normal(model.dim)
    hv = nn.hvp(model, x, v, X, y, stats=stats, weight_decay=0.01)
    grad = lambda z: model.loss_and_grad(z, X, y, train=False, stats=stats, weight_decay=0.01)[1]
    assert _rel(hv, fd_jvp(grad, x, v)) < FD_RTOL


def test_hvp_check_rejects_the_gauss_newton_product(case):
    # Negative control: dropping the second-order term of the network (Gauss-Newton)
    # is a different matrix; the finite-difference check must tell them apart.
    model, x, X, y = case
    stats = nn.batch_norm_stats(model, x, X)
    v = np.random.default_rng(5).standard_normal(model.dim)
    hv = nn.hvp(model, x, v, X, y, stats=stats)
    assert _rel(0.99 * hv, fd_jvp(lambda z: model.loss_and_grad(
        z, X, y, train=False, stats=stats)[1], x, v)) > FD_RTOL


def test_dense_hessian_symmetric_and_consistent_with_hvp(case):
    model, x, X, y = case
    H = nn.hessian(model, x, X, y, weight_decay=0.01)
    scale = np.abs(H).max()
    assert np.abs(H - H.T).max() < 1e-12 * scale
    v = np.random.default_rng(8).standard_normal(model.dim)
    np.testing.assert_allclose(H @ v, nn.hvp(model, x, v, X, y, weight_decay=0.01),
                               rtol=0, atol=1e-12 * scale * np.abs(v).sum())
    op = nn.hvp_operator(model, x, X, y, weight_decay=0.01)
    np.testing.assert_allclose(op.matvec(v), H @ v, rtol=0, atol=1e-12 * scale * np.abs(v).sum())


def test_dense_hessian_matches_finite_difference_jacobian():
    model = nn.mlp((3,), (4,), 3, batch_norm=True)
    rng = np.random.default_rng(2)
    x, X, y = model.init(0), rng.standard_normal((6, 3)), rng.integers(0, 3, 6)
    stats = nn.batch_norm_stats(model, x, X)
    H = nn.hessian(model, x, X, y, stats=stats)
    grad = lambda z: model.loss_and_grad(z, X, y, train=False, stats=stats)[1]
    J = np.stack([fd_jvp(grad, x, e) for e in np.eye(model.dim)], axis=1)
    assert _rel(H, J) < FD_RTOL


def test_hessian_refuses_large_models():
    with pytest.raises(ValueError, match="max_dim"):
        nn.hessian(nn.mnistfc(), np.zeros(nn.mnistfc().dim), np.zeros((1, 784)), np.zeros(1, int))


def test_float32_gradient_close_to_float64(case):
    model, x, X, y = case
    _, g64 = model.loss_and_grad(x, X, y)
    _, g32 = model.loss_and_grad(x.astype(np.float32), X.astype(np.float32), y)
    assert g32.dtype == np.float32
    assert _rel(g32.astype(np.float64), g64) < 1e-4
