"""Landscapes from sympy expressions: ∇f and ∇²f derived symbolically, compiled once.

Strings are parsed by a restricted parser over Python's ``ast`` (numbers, the named
variables and parameters, + − * / ** ^, and a whitelist of functions); nothing is
``eval``-ed. The derived expressions go through common-subexpression elimination and
are printed to Python source with sympy's code printer into a generated module keyed by a
hash of that source (in the kernel cache directory), which Numba compiles once and caches
on disk: a later process building the same expression loads the machine code.
Parameters are runtime arrays: the same compiled kernels serve every parameter value.
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from .._core import ParameterError, bad_parameter, check_float
from .._core._codegen import importable_source
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


#: Longest expression string accepted (characters).
MAX_EXPR_CHARS = 100_000
#: Most syntax-tree nodes an expression string may have: bounds the symbolic work (∇f, ∇²f, cse).
MAX_EXPR_NODES = 20_000
#: Largest |log₁₀| of a number the parser builds from literals and ``**`` (beyond float64's 1e±308,
#: with room for exact intermediate rationals); ``10**10**10`` is refused instead of evaluated.
MAX_LOG10_MAGNITUDE = 400
#: Largest dimension: the Hessian kernel holds d² derived expressions.
MAX_DIM = 100


def _log10_abs(q: sp.Number) -> float:
    """|log₁₀|q|| of a sympy number without evaluating it (0 for 0)."""
    if q == 0:
        return 0.0
    if isinstance(q, sp.Rational) and max(q.p.bit_length(), q.q.bit_length()) > 1000:
        return abs(q.p.bit_length() - q.q.bit_length()) * math.log10(2.0)
    f = float(q)
    if math.isfinite(f):
        return abs(math.log10(abs(f))) if f != 0 else 0.0
    if isinstance(q, sp.Rational):
        return abs(q.p.bit_length() - q.q.bit_length()) * math.log10(2.0)
    mant, exp = q._mpf_[1], q._mpf_[2]  # sympy Float: mant · 2^exp
    return abs(exp + int(mant).bit_length()) * math.log10(2.0)


def _power(base: Any, expo: Any) -> Any:
    """``base**expo``, refusing numeric powers whose result would have more than 400 digits."""
    if isinstance(base, sp.Number) and isinstance(expo, sp.Number) and base not in (0, 1, -1):
        mag = _log10_abs(base)
        if not math.isfinite(float(expo)) or abs(float(expo)) * max(mag, 1e-300) > MAX_LOG10_MAGNITUDE:
            raise ParameterError(
                f"`expr` has a numeric power too large to evaluate: {str(base)[:40]}**{str(expo)[:40]} is about "
                f"10**±{abs(float(expo)) * mag:.3g}; numeric powers must stay within 10**±{MAX_LOG10_MAGNITUDE} "
                "(float64 holds magnitudes up to 1.8e308): rescale the expression"
            )
    if isinstance(expo, sp.Number) and not abs(float(expo)) <= 1e18:
        raise ParameterError(f"`expr` has an exponent too large: {str(expo)[:60]}; exponents must be at most 1e18 "
                             "in magnitude")
    return base**expo


def parse_expression(text: str, names: Mapping[str, sp.Symbol]) -> sp.Expr:
    """Parse ``text`` into a sympy expression without evaluating any code.

    Only numbers, the given names, ``+ − * / ** ^``, the constants ``pi``/``E`` and the
    whitelisted functions (:data:`ALLOWED_FUNCTIONS`) are accepted; nothing is ``eval``-ed.
    The work is bounded: at most :data:`MAX_EXPR_CHARS` characters and
    :data:`MAX_EXPR_NODES` syntax nodes; numeric literals must be finite float64 values;
    a power of two numbers is refused when its result would exceed 10^±400 (so
    ``"10**10**10"`` is an error, not minutes of big-integer arithmetic). Long sums and
    products are built flat (no recursion per term).

    Parameters
    ----------
    text : str
        An arithmetic expression such as ``"(x**2 - 1)**2/4 + a*y**2"``.
    names : mapping
        The symbols the expression may use, by name.

    Raises
    ------
    ParameterError
        On any syntax outside the above; a non-finite, complex or oversized constant
        (``1/0``, ``log(0)``, ``sqrt(-1)``, ``exp(1000)``); or an expression too long
        or too deeply nested. The message names ``expr``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> parse_expression("2*x^2 + 1", {"x": x})
    2*x**2 + 1
    >>> parse_expression("x + 10**10**10", {"x": x})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    deeprelax._core.errors.ParameterError: `expr` has a numeric power too large to evaluate: 10**10000000000 ...
    """
    if not isinstance(text, str):
        raise bad_parameter("expr", "a string or a sympy expression", type(text).__name__)
    if len(text) > MAX_EXPR_CHARS:
        raise bad_parameter("expr", f"a string of at most {MAX_EXPR_CHARS} characters", f"{len(text)} characters")
    if not text.strip():
        raise bad_parameter("expr", "a non-empty expression", text)
    try:
        # "^" means power, with the precedence of "**" (Python's ^ binds looser than +)
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise ParameterError(f"`expr` is not a valid expression: {exc.msg} in {text[:200]!r}") from None
    except (RecursionError, MemoryError, ValueError) as exc:  # parser nesting limit, int-digit limit
        raise ParameterError(
            f"`expr` cannot be parsed ({type(exc).__name__}: {str(exc)[:200]}); "
            "write it with less nesting or shorter literals; a sum of thousands of terms exceeds Python's "
            "parser: build it with sympy (sympy.Add(*terms)) and pass the expression"
        ) from None
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > MAX_EXPR_NODES:
        raise bad_parameter("expr", f"an expression of at most {MAX_EXPR_NODES} syntax nodes",
                            f"{n_nodes} nodes", "build a long sum with sympy objects instead")

    def chain(node: ast.BinOp, ops: tuple[type, ...]) -> list[tuple[type | None, ast.AST]]:
        """The operands of a left-deep chain ``a op b op c ...`` (same precedence), iteratively."""
        items: list[tuple[type | None, ast.AST]] = []
        cur: ast.AST = node
        while isinstance(cur, ast.BinOp) and isinstance(cur.op, ops):
            items.append((type(cur.op), cur.right))
            cur = cur.left
        items.append((None, cur))
        return items[::-1]

    def conv(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return conv(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            if isinstance(node.value, float) and not math.isfinite(node.value):
                raise bad_parameter("expr", "finite numeric constants", f"a literal that overflows to {node.value}",
                                    "float64 holds magnitudes up to 1.8e308")
            if isinstance(node.value, int) and node.value.bit_length() > 1100:
                raise bad_parameter("expr", "finite numeric constants", f"an integer literal of "
                                    f"{node.value.bit_length()} bits", "float64 holds magnitudes up to 1.8e308")
            return sp.Integer(node.value) if isinstance(node.value, int) else sp.Float(node.value)
        if isinstance(node, ast.Name):
            if node.id in names:
                return names[node.id]
            if node.id in ALLOWED_CONSTANTS:
                return ALLOWED_CONSTANTS[node.id]
            raise ParameterError(
                f"`expr` uses unknown name {node.id[:100]!r}; known variables/parameters are {sorted(names)} "
                f"and constants {sorted(ALLOWED_CONSTANTS)}"
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            terms = [conv(n) if op is not ast.Sub else -conv(n) for op, n in chain(node, (ast.Add, ast.Sub))]
            return sp.Add(*terms)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            items = chain(node, (ast.Mult, ast.Div))
            num = [conv(n) for op, n in items if op is not ast.Div]
            den = [conv(n) for op, n in items if op is ast.Div]
            out = sp.Mul(*num)
            return out / sp.Mul(*den) if den else out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return _power(conv(node.left), conv(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = conv(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            fn = ALLOWED_FUNCTIONS.get(node.func.id)
            if fn is None:
                raise ParameterError(
                    f"`expr` calls {node.func.id[:100]!r}, which is not allowed; allowed functions are "
                    f"{sorted(ALLOWED_FUNCTIONS)}"
                )
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise ParameterError(f"`expr` contains unsupported syntax 'Starred' in {text[:200]!r}")
            args = [conv(a) for a in node.args]
            try:
                return fn(*args)
            except (TypeError, ValueError) as exc:
                raise ParameterError(f"`expr` calls {node.func.id}() with {len(args)} argument(s): {exc}") from None
        raise ParameterError(f"`expr` contains unsupported syntax {type(node).__name__!r} in {text[:200]!r}")

    try:
        out = sp.sympify(conv(tree))
        _check_constants(out)
        return out
    except RecursionError:
        raise ParameterError("`expr` is nested too deeply to handle; flatten it or build it with sympy") from None


def _check_constants(expr: sp.Expr) -> None:
    """Refuse complex, infinite or undefined values, and constant subexpressions that are not float64-finite."""
    if not isinstance(expr, sp.Expr):
        raise bad_parameter("expr", "a scalar sympy expression", type(expr).__name__)
    for bad, what in ((sp.zoo, "complex infinity (e.g. 1/0)"), (sp.nan, "an undefined value (nan)"),
                      (sp.oo, "infinity"), (sp.I, "the imaginary unit")):
        if expr.has(bad):
            raise bad_parameter("expr", "a real, finite expression", f"one containing {what}",
                                "check the constants and divisions in the expression")
    for sub in sp.postorder_traversal(expr):
        if sub.free_symbols or not isinstance(sub, sp.Expr):
            continue
        try:
            val = float(sub.evalf(17)) if not isinstance(sub, sp.Number) else float(sub)
        except (TypeError, ValueError, OverflowError):
            raise bad_parameter("expr", "real constants", f"the non-real constant {str(sub)[:100]}") from None
        if not math.isfinite(val):
            raise bad_parameter("expr", "float64-finite constants", f"{str(sub)[:60]} = {val}",
                                "rescale the expression so every constant stays below 1.8e308")


class _KernelPrinter(PythonCodePrinter):
    """Python code printer whose math calls Numba understands."""

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"


def _float_big(e: sp.Expr) -> sp.Expr:
    """Integers/rationals beyond 2**53 as floats: the printed code must not hold int literals Numba cannot type."""
    return e.replace(lambda a: isinstance(a, sp.Rational) and (abs(a.p) > 2**53 or a.q > 2**53),
                     lambda a: sp.Float(a, 17))


def _compile(sources: dict[str, str]) -> dict[str, Any]:
    """Jitted kernels from printed sources, as one generated module keyed by a hash of the source.

    The module is written once to the kernel cache directory and imported
    (:func:`deeprelax._core._codegen.importable_source`), so its kernels are disk-cached: a
    second process building the same expression loads them instead of compiling.
    """
    body = "\n\n".join(f"@jit\n{src}" for src in sources.values())
    source = ("# generated by deeprelax.landscapes.from_sympy (do not edit; keyed by a hash of this text)\n"
              f"import math\n\nfrom deeprelax._core import jit\n\n\n{body}")
    try:
        compile(source, "<deeprelax sympy kernels>", "exec")  # refuse before anything is written
    except (SyntaxError, RecursionError, MemoryError) as exc:  # e.g. "too many nested parentheses"
        raise ParameterError(f"`expr` is too deeply nested to compile its kernels ({exc}); "
                             "simplify or flatten the expression") from None
    # trusted source printed from a sympy tree, never user text
    mod = importable_source(source, "sympy", (__file__,))
    return {fname: getattr(mod, fname) for fname in sources}


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
    xs = _check_variables(variables)
    ps, pvals = _check_params(params, xs)
    if not isinstance(name, str):
        raise bad_parameter("name", "a string", name)
    if isinstance(expr, str):
        expr = parse_expression(expr, {str(s): s for s in xs + ps})
    elif not isinstance(expr, sp.Basic):
        raise bad_parameter("expr", "a string or a sympy expression", expr)
    _check_constants(expr)
    extra = expr.free_symbols - set(xs) - set(ps)
    if extra:
        raise ParameterError(
            f"`expr` has free symbols {sorted(map(str, extra))} that are neither variables nor params; "
            "add them to `variables` or give them values in `params`"
        )
    try:
        return _build(expr, xs, ps, pvals, name)
    except RecursionError:
        raise ParameterError("`expr` is nested too deeply to differentiate and compile; "
                             "flatten it or split it into a sum") from None


def _check_variables(variables: Any) -> list[sp.Symbol]:
    if isinstance(variables, (str, sp.Basic)) or not isinstance(variables, Sequence):
        raise bad_parameter("variables", "a list of names or sympy symbols", variables,
                            "pass e.g. ['x', 'y'] (a bare string is not split into names)")
    xs = []
    for v in variables:
        if isinstance(v, str):
            if not v.isidentifier() or keyword.iskeyword(v):
                raise bad_parameter("variables", "valid identifiers", v, "use names such as 'x' or 'x1'")
            xs.append(sp.Symbol(v))
        elif isinstance(v, sp.Symbol):
            xs.append(v)
        else:
            raise bad_parameter("variables", "names (str) or sympy symbols", v)
    if not xs:
        raise bad_parameter("variables", "a non-empty sequence of symbols", variables)
    if len(xs) > MAX_DIM:
        raise bad_parameter("variables", f"at most {MAX_DIM} variables", f"{len(xs)}",
                            "the Hessian kernel would hold d² derived expressions")
    names = [str(x) for x in xs]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise bad_parameter("variables", "distinct names", f"{dups} more than once", "list each variable once")
    return xs


def _check_params(params: Any, xs: list[sp.Symbol]) -> tuple[list[sp.Symbol], np.ndarray]:
    if params is None:
        return [], np.zeros(0)
    if not isinstance(params, Mapping):
        raise bad_parameter("params", "a mapping {name: value}", params, "pass e.g. {'a': 2.0}")
    ps, vals = [], []
    for k, v in params.items():
        if isinstance(k, str):
            if not k.isidentifier() or keyword.iskeyword(k):
                raise bad_parameter("params", "keys that are valid identifiers", k)
            q = sp.Symbol(k)
        elif isinstance(k, sp.Symbol):
            q = k
        else:
            raise bad_parameter("params", "keys that are names (str) or sympy symbols", k)
        ps.append(q)
        vals.append(check_float(f"params[{str(q)!r}]", v))
    pnames = [str(q) for q in ps]
    dups = sorted({n for n in pnames if pnames.count(n) > 1})
    if dups:
        raise bad_parameter("params", "distinct names", f"{dups} more than once (a str and a Symbol?)")
    both = sorted(set(pnames) & {str(x) for x in xs})
    if both:
        raise bad_parameter("params", "names distinct from the variables", f"{both} in both",
                            "a name is either a coordinate (variables) or a fixed value (params), not both")
    return ps, np.array(vals, dtype=np.float64)


def _build(expr: sp.Expr, xs: list[sp.Symbol], ps: list[sp.Symbol], pvals: np.ndarray, name: str) -> Landscape:
    d = len(xs)
    grads = [sp.diff(expr, v) for v in xs]
    hess = [[sp.diff(g, v) for v in xs] for g in grads]
    # Symbols named like array reads, so the printed code indexes x and p directly.
    sub = {v: sp.Symbol(f"x[{i}]") for i, v in enumerate(xs)}
    sub.update({q: sp.Symbol(f"p[{i}]") for i, q in enumerate(ps)})
    pr = _KernelPrinter({"fully_qualified_modules": True, "standard": "python3"})

    def kernel_src(fname: str, header: str, exprs: list, assign: list[str]) -> str:
        # one cse over all outputs of a kernel: the d gradient and d² Hessian entries repeat
        # the expression's subterms, and sharing them as temporaries keeps the generated
        # kernels (and their compile time) small
        temps, reduced = sp.cse([_float_big(sp.sympify(e).xreplace(sub)) for e in exprs],
                                symbols=sp.numbered_symbols("_t"))
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
    k = _compile({"value": vsrc, "grad": gsrc, "hess": hsrc})
    return Landscape(d, k["value"], k["grad"], k["hess"], pvals, name, meta)
