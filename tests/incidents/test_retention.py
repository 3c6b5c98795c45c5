"""Callers' numbers are erased after the retention period; the calls and their incidents stay."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AuditEntry
from incidents.models import Call
from tests.factories import make_incident, make_user

pytestmark = pytest.mark.django_db


def _call(days_ago: float, number: str = "081234567890", **extra) -> Call:
    return Call.objects.create(
        received_at=timezone.now() - timedelta(days=days_ago),
        caller_number=number,
        operator=make_user(),
        **extra,
    )


def test_old_numbers_are_erased_and_the_rest_is_kept(settings, capsys):
    settings.CALLER_NUMBER_RETENTION_DAYS = 90
    incident = make_incident()
    old = _call(120, incident=incident, spoken_address="Jl. Sudirman")
    edge = _call(89.9)
    fresh = _call(1)
    call_command("erase_caller_numbers")
    assert "erased 1 caller numbers" in capsys.readouterr().out
    old.refresh_from_db()
    assert old.caller_number == ""
    # The call itself stays for the statistics, with its incident and what was said.
    assert (old.incident_id, old.spoken_address) == (incident.pk, "Jl. Sudirman")
    assert Call.objects.get(pk=edge.pk).caller_number == "081234567890"
    assert Call.objects.get(pk=fresh.pk).caller_number == "081234567890"
    entry = AuditEntry.objects.get(action="caller_number.erased")
    assert entry.detail["count"] == 1 and entry.user.username == "system-retention"
    assert not entry.user.is_active
    assert "0812" not in str(entry.detail)  # the audit never holds a number
    # A second run finds nothing more to erase.
    call_command("erase_caller_numbers")
    assert "erased 0 caller numbers" in capsys.readouterr().out


def test_dry_run_and_a_shorter_period(capsys):
    _call(45)
    call_command("erase_caller_numbers", "--days", "40", "--dry-run")
    assert "would erase 1" in capsys.readouterr().out
    assert Call.objects.get().caller_number == "081234567890"
    assert not AuditEntry.objects.filter(action="caller_number.erased").exists()
    call_command("erase_caller_numbers", "--days", "40")
    assert Call.objects.get().caller_number == ""


def test_a_period_shorter_than_the_advisories_need_is_refused():
    _call(20)
    with pytest.raises(CommandError, match="at least 30 days"):
        call_command("erase_caller_numbers", "--days", "7")
    assert Call.objects.get().caller_number == "081234567890"
