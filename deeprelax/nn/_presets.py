"""The networks of the papers, as :class:`~deeprelax.nn.Sequential` presets.

Parameter counts are stated in each docstring and pinned by the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._core import ShapeError, bad_parameter
from .._core._validate import check_bool, check_float, check_int
from ._layers import BatchNorm, Conv2d, Dense, Dropout, Flatten, Layer, MaxPool2d, ReLU
from ._model import Sequential
from ._recurrent import RecurrentNet

__all__ = ["mlp", "mnistfc", "small_fc", "tiny_fc", "small_lenet", "lenet", "char_lstm", "esgd_small_lenet"]

#: Largest width or input side a preset accepts (a typo such as 10**9 units would exhaust memory).
MAX_WIDTH = 2**24


def _sizes(name: str, value: object, *, ndim: int | None = None, allow_empty: bool = False) -> tuple[int, ...]:
    """A sequence of positive integers (``hidden``, ``input_shape``), each checked by name."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray) or np.ndim(value) != 1:
        raise bad_parameter(name, "a sequence of positive integers", value, f"pass e.g. {name}=(64,)")
    out = tuple(check_int(f"{name}[{i}]", v, low=1, high=MAX_WIDTH) for i, v in enumerate(value))
    if not out and not allow_empty:
        raise bad_parameter(name, "a non-empty sequence of positive integers", value)
    if ndim is not None and len(out) != ndim:
        raise bad_parameter(name, f"{ndim} positive integers", value, cls=ShapeError)
    return out


def _rate(name: str, value: object) -> float:
    return check_float(name, value, low=0.0, high=1.0, high_inclusive=False, fix=f"pass 0 <= {name} < 1")


def mlp(input_shape: Sequence[int], hidden: Sequence[int], n_classes: int, *, dropout: float = 0.0,
        input_dropout: float = 0.0, batch_norm: bool = False, name: str = "mlp") -> Sequential:
    """Fully connected ReLU network: ``[Dropout] -> (Dense -> [BN] -> ReLU -> [Dropout])* -> Dense``.

    Parameters
    ----------
    input_shape : tuple of int
        One sample's shape; flattened first.
    hidden : sequence of int
        Hidden widths.
    n_classes : int
    dropout : float
        Rate after every hidden layer (0: none).
    input_dropout : float
        Rate on the input (0: none).
    batch_norm : bool
        Batch norm after every hidden dense layer (2 parameters per unit).
    name : str
        A label.

    Raises
    ------
    ParameterError
        A width or size that is not a positive integer (``hidden=[2.5]``, ``hidden=[-5]``),
        ``n_classes < 2``, a rate outside [0, 1), a non-bool ``batch_norm``.
    """
    input_shape = _sizes("input_shape", input_shape)
    hidden = _sizes("hidden", hidden, allow_empty=True)
    n_classes = check_int("n_classes", n_classes, low=2, high=MAX_WIDTH, fix="a classifier needs >= 2 classes")
    dropout = _rate("dropout", dropout)
    input_dropout = _rate("input_dropout", input_dropout)
    batch_norm = check_bool("batch_norm", batch_norm)
    if not isinstance(name, str):
        raise bad_parameter("name", "a string", name)
    n_in = 1
    for s in input_shape:
        n_in *= s
    layers: list[Layer] = [Flatten()]
    if input_dropout:
        layers.append(Dropout(input_dropout))
    for h in hidden:
        layers.append(Dense(n_in, h))
        if batch_norm:
            layers.append(BatchNorm(h))
        layers.append(ReLU())
        if dropout:
            layers.append(Dropout(dropout))
        n_in = h
    layers.append(Dense(n_in, n_classes))
    return Sequential(layers, input_shape, name=name)


def mnistfc(*, dropout: float = 0.5, input_dropout: float = 0.0, batch_norm: bool = False,
            input_shape: Sequence[int] = (1, 28, 28)) -> Sequential:
    """mnistfc of Entropy-SGD §5.2: 784-1024-1024-10, ReLU, dropout after each hidden layer.

    **1,863,690 parameters** (1,867,786 with ``batch_norm=True``, the authors' later
    ``grad-info`` variant, which also has ``input_dropout=0.2``). The paper uses dropout
    0.5 for Adam and 0.15 for Entropy-SGD.

    References
    ----------
    Chaudhari et al., Entropy-SGD, arXiv:1611.01838, §5.2.
    """
    return mlp(input_shape, (1024, 1024), 10, dropout=dropout, input_dropout=input_dropout,
               batch_norm=batch_norm, name="mnistfc")


def small_fc(*, batch_norm: bool = True, n_classes: int = 10,
             input_shape: Sequence[int] = (1, 7, 7)) -> Sequential:
    """small-fc of SGD-VI §IV-A: 7x7 MNIST, 49-64-10, batch norm, ReLU.

    **3,978 parameters** (49·64 + 64 + 128 BN + 64·10 + 10); 3,850 without batch norm.

    References
    ----------
    Chaudhari & Soatto, arXiv:1710.11029, §IV-A and Fig. 1b.
    """
    return mlp(input_shape, (64,), n_classes, batch_norm=batch_norm, name="small_fc")


def tiny_fc(*, batch_norm: bool = True, n_classes: int = 5,
            input_shape: Sequence[int] = (1, 7, 7)) -> Sequential:
    """tiny-fc of SGD-VI §IV-B: small-fc with 16 hidden units and 5 classes (49-16-5).

    **917 parameters** (49·16 + 16 + 32 BN + 16·5 + 5); 885 without batch norm.

    References
    ----------
    Chaudhari & Soatto, arXiv:1710.11029, §IV-B (Fig. 3).
    """
    return mlp(input_shape, (16,), n_classes, batch_norm=batch_norm, name="tiny_fc")


def _lenet_like(c1: int, c2: int, fc: int, *, dropout: float, batch_norm: bool, fc_dropout: bool,
                name: str, input_shape: Sequence[int]) -> Sequential:
    input_shape = _sizes("input_shape", input_shape, ndim=3)
    dropout = _rate("dropout", dropout)
    batch_norm = check_bool("batch_norm", batch_norm)
    layers: list[Layer] = []
    c_in = input_shape[0]
    for c in (c1, c2):
        layers.append(Conv2d(c_in, c, 5))
        if batch_norm:
            layers.append(BatchNorm(c))
        layers.append(ReLU())
        layers.append(MaxPool2d(3 if c == c1 else 2))
        if dropout:
            layers.append(Dropout(dropout))
        c_in = c
    layers.append(Flatten())
    shape = input_shape
    try:
        for layer in layers:
            shape = layer.build(shape)
    except ShapeError as exc:
        raise bad_parameter("input_shape", f"(C, H, W) images large enough for {name}", input_shape,
                            f"the default (1, 28, 28) works ({exc})", cls=ShapeError) from None
    layers += [Dense(shape[0], fc)]
    if batch_norm:
        layers.append(BatchNorm(fc))
    layers.append(ReLU())
    if dropout and fc_dropout:
        layers.append(Dropout(dropout))
    layers.append(Dense(fc, 10))
    return Sequential(layers, input_shape, name=name)


def small_lenet(*, dropout: float = 0.1, batch_norm: bool = True,
                input_shape: Sequence[int] = (1, 28, 28)) -> Sequential:
    """small-lenet of SGD-VI §IV-A: conv 5x5 (8) -> BN -> ReLU -> maxpool 3 -> dropout ->
    conv 5x5 (16) -> BN -> ReLU -> maxpool 2 -> dropout -> FC 64-128 -> BN -> ReLU -> FC 10.

    **13,338 parameters** (the paper's count); 13,034 without batch norm.

    References
    ----------
    Chaudhari & Soatto, arXiv:1710.11029, §IV-A and Fig. 1a.
    """
    return _lenet_like(8, 16, 128, dropout=dropout, batch_norm=batch_norm, fc_dropout=False,
                       name="small_lenet", input_shape=input_shape)


def lenet(*, dropout: float = 0.25, batch_norm: bool = True,
          input_shape: Sequence[int] = (1, 28, 28)) -> Sequential:
    """LeNet of Entropy-SGD §5.2 (20-50-500, with batch norm, as the authors' ``lenet``):
    conv 5x5 (20) -> BN -> ReLU -> maxpool 3 -> dropout -> conv 5x5 (50) -> BN -> ReLU ->
    maxpool 2 -> dropout -> FC 200-500 -> BN -> ReLU -> dropout -> FC 10.

    **132,220 parameters**; 131,080 without batch norm. (The paper does not state the
    count; the layout follows the authors' ``grad-info/models.py``.)

    References
    ----------
    Chaudhari et al., Entropy-SGD, arXiv:1611.01838, §5.2.
    """
    return _lenet_like(20, 50, 500, dropout=dropout, batch_norm=batch_norm, fc_dropout=True,
                       name="lenet", input_shape=input_shape)


def char_lstm(n_vocab: int, *, n_layers: int = 2, hidden: int = 128, embedding: int | None = None,
              batch_norm: bool = True) -> RecurrentNet:
    """char-LSTM of Entropy-SGD §5.4.2: ``Embedding → (LSTM → [BN over n·T])* → Dense(V)``.

    Parameters
    ----------
    n_vocab : int
        V, the number of symbols (83 for the Shakespeare corpus, 85 in the paper).
    n_layers : int
        Stacked LSTM layers (paper: 2).
    hidden : int
        H of every LSTM layer (paper: 128).
    embedding : int, optional
        E (default V: the authors' 85-wide embedding of an 85-symbol text).
    batch_norm : bool
        Batch norm after every LSTM layer, over all n·T positions (the authors' model).

    Notes
    -----
    d = V·E + Σ_l [(E_l + H)·4H + 4H] (+ 2H per BN) + H·V + V. With V = E = 85 and the
    defaults: **259,854 parameters** (the paper's ≈ 0.26 M; PyTorch's two LSTM bias vectors
    would add 4H per layer).

    References
    ----------
    Chaudhari et al., Entropy-SGD, arXiv:1611.01838, §5.4.2 and Table 1.
    """
    from .._core import check_int
    from ._recurrent import LSTM, Embedding

    V = check_int("n_vocab", n_vocab, low=2)
    L = check_int("n_layers", n_layers, low=1)
    H = check_int("hidden", hidden, low=1)
    E = V if embedding is None else check_int("embedding", embedding, low=1)
    batch_norm = check_bool("batch_norm", batch_norm)
    layers: list[Layer] = [Embedding(V, E)]
    n_in = E
    for _ in range(L):
        layers.append(LSTM(n_in, H))
        if batch_norm:
            layers.append(BatchNorm(H))
        n_in = H
    layers.append(Dense(n_in, V))
    return RecurrentNet(layers, name="char_lstm")


def esgd_small_lenet(*, n_classes: int = 10, input_shape: Sequence[int] = (1, 28, 28)) -> Sequential:
    """small-LeNet of Entropy-SGD §1 / Fig. 1 (the Hessian-spectrum network), no batch norm:
    conv 5x5 (10) -> ReLU -> maxpool 2 -> conv 5x5 (20) -> ReLU -> maxpool 2 -> FC 320-128
    -> ReLU -> FC 10.

    **47,658 parameters** (10·25 + 10 + 20·10·25 + 20 + 320·128 + 128 + 128·10 + 10), the
    paper's count, reproduced exactly by this layout (PAPERS.md §1, derived).

    Parameters
    ----------
    n_classes : int
        Output classes (10 for the paper's count).
    input_shape : tuple of int
        ``(1, 28, 28)``; other sizes change the FC input (at least 16x16 is needed).

    References
    ----------
    Chaudhari et al., Entropy-SGD, arXiv:1611.01838, §1 and Fig. 1.
    """
    k = check_int("n_classes", n_classes, low=2)
    shape = tuple(check_int("input_shape", s, low=1) for s in input_shape)
    if len(shape) != 3 or shape[1] < 16 or shape[2] < 16:
        raise bad_parameter("input_shape", "(C, H, W) with H, W >= 16", input_shape)
    layers: list[Layer] = [Conv2d(shape[0], 10, 5), ReLU(), MaxPool2d(2), Conv2d(10, 20, 5), ReLU(),
                           MaxPool2d(2), Flatten()]
    s: tuple[int, ...] = shape
    for layer in layers:
        s = layer.build(s)
    layers += [Dense(s[0], 128), ReLU(), Dense(128, k)]
    return Sequential(layers, shape, name="esgd_small_lenet")
