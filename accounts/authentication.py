"""Token authentication for API clients and the wall: ``Authorization: Token <key>``
(``Bearer`` is accepted too). Keys are looked up by their SHA-256; revoked tokens fail."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User
from accounts.querysets import hash_token

# last_used_at is refreshed at most this often, to keep reads cheap.
_TOUCH_EVERY = timedelta(minutes=1)


# ApiToken.objects.active().matching(key) with its user, in one raw statement: composing and
# compiling that query with the ORM (and building the user through a RawQuerySet) took longer
# than running it, on every API request. The user's columns are listed in the order of the
# model's fields (tests/accounts/test_tokens.py checks it), for User.from_db.
_USER_FOR_KEY = """
SELECT u.id, u.password, u.last_login, u.is_superuser, u.username, u.first_name, u.last_name,
       u.email, u.is_staff, u.is_active, u.date_joined, u.role, t.id, t.last_used_at
FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id
WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active
"""
_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]


def user_for_key(key: str):
    """The active user owning this key, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_USER_FOR_KEY, [hash_token(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    user = User.from_db(connection.alias, _USER_FIELDS, row[:-2])
    token_id, last_used_at = row[-2:]
    now = timezone.now()
    if last_used_at is None or now - last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Header token tidak valid."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Token tidak valid.")) from None
        user = user_for_key(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Token tidak valid atau sudah dicabut."))
        return (user, key)

    def authenticate_header(self, request) -> str:
        return "Token"
