"""The local copy of MathJax 3 that the book and the feedback pages load instead of a CDN.

``make browser-deps`` (part of ``make book`` and ``make test``) fetches the ``mathjax@3.2.2``
npm package into ``.venv/share/mathjax``. ``copy_to`` copies the parts a page that loads
``tex-mml-chtml.js`` can ask for (the bundle, its CHTML fonts, the TeX extensions and the
accessibility menu's components), about 9 MB of the package's 24 MB.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .paths import REPO

VERSION = "3.2.2"
ENTRY = "tex-mml-chtml.js"
CDN = f"https://cdn.jsdelivr.net/npm/mathjax@{VERSION}/es5/{ENTRY}"
PARTS = (ENTRY, "output/chtml", "input/tex/extensions", "input/mml", "a11y", "sre", "ui", "adaptors")


def bundle() -> Path | None:
    """The ``es5`` folder of the installed MathJax package, or None if it was not fetched."""
    root = REPO / ".venv" / "share" / "mathjax" / "package" / "es5"
    return root if (root / ENTRY).is_file() else None


def copy_to(target: Path) -> bool:
    """Copy MathJax into ``target`` (``target/tex-mml-chtml.js`` …) unless it is there already;
    whether a local copy is there."""
    if (target / ENTRY).is_file():
        return True
    source = bundle()
    if source is None:
        return False
    for part in PARTS:
        origin = source / part
        if origin.is_dir():
            shutil.copytree(origin, target / part, dirs_exist_ok=True)
        elif origin.is_file():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / part)
    return True
