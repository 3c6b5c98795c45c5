"""AVL history without a foreign key to the unit, the way time-series stores keep their history.

The foreign key made every fix of a bulk COPY fire a per-row trigger that looks the unit up and
locks it: measured here with 1,000-row binary COPY batches it halved the rate (about 38k rows/s
with it, 68-89k without). Integrity is kept instead by:

- the ingest path (incidents.avl): it locks the batch's units (FOR KEY SHARE, one statement per
  batch, as the foreign key's check did per row) in the transaction that writes the fixes, and
  stores nothing for a unit that is gone: that batch is done again with fresh unit codes, so the
  gone unit's fixes are answered "unknown unit";
- a statement-level trigger on incidents_unit that deletes the history of deleted units (what ON
  DELETE CASCADE did), whatever deletes them (the ORM also deletes them first, from the model's
  CASCADE).
"""

from django.db import migrations

SQL = """
ALTER TABLE incidents_unitposition DROP CONSTRAINT IF EXISTS incidents_unitposition_unit_id_fkey;
CREATE FUNCTION incidents_unit_drop_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM incidents_unitposition p USING gone_units g WHERE p.unit_id = g.id;
    RETURN NULL;
END $$;
CREATE TRIGGER incidents_unit_drop_history AFTER DELETE ON incidents_unit
    REFERENCING OLD TABLE AS gone_units
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_unit_drop_history();
"""
REVERSE = """
DROP TRIGGER incidents_unit_drop_history ON incidents_unit;
DROP FUNCTION incidents_unit_drop_history();
DELETE FROM incidents_unitposition p
    WHERE NOT EXISTS (SELECT 1 FROM incidents_unit u WHERE u.id = p.unit_id);
ALTER TABLE incidents_unitposition ADD CONSTRAINT incidents_unitposition_unit_id_fkey
    FOREIGN KEY (unit_id) REFERENCES incidents_unit (id) ON DELETE CASCADE;
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_unit_position_state")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
