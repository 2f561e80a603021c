"""The course workspace as nbgrader sees it, and ``autograder formgrader``.

``write_nbgrader_config`` writes ``COURSE/nbgrader_config.py`` (every grading run does):
the gradebook, the feedback preprocessors that cut hidden tests (so that nbgrader's own
``generate_feedback`` is safe in the workspace too) and an export file name that does not
overwrite the kit's ``grades.csv``.

``serve`` starts a Jupyter server on the workspace, bound to localhost, with a token and
without terminals; nbgrader's formgrader lives at ``/formgrader`` on it. Written answers
were sanitized when they were graded (``autograder.sanitize``).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from .feedback import FEEDBACK_PREPROCESSORS

CONFIG = "nbgrader_config.py"
COURSE_ID = "backprop-by-hand"
EXPORT = "nbgrader-export.csv"


def write_nbgrader_config(course: Path, db_url: str) -> Path:
    course = Path(course).resolve()
    (course / "exchange").mkdir(parents=True, exist_ok=True)   # formgrader wants it, even unused
    path = course / CONFIG
    text = (
        "# Written by `autograder` for this course workspace; it is rewritten by every grading run.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {db_url!r}\n"
        f"c.Exchange.root = {str(course / 'exchange')!r}\n"
        "# Feedback never shows hidden tests, and renders the book's markup.\n"
        f"c.GenerateFeedback.preprocessors = {FEEDBACK_PREPROCESSORS!r}\n"
        "# `nbgrader export` must not overwrite the kit's grades.csv.\n"
        f"c.CsvExportPlugin.to = {EXPORT!r}\n"
    )
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(course: Path, port: int, token: str) -> list[str]:
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    return [jupyter, "server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--ServerApp.root_dir={course}", f"--IdentityProvider.token={token}",
            "--ServerApp.terminals_enabled=False", "--ServerApp.allow_remote_access=False",
            "--ServerApp.open_browser=False"] + (["--allow-root"] if os.geteuid() == 0 else [])


def wait_until_ready(proc: subprocess.Popen, port: int, token: str, timeout: float = 60) -> None:
    """Return once the server answers; raise if it ends or does not answer in ``timeout`` s."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Jupyter server ended at once (exit code {proc.returncode}); see its log above")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"the Jupyter server did not answer on port {port} within {timeout:g} s")


def serve(course: Path, db_url: str | None = None, port: int | None = None, token: str | None = None,
          wait: bool = True, log=print, log_file=None) -> tuple[subprocess.Popen, str]:
    """Start the server; return it and the formgrader's URL (with the token). ``log_file``: where
    the server's own log goes (default: this terminal)."""
    course = Path(course).resolve()
    if not (course / "gradebook.db").is_file() and db_url is None:
        raise FileNotFoundError(f"{course}: no gradebook.db here; run `autograder grade` with this --course first")
    write_nbgrader_config(course, db_url or f"sqlite:///{course / 'gradebook.db'}")
    port = port or free_port()
    token = token or secrets.token_hex(24)
    proc = subprocess.Popen(server_command(course, port, token), cwd=course, stdin=subprocess.DEVNULL,
                            stdout=log_file, stderr=subprocess.STDOUT if log_file else None)
    wait_until_ready(proc, port, token)
    url = f"http://127.0.0.1:{port}/formgrader?token={token}"
    log(f"formgrader: {url}\n(only this machine can reach it; stop it with Ctrl-C)")
    if wait:
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
    return proc, url
