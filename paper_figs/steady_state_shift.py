"""Theorem 22: Φ = −β⁻¹ log ρˢˢ next to f, the modes of ρˢˢ next to the critical points of f."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "steady_state_shift"
TITLE = "Theorem 22: SGD's most likely points are not the critical points of f (shift grows with η/b)"
CAPTION = ("Welsch-loss regression on two clusters (2 parameters, D(w) from the per-sample gradients). "
           "(a) the loss f with its minima (●) and saddles (×); (b) Φ = −β⁻¹ log ρˢˢ of SGD's SDE at the "
           "figure's η/b with the modes of ρˢˢ (★) and the minima of f (●); (c) the deeper well: the mode for "
           "each η/b of the sweep (colour) moving away from argmin f (●); (d) the distance of the mode from "
           "argmin f against η/b with the fitted power law, the grid error, and the isotropic-D control "
           "(constant D = mean eigenvalue · I), whose mode stays at argmin f.")


def make(results, outdir) -> Path:
    a, info = results.arrays, results.info
    x, y = a["full_x"], a["full_y"]
    X, Y = np.meshgrid(x, y, indexing="ij")
    mins, sad, modes = a["minima"], a["saddles"], a["full_modes"]
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.6))
    ax = axes[0]
    f = a["full_f"]
    cs = ax.contourf(X, Y, f, levels=30, cmap="viridis")
    fig.colorbar(cs, ax=ax, fraction=0.046)
    ax.plot(mins[:, 0], mins[:, 1], "o", color="white", mec="k", ms=8, label="minima of f")
    if sad.size:
        ax.plot(sad[:, 0], sad[:, 1], "x", color="red", ms=9, mew=2, label="saddles of f")
    ax.set_title("(a) loss f(w)")
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[1]
    phi = a["full_phi"]
    top = np.quantile(phi, 0.35)            # Φ is huge (and noisy) where ρˢˢ underflows: show the populated part
    cs = ax.contourf(X, Y, np.minimum(phi, top), levels=np.linspace(0, top, 25), cmap="magma_r", extend="max")
    fig.colorbar(cs, ax=ax, fraction=0.046)
    ax.plot(mins[:, 0], mins[:, 1], "o", color="white", mec="k", ms=8, label="minima of f")
    ax.plot(modes[:, 0], modes[:, 1], "*", color="cyan", mec="k", ms=13, label="modes of ρˢˢ")
    ax.set_title(f"(b) Φ = −β⁻¹ log ρˢˢ, η/b = {info['figure_eta_over_b']:g}")
    ax.legend(fontsize=8, loc="upper left")
    for ax in axes[:2]:
        ax.set_xlabel("w₁")
        ax.set_ylabel("w₂")
        ax.set_aspect("equal")
    ax = axes[2]
    eb, m = a["eta_over_b"], a["modes"]
    x0 = mins[0]
    sc = ax.scatter(m[:, 0], m[:, 1], c=np.log10(eb), cmap="plasma", s=60, zorder=3, label="mode of ρˢˢ")
    ax.plot(np.r_[x0[0], m[:, 0]], np.r_[x0[1], m[:, 1]], "-", color="0.6", zorder=2)
    ax.plot(*x0, "o", color="white", mec="k", ms=10, zorder=4, label="argmin f")
    cb = fig.colorbar(sc, ax=ax, fraction=0.046)
    cb.set_label("log₁₀ η/b")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("w₁")
    ax.set_ylabel("w₂")
    ax.set_title("(c) the deeper well: modes vs η/b")
    ax.legend(fontsize=8)
    ax = axes[3]
    ax.loglog(eb, a["shift"], "o", color="tab:blue", label="|mode − argmin f|")
    p = info["slope"]
    c0 = np.exp(np.mean(np.log(a["shift"]) - p * np.log(eb)))
    ax.loglog(eb, c0 * eb**p, "-", color="tab:blue", lw=1,
              label=f"fit ∝ (η/b)^{p:.2f} ± {info['slope_se']:.2f}")
    ax.loglog(eb, a["shift"][0] * eb / eb[0], ":", color="k", lw=1, label="linear")
    ax.loglog(eb, np.maximum(a["grid_error"], 1e-12), "s", color="tab:gray", ms=4, label="grid error")
    ax.loglog(eb, np.maximum(a["iso_shift"], 1e-12), "v", color="tab:red", ms=5, label="isotropic D: shift")
    ax.set_xticks(eb, [f"{v:g}" for v in eb])
    ax.minorticks_off()
    ax.set_xlabel("η/b")
    ax.set_ylabel("distance")
    ax.set_title("(d) mode shift vs η/b")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "steady_state_shift.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
