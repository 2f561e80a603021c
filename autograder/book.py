"""Sphinx extension for the book build (``_config.yml`` lists it): MathJax from the site itself.

With the local MathJax of ``make browser-deps``, every page loads
``_static/mathjax/tex-mml-chtml.js`` and ``_build/html`` is a self-contained site that renders
its formulas offline. Without that copy the build says so once and the pages load the CDN.
"""
from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

from . import mathjax

STATIC_FOLDER = "mathjax"
log = logging.getLogger(__name__)


def use_local_mathjax(app, config) -> None:
    if mathjax.bundle() is None:
        log.info("no local MathJax (make browser-deps fetches it): the pages load it from %s", mathjax.CDN)
        config.mathjax_path = mathjax.CDN
    else:
        config.mathjax_path = f"{STATIC_FOLDER}/{mathjax.ENTRY}"  # relative to _static/


def copy_mathjax(app, exception) -> None:
    if exception is None and app.builder.format == "html" and mathjax.bundle() is not None:
        mathjax.copy_to(Path(app.outdir) / "_static" / STATIC_FOLDER)


def setup(app):
    app.connect("config-inited", use_local_mathjax)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
