"""Run the training jobs of ``entropy_mnist`` at the paper or full scale, resumable, timed.

The experiment runs its jobs one after another; this script runs a chosen subset of
them (so two processes can share two cores) into the experiment's own checkpoint
folder, and logs CPU and wall seconds per job as JSON lines. A later
``deeprelax run entropy_mnist --scale paper`` resumes every finished job from its
checkpoint and only evaluates it. ``--slice E`` times E effective epochs of each job
(no checkpoints) to estimate the full scale.

    python benchmarks/entropy_mnist_runs.py --scale paper --jobs entropy_sgd
    python benchmarks/entropy_mnist_runs.py --scale paper --jobs adam,entropy_sgd_coupled
    python benchmarks/entropy_mnist_runs.py --scale full --slice 0.5 --seeds 0
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from experiments import entropy_mnist as E
from experiments.train import train_run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("quick", "paper", "full"), default="paper")
    ap.add_argument("--jobs", default="", help="comma-separated optimizer keys (default: all)")
    ap.add_argument("--models", default="", help="comma-separated models (default: the config's)")
    ap.add_argument("--seeds", default="", help="comma-separated seeds (default: the config's)")
    ap.add_argument("--slice", type=float, default=0.0, help="time this many effective epochs only")
    ap.add_argument("--log", default="", help="JSON-lines file for the timings (default: stdout)")
    a = ap.parse_args()
    cfg = {"quick": E.Config, "paper": E.Config.paper, "full": E.Config.full}[a.scale]()
    if a.slice:
        cfg = dataclasses.replace(cfg, epochs=a.slice, checkpoint_dir="")
    splits, note = E.load_data(cfg)
    keys = a.jobs.split(",") if a.jobs else list(cfg.optimizers) + [E.COUPLED]
    models = a.models.split(",") if a.models else list(cfg.models)
    seeds = [int(s) for s in a.seeds.split(",")] if a.seeds else list(cfg.seeds)
    for model in models:
        for key in keys:
            for seed in (seeds[:1] if key == E.COUPLED else seeds):
                opt = "entropy_sgd" if key == E.COUPLED else key
                g0 = cfg.coupled_gamma0 if key == E.COUPLED else None
                tc = E._train_config(cfg, model, opt, seed, gamma0=g0)
                t0, w0 = time.process_time(), time.perf_counter()
                out = train_run(tc, splits)
                rec = {"scale": a.scale, "model": model, "job": key, "seed": seed,
                       "effective_epochs": float(out["history"]["effective_epochs"][-1]),
                       "cpu_s": time.process_time() - t0, "wall_s": time.perf_counter() - w0,
                       "n_params": out["n_params"], "test_error": out["test_error"],
                       "data": note, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                line = json.dumps(rec)
                if a.log:
                    with open(a.log, "a") as f:
                        f.write(line + "\n")
                print(line, flush=True)


if __name__ == "__main__":
    main()
