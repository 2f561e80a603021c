"""Wall time to grade a synthetic class: `autograder grade` with --jobs 1 and 2 against
plain serial `nbgrader autograde` on the same submissions, in one run.

    python benchmarks/grade_speed.py [--students 50] [--chapters 02_gradient_checking ...]

Students alternate between a full solution, the untouched student edition and a
solution with one seeded bug, so the class has a realistic mix of passing and failing
cells. Prints, for each method, wall seconds, CPU seconds per notebook (this process and
every process it waited for: workers, kernels, sandboxes) and the speed-up against nbgrader.
With ``--scheduler tcp://HOST:8786`` it also times grading on that Dask cluster (its CPU is
spent on other machines and is not counted).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat  # noqa: E402

from autograder.grade import grade, prepare_course  # noqa: E402
from catalogs import catalog, submission  # noqa: E402
from autograder.paths import chapter_ids, ensure_venv_bin_on_path, resolve_chapters  # noqa: E402


def make_class(root: Path, students: int, chapters: list[str]) -> None:
    for i in range(students):
        for chapter in chapters:
            bugs = [m for m in catalog(chapter) if not m.correct]
            kind = i % 3
            if kind == 0 or not bugs:
                nb = submission(chapter)
            elif kind == 1:
                nb = submission(chapter, solve=False)
            else:
                bug = bugs[i % len(bugs)]
                nb = submission(chapter, {bug.function: bug.source})
            path = root / f"student{i:03d}" / chapter / f"{chapter}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)


def plain_nbgrader(subs: Path, course: Path, chapters: list[str]) -> float:
    """nbgrader's own serial autograde over the same folder."""
    ensure_venv_bin_on_path()
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    shutil.copytree(subs, course / "submitted")
    nbgrader = Path(sys.executable).parent / "nbgrader"
    start = time.perf_counter()  # registering the chapters counts, as it does for `autograder grade`
    prepare_course(course, chapters, db_url, log=lambda *a: None)
    for chapter in chapters:
        subprocess.run([str(nbgrader), "autograde", chapter, "--create", "--force",
                        f"--CourseDirectory.root={course}", f"--CourseDirectory.db_url={db_url}",
                        "--Execute.timeout=120"], check=True, capture_output=True)
    return time.perf_counter() - start


def cpu_seconds() -> float:
    """User and system CPU time of this process and of its waited-for children so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run) -> tuple[float, float]:
    """Wall and CPU seconds of ``run()``."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    run()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--chapters", nargs="*", default=None,
                        help="chapter ids or their start (02 05); default: every released chapter")
    parser.add_argument("--scheduler", default=None, help="also grade on this Dask cluster")
    args = parser.parse_args(argv)
    try:
        chapters = resolve_chapters(args.chapters) if args.chapters else chapter_ids()
    except ValueError as exc:
        parser.error(str(exc))
    with tempfile.TemporaryDirectory(prefix="bbh-bench-") as tmp:
        tmp = Path(tmp)
        make_class(tmp / "subs", args.students, chapters)
        n = args.students * len(chapters)
        print(f"{args.students} students × {len(chapters)} chapters = {n} notebooks")
        times = {}
        for jobs in (1, 2):
            times[f"autograder grade --jobs {jobs}"] = timed(lambda: grade(
                tmp / "subs", course=tmp / f"course-jobs{jobs}", jobs=jobs, progress=False, log=lambda *a: None))
        if args.scheduler:
            times["autograder grade --scheduler"] = timed(lambda: grade(
                tmp / "subs", course=tmp / "course-cluster", scheduler=args.scheduler, progress=False,
                log=lambda *a: None))
        times["nbgrader autograde (serial)"] = timed(
            lambda: plain_nbgrader(tmp / "subs", tmp / "course-nbgrader", chapters))
        base = times["nbgrader autograde (serial)"][0]
        print(f"\n{'method':<32}{'seconds':>10}{'s/notebook':>12}{'CPU s/notebook':>16}{'speed-up vs nbgrader':>22}")
        for name, (seconds, cpu) in times.items():
            print(f"{name:<32}{seconds:>10.1f}{seconds / n:>12.2f}{cpu / n:>16.2f}{base / seconds:>22.2f}")


if __name__ == "__main__":
    main()
