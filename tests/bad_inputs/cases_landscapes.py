"""Bad inputs for every public entry point of :mod:`deeprelax.landscapes`, and hostile strings.

``from_sympy`` gets ~45 hostile expression strings (code injection, huge powers,
non-finite constants, deep nesting, long sums): each must be refused with an error
naming ``expr`` within the case's time limit and the child's memory cap — before the
fix, ``"9**9**9*x"`` pinned a core for minutes. ``parse_expression`` is the same parser.
Evaluating a landscape at a NaN point returns NaN (IEEE arithmetic, documented as benign).
"""

from tests.bad_inputs._harness import Case

SETUP = """
import numpy as np
import sympy as sp
from deeprelax.landscapes import *
from deeprelax.landscapes import _catalogue
q = quadratic(np.eye(2))
e19 = example19(0.5)
xs = np.zeros((3, 2)); p0 = np.zeros(0); out1 = np.empty(3); out2 = np.empty((3, 2)); out3 = np.empty((3, 2, 2))
"""

WRONG_TYPE = ["'0.1'", "None", "[0.1]", "np.ones(2)", "True", "1j"]
NONFINITE = ["float('nan')", "float('inf')", "-float('inf')"]
REAL = WRONG_TYPE + NONFINITE
POSITIVE = REAL + ["0.0", "-1.0"]
NONNEG = REAL + ["-1e-3"]
INT_POS = ["'3'", "None", "True", "float('nan')", "2.5", "0", "-1", "1e300", "[3]"]

HOSTILE = [
    "x + 10**10**10", "9**9**9*x", "2**-10**10*x", "(10**200)**3*x", "10**(10**10)", "x**(10**300)",
    "x**1e300", "1e999*x", "1e308*10*x", "exp(1000)*x", "exp(exp(exp(1000)))*x", "E**1000*x",
    "1/0*x", "log(0) + x", "0**-1 + x", "x**(1/0)", "sqrt(-1)*x", "(-8)**(1/3)*x",
    "x+" * 30000 + "x", "-" * 5000 + "x", "x*" * 5000 + "x", "+".join(["x"] * 12000),
    "(" * 300 + "x" + ")" * 300, "9" * 5000 + "*x", "x" * 200_000,
    "__import__('os').system('touch /tmp/deeprelax_pwned')", "lambda: 1", "x.real", "x.__class__.__mro__",
    "[x]", "{x: 1}", "x if x else 1", "(lambda: 0)()", "globals()", "exec('1')", "eval('x')",
    "open('/etc/passwd')", "x[0]", "x @ x", "'a'", "b'x'", "x; import os", "f'{x}'", "sin(*[x])",
    "sin(x=x)", "sin(x, x)", "x < 1", "not x", "x and 1", "x := 1", "", "   ", "x +", "y*x",
]


def _cases(entry: str, param: str, template: str, values: list[str], **kw) -> list[Case]:
    return [Case(entry, param, template.format(v=v), **kw) for v in values]


CASES: list[Case] = []
add = CASES.extend

# -- from_sympy / parse_expression -------------------------------------------------------------
add([Case("landscapes.from_sympy", "expr", f"from_sympy({h!r}, ['x'])", timeout=30.0) for h in HOSTILE])
add([Case("landscapes.parse_expression", "expr", f"parse_expression({h!r}, {{'x': sp.Symbol('x')}})",
          timeout=30.0) for h in HOSTILE[:24]])
add(_cases("landscapes.from_sympy", "expr", "from_sympy({v}, ['x'])",
           ["3.0", "None", "[1]", "sp.Eq(sp.Symbol('x'), 1)"]))
add(_cases("landscapes.from_sympy", "variables", "from_sympy('x', {v})",
           ["'x'", "None", "[]", "[3]", "['x', 'x']", "['x y']", "['lambda']", "[f'x{i}' for i in range(101)]"]))
add(_cases("landscapes.from_sympy", "params", "from_sympy('a*x', ['x'], {{'a': {v}}})", REAL))
add(_cases("landscapes.from_sympy", "params", "from_sympy('x**2', ['x'], {v})",
           ["{'x': 3.0}", "[('a', 1.0)]", "3.0", "{3: 1.0}", "{'a b': 1.0}", "{'a': 1.0, sp.Symbol('a'): 2.0}"]))
add(_cases("landscapes.from_sympy", "name", "from_sympy('x', ['x'], name={v})", ["3", "None"]))

# -- the catalogue -----------------------------------------------------------------------------
add(_cases("landscapes.quadratic", "H", "quadratic({v})",
           ["'abc'", "None", "[[1.0, 2.0], [3.0]]", "np.zeros((2, 3))", "[[1.0, 2.0], [0.0, 1.0]]",
            "np.array([[np.nan, 0], [0, 1.0]])", "np.zeros((0, 0))", "[[1j]]"]))
add(_cases("landscapes.quadratic", "center", "quadratic(np.eye(2), {v})",
           ["'abc'", "[1.0]", "[np.nan, 0.0]", "np.zeros((2, 2))"]))
add(_cases("landscapes.double_well", "dim", "double_well({v})", INT_POS))
add(_cases("landscapes.double_well", "barrier", "double_well(1, barrier={v})", REAL))
add(_cases("landscapes.double_well", "kappa", "double_well(1, kappa={v})", REAL))
add(_cases("landscapes.muller_brown", "scale", "muller_brown({v})", REAL))
add(_cases("landscapes.example19", "lam", "example19({v})", REAL))
for _p in ("sharp_depth", "sharp_at", "wide_depth", "wide_at"):
    add(_cases("landscapes.sharp_wide", _p, f"sharp_wide({_p}={{v}})", REAL))
for _p in ("sharp_width", "wide_width"):
    add(_cases("landscapes.sharp_wide", _p, f"sharp_wide({_p}={{v}})", POSITIVE))
add(_cases("landscapes.sharp_wide", "confine", "sharp_wide(confine={v})", NONNEG))
add(_cases("landscapes.relaxation_1d", "quad", "relaxation_1d(quad={v})", REAL))
add(_cases("landscapes.relaxation_1d", "amplitude", "relaxation_1d(amplitude={v})", REAL))
add(_cases("landscapes.relaxation_1d", "noise", "relaxation_1d(noise={v})", NONNEG))
add(_cases("landscapes.relaxation_1d", "noise_length", "relaxation_1d(noise=0.5, noise_length={v})", POSITIVE))
add(_cases("landscapes.relaxation_1d", "seed", "relaxation_1d(noise=0.5, seed={v})",
           ["'3'", "-1", "2.5", "float('nan')", "True"]))

# -- from_numba, the classes and their methods --------------------------------------------------
add(_cases("landscapes.from_numba", "dim", "from_numba(_catalogue._quad_value, _catalogue._quad_grad, dim={v})",
           INT_POS))
add(_cases("landscapes.from_numba", "params",
           "from_numba(_catalogue._quad_value, _catalogue._quad_grad, dim=1, params={v})",
           ["'abc'", "[np.nan]", "[[1.0]]", "None"]))
add(_cases("landscapes.from_numba", "value", "from_numba({v}, _catalogue._quad_grad, dim=1)",
           ["3", "None"], match="value"))
add(_cases("landscapes.Landscape", "dim", "Landscape({v}, _catalogue._quad_value, _catalogue._quad_grad)",
           ["0", "-1", "'2'", "2.5", "None"]))
add(_cases("landscapes.Landscape", "params",
           "Landscape(1, _catalogue._quad_value, _catalogue._quad_grad, params={v})",
           ["[np.nan]", "'abc'", "[[1.0]]"]))
add(_cases("landscapes.VectorField", "dim", "VectorField({v}, _catalogue._ex19_drift)", ["0", "'2'", "None"]))
add(_cases("landscapes.VectorField", "params", "VectorField(2, _catalogue._ex19_drift, params={v})",
           ["[np.inf]", "'abc'"]))
add(_cases("landscapes.Landscape.value", "x", "q.value({v})",
           ["'abc'", "None", "np.zeros((3, 3))", "[[1.0, 2.0], [3.0]]", "[[1j, 1j]]"]))
add(_cases("landscapes.Landscape.value", "x", "q.value({v})", ["[np.nan, 0.0]"], expect="benign",
           note="f at a NaN point is NaN (IEEE), as for numpy"))
add(_cases("landscapes.Landscape.grad", "x", "q.grad({v})", ["'abc'", "np.zeros((3, 3))"]))
add(_cases("landscapes.Landscape.hess", "x", "q.hess({v})", ["'abc'", "np.zeros((3, 3))"]))
add(_cases("landscapes.Landscape.with_params", "params", "q.with_params({v})",
           ["[1.0]", "'abc'", "np.full(6, np.nan)", "np.full(6, np.inf)", "None"]))
add(_cases("landscapes.VectorField.__call__", "x", "e19({v})", ["'abc'", "np.zeros((3, 3))"]))
add(_cases("landscapes.VectorField.with_params", "params", "e19.with_params({v})", ["[np.nan]", "[1.0, 2.0]"]))
add(_cases("landscapes.batch_scalar", "x", "batch_scalar(q.value_kernel, {v}, q.params, out1)",
           ["np.zeros(3)", "'abc'", "np.zeros((3, 2), dtype=np.int64)"]))
add(_cases("landscapes.batch_scalar", "out", "batch_scalar(q.value_kernel, xs, q.params, {v})",
           ["np.empty(2)", "None"]))
add(_cases("landscapes.batch_vector", "out", "batch_vector(q.grad_kernel, xs, q.params, {v})",
           ["np.empty((2, 2))", "np.empty(3)"]))
add(_cases("landscapes.batch_vector", "p", "batch_vector(q.grad_kernel, xs, {v}, out2)", ["None", "[1.0]"]))
add(_cases("landscapes.batch_matrix", "out", "batch_matrix(q.hess_kernel, xs, q.params, {v})",
           ["np.empty((2, 2, 2))", "out2"]))
