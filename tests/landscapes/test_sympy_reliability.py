"""`from_sympy` under hostile or impossible input (issue 9, item 3): clear errors, bounded work.

Every refusal here must be fast: the tests run each hostile string under a wall-clock
budget (``FAST``), so an eager evaluation of ``10**10**10`` (minutes, gigabytes) fails
the test instead of passing it late.
"""

import time

import numpy as np
import pytest
import sympy as sp

import deeprelax.landscapes as L
from deeprelax._core import DeepRelaxError, ParameterError

#: Wall-clock budget of one refusal (s): parsing and checking only, no compile.
FAST = 5.0


def _refused(expr, variables=("x",), params=None, match="expr"):
    t0 = time.perf_counter()
    with pytest.raises(DeepRelaxError, match=match):
        L.from_sympy(expr, variables, params)
    assert time.perf_counter() - t0 < FAST


def test_name_in_both_variables_and_params_is_refused():
    # before: params silently overrode the variable, so f(1) evaluated 3**2 = 9
    _refused("x**2", ["x"], {"x": 3.0}, match=r"`params` .*\['x'\] in both")
    x = sp.Symbol("x")
    _refused(x**2, [x], {x: 3.0}, match="in both")


def test_duplicate_variables_are_refused():
    _refused("x*y", ["x", "y", "x"], match=r"`variables` .*distinct.*\['x'\]")
    _refused("x", "xy", match="`variables`")  # a bare string is not split into names


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), "2.0", None, 1j, True])
def test_parameter_values_must_be_finite_reals(bad):
    _refused("a*x", ["x"], {"a": bad}, match=r"`params\['a'\]`")


@pytest.mark.parametrize("text", ["x + 10**10**10", "9**9**9*x", "2**-10**10*x", "(10**200)**3*x",
                                  "x**(10**300)", "x**1e300"])
def test_huge_powers_are_refused_without_evaluation(text):
    _refused(text, match="too large")


@pytest.mark.parametrize("text, what", [("1e999*x", "finite"), ("1e308*10*x", "finite"),
                                        ("exp(1000)*x", "finite"), ("exp(exp(exp(1000)))*x", "finite"),
                                        ("1/0*x", "infinity"), ("log(0) + x", "infinity"),
                                        ("sqrt(-1)*x", "imaginary"), ("(-8)**(1/3)*x", "real"),
                                        ("x**(1/0)", "undefined")])
def test_non_finite_or_complex_constants_are_refused(text, what):
    _refused(text, match=what)


def test_long_sums_and_deep_nesting_give_clear_errors():
    # a sum of 1000 terms works (built flat, no recursion per term) ...
    n = 1000
    f = L.from_sympy("+".join(f"{i}*x" for i in range(n)), ["x"])
    assert float(f.value(1.0)) == pytest.approx(n * (n - 1) / 2)
    # ... a sum beyond Python's parser nesting limit, or deep unary nesting, is a clear error
    for text in ["x+" * 30000 + "x", "-" * 5000 + "x", "x*" * 5000 + "x"]:
        _refused(text, match="cannot be parsed|syntax nodes")
    _refused("+".join(["x"] * 12000), match="syntax nodes|cannot be parsed")


@pytest.mark.parametrize("text", ["__import__('os').system('touch /tmp/deeprelax_pwned')", "lambda: 1",
                                  "x.real", "x.__class__.__mro__", "[x]", "{x: 1}", "x if x else 1",
                                  "(lambda: 0)()", "globals()", "exec('1')", "eval('x')", "open('/etc/passwd')",
                                  "x[0]", "x @ x", "'a'", "x; import os", "f'{x}'", "*x", "sin(*[x])",
                                  "sin(x=x)", "x < 1", "not x", "x and 1", "await x", "(yield)", "x := 1"])
def test_hostile_strings_are_never_executed(text, tmp_path):
    _refused(text)


def test_big_integer_coefficients_compile_as_floats():
    # 10**30 is beyond int64: it must reach the kernel as a float, not an int literal Numba cannot type
    f = L.from_sympy("10**30*x**2", ["x"])
    assert float(f.value(1.0)) == pytest.approx(1e30)
    np.testing.assert_allclose(f.grad([[1.0]]), [[2e30]])


def test_wrong_argument_types():
    _refused(3.0, match="`expr`")
    _refused(None, match="`expr`")
    _refused("x", [3], match="`variables`")
    _refused("x", [], match="`variables`")
    _refused("x", ["x y"], match="`variables`")
    _refused("a*x", ["x"], [("a", 1.0)], match="`params`")
    with pytest.raises(ParameterError, match="`name`"):
        L.from_sympy("x", ["x"], name=3)


def test_valid_expressions_still_work():
    # negative control for the guards: moderate powers, big-but-finite constants, nesting
    f = L.from_sympy("2**10*x + 1e300*y**2 + (((x)))**3 + exp(700)*0*y", ["x", "y"])
    assert float(f.value([1.0, 0.0])) == pytest.approx(1024.0 + 1.0)
    g = L.from_sympy("a*x**2", ["x"], {"a": 2.0})
    assert float(g.with_params([3.0]).value(2.0)) == pytest.approx(12.0)
    with pytest.raises(DeepRelaxError, match="`params`"):
        g.with_params([float("nan")])
