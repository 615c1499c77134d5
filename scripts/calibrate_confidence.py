#!/usr/bin/env python
"""Fit the word-probability calibration in voiceqa/asr/confidence.py and print its reliability.

    .venv/bin/python scripts/calibrate_confidence.py [--threads 2] [--cache words.json]

Transcribes speech with reference text through the whole stage with raw Whisper word
probabilities: real clips (../shared/real_clips tiers A/B and the agent_magicdata_* lines) at
16 kHz and through the telephone simulation, and the dev calls (stereo). Each recognised word
is aligned with the reference (Levenshtein edit operations on normalised characters); a word
is right when none of its characters is substituted or deleted. An isotonic regression of
"right" on the raw probability is fitted with the real and the synthetic speech weighted
equally, and printed as RAW/CALIBRATED breakpoints, with reliability tables (bins of predicted
probability: count, mean predicted, share right) and the expected calibration error (ECE) of
the raw and calibrated probabilities, in-sample and across sets (fit on one, judge the other).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voiceqa.audio.telephone import write_telephone_wav  # noqa: E402
from voiceqa.evaluation import load_truth, word_outcomes  # noqa: E402
from voiceqa.pipeline import CallTranscriber, TranscribeOptions  # noqa: E402

SHARED = REPO.parent / "shared"


def collect(threads: int, shared: Path) -> dict[str, list[tuple[float, int]]]:
    options = TranscribeOptions.from_settings(threads=threads)
    stereo = CallTranscriber(options)
    stereo.asr.calibration = None  # raw probabilities
    single = CallTranscriber(TranscribeOptions.from_settings(threads=threads, num_speakers=1), asr=stereo.asr)
    clips = []
    with open(shared / "real_clips" / "refs.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["tier"][0] in "AB":
                clips.append((shared / "real_clips" / row["file"], row["ref"]))
    clips += [(w, w.with_suffix(".txt").read_text(encoding="utf-8").strip())
              for w in sorted((shared / "real_calls").glob("agent_magicdata_*.wav"))]
    tmp = Path(tempfile.mkdtemp())
    out: dict[str, list[tuple[float, int]]] = {"real": [], "dev": []}
    for wav, ref in clips:
        for path in (wav, write_telephone_wav(wav, tmp / wav.name)):
            tr = single.transcribe(path)
            words = [(w.text, w.probability) for t in sorted(tr.turns, key=lambda t: t.start) for w in t.words]
            out["real"] += word_outcomes(words, ref)
    for truth_path in sorted((shared / "dev_calls").glob("call_*.json")):
        truth = load_truth(truth_path)
        tr = stereo.transcribe(truth_path.with_name(truth_path.stem + "_stereo.wav"))
        for role in ("agent", "customer"):  # align each party's words with that party's text
            ref = "".join(t["text"] for t in sorted(truth["turns"], key=lambda t: t["start"]) if t["role"] == role)
            words = [(w.text, w.probability) for t in sorted(tr.turns, key=lambda t: t.start) if t.role == role for w in t.words]
            out["dev"] += word_outcomes(words, ref)
        print(f"{truth_path.stem}: {len(out['dev'])} dev words so far", file=sys.stderr)
    return out


def fit(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[list[float], list[float]]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p, y, sample_weight=w)
    xs, ys = list(iso.X_thresholds_), list(iso.y_thresholds_)
    # keep the ends of each flat step: a small piecewise-linear table
    keep = [0] + [i for i in range(1, len(xs) - 1) if ys[i] != ys[i - 1] or ys[i] != ys[i + 1]] + [len(xs) - 1]
    raw = [0.0] + [round(float(xs[i]), 3) for i in keep] + [1.0]
    cal = [round(float(ys[keep[0]]), 3)] + [round(float(ys[i]), 3) for i in keep] + [round(float(ys[keep[-1]]), 3)]
    pairs = sorted(dict(zip(raw, cal)).items())
    return [a for a, _ in pairs], [b for _, b in pairs]


def reliability(pred: np.ndarray, y: np.ndarray, title: str) -> float:
    bins = np.clip((pred * 10).astype(int), 0, 9)
    print(f"  {title}: bin  words  predicted  right")
    ece = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            print(f"    {b / 10:.1f}-{(b + 1) / 10:.1f} {m.sum():6d}  {pred[m].mean():9.3f}  {y[m].mean():5.3f}")
            ece += m.sum() / len(y) * abs(pred[m].mean() - y[m].mean())
    print(f"    ECE {ece:.3f}")
    return ece


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", type=Path, help="JSON file: reuse the collected words if it exists, else write it")
    args = ap.parse_args()
    if args.cache and args.cache.exists():
        data = json.loads(args.cache.read_text())
    else:
        data = collect(args.threads, args.shared)
        if args.cache:
            args.cache.write_text(json.dumps(data))
    sets = {k: (np.array([p for p, _ in v]), np.array([y for _, y in v], dtype=float)) for k, v in data.items()}
    p = np.concatenate([sets["real"][0], sets["dev"][0]])
    y = np.concatenate([sets["real"][1], sets["dev"][1]])
    w = np.concatenate([np.full(len(sets["real"][0]), 1.0 / len(sets["real"][0])),
                        np.full(len(sets["dev"][0]), 1.0 / len(sets["dev"][0]))])
    raw, cal = fit(p, y, w)
    print(f"RAW = {tuple(raw)}\nCALIBRATED = {tuple(cal)}")
    for name, (ps, ys) in sets.items():
        print(f"{name}: {len(ys)} words, {ys.mean():.3f} right")
        reliability(ps, ys, "raw")
        reliability(np.interp(ps, raw, cal), ys, "calibrated (pooled fit)")
        other = "dev" if name == "real" else "real"
        r2, c2 = fit(sets[other][0], sets[other][1], np.ones(len(sets[other][1])))
        reliability(np.interp(ps, r2, c2), ys, f"calibrated on {other} only")


if __name__ == "__main__":
    main()
