"""Gradient clipping as named transforms of the optimizer chain (optax's names).

``clip(max_delta)`` clips every coordinate to [−max_delta, max_delta] (torch-rnn's
``grad_clip``, the authors' char-LSTM setting ±5); ``clip_by_global_norm(max_norm)``
rescales the whole vector to norm at most ``max_norm`` (PyTorch's
``clip_grad_norm_``). Both are stateless and elementwise/whole-vector, so they work on
``(d,)`` or replicas ``(n, d)`` (the norm is then per replica row), in any array-API
namespace; put them first in a :func:`~deeprelax.optim.chain`, or hand them to an
objective that clips every minibatch gradient (:class:`deeprelax.nn.SequenceObjective`).

References
----------
R. Pascanu, T. Mikolov & Y. Bengio, "On the difficulty of training recurrent neural
networks", ICML 2013, arXiv:1211.5063, Alg. 1 (clipping by norm).
"""

from __future__ import annotations

from typing import Any

from .._core import array_namespace, check_float
from ._transforms import EmptyState, GradientTransformation

__all__ = ["clip", "clip_by_global_norm"]


def clip(max_delta: float) -> GradientTransformation:
    """u = clip(g, −c, c) element-wise, c = ``max_delta`` > 0.

    Examples
    --------
    >>> import numpy as np
    >>> t = clip(1.0)
    >>> t.update(np.array([-3.0, 0.5, 2.0]), t.init(None), None)[0]
    array([-1. ,  0.5,  1. ])
    """
    c = check_float("max_delta", max_delta, low=0.0, low_inclusive=False,
                    fix="pass the element-wise bound, e.g. max_delta=5.0")

    def update(g: Any, s: EmptyState, x: Any) -> tuple[Any, EmptyState]:
        return array_namespace(g).clip(g, -c, c), s

    return GradientTransformation(lambda x: EmptyState(), update)


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """u = g · min(1, c/‖g‖), c = ``max_norm`` > 0 (per row for replicas ``(n, d)``).

    Examples
    --------
    >>> import numpy as np
    >>> t = clip_by_global_norm(1.0)
    >>> t.update(np.array([3.0, 4.0]), t.init(None), None)[0]
    array([0.6, 0.8])
    """
    c = check_float("max_norm", max_norm, low=0.0, low_inclusive=False,
                    fix="pass the norm bound, e.g. max_norm=5.0")

    def update(g: Any, s: EmptyState, x: Any) -> tuple[Any, EmptyState]:
        xp = array_namespace(g)
        nrm = xp.sqrt(xp.sum(g * g, axis=-1, keepdims=True))
        # g is returned unchanged (not a copy) where the norm is within the bound; the inner
        # where keeps c/0 out of the unused branch where g = 0 (where evaluates both)
        factor = xp.where(nrm > c, c / xp.where(nrm > 0, nrm, 1.0), 1.0)
        return g * factor, s

    return GradientTransformation(lambda x: EmptyState(), update)
