"""Entropy-SGD Fig. 2: f with a sharp and a wide valley, and −F(x, γ) for several scopes."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

EXPERIMENT = "entropy_landscape"
TITLE = "Entropy-SGD Fig. 2: local entropy −F(x, γ) of a sharp and a wide valley"
CAPTION = ("f (black) has its global minimum in the sharp valley at x = −1; −F(x, γ) (exact, Cole–Hopf), "
           "shifted to share f's minimum value, for decreasing scope γ: at large γ it follows f, at small γ "
           "its global minimum (dots) is the wide valley at x = +1.")


def make(results, outdir) -> Path:
    a = results.arrays
    x, f = a["x"], a["f"]
    view = np.abs(x) <= 3.0
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(x[view], f[view], "k-", lw=2, label="f")
    for gam, color in zip(a["gammas"], plt.cm.viridis(np.linspace(0.15, 0.85, len(a["gammas"])))):
        v = a[f"negF_{gam:g}"][view]
        v = v - v.min() + f[view].min()
        ax.plot(x[view], v, color=color, lw=1.5, label=f"−F(x, γ = {gam:g})")
        i = int(np.argmin(v))
        ax.plot(x[view][i], v[i], "o", color=color)
    ax.set_xlabel("x")
    ax.set_ylabel("loss (shifted)")
    ax.legend(fontsize=8)
    out = Path(outdir) / "entropy_landscape.png"
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
