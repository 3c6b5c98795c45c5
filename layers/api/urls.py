"""Analytic layers for planners and the wall: hotspots, density, per-kelurahan statistics."""

from django.urls import path

from layers.api.density import DensityView
from layers.api.exports import ExportView
from layers.api.hotspots import HotspotsView
from layers.api.standards import ResponseStandardsView
from layers.api.stats import KelurahanStatsView
from layers.api.views import RoutesView, WallSnapshotView

app_name = "layers"

urlpatterns = [
    path("hotspots/", HotspotsView.as_view(), name="hotspots"),
    path("density/", DensityView.as_view(), name="density"),
    path("kelurahan-stats/", KelurahanStatsView.as_view(), name="kelurahan-stats"),
    path("response-standards/", ResponseStandardsView.as_view(), name="response-standards"),
    path("export/", ExportView.as_view(), name="export"),
    # The wall (issue #9): snapshot and routes of dispatched units.
    path("wall/", WallSnapshotView.as_view(), name="wall-snapshot"),
    path("routes/", RoutesView.as_view(), name="routes"),
]
