"""Uniform stability (Entropy-SGD Thm 3 / eq. 9): the bound's algebra and an empirical estimate."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "stability"
TITLE = "Uniform stability: Theorem 3 with Lemma 2's constants vs an empirical estimate (SGD, Entropy-SGD)"
CAPTION = ("Left: ε_Entropy-SGD/ε_SGD from Theorem 3 with Lemma 2's constants over the table of (α, β, γ, c) "
           "against T/α (grey: every entry; the ratio crosses 1 below T = α), and eq. (9)'s right-hand side "
           "(α/T)^((1−k)β) for the same entries (orange). Right: the empirical estimate "
           "sup_ξ |f(A(S); ξ) − f(A(S′); ξ)| per neighbouring pair (averaged over shared seeds), Entropy-SGD "
           "against SGD at equal gradient evaluations; the line is equality, the dashed one Theorem 3's "
           "predicted ratio for this problem.")


def make(results, outdir) -> Path:
    a, info = results.arrays, results.info
    T = a["table"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.6))
    ax.loglog(T[:, 5], T[:, 7], ".", color="0.5", ms=3, label="Thm 3 with Lemma 2's constants")
    ax.loglog(T[:, 5], T[:, 9], ".", color="tab:orange", ms=3, label="eq. (9): (α/T)^((1−k)β)")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.axvline(1.0, color="k", lw=0.8, ls=":")
    ax.set_xlabel("T / α")
    ax.set_ylabel("ε_Entropy-SGD / ε_SGD")
    ax.set_ylim(1e-4, 2)
    ax.legend(fontsize=8)
    ax.set_title("the algebra of eq. (9)")
    es, ee = a["eps_sgd"], a["eps_entropy_sgd"]
    bx.plot(es, ee, "o", ms=4, alpha=0.7)
    lim = [0, 1.05 * max(es.max(), ee.max())]
    bx.plot(lim, lim, "k-", lw=0.8, label="equal")
    bx.plot(lim, np.array(lim) * info["predicted_ratio"], "k--", lw=0.8,
            label=f"Thm 3 prediction ×{info['predicted_ratio']:.2f}")
    bx.set_xlabel("ε̂ SGD (per pair)")
    bx.set_ylabel("ε̂ Entropy-SGD (per pair)")
    bx.set_title(f"empirical: ratio {info['ratio']:.3f} ± {info['ratio_se']:.3f}")
    bx.legend(fontsize=8)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "stability.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
