"""Entropy-SGD Fig. 1 / 3a: Hessian eigenspectrum of a small MNIST net at the end of training.

A one-hidden-layer ReLU net on 7x7 MNIST (sklearn 8x8 digits when the MNIST files are
absent; recorded in ``info``) is trained by SGD with momentum, then the exact Hessian of
the mean training loss over ``n_train`` samples (≥ 4096 at full scale) is assembled from
exact Hessian-vector products (:func:`deeprelax.nn.hessian`) and diagonalised in float64
(:func:`deeprelax.analysis._spectra.hessian_eigvalsh`). Lanczos extremes and an SLQ
density on the HVP operator are checked against the dense eigenvalues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deeprelax import nn
from deeprelax.analysis._deepnet import mlp_loss_grad, sgd_trajectory
from deeprelax.analysis._spectra import hessian_eigvalsh, lanczos_extremes, slq_density
from experiments._base import Results, check_row, config_dict
from experiments.noise_spectrum import small_mnist

NAME = "hessian_spectrum"
TITLE = "Hessian eigenspectrum at the end of training (dense eigh, Lanczos, SLQ)"

#: Entropy-SGD §5.1 (small-LeNet, 47,658 parameters).
PAPER = {"frac_abs_lt_1e-4": 0.94, "lambda_max": 40.0, "lambda_min": -0.46}


@dataclass(frozen=True)
class Config:
    """Quick scale by default; ``full()`` (and ``paper()`` where defined) give the other scales.

    Attributes
    ----------
    hidden
        width of the one-hidden-layer ReLU net
    n_classes
        digit classes used (the first n_classes)
    n_train
        training images; the Hessian is of the mean loss over them
    epochs
        SGD epochs before the Hessian is taken
    lr
        SGD learning rate
    momentum
        SGD momentum
    batch_size
        minibatch size
    gd_epochs
        full-batch GD epochs after SGD, towards the critical point (0: none)
    slq_probes
        random probe vectors of the SLQ density estimate
    slq_steps
        Lanczos steps per SLQ probe
    seed
        seed of the data subset, initialisation and minibatches
    """

    hidden: int = 16
    n_classes: int = 10
    n_train: int = 2048
    epochs: int = 100
    lr: float = 0.05
    momentum: float = 0.9
    batch_size: int = 128
    gd_epochs: int = 50
    slq_probes: int = 8
    slq_steps: int = 40
    seed: int = 0

    @classmethod
    def full(cls) -> Config:
        """49-64-10 (3,850 parameters) on the full 8,000-image training split (>= 4096)."""
        return cls(hidden=64, n_train=8000, epochs=400, gd_epochs=200, slq_probes=32,
                   slq_steps=120)


def run(config: Config, *, progress: bool = False) -> Results:
    c = config
    X, y, src, shape = small_mnist(c.n_train, c.n_classes, c.seed)
    model = nn.mlp(shape, (c.hidden,), c.n_classes, name="mlp")
    x = model.init(c.seed)
    tr = sgd_trajectory(model, X, y, x, lr=c.lr, momentum=c.momentum, batch_size=c.batch_size,
                        n_epochs=c.epochs, burn_in=0, record=[0], seed=c.seed, progress=progress)
    x = tr.x_final
    if c.gd_epochs:  # polish towards the critical point with full-batch GD
        x = sgd_trajectory(model, X, y, x, noise="none", lr=c.lr, momentum=c.momentum,
                           batch_size=c.batch_size, n_epochs=c.gd_epochs, burn_in=0,
                           record=[0]).x_final
    loss, g = mlp_loss_grad(model, x, X, y)
    H = nn.hessian(model, x, X, y)
    spec = hessian_eigvalsh(H)
    op = nn.hvp_operator(model, x, X, y)
    lz = lanczos_extremes(op, k=5, tol=1e-8)
    slq = slq_density(op, n_probes=c.slq_probes, n_steps=c.slq_steps, seed=c.seed)
    s = spec.summary
    frac_slq, frac_se = slq.fraction_below(1e-2 * spec.lambda_max)
    info: dict[str, Any] = {"data": src, "n_train": int(X.shape[0]), "dim": model.dim,
                            "loss": loss, "grad_norm": float(np.linalg.norm(g)),
                            "summary": s, "lanczos": lz.message, "slq": slq.message,
                            "paper": PAPER}
    arrays = {"eigenvalues": spec.eigenvalues, "slq_nodes": slq.nodes, "slq_weights": slq.weights}
    note = f"{src}, d={model.dim}, N={X.shape[0]}, |grad f|={np.linalg.norm(g):.2g}"
    checks = (
        check_row("fraction of |λ| < 1e-4 (absolute)", "Chaudhari et al. 2017, §5.1 / Fig. 1 "
                  "(≈94 % for small-LeNet)", s["frac_abs_lt_0.0001"], None, "~", note=note),
        check_row("fraction of |λ| < 1e-2·λ_max", "Chaudhari et al. 2017, Fig. 3a (90 % at "
                  "|λ| ≤ 1e-2 for small-mnistfc)", s["frac_rel_lt_0.01"], None, "~", note=note),
        check_row("λ_max", "Chaudhari et al. 2017, §5.1 (≈40 for small-LeNet)",
                  spec.lambda_max, None, "~", note=note),
        check_row("λ_min (short negative tail)", "Chaudhari et al. 2017, §5.1 (−0.46)",
                  spec.lambda_min, None, "~", note=f"|λ_min|/λ_max = {s['neg_tail_ratio']:.3g}"),
        check_row("negative tail shorter than the positive one: |λ_min|/λ_max", "Chaudhari et "
                  "al. 2017, §5.1", s["neg_tail_ratio"], 0.1, "<=", note=note),
        check_row("Lanczos λ_max equals dense eigh", "method check", lz.largest[0],
                  spec.lambda_max, "==", tol=1e-6 * abs(spec.lambda_max), note=lz.message),
        check_row("Lanczos λ_min equals dense eigh", "method check", lz.smallest[0],
                  spec.lambda_min, "==", tol=1e-6 * abs(spec.lambda_max), note=lz.message),
        check_row("SLQ fraction |λ| < 1e-2 λ_max vs dense", "method check", frac_slq,
                  s["frac_rel_lt_0.01"], "==", tol=4 * frac_se + 0.05,
                  note=f"SE {frac_se:.2g} over {c.slq_probes} probes (+0.05 quadrature slack)"),
    )
    return Results(NAME, config_dict(c), arrays, info, checks)
