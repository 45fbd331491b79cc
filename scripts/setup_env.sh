#!/usr/bin/env bash
# Create (or reuse) .venv and install zjgis into it; with "test" also the test extras
# and, when run as root on Debian/Ubuntu, Chromium (browser tests) and Noto CJK fonts
# (Chinese labels in figures).  Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PY="${PYTHON:-python3}"

if [ "$extras" = "test" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
  if [ ${#need[@]} -gt 0 ]; then
    echo "setup_env: installing ${need[*]} with apt-get" >&2
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"; } >/dev/null 2>&1 \
      || echo "setup_env: could not install ${need[*]}; browser/font tests will skip with a reason" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
if [ -n "$extras" ]; then
  spec=".[$extras]"
else
  spec="."
fi
.venv/bin/python -m pip install -q -e "$spec" 2>&1 | grep -vE "^WARNING: Location|^\s*$" || true
.venv/bin/python -c "import zjgis" 
