"""Soak: grade the same mixed class again and again and print every discrepancy.

    python benchmarks/soak.py [--passes 10] [--copies 2] [--jobs 2]

The class holds, for every chapter, ``--copies`` correct notebooks (the reference solution)
and one correct-but-different one, two seeded bugs (one of which writes into its inputs)
and the untouched student edition; chapter 2 also gets a few adversarial submissions. The
first pass grades into a fresh course workspace, every later one regrades it with
``--force``, so each chapter is always graded beside the others.

A discrepancy is any of:
- a correct notebook without full marks on its autograded cells;
- a blank or adversarial notebook with any autograded point;
- a seeded bug with full marks;
- a cell whose score differs from the first pass;
- a submission left as a grading failure (not graded because of the machine).

Recoveries (a sandbox lost and started again, a call made again after its process died, a
submission graded a second time) are counted and printed with the submission they happened
to: on an honest submission they are the machine's hiccups that the grader absorbed; the
adversarial ones that end their own process cause some on purpose. Exits with status 1 if
there was any discrepancy.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat  # noqa: E402

from autograder.grade import grade  # noqa: E402
from catalogs import adversarial, catalog, submission  # noqa: E402
from autograder.paths import chapter_ids, resolve_chapters  # noqa: E402
from autograder.reports import read_csv  # noqa: E402

CHEAP_ATTACKS = ("patch_numpy_tools", "always_equal_objects", "os_exit_at_top_level", "exit_inside_functions")


@dataclass
class Soak:
    expected: dict = field(default_factory=dict)      # (student, chapter) -> "full" | "zero" | "loses"
    first: dict = field(default_factory=dict)         # (student, chapter, grade_id) -> score
    gradings: int = 0
    recoveries: int = 0
    recovery_log: list = field(default_factory=list)
    discrepancies: list = field(default_factory=list)
    seconds: float = 0.0


def build_class(root: Path, copies: int = 2, chapters: list[str] | None = None, attacks: bool = True,
                lean: bool = False) -> dict:
    """Write the mixed class under ``root``; return what each submission should score.

    ``lean`` (the test suite's short soak): per chapter one correct notebook and one seeded
    bug (an in-place one in every other chapter), and two of the attacks."""
    expected = {}

    def put(student: str, chapter: str, nb, kind: str) -> None:
        path = root / student / chapter / f"{chapter}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        expected[(student, chapter)] = kind

    for index, chapter in enumerate(chapters or chapter_ids()):
        mutants = catalog(chapter)
        if lean:
            put("correct0", chapter, submission(chapter), "full")
            bugs = [m for m in mutants if not m.correct and ("_writes_into_" in m.name) == (index % 2 == 1)]
            bugs = bugs or [m for m in mutants if not m.correct]
            put("bug", chapter, submission(chapter, {bugs[0].function: bugs[0].source}), "loses")
            continue
        for i in range(copies):
            put(f"correct{i}", chapter, submission(chapter), "full")
        variants = [m for m in mutants if m.correct]
        if variants:
            put("variant", chapter, submission(chapter, {variants[0].function: variants[0].source}), "full")
        plain = [m for m in mutants if not m.correct and "_writes_into_" not in m.name]
        in_place = [m for m in mutants if "_writes_into_" in m.name]
        for student, bug in (("bug", plain[:1]), ("inplace", in_place[:1])):
            if bug:
                put(student, chapter, submission(chapter, {bug[0].function: bug[0].source}), "loses")
        put("blank", chapter, submission(chapter, solve=False), "zero")
    if attacks and (chapters is None or adversarial.CHAPTER in chapters):
        for attack in adversarial.catalog():
            if attack.name in CHEAP_ATTACKS[:2 if lean else None]:
                put(f"attack-{attack.name}", adversarial.CHAPTER, attack.build({}), "zero")
    return expected


def read_cells(course: Path) -> dict:
    return {(r["student"], r["chapter"], r["grade_id"]): r for r in read_csv(course / "cells.csv")}


def check_pass(soak: Soak, course: Path, subs, number: int) -> list[str]:
    """The discrepancies of one pass (also recorded in ``soak``)."""
    found = []
    cells = read_cells(course)
    autograded: dict = {}
    for (student, chapter, grade_id), row in cells.items():
        if row["kind"] != "autograded":
            continue
        score, max_score = float(row["score"]), float(row["max_score"])
        got, most = autograded.get((student, chapter), (0.0, 0.0))
        autograded[(student, chapter)] = (got + score, most + max_score)
        key = (student, chapter, grade_id)
        if number == 1:
            soak.first[key] = score
        elif soak.first.get(key) != score:
            found.append(f"pass {number}: {student}/{chapter} {grade_id} scored {score:g}, "
                         f"{soak.first.get(key)} in pass 1 ({row['message'][:160]})")
    for (student, chapter), kind in soak.expected.items():
        got, most = autograded.get((student, chapter), (None, None))
        if got is None:
            found.append(f"pass {number}: {student}/{chapter} has no graded cells")
        elif kind == "full" and got != most:
            lost = [f"{gid} {r['score']}/{r['max_score']}: {r['message'][:160]}" for (s, c, gid), r in cells.items()
                    if (s, c) == (student, chapter) and r["kind"] == "autograded"
                    and float(r["score"]) < float(r["max_score"])]
            found.append(f"pass {number}: correct {student}/{chapter} got {got:g} of {most:g}: {'; '.join(lost)}")
        elif kind == "zero" and got != 0:
            found.append(f"pass {number}: {student}/{chapter} should score 0, got {got:g}")
        elif kind == "loses" and got == most:
            found.append(f"pass {number}: seeded bug {student}/{chapter} kept full marks")
    for sub in subs:
        if sub.grading_failure:
            found.append(f"pass {number}: {sub.key} left as a grading failure: {sub.result.get('reason')}")
        events = list(sub.result.get("recoveries", [])) + (["graded again after a grading failure"]
                                                           if sub.retried else [])
        soak.recoveries += len(events)
        soak.recovery_log += [f"pass {number}: {sub.key}: {text}" for text in events]
    soak.discrepancies += found
    return found


def run(passes: int = 10, copies: int = 2, jobs: int = 2, chapters: list[str] | None = None,
        attacks: bool = True, log=print, workdir: Path | None = None, lean: bool = False) -> Soak:
    scratch = Path(tempfile.mkdtemp(prefix="bbh-soak-", dir=workdir))
    try:
        root, course = scratch / "submissions", scratch / "course"
        soak = Soak(expected=build_class(root, copies, chapters, attacks, lean))
        log(f"class: {len(soak.expected)} notebooks over {len({c for _, c in soak.expected})} chapters; "
            f"{passes} passes with --jobs {jobs}")
        for number in range(1, passes + 1):
            start = time.monotonic()
            subs = grade(root, course=course, jobs=jobs, force=number > 1, timeout=600, cell_timeout=120,
                         progress=False, log=lambda *a: None)
            took = time.monotonic() - start
            graded = sum(1 for s in subs if s.path is not None)
            soak.gradings += graded
            soak.seconds += took
            found = check_pass(soak, course, subs, number)
            log(f"pass {number}: {graded} notebooks in {took:.0f} s ({took / max(graded, 1):.2f} s each), "
                f"{len(found)} discrepancies, {soak.recoveries} recoveries so far")
            for line in found:
                log("  " + line)
            for line in soak.recovery_log[len(soak.recovery_log) - sum(1 for r in soak.recovery_log
                                                                       if r.startswith(f"pass {number}:")):]:
                log("  recovery: " + line)
        log(f"\n{soak.gradings} gradings in {soak.seconds:.0f} s: {len(soak.discrepancies)} discrepancies, "
            f"{soak.recoveries} recoveries")
        return soak
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--copies", type=int, default=2, help="correct notebooks per chapter")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chapters", nargs="*", default=None, help="chapter ids or their start (default: all)")
    args = parser.parse_args(argv)
    try:
        chapters = resolve_chapters(args.chapters) if args.chapters else None
    except ValueError as exc:
        parser.error(str(exc))
    soak = run(args.passes, args.copies, args.jobs, chapters)
    return 1 if soak.discrepancies else 0


if __name__ == "__main__":
    sys.exit(main())
