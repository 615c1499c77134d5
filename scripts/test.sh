#!/usr/bin/env bash
# Set up voiceqa and run the whole test-suite (real models on real audio included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
