"""Entropy-SGD (Algorithm 1), Entropy-Adam, the non-viscous HJ / proximal variant and Hopf–Lax.

Symbols (Chaudhari et al. 2017, Alg. 1): x the anchor (d,) or replicas (n, d); x′ the
inner SGLD iterate; δ = x′ − x; μ the exponential average of x′ and m = μ − x;
γ the scope; η the outer rate; η′ the inner (SGLD) step; ε the thermal noise;
α the averaging weight on the newest sample; L the number of inner steps.

Inner step ℓ (line 4–6 of Alg. 1), written on δ so that x − μ carries no cancellation:

    dx′ = ĝ(x′) + γ δ          (+ λ x′ weight decay, then optional momentum)
    δ  ← δ − η′ dx′ + σ ξ,      σ = √η′ ε ("paper") or ε √(2η′) ("code")
    m  ← (1 − α) m + α δ

Outer step: −∇F ≈ γ(x − μ) = −γ m; x ← x − η γ(x − μ) ("gamma", Alg. 1 line 7) or
x ← x − η (x − μ) ("scoped", §4.3), through any outer transform (momentum, Adam).

The inner loop is Euler–Maruyama for Langevin dynamics at temperature T = σ²/(2η′):
T = ε²/2 with the paper's noise, T = ε² with the code's, so ⟨x′⟩ is the mean of
ρ(x′) ∝ exp(−[f(x′) + γ|x′ − x|²/2] / T), i.e. local entropy at β = 1/T, not β = 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .._core import bad_parameter, check_choice, check_nonnegative
from ._alias import adam_transform, sgd_transform
from ._base import StepInfo, norm
from ._random import standard_normal
from ._schedules import Schedule, as_schedule, checked, exponential_growth
from ._transforms import GradientTransformation

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

#: Noise conventions of the SGLD line: name -> σ/ε as a function of η′.
NOISE_CONVENTIONS: dict[str, Callable[[float], float]] = {
    "paper": lambda lr: math.sqrt(lr),          # Alg. 1 line 5: √η′ ε N(0, I)
    "code": lambda lr: math.sqrt(2.0 * lr),     # entropy-sgd optim.py: ε/√(η′/2) on dx
}

#: Outer-step conventions: "gamma" x ← x − ηγ(x − μ) (Alg. 1), "scoped" x ← x − η(x − μ) (§4.3).
OUTER_STEPS = ("gamma", "scoped")


def inner_temperature(noise: float, noise_convention: str = "paper") -> float:
    """The temperature T the inner loop samples at: ε²/2 ("paper") or ε² ("code")."""
    check_choice("noise_convention", noise_convention, NOISE_CONVENTIONS)
    return float(noise) ** 2 / 2.0 if noise_convention == "paper" else float(noise) ** 2


def _int_at_least(name: str, v: Any, low: int, fix: str) -> int:
    if isinstance(v, bool) or int(v) != v or v < low:
        raise bad_parameter(name, f"an integer >= {low}", v, fix)
    return int(v)


@dataclass(frozen=True)
class InnerLoop:
    """The SGLD inner loop of Entropy-SGD with its conventions (see the module docstring).

    Parameters
    ----------
    n_inner : int
        L ≥ 1.
    inner_lr : float
        η′ > 0.
    noise : float, default 0
        ε ≥ 0 (thermal noise).
    alpha : float, default 0.75
        Weight on the newest sample in μ ← (1 − α)μ + αx′: 0.75 in the paper's text;
        the authors' code keeps 0.75 on the *old* average, i.e. α = 0.25; α = 1 makes
        μ the last iterate.
    noise_convention : {"paper", "code"}
        σ = √η′ ε (Alg. 1 line 5) or ε√(2η′) (reference code).
    momentum, nesterov : float, bool
        Momentum on the whole inner gradient dx′, reset every outer step (the HJ and
        Parle code; the Lua code applies it to the data gradient only).
    weight_decay : float
        λ: adds λx′ to dx′ (inner loop only, as in the reference code).
    """

    n_inner: int
    inner_lr: float
    noise: float = 0.0
    alpha: float = 0.75
    noise_convention: str = "paper"
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        _int_at_least("n_inner", self.n_inner, 1,
                      "pass the number of SGLD steps L >= 1 (L = 0 is plain SGD: use sgd)")
        as_schedule("inner_lr", self.inner_lr)
        check_nonnegative("noise", self.noise)
        if not 0 < self.alpha <= 1:
            raise bad_parameter("alpha", "in (0, 1]", self.alpha,
                                "0.75 is the paper's weight on the newest sample")
        check_choice("noise_convention", self.noise_convention, NOISE_CONVENTIONS)
        if not 0 <= self.momentum < 1:
            raise bad_parameter("momentum", "in [0, 1)", self.momentum)
        check_nonnegative("weight_decay", self.weight_decay)

    @property
    def temperature(self) -> float:
        """T = σ²/(2η′): ε²/2 ("paper") or ε² ("code")."""
        return inner_temperature(self.noise, self.noise_convention)

    def run(self, x: Any, gamma: float, sample: Callable[[Any], tuple[Any, Any]],
            normal: Callable[[tuple[int, ...], Any], Any]) -> InnerResult:
        """Run L inner steps from x′ = x; return m = μ − x, δ = x′_L − x and the loss at x.

        ``sample(x′) -> (loss, ĝ(x′))`` draws one minibatch per call (the caller's
        generator); ``normal(shape, like)`` draws N(0, I). Works on x of shape (d,)
        or (n, d) (replicas, ``sample`` row-wise).
        """
        lr = float(self.inner_lr)
        c1 = 1.0 - lr * gamma           # δ ← (1 − η′γ) δ − η′ ĝ, fused coupling
        sigma = self.noise * NOISE_CONVENTIONS[self.noise_convention](lr)
        plain = self.momentum == 0 and self.weight_decay == 0
        keep = 1.0 - self.alpha
        delta = 0.0 * x
        m = None if self.alpha == 1 else 0.0 * x
        v = 0.0 * x if self.momentum else None
        loss0 = None
        for step in range(self.n_inner):
            xp_ = x + delta if step else x
            loss, g = sample(xp_)
            if step == 0:
                loss0 = loss
            if plain:
                delta *= c1
                delta -= lr * g     # ĝ is never written to: the objective may alias it
            else:
                g = g + gamma * delta
                if self.weight_decay:
                    g = g + self.weight_decay * xp_
                if v is not None:
                    v *= self.momentum
                    v += g
                    g = g + self.momentum * v if self.nesterov else v
                delta = delta - lr * g
            if sigma > 0:
                delta += sigma * normal(tuple(x.shape), x)
            if m is not None:
                m -= delta      # m ← (1 − α)(m − δ) + δ = (1 − α) m + α δ, no temporary
                m *= keep
                m += delta
        return InnerResult(delta if m is None else m, delta, loss0, self.n_inner)


class InnerResult(NamedTuple):
    """m = μ − x (shape of x), δ = x′_L − x, the minibatch loss at x, gradient evaluations."""

    mu_offset: Any
    delta: Any
    loss: Any
    n_grad_evals: int


def local_entropy_grad(objective: Any, x: Any, gamma: float, rng: np.random.Generator, *,
                       n_inner: int, inner_lr: float, noise: float = 0.0, alpha: float = 0.75,
                       noise_convention: str = "paper") -> tuple[Any, Any]:
    """The inner-loop estimate of ∇F(x, γ) = −γ(x − ⟨x′⟩) and μ ≈ ⟨x′⟩.

    Runs :class:`InnerLoop` once from x. The estimate targets local entropy at the
    inner loop's temperature T (:func:`inner_temperature`), i.e. the Gibbs measure
    ∝ exp(−[f(x′) + γ|x − x′|²/2]/T); its bias vanishes as L → ∞ and η′ → 0.

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
    loop = InnerLoop(n_inner, inner_lr, noise, alpha, noise_convention)
    res = loop.run(x, float(gamma), lambda xp_: objective.loss_and_grad(xp_, rng),
                   lambda shape, like: standard_normal(rng, shape, like))
    return gamma * res.mu_offset, x + res.mu_offset


class EntropyState(NamedTuple):
    """Anchor x, the outer transform's state, the outer step count t."""

    x: Any
    outer: Any
    t: int


@dataclass(frozen=True)
class EntropySGD:
    """Entropy-SGD: an :class:`InnerLoop` estimating ∇F, then an outer transform.

    Build it with :func:`entropy_sgd`, :func:`entropy_adam` or :func:`hj_proximal`.
    """

    inner: InnerLoop
    gamma: Schedule
    outer: GradientTransformation
    outer_step: str = "gamma"
    name: str = "entropy_sgd"

    def init(self, x0: Any) -> EntropyState:
        return EntropyState(x0, self.outer.init(x0), 0)

    def step(self, state: EntropyState, objective: Any, rng: np.random.Generator
             ) -> tuple[EntropyState, StepInfo]:
        gamma = checked("gamma", self.gamma, state.t)
        res = self.inner.run(state.x, gamma, lambda xp_: objective.loss_and_grad(xp_, rng),
                             lambda shape, like: standard_normal(rng, shape, like))
        # −∇F ≈ γ(x − μ) = −γ m; the scoped outer step drops the factor γ (§4.3)
        direction = (-gamma) * res.mu_offset if self.outer_step == "gamma" else -res.mu_offset
        u, outer = self.outer.update(direction, state.outer, state.x)
        info = StepInfo(float(res.loss), norm(direction), res.n_grad_evals, gamma)
        return EntropyState(state.x + u, outer, state.t + 1), info

    def params(self, state: EntropyState) -> Any:
        return state.x

    def current_gamma(self, state: EntropyState) -> float:
        """γ for the next outer step, γ(t)."""
        return float(self.gamma(state.t))


def _gamma_schedule(gamma: float | Schedule, scoping: float, gamma_max: float | None) -> Schedule:
    if callable(gamma):
        if scoping:
            raise bad_parameter("scoping", "0 when gamma is a schedule", scoping,
                                "put the growth into the schedule")
        return gamma
    as_schedule("gamma", gamma)
    return exponential_growth(float(gamma), check_nonnegative("scoping", scoping), gamma_max)


def entropy_sgd(lr: float | Schedule, gamma: float | Schedule = 0.03, *, n_inner: int = 20,
                inner_lr: float = 0.1, noise: float = 1e-4, alpha: float = 0.75,
                noise_convention: str = "paper", outer_step: str = "gamma",
                scoping: float = 0.0, gamma_max: float | None = None,
                momentum: float = 0.0, nesterov: bool = False,
                inner_momentum: float = 0.0, inner_nesterov: bool = False,
                inner_weight_decay: float = 0.0) -> EntropySGD:
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

    Notes
    -----
    Each outer step costs L minibatch gradients (the unused one at x of the reference
    code is not evaluated), so "effective epochs" count L per outer step.
    With L = 1, ε = 0, α = 1 the step is SGD with rate ηγη′ ("gamma") or ηη′ ("scoped").

    References
    ----------
    P. Chaudhari et al., "Entropy-SGD: biasing gradient descent into wide valleys",
    ICLR 2017, arXiv:1611.01838, Alg. 1, §4.2–4.3.

    Examples
    --------
    >>> opt = entropy_sgd(1.0, 1e-4, scoping=1e-3, n_inner=20, outer_step="scoped")
    """
    check_choice("outer_step", outer_step, OUTER_STEPS)
    inner = InnerLoop(n_inner, inner_lr, noise, alpha, noise_convention, inner_momentum,
                      inner_nesterov, inner_weight_decay)
    outer = sgd_transform(lr, momentum, nesterov)
    return EntropySGD(inner, _gamma_schedule(gamma, scoping, gamma_max), outer, outer_step)


def entropy_adam(lr: float | Schedule, gamma: float | Schedule = 0.01, *, n_inner: int = 5,
                 inner_lr: float = 0.1, noise: float = 1e-4, alpha: float = 0.75,
                 noise_convention: str = "paper", outer_step: str = "gamma",
                 scoping: float = 0.0, gamma_max: float | None = None, b1: float = 0.5,
                 b2: float = 0.999, eps: float = 1e-8) -> EntropySGD:
    """Entropy-Adam: Adam on the local-entropy gradient −γ(x − μ) estimated by SGLD.

    Same inner loop as :func:`entropy_sgd`; the outer step is Adam (the paper's
    char-LSTM run: L = 5, γ = 0.01, β₁ = 0.5).

    References
    ----------
    Chaudhari et al., arXiv:1611.01838, §4.3 and §5.4.2.
    """
    check_choice("outer_step", outer_step, OUTER_STEPS)
    inner = InnerLoop(n_inner, inner_lr, noise, alpha, noise_convention)
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
    """
    check_choice("outer_step", outer_step, OUTER_STEPS)
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

    def init(self, x0: Any) -> HopfLaxState:
        return HopfLaxState(x0, self.outer.init(x0), 0)

    def step(self, state: HopfLaxState, objective: Any, rng: np.random.Generator
             ) -> tuple[HopfLaxState, StepInfo]:
        gamma = checked("gamma", self.gamma, state.t)
        t = 1.0 / gamma
        loss, p = objective.loss_and_grad(state.x, rng)
        for _ in range(self.n_inner):
            _, g = objective.loss_and_grad(state.x - t * p, rng)
            p = self.beta1 * p + (1.0 - self.beta1) * g
        u, outer = self.outer.update(p, state.outer, state.x)
        info = StepInfo(float(loss), norm(p), self.n_inner + 1, gamma)
        return HopfLaxState(state.x + u, outer, state.t + 1), info

    def params(self, state: HopfLaxState) -> Any:
        return state.x


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
    """
    _int_at_least("n_inner", n_inner, 0, "pass the number of fixed-point updates L >= 0")
    if not 0 <= beta1 < 1:
        raise bad_parameter("beta1", "in [0, 1)", beta1)
    return HopfLaxSGD(int(n_inner), float(beta1), _gamma_schedule(gamma, scoping, gamma_max),
                      sgd_transform(lr, momentum, nesterov))
