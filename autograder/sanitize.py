"""Written answers, made safe to render in the instructor's browser.

A student's markdown answer is shown by formgrader, inside the instructor's logged-in
Jupyter session, and in the feedback HTML. Markdown passes raw HTML through, so an answer
holding ``<img src=x onerror="fetch(...)">`` would run with the instructor's rights. Every
answer therefore goes through an allowlist HTML sanitizer (``nh3``) before anyone renders
it: formatting tags stay, scripts, event handlers, ``javascript:`` URLs, iframes, SVG,
forms, styles and everything else go. Math (``$…$``, ``$$…$$``) and code (backticks and
fenced blocks) are kept out of the sanitizer, so ``$a < b$`` survives as written.
"""
from __future__ import annotations

import re

TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
        "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong",
        "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Spans the sanitizer must not see: fenced code, inline code (on one line), display and inline math.
CODE = re.compile(r"(?ms)^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$|(`+)[^`\n]+?\2")
MATH = re.compile(r"(?s)\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$")
PROTECTED = re.compile(f"{CODE.pattern[5:]}|{MATH.pattern[4:]}", re.M | re.S)
# '<' followed by one of these can open a tag; anywhere else it is plain text.
TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")
# A markdown link or image whose target is a script: [text](javascript:...)
SCRIPT_LINK = re.compile(r"(\]\(\s*<?\s*)(?:javascript|vbscript|data|file)\s*:(?:[^()\s]|\([^()]*\))*", re.I)
SCRIPT_AUTOLINK = re.compile(r"<\s*(?:javascript|vbscript|data|file)\s*:[^>]*>", re.I)
HOSTILE = re.compile(
    r"<\s*/?\s*(script|iframe|frame|object|embed|applet|form|input|button|textarea|select|svg|math|style|"
    r"link|meta|base|template|video|audio|source|portal)\b"
    r"|<[A-Za-z][^<>]*\son[a-z]+\s*="
    r"|<[A-Za-z][^<>]*\sstyle\s*="
    r"|(?:javascript|vbscript)\s*:"
    r"|data\s*:\s*text/html",
    re.I,
)
PLACEHOLDER = re.compile(r"BBHKEEP(\d+)X")


def defuse(segment: str) -> str:
    """A math or code span that can open no tag, whatever a renderer takes it for: in math
    ``<`` becomes ``\\lt`` (the same symbol in TeX); in code a zero-width space follows it."""
    if segment.startswith(("`", "~")) or segment.lstrip().startswith(("```", "~~~")):
        return TAG_OPENER.sub("<\u200b", segment)
    return segment.replace("<", "\\lt ")


def sanitize_markdown(text: str) -> str:
    """``text`` with every HTML element and attribute not on the allowlist removed."""
    import html

    import nh3

    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(defuse(match.group(0)))
        return f"BBHKEEP{len(kept) - 1}X"

    body = PLACEHOLDER.sub("BBHKEEP", text)   # a placeholder the student typed is not one of ours
    body = PROTECTED.sub(keep, body)
    body = SCRIPT_LINK.sub(r"\1#removed", body)
    body = SCRIPT_AUTOLINK.sub("", body)
    if "<" in body:
        body = nh3.clean(body, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                         link_rel="noopener noreferrer nofollow", strip_comments=True)
        # nh3 escapes text for HTML; markdown needs its '>' (quotes) and '&' back. '<' stays
        # escaped: turning '&lt;' back into '<' could make a tag.
        body = body.replace("&gt;", ">").replace("&amp;", "&")

    def restore(match: re.Match) -> str:
        segment = kept[int(match.group(1))]
        before = body[:match.start()]
        inside_tag = before.rfind("<") > before.rfind(">")
        return html.escape(segment, quote=True) if inside_tag else segment   # an attribute value stays one

    return PLACEHOLDER.sub(restore, body)


def hostile_markup(text: str) -> list[str]:
    """What in ``text`` would have run or restyled the page had it not been removed."""
    outside = CODE.sub("", text)   # math is searched too: a renderer may not take it for math
    found = [" ".join(m.group(0).split())[:60] for m in HOSTILE.finditer(outside)]
    found += [" ".join(m.group(0).split())[:60] for m in SCRIPT_LINK.finditer(outside)]
    return list(dict.fromkeys(found))[:5]


def answer_flags(release, student) -> list[str]:
    """One line per written answer of ``student`` that held hostile markup (for suspicious.csv)."""
    from .tamper import nbgrader_meta

    answers = {nbgrader_meta(c).get("grade_id"): c for c in student.cells if c.get("cell_type") == "markdown"}
    flags = []
    for cell in release.cells:
        meta = nbgrader_meta(cell)
        answer = answers.get(meta.get("grade_id"))
        if cell.cell_type == "markdown" and meta.get("solution") and answer is not None \
                and isinstance(answer.get("source"), str):
            found = hostile_markup(answer.source)
            if found:
                flags.append(f"written answer {meta['grade_id']} holds markup that would run in the grader's "
                             f"browser (removed before display): {', '.join(found)}")
    return flags
