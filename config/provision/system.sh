#!/usr/bin/env bash
# Install the system packages the project needs, only those that are missing.
# Debian 12 / Ubuntu. Prints what it installs; installs nothing when all are present.
source "$(dirname "$0")/common.sh"

# name-on-Debian-12  (Ubuntu 24.04 names are resolved below when these do not exist)
PACKAGES=(
    gdal-bin libgdal32 libgeos-c1v5 libproj25          # GeoDjango: GDAL, GEOS, PROJ
    postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting postgresql-contrib  # PostGIS engine (+pg_trgm)
    redis-server                                       # channel layer across processes
    gettext                                            # compilemessages (Bahasa Indonesia / English)
    chromium chromium-driver                           # real-browser tests of the pages
    python3-venv                                       # the project's .venv
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3-venv is only needed when the interpreter cannot make a venv by itself.
if python3 -c 'import venv, ensurepip' 2>/dev/null; then
    missing=("${missing[@]/python3-venv}")
fi
read -r -a missing <<< "${missing[*]:-}"

if [ "${#missing[@]}" -eq 0 ]; then
    say "system packages: all present"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    die "this is not a Debian-like system (no apt-get). Install these packages (or your distribution's equivalents), then rerun:
    ${missing[*]}"
fi

SUDO=""
if ! is_root; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo"
    else
        die "missing system packages and no root or passwordless sudo. As root, run:
    apt-get update && apt-get install -y ${missing[*]}"
    fi
fi

say "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# On Ubuntu the versioned names differ (libgdal34, postgresql-16-...): fall back to the
# distribution's own default when a Debian-12 name is unknown.
resolved=()
for p in "${missing[@]}"; do
    if apt-cache show "$p" >/dev/null 2>&1; then
        resolved+=("$p")
    else
        case "$p" in
            libgdal32) alt="$(apt-cache search --names-only '^libgdal[0-9]+$' | awk '{print $1}' | sort -V | tail -n1)" ;;
            libproj25) alt="$(apt-cache search --names-only '^libproj[0-9]+$' | awk '{print $1}' | sort -V | tail -n1)" ;;
            postgresql-15) alt="postgresql" ;;
            postgresql-15-postgis-3) alt="$(apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' | awk '{print $1}' | sort -V | tail -n1)" ;;
            postgresql-15-pgrouting) alt="$(apt-cache search --names-only '^postgresql-[0-9]+-pgrouting$' | awk '{print $1}' | sort -V | tail -n1)" ;;
            *) alt="" ;;
        esac
        [ -n "$alt" ] || die "package $p is not available from apt and has no known equivalent"
        say "  $p -> $alt"
        resolved+=("$alt")
    fi
done
$SUDO apt-get install -y -qq --no-install-recommends "${resolved[@]}"
say "system packages installed"
