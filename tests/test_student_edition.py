"""The student edition runs with only the expected failures: the unfilled exercises.

Solution cells (which only define functions) run cleanly; every graded test cell fails
on the stubs, saying the function is not implemented yet; the first explanatory cell that
fails does so with the stub's NotImplementedError, and only cells after it (which use what
it did not compute) may fail in other ways. The instructor notebooks, which run during the
release, prove that the explanatory cells themselves are correct.
"""
import nbformat
import pytest
from nbclient import NotebookClient

from conftest import CHAPTERS, ROOT


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
            if meta.get("grade"):
                assert err.ename == "AssertionError" and "not implemented" in err.evalue, (
                    f"{chapter}: test {label} fails with {err.ename}: {err.evalue!r} rather than "
                    "saying the function is not implemented yet")
            elif not failed_before:
                # the first failure of an explanatory cell must be an unfilled exercise; later
                # cells may fail in any way because they use what a failed cell did not compute
                assert err.ename == "NotImplementedError", (
                    f"{chapter}: cell {label!r} fails with {err.ename}: {err.evalue}")
        failed_before = failed_before or bool(errors)
