"""Hamilton–Jacobi relaxations, local entropy and Fokker–Planck on grids.

- :class:`Grid`: uniform cell-centred grids in 1-3 D (periodic or reflecting axes).
- :func:`cole_hopf`: exact viscous HJ solution u = −β⁻¹ log(G ∗ e^{−βf}), log space.
- :func:`hopf_lax`: exact non-viscous solution min_y f(y) + |x − y|²/2t (linear time).
- :func:`solve_hj`: finite-difference HJ solver (Godunov / Lax–Friedrichs, SSP-RK, IMEX; an optional
  drift b(x)·∇u; a pseudo-spectral ETDRK4 option for smooth periodic problems).
- :func:`local_entropy`: Entropy-SGD's F(x, γ) = −u(x, 1/γ) + const and its gradient.
- :mod:`deeprelax.pde.regularity`: semiconcavity, Lipschitz, bounds, rates (measured vs bound).
- :func:`stationary_fp`, :func:`solve_fp`: finite-volume Fokker–Planck for a
  :class:`deeprelax.sde.SDE` (stationary density, Φ, current; transient with free energy).

References: Chaudhari et al., arXiv:1611.01838; Chaudhari & Soatto, arXiv:1710.11029;
Chaudhari, Oberman, Osher, Soatto & Carlier, arXiv:1704.04932.
"""

from . import _hj_accel, _hopf_lax_accel, regularity  # noqa: F401  (the accel modules register kernels)
from ._cole_hopf import ColeHopfResult, cole_hopf
from ._fokker_planck import (
    FP_SCHEMES,
    ForceSplit,
    FPOperator,
    FPResult,
    StationaryFPResult,
    force_split,
    fp_operator,
    free_energy,
    solve_fp,
    stationary_fp,
)
from ._grid import Grid
from ._grid_landscape import grid_landscape
from ._hj import HJ_SCHEMES, HJResult, solve_hj
from ._hopf_lax import HopfLaxResult, hopf_lax
from ._local_entropy import LocalEntropyResult, local_entropy

__all__ = [
    "Grid",
    "cole_hopf",
    "ColeHopfResult",
    "hopf_lax",
    "HopfLaxResult",
    "solve_hj",
    "HJResult",
    "HJ_SCHEMES",
    "local_entropy",
    "LocalEntropyResult",
    "regularity",
    "stationary_fp",
    "StationaryFPResult",
    "solve_fp",
    "FPResult",
    "FP_SCHEMES",
    "fp_operator",
    "FPOperator",
    "force_split",
    "ForceSplit",
    "free_energy",
    "grid_landscape",
]
