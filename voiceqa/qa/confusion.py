"""The one counter of right and wrong detections: true/false positives/negatives, precision,
recall and F1, for the QA bench (per category), ``voiceqa rubric test`` (per item) and the
evaluation of real calls.

One convention for an empty denominator: the rate is 1.0 when nothing went wrong, else 0.0.
Precision with nothing predicted is 1.0 only when nothing was missed either (no false
negatives); recall with nothing to find is 1.0 only when nothing was found wrongly (no false
positives)."""
from __future__ import annotations

from dataclasses import dataclass, field


def rate(hits: int, total: int, errors: int) -> float:
    """``hits / total``; with ``total == 0``: 1.0 when ``errors == 0``, else 0.0."""
    if total:
        return hits / total
    return 1.0 if errors == 0 else 0.0


@dataclass
class Confusion:
    """Counts of one detector against the truth. Subclasses add what they report under
    (their own fields stay positional: the counts are keyword-only)."""

    tp: int = field(default=0, kw_only=True)
    fp: int = field(default=0, kw_only=True)
    fn: int = field(default=0, kw_only=True)
    tn: int = field(default=0, kw_only=True)

    def count(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif truth:
            self.fn += 1
        elif predicted:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return rate(self.tp, self.tp + self.fp, self.fn)

    @property
    def recall(self) -> float:
        return rate(self.tp, self.tp + self.fn, self.fp)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0
