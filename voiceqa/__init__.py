"""voiceqa: Mandarin call QA and speech IVR, offline."""
__version__ = "0.1.0"
