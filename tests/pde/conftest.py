"""Fixtures of the PDE room's tests."""

import numpy as np
import pytest

from deeprelax.landscapes import relaxation_1d
from deeprelax.pde import Grid


@pytest.fixture(scope="module")
def grid1() -> Grid:
    return Grid((-3.0, 3.0), 300)


@pytest.fixture(scope="module")
def f_nonconvex(grid1: Grid) -> np.ndarray:
    """x² + 1.5 sin 2πx + smoothed noise on [−3, 3] (Deep Relaxation's 1-D example)."""
    return relaxation_1d(noise=0.5).value(grid1.points)


@pytest.fixture
def no_accelerators():
    """Run solve_hj and hopf_lax on their generic kernels only (the accelerator registries switched off)."""
    from deeprelax.pde._hj import HJ_ACCELERATORS
    from deeprelax.pde._hopf_lax import HOPF_LAX_ACCELERATORS

    with HJ_ACCELERATORS.disabled(), HOPF_LAX_ACCELERATORS.disabled():
        yield
