"""AVL history: one row per unit fix, partitioned by month on fix_at (months of 1 Hz fixes stay
manageable: old months are detached or dropped whole). A BRIN index on fix_at suits the
append-in-time-order load; the primary key (unit_id, fix_at) makes duplicate fixes no-ops."""

from django.db import migrations

SQL = """
CREATE TABLE incidents_unitposition (
    unit_id bigint NOT NULL REFERENCES incidents_unit (id) ON DELETE CASCADE,
    fix_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    point geometry(Point, 4326) NOT NULL,
    speed_kmh real,
    heading_deg real,
    accuracy_m real,
    PRIMARY KEY (unit_id, fix_at)
) PARTITION BY RANGE (fix_at);
CREATE INDEX incidents_unitposition_fix_brin ON incidents_unitposition USING brin (fix_at);
CREATE TABLE incidents_unitposition_default PARTITION OF incidents_unitposition DEFAULT;
"""
REVERSE = "DROP TABLE incidents_unitposition;"


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_responders")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
