"""SDE fixtures: GBM, a state-dependent covariance and the OU pairs, as cached kernels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deeprelax import landscapes
from deeprelax import sde as S
from deeprelax._core import jit


@pytest.fixture
def no_accelerators():
    """Run sdeint on the generic kernels only (the registry of ``sde/_accel.py`` switched off)."""
    from deeprelax.sde._accel import SDE_ACCELERATORS

    with SDE_ACCELERATORS.disabled():
        yield


#: GBM parameters: dx = μ x dt + σ x dW.
MU, SIGMA = 0.5, 0.8


@jit
def gbm_drift(x, p, out):
    for i in range(x.shape[0]):
        out[i] = p[0] * x[i]


@jit
def gbm_diffusion(x, p, out):
    for i in range(x.shape[0]):
        out[i] = p[0] * x[i]


@jit
def general_field(x, p, out):
    # σ [[1 + x₀², ρ], [ρ, 1 + ½ sin²x₁]] with p = [σ, ρ]: symmetric positive definite for
    # |ρ| < 1, so it serves both as a noise factor g(x) and as a covariance D(x)
    out[0, 0] = p[0] * (1.0 + x[0] * x[0])
    out[0, 1] = p[0] * p[1]
    out[1, 0] = p[0] * p[1]
    out[1, 1] = p[0] * (1.0 + 0.5 * math.sin(x[1]) ** 2)


def gbm(calculus: str = "ito", dim: int = 1) -> S.SDE:
    return S.from_kernels(gbm_drift, gbm_diffusion, dim=dim, noise="diagonal", calculus=calculus,
                          drift_params=[MU], diffusion_params=[SIGMA], name=f"gbm_{calculus}")


#: The non-commuting OU pair of PAPERS.md §2.7 and a commuting control.
H_OU = np.array([[1.0, 0.0], [0.0, 4.0]])
D_NONCOMMUTING = np.array([[2.0, 0.6], [0.6, 0.5]])
D_COMMUTING = np.diag([2.0, 0.5])
BETA_OU = 10.0


@pytest.fixture(scope="session")
def ou_noncommuting() -> S.SDE:
    return S.langevin(landscapes.quadratic(H_OU), BETA_OU, D_NONCOMMUTING)


@pytest.fixture(scope="session")
def ou_commuting() -> S.SDE:
    return S.langevin(landscapes.quadratic(H_OU), BETA_OU, D_COMMUTING)


def general(calculus: str = "ito", form: str = "factor") -> S.SDE:
    return S.from_kernels(gbm_drift, general_field, dim=2, noise="general", calculus=calculus,
                          drift_params=[MU], diffusion_params=[SIGMA, 0.4], diffusion_form=form)


def all_sdes() -> dict[str, S.SDE]:
    """One SDE per (noise class, diffusion form, calculus, drift kind) the kernels handle.

    Few distinct (drift, diffusion) kernel pairs on purpose: each pair is one Numba
    specialisation of the ensemble kernel (compile time), while forms, calculi and
    parameters are runtime values.
    """
    quad = landscapes.quadratic(H_OU)
    return {
        "additive-linear": S.langevin(quad, BETA_OU, D_NONCOMMUTING),
        "additive-rank1": S.from_sgd(quad, 0.05, 4, np.array([[1.0, 1.0], [1.0, 1.0]])),
        "additive-field": S.langevin(landscapes.example19(1.5)),
        "diagonal-ito": gbm("ito", 2),
        "diagonal-stratonovich": gbm("stratonovich", 2),
        "diagonal-covariance": S.from_kernels(gbm_drift, gbm_diffusion, dim=2, noise="diagonal",
                                              drift_params=[MU], diffusion_params=[SIGMA],
                                              diffusion_form="covariance"),
        "general-factor": general("ito", "factor"),
        "general-covariance": general("ito", "covariance"),
        "general-stratonovich": general("stratonovich", "factor"),
    }
