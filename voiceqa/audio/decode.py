"""Decode a call recording into float32 samples at 16 kHz, keeping channels.

soundfile (libsndfile) reads WAV (PCM, G.711 A-law/mu-law), FLAC, OGG/Vorbis/Opus and MP3;
PyAV (FFmpeg) is the fallback for anything else (AAC/M4A, AMR, odd WAV codecs). Every way a
file can be unusable ends in an :class:`AudioError` whose message is one line naming the file.
"""
from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

from ..errors import AudioError, SilentAudioError

log = logging.getLogger(__name__)

TARGET_RATE = 16000
DEFAULT_MAX_DURATION = 4 * 3600.0  # seconds; calls run up to an hour, leave headroom
SILENCE_DBFS = -60.0  # a file whose loudest 30 ms frame is below this holds no speech


@dataclass
class Audio:
    """Decoded audio: ``samples`` has shape (channels, frames) at ``rate`` Hz."""

    path: Path
    samples: np.ndarray
    rate: int
    source_rate: int
    source_channels: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return self.samples.shape[1] / self.rate

    def channel(self, i: int) -> np.ndarray:
        return self.samples[i]

    def mono(self) -> np.ndarray:
        return self.samples.mean(axis=0) if self.channels > 1 else self.samples[0]


def _wav_truncation(path: Path) -> str | None:
    """For RIFF/WAVE files, compare the data chunk's declared size with the bytes present."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            size = path.stat().st_size
            pos = 12
            byte_rate = 0
            while pos + 8 <= size:
                f.seek(pos)
                cid, clen = struct.unpack("<4sI", f.read(8))
                if cid == b"fmt ":
                    fmt = f.read(min(clen, 16))
                    if len(fmt) >= 12:
                        byte_rate = struct.unpack("<I", fmt[8:12])[0]
                elif cid == b"data":
                    present = size - (pos + 8)
                    if clen in (0, 0xFFFFFFFF):  # streaming writers leave it unset
                        return None
                    if present < clen:
                        if byte_rate:
                            return (
                                f"truncated WAV: header declares {clen / byte_rate:.2f} s of audio, "
                                f"file holds {present / byte_rate:.2f} s"
                            )
                        return f"truncated WAV: header declares {clen} data bytes, file holds {present}"
                    return None
                pos += 8 + clen + (clen & 1)
            return "truncated WAV: no data chunk"
    except (OSError, struct.error):
        return None


def _read_soundfile(path: Path) -> tuple[np.ndarray, int] | None:
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile raises LibsndfileError / RuntimeError
        log.debug("soundfile could not read %s: %s", path, exc)
        return None
    return data.T.copy(), int(rate)


def _read_pyav(path: Path) -> tuple[np.ndarray, int]:
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(path, "not an audio file (no audio stream)")
            stream = container.streams.audio[0]
            chunks = []
            rate = stream.codec_context.sample_rate or stream.rate
            nch = stream.codec_context.channels
            for frame in container.decode(stream):
                arr = frame.to_ndarray()
                if arr.dtype.kind in "iu":
                    info = np.iinfo(arr.dtype)
                    arr = arr.astype(np.float32) / max(abs(info.min), info.max)
                arr = arr.astype(np.float32)
                if frame.format.is_planar:
                    arr = arr.reshape(nch, -1)
                else:
                    arr = arr.reshape(-1, nch).T
                chunks.append(arr)
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(path, f"not a readable audio file ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    if not chunks or not rate:
        raise AudioError(path, "zero-length audio (no samples decoded)")
    return np.concatenate(chunks, axis=1), int(rate)


def probe_duration(path: str | Path) -> float | None:
    """Duration in seconds from the file header, without decoding; None if unknown."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
        if info.frames > 0 and info.samplerate > 0:
            return info.frames / info.samplerate
    except Exception:
        pass
    try:
        import av

        with av.open(str(path)) as c:
            if c.duration:
                return c.duration / 1_000_000
    except Exception:
        pass
    return None


def resample(x: np.ndarray, source_rate: int, target_rate: int = TARGET_RATE) -> np.ndarray:
    """Polyphase resampling along the last axis (exact for 8 kHz -> 16 kHz)."""
    if source_rate == target_rate:
        return x.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(source_rate, target_rate)
    return resample_poly(x, target_rate // g, source_rate // g, axis=-1).astype(np.float32)


def _same_signal(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two channels carry the same signal (a 'stereo' file that is really mono)."""
    if a.size == 0:
        return True
    diff = float(np.sqrt(np.mean((a - b) ** 2)))
    level = float(np.sqrt(np.mean(a**2) + np.mean(b**2)) / np.sqrt(2)) + 1e-9
    if diff / level < 0.05:
        return True
    corr = np.corrcoef(a, b)[0, 1] if np.std(a) > 0 and np.std(b) > 0 else 0.0
    return bool(corr > 0.98)


def _peak_frame_dbfs(x: np.ndarray, rate: int) -> float:
    n = max(1, int(0.03 * rate))
    frames = x[:, : (x.shape[-1] // n) * n].reshape(x.shape[0], -1, n) if x.shape[-1] >= n else x[:, None, :]
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=-1))
    return float(20 * np.log10(rms.max() + 1e-12))


def load_audio(path: str | Path, max_duration: float = DEFAULT_MAX_DURATION) -> Audio:
    """Decode, validate and resample ``path`` to 16 kHz.

    Stereo files whose two channels carry the same signal come back as one channel.
    """
    path = Path(path)
    if not path.exists():
        raise AudioError(path, "file not found")
    if path.is_dir():
        raise AudioError(path, "is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    truncated = _wav_truncation(path)
    if truncated:
        raise AudioError(path, truncated)
    declared = probe_duration(path)
    if declared is not None and declared > max_duration:
        raise AudioError(path, f"too long: {declared:.0f} s exceeds the limit of {max_duration:.0f} s")

    got = _read_soundfile(path)
    samples, rate = got if got is not None else _read_pyav(path)
    if samples.shape[1] == 0:
        raise AudioError(path, "zero-length audio (no samples decoded)")
    if not np.all(np.isfinite(samples)):
        raise AudioError(path, "corrupt audio (non-finite samples)")
    if samples.shape[1] / rate > max_duration:
        raise AudioError(path, f"too long: {samples.shape[1] / rate:.0f} s exceeds the limit of {max_duration:.0f} s")
    if samples.shape[1] / rate < 0.1:
        raise AudioError(path, f"too short: {samples.shape[1] / rate:.3f} s of audio")
    if _peak_frame_dbfs(samples, rate) < SILENCE_DBFS:
        raise SilentAudioError(path, "all silence (no frame above -60 dBFS)")

    source_channels = samples.shape[0]
    if source_channels > 2:
        log.warning("%s: %d channels, using the first two", path, source_channels)
        samples = samples[:2]
    if samples.shape[0] == 2 and _same_signal(samples[0], samples[1]):
        log.info("%s: both channels carry the same signal, treating as mono", path)
        samples = samples[:1]
    samples = resample(samples, rate, TARGET_RATE)
    return Audio(path=path, samples=samples, rate=TARGET_RATE, source_rate=rate, source_channels=source_channels)
