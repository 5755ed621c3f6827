"""Chaudhari–Soatto Fig. 4: Example 19's force field, Φ, and the FP / sdeint stationary state."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from deeprelax import landscapes

EXPERIMENT = "fp_example19"
TITLE = "Example 19 (SGD-VI Fig. 4): −∇f = −∇Φ + j for λ = 0, 0.5, 1.5"
CAPTION = ("Top: streamlines of the drift −∇Φ + j (width ∝ speed), contours of Φ, red dots at the most "
           "likely states (±1, 0). Bottom: the Fokker–Planck stationary density (colour) and current J "
           "(arrows) — the same e^{−Φ} for every λ, a current growing with λ — with sdeint samples (white).")


def make(results, outdir) -> Path:
    a = results.arrays
    lams = results.config["lams"]
    x, y = a["x"], a["y"]
    X, Y = np.meshgrid(x, y, indexing="ij")
    fig, axes = plt.subplots(2, len(lams), figsize=(4.2 * len(lams), 8), squeeze=False)
    view = (np.abs(x) <= 1.5)[:, None] & (np.abs(y) <= 1.5)[None, :]
    for col, lam in enumerate(lams):
        key = f"{lam:g}"
        field = landscapes.example19(lam)
        b = field(np.stack([X, Y], -1))
        speed = np.hypot(b[..., 0], b[..., 1])
        ax = axes[0, col]
        ax.streamplot(x, y, b[..., 0].T, b[..., 1].T, color="k", density=1.0,
                      linewidth=0.4 + 1.6 * (speed / speed[view].max()).T.clip(0, 1))
        phi = field.potential.value(np.stack([X, Y], -1))
        ax.contour(x, y, phi.T, levels=np.linspace(0, 1.5, 8), cmap="Blues", linewidths=0.8)
        ax.plot([-1, 1], [0, 0], "o", color="red")
        ax.set_xlim(-1.5, 1.5)
        ax.set_ylim(-1.5, 1.5)
        ax.set_title(f"flow b = −∇Φ + j and contours of Φ; λ = {key}", fontsize=9)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        bx = axes[1, col]
        bx.pcolormesh(x, y, a[f"rho_{key}"].T, shading="auto", cmap="magma")
        J = a[f"J_{key}"]
        s = (slice(None, None, 6), slice(None, None, 6))
        # one arrow scale for every λ, so the λ = 0 current (round-off, ~1e-16) is invisible
        bx.quiver(X[s], Y[s], J[..., 0][s], J[..., 1][s], color="cyan", scale=1.0)
        smp = a[f"samples_{key}"]
        bx.plot(smp[:500, 0], smp[:500, 1], ".", color="white", ms=1.5, alpha=0.6)
        bx.set_xlim(-2.5, 2.5)
        bx.set_ylim(-2.5, 2.5)
        bx.set_title(f"ρˢˢ and J (FP), sdeint samples; λ = {key}", fontsize=9)
        bx.set_xlabel("x₁")
        bx.set_ylabel("x₂")
    out = Path(outdir) / "fp_example19.png"
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
