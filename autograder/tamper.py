"""What a submission tried: edits to the instructor's cells and code that reaches for the grader.

Nothing here changes a grade (the grader does not trust the submission's notebook or its
code, see ``autograder.jail``); these findings only mark a submission as suspicious in the
report, so that an instructor can look at it.
"""
from __future__ import annotations

import re

CODE_PATTERNS = [
    (r"\b(import\s+reference|from\s+reference\b)", "imports the instructor's reference package"),
    (r"builtins\.__import__|__builtins__\s*\[\s*['\"]__import__|__builtins__\.__import__",
     "replaces Python's import function"),
    (r"input_transformers|ast_transformers|register_transformer", "rewrites the code of later cells"),
    (r"NBGRADER_EXECUTION|NBGRADER_VALIDATING", "checks whether it is being graded"),
    (r"\b(np|numpy)\.(testing\.\w+|allclose|isclose|array_equal|max|abs|all|any|linalg\.norm)\s*=(?!=)",
     "replaces a NumPy comparison function"),
    (r"\b(checks\.\w+|check_array|check_scalar|check_shape|check_gradient)\s*=(?!=)",
     "replaces a check helper of the tests"),
    (r"\bsys\.modules\b", "edits the loaded modules (sys.modules)"),
    (r"\bdef\s+__(eq|ne|lt|le|gt|ge|bool|array|float|array_ufunc)__\b", "defines a comparison or conversion method"),
    (r"\bos\._exit\b|\bos\.kill\b|\bos\.killpg\b|\bsignal\.signal\b|\bos\.fork\b|\bos\.setsid\b",
     "exits, forks or sends signals"),
    (r"\bsubprocess\b|\bos\.system\b|\bos\.popen\b|\bctypes\b", "runs other programs or native code"),
    (r"gradebook|autograded/|\.\./|solutions/|/source/|grades\.csv|cells\.csv", "reaches for the grader's files"),
    (r"get_ipython\(\)\.(events|run_cell|set_custom_exc|run_line_magic\(\s*['\"]load)", "hooks the IPython shell"),
    (r"\bsys\.(settrace|setprofile|addaudithook)\b", "installs a tracing hook"),
]


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def scan_code(sources: list[str]) -> list[str]:
    """One finding per kind of suspicious code, quoting the first match."""
    found = []
    for pattern, what in CODE_PATTERNS:
        for source in sources:
            match = re.search(pattern, source)
            if match:
                line = source[:match.start()].count("\n") + 1
                text = source.splitlines()[line - 1].strip()[:80]
                found.append(f"{what}: `{text}`")
                break
    return found


def compare_cells(release, student) -> list[str]:
    """Changes to the instructor's graded and locked cells."""
    findings = []
    by_id: dict[str, list] = {}
    for cell in student.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if isinstance(gid, str):
            by_id.setdefault(gid, []).append(cell)
    for gid, cells in by_id.items():
        if len(cells) > 1:
            findings.append(f"has {len(cells)} cells with grade_id {gid!r}")
    for cell in release.cells:
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if not gid:
            continue
        theirs = by_id.get(gid)
        if not theirs:
            findings.append(f"deleted or renamed the cell {gid!r}")
            continue
        other = theirs[0]
        other_meta = nbgrader_meta(other)
        if other.cell_type != cell.cell_type:
            findings.append(f"changed the type of cell {gid!r} ({cell.cell_type} -> {other.cell_type})")
        changed = [f"{key} {meta.get(key)!r} -> {other_meta.get(key)!r}"
                   for key in ("grade", "solution", "locked", "points", "task")
                   if meta.get(key) != other_meta.get(key)]
        if changed:
            findings.append(f"changed the nbgrader metadata of {gid!r}: {', '.join(changed)}")
        if meta.get("locked") and not meta.get("solution") and other.source.strip() != cell.source.strip():
            findings.append(f"edited the locked cell {gid!r}")
        elif "checksum" in meta and other_meta.get("checksum") not in (None, meta["checksum"]) \
                and not meta.get("solution"):
            findings.append(f"changed the checksum of {gid!r}")
    return findings
