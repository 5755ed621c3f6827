"""The inner-loop estimate of ∇F against the exact local-entropy gradient on a 1-D landscape."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

EXPERIMENT = "optim_checks"
TITLE = "Entropy-SGD's inner loop estimates ∇F at its own temperature"
CAPTION = ("Double well f = h(y² − 1)²: the inner-loop estimate γ(μ − x) (mean ± sd over "
           "independent chains) at a coarse and a fine (L, η′) against the exact ∇F by quadrature "
           "at T = ε²/2 (solid) and at β = 1 (dashed, eq. (4) as written). Right: bias and sd "
           "against L.")


def make(results, outdir) -> Path:
    a, info = results.arrays, results.info
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax.plot(a["x_fine"], a["exact_T"], "k-", label=f"exact ∇F, T = {info['temperature']}")
    ax.plot(a["x_fine"], a["exact_beta1"], "k--", lw=1, label="exact ∇F, β = 1")
    for key, c in ((f"L{info['L_coarse']}", "tab:orange"), (f"L{info['L_fine']}", "tab:blue")):
        ax.errorbar(a["anchors"], a[f"est_mean_{key}"], yerr=a[f"est_sd_{key}"], fmt="o", ms=3,
                    color=c, capsize=2, label=f"inner loop, {key.replace('L', 'L = ')}")
    ax.set_xlabel("anchor x")
    ax.set_ylabel("∇F(x, γ)")
    ax.legend(fontsize=8)
    bx.loglog(a["sweep_L"], abs(a["bias"]), "o-", label="|bias|")
    bx.loglog(a["sweep_L"], a["sd"], "s-", label="sd of one estimate")
    bx.set_xlabel("L (η′ halves as L quadruples)")
    bx.legend()
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "homogenization.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
