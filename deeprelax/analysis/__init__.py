"""Analysis of trajectories and networks; returns arrays and frozen results, never plots.

Trajectory statistics of SDE ensembles (stationary density, moments with standard
errors, autocorrelation, rFFT spectra of paths and increments, the probability current
from Stratonovich midpoints, angular momentum / circulation, entropy production) and
convergence-order fits; deep-network Hessian and gradient-noise spectra, and analysis of SGD
weight trajectories (computed by :func:`deeprelax.nn.sgd_trajectory`).
"""

from ._convergence import OrderFit, fit_order, strong_error, weak_error
from ._deepnet import (
    NOISE_MODELS,
    Autocorrelation,
    CirculationPlane,
    IncrementSpectrum,
    MLPArch,
    PlaneCirculation,
    Trajectory,
    increment_spectrum,
    mlp_arch,
    mlp_loss_grad,
    plane_circulation,
    predicted_circulation_plane,
    sgd_trajectory,
    weight_autocorrelation,
)
from ._noise import (
    RANK_RULES,
    NoiseSpectrum,
    minibatch_noise_covariance,
    minibatch_variance_factor,
    noise_covariance,
    noise_rank,
    noise_spectrum,
    noise_spectrum_net,
)
from ._spectra import (
    DEFAULT_THRESHOLDS,
    HessianSpectrum,
    LanczosExtremes,
    SpectralDensity,
    hessian_eigvalsh,
    hvp_linear_operator,
    lanczos_extremes,
    lanczos_tridiagonal,
    slq_density,
    spectrum_summary,
)
from ._trajectory import (
    ACF,
    Current,
    Density,
    Estimate,
    Moments,
    Spectrum,
    angular_momentum,
    autocorrelation,
    entropy_production_rate,
    moments,
    power_spectrum,
    probability_current,
    stationary_density,
)

__all__ = [
    # trajectory statistics and convergence fits (SDE room)
    "Estimate",
    "Density",
    "Moments",
    "ACF",
    "Spectrum",
    "Current",
    "stationary_density",
    "moments",
    "autocorrelation",
    "power_spectrum",
    "probability_current",
    "angular_momentum",
    "entropy_production_rate",
    "OrderFit",
    "fit_order",
    "strong_error",
    "weak_error",
    # Hessian spectra
    "HessianSpectrum",
    "LanczosExtremes",
    "SpectralDensity",
    "DEFAULT_THRESHOLDS",
    "hessian_eigvalsh",
    "spectrum_summary",
    "hvp_linear_operator",
    "lanczos_extremes",
    "lanczos_tridiagonal",
    "slq_density",
    # gradient-noise covariance
    "NoiseSpectrum",
    "RANK_RULES",
    "noise_covariance",
    "noise_spectrum",
    "noise_spectrum_net",
    "noise_rank",
    "minibatch_noise_covariance",
    "minibatch_variance_factor",
    # SGD weight trajectories of small networks
    "Trajectory",
    "NOISE_MODELS",
    "MLPArch",
    "mlp_arch",
    "mlp_loss_grad",
    "sgd_trajectory",
    "IncrementSpectrum",
    "Autocorrelation",
    "PlaneCirculation",
    "increment_spectrum",
    "weight_autocorrelation",
    "plane_circulation",
    "CirculationPlane",
    "predicted_circulation_plane",
]
