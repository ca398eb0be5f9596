#!/usr/bin/env bash
# Install groupdir, build the sample directory into output/, then preview it with live reload.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
.venv/bin/groupdir build
exec .venv/bin/groupdir serve "$@"
