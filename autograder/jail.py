"""Start the student's side (``autograder.sandbox``) where it can reach nothing of the grader's.

With bubblewrap (``bwrap``) and root, the process runs:

- in new PID, network, IPC and UTS namespaces: it sees no other process and no network;
- in a filesystem made of read-only binds of the system, the Python installation and the
  ``autograder`` package (the reference package, the seeded-bug catalogs, the instructor
  notebooks, the course and every other submission do not exist there), a
  private ``/tmp`` and its own folder, which holds the socket and the submission's cells;
- as an unprivileged user id of its own, with no capabilities and ``no_new_privs``;
- under resource limits: address space, CPU time, file size, open files and processes.

Without bwrap or root it is an ordinary child process with a scrubbed environment and the
same resource limits, which does not hide files: ``isolation()`` says which one is in use.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .wire import Channel

STRONG, WEAK = "bwrap", "process"
UID_BASE = 100_000


@dataclass
class Limits:
    memory_mb: int = 4096
    cpu_seconds: int = 600
    max_file_mb: int = 64
    processes: int = 64
    cell_timeout: float = 120


def clean_environment() -> dict:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib", "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1"}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = "1"
    for var, value in os.environ.items():
        if var.startswith("BACKPROP_") and var.endswith("_DIR"):
            env[var] = value
    return env


def data_folders() -> list[Path]:
    """Public data the chapters read, which the sandbox may see (read-only)."""
    from .data import cache_dir

    folders = [cache_dir()]
    folders += [Path(v) for k, v in os.environ.items() if k.startswith("BACKPROP_") and k.endswith("_DIR")]
    return [f.resolve() for f in folders if f.is_dir()]


def hidden_folders() -> list[Path]:
    """Folders inside the visible tree that must not be visible: answers and their variants."""
    hidden = []
    spec = importlib.util.find_spec("reference")
    if spec is not None and spec.origin:
        hidden.append(Path(spec.origin).resolve().parent)
    return hidden


def python_folders() -> list[Path]:
    """What the interpreter needs: its installation and the virtual environment."""
    folders = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
               Path(sys.executable).resolve().parent.parent}
    return sorted(folders)


def bwrap_command(home: Path, uid: int, python: list[str]) -> list[str]:
    cmd = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
           "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    for var, value in clean_environment().items():
        cmd += ["--setenv", var, value]
    # The private /tmp first: the installation may live under /tmp (a fresh clone), and its
    # binds must land on top of it, not under it.
    cmd += ["--perms", "1777", "--size", str(256 << 20), "--tmpfs", "/tmp",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            cmd += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            cmd += ["--ro-bind", str(target), str(target)]
    made: set[Path] = {Path("/"), Path("/usr"), Path("/etc"), Path("/tmp")}

    def parents(path: Path) -> list[str]:
        out = []
        for parent in reversed(path.parents):
            if parent not in made:
                made.add(parent)
                out += ["--perms", "0755", "--dir", str(parent)]
        return out

    package = Path(__file__).resolve().parent
    visible = [*python_folders(), package, *data_folders()]
    for folder in visible:
        if folder == Path("/usr") or Path("/usr") in folder.parents:
            continue
        cmd += parents(folder) + ["--ro-bind", str(folder), str(folder)]
        made.add(folder)
    for folder in hidden_folders():
        if folder.is_dir() and any(folder == v or v in folder.parents for v in visible + [Path("/usr")]):
            cmd += ["--tmpfs", str(folder)]
    cmd += ["--dev", "/dev", "--perms", "1777", "--size", str(64 << 20), "--tmpfs", "/dev/shm", "--proc", "/proc",
            "--bind", str(home), "/ipc", "--chdir", "/ipc"]
    cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
            "--inh-caps=-all", "--bounding-set=-all", "--", *python]
    return cmd


@functools.lru_cache(maxsize=1)
def isolation() -> str:
    """``"bwrap"`` when the strong sandbox works on this machine, else ``"process"``.

    The probe starts the very jail a submission gets and imports NumPy in it.
    """
    if os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("bwrap", "setpriv", "prlimit")):
        return WEAK
    home = Path(tempfile.mkdtemp(prefix="bbh-probe-"))
    try:
        uid = UID_BASE + os.getpid()
        os.chown(home, uid, uid)
        cmd = limit_command(Limits()) + bwrap_command(home, uid, [sys.executable, "-I", "-c", "import numpy"])
        ok = subprocess.run(cmd, env=clean_environment(), cwd="/", stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return STRONG if ok else WEAK


def limit_command(limits: Limits) -> list[str]:
    """``prlimit`` in front of the command: no ``preexec_fn``, which can deadlock when the
    launcher has threads (a Jupyter kernel does)."""
    # CPU: the soft limit sends SIGXCPU, which says why the process ended; SIGKILL follows later.
    values = {"as": limits.memory_mb << 20, "cpu": f"{int(limits.cpu_seconds)}:{int(limits.cpu_seconds) + 5}",
              "fsize": limits.max_file_mb << 20,
              "nofile": 256, "nproc": limits.processes, "core": 0}
    return ["prlimit", *[f"--{name}={value}" for name, value in values.items()], "--"]


class Sandbox:
    """One running student process: start it, connect to it, stop it."""

    def __init__(self, cells: list[str], limits: Limits):
        # A short path of its own: a Unix socket's path may not be longer than 107 bytes.
        self.home = Path(tempfile.mkdtemp(prefix="bbh-sandbox-"))
        self.cells, self.limits = cells, limits
        self.proc: subprocess.Popen | None = None
        self.isolation = isolation()

    def start(self) -> None:
        (self.home / "cells.json").write_text(json.dumps({"cells": self.cells,
                                                          "cell_timeout": self.limits.cell_timeout}))
        python = [sys.executable, "-I", "-m", "autograder.sandbox"]
        if self.isolation == STRONG:
            uid = UID_BASE + os.getpid()   # unique among live sandboxes: one sandbox per launcher
            os.chown(self.home, uid, uid)
            os.chmod(self.home, 0o700)
            os.chown(self.home / "cells.json", uid, uid)
            cmd, env, cwd = bwrap_command(self.home, uid, python + ["/ipc"]), clean_environment(), "/"
        else:
            cmd, env, cwd = python + [str(self.home)], clean_environment(), str(self.home)
            env["PATH"] = os.environ.get("PATH", env["PATH"])
            env["HOME"] = env["MPLCONFIGDIR"] = str(self.home)
        cmd = limit_command(self.limits) + cmd
        # Until it listens, only the grader's code runs there: what it prints explains a failure
        # to start. Then it sends its output to /dev/null.
        with open(self.home / "startup.log", "wb") as stderr:
            self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)

    def socket_path(self) -> Path:
        return self.home / "sock"

    def connect(self, timeout: float) -> tuple[Channel, dict]:
        """Wait until the cells have run; return the connection and the ``ready`` message.

        Raises ``SandboxDied`` if the process ends first, ``TimeoutError`` after ``timeout`` s.
        """
        deadline = time.monotonic() + timeout
        while not self.socket_path().exists():
            if self.proc.poll() is not None:
                log = (self.home / "startup.log").read_text(errors="replace").strip().splitlines()
                raise SandboxFailed(f"exit code {self.proc.returncode}: {log[-1][:300] if log else 'no message'}")
            if time.monotonic() > deadline:
                raise TimeoutError
            time.sleep(0.02)
        try:
            return handshake(self.socket_path(), max(0.1, deadline - time.monotonic()))
        except SandboxDied:
            raise self.loss() from None

    def loss(self) -> "SandboxDied | SandboxLost":
        """Why the connection was lost: the process ended (``SandboxDied``, with its exit status
        and the last step it began), or it still runs (``SandboxLost``: nothing points at the
        submission)."""
        try:
            returncode = self.proc.wait(timeout=5)   # a dying process may take a while on a busy machine
        except subprocess.TimeoutExpired:
            return SandboxLost("the connection to the process running the submission was lost while it still ran")
        return SandboxDied(returncode, last_step(self.home), self.limits)

    def exit_status(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        """Kill the process and everything it started."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc = None   # stopping twice must not signal a process group that reused the pid
        if self.isolation == WEAK:
            kill_processes_in(self.home)
        shutil.rmtree(self.home, ignore_errors=True)


def handshake(path: Path, timeout: float) -> tuple[Channel, dict]:
    """Connect to a sandbox's socket and read its ``ready`` message (``SandboxDied`` if it is gone)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        raise SandboxDied(None) from None
    channel = Channel(sock)
    try:
        header, _ = channel.recv(timeout=timeout)
    except EOFError:
        channel.close()
        raise SandboxDied(None) from None
    except TimeoutError:
        channel.close()
        raise
    if header.get("op") != "ready":
        channel.close()
        raise SandboxDied(None)
    return channel, header


def kill_processes_in(home: Path) -> None:
    """Kill every process whose working directory is inside ``home``: a sandbox's children that
    left its session (without namespaces), or what a killed grading run left in its scratch folder."""
    try:
        import psutil
    except ImportError:
        return
    for proc in psutil.process_iter(["cwd"]):
        try:
            if proc.info["cwd"] and Path(proc.info["cwd"]).is_relative_to(home):
                proc.kill()
        except (psutil.Error, OSError):
            pass


def note_recovery(log: Path, text: str) -> None:
    """Append to ``log`` (a JSON line per entry) that a sandbox was lost without a cause and
    replaced: the soak counts these, and the report lists them."""
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(text[:300]) + "\n")


class SandboxFailed(RuntimeError):
    """The sandbox did not start at all: a problem of the grading machine, not the submission."""

    def __init__(self, detail: str):
        super().__init__(f"the sandbox for student code could not be started ({detail})")


class SandboxLost(RuntimeError):
    """The sandbox could not be reached for a reason nothing in the submission explains."""


class SandboxDied(RuntimeError):
    """The process running the submission ended by itself.

    ``returncode`` is bwrap's (or the plain process's) exit status: 128 + n for signal n;
    ``step`` is the last line of the sandbox's trace (``"cell 7"``, ``"call sigmoid"``).
    """

    def __init__(self, returncode, step: str = "", limits: Limits | None = None):
        self.returncode, self.step, self.limits = returncode, step, limits
        super().__init__(self.explain())

    @property
    def signal(self) -> int | None:
        code = self.returncode
        if code is None:
            return None
        if code < 0:
            return -code
        return code - 128 if code > 128 else None

    @property
    def attributable(self) -> bool:
        """Whether the exit itself shows the submission's doing: only the code asks Python to exit
        with a status, and the CPU-time limit is the submission's own use. A signal such as
        SIGKILL or SIGSEGV may come from the machine, so it counts only when it happens twice."""
        return self.signal is None and self.returncode is not None or self.signal == signal.SIGXCPU

    def same_as(self, other: "SandboxDied") -> bool:
        return (self.returncode, self.step) == (other.returncode, other.step)

    def where(self) -> str:
        kind, _, what = self.step.partition(" ")
        if kind == "cell" and what:
            return f" while code cell {what} of your notebook ran"
        if kind == "call" and what:
            return f" during a call to {what}()"
        return ""

    def explain(self) -> str:
        sig = self.signal
        if sig == signal.SIGXCPU and self.limits is not None:
            why = f"the CPU-time limit of {self.limits.cpu_seconds:g} s was reached"
        elif sig is not None:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            why = f"the process was killed by {name}"
        elif self.returncode is not None:
            why = f"your code ended the process with exit code {self.returncode} (os._exit, or sys.exit in a thread)"
        else:
            why = "the process ended"
        return why + self.where()


def last_step(home: Path) -> str:
    """The last step the sandbox's trace records (see ``autograder.sandbox.trace``)."""
    try:
        lines = (home / "trace").read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""


class CellsTimedOut(TimeoutError):
    """The submission's cells did not finish within the setup time."""


class NotebookEnded(RuntimeError):
    """The submission's code ended the process that runs it, with evidence (see ``SandboxDied``)."""


def start_ready(cells: list[str], limits: Limits, setup_timeout: float, attempts: int = 3, started=None):
    """Start a sandbox and wait until the submission's cells have run: ``(sandbox, channel, ready)``.

    A loss that nothing in the submission explains is retried in a fresh sandbox, ``attempts``
    times at most. Raises ``CellsTimedOut``; ``NotebookEnded`` when the process ended by the
    submission's doing (an exit status, the CPU limit, or the same death twice in a row);
    ``SandboxFailed`` when no sandbox starts at all; ``SandboxLost`` when every attempt was lost
    without a cause in the submission. ``started(sandbox)`` is called after each start.
    """
    deaths: list[SandboxDied] = []
    for _ in range(attempts):
        sandbox = Sandbox(cells, limits)
        sandbox.start()
        if started is not None:
            started(sandbox)
        try:
            channel, ready = sandbox.connect(setup_timeout)
            return sandbox, channel, ready
        except TimeoutError:
            sandbox.stop()
            raise CellsTimedOut from None
        except SandboxDied as death:
            sandbox.stop()
            if death.attributable or any(death.same_as(d) for d in deaths):
                raise NotebookEnded(death.explain() + (", twice in a row" if deaths else "")) from None
            deaths.append(death)
        except (SandboxLost, SandboxFailed):
            sandbox.stop()
            if _ == attempts - 1:
                raise
    raise SandboxLost(f"the process running the submission ended {len(deaths)} times without a cause "
                      f"in the submission ({'; '.join(d.explain() for d in deaths)})")
