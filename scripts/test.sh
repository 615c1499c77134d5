#!/usr/bin/env bash
# Set up voiceqa and run the whole test-suite (real models on real audio, a real PostgreSQL
# server started by the tests, a local Dask cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian packages the tests drive for real: PostgreSQL server binaries (the tests start their
# own throw-away server on a Unix socket; nothing is configured system-wide) and Chromium for
# the browser tests of the review page (Playwright drives it).
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
