"""`Landscape` (f, ∇f, ∇²f) and `VectorField` (a drift that need not be a gradient).

Both wrap module-level Numba kernels over raw arrays with *runtime* parameters, so
changing a parameter (a Hessian, λ of Example 19) reuses one compiled kernel:

- ``value_kernel(x, p) -> float``            x: float64[d], p: float64[n_params]
- ``grad_kernel(x, p, out) -> None``         out: float64[d]
- ``hess_kernel(x, p, out) -> None``         out: float64[d, d]
- ``VectorField.kernel(x, p, out) -> None``  out: float64[d]

The Python methods evaluate them over a leading batch axis: ``x`` of shape ``(..., d)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._core import ShapeError, as_float_array, bad_parameter, check_finite, jit, prange
from .._core._codegen import bind, kernels_by_name, kernels_from_refs
from .._core._validate import check_int

__all__ = ["Landscape", "VectorField", "batch_scalar", "batch_vector", "batch_matrix"]


#: Batches with fewer rows than this run serially: thread start-up costs more than the work
#: (measured ~10 ms per parallel call on a loaded 2-core machine vs ~0.1 ms serial).
PARALLEL_MIN_ROWS = 4096


# Loop templates over the rows of a batch, inline="always": batch_* binds the landscape's
# kernel f as a global of a generated kernel (deeprelax._core._codegen.bind), so the loop is
# disk-cached per kernel and never typed on a function argument (which no later process
# could load from the cache, and whose dead index entries raised "underlying object has
# vanished"). The parallel binding runs the prange on threads, the serial one plainly.
@jit(inline="always")
def _scalar_body(f, x, p, out):
    for i in prange(x.shape[0]):
        out[i] = f(x[i], p)


@jit(inline="always")
def _rows_body(f, x, p, out):
    for i in prange(x.shape[0]):
        f(x[i], p, out[i])


def _check_batch(x: Any, p: Any, out: Any, out_ndim: int) -> None:
    """Shapes and dtypes of a batch call, checked before the kernel reads past an array's end."""
    for nm, a, nd in (("x", x, 2), ("p", p, 1), ("out", out, out_ndim)):
        if not isinstance(a, np.ndarray) or a.dtype != np.float64 or a.ndim != nd:
            got = f"{type(a).__name__}" if not isinstance(a, np.ndarray) else f"dtype {a.dtype}, shape {a.shape}"
            raise bad_parameter(nm, f"a float64 array with {nd} dimension(s)", got, cls=ShapeError)
    want = (x.shape[0], x.shape[1])[:out_ndim]
    if out.shape[:2] != want:
        raise bad_parameter("out", f"an array whose shape starts with {want}", f"shape {out.shape}", cls=ShapeError)


def _run(template: Any, f: Any, x: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    bind(template, parallel=x.shape[0] >= PARALLEL_MIN_ROWS, f=f)(x, p, out)


def batch_scalar(f: Any, x: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = f(x[i], p)`` for a ``(n, d)`` batch (parallel over rows for large n)."""
    _check_batch(x, p, out, 1)
    _run(_scalar_body, f, x, p, out)


def batch_vector(f: Any, x: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """``f(x[i], p, out[i])`` for a ``(n, d)`` batch into ``(n, d)`` (parallel for large n)."""
    _check_batch(x, p, out, 2)
    _run(_rows_body, f, x, p, out)


def batch_matrix(f: Any, x: np.ndarray, p: np.ndarray, out: np.ndarray) -> None:
    """``f(x[i], p, out[i])`` for a ``(n, d)`` batch into ``(n, d, d)`` (parallel for large n)."""
    _check_batch(x, p, out, 3)
    _run(_rows_body, f, x, p, out)


def _as_batch(x: Any, dim: int) -> tuple[np.ndarray, tuple[int, ...]]:
    arr = np.ascontiguousarray(as_float_array("x", x))
    if arr.ndim == 0 or arr.shape[-1] != dim:
        if dim == 1 and arr.ndim <= 1 and arr.shape != (1,):
            # a 1-D landscape also takes a plain array of points: x of shape (n,)
            arr = arr[..., None]
        else:
            raise ShapeError(
                f"`x` must have a last axis of length {dim} (the dimension), got shape {arr.shape}; "
                f"pass points as an array of shape (..., {dim})"
            )
    lead = arr.shape[:-1]
    return np.ascontiguousarray(arr.reshape(-1, dim)), lead


@dataclass(frozen=True, eq=False)
class Landscape:
    """A loss landscape f: ℝᵈ → ℝ with its gradient and Hessian as Numba kernels.

    Parameters
    ----------
    dim : int
        Dimension d.
    value_kernel, grad_kernel, hess_kernel : numba dispatchers
        Kernels ``f(x, p)``, ``g(x, p, out)``, ``h(x, p, out)`` (see module docstring).
        ``hess_kernel`` may be ``None`` when no Hessian is available.
    params : ndarray
        Runtime parameter vector passed as ``p`` to every kernel.
    name : str
        A label for reports.
    meta : mapping
        Named parameters and facts (minima, suggested bounds) for users and figures.

    Examples
    --------
    >>> from deeprelax.landscapes import quadratic
    >>> f = quadratic([[2.0, 0.0], [0.0, 1.0]])
    >>> float(f.value([1.0, 1.0]))
    1.5
    >>> f.grad([[1.0, 1.0]]).tolist()
    [[2.0, 1.0]]
    """

    dim: int
    value_kernel: Any
    grad_kernel: Any
    hess_kernel: Any = None
    params: np.ndarray = field(default_factory=lambda: np.zeros(0))
    name: str = "landscape"
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dim", check_int("dim", self.dim, low=1))
        p = check_finite("params", as_float_array("params", self.params, ndim=1))
        object.__setattr__(self, "params", np.ascontiguousarray(p))

    def value(self, x: Any) -> np.ndarray:
        """f(x) for ``x`` of shape ``(..., d)``; returns shape ``(...)``."""
        xb, lead = _as_batch(x, self.dim)
        out = np.empty(xb.shape[0])
        batch_scalar(self.value_kernel, xb, self.params, out)
        return out.reshape(lead)

    __call__ = value

    def grad(self, x: Any) -> np.ndarray:
        """∇f(x) for ``x`` of shape ``(..., d)``; returns shape ``(..., d)``."""
        xb, lead = _as_batch(x, self.dim)
        out = np.empty_like(xb)
        batch_vector(self.grad_kernel, xb, self.params, out)
        return out.reshape(*lead, self.dim)

    def hess(self, x: Any) -> np.ndarray:
        """∇²f(x) for ``x`` of shape ``(..., d)``; returns shape ``(..., d, d)``."""
        if self.hess_kernel is None:
            raise NotImplementedError(f"landscape {self.name!r} has no Hessian kernel")
        xb, lead = _as_batch(x, self.dim)
        out = np.empty((xb.shape[0], self.dim, self.dim))
        batch_matrix(self.hess_kernel, xb, self.params, out)
        return out.reshape(*lead, self.dim, self.dim)

    def __getstate__(self) -> dict[str, Any]:
        # kernels by name (re-imported where unpickled, with their disk cache), not by value
        return kernels_by_name(self.__dict__, ("value_kernel", "grad_kernel", "hess_kernel"))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(kernels_from_refs(state))

    def with_params(self, params: Any) -> Landscape:
        """The same compiled landscape with a new parameter vector (no recompilation)."""
        p = check_finite("params", as_float_array("params", params, ndim=1, shape=(self.params.size,)))
        return replace(self, params=p)

    def __repr__(self) -> str:
        return f"Landscape(name={self.name!r}, dim={self.dim}, n_params={self.params.size})"


@dataclass(frozen=True, eq=False)
class VectorField:
    """A drift b: ℝᵈ → ℝᵈ that need not be a gradient, as a Numba kernel ``b(x, p, out)``.

    Parameters
    ----------
    dim : int
        Dimension d.
    kernel : numba dispatcher
        ``kernel(x, p, out)`` writes b(x) into ``out``.
    params : ndarray
        Runtime parameters ``p``.
    name : str
        A label.
    potential : Landscape, optional
        When the stationary density of dx = b dt + √(2β⁻¹) dW is known to be
        ∝ exp(−βΦ), the landscape Φ (e.g. Chaudhari–Soatto Example 19).
    circulation : VectorField, optional
        The non-gradient part j of b = −∇Φ + j, when known.
    meta : mapping
        Named parameters and facts.
    """

    dim: int
    kernel: Any
    params: np.ndarray = field(default_factory=lambda: np.zeros(0))
    name: str = "field"
    potential: Landscape | None = None
    circulation: VectorField | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dim", check_int("dim", self.dim, low=1))
        p = check_finite("params", as_float_array("params", self.params, ndim=1))
        object.__setattr__(self, "params", np.ascontiguousarray(p))

    def __call__(self, x: Any) -> np.ndarray:
        """b(x) for ``x`` of shape ``(..., d)``; returns shape ``(..., d)``."""
        xb, lead = _as_batch(x, self.dim)
        out = np.empty_like(xb)
        batch_vector(self.kernel, xb, self.params, out)
        return out.reshape(*lead, self.dim)

    def __getstate__(self) -> dict[str, Any]:
        return kernels_by_name(self.__dict__, ("kernel",))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(kernels_from_refs(state))

    def with_params(self, params: Any) -> VectorField:
        """The same compiled field with a new parameter vector (no recompilation)."""
        p = check_finite("params", as_float_array("params", params, ndim=1, shape=(self.params.size,)))
        return replace(self, params=p)

    def __repr__(self) -> str:
        return f"VectorField(name={self.name!r}, dim={self.dim}, n_params={self.params.size})"


def from_numba(
    value: Callable[..., float],
    grad: Callable[..., None],
    hess: Callable[..., None] | None = None,
    *,
    dim: int,
    params: Any = (),
    name: str = "user",
) -> Landscape:
    """A :class:`Landscape` from user Numba functions.

    Parameters
    ----------
    value, grad, hess
        Numba-jitted (``numba.njit``) functions ``value(x, p) -> float``,
        ``grad(x, p, out)``, ``hess(x, p, out)``; plain Python functions are
        compiled with the project decorator (without disk cache).
    dim : int
        Dimension d.
    params : array_like
        The runtime parameters passed as ``p``.
    """
    import numba

    def ensure(f: Any) -> Any:
        if f is None or isinstance(f, numba.core.registry.CPUDispatcher):
            return f
        if not callable(f):
            raise bad_parameter("value/grad/hess", "a Numba-jitted or plain Python function", f)
        return jit(f, cache=False)

    if value is None or grad is None:
        raise bad_parameter("value/grad", "Numba-jitted or plain Python functions", None)
    dim = check_int("dim", dim, low=1)
    p = check_finite("params", as_float_array("params", params, ndim=1))
    if not isinstance(name, str):
        raise bad_parameter("name", "a string", name)
    return Landscape(dim, ensure(value), ensure(grad), ensure(hess), p, name)
