"""Deep Relaxation §3.2.8: the slow variable of the two-time-scale SDE tracks ẋ = −∇u(x, 1/γ) as ε → 0.

The singularly perturbed system (consistent with Bardi & Kouhkouh 2024)

    dx = −γ(x − y) dt,
    dy = −ε⁻¹[f′(y) + γ(y − x)] dt + √(2β⁻¹ε⁻¹) dW

with f = h(y² − 1)² is integrated by ``sde.sdeint`` (SRA1, weak order 2 for additive noise,
dt = ε/40 so the fast variable is resolved) for ε over a decade and a half. As ε → 0 the fast
variable equilibrates to ρ_x(y) ∝ exp(−β[f(y) + γ(y − x)²/2]) and the slow one follows the
ODE ẋ = −γ(x − E_{ρ_x}[y]) = −∇u(x, 1/γ) — gradient descent on the viscous-HJ relaxation at
inverse temperature β (E_{ρ_x}[y] by quadrature, ``theory.local_entropy_quadrature``; the
ODE by ``scipy.integrate.solve_ivp``). Measured: the error of the ensemble mean,
sup_t |E x_t − x_ODE(t)|, and the root-mean-square error sup_t (E|x_t − x_ODE(t)|²)^½,
against ε; their fitted rates (averaging theory: O(ε) for the mean, O(√ε) path-wise).
Negative controls: the same paths against the plain gradient flow ẋ = −f′(x) and against
the ODE at the wrong temperature (β/4) do not converge.

Quick scale: ε ∈ {0.1, 0.03, 0.01}, 2,000 paths (seconds after compilation). Full scale:
down to ε = 0.003, 8,000 paths.

References
----------
P. Chaudhari, A. Oberman, S. Osher, S. Soatto, G. Carlier, arXiv:1704.04932 (stochastic
homogenization of the inner loop; PAPERS.md §3.2.8, claim 21); M. Bardi and H. Kouhkouh,
"Deep relaxation of controlled stochastic gradient descent via singular perturbations" (2024).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from deeprelax import sde
from deeprelax._core import jit
from deeprelax.theory import local_entropy_quadrature
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "two_time_scale"
TITLE = "Homogenization: the slow variable of the two-time-scale SDE tracks ẋ = −∇u(x, 1/γ) as ε → 0"
REF = "Chaudhari, Oberman, Osher, Soatto & Carlier 2018 (arXiv:1704.04932), §3.2.8 [derived]"


def _sdeint(*args, **kwargs):
    """``sde.sdeint`` that stops the experiment when a path goes non-finite (its message says where)."""
    sol = sde.sdeint(*args, **kwargs)
    if not sol.success:
        raise RuntimeError(f"{NAME}: sdeint did not succeed: {sol.message}")
    return sol


#: Fast-variable steps per ε (dt = ε / STEPS_PER_EPS).
STEPS_PER_EPS = 40


# p = [h, γ, 1/ε]; state (x, y)
@jit
def _two_scale_drift(z, p, out):
    x = z[0]
    y = z[1]
    out[0] = -p[1] * (x - y)
    out[1] = -p[2] * (4.0 * p[0] * y * (y * y - 1.0) + p[1] * (y - x))


@dataclass(frozen=True)
class Config:
    barrier: float = 0.5          # h in f = h (y² − 1)²
    #: coupling γ of slow and fast variables (the scope; u = u(x, 1/γ))
    gamma: float = 1.0
    #: inverse temperature β of the fast variable's noise
    beta: float = 4.0
    #: start of both the slow x and the fast y
    x0: float = 0.3
    #: final time of the slow dynamics
    horizon: float = 3.0
    #: time-scale ratios ε of the sweep (dt = ε/40)
    epsilons: tuple[float, ...] = (0.1, 0.03, 0.01)
    #: paths per ε
    n_paths: int = 2000
    #: saved time points per path (every n_steps // n_save steps)
    n_save: int = 60
    #: seed of the paths (ε number k uses [seed, k])
    seed: int = 21
    ode_beta_factor: float = 1.0   # the reference ODE at β·factor; ≠ 1 is a negative-control mode

    @classmethod
    def paper(cls) -> Config:
        """Down to ε = 0.003 (1.5 decades), 4,000 paths."""
        return cls(epsilons=(0.1, 0.03, 0.01, 0.003), n_paths=4000)

    @classmethod
    def full(cls) -> Config:
        return cls(epsilons=(0.1, 0.03, 0.01, 0.003), n_paths=8000)


def _mean_y(c: Config, beta: float):
    """x ↦ E_{ρ_x}[y] on a fine x-grid (quadrature), as an interpolant."""
    xs = np.linspace(-2.5, 2.5, 2001)
    y = np.linspace(-4.0, 4.0, 8001)
    _, m = local_entropy_quadrature(lambda v: c.barrier * (v**2 - 1) ** 2, xs, c.gamma, y, beta=beta)
    return lambda x: np.interp(x, xs, m)


def _ode(c: Config, rhs, t: np.ndarray) -> np.ndarray:
    # the SDE's last time is n_steps·dt, which can exceed the horizon by a rounding error
    sol = solve_ivp(lambda _t, x: rhs(x), (0.0, max(c.horizon, float(t[-1]))), [c.x0], t_eval=t, rtol=1e-10,
                    atol=1e-12)
    return sol.y[0]


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    m_beta = _mean_y(c, c.beta * c.ode_beta_factor)
    m_wrong = _mean_y(c, c.beta / 4)
    errs, rms, ses = [], [], []
    err_gf, err_wrong = [], []
    means = {}
    for k, eps in enumerate(c.epsilons):
        dt = eps / STEPS_PER_EPS
        n_steps = int(round(c.horizon / dt))
        every = max(1, n_steps // c.n_save)
        G = np.array([[0.0], [np.sqrt(2.0 / (c.beta * eps))]])
        model = sde.from_kernels(_two_scale_drift, G, dim=2, noise="additive",
                                 drift_params=[c.barrier, c.gamma, 1.0 / eps], name="two_time_scale")
        sol = _sdeint(model, [c.x0, c.x0], (0.0, n_steps * dt), dt, n_paths=c.n_paths, scheme="sra1",
                         seed=np.random.SeedSequence([c.seed, k]), save_every=every, progress=progress)
        t = sol.t
        xs = sol.x[:, :, 0]
        ode = _ode(c, lambda x: -c.gamma * (x - m_beta(x)), t)
        mean = xs.mean(axis=1)
        se = xs.std(axis=1, ddof=1) / np.sqrt(c.n_paths)
        i = int(np.argmax(np.abs(mean - ode)))
        errs.append(float(np.abs(mean - ode)[i]))
        ses.append(float(se[i]))
        rms.append(float(np.max(np.sqrt(np.mean((xs - ode[:, None]) ** 2, axis=1)))))
        err_gf.append(float(np.max(np.abs(mean - _ode(c, lambda x: -4 * c.barrier * x * (x**2 - 1), t)))))
        err_wrong.append(float(np.max(np.abs(mean - _ode(c, lambda x: -c.gamma * (x - m_wrong(x)), t)))))
        means[f"mean_{k}"] = mean
        means[f"t_{k}"] = t
        means["ode"] = ode
    eps = np.asarray(c.epsilons)
    fit, cov = np.polyfit(np.log(eps), np.log(errs), 1, cov=True) if eps.size > 2 else (np.polyfit(
        np.log(eps), np.log(errs), 1), np.full((2, 2), np.nan))
    rate, rate_se = float(fit[0]), float(np.sqrt(cov[0, 0]))
    rms_rate = float(np.polyfit(np.log(eps), np.log(rms), 1)[0])
    z_small = errs[-1] / ses[-1]
    checks = [
        claim_row(21, "the slow variable tracks ẋ = −∇u(x, 1/γ) as ε → 0: fitted rate p of sup_t |E x_t − x_ODE(t)| "
                      "∝ ε^p", REF, measured=rate, bound=0.5, relation=">=", uncertainty=rate_se,
                  note=f"ε = {list(c.epsilons)}: mean errors " + ", ".join(f"{e:.2e}" for e in errs)
                       + f" (SE at the worst time {', '.join(f'{s:.1e}' for s in ses)}); RMS errors "
                       + ", ".join(f"{e:.3f}" for e in rms) + f" (rate {rms_rate:.2f}; √ε expected); "
                       f"f = {c.barrier:g}(y² − 1)², γ = {c.gamma:g}, β = {c.beta:g}, x₀ = {c.x0:g}, t ≤ "
                       f"{c.horizon:g}, {c.n_paths} paths, SRA1 with dt = ε/{STEPS_PER_EPS}; 'tracks' = the error "
                       f"vanishes at least like √ε (p ≥ 0.5)"),
        check_row("mean error at the smallest ε, in Monte Carlo standard errors", REF, z_small, None, "~",
                  kind="method", claim_id=21),
        check_row("negative control: the plain gradient flow ẋ = −f′(x) is not tracked (error at the smallest ε / "
                  "error against the relaxed ODE)", REF, err_gf[-1] / max(errs[-1], 1e-12), 10.0, ">=", kind="method",
                  claim_id=21, note=f"errors against ẋ = −f′: {np.round(err_gf, 4).tolist()}"),
        check_row("negative control: the relaxed ODE at the wrong temperature β/4 is not tracked (ratio as above)",
                  REF, err_wrong[-1] / max(errs[-1], 1e-12), 5.0, ">=", kind="method", claim_id=21,
                  note=f"errors against β/4: {np.round(err_wrong, 4).tolist()}"),
    ]
    arrays = {"epsilons": eps, "err_mean": np.array(errs), "err_se": np.array(ses), "err_rms": np.array(rms),
              "err_gradient_flow": np.array(err_gf), "err_wrong_beta": np.array(err_wrong), **means}
    info = {"rate": rate, "rate_se": rate_se, "rms_rate": rms_rate}
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))
