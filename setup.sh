#!/bin/sh
# Create .venv with Python 3.11 or 3.12 (the versions mediapipe 0.10.21 has wheels for)
# and install balletmirror into it with the extras given (default: all):
#     sh setup.sh            # .[all]
#     sh setup.sh all,test   # .[all,test]
# An existing .venv of the right Python is reused (pip brings it up to date).
set -eu
cd "$(dirname "$0")"
EXTRAS="${1:-all}"

good() {  # is $1 a Python 3.11 or 3.12 interpreter?
  "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else 1)' \
    >/dev/null 2>&1
}

if [ -x .venv/bin/python ]; then
  if ! good .venv/bin/python; then
    echo "error: .venv holds Python $(.venv/bin/python -c 'import sys; print(sys.version.split()[0])'); balletmirror needs 3.11 or 3.12 (mediapipe 0.10.21). Remove .venv and run this again." >&2
    exit 2
  fi
  if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    echo "error: .venv has no pip (an earlier 'python -m venv' stopped half-way: on Debian/Ubuntu install python3.12-venv or python3.11-venv). Remove .venv and run this again." >&2
    exit 2
  fi
else
  PY=""
  for candidate in python3.12 python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && good "$candidate"; then
      PY="$candidate"
      break
    fi
  done
  if [ -z "$PY" ]; then
    echo "error: balletmirror needs Python 3.11 or 3.12 (mediapipe 0.10.21 has wheels for those only), and neither was found. Install one (python.org, or e.g. 'apt install python3.12-venv', 'brew install python@3.12'), then run this again." >&2
    exit 2
  fi
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q -e ".[$EXTRAS]"
