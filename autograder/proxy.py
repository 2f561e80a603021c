"""The tests' side of the sandbox: stand-ins for the student's functions.

During grading, the notebook that nbgrader executes holds the instructor's test cells and,
where the student's solution cells were, lines such as::

    numerical_gradient = _sandbox.function("numerical_gradient")

Calling the stand-in sends the arguments to the student's process (``autograder.sandbox``)
and returns what the student's function returned, as plain data; in-place changes to the
arguments come back too (``autograder.wire``). The student's code never runs in the
tests' process, so it cannot touch the comparison tools, the hidden tests or the notebook.

When a call does not return in time, or the student's process dies, the process is
started afresh (its cells run again) for the next call, a few times at most.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np

from .jail import Limits, Sandbox, SandboxDied, SandboxFailed, handshake
from .wire import WARNINGS, Codec, WireError, describe_exception, rebuild_exception

ENV = "BBH_SANDBOX"
MAX_RESTARTS = 10


class Unavailable(AssertionError):
    """The student's functions cannot be called (the notebook did not run, or crashed)."""


class Client:
    def __init__(self, spec_path: Path):
        self.spec_path = Path(spec_path)
        spec = json.loads(self.spec_path.read_text())
        self.spec = spec
        self.events_path = Path(spec["events"])
        self.call_timeout = float(spec["call_timeout"])
        self.setup_timeout = float(spec["setup_timeout"])
        self.sandbox: Sandbox | None = None
        self.channel = None
        self.restarts = 0
        self.pending_restart = False
        self.worker_sandbox_stopped = False
        self.broken = spec.get("broken", "")   # the worker found the cells could not run

    # ----------------------------------------------------------------- connection

    def _record(self, events) -> None:
        """Append what the sandbox saw to the events file the worker reads."""
        if events:
            with open(self.events_path, "a", encoding="utf-8") as fh:
                fh.writelines(json.dumps({"text": str(event)[:300]}) + "\n" for event in events)

    def _connect(self) -> None:
        if self.channel is not None:
            return
        if self.broken:
            raise Unavailable(self.broken)
        if self.pending_restart:
            self._start_fresh()
        try:
            self.channel, ready = self._open(self.setup_timeout)
        except SandboxFailed as exc:
            self.broken = str(exc)
            raise Unavailable(self.broken) from None
        except (SandboxDied, TimeoutError, OSError, WireError, EOFError) as exc:
            self.broken = start_failure(exc, self.setup_timeout)
            raise Unavailable(self.broken) from None
        self._record(ready.get("events", []))

    def _open(self, timeout: float):
        if self.worker_sandbox_stopped:    # one this client started after a restart
            return self.sandbox.connect(timeout)
        return handshake(Path(self.spec["home"]) / "sock", timeout)   # the worker's: its cells have run

    def _restart(self, reason: str) -> None:
        """Kill the current process; the next call starts a fresh one (a few times at most)."""
        with interrupts_held():
            self.close()
            if not self.worker_sandbox_stopped:
                stop_by_pidfile(Path(self.spec["pidfile"]))
                self.worker_sandbox_stopped = True
            self.sandbox = None
            self.restarts += 1
            if self.restarts > MAX_RESTARTS:
                self.broken = (f"{reason}; after {MAX_RESTARTS} restarts of the process that runs your "
                               "code, the remaining tests were not run")
            else:
                self.pending_restart = True

    def _start_fresh(self) -> None:
        with interrupts_held():
            self.sandbox = Sandbox(json.loads(Path(self.spec["cells"]).read_text()), Limits(**self.spec["limits"]))
            self.sandbox.start()
            self.pending_restart = False

    def close(self) -> None:
        """Stop the process this client started (the worker stops its own)."""
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.sandbox is not None:
            self.sandbox.stop()

    # ----------------------------------------------------------------- calls

    def function(self, name: str):
        def stand_in(*args, **kwargs):
            return self.call(name, args, kwargs)
        stand_in.__name__ = stand_in.__qualname__ = name
        stand_in.__doc__ = f"{name}() from the submission (it runs in a separate process)."
        return stand_in

    def call(self, name: str, args: tuple, kwargs: dict):
        self._connect()
        codec = Codec(allow_functions=True)
        buffers: list = []
        message = {"op": "call", "name": name, "args": codec.encode(tuple(args), buffers, share=True),
                   "kwargs": codec.encode(tuple(kwargs.items()), buffers, share=True), "errstate": np.geterr()}
        deadline = time.monotonic() + self.call_timeout   # callbacks included: no endless ping-pong
        try:
            self.channel.send(message, buffers)
            while True:
                header, bufs = self.channel.recv(timeout=max(0.0, deadline - time.monotonic()))
                codec.apply(header.get("changes", []), bufs)
                if header.get("op") == "callback":
                    self._answer_callback(codec, header, bufs)
                    continue
                break
        except TimeoutError:
            self._restart(f"{name}() did not return within {self.call_timeout:g} s")
            raise AssertionError(f"{name}() did not return within {self.call_timeout:g} s: is there an "
                                 "endless loop?") from None
        except KeyboardInterrupt:
            self._restart(f"{name}() was interrupted")
            raise
        except (EOFError, OSError):
            self._restart(f"{name}() ended the process that runs your code")
            raise AssertionError(f"{name}() ended the process that runs your code (os._exit, a crash, "
                                 "or running out of memory)") from None
        except WireError as exc:
            self._restart(f"{name}() sent a malformed answer")
            raise AssertionError(f"{name}() answered with something that is not plain data ({exc})") from None
        self._record(header.get("events", []))
        for category, text in header.get("warnings", [])[:20]:
            warnings.warn(str(text), WARNINGS.get(category, UserWarning), stacklevel=3)
        if header.get("op") == "return":
            try:
                return codec.decode(header.get("value"), bufs)
            except WireError as exc:
                raise AssertionError(f"{name}() returned something that is not plain data ({exc})") from None
        if header.get("op") == "raise":
            raise rebuild_exception(header.get("error"))
        self._restart(f"{name}() sent an unexpected message")
        raise AssertionError(f"{name}() did not answer as expected")

    def _answer_callback(self, codec: Codec, header: dict, bufs: list) -> None:
        fn = codec.functions.get(header.get("h"))
        out: list = []
        try:
            if fn is None:
                raise WireError("a callback to an unknown function")
            args = codec.decode(header.get("args"), bufs)
            kwargs = codec.decode(header.get("kwargs"), bufs)
            if not isinstance(args, tuple) or not isinstance(kwargs, tuple):
                raise WireError("malformed callback arguments")
            value = fn(*args, **{str(k): v for k, v in kwargs})
            reply = {"op": "result", "value": codec.encode(value, out)}
        except WireError:
            raise
        except Exception as exc:   # the test's own function failed: the student's code sees it
            out = []
            reply = {"op": "error", "error": describe_exception(exc)}
        reply["changes"] = codec.changes(out)
        self.channel.send(reply, out)


def start_failure(exc: BaseException, setup_timeout: float) -> str:
    """What a student reads when their notebook's cells could not be run to the end."""
    if isinstance(exc, TimeoutError):
        return (f"your notebook's cells did not finish running within {setup_timeout:g} s, so its "
                "functions could not be tested: is there an endless loop at the top level of a cell?")
    return ("your notebook stopped the process that runs it while its cells ran (os._exit, "
            "sys.exit outside a function, a crash, or running out of memory), so its functions "
            "could not be tested")


@contextlib.contextmanager
def interrupts_held():
    """Hold Ctrl-C (the cell time limit) until the block is done: a half-killed or half-started
    process would leave the next call waiting on the old one."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def stop_by_pidfile(pidfile: Path) -> None:
    """Kill the process group the worker started (its pid is in ``pidfile``)."""
    try:
        pid = int(pidfile.read_text())
        os.killpg(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


_client: Client | None = None


def attach() -> Client:
    """The connection for this notebook, from the spec the worker names in ``$BBH_SANDBOX``."""
    global _client
    if _client is None:
        path = os.environ.get(ENV)
        if not path:
            raise RuntimeError(f"${ENV} is not set: this notebook is meant to be run by `autograder grade`")
        _client = Client(Path(path))
        atexit.register(_client.close)
    return _client


__all__ = ["Client", "Unavailable", "attach", "describe_exception"]
