"""Deep Relaxation smoothing: viscous and non-viscous HJ relaxations of a rugged 1-D loss.

f(x) = x² + 1.5 sin 2πx + seeded smoothed noise on [−3, 3] (the authors' ``hjb.py``
example). The viscous relaxation u_t = −½|u_x|² + ½u_xx (β = 1) to t = 0.2 is the exact
Cole–Hopf solution and the non-viscous one (t = 0.1) the exact Hopf–Lax solution; the
finite-difference solver ``solve_hj`` cross-checks both. Fokker–Planck densities
r_t = ∂_x(r ∂_x v) + ν r_xx started at x = 2.5 (a narrow Gaussian) and run to time 10
show where gradient descent with noise on f (ν = 0.2, "SGD") and on the relaxed losses
(ν = 0.1) ends up.

Quick scale: 600 cells (seconds). Full scale: 4000 cells.

References
----------
P. Chaudhari, A. Oberman, S. Osher, S. Soatto, G. Carlier, "Deep relaxation: partial
differential equations for optimizing deep neural networks", arXiv:1704.04932 (the
figure is regenerated from the authors' code; its place in the paper is not verified).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprelax import landscapes, sde
from deeprelax.pde import Grid, cole_hopf, grid_landscape, hopf_lax, solve_fp, solve_hj
from experiments._base import Results, check_row, config_dict

NAME = "relaxation"
TITLE = "Deep Relaxation: viscous vs non-viscous HJ smoothing of a rugged 1-D loss"
REF = "Chaudhari, Oberman, Osher, Soatto & Carlier 2018 (arXiv:1704.04932), §3; authors' hjb.py"


@dataclass(frozen=True)
class Config:
    """Quick scale by default; ``full()`` (and ``paper()`` where defined) give the other scales.

    Attributes
    ----------
    n_cells
        grid cells on `bounds`
    bounds
        interval of the 1-D loss
    noise
        amplitude of the smoothed noise added to x² + 1.5 sin 2πx
    noise_length
        correlation length of the smoothed noise
    seed
        seed of the noise
    t_viscous
        time of the viscous (Cole-Hopf) relaxation
    t_nonviscous
        time of the non-viscous (Hopf-Lax) relaxation
    fp_start
        centre of the initial density of the Fokker-Planck runs
    fp_time
        end time of the Fokker-Planck runs
    """

    n_cells: int = 600
    bounds: tuple[float, float] = (-3.0, 3.0)
    noise: float = 0.5
    noise_length: float = 0.03
    seed: int = 42
    beta: float = 1.0           # viscous HJ: u_t = −½|u_x|² + (1/2β) u_xx
    t_viscous: float = 0.2
    t_nonviscous: float = 0.1
    fp_start: float = 2.5
    fp_width2: float = 0.02     # r₀ ∝ exp(−(x − 2.5)²/0.02)
    fp_time: float = 10.0
    fp_nu: float = 0.1          # relaxed losses
    fp_nu_sgd: float = 0.2      # plain f ("SGD")
    core: float = 2.5           # |x| <= core: where solve_hj is compared with the closed forms

    @classmethod
    def full(cls) -> Config:
        return cls(n_cells=4000)


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    g = Grid(c.bounds, c.n_cells)
    x = g.axes[0]
    f = landscapes.relaxation_1d(noise=c.noise, noise_length=c.noise_length, seed=c.seed).value(g.points)
    u_v = cole_hopf(f, g, c.t_viscous, c.beta, gradient=False).u
    u_nv = hopf_lax(f, g, c.t_nonviscous).u
    fd_v = solve_hj(f, g, c.t_viscous, 0.5 / c.beta, scheme="imex_ars222", progress=progress).u[-1]
    fd_nv = solve_hj(f, g, c.t_nonviscous, 0.0, progress=progress).u[-1]
    p0 = np.exp(-((x - c.fp_start) ** 2) / c.fp_width2) * (np.abs(x - c.fp_start) < 3 * np.sqrt(c.fp_width2 / 2))
    dens = {}
    fps = {}
    for key, v, nu in (("sgd", f, c.fp_nu_sgd), ("viscous", u_v, c.fp_nu), ("nonviscous", u_nv, c.fp_nu)):
        s = sde.langevin(grid_landscape(v, g, key), beta=1.0 / nu)
        fps[key] = solve_fp(s, p0, g, c.fp_time, t_eval=np.linspace(c.fp_time / 50, c.fp_time, 50))
        dens[key] = fps[key].rho[-1]
    # solve_hj has Neumann walls, the closed forms integrate over the box: compare away from the walls
    core = np.abs(x) <= c.core
    err_v = float(np.max(np.abs(fd_v - u_v)[core]))
    err_nv = float(np.max(np.abs(fd_nv - u_nv)[core]))
    checks = [
        check_row("solve_hj (IMEX, ENO2) reproduces the Cole-Hopf viscous solution", REF, err_v, 0.05, "<=",
                  note=f"sup error on |x| <= {c.core} at t = {c.t_viscous}, {c.n_cells} cells", kind="method",
                  claim_id=19),
        check_row("solve_hj (SSP-RK3, ENO2, nu = 0) reproduces the Hopf-Lax solution", REF, err_nv, 0.05, "<=",
                  note=f"sup error on |x| <= {c.core} at t = {c.t_nonviscous} (kinks: first order there)",
                  kind="method", claim_id=20),
        check_row("relaxed losses are smoother: Lipschitz(u_viscous) / Lipschitz(f)", REF,
                  _lip(u_v, g) / _lip(f, g), 1.0, "<=", kind="derived"),
    ]
    for key, r in fps.items():
        checks.append(check_row(f"Fokker-Planck ({key}) conserves mass", "Chaudhari & Soatto 2018, eq. (4)",
                                float(np.max(np.abs(r.mass - 1.0))), 1e-12, "<=", kind="method"))
        inc = float(np.max(np.diff(r.free_energy)))
        checks.append(check_row(f"scheme check: KL to the scheme's own discrete steady state decreases ({key} "
                                "Fokker-Planck flow)", "Chaudhari & Soatto 2018, Theorem 5", inc, 0.0, "<=", tol=1e-12,
                                note="largest increase of beta^-1 KL(rho_t || rho_ss,discrete) between outputs; "
                                     "guaranteed for a monotone implicit step (data processing), so not evidence for "
                                     "Theorem 5 (that is free_energy_decay)", kind="method", claim_id=12))
    arrays: dict[str, Any] = {"x": x, "f": f, "u_viscous": u_v, "u_nonviscous": u_nv, "fd_viscous": fd_v,
                              "fd_nonviscous": fd_nv, "p0": p0}
    arrays.update({f"rho_{k}": v for k, v in dens.items()})
    info = {"fp_mean": {k: float(g.integrate(x * v)) for k, v in dens.items()},
            "argmin_f": float(x[np.argmin(f)])}
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))


def _lip(v: np.ndarray, g: Grid) -> float:
    return float(np.max(np.abs(np.diff(v))) / g.spacing[0])
