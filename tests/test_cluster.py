"""`autograder grade --scheduler`: grading on the workers of a Dask cluster.

A local cluster of worker processes stands in for other machines: its workers receive each
submission's scratch course as bytes and grade it in a folder of their own, so nothing they
use is shared with the grading process but the installed project.
"""
import time

import pytest

from autograder.grade import GradingError, grade
from catalogs import catalog, submission
from grading_helpers import autograded_full, cells, grades, read_csv, write_submission

CH = "02_gradient_checking"
OTHER = "05_dropout_regularization"   # a second chapter: each travels with its own hidden tests


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


def test_a_class_graded_on_the_cluster_gets_its_right_scores(cluster, tmp_path):
    bug = next(m for m in catalog(CH) if not m.correct and m.function == "relative_error")
    root, course = tmp_path / "subs", tmp_path / "course"
    write_submission(root, "ref", CH, submission(CH))
    write_submission(root, "ref", OTHER, submission(OTHER))
    write_submission(root, "blank", CH, submission(CH, solve=False))
    write_submission(root, "buggy", CH, submission(CH, {bug.function: bug.source}))
    grade(root, course=course, scheduler=cluster.scheduler_address, timeout=300, progress=False,
          log=lambda *a: None)

    assert autograded_full(course, "ref", CH) and autograded_full(course, "ref", OTHER)
    assert grades(course)[("blank", CH)][0] == 0
    lost = [r for (s, c, gid), r in cells(course).items()
            if s == "buggy" and gid.startswith("test_relative_error") and float(r["score"]) < float(r["max_score"])]
    assert lost and bug.message.lower() in lost[0]["message"].lower()
    kept = [r for (s, c, gid), r in cells(course).items()
            if s == "buggy" and gid.startswith("test_numerical_gradient")]
    assert kept and all(float(r["score"]) == float(r["max_score"]) for r in kept)
    # what the merge needs came back from the workers' machines
    for student in ("ref", "blank", "buggy"):
        assert (course / "feedback" / student / f"{CH}.html").is_file()
        assert (course / "autograded" / student / CH / f"{CH}.ipynb").is_file()
    assert read_csv(course / "regrade.csv") == []
    assert not (course / ".work").exists()


def test_an_unreachable_scheduler_is_named_before_anything_is_graded(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    import autograder.cluster

    monkeypatch.setattr(autograder.cluster, "CONNECT_TIMEOUT", "3s")
    root, course = tmp_path / "subs", tmp_path / "course"
    write_submission(root, "ref", CH, submission(CH))
    with pytest.raises(GradingError, match="no Dask scheduler answers at tcp://127.0.0.1:9"):
        grade(root, course=course, scheduler="tcp://127.0.0.1:9", progress=False, log=lambda *a: None)
    assert not (course / "gradebook.db").exists()


def test_a_submission_whose_cluster_worker_dies_is_graded_on_another(cluster, tmp_path):
    """A grading machine lost in the middle of a grading: Dask gives the task to another
    worker, and the submission gets its right score, not a zero or a grading failure."""
    import threading

    import psutil

    root, course = tmp_path / "subs", tmp_path / "course"
    for student in ("ann", "bob"):
        write_submission(root, student, CH, submission(CH))
    killed = []

    def kill_a_grading_machine():
        deadline = time.time() + 240
        while time.time() < deadline and not killed:
            for proc in psutil.Process().children(recursive=True):
                try:
                    if "autograder.worker" in " ".join(proc.cmdline()):
                        machine = proc.parent()     # the Dask worker that runs this grading
                        machine.kill()
                        killed.append(machine.pid)
                        return
                except psutil.Error:
                    continue
            time.sleep(0.2)

    killer = threading.Thread(target=kill_a_grading_machine)
    killer.start()
    grade(root, course=course, scheduler=cluster.scheduler_address, timeout=300, progress=False,
          log=lambda *a: None)
    killer.join()
    assert killed, "no grading was seen running on the cluster"
    assert autograded_full(course, "ann", CH) and autograded_full(course, "bob", CH)
    assert read_csv(course / "regrade.csv") == []
