#!/usr/bin/env bash
# Quick start, command 2: every test (unit, simulators, adapters, integration through real Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
bash scripts/ensure-deps.sh
npm test
