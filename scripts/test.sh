#!/usr/bin/env bash
# Set up voiceqa and run the whole test-suite (real models on real audio, a real PostgreSQL
# server started by the tests, a local Dask cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# PostgreSQL server binaries for the storage tests (Debian's package; the tests start their own
# throw-away server on a Unix socket, nothing is configured system-wide)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
