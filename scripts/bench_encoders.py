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
from voiceqa.qa.rubric import AnyOfRule, SemanticRule, leaf_rules, load_rubric  # noqa: E402
from voiceqa.qa.rubric_check import _transcript, labelled_cases, own_cases  # noqa: E402
from voiceqa.qa.rules import EVALUATORS  # noqa: E402
from voiceqa.qa.semantic import call_units, example_vectors  # noqa: E402
from voiceqa.text.words import has_cue  # noqa: E402

FLOORS = {"use": np.arange(0.30, 0.80, 0.025), "e5": np.arange(0.80, 0.95, 0.005)}
MARGINS = np.arange(-0.05, 0.15, 0.01)


def case_features(rubric, encoder, cases, negation):
    """Per case: keyword fired, and per semantic rule of its item (best, counter, polarity ok)
    for every clause."""
    items = {it.id: it for it in rubric.items}
    out = []
    for c in cases:
        tr = _transcript(c.text, c.role)
        ctx = ScoringContext(tr, {}, ["calm"], negation=negation)
        kw = False
        sem = []
        for iid in c.items:
            item = items[iid]
            for rule in leaf_rules(item.rule):
                if isinstance(rule, SemanticRule):
                    clauses = [tr.turns[0].text[s:e] for _, s, e in call_units(tr)]
                    ex = [x for x in rule.examples if x not in c.holdout]
                    co = [x for x in (*rule.counter_examples, *rubric.semantic.background) if x not in c.holdout]
                    clauses = [x for x in clauses if len(x) >= rule.min_chars] or clauses[:0]
                    if not clauses:
                        continue
                    V = example_vectors(encoder, clauses)
                    sims = V @ example_vectors(encoder, ex).T
                    if rule.negation:
                        en = np.array([has_cue(x, negation) for x in ex])
                        cn = np.array([has_cue(x, negation) for x in clauses])
                        sims = np.where(cn[:, None] == en[None, :], sims, -1.0)
                    best = sims.max(1)
                    cnt = (V @ example_vectors(encoder, co).T).max(1) if co else np.full(len(clauses), -1.0)
                    pol = np.ones(len(clauses), bool)
                    sem.append((best, cnt, pol))
                else:
                    sub = item.model_copy(update={"rule": rule})
                    kw = kw or bool(EVALUATORS[type(rule)](rule, sub, ctx))
        out.append((c, kw, sem))
    return out


def judge(features, floor, margin):
    stats = {}
    for c, kw, sem in features:
        fired = kw or any(bool(np.any((b >= floor) & (b - k >= margin) & p)) for b, k, p in sem)
        s = stats.setdefault(c.key, [0, 0, 0, 0])
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
            so, sh = judge(f_own, f, mm), judge(f_held, f, mm)
            print(f"  {label}: min_similarity {f:.3f} margin {mm:.2f}  own macro-F1 {macro_f1(so):.3f}  held-out macro-F1 {macro_f1(sh):.3f}")
            for k in sorted(sh):
                p, r = pr(sh[k])
                po, ro = pr(so.get(k, [0, 0, 0, 0]))
                print(f"    {k:<10} held-out P {p:.2f} R {r:.2f}   own P {po:.2f} R {ro:.2f}")


if __name__ == "__main__":
    main()
