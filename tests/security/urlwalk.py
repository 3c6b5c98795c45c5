"""Every HTTP route and WebSocket path the project serves, read from the URL confs, with the
methods each answers. The roles table is checked against this list, so a new endpoint without
a row in the table fails the suite."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

# Django's admin site has its own staff check; it is one row of the table, not one per model.
_OPAQUE_PREFIXES = ("admin/",)
_SKIP_METHODS = {"options", "head", "trace"}
# Plain function views say nothing about their methods; these are the ones that are not GET.
_FUNCTION_VIEW_METHODS = {"set_language": frozenset({"POST"})}


def _route_text(pattern) -> str:
    text = str(pattern)
    if text.startswith("^"):  # a router's regex: ^incidents/(?P<pk>[^/.]+)/$ → incidents/<pk>/
        text = text[1:].removesuffix("$")
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", text)


def _methods(callback) -> frozenset[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route
        return frozenset(m.upper() for m in actions if m not in _SKIP_METHODS)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        return frozenset(
            m.upper() for m in cls.http_method_names if m not in _SKIP_METHODS and hasattr(cls, m)
        )
    return _FUNCTION_VIEW_METHODS.get(callback.__name__, frozenset({"GET"}))


def _walk(patterns, prefix: str):
    for p in patterns:
        route = prefix + _route_text(p.pattern)
        if route.startswith(_OPAQUE_PREFIXES):
            yield "admin/", frozenset({"GET"})
            continue
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, _methods(p.callback)


def http_routes() -> dict[str, frozenset[str]]:
    """``{"api/incidents/<pk>/": {"GET", "PATCH"}, ...}`` for every HTTP route."""
    routes: dict[str, set[str]] = {}
    for route, methods in _walk(get_resolver().url_patterns, ""):
        routes.setdefault(route, set()).update(methods)
    return {r: frozenset(m) for r, m in routes.items()}


def websocket_routes() -> list[str]:
    from config.routing import websocket_urlpatterns

    return [route for route, _ in _walk(websocket_urlpatterns, "")]
