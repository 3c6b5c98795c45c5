"""Writing a synthetic history (layers.synth) into incidents_incident, fast, and removing it.

The columns are all numbers, so they go through one binary COPY of float8 values and the int8
H3 cells of the points (built with numpy and h3ronpy, no Python loop per row) into a temporary
table; one ``INSERT … SELECT`` then maps type
and status codes, makes the points, takes ids from the table's own sequence and links merged
duplicates to the incident they repeat.
"""

from __future__ import annotations

import struct

import numpy as np
import shapely
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from geo import h3cells
from layers.synth import SYNTH_USERNAME, Exposure, History

STATUSES = ("closed", "cancelled", "dispatched", "prank", "merged")
# Columns of the staging table, in order; all float8 (NaN for "none").
STAGE_COLUMNS = (
    "k", "target_k", "type_idx", "status_idx", "x", "y", "unc", "road", "kel", "kec", "outside",
    "created", "verified", "dispatched", "on_scene", "resolved", "closed", "version",
)  # fmt: skip
# Then the H3 cells of each point (Incident.h3_r5 … h3_r11), int8.
CELL_COLUMNS = tuple(f"r{r}" for r in h3cells.RESOLUTIONS)

INSERT_SQL = """
INSERT INTO incidents_incident (
    id, category, type_id, priority, status, point, uncertainty_m, outside_service_area,
    address, kelurahan_id, kecamatan_id, description, merged_into_id, created_by_id,
    created_at, updated_at, verified_at, dispatched_at, on_scene_at, resolved_at, closed_at,
    version, h3_r5, h3_r6, h3_r7, h3_r8, h3_r9, h3_r10, h3_r11)
SELECT %(base)s + s.k::bigint, t.category, t.id, t.priority, st.status,
       ST_SetSRID(ST_MakePoint(s.x, s.y), 4326), s.unc, s.outside > 0,
       left(coalesce(r.name, ''), 300), s.kel::bigint, s.kec::bigint, '',
       %(base)s + s.target_k::bigint, %(user)s,
       to_timestamp(s.created),
       to_timestamp(greatest(s.created, s.verified, s.dispatched, s.on_scene, s.resolved,
                             s.closed)),
       to_timestamp(s.verified), to_timestamp(s.dispatched), to_timestamp(s.on_scene),
       to_timestamp(s.resolved), to_timestamp(s.closed), s.version::int,
       s.r5, s.r6, s.r7, s.r8, s.r9, s.r10, s.r11
FROM (SELECT k, NULLIF(target_k, 'NaN') AS target_k, type_idx, status_idx, x, y, unc,
             NULLIF(road, 'NaN') AS road, NULLIF(kel, 'NaN') AS kel, NULLIF(kec, 'NaN') AS kec,
             outside, created, NULLIF(verified, 'NaN') AS verified,
             NULLIF(dispatched, 'NaN') AS dispatched, NULLIF(on_scene, 'NaN') AS on_scene,
             NULLIF(resolved, 'NaN') AS resolved, NULLIF(closed, 'NaN') AS closed, version,
             r5, r6, r7, r8, r9, r10, r11
      FROM synth_stage) s
JOIN unnest(%(type_ids)s::bigint[], %(categories)s::text[], %(priorities)s::int[])
     WITH ORDINALITY AS t(id, category, priority, idx) ON t.idx = s.type_idx + 1
JOIN unnest(%(statuses)s::text[]) WITH ORDINALITY AS st(status, idx) ON st.idx = s.status_idx + 1
LEFT JOIN geo_roadsegment r ON r.id = s.road::bigint
"""


def synth_user():
    from accounts.models import User

    user, _ = User.objects.get_or_create(
        username=SYNTH_USERNAME,
        defaults={"is_active": False, "first_name": "Riwayat sintetis"},
    )
    return user


def remove() -> int:
    """Delete every synthetic incident (and nothing else); returns how many."""
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM incidents_incident WHERE created_by_id IN "
            "(SELECT id FROM accounts_user WHERE username = %s)",
            [SYNTH_USERNAME],
        )
        removed = cur.rowcount
    return removed


def _areas(exp: Exposure, x: np.ndarray, y: np.ndarray):
    """Kelurahan and kecamatan ids (NaN outside), and whether outside the service area."""
    n = len(x)
    kel = np.full(n, np.nan)
    kec = np.full(n, np.nan)
    if len(exp.areas):
        tree = shapely.STRtree(exp.areas)
        pts = shapely.points(x, y)
        pi, ai = tree.query(pts, predicate="within")
        kel[pi] = exp.area_ids[ai]
        parent = exp.area_parent[ai].astype(np.float64)
        parent[parent < 0] = np.nan
        kec[pi] = parent
    if exp.city is not None:
        shapely.prepare(exp.city)
        outside = ~shapely.contains_xy(exp.city, x, y)
    else:
        outside = np.isnan(kel)
    return kel, kec, outside


def _cells(history: History) -> np.ndarray:
    """The H3 cells (int64) of every point at each stored resolution: shape (n, 7)."""
    return np.column_stack(
        [h3cells.cells_of(history.x, history.y, r) for r in h3cells.RESOLUTIONS]
    ).reshape(len(history), len(CELL_COLUMNS))


def _stage(history: History, exp: Exposure, rng, type_index: dict[str, int]) -> np.ndarray:
    n = len(history)
    status = history.status
    cols = {c: np.full(n, np.nan) for c in STAGE_COLUMNS}
    cols["k"] = np.arange(n, dtype=np.float64)
    cols["target_k"] = np.where(history.target >= 0, history.target, np.nan)
    cols["type_idx"] = np.array([type_index[c] for c in history.type_code], dtype=np.float64)
    lookup = {s: i for i, s in enumerate(STATUSES)}
    cols["status_idx"] = np.array([lookup[s] for s in status], dtype=np.float64)
    cols["x"], cols["y"] = history.x, history.y
    cols["unc"] = np.round(rng.uniform(8, 80, n))
    cols["road"] = np.where(history.road >= 0, history.road, np.nan)
    cols["kel"], cols["kec"], outside = _areas(exp, history.x, history.y)
    cols["outside"] = outside.astype(np.float64)
    t = history.created
    cols["created"] = t
    handled = np.isin(status, ("closed", "dispatched"))
    verified = t + rng.uniform(20, 150, n)
    dispatched = verified + rng.uniform(40, 600, n)
    on_scene = dispatched + rng.lognormal(np.log(12 * 60), 0.5, n)
    resolved = on_scene + rng.uniform(15, 120, n) * 60
    closed = resolved + rng.uniform(5, 60, n) * 60
    done = status == "closed"
    cols["verified"] = np.where(handled | (status == "cancelled"), verified, np.nan)
    cols["dispatched"] = np.where(handled, dispatched, np.nan)
    cols["on_scene"] = np.where(done, on_scene, np.nan)
    cols["resolved"] = np.where(done, resolved, np.nan)
    cols["closed"] = np.where(done, closed, np.nan)
    cols["version"] = np.select(
        [done, status == "dispatched", status == "cancelled"], [6.0, 3.0, 3.0], 2.0
    )
    return np.column_stack([cols[c] for c in STAGE_COLUMNS])


def _copy_binary(cur, table: str, matrix: np.ndarray, ints: np.ndarray | None = None) -> None:
    """COPY rows of float8 (``matrix``), then int8 (``ints``, optional, same rows), in
    PostgreSQL's binary format, built with numpy (no loop per row). NaN travels as NaN; the
    INSERT turns it into NULL."""
    n, m = matrix.shape
    k = 0 if ints is None else ints.shape[1]
    fields = [("n", ">i2"), ("f", [("len", ">i4"), ("v", ">f8")], (m,))]
    if k:
        fields.append(("i", [("len", ">i4"), ("v", ">i8")], (k,)))
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["n"] = m + k
    rows["f"]["len"] = 8
    rows["f"]["v"] = matrix
    if k:
        rows["i"]["len"] = 8
        rows["i"]["v"] = ints
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    payload = memoryview(header + rows.tobytes() + struct.pack(">h", -1))
    statement = sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table))
    with cur.copy(statement) as copy:
        for i in range(0, len(payload), 1 << 22):
            copy.write(payload[i : i + (1 << 22)])


def _skip_foreign_key_checks(cur) -> None:
    """Every reference in the batch was read from the database in this transaction (types,
    areas, the synthetic user) or points into the batch itself (merged duplicates), so the
    per-row foreign-key triggers only cost time (most of it, at a million rows). Where the
    database role may (a superuser, as in the embedded cluster), they are skipped for this
    transaction, as ``pg_restore --disable-triggers`` does; elsewhere they run."""
    try:
        with transaction.atomic():
            cur.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def write(history: History, exp: Exposure, seed: int) -> int:
    """Insert the history; returns the number of incidents written."""
    from incidents.models import IncidentType

    rng = np.random.default_rng(seed + 1)
    types = list(IncidentType.objects.order_by("id").values("code", "id", "category",
                                                             "default_priority"))  # fmt: skip
    type_index = {t["code"]: i for i, t in enumerate(types)}
    missing = set(history.type_code) - set(type_index)
    if missing:
        raise RuntimeError(f"unknown incident types: {sorted(missing)}")
    matrix = _stage(history, exp, rng, type_index)
    cells = _cells(history)
    user = synth_user()
    with transaction.atomic(), connection.cursor() as cur:
        # Writers wait while the block of ids is reserved and filled; readers do not.
        cur.execute("LOCK TABLE incidents_incident IN SHARE ROW EXCLUSIVE MODE")
        cur.execute("SELECT pg_get_serial_sequence('incidents_incident', 'id')")
        (sequence,) = cur.fetchone()
        cur.execute("SELECT nextval(%s)", [sequence])
        (base,) = cur.fetchone()
        cur.execute("SELECT setval(%s, %s)", [sequence, base + len(history) - 1])
        _skip_foreign_key_checks(cur)
        cur.execute(
            "CREATE TEMP TABLE synth_stage ("
            + ", ".join(
                [f"{c} float8" for c in STAGE_COLUMNS] + [f"{c} int8" for c in CELL_COLUMNS]
            )
            + ") ON COMMIT DROP"
        )
        _copy_binary(cur.cursor, "synth_stage", matrix, cells)
        cur.execute("ANALYZE synth_stage")
        cur.execute(
            INSERT_SQL,
            {
                "base": base,
                "user": user.pk,
                "type_ids": [t["id"] for t in types],
                "categories": [t["category"] for t in types],
                "priorities": [t["default_priority"] for t in types],
                "statuses": list(STATUSES),
            },
        )
        written = cur.rowcount
        cur.execute("ANALYZE incidents_incident")
    return written
