"""PyTorch-free networks on one flat parameter vector, with hand-written backpropagation.

Layers (:class:`Dense`, :class:`Conv2d` by im2col + GEMM, :class:`MaxPool2d`,
:class:`AvgPool2d`, :class:`ReLU`, :class:`Dropout`, :class:`BatchNorm`,
:class:`Flatten`) compose into a :class:`Sequential` model whose parameters are a
flat vector ``x`` of shape ``(d,)`` with per-layer views. Softmax cross-entropy and
weight decay give the loss; derivatives: gradients (:meth:`Sequential.loss_and_grad`),
vectorised per-sample gradients (:func:`per_sample_grads`), exact Hessian-vector
products by Pearlmutter's R-operator (:func:`hvp`, :func:`hvp_operator`) and dense
Hessians (:func:`hessian`). :class:`MinibatchObjective` feeds
:func:`deeprelax.optim.minimize`.

Trajectories: :func:`sgd_trajectory` runs SGD, its controls (isotropic noise,
full-batch GD) and the Gaussian SDE surrogate on any of these networks and records
once per epoch (the engine of SGD-VI Fig. 3).

Presets from the papers: :func:`mnistfc`, :func:`small_fc`, :func:`tiny_fc`,
:func:`small_lenet`, :func:`lenet`, :func:`esgd_small_lenet` (and the builder :func:`mlp`); the recurrent
:func:`char_lstm` (:class:`RecurrentNet` of :class:`Embedding`, :class:`LSTM`, batch norm over
the n·T positions, dense; stateful training by :class:`SequenceObjective`).
"""

from __future__ import annotations

from ._derivatives import (
    Evaluation,
    batch_norm_stats,
    evaluate,
    hessian,
    hvp,
    hvp_operator,
    per_sample_grads,
)
from ._layers import AvgPool2d, BatchNorm, Conv2d, Dense, Dropout, Flatten, Layer, MaxPool2d, ReLU
from ._mlp_kernel import MLPArch, mlp_arch, mlp_loss_grad
from ._model import Sequential, softmax_cross_entropy
from ._objective import MinibatchObjective
from ._presets import char_lstm, esgd_small_lenet, lenet, mlp, mnistfc, small_fc, small_lenet, tiny_fc
from ._recurrent import LSTM, Embedding, RecurrentNet, SequenceObjective, sequence_cross_entropy
from ._trajectory import NOISE_MODELS, Trajectory, sgd_trajectory

__all__ = [
    "Sequential",
    "Layer",
    "Dense",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "ReLU",
    "Dropout",
    "BatchNorm",
    "Flatten",
    "softmax_cross_entropy",
    "batch_norm_stats",
    "evaluate",
    "Evaluation",
    "per_sample_grads",
    "hvp",
    "hvp_operator",
    "hessian",
    "MinibatchObjective",
    "mlp",
    "mnistfc",
    "small_fc",
    "tiny_fc",
    "small_lenet",
    "lenet",
    "esgd_small_lenet",
    "char_lstm",
    "Embedding",
    "LSTM",
    "RecurrentNet",
    "SequenceObjective",
    "sequence_cross_entropy",
    "sgd_trajectory",
    "Trajectory",
    "NOISE_MODELS",
    "MLPArch",
    "mlp_arch",
    "mlp_loss_grad",
]
