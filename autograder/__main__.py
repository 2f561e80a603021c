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

    args = parser.parse_args(argv)
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
