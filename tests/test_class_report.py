"""The class report: every number it shows is a count of cells.csv, the same mistake gets the
same key in every submission, and the page renders offline with its figures."""
import shutil
from collections import Counter

import numpy as np
import pytest

from autograder.checks import check_array
from autograder.class_report import (EXERCISES_NAME, HTML_NAME, MISCONCEPTIONS_NAME, class_counts, diagnosis, generic,
                                     graded)
from autograder.grade import grade
from catalogs import catalog, submission
from grading_helpers import read_csv, write_submission

CH = "02_gradient_checking"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def failure(got, expected, mistakes=None) -> str:
    """The first line of the error ``check_array`` raises, as cells.csv keeps it."""
    with pytest.raises(AssertionError) as caught:
        check_array("dW", got, expected, mistakes=mistakes)
    return f"AssertionError: {str(caught.value).splitlines()[0]}"


def test_the_same_mistake_gets_one_key_whatever_the_numbers():
    rng = np.random.default_rng(0)
    keys = set()
    for m in (8, 32):
        expected = rng.standard_normal((3, 4))
        mistakes = {"dW is m times too large: did you forget to divide by the batch size m?": m * expected}
        keys.add(diagnosis(failure(m * expected, expected, mistakes)))
    assert len(keys) == 1, keys
    (key, label), = keys
    assert key.startswith("mistake-dw-is-m-times-too-large") and "batch size" in label

    expected = rng.standard_normal((3, 4))
    found = {diagnosis(failure(-expected, expected))[0], diagnosis(failure(2 * expected, expected))[0],
             diagnosis(failure(3 * expected, expected))[0], diagnosis(failure(expected.T, expected))[0],
             diagnosis(failure(expected + rng.standard_normal((3, 4)), expected))[0]}
    assert found == {"sign-flipped", "constant-factor", "shape-transposed", "wrong-value"}
    assert diagnosis("AssertionError: softmax is not implemented yet: replace it")[0] == "not-implemented"
    assert diagnosis("NameError: name 'x' is not defined")[0] == "error-nameerror"
    assert diagnosis("AssertionError: softmax() changed its argument Z in place (Z[0, 1] changed from 1 to 0.5). "
                     "A function must …")[0] == "in-place-softmax-z"


def counts_from_cells(course):
    """Per exercise: graded submissions and those that lost points, straight from the CSVs."""
    counted = {(r["student"], r["chapter"]) for r in read_csv(course / "grades.csv") if graded(r["status"])}
    graded_n, lost = Counter(), Counter()
    for r in read_csv(course / "cells.csv"):
        if r["kind"] == "autograded" and (r["student"], r["chapter"]) in counted:
            graded_n[r["chapter"], r["grade_id"]] += 1
            lost[r["chapter"], r["grade_id"]] += float(r["score"]) < float(r["max_score"])
    return graded_n, lost


@pytest.mark.slow
def test_class_report_counts_what_cells_csv_says_and_renders_offline(tmp_path):
    bugs = {m.name: m for m in catalog(CH)}
    one_sided, by_eps = bugs["ch02_numgrad_one_sided"], bugs["ch02_numgrad_divide_by_eps"]
    subs = tmp_path / "subs"
    for student in ("ok1", "ok2"):
        write_submission(subs, student, CH, submission(CH))
    for student in ("onesided1", "onesided2"):
        write_submission(subs, student, CH, submission(CH, {one_sided.function: one_sided.source}))
    write_submission(subs, "byeps", CH, submission(CH, {by_eps.function: by_eps.source}))
    write_submission(subs, "blank", CH, submission(CH, solve=False))
    write_submission(subs, "broken", CH, "not a notebook")
    course = tmp_path / "course"
    grade(subs, course=course, jobs=2, progress=False, log=lambda *a: None)

    graded_n, lost = counts_from_cells(course)
    exercises = {(r["chapter"], r["grade_id"]): r for r in read_csv(course / EXERCISES_NAME)}
    assert set(exercises) == set(graded_n)
    mistakes = read_csv(course / MISCONCEPTIONS_NAME)
    for where, n in graded_n.items():
        assert int(exercises[where]["graded"]) == n == 6          # "broken" is not graded
        assert int(exercises[where]["passed"]) == n - lost[where]
        rows = [r for r in mistakes if (r["chapter"], r["grade_id"]) == where]
        assert sum(int(r["students"]) for r in rows) == lost[where], where
        assert all(int(r["graded"]) == n for r in rows)

    def key_of(student):
        keys = {r["diagnosis_key"] for r in mistakes if student in r["student_ids"].split(";")}
        return keys

    assert key_of("ok1") == key_of("ok2") == set()
    assert class_counts(course)["full_auto"][CH] == 2             # ok1 and ok2; written answers do not count
    def named(bug):   # the keys of the rows that name ``bug``'s mistake
        return {r["diagnosis_key"] for r in mistakes if generic(bug.message) in r["diagnosis"]}

    assert len(named(one_sided)) == 1 and named(one_sided) <= key_of("onesided1") & key_of("onesided2"), (
        "the two students with the one-sided difference do not share its diagnosis")
    assert len(named(by_eps)) == 1 and named(by_eps) <= key_of("byeps")
    assert not named(one_sided) & key_of("byeps") and not named(by_eps) & key_of("onesided1")
    assert "not-implemented" in key_of("blank")
    assert any(r["students"] == "2" and r["student_ids"] == "onesided1;onesided2" for r in mistakes)

    page = (course / HTML_NAME).read_text(encoding="utf-8")
    for (chapter, grade_id), n in graded_n.items():
        assert f"{grade_id}: <span" in page and f"{n - lost[chapter, grade_id]} of {n} passed" in page
    assert "broken" in page.split("Not submitted or not graded")[1]
    assert "http://" not in page and "https://" not in page

    if not CHROMIUM:
        pytest.skip("chromium is not installed (the test command installs it on Debian as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    external = []

    def offline(route):
        if route.request.url.startswith(("file://", "data:")):
            return route.continue_()
        external.append(route.request.url)
        return route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        view = browser.new_page()
        view.route("**/*", offline)
        view.goto((course / HTML_NAME).as_uri())
        images = view.evaluate("() => Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        browser.close()
    assert len(images) == 2 and all(done and width > 100 for done, width in images), images
    assert not external, external
