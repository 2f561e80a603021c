"""The seeded-bug catalog, graded through the real `autograder grade`.

Every seeded bug must lose points on its own exercise and be named in the feedback;
every correct-but-different implementation must keep full marks; the reference
solution gets full marks and the untouched student edition gets zero.
"""
import os

import pytest

from autograder.grade import grade
from autograder.mutants import catalog, submission
from conftest import CHAPTERS
from grading_helpers import autograded_full, cells, grades, write_submission

ONLY = os.environ.get("MUTANT_CHAPTERS", "").split(",") if os.environ.get("MUTANT_CHAPTERS") else None
SELECTED = [c for c in CHAPTERS if ONLY is None or c in ONLY]


def exercise_rows(rows, student, chapter, function):
    return [r for (s, c, gid), r in rows.items()
            if s == student and c == chapter and (gid == f"test_{function}" or gid.startswith(f"test_{function}_"))]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root, course = tmp_path_factory.mktemp("mutant-subs"), tmp_path_factory.mktemp("mutant-course")
    for chapter in SELECTED:
        write_submission(root, "reference", chapter, submission(chapter))
        write_submission(root, "untouched", chapter, submission(chapter, solve=False))
        mutants = catalog(chapter)
        correct = {m.function: m.source for m in mutants if m.correct}
        if correct:
            # correct variants of different functions may share one notebook
            write_submission(root, "variants", chapter, submission(chapter, correct))
        for m in mutants:
            if not m.correct:
                write_submission(root, f"bug-{m.name}", chapter, submission(chapter, {m.function: m.source}))
    grade(root, course=course, jobs=2, timeout=300, cell_timeout=60, progress=False, log=lambda *a: None)
    return course


@pytest.mark.parametrize("chapter", SELECTED)
def test_catalog_covers_every_graded_function(chapter):
    import reference

    mutants = catalog(chapter)
    for function in reference.CONTRACT[chapter]:
        bugs = [m for m in mutants if m.function == function and not m.correct]
        assert len(bugs) >= 2, f"{chapter}: {function} has {len(bugs)} seeded bugs, needs at least 2"
        assert all(m.message for m in bugs), f"{chapter}: every bug names the diagnosis it expects"
    assert any(m.correct for m in mutants), f"{chapter}: no correct-but-different implementation"


@pytest.mark.parametrize("chapter", SELECTED)
def test_reference_full_marks_and_untouched_zero(graded, chapter):
    assert autograded_full(graded, "reference", chapter)
    assert grades(graded)[("untouched", chapter)][0] == 0


@pytest.mark.parametrize("chapter", SELECTED)
def test_correct_variants_keep_full_marks(graded, chapter):
    if any(m.correct for m in catalog(chapter)):
        assert autograded_full(graded, "variants", chapter), [
            (gid, r["score"], r["message"]) for (s, c, gid), r in cells(graded).items()
            if s == "variants" and c == chapter and r["score"] != r["max_score"]]


@pytest.mark.parametrize("chapter,mutant", [(c, m) for c in SELECTED for m in catalog(c) if not m.correct],
                         ids=lambda v: getattr(v, "name", v))
def test_seeded_bug_loses_points_and_is_diagnosed(graded, chapter, mutant):
    rows = exercise_rows(cells(graded), f"bug-{mutant.name}", chapter, mutant.function)
    assert rows, f"no graded cells for {mutant.function}"
    lost = [r for r in rows if float(r["score"]) < float(r["max_score"])]
    assert lost, f"{mutant.name}: the bug in {mutant.function} kept full marks"
    messages = " | ".join(r["message"] for r in lost)
    assert mutant.message.lower() in messages.lower(), (
        f"{mutant.name}: expected the feedback to say {mutant.message!r}, got: {messages}")
