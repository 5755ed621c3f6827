"""SGD-VI Figs 1–2: eigenspectrum and rank of the gradient-noise covariance D during training.

For each network (small-fc with batch norm on 7x7 MNIST, 3,978 parameters; small-lenet
on 28x28 MNIST, 13,338 parameters; SGD-VI §IV-A) trained by SGD with Nesterov momentum
and a step annealing of the learning rate, D(x) = N⁻¹ Σₖ (gₖ − ḡ)(gₖ − ḡ)ᵀ is formed at
20 %, 40 % and 100 % of training from ``n_noise`` per-sample gradients in **eval mode**
(dropout off, batch norm with the population statistics), by
:func:`deeprelax.analysis.noise_spectrum_net` (per-layer Gram when N ≤ P, else the
P x P covariance; no N x P matrix). Reported: the eigenvalues, mean ± std of λ(D),
rank(D)/d under the paper's rule (λ > λ_max · d · eps_float32, the authors'
``compute_sigma.py``) and the other rules, and an investigation table of what moves the
threshold-rule rank/d: the number of samples N, training length (the checkpoints) and
annealing, batch norm, float32 vs float64 accumulation, batch-1 vs vectorised
per-sample gradients, and the class count.

The claim-16 verdict compares like with like: the threshold-rule rank/d at the end of
training against the paper's threshold-rule range 0.3–2 % (upper end 2 %).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprelax import nn, optim
from deeprelax._core import DataError
from deeprelax.analysis._noise import RANK_RULES, noise_spectrum, noise_spectrum_net
from deeprelax.data import load_digits, load_mnist
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "noise_spectrum"
TITLE = "Gradient-noise covariance D: eigenspectrum and rank at 20/40/100 % of training"

#: Paper values (SGD-VI Figs 1–2): rank(D)/d between 0.3 % and 2 % (threshold rule).
PAPER_RANK_RANGE = (0.003, 0.02)
#: Per network: the paper's rank/d and mean ± std of λ(D) (SGD-VI Fig. 1a, 1b).
PAPER = {"small_fc": {"rank_over_d": 0.006, "mean": 0.9e-3, "std": 18.5e-3},
         "small_lenet": {"rank_over_d": 0.018, "mean": 0.3e-3, "std": 2.11e-3}}
#: Checkpoints, as fractions of training.
MARKS = (0.2, 0.4, 1.0)
REF = "Chaudhari & Soatto 2018 (SGD-VI), §IV-A, Figs 1–2"


@dataclass(frozen=True)
class Config:
    """Quick scale by default; ``paper()`` and ``full()`` give the other scales.

    Attributes
    ----------
    nets
        networks: "small_fc" (7x7 input, width ``hidden``, batch norm) and/or "small_lenet" (28x28)
    hidden
        hidden width of small-fc (the paper's 64)
    n_classes
        digit classes used (the first n_classes)
    n_train
        training images (at most the MNIST training split)
    n_noise
        training samples whose per-sample gradients give D (the paper: all of them)
    epochs
        SGD epochs; D is taken at 20, 40 and 100 % of them
    lr
        SGD learning rate before annealing
    anneal_at
        fraction of the epochs after which the learning rate is divided by 10 (1: never)
    momentum
        Nesterov momentum
    batch_size
        minibatch size b
    lenet_epochs_factor
        small-lenet trains for this fraction of ``epochs`` (it is ~20x costlier per epoch)
    lenet_n_noise
        samples for small-lenet's D (its N x N Gram eigh costs O(N³))
    investigate
        run the investigation table (extra trainings of small-fc: no BN, 5 classes, no annealing)
    n_batch1
        samples whose gradients are also computed one by one (batch 1, as the authors' code)
    seed
        seed of the data subset, initialisation and minibatches
    """

    nets: tuple[str, ...] = ("small_fc",)
    hidden: int = 64
    n_classes: int = 10
    n_train: int = 2048
    n_noise: int = 2048
    epochs: int = 10
    lr: float = 0.1
    anneal_at: float = 0.6
    momentum: float = 0.9
    batch_size: int = 128
    lenet_epochs_factor: float = 0.5
    lenet_n_noise: int = 1024
    investigate: bool = True
    n_batch1: int = 64
    seed: int = 0

    @classmethod
    def paper(cls) -> Config:
        """small-fc on all 60k 7x7 training images (D from all of them, P x P path) and
        small-lenet on 28x28 (3 epochs, D from 5,000 samples by the layer Gram); ≤ 30 min on 2 cores."""
        return cls(nets=("small_fc", "small_lenet"), n_train=60_000, n_noise=60_000, epochs=10,
                   lenet_epochs_factor=0.3, lenet_n_noise=5000, n_batch1=256)

    @classmethod
    def full(cls) -> Config:
        """As ``paper`` with longer training and small-lenet's D from 20,000 samples (a 20k x 20k
        Gram ``eigh``, hours on 2 cores)."""
        return cls(nets=("small_fc", "small_lenet"), n_train=60_000, n_noise=60_000, epochs=40,
                   lenet_epochs_factor=0.5, lenet_n_noise=20_000, n_batch1=1024)


def small_mnist(n: int, n_classes: int, seed: int, size: int = 7, val_fraction: float = 0.1
                ) -> tuple[np.ndarray, np.ndarray, str, tuple]:
    """Up to ``n`` training images of the first ``n_classes`` digits at ``size`` x ``size``
    when the MNIST files are found, else 8x8 sklearn digits (not for size 28); returns
    (X, y, source, shape). ``val_fraction`` of the training split is held out."""
    classes = tuple(range(n_classes))
    try:
        s = load_mnist(size=size, classes=classes, seed=seed, val_fraction=val_fraction)
        src = f"MNIST {size}x{size} (" + str(s.info.get("source", s.train.name)) + ")"
    except DataError:
        if size == 28:
            raise
        s = load_digits(classes=classes, seed=seed)
        src = "sklearn digits 8x8 (MNIST files not found)"
    X, y = s.train.X[:n], s.train.y[:n]
    return X, y, src, tuple(X.shape[1:])


def _model(net: str, c: Config, shape: tuple, *, batch_norm: bool = True, n_classes: int | None = None):
    k = c.n_classes if n_classes is None else n_classes
    if net == "small_fc":
        return nn.mlp(shape, (c.hidden,), k, batch_norm=batch_norm, name="small_fc")
    if net == "small_lenet":
        if k != 10:
            raise ValueError("small_lenet has 10 classes")
        return nn.small_lenet(batch_norm=batch_norm)
    raise ValueError(f"`nets` entries must be 'small_fc' or 'small_lenet', got {net!r}")


def _train_marks(model, X, y, c: Config, epochs: int, seed: int, anneal_at: float):
    """SGD (Nesterov) from init; yields (fraction, x) at the checkpoints of ``MARKS``.

    Training runs in segments between the checkpoints and the annealing point (lr/10
    after ``anneal_at``); the momentum buffer restarts at each segment boundary.
    """
    obj = nn.MinibatchObjective(model, X, y, batch_size=c.batch_size)
    x = model.init(seed)
    bounds = sorted({*(round(f * epochs, 6) for f in MARKS), round(anneal_at * epochs, 6)} - {0.0})
    bounds = [b for b in bounds if b <= epochs]
    ss = np.random.SeedSequence(seed)
    done = 0.0
    for b, child in zip(bounds, ss.spawn(len(bounds))):
        lr = c.lr if done < anneal_at * epochs - 1e-9 else 0.1 * c.lr
        res = optim.minimize(optim.sgd(lr, momentum=c.momentum, nesterov=True), obj, x,
                             n_epochs=b - done, seed=np.random.default_rng(child))
        if res.status != "success":
            raise RuntimeError(f"training diverged: {res.message}")
        x, done = np.asarray(res.x), b
        for f in MARKS:
            if abs(f * epochs - b) < 1e-9:
                yield f, x, float(res.full_loss)


def _spec_row(spec, P: int) -> dict[str, Any]:
    ranks = spec.ranks()
    return {"rank_over_d": {r: ranks[r] / P for r in RANK_RULES}, "mean": spec.mean, "std": spec.std,
            "lambda_max": float(spec.eigenvalues[0]), "n_samples": spec.n_samples, "method": spec.method}


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    arrays: dict[str, Any] = {}
    info: dict[str, Any] = {"nets": {}, "investigation": [], "paper": PAPER}
    checks = []
    final: dict[str, dict] = {}
    for net in c.nets:
        size = 7 if net == "small_fc" else 28
        X, y, src, shape = small_mnist(c.n_train, c.n_classes, c.seed, size, 0.0)
        model = _model(net, c, shape)
        P = model.dim
        ep = c.epochs if net == "small_fc" else max(1, round(c.epochs * c.lenet_epochs_factor))
        n_noise = min(c.n_noise if net == "small_fc" else c.lenet_n_noise, X.shape[0])
        Xn, yn = X[:n_noise], y[:n_noise]
        rec: dict[str, Any] = {"data": src, "n_train": int(X.shape[0]), "dim": P, "epochs": ep,
                               "n_noise": n_noise, "checkpoints": {}}
        t0 = time.process_time()
        x_last = None
        for f, x, loss in _train_marks(model, X, y, c, ep, c.seed, c.anneal_at):
            pct = round(100 * f)
            t1 = time.process_time()
            spec = noise_spectrum_net(model, x, Xn, yn)
            row = _spec_row(spec, P)
            row.update(epoch=f * ep, loss=loss, grad_norm=float(np.linalg.norm(spec.mean_gradient)),
                       d_cpu_s=time.process_time() - t1)
            ev = nn.evaluate(model, x, X, y)
            row["train_error"] = ev.error
            rec["checkpoints"][str(pct)] = row
            arrays[f"eig_{net}_{pct}"] = spec.eigenvalues
            x_last, spec_last = x, spec
        rec["cpu_s"] = time.process_time() - t0
        info["nets"][net] = rec
        for key in ("n_train", "dim", "data"):  # the first network's, at the top level
            info.setdefault(key, rec[key])
        final[net] = rec["checkpoints"]["100"]
        for pct, row in rec["checkpoints"].items():
            rd = row["rank_over_d"]
            checks.append(check_row(
                f"{net}: rank(D)/d at {pct} % of training (rule λ_max·d·eps32)", REF,
                rd["paper"], None, "~", kind="derived", claim_id=16,
                note=f"N={row['n_samples']} ({row['method']}), d={P}, rank ≤ {min(row['n_samples'] - 1, P)}; "
                     f"trace99 rank/d = {rd['trace99']:.3g}; mean ± std of λ(D) = {row['mean']:.3g} ± "
                     f"{row['std']:.3g} (std/mean {row['std'] / row['mean']:.3g}); train error "
                     f"{row['train_error']:.3f}; {src}"))
        pa = PAPER.get(net, {})
        row = final[net]
        checks.append(check_row(
            f"{net}: scale-free anisotropy std/mean of λ(D) at the end of training", f"{REF} "
            f"(paper {pa.get('std', np.nan) / pa.get('mean', np.nan):.3g})", row["std"] / row["mean"], None, "~",
            kind="derived", claim_id=16, note=f"mean {row['mean']:.3g} (paper {pa.get('mean', np.nan):.3g}), "
                                              f"std {row['std']:.3g} (paper {pa.get('std', np.nan):.3g})"))
        if c.investigate and net == c.nets[0]:
            info["investigation"] += _investigate(c, net, model, x_last, spec_last, X, y, Xn, yn, shape)
    for r in info["investigation"]:
        checks.append(check_row(f"what moves rank/d: {r['factor']} — {r['variant']}", REF, r["rank_over_d"],
                                None, "~", kind="derived", claim_id=16,
                                note=f"baseline {r['baseline']:.4g}; {r['note']}"))
    rd_thr = max(v["rank_over_d"]["paper"] for v in final.values())
    rd_t99 = max(v["rank_over_d"]["trace99"] for v in final.values())
    worst = max(final, key=lambda k: final[k]["rank_over_d"]["paper"])
    checks.insert(0, claim_row(
        16, "D(x) of a deep network has low rank: rank(D)/d by the paper's threshold rule λ_max·d·eps32 at the "
            "end of training (largest over the networks run)", f"{REF} (threshold rule, 0.3–2 %)",
        measured=rd_thr, bound=PAPER_RANK_RANGE[1], relation="<=", qualified_if=rd_t99 <= PAPER_RANK_RANGE[1],
        condition="only as 'effective' rank: 99 % of tr D lies in ≤ 2 % of the directions, while the paper's own "
                  "threshold rule counts more directions",
        note="; ".join(f"{k}: threshold-rule rank/d {v['rank_over_d']['paper']:.2%} (paper "
                       f"{PAPER.get(k, {}).get('rank_over_d', np.nan):.1%}), trace99 {v['rank_over_d']['trace99']:.2%},"
                       f" N={v['n_samples']}" for k, v in final.items()) + f"; largest: {worst}"))
    info["conclusion"] = _conclusion(final, info["investigation"])
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))


def _investigate(c: Config, net: str, model, x, spec, X, y, Xn, yn, shape) -> list[dict[str, Any]]:
    """What moves the threshold-rule rank/d of the first network (at the end of training)."""
    P = model.dim
    base = spec.rank("paper") / P
    rows: list[dict[str, Any]] = []

    def add(factor: str, variant: str, value: float, note: str) -> None:
        rows.append({"factor": factor, "variant": variant, "rank_over_d": float(value), "baseline": base,
                     "note": note})

    n = Xn.shape[0]
    for frac in (0.25, 0.5):
        m = max(2, int(frac * n))
        s = noise_spectrum_net(model, x, Xn[:m], yn[:m], stats=nn.batch_norm_stats(model, x, X))
        add("data size N", f"D from N = {m} samples (baseline N = {n})", s.rank("paper") / P,
            f"rank ≤ min(N − 1, d) = {min(m - 1, P)}; more samples → more directions above the threshold")
    s32 = noise_spectrum_net(model, x, Xn, yn, dtype="float32")
    err = float(np.max(np.abs(s32.eigenvalues - spec.eigenvalues)) / spec.eigenvalues[0])
    add("float32 vs float64", "float32 GEMMs and eigh", s32.rank("paper") / P,
        f"max|Δλ|/λ_max = {err:.1e}, below the threshold d·eps32 = {P * np.finfo(np.float32).eps:.1e}")
    stats = nn.batch_norm_stats(model, x, X[: Xn.shape[0]])
    m = min(c.n_batch1, n)
    Gv = nn.per_sample_grads(model, x, Xn[:m], yn[:m], stats=stats)
    G1 = np.stack([model.loss_and_grad(x, Xn[i:i + 1], yn[i:i + 1], train=False, stats=stats)[1]
                   for i in range(m)])
    dg = float(np.max(np.abs(G1 - Gv)) / np.max(np.abs(Gv)))
    r1, rv = noise_spectrum(G1).rank("paper"), noise_spectrum(Gv).rank("paper")
    add("batch-1 vs vectorised per-sample gradients", f"loop of {m} batch-1 eval-mode gradients", r1 / P,
        f"vectorised on the same {m}: rank/d {rv / P:.4g}; max|Δg|/max|g| = {dg:.1e}")
    for factor, variant, kw, anneal in (
            ("batch norm", "small-fc without batch norm", {"batch_norm": False}, c.anneal_at),
            ("class count", "5 classes (digits 0–4)", {"n_classes": 5}, c.anneal_at),
            ("annealing", "constant learning rate (no annealing)", {}, 1.0)):
        if net != "small_fc":
            break
        k = kw.get("n_classes", c.n_classes)
        if k != c.n_classes:
            X2, y2, _, _ = small_mnist(c.n_train, k, c.seed, 7, 0.0)
        else:
            X2, y2 = X, y
        mdl = _model(net, c, shape, batch_norm=kw.get("batch_norm", True), n_classes=k)
        *_, (f, x2, _) = _train_marks(mdl, X2, y2, c, c.epochs, c.seed, anneal)
        n2 = min(n, X2.shape[0])
        s2 = noise_spectrum_net(mdl, x2, X2[:n2], y2[:n2])
        add(factor, variant, s2.rank("paper") / mdl.dim, f"d = {mdl.dim}, N = {n2}, trace99 rank/d "
            f"{s2.rank('trace99') / mdl.dim:.3g}")
    return rows


def _conclusion(final: dict, inv: list[dict]) -> str:
    parts = [f"{k}: threshold-rule rank/d = {v['rank_over_d']['paper']:.2%} at the end of training "
             f"(paper {PAPER.get(k, {}).get('rank_over_d', float('nan')):.1%}), trace99 "
             f"{v['rank_over_d']['trace99']:.2%}" for k, v in final.items()]
    lo = [r for r in inv if r["factor"] == "data size N"]
    if lo:
        parts.append("fewer samples give a smaller rank (" + ", ".join(
            f"{r['variant'].split('(')[0].strip()}: {r['rank_over_d']:.2%}" for r in lo) + ")")
    return "; ".join(parts)
