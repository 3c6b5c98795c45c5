from django.urls import path
from rest_framework.routers import SimpleRouter

from cctv.api.views import CameraViewSet, IncidentCamerasView

router = SimpleRouter()
router.register("cctv/cameras", CameraViewSet, basename="camera")
urlpatterns = [
    *router.urls,
    path("incidents/<int:pk>/cameras/", IncidentCamerasView.as_view(), name="incident-cameras"),
]
