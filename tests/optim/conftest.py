"""Fixtures of the optimizer tests: small objectives (numpy twins, no Numba in hot loops)."""

import numpy as np
import pytest

from deeprelax.optim import FunctionObjective


def _rb_value(x):
    return float((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)


def _rb_grad(x):
    import array_api_compat

    xp = array_api_compat.array_namespace(x)
    return xp.stack([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


#: Diagonal Hessian of the test parabola f = ½ Σ hᵢ xᵢ².
PARABOLA_H = (1.0, 4.0, 2.0)


def _par_value(x):
    import array_api_compat

    xp = array_api_compat.array_namespace(x)
    h = xp.asarray(PARABOLA_H, dtype=xp.float64)
    return float(0.5 * xp.sum(h * x * x))


def _par_grad(x):
    import array_api_compat

    xp = array_api_compat.array_namespace(x)
    return xp.asarray(PARABOLA_H, dtype=xp.float64) * x


@pytest.fixture
def rosenbrock():
    return FunctionObjective(_rb_value, _rb_grad, dim=2)


@pytest.fixture
def parabola():
    return FunctionObjective(_par_value, _par_grad, dim=3)


@pytest.fixture
def noisy_parabola():
    return FunctionObjective(_par_value, _par_grad, dim=3, noise_std=0.2, batch_size=4,
                             n_samples=64)


@pytest.fixture
def x0_parabola():
    return np.array([1.0, -1.0, 2.0])
