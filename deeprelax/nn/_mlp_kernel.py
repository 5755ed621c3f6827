"""Compiled loss and gradient of the ``[Flatten, Dense, ReLU, Dense]`` network (tiny-fc).

Symbols (shapes): ``x`` the flat parameters (P,) in the layout of :class:`Sequential`
(W₁ (n_in, h) row-major, b₁ (h,), W₂ (h, K), b₂ (K,)); ``X`` (N, n_in) inputs, ``y``
(N,) labels; ``idx`` the rows of one (mini)batch.

This is the *accelerator* of the one-hidden-layer ReLU net: one scalar loop per sample,
no allocation, used by the trajectory engine (:mod:`deeprelax.nn._trajectory`) for
small nets where a BLAS call per minibatch costs more than the arithmetic. Every other
network takes the generic path, :meth:`Sequential.loss_and_grad`; the tests hold the two
to round-off (same formulas, different summation order).

The loss is the mean softmax cross-entropy

    f(x) = (1/n) Σ_i [log Σ_k exp z_ik − z_i,y_i],   z = W₂ᵀ relu(W₁ᵀ X_i + b₁) + b₂,

and the backward pass is the textbook chain rule: δ₂ = softmax(z) − onehot(y),
δ₁ = (W₂ δ₂) ⊙ 1[z₁ > 0].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import ParameterError, ShapeError, as_float_array, bad_parameter, check_finite, jit

__all__ = ["MLPArch", "mlp_arch", "is_dense_relu_dense", "mlp_loss_grad", "prepare_data"]

#: Layer types of the network this kernel computes.
DENSE_RELU_DENSE = ["Flatten", "Dense", "ReLU", "Dense"]


@dataclass(frozen=True)
class MLPArch:
    """Sizes of a ``Dense(n_in, h) → ReLU → Dense(h, K)`` network; ``dim`` = P."""

    n_in: int
    hidden: int
    n_classes: int

    @property
    def dim(self) -> int:
        return self.n_in * self.hidden + self.hidden + self.hidden * self.n_classes + self.n_classes


def is_dense_relu_dense(model: Any) -> bool:
    """Whether ``model`` is ``[Flatten, Dense, ReLU, Dense]`` (the condition of the kernel)."""
    return [type(layer).__name__ for layer in getattr(model, "layers", ())] == DENSE_RELU_DENSE


def mlp_arch(model: Any) -> MLPArch:
    """The :class:`MLPArch` of a :class:`deeprelax.nn.Sequential` of the form
    ``[Flatten(), Dense(n_in, h), ReLU(), Dense(h, K)]`` (``tiny_fc(batch_norm=False)``)."""
    if not is_dense_relu_dense(model):
        names = [type(layer).__name__ for layer in getattr(model, "layers", ())]
        raise bad_parameter("model", "a [Flatten, Dense, ReLU, Dense] network "
                            "(e.g. deeprelax.nn.tiny_fc(batch_norm=False))", names,
                            "other networks take the generic path (engine='generic')")
    s = model.slots
    n_in, h = s[0].shape
    K = s[2].shape[1]
    arch = MLPArch(int(n_in), int(h), int(K))
    if arch.dim != model.dim:  # pragma: no cover - layout guard
        raise ParameterError(f"unexpected parameter layout: {arch.dim} != {model.dim}")
    return arch


# --------------------------------------------------------------------------- kernel
@jit
def loss_grad(x, X, y, idx, n_idx, n_in, h, K, g, z1, z2):  # pragma: no cover - compiled
    """Mean cross-entropy over the rows ``idx[:n_idx]`` of (X, y); gradient into g."""
    P = g.shape[0]
    oW2 = n_in * h + h
    ob2 = oW2 + h * K
    for j in range(P):
        g[j] = 0.0
    loss = 0.0
    for r in range(n_idx):
        i = idx[r]
        for j in range(h):
            z1[j] = x[n_in * h + j]
        for a in range(n_in):
            xa = X[i, a]
            if xa != 0.0:
                base = a * h
                for j in range(h):
                    z1[j] += xa * x[base + j]
        for k in range(K):
            z2[k] = x[ob2 + k]
        for j in range(h):
            aj = z1[j] if z1[j] > 0.0 else 0.0
            if aj != 0.0:
                base = oW2 + j * K
                for k in range(K):
                    z2[k] += aj * x[base + k]
        zmax = z2[0]
        for k in range(1, K):
            if z2[k] > zmax:
                zmax = z2[k]
        zy = z2[y[i]]
        s = 0.0
        for k in range(K):
            z2[k] = np.exp(z2[k] - zmax)
            s += z2[k]
        loss += np.log(s) + zmax - zy
        for k in range(K):
            z2[k] /= s  # softmax p
        z2[y[i]] -= 1.0  # delta2 = p - onehot
        for k in range(K):
            g[ob2 + k] += z2[k]
        for j in range(h):
            if z1[j] > 0.0:
                aj = z1[j]
                base = oW2 + j * K
                d1 = 0.0
                for k in range(K):
                    g[base + k] += aj * z2[k]
                    d1 += x[base + k] * z2[k]
                g[n_in * h + j] += d1
                z1[j] = d1  # reuse as delta1
            else:
                z1[j] = 0.0
        for a in range(n_in):
            xa = X[i, a]
            if xa != 0.0:
                base = a * h
                for j in range(h):
                    g[base + j] += xa * z1[j]
    inv = 1.0 / n_idx
    for j in range(P):
        g[j] *= inv
    return loss * inv


def prepare_data(n_in: int, n_classes: int, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) as C-contiguous float64 (N, n_in) and int64 (N,), validated (N >= 1)."""
    Xr = as_float_array("X", X)
    if Xr.ndim < 1 or Xr.shape[0] < 1 or Xr[0].size != n_in:
        raise bad_parameter("X", f"N >= 1 samples with {n_in} inputs each", f"shape {Xr.shape}",
                            cls=ShapeError)
    Xa = np.ascontiguousarray(Xr.reshape(Xr.shape[0], -1))
    check_finite("X", Xa)
    if y is None or isinstance(y, (str, bytes)):
        raise bad_parameter("y", f"{Xa.shape[0]} integer labels in 0..{n_classes - 1}", y)
    yr = np.asarray(y)
    if yr.dtype.kind not in "iu":
        raise bad_parameter("y", "integer class labels", f"dtype {yr.dtype}", "cast with y.astype(int)")
    ya = np.ascontiguousarray(yr, dtype=np.int64)
    if ya.shape != (Xa.shape[0],) or ya.min() < 0 or ya.max() >= n_classes:
        raise bad_parameter("y", f"{Xa.shape[0]} labels in 0..{n_classes - 1}",
                            f"shape {ya.shape}, range [{ya.min()}, {ya.max()}]", cls=ShapeError)
    return Xa, ya


def mlp_loss_grad(model: Any, x: Any, X: Any, y: Any) -> tuple[float, np.ndarray]:
    """Full-batch mean cross-entropy and its gradient (P,) by the compiled kernel.

    The same numbers (to round-off) as ``model.loss_and_grad(x, X, y, train=False)`` for
    ``tiny_fc(batch_norm=False)``-type networks (checked by the tests).

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax import nn
    >>> m = nn.tiny_fc(batch_norm=False)
    >>> X, y = np.ones((3, 1, 7, 7)), np.array([0, 1, 2])
    >>> f, g = nn.mlp_loss_grad(m, m.init(0), X, y)
    >>> bool(np.isclose(f, m.loss_and_grad(m.init(0), X, y, train=False)[0])), g.shape
    (True, (885,))
    """
    arch = model if isinstance(model, MLPArch) else mlp_arch(model)
    Xa, ya = prepare_data(arch.n_in, arch.n_classes, X, y)
    raw = np.asarray(x) if not isinstance(x, (str, bytes)) else np.asarray(None)
    if raw.dtype.kind not in "biuf":
        raise bad_parameter("x", f"a real vector of shape ({arch.dim},)", f"dtype {raw.dtype}")
    xa = np.ascontiguousarray(raw, dtype=np.float64)
    if xa.shape != (arch.dim,):
        raise bad_parameter("x", f"a vector of shape ({arch.dim},)", f"shape {xa.shape}",
                            cls=ShapeError)
    check_finite("x", xa)
    g = np.empty(arch.dim)
    full = np.arange(Xa.shape[0])
    f = loss_grad(xa, Xa, ya, full, full.size, arch.n_in, arch.hidden, arch.n_classes, g,
                  np.empty(arch.hidden), np.empty(arch.n_classes))
    return float(f), g
