#!/usr/bin/env bash
# Install everything the tests need and run the whole suite. PostgreSQL tests
# run when TELLER_TEST_PG_URL is set (CI sets it); the rest use SQLite, the real
# pcscd with the virtual card, and the shipped serial/TCP emulators.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
source scripts/_venv.sh
"$VENV/bin/python" -m pip install -q -e '.[test]'
export QT_QPA_PLATFORM=offscreen
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
