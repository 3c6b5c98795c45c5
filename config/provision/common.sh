# Shared helpers for the provisioning scripts. Sourced, not run.
# Everything the project starts lives under var/ (git-ignored), so `make stop`
# and a fresh clone never touch the machine's own PostgreSQL or Redis.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VAR="$ROOT/var"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

# The non-root system user that owns the embedded PostgreSQL cluster when make runs as root.
PG_OS_USER="${PG_OS_USER:-siaga-pg}"
PG_PORT="${PG_PORT:-54329}"
PG_DATA="${PG_DATA:-$VAR/pg/data}"
PG_RUN="$VAR/pg/run"
PG_LOG="$VAR/pg/postgres.log"
PG_PASSFILE="$VAR/pg/password"
PG_DBNAME="${PG_DBNAME:-siaga112}"
PG_SUPERUSER="siaga"
# The file settings.py reads when DATABASE_URL is not set (the embedded default).
PG_URLFILE="$VAR/pg/database_url"

REDIS_PORT="${REDIS_PORT:-56379}"
REDIS_DIR="$VAR/redis"

say()  { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the cluster owner: the dedicated system user when we are root,
# ourselves otherwise (a non-root developer owns their own cluster).
as_pg() {
    if is_root; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

pg_bindir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    [ -n "$d" ] && [ -x "$d/initdb" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql; run 'make setup'."
    printf '%s' "$d"
}

port_in_use() {
    # 0 when something listens on 127.0.0.1:$1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && { exec 3>&- 3<&- ; return 0; }
    return 1
}
