"""VAD, turn building and speech packing."""
from __future__ import annotations

import json

import numpy as np

from voiceqa.asr.packing import locate, pack, share
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


def test_a_speakers_speech_is_spread_evenly_over_its_windows():
    rate = 100
    audio = np.ones(200 * rate, dtype=np.float32)
    regions = [Region(4.0 * k, 4.0 * k + 3.0, "A") for k in range(15)]  # 45 s of speech
    regions += [Region(100.0 + 3.0 * k, 100.0 + 3.0 * k + 2.0, "B") for k in range(5)]  # 10 s
    _, windows = pack({"A": audio, "B": audio}, regions, rate, window=20.0, gap=0.25)
    lengths = {spk: [round(w.end - w.start, 2) for w in windows if regions[w.placements[0].index].speaker == spk]
               for spk in "AB"}
    # not 20 + 20 + 5: three windows of about 15 s (no short remainder padded to 30 s)
    assert len(lengths["A"]) == 3 and min(lengths["A"]) >= 14.0 and max(lengths["A"]) <= 20.0
    assert len(lengths["B"]) == 1
    _, solo = pack({"A": audio, "B": audio}, regions, rate, window=20.0, gap=0.25, solo=True)
    assert len(solo) == len(regions)


def test_speech_that_would_only_fill_short_windows_gets_one_longer_window():
    rate = 100
    audio = np.ones(100 * rate, dtype=np.float32)
    regions = [Region(3.0 * k, 3.0 * k + 2.25, "A") for k in range(10)]  # 25 s with the gaps
    _, two = pack({"A": audio}, regions, rate, window=20.0, gap=0.25)
    assert len(two) == 2 and max(w.end - w.start for w in two) < 15.0  # both would be padded to 30 s
    _, one = pack({"A": audio}, regions, rate, window=20.0, gap=0.25, stretch=28.0, min_fill=15.0)
    assert len(one) == 1 and 24.0 < one[0].end - one[0].start <= 28.0
    # not past the stretch: 40 s stays two windows of 20 (each already long enough to encode short)
    assert share(40.0, 20.0, stretch=28.0, min_fill=15.0) == 20.0
    assert share(34.0, 20.0, stretch=28.0, min_fill=18.0) == 17.0  # one window would be 34 s > 28
    assert share(25.0, 20.0) == 12.5  # off by default


def test_asr_regions_are_padded_and_joined_but_never_cover_the_other_speaker():
    from voiceqa.vad import widen_for_asr

    speech = {
        "A": [Region(1.0, 2.0, "A"), Region(2.5, 3.0, "A"), Region(5.0, 6.0, "A")],
        "B": [Region(3.1, 4.8, "B")],
    }
    wide = widen_for_asr(speech, pad=0.3, merge_gap=0.8, total=6.1, exclusive=True)
    # A's first two regions join across the 0.5 s pause; padding stops at B's speech and the file end
    assert [(r.start, r.end) for r in wide["A"]] == [(0.7, 3.1), (4.8, 6.1)]
    assert [(r.start, r.end) for r in wide["B"]] == [(3.0, 5.0)]  # up to A's speech, not its padding
    # one channel per speaker: pad freely, but never join across the other party's turn
    wide = widen_for_asr(speech, pad=0.3, merge_gap=3.0, total=10.0, exclusive=False)
    assert [(round(r.start, 2), round(r.end, 2)) for r in wide["A"]] == [(0.7, 3.3), (4.7, 6.3)]
    assert wide["A"][0].speaker == "A"


def test_long_regions_are_cut_at_a_pause():
    from voiceqa.asr.packing import split_long

    rate = 1000
    x = np.ones(40 * rate, dtype=np.float32)
    x[int(16.0 * rate): int(16.3 * rate)] = 0.0  # the only pause, inside the allowed span
    pieces = split_long([Region(0.0, 40.0, "S")], 25.0, {"S": x}, rate)
    assert [i for i, _ in pieces] == [0, 0]
    cut = pieces[0][1].end
    assert 16.0 <= cut <= 16.3 and pieces[1][1].start == cut and pieces[1][1].end == 40.0
    assert all(r.duration <= 25.0 for _, r in pieces)


def test_backchannel_relabels_only_itself_not_the_turn_around_it():
    from voiceqa.separation.reseg import resegment

    a_voice, b_voice = np.array([1.0, 0.1, 0.0]), np.array([0.1, 1.0, 0.0])
    b_times = [(5.0, 5.5), (12.0, 20.0)]  # a backchannel inside A's turn, then B's own turn

    def pool(a, b):  # a window's embedding: its voices mixed by how long each one speaks
        fb = sum(max(0.0, min(b, e) - max(a, s)) for s, e in b_times) / (b - a)
        return (1 - fb) * a_voice + fb * b_voice

    out = resegment(pool, [Region(0.0, 20.0)], 2, 20.0)

    def label_at(t):
        return next(r.speaker for r in out if r.start <= t < r.end)

    assert {label_at(t) for t in (1.0, 4.0, 6.5, 9.0, 11.5)} == {label_at(1.0)}  # A's turn stays A
    assert label_at(15.0) != label_at(1.0) and label_at(19.5) == label_at(15.0)
    flipped = sum(r.duration for r in out if r.speaker != label_at(1.0) and r.end <= 12.0)
    assert flipped <= 1.0  # at most the backchannel itself


def test_a_word_is_mapped_inside_one_region():
    from voiceqa.asr.packing import locate_span

    rate = 100
    audio = np.zeros(30 * rate, dtype=np.float32)
    stream, windows = pack({"": audio}, [Region(1.0, 3.0), Region(10.0, 12.0)], rate, window=20.0, gap=0.5)
    second = windows[0].placements[1]
    # a word starting in the gap and ending early in the second region belongs to that region only
    idx, start, end = locate_span(windows[0], second.packed_start - 0.3, second.packed_start + 0.4)
    assert idx == 1 and abs(start - 10.0) < 1e-6 and abs(end - 10.4) < 1e-6


def test_token_limit_follows_the_window_speech():
    from voiceqa.asr import AsrOptions, WhisperBackend
    from voiceqa.asr.packing import PackedWindow, Placement

    def window(*lengths):
        return PackedWindow(0.0, sum(lengths), [Placement(i, 0.0, 0.0, n) for i, n in enumerate(lengths)])

    asr = WhisperBackend(AsrOptions(tokens_per_second=10.0, token_margin=20))
    assert asr.token_limit(window(3.0)) == 50
    assert asr.token_limit(window(10.0, 8.0)) == 200  # all the speech packed in the window
    full = asr.token_limit(window(28.0))
    assert full == 300 and full < asr.model.max_length
    # never more than what the decoder has room for once the prompt is in; 0 = Whisper's own limit
    fast = WhisperBackend(AsrOptions(tokens_per_second=100.0))
    assert asr.token_limit(window(3.0)) < fast.token_limit(window(28.0)) < asr.model.max_length - 10
    assert WhisperBackend(AsrOptions(tokens_per_second=0.0)).token_limit(window(28.0)) is None


def test_encoder_input_is_trimmed_only_for_full_windows():
    from voiceqa.asr import AsrOptions, WhisperBackend

    asr = WhisperBackend(AsrOptions(min_encode_seconds=15.0))
    assert asr.encode_seconds(18.3) == 19 and asr.encode_seconds(20.0) == 20
    assert asr.encode_seconds(8.0) == 30  # a short window keeps Whisper's padded 30 s
    assert WhisperBackend(AsrOptions(min_encode_seconds=30.0)).encode_seconds(20.0) == 30


def test_a_region_whisper_skipped_is_decoded_again(dev_calls, monkeypatch):
    """Whisper now and then returns nothing for one stretch of a packed window; that region is
    decoded again (here the first decode is made to hear silence there)."""
    from voiceqa.asr import AsrOptions, WhisperBackend

    audio = load_audio(dev_calls / "call_001_stereo.wav")
    agent = audio.channel(0).astype(np.float32)
    regions = [r for r in detect_speech([agent], audio.rate, VadOptions())["S0"] if r.end - r.start >= 1.5][:3]
    assert len(regions) == 3
    skipped = regions[1]
    calls = []
    real = WhisperBackend._decode_batched

    def deaf_once(self, stream, windows):
        calls.append(len(windows))
        if len(calls) == 1:
            stream = stream.copy()
            for w in windows:
                for p in w.placements:
                    if p.index == 1:
                        stream[int(p.packed_start * 16000): int((p.packed_start + p.length) * 16000)] = 0.0
        return real(self, stream, windows)

    monkeypatch.setattr(WhisperBackend, "_decode_batched", deaf_once)
    # the unheard-region path alone: a window whose output looks unreliable or unsure is decoded
    # again from the real audio (on some CPUs the deafened window is), which would hide it
    monkeypatch.setattr(WhisperBackend, "_needs_retry", lambda self, segs, window: False)
    out = WhisperBackend(AsrOptions()).transcribe_regions({"A": agent}, [Region(r.start, r.end, "A") for r in regions])
    assert len(calls) >= 2 and len(out[1].text) >= 3 and out[0].text and out[2].text
    assert all(skipped.start - 0.01 <= w.start <= w.end <= skipped.end + 0.01 for w in out[1].words)
    calls.clear()
    out = WhisperBackend(AsrOptions(retry_unheard_seconds=0.0)).transcribe_regions(
        {"A": agent}, [Region(r.start, r.end, "A") for r in regions])
    assert len(calls) == 1 and out[1].text == ""


def test_known_speaker_count_needs_no_segmentation_model(dev_calls):
    from dataclasses import replace as dc_replace

    from voiceqa.evaluation import load_truth, speaker_attribution, truth_reference
    from voiceqa.separation import SeparationOptions, get_separator
    from voiceqa.separation.diarize import MODEL_NAME, WINDOWS_MODEL_NAME, build_pipeline

    build_pipeline.cache_clear()
    sep = get_separator("diarize", SeparationOptions(num_speakers=2))
    assert not sep.with_segmentation and build_pipeline.cache_info().currsize == 0
    audio = load_audio(dev_calls / "call_002.wav")
    out = sep.separate(audio)
    assert out.model == WINDOWS_MODEL_NAME and sorted(out.speech) == ["S0", "S1"]
    truth = load_truth(dev_calls / "call_002.json")
    assert speaker_attribution(truth_reference(truth), out.speech) >= 0.97
    # no overlapped speech without the segmentation model; on a mono mix one speaker's ASR
    # regions are padded up to the other's speech, never into it: nobody is transcribed twice
    for spk, other in (("S0", "S1"), ("S1", "S0")):
        assert all(min(x.end, y.end) - max(x.start, y.start) <= 1e-6
                   for x in out.asr_speech[spk] + out.speech[spk] for y in out.speech[other])
    # an unknown count (or the option) brings pyannote's segmentation model back
    unknown = SeparationOptions(num_speakers=None, min_speakers=1, max_speakers=3)
    assert get_separator("diarize", unknown).with_segmentation
    assert get_separator("diarize", dc_replace(unknown, num_speakers=2, segmentation=True)).name == MODEL_NAME
