"""Bad inputs for every public entry point of :mod:`deeprelax.analysis`.

Tables of bad values per parameter kind (wrong type, NaN/inf, zero/negative,
non-integer, wrong shape, empty, complex, non-symmetric) are crossed with each entry
point's parameters. Names exported without parameters (``DEFAULT_THRESHOLDS``,
``RANK_RULES``, ``NOISE_MODELS``) have no cases. The result records (``Estimate``,
``Density``, ``Moments``, ``ACF``, ``Spectrum``, ``Current``, ``OrderFit``,
``HessianSpectrum``, ``LanczosExtremes``, ``SpectralDensity``, ``NoiseSpectrum``,
``Trajectory``, ``MLPArch``, ``IncrementSpectrum``, ``Autocorrelation``,
``PlaneCirculation``, ``CirculationPlane``) are frozen dataclasses the package builds and
does not validate on construction: one *benign* case each documents that; their methods
that take arguments (``NoiseSpectrum.rank``/``factor``, ``SpectralDensity.density``)
have cases.
"""

from tests.bad_inputs._harness import Case

SETUP = """
import numpy as np
from scipy.sparse.linalg import LinearOperator
from deeprelax import nn
from deeprelax.analysis import *
rng = np.random.default_rng(0)
S = rng.standard_normal((12, 12)); S = S + S.T
B = rng.standard_normal((12, 12))
op_ns = hvp_linear_operator(lambda v: B @ v, 12)
G = rng.standard_normal((20, 6))
D = noise_covariance(G)
spec = noise_spectrum(G, n_components=2)
dens = slq_density(S, n_probes=2, n_steps=4)
m = nn.mlp((4,), (3,), 3)
xm = m.init(0)
Xm = rng.standard_normal((10, 4)); ym = np.arange(10) % 3
path = rng.standard_normal((200, 2)).cumsum(axis=0)
tf = nn.tiny_fc(batch_norm=False); xt = tf.init(0); Xt = np.ones((8, 1, 7, 7)); yt = np.arange(8) % 5
W = np.random.default_rng(0).standard_normal((64, 3))
"""

WRONG_TYPE = ["'0.1'", "None", "[0.1]", "True", "1j"]
NONFINITE = ["float('nan')", "float('inf')"]
POSITIVE = WRONG_TYPE + NONFINITE + ["0.0", "-1.0"]
NONNEG = ["'0.1'", "None", "True"] + NONFINITE + ["-1e-3"]
INT_POS = ["'3'", "None", "True", "float('nan')", "2.5", "0", "-1", "[3]"]
INT_NONNEG = ["'3'", "None", "True", "float('nan')", "2.7", "-1"]
CHOICE = ["'nope'", "3", "None"]
SQUARE = ["'abc'", "None", "np.ones(5)", "np.ones((3, 4))", "np.full((2, 2), np.nan)", "np.eye(3) * 1j",
          "[[1.0, 2.0], [3.0]]", "np.empty((0, 0))"]
SEED = ["'s'", "-1", "2.5", "float('nan')"]


def _cases(entry: str, param: str, template: str, values: list[str], **kw) -> list[Case]:
    return [Case(entry, param, template.format(v=v), **kw) for v in values]


CASES: list[Case] = []
add = CASES.extend

# -- Hessian spectra --------------------------------------------------------------------
add(_cases("analysis.hessian_eigvalsh", "H", "hessian_eigvalsh({v})", SQUARE + ["B"]))
add(_cases("analysis.hessian_eigvalsh", "thresholds", "hessian_eigvalsh(S, {v})",
           ["'abc'", "None", "[-1.0]", "[float('nan')]", "[0.0]", "3"]))
add(_cases("analysis.spectrum_summary", "eigenvalues", "spectrum_summary({v})",
           ["'abc'", "None", "[]", "[1.0, float('nan')]", "[1j, 2j]"]))
add(_cases("analysis.spectrum_summary", "thresholds", "spectrum_summary([1.0, -2.0], {v})",
           ["'abc'", "None", "[-1.0]", "[float('inf')]"]))
add(_cases("analysis.hvp_linear_operator", "dim", "hvp_linear_operator(lambda v: v, {v})", INT_POS))
add(_cases("analysis.hvp_linear_operator", "hvp", "hvp_linear_operator({v}, 3)", ["3", "None", "'f'"]))
add(_cases("analysis.lanczos_extremes", "A", "lanczos_extremes({v}, k=2)",
           SQUARE + ["B", "op_ns", "LinearOperator((12, 12), matvec=lambda v: v * 1j, dtype=complex)",
                     "LinearOperator((12, 12), matvec=lambda v: v * np.nan, dtype=float)"]))
add(_cases("analysis.lanczos_extremes", "k", "lanczos_extremes(S, k={v})", INT_POS + ["12", "100"]))
add(_cases("analysis.lanczos_extremes", "which", "lanczos_extremes(S, k=2, which={v})", CHOICE))
add(_cases("analysis.lanczos_extremes", "tol", "lanczos_extremes(S, k=2, tol={v})", POSITIVE))
INT_POS_OPT = [v for v in INT_POS if v != "None"]  # None: the documented default
add(_cases("analysis.lanczos_extremes", "maxiter", "lanczos_extremes(S, k=2, maxiter={v})", INT_POS_OPT))
add(_cases("analysis.lanczos_extremes", "ncv", "lanczos_extremes(S, k=2, ncv={v})", INT_POS_OPT + ["2"]))
add(_cases("analysis.lanczos_extremes", "seed", "lanczos_extremes(S, k=2, seed={v})", SEED))
add(_cases("analysis.lanczos_extremes", "return_vectors", "lanczos_extremes(S, k=2, return_vectors={v})",
           ["'yes'", "1", "None"]))
add(_cases("analysis.lanczos_tridiagonal", "A", "lanczos_tridiagonal({v}, np.ones(12), 3)",
           ["'abc'", "None", "B", "op_ns", "np.eye(12) * 1j"]))
add(_cases("analysis.lanczos_tridiagonal", "v0", "lanczos_tridiagonal(S, {v}, 3)",
           ["'abc'", "None", "np.ones(5)", "np.zeros(12)", "np.full(12, np.nan)", "np.ones(12) * 1j"]))
add(_cases("analysis.lanczos_tridiagonal", "m", "lanczos_tridiagonal(S, np.ones(12), {v})", INT_POS + ["13"]))
add(_cases("analysis.slq_density", "A", "slq_density({v}, n_probes=2, n_steps=3)", SQUARE + ["B", "op_ns"]))
add(_cases("analysis.slq_density", "n_probes", "slq_density(S, n_probes={v}, n_steps=3)", INT_POS))
add(_cases("analysis.slq_density", "n_steps", "slq_density(S, n_probes=2, n_steps={v})", INT_POS + ["13"]))
add(_cases("analysis.slq_density", "seed", "slq_density(S, n_probes=2, n_steps=3, seed={v})", SEED))
add(_cases("analysis.SpectralDensity.density", "width", "dens.density(np.linspace(-1, 1, 5), {v})", POSITIVE))

# -- gradient-noise covariance ---------------------------------------------------------------
G_BAD = ["'abc'", "None", "np.ones(5)", "np.ones((1, 4))", "np.full((3, 2), np.nan)", "np.ones((3, 2)) * 1j",
         "[[1.0, 2.0], [3.0]]"]
add(_cases("analysis.noise_covariance", "G", "noise_covariance({v})", G_BAD))
add(_cases("analysis.noise_spectrum", "G", "noise_spectrum({v})", G_BAD))
add(_cases("analysis.noise_spectrum", "n_components", "noise_spectrum(G, n_components={v})",
           INT_NONNEG + ["7"]))
add(_cases("analysis.noise_spectrum", "method", "noise_spectrum(G, method={v})", CHOICE))
add(_cases("analysis.noise_spectrum_net", "model", "noise_spectrum_net({v}, xm, Xm, ym)", ["None", "'mlp'", "3"]))
add(_cases("analysis.noise_spectrum_net", "x", "noise_spectrum_net(m, {v}, Xm, ym)",
           ["None", "'x'", "np.ones(5)", "[0.0] * m.dim", "np.ones(m.dim, dtype=int)"]))
add(_cases("analysis.noise_spectrum_net", "X", "noise_spectrum_net(m, xm, {v}, ym)",
           ["np.ones((10, 5))", "Xm[:1]"], match="`X`"))
add(_cases("analysis.noise_spectrum_net", "y", "noise_spectrum_net(m, xm, Xm, {v})",
           ["ym[:5]", "ym + 3", "-ym - 1"]))
add(_cases("analysis.noise_spectrum_net", "weight_decay", "noise_spectrum_net(m, xm, Xm, ym, weight_decay={v})",
           NONNEG))
add(_cases("analysis.noise_spectrum_net", "n_components", "noise_spectrum_net(m, xm, Xm, ym, n_components={v})",
           INT_NONNEG + ["11"]))
add(_cases("analysis.noise_spectrum_net", "method", "noise_spectrum_net(m, xm, Xm, ym, method={v})", CHOICE))
add(_cases("analysis.noise_spectrum_net", "dtype", "noise_spectrum_net(m, xm, Xm, ym, dtype={v})",
           CHOICE + ["'float16'"]))
add(_cases("analysis.noise_spectrum_net", "chunk_size", "noise_spectrum_net(m, xm, Xm, ym, chunk_size={v})",
           INT_POS_OPT))
add(_cases("analysis.noise_rank", "rule", "noise_rank([1.0, 0.5], 4, {v})", CHOICE))
add(_cases("analysis.noise_rank", "dim", "noise_rank([1.0, 0.5, 0.1], {v})", ["1", "'3'", "None", "2.5"]))
add(_cases("analysis.noise_rank", "n_samples", "noise_rank([1.0, 0.5], 4, 'numpy', n_samples={v})", ["None"]))
add(_cases("analysis.NoiseSpectrum.rank", "rule", "spec.rank({v})", CHOICE))
add(_cases("analysis.NoiseSpectrum.factor", "k", "spec.factor({v})", ["0", "3", "2.5", "'2'"]))
add(_cases("analysis.minibatch_variance_factor", "batch_size", "minibatch_variance_factor({v})",
           ["0", "-1", "2.5", "None", "'8'", "float('nan')"]))
add(_cases("analysis.minibatch_variance_factor", "n_samples", "minibatch_variance_factor(8, {v})",
           ["4", "1", "2.5", "'100'", "float('nan')"]))
add(_cases("analysis.minibatch_noise_covariance", "D", "minibatch_noise_covariance({v}, 4)",
           ["np.ones(3)", "np.ones((2, 3))"]))
add(_cases("analysis.minibatch_noise_covariance", "batch_size", "minibatch_noise_covariance(D, {v})",
           ["0", "2.5", "None"]))

# -- convergence-order fits ------------------------------------------------------------------
add(_cases("analysis.fit_order", "h", "fit_order({v}, [1.0, 0.5, 0.25])",
           ["'abc'", "None", "[1.0, 0.5]", "[1.0, -0.5, 0.25]", "[1.0, float('nan'), 0.25]"], match="`h`|`errors`"))
add(_cases("analysis.fit_order", "errors", "fit_order([0.1, 0.05, 0.025], {v})",
           ["'abc'", "None", "[1.0, 0.5]", "[1.0, 0.0, 0.25]", "[1.0, float('inf'), 0.25]"], match="`errors`|`h`"))

# -- result records: built by the package, not validated on construction ---------------------
for _name, _code in (
        ("Estimate", "Estimate('a', 'b', 'c')"), ("Density", "Density(*[None] * 6)"),
        ("Moments", "Moments(*[None] * 6)"), ("ACF", "ACF(*[None] * 4)"), ("Spectrum", "Spectrum(*[None] * 4)"),
        ("Current", "Current(*[None] * 6)"), ("OrderFit", "OrderFit(*[None] * 5)"),
        ("HessianSpectrum", "HessianSpectrum(*[None] * 5)"), ("LanczosExtremes", "LanczosExtremes(*[None] * 7)"),
        ("SpectralDensity", "SpectralDensity(np.ones((1, 1)), None, None, None)"),
        ("NoiseSpectrum", "NoiseSpectrum(*[None] * 6)"), ("MLPArch", "MLPArch('a', 'b', 'c')"),
        ("IncrementSpectrum", "IncrementSpectrum(*[None] * 5)"), ("Autocorrelation", "Autocorrelation(*[None] * 4)"),
        ("PlaneCirculation", "PlaneCirculation(*[None] * 5)"), ("CirculationPlane", "CirculationPlane(*[None] * 4)")):
    add([Case(f"analysis.{_name}", "fields", _code, expect="benign",
              note="a result record the package builds; fields are not validated on construction")])
add([Case("analysis.Trajectory", "fields", "import dataclasses; Trajectory(**{f.name: None for f in "
          "dataclasses.fields(Trajectory)})", expect="benign",
          note="a result record the package builds; fields are not validated on construction")])
add(_cases("analysis.strong_error", "approx", "strong_error({v}, np.zeros((4, 2)))",
           ["'abc'", "None", "np.ones((3, 2))", "np.full((4, 2), np.nan)", "np.ones((4, 2)) * 1j"]))
add(_cases("analysis.strong_error", "reference", "strong_error(np.zeros((4, 2)), {v})",
           ["'abc'", "None", "np.full((4, 2), np.inf)"]))
add(_cases("analysis.weak_error", "approx", "weak_error({v}, np.zeros((4, 2)))",
           ["'abc'", "None", "np.ones((4, 3))", "np.full((4, 2), np.nan)"]))
add(_cases("analysis.weak_error", "phi", "weak_error(np.ones((4, 2)), np.zeros((4, 2)), phi={v})", ["3", "'sin'"]))

# -- trajectory statistics (SDE room) ---------------------------------------------------------
PATH = ["'abc'", "None", "np.ones((0, 2))", "np.full((50, 2), np.nan)", "np.ones((50, 2)) * 1j"]
add(_cases("analysis.stationary_density", "x", "stationary_density({v})", PATH, match="`x`"))
add(_cases("analysis.stationary_density", "burn_in", "stationary_density(path, burn_in={v})",
           ["-1", "2.5", "'3'", "10**6"]))
add(_cases("analysis.moments", "x", "moments({v})", PATH, match="`x`"))
add(_cases("analysis.moments", "n_batches", "moments(path, n_batches={v})", ["0", "2.5", "'3'", "1"]))
add(_cases("analysis.autocorrelation", "x", "autocorrelation({v})", PATH, match="`x`"))
add(_cases("analysis.autocorrelation", "dt", "autocorrelation(path, dt={v})", POSITIVE))
add(_cases("analysis.autocorrelation", "max_lag", "autocorrelation(path, max_lag={v})", ["-1", "2.5", "'3'"]))
add(_cases("analysis.power_spectrum", "x", "power_spectrum({v})", PATH, match="`x`"))
add(_cases("analysis.power_spectrum", "dt", "power_spectrum(path, dt={v})", POSITIVE))
add(_cases("analysis.probability_current", "dt", "probability_current(path, {v})", POSITIVE))
add(_cases("analysis.probability_current", "x", "probability_current({v}, 0.1)", PATH, match="`x`"))
add(_cases("analysis.angular_momentum", "dt", "angular_momentum(path, {v})", POSITIVE))
add(_cases("analysis.angular_momentum", "i", "angular_momentum(path, 0.1, i={v})", ["5", "2.5", "'0'"]))
add(_cases("analysis.entropy_production_rate", "dt", "entropy_production_rate(path, {v}, np.eye(2))", POSITIVE))
add(_cases("analysis.entropy_production_rate", "diffusion", "entropy_production_rate(path, 0.1, {v})",
           ["'abc'", "None", "np.ones(3)", "-np.eye(2)", "np.full((2, 2), np.nan)",
            "np.diag([1.0, 0.0])", "np.array([[1.0, 0.5], [0.0, 1.0]])"]))
BINS = ["'abc'", "None", "0", "2.5", "[10, 10, 10]", "[10, 'a']", "[[0.0, 1.0], [1.0, 0.0]]",
        "[[0.0, np.nan, 1.0], 10]", "[[0.0], 10]"]
RANGE = ["'abc'", "3", "[(0.0, 1.0)]", "[(1.0, 0.0), (0.0, 1.0)]", "[(0.0, np.inf), None]",
         "[(0.0, 1.0, 2.0), None]", "[('a', 'b'), None]"]
add(_cases("analysis.stationary_density", "bins", "stationary_density(path, {v})", BINS))
add(_cases("analysis.stationary_density", "range", "stationary_density(path, range={v})", RANGE))
add(_cases("analysis.probability_current", "bins", "probability_current(path, 0.1, {v})", BINS))
add(_cases("analysis.probability_current", "range", "probability_current(path, 0.1, range={v})", RANGE))
add(_cases("analysis.entropy_production_rate", "bins", "entropy_production_rate(path, 0.1, np.eye(2), {v})",
           BINS))
add(_cases("analysis.entropy_production_rate", "range",
           "entropy_production_rate(path, 0.1, np.eye(2), range={v})", RANGE))
add(_cases("analysis.entropy_production_rate", "n_batches",
           "entropy_production_rate(path, 0.1, np.eye(2), n_batches={v})", ["0", "1", "2.5", "'3'", "None"]))
add(_cases("analysis.entropy_production_rate", "burn_in",
           "entropy_production_rate(path, 0.1, np.eye(2), burn_in={v})", ["-1", "2.5", "'3'", "200"]))
add(_cases("analysis.entropy_production_rate", "x", "entropy_production_rate({v}, 0.1, np.eye(2))",
           PATH + ["path[:30]"], match="`x`"))
add(_cases("analysis.angular_momentum", "j", "angular_momentum(path, 0.1, j={v})", ["0", "2", "-1", "1.5", "None"]))
add(_cases("analysis.angular_momentum", "n_batches", "angular_momentum(path, 0.1, n_batches={v})",
           ["0", "1", "2.5", "'3'"]))
add(_cases("analysis.angular_momentum", "x", "angular_momentum({v}, 0.1)",
           PATH + ["path[:2]", "path[:, :1]"], match="`x`|`j`"))
add(_cases("analysis.power_spectrum", "increments", "power_spectrum(path, increments={v})", ["'yes'", "1", "None"]))
add(_cases("analysis.power_spectrum", "burn_in", "power_spectrum(path, burn_in={v})", ["-1", "2.5", "200"]))
add(_cases("analysis.autocorrelation", "burn_in", "autocorrelation(path, burn_in={v})", ["-1", "2.5", "199"]))
add(_cases("analysis.moments", "burn_in", "moments(path, burn_in={v})", ["-1", "2.5", "'3'", "199"]))
add(_cases("analysis.moments", "x", "moments({v})", ["path[:1]", "np.ones((10, 0))"], match="`x`"))

# -- SGD weight trajectories of small networks ------------------------------------------------
W = "W"
add(_cases("analysis.increment_spectrum", "weights", "increment_spectrum({v})",
           ["'abc'", "None", "np.ones(3)", "np.full((64, 3), np.nan)"]))
add(_cases("analysis.increment_spectrum", "epoch", f"increment_spectrum({W}, epoch={{v}})", POSITIVE))
add(_cases("analysis.increment_spectrum", "weights", "increment_spectrum({v})",
           ["np.ones((2, 3))", "np.ones((64, 0))", "np.ones((64, 3)) * 1j", "[[1.0, 2.0], [3.0]]"]))
add(_cases("analysis.weight_autocorrelation", "weights", "weight_autocorrelation({v})",
           ["np.ones((3, 3))", "np.ones((64, 3))", "np.ones((64, 3)) * 1j"]))
add(_cases("analysis.weight_autocorrelation", "z", "weight_autocorrelation(W, z={v})", POSITIVE))
add(_cases("analysis.weight_autocorrelation", "weights", "weight_autocorrelation({v})",
           ["'abc'", "None", "np.ones(3)", "np.full((64, 3), np.nan)"]))
add(_cases("analysis.weight_autocorrelation", "max_lag", f"weight_autocorrelation({W}, max_lag={{v}})",
           ["-1", "2.5", "'3'"]))
add(_cases("analysis.plane_circulation", "x", "plane_circulation({v}, np.eye(3)[:2])",
           ["'abc'", "None", "np.full((64, 3), np.nan)"]))
add(_cases("analysis.plane_circulation", "plane", f"plane_circulation({W}, {{v}})",
           ["'abc'", "None", "np.ones(3)", "np.ones((2, 5))", "2 * np.eye(3)[:2]", "np.ones((2, 3))",
            "np.full((2, 3), np.nan)"]))
add(_cases("analysis.plane_circulation", "x", "plane_circulation({v}, np.eye(3)[:2])",
           ["np.ones(3)", "np.ones((64, 3)) * 1j", "np.ones((0, 3))"]))
add(_cases("analysis.plane_circulation", "n_batches", f"plane_circulation({W}, np.eye(3)[:2], n_batches={{v}})",
           ["0", "2.5", "'3'"]))
add(_cases("analysis.predicted_circulation_plane", "H", "predicted_circulation_plane({v}, np.eye(3), 0.1, 8)",
           ["'abc'", "None", "np.ones((2, 3))", "np.full((3, 3), np.nan)"]))
add(_cases("analysis.predicted_circulation_plane", "D", "predicted_circulation_plane(np.eye(3), {v}, 0.1, 8)",
           ["'abc'", "None", "np.ones((2, 2))", "np.full((3, 3), np.nan)"]))
add(_cases("analysis.predicted_circulation_plane", "lr", "predicted_circulation_plane(np.eye(3), np.eye(3), {v}, 8)",
           POSITIVE))
add(_cases("analysis.predicted_circulation_plane", "batch_size",
           "predicted_circulation_plane(np.eye(3), np.eye(3), 0.1, {v})", INT_POS))
add(_cases("analysis.predicted_circulation_plane", "D", "predicted_circulation_plane(np.eye(3), {v}, 0.1, 8)",
           ["-np.eye(3)", "np.diag([1.0, -1.0, 1.0])"]))
add(_cases("analysis.predicted_circulation_plane", "H", "predicted_circulation_plane({v}, np.eye(3), 0.1, 8)",
           ["np.eye(3) * 1j", "np.diag([1.0, 0.0, 0.0])", "-np.eye(3)", "np.eye(1)", "np.ones((0, 0))"]))
add(_cases("analysis.predicted_circulation_plane", "steps_per_record",
           "predicted_circulation_plane(np.eye(3), np.eye(3), 0.1, 8, steps_per_record={v})", INT_POS))
add(_cases("analysis.predicted_circulation_plane", "rel_tol",
           "predicted_circulation_plane(np.eye(3), np.eye(3), 0.1, 8, rel_tol={v})", POSITIVE))
add(_cases("analysis.mlp_arch", "model", "mlp_arch({v})", ["None", "'mlp'", "nn.small_lenet()"]))
add(_cases("analysis.mlp_loss_grad", "x", "mlp_loss_grad(tf, {v}, Xt, yt)",
           ["None", "'x'", "np.ones(5)", "np.full(xt.shape, np.nan)", "xt * 1j"]))
add(_cases("analysis.mlp_loss_grad", "X", "mlp_loss_grad(tf, xt, {v}, yt)",
           ["None", "'abc'", "np.ones((8, 5))", "np.full((8, 1, 7, 7), np.nan)", "np.ones((8, 1, 7, 7)) * 1j",
            "np.ones(())", "np.ones((0, 49))"], match="`X`"))
add(_cases("analysis.mlp_loss_grad", "y", "mlp_loss_grad(tf, xt, Xt, {v})",
           ["None", "'abc'", "yt[:3]", "yt + 5", "yt - 1", "yt * 0.5", "np.ones((8, 1), int)"], match="`y`"))
add(_cases("analysis.mlp_loss_grad", "model", "mlp_loss_grad({v}, xt, Xt, yt)",
           ["None", "'mlp'", "3", "nn.tiny_fc()"]))
add(_cases("analysis.sgd_trajectory", "lr",
           "sgd_trajectory(tf, Xt, yt, xt, lr={v}, n_epochs=1, batch_size=4)", POSITIVE))
add(_cases("analysis.sgd_trajectory", "n_epochs",
           "sgd_trajectory(tf, Xt, yt, xt, n_epochs={v}, batch_size=4)", INT_POS))
add(_cases("analysis.sgd_trajectory", "noise",
           "sgd_trajectory(tf, Xt, yt, xt, noise={v}, n_epochs=1, batch_size=4)", CHOICE))
