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
