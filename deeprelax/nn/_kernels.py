"""Numba kernels of the convolution and pooling layers, each with a numpy twin.

Layout is NCHW. Symbols: ``a`` input ``(n, C, H, W)``; ``kh, kw`` window; ``s``
stride; ``Ho = (H - kh) // s + 1`` (no padding here: the driver pads);
``cols`` the im2col matrix ``(n, Ho*Wo, C*kh*kw)`` whose column index is
``(c*kh + i)*kw + j``, matching ``W.reshape(C_out, C*kh*kw)``.

The twins (``*_numpy``) are slow, obviously correct references for the tests.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._core import jit

__all__ = ["im2col", "col2im", "maxpool_forward", "maxpool_backward", "avgpool_forward",
           "avgpool_backward", "im2col_numpy", "col2im_numpy", "maxpool_forward_numpy",
           "maxpool_backward_numpy", "avgpool_forward_numpy", "avgpool_backward_numpy",
           "out_size"]


def out_size(h: int, k: int, s: int) -> int:
    """Output side of a valid window of size ``k`` and stride ``s`` on side ``h``."""
    return (h - k) // s + 1


@jit
def im2col(a, kh, kw, s, cols):  # pragma: no cover - compiled
    n, C, H, W = a.shape
    Wo = (W - kw) // s + 1
    P = cols.shape[1]
    for b in range(n):
        for p in range(P):
            oy = (p // Wo) * s
            ox = (p % Wo) * s
            q = 0
            for c in range(C):
                for i in range(kh):
                    for j in range(kw):
                        cols[b, p, q] = a[b, c, oy + i, ox + j]
                        q += 1


@jit
def col2im(cols, kh, kw, s, da):  # pragma: no cover - compiled
    """``da += col2im(cols)``: the adjoint of :func:`im2col` (overlapping windows add)."""
    n, C, H, W = da.shape
    Wo = (W - kw) // s + 1
    P = cols.shape[1]
    for b in range(n):
        for p in range(P):
            oy = (p // Wo) * s
            ox = (p % Wo) * s
            q = 0
            for c in range(C):
                for i in range(kh):
                    for j in range(kw):
                        da[b, c, oy + i, ox + j] += cols[b, p, q]
                        q += 1


@jit
def maxpool_forward(a, k, s, y, arg):  # pragma: no cover - compiled
    """``y`` = window maxima ``(n, C, Ho, Wo)``; ``arg`` = flat index ``iy*W + ix`` of each
    maximum (first one on ties)."""
    n, C, H, W = a.shape
    Ho, Wo = y.shape[2], y.shape[3]
    for b in range(n):
        for c in range(C):
            for oy in range(Ho):
                for ox in range(Wo):
                    best = a[b, c, oy * s, ox * s]
                    bi = (oy * s) * W + ox * s
                    for i in range(k):
                        for j in range(k):
                            v = a[b, c, oy * s + i, ox * s + j]
                            # strict >: the first maximum in row-major window order wins,
                            # as numpy's argmax in the twin, so both route the gradient alike
                            if v > best:
                                best = v
                                bi = (oy * s + i) * W + ox * s + j
                    y[b, c, oy, ox] = best
                    arg[b, c, oy, ox] = bi


@jit
def maxpool_backward(dy, arg, da):  # pragma: no cover - compiled
    """``da[b, c].flat[arg] += dy`` (``da`` zeroed by the caller)."""
    n, C, Ho, Wo = dy.shape
    W = da.shape[3]
    for b in range(n):
        for c in range(C):
            for oy in range(Ho):
                for ox in range(Wo):
                    q = arg[b, c, oy, ox]
                    # += : with stride < k overlapping windows can select the same cell
                    da[b, c, q // W, q % W] += dy[b, c, oy, ox]


@jit
def avgpool_forward(a, k, s, y):  # pragma: no cover - compiled
    n, C, H, W = a.shape
    Ho, Wo = y.shape[2], y.shape[3]
    inv = 1.0 / (k * k)
    for b in range(n):
        for c in range(C):
            for oy in range(Ho):
                for ox in range(Wo):
                    acc = 0.0
                    for i in range(k):
                        for j in range(k):
                            acc += a[b, c, oy * s + i, ox * s + j]
                    y[b, c, oy, ox] = acc * inv


@jit
def avgpool_backward(dy, k, s, da):  # pragma: no cover - compiled
    """``da += `` adjoint of :func:`avgpool_forward` (``da`` zeroed by the caller)."""
    n, C, Ho, Wo = dy.shape
    inv = 1.0 / (k * k)
    for b in range(n):
        for c in range(C):
            for oy in range(Ho):
                for ox in range(Wo):
                    g = dy[b, c, oy, ox] * inv
                    for i in range(k):
                        for j in range(k):
                            da[b, c, oy * s + i, ox * s + j] += g


# ----------------------------------------------------------------------------- numpy twins


def _windows(a: np.ndarray, kh: int, kw: int, s: int) -> np.ndarray:
    """View ``(n, C, Ho, Wo, kh, kw)`` of all windows."""
    return sliding_window_view(a, (kh, kw), axis=(2, 3))[:, :, ::s, ::s]


def im2col_numpy(a: np.ndarray, kh: int, kw: int, s: int) -> np.ndarray:
    w = _windows(a, kh, kw, s)
    n, C, Ho, Wo = w.shape[:4]
    return w.transpose(0, 2, 3, 1, 4, 5).reshape(n, Ho * Wo, C * kh * kw)


def col2im_numpy(cols: np.ndarray, shape: tuple[int, int, int, int], kh: int, kw: int,
                 s: int) -> np.ndarray:
    n, C, H, W = shape
    Ho, Wo = out_size(H, kh, s), out_size(W, kw, s)
    c6 = cols.reshape(n, Ho, Wo, C, kh, kw)
    da = np.zeros(shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            da[:, :, i:i + s * Ho:s, j:j + s * Wo:s] += c6[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return da


def maxpool_forward_numpy(a: np.ndarray, k: int, s: int) -> tuple[np.ndarray, np.ndarray]:
    w = _windows(a, k, k, s)
    n, C, Ho, Wo = w.shape[:4]
    flat = w.reshape(n, C, Ho, Wo, k * k)
    am = flat.argmax(axis=-1)
    iy = np.arange(Ho)[:, None] * s + am // k
    ix = np.arange(Wo)[None, :] * s + am % k
    return flat.max(axis=-1), iy * a.shape[3] + ix


def maxpool_backward_numpy(dy: np.ndarray, arg: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    n, C, H, W = shape
    da = np.zeros((n, C, H * W), dtype=dy.dtype)
    bi, ci = np.meshgrid(np.arange(n), np.arange(C), indexing="ij")
    # np.add.at accumulates repeated indices (overlapping windows); fancy-index += would
    # keep only one of them
    np.add.at(da, (bi[..., None], ci[..., None], arg.reshape(n, C, -1)), dy.reshape(n, C, -1))
    return da.reshape(shape)


def avgpool_forward_numpy(a: np.ndarray, k: int, s: int) -> np.ndarray:
    return _windows(a, k, k, s).mean(axis=(-2, -1))


def avgpool_backward_numpy(dy: np.ndarray, k: int, s: int, shape: tuple[int, ...]) -> np.ndarray:
    n, C, H, W = shape
    cols = np.repeat(dy.transpose(0, 2, 3, 1)[..., None], k * k, axis=-1) / (k * k)
    Ho, Wo = dy.shape[2], dy.shape[3]
    return col2im_numpy(cols.reshape(n, Ho * Wo, C * k * k), shape, k, k, s)
