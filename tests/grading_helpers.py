"""Build submission folders for the grading tests."""
from pathlib import Path

import nbformat

from catalogs import submission
from autograder.reports import read_csv  # noqa: F401 (tests import it from here)


def write_submission(root: Path, student: str, chapter: str, nb) -> Path:
    path = root / student / chapter / f"{chapter}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, (str, bytes)):
        path.write_bytes(nb if isinstance(nb, bytes) else nb.encode())
    else:
        nbformat.write(nb, path)
    return path


def grades(course: Path) -> dict:
    return {(r["student"], r["chapter"]): (float(r["score"]), float(r["max_score"]))
            for r in read_csv(course / "grades.csv")}


def cells(course: Path) -> dict:
    return {(r["student"], r["chapter"], r["grade_id"]): r for r in read_csv(course / "cells.csv")}


def autograded_full(course: Path, student: str, chapter: str) -> bool:
    rows = [r for (s, c, _), r in cells(course).items() if s == student and c == chapter]
    return bool(rows) and all(float(r["score"]) == float(r["max_score"]) for r in rows
                              if r["kind"] == "autograded")


def solved(chapter, **overrides):
    return submission(chapter, overrides)
