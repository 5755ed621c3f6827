"""Small float64 models covering every layer, and a finite-difference oracle."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from deeprelax import nn

#: Central-difference step for float64 gradients of O(1) losses (error ~ h² f''' + eps/h).
FD_STEP = 1e-5


def fd_grad(f: Callable[[np.ndarray], float], x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Central differences of scalar ``f`` at ``x`` along the coordinates ``idx``."""
    out = np.empty(idx.size)
    for k, i in enumerate(idx):
        e = np.zeros_like(x)
        e[i] = FD_STEP
        out[k] = (f(x + e) - f(x - e)) / (2 * FD_STEP)
    return out


def fd_jvp(g: Callable[[np.ndarray], np.ndarray], x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Central difference of the vector function ``g`` along ``v``."""
    return (g(x + FD_STEP * v) - g(x - FD_STEP * v)) / (2 * FD_STEP)


def _models() -> dict[str, nn.Sequential]:
    S = nn.Sequential
    return {
        "dense": nn.mlp((6,), (5, 4), 3),
        "dense_bn": nn.mlp((6,), (5,), 3, batch_norm=True),
        "conv_maxpool_pad": S([nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Flatten(), nn.Dense(3 * 3 * 3, 4)], (2, 6, 6)),
        "conv_stride_avgpool": S([nn.Conv2d(1, 2, 3, stride=2), nn.ReLU(),
                                  nn.AvgPool2d(2, stride=1), nn.Flatten(), nn.Dense(2 * 2 * 2, 3)],
                                 (1, 7, 7)),
        "conv_bn_maxpool3": S([nn.Conv2d(1, 3, 3), nn.BatchNorm(3), nn.ReLU(), nn.MaxPool2d(3),
                               nn.Flatten(), nn.Dense(3 * 2 * 2, 5), nn.BatchNorm(5), nn.ReLU(),
                               nn.Dense(5, 3)], (1, 8, 8)),
    }


MODEL_NAMES = list(_models())


@pytest.fixture(params=MODEL_NAMES)
def case(request: pytest.FixtureRequest) -> tuple[nn.Sequential, np.ndarray, np.ndarray, np.ndarray]:
    """(model, x, X, y) with a random point and a batch of 7 samples."""
    model = _models()[request.param]
    rng = np.random.default_rng(sum(map(ord, request.param)))
    x = model.init(rng) + 0.1 * rng.standard_normal(model.dim)
    X = rng.standard_normal((7, *model.input_shape))
    y = rng.integers(0, model.n_classes, size=7)
    return model, x, X, y
