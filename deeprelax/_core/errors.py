"""Exception classes of deeprelax.

Every error raised for bad input is a :class:`ValueError` subclass, so callers who
catch ``ValueError`` keep working, and its message follows scipy's form: the
parameter, what was expected, what was got, and the fix.
"""

from __future__ import annotations

__all__ = [
    "DeepRelaxError",
    "ParameterError",
    "ShapeError",
    "NotPSDError",
    "SchemeError",
    "CFLError",
    "NonFiniteError",
    "DataError",
    "bad_parameter",
]


class DeepRelaxError(ValueError):
    """Base class of every deeprelax input error."""


class ParameterError(DeepRelaxError):
    """A scalar or option has a value outside its allowed range or set."""


class ShapeError(DeepRelaxError):
    """Array shapes disagree with each other or with the declared dimension."""


class NotPSDError(DeepRelaxError):
    """A covariance / diffusion matrix is not symmetric positive semi-definite."""


class SchemeError(DeepRelaxError):
    """A numerical scheme does not fit the problem (wrong calculus, noise class, ...)."""


class CFLError(DeepRelaxError):
    """An explicit time step exceeds the stability (CFL) bound."""


class NonFiniteError(DeepRelaxError):
    """An input holds NaN or infinity, or a computation went non-finite."""


class DataError(DeepRelaxError):
    """A data file is missing, truncated or has the wrong format."""


def bad_parameter(
    name: str, expected: str, got: object, fix: str = "", cls: type[DeepRelaxError] = ParameterError
) -> DeepRelaxError:
    """Build an error in the house form ``name: expected ..., got ...; fix``.

    Examples
    --------
    >>> raise bad_parameter("dt", "a positive float", -1.0, "pass dt > 0")
    Traceback (most recent call last):
    ...
    deeprelax._core.errors.ParameterError: `dt` must be a positive float, got -1.0; pass dt > 0
    """
    msg = f"`{name}` must be {expected}, got {got!r}"
    if fix:
        msg += f"; {fix}"
    return cls(msg)
