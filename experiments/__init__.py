"""Numerical experiments: one module per experiment, ``Config`` → ``run(config)`` → ``Results``.

See :mod:`experiments._base` for the protocol. ``deeprelax run NAME`` runs one from a
TOML config; ``deeprelax report`` runs every experiment and builds every figure.
"""
