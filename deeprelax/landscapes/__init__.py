"""Loss landscapes f (with ∇f, ∇²f) and drift fields, compiled with Numba.

Build one from a sympy expression (:func:`from_sympy`, strings parsed safely), from
user Numba functions (:func:`from_numba`), or take one from the catalogue of the
three papers' examples.
"""

from ._base import Landscape, VectorField, batch_matrix, batch_scalar, batch_vector, from_numba
from ._catalogue import double_well, example19, muller_brown, quadratic, relaxation_1d, sharp_wide
from ._sympy import from_sympy, parse_expression

__all__ = [
    "Landscape",
    "VectorField",
    "from_sympy",
    "from_numba",
    "parse_expression",
    "quadratic",
    "double_well",
    "muller_brown",
    "example19",
    "sharp_wide",
    "relaxation_1d",
    "batch_scalar",
    "batch_vector",
    "batch_matrix",
]
