"""The recurrent layers: gradients against finite differences and a numpy twin, carried
states, complex-step Hessian-vector products, the stateful objective, Entropy-Adam's
limiting case on it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from deeprelax._core import DeepRelaxError
from deeprelax.nn import LSTM, Embedding, RecurrentNet, SequenceObjective, char_lstm
from deeprelax.nn import _recurrent as R
from deeprelax.optim import adam, entropy_adam, minimize

from .conftest import fd_grad, fd_jvp

V = 7


def _model(batch_norm: bool = True, n_layers: int = 2) -> RecurrentNet:
    return char_lstm(V, n_layers=n_layers, hidden=5, embedding=4, batch_norm=batch_norm)


def _batch(seed: int = 0, n: int = 3, T: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (n, T)), rng.integers(0, V, (n, T))


def _state(m: RecurrentNet, n: int = 3, seed: int = 1) -> list:
    rng = np.random.default_rng(seed)
    return [(0.5 * rng.standard_normal((n, H)), rng.standard_normal((n, H))) for H in m.hidden]


def test_preset_parameter_count_matches_the_formula_and_the_paper():
    # V = E = 85, two LSTM(128) with BN: 85² + (85+128)·512 + 512 + 256 + 256·512 + 512 + 256
    # + 128·85 + 85 = 259,854 (the paper's "≈ 0.26 M")
    assert char_lstm(85).dim == 85 * 85 + 213 * 512 + 512 + 256 + 256 * 512 + 512 + 256 + 128 * 85 + 85
    assert char_lstm(85).dim == 259_854
    assert char_lstm(10, n_layers=1, hidden=3, embedding=2, batch_norm=False).dim == \
        10 * 2 + 5 * 12 + 12 + 3 * 10 + 10


@pytest.mark.parametrize("batch_norm", [False, True])
def test_gradient_matches_finite_differences_with_carried_state(batch_norm):
    m = _model(batch_norm)
    x = m.init(3)
    X, Y = _batch()
    st = _state(m)
    _, g, _ = m.loss_and_grad(x, X, Y, st, weight_decay=1e-2)
    f = lambda z: m.loss_and_grad(z, X, Y, st, weight_decay=1e-2)[0]  # noqa: E731
    idx = np.arange(m.dim)
    fd = fd_grad(f, x, idx)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    # negative control: the gradient with the state dropped is a different function's
    _, g0, _ = m.loss_and_grad(x, X, Y, None, weight_decay=1e-2)
    assert np.max(np.abs(g0 - fd)) > 1e-4


def test_layer_matches_the_numpy_twin_of_the_recurrence():
    m = _model(batch_norm=False, n_layers=1)
    x = m.init(0)
    X, _ = _batch(T=6)
    st = _state(m)
    P = m.views(x)
    emb = P[0][0][X]                       # (n, T, E)
    h_twin, hT, cT = R.lstm_forward_numpy(*P[1], emb, *st[0])
    logits_twin = h_twin @ P[2][0] + P[2][1]
    z, st_out = m.forward(x, X, st)
    np.testing.assert_allclose(z, logits_twin, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(st_out[0][0], hT, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(st_out[0][1], cT, rtol=1e-12, atol=1e-14)
    # negative control: swapping the forget and input gate blocks changes the twin
    Wx = P[1][0].copy()
    Wx[:, :5], Wx[:, 5:10] = P[1][0][:, 5:10], P[1][0][:, :5]
    assert not np.allclose(R.lstm_forward_numpy(Wx, P[1][1], P[1][2], emb, *st[0])[0], h_twin)


def test_gradient_matches_the_complex_step_derivative_of_the_twin():
    """An independent gradient: the twin's loss differentiated by the complex step, per coordinate."""
    m = _model(batch_norm=False, n_layers=1)
    x = m.init(5)
    X, Y = _batch(seed=2, T=5)
    st = _state(m)

    def twin_loss(z: np.ndarray) -> complex:
        P = m.views(z)
        h, _, _ = R.lstm_forward_numpy(*P[1], P[0][0][X], *st[0])
        logits = (h @ P[2][0] + P[2][1]).reshape(-1, V)
        return R.sequence_cross_entropy(logits, Y.reshape(-1))[0].mean()

    g = m.loss_and_grad(x, X, Y, st)[1]
    cs = np.empty(m.dim)
    for j in range(m.dim):
        e = np.zeros(m.dim, complex)
        e[j] = 1e-30j
        cs[j] = twin_loss(x + e).imag / 1e-30
    np.testing.assert_allclose(g, cs, rtol=1e-10, atol=1e-14)


def test_numba_gate_kernels_match_their_numpy_twins():
    rng = np.random.default_rng(0)
    n, H = 4, 3
    z = rng.standard_normal((n, 4 * H))
    c_prev = rng.standard_normal((n, H))
    outs = [np.empty((n, H)) for _ in range(6)]
    z1, z2 = z.copy(), z.copy()
    R._gates_forward(z1, c_prev, *outs[:3])
    R._gates_forward_np(z2, c_prev, *outs[3:])
    for a, b in zip([z1, *outs[:3]], [z2, *outs[3:]]):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)
    dh, dc = rng.standard_normal((n, H)), rng.standard_normal((n, H))
    dz1, dz2 = np.empty((n, 4 * H)), np.empty((n, 4 * H))
    dc1, dc2 = dc.copy(), dc.copy()
    R._gates_backward(z1, c_prev, outs[1], dh, dc1, dz1)
    R._gates_backward_np(z2, c_prev, outs[4], dh, dc2, dz2)
    np.testing.assert_allclose(dz1, dz2, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dc1, dc2, rtol=1e-14, atol=1e-15)


def test_carried_state_continues_the_sequence_exactly():
    """Two batches with the state carried = one batch of the concatenated streams."""
    m = _model(batch_norm=False)
    x = m.init(1)
    X, _ = _batch(T=8)
    z_all, st_all = m.forward(x, X)
    z1, st1 = m.forward(x, X[:, :3])
    z2, st2 = m.forward(x, X[:, 3:], st1)
    np.testing.assert_allclose(np.concatenate([z1, z2], axis=1), z_all, rtol=1e-12, atol=1e-13)
    for (h, c), (h2, c2) in zip(st_all, st2):
        np.testing.assert_allclose(h2, h, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(c2, c, rtol=1e-12, atol=1e-14)
    # negative control: without the state the second half differs
    assert not np.allclose(m.forward(x, X[:, 3:])[0], z_all[:, 3:])


def test_float32_gradient_agrees_with_float64():
    m = _model(batch_norm=True)
    x = m.init(2)
    X, Y = _batch(n=8, T=10)
    l64, g64, _ = m.loss_and_grad(x, X, Y)
    l32, g32, _ = m.loss_and_grad(x.astype(np.float32), X, Y)
    assert g32.dtype == np.float32
    assert abs(l32 - l64) < 1e-5
    np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-5 * np.abs(g64).max())


def test_complex_step_hvp_matches_finite_differences_of_the_gradient():
    m = _model(batch_norm=True)
    x = m.init(4)
    X, Y = _batch(n=4, T=5)
    st = _state(m, n=4)
    stats = m.batch_norm_stats(x, X, st)
    v = np.random.default_rng(9).standard_normal(m.dim)
    hv = m.hvp(x, v, X, Y, st, stats=stats, weight_decay=1e-3)
    grad = lambda z: m.loss_and_grad(z, X, Y, st, train=False, stats=stats, weight_decay=1e-3)[1]  # noqa: E731
    np.testing.assert_allclose(hv, fd_jvp(grad, x, v), rtol=1e-6, atol=1e-8)
    # symmetry u·Hv = v·Hu, and the dense Hessian from the operator is symmetric
    u = np.random.default_rng(10).standard_normal(m.dim)
    hu = m.hvp(x, u, X, Y, st, stats=stats, weight_decay=1e-3)
    assert abs(u @ hv - v @ hu) < 1e-10 * (abs(u @ hv) + 1)
    op = m.hvp_operator(x, X, Y, st, stats=stats)
    Hd = op @ np.eye(m.dim)
    np.testing.assert_allclose(Hd, Hd.T, atol=1e-10)


def _streams(K: int = 6, n: int = 3, T: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    ids = np.random.default_rng(seed).integers(0, V, n * K * T + 1)
    X = ids[:-1].reshape(n, K, T).transpose(1, 0, 2)
    Y = ids[1:].reshape(n, K, T).transpose(1, 0, 2)
    return X, Y


def test_objective_walks_the_streams_and_carries_the_state():
    m = _model(batch_norm=False)
    X, Y = _streams()
    obj = SequenceObjective(m, X, Y)
    x = obj.init(0)
    rng = np.random.default_rng(0)
    st = None
    for k in range(X.shape[0]):
        loss, g = obj.loss_and_grad(x, rng)
        ref, gref, st = m.loss_and_grad(x, X[k], Y[k], st)
        assert loss == ref
        np.testing.assert_array_equal(g, gref)
    assert obj.cursor == 0 and obj.state is None   # wrapped: back to zeros
    assert obj.batch_size == 12 and obj.n_samples == 72
    res = minimize(adam(1e-2), SequenceObjective(m, X, Y), x, n_epochs=2.0)
    assert res.n_grad_evals == 12 and res.effective_epochs == pytest.approx(2.0)
    # eval loss over the streams = the concatenated forward pass
    z, _ = m.forward(x, np.concatenate(list(X), axis=1))
    ce = R.sequence_cross_entropy(z.reshape(-1, V), np.concatenate(list(Y), axis=1).reshape(-1))[0]
    assert obj.full_loss(x) == pytest.approx(ce.mean(), rel=1e-12)


def test_clip_transform_applies_to_every_gradient():
    from deeprelax.optim import clip

    m = _model(batch_norm=False)
    X, Y = _streams()
    x = m.init(0)
    _, g = SequenceObjective(m, X, Y).loss_and_grad(x, np.random.default_rng(0))
    c = 0.3 * np.abs(g).max()
    _, gc = SequenceObjective(m, X, Y, clip=clip(c)).loss_and_grad(x, np.random.default_rng(0))
    np.testing.assert_array_equal(gc, np.clip(g, -c, c))


def test_entropy_adam_with_one_noiseless_inner_step_is_an_adam_step():
    """L = 1, ε = 0, α = 1: x' = x − η'ĝ(x), μ = x', the outer gradient γ(x − μ) = γη'ĝ(x);
    Adam on c·ĝ with ε equals Adam on ĝ with ε/c, so the step is Adam's (to rounding)."""
    m = _model(batch_norm=True)
    X, Y = _streams()
    x0 = m.init(0)
    gamma, eta_in, eps = 0.01, 0.1, 1e-8
    ea = entropy_adam(1e-2, gamma, n_inner=1, inner_lr=eta_in, noise=0.0, alpha=1.0, eps=eps)
    r1 = minimize(ea, SequenceObjective(m, X, Y), x0, n_steps=4)
    r2 = minimize(adam(1e-2, b1=0.5, eps=eps / (gamma * eta_in)), SequenceObjective(m, X, Y), x0,
                  n_steps=4)
    np.testing.assert_allclose(r1.x, r2.x, rtol=1e-9, atol=1e-12)
    assert r1.effective_epochs == r2.effective_epochs
    # negative control: with L = 2 the step differs
    ea2 = entropy_adam(1e-2, gamma, n_inner=2, inner_lr=eta_in, noise=0.0, alpha=1.0, eps=eps)
    r3 = minimize(ea2, SequenceObjective(m, X, Y), x0, n_steps=2)
    assert not np.allclose(r3.x, r2.x, atol=1e-6)


@pytest.mark.parametrize("call, param", [
    (lambda m, x: m.loss_and_grad(x, np.full((2, 3), V), np.zeros((2, 3), int)), "X"),
    (lambda m, x: m.loss_and_grad(x, np.zeros((2, 3), int), np.zeros((2, 4), int)), "Y"),
    (lambda m, x: m.loss_and_grad(x, np.zeros((2, 3)), np.zeros((2, 3), int)), "X"),
    (lambda m, x: m.loss_and_grad(x, np.zeros((2, 3), int), np.zeros((2, 3), int),
                                  [(np.zeros((3, 5)), np.zeros((3, 5)))] * 2), "state[0]"),
    (lambda m, x: m.loss_and_grad(x, np.zeros((2, 3), int), np.zeros((2, 3), int), [1]), "state"),
    (lambda m, x: m.loss_and_grad(x[:-1], np.zeros((2, 3), int), np.zeros((2, 3), int)), "x"),
    (lambda m, x: m.forward(x, np.zeros((2, 3), int)), "stats"),
    (lambda m, x: SequenceObjective(m, np.zeros((2, 3)), np.zeros((2, 3))), "X_batches"),
    (lambda m, x: SequenceObjective(m, *_streams(), clip=3.0), "clip"),
    (lambda m, x: m.init(0, dtype=np.int32), "dtype"),
    (lambda m, x: char_lstm(1), "n_vocab"),
    (lambda m, x: char_lstm(5, hidden=0), "hidden"),
    (lambda m, x: RecurrentNet([LSTM(3, 4)]), "layers"),
    (lambda m, x: RecurrentNet([Embedding(5, 3), LSTM(4, 4)]), "LSTM"),
])
def test_bad_inputs_name_the_parameter(call, param):
    m = _model(batch_norm=True)
    with pytest.raises(DeepRelaxError, match=re.escape(param)):
        call(m, m.init(0))


def test_float32_tanh_is_accurate_and_keeps_nan():
    xs = np.linspace(-20, 20, 400_001).astype(np.float32)
    got = np.array([R.tanh32(v) for v in xs[::97]], dtype=np.float64)
    ref = np.tanh(xs[::97].astype(np.float64))
    assert np.max(np.abs(got - ref)) < 4e-7          # ≈ 6 float32 ulp near 1
    assert np.isnan(R.tanh32(np.float32("nan")))
    assert abs(R.tanh32(np.float32(1e-20)) / 1e-20 - 1) < 1e-6      # no underflow near 0
    # the fused float32 forward kernel against the float64 numpy path
    rng = np.random.default_rng(3)
    n, H = 5, 7
    z = 3 * rng.standard_normal((n, 4 * H))
    cp = rng.standard_normal((n, H))
    o64 = [np.empty((n, H)) for _ in range(3)]
    o32 = [np.empty((n, H), np.float32) for _ in range(3)]
    z64, z32 = z.copy(), z.astype(np.float32)
    R._gates_forward_np(z64, cp, *o64)
    R._gates_forward32(z32, cp.astype(np.float32), *o32)
    for a, b in zip([z32, *o32], [z64, *o64]):
        np.testing.assert_allclose(a, b, atol=2e-6)
    # negative control: a plain sigmoid on the tanh columns is far off
    assert np.abs(R._sigmoid(z[:, 3 * H:]) - z64[:, 3 * H:]).max() > 0.1
