"""Array-API optimizers on flat parameter vectors (numpy, cupy, array_api_strict).

One verb, :func:`minimize`, runs an optimizer on an objective and reports a
:class:`~deeprelax._core.Status` (``SUCCESS``, or ``NONFINITE`` with the step).
Optimizers are recipes of small optax-shaped transforms (:mod:`._transforms`): SGD,
Adam, SGLD; Entropy-SGD (Algorithm 1 of arXiv:1611.01838, the reference code's
conventions as named options, plus an averaging burn-in) and Entropy-Adam; the
non-viscous HJ / proximal and Hopf–Lax variants (arXiv:1704.04932); Elastic-SGD and
Parle on ``(n, d)`` replicas; SAM / ASAM wrappers.

Updates are in place on the optimizer's own buffers. The rules are generic array-API
code; on numpy float64 the SGD, Adam and Entropy-SGD inner steps run as registered
fused Numba kernels (:mod:`._accel`), bitwise equal to the generic rules.

The objective protocol (``dim``, ``batch_size``, ``n_samples``, ``loss_and_grad(x, rng)``,
``full_loss(x)``, optional ``loss_and_grad_batch(X, rng)``) is documented in
:mod:`deeprelax.optim._objective`.
"""

from ._alias import adam, adam_transform, sgd, sgd_transform, sgld
from ._base import GradientOptimizer, Optimizer, StepInfo
from ._clip import clip, clip_by_global_norm
from ._entropy import (
    NOISE_CONVENTIONS,
    OUTER_STEPS,
    EntropySGD,
    HopfLaxSGD,
    InnerLoop,
    entropy_adam,
    entropy_sgd,
    hj_proximal,
    hopf_lax_sgd,
    inner_temperature,
    local_entropy_grad,
)
from ._minimize import CALLBACK, NONFINITE, SUCCESS, History, OptimizeResult, minimize
from ._objective import (
    FunctionObjective,
    NoisyLandscape,
    Objective,
    check_objective,
    replica_loss_and_grad,
    replica_seeds,
)
from ._replicas import ElasticSGD, Parle, elastic_sgd, parle
from ._sam import SAM, asam, sam
from ._schedules import (
    Schedule,
    as_schedule,
    constant,
    epoch_table,
    exponential_growth,
    piecewise_constant,
    step_drops,
)
from ._transforms import (
    GradientTransformation,
    add_decayed_weights,
    add_langevin_noise,
    chain,
    identity,
    scale,
    scale_by_adam,
    scale_by_learning_rate,
    trace,
)

__all__ = [
    # driver and results
    "minimize",
    "OptimizeResult",
    "History",
    "SUCCESS",
    "NONFINITE",
    "CALLBACK",
    # objectives
    "Objective",
    "NoisyLandscape",
    "FunctionObjective",
    "check_objective",
    "replica_loss_and_grad",
    "replica_seeds",
    # optimizers
    "Optimizer",
    "StepInfo",
    "GradientOptimizer",
    "sgd",
    "adam",
    "sgld",
    "entropy_sgd",
    "entropy_adam",
    "hj_proximal",
    "hopf_lax_sgd",
    "elastic_sgd",
    "parle",
    "sam",
    "asam",
    "EntropySGD",
    "HopfLaxSGD",
    "InnerLoop",
    "ElasticSGD",
    "Parle",
    "SAM",
    "local_entropy_grad",
    "inner_temperature",
    "NOISE_CONVENTIONS",
    "OUTER_STEPS",
    # transforms
    "GradientTransformation",
    "chain",
    "identity",
    "scale",
    "scale_by_learning_rate",
    "trace",
    "add_decayed_weights",
    "scale_by_adam",
    "add_langevin_noise",
    "clip",
    "clip_by_global_norm",
    "sgd_transform",
    "adam_transform",
    # schedules
    "Schedule",
    "as_schedule",
    "constant",
    "step_drops",
    "piecewise_constant",
    "epoch_table",
    "exponential_growth",
]
