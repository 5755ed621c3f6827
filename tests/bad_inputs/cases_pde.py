"""Bad inputs for every public entry point of ``deeprelax.pde`` (incl. ``Grid`` and ``regularity.*``).

The table is generated per parameter kind: each entry point lists its parameters with a
kind, and every kind has its bad values (wrong type, NaN/inf, zero/negative, non-integer,
wrong shape, empty, huge). Cases expected to *return* say why in ``note`` (documented
behaviour: e.g. a huge ``t`` in Hopf–Lax is min f, exactly).
"""

from tests.bad_inputs._harness import Case

SETUP = """
import numpy as np
from deeprelax import landscapes, sde
from deeprelax.pde import (Grid, cole_hopf, hopf_lax, solve_hj, local_entropy, stationary_fp, solve_fp,
                           fp_operator, force_split, free_energy, grid_landscape, regularity)
g1 = Grid((-2.0, 2.0), 40)
g2 = Grid([(-2.0, 2.0)] * 2, 10)
gp = Grid((0.0, 6.283185307179586), 32, periodic=True)
f1 = np.sin(3 * g1.axes[0]) + g1.axes[0] ** 2
f2 = g2.coords[0] ** 2 + np.cos(g2.coords[1])
fp = np.sin(gp.axes[0])
s2 = sde.langevin(landscapes.double_well(2), beta=1.0)
op2 = fp_operator(s2, g2)
rho2 = np.ones(g2.shape) / 16.0
"""

# bad values per parameter kind: (code, expect, note)
_POS = ["'abc'", "None", "float('nan')", "float('inf')", "-1.0", "0.0", "True", "[1.0, 2.0]", "1j"]
#: optional positive parameters (None means "the default": sde.beta)
_OPT_POS = [v for v in _POS if v != "None"]
_NONNEG = ["'abc'", "None", "float('nan')", "float('inf')", "-1.0", "True", "[0.1]"]
_INT = ["2.5", "'many'", "-1", "0", "float('nan')", "True", "None", "1e30"]
_BOOL = ["'yes'", "1", "None", "[True]"]
_CHOICE = ["'bogus'", "3", "None", "''"]
_ARR = ["'abc'", "None", "np.full({shape}, np.nan)", "np.full({shape}, np.inf)", "np.zeros(3)", "[]",
        "np.zeros({shape}) + 1j", "[[1.0], [1.0, 2.0]]"]
_GRID = ["'abc'", "None", "(0.0, 1.0)", "np.zeros(3)"]

CASES: list[Case] = []


def _add(entry: str, param: str, template: str, values: list[str], **kw) -> None:
    for v in values:
        CASES.append(Case(entry, param, template.format(v=v), **kw))


def _arrays(entry: str, param: str, template: str, shape: str) -> None:
    _add(entry, param, template, [a.format(shape=shape) for a in _ARR])


# ----------------------------------------------------------------------------- Grid
_add("pde.Grid", "bounds", "Grid({v}, 8)", ["'ab'", "None", "(1.0, 0.0)", "(0.0, float('inf'))", "(0.0, float('nan'))",
                                           "[]", "[(0, 1)] * 4", "(0.0, 1.0, 2.0)", "[(0, 1j)]"])
_add("pde.Grid", "shape", "Grid((0.0, 1.0), {v})", ["2.5", "'8'", "1", "0", "-4", "None", "[4, 4]", "10**12",
                                                     "float('nan')", "True", "[]"])
_add("pde.Grid", "periodic", "Grid((0.0, 1.0), 8, periodic={v})", ["'yes'", "1", "None", "[True, False]", "[]"])
_add("pde.Grid.face_points", "axis", "g2.face_points({v})", ["2", "-1", "1.5", "'x'", "None"])
_add("pde.Grid.integrate", "values", "g2.integrate({v})", ["'abc'", "None", "np.zeros(3)", "[[1.0], [1.0, 2.0]]"])
_add("pde.Grid.gradient", "u", "g2.gradient({v})", ["'abc'", "None", "np.zeros(3)"])

# ----------------------------------------------------------------------------- cole_hopf / local_entropy / hopf_lax
_arrays("pde.cole_hopf", "f", "cole_hopf({v}, g1, 0.5)", "g1.shape")
_add("pde.cole_hopf", "f", "cole_hopf(lambda p: 'x', g1, 0.5)", [""])
_add("pde.cole_hopf", "f", "cole_hopf(landscapes.double_well(2), g1, 0.5)", [""])
_add("pde.cole_hopf", "grid", "cole_hopf(f1, {v}, 0.5)", _GRID)
_add("pde.cole_hopf", "t", "cole_hopf(f1, g1, {v})", _POS)
_add("pde.cole_hopf", "beta", "cole_hopf(f1, g1, 0.5, {v})", _POS)
_add("pde.cole_hopf", "gradient", "cole_hopf(f1, g1, 0.5, gradient={v})", _BOOL)
_add("pde.cole_hopf", "t", "r = cole_hopf(fp, gp, {v}); assert np.all(np.isfinite(r.u))", ["1e300"], expect="benign",
     note="a huge t on a periodic grid: the periodised kernel is uniform (Poisson dual sum)")
_add("pde.cole_hopf", "t", "r = cole_hopf(f1, g1, {v}); assert np.all(np.isfinite(r.u))", ["1e300", "1e-300"],
     expect="benign", note="extreme t: the log-space sums stay finite (documented)")

_arrays("pde.local_entropy", "f", "local_entropy({v}, g1, 1.0)", "g1.shape")
_add("pde.local_entropy", "grid", "local_entropy(f1, {v}, 1.0)", _GRID)
_add("pde.local_entropy", "gamma", "local_entropy(f1, g1, {v})", _POS)
_add("pde.local_entropy", "beta", "local_entropy(f1, g1, 1.0, {v})", _POS)

_arrays("pde.hopf_lax", "f", "hopf_lax({v}, g1, 0.5)", "g1.shape")
_add("pde.hopf_lax", "grid", "hopf_lax(f1, {v}, 0.5)", _GRID)
_add("pde.hopf_lax", "t", "hopf_lax(f1, g1, {v})", _POS)
_add("pde.hopf_lax", "t", "r = hopf_lax(f1, g1, {v}); assert np.allclose(r.u, f1.min())", ["1e308"], expect="benign",
     note="u(x, t) → min f as t → ∞; exact on the grid (issue 9, item 2)")
_add("pde.hopf_lax", "f", "r = hopf_lax({v}, g1, 0.3); assert np.all(np.isfinite(r.u))",
     ["np.where(f1 > 1, 8e307, -8e307)"], expect="benign", note="|Δf| near 1e308: crossings overflow, guarded")

# ----------------------------------------------------------------------------- solve_hj
_HJ = "solve_hj(fp, gp, {t_span}, {nu}{kw})"


def _hj(param: str, values: list[str], where: str, **kw) -> None:
    for v in values:
        args = {"t_span": "0.1", "nu": "0.1", "kw": ""}
        if where == "kw":
            args["kw"] = f", {param}={v}"
        else:
            args[where] = v
        CASES.append(Case("pde.solve_hj", param, _HJ.format(**args), **kw))


_arrays("pde.solve_hj", "f", "solve_hj({v}, gp, 0.1, 0.1)", "gp.shape")
_add("pde.solve_hj", "grid", "solve_hj(fp, {v}, 0.1, 0.1)", _GRID)
_hj("t_span", ["'abc'", "None", "float('nan')", "-1.0", "0.0", "(1.0, 0.5)", "[]", "[0.0, 1.0, 2.0]", "1e7",
               "float('inf')"], "t_span")
_hj("viscosity", _NONNEG, "nu")
_hj("viscosity", ["1e300"], "nu", match="viscosity")
_hj("scheme", _CHOICE, "kw")
_hj("hamiltonian", _CHOICE, "kw")
_hj("reconstruction", _CHOICE, "kw")
_hj("dt", ["'abc'", "float('nan')", "-1e-3", "0.0", "1e-13", "10.0", "True", "[1e-3]"], "kw")
_hj("cfl", ["'abc'", "float('nan')", "0.0", "-0.5", "1.5", "1e-300", "None"], "kw")
_hj("t_eval", ["'abc'", "[0.05, 0.02]", "[float('nan')]", "[]", "[0.2]", "[0.0]", "[[0.05]]"], "kw")
_hj("progress", _BOOL, "kw")
_hj("max_steps", _INT + ["2"], "kw")
_hj("drift", ["'abc'", "np.zeros(3)", "np.full(gp.shape + (1,), np.nan)", "lambda p: 'x'", "lambda p: p[..., :0]",
              "[]", "np.zeros(gp.shape + (1,)) + 1j"], "kw")
CASES.append(Case("pde.solve_hj", "reconstruction", "solve_hj(f1, g1, 0.1, 0.1, scheme='etdrk4', "
                  "reconstruction='spectral')", note="spectral needs a periodic grid"))
CASES.append(Case("pde.solve_hj", "scheme", "solve_hj(fp, gp, 0.1, 0.1, scheme='etdrk4')"))

# ----------------------------------------------------------------------------- Fokker–Planck
_SDE = ["None", "landscapes.double_well(2)", "'langevin'", "sde.langevin(landscapes.double_well(3))", "3.0"]
_add("pde.stationary_fp", "sde", "stationary_fp({v}, g2)", _SDE)
_add("pde.stationary_fp", "grid", "stationary_fp(s2, {v})", _GRID + ["g1"])
_add("pde.stationary_fp", "beta", "stationary_fp(s2, g2, beta={v})", _OPT_POS)
_add("pde.stationary_fp", "method", "stationary_fp(s2, g2, method={v})", _CHOICE)
_add("pde.stationary_fp", "operator", "stationary_fp(s2, g2, operator={v})",
     ["'x'", "op2.matrix", "fp_operator(s2, Grid([(-2.0, 2.0)] * 2, 8))"])
CASES.append(Case("pde.stationary_fp", "beta",
                  "import dataclasses; stationary_fp(dataclasses.replace(s2, beta=None), g2)",
                  note="an SDE without beta: refused, never beta = 1"))

_add("pde.fp_operator", "sde", "fp_operator({v}, g2)", _SDE)
_add("pde.fp_operator", "grid", "fp_operator(s2, {v})", _GRID)
_add("pde.fp_operator", "beta", "fp_operator(s2, g2, beta={v})", _OPT_POS)

_FP = "solve_fp(s2, rho2, g2, 0.5{kw})"
_add("pde.solve_fp", "sde", "solve_fp({v}, rho2, g2, 0.5)", _SDE)
_arrays("pde.solve_fp", "p0", "solve_fp(s2, {v}, g2, 0.5)", "g2.shape")
_add("pde.solve_fp", "p0", "solve_fp(s2, {v}, g2, 0.5)", ["-rho2", "np.zeros(g2.shape)"])
_add("pde.solve_fp", "grid", "solve_fp(s2, rho2, {v}, 0.5)", _GRID)
_add("pde.solve_fp", "t_span", "solve_fp(s2, rho2, g2, {v})", ["'abc'", "None", "-1.0", "(1.0, 0.5)", "float('nan')",
                                                             "[]"])
_add("pde.solve_fp", "dt", _FP.replace("{kw}", ", dt={v}"), ["'abc'", "float('nan')", "-0.1", "0.0", "1e-9", "True"])
_add("pde.solve_fp", "t_eval", _FP.replace("{kw}", ", t_eval={v}"), ["'abc'", "[0.3, 0.1]", "[]", "[2.0]"])
_add("pde.solve_fp", "scheme", _FP.replace("{kw}", ", scheme={v}"), _CHOICE)
_add("pde.solve_fp", "beta", _FP.replace("{kw}", ", beta={v}"), _OPT_POS)
_add("pde.solve_fp", "operator", _FP.replace("{kw}", ", operator={v}"), ["'x'", "op2.matrix"])
_add("pde.solve_fp", "progress", _FP.replace("{kw}", ", progress={v}"), _BOOL)
_add("pde.solve_fp", "max_steps", _FP.replace("{kw}", ", max_steps={v}"), _INT + ["10"])

_add("pde.force_split", "sde", "force_split({v}, g2, f2)", _SDE)
_add("pde.force_split", "grid", "force_split(s2, {v}, f2)", _GRID)
_arrays("pde.force_split", "phi", "force_split(s2, g2, {v})", "g2.shape")
_add("pde.force_split", "beta", "force_split(s2, g2, f2, beta={v})", _OPT_POS)

_arrays("pde.free_energy", "rho", "free_energy({v}, rho2, g2, 1.0)", "g2.shape")
_arrays("pde.free_energy", "rho_ss", "free_energy(rho2, {v}, g2, 1.0)", "g2.shape")
_add("pde.free_energy", "grid", "free_energy(rho2, rho2, {v}, 1.0)", _GRID)
_add("pde.free_energy", "beta", "free_energy(rho2, rho2, g2, {v})", _POS)

_arrays("pde.grid_landscape", "values", "grid_landscape({v}, g1)", "g1.shape")
_add("pde.grid_landscape", "grid", "grid_landscape(f1, {v})", _GRID + ["g2"])
_add("pde.grid_landscape", "name", "grid_landscape(f1, g1, {v})", ["3", "None"])

# ----------------------------------------------------------------------------- regularity
_R = "regularity."
_arrays("pde.regularity.semiconcavity", "u", _R + "semiconcavity({v}, g1, 0.5)", "g1.shape")
_add("pde.regularity.semiconcavity", "grid", _R + "semiconcavity(f1, {v}, 0.5)", _GRID)
_add("pde.regularity.semiconcavity", "t", _R + "semiconcavity(f1, g1, {v})", _POS)
_add("pde.regularity.semiconcavity", "margin", _R + "semiconcavity(f1, g1, 0.5, margin={v})",
     ["-1", "2.5", "'x'", "100", "None"])
_arrays("pde.regularity.lipschitz", "u", _R + "lipschitz({v}, f1, g1)", "g1.shape")
_arrays("pde.regularity.lipschitz", "f", _R + "lipschitz(f1, {v}, g1)", "g1.shape")
_add("pde.regularity.lipschitz", "grid", _R + "lipschitz(f1, f1, {v})", _GRID)
_arrays("pde.regularity.viscous_bounds", "u", _R + "viscous_bounds({v}, f1, g1, 0.5, 1.0)", "g1.shape")
_add("pde.regularity.viscous_bounds", "grid", _R + "viscous_bounds(f1, f1, {v}, 0.5, 1.0)", _GRID)
_add("pde.regularity.viscous_bounds", "t", _R + "viscous_bounds(f1, f1, g1, {v}, 1.0)", _POS)
_add("pde.regularity.viscous_bounds", "beta", _R + "viscous_bounds(f1, f1, g1, 0.5, {v})", _POS)
_arrays("pde.regularity.nonviscous_bound", "u", _R + "nonviscous_bound({v}, f1, g1)", "g1.shape")
_add("pde.regularity.nonviscous_bound", "grid", _R + "nonviscous_bound(f1, f1, {v})", _GRID)
_add("pde.regularity.monotone_in_time", "times", _R + "monotone_in_time([f1, f1], {v})",
     ["'abc'", "None", "[0.0]", "[1.0, 0.5]", "[0.0, float('nan')]", "[]"])
_add("pde.regularity.monotone_in_time", "us", _R + "monotone_in_time({v}, [0.0, 1.0])",
     ["None", "'ab'", "[f1]", "[f1, f1[:-1]]", "[f1, np.full(f1.shape, np.nan)]", "[[], []]"])
_add("pde.regularity.viscous_limit_rate", "f", _R + "viscous_limit_rate({v}, g1, 0.5, [10.0, 20.0])",
     ["None", "'abc'", "np.zeros(3)"])
_add("pde.regularity.viscous_limit_rate", "grid", _R + "viscous_limit_rate(f1, {v}, 0.5, [10.0, 20.0])", _GRID)
_add("pde.regularity.viscous_limit_rate", "t", _R + "viscous_limit_rate(f1, g1, {v}, [10.0, 20.0])", _POS)
_add("pde.regularity.viscous_limit_rate", "betas", _R + "viscous_limit_rate(f1, g1, 0.5, {v})",
     ["'abc'", "None", "[]", "[10.0]", "[-1.0, 2.0]", "[float('nan'), 2.0]", "list(range(1, 10**4))"])
_add("pde.regularity.viscous_limit_rate", "tol", _R + "viscous_limit_rate(f1, g1, 0.5, [10.0, 20.0], tol={v})",
     ["'abc'", "-1.0", "float('nan')", "None"])
_arrays("pde.regularity.comparison", "u1", _R + "comparison({v}, f1, f1, f1 + 1, g1)", "g1.shape")
_add("pde.regularity.comparison", "f1", _R + "comparison(f1, f1, {v}, f1, g1)", ["f1 + 1", "None", "'x'"])
_add("pde.regularity.comparison", "grid", _R + "comparison(f1, f1, f1, f1 + 1, {v})", _GRID)
_arrays("pde.regularity.relaxation_checks", "f", _R + "relaxation_checks({v}, g1, 0.2, 10.0)", "g1.shape")
_add("pde.regularity.relaxation_checks", "grid", _R + "relaxation_checks(f1, {v}, 0.2, 10.0)", _GRID)
_add("pde.regularity.relaxation_checks", "t", _R + "relaxation_checks(f1, g1, {v}, 10.0)", _POS)
_add("pde.regularity.relaxation_checks", "beta", _R + "relaxation_checks(f1, g1, 0.2, {v})", _POS)
_arrays("pde.regularity.gauss_smooth", "values", _R + "gauss_smooth({v}, g1, 0.1)", "g1.shape")
_add("pde.regularity.gauss_smooth", "grid", _R + "gauss_smooth(f1, {v}, 0.1)", _GRID)
_add("pde.regularity.gauss_smooth", "sigma2", _R + "gauss_smooth(f1, g1, {v})", _POS)
