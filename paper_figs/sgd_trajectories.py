"""SGD-VI Fig. 3: FFT of increments, autocorrelation, gradient norm; SGD vs controls vs SDE."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "sgd_trajectories"
TITLE = "Trajectories: SGD vs isotropic noise vs full-batch GD vs the SDE surrogate (SGD-VI Fig. 3)"
CAPTION = ("(a) mean ± std over weights of |rFFT| of per-epoch increments; (b) mean weight "
           "autocorrelation with the 99 % white-noise band; (c) ‖∇f‖/√d per epoch. Controls: "
           "matched-trace isotropic Gaussian noise and full-batch GD; SDE surrogates: measured "
           "low-rank D on the network loss and on the local quadratic model.")

LABELS = {"sgd": "SGD", "isotropic": "isotropic (matched trace)", "gd": "full-batch GD",
          "sde_net": "SDE surrogate (net)", "sde_quad": "SDE surrogate (quadratic)"}


def make(results, outdir) -> Path:
    a = results.arrays
    fig, axs = plt.subplots(1, 3, figsize=(14, 4))
    for i, k in enumerate(LABELS):
        if f"{k}_freq" not in a:
            continue
        f, m, s = a[f"{k}_freq"][1:], a[f"{k}_amp_mean"][1:], a[f"{k}_amp_std"][1:]
        axs[0].plot(f, m, color=f"C{i}", label=LABELS[k], lw=1)
        axs[0].fill_between(f, np.maximum(m - s, 0.2 * m), m + s, color=f"C{i}", alpha=0.12)
        ac = a[f"{k}_ac_mean"]
        axs[1].plot(np.arange(ac.size), ac, color=f"C{i}", lw=1)
        if f"{k}_grad_norm" in a:
            axs[2].plot(np.arange(1, a[f"{k}_grad_norm"].size + 1), a[f"{k}_grad_norm"],
                        color=f"C{i}", lw=1)
    band = float(a["sgd_ac_band"])
    axs[1].axhspan(-band, band, color="grey", alpha=0.3, label="99 % white band")
    axs[0].set(xscale="log", yscale="log", xlabel="frequency (1/epoch)", ylabel="amplitude",
               title="(a) FFT of weight increments")
    axs[1].set(xlabel="lag (epochs)", ylabel="autocorrelation", title="(b) autocorrelation")
    axs[2].set(yscale="log", xlabel="epoch after checkpoint", ylabel="‖∇f‖/√d",
               title="(c) full-gradient norm")
    axs[0].legend(fontsize=7)
    axs[1].legend(fontsize=7)
    fig.suptitle(f"{results.info['data']}, d = {results.info['dim']}", fontsize=9)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "sgd_trajectories.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
