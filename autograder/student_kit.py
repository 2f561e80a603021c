"""The students' distribution: the released chapters and the check helpers, without the answers.

``build_student_kit(DIR)`` writes a self-contained folder that can be handed to students
or pushed as the students' repository (the one ``_config.yml``'s ``repository.url`` names):

- ``chapters/<id>/<id>.ipynb``: copies of the committed student edition (nothing is executed);
- ``autograder/``: the student kit the chapters import, ``autograder.checks``,
  ``autograder.contract`` and ``autograder.data`` and the modules they import (found by
  reading their imports; a grading module among them stops the build);
- ``pyproject.toml``: installs that package and what the chapters need (``pip install .``);
- ``README.md``: how to install, start, work on an exercise and submit.

Nothing else is written: no instructor notebooks, no ``reference`` package, no hidden
tests, no seeded-bug catalog, no nbgrader and no grading modules. Before the folder is put
in place, every file is searched for nbgrader's region markers and for every line of the
solution and hidden-test regions of ``solutions/*/*.ipynb``; one found stops the build with
the file and line (see ``scan``).
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .paths import REPO, chapter_ids

KIT_NAME = "backprop-by-hand-kit"
PACKAGE = "autograder"

#: the modules the chapters import (``from autograder.checks import ...``); what they import is added
STUDENT_MODULES = ("checks", "contract", "data")

#: modules of the grader: none of them may be in the kit, or be imported by what is
GRADER_MODULES = frozenset({"grade", "worker", "proxy", "jail", "sandbox", "wire", "assemble", "tamper",
                            "release", "feedback", "formgrader", "sanitize", "student_kit",
                            "__main__"})

#: distributions the kit installs, by the name they are imported under; the version ranges
#: of those the main pyproject.toml lists are taken from it, the others are given here
KIT_REQUIREMENTS = {
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "sklearn": "scikit-learn",          # the bundled digits
    "pooch": "pooch",                   # data.py's optional download of Fashion-MNIST
    "threadpoolctl": "threadpoolctl",   # chapters 5-7 import it directly
    "ipykernel": "ipykernel",
    "jupyterlab": "jupyterlab",
    "jupyterlab_myst": "jupyterlab-myst",  # renders the chapters' MyST markup as the book does
}
OWN_RANGES = {"jupyterlab": ">=4,<5", "jupyterlab-myst": ">=2.4,<3", "threadpoolctl": ">=3,<4"}

MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|BEGIN MARK SCHEME")
REGION = re.compile(r"^[ \t]*### BEGIN (SOLUTION|HIDDEN TESTS)[^\n]*\n(.*?)^[ \t]*### END \1[^\n]*$",
                    re.S | re.M)

#: a line of a solution shorter than this (after collapsing spaces) is not distinctive
MIN_SECRET_LENGTH = 25
#: statements any Python code may contain: ``except NotImplementedError:``, ``return out``, ...
COMMON_STATEMENT = re.compile(r"^(?:(?:except|raise)(?: [\w.]+(?:\(\))?(?: as \w+)?)?|try|else|finally|pass|"
                              r"break|continue|return(?: [\w.]+)?)\s*:?$")

#: lines of the kit's own modules that repeat a line of a solution, accepted after review. Each
#: entry weakens the refusal for that file and line text only, and the build says so every time.
KNOWN_OVERLAPS: dict[str, dict[str, str]] = {}


class StudentKitError(RuntimeError):
    """The student kit cannot be built, or would contain what students must not have."""


@dataclass(frozen=True)
class Finding:
    path: str       # relative to the kit
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


# --------------------------------------------------------------------------- configuration


def repository_url(root: Path = REPO) -> str:
    """The students' repository: ``repository.url`` in ``_config.yml`` (the one place it is set)."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    url = (config.get("repository") or {}).get("url")
    if not isinstance(url, str) or not url.strip():
        raise StudentKitError(f"{root / '_config.yml'}: no repository.url (the students' repository)")
    return url.strip()


def _main_project(root: Path) -> dict:
    """``[project]`` of the main pyproject.toml (only what the kit needs, also without tomllib)."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:   # Python 3.10: read the two fields by hand
        version = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
        block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", text, re.M | re.S)
        return {"version": version.group(1) if version else None,
                "requires-python": (re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.M) or [None, None])[1],
                "dependencies": re.findall(r'"([^"]+)"', block.group(1)) if block else []}
    return tomllib.loads(text).get("project", {})


def _name_of(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower().replace("_", "-")


def kit_requirements(root: Path = REPO) -> list[str]:
    """The kit's dependencies, with the main pyproject.toml's version ranges where it has them."""
    main = {_name_of(r): r.strip() for r in _main_project(root).get("dependencies", [])}
    out = []
    for dist in KIT_REQUIREMENTS.values():
        if dist in main:
            out.append(main[dist])
        elif dist in OWN_RANGES:
            out.append(dist + OWN_RANGES[dist])
        else:
            raise StudentKitError(f"no version range for {dist}: add it to pyproject.toml or OWN_RANGES")
    return out


# --------------------------------------------------------------------------- what the kit holds


def _imports(source: str, filename: str):
    """``(line, module, level, names)`` for every import statement, also those inside functions."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        raise StudentKitError(f"{filename}:{exc.lineno}: cannot be parsed ({exc.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, 0, ()
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, node.module or "", node.level, tuple(a.name for a in node.names)


def _own_module(module: str, level: int, names, package_dir: Path) -> list[str]:
    """The ``autograder`` modules an import statement names (``[]`` for other packages)."""
    if level == 0:
        parts = module.split(".")
        if parts[0] != PACKAGE:
            return []
        if len(parts) > 1:
            return [parts[1]]
        return [n for n in names if (package_dir / f"{n}.py").is_file() or (package_dir / n).is_dir()]
    if level > 1:
        raise ValueError("relative import beyond the package")
    if module:
        return [module.split(".")[0]]
    return list(names)


def _third_party(module: str, level: int) -> str | None:
    top = module.split(".")[0]
    if level or not top or top == PACKAGE or top in sys.stdlib_module_names or top == "__future__":
        return None
    return top


def kit_modules(root: Path = REPO) -> list[str]:
    """``STUDENT_MODULES`` and every ``autograder`` module they import, directly or not."""
    package_dir = root / PACKAGE
    todo, seen = list(STUDENT_MODULES), []
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        path = package_dir / f"{name}.py"
        if not path.is_file():
            raise StudentKitError(f"{path}: missing (the chapters need autograder.{name})")
        seen.append(name)
        for line, module, level, names in _imports(path.read_text(encoding="utf-8"), str(path.relative_to(root))):
            where = f"{path.relative_to(root)}:{line}"
            try:
                own = _own_module(module, level, names, package_dir)
            except ValueError:
                raise StudentKitError(f"{where}: imports from outside the autograder package") from None
            for other in own:
                if other in GRADER_MODULES:
                    raise StudentKitError(f"{where}: imports autograder.{other}, a grading module that "
                                          "must not reach students; the student kit cannot be built")
                if other not in seen:
                    todo.append(other)
            top = _third_party(module, level)
            if top and top not in KIT_REQUIREMENTS:
                raise StudentKitError(f"{where}: imports {top}, which the student kit does not install "
                                      "(add it to KIT_REQUIREMENTS in autograder/student_kit.py)")
    return seen


def _check_chapter_imports(notebook: Path, modules, shown: str, package_dir: Path) -> None:
    """A chapter may import only the kit's modules, the standard library and what the kit installs."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        source = re.sub(r"^\s*[%!].*$", "", source, flags=re.M)   # IPython magics and shell lines
        try:
            found = list(_imports(source, shown))
        except StudentKitError:
            continue   # not Python (a stub a student completes): nothing to check
        for line, module, level, names in found:
            where = f"{shown}, cell {index}, line {line}"
            own = _own_module(module, level, names, package_dir) if level == 0 else []
            for other in own:
                if other not in modules:
                    raise StudentKitError(f"{where}: imports autograder.{other}, which is not in the student kit")
            top = _third_party(module, level)
            if top and top not in KIT_REQUIREMENTS:
                raise StudentKitError(f"{where}: imports {top}, which the student kit does not install "
                                      "(add it to KIT_REQUIREMENTS in autograder/student_kit.py)")


# --------------------------------------------------------------------------- the leak scan


def _norm(line: str) -> str:
    return " ".join(line.split())


def _distinctive(line: str) -> bool:
    return len(line) >= MIN_SECRET_LENGTH and not line.startswith("#") and not COMMON_STATEMENT.match(line)


def _cell_source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def secret_lines(root: Path = REPO) -> dict[str, str]:
    """Every distinctive line inside a solution or hidden-test region of ``solutions/*/*.ipynb``.

    Maps the line (spaces collapsed) to where it comes from. A line that also appears outside
    every region, in any instructor notebook, is not secret: it is what the release keeps
    (a solution cell's def line and docstring, a visible test, the text), so the released
    chapters legitimately hold it. The released chapters' own lines are deliberately not used
    as the allowlist, since they are what is being checked.
    """
    secret, public = {}, set()
    for notebook in sorted((root / "solutions").glob("*/*.ipynb")):
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        for index, cell in enumerate(nb.get("cells", [])):
            source = _cell_source(cell)
            meta = cell.get("metadata", {}).get("nbgrader", {})
            regions = [m.group(2) for m in REGION.finditer(source)]
            if meta.get("solution") and not regions:
                regions = [source]   # nbgrader replaces a solution cell without markers entirely
            outside = "" if meta.get("solution") and source in regions else REGION.sub("", source)
            public.update(_norm(line) for line in outside.splitlines())
            label = f"{notebook.relative_to(root)}, cell {index}"
            if meta.get("grade_id"):
                label += f" ({meta['grade_id']})"
            for region in regions:
                for line in region.splitlines():
                    text = _norm(line)
                    if _distinctive(text):
                        secret.setdefault(text, label)
    return {line: where for line, where in secret.items() if line not in public}


def _texts(raw_line: str, is_notebook: bool) -> list[str]:
    """What a line of a file says: itself, and for a notebook the JSON string it holds."""
    text = raw_line.strip()
    out = [text]
    if is_notebook:
        value = text[:-1] if text.endswith(",") else text
        keyed = re.match(r'^"(?:[^"\\]|\\.)*"\s*:\s*(".*")$', value)
        if keyed:
            value = keyed.group(1)
        if value.startswith('"'):
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = None
            if isinstance(decoded, str):
                out.extend(decoded.splitlines())
    return [_norm(t) for t in out]


def scan(kit: Path, secrets: dict[str, str], known: dict[str, dict[str, str]] | None = None):
    """Findings (markers, solution lines) in every file under ``kit``, and the overlaps accepted."""
    known = KNOWN_OVERLAPS if known is None else known
    findings, accepted = [], []
    for path in sorted(p for p in kit.rglob("*") if p.is_file()):
        rel = path.relative_to(kit).as_posix()
        # a figure the release put beside a notebook is searched too, as whatever text it holds
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, raw in enumerate(text.splitlines(), 1):
            marker = MARKERS.search(raw)
            if marker:
                findings.append(Finding(rel, number, f"contains the nbgrader marker {marker.group(0)!r}"))
            for line in _texts(raw, path.suffix == ".ipynb"):
                if line in secrets:
                    if line in known.get(rel, {}):
                        accepted.append(Finding(rel, number, f"repeats {line!r} of {secrets[line]}"))
                    else:
                        findings.append(Finding(rel, number, f"repeats a line of {secrets[line]}: {line!r}"))
                    break
    return findings, accepted


def check_layout(kit: Path, modules, chapters, root: Path = REPO) -> list[Finding]:
    """Anything in ``kit`` that is not one of the files the kit consists of, or is named after
    the instructor's material or any ``autograder`` module the kit does not hold."""
    allowed = {"README.md", "pyproject.toml", f"{PACKAGE}/__init__.py"}
    allowed |= {f"{PACKAGE}/{m}.py" for m in modules}
    others = {p.name.split(".")[0] for p in (root / PACKAGE).iterdir()
              if (p.suffix == ".py" or p.is_dir()) and not p.name.startswith(("_", "."))}
    names_not_for_students = ({"solutions", "reference", "catalogs", "nbgrader"} | GRADER_MODULES | others) \
        - set(modules)
    findings = []
    for path in sorted(kit.rglob("*")):
        rel = path.relative_to(kit)
        names = {p.split(".")[0] for p in rel.parts}
        forbidden = names & names_not_for_students
        if forbidden:
            findings.append(Finding(rel.as_posix(), 0, f"named {sorted(forbidden)[0]!r}, which is not for students"))
        elif path.is_file() and rel.as_posix() not in allowed and not (
                rel.parts[0] == "chapters" and len(rel.parts) == 3 and rel.parts[1] in chapters):
            findings.append(Finding(rel.as_posix(), 0, "is not part of the student kit"))
    return findings


# --------------------------------------------------------------------------- writing it


INIT = '''"""Backprop by Hand: the check helpers and data loaders the chapters use.

The chapters import them in their first code cell::

    from autograder.checks import call, check_array, check_scalar, check_shape, check_gradient
    from autograder.data import load_digits, load_fashion_mnist

``autograder.checks`` compares your results with the expected ones and explains what is
wrong; ``autograder.data`` loads the data sets (the 8x8 digits are always available).
"""
'''


def _toml_list(items) -> str:
    return "[\n" + "".join(f"    {json.dumps(i)},\n" for i in items) + "]"


def pyproject(root: Path = REPO) -> str:
    main = _main_project(root)
    version = main.get("version")
    if not version:
        raise StudentKitError(f"{root / 'pyproject.toml'}: no [project] version")
    return f"""\
# The students' kit of Backprop by Hand: `pip install .` installs the check helpers and data
# loaders the chapters import, and JupyterLab to work on the chapters.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{KIT_NAME}"
version = "{version}"
description = "Backprop by Hand for students: the chapters' exercises, their check helpers and data loaders."
readme = "README.md"
requires-python = "{main.get('requires-python') or '>=3.10'}"
license = {{ text = "MIT" }}
dependencies = {_toml_list(kit_requirements(root))}

[project.urls]
Repository = "{repository_url(root)}"

[tool.setuptools]
packages = ["{PACKAGE}"]
"""


def _chapter_title(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in _cell_source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def readme(root: Path, chapters, url: str) -> str:
    rows = "\n".join(f"| `{c}` | {_chapter_title(root / 'chapters' / c / f'{c}.ipynb')} |" for c in chapters)
    first = chapters[0]
    return f"""\
# Backprop by Hand: the exercises

This folder holds the chapters of Backprop by Hand as Jupyter notebooks, with their
exercises, and the small Python package their tests use. The book itself, with every
derivation and the figures your own runs should reproduce, is the place to read; this is
the place to write code. The latest version of this folder is the repository
{url}.

| chapter | topic |
| --- | --- |
{rows}

## Install (once)

You need Python 3.10 or newer. In this folder:

```bash
python -m venv .venv && .venv/bin/pip install .
```

(On Windows: `python -m venv .venv` then `.venv\\Scripts\\pip install .`.) This installs
NumPy, Matplotlib, scikit-learn, JupyterLab with its MyST extension (so the notebooks'
notes and exercises render as in the book), and the package `autograder`, which gives the
chapters `autograder.checks` (the test helpers) and `autograder.data` (the data sets).
If you use a notebook downloaded from the book, open it in a kernel of this environment:
its first code cell imports these two modules.

## Start

```bash
.venv/bin/jupyter lab chapters/
```

(on Windows: `.venv\\Scripts\\jupyter lab chapters`) and open a chapter, for example
`{first}/{first}.ipynb`. Run its cells from the top: each chapter's first code cell
imports what the rest needs.

## Work on an exercise

1. An exercise is a code cell with a function whose body is

   ```python
   # YOUR CODE HERE
   raise NotImplementedError()
   ```

   Replace those two lines with your code. Keep the function's name and parameters as
   they are: the tests call it by that name.
2. Run the cell, then the test cell below it. A test that passes prints a line such as
   `relative_error: all visible edge-case tests passed`, or nothing at all. A test that
   fails stops with an `AssertionError` that says what is wrong, for example

   ```text
   numerical_gradient(f, x, eps=0.1)[1] is 24.02, expected 12.01 (difference 12; 3 of 3
   entries differ). Likely mistake: you divided by eps instead of 2*eps.
   ```

   It names the output, the worst entry, the value expected and the value you returned,
   and, when your answer matches a common mistake, what that mistake probably is.
   `... is not implemented yet` means the function still raises `NotImplementedError`.
3. A graded function must leave its inputs as it found them, unless its exercise says
   it may change one of them (for example the `x` that `numerical_gradient` perturbs and
   restores, or an optimizer's `state`). Otherwise the test fails with a message such as
   `softmax() changed its argument Z in place (Z[0, 0] was 5.0, is now 0.0)`: compute on a
   copy (`Z = Z - c` instead of `Z -= c`).
4. The visible tests are only part of the grading: hidden tests run your functions on
   other inputs and on edge cases (very large or very small values, a single example,
   ...). Passing the visible tests is necessary, not sufficient; write code that follows
   the docstring, not code that fits the visible tests.
5. Written answers (derivations) go in the markdown cells that say `YOUR ANSWER HERE`;
   they are graded by hand.

Editing a test cell does not change your grade: grading uses its own copy of every test.

## Submit

1. Save the notebook, then choose *Kernel > Restart Kernel and Run All Cells* and check
   that it runs from top to bottom: grading runs your notebook the same way, in a fresh
   kernel.
2. Hand in the notebook file itself, `chapters/<chapter>/<chapter>.ipynb` (for example
   `{first}.ipynb`), under that name and as your course asks (usually an upload to the
   course's learning platform). Do not rename it or hand in a copy under another name.

You receive feedback for each exercise: its points and the message of each test that
failed.

## Data

Most chapters use the 8x8 handwritten digits that come with scikit-learn, which always work.
Chapter 8 can also use Fashion-MNIST: `autograder.data.load_fashion_mnist(download=True)`
downloads it once into `~/.cache/backprop-by-hand` (or the folder `$BACKPROP_DATA` names)
and checks every file.
"""


def _check_dest(dest: Path) -> list[Path]:
    """What ``dest`` holds that a new kit replaces; refuse a folder that is neither empty nor a kit."""
    if not dest.exists():
        return []
    if not dest.is_dir():
        raise StudentKitError(f"{dest} is not a folder")
    entries = [p for p in dest.iterdir() if p.name != ".git"]
    earlier = dest / "pyproject.toml"
    if entries and not (earlier.is_file() and f'name = "{KIT_NAME}"' in earlier.read_text(encoding="utf-8")):
        raise StudentKitError(f"{dest} is not empty and does not hold a student kit: "
                              "give a new or empty folder, or an earlier kit to replace")
    return entries


def _replace(dest: Path, staged: Path) -> None:
    """Put ``staged`` at ``dest``: a new folder, an empty one, or an earlier kit (its .git kept)."""
    if dest.exists():
        for entry in _check_dest(dest):
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        for entry in staged.iterdir():
            shutil.move(str(entry), dest / entry.name)
        staged.rmdir()
    else:
        staged.rename(dest)


def build_student_kit(dest: Path, chapters: list[str] | None = None, log=print, *, root: Path = REPO) -> Path:
    """Write the students' distribution into ``dest`` (see the module docstring); returns ``dest``.

    ``chapters`` (default: every chapter in ``chapters/``) are copied as committed.
    ``dest`` may be new, empty, or an earlier kit (replaced, except its ``.git``); nothing
    is written there unless the whole kit passes the leak scan. Raises ``StudentKitError``.
    """
    dest = Path(dest).resolve()
    root = Path(root).resolve()
    if dest == root or root.is_relative_to(dest) or dest.is_relative_to(root / "chapters") \
            or dest.is_relative_to(root / "solutions") or dest.is_relative_to(root / PACKAGE):
        raise StudentKitError(f"{dest}: choose a folder outside the course's own chapters, solutions and code")
    released = chapter_ids(root / "chapters") if (root / "chapters").is_dir() else []
    chapters = list(chapters or released)
    unknown = [c for c in chapters if c not in released]
    if unknown or not chapters:
        raise StudentKitError(f"no released chapter {', '.join(unknown) or '(none given)'} in chapters/ "
                              f"(found {', '.join(released) or 'none'}; `autograder release` writes them)")
    _check_dest(dest)
    url = repository_url(root)
    modules = kit_modules(root)
    for chapter in chapters:
        _check_chapter_imports(root / "chapters" / chapter / f"{chapter}.ipynb", modules,
                               f"chapters/{chapter}/{chapter}.ipynb", root / PACKAGE)
    secrets = secret_lines(root)

    dest.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        (staged / PACKAGE).mkdir()
        (staged / PACKAGE / "__init__.py").write_text(INIT, encoding="utf-8")
        for module in modules:
            shutil.copyfile(root / PACKAGE / f"{module}.py", staged / PACKAGE / f"{module}.py")
        for chapter in chapters:
            source, target = root / "chapters" / chapter, staged / "chapters" / chapter
            target.mkdir(parents=True)
            for item in sorted(source.iterdir()):   # the notebook and any file the release put beside it
                if item.is_file() and not item.name.startswith("."):
                    shutil.copyfile(item, target / item.name)
        (staged / "pyproject.toml").write_text(pyproject(root), encoding="utf-8")
        (staged / "README.md").write_text(readme(root, chapters, url), encoding="utf-8")

        findings, accepted = scan(staged, secrets)
        findings += check_layout(staged, modules, chapters, root)
        if findings:
            shown = "\n  ".join(map(str, findings[:20]))
            more = f"\n  ... and {len(findings) - 20} more" if len(findings) > 20 else ""
            raise StudentKitError(f"the student kit would give away what students must not have; "
                                  f"nothing was written to {dest}:\n  {shown}{more}")
        for path in sorted({f.path for f in accepted}):
            lines = ", ".join(str(f.line) for f in accepted if f.path == path)
            log(f"note: {path} lines {lines} repeat lines of a solution; accepted as KNOWN_OVERLAPS "
                "(autograder/student_kit.py)")
        _replace(dest, staged)
    finally:
        if staged.exists():
            shutil.rmtree(staged)
    log(f"student kit written to {dest}: {len(chapters)} chapters, autograder/{{{', '.join(modules)}}}.py; "
        f"install it with `python -m venv .venv && .venv/bin/pip install .` in that folder")
    return dest

