"""The book builds with warnings as errors, leaks nothing, and renders in a real browser."""
import html
import json
import os
import shutil
from pathlib import Path

import pytest

from autograder import mathjax
from conftest import CHAPTERS, ROOT
from leaks import MARKERS, secret_lines

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MATHJAX_STATIC = "_static/mathjax/tex-mml-chtml.js"  # the book serves MathJax itself


def chapter_page(book: Path, chapter: str) -> Path:
    return book / "chapters" / chapter / f"{chapter}.html"


def test_every_chapter_page_and_its_download_exist(book):
    for chapter in CHAPTERS:
        page = chapter_page(book, chapter)
        assert page.is_file(), f"{page} was not built: is the chapter in _toc.yml?"
        text = page.read_text(encoding="utf-8")
        assert f"{chapter}.ipynb" in text, f"{chapter}: no notebook download link"
        assert "mybinder.org/v2/gh/" in text and f"{chapter}.ipynb" in text, f"{chapter}: no Binder launch button"
    assert (book / "search.html").is_file()


def test_built_book_has_no_solution_or_hidden_test(book):
    pages = {p: p.read_text(encoding="utf-8", errors="replace") for p in book.rglob("*")
             if p.suffix in (".html", ".ipynb", ".txt", ".js", ".md", ".py") and p.is_file()}
    for path, text in pages.items():
        assert not MARKERS.search(text), f"nbgrader marker in {path}"
    for chapter in CHAPTERS:
        # a chapter's secrets are searched in its own pages: generic lines such as
        # `for l in range(1, len(sizes)):` may legitimately appear in another chapter
        own = {p: t for p, t in pages.items() if chapter in p.parts}
        assert own, f"no built pages for {chapter}"
        for line in secret_lines(ROOT / "solutions" / chapter / f"{chapter}.ipynb"):
            variants = {line, html.escape(line), html.escape(line, quote=False)}
            for path, text in own.items():
                assert not any(v in text for v in variants), f"solution text {line!r} in {path}"


def test_the_book_serves_mathjax_itself(book):
    if mathjax.bundle() is None:
        pytest.skip("no local MathJax (make browser-deps fetches it with npm)")
    assert (book / MATHJAX_STATIC).is_file(), "MathJax was not copied into the built book"
    for chapter in CHAPTERS:
        text = chapter_page(book, chapter).read_text(encoding="utf-8")
        assert f'src="../../{MATHJAX_STATIC}"' in text, f"{chapter}: MathJax is not loaded from the book"
        assert "cdn.jsdelivr.net" not in text, f"{chapter}: the page still names the CDN"


def test_test_cells_and_figure_code_are_collapsed_but_exercises_are_not(book):
    """Every test cell, and the code of every figure, is behind a "show code" toggle."""
    for chapter in CHAPTERS:
        nb = json.loads((ROOT / "chapters" / chapter / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        tests = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
                 and not c["metadata"]["nbgrader"].get("solution")]
        exercises = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
        assert tests and exercises, chapter
        assert all("hide-input" in c["metadata"].get("tags", []) for c in tests), f"{chapter}: a test cell is in view"
        assert not any("hide-input" in c["metadata"].get("tags", []) for c in exercises), (
            f"{chapter}: an exercise cell is hidden")
        text = chapter_page(book, chapter).read_text(encoding="utf-8")
        assert text.count('class="admonition hide above-input"') >= len(tests), f"{chapter}: toggles missing"


@pytest.mark.browser
def test_pages_render_offline_in_chromium(book, tmp_path):
    """With every request that leaves the built book refused, each chapter renders its math,
    loads every image, and its "show code" toggles open."""
    if not CHROMIUM:
        pytest.skip("chromium is not installed (the test command installs it on Debian as root)")
    if not (book / MATHJAX_STATIC).is_file():
        pytest.skip("the book has no local MathJax (make browser-deps fetches it with npm)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

    external, missing = [], []

    def offline(route):
        url = route.request.url
        if url.startswith("file://"):
            return route.continue_()
        external.append(url)
        return route.abort()

    shots = Path(os.environ.get("BOOK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", offline)
        page.on("requestfailed", lambda r: missing.append(r.url) if r.url.startswith("file://") else None)
        for chapter in CHAPTERS:
            page.goto(chapter_page(book, chapter).as_uri())
            page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=30000)
            page.evaluate("() => MathJax.startup.promise")
            assert page.evaluate("() => document.querySelectorAll('mjx-merror').length") == 0, (
                f"{chapter}: MathJax reports a TeX error")
            prose = page.evaluate("""() => Array.from(document.querySelectorAll('article p, article li'))
                .filter(e => !e.closest('pre, code, .cell_output, mjx-container')).map(e => e.innerText).join('\\n')""")
            assert "$$" not in prose, f"{chapter}: raw $$ left in the rendered text"
            broken = page.evaluate("""() => Array.from(document.images)
                .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)""")
            assert not broken, f"{chapter}: images did not load: {broken[:3]}"
            assert page.evaluate("() => document.images.length") >= 1, f"{chapter}: no figure on the page"

            toggle = page.locator("details.hide.above-input").first
            code = toggle.locator("pre").first
            assert not code.is_visible(), f"{chapter}: a collapsed cell's code is in view"
            toggle.locator("summary").click()
            code.wait_for(state="visible", timeout=5000)
            page.screenshot(path=str(shots / f"{chapter}.png"), full_page=False)
        browser.close()
    assert not external, f"the book asked for external URLs: {sorted(set(external))[:5]}"
    assert not missing, f"files of the book failed to load: {sorted(set(missing))[:5]}"
