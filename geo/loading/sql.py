"""SQL of the loaders. Parameters are bound; identifiers are constants of this module."""

ROAD_STAGE = """
CREATE TEMP TABLE road_edges_in (
    edge_id bigint, source bigint, target bigint, length_m double precision, road_id integer,
    road_class text, name text, is_connector boolean, in_largest_component boolean, wkt text
) ON COMMIT DROP
"""
ROAD_COPY = "COPY road_edges_in FROM STDIN (FORMAT csv, HEADER true)"
# Problems the loader refuses, each with the first offending edge id.
ROAD_CHECKS = """
SELECT
  (SELECT count(*) FROM road_edges_in),
  (SELECT min(edge_id) FROM road_edges_in WHERE edge_id IS NULL OR source IS NULL
       OR target IS NULL OR length_m IS NULL OR length_m < 0 OR wkt IS NULL),
  (SELECT min(edge_id) FROM road_edges_in WHERE NOT (road_class = ANY(%s))),
  (SELECT count(*) - count(DISTINCT edge_id) FROM road_edges_in)
"""
ROAD_REPLACE = """
UPDATE geo_roadsegment SET street_id = NULL;
DELETE FROM geo_gazetteerentry WHERE street_id IS NOT NULL;
DELETE FROM geo_street;
DELETE FROM geo_roadsegment;
"""
ROAD_INSERT = """
INSERT INTO geo_roadsegment (id, source, target, length_m, road_class, name, road_id,
                             is_connector, in_largest_component, geom)
SELECT edge_id, source, target, length_m, road_class, coalesce(name, ''), road_id,
       coalesce(is_connector, false), coalesce(in_largest_component, true),
       ST_GeomFromText(wkt, 4326)
FROM road_edges_in
"""
ROAD_BAD_GEOMETRY = """
SELECT id FROM geo_roadsegment
WHERE GeometryType(geom) <> 'LINESTRING' OR NOT ST_IsValid(geom) LIMIT 1
"""

# Streets: segments of one name that lie within STREET_GAP_M of each other form one street.
STREETS_BUILD = """
CREATE TEMP TABLE street_members ON COMMIT DROP AS
SELECT id AS segment_id, lower(name) AS lname, road_class, name, length_m, geom,
       ST_ClusterDBSCAN(ST_Transform(geom, %(metric_srid)s), eps := %(gap_m)s, minpoints := 1)
           OVER (PARTITION BY lower(name)) AS cluster
FROM geo_roadsegment
-- "none" and "-" are placeholders in the register, not names.
WHERE name <> '' AND lower(name) NOT IN ('none', '-', 'null') AND NOT is_connector;

CREATE TEMP TABLE street_build ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('geo_street', 'id')) AS street_id, lname, cluster,
       mode() WITHIN GROUP (ORDER BY name) AS name,
       (array_agg(road_class ORDER BY CASE road_class
            WHEN 'arteri' THEN 6 WHEN 'kolektor' THEN 5 WHEN 'lokal' THEN 4
            WHEN 'lingkungan' THEN 3 WHEN 'perumahan' THEN 2 WHEN 'gang' THEN 1 ELSE 0 END DESC
        ))[1] AS road_class,
       sum(length_m) AS length_m,
       ST_Multi(ST_Collect(geom)) AS geom
FROM street_members GROUP BY lname, cluster;

INSERT INTO geo_street (id, name, label, road_class, aliases, length_m, geom)
SELECT street_id, name, CASE WHEN road_class = 'gang' THEN 'Gg. ' ELSE 'Jl. ' END || name,
       road_class, '{}', length_m, geom
FROM street_build;

UPDATE geo_roadsegment s SET street_id = b.street_id
FROM street_members m JOIN street_build b ON b.lname = m.lname AND b.cluster = m.cluster
WHERE s.id = m.segment_id;
"""
STREET_ALIAS = """
UPDATE geo_street SET aliases = array_append(aliases, %(alias)s)
WHERE lower(name) = lower(%(register_name)s) AND NOT (%(alias)s = ANY(aliases))
"""
