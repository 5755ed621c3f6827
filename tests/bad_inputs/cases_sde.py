"""Bad inputs for every public entry point of ``deeprelax.sde``.

Generated per parameter kind (wrong type, NaN/inf, zero/negative, non-integer, wrong
shape, empty); cases that return say why in ``note``. Entry points: ``sdeint``,
``ensemble``, ``brownian_increments``, ``coarsen_increments``, ``get_scheme``, ``SDE``,
``langevin``, ``from_sgd``, ``ornstein_uhlenbeck``, ``from_kernels``,
``factor_covariance``, ``SDE.with_drift_params``, ``gradient_noise``,
``isotropic_noise``, ``sgd_surrogate`` (the constants ``SCHEMES``, ``NOISE_CLASSES``,
``CALCULI``, ``SUCCESS``, ``NONFINITE`` and the result classes take no input).
"""

from tests.bad_inputs._harness import Case

SETUP = """
import numpy as np
from deeprelax import landscapes, sde
from deeprelax._core import jit
q2 = landscapes.quadratic(np.diag([1.0, 4.0]))
s2 = sde.langevin(q2, beta=2.0)

@jit(cache=False)
def b1(x, p, out):
    out[0] = -x[0]

@jit(cache=False)
def g1(x, p, out):
    out[0] = 0.5
"""

_POS = ["'abc'", "None", "float('nan')", "float('inf')", "-1.0", "0.0", "True", "[1.0, 2.0]", "1j"]
_INT = ["2.5", "'many'", "-1", "0", "float('nan')", "True", "None", "1e30"]
_SEED = ["-1", "2.5", "'abc'", "float('nan')", "[1, 2]"]
_CHOICE = ["'bogus'", "3", "None", "''"]
_ARR2 = ["'abc'", "None", "[float('nan'), 0.0]", "[float('inf'), 0.0]", "np.zeros(3)", "[]",
         "[[1.0], [1.0, 2.0]]", "[1j, 0.0]"]
_MAT2 = ["'abc'", "[[float('nan'), 0.0], [0.0, 1.0]]", "[[float('inf'), 0.0], [0.0, 1.0]]", "np.zeros((3, 3))",
         "[]", "[[1.0], [1.0, 2.0]]", "np.eye(2) * 1j"]

CASES: list[Case] = []


def _add(entry: str, param: str, template: str, values: list[str], **kw) -> None:
    for v in values:
        CASES.append(Case(entry, param, template.format(v=v), **kw))


# ----------------------------------------------------------------------------- sdeint
_SDEINT = "sde.sdeint({sde}, {x0}, {t}, {dt}{kw})"


def _sdeint(param: str, values: list[str], **over) -> None:
    base = {"sde": "s2", "x0": "[0.0, 0.0]", "t": "(0.0, 0.1)", "dt": "0.01", "kw": ", n_paths=3, seed=0"}
    for v in values:
        args = {**base, **over}
        if param in ("sde", "x0", "t", "dt"):
            args[{"sde": "sde", "x0": "x0", "t": "t", "dt": "dt"}[param]] = v
        else:
            args["kw"] = f", n_paths=3, seed=0, {param}={v}" if param not in ("n_paths", "seed") else (
                f", n_paths={v}, seed=0" if param == "n_paths" else f", n_paths=3, seed={v}")
        CASES.append(Case("sde.sdeint", {"t": "t_span"}.get(param, param), _SDEINT.format(**args)))


_sdeint("sde", ["'abc'", "None", "q2", "3"])
_sdeint("x0", _ARR2)
_sdeint("t", ["'abc'", "None", "(0.0,)", "(1.0, 0.0)", "(0.0, float('inf'))", "(float('nan'), 1.0)",
              "(0.0, 0.105)", "(0.0, 1j)"])
_sdeint("dt", _POS)
_sdeint("n_paths", ["2.5", "'many'", "-1", "0", "float('nan')", "True"])
_sdeint("seed", _SEED)
_sdeint("scheme", _CHOICE + ["'sra1'.upper()"])
_sdeint("save_every", _INT)
_sdeint("progress", ["'yes'", "2", "[True]"])
_add("sde.sdeint", "scheme", "sde.sdeint(s2, [0.0, 0.0], (0.0, 0.1), 0.01, scheme='sgd')", [""], match="sgd|from_sgd")
_add("sde.sdeint", "dW", "sde.sdeint(s2, [0.0, 0.0], (0.0, 0.1), 0.01, n_paths=3, dW={v})",
     ["'abc'", "np.zeros((10, 3, 1))", "np.full((10, 3, 2), np.nan)", "np.zeros((9, 3, 2))", "np.zeros(3)"])
_add("sde.sdeint", "dZ", "sde.sdeint(s2, [0.0, 0.0], (0.0, 0.1), 0.01, n_paths=3, scheme='sra1', "
     "dW=np.zeros((10, 3, 2)), dZ={v})", ["None", "np.zeros((10, 3, 1))", "np.full((10, 3, 2), np.inf)"])
_add("sde.sdeint", "rng_state", "sde.sdeint(s2, [0.0, 0.0], (0.0, 0.1), 0.01, n_paths=3, rng_state={v})",
     ["np.zeros((2, 4))", "np.zeros((3, 3))", "'abc'", "[[-1, 0, 0, 0]] * 3"])

# ----------------------------------------------------------------------------- ensemble
_ENS = "sde.ensemble(s2, [0.0, 0.0], (0.0, 0.1), n_paths=8, {p}={v}{rest})"
_add("sde.ensemble", "sde", "sde.ensemble({v}, [0.0, 0.0], (0.0, 0.1), 0.01, n_paths=8)", ["'abc'", "q2", "None"])
_add("sde.ensemble", "x0", "sde.ensemble(s2, {v}, (0.0, 0.1), 0.01, n_paths=8)", _ARR2 + ["np.zeros((8, 2))"])
_add("sde.ensemble", "n_paths", "sde.ensemble(s2, [0.0, 0.0], (0.0, 0.1), 0.01, n_paths={v})", _INT)
for p, vals in {"block_paths": _INT, "blocks_per_round": _INT, "worker_threads": _INT[:-2],
                "observe": _CHOICE, "coord": ["2", "-1", "1.5", "'x'"], "target_stderr": _POS[:-2],
                "seed": _SEED, "dt": _POS, "scheme": _CHOICE}.items():
    rest = "".join(f", {k}={d}" for k, d in (("dt", "0.01"), ("seed", "0")) if k != p)
    _add("sde.ensemble", p, _ENS.replace("{p}", p).replace("{rest}", rest), [v for v in vals if v != "None"])
_add("sde.ensemble", "edges", "sde.ensemble(s2, [0.0, 0.0], (0.0, 0.1), 0.01, n_paths=8, observe='histogram', "
     "edges={v})", ["None", "[1.0]", "[1.0, 0.0]", "'abc'", "[[0.0, 1.0]]", "[0.0, float('nan')]"])

_add("sde.ensemble", "level", "sde.ensemble(s2, [0.0, 0.0], (0.0, 0.1), 0.01, n_paths=8, observe='first_passage', "
     "level={v})", ["None", "'abc'", "float('nan')", "float('inf')", "[1.0]", "1j"])

# ----------------------------------------------------------------------------- increments
_add("sde.brownian_increments", "n_steps", "sde.brownian_increments({v}, 3, 2, 0.01)", _INT)
_add("sde.brownian_increments", "n_paths", "sde.brownian_increments(5, {v}, 2, 0.01)", _INT)
_add("sde.brownian_increments", "noise_dim", "sde.brownian_increments(5, 3, {v}, 0.01)", _INT)
_add("sde.brownian_increments", "dt", "sde.brownian_increments(5, 3, 2, {v})", _POS)
_add("sde.brownian_increments", "seed", "sde.brownian_increments(5, 3, 2, 0.01, seed={v})", _SEED)
_add("sde.brownian_increments", "area", "sde.brownian_increments(5, 3, 2, 0.01, area={v})", ["'yes'", "2", "None"])
_add("sde.coarsen_increments", "dW", "sde.coarsen_increments({v}, 2, 0.01)",
     ["'abc'", "None", "np.full((4, 3, 2), np.nan)", "np.zeros(4)", "[]"])
_add("sde.coarsen_increments", "factor", "sde.coarsen_increments(np.zeros((4, 3, 2)), {v}, 0.01)", _INT + ["3"])
_add("sde.coarsen_increments", "dt", "sde.coarsen_increments(np.zeros((4, 3, 2)), 2, {v})", _POS)
_add("sde.coarsen_increments", "dZ", "sde.coarsen_increments(np.zeros((4, 3, 2)), 2, 0.01, dZ={v})",
     ["'abc'", "np.zeros((4, 3, 1))", "np.full((4, 3, 2), np.nan)"])
_add("sde.get_scheme", "scheme", "sde.get_scheme({v})", _CHOICE)

# ----------------------------------------------------------------------------- builders
_add("sde.langevin", "landscape", "sde.langevin({v})", ["'abc'", "None", "3", "np.eye(2)"])
_add("sde.langevin", "beta", "sde.langevin(q2, beta={v})", _POS)
_add("sde.langevin", "D", "sde.langevin(q2, beta=1.0, D={v})",
     ["'abc'", "[-1.0, 1.0]", "[float('nan'), 1.0]", "np.zeros(3)", "[[1.0, 2.0], [2.0, 1.0]]",
      "[[1.0, 0.5], [0.0, 1.0]]"] + _MAT2[1:4])
_add("sde.langevin", "noise", "sde.langevin(q2, beta=1.0, noise={v})", ["'diagonal'", "'bogus'", "3"])
_add("sde.from_sgd", "landscape", "sde.from_sgd({v}, 0.1, 4, np.eye(2))", ["'abc'", "None", "landscapes.example19()"])
_add("sde.from_sgd", "lr", "sde.from_sgd(q2, {v}, 4, np.eye(2))", _POS)
_add("sde.from_sgd", "batch_size", "sde.from_sgd(q2, 0.1, {v}, np.eye(2))", _INT[:-1])
_add("sde.from_sgd", "batch_size", "sde.from_sgd(q2, 0.1, {v}, np.eye(2))", ["1e30"], expect="benign",
     note="an integral batch size, however large, is valid: the noise scale η/2b is then ≈ 0")
_add("sde.from_sgd", "noise_cov", "sde.from_sgd(q2, 0.1, 4, {v})", ["'abc'"] + _MAT2[1:])
_add("sde.from_sgd", "noise_cov", "sde.from_sgd(q2, 0.1, 4, {v})", ["None"], expect="benign",
     note="None is the identity covariance, as D=None in langevin")
_add("sde.from_sgd", "n_samples", "sde.from_sgd(q2, 0.1, 4, np.eye(2), n_samples={v})",
     ["2", "4", "2.5", "'many'", "-1", "float('nan')"], match="n_samples|batch_size")
_add("sde.ornstein_uhlenbeck", "A", "sde.ornstein_uhlenbeck({v})", ["'abc'", "None"] + _MAT2[1:3] + _MAT2[4:])
_add("sde.ornstein_uhlenbeck", "A", "sde.ornstein_uhlenbeck({v})", ["np.zeros((3, 3))"], expect="benign",
     note="A = 0 is Brownian motion (documented: a steady state needs a stable A)")
_add("sde.ornstein_uhlenbeck", "D", "sde.ornstein_uhlenbeck(np.eye(2), D={v})", ["'abc'", "[-1.0, 1.0]"] + _MAT2[1:4])
_add("sde.ornstein_uhlenbeck", "beta", "sde.ornstein_uhlenbeck(np.eye(2), beta={v})", _POS)
_add("sde.ornstein_uhlenbeck", "center", "sde.ornstein_uhlenbeck(np.eye(2), center={v})",
     [v for v in _ARR2 if v != "None"])
_FK = "sde.from_kernels({drift}, {diff}, dim={dim}, noise={noise}{kw})"


def _fk(param: str, values: list[str], **kw) -> None:
    base = {"drift": "b1", "diff": "[[0.5]]", "dim": "1", "noise": "'additive'", "kw": ""}
    for v in values:
        args = {**base, param if param in base else "kw": v if param in base else f", {param}={v}"}
        CASES.append(Case("sde.from_kernels", param, _FK.format(**args), **kw))


_fk("drift", ["'abc'", "None", "3"])
_fk("diff", ["'abc'", "None", "[[float('nan')]]", "np.zeros((2, 1))"], match="diffusion")
_fk("dim", _INT)
_fk("noise", _CHOICE)
_fk("calculus", _CHOICE)
_fk("diffusion_form", _CHOICE)
_add("sde.from_kernels", "noise_dim", "sde.from_kernels(b1, g1, dim=1, noise='general', noise_dim={v})",
     ["0", "-1", "2.5", "'x'"])
_add("sde.from_kernels", "drift_params", "sde.from_kernels(b1, [[0.5]], dim=1, noise='additive', drift_params={v})",
     ["'abc'", "[[1.0], [1.0, 2.0]]", "[1j]"])
_add("sde.factor_covariance", "C", "sde.factor_covariance({v})", ["'abc'", "None", "[[1.0, 2.0], [2.0, 1.0]]"]
     + _MAT2[1:3] + _MAT2[4:], match="`D`|`C`")
_add("sde.factor_covariance", "C", "sde.factor_covariance({v})", ["np.zeros((3, 3))"], expect="benign",
     note="the zero matrix is PSD: its factor is one zero column")
_add("sde.SDE.with_drift_params", "params", "s2.with_drift_params({v})",
     ["'abc'", "np.zeros(3)", "np.full(6, np.nan)", "None"])
_add("sde.SDE", "dim", "sde.SDE(dim={v}, drift_kernel=b1, drift_params=[], diffusion_matrix=[[1.0]])",
     ["0", "-1", "2.5", "'x'"])
_add("sde.SDE", "linear", "sde.SDE(dim=1, drift_kernel=b1, drift_params=[], diffusion_matrix=[[1.0]], linear={v})",
     ["True"])
