"""SGD-VI Theorem 5 against the *exact* steady state: β⁻¹KL(ρ_t‖ρˢˢ) decreases to 0 and splits as E[Φ] − β⁻¹H.

The Fokker–Planck flow is solved by ``pde.solve_fp`` (finite volumes, implicit Euler) for
two out-of-equilibrium systems whose steady state is known in closed form:

- Example 19 at λ = 1.5 (a circulating current j ≠ 0): ρˢˢ = e^{−Φ}/Z,
  Φ = (x₁² − 1)²/4 + x₂²/2 (``theory.example19_*``; Z and the box's mass by quadrature);
- an OU process dx = −Fx dt + √(2β⁻¹D) dW with [F, D] ≠ 0 (broken detailed balance):
  ρˢˢ = N(0, Σ), FΣ + ΣF = 2β⁻¹D (``theory.ou_stationary_cov``).

For each, F(t) = β⁻¹KL(ρ_t‖ρˢˢ_exact) is computed on the grid against the *continuous*
steady state (restricted to the box and normalised on the grid), not against the scheme's
own discrete steady state (against which the decrease is guaranteed by the data-processing
inequality for any drift, so it cannot fail). The discretisation floor is
β⁻¹KL(ρˢˢ_discrete‖ρˢˢ_exact), measured at n and 2n cells per axis. Verdict: F(t) never
increases by more than the floor, and F(T) is within twice the floor (which shrinks under
refinement). The energy–entropy split: the library's free energy E_ρ[Φ_d] − β⁻¹H(ρ)
(with the discrete steady state) equals E_ρ[Φ_exact] − β⁻¹H(ρ) + β⁻¹ log Z_exact to the
discretisation error, which shrinks as O(h²). Negative control: started at the steady
state of a *wrong* potential (Example 19 with a stiffer x₂ well; for OU the Gibbs guess
Φ = f of an isotropic D), β⁻¹KL(ρ_t‖ρ_wrong) increases from 0 and does not return.

Quick scale: 45 × 60 and 90 × 120 cells (Example 19), 40² and 80² (OU), t ≤ 12 (≈ 20 s).
Full scale: 2× finer.

References
----------
P. Chaudhari and S. Soatto, arXiv:1710.11029, Theorem 5, eqs. (10)–(11), Example 19;
PAPERS.md §2.7 and §5 claim 12.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprelax import landscapes, sde, theory
from deeprelax.pde import Grid, solve_fp
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "free_energy_decay"
TITLE = "Theorem 5 against the exact steady state: β⁻¹KL(ρ_t‖ρˢˢ) → 0, energy–entropy split, wrong-Φ control"
REF = "Chaudhari & Soatto 2018 (arXiv:1710.11029), Theorem 5, eqs. (10)–(11)"


@dataclass(frozen=True)
class Config:
    #: λ of Example 19's drift (the circulating current; λ = 0 is detailed balance)
    ex19_lambda: float = 1.5
    ex19_shape: tuple[int, int] = (45, 60)        # cells (x₁, x₂) of the coarse grid; the fine grid doubles it
    #: the box ((x₁ min, x₁ max), (x₂ min, x₂ max)) of Example 19's grid
    ex19_bounds: tuple[tuple[float, float], tuple[float, float]] = ((-3.0, 3.0), (-4.0, 4.0))
    #: diagonal of F in the OU drift −Fx (f = xᵀFx/2)
    ou_F: tuple[float, float] = (1.0, 4.0)
    #: the OU diffusion matrix D (2 × 2, does not commute with F: broken detailed balance)
    ou_D: tuple[tuple[float, float], tuple[float, float]] = ((1.0, 0.5), (0.5, 1.0))
    #: inverse temperature β of the OU process
    ou_beta: float = 2.0
    #: cells per axis of the OU coarse grid; the fine grid doubles it
    ou_shape: int = 40
    #: half-width of the OU box in stationary standard deviations per axis
    ou_sigmas: float = 6.0
    #: final time T of the Fokker–Planck transient
    t_end: float = 12.0
    #: number of equally spaced output times in (0, T] at which β⁻¹KL(ρ_t‖ρˢˢ) is measured
    n_out: int = 48
    potential: str = "exact"      # "wrong": measure F against the wrong potentials (a negative-control mode)

    @classmethod
    def paper(cls) -> Config:
        """Twice finer grids (90 × 120 and 180 × 240; 80² and 160²)."""
        return cls.full()

    @classmethod
    def full(cls) -> Config:
        return cls(ex19_shape=(90, 120), ou_shape=80)


def _kl(r: np.ndarray, q: np.ndarray, g: Grid) -> float:
    """Σ r log(r/q) h^d with 0 log 0 = 0 (r and q both normalised on the grid)."""
    pos = r > 0
    return float(g.integrate(np.where(pos, r * np.log(np.where(pos, r, 1.0) / np.maximum(q, 1e-300)), 0.0)))


def _neg_entropy(r: np.ndarray, g: Grid) -> float:
    pos = r > 0
    return float(g.integrate(np.where(pos, r * np.log(np.where(pos, r, 1.0)), 0.0)))


@dataclass(frozen=True)
class _System:
    name: str
    model: Any
    beta: float
    bounds: tuple
    phi: Any              # closed-form Φ (unnormalised potential)
    log_z_box: float      # log ∫_box e^{−βΦ}, exact
    phi_wrong: Any
    p0: Any               # the transient's start (a function of the grid coordinates)


def _systems(c: Config) -> list[_System]:
    lam = c.ex19_lambda
    (x0, x1), (y0, y1) = c.ex19_bounds
    mass = float(theory.example19_bin_probabilities(np.array([x0, x1]), np.array([y0, y1]))[0, 0])
    ex19 = _System(
        "Example 19", sde.langevin(landscapes.example19(lam), beta=1.0), 1.0, c.ex19_bounds,
        lambda X, Y: (X**2 - 1) ** 2 / 4 + Y**2 / 2, float(np.log(theory.example19_partition() * mass)),
        lambda X, Y: (X**2 - 1) ** 2 / 4 + Y**2, lambda X, Y: np.exp(-((X - 1.5) ** 2 + (Y + 1.0) ** 2) / 0.1))
    F = np.diag(np.asarray(c.ou_F, float))
    D = np.asarray(c.ou_D, float)
    S = theory.ou_stationary_cov(F, D, c.ou_beta)
    Si = np.linalg.inv(S)
    half = c.ou_sigmas * np.sqrt(np.diag(S))
    bounds = ((-half[0], half[0]), (-half[1], half[1]))
    # ρ = N(0, Σ) = e^{−βΦ}/Z with Φ = xᵀΣ⁻¹x/(2β); log Z = log(2π √det Σ) (the box holds all but e^{−18})
    ou = _System(
        "OU [F, D] ≠ 0", sde.langevin(landscapes.quadratic(F), c.ou_beta, D), c.ou_beta, bounds,
        lambda X, Y: 0.5 * (Si[0, 0] * X**2 + 2 * Si[0, 1] * X * Y + Si[1, 1] * Y**2) / c.ou_beta,
        float(np.log(2 * np.pi * np.sqrt(np.linalg.det(S)))),
        lambda X, Y: 0.5 * (F[0, 0] * X**2 + F[1, 1] * Y**2),           # the Gibbs guess Φ = f (D ∝ I)
        lambda X, Y: np.exp(-((X - 0.6 * half[0] / c.ou_sigmas * 3) ** 2 / (0.1 * S[0, 0])
                              + (Y + 0.4 * half[1] / c.ou_sigmas * 3) ** 2 / (0.1 * S[1, 1]))))
    return [ex19, ou]


def _run_system(s: _System, shape: tuple[int, int], c: Config) -> dict[str, Any]:
    g = Grid(s.bounds, shape)
    X, Y = g.coords
    phi = s.phi(X, Y) if c.potential == "exact" else s.phi_wrong(X, Y)
    exact = np.exp(-s.beta * phi)
    exact /= g.integrate(exact)                          # ρˢˢ restricted to the box, normalised on the grid
    t_eval = np.linspace(c.t_end / c.n_out, c.t_end, c.n_out)
    tr = solve_fp(s.model, s.p0(X, Y), g, c.t_end, t_eval=t_eval)
    F = np.array([_kl(r, exact, g) for r in tr.rho]) / s.beta
    floor = _kl(tr.rho_ss, exact, g) / s.beta
    split = np.array([g.integrate(r * phi) + _neg_entropy(r, g) / s.beta + s.log_z_box / s.beta for r in tr.rho])
    # negative control: start at the steady state of a wrong potential
    wrong = np.exp(-s.beta * s.phi_wrong(X, Y))
    wrong /= g.integrate(wrong)
    tw = solve_fp(s.model, wrong, g, c.t_end / 4, t_eval=np.linspace(c.t_end / 4 / 12, c.t_end / 4, 12))
    Fw = np.array([_kl(r, wrong, g) for r in tw.rho]) / s.beta
    return {"t": tr.t, "F": F, "floor": floor, "F_lib": tr.free_energy, "split_err": float(np.max(np.abs(split
            - tr.free_energy))), "max_increase": float(np.max(np.diff(F))), "F_end": float(F[-1]),
            "wrong_increase": float(np.max(np.diff(Fw))), "wrong_end": float(Fw[-1]), "F_wrong": Fw,
            "monotone_operator": bool(tr.monotone), "h": float(max(g.spacing))}


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    if c.potential not in ("exact", "wrong"):
        raise ValueError(f"`potential` must be 'exact' or 'wrong', got {c.potential!r}")
    out: dict[str, dict[str, Any]] = {}
    for s in _systems(c):
        base = c.ex19_shape if s.name.startswith("Example") else (c.ou_shape, c.ou_shape)
        out[s.name] = {"coarse": _run_system(s, base, c), "fine": _run_system(s, tuple(2 * n for n in base), c)}
    viol, orders = [], {}
    for name, r in out.items():
        fc, f = r["coarse"], r["fine"]
        # the floor must be a discretisation error: it shrinks under refinement (order ≥ 3 in h)
        orders[name] = float(np.log(fc["floor"] / f["floor"]) / np.log(fc["h"] / f["h"]))
        viol.append(max(f["max_increase"] / f["floor"], f["F_end"] / (2 * f["floor"]),
                        3.0 / orders[name] if orders[name] > 0 else float("inf")))
    worst = float(max(viol))
    note = "; ".join(
        f"{name}: F(0) = {r['fine']['F'][0]:.3g} → F(T) = {r['fine']['F_end']:.2e}, floor {r['fine']['floor']:.2e} "
        f"(coarse {r['coarse']['floor']:.2e}, order {orders[name]:.2f}), largest step {r['fine']['max_increase']:+.1e}"
        for name, r in out.items())
    checks = [
        claim_row(12, "β⁻¹KL(ρ_t‖ρˢˢ_exact) is non-increasing and decays to 0 (to the discretisation floor): "
                      "max over systems of max(largest increase / floor, F(T) / (2·floor), 3 / order of the floor "
                      "in h)", REF,
                  measured=worst, bound=1.0, relation="<=",
                  note=note + f"; t ∈ [0, {c.t_end:g}], implicit Euler; the floor β⁻¹KL(ρˢˢ_discrete‖ρˢˢ_exact) → 0 "
                              "under refinement (rows below)"),
    ]
    for name, r in out.items():
        fc, ff = r["coarse"], r["fine"]
        order = float(np.log(fc["floor"] / ff["floor"]) / np.log(fc["h"] / ff["h"]))
        order_split = float(np.log(fc["split_err"] / ff["split_err"]) / np.log(fc["h"] / ff["h"]))
        checks += [
            check_row(f"{name}: the floor β⁻¹KL(ρˢˢ_discrete‖ρˢˢ_exact) shrinks under refinement (order in h)", REF,
                      order, 3.0, ">=", kind="method", claim_id=12,
                      note=f"{fc['floor']:.2e} → {ff['floor']:.2e} (KL is quadratic in the O(h²) density error)"),
            check_row(f"{name}: energy–entropy split — library F(ρ_t) = E[Φ_exact] − β⁻¹H(ρ_t) + β⁻¹log Z_exact "
                      "(max error, fine grid)", REF + ", eq. (11)", ff["split_err"], fc["split_err"], "<=",
                      kind="method", claim_id=12,
                      note=f"coarse {fc['split_err']:.2e} → fine {ff['split_err']:.2e} (order {order_split:.2f}; "
                           "the O(h²) error of the discrete steady state)"),
            check_row(f"{name}: negative control — started at the steady state of a wrong Φ, β⁻¹KL(ρ_t‖ρ_wrong) "
                      "increases (largest increase / floor)", REF, ff["wrong_increase"] / ff["floor"], 100.0, ">=",
                      kind="method", claim_id=12, note=f"KL to the wrong state reaches {ff['wrong_end']:.3g}"),
        ]
    arrays: dict[str, Any] = {}
    for k, r in enumerate(out.values()):
        arrays[f"t_{k}"] = r["fine"]["t"]
        arrays[f"F_{k}"] = r["fine"]["F"]
        arrays[f"F_lib_{k}"] = r["fine"]["F_lib"]
        arrays[f"F_wrong_{k}"] = r["fine"]["F_wrong"]
    info = {name: {lvl: {k: v for k, v in d.items() if not isinstance(v, np.ndarray)} for lvl, d in r.items()}
            for name, r in out.items()}
    info["systems"] = list(out)
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))
