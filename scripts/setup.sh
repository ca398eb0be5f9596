#!/usr/bin/env bash
# Installs what groupdir needs into .venv; with "test", also what the test suite needs
# (Debian's Chromium for browser tests, Java for the W3C checker, axe-core from npm).
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-run}

need_apt=()
if [ "$want" = test ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
  command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
  fc-list 2>/dev/null | grep -qi "noto sans cjk" || need_apt+=(fonts-noto-cjk)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$want" = test ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
  if [ -f package.json ]; then npm install --silent --no-audit --no-fund >/dev/null; fi
else
  .venv/bin/python -m pip install -q -e .
fi
