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
