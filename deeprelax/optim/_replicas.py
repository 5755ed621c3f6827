"""Elastic-SGD and Parle: n replicas as one ``(n, d)`` array coupled to their mean.

Symbols: X the replicas (n, d), x̄ = mean_a X_a their mean (where the loss is
evaluated), ρ the coupling, γ the scope, μ_a replica a's inner average.

- Elastic-SGD: X_a ← X_a − η[ĝ(X_a) + ρ(X_a − x̄)].
- Parle: each replica runs the Entropy-SGD inner loop (L steps, anchored at X_a);
  then the sync step X_a ← X_a − η[(X_a − μ_a) + ρ(X_a − x̄)] ("scoped", the code),
  or with γ(X_a − μ_a) ("gamma"); γ and ρ grow as (1 + r)^t per sync, capped.

Minibatches: ``objective.loss_and_grad_batch(X, rng)`` when present; otherwise
replica a uses its own child generator ``default_rng(seeds[a])`` with
``seeds = replica_seeds(rng, n)`` drawn once per step (Parle: for all L inner
steps and the inner noise), so with ρ = 0 replica a is exactly an independent run
driven by that child generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .._core import (
    ShapeError,
    array_namespace,
    bad_parameter,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from ._alias import sgd_transform
from ._base import StepInfo, norm
from ._entropy import OUTER_STEPS, InnerLoop, _check_parts
from ._inner import Workspace, inner_options
from ._objective import replica_loss_and_grad, replica_seeds
from ._random import standard_normal
from ._schedules import Schedule, as_schedule, checked, exponential_growth
from ._transforms import GradientTransformation, apply_update

__all__ = ["ReplicaState", "ElasticSGD", "Parle", "elastic_sgd", "parle"]


class ReplicaState(NamedTuple):
    """Replicas X (n, d), the outer transform's state, the step count t."""

    X: Any
    outer: Any
    t: int


def _init_replicas(x0: Any, n: int) -> Any:
    """n copies of the vector x0 as rows, or a copy of the (n, d) array x0."""
    xp = array_namespace(x0)
    if x0.ndim == 1:
        return xp.stack([x0] * n, axis=0)
    if x0.shape[0] != n:
        raise bad_parameter("x0", f"{n} rows (n_replicas) or a single vector", f"shape {x0.shape}",
                            cls=ShapeError)
    return xp.astype(x0, xp.float64, copy=True)


def _mean(X: Any) -> Any:
    return array_namespace(X).mean(X, axis=0)


def _zero(t: int) -> float:
    return 0.0


def _schedule(name: str, value: float | Schedule, rate: float, cap: float | None, cap_name: str,
              positive: bool) -> Schedule:
    """value·(1 + rate)^t capped at ``cap`` (or the caller's schedule); errors name the caller's parameters."""
    if cap is not None:
        cap = check_positive(cap_name, cap)
    if callable(value):
        return value
    as_schedule(name, value, positive)
    if float(value) == 0:
        return _zero
    return exponential_growth(float(value), rate, cap)


@dataclass(frozen=True)
class ElasticSGD:
    """Elastic-SGD on n replicas; build it with :func:`elastic_sgd`."""

    n_replicas: int
    rho: Schedule
    outer: GradientTransformation
    name: str = "elastic_sgd"

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_replicas", check_int("n_replicas", self.n_replicas, low=1))
        _check_parts({"rho": self.rho}, self.outer, "gamma", self.name)

    def init(self, x0: Any) -> ReplicaState:
        X = _init_replicas(x0, self.n_replicas)
        return ReplicaState(X, self.outer.init(X), 0)

    def step(self, state: ReplicaState, objective: Any, rng: np.random.Generator
             ) -> tuple[ReplicaState, StepInfo]:
        rho = checked("rho", self.rho, state.t, positive=False)
        losses, G = replica_loss_and_grad(objective, state.X, rng)
        # the elastic force ρ(X_a − x̄) pulls every replica to the mean (Elastic-SGD of the
        # Parle code: L = 0, the centre variable of EASGD replaced by the replica mean)
        direction = G + rho * (state.X - _mean(state.X)) if rho else G
        info = StepInfo(float(np.mean(losses)), norm(direction), self.n_replicas, rho=rho)
        if not info.finite:  # step contract: nothing moves on a non-finite evaluation
            return state, info
        X, outer = apply_update(self.outer, direction, state.outer, state.X)
        return ReplicaState(X, outer, state.t + 1), info

    def params(self, state: ReplicaState) -> Any:
        return _mean(state.X)


def elastic_sgd(lr: float | Schedule, rho: float | Schedule = 1.0, *, n_replicas: int = 3,
                scoping: float = 0.0, rho_max: float | None = None, momentum: float = 0.0,
                nesterov: bool = False) -> ElasticSGD:
    """Elastic-SGD: n replicas, X_a ← X_a − η[ĝ(X_a) + ρ(X_a − x̄)]; evaluated at x̄.

    Parameters
    ----------
    lr : float or schedule
        η.
    rho : float or schedule
        ρ₀ ≥ 0 (ρ = 0: n independent SGD runs); grows as ρ₀(1 + ``scoping``)^t up to
        ``rho_max``.
    n_replicas : int
        n ≥ 1.
    momentum, nesterov
        Outer momentum.

    References
    ----------
    Zhang, Choromanska, LeCun, "Deep learning with elastic averaging SGD", NeurIPS 2015,
    arXiv:1412.6651; Chaudhari et al., "Parle", arXiv:1707.00424.
    """
    n = check_int("n_replicas", n_replicas, low=1, fix="pass n_replicas >= 1")
    scoping = check_nonnegative("scoping", scoping)
    return ElasticSGD(n, _schedule("rho", rho, scoping, rho_max, "rho_max", positive=False),
                      sgd_transform(lr, momentum, nesterov))


@dataclass(frozen=True)
class Parle:
    """Parle on n replicas; build it with :func:`parle`."""

    n_replicas: int
    inner: InnerLoop
    gamma: Schedule
    rho: Schedule
    outer: GradientTransformation
    outer_step: str = "scoped"
    name: str = "parle"

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_replicas", check_int("n_replicas", self.n_replicas, low=1))
        if not isinstance(self.inner, InnerLoop):
            raise bad_parameter("inner", "an InnerLoop", type(self.inner).__name__)
        _check_parts({"gamma": self.gamma, "rho": self.rho}, self.outer, self.outer_step, self.name)
        object.__setattr__(self, "_work", Workspace())   # the inner loop's scratch, reused

    def init(self, x0: Any) -> ReplicaState:
        X = _init_replicas(x0, self.n_replicas)
        return ReplicaState(X, self.outer.init(X), 0)

    def _streams(self, objective: Any, rng: np.random.Generator) -> tuple[Any, Any]:
        batch = getattr(objective, "loss_and_grad_batch", None)
        if batch is not None:
            return (lambda X: batch(X, rng)), (lambda shape, like: standard_normal(rng, shape, like))
        gens = [np.random.default_rng(int(s)) for s in replica_seeds(rng, self.n_replicas)]

        def sample(X: Any) -> tuple[np.ndarray, Any]:
            out = [objective.loss_and_grad(X[a, ...], gens[a]) for a in range(X.shape[0])]
            return np.array([o[0] for o in out]), array_namespace(X).stack([o[1] for o in out])

        def normal(shape: tuple[int, ...], like: Any) -> Any:
            rows = [standard_normal(gens[a], shape[1:], like[a, ...]) for a in range(shape[0])]
            return array_namespace(like).stack(rows)

        return sample, normal

    def step(self, state: ReplicaState, objective: Any, rng: np.random.Generator
             ) -> tuple[ReplicaState, StepInfo]:
        gamma = checked("gamma", self.gamma, state.t)
        rho = checked("rho", self.rho, state.t, positive=False)
        sample, normal = self._streams(objective, rng)
        res = self.inner.run(state.X, gamma, sample, normal, self._work)
        # Parle's sync step: the local-entropy direction of each replica (X_a − μ_a, or
        # γ(X_a − μ_a)) plus the elastic pull to the mean (the outer step of parle_mpi.py)
        direction = -gamma * res.mu_offset if self.outer_step == "gamma" else -res.mu_offset
        if rho:
            direction = direction + rho * (state.X - _mean(state.X))
        info = StepInfo(float(np.mean(res.loss)), norm(direction),
                        self.n_replicas * res.n_grad_evals, gamma, rho, res.coupling)
        if not info.finite:
            return state, info
        X, outer = apply_update(self.outer, direction, state.outer, state.X)
        return ReplicaState(X, outer, state.t + 1), info

    def params(self, state: ReplicaState) -> Any:
        return _mean(state.X)


def parle(lr: float | Schedule, gamma: float | Schedule = 0.01, rho: float | Schedule = 1.0, *,
          n_replicas: int = 3, n_inner: int = 25, inner_lr: float = 0.1, noise: float = 0.0,
          alpha: float = 0.25, noise_convention: str = "paper", outer_step: str = "scoped",
          scoping: float = 0.0, gamma_max: float | None = 1.0, rho_max: float | None = 10.0,
          momentum: float = 0.0, nesterov: bool = False, inner_momentum: float = 0.0,
          inner_nesterov: bool = False, avg_burn_in: int = 0) -> Parle:
    """Parle: replicas running Entropy-SGD inner loops, coupled to their mean every L steps.

    Per sync step t: each replica a runs L inner steps anchored at X_a (the
    :func:`entropy_sgd` inner loop, averaging weight α), then
    X_a ← X_a − η[(X_a − μ_a) + ρ_t(X_a − x̄)] ("scoped"; γ_t(X_a − μ_a) with
    "gamma"), with γ_t = min(γ₀(1 + r)^t, γ_max) and ρ_t = min(ρ₀(1 + r)^t, ρ_max),
    r = ``scoping`` (the code: r = 0.5/(N/b) per sync, caps 1 and 10). Evaluated at x̄.
    ``avg_burn_in`` starts each replica's inner average after k steps (see
    :func:`entropy_sgd`); ``StepInfo.coupling`` is the inner loop's coupling diagnostic
    with norms over all replicas' entries (the ratio of RMS norms).

    Special cases (exact, tested): ρ = 0 is n independent Entropy-SGD runs (child
    generators as in the module docstring); n = 1 is Entropy-SGD for any ρ
    (x̄ = X); L = 1, ε = 0, α = 1 is Elastic-SGD with rate ηη′ and coupling ρ/η′
    ("scoped").

    References
    ----------
    P. Chaudhari, C. Baldassi, R. Zecchina, S. Soatto, A. Talwalkar, A. Oberman,
    "Parle: parallelizing stochastic gradient descent", arXiv:1707.00424;
    ucla-vision/parle (defaults n = 3, L = 25, η′ = 0.1, γ₀ = 0.01).
    """
    n = check_int("n_replicas", n_replicas, low=1, fix="pass n_replicas >= 1")
    check_choice("outer_step", outer_step, OUTER_STEPS)
    scoping = check_nonnegative("scoping", scoping)
    inner = InnerLoop(n_inner, inner_lr, noise, alpha, noise_convention,
                      *inner_options(inner_momentum, inner_nesterov, 0.0), avg_burn_in)
    return Parle(n, inner, _schedule("gamma", gamma, scoping, gamma_max, "gamma_max", positive=True),
                 _schedule("rho", rho, scoping, rho_max, "rho_max", positive=False),
                 sgd_transform(lr, momentum, nesterov), outer_step)
