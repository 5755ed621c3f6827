"""Long constant-learning-rate trajectories of a one-hidden-layer network: SGD and its controls.

Symbols (shapes): ``x`` the flat parameters (P,) of a ``[Flatten, Dense(n_in, h), ReLU,
Dense(h, K)]`` network in the layout of :class:`deeprelax.nn.Sequential` (W₁ (n_in, h)
row-major, b₁ (h,), W₂ (h, K), b₂ (K,)); ``X`` (N, n_in) inputs, ``y`` (N,) labels;
η the learning rate, μ the heavy-ball momentum, b the batch size; ``L`` a (P, m) factor
of a noise covariance; an *epoch* is ⌈N/b⌉ steps.

One step is v ← μ v + ĝ, x ← x − η v with the gradient estimate ĝ chosen by ``noise``:

``"minibatch"``   real SGD: ĝ = b⁻¹ Σ_{k∈B} ∇f(x; ξₖ), b indices i.i.d. uniform (with
                  replacement, so Cov ĝ = D/b; SGD-VI Definition 1);
``"isotropic"``   control: ĝ = ∇f(x) + σ z, z ~ N(0, I_P), σ² = ``noise_trace``/P, i.e.
                  Langevin noise whose trace matches tr(D/b);
``"none"``        control: full-batch gradient descent, ĝ = ∇f(x);
``"gaussian"``    the SDE surrogate on the network loss: ĝ = ∇f(x) + L z, z ~ N(0, I_m),
                  L Lᵀ = D/b — one Euler–Maruyama step (Δt = η) of dx = −∇f dt +
                  √(2β⁻¹D) dW with β⁻¹ = η/2b, the map ``scheme="sgd"`` of
                  :func:`deeprelax.sde.from_sgd`.

After ``burn_in`` epochs the weights (all, or the ``record`` subset), the loss and the
full-gradient norm ‖∇f(x)‖/√P are stored once per epoch, so memory is
n_epochs × n_record floats.

The loop is one module-level Numba kernel run chunk by chunk (progress between chunks);
:func:`trajectory_numpy` is its slow twin on :meth:`deeprelax.nn.Sequential.loss_and_grad`,
drawing from the same xoshiro256++ stream, and the tests hold the two to round-off.

References
----------
Chaudhari & Soatto, arXiv:1710.11029, §IV-B and Fig. 3 (tiny-fc, 7×7 MNIST, snapshots
every epoch after a burn-in), Lemma 2 (β⁻¹ = η/2b).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import (
    ParameterError,
    ShapeError,
    bad_parameter,
    check_choice,
    check_finite,
    check_nonnegative,
    check_positive,
    jit,
    path_states,
    rng_normal,
    rng_uniform,
)
from ._trajectory import autocorrelation, power_spectrum

__all__ = [
    "Trajectory",
    "NOISE_MODELS",
    "MLPArch",
    "mlp_arch",
    "mlp_loss_grad",
    "sgd_trajectory",
    "trajectory_numpy",
    "IncrementSpectrum",
    "Autocorrelation",
    "PlaneCirculation",
    "increment_spectrum",
    "weight_autocorrelation",
    "plane_circulation",
]

#: Gradient-noise models of :func:`sgd_trajectory` (see the module docstring).
NOISE_MODELS = ("minibatch", "isotropic", "none", "gaussian")
_MODE = {name: i for i, name in enumerate(NOISE_MODELS)}
#: Epochs per compiled chunk between progress updates.
CHUNK_EPOCHS = 50
#: Largest recorded array (bytes) accepted without an explicit ``record`` subset.
MAX_RECORD_BYTES = 2 * 1024**3

STATUS = {0: "SUCCESS", 1: "NONFINITE"}


@dataclass(frozen=True)
class MLPArch:
    """Sizes of a ``Dense(n_in, h) → ReLU → Dense(h, K)`` network; ``dim`` = P."""

    n_in: int
    hidden: int
    n_classes: int

    @property
    def dim(self) -> int:
        return self.n_in * self.hidden + self.hidden + self.hidden * self.n_classes + self.n_classes


def mlp_arch(model: Any) -> MLPArch:
    """The :class:`MLPArch` of a :class:`deeprelax.nn.Sequential` of the form
    ``[Flatten(), Dense(n_in, h), ReLU(), Dense(h, K)]`` (``tiny_fc(batch_norm=False)``)."""
    names = [type(layer).__name__ for layer in getattr(model, "layers", ())]
    if names != ["Flatten", "Dense", "ReLU", "Dense"]:
        raise bad_parameter("model", "a [Flatten, Dense, ReLU, Dense] network "
                            "(e.g. deeprelax.nn.tiny_fc(batch_norm=False))", names,
                            "batch norm and dropout have no per-sample gradient noise model here")
    s = model.slots
    n_in, h = s[0].shape
    K = s[2].shape[1]
    arch = MLPArch(int(n_in), int(h), int(K))
    if arch.dim != model.dim:  # pragma: no cover - layout guard
        raise ParameterError(f"unexpected parameter layout: {arch.dim} != {model.dim}")
    return arch


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
        Final parameters and momentum buffer (to continue a run).
    noise : str
        The noise model.
    status : {"SUCCESS", "NONFINITE"}
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
    status: str
    message: str
    n_steps: int
    n_grad_evals: int


# --------------------------------------------------------------------------- kernels
@jit
def _loss_grad(x, X, y, idx, n_idx, n_in, h, K, g, z1, z2):  # pragma: no cover - compiled
    """Mean cross-entropy over the rows ``idx[:n_idx]`` of (X, y); gradient into g."""
    P = g.shape[0]
    oW2 = n_in * h + h
    ob2 = oW2 + h * K
    for j in range(P):
        g[j] = 0.0
    loss = 0.0
    for r in range(n_idx):
        i = idx[r]
        for j in range(h):
            z1[j] = x[n_in * h + j]
        for a in range(n_in):
            xa = X[i, a]
            if xa != 0.0:
                base = a * h
                for j in range(h):
                    z1[j] += xa * x[base + j]
        for k in range(K):
            z2[k] = x[ob2 + k]
        for j in range(h):
            aj = z1[j] if z1[j] > 0.0 else 0.0
            if aj != 0.0:
                base = oW2 + j * K
                for k in range(K):
                    z2[k] += aj * x[base + k]
        zmax = z2[0]
        for k in range(1, K):
            if z2[k] > zmax:
                zmax = z2[k]
        zy = z2[y[i]]
        s = 0.0
        for k in range(K):
            z2[k] = np.exp(z2[k] - zmax)
            s += z2[k]
        loss += np.log(s) + zmax - zy
        for k in range(K):
            z2[k] /= s  # softmax p
        z2[y[i]] -= 1.0  # delta2 = p - onehot
        for k in range(K):
            g[ob2 + k] += z2[k]
        for j in range(h):
            if z1[j] > 0.0:
                aj = z1[j]
                base = oW2 + j * K
                d1 = 0.0
                for k in range(K):
                    g[base + k] += aj * z2[k]
                    d1 += x[base + k] * z2[k]
                g[n_in * h + j] += d1
                z1[j] = d1  # reuse as delta1
            else:
                z1[j] = 0.0
        for a in range(n_in):
            xa = X[i, a]
            if xa != 0.0:
                base = a * h
                for j in range(h):
                    g[base + j] += xa * z1[j]
    inv = 1.0 / n_idx
    for j in range(P):
        g[j] *= inv
    return loss * inv


@jit
def _run_epochs(x, v, X, y, arch, hyper, mode, L, state, epoch0, n_epochs, burn_in, record,
                W_out, loss_out, gnorm_out, counters):  # pragma: no cover - compiled
    """Run epochs ``epoch0 .. epoch0 + n_epochs − 1`` in place; returns 0 or 1 (non-finite).

    arch = [n_in, h, K, batch, steps_per_epoch]; hyper = [lr, momentum, sigma];
    counters = [n_steps, n_grad_evals, first non-finite epoch].
    """
    n_in, h, K, b, spe = arch[0], arch[1], arch[2], arch[3], arch[4]
    lr, mom, sigma = hyper[0], hyper[1], hyper[2]
    N = X.shape[0]
    P = x.shape[0]
    m = L.shape[1]
    g = np.empty(P)
    z1 = np.empty(h)
    z2 = np.empty(K)
    zn = np.empty(m)
    full = np.arange(N)
    idx = np.empty(b, dtype=np.int64)
    for e in range(epoch0, epoch0 + n_epochs):
        for _ in range(spe):
            if mode == 0:
                for r in range(b):
                    k = int(rng_uniform(state) * N)
                    idx[r] = k if k < N else N - 1
                _loss_grad(x, X, y, idx, b, n_in, h, K, g, z1, z2)
                counters[1] += b
            else:
                _loss_grad(x, X, y, full, N, n_in, h, K, g, z1, z2)
                counters[1] += N
                if mode == 1:
                    for j in range(P):
                        g[j] += sigma * rng_normal(state)
                elif mode == 3:
                    for c in range(m):
                        zn[c] = rng_normal(state)
                    for j in range(P):
                        acc = 0.0
                        for c in range(m):
                            acc += L[j, c] * zn[c]
                        g[j] += acc
            for j in range(P):
                v[j] = mom * v[j] + g[j]
                x[j] -= lr * v[j]
            counters[0] += 1
        if e >= burn_in:
            row = e - burn_in
            f = _loss_grad(x, X, y, full, N, n_in, h, K, g, z1, z2)
            counters[1] += N
            s = 0.0
            for j in range(P):
                s += g[j] * g[j]
            loss_out[row] = f
            gnorm_out[row] = np.sqrt(s / P)
            for r in range(record.shape[0]):
                W_out[row, r] = x[record[r]]
            if not np.isfinite(f) or not np.isfinite(s):
                counters[2] = e + 1
                return 1
    return 0


# --------------------------------------------------------------------------- drivers
def _prepare(arch_or_model: Any, X: Any, y: Any) -> tuple[MLPArch, np.ndarray, np.ndarray]:
    arch = arch_or_model if isinstance(arch_or_model, MLPArch) else mlp_arch(arch_or_model)
    Xa = np.ascontiguousarray(np.asarray(X, dtype=np.float64).reshape(np.shape(X)[0], -1))
    if Xa.shape[1] != arch.n_in:
        raise bad_parameter("X", f"samples with {arch.n_in} inputs", f"shape {np.shape(X)}",
                            cls=ShapeError)
    check_finite("X", Xa)
    ya = np.ascontiguousarray(np.asarray(y, dtype=np.int64))
    if ya.shape != (Xa.shape[0],) or ya.min() < 0 or ya.max() >= arch.n_classes:
        raise bad_parameter("y", f"{Xa.shape[0]} labels in 0..{arch.n_classes - 1}",
                            f"shape {ya.shape}, range [{ya.min()}, {ya.max()}]", cls=ShapeError)
    return arch, Xa, ya


def mlp_loss_grad(arch_or_model: Any, x: Any, X: Any, y: Any) -> tuple[float, np.ndarray]:
    """Full-batch mean cross-entropy and its gradient (P,) by the compiled kernel.

    The same numbers as ``model.loss_and_grad(x, X, y, train=False)`` for
    ``tiny_fc(batch_norm=False)``-type networks (checked by the tests).
    """
    arch, Xa, ya = _prepare(arch_or_model, X, y)
    xa = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    if xa.shape != (arch.dim,):
        raise bad_parameter("x", f"a vector of shape ({arch.dim},)", f"shape {xa.shape}",
                            cls=ShapeError)
    g = np.empty(arch.dim)
    full = np.arange(Xa.shape[0])
    f = _loss_grad(xa, Xa, ya, full, full.size, arch.n_in, arch.hidden, arch.n_classes, g,
                   np.empty(arch.hidden), np.empty(arch.n_classes))
    return float(f), g


def _check_noise(noise: str, P: int, noise_trace: float | None,
                 noise_factor: Any) -> tuple[float, np.ndarray]:
    check_choice("noise", noise, NOISE_MODELS)
    sigma, L = 0.0, np.zeros((P, 1))
    if noise == "isotropic":
        if noise_trace is None:
            raise ParameterError("`noise_trace` must be given for noise='isotropic': the trace "
                                 "tr(D/b) of the minibatch covariance to match")
        sigma = float(np.sqrt(check_nonnegative("noise_trace", noise_trace) / P))
    if noise == "gaussian":
        if noise_factor is None:
            raise ParameterError("`noise_factor` must be given for noise='gaussian': a (P, m) "
                                 "factor L with L L^T = D/b (NoiseSpectrum.minibatch_factor)")
        L = np.ascontiguousarray(np.asarray(noise_factor, dtype=np.float64))
        if L.ndim != 2 or L.shape[0] != P:
            raise bad_parameter("noise_factor", f"a ({P}, m) factor", f"shape {L.shape}",
                                cls=ShapeError)
        check_finite("noise_factor", L)
    return sigma, L


def sgd_trajectory(model: Any, X: Any, y: Any, x0: Any, *, noise: str = "minibatch",
                   lr: float = 0.1, momentum: float = 0.0, batch_size: int = 128,
                   n_epochs: int = 1000, burn_in: int = 100, noise_trace: float | None = None,
                   noise_factor: Any = None, record: Any = None, seed: int = 0,
                   v0: Any = None, progress: bool = False) -> Trajectory:
    """Run SGD (or a control) at a constant learning rate and record once per epoch.

    Parameters
    ----------
    model : deeprelax.nn.Sequential or MLPArch
        A ``[Flatten, Dense(n_in, h), ReLU, Dense(h, K)]`` network, e.g.
        ``deeprelax.nn.tiny_fc(batch_norm=False)`` (885 parameters).
    X : array_like (N, ...)
        Inputs, flattened to (N, n_in).
    y : array_like of int (N,)
    x0 : array_like (P,)
        Start (e.g. ``model.init(seed)``, or the end of a previous run).
    noise : {"minibatch", "isotropic", "none", "gaussian"}
        Gradient estimate (module docstring): SGD, matched-trace isotropic Langevin,
        full-batch GD, or the Gaussian SDE surrogate with factor ``noise_factor``.
    lr : float
        η > 0, constant.
    momentum : float
        μ ∈ [0, 1) (heavy ball, v ← μv + ĝ, x ← x − ηv; 0 is plain SGD, where SGD-VI
        Lemma 2 applies).
    batch_size : int
        b; one epoch is ⌈N/b⌉ steps for every noise model (same number of updates).
    n_epochs : int
        Recorded epochs (after the burn-in).
    burn_in : int
        Epochs run before recording starts.
    noise_trace : float, optional
        tr(D/b) for ``noise="isotropic"``.
    noise_factor : array_like (P, m), optional
        L with L Lᵀ = D/b for ``noise="gaussian"``.
    record : array_like of int, optional
        Weights to store (default all P; required when n_epochs × P × 8 bytes exceeds
        ``MAX_RECORD_BYTES``).
    seed : int
        Stream seed: minibatch indices and noise come from one xoshiro256++ stream.
    v0 : array_like (P,), optional
        Initial momentum buffer (default 0).
    progress : bool
        tqdm bar over epochs.

    Returns
    -------
    Trajectory

    Notes
    -----
    Per step the cost is O(bP) for "minibatch" and O(NP) for the controls (they need
    the full gradient), plus O(NP) per epoch for the recorded full-gradient norm.
    A non-finite loss stops the run with status ``"NONFINITE"`` and the epoch in the
    message.

    References
    ----------
    Chaudhari & Soatto, arXiv:1710.11029, §IV-B, Fig. 3 and Lemma 2.
    """
    arch, Xa, ya = _prepare(model, X, y)
    P = arch.dim
    x = np.array(np.asarray(x0, dtype=np.float64), copy=True)
    if x.shape != (P,):
        raise bad_parameter("x0", f"a vector of shape ({P},)", f"shape {x.shape}", cls=ShapeError)
    check_finite("x0", x)
    v = np.zeros(P) if v0 is None else np.array(np.asarray(v0, dtype=np.float64), copy=True)
    lr = check_positive("lr", lr)
    mom = float(momentum)
    if not 0.0 <= mom < 1.0:
        raise bad_parameter("momentum", "a number in [0, 1)", momentum)
    N = Xa.shape[0]
    b = int(batch_size)
    if b != batch_size or not 1 <= b <= N:
        raise bad_parameter("batch_size", f"an integer in 1..{N}", batch_size)
    n_epochs, burn_in = int(n_epochs), int(burn_in)
    if n_epochs < 1 or burn_in < 0:
        raise bad_parameter("n_epochs / burn_in", "n_epochs >= 1 and burn_in >= 0",
                            (n_epochs, burn_in))
    sigma, L = _check_noise(noise, P, noise_trace, noise_factor)
    rec = np.arange(P) if record is None else np.ascontiguousarray(np.asarray(record, np.int64))
    if rec.ndim != 1 or rec.size == 0 or rec.min() < 0 or rec.max() >= P:
        raise bad_parameter("record", f"a non-empty array of indices in 0..{P - 1}", record,
                            cls=ShapeError)
    if n_epochs * rec.size * 8 > MAX_RECORD_BYTES:
        raise bad_parameter("record", f"a subset whose record fits in {MAX_RECORD_BYTES} bytes",
                            f"{n_epochs} epochs x {rec.size} weights",
                            "pass record=<indices> or fewer n_epochs")
    spe = -(-N // b)
    W = np.full((n_epochs, rec.size), np.nan)
    loss = np.full(n_epochs, np.nan)
    gn = np.full(n_epochs, np.nan)
    state = path_states(seed, 1)[0].copy()
    archv = np.array([arch.n_in, arch.hidden, arch.n_classes, b, spe], dtype=np.int64)
    hyper = np.array([lr, mom, sigma])
    counters = np.zeros(3, dtype=np.int64)
    total = burn_in + n_epochs
    bar = _bar(total, progress)
    code, e0 = 0, 0
    while e0 < total and code == 0:
        n = min(CHUNK_EPOCHS, total - e0)
        code = _run_epochs(x, v, Xa, ya, archv, hyper, _MODE[noise], L, state, e0, n, burn_in,
                           rec, W, loss, gn, counters)
        e0 += n
        if bar is not None:
            bar.update(n)
    if bar is not None:
        bar.close()
    msg = (f"{noise}: {counters[0]} steps of lr={lr:g}, momentum={mom:g}, b={b}, N={N}; "
           f"recorded {n_epochs} epochs after {burn_in} burn-in")
    if code:
        msg = f"non-finite loss at epoch {int(counters[2])}; lower lr. " + msg
    return Trajectory(W, rec, np.arange(burn_in + 1, total + 1), loss, gn, x, v, noise,
                      STATUS[int(code)], msg, int(counters[0]), int(counters[1]))


def _bar(total: int, on: bool) -> Any:
    if not on:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="epoch")


def trajectory_numpy(model: Any, X: Any, y: Any, x0: Any, *, noise: str = "minibatch",
                     lr: float = 0.1, momentum: float = 0.0, batch_size: int = 128,
                     n_epochs: int = 3, burn_in: int = 0, noise_trace: float | None = None,
                     noise_factor: Any = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Slow numpy twin of :func:`sgd_trajectory` (the test oracle).

    Gradients from :meth:`deeprelax.nn.Sequential.loss_and_grad` (eval mode), the same
    xoshiro256++ stream and draw order as the kernel. Returns the recorded weights
    (n_epochs, P) and the full-gradient norms (n_epochs,).
    """
    arch, Xa, ya = _prepare(model, X, y)
    P, N, b = arch.dim, Xa.shape[0], int(batch_size)
    sigma, L = _check_noise(noise, P, noise_trace, noise_factor)
    x = np.array(x0, dtype=np.float64)
    v = np.zeros(P)
    state = path_states(seed, 1)[0].copy()
    spe = -(-N // b)
    W, gn = [], []
    for e in range(burn_in + n_epochs):
        for _ in range(spe):
            if noise == "minibatch":
                idx = np.array([min(int(rng_uniform(state) * N), N - 1) for _ in range(b)])
                _, g = model.loss_and_grad(x, Xa[idx], ya[idx], train=False)
            else:
                _, g = model.loss_and_grad(x, Xa, ya, train=False)
                if noise == "isotropic":
                    g = g + sigma * np.array([rng_normal(state) for _ in range(P)])
                elif noise == "gaussian":
                    g = g + L @ np.array([rng_normal(state) for _ in range(L.shape[1])])
            v = momentum * v + g
            x = x - lr * v
        if e >= burn_in:
            _, g = model.loss_and_grad(x, Xa, ya, train=False)
            W.append(x.copy())
            gn.append(np.linalg.norm(g) / np.sqrt(P))
    return np.array(W), np.array(gn)


# --------------------------------------------------------------------------- diagnostics
#: z of the two-sided 99 % white-noise band of an autocorrelation (SGD-VI Fig. 3b caption).
Z99 = 2.5758293035489004


@dataclass(frozen=True)
class IncrementSpectrum:
    """Amplitude spectrum of per-weight increments Δxⁱ_k = xⁱ_{k+1} − xⁱ_k.

    ``freq`` (n_f,) in 1/epoch (``numpy.fft.rfftfreq``); ``mean``, ``std`` (n_f,) of
    |rFFT(Δxⁱ)|/n over the weights i (SGD-VI Fig. 3a plots mean ± std).
    """

    freq: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    n_weights: int
    n_increments: int


def increment_spectrum(weights: Any, epoch: float = 1.0) -> IncrementSpectrum:
    """rFFT amplitude of the epoch-to-epoch increments of every recorded weight.

    Parameters
    ----------
    weights : array_like (n, n_w)
        Weights recorded once per epoch (``Trajectory.weights``).
    epoch : float
        Spacing of the records (in epochs).

    Returns
    -------
    IncrementSpectrum

    Notes
    -----
    White increments (Brownian weights) have a flat expected amplitude; an OU weight
    x_{k+1} = a x_k + ε has increment power σ²|1 − e^{−iω}|²/|1 − a e^{−iω}|² (low-pass
    suppressed at ω → 0); a rotation has a peak at its frequency. Computed by
    :func:`deeprelax.analysis._trajectory.power_spectrum` (``increments=True``), each
    weight one path.
    """
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] < 3:
        raise bad_parameter("weights", "an (n_epochs >= 3, n_weights) array", f"shape {W.shape}",
                            cls=ShapeError)
    # each weight is one "path" of a 1-D process for the trajectory room's power_spectrum
    sp = power_spectrum(W[:, :, None], check_positive("epoch", epoch), increments=True)
    return IncrementSpectrum(sp.freqs, sp.amplitude[:, 0], sp.amplitude_std[:, 0], W.shape[1],
                             W.shape[0] - 1)


@dataclass(frozen=True)
class Autocorrelation:
    """Autocorrelation of the weights averaged over weights, with a white-noise band.

    ``lags`` (n_lag,) in records; ``mean`` (n_lag,) the mean over weights of the sample
    autocorrelation ρ̂ⁱ(lag); ``band`` = z/√n, the ±band a white sequence of length n
    stays inside with probability 99 % (z = 2.576) at each lag.
    """

    lags: np.ndarray
    mean: np.ndarray
    band: float
    n: int


def weight_autocorrelation(weights: Any, max_lag: int | None = None,
                           z: float = Z99) -> Autocorrelation:
    """Sample autocorrelation of each recorded weight (FFT, biased estimator), mean over weights.

    Parameters
    ----------
    weights : array_like (n, n_w)
    max_lag : int, optional
        Largest lag (default n // 2).
    z : float
        Half-width of the band in standard errors (2.576 → 99 %).

    Returns
    -------
    Autocorrelation

    Notes
    -----
    ρ̂(τ) = Σ_{k<n−τ} (x_k − x̄)(x_{k+τ} − x̄) / Σ_k (x_k − x̄)² (biased, so |ρ̂| ≤ 1),
    computed for all lags by a zero-padded FFT. Under white noise ρ̂(τ) ≈ N(0, 1/n)
    (Bartlett), hence the band ±z/√n. Computed by
    :func:`deeprelax.analysis._trajectory.autocorrelation` (each weight one path).
    """
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] < 4:
        raise bad_parameter("weights", "an (n >= 4, n_weights) array", f"shape {W.shape}",
                            cls=ShapeError)
    n = W.shape[0]
    ml = n // 2 if max_lag is None else int(max_lag)
    if not 1 <= ml < n:
        raise bad_parameter("max_lag", f"an integer in 1..{n - 1}", max_lag)
    keep = np.ptp(W, axis=0) > 0  # constant weights have no autocorrelation
    ac = autocorrelation(W[:, keep, None], ml)  # the trajectory room's FFT estimator
    return Autocorrelation(np.arange(ml + 1), ac.acf[:, 0], float(z) / np.sqrt(n), n)


@dataclass(frozen=True)
class PlaneCirculation:
    """Angular momentum of a trajectory projected on a plane, with its standard error.

    ``path`` (n, 2) the projected, centred coordinates q; ``angular_momentum`` the
    time average of q₁Δq₂ − q₂Δq₁ per record (positive = counter-clockwise in the
    (u₁, u₂) orientation); ``stderr`` by batch means; ``z`` = angular_momentum/stderr.
    """

    path: np.ndarray
    angular_momentum: float
    stderr: float
    z: float
    n_batches: int


def plane_circulation(x: Any, plane: Any, *, n_batches: int = 20) -> PlaneCirculation:
    """Probability-current signature in a plane: ⟨q₁ dq₂ − q₂ dq₁⟩ with q = U(x − x̄).

    Parameters
    ----------
    x : array_like (n, P)
        States recorded at equal intervals (full weight vectors, or any coordinates).
    plane : array_like (2, P)
        Two orthonormal directions, e.g. the top two eigenvectors of D
        (``NoiseSpectrum.components[:2]``).
    n_batches : int
        Batches of the batch-means standard error (≥ 4).

    Returns
    -------
    PlaneCirculation

    Notes
    -----
    For a stationary process the mean of q₁Δq₂ − q₂Δq₁ (midpoint rule, so the noise
    adds no drift) vanishes under detailed balance: the process is time-reversible and
    the swept area changes sign under time reversal. For a linear process dq = −Aq dt +
    noise with stationary covariance Σ it is (AΣ − ΣAᵀ)₁₂ Δt, non-zero exactly when
    there is a probability current (SGD-VI §V, eqs 15–16). The standard error by batch
    means
    accounts for the autocorrelation of the summand.
    """
    X = np.asarray(x, dtype=np.float64)
    U = np.asarray(plane, dtype=np.float64)
    if X.ndim != 2 or U.shape != (2, X.shape[1]):
        raise bad_parameter("plane", f"a (2, {X.shape[-1]}) array of two directions",
                            f"shapes x {X.shape}, plane {U.shape}", cls=ShapeError)
    nb = int(n_batches)
    if nb < 4 or X.shape[0] < 2 * nb + 1:
        raise bad_parameter("n_batches", f"an integer in 4..{(X.shape[0] - 1) // 2}", n_batches)
    q = (X - X.mean(axis=0)) @ U.T
    dq = np.diff(q, axis=0)
    qm = 0.5 * (q[1:] + q[:-1])  # midpoint (Stratonovich) rule: no Itô drift term
    a = qm[:, 0] * dq[:, 1] - qm[:, 1] * dq[:, 0]
    m = a.size // nb
    means = a[: m * nb].reshape(nb, m).mean(axis=1)
    L = float(a.mean())
    se = float(means.std(ddof=1) / np.sqrt(nb))
    return PlaneCirculation(q, L, se, L / se if se > 0 else float("nan"), nb)
