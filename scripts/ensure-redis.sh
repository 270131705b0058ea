#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379 with maxmemory-policy noeviction.
# Installs Debian's redis-server when it is missing (fresh machine or CI). Idempotent.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensure-redis: installing redis-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq redis-server >/dev/null
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "ensure-redis: starting redis-server on 127.0.0.1:6379" >&2
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/lienthong.log --maxmemory-policy noeviction
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
policy=$(redis-cli -h 127.0.0.1 -p 6379 config get maxmemory-policy | tail -n 1)
if [ "$policy" != "noeviction" ]; then
  echo "ensure-redis: setting maxmemory-policy noeviction (was $policy)" >&2
  redis-cli -h 127.0.0.1 -p 6379 config set maxmemory-policy noeviction >/dev/null
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null
