"""OU angular momentum and entropy production vs the commutator ‖HD − DH‖: simulation vs theory."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

EXPERIMENT = "ou_current"
TITLE = "OU current vs the commutator ||HD - DH|| (detailed balance iff HD = DH)"
CAPTION = ("Rotating a non-isotropic D away from the eigenbasis of H: stationary angular momentum "
           "E[x₁dx₂ − x₂dx₁]/dt and entropy production, ensemble (±2 SE) vs the closed forms "
           "of deeprelax.theory. Both vanish at θ = 0 and 90°, where D is non-isotropic but "
           "commutes with H.")


def make(results, outdir) -> Path:
    a = results.arrays
    th = np.degrees(a["theta"])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    ax.errorbar(th, a["L"], yerr=2 * a["L_se"], fmt="o", label="simulation")
    ax.plot(th, a["L_theory"], "k-", label="(HΣ − ΣH)₁₂")
    ax.set_xlabel("rotation θ of D (degrees)")
    ax.set_ylabel("angular momentum")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.errorbar(a["commutator"], a["L"], yerr=2 * a["L_se"], fmt="o")
    ax.plot(a["commutator"], a["L_theory"], "k.")
    ax.set_xlabel("‖HD − DH‖_F")
    ax.set_ylabel("angular momentum")
    ax = axes[2]
    ax.errorbar(th, a["ep"], yerr=2 * a["ep_se"], fmt="s", color="tab:red", label="simulation")
    ax.plot(th, a["ep_theory"], "k-", label="β tr((QU)ᵀD⁻¹QUΣ)")
    ax.set_xlabel("rotation θ of D (degrees)")
    ax.set_ylabel("entropy production rate")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "ou_current.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
