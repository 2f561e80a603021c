"""``autograder grade SUBMISSIONS``: grade a whole class with nbgrader, in parallel.

1. find the submissions (nbgrader's ``<student>/<chapter>/<chapter>.ipynb`` layout, a
   flat folder of ``<student>_<chapter>.ipynb`` files, Canvas's and Moodle's downloads,
   or a zip of any; ``lms.py``), match them to students (optionally through a roster) and
   check that each is a readable notebook;
2. put the instructor notebooks into the course workspace and register every chapter
   in nbgrader's gradebook (``generate_assignment``);
3. grade each new or changed submission in its own worker process and scratch course
   (``--jobs`` at a time; each with a wall-clock timeout and a memory limit);
4. merge the results into the one gradebook, one submission at a time (with the due date
   and late penalty of ``course.toml``), and write the course-wide reports
   (``reports.py``), the LMS exports and ``feedback/<student>/<chapter>.html``.

A submission that cannot be graded gets zero and a reason in the report; a file that
matches no student or chapter is listed in ``unmatched.csv``; every other submission is
still graded. Grading an unchanged folder again changes nothing.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .course_config import canvas_columns, load_due
from .lms import write_exports
from .paths import CHAPTER_ID, REPO, chapter_ids, ensure_venv_bin_on_path, write_atomic
from .class_report import write_class_report
from .reports import course_subs, gradebook_scores, summary, write_reports, write_unmatched

MANIFEST = "manifest.json"
FAILURES = "failures.json"   # grading failures not yet graded again
ROSTER = "roster.csv"       # the last --roster, kept for the reports of later runs


class GradingError(RuntimeError):
    """The batch cannot be graded at all (no submissions, unreadable folder, ...)."""


@dataclass
class Submission:
    student: str
    chapter: str
    path: Path | None = None
    problem: str = ""                  # why it cannot be graded (empty: it can)
    sha: str = ""
    result: dict = field(default_factory=dict)
    retried: bool = False              # graded a second time after a grading failure
    origin: str = ""                   # where it was in the submissions
    late_flag: bool = False            # the LMS marked it late
    submitted_at: float | None = None  # its file time (seconds since the epoch)
    who: dict = field(default_factory=dict)   # display_name, email, lms, lms_id, lms_name

    @property
    def grading_failure(self) -> bool:
        """Not graded because of the grading machine: to regrade, never a zero."""
        return bool(self.result.get("grading_failure"))

    @property
    def key(self) -> str:
        return f"{self.student}/{self.chapter}"


# --------------------------------------------------------------------------- discovery


def unpack_if_zip(path: Path, scratch: Path) -> Path:
    """The folder to search: ``path`` itself, or where its zip was extracted (file times kept)."""
    import time

    from .lms import MOODLE

    if path.is_file() and zipfile.is_zipfile(path):
        target = scratch / "unzipped"
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                name = Path(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise GradingError(f"{path}: the zip holds an unsafe path {member.filename!r}")
            archive.extractall(target)
            for member in archive.infolist():   # an LMS dates its files: the submission times
                if not member.is_dir():
                    stamp = time.mktime(member.date_time + (0, 0, -1))
                    os.utime(target / member.filename, (stamp, stamp))
        # An LMS export often wraps everything in one top-level folder: look inside it.
        entries = [p for p in target.iterdir() if not p.name.startswith(("__MACOSX", "."))]
        if (len(entries) == 1 and entries[0].is_dir() and not is_student_dir(entries[0])
                and not MOODLE.match(entries[0].name)):
            return entries[0]
        return target
    if not path.is_dir():
        raise GradingError(f"{path}: not a folder or a zip file of submissions")
    return path


def is_student_dir(folder: Path) -> bool:
    """A ``<student>/`` folder holds ``<chapter>/`` folders."""
    return any(p.is_dir() and CHAPTER_ID.match(p.name) for p in folder.iterdir())


def discover(root: Path, chapters: list[str], roster: list[dict] | None = None,
             chapter: str | None = None) -> tuple[str, list[Submission], list]:
    """The submissions under ``root``, the layout they were found in, and the files that match
    no student or chapter (``lms.Unmatched``, each with its reason)."""
    from . import lms

    layout, found, unmatched = lms.scan(root, chapters, chapter)
    unmatched += lms.match_students(found, roster)
    kept, superseded = lms.latest(found)
    subs = [Submission(f.student, f.chapter, f.path if f.path.is_file() else None, f.problem, origin=f.origin,
                       late_flag=f.late, submitted_at=lms.mtime(f.path) if f.path.is_file() else None,
                       who={"display_name": f.display_name, "email": f.email, "lms": f.lms,
                            "lms_id": f.lms_id, "lms_name": f.lms_name})
            for f in kept]
    return layout, subs, unmatched + superseded


def check_readable(sub: Submission) -> None:
    """Fill ``sub.problem`` when the file is not a notebook nbgrader can read."""
    import nbformat

    if sub.problem or sub.path is None:
        return
    raw = sub.path.read_bytes()
    sub.sha = hashlib.sha256(raw).hexdigest()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        sub.problem = "not a text file (not UTF-8): is it really a notebook?"
        return
    except Exception as exc:
        sub.problem = f"not a valid notebook (invalid JSON or format): {str(exc).splitlines()[0][:160]}"
        return
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        sub.problem = f"notebook does not follow the nbformat schema: {exc.message[:160]}"
        return
    from .tamper import nbgrader_meta

    bad = [nbgrader_meta(c).get("schema_version") for c in nb.cells if "nbgrader" in c.get("metadata", {})]
    bad = [v for v in bad if v not in (3, None)]
    if bad:
        sub.problem = f"nbgrader metadata with unknown schema_version {bad[0]!r} (expected 3)"


# --------------------------------------------------------------------------- the course workspace


def nbgrader_config(course: Path, db_url: str):
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = db_url
    config.Exchange.root = str(course / "exchange")
    return config


def prepare_course(course: Path, chapters: list[str], db_url: str, log) -> dict:
    """Copy the instructor notebooks into ``course/source`` and register them in the gradebook.

    Returns ``{chapter: sha256 of its instructor notebook}``.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    ensure_venv_bin_on_path()
    course.mkdir(parents=True, exist_ok=True)
    state_path = course / "sources.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    shas = {}
    config = nbgrader_config(course, db_url)
    api = None
    for chapter in chapters:
        src = REPO / "solutions" / chapter
        shas[chapter] = hashlib.sha256((src / f"{chapter}.ipynb").read_bytes()).hexdigest()
        if state.get(chapter) == shas[chapter] and (course / "release" / chapter).is_dir():
            continue
        dest = course / "source" / chapter
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        api = api or NbGraderAPI(CourseDirectory(config=config), config=config)
        result = api.generate_assignment(chapter, force=True, create=True)
        if not result["success"]:
            raise GradingError(f"nbgrader could not register {chapter}:\n{result.get('log', '')[-2000:]}")
        log(f"registered {chapter} in the gradebook")
        state[chapter] = shas[chapter]
        state_path.write_text(json.dumps(state, indent=1, sort_keys=True))
    return shas


def sqlite_path(db_url: str) -> Path | None:
    return Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None


def make_template_db(course: Path, db_url: str, chapters: list[str]) -> Path:
    """A SQLite gradebook holding only the chapters, copied into every worker's scratch course."""
    template = course / ".work" / "template.db"
    template.parent.mkdir(parents=True, exist_ok=True)
    path = sqlite_path(db_url)
    if path is not None:
        shutil.copy2(path, template)
        return template
    # another database server: rebuild the chapters in a scratch SQLite file
    template.unlink(missing_ok=True)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    scratch_url = f"sqlite:///{template}"
    config = nbgrader_config(course, scratch_url)
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    for chapter in chapters:
        result = api.generate_assignment(chapter, force=True, create=True)
        if not result["success"]:
            raise GradingError(f"could not prepare the workers' gradebook for {chapter}:\n"
                               f"{result.get('log', '')[-2000:]}")
    return template


# --------------------------------------------------------------------------- grading one submission


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def course_lock(course: Path):
    """One grading run per course workspace at a time."""
    import fcntl

    with open(course / ".grading.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise GradingError(f"{course}: another `autograder grade` is running on this course workspace "
                               f"(pid {fh.read().strip() or '?'}); wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill a worker, its kernel and anything they started."""
    import signal

    import psutil

    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait()


def stage(sub: Submission, course: Path, template_db: Path, options: dict) -> Path:
    """A scratch course of its own for one grading attempt: the submission, the chapter's
    source, a gradebook holding only the chapters, the release and the task. Whatever a killed
    attempt left running cannot write into the next one's."""
    work = Path(tempfile.mkdtemp(prefix=f"{sub.chapter}-", dir=ensure_dir(course / ".work" / sub.student)))
    submitted = work / "submitted" / sub.student / sub.chapter
    submitted.mkdir(parents=True)
    shutil.copy2(sub.path, submitted / f"{sub.chapter}.ipynb")
    shutil.copytree(course / "source" / sub.chapter, work / "source" / sub.chapter)
    shutil.copy2(template_db, work / "gradebook.db")
    shutil.copy2(course / "release" / sub.chapter / f"{sub.chapter}.ipynb", work / "release.ipynb")
    task = {"student": sub.student, "chapter": sub.chapter, "timeout": options["timeout"],
            "cell_timeout": options["cell_timeout"], "memory_mb": options["memory_mb"],
            "max_file_mb": options["max_file_mb"]}
    (work / "task.json").write_text(json.dumps(task))
    return work


def run_worker(work: Path) -> dict:
    """Run a worker process on the scratch course ``work`` (from ``stage``); return its result
    (``ok``, ``cells`` or ``reason``). The same on the grading machine and on a cluster's."""
    task = json.loads((work / "task.json").read_text())
    # Paths are those of this machine: a cluster's worker stages the folder elsewhere.
    task.update(course=str(work), release=str(work / "release.ipynb"), grader_pid=os.getpid())
    (work / "task.json").write_text(json.dumps(task))
    with open(work / "worker.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "autograder.worker", str(work / "task.json")],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=str(work))
        try:
            proc.wait(timeout=task["timeout"])
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            return with_early_flags({"ok": False, "work": str(work),
                                     "reason": f"grading took longer than {task['timeout']} s and was stopped"},
                                    work)
        kill_tree(proc)  # leftovers: a kernel or a process the notebook started
    result_file = work / "result.json"
    try:
        result = json.loads(result_file.read_text())
    except (OSError, ValueError):
        tail = (work / "worker.log").read_text(errors="replace").strip().splitlines()[-1:] or [""]
        result = {"ok": False, "grading_failure": True,
                  "reason": f"the grading process died (exit code {proc.returncode}): {tail[0][:200]}"}
    return with_early_flags({**result, "work": str(work)}, work)


def grade_one(sub: Submission, course: Path, template_db: Path, options: dict) -> dict:
    """Grade one submission on this machine."""
    return run_worker(stage(sub, course, template_db, options))


def with_early_flags(result: dict, work: Path) -> dict:
    """``result`` with the suspicious flags the worker found before grading, if it ended without them."""
    from .worker import SUSPICIOUS

    if "suspicious" not in result:
        try:
            result["suspicious"] = [str(x)[:300] for x in json.loads((work / SUSPICIOUS).read_text())][:30]
        except (OSError, ValueError, TypeError):
            pass
    return result


def run_batch(subs: list[Submission], course: Path, template_db: Path, options: dict, jobs: int, done) -> None:
    """Grade ``subs`` with ``jobs`` workers at a time, on this machine or (``options["scheduler"]``)
    on a Dask cluster; fill each ``sub.result`` and call ``done(sub)`` in this thread as each
    one finishes."""
    if options.get("scheduler"):
        from .cluster import run_on_cluster

        return run_on_cluster(subs, course, template_db, options, done)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, sub, course, template_db, options): sub for sub in subs}
        for future in as_completed(futures):
            finish(futures[future], future, done)


def finish(sub: Submission, future, done) -> None:
    """Take the result of ``future`` (a grading of ``sub``) and hand it to ``done``."""
    try:
        sub.result = future.result()
    except Exception as exc:  # a bug of the grader in one task must not stop the others
        sub.result = {"ok": False, "grading_failure": True,
                      "reason": f"grader error: {type(exc).__name__}: {exc}"}
    done(sub)


# --------------------------------------------------------------------------- merging into the gradebook


def merge(sub: Submission, course: Path, db_url: str, same_file_as_before: bool = False, due=None) -> None:
    """Record one graded (or failed) submission in the gradebook and the course folders.

    The submission itself goes to ``submitted/`` (formgrader lists what is there). Manual
    grades stay: nbgrader flags a cell with a manual score for review again when it saves new
    automatic scores, which is right for a changed file; for the same file (``--force``) the
    flag is cleared again, so nothing graded by hand needs grading twice. With a due date
    (``course.toml``), the chapter's due date and the submission's time go into the gradebook
    and nbgrader's late-penalty step (``AssignLatePenalties``) runs on it.
    """
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.preprocessors import SaveAutoGrades

    result = sub.result
    import datetime as dt

    with Gradebook(db_url) as gb:
        who = {k: v for k, v in (("email", sub.who.get("email")), ("lms_user_id", sub.who.get("lms_id"))) if v}
        gb.update_or_create_student(sub.student, **who)
        stamp = None
        if due is not None:
            gb.update_or_create_assignment(sub.chapter, duedate=due.astimezone(dt.timezone.utc).replace(tzinfo=None))
            if sub.submitted_at is not None:
                stamp = dt.datetime.fromtimestamp(sub.submitted_at, dt.timezone.utc).replace(tzinfo=None)
        gb.update_or_create_submission(sub.chapter, sub.student, **({"timestamp": stamp} if stamp else {}))
    submitted = course / "submitted" / sub.student / sub.chapter / f"{sub.chapter}.ipynb"
    if result.get("ok") and sub.path is not None and sub.path.is_file():
        submitted.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(sub.path, submitted)
    autograded = course / "autograded" / sub.student / sub.chapter / f"{sub.chapter}.ipynb"
    feedback = course / "feedback" / sub.student / f"{sub.chapter}.html"
    if result.get("ok"):
        autograded.parent.mkdir(parents=True, exist_ok=True)
        feedback.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(result["autograded"], autograded)
        shutil.copy2(result["feedback"], feedback)
        nb = nbformat.read(autograded, as_version=4)
        resources = {"nbgrader": {"notebook": sub.chapter, "assignment": sub.chapter,
                                  "student": sub.student, "db_url": db_url}}
        SaveAutoGrades().preprocess(nb, resources)
        if due is not None:
            from nbgrader.preprocessors import AssignLatePenalties
            from traitlets.config import Config

            from .course_config import late_penalty

            config = Config()
            config.LateSubmissionPlugin.penalty_method = late_penalty(course)
            AssignLatePenalties(config=config).preprocess(nb, resources)
            add_late_note(feedback, sub, due, db_url)
        if same_file_as_before:
            with Gradebook(db_url) as gb:
                notebook = gb.find_submission_notebook(sub.chapter, sub.chapter, sub.student)
                for grade in notebook.grades:
                    if grade.manual_score is not None:
                        grade.needs_manual_grade = False
                gb.db.commit()
        return
    autograded.unlink(missing_ok=True)
    with Gradebook(db_url) as gb:
        try:
            notebook = gb.find_submission_notebook(sub.chapter, sub.chapter, sub.student)
        except MissingEntry:
            return
        for grade in notebook.grades:
            grade.auto_score = 0.0
            grade.needs_manual_grade = False
        gb.db.commit()
    write_failure_feedback(feedback, sub)


def add_late_note(page: Path, sub: Submission, due, db_url: str) -> None:
    """Say at the top of a late submission's feedback by how much it was late and what it cost."""
    from nbgrader.api import Gradebook

    from .feedback import with_late_note
    from .reports import duration, late_by

    seconds = late_by(sub, {sub.chapter: due}) if due is not None else None
    if seconds is None or not page.is_file():
        return
    with Gradebook(db_url) as gb:
        notebook = gb.find_submission_notebook(sub.chapter, sub.chapter, sub.student)
        penalty, score, most = notebook.late_submission_penalty or 0.0, notebook.score, notebook.max_score
    page.write_text(with_late_note(page.read_text(encoding="utf-8"), duration(seconds), penalty, score, most),
                    encoding="utf-8")


def write_failure_feedback(path: Path, sub: Submission) -> None:
    import html

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(sub.chapter)}"
                    f"</title></head><body><h1>{html.escape(sub.chapter)}: not graded</h1>"
                    f"<p>Your submission could not be graded: {html.escape(sub.result.get('reason', sub.problem))}</p>"
                    "<p>Every exercise scores 0. Fix the problem and submit again.</p></body></html>",
                    encoding="utf-8")


def write_json_atomic(path: Path, data) -> None:
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True))



# --------------------------------------------------------------------------- feedback from the gradebook


def subs_from_manifest(manifest: dict, failures: dict | None = None) -> list[Submission]:
    """Every submission graded so far, as the manifest remembers it, and the grading failures
    still to regrade (``failures.json``), which stand in for what they failed to replace."""
    subs = {}
    for key, entry in sorted({**manifest, **(failures or {})}.items()):
        student, _, chapter = key.partition("/")
        subs[key] = Submission(student, chapter, None, entry.get("problem", ""), entry.get("sha", ""),
                               entry.get("result", {}), origin=entry.get("origin", ""),
                               late_flag=entry.get("late_flag", False), submitted_at=entry.get("submitted_at"),
                               who=entry.get("who", {}))
    return list(subs.values())


def remembered_entry(sub: Submission, source_sha: str) -> dict:
    """What the manifest keeps of a submission."""
    return {"sha": sub.sha, "source": source_sha, "problem": sub.problem, "result": sub.result,
            "origin": sub.origin, "late_flag": sub.late_flag, "submitted_at": sub.submitted_at, "who": sub.who}


def keep_roster(course: Path, roster: Path) -> None:
    """Keep the roster of the last run that had one: later runs (and ``autograder feedback``)
    list its students who submitted nothing."""
    write_atomic(course / ROSTER, Path(roster).read_text(encoding="utf-8-sig"), encoding="utf-8-sig")


def course_roster(course: Path) -> list[dict] | None:
    from .lms import RosterError, read_roster

    if not (course / ROSTER).is_file():
        return None
    try:
        return read_roster(course / ROSTER)
    except RosterError as exc:
        raise GradingError(f"{exc} (the roster kept from an earlier run; grade with a corrected --roster)") from None


def read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def refresh_feedback(course: Path = Path("course"), db_url: str | None = None, log=print) -> list[Submission]:
    """``autograder feedback``: rewrite every feedback page, ``grades.csv`` and ``cells.csv`` from
    the gradebook, with the manual scores and comments of formgrader, without running anything."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from .feedback import FEEDBACK_PREPROCESSORS, install_mathjax, use_local_mathjax
    from .formgrader import write_nbgrader_config

    course = Path(course).resolve()
    manifest_path = course / MANIFEST
    if not manifest_path.is_file():
        raise GradingError(f"{course}: nothing graded here yet (no {MANIFEST}); run `autograder grade` first")
    db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    with course_lock(course):
        write_nbgrader_config(course, db_url)
        subs = course_subs(subs_from_manifest(read_json(manifest_path), read_json(course / FAILURES)), [],
                           course_roster(course))
        build = course / ".work" / "feedback"
        config = nbgrader_config(course, db_url)
        config.CourseDirectory.feedback_directory = str(build.relative_to(course))
        config.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        install_mathjax(course / "feedback")
        due = load_due(course)
        done = 0
        for sub in subs:
            if not sub.result.get("ok") or not (course / "autograded" / sub.student / sub.chapter).is_dir():
                continue
            result = api.generate_feedback(sub.chapter, sub.student, force=True)
            page = build / sub.student / sub.chapter / f"{sub.chapter}.html"
            if not result["success"] or not page.is_file():
                log(f"{sub.key}: feedback could not be generated: {result.get('error', '')[-300:]}")
                continue
            target = course / "feedback" / sub.student / f"{sub.chapter}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(use_local_mathjax(page.read_text(encoding="utf-8"), "../_mathjax"), encoding="utf-8")
            add_late_note(target, sub, due.get(sub.chapter), db_url)
            done += 1
        shutil.rmtree(course / ".work", ignore_errors=True)
        scores = gradebook_scores(db_url, [s for s in subs if s.chapter in chapter_ids()])
        write_reports(course, subs, scores, due)
        write_exports(course, subs, scores, canvas_columns(course))
        write_class_report(course)
    log(f"rewrote {done} feedback pages, {course / 'grades.csv'} and {course / 'cells.csv'} from the gradebook")
    return subs


# --------------------------------------------------------------------------- the command


def grade(submissions: Path, course: Path = Path("course"), jobs: int | None = None, db_url: str | None = None,
          force: bool = False, timeout: int = 600, cell_timeout: int = 120, memory_mb: int = 4096,
          max_file_mb: int = 256, progress: bool = True, roster: Path | None = None, chapter: str | None = None,
          scheduler: str | None = None, log=print) -> list[Submission]:
    """Grade every submission under ``submissions``; see the module docstring.

    ``roster``: a CSV that maps LMS users to student ids (``lms.read_roster``); ``chapter``: the
    chapter of every file whose name does not tell (a one-assignment LMS download);
    ``scheduler``: the address of a Dask scheduler whose workers grade (``cluster``), instead
    of ``jobs`` workers on this machine. Returns this batch's submissions.
    """
    import warnings

    from sqlalchemy.exc import SAWarning
    from tqdm.auto import tqdm

    from .lms import RosterError, read_roster
    from .paths import resolve_chapters

    # nbgrader's own session handling triggers these; they are not about the submissions.
    warnings.filterwarnings("ignore", category=SAWarning)
    submissions, course = Path(submissions).resolve(), Path(course).resolve()
    if not submissions.exists():
        raise GradingError(f"{submissions}: no such file or folder")
    chapters = chapter_ids()
    try:
        roster_rows = read_roster(roster) if roster else None
        chapter = resolve_chapters([chapter], chapters)[0] if chapter else None
    except (RosterError, ValueError) as exc:
        raise GradingError(str(exc)) from None
    course.mkdir(parents=True, exist_ok=True)
    due = load_due(course)
    db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    jobs = jobs or os.cpu_count() or 1
    options = {"timeout": timeout, "cell_timeout": cell_timeout, "memory_mb": memory_mb,
               "max_file_mb": max_file_mb, "scheduler": scheduler}
    if scheduler:   # before anything is prepared: an unreachable cluster is bad input
        from .cluster import connect

        connect(scheduler).close()

    from .feedback import install_mathjax
    from .formgrader import write_nbgrader_config
    from .jail import kill_processes_in

    with course_lock(course), tempfile.TemporaryDirectory(prefix="bbh-grade-") as scratch:
        kill_processes_in(course / ".work")   # what a killed earlier run left running
        shutil.rmtree(course / ".work", ignore_errors=True)
        write_nbgrader_config(course, db_url)
        install_mathjax(course / "feedback")
        root = unpack_if_zip(submissions, Path(scratch))
        layout, subs, unmatched = discover(root, chapters, roster_rows, chapter)
        write_unmatched(course, unmatched)
        if not subs:
            detail = "".join(f"\n  {u.origin}: {u.reason}" for u in unmatched[:20])
            raise GradingError(f"{submissions}: no submissions found (expected <student>/<chapter>/<chapter>.ipynb, "
                               "<student>_<chapter>.ipynb, or a Canvas or Moodle download)" + detail)
        log(f"found {len(subs)} submissions from {len({s.student for s in subs})} students ({layout})"
            + (f"; {len(unmatched)} files not matched (unmatched.csv)" if unmatched else ""))
        for sub in subs:
            check_readable(sub)

        needed = sorted({s.chapter for s in subs})
        shas = prepare_course(course, needed, db_url, log)
        manifest_path, failures_path = course / MANIFEST, course / FAILURES
        manifest, failures = read_json(manifest_path), read_json(failures_path)

        todo, fresh, unchanged = [], [], []
        for sub in subs:
            previous = manifest.get(sub.key)
            fingerprint = {"sha": sub.sha, "source": shas.get(sub.chapter, ""), "problem": sub.problem}
            if (previous and not force and sub.key not in failures
                    and all(previous.get(k) == v for k, v in fingerprint.items())):
                sub.result = previous["result"]
                manifest[sub.key] = remembered_entry(sub, shas.get(sub.chapter, ""))   # who, when: the latest
                unchanged.append(sub)
            elif sub.problem:
                sub.result = {"ok": False, "reason": sub.problem}
                fresh.append(sub)
            else:
                todo.append(sub)
        if unchanged:
            write_json_atomic(manifest_path, manifest)

        def record(sub: Submission) -> None:
            """Merge one result into the gradebook and remember it (serial: one writer).

            A grading failure is neither merged (the gradebook keeps what it had) nor put in
            the manifest, but in failures.json, so the reports keep it and the next run grades
            it again. The manifest is written after the merge: a run killed in between grades
            that submission again and merges it anew."""
            work = sub.result.pop("work", None)
            if sub.grading_failure:
                failures[sub.key] = remembered_entry(sub, "")
                write_json_atomic(failures_path, failures)
            else:
                before = manifest.get(sub.key, {})
                merge(sub, course, db_url, same_file_as_before=bool(sub.sha) and before.get("sha") == sub.sha,
                      due=due.get(sub.chapter))
                sub.result = {k: v for k, v in sub.result.items() if k not in ("autograded", "feedback")}
                manifest[sub.key] = remembered_entry(sub, shas.get(sub.chapter, ""))
                write_json_atomic(manifest_path, manifest)
                if failures.pop(sub.key, None) is not None:
                    write_json_atomic(failures_path, failures)
            if work:
                shutil.rmtree(work, ignore_errors=True)

        for sub in sorted(fresh, key=lambda s: (s.student, s.chapter)):
            record(sub)
        if todo:
            others = [f"{len(unchanged)} unchanged"] * bool(unchanged) + [f"{len(fresh)} not gradable"] * bool(fresh)
            log(f"grading {len(todo)} submissions "
                + (f"on the Dask cluster at {scheduler}" if scheduler else f"with {jobs} parallel workers")
                + (f" ({', '.join(others)})" if others else ""))
            template_db = make_template_db(course, db_url, needed)
            with tqdm(total=len(todo), desc="grading", unit="notebook", disable=not progress) as bar:
                def done(sub: Submission) -> None:
                    record(sub)
                    bar.update(0 if sub.grading_failure else 1)

                run_batch(todo, course, template_db, options, jobs, done)
                again = [sub for sub in todo if sub.grading_failure]
                if again:   # lost for a reason of the machine: once more, in fresh workers
                    log(f"\ngrading {len(again)} submissions again after a grading failure "
                        f"({again[0].key}: {again[0].result['reason']})")
                    for sub in again:
                        sub.retried = True
                    run_batch(again, course, template_db, options, jobs, done)
                    bar.update(sum(sub.grading_failure for sub in again))
        else:
            log("nothing new to grade" + (f" ({len(fresh)} not gradable)" if fresh else ""))
        shutil.rmtree(course / ".work", ignore_errors=True)

        if roster_rows is not None:
            keep_roster(course, Path(roster))
        everyone = course_subs(subs_from_manifest(manifest, failures), subs, course_roster(course))
        scores = gradebook_scores(db_url, [s for s in everyone if s.chapter in chapters])
        write_reports(course, everyone, scores, due)
        write_exports(course, everyone, scores, canvas_columns(course))
        write_class_report(course)
    log(summary(everyone, scores, batch=subs, unmatched=unmatched))
    log(f"\nwrote {course / 'grades.csv'} (every student and chapter graded so far), {course / 'cells.csv'}, "
        f"grades-canvas.csv and grades-moodle.csv (for the LMS), class-report.html (what the class "
        f"got wrong) and {course / 'feedback'}/")
    return subs
