"""Optimizer limiting cases; Entropy-SGD's inner-loop estimator (claim 2); scoping (7); Hopf–Lax (20).

Rows: exact limiting cases (Entropy-SGD with L = 1 is SGD; Elastic-SGD with ρ = 0 is
independent SGD; SAM with ρ = 0 is its base; Parle with one replica) — method checks;
claim 7: γ after k outer steps and the paper's arithmetic γ₀(1 + γ₁)^t; claim 2: the
inner-loop estimate γ(μ − x) of ∇F against 1-D quadrature at the temperature the loop
samples (T = ε²/2), bias and spread along a sweep L ↑, η′ ↓. As Alg. 1 writes it the
average μ starts at x with weight (1 − α)^L, a bias floor −(1 − α)^L ∇F that does not
vanish as L grows at fixed αL; the verdict uses the library's ``avg_burn_in`` option
(``InnerLoop(avg_burn_in=k)``, k = ``avg_burn_in_frac``·L): μ starts at the iterate x′_k
and averages from there, so the weights of the samples sum to 1 and the chain has
forgotten x (k η′γ ≥ 2 relaxation times along the sweep). The negative control runs
Alg. 1 as written (k = 0) on the same streams: the paired difference resolves its floor.
At the paper's inner-loop settings (L = 20, η′ = 0.1, ε = 10⁻³, α = 0.75 and the code's
0.25; k = 0 and k = L/2) with real minibatch noise (a data set of per-sample losses
f_k = f + c_k y, Σc_k = 0) the bias and spread are reported against the exact ∇F at the
loop's temperature ε²/2 + η′σ²/2m. Claim 20:
the proximal variant's μ against the Hopf–Lax minimiser, and the code's fixed-point
iteration p ← β₁p + (1 − β₁)∇f(x − tp) against (x − prox)/t. Arrays feed the figure
``paper_figs/homogenization.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeprelax.landscapes import double_well
from deeprelax.optim import (
    FunctionObjective,
    InnerLoop,
    elastic_sgd,
    entropy_sgd,
    hj_proximal,
    hopf_lax_sgd,
    minimize,
    parle,
    replica_seeds,
    sam,
    sgd,
)
from deeprelax.theory import local_entropy_quadrature, proximal_point_brute
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "optim_checks"
TITLE = "Optimizer limiting cases and inner-loop homogenization (Entropy-SGD ↔ local entropy)"
REF_ESGD = "Chaudhari et al. 2017 (arXiv:1611.01838), Alg. 1, eq. (7)"
REF_DR = "Chaudhari et al. 2018 (arXiv:1704.04932), homogenization / Hopf–Lax"


@dataclass(frozen=True)
class Config:
    """Quick scale by default; ``full()`` (and ``paper()`` where defined) give the other scales.

    Attributes
    ----------
    gamma
        scope γ of the local entropy whose gradient the inner loop estimates
    sweep
        (L, η′) pairs of the inner loop: bias and spread against L
    n_chains
        independent inner-loop chains per (L, η′) at the anchor
    control_chains
        paired chains (k = 0 and burn-in, same streams) of the negative control at the finest (L, η′)
    avg_burn_in_frac
        burn-in k/L of the running average μ (``InnerLoop(avg_burn_in=k)``); 0 is Alg. 1 as written
    curve_anchors
        anchor points x of the estimated ∇F curve in the figure
    curve_chains
        chains per anchor of the ∇F curve
    seed
        seed of the chains
    """

    barrier: float = 0.5            # double well h (y² − 1)²
    temperature: float = 0.25       # T = ε²/2 (paper noise convention)
    gamma: float = 2.0
    anchor: float = 0.6             # anchor of the bias-vs-L table
    sweep: tuple = ((50, 0.04), (200, 0.02), (800, 0.01), (3200, 0.005))
    n_chains: int = 1000            # chains at the finest (L, η′); coarser points get n_chains·L_max/L
    curve_anchors: int = 25
    curve_chains: int = 200
    avg_burn_in_frac: float = 0.5
    control_chains: int = 32_000
    # the paper's inner-loop settings (Alg. 1, §5.2): L = 20, η′ = 0.1, ε = 1e-3; minibatch noise
    #: inner-loop length L at the paper's settings (Alg. 1, §5.2)
    paper_L: int = 20
    #: inner-loop step η′ at the paper's settings
    paper_lr: float = 0.1
    #: inner-loop noise ε at the paper's settings (Langevin noise √η′ ε ξ)
    paper_noise: float = 1e-3
    #: averaging weights α of μ at the paper's settings (0.75 in the paper, 0.25 in the code)
    paper_alphas: tuple[float, ...] = (0.75, 0.25)
    paper_samples: int = 64          # per-sample losses f_k = f + c_k y
    paper_sigma: float = 3.0         # std of c_k (per-sample gradient noise)
    #: minibatch size m of the per-sample gradients at the paper's settings
    paper_batch: int = 4
    #: independent inner loops per α at the paper's settings
    paper_chains: int = 4000
    seed: int = 0

    @classmethod
    def paper(cls) -> Config:
        """Five sweep points down to η′ = 0.0025, 4× the chains."""
        return cls.full()

    @classmethod
    def full(cls) -> Config:
        return cls(sweep=((50, 0.04), (200, 0.02), (800, 0.01), (3200, 0.005), (12800, 0.0025)),
                   n_chains=4000, curve_anchors=61, curve_chains=1000, paper_chains=20000, control_chains=64_000)


def _well(h: float):
    # closed-form twin of deeprelax.landscapes.double_well(1, barrier=h) (checked below)
    return (lambda Y: h * (Y[..., 0] ** 2 - 1) ** 2, lambda Y: 4 * h * Y * (Y**2 - 1))


#: Averaging weight of the sweep: α = AVG_SPAN / L, so μ averages the last ≈ L/AVG_SPAN samples
#: and its start x keeps the weight (1 − α)^L ≈ e^{−AVG_SPAN} at every L (the bias floor).
AVG_SPAN = 4.0


def burn_in_steps(cfg: Config, L: int) -> int:
    """k = round(avg_burn_in_frac · L), the inner steps before the running average starts."""
    return min(L, max(0, int(round(cfg.avg_burn_in_frac * L))))


def _estimates(grad, anchors, cfg: Config, L: int, lr: float, n: int, seed: int, burn_in: bool = True
               ) -> np.ndarray:
    """γ(μ − x) of n independent inner loops per anchor: shape (len(anchors), n).

    ``burn_in``: μ starts at x′_k, k = :func:`burn_in_steps` (``InnerLoop(avg_burn_in=k)``);
    ``False``: at x (Alg. 1 as written, the weight (1 − α)^L stays on x). The same ``seed``
    gives the same streams, so the two estimators can be compared path by path.
    """
    alpha = min(1.0, AVG_SPAN / L)
    loop = InnerLoop(L, lr, noise=np.sqrt(2 * cfg.temperature), alpha=alpha,
                     avg_burn_in=burn_in_steps(cfg, L) if burn_in else 0)
    rng = np.random.default_rng(seed)
    X = np.repeat(np.asarray(anchors, float), n)[:, None]
    res = loop.run(X, cfg.gamma, lambda Xp: (0.0, grad(Xp)),
                   lambda shape, like: rng.standard_normal(shape))
    return (cfg.gamma * res.mu_offset[:, 0]).reshape(len(anchors), n)


def _limits(seed: int) -> list:
    h = np.array([1.0, 4.0, 2.0])
    obj = FunctionObjective(lambda x: float(0.5 * np.sum(h * x * x)), lambda x: h * x, dim=3,
                            noise_std=0.2, batch_size=4, n_samples=64)
    x0 = np.array([1.0, -1.0, 2.0])
    rows = []
    a = minimize(entropy_sgd(0.7, 2.0, n_inner=1, inner_lr=0.3, noise=0.0, alpha=1.0), obj, x0,
                 n_steps=50, seed=seed)
    b = minimize(sgd(0.7 * 2.0 * 0.3), obj, x0, n_steps=50, seed=seed)
    rows.append(check_row("Entropy-SGD with L = 1, ε = 0, μ = last iterate is SGD at rate ηγη′",
                          REF_ESGD, float(np.max(np.abs(a.x - b.x))), 0.0, "==", tol=1e-13,
                          note="max |Δx| after 50 steps, same minibatches", kind="method"))
    n = 4
    starts = x0[None, :] + np.arange(n)[:, None]
    e = minimize(elastic_sgd(0.1, 0.0, n_replicas=n), obj, starts, n_steps=30, seed=seed)
    opt = sgd(0.1)
    states = [opt.init(starts[i].copy()) for i in range(n)]
    rng = np.random.default_rng(seed)
    for _ in range(30):
        s = replica_seeds(rng, n)
        states = [opt.step(states[i], obj, np.random.default_rng(int(s[i])))[0] for i in range(n)]
    rows.append(check_row("Elastic-SGD with ρ = 0 is n independent SGD runs", "Zhang et al. 2015;"
                          " Parle arXiv:1707.00424",
                          float(np.max(np.abs(e.state.X - np.stack([s.x for s in states])))),
                          0.0, "==", note="max |ΔX|, bitwise expected", kind="method"))
    base = sgd(0.1, momentum=0.9)
    s1 = minimize(sam(base, 0.0), obj, x0, n_steps=25, seed=seed)
    s2 = minimize(base, obj, x0, n_steps=25, seed=seed)
    rows.append(check_row("SAM with ρ = 0 is its base optimizer", "Foret et al. 2021, arXiv:2010.01412",
                          float(np.max(np.abs(s1.x - s2.x))), 0.0, "==", kind="method"))
    # claim 7: the paper's MNIST scoping γ₀ = 1e-4, γ₁ = 1e-3 over 10⁴ outer steps (toy objective, L = 2)
    g0, g1, k = 1e-4, 1e-3, 10_000
    opt_e = entropy_sgd(1e-3, g0, scoping=g1, n_inner=2, noise=0.0, outer_step="scoped")
    r = minimize(opt_e, obj, x0, n_steps=k, seed=seed)
    planned = g0 * (1 + g1) ** np.arange(k)
    dev = float(np.max(np.abs(r.history.gamma / planned - 1)))
    g_5ep = float(r.history.gamma[2344])                     # 5 epochs of 469 updates (b = 128 on MNIST)
    rows.append(claim_row(7, "scoping γ_t = γ₀(1 + γ₁)^t advances once per outer step, so t = 1/γ shrinks as "
                             "planned: max relative deviation of the run's γ_t over 10⁴ steps", "Chaudhari et al. "
                             "2017, §4.3", measured=dev, bound=1e-12, relation="<=",
                          tol=1e-10,
                          note=f"tolerance 1e-10 (round-off of (1 + γ₁)^t over 10⁴ steps); γ₀ = {g0:g}, "
                               f"γ₁ = {g1:g}: γ after 2,345 updates (5 MNIST epochs at b = 128) = "
                               f"{g_5ep:.3g} (PAPERS.md: ≈ 1e-3), after 10⁴ = {opt_e.current_gamma(r.state):.3f} "
                               f"(PAPERS.md: ≈ 2.19); smoothing scale 1/γ from {1 / g0:g} to "
                               f"{1 / opt_e.current_gamma(r.state):.3f}"))
    p1 = minimize(parle(0.5, 0.3, 0.0, n_replicas=1, n_inner=3, noise=1e-2), obj, x0, n_steps=10,
                  seed=seed)
    p2 = minimize(parle(0.5, 0.3, 5.0, n_replicas=1, n_inner=3, noise=1e-2), obj, x0, n_steps=10,
                  seed=seed)
    rows.append(check_row("Parle with one replica ignores ρ (x̄ = x)", "Parle arXiv:1707.00424",
                          float(np.max(np.abs(p1.x - p2.x))), 0.0, "==", kind="method"))
    return rows


def _paper_settings(cfg: Config, value, grad) -> list:
    """Alg. 1's inner loop at the paper's settings, with real minibatch noise, against ∇F at its temperature."""
    rng = np.random.default_rng([cfg.seed, 2])
    ck = rng.standard_normal(cfg.paper_samples) * cfg.paper_sigma
    ck -= ck.mean()                                       # Σ c_k = 0: the per-sample losses average to f
    var_c = float(np.mean(ck**2))
    # Langevin temperature of x′ ← x′ − η′(ĝ + γδ) + √η′ ε ξ with Var ĝ = σ²/m: T = ε²/2 + η′σ²/(2m)
    T = cfg.paper_noise**2 / 2 + cfg.paper_lr * var_c / (2 * cfg.paper_batch)
    y = np.linspace(-5, 5, 4001)
    x = np.array([cfg.anchor])
    gamma = cfg.gamma
    ref = float(gamma * (local_entropy_quadrature(lambda v: value(v[:, None]), x, gamma, y, beta=1 / T)[1][0]
                         - x[0]))
    prox = float(gamma * (proximal_point_brute(value(y[:, None]), y, x, gamma)[0] - x[0]))
    rows = []
    n = cfg.paper_chains
    runs = [(alpha, kb) for alpha in cfg.paper_alphas for kb in (0, cfg.paper_L // 2)]
    for k, (alpha, kb) in enumerate(runs):
        loop = InnerLoop(cfg.paper_L, cfg.paper_lr, noise=cfg.paper_noise, alpha=alpha, avg_burn_in=kb)
        r = np.random.default_rng([cfg.seed, 3, k])
        X = np.full((n, 1), cfg.anchor)

        def sample(Xp, r=r):
            idx = r.integers(0, cfg.paper_samples, size=(Xp.shape[0], cfg.paper_batch))
            return 0.0, grad(Xp) + ck[idx].mean(axis=1)[:, None]      # ∇f_B = ∇f + mean of the batch's c_k

        res = loop.run(X, gamma, sample, lambda shape, like, r=r: r.standard_normal(shape))
        est = gamma * res.mu_offset[:, 0]
        b, sdv = float(est.mean() - ref), float(est.std())
        rows.append(check_row(
            f"paper's inner loop (L = {cfg.paper_L}, η′ = {cfg.paper_lr}, ε = {cfg.paper_noise:g}, α = {alpha}, "
            f"minibatch b = {cfg.paper_batch}, avg_burn_in = {kb}): bias of γ(μ − x) / |∇F|", REF_ESGD,
            b / abs(ref), None, "~",
            kind="derived", claim_id=2, uncertainty=sdv / np.sqrt(n) / abs(ref),
            note=f"∇F at T = ε²/2 + η′σ²/2m = {T:.3g}: {ref:+.4f}; estimate {est.mean():+.4f} ± {sdv / np.sqrt(n):.4f}"
                 f" (sd of one estimate {sdv:.3f}, i.e. {sdv / abs(ref):.1f}× |∇F|); β = 1: "
                 f"{float(exact_beta1(value, x, gamma)):+.4f}; proximal point (β → ∞): {prox:+.4f}; {n} chains, "
                 f"N = {cfg.paper_samples} per-sample losses f + c_k y, σ = {np.sqrt(var_c):.2f}"))
    return rows


def exact_beta1(value, x, gamma):
    y = np.linspace(-5, 5, 4001)
    return gamma * (local_entropy_quadrature(lambda v: value(v[:, None]), x, gamma, y, beta=1.0)[1][0] - x[0])


def _hopf_lax(cfg: Config, value, grad) -> list:
    """Claim 20: the proximal variant's μ and the FP iteration's p against the Hopf–Lax minimiser."""
    prox_x = np.array([-1.7, -0.4, 0.2, 1.3])
    obj = FunctionObjective(lambda v: float(value(v[None, :])[0]), lambda v: grad(v), dim=1)
    mus = [float(minimize(hj_proximal(1.0, 3.0, n_inner=400, inner_lr=0.05), obj, np.array([x0]), n_steps=1).x[0])
           for x0 in prox_x]
    yy = np.linspace(-3, 3, 60001)
    ystar = proximal_point_brute(value(yy[:, None]), yy, prox_x, 3.0)
    err_prox = float(np.max(np.abs(np.array(mus) - ystar)))
    # the code's FP iteration: one step of hopf_lax_sgd with η = 1 moves x by −p
    gam_fp = 20.0                                         # t = 0.05: t · max|f″| < 1 on |y| ≤ 2
    t = 1.0 / gam_fp
    ps = [float(x0 - minimize(hopf_lax_sgd(1.0, gam_fp, n_inner=60), obj, np.array([x0]), n_steps=1).x[0])
          for x0 in prox_x]
    ystar_fp = proximal_point_brute(value(yy[:, None]), yy, prox_x, gam_fp)
    err_fp = float(np.max(np.abs(np.array(ps) - (prox_x - ystar_fp) / t)))
    lip = float(np.max(np.abs(12 * cfg.barrier * yy[np.abs(yy) <= 2] ** 2 - 4 * cfg.barrier)))
    # the HJ solution itself is compared with Hopf–Lax in the relaxation experiment (solve_hj, ν = 0)
    tol_prox, tol_fp = 2e-4, 2e-4 / t
    return [
        claim_row(20, "Hopf–Lax = proximal point: the proximal variant's μ = argmin_y f(y) + |x − y|²/2t, and the FP "
                      "iteration p → (x − prox)/t (max error / tolerance)", REF_DR,
                  measured=max(err_prox / tol_prox, err_fp / tol_fp), bound=1.0, relation="<=",
                  note=f"μ: max |Δ| = {err_prox:.1e} (γ = 3, L = 400, η′ = 0.05; brute-force grid 1e-4, tolerance "
                       f"{tol_prox:g}); FP: max |p − (x − prox)/t| = {err_fp:.1e} (t = {t:g}, t·max|f″| = "
                       f"{t * lip:.2f} < 1, β₁ = 0.75, 60 updates; tolerance = grid/t = {tol_fp:g})"),
        check_row("proximal variant: μ equals the Hopf–Lax minimiser (max |Δ|)", REF_DR, err_prox, tol_prox, "<=",
                  kind="method", claim_id=20, note="γ = 3, L = 400, η′ = 0.05; grid 1e-4"),
        check_row("Hopf–Lax fixed point (code's FP): p = (x − prox)/t (max |Δ|)", REF_DR, err_fp, tol_fp, "<=",
                  kind="method", claim_id=20, note=f"t = {t:g}"),
    ]


def run(config: Config, *, progress: bool = False) -> Results:
    cfg = config
    value, grad = _well(cfg.barrier)
    dw = double_well(1, barrier=cfg.barrier)
    probe = np.linspace(-2, 2, 9)[:, None]
    twin_err = float(np.max(np.abs(dw.grad(probe) - grad(probe))))
    T, gamma = cfg.temperature, cfg.gamma
    y = np.linspace(-5, 5, 4001)
    fq = lambda v: value(v[:, None])
    exact = lambda xs, beta: gamma * (local_entropy_quadrature(fq, xs, gamma, y, beta=beta)[1] - xs)
    checks = _limits(cfg.seed)
    x = np.array([cfg.anchor])
    ref, ref1 = float(exact(x, 1 / T)[0]), float(exact(x, 1.0)[0])
    bias, bias_raw, sd, Ls, lrs, ks = [], [], [], [], [], []
    z_floor, floor_pred = [], []
    L_max = max(L for L, _ in cfg.sweep)
    n_ch = [cfg.n_chains * L_max // L for L, _ in cfg.sweep]      # the same inner-step budget per point
    for i, (L, lr) in enumerate(cfg.sweep):
        est = _estimates(grad, x, cfg, L, lr, n_ch[i], cfg.seed + i)[0]
        raw = _estimates(grad, x, cfg, L, lr, n_ch[i], cfg.seed + i, burn_in=False)[0]   # same streams
        w = (1.0 - min(1.0, AVG_SPAN / L)) ** L                 # Alg. 1's weight left on μ₀ = x
        diff = raw - est
        bias.append(float(est.mean() - ref))
        bias_raw.append(float(raw.mean() - ref))
        z_floor.append(float(abs(diff.mean()) / (diff.std(ddof=1) / np.sqrt(n_ch[i]))))
        floor_pred.append(-w * ref)
        sd.append(float(est.std()))
        Ls.append(L)
        lrs.append(lr)
        ks.append(burn_in_steps(cfg, L))
        checks.append(check_row(f"inner-loop bias of ∇F at L = {L}, η′ = {lr} (avg_burn_in = {ks[-1]})", REF_DR,
                                bias[-1], None, "~", kind="method", claim_id=2,
                                uncertainty=sd[-1] / np.sqrt(n_ch[i]),
                                note=f"Alg. 1 as written (avg_burn_in = 0): {bias_raw[-1]:+.4f}, paired difference "
                                     f"{diff.mean():+.4f} ({z_floor[-1]:.0f} paired SE; floor −(1 − α)^L ∇F = "
                                     f"{floor_pred[-1]:+.4f}); sd {sd[-1]:.3f}, T = {T}, γ = {gamma}, x = "
                                     f"{cfg.anchor}, α = {AVG_SPAN:g}/L"))
    se = np.array(sd) / np.sqrt(n_ch)
    z_fine = abs(bias[-1]) / se[-1]
    z_coarse = abs(bias[0]) / se[0]
    checks.insert(0, claim_row(
        2, "the inner loop's γ(μ − x) → ∇F at the loop's temperature as L grows and η′ → 0 (μ averaged after a "
           "burn-in, avg_burn_in = L/2): |bias| / SE at the finest (L, η′)", REF_ESGD,
        measured=z_fine if z_coarse > 4.0 else float("nan"), bound=4.0, relation="<=", uncertainty=None,
        note=f"sweep (L, η′) = {list(cfg.sweep)}, avg_burn_in k = {ks}, α = {AVG_SPAN:g}/L, {n_ch} chains at "
             f"x = {cfg.anchor}: biases " + ", ".join(f"{b:+.4f}" for b in bias) + " (SE "
             + ", ".join(f"{q:.4f}" for q in se)
             + f"); the coarsest is resolved ({z_coarse:.0f} SE; counted only if > 4), the finest is within "
               f"{z_fine:.1f} SE of 0 (margin 4 SE); Alg. 1 as written (k = 0): "
             + ", ".join(f"{b:+.4f}" for b in bias_raw)
             + f" — its floor (1 − α)^L ≈ e^{{−{AVG_SPAN:g}}} of ∇F does not vanish with L (negative control below)"))
    # negative control: Alg. 1 as written at the finest point, paired with the burn-in estimator on the same streams
    L, lr = cfg.sweep[-1]
    seed_c = cfg.seed + 50
    d_ctrl = (_estimates(grad, x, cfg, L, lr, cfg.control_chains, seed_c, burn_in=False)[0]
              - _estimates(grad, x, cfg, L, lr, cfg.control_chains, seed_c)[0])
    d_se = float(d_ctrl.std(ddof=1) / np.sqrt(cfg.control_chains))
    checks.append(check_row(
        "negative control: Alg. 1 as written (avg_burn_in = 0) keeps the floor at the finest (L, η′): |mean of the "
        "paired difference (k = 0) − (burn-in)| / its SE (same streams)", REF_ESGD, abs(float(d_ctrl.mean())) / d_se,
        6.0, ">=", kind="method", claim_id=2,
        note=f"L = {L}, η′ = {lr}, {cfg.control_chains} paired chains: difference {d_ctrl.mean():+.4f} ± {d_se:.4f} "
             f"vs the floor −(1 − α)^L ∇F = {floor_pred[-1]:+.4f}; along the sweep (paired, the sweep's chains): "
             f"{', '.join(f'{b - a:+.4f}' for a, b in zip(bias, bias_raw))} ({', '.join(f'{z:.0f}' for z in z_floor)}"
             " SE)"))
    checks.append(check_row("negative control: the β = 1 local entropy of eq. (4) is rejected "
                            "(|est − ∇F_β=1|/SE)", REF_ESGD, abs(bias[-1] + ref - ref1) / se[-1], 10.0,
                            ">=", kind="method", claim_id=2))
    checks.append(check_row("spread of the estimate shrinks with L (sd finest / sd coarsest)",
                            REF_DR, sd[-1] / sd[0], 1.0, "<=", kind="method", claim_id=2))
    checks += _paper_settings(cfg, value, grad)
    anchors = np.linspace(-2.0, 2.0, cfg.curve_anchors)
    curves = {}
    for j in (0, len(cfg.sweep) - 1):
        L, lr = cfg.sweep[j]
        est = _estimates(grad, anchors, cfg, L, lr, cfg.curve_chains, cfg.seed + 100 + j)
        curves[f"est_mean_L{L}"] = est.mean(axis=1)
        curves[f"est_sd_L{L}"] = est.std(axis=1)
    xs_fine = np.linspace(-2.0, 2.0, 401)
    checks += _hopf_lax(cfg, value, grad)
    checks.append(check_row("numpy twin of double_well matches the catalogue kernel", "—",
                            twin_err, 1e-12, "<=", kind="method"))
    arrays = {"sweep_L": np.array(Ls), "sweep_lr": np.array(lrs), "bias": np.array(bias),
              "bias_uncorrected": np.array(bias_raw),
              "sd": np.array(sd), "anchors": anchors, "x_fine": xs_fine,
              "exact_T": exact(xs_fine, 1 / T), "exact_beta1": exact(xs_fine, 1.0),
              "f_fine": value(xs_fine[:, None]), **curves}
    info = {"temperature": T, "gamma": gamma, "L_coarse": cfg.sweep[0][0],
            "L_fine": cfg.sweep[-1][0], "n_chains": n_ch, "avg_burn_in": ks, "floor_z": z_floor,
            "floor": [abs(q) for q in floor_pred]}
    return Results(NAME, config_dict(cfg), arrays, info, tuple(checks))
