#!/usr/bin/env python
"""Rule evaluation time per call (no ASR): the default rubric over the dev calls' turns.

    .venv/bin/python scripts/bench_score.py [--repeat 50]

Transcripts are built from the ground-truth turns (real call length and wording), each text
made unique per repetition so no cache flatters the timing. Target: <= 20 ms per call.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voiceqa.qa.rubric import load_rubric  # noqa: E402
from voiceqa.qa.scorer import score_transcript  # noqa: E402
from voiceqa.schema import Region, Transcript, Turn  # noqa: E402


def transcript(truth: dict, salt: int) -> Transcript:
    turns = [Turn("S0" if t["role"] == "agent" else "S1", t["role"], t["start"], t["end"], t["text"] + "啊" * (salt % 3) + str(salt), 0.9) for t in truth["turns"]]
    speech: dict = {}
    for t in turns:
        speech.setdefault(t.speaker, []).append(Region(t.start, t.end, t.speaker))
    return Transcript(truth["call_id"], "", truth["duration_s"], 2, "stereo", turns, {}, {}, speech)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev-calls", type=Path, default=REPO.parent / "shared" / "dev_calls")
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(args.dev_calls.glob("call_*.json"))]
    rubric = load_rubric()
    score_transcript(transcript(truths[0], -1), rubric)  # load snownlp, pypinyin
    times = []
    for k in range(args.repeat):
        for truth in truths:
            tr = transcript(truth, k)
            t = time.perf_counter()
            score_transcript(tr, rubric)
            times.append(time.perf_counter() - t)
    times.sort()
    turns = statistics.mean(len(t["turns"]) for t in truths)
    print(f"{len(times)} calls (~{turns:.0f} turns each): median {1000 * statistics.median(times):.1f} ms, "
          f"p95 {1000 * times[int(0.95 * len(times))]:.1f} ms, {60 / statistics.mean(times):.0f} calls/min")


if __name__ == "__main__":
    main()
