"""Bad inputs for the public entry points of :mod:`deeprelax.nn`: presets, layers, model, objective.

The presets (issue 9, item 9: ``mlp(hidden=[-5])``, ``tiny_fc(n_classes=-1)``,
``hidden=[2.5]`` building 2 units) must refuse every non-integer or non-positive size
and every rate outside [0, 1) by the caller's parameter name (``dropout``, not the
layer's internal ``rate``). Layer constructors take integer sizes (``Dense(2.5, 3)``
must not build 2 inputs). Model methods and the derivative helpers get wrong shapes,
NaN parameters and impossible labels. ``Layer``, ``Evaluation``, ``Trajectory``,
``MLPArch`` and ``NOISE_MODELS`` are a base class, result records and a constant.

"""

from tests.bad_inputs._harness import Case

SETUP = """
import numpy as np
from deeprelax.nn import *
rng = np.random.default_rng(0)
m = tiny_fc(batch_norm=False)
x = m.init(0)
X = rng.normal(size=(20, 1, 7, 7)); y = rng.integers(0, 5, 20)
"""

WRONG_TYPE = ["'0.1'", "None", "[0.1]", "True", "1j"]
NONFINITE = ["float('nan')", "float('inf')"]
RATE = WRONG_TYPE + NONFINITE + ["-0.1", "1.0", "1.5"]
SIZE = ["'3'", "None", "True", "float('nan')", "2.5", "0", "-5", "1e300", "[3]"]
BOOL = ["'yes'", "1", "None"]
SHAPE = ["'abc'", "None", "(1, 7, -7)", "(1, 7, 2.5)", "()", "(1, 'a', 7)", "3"]


def _cases(entry: str, param: str, template: str, values: list[str], **kw) -> list[Case]:
    return [Case(entry, param, template.format(v=v), **kw) for v in values]


CASES: list[Case] = []
add = CASES.extend

# -- presets -----------------------------------------------------------------------------------
add(_cases("nn.mlp", "hidden", "mlp((1, 7, 7), {v}, 3)",
           ["[-5]", "[2.5]", "[0]", "['8']", "[None]", "'16'", "None", "16", "[True]", "[1e300]"]))
add(_cases("nn.mlp", "n_classes", "mlp((1, 7, 7), [8], {v})", SIZE + ["1"]))
add(_cases("nn.mlp", "input_shape", "mlp({v}, [8], 3)", SHAPE))
add(_cases("nn.mlp", "dropout", "mlp((1, 7, 7), [8], 3, dropout={v})", RATE))
add(_cases("nn.mlp", "input_dropout", "mlp((1, 7, 7), [8], 3, input_dropout={v})", RATE))
add(_cases("nn.mlp", "batch_norm", "mlp((1, 7, 7), [8], 3, batch_norm={v})", BOOL))
add(_cases("nn.mlp", "name", "mlp((1, 7, 7), [8], 3, name={v})", ["3", "None"]))
add(_cases("nn.mnistfc", "dropout", "mnistfc(dropout={v})", RATE))
add(_cases("nn.mnistfc", "input_shape", "mnistfc(input_shape={v})", SHAPE))
add(_cases("nn.mnistfc", "batch_norm", "mnistfc(batch_norm={v})", BOOL))
add(_cases("nn.small_fc", "n_classes", "small_fc(n_classes={v})", SIZE))
add(_cases("nn.small_fc", "batch_norm", "small_fc(batch_norm={v})", BOOL))
add(_cases("nn.tiny_fc", "n_classes", "tiny_fc(n_classes={v})", SIZE + ["1"]))
add(_cases("nn.tiny_fc", "input_shape", "tiny_fc(input_shape={v})", SHAPE))
add(_cases("nn.small_lenet", "dropout", "small_lenet(dropout={v})", RATE))
add(_cases("nn.small_lenet", "input_shape", "small_lenet(input_shape={v})",
           SHAPE + ["(1, 8, 8)", "(28, 28)", "(1, 28, 28, 1)"]))
add(_cases("nn.lenet", "dropout", "lenet(dropout={v})", RATE[:6]))
add(_cases("nn.lenet", "batch_norm", "lenet(batch_norm={v})", BOOL))
add(_cases("nn.lenet", "input_shape", "lenet(input_shape={v})", ["(1, 8, 8)", "(1, 28)"]))
add(_cases("nn.char_lstm", "n_vocab", "char_lstm({v})", SIZE + ["1"]))
add(_cases("nn.char_lstm", "n_layers", "char_lstm(10, n_layers={v})", SIZE))
add(_cases("nn.char_lstm", "hidden", "char_lstm(10, hidden={v})", SIZE))
add(_cases("nn.char_lstm", "embedding", "char_lstm(10, embedding={v})", ["'3'", "True", "2.5", "0", "-5"]))
add(_cases("nn.char_lstm", "batch_norm", "char_lstm(10, batch_norm={v})", BOOL))

# -- layers ------------------------------------------------------------------------------------
add(_cases("nn.Dense", "n_in", "Dense({v}, 3)", SIZE))
add(_cases("nn.Dense", "n_out", "Dense(3, {v})", SIZE))
add(_cases("nn.Dropout", "rate", "Dropout({v})", RATE))
add(_cases("nn.BatchNorm", "n_channels", "BatchNorm({v})", SIZE))
add(_cases("nn.BatchNorm", "eps", "BatchNorm(4, eps={v})", WRONG_TYPE + NONFINITE + ["0.0", "-1e-5"]))
add(_cases("nn.Conv2d", "c_in", "Conv2d({v}, 4, 3)", SIZE))
add(_cases("nn.Conv2d", "c_out", "Conv2d(1, {v}, 3)", SIZE))
add(_cases("nn.Conv2d", "kernel_size", "Conv2d(1, 4, {v})", SIZE))
add(_cases("nn.Conv2d", "stride", "Conv2d(1, 4, 3, stride={v})", SIZE))
add(_cases("nn.Conv2d", "padding", "Conv2d(1, 4, 3, padding={v})", ["-1", "2.5", "'1'", "None"]))
add(_cases("nn.MaxPool2d", "kernel_size", "MaxPool2d({v})", SIZE))
add(_cases("nn.MaxPool2d", "stride", "MaxPool2d(2, stride={v})", ["0", "-1", "2.5", "'2'"]))
add(_cases("nn.AvgPool2d", "kernel_size", "AvgPool2d({v})", ["0", "2.5", "'2'"]))

# -- model, objective, derivatives ----------------------------------------------------------------
add(_cases("nn.Sequential", "layers", "Sequential({v}, (4,))", ["[]", "[3]", "None", "[Dense(4, 2), 'relu']"]))
add(_cases("nn.Sequential", "input_shape", "Sequential([Dense(4, 2)], {v})", ["(3,)", "'abc'", "(2.5,)", "None"],
           match="input_shape|Dense"))
add(_cases("nn.Sequential.init", "seed", "m.init({v})", ["-1", "'a'", "2.5", "True"]))
add(_cases("nn.Sequential.init", "seed", "m.init({v})", ["None"], expect="benign",
           note="None draws fresh entropy, as numpy.random.default_rng(None)"))
add(_cases("nn.Sequential.forward", "x", "m.forward({v}, X)", ["x[:5]", "'abc'", "None", "np.ones((2, m.dim))"]))
add(_cases("nn.Sequential.forward", "X", "m.forward(x, {v})", ["np.ones((3, 5))", "'abc'", "None"]))
add(_cases("nn.Sequential.loss_and_grad", "y", "m.loss_and_grad(x, X, {v})",
           ["np.full(20, 7)", "-np.ones(20, int)", "np.ones(20) * 0.5", "y[:3]", "None"]))
add(_cases("nn.MinibatchObjective", "batch_size", "MinibatchObjective(m, X, y, batch_size={v})", SIZE))
add(_cases("nn.MinibatchObjective", "y", "MinibatchObjective(m, X, {v}, batch_size=8)",
           ["np.full(20, 9)", "y[:5]", "y * 0.5", "None"]))
add(_cases("nn.MinibatchObjective", "X", "MinibatchObjective(m, {v}, y, batch_size=8)",
           ["X[:5]", "'abc'", "np.ones((20, 3))"]))
add(_cases("nn.MinibatchObjective", "weight_decay", "MinibatchObjective(m, X, y, batch_size=8, weight_decay={v})",
           WRONG_TYPE + NONFINITE + ["-1.0"]))
add(_cases("nn.MinibatchObjective", "model", "MinibatchObjective({v}, X, y, batch_size=8)", ["None", "3"]))
add(_cases("nn.evaluate", "y", "evaluate(m, x, X, {v})", ["np.full(20, 9)", "y[:4]"]))
add(_cases("nn.evaluate", "x", "evaluate(m, {v}, X, y)", ["x[:3]", "'abc'"]))
add(_cases("nn.hvp", "v", "hvp(m, x, {v}, X, y)", ["x[:3]", "'abc'", "None"]))
add(_cases("nn.hessian", "x", "hessian(m, {v}, X, y)", ["x[:3]", "'abc'"]))
add(_cases("nn.per_sample_grads", "y", "per_sample_grads(m, x, X, {v})", ["np.full(20, 9)", "y[:4]"]))
add(_cases("nn.batch_norm_stats", "model", "batch_norm_stats({v}, x, X)", ["None", "3"]))
add(_cases("nn.softmax_cross_entropy", "z", "softmax_cross_entropy({v}, np.eye(3))", ["'abc'", "np.ones((2, 3))"]))
add(_cases("nn.sgd_trajectory", "lr", "sgd_trajectory(m, X, y, x, lr={v}, batch_size=8, n_epochs=2, burn_in=0)",
           WRONG_TYPE + NONFINITE + ["0.0", "-1.0"]))
add(_cases("nn.sgd_trajectory", "n_epochs", "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs={v}, burn_in=0)",
           ["0", "-1", "2.5", "'3'", "None"]))
add(_cases("nn.sgd_trajectory", "burn_in", "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs=2, burn_in={v})",
           ["-1", "2.5", "'3'"]))
add(_cases("nn.sgd_trajectory", "momentum", "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs=2, momentum={v})",
           ["'0.9'", "1.0", "float('nan')", "None"]))
add(_cases("nn.sgd_trajectory", "seed", "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs=2, seed={v})",
           ["-1", "2.5", "'a'"]))
add(_cases("nn.sgd_trajectory", "batch_size", "sgd_trajectory(m, X, y, x, batch_size={v}, n_epochs=2, burn_in=0)",
           ["0", "-1", "2.5", "1000"]))
add(_cases("nn.sgd_trajectory", "x0", "sgd_trajectory(m, X, y, {v}, batch_size=8, n_epochs=2, burn_in=0)",
           ["x[:3]", "np.full(m.dim, np.nan)", "'abc'", "None"]))
_TR = "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs=2, burn_in=0, {p}={{v}})"
add(_cases("nn.sgd_trajectory", "record", _TR.format(p="record"),
           ["'abc'", "[]", "[-1]", "[m.dim]", "[0.5, 1.5]", "np.ones(m.dim, bool)", "[[0, 1]]", "[[0, 1], [2]]",
            "[float('nan')]"]))
add(_cases("nn.sgd_trajectory", "v0", _TR.format(p="v0"),
           ["x[:3]", "np.full(m.dim, np.nan)", "'abc'", "np.ones(m.dim) * 1j"]))
add(_cases("nn.sgd_trajectory", "weight_decay", _TR.format(p="weight_decay"),
           ["-1.0", "float('nan')", "'0.1'", "None"]))
add(_cases("nn.sgd_trajectory", "full_grad_every",
           "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs=2, burn_in=0, noise='none', full_grad_every={v})",
           ["0", "2.5", "'3'", "None"]))
add(_cases("nn.sgd_trajectory", "engine", _TR.format(p="engine"), ["'fast'", "None", "3"]))
add([Case("nn.sgd_trajectory", "engine", "sgd_trajectory(tiny_fc(), X, y, tiny_fc().init(0), batch_size=8, "
           "n_epochs=2, burn_in=0, engine='compiled')", match="`model`|`engine`",
           note="engine='compiled' needs a [Flatten, Dense, ReLU, Dense] network")])
add(_cases("nn.sgd_trajectory", "progress", _TR.format(p="progress"), ["'yes'", "1", "None"]))
add(_cases("nn.sgd_trajectory", "noise", _TR.format(p="noise"), ["'nope'", "None", "3"]))
add(_cases("nn.sgd_trajectory", "noise_trace",
           "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs=2, burn_in=0, noise='isotropic', noise_trace={v})",
           ["None", "-1.0", "float('nan')", "'1'"]))
add([Case("nn.sgd_trajectory", "noise_trace", "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs=2, burn_in=0, "
          "noise='isotropic', noise_trace=0.0)", expect="benign",
          note="a zero trace is isotropic noise of zero size: full-batch GD, a valid limit")])
add(_cases("nn.sgd_trajectory", "noise_factor",
           "sgd_trajectory(m, X, y, x, batch_size=8, n_epochs=2, burn_in=0, noise='gaussian', noise_factor={v})",
           ["None", "np.ones((3, 2))", "np.full((m.dim, 2), np.nan)", "'abc'", "3.0", "np.ones((m.dim, 0))",
            "np.ones((m.dim, 2)) * 1j"]))
add(_cases("nn.sgd_trajectory", "X", "sgd_trajectory(m, {v}, y, x, batch_size=8, n_epochs=2, burn_in=0)",
           ["X[:0]", "np.full_like(X, np.nan)", "'abc'", "np.ones((20, 3))"]))
add(_cases("nn.sgd_trajectory", "y", "sgd_trajectory(m, X, {v}, x, batch_size=8, n_epochs=2, burn_in=0)",
           ["y[:5]", "np.full(20, 9)", "y * 0.5", "None"]))
add(_cases("nn.sgd_trajectory", "model", "sgd_trajectory({v}, X, y, x, batch_size=8, n_epochs=2, burn_in=0)",
           ["None", "3", "mlp((1, 7, 7), (4,), 5, dropout=0.5)"]))
add(_cases("nn.mlp_arch", "model", "mlp_arch({v})", ["None", "small_lenet()"]))
add(_cases("nn.mlp_loss_grad", "x", "mlp_loss_grad(m, {v}, X, y)", ["x[:3]", "'abc'", "None"]))
add(_cases("nn.mlp_loss_grad", "y", "mlp_loss_grad(m, x, X, {v})", ["np.full(20, 9)", "y[:4]"]))
add(_cases("nn.Embedding", "n_vocab", "Embedding({v}, 4)", SIZE[:7]))
add(_cases("nn.LSTM", "n_hidden", "LSTM(4, {v})", SIZE[:7], match="n_hidden|hidden"))
add(_cases("nn.RecurrentNet", "layers", "RecurrentNet({v})", ["[]", "[3]", "None", "Dense(3, 2)"]))
add(_cases("nn.sequence_cross_entropy", "y", "sequence_cross_entropy(np.zeros((6, 4)), {v})",
           ["np.full(6, 9)", "-np.ones(6, int)", "np.zeros(5, int)", "np.zeros((6, 1), int)"]))
