#!/usr/bin/env python
"""Real-time factor and accuracy of the speech core vs bare faster-whisper, in one run.

    .venv/bin/python scripts/bench_transcribe.py [--calls 8] [--modes stereo mono] [--variants ...]

For every dev call (stereo and mono files) each variant transcribes the recording; the table
shows total audio, wall time, real-time factor (wall / audio; lower is faster), speed
(x real time) and CER against the ground truth. Models are loaded before timing starts.

Variants:
  bare-beam5      faster-whisper WhisperModel.transcribe on the whole file, beam 5 (the usual default)
  bare-beam1      the same, greedy
  bare-batched    BatchedInferencePipeline with its Silero VAD, greedy, batch 8
  voiceqa         the whole stage: decode + webrtcvad/diarization + packed batched ASR (greedy) + roles
  voiceqa-beam5   the whole stage with beam 5
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voiceqa.asr import AsrOptions  # noqa: E402
from voiceqa.asr.whisper import load_whisper  # noqa: E402
from voiceqa.audio import load_audio  # noqa: E402
from voiceqa.evaluation import load_truth  # noqa: E402
from voiceqa.pipeline import CallTranscriber, TranscribeOptions  # noqa: E402
from voiceqa.text.chinese import cer, to_simplified  # noqa: E402

VARIANTS = ("bare-beam5", "bare-beam1", "bare-batched", "voiceqa", "voiceqa-beam5")


def reference_text(truth: dict) -> str:
    return "".join(t["text"] for t in sorted(truth["turns"], key=lambda t: t["start"]))


def bare(model, path: Path, beam: int, batched: bool) -> str:
    from faster_whisper import BatchedInferencePipeline

    audio = load_audio(path).mono()  # decoding + resampling included in the timing
    if batched:
        segs, _ = BatchedInferencePipeline(model).transcribe(audio, language="zh", beam_size=beam, batch_size=8)
    else:
        segs, _ = model.transcribe(audio, language="zh", beam_size=beam)
    return to_simplified("".join(s.text for s in segs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev-calls", type=Path, default=REPO.parent / "shared" / "dev_calls")
    ap.add_argument("--calls", type=int, default=8)
    ap.add_argument("--modes", nargs="+", default=["stereo", "mono"], choices=["stereo", "mono"])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    args = ap.parse_args()

    from voiceqa.asr.model_store import resolve_model

    path, _ = resolve_model(None)
    model = load_whisper(str(path), "cpu", "default", 0)
    pipelines = {
        "voiceqa": CallTranscriber(),
        "voiceqa-beam5": CallTranscriber(TranscribeOptions(asr=AsrOptions(beam_size=5))),
    }
    calls = sorted(args.dev_calls.glob("call_*.json"))[: args.calls]
    # warm-up: load every model once outside the timings
    first = calls[0].with_suffix(".wav")
    for name in ("voiceqa",):
        pipelines[name].transcribe(first)

    print(f"{'mode':7s} {'variant':14s} {'audio s':>8s} {'wall s':>8s} {'RTF':>6s} {'x RT':>6s} {'CER':>6s}")
    for mode in args.modes:
        for variant in args.variants:
            audio_s = wall = 0.0
            errors = chars = 0
            for truth_path in calls:
                truth = load_truth(truth_path)
                wav = truth_path.with_name(truth_path.stem + ("_stereo.wav" if mode == "stereo" else ".wav"))
                t = time.perf_counter()
                if variant.startswith("bare"):
                    beam = 5 if variant == "bare-beam5" else 1
                    text = bare(model, wav, beam, batched=variant == "bare-batched")
                else:
                    tr = pipelines[variant].transcribe(wav)
                    text = "".join(x.text for x in sorted(tr.turns, key=lambda x: x.start))
                wall += time.perf_counter() - t
                audio_s += truth["duration_s"]
                e, n = cer(reference_text(truth), text)
                errors, chars = errors + e, chars + n
            rtf = wall / audio_s
            print(f"{mode:7s} {variant:14s} {audio_s:8.1f} {wall:8.1f} {rtf:6.3f} {1 / rtf:6.1f} {errors / chars:6.3f}", flush=True)


if __name__ == "__main__":
    main()
