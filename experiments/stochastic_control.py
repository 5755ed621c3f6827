"""Deep Relaxation §3.2.7(b): the optimally controlled SGD does better in expectation than SGD.

Controlled SGD on a 1-D tilted double well f:

    dX = (−f′(X) + α(X, s)) ds + √(β⁻¹) dW,   cost J(α) = E[f(X_T) + ½∫₀ᵀ |α|² ds].

The value function solves the backward HJB equation
−∂ₛv = −f′vₓ − ½vₓ² + (β⁻¹/2)vₓₓ, v(·, T) = f, and α* = −vₓ. In τ = T − s this is the
viscous Hamilton–Jacobi equation with drift u_τ + ½u_x² + f′u_x = νu_xx, ν = 1/(2β),
u(·, 0) = f, which ``pde.solve_hj(f, grid, T, viscosity=ν, drift=f′)`` solves (ENO2,
SSP-RK3): that is the value v the verdict uses, and α* = −vₓ is tabulated from it; its
numerical error is measured by halving the grid. *Hopf–Cole reference*: v = −β⁻¹ log ψ
turns the HJB into the backward Kolmogorov equation of plain SGD, −∂ₛψ = −f′ψₓ +
(β⁻¹/2)ψₓₓ, ψ(·, T) = e^{−βf}, i.e. ψ(x, s) = E[e^{−βf(X_T)} | X_s = x] (Feynman–Kac),
stepped backward by TR-BDF2 with the transpose of the finite-volume Fokker–Planck
generator of plain SGD (``pde.fp_operator``; rows sum to zero); the solve_hj value must
match it within the two solves' own error estimates (negative control: the same HJ
without the drift misses it). For a quadratic f = a x²/2 (OU drift) ψ is a Gaussian
integral, v = (2β)⁻¹ log(1 + βaS) + a m²/(2(1 + βaS)), m = x e^{−aτ}, S = (1 − e^{−2aτ})/(2aβ):
solve_hj with that drift is checked against this closed form.

The controlled SDE (state (X, s, running cost), α* from a bilinear table of −vₓ) and plain
SGD (α ≡ 0) run through ``sde.sdeint`` on the same Brownian streams from the same x₀.
Verdicts: J(α*) = v(x₀, 0) within the Monte Carlo error (verification theorem) and
J(α*) ≤ E[f(X_T^SGD)] with the measured gap (paired standard error). Cross-checks: the
Feynman–Kac estimate −β⁻¹ log E[e^{−βf(X_T^SGD)}] of v(x₀, 0) from the SGD paths, and
the time-step bias (dt vs 2 dt). Negative controls: the sub-optimal feedbacks ½α* and
(3/2)α* cost more than v(x₀, 0) by many standard errors.

Quick scale: solve_hj on 401 cells, the Hopf–Cole reference on 801, 10,000 paths, 1,000 steps.
Full scale: 1,601 and 2,001 cells, 200,000 paths, 4,000 steps.

References
----------
P. Chaudhari, A. Oberman, S. Osher, S. Soatto, G. Carlier, "Deep relaxation: partial
differential equations for optimizing deep neural networks", arXiv:1704.04932, §3
(stochastic control; the exact theorem is not available: PAPERS.md §3.2.7(b), claim 22).
W. Fleming and H. M. Soner, Controlled Markov Processes and Viscosity Solutions (2006), §VI
(logarithmic transformation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from deeprelax import sde
from deeprelax._core import Status, jit
from deeprelax.pde import Grid, fp_operator, grid_landscape, solve_hj
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "stochastic_control"
TITLE = "Stochastic control: optimally controlled SGD vs plain SGD (HJB value, Hopf–Cole, same streams)"
REF = "Chaudhari, Oberman, Osher, Soatto & Carlier 2018 (arXiv:1704.04932), §3.2.7(b) [derived]"


def _sdeint(*args, **kwargs):
    """``sde.sdeint`` that stops the experiment when a path goes non-finite (its message says where)."""
    sol = sde.sdeint(*args, **kwargs)
    if not sol.success:
        raise RuntimeError(f"{NAME}: sdeint did not succeed: {sol.message}")
    return sol


#: Agreement within this many (combined) standard errors counts as "within MC error".
Z_OK = 3.0
#: A negative control must miss by at least this many standard errors.
Z_REJECT = 5.0


# p = [a, tilt, x_lo, dx, nx, s_lo, ds, ns, scale, table (ns·nx, row-major in s)]
@jit
def _controlled_drift(x, p, out):
    # f(x) = a (x² − 1)² + tilt·x; state (X, s, c): dX = (−f′ + α) ds, ds = 1, dc = ½α²
    a = p[0]
    X = x[0]
    fp = 4.0 * a * X * (X * X - 1.0) + p[1]
    nx = int(p[4])
    ns = int(p[7])
    # bilinear interpolation of −v_x on the (s, x) table, clamped at the table's edges
    u = (X - p[2]) / p[3]
    w = (x[1] - p[5]) / p[6]
    i = int(np.floor(u))
    j = int(np.floor(w))
    i = min(max(i, 0), nx - 2)
    j = min(max(j, 0), ns - 2)
    fu = min(max(u - i, 0.0), 1.0)
    fw = min(max(w - j, 0.0), 1.0)
    base = 9
    t00 = p[base + j * nx + i]
    t01 = p[base + j * nx + i + 1]
    t10 = p[base + (j + 1) * nx + i]
    t11 = p[base + (j + 1) * nx + i + 1]
    alpha = p[8] * ((1 - fw) * ((1 - fu) * t00 + fu * t01) + fw * ((1 - fu) * t10 + fu * t11))
    out[0] = -fp + alpha
    out[1] = 1.0
    out[2] = 0.5 * alpha * alpha


@dataclass(frozen=True)
class Config:
    well: float = 1.0            # a in f = a (x² − 1)² + tilt x
    #: tilt of f = a (x² − 1)² + tilt·x (makes the wells unequal)
    tilt: float = 0.5
    beta: float = 2.0            # noise √(β⁻¹) dW
    horizon: float = 2.0         # T
    #: start x₀ of every controlled and plain SGD path
    x0: float = 1.0
    #: interval of the finite-volume grid of the value function
    bounds: tuple[float, float] = (-2.6, 2.6)
    #: cells of the Hopf–Cole reference grid (its error check halves it)
    n_cells: int = 801
    #: cells of the solve_hj grid of the value v the verdict uses (its error check halves it)
    hj_cells: int = 401
    #: curvature a of the quadratic f = a x²/2 of the closed-form Hopf–Cole check of solve_hj
    ou_curvature: float = 1.0
    #: saved times of v(x, s) in [0, T] (the control table's rows)
    n_times: int = 201
    time_steps: int = 2000       # TR-BDF2 steps of the backward equation
    #: paired paths per feedback (same Brownian streams)
    n_paths: int = 10_000
    #: time steps of each path over [0, T] (the bias check halves them)
    n_steps: int = 1000
    #: seed of the shared Brownian streams
    seed: int = 22
    hjb_beta: float | None = None   # β of the HJB solve (None: the dynamics' β); another value is a negative control

    @classmethod
    def paper(cls) -> Config:
        """100,000 paired paths (gap and verification to ≈ 0.0015), 2,000 steps, 1,201 cells."""
        return cls(n_cells=1201, hj_cells=801, n_times=401, time_steps=4000, n_paths=100_000, n_steps=2000)

    @classmethod
    def full(cls) -> Config:
        return cls(n_cells=2001, hj_cells=1601, n_times=801, time_steps=8000, n_paths=200_000, n_steps=4000)


def f_values(c: Config, x: np.ndarray) -> np.ndarray:
    return c.well * (x**2 - 1) ** 2 + c.tilt * x


def f_prime(c: Config, x: np.ndarray) -> np.ndarray:
    return 4.0 * c.well * x * (x**2 - 1) + c.tilt


def _hj_beta(c: Config) -> float:
    return c.beta if c.hjb_beta is None else c.hjb_beta


def _solve_hj_backward(fv: np.ndarray, drift: np.ndarray | None, g: Grid, c: Config, beta: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """u_τ + ½u_x² + b u_x = (2β)⁻¹u_xx from u(·, 0) = f, returned as v(x, s) = u(x, T − s): (s ascending, v)."""
    tau = np.linspace(0.0, c.horizon, c.n_times)
    r = solve_hj(fv, g, c.horizon, viscosity=1.0 / (2.0 * beta), drift=None if drift is None else drift[:, None],
                 t_eval=tau[1:])
    if r.status != Status.SUCCESS:
        raise RuntimeError(f"{NAME}: solve_hj did not succeed: {r.message}")
    u = np.vstack([fv[None, :], r.u])                     # rows: τ = 0 … T
    return (c.horizon - tau)[::-1].copy(), u[::-1].copy()


def value_function_hj(c: Config, n_cells: int | None = None, drift: bool = True
                      ) -> tuple[Grid, np.ndarray, np.ndarray]:
    """v(x, s) from ``pde.solve_hj`` with the drift b = f′ (the viscous HJ form of the HJB); the verdict's value.

    ``drift=False`` drops the b·∇u term (the plain Deep-Relaxation HJ; a negative control).
    Returns the grid, the times s (ascending, 0 … T) and v of shape (n_times, n_cells).
    """
    g = Grid(c.bounds, c.hj_cells if n_cells is None else n_cells)
    x = g.axes[0]
    s, v = _solve_hj_backward(f_values(c, x), f_prime(c, x) if drift else None, g, c, _hj_beta(c))
    return g, s, v


def ou_closed_form(a: float, beta: float, x: np.ndarray, tau: float) -> np.ndarray:
    """Hopf–Cole in closed form for f = a x²/2, dX = −aX ds + √(β⁻¹) dW: v = −β⁻¹ log E[e^{−βf(X_T)} | X = x].

    X_T | X_s = x is N(m, S) with m = x e^{−aτ}, S = (1 − e^{−2aτ})/(2aβ), τ = T − s, so
    v = (2β)⁻¹ log(1 + βaS) + a m²/(2(1 + βaS)).
    """
    m = x * np.exp(-a * tau)
    S = -np.expm1(-2.0 * a * tau) / (2.0 * a * beta)
    q = 1.0 + beta * a * S
    return np.log(q) / (2.0 * beta) + a * m**2 / (2.0 * q)


#: Box [−w, w] of the closed-form check (wide: a reflecting edge leaks ≈ 1e-5 into |x| ≤ 1.8 at w = 2.6).
OU_HALF_WIDTH = 4.0
#: Tolerance of the closed-form check: ENO2 is exact on the quadratic v(·, τ), so only the time
#: stepping (SSP-RK3, O(dt³)) and the edges contribute (≈ 1e-11 measured at 401 cells).
OU_TOL = 1e-6


def _ou_check(c: Config, n_cells: int, drift: bool = True) -> float:
    """max |v_solve_hj(·, 0) − closed form| on |x| ≤ 1.8 for f = a x²/2 with the OU drift b = a x."""
    a, beta = c.ou_curvature, _hj_beta(c)
    g = Grid((-OU_HALF_WIDTH, OU_HALF_WIDTH), n_cells)
    x = g.axes[0]
    _, v = _solve_hj_backward(0.5 * a * x**2, a * x if drift else None, g, c, beta)
    inner = np.abs(x) <= 1.8
    return float(np.max(np.abs(v[0] - ou_closed_form(a, beta, x, c.horizon))[inner]))


def value_function(c: Config, n_cells: int | None = None, n_steps: int | None = None
                   ) -> tuple[Grid, np.ndarray, np.ndarray]:
    """v(x, s) = −β⁻¹ log ψ on the grid at times s (the Hopf–Cole reference computation).

    ψ(·, s) solves the backward Kolmogorov equation of plain SGD, stepped in τ = T − s by
    TR-BDF2 (L-stable, second order) with the transpose of the finite-volume generator.
    Returns the grid, the times s (ascending, 0 … T) and v of shape (n_times, n_cells).
    """
    n_cells = c.n_cells if n_cells is None else n_cells
    n_steps = c.time_steps if n_steps is None else n_steps
    beta = _hj_beta(c)
    g = Grid(c.bounds, n_cells)
    x = g.axes[0]
    fv = f_values(c, x)
    # plain SGD dX = −f′ ds + √(β⁻¹) dW is Langevin at inverse temperature 2β (noise √(2/(2β)))
    L = fp_operator(sde.langevin(grid_landscape(fv, g, "tilted_well"), beta=2.0 * beta), g).matrix
    A = L.T.tocsc()
    psi = np.exp(-beta * (fv - fv.min()))            # ψ(·, T) = e^{−βf}, scaled by e^{β min f}
    per = n_steps // (c.n_times - 1)
    h = c.horizon / ((c.n_times - 1) * per)
    gam = 2.0 - np.sqrt(2.0)
    eye = sp.identity(n_cells, format="csc")
    lu1 = splu(eye - 0.5 * gam * h * A)
    lu2 = splu(eye - (1 - gam) / (2 - gam) * h * A)
    rhs1 = eye + 0.5 * gam * h * A
    out = [psi]
    for _ in range(c.n_times - 1):
        for _ in range(per):
            star = lu1.solve(rhs1 @ psi)
            psi = lu2.solve((star - (1 - gam) ** 2 * psi) / (gam * (2 - gam)))
        out.append(psi)
    v = fv.min() - np.log(np.maximum(np.array(out), np.finfo(float).tiny)) / beta       # rows: τ = 0 … T
    s = c.horizon - np.linspace(0.0, c.horizon, c.n_times)
    return g, s[::-1].copy(), v[::-1].copy()


def _simulate(c: Config, g: Grid, s: np.ndarray, vx: np.ndarray, scale: float, n_steps: int) -> np.ndarray:
    """End states (X_T, T, ∫½α²) of the controlled SDE with α = −scale·v_x, on the fixed streams of ``seed``."""
    x = g.axes[0]
    p = np.concatenate([[c.well, c.tilt, x[0], x[1] - x[0], x.size, s[0], s[1] - s[0], s.size, scale],
                        (-vx).ravel()])
    G = np.array([[np.sqrt(1.0 / c.beta)], [0.0], [0.0]])
    model = sde.from_kernels(_controlled_drift, G, dim=3, noise="additive", drift_params=p, name="controlled_sgd")
    dt = c.horizon / n_steps
    sol = _sdeint(model, [c.x0, 0.0, 0.0], (0.0, c.horizon), dt, n_paths=c.n_paths, seed=c.seed,
                     save_every=n_steps)
    return sol.x[-1]


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    g, s, v = value_function_hj(c)                        # the verdict's value: solve_hj with the drift f′
    x = g.axes[0]
    vx = np.gradient(v, x, axis=1)
    v0 = float(np.interp(c.x0, x, v[0]))
    half = (c.hj_cells + 1) // 2
    g_h, _, v_h = value_function_hj(c, n_cells=half)
    err_hj = abs(float(np.interp(c.x0, g_h.axes[0], v_h[0])) - v0)
    # the Hopf–Cole reference (linear backward Kolmogorov equation) and its own error estimate
    g_r, _, v_r = value_function(c)
    v_ref = float(np.interp(c.x0, g_r.axes[0], v_r[0]))
    g2, _, v2 = value_function(c, n_cells=(c.n_cells + 1) // 2)
    _, _, v3 = value_function(c, n_steps=c.time_steps // 2)
    err_x = abs(float(np.interp(c.x0, g2.axes[0], v2[0])) - v_ref)
    err_t = abs(float(np.interp(c.x0, g_r.axes[0], v3[0])) - v_ref)
    inner = np.abs(x) <= 1.8                              # where the paths are (the grid edges are outflow)
    v_ref_on = np.interp(x, g_r.axes[0], v_r[0])
    d_hc = float(np.max(np.abs(v[0] - v_ref_on)[inner]))
    est_hj = float(np.max(np.abs(v[0] - np.interp(x, g_h.axes[0], v_h[0]))[inner]))
    est_hc = float(np.max(np.abs(v_ref_on - np.interp(x, g2.axes[0], v2[0]))[inner])) + err_t
    tol_hc = est_hj + est_hc
    # negative control: the HJ without the drift (plain Deep-Relaxation smoothing of f), on the coarse grid
    g_n, _, v_n = value_function_hj(c, n_cells=half, drift=False)
    d_nodrift = float(np.max(np.abs(v_n[0] - np.interp(g_n.axes[0], g_r.axes[0], v_r[0]))[np.abs(g_n.axes[0]) <= 1.8]))
    # closed-form Hopf–Cole on the quadratic (OU drift); negative control without the drift
    ou_err, ou_nodrift = _ou_check(c, c.hj_cells), _ou_check(c, half, drift=False)
    ends = {k: _simulate(c, g, s, vx, k, c.n_steps) for k in (1.0, 0.0, 0.5, 1.5)}
    coarse = _simulate(c, g, s, vx, 1.0, c.n_steps // 2)
    n = c.n_paths

    def cost(e: np.ndarray) -> np.ndarray:
        return f_values(c, e[:, 0]) + e[:, 2]

    J = {k: cost(e) for k, e in ends.items()}
    mean = {k: float(J[k].mean()) for k in J}
    se = {k: float(J[k].std(ddof=1) / np.sqrt(n)) for k in J}
    diff = J[0.0] - J[1.0]                                   # paired: same streams
    gap, gap_se = float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(n))
    # Feynman–Kac estimate of v(x0, 0) from the SGD end points (delta-method SE)
    fT = f_values(c, ends[0.0][:, 0])
    w = np.exp(-c.beta * (fT - fT.min()))
    v_fk = float(fT.min() - np.log(w.mean()) / c.beta)
    v_fk_se = float(w.std(ddof=1) / np.sqrt(n) / w.mean() / c.beta)
    bias = float(cost(coarse).mean() - mean[1.0])
    bias_se = float(np.std(cost(coarse) - J[1.0], ddof=1) / np.sqrt(n))
    z_ver = abs(mean[1.0] - v0) / se[1.0]
    checks = [
        claim_row(22, "optimally controlled SGD beats SGD in expectation: E[f(X_T^SGD)] − (E[f(X_T^α*)] + "
                      "½E∫|α*|²)", REF, measured=gap if z_ver <= Z_OK else float("nan"), bound=0.0,
                  relation=">=", uncertainty=gap_se,
                  note=f"{n} paired paths (same streams), dt = {c.horizon / c.n_steps:g}; E f(X_T^SGD) = "
                       f"{mean[0.0]:.4f} ± {se[0.0]:.4f}, J(α*) = {mean[1.0]:.4f} ± {se[1.0]:.4f}, v(x₀, 0) = "
                       f"{v0:.4f} (solve_hj with drift f′); gap = {gap:.4f} ± {gap_se:.4f} ({gap / gap_se:.0f} SE). "
                       f"Counted only when "
                       f"J(α*) = v(x₀, 0) within {Z_OK:g} SE (|z| = {z_ver:.2f}); f = {c.well:g}(x² − 1)² + "
                       f"{c.tilt:g}x, β = {c.beta:g}, T = {c.horizon:g}, x₀ = {c.x0:g}"),
        check_row("verification theorem: J(α*) = v(x₀, 0) (|z| with the MC standard error)", REF, z_ver, Z_OK, "<=",
                  kind="method", claim_id=22,
                  note=f"J(α*) = {mean[1.0]:.5f} ± {se[1.0]:.5f}, v = {v0:.5f} (solve_hj with drift, {c.hj_cells} "
                       f"cells, {c.n_times} times; Hopf–Cole reference {v_ref:.5f})"),
        check_row("value v(x₀, 0) (solve_hj with drift): numerical error (grid halved) ≪ MC error", REF,
                  err_hj, 0.1 * se[1.0], "<=", kind="method", claim_id=22,
                  note=f"|Δv| {err_hj:.1e} between {c.hj_cells} and {half} cells; the Hopf–Cole reference's: grid "
                       f"{err_x:.1e}, time {err_t:.1e}"),
        check_row("solve_hj (viscous HJ with drift b = f′, ν = 1/2β) = Hopf–Cole −β⁻¹ log ψ (linear backward "
                  "equation): max |Δv(·, 0)| on |x| ≤ 1.8, within the two solves' error estimates", REF, d_hc, tol_hc,
                  "<=", kind="method", claim_id=22,
                  note=f"at x₀: {v0:.6f} vs {v_ref:.6f}; bound = |v_n − v_n/2| of solve_hj ({est_hj:.1e}) + of "
                       f"Hopf–Cole ({est_hc:.1e}); {c.hj_cells} vs {c.n_cells} cells"),
        check_row("negative control: the HJ without the drift term misses the Hopf–Cole value (max |Δv(·, 0)| / "
                  "the bound above)", REF, d_nodrift / tol_hc, 100.0, ">=", kind="method", claim_id=22,
                  note=f"max |Δv| = {d_nodrift:.3f} ({half} cells)"),
        check_row(f"solve_hj with drift vs Hopf–Cole in closed form (f = {c.ou_curvature:g}x²/2, OU drift): max "
                  "|Δv(·, 0)| on |x| ≤ 1.8", "Fleming & Soner §VI [derived]", ou_err, OU_TOL, "<=", kind="method",
                  claim_id=22,
                  note=f"{c.hj_cells} cells on [−{OU_HALF_WIDTH:g}, {OU_HALF_WIDTH:g}], β = {_hj_beta(c):g}, T = "
                       f"{c.horizon:g}; ENO2 is exact on the quadratic v, so the tolerance is the time-stepping "
                       f"budget"),
        check_row("negative control: the closed-form check without the drift term fails (max |Δv| / tolerance)",
                  "Fleming & Soner §VI [derived]", ou_nodrift / OU_TOL, 1e3, ">=", kind="method", claim_id=22,
                  note=f"max |Δv| = {ou_nodrift:.3f}"),
        check_row("Feynman–Kac: −β⁻¹ log E[e^{−βf(X_T^SGD)}] = v(x₀, 0) (|z|)", REF,
                  abs(v_fk - v0) / v_fk_se, Z_OK, "<=", kind="method", claim_id=22,
                  note=f"{v_fk:.5f} ± {v_fk_se:.5f} from the SGD paths"),
        check_row("time-step bias of J(α*): J(2dt) − J(dt) within the MC error of the paired difference (|z|)", REF,
                  abs(bias) / bias_se, Z_OK, "<=", kind="method", claim_id=22,
                  note=f"J(2dt) − J(dt) = {bias:.2e} ± {bias_se:.1e}"),
        check_row("negative control: feedback ½α* costs more than v(x₀, 0) (z)", REF,
                  (mean[0.5] - v0) / se[0.5], Z_REJECT, ">=", kind="method", claim_id=22,
                  note=f"J(½α*) = {mean[0.5]:.4f} ± {se[0.5]:.4f}"),
        check_row("negative control: feedback (3/2)α* costs more than v(x₀, 0) (z)", REF,
                  (mean[1.5] - v0) / se[1.5], Z_REJECT, ">=", kind="method", claim_id=22,
                  note=f"J((3/2)α*) = {mean[1.5]:.4f} ± {se[1.5]:.4f}"),
    ]
    edge = float(max(np.abs(e[:, 0]).max() for e in ends.values()))
    arrays: dict[str, Any] = {
        "x": x, "s": s, "v": v[:: max(1, (c.n_times - 1) // 20)], "s_table": s[:: max(1, (c.n_times - 1) // 20)],
        "f": f_values(c, x), "v0": v[0], "XT_control": ends[1.0][:, 0], "XT_sgd": ends[0.0][:, 0],
        "cost_control": J[1.0], "f_sgd": J[0.0],
    }
    arrays.update(_paths(c, g, s, vx))
    info = {"v_x0": v0, "v_x0_hopf_cole": v_ref, "hj_vs_hopf_cole": d_hc, "ou_closed_form_error": ou_err,
            "J_opt": mean[1.0], "J_opt_se": se[1.0], "Ef_sgd": mean[0.0], "Ef_sgd_se": se[0.0],
            "gap": gap, "gap_se": gap_se, "v_feynman_kac": v_fk, "v_feynman_kac_se": v_fk_se,
            "J_half": mean[0.5], "J_three_halves": mean[1.5], "max_abs_x": edge,
            "Ef_control": float(f_values(c, ends[1.0][:, 0]).mean()),
            "running_cost": float(ends[1.0][:, 2].mean())}
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))


def _paths(c: Config, g: Grid, s: np.ndarray, vx: np.ndarray, k: int = 12) -> dict[str, np.ndarray]:
    """A few sample paths of both dynamics on shared streams, for the figure."""
    x = g.axes[0]
    out = {}
    for key, scale in (("paths_control", 1.0), ("paths_sgd", 0.0)):
        p = np.concatenate([[c.well, c.tilt, x[0], x[1] - x[0], x.size, s[0], s[1] - s[0], s.size, scale],
                            (-vx).ravel()])
        G = np.array([[np.sqrt(1.0 / c.beta)], [0.0], [0.0]])
        model = sde.from_kernels(_controlled_drift, G, dim=3, noise="additive", drift_params=p)
        dt = c.horizon / c.n_steps
        sol = _sdeint(model, [c.x0, 0.0, 0.0], (0.0, c.horizon), dt, n_paths=k, seed=c.seed + 1,
                         save_every=max(1, c.n_steps // 200))
        out[key] = sol.x[:, :, 0]
        out["paths_t"] = sol.t
    return out
