"""The road graph (pgRouting edges) and the streets derived from it.

Edges come as a gzip'd CSV (edge_id, source, target, length_m, road_id, road_class, name,
is_connector, in_largest_component, wkt) and go in with COPY: 27,681 edges in a second or two.
The layer is replaced whole, in one transaction: a bad file changes nothing.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from geo.choices import RoadClass
from geo.loading import sql
from geo.loading.common import FIXTURES, FixtureError, LoadResult, checksum, is_current, record

ROADS_FILE = FIXTURES / "roads" / "road_edges.csv.gz"
ALIASES_FILE = FIXTURES / "roads" / "street_aliases.csv"
EDGE_COLUMNS = [
    "edge_id",
    "source",
    "target",
    "length_m",
    "road_id",
    "road_class",
    "name",
    "is_connector",
    "in_largest_component",
    "wkt",
]
STREET_GAP_M = 200


def _copy_edges(cursor, path: Path) -> None:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            header = handle.readline().decode("utf-8-sig").strip().split(",")
            if header != EDGE_COLUMNS:
                raise FixtureError(f"{path}: columns must be {','.join(EDGE_COLUMNS)}")
            handle.seek(0)
            with cursor.cursor.copy(sql.ROAD_COPY) as copy:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
    except FileNotFoundError:
        raise FixtureError(f"{path}: file not found") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise FixtureError(f"{path}: unreadable ({exc})") from None


def load_edges(cursor, path: Path) -> int:
    """Stage the CSV with COPY, check it, and replace the road segments. Returns the count."""
    from django.db import DataError

    cursor.execute(sql.ROAD_STAGE)
    try:
        _copy_edges(cursor, path)
    except DataError as exc:
        raise FixtureError(f"{path}: {str(exc).strip().splitlines()[0]}") from None
    cursor.execute(sql.ROAD_CHECKS, [list(RoadClass.values)])
    count, bad_row, bad_class, duplicates = cursor.fetchone()
    if count == 0:
        raise FixtureError(f"{path}: no edges")
    if bad_row is not None:
        raise FixtureError(f"{path}: edge {bad_row} lacks an id, node, length or geometry")
    if bad_class is not None:
        raise FixtureError(f"{path}: edge {bad_class} has an unknown road_class")
    if duplicates:
        raise FixtureError(f"{path}: {duplicates} duplicate edge_id values")
    cursor.execute(sql.ROAD_REPLACE)
    try:
        cursor.execute(sql.ROAD_INSERT)
    except DataError as exc:
        raise FixtureError(f"{path}: bad geometry ({str(exc).strip().splitlines()[0]})") from None
    cursor.execute(sql.ROAD_BAD_GEOMETRY)
    if (row := cursor.fetchone()) is not None:
        raise FixtureError(f"{path}: edge {row[0]} is not a valid LineString")
    return count


def build_streets(cursor) -> None:
    cursor.execute(sql.STREETS_BUILD, {"metric_srid": settings.METRIC_SRID, "gap_m": STREET_GAP_M})


def apply_aliases(cursor, path: Path) -> int:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        return 0
    for line, row in enumerate(rows, start=2):
        if not (row.get("register_name") or "").strip() or not (row.get("alias") or "").strip():
            raise FixtureError(f"{path}: line {line}: register_name and alias are required")
        cursor.execute(
            sql.STREET_ALIAS,
            {"alias": row["alias"].strip(), "register_name": row["register_name"].strip()},
        )
    return len(rows)


@transaction.atomic
def load_roads(
    edges: Path = ROADS_FILE, aliases: Path = ALIASES_FILE, force: bool = False
) -> LoadResult:
    """Replace the road graph and rebuild the streets from it (and the street aliases)."""
    sources = [edges] + ([aliases] if aliases.exists() else [])
    sha = checksum(sources)
    if not force and is_current("roads", sha):
        return LoadResult("roads", 0, 0, skipped=True)
    with connection.cursor() as cursor:
        count = load_edges(cursor, edges)
        build_streets(cursor)
        apply_aliases(cursor, aliases)
        cursor.execute("ANALYZE geo_roadsegment")
        cursor.execute("ANALYZE geo_street")
    record("roads", str(edges), sha, count)
    return LoadResult("roads", created=count, updated=0)
