"""One check for the labelled sets' per-category floors, shared by the QA dev-set test files."""
from __future__ import annotations


def assert_floors(res, floors: dict[str, tuple[float, float]]) -> None:
    """Every category of ``floors`` ({category: (precision floor, recall floor)}) holds on the
    bench result ``res``; a failure names the category, its figures and a few of its errors."""
    for c, (floor_p, floor_r) in floors.items():
        s = res.categories[c]
        assert s.precision >= floor_p and s.recall >= floor_r, (c, round(s.precision, 3), round(s.recall, 3),
                                                               s.false_positives[:5], s.false_negatives[:5])
