"""Small builders for test data (no large JSON dumps per test)."""

from __future__ import annotations

import itertools

from accounts.models import User
from accounts.services import issue_token

_seq = itertools.count(1)


def make_user(
    role: str = "operator", username: str | None = None, password: str | None = None
) -> User:
    user = User.objects.create(username=username or f"user{next(_seq)}", role=role)
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def make_token(role: str = "operator", username: str | None = None) -> str:
    """A fresh API token key for a (new or existing) user with this role."""
    return issue_token(username or f"{role}{next(_seq)}", role).key


# --- incidents for the analytic layers (density, statistics, exports) ---
def make_incident(
    lon: float | None = 101.447,
    lat: float | None = 0.507,
    *,
    type_code: str = "kesehatan",
    status: str = "received",
    created_at=None,
    dispatched_after_s: float | None = None,
    on_scene_after_s: float | None = None,
    user: User | None = None,
    **fields,
):
    """One stored incident at (lon, lat), placed in its kelurahan/kecamatan as intake would,
    with ``created_at`` (default now) and optional stage times relative to it. Prank, merged
    and cancelled statuses are stored as they are (merged gets a target incident)."""
    from datetime import timedelta

    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from incidents.location import place
    from incidents.models import Incident, IncidentType

    itype = IncidentType.objects.get(code=type_code)
    point = Point(lon, lat, srid=4326) if lon is not None and lat is not None else None
    placement = place(point)
    created = created_at or timezone.now()
    merged_into = fields.pop("merged_into", None)
    if status == "merged" and merged_into is None:
        merged_into = make_incident(lon, lat, user=user)
    incident = Incident.objects.create(
        category=itype.category,
        type=itype,
        priority=itype.default_priority,
        status=status,
        point=point,
        kelurahan=placement.kelurahan,
        kecamatan=placement.kecamatan,
        outside_service_area=placement.outside_service_area,
        created_by=user or make_user(),
        merged_into=merged_into,
        dispatched_at=created + timedelta(seconds=dispatched_after_s)
        if dispatched_after_s is not None
        else None,
        on_scene_at=created + timedelta(seconds=on_scene_after_s)
        if on_scene_after_s is not None
        else None,
        **fields,
    )
    # created_at is auto_now_add: set the wanted time afterwards.
    Incident.objects.filter(pk=incident.pk).update(created_at=created)
    incident.created_at = created
    return incident


def record_events(n: int) -> list[int]:
    """``n`` test events through the outbox, each in its own transaction (so each is published
    on its commit, as a service's would be); their sequence numbers."""
    from django.db import transaction

    from incidents import live

    seqs = []
    for i in range(n):
        with transaction.atomic():
            seqs.append(live.record("test.event", {"n": i}).seq)
    return seqs
