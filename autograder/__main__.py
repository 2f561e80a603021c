"""Command line: ``autograder release``, ``grade``, ``formgrader`` and ``feedback``."""
from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description="Release and grade Backprop by Hand chapters.")
    sub = parser.add_subparsers(dest="command", required=True)

    rel = sub.add_parser("release", help="solutions/ -> chapters/ (the student edition)")
    rel.add_argument("chapters", nargs="*", help="chapter ids (default: all)")
    rel.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                     help="chapters executed in parallel (default: %(default)s)")
    rel.add_argument("--student-kit", metavar="DIR",
                     help="instead, write the students' distribution (the committed chapters, the check "
                          "helpers, no solutions) to DIR")

    gr = sub.add_parser("grade", help="grade SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb (or a flat folder or zip)")
    gr.add_argument("submissions", help="folder or zip of submissions")
    gr.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="notebooks graded in parallel (default: number of cores, %(default)s)")
    gr.add_argument("--course", default="course", help="course workspace (default: ./course)")
    gr.add_argument("--db", default=None, help="gradebook SQLAlchemy URL (default: sqlite in the workspace)")
    gr.add_argument("--force", action="store_true", help="grade everything again, not only new submissions")
    gr.add_argument("--timeout", type=int, default=600, help="seconds per notebook (default: %(default)s)")
    gr.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell (default: %(default)s)")
    gr.add_argument("--memory", type=int, default=4096, help="memory limit per notebook in MB (default: %(default)s)")
    gr.add_argument("--no-progress", action="store_true", help="no progress bar")
    gr.add_argument("--roster", default=None, metavar="CSV",
                    help="map LMS users to student ids: columns lms_id, lms_name, student_id, display_name, email")
    gr.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                    help="grade on the workers of this Dask scheduler instead of --jobs local workers")
    gr.add_argument("--chapter", default=None,
                    help="the chapter of files whose names do not say (a one-assignment Canvas or Moodle download)")

    fg = sub.add_parser("formgrader", help="grade written answers by hand: nbgrader's formgrader on the workspace")
    fg.add_argument("--course", default="course", help="course workspace (default: ./course)")
    fg.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")

    fb = sub.add_parser("feedback", help="rewrite feedback, grades.csv and cells.csv from the gradebook "
                                         "(after manual grading; runs no code)")
    fb.add_argument("--course", default="course", help="course workspace (default: ./course)")
    fb.add_argument("--db", default=None, help="gradebook SQLAlchemy URL (default: sqlite in the workspace)")

    args = parser.parse_args(argv)
    from .course_config import CourseConfigError
    from .grade import GradingError
    from .release import ReleaseError
    from .student_kit import StudentKitError

    try:
        return run(args)
    except (GradingError, CourseConfigError, FileNotFoundError) as exc:   # bad input: say what is wrong
        print(f"autograder {args.command}: {exc}", file=sys.stderr)
        return 2
    except (ReleaseError, StudentKitError) as exc:
        print(f"autograder {args.command}: {exc}", file=sys.stderr)
        return 1


def run(args) -> int:
    """Carry out one parsed command; its own errors (bad input) propagate to ``main``."""
    from pathlib import Path

    if args.command == "formgrader":
        from .formgrader import serve

        serve(args.course, port=args.port)
    elif args.command == "feedback":
        from .grade import refresh_feedback

        refresh_feedback(args.course, db_url=args.db)
    elif args.command == "grade":
        from .grade import grade

        subs = grade(args.submissions, course=args.course, jobs=args.jobs, db_url=args.db, force=args.force,
                     timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mb=args.memory,
                     progress=not args.no_progress, roster=args.roster, chapter=args.chapter,
                     scheduler=args.scheduler)
        lost = sum(sub.grading_failure for sub in subs)
        if lost:
            print(f"autograder grade: {lost} submissions could not be graded because of the grading machine; "
                  "run the same command again (see regrade.csv)", file=sys.stderr)
            return 3
    elif args.student_kit:
        from .student_kit import build_student_kit

        build_student_kit(Path(args.student_kit), args.chapters or None)
    else:
        from .release import release

        from .paths import REPO

        # the instructor notebooks keep the outputs the release computed (the text quotes them)
        release(args.chapters, jobs=args.jobs, instructor_root=REPO / "solutions")
    return 0

if __name__ == "__main__":
    sys.exit(main())
