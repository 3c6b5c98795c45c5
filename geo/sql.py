"""SQL for the spatial engine itself (extensions and versions). Parameters are always bound."""

from __future__ import annotations

REQUIRED_EXTENSIONS = ("postgis", "pgrouting", "pg_trgm")

ENGINE_VERSIONS = """
SELECT version(),
       (SELECT extversion FROM pg_extension WHERE extname = 'postgis'),
       (SELECT extversion FROM pg_extension WHERE extname = 'pgrouting'),
       (SELECT extversion FROM pg_extension WHERE extname = 'pg_trgm')
"""

POSTGIS_LIB_VERSION = "SELECT postgis_lib_version(), postgis_geos_version(), postgis_proj_version()"
PGROUTING_VERSION = "SELECT pgr_version()"


def engine_versions(cursor) -> dict[str, str | None]:
    """Versions of PostgreSQL and the installed extensions (None when one is missing)."""
    cursor.execute(ENGINE_VERSIONS)
    pg, postgis, pgrouting, trgm = cursor.fetchone()
    versions = {
        "postgresql": pg.split(" on ")[0] if pg else None,
        "postgis": postgis,
        "pgrouting": pgrouting,
        "pg_trgm": trgm,
    }
    if postgis:
        cursor.execute(POSTGIS_LIB_VERSION)
        lib, geos, proj = cursor.fetchone()
        versions.update(postgis_lib=lib, geos=geos, proj=proj)
    if pgrouting:
        cursor.execute(PGROUTING_VERSION)
        versions["pgrouting_lib"] = cursor.fetchone()[0]
    return versions
