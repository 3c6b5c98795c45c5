"""Writes on users and tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.choices import Role
from accounts.models import ApiToken, User
from accounts.querysets import hash_token

TOKEN_PREFIX = "s112_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class IssuedToken:
    user: User
    token: ApiToken
    key: str  # shown once, never stored


def new_key() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def ensure_user(username: str, role: str) -> User:
    """Create the user, or set the role of an existing one. Admins get Django admin access."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    user_model = get_user_model()
    user, created = user_model.objects.select_for_update().get_or_create(
        username=username, defaults={"role": role}
    )
    if created:
        user.set_unusable_password()
    user.role = role
    user.is_staff = role in (Role.ADMIN, Role.SUPERVISOR)
    user.is_superuser = role == Role.ADMIN
    user.save()
    return user


@transaction.atomic
def issue_token(username: str, role: str, name: str = "", replace: bool = False) -> IssuedToken:
    """Create or update the user with this role and give it a new token.

    With ``replace``, the user's earlier tokens are revoked in the same transaction.
    """
    user = ensure_user(username, role)
    if replace:
        user.api_tokens.revoke()
    key = new_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[: len(TOKEN_PREFIX) + 4], key_hash=hash_token(key)
    )
    return IssuedToken(user=user, token=token, key=key)


def revoke_tokens(username: str) -> int:
    return ApiToken.objects.filter(user__username=username).revoke()


def audit(user, action: str, object_type: str = "", object_ids=(), **detail) -> None:
    """Record that ``user`` did ``action`` on these objects (one row per object)."""
    from accounts.models import AuditEntry

    ids = [str(i) for i in object_ids] or [""]
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                user=user, action=action, object_type=object_type, object_id=i, detail=detail
            )
            for i in ids
        ]
    )
