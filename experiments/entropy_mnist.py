"""Entropy-SGD / Entropy-Adam vs SGD / Adam on MNIST, in the manner of Entropy-SGD Fig. 4.

Validation error against effective epochs (epochs × L) for an MLP, several seeds,
and the final test errors next to the paper's Table 1 (mnistfc: Entropy-SGD 1.37 %,
Adam 1.39 %; LeNet: 0.50 % vs 0.51 %).

Quick scale (defaults, ~30 s): a reduced mnistfc (196-128-128-10, no dropout) on
14x14 MNIST10k when the file is on the search path, else on scikit-learn's 8x8
digits; 10 effective epochs, 2 seeds. Entropy-SGD uses the paper's MNIST settings
(L = 20, η′ = 0.1, ε = 10⁻³, γ₀ = 10⁻⁴, γ₁ = 10⁻³, scoped outer step with η = 1
divided by 10 after 40 % of the budget, i.e. after 2 of 5 Entropy-SGD epochs in the
paper, Nesterov 0.9 in the inner loop). This is a reduced-scale run: the numbers are
not the paper's and are not expected to be.

Full scale (``Config.full()``): mnistfc 784-1024-1024-10 on 28x28 MNIST (IDX when
present, else MNIST10k), dropout 0.5 for the baselines and 0.15 for Entropy-SGD,
Adam 10⁻³ divided by 5 every 30 epochs for 100 epochs, Entropy-SGD 5 epochs × L = 20
(100 effective epochs), 5 seeds.

References
----------
P. Chaudhari et al., Entropy-SGD, ICLR 2017, arXiv:1611.01838, §5.2, Fig. 4, Table 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments._base import Results, check_row, config_dict
from experiments.train import Config as TrainConfig
from experiments.train import load_splits, train_run

NAME = "entropy_mnist"
TITLE = "Entropy-SGD vs SGD/Adam on MNIST (Entropy-SGD Fig. 4, reduced scale)"

#: Table 1 of the paper: test error (%) on MNIST.
PAPER_TABLE1 = {("mnistfc", "entropy_sgd"): 1.37, ("mnistfc", "adam"): 1.39,
                ("lenet", "entropy_sgd"): 0.50, ("lenet", "adam"): 0.51}
#: Margin (percentage points) for "Entropy-SGD is comparable to the best baseline".
COMPARABLE_PP = 1.0


#: Dropout rates of §5.2: (baseline, Entropy-SGD) per network.
PAPER_DROPOUT = {"mnistfc": (0.5, 0.15), "lenet": (0.5, 0.25)}


@dataclass(frozen=True)
class Config:
    """Quick scale by default; see the module docstring.

    ``models``: ``"mlp"`` is the reduced mnistfc with widths ``hidden`` and dropout
    ``mlp_dropout``; ``"mnistfc"`` and ``"lenet"`` are the presets with the paper's
    dropout rates (:data:`PAPER_DROPOUT`).

    Attributes
    ----------
    models
        networks: "mlp" (reduced mnistfc with widths `hidden`), "mnistfc", "lenet"
    optimizers
        optimizers compared: sgd, adam, entropy_sgd, entropy_adam
    seeds
        training seeds (one run per model x optimizer x seed)
    hidden
        hidden widths of the "mlp" model
    mlp_dropout
        dropout rate of the "mlp" model
    image_size
        MNIST images downsampled to image_size x image_size pixels
    dataset
        "auto" (MNIST when found, else scikit-learn digits), "mnist", "digits" or "mnist1d"
    batch_size
        minibatch size b
    sgd_lr
        learning rate of SGD (Nesterov momentum 0.9)
    adam_lr
        learning rate of Adam
    baseline_drops
        (effective epoch, factor) learning-rate drops of SGD/Adam
    entropy_lr
        outer learning rate η of Entropy-SGD
    entropy_adam_lr
        outer learning rate of Entropy-Adam
    n_inner
        inner Langevin steps L per outer step (Alg. 1)
    inner_lr
        inner-loop learning rate η′
    noise
        inner-loop Langevin noise ε
    gamma0
        initial scope γ₀
    scoping
        scoping rate γ₁: γ_t = γ₀(1 + γ₁)^t
    dtype
        floating-point type of the network parameters and data
    checkpoint_dir
        folder for resumable per-run checkpoints ("": none)
    """

    models: tuple[str, ...] = ("mlp",)
    optimizers: tuple[str, ...] = ("sgd", "adam", "entropy_sgd", "entropy_adam")
    seeds: tuple[int, ...] = (0, 1)
    hidden: tuple[int, ...] = (128, 128)
    mlp_dropout: float = 0.0
    image_size: int = 14
    dataset: str = "auto"
    epochs: float = 10.0                    # effective epochs per run
    batch_size: int = 128
    sgd_lr: float = 0.1
    adam_lr: float = 1e-3
    baseline_drops: tuple[tuple[float, float], ...] = ()
    entropy_lr: float = 1.0
    entropy_adam_lr: float = 0.01
    entropy_drop_at: float = 0.4            # fraction of the budget (paper: after 2 of 5 epochs)
    n_inner: int = 20
    inner_lr: float = 0.1
    noise: float = 1e-3
    gamma0: float = 1e-4
    scoping: float = 1e-3
    dtype: str = "float32"
    checkpoint_dir: str = ""

    @classmethod
    def full(cls) -> Config:
        return cls(models=("mnistfc", "lenet"), optimizers=("adam", "entropy_sgd", "sgd",
                                                            "entropy_adam"),
                   seeds=(0, 1, 2, 3, 4), image_size=28, epochs=100.0,
                   baseline_drops=((30.0, 0.2), (60.0, 0.2), (90.0, 0.2)),
                   checkpoint_dir="results/entropy_mnist/checkpoints")


def _train_config(cfg: Config, model: str, opt: str, seed: int) -> TrainConfig:
    entropy = opt.startswith("entropy")
    lr = {"sgd": cfg.sgd_lr, "adam": cfg.adam_lr, "entropy_sgd": cfg.entropy_lr,
          "entropy_adam": cfg.entropy_adam_lr}[opt]
    drops = ((cfg.entropy_drop_at * cfg.epochs, 0.1),) if opt == "entropy_sgd" else (
        () if entropy else cfg.baseline_drops)
    if model == "mlp":
        preset, hidden, dropout = "mnistfc", cfg.hidden, cfg.mlp_dropout
    else:
        preset, hidden, dropout = model, (), PAPER_DROPOUT[model][1 if entropy else 0]
    return TrainConfig(
        preset=preset, dataset=cfg.dataset, image_size=cfg.image_size, hidden=hidden,
        dropout=dropout, batch_norm=False, optimizer=opt, lr=lr, lr_drops=drops, momentum=0.9,
        nesterov=True, batch_size=cfg.batch_size, epochs=cfg.epochs, n_inner=cfg.n_inner,
        inner_lr=cfg.inner_lr, noise=cfg.noise, gamma0=cfg.gamma0, scoping=cfg.scoping,
        outer_step="scoped", inner_momentum=0.9, outer_momentum=0.0, seed=seed, dtype=cfg.dtype,
        checkpoint_dir=cfg.checkpoint_dir)


def run(config: Config, *, progress: bool = False) -> Results:
    """Train every model with every optimizer and seed; collect curves and final errors."""
    cfg = config
    splits = load_splits(_train_config(cfg, cfg.models[0], cfg.optimizers[0], cfg.seeds[0]))
    arrays: dict[str, np.ndarray] = {}
    info: dict[str, Any] = {"dataset": str(splits.info.get("source", "")),
                            "n_train": splits.train.n, "n_val": splits.val.n,
                            "n_test": splits.test.n, "models": {}, "final": {}}
    checks = []
    for model in cfg.models:
        finals: dict[str, tuple[float, float, float]] = {}
        for opt in cfg.optimizers:
            curves, epochs, tests = [], np.zeros(0), []
            for seed in cfg.seeds:
                out = train_run(_train_config(cfg, model, opt, seed), splits, progress=progress)
                curves.append(out["history"]["val_error"])
                epochs = out["history"]["effective_epochs"]
                tests.append(out["test_error"])
                info["models"][model] = {"name": out["model"], "n_params": out["n_params"]}
            arrays[f"{model}__{opt}__effective_epochs"] = np.asarray(epochs)
            arrays[f"{model}__{opt}__val_error"] = np.stack(curves)
            arrays[f"{model}__{opt}__test_error"] = np.asarray(tests)
            finals[opt] = (float(np.mean([c[-1] for c in curves])), float(np.mean(tests)),
                           float(np.std(tests)))
        info["final"][model] = {k: {"val_error": v[0], "test_error": v[1], "test_error_std": v[2]}
                                for k, v in finals.items()}
        checks += _checks(cfg, model, info, finals)
    return Results(NAME, config_dict(cfg), arrays, info, tuple(checks))


def _checks(cfg: Config, model: str, info: dict[str, Any],
            finals: dict[str, tuple[float, float, float]]) -> list:
    m = info["models"][model]
    paper_net = "lenet" if model == "lenet" else "mnistfc"
    reduced = model == "mlp" or cfg.epochs < 100 or "10k" in info["dataset"]
    scale = (f"{'reduced-scale run' if reduced else 'full-scale run'}: {m['name']} "
             f"({m['n_params']:,} weights) on {info['dataset']}, {cfg.epochs:g} effective epochs, "
             f"{len(cfg.seeds)} seeds; paper: {paper_net} on full MNIST, 5 runs")
    rows = []
    for opt, (_, te, sd) in finals.items():
        paper = PAPER_TABLE1.get((paper_net, opt))
        rows.append(check_row(
            f"{m['name']}: final test error (%) of {opt}, mean of {len(cfg.seeds)} seeds "
            f"(std {100 * sd:.2f}); bound column = paper", f"Chaudhari et al. 2017, Table 1 "
            f"({paper_net})", 100 * te, paper, "~", note=scale))
    base = [finals[o][0] for o in ("sgd", "adam") if o in finals]
    if "entropy_sgd" in finals and base:
        rows.append(check_row(
            f"{m['name']}: Entropy-SGD's final validation error is within {COMPARABLE_PP:g} "
            "percentage point of the best of SGD/Adam at equal effective epochs (measured: "
            "difference in points)", "Chaudhari et al. 2017, §5.2 and Table 1",
            100 * (finals["entropy_sgd"][0] - min(base)), COMPARABLE_PP, "<=", note=scale))
    return rows


__all__ = ["NAME", "TITLE", "Config", "run", "PAPER_TABLE1", "PAPER_DROPOUT"]
