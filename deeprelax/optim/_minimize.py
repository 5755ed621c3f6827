"""``minimize``: the one driver of the optimizer room; it owns the loop and the history."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import ParameterError, Status, bad_parameter, check_bool, check_float, check_int, check_seed, to_numpy
from ._base import StepInfo, check_optimizer, check_x0, copy_array
from ._objective import check_objective

__all__ = ["minimize", "OptimizeResult", "History", "SUCCESS", "NONFINITE", "CALLBACK"]

#: Status values of :class:`OptimizeResult` (aliases of :class:`deeprelax._core.Status`).
SUCCESS = Status.SUCCESS
NONFINITE = Status.NONFINITE
#: A callback stop is a success (the caller asked for it; ``x`` is a valid point):
#: ``status`` is :data:`SUCCESS` and :attr:`OptimizeResult.stopped_by_callback` is True.
#: Kept as an alias of ``SUCCESS`` for backward compatibility; test
#: ``result.stopped_by_callback`` to tell a callback stop from a full run.
CALLBACK = Status.SUCCESS


@dataclass(frozen=True)
class History:
    """Per-step records (numpy arrays of length ``n_steps``).

    ``loss`` minibatch loss at the current point; ``grad_norm`` norm of the step's
    direction; ``gamma``, ``rho`` (NaN when unused); ``coupling`` Entropy-SGD's
    inner-loop diagnostic, mean of ‖γ(x′ − x)‖/‖ĝ(x′)‖ over the inner loop (NaN for
    other optimizers); ``n_grad_evals`` and ``samples`` cumulative; ``wall_time``
    cumulative seconds; ``full_loss`` the full-batch loss at the evaluation point after
    the step (NaN except every ``eval_every`` steps).
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    gamma: np.ndarray
    rho: np.ndarray
    n_grad_evals: np.ndarray
    samples: np.ndarray
    wall_time: np.ndarray
    full_loss: np.ndarray
    coupling: np.ndarray | None = None


@dataclass(frozen=True)
class OptimizeResult:
    """What :func:`minimize` returns.

    Attributes
    ----------
    x : array, shape (d,)
        The final evaluation point (the replica mean for Elastic-SGD / Parle), a new
        array. After a non-finite stop, the point where the run stopped: the step that
        met the non-finite value did not move it, so it is the last point of the run,
        with finite coordinates unless an update overflowed (the message says which).
    full_loss : float
        ``objective.full_loss(x)`` (may be inf/NaN after a non-finite stop).
    status : Status
        ``SUCCESS`` (ran the budget, or stopped by the callback) or ``NONFINITE`` (a loss,
        gradient or the final point went non-finite). A ``str`` enum:
        ``status == "success"`` works.
    message : str
        What happened, where (the step), what ``x`` is, what to try.
    n_steps, n_grad_evals, n_samples_touched : int
        Completed optimizer steps, minibatch gradient evaluations, ``n_grad_evals · b``.
    effective_epochs : float
        ``n_samples_touched / N`` (NaN when the objective has no ``n_samples``).
    wall_time : float
        Seconds in the loop.
    history : History
    state : object
        The optimizer's state at the stop (to continue a run; its arrays are updated in
        place by later steps, ``x`` is a copy).
    stopped_by_callback : bool
        The callback asked to stop (``status`` is then ``SUCCESS``).
    """

    x: Any
    full_loss: float
    status: Status
    message: str
    n_steps: int
    n_grad_evals: int
    n_samples_touched: int
    effective_epochs: float
    wall_time: float
    history: History
    state: Any
    stopped_by_callback: bool = False

    @property
    def success(self) -> bool:
        """``status`` is ``SUCCESS`` (including a callback stop)."""
        return self.status == Status.SUCCESS


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise bad_parameter("seed", "an int, a SeedSequence or a numpy Generator", None,
                            "pass seed=0 (runs are reproducible by design)")
    return np.random.default_rng(check_seed("seed", seed))


def _all_finite(x: Any) -> bool:
    return bool(np.all(np.isfinite(to_numpy(x))))


def _budget(objective: Any, n_steps: Any, n_epochs: Any) -> tuple[int | None, float | None]:
    if (n_steps is None) == (n_epochs is None):
        raise ParameterError("pass exactly one of `n_steps` and `n_epochs`, got "
                             f"n_steps={n_steps!r}, n_epochs={n_epochs!r}")
    if n_steps is not None:
        return check_int("n_steps", n_steps, low=0), None
    n_epochs = check_float("n_epochs", n_epochs, low=0.0)
    if objective.n_samples is None:
        raise bad_parameter("n_epochs", "used with an objective that has n_samples", n_epochs,
                            "pass n_steps, or give the objective a dataset size")
    return None, n_epochs * int(objective.n_samples)


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
        ``callback(step, x, info)`` after every step; return True to stop. ``x`` is the
        optimizer's live buffer: copy it to keep it.
    progress : bool
        A tqdm bar.
    eval_every : int
        Record ``objective.full_loss`` every this many steps (0: never; the final one is ``full_loss``).

    Returns
    -------
    OptimizeResult
        ``status`` ``SUCCESS`` (also after a callback stop, with ``stopped_by_callback``),
        or ``NONFINITE`` when the minibatch loss or the step direction, a recorded full
        loss, or the full loss after the last step became non-finite. Step k + 1
        evaluates the point step k produced and the point after the last step gets its
        full loss checked, so the result of every step is checked. A step that meets a
        non-finite value does not move the parameters: on ``NONFINITE`` the message
        names the step and ``x`` is the last point of the run (finite coordinates).

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax.landscapes import quadratic
    >>> from deeprelax.optim import NoisyLandscape, minimize, sgd
    >>> obj = NoisyLandscape(quadratic(np.eye(2)))
    >>> res = minimize(sgd(0.1), obj, np.ones(2), n_steps=100)
    >>> res.status, bool(np.allclose(res.x, 0, atol=1e-4))
    (<Status.SUCCESS: 'success'>, True)
    >>> bad = minimize(sgd(1e3), obj, np.ones(2), n_steps=200)   # diverges: |1 − η| = 999
    >>> bad.status, bad.n_steps, bool(np.all(np.isfinite(bad.x)))
    (<Status.NONFINITE: 'nonfinite'>, 52, True)
    """
    check_optimizer("optimizer", optimizer)
    check_objective(objective)
    n_steps, target = _budget(objective, n_steps, n_epochs)
    eval_every = check_int("eval_every", eval_every, low=0)
    progress = check_bool("progress", progress)
    if callback is not None and not callable(callback):
        raise bad_parameter("callback", "a callable (step, x, info) -> bool, or None", callback)
    replicas = hasattr(optimizer, "n_replicas")
    x0 = check_x0(x0, check_int("objective.dim", objective.dim, low=1), replicas)
    rng = _rng(seed)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc=getattr(optimizer, "name", "minimize"))
    try:
        # numpy's floating-point warnings are silenced: a divergence is reported once, by
        # status NONFINITE with the step, not by a warning from every later operation
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            run = _loop(optimizer, objective, x0, rng, n_steps, target, eval_every, callback, bar)
            return _result(optimizer, objective, x0, run)
    finally:
        if bar is not None:
            bar.close()


@dataclass
class _Run:
    """What the loop leaves: the state, the state before the last step, the records, why it stopped."""

    state: Any
    rows: list
    evals: int
    k: int
    failure: str
    by_callback: bool
    wall: float


def _loop(optimizer: Any, objective: Any, x0: Any, rng: np.random.Generator, n_steps: int | None,
          target: float | None, eval_every: int, callback: Any, bar: Any) -> _Run:
    """The optimizer loop; stops at the budget, a non-finite value or the callback."""
    state = optimizer.init(x0)
    b = int(objective.batch_size)
    rows: list[tuple[float, ...]] = []
    evals, k = 0, 0
    failure = ""          # what went non-finite, and where
    by_callback = False
    t0 = time.perf_counter()
    while (k < n_steps) if target is None else (evals * b < target):
        new, info = optimizer.step(state, objective, rng)
        if not info.finite:   # evaluated at params(state), the point after k steps
            what = "loss" if not math.isfinite(info.loss) else "step direction"
            failure = (f"non-finite {what} in step {k + 1}, at the point after {k} steps "
                       f"(loss={info.loss!r}, grad_norm={info.grad_norm!r})")
            state = new       # the step contract: the state did not move
            break
        state = new
        evals += int(info.n_grad_evals)
        k += 1
        full = math.nan
        if eval_every and k % eval_every == 0:
            full = float(objective.full_loss(optimizer.params(state)))
        rows.append((info.loss, info.grad_norm, info.gamma, info.rho, evals, evals * b,
                     time.perf_counter() - t0, full, info.coupling))
        if bar is not None:
            bar.update(1)
        if eval_every and k % eval_every == 0 and not math.isfinite(full):
            failure = f"non-finite full loss {full!r} at the point after {k} steps"
            break
        if callback is not None and callback(k, optimizer.params(state), info):
            by_callback = True
            break
    return _Run(state, rows, evals, k, failure, by_callback, time.perf_counter() - t0)


def _result(optimizer: Any, objective: Any, x0: Any, run: _Run) -> OptimizeResult:
    """Check the final point, pick the point to return, write the message."""
    b, N = int(objective.batch_size), objective.n_samples
    evals, k, failure = run.evals, run.k, run.failure
    arr = np.array(run.rows, dtype=np.float64).reshape(-1, 9)
    hist = History(loss=arr[:, 0].copy(), grad_norm=arr[:, 1].copy(), gamma=arr[:, 2].copy(),
                   rho=arr[:, 3].copy(), n_grad_evals=arr[:, 4].astype(np.int64),
                   samples=arr[:, 5].astype(np.int64), wall_time=arr[:, 6].copy(),
                   full_loss=arr[:, 7].copy(), coupling=arr[:, 8].copy())
    # the optimizer updates its buffers in place: the result owns a copy
    x = copy_array(optimizer.params(run.state))
    full_loss = float(objective.full_loss(x))
    if not failure and not (math.isfinite(full_loss) and _all_finite(x)):
        # the point after the last step is checked like the point after every other step
        what = f"full loss {full_loss!r}" if not math.isfinite(full_loss) else "coordinates"
        failure = f"non-finite {what} at the point after the last step, step {k}"
    if failure:
        coords = ("its coordinates are finite" if _all_finite(x) else
                  "its coordinates are NOT finite: the update of the step before overflowed")
        message = (f"{failure}; x is the point after {k} steps, where the run stopped ({coords}; "
                   f"the failed step did not move it); lower the learning rate or check the "
                   "objective near x")
        status = Status.NONFINITE
    else:
        status = Status.SUCCESS
        epochs = "" if N is None else f", {evals * b / N:.4g} effective epochs"
        message = f"ran {k} steps ({evals} gradient evaluations{epochs})"
        if run.by_callback:
            message = f"stopped by the callback after step {k}: " + message
    return OptimizeResult(
        x=x, full_loss=full_loss, status=status, message=message, n_steps=k,
        n_grad_evals=evals, n_samples_touched=evals * b,
        effective_epochs=math.nan if N is None else evals * b / N, wall_time=run.wall,
        history=hist, state=run.state, stopped_by_callback=run.by_callback)
