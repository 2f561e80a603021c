"""What learning-management systems hand out and take back.

In: the file names of Canvas's and Moodle's "download all submissions", a roster CSV that
maps LMS users to course student ids, and the reasons a file matches no student or chapter.
Out: gradebook import files for Canvas and Moodle.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROSTER_COLUMNS = ("lms_id", "lms_name", "student_id", "display_name", "email")

# <name>_[LATE_]<userid>_<submissionid>_<original file name>; the name is Canvas's lower-case
# run of the student's names (it may hold letters of any script).
CANVAS = re.compile(r"^(?P<name>[^_]+)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<orig>.+)$")
# <Full Name>_<participant id>_assignsubmission_file_[<original file name>]
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<uid>\d+)_assignsubmission_(?:file|onlinetext)_(?P<orig>.*)$")
FLAT = re.compile(r"^(?P<student>.+?)_(?P<chapter>\d\d_[a-z0-9_]+)\.ipynb$")
RESUBMISSION = re.compile(r"^(?P<stem>.*?)(?:-(?P<n>\d+)| \((?P<copy>\d+)\))$")


class RosterError(ValueError):
    """The roster file cannot be used (missing, unreadable, wrong columns, clashing rows)."""


@dataclass
class Found:
    """One notebook file of the submissions, before it is matched to a student and chapter."""
    path: Path
    origin: str                       # its path inside the submissions, for the reports
    lms: str                          # canvas, moodle, flat or nbgrader
    lms_id: str = ""                  # Canvas user id, Moodle participant id
    lms_name: str = ""                # the name the LMS or the folder gave
    chapter: str = ""
    attempt: int = 0                  # Canvas resubmission number (-N), 0 for the first
    late: bool = False                # the LMS said so (Canvas LATE_)
    problem: str = ""                 # why it matches nothing (empty: it matches)
    student: str = ""
    display_name: str = ""
    email: str = ""
    matched: bool = True              # False: not graded as anyone's, listed in unmatched.csv

    def reject(self, reason: str) -> None:
        self.problem, self.matched = reason, False


@dataclass
class Unmatched:
    origin: str
    reason: str


# --------------------------------------------------------------------------- file names


def chapter_of(filename: str, chapters: list[str]) -> tuple[str, int, str]:
    """``(chapter, resubmission number, problem)`` for a notebook file name as a student saved it.

    ``02_gradient_checking-1.ipynb`` is chapter 2, attempt 1; the chapter id may be anywhere in
    the name (``Copy of 02_gradient_checking.ipynb``), or a unique chapter number may start it.
    """
    stem = filename[:-len(".ipynb")] if filename.lower().endswith(".ipynb") else filename
    attempt = 0
    match = RESUBMISSION.match(stem)
    if match:
        stem, attempt = match["stem"], int(match["n"] or match["copy"])
    norm = re.sub(r"[\s\-]+", "_", stem.strip().lower())
    if norm in chapters:
        return norm, attempt, ""
    inside = [c for c in chapters if c in norm]
    if len(inside) == 1:
        return inside[0], attempt, ""
    number = re.match(r"^(?:ch(?:apter)?_?)?(\d\d?)(?:_|$)", norm)
    if not inside and number:
        by_number = [c for c in chapters if int(c[:2]) == int(number[1])]
        if len(by_number) == 1:
            return by_number[0], attempt, ""
    if inside:
        return "", attempt, f"the file name {filename!r} names several chapters ({', '.join(inside)})"
    return "", attempt, f"no chapter in the file name {filename!r} (use --chapter for a one-chapter download)"


def student_slug(name: str) -> str:
    """A student id from an LMS name: letters of any script kept, blanks made ``_``.

    ``Zhang Wei`` -> ``Zhang_Wei``, ``张伟`` -> ``张伟``; the LMS name itself is kept next to it
    in the reports.
    """
    text = unicodedata.normalize("NFC", name).strip()
    text = re.sub(r"\s+", "_", text)
    text = re.sub(r"[^\w.@-]", "-", text)
    return text.strip("._-")


STUDENT_ID = re.compile(r"^[^\W_][\w.@-]*$")


def student_id_problem(student: str) -> str:
    """Why ``student`` cannot be a course student id (it names folders), or ``""``."""
    if not student:
        return "the student id is empty"
    if not STUDENT_ID.match(student) or len(student) > 100:
        return (f"student id {student!r} is not usable as a folder name (letters, digits and . _ @ - only; "
                "map it with --roster)")
    return ""


def scan(root: Path, chapters: list[str], chapter: str | None = None) -> tuple[str, list[Found], list[Unmatched]]:
    """Every notebook under ``root``, with the layout it was found in (not yet matched to students)."""
    entries = [p for p in sorted(root.iterdir()) if not p.name.startswith((".", "__MACOSX"))]
    files = [p for p in entries if p.is_file()]
    folders = [p for p in entries if p.is_dir()]
    found: list[Found] = []
    unmatched: list[Unmatched] = []
    moodle_dirs = [p for p in folders if MOODLE.match(p.name)]
    layouts = set()
    for path in files:
        if path.suffix.lower() != ".ipynb":
            unmatched.append(Unmatched(path.name, "not a notebook (.ipynb)"))
            continue
        canvas, moodle, flat = CANVAS.match(path.name), MOODLE.match(path.name), FLAT.match(path.name)
        if moodle:
            layouts.add("Moodle files")
            found.append(from_name(path, path.name, "moodle", moodle, chapters, chapter))
        elif canvas:
            layouts.add("Canvas download")
            found.append(from_name(path, path.name, "canvas", canvas, chapters, chapter))
        elif flat and flat["chapter"] in chapters:
            layouts.add("flat folder of <student>_<chapter>.ipynb files")
            found.append(Found(path, path.name, "flat", lms_name=flat["student"], chapter=flat["chapter"]))
        elif folders and not moodle_dirs:
            unmatched.append(Unmatched(path.name, "notebook outside a <student>/<chapter>/ folder"))
        elif flat:
            unmatched.append(Unmatched(path.name, f"unknown chapter {flat['chapter']!r} "
                                                  f"(known: {', '.join(chapters)})"))
        else:
            unmatched.append(Unmatched(path.name, "file name is not <student>_<chapter>.ipynb, nor a Canvas "
                                                  "or Moodle download name"))
    for folder in folders:
        moodle = MOODLE.match(folder.name)
        if moodle:
            layouts.add("Moodle folders")
            notebooks = sorted(p for p in folder.rglob("*.ipynb")
                               if ".ipynb_checkpoints" not in p.parts and not p.name.startswith("."))
            if not notebooks:
                unmatched.append(Unmatched(folder.name + "/", "no notebook in this Moodle submission folder"))
            for nb in notebooks:
                found.append(from_name(nb, f"{folder.name}/{nb.relative_to(folder)}", "moodle", moodle,
                                       chapters, chapter, filename=nb.name))
            continue
        layouts.add("nbgrader layout <student>/<chapter>/<chapter>.ipynb")
        found += scan_student_dir(folder, chapters, unmatched)
    return ", ".join(sorted(layouts)) or "nothing recognisable", found, unmatched


def from_name(path: Path, origin: str, lms: str, match, chapters: list[str], chapter: str | None,
              filename: str | None = None) -> Found:
    """A Canvas or Moodle file: who from the LMS part of the name, the chapter from the rest."""
    original = filename if filename is not None else match["orig"]
    ch, attempt, problem = chapter_of(original, chapters)
    if chapter and not ch:   # the file name does not tell; the instructor said which assignment this is
        ch, problem = chapter, ""
    return Found(path, origin, lms, lms_id=match["uid"], lms_name=match["name"], chapter=ch, attempt=attempt,
                 late=bool(match.groupdict().get("late")), problem=problem, matched=not problem)


def scan_student_dir(student_dir: Path, chapters: list[str], unmatched: list[Unmatched]) -> list[Found]:
    """nbgrader's ``<student>/<chapter>/<chapter>.ipynb``."""
    out = []
    for chapter_dir in sorted(p for p in student_dir.iterdir() if not p.name.startswith(".")):
        where = f"{student_dir.name}/{chapter_dir.name}"
        if not chapter_dir.is_dir():
            unmatched.append(Unmatched(where, "not inside a chapter folder (expected "
                                              f"{student_dir.name}/<chapter>/<chapter>.ipynb)"))
        elif chapter_dir.name not in chapters:
            unmatched.append(Unmatched(where + "/", f"unknown chapter {chapter_dir.name!r} "
                                                    f"(known: {', '.join(chapters)})"))
        else:
            expected = chapter_dir / f"{chapter_dir.name}.ipynb"
            others = sorted(p.name for p in chapter_dir.glob("*.ipynb"))
            problem = "" if expected.is_file() else (
                f"expected {chapter_dir.name}/{chapter_dir.name}.ipynb, found {', '.join(others)} "
                "(file under the wrong name)" if others else f"no notebook in {where}/")
            out.append(Found(expected if expected.is_file() else chapter_dir,
                             where + "/" + (expected.name if expected.is_file() else ""),
                             "nbgrader", lms_name=student_dir.name, chapter=chapter_dir.name, problem=problem))
    return out


# --------------------------------------------------------------------------- roster and matching


def read_roster(path: Path) -> list[dict]:
    """The rows of a roster CSV; ``student_id`` is required and one of ``lms_id``/``lms_name``."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            rows = [{h: (v or "").strip() for h, v in zip(header, row.values())} for row in reader]
    except OSError as exc:
        raise RosterError(f"roster {path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise RosterError(f"roster {path}: not UTF-8 text (save it as CSV UTF-8)") from None
    if "student_id" not in header or not {"lms_id", "lms_name"} & set(header):
        raise RosterError(f"roster {path}: needs a student_id column and an lms_id or lms_name column "
                          f"(columns: {', '.join(ROSTER_COLUMNS)}); it has {', '.join(header) or 'none'}")
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows, start=2):
        problem = student_id_problem(row["student_id"])
        if problem:
            raise RosterError(f"roster {path}, line {number}: {problem}")
        for key in ("lms_id", "lms_name"):
            value = fold(row.get(key, ""))
            if value and (key, value) in seen and rows[seen[key, value] - 2]["student_id"] != row["student_id"]:
                raise RosterError(f"roster {path}, line {number}: {key} {row[key]!r} is also on line "
                                  f"{seen[key, value]} for another student")
            seen.setdefault((key, value), number)
    return rows


def fold(name: str) -> str:
    """A name as compared with the roster: case, accents' forms and blanks do not matter."""
    return re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", name).casefold())


def match_students(found: list[Found], roster: list[dict] | None) -> list[Unmatched]:
    """Give every matchable ``Found`` its course student id; the rest come back with a reason.

    With a roster, a file is matched by LMS id, else by name (Canvas's ``zhangwei`` matches
    ``Zhang Wei``); without one, the LMS name becomes the id (``student_slug``).
    """
    by_id = {r["lms_id"]: r for r in roster or [] if r.get("lms_id")}
    by_name: dict[str, list[dict]] = {}
    for r in roster or []:
        for key in {fold(r.get("lms_name", "")), fold(r.get("display_name", "")), fold(r["student_id"])} - {""}:
            by_name.setdefault(key, []).append(r)
    for f in found:
        if not f.matched:
            continue
        row = by_id.get(f.lms_id) if f.lms_id else None
        if row is None and roster is not None:
            rows = {r["student_id"]: r for r in by_name.get(fold(f.lms_name), [])}
            if len(rows) > 1:
                f.reject(f"the name {f.lms_name!r} fits several students of the roster ({', '.join(rows)})")
            elif rows:
                row = next(iter(rows.values()))
            elif f.lms in ("canvas", "moodle"):
                f.reject(f"{f.lms} user {f.lms_name!r} (id {f.lms_id}) is not in the roster")
        if row is not None:
            f.student, f.display_name, f.email = row["student_id"], row.get("display_name", ""), row.get("email", "")
            f.lms_id = f.lms_id or row.get("lms_id", "")
        else:
            f.student, f.display_name = student_slug(f.lms_name), f.lms_name
        if f.matched and student_id_problem(f.student):
            f.reject(student_id_problem(f.student))
    # one LMS user is one student: two users that land on the same id are a clash, not one person
    users: dict[str, set] = {}
    for f in found:
        if f.matched and f.lms_id:
            users.setdefault(f.student, set()).add((f.lms, f.lms_id))
    for f in found:
        if f.matched and len(users.get(f.student, ())) > 1:
            f.reject(f"several LMS users are named {f.student!r} "
                     f"(ids {', '.join(sorted(i for _, i in users[f.student]))}); tell them apart with --roster")
    return [Unmatched(f.origin, f.problem) for f in found if not f.matched]


def latest(found: list[Found]) -> tuple[list[Found], list[Unmatched]]:
    """One file per student and chapter: the highest resubmission number, then the newest file."""
    groups: dict[tuple, list[Found]] = {}
    for f in found:
        if f.matched:
            groups.setdefault((f.student, f.chapter), []).append(f)
    kept, superseded = [], []
    for group in groups.values():
        group.sort(key=lambda f: (f.attempt, mtime(f.path), f.origin))
        best = group[-1]
        best.late = best.late or any(f.late for f in group if f.attempt == best.attempt)
        kept.append(best)
        superseded += [Unmatched(f.origin, f"superseded by the later submission {best.origin}") for f in group[:-1]]
    return kept, superseded


def mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# --------------------------------------------------------------------------- gradebook exports

CANVAS_HEAD = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEAD = ["Email address", "ID number", "Full name"]


def export_score(sub, entry: dict | None) -> str:
    """The number an LMS gets: the score after nbgrader's late penalty, ``0`` for a file that could
    not be graded, and nothing (no change in the LMS) for not submitted and grading failures."""
    if entry is None or sub.grading_failure or sub.problem == "not submitted":
        return ""
    if not sub.result.get("ok"):
        return "0"
    return f"{max(0.0, float(entry['score'] or 0) - float(entry.get('penalty') or 0)):g}"


def people(subs: list) -> dict[str, dict]:
    """``{student id: display_name, email, lms, lms_id}``, from the latest submission that says."""
    out: dict[str, dict] = {}
    for sub in sorted(subs, key=lambda s: s.submitted_at or 0):
        mine = out.setdefault(sub.student, {"display_name": "", "email": "", "lms": "", "lms_id": ""})
        for key in mine:
            if sub.who.get(key):
                mine[key] = sub.who[key]
    return out


def write_exports(course: Path, subs: list, scores: dict, canvas_columns: dict | None = None) -> None:
    """``grades-canvas.csv`` and ``grades-moodle.csv`` (UTF-8 with BOM), one row per student.

    ``canvas_columns`` (``[canvas]`` in course.toml) gives the header of an existing Canvas
    assignment, ``"Gradient checking (4567)"``; otherwise the chapter id is the header, and
    Canvas creates an assignment of that name on import.
    """
    from .reports import write_csv

    canvas_columns = canvas_columns or {}
    chapters = sorted({s.chapter for s in subs})
    who = people(subs)
    table: dict[str, dict[str, str]] = {}
    max_points: dict[str, str] = {}
    for sub in subs:
        entry = scores.get(sub.key)
        table.setdefault(sub.student, {})[sub.chapter] = export_score(sub, entry)
        if entry:
            max_points[sub.chapter] = f"{float(entry['max_score'] or 0):g}"
    canvas_rows, moodle_rows = [], []
    for student in sorted(table):
        person, marks = who.get(student, {}), [table[student].get(c, "") for c in chapters]
        canvas_id = person.get("lms_id", "") if person.get("lms") != "moodle" else ""
        canvas_rows.append([person.get("display_name") or student, canvas_id, student, "", "", *marks])
        moodle_rows.append([person.get("email", ""), student, person.get("display_name") or student, *marks])
    points = [["    Points Possible", "", "", "", "", *[max_points.get(c, "") for c in chapters]]]
    write_csv(course / "grades-canvas.csv", CANVAS_HEAD + [canvas_columns.get(c, c) for c in chapters],
              points + canvas_rows, keep_order=True)
    write_csv(course / "grades-moodle.csv", MOODLE_HEAD + chapters, moodle_rows)
