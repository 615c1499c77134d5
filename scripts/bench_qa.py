#!/usr/bin/env python
"""Precision/recall per QA category on the labelled text benchmark (tests/data/qa_bench).

    .venv/bin/python scripts/bench_qa.py [--rubric RUBRIC.yaml] [--errors 5] [--json OUT.json]

Each utterance is scored inside a minimal synthetic call (see tests/data/qa_bench/README.md),
on the clean set and on its ASR-noised copy. Prints per category precision, recall, F1 and
counts, fatal flags on hard negatives, recall of fatal flags on lines hinted fatal, and the
rule-evaluation time per call. Targets (issue 9): P and R >= 0.9 everywhere, no fatal flag
on a hard negative.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voiceqa.errors import VoiceQAError  # noqa: E402
from voiceqa.qa.bench import DEFAULT_CLEAN, DEFAULT_NOISY, BenchResult, evaluate, load_bench  # noqa: E402
from voiceqa.qa.rubric import load_rubric  # noqa: E402


def table(name: str, res: BenchResult, errors: int, texts: dict[str, str]) -> str:
    lines = [f"== {name} ({res.calls} calls) ==",
             f"{'category':22s} {'P':>5s} {'R':>5s} {'F1':>5s} {'pos':>4s} {'n':>4s} {'FP':>3s} {'FN':>3s}"]
    for c, s in res.categories.items():
        note = "" if s.covered else "  (no rubric item)"
        lines.append(f"{c:22s} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f} {s.positives:4d} {s.n:4d} {s.fp:3d} {s.fn:3d}{note}")
        if errors:
            for kind, ids in (("FP", s.false_positives), ("FN", s.false_negatives)):
                for i in ids[:errors]:
                    lines.append(f"    {kind} {i}: {texts[i]}")
    macro_p = sum(s.precision for s in res.categories.values()) / len(res.categories)
    macro_r = sum(s.recall for s in res.categories.values()) / len(res.categories)
    lines.append(f"{'macro average':22s} {macro_p:5.2f} {macro_r:5.2f}")
    lines.append(f"fatal flags on hard negatives: {len(res.fatal_on_hard_negatives)}"
                 + (f" ({', '.join(res.fatal_on_hard_negatives[:8])})" if res.fatal_on_hard_negatives else ""))
    lines.append(f"fatal recall on severity_hint=fatal lines: {res.fatal_caught}/{res.fatal_hinted}")
    lines.append(f"control call flags: {', '.join(res.control_flags) or 'none'}")
    lines.append(f"rule evaluation: {res.ms_per_call:.2f} ms/call mean, {res.median_ms:.2f} ms median")
    return "\n".join(lines)


def as_json(res: BenchResult) -> dict:
    return {
        "calls": res.calls, "ms_per_call": round(res.ms_per_call, 3), "median_ms": round(res.median_ms, 3),
        "fatal_on_hard_negatives": res.fatal_on_hard_negatives, "fatal_recall": round(res.fatal_recall, 3),
        "control_flags": res.control_flags,
        "categories": {
            c: {"precision": round(s.precision, 3), "recall": round(s.recall, 3), "f1": round(s.f1, 3),
                "tp": s.tp, "fp": s.fp, "fn": s.fn, "tn": s.tn, "covered": s.covered,
                "false_positives": s.false_positives, "false_negatives": s.false_negatives}
            for c, s in res.categories.items()
        },
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rubric", type=Path, default=None, help="rubric YAML (default: the shipped default rubric)")
    ap.add_argument("--data", type=Path, default=DEFAULT_CLEAN)
    ap.add_argument("--noisy", type=Path, default=DEFAULT_NOISY)
    ap.add_argument("--errors", type=int, default=0, help="show up to N misclassified lines per category and kind")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON")
    args = ap.parse_args()
    try:
        rubric = load_rubric(args.rubric)
        sets = {"clean": load_bench(args.data), "noisy": load_bench(args.noisy)}
    except VoiceQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"rubric {rubric.label}; {len(sets['clean'])} utterances")
    out = {}
    for name, entries in sets.items():
        res = evaluate(entries, rubric)
        print(table(name, res, args.errors, {e.id: e.text for e in entries}))
        out[name] = as_json(res)
    if args.json:
        args.json.write_text(json.dumps({"rubric": rubric.label, **out}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
