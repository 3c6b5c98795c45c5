#!/usr/bin/env bash
# Serve HTTP + WebSocket with uvicorn, in the background, pid and log under var/run.
#   serve.sh start   start (or report the running server) and wait until /healthz answers
#   serve.sh stop    stop the server this script started
#   serve.sh fg      run in the foreground (Ctrl-C stops)
#   serve.sh simulate  live demo activity (manage.py simulate) in the background; stop stops it
source "$(dirname "$0")/common.sh"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
RUN="${RUN_DIR:-$VAR/run}"
PIDFILE="$RUN/server.pid"
PORTFILE="$RUN/server.port"
LOG="$VAR/log/server.log"

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
SIMPID="$RUN/simulate.pid"
simulating() { [ -f "$SIMPID" ] && kill -0 "$(cat "$SIMPID")" 2>/dev/null; }

healthy() { "$PY" - "$HOST" "$PORT" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/healthz", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception as e:  # any failure means "not (yet) healthy"
    sys.exit(1)
PY
}

# No permessage-deflate on the live feed: compressing every frame once per client costs more
# CPU than the fan-out itself (bench_ws_load), and the walls sit on the centre's network.
uvicorn_cmd() {
    echo "$VENV/bin/uvicorn" config.asgi:application --host "$HOST" --port "$PORT" \
        --ws websockets --ws-per-message-deflate false --proxy-headers --no-server-header \
        --log-level "${LOG_LEVEL:-info}"
}

case "${1:-}" in
    start)
        mkdir -p "$RUN" "$VAR/log"
        if running; then
            old_port="$(cat "$PORTFILE" 2>/dev/null || echo "?")"
            [ "$old_port" = "$PORT" ] || die "a server started by make already runs on port $old_port; run 'make stop' first, or use PORT=$old_port"
            say "server already running (pid $(cat "$PIDFILE")) on http://$HOST:$PORT/"
        else
            port_in_use "$PORT" && die "port $PORT is taken by another program; choose another with PORT=NNNN (e.g. PORT=8001 make demo)"
            "$PY" "$ROOT/manage.py" preflight
            say "starting the server on http://$HOST:$PORT/ (log: var/log/server.log)"
            cd "$ROOT"
            # setsid: the server outlives make; stop it with `make stop`.
            setsid $(uvicorn_cmd) >>"$LOG" 2>&1 < /dev/null &
            echo $! > "$PIDFILE"
            echo "$PORT" > "$PORTFILE"
        fi
        for _ in $(seq 150); do
            healthy && exit 0
            running || die "the server exited; last lines of var/log/server.log:
$(tail -n 15 "$LOG")"
            sleep 0.2
        done
        die "the server did not answer /healthz within 30 s; see var/log/server.log" ;;
    simulate)
        mkdir -p "$RUN" "$VAR/log"
        if simulating; then
            say "simulation already running (pid $(cat "$SIMPID"))"
        else
            cd "$ROOT"
            setsid "$PY" manage.py simulate --rate "${SIMULATE_RATE:-3}" >>"$VAR/log/simulate.log" 2>&1 < /dev/null &
            echo $! > "$SIMPID"
            say "simulating ${SIMULATE_RATE:-3} calls a minute (log: var/log/simulate.log)"
        fi ;;
    stop)
        if simulating; then
            say "stopping the simulation (pid $(cat "$SIMPID"))"
            kill "$(cat "$SIMPID")" || true
        fi
        rm -f "$SIMPID"
        if running; then
            say "stopping the server (pid $(cat "$PIDFILE"))"
            kill "$(cat "$PIDFILE")" || true
            for _ in $(seq 50); do running || break; sleep 0.1; done
            running && kill -9 "$(cat "$PIDFILE")" || true
        fi
        rm -f "$PIDFILE" "$PORTFILE" ;;
    fg)
        port_in_use "$PORT" && die "port $PORT is taken by another program; choose another with PORT=NNNN"
        "$PY" "$ROOT/manage.py" preflight
        cd "$ROOT"; exec $(uvicorn_cmd) ;;
    *) die "usage: $0 start|stop|fg|simulate" ;;
esac
