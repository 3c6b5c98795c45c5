"""How long a caller's number is kept.

A caller's number serves the call while it is open and the repeat-caller and prank advisories
afterwards (``incidents.intake.HISTORY``, 30 days). After ``CALLER_NUMBER_RETENTION_DAYS``
(default 90) it is personal data with no purpose left, so it is erased from the call: the call,
its times, its device location and the incident stay for the statistics. Each run leaves one
audit entry with the cut-off and the count, never a number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.services import audit
from incidents.intake import HISTORY
from incidents.models import Call

SYSTEM_USERNAME = "system-retention"


class RetentionTooShort(ValueError):
    pass


def retention_days() -> int:
    return int(getattr(settings, "CALLER_NUMBER_RETENTION_DAYS", 90))


def cutoff(days: int, now: datetime | None = None) -> datetime:
    if days < HISTORY.days:
        raise RetentionTooShort(
            f"numbers must be kept at least {HISTORY.days} days: the repeat-caller and prank "
            "advisories read that far back"
        )
    return (now or timezone.now()) - timedelta(days=days)


def _system_user():
    from accounts.models import User

    user, _ = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "role": ""}
    )
    return user


def expired_numbers(before: datetime):
    return Call.objects.filter(received_at__lt=before).exclude(caller_number="")


@transaction.atomic
def erase_caller_numbers(days: int | None = None, *, dry_run: bool = False) -> tuple[datetime, int]:
    """Erase the numbers of calls received more than ``days`` ago; returns (cut-off, count)."""
    before = cutoff(retention_days() if days is None else days)
    expired = expired_numbers(before)
    if dry_run:
        return before, expired.count()
    erased = expired.update(caller_number="")
    audit(
        _system_user(),
        "caller_number.erased",
        "call",
        (),
        before=before.isoformat(),
        count=erased,
    )
    return before, erased
