"""``autograder grade SUBMISSIONS``: grade a whole class with nbgrader, in parallel.

1. find the submissions (nbgrader's ``<student>/<chapter>/<chapter>.ipynb`` layout, a
   flat folder of ``<student>_<chapter>.ipynb`` files, or a zip of either) and check
   that each is a readable notebook;
2. put the instructor notebooks into the course workspace and register every chapter
   in nbgrader's gradebook (``generate_assignment``);
3. grade each new or changed submission in its own worker process and scratch course
   (``--jobs`` at a time; each with a wall-clock timeout and a memory limit);
4. merge the results into the one gradebook, one submission at a time, and write
   ``grades.csv``, ``cells.csv`` and ``feedback/<student>/<chapter>.html``.

A submission that cannot be graded gets zero and a reason in the report; every other
submission is still graded. Grading an unchanged folder again changes nothing.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .paths import CHAPTER_ID, REPO, chapter_ids, ensure_venv_bin_on_path

MANIFEST = "manifest.json"


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

    @property
    def grading_failure(self) -> bool:
        """Not graded because of the grading machine: to regrade, never a zero."""
        return bool(self.result.get("grading_failure"))

    @property
    def key(self) -> str:
        return f"{self.student}/{self.chapter}"


# --------------------------------------------------------------------------- discovery

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


def unpack_if_zip(path: Path, scratch: Path) -> Path:
    """The folder to search: ``path`` itself, or where its zip was extracted."""
    if path.is_file() and zipfile.is_zipfile(path):
        target = scratch / "unzipped"
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                name = Path(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise GradingError(f"{path}: the zip holds an unsafe path {member.filename!r}")
            archive.extractall(target)
        # An LMS export often wraps everything in one top-level folder: look inside it.
        entries = [p for p in target.iterdir() if not p.name.startswith(("__MACOSX", "."))]
        if len(entries) == 1 and entries[0].is_dir() and not is_student_dir(entries[0]):
            return entries[0]
        return target
    if not path.is_dir():
        raise GradingError(f"{path}: not a folder or a zip file of submissions")
    return path


def is_student_dir(folder: Path) -> bool:
    """A ``<student>/`` folder holds ``<chapter>/`` folders."""
    return any(p.is_dir() and CHAPTER_ID.match(p.name) for p in folder.iterdir())


def discover(root: Path, chapters: list[str]) -> tuple[str, list[Submission]]:
    """All submissions under ``root`` and the layout they were found in."""
    flat = sorted(p for p in root.iterdir() if p.is_file() and p.suffix == ".ipynb")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    found: list[Submission] = []
    if flat and not folders:
        layout = "flat folder of <student>_<chapter>.ipynb files"
        pattern = re.compile(r"^(?P<student>.+?)_(?P<chapter>\d\d_[a-z0-9_]+)\.ipynb$")
        for path in flat:
            match = pattern.match(path.name)
            if not match:
                found.append(Submission(path.stem, "?", path, f"file name {path.name!r} is not "
                                        "<student>_<chapter>.ipynb"))
                continue
            found.append(Submission(match["student"], match["chapter"], path))
    else:
        layout = "nbgrader layout <student>/<chapter>/<chapter>.ipynb"
        for student_dir in folders:
            for chapter_dir in sorted(p for p in student_dir.iterdir() if not p.name.startswith(".")):
                chapter = chapter_dir.name
                if not chapter_dir.is_dir():
                    found.append(Submission(student_dir.name, "?", chapter_dir,
                                            f"{chapter_dir.name} is not inside a chapter folder"))
                    continue
                expected = chapter_dir / f"{chapter}.ipynb"
                if expected.is_file():
                    found.append(Submission(student_dir.name, chapter, expected))
                else:
                    others = sorted(p.name for p in chapter_dir.glob("*.ipynb"))
                    problem = (f"expected {chapter}/{chapter}.ipynb, found {', '.join(others)} (file under the wrong name)"
                               if others else f"no notebook in {student_dir.name}/{chapter}/")
                    found.append(Submission(student_dir.name, chapter, None, problem))
        for path in flat:
            found.append(Submission(path.stem, "?", path, "notebook outside a <student>/<chapter>/ folder"))
    for sub in found:
        if not sub.problem and sub.chapter not in chapters:
            sub.problem = f"unknown chapter {sub.chapter!r} (known: {', '.join(chapters)})"
        if not sub.problem and not STUDENT_ID.match(sub.student):
            sub.problem = f"student id {sub.student!r} has characters that are not allowed"
    return layout, found


def add_missing(found: list[Submission], chapters: list[str]) -> list[Submission]:
    """A row for every student × chapter that someone in the batch submitted."""
    submitted = {c for s in found for c in [s.chapter] if c in chapters}
    have = {(s.student, s.chapter) for s in found}
    students = sorted({s.student for s in found})
    missing = [Submission(st, ch, None, "not submitted") for st in students for ch in sorted(submitted)
               if (st, ch) not in have]
    return found + missing


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


def grade_one(sub: Submission, course: Path, template_db: Path, options: dict) -> dict:
    """Run a worker on one submission; return its result (``ok``, ``cells`` or ``reason``)."""
    # A folder of its own for every attempt: whatever a killed attempt left running cannot
    # write into the next one's.
    work = Path(tempfile.mkdtemp(prefix=f"{sub.chapter}-", dir=ensure_dir(course / ".work" / sub.student)))
    submitted = work / "submitted" / sub.student / sub.chapter
    submitted.mkdir(parents=True)
    shutil.copy2(sub.path, submitted / f"{sub.chapter}.ipynb")
    shutil.copytree(course / "source" / sub.chapter, work / "source" / sub.chapter)
    shutil.copy2(template_db, work / "gradebook.db")
    shutil.copy2(course / "release" / sub.chapter / f"{sub.chapter}.ipynb", work / "release.ipynb")
    task = {"course": str(work), "student": sub.student, "chapter": sub.chapter,
            "release": str(work / "release.ipynb"), "timeout": options["timeout"],
            "cell_timeout": options["cell_timeout"], "memory_mb": options["memory_mb"],
            "max_file_mb": options["max_file_mb"]}
    (work / "task.json").write_text(json.dumps(task))
    with open(work / "worker.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "autograder.worker", str(work / "task.json")],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=str(work))
        try:
            proc.wait(timeout=options["timeout"])
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            return with_early_flags({"ok": False, "work": str(work),
                                     "reason": f"grading took longer than {options['timeout']} s and was stopped"},
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
    """Grade ``subs`` with ``jobs`` workers at a time; fill each ``sub.result`` and call ``done(sub)``
    in this thread as each one finishes."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, sub, course, template_db, options): sub for sub in subs}
        for future in as_completed(futures):
            sub = futures[future]
            try:
                sub.result = future.result()
            except Exception as exc:  # a bug of the grader in one task must not stop the others
                sub.result = {"ok": False, "grading_failure": True,
                              "reason": f"grader error: {type(exc).__name__}: {exc}"}
            done(sub)


# --------------------------------------------------------------------------- merging into the gradebook


def merge(sub: Submission, course: Path, db_url: str, same_file_as_before: bool = False) -> None:
    """Record one graded (or failed) submission in the gradebook and the course folders.

    The submission itself goes to ``submitted/`` (formgrader lists what is there). Manual
    grades stay: nbgrader flags a cell with a manual score for review again when it saves new
    automatic scores, which is right for a changed file; for the same file (``--force``) the
    flag is cleared again, so nothing graded by hand needs grading twice.
    """
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.preprocessors import SaveAutoGrades

    result = sub.result
    with Gradebook(db_url) as gb:
        gb.update_or_create_student(sub.student)
        gb.update_or_create_submission(sub.chapter, sub.student)
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


def write_failure_feedback(path: Path, sub: Submission) -> None:
    import html

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(sub.chapter)}"
                    f"</title></head><body><h1>{html.escape(sub.chapter)}: not graded</h1>"
                    f"<p>Your submission could not be graded: {html.escape(sub.result.get('reason', sub.problem))}</p>"
                    "<p>Every exercise scores 0. Fix the problem and submit again.</p></body></html>",
                    encoding="utf-8")


# --------------------------------------------------------------------------- reports


def gradebook_scores(db_url: str, subs: list[Submission]) -> dict:
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(db_url) as gb:
        for sub in subs:
            try:
                assignment = gb.find_assignment(sub.chapter)
            except MissingEntry:
                continue
            cells = {g.name: g for nb in assignment.notebooks for g in nb.grade_cells}
            manual = sorted(name for name, g in cells.items() if g.cell_type == "markdown")
            try:
                notebook = gb.find_submission_notebook(sub.chapter, sub.chapter, sub.student)
            except MissingEntry:
                scores[sub.key] = {"score": 0.0, "max_score": assignment.max_score, "manual": manual,
                                   "cells": {name: (0.0, g.max_score) for name, g in cells.items()}}
                continue
            scores[sub.key] = {"score": notebook.score, "max_score": notebook.max_score, "manual": manual,
                               "cells": {g.name: (g.score, g.max_score) for g in notebook.grades},
                               "by_hand": {g.name: hand_note(gb, g, sub) for g in notebook.grades
                                           if g.name in manual}}
    return scores


def hand_note(gb, grade, sub: Submission) -> str:
    """What ``cells.csv`` says of a written answer: awaiting grading, or graded, with the comment."""
    from nbgrader.api import MissingEntry

    if grade.manual_score is None:
        return f"awaiting manual grading ({grade.max_score:g} points)"
    try:
        comment = gb.find_comment(grade.name, sub.chapter, sub.chapter, sub.student).manual_comment
    except MissingEntry:
        comment = None
    return "graded by hand" + (f": {comment.strip()[:MAX_COMMENT]}" if comment and comment.strip() else "")


MAX_COMMENT = 300


def write_reports(course: Path, subs: list[Submission], scores: dict) -> None:
    rows, cell_rows, regrade = [], [], []
    for sub in sorted(subs, key=lambda s: (s.student, s.chapter)):
        if sub.chapter == "?":
            rows.append([sub.student, sub.chapter, 0, 0, status(sub)])
            continue
        entry = scores.get(sub.key, {"score": 0.0, "max_score": 0.0, "cells": {}})
        if sub.grading_failure:   # no score at all: a zero would look like the student's
            rows.append([sub.student, sub.chapter, "", fmt(entry["max_score"]), status(sub)])
            regrade.append([sub.student, sub.chapter, sub.result.get("reason", "")])
            continue
        rows.append([sub.student, sub.chapter, fmt(entry["score"]), fmt(entry["max_score"]), status(sub)])
        messages = {c["grade_id"]: c["message"] for c in sub.result.get("cells", [])}
        messages.update(entry.get("by_hand", {}))
        reason = "" if sub.result.get("ok") else sub.result.get("reason") or sub.problem
        for grade_id, (score, max_score) in entry["cells"].items():
            kind = "written" if grade_id in entry.get("manual", ()) else "autograded"
            cell_rows.append([sub.student, sub.chapter, grade_id, kind, fmt(score), fmt(max_score),
                              reason or messages.get(grade_id, "")])
    flagged = [[sub.student, sub.chapter, what] for sub in subs for what in sub.result.get("suspicious", [])]
    write_csv(course / "suspicious.csv", ["student", "chapter", "what"], flagged)
    write_csv(course / "grades.csv", ["student", "chapter", "score", "max_score", "status"], rows)
    write_csv(course / "regrade.csv", ["student", "chapter", "reason"], regrade)
    write_csv(course / "cells.csv", ["student", "chapter", "grade_id", "kind", "score", "max_score", "message"],
              cell_rows)


def status(sub: Submission) -> str:
    """One word and a reason: ``graded``, ``not graded: …`` (a zero the submission caused),
    ``grading failure: …`` (the machine's: regrade) or ``not submitted``."""
    if sub.grading_failure:
        return f"grading failure, regrade: {sub.result.get('reason', '')}"
    if sub.result.get("ok"):
        return "graded"
    reason = sub.result.get("reason") or sub.problem
    return "not submitted" if reason == "not submitted" else f"not graded: {reason}"


def write_json_atomic(path: Path, data) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


def fmt(x) -> str:
    return f"{float(x or 0):g}"


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """Write atomically: a crash mid-write never leaves a half-written report."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(sorted(rows, key=lambda r: [str(v) for v in r[:3]]))
    os.replace(tmp, path)


def summary(subs: list[Submission], scores: dict) -> str:
    lines = []
    by_chapter: dict[str, list[Submission]] = {}
    for sub in subs:
        if sub.chapter != "?":
            by_chapter.setdefault(sub.chapter, []).append(sub)
    header = (f"{'chapter':<28}{'graded':>7}{'mean':>8}{'median':>8}{'max':>6}{'full':>6}"
              "  most-failed exercise")
    lines += [header, "-" * len(header)]
    for chapter, group in sorted(by_chapter.items()):
        entries = [scores[s.key] for s in group if s.key in scores and not s.grading_failure]
        if not entries:
            continue
        totals = [e["score"] for e in entries]
        max_score = entries[0]["max_score"]
        full, misses = 0, {}
        for e in entries:
            missed = [gid for gid, (score, cell_max) in e["cells"].items()
                      if gid not in e["manual"] and (score or 0) < cell_max]
            full += not missed
            for gid in missed:
                misses[gid] = misses.get(gid, 0) + 1
        worst = max(misses.items(), key=lambda kv: (kv[1], kv[0]))[0] if misses else "-"
        graded = sum(bool(s.result.get("ok")) for s in group)
        lines.append(f"{chapter:<28}{graded:>7}{statistics.mean(totals):>8.1f}"
                     f"{statistics.median(totals):>8.1f}{max_score:>6g}{full:>6}  {worst}"
                     + (f" ({misses[worst]} of {len(entries)})" if misses else ""))
    lost = sorted((s for s in subs if s.grading_failure), key=lambda s: (s.student, s.chapter))
    if lost:
        lines += ["", f"GRADING FAILURES ({len(lost)}): not scored, because of a problem of the grading machine, "
                  "not of the submissions; run the same command again to grade them (listed in regrade.csv):"]
        lines += [f"  {s.student}/{s.chapter}: {s.result.get('reason', '')}" for s in lost]
    failed = [s for s in subs if not s.result.get("ok") and not s.grading_failure]
    if failed:
        lines += ["", f"Not graded ({len(failed)}; each scores 0):"]
        lines += [f"  {s.student}/{s.chapter}: {s.result.get('reason') or s.problem}"
                  for s in sorted(failed, key=lambda s: (s.student, s.chapter))]
    flagged = sorted((s for s in subs if s.result.get("suspicious")), key=lambda s: (s.student, s.chapter))
    if flagged:
        lines += ["", f"Suspicious ({len(flagged)}; graded as usual, worth a look; all in suspicious.csv):"]
        lines += [f"  {s.student}/{s.chapter}: {'; '.join(s.result['suspicious'][:3])}"
                  + (f" (+{len(s.result['suspicious']) - 3} more)" if len(s.result["suspicious"]) > 3 else "")
                  for s in flagged]
    weak = sorted({s.result.get("isolation") for s in subs} - {None, "bwrap"})
    if weak:
        lines += ["", "Warning: student code ran without the bwrap sandbox (run as root with bubblewrap "
                  "installed for full isolation); see the instructor guide in README.md."]
    lines += ["", "'full' counts full marks on the autograded exercises; written answers count once they "
              "are graded by hand (`autograder formgrader`, then `autograder feedback`)."]
    return "\n".join(lines)


# --------------------------------------------------------------------------- feedback from the gradebook


def subs_from_manifest(manifest: dict) -> list[Submission]:
    """Every submission graded so far, as the manifest remembers it."""
    subs = []
    for key, entry in sorted(manifest.items()):
        student, _, chapter = key.partition("/")
        subs.append(Submission(student, chapter, None, entry.get("problem", ""), entry.get("sha", ""),
                               entry.get("result", {})))
    return subs


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
        subs = subs_from_manifest(json.loads(manifest_path.read_text()))
        build = course / ".work" / "feedback"
        config = nbgrader_config(course, db_url)
        config.CourseDirectory.feedback_directory = str(build.relative_to(course))
        config.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        install_mathjax(course / "feedback")
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
            done += 1
        shutil.rmtree(course / ".work", ignore_errors=True)
        scores = gradebook_scores(db_url, [s for s in subs if s.chapter in chapter_ids()])
        write_reports(course, subs, scores)
    log(f"rewrote {done} feedback pages, {course / 'grades.csv'} and {course / 'cells.csv'} from the gradebook")
    return subs


# --------------------------------------------------------------------------- the command


def grade(submissions: Path, course: Path = Path("course"), jobs: int | None = None, db_url: str | None = None,
          force: bool = False, timeout: int = 600, cell_timeout: int = 120, memory_mb: int = 4096,
          max_file_mb: int = 256, progress: bool = True, log=print) -> list[Submission]:
    """Grade every submission under ``submissions``; see the module docstring."""
    import warnings

    from sqlalchemy.exc import SAWarning
    from tqdm.auto import tqdm

    # nbgrader's own session handling triggers these; they are not about the submissions.
    warnings.filterwarnings("ignore", category=SAWarning)
    submissions, course = Path(submissions).resolve(), Path(course).resolve()
    if not submissions.exists():
        raise GradingError(f"{submissions}: no such file or folder")
    course.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    chapters = chapter_ids()
    jobs = jobs or os.cpu_count() or 1
    options = {"timeout": timeout, "cell_timeout": cell_timeout, "memory_mb": memory_mb,
               "max_file_mb": max_file_mb}

    from .feedback import install_mathjax
    from .formgrader import write_nbgrader_config
    from .jail import kill_processes_in

    with course_lock(course), tempfile.TemporaryDirectory(prefix="bbh-grade-") as scratch:
        kill_processes_in(course / ".work")   # what a killed earlier run left running
        shutil.rmtree(course / ".work", ignore_errors=True)
        write_nbgrader_config(course, db_url)
        install_mathjax(course / "feedback")
        root = unpack_if_zip(submissions, Path(scratch))
        layout, subs = discover(root, chapters)
        if not subs:
            raise GradingError(f"{submissions}: no submissions found (expected <student>/<chapter>/<chapter>.ipynb "
                               "or <student>_<chapter>.ipynb)")
        log(f"found {len(subs)} submissions from {len({s.student for s in subs})} students ({layout})")
        subs = add_missing(subs, chapters)
        for sub in subs:
            check_readable(sub)

        needed = sorted({s.chapter for s in subs if s.chapter in chapters})
        shas = prepare_course(course, needed, db_url, log)
        manifest_path = course / MANIFEST
        manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}

        todo, fresh = [], []
        for sub in subs:
            previous = manifest.get(sub.key)
            fingerprint = {"sha": sub.sha, "source": shas.get(sub.chapter, ""), "problem": sub.problem}
            if previous and not force and all(previous.get(k) == v for k, v in fingerprint.items()):
                sub.result = previous["result"]
            elif sub.problem:
                sub.result = {"ok": False, "reason": sub.problem}
                fresh.append(sub)
            else:
                todo.append(sub)

        def record(sub: Submission) -> None:
            """Merge one result into the gradebook and remember it (serial: one writer).

            A grading failure is neither merged (the gradebook keeps what it had) nor
            remembered, so the next run grades it again. The manifest is written after the
            merge: a run killed in between grades that submission again and merges it anew."""
            work = sub.result.pop("work", None)
            if sub.chapter in chapters and not sub.grading_failure:
                before = manifest.get(sub.key, {})
                merge(sub, course, db_url, same_file_as_before=bool(sub.sha) and before.get("sha") == sub.sha)
                sub.result = {k: v for k, v in sub.result.items() if k not in ("autograded", "feedback")}
                manifest[sub.key] = {"sha": sub.sha, "source": shas.get(sub.chapter, ""),
                                     "problem": sub.problem, "result": sub.result}
                write_json_atomic(manifest_path, manifest)
            if work:
                shutil.rmtree(work, ignore_errors=True)

        for sub in sorted(fresh, key=lambda s: (s.student, s.chapter)):
            record(sub)
        if todo:
            log(f"grading {len(todo)} submissions with {jobs} parallel workers"
                + (f" ({len(subs) - len(todo)} others unchanged or not gradable)" if len(subs) > len(todo) else ""))
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
            log("nothing new to grade")
        shutil.rmtree(course / ".work", ignore_errors=True)

    scores = gradebook_scores(db_url, [s for s in subs if s.chapter in chapters])
    write_reports(course, subs, scores)
    log(summary(subs, scores))
    log(f"\nwrote {course / 'grades.csv'}, {course / 'cells.csv'} and {course / 'feedback'}/")
    return subs
