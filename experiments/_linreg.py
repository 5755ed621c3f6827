"""Least-squares linear regression as a small model with *real* minibatch sampling (shared by experiments).

Symbols: N samples aₖ ∈ ℝᵈ (rows of ``A``), labels yₖ; per-sample loss
fₖ(w) = ½(aₖᵀw − yₖ)², per-sample gradient gₖ(w) = aₖ(aₖᵀw − yₖ); f = N⁻¹Σfₖ with Hessian
H = N⁻¹AᵀA and minimiser w*; the diffusion matrix D(w) = N⁻¹Σgₖgₖᵀ − ∇f∇fᵀ (SGD-VI eq. 2).

SGD x ← x − η b⁻¹Σ_{i∈B} g_{kᵢ}(x) on ``n_chains`` independent chains at once, with the b
indices drawn i.i.d. uniform (with replacement) or b distinct ones (without). Because f is
quadratic, the stationary covariance of the *discrete* chain is known exactly: with
e = w − w*, Ĥ_B the minibatch Hessian and ξ_B = ĝ_B(w*) the minibatch noise at w*,

    HΣ + ΣH − η E[Ĥ_B Σ Ĥ_B] = η E[ξ_B ξ_Bᵀ]

(the cross term vanishes because E e = 0 and e is independent of the next batch), with
E[ξξᵀ] = D/b (with replacement) or (D/b)(N − b)/(N − 1) (without), and
E[ĤΣĤ] = b⁻¹M₄(Σ) + (1 − b⁻¹)HΣH (with) or b⁻¹M₄ + ((b − 1)/b)(N HΣH − M₄)/(N − 1) (without),
M₄(Σ) = N⁻¹Σₖ aₖaₖᵀ Σ aₖaₖᵀ. As η → 0 it becomes the Lyapunov equation HΣ + ΣH = 2β⁻¹D
of the continuous-time SDE with β⁻¹ = η/(2b) (SGD-VI Lemma 2) — the O(η) term is measured,
not assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Regression", "make_regression", "ChainStats", "sgd_chains", "exact_sgd_cov", "lyapunov_cov"]


@dataclass(frozen=True)
class Regression:
    A: np.ndarray          # (N, d) features
    y: np.ndarray          # (N,) labels
    H: np.ndarray          # (d, d) Hessian N⁻¹AᵀA
    w_star: np.ndarray     # (d,) minimiser
    D_star: np.ndarray     # (d, d) D(w*)

    @property
    def n(self) -> int:
        return self.A.shape[0]

    def per_sample_grads(self, w: np.ndarray) -> np.ndarray:
        """gₖ(w), shape (N, d)."""
        return self.A * (self.A @ w - self.y)[:, None]

    def D(self, w: np.ndarray) -> np.ndarray:
        """D(w) = N⁻¹Σgₖgₖᵀ − ḡḡᵀ (SGD-VI eq. 2)."""
        G = self.per_sample_grads(w)
        m = G.mean(axis=0)
        return G.T @ G / self.n - np.outer(m, m)


def make_regression(n: int, scales, noise: float, seed: int, w_true=None) -> Regression:
    """Gaussian features with per-coordinate ``scales``, labels aᵀw_true + noise·N(0, 1)."""
    rng = np.random.default_rng(seed)
    s = np.asarray(scales, float)
    A = rng.standard_normal((n, s.size)) * s
    w0 = np.ones(s.size) if w_true is None else np.asarray(w_true, float)
    y = A @ w0 + noise * rng.standard_normal(n)
    H = A.T @ A / n
    w_star = np.linalg.solve(H, A.T @ y / n)
    G = A * (A @ w_star - y)[:, None]
    return Regression(A, y, H, w_star, G.T @ G / n)    # ∇f(w*) = 0


@dataclass(frozen=True)
class ChainStats:
    """Per-chain time averages over the recording window."""

    mean: np.ndarray        # (C, d) time average of e = w − w*
    second: np.ndarray      # (C, d, d) time average of e eᵀ
    excess: np.ndarray      # (C,) time average of f(w) − f(w*) = ½ eᵀHe
    n_steps: int


def sgd_chains(reg: Regression, lr: float, batch_size: int, *, n_chains: int, n_burn: int, n_record: int,
               replacement: bool = True, every: int = 1, seed=0) -> ChainStats:
    """Run ``n_chains`` SGD chains from w* with real minibatch sampling; time averages per chain."""
    rng = np.random.default_rng(seed)
    A, y, N = reg.A, reg.y, reg.n
    d = A.shape[1]
    b = int(batch_size)
    C = int(n_chains)
    w = np.tile(reg.w_star, (C, 1))
    s1 = np.zeros((C, d))
    s2 = np.zeros((C, d, d))
    ex = np.zeros(C)
    k = 0
    for step in range(n_burn + n_record):
        if replacement:
            idx = rng.integers(0, N, size=(C, b))
        else:
            idx = np.argpartition(rng.random((C, N)), b - 1, axis=1)[:, :b] if b < N else np.tile(np.arange(N), (C, 1))
        Ab = A[idx]                                              # (C, b, d)
        r = np.einsum("cbd,cd->cb", Ab, w) - y[idx]
        w -= (lr / b) * np.einsum("cbd,cb->cd", Ab, r)
        if step >= n_burn and (step - n_burn) % every == 0:
            e = w - reg.w_star
            s1 += e
            s2 += e[:, :, None] * e[:, None, :]
            ex += 0.5 * np.einsum("ci,ij,cj->c", e, reg.H, e)
            k += 1
    if not np.all(np.isfinite(w)):
        raise FloatingPointError(f"SGD chains diverged (lr = {lr}, b = {b}): reduce the learning rate")
    return ChainStats(s1 / k, s2 / k, ex / k, n_burn + n_record)


def _m4(reg: Regression, S: np.ndarray) -> np.ndarray:
    A = reg.A
    q = np.einsum("ki,ij,kj->k", A, S, A)                       # aₖᵀΣaₖ
    return (A * q[:, None]).T @ A / reg.n


def exact_sgd_cov(reg: Regression, lr: float, batch_size: int, replacement: bool = True) -> np.ndarray:
    """The exact stationary covariance of the discrete SGD chain (module docstring), solved as a d²×d² system."""
    d, N, b, H = reg.H.shape[0], reg.n, int(batch_size), reg.H
    if replacement:
        noise = reg.D_star / b

        def EHSH(S):
            return _m4(reg, S) / b + (1 - 1 / b) * H @ S @ H
    else:
        noise = reg.D_star / b * (N - b) / (N - 1)

        def EHSH(S):
            M = _m4(reg, S)
            return M / b + (b - 1) / b * (N * H @ S @ H - M) / (N - 1)
    cols = []
    for i in range(d * d):
        E = np.zeros(d * d)
        E[i] = 1.0
        S = E.reshape(d, d)
        cols.append((H @ S + S @ H - lr * EHSH(S)).ravel())
    M = np.stack(cols, axis=1)
    Sig = np.linalg.solve(M, (lr * noise).ravel()).reshape(d, d)
    return 0.5 * (Sig + Sig.T)


def lyapunov_cov(H: np.ndarray, D: np.ndarray, inv_beta: float) -> np.ndarray:
    """Σ with HΣ + ΣH = 2β⁻¹D (scipy's continuous Lyapunov solver)."""
    from scipy.linalg import solve_continuous_lyapunov

    S = solve_continuous_lyapunov(H, 2 * inv_beta * D)
    return 0.5 * (S + S.T)
