"""Entropy-SGD's local entropy by quadrature: eq. (7), the Hessian identity, Lemma 2, the convex-minimiser claim.

Everything here is computed by direct trapezoid quadrature of

    F(x, γ) = β⁻¹ log ∫ exp(−βf(y) − βγ|x − y|²/2) dy          (Entropy-SGD eq. 4, β = 1)

(``deeprelax.theory.local_entropy_quadrature``; log-sum-exp, no sampler, no PDE) and
finite differences of F, so no row uses the identity it checks:

- claim 1 (eq. 7): −∂F/∂x by central differences against γ(x − ⟨x′⟩), on a 1-D and a
  2-D non-convex f; negative controls: the gradient without the factor γ and the mean
  under the wrong temperature are rejected; the Cole–Hopf gradient of
  ``pde.local_entropy`` is a method cross-check;
- claim 4: ∂²F/∂x² by second differences against −γ + βγ²Var(x′) (the Hessian identity
  at inverse temperature β), and semiconcavity ∂²u ≤ 1/t of u = −F + const;
- claim 3 (Lemma 2): on convex non-quadratic f = c y²/2 + (β_s − c) log cosh y (Hessian in
  [c, β_s], so the eigenvalue assumption holds) the measured Lipschitz constant of ∂F
  against β_s/(1 + γ⁻¹c); on quadratics the measured curvature ratio (−F)″/a against
  the smoothing factor γ/(γ + a), and the amplification γ/|γ + a| > 1 for eigenvalues
  a ∈ (−2γ, 0) (on f = a y²/2 + y⁴/4 in the Laplace regime β ≫ 1);
- claim 5 (§4.4): argmin(−F) against argmin f = 0 for the convex asymmetric f = eʸ − y at
  several γ (refuted as stated), the shift against the Laplace prediction
  −f‴/(2f″(γ + f″)) and its decay with γ (holds in the Laplace regime); control: a
  symmetric convex f gives no shift.

Quick scale: 12,001 quadrature nodes (seconds). Full scale: 40,001 nodes and more anchors.

References
----------
P. Chaudhari et al., "Entropy-SGD: biasing gradient descent into wide valleys",
ICLR 2017, arXiv:1611.01838, eqs. (4), (7), Lemma 2, §4.4; PAPERS.md §5 claims 1, 3, 4, 5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from deeprelax.pde import Grid, local_entropy
from deeprelax.theory import local_entropy_quadrature, local_entropy_quadrature_2d
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "local_entropy_theory"
TITLE = "Local entropy by quadrature: eq. (7), Hessian identity, Lemma 2 smoothing, convex minimiser"
REF = "Chaudhari et al. 2017 (arXiv:1611.01838)"
REF7 = REF + ", eq. (7)"
REFL2 = REF + ", Lemma 2 / App. B"
REF44 = REF + ", §4.4"

#: Central-difference steps for ∂F (second order) and ∂²F (fourth order): the truncation
#: errors stay below 1e-8 and the round-off below 1e-9 for the functions here.
FD_STEP = 1e-4
FD_STEP2 = 1e-3
#: Tolerance of "agree to quadrature accuracy": the trapezoid rule is spectrally accurate on
#: these smooth, fast-decaying integrands; 1e-6 is the finite-difference budget of ∂F above,
#: 1e-5 that of the fourth-order ∂²F (truncation h⁴F⁽⁶⁾/90, round-off 3ε|F|/h²).
QUAD_TOL = 1e-6
QUAD_TOL2 = 1e-5


@dataclass(frozen=True)
class Config:
    #: trapezoid nodes of y on [−half_width, half_width] for F(x, γ); the other y-grids scale with it
    n_nodes: int = 12_001
    #: half-width of the 1-D quadrature interval for y (and of the Cole–Hopf grid)
    half_width: float = 8.0
    #: scopes γ of the eq. (7) and Hessian-identity checks (claims 1, 4); the second is the Cole–Hopf one
    gammas: tuple[float, ...] = (0.5, 2.0, 10.0)
    #: anchor points x in [−1.5, 1.5] where the finite differences of F are checked
    n_anchors: int = 13
    #: quadrature nodes per axis on [−5, 5]² for the 2-D eq. (7) check
    nodes_2d: int = 301
    # Lemma 2 on convex non-quadratic f (c, beta_s, gamma)
    #: (c, β_s, γ) of Lemma 2's convex f = c y²/2 + (β_s − c) log cosh y (∇²f ∈ [c, β_s])
    lemma2_cases: tuple[tuple[float, float, float], ...] = (
        (0.2, 4.0, 1.0), (0.5, 2.0, 0.3), (1.0, 10.0, 3.0), (0.1, 1.0, 10.0))
    # eigenvalues a of quadratics (gamma = 1, c = 0.2: the band is [-2.2, 0.2])
    #: eigenvalues a of the quadratics f = a y²/2 for Lemma 2's factor γ/(γ + a) (γ = 1)
    quad_eigs: tuple[float, ...] = (-0.8, -0.5, -0.1, 0.1, 0.3, 1.0, 5.0)
    #: c of Lemma 2's excluded band [−2γ − c, c] for the quadratics' iff-table
    band_c: float = 0.2
    amp_beta: float = 400.0      # Laplace regime for the amplification f = a y²/2 + y⁴/4
    #: negative curvatures a ∈ (−2γ, 0) of f = a y²/2 + y⁴/4 for the amplification check (γ = 1)
    amp_eigs: tuple[float, ...] = (-0.9, -0.5, -0.2)
    #: scopes γ at which argmin(−F) is located for the convex f = eʸ − y (claim 5)
    convex_gammas: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)

    @classmethod
    def paper(cls) -> Config:
        """The quadrature at the full resolution (seconds): the verdicts do not change."""
        return cls.full()

    @classmethod
    def full(cls) -> Config:
        return cls(n_nodes=40_001, n_anchors=41, nodes_2d=501)


def _nodes(c: Config) -> np.ndarray:
    return np.linspace(-c.half_width, c.half_width, c.n_nodes)


def _f1(z: np.ndarray) -> np.ndarray:
    return (z**2 - 1) ** 2 + 0.3 * np.sin(5 * z)


def _f2(Y: np.ndarray) -> np.ndarray:
    return (Y[:, 0] ** 2 - 1) ** 2 + 0.5 * Y[:, 1] ** 2 + 0.3 * Y[:, 0] * Y[:, 1] + 0.2 * np.sin(3 * Y[:, 1])


def _F(f, x, gamma, y, beta=1.0):
    return local_entropy_quadrature(f, np.asarray(x, float), gamma, y, beta=beta)


def _claim1(c: Config, y: np.ndarray) -> tuple[list, dict]:
    xs = np.linspace(-1.5, 1.5, c.n_anchors)
    h = FD_STEP
    err1, wrong_gamma, wrong_beta = 0.0, np.inf, np.inf
    for gam in c.gammas:
        _, mean = _F(_f1, xs, gam, y)
        dF = (_F(_f1, xs + h, gam, y)[0] - _F(_f1, xs - h, gam, y)[0]) / (2 * h)
        err1 = max(err1, float(np.max(np.abs(-dF - gam * (xs - mean)))))
        wrong_gamma = min(wrong_gamma, float(np.max(np.abs(-dF - (xs - mean)))))
        _, mean2 = _F(_f1, xs, gam, y, beta=2.0)
        wrong_beta = min(wrong_beta, float(np.max(np.abs(-dF - gam * (xs - mean2)))))
    # 2-D: the same identity per coordinate
    y2 = np.linspace(-5.0, 5.0, c.nodes_2d)
    X2 = np.array([[-1.0, 0.3], [0.2, -0.5], [0.9, 0.8], [1.3, -1.1]])
    gam2 = 2.0
    _, mean2d = local_entropy_quadrature_2d(_f2, X2, gam2, y2, y2)
    grad_fd = np.empty_like(X2)
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        grad_fd[:, k] = (local_entropy_quadrature_2d(_f2, X2 + e, gam2, y2, y2)[0]
                         - local_entropy_quadrature_2d(_f2, X2 - e, gam2, y2, y2)[0]) / (2 * h)
    err2 = float(np.max(np.abs(-grad_fd - gam2 * (X2 - mean2d))))
    # method cross-check: the Cole-Hopf gradient of pde.local_entropy on a grid
    g = Grid((-c.half_width, c.half_width), 3200)
    le = local_entropy(_f1(g.axes[0]), g, c.gammas[1])
    inner = np.abs(g.axes[0]) <= 1.5
    _, mean_g = _F(_f1, g.axes[0][inner], c.gammas[1], y)
    err_ch = float(np.max(np.abs(le.grad[inner, 0] + c.gammas[1] * (g.axes[0][inner] - mean_g))))
    err = max(err1, err2)
    rows = [
        claim_row(1, "−∇F = γ(x − ⟨x′⟩): central differences of F vs γ(x − ⟨x′⟩), 1-D and 2-D non-convex f",
                  REF7, measured=err, bound=QUAD_TOL, relation="<=",
                  note=f"max |Δ| over γ ∈ {list(c.gammas)} (1-D, {c.n_anchors} anchors) and γ = {gam2} (2-D, "
                       f"4 anchors): 1-D {err1:.2g}, 2-D {err2:.2g}; tolerance = the finite-difference budget "
                       f"(step {h:g}); negative controls below"),
        check_row("negative control (eq. 7): the gradient without the factor γ, x − ⟨x′⟩, is rejected", REF7,
                  wrong_gamma, 1e3 * QUAD_TOL, ">=", kind="method", claim_id=1,
                  note="min over γ of the max error; must exceed 1000× the tolerance"),
        check_row("negative control (eq. 7): ⟨x′⟩ at the wrong temperature (β = 2 instead of 1) is rejected", REF7,
                  wrong_beta, 1e3 * QUAD_TOL, ">=", kind="method", claim_id=1),
        check_row("pde.local_entropy (Cole–Hopf on a grid, 3200 cells) gradient = −γ(x − ⟨x′⟩) by quadrature", REF7,
                  err_ch, 1e-3, "<=", kind="method", claim_id=1,
                  note=f"γ = {c.gammas[1]}, |x| ≤ 1.5; grid error O(h²)"),
    ]
    return rows, {"claim1_err_1d": err1, "claim1_err_2d": err2}


def _claim4(c: Config, y: np.ndarray) -> tuple[list, dict]:
    xs = np.linspace(-1.5, 1.5, c.n_anchors)
    h = FD_STEP2
    err, semi, wrong = 0.0, -np.inf, np.inf
    for beta in (1.0, 4.0):
        for gam in c.gammas:
            F0, mean = _F(_f1, xs, gam, y, beta)
            d2F = _d2(lambda x, gam=gam, beta=beta: _F(_f1, x, gam, y, beta)[0], xs, h, F0)
            var = _second_moment(xs, gam, y, beta) - mean**2
            pred = -gam + beta * gam**2 * var
            err = max(err, float(np.max(np.abs(d2F - pred))))
            if beta != 1.0:
                # the identity without the temperature (β = 1 form at β = 4) must be rejected
                wrong = min(wrong, float(np.max(np.abs(d2F - (-gam + gam**2 * var)))))
            # u = −F + const, t = 1/γ: semiconcavity t ∂²u ≤ 1
            semi = max(semi, float(np.max(-d2F / gam)))
    rows = [
        claim_row(4, "Hessian identity ∂²F = −γ + βγ²Var(x′) (second differences vs quadrature variance) "
                     "and semiconcavity t∂²u ≤ 1", REF + ", eq. (4) [derived]",
                  measured=err, bound=QUAD_TOL2, relation="<=",
                  note=f"max |Δ| over β ∈ {{1, 4}}, γ ∈ {list(c.gammas)}, {c.n_anchors} anchors on the rugged f; "
                       f"tolerance = second-difference budget (step {h:g}); max t∂²u = {semi:.4f} "
                       "(bound 1, row below)"),
        check_row("semiconcavity of u = −F + const: max t ∂²u over anchors, β and γ", "Deep Relaxation §3.2.3 "
                  "[derived]", semi, 1.0, "<=", kind="derived", claim_id=4),
        check_row("negative control (Hessian identity): the β = 1 form −γ + γ²Var applied at β = 4 is "
                  "rejected", REF, wrong, 1e2 * QUAD_TOL2, ">=", kind="method", claim_id=4),
    ]
    return rows, {"claim4_err": err, "claim4_semiconcavity": semi}


def _d2(F, x: np.ndarray, h: float, F0: np.ndarray | None = None) -> np.ndarray:
    """Fourth-order central second difference of F at x (truncation O(h⁴), round-off O(ε|F|/h²))."""
    F0 = F(x) if F0 is None else F0
    return (-F(x + 2 * h) + 16 * F(x + h) - 30 * F0 + 16 * F(x - h) - F(x - 2 * h)) / (12 * h**2)


def _second_moment(xs, gam, y, beta):
    """⟨y²⟩ under P(y; x) ∝ exp(−βf(y) − βγ(x − y)²/2), by the same trapezoid weights."""
    from scipy.special import logsumexp

    w = np.full(y.size, y[1] - y[0])
    w[0] = w[-1] = w[0] / 2
    a = -beta * _f1(y)[None, :] - beta * gam * (xs[:, None] - y[None, :]) ** 2 / 2 + np.log(w)[None, :]
    p = np.exp(a - logsumexp(a, axis=1)[:, None])
    return p @ (y**2)


def _claim3(c: Config, y: np.ndarray) -> tuple[list, dict]:
    rows = []
    # (a) convex non-quadratic f with Hessian in [c, beta_s]: Lip(∂F) vs beta_s/(1 + c/gamma)
    xs = np.linspace(-4.0, 4.0, 8 * c.n_anchors + 1)
    h = FD_STEP2
    ratios, exact_ratios = [], []
    for cc, bs, gam in c.lemma2_cases:
        f = lambda z, cc=cc, bs=bs: 0.5 * cc * z**2 + (bs - cc) * _logcosh(z)
        d2F = _d2(lambda x, f=f, gam=gam: _F(f, x, gam, y)[0], xs, h)
        lip = float(np.max(np.abs(d2F)))
        ratios.append(lip / (bs / (1 + cc / gam)))
        exact_ratios.append(lip / (bs / (1 + bs / gam)))
    worst = float(max(ratios))
    # (b) quadratics: measured curvature of −F over a, against the smoothing factor gamma/(gamma + a)
    gam = 1.0
    band = (-2 * gam - c.band_c, c.band_c)
    fac_err, mism = 0.0, 0
    bound = 1.0 / (1.0 + c.band_c / gam)
    measured_fac = []
    yq = np.linspace(-60.0, 60.0, 4 * c.n_nodes)    # the Gaussian of variance 1/(γ + a) at a = −0.8 is wide
    for a in c.quad_eigs:
        f = lambda z, a=a: 0.5 * a * z**2
        curv = -float(_d2(lambda x, f=f: _F(f, x, gam, yq)[0], np.zeros(1), h)[0])      # (−F)″(0)
        fac = curv / a
        measured_fac.append(fac)
        fac_err = max(fac_err, abs(fac - gam / (gam + a)))
        outside = not (band[0] <= a <= band[1])
        mism += int((abs(fac) <= bound + 1e-9) != outside)
    rows.append(check_row("quadratics: measured (−F)″/a = γ/(γ + a) (the factor |A| of Lemma 2 is exact)", REFL2,
                          fac_err, QUAD_TOL2, "<=", kind="derived", claim_id=3,
                          note=f"a ∈ {list(c.quad_eigs)}, γ = {gam}; measured factors "
                               f"{np.round(measured_fac, 4).tolist()}"))
    rows.append(check_row("quadratics: |A| ≤ 1/(1 + c/γ) iff spec ∩ [−2γ − c, c] = ∅ (mismatches)", REFL2,
                          float(mism), 0.0, "==", kind="derived", claim_id=3,
                          note=f"c = {c.band_c}, γ = {gam}; band [{band[0]:g}, {band[1]:g}]"))
    # (c) amplification for a in (−2γ, 0) on f = a y²/2 + y⁴/4, Laplace regime β = amp_beta
    amp = []
    yy = np.linspace(-3.0, 3.0, c.n_nodes)
    for a in c.amp_eigs:
        f = lambda z, a=a: 0.5 * a * z**2 + 0.25 * z**4
        curv = -float(_d2(lambda x, f=f: _F(f, x, gam, yy, beta=c.amp_beta)[0], np.zeros(1), h)[0])
        amp.append(abs(curv) / abs(a))
    pred = [gam / abs(gam + a) for a in c.amp_eigs]
    rows.append(check_row("non-convex case: amplification |(−F)″(0)|/|a| > 1 for a ∈ (−2γ, 0) "
                          "(f = a y²/2 + y⁴/4, Laplace regime)", REFL2, float(min(amp)), 1.0, ">=",
                          kind="derived", claim_id=3,
                          note=f"a = {list(c.amp_eigs)}, γ = {gam}, β = {c.amp_beta:g}: measured "
                               f"{np.round(amp, 3).tolist()} vs saddle-point γ/|γ + a| {np.round(pred, 3).tolist()}"))
    claim = claim_row(
        3, "∂F is β/(1 + γ⁻¹c)-smooth when spec ∇²f avoids [−2γ − c, c]: measured Lip(∂F)/bound on convex "
           "non-quadratic f", REFL2, measured=worst, bound=1.0, relation="<=", tol=QUAD_TOL2,
        note=f"f = c y²/2 + (β_s − c) log cosh y (∇²f ∈ [c, β_s]) for (c, β_s, γ) ∈ {list(c.lemma2_cases)}: "
             f"ratios {np.round(ratios, 3).tolist()}; against the sharper β_s/(1 + β_s/γ): "
             f"{np.round(exact_ratios, 3).tolist()}. Quadratic iff-table and non-convex amplification below")
    return [claim] + rows, {"claim3_ratios": ratios, "claim3_amplification": amp, "claim3_amp_pred": pred}


def _logcosh(z: np.ndarray) -> np.ndarray:
    a = np.abs(z)
    return a + np.log1p(np.exp(-2 * a)) - np.log(2.0)


def _argmin_negF(f, gam: float, y: np.ndarray) -> float:
    res = minimize_scalar(lambda x: -_F(f, np.array([x]), gam, y)[0][0], bounds=(-1.5, 1.0), method="bounded",
                          options={"xatol": 1e-7})
    return float(res.x)


def _claim5(c: Config) -> tuple[list, dict]:
    y = np.linspace(-80.0, 12.0, 8 * c.n_nodes)     # e^y − y: the Gibbs tail reaches far left at small γ
    f = lambda z: np.exp(z) - z
    shifts = np.array([_argmin_negF(f, g, y) for g in c.convex_gammas])
    gam = np.asarray(c.convex_gammas)
    laplace = -1.0 / (2.0 * (gam + 1.0))            # −f‴/(2f″(γ + f″)) at the minimiser 0, f″ = f‴ = 1
    big = gam >= 3.0
    slope = float(np.polyfit(np.log(gam[big]), np.log(np.abs(shifts[big])), 1)[0])
    rel_laplace = float(np.max(np.abs(shifts[big] / laplace[big] - 1)))
    decays = bool(np.all(np.diff(np.abs(shifts)) < 0))
    # control: a symmetric convex f (cosh y − 1) and a quadratic keep the minimiser at 0
    ysym = np.linspace(-12.0, 12.0, c.n_nodes)
    sym = max(abs(_argmin_negF(lambda z: np.cosh(z) - 1, g, ysym)) for g in (0.1, 1.0, 10.0))
    quad = max(abs(_argmin_negF(lambda z: 0.5 * z**2, g, ysym)) for g in (0.1, 1.0, 10.0))
    i1 = int(np.argmin(np.abs(gam - 1.0)))
    qualified = decays and abs(slope + 1.0) <= 0.15 and rel_laplace <= 0.1
    rows = [
        claim_row(5, "For convex f, argmin(−F(·, γ)) = argmin f: shift of the minimiser for f = eʸ − y at γ = 1",
                  REF44, measured=float(shifts[i1]), bound=0.0, relation="==", tol=1e-5,
                  qualified_if=qualified,
                  condition=f"Laplace regime γ ≫ f″: the shift ≈ −f‴/(2f″(γ + f″)) → 0 like γ^{slope:.2f} "
                            f"(within {100 * rel_laplace:.1f} % for γ ≥ 3); exact for symmetric or quadratic f",
                  note="shifts " + ", ".join(f"γ={g:g}: {s:+.4f}" for g, s in zip(gam, shifts))
                       + f"; argmin tolerance 1e-5; symmetric control |shift| ≤ {max(sym, quad):.1e}"),
        check_row("convex-minimiser shift decays as a power of γ: fitted exponent for γ ≥ 3 (Laplace: −1)", REF44,
                  slope, -1.0, "==", tol=0.15, kind="derived", claim_id=5),
        check_row("control: symmetric convex f (cosh y − 1) and a quadratic keep argmin(−F) = 0", REF44,
                  max(sym, quad), 1e-5, "<=", kind="method", claim_id=5),
        check_row("shift at γ = 0.1, 1, 10 reproduces PAPERS.md (−0.489, −0.245, −0.045)", "PAPERS.md §1.5 [derived]",
                  float(np.max(np.abs(shifts[[0, i1, int(np.argmin(np.abs(gam - 10.0)))]]
                                      - np.array([-0.489, -0.245, -0.045])))), 1e-3, "<=", kind="method",
                  claim_id=5),
    ]
    return rows, {"convex_gammas": gam, "convex_shifts": shifts, "convex_laplace": laplace}


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    y = _nodes(c)
    checks, info = [], {}
    arrays = {}
    for part in (_claim1, _claim4, _claim3):
        rows, inf = part(c, y)
        checks += rows
        info.update({k: v for k, v in inf.items()})
    rows, inf = _claim5(c)
    checks += rows
    arrays["convex_gammas"] = inf.pop("convex_gammas")
    arrays["convex_shifts"] = inf.pop("convex_shifts")
    arrays["convex_laplace"] = inf.pop("convex_laplace")
    info.update(inf)
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))
