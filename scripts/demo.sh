#!/usr/bin/env bash
# Quick start, command 1: the gateway's main job end to end with the built-in simulators.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
bash scripts/ensure-deps.sh
exec npx tsx src/demo/run-demo.ts "$@"
