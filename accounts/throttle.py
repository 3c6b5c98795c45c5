"""Login throttling: too many failed logins for one username, or from one address, within a
window lock further attempts out for the rest of the window.

Failures are rows in the database (shared by every server worker, survive restarts); a
successful login clears its username's failures. Applied to /login/ and the Django admin's login.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginFailure


def _window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_S)


def client_ip(request) -> str:
    # REMOTE_ADDR is the peer, or the client that a trusted proxy named (uvicorn
    # --proxy-headers --forwarded-allow-ips); a header a client sets itself is never read here.
    return (request.META.get("REMOTE_ADDR") or "")[:45] if request is not None else ""


def _normal(username: str) -> str:
    return (username or "").strip().lower()[:150]


def blocked(username: str, ip: str) -> bool:
    recent = LoginFailure.objects.filter(at__gte=timezone.now() - _window())
    if username and recent.filter(username=_normal(username)).count() >= (
        settings.LOGIN_THROTTLE_PER_USERNAME
    ):
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= settings.LOGIN_THROTTLE_PER_IP


def record_failure(username: str, ip: str) -> None:
    # Rows older than the window count for nothing: drop them as new ones come.
    LoginFailure.objects.filter(at__lt=timezone.now() - _window()).delete()
    LoginFailure.objects.create(username=_normal(username), ip=ip)


def clear(username: str) -> None:
    LoginFailure.objects.filter(username=_normal(username)).delete()


def window_minutes() -> int:
    return max(1, round(settings.LOGIN_THROTTLE_WINDOW_S / 60))
