from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.api.responders import (
    CoverageView,
    DispatchView,
    IncidentNearestUnitsView,
    NearestView,
    PositionsView,
    UnitStatusView,
)
from incidents.api.views import CallViewSet, IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register("calls", CallViewSet, basename="call")
urlpatterns = [
    path("responders/nearest/", NearestView.as_view(), name="responders-nearest"),
    path("units/positions/", PositionsView.as_view(), name="unit-positions"),
    path("units/<int:pk>/status/", UnitStatusView.as_view(), name="unit-status"),
    path("responders/coverage/", CoverageView.as_view(), name="responders-coverage"),
    path(
        "incidents/<int:pk>/nearest-units/",
        IncidentNearestUnitsView.as_view(),
        name="incident-nearest-units",
    ),
    path("incidents/<int:pk>/dispatch/", DispatchView.as_view(), name="incident-dispatch"),
    *router.urls,
]
