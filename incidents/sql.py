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

# The straight-line shortlist: KNN `<->` on the units' position (a scan: a city's fleet is a few
# hundred rows, and the position has no index, migration 0009) or the stations' GiST index, one
# table, no join (agency codes are mapped in Python), so that planning costs no more than the
# scan; the optional filters are added as whole clauses. The fix time comes as microseconds
# since 1970 (an integer: parsing twenty timestamps from text cost as much as the scan).
# Snapping to the road graph happens in memory (geo.routing).
UNITS_NEAREST = """
SELECT id, code, name, agency_id, kind, (extract(epoch FROM fix_at) * 1000000)::int8,
       ST_X(point), ST_Y(point)
FROM incidents_unit
WHERE status = 'available' AND point IS NOT NULL AND fix_at >= %(fresh)s{filters}
ORDER BY point <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)
LIMIT %(n)s
"""
UNITS_OF_AGENCY = " AND agency_id = %(agency)s"
UNITS_OF_KIND = " AND kind = %(kind)s"
STATIONS_NEAREST = """
SELECT s.id, s.code, s.name, s.agency_id, s.kind, NULL::int8, ST_X(s.point), ST_Y(s.point)
FROM incidents_station s
WHERE true{filters}
ORDER BY s.point <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)
LIMIT %(n)s
"""
STATIONS_OF_AGENCY = " AND s.agency_id = %(agency)s"
STATIONS_OF_KIND = (
    " AND EXISTS (SELECT 1 FROM incidents_unit u WHERE u.station_id = s.id AND u.kind = %(kind)s)"
)
