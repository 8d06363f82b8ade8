#!/usr/bin/env bash
# Runs the whole test suite. Services that tests need are started by their pytest fixtures
# (tests/services/), so a single `pytest` is the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
