"""Token authentication for API clients and the wall: ``Authorization: Token <key>``
(``Bearer`` is accepted too). Keys are looked up by their SHA-256; revoked tokens fail."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User
from accounts.querysets import hash_token

# last_used_at is refreshed at most this often, to keep reads cheap.
_TOUCH_EVERY = timedelta(minutes=1)


# ApiToken.objects.active().matching(key) with its user, in one raw statement: composing and
# compiling that query with the ORM took twice as long as running it, on every API request.
_USER_FOR_KEY = """
SELECT u.*, t.id AS token_id, t.last_used_at AS token_last_used_at
FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id
WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active
"""


def user_for_key(key: str):
    """The active user owning this key, or None."""
    user = next(iter(User.objects.raw(_USER_FOR_KEY, [hash_token(key)])), None)
    if user is None:
        return None
    now = timezone.now()
    if user.token_last_used_at is None or now - user.token_last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
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
