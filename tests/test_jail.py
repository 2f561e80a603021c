"""What student code can reach from inside the sandbox, asked from inside it."""
import json

import pytest

from autograder.jail import STRONG, Limits, Sandbox, isolation
from autograder.paths import REPO
from autograder.proxy import Client

PROBE = f"""
import os, socket, sys
def probe(course):
    out = {{}}
    out["uid"] = os.getuid()
    out["solutions"] = os.path.exists({str(REPO / "solutions")!r})
    out["chapters"] = os.path.exists({str(REPO / "chapters")!r})
    out["git"] = os.path.exists({str(REPO / ".git")!r})
    out["catalogs"] = os.path.exists({str(REPO / "catalogs")!r})
    out["course"] = os.path.exists(course)
    out["processes"] = len([p for p in os.listdir("/proc") if p.isdigit()])
    out["env"] = sorted(k for k in os.environ if k.startswith(("NBGRADER", "BBH", "JPY")))
    try:
        import reference
        out["reference"] = True
    except ImportError:
        out["reference"] = False
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=1)
        out["network"] = True
    except OSError:
        out["network"] = False
    try:
        open({str(REPO / "autograder" / "escape.txt")!r}, "w")
        out["write_package"] = True
    except OSError:
        out["write_package"] = False
    return out
"""


@pytest.fixture
def client(tmp_path):
    if isolation() != STRONG:
        pytest.skip("the bwrap sandbox needs root and bubblewrap")
    cells = ["import numpy as np\nfrom autograder.checks import call, check_array\n"
             "from autograder.data import load_digits\n%config InlineBackend.figure_formats = ['png']",
             PROBE, "def digits_shape():\n    return list(load_digits().X_train.shape)"]
    sandbox = Sandbox(cells, Limits(cell_timeout=30))
    sandbox.start()
    channel, ready = sandbox.connect(60)
    channel.close()
    assert ready["errors"] == []
    (tmp_path / "pid").write_text(str(sandbox.proc.pid))
    (tmp_path / "cells.json").write_text(json.dumps(sandbox.cells))
    spec = {"home": str(sandbox.home), "events": str(tmp_path / "events"), "cells": str(tmp_path / "cells.json"),
            "pidfile": str(tmp_path / "pid"), "limits": Limits(cell_timeout=30).__dict__,
            "call_timeout": 20, "setup_timeout": 60}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    yield Client(tmp_path / "spec.json")
    sandbox.stop()


def test_the_sandbox_sees_none_of_the_grader(client, tmp_path):
    seen = client.function("probe")(str(tmp_path))
    assert seen["uid"] != 0
    assert not seen["solutions"] and not seen["chapters"] and not seen["git"] and not seen["reference"]
    assert not seen["catalogs"] and not seen["course"]
    assert seen["processes"] <= 3, "other processes are visible"
    assert not seen["network"] and not seen["write_package"]
    assert seen["env"] == []
    assert not (REPO / "autograder" / "escape.txt").exists()


def test_the_chapters_public_tools_work_inside(client):
    """The setup cells of the chapters import the check helpers and the bundled data."""
    assert client.function("digits_shape")() == [1150, 64]
