from rest_framework.routers import SimpleRouter

from incidents.api.views import CallViewSet, IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register("calls", CallViewSet, basename="call")
urlpatterns = router.urls
