"""Standard normals in any array namespace, drawn from a numpy ``Generator`` passed in.

The optimizer core never seeds anything globally: every random draw comes from the
``rng`` the caller passes (a :class:`numpy.random.Generator`). On numpy the draw is
``rng.standard_normal``; on cupy a device generator (Philox) is seeded from one
integer drawn from ``rng``, so the draw stays on the GPU and is still a function of
``rng``'s state; on other namespaces (``array_api_strict``) the draw is made on the
host and moved with ``xp.asarray``.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

from .._core import array_namespace

__all__ = ["standard_normal"]

#: Upper bound (exclusive) of the integer seed handed to a device generator.
_DEVICE_SEED_BOUND = 2**63


def standard_normal(rng: np.random.Generator, shape: tuple[int, ...], like: Any, out: Any = None) -> Any:
    """I.i.d. N(0, 1) of ``shape`` (float64) in the namespace and on the device of ``like``.

    ``out`` (numpy only, float64 of ``shape``): draw into it (the same numbers as a new
    array, without allocating and first-touching one per draw); ignored otherwise.
    """
    if isinstance(like, np.ndarray):
        if out is not None and out.shape == tuple(shape) and out.dtype == np.float64:
            return rng.standard_normal(out=out)
        return rng.standard_normal(shape)
    if array_api_compat.is_cupy_array(like):
        import cupy

        seed = int(rng.integers(_DEVICE_SEED_BOUND))
        gen = cupy.random.Generator(cupy.random.Philox4x3210(seed))
        return gen.standard_normal(shape, dtype=cupy.float64)
    xp = array_namespace(like)
    return xp.asarray(rng.standard_normal(shape), device=array_api_compat.device(like))

