"""The scheme registry: each scheme declares the calculus it converges to and its orders.

Tests read the expected convergence orders from these records, so the declaration and
the check cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .._core import SchemeError, check_choice
from ._kernels import EULER_MARUYAMA, HEUN, MILSTEIN, SRA1
from ._spec import SDE

__all__ = ["Scheme", "SCHEMES", "get_scheme", "check_scheme_fits"]


@dataclass(frozen=True)
class Scheme:
    """Metadata of one fixed-step scheme.

    Attributes
    ----------
    name : str
        Registry name (``sdeint(..., scheme=name)``).
    code : int
        Code of the step inside the Numba kernels: ``EULER_MARUYAMA``, ``MILSTEIN``, ``HEUN``
        or ``SRA1`` of :mod:`._kernels` (``"sgd"`` is Euler–Maruyama with Δt = η).
    calculus : str
        ``"ito"`` or ``"stratonovich"``: the solution it converges to for
        multiplicative noise (``"both"`` when it handles either; for additive noise
        the two coincide and every scheme is accepted).
    strong_order, weak_order : mapping
        Order per noise class (``"additive"``, ``"diagonal"``, ``"general"``); a class
        that is missing is refused.
    normals_per_step : int
        Standard normals drawn per Brownian motion and step (2 when the scheme also
        needs the space–time integral ΔZ = ∫(W_s − W_t) ds).
    reference : str
        Where the scheme and its orders are stated.
    """

    name: str
    code: int
    calculus: str
    strong_order: Mapping[str, float]
    weak_order: Mapping[str, float]
    normals_per_step: int = 1
    reference: str = ""

    @property
    def needs_area(self) -> bool:
        """Whether the step needs ΔZ besides ΔW (pass ``dZ`` with ``dW``)."""
        return self.normals_per_step == 2


def _ro(d: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(d)


_KP = "Kloeden & Platen, Numerical Solution of SDEs (1992)"
SCHEMES: Mapping[str, Scheme] = MappingProxyType({
    "euler_maruyama": Scheme(
        "euler_maruyama", EULER_MARUYAMA, "ito",
        _ro({"additive": 1.0, "diagonal": 0.5, "general": 0.5}),
        _ro({"additive": 1.0, "diagonal": 1.0, "general": 1.0}),
        reference=f"{_KP}, §10.2 and §14.1"),
    "milstein": Scheme(
        "milstein", MILSTEIN, "both",
        _ro({"additive": 1.0, "diagonal": 1.0}),
        _ro({"additive": 1.0, "diagonal": 1.0}),
        reference=f"{_KP}, §10.3 and §11.1 (derivative-free form); Rößler, SIAM J. Numer. "
                  "Anal. 48 (2010)"),
    "heun": Scheme(
        "heun", HEUN, "stratonovich",
        _ro({"additive": 1.0, "diagonal": 1.0, "general": 0.5}),
        _ro({"additive": 1.0, "diagonal": 1.0, "general": 1.0}),
        reference="Rümelin, SIAM J. Numer. Anal. 19 (1982); Kloeden & Platen §11.1"),
    "sra1": Scheme(
        "sra1", SRA1, "both",
        _ro({"additive": 1.5}),
        _ro({"additive": 2.0}),
        normals_per_step=2,
        reference="Rößler, 'Runge–Kutta methods for the strong approximation of solutions of "
                  "SDEs', SIAM J. Numer. Anal. 48 (2010), SRA1"),
    "sgd": Scheme(
        "sgd", EULER_MARUYAMA, "ito",
        _ro({"additive": 1.0, "diagonal": 0.5, "general": 0.5}),
        _ro({"additive": 1.0, "diagonal": 1.0, "general": 1.0}),
        reference="Chaudhari & Soatto, arXiv:1710.11029, Lemma 2: one SGD step = one EM step "
                  "of size Δt = η"),
})


def get_scheme(name: str) -> Scheme:
    """The registered scheme ``name``; unknown names raise with the list of valid ones."""
    check_choice("scheme", name, SCHEMES)
    return SCHEMES[name]


def check_scheme_fits(scheme: Scheme, sde: SDE) -> None:
    """Refuse, with the reason, a scheme that does not fit the SDE's noise class or calculus."""
    if sde.noise not in scheme.strong_order:
        ok = sorted(n for n, s in SCHEMES.items() if sde.noise in s.strong_order and n != "sgd")
        why = {
            "milstein": "Milstein needs commutative noise and is implemented for diagonal noise "
                        "(gᵢ depending on xᵢ only)",
            "sra1": "SRA1 is a strong order 1.5 scheme for additive noise only",
        }.get(scheme.name, "")
        raise SchemeError(f"scheme {scheme.name!r} does not support {sde.noise} noise: {why}; "
                          f"use one of {ok}")
    if sde.noise != "additive" and scheme.calculus not in ("both", sde.calculus):
        alt = "heun or milstein" if sde.calculus == "stratonovich" else "euler_maruyama or milstein"
        raise SchemeError(
            f"scheme {scheme.name!r} converges to the {scheme.calculus.capitalize()} solution, but "
            f"this SDE is {sde.calculus.capitalize()} with {sde.noise} noise; use {alt}"
        )
    if scheme.name == "sgd" and sde.lr is None:
        raise SchemeError("scheme 'sgd' needs an SDE built by from_sgd (it reads the learning "
                          "rate); use from_sgd(landscape, lr, batch_size, noise_cov)")
