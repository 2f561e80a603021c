"""The book builds with warnings as errors, leaks nothing, and renders in a real browser."""
import html
import os
import shutil
from pathlib import Path

import pytest

from conftest import CHAPTERS, ROOT
from leaks import MARKERS, secret_lines

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MATHJAX = ROOT / ".venv" / "share" / "mathjax" / "package"  # fetched by `make browser-deps`
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/"


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


@pytest.mark.browser
def test_pages_render_math_and_figures_in_chromium(book, tmp_path):
    if not CHROMIUM:
        pytest.skip("chromium is not installed (the test command installs it on Debian as root)")
    if not (MATHJAX / "es5" / "tex-mml-chtml.js").is_file():
        pytest.skip(f"no local MathJax in {MATHJAX} (make browser-deps fetches it with npm)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

    def serve(route):
        url = route.request.url
        if url.startswith("file://"):
            return route.continue_()
        if url.startswith(MATHJAX_CDN):
            local = MATHJAX / url[len(MATHJAX_CDN):].split("?")[0]
            if local.is_file():
                return route.fulfill(path=str(local))
        return route.abort()  # the test machine has no network: fail fast

    shots = Path(os.environ.get("BOOK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", serve)
        for chapter in CHAPTERS:
            page.goto(chapter_page(book, chapter).as_uri())
            page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=30000)
            page.evaluate("() => MathJax.startup.promise")
            prose = page.evaluate("""() => Array.from(document.querySelectorAll('article p, article li'))
                .filter(e => !e.closest('pre, code, .cell_output, mjx-container')).map(e => e.innerText).join('\\n')""")
            assert "$$" not in prose, f"{chapter}: raw $$ left in the rendered text"
            broken = page.evaluate("""() => Array.from(document.images)
                .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)""")
            assert not broken, f"{chapter}: images did not load: {broken[:3]}"
            assert page.evaluate("() => document.images.length") >= 1, f"{chapter}: no figure on the page"
            page.screenshot(path=str(shots / f"{chapter}.png"), full_page=False)
        browser.close()
