"""Analytic layers for planners and the wall: hotspots, density, per-kelurahan statistics."""

from django.urls import path  # noqa: F401

app_name = "layers"

# Each layer family adds its own block of paths below.
urlpatterns: list = []
