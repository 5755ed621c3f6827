"""Closed forms and brute-force oracles that check the numerical rooms.

Never computed by the code they check: OU stationary covariance, Φ, Q and the
current (Chaudhari & Soatto 2018); the exact Euler–Maruyama moment recursions;
Gibbs densities; the local entropy of quadratics and by 1-D quadrature (Entropy-SGD);
O(n²) Hopf–Lax and Cole–Hopf oracles (Deep Relaxation).
"""

from ._example19 import (
    example19_angular_momentum,
    example19_bin_probabilities,
    example19_current,
    example19_density,
    example19_partition,
)
from ._gibbs import (
    cole_hopf_brute,
    gibbs_density,
    hopf_lax_brute,
    local_entropy_hessian_quadratic,
    local_entropy_quadratic,
    local_entropy_quadrature,
)
from ._optim import local_entropy_quadrature_2d, proximal_point_brute
from ._ou import (
    commutator,
    detailed_balance,
    em_cov,
    em_mean,
    em_stationary_cov,
    ou_angular_momentum,
    ou_current,
    ou_entropy_production,
    ou_potential_matrix,
    ou_Q,
    ou_stationary_cov,
)

__all__ = [
    "ou_stationary_cov",
    "ou_potential_matrix",
    "ou_Q",
    "ou_current",
    "ou_angular_momentum",
    "commutator",
    "detailed_balance",
    "em_mean",
    "em_cov",
    "em_stationary_cov",
    "gibbs_density",
    "local_entropy_quadrature",
    "local_entropy_quadratic",
    "local_entropy_hessian_quadratic",
    "hopf_lax_brute",
    "cole_hopf_brute",
    "local_entropy_quadrature_2d",
    "proximal_point_brute",
    "ou_entropy_production",
    "example19_partition",
    "example19_density",
    "example19_bin_probabilities",
    "example19_current",
    "example19_angular_momentum",
]
