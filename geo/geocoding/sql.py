"""SQL of the geocoder. Every value is a bound parameter; `%%` is pg_trgm's similarity operator.

The trigram thresholds are set per connection (geo.apps: pg_trgm.similarity_threshold 0.25,
word_similarity_threshold 0.5) so the operators below can use the GIN indexes.
"""

# Candidates by name: trigram similarity on the key, word similarity (the query inside a longer
# name or the reverse) and similarity of the space-less forms (callers run words together).
# One UNION branch per operator, so each uses its GIN index (an OR of the three made the planner
# scan the table and compute trigrams for every row: 24 ms instead of 1.6 ms).
CANDIDATES = """
WITH hits AS (
    SELECT id FROM geo_gazetteerentry WHERE key %% %(q)s
    UNION SELECT id FROM geo_gazetteerentry WHERE %(q)s <%% key
    UNION SELECT id FROM geo_gazetteerentry WHERE compact %% %(qc)s
)
SELECT g.id, g.kind, g.key, g.label, g.weight, g.street_id, g.place_id, g.area_id,
       ST_X(g.point), ST_Y(g.point), g.uncertainty_m,
       greatest(similarity(g.key, %(q)s), word_similarity(%(q)s, g.key),
                similarity(g.compact, %(qc)s)) AS sim
FROM geo_gazetteerentry g JOIN hits USING (id)
WHERE g.kind = ANY(%(kinds)s)
ORDER BY sim DESC, g.weight DESC
LIMIT %(n)s
"""

# Area names that occur as a run of words inside a longer phrase ("durian labuh baru timur").
AREAS_INSIDE = """
SELECT g.area_id, g.kind, g.key, word_similarity(g.key, %(q)s) AS sim
FROM geo_gazetteerentry g
WHERE g.kind IN ('kelurahan', 'kecamatan') AND g.key <%% %(q)s
ORDER BY sim DESC, length(g.key) DESC
LIMIT 3
"""

# For candidate streets and one area: the point of the street inside (or nearest to) the area,
# and how far the street is from the area (0 when it runs through it), in metres.
STREETS_IN_AREA = """
SELECT s.id,
       ST_X(pt), ST_Y(pt),
       ST_Distance(s.geom::geography, a.geom::geography) AS away_m,
       CASE WHEN inside IS NULL OR ST_IsEmpty(inside) THEN NULL
            ELSE ST_Length(inside::geography) END AS inside_m
FROM geo_street s
JOIN geo_adminarea a ON a.id = %(area)s
CROSS JOIN LATERAL (
    SELECT CASE WHEN ST_Intersects(s.geom, a.geom)
                THEN ST_CollectionExtract(ST_Intersection(s.geom, a.geom), 2) END AS inside
) i
CROSS JOIN LATERAL (
    SELECT CASE WHEN inside IS NOT NULL AND NOT ST_IsEmpty(inside)
                THEN ST_ClosestPoint(inside, ST_Centroid(inside))
                ELSE ST_ClosestPoint(s.geom, a.geom) END AS pt
) p
WHERE s.id = ANY(%(streets)s)
"""

# Crossings of two sets of candidate streets: exact intersections, or near misses within a few
# metres (the graph was snapped at 3 m).
CROSSINGS = """
SELECT a.id, b.id, ST_X(pt.geom), ST_Y(pt.geom)
FROM geo_street a
JOIN geo_street b ON b.id = ANY(%(b)s) AND b.id <> a.id
     -- Planar test in degrees: at 0.5° N a degree is 110.6-111.3 km both ways, so the tolerance
     -- in metres divided by 111,000 is within 1 percent; the geography test on long lines was
     -- the slowest part of a query.
     AND ST_DWithin(a.geom, b.geom, %(tolerance_m)s / 111000.0)
CROSS JOIN LATERAL (
    SELECT (ST_Dump(CASE WHEN ST_Intersects(a.geom, b.geom)
                         THEN ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 1)
                         ELSE ST_ClosestPoint(a.geom, b.geom) END)).geom
) pt
WHERE a.id = ANY(%(a)s)
LIMIT 200
"""

# Distance from candidate points to a set of context streets ("Jl. Sudirman dekat …").
DISTANCE_TO_STREETS = """
SELECT i, min(ST_Distance(ST_SetSRID(ST_MakePoint(x, y), 4326)::geography, s.geom::geography))
FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) WITH ORDINALITY AS p(x, y, i)
CROSS JOIN geo_street s
WHERE s.id = ANY(%(streets)s)
GROUP BY i
"""

# Kelurahan and kecamatan of result points (point in polygon on the GiST index).
AREAS_OF_POINTS = """
SELECT p.i, k.code, k.name, c.code, c.name
FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) WITH ORDINALITY AS p(x, y, i)
LEFT JOIN geo_adminarea k
       ON k.level = 'kelurahan' AND ST_Intersects(k.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))
LEFT JOIN geo_adminarea c ON c.id = k.parent_id
"""

# Reverse geocoding: one statement, every part a KNN lookup on a GiST index.
REVERSE = """
WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g)
SELECT city.inside,
       kel.code, kel.name, kel.inside, kec.code, kec.name,
       st.label, st.dist,
       pl.name, pl.kind, pl.dist
FROM p
LEFT JOIN LATERAL (
    SELECT ST_Intersects(a.geom, p.g) AS inside FROM geo_adminarea a WHERE a.level = 'kota' LIMIT 1
) city ON true
LEFT JOIN LATERAL (
    SELECT a.code, a.name, a.parent_id, ST_Intersects(a.geom, p.g) AS inside
    FROM geo_adminarea a WHERE a.level = 'kelurahan' ORDER BY a.geom <-> p.g LIMIT 1
) kel ON true
LEFT JOIN geo_adminarea kec ON kec.id = kel.parent_id
LEFT JOIN LATERAL (
    SELECT s.label, ST_Distance(s.geom::geography, p.g::geography) AS dist
    FROM (SELECT label, geom FROM geo_street ORDER BY geom <-> p.g LIMIT 5) s
    ORDER BY dist LIMIT 1
) st ON true
LEFT JOIN LATERAL (
    SELECT x.name, x.kind, ST_Distance(x.point::geography, p.g::geography) AS dist
    FROM (SELECT name, kind, point FROM geo_place ORDER BY point <-> p.g LIMIT 5) x
    ORDER BY dist LIMIT 1
) pl ON true
"""
