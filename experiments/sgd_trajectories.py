"""SGD-VI Fig. 3 (claim 17) and claim 15's network side: SGD in steady state against its controls.

Paper and full scales: tiny-fc without batch norm (49-16-5, 885 parameters) on 7×7 MNIST
digits 0–4 (the MNIST files are required). Quick scale: a 40-8-5 net (373 parameters) on
4,000 generated MNIST-1D samples of classes 0–4, so that even without data files N/P ≈ 10.6
and SGD reaches a steady state in seconds (``dataset``; see ``info["data"]``). SGD runs a burn-in
(``lr_burn`` then the constant ``lr``) to the checkpoint x_c; a **stationarity test**
(trend of the full loss over the recorded SGD epochs, batch means) gates the analysis.
From x_c, with the same number of updates per epoch, every run is recorded once per epoch:

- ``sgd``: real minibatch SGD (with replacement, Cov ĝ = D/b);
- ``isotropic``: full gradient + isotropic Gaussian noise with tr = tr(D(x_c)/b);
- ``gd``: full-batch gradient descent (no noise);
- ``sde_net``: the Gaussian SDE surrogate dx = −∇f dt + √(η/b·D) dW on the network loss,
  D measured at x_c (``deeprelax.sde.sgd_surrogate``), Euler–Maruyama with Δt = η;
- ``sde_quad`` (optional): ``deeprelax.sde.from_sgd`` on the local quadratic model
  (PSD part of the Hessian at x_c), ``sdeint(scheme="sgd")``.

The three full-gradient runs may be **thinned**: ∇f is recomputed every
``full_grad_every``-th step and reused in between (fresh noise every step).

Statistics, each with an error from ``n_segments`` consecutive time segments (batch means):
the low/high-frequency amplitude ratio of the per-weight increment spectrum (geometric
mean over weights), the mean weight autocorrelation at long lags, the angular momentum in
the plane of largest *predicted* current u₁ᵀ(ΣΦ − ΦΣ)u₂ of the linearised surrogate
(``analysis.predicted_circulation_plane``), and the full-gradient-norm drop. The claim-17
verdict compares SGD **against** the controls: a signature that full-batch GD or
matched-trace isotropic noise shows as much does not count.

Claim 15 (network side): for each η/b (``lr × eta_b_factors`` at fixed b), SGD from x_c
runs ``vi_burn_in`` epochs to steady state, then ``vi_epochs`` recorded epochs give the
time-averaged iterate x̄; full-batch GD (heavy ball) from the same state (the start of
the record) runs ``gd_steps`` steps to x*, the critical point it is heading to (its
gradient norm is reported: on a ReLU net with weight decay it stalls at a small value,
the kinks of the loss, instead of vanishing). Reported: ‖x̄ − x*‖ and f(x̄) − f(x*)
with jackknife errors over batches of epochs, and their growth with η/b (log-log slope).

Resumable: with ``stage_dir`` set, every finished run is saved there (keyed by the
configuration) and reused when the experiment is run again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deeprelax import landscapes, nn, sde
from deeprelax._core import ParameterError
from deeprelax.analysis import (
    noise_spectrum,
    plane_circulation,
    predicted_circulation_plane,
    weight_autocorrelation,
)
from deeprelax.analysis._deepnet import increment_spectrum
from deeprelax.data import load_mnist1d
from experiments._base import Results, check_row, claim_row, config_dict
from experiments.noise_spectrum import small_mnist

NAME = "sgd_trajectories"
TITLE = "Trajectories of SGD in steady state vs isotropic noise, full-batch GD and the SDE surrogate"

RUNS = ("sgd", "isotropic", "gd", "sde_net", "sde_quad")
#: The controls the claim-17 verdict compares SGD against.
CONTROLS = ("isotropic", "gd")
REF17 = "Chaudhari & Soatto 2018, §IV-B, Fig. 3, Remark 17"
REF15 = "Chaudhari & Soatto 2018, Theorem 22 / Remark 26 (network side)"


@dataclass(frozen=True)
class Config:
    """Quick scale by default; ``paper()`` decides claim 17 on full MNIST; ``full()`` the paper's length.

    Attributes
    ----------
    dataset
        ``"mnist"``: 7×7 MNIST (8×8 sklearn digits without the files); ``"mnist1d"``: generated
        MNIST-1D (40 inputs, as many samples as asked: N/P ≥ 10 at the quick scale without files)
    n_train
        training images N (the paper's regime needs N/P ≥ 10, P = 885)
    hidden
        width of the one-hidden-layer net (tiny-fc: 16)
    batch_norm
        tiny-fc with batch norm (the paper's 917-parameter net; generic driver, eval-mode H and D)
    n_classes
        digit classes used (the first n_classes)
    lr_burn
        learning rate of the first burn-in phase
    burn_fast
        epochs at lr_burn
    lr
        constant learning rate η of the second burn-in phase and of every recorded run
    weight_decay
        λ of (λ/2)|x|² (cross-entropy on nearly separable data has no minimum; λ > 0 gives a steady state)
    batch_size
        minibatch size b
    burn_in
        SGD epochs at lr before the common checkpoint x_c
    control_burn_in
        epochs the noisy controls run from x_c before recording
    epochs
        recorded epochs of each run
    full_grad_every
        thinning k of the full-gradient runs: ∇f recomputed every k-th step
    n_noise
        samples whose per-sample gradients give D(x_c)
    n_components
        components of the low-rank factor of D(x_c) used by the surrogate
    n_segments
        time segments of the batch-means errors of the spectral and autocorrelation statistics
    n_batches
        batches of the circulation's batch-means and claim 15's jackknife errors
    quad_surrogate
        also run the SDE surrogate on the local quadratic model (sdeint)
    eta_b_factors
        claim 15: multipliers of lr giving the values of η/b
    vi_burn_in
        claim 15: SGD epochs from x_c at each η/b before recording
    vi_epochs
        claim 15: recorded epochs whose mean is x̄
    gd_lr
        claim 15: learning rate of full-batch GD to the critical point x*
    gd_momentum
        claim 15: heavy-ball momentum of that GD (same critical points, faster in flat directions)
    gd_steps
        claim 15: full-batch GD steps
    stage_dir
        directory for per-run checkpoints (resume); empty: no checkpoints
    seed
        seed of the data subset, initialisation, minibatches and noise
    """

    dataset: str = "mnist1d"
    n_train: int = 4000
    hidden: int = 8
    batch_norm: bool = False
    n_classes: int = 5
    lr_burn: float = 0.1
    burn_fast: int = 100
    lr: float = 0.05
    weight_decay: float = 2e-3
    batch_size: int = 128
    burn_in: int = 1000
    control_burn_in: int = 10
    epochs: int = 250
    full_grad_every: int = 4
    n_noise: int = 1500
    n_components: int = 64
    n_segments: int = 5
    n_batches: int = 10
    quad_surrogate: bool = False
    eta_b_factors: tuple[float, ...] = (0.5, 1.0, 2.0)
    vi_burn_in: int = 100
    vi_epochs: int = 100
    gd_lr: float = 0.3
    gd_momentum: float = 0.9
    gd_steps: int = 1000
    stage_dir: str = ""
    seed: int = 0

    @classmethod
    def paper(cls) -> Config:
        """10,000 images (N/P = 11.3), 3,000 burn-in epochs, 2,000 recorded epochs per run."""
        return cls(dataset="mnist", n_train=10_000, hidden=16, burn_fast=200, burn_in=2800,
                   control_burn_in=50, epochs=2000, full_grad_every=10, n_noise=10_000, n_components=200, n_batches=20,
                   quad_surrogate=True, vi_burn_in=300, vi_epochs=500, gd_steps=4000)

    @classmethod
    def full(cls) -> Config:
        """30,000 images (the paper's N), 10^4 recorded epochs (hours; resumable with stage_dir)."""
        return cls(dataset="mnist", n_train=30_000, hidden=16, burn_fast=200, burn_in=4800,
                   control_burn_in=100, epochs=10_000, full_grad_every=10, n_noise=10_000,
                   n_components=200, n_batches=20,
                   quad_surrogate=True, vi_burn_in=500, vi_epochs=2000, gd_steps=10_000)


# --------------------------------------------------------------------------- stages
class _Stages:
    """Per-run checkpoints under ``stage_dir/<config hash>/`` (npz, written atomically)."""

    def __init__(self, c: Config) -> None:
        self.dir = None
        if c.stage_dir:
            # analysis-only fields do not invalidate the runs
            skip = ("stage_dir", "n_segments", "n_batches", "gd_lr", "gd_momentum", "gd_steps")
            key = {k: v for k, v in config_dict(c).items() if k not in skip}
            if not c.batch_norm:
                key.pop("batch_norm")  # stages saved before the field existed stay valid
            h = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
            self.dir = Path(c.stage_dir) / f"{NAME}-{h[:16]}"
            self.dir.mkdir(parents=True, exist_ok=True)

    def get(self, name: str, fn) -> dict[str, np.ndarray]:
        """The saved stage ``name``, or ``fn()`` computed, saved and returned.

        A second process on the same ``stage_dir`` (``DEEPRELAX_STAGE_ORDER=reverse``: the
        independent runs in the opposite order, or ``=sde_net,gd``: those first) shares the work: a stage another live
        process is computing (``<name>.lock`` holding its pid) is waited for, not redone.
        """
        path = None if self.dir is None else self.dir / f"{name}.npz"
        lock = None if self.dir is None else self.dir / f"{name}.lock"
        while lock is not None and not path.exists() and _lock_alive(lock):
            time.sleep(2.0)
        if path is not None and path.exists():
            with np.load(path) as z:
                return {k: z[k] for k in z.files}
        if lock is not None:
            lock.write_text(str(os.getpid()))
        try:
            t = time.process_time()
            out = {k: np.asarray(v) for k, v in fn().items()}
            out["cpu_s"] = np.asarray(time.process_time() - t)
            if path is not None:
                tmp = path.with_suffix(".tmp.npz")
                np.savez(tmp, **out)
                os.replace(tmp, path)
        finally:
            if lock is not None:
                lock.unlink(missing_ok=True)
        return out


def _lock_alive(lock: Path) -> bool:
    """Whether ``lock`` exists and names a live process other than this one."""
    try:
        pid = int(lock.read_text())
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _traj(tr: nn.Trajectory) -> dict[str, Any]:
    return {"weights": tr.weights, "loss": tr.loss, "grad_norm": tr.grad_norm,
            "x_final": tr.x_final, "status": np.asarray(str(tr.status)),
            "n_grad_evals": np.asarray(tr.n_grad_evals)}


def _quad_run(H: np.ndarray, D: np.ndarray, xc: np.ndarray, c: Config, spe: int) -> np.ndarray:
    """from_sgd on f(x) ≈ ½(x − x_c)ᵀ H₊ (x − x_c), sdeint with the SGD map, one save per epoch."""
    w, V = np.linalg.eigh(0.5 * (H + H.T))
    Hp = (V * np.clip(w, 0.0, None)) @ V.T
    model = sde.from_sgd(landscapes.quadratic(0.5 * (Hp + Hp.T), center=xc), c.lr, c.batch_size, D)
    n = spe * c.epochs
    sol = sde.sdeint(model, xc, (0.0, c.lr * n), c.lr, scheme="sgd", seed=c.seed + 7,
                     save_every=spe)
    return np.asarray(sol.x[1:, 0, :])


# --------------------------------------------------------------------------- statistics
def _segments(n: int, k: int) -> list[slice]:
    m = n // k
    return [slice(i * m, (i + 1) * m) for i in range(k)]


def _mean_se(v: np.ndarray) -> tuple[float, float]:
    v = np.asarray(v, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size))


def _spectral_ratio(W: np.ndarray) -> float:
    """log of the geometric mean over weights of (mean amplitude of the lowest tenth of
    frequencies, f = 0 excluded) / (mean amplitude of the highest tenth)."""
    amp = np.abs(np.fft.rfft(np.diff(W, axis=0), axis=0))
    tenth = max(2, amp.shape[0] // 10)
    lo, hi = amp[1:tenth + 1].mean(axis=0), amp[-tenth:].mean(axis=0)
    ok = (lo > 0) & (hi > 0)
    return float(np.mean(np.log(lo[ok] / hi[ok])))


def _long_ac(W: np.ndarray) -> tuple[float, float]:
    """Mean weight autocorrelation over lags [n/8, n/4] and the 99 % white band z/√n."""
    n = W.shape[0]
    ml = max(2, n // 4)
    ac = weight_autocorrelation(W, max_lag=ml)
    return float(ac.mean[ml // 2:ml + 1].mean()), ac.band


def _signature(W: np.ndarray, c: Config) -> dict[str, float]:
    """Spectral log-ratio and long-lag autocorrelation: whole record and segment errors."""
    segs = _segments(W.shape[0], c.n_segments)
    r = np.array([_spectral_ratio(W[s]) for s in segs])
    a = np.array([_long_ac(W[s])[0] for s in segs])
    band = _long_ac(W[segs[0]])[1]
    rm, rse = _mean_se(r)
    am, ase = _mean_se(a)
    return {"log_ratio": rm, "log_ratio_se": rse, "ac_long": am, "ac_long_se": ase,
            "band_segment": band}


def _stationarity(loss: np.ndarray, k: int) -> dict[str, float]:
    """Trend of the loss: slope of k batch means against time, its SE, and the drift
    over the record relative to the mean loss."""
    segs = _segments(loss.size, k)
    m = np.array([loss[s].mean() for s in segs])
    t = np.array([0.5 * (s.start + s.stop) for s in segs])
    A = np.vstack([t - t.mean(), np.ones_like(t)]).T
    coef, *_ = np.linalg.lstsq(A, m, rcond=None)
    resid = m - A @ coef
    se = float(np.sqrt(resid @ resid / (k - 2) / np.sum((t - t.mean()) ** 2)))
    drift = float(coef[0] * loss.size)
    return {"slope": float(coef[0]), "slope_se": se, "z": float(coef[0] / se) if se > 0 else 0.0,
            "rel_drift": drift / float(np.mean(loss))}


def _z(a: float, sa: float, b: float, sb: float) -> float:
    s = float(np.hypot(sa, sb))
    return (a - b) / s if s > 0 else float("inf") * np.sign(a - b)


def _loglog_slope(x: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    """Weighted least-squares slope of log y on log x (errors se/y), and its SE."""
    ly, lx = np.log(y), np.log(x)
    w = (y / np.maximum(se, 1e-300)) ** 2
    W = np.sum(w)
    mx, my = np.sum(w * lx) / W, np.sum(w * ly) / W
    sxx = np.sum(w * (lx - mx) ** 2)
    return float(np.sum(w * (lx - mx) * (ly - my)) / sxx), float(1 / np.sqrt(sxx))


def _fobj(model: nn.Sequential, X: np.ndarray, y: np.ndarray, wd: float,
          x: np.ndarray) -> tuple[float, np.ndarray]:
    """f(x) + (λ/2)|x|² and its gradient (compiled full-batch kernel; with batch norm the
    full-batch train-mode objective, i.e. population statistics at x, as the engine uses)."""
    if model.n_batch_norm:
        return model.loss_and_grad(x, X, y, train=True, weight_decay=wd)
    f, g = nn.mlp_loss_grad(model, x, X, y)
    return f + 0.5 * wd * float(x @ x), g + wd * x


# --------------------------------------------------------------------------- run
def _data(c: Config) -> tuple[np.ndarray, np.ndarray, str, tuple]:
    """(X, y, source, input shape) of ``c.dataset``: N = ``c.n_train`` of the first ``n_classes``."""
    if c.dataset == "mnist":
        return small_mnist(c.n_train, c.n_classes, c.seed)
    if c.dataset != "mnist1d":
        raise ParameterError(f"`dataset` must be 'mnist' or 'mnist1d', got {c.dataset!r}")
    # MNIST-1D has 10 balanced classes: generate enough samples that the first n_classes
    # leave n_train after the validation/test splits
    n = int(np.ceil(c.n_train * 10 / c.n_classes / 0.72)) + 100
    s = load_mnist1d(n_samples=n, seed=c.seed, val_fraction=0.1, test_fraction=0.2)
    keep = s.train.y < c.n_classes
    X, y = s.train.X[keep][:c.n_train], s.train.y[keep][:c.n_train]
    return X, y, f"MNIST-1D (generated, {n} samples, first {c.n_classes} classes)", tuple(X.shape[1:])


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    t_start = time.process_time()
    X, y, src, shape = _data(c)
    model = nn.mlp(shape, (c.hidden,), c.n_classes, batch_norm=c.batch_norm, name="tiny_fc")
    P, N = model.dim, X.shape[0]
    spe = -(-N // c.batch_size)
    st = _Stages(c)
    kw = dict(momentum=0.0, batch_size=c.batch_size, weight_decay=c.weight_decay)

    def burn():
        a = nn.sgd_trajectory(model, X, y, model.init(c.seed), lr=c.lr_burn, n_epochs=1,
                              burn_in=c.burn_fast - 1, record=[0], seed=c.seed, **kw)
        b = nn.sgd_trajectory(model, X, y, a.x_final, lr=c.lr, n_epochs=1, burn_in=c.burn_in - 1,
                              record=[0], seed=c.seed + 10, **kw)
        return {"xc": b.x_final}

    xc = st.get("burn", burn)["xc"]

    def measure():
        G = nn.per_sample_grads(model, xc, X[:c.n_noise], y[:c.n_noise])
        Gc = G - G.mean(axis=0)
        D = Gc.T @ Gc / G.shape[0]
        H = nn.hessian(model, xc, X, y) + c.weight_decay * np.eye(P)
        spec = noise_spectrum(G, n_components=min(c.n_components, min(G.shape)))
        return {"D": D, "H": H, "L": spec.minibatch_factor(c.batch_size),
                "trace_b": np.asarray(spec.trace / c.batch_size), "d_eig": spec.eigenvalues,
                "rank_paper": np.asarray(spec.rank("paper"))}

    meas = st.get("measure", measure)
    D, H = meas["D"], meas["H"]
    thin = dict(full_grad_every=c.full_grad_every)
    specs = {
        "sgd": lambda: _traj(nn.sgd_trajectory(model, X, y, xc, lr=c.lr, n_epochs=c.epochs,
                                               burn_in=0, seed=c.seed + 1, progress=progress,
                                               **kw)),
        "isotropic": lambda: _traj(nn.sgd_trajectory(
            model, X, y, xc, lr=c.lr, noise=sde.isotropic_noise(P, float(meas["trace_b"])),
            n_epochs=c.epochs, burn_in=c.control_burn_in, seed=c.seed + 2, progress=progress,
            **thin, **kw)),
        "gd": lambda: _traj(nn.sgd_trajectory(model, X, y, xc, lr=c.lr, noise="none",
                                              n_epochs=c.epochs, burn_in=0, progress=progress,
                                              **thin, **kw)),
        "sde_net": lambda: _traj(nn.sgd_trajectory(
            model, X, y, xc, lr=c.lr, noise=sde.sgd_surrogate(meas["L"]), n_epochs=c.epochs,
            burn_in=c.control_burn_in, seed=c.seed + 3, progress=progress, **thin, **kw)),
    }
    if c.quad_surrogate:
        specs["sde_quad"] = lambda: {"weights": _quad_run(H, D, xc, c, spe)}
    # claim 15's runs are independent of the trajectories: build them here so that a second
    # process (DEEPRELAX_STAGE_ORDER=reverse) can start on them while this one runs the rest
    vi_keys = []
    for i, fct in enumerate(c.eta_b_factors):
        lr_i = c.lr * fct

        def vi_run(lr_i=lr_i, i=i):
            a = nn.sgd_trajectory(model, X, y, xc, lr=lr_i, n_epochs=1, burn_in=c.vi_burn_in - 1,
                                  record=[0], seed=c.seed + 100 + i, **kw)
            r = nn.sgd_trajectory(model, X, y, a.x_final, lr=lr_i, n_epochs=c.vi_epochs,
                                  burn_in=0, seed=c.seed + 200 + i, **kw)
            return {"W": r.weights, "xs": a.x_final}

        def star(i=i, vi_run=vi_run):
            xs = st.get(f"vi_{i}", vi_run)["xs"]
            gd = nn.sgd_trajectory(model, X, y, xs, lr=c.gd_lr, momentum=c.gd_momentum,
                                   noise="none", batch_size=N, n_epochs=1,
                                   burn_in=c.gd_steps - 1, record=[0],
                                   weight_decay=c.weight_decay)
            return {"xstar": gd.x_final}

        specs[f"vi_{i}"] = vi_run
        specs[f"gd_{i}_lr{c.gd_lr:g}_m{c.gd_momentum:g}_n{c.gd_steps}"] = star
        vi_keys.append((f"vi_{i}", f"gd_{i}_lr{c.gd_lr:g}_m{c.gd_momentum:g}_n{c.gd_steps}"))
    order = list(specs)
    first = os.environ.get("DEEPRELAX_STAGE_ORDER", "")
    if first == "reverse":
        order.reverse()
    elif first:  # a comma-separated list of stages to do first (a third helper process)
        head = [k for k in first.split(",") if k in specs]
        order = head + [k for k in order if k not in head]
    done = {k: st.get(k, specs[k]) for k in order}
    runs = {k: done[k] for k in RUNS if k in done}

    # ---------------------------------------------------------------- the gate
    stat = {k: _stationarity(r["loss"], c.n_segments * 2) for k, r in runs.items() if "loss" in r}
    s_sgd = stat["sgd"]
    stationary = abs(s_sgd["z"]) < 3 or abs(s_sgd["rel_drift"]) < 0.02

    # ---------------------------------------------------------------- statistics
    pred = predicted_circulation_plane(H, D, c.lr, c.batch_size, steps_per_record=spe)
    arrays: dict[str, np.ndarray] = {"d_eigenvalues": meas["d_eig"], "plane": pred.plane}
    sig, circ = {}, {}
    for k, r in runs.items():
        W = r["weights"]
        sig[k] = _signature(W, c)
        cc = plane_circulation(W, pred.plane, n_batches=c.n_batches)
        circ[k] = {"L": cc.angular_momentum, "se": cc.stderr, "z": cc.z}
        inc = increment_spectrum(W)
        ac = weight_autocorrelation(W, max_lag=max(2, W.shape[0] // 4))
        arrays[f"{k}_freq"], arrays[f"{k}_amp_mean"], arrays[f"{k}_amp_std"] = (
            inc.freq, inc.mean, inc.std)
        arrays[f"{k}_ac_mean"] = ac.mean
        arrays[f"{k}_ac_band"] = np.array(ac.band)
        arrays[f"{k}_path"] = cc.path
        if "loss" in r:
            arrays[f"{k}_grad_norm"] = r["grad_norm"]
            arrays[f"{k}_loss"] = r["loss"]
    gdrop = {}
    for k in ("sgd", "gd", "isotropic", "sde_net"):
        g = runs[k]["grad_norm"]
        segs = _segments(g.size, c.n_segments)
        first, last = g[segs[0]], g[segs[-1]]
        ratio = float(first.mean() / last.mean())
        rel = np.hypot(first.std(ddof=1) / np.sqrt(first.size) / first.mean(),
                       last.std(ddof=1) / np.sqrt(last.size) / last.mean())
        gdrop[k] = {"drop": ratio, "se": ratio * float(rel), "last": float(last.mean()),
                    "last_se": float(last.std(ddof=1) / np.sqrt(last.size))}

    # ---------------------------------------------------------------- claim 15 runs
    vi_rows = []
    for i, (kv, kg) in enumerate(vi_keys):
        lr_i = c.lr * c.eta_b_factors[i]
        o = {**done[kv], **done[kg]}
        Wv, xstar = o["W"], o["xstar"]
        f_star, g_star = _fobj(model, X, y, c.weight_decay, xstar)
        xbar = Wv.mean(axis=0)
        segs = _segments(Wv.shape[0], c.n_batches)
        sums = np.array([Wv[sg].sum(axis=0) for sg in segs])
        counts = np.array([sg.stop - sg.start for sg in segs])
        # jackknife over batches (leave one batch of epochs out): errors that respect the
        # autocorrelation of the iterates; x̄ is the mean of the whole record
        jk_x = [(sums.sum(axis=0) - sums[j]) / (counts.sum() - counts[j]) for j in range(len(segs))]
        dist = float(np.linalg.norm(xbar - xstar))
        gap = _fobj(model, X, y, c.weight_decay, xbar)[0] - f_star
        jd = np.array([np.linalg.norm(xj - xstar) for xj in jk_x])
        jg = np.array([_fobj(model, X, y, c.weight_decay, xj)[0] - f_star for xj in jk_x])
        nb = len(segs)
        dse = float(np.sqrt((nb - 1) / nb * np.sum((jd - jd.mean()) ** 2)))
        gse = float(np.sqrt((nb - 1) / nb * np.sum((jg - jg.mean()) ** 2)))
        vi_rows.append({"eta_over_b": lr_i / c.batch_size, "lr": lr_i, "dist": dist, "dist_se": dse,
                        "gap": float(gap), "gap_se": gse,
                        "dist_start_to_star": float(np.linalg.norm(o["xs"] - xstar)),
                        "grad_norm_star": float(np.linalg.norm(g_star) / np.sqrt(P)),
                        "spread": float(np.sqrt(np.mean(np.sum((Wv - xbar) ** 2, axis=1))))})

    # ---------------------------------------------------------------- rows
    checks = []
    # below N/P = 10 the net interpolates and the loss keeps falling: a failure there is the
    # scale's, not the claim's (the paper scale is the regime that decides)
    small = (f"at this scale N/P = {N / P:.1f} < 10 (the net nearly interpolates, no steady "
             "state within the budget); the paper scale decides") if N < 10 * P else ""
    checks.append(check_row(
        "stationarity gate passed (1): relative drift of the SGD loss over the record < 2 % or "
        "trend |z| < 3", "gate of the claim-17 analysis", float(stationary), 1.0, ">=",
        kind="method",
        note=f"slope {s_sgd['slope']:.3g} ± {s_sgd['slope_se']:.2g} per epoch (z = {s_sgd['z']:.2f}, "
             f"{2 * c.n_segments} batch means); relative drift {s_sgd['rel_drift']:+.3%}",
        expected=small))
    s = sig["sgd"]
    zs = {}
    for k in CONTROLS:
        zs[f"spec_vs_{k}"] = _z(s["log_ratio"], s["log_ratio_se"], sig[k]["log_ratio"],
                                sig[k]["log_ratio_se"])
        zs[f"ac_vs_{k}"] = _z(s["ac_long"], s["ac_long_se"], sig[k]["ac_long"], sig[k]["ac_long_se"])
    z_white_spec = s["log_ratio"] / s["log_ratio_se"] if s["log_ratio_se"] > 0 else 0.0
    z_white_ac = (s["ac_long"] - s["band_segment"]) / s["ac_long_se"] if s["ac_long_se"] > 0 else 0.0
    own = z_white_spec >= 3 and z_white_ac >= 3
    beyond_iso = min(zs["spec_vs_isotropic"], zs["ac_vs_isotropic"]) >= 3
    measured = min(zs.values())
    summary = (f"log low/high amplitude ratio: SGD {s['log_ratio']:.3f} ± {s['log_ratio_se']:.3f}, "
               f"isotropic {sig['isotropic']['log_ratio']:.3f} ± {sig['isotropic']['log_ratio_se']:.3f}, "
               f"GD {sig['gd']['log_ratio']:.3f} ± {sig['gd']['log_ratio_se']:.3f}; long-lag AC: SGD "
               f"{s['ac_long']:.3f} ± {s['ac_long_se']:.3f}, isotropic {sig['isotropic']['ac_long']:.3f}, "
               f"GD {sig['gd']['ac_long']:.3f} (99 % band {s['band_segment']:.3f}); "
               f"SE from {c.n_segments} time segments")
    regime = (f"{src}, N = {N}, P = {P} (N/P = {N / P:.1f}), η = {c.lr:g}, b = {c.batch_size}, "
              f"λ = {c.weight_decay:g}, {c.epochs} recorded epochs; controls' ∇f every "
              f"{c.full_grad_every} steps")
    statement = ("SGD's weights are non-Brownian beyond its controls: excess low-frequency increment "
                 "power and long-lag autocorrelation exceed matched-trace isotropic noise AND "
                 "full-batch GD (min z over the four comparisons)")
    if stationary:
        checks.append(claim_row(
            17, statement, REF17, measured=measured, bound=3.0, relation=">=",
            qualified_if=bool(own and beyond_iso),
            condition="non-Brownian beyond matched-trace isotropic noise, but full-batch GD shows the "
                      "signature as much: it is the deterministic drift's, not evidence of "
                      "noise-driven limit cycles",
            note=f"{summary}. {regime}"))
    else:
        checks.append(check_row(
            "claim 17 verdict withheld: the SGD loss is not stationary (gate failed)", REF17,
            measured, None, "~", kind="derived", note=f"{summary}. {regime}"))
    for k in CONTROLS:
        checks.append(check_row(
            f"SGD vs {k}: z of the difference in log low/high increment amplitude ratio",
            REF17, zs[f"spec_vs_{k}"], None, "~", kind="derived",
            note=f"SGD {s['log_ratio']:.3f} ± {s['log_ratio_se']:.3f} vs {sig[k]['log_ratio']:.3f} ± "
                 f"{sig[k]['log_ratio_se']:.3f}"))
        checks.append(check_row(
            f"SGD vs {k}: z of the difference in long-lag weight autocorrelation", REF17,
            zs[f"ac_vs_{k}"], None, "~", kind="derived",
            note=f"SGD {s['ac_long']:.3f} ± {s['ac_long_se']:.3f} vs {sig[k]['ac_long']:.3f} ± "
                 f"{sig[k]['ac_long_se']:.3f}"))
    zsur = _z(s["log_ratio"], s["log_ratio_se"], sig["sde_net"]["log_ratio"],
              sig["sde_net"]["log_ratio_se"])
    checks.append(check_row(
        "SDE surrogate (measured D) reproduces SGD's increment spectrum: |z| of the difference",
        "Chaudhari & Soatto 2018, §III (SGD ≈ dx = −∇f dt + √(η/b D) dW)", abs(zsur), 3.0, "<=",
        kind="derived", note=f"surrogate {sig['sde_net']['log_ratio']:.3f} ± "
                             f"{sig['sde_net']['log_ratio_se']:.3f}"))
    cs = circ["sgd"]
    checks.append(check_row(
        "SGD angular momentum in the plane of largest predicted current: |z| (resolved if >= 3)",
        "Chaudhari & Soatto 2018, Lemma 7 / §V", abs(cs["z"]), 3.0, ">=", kind="derived",
        note=f"L = {cs['L']:.3g} ± {cs['se']:.2g} per epoch; predicted (linearised surrogate) "
             f"{pred.angular_momentum:.3g}; isotropic z = {circ['isotropic']['z']:.2f}, GD z = "
             f"{circ['gd']['z']:.2f}, surrogate z = {circ['sde_net']['z']:.2f}; "
             f"{c.n_batches} batch means"))
    checks.append(check_row(
        "SGD angular momentum / prediction u1ᵀ(ΣΦ − ΦΣ)u2 of the linearised surrogate",
        "Chaudhari & Soatto 2018, §V (OU current)",
        cs["L"] / pred.angular_momentum if pred.angular_momentum else float("nan"), None, "~",
        kind="derived", uncertainty=abs(cs["se"] / pred.angular_momentum) if pred.angular_momentum
        else None, note=f"plane from {pred.n_modes} Hessian modes; relaxation {pred.relaxation:.3g} records"))
    gs, gg = gdrop["sgd"], gdrop["gd"]
    checks.append(check_row(
        "full-gradient norm drop over the record (first/last segment): SGD", REF17 + "; Remark 18",
        gs["drop"], None, "~", kind="derived", uncertainty=gs["se"],
        note=f"GD {gg['drop']:.3g} ± {gg['se']:.2g}; isotropic {gdrop['isotropic']['drop']:.3g}; "
             f"surrogate {gdrop['sde_net']['drop']:.3g}"))
    checks.append(check_row(
        "SGD keeps a larger full gradient than GD at the end of the record (ratio of last-segment "
        "‖∇f‖, >= 1 + 3 SE)", "Chaudhari & Soatto 2018, Remark 18", gs["last"] / gg["last"],
        1.0 + 3 * float(np.hypot(gs["last_se"] / gg["last"], gg["last_se"] * gs["last"] / gg["last"] ** 2)),
        ">=", kind="derived", note=f"SGD {gs['last']:.3g} ± {gs['last_se']:.2g}, GD {gg['last']:.3g}"))
    # claim 15, network side
    eb = np.array([r["eta_over_b"] for r in vi_rows])
    for r in vi_rows:
        checks.append(check_row(
            f"η/b = {r['eta_over_b']:.3g}: ‖x̄ − x*‖ (time-averaged SGD vs GD's critical point)", REF15,
            r["dist"], None, "~", kind="derived", uncertainty=r["dist_se"],
            note=f"f(x̄) − f(x*) = {r['gap']:.3g} ± {r['gap_se']:.2g}; ‖∇f(x*)‖/√P = "
                 f"{r['grad_norm_star']:.2g} (heavy-ball GD, {c.gd_steps} steps, moved "
                 f"{r['dist_start_to_star']:.3g}); SGD spread {r['spread']:.3g}; jackknife over "
                 f"{c.n_batches} batches"))
    if len(vi_rows) >= 2:
        sd, sd_se = _loglog_slope(eb, np.array([r["dist"] for r in vi_rows]),
                                  np.array([r["dist_se"] for r in vi_rows]))
        gaps = np.array([r["gap"] for r in vi_rows])
        checks.append(check_row(
            "‖x̄ − x*‖ grows with η/b: log-log slope > 0 by 3 SE", REF15, sd, 3 * sd_se, ">=",
            kind="derived", uncertainty=sd_se, note="claim 15 expects ≈ 1 (shift linear in η/b)",
            expected=small))
        if np.all(gaps > 0):
            sg, sg_se = _loglog_slope(eb, gaps, np.array([r["gap_se"] for r in vi_rows]))
            checks.append(check_row(
                "f(x̄) − f(x*) grows with η/b: log-log slope > 0 by 3 SE", REF15, sg, 3 * sg_se, ">=",
                kind="derived", uncertainty=sg_se, expected=small))
        else:
            checks.append(check_row("f(x̄) − f(x*) > 0 at every η/b", REF15, float(gaps.min()), 0.0,
                                    ">=", kind="derived", expected=small))

    info: dict[str, Any] = {
        "data": src, "dim": P, "n_train": N, "steps_per_epoch": spe, "trace_D_over_b":
        float(meas["trace_b"]), "rank_paper": int(meas["rank_paper"]), "stationarity": stat,
        "stationary": bool(stationary), "signature": sig, "z": zs, "circulation": circ,
        "predicted_circulation": {"L": pred.angular_momentum, "n_modes": pred.n_modes,
                                  "relaxation_records": pred.relaxation},
        "grad_norm_drop": gdrop, "claim15": vi_rows,
        "status": {k: str(r["status"]) for k, r in runs.items() if "status" in r},
        "cpu_s": {k: float(r["cpu_s"]) for k, r in done.items()},
        "cpu_s_total_this_process": time.process_time() - t_start,
        "thinning": f"full-gradient runs recompute ∇f every {c.full_grad_every} steps",
    }
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))
