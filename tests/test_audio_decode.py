"""Decoding every supported format, and a clear one-line error for every kind of bad file."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from voiceqa.audio import load_audio
from voiceqa.errors import AudioError


def speechlike(rate: int, seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    """Amplitude-modulated harmonic signal: loud enough not to count as silence."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    x = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((180, 360, 540, 720), 1))
    env = 0.5 * (1 + np.sin(2 * np.pi * 3 * t))
    return (0.2 * x * env + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.mark.parametrize(
    "fmt,subtype,ext,rate",
    [
        ("WAV", "PCM_16", "wav", 16000),
        ("WAV", "ULAW", "wav", 8000),
        ("WAV", "ALAW", "wav", 8000),
        ("FLAC", "PCM_16", "flac", 16000),
        ("OGG", "VORBIS", "ogg", 16000),
        ("OGG", "OPUS", "opus", 48000),
        ("MP3", "MPEG_LAYER_III", "mp3", 16000),
    ],
)
def test_formats_decode_to_16k_and_keep_channels(tmp_path, fmt, subtype, ext, rate):
    left, right = speechlike(rate, seed=1), speechlike(rate, seed=2)[::-1].copy()
    path = tmp_path / f"call.{ext}"
    sf.write(path, np.stack([left, right], axis=1), rate, format=fmt, subtype=subtype)
    audio = load_audio(path)
    assert audio.rate == 16000
    assert audio.source_rate == rate
    assert audio.channels == 2
    assert abs(audio.duration - 2.0) < 0.1


def test_pyav_fallback_reads_m4a(tmp_path):
    av = pytest.importorskip("av")
    path = tmp_path / "call.m4a"
    x = speechlike(16000)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray((x * 32767).astype(np.int16)[None, :], format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    audio = load_audio(path)
    assert audio.channels == 1 and audio.duration > 1.5


def test_identical_channels_become_mono(tmp_path):
    x = speechlike(8000)
    path = tmp_path / "dup.wav"
    sf.write(path, np.stack([x, x], axis=1), 8000, subtype="ULAW")
    audio = load_audio(path)
    assert audio.channels == 1
    assert audio.source_channels == 2


def bad(path, **kw) -> str:
    with pytest.raises(AudioError) as info:
        load_audio(path, **kw)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


def test_missing_file(tmp_path):
    assert "file not found" in bad(tmp_path / "nope.wav")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    assert "empty file" in bad(p)


def test_text_file_named_wav(tmp_path):
    p = tmp_path / "notes.wav"
    p.write_text("this is not audio\n" * 20)
    assert "not" in bad(p) and "audio" in bad(p)


def test_truncated_wav(tmp_path):
    p = tmp_path / "cut.wav"
    sf.write(p, speechlike(8000, 4.0), 8000, subtype="PCM_16")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    assert "truncated" in bad(p)


def test_zero_length_wav(tmp_path):
    p = tmp_path / "zero.wav"
    sf.write(p, np.zeros(0, dtype=np.float32), 8000, subtype="PCM_16")
    msg = bad(p)
    assert "zero-length" in msg or "no samples" in msg or "too short" in msg


def test_all_silence(tmp_path):
    p = tmp_path / "silent.wav"
    sf.write(p, np.zeros(8000 * 3, dtype=np.float32), 8000, subtype="PCM_16")
    assert "silence" in bad(p)


def test_longer_than_limit(tmp_path):
    p = tmp_path / "long.wav"
    sf.write(p, speechlike(8000, 5.0), 8000, subtype="PCM_16")
    assert "too long" in bad(p, max_duration=3.0)


def test_directory(tmp_path):
    assert "directory" in bad(tmp_path)
