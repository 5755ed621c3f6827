"""Landscapes from sympy expressions: ∇f and ∇²f derived symbolically, compiled once.

Strings are parsed by a restricted parser over Python's ``ast`` (numbers, the named
variables and parameters, + − * / ** ^, and a whitelist of functions); nothing is
``eval``-ed. The derived expressions go through common-subexpression elimination and
are printed to Python source with sympy's code printer, which Numba compiles once.
Parameters are runtime arrays: the same compiled kernels serve every parameter value.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from .._core import ParameterError, bad_parameter, jit
from ._base import Landscape

__all__ = ["from_sympy", "parse_expression"]

#: Functions a string expression may call, by name.
ALLOWED_FUNCTIONS: dict[str, Any] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
    "sqrt": sp.sqrt, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh,
    "atan": sp.atan, "asin": sp.asin, "acos": sp.acos, "Abs": sp.Abs, "abs": sp.Abs,
    "erf": sp.erf,
}
ALLOWED_CONSTANTS: dict[str, Any] = {"pi": sp.pi, "E": sp.E}

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse_expression(text: str, names: Mapping[str, sp.Symbol]) -> sp.Expr:
    """Parse ``text`` into a sympy expression without evaluating any code.

    Parameters
    ----------
    text : str
        An arithmetic expression such as ``"(x**2 - 1)**2/4 + a*y**2"``.
    names : mapping
        The symbols the expression may use, by name.

    Raises
    ------
    ParameterError
        On any syntax outside numbers, the given names, arithmetic and the
        whitelisted functions (:data:`ALLOWED_FUNCTIONS`).
    """
    if len(text) > 100_000:
        raise bad_parameter("expr", "a string of at most 100000 characters", f"{len(text)} characters")
    try:
        # "^" means power, with the precedence of "**" (Python's ^ binds looser than +)
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise ParameterError(f"`expr` is not a valid expression: {exc.msg} in {text!r}") from None

    def conv(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return conv(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return sp.Rational(node.value) if isinstance(node.value, int) else sp.Float(node.value)
        if isinstance(node, ast.Name):
            if node.id in names:
                return names[node.id]
            if node.id in ALLOWED_CONSTANTS:
                return ALLOWED_CONSTANTS[node.id]
            raise ParameterError(
                f"`expr` uses unknown name {node.id!r}; known variables/parameters are {sorted(names)} "
                f"and constants {sorted(ALLOWED_CONSTANTS)}"
            )
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](conv(node.left), conv(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = conv(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            fn = ALLOWED_FUNCTIONS.get(node.func.id)
            if fn is None:
                raise ParameterError(
                    f"`expr` calls {node.func.id!r}, which is not allowed; allowed functions are "
                    f"{sorted(ALLOWED_FUNCTIONS)}"
                )
            return fn(*[conv(a) for a in node.args])
        raise ParameterError(f"`expr` contains unsupported syntax {type(node).__name__!r} in {text!r}")

    return sp.sympify(conv(tree))


class _KernelPrinter(PythonCodePrinter):
    """Python code printer whose math calls Numba understands."""

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"


def _compile(src: str, fname: str) -> Any:
    namespace: dict[str, Any] = {"math": math}
    code = compile(src, f"<deeprelax sympy kernel {fname}>", "exec")
    exec(code, namespace)  # trusted source printed from a sympy tree, never user text
    return jit(namespace[fname], cache=False)


def from_sympy(
    expr: sp.Expr | str,
    variables: Sequence[sp.Symbol | str],
    params: Mapping[str | sp.Symbol, float] | None = None,
    *,
    name: str = "sympy",
) -> Landscape:
    """A :class:`Landscape` from a sympy expression (or a string, parsed safely).

    Parameters
    ----------
    expr : sympy.Expr or str
        f in terms of ``variables`` and the parameter symbols.
    variables : sequence of sympy.Symbol or str
        The coordinates x₀, …, x_{d−1}, in order.
    params : mapping, optional
        Parameter symbols (or names) and their values. They become the runtime
        parameter vector, in the mapping's order; change them with
        :meth:`Landscape.with_params` without recompiling.
    name : str
        A label.

    Notes
    -----
    ∇f and ∇²f are derived with :func:`sympy.diff` and simplified by
    :func:`sympy.cse`; the three kernels are compiled once with Numba.

    Examples
    --------
    >>> f = from_sympy("(x**2 - 1)**2/4 + a*y**2/2", ["x", "y"], {"a": 2.0})
    >>> f.grad([[1.0, 1.0]]).tolist()
    [[0.0, 2.0]]
    """
    xs = [sp.Symbol(v) if isinstance(v, str) else v for v in variables]
    if not xs:
        raise bad_parameter("variables", "a non-empty sequence of symbols", variables)
    params = dict(params or {})
    ps = [sp.Symbol(k) if isinstance(k, str) else k for k in params]
    pvals = np.array([float(v) for v in params.values()], dtype=np.float64)
    if isinstance(expr, str):
        names = {str(s): s for s in xs + ps}
        expr = parse_expression(expr, names)
    expr = sp.sympify(expr)
    extra = expr.free_symbols - set(xs) - set(ps)
    if extra:
        raise ParameterError(
            f"`expr` has free symbols {sorted(map(str, extra))} that are neither variables nor params; "
            "add them to `variables` or give them values in `params`"
        )
    d = len(xs)
    grads = [sp.diff(expr, v) for v in xs]
    hess = [[sp.diff(g, v) for v in xs] for g in grads]
    # Symbols named like array reads, so the printed code indexes x and p directly.
    sub = {v: sp.Symbol(f"x[{i}]") for i, v in enumerate(xs)}
    sub.update({q: sp.Symbol(f"p[{i}]") for i, q in enumerate(ps)})
    pr = _KernelPrinter({"fully_qualified_modules": True, "standard": "python3"})

    def kernel_src(fname: str, header: str, exprs: list, assign: list[str]) -> str:
        temps, reduced = sp.cse([sp.sympify(e).xreplace(sub) for e in exprs], symbols=sp.numbered_symbols("_t"))
        lines = [f"def {fname}({header}):"]
        lines += [f"    {s} = {pr.doprint(e)}" for s, e in temps]
        lines += [f"    {a.format(pr.doprint(e))}" for a, e in zip(assign, reduced)]
        return "\n".join(lines) + "\n"

    vsrc = kernel_src("value", "x, p", [expr], ["return {}"])
    gsrc = kernel_src("grad", "x, p, out", grads, [f"out[{i}] = {{}}" for i in range(d)])
    hsrc = kernel_src(
        "hess", "x, p, out", [h for row in hess for h in row],
        [f"out[{i}, {j}] = {{}}" for i in range(d) for j in range(d)],
    )
    meta = {"expr": str(expr), "variables": [str(v) for v in xs], "param_names": [str(q) for q in ps]}
    return Landscape(d, _compile(vsrc, "value"), _compile(gsrc, "grad"), _compile(hsrc, "hess"), pvals, name, meta)
