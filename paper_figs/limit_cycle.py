"""SGD-VI Fig. 4 with simulation: Example 19 drift, sample paths, histogram vs e^{−Φ}, current."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "limit_cycle"
TITLE = "Example 19: limit cycles with the stationary density e^-Phi unchanged (SGD-VI Fig. 4)"
CAPTION = ("Top: streamlines of the drift −∇Φ + j on contours of Φ, minima (±1, 0) in red, one "
           "sample path of dx = (−∇Φ + j)dt + √2 dW. Middle: x₁-marginal of the ensemble end "
           "points (bars) vs e^{−Φ} (line). Bottom: probability current from Stratonovich "
           "midpoints; the title gives the circulation (measured ± SE vs theory).")


def make(results, outdir) -> Path:
    a = results.arrays
    lams = a["lams"]
    g = a["grid"]
    G1, G2 = np.meshgrid(g, g, indexing="ij")
    phi = 0.25 * (G1**2 - 1) ** 2 + 0.5 * G2**2
    ex = a["edges_x"]
    cx = 0.5 * (ex[1:] + ex[:-1])
    n = len(lams)
    fig, axes = plt.subplots(3, n, figsize=(4.2 * n, 11), squeeze=False)
    for k, lam in enumerate(lams):
        ax = axes[0, k]
        ax.contour(g, g, phi.T, levels=12, colors="0.8", linewidths=0.6)
        u, v = a["drift"][k][..., 0], a["drift"][k][..., 1]
        ax.streamplot(g, g, u.T, v.T, density=1.0, color="tab:blue", linewidth=0.7, arrowsize=0.7)
        p = a["paths"][k]
        ax.plot(p[:, 0], p[:, 1], color="k", lw=0.3, alpha=0.6)
        ax.plot([-1, 1], [0, 0], "o", color="red", ms=5)
        ax.set_xlim(g[0], g[-1])
        ax.set_ylim(g[0], g[-1])
        ax.set_aspect("equal")
        ax.set_title(f"λ = {lam:g}")
        ax = axes[1, k]
        width = np.diff(ex)
        ax.bar(cx, a["hist"][k].sum(axis=1) / width, width=width, color="tab:blue", alpha=0.5,
               label="simulation")
        ax.plot(cx, a["p_theory"].sum(axis=1) / width, "k.-", label="e^{−Φ}/Z")
        pv = results.info["chi2_pvalue"][k]
        ax.set_title(f"x₁-marginal, χ² p = {pv:.2f}", fontsize=9)
        ax.set_xlabel("x₁")
        ax.legend(fontsize=7)
        ax = axes[2, k]
        c = a["current_centers"]
        J = a["current"][k]
        ax.quiver(c, c, J[..., 0].T, J[..., 1].T, color="tab:green")
        ax.set_aspect("equal")
        ax.set_title(f"current; L = {a['L'][k]:.3f} ± {a['L_se'][k]:.3f} (theory "
                     f"{a['L_theory'][k]:.3f})", fontsize=9)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "limit_cycle.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
