"""SQL of the basemap tiles. Constant text; z/x/y and filters are bound parameters.

Every statement returns one bytea: a Mapbox Vector Tile (one or more MVT layers concatenated,
which the format allows). ``env`` holds the tile in Web Mercator (for ST_AsMVTGeom) and, with a
margin, in WGS84 (for the GiST index of the 4326 geometries).
"""

_ENV = """
WITH env AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326) AS b
)
"""

KELURAHAN = (
    _ENV
    + """
SELECT coalesce((
    SELECT ST_AsMVT(t, 'kelurahan', 4096, 'geom') FROM (
        SELECT a.code, a.name,
               ST_AsMVTGeom(ST_Transform(a.geom, 3857), env.e, 4096, 64, true) AS geom
        FROM geo_adminarea a, env
        WHERE a.level = 'kelurahan' AND a.geom && env.b
    ) t), ''::bytea)
 || coalesce((
    SELECT ST_AsMVT(t, 'kelurahan_label', 4096, 'geom') FROM (
        SELECT a.code, a.name,
               ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(a.geom), 3857), env.e, 4096, 0, true)
                 AS geom
        FROM geo_adminarea a, env
        WHERE a.level = 'kelurahan' AND a.geom && env.b
    ) t WHERE t.geom IS NOT NULL), ''::bytea)
"""
)

ROADS = (
    _ENV
    + """
SELECT coalesce(ST_AsMVT(t, 'roads', 4096, 'geom'), ''::bytea) FROM (
    SELECT r.road_class, r.name,
           ST_AsMVTGeom(ST_Transform(r.geom, 3857), env.e, 4096, 64, true) AS geom
    FROM geo_roadsegment r, env
    WHERE r.geom && env.b AND r.road_class = ANY(%(classes)s)
) t WHERE t.geom IS NOT NULL
"""
)

RIVER = (
    _ENV
    + """
SELECT coalesce(ST_AsMVT(t, 'river', 4096, 'geom'), ''::bytea) FROM (
    SELECT c.name,
           ST_AsMVTGeom(ST_Transform(c.geom, 3857), env.e, 4096, 64, true) AS geom
    FROM layers_contextfeature c, env
    WHERE c.kind = 'river' AND c.geom && env.b
) t WHERE t.geom IS NOT NULL
"""
)

# Wraps the ORM-compiled incidents query (its SELECT list names the MVT columns).
INCIDENTS = "SELECT coalesce(ST_AsMVT(t, 'incidents', 4096, 'geom'), ''::bytea) FROM ({inner}) t"

# The Gi* hotspot cells, computed in Python (layers.gistar) and passed in as one GeoJSON
# FeatureCollection parameter; PostGIS clips and encodes them like the other layers.
HOTSPOTS = (
    _ENV
    + """
SELECT coalesce(ST_AsMVT(t, 'hotspots', 4096, 'geom'), ''::bytea) FROM (
    SELECT f->'properties'->>'cell' AS cell,
           f->'properties'->>'class' AS class,
           (f->'properties'->>'bin')::int AS bin,
           (f->'properties'->>'z')::float8 AS z,
           (f->'properties'->>'count')::int AS count,
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326), 3857),
                        env.e, 4096, 64, true) AS geom
    FROM jsonb_array_elements(%(features)s::jsonb -> 'features') AS f, env
    WHERE ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326) && env.b
) t WHERE t.geom IS NOT NULL
"""
)
