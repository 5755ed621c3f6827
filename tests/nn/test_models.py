"""Presets, modes, views, dtypes, the public surface, array-API and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deeprelax.nn as nn

# Parameter counts stated in the preset docstrings (paper numbers where the paper has one:
# small-lenet 13,338 in Chaudhari & Soatto 2018; the others derived layer by layer).
COUNTS = [
    (nn.mnistfc, {}, 1_863_690),
    (nn.mnistfc, {"batch_norm": True}, 1_867_786),
    (nn.small_fc, {}, 3_978),
    (nn.small_fc, {"batch_norm": False}, 3_850),
    (nn.tiny_fc, {}, 917),
    (nn.tiny_fc, {"batch_norm": False}, 885),
    (nn.small_lenet, {}, 13_338),
    (nn.small_lenet, {"batch_norm": False}, 13_034),
    (nn.lenet, {}, 132_220),
    (nn.lenet, {"batch_norm": False}, 131_080),
]


@pytest.mark.parametrize(("preset", "kw", "count"), COUNTS,
                         ids=[f"{p.__name__}-{kw}" for p, kw, _ in COUNTS])
def test_preset_parameter_counts(preset, kw, count):
    model = preset(**kw)
    assert model.dim == count
    assert f"{count:,}" in preset.__doc__


def test_public_surface():
    assert sorted(nn.__all__) == sorted([
        "Sequential", "Layer", "Dense", "Conv2d", "MaxPool2d", "AvgPool2d", "ReLU", "Dropout",
        "BatchNorm", "Flatten", "softmax_cross_entropy", "batch_norm_stats", "evaluate",
        "Evaluation", "per_sample_grads", "hvp", "hvp_operator", "hessian", "MinibatchObjective",
        "mlp", "mnistfc", "small_fc", "tiny_fc", "small_lenet", "lenet",
        "char_lstm", "Embedding", "LSTM", "RecurrentNet", "SequenceObjective", "sequence_cross_entropy",
        "MLPArch", "NOISE_MODELS", "Trajectory", "mlp_arch", "mlp_loss_grad", "sgd_trajectory",
        "esgd_small_lenet"])


def test_views_are_views_not_copies():
    model = nn.small_fc()
    x = model.init(0)
    W = model.views(x)[1][0]
    assert W.shape == (49, 64) and np.shares_memory(W, x)
    W[0, 0] = 123.0
    assert x[0] == 123.0
    assert list(model.named_views(x))[:2] == ["1.Dense.W", "1.Dense.b"]


def test_dropout_off_in_eval_mode_and_on_in_train_mode(rng):
    model = nn.mlp((10,), (32,), 4, dropout=0.5)
    plain = nn.mlp((10,), (32,), 4)
    x, X = model.init(0), rng.standard_normal((16, 10))
    ev = model.forward(x, X, train=False)
    np.testing.assert_array_equal(ev, plain.forward(x, X))
    np.testing.assert_array_equal(ev, model.forward(x, X, train=False))
    tr1 = model.forward(x, X, train=True, rng=np.random.default_rng(1))
    tr2 = model.forward(x, X, train=True, rng=np.random.default_rng(2))
    assert not np.allclose(tr1, ev) and not np.allclose(tr1, tr2)
    np.testing.assert_array_equal(tr1, model.forward(x, X, train=True, rng=np.random.default_rng(1)))


def test_train_dropout_without_rng_is_a_clear_error(rng):
    model = nn.mlp((4,), (8,), 2, dropout=0.5)
    with pytest.raises(ValueError, match="train-mode dropout needs `rng`"):
        model.forward(model.init(0), rng.standard_normal((3, 4)), train=True)


def test_eval_batch_norm_uses_population_statistics(rng):
    model = nn.small_fc()
    x, X = model.init(0), rng.standard_normal((50, 1, 7, 7))
    stats = nn.batch_norm_stats(model, x, X)
    chunked = nn.batch_norm_stats(model, x, X, chunk_size=7)
    for (m, v), (mc, vc) in zip(stats, chunked):
        np.testing.assert_allclose(mc, m, rtol=1e-12)
        np.testing.assert_allclose(vc, v, rtol=1e-12)
    # eval mode with the population statistics of the whole batch = train mode on it
    np.testing.assert_allclose(model.forward(x, X, stats=stats), model.forward(x, X, train=True),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="eval-mode batch norm needs `stats`"):
        model.forward(x, X, train=False)


def test_batch_norm_stats_chunked_for_conv_models(rng):
    model = nn.small_lenet()
    x, X = model.init(0), rng.standard_normal((20, 1, 28, 28))
    a = nn.batch_norm_stats(model, x, X)
    b = nn.batch_norm_stats(model, x, X, chunk_size=6)
    assert len(a) == 3
    for (m, v), (mc, vc) in zip(a, b):
        np.testing.assert_allclose(mc, m, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(vc, v, rtol=1e-10)


def test_evaluate_accuracy_and_loss(rng):
    model = nn.mlp((3,), (), 3)  # softmax regression
    x = np.zeros(model.dim)
    W = model.views(x)[1][0]
    W[...] = 10 * np.eye(3)
    X = rng.standard_normal((40, 3))
    y = np.argmax(X, axis=1)
    y[:10] = (y[:10] + 1) % 3  # 10 of 40 wrong
    ev = nn.evaluate(model, x, X, y, chunk_size=9)
    assert ev.accuracy == pytest.approx(0.75) and ev.error == pytest.approx(0.25) and ev.n == 40
    z = 10 * X
    ref = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(40), y])
    assert ev.loss == pytest.approx(ref, rel=1e-12)


def test_out_buffer_and_bad_inputs(rng):
    model = nn.tiny_fc(batch_norm=False)
    x, X, y = model.init(0), rng.standard_normal((4, 49)), np.array([0, 1, 2, 3])
    buf = np.empty(model.dim)
    _, g = model.loss_and_grad(x, X, y, out=buf)
    assert g is buf
    with pytest.raises(ValueError, match=r"`x` must be a flat parameter vector of shape \(885,\)"):
        model.loss_and_grad(x[:-1], X, y)
    with pytest.raises(ValueError, match=r"`X` must be a batch of shape"):
        model.loss_and_grad(x, X[:, :10], y)
    with pytest.raises(ValueError, match=r"`y` must be labels in 0..4"):
        model.loss_and_grad(x, X, np.array([0, 1, 2, 7]))
    with pytest.raises(ValueError, match=r"Dense\(49, 16\) needs inputs of shape \(49,\)"):
        nn.Sequential([nn.Dense(49, 16)], (1, 7, 7))
    with pytest.raises(ValueError, match="dropout probability"):
        nn.Dropout(1.0)


def test_array_api_strict_matches_numpy(rng):
    xps = pytest.importorskip("array_api_strict")
    model = nn.mlp((5,), (6,), 3, batch_norm=True, dropout=0.3)
    x, X, y = model.init(0), rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    loss, g = model.loss_and_grad(x, X, y, rng=np.random.default_rng(4))
    ls, gs = model.loss_and_grad(xps.asarray(x), xps.asarray(X), y, rng=np.random.default_rng(4))
    assert isinstance(gs, type(xps.asarray(x)))
    np.testing.assert_allclose(np.asarray(gs), g, rtol=1e-12)
    assert ls == pytest.approx(loss, rel=1e-12)


def test_conv_layers_refuse_non_numpy_arrays(rng):
    xps = pytest.importorskip("array_api_strict")
    model = nn.small_lenet(batch_norm=False)
    with pytest.raises(ValueError, match="needs numpy arrays"):
        model.forward(xps.asarray(model.init(0)), xps.asarray(rng.standard_normal((1, 1, 28, 28))))
