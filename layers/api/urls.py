"""Analytic layers for planners and the wall: hotspots, density, per-kelurahan statistics."""

from django.urls import path

from layers.api.views import RoutesView, WallSnapshotView

app_name = "layers"

# Each layer family adds its own block of paths below.
urlpatterns: list = [
    # The wall (issue #9): snapshot and routes of dispatched units.
    path("wall/", WallSnapshotView.as_view(), name="wall-snapshot"),
    path("routes/", RoutesView.as_view(), name="routes"),
]
