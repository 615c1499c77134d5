#!/usr/bin/env python
"""Accuracy and speed of the speech core vs bare faster-whisper, all measured in one run.

    .venv/bin/python scripts/bench_transcribe.py [--sets clips tel stereo mono] [--calls 8]
                                                 [--variants ...] [--threads 2]

Sets:
  clips   real human speech with reference text: ../shared/real_clips tier A + the
          agent_magicdata_* lines of ../shared/real_calls (16 kHz), one speaker
  tel     the same clips through the telephone simulation (300-3400 Hz, 8 kHz, mu-law)
  stereo  the dev calls, one party per channel
  mono    the dev calls' mono mix (diarization)
  conv    real two-party conversations recorded one speaker per channel (../shared/real_calls/
          conv_*.wav), mixed to mono and diarized; no reference text, so no CER

Variants (every one on every set; the bare ones see the whole file, no VAD):
  bare-beam5      WhisperModel.transcribe(language="zh", beam_size=5, initial_prompt=以下是普通话的句子。)
  bare-beam1      the same, greedy
  voiceqa         the whole stage as shipped (decode + VAD/diarization + padded ASR regions + batched greedy)
  voiceqa-beam5   the same with beam 5 (--beam-size 5)
  voiceqa-tight   greedy on the tight VAD regions (pad 0.1 s, no ASR padding or joining), as
                  before issue 10 (diarization and long-region cuts are the new ones)

For each (set, variant): audio seconds, wall seconds, RTF (wall / audio), x real time, CER
(edit distance / reference characters, after normalisation), and for the voiceqa variants on
calls: role accuracy (share of reference speech covered by a turn of the right role; dev calls)
and speaker attribution (share of single-speaker time given to that speaker alone, best
mapping; mono dev calls against their ground truth, conv against each channel's speech). The load average is printed
before and after: the machine may be shared, so compare variants only within one run.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

warnings.filterwarnings("ignore")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voiceqa.asr.model_store import resolve_model  # noqa: E402
from voiceqa.asr.whisper import WhisperBackend, load_whisper  # noqa: E402
from voiceqa.audio import load_audio  # noqa: E402
from voiceqa.audio.telephone import write_telephone_wav  # noqa: E402
from voiceqa.evaluation import (  # noqa: E402
    channel_reference, load_truth, role_accuracy, speaker_attribution, truth_reference,
)
from voiceqa.pipeline import CallTranscriber, TranscribeOptions  # noqa: E402
from voiceqa.text.chinese import cer, to_simplified  # noqa: E402

SHARED = REPO.parent / "shared"
PROMPT = "以下是普通话的句子。"
VARIANTS = ("bare-beam5", "bare-beam1", "voiceqa", "voiceqa-beam5", "voiceqa-tight")
SETS = ("clips", "tel", "stereo", "mono", "conv")


def real_clips(shared: Path) -> list[tuple[Path, str]]:
    """(wav, reference text): real_clips tier A and the magicdata agent lines."""
    out = []
    with open(shared / "real_clips" / "refs.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["tier"].startswith("A"):
                out.append((shared / "real_clips" / row["file"], row["ref"]))
    for wav in sorted((shared / "real_calls").glob("agent_magicdata_*.wav")):
        out.append((wav, wav.with_suffix(".txt").read_text(encoding="utf-8").strip()))
    return out


def dev_items(shared: Path, calls: int, mode: str) -> list[tuple[Path, str, dict]]:
    out = []
    for truth_path in sorted((shared / "dev_calls").glob("call_*.json"))[:calls]:
        truth = load_truth(truth_path)
        ref = "".join(t["text"] for t in sorted(truth["turns"], key=lambda t: t["start"]))
        wav = truth_path.with_name(truth_path.stem + ("_stereo.wav" if mode == "stereo" else ".wav"))
        out.append((wav, ref, truth))
    return out


def make_pipelines(threads: int) -> dict[str, CallTranscriber]:
    base = TranscribeOptions.from_settings(threads=threads)
    tight = replace(base.sep, vad=replace(base.sep.vad, asr_pad=0.0, asr_merge_gap=0.0))
    options = {
        "voiceqa": base,
        "voiceqa-beam5": replace(base, asr=replace(base.asr, beam_size=5)),
        "voiceqa-tight": replace(base, sep=tight),
    }
    asr = {}  # one loaded model per beam setting (the Whisper weights are cached per process)
    out = {}
    for name, opts in options.items():
        key = opts.asr
        asr.setdefault(key, WhisperBackend(opts.asr))
        out[name] = CallTranscriber(opts, asr=asr[key])
    return out


def single_speaker(p: CallTranscriber) -> CallTranscriber:
    return CallTranscriber(replace(p.options, sep=replace(p.options.sep, num_speakers=1)), asr=p.asr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--calls", type=int, default=8, help="dev calls to use (of 8)")
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    ap.add_argument("--threads", type=int, default=2, help="CTranslate2 / torch threads")
    args = ap.parse_args()

    path, _ = resolve_model(None)
    model = load_whisper(str(path), "cpu", "default", args.threads)
    pipelines = make_pipelines(args.threads)
    singles = {name: single_speaker(p) for name, p in pipelines.items()}
    tmp = Path(tempfile.mkdtemp(prefix="voiceqa-bench-"))

    items: dict[str, list[tuple]] = {}
    for s in args.sets:
        if s in ("clips", "tel"):
            clips = real_clips(args.shared)
            items[s] = clips if s == "clips" else [(write_telephone_wav(w, tmp / w.name), ref) for w, ref in clips]
        elif s == "conv":
            items[s] = [(w, None) for w in sorted((args.shared / "real_calls").glob("conv_*.wav"))]
        else:
            items[s] = dev_items(args.shared, args.calls, s)
    # warm-up outside the timings: every model loaded once (diarization only if a mono set runs)
    warm = items[args.sets[0]][0][0]
    for name in args.variants:
        if name in pipelines:
            (pipelines if "mono" in args.sets else singles)[name].transcribe(warm)

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs, {args.threads} threads)")
    print(f"{'set':7s} {'variant':14s} {'files':>5s} {'audio s':>8s} {'wall s':>8s} {'RTF':>6s} {'x RT':>6s} "
          f"{'CER':>6s} {'roles':>6s} {'attrib':>6s}")
    for s in args.sets:
        for variant in args.variants:
            if s == "conv" and variant.startswith("bare"):
                continue  # nothing to compare: bare Whisper does not tell speakers apart
            audio_s = wall = 0.0
            errors = chars = 0
            roles, attrib = [], []
            for wav, ref, *truth in items[s]:
                t = time.perf_counter()
                audio = load_audio(wav)  # decoding + resampling inside the timing for every variant
                if s == "conv":
                    reference = channel_reference([audio.channel(0), audio.channel(1)], audio.rate)
                    audio = replace(audio, samples=audio.samples.mean(axis=0, keepdims=True))
                    t = time.perf_counter()
                if variant.startswith("bare"):
                    beam = 5 if variant == "bare-beam5" else 1
                    segs, _ = model.transcribe(audio.mono(), language="zh", beam_size=beam, initial_prompt=PROMPT)
                    text = to_simplified("".join(x.text for x in segs))
                else:
                    p = (singles if s in ("clips", "tel") else pipelines)[variant]
                    tr = p.transcribe_audio(audio)
                    text = "".join(x.text for x in sorted(tr.turns, key=lambda x: x.start))
                    if truth:
                        roles.append(role_accuracy(tr, truth[0]))
                        if s == "mono":
                            attrib.append(speaker_attribution(truth_reference(truth[0]), tr.speech))
                    elif s == "conv":
                        attrib.append(speaker_attribution(reference, tr.speech))
                wall += time.perf_counter() - t
                audio_s += audio.duration
                if ref is not None:
                    e, n = cer(ref, text)
                    errors, chars = errors + e, chars + n
            rtf = wall / audio_s

            def fmt(xs):
                return f"{sum(xs) / len(xs):6.3f}" if xs else f"{'-':>6s}"

            print(f"{s:7s} {variant:14s} {len(items[s]):5d} {audio_s:8.1f} {wall:8.1f} {rtf:6.3f} {1 / rtf:6.1f} "
                  f"{fmt([errors / chars] if chars else [])} {fmt(roles)} {fmt(attrib)}", flush=True)
            if attrib and s == "conv":
                print(f"{'':7s} {'':14s} per file: {' '.join(f'{a:.3f}' for a in attrib)}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
