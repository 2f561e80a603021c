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

from .contract import argument_names, changed_in_place, first_difference, may_change
from .jail import (
    CellsTimedOut,
    Limits,
    NotebookEnded,
    Sandbox,
    SandboxDied,
    SandboxFailed,
    SandboxLost,
    handshake,
    note_recovery,
    start_ready,
)
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
        self.worker_sandbox_stopped = "home" not in spec   # the worker's sandbox, if it is still usable
        self.broken = spec.get("broken", "")   # the worker found the cells could not run

    # ----------------------------------------------------------------- connection

    def _record(self, events) -> None:
        """Append what the sandbox saw to the events file the worker reads."""
        if events:
            with open(self.events_path, "a", encoding="utf-8") as fh:
                fh.writelines(json.dumps({"text": str(event)[:300]}) + "\n" for event in events)

    def _give_up(self, reason: str) -> None:
        """No sandbox could be kept for a reason nothing in the submission explains: tell the
        worker, which reports a grading failure to regrade, never a zero."""
        self.broken = ("this exercise could not be graded because of a problem of the grading machine, "
                       f"not of your code ({reason}); it will be graded again")
        Path(self.spec["failure"]).write_text(reason, encoding="utf-8")

    def _connect(self) -> None:
        if self.channel is not None:
            return
        if self.broken:
            raise Unavailable(self.broken)
        if not self.worker_sandbox_stopped:
            try:   # the worker's sandbox: its cells have run
                self.channel, ready = handshake(Path(self.spec["home"]) / "sock", self.setup_timeout)
                self._record(ready.get("events", []))
                return
            except (SandboxDied, TimeoutError, OSError, WireError, EOFError) as exc:
                # It ran its cells, and now cannot be reached: the submission's background code or
                # the machine. A fresh sandbox tells which.
                self._note_recovery(f"the worker's sandbox could not be reached ({type(exc).__name__})")
                self._stop_worker_sandbox()
        self._start_fresh()

    def _stop_worker_sandbox(self) -> None:
        with interrupts_held():
            if not self.worker_sandbox_stopped:
                stop_by_pidfile(Path(self.spec["pidfile"]))
                self.worker_sandbox_stopped = True

    def _start_fresh(self) -> None:
        self.close()   # one interrupted while it started would otherwise be left running
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            self.broken = (f"after {MAX_RESTARTS} restarts of the process that runs your code, the remaining "
                           "tests were not run")
            raise Unavailable(self.broken)
        cells = json.loads(Path(self.spec["cells"]).read_text())
        limits = Limits(**self.spec["limits"])
        try:
            self.sandbox, self.channel, ready = start_ready(cells, limits, self.setup_timeout, started=self._adopt)
        except (CellsTimedOut, NotebookEnded) as exc:
            self.broken = start_failure(exc, self.setup_timeout)
            raise Unavailable(self.broken) from None
        except (SandboxFailed, SandboxLost) as exc:
            self._give_up(str(exc))
            raise Unavailable(self.broken) from None
        self._record(ready.get("events", []))

    def _adopt(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def _note_recovery(self, text: str) -> None:
        """Tell the worker (for the soak's count) that a sandbox was lost and replaced."""
        if self.spec.get("recoveries"):
            note_recovery(Path(self.spec["recoveries"]), text)

    def _restart(self) -> None:
        """Kill the current process; the next call starts a fresh one (a few times at most)."""
        with interrupts_held():
            self.close()
            self._stop_worker_sandbox()
            self.sandbox = None

    def _death(self) -> SandboxDied | SandboxLost | None:
        """Why the current process was lost, when this client started it (else unknown)."""
        if self.sandbox is None or self.sandbox.proc is None:
            return None
        return self.sandbox.loss()

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
        stand_in._runs_in_sandbox = True
        return stand_in

    def call(self, name: str, args: tuple, kwargs: dict, *, retry: bool = True):
        """Call the student's ``name`` in the sandbox. A process that dies during the call is
        started afresh and the call made once more: only a death that repeats is the code's."""
        self._connect()
        arguments = Arguments(name, args, kwargs)
        deadline = time.monotonic() + self.call_timeout   # callbacks included: no endless ping-pong
        try:
            self.channel.send(*arguments.message())
            while True:
                header, bufs = self.channel.recv(timeout=max(0.0, deadline - time.monotonic()))
                arguments.apply(header.get("changes", []), bufs)
                if header.get("op") == "callback":
                    self._answer_callback(arguments.codec, arguments, header, bufs)
                    continue
                break
        except TimeoutError:
            self._restart()
            raise AssertionError(f"{name}() did not return within {self.call_timeout:g} s: is there an "
                                 "endless loop?") from None
        except KeyboardInterrupt:
            self._restart()
            raise
        except (EOFError, OSError):
            death = self._death()
            self._restart()
            if retry:
                self._note_recovery(f"{name}(): the process was lost during the call; called again")
                return self.call(name, args, kwargs, retry=False)
            detail = f": {death.explain()}" if isinstance(death, SandboxDied) else ""
            raise AssertionError(f"{name}() ended the process that runs your code, twice in a row{detail}") from None
        except WireError as exc:
            self._restart()
            raise AssertionError(f"{name}() answered with something that is not plain data ({exc})") from None
        self._record(header.get("events", []))
        for category, text in header.get("warnings", [])[:20]:
            warnings.warn(str(text), WARNINGS.get(category, UserWarning), stacklevel=3)
        if header.get("op") == "return":
            try:
                value = arguments.codec.decode(header.get("value"), bufs)
            except WireError as exc:
                raise AssertionError(f"{name}() returned something that is not plain data ({exc})") from None
            arguments.raise_if_changed()
            return value
        if header.get("op") == "raise":
            raise rebuild_exception(header.get("error"))
        self._restart()
        raise AssertionError(f"{name}() did not answer as expected")

    def _answer_callback(self, codec: Codec, arguments: "Arguments", header: dict, bufs: list) -> None:
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


class Arguments:
    """The arguments of one call, as the tests' side sends them.

    Every array, list, dict and generator is shared with the student's side, so that the
    changes its code makes in place come back (``autograder.wire``). A change is applied on
    the tests' side only where the function may make it (``autograder.contract``); any other
    is kept out, so the test's own values stay as they were, and the call then fails with a
    message naming the argument.
    """

    def __init__(self, name: str, args: tuple, kwargs: dict):
        self.name = name
        self.codec = Codec(allow_functions=True)
        self.buffers: list = []
        self.owner: dict[int, tuple[str, str]] = {}    # share id -> (argument, path inside it)
        self.refused: list[str] = []
        names = argument_names(name, len(args), kwargs.keys())
        nodes = [self._encode(value, argument) for value, argument in zip((*args, *kwargs.values()), names)]
        self.args_node = {"$": "tuple", "items": nodes[:len(args)]}
        self.kwargs_node = {"$": "tuple", "items": [{"$": "tuple", "items": [str(k), node]}
                                                    for k, node in zip(kwargs, nodes[len(args):])]}
        self.original = {sid: snapshot(value) for sid, value in self.codec.shared.items()
                         if not may_change(name, self.owner[sid][0], value)}

    def _encode(self, value, argument: str):
        before = set(self.codec.shared)
        node = self.codec.encode(value, self.buffers, share=True)
        paths = dict(object_paths(value, argument))
        for sid in set(self.codec.shared) - before:
            self.owner[sid] = (argument, paths.get(id(self.codec.shared[sid]), argument))
        return node

    def message(self) -> tuple[dict, list]:
        return ({"op": "call", "name": self.name, "args": self.args_node, "kwargs": self.kwargs_node,
                 "errstate": np.geterr()}, self.buffers)

    def apply(self, changes, buffers: list) -> None:
        self.codec.apply(changes, buffers, accept=self._accept)

    def _accept(self, sid: int, new) -> bool:
        argument, path = self.owner.get(sid, ("?", "?"))
        if sid not in self.original:
            return True
        detail = first_difference(path, self.original[sid], new)
        if detail is not None and not self.refused:
            self.refused.append(changed_in_place(self.name, argument, detail))
        return False

    def raise_if_changed(self) -> None:
        if self.refused:
            raise AssertionError(self.refused[0])


def snapshot(value):
    """A copy of a shared value as it is now, for comparing after the call (shallow for containers:
    their items are shared values of their own)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def object_paths(value, path: str, depth: int = 0):
    """``(id, path)`` of ``value`` and every container or array inside it: ``params['W1']``."""
    yield id(value), path
    if depth > 8:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from object_paths(item, f"{path}[{key!r}]", depth + 1)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from object_paths(item, f"{path}[{i}]", depth + 1)


def start_failure(exc: BaseException, setup_timeout: float) -> str:
    """What a student reads when their notebook's cells could not be run to the end."""
    if isinstance(exc, TimeoutError):
        return (f"your notebook's cells did not finish running within {setup_timeout:g} s, so its "
                "functions could not be tested: is there an endless loop at the top level of a cell?")
    return f"{exc}, so the notebook's functions could not be tested"


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
