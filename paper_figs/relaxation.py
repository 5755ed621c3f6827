"""Deep Relaxation smoothing figure: f, its viscous / non-viscous relaxations, FP densities."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

EXPERIMENT = "relaxation"
TITLE = "Deep Relaxation: viscous (t = 0.2) and non-viscous (t = 0.1) HJ smoothing"
CAPTION = ("f(x) = x² + 1.5 sin 2πx + smoothed noise (black); its viscous relaxation by Cole–Hopf "
           "(blue, solve_hj dotted) and non-viscous one by Hopf–Lax (orange, solve_hj dotted). "
           "Filled: Fokker–Planck densities at time 10 from x = 2.5 for noisy gradient descent on f "
           "(grey, ν = 0.2) and on the relaxed losses (ν = 0.1), drawn above the curves. "
           "Regenerated from the authors' hjb.py set-up.")


def make(results, outdir) -> Path:
    a = results.arrays
    x = a["x"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(x, a["f"], "k-", lw=1, label="f")
    ax.plot(x, a["u_viscous"], color="tab:blue", lw=2, label="viscous HJ (Cole–Hopf)")
    ax.plot(x, a["fd_viscous"], ":", color="navy", lw=1, label="solve_hj, viscous")
    ax.plot(x, a["u_nonviscous"], color="tab:orange", lw=2, label="non-viscous HJ (Hopf–Lax)")
    ax.plot(x, a["fd_nonviscous"], ":", color="saddlebrown", lw=1, label="solve_hj, ν = 0")
    top = float(max(a["f"].max(), 1.0))
    for key, color in (("sgd", "grey"), ("viscous", "tab:blue"), ("nonviscous", "tab:orange")):
        rho = a[f"rho_{key}"]
        scale = 0.25 * top / max(float(rho.max()), 1e-300)
        ax.fill_between(x, top, top + scale * rho, color=color, alpha=0.35, label=f"FP density ({key})")
    ax.set_xlabel("x")
    ax.set_ylabel("loss")
    ax.set_xlim(x[0], x[-1])
    # above the axes: inside, the legend hid the density strip and the top of f
    ax.legend(fontsize=7, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    out = Path(outdir) / "relaxation.png"
    fig.tight_layout()
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
