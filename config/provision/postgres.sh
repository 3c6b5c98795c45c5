#!/usr/bin/env bash
# The embedded PostGIS cluster: initdb + pg_ctl as a non-root user, data under var/pg,
# listening on 127.0.0.1:$PG_PORT and a unix socket in var/pg/run.
#   postgres.sh start   create (once) and start the cluster, database and extensions
#   postgres.sh stop    stop it
#   postgres.sh status  print whether it runs
# With DATABASE_URL set, `start` only makes sure the extensions exist in that database.
source "$(dirname "$0")/common.sh"

ensure_os_user() {
    is_root || return 0
    if ! id "$PG_OS_USER" >/dev/null 2>&1; then
        say "creating system user $PG_OS_USER (owns the embedded PostgreSQL cluster)"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$PG_OS_USER"
    fi
    # The cluster owner must be able to reach var/pg through the project's folders.
    if ! runuser -u "$PG_OS_USER" -- test -x "$ROOT"; then
        die "user $PG_OS_USER cannot enter $ROOT (folder permissions). Move the project to a readable path, or set PG_DATA to a folder that user can own."
    fi
}

init_cluster() {
    local bindir; bindir="$(pg_bindir)"
    mkdir -p "$VAR/pg" "$PG_RUN"
    if [ ! -f "$PG_PASSFILE" ]; then
        umask 077
        head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$PG_PASSFILE"
    fi
    if is_root; then chown -R "$PG_OS_USER:$PG_OS_USER" "$VAR/pg"; chmod 700 "$VAR/pg"; fi
    if [ -f "$PG_DATA/PG_VERSION" ]; then return 0; fi
    say "initialising the embedded PostgreSQL cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    if is_root; then chown "$PG_OS_USER:$PG_OS_USER" "$PG_DATA"; fi
    as_pg "$bindir/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --pwfile="$PG_PASSFILE" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PG_DATA/postgresql.conf" <<CONF

# --- Siaga 112 embedded cluster ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
shared_buffers = 256MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_connections = 200
fsync = on
synchronous_commit = on
log_min_duration_statement = 1000
CONF
}

running() {
    local bindir; bindir="$(pg_bindir)"
    [ -f "$PG_DATA/PG_VERSION" ] && as_pg "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

start_cluster() {
    local bindir; bindir="$(pg_bindir)"
    ensure_os_user
    init_cluster
    if running; then
        say "embedded PostgreSQL already running on 127.0.0.1:$PG_PORT"
    else
        if port_in_use "$PG_PORT"; then
            die "port $PG_PORT is taken by another program; choose another with PG_PORT=NNNNN (e.g. PG_PORT=54330 make demo)"
        fi
        say "starting embedded PostgreSQL on 127.0.0.1:$PG_PORT"
        if is_root; then touch "$PG_LOG"; chown "$PG_OS_USER:$PG_OS_USER" "$PG_LOG"; fi
        as_pg "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "-p $PG_PORT -k $PG_RUN" -w -t 60 start >/dev/null \
            || die "PostgreSQL did not start; see $PG_LOG"
    fi
    local pw; pw="$(cat "$PG_PASSFILE")"
    local url="postgres://$PG_SUPERUSER:$pw@127.0.0.1:$PG_PORT/$PG_DBNAME"
    export PGPASSWORD="$pw"
    local psql="$bindir/psql -X -q -h 127.0.0.1 -p $PG_PORT -U $PG_SUPERUSER"
    if ! $psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DBNAME'" | grep -q 1; then
        say "creating database $PG_DBNAME"
        $psql -d postgres -c "CREATE DATABASE $PG_DBNAME" >/dev/null
    fi
    # Extensions also go into template1 so the test databases pytest creates have them.
    for db in "$PG_DBNAME" template1; do
        $psql -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pgrouting; CREATE EXTENSION IF NOT EXISTS pg_trgm;" >/dev/null 2>&1 \
            || die "could not create the extensions postgis, pgrouting, pg_trgm in $db (are postgresql-*-postgis-3 and -pgrouting installed?)"
    done
    umask 077
    printf '%s\n' "$url" > "$PG_URLFILE.tmp" && mv "$PG_URLFILE.tmp" "$PG_URLFILE"
    if is_root; then chmod 600 "$PG_URLFILE"; fi
}

external_extensions() {
    # DATABASE_URL given: use that database; make sure the extensions exist (needs the right to create them).
    say "using DATABASE_URL ($("$PY" -c 'import os,sys; from urllib.parse import urlsplit; u=urlsplit(os.environ["DATABASE_URL"]); print(u._replace(netloc=u.hostname+(":"+str(u.port) if u.port else "")).geturl())'))"
    "$PY" "$ROOT/manage.py" ensure_extensions
}

stop_cluster() {
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then say "embedded PostgreSQL: no cluster"; return 0; fi
    local bindir; bindir="$(pg_bindir)"
    if running; then
        say "stopping embedded PostgreSQL"
        as_pg "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    else
        say "embedded PostgreSQL is not running"
    fi
}

case "${1:-}" in
    start)
        if [ -n "${DATABASE_URL:-}" ]; then external_extensions; else start_cluster; fi ;;
    stop) stop_cluster ;;
    status) if running; then echo "running on 127.0.0.1:$PG_PORT"; else echo "stopped"; fi ;;
    *) die "usage: $0 start|stop|status" ;;
esac
