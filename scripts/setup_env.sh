#!/usr/bin/env bash
# Create (or reuse) .venv and install zjgis into it; with "test" also the test extras and,
# when run as root on Debian/Ubuntu, Chromium for the real-browser map tests (apt-get).
# Chinese fonts need no system step: zjgis depends on a wheel that carries Noto Sans SC.
#
# Quiet and idempotent: pip's output goes to .venv/setup.log (shown only if pip fails), and
# when .venv already holds an install made from the same pyproject.toml (stamp file keyed on
# its hash, the extras and the Python version) nothing is installed again.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PY="${PYTHON:-python3}"
log=.venv/setup.log

say() { echo "setup_env: $*" >&2; }

if [ "$extras" = "test" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
    && ! command -v chromium >/dev/null 2>&1; then
  say "installing chromium with apt-get (real-browser map tests)"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends chromium; } >/dev/null 2>&1 \
    || say "could not install chromium; browser tests will skip with a reason"
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $("$PY" --version 2>&1)"
  "$PY" -m venv .venv
fi

key() {  # what an install depends on: pyproject.toml, the extras, the interpreter
  { cat pyproject.toml; echo "extras=$1"; .venv/bin/python -VV; } | sha256sum | cut -d' ' -f1
}
stamp_ok() { [ -f ".venv/.zjgis-setup-$1" ] && [ "$(cat ".venv/.zjgis-setup-$1")" = "$(key "$1")" ]; }

# an install with the test extras also satisfies the plain one
if { stamp_ok "${extras:-base}" || { [ -z "$extras" ] && stamp_ok test; }; } \
    && .venv/bin/python -c "import zjgis" 2>/dev/null; then
  exit 0  # up to date: nothing to do, nothing to say
fi

spec="."
[ -n "$extras" ] && spec=".[$extras]"
say "installing zjgis${extras:+ with the $extras extras} into .venv (log: $log)"
start=$SECONDS
if ! { .venv/bin/python -m pip install -q --upgrade pip \
       && .venv/bin/python -m pip install -q -e "$spec"; } >"$log" 2>&1; then
  say "pip failed; the last lines of $log:"
  tail -n 25 "$log" >&2
  exit 1
fi
.venv/bin/python -c "import zjgis" >>"$log" 2>&1 || { say "zjgis does not import; see $log"; exit 1; }
key "${extras:-base}" > ".venv/.zjgis-setup-${extras:-base}"
say "done in $((SECONDS - start)) s ($(.venv/bin/python -c 'import zjgis; print("zjgis", zjgis.__version__)'))"
