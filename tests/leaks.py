"""Distinctive text of every solution region and hidden test, to search for leaks."""
import re

import nbformat

REGIONS = [("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]
HIDDEN_TESTS = [REGIONS[1]]
MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|BEGIN MARK SCHEME")


def secret_lines(source_notebook, min_length=24, regions=REGIONS):
    """Lines inside solution or hidden-test regions that appear nowhere else in the notebook."""
    nb = nbformat.read(source_notebook, as_version=4)
    secret, public = set(), set()
    for cell in nb.cells:
        inside = None
        for line in cell.source.splitlines():
            text = line.strip()
            begin = [b for b, _ in REGIONS if text.startswith(b)]
            if begin and (begin[0], dict(REGIONS)[begin[0]]) not in regions:
                begin = ["(public)"]
            if begin:
                inside = begin[0]
                continue
            if inside and any(text.startswith(e) for b, e in REGIONS if b == inside or inside == "(public)"):
                inside = None
                continue
            (secret if inside and inside != "(public)" else public).add(text)
    public_text = "\n".join(public)
    # a secret line that is part of a public one (``before = ...`` in ``P_before = ...``) proves nothing
    return sorted(s for s in secret - public if len(s) >= min_length and s not in public_text)
