"""Faults at the sandbox boundary, made to happen on purpose.

An honest notebook was once zeroed, about 2 % of the time under load, with a message
saying it had crashed: the grader connected to the sandbox's socket in the instant between
``bind()`` (the socket file appears) and ``listen()`` (it accepts connections), got
"connection refused", and took that for a dead notebook. These tests open that window
wide and check that (1) the socket now appears only once it listens, (2) a sandbox that
cannot be reached while it still runs is never blamed on the submission but started
afresh, and (3) a death is blamed only with evidence: an exit status, or the same death
twice in a row.
"""
import socket
import subprocess
import sys
import threading
import time

import pytest

from autograder import jail
from autograder.jail import (
    Limits,
    NotebookEnded,
    Sandbox,
    SandboxDied,
    SandboxLost,
    start_ready,
)
from autograder.sandbox import publish_socket


def test_socket_appears_only_once_it_listens(tmp_path, monkeypatch):
    """A 0.5 s pause between bind() and listen(): nobody may see the path in that time."""
    path = tmp_path / "sock"
    listening = threading.Event()
    real_listen = socket.socket.listen

    def slow_listen(self, *args):
        time.sleep(0.5)
        real_listen(self, *args)
        listening.set()

    monkeypatch.setattr(socket.socket, "listen", slow_listen)
    seen_early = []

    def watch():
        while not listening.is_set():
            if path.exists() and not listening.is_set():
                seen_early.append(time.monotonic())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    listener = publish_socket(path)
    watcher.join()
    try:
        assert not seen_early, "the socket path existed before it accepted connections"
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(str(path))   # must not be refused
        client.close()
    finally:
        listener.close()


# A stand-in for the sandbox process, in the old order: the socket file exists at once, but
# the process listens only after a pause (or never), as a slow start under load would.
SLOW_SERVER = r'''
import json, socket, struct, sys, time
path, pause = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
time.sleep(pause)
s.listen(2)
conn, _ = s.accept()
header = json.dumps({"op": "ready", "errors": [], "events": []}).encode()
conn.sendall(struct.pack("!Q", 1) + struct.pack("!Q", len(header)) + header)
time.sleep(30)
'''


class RefusingAtFirst(Sandbox):
    """The first start listens after ``pause`` s; later starts are real sandboxes."""
    starts = 0
    pause = 60.0

    def start(self):
        type(self).starts += 1
        if type(self).starts > 1 and self.pause < 60:
            return super().start()
        self.proc = subprocess.Popen([sys.executable, "-c", SLOW_SERVER, str(self.socket_path()), str(self.pause)],
                                     start_new_session=True)
        while not self.socket_path().exists():
            time.sleep(0.01)


@pytest.fixture
def refusing(monkeypatch):
    RefusingAtFirst.starts = 0
    monkeypatch.setattr(jail, "Sandbox", RefusingAtFirst)
    return RefusingAtFirst


def test_connection_refused_while_running_is_retried_not_blamed(refusing):
    refusing.pause = 5.0   # the first sandbox would refuse for 5 s: the grader starts another one
    sandbox, channel, ready = start_ready(["x = 1"], Limits(), setup_timeout=60)
    try:
        assert refusing.starts == 2
        assert ready["op"] == "ready"
    finally:
        channel.close()
        sandbox.stop()


def test_sandbox_that_is_always_lost_is_a_grading_failure(refusing):
    refusing.pause = 60.0   # never reachable in time: every attempt is lost without a cause
    with pytest.raises(SandboxLost):
        start_ready(["x = 1"], Limits(), setup_timeout=20, attempts=2)
    assert refusing.starts == 2


def test_exit_status_is_evidence_and_names_the_cell():
    with pytest.raises(NotebookEnded) as info:
        start_ready(["x = 1", "import os\nos._exit(3)"], Limits(), setup_timeout=60)
    message = str(info.value)
    assert "exit code 3" in message and "code cell 2" in message


def test_a_signal_is_blamed_only_when_it_happens_twice():
    starts = []
    with pytest.raises(NotebookEnded) as info:
        start_ready(["import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"], Limits(), setup_timeout=60,
                    started=starts.append)
    assert len(starts) == 2, "a death by a signal must be retried once before it is blamed"
    assert "SIGKILL" in str(info.value) and "twice in a row" in str(info.value)


def test_a_signal_that_does_not_repeat_is_forgotten(tmp_path):
    """The first sandbox is killed from outside (as the machine might); the second one runs."""
    starts = []

    def kill_first(sandbox):
        starts.append(sandbox)
        if len(starts) == 1:
            threading.Timer(0.3, lambda: sandbox.proc.kill()).start()

    sandbox, channel, _ = start_ready(["import time\ntime.sleep(2)"], Limits(), setup_timeout=60, started=kill_first)
    try:
        assert len(starts) == 2
    finally:
        channel.close()
        sandbox.stop()


def test_died_explains_exit_status():
    assert "exit code 3" in SandboxDied(3, "cell 7").explain()
    assert "code cell 7" in SandboxDied(3, "cell 7").explain()
    assert "during a call to sigmoid()" in SandboxDied(137, "call sigmoid").explain()
    assert "CPU-time limit of 600 s" in SandboxDied(128 + 24, "cell 1", Limits(cpu_seconds=600)).explain()
    assert SandboxDied(3).attributable and SandboxDied(128 + 24).attributable
    assert not SandboxDied(137).attributable and not SandboxDied(128 + 11).attributable


def test_trace_names_the_running_call(tmp_path):
    """A sandbox that dies during a call says which function was running."""
    sandbox, channel, _ = start_ready(["def boom():\n    import os\n    os._exit(5)"], Limits(), setup_timeout=60)
    try:
        channel.send({"op": "call", "name": "boom", "args": {"$": "tuple", "items": []},
                      "kwargs": {"$": "tuple", "items": []}, "errstate": {}}, [])
        with pytest.raises(EOFError):
            channel.recv(timeout=30)
        death = sandbox.loss()
        assert isinstance(death, SandboxDied)
        assert "exit code 5" in death.explain() and "boom()" in death.explain()
    finally:
        channel.close()
        sandbox.stop()


def test_only_the_part_of_a_path_below_the_repository_makes_it_secret(monkeypatch):
    """A repository or virtual environment whose own path holds "feedback" or "solutions" does not
    make every import suspect; the solutions, the catalog and the course workspace still are."""
    from autograder import sandbox

    monkeypatch.setattr(sandbox, "REPOSITORY", "/home/prof/feedback-solutions")
    monkeypatch.setattr(sandbox, "INTERPRETER_TREES", ("/home/prof/feedback-solutions/.venv/", "/usr/lib/python3/"))
    venv = "/home/prof/feedback-solutions/.venv/lib/python3.11/site-packages"
    for honest in (f"{venv}/numpy/__init__.py", "/usr/lib/python3/json/__init__.py",
                   "/home/prof/feedback-solutions/autograder/checks.py", "/tmp/scratch.npy"):
        assert not sandbox.is_secret(honest), honest
    for secret in ("/home/prof/feedback-solutions/solutions/reference/mse_sigmoid.py",
                   "/home/prof/feedback-solutions/catalogs/ch01.py",
                   "/home/prof/feedback-solutions/course/gradebook.db",
                   "/home/prof/feedback-solutions/course/feedback/alice/01.html",
                   f"{venv}/reference/mse_sigmoid.py",
                   "/srv/course/autograded/bob/01/01.ipynb", "/srv/grades.csv"):
        assert sandbox.is_secret(secret), secret
