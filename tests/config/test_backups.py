"""`manage.py backup --verify`: a real pg_dump of the test database, restored into a scratch
database and compared table by table with the manifest written in the dump's snapshot."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from incidents.models import Incident
from tests.factories import make_incident

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def archive(tmp_path):
    for i in range(3):
        make_incident(101.447 + i * 0.001, 0.507, description=f"kejadian {i}")
    path = tmp_path / "siaga.dump"
    call_command("backup", "--out", str(path), stdout=io.StringIO())
    return path


def _scratch_databases() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["verify\\_%"])
        return [row[0] for row in cur.fetchall()]


def test_a_backup_restores_with_every_row(archive):
    out = io.StringIO()
    call_command("verify_backup", str(archive), stdout=out)
    assert "verified: restored into a scratch database" in out.getvalue()
    manifest = json.loads(archive.with_name(archive.name + ".json").read_text())
    assert manifest["row_counts"]["incidents_incident"] == Incident.objects.count() == 3
    assert manifest["row_counts"]["incidents_timelineevent"] >= 0
    assert "postgis" in manifest["extensions"]
    assert not archive.with_name(archive.name + ".part").exists()
    assert _scratch_databases() == []  # the scratch copy is dropped


def test_a_damaged_archive_is_refused(archive):
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("verify_backup", str(archive))


def test_a_restore_that_differs_from_the_manifest_names_the_table(archive):
    manifest_file = archive.with_name(archive.name + ".json")
    manifest = json.loads(manifest_file.read_text())
    manifest["row_counts"]["incidents_incident"] = 4  # as if a row had been lost
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="incidents_incident: 4 in the manifest, 3 restored"):
        call_command("verify_backup", str(archive))
    assert _scratch_databases() == []


def test_no_manifest_no_verification(tmp_path, db):
    lone = tmp_path / "lone.dump"
    lone.write_bytes(b"PGDMP")
    with pytest.raises(CommandError, match="no readable manifest"):
        call_command("verify_backup", str(lone))


def test_old_archives_are_pruned_and_the_new_one_kept(tmp_path):
    import os
    import time

    old = tmp_path / "siaga112-20260101T000000Z.dump"
    recent = tmp_path / "siaga112-20261130T000000Z.dump"
    other = tmp_path / "someone-else.dump"
    for path in (old, recent, other):
        path.write_bytes(b"PGDMP")
    old.with_name(old.name + ".json").write_text("{}")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(other, (month_ago, month_ago))
    new = tmp_path / "siaga112-20261201T000000Z.dump"
    out = io.StringIO()
    call_command("backup", "--out", str(new), "--keep-days", "14", stdout=out)
    assert "deleted siaga112-20260101T000000Z.dump" in out.getvalue()
    assert not old.exists() and not old.with_name(old.name + ".json").exists()
    assert recent.exists() and new.exists() and other.exists()  # not ours: left alone
