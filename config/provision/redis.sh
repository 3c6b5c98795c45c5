#!/usr/bin/env bash
# A project-local Redis (for tests of the Redis channel layer and fault tests).
# Loopback only, nothing persisted, data and pid under var/redis.
source "$(dirname "$0")/common.sh"
PIDFILE="$REDIS_DIR/redis.pid"

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case "${1:-}" in
    start)
        if running; then say "project Redis already running on 127.0.0.1:$REDIS_PORT"; exit 0; fi
        port_in_use "$REDIS_PORT" && die "port $REDIS_PORT is taken by another program; choose another with REDIS_PORT=NNNNN"
        command -v redis-server >/dev/null || die "redis-server not installed; run 'make setup'"
        mkdir -p "$REDIS_DIR"
        say "starting project Redis on 127.0.0.1:$REDIS_PORT"
        redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
            --dir "$REDIS_DIR" --pidfile "$PIDFILE" --logfile "$REDIS_DIR/redis.log"
        for _ in $(seq 50); do port_in_use "$REDIS_PORT" && exit 0; sleep 0.1; done
        die "Redis did not start; see $REDIS_DIR/redis.log" ;;
    stop)
        if running; then say "stopping project Redis"; kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE"; fi ;;
    *) die "usage: $0 start|stop" ;;
esac
