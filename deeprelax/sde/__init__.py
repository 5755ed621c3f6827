"""SGD as a non-isotropic SDE: the `SDE` spec, Numba-jitted ensembles, the SGD map.

One verb, :func:`sdeint`, integrates an :class:`SDE` built by :func:`langevin`,
:func:`from_sgd`, :func:`ornstein_uhlenbeck` or :func:`from_kernels`; :func:`ensemble` runs
huge ensembles in blocks on any executor (in-process, processes, Dask) in O(block) memory.
Results carry :class:`deeprelax._core.Status`. The Fokker–Planck
solver of :mod:`deeprelax.pde` reads the same spec (``drift_values``,
``diffusion_tensor``, ``ito_drift_values``).
"""

from ._ensemble import EnsembleResult, ensemble
from ._integrate import (
    NONFINITE,
    SUCCESS,
    SDESolution,
    brownian_increments,
    coarsen_increments,
    sdeint,
)
from ._network import GradientNoise, gradient_noise, isotropic_noise, sgd_surrogate
from ._schemes import SCHEMES, Scheme, get_scheme
from ._spec import (
    CALCULI,
    NOISE_CLASSES,
    SDE,
    factor_covariance,
    from_kernels,
    from_sgd,
    langevin,
    ornstein_uhlenbeck,
)

__all__ = [
    "sdeint",
    "ensemble",
    "EnsembleResult",
    "SDESolution",
    "SUCCESS",
    "NONFINITE",
    "SCHEMES",
    "Scheme",
    "get_scheme",
    "brownian_increments",
    "coarsen_increments",
    "SDE",
    "NOISE_CLASSES",
    "CALCULI",
    "langevin",
    "from_sgd",
    "ornstein_uhlenbeck",
    "from_kernels",
    "factor_covariance",
    "GradientNoise",
    "gradient_noise",
    "sgd_surrogate",
    "isotropic_noise",
]
