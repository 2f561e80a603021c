"""The course workspace's own settings, ``course/course.toml``: chapter due dates and the late penalty.

    [due]
    02_gradient_checking = 2026-03-02T23:59:00+01:00   # or "02" = "2026-03-02 23:59" (UTC)

    [late]
    penalty = "none"    # nbgrader's LateSubmissionPlugin: "none" (report only) or "zero"

    [canvas]            # headers of existing Canvas assignments in grades-canvas.csv
    02_gradient_checking = "Gradient checking (4567)"
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

CONFIG = "course.toml"
PENALTIES = ("none", "zero")


class CourseConfigError(ValueError):
    """course.toml cannot be used; the message names the file and the entry."""


def read_config(course: Path) -> dict:
    path = Path(course) / CONFIG
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CourseConfigError(f"{path}: not valid TOML: {exc}") from None


def load_due(course: Path) -> dict[str, dt.datetime]:
    """``{chapter id: due date (aware)}``; a date without a time zone is UTC."""
    from .paths import resolve_chapters

    path = Path(course) / CONFIG
    due = {}
    for name, value in read_config(course).get("due", {}).items():
        try:
            chapter = resolve_chapters([name])[0]
        except ValueError as exc:
            raise CourseConfigError(f"{path}, [due]: {exc}") from None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time(23, 59, 59))
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                raise CourseConfigError(f"{path}, [due]: {name} = {value!r} is not a date and time "
                                        "like 2026-03-02T23:59:00+01:00") from None
        if not isinstance(value, dt.datetime):
            raise CourseConfigError(f"{path}, [due]: {name} = {value!r} is not a date and time")
        due[chapter] = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return due


def late_penalty(course: Path) -> str:
    """How nbgrader penalises a late submission: ``none`` or ``zero``."""
    method = read_config(course).get("late", {}).get("penalty", "none")
    if method not in PENALTIES:
        raise CourseConfigError(f"{Path(course) / CONFIG}, [late]: penalty = {method!r}; "
                                f"use one of {', '.join(PENALTIES)}")
    return method


def canvas_columns(course: Path) -> dict[str, str]:
    """``[canvas]``: ``chapter = "Assignment name (id)"``, the headers of existing Canvas assignments."""
    from .paths import resolve_chapters

    out = {}
    for name, header in read_config(course).get("canvas", {}).items():
        try:
            out[resolve_chapters([name])[0]] = str(header)
        except ValueError as exc:
            raise CourseConfigError(f"{Path(course) / CONFIG}, [canvas]: {exc}") from None
    return out
