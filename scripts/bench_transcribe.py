#!/usr/bin/env python
"""Accuracy and speed of the speech core vs bare faster-whisper, all measured in one run.

    .venv/bin/python scripts/bench_transcribe.py [--sets clips tel stereo mono] [--calls 8]
                                                 [--variants ...] [--threads 2]

Sets:
  clips   real human speech with reference text: ../shared/real_clips tier A + the
          agent_magicdata_* lines of ../shared/real_calls (16 kHz), one speaker
  tel     the same clips through the telephone simulation (300-3400 Hz, 8 kHz, mu-law)
  packed  the same clips one after another in one file (0.6 s apart, one stream): real speech
          packed into Whisper windows as a call channel's turns are (a clip alone is one window)
  stereo  the dev calls, one party per channel
  mono    the dev calls' mono mix (diarization)
  conv    real two-party conversations recorded one speaker per channel (../shared/real_calls/
          conv_*.wav), mixed to mono and diarized; no reference text, so no CER

Variants (the bare ones see the whole file, no VAD):
  bare-beam5       WhisperModel.transcribe(language="zh", beam_size=5, initial_prompt=以下是普通话的句子。)
                   runs on every file of every set (but conv), interleaved with the variants
                   (file by file), so each variant's row carries bare beam 5's wall time and CER
                   on the same files in the same minutes: the ratio holds on a shared machine
  bare-beam1       the same, greedy
  voiceqa          the whole stage as shipped (decode + VAD/diarization + padded ASR regions +
                   batched greedy with a token limit per window)
  voiceqa-beam5    the same with beam 5 (--beam-size 5)
  voiceqa-tight    greedy on the tight VAD regions (pad 0.1 s, no ASR padding or joining), as
                   before issue 10
  voiceqa-nolimit  no token limit per window (Whisper's own 448)
  voiceqa-sure     no second decode of windows whose greedy output is unsure
                   (AsrOptions.retry_below_logprob=None, the stage before session 9)
  voiceqa-24       windows of 24 s of speech instead of 20 (AsrOptions.chunk_length)
  voiceqa-20       windows never over 20 s: a speaker whose speech would only fill padded windows
                   (under 15 s each) does not get one window fewer of up to 28 s
                   (AsrOptions.stretch_length=0, the stage before bench run 5)
  voiceqa-28       the ASR stage's settings before issue 10's third pass: 28 s windows, always
                   padded to a 30 s encoder input, no second decode of speech that came back
                   without words (the even spreading of a speaker's speech over windows applies)
  voiceqa-seg      mono sets only: pyannote's segmentation model before the CAM++ windows
                   (SeparationOptions.segmentation, automatic when the speaker count is unknown)

For each (set, variant): audio seconds, wall seconds, x real time, wall time as a share of bare
beam 5's on the same files ("vs bare"), CER and bare beam 5's CER (edit distance / reference
characters, after normalisation), and for the voiceqa variants on calls: role accuracy (share of
reference speech covered by a turn of the right role; dev calls), speaker attribution (share of
single-speaker time given to that speaker alone, best mapping; mono dev calls against their
ground truth, conv against each channel's speech) and where the time went (the transcript's
timings: decode, vad, diarize, asr). The load average is printed before and after.
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
VARIANTS = ("bare-beam5", "bare-beam1", "voiceqa", "voiceqa-beam5", "voiceqa-tight", "voiceqa-nolimit", "voiceqa-sure", "voiceqa-24", "voiceqa-20", "voiceqa-28", "voiceqa-seg")
MONO_ONLY = ("voiceqa-seg",)
SETS = ("clips", "tel", "packed", "stereo", "mono", "conv")


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


def packed_clips(clips: list[tuple[Path, str]], out: Path, pause: float = 0.6) -> tuple[Path, str]:
    """All clips in one 16 kHz file, ``pause`` s of silence apart, and their joined reference."""
    import numpy as np
    import soundfile as sf

    silence = np.zeros(int(pause * 16000), dtype=np.float32)
    pieces = []
    for wav, _ in clips:
        pieces += [load_audio(wav).mono().astype(np.float32), silence]
    sf.write(out, np.concatenate(pieces), 16000)
    return out, "".join(ref for _, ref in clips)


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
        "voiceqa-nolimit": replace(base, asr=replace(base.asr, tokens_per_second=0.0)),
        "voiceqa-sure": replace(base, asr=replace(base.asr, retry_below_logprob=None)),
        "voiceqa-24": replace(base, asr=replace(base.asr, chunk_length=24.0)),
        "voiceqa-20": replace(base, asr=replace(base.asr, stretch_length=0.0)),
        "voiceqa-28": replace(base, asr=replace(base.asr, chunk_length=28.0, min_encode_seconds=30.0, retry_unheard_seconds=0.0)),
        "voiceqa-seg": replace(base, sep=replace(base.sep, segmentation=True)),
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


def run_bare(model, audio, beam: int) -> str:
    segs, _ = model.transcribe(audio.mono(), language="zh", beam_size=beam, initial_prompt=PROMPT)
    return to_simplified("".join(x.text for x in segs))


class Row:
    """One (set, variant): sums over its files, and bare beam 5's on the same files."""

    def __init__(self):
        self.audio = self.wall = self.bare_wall = 0.0
        self.errors = self.chars = self.bare_errors = 0
        self.roles: list[float] = []
        self.attrib: list[float] = []
        self.timings: dict[str, float] = {}

    def line(self, s: str, variant: str, files: int) -> str:
        def fmt(xs, width=6):
            return f"{sum(xs) / len(xs):{width}.3f}" if xs else f"{'-':>{width}s}"

        vs = f"{self.wall / self.bare_wall:7.2f}" if self.bare_wall else f"{'-':>7s}"
        cer_ = fmt([self.errors / self.chars] if self.chars else [])
        bare_cer = fmt([self.bare_errors / self.chars] if self.chars and self.bare_wall else [])
        times = " ".join(f"{k}={v:.1f}" for k, v in self.timings.items() if k != "total")
        return (f"{s:7s} {variant:15s} {files:5d} {self.audio:8.1f} {self.wall:8.1f} {self.audio / self.wall:6.1f} "
                f"{vs} {cer_} {bare_cer} {fmt(self.roles)} {fmt(self.attrib)}  {times}")


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
        elif s == "packed":
            items[s] = [packed_clips(real_clips(args.shared), tmp / "packed_clips.wav")]
        elif s == "conv":
            items[s] = [(w, None) for w in sorted((args.shared / "real_calls").glob("conv_*.wav"))]
        else:
            items[s] = dev_items(args.shared, args.calls, s)
    # warm-up outside the timings: every model loaded once (diarization only if a mono set runs)
    warm = items[args.sets[0]][0][0]
    for name in args.variants:
        if name in pipelines:
            singles[name].transcribe(warm)
            if {"mono", "conv"} & set(args.sets):
                pipelines[name].separator("diarize")  # loads CAM++ (and pyannote for voiceqa-seg)

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs, {args.threads} threads)")
    print(f"{'set':7s} {'variant':15s} {'files':>5s} {'audio s':>8s} {'wall s':>8s} {'x RT':>6s} {'vs bare':>7s} "
          f"{'CER':>6s} {'bare5':>6s} {'roles':>6s} {'attrib':>6s}  time per stage (s)")
    for s in args.sets:
        variants = [v for v in args.variants if not (v in MONO_ONLY and s not in ("mono", "conv"))]
        if s == "conv":
            variants = [v for v in variants if not v.startswith("bare")]  # no reference text: nothing to compare
        rows = {v: Row() for v in variants}
        for wav, ref, *truth in items[s]:
            bare_wall = bare_errors = 0
            if s != "conv":  # bare beam 5 on this file, right before the variants
                t = time.perf_counter()
                audio = load_audio(wav)
                text = run_bare(model, audio, 5)
                bare_wall = time.perf_counter() - t
                bare_errors = cer(ref, text)[0]
            for variant in variants:
                row = rows[variant]
                t = time.perf_counter()
                audio = load_audio(wav)  # decoding + resampling inside the timing for every variant
                if s == "conv":
                    reference = channel_reference([audio.channel(0), audio.channel(1)], audio.rate)
                    audio = replace(audio, samples=audio.samples.mean(axis=0, keepdims=True))
                    t = time.perf_counter()
                if variant == "bare-beam5":
                    text, wall = None, bare_wall  # already run, just above
                elif variant == "bare-beam1":
                    text = run_bare(model, audio, 1)
                else:
                    p = (singles if s in ("clips", "tel", "packed") else pipelines)[variant]
                    tr = p.transcribe_audio(audio)
                    text = "".join(x.text for x in sorted(tr.turns, key=lambda x: x.start))
                    for k, v in tr.timings.items():
                        row.timings[k] = row.timings.get(k, 0.0) + v
                    if truth:
                        row.roles.append(role_accuracy(tr, truth[0]))
                        if s == "mono":
                            row.attrib.append(speaker_attribution(truth_reference(truth[0]), tr.speech))
                    elif s == "conv":
                        row.attrib.append(speaker_attribution(reference, tr.speech))
                if variant != "bare-beam5":
                    wall = time.perf_counter() - t
                row.wall += wall
                row.bare_wall += bare_wall
                row.audio += audio.duration
                if ref is not None:
                    row.errors += cer(ref, text)[0] if text is not None else bare_errors
                    row.bare_errors += bare_errors
                    row.chars += cer(ref, "")[1]
        for variant in variants:
            print(rows[variant].line(s, variant, len(items[s])), flush=True)
            if s == "conv":
                print(f"{'':7s} {'':15s} per file: {' '.join(f'{a:.3f}' for a in rows[variant].attrib)}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
