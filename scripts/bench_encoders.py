#!/usr/bin/env python
"""Choose the sentence encoder for `semantic` rules by measurement: accuracy and speed.

    .venv/bin/python scripts/bench_encoders.py [--labelled tests/data/qa_heldout.yaml] [--encoders use e5]

For each encoder: thresholds (min_similarity, margin) are calibrated on the default rubric's
own examples/counter-examples only (leave-one-out: each sentence judged with itself removed),
then precision/recall per item are measured on held-out labelled sentences the rubric never
saw. Speed: ms per sentence encoding the held-out clauses one at a time and in one batch.
Items that also have keyword rules are judged as the rubric judges them (keyword OR meaning).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voiceqa.embeddings import get_encoder  # noqa: E402
from voiceqa.qa.context import ScoringContext  # noqa: E402
from voiceqa.qa.emotion import EmotionLexicon  # noqa: E402
from voiceqa.qa.rubric import SemanticRule, leaf_rules, load_rubric, threshold_for  # noqa: E402
from voiceqa.qa.rubric_check import _transcript, labelled_cases, own_cases  # noqa: E402
from voiceqa.qa.rules import EVALUATORS, semantic_scores  # noqa: E402
from voiceqa.qa.semantic import ClauseVectors, attach, call_units, example_vectors, units_key  # noqa: E402

FLOORS = {"use": np.arange(0.30, 0.80, 0.025), "e5": np.arange(0.80, 0.95, 0.005)}
MARGINS = np.arange(0.0, 0.15, 0.01)


def case_features(rubric, encoder, cases, negation):
    """Per case: did its item's non-semantic rules fire, and (best, counter) similarity arrays
    of each of its semantic rules, computed by the scorer's own code."""
    items = {it.id: it for it in rubric.items}
    out = []
    for c in cases:
        tr = _transcript(c.text, c.role)
        units = call_units(tr)
        vecs = example_vectors(encoder, [tr.turns[ti].text[s:e] for ti, s, e in units])
        ctx = ScoringContext(tr, {}, ["calm"], negation=negation, holdout=c.holdout)
        attach(ctx, rubric, encoder, ClauseVectors(encoder.name, tuple(units), vecs, units_key(tr, units)))
        kw, sem = False, []
        for iid in c.items:
            item = items[iid]
            for rule in leaf_rules(item.rule):
                if isinstance(rule, SemanticRule):
                    sc = semantic_scores(rule, item, ctx)
                    if sc is not None:
                        sem.append((sc.best, sc.counter, rule, encoder.name))
                else:
                    kw = kw or bool(EVALUATORS[type(rule)](rule, item, ctx))
        out.append((c, kw, sem, items[c.items[0]].category))
    return out


def judge(features, floor, margin, misses=None):
    stats = {}
    for c, kw, sem, cat in features:
        fired = kw or any(bool(np.any((b >= threshold_for(r.min_similarity, enc, floor))
                                       & (b - k >= threshold_for(r.margin, enc, margin)))) for b, k, r, enc in sem)
        if misses is not None and fired != c.positive:
            misses.append(f"{cat} {'FP' if fired else 'FN'} {c.text}")
        s = stats.setdefault(cat, [0, 0, 0, 0])
        s[0 if fired and c.positive else 1 if fired else 2 if c.positive else 3] += 1
    return stats


def pr(s):
    tp, fp, fn, _ = s
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def macro_f1(stats):
    f = []
    for s in stats.values():
        p, r = pr(s)
        f.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labelled", type=Path, default=REPO / "tests" / "data" / "qa_heldout.yaml")
    ap.add_argument("--encoders", nargs="+", default=["use", "e5"])
    ap.add_argument("--misses", action="store_true", help="list the held-out sentences judged wrongly")
    args = ap.parse_args()
    rubric = load_rubric()
    negation = EmotionLexicon.from_lexicon(rubric.lexicon).negation
    own = own_cases(rubric)
    held = labelled_cases(args.labelled, rubric)
    held = [c for c in held if any(isinstance(r, SemanticRule) for i in rubric.items if i.id in c.items for r in leaf_rules(i.rule))]
    for name in args.encoders:
        t = time.perf_counter()
        enc = get_encoder(name)
        load_s = time.perf_counter() - t
        texts = sorted({c.text for c in held})
        enc.encode(texts[:2])
        t = time.perf_counter()
        for x in texts:
            enc.encode([x])
        one = (time.perf_counter() - t) / len(texts)
        t = time.perf_counter()
        enc.encode(texts)
        batch = (time.perf_counter() - t) / len(texts)
        f_own = case_features(rubric, enc, own, negation)
        f_held = case_features(rubric, enc, held, negation)
        key = "e5" if enc.name.startswith("e5") else "use"
        best = max(((macro_f1(judge(f_own, fl, m)), fl, m) for fl in FLOORS[key] for m in MARGINS), key=lambda x: x[0])
        _, fl, m = best
        cal = rubric.semantic.thresholds(enc.name)
        print(f"\n== {enc.name}: load {load_s:.1f} s, {1000 * one:.1f} ms/sentence one by one, {1000 * batch:.2f} ms/sentence batched ({len(texts)})")
        for label, (f, mm) in (("calibrated on own examples", (fl, m)), ("rubric's calibration", (cal.min_similarity, cal.margin))):
            misses: list[str] = []
            so, sh = judge(f_own, f, mm), judge(f_held, f, mm, misses)
            print(f"  {label}: min_similarity {f:.3f} margin {mm:.2f}  own macro-F1 {macro_f1(so):.3f}  held-out macro-F1 {macro_f1(sh):.3f}")
            for k in sorted(sh):
                p, r = pr(sh[k])
                po, ro = pr(so.get(k, [0, 0, 0, 0]))
                print(f"    {k:<18} held-out P {p:.2f} R {r:.2f}   own P {po:.2f} R {ro:.2f}")
            if args.misses:
                print("      " + "\n      ".join(misses))


if __name__ == "__main__":
    main()
