"""Bad input gets a clear error naming the parameter, the expectation and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from deeprelax import landscapes
from deeprelax import sde as S
from deeprelax._core import NonFiniteError, NotPSDError, ParameterError, SchemeError, ShapeError

from .conftest import gbm, general


@pytest.fixture(scope="module")
def ou():
    return S.langevin(landscapes.quadratic(np.eye(2)), 1.0)


@pytest.mark.parametrize("dt", [0.0, -0.1, np.nan])
def test_dt_must_be_positive(ou, dt):
    with pytest.raises(ParameterError, match="`dt` must be a positive finite number"):
        S.sdeint(ou, [0.0, 0.0], (0, 1), dt)


def test_non_finite_x0(ou):
    with pytest.raises(NonFiniteError, match="`x0` must be finite"):
        S.sdeint(ou, [0.0, np.inf], (0, 1), 0.1)


def test_non_psd_covariance():
    f = landscapes.quadratic(np.eye(2))
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(NotPSDError, match="`D` must be positive semi-definite.*smallest eigenvalue -1"):
        S.langevin(f, 1.0, bad)
    with pytest.raises(NotPSDError, match="`noise_cov` must be positive semi-definite"):
        S.from_sgd(f, 0.1, 4, bad)
    with pytest.raises(NotPSDError, match="non-negative diagonal"):
        S.langevin(f, 1.0, [1.0, -1.0])


def test_shapes_that_disagree(ou):
    with pytest.raises(ShapeError, match=r"`x0` must have shape \(2,\) or \(n_paths, 2\)"):
        S.sdeint(ou, [0.0, 0.0, 0.0], (0, 1), 0.1)
    with pytest.raises(ShapeError, match=r"`x0` must have shape \(5, 2\)"):
        S.sdeint(ou, np.zeros((4, 2)), (0, 1), 0.1, n_paths=5)
    with pytest.raises(ShapeError, match=r"`D` must have shape \(2, 2\)"):
        S.langevin(landscapes.quadratic(np.eye(2)), 1.0, np.eye(3))
    with pytest.raises(ShapeError, match=r"`dW` must have shape \(n_steps, n_paths, noise_dim\)"):
        S.sdeint(ou, [0.0, 0.0], (0, 1), 0.1, dW=np.zeros((9, 1, 2)))


def test_unknown_scheme_lists_the_valid_ones(ou):
    with pytest.raises(ParameterError, match=r"`scheme` must be one of \['euler_maruyama', 'heun', "
                                             r"'milstein', 'sgd', 'sra1'\], got 'rk4'"):
        S.sdeint(ou, [0.0, 0.0], (0, 1), 0.1, scheme="rk4")


def test_schemes_that_do_not_fit():
    with pytest.raises(SchemeError, match="'milstein' does not support general noise"):
        S.sdeint(general(), [0.1, 0.1], (0, 1), 0.1, scheme="milstein")
    with pytest.raises(SchemeError, match="'sra1' does not support diagonal noise"):
        S.sdeint(gbm(), [1.0], (0, 1), 0.1, scheme="sra1")
    with pytest.raises(SchemeError, match="converges to the Ito solution, but this SDE is "
                                          "Stratonovich"):
        S.sdeint(gbm("stratonovich"), [1.0], (0, 1), 0.1)
    with pytest.raises(SchemeError, match="'heun' converges to the Stratonovich solution"):
        S.sdeint(gbm("ito"), [1.0], (0, 1), 0.1, scheme="heun")
    with pytest.raises(SchemeError, match="scheme 'sgd' needs an SDE built by from_sgd"):
        S.sdeint(gbm(), [1.0], (0, 1), 0.1, scheme="sgd")


def test_sgd_steps_are_the_learning_rate():
    sgd = S.from_sgd(landscapes.quadratic(np.eye(2)), 0.1, 4, np.eye(2))
    with pytest.raises(ParameterError, match="`dt` must equal lr = 0.1"):
        S.sdeint(sgd, [0.0, 0.0], (0, 1), 0.05, scheme="sgd")
    with pytest.raises(ParameterError, match="`n_samples` must be an integer >= batch_size = 4"):
        S.from_sgd(landscapes.quadratic(np.eye(2)), 0.1, 4, np.eye(2), n_samples=2)


def test_t_span_and_save_every(ou):
    with pytest.raises(ParameterError, match="whole number of steps"):
        S.sdeint(ou, [0.0, 0.0], (0, 1), 0.3)
    with pytest.raises(ParameterError, match="`t_span` must be finite"):
        S.sdeint(ou, [0.0, 0.0], (1, 0), 0.1)
    with pytest.raises(ParameterError, match="`save_every` must be an integer >= 1"):
        S.sdeint(ou, [0.0, 0.0], (0, 1), 0.1, save_every=0)


def test_sra1_with_pre_drawn_increments_needs_dz(ou):
    dW, _ = S.brownian_increments(10, 1, 2, 0.1, seed=0)
    with pytest.raises(ParameterError, match="needs the space-time integrals `dZ`"):
        S.sdeint(ou, [0.0, 0.0], (0, 1), 0.1, scheme="sra1", dW=dW)


def test_blow_up_stops_with_nonfinite_status():
    """dx = 500x dt: ×501 per step of Δt = 1; from 1e100 (path 3) it overflows after ≈ 77
    steps, from 1 it stays finite (501¹⁰⁰ ≈ 1e270) over the 100 steps."""
    f = landscapes.quadratic([[-500.0]])
    sde = S.langevin(f, 1e12)
    x0 = np.array([[1.0], [1.0], [1.0], [1e100], [1.0]])
    sol = S.sdeint(sde, x0, (0, 100), 1.0, seed=0, save_every=10)
    assert sol.status == S.NONFINITE == "nonfinite" and not sol.success
    assert sol.nonfinite_path == 3
    assert "path 3 went non-finite at step" in sol.message
    assert 70 < sol.nonfinite_step < 80
    assert not np.all(np.isfinite(sol.x[-1, 3]))
    assert np.all(np.isfinite(sol.x[:, [0, 1, 2, 4]]))
