"""Audio input: decoding, validation and channel handling."""
from .decode import Audio, load_audio, probe_duration

__all__ = ["Audio", "load_audio", "probe_duration"]
