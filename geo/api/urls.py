from django.urls import path

from geo.api.caller_location import CallerLocationView
from geo.api.views import GeocodeView, ReverseView

urlpatterns = [
    path("geocode/", GeocodeView.as_view(), name="geocode"),
    path("reverse/", ReverseView.as_view(), name="reverse"),
    path("caller-location/", CallerLocationView.as_view(), name="caller-location"),
]
