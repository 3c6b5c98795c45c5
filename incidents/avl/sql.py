"""SQL of the AVL ingest. Values are bound; table names are constants, never input."""

# The columns of a row of incidents.avl.binary.stream, in its order.
COPY_HISTORY = (
    "COPY incidents_unitposition (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m)"
    " FROM STDIN (FORMAT BINARY)"
)
COPY_STAGE = (
    "COPY avl_in (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m)"
    " FROM STDIN (FORMAT BINARY)"
)

STAGE = """
CREATE TEMP TABLE IF NOT EXISTS avl_in (
    unit_id bigint, fix_at timestamptz, point geometry, speed_kmh real, heading_deg real,
    accuracy_m real
) ON COMMIT DELETE ROWS;
DELETE FROM avl_in
"""
INSERT_NEW = """
INSERT INTO incidents_unitposition (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m)
SELECT unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m FROM avl_in
ON CONFLICT DO NOTHING
RETURNING unit_id, fix_at
"""

# One statement per batch, before its fixes are written: lock every unit of the batch (in id
# order, so two batches never deadlock), as the foreign key's check did per row, and move each
# one whose newest fix of the batch is newer than its last position (fixes arriving out of order
# never move a unit back). Answers how many of the units were there (a unit deleted meanwhile is
# missing: the lock waits for the deleting transaction, then finds no row) and which moved.
# The lock is FOR NO KEY UPDATE, the one an UPDATE takes, since most units of a batch move.
# Parameters go in binary (%b, server-side binding): ids and times (microseconds since
# 2000-01-01 UTC, exact as float8 up to 2^53) as int8, the rest as float8, NaN for none.
LOCK_AND_MOVE = """
WITH latest AS (
    SELECT l.id, l.lon, l.lat,
           timestamptz '2000-01-01 00:00:00+00' + l.micros * interval '1 microsecond' AS fix_at,
           nullif(l.speed_kmh, 'NaN') AS speed_kmh, nullif(l.heading_deg, 'NaN') AS heading_deg
    FROM unnest(%b::int8[], %b::int8[], %b::float8[], %b::float8[], %b::float8[], %b::float8[])
        AS l(id, micros, lon, lat, speed_kmh, heading_deg)
),
held AS (
    SELECT u.id, u.fix_at FROM incidents_unit u JOIN latest l ON l.id = u.id
    ORDER BY u.id
    FOR NO KEY UPDATE OF u
),
moved AS (
    UPDATE incidents_unit u
    SET point = ST_SetSRID(ST_MakePoint(l.lon, l.lat), 4326), fix_at = l.fix_at,
        speed_kmh = l.speed_kmh, heading_deg = l.heading_deg
    FROM held h JOIN latest l ON l.id = h.id
    WHERE u.id = h.id AND (h.fix_at IS NULL OR l.fix_at > h.fix_at)
    RETURNING u.id
)
SELECT (SELECT count(*) FROM held), ARRAY(SELECT id FROM moved ORDER BY id)
"""

POSITIONS = """
SELECT id, code, status, ST_X(point), ST_Y(point), heading_deg, fix_at
FROM incidents_unit WHERE id = ANY(%s) AND point IS NOT NULL ORDER BY id
"""
UNIT_IDS = "SELECT code, id FROM incidents_unit WHERE code = ANY(%s)"
