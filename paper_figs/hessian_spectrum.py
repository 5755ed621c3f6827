"""Entropy-SGD Fig. 1 / 3a: Hessian eigenvalues — central zoom and the two tails, side by side."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "hessian_spectrum"
TITLE = "Hessian eigenspectrum after Adam, not polished (Entropy-SGD Fig. 1 / 3a)"
CAPTION = ("Left: the short negative tail (λ < −1e-2·λ_max); centre: eigenvalues with |λ| < 1e-2·λ_max "
           "(log-y); right: the long positive tail (λ > 1e-2·λ_max). Histograms of every eigenvalue (dense "
           "eigh) or, on large nets, the SLQ density (Gaussian-broadened Ritz values, ± probe SE band) with the "
           "Lanczos extremes marked; there the fractions are upper bounds (Chebyshev–Markov–Stieltjes "
           "bracket of the Gauss rule). Text: the fractions next to the paper's (≈94 % of |λ| < 1e-4 with "
           "λ_max ≈ 40, λ_min ≈ −0.46 for small-LeNet) and the scale-free fraction.")


def _panel(ax, lo, hi, lam, slq, color, title):
    if lam is not None:
        vals = lam[(lam >= lo) & (lam <= hi)]
        if vals.size:
            ax.hist(vals, bins=40, color=color)
            ax.set_yscale("log")
        else:
            ax.text(0.5, 0.5, "no eigenvalue here", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylabel("count")
        ax.set_title(f"{title} ({vals.size})", fontsize=9)
    else:
        nodes, weights, dim = slq
        grid = np.linspace(lo, hi, 400)
        width = max((hi - lo) / 20, 1e-12)  # wider than the Ritz-node spacing: a density, not spikes
        valid = np.isfinite(nodes)
        nd = np.where(valid, nodes, 0.0)
        z = (grid[None, None, :] - nd[:, :, None]) / width
        per = np.einsum("pj,pjg->pg", weights * valid, np.exp(-0.5 * z * z) / (width * np.sqrt(2 * np.pi)))
        rho, se = per.mean(0) * dim, per.std(0, ddof=1) / np.sqrt(per.shape[0]) * dim
        ax.plot(grid, np.clip(rho, 1e-1, None), color=color)
        ax.fill_between(grid, np.clip(rho - se, 1e-1, None), np.clip(rho + se, 1e-1, None), color=color,
                        alpha=0.3)
        ax.set_yscale("log")
        ax.set_ylabel("d·ρ(λ) (SLQ)")
        ax.set_title(title, fontsize=9)
    ax.set_xlabel("λ")
    ax.tick_params(which="both", labelsize=7)  # log axes under a decade label minor ticks too


def make(results, outdir) -> Path:
    info, s = results.info, results.info["summary"]
    lmax, lmin = s["lambda_max"], s["lambda_min"]
    zoom = 1e-2 * lmax
    lam = np.asarray(results.arrays["eigenvalues"]) if "eigenvalues" in results.arrays else None
    slq = (np.asarray(results.arrays["slq_nodes"]), np.asarray(results.arrays["slq_weights"]), info["dim"])
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1, 1.6, 1]})
    _panel(axes[0], min(lmin, -zoom) * 1.02, -zoom, lam, slq, "C3", "short negative tail")
    _panel(axes[1], -zoom, zoom, lam, slq, "C0", "central zoom |λ| < 1e-2·λ_max")
    _panel(axes[2], zoom, lmax * 1.02, lam, slq, "C2", "long positive tail")
    if lam is None:
        for v, ax in ((lmin, axes[0]), (lmax, axes[2])):
            ax.axvline(v, color="k", ls="--", lw=1)
    le = "≤ " if s.get("slq_bracket") else ""  # SLQ: upper ends of the CMS bracket
    txt = (f"|λ| < 1e-4: {le}{s['frac_abs_lt_1e-4']:.1%} (paper ≈94 %)\n"
           f"|λ| < (1e-4/40)·λ_max: {le}{s['frac_rel_paper']:.1%} (scale-free)\n"
           f"|λ| < 1e-2·λ_max: {le}{s['frac_rel_lt_0.01']:.1%}\n"
           f"λ_max = {lmax:.3g} (≈40), λ_min = {lmin:.3g} (−0.46)")
    axes[1].text(0.02, 0.97, txt, transform=axes[1].transAxes, fontsize=7.5, va="top",
                 bbox={"facecolor": "white", "alpha": 0.85})
    fig.suptitle(f"{info['net']}, d = {info['dim']}, Hessian of {info['n_hess']} images — {info['method'][:60]}",
                 fontsize=9)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "hessian_spectrum.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
