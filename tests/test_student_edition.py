"""The student edition runs with only the expected failures: the unfilled exercises.

Solution cells (which only define functions) run cleanly; every graded test cell fails
on the stubs; any other failure is a NotImplementedError from an unfilled exercise, or
a name that such a failed cell would have defined.
"""
import nbformat
import pytest
from nbclient import NotebookClient

from conftest import CHAPTERS, ROOT

EXPECTED = {"NotImplementedError", "AssertionError", "NameError"}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_edition_fails_only_on_stubs(chapter):
    path = ROOT / "chapters" / chapter / f"{chapter}.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    failed_before = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.outputs if o.output_type == "error"]
        label = meta.get("grade_id") or cell.source.splitlines()[0][:60]
        if meta.get("solution"):
            assert not errors, f"{chapter}: solution cell {label} fails to define its function: {errors[0].evalue}"
        elif meta.get("grade"):
            assert errors, f"{chapter}: test cell {label} passes although the exercise is not done"
        for err in errors:
            assert err.ename in EXPECTED, f"{chapter}: cell {label!r} fails with {err.ename}: {err.evalue}"
            if err.ename == "AssertionError" and not meta.get("grade"):
                # an explanatory cell may check that the exercises above it ran
                assert failed_before, f"{chapter}: explanatory cell {label!r} fails: {err.evalue}"
            elif err.ename == "AssertionError":
                assert "not implemented" in err.evalue, (
                    f"{chapter}: test {label} fails with {err.evalue!r} rather than saying the "
                    "function is not implemented yet")
            if err.ename == "NameError":
                assert failed_before, f"{chapter}: {label!r} uses an undefined name: {err.evalue}"
        failed_before = failed_before or bool(errors)
