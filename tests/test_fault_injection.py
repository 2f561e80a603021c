"""Fault injection: kill a sandbox, a kernel, a worker and the grader itself mid-batch.

After ``autograder grade`` is run again, the batch must be complete, the gradebook
consistent (one submission per student and chapter, one grade per cell, nothing left
half merged), and every score equal to a clean run's: no honest submission zeroed.
"""
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from autograder.grade import grade
from benchmarks.soak import build_class
from grading_helpers import read_csv

CHAPTERS = ["02_gradient_checking", "05_dropout_regularization"]
ROOT = Path(__file__).resolve().parents[1]


def scores(course: Path) -> dict:
    return {(r["student"], r["chapter"], r["grade_id"]): r["score"] for r in read_csv(course / "cells.csv")}


def descendants(proc: subprocess.Popen, needle: str) -> list[psutil.Process]:
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if needle in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def kill_one(proc: subprocess.Popen, needle: str, rng: random.Random, timeout: float = 90) -> str:
    """Wait until a process of that kind runs under the grader, then SIGKILL one of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        found = descendants(proc, needle)
        if found:
            time.sleep(rng.uniform(0.0, 1.5))
            victim = rng.choice(found)
            try:
                victim.send_signal(signal.SIGKILL)
                return f"killed {needle} (pid {victim.pid})"
            except psutil.Error:
                continue
        time.sleep(0.05)
    return f"no {needle} to kill"


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("fault-subs")
    build_class(root, copies=1, chapters=CHAPTERS, attacks=False)
    course = tmp_path_factory.mktemp("fault-clean")
    grade(root, course=course, jobs=2, progress=False, log=lambda *a: None)
    return root, scores(course)


def test_killed_processes_do_not_change_any_score(clean_run, tmp_path):
    root, expected = clean_run
    course = tmp_path / "course"
    rng = random.Random(7)
    command = [sys.executable, "-m", "autograder", "grade", str(root), "--course", str(course), "--jobs", "2",
               "--no-progress"]
    log = open(tmp_path / "grader.log", "wb")
    grader = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    done = [kill_one(grader, needle, rng) for needle in ("autograder.sandbox", "ipykernel", "autograder.worker")]
    time.sleep(rng.uniform(1.0, 4.0))
    assert grader.poll() is None, f"the batch ended before the grader could be killed: {done}"
    grader.kill()
    grader.wait()
    done.append("killed the grader")
    print(done)
    assert all(line.startswith("killed") for line in done), done
    # Run again until the batch is complete (a run ends with status 3 while something is left to regrade).
    for attempt in range(3):
        rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
        if rerun.returncode == 0:
            break
    assert rerun.returncode == 0, f"{done}\n{rerun.stdout[-3000:]}\n{rerun.stderr[-2000:]}"
    got = scores(course)
    assert got == expected, (done, {k: (v, expected.get(k)) for k, v in got.items() if expected.get(k) != v})
    work = course / ".work"
    assert not work.exists() or not any(work.iterdir()), "scratch folders were left behind"

    db = sqlite3.connect(course / "gradebook.db")
    dup = db.execute("select assignment_id, student_id, count(*) from submitted_assignment "
                     "group by assignment_id, student_id having count(*) > 1").fetchall()
    assert dup == [], f"duplicate submissions: {dup}"
    # Every submitted notebook has exactly one grade per grade cell of its chapter: none half merged.
    rows = db.execute(
        "select sn.id, count(distinct g.cell_id), count(g.id), "
        "  (select count(*) from grade_cells gc join base_cell bc on bc.id = gc.id where bc.notebook_id = sn.notebook_id) "
        "from submitted_notebook sn left join grade g on g.notebook_id = sn.id group by sn.id").fetchall()
    assert rows and all(distinct == total == cells for _, distinct, total, cells in rows), rows
    students = {s for (s, _c, _g) in expected}
    assert {r["student"] for r in read_csv(course / "grades.csv")} == students
    assert all(r["status"] in ("graded", "awaiting manual grading") for r in read_csv(course / "grades.csv")), read_csv(course / "grades.csv")
    leftovers = [p for p in psutil.process_iter(["cwd"]) if p.info["cwd"] and str(course) in p.info["cwd"]]
    assert leftovers == [], f"processes left running in the course: {leftovers}"


def test_a_worker_whose_grader_died_before_it_started_grades_nothing(tmp_path):
    """The grader can die while a worker is still starting, before the worker has asked to be
    killed with its parent: the worker must see that its parent is gone and stop at once,
    instead of grading into a course nobody reads."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()    # a pid that is certainly not this worker's parent any more
    task = tmp_path / "task.json"
    task.write_text('{"grader_pid": %d, "course": "%s"}' % (gone.pid, tmp_path))
    proc = subprocess.run([sys.executable, "-m", "autograder.worker", str(task)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert not (tmp_path / "result.json").exists()
