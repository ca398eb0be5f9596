#!/usr/bin/env bash
# The whole test suite: linters, type checks, and pytest (browser and checker tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check generator tests bench scripts
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
