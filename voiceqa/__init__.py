"""voiceqa: Mandarin call QA and speech IVR, offline."""
import os as _os

# CTranslate2 (ASR) and torch (diarization) each keep an OpenMP pool; spinning idle threads of
# one pool steal the 2 cores from the other. Must be set before either library loads.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")

__version__ = "0.1.0"
