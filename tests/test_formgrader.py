"""The instructor's round trip in a real browser: formgrader, hostile answers, manual grades.

A small chapter-2 class is graded: one honest student with a written answer, and students
whose written answers are the usual XSS vectors (among them the one that once made the
instructor's own server write a file). ``autograder formgrader`` serves the workspace;
headless Chromium opens every submission as an instructor would.

- Hostile answers: no dialog fires, no request leaves the server (beyond formgrader's own
  MathJax, which the route blocks), no request writes through the server's contents API,
  and no file appears; their feedback pages are just as inert.
- Round trip: the written answer is graded with a comment in formgrader and survives a
  reload; ``autograder feedback`` puts the points and the comment into the feedback page,
  ``grades.csv`` and ``cells.csv`` without running anything; ``grade --force`` keeps them
  and does not ask for them to be graded again; nbgrader's own ``generate_feedback`` and
  ``export`` in the workspace leak no hidden test and overwrite no report of the kit.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grade import grade, refresh_feedback
from catalogs import submission
from grading_helpers import cells, grades, read_csv, write_submission
from test_sanitize import HOSTILE

pytestmark = pytest.mark.browser
CH = "02_gradient_checking"
WRITTEN = "written_centered_difference"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAYLOADS = ["img_onerror_put", "script", "svg_onload", "iframe_srcdoc", "a_javascript", "markdown_link_javascript",
            "details_ontoggle", "style_overlay", "math_breakout", "meta_refresh", "form", "body_onload"]
HONEST_ANSWER = ("The centred difference cancels the even terms of the Taylor series, so its error is\n"
                 "$\\frac{\\varepsilon^2}{6} f'''(x)$; with round-off $u/\\varepsilon$ the best step is about\n"
                 "$u^{1/3}$, where $u < 10^{-15}$.")
COMMENT = "Clear derivation; the optimal step needs the constant too."
FORMGRADER_MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"   # formgrader's own template


def with_answer(nb, text):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == WRITTEN:
            cell.source = text
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    if not CHROMIUM:
        pytest.skip("chromium is not installed (the test command installs it on Debian as root)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    root, course = tmp_path_factory.mktemp("fg-subs"), tmp_path_factory.mktemp("fg-course")
    write_submission(root, "alice", CH, with_answer(submission(CH), HONEST_ANSWER))
    for name in PAYLOADS:
        write_submission(root, f"hostile-{name.replace('_', '-')}", CH,
                         with_answer(submission(CH, solve=False), HOSTILE[name]))
    grade(root, course=course, jobs=2, progress=False, log=lambda *a: None)
    return root, course


@pytest.fixture(scope="module")
def server(course):
    from autograder.formgrader import serve

    _, workspace = course
    with open(workspace.parent / "formgrader.log", "wb") as log:
        proc, url = serve(workspace, wait=False, log=lambda *a: None, log_file=log)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


class Watch:
    """Everything a page does that an answer could cause: dialogs, requests, where they go."""

    def __init__(self, page, base: str):
        self.base, self.dialogs, self.external, self.writes = base, [], [], []
        page.on("dialog", self._dialog)
        page.on("request", self._request)
        page.route("**/*", self._route)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, request):
        if request.method not in ("GET", "HEAD") and not request.url.startswith(f"{self.base}/formgrader/api/"):
            self.writes.append(f"{request.method} {request.url}")
        if "/api/contents" in request.url:
            self.writes.append(f"{request.method} {request.url}")

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("file://") or url.startswith("data:image"):
            return route.continue_()
        if not url.startswith(FORMGRADER_MATHJAX):
            self.external.append(url)
        return route.abort()


def submission_url(workspace: Path, base: str, student: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gb:
        notebook_id = gb.find_submission_notebook(CH, CH, student).id
    return f"{base}/formgrader/submissions/{notebook_id}/"


def open_page(browser, server):
    base = server.split("/formgrader")[0]
    page = browser.new_page()
    watch = Watch(page, base)
    page.goto(server)   # the token, once: the server sets its cookie
    return page, watch, base


def test_hostile_answers_do_nothing_in_formgrader_or_feedback(course, server, browser):
    _, workspace = course
    page, watch, base = open_page(browser, server)
    for name in PAYLOADS:
        student = f"hostile-{name.replace('_', '-')}"
        page.goto(submission_url(workspace, base, student))
        page.wait_for_selector(f"#{WRITTEN}", timeout=30000)
        for link in page.query_selector_all(".text_cell_render a"):   # an answer's links, clicked
            try:
                link.click(timeout=1000)
            except Exception:
                pass
            if not page.url.startswith(base + "/formgrader/submissions/"):
                page.go_back()
        page.mouse.move(200, 300)
        time.sleep(0.5)
        feedback = workspace / "feedback" / student / f"{CH}.html"
        page.goto(feedback.as_uri())
        time.sleep(0.5)
    assert watch.dialogs == [], watch.dialogs
    assert watch.writes == [], watch.writes
    assert watch.external == [], watch.external
    assert not list(workspace.parent.rglob("pwned*")), "a hostile answer wrote a file"
    flagged = {r["student"] for r in read_csv(workspace / "suspicious.csv") if "written answer" in r["what"]}
    assert flagged == {f"hostile-{n.replace('_', '-')}" for n in PAYLOADS}
    page.close()


def test_written_answer_graded_by_hand_flows_back(course, server, browser):
    root, workspace = course
    row = cells(workspace)[("alice", CH, WRITTEN)]
    assert row["kind"] == "written" and row["message"] == "awaiting manual grading (3 points)"
    page_text = (workspace / "feedback" / "alice" / f"{CH}.html").read_text(encoding="utf-8")
    assert "Awaiting grading, 3 points" in page_text
    auto_total = grades(workspace)[("alice", CH)][0]

    page, watch, base = open_page(browser, server)
    page.goto(submission_url(workspace, base, "alice"))
    score = page.wait_for_selector(f"#{WRITTEN}", timeout=30000)
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"):
        score.fill("2")
        score.press("Tab")
    comment = page.wait_for_selector(f"#{WRITTEN}-comment")
    with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT"):
        comment.fill(COMMENT)
        comment.press("Tab")
    page.reload()
    page.wait_for_selector(f"#{WRITTEN}", timeout=30000)
    page.wait_for_function(f"() => document.querySelector('#{WRITTEN}').value !== ''", timeout=15000)
    assert page.input_value(f"#{WRITTEN}") == "2"
    assert page.input_value(f"#{WRITTEN}-comment") == COMMENT
    page.close()

    # The points and the comment reach the feedback and the reports, without running anything.
    refresh_feedback(workspace, log=lambda *a: None)
    row = cells(workspace)[("alice", CH, WRITTEN)]
    assert (row["score"], row["message"]) == ("2", f"graded by hand: {COMMENT}")
    assert grades(workspace)[("alice", CH)][0] == auto_total + 2
    page_text = (workspace / "feedback" / "alice" / f"{CH}.html").read_text(encoding="utf-8")
    assert COMMENT in page_text and "Awaiting grading" not in page_text
    assert ":::{" not in page_text and "{eq}`" not in page_text and "admonition-title" in page_text

    # The feedback page renders its math with the local MathJax, with every external request blocked.
    if (workspace / "feedback" / "_mathjax" / "tex-mml-chtml.js").is_file():
        page, watch, _ = open_page(browser, server)
        page.goto((workspace / "feedback" / "alice" / f"{CH}.html").as_uri())
        page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=30000)
        assert watch.external == [], watch.external
        page.close()

    # A forced regrade runs the code again and keeps the hand grading, without asking for it again.
    grade(root, course=workspace, jobs=2, force=True, progress=False, log=lambda *a: None)
    row = cells(workspace)[("alice", CH, WRITTEN)]
    assert (row["score"], row["message"]) == ("2", f"graded by hand: {COMMENT}")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gb:
        grade_row = gb.find_grade(WRITTEN, CH, CH, "alice")
        assert grade_row.manual_score == 2 and not grade_row.needs_manual_grade

    # nbgrader's own commands in the workspace: no hidden test in feedback, no clobbered grades.csv.
    before = (workspace / "grades.csv").read_bytes()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    for command in (["generate_feedback", CH, "--force"], ["export"]):
        done = subprocess.run([sys.executable, "-m", "nbgrader", *command], cwd=workspace, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (workspace / "grades.csv").read_bytes() == before
    assert (workspace / "nbgrader-export.csv").is_file()
    for page_path in (workspace / "feedback").rglob("*.html"):
        assert "HIDDEN TESTS" not in page_path.read_text(encoding="utf-8"), page_path
