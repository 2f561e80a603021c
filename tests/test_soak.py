"""A short soak (``benchmarks/soak.py``): two passes over a lean mixed class of every chapter
(one correct notebook and one seeded bug each, half of them in-place bugs, and two attacks).

The same submissions graded twice, beside each other's chapters and with ``--jobs 2``,
must get the same scores; correct ones full marks, blank and adversarial ones zero, and
seeded bugs must lose points. The long run (1,000 gradings and more) is the benchmark.
"""
from benchmarks.soak import run


def test_two_passes_over_a_mixed_class_agree(tmp_path):
    soak = run(passes=2, jobs=2, workdir=tmp_path, log=print, lean=True)
    assert soak.gradings == 2 * len(soak.expected) >= 2 * (2 * 8 + 2)
    assert soak.discrepancies == [], "\n".join(soak.discrepancies)
