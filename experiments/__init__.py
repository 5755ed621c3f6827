"""Numerical experiments: one module per experiment, ``Config`` → ``run(config)`` → ``Results``.

The protocol is in :mod:`experiments._base` (rows, results files), configs and scales in
:mod:`experiments._config`, provenance and cache keys in :mod:`experiments._provenance`,
running and reusing results in :mod:`experiments._runner`, sweeps in
:mod:`experiments._sweep`, the 22 numbered claims in :mod:`experiments._claims`.
``deeprelax run NAME`` runs one (``--config FILE``, ``--set KEY=VALUE``, ``--scale``);
``deeprelax report`` runs every experiment and builds every figure; ``deeprelax sweep`` runs
a grid of configs.
"""
