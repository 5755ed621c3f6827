"""Deep Relaxation's stochastic control: the optimally controlled SGD against plain SGD on the same streams."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "stochastic_control"
TITLE = "Stochastic control: optimally controlled SGD beats plain SGD in expectation"
CAPTION = ("Tilted double well f, dX = (−f′ + α) ds + √(β⁻¹) dW from x₀ in the shallow well. (a) f and the "
           "value function v(·, s) of the HJB equation (solve_hj with drift f′), which relaxes f backwards from s = T; "
           "(b) sample paths of the controlled SDE (α* = −vₓ) and of plain SGD on the same Brownian paths; "
           "(c) the distribution of X_T; (d) the costs: E f(X_T) for SGD, J(α*) = E f(X_T) + ½E∫|α*|² "
           "(stacked), v(x₀, 0) from the PDE, and the costs of the sub-optimal feedbacks ½α* and (3/2)α* "
           "(error bars: 2 SE).")


def make(results, outdir) -> Path:
    a, info = results.arrays, results.info
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.4))
    ax = axes[0]
    x = a["x"]
    keep = np.abs(x) <= 2.0
    ax.plot(x[keep], a["f"][keep], "k-", lw=2, label="f = v(·, T)")
    s_tab, v_tab = a["s_table"], a["v"]
    cmap = plt.get_cmap("viridis")
    n = len(s_tab) - 1
    for k in sorted({0, n // 4, n // 2, 3 * n // 4, n - 1}):
        ax.plot(x[keep], v_tab[k][keep], color=cmap(s_tab[k] / s_tab[-1]), lw=1.2, label=f"v(·, s = {s_tab[k]:.2f})")
    x0 = results.config["x0"]
    ax.axvline(x0, color="tab:red", lw=0.8, ls=":")
    ax.set_ylim(min(a["v0"][keep].min(), a["f"][keep].min()) - 0.3, 3.0)
    ax.set_xlabel("x")
    ax.set_title("(a) f and the value function")
    ax.legend(fontsize=7)
    ax = axes[1]
    t = a["paths_t"]
    for i in range(a["paths_control"].shape[1]):
        ax.plot(t, a["paths_control"][:, i], color="tab:blue", lw=0.9, alpha=0.7,
                label="controlled, α* = −vₓ" if i == 0 else None)
        ax.plot(t, a["paths_sgd"][:, i], color="0.25", lw=0.8, alpha=0.8, label="SGD" if i == 0 else None)
    ax.set_xlabel("s")
    ax.set_ylabel("X_s")
    ax.set_title("(b) paths on the same streams")
    ax.legend(fontsize=8)
    ax = axes[2]
    bins = np.linspace(-2.0, 2.0, 81)
    ax.hist(a["XT_sgd"], bins=bins, density=True, color="tab:gray", alpha=0.6, label="SGD")
    ax.hist(a["XT_control"], bins=bins, density=True, color="tab:blue", alpha=0.6, label="controlled")
    ax.set_xlabel("X_T")
    ax.set_title("(c) distribution of X_T")
    ax.legend(fontsize=8)
    ax = axes[3]
    labels = ["SGD\nE f(X_T)", "α*\nJ", "PDE\nv(x₀, 0)", "½α*\nJ", "(3/2)α*\nJ"]
    vals = [info["Ef_sgd"], info["J_opt"], info["v_x0"], info["J_half"], info["J_three_halves"]]
    errs = [2 * info["Ef_sgd_se"], 2 * info["J_opt_se"], 0.0, 0.0, 0.0]
    colors = ["tab:gray", "tab:blue", "k", "tab:orange", "tab:orange"]
    pos = np.arange(len(vals))
    ax.bar(pos, vals, yerr=errs, color=colors, alpha=0.75, capsize=4)
    ax.bar([1], [info["Ef_control"]], color="tab:cyan", alpha=0.9, label="E f(X_T) part of J(α*)")
    ax.set_xticks(pos, labels, fontsize=8)
    ax.set_ylabel("expected cost")
    ax.set_title(f"(d) gap E f(X_T) [SGD] − J(α*) = {info['gap']:.3f} ± {info['gap_se']:.3f}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "stochastic_control.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
