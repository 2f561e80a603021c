"""Feedback pages: what a student may see of their graded notebook, rendered as the book is.

nbgrader's ``generate_feedback`` turns an autograded notebook into HTML with these
preprocessors, in this order (``FEEDBACK_PREPROCESSORS``; the workspace's
``nbgrader_config.py`` names the same list, so nbgrader's own command is safe too):

1. ``GetGrades`` (nbgrader): the scores and comments from the gradebook;
2. ``RedactHiddenTests``: hidden test regions cut, tracebacks reduced to their message;
3. ``AwaitingGrading``: a written answer not graded yet says so, with its points;
4. ``BookMarkup``: the chapter's MyST markup (admonitions, dropdowns, labelled equations,
   ``{eq}`` references) as plain HTML and MathJax;
5. ``CSSHTMLHeaderPreprocessor`` (nbconvert): the page's styles.

``use_local_mathjax`` then points the page at the copy of MathJax in the feedback folder.
"""
from __future__ import annotations

import re
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from . import mathjax

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M)
MARKER = re.compile(r"BEGIN HIDDEN TESTS|END HIDDEN TESTS|BEGIN SOLUTION|END SOLUTION")


def first_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text or "").strip()
    return text.splitlines()[0] if text else ""


def redact_for_feedback(nb):
    """Remove what students must not see from an autograded notebook.

    Test cells keep their visible part only (hidden regions are cut; a cell with a
    stray marker is hidden whole), and errors keep their message but lose their
    traceback, which would quote hidden test lines.
    """
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            source = HIDDEN.sub("# (hidden tests)\n", cell.source)
            cell.source = "# (test source hidden)" if MARKER.search(source) else source
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {first_line(output.get('evalue', ''))}"]
    return nb


class RedactHiddenTests(NbGraderPreprocessor):
    """Feedback preprocessor: see ``redact_for_feedback``."""

    def preprocess(self, nb, resources):
        return redact_for_feedback(nb), resources


AWAITING = ("\n\n<p class=\"bbh-awaiting\"><strong>Awaiting grading, {points:g} points.</strong> "
            "This answer is graded by hand; its score will appear here once it is graded.</p>\n")


class AwaitingGrading(NbGraderPreprocessor):
    """A written answer that nobody has graded yet says so, instead of reading as 0 points."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if cell.cell_type != "markdown" or not (meta.get("grade") and meta.get("solution")):
                    continue
                try:
                    grade = gb.find_grade(meta["grade_id"], info["notebook"], info["assignment"], info["student"])
                except MissingEntry:
                    continue
                if grade.manual_score is None:
                    cell.source += AWAITING.format(points=grade.max_score)
        return nb, resources


# --------------------------------------------------------------------------- the book's markup

FENCE = re.compile(r"^(?P<colons>:{3,})\{(?P<kind>[a-z-]+)\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)^(?P=colons)[ \t]*$",
                   re.M | re.S)
OPTION = re.compile(r"^:[a-z-]+:[^\n]*\n", re.M)
LABELLED = re.compile(r"\$\$(?P<tex>.+?)\$\$[ \t]*\((?P<label>[^()\s]+)\)", re.S)
EQ_ROLE = re.compile(r"\{eq\}`(?P<label>[^`]+)`")
MATH_ROLE = re.compile(r"\{math\}`(?P<tex>[^`]+)`")
OTHER_ROLE = re.compile(r"\{(?:ref|numref|doc|term|cite:[a-z]+|cite)\}`(?:(?P<text>[^`<]+?)\s*<[^`>]+>|(?P<bare>[^`]+))`")
TITLES = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "warning": "Warning",
          "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error", "seealso": "See also"}


def equation_numbers(nb) -> dict[str, int]:
    """The number of every labelled equation, counted through the notebook as the book does."""
    numbers: dict[str, int] = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for match in LABELLED.finditer(cell.source):
                numbers.setdefault(match["label"], len(numbers) + 1)
    return numbers


def render_book_markup(source: str, numbers: dict[str, int]) -> str:
    """MyST constructs as HTML and MathJax that nbconvert's markdown renderer understands."""
    def fence(match: re.Match) -> str:
        kind, title = match["kind"], match["title"].strip()
        body = render_book_markup(OPTION.sub("", match["body"]), numbers)
        if kind == "dropdown":
            return f"<details class=\"bbh-dropdown\">\n<summary>{title or 'Show'}</summary>\n\n{body}\n\n</details>"
        heading = title or TITLES.get(kind, kind.capitalize())
        css = kind if kind in TITLES else "note"
        return (f"<div class=\"admonition {css}\">\n<p class=\"admonition-title\">{heading}</p>\n\n"
                f"{body}\n\n</div>")

    out = FENCE.sub(fence, source)
    out = LABELLED.sub(lambda m: f"$${m['tex'].rstrip()} \\tag{{{numbers.get(m['label'], '?')}}}\n$$", out)
    out = EQ_ROLE.sub(lambda m: f"({numbers.get(m['label'], '?')})", out)
    out = MATH_ROLE.sub(lambda m: f"${m['tex']}$", out)
    return OTHER_ROLE.sub(lambda m: m["text"] or m["bare"], out)


class BookMarkup(NbGraderPreprocessor):
    """Feedback preprocessor: see ``render_book_markup``."""

    def preprocess(self, nb, resources):
        numbers = equation_numbers(nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = render_book_markup(cell.source, numbers)
        return nb, resources


FEEDBACK_PREPROCESSORS = ["nbgrader.preprocessors.GetGrades", "autograder.feedback.RedactHiddenTests",
                          "autograder.feedback.AwaitingGrading", "autograder.feedback.BookMarkup",
                          "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]

# --------------------------------------------------------------------------- MathJax, served locally

MATHJAX_FOLDER = "_mathjax"
MATHJAX_BLOCK = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
STYLE = """<style>
.admonition { border-left: 4px solid #3c78d8; background: #f3f7fd; padding: 0.4em 1em; margin: 1em 0; }
.admonition.warning, .admonition.caution, .admonition.danger { border-color: #d87a3c; background: #fdf6f1; }
.admonition-title { font-weight: bold; margin: 0.2em 0; }
details.bbh-dropdown { border: 1px solid #ccc; padding: 0.3em 0.8em; margin: 1em 0; }
p.bbh-awaiting { border-left: 4px solid #999; background: #f4f4f4; padding: 0.4em 1em; }
p.bbh-late { border-left: 4px solid #c0504d; background: #fbeeee; padding: 0.4em 1em; }
</style>"""


def install_mathjax(feedback_root: Path) -> bool:
    """Copy MathJax into ``feedback_root/_mathjax`` once; whether a local copy is there."""
    return mathjax.copy_to(feedback_root / MATHJAX_FOLDER)


def use_local_mathjax(page: str, relative: str) -> str:
    """``page`` with its MathJax loaded from ``relative`` (the CDN only if that copy is missing),
    configured for the book's ``$…$`` and ``$$…$$`` math, and the admonition styles added."""
    block = (
        "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
        "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, tags: 'none'}, "
        "options: {ignoreHtmlClass: 'bbh-no-math'}};</script>\n"
        f"<script src=\"{relative}/tex-mml-chtml.js\" async "
        f"onerror=\"var s=document.createElement('script');s.src='{mathjax.CDN}';document.head.appendChild(s);\"></script>\n"
        + STYLE)
    if MATHJAX_BLOCK.search(page):
        return MATHJAX_BLOCK.sub(lambda _: block, page, count=1)
    return page.replace("</head>", block + "\n</head>", 1)


def with_late_note(page: str, late: str, penalty: float, score: float, max_score: float) -> str:
    """``page`` with a note at its top: submitted ``late`` (``1 d 2 h``) after the due date, and
    the late penalty of ``penalty`` points on a ``score`` (before the penalty) of ``max_score``."""
    import html

    text = f"Submitted {late} after the due date"
    text += (f": late penalty {penalty:g} points, so your score is {max(score - penalty, 0.0):g} of {max_score:g}."
             if penalty else "; this course takes no points off for it.")
    note = f'<p class="bbh-late"><strong>{html.escape(text)}</strong></p>\n'
    marker = '<div class="panel-body">'
    if marker in page:
        return page.replace(marker, note + marker, 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + note, page, count=1)
