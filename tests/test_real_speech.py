"""Quality gates of the speech core on real recordings (not synthetic): ASR against bare
faster-whisper computed in the same session, speaker attribution on real two-party
conversations, and word confidences that mean something.

int8 kernels differ between CPUs, so every ASR gate compares with the bare model run here and
now on the same clips, with a margin; the attribution gate has a margin below its target.
"""
from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest

from voiceqa.audio import load_audio
from voiceqa.audio.telephone import write_telephone_wav
from voiceqa.evaluation import channel_reference, speaker_attribution, word_outcomes
from voiceqa.text.chinese import cer, to_simplified

from .conftest import REAL_CLIPS, SHARED

pytestmark = pytest.mark.slow
REAL_CALLS = SHARED / "real_calls"
PROMPT = "以下是普通话的句子。"
# A handful of short clips with dataset ground truth (AISHELL-1/2, WenetSpeech incl. the 24 s
# meeting clip where tight VAD regions lost half the sentence) and two studio agent lines.
CLIPS = (
    "aishell1_BAC009S0764W0121.wav", "aishell1_BAC009S0724W0121.wav", "aishell2_IT0011W0001.wav",
    "wenetspeech_TEST_NET_Y0000000000_-KTKHdZ2fb8_S00000.wav", "wenetspeech_TEST_MEETING_T0000000001_S00000.wav",
)
AGENT_LINES = ("agent_magicdata_cs_general_400001.wav", "agent_magicdata_cs_general_400017.wav")
CER_MARGIN = 0.04  # pipeline may trail bare beam 5 by this much (about 5 characters of ~130)
ATTRIBUTION_TARGET, ATTRIBUTION_MARGIN = 0.85, 0.05


def clip_refs() -> list[tuple[str, str]]:
    if not REAL_CLIPS.is_dir() or not REAL_CALLS.is_dir():
        pytest.skip(f"real recordings not found under {SHARED} (set VOICEQA_SHARED)")
    with open(REAL_CLIPS / "refs.tsv", encoding="utf-8") as f:
        refs = {row["file"]: row["ref"] for row in csv.DictReader(f, delimiter="\t")}
    out = [(str(REAL_CLIPS / name), refs[name]) for name in CLIPS]
    out += [(str(REAL_CALLS / name), (REAL_CALLS / name).with_suffix(".txt").read_text(encoding="utf-8").strip())
            for name in AGENT_LINES]
    return out


@pytest.fixture(scope="module")
def clip_results(single_speaker_transcriber, tmp_path_factory):
    """{"16k"|"tel": [(reference, pipeline transcript, bare beam-5 text)]}, each clip run once."""
    tmp = tmp_path_factory.mktemp("tel")
    model = single_speaker_transcriber.asr.model  # the same loaded Whisper weights
    out: dict[str, list] = {"16k": [], "tel": []}
    for src, ref in clip_refs():
        for kind in out:
            path = src if kind == "16k" else write_telephone_wav(src, tmp / (src.rsplit("/", 1)[-1]))
            audio = load_audio(path)
            tr = single_speaker_transcriber.transcribe_audio(audio)
            segs, _ = model.transcribe(audio.mono(), language="zh", beam_size=5, initial_prompt=PROMPT)
            out[kind].append((ref, tr, to_simplified("".join(s.text for s in segs))))
    return out


def total_cer(pairs) -> float:
    errors = chars = 0
    for ref, hyp in pairs:
        e, n = cer(ref, hyp)
        errors, chars = errors + e, chars + n
    return errors / chars


@pytest.mark.parametrize("kind", ["16k", "tel"])
def test_pipeline_keeps_the_words_bare_whisper_keeps(clip_results, kind):
    rows = clip_results[kind]
    ours = total_cer([(ref, "".join(t.text for t in tr.turns)) for ref, tr, _ in rows])
    bare = total_cer([(ref, text) for ref, _, text in rows])
    # measured on these clips (2 shared cores): 16k pipeline 0.204 vs bare 0.204, telephone 0.341 vs
    # 0.379; with the tight VAD regions of before 0.265 and 0.553
    assert ours <= bare + CER_MARGIN, f"{kind}: pipeline CER {ours:.3f} vs bare beam 5 {bare:.3f}"
    assert ours <= {"16k": 0.30, "tel": 0.45}[kind], f"{kind}: pipeline CER {ours:.3f}"  # a loose floor


def test_packed_real_speech_keeps_the_words_bare_whisper_keeps(single_speaker_transcriber, tmp_path):
    """The clips one after another in one file (0.6 s apart), as a call channel's turns are:
    the pipeline packs them into Whisper windows, where whole stretches used to vanish (the
    decoder ending a window early at a change of voice); bare beam 5 sees the whole file."""
    import soundfile as sf

    refs, pieces = [], []
    for src, ref in clip_refs():
        pieces += [load_audio(src).mono().astype(np.float32), np.zeros(9600, dtype=np.float32)]
        refs.append(ref)
    path = tmp_path / "packed.wav"
    sf.write(path, np.concatenate(pieces), 16000)
    audio = load_audio(path)
    tr = single_speaker_transcriber.transcribe_audio(audio)
    ours = total_cer([("".join(refs), "".join(t.text for t in tr.turns))])
    segs, _ = single_speaker_transcriber.asr.model.transcribe(audio.mono(), language="zh", beam_size=5, initial_prompt=PROMPT)
    bare = total_cer([("".join(refs), to_simplified("".join(s.text for s in segs)))])
    # measured on these 7 clips: 0.27 vs bare 0.65 (0.45 with one round of second decodes: the
    # meeting clip came back only on the second round); 15 clips (scripts/bench_transcribe.py
    # --sets packed): 0.30 vs 0.45, 28 s windows without second decodes 0.36
    assert ours <= bare + CER_MARGIN and ours <= 0.40, f"packed: pipeline CER {ours:.3f} vs bare beam 5 {bare:.3f}"


def test_words_carry_calibrated_probabilities(clip_results):
    """Every turn keeps its words; wrong words get lower probabilities than right ones."""
    from voiceqa.asr.confidence import turn_confidence

    outcomes = []
    for kind in ("16k", "tel"):
        for ref, tr, _ in clip_results[kind]:
            for t in tr.turns:
                assert t.words and "".join(w.text for w in t.words).strip()
                assert all(0.0 <= w.probability <= 1.0 and t.start - 1 <= w.start <= w.end <= t.end + 1 for w in t.words)
                assert abs(t.confidence - turn_confidence(t.words)) < 1e-9
            words = [(w.text, w.probability) for t in tr.turns for w in t.words]
            outcomes += word_outcomes(words, ref)
    p = np.array([x for x, _ in outcomes])
    right = np.array([y for _, y in outcomes], dtype=bool)
    assert right.any() and (~right).any()
    assert p[right].mean() > p[~right].mean() + 0.05, (p[right].mean(), p[~right].mean())
    # calibrated: the mean probability is close to the share of words that were right
    assert abs(p.mean() - right.mean()) <= 0.15, (p.mean(), right.mean())


@pytest.fixture(scope="module")
def real_conversation_attribution(transcriber):
    """Real two-party conversations, one speaker per channel, mixed to mono and diarized; the
    reference is each channel's own speech activity. {name: attribution}."""
    convs = sorted(REAL_CALLS.glob("conv_*.wav"))
    if not convs:
        pytest.skip(f"no real conversations under {REAL_CALLS}")
    separator = transcriber.separator("diarize")
    out = {}
    for wav in convs:
        audio = load_audio(wav)
        reference = channel_reference([audio.channel(0), audio.channel(1)], audio.rate)
        mono = replace(audio, samples=audio.samples.mean(axis=0, keepdims=True))
        out[wav.stem] = speaker_attribution(reference, separator.separate(mono).speech)
    return out


def test_real_two_party_attribution(real_conversation_attribution):
    scores = real_conversation_attribution
    mean = sum(scores.values()) / len(scores)
    # measured 0.91 (0.82-0.98) with CAM++ windows over webrtcvad speech alone; 0.87 (0.74-0.96)
    # with pyannote's segmentation model first (its overlaps counted as errors); 0.71 before
    # (1.5 s windows over pyannote's speech only)
    assert mean >= ATTRIBUTION_TARGET - ATTRIBUTION_MARGIN, {k: round(v, 3) for k, v in scores.items()}
    assert min(scores.values()) >= 0.70, {k: round(v, 3) for k, v in scores.items()}
