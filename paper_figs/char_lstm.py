"""Entropy-SGD Fig. 6b / 3b: char-LSTM validation nats/char vs effective epochs, and its Hessian."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from experiments._base import Results  # noqa: E402

EXPERIMENT = "char_lstm"
TITLE = "char-LSTM: validation cross-entropy vs effective epochs (cf. Fig. 6b), Hessian (cf. Fig. 3b)"
CAPTION = ("Mean over seeds (band: ± one standard deviation) of the validation cross-entropy in "
           "nats per character after each period of about one effective epoch (gradient "
           "evaluations × batch / N, counted by the optimizer; Entropy methods count L per "
           "step). Legend: final test nats/char. Dashed line: the baseline's best validation "
           "loss, which the ratio row measures the epochs to. Right: eigenvalues of the exact "
           "Hessian of a small char-LSTM (complex-step Hessian-vector products, dense eigh). "
           "At quick scale a reduced run (1 × 64 on a 40 k-character slice), not the paper's "
           "2 × 128 on War and Peace.")

LABELS = {"sgd": "SGD (Nesterov)", "adam": "Adam", "entropy_sgd": "Entropy-SGD",
          "entropy_adam": "Entropy-Adam"}
COLORS = {"sgd": "tab:blue", "adam": "tab:orange", "entropy_sgd": "tab:red",
          "entropy_adam": "tab:purple"}
PAIRS = (("adam", "entropy_adam"), ("sgd", "entropy_sgd"))


def make(results: Results, outdir: str | Path) -> Path:
    """Draw one panel per (baseline, Entropy) pair plus the Hessian; save ``char_lstm.png``."""
    arrays, info = results.arrays, results.info
    pairs = [p for p in PAIRS if all(f"{o}__val_loss" in arrays for o in p)]
    hess = "hessian_eigenvalues" in arrays
    n = len(pairs) + int(hess)
    fig, axes = plt.subplots(1, max(n, 1), figsize=(4.8 * max(n, 1), 3.8), squeeze=False)
    for ax, pair in zip(axes[0], pairs):
        for opt in pair:
            e = np.asarray(arrays[f"{opt}__effective_epochs"])
            v = np.asarray(arrays[f"{opt}__val_loss"])
            te = float(np.mean(arrays[f"{opt}__test_loss"]))
            m, s = v.mean(axis=0), v.std(axis=0)
            ax.plot(e, m, color=COLORS[opt], marker=".", label=f"{LABELS[opt]}: test {te:.3f}")
            ax.fill_between(e, m - s, m + s, color=COLORS[opt], alpha=0.2, lw=0)
        best = float(np.asarray(arrays[f"{pair[0]}__val_loss"]).mean(axis=0).min())
        ax.axhline(best, color=COLORS[pair[0]], ls="--", lw=0.8)
        ax.set_xlabel("effective epochs (epochs × L)")
        ax.set_ylabel("validation cross-entropy (nats/char)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if hess:
        ax = axes[0][len(pairs)]
        lam = np.asarray(arrays["hessian_eigenvalues"])
        h = info.get("hessian", {})
        ax.hist(lam, bins=60, color="tab:gray", log=True)
        ax.set_xlabel("eigenvalue λ")
        ax.set_ylabel("count")
        ax.set_title(f"Hessian, d = {h.get('dim', lam.size):,}: "
                     f"{100 * h.get('frac_near_zero', float('nan')):.0f} % of |λ| < "
                     f"{results.config.get('hess_threshold', 1e-5):g}", fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{info.get('corpus', '')}, {info.get('n_params', 0):,} weights", fontsize=9)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "char_lstm.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
