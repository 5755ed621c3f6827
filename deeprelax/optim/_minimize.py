"""``minimize``: the one driver of the optimizer room; it owns the loop and the history."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import ParameterError, bad_parameter, check_finite, to_numpy
from ._base import StepInfo, check_x0
from ._objective import check_objective

__all__ = ["minimize", "OptimizeResult", "History", "SUCCESS", "NONFINITE", "CALLBACK"]

#: Status values of :class:`OptimizeResult`.
SUCCESS, NONFINITE, CALLBACK = "success", "nonfinite", "callback"


@dataclass(frozen=True)
class History:
    """Per-step records (numpy arrays of length ``n_steps``).

    ``loss`` minibatch loss at the current point; ``grad_norm`` norm of the step's
    direction; ``gamma``, ``rho`` (NaN when unused); ``n_grad_evals`` and
    ``samples`` cumulative; ``wall_time`` cumulative seconds; ``full_loss`` the
    full-batch loss at the evaluation point after the step (NaN except every
    ``eval_every`` steps).
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    gamma: np.ndarray
    rho: np.ndarray
    n_grad_evals: np.ndarray
    samples: np.ndarray
    wall_time: np.ndarray
    full_loss: np.ndarray


@dataclass(frozen=True)
class OptimizeResult:
    """What :func:`minimize` returns.

    Attributes
    ----------
    x : array, shape (d,)
        Final evaluation point (the replica mean for Elastic-SGD / Parle).
    full_loss : float
        ``objective.full_loss(x)``.
    status : {"success", "nonfinite", "callback"}
        Ran the whole budget; stopped on a non-finite loss/gradient; stopped by the callback.
    message : str
    n_steps, n_grad_evals, n_samples_touched : int
        Optimizer steps, minibatch gradient evaluations, ``n_grad_evals · b``.
    effective_epochs : float
        ``n_samples_touched / N`` (NaN when the objective has no ``n_samples``).
    wall_time : float
        Seconds in the loop.
    history : History
    state : object
        The optimizer's final state (to continue a run).
    """

    x: Any
    full_loss: float
    status: str
    message: str
    n_steps: int
    n_grad_evals: int
    n_samples_touched: int
    effective_epochs: float
    wall_time: float
    history: History
    state: Any

    @property
    def success(self) -> bool:
        return self.status == SUCCESS


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise bad_parameter("seed", "an int, a SeedSequence or a numpy Generator", None,
                            "pass seed=0 (runs are reproducible by design)")
    return np.random.default_rng(seed)


def minimize(optimizer: Any, objective: Any, x0: Any, *, n_steps: int | None = None,
             n_epochs: float | None = None, seed: Any = 0,
             callback: Callable[[int, Any, StepInfo], bool | None] | None = None,
             progress: bool = False, eval_every: int = 0) -> OptimizeResult:
    """Run ``optimizer`` on ``objective`` from ``x0`` for a budget of steps or epochs.

    Parameters
    ----------
    optimizer : Optimizer
        E.g. ``sgd(0.1)``, ``entropy_sgd(...)``, ``parle(...)``, ``sam(adam(1e-3))``.
    objective : Objective
        The protocol of :mod:`deeprelax.optim._objective`.
    x0 : array, shape (d,) (or (n_replicas, d) for replica optimizers)
        Start; copied, never modified. Any array-API array (numpy, cupy, ...).
    n_steps : int, optional
        Optimizer steps (outer steps for Entropy-SGD / Parle).
    n_epochs : float, optional
        Budget in effective epochs, samples touched / N (Entropy-SGD's "epochs × L");
        needs ``objective.n_samples``. Exactly one of ``n_steps`` / ``n_epochs``.
    seed : int, SeedSequence or numpy Generator
        The one source of randomness (minibatches, noise).
    callback : callable, optional
        ``callback(step, x, info)`` after every step; return True to stop.
    progress : bool
        A tqdm bar.
    eval_every : int
        Record ``objective.full_loss`` every this many steps (0: never; the final one is ``full_loss``).

    Returns
    -------
    OptimizeResult
        ``status="nonfinite"`` with the step in ``message`` when the loss or the step
        direction becomes non-finite (the last finite point is returned).

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.landscapes import quadratic
    >>> from deeprelax.optim import NoisyLandscape, minimize, sgd
    >>> res = minimize(sgd(0.1), NoisyLandscape(quadratic(np.eye(2))), np.ones(2), n_steps=100)
    >>> bool(np.allclose(res.x, 0, atol=1e-4))
    True
    """
    check_objective(objective)
    if (n_steps is None) == (n_epochs is None):
        raise ParameterError("pass exactly one of `n_steps` and `n_epochs`, got "
                             f"n_steps={n_steps!r}, n_epochs={n_epochs!r}")
    if n_steps is not None and (isinstance(n_steps, bool) or int(n_steps) != n_steps
                                or n_steps < 0):
        raise bad_parameter("n_steps", "a non-negative integer", n_steps)
    if n_epochs is not None:
        if objective.n_samples is None:
            raise bad_parameter("n_epochs", "used with an objective that has n_samples", n_epochs,
                                "pass n_steps, or give the objective a dataset size")
        if not (math.isfinite(n_epochs) and n_epochs >= 0):
            raise bad_parameter("n_epochs", "a non-negative finite number", n_epochs)
    if int(eval_every) != eval_every or eval_every < 0:
        raise bad_parameter("eval_every", "a non-negative integer", eval_every)
    replicas = hasattr(optimizer, "n_replicas")
    x0 = check_x0(x0, int(objective.dim), replicas)
    check_finite("x0", to_numpy(x0))
    rng = _rng(seed)
    state = optimizer.init(x0)
    b, N = int(objective.batch_size), objective.n_samples
    target = None if n_epochs is None else n_epochs * N
    rows: list[tuple[float, ...]] = []
    evals = 0
    status, message = SUCCESS, ""
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc=getattr(optimizer, "name", "minimize"))
    t0 = time.perf_counter()
    k = 0
    while (k < n_steps) if target is None else (evals * b < target):
        new, info = optimizer.step(state, objective, rng)
        if not (math.isfinite(info.loss) and math.isfinite(info.grad_norm)):
            status = NONFINITE
            message = (f"non-finite {'loss' if not math.isfinite(info.loss) else 'gradient'} at "
                       f"step {k} (loss={info.loss!r}, grad_norm={info.grad_norm!r}); "
                       "lower the learning rate")
            break
        state = new
        evals += int(info.n_grad_evals)
        full = math.nan
        if eval_every and (k + 1) % eval_every == 0:
            full = float(objective.full_loss(optimizer.params(state)))
        rows.append((info.loss, info.grad_norm, info.gamma, info.rho, evals, evals * b,
                     time.perf_counter() - t0, full))
        k += 1
        if bar is not None:
            bar.update(1)
        if callback is not None and callback(k, optimizer.params(state), info):
            status, message = CALLBACK, f"stopped by the callback after step {k}"
            break
    if bar is not None:
        bar.close()
    wall = time.perf_counter() - t0
    arr = np.array(rows, dtype=np.float64).reshape(-1, 8)
    hist = History(loss=arr[:, 0].copy(), grad_norm=arr[:, 1].copy(), gamma=arr[:, 2].copy(),
                   rho=arr[:, 3].copy(), n_grad_evals=arr[:, 4].astype(np.int64),
                   samples=arr[:, 5].astype(np.int64), wall_time=arr[:, 6].copy(),
                   full_loss=arr[:, 7].copy())
    x = optimizer.params(state)
    if status == SUCCESS:
        message = f"ran {k} steps ({evals} gradient evaluations)"
    return OptimizeResult(
        x=x, full_loss=float(objective.full_loss(x)), status=status, message=message, n_steps=k,
        n_grad_evals=evals, n_samples_touched=evals * b,
        effective_epochs=math.nan if N is None else evals * b / N, wall_time=wall,
        history=hist, state=state)
