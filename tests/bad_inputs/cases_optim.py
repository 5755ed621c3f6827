"""Bad inputs for every public entry point of :mod:`deeprelax.optim`.

Tables of bad values per parameter kind (wrong type, NaN/inf, zero/negative,
non-integer, wrong shape, empty, huge) are crossed with each entry point's parameters.
Names exported by ``deeprelax.optim`` without parameters (``SUCCESS``, ``NONFINITE``,
``CALLBACK``, ``NOISE_CONVENTIONS``, ``OUTER_STEPS``, the protocols ``Objective``,
``Optimizer``, ``Schedule``) have no cases. Records built by the package
(``StepInfo``, ``History``, ``OptimizeResult``, ``GradientTransformation``) are plain
named tuples / dataclasses that are not validated on construction: one *benign* case
each documents that, and every consumer of them (``chain``, ``GradientOptimizer``,
``minimize``) refuses a malformed one by name.
"""

from tests.bad_inputs._harness import Case

SETUP = """
import numpy as np
from deeprelax.landscapes import quadratic
from deeprelax.optim import *
from deeprelax._core import Status
h = np.array([1.0, 4.0, 2.0])
obj = FunctionObjective(lambda x: float(0.5 * np.sum(h * x * x)), lambda x: h * x, dim=3,
                        noise_std=0.1, batch_size=2, n_samples=16)
x0 = np.array([1.0, -1.0, 2.0])
rng = np.random.default_rng(0)
nl = NoisyLandscape(quadratic(np.eye(3)))
"""

# -- value tables (code fragments) ------------------------------------------------------
WRONG_TYPE = ["'0.1'", "None", "[0.1]", "np.ones(2)", "True", "1j"]
NONFINITE = ["float('nan')", "float('inf')", "-float('inf')"]
POSITIVE = WRONG_TYPE + NONFINITE + ["0.0", "-1.0"]
NONNEG = ["'0.1'", "None", "[0.1]", "True", "1j"] + NONFINITE + ["-1e-3"]
UNIT = ["'0.9'", "None", "True"] + NONFINITE + ["-0.1", "1.0", "1.5"]
INT_POS = ["'3'", "None", "True", "float('nan')", "2.5", "0", "-1", "1e300", "[3]"]
INT_NONNEG = ["'3'", "None", "True", "float('nan')", "2.5", "-1", "1e300"]
BOOL = ["'yes'", "1", "None", "0.0"]
CHOICE = ["'nope'", "3", "None"]
NOT_CALLABLE = ["3", "'f'", "None"]
X0 = ["'abc'", "None", "[[1.0, 2.0], [3.0]]", "[1j, 1j, 1j]", "[]", "np.ones(4)", "np.ones((2, 3))",
      "np.array([np.nan, 1.0, 2.0])", "np.array([np.inf, 1.0, 2.0])", "np.array(['a', 'b', 'c'])",
      "np.empty(0)", "np.ones((0, 3))"]


def _cases(entry: str, param: str, template: str, values: list[str], **kw) -> list[Case]:
    return [Case(entry, param, template.format(v=v), **kw) for v in values]


CASES: list[Case] = []
add = CASES.extend

# -- baseline optimizers ------------------------------------------------------------------
add(_cases("optim.sgd", "lr", "sgd({v})", POSITIVE))
add(_cases("optim.sgd", "momentum", "sgd(0.1, momentum={v})", UNIT))
add(_cases("optim.sgd", "nesterov", "sgd(0.1, momentum=0.9, nesterov={v})", BOOL))
add(_cases("optim.sgd", "momentum", "sgd(0.1, momentum=0.0, nesterov={v})", ["True"]))
add(_cases("optim.sgd", "weight_decay", "sgd(0.1, weight_decay={v})", NONNEG))
add(_cases("optim.adam", "lr", "adam({v})", POSITIVE))
add(_cases("optim.adam", "b1", "adam(1e-3, b1={v})", UNIT))
add(_cases("optim.adam", "b2", "adam(1e-3, b2={v})", UNIT))
add(_cases("optim.adam", "eps", "adam(1e-3, eps={v})", POSITIVE))
add(_cases("optim.adam", "weight_decay", "adam(1e-3, weight_decay={v})", NONNEG))
add(_cases("optim.sgld", "lr", "sgld({v})", POSITIVE))
add(_cases("optim.sgld", "temperature", "sgld(0.1, temperature={v})", NONNEG))
add(_cases("optim.sgld", "seed", "sgld(0.1, seed={v})", INT_NONNEG))
add(_cases("optim.sgd_transform", "lr", "sgd_transform({v})", POSITIVE[:4]))
add(_cases("optim.sgd_transform", "momentum", "sgd_transform(0.1, momentum={v})", UNIT[:4]))
add(_cases("optim.adam_transform", "b1", "adam_transform(0.1, b1={v})", UNIT[:4]))
add(_cases("optim.adam_transform", "eps", "adam_transform(0.1, eps={v})", ["float('inf')", "0.0", "'x'"]))

# -- Entropy-SGD family ---------------------------------------------------------------------
ESGD = "entropy_sgd(0.1, {p}={{v}})"
add(_cases("optim.entropy_sgd", "lr", "entropy_sgd({v})", POSITIVE))
add(_cases("optim.entropy_sgd", "gamma", ESGD.format(p="gamma"), POSITIVE))
add(_cases("optim.entropy_sgd", "n_inner", ESGD.format(p="n_inner"), INT_POS))
add(_cases("optim.entropy_sgd", "inner_lr", ESGD.format(p="inner_lr"), POSITIVE + ["lambda t: 0.1"]))
add(_cases("optim.entropy_sgd", "noise", ESGD.format(p="noise"), NONNEG))
add(_cases("optim.entropy_sgd", "alpha", ESGD.format(p="alpha"), ["'0.75'", "None", "True", "float('nan')",
                                                                   "0.0", "-0.5", "1.5"]))
add(_cases("optim.entropy_sgd", "noise_convention", ESGD.format(p="noise_convention"), CHOICE))
add(_cases("optim.entropy_sgd", "outer_step", ESGD.format(p="outer_step"), CHOICE))
add(_cases("optim.entropy_sgd", "scoping", ESGD.format(p="scoping"), NONNEG))
add(_cases("optim.entropy_sgd", "gamma_max", ESGD.format(p="gamma_max"), ["'1'", "float('nan')", "0.0", "-1.0"]))
add(_cases("optim.entropy_sgd", "momentum", ESGD.format(p="momentum"), UNIT))
add(_cases("optim.entropy_sgd", "nesterov", "entropy_sgd(0.1, momentum=0.9, nesterov={v})", BOOL))
add(_cases("optim.entropy_sgd", "inner_momentum", ESGD.format(p="inner_momentum"), UNIT))
add(_cases("optim.entropy_sgd", "inner_nesterov", "entropy_sgd(0.1, inner_momentum=0.5, inner_nesterov={v})",
           BOOL))
add(_cases("optim.entropy_sgd", "inner_momentum", "entropy_sgd(0.1, inner_nesterov={v})", ["True"]))
add(_cases("optim.entropy_sgd", "inner_weight_decay", ESGD.format(p="inner_weight_decay"), NONNEG))
add(_cases("optim.entropy_sgd", "avg_burn_in", "entropy_sgd(0.1, n_inner=5, avg_burn_in={v})",
           INT_NONNEG + ["6"]))
add(_cases("optim.entropy_sgd", "scoping", "entropy_sgd(0.1, gamma=lambda t: 0.1, scoping={v})", ["0.5"]))
EADAM = "entropy_adam(0.1, {p}={{v}})"
add(_cases("optim.entropy_adam", "lr", "entropy_adam({v})", POSITIVE[:6]))
add(_cases("optim.entropy_adam", "gamma", EADAM.format(p="gamma"), POSITIVE[:6]))
add(_cases("optim.entropy_adam", "n_inner", EADAM.format(p="n_inner"), INT_POS))
add(_cases("optim.entropy_adam", "b1", EADAM.format(p="b1"), UNIT))
add(_cases("optim.entropy_adam", "b2", EADAM.format(p="b2"), UNIT[:5]))
add(_cases("optim.entropy_adam", "eps", EADAM.format(p="eps"), POSITIVE))
add(_cases("optim.entropy_adam", "avg_burn_in", EADAM.format(p="avg_burn_in"), INT_NONNEG))
add(_cases("optim.hj_proximal", "lr", "hj_proximal({v})", POSITIVE[:6]))
add(_cases("optim.hj_proximal", "gamma", "hj_proximal(1.0, gamma={v})", POSITIVE))
add(_cases("optim.hj_proximal", "n_inner", "hj_proximal(1.0, n_inner={v})", INT_POS))
add(_cases("optim.hj_proximal", "inner_lr", "hj_proximal(1.0, inner_lr={v})", POSITIVE))
add(_cases("optim.hj_proximal", "outer_step", "hj_proximal(1.0, outer_step={v})", CHOICE))
add(_cases("optim.hopf_lax_sgd", "lr", "hopf_lax_sgd({v})", POSITIVE[:6]))
add(_cases("optim.hopf_lax_sgd", "gamma", "hopf_lax_sgd(0.1, gamma={v})", POSITIVE))
add(_cases("optim.hopf_lax_sgd", "n_inner", "hopf_lax_sgd(0.1, n_inner={v})", INT_NONNEG))
add(_cases("optim.hopf_lax_sgd", "beta1", "hopf_lax_sgd(0.1, beta1={v})", UNIT))
add(_cases("optim.hopf_lax_sgd", "scoping", "hopf_lax_sgd(0.1, scoping={v})", NONNEG[:4]))
add(_cases("optim.local_entropy_grad", "objective",
           "local_entropy_grad({v}, x0, 1.0, rng, n_inner=3, inner_lr=0.1)", NOT_CALLABLE))
add(_cases("optim.local_entropy_grad", "x",
           "local_entropy_grad(obj, {v}, 1.0, rng, n_inner=3, inner_lr=0.1)", X0[:8]))
add(_cases("optim.local_entropy_grad", "gamma",
           "local_entropy_grad(obj, x0, {v}, rng, n_inner=3, inner_lr=0.1)", POSITIVE))
add(_cases("optim.local_entropy_grad", "rng",
           "local_entropy_grad(obj, x0, 1.0, {v}, n_inner=3, inner_lr=0.1)", ["0", "None", "'rng'"]))
add(_cases("optim.local_entropy_grad", "n_inner",
           "local_entropy_grad(obj, x0, 1.0, rng, n_inner={v}, inner_lr=0.1)", INT_POS))
add(_cases("optim.local_entropy_grad", "avg_burn_in",
           "local_entropy_grad(obj, x0, 1.0, rng, n_inner=3, inner_lr=0.1, avg_burn_in={v})", ["4", "-1", "'2'"]))
add(_cases("optim.inner_temperature", "noise", "inner_temperature({v})", NONNEG))
add(_cases("optim.inner_temperature", "noise_convention", "inner_temperature(0.1, {v})", CHOICE))
add(_cases("optim.InnerLoop", "n_inner", "InnerLoop({v}, 0.1)", INT_POS))
add(_cases("optim.InnerLoop", "inner_lr", "InnerLoop(3, {v})", POSITIVE))
add(_cases("optim.InnerLoop", "momentum", "InnerLoop(3, 0.1, momentum={v})", UNIT[:5]))
add(_cases("optim.InnerLoop", "nesterov", "InnerLoop(3, 0.1, momentum=0.5, nesterov={v})", BOOL))
add(_cases("optim.InnerLoop", "weight_decay", "InnerLoop(3, 0.1, weight_decay={v})", NONNEG[:5]))
add(_cases("optim.InnerLoop", "avg_burn_in", "InnerLoop(3, 0.1, avg_burn_in={v})", INT_NONNEG + ["4"]))
add(_cases("optim.EntropySGD", "inner", "EntropySGD({v}, lambda t: 1.0, sgd_transform(0.1))", NOT_CALLABLE))
add(_cases("optim.EntropySGD", "gamma", "EntropySGD(InnerLoop(3, 0.1), {v}, sgd_transform(0.1))",
           ["1.0", "'g'", "None"]))
add(_cases("optim.EntropySGD", "outer", "EntropySGD(InnerLoop(3, 0.1), lambda t: 1.0, {v})", NOT_CALLABLE))
add(_cases("optim.EntropySGD", "outer_step",
           "EntropySGD(InnerLoop(3, 0.1), lambda t: 1.0, sgd_transform(0.1), {v})", CHOICE))
add(_cases("optim.HopfLaxSGD", "n_inner", "HopfLaxSGD({v}, 0.5, lambda t: 1.0, sgd_transform(0.1))",
           ["-1", "2.5", "'3'"]))
add(_cases("optim.HopfLaxSGD", "beta1", "HopfLaxSGD(3, {v}, lambda t: 1.0, sgd_transform(0.1))",
           ["1.0", "'0.5'", "float('nan')"]))
add(_cases("optim.HopfLaxSGD", "gamma", "HopfLaxSGD(3, 0.5, {v}, sgd_transform(0.1))", ["1.0", "None"]))

# -- replicas -------------------------------------------------------------------------------
add(_cases("optim.elastic_sgd", "lr", "elastic_sgd({v})", POSITIVE))
add(_cases("optim.elastic_sgd", "rho", "elastic_sgd(0.1, rho={v})", NONNEG))
add(_cases("optim.elastic_sgd", "n_replicas", "elastic_sgd(0.1, n_replicas={v})", INT_POS))
add(_cases("optim.elastic_sgd", "scoping", "elastic_sgd(0.1, scoping={v})", NONNEG[:5]))
add(_cases("optim.elastic_sgd", "rho_max", "elastic_sgd(0.1, rho_max={v})", ["0.0", "'x'", "float('nan')"]))
add(_cases("optim.elastic_sgd", "momentum", "elastic_sgd(0.1, momentum={v})", UNIT[:5]))
add(_cases("optim.parle", "lr", "parle({v})", POSITIVE[:6]))
add(_cases("optim.parle", "gamma", "parle(0.1, gamma={v})", POSITIVE))
add(_cases("optim.parle", "rho", "parle(0.1, rho={v})", NONNEG))
add(_cases("optim.parle", "n_replicas", "parle(0.1, n_replicas={v})", INT_POS))
add(_cases("optim.parle", "n_inner", "parle(0.1, n_inner={v})", INT_POS))
add(_cases("optim.parle", "inner_lr", "parle(0.1, inner_lr={v})", POSITIVE[:6]))
add(_cases("optim.parle", "alpha", "parle(0.1, alpha={v})", ["0.0", "1.5", "'a'"]))
add(_cases("optim.parle", "gamma_max", "parle(0.1, gamma_max={v})", ["0.0", "'x'", "float('inf')"]))
add(_cases("optim.parle", "rho_max", "parle(0.1, rho_max={v})", ["-1.0", "'x'"]))
add(_cases("optim.parle", "inner_momentum", "parle(0.1, inner_momentum={v})", UNIT[:5]))
add(_cases("optim.parle", "avg_burn_in", "parle(0.1, n_inner=5, avg_burn_in={v})", ["6", "-1", "2.5"]))
add(_cases("optim.parle", "outer_step", "parle(0.1, outer_step={v})", CHOICE))
add(_cases("optim.ElasticSGD", "n_replicas", "ElasticSGD({v}, lambda t: 0.0, sgd_transform(0.1))",
           ["0", "'3'", "2.5"]))
add(_cases("optim.ElasticSGD", "rho", "ElasticSGD(2, {v}, sgd_transform(0.1))", ["0.5", "None"]))
add(_cases("optim.ElasticSGD", "outer", "ElasticSGD(2, lambda t: 0.0, {v})", NOT_CALLABLE))
add(_cases("optim.Parle", "inner", "Parle(2, {v}, lambda t: 1.0, lambda t: 0.0, sgd_transform(0.1))",
           NOT_CALLABLE))
add(_cases("optim.Parle", "n_replicas",
           "Parle({v}, InnerLoop(3, 0.1), lambda t: 1.0, lambda t: 0.0, sgd_transform(0.1))", ["0", "'2'"]))
add(_cases("optim.Parle", "rho", "Parle(2, InnerLoop(3, 0.1), lambda t: 1.0, {v}, sgd_transform(0.1))",
           ["1.0", "None"]))

# -- SAM ------------------------------------------------------------------------------------
add(_cases("optim.sam", "base", "sam({v})", NOT_CALLABLE + ["object()"]))
add(_cases("optim.sam", "rho", "sam(sgd(0.1), rho={v})", NONNEG))
add(_cases("optim.asam", "base", "asam({v})", NOT_CALLABLE))
add(_cases("optim.asam", "rho", "asam(sgd(0.1), rho={v})", NONNEG[:6]))
add(_cases("optim.asam", "eta", "asam(sgd(0.1), eta={v})", NONNEG))
add(_cases("optim.SAM", "base", "SAM({v}, 0.05)", NOT_CALLABLE))
add(_cases("optim.SAM", "rho", "SAM(sgd(0.1), {v})", ["-1.0", "'x'", "float('nan')"]))

# -- objectives -----------------------------------------------------------------------------
add(_cases("optim.NoisyLandscape", "landscape", "NoisyLandscape({v})", NOT_CALLABLE + ["obj"]))
add(_cases("optim.NoisyLandscape", "noise_cov", "NoisyLandscape(quadratic(np.eye(2)), noise_cov={v})",
           ["'big'", "float('nan')", "-1.0", "np.ones(3)", "np.eye(3)", "np.array([[1.0, 2.0], [0.0, 1.0]])",
            "np.array([[1.0, 0.0], [0.0, -1.0]])", "[1j, 1j]", "[]", "[[1.0], [2.0, 3.0]]",
            "np.ones((2, 2, 2))"]))
add(_cases("optim.NoisyLandscape", "noise_cov(x)",
           "NoisyLandscape(quadratic(np.eye(2)), noise_cov=lambda x: np.eye(3)).loss_and_grad(np.ones(2), rng)",
           ["0"]))
add(_cases("optim.NoisyLandscape", "batch_size", "NoisyLandscape(quadratic(np.eye(2)), batch_size={v})",
           INT_POS))
add(_cases("optim.NoisyLandscape", "n_samples", "NoisyLandscape(quadratic(np.eye(2)), n_samples={v})",
           ["0", "-5", "2.5", "'100'", "float('inf')"]))
add(_cases("optim.NoisyLandscape.loss_and_grad", "x", "nl.loss_and_grad({v}, rng)",
           ["np.ones(2)", "'abc'", "[[1.0, 2.0], [3.0]]", "np.ones((3, 3))", "[1j, 1j, 1j]", "[]"]))
add(_cases("optim.NoisyLandscape.loss_and_grad", "rng", "nl.loss_and_grad(np.ones(3), {v})",
           ["0", "None"]))
add(_cases("optim.NoisyLandscape.loss_and_grad_batch", "X", "nl.loss_and_grad_batch({v}, rng)",
           ["np.ones(3)", "np.ones((2, 2))", "'X'"]))
add(_cases("optim.NoisyLandscape.full_loss", "x", "nl.full_loss({v})", ["np.ones(4)", "'x'", "None"]))
FO = "FunctionObjective(lambda x: 0.0, lambda x: x, {p}={{v}})"
add(_cases("optim.FunctionObjective", "value", "FunctionObjective({v}, lambda x: x, dim=3)", NOT_CALLABLE))
add(_cases("optim.FunctionObjective", "grad", "FunctionObjective(lambda x: 0.0, {v}, dim=3)", NOT_CALLABLE))
add(_cases("optim.FunctionObjective", "dim", FO.format(p="dim"), INT_POS))
add(_cases("optim.FunctionObjective", "noise_std",
           "FunctionObjective(lambda x: 0.0, lambda x: x, dim=3, noise_std={v})", NONNEG))
add(_cases("optim.FunctionObjective", "batch_size",
           "FunctionObjective(lambda x: 0.0, lambda x: x, dim=3, batch_size={v})", INT_POS))
add(_cases("optim.FunctionObjective", "n_samples",
           "FunctionObjective(lambda x: 0.0, lambda x: x, dim=3, n_samples={v})", ["0", "2.5", "'10'"]))
add(_cases("optim.FunctionObjective.loss_and_grad", "x", "obj.loss_and_grad({v}, rng)",
           ["np.ones(2)", "None", "'x'", "np.ones((1, 3))"]))
add(_cases("optim.FunctionObjective.loss_and_grad", "rng", "obj.loss_and_grad(x0, {v})", ["0", "None"]))
add(_cases("optim.FunctionObjective.loss_and_grad", "grad(x)",
           "FunctionObjective(lambda x: 0.0, lambda x: x[:2], dim=3).loss_and_grad(x0, rng)", ["0"]))
add(_cases("optim.check_objective", "objective", "check_objective({v})", NOT_CALLABLE + ["object()"]))
add([Case("optim.check_objective", "objective.dim", "o = obj.__class__.__new__(obj.__class__); "
          "o.__dict__.update(obj.__dict__, dim='3'); check_objective(o)"),
     Case("optim.check_objective", "objective.batch_size", "o = obj.__class__.__new__(obj.__class__); "
          "o.__dict__.update(obj.__dict__, batch_size=0); check_objective(o)"),
     Case("optim.check_objective", "objective.n_samples", "o = obj.__class__.__new__(obj.__class__); "
          "o.__dict__.update(obj.__dict__, n_samples=-1); check_objective(o)")])
add(_cases("optim.replica_loss_and_grad", "objective", "replica_loss_and_grad({v}, np.ones((2, 3)), rng)",
           NOT_CALLABLE))
add(_cases("optim.replica_loss_and_grad", "X", "replica_loss_and_grad(obj, {v}, rng)",
           ["np.ones(3)", "np.ones((2, 4))", "np.ones((0, 3))", "'X'", "None"]))
add(_cases("optim.replica_loss_and_grad", "rng", "replica_loss_and_grad(obj, np.ones((2, 3)), {v})",
           ["0", "None"]))
add(_cases("optim.replica_seeds", "rng", "replica_seeds({v}, 3)", ["0", "None", "'rng'"]))
add(_cases("optim.replica_seeds", "n", "replica_seeds(rng, {v})", INT_NONNEG))

# -- the driver -----------------------------------------------------------------------------
MIN = "minimize(sgd(0.1), obj, x0, {p}={{v}})"
add(_cases("optim.minimize", "optimizer", "minimize({v}, obj, x0, n_steps=3)", NOT_CALLABLE + ["object()"]))
add(_cases("optim.minimize", "objective", "minimize(sgd(0.1), {v}, x0, n_steps=3)", NOT_CALLABLE + ["object()"]))
add(_cases("optim.minimize", "x0", "minimize(sgd(0.1), obj, {v}, n_steps=3)", X0))
add(_cases("optim.minimize", "x0", "minimize(elastic_sgd(0.1, n_replicas=2), obj, {v}, n_steps=3)",
           ["np.ones((3, 3))", "np.ones((2, 4))", "np.ones((0, 3))"]))
add(_cases("optim.minimize", "n_steps", MIN.format(p="n_steps"), INT_NONNEG[:1] + INT_NONNEG[2:]))
add(_cases("optim.minimize", "n_epochs", MIN.format(p="n_epochs"),
           ["'x'", "True", "float('nan')", "float('inf')", "-1.0", "[1.0]", "1j"]))
add([Case("optim.minimize", "n_steps", "minimize(sgd(0.1), obj, x0)", match=r"n_steps"),
     Case("optim.minimize", "n_steps", "minimize(sgd(0.1), obj, x0, n_steps=3, n_epochs=1.0)", match=r"n_steps"),
     Case("optim.minimize", "n_epochs", "minimize(sgd(0.1), nl, np.ones(3), n_epochs=1.0)")])
add(_cases("optim.minimize", "seed", MIN.format(p="seed").replace("{v}", "{v}, n_steps=3"),
           ["'s'", "-1", "2.5", "float('nan')", "None", "[1.0]"]))
add(_cases("optim.minimize", "callback", MIN.format(p="callback").replace("{v}", "{v}, n_steps=3"),
           ["3", "'stop'"]))
add(_cases("optim.minimize", "progress", MIN.format(p="progress").replace("{v}", "{v}, n_steps=3"),
           ["'yes'", "None", "2"]))
add(_cases("optim.minimize", "eval_every", MIN.format(p="eval_every").replace("{v}", "{v}, n_steps=3"),
           INT_NONNEG))
add(_cases("optim.minimize", "lr", "minimize(sgd(lambda t: {v}), obj, x0, n_steps=3)",
           ["'x'", "None", "-1.0", "float('nan')", "float('inf')", "0.0"]))
add(_cases("optim.minimize", "gamma", "minimize(entropy_sgd(0.1, lambda t: {v}, n_inner=2), obj, x0, n_steps=3)",
           ["-1.0", "float('nan')", "'g'"]))
# documented behaviour: a learning rate so large that the run diverges is not an input
# error; the run stops with status NONFINITE and the step (issue 9, item 5)
add([Case("optim.minimize", "lr", "r = minimize(sgd(1e300), obj, x0, n_steps=5); "
          "assert r.status is Status.NONFINITE and 'step' in r.message", expect="benign",
          note="divergence is reported by status, not refused"),
     Case("optim.minimize", "lr", "r = minimize(adam(1e300), obj, x0, n_steps=5); "
          "assert r.status is Status.NONFINITE and 'step' in r.message", expect="benign",
          note="divergence is reported by status, not refused"),
     Case("optim.minimize", "objective", "o = FunctionObjective(lambda x: float('nan'), lambda x: x, dim=3); "
          "r = minimize(sgd(0.1), o, x0, n_steps=5); assert r.status is Status.NONFINITE and r.n_steps == 0",
          expect="benign", note="a NaN loss is reported by status NONFINITE at step 1"),
     Case("optim.minimize", "objective", "o = FunctionObjective(lambda x: 0.0, lambda x: x * np.inf, dim=3); "
          "r = minimize(entropy_sgd(0.1, n_inner=3), o, x0, n_steps=5); assert r.status is Status.NONFINITE",
          expect="benign", note="an inf gradient is reported by status NONFINITE"),
     Case("optim.FunctionObjective", "batch_size",
          "o = FunctionObjective(lambda x: 0.0, lambda x: x, dim=3, batch_size=10**12); assert o.batch_size == 10**12",
          expect="benign", note="a huge batch size only scales the noise σ/√b and the sample count")])

# -- transforms -----------------------------------------------------------------------------
add(_cases("optim.chain", "transforms[0]", "chain({v})", NOT_CALLABLE + ["(lambda x: 0, lambda g, s, x: (g, s))"]))
add(_cases("optim.scale", "c", "scale({v})", ["'2'", "None", "float('nan')", "float('inf')", "[2.0]"]))
add(_cases("optim.scale_by_learning_rate", "lr", "scale_by_learning_rate({v})", POSITIVE[:7]))
add(_cases("optim.trace", "decay", "trace({v})", UNIT))
add(_cases("optim.trace", "nesterov", "trace(0.9, nesterov={v})", BOOL))
add(_cases("optim.add_decayed_weights", "weight_decay", "add_decayed_weights({v})", NONNEG))
add(_cases("optim.scale_by_adam", "b1", "scale_by_adam(b1={v})", UNIT))
add(_cases("optim.scale_by_adam", "b2", "scale_by_adam(b2={v})", UNIT[:5]))
add(_cases("optim.scale_by_adam", "eps", "scale_by_adam(eps={v})", POSITIVE))
add(_cases("optim.add_langevin_noise", "lr", "add_langevin_noise({v}, 1.0)", POSITIVE[:6]))
add(_cases("optim.add_langevin_noise", "temperature", "add_langevin_noise(0.1, {v})", NONNEG))
add(_cases("optim.add_langevin_noise", "seed", "add_langevin_noise(0.1, 1.0, seed={v})", INT_NONNEG))
add(_cases("optim.GradientOptimizer", "transform", "GradientOptimizer({v})", NOT_CALLABLE))
add(_cases("optim.GradientOptimizer", "name", "GradientOptimizer(sgd_transform(0.1), {v})", ["3", "None"]))

# -- schedules ------------------------------------------------------------------------------
add(_cases("optim.as_schedule", "lr", "as_schedule('lr', {v})", POSITIVE[:8]))
add(_cases("optim.constant", "value", "constant({v})", ["'0.1'", "None", "float('nan')", "float('inf')"]))
add(_cases("optim.step_drops", "value", "step_drops({v}, 10, 0.5)", ["'1'", "float('nan')", "-1.0", "0.0"]))
add(_cases("optim.step_drops", "every", "step_drops(1.0, {v}, 0.5)", INT_POS))
add(_cases("optim.step_drops", "factor", "step_drops(1.0, 10, {v})", ["'0.5'", "float('nan')", "-0.5", "0.0"]))
add(_cases("optim.piecewise_constant", "boundaries", "piecewise_constant({v}, [1.0, 0.5])",
           ["'10'", "None", "[2.5]", "[-1]", "['a']"]))
add(_cases("optim.piecewise_constant", "boundaries", "piecewise_constant({v}, [1.0, 0.5, 0.1])",
           ["[10, 5]", "[3, 3]"]))
add(_cases("optim.piecewise_constant", "values", "piecewise_constant([10], {v})",
           ["[1.0]", "[1.0, 'a']", "'ab'", "None", "[1.0, float('nan')]"]))
add(_cases("optim.epoch_table", "table", "epoch_table({v}, 10)",
           ["[]", "'table'", "None", "[[1, 2, 3]]", "[[3, 1.0], [2, 0.1]]", "[1, 2]"]))
add(_cases("optim.epoch_table", "table[0][0]", "epoch_table({v}, 10)", ["[[2.5, 1.0]]", "[['a', 1.0]]"]))
add(_cases("optim.epoch_table", "table[0][1]", "epoch_table({v}, 10)", ["[[3, 'x']]", "[[3, float('nan')]]"]))
add(_cases("optim.epoch_table", "steps_per_epoch", "epoch_table([[3, 1.0]], {v})", INT_POS))
add(_cases("optim.exponential_growth", "value", "exponential_growth({v}, 0.1)", POSITIVE[:9]))
add(_cases("optim.exponential_growth", "rate", "exponential_growth(1.0, {v})", NONNEG))
add(_cases("optim.exponential_growth", "cap", "exponential_growth(1.0, 0.1, {v})", ["0.0", "'x'", "float('nan')"]))

# -- records (documented benign: plain records, validated where they are used) -----------------
add([Case("optim.StepInfo", "loss", "StepInfo('x', 1.0, 1)", expect="benign",
          note="a NamedTuple the optimizers build; minimize reads only finite()"),
     Case("optim.History", "loss", "History(*([None] * 8))", expect="benign",
          note="a record minimize builds"),
     Case("optim.OptimizeResult", "x", "OptimizeResult(*([None] * 11))", expect="benign",
          note="a record minimize builds"),
     Case("optim.GradientTransformation", "init", "GradientTransformation(3, 4)", expect="benign",
          note="a record; GradientOptimizer and chain check it, minimize checks the optimizer"),
     Case("optim.identity", "-", "identity()", expect="benign", note="no parameters")])
