"""Shared fixtures: the released student edition, the built book, and the chapter list."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.paths import chapter_ids  # noqa: E402

CHAPTERS = chapter_ids()


@pytest.fixture(scope="session")
def released(tmp_path_factory):
    """A fresh release of every chapter (this executes every instructor notebook)."""
    from autograder.release import release

    out = tmp_path_factory.mktemp("release")
    release(CHAPTERS, out_root=out / "chapters", jobs=2, log=lambda *_: None, instructor_root=out / "solutions")
    return out / "chapters"


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    """The HTML book built from the committed chapters/ with warnings as errors."""
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).parent / "jupyter-book"
    proc = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "--warningiserror",
                           "--keep-going"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"book build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return out / "_build" / "html"
