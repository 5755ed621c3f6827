"""The papers' landscapes as cached, module-level Numba kernels.

Symbols: ``x`` float64[d] a point, ``p`` float64[n_params] runtime parameters,
``out`` the preallocated gradient (float64[d]) or Hessian (float64[d, d]).
"""

from __future__ import annotations

import math

import numpy as np

from .._core import as_float_array, bad_parameter, check_finite, jit
from .._core._validate import check_float, check_int, check_seed, is_symmetric
from ._base import Landscape, VectorField

__all__ = [
    "quadratic",
    "double_well",
    "muller_brown",
    "example19",
    "sharp_wide",
    "relaxation_1d",
]


# ---------------------------------------------------------------- quadratic
# p = [H (d*d, row-major), c (d)];  f = ½ (x − c)ᵀ H (x − c)
@jit
def _quad_value(x, p):
    d = x.shape[0]
    s = 0.0
    for i in range(d):
        yi = x[i] - p[d * d + i]
        for j in range(d):
            s += yi * p[i * d + j] * (x[j] - p[d * d + j])
    return 0.5 * s


@jit
def _quad_grad(x, p, out):
    # ∇(½yᵀHy) = ½(H + Hᵀ)y: the symmetric part keeps this the true gradient of _quad_value
    # even for params set through with_params, which does not re-check symmetry
    d = x.shape[0]
    for i in range(d):
        s = 0.0
        for j in range(d):
            s += 0.5 * (p[i * d + j] + p[j * d + i]) * (x[j] - p[d * d + j])
        out[i] = s


@jit
def _quad_hess(x, p, out):
    d = x.shape[0]
    for i in range(d):
        for j in range(d):
            out[i, j] = 0.5 * (p[i * d + j] + p[j * d + i])


def quadratic(H: np.ndarray, center: np.ndarray | None = None) -> Landscape:
    """f(x) = ½ (x − c)ᵀ H (x − c).

    Parameters
    ----------
    H : array_like, shape (d, d)
        Symmetric Hessian (need not be definite).
    center : array_like, shape (d,), optional
        The critical point c (default 0).
    """
    H = np.atleast_2d(as_float_array("H", H))
    if H.size == 0:
        raise bad_parameter("H", "a non-empty square matrix", f"shape {H.shape}")
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise bad_parameter("H", "a square matrix", f"shape {H.shape}")
    check_finite("H", H)
    if not is_symmetric(H):
        raise bad_parameter("H", "a symmetric matrix", "a non-symmetric one", "pass (H + H.T) / 2")
    d = H.shape[0]
    c = np.zeros(d) if center is None else as_float_array("center", center, shape=(d,))
    check_finite("center", c)
    p = np.concatenate([H.ravel(), c])
    # "gradient": "linear" declares ∇f(x) = H(x − c) with params = [H (row-major), c], so the
    # SDE room runs −∇f as its linear drift on the *current* params (with_params included)
    meta = {"H": H, "center": c, "gradient": "linear"}
    return Landscape(d, _quad_value, _quad_grad, _quad_hess, p, "quadratic", meta)


# ---------------------------------------------------------------- double well
# p = [h, kappa];  f = h (x₀² − 1)² + ½ κ Σ_{i≥1} x_i²
@jit
def _dw_value(x, p):
    s = p[0] * (x[0] * x[0] - 1.0) ** 2
    for i in range(1, x.shape[0]):
        s += 0.5 * p[1] * x[i] * x[i]
    return s


@jit
def _dw_grad(x, p, out):
    out[0] = 4.0 * p[0] * x[0] * (x[0] * x[0] - 1.0)
    for i in range(1, x.shape[0]):
        out[i] = p[1] * x[i]


@jit
def _dw_hess(x, p, out):
    out[:, :] = 0.0
    out[0, 0] = p[0] * (12.0 * x[0] * x[0] - 4.0)
    for i in range(1, x.shape[0]):
        out[i, i] = p[1]


def double_well(dim: int = 1, barrier: float = 1.0, kappa: float = 1.0) -> Landscape:
    """f(x) = h (x₀² − 1)² + ½ κ Σ_{i≥1} xᵢ²: minima at x₀ = ±1, barrier height h at x₀ = 0."""
    dim = check_int("dim", dim, low=1)
    barrier = check_float("barrier", barrier)
    kappa = check_float("kappa", kappa)
    p = np.array([barrier, kappa])
    return Landscape(dim, _dw_value, _dw_grad, _dw_hess, p, "double_well",
                     {"barrier": float(barrier), "kappa": float(kappa), "minima": [(-1.0,), (1.0,)]})


# ---------------------------------------------------------------- Müller–Brown
_MB = np.array([
    [-200.0, -100.0, -170.0, 15.0],  # A
    [-1.0, -1.0, -6.5, 0.7],  # a
    [0.0, 0.0, 11.0, 0.6],  # b
    [-10.0, -10.0, -6.5, 0.7],  # c
    [1.0, 0.0, -0.5, -1.0],  # x0
    [0.0, 0.5, 1.5, 1.0],  # y0
])


@jit
def _mb_value(x, p):
    s = 0.0
    for k in range(4):
        dx = x[0] - p[16 + k]
        dy = x[1] - p[20 + k]
        s += p[k] * math.exp(p[4 + k] * dx * dx + p[8 + k] * dx * dy + p[12 + k] * dy * dy)
    return s * p[24]


@jit
def _mb_grad(x, p, out):
    out[0] = 0.0
    out[1] = 0.0
    for k in range(4):
        dx = x[0] - p[16 + k]
        dy = x[1] - p[20 + k]
        e = p[k] * math.exp(p[4 + k] * dx * dx + p[8 + k] * dx * dy + p[12 + k] * dy * dy)
        out[0] += e * (2.0 * p[4 + k] * dx + p[8 + k] * dy)
        out[1] += e * (p[8 + k] * dx + 2.0 * p[12 + k] * dy)
    out[0] *= p[24]
    out[1] *= p[24]


@jit
def _mb_hess(x, p, out):
    out[:, :] = 0.0
    for k in range(4):
        dx = x[0] - p[16 + k]
        dy = x[1] - p[20 + k]
        e = p[k] * math.exp(p[4 + k] * dx * dx + p[8 + k] * dx * dy + p[12 + k] * dy * dy)
        gx = 2.0 * p[4 + k] * dx + p[8 + k] * dy
        gy = p[8 + k] * dx + 2.0 * p[12 + k] * dy
        out[0, 0] += e * (gx * gx + 2.0 * p[4 + k])
        out[0, 1] += e * (gx * gy + p[8 + k])
        out[1, 1] += e * (gy * gy + 2.0 * p[12 + k])
    out[0, 0] *= p[24]
    out[0, 1] *= p[24]
    out[1, 1] *= p[24]
    out[1, 0] = out[0, 1]


def muller_brown(scale: float = 1.0) -> Landscape:
    """The Müller–Brown potential, f(x, y) = s Σₖ Aₖ exp(aₖ(x−x₀ₖ)² + bₖ(x−x₀ₖ)(y−y₀ₖ) + cₖ(y−y₀ₖ)²).

    Three minima near (−0.558, 1.442), (0.623, 0.028), (−0.050, 0.467). ``scale``
    multiplies f (e.g. 0.01 to bring the barrier to O(1)).

    References
    ----------
    K. Müller and L. D. Brown, Theor. Chim. Acta 53, 75 (1979).
    """
    scale = check_float("scale", scale)
    p = np.concatenate([_MB.ravel(), [scale]])
    minima = [(-0.558224, 1.441726), (0.623499, 0.028038), (-0.050011, 0.466694)]
    return Landscape(2, _mb_value, _mb_grad, _mb_hess, p, "muller_brown", {"minima": minima, "scale": scale})


# ---------------------------------------------------------------- Example 19
# Φ = (x₁² − 1)²/4 + x₂²/2,  j = λ e^{Φ} e^{−r⁴/4} (−x₂, x₁),  drift b = −∇Φ + j.  p = [λ]
@jit
def _phi19(x0, x1):
    return 0.25 * (x0 * x0 - 1.0) ** 2 + 0.5 * x1 * x1


@jit
def _ex19_phi_value(x, p):
    return _phi19(x[0], x[1])


@jit
def _ex19_phi_grad(x, p, out):
    out[0] = x[0] * (x[0] * x[0] - 1.0)
    out[1] = x[1]


@jit
def _ex19_phi_hess(x, p, out):
    out[0, 0] = 3.0 * x[0] * x[0] - 1.0
    out[0, 1] = 0.0
    out[1, 0] = 0.0
    out[1, 1] = 1.0


@jit
def _ex19_j(x, p, out):
    # e^{Φ} and e^{−r⁴/4} in one exponent: e^{Φ} alone overflows for |x₁| ≳ 7.4, while
    # Φ − r⁴/4 = ¼ − x₁²/2 + x₂²/2 − x₁²x₂²/2 − x₂⁴/4 ≤ ½ everywhere
    r2 = x[0] * x[0] + x[1] * x[1]
    s = p[0] * math.exp(_phi19(x[0], x[1]) - 0.25 * r2 * r2)
    out[0] = -s * x[1]
    out[1] = s * x[0]


@jit
def _ex19_drift(x, p, out):
    r2 = x[0] * x[0] + x[1] * x[1]
    s = p[0] * math.exp(_phi19(x[0], x[1]) - 0.25 * r2 * r2)
    out[0] = -x[0] * (x[0] * x[0] - 1.0) - s * x[1]
    out[1] = -x[1] + s * x[0]


def example19(lam: float = 1.0) -> VectorField:
    """The force field of Chaudhari & Soatto (2018), Example 19: b = −∇Φ + j.

    Φ(x) = (x₁² − 1)²/4 + x₂²/2 and j(x) = λ e^{Φ(x)} e^{−r⁴/4} (−x₂, x₁), r = |x|.
    Since ∇·(j e^{−Φ}) = 0, dx = b dt + √2 dW has the stationary density ∝ e^{−Φ}
    for every λ, while the circulation grows with λ. The drift is not a gradient, so
    this is a :class:`VectorField`, with ``.potential`` (Φ) and ``.circulation`` (j).

    Parameters
    ----------
    lam : float
        Strength λ of the rotational part (the paper's figure uses 0, 0.5, 1.5).

    References
    ----------
    P. Chaudhari and S. Soatto, "Stochastic gradient descent performs variational
    inference, converges to limit cycles for deep networks", ICLR 2018,
    arXiv:1710.11029, Example 19 and Fig. 4.
    """
    lam = check_float("lam", lam)
    p = np.array([lam])
    phi = Landscape(2, _ex19_phi_value, _ex19_phi_grad, _ex19_phi_hess, p, "example19_phi")
    j = VectorField(2, _ex19_j, p, "example19_j")
    return VectorField(2, _ex19_drift, p, "example19", potential=phi, circulation=j,
                       meta={"lam": lam, "beta": 1.0, "minima": [(-1.0, 0.0), (1.0, 0.0)]})


# ---------------------------------------------------------------- sharp / wide 1-D
# f = −A_s g_s − A_w g_w + c x⁴,  g = exp(−(x − m)²/(2w²));  p = [A_s, m_s, w_s, A_w, m_w, w_w, c]
@jit
def _sw_value(x, p):
    y = x[0]
    gs = math.exp(-0.5 * ((y - p[1]) / p[2]) ** 2)
    gw = math.exp(-0.5 * ((y - p[4]) / p[5]) ** 2)
    return -p[0] * gs - p[3] * gw + p[6] * y**4


@jit
def _sw_grad(x, p, out):
    y = x[0]
    gs = math.exp(-0.5 * ((y - p[1]) / p[2]) ** 2)
    gw = math.exp(-0.5 * ((y - p[4]) / p[5]) ** 2)
    out[0] = p[0] * gs * (y - p[1]) / p[2] ** 2 + p[3] * gw * (y - p[4]) / p[5] ** 2 + 4.0 * p[6] * y**3


@jit
def _sw_hess(x, p, out):
    y = x[0]
    zs = (y - p[1]) / p[2]
    zw = (y - p[4]) / p[5]
    gs = math.exp(-0.5 * zs * zs)
    gw = math.exp(-0.5 * zw * zw)
    out[0, 0] = p[0] * gs * (1.0 - zs * zs) / p[2] ** 2 + p[3] * gw * (1.0 - zw * zw) / p[5] ** 2 \
        + 12.0 * p[6] * y * y


def sharp_wide(
    sharp_depth: float = 1.0,
    sharp_at: float = -1.0,
    sharp_width: float = 0.05,
    wide_depth: float = 0.7,
    wide_at: float = 1.0,
    wide_width: float = 0.5,
    confine: float = 0.01,
) -> Landscape:
    """A 1-D landscape with a sharp deep minimum and a wide shallower one (Entropy-SGD Fig. 2).

    f(x) = −A_s exp(−(x − m_s)²/2w_s²) − A_w exp(−(x − m_w)²/2w_w²) + c x⁴.
    With the defaults the global minimum of f is the sharp valley at x ≈ −1 (depth 1,
    width 0.05), while local entropy −F(x, γ) at small γ is lowest in the wide valley
    at x ≈ 1 (depth 0.7, width 0.5). The quartic term keeps e^{−f} integrable.

    References
    ----------
    P. Chaudhari et al., "Entropy-SGD: biasing gradient descent into wide valleys",
    ICLR 2017, arXiv:1611.01838, Fig. 2.
    """
    vals = [
        check_float("sharp_depth", sharp_depth), check_float("sharp_at", sharp_at),
        check_float("sharp_width", sharp_width, low=0.0, low_inclusive=False),
        check_float("wide_depth", wide_depth), check_float("wide_at", wide_at),
        check_float("wide_width", wide_width, low=0.0, low_inclusive=False),
        check_float("confine", confine, low=0.0),
    ]
    p = np.array(vals)
    meta = {"sharp": float(sharp_at), "wide": float(wide_at), "bounds": (-3.0, 3.0)}
    return Landscape(1, _sw_value, _sw_grad, _sw_hess, p, "sharp_wide", meta)


# ---------------------------------------------------------------- Deep Relaxation 1-D
# f = a x² + b sin(2π x) + σ_n √(2/K) Σ_k cos(ω_k x + φ_k)
# p = [a, b, σ_n, K, ω_1..ω_K, φ_1..φ_K]
@jit
def _rx_value(x, p):
    y = x[0]
    K = int(p[3])
    s = 0.0
    for k in range(K):
        s += math.cos(p[4 + k] * y + p[4 + K + k])
    return p[0] * y * y + p[1] * math.sin(2.0 * math.pi * y) + p[2] * math.sqrt(2.0 / max(K, 1)) * s


@jit
def _rx_grad(x, p, out):
    y = x[0]
    K = int(p[3])
    s = 0.0
    for k in range(K):
        s -= p[4 + k] * math.sin(p[4 + k] * y + p[4 + K + k])
    out[0] = 2.0 * p[0] * y + 2.0 * math.pi * p[1] * math.cos(2.0 * math.pi * y) \
        + p[2] * math.sqrt(2.0 / max(K, 1)) * s


@jit
def _rx_hess(x, p, out):
    y = x[0]
    K = int(p[3])
    s = 0.0
    for k in range(K):
        s -= p[4 + k] ** 2 * math.cos(p[4 + k] * y + p[4 + K + k])
    out[0, 0] = 2.0 * p[0] - (2.0 * math.pi) ** 2 * p[1] * math.sin(2.0 * math.pi * y) \
        + p[2] * math.sqrt(2.0 / max(K, 1)) * s


#: Number of random Fourier features of the smoothed noise.
RELAXATION_NOISE_FEATURES = 256


def relaxation_1d(
    quad: float = 1.0,
    amplitude: float = 1.5,
    noise: float = 0.0,
    noise_length: float = 0.03,
    seed: int | None = 0,
) -> Landscape:
    """The Deep-Relaxation illustration f(x) = x² + 1.5 sin(2πx), with optional smoothed noise.

    f(x) = a x² + b sin(2πx) + σₙ n(x), where n is a seeded smooth stationary Gaussian
    process with unit variance and squared-exponential correlation
    E[n(x)n(y)] = exp(−(x − y)²/(2ℓ²)), built from 256 random Fourier features
    (ω ~ N(0, ℓ⁻²), φ ~ U[0, 2π)), so f, f′ and f″ stay analytic.

    The authors' ``hjb.py`` smooths uniform noise of amplitude 5 with a Gaussian of
    width 0.03 on a 500-point grid over [−3, 3]; its standard deviation is about
    0.5, so ``noise=0.5, noise_length=0.03`` is the closest match.

    References
    ----------
    P. Chaudhari, A. Oberman, S. Osher, S. Soatto, G. Carlier, "Deep relaxation:
    partial differential equations for optimizing deep neural networks",
    Res. Math. Sci. 5 (2018), arXiv:1704.04932.
    """
    quad = check_float("quad", quad)
    amplitude = check_float("amplitude", amplitude)
    noise = check_float("noise", noise, low=0.0)
    noise_length = check_float("noise_length", noise_length, low=0.0, low_inclusive=False)
    seed = check_seed("seed", seed)
    # random Fourier features (Rahimi & Recht 2007): with ω ~ N(0, ℓ⁻²), φ ~ U[0, 2π),
    # E[2cos(ωx + φ)cos(ωy + φ)] = E[cos ω(x − y)] = e^{−(x−y)²/(2ℓ²)}, so √(2/K)Σ cos has
    # unit variance and the squared-exponential correlation
    K = RELAXATION_NOISE_FEATURES if noise > 0 else 0
    rng = np.random.default_rng(seed)
    omega = rng.normal(0.0, 1.0 / noise_length, K)
    phase = rng.uniform(0.0, 2.0 * np.pi, K)
    p = np.concatenate([[quad, amplitude, noise, K], omega, phase]).astype(np.float64)
    meta = {"quad": quad, "amplitude": amplitude, "noise": noise, "noise_length": noise_length,
            "seed": seed, "bounds": (-3.0, 3.0)}
    return Landscape(1, _rx_value, _rx_grad, _rx_hess, p, "relaxation_1d", meta)
