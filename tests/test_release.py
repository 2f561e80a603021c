"""The release: instructor notebooks run clean, chapters/ is exactly what the release
produces, and nothing of the solutions or hidden tests reaches the student edition."""
import json

import nbformat
import pytest

from conftest import CHAPTERS, ROOT
from leaks import MARKERS, secret_lines


def fashion_mnist_available() -> bool:
    from autograder.data import DataError, load_fashion_mnist

    try:
        load_fashion_mnist()
    except DataError:
        return False
    return True


def figures_replaced(nb: dict) -> tuple[dict, list[str]]:
    """``nb`` with every PNG output replaced by a placeholder, and the PNGs in order."""
    nb, pngs = json.loads(json.dumps(nb)), []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                pngs.append(output["data"]["image/png"])
                output["data"]["image/png"] = f"<figure {len(pngs)}>"
    return nb, pngs


def pixels_differing(png_a: str, png_b: str) -> float:
    """The fraction of pixels that differ between two base64 PNGs (1.0 if their sizes differ)."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    a, b = (np.asarray(Image.open(io.BytesIO(base64.b64decode(p))).convert("RGB")) for p in (png_a, png_b))
    return 1.0 if a.shape != b.shape else float(np.any(a != b, axis=-1).mean())


def test_every_contract_chapter_exists():
    import reference

    assert CHAPTERS == sorted(reference.CONTRACT), "solutions/ must hold every chapter of the contract"


def assert_same_release(fresh, committed):
    """``committed`` is what a fresh release wrote to ``fresh``: byte for byte, except that a
    figure may differ in a few pixels (its curves come from float32 training, whose last bits
    depend on the CPU's vector units)."""
    if fresh.read_bytes() == committed.read_bytes():
        return
    stale = (f"{committed.relative_to(ROOT)} differs from a fresh release: run `make release` "
             "and commit the result (never edit chapters/ by hand)")
    fresh_nb, fresh_pngs = figures_replaced(json.loads(fresh.read_text(encoding="utf-8")))
    committed_nb, committed_pngs = figures_replaced(json.loads(committed.read_text(encoding="utf-8")))
    assert fresh_nb == committed_nb, stale
    for i, (a, b) in enumerate(zip(fresh_pngs, committed_pngs), 1):
        assert pixels_differing(a, b) < 0.01, f"{stale} (figure {i} is redrawn)"


def skip_without_fashion_mnist(committed):
    if b"Fashion-MNIST, 3000 training images" in committed.read_bytes() and not fashion_mnist_available():
        pytest.skip(f"{committed.parent.name} was released with Fashion-MNIST, which is not on this machine "
                    "(install Debian's dataset-fashion-mnist, as `make test` does on Debian)")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_matches_committed_chapters(released, chapter):
    committed = ROOT / "chapters" / chapter / f"{chapter}.ipynb"
    assert committed.is_file(), f"{committed} is missing: run `make release`"
    skip_without_fashion_mnist(committed)
    assert_same_release(released / chapter / f"{chapter}.ipynb", committed)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_instructor_notebooks_carry_the_outputs_of_the_release(released, chapter):
    """The numbers the text quotes can be checked beside it, in solutions/, as in chapters/."""
    committed = ROOT / "solutions" / chapter / f"{chapter}.ipynb"
    skip_without_fashion_mnist(ROOT / "chapters" / chapter / f"{chapter}.ipynb")
    nb = json.loads(committed.read_text(encoding="utf-8"))
    assert any(c.get("outputs") for c in nb["cells"]), f"{chapter}: the instructor notebook has no outputs"
    assert_same_release(released.parent / "solutions" / chapter / f"{chapter}.ipynb", committed)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_cells_have_the_contract_names(chapter):
    import reference

    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    solution_ids = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                    if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    for fn in reference.CONTRACT[chapter]:
        assert fn in solution_ids, f"{chapter}: no solution cell with grade_id {fn!r}"
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points", 0)
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for fn in reference.CONTRACT[chapter]:
        assert any(gid.startswith(f"test_{fn}") and p > 0 for gid, p in points.items()), \
            f"{chapter}: no graded test cell for {fn}"
    assert any(gid.startswith("written_") for gid in points), f"{chapter}: no written-derivation cell"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_edition_has_no_solution_or_hidden_test(chapter):
    text = (ROOT / "chapters" / chapter / f"{chapter}.ipynb").read_text(encoding="utf-8")
    assert not MARKERS.search(text)
    secrets = secret_lines(ROOT / "solutions" / chapter / f"{chapter}.ipynb")
    assert len(secrets) >= 5, "too few distinctive solution lines to make this check meaningful"
    leaked = [s for s in secrets if s in text or json.dumps(s)[1:-1] in text]
    assert not leaked, f"solution or hidden-test text in chapters/{chapter}: {leaked[:3]}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_edition_keeps_figures_and_clears_graded_outputs(chapter):
    nb = nbformat.read(ROOT / "chapters" / chapter / f"{chapter}.ipynb", as_version=4)
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 1, f"{chapter}: the student edition shows no figure"
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade")):
            assert cell.outputs == [], f"{chapter}/{meta['grade_id']}: output left in a graded cell"
        if cell.cell_type == "code" and meta.get("solution"):
            assert "raise NotImplementedError()" in cell.source
            # nothing may follow the stub's raise: a `return` left outside the solution region
            # would be dead code in the student's template
            assert cell.source.rstrip().endswith("raise NotImplementedError()"), (
                f"{chapter}/{meta['grade_id']}: code after `raise NotImplementedError()` in the template")
    assert "execution" not in json.dumps([c.metadata for c in nb.cells])
