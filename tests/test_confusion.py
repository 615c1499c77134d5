"""The one precision/recall counter (voiceqa.qa.confusion) and its users: the QA bench, the
rubric check and the real-call evaluation count the same way."""
from __future__ import annotations

import pytest

from voiceqa.evaluation import precision_recall
from voiceqa.qa.bench import CategoryStats
from voiceqa.qa.confusion import Confusion, rate
from voiceqa.qa.rubric_check import Stats


def counted(pairs) -> Confusion:
    c = Confusion()
    for truth, predicted in pairs:
        c.count(truth, predicted)
    return c


def test_counts_and_rates():
    c = counted([(1, 1), (1, 1), (1, 0), (0, 1), (0, 0)])
    assert (c.tp, c.fn, c.fp, c.tn, c.n, c.positives) == (2, 1, 1, 1, 5, 3)
    assert c.precision == pytest.approx(2 / 3) and c.recall == pytest.approx(2 / 3) and c.f1 == pytest.approx(2 / 3)


def test_empty_denominator_is_perfect_only_without_errors():
    assert rate(0, 0, 0) == 1.0 and rate(0, 0, 3) == 0.0 and rate(1, 4, 9) == 0.25
    nothing = counted([(0, 0), (0, 0)])  # nothing to find, nothing found: perfect
    assert (nothing.precision, nothing.recall, nothing.f1) == (1.0, 1.0, 1.0)
    missed = counted([(1, 0)])  # nothing predicted, but a miss: precision is not perfect
    assert (missed.precision, missed.recall) == (0.0, 0.0)
    false_alarm = counted([(0, 1)])  # nothing to find, but a false alarm: recall is not perfect
    assert (false_alarm.precision, false_alarm.recall) == (0.0, 0.0)
    assert Confusion().f1 == 1.0


def test_bench_rubric_check_and_evaluation_share_the_convention():
    bench = CategoryStats("x", True)
    check = Stats("item", "examples")
    for truth, predicted in [(0, 0), (0, 1)]:
        bench.add("e", bool(truth), bool(predicted))
        check.count(bool(truth), bool(predicted))
    assert bench.false_positives == ["e"] and (bench.precision, bench.recall) == (check.precision, check.recall) == (0.0, 0.0)
    quiet = CategoryStats("y", True)
    quiet.add("e", False, False)
    assert (quiet.precision, quiet.recall) == (1.0, 1.0)  # the bench used to say 0.0 here, the rubric check 1.0
    stats = precision_recall([({"dead_air"}, {"dead_air"}), (set(), {"dead_air"}), (set(), set())])
    assert stats["dead_air"] == (0.5, 1.0, 1, 1, 0) and stats["overtalk"][:2] == (1.0, 1.0)
