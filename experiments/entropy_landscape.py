"""Entropy-SGD Fig. 2: local entropy −F(x, γ) of a sharp deep valley next to a wide shallow one.

f has a sharp global minimum (depth 1, width 0.05, at x = −1) and a wide shallower one
(depth 0.7, width 0.5, at x = 1). −F(x, γ) = u(x, 1/γ) − const is computed exactly
(Cole–Hopf on the grid, over [−8, 8] where e^{−f} has decayed to e^{−40}) for several
scopes γ: at large γ, −F ≈ f and the sharp valley wins; at small γ the global minimum of
−F moves to the wide valley.

Quick scale: 3200 cells (h = 0.005). Full scale: 16000 cells and more γ.

References
----------
P. Chaudhari et al., "Entropy-SGD: biasing gradient descent into wide valleys", ICLR 2017,
arXiv:1611.01838, §3, Fig. 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeprelax import landscapes, theory
from deeprelax.pde import Grid, local_entropy
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "entropy_landscape"
TITLE = "Entropy-SGD Fig. 2: local entropy prefers the wide valley at small scope"
REF = "Chaudhari et al. 2017 (arXiv:1611.01838), §3, Fig. 2"


@dataclass(frozen=True)
class Config:
    """Quick scale by default; ``full()`` (and ``paper()`` where defined) give the other scales.

    Attributes
    ----------
    n_cells
        grid cells of the 1-D Cole-Hopf solve (h = box width / n_cells)
    gammas
        scopes γ at which −F(x, γ) is computed (large γ: −F ≈ f)
    beta
        inverse temperature β of the local-entropy integral (Entropy-SGD eq. 4)
    """

    n_cells: int = 3200
    bounds: tuple[float, float] = (-8.0, 8.0)   # integration box; the figure shows [-3, 3]
    gammas: tuple[float, ...] = (1e4, 1e3, 30.0, 3.0)
    beta: float = 1.0

    @classmethod
    def full(cls) -> Config:
        return cls(n_cells=16000, gammas=(1e5, 1e4, 1e3, 300.0, 30.0, 3.0, 1.0))


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    f = landscapes.sharp_wide()
    g = Grid(c.bounds, c.n_cells)
    x = g.axes[0]
    fv = f.value(g.points)
    arrays = {"x": x, "f": fv, "gammas": np.array(c.gammas)}
    checks = [check_row("global minimum of f is the sharp valley", REF, float(x[np.argmin(fv)]),
                        f.meta["sharp"], "==", tol=0.05, kind="method", claim_id=6)]
    devs, argmins = {}, {}
    for gam in c.gammas:
        r = local_entropy(f, g, gam, c.beta)
        negF = -r.F
        arrays[f"negF_{gam:g}"] = negF
        F_ref, _ = theory.local_entropy_quadrature(lambda y: f.value(y), x, gam, x, beta=c.beta)
        inner = np.abs(x) < 3.0
        checks.append(check_row(f"local entropy by Cole-Hopf = quadrature of eq. (4), gamma = {gam:g}", REF,
                                float(np.max(np.abs(r.F - F_ref)[inner])), 1e-8, "<=", kind="method", claim_id=6))
        argmins[gam] = float(x[np.argmin(negF)])
        d = (negF - fv)[inner]
        devs[gam] = float(d.max() - d.min())               # sup-distance of −F from f, up to a constant
        checks.append(check_row(f"argmin of -F(x, gamma = {gam:g})", REF, argmins[gam],
                                None, "~", note=f"sharp valley at -1, wide valley at +1; osc(−F − f) on |x| < 3 = "
                                                f"{devs[gam]:.3f}", kind="derived", claim_id=6))
    small, large = min(c.gammas), max(c.gammas)
    order = sorted(c.gammas)
    shrinking = all(devs[a] > devs[b] for a, b in zip(order, order[1:]))
    # claim 6: three conditions, each scaled so ≤ 1 holds — wide valley at small γ, sharp at large γ,
    # and −F → f: the oscillation of −F − f shrinks monotonically in γ to below 5 % of f's depth
    parts = {"|argmin(−F, γ_min) − wide| / 0.1": abs(argmins[small] - f.meta["wide"]) / 0.1,
             "|argmin(−F, γ_max) − sharp| / 0.05": abs(argmins[large] - f.meta["sharp"]) / 0.05,
             "osc(−F − f)(γ_max) / 0.05": devs[large] / 0.05 if shrinking else float("inf")}
    checks.insert(0, claim_row(
        6, "local entropy prefers the wide valley at small γ and −F → f (up to a constant) as γ → ∞: worst of the "
           "three scaled conditions", REF, measured=max(parts.values()), bound=1.0, relation="<=",
        note="; ".join(f"{k} = {v:.3g}" for k, v in parts.items())
             + f"; argmin(−F) over γ = {order}: {[round(argmins[g], 3) for g in order]}; osc(−F − f) "
               f"{[round(devs[g], 3) for g in order]} (monotone in γ: {shrinking}); sharp valley depth 1, width "
               f"0.05 at −1, wide valley depth 0.7, width 0.5 at +1"))
    checks.append(check_row(f"at small scope (gamma = {small:g}) the minimum of -F moves to the wide valley", REF,
                            argmins[small], f.meta["wide"], "==", tol=0.1, kind="derived", claim_id=6))
    return Results(NAME, config_dict(c), arrays, {"sharp": f.meta["sharp"], "wide": f.meta["wide"]},
                   tuple(checks))
