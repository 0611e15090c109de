# Sourced by run.sh and test.sh: a project virtualenv with the terminal installed.
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Python 3.11 or newer is required (found $("$PY" --version))" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV" 2>/dev/null || {
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq python3-venv && "$PY" -m venv "$VENV"; }
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
