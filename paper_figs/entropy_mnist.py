"""Entropy-SGD Fig. 4: validation error vs effective epochs (epochs x L), and the coupling."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from experiments._base import Results  # noqa: E402

EXPERIMENT = "entropy_mnist"
TITLE = "Entropy-SGD vs SGD/Adam on MNIST: validation error and coupling vs effective epochs (cf. Fig. 4)"
CAPTION = ("Top: mean over seeds (band: ± one standard deviation, markers every few points) of the "
           "validation error after each period of about one effective epoch (gradient evaluations "
           "x batch / N, counted by the optimizer; Entropy-SGD's epochs x L); legend: final test "
           "error, mean ± std over seeds; dotted lines: Table 1's test errors for the paper's "
           "network. Bottom: Entropy-SGD's coupling ‖γ(x′ − x)‖/‖ĝ(x′)‖ (mean over each period's "
           "inner steps, seed mean), for the paper's γ₀ and for the run with γ₀ scaled up; dashed: "
           "the scope γ (right axis). The scale (network, data, budget) is in the panel titles and "
           "the provenance; quick-scale panels are a smoke test, not the paper's setting.")

LABELS = {"sgd": "SGD (Nesterov)", "adam": "Adam", "entropy_sgd": "Entropy-SGD",
          "entropy_adam": "Entropy-Adam", "entropy_sgd_coupled": "Entropy-SGD, scaled γ₀"}
COLORS = {"sgd": "tab:blue", "adam": "tab:orange", "entropy_sgd": "tab:red",
          "entropy_adam": "tab:purple", "entropy_sgd_coupled": "tab:green"}
PAPER = {("mnistfc", "entropy_sgd"): 1.37, ("mnistfc", "adam"): 1.39,
         ("lenet", "entropy_sgd"): 0.50, ("lenet", "adam"): 0.51}


def _keys(results: Results, model: str) -> list[str]:
    opts = list(results.config["optimizers"]) + ["entropy_sgd_coupled"]
    return [o for o in opts if f"{model}__{o}__val_error" in results.arrays]


def make(results: Results, outdir: str | Path) -> Path:
    """One column per network (validation error over coupling); saves ``entropy_mnist.png``."""
    arrays, info, cfg = results.arrays, results.info, results.config
    models = list(cfg["models"])
    fig, axes = plt.subplots(2, len(models), figsize=(6.0 * len(models), 7.2), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 2]}, sharex="col")
    for j, model in enumerate(models):
        ax, axc = axes[0, j], axes[1, j]
        paper_net = "lenet" if model == "lenet" else "mnistfc"
        lows = []
        for opt in _keys(results, model):
            key = f"{model}__{opt}__"
            e = np.asarray(arrays[key + "effective_epochs"])
            v = 100 * np.atleast_2d(np.asarray(arrays[key + "val_error"]))
            te = 100 * np.asarray(arrays[key + "test_error"], dtype=float)
            m, s = v.mean(axis=0), v.std(axis=0)
            lows.append(m.min())
            lab = (f"{LABELS.get(opt, opt)}: test {te.mean():.2f}"
                   + (f" ± {te.std(ddof=1):.2f}" if te.size > 1 else "") + f" % (n={te.size})")
            ax.plot(e, m, color=COLORS.get(opt), label=lab, marker="o", ms=2.5,
                    markevery=max(1, len(e) // 25), lw=1.2)
            ax.fill_between(e, m - s, m + s, color=COLORS.get(opt), alpha=0.2, lw=0)
            if (paper_net, opt) in PAPER:
                ax.axhline(PAPER[(paper_net, opt)], color=COLORS.get(opt), ls=":", lw=1)
            c = np.atleast_2d(np.asarray(arrays.get(key + "coupling", np.full_like(e, np.nan)), float))
            if np.isfinite(c).any():
                cm = np.nanmean(c, axis=0)
                axc.semilogy(e, cm, color=COLORS.get(opt), marker="o", ms=2.5,
                             markevery=max(1, len(e) // 25), label=f"{LABELS.get(opt, opt)}: coupling")
                g = np.nanmean(np.atleast_2d(np.asarray(arrays[key + "gamma"], float)), axis=0)
                if not hasattr(axc, "_gamma_ax"):
                    axc._gamma_ax = axc.twinx()  # type: ignore[attr-defined]
                axc._gamma_ax.semilogy(e, g, color=COLORS.get(opt), ls="--", lw=1,  # type: ignore[attr-defined]
                                       label=f"γ ({LABELS.get(opt, opt)})")
        if lows:
            top = max(3 * min(lows), min(lows) + 3)
            ax.set_ylim(0.8 * min(min(lows), *[PAPER.get((paper_net, o), 99) for o in ("adam", "entropy_sgd")]),
                        top)
        meta = info.get("models", {}).get(model, {})
        ax.set_title(f"{meta.get('name', model)} ({meta.get('n_params', 0):,} weights), "
                     f"{info.get('n_train', 0):,} training images", fontsize=10)
        ax.set_ylabel("validation error (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7.5, loc="upper right")
        axc.axhline(0.01, color="0.4", lw=0.8, ls=":")
        axc.set_xlabel("effective epochs (epochs × L)")
        axc.set_ylabel("‖γ(x′ − x)‖ / ‖ĝ(x′)‖")
        axc.grid(alpha=0.3, which="both")
        if axc.lines:
            axc.legend(fontsize=7.5, loc="lower right")
        if hasattr(axc, "_gamma_ax"):
            axc._gamma_ax.set_ylabel("scope γ (dashed)")  # type: ignore[attr-defined]
    fig.suptitle(str(info.get("data_note", info.get("dataset", ""))), fontsize=8.5)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "entropy_mnist.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
