#!/usr/bin/env bash
# The README's test command: install zjgis with its test extras, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh test
exec .venv/bin/python -m pytest "$@"
