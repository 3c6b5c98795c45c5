"""Errors the services raise; the API maps them to 4xx with the field and the reason."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Conflict(ServiceError):
    """The request is valid but clashes with the current state (stale version, illegal move)."""

    status = 409


class NotFound(ServiceError):
    status = 404


class Invalid(ServiceError):
    """A field's value is refused; ``field`` names it."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason, field=field)
        self.field = field


def db_reason(exc: BaseException) -> str:
    """The telling line of a driver error (psycopg puts it last), for one-line messages."""
    lines = str(exc).strip().splitlines()
    return lines[-1] if lines else "unreachable"
