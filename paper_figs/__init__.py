"""Figures: one module per figure, ``make(results, out) -> path``; plotting lives here only.

A figure module declares ``EXPERIMENT`` (the experiment whose results it draws) and
``TITLE``. :mod:`paper_figs._report` builds every figure module present into one HTML
report with the theory-check table.
"""
