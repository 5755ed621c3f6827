"""Batch-norm statistics, evaluation, per-sample gradients, Hessian-vector products, Hessians.

All derivatives here are of the *eval-mode* loss: dropout off, batch norm with fixed
statistics ``stats`` (``None``: the population statistics of the ``X`` passed, at
``x``, treated as constants). In that mode the batch loss is the mean of per-sample
losses f(x; ξ_i) = CE_i(x) + (λ/2)|x|², so

    ∇f(x) = (1/n) Σ_i ∇f(x; ξ_i),     H v = R_v{∇f(x)} = d/dt ∇f(x + t v)|_{t=0}.

Shapes: ``x, v`` ``(d,)``; ``X`` ``(n, *input_shape)``; ``y`` ``(n,)``.

References
----------
B. A. Pearlmutter, Neural Computation 6 (1994) 147-160 (exact Hessian-vector
products by the R-operator).
P. Chaudhari & S. Soatto, arXiv:1710.11029, eq. (2): the diffusion matrix D(x) from
per-sample gradients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import array_api_compat
import numpy as np
from scipy.sparse.linalg import LinearOperator

from .._core import ShapeError, bad_parameter, check_nonnegative
from ._layers import Ctx
from ._model import Sequential, _check_model, _onehot, softmax_cross_entropy

__all__ = ["batch_norm_stats", "evaluate", "Evaluation", "per_sample_grads", "hvp",
           "hvp_operator", "hessian"]

#: Samples per chunk in the chunked passes (batch-norm statistics, evaluation).
CHUNK = 2048
#: Memory cap (bytes) of one chunk of per-sample gradients.
PER_SAMPLE_BYTES = 64 * 2**20


def batch_norm_stats(model: Sequential, x: Any, X: Any, *, chunk_size: int = CHUNK) -> list:
    """Population mean and (biased) variance of every batch-norm input over ``X`` at ``x``.

    Dropout is off. The statistics of layer k are those of its input when all earlier
    batch-norm layers use their own population statistics, i.e. what an eval-mode
    network sees. When ``X`` fits in one chunk this is one train-mode forward pass;
    otherwise the layers are done in order, each in a chunked pass.

    Returns
    -------
    list of (mean (C,), var (C,))
        One pair per batch-norm layer, in the dtype of ``x``.
    """
    model = _check_model(model)
    if not model.n_batch_norm:
        return []
    xp = array_api_compat.array_namespace(x)
    n = X.shape[0]
    if n <= chunk_size:
        ctx = Ctx(xp=xp, dropout=False, bn_batch=True, record=[])
        model._run(x, X, ctx)
        return ctx.record
    stats: list = []
    bn_layers = [i for i, layer in enumerate(model.layers) if getattr(layer, "index", -1) >= 0]
    for li in bn_layers:
        cnt, mean, m2 = 0, None, None
        for s in range(0, n, chunk_size):
            ctx = Ctx(xp=xp, dropout=False, bn_batch=False, stats=stats)
            a, _ = model._run(x, X[s:s + chunk_size], ctx, stop=li)
            axes = model.layers[li].axes
            # accumulate in float64 whatever the model's dtype: float32 sums over many
            # chunks would lose digits of the variance
            a64 = xp.astype(a, xp.float64)
            k = a64.shape[0] * int(np.prod([a64.shape[j] for j in axes[1:]]))
            cm = xp.mean(a64, axis=axes)
            bshape = model.layers[li].bshape
            cm2 = xp.sum((a64 - xp.reshape(cm, bshape)) ** 2, axis=axes)
            if mean is None:
                cnt, mean, m2 = k, cm, cm2
            else:  # Chan et al.'s pairwise update of mean and sum of squares
                tot = cnt + k
                d = cm - mean
                mean = mean + d * (k / tot)
                m2 = m2 + cm2 + d * d * (cnt * k / tot)
                cnt = tot
        stats.append((xp.astype(mean, x.dtype), xp.astype(m2 / cnt, x.dtype)))
    return stats


@dataclass(frozen=True)
class Evaluation:
    """Full-data loss and accuracy. ``loss`` excludes weight decay; ``error = 1 - accuracy``."""

    loss: float
    accuracy: float
    n: int

    @property
    def error(self) -> float:
        return 1.0 - self.accuracy


def evaluate(model: Sequential, x: Any, X: Any, y: Any, *, stats: Any = None,
             chunk_size: int = CHUNK) -> Evaluation:
    """Mean cross-entropy and accuracy of ``x`` on ``(X, y)`` in eval mode, in chunks.

    For a model with batch norm pass ``stats=batch_norm_stats(model, x, X_train)``
    (statistics of the training data); ``None`` uses those of ``X`` itself.
    """
    model = _check_model(model)
    model._check_x(x)
    xp = array_api_compat.array_namespace(x)
    stats = model._stats_or_default(x, X, stats)
    yy = model._labels(y, X.shape[0])
    tot, correct = 0.0, 0
    for s in range(0, X.shape[0], chunk_size):
        z = model.forward(x, X[s:s + chunk_size], train=False, stats=stats)
        yc = yy[s:s + chunk_size]
        oh = _onehot(xp, yc, model.n_classes, z.dtype, array_api_compat.device(z))
        losses, _ = softmax_cross_entropy(z, oh)
        tot += float(xp.sum(xp.astype(losses, xp.float64)))
        pred = np.asarray(array_api_compat.to_device(xp.argmax(z, axis=1), "cpu")
                          if not isinstance(z, np.ndarray) else np.argmax(z, axis=1))
        correct += int(np.sum(pred == yc))
    n = int(X.shape[0])
    return Evaluation(tot / n, correct / n, n)


def per_sample_grads(model: Sequential, x: np.ndarray, X: np.ndarray, y: np.ndarray, *,
                     weight_decay: float = 0.0, stats: Any = None, out: np.ndarray | None = None,
                     chunk_size: int | None = None) -> np.ndarray:
    """Gradients of every sample's loss, ``G[i] = ∇f(x; ξ_i)``, shape ``(n, d)``.

    Vectorised per layer: for a dense layer ``G_W[i] = a_i δ_iᵀ`` (outer product of the
    layer input and the back-propagated delta of sample i), for a convolution
    ``G_W[i] = δ_i cols_i`` summed over positions; no loop over samples. Eval mode
    (see the module docstring); ``G.mean(0)`` equals the eval-mode batch gradient.

    Parameters
    ----------
    model, x, X, y
        As in :meth:`Sequential.loss_and_grad`.
    weight_decay : float
        λ; every row gets ``+ λ x``.
    stats : batch-norm statistics, optional
    out : ndarray (n, d), optional
        Written in place.
    chunk_size : int, optional
        Samples per chunk (default: as many as fit in 64 MiB of gradients).

    Returns
    -------
    ndarray, shape (n, d), dtype of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.nn import tiny_fc, per_sample_grads
    >>> m = tiny_fc(batch_norm=False)
    >>> x = m.init(0); X = np.random.default_rng(0).normal(size=(3, 1, 7, 7))
    >>> per_sample_grads(m, x, X, np.array([0, 1, 2])).shape
    (3, 885)
    """
    model = _check_model(model)
    wd = check_nonnegative("weight_decay", weight_decay)
    if not isinstance(x, np.ndarray):
        raise bad_parameter("x", "a numpy array (per-sample gradients are numpy-only)", type(x))
    stats = model._stats_or_default(x, X, stats)
    n = X.shape[0]
    yy = model._labels(y, n)
    G = out if out is not None else np.empty((n, model.dim), dtype=x.dtype)
    if G.shape != (n, model.dim):
        raise bad_parameter("out", f"an array of shape ({n}, {model.dim})", G.shape, cls=ShapeError)
    step = chunk_size or max(1, PER_SAMPLE_BYTES // (model.dim * x.dtype.itemsize))
    P = model.views(x)
    for s in range(0, n, step):
        Xc, yc, Gc = X[s:s + step], yy[s:s + step], G[s:s + step]
        z, caches = model._run(x, Xc, model._ctx(x, False, None, stats))
        oh = _onehot(np, yc, model.n_classes, z.dtype, "cpu")
        _, prob = softmax_cross_entropy(z, oh)
        delta = prob - oh  # per-sample loss: no 1/n
        views: list[list[np.ndarray]] = [[] for _ in model.layers]
        for sl in model.slots:
            views[sl.layer].append(Gc[:, sl.start:sl.stop].reshape(Gc.shape[0], *sl.shape))
        for i in range(len(model.layers) - 1, -1, -1):
            need = i > model._first_param_layer
            delta = model.layers[i].per_sample(P[i], caches[i], delta, views[i], need)
            if not need:
                break
        if wd:
            Gc += wd * x
    return G


class _HVP:
    """Forward activations and backward deltas at ``x``, reused by every product H v."""

    def __init__(self, model: Sequential, x: np.ndarray, X: np.ndarray, y: np.ndarray,
                 weight_decay: float, stats: Any) -> None:
        self.model, self.x = model, x
        self.wd = check_nonnegative("weight_decay", weight_decay)
        stats = model._stats_or_default(x, X, stats)
        z, self.caches = model._run(x, X, model._ctx(x, False, None, stats))
        n = z.shape[0]
        self.n = n
        oh = _onehot(np, model._labels(y, n), model.n_classes, z.dtype, "cpu")
        _, self.prob = softmax_cross_entropy(z, oh)
        self.P = model.views(x)
        # deltas entering each layer from above (dys[i] = dL/d(output of layer i))
        self.dys: list[Any] = [None] * len(model.layers)
        delta = (self.prob - oh) / n
        for i in range(len(model.layers) - 1, model._first_param_layer - 1, -1):
            self.dys[i] = delta
            if i > model._first_param_layer:
                delta = model.layers[i].backward(self.P[i], self.caches[i], delta, None, True)

    def __call__(self, v: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        m = self.model
        if v.shape != (m.dim,):
            raise bad_parameter("v", f"a vector of shape ({m.dim},)", f"shape {v.shape}",
                                cls=ShapeError)
        v = np.asarray(v, dtype=self.x.dtype)
        R = m.views(v)
        ra, rcaches, ras = None, [], []
        for i, layer in enumerate(m.layers):
            ras.append(ra)
            ra, rc = layer.rforward(self.P[i], R[i], self.caches[i], ra)
            rcaches.append(rc)
        p = self.prob
        rdy = (p * ra - p * np.sum(p * ra, axis=1, keepdims=True)) / self.n  # (diag p - p pᵀ) Rz / n
        Hv = out if out is not None else np.empty_like(self.x)
        hviews = m.views(Hv)
        for i in range(len(m.layers) - 1, m._first_param_layer - 1, -1):
            need = i > m._first_param_layer
            rin = rcaches[i] if rcaches[i] is not None else ras[i]
            rdy = m.layers[i].rbackward(self.P[i], R[i], self.caches[i], rin, self.dys[i], rdy,
                                        hviews[i], need)
        if self.wd:
            Hv += self.wd * v
        return Hv


def hvp(model: Sequential, x: np.ndarray, v: np.ndarray, X: np.ndarray, y: np.ndarray, *,
        weight_decay: float = 0.0, stats: Any = None) -> np.ndarray:
    """Exact Hessian-vector product ``H v`` of the eval-mode batch loss at ``x``.

    Pearlmutter's R-operator: one forward pass for the activations and their
    directional derivatives R{a}, one backward pass for the deltas and R{δ}; cost about
    twice a gradient. Finite differences are used only in the tests.

    Parameters
    ----------
    model, x, X, y, weight_decay, stats
        As in :func:`per_sample_grads`.
    v : ndarray (d,)

    Returns
    -------
    ndarray (d,)

    Notes
    -----
    ReLU and max pooling are piecewise linear: at the kinks the product is that of the
    active piece (the same convention as automatic differentiation). For many
    products at one point use :func:`hvp_operator`, which reuses the forward pass.
    """
    return _HVP(_check_model(model), _np_x(x), X, y, weight_decay, stats)(np.asarray(v))


def hvp_operator(model: Sequential, x: np.ndarray, X: np.ndarray, y: np.ndarray, *,
                 weight_decay: float = 0.0, stats: Any = None) -> LinearOperator:
    """The Hessian at ``x`` as a symmetric :class:`scipy.sparse.linalg.LinearOperator`
    (for ``eigsh`` / Lanczos); the forward pass and deltas are computed once."""
    op = _HVP(_check_model(model), _np_x(x), X, y, weight_decay, stats)
    d = model.dim
    # H is symmetric, so Hᵀv = Hv: rmatvec is the same product
    return LinearOperator((d, d), matvec=lambda v: op(np.ravel(v)), rmatvec=lambda v: op(np.ravel(v)),
                          dtype=x.dtype)


def hessian(model: Sequential, x: np.ndarray, X: np.ndarray, y: np.ndarray, *,
            weight_decay: float = 0.0, stats: Any = None, max_dim: int = 20000) -> np.ndarray:
    """The exact dense Hessian ``(d, d)`` of the eval-mode batch loss, column by column
    from :func:`hvp_operator` (d products). Not symmetrised: it is symmetric to
    round-off, which the tests check; symmetrise with ``(H + H.T) / 2`` before ``eigh``.

    ``max_dim`` guards against an accidental d² allocation.
    """
    model = _check_model(model)
    if model.dim > max_dim:
        raise bad_parameter("model", f"at most max_dim = {max_dim} parameters for a dense Hessian",
                            model.dim, "use hvp_operator with scipy.sparse.linalg.eigsh, or raise "
                            "max_dim")
    op = _HVP(model, _np_x(x), X, y, weight_decay, stats)
    d = model.dim
    H = np.empty((d, d), dtype=x.dtype)
    e = np.zeros(d, dtype=x.dtype)
    col = np.empty(d, dtype=x.dtype)
    for j in range(d):
        e[j] = 1.0
        op(e, out=col)
        H[:, j] = col
        e[j] = 0.0
    return H


def _np_x(x: Any) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise bad_parameter("x", "a numpy array (Hessian-vector products are numpy-only)", type(x))
    return x
