"""``autograder release``: instructor notebooks (solutions/) -> student edition (chapters/).

For each chapter:

1. execute the instructor notebook top to bottom in a fresh kernel (any error stops
   the release: a chapter whose own solutions fail is not released);
2. run nbgrader's ``generate_assignment`` on the executed copy, in a scratch course
   directory, with nbgrader's output clearing turned off, so that solutions are
   replaced by stubs and hidden tests and mark schemes are removed;
3. clear the outputs of solution and test cells (they would show the solution's
   results), keep those of explanatory cells (figures, expected results), and strip
   volatile metadata, so that releasing unchanged sources gives byte-identical files;
4. tag test cells and the code of figures ``hide-input``: the book shows them behind a
   "show code" toggle (the notebook itself is unchanged: Jupyter ignores the tag);
5. with ``instructor_root`` (``autograder release`` passes ``solutions/``), write the
   executed instructor notebook back with its outputs, so that every number the text quotes
   can be read beside it, and the instructor edition shows what the release computed.
"""
from __future__ import annotations

import copy
import os
import platform
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from .paths import REPO, chapter_ids, ensure_venv_bin_on_path, resolve_chapters

KERNEL = "python3"
CELL_TIMEOUT = 300  # seconds; no chapter cell comes near this
KEEP_NOTEBOOK_METADATA = ("kernelspec",)
COLLAPSED = "hide-input"  # Jupyter Book's cell tag for code behind a toggle
FIGURE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")


# OpenBLAS's AVX2 kernels and NumPy's AVX2 loops on every x86-64 CPU: with AVX-512, float32
# sums and exponentials (the training curves of the figures) differ in their last bits, and a
# release there would redraw a few pixels of every curve.
SAME_DIGITS_ON_EVERY_CPU = ({"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}
                            if platform.machine() in ("x86_64", "AMD64") else {})


class ReleaseError(RuntimeError):
    """A chapter could not be released (its instructor notebook fails, or nbgrader refused it)."""


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in a fresh kernel started in ``cwd``; raise on the first error."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    # One BLAS thread: summation order, hence every printed digit and figure, does not
    # depend on the number of cores.
    env_overrides = {"PYTHONHASHSEED": "0", "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1",
                     "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "MPLBACKEND": "module://matplotlib_inline.backend_inline", **SAME_DIGITS_ON_EVERY_CPU}
    saved = {k: os.environ.get(k) for k in env_overrides}
    os.environ.update(env_overrides)
    sockets = tempfile.TemporaryDirectory(prefix="bbh-kernel-")
    # The kernel talks over Unix sockets in a private folder, not over unencrypted localhost TCP
    # (which ipykernel warns about on every start).
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(Path(sockets.name) / "kernel")
    try:
        client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL, record_timing=False, coalesce_streams=True,
                                resources={"metadata": {"path": str(cwd)}}, config=config)
        client.execute()
    except CellExecutionError as exc:
        raise ReleaseError(f"the instructor notebook fails in {cwd.name}:\n{exc}") from None
    finally:
        sockets.cleanup()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def generate_student_edition(chapter: str, executed: nbformat.NotebookNode, src_dir: Path) -> nbformat.NotebookNode:
    """nbgrader ``generate_assignment`` on an executed instructor notebook; returns the student notebook."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    ensure_venv_bin_on_path()
    with tempfile.TemporaryDirectory(prefix="bbh-release-") as tmp:
        course = Path(tmp)
        source = course / "source" / chapter
        shutil.copytree(src_dir, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        nbformat.write(executed, source / f"{chapter}.ipynb")
        config = Config()
        config.CourseDirectory.root = str(course)
        config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"  # scratch, discarded
        config.ClearOutput.enabled = False  # outputs are cleared selectively below
        config.Exchange.root = str(course / "exchange")
        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        result = api.generate_assignment(chapter, force=True, create=True)
        if not result["success"]:
            raise ReleaseError(f"nbgrader generate_assignment failed for {chapter}:\n"
                               f"{result.get('error', '')}\n{result.get('log', '')}")
        return nbformat.read(course / "release" / chapter / f"{chapter}.ipynb", as_version=4)


def is_graded_or_solution(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade") or meta.get("task"))


def is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def draws_figure(cell) -> bool:
    return any(kind in output.get("data", {}) for output in cell.get("outputs", []) for kind in FIGURE_TYPES)


def collapse_in_book(cell) -> None:
    """Tag a test cell, or an explanatory cell whose code draws a figure, to show behind a
    toggle in the book. Exercise cells always stay in view."""
    solution = cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    if cell.cell_type == "code" and not solution and (is_test(cell) or draws_figure(cell)):
        tags = list(cell.metadata.get("tags", []))
        if COLLAPSED not in tags:
            cell.metadata["tags"] = tags + [COLLAPSED]


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Clear the outputs of solution and test cells and strip volatile metadata."""
    nb = copy.deepcopy(nb)
    nb.metadata = {k: nb.metadata[k] for k in KEEP_NOTEBOOK_METADATA if k in nb.metadata}
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("nbgrader", "tags")}
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        if is_graded_or_solution(cell):
            cell.outputs = []
        collapse_in_book(cell)
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = None
    return nb


def instructor_edition(executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The executed instructor notebook with every output kept and volatile metadata stripped."""
    nb = copy.deepcopy(executed)
    nb.metadata = {k: nb.metadata[k] for k in KEEP_NOTEBOOK_METADATA if k in nb.metadata}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("nbgrader", "tags")}
        if cell.cell_type == "code":
            cell.execution_count = None
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = None
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def release_chapter(chapter: str, out_root: Path = REPO / "chapters", instructor_root: Path | None = None) -> Path:
    """Release one chapter into ``out_root/<chapter>/<chapter>.ipynb`` (and its executed
    instructor notebook into ``instructor_root/<chapter>/`` if given); returns the student path."""
    src_dir = REPO / "solutions" / chapter
    nb = nbformat.read(src_dir / f"{chapter}.ipynb", as_version=4)
    executed = execute(nb, src_dir)
    student = normalize(generate_student_edition(chapter, executed, src_dir))
    if instructor_root is not None:
        write_notebook(instructor_edition(executed), instructor_root / chapter / f"{chapter}.ipynb")
    out_dir = out_root / chapter
    out_dir.mkdir(parents=True, exist_ok=True)
    for extra in src_dir.iterdir():  # data or images that belong to the chapter
        if extra.is_file() and extra.suffix != ".ipynb":
            shutil.copy2(extra, out_dir / extra.name)
    target = out_dir / f"{chapter}.ipynb"
    write_notebook(student, target)
    return target


def release(chapters=None, out_root: Path = REPO / "chapters", jobs: int = 1, log=print,
            instructor_root: Path | None = None) -> list[Path]:
    """Release ``chapters`` (default: every chapter in solutions/), ``jobs`` at a time."""
    try:
        chapters = resolve_chapters(chapters) if chapters else chapter_ids()
    except ValueError as exc:
        raise ReleaseError(f"{exc}; an instructor notebook is solutions/<id>/<id>.ipynb") from None
    if jobs <= 1 or len(chapters) == 1:
        paths = []
        for chapter in chapters:
            paths.append(release_chapter(chapter, out_root, instructor_root))
            log(f"released {paths[-1].relative_to(out_root.parent)}")
        return paths
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(release_chapter, c, out_root, instructor_root) for c in chapters]
        paths = [f.result() for f in futures]
    for path in paths:
        log(f"released {path.relative_to(out_root.parent)}")
    return paths
