"""SQL of the AVL ingest. Values are bound; table names are constants, never input."""

# The history takes a batch's fixes by binary COPY (incidents.avl.binary), the cheapest way in:
COPY_HISTORY = (
    "COPY incidents_unitposition (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m)"
    " FROM STDIN (FORMAT BINARY)"
)

# Before it, in the same transaction, one statement locks every unit of the batch (in id order,
# so two batches never deadlock), as the history's foreign key did per row, and moves each unit
# whose newest fix of the batch is newer than its last position (fixes arriving out of order
# never move a unit back), only if every unit was there. It answers how many units it holds and
# which moved: a unit deleted meanwhile is missing (the lock waits for the deleting transaction,
# then finds no row), and the caller rolls back and does the batch again with the codes read
# afresh. The lock is FOR NO KEY UPDATE, the one the UPDATE takes, since most units move.
# Parameters are binary arrays (incidents.avl.arrays): ``latest_*`` one element per unit (its
# newest fix) in unit id order, the others one per fix; NaN stands for a missing value.
_LOCK_AND_MOVE = """
WITH latest AS (
    SELECT l.id, l.fix_at, l.lon, l.lat,
           nullif(l.speed_kmh, 'NaN') AS speed_kmh, nullif(l.heading_deg, 'NaN') AS heading_deg
    FROM unnest(%(latest_unit)b, %(latest_time)b, %(latest_lon)b, %(latest_lat)b,
                %(latest_speed)b, %(latest_heading)b)
        AS l(id, fix_at, lon, lat, speed_kmh, heading_deg)
),
held AS (  -- one index probe per unit, locked in the order of ``latest``: by id
    SELECT h.id, h.fix_at FROM latest l CROSS JOIN LATERAL (
        SELECT u.id, u.fix_at FROM incidents_unit u WHERE u.id = l.id FOR NO KEY UPDATE
    ) h
),
moved AS (
    UPDATE incidents_unit u
    SET point = ST_SetSRID(ST_MakePoint(l.lon, l.lat), 4326), fix_at = l.fix_at,
        speed_kmh = l.speed_kmh, heading_deg = l.heading_deg
    FROM held h JOIN latest l ON l.id = h.id
    WHERE u.id = h.id AND (h.fix_at IS NULL OR l.fix_at > h.fix_at)
      AND (SELECT count(*) FROM held) = %(units)s
    RETURNING u.id
)"""
LOCK_AND_MOVE = (
    _LOCK_AND_MOVE
    + """
SELECT (SELECT count(*) FROM held), ARRAY(SELECT id FROM moved ORDER BY id)
"""
)

# A batch resent (some of its fixes already stored, so the COPY failed on the primary key): the
# same lock and move, and the fixes inserted with ON CONFLICT DO NOTHING, all in one statement
# that answers the keys it stored, to name the others as duplicates.
STORE_NEW = (
    _LOCK_AND_MOVE
    + """,
stored AS (
    INSERT INTO incidents_unitposition
        (unit_id, fix_at, point, speed_kmh, heading_deg, accuracy_m)
    SELECT f.unit_id, f.fix_at, ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326),
           nullif(f.speed_kmh, 'NaN'), nullif(f.heading_deg, 'NaN'), nullif(f.accuracy_m, 'NaN')
    FROM unnest(%(unit)b, %(time)b, %(lon)b, %(lat)b, %(speed)b, %(heading)b, %(accuracy)b)
        AS f(unit_id, fix_at, lon, lat, speed_kmh, heading_deg, accuracy_m)
    WHERE (SELECT count(*) FROM held) = %(units)s
    ON CONFLICT DO NOTHING
    RETURNING unit_id, fix_at
)
SELECT (SELECT count(*) FROM held), ARRAY(SELECT id FROM moved ORDER BY id),
       ARRAY(SELECT unit_id FROM stored), ARRAY(SELECT fix_at FROM stored)
"""
)

POSITIONS = """
SELECT id, code, status, ST_X(point), ST_Y(point), heading_deg, fix_at
FROM incidents_unit WHERE id = ANY(%s) AND point IS NOT NULL ORDER BY id
"""
UNIT_IDS = "SELECT code, id FROM incidents_unit WHERE code = ANY(%s)"
