"""Regularity diagnostics of Hamilton–Jacobi relaxations (measured number and bound).

See :mod:`deeprelax.pde._regularity` for the statements; every function returns a
:class:`RegularityCheck`.
"""

from ._regularity import (
    RegularityCheck,
    comparison,
    gauss_smooth,
    lipschitz,
    monotone_in_time,
    nonviscous_bound,
    relaxation_checks,
    semiconcavity,
    viscous_bounds,
    viscous_limit_rate,
)

__all__ = [
    "RegularityCheck",
    "semiconcavity",
    "lipschitz",
    "viscous_bounds",
    "nonviscous_bound",
    "monotone_in_time",
    "viscous_limit_rate",
    "comparison",
    "relaxation_checks",
    "gauss_smooth",
]
