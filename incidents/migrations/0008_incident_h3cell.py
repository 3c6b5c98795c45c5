"""The H3 cells of each incident's point at resolutions 5–11 (geo.h3cells), stored with the row.

- ``h3_r5`` … ``h3_r11``: set by ``Incident.save()`` and by the synthetic bulk writer; existing
  rows are filled here (vectorised, in batches).
- ``incident_cells_r5`` … ``r11``: the analytic rows' cells at one resolution with the columns
  the layers filter on, so that counting per cell reads a narrow index in cell order instead of
  the table (index-only scan).
- A trigger clears the cells when ``point`` changes and the same UPDATE leaves them as they
  were (a queryset ``update()`` or raw SQL that does not know about them), so a stale cell is
  never counted; readers compute the cells that are missing (``incident_cell_missing`` finds
  them). A move within one res-11 cell through ``save()`` also clears them (the trigger cannot
  tell), which costs a reader a few microseconds until the next save.
"""

from django.conf import settings
from django.db import migrations, models

TRIGGER = """
CREATE FUNCTION incidents_incident_h3_cells_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.point IS NULL
       OR ((NEW.h3_r5, NEW.h3_r6, NEW.h3_r7, NEW.h3_r8, NEW.h3_r9, NEW.h3_r10, NEW.h3_r11)
           IS NOT DISTINCT FROM
           (OLD.h3_r5, OLD.h3_r6, OLD.h3_r7, OLD.h3_r8, OLD.h3_r9, OLD.h3_r10, OLD.h3_r11)
           AND ST_AsEWKB(NEW.point) IS DISTINCT FROM ST_AsEWKB(OLD.point)) THEN
        NEW.h3_r5 := NULL; NEW.h3_r6 := NULL; NEW.h3_r7 := NULL; NEW.h3_r8 := NULL;
        NEW.h3_r9 := NULL; NEW.h3_r10 := NULL; NEW.h3_r11 := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER incidents_incident_h3_cells_stale BEFORE UPDATE OF point ON incidents_incident
    FOR EACH ROW EXECUTE FUNCTION incidents_incident_h3_cells_stale();
"""
DROP_TRIGGER = """
DROP TRIGGER incidents_incident_h3_cells_stale ON incidents_incident;
DROP FUNCTION incidents_incident_h3_cells_stale();
"""
BATCH = 100_000


def fill_cells(apps, schema_editor):
    import numpy as np

    from geo import h3cells

    last = 0
    with schema_editor.connection.cursor() as cur:
        while True:
            cur.execute(
                "SELECT id, ST_X(point), ST_Y(point) FROM incidents_incident"
                " WHERE id > %s AND point IS NOT NULL ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cur.fetchall()
            if not rows:
                return
            ids, lon, lat = (np.array(c) for c in zip(*rows, strict=True))
            lon, lat = lon.astype(float), lat.astype(float)
            cells = [h3cells.cells_of(lon, lat, r).tolist() for r in h3cells.RESOLUTIONS]
            cur.execute(
                "UPDATE incidents_incident i SET h3_r5 = v.r5, h3_r6 = v.r6, h3_r7 = v.r7,"
                " h3_r8 = v.r8, h3_r9 = v.r9, h3_r10 = v.r10, h3_r11 = v.r11"
                " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],"
                " %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])"
                " AS v(id, r5, r6, r7, r8, r9, r10, r11) WHERE i.id = v.id",
                [ids.tolist(), *cells],
            )
            last = int(ids[-1])


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0005_street_parts"),
        ("incidents", "0007_unit_status_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="h3_r5",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="h3_r6",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="h3_r7",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="h3_r8",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="h3_r9",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="h3_r10",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="h3_r11",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_cells, migrations.RunPython.noop, elidable=True),
        migrations.RunSQL(TRIGGER, DROP_TRIGGER),
        *(
            migrations.AddIndex(
                model_name="incident",
                index=models.Index(
                    condition=models.Q(
                        models.Q(("status__in", ("prank", "cancelled", "merged")), _negated=True),
                        (f"h3_r{res}__isnull", False),
                    ),
                    fields=[f"h3_r{res}"],
                    include=("category", "created_at", "id"),
                    name=f"incident_cells_r{res}",
                ),
            )
            for res in range(5, 12)
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("h3_r11__isnull", True), ("point__isnull", False)),
                fields=["id"],
                name="incident_cell_missing",
            ),
        ),
    ]
