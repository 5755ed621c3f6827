"""Bad inputs for the recurrent networks (``nn.char_lstm``, ``RecurrentNet``, ``SequenceObjective``),
the text loader (``data.load_text``, ``TextStreams``) and the clipping transforms (``optim.clip*``)."""

from tests.bad_inputs._harness import Case

SETUP = """
import gzip, os, tempfile
import numpy as np
from deeprelax import data, nn, optim
m = nn.char_lstm(5, n_layers=1, hidden=4, embedding=3)
x = m.init(0)
X = np.zeros((2, 3), dtype=np.int64)
st = m.zero_state(2)
d = tempfile.mkdtemp()
good = os.path.join(d, "good.txt"); open(good, "w", encoding="utf-8").write("hello world, " * 20)
empty = os.path.join(d, "empty.txt"); open(empty, "wb").close()
latin = os.path.join(d, "latin.txt"); open(latin, "wb").write("café".encode("latin-1"))
badgz = os.path.join(d, "bad.gz"); open(badgz, "wb").write(b"\\x1f\\x8bjunk")
Xb = np.zeros((3, 2, 3), dtype=np.int64)
"""

WRONG_TYPE = ["'3'", "None", "2.5", "True", "[3]", "-1", "0"]

CASES: list[Case] = []


def add(cases: list[Case]) -> None:
    CASES.extend(cases)


def _each(entry: str, param: str, template: str, values: list[str], **kw) -> list[Case]:
    return [Case(entry, param, template.format(v=v), **kw) for v in values]


add(_each("nn.char_lstm", "n_vocab", "nn.char_lstm({v})", WRONG_TYPE + ["1"]))
add(_each("nn.char_lstm", "hidden", "nn.char_lstm(5, hidden={v})", WRONG_TYPE))
add(_each("nn.char_lstm", "n_layers", "nn.char_lstm(5, n_layers={v})", WRONG_TYPE))
add(_each("nn.char_lstm", "embedding", "nn.char_lstm(5, embedding={v})", ["'3'", "2.5", "True", "0", "-2"]))
add(_each("nn.RecurrentNet", "layers", "nn.RecurrentNet({v})",
          ["[]", "[nn.LSTM(3, 4)]", "[nn.Embedding(5, 3), nn.ReLU(), nn.Dense(3, 5)]", "None"]))
add([Case("nn.RecurrentNet", "layers", "nn.RecurrentNet([nn.Embedding(5, 3), nn.LSTM(4, 4), nn.Dense(4, 5)])",
          match="LSTM"),
     Case("nn.RecurrentNet", "layers", "nn.RecurrentNet([nn.Embedding(5, 3), nn.LSTM(3, 4), nn.Dense(4, 6)])",
          match="logits")])
add(_each("RecurrentNet.loss_and_grad", "X", "m.loss_and_grad(x, {v}, X)",
          ["np.full((2, 3), 5)", "-np.ones((2, 3), int)", "np.zeros((2, 3))", "np.zeros(3, int)",
           "np.zeros((0, 3), int)", "'abc'", "None"]))
add(_each("RecurrentNet.loss_and_grad", "Y", "m.loss_and_grad(x, X, {v})",
          ["np.zeros((2, 4), int)", "np.full((2, 3), 9)", "np.zeros((2, 3))"]))
add(_each("RecurrentNet.loss_and_grad", "x", "m.loss_and_grad({v}, X, X)",
          ["x[:-1]", "x.astype(np.int32)", "list(x)", "None", "x.reshape(1, -1)"]))
add(_each("RecurrentNet.loss_and_grad", "state", "m.loss_and_grad(x, X, X, {v})",
          ["[1]", "[]", "st * 2", "'s'", "[(np.zeros((3, 4)), np.zeros((3, 4)))]",
           "[(np.zeros((2, 5)), np.zeros((2, 4)))]"], match=r"state"))
add(_each("RecurrentNet.loss_and_grad", "weight_decay", "m.loss_and_grad(x, X, X, weight_decay={v})",
          ["-1.0", "'a'", "float('nan')", "None"]))
add(_each("RecurrentNet.loss_and_grad", "out", "m.loss_and_grad(x, X, X, out={v})",
          ["np.empty(3)", "np.empty(x.size, np.float32)"]))
add([Case("RecurrentNet.forward", "stats", "m.forward(x, X)"),
     Case("RecurrentNet.init", "dtype", "m.init(0, dtype=np.int64)"),
     Case("RecurrentNet.hvp", "v", "m.hvp(x, np.ones(3), X, X)"),
     Case("RecurrentNet.evaluate", "X_batches", "m.evaluate(x, X, X, stats=m.batch_norm_stats(x, X))")])
add(_each("nn.SequenceObjective", "X_batches", "nn.SequenceObjective(m, {v}, Xb)",
          ["X", "np.zeros((3, 2, 4), int)", "np.zeros((0, 2, 3), int)", "np.full((3, 2, 3), 7)"]))
add(_each("nn.SequenceObjective", "clip", "nn.SequenceObjective(m, Xb, Xb, clip={v})", ["5.0", "'c'"]))
add(_each("nn.SequenceObjective", "dtype", "nn.SequenceObjective(m, Xb, Xb, dtype={v})",
          ["np.int32", "np.float16"]))
add(_each("nn.SequenceObjective", "stats_batches", "nn.SequenceObjective(m, Xb, Xb, stats_batches={v})",
          ["0", "-1", "2.5", "'2'"]))
add([Case("nn.SequenceObjective", "model", "nn.SequenceObjective(nn.tiny_fc(), Xb, Xb)"),
     Case("SequenceObjective.loss_and_grad", "x",
          "nn.SequenceObjective(m, Xb, Xb).loss_and_grad(np.ones(3), np.random.default_rng(0))")])
add(_each("data.load_text", "path", "data.load_text({v})",
          ["os.path.join(d, 'nope.txt')", "empty", "latin", "badgz", "d"]))
add(_each("data.load_text", "split", "data.load_text(good, split={v})",
          ["(0.5, 0.5)", "(0.0, 0.5, 0.5)", "(0.8, 0.1, 0.2)", "(0.8, -0.1, 0.3)", "'80/10/10'",
           "(0.8, 0.1, float('nan'))"], match=r"split"))
add(_each("data.load_text", "max_chars", "data.load_text(good, max_chars={v})", ["0", "-5", "2.5", "'9'"]))
add(_each("data.TextStreams", "ids", "data.TextStreams({v}, 2, 3)",
          ["np.zeros(10)", "np.zeros((2, 5), int)", "'abc'", "np.arange(6)"],
          match=r"ids"))
add(_each("data.TextStreams", "batch_size", "data.TextStreams(np.arange(100), {v}, 3)", WRONG_TYPE))
add(_each("data.TextStreams", "seq_len", "data.TextStreams(np.arange(100), 2, {v})", WRONG_TYPE))
add([Case("TextCorpus.encode", "text", "data.load_text(good).encode('Ω')")])
add(_each("optim.clip", "max_delta", "optim.clip({v})",
          ["0.0", "-1.0", "float('nan')", "float('inf')", "'5'", "None", "True"]))
add(_each("optim.clip_by_global_norm", "max_norm", "optim.clip_by_global_norm({v})",
          ["0.0", "-1.0", "float('nan')", "float('inf')", "'5'", "None", "True"]))
