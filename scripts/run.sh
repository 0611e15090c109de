#!/usr/bin/env bash
# Install and open the teller terminal on the embedded default: a SQLite core
# under your data directory with the demo branch and users (password demo123).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
source scripts/_venv.sh
"$VENV/bin/python" -m pip install -q -e .
exec "$VENV/bin/teller" "$@"
