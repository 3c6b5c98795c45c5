"""The unit's last position, moved by every AVL batch, as cheap updates: HOT ones.

An UPDATE is HOT (heap-only: no new index entries, old versions pruned from the page) when no
indexed column changes and the page has room for the new version. Before this migration every
move changed ``point``, which the GiST index covered, so each move wrote a new entry in all seven
indexes of incidents_unit: about a quarter of an AVL batch's time. Now:

- no spatial index on ``point``: a city's fleet is a few hundred rows, and the KNN shortlist
  (``ORDER BY point <-> …``, incidents.sql.UNITS_NEAREST) scans them in well under a millisecond;
- fillfactor 10: nine tenths of each page kept free for the new versions of its rows (a row is
  about 200 bytes: a page holds four rows and room for about nine versions of each). Between
  two commits, versions that nobody can see any more are pruned and their room reused, so even
  one transaction that moves the same units many times (a bulk import, the benchmark) makes a
  non-HOT update only about once in ten. A few hundred units still fit in a few hundred kB.
"""

import django.contrib.gis.db.models.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("incidents", "0008_incident_h3cell")]

    operations = [
        migrations.AlterField(
            model_name="unit",
            name="point",
            field=django.contrib.gis.db.models.fields.PointField(
                blank=True,
                null=True,
                spatial_index=False,
                srid=4326,
                verbose_name="posisi terakhir",
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE incidents_unit SET (fillfactor = 10)",
            "ALTER TABLE incidents_unit RESET (fillfactor)",
        ),
    ]
