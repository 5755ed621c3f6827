"""Entropy-SGD (Algorithm 1), Entropy-Adam, the non-viscous HJ / proximal variant and Hopf–Lax.

Symbols (Chaudhari et al. 2017, Alg. 1): x the anchor (d,) or replicas (n, d); x′ the
inner SGLD iterate; δ = x′ − x; μ the exponential average of x′ and m = μ − x;
γ the scope; η the outer rate; η′ the inner (SGLD) step; ε the thermal noise;
α the averaging weight on the newest sample; L the number of inner steps; k the
averaging burn-in. The inner loop is :class:`~._inner.InnerLoop`:

    dx′ = ĝ(x′) + γ δ          (+ λ x′ weight decay, then optional momentum)
    δ  ← δ − η′ dx′ + σ ξ,      σ = √η′ ε ("paper") or ε √(2η′) ("code")
    m  ← (1 − α) m + α δ        (from step k on; m_k = δ_k)

Outer step: −∇F ≈ γ(x − μ) = −γ m; x ← x − η γ(x − μ) ("gamma", Alg. 1 line 7) or
x ← x − η (x − μ) ("scoped", §4.3), through any outer transform (momentum, Adam).

The inner loop is Euler–Maruyama for Langevin dynamics at temperature T = σ²/(2η′):
T = ε²/2 with the paper's noise, T = ε² with the code's, so ⟨x′⟩ is the mean of
ρ(x′) ∝ exp(−[f(x′) + γ|x′ − x|²/2] / T), i.e. local entropy at β = 1/T, not β = 1.

Conventions, paper vs reference code (all options here): α = 0.75 on the newest
sample (paper text) vs 0.75 on the old average, α = 0.25 (code); σ = √η′ε vs ε√(2η′);
outer step with γ (Alg. 1) vs without ("scoped", the Lua code); outer Nesterov
momentum 0.9 (PyTorch port) or none (Lua).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .._core import bad_parameter, check_choice, check_float, check_int, check_nonnegative, check_positive
from ._alias import adam_transform, sgd_transform
from ._base import StepInfo, check_x0, copy_array, norm
from ._inner import NOISE_CONVENTIONS, InnerLoop, InnerResult, Workspace, inner_options, inner_temperature
from ._objective import check_objective, check_rng
from ._random import standard_normal
from ._schedules import Schedule, as_schedule, checked, exponential_growth
from ._transforms import GradientTransformation, apply_update

__all__ = [
    "InnerLoop",
    "InnerResult",
    "EntropySGD",
    "EntropyState",
    "HopfLaxSGD",
    "entropy_sgd",
    "entropy_adam",
    "hj_proximal",
    "hopf_lax_sgd",
    "local_entropy_grad",
    "inner_temperature",
    "NOISE_CONVENTIONS",
    "OUTER_STEPS",
]

#: Outer-step conventions: "gamma" x ← x − ηγ(x − μ) (Alg. 1), "scoped" x ← x − η(x − μ) (§4.3).
OUTER_STEPS = ("gamma", "scoped")


def _int_at_least(name: str, v: Any, low: int, fix: str) -> int:
    return check_int(name, v, low=low, fix=fix)


def local_entropy_grad(objective: Any, x: Any, gamma: float, rng: np.random.Generator, *,
                       n_inner: int, inner_lr: float, noise: float = 0.0, alpha: float = 0.75,
                       noise_convention: str = "paper", avg_burn_in: int = 0) -> tuple[Any, Any]:
    """The inner-loop estimate of ∇F(x, γ) = −γ(x − ⟨x′⟩) and μ ≈ ⟨x′⟩.

    Runs :class:`InnerLoop` once from x. The estimate targets local entropy at the
    inner loop's temperature T (:func:`inner_temperature`), i.e. the Gibbs measure
    ∝ exp(−[f(x′) + γ|x − x′|²/2]/T); its bias vanishes as L → ∞ and η′ → 0 when the
    average is started after a burn-in (``avg_burn_in`` > 0); with ``avg_burn_in=0``
    the weight (1 − α)^L left on x is a floor when α shrinks like 1/L.

    Parameters
    ----------
    objective : Objective
    x : array, shape (d,)
        The anchor.
    gamma : float
        γ > 0.
    rng : numpy.random.Generator
    n_inner, inner_lr, noise, alpha, noise_convention, avg_burn_in
        As in :class:`InnerLoop`.

    Returns
    -------
    grad_F : array, shape (d,)
        γ(μ − x), the estimate of ∇F (so −grad_F is the Entropy-SGD direction).
    mu : array, shape (d,)
        μ.

    References
    ----------
    Chaudhari et al., arXiv:1611.01838, eq. (7) and Alg. 1; Chaudhari et al.,
    arXiv:1704.04932 (the inner loop as stochastic homogenization).
    """
    check_objective(objective)
    x = check_x0(x, int(objective.dim), name="x")
    gamma = check_positive("gamma", gamma)
    check_rng("rng", rng)
    loop = InnerLoop(n_inner, inner_lr, noise, alpha, noise_convention, avg_burn_in=avg_burn_in)
    res = loop.run(x, gamma, lambda xp_: objective.loss_and_grad(xp_, rng),
                   lambda shape, like: standard_normal(rng, shape, like))
    return gamma * res.mu_offset, x + res.mu_offset


class EntropyState(NamedTuple):
    """Anchor x, the outer transform's state, the outer step count t."""

    x: Any
    outer: Any
    t: int


def _check_parts(schedules: dict[str, Any], outer: Any, outer_step: Any, name: Any) -> None:
    """Types of the fields of an optimizer record built directly (the factories check values)."""
    for key, sched in schedules.items():
        if not callable(sched):
            raise bad_parameter(key, "a schedule (a callable of the step count)", sched,
                                "build the optimizer with its factory, e.g. entropy_sgd(...)")
    if not isinstance(outer, GradientTransformation):
        raise bad_parameter("outer", "a GradientTransformation", type(outer).__name__)
    check_choice("outer_step", outer_step, OUTER_STEPS)
    if not isinstance(name, str):
        raise bad_parameter("name", "a string", name)


@dataclass(frozen=True)
class EntropySGD:
    """Entropy-SGD: an :class:`InnerLoop` estimating ∇F, then an outer transform.

    Build it with :func:`entropy_sgd`, :func:`entropy_adam` or :func:`hj_proximal`.
    Each step reports the inner loop's coupling diagnostic in ``StepInfo.coupling``.
    """

    inner: InnerLoop
    gamma: Schedule
    outer: GradientTransformation
    outer_step: str = "gamma"
    name: str = "entropy_sgd"

    def __post_init__(self) -> None:
        if not isinstance(self.inner, InnerLoop):
            raise bad_parameter("inner", "an InnerLoop", type(self.inner).__name__)
        _check_parts({"gamma": self.gamma}, self.outer, self.outer_step, self.name)
        object.__setattr__(self, "_work", Workspace())   # the inner loop's scratch, reused

    def init(self, x0: Any) -> EntropyState:
        x = copy_array(x0)
        return EntropyState(x, self.outer.init(x), 0)

    def step(self, state: EntropyState, objective: Any, rng: np.random.Generator
             ) -> tuple[EntropyState, StepInfo]:
        gamma = checked("gamma", self.gamma, state.t)
        buf = self._work.noise_buffer(state.x) if self.inner.noise > 0 else None
        res = self.inner.run(state.x, gamma, lambda xp_: objective.loss_and_grad(xp_, rng),
                             lambda shape, like: standard_normal(rng, shape, like, buf), self._work)
        # −∇F ≈ γ(x − μ) = −γ m; the scoped outer step drops the factor γ (§4.3). m is the
        # loop's own buffer, scaled in place (x·(−c) rounds as (−c)·x; x·(−1) is −x exactly)
        direction = res.mu_offset
        direction *= -gamma if self.outer_step == "gamma" else -1.0
        info = StepInfo(float(res.loss), norm(direction), res.n_grad_evals, gamma,
                        coupling=res.coupling)
        if not info.finite:  # step contract: nothing moves on a non-finite evaluation
            return state, info
        x, outer = apply_update(self.outer, direction, state.outer, state.x)
        return EntropyState(x, outer, state.t + 1), info

    def params(self, state: EntropyState) -> Any:
        return state.x

    def current_gamma(self, state: EntropyState) -> float:
        """γ for the next outer step, γ(t)."""
        return float(self.gamma(state.t))


def _gamma_schedule(gamma: float | Schedule, scoping: float, gamma_max: float | None) -> Schedule:
    """γ_t = min(γ₀(1 + γ₁)^t, γ_max), or the caller's schedule; errors name the caller's parameters."""
    scoping = check_nonnegative("scoping", scoping)
    if gamma_max is not None:
        gamma_max = check_positive("gamma_max", gamma_max)
    if callable(gamma):
        if scoping:
            raise bad_parameter("scoping", "0 when gamma is a schedule", scoping,
                                "put the growth into the schedule")
        return gamma
    as_schedule("gamma", gamma)
    return exponential_growth(float(gamma), scoping, gamma_max)


def entropy_sgd(lr: float | Schedule, gamma: float | Schedule = 0.03, *, n_inner: int = 20,
                inner_lr: float = 0.1, noise: float = 1e-4, alpha: float = 0.75,
                noise_convention: str = "paper", outer_step: str = "gamma",
                scoping: float = 0.0, gamma_max: float | None = None,
                momentum: float = 0.0, nesterov: bool = False,
                inner_momentum: float = 0.0, inner_nesterov: bool = False,
                inner_weight_decay: float = 0.0, avg_burn_in: int = 0) -> EntropySGD:
    """Entropy-SGD, Algorithm 1 of Chaudhari et al. (ICLR 2017), with its conventions as options.

    Per outer step t: x′, μ ← x; L times: draw a minibatch, dx′ = ĝ(x′) − γ(x − x′),
    x′ ← x′ − η′dx′ + σξ, μ ← (1 − α)μ + αx′; then x ← x − ηγ(x − μ)
    (``outer_step="gamma"``) or x ← x − η(x − μ) (``"scoped"``, §4.3), with
    γ_t = γ₀(1 + γ₁)^t advancing once per outer step.

    Parameters
    ----------
    lr : float or schedule
        η (outer rate).
    gamma : float or schedule
        γ₀ (or a full schedule γ_t).
    n_inner : int
        L ≥ 1 (the paper uses 5–20).
    inner_lr : float
        η′ (paper 0.1–1).
    noise : float
        ε (paper 10⁻⁴–10⁻³); the inner loop samples at T = ε²/2 ("paper") or ε² ("code").
    alpha : float
        Averaging weight on the newest sample: 0.75 paper text, 0.25 reference code.
    noise_convention : {"paper", "code"}
        σ = √η′ε (Alg. 1) or ε√(2η′) (code).
    outer_step : {"gamma", "scoped"}
        Alg. 1 line 7 or its scoped replacement (the Lua code).
    scoping : float
        γ₁ ≥ 0; ``gamma_max`` caps γ_t.
    momentum, nesterov : float, bool
        Outer momentum (none in the Lua code; 0.9 Nesterov in the PyTorch port).
    inner_momentum, inner_nesterov, inner_weight_decay
        Inner-loop momentum (reset each outer step) and weight decay (inner loop only).
    avg_burn_in : int, default 0
        k ∈ [0, L]: the running average μ starts at the iterate after inner step k
        instead of at x (k = 0, Alg. 1 and the code). μ_L then puts weight
        (1 − α)^{L−k} on x′_k and α(1 − α)^{L−ℓ} on x′_ℓ, ℓ > k, and none on x, which
        removes the (1 − α)^L floor of the estimator's bias (see :class:`InnerLoop`).
        Neither paper nor code has it: an option of this package.

    Notes
    -----
    Each outer step costs L minibatch gradients (the unused one at x of the reference
    code is not evaluated), so "effective epochs" count L per outer step.
    With L = 1, ε = 0, α = 1 the step is SGD with rate ηγη′ ("gamma") or ηη′ ("scoped").
    ``StepInfo.coupling`` / ``History.coupling`` record the mean over the inner loop of
    ‖γ(x′ − x)‖/‖ĝ(x′)‖: how much the coupling term weighs against the data gradient.

    References
    ----------
    P. Chaudhari et al., "Entropy-SGD: biasing gradient descent into wide valleys",
    ICLR 2017, arXiv:1611.01838, Alg. 1, §4.2–4.3.

    Examples
    --------
    >>> opt = entropy_sgd(1.0, 1e-4, scoping=1e-3, n_inner=20, outer_step="scoped")
    >>> opt.inner.n_inner, opt.inner.avg_burn_in
    (20, 0)
    """
    check_choice("outer_step", outer_step, OUTER_STEPS)
    inner = InnerLoop(n_inner, inner_lr, noise, alpha, noise_convention,
                      *inner_options(inner_momentum, inner_nesterov, inner_weight_decay), avg_burn_in)
    outer = sgd_transform(lr, momentum, nesterov)
    return EntropySGD(inner, _gamma_schedule(gamma, scoping, gamma_max), outer, outer_step)


def entropy_adam(lr: float | Schedule, gamma: float | Schedule = 0.01, *, n_inner: int = 5,
                 inner_lr: float = 0.1, noise: float = 1e-4, alpha: float = 0.75,
                 noise_convention: str = "paper", outer_step: str = "gamma",
                 scoping: float = 0.0, gamma_max: float | None = None, b1: float = 0.5,
                 b2: float = 0.999, eps: float = 1e-8, avg_burn_in: int = 0) -> EntropySGD:
    """Entropy-Adam: Adam on the local-entropy gradient −γ(x − μ) estimated by SGLD.

    Same inner loop as :func:`entropy_sgd` (including ``avg_burn_in``); the outer step
    is Adam (the paper's char-LSTM run: L = 5, γ = 0.01, β₁ = 0.5).

    References
    ----------
    Chaudhari et al., arXiv:1611.01838, §4.3 and §5.4.2.

    Examples
    --------
    >>> opt = entropy_adam(1e-3, 0.01, n_inner=5)
    """
    check_choice("outer_step", outer_step, OUTER_STEPS)
    inner = InnerLoop(n_inner, inner_lr, noise, alpha, noise_convention, avg_burn_in=avg_burn_in)
    return EntropySGD(inner, _gamma_schedule(gamma, scoping, gamma_max),
                      adam_transform(lr, b1, b2, eps), outer_step, "entropy_adam")


def hj_proximal(lr: float | Schedule, gamma: float | Schedule = 1.0, *, n_inner: int = 20,
                inner_lr: float = 0.25, outer_step: str = "scoped", scoping: float = 0.0,
                gamma_max: float | None = None, momentum: float = 0.0,
                nesterov: bool = False) -> EntropySGD:
    """The non-viscous HJ / proximal variant: noise-free inner loop, μ = the last iterate.

    The inner loop is gradient descent on y ↦ f(y) + γ|y − x|²/2, so μ → the proximal
    point prox_{f/γ}(x) = argmin_y f(y) + |x − y|²/(2t), t = 1/γ, the Hopf–Lax
    minimiser; x − μ = t∇u(x, t) for the Moreau envelope u. With η = 1 and
    ``outer_step="scoped"`` the outer step is the proximal-point step x ← μ.

    References
    ----------
    Chaudhari, Oberman, Osher, Soatto, Carlier, arXiv:1704.04932 (non-viscous HJ,
    Hopf–Lax); the ``HJB`` optimizer of pratikac/hamilton-jacobi.

    Examples
    --------
    >>> opt = hj_proximal(1.0, 3.0, n_inner=100, inner_lr=0.05)
    """
    check_choice("outer_step", outer_step, OUTER_STEPS)
    # noise 0: plain gradient descent on y ↦ f(y) + γ|y − x|²/2; α = 1: μ is the last
    # iterate, the approximate minimiser (the HJB code's mw, PAPERS.md)
    inner = InnerLoop(n_inner, inner_lr, 0.0, 1.0)
    return EntropySGD(inner, _gamma_schedule(gamma, scoping, gamma_max),
                      sgd_transform(lr, momentum, nesterov), outer_step, "hj_proximal")


class HopfLaxState(NamedTuple):
    """Anchor x, the outer transform's state, the step count t."""

    x: Any
    outer: Any
    t: int


@dataclass(frozen=True)
class HopfLaxSGD:
    """Gradient descent on the Moreau envelope through the Hopf–Lax fixed point.

    p₀ = ĝ(x); L times p ← β₁p + (1 − β₁)ĝ(x − t p), t = 1/γ_t; then the outer
    transform on p. At the fixed point p = ∇f(y*) = (x − y*)/t = ∇u(x, t), y* the
    Hopf–Lax minimiser. Build it with :func:`hopf_lax_sgd`.
    """

    n_inner: int
    beta1: float
    gamma: Schedule
    outer: GradientTransformation
    name: str = "hopf_lax"

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_inner", check_int("n_inner", self.n_inner, low=0))
        object.__setattr__(self, "beta1", _check_beta1(self.beta1))
        _check_parts({"gamma": self.gamma}, self.outer, "gamma", self.name)

    def init(self, x0: Any) -> HopfLaxState:
        x = copy_array(x0)
        return HopfLaxState(x, self.outer.init(x), 0)

    def step(self, state: HopfLaxState, objective: Any, rng: np.random.Generator
             ) -> tuple[HopfLaxState, StepInfo]:
        gamma = checked("gamma", self.gamma, state.t)
        t = 1.0 / gamma
        loss, p = objective.loss_and_grad(state.x, rng)
        for _ in range(self.n_inner):
            _, g = objective.loss_and_grad(state.x - t * p, rng)
            p = self.beta1 * p + (1.0 - self.beta1) * g   # damped fixed point p = ∇f(x − t p)
        info = StepInfo(float(loss), norm(p), self.n_inner + 1, gamma)
        if not info.finite:
            return state, info
        x, outer = apply_update(self.outer, p, state.outer, state.x)
        return HopfLaxState(x, outer, state.t + 1), info

    def params(self, state: HopfLaxState) -> Any:
        return state.x


def _check_beta1(beta1: Any) -> float:
    return check_float("beta1", beta1, low=0.0, high=1.0, high_inclusive=False,
                       fix="pass beta1 in [0, 1), e.g. 0.75")


def hopf_lax_sgd(lr: float | Schedule, gamma: float | Schedule = 1.0, *, n_inner: int = 10,
                 beta1: float = 0.75, scoping: float = 0.0, gamma_max: float | None = None,
                 momentum: float = 0.0, nesterov: bool = False) -> HopfLaxSGD:
    """The Hopf–Lax fixed-point variant: p ← β₁p + (1 − β₁)∇f(x − tp), x ← x − ηp.

    Costs L + 1 gradients per step (p₀ = ĝ(x)). The damped iteration converges when
    t·sup|∇²f| < 1 (a contraction), e.g. for γ above the largest curvature.

    References
    ----------
    Chaudhari et al., arXiv:1704.04932 (Hopf–Lax); the ``FP`` optimizer of
    pratikac/hamilton-jacobi (L = 10, β₁ = 0.75).

    Examples
    --------
    >>> opt = hopf_lax_sgd(0.1, 10.0, n_inner=3)
    """
    n_inner = _int_at_least("n_inner", n_inner, 0, "pass the number of fixed-point updates L >= 0")
    beta1 = _check_beta1(beta1)
    return HopfLaxSGD(n_inner, beta1, _gamma_schedule(gamma, scoping, gamma_max),
                      sgd_transform(lr, momentum, nesterov))
