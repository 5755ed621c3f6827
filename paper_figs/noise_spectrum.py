"""SGD-VI Figs 1–2: eigenspectrum of D at 20/40/100 % of training, log–log, one panel per network."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "noise_spectrum"
TITLE = "Gradient-noise covariance D: eigenspectrum at 20/40/100 % of training (SGD-VI Figs 1–2)"
CAPTION = ("Log–log histograms of the non-zero eigenvalues of D (darker = later in training), one panel per "
           "network; dashed vertical lines: the paper's rank threshold λ_max·d·eps_float32 at each checkpoint "
           "(eigenvalues right of it count in rank(D)). Legend: rank(D)/d by that rule and mean ± std of λ(D), "
           "next to the paper's values (small-fc 0.6 %, small-lenet 1.8 %).")

_EPS32 = float(np.finfo(np.float32).eps)


def make(results, outdir) -> Path:
    nets = results.info["nets"]
    paper = results.info.get("paper", {})
    fig, axes = plt.subplots(1, len(nets), figsize=(6.5 * len(nets), 4.6), squeeze=False)
    for ax, (net, rec) in zip(axes[0], nets.items()):
        cps = rec["checkpoints"]
        keys = sorted(cps, key=int)
        shades = plt.cm.Blues(np.linspace(0.45, 1.0, len(keys)))
        d = rec["dim"]
        for col, k in zip(shades, keys):
            lam = np.asarray(results.arrays[f"eig_{net}_{k}"])
            lam = lam[lam > 1e-12 * lam.max()]
            bins = np.logspace(np.log10(lam.min()), np.log10(lam.max()), 50)
            row = cps[k]
            ax.hist(lam, bins=bins, histtype="step", color=col, lw=1.5,
                    label=f"{k} %: rank/d = {row['rank_over_d']['paper']:.2%}, "
                          f"λ = ({row['mean']:.2g} ± {row['std']:.2g})")
            ax.axvline(lam.max() * d * _EPS32, color=col, ls="--", lw=1.0)
        pa = paper.get(net, {})
        ax.plot([], [], "k--", lw=1.0, label="threshold λ_max·d·eps32")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("eigenvalue of D")
        ax.set_ylabel("frequency")
        ax.set_title(f"{net}, d = {d}, N = {rec['n_noise']} ({rec['data'].split(' (')[0]})\npaper: rank/d "
                     f"{pa.get('rank_over_d', float('nan')):.1%}, λ = ({pa.get('mean', float('nan')):.2g} ± "
                     f"{pa.get('std', float('nan')):.2g})", fontsize=8)
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "noise_spectrum.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
