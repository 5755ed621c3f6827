"""Sequential models over one flat parameter vector, and softmax cross-entropy.

Shapes: ``x`` flat parameters ``(d,)``; ``X`` a batch ``(n, *input_shape)`` (or any
shape with ``n`` rows and the same number of entries); ``y`` integer labels ``(n,)``;
logits ``(n, K)``.

The loss of a batch is the mean softmax cross-entropy plus weight decay,

    f(x) = (1/n) Σ_i [ log Σ_k exp z_ik − z_i,y_i ] + (λ/2) |x|²,

and the per-sample loss f(x; ξ_i) is the i-th term plus (λ/2)|x|².
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import array_api_compat
import numpy as np

from .._core import ParameterError, ShapeError, bad_parameter, check_nonnegative
from .._core._validate import check_int, check_seed
from ._layers import BatchNorm, Ctx, Layer

__all__ = ["Sequential", "softmax_cross_entropy"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def float_name(a: Any) -> str | None:
    """``"float32"`` / ``"float64"`` for an array of either dtype in any namespace, else None."""
    xp = array_api_compat.array_namespace(a)
    for name in ("float32", "float64"):
        if a.dtype == getattr(xp, name):
            return name
    return None


def softmax_cross_entropy(z: Any, onehot: Any) -> tuple[Any, Any]:
    """Per-sample cross-entropy ``(n,)`` and softmax probabilities ``(n, K)`` of logits ``z``."""
    zs_, oh_ = getattr(z, "shape", None), getattr(onehot, "shape", None)
    if zs_ is None or len(zs_) != 2 or oh_ != zs_:
        raise bad_parameter("z", "logits (n, K) with one-hot targets of the same shape",
                            f"z {zs_ or type(z).__name__}, onehot {oh_ or type(onehot).__name__}", cls=ShapeError)
    xp = array_api_compat.array_namespace(z)
    # log-sum-exp shifted by the row maximum: exp never overflows, the largest term is 1,
    # so log s is never log 0; log p = z − max − log Σ exp(z − max) is exact algebra
    zs = z - xp.max(z, axis=1, keepdims=True)
    e = xp.exp(zs)
    s = xp.sum(e, axis=1, keepdims=True)
    logp = zs - xp.log(s)
    return -xp.sum(onehot * logp, axis=1), e / s


def _onehot(xp: Any, y: Any, k: int, dtype: Any, device: Any) -> Any:
    yy = xp.asarray(y, device=device)
    return xp.astype(yy[:, None] == xp.arange(k, device=device)[None, :], dtype)


@dataclass(frozen=True)
class _Slot:
    layer: int
    name: str
    start: int
    stop: int
    shape: tuple[int, ...]


class Sequential:
    """A feed-forward network whose parameters are one flat vector.

    Parameters
    ----------
    layers : sequence of Layer
        e.g. ``[Flatten(), Dense(49, 64), BatchNorm(64), ReLU(), Dense(64, 10)]``;
        the last layer's output are the logits.
    input_shape : tuple of int
        Shape of one sample (``(1, 28, 28)`` for MNIST images).
    name : str
        A label (presets use their own name).

    Attributes
    ----------
    dim : int
        Number of parameters d.
    n_classes : int
        Number of logits K.
    slots : tuple
        ``(layer index, name, start, stop, shape)`` of every parameter block in ``x``.

    Notes
    -----
    Parameter blocks are stored layer by layer in ``x`` (dense ``W`` is ``(n_in,
    n_out)`` row-major, then ``b``); :meth:`views` returns reshaped views, never
    copies. Computations run in the dtype of ``x`` (float32 or float64); inputs are cast
    to it. Batch norm keeps no running averages: eval mode takes explicit statistics
    (:func:`~deeprelax.nn.batch_norm_stats`).

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.nn import Sequential, Dense, ReLU
    >>> m = Sequential([Dense(4, 8), ReLU(), Dense(8, 3)], input_shape=(4,))
    >>> x = m.init(seed=0)
    >>> m.dim, m.forward(x, np.ones((2, 4))).shape
    (67, (2, 3))
    """

    def __init__(self, layers: Sequence[Layer], input_shape: Sequence[int], name: str = "") -> None:
        if isinstance(layers, (str, bytes, Layer)) or not isinstance(layers, Sequence):
            raise bad_parameter("layers", "a list of deeprelax.nn layers", layers)
        self.layers = list(layers)
        if not self.layers:
            raise bad_parameter("layers", "a non-empty list of layers", layers)
        if (isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence | np.ndarray)
                or not len(input_shape)):
            raise bad_parameter("input_shape", "a non-empty tuple of positive integers", input_shape)
        self.input_shape = tuple(check_int(f"input_shape[{i}]", s, low=1) for i, s in enumerate(input_shape))
        self.name = name or "Sequential"
        shape = self.input_shape
        slots, off, n_bn = [], 0, 0
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise bad_parameter(f"layers[{i}]", "a deeprelax.nn layer", layer)
            shape = layer.build(shape)
            if isinstance(layer, BatchNorm):
                layer.index = n_bn
                n_bn += 1
            for pname, pshape in zip(layer.param_names, layer.param_shapes):
                size = int(np.prod(pshape))
                slots.append(_Slot(i, pname, off, off + size, tuple(pshape)))
                off += size
        if len(shape) != 1:
            raise ShapeError(f"the last layer must output logits of shape (K,), got {shape}; "
                             "end the model with Flatten() and Dense(..., K)")
        self.n_classes = int(shape[0])
        self.dim = off
        self.slots = tuple(slots)
        self.n_batch_norm = n_bn
        self._first_param_layer = min((s.layer for s in slots), default=len(self.layers))

    # ------------------------------------------------------------------ parameters
    def views(self, x: Any) -> list[list[Any]]:
        """Per-layer lists of parameter views into ``x`` (no copies for numpy/cupy)."""
        self._check_x(x)
        xp = array_api_compat.array_namespace(x)
        out: list[list[Any]] = [[] for _ in self.layers]
        for s in self.slots:
            out[s.layer].append(xp.reshape(x[s.start:s.stop], s.shape))
        return out

    def named_views(self, x: Any) -> dict[str, Any]:
        """``{"<layer>.<Layer>.<name>": view}`` of every parameter block of ``x``."""
        v = self.views(x)
        names: dict[str, Any] = {}
        for i, layer in enumerate(self.layers):
            for pname, arr in zip(layer.param_names, v[i]):
                names[f"{i}.{type(layer).__name__}.{pname}"] = arr
        return names

    def init(self, seed: int | np.random.Generator = 0, dtype: Any = np.float64) -> np.ndarray:
        """Initial parameters ``(d,)``: PyTorch's default (U(±1/√fan_in) for weights and
        biases), batch-norm scale 1 and shift 0, drawn from ``numpy.random.default_rng(seed)``."""
        dt = np.dtype(dtype)
        if dt not in _FLOATS:
            raise bad_parameter("dtype", "float32 or float64", dt)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed("seed", seed))
        # drawn in float64 and cast at the end: one seed gives the same parameters (to
        # rounding) for a float32 and a float64 model
        x = np.zeros(self.dim, dtype=np.float64)
        for layer, p in zip(self.layers, self.views(x)):
            layer.init_params(rng, p)
        return x.astype(dt)

    def _check_x(self, x: Any) -> None:
        if getattr(x, "ndim", None) != 1 or x.shape[0] != self.dim:
            raise bad_parameter("x", f"a flat parameter vector of shape ({self.dim},)",
                                f"shape {getattr(x, 'shape', type(x))}", cls=ShapeError)
        if float_name(x) is None:
            raise bad_parameter("x", "float32 or float64", x.dtype)

    def _batch(self, x: Any, X: Any) -> Any:
        self._check_x(x)
        if X is None or isinstance(X, (str, bytes)) or not hasattr(X, "__len__") and not hasattr(X, "shape"):
            raise bad_parameter("X", f"a batch of inputs of shape (n, *{self.input_shape})", type(X).__name__)
        xp = array_api_compat.array_namespace(x)
        Xa = xp.asarray(X, device=array_api_compat.device(x)) if not isinstance(X, np.ndarray) \
            or not isinstance(x, np.ndarray) else X
        per = int(np.prod(self.input_shape))
        n = Xa.shape[0]
        if Xa.ndim < 1 or int(np.prod(Xa.shape[1:])) != per:
            raise bad_parameter("X", f"a batch of shape (n, *{self.input_shape})",
                                f"shape {tuple(Xa.shape)}", cls=ShapeError)
        if Xa.dtype != x.dtype:
            Xa = xp.astype(Xa, x.dtype)
        return xp.reshape(Xa, (n, *self.input_shape))

    def _labels(self, y: Any, n: int) -> np.ndarray:
        if y is None or isinstance(y, (str, bytes)):
            raise bad_parameter("y", f"integer labels of shape ({n},)", y)
        yy = np.asarray(y)
        if yy.dtype.kind not in "iu":
            raise bad_parameter("y", "integer class labels", f"dtype {yy.dtype}", "cast with y.astype(int)")
        if yy.shape != (n,):
            raise bad_parameter("y", f"integer labels of shape ({n},)", f"shape {yy.shape}",
                                cls=ShapeError)
        if yy.size and (yy.min() < 0 or yy.max() >= self.n_classes):
            raise bad_parameter("y", f"labels in 0..{self.n_classes - 1}",
                                f"range {yy.min()}..{yy.max()}")
        return yy.astype(np.int64, copy=False)

    # ------------------------------------------------------------------ passes
    def _ctx(self, x: Any, train: bool, rng: np.random.Generator | None, stats: Any) -> Ctx:
        self._check_x(x)
        xp = array_api_compat.array_namespace(x)
        return Ctx(xp=xp, dropout=train, bn_batch=train, rng=rng,
                   stats=None if stats is None else list(stats))

    def _run(self, x: Any, X: Any, ctx: Ctx, stop: int | None = None) -> tuple[Any, list]:
        P = self.views(x)
        a = self._batch(x, X)
        caches = []
        for layer, p in zip(self.layers[:stop], P[:stop]):
            a, c = layer.forward(p, a, ctx)
            caches.append(c)
        return a, caches

    def forward(self, x: Any, X: Any, *, train: bool = False, rng: np.random.Generator | None = None,
                stats: Any = None) -> Any:
        """Logits ``(n, K)`` of the batch ``X``.

        ``train=True`` applies dropout (masks from ``rng``) and batch statistics in
        batch norm; ``train=False`` (eval) turns dropout off and uses ``stats`` in
        batch norm (required when the model has batch norm).
        """
        return self._run(x, X, self._ctx(x, train, rng, stats))[0]

    def _stats_or_default(self, x: Any, X: Any, stats: Any) -> Any:
        if stats is None and self.n_batch_norm:
            from ._derivatives import batch_norm_stats

            return batch_norm_stats(self, x, X)
        return stats

    def loss_and_grad(self, x: Any, X: Any, y: Any, *, train: bool = True,
                      rng: np.random.Generator | None = None, weight_decay: float = 0.0,
                      stats: Any = None, out: Any = None) -> tuple[float, Any]:
        """Mean cross-entropy (+ weight decay) of the batch and its gradient ``(d,)``.

        Parameters
        ----------
        x : array (d,)
        X : array (n, *input_shape)
        y : int array (n,)
        train : bool
            Train mode (dropout with masks from ``rng``, batch statistics in batch
            norm) or eval mode (``stats`` as in :meth:`forward`; ``None``: the
            population statistics of ``X`` at ``x``).
        rng : numpy.random.Generator, optional
            Needed in train mode when the model has dropout.
        weight_decay : float
            λ in (λ/2)|x|².
        out : array (d,), optional
            Written in place and returned (numpy), to avoid an allocation per step.

        Returns
        -------
        loss : float
        grad : array (d,), same namespace and dtype as ``x``
        """
        xp = array_api_compat.array_namespace(x)
        wd = check_nonnegative("weight_decay", weight_decay)
        if not train:
            stats = self._stats_or_default(x, X, stats)
        ctx = self._ctx(x, train, rng, stats)
        z, caches = self._run(x, X, ctx)
        n = z.shape[0]
        yy = self._labels(y, n)
        onehot = _onehot(xp, yy, self.n_classes, z.dtype, array_api_compat.device(z))
        losses, prob = softmax_cross_entropy(z, onehot)
        loss = float(xp.sum(losses)) / n
        # ∂(mean CE)/∂z = (softmax − onehot)/n; backpropagation stops at the first layer with
        # parameters (nothing needs the gradient of the input)
        delta = (prob - onehot) / n
        g, gviews = self._grad_buffer(x, out)
        P = self.views(x)
        for i in range(len(self.layers) - 1, -1, -1):
            need = i > self._first_param_layer
            delta = self.layers[i].backward(P[i], caches[i], delta, gviews[i], need)
            if not need:
                break
        g = self._finish_grad(x, g, gviews)
        if wd:
            loss += 0.5 * wd * float(xp.sum(x * x))
            g += wd * x
        return loss, g

    def _grad_buffer(self, x: Any, out: Any) -> tuple[Any, list[list[Any]]]:
        """A flat gradient and per-layer destinations: views of it for numpy/cupy, else
        separate blocks concatenated by :meth:`_finish_grad`."""
        xp = array_api_compat.array_namespace(x)
        if isinstance(x, np.ndarray) or array_api_compat.is_cupy_array(x):
            g = out if out is not None else xp.empty_like(x)
            if out is not None and (out.shape != x.shape or out.dtype != x.dtype):
                raise bad_parameter("out", f"an array of shape {x.shape} and dtype {x.dtype}",
                                    f"{out.shape} {out.dtype}", cls=ShapeError)
            return g, self.views(g)
        blocks: list[list[Any]] = [[] for _ in self.layers]
        for s in self.slots:
            blocks[s.layer].append(xp.zeros(s.shape, dtype=x.dtype, device=array_api_compat.device(x)))
        return None, blocks

    def _finish_grad(self, x: Any, g: Any, gviews: list[list[Any]]) -> Any:
        if g is not None:
            return g
        xp = array_api_compat.array_namespace(x)
        return xp.concat([xp.reshape(b, (-1,)) for blocks in gviews for b in blocks])

    def summary(self) -> str:
        """One line per layer with its output shape and parameter count."""
        lines = [f"{self.name}: input {self.input_shape}, {self.dim} parameters"]
        for i, layer in enumerate(self.layers):
            n = sum(s.stop - s.start for s in self.slots if s.layer == i)
            lines.append(f"  {i:2d} {layer!r:<40} -> {layer.out_shape}  ({n})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Sequential(name={self.name!r}, input_shape={self.input_shape}, dim={self.dim})"


def _check_model(model: Any) -> Sequential:
    if not isinstance(model, Sequential):
        raise ParameterError(f"`model` must be a deeprelax.nn.Sequential, got {type(model).__name__}")
    return model
