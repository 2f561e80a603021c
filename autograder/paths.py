"""Where things are: the repository, its chapters and the default course workspace."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHAPTER_ID = re.compile(r"^\d\d_[a-z0-9_]+$")


def chapter_ids(root: Path = REPO / "solutions") -> list[str]:
    """Chapter ids, in order: folders ``solutions/<id>/`` that hold ``<id>.ipynb``."""
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and CHAPTER_ID.match(p.name) and (p / f"{p.name}.ipynb").is_file())


def resolve_chapters(names, known: list[str] | None = None) -> list[str]:
    """Chapter ids for ``names``, each a full id or the start of exactly one (``02``,
    ``02_gradient``). Raises ``ValueError`` naming what matches nothing, or more than one."""
    known = chapter_ids() if known is None else known
    out = []
    for name in names:
        matches = [c for c in known if c == name] or [c for c in known if c.startswith(name)]
        if len(matches) != 1:
            what = "matches no chapter" if not matches else f"matches {', '.join(matches)}"
            raise ValueError(f"chapter {name!r} {what} (known: {', '.join(known)})")
        out.append(matches[0])
    return out


def ensure_venv_bin_on_path() -> None:
    """Put this interpreter's ``bin/`` first on ``PATH``.

    nbgrader runs the ``alembic`` command (installed next to this Python) when it opens a
    gradebook; started outside an activated virtual environment it would not be found.
    """
    import os
    import sys

    bin_dir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir, *[p for p in parts if p != bin_dir]])


def write_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` through a temporary file beside it, so that a reader (or a
    run killed halfway) sees the old file or the new one, never half of one."""
    import os

    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding=encoding)
    os.replace(tmp, path)
