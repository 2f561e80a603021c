"""Plain data across the sandbox boundary.

Student code runs in its own process (``autograder.sandbox``); the tests reach it through
a Unix socket. Everything that crosses is plain data: numbers, strings, NumPy arrays of
numbers, lists, tuples, dicts and random generators (as their state). From the tests'
side, functions cross too, as handles the student's side can call back. Nothing is
unpickled, so nothing the student's side sends can run code in the tests' process, and
an object whose ``__eq__`` lies cannot cross at all.

Arguments are shared, not copied: an array, list, dict or generator passed to a student
function keeps its identity on the tests' side, and what either side changes in place is
sent across at every crossing (call, callback, return). The receiving side decides which
changes it applies: the stand-ins (``autograder.proxy``) apply only those the function's
contract allows (``autograder.contract``), so a test that checks "x is restored bit for
bit" or "the state dict is filled in place" sees what the student's code did, and no other
argument of the tests' side ever changes.

A message is a JSON header plus raw array buffers, each framed by its length.
"""
from __future__ import annotations

import json
import re
import socket
import struct
import time
import types

import numpy as np

MAX_MESSAGE_BYTES = 256 << 20   # one message, all frames together
MAX_FRAMES = 100_000
MAX_DEPTH = 64
MAX_ITEMS = 1_000_000           # list/dict/iterator entries in one message
MAX_STRING = 1 << 20
DTYPE = re.compile(r"^[<>|=]?[biufUS]\d{1,3}$")
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
LENGTH = struct.Struct("!Q")
#: types that may be passed as values (a dtype argument, say)
TYPES = {t.__name__: t for t in (bool, int, float, str, np.bool_, np.float16, np.float32, np.float64,
                                 np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                                 np.uint32, np.uint64)}


class WireError(Exception):
    """A value that cannot cross the boundary, or a malformed message."""


# --------------------------------------------------------------------------- framing


class Channel:
    """Length-framed messages over a connected socket, with deadlines on every read."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def send(self, header: dict, buffers: list) -> None:
        frames = [json.dumps(header).encode(), *buffers]
        self.sock.settimeout(None)
        self.sock.sendall(LENGTH.pack(len(frames)))
        for frame in frames:
            view = memoryview(frame).cast("B")
            self.sock.sendall(LENGTH.pack(view.nbytes))
            self.sock.sendall(view)

    def recv(self, timeout: float | None = None) -> tuple[dict, list]:
        """The next message; ``TimeoutError`` after ``timeout`` s, ``EOFError`` when closed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        (count,) = LENGTH.unpack(self._exactly(LENGTH.size, deadline))
        if not 1 <= count <= MAX_FRAMES:
            raise WireError(f"a message with {count} frames")
        total, frames = 0, []
        for _ in range(count):
            (size,) = LENGTH.unpack(self._exactly(LENGTH.size, deadline))
            total += size
            if total > MAX_MESSAGE_BYTES:
                raise WireError(f"a message larger than {MAX_MESSAGE_BYTES >> 20} MB")
            frames.append(self._exactly(size, deadline))
        try:
            header = json.loads(frames[0])
        except (ValueError, UnicodeDecodeError) as exc:
            raise WireError(f"a malformed message header ({exc})") from None
        if not isinstance(header, dict):
            raise WireError("a message header that is not an object")
        return header, frames[1:]

    def _exactly(self, n: int, deadline) -> bytes:
        chunks, got = [], 0
        while got < n:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
            else:
                self.sock.settimeout(None)
            try:
                chunk = self.sock.recv(min(n - got, 1 << 20))
            except TimeoutError:
                raise TimeoutError from None
            except (ConnectionResetError, BrokenPipeError):
                raise EOFError from None
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------- values


def fingerprint(arr: np.ndarray) -> tuple:
    """What must stay the same for an array to count as unchanged: shape, dtype and bytes
    (``b.shape = (1, n)`` changes no byte)."""
    return arr.shape, arr.dtype.str, np.ascontiguousarray(arr).tobytes()


def is_iterator(value) -> bool:
    return isinstance(value, (types.GeneratorType, map, filter, zip, enumerate)) or (
        hasattr(value, "__next__") and hasattr(value, "__iter__")
        and not isinstance(value, (np.ndarray, list, tuple, dict, str, bytes)))


class Codec:
    """One side's view of the values of one call.

    ``shared`` maps a share id to the local object it stands for on this side; the tests'
    side creates share ids for the arguments it sends, the student's side adopts them.
    ``functions`` maps a handle to a callable of the tests' side.
    """

    def __init__(self, allow_functions: bool):
        self.allow_functions = allow_functions
        self.shared: dict[int, object] = {}
        self.sid_of: dict[int, int] = {}
        self.snapshot: dict[int, tuple] = {}
        self.functions: dict[int, object] = {}
        self.make_stub = None           # student side: handle -> local callable
        self.stub_handles: set = set()

    # ----------------------------------------------------------------- encoding

    def encode(self, value, buffers: list, share: bool = False, depth: int = 0, count=None):
        """``value`` as a JSON tree; arrays go to ``buffers``. ``share`` gives new arrays,
        lists, dicts and generators a share id (the tests' side does this for arguments)."""
        count = count if count is not None else [0]
        count[0] += 1
        if count[0] > MAX_ITEMS:
            raise WireError(f"more than {MAX_ITEMS} values")
        if depth > MAX_DEPTH:
            raise WireError(f"values nested more than {MAX_DEPTH} levels deep")
        if value is None or isinstance(value, (bool, int, float)) and type(value) in (bool, int, float):
            return value
        if type(value) is str:
            if len(value) > MAX_STRING:
                raise WireError(f"a string of {len(value)} characters")
            return value
        if id(value) in self.sid_of and self.shared.get(self.sid_of[id(value)]) is value:
            return {"$": "ref", "sid": self.sid_of[id(value)]}
        if isinstance(value, np.generic):
            arr = np.asarray(value)
            self._check_dtype(arr.dtype)
            return {"$": "scalar", "dtype": arr.dtype.str, "v": arr.item()}
        for plain in (bool, int, float, str):   # subclasses of the plain types arrive as the plain type
            if isinstance(value, plain):
                return self.encode(plain(value), buffers, share, depth, count)
        if isinstance(value, np.dtype):
            self._check_dtype(value)
            return {"$": "dtype", "v": value.str}
        if isinstance(value, type) and value in TYPES.values():
            return {"$": "type", "v": value.__name__}
        sid = self._share(value) if share and isinstance(value, (np.ndarray, list, dict, np.random.Generator)) else None
        if isinstance(value, np.ndarray):
            return self._encode_array(value, buffers, sid)
        if isinstance(value, np.random.Generator):
            return self._encode_rng(value, buffers, sid, depth, count)
        if isinstance(value, (list, tuple)):
            node = {"$": type(value).__name__ if type(value) in (list, tuple) else "list",
                    "items": [self.encode(v, buffers, share, depth + 1, count) for v in value]}
            if isinstance(value, tuple) and type(value) is not tuple:   # a namedtuple and the like
                node["$"] = "tuple"
            if sid is not None:
                node["sid"] = sid
            return node
        if isinstance(value, dict):
            node = {"$": "dict", "items": [[self.encode(k, buffers, False, depth + 1, count),
                                            self.encode(v, buffers, share, depth + 1, count)]
                                           for k, v in value.items()]}
            if sid is not None:
                node["sid"] = sid
            return node
        if is_iterator(value):
            items = []
            for item in value:
                items.append(self.encode(item, buffers, share, depth + 1, count))
            return {"$": "iter", "items": items}
        if getattr(value, "_wire_handle", None) in self.stub_handles:   # a function the other side sent
            return {"$": "fn", "h": value._wire_handle}
        if callable(value) and self.allow_functions:
            handle = len(self.functions) + 1
            self.functions[handle] = value
            return {"$": "fn", "h": handle}
        raise WireError(f"a value of type {type(value).__name__}, which is not plain data "
                        "(use NumPy arrays, numbers, strings, lists, tuples and dicts)")

    def _share(self, value) -> int:
        sid = len(self.shared) + 1
        self.shared[sid] = value
        self.sid_of[id(value)] = sid
        return sid

    @staticmethod
    def _check_dtype(dtype) -> None:
        if dtype.kind not in "biufUS" or dtype.hasobject or dtype.fields is not None:
            raise WireError(f"an array of dtype {dtype} (only numbers, booleans and strings cross)")

    def _encode_array(self, value: np.ndarray, buffers: list, sid) -> dict:
        arr = np.asarray(value)
        self._check_dtype(arr.dtype)
        data = np.ascontiguousarray(arr)
        buffers.append(data.data if data.size else b"")
        node = {"$": "array", "dtype": arr.dtype.str, "shape": list(arr.shape), "buf": len(buffers) - 1}
        if not arr.flags.writeable:
            node["ro"] = True
        if sid is not None:
            node["sid"] = sid
            self.snapshot[sid] = fingerprint(data)
        return node

    def _encode_rng(self, value, buffers, sid, depth, count) -> dict:
        state = value.bit_generator.state
        if state.get("bit_generator") not in BIT_GENERATORS:
            raise WireError(f"a random generator with bit generator {state.get('bit_generator')!r}")
        node = {"$": "rng", "state": self.encode(state, buffers, False, depth + 1, count)}
        if sid is not None:
            node["sid"] = sid
        return node

    # ----------------------------------------------------------------- decoding

    def decode(self, node, buffers: list, depth: int = 0):
        if depth > MAX_DEPTH:
            raise WireError("values nested too deeply")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if not isinstance(node, dict) or not isinstance(node.get("$"), str):
            raise WireError(f"a malformed value {str(node)[:80]!r}")
        kind = node["$"]
        if kind == "ref":
            sid = node.get("sid")
            if sid not in self.shared:
                raise WireError(f"a reference to an unknown shared value {sid!r}")
            return self.shared[sid]
        if kind == "scalar":
            dtype = self._dtype(node.get("dtype"))
            return dtype.type(node.get("v"))
        if kind == "dtype":
            return self._dtype(node.get("v"))
        if kind == "type":
            if node.get("v") not in TYPES:
                raise WireError(f"an unknown type {node.get('v')!r}")
            return TYPES[node["v"]]
        if kind == "array":
            value = self._decode_array(node, buffers)
        elif kind == "rng":
            value = self._decode_rng(node, buffers, depth)
        elif kind in ("list", "tuple", "iter"):
            items = node.get("items")
            if not isinstance(items, list):
                raise WireError("a malformed sequence")
            value = [self.decode(v, buffers, depth + 1) for v in items]
            if kind == "tuple":
                return tuple(value)
            if kind == "iter":
                return (item for item in value)
        elif kind == "dict":
            items = node.get("items")
            if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2 for p in items):
                raise WireError("a malformed dict")
            value = {}
            for k, v in items:
                key = self.decode(k, buffers, depth + 1)
                try:
                    hash(key)
                except TypeError:
                    raise WireError("a dict key that cannot be hashed") from None
                value[key] = self.decode(v, buffers, depth + 1)
        elif kind == "fn":
            handle = node.get("h")
            if handle in self.functions:       # one of ours, coming back
                return self.functions[handle]
            if self.make_stub is None or type(handle) is not int:
                raise WireError("a function, which only the tests' side may send")
            stub = self.make_stub(handle)
            stub._wire_handle = handle
            self.stub_handles.add(handle)
            return stub
        else:
            raise WireError(f"an unknown kind of value {kind!r}")
        sid = node.get("sid")
        if sid is not None:
            if not isinstance(sid, int) or sid in self.shared:
                raise WireError(f"a bad share id {sid!r}")
            self.shared[sid] = value
            self.sid_of[id(value)] = sid
            if isinstance(value, np.ndarray):
                self.snapshot[sid] = fingerprint(value)
        return value

    @staticmethod
    def _dtype(text) -> np.dtype:
        if not isinstance(text, str) or not DTYPE.match(text):
            raise WireError(f"a bad dtype {text!r}")
        return np.dtype(text)

    def _decode_array(self, node, buffers) -> np.ndarray:
        dtype = self._dtype(node.get("dtype"))
        shape, index = node.get("shape"), node.get("buf")
        if (not isinstance(shape, list) or len(shape) > 32
                or not all(type(n) is int and n >= 0 for n in shape)):
            raise WireError(f"a bad array shape {shape!r}")
        if type(index) is not int or not 0 <= index < len(buffers):
            raise WireError("an array without its data")
        buf = memoryview(buffers[index]).cast("B")
        if buf.nbytes != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise WireError("an array whose data does not match its shape")
        arr = np.frombuffer(buf, dtype=dtype).reshape(shape).copy()
        if node.get("ro"):
            arr.flags.writeable = False
        return arr

    def _decode_rng(self, node, buffers, depth) -> np.random.Generator:
        state = self.decode(node.get("state"), buffers, depth + 1)
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in BIT_GENERATORS:
            raise WireError(f"a random generator with bit generator {name!r}")
        bit_generator = getattr(np.random, name)()
        try:
            bit_generator.state = state
        except (TypeError, ValueError, KeyError) as exc:
            raise WireError(f"a bad random generator state ({exc})") from None
        return np.random.Generator(bit_generator)

    # ----------------------------------------------------------------- in-place changes

    def changes(self, buffers: list) -> list:
        """What happened in place to the shared values since they last crossed."""
        out = []
        for sid, value in self.shared.items():
            if isinstance(value, np.ndarray):
                data = fingerprint(value)
                if data == self.snapshot.get(sid):
                    continue
                node = self._encode_array(value, buffers, None)
                self.snapshot[sid] = data
            elif isinstance(value, np.random.Generator):
                node = self._encode_rng(value, buffers, None, 0, None)
            elif isinstance(value, (list, dict)):
                node = self.encode(type(value)(value), buffers)   # a shallow copy: refs inside
            else:
                continue
            out.append([sid, node])
        return out

    def apply(self, changes, buffers: list, accept=None) -> None:
        """Make the same in-place changes to this side's shared values.

        ``accept(sid, new_value)`` may refuse a change: the local value then stays as it was.
        """
        if not isinstance(changes, list):
            raise WireError("malformed changes")
        for entry in changes:
            if not (isinstance(entry, list) and len(entry) == 2 and entry[0] in self.shared):
                raise WireError("a change to an unknown shared value")
            sid, node = entry
            local = self.shared[sid]
            new = self.decode(node, buffers)
            if accept is not None and not accept(sid, new):
                continue
            if isinstance(local, np.ndarray):
                if not isinstance(new, np.ndarray) or new.shape != local.shape:
                    raise WireError("an argument array whose shape was changed in place")
                if not local.flags.writeable:
                    raise WireError("a read-only argument array that was changed")
                local[...] = new
                self.snapshot[sid] = fingerprint(local)
            elif isinstance(local, np.random.Generator) and isinstance(new, np.random.Generator):
                local.bit_generator.state = new.bit_generator.state
            elif isinstance(local, dict) and isinstance(new, dict):
                local.clear()
                local.update(new)
            elif isinstance(local, list) and isinstance(new, list):
                local[:] = new
            else:
                raise WireError("a change of the wrong kind to a shared value")


# --------------------------------------------------------------------------- exceptions

#: exceptions re-raised with their own type on the other side; any other becomes RuntimeError
PASSED_EXCEPTIONS = {cls.__name__: cls for cls in (
    ArithmeticError, AssertionError, AttributeError, FloatingPointError, ImportError, IndexError,
    KeyError, LookupError, MemoryError, ModuleNotFoundError, NameError, NotImplementedError,
    OverflowError, RecursionError, RuntimeError, TypeError, UnboundLocalError,
    ValueError, ZeroDivisionError, TimeoutError)}


def describe_exception(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "message": str(exc)[:2000]}


def rebuild_exception(info) -> Exception:
    name = str(info.get("type", "Exception"))[:100] if isinstance(info, dict) else "Exception"
    message = str(info.get("message", ""))[:2000] if isinstance(info, dict) else ""
    cls = PASSED_EXCEPTIONS.get(name)
    if cls is KeyError:
        return KeyError(message)
    if cls is not None:
        return cls(message)
    return RuntimeError(f"{name}: {message}" if message else name)


WARNINGS = {cls.__name__: cls for cls in (
    UserWarning, RuntimeWarning, DeprecationWarning, FutureWarning, PendingDeprecationWarning,
    SyntaxWarning, ResourceWarning, UnicodeWarning, BytesWarning, ImportWarning)}
