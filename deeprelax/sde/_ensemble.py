"""`ensemble`: huge ensembles of paths in blocks, on any executor, in O(block) memory.

The paths are cut into blocks of ``block_paths``; each block is one :func:`sdeint` call
on the streams of *its* paths — path i always draws from the stream (seed, i), whatever
block it falls in and wherever the block runs — and returns an *observation* instead of
its states: mergeable moments (count, mean, M2), a fixed-bin histogram, the per-path
saved states, or a user function of them. Blocks run on a
:class:`concurrent.futures.Executor` (in-process by default, a ``ProcessPoolExecutor``,
Dask's ``Client.get_executor()``, :func:`deeprelax._core._executors.open_executor`) and
are merged in block order, so the result does not depend on the executor, the worker
count or the completion order. Per-path outputs also do not depend on the block size
(they are bitwise those of one :func:`sdeint` call); merged moments depend on it only at
round-off (the order of the sums).

With ``target_stderr``, blocks run in rounds of ``blocks_per_round`` and the run stops
after the first round at which every standard error of the mean is at most the target
(the stopping point is a whole round, so it too is independent of the executor).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import (
    ParameterError,
    Status,
    as_float_array,
    bad_parameter,
    check_choice,
    check_float,
    check_int,
    check_positive,
    check_seed,
    path_states,
    seed_key,
)
from .._core._executors import InProcessExecutor, limit_threads
from ._integrate import _check_run, sdeint
from ._spec import SDE

__all__ = ["ensemble", "EnsembleResult", "OBSERVATIONS"]

#: What a block returns (see :func:`ensemble`).
OBSERVATIONS = ("moments", "paths", "histogram", "first_passage", "function")
#: Default paths per block: a multiple of the step-outer EM block (64 paths), so a path
#: sits at the same place in its GEMM block whatever the ensemble size.
BLOCK_PATHS = 65_536


@dataclass(frozen=True)
class EnsembleResult:
    """The merged observation of :func:`ensemble`.

    Attributes
    ----------
    t : ndarray, shape (n_save,)
        Saved times (as :func:`sdeint` with ``save_every``).
    count : int
        Paths merged (fewer than asked when ``target_stderr`` stopped the run early).
    mean, var, stderr : ndarray, shape (n_save, d), or None
        With ``observe="moments"``: the mean, the unbiased variance and the standard error
        of the mean, √(var/count), of every coordinate at every saved time.
    paths : ndarray, shape (n_save, count, d), or None
        With ``observe="paths"``: the saved states of every path, in path order.
    hist : ndarray of int64, shape (n_save, n_bins), or None
        With ``observe="histogram"``: counts of coordinate ``coord`` in the bins ``edges``
        (values outside the edges are not counted).
    edges : ndarray or None
    values : ndarray or None
        With ``observe="function"``: the user function's per-path outputs, concatenated in
        path order along the first axis. With ``observe="first_passage"``: per path, the
        first saved time at which coordinate ``coord`` is ≥ ``level`` (``inf`` if never).
    status : Status
        ``SUCCESS``, or ``NONFINITE`` (the blocks before the first non-finite one are merged).
    message : str
    n_blocks, block_paths : int
        Blocks run and paths per block.
    seed_key : int
        The stream key: rerun with ``seed=seed_key`` for the same numbers.
    """

    t: np.ndarray
    count: int
    status: Status
    message: str
    n_blocks: int
    block_paths: int
    seed_key: int
    mean: np.ndarray | None = None
    var: np.ndarray | None = None
    stderr: np.ndarray | None = None
    paths: np.ndarray | None = None
    hist: np.ndarray | None = None
    edges: np.ndarray | None = None
    values: np.ndarray | None = None

    @property
    def success(self) -> bool:
        """``status is Status.SUCCESS``."""
        return self.status is Status.SUCCESS


@dataclass(frozen=True)
class _Block:
    """One block's work: everything a worker needs (picklable; the SDE pickles its kernels by name)."""

    sde: SDE
    x0: np.ndarray
    t_span: tuple[float, float]
    dt: float
    scheme: str
    key: int
    lo: int
    hi: int
    save_every: int
    observe: str
    edges: np.ndarray | None
    coord: int
    level: float
    function: Callable[[np.ndarray, np.ndarray], Any] | None
    threads: int | None


def _run_block(b: _Block) -> dict[str, Any]:
    """Integrate paths lo..hi−1 of the ensemble and reduce them to the block's observation."""
    n = b.hi - b.lo
    with limit_threads(b.threads):
        sol = sdeint(b.sde, b.x0, b.t_span, b.dt, n_paths=n, scheme=b.scheme, save_every=b.save_every,
                     rng_state=path_states(b.key, n, b.lo, is_key=True))
    if not sol.success:
        return {"bad": (b.lo + sol.nonfinite_path, sol.nonfinite_step), "t": sol.t}
    x = sol.x  # (n_save, n, d)
    out: dict[str, Any] = {"n": n, "t": sol.t}
    if b.observe == "moments":
        mean = x.mean(axis=1)
        out["mean"], out["M2"] = mean, ((x - mean[:, None, :]) ** 2).sum(axis=1)
    elif b.observe == "paths":
        out["paths"] = x
    elif b.observe == "histogram":
        assert b.edges is not None
        out["hist"] = np.stack([np.histogram(x[k, :, b.coord], bins=b.edges)[0] for k in range(x.shape[0])])
    elif b.observe == "first_passage":
        hit = x[:, :, b.coord] >= b.level  # (n_save, n)
        out["values"] = np.where(hit.any(axis=0), sol.t[np.argmax(hit, axis=0)], np.inf)
    else:
        assert b.function is not None
        out["values"] = np.asarray(b.function(sol.t, x))
    return out


class _Merge:
    """Mergeable accumulators, fed blocks in block order."""

    def __init__(self, observe: str) -> None:
        self.observe = observe
        self.n = 0
        self.mean: np.ndarray | None = None
        self.M2: np.ndarray | None = None
        self.hist: np.ndarray | None = None
        self.parts: list[np.ndarray] = []

    def add(self, r: dict[str, Any]) -> None:
        nb = r["n"]
        if self.observe == "moments":
            if self.mean is None:
                self.mean, self.M2 = r["mean"], r["M2"]
            else:  # Chan, Golub & LeVeque (1979): pairwise update of count, mean and M2
                n = self.n + nb
                delta = r["mean"] - self.mean
                self.mean = self.mean + delta * (nb / n)
                self.M2 = self.M2 + r["M2"] + delta * delta * (self.n * nb / n)
        elif self.observe == "histogram":
            self.hist = r["hist"] if self.hist is None else self.hist + r["hist"]
        else:
            self.parts.append(r["paths"] if self.observe == "paths" else r["values"])  # per-path: concatenated
        self.n += nb

    def var(self) -> np.ndarray | None:
        if self.M2 is None:
            return None
        return self.M2 / (self.n - 1) if self.n > 1 else np.full_like(self.M2, np.nan)


def ensemble(
    sde: SDE,
    x0: Any,
    t_span: tuple[float, float],
    dt: float,
    *,
    n_paths: int,
    scheme: str = "euler_maruyama",
    seed: int | np.random.SeedSequence | None = None,
    save_every: int = 1,
    observe: str | Callable[[np.ndarray, np.ndarray], Any] = "moments",
    edges: Any = None,
    coord: int = 0,
    level: float | None = None,
    block_paths: int = BLOCK_PATHS,
    executor: Executor | None = None,
    target_stderr: float | None = None,
    blocks_per_round: int | None = None,
    worker_threads: int | None = None,
) -> EnsembleResult:
    """Integrate ``n_paths`` paths of ``sde`` in blocks and merge each block's observation.

    Parameters
    ----------
    sde, x0, t_span, dt, scheme, save_every
        As for :func:`sdeint`; ``x0`` is one start (d,) shared by every path.
    n_paths : int
        Paths in all (at most; ``target_stderr`` may stop earlier).
    seed : int, SeedSequence or None
        Path i draws from the stream (seed, i), as in :func:`sdeint`.
    observe : {"moments", "paths", "histogram", "first_passage"} or callable
        What a block returns: ``"moments"`` (count, mean, M2 per saved time and coordinate),
        ``"paths"`` (the saved states: memory O(n_paths)), ``"histogram"`` (counts of
        coordinate ``coord`` in the bins ``edges``), ``"first_passage"`` (per path, the first
        *saved* time at which coordinate ``coord`` ≥ ``level``: resolution save_every·dt), or
        ``function(t, x)`` of the block's saved times (n_save,) and states
        (n_save, n_block, d) returning one row per path.
    edges : array_like, optional
        Bin edges for ``observe="histogram"``.
    coord : int
        Coordinate histogrammed or watched for the first passage.
    level : float, optional
        The first-passage level (``observe="first_passage"``).
    block_paths : int
        Paths per block (memory per block: n_save × block_paths × d floats).
    executor : concurrent.futures.Executor, optional
        Where blocks run (default: in this process, one after another).
    target_stderr : float, optional
        With ``observe="moments"``: stop after the first round of blocks at which every
        standard error of the mean is at most this.
    blocks_per_round : int, optional
        Blocks submitted per round (default: all when ``target_stderr`` is None, else 4).
        Memory of the merge: O(blocks_per_round × block).
    worker_threads : int, optional
        Cap Numba/BLAS threads inside each block (for process pools on one machine).

    Returns
    -------
    EnsembleResult

    Examples
    --------
    >>> from deeprelax import landscapes, sde
    >>> ou = sde.langevin(landscapes.quadratic([[1.0]]), beta=2.0)
    >>> r = sde.ensemble(ou, [0.0], (0.0, 5.0), 0.01, n_paths=4000, seed=0, save_every=500,
    ...                  block_paths=1024)
    >>> r.count, r.n_blocks, r.mean.shape, bool(abs(r.var[-1, 0] - 0.5) < 0.05)
    (4000, 4, (2, 1), True)
    """
    if not isinstance(sde, SDE):
        raise bad_parameter("sde", "an SDE (build one with langevin, from_sgd, ...)", type(sde).__name__)
    _check_run(sde, scheme, dt, t_span, save_every)  # dt, t_span, scheme, save_every as sdeint checks them
    seed = check_seed("seed", seed)
    n_total = check_int("n_paths", n_paths, low=1)
    bp = check_int("block_paths", block_paths, low=1)
    x = as_float_array("x0", x0)
    if x.ndim == 0 and sde.dim == 1:
        x = x.reshape(1)
    if x.shape != (sde.dim,):
        raise bad_parameter("x0", f"one start of shape ({sde.dim},) shared by every path", f"shape {x.shape}",
                            "per-path starts do not fit O(block) memory; use sdeint for them")
    fn = observe if callable(observe) else None
    kind = "function" if fn is not None else check_choice("observe", observe, OBSERVATIONS[:4])
    lev = 0.0
    if kind == "first_passage":
        if level is None:
            raise ParameterError("`level` is needed with observe='first_passage'; pass the level that "
                                 "coordinate `coord` must reach")
        lev = check_float("level", level)
    e = None
    if kind == "histogram":
        if edges is None:
            raise ParameterError("`edges` is needed with observe='histogram'; pass the bin edges, "
                                 "e.g. np.linspace(-3, 3, 61)")
        e = as_float_array("edges", edges, ndim=1)
        if e.size < 2 or not np.all(np.diff(e) > 0):
            raise bad_parameter("edges", "at least 2 increasing bin edges", e.tolist()[:5])
    c = check_int("coord", coord, low=0, high=sde.dim - 1)
    if target_stderr is not None:
        target_stderr = check_positive("target_stderr", target_stderr)
        if kind != "moments":
            raise ParameterError("`target_stderr` needs observe='moments' (it stops on the standard error of "
                                 "the mean); drop it or observe moments")
    n_blocks = -(-n_total // bp)
    per_round = n_blocks if target_stderr is None else 4
    if blocks_per_round is not None:
        per_round = check_int("blocks_per_round", blocks_per_round, low=1)
    threads = None if worker_threads is None else check_int("worker_threads", worker_threads, low=1)
    key = seed_key(seed)
    t0, t1 = (float(v) for v in t_span)
    ex = executor if executor is not None else InProcessExecutor()
    merge, t, done = _Merge(kind), np.empty(0), 0
    status, message = Status.SUCCESS, ""
    while done < n_blocks:
        blocks = [_Block(sde, x, (t0, t1), dt, scheme, key, k * bp, min(n_total, (k + 1) * bp), save_every,
                         kind, e, c, lev, fn, threads) for k in range(done, min(n_blocks, done + per_round))]
        results = [f.result() for f in [ex.submit(_run_block, b) for b in blocks]]  # merged in block order
        for r in results:
            if "bad" in r:
                t = r["t"] if merge.n == 0 else t
                status = Status.NONFINITE
                message = (f"path {r['bad'][0]} went non-finite at step {r['bad'][1]}; the {merge.n} paths of "
                           f"the blocks before it are merged; reduce dt or check the drift")
                break
            merge.add(r)
            t = r["t"]
        done += len(blocks)
        if status is not Status.SUCCESS:
            break
        if target_stderr is not None and np.all(np.sqrt(merge.var() / merge.n) <= target_stderr):
            break
    var = merge.var()
    if status is Status.SUCCESS:
        message = f"merged {merge.n} path(s) in {done} block(s) of {bp}"
    return EnsembleResult(
        t=t, count=merge.n, status=status, message=message, n_blocks=done, block_paths=bp, seed_key=key,
        mean=merge.mean, var=var, stderr=None if var is None else np.sqrt(var / max(merge.n, 1)),
        paths=np.concatenate(merge.parts, axis=1) if kind == "paths" and merge.parts else None,
        hist=merge.hist, edges=e,
        values=np.concatenate(merge.parts, axis=0) if kind in ("function", "first_passage") and merge.parts else None,
    )

