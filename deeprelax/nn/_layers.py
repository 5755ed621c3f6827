"""Layers with hand-written backpropagation, per-sample gradients and R-operators.

Every layer works on a batch ``a`` of shape ``(n, ...)`` and on its parameters ``p``,
a list of views into the model's flat parameter vector. Besides ``forward`` and
``backward`` each layer has

``per_sample(p, cache, dy, G, need_da)``
    the gradient of every sample's loss: ``G[k]`` has shape ``(n, *param_shape[k])``
    (outer products of back-propagated deltas and activations, never a loop over
    samples);
``rforward`` / ``rbackward``
    Pearlmutter's R-operator R{·} = d/dt (·)(x + t v) |_{t=0}: the directional
    derivative of the forward activations and of the backward deltas and parameter
    gradients along ``v`` (``rp`` are the views of ``v``). For the bilinear layers
    (dense, convolution, batch norm with fixed statistics) R{·} follows from the
    product rule; for the piecewise-linear ones (ReLU, max pooling, dropout with a
    fixed mask) the mask does not move, so R{·} applies the same mask.

``ra is None`` stands for an activation that does not depend on the parameters (the
input batch). Derivatives (``per_sample``, ``rforward``, ``rbackward``) are defined in
evaluation mode only: dropout off and batch norm with fixed statistics, where the
loss is a sum of per-sample losses.

References
----------
B. A. Pearlmutter, "Fast exact multiplication by the Hessian", Neural Computation 6
(1994) 147-160.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import array_api_compat
import numpy as np

from .._core import ParameterError, ShapeError
from .._core._validate import check_float, check_int
from . import _kernels as K

#: Largest layer width / channel count / kernel size accepted (a typo such as 1e9 units would exhaust memory).
MAX_SIZE = 2**24

__all__ = ["Layer", "Dense", "Conv2d", "MaxPool2d", "AvgPool2d", "ReLU", "Dropout", "BatchNorm",
           "Flatten"]

#: Default batch-norm epsilon (PyTorch's).
BN_EPS = 1e-5


@dataclass
class Ctx:
    """Per-call state of a forward pass.

    ``dropout``: apply dropout masks (train mode); ``bn_batch``: batch norm uses batch
    statistics (train mode) instead of ``stats``; ``record``: collect the batch
    statistics of every batch-norm layer.
    """

    xp: Any
    dropout: bool = False
    bn_batch: bool = False
    rng: np.random.Generator | None = None
    stats: list[tuple[Any, Any]] | None = None
    record: list[tuple[Any, Any]] | None = None
    stop_at_bn: int = -1


def _is_np(a: Any) -> bool:
    return isinstance(a, np.ndarray)


def _mm_into(xp: Any, A: Any, B: Any, dst: Any, add: Any = None) -> None:
    """``dst[...] = A @ B (+ add)``, straight into ``dst`` for numpy."""
    if _is_np(dst) and _is_np(A):
        np.matmul(A, B, out=dst)
        if add is not None:
            dst += add
    else:
        dst[...] = A @ B if add is None else A @ B + add


def _need_numpy(layer: str, a: Any) -> None:
    if not _is_np(a):
        raise ParameterError(f"`{layer}` runs Numba kernels and needs numpy arrays, got "
                             f"{type(a).__name__}; use dense layers only for other array libraries")


class Layer:
    """Base class: a layer without parameters that passes its input through."""

    param_names: tuple[str, ...] = ()

    def build(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Fix the input shape (one sample); return the output shape."""
        self.in_shape = tuple(in_shape)
        self.out_shape = self._out_shape(self.in_shape)
        return self.out_shape

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        return in_shape

    @property
    def param_shapes(self) -> tuple[tuple[int, ...], ...]:
        return ()

    def init_params(self, rng: np.random.Generator, params: list[np.ndarray]) -> None:
        """Fill the parameter views in place (PyTorch's default initialisation)."""

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        return a, None

    def backward(self, p: list, cache: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        return dy

    def per_sample(self, p: list, cache: Any, dy: Any, G: list, need_da: bool) -> Any:
        return self.backward(p, cache, dy, None, need_da)

    def rforward(self, p: list, rp: list, cache: Any, ra: Any) -> tuple[Any, Any]:
        return (None if ra is None else self.forward(p, ra, Ctx(xp=None))[0]), None

    def rbackward(self, p: list, rp: list, cache: Any, rcache: Any, dy: Any, rdy: Any,
                  rgp: list | None, need_da: bool) -> Any:
        return self.backward(p, cache, rdy, None, need_da)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _uniform(rng: np.random.Generator, view: np.ndarray, bound: float) -> None:
    view[...] = rng.uniform(-bound, bound, size=view.shape)


class Dense(Layer):
    """Affine layer ``y = a W + b``, ``W`` of shape ``(n_in, n_out)``, ``b`` of shape ``(n_out,)``."""

    param_names = ("W", "b")

    def __init__(self, n_in: int, n_out: int) -> None:
        self.n_in = check_int("n_in", n_in, low=1, high=MAX_SIZE)
        self.n_out = check_int("n_out", n_out, low=1, high=MAX_SIZE)

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        if in_shape != (self.n_in,):
            raise ShapeError(f"Dense({self.n_in}, {self.n_out}) needs inputs of shape ({self.n_in},), "
                             f"got {in_shape}; insert Flatten() or fix n_in")
        return (self.n_out,)

    @property
    def param_shapes(self) -> tuple[tuple[int, ...], ...]:
        return ((self.n_in, self.n_out), (self.n_out,))

    def init_params(self, rng: np.random.Generator, params: list[np.ndarray]) -> None:
        # PyTorch's nn.Linear default: kaiming_uniform(a=√5) on W is U(±1/√fan_in), and the
        # bias uses the same bound
        bound = 1.0 / np.sqrt(self.n_in)
        _uniform(rng, params[0], bound)
        _uniform(rng, params[1], bound)

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        return a @ p[0] + p[1], a

    def backward(self, p: list, a: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        xp = array_api_compat.array_namespace(dy)
        if gp is not None:
            _mm_into(xp, a.T, dy, gp[0])
            gp[1][...] = xp.sum(dy, axis=0)
        return dy @ p[0].T if need_da else None

    def per_sample(self, p: list, a: Any, dy: Any, G: list, need_da: bool) -> Any:
        if _is_np(G[0]):  # the outer products a_i δ_iᵀ straight into the output rows
            np.multiply(a[:, :, None], dy[:, None, :], out=G[0])
        else:
            G[0][...] = a[:, :, None] * dy[:, None, :]
        G[1][...] = dy
        return dy @ p[0].T if need_da else None

    def rforward(self, p: list, rp: list, a: Any, ra: Any) -> tuple[Any, Any]:
        ry = a @ rp[0] + rp[1]
        return (ry if ra is None else ry + ra @ p[0]), None

    def rbackward(self, p: list, rp: list, a: Any, ra: Any, dy: Any, rdy: Any, rgp: list | None,
                  need_da: bool) -> Any:
        xp = array_api_compat.array_namespace(dy)
        if rgp is not None:
            _mm_into(xp, a.T, rdy, rgp[0], None if ra is None else ra.T @ dy)
            rgp[1][...] = xp.sum(rdy, axis=0)
        return rdy @ p[0].T + dy @ rp[0].T if need_da else None

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out})"


class ReLU(Layer):
    """``y = max(a, 0)``."""

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        xp = array_api_compat.array_namespace(a)
        # strict a > 0: the derivative at 0 is taken as 0, as in PyTorch's ReLU backward
        mask = xp.astype(a > 0, a.dtype)
        return a * mask, mask

    def backward(self, p: list, mask: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        return dy * mask if need_da else None

    def rforward(self, p: list, rp: list, mask: Any, ra: Any) -> tuple[Any, Any]:
        return (None if ra is None else ra * mask), None

    def rbackward(self, p: list, rp: list, mask: Any, rcache: Any, dy: Any, rdy: Any,
                  rgp: list | None, need_da: bool) -> Any:
        return rdy * mask if need_da else None


class Dropout(Layer):
    """Inverted dropout: in train mode ``y = a * m / (1 - rate)``, ``m ~ Bernoulli(1 - rate)``;
    identity in eval mode."""

    def __init__(self, rate: float) -> None:
        self.rate = check_float("rate", rate, low=0.0, high=1.0, high_inclusive=False,
                                fix="pass a dropout probability in [0, 1)")

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        if not ctx.dropout or self.rate == 0.0:
            return a, None
        if ctx.rng is None:
            raise ParameterError("train-mode dropout needs `rng`, got None; pass a "
                                 "numpy.random.Generator (or train=False)")
        dt = np.float32 if a.dtype == ctx.xp.float32 else np.float64
        u = ctx.rng.random(tuple(a.shape), dtype=dt)
        # keep with probability 1 − rate and scale by 1/(1 − rate) now ("inverted"), so that
        # E[y] = a and eval mode is the identity
        mask = (u >= self.rate).astype(dt) * dt(1.0 / (1.0 - self.rate))
        if not _is_np(a):
            mask = ctx.xp.asarray(mask, device=array_api_compat.device(a))
        return a * mask, mask

    def backward(self, p: list, mask: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        if not need_da:
            return None
        return dy if mask is None else dy * mask

    def rforward(self, p: list, rp: list, mask: Any, ra: Any) -> tuple[Any, Any]:
        return (ra if mask is None or ra is None else ra * mask), None

    def rbackward(self, p: list, rp: list, mask: Any, rcache: Any, dy: Any, rdy: Any,
                  rgp: list | None, need_da: bool) -> Any:
        return self.backward(p, mask, rdy, None, need_da)

    def __repr__(self) -> str:
        return f"Dropout({self.rate})"


class Flatten(Layer):
    """``(n, ...) -> (n, prod(...))``."""

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(in_shape)),)

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        xp = array_api_compat.array_namespace(a)
        return xp.reshape(a, (a.shape[0], -1)), None

    def backward(self, p: list, cache: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        if not need_da:
            return None
        xp = array_api_compat.array_namespace(dy)
        return xp.reshape(dy, (dy.shape[0], *self.in_shape))

    def rforward(self, p: list, rp: list, cache: Any, ra: Any) -> tuple[Any, Any]:
        return (None if ra is None else self.forward(p, ra, Ctx(xp=None))[0]), None


@dataclass
class _BNCache:
    xhat: Any
    invstd: Any
    batch: bool
    axes: tuple[int, ...] = field(default=())


class BatchNorm(Layer):
    """Batch normalisation over the batch (and spatial) axes of ``(n, C)`` or ``(n, C, H, W)``.

    ``y = gamma * (a - m) / sqrt(v + eps) + beta`` with ``m, v`` the batch mean and
    (biased) variance in train mode, and fixed statistics in eval mode (see
    :func:`~deeprelax.nn.batch_norm_stats`; no running averages are kept).
    """

    param_names = ("gamma", "beta")

    def __init__(self, n_channels: int, eps: float = BN_EPS) -> None:
        self.C = check_int("n_channels", n_channels, low=1, high=MAX_SIZE)
        self.eps = check_float("eps", eps, low=0.0, low_inclusive=False)
        self.index = -1  # position among the model's batch-norm layers, set by the model

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        if in_shape[0] != self.C or len(in_shape) not in (1, 3):
            raise ShapeError(f"BatchNorm({self.C}) needs inputs of shape ({self.C},) or "
                             f"({self.C}, H, W), got {in_shape}")
        self.axes = (0,) if len(in_shape) == 1 else (0, 2, 3)
        self.bshape = (1, self.C) if len(in_shape) == 1 else (1, self.C, 1, 1)
        return in_shape

    @property
    def param_shapes(self) -> tuple[tuple[int, ...], ...]:
        return ((self.C,), (self.C,))

    def init_params(self, rng: np.random.Generator, params: list[np.ndarray]) -> None:
        params[0][...] = 1.0
        params[1][...] = 0.0

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        xp = array_api_compat.array_namespace(a)
        if ctx.bn_batch:
            # the biased variance (divide by the count), what PyTorch normalises with in
            # train mode; two passes (mean, then squared deviations) avoid E[a²] − E[a]²
            # cancellation
            mean = xp.mean(a, axis=self.axes, keepdims=True)
            var = xp.mean((a - mean) ** 2, axis=self.axes, keepdims=True)
            if ctx.record is not None:
                ctx.record.append((xp.reshape(mean, (self.C,)), xp.reshape(var, (self.C,))))
        else:
            if ctx.stats is None or self.index >= len(ctx.stats):
                raise ParameterError("eval-mode batch norm needs `stats`, got None; pass "
                                     "stats=batch_norm_stats(model, x, X_train)")
            m, v = ctx.stats[self.index]
            mean, var = xp.reshape(m, self.bshape), xp.reshape(v, self.bshape)
        invstd = 1.0 / xp.sqrt(var + self.eps)
        xhat = (a - mean) * invstd
        g, b = xp.reshape(p[0], self.bshape), xp.reshape(p[1], self.bshape)
        return g * xhat + b, _BNCache(xhat, invstd, ctx.bn_batch)

    def backward(self, p: list, c: _BNCache, dy: Any, gp: list | None, need_da: bool) -> Any:
        xp = array_api_compat.array_namespace(dy)
        if gp is not None:
            gp[0][...] = xp.sum(dy * c.xhat, axis=self.axes)
            gp[1][...] = xp.sum(dy, axis=self.axes)
        if not need_da:
            return None
        dxhat = dy * xp.reshape(p[0], self.bshape)
        if not c.batch:
            return dxhat * c.invstd
        # d/da of the batch-normalised xhat (mean and variance depend on a): the standard
        # compact form (Ioffe & Szegedy 2015, arXiv:1502.03167)
        # da = invstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))
        m1 = xp.mean(dxhat, axis=self.axes, keepdims=True)
        m2 = xp.mean(dxhat * c.xhat, axis=self.axes, keepdims=True)
        return (dxhat - m1 - c.xhat * m2) * c.invstd

    def _eval_only(self, c: _BNCache) -> None:
        if c.batch:
            raise ParameterError("per-sample gradients and Hessian-vector products need "
                                 "batch norm in eval mode (fixed statistics)")

    def per_sample(self, p: list, c: _BNCache, dy: Any, G: list, need_da: bool) -> Any:
        self._eval_only(c)
        xp = array_api_compat.array_namespace(dy)
        sp = self.axes[1:]
        G[0][...] = xp.sum(dy * c.xhat, axis=sp) if sp else dy * c.xhat
        G[1][...] = xp.sum(dy, axis=sp) if sp else dy
        return self.backward(p, c, dy, None, need_da)

    def rforward(self, p: list, rp: list, c: _BNCache, ra: Any) -> tuple[Any, Any]:
        self._eval_only(c)
        xp = array_api_compat.array_namespace(c.xhat)
        # R-operator (Pearlmutter 1994) of y = g·(a − m)·invstd + b with fixed m, invstd:
        # R{y} = R{g}·xhat + R{b} + g·invstd·R{a}
        ry = xp.reshape(rp[0], self.bshape) * c.xhat + xp.reshape(rp[1], self.bshape)
        if ra is not None:
            ry = ry + xp.reshape(p[0], self.bshape) * ra * c.invstd
        return ry, None

    def rbackward(self, p: list, rp: list, c: _BNCache, ra: Any, dy: Any, rdy: Any,
                  rgp: list | None, need_da: bool) -> Any:
        xp = array_api_compat.array_namespace(dy)
        if rgp is not None:
            t = rdy * c.xhat if ra is None else rdy * c.xhat + dy * ra * c.invstd
            rgp[0][...] = xp.sum(t, axis=self.axes)
            rgp[1][...] = xp.sum(rdy, axis=self.axes)
        if not need_da:
            return None
        g, rg = xp.reshape(p[0], self.bshape), xp.reshape(rp[0], self.bshape)
        return (rdy * g + dy * rg) * c.invstd

    def __repr__(self) -> str:
        return f"BatchNorm({self.C})"


class Conv2d(Layer):
    """2-D convolution (cross-correlation) by im2col + one GEMM.

    ``W`` has shape ``(C_out, C_in, k, k)``, ``b`` shape ``(C_out,)``; zero padding
    ``padding`` on every side, stride ``stride``.
    """

    param_names = ("W", "b")

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int = 1,
                 padding: int = 0) -> None:
        self.c_in = check_int("c_in", c_in, low=1, high=MAX_SIZE)
        self.c_out = check_int("c_out", c_out, low=1, high=MAX_SIZE)
        self.k = check_int("kernel_size", kernel_size, low=1, high=MAX_SIZE)
        self.stride = check_int("stride", stride, low=1, high=MAX_SIZE)
        self.padding = check_int("padding", padding, low=0, high=MAX_SIZE)

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(in_shape) != 3 or in_shape[0] != self.c_in:
            raise ShapeError(f"Conv2d({self.c_in}, ...) needs inputs of shape ({self.c_in}, H, W), "
                             f"got {in_shape}")
        H, W = in_shape[1] + 2 * self.padding, in_shape[2] + 2 * self.padding
        if H < self.k or W < self.k:
            raise ShapeError(f"Conv2d kernel {self.k} is larger than the padded input {H}x{W}")
        self.Ho, self.Wo = K.out_size(H, self.k, self.stride), K.out_size(W, self.k, self.stride)
        self.Kc = self.c_in * self.k * self.k
        return (self.c_out, self.Ho, self.Wo)

    @property
    def param_shapes(self) -> tuple[tuple[int, ...], ...]:
        return ((self.c_out, self.c_in, self.k, self.k), (self.c_out,))

    def init_params(self, rng: np.random.Generator, params: list[np.ndarray]) -> None:
        # PyTorch's nn.Conv2d default, as Dense: U(±1/√fan_in) with fan_in = C_in·k²
        bound = 1.0 / np.sqrt(self.Kc)
        _uniform(rng, params[0], bound)
        _uniform(rng, params[1], bound)

    def _cols(self, a: np.ndarray) -> np.ndarray:
        _need_numpy("Conv2d", a)
        if self.padding:
            q = self.padding
            a = np.pad(a, ((0, 0), (0, 0), (q, q), (q, q)))
        a = np.ascontiguousarray(a)
        cols = np.empty((a.shape[0], self.Ho * self.Wo, self.Kc), dtype=a.dtype)
        K.im2col(a, self.k, self.k, self.stride, cols)
        return cols

    def _from_cols(self, cols: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        n = cols.shape[0]
        # one GEMM for the whole batch, (n·P, C·k²) @ (C·k², C_out), then back to NCHW
        y = cols.reshape(-1, self.Kc) @ W.reshape(self.c_out, self.Kc).T
        if b is not None:
            y += b
        return np.ascontiguousarray(y.reshape(n, -1, self.c_out).transpose(0, 2, 1)).reshape(
            n, self.c_out, self.Ho, self.Wo)

    def _dyc(self, dy: np.ndarray) -> np.ndarray:
        """``dy`` as ``(n*P, C_out)``, matching the rows of ``cols``."""
        n = dy.shape[0]
        return np.ascontiguousarray(dy.reshape(n, self.c_out, -1).transpose(0, 2, 1)).reshape(
            -1, self.c_out)

    def _to_input(self, dcols: np.ndarray, n: int) -> np.ndarray:
        C, H, W = self.in_shape
        q = self.padding
        da = np.zeros((n, C, H + 2 * q, W + 2 * q), dtype=dcols.dtype)
        K.col2im(dcols.reshape(n, -1, self.Kc), self.k, self.k, self.stride, da)
        return da[:, :, q:q + H, q:q + W] if q else da

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        cols = self._cols(a)
        return self._from_cols(cols, p[0], p[1]), cols

    def backward(self, p: list, cols: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        dyc = self._dyc(dy)
        if gp is not None:
            np.matmul(dyc.T, cols.reshape(-1, self.Kc), out=gp[0].reshape(self.c_out, self.Kc))
            gp[1][...] = dy.sum(axis=(0, 2, 3))
        if not need_da:
            return None
        return self._to_input(dyc @ p[0].reshape(self.c_out, self.Kc), dy.shape[0])

    def per_sample(self, p: list, cols: Any, dy: Any, G: list, need_da: bool) -> Any:
        n = dy.shape[0]
        G[0][...] = np.matmul(dy.reshape(n, self.c_out, -1), cols).reshape(G[0].shape)
        G[1][...] = dy.sum(axis=(2, 3))
        return self.backward(p, cols, dy, None, need_da)

    def rforward(self, p: list, rp: list, cols: Any, ra: Any) -> tuple[Any, Any]:
        ry = self._from_cols(cols, rp[0], rp[1])
        if ra is None:
            return ry, None
        rcols = self._cols(ra)
        return ry + self._from_cols(rcols, p[0], None), rcols

    def rbackward(self, p: list, rp: list, cols: Any, rcols: Any, dy: Any, rdy: Any,
                  rgp: list | None, need_da: bool) -> Any:
        dyc, rdyc = self._dyc(dy), self._dyc(rdy)
        if rgp is not None:
            g = rdyc.T @ cols.reshape(-1, self.Kc)
            if rcols is not None:
                g += dyc.T @ rcols.reshape(-1, self.Kc)
            rgp[0][...] = g.reshape(rgp[0].shape)
            rgp[1][...] = rdy.sum(axis=(0, 2, 3))
        if not need_da:
            return None
        Wm, rWm = p[0].reshape(self.c_out, self.Kc), rp[0].reshape(self.c_out, self.Kc)
        return self._to_input(rdyc @ Wm + dyc @ rWm, dy.shape[0])

    def __repr__(self) -> str:
        return (f"Conv2d({self.c_in}, {self.c_out}, {self.k}, stride={self.stride}, "
                f"padding={self.padding})")


class _Pool(Layer):
    def __init__(self, kernel_size: int, stride: int | None = None) -> None:
        self.k = check_int("kernel_size", kernel_size, low=1, high=MAX_SIZE)
        self.stride = self.k if stride is None else check_int("stride", stride, low=1, high=MAX_SIZE)

    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(in_shape) != 3 or min(in_shape[1:]) < self.k:
            raise ShapeError(f"{type(self).__name__}({self.k}) needs inputs (C, H, W) with H, W >= "
                             f"{self.k}, got {in_shape}")
        C, H, W = in_shape
        return (C, K.out_size(H, self.k, self.stride), K.out_size(W, self.k, self.stride))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.k}, stride={self.stride})"


class MaxPool2d(_Pool):
    """Max pooling over ``k x k`` windows with stride ``stride`` (default ``k``), no padding."""

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        _need_numpy("MaxPool2d", a)
        a = np.ascontiguousarray(a)
        y = np.empty((a.shape[0], *self.out_shape), dtype=a.dtype)
        arg = np.empty(y.shape, dtype=np.int64)
        K.maxpool_forward(a, self.k, self.stride, y, arg)
        return y, arg

    def backward(self, p: list, arg: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        if not need_da:
            return None
        da = np.zeros((dy.shape[0], *self.in_shape), dtype=dy.dtype)
        K.maxpool_backward(np.ascontiguousarray(dy), arg, da)
        return da

    def rforward(self, p: list, rp: list, arg: Any, ra: Any) -> tuple[Any, Any]:
        if ra is None:
            return None, None
        n, C = ra.shape[:2]
        # max pooling is locally a selection: R{y} is R{a} at the forward pass's argmax
        flat = np.take_along_axis(ra.reshape(n, C, -1), arg.reshape(n, C, -1), axis=2)
        return flat.reshape(n, *self.out_shape), None


class AvgPool2d(_Pool):
    """Average pooling over ``k x k`` windows with stride ``stride`` (default ``k``), no padding."""

    def forward(self, p: list, a: Any, ctx: Ctx) -> tuple[Any, Any]:
        _need_numpy("AvgPool2d", a)
        y = np.empty((a.shape[0], *self.out_shape), dtype=a.dtype)
        K.avgpool_forward(np.ascontiguousarray(a), self.k, self.stride, y)
        return y, None

    def backward(self, p: list, cache: Any, dy: Any, gp: list | None, need_da: bool) -> Any:
        if not need_da:
            return None
        da = np.zeros((dy.shape[0], *self.in_shape), dtype=dy.dtype)
        K.avgpool_backward(np.ascontiguousarray(dy), self.k, self.stride, da)
        return da
