"""SQL of the geocoder. Every value is a bound parameter.

The forward and reverse statements are prepared once per database session
(geo.geocoding.prepared) and take positional parameters ($1, $2, ...); `%` is pg_trgm's
similarity operator. The trigram thresholds are set per connection (geo.apps:
pg_trgm.similarity_threshold 0.25, word_similarity_threshold 0.5) so the operators can use the
GIN indexes.
"""

from geo.geocoding.prepared import Statement

# One forward geocode is one statement. It takes up to a few "branches" (phrases to look up,
# given as parallel arrays) and returns three kinds of row:
#   'c'  a candidate of a branch: gazetteer entry, trigram similarity, and
#        - when the branch names an area ($6): for streets, the point of the street inside that
#          area or nearest to it (geo_streetpart, or for streets far from it their own point),
#          how far the street is from it and how long it runs inside;
#        - when a branch is the context of a relative query ($8): for places of the other
#          branches, the distance to the nearest of the context's three best streets;
#   'x'  for intersections ($7): where a street of branch 1 crosses (or passes within 25 m of)
#        a street of branch 2, and whether both are split into graph edges there (1: a junction
#        of the road graph) or only cross or pass close on the map (0: a bridge, a dangling
#        end a few metres short);
#   'v'  the gazetteer's version (its highest id), so the caller can tell whether its in-memory
#        copy of the area names (geo.geocoding.areas) is current.
# Candidates come from one UNION branch per trigram operator, so each uses its GIN index (an
# OR of the three made the planner scan the table). Distances are planar in degrees times
# 111,195 m: at 0.5° N a degree is 110.6-111.3 km both ways, within 1 percent.
# Parameters: $1 phrases, $2 phrases without spaces, $3 kinds (comma-separated), $4 a kind to
# rank first (or NULL), $5 how many rows per branch, $6 the area to narrow to (or NULL),
# $7 compute crossings of branches 1 and 2, $8 the context branch (0: none).
FORWARD = Statement(
    "geo_forward_v8",
    ("text[]", "text[]", "text[]", "text[]", "int[]", "bigint[]", "boolean", "int"),
    """
WITH p AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[])
        WITH ORDINALITY AS p(q, qc, kinds, prefer, n, area, branch)
),
hits AS (
    -- The rows themselves, not ids joined back to the table: with a generic plan the planner
    -- cannot know how few they are and would scan the whole gazetteer for the join.
    SELECT DISTINCT ON (p.branch, h.id) p.branch, p.n, p.area AS in_area, p.q, p.qc,
           coalesce(h.kind = p.prefer, false) AS preferred, h.*
    FROM p CROSS JOIN LATERAL (
        SELECT id, kind, key, compact, label, weight, street_id, place_id, area_id, point,
               uncertainty_m
        FROM geo_gazetteerentry WHERE key % p.q
        UNION ALL
        SELECT id, kind, key, compact, label, weight, street_id, place_id, area_id, point,
               uncertainty_m
        FROM geo_gazetteerentry WHERE p.q <% key
        UNION ALL
        SELECT id, kind, key, compact, label, weight, street_id, place_id, area_id, point,
               uncertainty_m
        FROM geo_gazetteerentry WHERE compact % p.qc
    ) h
    WHERE h.kind = ANY(string_to_array(p.kinds, ','))
    ORDER BY p.branch, h.id
),
ranked AS (
    SELECT * FROM (
        SELECT s.*, row_number() OVER (
                   PARTITION BY s.branch ORDER BY s.preferred DESC, s.sim DESC, s.weight DESC
               ) AS rank
        FROM (
            -- Similarity once per distinct row (a name found by two operators counts once).
            SELECT h.*, greatest(similarity(h.key, h.q), word_similarity(h.q, h.key),
                                 similarity(h.compact, h.qc)) AS sim
            FROM hits h
        ) s
    ) x
    WHERE rank <= n
),
-- The streets of each side of an intersection, fetched by id first (a generic plan would
-- otherwise search the spatial index around every street of one side).
-- Their boxes (widened by the tolerance on one side) are compared first, so the long lines
-- are read only for pairs that may meet.
side_a AS MATERIALIZED (
    SELECT s.id, s.geom, ST_Expand(ST_Envelope(s.geom), 25.0 / 111000.0) AS box
    FROM geo_street s
    WHERE $7 AND s.id IN (SELECT street_id FROM ranked WHERE branch = 1 AND kind = 'street')
),
side_b AS MATERIALIZED (
    SELECT s.id, s.geom, ST_Envelope(s.geom) AS box FROM geo_street s
    WHERE $7 AND s.id IN (SELECT street_id FROM ranked WHERE branch = 2 AND kind = 'street')
)
SELECT 'c' AS row, r.branch, r.kind, r.key, r.label, r.weight, r.street_id, r.place_id,
       r.area_id, ST_X(r.point), ST_Y(r.point), r.uncertainty_m, r.sim,
       coalesce(ST_X(sp.point), ST_X(o.pt)), coalesce(ST_Y(sp.point), ST_Y(o.pt)),
       coalesce(sp.distance_m, o.away_m), sp.length_m, c.context_m
FROM ranked r
LEFT JOIN geo_streetpart sp ON sp.street_id = r.street_id AND sp.area_id = r.in_area
-- A street that neither runs through the area nor passes near it (geo_streetpart has both):
-- how far its representative point is from the area.
LEFT JOIN LATERAL (
    SELECT ST_Distance(r.point, a.geom) * 111195.0 AS away_m, r.point AS pt
    FROM geo_adminarea a
    WHERE r.kind = 'street' AND r.in_area IS NOT NULL AND sp.id IS NULL AND a.id = r.in_area
) o ON true
LEFT JOIN LATERAL (
    SELECT min(ST_Distance(r.point, s.geom)) * 111195.0 AS context_m
    FROM ranked t JOIN geo_street s ON s.id = t.street_id
    WHERE $8 > 0 AND r.branch <> $8 AND r.kind = 'place'
      AND t.branch = $8 AND t.kind = 'street' AND t.rank <= 3
) c ON true
UNION ALL
SELECT 'x', NULL, NULL, NULL, NULL, NULL, a.id, b.id, NULL, ST_X(pt.geom), ST_Y(pt.geom),
       NULL, CASE WHEN EXISTS (
                SELECT 1 FROM geo_roadsegment e WHERE e.street_id = a.id
                AND (ST_DWithin(ST_StartPoint(e.geom), pt.geom, 10.0 / 111000.0)
                     OR ST_DWithin(ST_EndPoint(e.geom), pt.geom, 10.0 / 111000.0))
            ) AND EXISTS (
                SELECT 1 FROM geo_roadsegment e WHERE e.street_id = b.id
                AND (ST_DWithin(ST_StartPoint(e.geom), pt.geom, 10.0 / 111000.0)
                     OR ST_DWithin(ST_EndPoint(e.geom), pt.geom, 10.0 / 111000.0))
            ) THEN 1.0 ELSE 0.0 END,
       NULL, NULL, NULL, NULL, NULL
FROM side_a a
JOIN side_b b ON b.id <> a.id AND a.box && b.box
     AND ST_DWithin(a.geom, b.geom, 25.0 / 111000.0)
CROSS JOIN LATERAL (
    SELECT (ST_Dump(CASE WHEN ST_Intersects(a.geom, b.geom)
                         THEN ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 1)
                         ELSE ST_ClosestPoint(a.geom, b.geom) END)).geom
    LIMIT 4  -- also keeps the planner's estimate (1000 rows per set-returning call) low
) pt
UNION ALL
SELECT 'v', NULL, NULL, NULL, NULL, NULL, max(id), NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL
FROM geo_gazetteerentry
""",
)

# Reverse geocoding: one statement, every part a KNN lookup on a GiST index. The nearest street
# and place by planar distance are the nearest by geodesic distance too (at 0.5° N the two
# axes differ by 0.7 percent), so the geodesic distance is computed for that one only.
REVERSE = Statement(
    "geo_reverse_v2",
    ("float8", "float8"),
    """
WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g)
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
    FROM (SELECT label, geom FROM geo_street ORDER BY geom <-> p.g LIMIT 1) s
) st ON true
LEFT JOIN LATERAL (
    SELECT x.name, x.kind, ST_Distance(x.point::geography, p.g::geography) AS dist
    FROM (SELECT name, kind, point FROM geo_place ORDER BY point <-> p.g LIMIT 1) x
) pl ON true
""",
)

# The area names of the gazetteer, with what the geocoder shows of each area
# (geo.geocoding.areas.AreaName).
AREA_NAMES = """
SELECT g.area_id, g.kind, g.key, g.label, g.weight, ST_X(g.point), ST_Y(g.point),
       g.uncertainty_m, a.code, a.name, a.parent_id
FROM geo_gazetteerentry g JOIN geo_adminarea a ON a.id = g.area_id
WHERE g.kind IN ('kelurahan', 'kecamatan')
ORDER BY g.id
"""

# Kelurahan polygons with their kecamatan, for "which kelurahan is this point in".
KELURAHAN_POLYGONS = """
SELECT k.id, k.code, k.name, c.code, c.name, ST_AsBinary(k.geom)
FROM geo_adminarea k LEFT JOIN geo_adminarea c ON c.id = k.parent_id
WHERE k.level = 'kelurahan'
ORDER BY k.code
"""

GAZETTEER_VERSION = "SELECT max(id) FROM geo_gazetteerentry"
