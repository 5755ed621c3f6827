r"""Recurrent networks on one flat parameter vector: embedding, LSTM, a sequence model.

A :class:`RecurrentNet` maps integer sequences ``X`` of shape ``(n, T)`` (n streams of
T symbols) to logits ``(n, T, V)``; its parameters are one flat vector ``x`` with
per-layer views, as :class:`~deeprelax.nn.Sequential`. Inside, activations are
``(T·n, C)`` matrices with *time-major* rows (row t·n + j is stream j at step t): the
time-distributed layers (:class:`~deeprelax.nn.Dense`, :class:`~deeprelax.nn.BatchNorm`
over the n·T positions) are the feed-forward ones, unchanged; :class:`LSTM` views the
rows as ``(T, n, C)`` (no copy: each step's block is contiguous) and runs the recurrence.

LSTM (gate order i, f, o, g; σ the logistic function)

.. math::

    z_t = x_t W_x + h_{t-1} W_h + b, \quad
    i, f, o = σ(z^{i}), σ(z^{f}), σ(z^{o}), \quad g = \tanh z^{g},

    c_t = f ⊙ c_{t-1} + i ⊙ g, \qquad h_t = o ⊙ \tanh c_t .

The input part ``X W_x + b`` of all four gates over all T steps is one GEMM (fused
gates); the recurrent part is one ``(n, H) × (H, 4H)`` GEMM per step; the element-wise
gate math runs in a Numba kernel (a numpy path does the same for complex and
non-numpy-friendly inputs). Backpropagation through time is *truncated* at the batch:
the initial state ``(h_0, c_0)`` (carried over from the previous batch of the same
streams) is a constant, as in torch-rnn's ``remember_states``.

The loss of a batch is the mean softmax cross-entropy over its n·T positions (nats per
symbol), plus (λ/2)|x|².

Hessian-vector products use the complex step on the gradient,
``H v = Im ∇f(x + i h v) / h`` with h = 10⁻²⁰ (the backward pass is complex-analytic
for a fixed batch-norm statistic), exact to rounding (no subtractive cancellation).

References
----------
S. Hochreiter & J. Schmidhuber, Neural Computation 9 (1997) 1735-1780 (LSTM; the forget
gate of Gers et al. 2000). Chaudhari et al., Entropy-SGD, arXiv:1611.01838, §5.4.2 (the
char-LSTM: embedding → LSTM(128) → BN → LSTM(128) → BN → linear). J. R. R. A. Martins,
P. Sturdza & J. J. Alonso, ACM TOMS 29 (2003) 245-262 (the complex-step derivative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator

from .._core import ParameterError, ShapeError, bad_parameter, check_int, check_nonnegative, jit
from ._layers import BatchNorm, Ctx, Dense, Layer

__all__ = ["Embedding", "LSTM", "RecurrentNet", "SequenceObjective", "sequence_cross_entropy",
           "lstm_forward_numpy"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
#: Step of the complex-step Hessian-vector product (relative to a unit ``v``).
COMPLEX_STEP = 1e-20


@dataclass
class SeqCtx(Ctx):
    """A forward pass's state plus the sequence shape and the carried LSTM states."""

    n: int = 0
    T: int = 0
    state_in: list | None = None
    state_out: list = field(default_factory=list)


class Embedding(Layer):
    """Lookup table ``y = W[ids]``, ``W`` of shape ``(V, E)``, initialised N(0, 1) (PyTorch)."""

    param_names = ("W",)

    def __init__(self, n_vocab: int, dim: int) -> None:
        self.V = check_int("n_vocab", n_vocab, low=1)
        self.E = check_int("dim", dim, low=1)

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        if in_shape != ():
            raise ShapeError(f"Embedding must be the first layer (integer inputs), got inputs {in_shape}")
        return (self.E,)

    @property
    def param_shapes(self) -> tuple[tuple[int, ...], ...]:
        return ((self.V, self.E),)

    def init_params(self, rng: np.random.Generator, params: list[np.ndarray]) -> None:
        params[0][...] = rng.standard_normal(params[0].shape)

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        ids = a.reshape(-1)
        return p[0][ids], ids

    def backward(self, p: list, ids: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        if gp is not None:
            gp[0][...] = 0
            # a symbol repeats within a batch: np.add.at accumulates every occurrence
            np.add.at(gp[0], ids, dy)
        return None

    def __repr__(self) -> str:
        return f"Embedding({self.V}, {self.E})"


# ---------------------------------------------------------------------- gate kernels
@jit
def _gates_forward(z, c_prev, c, tc, h):  # pragma: no cover - compiled
    """Activate the pre-gates ``z`` (n, 4H) in place, then c, tanh c, h (n, H)."""
    n, H4 = z.shape
    H = H4 // 4
    for r in range(n):
        for k in range(H):
            i = 1.0 / (1.0 + np.exp(-z[r, k]))
            f = 1.0 / (1.0 + np.exp(-z[r, H + k]))
            o = 1.0 / (1.0 + np.exp(-z[r, 2 * H + k]))
            g = np.tanh(z[r, 3 * H + k])
            z[r, k] = i
            z[r, H + k] = f
            z[r, 2 * H + k] = o
            z[r, 3 * H + k] = g
            cc = f * c_prev[r, k] + i * g
            c[r, k] = cc
            t = np.tanh(cc)
            tc[r, k] = t
            h[r, k] = o * t


@jit
def _gates_backward_row(i, f, o, g, c_prev, tc, dh, dc, dzi, dzf, dzo, dzg):  # pragma: no cover
    """One row of :func:`_gates_backward` over 1-D slices (integer 1: no float64 promotion)."""
    for k in range(tc.size):
        t = tc[k]
        ik = i[k]
        fk = f[k]
        ok = o[k]
        gk = g[k]
        d_h = dh[k]
        # dL/dc_t: the carried term (through c_{t+1} = f c_t + …) plus the path through
        # h_t = o tanh c_t; then σ′ = σ(1 − σ), tanh′ = 1 − tanh², and dc ← d_c·f carries
        # the gradient on to c_{t−1}
        d_c = dc[k] + d_h * ok * (1 - t * t)
        dzi[k] = d_c * gk * ik * (1 - ik)
        dzf[k] = d_c * c_prev[k] * fk * (1 - fk)
        dzo[k] = d_h * t * ok * (1 - ok)
        dzg[k] = d_c * ik * (1 - gk * gk)
        dc[k] = d_c * fk


@jit
def _gates_backward(a, c_prev, tc, dh, dc, dz):  # pragma: no cover - compiled
    """Pre-gate deltas ``dz`` (n, 4H) from dL/dh_t ``dh`` and the carried dL/dc ``dc``
    (updated in place to dL/dc_{t-1}); row by row so that LLVM vectorises."""
    n, H4 = a.shape
    H = H4 // 4
    for r in range(n):
        ar = a[r]
        zr = dz[r]
        _gates_backward_row(ar[:H], ar[H:2 * H], ar[2 * H:3 * H], ar[3 * H:], c_prev[r], tc[r], dh[r],
                            dc[r], zr[:H], zr[H:2 * H], zr[2 * H:3 * H], zr[3 * H:])


# float32 tanh as a rational function (Eigen's ``generic_fast_tanh_float``): branch-free
# arithmetic that LLVM vectorises (numpy's SIMD tanh is ~5x slower here, libm ~15x);
# max error 3.5e-7 absolute (≈ 6 float32 ulp, checked on a grid by the tests); NaN passes
_T_CLAMP = np.float32(7.90531110763549805)
_TA = tuple(np.float32(v) for v in (4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
                                    5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
                                    -2.76076847742355e-16))
_TB = tuple(np.float32(v) for v in (4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04,
                                    1.19825839466702e-06))
_HALF32 = np.float32(0.5)


@jit
def tanh32(x):  # pragma: no cover - compiled
    """Rational float32 tanh (see above); comparisons leave NaN unchanged."""
    # clamped to Eigen's range [−7.9053, 7.9053], where the rational fit holds; beyond it
    # tanh is within 3e-7 of the clamped value, inside the error stated above
    x = _T_CLAMP if x > _T_CLAMP else x
    x = -_T_CLAMP if x < -_T_CLAMP else x
    x2 = x * x
    p = ((((((_TA[6] * x2 + _TA[5]) * x2 + _TA[4]) * x2 + _TA[3]) * x2 + _TA[2]) * x2 + _TA[1]) * x2
         + _TA[0]) * x
    q = ((_TB[3] * x2 + _TB[2]) * x2 + _TB[1]) * x2 + _TB[0]
    return p / q


@jit
def _act_row32(zr, H):  # pragma: no cover - compiled
    """Activate one row of pre-gates in place: σ on the first 3H, tanh on the last H."""
    # σ(u) = ½(1 + tanh(u/2)): one vectorisable rational function serves all four gates
    for k in range(3 * H):
        zr[k] = _HALF32 + _HALF32 * tanh32(_HALF32 * zr[k])
    for k in range(3 * H, 4 * H):
        zr[k] = tanh32(zr[k])


@jit
def _cell_row32(i, f, o, g, c_prev, c, tc, h):  # pragma: no cover - compiled
    """One row of c = f c_prev + i g, tanh c, h = o tanh c (1-D contiguous slices)."""
    for k in range(c.size):
        cc = f[k] * c_prev[k] + i[k] * g[k]
        c[k] = cc
        t = tanh32(cc)
        tc[k] = t
        h[k] = o[k] * t


@jit
def _gates_forward32(z, c_prev, c, tc, h):  # pragma: no cover - compiled
    """:func:`_gates_forward` for float32 with :func:`tanh32` (σ(u) = (1 + tanh(u/2))/2), row by
    row over 1-D slices so that LLVM vectorises the loops (~3x numpy's tanh path)."""
    n, H4 = z.shape
    H = H4 // 4
    for r in range(n):
        zr = z[r]
        _act_row32(zr, H)
        _cell_row32(zr[:H], zr[H:2 * H], zr[2 * H:3 * H], zr[3 * H:], c_prev[r], c[r], tc[r], h[r])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _gates_forward_np(z: np.ndarray, c_prev: np.ndarray, c: np.ndarray, tc: np.ndarray,
                      h: np.ndarray) -> None:
    """Same as :func:`_gates_forward` with numpy's SIMD ``tanh`` (σ(u) = (1 + tanh(u/2))/2):
    one ``tanh`` over the whole ``(n, 4H)`` block and one over ``c``, a few in-place ops."""
    H = c.shape[1]
    s3 = z[:, :3 * H]
    s3 *= 0.5
    np.tanh(z, out=z)
    s3 *= 0.5
    s3 += 0.5
    i, f, o, g = z[:, :H], z[:, H:2 * H], z[:, 2 * H:3 * H], z[:, 3 * H:]
    np.multiply(f, c_prev, out=c)
    np.multiply(i, g, out=tc)
    c += tc
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=h)


def _gates_backward_np(a: np.ndarray, c_prev: np.ndarray, tc: np.ndarray, dh: np.ndarray,
                       dc: np.ndarray, dz: np.ndarray) -> None:
    H = tc.shape[1]
    i, f, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    d_c = dc + dh * o * (1.0 - tc * tc)
    dz[:, :H] = d_c * g * i * (1.0 - i)
    dz[:, H:2 * H] = d_c * c_prev * f * (1.0 - f)
    dz[:, 2 * H:3 * H] = dh * tc * o * (1.0 - o)
    dz[:, 3 * H:] = d_c * i * (1.0 - g * g)
    dc[...] = d_c * f


def _kernels(dtype: np.dtype) -> tuple[Any, Any]:
    """The gate kernels for ``dtype``: float32 a fused Numba forward with the vectorised
    rational :func:`tanh32`; float64 and complex numpy's ``tanh`` (exact to rounding, and
    analytic for the complex step); the fused Numba backward for float32/64."""
    if np.dtype(dtype) == np.float32:
        return _gates_forward32, _gates_backward
    if np.dtype(dtype) == np.float64:
        return _gates_forward_np, _gates_backward
    return _gates_forward_np, _gates_backward_np


@dataclass
class _LSTMCache:
    a: Any          # input (T·n, E), time-major rows
    gates: Any      # activated gates (n, T, 4H)
    hs: Any         # h_0..h_T (T+1, n, H)
    cs: Any         # c_0..c_T (T+1, n, H)
    tc: Any         # tanh c_1..c_T (T, n, H)


class LSTM(Layer):
    """One LSTM layer over ``(T·n, E)`` time-major inputs, ``n`` streams of ``T`` steps.

    Parameters ``Wx`` ``(E, 4H)``, ``Wh`` ``(H, 4H)``, ``b`` ``(4H,)``, gate blocks in the
    order i, f, o, g; initialised U(±1/√H) (PyTorch's ``nn.LSTM``, whose two bias
    vectors are one here). The state ``(h_0, c_0)`` comes from the model's ``state``
    argument (zeros when absent); the final state is handed back for the next batch.
    """

    param_names = ("Wx", "Wh", "b")

    def __init__(self, n_in: int, n_hidden: int) -> None:
        self.E = check_int("n_in", n_in, low=1)
        self.H = check_int("n_hidden", n_hidden, low=1)
        self.rindex = -1  # position among the model's LSTM layers, set by the model

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        if in_shape != (self.E,):
            raise ShapeError(f"LSTM({self.E}, {self.H}) needs inputs of {self.E} features, got {in_shape}")
        return (self.H,)

    @property
    def param_shapes(self) -> tuple[tuple[int, ...], ...]:
        return ((self.E, 4 * self.H), (self.H, 4 * self.H), (4 * self.H,))

    def init_params(self, rng: np.random.Generator, params: list[np.ndarray]) -> None:
        bound = 1.0 / np.sqrt(self.H)
        for v in params:
            v[...] = rng.uniform(-bound, bound, size=v.shape)

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        Wx, Wh, b = p
        n, T, H = ctx.n, ctx.T, self.H
        dt = np.result_type(a, Wx)
        fwd, _ = _kernels(dt)
        z = a @ Wx
        z += b
        gates = z.reshape(T, n, 4 * H)   # time-major rows: each step's block is contiguous
        hs = np.empty((T + 1, n, H), dtype=dt)
        cs = np.empty((T + 1, n, H), dtype=dt)
        tc = np.empty((T, n, H), dtype=dt)
        st = ctx.state_in[self.rindex] if ctx.state_in is not None else None
        if st is None:
            hs[0] = 0
            cs[0] = 0
        else:
            hs[0], cs[0] = st
        for t in range(T):
            zt = gates[t]
            zt += hs[t] @ Wh
            fwd(zt, cs[t], cs[t + 1], tc[t], hs[t + 1])
        ctx.state_out.append((hs[T].copy(), cs[T].copy()))
        y = hs[1:].reshape(T * n, H)
        return y, _LSTMCache(a, gates, hs, cs, tc)

    def backward(self, p: list, c: _LSTMCache, dy: Any, gp: list | None, need_da: bool) -> Any:
        Wx, Wh, _ = p
        T, n, H = c.tc.shape
        dt = np.result_type(dy, c.gates)
        _, bwd = _kernels(dt)
        dY = dy.reshape(T, n, H)
        dz = np.empty((T, n, 4 * H), dtype=dt)
        dh = np.empty((n, H), dtype=dt)
        # truncated BPTT: nothing flows back from the next batch (dc_T = 0), and the
        # carried-in state (h_0, c_0) is a constant (no gradient into it)
        dc = np.zeros((n, H), dtype=dt)
        WhT = np.ascontiguousarray(Wh.T)
        for t in range(T - 1, -1, -1):
            if t == T - 1:
                dh[...] = dY[t]
            else:
                # h_t feeds the output at t and the pre-gates at t + 1 (z_{t+1} ∋ h_t W_h)
                np.matmul(dz[t + 1], WhT, out=dh)
                dh += dY[t]
            bwd(c.gates[t], c.cs[t], c.tc[t], dh, dc, dz[t])
        dzb = dz.reshape(T * n, 4 * H)
        if gp is not None:
            np.matmul(c.a.T, dzb, out=gp[0])
            np.matmul(c.hs[:T].reshape(T * n, H).T, dz.reshape(T * n, 4 * H), out=gp[1])
            gp[2][...] = dzb.sum(axis=0)
        return dzb @ Wx.T if need_da else None

    def __repr__(self) -> str:
        return f"LSTM({self.E}, {self.H})"


def lstm_forward_numpy(Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, X: np.ndarray,
                       h0: np.ndarray | None = None, c0: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The recurrence step by step, per gate, in plain numpy (the tests' twin).

    ``X`` ``(n, T, E)``; returns ``h`` ``(n, T, H)`` and the final ``(h_T, c_T)``.
    """
    n, T, _ = X.shape
    H = Wh.shape[0]
    h = np.zeros((n, H), dtype=np.result_type(X, Wx)) if h0 is None else h0
    cc = np.zeros_like(h) if c0 is None else c0
    out = []
    for t in range(T):
        gate = [X[:, t] @ Wx[:, k * H:(k + 1) * H] + h @ Wh[:, k * H:(k + 1) * H] + b[k * H:(k + 1) * H]
                for k in range(4)]
        i, f, o, g = _sigmoid(gate[0]), _sigmoid(gate[1]), _sigmoid(gate[2]), np.tanh(gate[3])
        cc = f * cc + i * g
        h = o * np.tanh(cc)
        out.append(h)
    return np.stack(out, axis=1), h, cc


def sequence_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-position cross-entropy ``(m,)`` (nats) and softmax ``(m, V)`` of logits ``z``
    ``(m, V)`` with targets ``y`` ``(m,)``; complex-analytic (shift by the real max)."""
    if getattr(z, "ndim", None) != 2 or getattr(y, "shape", None) != (z.shape[0],):
        raise bad_parameter("y", f"targets of shape ({getattr(z, 'shape', ('m',))[0]},) for logits (m, V)",
                            f"z {getattr(z, 'shape', type(z).__name__)}, y {getattr(y, 'shape', type(y).__name__)}",
                            cls=ShapeError)
    if y.size and (int(y.min()) < 0 or int(y.max()) >= z.shape[1]):
        raise bad_parameter("y", f"targets in 0..{z.shape[1] - 1}", f"range {int(y.min())}..{int(y.max())}")
    # log-softmax shifted by the max for overflow safety; the shift uses the real part only,
    # a constant, so the function stays complex-analytic for the complex-step HVP
    zs = z - np.max(z.real, axis=1, keepdims=True)
    e = np.exp(zs)
    s = e.sum(axis=1, keepdims=True)
    logp_y = np.take_along_axis(zs, y[:, None], axis=1)[:, 0] - np.log(s[:, 0])
    return -logp_y, e / s


@dataclass(frozen=True)
class _Slot:
    layer: int
    name: str
    start: int
    stop: int
    shape: tuple[int, ...]


class RecurrentNet:
    r"""A sequence model ``Embedding → (LSTM → [BatchNorm])* → Dense`` on one flat vector.

    Parameters
    ----------
    layers : sequence of Layer
        An :class:`Embedding` first, then :class:`LSTM`, :class:`~deeprelax.nn.BatchNorm`
        (over the n·T positions) or :class:`~deeprelax.nn.Dense` layers; the last layer's output are the logits.
    name : str

    Attributes
    ----------
    dim : int
        Number of parameters d.
    n_vocab : int
        V (embedding rows = logits).
    slots : tuple
        ``(layer, name, start, stop, shape)`` of every parameter block of ``x``.

    Notes
    -----
    ``state`` is a list with one ``(h, c)`` pair of ``(n, H)`` arrays per LSTM layer
    (``None``: zeros). Eval mode takes fixed batch-norm statistics
    (:meth:`batch_norm_stats`); derivatives beyond the gradient (:meth:`hvp`) are of
    the eval-mode loss.

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.nn import char_lstm
    >>> m = char_lstm(5, n_layers=1, hidden=8, embedding=4, batch_norm=False)
    >>> x = m.init(0)
    >>> X = np.zeros((2, 3), dtype=np.int64)
    >>> loss, g, state = m.loss_and_grad(x, X, X)
    >>> m.dim, g.shape, state[0][0].shape
    (481, (481,), (2, 8))
    """

    def __init__(self, layers: Sequence[Layer], name: str = "") -> None:
        if not isinstance(layers, (list, tuple)):
            raise bad_parameter("layers", "a list of layers starting with an Embedding", type(layers).__name__)
        self.layers = list(layers)
        if not self.layers or not isinstance(self.layers[0], Embedding):
            raise bad_parameter("layers", "a list starting with an Embedding", layers)
        self.name = name or "RecurrentNet"
        shape: tuple[int, ...] = ()
        slots, off, n_bn, n_rnn = [], 0, 0, 0
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, (Embedding, LSTM, BatchNorm, Dense)) or \
                    (i and isinstance(layer, Embedding)):
                raise bad_parameter(f"layers[{i}]", "an LSTM, BatchNorm or Dense layer after the "
                                    "first (Embedding)", layer)
            shape = layer.build(shape)
            if isinstance(layer, BatchNorm):
                layer.index = n_bn
                n_bn += 1
            if isinstance(layer, LSTM):
                layer.rindex = n_rnn
                n_rnn += 1
            for pname, pshape in zip(layer.param_names, layer.param_shapes):
                size = int(np.prod(pshape))
                slots.append(_Slot(i, pname, off, off + size, tuple(pshape)))
                off += size
        self.n_vocab = self.layers[0].V
        if shape != (self.n_vocab,):
            raise ShapeError(f"the last layer must output {self.n_vocab} logits (one per symbol), "
                             f"got {shape}; end with Dense(..., {self.n_vocab})")
        self.dim, self.slots = off, tuple(slots)
        self.n_batch_norm, self.n_lstm = n_bn, n_rnn
        self.hidden = tuple(layer.H for layer in self.layers if isinstance(layer, LSTM))

    # ------------------------------------------------------------------ parameters
    def views(self, x: np.ndarray) -> list[list[np.ndarray]]:
        """Per-layer lists of parameter views into ``x`` (no copies)."""
        out: list[list[np.ndarray]] = [[] for _ in self.layers]
        for s in self.slots:
            out[s.layer].append(x[s.start:s.stop].reshape(s.shape))
        return out

    def init(self, seed: int | np.random.Generator = 0, dtype: Any = np.float64) -> np.ndarray:
        """Initial parameters ``(d,)`` (PyTorch's defaults) from ``numpy.random.default_rng(seed)``."""
        dt = np.dtype(dtype)
        if dt not in _FLOATS:
            raise bad_parameter("dtype", "float32 or float64", dt)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        x = np.zeros(self.dim)
        for layer, p in zip(self.layers, self.views(x)):
            layer.init_params(rng, p)
        return x.astype(dt)

    def zero_state(self, n: int, dtype: Any = np.float64) -> list[tuple[np.ndarray, np.ndarray]]:
        """Zero ``(h, c)`` of every LSTM layer for ``n`` streams."""
        return [(np.zeros((n, H), dtype), np.zeros((n, H), dtype)) for H in self.hidden]

    def _check_x(self, x: Any, complex_ok: bool = False) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.shape != (self.dim,):
            raise bad_parameter("x", f"a numpy vector of shape ({self.dim},)",
                                f"{type(x).__name__} of shape {getattr(x, 'shape', None)}",
                                cls=ShapeError)
        if x.dtype not in _FLOATS and not (complex_ok and x.dtype == np.complex128):
            raise bad_parameter("x", "float32 or float64", x.dtype)
        return x

    def _check_ids(self, name: str, X: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
        A = np.asarray(X)
        if A.ndim != 2 or (shape is not None and A.shape != shape) or A.size == 0:
            want = f"shape {shape}" if shape else "shape (n, T), n, T >= 1"
            raise bad_parameter(name, f"integer symbol ids of {want}", f"shape {A.shape}",
                                cls=ShapeError)
        if not np.issubdtype(A.dtype, np.integer):
            raise bad_parameter(name, "integer symbol ids", A.dtype)
        if A.min() < 0 or A.max() >= self.n_vocab:
            raise bad_parameter(name, f"ids in 0..{self.n_vocab - 1}", f"range {A.min()}..{A.max()}")
        return A.astype(np.intp, copy=False)

    def _check_state(self, state: Any, n: int) -> list | None:
        if state is None:
            return None
        if not isinstance(state, (list, tuple)) or len(state) != self.n_lstm:
            raise bad_parameter("state", f"a list of {self.n_lstm} (h, c) pairs (one per LSTM layer)",
                                type(state).__name__, "pass the state returned by the previous call, "
                                "or None")
        for k, (pair, H) in enumerate(zip(state, self.hidden)):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2 or \
                    any(np.shape(a) != (n, H) for a in pair):
                got = [np.shape(a) for a in pair] if isinstance(pair, (list, tuple)) else type(pair).__name__
                raise bad_parameter(f"state[{k}]", f"(h, c) of shape ({n}, {H})", got, cls=ShapeError)
        return list(state)

    # ------------------------------------------------------------------ passes
    def _run(self, x: np.ndarray, X: np.ndarray, state: Any, train: bool,
             stats: Any, record: list | None = None) -> tuple[np.ndarray, list, list]:
        n, T = X.shape
        ctx = SeqCtx(xp=np, dropout=False, bn_batch=train, stats=None if stats is None else list(stats),
                     record=record, n=n, T=T, state_in=state)
        if not train and self.n_batch_norm and stats is None:
            raise ParameterError("eval mode with batch norm needs `stats`; pass "
                                 "stats=model.batch_norm_stats(x, X_train)")
        P = self.views(x)
        a: Any = X.T   # time-major rows: Embedding flattens (T, n) to T·n rows
        caches = []
        for layer, p in zip(self.layers, P):
            a, c = layer.forward(p, a, ctx)
            caches.append(c)
        return a, caches, ctx.state_out

    def forward(self, x: np.ndarray, X: Any, state: Any = None, *, train: bool = False,
                stats: Any = None) -> tuple[np.ndarray, list]:
        """Logits ``(n, T, V)`` of the id batch ``X`` ``(n, T)`` and the final state."""
        self._check_x(x)
        Xi = self._check_ids("X", X)
        z, _, st = self._run(x, Xi, self._check_state(state, Xi.shape[0]), train, stats)
        n, T = Xi.shape
        return z.reshape(T, n, self.n_vocab).transpose(1, 0, 2), st

    def batch_norm_stats(self, x: np.ndarray, X: Any, state: Any = None) -> list:
        """Batch-norm mean and (biased) variance over all n·T positions of ``X``, each
        layer's taken while the earlier ones normalise with their own (one train-mode
        pass, recording): what an eval-mode pass on ``X`` then reproduces exactly."""
        self._check_x(x)
        Xi = self._check_ids("X", X)
        rec: list = []
        self._run(x, Xi, self._check_state(state, Xi.shape[0]), True, None, rec)
        return rec

    def loss_and_grad(self, x: np.ndarray, X: Any, Y: Any, state: Any = None, *, train: bool = True,
                      stats: Any = None, weight_decay: float = 0.0, out: np.ndarray | None = None
                      ) -> tuple[float, np.ndarray, list]:
        """Mean cross-entropy over the n·T positions (+ weight decay), its gradient, and the
        final state.

        Parameters
        ----------
        x : ndarray (d,)
        X, Y : int arrays (n, T)
            Inputs and targets (the inputs shifted by one symbol).
        state : list of (h, c), optional
            Carried from the previous batch of the same streams (truncated BPTT: a constant).
        train : bool
            Batch statistics in batch norm (``True``) or ``stats`` (``False``).
        stats : list, optional
            Fixed batch-norm statistics for eval mode.
        weight_decay : float
            λ in (λ/2)|x|².
        out : ndarray (d,), optional
            Gradient destination.

        Returns
        -------
        loss : float
            Nats per symbol.
        grad : ndarray (d,), dtype of ``x``
        state : list of (h, c)
            The final state, to pass with the next batch of the same streams.
        """
        x = self._check_x(x, complex_ok=True)
        Xi = self._check_ids("X", X)
        Yi = self._check_ids("Y", Y, Xi.shape)
        wd = check_nonnegative("weight_decay", weight_decay)
        z, caches, st = self._run(x, Xi, self._check_state(state, Xi.shape[0]), train, stats)
        m = z.shape[0]
        yf = np.ascontiguousarray(Yi.T).reshape(-1)   # time-major, as the rows of z
        losses, prob = sequence_cross_entropy(z, yf)
        loss = losses.sum() / m
        delta = prob
        delta[np.arange(m), yf] -= 1.0
        delta /= m
        if out is not None and (out.shape != x.shape or out.dtype != x.dtype):
            raise bad_parameter("out", f"an array of shape {x.shape} and dtype {x.dtype}",
                                f"{out.shape} {out.dtype}", cls=ShapeError)
        g = out if out is not None else np.empty_like(x)
        G, P = self.views(g), self.views(x)
        for i in range(len(self.layers) - 1, -1, -1):
            delta = self.layers[i].backward(P[i], caches[i], delta, G[i], i > 0)
        if wd:
            loss = loss + 0.5 * wd * np.sum(x * x)
            g += wd * x
        return (loss if np.iscomplexobj(loss) else float(loss)), g, st

    def evaluate(self, x: np.ndarray, X_batches: Any, Y_batches: Any, *, stats: Any = None) -> float:
        """Eval-mode mean cross-entropy (nats/symbol) over consecutive batches ``(K, n, T)``
        of the same n streams, the state carried from batch to batch (from zeros)."""
        self._check_x(x)
        Xb, Yb = np.asarray(X_batches), np.asarray(Y_batches)
        if Xb.ndim != 3 or Xb.shape != Yb.shape:
            raise bad_parameter("X_batches", "id batches of shape (K, n, T) matching Y_batches",
                                f"{Xb.shape} and {Yb.shape}", cls=ShapeError)
        state, tot = None, 0.0
        for k in range(Xb.shape[0]):
            Xi = self._check_ids("X_batches", Xb[k])
            z, _, state = self._run(x, Xi, state, False, stats)
            yk = np.ascontiguousarray(self._check_ids("Y_batches", Yb[k]).T).reshape(-1)
            tot += float(sequence_cross_entropy(z, yk)[0].sum())
        return tot / Xb.size

    def hvp(self, x: np.ndarray, v: np.ndarray, X: Any, Y: Any, state: Any = None, *, stats: Any = None,
            weight_decay: float = 0.0) -> np.ndarray:
        """Hessian-vector product ``H v`` of the eval-mode batch loss at ``x`` (float64),
        by the complex step ``Im ∇f(x + i h v)/h`` (exact to rounding).

        ``stats`` (batch norm) default to :meth:`batch_norm_stats` of ``X`` at ``x``,
        held fixed."""
        x = self._check_x(x)
        v = np.asarray(v, dtype=np.float64)
        if v.shape != (self.dim,):
            raise bad_parameter("v", f"a vector of shape ({self.dim},)", f"shape {v.shape}",
                                cls=ShapeError)
        if self.n_batch_norm and stats is None:
            stats = self.batch_norm_stats(x.astype(np.float64), X, state)
        nv = float(np.linalg.norm(v))
        if nv == 0.0:
            return np.zeros(self.dim)
        # Im ∇f(x + ihv)/h = Hv + O(h²) with no subtraction, so h can be tiny: the step
        # h·v has norm 1e-20, and the O(h²) term is far below rounding
        h = COMPLEX_STEP / nv
        xc = x.astype(np.complex128) + 1j * h * v
        _, g, _ = self.loss_and_grad(xc, X, Y, state, train=False, stats=stats, weight_decay=weight_decay)
        return g.imag / h

    def hvp_operator(self, x: np.ndarray, X: Any, Y: Any, state: Any = None, *, stats: Any = None,
                     weight_decay: float = 0.0) -> LinearOperator:
        """The eval-mode Hessian at ``x`` as a symmetric :class:`~scipy.sparse.linalg.LinearOperator`."""
        x64 = self._check_x(x).astype(np.float64)
        if self.n_batch_norm and stats is None:
            stats = self.batch_norm_stats(x64, X, state)

        def mv(v: np.ndarray) -> np.ndarray:
            return self.hvp(x64, np.ravel(v), X, Y, state, stats=stats, weight_decay=weight_decay)

        return LinearOperator((self.dim, self.dim), matvec=mv, rmatvec=mv, dtype=np.float64)

    def summary(self) -> str:
        """One line per layer with its parameter count."""
        lines = [f"{self.name}: vocabulary {self.n_vocab}, {self.dim} parameters"]
        for i, layer in enumerate(self.layers):
            n = sum(s.stop - s.start for s in self.slots if s.layer == i)
            lines.append(f"  {i:2d} {layer!r:<24} -> {layer.out_shape}  ({n})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"RecurrentNet(name={self.name!r}, n_vocab={self.n_vocab}, dim={self.dim})"


class SequenceObjective:
    r"""Stateful truncated-BPTT training on consecutive batches of n streams.

    Follows the objective protocol of :mod:`deeprelax.optim` with one documented
    departure: the minibatch is the *next* batch of the streams (a cursor), not drawn
    from ``rng``, and the LSTM state is carried from call to call (zeroed when the
    cursor wraps), as torch-rnn trains a char-LSTM. Replaying ``rng`` therefore does not
    replay the minibatch (:func:`~deeprelax.optim.sam` would see the next batch).

    Parameters
    ----------
    model : RecurrentNet
    X_batches, Y_batches : int arrays (K, n, T)
        Batch k holds symbols k·T … (k+1)·T − 1 of each of the n streams (inputs) and
        the next symbols (targets); see :class:`deeprelax.data.TextStreams`.
    clip : GradientTransformation, optional
        A stateless transform applied to every minibatch gradient (e.g.
        :func:`deeprelax.optim.clip` (5.0), the authors' element-wise clip).
    weight_decay : float
    dtype : float32 or float64
        Compute dtype (``x`` arrives as float64 and the gradient goes back in it).
    stats_batches : int
        Batch-norm statistics of eval mode: those of the first this-many training batches
        (all positions, one train-mode pass).

    Notes
    -----
    ``batch_size`` is n·T symbols and ``n_samples`` K·n·T, so
    :func:`~deeprelax.optim.minimize`'s effective epochs are symbols seen / training symbols.
    ``full_loss(x)`` is the eval-mode loss over all K batches (a pass over the training
    text).
    """

    def __init__(self, model: RecurrentNet, X_batches: Any, Y_batches: Any, *, clip: Any = None,
                 weight_decay: float = 0.0, dtype: Any = np.float64, stats_batches: int = 4) -> None:
        if not isinstance(model, RecurrentNet):
            raise bad_parameter("model", "a deeprelax.nn.RecurrentNet", type(model).__name__)
        self.model = model
        Xb, Yb = np.asarray(X_batches), np.asarray(Y_batches)
        if Xb.ndim != 3 or Xb.shape != Yb.shape or Xb.size == 0:
            raise bad_parameter("X_batches", "non-empty id batches of shape (K, n, T) matching Y_batches",
                                f"{Xb.shape} and {Yb.shape}", cls=ShapeError)
        for name, A in (("X_batches", Xb), ("Y_batches", Yb)):
            model._check_ids(name, A.reshape(A.shape[0], -1))
        self.X, self.Y = Xb.astype(np.intp), Yb.astype(np.intp)
        self.n_batches, self.n_streams, self.seq_len = Xb.shape
        self.dtype = np.dtype(dtype)
        if self.dtype not in _FLOATS:
            raise bad_parameter("dtype", "float32 or float64", self.dtype)
        if clip is not None and not (hasattr(clip, "init") and hasattr(clip, "update")):
            raise bad_parameter("clip", "a GradientTransformation (e.g. deeprelax.optim.clip(5.0))",
                                type(clip).__name__)
        self.clip = clip
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.stats_batches = check_int("stats_batches", stats_batches, low=1)
        self.dim = model.dim
        self.batch_size = self.n_streams * self.seq_len
        self.n_samples = self.n_batches * self.batch_size
        self.reset()

    def reset(self) -> None:
        """Back to the first batch with zero states."""
        self.cursor, self.state = 0, None

    def init(self, seed: int | np.random.Generator = 0) -> np.ndarray:
        """Initial parameters (float64)."""
        return self.model.init(seed, dtype=np.float64)

    def _cast(self, x: Any) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.shape != (self.dim,):
            raise bad_parameter("x", f"a numpy array of shape ({self.dim},)",
                                f"shape {getattr(x, 'shape', None)}", cls=ShapeError)
        return x if x.dtype == self.dtype else x.astype(self.dtype)

    def loss_and_grad(self, x: Any, rng: np.random.Generator) -> tuple[float, np.ndarray]:
        """Loss and gradient on the next batch (state carried), clipped by ``clip``."""
        k = self.cursor
        loss, g, st = self.model.loss_and_grad(self._cast(x), self.X[k], self.Y[k], self.state,
                                               weight_decay=self.weight_decay)
        self.state = st
        self.cursor = k + 1
        if self.cursor == self.n_batches:
            self.reset()
        g = g.astype(x.dtype, copy=False)
        if self.clip is not None:
            g, _ = self.clip.update(g, self.clip.init(g), x)
        return loss, g

    def stats(self, x: Any) -> list:
        """Eval-mode batch-norm statistics at ``x`` (empty without batch norm)."""
        if not self.model.n_batch_norm:
            return []
        k = min(self.stats_batches, self.n_batches)
        Xs = np.concatenate(list(self.X[:k]), axis=1)  # (n, k·T): the streams' first k batches
        return self.model.batch_norm_stats(self._cast(x), Xs)

    def evaluate(self, x: Any, X_batches: Any = None, Y_batches: Any = None) -> float:
        """Eval-mode nats/symbol on id batches (default: the training batches)."""
        if X_batches is None:
            X_batches, Y_batches = self.X, self.Y
        xc = self._cast(x)
        stats = self.stats(xc) if self.model.n_batch_norm else None
        return self.model.evaluate(xc, X_batches, Y_batches, stats=stats)

    def full_loss(self, x: Any) -> float:
        """Eval-mode mean loss over the training batches, plus weight decay."""
        return self.evaluate(x) + 0.5 * self.weight_decay * float(np.sum(np.asarray(x) ** 2))

    def __repr__(self) -> str:
        return (f"SequenceObjective({self.model.name}, K={self.n_batches}, n={self.n_streams}, "
                f"T={self.seq_len}, dtype={self.dtype.name})")
