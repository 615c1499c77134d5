#!/usr/bin/env python
"""Rule evaluation time per call (no ASR), and rescoring speed, for the default rubric.

    .venv/bin/python scripts/bench_score.py [--repeat 20] [--rescore-calls 1000]

Transcripts are built from the dev calls' ground-truth turns (real call length and wording),
each text made unique per repetition so no cache flatters the timing. Four figures from the
same run:
- keyword-only baseline: the default rubric with its semantic rules removed (what scoring
  cost before meaning-based rules);
- full rubric, clause vectors stored with the call (rescoring, --from-json): rule evaluation;
- full rubric, no stored vectors (a first scoring): one batched encode of the call's clauses
  plus rule evaluation;
- `rescore` over --rescore-calls calls stored in a fresh SQLite file with their vectors:
  calls per minute.
Target: <= 50 ms median per call with stored vectors; rescore >= 1,000 calls/min.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voiceqa.qa.rubric import AnyOfRule, SemanticRule, load_rubric  # noqa: E402
from voiceqa.qa.scorer import score_transcript  # noqa: E402
from voiceqa.schema import Region, Transcript, Turn  # noqa: E402


def transcript(truth: dict, salt: int) -> Transcript:
    turns = [Turn("S0" if t["role"] == "agent" else "S1", t["role"], t["start"], t["end"], t["text"] + "啊" * (salt % 3) + str(salt), 0.9) for t in truth["turns"]]
    speech: dict = {}
    for t in turns:
        speech.setdefault(t.speaker, []).append(Region(t.start, t.end, t.speaker))
    return Transcript(truth["call_id"], "", truth["duration_s"], 2, "stereo", turns, {}, {}, speech)


def keyword_only(rubric):
    """The rubric without semantic rules (any_of keeps its other sub-rules)."""
    items = []
    for it in rubric.items:
        rule = it.rule
        if isinstance(rule, AnyOfRule):
            rule = rule.model_copy(update={"rules": [r for r in rule.rules if not isinstance(r, SemanticRule)]})
        if not isinstance(rule, SemanticRule):
            items.append(it.model_copy(update={"rule": rule}))
    return rubric.model_copy(update={"items": items})


def stats(times: list[float]) -> str:
    times = sorted(times)
    return (f"median {1000 * statistics.median(times):.1f} ms, p95 {1000 * times[int(0.95 * len(times))]:.1f} ms, "
            f"{60 / statistics.mean(times):.0f} calls/min")


def rescore_speed(cards: list[tuple[dict, dict]], n: int) -> tuple[int, float]:
    from voiceqa.batch.metadata import CallMeta
    from voiceqa.batch.rescore import rescore
    from voiceqa.store.db import session_factory
    from voiceqa.store.repo import save_call
    from sqlalchemy import text

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        Session = session_factory(url)
        with Session() as s:
            for k in range(n):
                raw, shown = cards[k % len(cards)]
                meta = CallMeta(call_id=f"{raw['call_id']}-{k}", agent_id="A01", started_at=dt.datetime(2026, 11, 22, 9, 0))
                # a distinct source per call: save_call finds a stored call by its source
                # too, so one shared source would overwrite a single row n times
                save_call(s, meta, f"bench{k}", f"h{k}", "bench", raw, shown, None)
        with Session() as s:
            stored = s.execute(text("select count(*) from calls")).scalar_one()
        if stored != n:
            raise SystemExit(f"bench_score: {stored} calls stored, {n} expected")
        return rescore(url, load_rubric())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev-calls", type=Path, default=REPO.parent / "shared" / "dev_calls")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--rescore-calls", type=int, default=1000)
    args = ap.parse_args()
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(args.dev_calls.glob("call_*.json"))]
    rubric = load_rubric()
    baseline = keyword_only(rubric)
    score_transcript(transcript(truths[0], -1), rubric)  # load snownlp, pypinyin, jieba, the encoder
    kw, stored, fresh, embed = [], [], [], []
    for k in range(args.repeat):
        for truth in truths:
            tr = transcript(truth, k)
            t = time.perf_counter()
            score_transcript(tr, baseline)
            kw.append(time.perf_counter() - t)
            t = time.perf_counter()
            card = score_transcript(tr, rubric)
            fresh.append(time.perf_counter() - t)
            embed.append(card.timings["embed"])
            t = time.perf_counter()
            score_transcript(tr, rubric, vectors=card.vectors)
            stored.append(time.perf_counter() - t)
    turns = statistics.mean(len(t["turns"]) for t in truths)
    clauses = statistics.mean(len(score_transcript(transcript(t, 0), rubric).vectors.units) for t in truths)
    print(f"{len(kw)} calls (~{turns:.0f} turns, ~{clauses:.0f} clauses each), encoder {rubric.semantic.encoder}")
    print(f"  keyword-only baseline (no semantic rules): {stats(kw)}")
    print(f"  full rubric, stored clause vectors:        {stats(stored)}")
    print(f"  full rubric, embedding the call:           {stats(fresh)}  (embedding alone: median {1000 * statistics.median(embed):.1f} ms)")
    if args.rescore_calls:
        cards = [score_transcript(transcript(t, 0), rubric).stored_and_shown() for t in truths]
        n, seconds = rescore_speed(cards, args.rescore_calls)
        print(f"  rescore with stored vectors: {n} calls in {seconds:.1f} s = {60 * n / seconds:.0f} calls/min (SQLite)")


if __name__ == "__main__":
    main()
