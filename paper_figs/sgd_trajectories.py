"""SGD-VI Fig. 3 and claim 15's network side: SGD in steady state vs controls vs the SDE surrogate."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "sgd_trajectories"
TITLE = "Trajectories: SGD vs isotropic noise vs full-batch GD vs the SDE surrogate (SGD-VI Fig. 3)"
CAPTION = ("(a) mean ± std over weights of |rFFT| of per-epoch increments; (b) mean weight "
           "autocorrelation with the 99 % white-noise band; (c) ‖∇f‖/√d per epoch; (d) the full "
           "loss (the stationarity gate); (e) the trajectory projected on the plane of largest "
           "predicted current u₁ᵀ(ΣΦ − ΦΣ)u₂ (SGD vs isotropic control), with the measured angular "
           "momentum; (f) claim 15: distance of the time-averaged SGD iterate from GD's critical "
           "point, and the loss gap, against η/b (jackknife errors). Controls: matched-trace "
           "isotropic Gaussian noise and full-batch GD; SDE surrogates: measured D on the network "
           "loss and on the local quadratic model.")

LABELS = {"sgd": "SGD", "isotropic": "isotropic (matched trace)", "gd": "full-batch GD",
          "sde_net": "SDE surrogate (net)", "sde_quad": "SDE surrogate (quadratic)"}


def make(results, outdir) -> Path:
    a, info = results.arrays, results.info
    fig, axs = plt.subplots(2, 3, figsize=(15, 8.5))
    ax = axs.ravel()
    for i, k in enumerate(LABELS):
        if f"{k}_freq" not in a:
            continue
        f, m, s = a[f"{k}_freq"][1:], a[f"{k}_amp_mean"][1:], a[f"{k}_amp_std"][1:]
        ax[0].plot(f, m, color=f"C{i}", label=LABELS[k], lw=1)
        ax[0].fill_between(f, np.maximum(m - s, 0.2 * m), m + s, color=f"C{i}", alpha=0.12)
        ac = a[f"{k}_ac_mean"]
        ax[1].plot(np.arange(ac.size), ac, color=f"C{i}", lw=1, label=LABELS[k])
        if f"{k}_grad_norm" in a:
            ep = np.arange(1, a[f"{k}_grad_norm"].size + 1)
            ax[2].plot(ep, a[f"{k}_grad_norm"], color=f"C{i}", lw=0.8, label=LABELS[k])
            ax[3].plot(ep, a[f"{k}_loss"], color=f"C{i}", lw=0.8, label=LABELS[k])
    band = float(a["sgd_ac_band"])
    ax[1].axhspan(-band, band, color="grey", alpha=0.3, label="99 % white band")
    ax[0].set(xscale="log", yscale="log", xlabel="frequency (1/epoch)", ylabel="amplitude",
              title="(a) FFT of weight increments")
    ax[1].set(xlabel="lag (epochs)", ylabel="autocorrelation", title="(b) autocorrelation")
    ax[2].set(yscale="log", xlabel="epoch after checkpoint", ylabel="‖∇f‖/√d",
              title="(c) full-gradient norm")
    st = info.get("stationarity", {}).get("sgd", {})
    gate = "passed" if info.get("stationary") else "FAILED"
    # linear: the stationary losses span a few per cent, where log ticks read "7.4×10⁻¹"
    ax[3].yaxis.set_major_formatter(mticker.ScalarFormatter(useOffset=False))
    ax[3].set(xlabel="epoch after checkpoint", ylabel="f(x) (with weight decay)",
              title=f"(d) full loss; gate {gate}, SGD drift {st.get('rel_drift', np.nan):+.2%}")
    circ = info.get("circulation", {})
    for i, k in ((0, "sgd"), (1, "isotropic")):
        if f"{k}_path" in a:
            q = a[f"{k}_path"]
            c = circ.get(k, {})
            ax[4].plot(q[:, 0], q[:, 1], color=f"C{i}", lw=0.4, alpha=0.8,
                       label=f"{LABELS[k]}: L = {c.get('L', np.nan):.2g} ± {c.get('se', np.nan):.1g}")
    pred = info.get("predicted_circulation", {}).get("L", np.nan)
    ax[4].xaxis.set_major_locator(mticker.MaxNLocator(5))  # long tick labels collided
    ax[4].set(xlabel="u₁ · (x − x̄)", ylabel="u₂ · (x − x̄)",
              title=f"(e) plane of largest predicted current (pred. L = {pred:.2g})")
    rows = info.get("claim15", [])
    if rows:
        eb = np.array([r["eta_over_b"] for r in rows])
        ax[5].errorbar(eb, [r["dist"] for r in rows], [r["dist_se"] for r in rows], marker="o",
                       capsize=3, label="‖x̄ − x*‖")
        ax[5].errorbar(eb, [r["spread"] for r in rows], None, marker="s", ls="--",
                       label="SGD spread (rms)")
        tw = ax[5].twinx()
        tw.errorbar(eb, [r["gap"] for r in rows], [r["gap_se"] for r in rows], marker="^",
                    color="C3", capsize=3, label="f(x̄) − f(x*)")
        tw.set_ylabel("f(x̄) − f(x*)", color="C3")
        ax[5].set(xscale="log", yscale="log", xlabel="η/b", ylabel="distance",
                  title="(f) claim 15: time-averaged SGD vs critical point")
        # headroom at the top of both axes for one legend of all three series (drawn on the twin,
        # which lies above ax[5]: a legend of ax[5] was overdrawn by the twin's line)
        lo, hi = ax[5].get_ylim()
        ax[5].set_ylim(lo, hi * (hi / lo) ** 0.4)
        lo, hi = tw.get_ylim()
        tw.set_ylim(lo, hi + 0.4 * (hi - lo))
        h0, l0 = ax[5].get_legend_handles_labels()
        h1, l1 = tw.get_legend_handles_labels()
        tw.legend(h0 + h1, l0 + l1, fontsize=7, loc="upper left", ncol=3)
    for i in (0, 1, 4):
        ax[i].legend(fontsize=7)
    fig.suptitle(f"{info['data']}, d = {info['dim']}, N = {info.get('n_train', '?')}", fontsize=9)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "sgd_trajectories.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
