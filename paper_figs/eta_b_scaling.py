"""η/b scaling (SGD-VI Rem. 11, 15): SGD's stationary spread with real minibatches against η/b."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "eta_b_scaling"
TITLE = "η/b scaling: the stationary spread of SGD (real minibatches) depends on η/b alone, up to O(η)"
CAPTION = ("Least-squares regression, b indices drawn with replacement, many independent chains. Left: trace of "
           "the stationary covariance; right: the loss above its minimum divided by (η/4b)·tr D(w*) (the SDE "
           "value, Rem. 15). Filled markers: η and b scaled together (fixed η/b); open: η/b changed. Colour: the "
           "two data sets (mean λ(D) ≈ 4× apart). Crosses: the exact stationary values of the discrete chains, "
           "which differ from the SDE by the O(η) term. Error bars: 2 SE.")


def make(results, outdir) -> Path:
    a = results.arrays
    r = a["lr"] / a["b"]
    d = len(results.config["features"])
    # spread the points that share an η/b by their η (log-offset), so the fixed-η/b triple is visible
    xr = r * (1 + 0.06 * np.log2(a["lr"] / a["lr"].min())) * (1 + 0.03 * (a["noise"] != a["noise"].min()))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    noises = np.unique(a["noise"])
    colors = ["tab:blue", "tab:orange", "tab:green"]
    for k, sig in enumerate(noises):
        sel = a["noise"] == sig
        base = r[sel][0]                      # the grid starts with the fixed-η/b triple
        fixed = np.isclose(r[sel], base)
        for ax, key, norm in ((axes[0], "trace", 1.0), (axes[1], "excess", None)):
            y = a[key][sel]
            e = 2 * a[key + "_se"][sel]
            ex = a[key + "_exact"][sel]
            if norm is None:
                sde = r[sel] / 4 * d * a["mean_lambda_D"][sel]          # (η/4b) tr D(w*)
                y, e, ex = y / sde, e / sde, ex / sde
            for msk, fill in ((fixed, True), (~fixed, False)):
                ax.errorbar(xr[sel][msk], y[msk], yerr=e[msk], fmt="o", color=colors[k], capsize=3,
                            mfc=colors[k] if fill else "white",
                            label=(f"noise σ = {sig:g}" + (", fixed η/b" if fill else ", η/b varied")))
            ax.plot(xr[sel], ex, "x", color="k", ms=6, label="exact discrete chain" if k == 0 else None)
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("tr Cov(w)")
    axes[1].set_xscale("log")
    axes[1].axhline(1.0, color="k", lw=0.8, ls=":")
    axes[1].set_ylabel("(E f − f*) / ((η/4b) tr D)")
    for ax in axes:
        ax.set_xticks(np.unique(r), [f"{v:g}" for v in np.unique(r)])
        ax.minorticks_off()
        ax.set_xlabel("η/b (points at one η/b offset by η)")
        ax.legend(fontsize=7)
    axes[0].set_title("parameter spread")
    axes[1].set_title("loss above the minimum, over the SDE value")
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "eta_b_scaling.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
