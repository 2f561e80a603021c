"""`autograder grade` end to end on chapter 2, with honest and broken submissions."""
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder.grade import grade
from catalogs import submission
from grading_helpers import autograded_full, cells, grades, read_csv, solved, write_submission

CH = "02_gradient_checking"
TIMEOUT = 60  # seconds per notebook; a chapter-2 notebook grades in about 5
CELL_TIMEOUT = 5  # an endless exercise costs this much in every cell that calls it
SOLUTION_GRADE_IDS = ("numerical_gradient", "relative_error", "check_gradients")


def set_cell(nb, grade_id, source):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
            return nb
    raise KeyError(grade_id)


def stub_of(grade_id):
    """A solution cell that defines the function but gets it wrong (returns zeros)."""
    args = {"numerical_gradient": "f, x, eps=1e-5", "relative_error": "a, b",
            "check_gradients": "cost_fn, params, grads, eps=1e-5"}[grade_id]
    return f"import numpy as np\ndef {grade_id}({args}):\n    return 0.0\n"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One grading run over honest and broken submissions (shared by the tests below)."""
    root = tmp_path_factory.mktemp("subs")
    course = tmp_path_factory.mktemp("course")
    write_submission(root, "ref", CH, solved(CH))
    write_submission(root, "stub", CH, submission(CH, solve=False))
    # a correct answer that triggers a NumPy RuntimeWarning (0/0) must keep its points
    warn = solved(CH, relative_error=(
        "import numpy as np\ndef relative_error(a, b):\n"
        "    a, b = np.asarray(a, float), np.asarray(b, float)\n"
        "    r = np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))\n"
        "    return 0.0 if np.isnan(r) else float(r)\n"))
    write_submission(root, "warns", CH, warn)
    write_submission(root, "badjson", CH, "{ this is not json")
    (root / "misnamed" / CH).mkdir(parents=True)
    nbformat.write(solved(CH), root / "misnamed" / CH / "my_homework.ipynb")
    write_submission(root, "unknownchapter", "99_nothing", solved(CH))
    schema = solved(CH)
    schema.cells[6].metadata["nbgrader"]["schema_version"] = 99
    write_submission(root, "schema99", CH, schema)
    # deleting the visible + hidden test cells and editing points: nbgrader restores them
    tampered = solved(CH, relative_error=stub_of("relative_error"))
    for cell in tampered.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id", "").startswith("test_relative_error"):
            cell.source = "pass"
            meta["points"] = 100
    write_submission(root, "tampered", CH, tampered)
    deleted = solved(CH, relative_error=stub_of("relative_error"))
    deleted.cells = [c for c in deleted.cells
                     if not c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_relative_error")]
    write_submission(root, "deleted", CH, deleted)
    write_submission(root, "dies", CH, solved(CH, relative_error="import os\nos._exit(1)\n"))
    write_submission(root, "loops", CH, solved(CH, relative_error=(
        "import time\ndef relative_error(a, b):\n    while True:\n        time.sleep(0.01)\n")))
    write_submission(root, "stubborn", CH, solved(CH, numerical_gradient=(
        "import signal\n"
        "def numerical_gradient(f, x, eps=1e-5):\n"
        "    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the kernel cannot be interrupted\n"
        "    while True:\n        pass\n")))
    write_submission(root, "hog", CH, solved(CH, relative_error=(
        "import numpy as np\ndef relative_error(a, b):\n"
        "    return float(np.ones(750_000_000).sum())  # 6 GB: fits in RAM, not in the 4 GB limit\n")))
    write_submission(root, "chatty", CH, solved(CH, relative_error=(
        "print('x' * 5_000_000)\n" + submission_source("relative_error"))))
    subs = grade(root, course=course, jobs=2, timeout=TIMEOUT, cell_timeout=CELL_TIMEOUT, progress=False,
                 log=lambda *a: None)
    return root, course, subs


def submission_source(grade_id):
    from catalogs import solution_sources

    return solution_sources(CH)[grade_id]


def reasons(subs):
    out = {}
    for s in subs:
        out[s.student] = (out.get(s.student, "") + " | " + s.result.get("reason", "")).strip(" |")
    return out


def test_reference_solution_gets_full_marks(graded_class):
    _, course, _ = graded_class
    assert autograded_full(course, "ref", CH)
    score, max_score = grades(course)[("ref", CH)]
    assert 0 < score < max_score  # the written answer waits for a human


def test_untouched_student_edition_gets_zero(graded_class):
    _, course, _ = graded_class
    assert grades(course)[("stub", CH)][0] == 0
    msgs = [r["message"] for (s, c, g), r in cells(course).items() if s == "stub" and g.startswith("test_")]
    assert msgs and all("not implemented yet" in m for m in msgs)


def test_runtime_warning_does_not_cost_points(graded_class):
    _, course, _ = graded_class
    assert autograded_full(course, "warns", CH)


@pytest.mark.parametrize("student,phrase", [
    ("badjson", "not a valid notebook"),
    ("misnamed", "wrong name"),
    ("schema99", "schema_version 99"),
])
def test_unreadable_submissions_are_reported_and_score_zero(graded_class, student, phrase):
    _, course, subs = graded_class
    assert phrase in reasons(subs)[student]
    assert all(score == 0 for (s, _), (score, _) in grades(course).items() if s == student)


def test_an_unknown_chapter_is_listed_as_unmatched_not_graded(graded_class):
    _, course, subs = graded_class
    unmatched = {r["file"]: r["reason"] for r in read_csv(course / "unmatched.csv")}
    assert "unknown chapter '99_nothing'" in unmatched["unknownchapter/99_nothing/"]
    assert "unknownchapter" not in {s for s, _ in grades(course)}


@pytest.mark.parametrize("student", ["tampered", "deleted"])
def test_edited_or_deleted_tests_are_restored_by_nbgrader(graded_class, student):
    _, course, _ = graded_class
    rows = cells(course)
    assert float(rows[(student, CH, "test_relative_error")]["score"]) == 0
    assert float(rows[(student, CH, "test_relative_error")]["max_score"]) == 1
    assert float(rows[(student, CH, "test_numerical_gradient")]["score"]) == 2  # the rest still counts


def test_a_dying_kernel_only_costs_its_own_submission(graded_class):
    _, course, subs = graded_class
    assert grades(course)[("dies", CH)][0] < grades(course)[("ref", CH)][0]
    assert ("dies", CH) in grades(course)


def test_an_endless_cell_is_interrupted(graded_class):
    _, course, _ = graded_class
    row = cells(course)[("loops", CH, "test_relative_error")]
    assert float(row["score"]) == 0
    assert "did not return within" in row["message"], row["message"]


def test_a_function_that_ignores_interrupts_only_costs_what_calls_it(graded_class):
    """Its process is killed and started afresh; exercises that never call it keep their points."""
    _, course, _ = graded_class
    rows = cells(course)
    for grade_id in ("test_numerical_gradient", "test_numerical_gradient_edge", "test_check_gradients"):
        assert float(rows[("stubborn", CH, grade_id)]["score"]) == 0
    assert "did not return within" in rows[("stubborn", CH, "test_numerical_gradient")]["message"]
    for grade_id in ("test_relative_error", "test_relative_error_edge"):
        assert float(rows[("stubborn", CH, grade_id)]["score"]) == 1


def test_exhausting_memory_only_costs_that_exercise(graded_class):
    _, course, _ = graded_class
    rows = cells(course)
    assert float(rows[("hog", CH, "test_relative_error")]["score"]) == 0
    assert "MemoryError" in rows[("hog", CH, "test_relative_error")]["message"]
    assert float(rows[("hog", CH, "test_numerical_gradient")]["score"]) == 2


def test_megabytes_of_output_are_graded_and_truncated(graded_class):
    _, course, _ = graded_class
    assert autograded_full(course, "chatty", CH)
    assert (course / "autograded" / "chatty" / CH / f"{CH}.ipynb").stat().st_size < 2_000_000


def test_feedback_for_everyone_without_hidden_tests(graded_class):
    _, course, _ = graded_class
    import html as h

    from conftest import ROOT
    from leaks import HIDDEN_TESTS, secret_lines

    source = ROOT / "solutions" / CH / f"{CH}.ipynb"
    hidden, everything = secret_lines(source, regions=HIDDEN_TESTS), secret_lines(source)
    assert len(hidden) >= 5
    # A solved submission shows the student's own answers; no submission shows hidden tests,
    # and the feedback of an unsolved one shows no solution either.
    for student, secrets in (("ref", hidden), ("warns", hidden), ("tampered", hidden),
                             ("stub", everything), ("badjson", everything)):
        page = (course / "feedback" / student / f"{CH}.html").read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in page
        assert not [s for s in secrets if h.escape(s) in page or s in page], student
    page = (course / "feedback" / "stub" / f"{CH}.html").read_text(encoding="utf-8")
    assert "not implemented yet" in page


def test_regrading_is_idempotent_and_incremental(graded_class, tmp_path):
    root, course, _ = graded_class
    before = (course / "grades.csv").read_text()
    cells_before = (course / "cells.csv").read_text()
    grade(root, course=course, jobs=2, timeout=TIMEOUT, cell_timeout=CELL_TIMEOUT, progress=False,
          log=lambda *a: None)
    assert (course / "grades.csv").read_text() == before
    assert (course / "cells.csv").read_text() == cells_before
    # one new student: only that notebook is graded
    write_submission(root, "newcomer", CH, solved(CH))
    logs = []
    grade(root, course=course, jobs=2, timeout=TIMEOUT, cell_timeout=CELL_TIMEOUT, progress=False, log=logs.append)
    assert any("grading 1 submissions" in line for line in logs), logs
    after = grades(course)
    assert autograded_full(course, "newcomer", CH)
    assert all(after[k] == v for k, v in grades_from_text(before).items())
    shutil.rmtree(root / "newcomer")


def grades_from_text(text):
    import csv
    import io

    return {(r["student"], r["chapter"]): (float(r["score"]), float(r["max_score"]))
            for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


def test_flat_folder_and_zip_layouts(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    nbformat.write(solved(CH), flat / f"dana_{CH}.ipynb")
    nbformat.write(submission(CH, solve=False), flat / f"eve_{CH}.ipynb")
    logs = []
    grade(flat, course=tmp_path / "c1", jobs=2, progress=False, log=logs.append)
    assert any("flat folder" in line for line in logs)
    assert autograded_full(tmp_path / "c1", "dana", CH)
    assert grades(tmp_path / "c1")[("eve", CH)][0] == 0
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(flat / f"dana_{CH}.ipynb", f"export/dana_{CH}.ipynb")
    grade(archive, course=tmp_path / "c2", jobs=1, progress=False, log=lambda *a: None)
    assert autograded_full(tmp_path / "c2", "dana", CH)


def test_command_line_reports_a_missing_folder(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "nowhere"),
                           "--course", str(tmp_path / "c")], capture_output=True, text=True)
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr
