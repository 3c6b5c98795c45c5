"""Analytic layers for planners and the wall: hotspots, density, per-kelurahan statistics."""

from django.urls import path

app_name = "layers"

# Each layer family adds its own block of paths below.
urlpatterns: list = []

# --- density, per-kelurahan statistics and exports (layers/api/density.py, stats.py, exports.py)
from layers.api.density import DensityView  # noqa: E402
from layers.api.exports import ExportView  # noqa: E402
from layers.api.stats import KelurahanStatsView  # noqa: E402

urlpatterns += [
    path("density/", DensityView.as_view(), name="density"),
    path("kelurahan-stats/", KelurahanStatsView.as_view(), name="kelurahan-stats"),
    path("export/", ExportView.as_view(), name="export"),
]
