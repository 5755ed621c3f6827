"""Gradient clipping transforms: element-wise and by norm, in a chain, on replicas."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax._core import DeepRelaxError
from deeprelax.optim import chain, clip, clip_by_global_norm, scale_by_learning_rate


def test_clip_elementwise_bounds_each_coordinate_and_keeps_the_small_ones():
    g = np.array([-7.0, -0.5, 0.0, 4.0, 9.0])
    t = clip(5.0)
    u, _ = t.update(g, t.init(g), g)
    np.testing.assert_array_equal(u, [-5.0, -0.5, 0.0, 4.0, 5.0])
    np.testing.assert_array_equal(g, [-7.0, -0.5, 0.0, 4.0, 9.0])  # input not written


def test_clip_by_global_norm_rescales_only_long_vectors_per_row():
    t = clip_by_global_norm(5.0)
    G = np.array([[6.0, 8.0], [0.3, 0.4], [0.0, 0.0]])
    U, _ = t.update(G, t.init(G), G)
    np.testing.assert_allclose(U, [[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]], rtol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(U[0]), 5.0, rtol=1e-15)
    u, _ = t.update(np.array([6.0, 8.0]), (), None)
    np.testing.assert_allclose(u, [3.0, 4.0], rtol=1e-15)


def test_clip_first_in_a_chain():
    tx = chain(clip(1.0), scale_by_learning_rate(0.1))
    g = np.array([3.0, -0.2])
    u, _ = tx.update(g, tx.init(g), g)
    np.testing.assert_allclose(u, [-0.1, 0.02], rtol=1e-15)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "5", None])
def test_bad_bounds_are_refused_by_name(bad):
    with pytest.raises(DeepRelaxError, match="max_delta"):
        clip(bad)
    with pytest.raises(DeepRelaxError, match="max_norm"):
        clip_by_global_norm(bad)
