"""Figures: one module per figure, ``make(results, out) -> path``; plotting lives here only.

A figure module declares ``EXPERIMENT`` (the experiment whose results it draws), ``TITLE``
and ``CAPTION`` (read from the source, so the report knows a figure without importing it).
:mod:`paper_figs._report` builds the HTML report (Jinja2 templates in ``templates/``) from
every saved result; :mod:`paper_figs._sweep` draws a sweep's metric over its grid.
"""
