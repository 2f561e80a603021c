"""The two halves of a graded submission.

- ``student_cells``: the submission's own code, which runs in the sandbox
  (``autograder.sandbox``): every code cell except the tests and the chapter's experiments
  left as they were released (they only print and plot; skipping them keeps a restart of
  the sandbox cheap).
- ``trusted_notebook``: what nbgrader executes. It is the instructor's released notebook,
  cell for cell and with the instructor's metadata, in which each solution code cell is
  replaced by stand-ins for the functions it defines (``autograder.proxy``) and each
  written answer is the student's text, sanitized (``autograder.sanitize``). The submission's test cells, metadata and outputs
  are not used, so deleting or editing them changes nothing.
- ``for_display``: after grading, the student's code goes back into the solution cells,
  so that the feedback and formgrader show what the student wrote.
"""
from __future__ import annotations

import ast
import copy
import re

from .sanitize import sanitize_markdown
from .tamper import nbgrader_meta

BOOTSTRAP = ("# Grading: the functions below run in a separate process (autograder.proxy).\n"
             "from autograder.proxy import attach as _attach_sandbox\n"
             "_sandbox = _attach_sandbox()")
SKIPPED = "# (this cell of the chapter is not run during grading)"
MAGIC = re.compile(r"^\s*[%!].*$", re.MULTILINE)


def is_test(meta: dict) -> bool:
    return bool(meta.get("grade")) and not meta.get("solution")


def defined_names(source: str) -> list[str]:
    """Top-level functions and classes a solution cell defines (its stub in the release)."""
    try:
        tree = ast.parse(MAGIC.sub("", source))
    except SyntaxError:
        return []
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def experiments(release) -> list:
    """The chapter's code cells after the first exercise that are neither exercises nor tests."""
    out, seen_solution = [], False
    for cell in release.cells:
        meta = nbgrader_meta(cell)
        seen_solution = seen_solution or bool(meta.get("solution"))
        if cell.cell_type == "code" and seen_solution and not meta.get("solution") and not meta.get("grade") \
                and "helper" not in str(meta.get("grade_id", "")):
            out.append(cell)
    return out


def student_cells(release, student) -> list[str]:
    """Sources of the submission's code cells, in order, without tests and untouched experiments."""
    skipped = {c.source.strip() for c in release.cells if c.cell_type == "code" and is_test(nbgrader_meta(c))}
    skipped |= {c.source.strip() for c in experiments(release)}
    test_ids = {nbgrader_meta(c).get("grade_id") for c in release.cells if is_test(nbgrader_meta(c))}
    cells = []
    for cell in student.cells:
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        meta = nbgrader_meta(cell)
        if cell.source.strip() in skipped or (is_test(meta) and meta.get("grade_id") in test_ids):
            continue
        cells.append(cell.source)
    return cells


def by_grade_id(student) -> dict:
    out = {}
    for cell in student.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if isinstance(gid, str) and gid not in out:
            out[gid] = cell
    return out


def trusted_notebook(release, student):
    """The notebook nbgrader executes: see the module docstring."""
    import nbformat

    nb = copy.deepcopy(release)
    theirs = by_grade_id(student)
    skipped = {id(c) for c in experiments(nb)}
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            names = defined_names(cell.source)
            cell.source = "\n".join(f"{name} = _sandbox.function({name!r})" for name in names) or "pass"
        elif cell.cell_type == "markdown" and meta.get("solution"):
            other = theirs.get(meta.get("grade_id"))
            if other is not None and other.get("cell_type") == "markdown" and isinstance(other.get("source"), str):
                cell.source = sanitize_markdown(other.source)   # formgrader and feedback render it
        elif id(cell) in skipped:   # an experiment: it is the student's business, not the tests'
            cell.source = SKIPPED
            cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs = []
    nb.cells.insert(0, nbformat.v4.new_code_cell(BOOTSTRAP))
    return nb


def for_display(graded, release, student):
    """The graded notebook as the student should see it: their code, the chapter's text."""
    theirs = by_grade_id(student)
    cells = graded.cells[1:] if graded.cells and graded.cells[0].source == BOOTSTRAP else graded.cells
    for cell, original in zip(cells, release.cells):
        meta = nbgrader_meta(original)
        if cell.cell_type == "code" and meta.get("solution"):
            other = theirs.get(meta.get("grade_id"))
            cell.source = (other.source if other is not None and isinstance(other.get("source"), str)
                           else "# (your notebook has no cell with this grade_id)")
        elif cell.source == SKIPPED:
            cell.source = original.source
            if "nbgrader" in original.metadata:
                cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
    graded.cells = cells
    return graded
