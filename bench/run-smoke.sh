#!/usr/bin/env bash
# Runs every benchmark in its --smoke form (a few seconds each) and fails if any of them fails.
# CI calls this to prove the benchmarks still work; the figures of a smoke run mean nothing.
# Needs Redis on 127.0.0.1:6379 (or LIENTHONG_BENCH_REDIS_URL) with maxmemory-policy noeviction.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
run() {
  echo "== npx tsx $*"
  # A bound per benchmark, so a hang fails CI instead of stalling it.
  if ! timeout --kill-after=10 120 npx --no-install tsx "$@"; then
    failed+=("$*")
  fi
}

run bench/intake.ts --smoke
run bench/intake.ts --smoke --fanout 3
run bench/end-to-end.ts --smoke
run bench/end-to-end-systems.ts --smoke
run bench/backlog-drain.ts --smoke
run bench/memory.ts --smoke

if [ ${#failed[@]} -gt 0 ]; then
  printf 'bench smoke FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "bench smoke: all passed"
