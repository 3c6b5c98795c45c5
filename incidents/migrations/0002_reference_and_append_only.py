"""Default agencies, incident types and the routing table (a supervisor edits them afterwards),
and the database rule that the timeline and the live-event outbox are append-only (UPDATE and
DELETE refused row by row; TRUNCATE stays an administrator's tool, as in test teardown)."""

from django.db import migrations

AGENCIES = [
    ("dinkes", "Dinas Kesehatan / Ambulans", "119"),
    ("damkar", "Dinas Pemadam Kebakaran dan Penyelamatan", "113"),
    ("bpbd", "BPBD Kota Pekanbaru", ""),
    ("polresta", "Polresta Pekanbaru / Polsek", "110"),
    ("satpolpp", "Satpol PP Kota Pekanbaru", ""),
    ("pmi", "PMI Kota Pekanbaru", ""),
    ("dishub", "Dinas Perhubungan", ""),
    ("pln", "PLN UP3 Pekanbaru", "123"),
    ("pupr", "Dinas PUPR", ""),
    ("dlhk", "Dinas Lingkungan Hidup dan Kebersihan", ""),
    ("dinsos", "Dinas Sosial", ""),
    ("perkim", "Dinas Perumahan dan Kawasan Permukiman", ""),
    ("kodim", "Kodim 0301/Pekanbaru", ""),
]
# code, name, category, priority, duplicate radius (m), duplicate window (min), routing
TYPES = [
    ("kecelakaan_lalu_lintas", "Kecelakaan lalu lintas", "medis", 1, 200, 60,
     {"dinkes": "primary", "polresta": "support", "dishub": "support"}),
    ("kesehatan", "Sakit mendadak / kesehatan", "medis", 1, 100, 30,
     {"dinkes": "primary", "pmi": "support"}),
    ("ibu_melahirkan", "Ibu melahirkan", "medis", 1, 100, 60, {"dinkes": "primary"}),
    ("medis_lainnya", "Medis lainnya", "medis", 2, 100, 60, {"dinkes": "primary"}),
    ("kebakaran", "Kebakaran", "bencana", 1, 1500, 180,
     {"damkar": "primary", "dinkes": "support", "pln": "support", "polresta": "support"}),
    ("banjir", "Banjir", "bencana", 2, 1000, 360,
     {"bpbd": "primary", "dinsos": "support", "pupr": "support"}),
    ("pohon_tumbang", "Pohon tumbang", "bencana", 2, 200, 180,
     {"damkar": "primary", "bpbd": "support", "dlhk": "support", "pln": "support"}),
    ("hewan_liar", "Serangan / gangguan hewan liar", "bencana", 2, 500, 120,
     {"damkar": "primary", "bpbd": "support"}),
    ("kabel_listrik", "Kabel listrik putus / tiang roboh", "bencana", 2, 200, 180,
     {"pln": "primary", "damkar": "support"}),
    ("bangunan_runtuh", "Bangunan runtuh", "bencana", 1, 300, 180,
     {"bpbd": "primary", "damkar": "support", "dinkes": "support"}),
    ("bencana_lainnya", "Bencana lainnya", "bencana", 2, 500, 120,
     {"bpbd": "primary", "damkar": "support"}),
    ("kejahatan", "Kejahatan", "keamanan", 2, 300, 60, {"polresta": "primary"}),
    ("perampokan", "Perampokan / begal", "keamanan", 1, 500, 60,
     {"polresta": "primary", "dinkes": "support"}),
    ("perkelahian", "Perkelahian / tawuran", "keamanan", 2, 300, 60,
     {"polresta": "primary", "satpolpp": "support", "dinkes": "support"}),
    ("kerusuhan", "Kerusuhan / gangguan ketertiban", "keamanan", 2, 500, 120,
     {"polresta": "primary", "satpolpp": "support"}),
    ("kdrt", "Kekerasan dalam rumah tangga", "keamanan", 1, 100, 60,
     {"polresta": "primary", "dinsos": "support", "dinkes": "support"}),
    ("orang_hilang", "Orang hilang", "keamanan", 2, 1000, 720,
     {"polresta": "primary", "dinsos": "support"}),
    ("lainnya", "Lainnya", "lainnya", 3, 200, 60, {"satpolpp": "primary"}),
]

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION siaga_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER incidents_timelineevent_append_only
    BEFORE UPDATE OR DELETE ON incidents_timelineevent
    FOR EACH ROW EXECUTE FUNCTION siaga_append_only();
CREATE TRIGGER incidents_liveevent_append_only
    BEFORE UPDATE OR DELETE ON incidents_liveevent
    FOR EACH ROW EXECUTE FUNCTION siaga_append_only();
"""
DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS incidents_timelineevent_append_only ON incidents_timelineevent;
DROP TRIGGER IF EXISTS incidents_liveevent_append_only ON incidents_liveevent;
DROP FUNCTION IF EXISTS siaga_append_only();
"""


def seed(apps, schema_editor):
    Agency = apps.get_model("incidents", "Agency")
    IncidentType = apps.get_model("incidents", "IncidentType")
    RoutingRule = apps.get_model("incidents", "RoutingRule")
    agencies = {}
    for code, name, phone in AGENCIES:
        agencies[code], _ = Agency.objects.get_or_create(
            code=code, defaults={"name": name, "phone": phone}
        )
    for code, name, category, priority, radius, window, routing in TYPES:
        itype, created = IncidentType.objects.get_or_create(
            code=code,
            defaults={"name": name, "category": category, "default_priority": priority,
                      "duplicate_radius_m": radius, "duplicate_window_min": window},
        )
        if created:
            for agency, role in routing.items():
                RoutingRule.objects.create(incident_type=itype, agency=agencies[agency], role=role)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
