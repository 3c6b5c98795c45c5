"""Pages of the wall and the console, and the basemap's vector tiles."""

from django.urls import path

from layers import pages
from layers.views import TileView

urlpatterns = [
    path("wall/", pages.wall, name="wall"),
    path("console/", pages.console, name="console"),
    path("tiles/<slug:layer>/<int:z>/<int:x>/<int:y>.mvt", TileView.as_view(), name="vector-tile"),
]
