"""LMS layouts, the roster, course-wide reports, late submissions and the summary.

One integration test grades three blank notebooks (a Canvas zip, then a Moodle folder, into
one course); the rest are unit tests that grade nothing.
"""
import csv
import datetime as dt
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import lms
from autograder.grade import GradingError, Submission, grade
from catalogs import submission
from autograder.paths import chapter_ids
from autograder.reports import chapter_table, most_failed, status, summary
from grading_helpers import read_csv

CH = "02_gradient_checking"
CHAPTERS = chapter_ids()


def touch(root: Path, name: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def matched(root, roster=None, chapter=None):
    layout, found, unmatched = lms.scan(root, CHAPTERS, chapter)
    unmatched += lms.match_students(found, roster)
    kept, superseded = lms.latest(found)
    return layout, {(f.student, f.chapter): f for f in kept}, {u.origin: u.reason for u in unmatched + superseded}


# --------------------------------------------------------------------------- unit: file names and roster


def test_canvas_names_one_student_latest_resubmission_and_late_flag(tmp_path):
    touch(tmp_path, f"zhangwei_12345_67890_{CH}.ipynb")
    touch(tmp_path, f"zhangwei_LATE_12345_67890_{CH}-1.ipynb")
    touch(tmp_path, "alice_222_333_Copy of 05_dropout_regularization.ipynb")
    layout, kept, unmatched = matched(tmp_path)
    assert "Canvas" in layout
    assert set(kept) == {("zhangwei", CH), ("alice", "05_dropout_regularization")}
    latest = kept["zhangwei", CH]
    assert latest.origin.endswith("-1.ipynb") and latest.late and latest.attempt == 1
    assert "superseded" in unmatched[f"zhangwei_12345_67890_{CH}.ipynb"]


def test_roster_maps_canvas_ids_and_names_of_any_script(tmp_path):
    touch(tmp_path, f"zhangwei_LATE_12345_67890_{CH}.ipynb")
    touch(tmp_path, f"bob_5_6_{CH}.ipynb")
    touch(tmp_path, f"mallory_9_9_{CH}.ipynb")
    roster = [{"lms_id": "12345", "lms_name": "", "student_id": "zwei", "display_name": "张伟", "email": "z@x.org"},
              {"lms_id": "", "lms_name": "Bob", "student_id": "b0b", "display_name": "", "email": ""}]
    _, kept, unmatched = matched(tmp_path, roster)
    assert kept["zwei", CH].display_name == "张伟" and kept["zwei", CH].email == "z@x.org"
    assert ("b0b", CH) in kept
    assert "not in the roster" in unmatched[f"mallory_9_9_{CH}.ipynb"]


def test_names_with_spaces_or_other_scripts_are_kept_not_zeroed(tmp_path):
    touch(tmp_path, f"Zhang Wei/{CH}/{CH}.ipynb")
    touch(tmp_path, f"张伟/{CH}/{CH}.ipynb")
    _, kept, unmatched = matched(tmp_path)
    assert set(kept) == {("Zhang_Wei", CH), ("张伟", CH)} and not unmatched
    assert all(not f.problem for f in kept.values())
    assert kept["Zhang_Wei", CH].display_name == "Zhang Wei"


def test_moodle_folders_take_the_chapter_from_the_file_or_the_option(tmp_path):
    touch(tmp_path, "Zhang Wei_5555_assignsubmission_file_/My Homework.ipynb")
    touch(tmp_path, "Bob Li_77_assignsubmission_file_/05-dropout regularization.ipynb")
    _, kept, unmatched = matched(tmp_path)
    assert ("Bob_Li", "05_dropout_regularization") in kept
    assert "no chapter in the file name" in unmatched["Zhang Wei_5555_assignsubmission_file_/My Homework.ipynb"]
    _, kept, unmatched = matched(tmp_path, chapter=CH)
    assert ("Zhang_Wei", CH) in kept and ("Bob_Li", "05_dropout_regularization") in kept and not unmatched


def test_every_unmatched_file_has_a_reason(tmp_path):
    touch(tmp_path, "alice/notes.ipynb")                  # not inside a chapter folder
    touch(tmp_path, f"alice/99_nothing/99_nothing.ipynb")  # unknown chapter
    touch(tmp_path, f"bob/{CH}/homework.ipynb")            # wrong name: a row that scores 0
    touch(tmp_path, "stray.ipynb")                         # outside the layout
    touch(tmp_path, "readme.txt")
    _, kept, unmatched = matched(tmp_path)
    assert "not inside a chapter folder" in unmatched["alice/notes.ipynb"]
    assert "unknown chapter '99_nothing'" in unmatched["alice/99_nothing/"]
    assert "outside a <student>/<chapter>/ folder" in unmatched["stray.ipynb"]
    assert "not a notebook" in unmatched["readme.txt"]
    assert "wrong name" in kept["bob", CH].problem
    assert all(chapter in CHAPTERS for _, chapter in kept)   # no phantom '?' chapter


def test_two_lms_users_with_one_name_are_not_merged(tmp_path):
    touch(tmp_path, f"zhangwei_1_10_{CH}.ipynb")
    touch(tmp_path, f"zhangwei_2_20_{CH}.ipynb")
    _, kept, unmatched = matched(tmp_path)
    assert not kept and all("several LMS users" in r for r in unmatched.values())


@pytest.mark.parametrize("text,phrase", [
    ("name,email\nx,y\n", "needs a student_id column"),
    ("lms_id,student_id\n1,a b\n", "line 2"),
    ("lms_id,student_id\n1,a\n1,b\n", "also on line 2"),
])
def test_a_bad_roster_is_refused_with_what_is_wrong(tmp_path, text, phrase):
    (tmp_path / "roster.csv").write_text(text)
    (tmp_path / "subs").mkdir()
    with pytest.raises(GradingError, match=phrase):
        grade(tmp_path / "subs", course=tmp_path / "c", roster=tmp_path / "roster.csv", log=lambda *a: None)


# --------------------------------------------------------------------------- unit: summary and status


def entry(cells, manual=()):
    return {"score": sum(s for s, _ in cells.values()), "max_score": sum(m for _, m in cells.values()),
            "cells": cells, "manual": list(manual), "by_hand": {}}


def test_summary_names_every_tied_exercise_and_counts_graded_files_only():
    ok = {"ok": True}
    subs = [Submission("a", CH, result=ok), Submission("b", CH, result=ok),
            Submission("c", CH, problem="not a valid notebook", result={"ok": False, "reason": "not a valid notebook"})]
    scores = {"a/02_gradient_checking": entry({"t1": (0, 1), "t2": (1, 1)}),
              "b/02_gradient_checking": entry({"t1": (1, 1), "t2": (0, 1)}),
              "c/02_gradient_checking": entry({"t1": (0, 1), "t2": (0, 1)})}
    assert most_failed({"t1": 1, "t2": 1, "t3": 0}) == ["t1", "t2"]
    line = chapter_table(subs, scores)[-1]
    assert line.split()[1] == "2" and "t1, t2 (1 of 2 each)" in line
    text = summary(subs, scores)
    assert "Not graded (1" in text and "c/02_gradient_checking" in text


def test_status_words():
    graded = Submission("a", CH, result={"ok": True}, late_flag=True, who={"lms": "canvas"})
    waiting = {"by_hand": {"w": "awaiting manual grading (2 points)"}}
    assert status(graded, waiting) == "awaiting manual grading; late"
    due = {CH: dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)}
    graded.submitted_at = due[CH].timestamp() + 26 * 3600
    assert status(graded, {}, due) == "graded; late by 1 d 2 h"
    failure = Submission("a", CH, result={"ok": False, "grading_failure": True, "reason": "worker died"})
    assert status(failure).startswith("grading failure") and "worker died" in status(failure)
    assert status(Submission("a", CH, problem="not submitted", result={"reason": "not submitted"})) == "not submitted"


# --------------------------------------------------------------------------- grading: Canvas, Moodle, course-wide


def zip_member(archive, name, nb, when):
    info = zipfile.ZipInfo(f"submissions/{name}", date_time=when)
    archive.writestr(info, nbformat.writes(nb))


def rows_by_student(course):
    return {r["student"]: r for r in read_csv(course / "grades.csv")}


def test_canvas_zip_then_moodle_folder_course_wide_reports(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "course.toml").write_text('[due]\n"02" = 2026-03-02T00:00:00Z\n[late]\npenalty = "zero"\n')
    blank = submission(CH, solve=False)
    canvas = tmp_path / "canvas.zip"
    with zipfile.ZipFile(canvas, "w") as archive:
        zip_member(archive, f"zhangwei_12345_67890_{CH}.ipynb", blank, (2026, 3, 1, 10, 0, 0))
        zip_member(archive, f"zhangwei_LATE_12345_67890_{CH}-1.ipynb", submission(CH), (2026, 3, 3, 12, 0, 0))
        zip_member(archive, f"alice_222_333_{CH}.ipynb", blank, (2026, 3, 1, 9, 0, 0))
        zip_member(archive, f"mallory_999_1_{CH}.ipynb", blank, (2026, 3, 1, 9, 0, 0))
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["lms_id", "lms_name", "student_id", "display_name", "email"],
                                  ["12345", "zhangwei", "zwei", "张伟", "zwei@example.org"],
                                  ["222", "alice", "alice", "Alice Smith", "alice@example.org"],
                                  ["444", "carol", "carol", "Carol Jones", "carol@example.org"]])
    logs = []
    grade(canvas, course=course, jobs=2, progress=False, roster=roster, log=logs.append)
    assert (course / "grades.csv").read_bytes().startswith(b"\xef\xbb\xbf")   # Excel reads 张伟
    rows = rows_by_student(course)
    assert set(rows) == {"zwei", "alice", "carol"}
    assert rows["carol"]["status"] == "not submitted" and rows["carol"]["display_name"] == "Carol Jones"
    assert rows["zwei"]["display_name"] == "张伟" and rows["zwei"]["origin"].endswith("-1.ipynb")
    assert "late by 1 d 12 h" in rows["zwei"]["status"] and rows["zwei"]["late"] == "1 d 12 h"
    # a correct notebook, but late, and the course's penalty is "zero": nbgrader's penalty takes it all
    assert rows["zwei"]["score"] == "0" and "late penalty" in rows["zwei"]["status"]
    page = (course / "feedback" / "zwei" / f"{CH}.html").read_text(encoding="utf-8")
    assert "Submitted 1 d 12 h after the due date: late penalty" in page and "your score is 0 of" in page
    assert "after the due date" not in (course / "feedback" / "alice" / f"{CH}.html").read_text(encoding="utf-8")
    assert rows["alice"]["late"] == "" and rows["alice"]["score"] == "0"
    unmatched = {r["file"]: r["reason"] for r in read_csv(course / "unmatched.csv")}
    assert "not in the roster" in unmatched[f"mallory_999_1_{CH}.ipynb"]
    assert "superseded" in unmatched[f"zhangwei_12345_67890_{CH}.ipynb"]
    assert "unmatched.csv" in "\n".join(logs) and "?" not in {r["chapter"] for r in rows.values()}
    assert not any("unchanged or not gradable" in line for line in logs)
    canvas = {r["SIS User ID"]: r for r in read_csv(course / "grades-canvas.csv")}
    assert canvas["zwei"]["ID"] == "12345" and canvas["zwei"][CH] == "0"

    # a later batch with one Moodle folder: the reports still hold everyone
    moodle = tmp_path / "moodle"
    nbformat.write(blank, touch(moodle, "张伟_5555_assignsubmission_file_/homework.ipynb"))
    logs = []
    grade(moodle, course=course, jobs=1, progress=False, chapter="02", log=logs.append)
    rows = rows_by_student(course)
    assert set(rows) == {"zwei", "alice", "carol", "张伟"}           # no roster: the name is the id
    assert rows["carol"]["status"] == "not submitted"                # the roster of the first run is kept
    assert rows["张伟"]["status"].split(";")[0] in ("graded", "awaiting manual grading")
    assert "late by" in rows["张伟"]["status"] and rows["张伟"]["score"] == "0"   # its file time is now
    assert (course / "feedback" / "张伟" / f"{CH}.html").is_file()
    assert {r["student"] for r in read_csv(course / "cells.csv")} == set(rows)
    assert any(line.startswith(CH) and line.split()[1] == "3" for line in "\n".join(logs).splitlines())
    assert not read_csv(course / "unmatched.csv")


def test_lms_exports_one_row_per_student(tmp_path):
    ok = {"ok": True}
    subs = [Submission("zwei", CH, result=ok, who={"display_name": "张伟", "email": "z@x.org", "lms": "canvas",
                                                  "lms_id": "12345"}),
            Submission("zwei", "05_dropout_regularization", problem="not submitted",
                       result={"ok": False, "reason": "not submitted"}),
            Submission("bob", CH, problem="not a valid notebook", result={"ok": False, "reason": "x"},
                       who={"lms": "moodle", "lms_id": "77", "display_name": "Bob Li"}),
            Submission("bob", "05_dropout_regularization",
                       result={"ok": False, "grading_failure": True, "reason": "worker died"})]
    scores = {"zwei/02_gradient_checking": {**entry({"t1": (3, 4), "w": (0, 2)}), "penalty": 1.0},
              "bob/02_gradient_checking": entry({"t1": (0, 4), "w": (0, 2)}),
              "bob/05_dropout_regularization": entry({"t1": (0, 5)})}
    lms.write_exports(tmp_path, subs, scores, {CH: "Gradient checking (4567)"})
    assert (tmp_path / "grades-canvas.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    canvas = read_csv(tmp_path / "grades-canvas.csv")
    assert list(canvas[0])[:6] == [*lms.CANVAS_HEAD, "Gradient checking (4567)"]
    assert canvas[0]["Student"].strip() == "Points Possible" and canvas[0]["Gradient checking (4567)"] == "6"
    rows = {r["SIS User ID"]: r for r in canvas[1:]}
    assert rows["zwei"]["ID"] == "12345" and rows["zwei"]["Student"] == "张伟"
    assert rows["zwei"]["Gradient checking (4567)"] == "2"          # 3 points less the late penalty
    assert rows["zwei"]["05_dropout_regularization"] == ""          # not submitted: no change in Canvas
    assert rows["bob"]["ID"] == "" and rows["bob"]["Gradient checking (4567)"] == "0"
    assert rows["bob"]["05_dropout_regularization"] == ""           # grading failure: no score
    moodle = {r["ID number"]: r for r in read_csv(tmp_path / "grades-moodle.csv")}
    assert moodle["zwei"]["Email address"] == "z@x.org" and moodle["zwei"][CH] == "2"


@pytest.mark.parametrize("text,phrase", [
    ('[due]\n"99" = 2026-03-02T00:00:00Z\n', "matches no chapter"),
    ('[due]\n"02" = "next monday"\n', "is not a date and time"),
    ('[due\n', "not valid TOML"),
    ('[late]\npenalty = "half"\n', "use one of none, zero"),
])
def test_a_bad_course_toml_names_the_entry(tmp_path, text, phrase):
    from autograder.course_config import CourseConfigError, late_penalty, load_due

    (tmp_path / "course.toml").write_text(text)
    with pytest.raises(CourseConfigError, match=phrase):
        load_due(tmp_path)
        late_penalty(tmp_path)


def test_due_dates_are_read_as_utc_unless_they_say(tmp_path):
    from autograder.course_config import load_due

    (tmp_path / "course.toml").write_text('[due]\n"02" = "2026-03-02 23:59"\n'
                                          '05_dropout_regularization = 2026-03-16T12:00:00+01:00\n')
    due = load_due(tmp_path)
    assert due[CH] == dt.datetime(2026, 3, 2, 23, 59, tzinfo=dt.timezone.utc)
    assert due["05_dropout_regularization"].utcoffset() == dt.timedelta(hours=1)
