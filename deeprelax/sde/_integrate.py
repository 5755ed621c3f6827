"""`sdeint`: the driver that validates, chunks, saves with stride and reports.

The compiled ensemble kernel (the generic one of :mod:`._kernels` for the noise class, or
an accelerator of :mod:`._accel` the registry finds for the problem's declared
properties) advances every path over a chunk of steps in parallel; between chunks this
driver updates the progress bar and stops with ``status = Status.NONFINITE`` (the step and
the path) when a path blew up. Only saved states are stored: memory is
``n_save × n_paths × d`` floats, never ``n_steps × n_paths``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import (
    ParameterError,
    ShapeError,
    Status,
    as_float_array,
    bad_parameter,
    check_bool,
    check_finite,
    check_int,
    check_positive,
    check_seed,
    get_num_threads,
    jit,
    path_states,
    prange,
    rng_normal,
    seed_key,
)
from ._accel import SDE_ACCELERATORS
from ._kernels import COVARIANCE, FACTOR, NOISE_CODE, KernelScalars, generic_kernel
from ._schemes import Scheme, check_scheme_fits, get_scheme
from ._spec import SDE

__all__ = [
    "SDESolution",
    "sdeint",
    "brownian_increments",
    "coarsen_increments",
    "SUCCESS",
    "NONFINITE",
]

SUCCESS = Status.SUCCESS
NONFINITE = Status.NONFINITE

#: Path-steps per kernel call (≈ 10–50 ms): big enough to hide the call overhead, small
#: enough for a live progress bar.
CALL_PATH_STEPS = 4_000_000
#: Parallel tasks per thread (load balance; results do not depend on it).
TASKS_PER_THREAD = 4
#: Largest number of paths, steps or increments a call accepts (2³⁶ floats = 512 GiB).
MAX_SIZE = 2**36
#: Relative tolerance for (t1 − t0)/dt to count as an integer number of steps.
STEP_RTOL = 1e-9


@dataclass(frozen=True)
class SDESolution:
    """The result of :func:`sdeint`.

    Attributes
    ----------
    t : ndarray, shape (n_save,)
        Saved times: t0, t0 + save_every·dt, …, and the final time.
    x : ndarray, shape (n_save, n_paths, d)
        Saved states.
    status : Status
        ``Status.SUCCESS`` or ``Status.NONFINITE`` (the states up to the first non-finite
        save are returned).
    message : str
    n_steps : int
        Steps taken per path.
    n_paths : int
    dt : float
    scheme : str
    seed_key : int or None
        The stream key (``None`` when ``dW`` was given); rerun with ``seed=...`` to
        reproduce.
    rng_state : ndarray, shape (n_paths, 4)
        The streams after the last step: pass as ``rng_state`` to continue the run on
        the same streams.
    n_drift_evals : int
        Drift evaluations over all paths.
    nonfinite_step, nonfinite_path : int
        Where the first path went non-finite (−1 when none did).
    accelerator : str
        The registered accelerator that ran ("" for the generic kernel).
    """

    t: np.ndarray
    x: np.ndarray
    status: Status
    message: str
    n_steps: int
    n_paths: int
    dt: float
    scheme: str
    seed_key: int | None
    rng_state: np.ndarray
    n_drift_evals: int
    nonfinite_step: int = -1
    nonfinite_path: int = -1
    accelerator: str = ""

    @property
    def success(self) -> bool:
        """``status is Status.SUCCESS``."""
        return self.status is Status.SUCCESS


_DRIFT_EVALS = {"euler_maruyama": 1, "sgd": 1, "milstein": 1, "heun": 2, "sra1": 2}


def _n_steps(t_span: Any, dt: float) -> tuple[float, int]:
    try:
        t0, t1 = (float(v) for v in t_span)
    except (TypeError, ValueError):
        raise bad_parameter("t_span", "a pair (t0, t1) of floats", t_span) from None
    if not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
        raise bad_parameter("t_span", "finite (t0, t1) with t1 > t0", t_span)
    ratio = (t1 - t0) / dt
    n = int(round(ratio))
    # (t1 − t0)/dt carries relative round-off (0.3/0.1 = 2.9999999999999996), so the test is
    # relative to the number of steps; the run then lasts n·dt, not t1 − t0 exactly.
    if n < 1 or abs(ratio - n) > STEP_RTOL * max(1.0, ratio):
        raise ParameterError(
            f"`t_span` length {t1 - t0!r} must be a whole number of steps of `dt` = {dt!r}, got "
            f"{ratio:.6g} steps; pass dt = (t1 - t0) / n for an integer n"
        )
    return t0, n


def _initial(x0: Any, d: int, n_paths: int | None) -> np.ndarray:
    x = as_float_array("x0", x0)
    if x.ndim == 0 and d == 1:
        x = x.reshape(1)
    if x.ndim == 1:
        if x.shape != (d,):
            raise ShapeError(f"`x0` must have shape ({d},) or (n_paths, {d}) for an SDE of dim={d}, "
                             f"got shape {x.shape}; pass one coordinate per dimension")
        n = 1 if n_paths is None else check_int("n_paths", n_paths, low=1, high=MAX_SIZE)
        x = np.broadcast_to(x, (n, d))
    elif x.ndim == 2:
        if n_paths is not None:
            n_paths = check_int("n_paths", n_paths, low=1, high=MAX_SIZE)
        if x.shape[1] != d or (n_paths is not None and x.shape[0] != n_paths):
            want = f"({n_paths if n_paths is not None else 'n_paths'}, {d})"
            raise ShapeError(f"`x0` must have shape {want} (one start per path), got shape "
                             f"{x.shape}; pass x0 of shape ({d},) to start every path there")
    else:
        raise ShapeError(f"`x0` must have shape ({d},) or (n_paths, {d}), got shape {x.shape}")
    check_finite("x0", x)
    return np.ascontiguousarray(x, dtype=np.float64).copy()


def _increments(name: str, arr: Any, shape: tuple[int, int, int]) -> np.ndarray:
    a = as_float_array(name, arr)
    if a.shape != shape:
        raise ShapeError(f"`{name}` must have shape (n_steps, n_paths, noise_dim) = {shape}, got "
                         f"shape {a.shape}; draw it with brownian_increments(...)")
    check_finite(name, a)
    return np.ascontiguousarray(a)


def sdeint(
    sde: SDE,
    x0: Any,
    t_span: tuple[float, float],
    dt: float,
    *,
    n_paths: int | None = None,
    scheme: str = "euler_maruyama",
    seed: int | np.random.SeedSequence | None = None,
    dW: Any = None,
    dZ: Any = None,
    save_every: int = 1,
    rng_state: Any = None,
    progress: bool = False,
) -> SDESolution:
    """Integrate an ensemble of paths of ``sde`` with a fixed-step scheme.

    Parameters
    ----------
    sde : SDE
        The equation (:func:`langevin`, :func:`from_sgd`, :func:`ornstein_uhlenbeck`,
        :func:`from_kernels`).
    x0 : array_like, shape (d,) or (n_paths, d)
        Start, broadcast to every path, or one start per path.
    t_span : (float, float)
        Start and end time; ``(t1 − t0)/dt`` must be an integer.
    dt : float
        Step Δt > 0 (``scheme="sgd"`` needs Δt = η, the learning rate).
    n_paths : int, optional
        Number of paths (default ``len(x0)`` for 2-D ``x0``, else ``dW.shape[1]`` when
        ``dW`` is given, else 1).
    scheme : str
        One of ``SCHEMES``: ``"euler_maruyama"``, ``"milstein"`` (diagonal noise),
        ``"heun"`` (Stratonovich), ``"sra1"`` (additive noise, strong order 1.5),
        ``"sgd"`` (the discrete SGD map of a :func:`from_sgd` SDE).
    seed : int, SeedSequence or None
        Stream seed; path i draws from a stream that depends only on (seed, i).
    dW : array_like, shape (n_steps, n_paths, m), optional
        Pre-drawn Brownian increments (variance Δt) instead of the streams, e.g. from
        :func:`brownian_increments` / :func:`coarsen_increments` for convergence studies.
    dZ : array_like, shape (n_steps, n_paths, m), optional
        The space–time integrals ΔZ = ∫(W_s − W_t) ds over each step, needed with
        ``dW`` by schemes with ``needs_area`` (SRA1).
    save_every : int
        Save every ``save_every``-th step (and the final state).
    rng_state : ndarray, shape (n_paths, 4), optional
        Continue from the streams of a previous solution (``sol.rng_state``).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    SDESolution
        ``t`` (n_save,), ``x`` (n_save, n_paths, d), ``status``, ``message``, ``n_steps``.

    Raises
    ------
    ParameterError, ShapeError, NonFiniteError, SchemeError
        For dt ≤ 0, a non-finite or misshaped ``x0``, an unknown scheme, or a scheme
        that does not fit the SDE (e.g. Milstein on general noise, Euler–Maruyama on a
        Stratonovich SDE with multiplicative noise).

    Notes
    -----
    Euler–Maruyama x ← x + bΔt + gΔW (strong order ½, 1 for additive noise; weak 1);
    derivative-free Milstein (strong 1 for diagonal noise); stochastic Heun
    (Stratonovich; strong 1 for commutative noise); SRA1 (strong 1.5, weak 2 for
    additive noise). The orders are declared in ``SCHEMES``. Paths are independent and
    run in parallel, so results are bit-identical for any thread count, chunking and
    for the first k paths of a larger ensemble.

    References
    ----------
    Kloeden & Platen, Numerical Solution of SDEs (1992); A. Rößler, SIAM J. Numer. Anal.
    48 (2010) 922–952; Chaudhari & Soatto, arXiv:1710.11029.

    Examples
    --------
    >>> from deeprelax import landscapes, sde
    >>> ou = sde.langevin(landscapes.quadratic([[1.0, 0.0], [0.0, 4.0]]), beta=10.0, D=[2.0, 0.5])
    >>> sol = sde.sdeint(ou, [0.0, 0.0], (0.0, 1.0), 0.01, n_paths=100, seed=0, save_every=10)
    >>> sol.x.shape, str(sol.status)
    ((11, 100, 2), 'success')
    """
    sch, dt, t0, n_steps, se = _check_run(sde, scheme, dt, t_span, save_every)
    seed, progress = check_seed("seed", seed), check_bool("progress", progress)
    if dW is not None and n_paths is None and np.ndim(x0) <= 1 and np.ndim(dW) == 3:
        n_paths = np.shape(dW)[1]  # one path per row of the given increments
    x = _initial(x0, sde.dim, n_paths)
    n, d = x.shape
    dWa, dZa, states, key = _noise_source(sch, (n_steps, n, sde.noise_dim), dW, dZ, seed, rng_state)
    n_full, rem = divmod(n_steps, se)
    n_blocks = n_full + int(rem > 0)
    xs = np.empty((1 + n_blocks, n, d))
    xs[0] = x
    # t_k = t0 + dt·(k·save_every) computed from the integer step (no accumulated t += dt
    # drift); the minimum puts the last save at the final step when save_every ∤ n_steps.
    t = t0 + dt * np.minimum(np.arange(n_blocks + 1) * se, n_steps).astype(np.float64)
    bad = np.full(n, -1, dtype=np.int64)
    kernel, acc = _select_kernel(sde, sch, use_dw=dW is not None)
    G = sde.diffusion_matrix if sde.noise == "additive" else np.zeros((d, sde.noise_dim))
    base = KernelScalars(
        int(sch.code), sde.calculus == "ito", bool(sde.linear), float(sde.drift_sign), int(sde.noise_dim),
        COVARIANCE if sde.diffusion_form == "covariance" else FACTOR, float(sde.diffusion_scale), dt,
        math.sqrt(dt), 0, se, se, 0, dW is not None, TASKS_PER_THREAD * get_num_threads())
    # save blocks per kernel call; a call always ends on a save, so chunking changes no result
    per_call = max(1, CALL_PATH_STEPS // max(1, n * se))
    bar = _progress_bar(n_steps, progress)
    done_blocks, done_steps = 0, 0
    try:
        while done_blocks < n_blocks:
            nb = min(per_call, n_blocks - done_blocks)
            last = rem if (done_blocks + nb == n_blocks and rem > 0) else se
            n_call = (nb - 1) * se + last
            sp = base._replace(n_blocks=nb, last_len=last, step0=done_steps)
            # given increments: this call's rows, so the kernel's local step k indexes them
            steps = slice(done_steps, done_steps + n_call) if sp.use_dw else slice(None)
            kernel(sp, sde.drift_kernel, sde.drift_params, sde.diffusion_kernel, sde.diffusion_params, G,
                   x, states, dWa[steps], dZa[steps] if dZa.shape[0] > 1 else dZa,
                   xs[1 + done_blocks:1 + done_blocks + nb], bad)
            done_blocks += nb
            done_steps += n_call
            if bar is not None:
                bar.update(n_call)
            if np.any(bad >= 0):  # keep the saves up to this chunk; the message says where
                xs, t = xs[:1 + done_blocks], t[:1 + done_blocks]
                break
    finally:
        if bar is not None:
            bar.close()
    return _solution(t, xs, bad, t0, dt, done_steps, n, sch, key, states, acc)


def _check_run(sde: Any, scheme: str, dt: Any, t_span: Any, save_every: Any) -> tuple[Scheme, float, float, int, int]:
    """Validate the SDE, the scheme, dt, the time span and the save stride."""
    if not isinstance(sde, SDE):
        raise bad_parameter("sde", "an SDE (build one with langevin, from_sgd, ...)", type(sde).__name__)
    sch = get_scheme(scheme)
    check_scheme_fits(sch, sde)
    dt = check_positive("dt", dt)
    if sch.name == "sgd" and abs(dt - float(sde.lr)) > 1e-12 * float(sde.lr):
        raise ParameterError(f"scheme 'sgd' takes steps of the learning rate: `dt` must equal lr = "
                             f"{sde.lr!r}, got {dt!r}; pass dt=sde.lr")
    t0, n_steps = _n_steps(t_span, dt)
    se = check_int("save_every", save_every, low=1)
    return sch, dt, t0, n_steps, se


def _noise_source(sch: Scheme, shape: tuple[int, int, int], dW: Any, dZ: Any, seed: Any,
                  rng_state: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, int | None]:
    """(dW, dZ, stream states, seed key): the given increments, or streams from a seed or a state."""
    # The kernels take dW and dZ as 3-D float arrays in every call; a (1, 1, 1) placeholder
    # when they are unused keeps one compiled signature for both sources.
    dummy = np.zeros((1, 1, 1))
    n = shape[1]
    if dW is not None:
        dWa = _increments("dW", dW, shape)
        dZa = dummy
        if sch.needs_area:
            if dZ is None:
                raise ParameterError(f"scheme {sch.name!r} needs the space-time integrals `dZ` with "
                                     "`dW`; draw both with brownian_increments(..., area=True)")
            dZa = _increments("dZ", dZ, shape)
        return dWa, dZa, np.zeros((n, 4), dtype=np.uint64), None
    if rng_state is not None:
        raw = np.asarray(rng_state) if not isinstance(rng_state, (str, bytes)) else np.asarray(None)
        if raw.dtype != np.uint64 and (raw.dtype.kind not in "iu" or (raw.size and raw.min() < 0)):
            raise ParameterError(f"`rng_state` must be the uint64 stream states of a solution (sol.rng_state), "
                                 f"got an array of dtype {raw.dtype}; pass sol.rng_state unchanged")
        states = np.array(raw, dtype=np.uint64, copy=True)
        if states.shape != (n, 4):
            raise ShapeError(f"`rng_state` must have shape ({n}, 4), got {states.shape}; pass "
                             "the rng_state of a solution with the same number of paths")
        dead = np.flatnonzero(~states.any(axis=1))
        if dead.size:
            raise ParameterError(f"`rng_state` row {int(dead[0])} is all zero, a state xoshiro256++ never "
                                 "leaves (every draw would be 0); pass the rng_state of a solution")
        return dummy, dummy, states, None
    key = seed_key(seed)
    return dummy, dummy, path_states(key, n, is_key=True), key


def _select_kernel(sde: SDE, sch: Scheme, use_dw: bool) -> tuple[Any, str]:
    """The registered accelerator for the problem's declared properties, else the generic kernel."""
    props = {"noise": NOISE_CODE[sde.noise], "drift": "linear" if sde.linear else "kernel",
             "scheme": sch.code, "increments": "given" if use_dw else "streams", "dim": sde.dim}
    acc = SDE_ACCELERATORS.select("ensemble", props)
    if acc is not None:
        return acc.kernels["ensemble"], acc.name
    return generic_kernel(props["noise"], sde.drift_kernel, sde.diffusion_kernel), ""


def _solution(t: np.ndarray, xs: np.ndarray, bad: np.ndarray, t0: float, dt: float, n_steps: int, n: int,
              sch: Scheme, key: int | None, states: np.ndarray, acc: str) -> SDESolution:
    status, message, path, k = SUCCESS, f"integrated {n} path(s) over {n_steps} steps", -1, -1
    if np.any(bad >= 0):
        # report the earliest blow-up (smallest step; the lowest path index among ties)
        path = int(np.argmin(np.where(bad >= 0, bad, np.iinfo(np.int64).max)))
        k = int(bad[path])
        status = NONFINITE
        # bad holds the 0-based index of the step that produced the non-finite state; that
        # step ends at t0 + (k + 1)·dt
        message = (f"path {path} went non-finite at step {k} (t = {t0 + (k + 1) * dt:.6g}); "
                   f"{int(np.sum(bad >= 0))} path(s) non-finite; the saves up to then are returned; "
                   "reduce dt or check the drift")
    return SDESolution(
        t=t, x=xs, status=status, message=message, n_steps=n_steps, n_paths=n, dt=dt,
        scheme=sch.name, seed_key=key, rng_state=states,
        n_drift_evals=n_steps * n * _DRIFT_EVALS[sch.name],
        nonfinite_step=k, nonfinite_path=path, accelerator=acc,
    )


def _progress_bar(total: int, on: bool) -> Any:
    if not on:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="step", desc="sdeint")


# ---------------------------------------------------------------------- increments
@jit(parallel=True)
def _fill_increments(states, sdt, dt, area, dW, dZ):
    n_steps, n, m = dW.shape
    for i in prange(n):
        s = states[i]
        for k in range(n_steps):
            for j in range(m):
                dW[k, i, j] = sdt * rng_normal(s)
            if area:
                # ΔZ = ½Δt^{3/2}(ξ + η/√3) with a fresh normal η has the exact joint law of
                # (ΔW, ∫(W_s − W_t) ds): Var ΔZ = Δt³/3, Cov(ΔW, ΔZ) = Δt²/2. The draw order
                # (m ξ, then m η per step) is the kernels' (_draw), so seed gives sdeint's streams.
                for j in range(m):
                    xi = dW[k, i, j] / sdt
                    dZ[k, i, j] = 0.5 * dt * sdt * (xi + rng_normal(s) / math.sqrt(3.0))


def brownian_increments(
    n_steps: int, n_paths: int, noise_dim: int, dt: float, seed: int | None = None, *,
    area: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Brownian increments ΔW (and ΔZ = ∫(W_s − W_t) ds) from the per-path streams.

    Parameters
    ----------
    n_steps, n_paths, noise_dim : int
        Shape ``(n_steps, n_paths, noise_dim)`` of the result.
    dt : float
        Step; ΔW ~ N(0, Δt), and with ``area`` ΔZ with Var = Δt³/3, Cov(ΔW, ΔZ) = Δt²/2.
    seed : int, optional
        The same streams as ``sdeint(..., seed=seed)`` (path i depends only on (seed, i)).
    area : bool
        Also draw ΔZ (needed by SRA1).

    Returns
    -------
    dW : ndarray, shape (n_steps, n_paths, noise_dim)
    dZ : ndarray or None
    """
    n_steps, n_paths, noise_dim = (check_int(nm, v, low=1, high=MAX_SIZE) for nm, v in
                                   (("n_steps", n_steps), ("n_paths", n_paths), ("noise_dim", noise_dim)))
    if n_steps * n_paths * noise_dim > MAX_SIZE:
        raise bad_parameter("n_steps", f"n_steps·n_paths·noise_dim ≤ {MAX_SIZE:.3g} increments",
                            f"{n_steps}·{n_paths}·{noise_dim}", "draw them in blocks of steps or paths")
    dt = check_positive("dt", dt)
    area = check_bool("area", area)
    states = path_states(check_seed("seed", seed), n_paths)
    dW = np.empty((n_steps, n_paths, noise_dim))
    dZ = np.empty_like(dW) if area else np.zeros((1, 1, 1))
    _fill_increments(states, math.sqrt(dt), dt, bool(area), dW, dZ)
    return dW, (dZ if area else None)


def coarsen_increments(
    dW: Any, factor: int, dt: float, dZ: Any = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Increments over steps ``factor`` times longer, from the fine ones (same Brownian path).

    ΔW_c = Σⱼ ΔWⱼ and ΔZ_c = Σⱼ (ΔZⱼ + Δt Σ_{i<j} ΔWᵢ) over each block of ``factor``
    fine steps of size ``dt``.
    """
    dW = check_finite("dW", as_float_array("dW", dW, ndim=3))
    k = check_int("factor", factor, low=1)
    dt = check_positive("dt", dt)
    if dW.shape[0] % k:
        raise bad_parameter("factor", f"a positive divisor of n_steps = {dW.shape[0]}", factor)
    blocks = dW.reshape(dW.shape[0] // k, k, *dW.shape[1:])
    dWc = blocks.sum(axis=1)
    if dZ is None:
        return dWc, None
    zb = check_finite("dZ", as_float_array("dZ", dZ, shape=dW.shape)).reshape(blocks.shape)
    before = np.cumsum(blocks, axis=1) - blocks  # Σ_{i<j} ΔWᵢ
    # ∫ over fine step j of (W_s − W_start) = ΔZⱼ + Δt·(W at the start of step j − W_start),
    # and W there is W_start + Σ_{i<j} ΔWᵢ
    dZc = zb.sum(axis=1) + dt * before.sum(axis=1)
    return dWc, dZc
