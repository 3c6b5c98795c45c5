"""SQL of the incidents app. Values are bound; the WHERE clause comes from the ORM."""

# The map feed as one FeatureCollection built in the database: for the wall and the console,
# thousands of incidents in one round trip. ``%s`` is the ORM-compiled id query.
MAP_FEED = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', i.id,
        'geometry', ST_AsGeoJSON(i.point, 7)::json,
        'properties', json_build_object(
            'status', i.status, 'category', i.category, 'type', t.code,
            'priority', i.priority, 'uncertainty_m', i.uncertainty_m,
            'kelurahan', k.name, 'created_at', i.created_at, 'version', i.version
        )
    ) ORDER BY i.created_at DESC, i.id DESC), '[]'::json)
)::text
FROM incidents_incident i
JOIN incidents_incidenttype t ON t.id = i.type_id
LEFT JOIN geo_adminarea k ON k.id = i.kelurahan_id
WHERE i.id IN ({ids})
"""

# The straight-line shortlist and each candidate's snap to the road graph in one round trip:
# KNN `<->` on the units' GiST index, then a LATERAL KNN on the road segments.
_SNAPPED = """
SELECT c.*, ST_X(c.point), ST_Y(c.point),
       e.id, e.source, e.target, e.length_m, e.road_class,
       ST_LineLocatePoint(e.geom, c.point), ST_Distance(e.geom::geography, c.point::geography)
FROM shortlist c
CROSS JOIN LATERAL (
    SELECT id, source, target, length_m, road_class, geom FROM geo_roadsegment
    ORDER BY geom <-> c.point LIMIT 1
) e
ORDER BY c.point <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)
"""
UNITS_SNAPPED = (
    """
WITH shortlist AS (
    SELECT u.id, u.code, u.name, a.code AS agency, u.kind, u.fix_at, u.point
    FROM incidents_unit u JOIN incidents_agency a ON a.id = u.agency_id
    WHERE u.status = 'available' AND u.point IS NOT NULL AND u.fix_at >= %(fresh)s
      AND (%(agency)s::text IS NULL OR a.code = %(agency)s)
      AND (%(kind)s::text IS NULL OR u.kind = %(kind)s)
    ORDER BY u.point <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)
    LIMIT %(n)s
)"""
    + _SNAPPED
)
STATIONS_SNAPPED = (
    """
WITH shortlist AS (
    SELECT s.id, s.code, s.name, a.code AS agency, s.kind, NULL::timestamptz AS fix_at, s.point
    FROM incidents_station s JOIN incidents_agency a ON a.id = s.agency_id
    WHERE (%(agency)s::text IS NULL OR a.code = %(agency)s)
      AND (%(kind)s::text IS NULL
           OR EXISTS (SELECT 1 FROM incidents_unit u WHERE u.station_id = s.id
                      AND u.kind = %(kind)s))
    ORDER BY s.point <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)
    LIMIT %(n)s
)"""
    + _SNAPPED
)
