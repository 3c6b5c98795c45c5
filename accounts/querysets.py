from __future__ import annotations

import hashlib

from django.db import models
from django.utils import timezone


def hash_token(key: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is a safe at-rest form."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        """Tokens not revoked, whose user is active."""
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def matching(self, key: str) -> ApiTokenQuerySet:
        """The token whose hash matches the presented key (the key itself is never stored)."""
        return self.filter(key_hash=hash_token(key))

    def revoke(self) -> int:
        """Revoke every token in the queryset; returns how many were live."""
        return self.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
