"""solve_hj fast paths: the 2-D plane kernels (serial and threaded) against the generic kernel and the numpy twin."""

import numpy as np
import pytest

from deeprelax.pde import Grid
from deeprelax.pde._hj import PARALLEL_MIN_CELLS, _hj_stage, _hj_stage_generic, _Operator, hj_rhs_numpy


@pytest.mark.parametrize("ham", [0, 1])
@pytest.mark.parametrize("eno", [False, True])
@pytest.mark.parametrize("periodic", [False, True], ids=["neumann", "periodic"])
@pytest.mark.parametrize("shape", [(7, 5), (5, 3), (200, 180)], ids=["small", "narrow", "threaded"])
def test_plane_kernel_bit_identical_to_generic(ham, eno, periodic, shape, rng):
    g = Grid([(-1.0, 1.0), (0.0, 2.0)], shape, periodic=periodic)
    assert (g.size >= PARALLEL_MIN_CELLS) == (shape == (200, 180))
    op = _Operator(g, ham, eno)
    op.alpha = np.array([1.3, 0.7, 0.0])
    u = rng.normal(size=op.shape3)
    u0 = rng.normal(size=op.shape3)
    fast, ref = np.empty_like(u), np.empty_like(u)
    args = (0.3, 0.6, 0.01, *op.nb, op.inv_h, op.alpha, 0.2, ham, eno)
    _hj_stage(u, u0, fast, *args)
    _hj_stage_generic(u, u0, ref, *args)
    np.testing.assert_array_equal(fast, ref)
    e = op.stage(u, u, 0.0, 0.0, 1.0, 0.2).reshape(g.shape)
    name = ("godunov", "lax_friedrichs")[ham], ("upwind1", "eno2")[eno]
    np.testing.assert_allclose(e, hj_rhs_numpy(u.reshape(g.shape), g, 0.2, *name, alpha=[1.3, 0.7]), atol=1e-11)
