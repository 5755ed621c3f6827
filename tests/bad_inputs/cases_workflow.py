"""Bad inputs for the research workflow: the ``deeprelax`` command, configs, results files, the report,
sweeps and executors.

The command's cases go through ``cli(...)``: a run of ``deeprelax.cli.main`` whose exit status 2 with
one line on stderr (argparse's own two-line usage error included) is re-raised as the
``ParameterError`` carrying that line, so the harness can check it names the parameter; a zero exit is
a silent acceptance, anything else a raw error.
"""

from tests.bad_inputs._harness import Case

SETUP = r'''
import contextlib, io, pathlib, tempfile
import numpy as np
from deeprelax._core.errors import ParameterError
from deeprelax._core._executors import open_executor
from deeprelax.cli import main
from experiments._base import Results, load_experiment, load_results, read_results, save_results
from experiments._config import config_at_scale, parse_assignments, resolve_config
from experiments._runner import plan_run, run_experiment
from experiments._sweep import expand, load_sweep, metric_value
from paper_figs._report import build_report, write_report

TMP = pathlib.Path(tempfile.mkdtemp())
LC = load_experiment("limit_cycle")
BAD_TOML = TMP / "bad.toml"; BAD_TOML.write_text("[limit_cycle]\nn_paths = = 3\n")
WRONG_TABLE = TMP / "wrong.toml"; WRONG_TABLE.write_text("[ou_current]\nn_paths = 3\n")
BINARY = TMP / "binary.toml"; BINARY.write_bytes(bytes(range(256)))
SWEEP = TMP / "sweep.toml"

def cli(*argv):
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = main(list(argv) + (["--out", str(TMP / "out")] if argv and argv[0] != "list" else []))
    except SystemExit as exc:  # argparse: usage line + error line, exit 2
        rc = exc.code
    lines = err.getvalue().strip().splitlines()
    if rc == 0:
        return rc
    if rc == 2 and lines and "Traceback" not in err.getvalue():
        raise ParameterError(lines[-1])
    raise RuntimeError(f"exit {rc}: {err.getvalue()[-500:]}")

def sweep_text(text):
    SWEEP.write_text(text)
    return load_sweep(SWEEP)
'''

_C, _E, _R, _S = "cli.main", "experiments", "report", "sweep"

CASES = [
    # --- the command: names, keys, values, files, scales
    Case(_C, "NAME", "cli('run', 'limit_cycel')", match="valid names are"),
    Case(_C, "NAME", "cli('run', '')", match="valid names are"),
    Case(_C, "NAME", "cli('run', '../limit_cycle')", match="valid names are"),
    Case(_C, "NAME", "cli('run', '_base')", match="valid names are"),
    Case(_C, "NAME", "cli('run')", match="NAME"),
    Case(_C, "n_paths", "cli('run', 'limit_cycle', '--set', 'n_paths=abc')"),
    Case(_C, "n_paths", "cli('run', 'limit_cycle', '--set', 'n_paths=2.5')"),
    Case(_C, "n_paths", "cli('run', 'limit_cycle', '--set', 'n_paths=nan')"),
    Case(_C, "n_paths", "cli('run', 'limit_cycle', '--set', 'n_paths=true')"),
    Case(_C, "n_paths", "cli('run', 'limit_cycle', '--set', 'n_paths=1e100')"),
    Case(_C, "n_paths", "cli('run', 'limit_cycle', '--set', 'n_paths=[1]')"),
    Case(_C, "n_paths", "cli('run', 'limit_cycle', '--set', 'n_paths=')"),
    Case(_C, "lams", "cli('run', 'limit_cycle', '--set', \"lams=[1, 'a']\")"),
    Case(_C, "lams", "cli('run', 'limit_cycle', '--set', 'lams={a=1}')"),
    Case(_C, "hist_bins", "cli('run', 'limit_cycle', '--set', 'hist_bins=[1]')"),
    Case(_C, "hist_range", "cli('run', 'limit_cycle', '--set', 'hist_range=[[1, 2, 3]]')"),
    Case(_C, "scheme", "cli('run', 'limit_cycle', '--set', 'scheme=3')"),
    Case(_C, "dt", "cli('run', 'limit_cycle', '--set', 'dt=fast')"),
    Case(_C, "nope", "cli('run', 'limit_cycle', '--set', 'nope=1')"),
    Case(_C, "--set", "cli('run', 'limit_cycle', '--set', 'n_paths')"),
    Case(_C, "--set", "cli('run', 'limit_cycle', '--set', '=3')"),
    Case(_C, "--set", "cli('run', 'limit_cycle', '--set', 'a b=3')"),
    Case(_C, "--config", "cli('run', 'limit_cycle', '--config', str(TMP / 'absent.toml'))", match="not found"),
    Case(_C, "--config", "cli('run', 'limit_cycle', '--config', str(TMP))", match="not found"),
    Case(_C, "--config", "cli('run', 'limit_cycle', '--config', str(BAD_TOML))", match="not valid TOML"),
    Case(_C, "--config", "cli('run', 'limit_cycle', '--config', str(BINARY))", match="not valid TOML"),
    Case(_C, "--config", "cli('run', 'limit_cycle', '--config', str(WRONG_TABLE))", match=r"no \[limit_cycle\]"),
    Case(_C, "--scale", "cli('run', 'limit_cycle', '--scale', 'huge')"),
    Case(_C, "--scale", "cli('report', '--scale', 'paperr')"),
    Case(_C, "--only", "cli('report', '--only', 'nope')", match="valid names are"),
    Case(_C, "SWEEP", "cli('sweep', str(TMP / 'absent.toml'))", match="not found"),
    Case(_C, "SWEEP", "cli('sweep', str(BAD_TOML))", match="not valid TOML|unknown keys"),
    Case(_C, "--local", "cli('sweep', 'experiments/sweeps/eta_b_scaling.toml', '--local', '0')", match="local"),
    Case(_C, "--local", "cli('sweep', 'experiments/sweeps/eta_b_scaling.toml', '--local', 'two')"),
    Case(_C, "--worker-threads",
         "cli('sweep', 'experiments/sweeps/eta_b_scaling.toml', '--local', '1', '--worker-threads', '0')"),
    Case(_C, "--scheduler-file", "cli('sweep', 'experiments/sweeps/eta_b_scaling.toml', '--scheduler-file', "
         "str(TMP / 'absent.json'))", match="scheduler_file"),
    Case(_C, "--local", "cli('sweep', 'experiments/sweeps/eta_b_scaling.toml', '--local', '2', '--scheduler', "
         "'tcp://127.0.0.1:1')", match="not allowed with|--scheduler"),
    # --- the experiment API
    Case(_E + ".load_experiment", "name", "load_experiment(None)", match="experiment"),
    Case(_E + ".load_experiment", "name", "load_experiment(3)", match="experiment"),
    Case(_E + ".load_experiment", "name", "load_experiment('nope')", match="valid names are"),
    Case(_E + ".resolve_config", "n_paths", "resolve_config(LC, overrides={'n_paths': None})"),
    Case(_E + ".resolve_config", "n_paths", "resolve_config(LC, overrides={'n_paths': float('nan')})"),
    Case(_E + ".resolve_config", "n_paths", "resolve_config(LC, overrides={'n_paths': 10**30})"),
    Case(_E + ".resolve_config", "n_paths", "resolve_config(LC, overrides={'n_paths': np.float64(3.0)})"),
    Case(_E + ".resolve_config", "lams", "resolve_config(LC, overrides={'lams': 0.5})"),
    Case(_E + ".resolve_config", "lams", "resolve_config(LC, overrides={'lams': 'abc'})"),
    Case(_E + ".resolve_config", "overrides", "resolve_config(LC, overrides={1: 2})", match="keys"),
    Case(_E + ".resolve_config", "scale", "resolve_config(LC, scale='huge')"),
    Case(_E + ".resolve_config", "scale", "resolve_config(LC, scale=None)"),
    Case(_E + ".resolve_config", "config", "resolve_config(LC, config_file=3)"),
    Case(_E + ".config_at_scale", "scale", "config_at_scale(LC, 3)"),
    Case(_E + ".parse_assignments", "--set", "parse_assignments([3])"),
    Case(_E + ".parse_assignments", "--set", "parse_assignments(['x'])"),
    Case(_E + ".load_results", "outdir", "load_results(None)"),
    Case(_E + ".load_results", "outdir", "load_results(3)"),
    Case(_E + ".read_results", "outdir", "read_results('')"),
    Case(_E + ".save_results", "results", "save_results(None, TMP / 'r')"),
    Case(_E + ".save_results", "outdir", "save_results(Results('x', {}), None)"),
    Case(_E + ".run_experiment", "name", "run_experiment('nope', TMP)", match="valid names are"),
    Case(_E + ".run_experiment", "scale", "run_experiment('limit_cycle', TMP, scale='huge')"),
    Case(_E + ".run_experiment", "outroot", "run_experiment('limit_cycle', None, overrides={'n_paths': 10})"),
    Case(_E + ".run_experiment", "n_paths", "run_experiment('limit_cycle', TMP, overrides={'n_paths': 'x'})"),
    Case(_E + ".plan_run", "name", "plan_run(None)", match="experiment"),
    # --- the report
    Case(_R + ".build_report", "experiments", "build_report(TMP, experiments='limit_cycle')"),
    Case(_R + ".build_report", "experiments", "build_report(TMP, experiments=3)"),
    Case(_R + ".build_report", "experiments", "build_report(TMP, experiments=['nope'])", match="valid names are"),
    Case(_R + ".build_report", "outroot", "build_report(None, experiments=['limit_cycle'])"),
    Case(_R + ".build_report", "scale", "build_report(TMP, experiments=['limit_cycle'], scale='huge')"),
    Case(_R + ".build_report", "config_path", "build_report(TMP, config_path='x.toml')", match="one experiment"),
    Case(_R + ".write_report", "root", "write_report(5)"),
    # --- sweeps and executors
    Case(_S + ".load_sweep", "sweep", "load_sweep(None)"),
    Case(_S + ".load_sweep", "sweep", "load_sweep(TMP / 'absent.toml')", match="not found"),
    Case(_S + ".load_sweep", "replicates", "sweep_text('experiment = \"train\"\\nreplicates = 1.5\\n')"),
    Case(_S + ".load_sweep", "replicates", "sweep_text('experiment = \"train\"\\nreplicates = -1\\n')"),
    Case(_S + ".load_sweep", "zip", "sweep_text('experiment = \"train\"\\n[[zip]]\\nlr = [1, 2]\\n"
         "batch_size = [3]\\n')", match="equal lengths"),
    Case(_S + ".load_sweep", "grid", "sweep_text('experiment = \"train\"\\n[grid]\\nlr = []\\n')", match="lr"),
    Case(_S + ".expand", "lr", "expand(sweep_text('experiment = \"train\"\\n[grid]\\nlr = [\"x\"]\\n'))"),
    Case(_S + ".load_sweep", "metrics", "sweep_text('experiment = \"train\"\\nmetrics = 3\\n')"),
    Case(_S + ".load_sweep", "seed_field", "sweep_text('experiment = \"train\"\\nseed_field = 3\\n')"),
    Case(_S + ".load_sweep", "experiment", "sweep_text('experiment = 3\\n')"),
    Case(_S + ".metric_value", "metric", "metric_value(3, Results('x', {}))"),
    Case(_S + ".metric_value", "metric", "metric_value('', Results('x', {}))"),
    Case(_S + ".metric_value", "metric", "metric_value('loss', Results('x', {}))"),
    Case(_S + ".metric_value", "metric", "metric_value('info.a[', Results('x', {}))"),
    Case("_core.open_executor", "local", "with open_executor(local=0): pass"),
    Case("_core.open_executor", "local", "with open_executor(local=2.5): pass"),
    Case("_core.open_executor", "local", "with open_executor(local='2'): pass"),
    Case("_core.open_executor", "local", "with open_executor(local=True): pass"),
    Case("_core.open_executor", "local", "with open_executor(local=1, scheduler='tcp://127.0.0.1:1'): pass"),
    Case("_core.open_executor", "worker_threads", "with open_executor(local=1, worker_threads=0): pass"),
    Case("_core.open_executor", "scheduler", "with open_executor(scheduler=3): pass"),
    Case("_core.open_executor", "scheduler_file", "with open_executor(scheduler_file=TMP / 'absent.json'): pass"),
    # documented benign: an empty override set is the scale's defaults
    Case(_E + ".resolve_config", "overrides", "assert resolve_config(LC, overrides={}).config == LC.Config()",
         expect="benign", note="no overrides: the quick defaults"),
]
