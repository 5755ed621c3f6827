"""Run the training jobs of ``entropy_mnist`` at the paper or full scale, resumable, timed.

The experiment runs its jobs one after another; this script runs a chosen subset of
them (so two processes can share two cores) into the experiment's own checkpoint
folder, and logs CPU and wall seconds per job as JSON lines. A later
``deeprelax run entropy_mnist --scale paper`` resumes every finished job from its
checkpoint and only evaluates it. ``--estimate K`` times K minibatch gradients of each
(model, optimizer) through ``minimize`` (after a warm-up) and extrapolates the CPU
seconds of the whole scale, for a scale too long to run here.

    python benchmarks/entropy_mnist_runs.py --scale paper --jobs entropy_sgd
    python benchmarks/entropy_mnist_runs.py --scale paper --jobs adam,entropy_sgd_coupled
    python benchmarks/entropy_mnist_runs.py --scale full --estimate 200
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from deeprelax import nn, optim
from experiments import entropy_mnist as E
from experiments.train import build_model, build_optimizer, grad_evals_per_step, train_run


def _emit(rec: dict, log: str) -> None:
    line = json.dumps(rec)
    if log:
        with open(log, "a") as f:
            f.write(line + "\n")
    print(line, flush=True)


def _estimate(cfg, splits, note, models, keys, a) -> None:
    """CPU seconds per effective epoch of each (model, optimizer), and the scale's total."""
    total = 0.0
    for model in models:
        for key in keys:
            opt = "entropy_sgd" if key == E.COUPLED else key
            tc = E._train_config(cfg, model, opt, cfg.seeds[0])
            net = build_model(tc, splits.sample_shape, splits.n_classes)
            obj = nn.MinibatchObjective(net, splits.train.X, splits.train.y, batch_size=tc.batch_size,
                                        dtype=np.dtype(tc.dtype))
            o = build_optimizer(tc, obj.n_samples)
            x = obj.init(0)
            optim.minimize(o, obj, x, n_steps=1, seed=0)              # compile / warm up
            n_steps = max(1, a.estimate // grad_evals_per_step(tc))
            t0, w0 = time.process_time(), time.perf_counter()
            r = optim.minimize(o, obj, x, n_steps=n_steps, seed=0)
            cpu, wall = time.process_time() - t0, time.perf_counter() - w0
            per = cpu / r.effective_epochs
            runs = 1 if key == E.COUPLED else len(cfg.seeds)
            total += per * cfg.epochs * runs
            _emit({"scale": a.scale, "estimate": True, "model": model, "job": key,
                   "n_params": net.dim, "grad_evals": int(n_steps * grad_evals_per_step(tc)),
                   "cpu_s_per_effective_epoch": per, "wall_s_per_effective_epoch": wall / r.effective_epochs,
                   "runs": runs, "epochs": cfg.epochs, "cpu_s_extrapolated": per * cfg.epochs * runs,
                   "data": note}, a.log)
    _emit({"scale": a.scale, "estimate": True, "cpu_s_total_extrapolated": total,
           "cpu_h_total_extrapolated": total / 3600}, a.log)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("quick", "paper", "full"), default="paper")
    ap.add_argument("--jobs", default="", help="comma-separated optimizer keys (default: all)")
    ap.add_argument("--models", default="", help="comma-separated models (default: the config's)")
    ap.add_argument("--seeds", default="", help="comma-separated seeds (default: the config's)")
    ap.add_argument("--estimate", type=int, default=0,
                    help="time this many minibatch gradients per (model, optimizer) and extrapolate")
    ap.add_argument("--log", default="", help="JSON-lines file for the timings (default: stdout)")
    a = ap.parse_args()
    cfg = {"quick": E.Config, "paper": E.Config.paper, "full": E.Config.full}[a.scale]()
    splits, note = E.load_data(cfg)
    keys = a.jobs.split(",") if a.jobs else list(cfg.optimizers) + [E.COUPLED]
    models = a.models.split(",") if a.models else list(cfg.models)
    seeds = [int(s) for s in a.seeds.split(",")] if a.seeds else list(cfg.seeds)
    if a.estimate:
        return _estimate(cfg, splits, note, models, keys, a)
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
                _emit(rec, a.log)


if __name__ == "__main__":
    main()
