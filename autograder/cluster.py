"""Grading on a Dask cluster: each submission's grading runs on one of the cluster's workers.

    autograder grade SUBMISSIONS --scheduler tcp://HOST:8786

The grading machine stages every submission's scratch course as it does for its own workers
(``grade.stage``) and sends the folder, as bytes, with the task. A Dask worker writes it into
a temporary folder of its machine and runs the same worker process, with the same sandbox
(``grade.run_worker``); what comes back is the result and the few files the merge needs (the
graded notebook and its feedback page). Only the grading machine touches the gradebook and
writes the reports, so the cluster's machines need the project installed (the same
``make setup``, and bubblewrap for the sandbox), not the course.

A submission whose Dask worker is lost is graded again by Dask on another worker; if that
fails too, it is a grading failure like one on this machine: graded once more, then listed in
``regrade.csv``.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

RESULT_FILES = ("autograded", "feedback")   # result keys that name a file the merge copies
CONNECT_TIMEOUT = "20s"   # how long to wait for the scheduler before saying it does not answer
SHARED = ("source", "gradebook.db", "release.ipynb")   # the same for every submission of a chapter


def pack(work: Path, shared: bool) -> dict[str, bytes]:
    """The files under ``work`` that all submissions of its chapter share (``shared``), or the
    submission's own, by path relative to ``work``."""
    return {str(p.relative_to(work)): p.read_bytes() for p in sorted(work.rglob("*"))
            if p.is_file() and (p.relative_to(work).parts[0] in SHARED) == shared}


def unpack(files: dict[str, bytes], root: Path) -> None:
    for name, data in files.items():
        target = (root / name).resolve()
        if root.resolve() not in target.parents:
            raise ValueError(f"{name}: not inside the scratch course")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def grade_staged(shared: dict[str, bytes], own: dict[str, bytes]) -> dict:
    """On a cluster worker: grade the scratch course made of ``shared`` and ``own`` (from
    ``pack``); return the worker's result with the contents of its result files instead of
    their paths."""
    from .grade import run_worker

    work = Path(tempfile.mkdtemp(prefix="bbh-cluster-"))
    try:
        unpack(shared, work)
        unpack(own, work)
        result = run_worker(work)
        result.pop("work", None)
        for key in RESULT_FILES:
            if key in result:
                path = Path(result[key])
                result[key] = {"name": str(path.relative_to(work)), "data": path.read_bytes()}
        return result
    finally:
        from .jail import kill_processes_in

        kill_processes_in(work)
        shutil.rmtree(work, ignore_errors=True)


def localize(result: dict, work: Path) -> dict:
    """``result`` from a cluster worker, with its files written back into the local ``work``."""
    for key in RESULT_FILES:
        if isinstance(result.get(key), dict):
            unpack({result[key]["name"]: result[key]["data"]}, work)
            result[key] = str(work / result[key]["name"])
    return {**result, "work": str(work)}


def connect(address: str):
    """A Dask client of the scheduler at ``address``; a clear error when it cannot be reached."""
    from distributed import Client

    from .grade import GradingError

    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise GradingError(f"no Dask scheduler answers at {address} ({exc}); start one with "
                           "`dask scheduler` and workers with `dask worker ADDRESS`") from None


def run_on_cluster(subs, course: Path, template_db: Path, options: dict, done) -> None:
    """Grade ``subs`` on the cluster of ``options["scheduler"]``; call ``done(sub)`` in this
    thread as each one finishes, as ``grade.run_batch`` does.

    A chapter's shared files travel to the cluster once; a submission is staged and sent only
    when a worker is about to be free (two per worker thread in flight), so a class of
    thousands costs neither the disk nor the scheduler's memory of all of it at once."""
    from distributed import as_completed

    from .grade import finish, stage

    client = connect(options["scheduler"])
    try:
        in_flight = max(2, 2 * sum(client.nthreads().values()))
        queue, shared, running = list(reversed(subs)), {}, {}
        finished = as_completed()

        def send_next() -> None:
            if not queue:
                return
            sub = queue.pop()
            work = stage(sub, course, template_db, options)
            if sub.chapter not in shared:
                # in a list: a dict would be scattered value by value, under its file names
                shared[sub.chapter] = client.scatter([pack(work, shared=True)], hash=False)[0]
            # pure=False: the same notebook of two students is graded twice, never shared
            future = client.submit(grade_staged, shared[sub.chapter], pack(work, shared=False), pure=False,
                                   key=f"grade-{sub.key}-{work.name}")
            running[future.key] = (sub, work)
            finished.add(future)

        for _ in range(in_flight):
            send_next()
        for future in finished:
            sub, work = running.pop(future.key)
            finish(sub, LocalResult(future, work), done)
            send_next()
    finally:
        client.close()


class LocalResult:
    """A finished cluster future whose ``result()`` has its files written back locally."""

    def __init__(self, future, work: Path):
        self.future, self.work = future, work

    def result(self) -> dict:
        return localize(self.future.result(), self.work)
