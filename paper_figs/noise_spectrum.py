"""SGD-VI Fig. 1: eigenspectrum of D at 20/40/100 % of training, log–log."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "noise_spectrum"
TITLE = "Gradient-noise covariance D: eigenspectrum at 20/40/100 % of training (SGD-VI Fig. 1)"
CAPTION = ("Log–log histogram of the non-zero eigenvalues of D (darker = later in training); "
           "legend: rank(D)/d by the paper's rule λ_max·d·eps32, next to the paper's 0.3–2 %.")


def make(results, outdir) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    cps = results.info["checkpoints"]
    keys = sorted(cps, key=int)
    shades = plt.cm.Blues(np.linspace(0.4, 1.0, len(keys)))
    for col, k in zip(shades, keys):
        lam = np.asarray(results.arrays[f"eig_{k}"])
        lam = lam[lam > 1e-12 * lam.max()]
        bins = np.logspace(np.log10(lam.min()), np.log10(lam.max()), 50)
        rd = cps[k]["rank_over_d"]
        ax.hist(lam, bins=bins, histtype="step", color=col, lw=1.5,
                label=f"{k}%: rank/d = {rd['paper']:.1%} (paper 0.3–2%), "
                      f"mean {cps[k]['mean']:.2g} ± {cps[k]['std']:.2g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("eigenvalue of D")
    ax.set_ylabel("frequency")
    ax.set_title(f"{results.info['data']}, d = {results.info['dim']}", fontsize=9)
    ax.legend(fontsize=7)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "noise_spectrum.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
