"""The class report: what a whole class got wrong, read before the next lecture.

Built from the course-wide reports (``grades.csv``, ``cells.csv``, ``suspicious.csv``), so its
numbers are the ones the instructor can check there. Writes, in the course workspace:

- ``class-report.html``: one self-contained page (figures inlined as PNG, no external
  resources): the score distribution of each chapter, the pass rate of each exercise, the
  diagnosed mistakes of each exercise with how many students made each, the submissions
  that were not submitted or could not be graded, and the suspicious ones;
- ``exercises.csv``: per exercise, how many graded submissions passed it;
- ``misconceptions.csv``: per exercise and diagnosis, how many students got it.

A diagnosis is keyed by :func:`diagnosis`, which maps the first line of a failed cell's error
to a stable key: the same mistake gets the same key in every submission, whatever numbers
(entries, sizes, differences) its message quotes.
"""
from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

from .paths import write_atomic
from .reports import read_csv, write_csv

HTML_NAME, EXERCISES_NAME, MISCONCEPTIONS_NAME = "class-report.html", "exercises.csv", "misconceptions.csv"
MISCONCEPTIONS_HEADER = ["chapter", "grade_id", "diagnosis_key", "diagnosis", "students", "graded",
                         "student_ids"]
EXERCISES_HEADER = ["chapter", "grade_id", "graded", "passed", "pass_rate"]

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|\bnan\b|\binf\b", re.IGNORECASE)
ERROR_NAME = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)): ?(.*)$", re.DOTALL)


def first_sentence(text: str) -> str:
    """Up to the first full stop, question or exclamation mark that ends a sentence."""
    match = re.search(r"[.?!](?=\s|$)", text)
    return (text[:match.end()] if match else text).strip()


def slug(text: str, limit: int = 72) -> str:
    """``dz-is-m-times-too-large-did-you-forget-…``: lower case, numbers as ``n``, words joined."""
    words = re.findall(r"[a-z0-9#]+", NUMBER.sub("#", text.lower()).replace("#", " n "))
    out = "-".join(words)
    return out[:limit].rstrip("-") or "other"


def generic(text: str) -> str:
    """``text`` with every number replaced by ``N``: the wording the report shows for a key."""
    return NUMBER.sub("N", text)


def diagnosis(message: str) -> tuple[str, str]:
    """``(key, label)`` of the message of a cell that lost points (``cells.csv``'s column).

    The key names what went wrong, never numbers: a known mistake of the tests (``Likely
    mistake: …``), one of the checks' general findings (a flipped sign, a constant factor, a
    wrong shape, an argument changed in place, not implemented, no return), the test's own
    assertion, or the kind of error the code raised.
    """
    message = (message or "").strip()
    if not message:
        return "no-message", "lost points without an error message"
    name, text = "", message
    found = ERROR_NAME.match(message)
    if found:
        name, text = found.group(1), found.group(2).strip()
    if text.startswith("wrote to stderr"):
        return "wrote-to-stderr", "the cell wrote to stderr (a warning or a print to sys.stderr)"
    if name and name != "AssertionError":
        if "timed out" in text or name in ("TimeoutError", "CellTimeoutError"):
            return "timed-out", "the cell ran out of time"
        return f"error-{name.lower()}", f"the code raised {name}"
    if "timed out" in text and "cell" in text:
        return "timed-out", "the cell ran out of time"
    if "is not implemented yet" in text:
        return "not-implemented", "not attempted (raise NotImplementedError is still there)"
    likely = re.search(r"Likely mistake: (.*)", text, re.DOTALL)
    if likely:
        mistake = first_sentence(likely.group(1))
        if mistake.startswith("the sign is flipped"):
            return "sign-flipped", "the sign is flipped"
        return "mistake-" + slug(mistake), generic(mistake)
    if "times the expected value: a missing or extra constant factor" in text:
        return "constant-factor", "off by a constant factor (every entry the same multiple of the expected)"
    in_place = re.search(r"(\w+)\(\) changed its argument (\w+) in place", text)
    if in_place:
        return (f"in-place-{in_place.group(1).lower()}-{in_place.group(2).lower()}",
                f"{in_place.group(1)}() changes its argument {in_place.group(2)} in place")
    if "did you forget a `return` statement" in text:
        return "returns-none", "returns None (a missing return)"
    if "should be a single number, got an array" in text:
        return "not-a-number", "returns an array where a single number is expected"
    if re.search(r" has shape \(.*\), expected \(", text):
        if "looks transposed" in text:
            return "shape-transposed", "the shape is transposed"
        if "sum over the batch axis" in text:
            return "shape-batch-axis-kept", "the batch axis is not summed over"
        if "right number of entries" in text:
            return "shape-reshaped", "the right number of entries in the wrong shape"
        return "shape-wrong", "the shape is wrong"
    if "an overflow or a division by zero" in text:
        return "not-finite", "nan or inf (an overflow or a division by zero)"
    if re.search(r", expected .*\(difference ", text):
        return "wrong-value", "a wrong value that no known mistake explains"
    sentence = first_sentence(text) or name
    return "assert-" + slug(sentence), generic(sentence)


# --------------------------------------------------------------------------- counting


def graded(status: str) -> bool:
    """A row of ``grades.csv`` whose autograded scores are the student's own."""
    return status.startswith(("graded", "awaiting manual grading"))


def class_counts(course: Path) -> dict:
    """Everything the report shows, from the course's CSVs.

    ``exercises``: ``{(chapter, grade_id): (graded, passed)}``; ``mistakes``:
    ``{(chapter, grade_id): {key: (label, [students])}}``; ``scores``: ``{chapter: ([score],
    max_score)}``; ``missing``: grades.csv rows not graded; ``suspicious``: its rows.
    """
    course = Path(course)
    grades = read_csv(course / "grades.csv")
    cells = read_csv(course / "cells.csv")
    suspicious = read_csv(course / "suspicious.csv") if (course / "suspicious.csv").is_file() else []
    counted = {(r["student"], r["chapter"]) for r in grades if graded(r["status"])}
    scores: dict = defaultdict(lambda: ([], 0.0))
    for r in grades:
        if (r["student"], r["chapter"]) in counted:
            got, _ = scores[r["chapter"]]
            got.append(float(r["score"] or 0))
            scores[r["chapter"]] = (got, float(r["max_score"] or 0))
    exercises: dict = {}
    mistakes: dict = defaultdict(dict)
    missed = set()   # the submissions that lost points on an autograded exercise
    for r in cells:
        if r["kind"] != "autograded" or (r["student"], r["chapter"]) not in counted:
            continue
        where = (r["chapter"], r["grade_id"])
        n, passed = exercises.get(where, (0, 0))
        full = float(r["score"] or 0) >= float(r["max_score"] or 0)
        exercises[where] = (n + 1, passed + full)
        if not full:
            missed.add((r["student"], r["chapter"]))
            key, label = diagnosis(r["message"])
            label_then, students = mistakes[where].get(key, (label, []))
            mistakes[where][key] = (label_then, students + [r["student"]])
    missing = [r for r in grades if not graded(r["status"])]
    full_auto = Counter(chapter for student, chapter in counted if (student, chapter) not in missed)
    return {"exercises": dict(sorted(exercises.items())), "mistakes": dict(mistakes),
            "scores": dict(sorted(scores.items())), "full_auto": full_auto, "missing": missing,
            "suspicious": suspicious}


def ranked(found: dict) -> list[tuple[str, str, list[str]]]:
    """``(key, label, students)`` of one exercise, the commonest first (ties by key)."""
    return sorted(((k, label, sorted(s)) for k, (label, s) in found.items()), key=lambda t: (-len(t[2]), t[0]))


# --------------------------------------------------------------------------- figures


def pyplot():
    """matplotlib's pyplot, drawing off screen (the grader has no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png(fig) -> str:
    """The figure as a ``data:`` URI (the page carries its images itself)."""
    plt = pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_figure(scores: dict) -> str:
    """One histogram per chapter of the graded scores (in points)."""
    plt = pyplot()
    n = max(len(scores), 1)
    cols = min(n, 4)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, (chapter, (got, most)) in zip(axes.flat, scores.items()):
        ax.hist(got, bins=min(max(int(most), 1), 20), range=(0, max(most, 1)), color="#3b6ea5", edgecolor="white")
        ax.set_title(chapter, fontsize=9)
        ax.set_xlabel(f"score (of {most:g})", fontsize=8)
        ax.set_ylabel("students", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return png(fig)


def pass_rate_figure(exercises: dict) -> str:
    """A horizontal bar per exercise: the fraction of graded submissions with full marks."""
    plt = pyplot()
    labels = [f"{chapter[:2]} {grade_id}" for chapter, grade_id in exercises]
    rates = [passed / n if n else 0.0 for n, passed in exercises.values()]
    fig, ax = plt.subplots(figsize=(7, 0.22 * len(labels) + 0.8))
    ax.barh(range(len(labels)), rates, color=["#c0504d" if r < 0.5 else "#3b6ea5" for r in rates])
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("pass rate (full marks on the exercise's test)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return png(fig)


# --------------------------------------------------------------------------- the page


STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}img{max-width:100%}
details summary{cursor:pointer;color:#555}.low{color:#a33;font-weight:bold}"""


def table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td{' class=n' * (i in numeric)}>{cell}</td>" for i, cell in enumerate(row))
                   + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def page(counts: dict) -> str:
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Class report</title>"
             f"<style>{STYLE}</style></head><body><h1>Class report</h1>"]
    if not counts["scores"]:
        parts.append("<p>No graded submissions yet.</p>")
    else:
        graded_rows = [[e(ch), str(len(got)), f"{sum(got) / len(got):.1f}", f"{most:g}",
                        str(counts["full_auto"][ch])] for ch, (got, most) in counts["scores"].items()]
        parts += ["<h2>Scores</h2><p>Scores as in <code>grades.csv</code>: a written answer counts once it is "
                  "graded by hand.</p>",
                  table(["chapter", "graded", "mean", "max", "all autograded exercises passed"], graded_rows,
                        {1, 2, 3, 4}),
                  f'<img alt="score distribution of each chapter" src="{score_figure(counts["scores"])}">',
                  "<h2>Pass rate of each exercise</h2>",
                  f'<img alt="pass rate of each exercise" src="{pass_rate_figure(counts["exercises"])}">',
                  "<h2>Mistakes, exercise by exercise</h2><p>Each failed test is keyed by the diagnosis "
                  "on the first line of its error; the same key means the same mistake.</p>"]
        for (chapter, grade_id), (n, passed) in counts["exercises"].items():
            rate = passed / n if n else 0.0
            parts.append(f"<h3>{e(chapter)} · {e(grade_id)}: <span class='{'low' * (rate < 0.5)}'>"
                         f"{passed} of {n} passed ({rate:.0%})</span></h3>")
            found = ranked(counts["mistakes"].get((chapter, grade_id), {}))
            if found:
                parts.append(table(["students", "diagnosis", "key", "who"], [
                    [str(len(who)), e(label), f"<code>{e(key)}</code>",
                     f"<details><summary>{len(who)} student{'s' * (len(who) != 1)}</summary>{e(', '.join(who))}</details>"]
                    for key, label, who in found], {0}))
    parts.append("<h2>Not submitted or not graded</h2>")
    parts.append(table(["student", "chapter", "status"], [[e(r["student"]), e(r["chapter"]), e(r["status"])]
                                                          for r in counts["missing"]])
                 if counts["missing"] else "<p>None.</p>")
    parts.append("<h2>Suspicious submissions</h2><p>Graded as usual; worth a look.</p>")
    parts.append(table(["student", "chapter", "what"], [[e(r["student"]), e(r["chapter"]), e(r["what"])]
                                                        for r in counts["suspicious"]])
                 if counts["suspicious"] else "<p>None.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_class_report(course: Path) -> Path:
    """``class-report.html``, ``exercises.csv`` and ``misconceptions.csv`` from the course's reports."""
    course = Path(course)
    counts = class_counts(course)
    write_csv(course / EXERCISES_NAME, EXERCISES_HEADER,
              [[ch, gid, n, passed, f"{passed / n:.3f}"] for (ch, gid), (n, passed) in counts["exercises"].items()])
    rows = []
    for (chapter, grade_id), found in sorted(counts["mistakes"].items()):
        n = counts["exercises"][(chapter, grade_id)][0]
        rows += [[chapter, grade_id, key, label, len(who), n, ";".join(who)] for key, label, who in ranked(found)]
    write_csv(course / MISCONCEPTIONS_NAME, MISCONCEPTIONS_HEADER, rows, keep_order=True)
    target = course / HTML_NAME
    write_atomic(target, page(counts))
    return target
