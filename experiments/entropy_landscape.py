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
from experiments._base import Results, check_row, config_dict

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
    gammas: tuple[float, ...] = (1e4, 30.0, 3.0)
    beta: float = 1.0

    @classmethod
    def full(cls) -> Config:
        return cls(n_cells=16000, gammas=(1e4, 300.0, 30.0, 3.0, 1.0))


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    f = landscapes.sharp_wide()
    g = Grid(c.bounds, c.n_cells)
    x = g.axes[0]
    fv = f.value(g.points)
    arrays = {"x": x, "f": fv, "gammas": np.array(c.gammas)}
    checks = [check_row("global minimum of f is the sharp valley", REF, float(x[np.argmin(fv)]),
                        f.meta["sharp"], "==", tol=0.05)]
    for gam in c.gammas:
        r = local_entropy(f, g, gam, c.beta)
        negF = -r.F
        arrays[f"negF_{gam:g}"] = negF
        F_ref, _ = theory.local_entropy_quadrature(lambda y: f.value(y), x, gam, x, beta=c.beta)
        inner = np.abs(x) < 3.0
        checks.append(check_row(f"local entropy by Cole-Hopf = quadrature of eq. (4), gamma = {gam:g}", REF,
                                float(np.max(np.abs(r.F - F_ref)[inner])), 1e-8, "<="))
        checks.append(check_row(f"argmin of -F(x, gamma = {gam:g})", REF, float(x[np.argmin(negF)]),
                                None, "~", note="sharp valley at -1, wide valley at +1"))
    small = min(c.gammas)
    checks.append(check_row(f"at small scope (gamma = {small:g}) the minimum of -F moves to the wide valley", REF,
                            float(x[np.argmin(arrays[f'negF_{small:g}'])]), f.meta["wide"], "==", tol=0.1))
    return Results(NAME, config_dict(c), arrays, {"sharp": f.meta["sharp"], "wide": f.meta["wide"]},
                   tuple(checks))
