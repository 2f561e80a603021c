"""Course-wide reports of ``autograder grade`` and ``autograder feedback``.

Every run rewrites them from everything graded so far (the gradebook and the manifest), not
only from the batch just graded: ``grades.csv``, ``cells.csv``, ``suspicious.csv``,
``regrade.csv``, ``unmatched.csv``, and the terminal summary.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from pathlib import Path

from .paths import write_atomic

MAX_COMMENT = 300
GRADES_HEADER = ["student", "chapter", "score", "max_score", "status", "late", "submitted_at",
                 "display_name", "origin"]


# --------------------------------------------------------------------------- from the gradebook


def gradebook_scores(db_url: str, subs: list) -> dict:
    """``{student/chapter: score, max_score, cells, manual, by_hand}`` as the gradebook has them."""
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(db_url) as gb:
        assignments = {}
        for sub in subs:
            if sub.chapter not in assignments:
                try:
                    assignments[sub.chapter] = gb.find_assignment(sub.chapter)
                except MissingEntry:
                    assignments[sub.chapter] = None
            assignment = assignments[sub.chapter]
            if assignment is None:
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
                               "penalty": notebook.late_submission_penalty or 0.0,
                               "cells": {g.name: (g.score, g.max_score) for g in notebook.grades},
                               "by_hand": {g.name: hand_note(gb, g, sub) for g in notebook.grades
                                           if g.name in manual}}
    return scores


def hand_note(gb, grade, sub) -> str:
    """What ``cells.csv`` says of a written answer: awaiting grading, or graded, with the comment."""
    from nbgrader.api import MissingEntry

    if grade.manual_score is None:
        return f"awaiting manual grading ({grade.max_score:g} points)"
    try:
        comment = gb.find_comment(grade.name, sub.chapter, sub.chapter, sub.student).manual_comment
    except MissingEntry:
        comment = None
    return "graded by hand" + (f": {comment.strip()[:MAX_COMMENT]}" if comment and comment.strip() else "")


# --------------------------------------------------------------------------- the whole course


def course_subs(remembered: list, batch: list, roster: list[dict] | None = None) -> list:
    """Every submission of the course: what earlier runs remembered, replaced by this batch's,
    plus a ``not submitted`` row for each student (of the submissions, and of ``roster``, the
    rows of ``lms.read_roster``) and chapter someone else submitted."""
    from .grade import Submission

    by_key = {s.key: s for s in remembered}
    by_key.update({s.key: s for s in batch})
    subs = list(by_key.values())
    chapters = sorted({s.chapter for s in subs if s.problem != "not submitted"})
    who = {r["student_id"]: {k: r[k] for k in ("display_name", "email", "lms_id", "lms_name") if r.get(k)}
           for r in roster or []}
    students = sorted({s.student for s in subs} | set(who))
    known = {(s.student, s.chapter) for s in subs}
    subs += [Submission(st, ch, None, "not submitted", result={"ok": False, "reason": "not submitted"},
                        who=who.get(st, {}))
             for st in students for ch in chapters if (st, ch) not in known]
    return sorted(subs, key=lambda s: (s.student, s.chapter))


def late_by(sub, due: dict) -> float | None:
    """Seconds after the due date (``None``: not late, or nothing to tell)."""
    deadline = due.get(sub.chapter)
    if deadline is None or sub.submitted_at is None:
        return None
    late = sub.submitted_at - deadline.timestamp()
    return late if late > 0 else None


def late_text(sub, due: dict) -> str:
    """``2 d 3 h`` late, ``yes (marked by the LMS)``, or empty."""
    seconds = late_by(sub, due)
    if seconds is not None:
        return duration(seconds)
    if sub.late_flag and sub.chapter not in due:
        return f"yes (marked late by {sub.who.get('lms') or 'the LMS'})"
    return ""


def duration(seconds: float) -> str:
    minutes = int(seconds // 60) or 1
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes and not days)
    return " ".join(parts)


def status(sub, entry: dict | None = None, due: dict | None = None) -> str:
    """``graded``, ``awaiting manual grading``, ``not submitted``, ``not graded: <why>`` (a zero
    the submission caused) or ``grading failure, regrade: <why>``; then ``; late by …``."""
    if sub.grading_failure:
        return f"grading failure, regrade: {sub.result.get('reason', '')}"
    reason = sub.result.get("reason") or sub.problem
    if not sub.result.get("ok"):
        return "not submitted" if reason == "not submitted" else f"not graded: {reason}"
    waiting = [n for n in (entry or {}).get("by_hand", {}).values() if n.startswith("awaiting")]
    word = "awaiting manual grading" if waiting else "graded"
    late = late_text(sub, due or {})
    penalty = float((entry or {}).get("penalty") or 0)
    return (word + (f"; late by {late}" if late and late[0].isdigit() else "; late" if late else "")
            + (f" (late penalty {penalty:g} points)" if penalty else ""))


def iso(stamp: float | None) -> str:
    if stamp is None:
        return ""
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).isoformat(timespec="seconds")


def fmt(x) -> str:
    return f"{float(x or 0):g}"


def read_csv(path: Path) -> list[dict]:
    """The rows of a CSV this module wrote (or any UTF-8 CSV, with or without a byte-order mark)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, header: list[str], rows: list[list], keep_order: bool = False) -> None:
    """UTF-8 with a byte-order mark (Excel then reads 张伟 right), written atomically; rows
    sorted by their first three columns unless ``keep_order``."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows if keep_order else sorted(rows, key=lambda r: [str(v) for v in r[:3]]))
    write_atomic(path, out.getvalue(), encoding="utf-8-sig")


def write_reports(course: Path, subs: list, scores: dict, due: dict | None = None) -> None:
    """grades.csv, cells.csv, suspicious.csv and regrade.csv for ``subs`` (the whole course)."""
    due = due or {}
    rows, cell_rows, regrade = [], [], []
    for sub in subs:
        entry = scores.get(sub.key, {"score": 0.0, "max_score": 0.0, "cells": {}})
        extra = [late_text(sub, due), iso(sub.submitted_at), sub.who.get("display_name", ""), sub.origin]
        if sub.grading_failure:   # no score at all: a zero would look like the student's
            rows.append([sub.student, sub.chapter, "", fmt(entry["max_score"]), status(sub), *extra])
            regrade.append([sub.student, sub.chapter, sub.result.get("reason", "")])
            continue
        penalty = float(entry.get("penalty") or 0)
        rows.append([sub.student, sub.chapter, fmt(max(0.0, float(entry["score"] or 0) - penalty)),
                     fmt(entry["max_score"]), status(sub, entry, due), *extra])
        messages = {c["grade_id"]: c["message"] for c in sub.result.get("cells", [])}
        messages.update(entry.get("by_hand", {}))
        reason = "" if sub.result.get("ok") else sub.result.get("reason") or sub.problem
        for grade_id, (score, max_score) in entry["cells"].items():
            kind = "written" if grade_id in entry.get("manual", ()) else "autograded"
            cell_rows.append([sub.student, sub.chapter, grade_id, kind, fmt(score), fmt(max_score),
                              reason or messages.get(grade_id, "")])
    flagged = [[sub.student, sub.chapter, what] for sub in subs for what in sub.result.get("suspicious", [])]
    write_csv(course / "suspicious.csv", ["student", "chapter", "what"], flagged)
    write_csv(course / "grades.csv", GRADES_HEADER, rows)
    write_csv(course / "regrade.csv", ["student", "chapter", "reason"], regrade)
    write_csv(course / "cells.csv", ["student", "chapter", "grade_id", "kind", "score", "max_score", "message"],
              cell_rows)


def write_unmatched(course: Path, unmatched: list) -> None:
    """unmatched.csv: the files of the last batch that were not graded as anyone's, and why."""
    write_csv(course / "unmatched.csv", ["file", "reason"], [[u.origin, u.reason] for u in unmatched])


# --------------------------------------------------------------------------- the terminal summary


def most_failed(misses: dict) -> list[str]:
    """All exercises missed by the most submissions (several when they tie)."""
    if not misses:
        return []
    top = max(misses.values())
    return sorted(gid for gid, n in misses.items() if n == top)


def chapter_table(subs: list, scores: dict) -> list[str]:
    """One line per chapter: graded submissions only (no zeros of files that were not graded)."""
    header = (f"{'chapter':<28}{'graded':>7}{'mean':>8}{'median':>8}{'max':>6}{'full':>6}"
              "  most-failed exercise")
    lines = [header, "-" * len(header)]
    for chapter in sorted({s.chapter for s in subs}):
        entries = [scores[s.key] for s in subs
                   if s.chapter == chapter and s.result.get("ok") and s.key in scores]
        if not entries:
            continue
        totals = [e["score"] for e in entries]
        full, misses = 0, {}
        for e in entries:
            missed = [gid for gid, (score, cell_max) in e["cells"].items()
                      if gid not in e["manual"] and (score or 0) < cell_max]
            full += not missed
            for gid in missed:
                misses[gid] = misses.get(gid, 0) + 1
        worst = most_failed(misses)
        text = (", ".join(worst) + f" ({misses[worst[0]]} of {len(entries)} each)" * (len(worst) > 1)
                + f" ({misses[worst[0]]} of {len(entries)})" * (len(worst) == 1)) if worst else "-"
        lines.append(f"{chapter:<28}{len(entries):>7}{statistics.mean(totals):>8.1f}"
                     f"{statistics.median(totals):>8.1f}{entries[0]['max_score']:>6g}{full:>6}  {text}")
    return lines


def summary(subs: list, scores: dict, batch: list | None = None, unmatched: list | None = None) -> str:
    """The table for the whole course, then what needs attention: grading failures (all), and
    this batch's ungraded, suspicious and unmatched files."""
    batch = subs if batch is None else batch
    lines = chapter_table(subs, scores)
    lost = [s for s in subs if s.grading_failure]
    if lost:
        lines += ["", f"GRADING FAILURES ({len(lost)}): not scored, because of a problem of the grading machine, "
                  "not of the submissions; run the same command again to grade them (listed in regrade.csv):"]
        lines += [f"  {s.student}/{s.chapter}: {s.result.get('reason', '')}" for s in lost]
    failed = sorted((s for s in batch if not s.result.get("ok") and not s.grading_failure
                     and s.problem != "not submitted"), key=lambda s: (s.student, s.chapter))
    if failed:
        lines += ["", f"Not graded ({len(failed)}; each scores 0):"]
        lines += [f"  {s.student}/{s.chapter}: {s.result.get('reason') or s.problem}" for s in failed]
    if unmatched:
        lines += ["", f"Files not matched to a student and chapter ({len(unmatched)}; not graded, "
                  "listed in unmatched.csv):"]
        lines += [f"  {u.origin}: {u.reason}" for u in unmatched]
    flagged = sorted((s for s in batch if s.result.get("suspicious")), key=lambda s: (s.student, s.chapter))
    if flagged:
        lines += ["", f"Suspicious ({len(flagged)}; graded as usual, worth a look; all in suspicious.csv):"]
        lines += [f"  {s.student}/{s.chapter}: {'; '.join(s.result['suspicious'][:3])}"
                  + (f" (+{len(s.result['suspicious']) - 3} more)" if len(s.result["suspicious"]) > 3 else "")
                  for s in flagged]
    weak = sorted({s.result.get("isolation") for s in batch} - {None, "bwrap"})
    if weak:
        lines += ["", "Warning: student code ran without the bwrap sandbox (run as root with bubblewrap "
                  "installed for full isolation); see the instructor guide in README.md."]
    lines += ["", "The table covers every submission graded so far; 'graded' counts graded notebooks, 'full' "
              "full marks on the autograded exercises; written answers count once they are graded by hand "
              "(`autograder formgrader`, then `autograder feedback`)."]
    return "\n".join(lines)
