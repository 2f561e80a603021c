"""The adversarial catalog, graded beside honest submissions through the real `autograder grade`.

The honest students are graded first. Then the attacks are added to the same folder and
the same course, and graded. Every attack must score zero; the honest students' scores,
gradebook entries and files must not move; nothing may be written after the grader
returns; the run must finish within its bound; and every attack that can be seen must be
listed as suspicious with what it tried.
"""
import hashlib
import html as h
import math
import os
import time
from pathlib import Path

import pytest
from grading_helpers import cells, grades, read_csv, write_submission

from autograder.grade import grade
from autograder.jail import STRONG, isolation
from catalogs.adversarial import CHAPTER, catalog, honest
from autograder.paths import REPO

TIMEOUT = 90       # per notebook
CELL_TIMEOUT = 10
JOBS = 2
QUIET_PERIOD = 10  # seconds to watch for late writes (the background attack writes for 8)


def tree_state(*folders: Path) -> dict:
    """Every file under ``folders``: its size, modification time and content hash."""
    state = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                state[str(path)] = (len(data), path.stat().st_mtime_ns, hashlib.sha256(data).hexdigest())
    return state


def gradebook_rows(course: Path, students) -> dict:
    """Every grade the gradebook holds for ``students``, cell by cell."""
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            notebook = gb.find_submission_notebook(CHAPTER, CHAPTER, student)
            rows[student] = {g.name: (g.auto_score, g.manual_score, g.max_score) for g in notebook.grades}
    return rows


def attacks():
    strong = isolation() == STRONG
    return [a for a in catalog() if strong or not a.strong_only]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if isolation() != STRONG:
        if os.geteuid() == 0:
            pytest.fail("running as root but the bwrap sandbox does not work here: install bubblewrap "
                        "(make test does) so that the grader's isolation is tested")
        pytest.skip("the attacks can only be contained by the bwrap sandbox, which needs root: without "
                    "it they would really write to the course folder")
    root, course = tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("course")
    outside = tmp_path_factory.mktemp("outside")
    canary = outside / "canary.txt"
    canary.write_text("untouched\n")
    honest_students = honest()
    for student, nb in honest_students.items():
        write_submission(root, student, CHAPTER, nb)
    options = dict(course=course, jobs=JOBS, timeout=TIMEOUT, cell_timeout=CELL_TIMEOUT, memory_mb=2048,
                   progress=False, log=lambda *a: None)
    grade(root, **options)
    honest_files = [course / "autograded" / s for s in honest_students] + [course / "feedback" / s
                                                                         for s in honest_students]
    before = {"grades": {k: v for k, v in grades(course).items()},
              "cells": {k: v["score"] for k, v in cells(course).items()},
              "gradebook": gradebook_rows(course, honest_students),
              "files": tree_state(*honest_files), "outside": tree_state(outside)}

    targets = {"gradebook": str(course / "gradebook.db"), "grades_csv": str(course / "grades.csv"),
               "cells_csv": str(course / "cells.csv"),
               "other_feedback": str(course / "feedback" / "honest_full" / f"{CHAPTER}.html"),
               "other_autograded": str(course / "autograded" / "honest_full" / CHAPTER / f"{CHAPTER}.ipynb"),
               "canary": str(canary)}
    for attack in attacks():
        write_submission(root, f"attack-{attack.name}", CHAPTER, attack.build(targets))
    start = time.monotonic()
    subs = grade(root, **options)
    elapsed = time.monotonic() - start
    just_after = tree_state(course, outside)
    time.sleep(QUIET_PERIOD)
    later = tree_state(course, outside)
    return {"course": course, "subs": subs, "elapsed": elapsed, "before": before, "honest": honest_students,
            "honest_files": honest_files, "outside": outside, "just_after": just_after, "later": later}


def test_the_catalog_covers_every_threat():
    assert {a.threat for a in catalog()} == {1, 2, 3, 4, 5, 6}
    assert len({a.name for a in catalog()}) == len(catalog())


@pytest.mark.parametrize("attack", attacks(), ids=lambda a: a.name)
def test_attack_scores_zero(run, attack):
    course, student = run["course"], f"attack-{attack.name}"
    assert grades(course)[(student, CHAPTER)][0] == 0, [
        (gid, r["score"], r["message"]) for (s, _, gid), r in cells(course).items() if s == student]
    rows = [r for (s, _, _), r in cells(course).items() if s == student]
    assert rows and all(float(r["score"]) == 0 for r in rows)


def test_honest_students_keep_their_scores(run):
    course, before = run["course"], run["before"]
    now = grades(course)
    for student in run["honest"]:
        assert now[(student, CHAPTER)] == before["grades"][(student, CHAPTER)]
    assert {k: v["score"] for k, v in cells(course).items() if k[0] in run["honest"]} == before["cells"]
    assert gradebook_rows(course, run["honest"]) == before["gradebook"]
    # and the honest baseline itself is right: full marks, exactly one exercise, nothing
    full, _ = now[("honest_full", CHAPTER)]
    assert full == 8 and now[("honest_partial", CHAPTER)][0] == 2 and now[("honest_stub", CHAPTER)][0] == 0


def test_other_students_files_and_outside_files_are_untouched(run):
    assert tree_state(*run["honest_files"]) == run["before"]["files"]
    assert tree_state(run["outside"]) == run["before"]["outside"]


def test_the_gradebook_is_intact(run):
    from nbgrader.api import Gradebook

    course = run["course"]
    expected = set(run["honest"]) | {f"attack-{a.name}" for a in attacks()}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert {s.id for s in gb.students} == expected
        assert len(gb.find_assignment(CHAPTER).submissions) == len(expected)
        assert all(g.manual_score is None for s in expected
                   for g in gb.find_submission_notebook(CHAPTER, CHAPTER, s).grades)
    rows = read_csv(course / "grades.csv")
    assert sorted(r["student"] for r in rows) == sorted(expected)   # no forged "vandal" row


def test_nothing_is_written_after_the_grader_returns(run):
    assert run["later"] == run["just_after"]


def test_the_run_finishes_within_its_bound(run):
    n = len(attacks())
    bound = math.ceil(n / JOBS) * TIMEOUT + 120
    assert run["elapsed"] < bound, f"{n} attacks took {run['elapsed']:.0f} s (bound {bound} s)"


@pytest.mark.parametrize("attack", [a for a in attacks() if a.flag], ids=lambda a: a.name)
def test_attack_is_reported_as_suspicious(run, attack):
    flagged = [r["what"] for r in read_csv(run["course"] / "suspicious.csv")
               if r["student"] == f"attack-{attack.name}"]
    assert any(attack.flag.lower() in what.lower() for what in flagged), flagged


def test_honest_students_are_not_flagged(run):
    flagged = {r["student"] for r in read_csv(run["course"] / "suspicious.csv")}
    assert not flagged & set(run["honest"]), flagged


def test_feedback_never_shows_hidden_tests(run):
    from leaks import HIDDEN_TESTS, secret_lines

    source = REPO / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"
    hidden = secret_lines(source, regions=HIDDEN_TESTS)
    assert hidden
    for page_path in (run["course"] / "feedback").rglob("*.html"):
        page = page_path.read_text(encoding="utf-8")
        assert not [s for s in hidden if h.escape(s) in page or s in page], page_path
