"""Chaudhari & Soatto (2018) Example 19 / Fig. 4: limit cycles with an unchanged steady state.

dx = (−∇Φ + j) dt + √2 dW, Φ = (x₁² − 1)²/4 + x₂²/2, j = λ e^{Φ} e^{−r⁴/4} (−x₂, x₁).
For every λ the stationary density is e^{−Φ}/Z, while the circulation (stationary
angular momentum, √(2π)λ/∫e^{−(x²−1)²/4}dx) grows linearly with λ. The experiment
starts every path at the minimum (1, 0), integrates an ensemble past the relaxation
time, compares the histogram of the end points with e^{−Φ} (χ², L1), measures the
circulation and the probability current from recorded increments, and follows the
noise-free flow from near the saddle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.stats as st

from deeprelax import analysis, landscapes, sde
from deeprelax.theory import example19_angular_momentum, example19_bin_probabilities
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "limit_cycle"
TITLE = "Example 19: SDE paths, stationary histogram vs e^{-Phi}, circulation and current"
REF = "Chaudhari & Soatto 2018 (arXiv:1710.11029), Example 19 / Fig. 4"


@dataclass(frozen=True)
class Config:
    """Quick scale by default; ``full()`` (and ``paper()`` where defined) give the other scales.

    Attributes
    ----------
    lams
        strengths λ of the circulating drift j (one ensemble each)
    n_paths
        paths of the relaxation ensemble (end points vs e^{-Φ})
    dt
        time step of every SDE run
    t_relax
        time the ensemble runs from (1, 0) before its histogram is taken
    n_record_paths
        paths whose increments are recorded for the circulation and current
    t_record
        length of the recorded stretch
    t_sample_path
        length of the one sample path drawn in the figure
    scheme
        SDE scheme (sde.SCHEMES: euler_maruyama, milstein, heun, sra1)
    hist_bins
        histogram bins along x₁ and x₂ of the χ² test
    hist_range
        histogram box, ((x₁ lo, hi), (x₂ lo, hi))
    current_bins
        bins per axis of the probability-current estimate
    t_flow
        length of the noise-free flow from near the saddle
    seed
        seed of the random streams (λ index added per ensemble)
    """

    lams: tuple[float, ...] = (0.0, 0.5, 1.5)
    n_paths: int = 20_000
    dt: float = 0.005
    t_relax: float = 8.0
    n_record_paths: int = 2_000
    t_record: float = 2.0
    t_sample_path: float = 20.0
    scheme: str = "heun"
    hist_bins: tuple[int, int] = (11, 10)
    hist_range: tuple[tuple[float, float], tuple[float, float]] = ((-2.2, 2.2), (-2.5, 2.5))
    current_bins: int = 12
    t_flow: float = 40.0
    seed: int = 19

    @classmethod
    def full(cls) -> Config:
        """10× the paths and recorded increments, a finer histogram."""
        return cls(n_paths=200_000, n_record_paths=20_000, t_record=5.0, hist_bins=(22, 20),
                   current_bins=20)


def _chi2(counts: np.ndarray, p: np.ndarray, n: int) -> tuple[float, float, float]:
    obs = np.append(counts.ravel(), n - counts.sum())
    exp = np.append(p.ravel(), max(0.0, 1.0 - p.sum())) * n
    res = st.chisquare(obs, exp)
    l1 = float(np.abs(obs / n - exp / n).sum())
    return float(res.statistic), float(res.pvalue), l1


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    (x_lo, x_hi), (y_lo, y_hi) = c.hist_range
    edges = (np.linspace(x_lo, x_hi, c.hist_bins[0] + 1), np.linspace(y_lo, y_hi, c.hist_bins[1] + 1))
    p_theory = example19_bin_probabilities(*edges)
    g = np.linspace(-1.5, 1.5, 25)
    GX, GY = np.meshgrid(g, g, indexing="ij")
    grid = np.stack([GX, GY], axis=-1)
    hists, drift, currents, paths, L_est, L_se, L_th, chi2, pval, l1 = ([] for _ in range(10))
    checks = []
    rmin, rmax = -1.6, 1.6
    for k, lam in enumerate(c.lams):
        field = landscapes.example19(lam)
        model = sde.langevin(field)
        relax = sde.sdeint(model, [1.0, 0.0], (0.0, c.t_relax), c.dt, n_paths=c.n_paths,
                           scheme=c.scheme, seed=c.seed + k, save_every=int(round(c.t_relax / c.dt)),
                           progress=progress)
        end = relax.x[-1]
        counts, *_ = np.histogram2d(end[:, 0], end[:, 1], bins=edges)
        s, pv, d1 = _chi2(counts, p_theory, end.shape[0])
        hists.append(counts / end.shape[0])
        chi2.append(s)
        pval.append(pv)
        l1.append(d1)
        rec = sde.sdeint(model, end[: c.n_record_paths], (0.0, c.t_record), c.dt, scheme=c.scheme,
                         rng_state=relax.rng_state[: c.n_record_paths])
        L = analysis.angular_momentum(rec.x, c.dt)
        L_est.append(L.value)
        L_se.append(L.stderr)
        L_th.append(example19_angular_momentum(lam))
        cur = analysis.probability_current(rec.x, c.dt, bins=c.current_bins,
                                           range=[(rmin, rmax), (rmin, rmax)])
        currents.append(cur.J)
        one = sde.sdeint(model, [1.0, 0.0], (0.0, c.t_sample_path), c.dt, scheme=c.scheme,
                         seed=c.seed + 100 + k, save_every=4)
        paths.append(one.x[:, 0])
        drift.append(field(grid))
        checks += [
            check_row(f"stationary histogram = e^-Phi (lambda={lam:g}): chi^2 p-value",
                      REF, pv, 1e-3, ">=", note=f"chi2 = {s:.1f} on {counts.size} cells + outside; "
                      f"{end.shape[0]} independent end points; L1 = {d1:.4f}", kind="method", claim_id=14),
            check_row(f"circulation E[x1 dx2 - x2 dx1]/dt (lambda={lam:g})", REF, L.value,
                      L_th[-1], "==", tol=4 * L.stderr,
                      note=f"theory sqrt(2 pi) lambda / int e^(-(x^2-1)^2/4); 4 SE = {4 * L.stderr:.3g}",
                      kind="method", claim_id=14, uncertainty=L.stderr),
        ]
    order = np.argsort(c.lams)
    grows = float(np.min(np.diff(np.asarray(L_est)[order]))) if len(c.lams) > 1 else 0.0
    checks.append(check_row("circulation grows with lambda: min successive increase", REF, grows,
                            0.0, ">=", note="while the stationary density stays e^-Phi", kind="method", claim_id=14))
    # the noise-free flow from near the saddle, for the largest λ
    lam_max = float(max(c.lams))
    det = sde.langevin(landscapes.example19(lam_max), beta=1e12)
    flow = sde.sdeint(det, [0.05, 0.0], (0.0, c.t_flow), c.dt, scheme="heun", seed=0, save_every=4)
    fx = flow.x[:, 0]
    tail = fx[fx.shape[0] // 2:]
    dist_min = float(np.min(np.minimum(np.hypot(tail[:, 0] - 1, tail[:, 1]),
                                       np.hypot(tail[:, 0] + 1, tail[:, 1]))))
    radius = np.hypot(tail[:, 0], tail[:, 1])
    checks.append(check_row(f"noise-free flow (lambda={lam_max:g}) keeps off the minima (+-1, 0): "
                            "min distance over the second half", REF, dist_min, 0.1, ">=",
                            note=f"radius in [{radius.min():.3f}, {radius.max():.3f}] "
                            "(a closed orbit around the saddle at 0)", kind="method", claim_id=14))
    # claim 14: every part of Example 19, each scaled so that ≤ 1 holds
    z_circ = max(abs(v - t) / (4 * e) for v, t, e in zip(L_est, L_th, L_se))
    parts = {"1e-3 / min χ² p-value": 1e-3 / max(min(pval), 1e-300),
             "max |circulation − theory| / 4 SE": z_circ,
             "circulation growth": 0.0 if grows > 0 else float("inf"),
             "0.1 / min distance of the λ_max orbit from the minima": 0.1 / max(dist_min, 1e-300)}
    checks.insert(0, claim_row(
        14, "Example 19: the SDE histogram is e^{−Φ} for every λ, the circulation grows with λ (as theory), and "
            f"the noise-free flow at λ = {lam_max:g} is a limit cycle: worst scaled condition", REF,
        measured=max(parts.values()), bound=1.0, relation="<=",
        note="; ".join(f"{k} = {v:.3g}" for k, v in parts.items())
             + f"; λ = {list(c.lams)}, {c.n_paths} paths, {c.scheme}, dt = {c.dt}; the Fokker–Planck side "
               "(div J = 0, ∇·j ≠ 0) is in fp_example19"))
    arrays = {
        "lams": np.asarray(c.lams, float), "hist": np.asarray(hists), "p_theory": p_theory,
        "edges_x": edges[0], "edges_y": edges[1], "L": np.asarray(L_est), "L_se": np.asarray(L_se),
        "L_theory": np.asarray(L_th), "current": np.asarray(currents),
        "current_centers": 0.5 * (cur.edges[0][1:] + cur.edges[0][:-1]),
        "paths": np.asarray(paths), "grid": g, "drift": np.asarray(drift), "flow": fx,
    }
    info = {"chi2": chi2, "chi2_pvalue": pval, "l1": l1, "n_paths": c.n_paths,
            "n_steps_relax": int(round(c.t_relax / c.dt)), "seed_key": relax.seed_key}
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))
