"""Reproducible random streams: seed -> one independent xoshiro256++ stream per path.

Path ``i`` of an ensemble draws from a stream whose state depends only on
``(seed, i)``: ``key = SeedSequence(seed)`` and ``state_i = splitmix64^4(mix(key ^ mix(i)))``.
So a path's numbers do not change with the ensemble size, the chunking of the
ensemble or the number of threads that run it.

Inside Numba kernels a stream is a ``uint64`` array of shape ``(4,)`` (one row of a
``(n_paths, 4)`` state array). Standard normals use the Marsaglia–Tsang ziggurat with
Doornik's 128-block double-precision tables (one 64-bit draw in ~99 % of calls: the
top 53 bits give the uniform, the low 7 bits the block, so the two are independent).

References
----------
D. Blackman and S. Vigna, "Scrambled linear pseudorandom number generators",
ACM TOMS 47 (2021). G. Marsaglia and W. W. Tsang, "The ziggurat method for generating
random variables", J. Stat. Softw. 5 (2000). J. A. Doornik, "An improved ziggurat
method to generate normal random samples" (2005).
"""

from __future__ import annotations

import numpy as np

from ._jit import jit, prange

__all__ = [
    "seed_key",
    "path_states",
    "rng_next",
    "rng_uniform",
    "rng_normal",
    "rng_next4",
    "rng_normal4",
    "fill_normals",
    "init_state",
]

_U64 = np.uint64
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53

# Ziggurat constants for 128 blocks (Doornik 2005).
_ZIG_C = 128
_ZIG_R = 3.442619855899
_ZIG_V = 9.91256303526217e-3


def _zig_tables() -> tuple[np.ndarray, np.ndarray]:
    # 128 strips of equal area V under f(x) = e^{−x²/2}, edges x[1] = R > x[2] > … > x[128] = 0.
    # Strip i ≥ 1 is the rectangle of width x[i] between heights f(x[i]) and f(x[i+1]), so
    # x[i−1]·(f(x[i]) − f(x[i−1])) = V gives x[i] = f⁻¹(V/x[i−1] + f(x[i−1])). Strip 0 is
    # the base under f(R) plus the tail beyond R, of area V too: x[0] = V/f(R) is the width
    # of a rectangle of that area, so strip 0 is drawn like the others.
    x = np.zeros(_ZIG_C + 1)
    f = np.exp(-0.5 * _ZIG_R * _ZIG_R)
    x[0] = _ZIG_V / f
    x[1] = _ZIG_R
    for i in range(2, _ZIG_C):
        x[i] = np.sqrt(-2.0 * np.log(_ZIG_V / x[i - 1] + f))
        f = np.exp(-0.5 * x[i] * x[i])
    x[_ZIG_C] = 0.0
    r = x[1:] / x[:-1]
    return x, r


_ZIG_X, _ZIG_RATIO = _zig_tables()


def seed_key(seed: int | np.random.SeedSequence | None) -> int:
    """The 64-bit stream key of ``seed`` (an int, a ``SeedSequence`` or ``None`` for fresh entropy).

    Returns the key as a Python int so it can be stored in results for a rerun.
    """
    # SeedSequence hashes the seed, so nearby seeds (0, 1, 2) give unrelated keys
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return int(ss.generate_state(1, dtype=np.uint64)[0])


@jit
def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@jit
def init_state(key, path, out):
    """Write the xoshiro256++ state of stream ``path`` under ``key`` into ``out`` (uint64[4])."""
    # The path index is mixed before it meets the key, so neighbouring paths start from
    # unrelated points; the four state words are then four splitmix64 outputs, the seeding
    # Blackman & Vigna recommend for xoshiro. uint64 arithmetic wraps mod 2⁶⁴ as intended.
    z = _mix64(np.uint64(key) ^ _mix64(np.uint64(path) + _GOLDEN))
    for k in range(4):
        z = z + _GOLDEN
        out[k] = _mix64(z)
    # The all-zero state is xoshiro's fixed point (every output 0). It cannot occur: _mix64
    # is a bijection (xor-shifts and odd multipliers) and its four inputs differ, so at most
    # one word is 0. The guard costs one comparison per stream.
    if out[0] == 0 and out[1] == 0 and out[2] == 0 and out[3] == 0:  # pragma: no cover
        out[0] = _GOLDEN


@jit(parallel=True)
def _path_states(key, first, n, out):
    for i in prange(n):
        init_state(key, first + np.uint64(i), out[i])


def path_states(seed_or_key: int | None, n_paths: int, first: int = 0, *, is_key: bool = False) -> np.ndarray:
    """States of paths ``first .. first + n_paths - 1`` as a ``(n_paths, 4)`` uint64 array.

    Parameters
    ----------
    seed_or_key : int or None
        A seed (hashed through :func:`seed_key`) or, with ``is_key=True``, a key.
    n_paths : int
        Number of streams.
    first : int
        Index of the first path (so chunk ``k`` of an ensemble gets the same streams
        it would get in one call).
    """
    key = int(seed_or_key) if is_key else seed_key(seed_or_key)
    out = np.empty((int(n_paths), 4), dtype=np.uint64)
    _path_states(np.uint64(key), np.uint64(first), int(n_paths), out)
    return out


@jit
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@jit
def rng_next(s):
    """Next 64-bit output of the xoshiro256++ stream ``s`` (uint64[4], advanced in place)."""
    result = _rotl(s[0] + s[3], 23) + s[0]
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@jit
def rng_uniform(s):
    """A uniform double in [0, 1) with 53 random bits."""
    return float(rng_next(s) >> np.uint64(11)) * _INV53


@jit
def _normal_tail(s, negative):
    # Marsaglia's tail method: the excess over R is −log U₁/R, accepted when −2 log U₂ ≥ x².
    # 1 − U lies in (0, 1] (U ∈ [0, 1) can be 0), so the log is always finite; x, y ≤ 0 here.
    while True:
        x = np.log(1.0 - rng_uniform(s)) / _ZIG_R
        y = np.log(1.0 - rng_uniform(s))
        if -2.0 * y >= x * x:
            break
    return x - _ZIG_R if negative else _ZIG_R - x


@jit
def rng_normal(s):
    """A standard normal draw (ziggurat)."""
    zx = _ZIG_X
    zr = _ZIG_RATIO
    while True:
        # one draw: the low 7 bits pick strip i, the top 53 bits a signed uniform u ∈ [−1, 1)
        r = rng_next(s)
        i = np.int64(r & np.uint64(0x7F))
        u = 2.0 * (float(r >> np.uint64(11)) * _INV53) - 1.0
        # |x| = |u|·x[i] < x[i+1]: inside the part of the strip that lies wholly under f
        if abs(u) < zr[i]:
            return u * zx[i]
        if i == 0:
            return _normal_tail(s, u < 0.0)
        # the wedge: a uniform height between f(x[i]) and f(x[i+1]), both divided by f(x)
        # (f0 ≤ 1 ≤ f1), is accepted when it lies below the curve, i.e. below 1
        x = u * zx[i]
        f0 = np.exp(-0.5 * (zx[i] * zx[i] - x * x))
        f1 = np.exp(-0.5 * (zx[i + 1] * zx[i + 1] - x * x))
        if f1 + rng_uniform(s) * (f0 - f1) < 1.0:
            return x


# Register-friendly twins: the state travels as four uint64 scalars (arguments and
# returned tuple) instead of an array, so LLVM keeps it in registers even next to float
# stores it cannot prove do not alias a state array. They produce exactly the numbers of
# rng_next / rng_normal: ``z, s0, s1, s2, s3 = rng_normal4(s0, s1, s2, s3)``.
@jit
def rng_next4(s0, s1, s2, s3):
    """:func:`rng_next` on a state held in scalars: returns (output, s0, s1, s2, s3)."""
    result = _rotl(s0 + s3, 23) + s0
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@jit
def _uniform4(s0, s1, s2, s3):
    r, s0, s1, s2, s3 = rng_next4(s0, s1, s2, s3)
    return float(r >> np.uint64(11)) * _INV53, s0, s1, s2, s3


@jit
def _normal_slow4(i, u, s0, s1, s2, s3):
    """The rare branches of :func:`rng_normal` (tail, wedge, rejection), state in scalars."""
    zx = _ZIG_X
    zr = _ZIG_RATIO
    # The same branches in the same order as rng_normal, drawing the same words: the numbers
    # must match rng_normal's bit for bit (em_linear's bitwise equality rests on it).
    while True:
        if i == 0:
            while True:
                u1, s0, s1, s2, s3 = _uniform4(s0, s1, s2, s3)
                x = np.log(1.0 - u1) / _ZIG_R
                u2, s0, s1, s2, s3 = _uniform4(s0, s1, s2, s3)
                y = np.log(1.0 - u2)
                if -2.0 * y >= x * x:
                    break
            return (x - _ZIG_R if u < 0.0 else _ZIG_R - x), s0, s1, s2, s3
        x = u * zx[i]
        f0 = np.exp(-0.5 * (zx[i] * zx[i] - x * x))
        f1 = np.exp(-0.5 * (zx[i + 1] * zx[i + 1] - x * x))
        u3, s0, s1, s2, s3 = _uniform4(s0, s1, s2, s3)
        if f1 + u3 * (f0 - f1) < 1.0:
            return x, s0, s1, s2, s3
        r, s0, s1, s2, s3 = rng_next4(s0, s1, s2, s3)
        i = np.int64(r & np.uint64(0x7F))
        u = 2.0 * (float(r >> np.uint64(11)) * _INV53) - 1.0
        if abs(u) < zr[i]:
            return u * zx[i], s0, s1, s2, s3


@jit
def rng_normal4(s0, s1, s2, s3):
    """:func:`rng_normal` on a state held in scalars: returns (z, s0, s1, s2, s3)."""
    r, s0, s1, s2, s3 = rng_next4(s0, s1, s2, s3)
    i = np.int64(r & np.uint64(0x7F))
    u = 2.0 * (float(r >> np.uint64(11)) * _INV53) - 1.0
    if abs(u) < _ZIG_RATIO[i]:
        return u * _ZIG_X[i], s0, s1, s2, s3
    return _normal_slow4(i, u, s0, s1, s2, s3)


@jit(parallel=True)
def fill_normals(states, out):
    """Fill ``out[i, ...]`` with standard normals from stream ``states[i]`` (in parallel over i).

    ``out`` has shape ``(n_paths, m)``; row i uses only ``states[i]``.
    """
    n, m = out.shape
    for i in prange(n):
        s = states[i]
        for j in range(m):
            out[i, j] = rng_normal(s)
