#!/usr/bin/env bash
# System packages and services the test suite needs, installed with apt where missing.
# Each component adds its block here; every block is idempotent and quiet when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=0
need_apt() {  # need_apt PACKAGE... : install the packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated -eq 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

for f in scripts/system_deps.d/*.sh; do
  [ -e "$f" ] || continue
  # shellcheck source=/dev/null
  source "$f"
done
