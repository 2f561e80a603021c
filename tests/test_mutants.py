"""The seeded-bug catalog, graded through the real `autograder grade`.

Every seeded bug must lose points on its own exercise and be named on the first failing line
a student reads: the message (the first line of the error, as cells.csv keeps it) of the first
cell of that exercise, in notebook order, that lost points;
every correct-but-different implementation must keep full marks; the reference
solution gets full marks and the untouched student edition gets zero.
"""
import os

import nbformat
import pytest

from autograder.grade import grade
from catalogs import catalog, submission
from autograder.paths import REPO, resolve_chapters
from conftest import CHAPTERS
from grading_helpers import autograded_full, cells, grades, read_csv, write_submission

# MUTANT_CHAPTERS=03,06 limits the run to those chapters (full ids or their starts).
ONLY = resolve_chapters(os.environ["MUTANT_CHAPTERS"].split(",")) if os.environ.get("MUTANT_CHAPTERS") else None
SELECTED = [c for c in CHAPTERS if ONLY is None or c in ONLY]
# The default run grades the first two seeded bugs of every function (the catalog lists the
# most common mistakes first); MUTANTS_ALL=1 grades the whole catalog.
PER_FUNCTION = None if os.environ.get("MUTANTS_ALL") else 2


# Functions whose only arguments are numbers, strings, lists of sizes, or ones they may change.
NO_INPUT_TO_DAMAGE = {"numerical_gradient", "lr_decay", "init_params"}


def writes_into_inputs(m) -> bool:
    """A bug that damages an argument it must leave alone (always graded: each must be caught
    on its own function's cells, however right the value it returns)."""
    return "_writes_into_" in m.name or "_zeroes_input_" in m.name


def bugs(chapter):
    """The seeded bugs of ``chapter`` that this run grades."""
    chosen, count = [], {}
    for m in catalog(chapter):
        if m.correct:
            continue
        if writes_into_inputs(m) or PER_FUNCTION is None or count.get(m.function, 0) < PER_FUNCTION:
            count[m.function] = count.get(m.function, 0) + (not writes_into_inputs(m))
            chosen.append(m)
    return chosen


def variant_groups(chapter):
    """Correct variants, one per function in each group: group i holds every function's i-th."""
    groups = []
    for m in catalog(chapter):
        if m.correct:
            slot = next((g for g in groups if m.function not in g), None)
            if slot is None:
                groups.append(slot := {})
            slot[m.function] = m.source
    return groups


def notebook_order(chapter):
    """The grade_ids of the chapter's graded cells, in the order a student meets them."""
    nb = nbformat.read(REPO / "chapters" / chapter / f"{chapter}.ipynb", as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def exercise_rows(rows, student, chapter, function):
    """The graded cells of ``function``'s exercise, in notebook order."""
    order = {gid: i for i, gid in enumerate(notebook_order(chapter))}
    found = [(gid, r) for (s, c, gid), r in rows.items()
             if s == student and c == chapter and (gid == f"test_{function}" or gid.startswith(f"test_{function}_"))]
    return [r for gid, r in sorted(found, key=lambda item: order.get(item[0], len(order)))]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root, course = tmp_path_factory.mktemp("mutant-subs"), tmp_path_factory.mktemp("mutant-course")
    for chapter in SELECTED:
        write_submission(root, "reference", chapter, submission(chapter))
        write_submission(root, "untouched", chapter, submission(chapter, solve=False))
        for i, group in enumerate(variant_groups(chapter)):
            write_submission(root, f"variants-{i}", chapter, submission(chapter, group))
        for m in bugs(chapter):
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
    for i, _ in enumerate(variant_groups(chapter)):
        student = f"variants-{i}"
        assert autograded_full(graded, student, chapter), [
            (gid, r["score"], r["message"]) for (s, c, gid), r in cells(graded).items()
            if s == student and c == chapter and r["score"] != r["max_score"]]


@pytest.mark.parametrize("chapter,mutant", [(c, m) for c in SELECTED for m in bugs(c)],
                         ids=lambda v: getattr(v, "name", v))
def test_seeded_bug_loses_points_and_is_diagnosed(graded, chapter, mutant):
    rows = exercise_rows(cells(graded), f"bug-{mutant.name}", chapter, mutant.function)
    assert rows, f"no graded cells for {mutant.function}"
    lost = [r for r in rows if float(r["score"]) < float(r["max_score"])]
    assert lost, f"{mutant.name}: the bug in {mutant.function} kept full marks"
    first = lost[0]
    assert mutant.message.lower() in first["message"].lower(), (
        f"{mutant.name}: expected the first failing cell ({first['grade_id']}) to say {mutant.message!r} "
        f"on its first line, got: {first['message']!r}; every lost cell: "
        + " | ".join(f"{r['grade_id']}: {r['message']}" for r in lost))


def test_honest_answers_are_not_flagged_as_suspicious(graded):
    """Right or wrong, none of these submissions tampers with anything: none may be flagged."""
    flagged = [(r["student"], r["chapter"], r["what"]) for r in read_csv(graded / "suspicious.csv")]
    assert flagged == []
