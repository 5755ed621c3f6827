"""The 22 numbered checkable claims of ``PAPERS.md`` §5: the rows of the report's first table.

Each experiment that decides a claim emits one ``kind="claim"`` :class:`~experiments._base.Check`
with that claim's ``claim_id`` (built by :func:`experiments._base.claim_row`); the report
shows one row per claim, numbered as here, with the computed verdict *confirmed*,
*refuted* or *qualified* (holds only under a stated condition). Supporting rows of an
experiment carry the same ``claim_id`` with ``kind="derived"`` (standard PDE bounds and
identities) or ``kind="method"`` (solver vs closed form, twins, limiting cases).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Claim", "CLAIMS", "claim"]


@dataclass(frozen=True)
class Claim:
    id: int
    title: str
    reference: str
    paper: str


_E = "Entropy-SGD (arXiv:1611.01838)"
_V = "SGD-VI (arXiv:1710.11029)"
_R = "Deep Relaxation (arXiv:1704.04932)"

CLAIMS: tuple[Claim, ...] = (
    Claim(1, "Local-entropy gradient: −∇F = γ(x − ⟨x′⟩)", "eq. (7)", _E),
    Claim(2, "The SGLD inner loop estimates ⟨x′⟩ (bias → 0 as L grows, η′ → 0)", "Alg. 1, lines 3–6", _E),
    Claim(3, "Smoothing: ∇F is β/(1 + γ⁻¹c)-smooth when spec ∇²f avoids [−2γ − c, c]", "Lemma 2", _E),
    Claim(4, "Hessian identity ∇²F = −γI + γ²Cov(x′); ∇²u ≤ I/t", "[derived] from eq. (4)", _E),
    Claim(5, "For convex f local entropy does not change the minimiser", "§4.4", _E),
    Claim(6, "Local entropy prefers the wide valley for small γ; −F → f as γ → ∞", "Fig. 2, §3", _E),
    Claim(7, "Scoping γ(t) = γ₀(1 + γ₁)^t shrinks the smoothing scale as planned", "§4.3", _E),
    Claim(8, "Entropy-SGD is more uniformly stable than SGD for T > α", "Thm 3, eq. (9)", _E),
    Claim(9, "Mini-batch gradient variance is D/b (with replacement), (D/b)(1 − b/N)N/(N−1) without",
          "Def. 1, App. A", _V),
    Claim(10, "SGD's stationary covariance solves FΣ + ΣF = 2β⁻¹D with β⁻¹ = η/2b", "Lemma 2", _V),
    Claim(11, "Detailed balance ⇔ [F, D] = 0 (angular momentum 2Q₁₂/β)", "Lemma 20 / A6", _V),
    Claim(12, "Theorem 5: β⁻¹KL(ρ_t‖ρˢˢ) decreases to 0 and splits as E[Φ] − β⁻¹H(ρ)", "Thm 5, eq. (10–11)", _V),
    Claim(13, "Φ = f iff D ∝ I (OU: U = (βΣ)⁻¹)", "Lemma 6", _V),
    Claim(14, "Example 19: ρˢˢ = e^{−Φ} for every λ, circulation grows with λ, limit cycle at λ = 1.5",
          "Example 19, Fig. 4", _V),
    Claim(15, "The modes of ρˢˢ are not the critical points of f; the shift grows with η/b",
          "Thm 22, Rem. 26", _V),
    Claim(16, "D(x) of a deep network has low rank (0.3–2 % of d)", "Figs 1–2", _V),
    Claim(17, "SGD trajectories are not Brownian: low-frequency excess, long autocorrelation", "Fig. 3, Rem. 17–18",
          _V),
    Claim(18, "The steady state depends on η/b (and (η/b)·mean λ(D)), not on η and b separately",
          "Rem. 11, 15", _V),
    Claim(19, "Cole–Hopf solves the viscous HJ equation", "§3.2.1 [derived]", _R),
    Claim(20, "Hopf–Lax is the proximal point; the FP iteration converges to (x − prox)/t", "§3.2.5 [derived]", _R),
    Claim(21, "Homogenization: the slow variable tracks ẋ = −∇u(x, 1/γ) as ε → 0", "§3.2.8 [derived]", _R),
    Claim(22, "The optimally controlled SGD does better in expectation than SGD", "§3.2.7(b) [derived]", _R),
)

_BY_ID = {c.id: c for c in CLAIMS}


def claim(claim_id: int) -> Claim:
    """The claim numbered ``claim_id`` (1–22)."""
    if claim_id not in _BY_ID:
        raise ValueError(f"`claim_id` must be one of 1..{len(CLAIMS)}, got {claim_id!r}")
    return _BY_ID[claim_id]
