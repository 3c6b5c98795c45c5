"""Analytic layers for planners and the wall: hotspots, density, per-kelurahan statistics."""

from django.urls import path

app_name = "layers"

# Each layer family adds its own block of paths below.
urlpatterns: list = []

# --- hotspots (H3 bins, Gi*, emerging hot spots) ---
from layers.api.hotspots import HotspotsView  # noqa: E402

urlpatterns += [path("hotspots/", HotspotsView.as_view(), name="hotspots")]
