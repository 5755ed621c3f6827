"""Numba kernels of convolution and pooling against their numpy twins."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax.nn import _kernels as K

SHAPES = [((2, 3, 7, 7), 3, 1), ((1, 2, 8, 6), 3, 2), ((3, 1, 9, 9), 2, 3), ((2, 2, 5, 5), 5, 1)]
IDS = [f"{s}-k{k}-s{st}" for s, k, st in SHAPES]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(("shape", "k", "s"), SHAPES, ids=IDS)
def test_im2col_and_col2im_match_numpy(shape, k, s, dtype, rng):
    a = rng.standard_normal(shape).astype(dtype)
    ref = K.im2col_numpy(a, k, k, s)
    cols = np.empty(ref.shape, dtype=dtype)
    K.im2col(a, k, k, s, cols)
    np.testing.assert_array_equal(cols, ref)
    c = rng.standard_normal(ref.shape).astype(dtype)
    da = np.zeros(shape, dtype=dtype)
    K.col2im(c, k, k, s, da)
    # sums of up to k*k terms in a different order: round-off ~ k*k*eps*max|c|
    tol = 4 * k * k * np.finfo(dtype).eps * np.abs(c).max()
    np.testing.assert_allclose(da, K.col2im_numpy(c, shape, k, k, s), rtol=0, atol=tol)
    # adjointness <im2col(a), c> = <a, col2im(c)>
    assert np.isclose(np.vdot(ref.astype(np.float64), c), np.vdot(a.astype(np.float64), da), rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize(("shape", "k", "s"), SHAPES, ids=IDS)
def test_pooling_kernels_match_numpy(shape, k, s, dtype, rng):
    a = rng.standard_normal(shape).astype(dtype)
    ym, argm = K.maxpool_forward_numpy(a, k, s)
    y = np.empty(ym.shape, dtype=dtype)
    arg = np.empty(ym.shape, dtype=np.int64)
    K.maxpool_forward(a, k, s, y, arg)
    np.testing.assert_array_equal(y, ym)
    np.testing.assert_array_equal(arg, argm)
    dy = rng.standard_normal(y.shape).astype(dtype)
    da = np.zeros(shape, dtype=dtype)
    K.maxpool_backward(dy, arg, da)
    tol = 4 * k * k * np.finfo(dtype).eps * np.abs(dy).max()
    np.testing.assert_allclose(da, K.maxpool_backward_numpy(dy, arg, shape), rtol=0, atol=tol)
    ya = np.empty(ym.shape, dtype=dtype)
    K.avgpool_forward(a, k, s, ya)
    tol = 4 * k * k * np.finfo(dtype).eps * np.abs(a).max()
    np.testing.assert_allclose(ya, K.avgpool_forward_numpy(a, k, s), rtol=0, atol=tol)
    da = np.zeros(shape, dtype=dtype)
    K.avgpool_backward(dy, k, s, da)
    tol = 4 * k * k * np.finfo(dtype).eps * np.abs(dy).max()
    np.testing.assert_allclose(da, K.avgpool_backward_numpy(dy, k, s, shape), rtol=0, atol=tol)
