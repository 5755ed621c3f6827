"""Minibatch objectives: the optim protocol, sampling, determinism, a real training run."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from deeprelax import data, nn, optim
from deeprelax._core import DataError


@pytest.fixture
def toy(rng):
    X, y = rng.standard_normal((60, 1, 7, 7)), rng.integers(0, 5, 60)
    return X, y


def test_follows_the_optim_protocol_and_replays_rng(toy):
    X, y = toy
    obj = nn.MinibatchObjective(nn.mlp((1, 7, 7), (8,), 5, dropout=0.3), X, y, batch_size=10)
    optim.check_objective(obj)
    assert (obj.dim, obj.batch_size, obj.n_samples) == (obj.model.dim, 10, 60)
    x = obj.init(0)
    rng = np.random.default_rng(1)
    twin = copy.deepcopy(rng)
    l1, g1 = obj.loss_and_grad(x, rng)
    l2, g2 = obj.loss_and_grad(x, twin)
    assert l1 == l2 and np.array_equal(g1, g2) and g1 is not g2
    l3, g3 = obj.loss_and_grad(x, rng)  # the stream moved on: another minibatch and mask
    assert not np.array_equal(g1, g3)
    assert np.isfinite(obj.full_loss(x))


def test_sampling_with_and_without_replacement(toy):
    X, y = toy
    model = nn.tiny_fc(batch_norm=False)
    rng = np.random.default_rng(0)
    wo = nn.MinibatchObjective(model, X, y, batch_size=60, replacement=False)
    assert np.array_equal(np.sort(wo.sample(rng)), np.arange(60))
    w = nn.MinibatchObjective(model, X, y, batch_size=60, replacement=True)
    # with replacement 60 draws of 60 repeat some index (P(no repeat) = 60!/60^60 ~ 1e-25)
    assert np.unique(w.sample(rng)).size < 60


def test_float32_objective_returns_gradient_in_dtype_of_x(toy):
    X, y = toy
    o32 = nn.MinibatchObjective(nn.small_fc(), X, y, batch_size=16, dtype=np.float32)
    o64 = nn.MinibatchObjective(nn.small_fc(), X, y, batch_size=16)
    x = o64.init(0)
    l32, g32 = o32.loss_and_grad(x, np.random.default_rng(2))
    l64, g64 = o64.loss_and_grad(x, np.random.default_rng(2))
    assert g32.dtype == np.float64
    np.testing.assert_allclose(g32, g64, rtol=0, atol=1e-5 * np.abs(g64).max())
    assert l32 == pytest.approx(l64, rel=1e-5)


def test_bad_arguments_are_clear_errors(toy):
    X, y = toy
    with pytest.raises(ValueError, match=r"`batch_size` must be an integer in 1..60"):
        nn.MinibatchObjective(nn.tiny_fc(), X, y, batch_size=61)
    with pytest.raises(ValueError, match="one label per row of X"):
        nn.MinibatchObjective(nn.tiny_fc(), X, y[:-1], batch_size=10)
    obj = nn.MinibatchObjective(nn.tiny_fc(), X, y, batch_size=10)
    with pytest.raises(ValueError, match="numpy.random.Generator"):
        obj.loss_and_grad(obj.init(0), 3)


def test_short_seeded_run_is_deterministic(toy):
    X, y = toy
    obj = nn.MinibatchObjective(nn.small_fc(), X, y, batch_size=8)
    opt = optim.sgd(0.1, momentum=0.9, nesterov=True)
    run = lambda seed: optim.minimize(opt, obj, obj.init(0), n_steps=15, seed=seed).x
    a, b, c = run(3), run(3), run(4)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def _mnist7():
    try:
        return data.load_mnist(size=7, seed=0, source="npz")
    except DataError:  # pragma: no cover - only where the shared data is absent
        pytest.skip("MNIST10k not found (set DEEPRELAX_DATA to the folder holding mnist10k.npz)")


def _train_small_fc(s: data.Splits, y_train: np.ndarray, epochs: int) -> float:
    obj = nn.MinibatchObjective(nn.small_fc(), s.train.X, y_train, batch_size=128)
    res = optim.minimize(optim.sgd(0.1, momentum=0.9, nesterov=True), obj, obj.init(0),
                         n_epochs=epochs, seed=0)
    return obj.evaluate(res.x, s.val.X, s.val.y).accuracy


def test_small_fc_on_mnist10k_reaches_90_percent_in_3_epochs():
    # Stated target: seeded small_fc (3,978 weights) on 7x7 MNIST10k (7,000 train, 1,000
    # val), SGD 0.1 Nesterov 0.9, batch 128, 3 epochs -> validation accuracy >= 90 %.
    # Measured 91.6-92.2 % over seeds 0-2 (~2 % margin).
    s = _mnist7()
    assert _train_small_fc(s, s.train.y, 3) >= 0.90


def test_small_fc_on_shuffled_labels_stays_near_chance():
    # Negative control: the same run on permuted training labels cannot generalise.
    s = _mnist7()
    y_perm = np.random.default_rng(1).permutation(s.train.y)
    assert _train_small_fc(s, y_perm, 3) < 0.2
