"""Project-wide API plumbing: service errors become 4xx answers naming the field and reason."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import Invalid, ServiceError


def exception_handler(exc, context):
    if isinstance(exc, Invalid):
        return Response({exc.field: [exc.detail]}, status=exc.status)
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.detail, **exc.extra}, status=exc.status)
    return drf_exception_handler(exc, context)
