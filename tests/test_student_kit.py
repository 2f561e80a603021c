"""The students' distribution: the chapters and the check helpers, and nothing of the answers.

The kit is built into a temporary folder and searched (with this file's own reading of the
instructor notebooks, not the builder's) for nbgrader markers, solution and hidden-test lines,
and anything named after the instructor's material or the grader. The slow tests install it
alone in a fresh virtual environment, as a student would, and run a chapter answered with the
reference solutions in that environment's own kernel.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import CHAPTERS, ROOT
from leaks import MARKERS, secret_lines

from autograder.student_kit import StudentKitError, build_student_kit

KIT_MODULES = {"__init__", "checks", "contract", "data"}
# every other module of the course's autograder package is the grader's (and paths.py, which
# the kit does not need), whatever is added to it later
GRADING_MODULES = {"grade", "worker", "proxy", "jail", "sandbox", "wire", "assemble", "tamper", "release",
                   "student_kit", "__main__"}
GRADING_MODULES |= {p.name.split(".")[0] for p in (ROOT / "autograder").iterdir()
                    if p.suffix == ".py" or (p.is_dir() and not p.name.startswith((".", "_")))} - KIT_MODULES
NOT_FOR_STUDENTS = {"solutions", "reference", "catalogs", "nbgrader"} | GRADING_MODULES
# Lines of the check helpers that repeat lines of solutions, reviewed and accepted
# ("except NotImplementedError:" is one the builder treats as a common statement).
ACCEPTED = {"autograder/checks.py": {"except NotImplementedError:"}}
CHAPTER_RUN = "02_gradient_checking"   # about 6 s with the reference answers


def quiet(*_):
    pass


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    return build_student_kit(tmp_path_factory.mktemp("kit") / "student-kit", log=quiet)


def strings(value):
    """Every string in a parsed notebook: sources, outputs, metadata."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)


def readable(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return "\n".join(strings(json.loads(text))) if path.suffix == ".ipynb" else text


def leaks(kit: Path) -> list[str]:
    secrets = {ch: secret_lines(ROOT / "solutions" / ch / f"{ch}.ipynb") for ch in CHAPTERS}
    everything = {line: ch for ch, lines in secrets.items() for line in lines}
    found = []
    for path in sorted(p for p in kit.rglob("*") if p.is_file()):
        rel = path.relative_to(kit).as_posix()
        raw = path.read_text(encoding="utf-8")
        for number, line in enumerate(raw.splitlines(), 1):
            if MARKERS.search(line):
                found.append(f"{rel}:{number}: nbgrader marker in {line.strip()!r}")
        text = readable(path)
        # a chapter is searched for its own secrets (generic lines recur across chapters), every
        # other file for those of all chapters
        chapter = rel.split("/")[1] if rel.startswith("chapters/") else None
        candidates = {s: chapter for s in secrets[chapter]} if chapter in secrets else everything
        for line, source in candidates.items():
            if line in text and line not in ACCEPTED.get(rel, ()):
                number = next((n for n, r in enumerate(raw.splitlines(), 1) if line in r), "?")
                found.append(f"{rel}:{number}: line of solutions/{source} {line!r}")
    return found


def test_kit_has_no_solution_hidden_test_or_marker(kit):
    found = leaks(kit)
    assert not found, "the student kit gives away:\n" + "\n".join(found[:30])


def test_kit_holds_only_the_chapters_and_the_student_modules(kit):
    files = sorted(p.relative_to(kit).as_posix() for p in kit.rglob("*") if p.is_file())
    beside = [f"chapters/{ch}/{p.name}" for ch in CHAPTERS for p in (ROOT / "chapters" / ch).iterdir()
              if p.is_file() and not p.name.startswith(".") and p.suffix != ".ipynb"]  # e.g. results a chapter reads
    expected = sorted(["README.md", "pyproject.toml", *(f"autograder/{m}.py" for m in KIT_MODULES),
                       *(f"chapters/{ch}/{ch}.ipynb" for ch in CHAPTERS), *beside])
    assert files == expected
    for path in kit.rglob("*"):
        named = {part.split(".")[0] for part in path.relative_to(kit).parts}
        assert not named & NOT_FOR_STUDENTS, f"{path.relative_to(kit)} is not for students"
    for ch in CHAPTERS:
        committed = ROOT / "chapters" / ch / f"{ch}.ipynb"
        assert (kit / "chapters" / ch / f"{ch}.ipynb").read_bytes() == committed.read_bytes()
    for module in KIT_MODULES - {"__init__"}:
        text = (kit / "autograder" / f"{module}.py").read_text(encoding="utf-8")
        assert text == (ROOT / "autograder" / f"{module}.py").read_text(encoding="utf-8")
        for name in sorted(NOT_FOR_STUDENTS):
            assert f"import {name}" not in text and f".{name} import" not in text, f"{module}.py imports {name}"


def test_kit_metadata_comes_from_the_main_project_and_the_book(kit):
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
    main = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    project = tomllib.loads((kit / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    url = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
    assert project["name"] == "backprop-by-hand-kit" and project["version"] == main["version"]
    assert project["urls"]["Repository"] == url
    deps = {d.split(">")[0].split("<")[0].split("=")[0]: d for d in project["dependencies"]}
    assert set(deps) == {"numpy", "matplotlib", "scikit-learn", "pooch", "threadpoolctl", "ipykernel",
                         "jupyterlab", "jupyterlab-myst"}
    for requirement in main["dependencies"]:
        name = requirement.split(">")[0].split("<")[0].split("=")[0]
        if name in deps:
            assert deps[name] == requirement, f"{name}: the kit's range differs from pyproject.toml's"
    assert deps["jupyterlab"] == "jupyterlab>=4,<5" and deps["jupyterlab-myst"] == "jupyterlab-myst>=2.4,<3"
    readme = (kit / "README.md").read_text(encoding="utf-8")
    for needed in (url, "python -m venv .venv && .venv/bin/pip install .", ".venv/bin/jupyter lab chapters/",
                   "raise NotImplementedError()", "hidden tests", "inputs", "Submit"):
        assert needed in readme, f"the student README does not say {needed!r}"


# --------------------------------------------------------------------------- refusals


def small_course(tmp_path: Path, chapter: str = CHAPTER_RUN) -> Path:
    """A copy of the parts of the course the builder reads, with one chapter."""
    root = tmp_path / "course"
    for name in ("_config.yml", "pyproject.toml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, root / name)
    shutil.copytree(ROOT / "autograder", root / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("solutions", "chapters"):
        shutil.copytree(ROOT / part / chapter, root / part / chapter)
    return root


def a_solution_line(chapter: str) -> str:
    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    code = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                and c.cell_type == "code")
    body = code.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    return max((line for line in body.splitlines() if "#" not in line), key=len)


def test_build_refuses_a_solution_line_in_a_chapter(tmp_path):
    root = small_course(tmp_path)
    path = root / "chapters" / CHAPTER_RUN / f"{CHAPTER_RUN}.ipynb"
    nb = nbformat.read(path, as_version=4)
    stub = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    stub.source = stub.source.replace("raise NotImplementedError()", a_solution_line(CHAPTER_RUN).strip())
    nbformat.write(nb, path)
    dest = tmp_path / "kit"
    with pytest.raises(StudentKitError, match=rf"chapters/{CHAPTER_RUN}/{CHAPTER_RUN}\.ipynb:\d+: repeats"):
        build_student_kit(dest, log=quiet, root=root)
    assert not dest.exists(), "a refused kit must not be written"


def test_build_refuses_a_marker_or_a_solution_line_in_a_kit_module(tmp_path):
    root = small_course(tmp_path)
    data = root / "autograder" / "data.py"
    lines = data.read_text(encoding="utf-8").splitlines()
    added = ['_NOTE = """', "### BEGIN HIDDEN TESTS", a_solution_line(CHAPTER_RUN), '"""']
    data.write_text("\n".join(lines + added) + "\n", encoding="utf-8")
    with pytest.raises(StudentKitError) as err:
        build_student_kit(tmp_path / "kit", log=quiet, root=root)
    assert f"autograder/data.py:{len(lines) + 2}: contains the nbgrader marker" in str(err.value)
    assert f"autograder/data.py:{len(lines) + 3}: repeats a line of solutions/{CHAPTER_RUN}" in str(err.value)


def test_build_refuses_a_grading_import(tmp_path):
    root = small_course(tmp_path)
    checks = root / "autograder" / "contract.py"
    lines = checks.read_text(encoding="utf-8").splitlines()
    checks.write_text("\n".join(lines + ["def _later():", "    from .sandbox import attach"]) + "\n",
                      encoding="utf-8")
    with pytest.raises(StudentKitError, match=rf"autograder/contract.py:{len(lines) + 2}: imports autograder.sandbox"):
        build_student_kit(tmp_path / "kit", log=quiet, root=root)


def test_build_replaces_an_earlier_kit_but_not_another_folder(tmp_path):
    root = small_course(tmp_path)
    dest = build_student_kit(tmp_path / "kit", log=quiet, root=root)
    (dest / ".git").mkdir()
    (dest / "stale.txt").write_text("left from before\n")
    build_student_kit(dest, log=quiet, root=root)
    assert (dest / ".git").is_dir() and not (dest / "stale.txt").exists()
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me\n")
    with pytest.raises(StudentKitError, match="not empty"):
        build_student_kit(other, log=quiet, root=root)
    assert (other / "mine.txt").read_text() == "keep me\n"


# --------------------------------------------------------------------------- installed alone


def clean_env(venv: Path, home: Path) -> dict:
    """The environment of a student's shell: the kit's venv first on PATH, nothing of this one."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("JUPYTER")}
    ours = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *(p for p in env.get("PATH", "").split(os.pathsep)
                                                          if p and p != ours)])
    for var, sub in (("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_DATA_DIR", "jupyter-data"),
                     ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"), ("IPYTHONDIR", "ipython"),
                     ("MPLCONFIGDIR", "matplotlib")):
        env[var] = str(home / sub)
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    return env


def run(cmd, *, cwd, env, timeout):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def kit_venv(tmp_path_factory):
    """A fresh virtual environment with nothing but the student kit installed (``pip install <kit>``)."""
    base = tmp_path_factory.mktemp("kit-venv")
    kit = build_student_kit(base / "student-kit", log=quiet)
    venv, home = base / "venv", base / "home"
    home.mkdir()
    start = time.monotonic()
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, f"python -m venv failed:\n{made.stderr}"
    created = time.monotonic()
    env = clean_env(venv, home)
    pip = [venv / "bin" / "python", "-m", "pip"]
    proc = run([*pip, "install", kit, "-c", ROOT / "constraints.txt"], cwd=base, env=env, timeout=2400)
    if proc.returncode != 0:
        probe = run([*pip, "download", "--no-deps", "--dest", base / "probe", "setuptools"],
                    cwd=base, env=env, timeout=600)
        if probe.returncode != 0:
            pytest.skip("pip cannot reach a package index: " + (probe.stderr.strip().splitlines() or ["?"])[-1])
        pytest.fail(f"pip install of the student kit failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    installed = time.monotonic()
    print(f"\nstudent kit venv: created in {created - start:.1f} s, kit installed in {installed - created:.1f} s")
    return {"venv": venv, "env": env, "base": base}


PROBE = """
import importlib, json, sys
out = {}
for name in ("nbgrader", "reference", "autograder.grade", "catalogs", "autograder.paths"):
    try:
        importlib.import_module(name)
        out[name] = "imported"
    except ImportError as exc:
        out[name] = f"ImportError: {exc}"
from autograder.checks import check_array
from autograder.data import load_digits
import autograder
out["autograder"] = autograder.__file__
out["digits"] = list(load_digits().X_train.shape)
out["prefix"] = sys.prefix
print(json.dumps(out))
"""


@pytest.mark.slow
def test_kit_venv_has_the_kit_and_nothing_of_the_grader(kit_venv, tmp_path):
    venv = kit_venv["venv"]
    proc = run([venv / "bin" / "python", "-c", PROBE], cwd=tmp_path, env=kit_venv["env"], timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in ("nbgrader", "reference", "autograder.grade", "catalogs", "autograder.paths"):
        assert out[name].startswith("ImportError"), f"{name} can be imported with only the student kit installed"
    assert Path(out["autograder"]).resolve().is_relative_to(venv.resolve()), out["autograder"]
    assert out["digits"][1] == 64
    listed = run([venv / "bin" / "python", "-m", "pip", "list", "--format=json"], cwd=tmp_path,
                 env=kit_venv["env"], timeout=300)
    names = {p["name"].lower().replace("_", "-") for p in json.loads(listed.stdout)}
    assert {"backprop-by-hand-kit", "jupyterlab", "jupyterlab-myst", "ipykernel"} <= names
    assert not names & {"nbgrader", "backprop-by-hand", "jupyter-book"}


@pytest.mark.slow
def test_a_chapter_answered_with_the_reference_runs_in_the_kit_venv(kit_venv, tmp_path):
    from catalogs import submission

    venv = kit_venv["venv"]
    folder = tmp_path / CHAPTER_RUN
    folder.mkdir()
    nb = submission(CHAPTER_RUN)
    nb.cells.append(nbformat.v4.new_code_cell("import sys, autograder\nprint(sys.prefix)\nprint(autograder.__file__)"))
    nbformat.write(nb, folder / f"{CHAPTER_RUN}.ipynb")
    start = time.monotonic()
    proc = run([venv / "bin" / "jupyter", "nbconvert", "--to", "notebook", "--execute",
                "--ExecutePreprocessor.timeout=300", "--ExecutePreprocessor.kernel_name=python3",
                "--output", "executed.ipynb", f"{CHAPTER_RUN}.ipynb"], cwd=folder, env=kit_venv["env"], timeout=900)
    print(f"\n{CHAPTER_RUN} answered with the reference ran in the kit venv in {time.monotonic() - start:.1f} s")
    assert proc.returncode == 0, f"{CHAPTER_RUN} fails in the kit's environment:\n{proc.stderr[-5000:]}"
    executed = nbformat.read(folder / "executed.ipynb", as_version=4)
    tests = 0
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"a cell fails: {errors[0].ename}: {errors[0].evalue}\n{cell.source[:300]}"
        assert cell.execution_count is not None, f"a cell did not run:\n{cell.source[:300]}"
        tests += bool(cell.metadata.get("nbgrader", {}).get("grade"))
    assert tests >= 3, "the chapter's visible tests did not run"
    last = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    prefix, module = last.strip().splitlines()[-2:]
    assert Path(prefix).resolve() == venv.resolve(), f"the kernel ran in {prefix}, not in the kit's venv"
    assert Path(module).resolve().is_relative_to(venv.resolve()), module
