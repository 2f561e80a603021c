"""The seeded-bug catalog: realistic wrong (and correct-but-different) student answers.

Each chapter module ``chNN.py`` defines ``MUTANTS``: a list of ``Mutant`` entries, each
replacing the body of one graded function. ``submission(chapter, overrides)`` builds a
filled-in student notebook: the student edition with every exercise answered by the
reference solution, except the cells named in ``overrides``.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

import nbformat

from autograder.paths import REPO

SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*(\n|\Z)", re.M)


@dataclass(frozen=True)
class Mutant:
    name: str           # short id, e.g. "dW_missing_1_over_m"
    function: str       # the grade_id of the solution cell it replaces
    source: str         # the whole cell source (def line, docstring, body)
    correct: bool = False   # a correct-but-different implementation: must keep full marks
    message: str = ""   # a phrase the feedback must contain (the diagnosis), for bugs


def solution_sources(chapter: str) -> dict[str, str]:
    """The instructor's solution cells, as a student who got everything right would write them."""
    nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = SOLUTION.sub("", cell.source)
    return out


def submission(chapter: str, overrides: dict[str, str] | None = None, *, solve: bool = True):
    """The student edition with answers filled in (``solve=False``: left as released)."""
    nb = nbformat.read(REPO / "chapters" / chapter / f"{chapter}.ipynb", as_version=4)
    answers = solution_sources(chapter) if solve else {}
    answers.update(overrides or {})
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def catalog(chapter: str) -> list[Mutant]:
    """The mutants of one chapter (empty when the chapter has none yet)."""
    module_name = f"{__name__}.ch{chapter[:2]}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return []
    return list(module.MUTANTS)
