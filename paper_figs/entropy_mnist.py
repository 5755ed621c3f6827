"""Entropy-SGD Fig. 4: validation error vs effective epochs (epochs x L), per network."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from experiments._base import Results  # noqa: E402

EXPERIMENT = "entropy_mnist"
TITLE = "Entropy-SGD vs SGD/Adam on MNIST: validation error vs effective epochs (cf. Fig. 4)"
CAPTION = ("Mean over seeds (band: ± one standard deviation) of the validation error after each "
           "period of about one effective epoch (gradient evaluations x batch / N, counted by "
           "the optimizer). Legend: final test error. At quick scale this is a reduced run (a "
           "small MLP on 14x14 MNIST10k, or sklearn digits when MNIST10k is absent), not the "
           "paper's mnistfc/LeNet on full MNIST; the paper's Table 1 numbers are in the theory "
           "table.")

LABELS = {"sgd": "SGD (Nesterov)", "adam": "Adam", "entropy_sgd": "Entropy-SGD",
          "entropy_adam": "Entropy-Adam"}
COLORS = {"sgd": "tab:blue", "adam": "tab:orange", "entropy_sgd": "tab:red",
          "entropy_adam": "tab:purple"}


def make(results: Results, outdir: str | Path) -> Path:
    """Draw one panel per network and save ``entropy_mnist.png`` in ``outdir``."""
    arrays, info = results.arrays, results.info
    models = list(results.config["models"])
    fig, axes = plt.subplots(1, len(models), figsize=(5.2 * len(models), 3.8), squeeze=False)
    for ax, model in zip(axes[0], models):
        for opt in results.config["optimizers"]:
            key = f"{model}__{opt}__"
            if key + "val_error" not in arrays:
                continue
            e = np.asarray(arrays[key + "effective_epochs"])
            v = 100 * np.asarray(arrays[key + "val_error"])
            te = 100 * float(np.mean(arrays[key + "test_error"]))
            m, s = v.mean(axis=0), v.std(axis=0)
            ax.plot(e, m, color=COLORS.get(opt), label=f"{LABELS.get(opt, opt)}: test {te:.2f}%")
            ax.fill_between(e, m - s, m + s, color=COLORS.get(opt), alpha=0.2, lw=0)
        meta = info.get("models", {}).get(model, {})
        ax.set_title(f"{meta.get('name', model)} ({meta.get('n_params', 0):,} weights)", fontsize=10)
        ax.set_xlabel("effective epochs (epochs × L)")
        ax.set_ylabel("validation error (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{info.get('dataset', '')}", fontsize=9)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "entropy_mnist.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
