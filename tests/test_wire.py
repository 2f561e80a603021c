"""The plain-data boundary between the tests and the student's process."""
import json
import socket

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.wire import Channel, Codec, WireError, rebuild_exception

DTYPES = st.sampled_from(["<f8", "<f4", "<i8", "<i4", "|u1", "|b1", "<u2"])


def cross(value, share=False):
    """Send ``value`` from a tests-side codec to a student-side one, as the wire would."""
    tests, student = Codec(allow_functions=True), Codec(allow_functions=False)
    buffers = []
    node = tests.encode(value, buffers, share=share)
    node = json.loads(json.dumps(node))            # exactly what a message header carries
    buffers = [bytes(b) for b in buffers]
    return tests, student, student.decode(node, buffers)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
def test_arrays_cross_bit_for_bit(arr):
    _, _, got = cross(arr)
    assert isinstance(got, np.ndarray) and got.dtype == arr.dtype and got.shape == arr.shape
    assert got.tobytes() == arr.tobytes()


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20))
def test_plain_values_cross_unchanged(value):
    _, _, got = cross(value)
    assert got == value and type(got) is type(value)


def test_numpy_scalars_keep_their_type_and_generators_their_state():
    _, _, got = cross((np.float32(1.5), np.int64(-3), np.bool_(True)))
    assert [type(v) for v in got] == [np.float32, np.int64, np.bool_] and got == (1.5, -3, True)
    rng = np.random.default_rng(7)
    rng.standard_normal(3)
    _, _, copy = cross(rng)
    assert copy.standard_normal() == rng.standard_normal()


class Liar:
    def __eq__(self, other):
        return True


class LyingFloat(float):
    def __eq__(self, other):
        return True


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)


def test_objects_that_lie_cannot_cross_or_arrive_plain():
    student = Codec(allow_functions=False)
    for value in (Liar(), [1, Liar()], {"a": Liar()}, np.array([Liar()], dtype=object), lambda: 1):
        with pytest.raises(WireError):
            student.encode(value, [])
    buffers = []
    node = student.encode((LyingFloat(0.25), np.zeros(2).view(LyingArray)), buffers)
    got = Codec(allow_functions=True).decode(node, buffers)
    assert type(got[0]) is float and not (got[0] == 1.0)  # noqa: SIM201 (== is what a lie overrides)
    assert type(got[1]) is np.ndarray and not (got[1] == 1.0).any()


@pytest.mark.parametrize("node,buffers", [
    ({"$": "array", "dtype": "|O8", "shape": [1], "buf": 0}, [b"\0" * 8]),
    ({"$": "array", "dtype": "<f8", "shape": [3], "buf": 0}, [b"\0" * 8]),
    ({"$": "array", "dtype": "<f8", "shape": [1], "buf": 5}, [b"\0" * 8]),
    ({"$": "array", "dtype": "[('a', 'O')]", "shape": [1], "buf": 0}, [b"\0" * 8]),
    ({"$": "ref", "sid": 99}, []),
    ({"$": "pickle", "data": "..."}, []),
    ({"$": "fn", "h": 1}, []),
    ({"$": "rng", "state": {"bit_generator": "Evil"}}, []),
])
def test_malformed_values_are_refused(node, buffers):
    with pytest.raises(WireError):
        Codec(allow_functions=True).decode(node, buffers)


def test_in_place_changes_come_back_and_identity_is_kept():
    x = np.array([1.0, 2.0, 3.0])
    base = np.zeros((3, 4))
    view = base[:, 1:3]
    state = {"v": x}
    tests, student, (sx, sview, sstate) = cross((x, view, state), share=True)
    assert sstate["v"] is sx                      # the same array twice stays one array
    sx[0] = -1.0
    sview[...] = 7.0
    sstate["m"] = np.ones(2)
    buffers = []
    changes = json.loads(json.dumps(student.changes(buffers)))
    tests.apply(changes, [bytes(b) for b in buffers])
    assert x[0] == -1.0 and state["v"] is x and np.array_equal(state["m"], np.ones(2))
    assert np.all(base[:, 1:3] == 7.0) and np.all(base[:, [0, 3]] == 0.0)


def test_read_only_arguments_stay_read_only():
    x = np.arange(3.0)
    x.flags.writeable = False
    _, _, got = cross(x, share=True)
    with pytest.raises(ValueError):
        got[0] = 1.0


def test_exceptions_keep_builtin_types_only():
    assert type(rebuild_exception({"type": "ValueError", "message": "m"})) is ValueError
    assert type(rebuild_exception({"type": "SystemExit", "message": "0"})) is RuntimeError
    assert type(rebuild_exception({"type": "StopIteration", "message": ""})) is RuntimeError
    assert type(rebuild_exception("garbage")) is RuntimeError


def test_channel_frames_and_refuses_garbage():
    a, b = socket.socketpair()
    left, right = Channel(a), Channel(b)
    left.send({"op": "x"}, [np.arange(3.0).data])
    header, buffers = right.recv(timeout=5)
    assert header == {"op": "x"} and np.frombuffer(buffers[0]).tolist() == [0.0, 1.0, 2.0]
    a.sendall((10**9).to_bytes(8, "big"))          # a billion frames
    with pytest.raises(WireError):
        right.recv(timeout=5)
    with pytest.raises(TimeoutError):
        right.recv(timeout=0.2)
    a.close()
    with pytest.raises(EOFError):
        right.recv(timeout=5)
