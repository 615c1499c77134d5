"""VAD, turn building and speech packing."""
from __future__ import annotations

import json

import numpy as np

from voiceqa.asr.packing import locate, pack
from voiceqa.audio import load_audio
from voiceqa.schema import Region
from voiceqa.turns import build_turns
from voiceqa.vad import VadOptions, detect_speech, frames_to_regions


def test_frames_to_regions_merges_and_drops():
    active = np.zeros(100, dtype=bool)
    active[10:30] = True  # 0.3-0.9 s
    active[33:50] = True  # gap of 0.09 s -> merged
    active[80:82] = True  # 60 ms burst -> dropped
    regs = frames_to_regions(active, VadOptions(smoothing_frames=1, pad=0.0))
    assert len(regs) == 1
    assert abs(regs[0].start - 0.30) < 1e-6 and abs(regs[0].end - 1.50) < 1e-6


def test_vad_on_dev_call_matches_ground_truth(dev_calls):
    audio = load_audio(dev_calls / "call_004_stereo.wav")  # has a long hold (dead air)
    truth = json.loads((dev_calls / "call_004.json").read_text())
    speech = detect_speech([audio.channel(0), audio.channel(1)], audio.rate, labels=["agent", "customer"])
    for role in ("agent", "customer"):
        ref = [(s["start"], s["end"]) for t in truth["turns"] if t["role"] == role for s in t["segments"]]
        ref_total = sum(e - s for s, e in ref)
        hit = sum(max(0.0, min(e, r.end) - max(s, r.start)) for s, e in ref for r in speech[role])
        assert hit / ref_total > 0.95, role
        # nothing detected far from any reference speech of that role (crosstalk suppressed)
        for r in speech[role]:
            assert any(r.start < e + 0.5 and r.end > s - 0.5 for s, e in ref), (role, r)


def test_build_turns_breaks_on_other_speaker_and_long_gap():
    speech = {
        "A": [Region(0.0, 2.0, "A"), Region(2.5, 4.0, "A"), Region(9.0, 10.0, "A")],
        "B": [Region(4.5, 8.0, "B")],
    }
    turns = build_turns(speech, max_gap=1.2)
    assert [[(r.start, r.speaker) for r in t] for t in turns] == [
        [(0.0, "A"), (2.5, "A")], [(4.5, "B")], [(9.0, "A")]
    ]


def test_pack_and_locate_round_trip():
    rate = 100
    audio = np.arange(100 * rate, dtype=np.float32)
    regions = [Region(1.0, 3.0), Region(10.0, 12.5), Region(40.0, 70.0)]  # last one > window
    stream, windows = pack({"": audio}, regions, rate, window=20.0, gap=0.5)
    assert all(w.end - w.start <= 20.0 + 1e-6 for w in windows)
    # every packed sample maps back to where it came from
    for w in windows:
        for p in w.placements:
            t = p.packed_start + p.length / 2
            idx, orig = locate(w, t)
            assert idx == p.index
            assert abs(stream[int(t * rate)] - audio[int(orig * rate)]) <= 1
    # a time inside a gap snaps to the nearest region
    first = windows[0]
    idx, orig = locate(first, first.placements[0].packed_start + first.placements[0].length + 0.1)
    assert idx == 0 and abs(orig - 3.0) < 1e-6
