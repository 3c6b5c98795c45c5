"""WebSocket authentication: the session cookie (pages) or a token.

Browsers cannot set headers on a WebSocket, so a token travels as a subprotocol
``token.<key>`` (next to ``siaga112``); other clients may send ``Authorization: Token <key>``.
Query-string tokens are refused on purpose: URLs end up in access logs.
"""

from __future__ import annotations

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware

from accounts.authentication import user_for_key

SUBPROTOCOL = "siaga112"
_TOKEN_SUBPROTOCOL = "token."  # noqa: S105 - a prefix, not a secret


def token_from_scope(scope) -> str | None:
    for proto in scope.get("subprotocols") or []:
        if proto.startswith(_TOKEN_SUBPROTOCOL):
            return proto[len(_TOKEN_SUBPROTOCOL) :]
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            parts = value.decode("latin-1").split()
            if len(parts) == 2 and parts[0].lower() in ("token", "bearer"):
                return parts[1]
    return None


class TokenAuthMiddleware(BaseMiddleware):
    """Sets ``scope['user']`` from a token when one is presented (overrides the session)."""

    async def __call__(self, scope, receive, send):
        key = token_from_scope(scope)
        if key is not None:
            from django.contrib.auth.models import AnonymousUser

            user = await database_sync_to_async(user_for_key)(key)
            scope = dict(scope, user=user or AnonymousUser(), auth_method="token")
        return await super().__call__(scope, receive, send)


class WebSocketSessionMiddleware(SessionMiddleware):
    """Channels' SessionMiddleware (the session in the scope, from the cookie) without its
    wrapper around ``send``: that wrapper saves the session only on ``http.response.start``,
    which a WebSocket never sends, yet it inspects the session on every frame, and the live
    feed sends tens of thousands of frames a second under load."""

    async def __call__(self, scope, receive, send):
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


def TokenAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack
    """Channels' AuthMiddlewareStack for WebSockets, with a token overriding the session."""
    return CookieMiddleware(WebSocketSessionMiddleware(AuthMiddleware(TokenAuthMiddleware(inner))))
