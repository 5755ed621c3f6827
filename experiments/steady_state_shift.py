"""SGD-VI Theorem 22 / Remark 26: the modes of SGD's steady state are not the critical points of f.

A two-parameter per-sample-gradient model: robust (Welsch-loss) linear regression
through the origin on N samples drawn from two clusters,

    f_k(w) = (s²/2)(1 − exp(−r_k²/s²)) + (λ/2)|w|²,   r_k = y_k − a_kᵀw,
    f = N⁻¹ Σ_k f_k,   D(w) = N⁻¹ Σ_k ∇f_k ∇f_kᵀ − ∇f ∇fᵀ          (SGD-VI eq. 2)

so D comes from the same per-sample losses as f; it is state-dependent and
non-isotropic (anisotropic features a_k), and f has two minima (one per cluster).
SGD's SDE dx = −∇f dt + √(2β⁻¹D(x)) dW with β⁻¹ = η/(2b) (``sde.from_sgd`` with the
D kernel) has the stationary density ρˢˢ, solved by ``pde.stationary_fp``, and
Φ = −β⁻¹ log ρˢˢ. For each η/b of a sweep over more than a decade the experiment
locates the mode of ρˢˢ in the deeper well (cubic spline of Φ on a box of ±6 standard
deviations around the minimiser, then BFGS) and measures its distance from the
critical point of f (Newton on ∇f); the grid error is the change of the mode between
n and n/2 cells. The verdict is the fitted exponent p of shift ∝ (η/b)^p (the paper:
"scales linearly with η/b"). Negative control: the same SDE with a constant isotropic
D (the mean eigenvalue of D at the minimum) has its mode at the critical point within
the grid error. Method checks: an ``sdeint`` ensemble of the same SDE spec started from
ρˢˢ stays distributed as ρˢˢ (χ² on the grid's cells, and its mean), and a full-box
solve gives both wells for the figure (Φ vs f, modes vs critical points).

Quick scale: 100² cells per local solve, 4,000 paths (≈ 20 s). Full scale: 240² cells,
40,000 paths.

References
----------
P. Chaudhari and S. Soatto, "Stochastic gradient descent performs variational inference,
converges to limit cycles for deep networks", ICLR 2018, arXiv:1710.11029, Theorem 22,
Remarks 23–26; PAPERS.md §5 claim 15.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.interpolate import RectBivariateSpline
from scipy.optimize import minimize, root
from scipy.stats import chi2

from deeprelax import landscapes, sde
from deeprelax._core import jit
from deeprelax.pde import Grid, stationary_fp
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "steady_state_shift"
TITLE = "Theorem 22: the modes of SGD's steady state move off the critical points of f as η/b grows"
REF = "Chaudhari & Soatto 2018 (arXiv:1710.11029), Theorem 22, Remark 26"


def _sdeint(*args, **kwargs):
    """``sde.sdeint`` that stops the experiment when a path goes non-finite (its message says where)."""
    sol = sde.sdeint(*args, **kwargs)
    if not sol.success:
        raise RuntimeError(f"{NAME}: sdeint did not succeed: {sol.message}")
    return sol


#: "Roughly linear" (the paper's words): the fitted exponent of shift ∝ (η/b)^p within this
#: distance of 1. The leading-order small-noise expansion gives exactly p = 1 as η/b → 0.
LINEAR_TOL = 0.25
#: A shift counts as non-zero when it exceeds this many grid errors.
NONZERO_GRID_ERRORS = 3.0


# --------------------------------------------------------------------------- the per-sample model
# p = [N, s, λ, a_1 (N), a_2 (N), y (N)]: Welsch-loss regression, N samples, 2 parameters.

@jit
def _welsch_value(x, p):
    n = int(p[0])
    s2 = p[1] * p[1]
    v = 0.0
    for k in range(n):
        r = p[3 + 2 * n + k] - p[3 + k] * x[0] - p[3 + n + k] * x[1]
        v += 0.5 * s2 * (1.0 - np.exp(-r * r / s2))
    return v / n + 0.5 * p[2] * (x[0] * x[0] + x[1] * x[1])


@jit
def _welsch_grad(x, p, out):
    n = int(p[0])
    s2 = p[1] * p[1]
    out[0] = p[2] * x[0]
    out[1] = p[2] * x[1]
    for k in range(n):
        r = p[3 + 2 * n + k] - p[3 + k] * x[0] - p[3 + n + k] * x[1]
        psi = r * np.exp(-r * r / s2) / n          # ρ′(r)/N, ρ the Welsch loss
        out[0] -= psi * p[3 + k]
        out[1] -= psi * p[3 + n + k]


@jit
def _welsch_hess(x, p, out):
    n = int(p[0])
    s2 = p[1] * p[1]
    out[0, 0] = p[2]
    out[1, 1] = p[2]
    out[0, 1] = 0.0
    for k in range(n):
        r = p[3 + 2 * n + k] - p[3 + k] * x[0] - p[3 + n + k] * x[1]
        dpsi = np.exp(-r * r / s2) * (1.0 - 2.0 * r * r / s2) / n     # ρ″(r)/N
        a0 = p[3 + k]
        a1 = p[3 + n + k]
        out[0, 0] += dpsi * a0 * a0
        out[0, 1] += dpsi * a0 * a1
        out[1, 1] += dpsi * a1 * a1
    out[1, 0] = out[0, 1]


@jit
def _welsch_D(x, p, out):
    # D(x) = N⁻¹ Σ g_k g_kᵀ − ḡ ḡᵀ over the per-sample gradients g_k = −ρ′(r_k) a_k (+ λx, which cancels)
    n = int(p[0])
    s2 = p[1] * p[1]
    m0 = 0.0
    m1 = 0.0
    s00 = 0.0
    s01 = 0.0
    s11 = 0.0
    for k in range(n):
        r = p[3 + 2 * n + k] - p[3 + k] * x[0] - p[3 + n + k] * x[1]
        psi = r * np.exp(-r * r / s2)
        g0 = -psi * p[3 + k]
        g1 = -psi * p[3 + n + k]
        m0 += g0
        m1 += g1
        s00 += g0 * g0
        s01 += g0 * g1
        s11 += g1 * g1
    m0 /= n
    m1 /= n
    out[0, 0] = s00 / n - m0 * m0
    out[0, 1] = s01 / n - m0 * m1
    out[1, 0] = out[0, 1]
    out[1, 1] = s11 / n - m1 * m1


@dataclass(frozen=True)
class Config:
    #: N, samples of the Welsch regression (half per cluster)
    n_samples: int = 40
    #: seed of the features and label noise
    data_seed: int = 3
    #: standard deviation of each Gaussian feature coordinate (anisotropic D)
    feature_scale: tuple[float, float] = (1.0, 0.5)
    w_clusters: tuple[float, float] = (1.0, 0.6)     # clusters generated by ±w
    #: label-noise standard deviation
    label_noise: float = 0.1
    #: s of the Welsch loss (s²/2)(1 − exp(−r²/s²))
    welsch_scale: float = 0.5
    #: L2 weight λ of f
    weight_decay: float = 0.02
    #: the η/b sweep (β⁻¹ = η/2b) at which the mode shift is measured
    eta_over_b: tuple[float, ...] = (0.02, 0.04, 0.08, 0.16, 0.32)
    #: cells per axis of each local stationary solve (the grid error compares with n/2)
    n_cells: int = 100
    #: half-width of the local box in stationary standard deviations (softest direction)
    box_sigmas: float = 6.0
    #: cells per axis of the full-box solve for the figure
    full_cells: int = 140
    #: half-width of the full box [−w, w]² for the figure (both wells)
    full_half_width: float = 2.2
    #: η/b of the full-box figure solve
    figure_eta_over_b: float = 1.0
    n_paths: int = 4000             # 0 skips the sdeint method rows
    noise_model: str = "per_sample"  # "isotropic": negative-control mode, D(x) replaced by d̄·I everywhere
    #: Euler–Maruyama time step of the sdeint method rows
    sde_dt: float = 0.02
    #: integration time of the sdeint ensemble started from ρˢˢ
    sde_time: float = 12.0
    #: seed of the ensemble's start points and Brownian paths
    seed: int = 15

    @classmethod
    def paper(cls) -> Config:
        """η/b over 32× (six values), 160² cells per local solve, 20,000 sdeint paths."""
        return cls(n_cells=160, full_cells=200, n_paths=20_000, eta_over_b=(0.01, 0.02, 0.04, 0.08, 0.16, 0.32))

    @classmethod
    def full(cls) -> Config:
        return cls(n_cells=240, full_cells=300, n_paths=40_000,
                   eta_over_b=(0.01, 0.02, 0.04, 0.08, 0.16, 0.32))


@dataclass(frozen=True)
class Model:
    landscape: landscapes.Landscape
    params: np.ndarray
    minima: np.ndarray        # (2, 2) the two minimisers of f
    saddles: np.ndarray       # (k, 2) other critical points found


def build_model(c: Config) -> Model:
    """The Welsch regression landscape, its D kernel parameters and its critical points."""
    rng = np.random.default_rng(c.data_seed)
    n = c.n_samples
    A = rng.standard_normal((n, 2)) * np.asarray(c.feature_scale)
    w = np.asarray(c.w_clusters)
    y = np.where(np.arange(n) < n // 2, A @ w, -(A @ w)) + c.label_noise * rng.standard_normal(n)
    p = np.concatenate([[n, c.welsch_scale, c.weight_decay], A[:, 0], A[:, 1], y])
    f = landscapes.from_numba(_welsch_value, _welsch_grad, _welsch_hess, dim=2, params=p, name="welsch_regression")
    crit = []
    starts = [w, -w] + [np.array(v) for v in ((0.0, 0.0), (0.3, -0.3), (0.2, -0.6), (-0.3, 0.3))]
    for x0 in starts:
        sol = root(lambda z: f.grad(z[None])[0], x0, jac=lambda z: f.hess(z[None])[0], tol=1e-12)
        if np.max(np.abs(f.grad(sol.x[None])[0])) < 1e-12 and not any(np.linalg.norm(sol.x - q) < 1e-6
                                                                      for q in crit):
            crit.append(sol.x)
    crit = np.array(crit)
    eig = np.linalg.eigvalsh(f.hess(crit))
    minima = crit[np.all(eig > 0, axis=1)]
    minima = minima[np.argsort(f.value(minima))]          # deeper well first
    saddles = crit[~np.all(eig > 0, axis=1)]
    return Model(f, p, minima, saddles)


def D_at(model: Model, x: np.ndarray) -> np.ndarray:
    out = np.zeros((2, 2))
    _welsch_D(np.asarray(x, float), model.params, out)
    return out


def _mode(phi: np.ndarray, g: Grid, near: np.ndarray | None = None) -> np.ndarray:
    """argmin of a cubic spline of Φ, started from the grid argmin (near ``near`` when given)."""
    sp = RectBivariateSpline(g.axes[0], g.axes[1], phi, kx=3, ky=3)
    if near is None:
        i = int(np.argmin(phi))
    else:
        d = np.hypot(g.points[..., 0] - near[0], g.points[..., 1] - near[1])
        i = int(np.argmin(np.where(d < 0.4, phi, np.inf)))
    start = g.points.reshape(-1, 2)[i]
    res = minimize(lambda z: sp(z[0], z[1])[0, 0], start, method="BFGS",
                   jac=lambda z: np.array([sp(z[0], z[1], dx=1)[0, 0], sp(z[0], z[1], dy=1)[0, 0]]),
                   options={"gtol": 1e-13})
    return res.x


def _phi(rho: np.ndarray, T: float) -> np.ndarray:
    return -T * np.log(np.maximum(rho, np.finfo(float).tiny))


def local_grid(model: Model, T: float, c: Config, n: int) -> Grid:
    """A square box of ±box_sigmas standard deviations (softest OU direction) around the deeper minimiser."""
    x0 = model.minima[0]
    lam_H = np.linalg.eigvalsh(model.landscape.hess(x0[None])[0])[0]
    lam_D = np.linalg.eigvalsh(D_at(model, x0))[-1]
    w = c.box_sigmas * np.sqrt(T * lam_D / lam_H)
    return Grid([(x0[0] - w, x0[0] + w), (x0[1] - w, x0[1] + w)], n)


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    model = build_model(c)
    f = model.landscape
    x0 = model.minima[0]
    D0 = D_at(model, x0)
    d_iso = float(np.trace(D0) / 2)
    eb = np.asarray(c.eta_over_b, float)
    if c.noise_model not in ("per_sample", "isotropic"):
        raise ValueError(f"`noise_model` must be 'per_sample' or 'isotropic', got {c.noise_model!r}")

    def sgd_sde(r_eb: float):
        if c.noise_model == "isotropic":
            return sde.from_sgd(f, lr=r_eb, batch_size=1, noise_cov=d_iso * np.eye(2))
        return sde.from_sgd(f, lr=r_eb, batch_size=1, noise_cov=_welsch_D, noise_params=model.params)

    shifts, grid_err, iso_shift, modes = [], [], [], []
    for r_eb in eb:
        T = r_eb / 2                                   # β⁻¹ = η/(2b)
        m = sgd_sde(float(r_eb))
        both = []
        for n in (c.n_cells // 2, c.n_cells):
            g = local_grid(model, T, c, n)
            rho = stationary_fp(m, g).rho
            both.append(_mode(_phi(rho, T), g))
        modes.append(both[1])
        shifts.append(float(np.linalg.norm(both[1] - x0)))
        grid_err.append(float(np.linalg.norm(both[1] - both[0])))
        iso = sde.from_sgd(f, lr=float(r_eb), batch_size=1, noise_cov=d_iso * np.eye(2))
        rho_i = stationary_fp(iso, g).rho
        iso_shift.append(float(np.linalg.norm(_mode(_phi(rho_i, T), g) - x0)))
    shifts, grid_err, iso_shift = np.array(shifts), np.array(grid_err), np.array(iso_shift)
    err = np.maximum(grid_err, 1e-12)
    fit, cov = np.polyfit(np.log(eb), np.log(shifts), 1, cov=True)
    slope, slope_se = float(fit[0]), float(np.sqrt(cov[0, 0]))
    local = np.diff(np.log(shifts)) / np.diff(np.log(eb))
    lin = np.linalg.lstsq(np.stack([eb, eb**2], axis=1), shifts, rcond=None)[0]
    nonzero = bool(np.all(shifts > NONZERO_GRID_ERRORS * err))
    grows = bool(np.all(np.diff(shifts) > 0))
    span = float(eb.max() / eb.min())
    checks = [
        claim_row(
            15, "modes of ρˢˢ ≠ critical points of f, shift grows ~linearly with η/b: fitted exponent p of "
                "|mode − argmin f| ∝ (η/b)^p", REF, measured=slope if (nonzero and grows) else float("nan"),
            bound=1.0, relation="==", tol=LINEAR_TOL, uncertainty=slope_se,
            qualified_if=nonzero and grows,
            condition=f"the shift is non-zero and grows, but as (η/b)^{slope:.2f}, not linearly",
            note=f"η/b ∈ [{eb.min():g}, {eb.max():g}] ({span:.0f}×); shifts "
                 + ", ".join(f"{s:.2e}" for s in shifts)
                 + f"; grid errors ≤ {grid_err.max():.1e} (min shift/grid error {np.min(shifts / err):.0f}); "
                   f"local exponents {np.round(local, 2).tolist()}; fit shift = {lin[0]:.4f}(η/b) + {lin[1]:.4f}"
                   f"(η/b)²; 'roughly linear' = |p − 1| ≤ {LINEAR_TOL}; the SE of p is the fit's residual SE "
                   "(curvature of the law, not noise)"),
        check_row("negative control: isotropic constant D (mean eigenvalue of D at the minimum) leaves the mode "
                  "at argmin f: max shift", REF, float(iso_shift.max()), float(NONZERO_GRID_ERRORS * grid_err.min()),
                  "<=", kind="method", claim_id=15,
                  note=f"bound = {NONZERO_GRID_ERRORS:g} × the smallest grid error of the anisotropic runs"),
        check_row("the shift is non-zero at the smallest η/b: shift / grid error", REF, float(shifts[0] / err[0]),
                  NONZERO_GRID_ERRORS, ">=", kind="method", claim_id=15,
                  note=f"grid error = |mode(n) − mode(n/2)|, n = {c.n_cells}"),
    ]
    if c.n_paths > 0:
        checks += _sdeint_rows(c, model, sgd_sde, float(eb[-1]), progress)
    # the full box with both wells, for the figure
    gf = Grid([(-c.full_half_width, c.full_half_width)] * 2, c.full_cells)
    Tf = c.figure_eta_over_b / 2
    mf = sgd_sde(c.figure_eta_over_b)
    rf = stationary_fp(mf, gf)
    phi_f = _phi(rf.rho, Tf)
    full_modes = np.array([_mode(phi_f, gf, near=q) for q in model.minima])
    arrays: dict[str, Any] = {
        "eta_over_b": eb, "shift": shifts, "grid_error": grid_err, "iso_shift": iso_shift,
        "modes": np.array(modes), "minima": model.minima, "saddles": model.saddles,
        "full_x": gf.axes[0], "full_y": gf.axes[1], "full_phi": phi_f, "full_f": f.value(gf.points),
        "full_modes": full_modes, "D_at_min": D0,
    }
    info = {"slope": slope, "slope_se": slope_se, "local_exponents": local.tolist(),
            "linear_coefficient": float(lin[0]), "quadratic_coefficient": float(lin[1]),
            "figure_eta_over_b": c.figure_eta_over_b, "full_mode_shift": np.linalg.norm(full_modes - model.minima,
                                                                                          axis=1).tolist(),
            "isotropic_D": d_iso, "D_eigenvalues_at_min": np.linalg.eigvalsh(D0).tolist(),
            "full_min_density": rf.min_density, "full_monotone": bool(rf.monotone)}
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))


def _sdeint_rows(c: Config, model: Model, sgd_sde, r_eb: float, progress: bool) -> list:
    """The same SDE spec integrated by sdeint, started from ρˢˢ: it must stay distributed as ρˢˢ."""
    f = model.landscape
    x0 = model.minima[0]
    T = r_eb / 2
    m = sgd_sde(r_eb)
    g = local_grid(model, T, c, c.n_cells)
    rho = stationary_fp(m, g).rho
    start = _sample_grid(rho, g, c.n_paths, np.random.default_rng(c.seed))
    n_steps = int(round(c.sde_time / c.sde_dt))
    sol = _sdeint(m, start, (0.0, c.sde_time), c.sde_dt, seed=c.seed, save_every=n_steps, progress=progress)
    end = sol.x[-1]
    pval, n_bins = _chi2_cells(end, rho, g, 10)
    mean_fp = np.array([g.integrate(rho * g.points[..., k]) for k in range(2)])
    inside = np.all((end >= [b[0] for b in g.bounds]) & (end <= [b[1] for b in g.bounds]), axis=1)
    mean_sd = end[inside].mean(axis=0)
    mean_se = end[inside].std(axis=0, ddof=1) / np.sqrt(inside.sum())
    z_mean = float(np.max(np.abs(mean_sd - mean_fp) / mean_se))
    rows = [
        check_row(f"sdeint ensemble started from ρˢˢ keeps its law (χ² p-value, η/b = {r_eb:g})", REF, pval, 1e-3,
                  ">=", kind="method", claim_id=15,
                  note=f"{c.n_paths} Euler–Maruyama paths, dt = {c.sde_dt}, t = {c.sde_time} "
                       f"(≈ {c.sde_time * np.linalg.eigvalsh(f.hess(x0[None])[0])[0]:.1f} relaxation times), "
                       f"{n_bins} bins; {int((~inside).sum())} paths left the box"),
        check_row(f"sdeint mean = ρˢˢ mean (max |z| over coordinates, η/b = {r_eb:g})", REF, z_mean, 4.0, "<=",
                  kind="method", claim_id=15,
                  note=f"FP mean {np.round(mean_fp, 5).tolist()}, sdeint {np.round(mean_sd, 5).tolist()}; "
                       f"argmin f {np.round(x0, 5).tolist()}"),
    ]
    return rows


def _sample_grid(rho: np.ndarray, g: Grid, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points from the piecewise-constant density ρ (uniform within each cell)."""
    w = np.maximum(rho, 0.0).ravel()
    idx = rng.choice(w.size, size=n, p=w / w.sum())
    pts = g.points.reshape(-1, 2)[idx]
    return pts + (rng.random((n, 2)) - 0.5) * np.asarray(g.spacing)


def _chi2_cells(xs: np.ndarray, rho: np.ndarray, g: Grid, bins: int) -> tuple[float, int]:
    """χ² p-value of the sample histogram against ρ, cells merged into bins × bins blocks (E ≥ 20 kept)."""
    nx, ny = g.shape
    bx, by = nx // bins, ny // bins
    ex = g.bounds[0][0] + g.spacing[0] * np.arange(0, bx * bins + 1, bx)
    ey = g.bounds[1][0] + g.spacing[1] * np.arange(0, by * bins + 1, by)
    obs, _, _ = np.histogram2d(xs[:, 0], xs[:, 1], bins=[ex, ey])
    e = rho[: bx * bins, : by * bins].reshape(bins, bx, bins, by).sum(axis=(1, 3)) * g.cell_volume * xs.shape[0]
    keep = e >= 20
    o = np.r_[obs[keep], xs.shape[0] - obs[keep].sum()]
    ee = np.r_[e[keep], xs.shape[0] - e[keep].sum()]
    return float(chi2.sf(np.sum((o - ee) ** 2 / ee), o.size - 1)), int(o.size)
