"""Bad inputs for every public entry point of :mod:`deeprelax.theory` (closed forms and test oracles).

Matrices get wrong types, non-square / empty shapes, NaN/inf and (for ``D``) indefinite
values; scalars the usual table; quadrature nodes too few, unsorted or uneven. Every
function of the room takes input, so every name in ``theory.__all__`` has cases
(``example19_partition`` takes none: one benign call).
"""

from tests.bad_inputs._harness import Case

SETUP = """
import numpy as np
from deeprelax.theory import *
H = np.array([[2.0, 1.0], [-1.0, 1.0]]); D = np.eye(2); S0 = np.eye(2); m0 = np.ones(2)
y = np.linspace(-3, 3, 61); fv = y**2; f = lambda z: z**2
g = np.linspace(-2, 2, 21); f2 = lambda Y: np.sum(Y**2, axis=1)
"""

WRONG_TYPE = ["'0.1'", "None", "[0.1]", "np.ones(2)", "True", "1j"]
NONFINITE = ["float('nan')", "float('inf')", "-float('inf')"]
POSITIVE = WRONG_TYPE + NONFINITE + ["0.0", "-1.0"]
MATRIX = ["'abc'", "None", "np.zeros((2, 3))", "np.zeros((0, 0))", "[[1.0, 2.0], [3.0]]",
          "np.array([[np.nan, 0], [0, 1.0]])", "np.array([[np.inf, 0], [0, 1.0]])", "[[1j, 0], [0, 1]]"]
INT_NONNEG = ["'3'", "None", "True", "float('nan')", "2.5", "-1", "1e300"]
NODES = ["[0.0, 1.0]", "np.linspace(1, -1, 11)", "np.array([0.0, 0.1, 0.5, 2.0])", "np.array([0, np.nan, 1.0])",
         "'abc'", "None", "np.ones((3, 3))"]


def _cases(entry: str, param: str, template: str, values: list[str], **kw) -> list[Case]:
    return [Case(entry, param, template.format(v=v), **kw) for v in values]


CASES: list[Case] = []
add = CASES.extend

for fn in ("ou_stationary_cov", "ou_potential_matrix", "ou_Q", "commutator", "detailed_balance",
           "ou_entropy_production"):
    add(_cases(f"theory.{fn}", "H", f"{fn}({{v}}, D)", MATRIX))
    add(_cases(f"theory.{fn}", "D", f"{fn}(H, {{v}})", MATRIX + ["-np.eye(2)", "np.eye(3)"]))
for fn in ("ou_stationary_cov", "ou_potential_matrix", "ou_Q", "ou_entropy_production"):
    add(_cases(f"theory.{fn}", "beta", f"{fn}(H, D, {{v}})", POSITIVE))
add(_cases("theory.ou_stationary_cov", "H", "ou_stationary_cov({v}, D)", ["-np.eye(2)"]))
add(_cases("theory.ou_entropy_production", "D", "ou_entropy_production(H, {v})", ["np.diag([1.0, 0.0])"]))
add(_cases("theory.detailed_balance", "rtol", "detailed_balance(H, D, {v})", ["-1.0", "'x'", "float('nan')"]))
add(_cases("theory.ou_current", "x", "ou_current(H, D, {v})",
           ["'abc'", "np.ones(3)", "np.array([np.nan, 1.0])", "None", "[1j, 1j]"]))
add(_cases("theory.ou_current", "beta", "ou_current(H, D, m0, {v})", POSITIVE[:6]))
add(_cases("theory.ou_angular_momentum", "i", "ou_angular_momentum(H, D, 1.0, {v}, 1)",
           ["2", "-1", "2.5", "'0'", "None"]))
add(_cases("theory.ou_angular_momentum", "j", "ou_angular_momentum(H, D, 1.0, 0, {v})", ["5", "-3", "1.5"]))
add(_cases("theory.em_mean", "H", "em_mean({v}, m0, 0.1, 5)", MATRIX))
add(_cases("theory.em_mean", "m0", "em_mean(H, {v}, 0.1, 5)",
           ["'abc'", "np.ones(3)", "np.array([np.nan, 1.0])", "None"]))
add(_cases("theory.em_mean", "dt", "em_mean(H, m0, {v}, 5)", POSITIVE))
add(_cases("theory.em_mean", "n_steps", "em_mean(H, m0, 0.1, {v})", INT_NONNEG))
add(_cases("theory.em_cov", "S0", "em_cov(H, D, {v}, 0.1, 5)", ["'abc'", "np.eye(3)", "np.full((2, 2), np.nan)"]))
add(_cases("theory.em_cov", "n_steps", "em_cov(H, D, S0, 0.1, {v})", INT_NONNEG))
add(_cases("theory.em_cov", "dt", "em_cov(H, D, S0, {v}, 5)", POSITIVE))
add(_cases("theory.em_cov", "beta", "em_cov(H, D, S0, 0.1, 5, {v})", POSITIVE[:6]))
add(_cases("theory.em_stationary_cov", "dt", "em_stationary_cov(H, D, {v})", POSITIVE + ["10.0"]))
add(_cases("theory.em_stationary_cov", "H", "em_stationary_cov({v}, D, 0.1)", MATRIX[:4]))
add(_cases("theory.gibbs_density", "f_values", "gibbs_density({v}, 0.1)",
           ["'abc'", "None", "np.array([np.nan, 1.0])", "np.array([])", "[1j]"]))
add(_cases("theory.gibbs_density", "cell_volume", "gibbs_density(fv, {v})", POSITIVE))
add(_cases("theory.gibbs_density", "beta", "gibbs_density(fv, 0.1, {v})", POSITIVE))
add(_cases("theory.local_entropy_quadrature", "f", "local_entropy_quadrature({v}, 0.0, 1.0, y)",
           ["3", "None", "lambda z: z[:3]"]))
add(_cases("theory.local_entropy_quadrature", "x", "local_entropy_quadrature(f, {v}, 1.0, y)",
           ["'abc'", "float('nan')", "None"]))
add(_cases("theory.local_entropy_quadrature", "gamma", "local_entropy_quadrature(f, 0.0, {v}, y)", POSITIVE))
add(_cases("theory.local_entropy_quadrature", "y", "local_entropy_quadrature(f, 0.0, 1.0, {v})", NODES))
add(_cases("theory.local_entropy_quadrature", "beta", "local_entropy_quadrature(f, 0.0, 1.0, y, {v})", POSITIVE))
add(_cases("theory.local_entropy_quadratic", "H", "local_entropy_quadratic({v}, m0, 1.0)", MATRIX))
add(_cases("theory.local_entropy_quadratic", "x", "local_entropy_quadratic(np.eye(2), {v}, 1.0)",
           ["'abc'", "np.ones(3)", "np.array([np.inf, 0.0])"]))
add(_cases("theory.local_entropy_quadratic", "gamma", "local_entropy_quadratic(np.eye(2), m0, {v})", POSITIVE))
add(_cases("theory.local_entropy_quadratic", "beta", "local_entropy_quadratic(np.eye(2), m0, 1.0, {v})",
           POSITIVE[:6]))
add(_cases("theory.local_entropy_hessian_quadratic", "H", "local_entropy_hessian_quadratic({v}, 1.0)",
           MATRIX + ["-5 * np.eye(2)"], match="H"))
add(_cases("theory.local_entropy_hessian_quadratic", "gamma", "local_entropy_hessian_quadratic(np.eye(2), {v})",
           POSITIVE))
add(_cases("theory.hopf_lax_brute", "f_values", "hopf_lax_brute({v}, y, 0.5)",
           ["'abc'", "fv[:5]", "np.full(61, np.nan)", "None"]))
add(_cases("theory.hopf_lax_brute", "x", "hopf_lax_brute(fv, {v}, 0.5)", ["'abc'", "np.ones((61, 1))", "None"]))
add(_cases("theory.hopf_lax_brute", "t", "hopf_lax_brute(fv, y, {v})", POSITIVE))
add(_cases("theory.cole_hopf_brute", "x", "cole_hopf_brute(fv[:4], {v}, 0.5, 1.0)", NODES[1:4]))
add(_cases("theory.cole_hopf_brute", "f_values", "cole_hopf_brute({v}, y, 0.5, 1.0)",
           ["fv[:5]", "np.full(61, np.nan)", "'abc'"]))
add(_cases("theory.cole_hopf_brute", "t", "cole_hopf_brute(fv, y, {v}, 1.0)", POSITIVE))
add(_cases("theory.cole_hopf_brute", "beta", "cole_hopf_brute(fv, y, 0.5, {v})", POSITIVE))
add(_cases("theory.local_entropy_quadrature_2d", "f", "local_entropy_quadrature_2d({v}, m0, 1.0, g, g)",
           ["3", "None", "lambda Y: Y"]))
add(_cases("theory.local_entropy_quadrature_2d", "x", "local_entropy_quadrature_2d(f2, {v}, 1.0, g, g)",
           ["'abc'", "np.ones(3)", "np.array([np.nan, 0.0])", "np.ones((2, 2, 2))"]))
add(_cases("theory.local_entropy_quadrature_2d", "gamma", "local_entropy_quadrature_2d(f2, m0, {v}, g, g)",
           POSITIVE))
add(_cases("theory.local_entropy_quadrature_2d", "y1", "local_entropy_quadrature_2d(f2, m0, 1.0, {v}, g)", NODES))
add(_cases("theory.local_entropy_quadrature_2d", "y2", "local_entropy_quadrature_2d(f2, m0, 1.0, g, {v})",
           NODES[:3]))
add(_cases("theory.proximal_point_brute", "f_values", "proximal_point_brute({v}, y, m0, 1.0)",
           ["fv[:3]", "np.full(61, np.nan)", "'abc'"]))
add(_cases("theory.proximal_point_brute", "y", "proximal_point_brute(fv, {v}, m0, 1.0)",
           ["y[:3]", "np.full(61, np.inf)"]))
add(_cases("theory.proximal_point_brute", "x", "proximal_point_brute(fv, y, {v}, 1.0)",
           ["'abc'", "np.array([np.nan])", "None"]))
add(_cases("theory.proximal_point_brute", "gamma", "proximal_point_brute(fv, y, m0, {v})", POSITIVE))
add([Case("theory.example19_partition", "-", "example19_partition()", expect="benign", note="takes no input")])
add(_cases("theory.example19_density", "x", "example19_density({v})",
           ["'abc'", "np.ones(3)", "np.array([np.nan, 0.0])", "None"]))
add(_cases("theory.example19_bin_probabilities", "edges_x", "example19_bin_probabilities({v}, g)",
           ["[0.0]", "g[::-1]", "np.array([0.0, np.nan, 1.0])", "'abc'", "None"]))
add(_cases("theory.example19_bin_probabilities", "edges_y", "example19_bin_probabilities(g, {v})",
           ["[1.0]", "np.array([1.0, 0.0])"]))
add(_cases("theory.example19_current", "x", "example19_current({v}, 1.0)",
           ["'abc'", "np.ones(3)", "np.array([np.inf, 0.0])"]))
add(_cases("theory.example19_current", "lam", "example19_current(m0, {v})", WRONG_TYPE + NONFINITE))
add(_cases("theory.example19_angular_momentum", "lam", "example19_angular_momentum({v})", WRONG_TYPE + NONFINITE))
