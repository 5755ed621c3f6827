"""Array-API optimizers on flat parameter vectors (numpy, cupy, array_api_strict); never jitted.

The objective protocol (``dim``, ``batch_size``, ``n_samples``, ``loss_and_grad(x, rng)``,
``full_loss(x)``, optional ``loss_and_grad_batch(X, rng)``) is documented in
:mod:`deeprelax.optim._objective`.
"""

from ._objective import (
    FunctionObjective,
    NoisyLandscape,
    Objective,
    check_objective,
    replica_loss_and_grad,
    replica_seeds,
)

__all__ = [
    "Objective",
    "NoisyLandscape",
    "FunctionObjective",
    "check_objective",
    "replica_loss_and_grad",
    "replica_seeds",
]
