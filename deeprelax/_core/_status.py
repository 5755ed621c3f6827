"""The one status of every deeprelax result.

Every result object (``SDESolution``, ``HJSolution``, ``OptimizeResult``, spectra, …)
carries ``status: Status`` and ``message: str``. ``Status`` is a ``str`` enum, so
``result.status == "success"`` and JSON serialisation keep working.

Message convention (one line, in this order): what happened, where (step, time,
path, iteration), what was returned, and what to try. For example::

    "non-finite state at step 43 (t = 0.43, path 7); the states up to step 42 are
    returned; reduce dt or check the drift"

``SUCCESS`` results carry a short summary ("integrated 1000 steps of 500 paths").
"""

from __future__ import annotations

from enum import Enum

__all__ = ["Status"]


class Status(str, Enum):
    """How a computation ended.

    Members
    -------
    SUCCESS
        Finished as asked.
    NONFINITE
        A state, loss or iterate went NaN/inf; the last finite values are returned and
        the message says where it happened.
    MAX_ITER
        An iterative method (Lanczos, a fixed point, a steady-state solve) stopped at its
        iteration cap before meeting its tolerance; the best estimate is returned.
    NOT_CONVERGED
        A method ran to completion but its own convergence check failed (for example a
        residual above tolerance); the values are returned with the measured residual.

    Examples
    --------
    >>> Status.SUCCESS == "success"
    True
    >>> str(Status.NONFINITE)
    'nonfinite'
    """

    SUCCESS = "success"
    NONFINITE = "nonfinite"
    MAX_ITER = "max_iter"
    NOT_CONVERGED = "not_converged"

    def __str__(self) -> str:  # the value, not "Status.SUCCESS", in messages and reports
        return self.value

    @property
    def ok(self) -> bool:
        """``True`` for :attr:`SUCCESS`."""
        return self is Status.SUCCESS
