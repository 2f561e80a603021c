"""Shared fixtures: the released student edition, the built book, and the chapter list."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.paths import chapter_ids  # noqa: E402

CHAPTERS = chapter_ids()


@pytest.fixture(scope="session")
def released(tmp_path_factory):
    """A fresh release of every chapter (this executes every instructor notebook)."""
    from autograder.release import release

    out = tmp_path_factory.mktemp("release")
    release(CHAPTERS, out_root=out / "chapters", jobs=2, log=lambda *_: None, instructor_root=out / "solutions")
    return out / "chapters"


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    """The HTML book built from the committed chapters/ with warnings as errors."""
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).parent / "jupyter-book"
    proc = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "--warningiserror",
                           "--keep-going"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"book build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return out / "_build" / "html"


# A process that a test module leaves running slows every later test down, and could keep the
# run from ending: each module's leftovers are stopped and named at the end of the run.
LEFTOVERS: list[str] = []
RUN_MARKER = "BBH_TEST_RUN"
os.environ[RUN_MARKER] = f"{os.getpid()}-{time.time()}"   # inherited by what the tests start


def started_by_tests(proc, basetemp: str) -> bool:
    """Whether ``proc`` was started by this test run: it inherited this run's marker variable,
    or (a sandbox, whose environment is scrubbed) it runs in or names this run's temporary folder."""
    try:
        if proc.environ().get(RUN_MARKER) == os.environ[RUN_MARKER]:
            return True
        return basetemp in proc.cwd() or any(basetemp in part for part in proc.cmdline())
    except Exception:  # gone, a zombie, or not ours to read
        return False


def is_multiprocessing_helper(proc) -> bool:
    """The resource tracker or fork server that multiprocessing starts once for the test run."""
    try:
        return any("multiprocessing.resource_tracker" in part or "multiprocessing.forkserver" in part
                   for part in proc.cmdline())
    except Exception:
        return False


@pytest.fixture(scope="module", autouse=True)
def no_processes_left_running(request, tmp_path_factory):
    import psutil

    me = psutil.Process()
    basetemp = str(tmp_path_factory.getbasetemp()) + os.sep
    yield
    descendants = me.children(recursive=True)
    ours = {me.pid, *(p.pid for p in descendants)}
    found = [p for p in descendants if not is_multiprocessing_helper(p)]
    found += [p for p in psutil.process_iter() if p.pid not in ours and started_by_tests(p, basetemp)]
    for proc in found:
        try:
            LEFTOVERS.append(f"{request.module.__name__}: pid {proc.pid} {' '.join(proc.cmdline())[:160]}")
            proc.kill()
        except psutil.Error:
            pass


def pytest_terminal_summary(terminalreporter):
    if LEFTOVERS:
        terminalreporter.section("processes left running by a test module (stopped)")
        for line in LEFTOVERS:
            terminalreporter.line(line)
