"""The SGLD inner loop of Entropy-SGD / Parle: one generic step, one registered accelerator.

Symbols (Chaudhari et al. 2017, Alg. 1): x the anchor, (d,) or replicas (n, d); x′ the
inner iterate, δ = x′ − x; μ the running average of x′ and m = μ − x; γ the scope;
η′ the inner step; σ the noise amplitude; α the averaging weight on the newest
sample; L inner steps; k the averaging burn-in. Inner step ℓ = 1..L (lines 4–6),
written on δ so that x − μ carries no cancellation:

    ĝ = ĝ(x + δ_{ℓ−1})                       one minibatch
    δ_ℓ = (1 − η′γ) δ_{ℓ−1} − η′ ĝ + σξ      (plain: no inner momentum / decay)
    m_k = δ_k;  m_ℓ = (1 − α) m_{ℓ−1} + α δ_ℓ  for ℓ > k

so μ_L = x + m_L averages x′_k..x′_L with weights (1 − α)^{L−k} on x′_k and α(1 − α)^{L−ℓ}
on x′_ℓ. With k = 0, x′_0 = x carries the weight (1 − α)^L: a bias towards x that does
not vanish when L grows with α = c/L (it tends to e^{−c}); a burn-in k > 0 starts the
average at a sample of the chain instead.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import array_api_compat
import numpy as np

from .._core import (
    array_namespace,
    bad_parameter,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_nonnegative,
    check_positive,
)
from ._accel import (
    AVERAGE,
    SKIP,
    START,
    Accelerator,
    InnerScalars,
    find,
    flat,
    host_float64,
    inner_step_kernel,
    register,
)
from ._transforms import _zeros_like, check_momentum

__all__ = ["InnerLoop", "InnerResult", "NOISE_CONVENTIONS", "inner_temperature", "inner_step",
           "inner_options"]

#: Noise conventions of the SGLD line: name -> σ/ε as a function of η′.
NOISE_CONVENTIONS: dict[str, Callable[[float], float]] = {
    "paper": lambda lr: math.sqrt(lr),          # Alg. 1 line 5: √η′ ε N(0, I)
    "code": lambda lr: math.sqrt(2.0 * lr),     # entropy-sgd optim.py: ε/√(η′/2) on dx
}


def inner_temperature(noise: float, noise_convention: str = "paper") -> float:
    """The temperature T = σ²/(2η′) the inner loop samples at: ε²/2 ("paper") or ε² ("code").

    Examples
    --------
    >>> inner_temperature(0.1, "paper"), inner_temperature(0.1, "code")
    (0.005000000000000001, 0.010000000000000002)
    """
    noise = check_nonnegative("noise", noise)
    check_choice("noise_convention", noise_convention, NOISE_CONVENTIONS)
    return noise**2 / 2.0 if noise_convention == "paper" else noise**2


def inner_step(p: InnerScalars, x: Any, xcur: Any, delta: Any, m: Any, v: Any, g: Any, xi: Any,
               xnext: Any, phase: int, write_next: bool) -> tuple[Any, Any, Any, float]:
    """One inner step, generic array-API code; returns ``(delta, m, xnext, coupling)``.

    ``delta``, ``m`` and ``v`` are the loop's private buffers, updated in place; ``g``
    (the objective's array) and ``x`` are only read. ``xi`` is the normal draw (``None``
    when σ = 0). ``xnext`` = x + δ is returned as a new array (``None`` when not
    ``write_next``, after the last step). ``coupling``: γ‖δ‖/‖ĝ‖ with δ before the
    update, norms over all entries (replicas too: the ratio of their RMS norms, the
    convention of ``StepInfo.grad_norm``); the diagnostic of :class:`InnerResult`.
    :func:`~._accel.inner_step_kernel` is the fused twin (state bitwise equal, the
    coupling to round-off; tested).
    """
    xp = array_namespace(x)
    coupling = coupling_ratio(p.gamma, _sum_sq(xp, delta), _sum_sq(xp, g))
    if p.plain:
        delta *= p.c1           # δ ← (1 − η′γ)δ − η′ĝ: the coupling γδ fused into c₁
        delta -= p.lr * g
    else:
        gg = g + p.gamma * delta    # dx′ = ĝ(x′) + γ(x′ − x), Alg. 1 line 4
        if p.weight_decay:
            gg = gg + p.weight_decay * xcur
        if v is not None:       # momentum on the whole dx′ (the HJ / Parle code)
            v *= p.momentum
            v += gg
            gg = gg + p.momentum * v if p.nesterov else v
        delta -= p.lr * gg
    if xi is not None:
        delta += p.sigma * xi
    if phase == AVERAGE:
        m -= delta              # m ← (1 − α)(m − δ) + δ = (1 − α)m + αδ, no temporary
        m *= p.keep
        m += delta
    elif phase == START:
        m[...] = delta          # μ_k = x′_k: the average starts at the k-th sample
    return delta, m, (x + delta if write_next else None), coupling


def coupling_ratio(gamma: float, sq_delta: float, sq_g: float) -> float:
    """γ‖δ‖/‖ĝ‖ from the squared norms: 0 when γ‖δ‖ = 0 (no coupling force), inf when ĝ = 0 ≠ δ."""
    num = gamma * math.sqrt(sq_delta)   # sums of squares: ≥ 0, inf or NaN, all fine for sqrt
    if num == 0.0:
        return 0.0
    if sq_g == 0.0:
        return math.inf
    return num / math.sqrt(sq_g)


def _sum_sq(xp: Any, a: Any) -> float:
    """Σ aᵢ² over all entries, as a host float (row-wise ``vecdot``, then the rows)."""
    return float(xp.sum(xp.vecdot(a, a)))


def _inner_step_fused(p: InnerScalars, x: Any, xcur: Any, delta: Any, m: Any, v: Any, g: Any,
                      xi: Any, xnext: Any, phase: int, write_next: bool) -> tuple[Any, Any, Any, float]:
    """:func:`inner_step` as one pass (:func:`~._accel.inner_step_kernel`), ``xnext`` written in place."""
    sq_delta, sq_g = inner_step_kernel(p, flat(x), flat(xcur), flat(delta), flat(m), flat(v), flat(g),
                                       flat(xi), flat(xnext), phase, write_next)
    return delta, m, (xnext if write_next else None), coupling_ratio(p.gamma, sq_delta, sq_g)


register(Accelerator(
    "inner_step", "fused_inner_step",
    "x, x′, δ, ĝ, the average, momentum, noise and x′-out buffers numpy float64 C-contiguous of one size, "
    "Numba JIT enabled", "bitwise", host_float64, _inner_step_fused,
    note="the state (δ, m, momentum, x′) is bitwise equal; the coupling diagnostic's squared "
         "norms are summed in index order (round-off equal to vecdot)"))


class Workspace:
    """Buffers of the inner loop (δ, m, momentum, the kernel's x′), kept between runs.

    Allocating and first touching four d-vectors every outer step costs more than the
    zero-fill of reused ones (page faults: ≈ 7 ms per outer step at d = 10⁶ here).
    Per thread, so an optimizer shared by threads does not share its scratch.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def __getstate__(self) -> dict:   # scratch is not worth pickling (nor picklable)
        return {}

    def __setstate__(self, state: dict) -> None:
        self._local = threading.local()

    def buffers(self, x: Any, need_m: bool, need_v: bool) -> tuple[Any, Any, Any, Any]:
        """Zeroed δ, m, v (``None`` when not needed) and an x′ buffer (numpy only) shaped like x."""
        key = (type(x), tuple(x.shape), str(x.dtype), str(array_api_compat.device(x)))
        held = getattr(self._local, "held", None)
        if held is None or held[0] != key:
            numpy_x = isinstance(x, np.ndarray)
            held = (key, _zeros_like(x), _zeros_like(x), _zeros_like(x), np.empty_like(x) if numpy_x else None)
            self._local.held = held
        _, delta, m, v, xbuf = held
        fresh = [a for a in (delta, m if need_m else None, v if need_v else None) if a is not None]
        for a in fresh:
            a[...] = 0.0
        return delta, (m if need_m else None), (v if need_v else None), xbuf

    def noise_buffer(self, x: Any) -> Any:
        """A numpy float64 buffer shaped like ``x`` for the normal draws (``None`` off numpy)."""
        if not isinstance(x, np.ndarray):
            return None
        buf = getattr(self._local, "noise", None)
        if buf is None or buf.shape != x.shape:
            buf = self._local.noise = np.empty(x.shape)
        return buf


class InnerResult(NamedTuple):
    """m = μ − x (shape of x), δ = x′_L − x, the minibatch loss at x, gradient evaluations, coupling.

    ``coupling``: mean over the L evaluations of γ‖δ_{ℓ−1}‖/‖ĝ(x + δ_{ℓ−1})‖ (norms over
    all entries: for replicas the ratio of RMS norms); the first term is 0 since δ₀ = 0.
    """

    mu_offset: Any
    delta: Any
    loss: Any
    n_grad_evals: int
    coupling: float = math.nan


def inner_options(inner_momentum: Any, inner_nesterov: Any, inner_weight_decay: Any) -> tuple:
    """The inner-loop momentum options of a factory, checked under the factory's parameter names."""
    m = check_momentum("inner_momentum", inner_momentum)
    nesterov = check_bool("inner_nesterov", inner_nesterov)
    if nesterov and m == 0:
        raise bad_parameter("inner_momentum", "> 0 when inner_nesterov=True", m, "pass inner_momentum=0.9")
    return m, nesterov, check_nonnegative("inner_weight_decay", inner_weight_decay)


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
    avg_burn_in : int, default 0
        k ∈ [0, L]: inner steps before the running average starts; μ starts at the
        iterate x′_k after step k (k = 0: at x′_0 = x, Alg. 1 and the reference code)
        and averages from there. k > 0 removes the (1 − α)^{L} weight on x, the floor of
        the estimator's bias; k = L gives μ = x′_L, the last iterate.

    Notes
    -----
    The loop samples ρ(x′) ∝ exp(−[f(x′) + γ|x′ − x|²/2]/T) at T = σ²/(2η′)
    (:func:`inner_temperature`), by Euler–Maruyama with step η′.
    """

    n_inner: int
    inner_lr: float
    noise: float = 0.0
    alpha: float = 0.75
    noise_convention: str = "paper"
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    avg_burn_in: int = 0

    def __post_init__(self) -> None:
        s = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 - frozen fields
        s("n_inner", check_int("n_inner", self.n_inner, low=1,
                               fix="pass the number of SGLD steps L >= 1 (L = 0 is plain SGD: use sgd)"))
        s("inner_lr", check_positive("inner_lr", self.inner_lr))
        s("noise", check_nonnegative("noise", self.noise))
        s("alpha", check_float("alpha", self.alpha, low=0.0, high=1.0, low_inclusive=False,
                               fix="0.75 is the paper's weight on the newest sample, 0.25 the code's"))
        check_choice("noise_convention", self.noise_convention, NOISE_CONVENTIONS)
        s("momentum", check_momentum("momentum", self.momentum))
        s("nesterov", check_bool("nesterov", self.nesterov))
        if self.nesterov and self.momentum == 0:
            raise bad_parameter("momentum", "> 0 when nesterov=True", self.momentum, "pass momentum=0.9")
        s("weight_decay", check_nonnegative("weight_decay", self.weight_decay))
        s("avg_burn_in", check_int("avg_burn_in", self.avg_burn_in, low=0, high=self.n_inner,
                                   fix=f"pass 0 <= avg_burn_in <= n_inner = {self.n_inner}"))

    @property
    def temperature(self) -> float:
        """T = σ²/(2η′): ε²/2 ("paper") or ε² ("code")."""
        return inner_temperature(self.noise, self.noise_convention)

    def scalars(self, gamma: float) -> InnerScalars:
        """The kernel record for scope γ."""
        lr = self.inner_lr
        return InnerScalars(lr=lr, gamma=gamma, c1=1.0 - lr * gamma,
                            sigma=self.noise * NOISE_CONVENTIONS[self.noise_convention](lr),
                            keep=1.0 - self.alpha, momentum=self.momentum,
                            weight_decay=self.weight_decay, nesterov=self.nesterov,
                            plain=self.momentum == 0 and self.weight_decay == 0)

    def run(self, x: Any, gamma: float, sample: Callable[[Any], tuple[Any, Any]],
            normal: Callable[[tuple[int, ...], Any], Any], work: Workspace | None = None) -> InnerResult:
        """Run L inner steps from x′ = x; return m = μ − x, δ = x′_L − x, the loss at x, the coupling.

        ``sample(x′) -> (loss, ĝ(x′))`` draws one minibatch per call (the caller's
        generator); ``normal(shape, like)`` draws N(0, I). Works on x of shape (d,)
        or (n, d) (replicas, ``sample`` row-wise). ``x`` is never written to.
        ``work``: a :class:`Workspace` whose buffers are reused from run to run (the
        returned arrays then live in it until its next use); by default new buffers.
        """
        p = self.scalars(float(gamma))
        L, k = self.n_inner, self.avg_burn_in
        # α = 1 with k = 0 is the last iterate: no average buffer (μ − x = δ_L)
        need_m, need_v = not (self.alpha == 1 and k == 0), bool(self.momentum)
        delta, m, v, xbuf = (work or Workspace()).buffers(x, need_m, need_v)
        xcur, loss0, coupling = x, None, 0.0
        for step in range(1, L + 1):
            loss, g = sample(xcur)
            if step == 1:
                loss0 = loss
            xi = normal(tuple(x.shape), x) if p.sigma > 0 else None
            phase = SKIP if m is None or step < k else (START if step == k else AVERAGE)
            if step == 1:   # the buffers are fixed for the run: their check is made once
                acc = find("inner_step", x, xcur, delta, m, v, g, xi, xbuf)
            # ĝ and ξ are new arrays every step; the generic step is bitwise equal, so a
            # step whose ĝ fails the condition may run generically mid-loop
            run = inner_step if acc is None or not host_float64(x, g, xi) else acc.run
            delta, m, xcur, c = run(p, x, xcur, delta, m, v, g, xi, xbuf, phase, step < L)
            coupling += c   # γ‖x′ − x‖ / ‖ĝ(x′)‖ at the point just evaluated (0 at step 1)
        mu_offset = delta if m is None else m
        return InnerResult(mu_offset, delta, loss0, L, coupling / L)
