"""Grade one submission in its own scratch course: ``python -m autograder.worker TASK.json``.

The grading command starts one worker process per submission (``--jobs`` at a time).
The worker limits its own resources (inherited by the notebook's kernel), then:

1. notes what the submission changed or tries (``autograder.tamper``);
2. runs the submission's code in the sandbox (``autograder.jail``, ``autograder.sandbox``);
3. runs nbgrader ``autograde`` on the instructor's notebook with stand-ins for the student's
   functions (``autograder.assemble``, ``autograder.proxy``), then ``generate_feedback``,
   in a private copy of the course;
4. writes ``result.json`` next to the task.

It never touches the instructor's gradebook: the grading command merges the autograded
notebook into it afterwards, one at a time.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from .feedback import FEEDBACK_PREPROCESSORS, first_line, use_local_mathjax
from .paths import ensure_venv_bin_on_path

GRADING_FAILURE = "grading-failure.txt"   # written by the stand-ins when they give up without a cause
SUSPICIOUS = "suspicious.json"             # what the submission's own code tries, found before grading
RECOVERIES = "recoveries.jsonl"            # one line per sandbox lost without a cause and started again


def recoveries(work: Path) -> list[str]:
    """The recoveries noted in ``work`` (``jail.note_recovery``), one sentence each."""
    try:
        lines = (work / RECOVERIES).read_text(errors="replace").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(str(json.loads(line))[:300])
        except ValueError:
            continue
    return out


THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def limit_resources(memory_mb: int, max_file_mb: int) -> None:
    """Cap address space and file size for this process and the kernel it starts."""
    import resource

    for limit, value in ((resource.RLIMIT_AS, memory_mb << 20), (resource.RLIMIT_FSIZE, max_file_mb << 20)):
        soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard))


def timed_out_message(cell_timeout) -> str:
    return (f"CellTimeoutError: the cell was stopped after {cell_timeout} s, the time limit of a cell: "
            "is there an endless loop?")


def explain_timeouts(nb, cell_timeout) -> None:
    """nbgrader interrupts a cell at its time limit, which shows up as a KeyboardInterrupt:
    nobody pressed Ctrl-C during grading, so say what really happened."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "KeyboardInterrupt":
                output["ename"], _, output["evalue"] = timed_out_message(cell_timeout).partition(": ")
                output["traceback"] = [timed_out_message(cell_timeout)]


MAX_OUTPUT_CHARS = 20_000
MAX_MESSAGE = 600  # characters of a failure kept in cells.csv (NumPy's own errors are long)


def truncate_outputs(nb, limit: int = MAX_OUTPUT_CHARS) -> bool:
    """Cut every text output to ``limit`` characters (nbgrader limits lines, not line length).

    Only the text shrinks: an output stays where it was and keeps its kind, so the grade
    nbgrader computes from the notebook does not change. Returns whether anything was cut.
    """
    cut = False
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            fields = [("text", output)] if "text" in output else []
            fields += [(mime, output["data"]) for mime in output.get("data", {}) if mime.startswith("text/")]
            for key, holder in fields:
                text = holder[key] if isinstance(holder[key], str) else "".join(holder[key])
                if len(text) > limit:
                    holder[key] = text[:limit] + f"\n... [{len(text) - limit} more characters not kept]\n"
                    cut = True
    return cut


def cell_results(nb) -> list[dict]:
    """``grade_id``, score, max score and first failure line of every graded cell."""
    from nbgrader.utils import determine_grade, is_grade

    rows = []
    for cell in nb.cells:
        if not is_grade(cell):
            continue
        score, max_score = determine_grade(cell)
        message = ""
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = f"{output.get('ename')}: {first_line(output.get('evalue', ''))}"
                break
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                message = f"wrote to stderr: {first_line(output.get('text', ''))}"
                break
        if score is None:
            message = "needs manual grading"
        rows.append({"grade_id": cell.metadata.nbgrader["grade_id"], "score": score,
                     "max_score": max_score, "message": message[:MAX_MESSAGE]})
    return rows


def call_timeout(cell_timeout: float) -> float:
    """How long one call of a student's function may take: short enough that, on a loaded
    machine, the stand-in still gives up and says why (at least 2 s, or a tenth of the cell's
    limit, before it) instead of nbgrader interrupting the whole cell."""
    return max(1.0, min(0.9 * cell_timeout, cell_timeout - 2.0))


class GradingFailure(RuntimeError):
    """The submission could not be graded for a reason of the grading machine, not the submission's."""


def start_sandbox(task: dict, work: Path, release, student):
    """Run the submission's code in the sandbox; write the spec the notebook's stand-ins read.

    Returns the spec, what the sandbox saw while the cells ran (for the report) and the sandbox.
    Raises ``GradingFailure`` when no sandbox could be started or kept.
    """
    from .assemble import student_cells
    from .jail import (CellsTimedOut, Limits, NotebookEnded, SandboxFailed, SandboxLost, isolation,
                       note_recovery, start_ready)
    from .proxy import ENV, start_failure

    cells = student_cells(release, student)
    limits = Limits(memory_mb=task["memory_mb"], cpu_seconds=task["timeout"],
                    max_file_mb=min(64, task["max_file_mb"]), cell_timeout=task["cell_timeout"])
    setup_timeout = max(30.0, task["timeout"] / 3)
    (work / "cells.json").write_text(json.dumps(cells))
    pidfile = work / "sandbox.pid"
    spec = {"events": str(work / "events.jsonl"), "cells": str(work / "cells.json"),
            "recoveries": str(work / RECOVERIES),
            "pidfile": str(pidfile), "failure": str(work / GRADING_FAILURE), "limits": limits.__dict__,
            "call_timeout": call_timeout(task["cell_timeout"]), "setup_timeout": setup_timeout}
    seen: list[str] = []
    sandbox = None
    starts = []

    def started(sb) -> None:
        pidfile.write_text(str(sb.proc.pid))
        if starts:
            note_recovery(work / RECOVERIES, "the worker started the sandbox again after losing it without a cause")
        starts.append(sb)

    try:
        sandbox, channel, ready = start_ready(cells, limits, setup_timeout, started=started)
        channel.close()
        seen += [f"tried: {e}" for e in ready.get("events", [])]
        spec["home"], spec["isolation"] = str(sandbox.home), sandbox.isolation
    except (SandboxFailed, SandboxLost) as exc:
        raise GradingFailure(str(exc)) from None
    except CellsTimedOut as exc:    # the stand-ins will only report this
        spec["broken"] = start_failure(exc, setup_timeout)
    except NotebookEnded as exc:
        spec["broken"] = start_failure(exc, setup_timeout)
    spec.setdefault("isolation", isolation())
    spec_path = work / "sandbox.json"
    spec_path.write_text(json.dumps(spec))
    os.environ[ENV] = str(spec_path)
    return spec, seen, sandbox


def run(task: dict) -> dict:
    import nbformat

    from .assemble import trusted_notebook
    from .sanitize import answer_flags
    from .tamper import compare_cells, scan_code

    course = Path(task["course"])
    student_id, chapter = task["student"], task["chapter"]
    submitted = course / "submitted" / student_id / chapter / f"{chapter}.ipynb"
    release = nbformat.read(task["release"], as_version=4)
    student = nbformat.read(submitted, as_version=4)
    released = {r.source.strip() for r in release.cells}
    own_code = [c.source for c in student.cells if c.get("cell_type") == "code" and c.source.strip() not in released]
    suspicious = compare_cells(release, student) + scan_code(own_code) + answer_flags(release, student)
    # Kept on disk at once: a worker stopped at the time limit still reports what the code tried.
    (course / SUSPICIOUS).write_text(json.dumps(suspicious[:30]))
    nbformat.write(trusted_notebook(release, student), submitted)
    spec, seen, sandbox = start_sandbox(task, course, release, student)
    try:
        result = grade_trusted(task, course, student_id, chapter, release, student)
    finally:
        if sandbox is not None:
            sandbox.stop()
    failure = course / GRADING_FAILURE
    if failure.is_file():
        raise GradingFailure(failure.read_text(errors="replace").strip()[:300])
    events_file = Path(spec["events"])
    if events_file.is_file():
        for line in events_file.read_text(errors="replace").splitlines():
            try:
                seen.append(f"tried: {json.loads(line)['text']}")
            except (ValueError, KeyError, TypeError):
                continue
    result["suspicious"] = list(dict.fromkeys(suspicious + seen))[:30]
    result["isolation"] = spec["isolation"]
    result["recoveries"] = recoveries(course)
    return result


def grade_trusted(task, course, student_id, chapter, release, student) -> dict:
    import nbformat
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    from .assemble import for_display

    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    config.Exchange.root = str(course / "exchange")
    config.Execute.timeout = task["cell_timeout"]
    config.Execute.interrupt_on_timeout = True
    config.Execute.raise_on_iopub_timeout = False
    config.Execute.allow_errors = True
    config.LimitOutput.max_lines = 200
    config.LimitOutput.max_traceback = 50
    config.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
    api = NbGraderAPI(CourseDirectory(config=config), config=config)

    # nbgrader executes the trusted notebook (the instructor's cells and stand-ins; no code of
    # the submission), so when it fails, the grading machine failed, not the submission.
    result = api.autograde(chapter, student_id, force=True, create=True)
    autograded = course / "autograded" / student_id / chapter / f"{chapter}.ipynb"
    if not result["success"] or not autograded.is_file():
        raise GradingFailure("nbgrader autograde failed: "
                             + summarize_failure(result.get("error", "") + result.get("log", "")))
    nb = for_display(nbformat.read(autograded, as_version=4), release, student)
    truncate_outputs(nb)
    explain_timeouts(nb, task["cell_timeout"])
    nbformat.write(nb, autograded)
    feedback = api.generate_feedback(chapter, student_id, force=True)
    html = course / "feedback" / student_id / chapter / f"{chapter}.html"
    if not feedback["success"] or not html.is_file():
        raise GradingFailure("feedback could not be generated: "
                             + summarize_failure(feedback.get("error", "") + feedback.get("log", "")))
    # The page is copied to feedback/<student>/<chapter>.html, beside feedback/_mathjax/.
    html.write_text(use_local_mathjax(html.read_text(encoding="utf-8"), "../_mathjax"), encoding="utf-8")
    return {"ok": True, "autograded": str(autograded), "feedback": str(html), "cells": cell_results(nb)}


def summarize_failure(log: str) -> str:
    """The most telling line of an nbgrader failure log."""
    patterns = [r"DeadKernelError[^\n]*", r"Kernel died[^\n]*", r"MemoryError[^\n]*",
                r"CellTimeoutError[^\n]*", r"SchemaError[^\n]*", r"ValidationError[^\n]*",
                r"NotJSONError[^\n]*", r"NbGraderException: [^\n]*", r"\[ERROR\] [^\n]*"]
    for pattern in patterns:
        found = re.search(pattern, log)
        if found:
            return found.group(0).strip()[:300]
    lines = [line for line in log.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "nbgrader failed without a message")[:300]


def die_with_parent(parent: int | None) -> None:
    """Be killed when the grading command (process ``parent``) dies: a worker left over from a
    killed run would go on writing into the course while the next run grades the same
    submission."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    # The grader may have died before prctl took effect (the signal then never comes): the
    # parent is no longer the one that started this worker.
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    task_path = Path(argv[0])
    task = json.loads(task_path.read_text())
    die_with_parent(task.get("grader_pid"))
    for var in THREAD_VARS:  # one BLAS thread per worker: --jobs sets the parallelism
        os.environ[var] = "1"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["PYTHONHASHSEED"] = "0"
    ensure_venv_bin_on_path()
    limit_resources(task["memory_mb"], task["max_file_mb"])
    try:
        result = run(task)
    except GradingFailure as exc:
        result = {"ok": False, "grading_failure": True, "reason": str(exc)}
    except MemoryError:
        result = {"ok": False, "reason": f"ran out of memory (limit {task['memory_mb']} MB)"}
    except Exception as exc:  # a report line, never a crash of the batch
        result = {"ok": False, "reason": f"{type(exc).__name__}: {first_line(str(exc))}"}
    (task_path.parent / "result.json").write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
