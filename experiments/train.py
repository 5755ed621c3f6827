"""Train a network: any preset, dataset and optimizer, with per-epoch validation and checkpoints.

The x-axis is *effective epochs* = samples touched / N = gradient evaluations · b / N,
counted by :func:`deeprelax.optim.minimize` (Entropy-SGD's "epochs × L"). Training runs
in periods of about one effective epoch; after each period the validation error is
measured and, when ``checkpoint_dir`` is set, the parameters, the optimizer state, the
generator state and the history are written atomically, so an interrupted run resumes
from the last period with bit-identical results.

Quick scale (the defaults): ``small_fc`` on 7x7 MNIST10k when present, else on
scikit-learn's 8x8 digits, 3 effective epochs of SGD with Nesterov momentum.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from deeprelax import data, nn, optim
from deeprelax._core import DataError, ParameterError, check_choice
from experiments._base import Results, atomic_write_bytes, check_row, config_dict

NAME = "train"
TITLE = "Training run: preset x dataset x optimizer, validation error vs effective epochs"

#: Presets by name (the MLP presets take any input shape; the LeNets need 28x28).
PRESETS = {"mnistfc": nn.mnistfc, "small_fc": nn.small_fc, "tiny_fc": nn.tiny_fc,
           "small_lenet": nn.small_lenet, "lenet": nn.lenet}
#: Optimizers the experiment builds from a config.
OPTIMIZERS = ("sgd", "adam", "entropy_sgd", "entropy_adam")
#: Datasets: "auto" is MNIST (IDX or mnist10k.npz) when found, else sklearn digits.
DATASETS = ("auto", "mnist", "digits", "mnist1d")


@dataclass(frozen=True)
class Config:
    """One training run. Epoch counts are effective epochs (data passes).

    Attributes
    ----------
    preset
        network preset: mnistfc, small_fc, tiny_fc, small_lenet, lenet
    dataset
        "auto" (MNIST when found, else scikit-learn digits), "mnist", "digits" or "mnist1d"
    image_size
        MNIST images downsampled to image_size x image_size pixels
    n_classes
        classes of the classifier head
    optimizer
        sgd, adam, entropy_sgd or entropy_adam
    lr
        learning rate (outer learning rate η for the Entropy optimizers)
    momentum
        momentum of SGD / the outer step
    nesterov
        Nesterov momentum
    weight_decay
        L2 weight decay
    batch_size
        minibatch size b
    epochs
        effective epochs (data passes, inner steps counted)
    n_inner
        Entropy-SGD inner Langevin steps L
    inner_lr
        inner-loop learning rate η′
    noise
        inner-loop Langevin noise ε
    gamma0
        initial scope γ₀
    scoping
        scoping rate γ₁: γ_t = γ₀(1 + γ₁)^t
    alpha
        weight of the running average μ (paper 0.75, reference code 0.25)
    outer_step
        Entropy-SGD outer step convention ("scoped": x ← x − ηγ(x − μ), as in Alg. 1)
    inner_momentum
        momentum of the inner loop
    outer_momentum
        momentum of the outer step
    seed
        seed of the initialisation and minibatches
    data_seed
        seed of the train / validation / test split
    val_fraction
        fraction of the training set held out for validation
    test_fraction
        fraction held out for testing (when the dataset has no test split)
    dtype
        floating-point type of the parameters and data
    checkpoint_dir
        folder for resumable checkpoints ("": none)
    """

    preset: str = "small_fc"
    dataset: str = "auto"
    image_size: int = 7
    n_classes: int = 10
    hidden: tuple[int, ...] = ()          # non-empty: an MLP with these widths instead of the preset
    dropout: float = -1.0                 # < 0: the preset's default
    batch_norm: bool = True               # for small_fc / tiny_fc / mlp
    optimizer: str = "sgd"
    lr: float = 0.1
    lr_drops: tuple[tuple[float, float], ...] = ()   # (effective epoch, multiplier) pairs
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 0.0
    batch_size: int = 128
    epochs: float = 3.0
    # Entropy-SGD / Entropy-Adam (Chaudhari et al. 2017, Alg. 1 and §5.2)
    n_inner: int = 20
    inner_lr: float = 0.1
    noise: float = 1e-3
    gamma0: float = 1e-4
    scoping: float = 1e-3
    alpha: float = 0.75
    outer_step: str = "scoped"
    inner_momentum: float = 0.9
    outer_momentum: float = 0.0
    seed: int = 0
    data_seed: int = 0
    val_fraction: float = 0.1
    test_fraction: float = 0.2
    dtype: str = "float64"
    checkpoint_dir: str = ""

    @classmethod
    def full(cls) -> Config:
        """mnistfc on 28x28 MNIST, Adam 1e-3 divided by 5 every 30 epochs, 100 epochs (§5.2)."""
        return cls(preset="mnistfc", image_size=28, optimizer="adam", lr=1e-3,
                   lr_drops=((30.0, 0.2), (60.0, 0.2), (90.0, 0.2)), epochs=100.0,
                   dropout=0.5, dtype="float32", checkpoint_dir="results/train/checkpoints")


def load_splits(cfg: Config) -> data.Splits:
    """The dataset of ``cfg`` (``"auto"``: MNIST when found on the search path, else digits)."""
    check_choice("dataset", cfg.dataset, DATASETS)
    dtype = np.dtype(cfg.dtype)
    common = dict(val_fraction=cfg.val_fraction, test_fraction=cfg.test_fraction,
                  seed=cfg.data_seed, dtype=dtype)
    if cfg.dataset in ("auto", "mnist"):
        try:
            return data.load_mnist(size=cfg.image_size, **common)
        except DataError:
            if cfg.dataset == "mnist":
                raise
    if cfg.dataset == "mnist1d":
        return data.load_mnist1d(**common)
    return data.load_digits(**common)


def build_model(cfg: Config, input_shape: tuple[int, ...], n_classes: int) -> nn.Sequential:
    """The network of ``cfg`` for inputs of ``input_shape``."""
    kw: dict[str, Any] = {}
    if cfg.hidden:
        return nn.mlp(input_shape, cfg.hidden, n_classes, dropout=max(cfg.dropout, 0.0),
                      batch_norm=cfg.batch_norm, name="mlp-" + "-".join(map(str, cfg.hidden)))
    check_choice("preset", cfg.preset, PRESETS)
    if cfg.dropout >= 0 and cfg.preset in ("mnistfc", "small_lenet", "lenet"):
        kw["dropout"] = cfg.dropout
    if cfg.preset in ("small_fc", "tiny_fc"):
        kw.update(batch_norm=cfg.batch_norm, n_classes=n_classes)
    elif n_classes != 10:
        raise ParameterError(f"`preset` {cfg.preset!r} has 10 classes, got n_classes={n_classes}")
    return PRESETS[cfg.preset](input_shape=input_shape, **kw)


def grad_evals_per_step(cfg: Config) -> int:
    """Minibatch gradients per optimizer step: L for Entropy-SGD/Adam, else 1."""
    return cfg.n_inner if cfg.optimizer.startswith("entropy") else 1


def build_optimizer(cfg: Config, n_samples: int) -> Any:
    """The optimizer of ``cfg``; ``lr_drops`` (effective epochs) become a step schedule."""
    check_choice("optimizer", cfg.optimizer, OPTIMIZERS)
    steps_per_eff_epoch = n_samples / (cfg.batch_size * grad_evals_per_step(cfg))
    lr: Any = cfg.lr
    if cfg.lr_drops:
        bounds = [max(1, int(round(e * steps_per_eff_epoch))) for e, _ in cfg.lr_drops]
        values = [cfg.lr * float(np.prod([f for _, f in cfg.lr_drops[:i]]))
                  for i in range(len(bounds) + 1)]
        lr = optim.piecewise_constant(bounds, values)
    if cfg.optimizer == "sgd":
        return optim.sgd(lr, momentum=cfg.momentum, nesterov=cfg.nesterov and cfg.momentum > 0,
                         weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adam":
        return optim.adam(lr, weight_decay=cfg.weight_decay)
    common = dict(n_inner=cfg.n_inner, inner_lr=cfg.inner_lr, noise=cfg.noise, alpha=cfg.alpha,
                  outer_step=cfg.outer_step, scoping=cfg.scoping)
    if cfg.optimizer == "entropy_sgd":
        return optim.entropy_sgd(lr, cfg.gamma0, momentum=cfg.outer_momentum,
                                 nesterov=cfg.outer_momentum > 0, inner_momentum=cfg.inner_momentum,
                                 inner_nesterov=cfg.inner_momentum > 0,
                                 inner_weight_decay=cfg.weight_decay, **common)
    return optim.entropy_adam(lr, cfg.gamma0, **common)


class _Resume:
    """An optimizer whose ``init`` returns a saved state, so :func:`minimize` continues a run."""

    def __init__(self, opt: Any, state: Any) -> None:
        self._opt, self._state = opt, state

    def init(self, x0: Any) -> Any:
        return self._state

    def step(self, state: Any, objective: Any, rng: np.random.Generator) -> Any:
        return self._opt.step(state, objective, rng)

    def params(self, state: Any) -> Any:
        return self._opt.params(state)

    @property
    def name(self) -> str:
        return getattr(self._opt, "name", "optimizer")


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in _leaves(t)]
    return [tree]


def _rebuild(template: Any, it: Any) -> Any:
    if isinstance(template, tuple) and hasattr(template, "_fields"):
        return type(template)(*[_rebuild(t, it) for t in template])
    if isinstance(template, (tuple, list)):
        return type(template)(_rebuild(t, it) for t in template)
    leaf = next(it)
    if template is None:
        return None
    if isinstance(template, np.ndarray):
        return np.array(leaf, dtype=template.dtype)
    return type(template)(leaf[()])


HISTORY_KEYS = ("effective_epochs", "val_error", "val_loss", "train_loss", "gamma", "lr_steps",
                "wall_time", "coupling")


def _ckpt_path(cfg: Config) -> Path | None:
    if not cfg.checkpoint_dir:
        return None
    d = {k: v for k, v in config_dict(cfg).items() if k != "checkpoint_dir"}
    h = hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cfg.checkpoint_dir) / f"{NAME}-{h}.npz"


def _save(path: Path, x: np.ndarray, state: Any, rng: np.random.Generator, hist: dict,
          period: int) -> None:
    arrays = {"x": x, "period": np.array(period),
              "rng": np.array(json.dumps(rng.bit_generator.state))}
    for i, leaf in enumerate(_leaves(state)):
        arrays[f"leaf_{i}"] = np.empty(0) if leaf is None else np.asarray(leaf)
    for k, v in hist.items():
        arrays[f"hist_{k}"] = np.asarray(v, dtype=np.float64)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def _load(path: Path, template: Any) -> tuple[np.ndarray, Any, np.random.Generator, dict, int]:
    with np.load(path, allow_pickle=False) as z:
        n = len(_leaves(template))
        state = _rebuild(template, iter([z[f"leaf_{i}"] for i in range(n)]))
        rng = np.random.default_rng()
        rng.bit_generator.state = json.loads(str(z["rng"]))
        period = int(z["period"])
        # a key added after the checkpoint was written (e.g. "coupling") reads as NaN
        hist = {k: list(z[f"hist_{k}"]) if f"hist_{k}" in z.files else [np.nan] * period
                for k in HISTORY_KEYS}
        return z["x"].copy(), state, rng, hist, int(z["period"])


def _mean_coupling(c: np.ndarray | None) -> float:
    """Mean over a period's steps of Entropy-SGD's ‖γ(x′ − x)‖/‖ĝ‖ (NaN for other optimizers)."""
    if c is None:
        return float("nan")
    c = np.asarray(c, dtype=np.float64)
    c = c[np.isfinite(c)]
    return float(c.mean()) if c.size else float("nan")


def train_run(cfg: Config, splits: data.Splits | None = None, *, progress: bool = False,
              stop_after: int | None = None) -> dict[str, Any]:
    """Run (or resume) the training of ``cfg``; return the history and the final evaluations.

    ``stop_after`` stops after that many periods (to test interruption and resume).
    """
    splits = splits if splits is not None else load_splits(cfg)
    model = build_model(cfg, splits.sample_shape, splits.n_classes)
    obj = nn.MinibatchObjective(model, splits.train.X, splits.train.y, batch_size=cfg.batch_size,
                                weight_decay=cfg.weight_decay, dtype=np.dtype(cfg.dtype))
    opt = build_optimizer(cfg, obj.n_samples)
    per_step = grad_evals_per_step(cfg)
    steps = max(1, int(round(obj.n_samples / (cfg.batch_size * per_step))))
    # the whole number of periods closest to the budget in effective epochs
    n_periods = max(1, int(round(cfg.epochs * obj.n_samples / (steps * per_step * cfg.batch_size))))
    x = obj.init(cfg.seed)
    state = opt.init(x)
    rng = np.random.default_rng(cfg.seed)
    hist: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    start = 0
    path = _ckpt_path(cfg)
    if path is not None and path.exists():
        x, state, rng, hist, start = _load(path, state)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_periods, initial=start, desc=f"{model.name}/{cfg.optimizer}")
    for period in range(start, n_periods):
        res = optim.minimize(_Resume(opt, state), obj, x, n_steps=steps, seed=rng)
        if not res.success:
            raise RuntimeError(f"training stopped in period {period}: {res.message}")
        state, x = res.state, np.asarray(res.x)
        ev = obj.evaluate(x, splits.val.X, splits.val.y)
        prev = hist["effective_epochs"][-1] if hist["effective_epochs"] else 0.0
        prev_t = hist["wall_time"][-1] if hist["wall_time"] else 0.0
        hist["effective_epochs"].append(prev + res.effective_epochs)
        hist["val_error"].append(ev.error)
        hist["val_loss"].append(ev.loss)
        hist["train_loss"].append(res.full_loss)
        hist["gamma"].append(float(res.history.gamma[-1]))
        hist["lr_steps"].append(float(steps * (period + 1)))
        hist["wall_time"].append(prev_t + res.wall_time)
        hist["coupling"].append(_mean_coupling(res.history.coupling))
        if path is not None:
            _save(path, x, state, rng, hist, period + 1)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(val_error=f"{ev.error:.4f}")
        if stop_after is not None and period + 1 - start >= stop_after:
            break
    if bar is not None:
        bar.close()
    test = obj.evaluate(x, splits.test.X, splits.test.y)
    return {"x": x, "history": {k: np.asarray(v) for k, v in hist.items()},
            "test_error": test.error, "n_params": model.dim, "model": model.name,
            "dataset": str(splits.info.get("source", "")), "n_train": obj.n_samples,
            "steps_per_period": steps, "n_periods": n_periods}


def run(config: Config, *, progress: bool = False) -> Results:
    """One training run as an experiment result (history arrays, final errors)."""
    out = train_run(config, progress=progress)
    h = out["history"]
    arrays = {k: v for k, v in h.items()}
    arrays["x"] = out["x"]
    info = {k: out[k] for k in ("test_error", "n_params", "model", "dataset", "n_train",
                                "steps_per_period", "n_periods")}
    info["final_val_error"] = float(h["val_error"][-1])
    checks = (
        check_row("validation error after training is below chance (learning happened)",
                  "sanity", float(h["val_error"][-1]), 0.5, "<=",
                  note=f"{out['model']} on {out['dataset']}, {config.optimizer}"),
        check_row("effective epochs counted by minimize = configured budget", "Chaudhari et al. "
                  "2017, §5 (epochs x L)", float(h["effective_epochs"][-1]), config.epochs, "==",
                  tol=0.1 * max(config.epochs, 1.0), note="periods of ~1 effective epoch"),
    )
    return Results(NAME, config_dict(config), arrays, info, checks)


__all__ = ["NAME", "TITLE", "Config", "run", "train_run", "load_splits", "build_model",
           "build_optimizer", "grad_evals_per_step"]

