"""Long constant-learning-rate trajectories of a network: SGD and its controls, recorded per epoch.

The trajectory engine of the SGD-VI experiments, built from the shared definitions:

- the network objective of this room (:meth:`Sequential.loss_and_grad`: minibatch and
  full gradients of any network it builds — dense, batch norm, conv);
- the SGD update of :mod:`deeprelax.optim` (``optim._accel.sgd_kernel``: v ← μ v + ĝ,
  x ← x − η v, heavy ball in PyTorch's convention);
- the gradient-noise recipes of :mod:`deeprelax.sde._network` (real minibatch noise,
  matched-trace isotropic noise, none = full-batch GD, and the Gaussian SDE surrogate
  dx = −∇f dt + √(η/b·D) dW stepped by Euler–Maruyama with Δt = η).

Symbols (shapes): ``x`` the flat parameters (P,); ``X`` (N, ...) inputs, ``y`` (N,)
labels; η the learning rate, μ the momentum, b the batch size; an *epoch* is ⌈N/b⌉
steps for every noise model (the same number of updates).

Two drivers compute the same map. The **generic** one loops in Python over steps and
calls :meth:`Sequential.loss_and_grad` (train mode: batch norm uses the statistics of
the minibatch, as in real SGD, and the full gradient is that of the full-batch
objective). The **compiled** one (an accelerator, used when the network is
``[Flatten, Dense, ReLU, Dense]`` such as ``tiny_fc(batch_norm=False)``) runs whole
chunks of epochs in one Numba kernel on :func:`deeprelax.nn._mlp_kernel.loss_grad`.
Both draw from one xoshiro256++ stream in the same order; the tests hold them to
round-off. ``engine="auto"`` picks the compiled one when it applies.

References
----------
Chaudhari & Soatto, arXiv:1710.11029, §IV-B and Fig. 3 (tiny-fc, 7×7 MNIST, snapshots
every epoch after a burn-in), Definition 1, Lemma 2 (β⁻¹ = η/2b).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import (
    ShapeError,
    Status,
    as_float_array,
    bad_parameter,
    check_bool,
    check_choice,
    check_finite,
    check_int,
    check_nonnegative,
    check_positive,
    jit,
    path_states,
)
from .._core._validate import check_float, check_seed
from ..optim._accel import sgd_kernel
from ..sde._network import (
    GRADIENT_NOISE_KINDS,
    GradientNoise,
    draw_minibatch,
    gradient_noise,
    perturb_gradient,
)
from ._mlp_kernel import is_dense_relu_dense, loss_grad, mlp_arch, prepare_data
from ._model import Sequential, _check_model

__all__ = ["Trajectory", "NOISE_MODELS", "ENGINES", "sgd_trajectory"]

#: Gradient-noise models of :func:`sgd_trajectory` (see :mod:`deeprelax.sde._network`).
NOISE_MODELS = GRADIENT_NOISE_KINDS
#: Drivers: ``"auto"`` (compiled when the network allows), ``"compiled"``, ``"generic"``.
ENGINES = ("auto", "compiled", "generic")
#: Epochs per compiled chunk between progress updates.
CHUNK_EPOCHS = 50
#: Largest recorded array (bytes) accepted without an explicit ``record`` subset.
MAX_RECORD_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Trajectory:
    """One recorded run.

    Attributes
    ----------
    weights : ndarray (n_epochs, n_record)
        x[record] at the end of each recorded epoch.
    record : ndarray (n_record,)
        Indices of the recorded weights.
    epochs : ndarray (n_epochs,)
        Epoch numbers (1-based, counting the burn-in).
    loss : ndarray (n_epochs,)
        Full training loss f(x) at those epochs.
    grad_norm : ndarray (n_epochs,)
        ‖∇f(x)‖/√P (SGD-VI Fig. 3c).
    x_final, v_final : ndarray (P,)
        Final parameters and momentum buffer (to continue a run; v stays 0 when μ = 0).
    noise : str
        The noise model.
    engine : str
        ``"compiled"`` or ``"generic"``: the driver that ran.
    status : Status
        ``SUCCESS`` or ``NONFINITE``.
    message : str
    n_steps : int
        Parameter updates done.
    n_grad_evals : int
        Per-sample gradient evaluations (b per minibatch step, N per full gradient,
        including the per-epoch full-gradient diagnostics).
    """

    weights: np.ndarray
    record: np.ndarray
    epochs: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    x_final: np.ndarray
    v_final: np.ndarray
    noise: str
    engine: str
    status: Status
    message: str
    n_steps: int
    n_grad_evals: int


# --------------------------------------------------------------------------- compiled driver
@jit
def _run_epochs_mlp(x, v, X, y, arch, hyper, code, L, state, epoch0, n_epochs, burn_in, record,
                    W_out, loss_out, gnorm_out, counters):  # pragma: no cover - compiled
    """Run epochs ``epoch0 .. epoch0 + n_epochs − 1`` in place; returns 0 or 1 (non-finite).

    arch = [n_in, h, K, batch, steps_per_epoch, full_grad_every]; hyper = [lr, momentum,
    sigma, weight_decay]; counters = [n_steps, n_grad_evals, first non-finite epoch].
    """
    n_in, h, K, b, spe, every = arch[0], arch[1], arch[2], arch[3], arch[4], arch[5]
    lr, mom, sigma, wd = hyper[0], hyper[1], hyper[2], hyper[3]
    N = X.shape[0]
    P = x.shape[0]
    g = np.empty(P)
    gf = np.zeros(P)  # the (possibly stale, when every > 1) full gradient of the controls
    z1 = np.empty(h)
    z2 = np.empty(K)
    zn = np.empty(L.shape[1])
    full = np.arange(N)
    idx = np.empty(b, dtype=np.int64)
    for e in range(epoch0, epoch0 + n_epochs):
        for _ in range(spe):
            if code == 0:
                draw_minibatch(state, N, idx)
                loss_grad(x, X, y, idx, b, n_in, h, K, g, z1, z2)
                counters[1] += b
            else:
                if counters[0] % every == 0:
                    loss_grad(x, X, y, full, N, n_in, h, K, gf, z1, z2)
                    counters[1] += N
                for j in range(P):
                    g[j] = gf[j]
                perturb_gradient(g, code, sigma, L, state, zn)
            sgd_kernel(x, g, v, lr, mom, False, wd)  # adds λx to ĝ when λ > 0
            counters[0] += 1
        if e >= burn_in:
            row = e - burn_in
            f = loss_grad(x, X, y, full, N, n_in, h, K, g, z1, z2)
            counters[1] += N
            s = 0.0
            sq = 0.0
            for j in range(P):
                gj = g[j] + wd * x[j]
                s += gj * gj
                sq += x[j] * x[j]
            f += 0.5 * wd * sq
            loss_out[row] = f
            gnorm_out[row] = np.sqrt(s / P)
            for r in range(record.shape[0]):
                W_out[row, r] = x[record[r]]
            if not np.isfinite(f) or not np.isfinite(s):
                counters[2] = e + 1
                return 1
    return 0


def _compiled(model, X, y, x, v, noise: GradientNoise, lr, mom, wd, b, every, burn_in, total,
              rec, W, loss, gn, state, counters, bar) -> int:
    arch = mlp_arch(model)
    Xa, ya = prepare_data(arch.n_in, arch.n_classes, X, y)
    spe = -(-Xa.shape[0] // b)
    archv = np.array([arch.n_in, arch.hidden, arch.n_classes, b, spe, every], dtype=np.int64)
    hyper = np.array([lr, mom, noise.sigma, wd])
    L = noise.kernel_factor()
    code, e0 = 0, 0
    while e0 < total and code == 0:
        n = min(CHUNK_EPOCHS, total - e0)
        code = _run_epochs_mlp(x, v, Xa, ya, archv, hyper, noise.code, L, state, e0, n, burn_in,
                               rec, W, loss, gn, counters)
        e0 += n
        if bar is not None:
            bar.update(n)
    return int(code)


# --------------------------------------------------------------------------- generic driver
def _generic(model: Sequential, X, y, x, v, noise: GradientNoise, lr, mom, wd, b, every,
             burn_in, total, rec, W, loss, gn, state, counters, bar) -> int:
    N = X.shape[0]
    P = x.shape[0]
    spe = -(-N // b)
    g = np.empty(P)
    gf = np.zeros(P)
    L = noise.kernel_factor()
    zn = np.empty(L.shape[1])
    idx = np.empty(b, dtype=np.int64)
    code = noise.code
    for e in range(total):
        for _ in range(spe):
            if code == 0:
                draw_minibatch(state, N, idx)
                model.loss_and_grad(x, X[idx], y[idx], train=True, out=g)
                counters[1] += b
            else:
                if counters[0] % every == 0:
                    model.loss_and_grad(x, X, y, train=True, out=gf)
                    counters[1] += N
                g[:] = gf
                perturb_gradient(g, code, noise.sigma, L, state, zn)
            sgd_kernel(x, g, v, lr, mom, False, wd)
            counters[0] += 1
        if bar is not None:
            bar.update(1)
        if e >= burn_in:
            row = e - burn_in
            f, _ = model.loss_and_grad(x, X, y, train=True, out=g, weight_decay=wd)
            counters[1] += N
            s = float(g @ g)
            loss[row] = f
            gn[row] = np.sqrt(s / P)
            W[row] = x[rec]
            if not np.isfinite(f) or not np.isfinite(s):
                counters[2] = e + 1
                return 1
    return 0


def sgd_trajectory(model: Any, X: Any, y: Any, x0: Any, *, noise: str | GradientNoise = "minibatch",
                   lr: float = 0.1, momentum: float = 0.0, batch_size: int = 128,
                   n_epochs: int = 1000, burn_in: int = 100, noise_trace: float | None = None,
                   noise_factor: Any = None, record: Any = None, seed: int = 0,
                   v0: Any = None, weight_decay: float = 0.0, full_grad_every: int = 1,
                   engine: str = "auto",
                   progress: bool = False) -> Trajectory:
    """Run SGD (or a control) at a constant learning rate and record once per epoch.

    Parameters
    ----------
    model : deeprelax.nn.Sequential
        Any network of this room without dropout (dense, batch norm, conv), e.g.
        ``tiny_fc(batch_norm=False)`` (885 parameters, compiled path) or ``tiny_fc()``.
    X : array_like (N, ...)
        Inputs (N rows of ``model.input_shape``).
    y : array_like of int (N,)
    x0 : array_like (P,)
        Start (e.g. ``model.init(seed)``, or the end of a previous run).
    noise : {"minibatch", "isotropic", "none", "gaussian"} or GradientNoise
        Gradient estimate (:mod:`deeprelax.sde._network`): SGD, matched-trace isotropic
        Langevin, full-batch GD, or the Gaussian SDE surrogate with factor
        ``noise_factor`` (or a recipe such as :func:`deeprelax.sde.sgd_surrogate`).
    lr : float
        η > 0, constant.
    momentum : float
        μ ∈ [0, 1) (heavy ball, v ← μv + ĝ, x ← x − ηv; 0 is plain SGD, where SGD-VI
        Lemma 2 applies).
    batch_size : int
        b; one epoch is ⌈N/b⌉ steps for every noise model.
    n_epochs : int
        Recorded epochs (after the burn-in).
    burn_in : int
        Epochs run before recording starts.
    noise_trace : float, optional
        tr(D/b) for ``noise="isotropic"``.
    noise_factor : array_like (P, m), optional
        L with L Lᵀ = D/b for ``noise="gaussian"``.
    record : array_like of int, optional
        Indices of the weights to store, in 0..P−1 (not a boolean mask: pass
        ``np.flatnonzero(mask)``; default all P; required when n_epochs × P × 8 bytes exceeds
        ``MAX_RECORD_BYTES``).
    seed : int
        Stream seed: minibatch indices and noise come from one xoshiro256++ stream.
    v0 : array_like (P,), optional
        Initial momentum buffer (default 0).
    weight_decay : float
        λ ≥ 0: the objective is f + (λ/2)|x|² (the update adds λx to ĝ, as
        ``optim.sgd``; the recorded loss and gradient norm include it).
    full_grad_every : int
        k ≥ 1: the controls and the surrogate recompute ∇f every k-th step and reuse it
        in between (fresh noise every step). k = 1 is exact; k > 1 thins the O(NP)
        cost by k at a drift error O(kη‖H∇f‖) per step — say so when used.
    engine : {"auto", "compiled", "generic"}
        Driver (module docstring); ``"compiled"`` needs a ``[Flatten, Dense, ReLU, Dense]``
        network.
    progress : bool
        tqdm bar over epochs.

    Returns
    -------
    Trajectory

    Notes
    -----
    Per step the cost is O(bP) for "minibatch" and O(NP/k) for the controls, plus
    O(NP) per epoch for the recorded full loss and gradient norm. A non-finite loss
    stops the run with status ``NONFINITE`` and the epoch in the message.

    Examples
    --------
    >>> import numpy as np
    >>> from deeprelax import nn
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 1, 7, 7)), rng.integers(0, 5, 64)
    >>> m = nn.tiny_fc()   # with batch norm: the generic driver
    >>> tr = nn.sgd_trajectory(m, X, y, m.init(0), lr=0.05, batch_size=16, n_epochs=3,
    ...                        burn_in=1, record=[0, 1])
    >>> tr.weights.shape, tr.engine, str(tr.status)
    ((3, 2), 'generic', 'success')
    """
    m = _check_model(model)
    check_choice("engine", engine, ENGINES)
    progress = check_bool("progress", progress)
    compiled = is_dense_relu_dense(m)
    if engine == "compiled" and not compiled:
        mlp_arch(m)  # raises with the reason
    use_compiled = compiled and engine != "generic"
    if any(type(layer).__name__ == "Dropout" for layer in m.layers):
        raise bad_parameter("model", "a network without Dropout",
                            [type(layer).__name__ for layer in m.layers],
                            "dropout masks are a second noise source the engine does not model")
    Xa = np.ascontiguousarray(as_float_array("X", X))
    check_finite("X", Xa)
    if Xa.ndim < 1 or Xa.shape[0] < 1:
        raise bad_parameter("X", "at least one sample (N >= 1 rows)", f"shape {Xa.shape}", cls=ShapeError)
    ya = m._labels(y, Xa.shape[0])
    P = m.dim
    x = np.array(as_float_array("x0", x0), copy=True)
    if x.shape != (P,):
        raise bad_parameter("x0", f"a vector of shape ({P},)", f"shape {x.shape}", cls=ShapeError)
    check_finite("x0", x)
    v = np.zeros(P) if v0 is None else np.array(as_float_array("v0", v0), copy=True)
    if v.shape != (P,):
        raise bad_parameter("v0", f"a vector of shape ({P},)", f"shape {v.shape}", cls=ShapeError)
    check_finite("v0", v)
    lr = check_positive("lr", lr)
    mom = check_float("momentum", momentum)
    if not 0.0 <= mom < 1.0:
        raise bad_parameter("momentum", "a number in [0, 1)", momentum)
    N = Xa.shape[0]
    b = check_int("batch_size", batch_size)
    if not 1 <= b <= N:
        raise bad_parameter("batch_size", f"an integer in 1..{N}", batch_size)
    n_epochs = check_int("n_epochs", n_epochs, low=1)
    burn_in = check_int("burn_in", burn_in, low=0)
    every = check_int("full_grad_every", full_grad_every, low=1)
    wd = check_nonnegative("weight_decay", weight_decay)
    gnoise = noise if isinstance(noise, GradientNoise) else gradient_noise(
        noise, P, noise_trace=noise_trace, noise_factor=noise_factor)
    if gnoise.dim != P:
        raise bad_parameter("noise", f"a GradientNoise of dim {P}", gnoise.dim, cls=ShapeError)
    rec = np.arange(P) if record is None else _record_indices(record, P)
    if n_epochs * rec.size * 8 > MAX_RECORD_BYTES:
        raise bad_parameter("record", f"a subset whose record fits in {MAX_RECORD_BYTES} bytes",
                            f"{n_epochs} epochs x {rec.size} weights",
                            "pass record=<indices> or fewer n_epochs")
    W = np.full((n_epochs, rec.size), np.nan)
    loss = np.full(n_epochs, np.nan)
    gn = np.full(n_epochs, np.nan)
    state = path_states(check_seed("seed", seed), 1)[0].copy()
    counters = np.zeros(3, dtype=np.int64)
    total = burn_in + n_epochs
    bar = _bar(total, progress)
    driver = _compiled if use_compiled else _generic
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # a diverging run is detected per epoch and returned as NONFINITE, not a warning
        code = driver(m, Xa, ya, x, v, gnoise, lr, mom, wd, b, every, burn_in, total, rec, W,
                      loss, gn, state, counters, bar)
    if bar is not None:
        bar.close()
    thin = f", full gradient every {every} steps" if every > 1 and gnoise.needs_full_gradient else ""
    msg = (f"{gnoise.kind}: {counters[0]} steps of lr={lr:g}, momentum={mom:g}, "
           f"weight_decay={wd:g}, b={b}, N={N}"
           f"{thin}; recorded {n_epochs} epochs after {burn_in} burn-in")
    if code:
        msg = f"non-finite loss at epoch {int(counters[2])}; lower lr. " + msg
    return Trajectory(W, rec, np.arange(burn_in + 1, total + 1), loss, gn, x, v, gnoise.kind,
                      "compiled" if use_compiled else "generic",
                      Status.NONFINITE if code else Status.SUCCESS, msg, int(counters[0]),
                      int(counters[1]))


def _record_indices(record: Any, P: int) -> np.ndarray:
    """``record`` as a non-empty C-contiguous int64 vector of indices in 0..P−1 (not a bool mask)."""
    if isinstance(record, (str, bytes)):
        raise bad_parameter("record", f"a non-empty array of integer indices in 0..{P - 1}", record)
    try:
        raw = np.asarray(record)
    except (TypeError, ValueError) as exc:  # ragged nests
        raise bad_parameter("record", f"a non-empty array of integer indices in 0..{P - 1}",
                            f"{type(record).__name__} ({exc})") from None
    if raw.dtype.kind == "f" and raw.size and np.all(np.isfinite(raw)) and np.all(raw == np.floor(raw)):
        raw = raw.astype(np.int64)  # integral floats (an index array that went through float)
    if raw.dtype.kind not in "iu":
        fix = "pass np.flatnonzero(mask) for a boolean mask" if raw.dtype.kind == "b" else ""
        raise bad_parameter("record", f"a non-empty array of integer indices in 0..{P - 1}",
                            f"an array of dtype {raw.dtype}", fix)
    rec = np.ascontiguousarray(raw, dtype=np.int64)
    if rec.ndim != 1 or rec.size == 0:
        raise bad_parameter("record", f"a non-empty 1-D array of indices in 0..{P - 1}", f"shape {rec.shape}",
                            cls=ShapeError)
    if rec.min() < 0 or rec.max() >= P:
        raise bad_parameter("record", f"indices in 0..{P - 1}", f"range {rec.min()}..{rec.max()}")
    return rec


def _bar(total: int, on: bool) -> Any:
    if not on:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="epoch")
