"""Entropy-SGD Theorem 3 / eq. (9): is Entropy-SGD more uniformly stable than SGD?

Two parts.

1. *The algebra of eq. (9).* Hardt et al.'s bound for SGD on an α-Lipschitz, β-smooth
   loss, as Theorem 3 states it, ε_SGD ≲ N⁻¹ α^{1/(1+β)} T^{β/(1+β)}, and in Hardt's exact
   form (step η_t ≤ c_s/t, c_s = 1) ε ≤ (1 + 1/β)(N − 1)⁻¹ (2α²)^{1/(1+β)} T^{β/(1+β)},
   evaluated for SGD and — with Lemma 2's constants α/(1 + γ⁻¹c), β/(1 + γ⁻¹c) — for
   Entropy-SGD, over a table of (α, β, γ, c, T); the ratio ε_E/ε_SGD against the paper's
   reading "Entropy-SGD generalizes better for all T > α", and eq. (9)'s right-hand side
   (αT⁻¹)^{(1 − 1/(1+γ⁻¹c))β} ε_SGD as a bound on ε_E.
2. *An empirical uniform-stability estimate.* L2-regularised logistic regression (weight
   decay = Lemma 2's eigenvalue gap c, so its assumption holds) on N samples; neighbouring
   data sets S, S′ differ in one sample; both algorithms run on both with the *same*
   seeds (same minibatch indices and noise); ε̂ = mean over pairs and seeds of
   sup_{ξ ∈ S ∪ S′} |f(A(S); ξ) − f(A(S′); ξ)|, for SGD and for Entropy-SGD (``optim.sgd``,
   ``optim.entropy_sgd``; the paper's inner loop L = 20, η′ = 0.1, ε = 10⁻³, α = 0.75)
   at the same number of gradient evaluations; standard errors over pairs.

Quick scale: 64 pairs × 8 seeds, 40 epochs, all runs vectorised as rows (seconds). Full scale:
256 × 16, 100 epochs.

References
----------
P. Chaudhari et al., arXiv:1611.01838, Lemma 2, Theorem 3, eq. (9); M. Hardt, B. Recht,
Y. Singer, "Train faster, generalize better: stability of stochastic gradient descent",
ICML 2016, arXiv:1509.01240, Theorem 3.12; PAPERS.md §1.5 and §5 claim 8.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprelax.optim import entropy_sgd, sgd
from experiments._base import Results, check_row, claim_row, config_dict

NAME = "stability"
TITLE = "Uniform stability: eq. (9) with Lemma 2's constants, and an empirical estimate for SGD vs Entropy-SGD"
REF = "Chaudhari et al. 2017 (arXiv:1611.01838), Theorem 3, eq. (9)"


def eps_thm3(alpha, beta, T, N):
    """Theorem 3 as stated: N⁻¹ α^{1/(1+β)} T^{β/(1+β)}."""
    return alpha ** (1 / (1 + beta)) * T ** (beta / (1 + beta)) / N


def eps_hardt(alpha, beta, T, N, c_step=1.0):
    """Hardt et al. Thm 3.12: (1 + 1/(βc))(N − 1)⁻¹ (2cα²)^{1/(βc+1)} T^{βc/(βc+1)}."""
    bc = beta * c_step
    return (1 + 1 / bc) / (N - 1) * (2 * c_step * alpha**2) ** (1 / (bc + 1)) * T ** (bc / (bc + 1))


@dataclass(frozen=True)
class Config:
    #: Lipschitz constants α of the eq. (9) table
    alphas: tuple[float, ...] = (0.5, 2.0, 10.0)
    #: smoothness constants β of the eq. (9) table
    betas: tuple[float, ...] = (0.5, 2.0, 8.0)
    #: scopes γ of the eq. (9) table
    gammas: tuple[float, ...] = (0.1, 1.0, 10.0)
    #: eigenvalue gaps c of Lemma 2 in the eq. (9) table
    cs: tuple[float, ...] = (0.01, 0.1, 1.0)
    #: gradient-evaluation counts T of the eq. (9) table, as multiples of α
    T_over_alpha: tuple[float, ...] = (0.1, 0.5, 0.9, 1.1, 2.0, 10.0, 100.0, 1e4)
    # empirical part
    #: N, samples of the logistic-regression data set (empirical part)
    n_samples: int = 40
    #: d, the number of features (and parameters) of the logistic regression
    dim: int = 5
    #: L2 weight decay λ of the logistic loss (= Lemma 2's gap c)
    weight_decay: float = 0.1
    #: seed of the data set and of the replacement samples of the neighbouring sets
    data_seed: int = 8
    #: neighbouring data-set pairs (S, S′), each differing in one sample
    n_pairs: int = 64
    #: shared algorithm seeds per pair (ε̂ averages over them)
    n_seeds: int = 8
    #: training length in epochs of b = 1 gradient evaluations (the same for both algorithms)
    epochs: float = 40.0
    #: learning rate η of SGD
    sgd_lr: float = 0.1
    #: inner-loop length L of Entropy-SGD
    n_inner: int = 20
    #: inner-loop step η′ of Entropy-SGD
    inner_lr: float = 0.1
    #: inner-loop noise ε of Entropy-SGD
    noise: float = 1e-3
    #: averaging weight α of Entropy-SGD's μ
    alpha: float = 0.75
    gamma: float = 0.1           # γ = c: Lemma 2's factor 1/(1 + c/γ) = ½, a large predicted gain
    #: outer step η of Entropy-SGD, x ← x − η(x − μ) (outer_step='scoped')
    outer_lr: float = 1.0
    #: seed shared by every run (same minibatch indices and noise on S and S′)
    seed: int = 8

    @classmethod
    def paper(cls) -> Config:
        """256 neighbouring pairs × 16 seeds (the ratio's SE ≈ 0.025)."""
        return cls(n_pairs=256, n_seeds=16)

    @classmethod
    def full(cls) -> Config:
        return cls(n_pairs=256, n_seeds=16, epochs=100.0)


# ----------------------------------------------------------------------------- part 2: the problem
class _Logistic:
    """Per-sample loss log(1 + e^{−y aᵀx}) + (λ/2)|x|²; row r of x is an independent run on its own data set.

    ``A`` has shape (R, N, d) and ``y`` (R, N): run r trains on (A[r], y[r]).
    ``loss_and_grad(X, rng)`` draws one sample index per row from ``rng``, independently of
    the data, so two batches of data sets see the same indices under the same generator.
    """

    def __init__(self, A: np.ndarray, y: np.ndarray, lam: float) -> None:
        self.A, self.y, self.lam = A, y, lam
        self.dim = A.shape[2]
        self.batch_size = 1
        self.n_samples = A.shape[1]
        self._rows = np.arange(A.shape[0])

    def per_sample(self, X: np.ndarray, A: np.ndarray, y: np.ndarray) -> np.ndarray:
        """f(x_r; ξ) for every row r and every sample ξ of (A[r], y[r]): shape (R, n)."""
        m = y * np.einsum("rnd,rd->rn", A, X)
        return np.logaddexp(0.0, -m) + 0.5 * self.lam * np.sum(X * X, axis=1)[:, None]

    def loss_and_grad(self, X: Any, rng: np.random.Generator) -> tuple[float, np.ndarray]:
        k = rng.integers(0, self.n_samples, size=X.shape[0])
        a, yy = self.A[self._rows, k], self.y[self._rows, k]
        m = yy * np.sum(a * X, axis=1)
        s = -yy / (1.0 + np.exp(m))                       # y ∂/∂m log(1 + e^{−m})
        return float(np.mean(np.logaddexp(0.0, -m))), s[:, None] * a + self.lam * X

    def full_loss(self, X: Any) -> float:
        return float(np.mean(self.per_sample(X, self.A, self.y)))


def _data(c: Config, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    w0 = np.ones(c.dim) / np.sqrt(c.dim) * 2.0
    A = rng.standard_normal((n, c.dim))
    y = np.where(A @ w0 + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return A, y


def _train(opt, obj: _Logistic, n_steps: int, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    state = opt.init(np.zeros((obj.A.shape[0], obj.dim)))
    for _ in range(n_steps):
        state, _ = opt.step(state, obj, rng)
    return opt.params(state)


def _empirical(c: Config) -> dict[str, Any]:
    A, y = _data(c, np.random.default_rng(c.data_seed), c.n_samples)
    P, K = c.n_pairs, c.n_seeds
    # row r = (pair r // K, seed r % K); pair p replaces sample p mod N by a fresh draw
    new = [_data(c, np.random.default_rng([c.data_seed, 1000 + p]), 1) for p in range(P)]
    A1 = np.broadcast_to(A, (P * K,) + A.shape).copy()
    y1 = np.broadcast_to(y, (P * K,) + y.shape).copy()
    A2, y2 = A1.copy(), y1.copy()
    UA, Uy = np.concatenate([A1, A1[:, :1]], axis=1), np.concatenate([y1, y1[:, :1]], axis=1)
    for r in range(P * K):
        p = r // K
        A2[r, p % c.n_samples], y2[r, p % c.n_samples] = new[p][0][0], new[p][1][0]
        UA[r, -1], Uy[r, -1] = new[p][0][0], new[p][1][0]     # the union S ∪ S′
    evals = int(round(c.epochs * c.n_samples))            # gradient evaluations (b = 1) per run
    opts = {
        "sgd": (sgd(c.sgd_lr), evals),
        "entropy_sgd": (entropy_sgd(c.outer_lr, c.gamma, n_inner=c.n_inner, inner_lr=c.inner_lr, noise=c.noise,
                                    alpha=c.alpha, outer_step="scoped"), evals // c.n_inner),
    }
    out: dict[str, Any] = {}
    per_pair = {}
    for key, (opt, n_steps) in opts.items():
        o1, o2 = _Logistic(A1, y1, c.weight_decay), _Logistic(A2, y2, c.weight_decay)
        X1 = _train(opt, o1, n_steps, c.seed)
        X2 = _train(opt, o2, n_steps, c.seed)             # same seed: same indices and noise per row
        d = np.abs(o1.per_sample(X1, UA, Uy) - o1.per_sample(X2, UA, Uy)).max(axis=1)
        per_pair[key] = d.reshape(P, K).mean(axis=1)     # E over the algorithm's randomness
        e = per_pair[key]
        out[key] = {"eps": float(e.mean()), "se": float(e.std(ddof=1) / np.sqrt(P)), "max_pair": float(e.max()),
                    "train_loss": o1.full_loss(X1), "per_pair": e}
    es, ee = per_pair["sgd"], per_pair["entropy_sgd"]
    ratio = ee.mean() / es.mean()
    cov = np.cov(np.stack([ee, es]), ddof=1) / P          # paired: the same data pair for both algorithms
    ratio_se = ratio * np.sqrt(cov[0, 0] / ee.mean() ** 2 + cov[1, 1] / es.mean() ** 2
                               - 2 * cov[0, 1] / (ee.mean() * es.mean()))
    # Lemma 2 / Theorem 3 prediction for this problem: α = sup |∇f(x; ξ)| at the trained points,
    # β = sup ‖∇²f(x; ξ)‖ ≤ max|a|²/4 + λ, c = λ (the weight decay), T = gradient evaluations
    Xall = np.vstack([X1, X2])
    a_max = float(np.max(np.linalg.norm(UA, axis=2)))
    alpha = a_max + c.weight_decay * float(np.max(np.linalg.norm(Xall, axis=1)))
    beta = a_max**2 / 4 + c.weight_decay
    k = 1.0 / (1.0 + c.weight_decay / c.gamma)
    pred = eps_thm3(k * alpha, k * beta, evals, 1.0) / eps_thm3(alpha, beta, evals, 1.0)
    out.update(ratio=float(ratio), ratio_se=float(ratio_se), ratio_per_pair=ee / es, evals=evals,
               predicted=float(pred), lipschitz=alpha, smoothness=beta, k=k)
    return out


def _table(c: Config) -> tuple[list, dict]:
    N = 1000.0
    rows = []
    for a, b, g, cc, tq in itertools.product(c.alphas, c.betas, c.gammas, c.cs, c.T_over_alpha):
        k = 1.0 / (1.0 + cc / g)                           # Lemma 2's factor 1/(1 + γ⁻¹c)
        T = tq * a
        r3 = eps_thm3(k * a, k * b, T, N) / eps_thm3(a, b, T, N)
        rh = eps_hardt(k * a, k * b, T, N) / eps_hardt(a, b, T, N)
        rhs = (a / T) ** ((1 - k) * b)                     # eq. (9): ε_E / ε_SGD ≲ (α/T)^{(1−k)β}
        thr = a * k ** ((1 + b) / (b * (1 - k)))           # where the Thm-3 ratio crosses 1
        rows.append((a, b, g, cc, T, tq, k, r3, rh, rhs, thr))
    R = np.array(rows)
    above = R[:, 5] > 1.0
    below = R[:, 5] < 1.0
    return [], {
        "max_ratio_thm3_T_above_alpha": float(R[above, 7].max()),
        "max_ratio_hardt_T_above_alpha": float(R[above, 8].max()),
        "frac_hardt_above_1_T_above_alpha": float(np.mean(R[above, 8] > 1)),
        "frac_thm3_below_1_T_below_alpha": float(np.mean(R[below, 7] < 1)),
        "max_threshold_over_alpha": float(np.max(R[:, 10] / R[:, 0])),
        "frac_eq9_holds": float(np.mean(R[:, 7] <= R[:, 9] * (1 + 1e-12))),
        "frac_eq9_holds_T_above_alpha": float(np.mean(R[above, 7] <= R[above, 9] * (1 + 1e-12))),
        "n_entries": int(R.shape[0]), "table": R,
    }


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    _, tab = _table(c)
    emp = _empirical(c)
    n_runs = c.n_pairs * c.n_seeds
    checks = [
        claim_row(8, "Entropy-SGD is more uniformly stable than SGD (T > α): empirical ε̂_Entropy-SGD / ε̂_SGD "
                     "at equal gradient evaluations, required below 1 by 2 SE", REF, measured=emp["ratio"], bound=1.0,
                  relation="<=", tol=-2 * emp["ratio_se"], uncertainty=emp["ratio_se"],
                  note=f"L2-logistic regression, N = {c.n_samples}, d = {c.dim}, weight decay {c.weight_decay:g} "
                       f"(= c of Lemma 2); {c.n_pairs} neighbouring pairs × {c.n_seeds} shared seeds; "
                       f"{emp['evals']} gradient evaluations each (T ≫ α); ε̂_SGD = {emp['sgd']['eps']:.3e} ± "
                       f"{emp['sgd']['se']:.1e} (η = {c.sgd_lr}), ε̂_E = {emp['entropy_sgd']['eps']:.3e} ± "
                       f"{emp['entropy_sgd']['se']:.1e} (L = {c.n_inner}, η′ = {c.inner_lr}, ε = {c.noise:g}, "
                       f"α = {c.alpha}, γ = {c.gamma:g}, scoped outer step η = {c.outer_lr:g}); training loss "
                       f"{emp['sgd']['train_loss']:.4f} vs {emp['entropy_sgd']['train_loss']:.4f}. Theorem 3 with "
                       f"Lemma 2's constants (α = {emp['lipschitz']:.2f}, β = {emp['smoothness']:.2f}, factor "
                       f"{emp['k']:.2f}) predicts {emp['predicted']:.3f} (row below). Margin: confirmed only if "
                       f"ratio ≤ 1 − 2 SE"),
        check_row("the gain eq. (9) / Theorem 3 predicts with Lemma 2's constants: (measured − predicted ratio) / SE",
                  REF, (emp["ratio"] - emp["predicted"]) / emp["ratio_se"], None, "~", kind="derived", claim_id=8,
                  note=f"predicted ε_E/ε_SGD = {emp['predicted']:.3f}, measured {emp['ratio']:.3f} ± "
                       f"{emp['ratio_se']:.3f}"),
        check_row("eq. (9) algebra: ε_E/ε_SGD < 1 for every T > α with Theorem 3's bound and Lemma 2's constants "
                  "(max ratio over the table)", REF + ", Lemma 2", tab["max_ratio_thm3_T_above_alpha"], 1.0, "<=",
                  kind="derived", claim_id=8,
                  note=f"{tab['n_entries']} entries (α, β, γ, c, T/α); the crossing is at T* = α k^((1+β)/(β(1−k))) "
                       f"≤ α (max T*/α = {tab['max_threshold_over_alpha']:.3f}), so 'iff T > α' is only 'if': "
                       f"{100 * tab['frac_thm3_below_1_T_below_alpha']:.0f} % of the T < α entries also have "
                       "ratio < 1"),
        check_row("with Hardt's exact constants (1 + 1/β)(2α²)^{1/(1+β)}, ε_E/ε_SGD for T > α (max over the table)",
                  "Hardt et al. 2016, Thm 3.12", tab["max_ratio_hardt_T_above_alpha"], None, "~", kind="derived",
                  claim_id=8,
                  note=f"{100 * tab['frac_hardt_above_1_T_above_alpha']:.0f} % of the T > α entries exceed 1: the "
                       "(1 + 1/β) prefactor grows when Lemma 2 shrinks β, so the sign of eq. (9) rests on Theorem 3's "
                       "simplified form"),
        check_row("eq. (9) as a bound: ε_E ≤ (α/T)^{(1−k)β} ε_SGD (fraction of T > α entries where it holds)",
                  REF, tab["frac_eq9_holds_T_above_alpha"], None, "~", kind="derived", claim_id=8,
                  note="eq. (9) drops the change of the exponent β/(1+β); its right-hand side decays much faster in T "
                       "than the ratio of the two bounds"),
        check_row("empirical ε̂ of SGD (mean over pairs of the sup over ξ ∈ S ∪ S′)", REF, emp["sgd"]["eps"], None, "~",
                  kind="method", claim_id=8, uncertainty=emp["sgd"]["se"], note=f"{n_runs} runs per data set"),
        check_row("empirical ε̂ of Entropy-SGD", REF, emp["entropy_sgd"]["eps"], None, "~", kind="method",
                  claim_id=8, uncertainty=emp["entropy_sgd"]["se"]),
    ]
    arrays = {"table": tab.pop("table"), "eps_sgd": emp["sgd"]["per_pair"],
              "eps_entropy_sgd": emp["entropy_sgd"]["per_pair"], "ratio_per_pair": emp["ratio_per_pair"]}
    info = {**tab, "ratio": emp["ratio"], "ratio_se": emp["ratio_se"], "predicted_ratio": emp["predicted"],
            **{f"{k}_{q}": emp[k][q] for k in ("sgd", "entropy_sgd") for q in ("eps", "se", "train_loss")}}
    return Results(NAME, config_dict(c), arrays, info, tuple(checks))
