"""Command line: ``autograder release [CHAPTER...]`` and ``autograder grade SUBMISSIONS``."""
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

    args = parser.parse_args(argv)
    if args.command == "grade":
        from .grade import GradingError, grade

        try:
            grade(args.submissions, course=args.course, jobs=args.jobs, db_url=args.db, force=args.force,
                  timeout=args.timeout, cell_timeout=args.cell_timeout, memory_mb=args.memory,
                  progress=not args.no_progress)
        except GradingError as exc:
            print(f"autograder grade: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "release":
        from .release import ReleaseError, release

        try:
            release(args.chapters, jobs=args.jobs)
        except ReleaseError as exc:
            print(f"autograder release: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
