#!/usr/bin/env bash
# The README's main job: install zjgis and make the offline briefing map from the shipped data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
.venv/bin/zjgis briefing --out briefing.html --basemap none --png briefing.png --overwrite
