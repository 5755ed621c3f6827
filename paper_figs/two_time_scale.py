"""Homogenization: the slow variable of the two-time-scale SDE against ẋ = −∇u(x, 1/γ)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402

EXPERIMENT = "two_time_scale"
TITLE = "Homogenization: the slow variable tracks the relaxed gradient flow as ε → 0"
CAPTION = ("Left: ensemble mean of the slow variable x_t for each ε against the ODE ẋ = −γ(x − E_ρx[y]) "
           "(grey). Right: sup_t |E x_t − x_ODE| and the "
           "root-mean-square error against ε, with the fitted rate; the errors against the plain gradient flow "
           "and against the ODE at the wrong temperature β/4 (negative controls) do not vanish.")


def make(results, outdir) -> Path:
    a, info = results.arrays, results.info
    eps = a["epsilons"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.4))
    cmap = plt.get_cmap("viridis")
    for k, e in enumerate(eps):
        ax.plot(a[f"t_{k}"], a[f"mean_{k}"], color=cmap(k / max(1, len(eps) - 1)), lw=1.2, label=f"ε = {e:g}")
    ax.plot(a[f"t_{len(eps) - 1}"], a["ode"], "k-", lw=2, alpha=0.6, label="ẋ = −∇u(x, 1/γ)")
    ax.set_xlabel("t")
    ax.set_ylabel("E x_t")
    ax.legend(fontsize=8)
    ax.set_title("slow variable vs the relaxed ODE")
    bx.loglog(eps, a["err_mean"], "o-", label=f"|E x − x_ODE|, rate {info['rate']:.2f} ± {info['rate_se']:.2f}")
    bx.loglog(eps, a["err_rms"], "s-", label=f"RMS error, rate {info['rms_rate']:.2f}")
    bx.loglog(eps, a["err_gradient_flow"], "v--", color="tab:red", label="vs ẋ = −f′(x) (control)")
    bx.loglog(eps, a["err_wrong_beta"], "^--", color="tab:purple", label="vs the ODE at β/4 (control)")
    bx.set_xticks(eps, [f"{e:g}" for e in eps])
    bx.minorticks_off()
    # errors span about a decade: labels at 1, 2, 5 × 10^k, else a single "10⁻¹" is the only one
    bx.yaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    bx.yaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
    bx.set_xlabel("ε")
    bx.set_ylabel("sup_t error")
    bx.legend(fontsize=8)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "two_time_scale.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
