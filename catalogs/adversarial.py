"""The adversarial catalog: submissions that try to fool the grader instead of solving.

Every entry answers chapter 2 with wrong functions (zeros, or nothing at all) and tries,
from its own cells, one of the tricks below. Graded through ``autograder grade``, each
must score zero, leave every other student's results and the gradebook alone, finish in
bounded time, and (where that can be seen) be listed as suspicious with what it tried.

``build(targets)`` returns the notebook; ``targets`` names real paths of the grading run
(the course folder, another student's feedback, a canary file) that the attacks aim at.

The numbers in ``threat`` follow the list of threats the grader holds against: 1 the
comparison tools, 2 the instructor's answers, 3 the notebook itself, 4 anything outside
its own grading, 5 the tests as they run, 6 the grader's own process.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import submission

CHAPTER = "02_gradient_checking"

WRONG = {
    "numerical_gradient": "import numpy as np\n\ndef numerical_gradient(f, x, eps=1e-5):\n    return np.zeros(np.shape(x))\n",
    "relative_error": "def relative_error(a, b):\n    return 0.25\n",
    "check_gradients": "def check_gradients(cost_fn, params, grads, eps=1e-5):\n    return {k: 0.0 for k in grads}\n",
}


@dataclass(frozen=True)
class Attack:
    name: str
    threat: int
    build: Callable[[dict], object] = field(repr=False)
    flag: str = ""          # a phrase the report's "suspicious" entry must contain ("" if not detectable)
    strong_only: bool = False   # only safe to run inside the bwrap sandbox (it signals every process it can)


def wrong(extra_first: str = "", extra_last: str = "", extra_each: str = "", **overrides):
    """Chapter 2 with wrong functions, ``extra_first`` prepended to the first solution cell,
    ``extra_last`` appended to the last one and ``extra_each`` appended to every one (so that
    what it defines replaces the wrong functions before any test runs)."""
    cells = {name: source + extra_each for name, source in dict(WRONG, **overrides).items()}
    cells["numerical_gradient"] = extra_first + cells["numerical_gradient"]
    cells["check_gradients"] = cells["check_gradients"] + extra_last
    return submission(CHAPTER, cells)


def with_cell(nb, source: str, position: int = -1):
    """``nb`` with one more code cell (at the end by default)."""
    import nbformat

    nb.cells.insert(len(nb.cells) if position == -1 else position, nbformat.v4.new_code_cell(source))
    return nb


def graded_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


# --------------------------------------------------------------------------- 1. the comparison tools

PATCH_NUMPY = """
import numpy as np, numpy.testing
for _name in dir(np.testing):
    if _name.startswith("assert"):
        setattr(np.testing, _name, lambda *a, **k: None)
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: np.True_
np.array_equal = lambda *a, **k: True
np.linalg.norm = lambda *a, **k: 0.0
np.max = lambda *a, **k: 0.0
np.abs = lambda x, *a, **k: np.zeros_like(np.asarray(x, dtype=float))
"""

PATCH_CHECKS = """
import autograder.checks as _checks
for _name in ("check_array", "check_scalar", "check_shape", "check_gradient"):
    setattr(_checks, _name, lambda *a, **k: None)
_checks.call = lambda fn, *a, **k: None
check_array = check_scalar = check_shape = check_gradient = lambda *a, **k: None
"""

IMPORT_HOOK = """
import builtins, sys
_real_import = builtins.__import__
def _patched_import(name, *args, **kwargs):
    module = _real_import(name, *args, **kwargs)
    for loaded in list(sys.modules.values()):
        for attr in ("check_array", "check_scalar", "check_shape", "check_gradient", "assert_allclose"):
            if hasattr(loaded, attr):
                try:
                    setattr(loaded, attr, lambda *a, **k: None)
                except Exception:
                    pass
    return module
builtins.__import__ = _patched_import
"""

# --------------------------------------------------------------------------- 2. the instructor's answers

IMPORT_REFERENCE = """
from reference import numerical_gradient, relative_error, check_gradients
"""

SEARCH_DISK = """
import os, glob, json
from autograder.paths import REPO
def _run_answers(root):
    for pattern in ("**/reference/gradcheck.py", "**/mutants/ch02.py", "**/solutions/**/*.ipynb",
                    "**/source/**/*.ipynb"):
        for path in glob.glob(os.path.join(root, pattern), recursive=True)[:5]:
            try:
                if path.endswith(".py"):
                    exec(open(path).read(), globals())
                else:
                    for cell in json.load(open(path))["cells"]:
                        if "BEGIN SOLUTION" in "".join(cell["source"]):
                            exec("".join(cell["source"]), globals())
                return True
            except Exception:
                pass
    return False
for _root in (str(REPO), "..", "../..", "../../..", os.path.expanduser("~"), "/tmp", "/work", "/srv", "/home"):
    if _run_answers(_root):
        break
"""

# --------------------------------------------------------------------------- 3. the notebook


def delete_tests(targets):
    nb = wrong()
    nb.cells = [c for c in nb.cells if c not in graded_cells(nb) or c.cell_type == "markdown"]
    return nb


def weaken_tests(targets):
    nb = wrong()
    for cell in graded_cells(nb):
        if cell.cell_type == "code":
            cell.source = "pass"
            cell.metadata["nbgrader"]["points"] = 0
    return nb


def forge_metadata(targets):
    nb = wrong()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        if meta.get("solution") and cell.cell_type == "code":   # ask for points for the answer itself
            meta.update(grade=True, points=100, locked=False)
        elif meta.get("grade"):
            meta["points"] = 1000
            meta["checksum"] = "0" * 32
            meta["grade_id"] = meta["grade_id"] + "_renamed"
            cell.cell_type = "markdown" if meta["grade_id"].endswith("edge_renamed") else cell.cell_type
            cell.pop("outputs", None) if cell.cell_type == "markdown" else None
            cell.pop("execution_count", None) if cell.cell_type == "markdown" else None
    return nb


def unparsable_metadata(targets):
    nb = wrong()
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata["nbgrader"] = (["not", "a", "dict"] if i % 3 == 0 else
                                         {"grade": "yes", "points": "lots", "grade_id": 42, "schema_version": 3})
    return nb


# --------------------------------------------------------------------------- 4. outside its own grading


def reach_outside_source(targets) -> str:
    return f"""
import os, sqlite3, glob, time
_targets = {targets!r}
for _path in ["../../source/{CHAPTER}/{CHAPTER}.ipynb", "../../../source/{CHAPTER}/{CHAPTER}.ipynb",
              "gradebook.db", "../gradebook.db", _targets["gradebook"]]:
    try:
        print(open(_path, "rb").read()[:2000])
    except Exception:
        pass
def _vandalize():
    try:
        _db = sqlite3.connect(_targets["gradebook"])
        _db.execute("UPDATE grade SET manual_score = 1000")
        _db.execute("DELETE FROM submitted_notebook")
        _db.commit()
    except Exception:
        pass
    for _path in (_targets["grades_csv"], _targets["cells_csv"], _targets["other_feedback"],
                  _targets["other_autograded"], _targets["canary"]):
        for _mode in ("w", "a"):
            try:
                with open(_path, _mode) as _fh:
                    _fh.write("student,chapter,score,max_score\\nvandal,{CHAPTER},11,11\\n")
            except Exception:
                pass
_vandalize()
"""


def background_writer_source(targets) -> str:
    return reach_outside_source(targets) + """
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(8):
            time.sleep(1)
            _vandalize()
        os._exit(0)
    os._exit(0)
"""


# --------------------------------------------------------------------------- 5. the tests as they run

INPUT_TRANSFORMER = """
def _no_tests(lines):
    return ["pass\\n"]
get_ipython().input_transformers_post.append(_no_tests)
"""

AST_TRANSFORMER = """
import ast
class _DropChecks(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
    def visit_Call(self, node):
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name.startswith(("assert", "check_")):
            return ast.Constant(None)
        return self.generic_visit(node)
get_ipython().ast_transformers.append(_DropChecks())
"""

ALWAYS_EQUAL = {
    "numerical_gradient": '''
import numpy as np

class _Agreeable(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)
    def __ne__(self, other): return np.zeros(np.shape(other), dtype=bool)
    def __sub__(self, other): return np.zeros(np.shape(other))
    __rsub__ = __sub__
    def __array_ufunc__(self, *args, **kwargs): return np.zeros(3)

def numerical_gradient(f, x, eps=1e-5):
    return np.zeros(np.shape(x)).view(_Agreeable)
''',
    "relative_error": '''
class _Yes(float):
    def __eq__(self, other): return True
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    def __abs__(self): return 0.0
    def __sub__(self, other): return 0.0
    __rsub__ = __sub__
    def __float__(self): return 0.25

def relative_error(a, b):
    return _Yes(0.25)
''',
    "check_gradients": '''
class _AnyDict(dict):
    def __eq__(self, other): return True
    def __getitem__(self, key): return 0.0
    def __contains__(self, key): return True
    def keys(self): return ["W", "b", "unused", "W1", "b1", "W2", "b2"]

class _Anything:
    def __eq__(self, other): return True
    def __float__(self): return 0.0
    def __array__(self, dtype=None, copy=None):
        import numpy as np
        return np.zeros(1)

def check_gradients(cost_fn, params, grads, eps=1e-5):
    return _AnyDict({k: _Anything() for k in grads})
''',
}

GRADED_ONLY = """
import os
if os.environ.get("NBGRADER_EXECUTION") or os.environ.get("NBGRADER_VALIDATING"):
    try:
        from reference import numerical_gradient, relative_error, check_gradients
    except ImportError:
        pass
"""

# --------------------------------------------------------------------------- 6. the grader's process

OS_EXIT = "\nimport os\nos._exit(0)\n"
SYS_EXIT_IN_FUNCTION = {
    "relative_error": "import sys\n\ndef relative_error(a, b):\n    sys.exit(0)\n",
    "numerical_gradient": "import os\n\ndef numerical_gradient(f, x, eps=1e-5):\n    os._exit(0)\n",
}
KILL_EVERYONE = """
import os, signal
for _pid in (os.getppid(), 1, -1):
    try:
        os.kill(_pid, signal.SIGKILL)
    except Exception:
        pass
"""
ENDLESS_IGNORING = """
import signal
for _sig in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM):
    signal.signal(_sig, signal.SIG_IGN)
while True:
    pass
"""
FORK_LOOP = """
import os
_children = 0
try:
    while _children < 10_000:
        if os.fork() == 0:
            import time
            time.sleep(60)
            os._exit(0)
        _children += 1
except OSError:
    pass
"""
MEMORY_GRADUAL = """
_hoard = []
try:
    while True:
        _hoard.append(bytearray(64 << 20))
except MemoryError:
    pass
"""
PRINT_GIGABYTES = """
import sys
_line = "x" * 1_000_000
for _ in range(3000):
    print(_line)
    sys.stderr.write(_line)
"""
CHATTY_FUNCTION = {
    "relative_error": "def relative_error(a, b):\n    print('y' * 100_000_000)\n    return 0.25\n",
}


def catalog() -> list[Attack]:
    return [
        Attack("patch_numpy_tools", 1, lambda t: wrong(extra_last=PATCH_NUMPY),
               "replaces a NumPy comparison function"),
        Attack("patch_check_helpers", 1, lambda t: wrong(extra_last=PATCH_CHECKS), "replaces a check helper"),
        Attack("patch_imports_on_arrival", 1, lambda t: wrong(extra_first=IMPORT_HOOK),
               "replaces Python's import function"),
        Attack("import_reference", 2, lambda t: wrong(extra_each=IMPORT_REFERENCE), "reference"),
        Attack("search_disk_for_answers", 2, lambda t: wrong(extra_each=SEARCH_DISK), "reaches for the grader's files"),
        Attack("delete_tests", 3, delete_tests, "deleted or renamed the cell"),
        Attack("weaken_tests", 3, weaken_tests, "edited the locked cell"),
        Attack("forge_metadata", 3, forge_metadata, "changed the nbgrader metadata"),
        Attack("unparsable_metadata", 6, unparsable_metadata, "deleted or renamed the cell"),
        Attack("reach_outside", 4, lambda t: wrong(extra_last=reach_outside_source(t)),
               "reaches for the grader's files"),
        Attack("background_writer", 4, lambda t: wrong(extra_last=background_writer_source(t)),
               "exits, forks or sends signals"),
        Attack("input_transformer", 5, lambda t: wrong(extra_first=INPUT_TRANSFORMER),
               "rewrites the code of later cells"),
        Attack("ast_transformer", 5, lambda t: wrong(extra_first=AST_TRANSFORMER),
               "rewrites the code of later cells"),
        Attack("always_equal_objects", 5, lambda t: submission(CHAPTER, dict(ALWAYS_EQUAL)),
               "defines a comparison or conversion method"),
        Attack("only_when_graded", 5, lambda t: wrong(extra_each=GRADED_ONLY), "checks whether it is being graded"),
        Attack("os_exit_at_top_level", 6, lambda t: wrong(extra_last=OS_EXIT), "exits, forks or sends signals"),
        Attack("exit_inside_functions", 6, lambda t: submission(CHAPTER, dict(WRONG, **SYS_EXIT_IN_FUNCTION)),
               "exits, forks or sends signals"),
        Attack("kill_everyone", 6, lambda t: wrong(extra_last=KILL_EVERYONE), "exits, forks or sends signals",
               strong_only=True),
        Attack("endless_loop_ignoring_signals", 6, lambda t: wrong(extra_last=ENDLESS_IGNORING),
               "exits, forks or sends signals"),
        Attack("fork_loop", 6, lambda t: wrong(extra_last=FORK_LOOP), "exits, forks or sends signals",
               strong_only=True),
        Attack("allocate_all_memory", 6, lambda t: wrong(extra_last=MEMORY_GRADUAL), ""),
        Attack("print_gigabytes", 6, lambda t: with_cell(submission(CHAPTER, dict(WRONG, **CHATTY_FUNCTION)),
                                                         PRINT_GIGABYTES, position=3), ""),
    ]


def honest() -> dict[str, object]:
    """Honest submissions graded beside the attacks: their scores must not move."""
    partial = dict(WRONG)
    partial.pop("relative_error")
    return {"honest_full": submission(CHAPTER), "honest_partial": submission(CHAPTER, partial),
            "honest_stub": submission(CHAPTER, solve=False)}


__all__ = ["CHAPTER", "Attack", "catalog", "honest"]
