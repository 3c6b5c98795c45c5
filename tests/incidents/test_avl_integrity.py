"""AVL history without a foreign key: no orphan fixes, and a unit's history goes with the unit.

The history table has no foreign key to incidents_unit (migration 0006, for COPY speed); these
tests hold the ingest path and the delete trigger to what the foreign key guaranteed."""

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from incidents import avl, live
from incidents.models import Agency, Unit

URL = "/api/units/positions/"


@pytest.fixture(autouse=True)
def quiet_wall():
    live.reset_coalescing(avl.POSITIONS_EVENT)
    yield
    live.reset_coalescing(avl.POSITIONS_EVENT)


def units(*codes):
    agency, _ = Agency.objects.get_or_create(code="dinkes", defaults={"name": "Dinkes"})
    return [Unit.objects.create(code=c, name=c, kind="ambulance", agency=agency) for c in codes]


def fix(code, seconds_ago):
    at = timezone.now() - timedelta(seconds=seconds_ago)
    return {"unit": code, "time": at.isoformat(), "lon": 101.45, "lat": 0.51}


def history(unit_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_unitposition WHERE unit_id = %s", [unit_id])
        return cursor.fetchone()[0]


def other_connection():
    """A second session on the same database, as another server process would be."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params)


@pytest.mark.django_db
def test_deleting_a_unit_by_any_path_deletes_its_history(token_client):
    by_orm, by_sql = units("hist-orm", "hist-sql")
    batch = [fix("hist-orm", 3), fix("hist-orm", 2), fix("hist-sql", 3), fix("hist-sql", 2)]
    assert token_client("operator").post(URL, batch, format="json").json()["stored"] == 4
    by_orm.delete()
    with connection.cursor() as cursor:  # a raw delete, past the ORM's own cascade
        cursor.execute("DELETE FROM incidents_unit WHERE code = %s", ["hist-sql"])
    assert history(by_orm.pk) == 0 and history(by_sql.pk) == 0


@pytest.mark.django_db(transaction=True)
def test_a_unit_deleted_while_its_batch_waits_is_unknown_and_leaves_no_rows():
    """The code cache still knows the unit; another session deletes it and commits while the batch
    is being written: its fix is answered "unknown unit", nothing of it is stored."""
    gone, stays = units("race-gone", "race-stays")
    assert avl.ingest([fix("race-gone", 5), fix("race-stays", 5)]).stored == 2  # cached
    other = other_connection()
    try:
        other.execute("DELETE FROM incidents_unit WHERE id = %s", [gone.pk])  # not committed
        answer = {}

        def post():
            try:
                answer["outcome"] = avl.ingest([fix("race-gone", 2), fix("race-stays", 2)])
            finally:
                connection.close()

        worker = threading.Thread(target=post)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive()  # waiting for the deleting session, as a foreign key would
        other.commit()
        worker.join(10)
    finally:
        other.close()
    outcome = answer["outcome"]
    assert outcome.stored == 1
    assert outcome.rejected == [{"index": 0, "reason": "unknown unit 'race-gone'"}]
    assert history(gone.pk) == 0 and history(stays.pk) == 2


@pytest.mark.django_db(transaction=True)
def test_a_unit_deleted_just_after_its_batch_was_written_takes_the_batch_with_it():
    """A delete that comes while a batch is still uncommitted waits for it, then removes the
    unit's whole history, the batch's fixes included."""
    (unit,) = units("late-gone")
    assert avl.ingest([fix("late-gone", 1)]).moved == 1
    done = threading.Event()

    def delete():
        other = other_connection()
        try:
            other.execute("DELETE FROM incidents_unit WHERE id = %s", [unit.pk])
            other.commit()
        finally:
            other.close()
            done.set()

    with transaction.atomic():
        # Older fixes: they do not move the unit, so only the batch's own lock is held.
        late = avl.ingest([fix("late-gone", 3), fix("late-gone", 2)])
        assert (late.stored, late.moved) == (2, 0)
        worker = threading.Thread(target=delete)
        worker.start()
        assert not done.wait(0.5)  # the batch's lock holds the delete back
    worker.join(10)
    assert done.is_set()
    assert not Unit.objects.filter(pk=unit.pk).exists()
    assert history(unit.pk) == 0


@pytest.mark.django_db(transaction=True)
def test_two_gateways_sending_the_same_units_at_once_both_store_everything():
    """Two sessions write batches over the same units at the same time, each listing them in
    the opposite order: both get every batch stored, each fix once, and no error (the units are
    locked in id order, test_avl_fast checks the order; this one checks that the two sessions'
    locks and moves of the same rows go through)."""
    codes = [f"both-{i}" for i in range(12)]
    units(*codes)
    base = timezone.now() - timedelta(minutes=5)
    errors, stored = [], []

    def gateway(order, offset_ms):
        try:
            for b in range(15):
                at = base + timedelta(seconds=b, milliseconds=offset_ms)
                batch = [
                    {"unit": c, "time": at.isoformat(), "lon": 101.45, "lat": 0.51} for c in order
                ]
                stored.append(avl.ingest(batch).stored)
        except (DatabaseError, avl.UnitGone) as exc:  # a deadlock is a DatabaseError
            errors.append(exc)
        finally:
            connection.close()

    workers = [
        threading.Thread(target=gateway, args=(codes, 0)),
        threading.Thread(target=gateway, args=(codes[::-1], 500)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    assert sum(stored) == 2 * 15 * 12
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM incidents_unitposition p JOIN incidents_unit u"
            " ON u.id = p.unit_id WHERE u.code LIKE 'both-%%'"
        )
        assert cursor.fetchone()[0] == 2 * 15 * 12
