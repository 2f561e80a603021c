"""The student's side: run a submission's code cells, then answer calls to its functions.

``python -I -m autograder.sandbox DIR`` runs inside the jail that ``autograder.jail``
builds. ``DIR/cells.json`` holds the submission's code cells (the test cells left out);
the process runs them in an IPython shell, then listens on ``DIR/sock`` and serves one
connection at a time. Each connection starts with a ``ready`` message (which cells
failed, what the code tried that the grader watches for), then repeats::

    tests -> call(name, args, kwargs, errstate)
             [student -> callback(handle, args) ; tests -> result | error]*
    student -> return(value) | raise(exception)

Only plain data crosses (``autograder.wire``). Nothing here is trusted by the tests: the
student's code can change anything in this process, and it only changes what its own
functions return.
"""
from __future__ import annotations

import json
import os
import re
import resource
import signal
import socket
import sys
import warnings
from pathlib import Path

# Everything the server needs is imported here, before the submission's cells run: after
# them, an import goes through whatever import hook the submission installed.
import numpy as np

from .wire import WARNINGS, Channel, Codec, WireError, describe_exception, rebuild_exception

MAX_EVENTS = 40
ALLOWED_IMPORTS = ("autograder", "autograder.checks", "autograder.contract", "autograder.data", "autograder.paths")
# ctypes is not watched: libraries import parts of it lazily (the source scan notices a student's own use)
WATCHED_IMPORTS = ("reference", "nbgrader", "autograder")
SECRET_PATH = re.compile(r"solutions|gradebook|autograded|feedback|/source/|/catalogs/|grades\.csv|cells\.csv|\.ipynb$")
INSTALLED_SECRET = re.compile(r"/site-packages/reference/")  # a non-editable install
REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The interpreter and the virtual environment hold no secrets: every import reads them.
INTERPRETER_TREES = tuple(sorted({os.path.join(os.path.abspath(p), "") for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}))


def is_secret(absolute: str) -> bool:
    """Whether ``absolute`` is where solutions, hidden tests or grades may be. Only the part
    below the repository counts, so that a repository or virtual environment whose own
    path holds a word such as "feedback" or "solutions" does not make every import suspect."""
    if absolute.startswith(INTERPRETER_TREES):
        return bool(INSTALLED_SECRET.search(absolute))
    if absolute.startswith(os.path.join(REPOSITORY, "")):
        absolute = absolute[len(REPOSITORY):]
    return bool(SECRET_PATH.search(absolute))
WRITABLE = ("/tmp", "/ipc", "/dev/null")


class CellTimeout(Exception):
    """A cell of the submission ran longer than the time limit of a cell."""


class Watcher:
    """An audit hook (PEP 578: it cannot be removed) noting what the code tries."""

    def __init__(self, home: str):
        self.home = home
        self.events: list[str] = []
        self.sent = 0

    def note(self, text: str) -> None:
        if text not in self.events and len(self.events) < MAX_EVENTS:
            self.events.append(text)

    def __call__(self, event: str, args) -> None:
        try:
            if event == "import":
                name = str(args[0])
                if name.split(".")[0] in WATCHED_IMPORTS and name not in ALLOWED_IMPORTS:
                    self.note(f"imported {name}")
            elif event == "open" and args and isinstance(args[0], (str, bytes)):
                path = os.fsdecode(args[0])
                mode = str(args[1] or "r") if len(args) > 1 else "r"
                flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
                writing = any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR)
                absolute = os.path.abspath(path)
                if is_secret(absolute) and not absolute.startswith(self.home):
                    self.note(f"opened {path}")
                elif writing and not absolute.startswith(WRITABLE + (self.home,)):
                    self.note(f"tried to write {path}")
            elif event in ("os.kill", "os.killpg"):
                self.note(f"sent signal {args[1]} to process {args[0]}")
            elif event in ("os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec",
                           "subprocess.Popen", "os.system"):
                self.note(f"started a process ({event})")
            elif event in ("sys.addaudithook", "sys.settrace", "sys.setprofile"):
                self.note(f"called {event}")
            elif event in ("socket.connect", "socket.bind"):
                self.note(f"opened a network connection ({event})")
        except Exception:  # the hook must never break the code it watches
            pass

    def new_events(self) -> list[str]:
        new = self.events[self.sent:]
        self.sent = len(self.events)
        return new


def memory_limit_mb() -> str:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return "?" if soft == resource.RLIM_INFINITY else f"{soft >> 20}"


def make_shell():
    """An IPython shell that understands the chapters' magics but draws nothing."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="NoColor")
    try:
        from matplotlib_inline.config import InlineBackend
        shell.configurables.append(InlineBackend.instance(parent=shell))
    except ImportError:
        pass

    def close_figures(*_):
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    shell.events.register("post_run_cell", close_figures)
    return shell


def run_cells(shell, cells: list[str], cell_timeout: float, home: Path | None = None) -> list[str]:
    """Run each cell; return one line per cell that failed."""
    errors = []

    def stop(*_):
        raise CellTimeout(f"the cell ran longer than {cell_timeout:g} s")

    signal.signal(signal.SIGALRM, stop)
    for number, source in enumerate(cells, start=1):
        if home is not None:
            trace(home, f"cell {number}")
        signal.setitimer(signal.ITIMER_REAL, cell_timeout)
        try:
            result = shell.run_cell(source, store_history=False)
        except BaseException as exc:  # SystemExit and the like, raised outside IPython's guard
            errors.append(f"code cell {number}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        failure = result.error_before_exec or result.error_in_exec
        if failure is not None:
            errors.append(f"code cell {number}: {type(failure).__name__}: {str(failure)[:200]}")
    return errors


class Server:
    def __init__(self, shell, watcher: Watcher, ready: dict):
        self.shell, self.watcher, self.ready = shell, watcher, ready

    def serve(self, channel) -> None:
        channel.send({"op": "ready", **self.ready, "events": self.watcher.events}, [])
        self.watcher.sent = len(self.watcher.events)
        while True:
            try:
                header, buffers = channel.recv()
            except (EOFError, OSError, WireError):
                return
            if header.get("op") == "call":
                self.call(channel, header, buffers)
            else:
                return

    def call(self, channel, header: dict, buffers: list) -> None:
        codec = Codec(allow_functions=False)
        name = str(header.get("name", ""))

        def stub(handle):
            def callback(*args, **kwargs):
                out: list = []
                message = {"op": "callback", "h": handle, "args": codec.encode(tuple(args), out),
                           "kwargs": codec.encode(tuple(kwargs.items()), out)}
                message["changes"] = codec.changes(out)
                channel.send(message, out)
                reply, bufs = channel.recv()
                codec.apply(reply.get("changes", []), bufs)
                if reply.get("op") == "result":
                    return codec.decode(reply.get("value"), bufs)
                raise rebuild_exception(reply.get("error"))
            callback.__name__ = f"f{handle}"
            return callback

        codec.make_stub = stub
        caught: list = []
        try:
            args = codec.decode(header.get("args"), buffers)
            pairs = codec.decode(header.get("kwargs"), buffers)
            if not isinstance(args, tuple) or not isinstance(pairs, tuple):
                raise WireError("malformed call arguments")
            kwargs = {str(k): v for k, v in pairs}
            fn = self.shell.user_ns.get(name)
            if fn is None:
                raise NameError(f"name '{name}' is not defined: your notebook must define {name}() "
                                "(was its cell deleted, or the function renamed?)")
            if not callable(fn):
                raise TypeError(f"{name} is a {type(fn).__name__}, not a function: did you overwrite its name?")
            errstate = {k: v for k, v in (header.get("errstate") or {}).items()
                        if k in ("over", "under", "divide", "invalid")
                        and v in ("ignore", "warn", "raise", "call", "print", "log")}
            trace(Path(self.watcher.home), f"call {name}")
            with warnings.catch_warnings(record=True) as caught, np.errstate(**errstate):
                warnings.simplefilter("always")
                result = fn(*args, **kwargs)
                out: list = []
                value = codec.encode(result, out)
        except BaseException as exc:  # noqa: BLE001 -- everything the student's code raises goes back
            if isinstance(exc, WireError):
                exc = TypeError(f"{name} returned {exc}")
            elif isinstance(exc, MemoryError):
                exc = MemoryError(f"{name}() reached the memory limit of {memory_limit_mb()} MB")
            out = []
            reply = {"op": "raise", "error": describe_exception(exc)}
        else:
            reply = {"op": "return", "value": value}
        try:
            reply["changes"] = codec.changes(out)
        except BaseException as exc:  # noqa: BLE001
            out, reply = [], {"op": "raise", "error": describe_exception(exc), "changes": []}
        reply["warnings"] = [[w.category.__name__ if w.category.__name__ in WARNINGS else "UserWarning",
                              str(w.message)[:300]] for w in caught[:20]]
        reply["events"] = self.watcher.new_events()
        channel.send(reply, out)


def publish_socket(path: Path, backlog: int = 2) -> socket.socket:
    """Listen on ``path``, which appears only once connections are accepted.

    The grader waits for the path to exist and then connects. A socket file exists from
    ``bind()`` on, but refuses connections until ``listen()``; binding under a temporary
    name and renaming it after ``listen()`` closes that window (an honest notebook was
    once zeroed when the grader connected between the two calls).
    """
    staging = path.with_name(path.name + ".new")
    staging.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(staging))
    listener.listen(backlog)
    os.rename(staging, path)
    return listener


def trace(home: Path, text: str) -> None:
    """One line in ``home/trace``: which cell ran last, for the grader's report if the process dies.

    The student's code can write there too, so the grader reads it only to name the cell in a
    message, never to decide whom to blame."""
    try:
        with open(home / "trace", "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    except OSError:
        pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    home = Path(argv[0]).resolve()
    spec = json.loads((home / "cells.json").read_text())
    # Loaded before the watcher starts, so that a library using them lazily raises no flag.
    import subprocess  # noqa: F401

    import matplotlib.pyplot  # noqa: F401  (builds its font cache with a subprocess)

    listener = publish_socket(home / "sock")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    watcher = Watcher(str(home))
    sys.addaudithook(watcher)
    shell = make_shell()
    errors = run_cells(shell, spec["cells"], float(spec["cell_timeout"]), home)
    trace(home, "ready")
    server = Server(shell, watcher, {"errors": errors})
    while True:
        conn, _ = listener.accept()
        channel = Channel(conn)
        try:
            server.serve(channel)
        finally:
            channel.close()


if __name__ == "__main__":
    sys.exit(main())
