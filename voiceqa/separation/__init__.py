"""Speaker separation backends: stereo channels or pyannote diarization of a mono mix."""
from .base import Separation, Separator, SeparationOptions
from .stereo import StereoSeparator

__all__ = ["Separation", "Separator", "SeparationOptions", "StereoSeparator", "get_separator"]


def get_separator(method: str, options: SeparationOptions | None = None) -> Separator:
    """``stereo``, ``diarize`` or ``single``; the diarizer (torch + pyannote) is imported only when asked for."""
    options = options or SeparationOptions()
    if method == "stereo":
        return StereoSeparator(options)
    if method == "single":
        from .single import SingleSpeakerSeparator

        return SingleSpeakerSeparator(options)
    if method == "diarize":
        from .diarize import PyannoteSeparator

        return PyannoteSeparator(options)
    raise ValueError(f"unknown separation method {method!r} (stereo | diarize)")
