"""Speech recognition backends (faster-whisper today) behind one small interface."""
from .base import ASRBackend, AsrOptions, RegionText
from .whisper import WhisperBackend

__all__ = ["ASRBackend", "AsrOptions", "RegionText", "WhisperBackend"]
